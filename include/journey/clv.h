/*
 * Customer lifetime value: the BG/NBD model of repeat purchases (Fader,
 * Hardie and Lee, "Counting Your Customers the Easy Way", Marketing
 * Science 24(2), 2005) and the Gamma-Gamma model of spend (Fader and
 * Hardie, "The Gamma-Gamma Model of Monetary Value", 2013), fitted by
 * maximum likelihood, and what they predict per customer.  Time is in
 * any unit (jsegment uses weeks), the same for every input.
 */
#ifndef JOURNEY_CLV_H
#define JOURNEY_CLV_H

#include <stddef.h>
#include <stdint.h>

/*
 * One customer: x repeat purchases (purchase days after the first), the
 * time of the last one tx and the time observed T, both from the first
 * purchase (0 <= tx <= T; tx = 0 when x = 0); for Gamma-Gamma, the mean
 * value m of the x repeat purchases.
 */
struct jn_clv_obs {
	double x, tx, T, m;
};

struct jn_bgnbd {
	double r, alpha, a, b;
	double loglik;
};

struct jn_gg {
	double p, q, v;
	double loglik;
};

/* One customer's BG/NBD log-likelihood (FHL 2005, eq. 6). */
double jn_bgnbd_loglik(const struct jn_bgnbd *m, const struct jn_clv_obs *o);

/*
 * Fit BG/NBD to o[0..n) by maximum likelihood: Nelder-Mead over the
 * parameters' logarithms from several starting points, each restarted
 * until it stops improving, within e^-25 to e^25: customers without a
 * repeat purchase (one, or a segment of one-time buyers) take the
 * parameters to that bound, which predicts what they did, no more
 * purchases; the fit does not fail.  Returns 0, or -1 without customers
 * (m untouched then).
 */
int jn_bgnbd_fit(const struct jn_clv_obs *o, size_t n, struct jn_bgnbd *m);

/* The probability that a customer with this history is still alive. */
double jn_bgnbd_p_alive(const struct jn_bgnbd *m, const struct jn_clv_obs *o);

/* Expected purchases in the next t time units (FHL 2005, eq. 10). */
double jn_bgnbd_expected(const struct jn_bgnbd *m, const struct jn_clv_obs *o,
    double t);

/* One repeat buyer's Gamma-Gamma log-likelihood (x > 0, m > 0). */
double jn_gg_loglik(const struct jn_gg *g, const struct jn_clv_obs *o);

/*
 * Fit Gamma-Gamma to the repeat buyers among o[0..n) (x > 0, m > 0).
 * Returns 0, or -1 when there is none (g untouched then).
 */
int jn_gg_fit(const struct jn_clv_obs *o, size_t n, struct jn_gg *g);

/* A customer's expected value per purchase, given the history. */
double jn_gg_expected_spend(const struct jn_gg *g, const struct jn_clv_obs *o);

/* A purchase: its time (ns since the epoch) and value (0 without). */
struct jn_clv_purchase {
	int64_t ts;
	double value;
};

/*
 * A customer's history from its purchases p[0..n) (in any order; sorted
 * here by time, then value) up to and including now: one purchase a day
 * (UTC days; the day's values summed), time in weeks from the first
 * purchase day.  Sets o's x, tx and m (the mean value of the repeat
 * days, summed in that order: the same whatever order p came in) and
 * *first_day (days since the epoch); o->T is jn_clv_observed's.  Returns
 * 0, or -1 when nothing was bought up to now.
 */
int jn_clv_history(struct jn_clv_purchase *p, size_t n, int64_t now,
    struct jn_clv_obs *o, int64_t *first_day);

/* o->T: weeks from first_day to the day of now. */
void jn_clv_observed(struct jn_clv_obs *o, int64_t first_day, int64_t now);

/*
 * Lifetime value over the next horizon weeks: the expected purchases of
 * each 4.348-week month, times the expected spend, discounted at the
 * yearly rate discount ((1 + discount)^-(weeks / 52.18) at the month's
 * end).
 */
double jn_clv_value(const struct jn_bgnbd *m, const struct jn_gg *g,
    const struct jn_clv_obs *o, double horizon, double discount);

/* Gauss's hypergeometric 2F1(a, b; c; z) for 0 <= z < 1, by its series. */
double jn_hyp2f1(double a, double b, double c, double z);

#endif
