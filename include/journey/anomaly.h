/*
 * Anomaly detection on one evenly spaced series: Twitter's seasonal hybrid
 * ESD (S-H-ESD; Hochenbaum, Vallis and Kejariwal, "Automatic Anomaly
 * Detection in the Cloud Via Statistical Learning", 2017; the R package
 * AnomalyDetection, R/detect_anoms.R), built from a robust STL
 * decomposition with a periodic seasonal (Cleveland et al. 1990, as R's
 * stl(robust = TRUE, s.window = "periodic") computes it), the median and
 * MAD, and Rosner's generalized ESD with Student t critical values.
 * Every function here is pure: no I/O, no globals; the series is indexed
 * from 0 and its season is a count of points.
 */
#ifndef JOURNEY_ANOMALY_H
#define JOURNEY_ANOMALY_H

#include <stddef.h>

enum jn_anom_dir {
	JN_ANOM_BOTH,	/* two-sided: |residual| */
	JN_ANOM_POS,	/* only values above the pattern */
	JN_ANOM_NEG	/* only values below it */
};

enum jn_anom_method {
	JN_ANOM_SHESD,		/* robust STL, then hybrid ESD */
	JN_ANOM_MEDIAN_MAD,	/* too short for STL: hybrid ESD on x - median */
	JN_ANOM_NONE		/* fewer than 3 points: nothing can be tested */
};

/* The median of x[0..n) (mean of the middle two when n is even); x is
 * not modified.  0 when n is 0.  Allocates a copy (exits on no memory). */
double jn_median(const double *x, size_t n);

/* R's mad(): 1.4826 times the median absolute deviation from the median. */
double jn_mad(const double *x, size_t n);

/* The regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x
 * <= 1 (continued fraction, Numerical Recipes' betacf by modified Lentz). */
double jn_betai(double a, double b, double x);

/* The Student t distribution function with df > 0 degrees of freedom. */
double jn_pt(double t, double df);

/* Its quantile (R's qt(p, df)), 0 < p < 1, by bisection on jn_pt to the
 * last bits of a double; the quantile of the standard normal when df is
 * infinite (HUGE_VAL). */
double jn_qt(double p, double df);

/*
 * Robust STL with a periodic seasonal, exactly as R's
 *   stl(ts(x, frequency = np), s.window = "periodic", robust = TRUE)
 * with its defaults: s.window 10n+1 with degree 0, t.window the next odd
 * integer to 1.5 np / (1 - 1.5 / s.window), l.window the next odd to np,
 * t and l degree 1, jumps the windows / 10 rounded up, 1 inner and 15
 * outer (robustness) iterations; then R's final step: the seasonal is the
 * mean of the seasonal at each position of the cycle.  Requires np >= 2
 * and 2 np < n <= 2^27 (R refuses less); returns -1 otherwise (outputs
 * untouched).
 * seasonal and trend receive n values each.
 */
int jn_stl_periodic(const double *x, size_t n, size_t np, double *seasonal,
    double *trend);

/*
 * Rosner's generalized ESD as S-H-ESD runs it on the residual r[0..n):
 * for i = 1..max_outliers, the statistic R_i is the largest
 * |r - median| / mad (signed per dir) among the points not yet removed,
 * that point is removed, and lambda_i = t (n-i) / sqrt((n-i-1+t^2)
 * (n-i+1)) with t the Student t quantile 1 - alpha / (n-i+1) (one-sided)
 * or 1 - alpha / (2 (n-i+1)) (both) on n-i-1 degrees of freedom.  The
 * count of anomalies is the largest i with R_i > lambda_i (not the first
 * i where it fails); the loop stops early when the mad is 0.  Writes the
 * removed indices in order to order[0..max_outliers), R_i to stat and
 * lambda_i to crit (either may be NULL), and returns the count of
 * anomalies: order[0..count) are the anomalies.  max_outliers must be
 * below n - 1.
 */
size_t jn_esd(const double *r, size_t n, size_t max_outliers, double alpha,
    enum jn_anom_dir dir, size_t *order, double *stat, double *crit);

struct jn_anom_opts {
	double alpha;		/* 0.05 */
	double max_anoms;	/* 0.10: at most this fraction flagged */
	enum jn_anom_dir dir;	/* JN_ANOM_BOTH */
	size_t season;		/* points per season (7 for days) */
};

/* One point's verdict. */
struct jn_anom_point {
	double expected;	/* seasonal + median(x) + median(residual) */
	double lower, upper;	/* expected -/+ lambda_1 mad(residual) */
	double score;		/* (x - expected) / mad(residual); 0 if mad 0 */
	int flag;		/* +1 high, -1 low, 0 not an anomaly */
};

/*
 * S-H-ESD on x[0..n): robust periodic STL when n > 2 season (season >=
 * 2), residual x - seasonal - median(x), generalized ESD with at most
 * max(1, trunc(n max_anoms)) outliers (the package raises max_anoms to
 * 1/n); a shorter series is tested the same way on x - median(x)
 * (JN_ANOM_MEDIAN_MAD), and fewer than 3 points are not tested
 * (JN_ANOM_NONE, expected the median, no flags).  Fills out[0..n) and
 * returns the method.
 */
enum jn_anom_method jn_anom_detect(const double *x, size_t n,
    const struct jn_anom_opts *o, struct jn_anom_point *out);

/* The method's name in jwatch's method column. */
const char *jn_anom_method_name(enum jn_anom_method m);

/*
 * Whether a rate k/n differs from the expected rate p0 beyond binomial
 * sampling error, for one of ntests periods looked at: |k/n - p0| > z
 * sqrt(p0 (1-p0) / n), z the normal quantile 1 - alpha / (2 ntests)
 * (Bonferroni: the periods tested are the series' extremes, not one
 * chosen in advance), p0 clamped to [0.5/n, 1 - 0.5/n] so that a pattern
 * of 0 or 1 still has an error.  False when n is 0.
 */
int jn_anom_rate_significant(double k, double n, double p0, double alpha,
    size_t ntests);

/*
 * The same for a count k against an expected count e, with Poisson
 * sampling error: |k - e| > z sqrt(e), e held at 0.5 or more.
 */
int jn_anom_count_significant(double k, double e, double alpha,
    size_t ntests);

/*
 * The same for a mean (a survey score) x against its expected value e,
 * with standard error se: |x - e| > z se.  A se that is not a number
 * (too few answers to know it) is never significant.
 */
int jn_anom_mean_significant(double x, double e, double se, double alpha,
    size_t ntests);

#endif
