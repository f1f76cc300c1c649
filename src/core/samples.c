/*
 * Samples (include/journey/samples.h): the values behind exact medians,
 * jpath's transition times and path durations.  Values are appended as
 * they come and sorted once, by radix (group.h).
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
	a = (size_t)rank;
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
