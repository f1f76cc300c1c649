/*
 * Records and the schema that names their fields.  A tool registers, before
 * reading, every field it will look at (user, time, event, predicate fields,
 * --by, --value ...); each registration gets a slot number.  Readers fill a
 * record's slots from each CSV row or NDJSON object, so tools and predicates
 * look values up by slot in O(1), never by name on the hot path.
 *
 * A slot may name several candidate fields, first present wins (the SPEC
 * defaults: user_id, userId, user, ...).  For CSV/TSV the choice is made once
 * per file from its header; for NDJSON per object.
 */
#ifndef JOURNEY_RECORD_H
#define JOURNEY_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define JN_MAX_SLOTS 64
#define JN_MAX_CANDIDATES 16

struct jn_slot {
	const char *names[JN_MAX_CANDIDATES];	/* owned copies */
	size_t nnames;
	/*
	 * Default names (jn_schema_defaults): a field matches when it is
	 * the same name folded by jn_field_fold ("User ID" is user_id).
	 */
	int loose;
};

struct jn_schema {
	struct jn_slot slots[JN_MAX_SLOTS];
	size_t nslots;
};

/* A field value: bytes [ptr, ptr+len) followed by a NUL; ptr NULL if absent. */
struct jn_value {
	const char *ptr;
	size_t len;
};

/*
 * One input record, borrowed by callbacks and valid only during the call.
 * raw/rawlen are the record's bytes as read (without the final line
 * terminator), for --rejects and for filters that copy input through;
 * but a record's values may point into raw, each ended by a NUL over the
 * byte after it (a CSV delimiter, an NDJSON string's closing quote),
 * unless the reader was asked to keep raw (jn_reader_opts.keep_raw;
 * jn_badrec_copy_raw copies raw out as read).
 */
struct jn_record {
	struct jn_value vals[JN_MAX_SLOTS];
	const char *file;	/* display name, "<stdin>" for standard input */
	uint64_t line;		/* 1-based line where the record starts */
	const char *raw;
	size_t rawlen;
	int format;		/* enum jn_input_format of the file */
	/*
	 * Ordinal of the record among all records read (headers and blank
	 * lines not counted), 0-based: the same whether one thread reads
	 * or several, so tools can tell which of two events came first.
	 */
	uint64_t pos;
};

/* Initialize an empty schema.  Cannot fail. */
void jn_schema_init(struct jn_schema *s);
/* Free the names the schema owns. */
void jn_schema_release(struct jn_schema *s);
/*
 * Slot for one field name; the same name always returns the same slot.
 * Returns -1 (reported) when JN_MAX_SLOTS are used.
 */
int jn_schema_field(struct jn_schema *s, const char *name);
/*
 * Slot whose value is the first present of names[0..n).  A new slot every
 * call.  Returns -1 (reported) when full.
 */
int jn_schema_candidates(struct jn_schema *s, const char *const *names,
    size_t n);
/*
 * As jn_schema_candidates, for a tool's default names: fields match them
 * case- and separator-insensitively (jn_field_fold), a candidate written
 * exactly as in names winning over one that only folds to it.
 */
int jn_schema_defaults(struct jn_schema *s, const char *const *names,
    size_t n);
/*
 * Fold a field name for loose matching: ASCII letters lowercased, other
 * ASCII bytes that are not digits ("_", "-", " ", ":", ".") dropped,
 * other bytes kept: "User ID", "user-id", "UserId" and "USER_ID" all fold
 * to "userid".  Writes to out[0..cap) (not terminated) and returns the
 * length, or SIZE_MAX when it does not fit.  Cannot fail.
 */
size_t jn_field_fold(const char *s, size_t n, char *out, size_t cap);
/* Value of slot in rec; NULL (and *len 0) when absent.  Cannot fail. */
static inline const char *
jn_record_get(const struct jn_record *rec, int slot, size_t *len)
{
	if (slot < 0) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = rec->vals[slot].len;
	return rec->vals[slot].ptr;
}

#endif
