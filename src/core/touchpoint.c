/*
 * Touchpoint cleaning (see include/journey/touchpoint.h for the rules).
 * Tools call it once per event, between reading a field and interning it,
 * from every reading thread: the rules are compiled once into a read-only
 * struct jn_touch; each thread's struct jn_touch_local holds what a call
 * writes (PCRE2 match data, output buffers, the cache), so a call
 * allocates nothing once those have grown.  The default rules are one
 * scan of the value; --clean's regexes cost far more, so their results
 * are cached per default-cleaned value, which the defaults have already
 * stripped of the query strings and ids that make raw URLs unique.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "journey/touchpoint.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "journey/intern.h"
#include "journey/util.h"

/* As pred.c: generous for real patterns, fast to stop a runaway one. */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 10000
#define HEAP_LIMIT 65536	/* KiB */

/* A rule may not grow a value past this (nor can a chain of rules). */
#define MAX_RESULT 65536
/* The cache is emptied when it holds this many values. */
#define CACHE_MAX 65536

/*
 * jn_touch_intern's cache of raw values and their ids: direct-mapped, of
 * fixed size, so that memory does not grow with distinct raw values
 * (queries, ids in paths).
 */
#define RAW_SLOTS 4096		/* a power of two */
#define RAW_MAX 56		/* longer raw values are not cached */
struct raw_slot {
	uint32_t id;		/* UINT32_MAX: empty */
	uint32_t len;
	char s[RAW_MAX];
};

struct rule {
	pcre2_code *re;
	int jit;		/* re has JIT code */
	char *src;		/* the regex as written, for diagnostics */
	size_t srclen;
	char *alias;
	size_t aliaslen;
	int refs;		/* alias has a backslash to expand */
	size_t line;
};

struct jn_touch {
	int raw;
	char *name;		/* the --clean file, for diagnostics */
	struct rule *rules;
	size_t nrules;
	uint32_t ngroups;	/* most capture groups of any rule, plus 1 */
	char sig[32];
};

struct jn_touch_local {
	const struct jn_touch *t;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	struct jn_strbuf key, out[2];
	int nocache;
	struct jn_intern keys, vals;	/* default-cleaned -> cleaned */
	uint32_t *map;			/* per key id: its value's id */
	size_t mapcap;
	struct raw_slot *raw;		/* jn_touch_intern's cache */
	const struct jn_intern *raw_tps;	/* the table of its ids */
};

/* ---- options ---- */

void
jn_touch_opts_init(struct jn_touch_opts *o)
{
	memset(o, 0, sizeof *o);
}

int
jn_touch_option(struct jn_touch_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case JN_OPT_CLEAN:
		if (o->clean_path != NULL)
			return jn_error("--clean given twice: put every rule "
			    "in one file");
		o->clean_path = arg;
		return 1;
	case JN_OPT_RAW_TOUCHPOINTS:
		o->raw = 1;
		return 1;
	}
	return 0;
}

/* ---- the default rules ---- */

/*
 * Room for need bytes in b, the new room zeroed: PCRE2's JIT reads a
 * subject a vector at a time, past its end within the buffer, and those
 * bytes must not be uninitialized (valgrind says so, rightly: the
 * comparisons that depend on them are made, and only their results
 * thrown away).
 */
static void
room(struct jn_strbuf *b, size_t need)
{
	size_t old = b->cap;

	b->buf = jn_xgrow(b->buf, &b->cap, need, 1);
	if (b->cap > old)
		memset(b->buf + old, 0, b->cap - old);
}

static void
put(struct jn_strbuf *b, const char *s, size_t n)
{
	room(b, b->len + n + 1);
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Is s[0..n) an id: digits, a UUID, or 16 hex digits or more? */
static int
is_id(const char *s, size_t n)
{
	size_t i;
	int digits = 1;

	if (n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' &&
	    s[23] == '-') {
		for (i = 0; i < n; i++)
			if (!is_hex((unsigned char)s[i]) && s[i] != '-')
				return 0;
		return 1;
	}
	/* most segments are words: out at their first letter past 'f' */
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (!is_hex(c))
			return 0;
		digits &= is_digit(c);
	}
	return n > 0 && (digits || n >= 16);
}

/*
 * Append the path p[0..n) (empty, or starting with '/') with ids
 * replaced and trailing slashes dropped; an empty path is "/".
 */
static void
put_path(struct jn_strbuf *b, const char *p, size_t n)
{
	size_t start = b->len, i = 0;
	char *o;

	/* at worst every segment is one digit, 2 bytes that become 4 */
	room(b, b->len + 2 * n + 2);
	o = b->buf + b->len;
	*o++ = '/';
	while (i < n) {
		const char *seg;
		size_t len;

		if (p[i] == '/')
			i++;
		seg = p + i;
		while (i < n && p[i] != '/')
			i++;
		len = (size_t)(p + i - seg);
		if (seg != p + 1)
			*o++ = '/';
		if (is_id(seg, len)) {
			*o++ = ':';
			*o++ = 'i';
			*o++ = 'd';
		} else {
			memcpy(o, seg, len);
			o += len;
		}
	}
	b->len = (size_t)(o - b->buf);
	while (b->len > start + 1 && b->buf[b->len - 1] == '/')
		b->len--;
	b->buf[b->len] = '\0';
}

/* Length of the path at the start of p[0..n): up to a '?' or '#'. */
static size_t
path_len(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != '?' && p[i] != '#'; i++)
		;
	return i;
}

/*
 * Append p[0..n), a path with its query and fragment, cleaned; a
 * fragment that is a route ("#/..." or "#!/...") is kept and cleaned as
 * a path, its own query and fragment dropped.
 */
static void
put_url_path(struct jn_strbuf *b, const char *p, size_t n)
{
	size_t end = path_len(p, n);
	const char *hash;

	put_path(b, p, end);
	hash = memchr(p + end, '#', n - end);
	if (hash == NULL)
		return;
	hash++;
	n -= (size_t)(hash - p);
	if (n >= 1 && hash[0] == '/') {
		put(b, "#", 1);
		put_path(b, hash, path_len(hash, n));
	} else if (n >= 2 && hash[0] == '!' && hash[1] == '/') {
		put(b, "#!", 2);
		put_path(b, hash + 1, path_len(hash + 1, n - 1));
	}
}

/* Length of "scheme://" at the start of v, or 0. */
static size_t
scheme_len(const char *v, size_t len)
{
	size_t i;

	if (len == 0 || !is_alpha((unsigned char)v[0]))
		return 0;
	for (i = 1; i < len; i++) {
		int c = (unsigned char)v[i];

		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' &&
		    c != '.')
			break;
	}
	if (len - i < 3 || memcmp(v + i, "://", 3) != 0)
		return 0;
	return i + 3;
}

int
jn_touch_default(struct jn_strbuf *b, const char *v, size_t len)
{
	size_t s = scheme_len(v, len), i, host, end;

	if (s == 0) {
		if (len == 0 || v[0] != '/')
			return 0;
		put_url_path(b, v, len);
		return 1;
	}
	for (end = s; end < len && v[end] != '/' && v[end] != '?' &&
	    v[end] != '#'; end++)
		;
	/* the host starts after the authority's last '@' */
	for (host = end; host > s && v[host - 1] != '@'; host--)
		;
	room(b, b->len + s + end - host + 1);
	for (i = 0; i < s; i++)
		b->buf[b->len++] = (char)lower((unsigned char)v[i]);
	for (i = host; i < end; i++)
		b->buf[b->len++] = (char)lower((unsigned char)v[i]);
	b->buf[b->len] = '\0';
	put_url_path(b, v + end, len - end);
	return 1;
}

/* ---- the --clean rules ---- */

static void
rule_release(struct rule *r)
{
	pcre2_code_free(r->re);
	free(r->src);
	free(r->alias);
}

void
jn_touch_free(struct jn_touch *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrules; i++)
		rule_release(&t->rules[i]);
	free(t->rules);
	free(t->name);
	free(t);
}

/* Compile line lineno, s[0..n) (no line end), into t unless skipped. */
static int
compile_line(struct jn_touch *t, size_t *cap, const char *s, size_t n,
    size_t lineno)
{
	const char *tab;
	size_t i;
	struct rule r;
	int err;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[256];
	uint32_t ncap = 0;
	char q[96];

	for (i = 0; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == n || s[i] == '#')
		return 0;
	tab = memchr(s, '\t', n);
	if (tab == NULL)
		return jn_error("%s:%zu: missing tab between regex and alias "
		    "in '%s'", t->name, lineno, jn_quote(q, sizeof q, s, n));
	if (tab == s)
		return jn_error("%s:%zu: empty regex", t->name, lineno);
	memset(&r, 0, sizeof r);
	r.srclen = (size_t)(tab - s);
	r.re = pcre2_compile((PCRE2_SPTR)s, r.srclen, 0, &err, &off, NULL);
	if (r.re == NULL) {
		pcre2_get_error_message(err, msg, sizeof msg);
		return jn_error("%s:%zu: bad regex '%s' at offset %zu: %s",
		    t->name, lineno, jn_quote(q, sizeof q, s, r.srclen),
		    (size_t)off, (char *)msg);
	}
	/* JIT is an optimization: where it is unavailable we interpret */
	r.jit = pcre2_jit_compile(r.re, PCRE2_JIT_COMPLETE) == 0;
	(void)pcre2_pattern_info(r.re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (ncap + 1 > t->ngroups)
		t->ngroups = ncap + 1;
	r.src = jn_xstrndup(s, r.srclen);
	tab++;
	r.aliaslen = n - (size_t)(tab - s);
	r.alias = jn_xstrndup(tab, r.aliaslen);
	r.refs = memchr(r.alias, '\\', r.aliaslen) != NULL;
	r.line = lineno;
	t->rules = jn_xgrow(t->rules, cap, t->nrules + 1, sizeof *t->rules);
	t->rules[t->nrules++] = r;
	return 0;
}

struct jn_touch *
jn_touch_compile(const char *text, size_t len, const char *name, int raw)
{
	struct jn_touch *t = jn_xcalloc(1, sizeof *t);
	size_t cap = 0, lineno = 0, i;
	uint64_t h;
	struct jn_strbuf sig = { 0 };

	t->raw = raw;
	t->name = jn_xstrdup(name);
	t->ngroups = 1;
	if (raw && len > 0) {
		jn_error("--clean and --raw-touchpoints exclude each other");
		goto fail;
	}
	while (len > 0) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		size_t linelen = n;

		lineno++;
		if (n > 0 && text[n - 1] == '\r')
			linelen--;
		if (compile_line(t, &cap, text, linelen, lineno) != 0)
			goto fail;
		if (nl == NULL)
			break;
		text += n + 1;
		len -= n + 1;
	}
	if (raw) {
		snprintf(t->sig, sizeof t->sig, "raw");
		return t;
	}
	if (t->nrules == 0) {
		snprintf(t->sig, sizeof t->sig, "default");
		return t;
	}
	for (i = 0; i < t->nrules; i++) {
		put(&sig, t->rules[i].src, t->rules[i].srclen);
		put(&sig, "\t", 1);
		put(&sig, t->rules[i].alias, t->rules[i].aliaslen);
		put(&sig, "\n", 1);
	}
	h = jn_hash(sig.buf, sig.len);
	free(sig.buf);
	snprintf(t->sig, sizeof t->sig, "default+%016llx",
	    (unsigned long long)h);
	return t;
fail:
	jn_touch_free(t);
	return NULL;
}

struct jn_touch *
jn_touch_new(const struct jn_touch_opts *o)
{
	FILE *f;
	struct jn_strbuf b = { 0 };
	char chunk[8192];
	size_t n;
	struct jn_touch *t;

	if (o->clean_path == NULL)
		return jn_touch_compile("", 0, "--clean", o->raw);
	if (o->raw) {
		jn_error("--clean and --raw-touchpoints exclude each other");
		return NULL;
	}
	f = fopen(o->clean_path, "rb");
	if (f == NULL) {
		jn_error("cannot open '%s': %s", o->clean_path,
		    strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		put(&b, chunk, n);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		free(b.buf);
		jn_error("%s: read error: %s", o->clean_path, strerror(e));
		return NULL;
	}
	fclose(f);
	t = jn_touch_compile(b.buf ? b.buf : "", b.len, o->clean_path, 0);
	free(b.buf);
	return t;
}

const char *
jn_touch_signature(const struct jn_touch *t)
{
	return t->sig;
}

size_t
jn_touch_nrules(const struct jn_touch *t)
{
	return t->nrules;
}

/* ---- a thread's cleaner ---- */

struct jn_touch_local *
jn_touch_local_new(const struct jn_touch *t)
{
	struct jn_touch_local *l = jn_xcalloc(1, sizeof *l);

	l->t = t;
	if (t->nrules > 0) {
		l->md = pcre2_match_data_create(t->ngroups, NULL);
		l->mctx = pcre2_match_context_create(NULL);
		if (l->md == NULL || l->mctx == NULL) {
			jn_error("out of memory");
			exit(JN_EXIT_ERROR);
		}
		pcre2_set_match_limit(l->mctx, MATCH_LIMIT);
		pcre2_set_depth_limit(l->mctx, DEPTH_LIMIT);
		pcre2_set_heap_limit(l->mctx, HEAP_LIMIT);
	}
	jn_intern_init(&l->keys);
	jn_intern_init(&l->vals);
	return l;
}

void
jn_touch_local_free(struct jn_touch_local *l)
{
	if (l == NULL)
		return;
	pcre2_match_data_free(l->md);
	pcre2_match_context_free(l->mctx);
	free(l->key.buf);
	free(l->out[0].buf);
	free(l->out[1].buf);
	jn_intern_release(&l->keys);
	jn_intern_release(&l->vals);
	free(l->map);
	free(l->raw);
	free(l);
}

void
jn_touch_local_nocache(struct jn_touch_local *l, int nocache)
{
	l->nocache = nocache;
}

/* Append r's alias for the match whose ovector is ov (n pairs set). */
static void
put_alias(struct jn_strbuf *b, const struct rule *r, const char *src,
    const PCRE2_SIZE *ov, uint32_t n)
{
	size_t i, lit = 0;

	if (!r->refs) {
		put(b, r->alias, r->aliaslen);
		return;
	}
	for (i = 0; i < r->aliaslen; i++) {
		char c = i + 1 < r->aliaslen ? r->alias[i + 1] : '\0';

		if (r->alias[i] != '\\' || (c != '\\' && !is_digit(c)))
			continue;
		put(b, r->alias + lit, i - lit);
		if (c == '\\') {
			put(b, "\\", 1);
		} else {
			uint32_t g = (uint32_t)(c - '0');

			if (g < n && ov[2 * g] != PCRE2_UNSET)
				put(b, src + ov[2 * g],
				    ov[2 * g + 1] - ov[2 * g]);
		}
		i++;
		lit = i + 1;
	}
	put(b, r->alias + lit, r->aliaslen - lit);
}

/*
 * Match r in s[0..n) from start: returns the number of ovector pairs set
 * (at least 1), 0 on no match, -1 (reported) on any other outcome, never
 * a silent non-match (pred.c has the reasons; a JIT failure is retried
 * by the interpreter).
 */
static int
match(const struct jn_touch_local *l, const struct rule *r, const char *s,
    size_t n, size_t start, uint32_t opts)
{
	const struct jn_touch *t = l->t;
	char q[64], qr[64];
	PCRE2_UCHAR msg[256];
	int rc = pcre2_match(r->re, (PCRE2_SPTR)s, n, start, opts, l->md,
	    l->mctx);

	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH && r->jit)
		rc = pcre2_match(r->re, (PCRE2_SPTR)s, n, start,
		    opts | PCRE2_NO_JIT, l->md, l->mctx);
	if (rc > 0)
		return rc;
	if (rc == 0)	/* cannot be: the match data fits every rule */
		return (int)pcre2_get_ovector_count(l->md);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	jn_quote(q, sizeof q, s, n);
	jn_quote(qr, sizeof qr, r->src, r->srclen);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT)
		return jn_error("%s:%zu: regex '%s' hit the match limit on "
		    "value '%s'", t->name, r->line, qr, q);
	pcre2_get_error_message(rc, msg, sizeof msg);
	return jn_error("%s:%zu: regex '%s' failed on value '%s': %s",
	    t->name, r->line, qr, q, (char *)msg);
}

/*
 * Replace every match of r in s[0..n) by its alias into b (emptied
 * first): leftmost matches, left to right; after an empty match the next
 * may not be empty at the same place (PCRE2_NOTEMPTY_ATSTART), so that
 * every position is tried once and the loop ends.
 */
static int
apply(const struct jn_touch_local *l, const struct rule *r, const char *s,
    size_t n, struct jn_strbuf *b)
{
	size_t start = 0, copied = 0;
	uint32_t opts = 0;
	char q[64];

	b->len = 0;
	put(b, "", 0);
	for (;;) {
		int rc = match(l, r, s, n, start, opts);
		const PCRE2_SIZE *ov;
		size_t ms, me;

		if (rc == 0)
			break;
		if (rc < 0)
			return -1;
		ov = pcre2_get_ovector_pointer(l->md);
		ms = ov[0];
		me = ov[1];
		/* \K in a lookahead could end a match before its start */
		if (me < ms || ms < copied || me > n)
			return jn_error("%s:%zu: regex '%s' gave a match that "
			    "ends before its start", l->t->name, r->line,
			    jn_quote(q, sizeof q, r->src, r->srclen));
		put(b, s + copied, ms - copied);
		put_alias(b, r, s, ov, (uint32_t)rc);
		copied = me;
		if (b->len > MAX_RESULT && b->len > n)
			return jn_error("%s:%zu: cleaned value longer than %d "
			    "bytes '%s'", l->t->name, r->line, MAX_RESULT,
			    jn_quote(q, sizeof q, s, n));
		if (me == ms) {
			if (me == n)
				break;
			opts = PCRE2_NOTEMPTY_ATSTART;
		} else {
			opts = 0;
		}
		start = me;
	}
	put(b, s + copied, n - copied);
	if (b->len > MAX_RESULT && b->len > n)
		return jn_error("%s:%zu: cleaned value longer than %d bytes "
		    "'%s'", l->t->name, r->line, MAX_RESULT,
		    jn_quote(q, sizeof q, s, n));
	return 0;
}

int
jn_touch_clean(struct jn_touch_local *l, const char *v, size_t len,
    const char **out, size_t *outlen)
{
	const struct jn_touch *t = l->t;
	const char *key = v, *s;
	size_t keylen = len, n, i;
	uint32_t id;

	if (t->raw) {
		*out = v;
		*outlen = len;
		return 0;
	}
	l->key.len = 0;
	if (jn_touch_default(&l->key, v, len)) {
		key = l->key.buf;
		keylen = l->key.len;
	}
	if (t->nrules == 0) {
		*out = key;
		*outlen = keylen;
		return 0;
	}
	if (!l->nocache) {
		id = jn_intern_find(&l->keys, key, keylen);
		if (id != UINT32_MAX) {
			*out = jn_intern_str(&l->vals, l->map[id], outlen);
			return 0;
		}
	}
	s = key;
	n = keylen;
	for (i = 0; i < t->nrules; i++) {
		struct jn_strbuf *b = &l->out[i % 2];

		if (apply(l, &t->rules[i], s, n, b) != 0)
			return -1;
		s = b->buf;
		n = b->len;
	}
	*out = s;
	*outlen = n;
	if (l->nocache)
		return 0;
	if (jn_intern_count(&l->keys) >= CACHE_MAX) {
		jn_intern_release(&l->keys);
		jn_intern_release(&l->vals);
		jn_intern_init(&l->keys);
		jn_intern_init(&l->vals);
	}
	id = jn_intern_put(&l->keys, key, keylen);
	l->map = jn_xgrow(l->map, &l->mapcap, (size_t)id + 1,
	    sizeof *l->map);
	l->map[id] = jn_intern_put(&l->vals, s, n);
	return 0;
}

/* Which slot of the cache of raw values s[0..n) goes to. */
static size_t
raw_slot(const char *s, size_t n)
{
	uint64_t h = (uint64_t)n * UINT64_C(0x9e3779b97f4a7c15), w;
	uint32_t a, b;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * UINT64_C(0x100000001b3);
		h ^= h >> 29;
	}
	if (n >= 4) {
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		w = (uint64_t)a << 32 | b;
	} else if (n > 0) {
		w = (uint64_t)(unsigned char)s[0] |
		    (uint64_t)(unsigned char)s[n / 2] << 8 |
		    (uint64_t)(unsigned char)s[n - 1] << 16;
	} else {
		w = 0;
	}
	h = (h ^ w) * UINT64_C(0xd6e8feb86659fd93);
	h ^= h >> 32;
	return (size_t)h & (RAW_SLOTS - 1);
}

uint32_t
jn_touch_intern(struct jn_touch_local *l, struct jn_intern *tps,
    const char *v, size_t len)
{
	struct raw_slot *c = NULL;
	const char *t;
	size_t tlen, i;
	uint32_t id;

	if (l->raw_tps != tps) {	/* a first call, or another table */
		if (l->raw == NULL)
			l->raw = jn_xmalloc(RAW_SLOTS * sizeof *l->raw);
		for (i = 0; i < RAW_SLOTS; i++)
			l->raw[i].id = UINT32_MAX;
		l->raw_tps = tps;
	}
	if (len <= RAW_MAX && !l->nocache) {
		c = &l->raw[raw_slot(v, len)];
		if (c->id != UINT32_MAX && c->len == len &&
		    jn_same_bytes(c->s, v, len))
			return c->id;
	}
	if (jn_touch_clean(l, v, len, &t, &tlen) != 0)
		return UINT32_MAX;
	id = jn_intern_put(tps, t, tlen);
	if (c != NULL) {
		c->id = id;
		c->len = (uint32_t)len;
		memcpy(c->s, v, len);
	}
	return id;
}
