/*
 * Exact summation of doubles in a fixed-point accumulator of 32-bit
 * digits kept in 64-bit words: each addition adds three pieces below
 * 2^32 to three digits without carrying, and a carry pass every 2^29
 * additions keeps every word far from overflow.  Reading the sum first
 * brings the digits to their one canonical form, so the result depends
 * only on the exact sum, never on how it was reached.
 */
#include "journey/xsum.h"

#include <math.h>
#include <string.h>

#define DIGIT_BITS 32
#define DIGIT_MASK ((int64_t)0xffffffff)
/* Carry before any word could leave +-2^62. */
#define CARRY_EVERY (UINT32_C(1) << 29)

void
jn_xsum_init(struct jn_xsum *s)
{
	memset(s, 0, sizeof *s);
}

/* Bring every digit but the top one into [0, 2^32).  Exact. */
static void
carry(struct jn_xsum *s)
{
	int i;

	for (i = 0; i < JN_XSUM_DIGITS - 1; i++) {
		/* floor division by 2^32, also for negative digits */
		int64_t c = (s->d[i] - (s->d[i] & DIGIT_MASK)) / (DIGIT_MASK + 1);

		s->d[i] &= DIGIT_MASK;
		s->d[i + 1] += c;
	}
	s->pending = 0;
}

void
jn_xsum_normalize(struct jn_xsum *s)
{
	carry(s);
}

void
jn_xsum_add(struct jn_xsum *s, double x)
{
	uint64_t bits, m, lo, hi;
	int exp, pos, i, shift;
	int64_t sign;

	if (!isfinite(x) || x == 0)
		return;
	memcpy(&bits, &x, sizeof bits);
	sign = bits >> 63 ? -1 : 1;
	exp = (int)(bits >> 52 & 0x7ff);
	m = bits & ((UINT64_C(1) << 52) - 1);
	if (exp == 0)
		pos = 0;		/* subnormal: m * 2^-1074 */
	else {
		m |= UINT64_C(1) << 52;
		pos = exp - 1;		/* m * 2^(exp - 1075) */
	}
	i = pos / DIGIT_BITS;
	shift = pos % DIGIT_BITS;
	/* m < 2^53 in two halves, each shifted into at most two digits */
	lo = (m & 0xffffffff) << shift;
	hi = (m >> 32) << shift;
	s->d[i] += sign * (int64_t)(lo & 0xffffffff);
	s->d[i + 1] += sign * (int64_t)((lo >> 32) + (hi & 0xffffffff));
	s->d[i + 2] += sign * (int64_t)(hi >> 32);
	if (++s->pending >= CARRY_EVERY)
		carry(s);
}

void
jn_xsum_merge(struct jn_xsum *to, const struct jn_xsum *from)
{
	struct jn_xsum f = *from;
	int i;

	carry(to);
	carry(&f);
	for (i = 0; i < JN_XSUM_DIGITS; i++)
		to->d[i] += f.d[i];
	carry(to);
}

double
jn_xsum_value(const struct jn_xsum *s)
{
	struct jn_xsum c = *s;
	double r = 0, sign = 1;
	int i;

	carry(&c);
	/*
	 * Canonical digits of a negative sum are 2^32 - 1 up to a top digit
	 * of -1: read its magnitude instead.
	 */
	if (c.d[JN_XSUM_DIGITS - 1] < 0) {
		for (i = 0; i < JN_XSUM_DIGITS; i++)
			c.d[i] = -c.d[i];
		carry(&c);
		sign = -1;
	}
	/* every term is exact; the small ones first */
	for (i = 0; i < JN_XSUM_DIGITS; i++)
		if (c.d[i] != 0)
			r += ldexp((double)c.d[i], DIGIT_BITS * i - 1074);
	return sign * r;
}
