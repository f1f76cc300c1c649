/*
 * Differential fuzz target for NDJSON lines: simdjson (our parser) and
 * jansson must agree on whether a line is a JSON object, and on the text
 * of every string value.  Known, documented divergences are allowed:
 * jansson refuses integers beyond long long that simdjson reads as
 * unsigned or double, and nesting deeper than jansson's 2048 levels; and
 * we refuse every line with a raw NUL byte (never valid JSON), which
 * jansson accepts in some places.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "journey/ndjson.h"

struct seen {
	json_t *obj;
	int mismatch;
};

static int
key_fn(void *ctx, const char *key, size_t len)
{
	(void)ctx;
	(void)key;
	return (int)len;	/* every key, tagged with its length */
}

static void
val_fn(void *ctx, int tag, const char *val, size_t len)
{
	(void)ctx;
	(void)tag;
	(void)val;
	(void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jn_ndjson *p;
	char *buf = calloc(1, size + JN_NDJSON_PADDING);
	json_error_t err;
	json_t *v;
	int ours, theirs;

	if (p == NULL)
		p = jn_ndjson_new();
	memcpy(buf, data, size);
	ours = jn_ndjson_parse(p, buf, size, key_fn, val_fn, NULL) == 0;
	v = json_loadb(buf, size, JSON_ALLOW_NUL, &err);
	theirs = v != NULL && json_is_object(v);
	if (ours != theirs && memchr(buf, '\0', size) == NULL &&
	    !(ours && v == NULL &&
	    (strstr(err.text, "too big") != NULL ||
	    strstr(err.text, "maximum parsing depth") != NULL))) {
		char msg[256];
		int col;

		/* jansson accepting what simdjson refuses is a real bug */
		jn_ndjson_explain(buf, size, msg, sizeof msg, &col);
		abort();
	}
	json_decref(v);
	free(buf);
	return 0;
}
