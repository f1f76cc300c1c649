/*
 * Tests of samples: quantiles of small known sets (median of odd and even
 * counts, type-7 interpolation, the mean from the exact sum even past
 * 2^64), and that values added in any order, or split in two and merged,
 * sort to the same values; and that selecting the quantiles' ranks puts
 * the values a sort would there, on inputs whose sorted order is known
 * by construction.
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

/* The value of rank k in the sorted sets of test_select: triples. */
static int64_t
ranked(size_t k)
{
	return (int64_t)(k / 3) * 10;
}

/*
 * v[0..n) after jn_samples_select of q[0..nq): each quantile's ranks
 * hold the sorted value, with nothing larger before them nor smaller
 * after, and the quantile is the sorted one's.
 */
static void
check_select(const int64_t *v, size_t n, const double *q, size_t nq,
    const int64_t *sorted)
{
	size_t i, j;

	for (i = 0; i < nq; i++) {
		size_t a = (size_t)(q[i] * (double)(n - 1));

		for (j = a; j <= a + 1 && j < n; j++) {
			size_t k;

			assert_true(v[j] == sorted[j]);
			for (k = 0; k < n; k++)
				assert_true(k < j ? v[k] <= v[j] :
				    v[k] >= v[j]);
		}
		assert_true(jn_samples_quantile(v, n, q[i]) ==
		    jn_samples_quantile(sorted, n, q[i]));
	}
}

static void
test_select(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 31, 32, 33, 64, 65, 1000,
		4099 };
	static const double q1[] = { 0.5, 0.9 }, q2[] = { 0, 0.25, 0.75, 1 };
	struct jn_samples s = { NULL, 0, 0 };
	int64_t *sorted;
	size_t z, i, n, shape;

	(void)state;
	jn_samples_select(&s, q1, 2);	/* nothing to select */
	for (z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
		n = sizes[z];
		sorted = malloc(n * sizeof *sorted);
		for (i = 0; i < n; i++)
			sorted[i] = ranked(i);
		/* shuffled, ascending, descending, all equal, organ pipe */
		for (shape = 0; shape < 5; shape++) {
			int pass;

			for (pass = 0; pass < 2; pass++) {
				s.n = 0;
				for (i = 0; i < n; i++) {
					size_t k = shape == 0 ? (i * 7919 +
					    13) % n : shape == 1 ? i :
					    shape == 2 ? n - 1 - i :
					    i % 2 ? i / 2 : n - 1 - i / 2;

					jn_samples_add(&s, shape == 3 ? 5 :
					    ranked(k));
				}
				if (shape == 3)
					for (i = 0; i < n; i++)
						sorted[i] = 5;
				if (shape == 0 && n % 7919 == 0)
					continue;	/* not a shuffle */
				if (pass == 0) {
					jn_samples_select(&s, q1, 2);
					check_select(s.v, n, q1, 2, sorted);
				} else {
					jn_samples_select(&s, q2, 4);
					check_select(s.v, n, q2, 4, sorted);
				}
				assert_int_equal(s.n, n);
			}
			if (shape == 3)
				for (i = 0; i < n; i++)
					sorted[i] = ranked(i);
		}
		free(sorted);
	}
	jn_samples_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_mean_exact),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_select),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
