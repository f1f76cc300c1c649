/*
 * Survey answers: reading one answer, counting a set of them, and the
 * NPS, CSAT and CES estimates with their intervals (journey/score.h).
 * The input layer parses answers once per event; reporters keep struct
 * jn_scores per unit or per group and turn them into figures at the end.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "journey/score.h"
#include "journey/util.h"

const int jn_score_min[JN_NSCORES] = { 0, 1, 1 };
const int jn_score_max[JN_NSCORES] = { 10, 5, 7 };
const char *const jn_score_name[JN_NSCORES] = { "NPS", "CSAT", "CES" };

/* The normal quantile of a two-sided 95% interval. */
#define Z95 1.959963984540054

int
jn_score_parse(enum jn_score_kind k, const char *s, size_t len, int *out)
{
	double d;

	if (jn_parse_double(s, len, &d) != 0 || d != floor(d) ||
	    d < jn_score_min[k] || d > jn_score_max[k])
		return -1;
	*out = (int)d;
	return 0;
}

void
jn_scores_add(struct jn_scores *s, const int8_t ans[JN_NSCORES])
{
	int any = 0;

	if (ans[JN_NPS] >= 0) {
		s->n[JN_NPS]++;
		s->promoters += ans[JN_NPS] >= 9;
		s->detractors += ans[JN_NPS] <= 6;
		any = 1;
	}
	if (ans[JN_CSAT] >= 0) {
		s->n[JN_CSAT]++;
		s->satisfied += ans[JN_CSAT] >= 4;
		any = 1;
	}
	if (ans[JN_CES] >= 0) {
		s->n[JN_CES]++;
		s->ces_sum += (uint64_t)ans[JN_CES];
		s->ces_sq += (uint64_t)(ans[JN_CES] * ans[JN_CES]);
		any = 1;
	}
	s->responses += (uint64_t)any;
}

void
jn_scores_merge(struct jn_scores *to, const struct jn_scores *from)
{
	int k;

	to->responses += from->responses;
	for (k = 0; k < JN_NSCORES; k++)
		to->n[k] += from->n[k];
	to->promoters += from->promoters;
	to->detractors += from->detractors;
	to->satisfied += from->satisfied;
	to->ces_sum += from->ces_sum;
	to->ces_sq += from->ces_sq;
}

void
jn_scores_get(const struct jn_scores *s, int64_t v[JN_SCORES_NCOUNTS])
{
	v[0] = (int64_t)s->responses;
	v[1] = (int64_t)s->n[JN_NPS];
	v[2] = (int64_t)s->n[JN_CSAT];
	v[3] = (int64_t)s->n[JN_CES];
	v[4] = (int64_t)s->promoters;
	v[5] = (int64_t)s->detractors;
	v[6] = (int64_t)s->satisfied;
	v[7] = (int64_t)s->ces_sum;
	v[8] = (int64_t)s->ces_sq;
}

int
jn_scores_set(struct jn_scores *s, const int64_t v[JN_SCORES_NCOUNTS])
{
	int i;

	for (i = 0; i < JN_SCORES_NCOUNTS; i++)
		if (v[i] < 0)
			return -1;
	/*
	 * Every answer belongs to a response, a response has one to three
	 * answers; efforts of 1-7 add to n..7n, their squares to at least
	 * sum^2/n (Cauchy-Schwarz) and at most 7 sum.
	 */
	if (v[1] > v[0] || v[2] > v[0] || v[3] > v[0] ||
	    v[0] > v[1] + v[2] + v[3] || v[4] + v[5] > v[1] || v[6] > v[2] ||
	    v[7] < v[3] || v[7] > 7 * v[3] || v[8] < v[7] ||
	    v[8] > 7 * v[7] ||
	    (v[3] > 0 && (double)v[7] * (double)v[7] > (double)v[8] *
	    (double)v[3] * (1 + 1e-12)))
		return -1;
	s->responses = (uint64_t)v[0];
	s->n[JN_NPS] = (uint64_t)v[1];
	s->n[JN_CSAT] = (uint64_t)v[2];
	s->n[JN_CES] = (uint64_t)v[3];
	s->promoters = (uint64_t)v[4];
	s->detractors = (uint64_t)v[5];
	s->satisfied = (uint64_t)v[6];
	s->ces_sum = (uint64_t)v[7];
	s->ces_sq = (uint64_t)v[8];
	return 0;
}

static double
clip(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

int
jn_scores_nps(const struct jn_scores *s, struct jn_score_est *e)
{
	double n = (double)s->n[JN_NPS], p, q, var;

	if (s->n[JN_NPS] == 0)
		return -1;
	p = (double)s->promoters / n;
	q = (double)s->detractors / n;
	var = p + q - (p - q) * (p - q);
	e->value = 100 * (p - q);
	e->se = 100 * sqrt((var > 0 ? var : 0) / n);
	e->lower = clip(e->value - Z95 * e->se, -100, 100);
	e->upper = clip(e->value + Z95 * e->se, -100, 100);
	return 0;
}

/*
 * The share of promoters less detractors of n answers, and the variance
 * of one answer, jn_scores_nps's p + q - (p - q)^2 with the shares taken
 * as (promoters + 1) / (n + 3) and (detractors + 1) / (n + 3): a side of
 * one answer, or of answers all alike, has some spread, not none.
 */
static double
nps_share(uint64_t n, uint64_t p, uint64_t d, double *var)
{
	double sp = ((double)p + 1) / ((double)n + 3);
	double sq = ((double)d + 1) / ((double)n + 3);

	*var = sp + sq - (sp - sq) * (sp - sq);
	return ((double)p - (double)d) / (double)n;
}

int
jn_scores_nps_gap(const struct jn_nps_stratum *s, size_t n,
    struct jn_score_est *e, uint64_t *covered)
{
	uint64_t cov = 0;
	double gap = 0, var = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i].n_a > 0 && s[i].n_b > 0)
			cov += s[i].n_a;
	*covered = cov;
	if (cov == 0)
		return -1;
	for (i = 0; i < n; i++) {
		double w, va, vb, d;

		if (s[i].n_a == 0 || s[i].n_b == 0)
			continue;
		w = (double)s[i].n_a / (double)cov;
		d = nps_share(s[i].n_a, s[i].p_a, s[i].d_a, &va) -
		    nps_share(s[i].n_b, s[i].p_b, s[i].d_b, &vb);
		gap += w * d;
		var += w * w * (va / (double)s[i].n_a +
		    vb / (double)s[i].n_b);
	}
	e->value = 100 * gap;
	e->se = 100 * sqrt(var);
	e->lower = clip(e->value - Z95 * e->se, -200, 200);
	e->upper = clip(e->value + Z95 * e->se, -200, 200);
	return 0;
}

int
jn_scores_csat(const struct jn_scores *s, struct jn_score_est *e)
{
	double n = (double)s->n[JN_CSAT], p, z2 = Z95 * Z95, mid, half;

	if (s->n[JN_CSAT] == 0)
		return -1;
	p = (double)s->satisfied / n;
	e->value = p;
	e->se = sqrt(p * (1 - p) / n);
	/* Wilson: the p whose normal test just accepts the share seen */
	mid = (p + z2 / (2 * n)) / (1 + z2 / n);
	half = Z95 / (1 + z2 / n) * sqrt(p * (1 - p) / n + z2 / (4 * n * n));
	e->lower = clip(mid - half, 0, 1);
	e->upper = clip(mid + half, 0, 1);
	return 0;
}

int
jn_scores_ces(const struct jn_scores *s, struct jn_score_est *e)
{
	double n = (double)s->n[JN_CES], mean, var;

	if (s->n[JN_CES] == 0)
		return -1;
	mean = (double)s->ces_sum / n;
	e->value = mean;
	if (s->n[JN_CES] < 2) {
		e->se = NAN;
		e->lower = 1;
		e->upper = 7;
		return 0;
	}
	/* the sums are exact integers: no cancellation beyond rounding */
	var = ((double)s->ces_sq - n * mean * mean) / (n - 1);
	e->se = sqrt((var > 0 ? var : 0) / n);
	e->lower = clip(mean - Z95 * e->se, 1, 7);
	e->upper = clip(mean + Z95 * e->se, 1, 7);
	return 0;
}

const int jn_score_decimals[JN_NSCORES] = { 1, 4, 2 };

struct jn_cell
jn_score_cell(enum jn_score_kind k, double v)
{
	return jn_cell_fixed(v, jn_score_decimals[k]);
}

const struct jn_column jn_score_columns[JN_SCORE_NCOLS] = {
	{ "responses", JN_COL_INT }, { "nps", JN_COL_NUM },
	{ "nps_lower", JN_COL_NUM }, { "nps_upper", JN_COL_NUM },
	{ "csat", JN_COL_RATE }, { "ces", JN_COL_NUM },
};

int
jn_score_column(const char *name)
{
	if (strcmp(name, "nps") == 0 || strcmp(name, "nps_lower") == 0 ||
	    strcmp(name, "nps_upper") == 0)
		return JN_NPS;
	if (strcmp(name, "csat") == 0)
		return JN_CSAT;
	if (strcmp(name, "ces") == 0)
		return JN_CES;
	return -1;
}

size_t
jn_scores_cells(const struct jn_scores *sc, int interval, struct jn_cell *c)
{
	struct jn_score_est e;
	size_t j = 0;
	int have;

	c[j++] = jn_cell_int((int64_t)sc->responses);
	have = jn_scores_nps(sc, &e) == 0;
	c[j++] = have ? jn_score_cell(JN_NPS, e.value) : jn_cell_null();
	if (interval) {
		c[j++] = have ? jn_score_cell(JN_NPS, e.lower) :
		    jn_cell_null();
		c[j++] = have ? jn_score_cell(JN_NPS, e.upper) :
		    jn_cell_null();
	}
	c[j++] = jn_scores_csat(sc, &e) == 0 ? jn_score_cell(JN_CSAT,
	    e.value) : jn_cell_null();
	c[j++] = jn_scores_ces(sc, &e) == 0 ? jn_score_cell(JN_CES,
	    e.value) : jn_cell_null();
	return j;
}
