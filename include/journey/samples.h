/*
 * Samples: every value of one group kept (the times of one funnel step,
 * of one move between two touchpoints, the durations of one path), so
 * that its median and other quantiles are exact, and two collections of
 * the same group (the threads' of -j, the states of --merge) add up by
 * appending, in any order, to the same result.  Memory: 8 bytes per
 * value, and the struct per group.
 */
#ifndef JOURNEY_SAMPLES_H
#define JOURNEY_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

struct jn_samples {
	int64_t *v;
	size_t n, cap;
};

/* Add value x.  Cannot fail.  A zeroed struct is empty. */
void jn_samples_add(struct jn_samples *s, int64_t x);
/* Append from's values to to; from is unchanged.  Cannot fail. */
void jn_samples_merge(struct jn_samples *to, const struct jn_samples *from);
/*
 * Sort the values ascending, as the quantiles below want.  The order
 * they were added in makes no difference.  Cannot fail.
 */
void jn_samples_sort(struct jn_samples *s);
/*
 * Put in place, as jn_samples_sort would, the values that
 * jn_samples_quantile reads for each of the nq <= JN_SAMPLES_MAXQ
 * quantiles q (0.5 for the median), the others on the side of them
 * they sort to: those quantiles then come out as from the sorted
 * values, at a fraction of a sort's cost (a quickselect, in linear time
 * on average, n log n at worst).  jn_samples_mean reads any order.
 * Cannot fail.
 */
#define JN_SAMPLES_MAXQ 4
void jn_samples_select(struct jn_samples *s, const double *q, size_t nq);
/* Free the values; s is empty again.  Cannot fail. */
void jn_samples_release(struct jn_samples *s);

/*
 * Quantiles of n ascending values v[0..n): the median is the middle
 * value, or the mean of the two middle ones; jn_samples_quantile(q)
 * interpolates linearly between the closest ranks (rank q * (n - 1), R's
 * type 7, as jfriction's p75).  NAN when n is 0.  Cannot fail.
 */
double jn_samples_median(const int64_t *v, size_t n);
double jn_samples_quantile(const int64_t *v, size_t n, double q);
/*
 * The mean of v[0..n), all non-negative, from their exact sum, so that
 * it does not depend on their order.  NAN when n is 0.  Cannot fail.
 */
double jn_samples_mean(const int64_t *v, size_t n);

#endif
