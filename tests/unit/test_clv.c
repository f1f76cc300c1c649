/*
 * Tests of the CLV models: the likelihoods against values worked by hand,
 * 2F1 against a closed form, and the fit on the CDNOW calibration sample
 * against the published one (Fader, Hardie and Lee 2005: r = 0.243,
 * alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4; their worked
 * customer x = 2, tx = 30.43, T = 38.86 expects 1.226 purchases in the
 * next 39 weeks; Gamma-Gamma p = 6.25, q = 3.74, v = 15.44), skipped
 * when ../shared is absent; a simulated population of known parameters,
 * whose fit must recover them and predict its next 39 weeks' purchases;
 * and fits that must not fail: one-time buyers only, a single customer.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "journey/clv.h"

#define CDNOW "../shared/data/cdnow/CDNOW_sample.txt.gz"

static void
test_loglik_by_hand(void **state)
{
	struct jn_bgnbd m = { 1, 1, 1, 1, 0 };
	struct jn_clv_obs none = { 0, 0, 1, 0 }, one = { 1, 1, 2, 0 };
	struct jn_gg g = { 1, 2, 1, 0 };
	struct jn_clv_obs spend = { 1, 1, 2, 1 };

	(void)state;
	/* x = 0: (alpha / (alpha + T))^r = 1/2 */
	assert_true(fabs(jn_bgnbd_loglik(&m, &none) - log(0.5)) < 1e-12);
	/* x = 1: B(1,2)/B(1,1) / 3^2 + B(2,1)/B(1,1) / 2^2 = 1/18 + 1/8 */
	assert_true(fabs(jn_bgnbd_loglik(&m, &one) -
	    log(1.0 / 18 + 1.0 / 8)) < 1e-12);
	/* Gamma(3) / (Gamma(1) Gamma(2)) * 1 / 2^3 = 2/8 */
	assert_true(fabs(jn_gg_loglik(&g, &spend) - log(0.25)) < 1e-12);
	/* P(alive) with x = 1: 1 / (1 + (a / b) ((1+2)/(1+1))^2) */
	assert_true(fabs(jn_bgnbd_p_alive(&m, &one) - 1 / (1 + 2.25)) <
	    1e-12);
	assert_true(jn_bgnbd_p_alive(&m, &none) == 1);
}

static void
test_hyp2f1(void **state)
{
	double z;

	(void)state;
	for (z = 0.05; z < 0.95; z += 0.1)
		assert_true(fabs(jn_hyp2f1(1, 1, 2, z) + log(1 - z) / z) <
		    1e-10);
	/* 2F1(a, b; b; z) = (1 - z)^-a */
	assert_true(fabs(jn_hyp2f1(2.5, 3, 3, 0.3) - pow(0.7, -2.5)) < 1e-10);
}

/* Days since 1970-01-01 of a YYYYMMDD date (proleptic Gregorian). */
static long
days(long ymd)
{
	long y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	long era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/*
 * The calibration sample: purchases up to 1997-09-30, several on one day
 * one, time in weeks; m is the mean of the repeat days' values.
 */
static size_t
load_cdnow(struct jn_clv_obs *o, size_t cap)
{
	gzFile g = gzopen(CDNOW, "rb");
	char line[256], cur[32] = "";
	long end = days(19970930), first = 0, last = 0;
	double val = 0;
	size_t n = 0;

	if (g == NULL)
		return 0;
	while (gzgets(g, line, sizeof line) != NULL) {
		char id[32], sid[32];
		long ymd, d;
		int cds;
		double v;

		if (sscanf(line, "%31s %31s %ld %d %lf", id, sid, &ymd, &cds,
		    &v) != 5)
			continue;
		d = days(ymd);
		if (strcmp(id, cur) != 0) {
			if (n > 0) {
				o[n - 1].tx = (double)(last - first) / 7;
				o[n - 1].m = o[n - 1].x > 0 ?
				    val / o[n - 1].x : 0;
			}
			assert_true(n < cap);
			snprintf(cur, sizeof cur, "%s", id);
			first = last = d;
			val = 0;
			o[n].x = 0;
			o[n++].T = (double)(end - d) / 7;
			continue;
		}
		if (d > end)
			continue;
		if (d != last && d != first)
			o[n - 1].x++;
		if (d != first)
			val += v;
		last = d;
	}
	gzclose(g);
	if (n > 0) {
		o[n - 1].tx = (double)(last - first) / 7;
		o[n - 1].m = o[n - 1].x > 0 ? val / o[n - 1].x : 0;
	}
	return n;
}

static void
test_cdnow(void **state)
{
	static struct jn_clv_obs o[4000];
	struct jn_clv_obs fhl = { 2, 30.43, 38.86, 0 };
	struct jn_bgnbd m;
	struct jn_gg g;
	size_t n = load_cdnow(o, 4000);

	(void)state;
	if (n == 0)
		skip();
	assert_int_equal((int)n, 2357);
	assert_int_equal(jn_bgnbd_fit(o, n, &m), 0);
	assert_true(fabs(m.r - 0.243) < 0.0005);
	assert_true(fabs(m.alpha - 4.414) < 0.0005);
	assert_true(fabs(m.a - 0.793) < 0.0005);
	assert_true(fabs(m.b - 2.426) < 0.0005);
	assert_true(fabs(m.loglik - -9582.4) < 0.05);
	assert_true(fabs(jn_bgnbd_expected(&m, &fhl, 39) - 1.226) < 0.0005);
	assert_int_equal(jn_gg_fit(o, n, &g), 0);
	assert_true(fabs(g.p - 6.25) < 0.005);
	assert_true(fabs(g.q - 3.74) < 0.005);
	assert_true(fabs(g.v - 15.44) < 0.01);
}

/* splitmix64: a draw in (0, 1), the same on every machine */
static double
u01(uint64_t *st)
{
	uint64_t z = (*st += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

/* Gamma(k, 1): Marsaglia and Tsang, boosted below shape 1. */
static double
gamma_draw(uint64_t *st, double k)
{
	double d, c, x, v;

	if (k < 1)
		return gamma_draw(st, k + 1) * pow(u01(st), 1 / k);
	d = k - 1.0 / 3;
	c = 1 / sqrt(9 * d);
	for (;;) {
		x = sqrt(-2 * log(u01(st))) * cos(6.283185307179586 * u01(st));
		v = 1 + c * x;
		if (v <= 0)
			continue;
		v = v * v * v;
		if (log(u01(st)) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v;
	}
}

/*
 * Truth by construction: 10,000 customers drawn from BG/NBD itself (the
 * CDNOW parameters: a purchase rate from Gamma(0.243, 4.414), a dropout
 * probability from Beta(0.793, 2.426) after each repeat purchase), born
 * over 12 weeks and observed to week 39 (times in whole days, as jsegment
 * sees them), then followed 39 weeks more.
 * The fit must find the parameters within their sampling error and
 * predict the next 39 weeks' purchases within 5%.
 */
static void
test_simulated(void **state)
{
	enum { N = 10000 };
	static struct jn_clv_obs o[N];
	uint64_t st = 1;
	double next = 0, expected = 0;
	struct jn_bgnbd m;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		double lambda = gamma_draw(&st, 0.243) / 4.414;
		double g = gamma_draw(&st, 0.793), p;
		double t = 0, end = 39 - 12 * u01(&st);
		int dead = 0;

		p = g / (g + gamma_draw(&st, 2.426));
		/* in whole days, as jsegment sees histories */
		o[i] = (struct jn_clv_obs){ 0, 0, floor(end * 7) / 7, 0 };
		for (;;) {
			t -= log(u01(&st)) / lambda;
			if (t > end)
				break;
			o[i].x++;
			o[i].tx = floor(t * 7) / 7;
			if ((dead = u01(&st) < p))
				break;
		}
		/* the next 39 weeks: the same process, memoryless from end */
		for (t = end; !dead;) {
			t -= log(u01(&st)) / lambda;
			if (t > end + 39)
				break;
			next++;
			dead = u01(&st) < p;
		}
	}
	assert_int_equal(jn_bgnbd_fit(o, N, &m), 0);
	assert_true(fabs(m.r / 0.243 - 1) < 0.10);
	assert_true(fabs(m.alpha / 4.414 - 1) < 0.15);
	assert_true(fabs(m.a / 0.793 - 1) < 0.15);
	assert_true(fabs(m.b / 2.426 - 1) < 0.20);
	for (i = 0; i < N; i++)
		expected += jn_bgnbd_expected(&m, &o[i], 39);
	assert_true(fabs(expected / next - 1) < 0.05);
}

static void
test_degenerate(void **state)
{
	struct jn_clv_obs once[3] = { { 0, 0, 10, 0 }, { 0, 0, 20, 0 },
	    { 0, 0, 5, 0 } };
	struct jn_clv_obs single = { 4, 20, 30, 12.5 };
	struct jn_bgnbd m;
	struct jn_gg g;
	int64_t day;

	(void)state;
	/* one-time buyers only: no repeat purchase is expected */
	assert_int_equal(jn_bgnbd_fit(once, 3, &m), 0);
	assert_true(isfinite(m.loglik) && m.loglik < 1e-6);
	assert_true(jn_bgnbd_expected(&m, &once[0], 52) < 1e-3);
	assert_int_equal(jn_gg_fit(once, 3, &g), -1);
	/* one customer: a fit, finite predictions */
	assert_int_equal(jn_bgnbd_fit(&single, 1, &m), 0);
	assert_true(isfinite(jn_bgnbd_expected(&m, &single, 52)));
	assert_int_equal(jn_gg_fit(&single, 1, &g), 0);
	assert_true(isfinite(jn_gg_expected_spend(&g, &single)));
	assert_int_equal(jn_bgnbd_fit(NULL, 0, &m), -1);
	/* a user without purchases has no history */
	assert_int_equal(jn_clv_history(NULL, 0, INT64_MAX, &single, &day),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loglik_by_hand),
		cmocka_unit_test(test_hyp2f1),
		cmocka_unit_test(test_cdnow),
		cmocka_unit_test(test_simulated),
		cmocka_unit_test(test_degenerate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
