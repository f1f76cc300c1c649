/*
 * Tests of exact summation: values whose float sum depends on the order
 * give one result in every order and merge; exact small cases; the
 * extremes of the double range; negative sums; overflow; the carry pass.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/xsum.h"

static double
sum_of(const double *v, size_t n)
{
	struct jn_xsum s;
	size_t i;

	jn_xsum_init(&s);
	for (i = 0; i < n; i++)
		jn_xsum_add(&s, v[i]);
	return jn_xsum_value(&s);
}

static void
test_exact(void **state)
{
	double v[] = { 1e16, 1.0, -1e16 };	/* naive left to right: 0 */
	double w[] = { 0.1, 0.2, 0.3 };
	double cents[] = { 19.99, 5.01, 0.01, 74.99 };

	(void)state;
	assert_true(sum_of(v, 3) == 1.0);
	assert_true(sum_of(NULL, 0) == 0.0);
	/* the exact sum of the three doubles, rounded: 0.6 */
	assert_true(sum_of(w, 3) == 0.6);
	assert_true(fabs(sum_of(cents, 4) - 100.0) < 1e-12);
}

static void
test_order_free(void **state)
{
	enum { N = 2000 };
	double v[N], fwd, tmp;
	struct jn_xsum a, b, whole;
	size_t i, j;

	(void)state;
	srand(7);
	for (i = 0; i < N; i++)
		v[i] = ldexp((double)rand() / RAND_MAX - 0.5,
		    rand() % 120 - 60);
	fwd = sum_of(v, N);
	for (int round = 0; round < 20; round++) {
		for (i = N - 1; i > 0; i--) {
			j = (size_t)rand() % (i + 1);
			tmp = v[i];
			v[i] = v[j];
			v[j] = tmp;
		}
		assert_true(sum_of(v, N) == fwd);
		/* split in two at any point and merged: the same */
		jn_xsum_init(&a);
		jn_xsum_init(&b);
		j = (size_t)rand() % N;
		for (i = 0; i < N; i++)
			jn_xsum_add(i < j ? &a : &b, v[i]);
		jn_xsum_merge(&b, &a);
		assert_true(jn_xsum_value(&b) == fwd);
	}
	jn_xsum_init(&whole);
	jn_xsum_merge(&whole, &a);	/* merging into empty copies */
	jn_xsum_init(&b);
	for (i = 0; i < j; i++)
		jn_xsum_add(&b, v[i]);
	assert_true(jn_xsum_value(&whole) == jn_xsum_value(&b));
}

static void
test_extremes(void **state)
{
	double tiny = 4.9406564584124654e-324;	/* the smallest subnormal */
	double v[] = { DBL_MAX, -DBL_MAX, tiny, tiny };
	double big[] = { DBL_MAX, DBL_MAX };
	double neg[] = { -2.5, 1.0 };
	double minus_half[] = { -0.5 };

	(void)state;
	assert_true(sum_of(v, 4) == 2 * tiny);
	assert_true(isinf(sum_of(big, 2)) && sum_of(big, 2) > 0);
	assert_true(sum_of(neg, 2) == -1.5);
	assert_true(sum_of(minus_half, 1) == -0.5);
	/* non-finite values are ignored */
	{
		double odd[] = { 1.0, NAN, INFINITY, 2.0 };

		assert_true(sum_of(odd, 4) == 3.0);
	}
}

static void
test_many(void **state)
{
	/* past a carry pass (2^29 additions would be slow: the pass runs
	 * on merge and read too); a million equal values stay exact */
	struct jn_xsum s;
	long i;

	(void)state;
	jn_xsum_init(&s);
	for (i = 0; i < 1000000; i++)
		jn_xsum_add(&s, 0.25);
	assert_true(jn_xsum_value(&s) == 250000.0);
	for (i = 0; i < 1000000; i++)
		jn_xsum_add(&s, -DBL_MAX / 4);
	assert_true(isinf(jn_xsum_value(&s)) && jn_xsum_value(&s) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_order_free),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
