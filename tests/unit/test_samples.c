/*
 * Tests of samples: quantiles of small known sets (median of odd and even
 * counts, type-7 interpolation, the mean from the exact sum even past
 * 2^64), and that values added in any order, or split in two and merged,
 * sort to the same values.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_mean_exact),
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
