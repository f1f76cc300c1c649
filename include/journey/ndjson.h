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
 * Called once per top-level key of the object.  Return a value >= 0 to
 * receive the key's value through the sink, < 0 to skip it.
 */
typedef int (*jn_ndjson_key_fn)(void *ctx, const char *key, size_t keylen);
/*
 * Receives the value for a key that key_fn accepted (tag is key_fn's
 * return).  Strings arrive unescaped; numbers, true/false as their JSON
 * text; null as absent (not called); arrays and objects as minified JSON
 * text.  val is valid only during the call.
 */
typedef void (*jn_ndjson_val_fn)(void *ctx, int tag, const char *val,
    size_t len);

/* New parser.  Caller frees with jn_ndjson_free.  Cannot fail (xmalloc). */
struct jn_ndjson *jn_ndjson_new(void);
void jn_ndjson_free(struct jn_ndjson *p);

/*
 * Parse line[0..len) (no terminator; JN_NDJSON_PADDING readable bytes must
 * follow) as one JSON object.  Returns 0 when it is a valid object, or -1
 * (not reported) when it is not valid JSON or not an object; then
 * jn_ndjson_explain gives the reason.
 */
int jn_ndjson_parse(struct jn_ndjson *p, const char *line, size_t len,
    jn_ndjson_key_fn key_fn, jn_ndjson_val_fn val_fn, void *ctx);

/*
 * Explain why line[0..len) is not a JSON object, through jansson: writes
 * "bad JSON at column C: jansson's message" or "not a JSON object" into
 * msg.  *column gets the 1-based column (0 when unknown).
 */
void jn_ndjson_explain(const char *line, size_t len, char *msg,
    size_t msgsize, int *column);

#ifdef __cplusplus
}
#endif

#endif
