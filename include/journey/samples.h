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

/* Room for one more value: jn_samples_add's slow path.  Cannot fail. */
void jn_samples_grow(struct jn_samples *s);

/*
 * Add value x.  Cannot fail.  A zeroed struct is empty.  Inline: jpath
 * adds one per move of every path.
 */
static inline void
jn_samples_add(struct jn_samples *s, int64_t x)
{
	if (s->n == s->cap)
		jn_samples_grow(s);
	s->v[s->n++] = x;
}
/* Append from's values to to; from is unchanged.  Cannot fail. */
void jn_samples_merge(struct jn_samples *to, const struct jn_samples *from);
/*
 * Sort the values ascending, as the quantiles below want.  The order
 * they were added in makes no difference.  Cannot fail.
 */
void jn_samples_sort(struct jn_samples *s);
/*
 * Move from's values into to, from left empty: the larger of the two
 * buffers is kept and the smaller one's values appended to it, so that
 * adding up the threads' collections copies the fewest values.  The
 * order of the values changes, which none of the functions below sees.
 * Cannot fail.
 */
void jn_samples_take(struct jn_samples *to, struct jn_samples *from);
/*
 * The quantiles of the values of the np collections p[0..np) taken
 * together, without moving them: out[i] is what jn_samples_quantile
 * would give of them sorted for q[i] (0 <= q[i] <= 1), or, for q[i] ==
 * JN_SAMPLES_MEDIAN, jn_samples_median; NAN when there are no values.
 * The ranks read are found by a histogram of the values over
 * logarithmic buckets (each under 1% of its values wide) and a
 * pass that gathers the few values of the buckets that hold them, again
 * on those until the values are found: a few sequential passes, linear
 * time whatever the values' order or spread.  nq is at most
 * JN_SAMPLES_MAXQ.  Cannot fail.
 */
#define JN_SAMPLES_MAXQ 4
#define JN_SAMPLES_MEDIAN (-1.0)
void jn_samples_quantiles(const struct jn_samples *const *p, size_t np,
    const double *q, size_t nq, double *out);
/*
 * jn_samples_quantiles, and into *mean jn_samples_mean_of the same
 * values (which are at least 0), summed in the quantiles' first pass
 * over a large collection instead of a pass of its own.
 */
void jn_samples_quantiles_mean(const struct jn_samples *const *p,
    size_t np, const double *q, size_t nq, double *out, double *mean);
/* jn_samples_mean of the values of p[0..np) together.  Cannot fail. */
double jn_samples_mean_of(const struct jn_samples *const *p, size_t np);
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
