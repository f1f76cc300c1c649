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
 * line that filled the cache with other keys.  Those three checks run
 * with a few dotted paths added (jn_ndjson_add_path).
 *
 * Dotted paths: for paths made of the object's own keys and of array
 * indexes (so that most lead somewhere), the value delivered must be the
 * one a resolver over jansson's document finds by the rule of ndjson.h,
 * and nothing must be delivered where it finds nothing or null.
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

/* Paths the parsers of check_lines and check_fast follow, tags from 200. */
static const char *const fixed_paths[] = {
	"a.b", "a.0", "0.a", "b.1.c", "a.b.c", "",
};

static void
add_fixed_paths(struct jn_ndjson *p)
{
	size_t i;

	for (i = 0; i < sizeof fixed_paths / sizeof *fixed_paths; i++)
		jn_ndjson_add_path(p, fixed_paths[i], strlen(fixed_paths[i]),
		    200 + (int)i);
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
		add_fixed_paths(fast);
		add_fixed_paths(slow);
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

/* ---- dotted paths against jansson ---- */

#define NPATHS 6

struct pathcheck {
	char name[NPATHS][256];
	size_t len[NPATHS];
	int got[NPATHS];
	char *val[NPATHS];
	size_t vallen[NPATHS];
};

static int
no_key(void *ctx, const char *key, size_t len)
{
	(void)ctx;
	(void)key;
	(void)len;
	return -1;
}

static void
path_val(void *ctx, int tag, const char *val, size_t len)
{
	struct pathcheck *c = ctx;

	if (tag < 0 || tag >= NPATHS || c->got[tag])
		abort();	/* one value per path and line */
	c->got[tag] = 1;
	if ((c->val[tag] = malloc(len + 1)) == NULL)
		abort();
	memcpy(c->val[tag], val, len);
	c->vallen[tag] = len;
}

/* An array index by the rule: digits, no leading zero, below 2^31. */
static int
index_of(const char *s, size_t n, size_t *idx)
{
	size_t i, v = 0;

	if (n == 0 || n > 10 || (s[0] == '0' && n > 1))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (size_t)(s[i] - '0');
	}
	*idx = v;
	return v <= 0x7fffffff;
}

/* The rule of ndjson.h over jansson's document, written out plainly. */
static json_t *
resolve(json_t *v, const char *rest, size_t len)
{
	int top = 1;

	for (;;) {
		const char *dot = memchr(rest, '.', len);
		size_t plen = dot ? (size_t)(dot - rest) : len, idx;
		json_t *next;

		if (json_is_object(v)) {
			if ((next = json_object_getn(v, rest, len)) != NULL)
				return top ? NULL : next;
			if (dot == NULL)
				return NULL;
			next = json_object_getn(v, rest, plen);
		} else if (json_is_array(v) && index_of(rest, plen, &idx)) {
			next = json_array_get(v, idx);
		} else {
			return NULL;
		}
		if (next == NULL || dot == NULL)
			return next;
		v = next;
		len -= plen + 1;
		rest = dot + 1;
		top = 0;
	}
}

static void
append(struct pathcheck *c, int k, const char *s, size_t n)
{
	if (c->len[k] + n + 1 >= sizeof c->name[k])
		return;
	memcpy(c->name[k] + c->len[k], s, n);
	c->len[k] += n;
}

/*
 * Path k into obj: its keys and indexes picked by the bits of seed, so
 * that it mostly leads somewhere; now and then an index past the end or
 * with a leading zero, a key that is absent, or the path stops early.
 */
static void
make_path(struct pathcheck *c, int k, json_t *obj, uint64_t seed)
{
	json_t *v = obj;
	int depth;

	c->len[k] = 0;
	for (depth = 0; depth < 6; depth++) {
		char num[24];
		size_t n;

		seed = seed * 6364136223846793005u + 1442695040888963407u;
		if (depth > 0)
			append(c, k, ".", 1);
		if (json_is_object(v) && json_object_size(v) > 0 &&
		    seed >> 60 != 0) {
			const char *key;
			size_t klen, pick = (seed >> 32) % json_object_size(v);
			json_t *x;

			json_object_keylen_foreach(v, key, klen, x) {
				if (pick-- == 0) {
					append(c, k, key, klen);
					v = x;
					break;
				}
			}
		} else if (json_is_array(v) && seed >> 60 != 0) {
			n = (size_t)snprintf(num, sizeof num, seed >> 59 == 1 ?
			    "0%zu" : "%zu", (size_t)((seed >> 32) %
			    (json_array_size(v) + 1)));
			append(c, k, num, n);
			v = json_array_get(v, (seed >> 32) %
			    (json_array_size(v) + 1));
		} else {
			append(c, k, "x", 1);
			v = NULL;
		}
		if (v == NULL || (depth > 0 && (seed >> 40) % 4 == 0))
			break;
	}
}

static void
check_paths(const char *buf, size_t size, json_t *obj, uint64_t seed)
{
	static struct pathcheck c;
	struct jn_ndjson *p = jn_ndjson_new();
	int k;

	for (k = 0; k < NPATHS; k++) {
		make_path(&c, k, obj, seed + (uint64_t)k * 0x9e3779b97f4a7c15u);
		c.got[k] = 0;
		c.val[k] = NULL;
		jn_ndjson_add_path(p, c.name[k], c.len[k], k);
	}
	if (jn_ndjson_parse(p, buf, size, no_key, path_val, &c) != 0)
		abort();
	for (k = 0; k < NPATHS; k++) {
		json_t *j = memchr(c.name[k], '.', c.len[k]) ?
		    resolve(obj, c.name[k], c.len[k]) : NULL;
		struct seen one = { c.val[k], c.vallen[k] + 1, 0, NULL, 0, 0 };
		struct entry e = { 0, 0, 0, c.vallen[k], c.got[k] };

		if (j == NULL || json_is_null(j)) {
			if (c.got[k])
				abort();
		} else if (!c.got[k] || !value_matches(&one, &e, j)) {
			abort();
		}
		free(c.val[k]);
	}
	jn_ndjson_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jn_ndjson *p, *lp;
	static struct seen s;
	char *buf = malloc(size + JN_NDJSON_PADDING);
	json_error_t err;
	json_t *v;
	int ours, theirs, nul;

	if (buf == NULL)
		abort();
	if (p == NULL) {
		p = jn_ndjson_new();
		lp = jn_ndjson_new();
		add_fixed_paths(lp);
	}
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
	if (ours && v != NULL) {
		uint64_t seed = 0;
		size_t i;

		compare(&s, v);
		for (i = 0; i < size; i++)
			seed = seed * 31 + data[i];
		check_paths(buf, size, v, seed);
	}
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
	check_lines(lp, buf, size);
	free(buf);
	return 0;
}
