/*
 * Tests of samples: quantiles of small known sets (median of odd and even
 * counts, type-7 interpolation, the mean from the exact sum even past
 * 2^64), and that values added in any order, or split in two and merged,
 * sort to the same values; and that the quantiles picked from several
 * collections by histogram are those of the sorted values, on inputs
 * whose sorted order is known by construction (close, spread, negative,
 * tailed), and that take moves every value.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/samples.h"

static void
test_quantiles(void **state)
{
	int64_t odd[] = { 1, 3, 10 }, even[] = { 2, 4, 6, 100 };
	int64_t one[] = { 7 };

	(void)state;
	assert_true(isnan(jn_samples_median(NULL, 0)));
	assert_true(isnan(jn_samples_quantile(NULL, 0, 0.9)));
	assert_true(isnan(jn_samples_mean(NULL, 0)));
	assert_true(jn_samples_median(odd, 3) == 3);
	assert_true(jn_samples_median(even, 4) == 5);
	assert_true(jn_samples_median(one, 1) == 7);
	/* rank 0.9 * 3 = 2.7: 6 + 0.7 * (100 - 6) */
	assert_true(fabs(jn_samples_quantile(even, 4, 0.9) - 71.8) < 1e-9);
	assert_true(jn_samples_quantile(even, 4, 0) == 2);
	assert_true(jn_samples_quantile(even, 4, 1) == 100);
	assert_true(jn_samples_quantile(one, 1, 0.9) == 7);
	assert_true(jn_samples_mean(even, 4) == 28);
}

static void
test_mean_exact(void **state)
{
	int64_t big[4] = { INT64_MAX, INT64_MAX, INT64_MAX, 3 };
	double want = (3.0 * 9223372036854775807.0 + 3) / 4;

	(void)state;
	/* the sum passes 2^64: a 64-bit sum would wrap */
	assert_true(fabs(jn_samples_mean(big, 4) - want) / want < 1e-15);
}

static void
test_order(void **state)
{
	struct jn_samples a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	struct jn_samples c = { NULL, 0, 0 };
	size_t i, n = 5000;

	(void)state;
	for (i = 0; i < n; i++) {
		int64_t v = (int64_t)((i * 7919) % 1000) * 1000000007LL;

		jn_samples_add(&a, v);
		jn_samples_add(i % 3 ? &b : &c, (int64_t)(((n - 1 - i) *
		    7919) % 1000) * 1000000007LL);
	}
	jn_samples_merge(&b, &c);
	jn_samples_sort(&a);
	jn_samples_sort(&b);
	assert_int_equal(a.n, n);
	assert_int_equal(b.n, n);
	for (i = 0; i < n; i++) {
		assert_true(a.v[i] == b.v[i]);
		if (i > 0)
			assert_true(a.v[i - 1] <= a.v[i]);
	}
	assert_true(jn_samples_median(a.v, a.n) ==
	    jn_samples_median(b.v, b.n));
	jn_samples_release(&a);
	jn_samples_release(&b);
	jn_samples_release(&c);
	assert_null(a.v);
}

/*
 * The value of rank k in the sorted sets of test_pick: triples, spread
 * by scale (1: close together; larger: across many buckets), from base.
 */
static int64_t
ranked(size_t k, int64_t scale, int64_t base)
{
	return base + (int64_t)(k / 3) * scale;
}

/*
 * jn_samples_quantiles of the values split over np collections p, for
 * q[0..nq), against the quantiles of the n values sorted, known by
 * construction.
 */
static void
check_pick(const struct jn_samples *const *p, size_t np, const double *q,
    size_t nq, const int64_t *sorted, size_t n)
{
	double out[JN_SAMPLES_MAXQ];
	size_t i;

	jn_samples_quantiles(p, np, q, nq, out);
	for (i = 0; i < nq; i++) {
		double want = q[i] == JN_SAMPLES_MEDIAN ?
		    jn_samples_median(sorted, n) :
		    jn_samples_quantile(sorted, n, q[i]);

		if (n == 0)
			assert_true(isnan(out[i]));
		else
			assert_true(out[i] == want);
	}
	/* with the mean, of values of 0 and more: the same, and the mean */
	if (n == 0 || sorted[0] >= 0) {
		double out2[JN_SAMPLES_MAXQ], mean;

		jn_samples_quantiles_mean(p, np, q, nq, out2, &mean);
		for (i = 0; i < nq; i++)
			assert_true(n == 0 ? isnan(out2[i]) : out2[i] == out[i]);
		if (n == 0)
			assert_true(isnan(mean));
		else
			assert_true(mean == jn_samples_mean(sorted, n));
	}
}

static void
test_pick(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 31, 64, 65, 66, 1000,
		4099, 70001 };
	static const double q1[] = { JN_SAMPLES_MEDIAN, 0.9 };
	static const double q2[] = { 0, 0.25, 0.75, 1 };
	static const double q3[] = { 0.5, JN_SAMPLES_MEDIAN, 0.1, 0.999 };
	/* close values, spread ones, negative ones, near the int64 ends */
	static const int64_t scales[] = { 1, 1000000, 7919, 1000000007,
		INT64_C(300000000000000) };
	static const int64_t bases[] = { 0, 0, -5000000, 1,
		INT64_MIN + 5 };
	struct jn_samples parts[3];
	const struct jn_samples *pp[3] = { &parts[0], &parts[1], &parts[2] };
	int64_t *sorted;
	size_t z, i, n, shape, sc;

	(void)state;
	memset(parts, 0, sizeof parts);
	for (z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
	for (sc = 0; sc < sizeof scales / sizeof scales[0]; sc++) {
		n = sizes[z];
		sorted = malloc((n + 1) * sizeof *sorted);
		/* shuffled, ascending, descending, all equal, organ pipe */
		for (shape = 0; shape < 5; shape++) {
			for (i = 0; i < 3; i++)
				parts[i].n = 0;
			for (i = 0; i < n; i++) {
				size_t k = shape == 0 ? (i * 7919 + 13) % n :
				    shape == 1 ? i : shape == 2 ? n - 1 - i :
				    i % 2 ? i / 2 : n - 1 - i / 2;

				jn_samples_add(&parts[i % 3 == 2 ? 2 : i % 2],
				    shape == 3 ? bases[sc] + 5 :
				    ranked(k, scales[sc], bases[sc]));
			}
			for (i = 0; i < n; i++)
				sorted[i] = shape == 3 ? bases[sc] + 5 :
				    ranked(i, scales[sc], bases[sc]);
			if (shape == 0 && n % 7919 == 0)
				continue;	/* not a shuffle */
			check_pick(pp, 3, q1, 2, sorted, n);
			check_pick(pp, 3, q2, 4, sorted, n);
			check_pick(pp, 3, q3, 4, sorted, n);
			if (parts[1].n == 0 && parts[2].n == 0)
				check_pick(pp, 1, q1, 2, sorted, n);
		}
		free(sorted);
	}
	for (i = 0; i < 3; i++)
		jn_samples_release(&parts[i]);
}

/*
 * Values on a long tail (as times between events are): most within a
 * few buckets, a few far out; the quantiles as from a sort.
 */
static void
test_pick_tail(void **state)
{
	static const double q[] = { JN_SAMPLES_MEDIAN, 0.9, 0.99, 1 };
	struct jn_samples s = { NULL, 0, 0 }, t = { NULL, 0, 0 };
	const struct jn_samples *p = &s;
	double out[4];
	size_t i, n = 200000;
	uint64_t x = 88172645463325252u;

	(void)state;
	for (i = 0; i < n; i++) {
		/* xorshift; a value is 2^(0..39) ms, with ms repeated */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		jn_samples_add(&s, (int64_t)(x % 1000 << (x >> 58 & 31)) *
		    1000000);
	}
	jn_samples_merge(&t, &s);
	jn_samples_quantiles(&p, 1, q, 4, out);
	jn_samples_sort(&t);
	assert_true(out[0] == jn_samples_median(t.v, n));
	for (i = 1; i < 4; i++)
		assert_true(out[i] == jn_samples_quantile(t.v, n, q[i]));
	assert_true(jn_samples_mean_of(&p, 1) == jn_samples_mean(t.v, n));
	/*
	 * One negative value last, after the histogram taken as of values
	 * of 0 and more is made: counted again from the least.
	 */
	t.n = 0;
	jn_samples_add(&s, -3);
	n++;
	jn_samples_merge(&t, &s);
	jn_samples_quantiles(&p, 1, q, 4, out);
	jn_samples_sort(&t);
	assert_true(t.v[0] == -3);
	assert_true(out[0] == jn_samples_median(t.v, n));
	for (i = 1; i < 4; i++)
		assert_true(out[i] == jn_samples_quantile(t.v, n, q[i]));
	jn_samples_release(&s);
	jn_samples_release(&t);
}

/* take: every value moves, from the smaller onto the larger buffer. */
static void
test_take(void **state)
{
	struct jn_samples a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	const struct jn_samples *p[2] = { &a, &b };
	int64_t *big;
	size_t i;

	(void)state;
	for (i = 0; i < 10; i++)
		jn_samples_add(&a, (int64_t)i);
	for (i = 10; i < 1000; i++)
		jn_samples_add(&b, (int64_t)i);
	assert_true(jn_samples_mean_of(p, 2) == 499.5);
	big = b.v;
	jn_samples_take(&a, &b);
	assert_int_equal(a.n, 1000);
	assert_true(a.v == big);	/* the larger buffer kept */
	assert_int_equal(b.n, 0);
	assert_null(b.v);
	jn_samples_sort(&a);
	for (i = 0; i < 1000; i++)
		assert_true(a.v[i] == (int64_t)i);
	jn_samples_take(&a, &b);	/* nothing to take */
	assert_int_equal(a.n, 1000);
	jn_samples_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_mean_exact),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_pick_tail),
		cmocka_unit_test(test_take),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
