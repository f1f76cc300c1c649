/*
 * The fast path of NDJSON reading: one pass over a line that is a flat
 * JSON object of plain values, the kind event logs are made of, finding
 * every field without building a document.  It only ever says "yes, and
 * here are the fields" or "not for me": the lines it declines (nested
 * values, escapes, exponents, long numbers, anything not valid) go to
 * simdjson, which has the last word on what is valid and
 * what it means.  So a yes must be exactly right: the line is valid JSON
 * and simdjson would deliver the same fields with the same values; the
 * NDJSON fuzz target checks that differentially.
 */
#ifndef JOURNEY_FLATJSON_H
#define JOURNEY_FLATJSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a field's value is. */
enum jn_flat_kind {
	JN_FLAT_STRING,		/* val: the bytes between the quotes */
	JN_FLAT_NUMBER,		/* val: its text as simdjson's reader gives it */
	JN_FLAT_TRUE,		/* val: "true" */
	JN_FLAT_FALSE,		/* val: "false" */
	JN_FLAT_NULL		/* val: "null" */
};

/* One field: offsets into the line. */
struct jn_flat_field {
	uint32_t key, keylen;	/* the key's bytes between its quotes */
	uint32_t val, vallen;
	enum jn_flat_kind kind;
	/*
	 * Where the scanner remembers this field's key with the bytes
	 * around it (0 <= slot < JN_FLAT_SLOTS), or -1: see jn_flat_note.
	 */
	int slot;
};

#define JN_FLAT_SLOTS 128

/* A scanner and what it remembers.  Caller frees with jn_flat_free. */
struct jn_flat *jn_flat_new(void);
void jn_flat_free(struct jn_flat *s);

/*
 * Scan line[0..len) (len < 2^32; JN_NDJSON_PADDING, at least 64,
 * readable bytes must follow it) as one JSON object whose keys and
 * string values hold no escapes and whose values are strings, numbers
 * (integers of at most 18 digits, decimals of at most 15 significant
 * digits from 1e-6 up, without exponents, neither -0 nor zero decimals),
 * true, false or null, with any JSON whitespace between tokens.  Strings
 * are checked to be valid UTF-8 without control bytes.  A number's val is
 * a prefix of its text: what simdjson's reader delivers
 * (journey/ndjson.h), which drops a fraction's trailing zeros.  Returns
 * the number of fields, found in document order in jn_flat_fields(s)
 * until the next scan, or -1 when the line is not such an object (which
 * does not make it invalid JSON).  Cannot fail.
 */
long jn_flat_scan(struct jn_flat *s, const char *line, size_t len);
const struct jn_flat_field *jn_flat_fields(const struct jn_flat *s);

/*
 * An int the caller keeps for the key a slot holds (what it made of the
 * key, say), so that a key met again costs no look at its bytes: set to
 * JN_FLAT_NO_NOTE whenever the slot takes another key.  Valid until the
 * scanner is freed.
 */
#define JN_FLAT_NO_NOTE (-2147483647 - 1)

/*
 * Inline, for the caller asks once a field: a struct jn_flat begins with
 * its notes, int[JN_FLAT_SLOTS], so a pointer to it is one to them.
 */
static inline int *
jn_flat_note(struct jn_flat *s, int slot)
{
	return (int *)(void *)s + slot;
}

/*
 * Scan with the portable SSE2 code even where the processor has AVX2
 * (which jn_flat_scan uses to mark a line's quotes): for tests, since
 * both must give the same answers.
 */
void jn_flat_no_avx2(struct jn_flat *s);

#ifdef __cplusplus
}
#endif

#endif
