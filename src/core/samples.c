/*
 * Samples (include/journey/samples.h): the values behind exact medians,
 * jpath's transition times and path durations.  Values are appended as
 * they come and sorted once, by radix (group.h), or, when only a few
 * quantiles are read, partitioned around the ranks they read.
 */
#include "journey/samples.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "journey/group.h"
#include "journey/util.h"

void
jn_samples_add(struct jn_samples *s, int64_t x)
{
	s->v = jn_xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
	s->v[s->n++] = x;
}

void
jn_samples_merge(struct jn_samples *to, const struct jn_samples *from)
{
	if (from->n == 0)
		return;
	to->v = jn_xgrow(to->v, &to->cap, to->n + from->n, sizeof *to->v);
	memcpy(to->v + to->n, from->v, from->n * sizeof *from->v);
	to->n += from->n;
}

void
jn_samples_sort(struct jn_samples *s)
{
	jn_sort_by_time(s->v, s->n, sizeof *s->v, NULL);
}

void
jn_samples_release(struct jn_samples *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* The rank below quantile q of n > 0 values (q * (n - 1), cut). */
static size_t
low_rank(size_t n, double q)
{
	return (size_t)(q * (double)(n - 1));
}

/* Below this many values, a range is sorted by insertion. */
#define SELECT_SMALL 32

static void
swap(int64_t *v, size_t i, size_t j)
{
	int64_t t = v[i];

	v[i] = v[j];
	v[j] = t;
}

/*
 * Put the values of ranks r[0..nr) (ascending, within [lo, hi)) of
 * v[lo..hi) in place: a quickselect with three-way partitions (times
 * repeat), the pivot the median of three, and after depth levels the
 * radix sort of what is left, so that no input makes it quadratic.
 */
static void
select_ranks(int64_t *v, size_t lo, size_t hi, const size_t *r, size_t nr,
    int depth)
{
	while (nr > 0) {
		size_t lt, gt, i, m, k;
		int64_t a, b, c, p;

		if (hi - lo <= SELECT_SMALL) {
			for (i = lo + 1; i < hi; i++) {
				int64_t x = v[i];

				for (k = i; k > lo && v[k - 1] > x; k--)
					v[k] = v[k - 1];
				v[k] = x;
			}
			return;
		}
		if (depth-- == 0) {
			jn_sort_by_time(v + lo, hi - lo, sizeof *v, NULL);
			return;
		}
		m = lo + (hi - lo) / 2;
		a = v[lo];
		b = v[m];
		c = v[hi - 1];
		p = a < b ? (b < c ? b : a < c ? c : a) :
		    (a < c ? a : b < c ? c : b);
		/* [lo, lt) < p, [lt, i) == p, [gt, hi) > p */
		lt = lo;
		gt = hi;
		for (i = lo; i < gt;) {
			if (v[i] < p)
				swap(v, lt++, i++);
			else if (v[i] > p)
				swap(v, i, --gt);
			else
				i++;
		}
		/* ranks below lt, then those at or past gt */
		for (k = 0; k < nr && r[k] < lt; k++)
			;
		for (i = k; i < nr && r[i] < gt; i++)
			;
		if (k > 0 && i < nr) {
			select_ranks(v, lo, lt, r, k, depth);
			lo = gt;
			r += i;
			nr -= i;
		} else if (k > 0) {
			hi = lt;
			nr = k;
		} else {
			lo = gt;
			r += i;
			nr -= i;
		}
	}
}

void
jn_samples_select(struct jn_samples *s, const double *q, size_t nq)
{
	size_t r[2 * JN_SAMPLES_MAXQ], nr = 0, i, j, n = s->n, x;
	int depth = 0;

	assert(nq <= JN_SAMPLES_MAXQ);
	if (n == 0)
		return;
	for (i = 0; i < nq; i++) {
		assert(q[i] >= 0 && q[i] <= 1);
		r[nr++] = low_rank(n, q[i]);
		if (r[nr - 1] + 1 < n) {
			r[nr] = r[nr - 1] + 1;
			nr++;
		}
	}
	/* ascending and distinct */
	for (i = 1; i < nr; i++) {
		x = r[i];
		for (j = i; j > 0 && r[j - 1] > x; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	for (i = j = 0; i < nr; i++)
		if (j == 0 || r[i] != r[j - 1])
			r[j++] = r[i];
	for (x = n; x > 1; x >>= 1)
		depth += 2;
	select_ranks(s->v, 0, n, r, j, depth);
}

double
jn_samples_median(const int64_t *v, size_t n)
{
	if (n == 0)
		return NAN;
	return n % 2 ? (double)v[n / 2] :
	    ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

double
jn_samples_quantile(const int64_t *v, size_t n, double q)
{
	double rank, x;
	size_t a;

	if (n == 0)
		return NAN;
	assert(q >= 0 && q <= 1);
	rank = q * (double)(n - 1);
	a = low_rank(n, q);
	x = (double)v[a];
	if (a + 1 < n)
		x += (rank - (double)a) * ((double)v[a + 1] - x);
	return x;
}

double
jn_samples_mean(const int64_t *v, size_t n)
{
	uint64_t hi = 0, lo = 0, x;
	size_t i;

	if (n == 0)
		return NAN;
	/* a 128-bit sum: exact whatever the values' order */
	for (i = 0; i < n; i++) {
		assert(v[i] >= 0);
		x = (uint64_t)v[i];
		lo += x;
		hi += lo < x;
	}
	return ((double)hi * 18446744073709551616.0 + (double)lo) /
	    (double)n;
}
