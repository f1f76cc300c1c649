/*
 * Seasonal hybrid ESD for jwatch: robust STL with a periodic seasonal,
 * then Rosner's generalized ESD on the residual with the median and MAD
 * in place of the mean and standard deviation.  The STL follows the
 * published algorithm (Cleveland, Cleveland, McRae and Terpenning, "STL:
 * A Seasonal-Trend Decomposition Procedure Based on Loess", J. Official
 * Statistics 6(1), 1990) step for step as R's stl() runs it, including
 * its evaluation of the loess only every `jump` points with linear
 * interpolation between, because the detector's verdicts are to match the
 * R package's on the same series.  Loops keep STL's 1-based positions
 * (the loess weights are functions of them); arrays are read through
 * macros that subtract one.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "journey/anomaly.h"
#include "journey/util.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median_inplace(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	if (n % 2 == 1)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

double
jn_median(const double *x, size_t n)
{
	double *v, m;

	if (n == 0)
		return 0;
	v = jn_xmalloc(n * sizeof *v);
	memcpy(v, x, n * sizeof *v);
	m = median_inplace(v, n);
	free(v);
	return m;
}

double
jn_mad(const double *x, size_t n)
{
	double *v, m;
	size_t i;

	if (n == 0)
		return 0;
	v = jn_xmalloc(n * sizeof *v);
	m = jn_median(x, n);
	for (i = 0; i < n; i++)
		v[i] = fabs(x[i] - m);
	m = median_inplace(v, n);
	free(v);
	return 1.4826 * m;
}

/* The continued fraction of the incomplete beta (modified Lentz). */
static double
betacf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-16;
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d, h, aa, del;
	int m;

	d = 1 - qab * x / qap;
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 100000; m++) {
		int m2 = 2 * m;

		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

double
jn_betai(double a, double b, double x)
{
	double lbt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
	    b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lbt) * betacf(a, b, x) / a;
	return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

/* P(T > t) for t >= 0, computed directly so that far tails keep their
 * relative precision. */
static double
t_upper(double t, double df)
{
	if (isinf(df))
		return 0.5 * erfc(t / sqrt(2.0));
	return 0.5 * jn_betai(df / 2, 0.5, df / (df + t * t));
}

double
jn_pt(double t, double df)
{
	if (t >= 0)
		return 1 - t_upper(t, df);
	return t_upper(-t, df);
}

/* The Student t density. */
static double
t_density(double t, double df)
{
	if (isinf(df))
		return exp(-t * t / 2) / sqrt(2 * 3.141592653589793);
	return exp(lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df *
	    3.141592653589793) - (df + 1) / 2 * log1p(t * t / df));
}

/*
 * Newton's method on the upper tail from the normal quantile's guess,
 * kept inside a bracket that every step narrows (a step that leaves it
 * bisects instead): a few evaluations of the incomplete beta where
 * bisection alone took some sixty, to the same last bits.
 */
double
jn_qt(double p, double df)
{
	double q, lo = 0, hi = 1, t, u, step;
	int i;

	if (p == 0.5)
		return 0;
	if (p < 0.5)
		return -jn_qt(1 - p, df);
	q = 1 - p;
	while (t_upper(hi, df) > q && hi < 1e300) {
		lo = hi;
		hi *= 2;
	}
	t = lo + (hi - lo) / 2;
	for (i = 0; i < 400; i++) {
		u = t_upper(t, df);
		if (u > q)
			lo = t;
		else
			hi = t;
		if (u == q || !(hi > lo))
			break;
		step = (u - q) / t_density(t, df);
		if (isfinite(step) && t + step > lo && t + step < hi &&
		    t + step != t) {
			t += step;
			if (fabs(step) <= 1e-15 * fabs(t))
				break;
		} else {
			double mid = lo + (hi - lo) / 2;

			if (mid <= lo || mid >= hi)
				break;
			t = mid;
		}
	}
	return t;
}

/* STL's loess estimate at xs from y(nleft..nright) (stlest). */
static int
stl_est(const double *y, int n, int len, int ideg, double xs, double *ys,
    int nleft, int nright, double *w, int userw, const double *rw)
{
#define Y(j) y[(j) - 1]
#define W(j) w[(j) - 1]
#define RW(j) rw[(j) - 1]
	double range = (double)n - 1, h, h1, h9, a = 0, b, c, r;
	int j;

	h = fmax(xs - nleft, nright - xs);
	if (len > n)
		h += (double)((len - n) / 2);
	h9 = (double)0.999f * h;
	h1 = (double)0.001f * h;
	for (j = nleft; j <= nright; j++) {
		r = fabs(j - xs);
		if (r <= h9) {
			if (r <= h1)
				W(j) = 1;
			else {
				/* Fortran's **3: (x*x)*x */
				double u = r / h, v;

				v = 1 - u * u * u;
				W(j) = v * v * v;
			}
			if (userw)
				W(j) *= RW(j);
			a += W(j);
		} else
			W(j) = 0;
	}
	if (a <= 0)
		return 0;
	for (j = nleft; j <= nright; j++)
		W(j) /= a;
	if (h > 0 && ideg > 0) {
		a = 0;
		for (j = nleft; j <= nright; j++)
			a += W(j) * j;
		b = xs - a;
		c = 0;
		for (j = nleft; j <= nright; j++)
			c += W(j) * (j - a) * (j - a);
		if (sqrt(c) > (double)0.001f * range) {
			b /= c;
			for (j = nleft; j <= nright; j++)
				W(j) *= b * (j - a) + 1;
		}
	}
	*ys = 0;
	for (j = nleft; j <= nright; j++)
		*ys += W(j) * Y(j);
	return 1;
#undef Y
#undef W
#undef RW
}

/* STL's loess smoother of y(1..n) into ys, every njump points (stless). */
static void
stl_ess(const double *y, int n, int len, int ideg, int njump, int userw,
    const double *rw, double *ys, double *res)
{
#define YS(j) ys[(j) - 1]
	int newnj, nleft = 1, nright = n, nsh, i, j, k;
	double delta;

	if (n < 2) {
		ys[0] = y[0];
		return;
	}
	newnj = njump < n - 1 ? njump : n - 1;
	if (len >= n) {
		nleft = 1;
		nright = n;
		for (i = 1; i <= n; i += newnj)
			if (!stl_est(y, n, len, ideg, i, &YS(i), nleft, nright,
			    res, userw, rw))
				YS(i) = y[i - 1];
	} else if (newnj == 1) {
		nsh = (len + 1) / 2;
		nleft = 1;
		nright = len;
		for (i = 1; i <= n; i++) {
			if (i > nsh && nright != n) {
				nleft++;
				nright++;
			}
			if (!stl_est(y, n, len, ideg, i, &YS(i), nleft, nright,
			    res, userw, rw))
				YS(i) = y[i - 1];
		}
	} else {
		nsh = (len + 1) / 2;
		for (i = 1; i <= n; i += newnj) {
			if (i < nsh) {
				nleft = 1;
				nright = len;
			} else if (i >= n - nsh + 1) {
				nleft = n - len + 1;
				nright = n;
			} else {
				nleft = i - nsh + 1;
				nright = len + i - nsh;
			}
			if (!stl_est(y, n, len, ideg, i, &YS(i), nleft, nright,
			    res, userw, rw))
				YS(i) = y[i - 1];
		}
	}
	if (newnj == 1)
		return;
	for (i = 1; i <= n - newnj; i += newnj) {
		delta = (YS(i + newnj) - YS(i)) / newnj;
		for (j = i + 1; j <= i + newnj - 1; j++)
			YS(j) = YS(i) + delta * (j - i);
	}
	k = ((n - 1) / newnj) * newnj + 1;
	if (k != n) {
		if (!stl_est(y, n, len, ideg, n, &YS(n), nleft, nright, res,
		    userw, rw))
			YS(n) = y[n - 1];
		if (k != n - 1) {
			delta = (YS(n) - YS(k)) / (n - k);
			for (j = k + 1; j <= n - 1; j++)
				YS(j) = YS(k) + delta * (j - k);
		}
	}
#undef YS
}

/* Running mean of len over x(1..n) into ave(1..n-len+1) (stlma). */
static void
stl_ma(const double *x, int n, int len, double *ave)
{
	int newn = n - len + 1, i, j, k, m;
	double flen = len, v = 0;

	for (i = 0; i < len; i++)
		v += x[i];
	ave[0] = v / flen;
	if (newn > 1) {
		k = len;
		m = 0;
		for (j = 2; j <= newn; j++) {
			k++;
			m++;
			v = v - x[m - 1] + x[k - 1];
			ave[j - 1] = v / flen;
		}
	}
}

/* Smooth each cycle-subseries of y(1..n) and extend it one point at each
 * end, into season(1..n+2np) (stlss). */
static void
stl_ss(const double *y, int n, int np, int ns, int isdeg, int nsjump,
    int userw, const double *rw, double *season, double *w1, double *w2,
    double *w3, double *w4)
{
	int j, i, k, m, nleft, nright;

	for (j = 1; j <= np; j++) {
		k = (n - j) / np + 1;
		for (i = 1; i <= k; i++)
			w1[i - 1] = y[(i - 1) * np + j - 1];
		if (userw)
			for (i = 1; i <= k; i++)
				w3[i - 1] = rw[(i - 1) * np + j - 1];
		stl_ess(w1, k, ns, isdeg, nsjump, userw, w3, w2 + 1, w4);
		nright = ns < k ? ns : k;
		if (!stl_est(w1, k, ns, isdeg, 0, &w2[0], 1, nright, w4, userw,
		    w3))
			w2[0] = w2[1];
		nleft = k - ns + 1 > 1 ? k - ns + 1 : 1;
		if (!stl_est(w1, k, ns, isdeg, k + 1, &w2[k + 1], nleft, k, w4,
		    userw, w3))
			w2[k + 1] = w2[k];
		for (m = 1; m <= k + 2; m++)
			season[(m - 1) * np + j - 1] = w2[m - 1];
	}
}

struct stl_par {
	int np, ns, nt, nl, isdeg, itdeg, ildeg, nsjump, ntjump, nljump;
};

/* One pass of the inner loop (stlstp with ni = 1). */
static void
stl_stp(const double *y, int n, const struct stl_par *p, int userw,
    const double *rw, double *season, double *trend, double *work)
{
	size_t stride = (size_t)n + 2 * (size_t)p->np;
	double *w1 = work, *w2 = work + stride, *w3 = work + 2 * stride;
	double *w4 = work + 3 * stride, *w5 = work + 4 * stride;
	int i;

	for (i = 0; i < n; i++)
		w1[i] = y[i] - trend[i];
	stl_ss(w1, n, p->np, p->ns, p->isdeg, p->nsjump, userw, rw, w2, w3,
	    w4, w5, season);
	stl_ma(w2, n + 2 * p->np, p->np, w3);
	stl_ma(w3, n + p->np + 1, p->np, w1);
	stl_ma(w1, n + 2, 3, w3);
	stl_ess(w3, n, p->nl, p->ildeg, p->nljump, 0, w4, w1, w5);
	for (i = 0; i < n; i++)
		season[i] = w2[p->np + i] - w1[i];
	for (i = 0; i < n; i++)
		w1[i] = y[i] - season[i];
	stl_ess(w1, n, p->nt, p->itdeg, p->ntjump, userw, rw, trend, w3);
}

/* Tukey's biweight robustness weights from the fit (stlrwt). */
static void
stl_rwt(const double *y, int n, const double *fit, double *rw, double *tmp)
{
	int i, mid1 = n / 2 + 1, mid2 = n - mid1 + 1;
	double cmad, c9, c1, r;

	for (i = 0; i < n; i++)
		tmp[i] = fabs(y[i] - fit[i]);
	qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
	cmad = 3.0 * (tmp[mid1 - 1] + tmp[mid2 - 1]);
	c9 = (double)0.999f * cmad;
	c1 = (double)0.001f * cmad;
	for (i = 0; i < n; i++) {
		r = fabs(y[i] - fit[i]);
		if (r <= c1)
			rw[i] = 1;
		else if (r <= c9) {
			double u = r / cmad, v = 1 - u * u;

			rw[i] = v * v;
		} else
			rw[i] = 0;
	}
}

static int
next_odd(double x)
{
	int v = (int)nearbyint(x);

	return v % 2 == 0 ? v + 1 : v;
}

int
jn_stl_periodic(const double *x, size_t nz, size_t npz, double *seasonal,
    double *trend)
{
	struct stl_par p;
	double *work, *rw, *fit, *mean;
	size_t *cnt;
	int n, k, i;

	if (npz < 2 || nz <= 2 * npz || nz > ((size_t)1 << 27))
		return -1;
	n = (int)nz;
	p.np = (int)npz;
	/* R: s.window "periodic" is 10 n + 1 with degree 0; the others. */
	p.ns = 10 * n + 1;
	p.isdeg = 0;
	p.nt = next_odd(ceil(1.5 * p.np / (1 - 1.5 / p.ns)));
	p.nl = next_odd(p.np);
	p.itdeg = 1;
	p.ildeg = 1;
	p.nsjump = (int)ceil(p.ns / 10.0);
	p.ntjump = (int)ceil(p.nt / 10.0);
	p.nljump = (int)ceil(p.nl / 10.0);
	/* Fortran stl(): spans at least 3 and odd. */
	if (p.ns < 3)
		p.ns = 3;
	if (p.nt < 3)
		p.nt = 3;
	if (p.nl < 3)
		p.nl = 3;
	p.ns += p.ns % 2 == 0;
	p.nt += p.nt % 2 == 0;
	p.nl += p.nl % 2 == 0;

	work = jn_xcalloc(5 * ((size_t)n + 2 * npz), sizeof *work);
	rw = jn_xcalloc(nz, sizeof *rw);
	fit = jn_xcalloc(nz, sizeof *fit);
	for (i = 0; i < n; i++)
		trend[i] = 0;
	/* 1 inner iteration, 15 outer: 16 passes, 15 weight updates. */
	for (k = 0;; k++) {
		stl_stp(x, n, &p, k > 0, rw, seasonal, trend, work);
		if (k + 1 > 15)
			break;
		for (i = 0; i < n; i++)
			fit[i] = trend[i] + seasonal[i];
		stl_rwt(x, n, fit, rw, work);
	}
	/* R: the periodic seasonal is its mean at each cycle position. */
	mean = jn_xcalloc(npz, sizeof *mean);
	cnt = jn_xcalloc(npz, sizeof *cnt);
	for (i = 0; i < n; i++) {
		mean[(size_t)i % npz] += seasonal[i];
		cnt[(size_t)i % npz]++;
	}
	for (i = 0; i < n; i++)
		seasonal[i] = mean[(size_t)i % npz] / (double)cnt[(size_t)i % npz];
	free(cnt);
	free(mean);
	free(fit);
	free(rw);
	free(work);
	return 0;
}

/* A value and its position in the series, sorted by value, then
 * position. */
struct vi {
	double v;
	size_t i;
};

static int
cmp_vi(const void *a, const void *b)
{
	const struct vi *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

/*
 * The k-th smallest (from 0) of |x - med| over the sorted window
 * s[lo..hi), split at sp (s[lo..sp) < med <= s[sp..hi)): the merge of
 * med - s[sp-1], med - s[sp-2], ... and s[sp] - med, s[sp+1] - med, ...,
 * both increasing, by binary search on how many come from the first.
 */
static double
kth_dev(const struct vi *s, size_t lo, size_t sp, size_t hi, double med,
    size_t k)
{
	size_t na = sp - lo, nb = hi - sp, a_lo, a_hi;

	/* take i from A and k + 1 - i from B, i in [a_lo, a_hi] */
	a_lo = k + 1 > nb ? k + 1 - nb : 0;
	a_hi = k + 1 < na ? k + 1 : na;
	while (a_lo < a_hi) {
		size_t i = a_lo + (a_hi - a_lo) / 2, j = k + 1 - i;
		double ai = med - s[sp - 1 - i].v;	/* A[i], i < na */
		double bj1 = s[sp + j - 1].v - med;	/* B[j - 1], j >= 1 */

		if (ai < bj1)
			a_lo = i + 1;
		else
			a_hi = i;
	}
	{
		size_t i = a_lo, j = k + 1 - i;
		double x = -HUGE_VAL;

		if (i > 0)
			x = med - s[sp - i].v;
		if (j > 0 && s[sp + j - 1].v - med > x)
			x = s[sp + j - 1].v - med;
		return x;
	}
}

/*
 * Generalized ESD.  The point removed is always the largest or the
 * smallest of those left (|x - median| is largest at an end), so the
 * points left are a window of the sorted values: the median is read off
 * it, the MAD found by a binary search (kth_dev), and a step costs
 * O(log n) instead of the sorts of the R code, with the same numbers.
 * Among equal values, R removes the earliest in the series: the window's
 * low end holds them in series order; at the high end a run of equal
 * values is handed out from its earliest (hi_run, hi_take), the window
 * shrinking by one whichever, as the values are the same.
 */
size_t
jn_esd(const double *r, size_t n, size_t max_outliers, double alpha,
    enum jn_anom_dir dir, size_t *order, double *stat, double *crit)
{
	struct vi *s;
	size_t lo = 0, hi = n, i, nanoms = 0, hi_run = 0, hi_take = 0;
	int hi_in_run = 0;

	assert(max_outliers + 1 < n || max_outliers == 0);
	if (max_outliers == 0)
		return 0;
	s = jn_xmalloc(n * sizeof *s);
	for (i = 0; i < n; i++) {
		s[i].v = r[i];
		s[i].i = i;
	}
	qsort(s, n, sizeof *s, cmp_vi);
	for (i = 1; i <= max_outliers; i++) {
		size_t m = hi - lo, sp, lo_lo = lo, lo_hi = hi, mid, cand_hi;
		double med, sigma, R, dlo, dhi, p, t, lam, dn = (double)n,
		    di = (double)i;
		int take_hi;

		med = m % 2 == 1 ? s[lo + m / 2].v : (s[lo + m / 2 - 1].v +
		    s[lo + m / 2].v) / 2;
		/* sp: the first of the window at or above the median */
		while (lo_lo < lo_hi) {
			mid = lo_lo + (lo_hi - lo_lo) / 2;
			if (s[mid].v < med)
				lo_lo = mid + 1;
			else
				lo_hi = mid;
		}
		sp = lo_lo;
		if (m % 2 == 1)
			sigma = kth_dev(s, lo, sp, hi, med, m / 2);
		else
			sigma = (kth_dev(s, lo, sp, hi, med, m / 2 - 1) +
			    kth_dev(s, lo, sp, hi, med, m / 2)) / 2;
		sigma *= 1.4826;
		if (sigma == 0)
			break;
		/* the high end's candidate: the earliest of its run */
		if (!hi_in_run || s[hi - 1].v != s[hi_run].v) {
			for (hi_run = hi - 1; hi_run > lo &&
			    s[hi_run - 1].v == s[hi - 1].v; hi_run--)
				;
			hi_take = 0;
			hi_in_run = 1;
		}
		cand_hi = s[hi_run + hi_take].i;
		if (dir == JN_ANOM_POS) {
			take_hi = 1;
			R = (s[hi - 1].v - med) / sigma;
		} else if (dir == JN_ANOM_NEG) {
			take_hi = 0;
			R = (med - s[lo].v) / sigma;
		} else {
			dlo = fabs(s[lo].v - med) / sigma;
			dhi = fabs(s[hi - 1].v - med) / sigma;
			take_hi = dhi > dlo || (dhi == dlo && cand_hi < s[lo].i);
			R = take_hi ? dhi : dlo;
		}
		if (take_hi) {
			order[i - 1] = cand_hi;
			hi_take++;
			hi--;
		} else {
			order[i - 1] = s[lo].i;
			lo++;
		}
		/* a run taken from both ends: every value left is equal and
		 * the next MAD is 0 */
		if (hi_in_run && hi_run + hi_take > hi)
			hi_in_run = 0;
		if (dir == JN_ANOM_BOTH)
			p = 1 - alpha / (2 * (dn - di + 1));
		else
			p = 1 - alpha / (dn - di + 1);
		t = jn_qt(p, dn - di - 1);
		lam = t * (dn - di) / sqrt((dn - di - 1 + t * t) *
		    (dn - di + 1));
		if (stat != NULL)
			stat[i - 1] = R;
		if (crit != NULL)
			crit[i - 1] = lam;
		if (R > lam)
			nanoms = i;
	}
	free(s);
	return nanoms;
}

enum jn_anom_method
jn_anom_detect(const double *x, size_t n, const struct jn_anom_opts *o,
    struct jn_anom_point *out)
{
	enum jn_anom_method method;
	double *seasonal, *trend, *resid, med, rmed, sigma, lam1 = 0;
	size_t *order, maxo, nanoms, i;

	if (n == 0)
		return JN_ANOM_NONE;
	med = jn_median(x, n);
	if (n < 3) {
		for (i = 0; i < n; i++) {
			out[i].expected = out[i].lower = out[i].upper = med;
			out[i].score = 0;
			out[i].flag = 0;
		}
		return JN_ANOM_NONE;
	}
	seasonal = jn_xcalloc(n, sizeof *seasonal);
	trend = jn_xcalloc(n, sizeof *trend);
	resid = jn_xmalloc(n * sizeof *resid);
	if (o->season >= 2 && jn_stl_periodic(x, n, o->season, seasonal,
	    trend) == 0)
		method = JN_ANOM_SHESD;
	else {
		method = JN_ANOM_MEDIAN_MAD;
		for (i = 0; i < n; i++)
			seasonal[i] = 0;
	}
	for (i = 0; i < n; i++)
		resid[i] = x[i] - seasonal[i] - med;
	maxo = (size_t)((double)n * o->max_anoms);
	if (maxo < 1)
		maxo = 1;
	if (maxo > n - 2)
		maxo = n - 2;
	order = jn_xmalloc(maxo * sizeof *order);
	{
		/* zero: the loop stops before lambda_1 when the MAD is 0 */
		double *crit = jn_xcalloc(maxo, sizeof *crit);

		nanoms = jn_esd(resid, n, maxo, o->alpha, o->dir, order, NULL,
		    crit);
		lam1 = crit[0];
		free(crit);
	}
	rmed = jn_median(resid, n);
	sigma = jn_mad(resid, n);
	for (i = 0; i < n; i++) {
		out[i].expected = seasonal[i] + med + rmed;
		out[i].lower = out[i].expected - lam1 * sigma;
		out[i].upper = out[i].expected + lam1 * sigma;
		out[i].score = sigma > 0 ? (x[i] - out[i].expected) / sigma :
		    0;
		out[i].flag = 0;
	}
	for (i = 0; i < nanoms; i++) {
		size_t k = order[i];

		out[k].flag = x[k] >= out[k].expected ? 1 : -1;
	}
	free(order);
	free(resid);
	free(trend);
	free(seasonal);
	return method;
}

const char *
jn_anom_method_name(enum jn_anom_method m)
{
	switch (m) {
	case JN_ANOM_SHESD:
		return "shesd";
	case JN_ANOM_MEDIAN_MAD:
		return "median-mad";
	case JN_ANOM_NONE:
		break;
	}
	return "none";
}

int
jn_anom_rate_significant(double k, double n, double p0, double alpha,
    size_t ntests)
{
	double z, lo, hi;

	if (n <= 0)
		return 0;
	lo = 0.5 / n;
	hi = 1 - 0.5 / n;
	if (p0 < lo)
		p0 = lo;
	if (p0 > hi)
		p0 = hi;
	z = jn_qt(1 - alpha / (2 * (double)(ntests > 0 ? ntests : 1)),
	    HUGE_VAL);
	return fabs(k / n - p0) > z * sqrt(p0 * (1 - p0) / n);
}

int
jn_anom_count_significant(double k, double e, double alpha, size_t ntests)
{
	double z = jn_qt(1 - alpha / (2 * (double)(ntests > 0 ? ntests : 1)),
	    HUGE_VAL);

	if (e < 0.5)
		e = 0.5;
	return fabs(k - e) > z * sqrt(e);
}

int
jn_anom_mean_significant(double x, double e, double se, double alpha,
    size_t ntests)
{
	double z = jn_qt(1 - alpha / (2 * (double)(ntests > 0 ? ntests : 1)),
	    HUGE_VAL);

	if (!(se >= 0))
		return 0;
	return fabs(x - e) > z * se;
}
