/*
 * Stratified comparison of two groups' goal rates: what jfriction prices
 * an item with.  The affected units of an item are compared, stratum by
 * stratum, with the units that reached the same touchpoint without it
 * (the baseline), and the baseline's rates are reweighted to the
 * affected units' mix of strata (direct standardization).  Inputs are
 * integer counts per stratum, so that a tool can merge them exactly;
 * the caller hands the strata over in a fixed order (by the strata's
 * strings), which makes the floating results independent of threads
 * and shards.
 */
#ifndef JOURNEY_ESTIMATE_H
#define JOURNEY_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * One stratum's counts: affected units and those of them that reached
 * the goal, baseline units and those of them that did; and what a
 * conversion is worth in the stratum (its mean value, and the variance
 * of that value), 0 when only the counts matter.
 */
struct jn_stratum {
	uint64_t n_a, x_a, n_b, x_b;
	double worth, worth_var;
};

/*
 * The result.  Only strata with both affected and baseline units count
 * ("covered"); affected units in strata without a baseline unit have
 * nothing to be compared with.
 *   rate_a    x_a / n_a over every stratum (the affected rate, all of it)
 *   rate_b    sum_s w_s * x_b,s / n_b,s, w_s = n_a,s / N (N: covered n_a)
 *   gap       sum_s w_s * (x_b,s / n_b,s - x_a,s / n_a,s): covered only
 *   se        sqrt(sum_s w_s^2 * q_s(1-q_s) * (1/n_b,s + 1/n_a,s)),
 *             q_s = (x_b,s + 1) / (n_b,s + 2): the spread of what the
 *             affected units would have done without the item (their
 *             own outcomes are observed, not estimated)
 *   lo, hi    gap -/+ 1.959964 * se
 *   value     sum_s w_s * worth_s * d_s, d_s = x_b,s / n_b,s - x_a,s /
 *             n_a,s: the value lost per affected unit
 *   value_se  sqrt(sum_s w_s^2 * worth_s^2 * q_s(1-q_s) * (1/n_b,s +
 *             1/n_a,s)): the part of its spread from the conversions
 *   value_var sum_s w_s * |d_s| * worth_var_s: per affected unit, the
 *             variance that the worth of the lost conversions adds (U
 *             units lose about U * sum_s w_s |d_s| conversions, each of
 *             a worth that varies), so that U units' loss U * value has
 *             the standard error sqrt((U * value_se)^2 + U * value_var)
 *   covered   N
 * rate_a and rate_b are NAN without affected units (or, for rate_b,
 * without a covered stratum); gap, se, lo, hi and the values are 0 then.
 */
struct jn_estimate {
	double rate_a, rate_b, gap, se, lo, hi;
	double value, value_se, value_var;
	uint64_t covered, n_a;
};

/* Estimate from s[0..n), in the order given.  Cannot fail. */
void jn_estimate_strata(const struct jn_stratum *s, size_t n,
    struct jn_estimate *e);

/*
 * Excess of a count per unit (support contacts) among affected units
 * over the baseline's, by the same weights: c_a - sum_s n_a,s * c_b,s /
 * n_b,s, over covered strata only (an excess needs something to exceed:
 * without a baseline unit it is 0).  c_a[i] and c_b[i] go with s[i].
 * Cannot fail.
 */
double jn_estimate_excess(const struct jn_stratum *s, const uint64_t *c_a,
    const uint64_t *c_b, size_t n);

#endif
