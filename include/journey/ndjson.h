/*
 * NDJSON line parsing, a C interface over simdjson (src/core/ndjson.cc)
 * plus jansson for precise messages about bad lines.  The reader frames
 * lines; this module turns one line into field values.  simdjson and
 * jansson types never leave this module.
 */
#ifndef JOURNEY_NDJSON_H
#define JOURNEY_NDJSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Readable bytes the caller guarantees after every line it passes. */
#define JN_NDJSON_PADDING 64

struct jn_ndjson;

/*
 * Called once per top-level key of the object, in document order, with
 * the key unescaped (it may hold NUL bytes).  A repeated key is passed
 * each time: a sink that stores values lets the last one win.  Return a
 * value >= 0 to receive the key's value through the sink, < 0 to skip it.
 */
typedef int (*jn_ndjson_key_fn)(void *ctx, const char *key, size_t keylen);
/*
 * Receives the value for a key that key_fn accepted (tag is key_fn's
 * return).  Strings arrive unescaped (they may hold NUL bytes); true and
 * false as that text; null as absent (not called); integers as exact
 * decimal text; other numbers as the shortest decimal that reads back as
 * the same double, with an exponent only outside 1e-6 <= |x| < 1e17 (1.0,
 * 1e2 and 1e17 arrive as "1", "100" and "1e+17"); arrays and objects as
 * minified JSON text, numbers in them written the same way.  val is valid
 * only during the call.
 */
typedef void (*jn_ndjson_val_fn)(void *ctx, int tag, const char *val,
    size_t len);

/* New parser.  Caller frees with jn_ndjson_free.  Cannot fail (xmalloc). */
struct jn_ndjson *jn_ndjson_new(void);
void jn_ndjson_free(struct jn_ndjson *p);

/*
 * From now on, remember key_fn's answers (a few keys at each position in
 * the object) and call key_fn only for keys not remembered, so that a
 * line's keys cost a comparison each, not a call.  For a key_fn whose
 * answer for a key never changes; without this call, key_fn sees every
 * key.
 */
void jn_ndjson_cache_keys(struct jn_ndjson *p);

/*
 * From now on, deliver to val_fn, with tag, the value at the dotted path
 * name[0..len) of every object parsed (journey(7) NESTED FIELDS), as a
 * top-level value is delivered, after the object's top-level values and
 * in the order the paths were added.  A name is a path when it holds a
 * dot: split at its first dot, the part before names a key of an object
 * or, as a number without leading zeros, an index into an array (from
 * 0), and the rest is followed in that value; but at every level a key
 * equal to the whole rest wins.  At the top level that key is the
 * object's own field, which goes through key_fn as any key: then the path
 * delivers nothing.  Where a key repeats, its last value is followed.
 * Nothing is delivered when the path leads nowhere or to null.  Names
 * without a dot are ignored.  The name is copied.  Cannot fail (xmalloc).
 */
void jn_ndjson_add_path(struct jn_ndjson *p, const char *name, size_t len,
    int tag);

/*
 * From now on, parse every line with simdjson, without the fast path for
 * flat objects (journey/flatjson.h): for tests that compare the two.
 */
void jn_ndjson_simdjson_only(struct jn_ndjson *p);

/*
 * Parse line[0..len) (no terminator; JN_NDJSON_PADDING readable bytes must
 * follow) as one JSON object.  Returns 0 when it is a valid object, or -1
 * (not reported) when it is not valid JSON or not an object; then
 * jn_ndjson_explain gives the reason.  Strict RFC 8259 and UTF-8, with
 * jansson's limits where it has them, so that explain agrees: nesting
 * deeper than 2048 levels (the object is one) is refused, and so is a raw
 * NUL byte anywhere.  Two things jansson refuses are accepted: integers
 * from 2^63 to 2^64-1 and keys holding "\u0000".
 */
int jn_ndjson_parse(struct jn_ndjson *p, const char *line, size_t len,
    jn_ndjson_key_fn key_fn, jn_ndjson_val_fn val_fn, void *ctx);

/* A line of a batch: its bytes, without the terminator. */
struct jn_ndjson_line {
	const char *p;
	size_t len;
};

/*
 * Called by jn_ndjson_parse_lines after line i's values went to val_fn,
 * with what jn_ndjson_parse returns for the line (0, or -1: not valid, no
 * values delivered).  A non-zero return stops the batch.
 */
typedef int (*jn_ndjson_line_fn)(void *ctx, size_t i, int rc);

/*
 * Parse lines[0..n) as jn_ndjson_parse parses each, making the same calls
 * in the same order, line_fn after each line's values: the answers and
 * values are exactly those of a loop over jn_ndjson_parse, but simdjson
 * finds the structure of many lines in one pass, which costs half as
 * much on short lines.  The lines lie in one buffer, each after the one
 * before, with JN_NDJSON_PADDING readable bytes after the last.  Returns
 * 0, or line_fn's first non-zero return.
 */
int jn_ndjson_parse_lines(struct jn_ndjson *p,
    const struct jn_ndjson_line *lines, size_t n, jn_ndjson_key_fn key_fn,
    jn_ndjson_val_fn val_fn, jn_ndjson_line_fn line_fn, void *ctx);

/*
 * Explain why line[0..len) is not a JSON object, through jansson: writes
 * "bad JSON at column C: jansson's message" (C counts characters),
 * "bad JSON at column C: NUL byte", "not a JSON object", or should
 * jansson take the line, "bad JSON: simdjson's message" into msg.
 * *column gets the 1-based column (0 when unknown).
 */
void jn_ndjson_explain(const char *line, size_t len, char *msg,
    size_t msgsize, int *column);

/*
 * simdjson's reason for refusing line[0..len) (no padding needed), or
 * NULL when jn_ndjson_parse would accept it.  For jn_ndjson_explain when
 * jansson finds nothing wrong; slow (a new parser, a copy of the line).
 * The string is static.
 */
const char *jn_ndjson_reason(const char *line, size_t len);

#ifdef __cplusplus
}
#endif

#endif
