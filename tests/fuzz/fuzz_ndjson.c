/*
 * Differential fuzz target for NDJSON lines: simdjson (our parser) and
 * jansson must agree on whether a line is a JSON object and, when both
 * take it, on every top-level value: strings byte for byte, integers
 * exactly, other numbers as the same double, arrays and objects as equal
 * JSON; a repeated key's last value is jansson's, and a null is never
 * delivered.  jn_ndjson_explain must find a reason for every refusal.
 * The divergences ndjson.h documents are allowed: we take integers from
 * 2^63 to 2^64-1 and keys holding "\u0000", which jansson refuses, and we
 * refuse every line with a raw NUL byte, which jansson reads past after a
 * number or a literal.  Any other disagreement aborts.
 *
 * The input split at its newlines must also come out of
 * jn_ndjson_parse_lines exactly as out of a loop over jn_ndjson_parse:
 * the same calls with the same bytes, line after line.  And the fast
 * path for flat objects (journey/flatjson.h) must deliver exactly the
 * values simdjson alone delivers, key cache on, on the line itself and after a
 * line that filled the cache with other keys.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "journey/ndjson.h"

/* Each key_fn call: the key, and the value if val_fn followed. */
struct entry {
	size_t key, keylen;
	size_t val, vallen;
	int has_val;
};

struct seen {
	char *bytes;		/* keys and values, copied */
	size_t len, cap;
	struct entry *e;
	size_t n, ecap;
};

static size_t
keep(struct seen *s, const char *p, size_t n)
{
	size_t off = s->len;

	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		if ((s->bytes = realloc(s->bytes, s->cap)) == NULL)
			abort();
	}
	memcpy(s->bytes + off, p, n);
	s->len += n;
	s->bytes[s->len++] = '\0';
	return off;
}

static int
key_fn(void *ctx, const char *key, size_t len)
{
	struct seen *s = ctx;

	if (s->n == s->ecap) {
		s->ecap = s->ecap ? s->ecap * 2 : 16;
		if ((s->e = realloc(s->e, s->ecap * sizeof *s->e)) == NULL)
			abort();
	}
	s->e[s->n].key = keep(s, key, len);
	s->e[s->n].keylen = len;
	s->e[s->n].has_val = 0;
	return (int)s->n++;	/* every key, tagged with its entry */
}

static void
val_fn(void *ctx, int tag, const char *val, size_t len)
{
	struct seen *s = ctx;
	struct entry *e = &s->e[tag];

	if ((size_t)tag != s->n - 1 || e->has_val)
		abort();	/* one value, right after its key */
	e->val = keep(s, val, len);
	e->vallen = len;
	e->has_val = 1;
}

/* Same JSON value; an integer and a real are compared as numbers. */
static int
same(json_t *a, json_t *b)
{
	const char *key;
	size_t i, klen;
	json_t *va;

	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b);
	if (json_typeof(a) != json_typeof(b))
		return 0;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		    memcmp(json_string_value(a), json_string_value(b),
		    json_string_length(a)) == 0;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (i = 0; i < json_array_size(a); i++)
			if (!same(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	case JSON_OBJECT:
		if (json_object_size(a) != json_object_size(b))
			return 0;
		json_object_keylen_foreach(a, key, klen, va) {
			json_t *vb = json_object_getn(b, key, klen);

			if (vb == NULL || !same(va, vb))
				return 0;
		}
		return 1;
	default:	/* true, false, null */
		return 1;
	}
}

/* Our value for entry e matches jansson's j. */
static int
value_matches(const struct seen *s, const struct entry *e, json_t *j)
{
	const char *val;
	json_t *ours;
	json_error_t err;
	int ok;

	if (!e->has_val)
		return json_is_null(j);
	val = s->bytes + e->val;
	if (json_is_string(j))
		return json_string_length(j) == e->vallen &&
		    memcmp(json_string_value(j), val, e->vallen) == 0;
	/* our text must be JSON that reads back as jansson's value */
	ours = json_loadb(val, e->vallen, JSON_DECODE_ANY | JSON_ALLOW_NUL,
	    &err);
	ok = ours != NULL && !json_is_string(ours) && !json_is_null(ours) &&
	    same(ours, j);
	json_decref(ours);
	return ok;
}

/* Both parsers took the object: compare what the sink received. */
static void
compare(const struct seen *s, json_t *obj)
{
	size_t i, k, unique = 0;

	for (i = 0; i < s->n; i++) {
		const struct entry *e = &s->e[i];
		json_t *j;

		/* a later occurrence of the key wins */
		for (k = i + 1; k < s->n; k++)
			if (s->e[k].keylen == e->keylen &&
			    memcmp(s->bytes + s->e[k].key, s->bytes + e->key,
			    e->keylen) == 0)
				break;
		if (k < s->n)
			continue;
		unique++;
		j = json_object_getn(obj, s->bytes + e->key, e->keylen);
		if (j == NULL || !value_matches(s, e, j))
			abort();
	}
	if (unique != json_object_size(obj))
		abort();
}

/* Every call of a batch, as length-prefixed bytes. */
struct calls {
	char *bytes;
	size_t len, cap;
};

static void
record(struct calls *c, char what, const char *p, size_t n)
{
	if (c->len + n + 1 + sizeof n > c->cap) {
		c->cap = (c->len + n + 1 + sizeof n) * 2;
		if ((c->bytes = realloc(c->bytes, c->cap)) == NULL)
			abort();
	}
	c->bytes[c->len++] = what;
	memcpy(c->bytes + c->len, &n, sizeof n);
	c->len += sizeof n;
	memcpy(c->bytes + c->len, p, n);
	c->len += n;
}

static int
calls_key(void *ctx, const char *key, size_t len)
{
	record(ctx, 'k', key, len);
	return len % 3 == 0 ? -1 : (int)len;	/* some keys skipped */
}

static void
calls_val(void *ctx, int tag, const char *val, size_t len)
{
	char t = (char)tag;

	record(ctx, 't', &t, 1);
	record(ctx, 'v', val, len);
}

static int
calls_done(void *ctx, size_t i, int rc)
{
	char r = (char)rc;

	record(ctx, 'l', (const char *)&i, sizeof i);
	record(ctx, 'r', &r, 1);
	return 0;
}

/* buf[0..size) and its padding, split at newlines, both ways. */
static void
check_lines(struct jn_ndjson *p, const char *buf, size_t size)
{
	static struct calls want, got;
	struct jn_ndjson_line *lines;
	size_t n = 0, i, start = 0;

	lines = malloc((size + 1) * sizeof *lines);
	if (lines == NULL)
		abort();
	for (i = 0; i <= size; i++)
		if (i == size || buf[i] == '\n') {
			lines[n].p = buf + start;
			lines[n++].len = i - start;
			start = i + 1;
		}
	want.len = got.len = 0;
	for (i = 0; i < n; i++)
		calls_done(&want, i, jn_ndjson_parse(p, lines[i].p,
		    lines[i].len, calls_key, calls_val, &want));
	if (jn_ndjson_parse_lines(p, lines, n, calls_key, calls_val,
	    calls_done, &got) != 0)
		abort();
	if (got.len != want.len || memcmp(got.bytes, want.bytes,
	    want.len) != 0)
		abort();
	free(lines);
}

/*
 * calls_key's answers, unrecorded: with the key cache on, which keys
 * reach key_fn depends on the cache, and only the values must agree.
 */
static int
quiet_key(void *ctx, const char *key, size_t len)
{
	(void)ctx;
	(void)key;
	return len % 3 == 0 ? -1 : (int)len;
}

/* The fast path and simdjson alone, value for value. */
static void
check_fast(const char *buf, size_t size)
{
	static const char warm[] = "{\"user_id\":\"u1\",\"event\":\"a\","
	    "\"n\":1,\"ok\":true,\"x\":null,\"rev\":1.50}";
	static struct jn_ndjson *fast, *slow;
	static struct calls want, got;
	char line[sizeof warm + JN_NDJSON_PADDING];
	int round;

	if (fast == NULL) {
		fast = jn_ndjson_new();
		slow = jn_ndjson_new();
		jn_ndjson_cache_keys(fast);
		jn_ndjson_cache_keys(slow);
		jn_ndjson_simdjson_only(slow);
	}
	memcpy(line, warm, sizeof warm - 1);
	memset(line + sizeof warm - 1, '"', JN_NDJSON_PADDING);
	for (round = 0; round < 2; round++) {
		want.len = got.len = 0;
		calls_done(&want, 0, jn_ndjson_parse(slow, buf, size,
		    quiet_key, calls_val, &want));
		calls_done(&got, 0, jn_ndjson_parse(fast, buf, size,
		    quiet_key, calls_val, &got));
		if (got.len != want.len || memcmp(got.bytes, want.bytes,
		    want.len) != 0)
			abort();
		/* other keys at the same positions, then the line again */
		jn_ndjson_parse(fast, line, sizeof warm - 1, quiet_key,
		    calls_val, &got);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jn_ndjson *p;
	static struct seen s;
	char *buf = malloc(size + JN_NDJSON_PADDING);
	json_error_t err;
	json_t *v;
	int ours, theirs, nul;

	if (buf == NULL)
		abort();
	if (p == NULL)
		p = jn_ndjson_new();
	/* padding that would close the line, were it read as part of it */
	memcpy(buf, data, size);
	memset(buf + size, '}', JN_NDJSON_PADDING);
	s.len = s.n = 0;
	ours = jn_ndjson_parse(p, buf, size, key_fn, val_fn, &s) == 0;
	v = json_loadb(buf, size, JSON_ALLOW_NUL, &err);
	nul = memchr(buf, '\0', size) != NULL;
	theirs = v != NULL && json_is_object(v) && !nul;
	if (ours && !theirs && v == NULL &&
	    (strncmp(err.text, "too big integer", 15) == 0 ||
	    strncmp(err.text, "NUL byte in object key", 22) == 0))
		theirs = 1;	/* jansson's limits, not ours */
	if (ours != theirs)
		abort();
	if (ours && v != NULL)
		compare(&s, v);
	if (!ours) {
		char msg[256];
		int col;

		jn_ndjson_explain(buf, size, msg, sizeof msg, &col);
		if (strncmp(msg, "bad JSON", 8) != 0 &&
		    strcmp(msg, "not a JSON object") != 0)
			abort();
	}
	json_decref(v);
	check_fast(buf, size);
	check_lines(p, buf, size);
	free(buf);
	return 0;
}
