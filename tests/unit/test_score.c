/*
 * Tests of survey answers: which answers are read, the counts, their
 * exact merge, the state round trip, and NPS, CSAT and CES with their
 * intervals against values worked by hand or computed here another way
 * (the NPS variance as the variance of +1/0/-1 scores).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "journey/score.h"

static void
add(struct jn_scores *s, int nps, int csat, int ces)
{
	int8_t a[JN_NSCORES];

	a[JN_NPS] = (int8_t)nps;
	a[JN_CSAT] = (int8_t)csat;
	a[JN_CES] = (int8_t)ces;
	jn_scores_add(s, a);
}

static int
parse(enum jn_score_kind k, const char *s)
{
	int v = -99;

	if (jn_score_parse(k, s, strlen(s), &v) != 0)
		return -1;
	return v;
}

static void
test_parse(void **state)
{
	(void)state;
	assert_int_equal(parse(JN_NPS, "0"), 0);
	assert_int_equal(parse(JN_NPS, "9"), 9);
	assert_int_equal(parse(JN_NPS, "10"), 10);
	assert_int_equal(parse(JN_NPS, "9.0"), 9);
	assert_int_equal(parse(JN_NPS, "11"), -1);
	assert_int_equal(parse(JN_NPS, "-1"), -1);
	assert_int_equal(parse(JN_NPS, "9.5"), -1);
	assert_int_equal(parse(JN_NPS, "nine"), -1);
	assert_int_equal(parse(JN_NPS, " 9"), -1);
	assert_int_equal(parse(JN_NPS, "nan"), -1);
	assert_int_equal(parse(JN_CSAT, "0"), -1);
	assert_int_equal(parse(JN_CSAT, "1"), 1);
	assert_int_equal(parse(JN_CSAT, "5"), 5);
	assert_int_equal(parse(JN_CSAT, "6"), -1);
	assert_int_equal(parse(JN_CES, "7"), 7);
	assert_int_equal(parse(JN_CES, "8"), -1);
	assert_int_equal(parse(JN_CES, "0"), -1);
}

static void
test_nps(void **state)
{
	static const int ans[10] = { 10, 9, 9, 10, 9, 9, 10, 8, 7, 3 };
	struct jn_scores s;
	struct jn_score_est e;
	double mean = 0, var = 0, x;
	int i;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(jn_scores_nps(&s, &e), -1);
	for (i = 0; i < 10; i++)
		add(&s, ans[i], -1, -1);
	assert_int_equal(s.responses, 10);
	assert_int_equal(s.promoters, 7);
	assert_int_equal(s.detractors, 1);
	assert_int_equal(jn_scores_nps(&s, &e), 0);
	assert_float_equal(e.value, 60, 1e-9);
	/* the variance of the answers scored +1, 0, -1, over n */
	for (i = 0; i < 10; i++)
		mean += (ans[i] >= 9) - (ans[i] <= 6);
	mean /= 10;
	for (i = 0; i < 10; i++) {
		x = (ans[i] >= 9) - (ans[i] <= 6) - mean;
		var += x * x;
	}
	var /= 10;
	assert_float_equal(e.se, 100 * sqrt(var / 10), 1e-9);
	/* by hand: p .7, q .1: sqrt(.44 / 10) = .209762 */
	assert_float_equal(e.se, 20.976177, 1e-6);
	assert_float_equal(e.lower, 60 - 1.959964 * 20.976177, 1e-4);
	/* 60 + 41.1 = 101.1 is past the scale: clipped */
	assert_float_equal(e.upper, 100, 1e-12);
}

static void
test_nps_clipped(void **state)
{
	struct jn_scores s;
	struct jn_score_est e;

	(void)state;
	memset(&s, 0, sizeof s);
	/* one detractor: -100, no spread seen, the interval a point */
	add(&s, 0, -1, -1);
	assert_int_equal(jn_scores_nps(&s, &e), 0);
	assert_float_equal(e.value, -100, 1e-12);
	assert_float_equal(e.lower, -100, 1e-12);
	assert_float_equal(e.upper, -100, 1e-12);
	/* 9 promoters, 1 detractor: 80 +- 1.96 * 100 sqrt(.36/10) */
	memset(&s, 0, sizeof s);
	add(&s, 0, -1, -1);
	for (int i = 0; i < 9; i++)
		add(&s, 10, -1, -1);
	assert_int_equal(jn_scores_nps(&s, &e), 0);
	assert_float_equal(e.value, 80, 1e-9);
	assert_float_equal(e.se, 100 * sqrt(1.0 - 0.64) / sqrt(10), 1e-9);
	assert_float_equal(e.upper, 100, 1e-12);	/* 117 clipped */
}

static void
test_csat(void **state)
{
	struct jn_scores s;
	struct jn_score_est e;
	int i;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(jn_scores_csat(&s, &e), -1);
	/* 8 of 10 answer 4 or 5: Wilson 95% is 0.4902 to 0.9433 */
	for (i = 0; i < 10; i++)
		add(&s, -1, i < 4 ? 5 : i < 8 ? 4 : i == 8 ? 3 : 1, -1);
	assert_int_equal(jn_scores_csat(&s, &e), 0);
	assert_float_equal(e.value, 0.8, 1e-12);
	assert_float_equal(e.lower, 0.4902, 1e-4);
	assert_float_equal(e.upper, 0.9433, 1e-4);
	/* all satisfied: the interval still reaches below 1 */
	memset(&s, 0, sizeof s);
	for (i = 0; i < 5; i++)
		add(&s, -1, 5, -1);
	assert_int_equal(jn_scores_csat(&s, &e), 0);
	assert_float_equal(e.value, 1, 1e-12);
	assert_float_equal(e.upper, 1, 1e-12);
	/* 5 / (5 + z^2) = 0.5655 */
	assert_float_equal(e.lower, 0.5655, 1e-4);
}

static void
test_ces(void **state)
{
	struct jn_scores s;
	struct jn_score_est e;
	int i;

	(void)state;
	memset(&s, 0, sizeof s);
	assert_int_equal(jn_scores_ces(&s, &e), -1);
	add(&s, -1, -1, 4);
	assert_int_equal(jn_scores_ces(&s, &e), 0);
	assert_float_equal(e.value, 4, 1e-12);
	assert_float_equal(e.lower, 1, 1e-12);
	assert_float_equal(e.upper, 7, 1e-12);
	/* 1..5: mean 3, sample variance 2.5, se sqrt(.5) */
	memset(&s, 0, sizeof s);
	for (i = 1; i <= 5; i++)
		add(&s, -1, -1, i);
	assert_int_equal(jn_scores_ces(&s, &e), 0);
	assert_float_equal(e.value, 3, 1e-12);
	assert_float_equal(e.se, sqrt(0.5), 1e-12);
	assert_float_equal(e.lower, 3 - 1.959964 * sqrt(0.5), 1e-5);
	assert_float_equal(e.upper, 3 + 1.959964 * sqrt(0.5), 1e-5);
}

static void
test_merge_state(void **state)
{
	struct jn_scores all, a, b, c;
	int64_t v[JN_SCORES_NCOUNTS];
	int i;

	(void)state;
	memset(&all, 0, sizeof all);
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	for (i = 0; i < 100; i++) {
		int nps = i % 11, csat = i % 3 ? 1 + i % 5 : -1;
		int ces = i % 4 ? 1 + i % 7 : -1;

		add(&all, nps, csat, ces);
		add(i % 2 ? &a : &b, nps, csat, ces);
	}
	/* an event with no answer is no response */
	add(&all, -1, -1, -1);
	assert_int_equal(all.responses, 100);
	jn_scores_merge(&a, &b);
	assert_memory_equal(&a, &all, sizeof a);
	jn_scores_get(&all, v);
	memset(&c, 0, sizeof c);
	assert_int_equal(jn_scores_set(&c, v), 0);
	assert_memory_equal(&c, &all, sizeof c);
	/* counts no answers make */
	v[4] = v[1] + 1;
	assert_int_equal(jn_scores_set(&c, v), -1);
	jn_scores_get(&all, v);
	v[7] = 8 * v[3];
	assert_int_equal(jn_scores_set(&c, v), -1);
	jn_scores_get(&all, v);
	v[0] = -1;
	assert_int_equal(jn_scores_set(&c, v), -1);
}

static void
test_nps_gap(void **state)
{
	/* two strata: (n, promoters, detractors) affected then baseline */
	struct jn_nps_stratum s[3] = {
		{ 4, 1, 3, 6, 3, 1 },	/* -50 against +33.33 */
		{ 2, 2, 0, 2, 0, 2 },	/* +100 against -100 */
		{ 3, 1, 1, 0, 0, 0 },	/* no baseline: not covered */
	};
	struct jn_score_est e;
	uint64_t cov = 9;
	double va, vb, vc, vd, se;

	(void)state;
	assert_int_equal(jn_scores_nps_gap(s, 0, &e, &cov), -1);
	assert_int_equal(cov, 0);
	assert_int_equal(jn_scores_nps_gap(s + 2, 1, &e, &cov), -1);
	assert_int_equal(jn_scores_nps_gap(s, 3, &e, &cov), 0);
	assert_int_equal(cov, 6);
	/* w = 4/6 and 2/6: 4/6 (-83.333) + 2/6 (200) = 11.111 */
	assert_float_equal(e.value, 100.0 / 9, 1e-9);
	/* shares (count + 1) / (n + 3): 2/7, 4/7; 4/9, 2/9; 3/5, 1/5;
	 * 1/5, 3/5; v = p + q - (p - q)^2 */
	va = 6.0 / 7 - 4.0 / 49;
	vb = 6.0 / 9 - 4.0 / 81;
	vc = 4.0 / 5 - 4.0 / 25;
	vd = vc;
	se = 100 * sqrt(16.0 / 36 * (va / 4 + vb / 6) +
	    4.0 / 36 * (vc / 2 + vd / 2));
	assert_float_equal(e.se, se, 1e-9);
	/* by hand: 0.7755, 0.6173, 0.64: se 100 sqrt(0.131893 + 0.071111) */
	assert_float_equal(e.se, 45.0560, 1e-3);
	assert_float_equal(e.lower, e.value - 1.959964 * se, 1e-4);
	assert_float_equal(e.upper, e.value + 1.959964 * se, 1e-4);
	/* every answer a detractor against every one a promoter: -200,
	 * the interval clipped */
	s[0] = (struct jn_nps_stratum){ 1, 0, 1, 1, 1, 0 };
	assert_int_equal(jn_scores_nps_gap(s, 1, &e, &cov), 0);
	assert_float_equal(e.value, -200, 1e-12);
	assert_float_equal(e.lower, -200, 1e-12);
	assert_true(e.upper > -200 && e.se > 0);
}

/*
 * The cells as written (journey(7)): answers NPS 10, 9, 3 (2 promoters,
 * 1 detractor: 33.33, interval 33.33 -+ 1.96 * 100 sqrt((1 - 1/9) / 3)
 * = 33.33 -+ 106.69: -73.35 and 140, clipped to 100), CSAT 5, 2, 4
 * (2/3), CES 5, 4, 4 (13/3): "33.3", "-73.4", "100.0", a rate cell of
 * 2/3, "4.33"; and a kind without answers empty.
 */
static void
test_cells(void **state)
{
	static const int8_t ans[3][JN_NSCORES] = { { 10, 5, 5 }, { 9, 2, 4 },
		{ 3, 4, 4 } };
	static const char *const want[JN_SCORE_NCOLS] = { "3", "33.3",
		"-73.4", "100.0", "0.6667", "4.33" };
	struct jn_scores sc;
	struct jn_cell c[JN_SCORE_NCOLS];
	char buf[64];
	size_t i;
	int8_t only_nps[JN_NSCORES] = { 7, -1, -1 };

	(void)state;
	memset(&sc, 0, sizeof sc);
	for (i = 0; i < 3; i++)
		jn_scores_add(&sc, ans[i]);
	assert_int_equal(jn_scores_cells(&sc, 1, c), JN_SCORE_NCOLS);
	for (i = 0; i < JN_SCORE_NCOLS; i++) {
		(void)jn_format_cell(buf, sizeof buf,
		    jn_score_columns[i].type, &c[i], 0);
		assert_string_equal(buf, want[i]);
	}
	(void)jn_format_cell(buf, sizeof buf, JN_COL_RATE, &c[4], 1);
	assert_string_equal(buf, "66.7%");
	/* without the interval: responses, nps, csat, ces */
	assert_int_equal(jn_scores_cells(&sc, 0, c), JN_SCORE_NCOLS - 2);
	(void)jn_format_cell(buf, sizeof buf, JN_COL_NUM, &c[3], 0);
	assert_string_equal(buf, "4.33");
	/* one passive answer: NPS 0.0, no CSAT, no CES */
	memset(&sc, 0, sizeof sc);
	jn_scores_add(&sc, only_nps);
	assert_int_equal(jn_scores_cells(&sc, 0, c), JN_SCORE_NCOLS - 2);
	(void)jn_format_cell(buf, sizeof buf, JN_COL_NUM, &c[1], 0);
	assert_string_equal(buf, "0.0");
	assert_true(c[2].null && c[3].null);
	/* a figure rounding to zero from below loses its sign */
	c[0] = jn_score_cell(JN_NPS, -0.04);
	(void)jn_format_cell(buf, sizeof buf, JN_COL_NUM, &c[0], 0);
	assert_string_equal(buf, "0.0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_nps),
		cmocka_unit_test(test_nps_clipped),
		cmocka_unit_test(test_nps_gap),
		cmocka_unit_test(test_csat),
		cmocka_unit_test(test_ces),
		cmocka_unit_test(test_merge_state),
		cmocka_unit_test(test_cells),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
