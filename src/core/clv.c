/*
 * BG/NBD and Gamma-Gamma: likelihoods in log space (lgamma, and a
 * log-sum-exp for BG/NBD's two terms, so that customers with hundreds
 * of purchases or decades of history neither overflow nor underflow),
 * fitted by Nelder-Mead over the parameters' logarithms.  Derivative-free
 * and restarted until it stops improving: the likelihood surface of
 * BG/NBD is flat along ridges where gradient methods stall or step out
 * of the domain (the convergence errors users of other libraries meet),
 * and four parameters are few enough for a simplex.
 */
#include "journey/clv.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journey/util.h"

#define MAXDIM 4
/* parameters live in [e^-LIMIT, e^LIMIT]: beyond, nothing is fitted */
#define LIMIT 25.0

/* ---- Nelder-Mead ---- */

typedef double (*objective)(const double *theta, void *ctx);

/* Clamp theta into the box: the objective never sees inf or 0. */
static void
clamp(double *t, int k)
{
	int i;

	for (i = 0; i < k; i++)
		t[i] = t[i] < -LIMIT ? -LIMIT : t[i] > LIMIT ? LIMIT : t[i];
}

static double
eval(objective f, double *t, int k, void *ctx)
{
	double v;

	clamp(t, k);
	v = f(t, ctx);
	return isnan(v) ? HUGE_VAL : v;
}

/*
 * Minimize f from x0 (k <= MAXDIM) with a simplex of step size step; the
 * best point goes back in x0.  Returns its value.
 */
static double
simplex(objective f, double *x0, int k, double step, void *ctx)
{
	double p[MAXDIM + 1][MAXDIM], y[MAXDIM + 1] = { 0 };
	double c[MAXDIM], r[MAXDIM], e[MAXDIM], yr, ye, yc;
	int i, j, n = k + 1, it, lo, hi, nh;

	for (i = 0; i < n; i++) {
		memcpy(p[i], x0, (size_t)k * sizeof *x0);
		if (i > 0)
			p[i][i - 1] += step;
		y[i] = eval(f, p[i], k, ctx);
	}
	for (it = 0; it < 2000; it++) {
		lo = hi = 0;
		for (i = 1; i < n; i++) {
			if (y[i] < y[lo])
				lo = i;
			if (y[i] > y[hi])
				hi = i;
		}
		nh = hi == 0 ? 1 : 0;
		for (i = 0; i < n; i++)
			if (i != hi && y[i] > y[nh])
				nh = i;
		if (fabs(y[hi] - y[lo]) <= 1e-13 * (1 + fabs(y[lo])))
			break;
		for (j = 0; j < k; j++) {
			c[j] = 0;
			for (i = 0; i < n; i++)
				if (i != hi)
					c[j] += p[i][j] / k;
		}
		for (j = 0; j < k; j++)
			r[j] = c[j] + (c[j] - p[hi][j]);
		yr = eval(f, r, k, ctx);
		if (yr < y[lo]) {
			for (j = 0; j < k; j++)
				e[j] = c[j] + 2 * (c[j] - p[hi][j]);
			ye = eval(f, e, k, ctx);
			if (ye < yr) {
				memcpy(p[hi], e, (size_t)k * sizeof *e);
				y[hi] = ye;
			} else {
				memcpy(p[hi], r, (size_t)k * sizeof *r);
				y[hi] = yr;
			}
			continue;
		}
		if (yr < y[nh]) {
			memcpy(p[hi], r, (size_t)k * sizeof *r);
			y[hi] = yr;
			continue;
		}
		/* contract, outside or inside */
		for (j = 0; j < k; j++)
			e[j] = yr < y[hi] ? c[j] + 0.5 * (r[j] - c[j]) :
			    c[j] + 0.5 * (p[hi][j] - c[j]);
		yc = eval(f, e, k, ctx);
		if (yc < (yr < y[hi] ? yr : y[hi])) {
			memcpy(p[hi], e, (size_t)k * sizeof *e);
			y[hi] = yc;
			continue;
		}
		/* shrink towards the best */
		for (i = 0; i < n; i++) {
			if (i == lo)
				continue;
			for (j = 0; j < k; j++)
				p[i][j] = p[lo][j] + 0.5 * (p[i][j] - p[lo][j]);
			y[i] = eval(f, p[i], k, ctx);
		}
	}
	lo = 0;
	for (i = 1; i < n; i++)
		if (y[i] < y[lo])
			lo = i;
	memcpy(x0, p[lo], (size_t)k * sizeof *x0);
	return y[lo];
}

/*
 * Minimize from each of the starts (rows of k values), restarting the
 * simplex at the best point with a smaller step until a restart gains
 * nothing.  The best point goes to best; returns its value.
 */
static double
minimize(objective f, const double *starts, int nstarts, int k, double *best,
    void *ctx)
{
	double fbest = HUGE_VAL, x[MAXDIM];
	int s, round;

	memcpy(best, starts, (size_t)k * sizeof *best);
	for (s = 0; s < nstarts; s++) {
		double fx, prev = HUGE_VAL, step = 1;

		memcpy(x, starts + s * k, (size_t)k * sizeof *x);
		for (round = 0; round < 20; round++) {
			fx = simplex(f, x, k, step, ctx);
			if (prev - fx <= 1e-10 * (1 + fabs(fx)) && round > 2)
				break;
			prev = fx;
			step = step > 0.02 ? step / 2 : 0.01;
		}
		if (fx < fbest) {
			fbest = fx;
			memcpy(best, x, (size_t)k * sizeof *x);
		}
	}
	return fbest;
}

/* ---- BG/NBD ---- */

/* log(e^u + e^v) without overflow; v may be -inf */
static double
log_sum_exp(double u, double v)
{
	double hi = u > v ? u : v, lo = u > v ? v : u;

	if (isinf(lo) && lo < 0)
		return hi;
	return hi + log1p(exp(lo - hi));
}

/* The terms of one customer's log-likelihood that depend on x only. */
static double
x_terms(const struct jn_bgnbd *m, double x)
{
	double r = m->r, a = m->a, b = m->b;

	return lgamma(r + x) - lgamma(r) + r * log(m->alpha) + lgamma(a + b) +
	    lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
}

/* The rest, given them. */
static double
loglik_with(const struct jn_bgnbd *m, const struct jn_clv_obs *o, double xt)
{
	double a3, a4 = -HUGE_VAL;

	a3 = -(m->r + o->x) * log(m->alpha + o->T);
	if (o->x > 0)
		a4 = log(m->a) - log(m->b + o->x - 1) - (m->r + o->x) *
		    log(m->alpha + o->tx);
	return xt + log_sum_exp(a3, a4);
}

double
jn_bgnbd_loglik(const struct jn_bgnbd *m, const struct jn_clv_obs *o)
{
	return loglik_with(m, o, x_terms(m, o->x));
}

/* The customers a fit sums over: o[i] stands for w[i] of them (w NULL: 1). */
struct data {
	const struct jn_clv_obs *o;
	const double *w;
	size_t n;
};

/* Counts of purchases up to this share their x terms (a memo). */
#define MEMO 256

static double
bgnbd_negll(const double *t, void *ctx)
{
	const struct data *d = ctx;
	struct jn_bgnbd m = { exp(t[0]), exp(t[1]), exp(t[2]), exp(t[3]), 0 };
	double s = 0, memo[MEMO];
	char have[MEMO] = { 0 };
	size_t i;

	for (i = 0; i < d->n; i++) {
		double x = d->o[i].x, xt;
		size_t k = (size_t)x;

		if (x >= 0 && x < MEMO && (double)k == x) {
			if (!have[k]) {
				memo[k] = x_terms(&m, x);
				have[k] = 1;
			}
			xt = memo[k];
		} else {
			xt = x_terms(&m, x);
		}
		s += (d->w ? d->w[i] : 1) * loglik_with(&m, &d->o[i], xt);
	}
	return -s;
}

/* Histories by x, tx, T: what BG/NBD sees of a customer. */
static int
history_cmp(const void *pa, const void *pb)
{
	const struct jn_clv_obs *a = pa, *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->tx != b->tx)
		return a->tx < b->tx ? -1 : 1;
	return (a->T > b->T) - (a->T < b->T);
}

int
jn_bgnbd_fit(const struct jn_clv_obs *o, size_t n, struct jn_bgnbd *m)
{
	/* log r, log alpha, log a, log b: around the usual fits and far */
	static const double starts[] = {
		0, 0, 0, 0,
		-1.5, 1.5, -0.2, 0.9,
		1, 3, 1, 1,
		-3, -2, 2, -2,
	};
	struct jn_clv_obs *u;
	double best[4], *w;
	struct data d;
	size_t i, k = 0;

	if (n == 0)
		return -1;
	/*
	 * Customers of one history count once, weighted: histories repeat
	 * (a day's resolution, a few purchases), and the sums over them are
	 * then the same whatever order the customers came in.
	 */
	u = jn_xmalloc(n * sizeof *u);
	w = jn_xmalloc(n * sizeof *w);
	memcpy(u, o, n * sizeof *u);
	qsort(u, n, sizeof *u, history_cmp);
	for (i = 0; i < n; i++) {
		if (k > 0 && history_cmp(&u[k - 1], &u[i]) == 0) {
			w[k - 1]++;
			continue;
		}
		u[k] = u[i];
		w[k++] = 1;
	}
	d = (struct data){ u, w, k };
	m->loglik = -minimize(bgnbd_negll, starts, 4, 4, best, &d);
	free(u);
	free(w);
	m->r = exp(best[0]);
	m->alpha = exp(best[1]);
	m->a = exp(best[2]);
	m->b = exp(best[3]);
	return 0;
}

/* (alpha + T) / (alpha + tx), to the power r + x, times a / (b + x - 1) */
static double
dead_odds(const struct jn_bgnbd *m, const struct jn_clv_obs *o)
{
	if (o->x <= 0)
		return 0;
	return exp(log(m->a) - log(m->b + o->x - 1) + (m->r + o->x) *
	    (log(m->alpha + o->T) - log(m->alpha + o->tx)));
}

double
jn_bgnbd_p_alive(const struct jn_bgnbd *m, const struct jn_clv_obs *o)
{
	return 1 / (1 + dead_odds(m, o));
}

double
jn_hyp2f1(double a, double b, double c, double z)
{
	double term = 1, sum = 1;
	int k;

	for (k = 0; k < 100000; k++) {
		term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
		sum += term;
		if (fabs(term) <= 1e-16 * fabs(sum))
			break;
	}
	return sum;
}

double
jn_bgnbd_expected(const struct jn_bgnbd *m, const struct jn_clv_obs *o,
    double t)
{
	double r = m->r, al = m->alpha, a = m->a, b = m->b, x = o->x;
	double z = t / (al + o->T + t), lead, hyp;

	if (t <= 0)
		return 0;
	lead = (a + b + x - 1) / (a - 1);
	hyp = exp((r + x) * log((al + o->T) / (al + o->T + t))) *
	    jn_hyp2f1(r + x, b + x, a + b + x - 1, z);
	return lead * (1 - hyp) / (1 + dead_odds(m, o));
}

/* ---- Gamma-Gamma ---- */

double
jn_gg_loglik(const struct jn_gg *g, const struct jn_clv_obs *o)
{
	double px = g->p * o->x, q = g->q, v = g->v;

	return lgamma(px + q) - lgamma(px) - lgamma(q) + q * log(v) +
	    (px - 1) * log(o->m) + px * log(o->x) -
	    (px + q) * log(o->x * o->m + v);
}

static double
gg_negll(const double *t, void *ctx)
{
	const struct data *d = ctx;
	struct jn_gg g = { exp(t[0]), exp(t[1]), exp(t[2]), 0 };
	double s = 0;
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->o[i].x > 0 && d->o[i].m > 0)
			s += jn_gg_loglik(&g, &d->o[i]);
	return -s;
}

int
jn_gg_fit(const struct jn_clv_obs *o, size_t n, struct jn_gg *g)
{
	static const double starts[] = {
		0, 0, 0,
		1.8, 1.3, 2.7,
		-1, 2, 5,
	};
	struct data d = { o, NULL, n };
	double best[3];
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += o[i].x > 0 && o[i].m > 0;
	if (k == 0)
		return -1;
	g->loglik = -minimize(gg_negll, starts, 3, 3, best, &d);
	g->p = exp(best[0]);
	g->q = exp(best[1]);
	g->v = exp(best[2]);
	return 0;
}

double
jn_gg_expected_spend(const struct jn_gg *g, const struct jn_clv_obs *o)
{
	double px = g->p * (o->x > 0 && o->m > 0 ? o->x : 0);

	/* a weighted mean of the population's and the customer's own */
	return (g->v * g->p + px * (px > 0 ? o->m : 0)) / (px + g->q - 1);
}

/* ---- customers' histories ---- */

#define NS_PER_DAY (INT64_C(86400) * 1000000000)

static int64_t
day_of(int64_t ts)
{
	return ts >= 0 ? ts / NS_PER_DAY : -((-ts + NS_PER_DAY - 1) /
	    NS_PER_DAY);
}

static int
purchase_cmp(const void *pa, const void *pb)
{
	const struct jn_clv_purchase *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return (a->value > b->value) - (a->value < b->value);
}

int
jn_clv_history(struct jn_clv_purchase *p, size_t n, int64_t now,
    struct jn_clv_obs *o, int64_t *first_day)
{
	int64_t first = 0, last = 0, d;
	double sum = 0;
	size_t i, k = 0;

	if (n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(p, n, sizeof *p, purchase_cmp);
	memset(o, 0, sizeof *o);
	for (i = 0; i < n && p[i].ts <= now; i++) {
		d = day_of(p[i].ts);
		if (k++ == 0) {
			first = last = d;
			continue;
		}
		if (d != first)
			sum += p[i].value;
		if (d != last)
			o->x++;
		last = d;
	}
	if (k == 0)
		return -1;
	o->tx = (double)(last - first) / 7;
	o->m = o->x > 0 ? sum / o->x : 0;
	*first_day = first;
	return 0;
}

void
jn_clv_observed(struct jn_clv_obs *o, int64_t first_day, int64_t now)
{
	o->T = (double)(day_of(now) - first_day) / 7;
}

double
jn_clv_value(const struct jn_bgnbd *m, const struct jn_gg *g,
    const struct jn_clv_obs *o, double horizon, double discount)
{
	const double month = 52.1775 / 12;
	double spend = jn_gg_expected_spend(g, o), prev = 0, v = 0;
	long k, months = (long)ceil(horizon / month);

	for (k = 1; k <= months; k++) {
		double at = (double)k * month < horizon ? (double)k * month :
		    horizon;
		double e = jn_bgnbd_expected(m, o, at);

		v += (e - prev) * spend * pow(1 + discount, -at / 52.1775);
		prev = e;
	}
	return v;
}
