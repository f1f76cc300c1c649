/*
 * Reading input: files (or standard input) in order as one stream, each
 * decompressed when gzipped, its format detected, split into records and
 * its fields mapped to schema slots.  Records go to a callback one at a
 * time (push model: reader -> record callback -> aggregator), each borrowed
 * for the duration of the call, so memory does not grow with the input.
 *
 * Records that cannot be parsed (bad JSON, wrong CSV field count) never
 * reach the callback: they go to the bad-record policy (struct jn_badrec),
 * which the callback also uses for records it refuses itself.
 */
#ifndef JOURNEY_READER_H
#define JOURNEY_READER_H

#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "journey/record.h"
#include "journey/util.h"

enum jn_input_format {
	JN_IN_AUTO = 0,
	JN_IN_CSV,
	JN_IN_TSV,
	JN_IN_NDJSON,
	/*
	 * Only as opts.format (-I xes): an XES file's records are the
	 * NDJSON lines it is converted to (journey/xes.h).
	 */
	JN_IN_XES
};

/* How many bad records are quoted in the end-of-run warning. */
#define JN_BADREC_SHOWN 5

/*
 * Bad records a worker thread met in one batch, kept for the reading
 * thread to pass to the real policy in input order: per record its line,
 * then in text its reason and its raw bytes.
 */
struct jn_badlog {
	struct jn_badent {
		const char *file;
		uint64_t line;
		size_t reason, raw, rawlen;	/* offsets into text */
	} *ents;
	size_t n, cap;
	struct jn_strbuf text;
};

/*
 * The bad-record policy of SPEC section 1: count, remember the first few
 * reasons, write every rejected record verbatim to --rejects, and under
 * --strict make the first one fatal.
 */
struct jn_badrec {
	uint64_t count;
	int strict;
	FILE *rejects;			/* NULL without --rejects */
	char *rejects_path;
	/*
	 * The rejects file is emptied only once it is known to be none of
	 * the inputs (jn_badrec_check): a run that ends before reading
	 * leaves it as it was.
	 */
	int rejects_pending;
	int rejects_live;		/* emptied: removed by a signal */
	dev_t rejects_dev;
	ino_t rejects_ino;
	char *shown[JN_BADREC_SHOWN];	/* "FILE:LINE: reason" */
	size_t nshown;
	/*
	 * A worker's policy: when set, records are only logged here (and
	 * under --strict the call still returns -1, silently).
	 */
	struct jn_badlog *log;
	/*
	 * Set by the reader: the record whose values it ended in place
	 * (jn_reader_opts.keep_raw), and the byte those NULs replaced; 0
	 * when the current record's raw is as read.  A CSV record's NULs
	 * are where its values end, an NDJSON record's at ended_at[0..
	 * nended_at) (its strings' closing quotes).
	 */
	const struct jn_record *ended;
	char ended_by;
	const char *const *ended_at;
	size_t nended_at;
};

/*
 * rec's bytes as read, rec->rawlen of them, into dst: while the reader
 * hands rec to the callback, raw may hold NULs where values were ended
 * in place, and these are put back.
 */
void jn_badrec_copy_raw(const struct jn_badrec *b,
    const struct jn_record *rec, char *dst);

/*
 * Set up the policy; rejects_path may be NULL.  The rejects file is
 * opened (created if need be) but not emptied yet: jn_read and
 * jn_read_jobs first make sure it is not one of their inputs.  Returns
 * 0, or -1 when the rejects file cannot be created (reported).
 */
int jn_badrec_init(struct jn_badrec *b, int strict, const char *rejects_path);
/*
 * Refuse a rejects file that is one of files[0..nfiles) ("-", or no
 * file: standard input), compared by device and inode, then empty it.
 * Returns 0, or -1 with "--rejects 'FILE' is the input 'INPUT':
 * refusing to overwrite it" reported.
 */
int jn_badrec_check(struct jn_badrec *b, char *const *files, int nfiles);
/*
 * The name of the input among files[0..nfiles) ("-", or no file:
 * standard input, named "<stdin>") that is the file st describes
 * (same device and inode), or NULL.  Inputs that cannot be examined are
 * none.  Cannot fail.
 */
const char *jn_input_same_file(const struct stat *st, char *const *files,
    int nfiles);
/*
 * Reject rec for the reason fmt.  Under --strict reports
 * "FILE:LINE: reason" as an error and returns -1; otherwise counts it,
 * copies its bytes to the rejects file and returns 0.
 */
int jn_badrec_add(struct jn_badrec *b, const struct jn_record *rec,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * End of run: when records were rejected, warn once with the count,
 * "records in = used + rejected" and the first few reasons; close the
 * rejects file.  records_in counts every record read.  Returns 0, or -1
 * when writing the rejects file failed (reported).
 */
int jn_badrec_finish(struct jn_badrec *b, uint64_t records_in);

struct jn_reader_opts {
	enum jn_input_format format;	/* JN_IN_AUTO: detect per file */
	int progress;			/* allow a progress line on stderr */
	/*
	 * Slots (bit n for slot n) a CSV/TSV header must have: a file
	 * whose header lacks one is an error, not a file of bad records.
	 */
	uint64_t required;
	const char *required_hint[JN_MAX_SLOTS];	/* "-u FIELD" */
	/*
	 * Filters: called with each CSV/TSV header record (raw bytes
	 * only), before the file's first record; may be NULL.
	 */
	int (*on_header)(void *ctx, const struct jn_record *header);
	/*
	 * Where "-" is read from when not standard input (a spool of
	 * standard input, read a second time); it is still named <stdin>.
	 */
	const char *stdin_path;
	/*
	 * Frame records without parsing their fields: the callback gets
	 * raw bytes, file, line and format only (no values), and nothing
	 * is rejected.  For a second pass over input already checked.
	 */
	int raw_only;
	/*
	 * Leave raw as read.  Otherwise the values of a CSV record without
	 * quotes point into raw, each ended by a NUL written over the
	 * delimiter after it, and an NDJSON record's strings without
	 * escapes each by a NUL over its closing quote: no copy, but raw
	 * then holds those NULs (jn_badrec_copy_raw puts the bytes back in
	 * what it copies out).  For filters that write records through
	 * (jshard).
	 */
	int keep_raw;
	/*
	 * --delimiter: the CSV/TSV field separator, 0 for ',' (tab in a
	 * TSV file).  A file not detected as NDJSON is then read as CSV
	 * with it (as TSV for a tab) unless the format is given.
	 */
	char delim;
	/*
	 * A stream (a pipe, standard input) is read as it comes: a record
	 * is handed over as soon as its line is complete, not a mebibyte
	 * of records at a time (jwatch --follow).  Not for gzip.  The
	 * last file, when it is a regular one, is then followed as
	 * tail -f does: at its end, read on as it grows (polled every
	 * 100 ms) until SIGINT or SIGTERM (jn_follow_signals), which end
	 * the input as its end would; a file that shrinks is an error.
	 */
	int follow;
	/*
	 * With follow, quiet_ns > 0: on_quiet(quiet_ctx) is called once
	 * input has brought no bytes for quiet_ns of wall-clock time (a
	 * regular file at its end counts as quiet), after every complete
	 * record read has been handed over; once per quiet spell.  It
	 * returns 0, or -1 to stop (error reported).
	 */
	int64_t quiet_ns;
	int (*on_quiet)(void *ctx);
	void *quiet_ctx;
};

/*
 * Following (jn_reader_opts.follow): SIGINT and SIGTERM end the input
 * (the records read are handed over and the read returns 0) instead of
 * killing the process.
 */
void jn_follow_signals(void);

/* Called per record; return 0 to go on, -1 to stop (error reported). */
typedef int (*jn_record_fn)(void *ctx, const struct jn_record *rec);

/*
 * Read files[0..nfiles) ("-" is standard input; nfiles 0 reads standard
 * input) as one stream.  *records_in counts the records read, good or bad.
 * Returns 0, or -1 after reporting (unreadable file, I/O error, --strict,
 * or the callback's -1).
 */
int jn_read(char *const *files, int nfiles, const struct jn_reader_opts *opts,
    const struct jn_schema *schema, struct jn_badrec *bad, jn_record_fn fn,
    void *ctx, uint64_t *records_in);

/* One worker of jn_read_jobs: its own schema copy, policy and callback. */
struct jn_read_worker {
	const struct jn_schema *schema;	/* slots numbered as the main one */
	struct jn_badrec *bad;		/* its log is set per batch */
	jn_record_fn fn;
	void *ctx;
};

/*
 * jn_read with jobs worker threads.  The calling thread reads, frames
 * and counts the records exactly as jn_read does and hands them out in
 * batches of about a mebibyte, in input order; each worker parses the
 * batches it takes with its own schema and calls its fn, so a worker
 * sees its records in input order but not all of them.  Bad records,
 * warnings and errors of every batch are passed to bad and stderr in
 * input order, so that the diagnostics, the --rejects file and the
 * records counted are those of jn_read; after an error no later batch is
 * reported.  Returns 0, or -1 after reporting.
 */
int jn_read_jobs(char *const *files, int nfiles,
    const struct jn_reader_opts *opts, const struct jn_schema *schema,
    struct jn_badrec *bad, const struct jn_read_worker *workers, int jobs,
    uint64_t *records_in);

/*
 * A TSV field's value: \t, \n, \r and \\ decoded, as the writer's TSV
 * (jn_tsv_field) encodes them; a backslash before any other byte stays.
 * Writes at most n bytes to dst (which may be src) and returns how many.
 */
size_t jn_tsv_unescape(char *dst, const char *src, size_t n);

/* Parse "csv", "tsv", "ndjson" (tables); returns 0 or -1 (reported). */
int jn_input_format_parse(const char *name, enum jn_input_format *fmt);
/* The same for event logs, which may also be "xes". */
int jn_event_format_parse(const char *name, enum jn_input_format *fmt);

#endif
