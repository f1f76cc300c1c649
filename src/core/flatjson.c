/*
 * The flat-object fast path of NDJSON reading (see journey/flatjson.h).
 * A typical event line is a dozen short strings and a few integers;
 * simdjson finds its structure in one pass and builds a tape in a second,
 * and delivering the tape's values is a third.  Here one pass does it:
 * strings are skipped 16 bytes at a time to the first byte that needs a
 * look (a quote, a backslash, a control byte or a non-ASCII byte), and
 * the few structural bytes between them are checked one by one.  Anything
 * unusual is declined rather than handled, so that what this file
 * accepts stays small enough to be obviously right.
 */
#include "journey/flatjson.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "journey/util.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Declined: not a flat object of plain values. */
#define DECLINE (-1)

struct quotes;

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && is_space(*p))
		p++;
	return p;
}

/*
 * The end of the UTF-8 sequence starting at the non-ASCII byte p, or NULL
 * when it is not a well-formed one (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), as simdjson validates it.
 */
static const char *
utf8_next(const char *p, const char *end)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		return NULL;
	}
	if ((size_t)(end - p) < n || s[1] < lo || s[1] > hi)
		return NULL;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return NULL;
	return p + n;
}

/*
 * The closing quote of the string whose contents start at p, or NULL to
 * decline: an escape, a control byte, bad UTF-8, or no closing quote
 * before end.  Reads up to 15 bytes past end.
 */
static const char *
string_end(const char *p, const char *end)
{
	for (;;) {
#ifdef __SSE2__
		const __m128i quote = _mm_set1_epi8('"');
		const __m128i backslash = _mm_set1_epi8('\\');
		const __m128i space = _mm_set1_epi8(' ');
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* signed: below ' ' are the control bytes and bytes >= 0x80 */
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, quote),
		    _mm_cmpeq_epi8(v, backslash)), _mm_cmplt_epi8(v, space)));

		if (m == 0) {
			p += 16;
			if (p >= end)
				return NULL;
			continue;
		}
		p += __builtin_ctz(m);
#else
		while (p < end && (unsigned char)*p >= 0x20 &&
		    (unsigned char)*p < 0x80 && *p != '"' && *p != '\\')
			p++;
#endif
		if (p >= end)
			return NULL;
		if (*p == '"')
			return p;
		if ((unsigned char)*p < 0x80)
			return NULL;	/* a backslash or a control byte */
		if ((p = utf8_next(p, end)) == NULL)
			return NULL;
	}
}

/*
 * The end of the number starting at p, with *shown the end of the text
 * simdjson's reader delivers for it, or NULL to decline.  Integers:
 * -?(0|[1-9][0-9]*), at most 18 digits (an int64 for sure), delivered as
 * written.  Decimals: an integer part and a fraction, no exponent, at
 * most 15 significant digits, not zero, at least 1e-6 in size.  Such a
 * decimal reads as the double whose shortest round trip is its own
 * digits (DBL_DIG is 15: two decimals of 15 digits never share a
 * double), and simdjson's reader writes that without an exponent, so
 * what it delivers is the text as written less the fraction's trailing
 * zeros, and less the point if nothing is left after it.  -0, -0.0 and
 * the rest go to simdjson.
 */
static const char *
number_end(const char *p, const char *end, const char **shown)
{
	const char *start = p, *digits, *point, *last;
	size_t intdigits, sig;

	if (*p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return NULL;
	digits = p;
	if (*p == '0') {
		p++;
	} else {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	intdigits = (size_t)(p - digits);
	if (p < end && (*p == 'e' || *p == 'E'))
		return NULL;
	if (p == end || *p != '.') {
		if (intdigits > 18 || (*digits == '0' && digits != start))
			return NULL;	/* -0: simdjson reads a double */
		*shown = p;
		return p;
	}
	point = p++;
	last = point;		/* the fraction's last non-zero digit */
	while (p < end && *p >= '0' && *p <= '9') {
		if (*p != '0')
			last = p;
		p++;
	}
	if (p == point + 1 || (p < end && (*p == 'e' || *p == 'E')))
		return NULL;	/* "1." is not JSON; exponents decline */
	if (*digits != '0') {
		sig = intdigits + (size_t)(last - point);
	} else {
		const char *first = point + 1;

		if (last == point)
			return NULL;	/* zero */
		while (*first == '0')
			first++;
		if (first - point - 1 > 5)
			return NULL;	/* below 1e-6: an exponent */
		sig = (size_t)(last - first) + 1;
	}
	if (sig > 15)
		return NULL;
	*shown = last == point ? point : last + 1;
	return p;
}

/* The end of the literal word at p, or NULL. */
static const char *
literal_end(const char *p, const char *end, const char *word, size_t n)
{
	size_t i;

	if ((size_t)(end - p) < n)
		return NULL;
	for (i = 0; i < n; i++)
		if (p[i] != word[i])
			return NULL;
	return p + n;
}

#ifdef __SSE2__
static long quote_after(const struct quotes *q, size_t off);
#endif

/*
 * The closing quote of the string whose opening quote is at open, or
 * NULL: from a plain line's marks, or string_end.
 */
static const char *
close_quote(const char *line, const char *open, const char *end,
    const struct quotes *q)
{
#ifdef __SSE2__
	if (q != NULL) {
		long at = quote_after(q, (size_t)(open + 1 - line));

		return at < 0 ? NULL : line + at;
	}
#endif
	return string_end(open + 1, end);
}

/* ---- the scanner's state ---- */

/*
 * Segments: what lies between one value and the next key's value (or
 * before the first key's), such as `,"session_id":`.  Lines of one kind
 * of event repeat theirs, so a line whose next bytes are a segment seen
 * at that position before, compared 32 bytes at once, skips parsing the
 * key; the segment's slot lets the caller remember what it made of the
 * key.  A segment is only ever taken from a line whose bytes were all
 * checked, so the bytes it matches are valid JSON structure.
 */
#define SEG_POS 32		/* positions with segments */
#define SEG_WAYS 4		/* segments remembered per position */
#define SEG_MAX 32		/* bytes a segment may have */

struct segments {
	unsigned char len[SEG_WAYS];	/* 0: empty */
	unsigned char keyoff[SEG_WAYS], keylen[SEG_WAYS];
	unsigned char next;		/* the way to replace next */
	char text[SEG_WAYS][SEG_MAX];
};

struct jn_flat {
	struct segments seg[SEG_POS];
	int note[SEG_POS * SEG_WAYS];	/* the caller's, per slot */
	struct jn_flat_field *f;
	size_t cap;
};

struct jn_flat *
jn_flat_new(void)
{
	struct jn_flat *s = jn_xcalloc(1, sizeof *s);
	size_t i;

	for (i = 0; i < SEG_POS * SEG_WAYS; i++)
		s->note[i] = JN_FLAT_NO_NOTE;
	return s;
}

void
jn_flat_free(struct jn_flat *s)
{
	if (s == NULL)
		return;
	free(s->f);
	free(s);
}

const struct jn_flat_field *
jn_flat_fields(const struct jn_flat *s)
{
	return s->f;
}

int *
jn_flat_note(struct jn_flat *s, int slot)
{
	return &s->note[slot];
}

/* Room for field n. */
static struct jn_flat_field *
field(struct jn_flat *s, long n)
{
	assert(s != NULL);
	s->f = jn_xgrow(s->f, &s->cap, (size_t)n + 1, sizeof *s->f);
	return &s->f[n];
}

/*
 * The value at p (p < end) into fld, and where it ends; NULL to decline.
 * A string's closing quote is at close when the caller knows it (a plain
 * line's marks), else found by string_end.
 */
static const char *
value(const char *line, const char *p, const char *end,
    const struct quotes *q, struct jn_flat_field *fld)
{
	const char *c, *shown = NULL;

	switch (*p) {
	case '"':
		if ((c = close_quote(line, p, end, q)) == NULL)
			return NULL;
		fld->kind = JN_FLAT_STRING;
		fld->val = (uint32_t)(p + 1 - line);
		fld->vallen = (uint32_t)(c - p - 1);
		return c + 1;
	case 't':
		c = literal_end(p, end, "true", 4);
		fld->kind = JN_FLAT_TRUE;
		break;
	case 'f':
		c = literal_end(p, end, "false", 5);
		fld->kind = JN_FLAT_FALSE;
		break;
	case 'n':
		c = literal_end(p, end, "null", 4);
		fld->kind = JN_FLAT_NULL;
		break;
	default:
		c = number_end(p, end, &shown);
		fld->kind = JN_FLAT_NUMBER;
		break;
	}
	if (c == NULL)
		return NULL;
	fld->val = (uint32_t)(p - line);
	fld->vallen = (uint32_t)((fld->kind == JN_FLAT_NUMBER ? shown : c) -
	    p);
	return c;
}

/*
 * The segment of field n starting at p, parsed: on success, *key and
 * *keyend hold the key's bytes and the value starts at the return; NULL
 * to decline.  *empty is set for the object {}.
 */
static const char *
segment(const char *line, const char *p, const char *end, long n,
    const struct quotes *q, const char **key, const char **keyend,
    int *empty)
{
	const char *c;

	*empty = 0;
	p = skip_space(p, end);
	if (p == end || *p != (n == 0 ? '{' : ','))
		return NULL;
	p = skip_space(p + 1, end);
	if (n == 0 && p < end && *p == '}') {
		*empty = 1;
		return skip_space(p + 1, end) == end ? p : NULL;
	}
	if (p == end || *p != '"' || (c = close_quote(line, p, end, q)) ==
	    NULL)
		return NULL;
	*key = p + 1;
	*keyend = c;
	p = skip_space(c + 1, end);
	if (p == end || *p != ':')
		return NULL;
	return skip_space(p + 1, end);
}

/*
 * After field n's value, at p: the end of the object (returns 1), or 0
 * when another field follows (or what follows is wrong: the next
 * segment declines it).
 */
static int
object_ends(const char *p, const char *end)
{
	p = skip_space(p, end);
	return p < end && *p == '}' && skip_space(p + 1, end) == end;
}

/*
 * Lines that are not plain: the grammar walk, string by string, keys
 * parsed each time (slot -1).
 */
static long
walk(struct jn_flat *s, const char *line, size_t len)
{
	const char *p = line, *end = line + len, *key, *keyend;
	long n = 0;
	int empty;

	for (;;) {
		struct jn_flat_field *fld;

		if ((p = segment(line, p, end, n, NULL, &key, &keyend,
		    &empty)) == NULL)
			return DECLINE;
		if (empty)
			return 0;
		fld = field(s, n++);
		fld->key = (uint32_t)(key - line);
		fld->keylen = (uint32_t)(keyend - key);
		fld->slot = -1;
		if (p == end || (p = value(line, p, end, NULL, fld)) == NULL)
			return DECLINE;
		if (object_ends(p, end))
			return n;
	}
}

#ifdef __SSE2__
/*
 * Plain lines (no backslash, no control byte, no byte >= 0x80, at most
 * PLAIN_BYTES long) skip string_end and mostly skip their keys.  One pass
 * marks every quote of the line, 16 bytes at a time with no byte waiting
 * on another; between quotes a plain line holds only valid string bytes,
 * so a string ends at the first quote after it starts.  Then each
 * segment is compared whole with those remembered at its position, and
 * only a new one is parsed.  string_end's loads and compares wait on
 * each other, string after string; this does not.
 */
#define PLAIN_BYTES 1024

struct quotes {
	uint16_t mask[PLAIN_BYTES / 16];	/* quote bits, 16 bytes each */
	size_t n;				/* chunks */
};

/* The offset of the first quote at or after off, or -1. */
static long
quote_after(const struct quotes *q, size_t off)
{
	size_t k = off / 16;
	unsigned m;

	if (k >= q->n)
		return -1;
	m = q->mask[k] & (0xffffu << (off % 16));
	while (m == 0) {
		if (++k >= q->n)
			return -1;
		m = q->mask[k];
	}
	return (long)(k * 16) + __builtin_ctz(m);
}

/* Mark the quotes of line[0..len) (1 <= len <= PLAIN_BYTES); 1 if plain. */
static int
mark_quotes(const char *line, size_t len, struct quotes *q)
{
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i backslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(' ');
	__m128i v = _mm_setzero_si128(), bad = _mm_setzero_si128();
	unsigned tail = len % 16 == 0 ? 0xffffu : (1u << len % 16) - 1, last, m;
	size_t k;

	assert(len >= 1 && len <= PLAIN_BYTES);
	q->n = (len + 15) / 16;
	for (k = 0; k < q->n; k++) {
		v = _mm_loadu_si128((const __m128i *)(const void *)
		    (line + 16 * k));
		m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote));
		/* as in string_end: signed, so bytes >= 0x80 are below ' ' */
		if (k + 1 < q->n)
			bad = _mm_or_si128(bad, _mm_or_si128(_mm_cmpeq_epi8(v,
			    backslash), _mm_cmplt_epi8(v, space)));
		else
			m &= tail;	/* the last chunk ends in the padding */
		q->mask[k] = (uint16_t)m;
	}
	last = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v,
	    backslash), _mm_cmplt_epi8(v, space))) & tail;
	return (_mm_movemask_epi8(bad) | (int)last) == 0;
}

/* p[0..len) equals text[0..len) (len <= SEG_MAX; p has 32 readable). */
static int
same_segment(const char *p, const char *text, size_t len)
{
	const __m128i *a = (const __m128i *)(const void *)p;
	const __m128i *b = (const __m128i *)(const void *)text;
	unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
	    _mm_loadu_si128(a), _mm_loadu_si128(b))) |
	    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(a + 1),
	    _mm_loadu_si128(b + 1))) << 16;
	unsigned want = len == 32 ? 0xffffffffu : (1u << len) - 1;

	return (eq & want) == want;
}

/* The way at position n whose segment p starts with, or -1. */
static int
known_segment(const struct segments *sg, const char *p, const char *end)
{
	int w;

	for (w = 0; w < SEG_WAYS; w++)
		if (sg->len[w] != 0 && (size_t)(end - p) >= sg->len[w] &&
		    same_segment(p, sg->text[w], sg->len[w]))
			return w;
	return -1;
}

/* Remember the segment p[0..len) with its key; its way, or -1. */
static int
remember_segment(struct segments *sg, const char *p, size_t len,
    const char *key, size_t keylen)
{
	int w = sg->next;

	if (len > SEG_MAX)
		return -1;
	sg->next = (unsigned char)((w + 1) % SEG_WAYS);
	memset(sg->text[w], 0, SEG_MAX);
	memcpy(sg->text[w], p, len);
	sg->len[w] = (unsigned char)len;
	sg->keyoff[w] = (unsigned char)(key - p);
	sg->keylen[w] = (unsigned char)keylen;
	return w;
}

static long
walk_plain(struct jn_flat *s, const char *line, size_t len,
    const struct quotes *q)
{
	const char *p = line, *end = line + len, *key, *keyend;
	long n = 0;
	int empty, w;

	for (;;) {
		struct segments *sg = n < SEG_POS ? &s->seg[n] : NULL;
		struct jn_flat_field *fld;
		const char *seg = p;

		if (sg != NULL && (w = known_segment(sg, p, end)) >= 0) {
			key = p + sg->keyoff[w];
			keyend = key + sg->keylen[w];
			p += sg->len[w];
		} else {
			if ((p = segment(line, p, end, n, q, &key, &keyend,
			    &empty)) == NULL)
				return DECLINE;
			if (empty)
				return 0;
			w = sg != NULL ? remember_segment(sg, seg,
			    (size_t)(p - seg), key, (size_t)(keyend - key)) :
			    -1;
			if (w >= 0)
				s->note[n * SEG_WAYS + w] = JN_FLAT_NO_NOTE;
		}
		/*
		 * Filled in place: a local copy, stored a member at a time
		 * and loaded whole, would stall on every field.
		 */
		fld = field(s, n);
		fld->key = (uint32_t)(key - line);
		fld->keylen = (uint32_t)(keyend - key);
		fld->slot = w < 0 ? -1 : (int)n * SEG_WAYS + w;
		n++;
		if (p == end || (p = value(line, p, end, q, fld)) == NULL)
			return DECLINE;
		if (object_ends(p, end))
			return n;
	}
}
#endif

long
jn_flat_scan(struct jn_flat *s, const char *line, size_t len)
{
#ifdef __SSE2__
	struct quotes q;

	if (len >= 1 && len <= PLAIN_BYTES && mark_quotes(line, len, &q))
		return walk_plain(s, line, len, &q);
#endif
	return walk(s, line, len);
}

_Static_assert(SEG_POS * SEG_WAYS == JN_FLAT_SLOTS, "slots as promised");
