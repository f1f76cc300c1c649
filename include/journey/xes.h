/*
 * XES (IEEE 1849 XML event logs) as a fourth input format.  The reader
 * feeds a file's bytes (already inflated when gzipped) in chunks; the
 * converter parses them with expat as they come and turns each event
 * into one NDJSON line: the attributes of its trace first, their keys
 * prefixed "case:" as pm4py names them ("case:concept:name", the user by
 * default), then the event's own ("concept:name", "time:timestamp",
 * "lifecycle:transition", ...), every value a JSON string.  The reader
 * then reads those lines as it reads NDJSON, so every tool and option
 * works on XES alike.
 *
 * A trace is buffered until it ends (its attributes may follow its
 * events), so memory grows with the largest trace, not with the file.
 * Only the typed attributes (string, date, int, float, boolean, id) of a
 * trace or an event count; what nests inside them (lists, containers,
 * attributes of attributes), log attributes, globals, extensions,
 * classifiers and unknown elements are ignored.  XML that is not well
 * formed makes the trace it is in (or the bytes outside any) one bad
 * record; expat cannot go on after an error, so a new parser starts at
 * the next "<trace".
 *
 * Each line handed out has one item (jn_xes_pop), in the same order,
 * with the XES line where its event starts; a bad trace is an empty line
 * whose item carries the reason and the trace's bytes.
 */
#ifndef JOURNEY_XES_H
#define JOURNEY_XES_H

#include <stddef.h>
#include <stdint.h>

struct jn_xes;

/* What one line of output is. */
struct jn_xes_item {
	uint64_t line;		/* where the event (or the error) is */
	int bad;
	/* bad only: the reason, and the trace's XML as far as it was read */
	const char *reason;
	const char *raw;
	size_t rawlen;
};

/* A new converter (free with jn_xes_free).  Cannot fail. */
struct jn_xes *jn_xes_new(void);
/* Free x; NULL is a no-op. */
void jn_xes_free(struct jn_xes *x);
/*
 * Whether a file is XES: the format forced (xes nonzero), or its name
 * ends in ".xes" or ".xes.gz", or its first bytes p[0..n) that are not
 * blank start "<?xml" or "<log".  Cannot fail.
 */
int jn_xes_detect(int xes, const char *name, const char *p, size_t n);
/*
 * Parse the next n bytes of the file; final says there are no more.
 * After an XML error the rest is ignored (the error is a bad item).
 * Returns 0, or -1 when the file is no XES log at all (its root element
 * is not "log"): the message is then jn_xes_error's.
 */
int jn_xes_feed(struct jn_xes *x, const char *p, size_t n, int final);
/*
 * The message of jn_xes_feed's -1 ("not an XES log: ..."); *line is set
 * to the line it is about, 0 when it is about the whole file.
 */
const char *jn_xes_error(const struct jn_xes *x, uint64_t *line);
/*
 * Copy up to n bytes of the lines converted so far to dst (lines may be
 * split between calls).  Returns the count, 0 when nothing is pending.
 * Cannot fail.
 */
size_t jn_xes_read(struct jn_xes *x, char *dst, size_t n);
/*
 * The item of the next line, in the order the lines were read; valid
 * until the next call.  Returns 0, or -1 when no line is left (a caller
 * bug: one pop per line read).
 */
int jn_xes_pop(struct jn_xes *x, struct jn_xes_item *it);

#endif
