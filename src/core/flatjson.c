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

#include "journey/ndjson.h"
#include "journey/util.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__SSE2__) && defined(__x86_64__) && defined(__GNUC__) && \
    !defined(JN_FLAT_NO_AVX2)
#include <immintrin.h>
/* built, and used where the processor has it; -DJN_FLAT_NO_AVX2: not */
#define HAVE_AVX2 1
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

/* A remembered segment. */
struct way {
	char text[SEG_MAX];	/* its bytes, then zeros */
	uint32_t want;		/* a bit per byte of it */
	unsigned char len;	/* 0: empty */
	unsigned char keyoff, keylen;
	unsigned char succ;	/* the way that matched after it last */
	char pad[24];		/* 64 bytes a way: a shift to index */
};

struct segments {
	struct way way[SEG_WAYS];
	unsigned char next;		/* the way to replace next */
};

struct jn_flat {
	/* first, for jn_flat_note (journey/flatjson.h) */
	int note[JN_FLAT_SLOTS];	/* the caller's, per slot */
	struct segments seg[SEG_POS];
	struct jn_flat_field *f;
	size_t cap;
	unsigned char first;	/* the way expected at position 0 */
	int avx2;		/* mark quotes with AVX2 */
};

struct jn_flat *
jn_flat_new(void)
{
	struct jn_flat *s = jn_xcalloc(1, sizeof *s);
	size_t i;

	for (i = 0; i < SEG_POS * SEG_WAYS; i++)
		s->note[i] = JN_FLAT_NO_NOTE;
#ifdef HAVE_AVX2
	s->avx2 = __builtin_cpu_supports("avx2") != 0;
#endif
	return s;
}

void
jn_flat_no_avx2(struct jn_flat *s)
{
	s->avx2 = 0;
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
 * marks every quote of the line in a bitmap, 64 bytes a word with no byte
 * waiting on another; between quotes a plain line holds only valid string
 * bytes, so a string ends at the first quote after it starts, a shift and
 * a count of zeros away.  Then each segment is compared whole with those
 * remembered at its position, and only a new one is parsed.
 * string_end's loads and compares wait on each other, string after
 * string; this does not.
 */
#define PLAIN_BYTES 1024
#define PLAIN_WORDS (PLAIN_BYTES / 64)

struct quotes {
	/* quote bits, 64 bytes a word, then two zero words */
	uint64_t mask[PLAIN_WORDS + 2];
	size_t n;				/* words with bits */
};

/*
 * The offset of the first quote at or after off (off <= the line's
 * length), or -1.
 */
static inline long
quote_after(const struct quotes *q, size_t off)
{
	size_t k = off / 64, sh = off % 64;
	/*
	 * The 64 bytes from off: the rest of word k and the start of the
	 * next (shifted in two steps: sh may be 0).
	 */
	uint64_t m = q->mask[k] >> sh | (q->mask[k + 1] << 1) << (63 - sh);

	if (m != 0)
		return (long)off + __builtin_ctzll(m);
	/* then the rest of the next word, and the words after */
	m = q->mask[++k] >> sh << sh;
	while (m == 0) {
		if (++k >= q->n)
			return -1;
		m = q->mask[k];
	}
	return (long)(k * 64) + __builtin_ctzll(m);
}

/*
 * The offset of the first quote in the 57 bytes or more from off (off <=
 * the line's length), or -1 when there is none there (quote_after looks
 * further): one load of the bitmap's bytes from off / 8 on, which on
 * x86, little-endian, hold its bits in order.
 */
static inline long
quote_soon(const struct quotes *q, size_t off)
{
	uint64_t m;

	memcpy(&m, (const unsigned char *)q->mask + off / 8, sizeof m);
	m >>= off % 8;
	return m != 0 ? (long)off + __builtin_ctzll(m) : -1;
}

/* The 16 bytes at p: their quote bits; *bad their bad bytes. */
static inline unsigned
mark16(const char *p, __m128i *bad)
{
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i backslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(' ');
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);

	/* as in string_end: signed, so bytes >= 0x80 are below ' ' */
	*bad = _mm_or_si128(_mm_cmpeq_epi8(v, backslash),
	    _mm_cmplt_epi8(v, space));
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote));
}

/* The 64 bytes at p: their quote bits; bad[0..4) their bad bytes. */
static inline uint64_t
mark64(const char *p, __m128i bad[4])
{
	uint64_t m0 = mark16(p, &bad[0]), m1 = mark16(p + 16, &bad[1]);
	uint64_t m2 = mark16(p + 32, &bad[2]), m3 = mark16(p + 48, &bad[3]);

	return m0 | m1 << 16 | m2 << 32 | m3 << 48;
}

/* The bits of the line's bytes in its last word. */
static uint64_t
tail_bits(size_t len)
{
	return len % 64 == 0 ? ~(uint64_t)0 : ((uint64_t)1 << len % 64) - 1;
}

/*
 * Mark the quotes of line[0..len); 1 if it is plain (and 1 <= len <=
 * PLAIN_BYTES).  Reads up to 63 bytes past the line: the padding.
 */
static int
mark_quotes(const char *line, size_t len, struct quotes *q)
{
	__m128i acc = _mm_setzero_si128(), bad[4];
	size_t k, n = (len + 63) / 64;
	uint64_t last;

	if (len == 0 || len > PLAIN_BYTES)
		return 0;
	for (k = 0; k + 1 < n; k++) {
		q->mask[k] = mark64(line + 64 * k, bad);
		acc = _mm_or_si128(acc, _mm_or_si128(_mm_or_si128(bad[0],
		    bad[1]), _mm_or_si128(bad[2], bad[3])));
	}
	/* the last word ends in the padding */
	q->mask[k] = mark64(line + 64 * k, bad) & tail_bits(len);
	last = (uint64_t)(unsigned)_mm_movemask_epi8(bad[0]) |
	    (uint64_t)(unsigned)_mm_movemask_epi8(bad[1]) << 16 |
	    (uint64_t)(unsigned)_mm_movemask_epi8(bad[2]) << 32 |
	    (uint64_t)(unsigned)_mm_movemask_epi8(bad[3]) << 48;
	q->mask[n] = q->mask[n + 1] = 0;
	q->n = n;
	return _mm_movemask_epi8(acc) == 0 && (last & tail_bits(len)) == 0;
}

#ifdef HAVE_AVX2
/*
 * mark_quotes with AVX2, 32 bytes a compare, where the processor has it
 * (__builtin_cpu_supports): the same bits, the same answer.
 */
__attribute__((target("avx2"))) static uint64_t
mark64_avx2(const char *p, __m256i *bad)
{
	const __m256i quote = _mm256_set1_epi8('"');
	const __m256i backslash = _mm256_set1_epi8('\\');
	const __m256i space = _mm256_set1_epi8(' ');
	__m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)
	    (p + 32));
	uint64_t m0 = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0,
	    quote));
	uint64_t m1 = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1,
	    quote));

	/* signed, as in string_end: bytes >= 0x80 are below ' ' */
	bad[0] = _mm256_or_si256(_mm256_cmpeq_epi8(v0, backslash),
	    _mm256_cmpgt_epi8(space, v0));
	bad[1] = _mm256_or_si256(_mm256_cmpeq_epi8(v1, backslash),
	    _mm256_cmpgt_epi8(space, v1));
	return m0 | m1 << 32;
}

__attribute__((target("avx2"))) static int
mark_quotes_avx2(const char *line, size_t len, struct quotes *q)
{
	__m256i acc = _mm256_setzero_si256(), bad[2];
	size_t k, n = (len + 63) / 64;
	uint64_t last;

	if (len == 0 || len > PLAIN_BYTES)
		return 0;
	for (k = 0; k + 1 < n; k++) {
		q->mask[k] = mark64_avx2(line + 64 * k, bad);
		acc = _mm256_or_si256(acc, _mm256_or_si256(bad[0], bad[1]));
	}
	q->mask[k] = mark64_avx2(line + 64 * k, bad) & tail_bits(len);
	last = (uint64_t)(uint32_t)_mm256_movemask_epi8(bad[0]) |
	    (uint64_t)(uint32_t)_mm256_movemask_epi8(bad[1]) << 32;
	q->mask[n] = q->mask[n + 1] = 0;
	q->n = n;
	return _mm256_testz_si256(acc, acc) && (last & tail_bits(len)) == 0;
}
#endif

/*
 * The way's segment is at p, within the line that ends at end (p has 32
 * readable bytes).
 */
static inline int
segment_at(const struct way *wy, const char *p, const char *end)
{
	const __m128i *a = (const __m128i *)(const void *)p;
	const __m128i *b = (const __m128i *)(const void *)wy->text;
	uint32_t eq = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
	    _mm_loadu_si128(a), _mm_loadu_si128(b))) |
	    (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(a + 1),
	    _mm_loadu_si128(b + 1))) << 16;

	/* an empty way (len 0) wraps round and fails the first test */
	return (size_t)wy->len - 1 < (size_t)(end - p) &&
	    (eq & wy->want) == wy->want;
}

/* The way at position n whose segment p starts with, or -1. */
static int
known_segment(const struct segments *sg, const char *p, const char *end)
{
	int i;

	for (i = 0; i < SEG_WAYS; i++)
		if (segment_at(&sg->way[i], p, end))
			return i;
	return -1;
}

/* Remember the segment p[0..len) with its key; its way, or -1. */
static int
remember_segment(struct segments *sg, const char *p, size_t len,
    const char *key, size_t keylen)
{
	int w = sg->next;
	struct way *wy = &sg->way[w];

	if (len > SEG_MAX)
		return -1;
	sg->next = (unsigned char)((w + 1) % SEG_WAYS);
	memset(wy->text, 0, SEG_MAX);
	memcpy(wy->text, p, len);
	wy->want = len == 32 ? 0xffffffffu : (UINT32_C(1) << len) - 1;
	wy->len = (unsigned char)len;
	wy->keyoff = (unsigned char)(key - p);
	wy->keylen = (unsigned char)keylen;
	return w;
}

/*
 * A segment not remembered at position n, at p: parsed into fld (key,
 * keylen, slot) and remembered, with *prev the way it takes; returns
 * where the value starts, or NULL to decline (*empty set for {}).
 */
static const char *
new_segment(struct jn_flat *s, const char *line, const char *p,
    const char *end, long n, const struct quotes *q,
    struct jn_flat_field *fld, unsigned char **prev, int *empty)
{
	struct segments *sg = n < SEG_POS ? &s->seg[n] : NULL;
	const char *seg = p, *key, *keyend;
	int w;

	if ((p = segment(line, p, end, n, q, &key, &keyend, empty)) ==
	    NULL || *empty)
		return p;
	w = sg != NULL ? remember_segment(sg, seg, (size_t)(p - seg), key,
	    (size_t)(keyend - key)) : -1;
	fld->key = (uint32_t)(key - line);
	fld->keylen = (uint32_t)(keyend - key);
	fld->slot = -1;
	if (w >= 0) {
		fld->slot = (int)n * SEG_WAYS + w;
		s->note[fld->slot] = JN_FLAT_NO_NOTE;
		**prev = (unsigned char)w;
		*prev = &sg->way[w].succ;
	}
	return p;
}

static long
walk_plain(struct jn_flat *s, const char *line, size_t len,
    const struct quotes *q)
{
	const char *p = line, *end = line + len;
	struct jn_flat_field *f;
	long n = 0;
	/*
	 * The way expected at each position: the one that followed the
	 * previous position's way last time, so that lines of a few kinds,
	 * mixed, find theirs at the first try but where the kinds part.
	 */
	unsigned char *prev = &s->first;

	/*
	 * Room for every field there can be: field n is only filled once
	 * its segment, 4 bytes or more, follows n values of a byte or more.
	 */
	s->f = jn_xgrow(s->f, &s->cap, len / 5 + 1, sizeof *s->f);
	f = s->f;
	for (;;) {
		struct jn_flat_field *fld = &f[n];
		int w = *prev;

		/* filled in place: a local copy would stall on every field */
		if (n < SEG_POS && (segment_at(&s->seg[n].way[w], p, end) ||
		    (w = known_segment(&s->seg[n], p, end)) >= 0)) {
			const struct way *wy = &s->seg[n].way[w];

			*prev = (unsigned char)w;
			prev = &s->seg[n].way[w].succ;
			fld->key = (uint32_t)(p - line) + wy->keyoff;
			fld->keylen = wy->keylen;
			fld->slot = (int)n * SEG_WAYS + w;
			p += wy->len;
		} else {
			int empty;

			if ((p = new_segment(s, line, p, end, n, q, fld, &prev,
			    &empty)) == NULL)
				return DECLINE;
			if (empty)
				return 0;
		}
		n++;
		if (p == end)
			return DECLINE;
		if (*p == '"') {
			/* a string, the most common value: its closing quote */
			size_t open = (size_t)(p + 1 - line);
			long at = quote_soon(q, open);

			if (at < 0 && (at = quote_after(q, open)) < 0)
				return DECLINE;
			fld->kind = JN_FLAT_STRING;
			fld->val = (uint32_t)open;
			fld->vallen = (uint32_t)((size_t)at - open);
			p = line + at + 1;
		} else if (*p >= '1' && *p <= '9') {
			/* an integer, as number_end reads it, or value's */
			const char *d = p + 1;

			while (d < end && *d >= '0' && *d <= '9')
				d++;
			if (d - p > 18 || (d < end && (*d == '.' ||
			    *d == 'e' || *d == 'E'))) {
				if ((p = value(line, p, end, q, fld)) == NULL)
					return DECLINE;
			} else {
				fld->kind = JN_FLAT_NUMBER;
				fld->val = (uint32_t)(p - line);
				fld->vallen = (uint32_t)(d - p);
				p = d;
			}
		} else if ((p = value(line, p, end, q, fld)) == NULL) {
			return DECLINE;
		}
		/* a comma: the next segment checks it */
		if (p < end && *p == ',')
			continue;
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
	int plain = 0;

#ifdef HAVE_AVX2
	if (s->avx2)
		plain = mark_quotes_avx2(line, len, &q);
	else
#endif
		plain = mark_quotes(line, len, &q);
	if (plain)
		return walk_plain(s, line, len, &q);
#endif
	return walk(s, line, len);
}

_Static_assert(SEG_POS * SEG_WAYS == JN_FLAT_SLOTS, "slots as promised");
_Static_assert(offsetof(struct jn_flat, note) == 0, "notes first");
_Static_assert(JN_NDJSON_PADDING >= 64, "a 64-byte word may end in it");
