/*
 * Predicates (see include/journey/pred.h for the language).  An expression
 * is split at "&&" into conditions, each compiled once: field names become
 * schema slots, numbers are parsed, regexes are compiled (and JIT-compiled
 * where PCRE2 can) with their match data allocated up front, so matching
 * an event allocates nothing.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "journey/pred.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "journey/util.h"

/* Generous for real patterns, small enough to stop a runaway one fast. */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 10000
/*
 * The interpreter's backtracking frames, in KiB: each holds every
 * capture, so a pattern of a thousand groups would take 16 KiB a frame,
 * 160 MB at the depth limit (the default limit is 20 GB).
 */
#define HEAP_LIMIT 65536

enum op {
	OP_NAME,	/* event field equals */
	OP_EQ, OP_NE, OP_RE, OP_NRE, OP_GT, OP_GE, OP_LT, OP_LE
};

struct cond {
	enum op op;
	int slot;
	char *value;		/* OP_NAME, OP_EQ, OP_NE; regex source */
	size_t len;
	double num;
	pcre2_code *re;
	pcre2_match_data *md;
	int jit;		/* re has JIT code */
};

struct jn_pred {
	char *text;
	char *what;
	struct cond *conds;
	size_t nconds;
	pcre2_match_context *mctx;
	uint64_t hits;		/* matches (the name cache asks once a name) */
};

static int
compile_regex(struct jn_pred *p, struct cond *c, const char *re, size_t len,
    uint32_t flags)
{
	int err;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[256];

	c->re = pcre2_compile((PCRE2_SPTR)re, len, flags, &err, &off, NULL);
	if (c->re == NULL) {
		pcre2_get_error_message(err, msg, sizeof msg);
		return jn_error("%s: bad regex '%.*s' at offset %zu: %s",
		    p->what, (int)len, re, (size_t)off, (char *)msg);
	}
	/* JIT is an optimization: where it is unavailable we interpret */
	c->jit = pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE) == 0;
	c->md = pcre2_match_data_create_from_pattern(c->re, NULL);
	if (c->md == NULL)
		return jn_error("out of memory");
	return 0;
}

static int
compile_cond(struct jn_pred *p, struct cond *c, const char *s, size_t n,
    struct jn_schema *schema, int event_slot)
{
	static const struct {
		const char *text;
		enum op op;
	} ops[] = {
		{ "!=", OP_NE }, { "!~", OP_NRE }, { ">=", OP_GE },
		{ "<=", OP_LE }, { "=", OP_EQ }, { "~", OP_RE },
		{ ">", OP_GT }, { "<", OP_LT },
	};
	size_t i, k, oplen = 0;
	char *field;
	const char *val;

	memset(c, 0, sizeof *c);
	if (n >= 2 && s[0] == '/' && (s[n - 1] == '/' ||
	    (n >= 3 && s[n - 2] == '/' && s[n - 1] == 'i'))) {
		int icase = s[n - 1] == 'i';

		c->op = OP_RE;
		c->slot = event_slot;
		return compile_regex(p, c, s + 1, n - (icase ? 3 : 2),
		    icase ? PCRE2_CASELESS : 0);
	}
	/* the first operator character, scanning left to right */
	for (i = 0; i < n; i++)
		if (strchr("=!~<>", s[i]) != NULL && s[i] != '\0')
			break;
	for (k = 0; i < n && k < sizeof ops / sizeof ops[0]; k++) {
		size_t l = strlen(ops[k].text);

		if (i + l <= n && memcmp(s + i, ops[k].text, l) == 0) {
			c->op = ops[k].op;
			oplen = l;
			break;
		}
	}
	if (oplen == 0) {
		/* no operator (or a lone '!'): the whole text is a name */
		c->op = OP_NAME;
		c->slot = event_slot;
		c->value = jn_xstrndup(s, n);
		c->len = n;
		return 0;
	}
	if (i == 0)
		return jn_error("%s: empty field name in '%.*s'", p->what,
		    (int)n, s);
	field = jn_xstrndup(s, i);
	c->slot = jn_schema_field(schema, field);
	free(field);
	if (c->slot < 0)
		return -1;
	val = s + i + oplen;
	n -= i + oplen;
	switch (c->op) {
	case OP_EQ:
	case OP_NE:
		c->value = jn_xstrndup(val, n);
		c->len = n;
		return 0;
	case OP_RE:
	case OP_NRE:
		return compile_regex(p, c, val, n, 0);
	default:
		if (jn_parse_double(val, n, &c->num) != 0)
			return jn_error("%s: bad number '%.*s' in '%.*s'",
			    p->what, (int)n, val, (int)(i + oplen + n), s);
		return 0;
	}
}

/* Trim blanks around s[0..*n). */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	return s;
}

struct jn_pred *
jn_pred_compile(const char *expr, struct jn_schema *schema, int event_slot,
    const char *what)
{
	struct jn_pred *p = jn_xcalloc(1, sizeof *p);
	const char *s = expr, *amp;
	size_t ncap = 0;

	p->text = jn_xstrdup(expr);
	p->what = jn_xstrdup(what);
	p->mctx = pcre2_match_context_create(NULL);
	if (p->mctx == NULL) {
		jn_error("out of memory");
		goto fail;
	}
	pcre2_set_match_limit(p->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(p->mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(p->mctx, HEAP_LIMIT);
	for (;;) {
		size_t n;
		const char *c;

		amp = strstr(s, "&&");
		n = amp ? (size_t)(amp - s) : strlen(s);
		c = trim(s, &n);
		if (n == 0) {
			jn_error("%s: empty condition in '%s'", what, expr);
			goto fail;
		}
		p->conds = jn_xgrow(p->conds, &ncap, p->nconds + 1,
		    sizeof *p->conds);
		if (compile_cond(p, &p->conds[p->nconds++], c, n, schema,
		    event_slot) != 0)
			goto fail;
		if (amp == NULL)
			break;
		s = amp + 2;
	}
	return p;
fail:
	jn_pred_free(p);
	return NULL;
}

/*
 * 1 on a match, 0 on none, -1 (reported) on any other outcome.  The JIT
 * runs on a small stack of its own and fails where the interpreter, which
 * keeps its backtracking frames on the heap under DEPTH_LIMIT, does not
 * (a repeated group over a value of a few thousand bytes): a JIT failure
 * is retried without the JIT, so that the answer is always the
 * interpreter's, whether PCRE2 has a JIT on this machine or not.  No
 * failure is ever a silent non-match: it would drop events from counts.
 */
static int
regex_match(const struct jn_pred *p, const struct cond *c, const char *v,
    size_t len)
{
	char q[64], qt[64];
	PCRE2_UCHAR msg[256];
	int rc = pcre2_match(c->re, (PCRE2_SPTR)v, len, 0, 0, c->md, p->mctx);

	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH && c->jit)
		rc = pcre2_match(c->re, (PCRE2_SPTR)v, len, 0, PCRE2_NO_JIT,
		    c->md, p->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT)
		return jn_error("%s: regex in '%s' hit the match limit on "
		    "value '%s'", p->what, jn_quote(qt, sizeof qt, p->text,
		    strlen(p->text)), jn_quote(q, sizeof q, v, len));
	/* the heap limit, out of memory: whatever it is, say it */
	pcre2_get_error_message(rc, msg, sizeof msg);
	return jn_error("%s: regex in '%s' failed on value '%s': %s",
	    p->what, jn_quote(qt, sizeof qt, p->text, strlen(p->text)),
	    jn_quote(q, sizeof q, v, len), (char *)msg);
}

static int
cond_match(const struct jn_pred *p, const struct cond *c,
    const struct jn_record *rec)
{
	size_t len;
	const char *v = jn_record_get(rec, c->slot, &len);
	double d;
	int m;

	switch (c->op) {
	case OP_NAME:
	case OP_EQ:
		/*
		 * "FIELD=" holds for a present, empty value only: an absent
		 * field is not a field equal to anything, so "FIELD!=" is
		 * how to ask for absent-or-nonempty.
		 */
		return v != NULL && len == c->len &&
		    memcmp(v, c->value, len) == 0;
	case OP_NE:
		return v == NULL || len != c->len ||
		    memcmp(v, c->value, len) != 0;
	case OP_RE:
		return v != NULL ? regex_match(p, c, v, len) : 0;
	case OP_NRE:
		if (v == NULL)
			return 1;
		m = regex_match(p, c, v, len);
		return m < 0 ? -1 : !m;
	default:
		if (v == NULL || jn_parse_double(v, len, &d) != 0)
			return 0;
		switch (c->op) {
		case OP_GT:
			return d > c->num;
		case OP_GE:
			return d >= c->num;
		case OP_LT:
			return d < c->num;
		default:
			return d <= c->num;
		}
	}
}

int
jn_pred_match(struct jn_pred *p, const struct jn_record *rec)
{
	size_t i;

	for (i = 0; i < p->nconds; i++) {
		int m = cond_match(p, &p->conds[i], rec);

		if (m <= 0)
			return m;
	}
	p->hits++;
	return 1;
}

uint64_t
jn_pred_hits(const struct jn_pred *p)
{
	return p->hits;
}

void
jn_pred_add_hits(struct jn_pred *p, const struct jn_pred *from)
{
	p->hits += from->hits;
}

uint64_t
jn_pred_slots(const struct jn_pred *p)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < p->nconds; i++)
		if (p->conds[i].slot >= 0)
			m |= UINT64_C(1) << p->conds[i].slot;
	return m;
}

const char *
jn_pred_name(const struct jn_pred *p, size_t *len)
{
	size_t i;

	for (i = 0; i < p->nconds; i++)
		if (p->conds[i].op == OP_NAME) {
			*len = p->conds[i].len;
			return p->conds[i].value;
		}
	return NULL;
}

const char *
jn_pred_what(const struct jn_pred *p)
{
	return p->what;
}

static int
is_op(char c)
{
	return c != '\0' && strchr("=!~<>", c) != NULL;
}

int
jn_pred_unspaced(const char *text, char *fix, size_t size)
{
	size_t i, o = 0, n = strlen(text);
	int changed = 0;

	if (n == 0 || text[0] == '/' || size == 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = text[i];
		size_t b = strspn(text + i, " \t");

		/* blanks beside an operator character, and SQL's "==" */
		if (b > 0 && ((o > 0 && is_op(fix[o - 1])) ||
		    is_op(text[i + b]))) {
			i += b - 1;
			changed = 1;
			continue;
		}
		if (c == '=' && o > 0 && fix[o - 1] == '=') {
			changed = 1;
			continue;
		}
		if (o + 1 >= size)
			return 0;
		fix[o++] = c;
	}
	fix[o] = '\0';
	return changed && strpbrk(fix, "=!~<>") != NULL;
}

int
jn_pred_event_only(const struct jn_pred *p, int event_slot)
{
	size_t i;

	for (i = 0; i < p->nconds; i++)
		/* an absent event and an empty one must not differ */
		if (p->conds[i].slot != event_slot ||
		    p->conds[i].op == OP_NE || p->conds[i].op == OP_NRE ||
		    p->conds[i].op >= OP_GT ||
		    (p->conds[i].op == OP_EQ && p->conds[i].len == 0))
			return 0;
	return 1;
}

const char *
jn_pred_text(const struct jn_pred *p)
{
	return p->text;
}

void
jn_pred_free(struct jn_pred *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nconds; i++) {
		free(p->conds[i].value);
		pcre2_match_data_free(p->conds[i].md);
		pcre2_code_free(p->conds[i].re);
	}
	free(p->conds);
	pcre2_match_context_free(p->mctx);
	free(p->text);
	free(p->what);
	free(p);
}

void
jn_namecache_init(struct jn_namecache *c)
{
	memset(c, 0, sizeof *c);
	jn_intern_init(&c->names);
}

void
jn_namecache_release(struct jn_namecache *c)
{
	jn_intern_release(&c->names);
	free(c->bits);
	free(c->front);
	memset(c, 0, sizeof *c);
}

int
jn_namecache_get(struct jn_namecache *c, struct jn_pred *const *preds,
    int n, const struct jn_record *rec, const char *name, size_t len,
    uint64_t *out)
{
	struct jn_namecache_slot *f = NULL;
	uint32_t id;
	int k, m;

	if (len > 0 && len <= JN_NAMECACHE_KEYMAX) {
		if (c->front == NULL)
			c->front = jn_xcalloc((size_t)1 <<
			    JN_NAMECACHE_FRONT_BITS, sizeof *c->front);
		f = &c->front[jn_mix_bytes(name, len) >>
		    (64 - JN_NAMECACHE_FRONT_BITS)];
		if (f->len == len && jn_same_bytes(f->s, name, len)) {
			*out = f->bits;
			return 0;
		}
	}
	id = jn_intern_put(&c->names, name, len);

	if (id >= c->cap) {
		size_t old = c->cap;

		c->bits = jn_xgrow(c->bits, &c->cap, (size_t)id + 1,
		    sizeof *c->bits);
		memset(c->bits + old, 0, (c->cap - old) * sizeof *c->bits);
	}
	if (!(c->bits[id] & JN_NAMECACHE_DONE)) {
		uint64_t b = JN_NAMECACHE_DONE;

		for (k = 0; k < n; k++) {
			if ((m = jn_pred_match(preds[k], rec)) < 0)
				return -1;
			b |= (uint64_t)m << k;
		}
		c->bits[id] = b;
	}
	*out = c->bits[id] & ~JN_NAMECACHE_DONE;
	if (f != NULL) {
		f->bits = *out;
		f->len = (uint16_t)len;
		memcpy(f->s, name, len);
	}
	return 0;
}
