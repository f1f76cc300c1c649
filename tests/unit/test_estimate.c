/*
 * Tests of the stratified estimate: one stratum is the plain difference
 * of proportions and its Wald interval; reweighting to the affected mix
 * removes a confounder that a pooled comparison shows as a gap; strata
 * without a baseline are left out; nothing affected gives NAN rates.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "journey/estimate.h"

static void
test_one_stratum(void **state)
{
	struct jn_stratum s = { 100, 20, 400, 200, 0, 0 };
	struct jn_estimate e;
	double q = 201.0 / 402;
	double se = sqrt(q * (1 - q) * (1.0 / 400 + 1.0 / 100));

	(void)state;
	jn_estimate_strata(&s, 1, &e);
	assert_true(fabs(e.rate_a - 0.2) < 1e-12);
	assert_true(fabs(e.rate_b - 0.5) < 1e-12);
	assert_true(fabs(e.gap - 0.3) < 1e-12);
	assert_true(fabs(e.se - se) < 1e-12);
	assert_true(fabs(e.lo - (0.3 - 1.959963984540054 * se)) < 1e-12);
	assert_true(e.covered == 100);
}

static void
test_confounder(void **state)
{
	/* per stratum no gap at all; pooled, the affected (mostly in the
	 * low stratum) convert less */
	struct jn_stratum s[2] = { { 90, 9, 100, 10, 0, 0 },
	    { 10, 5, 900, 450, 0, 0 } };
	struct jn_estimate e;

	(void)state;
	jn_estimate_strata(s, 2, &e);
	assert_true(fabs(e.gap) < 1e-12);
	assert_true(fabs(e.rate_b - (0.9 * 0.1 + 0.1 * 0.5)) < 1e-12);
	assert_true(e.lo < 0 && e.hi > 0);
}

static void
test_uncovered(void **state)
{
	struct jn_stratum s[2] = { { 50, 10, 0, 0, 0, 0 },
	    { 50, 10, 100, 60, 0, 0 } };
	uint64_t ca[2] = { 7, 5 }, cb[2] = { 0, 20 };
	struct jn_estimate e;

	(void)state;
	jn_estimate_strata(s, 2, &e);
	assert_true(e.covered == 50 && e.n_a == 100);
	assert_true(fabs(e.gap - 0.4) < 1e-12);
	assert_true(fabs(e.rate_a - 0.2) < 1e-12);
	/* 5 - 50 * 20 / 100: the uncovered stratum's 7 say nothing */
	assert_true(fabs(jn_estimate_excess(s, ca, cb, 2) + 5) < 1e-12);
}

/*
 * Worked by hand: stratum A (60 affected, 12 converted; 200 baseline,
 * 100 converted; a conversion worth 50, variance 400) and B (40, 20;
 * 100, 60; worth 100, variance 2500).  w = 0.6, 0.4; gaps 0.3, 0.1;
 * value = 0.6 * 50 * 0.3 + 0.4 * 100 * 0.1 = 13 per affected unit;
 * value_var = 0.6 * 0.3 * 400 + 0.4 * 0.1 * 2500 = 172.
 */
static void
test_worth(void **state)
{
	struct jn_stratum s[2] = { { 60, 12, 200, 100, 50, 400 },
	    { 40, 20, 100, 60, 100, 2500 } };
	double qa = 101.0 / 202, qb = 61.0 / 102;
	double va = qa * (1 - qa) * (1.0 / 200 + 1.0 / 60);
	double vb = qb * (1 - qb) * (1.0 / 100 + 1.0 / 40);
	struct jn_estimate e;

	(void)state;
	jn_estimate_strata(s, 2, &e);
	assert_true(fabs(e.value - 13) < 1e-12);
	assert_true(fabs(e.value_var - 172) < 1e-9);
	assert_true(fabs(e.value_se - sqrt(0.36 * 2500 * va +
	    0.16 * 10000 * vb)) < 1e-12);
	/* the counts' figures do not depend on the worth */
	assert_true(fabs(e.gap - (0.6 * 0.3 + 0.4 * 0.1)) < 1e-12);
}

static void
test_empty(void **state)
{
	struct jn_estimate e;

	(void)state;
	jn_estimate_strata(NULL, 0, &e);
	assert_true(isnan(e.rate_a) && isnan(e.rate_b));
	assert_true(e.gap == 0 && e.lo == 0 && e.hi == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_stratum),
		cmocka_unit_test(test_confounder),
		cmocka_unit_test(test_uncovered),
		cmocka_unit_test(test_worth),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
