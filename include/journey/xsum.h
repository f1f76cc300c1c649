/*
 * Exact sums of doubles.  A sum of values added in any order, or of
 * partial sums merged in any order, is the same number, so that a tool
 * gives byte-identical output whatever the number of threads or shards
 * that added them.  The accumulator holds the exact sum as a fixed-point
 * number spanning the whole double range in signed 32-bit digits (the
 * "superaccumulator" idea of Kulisch, and of Neal's xsum), rounded only
 * once, when read.
 */
#ifndef JOURNEY_XSUM_H
#define JOURNEY_XSUM_H

#include <stdint.h>

/*
 * Digit i weighs 2^(32i - 1074): 67 digits hold every finite double's
 * bits, three more the carries of up to 2^64 maximal values.
 */
#define JN_XSUM_DIGITS 70

struct jn_xsum {
	int64_t d[JN_XSUM_DIGITS];
	uint32_t pending;	/* additions since the last carry pass */
};

/* An empty sum (0).  Cannot fail; a zeroed struct is empty too. */
void jn_xsum_init(struct jn_xsum *s);
/* Add a finite x exactly (a non-finite x is ignored). */
void jn_xsum_add(struct jn_xsum *s, double x);
/*
 * Bring s to its canonical digits: every digit but the last in [0, 2^32),
 * the last signed.  The same exact sum always has the same digits, so
 * they can be written out and merged back exactly.  Cannot fail.
 */
void jn_xsum_normalize(struct jn_xsum *s);
/* Add the sum in from into to exactly. */
void jn_xsum_merge(struct jn_xsum *to, const struct jn_xsum *from);
/*
 * The sum as a double: a function of the exact sum alone, within a few
 * units in the last place of it; +-HUGE_VAL when out of range.
 */
double jn_xsum_value(const struct jn_xsum *s);

#endif
