/*
 * Tests of the exact Markov solver: Gaussian elimination that needs its
 * pivots; the two published examples of Markov attribution worked by
 * hand (Serhii Puzyrov's four paths, Sergey Bryl's three at
 * analyzecore.com); a chain with a cycle in closed form; removals of sets
 * of states against a fresh solve of the chain with those states cut;
 * and the direct solve against a brute-force simulation of the chain
 * (200,000 walks each, within 4 standard errors).  And the
 * largest-remainder rounding of credits, and Newcombe's interval for a
 * difference of proportions against his published examples.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/markov.h"

static void
test_gauss_pivot(void **state)
{
	/* a zero first pivot: needs a row swap */
	double a[9] = { 0, 2, 1, 1, 1, 1, 2, 1, 3 };
	double b[3] = { 7, 6, 13 };	/* x = (1, 2, 3) */
	double s[4] = { 1, 1, 1, 1 }, z[2] = { 1, 2 };

	(void)state;
	assert_int_equal(jn_markov_gauss(3, a, b), 0);
	assert_true(fabs(b[0] - 1) < 1e-12);
	assert_true(fabs(b[1] - 2) < 1e-12);
	assert_true(fabs(b[2] - 3) < 1e-12);
	assert_int_equal(jn_markov_gauss(2, s, z), -1);	/* singular */
}

/*
 * Puzyrov, "Markov Chain Attribution - Simple Explanation Of Removal
 * Effect" (serhiipuzyrov.com, 2019): google ads twice alone to
 * conversion, mailing once, google ads > mailing once, google ads once
 * to null.  start > g 4/5, start > m 1/5, g > conv 1/2, g > m 1/4,
 * g > null 1/4, m > conv 1.  P(conv) = 0.8 (0.5 + 0.25) + 0.2 = 0.8;
 * without google ads 0.2 (effect 0.75), without mailing 0.4 (0.5):
 * credit 0.6 and 0.4 of the 4 conversions, 2.4 and 1.6.
 */
static void
test_puzyrov(void **state)
{
	struct jn_markov m;
	size_t off[3] = { 0, 1, 2 };
	uint32_t st[2] = { 1, 2 };
	double out[2], base;

	(void)state;
	jn_markov_init(&m, 3);	/* start, google ads, mailing */
	m.w[0 * 3 + 1] = 4;
	m.w[0 * 3 + 2] = 1;
	m.conv[1] = 2;
	m.w[1 * 3 + 2] = 1;
	m.drop[1] = 1;
	m.conv[2] = 2;
	assert_int_equal(jn_markov_removal(&m, 2, off, st, out, &base), 0);
	assert_true(fabs(base - 0.8) < 1e-15);
	assert_true(fabs(out[0] - 0.2) < 1e-15);
	assert_true(fabs(out[1] - 0.4) < 1e-15);
	jn_markov_release(&m);
}

/*
 * Bryl, "Marketing Multi-Channel Attribution model with R (part 1:
 * Markov chains concept)" (analyzecore.com, 2016): C1 > C2 > C3 to
 * conversion, C1 to null, C2 > C3 to null.  P(conv) = 2/3 1/2 1 1/2 +
 * 1/3 1 1/2 = 1/3; without C1 1/6 (effect 1/2), without C2 or C3 0
 * (effect 1): credits 0.2, 0.4, 0.4 of the one conversion.
 */
static void
test_bryl(void **state)
{
	struct jn_markov m;
	size_t off[4] = { 0, 1, 2, 3 };
	uint32_t st[3] = { 1, 2, 3 };
	double out[3], base;

	(void)state;
	jn_markov_init(&m, 4);	/* start, C1, C2, C3 */
	m.w[0 * 4 + 1] = 2;
	m.w[0 * 4 + 2] = 1;
	m.w[1 * 4 + 2] = 1;
	m.drop[1] = 1;
	m.w[2 * 4 + 3] = 2;
	m.conv[3] = 1;
	m.drop[3] = 1;
	assert_int_equal(jn_markov_removal(&m, 3, off, st, out, &base), 0);
	assert_true(fabs(base - 1.0 / 3) < 1e-15);
	assert_true(fabs(out[0] - 1.0 / 6) < 1e-15);
	assert_true(fabs(out[1]) < 1e-15);
	assert_true(fabs(out[2]) < 1e-15);
	jn_markov_release(&m);
}

/*
 * A cycle: start > A; A > B 1/4, A > conv 1/4, A > null 1/2; B > A 1/2,
 * B > conv 1/2.  x_A = x_B / 4 + 1/4, x_B = x_A / 2 + 1/2: x_A = 3/7,
 * x_B = 5/7.  Without B, 1/4; without A, 0; a self-loop on A (any
 * weight) changes nothing.
 */
static void
test_cycle(void **state)
{
	struct jn_markov m;
	size_t off[3] = { 0, 1, 2 };
	uint32_t st[2] = { 1, 2 };
	double out[2], base, x[3];
	int loop;

	(void)state;
	for (loop = 0; loop < 2; loop++) {
		jn_markov_init(&m, 3);
		m.w[0 * 3 + 1] = 3;
		m.w[1 * 3 + 2] = 1;
		m.conv[1] = 1;
		m.drop[1] = 2;
		m.w[1 * 3 + 1] = loop ? 5 : 0;
		m.w[2 * 3 + 1] = 2;
		m.conv[2] = 2;
		assert_int_equal(jn_markov_absorb(&m, x), 0);
		assert_true(fabs(x[1] - 3.0 / 7) < 1e-14);
		assert_true(fabs(x[2] - 5.0 / 7) < 1e-14);
		assert_int_equal(jn_markov_removal(&m, 2, off, st, out,
		    &base), 0);
		assert_true(fabs(base - 3.0 / 7) < 1e-14);
		assert_true(fabs(out[0]) < 1e-15);
		assert_true(fabs(out[1] - 0.25) < 1e-14);
		jn_markov_release(&m);
	}
}

/* a small generator of our own: the same walks on every platform */
static uint64_t rng = 88172645463325252u;

static double
uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* A random chain of n states, each with a few outgoing counts. */
static void
random_chain(struct jn_markov *m, size_t n)
{
	size_t i, j;

	jn_markov_init(m, n);
	for (i = 0; i < n; i++) {
		for (j = 1; j < n; j++)
			if (uniform() < 0.4)
				m->w[i * n + j] = 1 + floor(uniform() * 9);
		m->conv[i] = floor(uniform() * 4);
		m->drop[i] = 1 + floor(uniform() * 4);
	}
}

/* m with the states in s[0..ns) leading to null: a new chain. */
static void
cut(const struct jn_markov *m, const uint32_t *s, size_t ns,
    struct jn_markov *c)
{
	size_t n = m->n, i, k;

	jn_markov_init(c, n);
	memcpy(c->w, m->w, n * n * sizeof *c->w);
	memcpy(c->conv, m->conv, n * sizeof *c->conv);
	memcpy(c->drop, m->drop, n * sizeof *c->drop);
	for (k = 0; k < ns; k++) {
		for (i = 0; i < n; i++)
			c->w[s[k] * n + i] = 0;
		c->conv[s[k]] = 0;
		c->drop[s[k]] = 1;
	}
}

/* Removal of sets of one to three states against a fresh solve. */
static void
test_removal_vs_fresh(void **state)
{
	enum { N = 12, SETS = 6 };
	struct jn_markov m, c;
	size_t off[SETS + 1], k;
	uint32_t st[3 * SETS];
	double out[SETS], base, x[N];
	int round;

	(void)state;
	for (round = 0; round < 20; round++) {
		random_chain(&m, N);
		off[0] = 0;
		for (k = 0; k < SETS; k++) {
			size_t ns = 1 + k % 3, j;

			for (j = 0; j < ns; j++)
				st[off[k] + j] = (uint32_t)(1 + (k * 3 + j * 5 +
				    (size_t)round) % (N - 1));
			/* distinct: steps of 5 mod 11 never repeat in 3 */
			off[k + 1] = off[k] + ns;
		}
		assert_int_equal(jn_markov_removal(&m, SETS, off, st, out,
		    &base), 0);
		assert_int_equal(jn_markov_absorb(&m, x), 0);
		assert_true(fabs(base - x[0]) < 1e-12);
		for (k = 0; k < SETS; k++) {
			cut(&m, st + off[k], off[k + 1] - off[k], &c);
			assert_int_equal(jn_markov_absorb(&c, x), 0);
			assert_true(fabs(out[k] - x[0]) < 1e-12);
			jn_markov_release(&c);
		}
		jn_markov_release(&m);
	}
}

/* One walk from the start: 1 when it ends in conversion. */
static int
walk(const struct jn_markov *m, const uint32_t *cutset, size_t ncut)
{
	size_t n = m->n, s = 0, i, k;

	for (;;) {
		double tot = m->conv[s] + m->drop[s], u;

		for (k = 0; k < ncut; k++)
			if (cutset[k] == s)
				return 0;
		for (i = 0; i < n; i++)
			tot += m->w[s * n + i];
		u = uniform() * tot;
		if (u < m->conv[s])
			return 1;
		u -= m->conv[s];
		if (u < m->drop[s])
			return 0;
		u -= m->drop[s];
		for (i = 0; i + 1 < n && u >= m->w[s * n + i]; i++)
			u -= m->w[s * n + i];
		while (m->w[s * n + i] == 0)	/* float edge: last nonzero */
			i--;
		s = i;
	}
}

/*
 * The exact solve against brute force: 200,000 simulated walks per
 * quantity, agreement within 4 standard errors (sqrt(p(1-p)/N), about
 * 0.0044 at most): a wrong removal formula is off by far more.
 */
static void
test_monte_carlo(void **state)
{
	enum { N = 8, WALKS = 200000 };
	struct jn_markov m;
	size_t off[4] = { 0, 1, 2, 4 };
	uint32_t st[4] = { 3, 5, 1, 6 };
	double out[3], base, se;
	size_t k, w, hits;

	(void)state;
	random_chain(&m, N);
	assert_int_equal(jn_markov_removal(&m, 3, off, st, out, &base), 0);
	assert_true(base > 0.05 && base < 0.95);
	for (k = 0; k <= 3; k++) {
		double p = k == 0 ? base : out[k - 1];
		const uint32_t *s = k == 0 ? NULL : st + off[k - 1];
		size_t ns = k == 0 ? 0 : off[k] - off[k - 1];

		for (w = 0, hits = 0; w < WALKS; w++)
			hits += (size_t)walk(&m, s, ns);
		se = sqrt((p * (1 - p) + 1e-9) / WALKS);
		assert_true(fabs((double)hits / WALKS - p) < 4 * se);
	}
	/* and a removal does take something away */
	assert_true(out[2] < base);
	jn_markov_release(&m);
}

static void
test_round(void **state)
{
	double third[3] = { 1.0 / 3, 1.0 / 3, 1.0 / 3 };
	double over[2] = { 0.5000004, 0.5000004 };	/* floors give 1.000000 */
	double high[2] = { 0.500001, 0.500001 };	/* floors overshoot */
	double neg[2] = { -0.25, 1.25 };
	double zero[2] = { 0, 0 };
	int64_t o[3];

	(void)state;
	assert_int_equal(jn_round_micro(third, 3, 1000000, o), 0);
	assert_int_equal(o[0], 333334);
	assert_int_equal(o[1], 333333);
	assert_int_equal(o[2], 333333);
	assert_int_equal(jn_round_micro(over, 2, 1000000, o), 0);
	assert_int_equal(o[0] + o[1], 1000000);
	assert_int_equal(jn_round_micro(high, 2, 1000000, o), 0);
	assert_int_equal(o[0], 500000);
	assert_int_equal(o[1], 500000);
	assert_int_equal(jn_round_micro(neg, 2, 1000000, o), 0);
	assert_int_equal(o[0], -250000);
	assert_int_equal(o[1], 1250000);
	assert_int_equal(jn_round_micro(zero, 2, 0, o), 0);
	assert_int_equal(jn_round_micro(zero, 2, 5, o), -1);
	assert_int_equal(jn_round_micro(NULL, 0, 0, o), 0);
}

/*
 * Newcombe, "Interval estimation for the difference between independent
 * proportions", Statistics in Medicine 17 (1998), Table II, method 10:
 * 56/70 - 48/80 gives 0.0524 to 0.3339, 9/10 - 3/10 0.1705 to 0.8090;
 * at the edges, 3/3 - 0/1 keeps its upper bound at 1.
 */
static void
test_newcombe(void **state)
{
	double lo, hi;

	(void)state;
	jn_newcombe_diff(56, 70, 48, 80, &lo, &hi);
	assert_true(fabs(lo - 0.0524) < 0.00005);
	assert_true(fabs(hi - 0.3339) < 0.00005);
	jn_newcombe_diff(9, 10, 3, 10, &lo, &hi);
	assert_true(fabs(lo - 0.1705) < 0.00005);
	assert_true(fabs(hi - 0.8090) < 0.00005);
	jn_newcombe_diff(3, 3, 0, 1, &lo, &hi);
	assert_true(lo > 0 && lo < 1);
	assert_true(fabs(hi - 1) < 1e-12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gauss_pivot),
		cmocka_unit_test(test_puzyrov),
		cmocka_unit_test(test_bryl),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_removal_vs_fresh),
		cmocka_unit_test(test_monte_carlo),
		cmocka_unit_test(test_round),
		cmocka_unit_test(test_newcombe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
