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

/*
 * Room for one more value.  The first value gets room for itself alone
 * (most of jpath's variants are one path's), the next for 4, then twice
 * as many each time.
 */
void
jn_samples_grow(struct jn_samples *s)
{
	size_t cap = s->cap == 0 ? 1 : s->cap < 4 ? 4 : s->cap * 2;

	if (cap < s->cap || cap > SIZE_MAX / sizeof *s->v)
		jn_out_of_memory();
	s->v = jn_xrealloc(s->v, cap * sizeof *s->v);
	s->cap = cap;
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

void
jn_samples_take(struct jn_samples *to, struct jn_samples *from)
{
	if (from->n > to->n) {
		struct jn_samples t = *to;

		*to = *from;
		*from = t;
	}
	jn_samples_merge(to, from);
	jn_samples_release(from);
}

/*
 * Selection by histogram.  A value x is keyed by u = x with its sign bit
 * flipped (unsigned, in x's order), and u by y = u - the least u, put in
 * one of NBUCKET buckets: y itself below 2^(HBITS + 1), else its octave
 * and the HBITS bits below its leading one, so that a bucket spans
 * under 2^-HBITS of its values and buckets follow y's order.
 */
#define HBITS 7
#define NBUCKET ((64 - HBITS + 1) << HBITS)
#define SIGN (UINT64_C(1) << 63)
/* Up to this many values are sorted by insertion instead. */
#define PICK_SMALL 64

/* The index of y's leading one bit, y > 0. */
static int
top_bit(uint64_t y)
{
#if defined(__GNUC__) || defined(__clang__)
	return 63 - __builtin_clzll(y);
#else
	int e = 0;

	while (y >>= 1)
		e++;
	return e;
#endif
}

static unsigned
bucket(uint64_t y)
{
	int e;

	if (y < UINT64_C(2) << HBITS)
		return (unsigned)y;
	e = top_bit(y);
	return ((unsigned)(e - HBITS + 1) << HBITS) +
	    (unsigned)(y >> (e - HBITS) & ((1u << HBITS) - 1));
}

/* The least y of bucket b. */
static uint64_t
bucket_low(unsigned b)
{
	int e;

	if (b < 2u << HBITS)
		return b;
	e = (int)(b >> HBITS) + HBITS - 1;
	return (uint64_t)((1u << HBITS) + (b & ((1u << HBITS) - 1))) <<
	    (e - HBITS);
}

/* A run of values: one collection, or values gathered. */
struct run {
	const int64_t *v;
	size_t n;
};

/*
 * The 128-bit sum of values of 0 and more, when pick's first pass made
 * it (done).
 */
struct sum {
	uint64_t lo, hi;
	int done;
};

/* A bucket that holds ranks pick reads. */
struct group {
	unsigned b;		/* the bucket */
	size_t first, end;	/* its ranks, r[first..end) */
	size_t cum, m;		/* values before it, in it */
	uint64_t blo, span;	/* its values' y, blo + [0, span] */
	int64_t *g;		/* its values, gathered */
	size_t ng;		/* how many */
};

/* The values of runs p[0..np) whose y (lo's) fall in a's bucket, or b's. */
static void
gather2(const struct run *p, size_t np, uint64_t lo, struct group *a,
    struct group *b)
{
	int64_t *ga = a->g, *gb = b != NULL ? b->g : NULL;
	uint64_t la = a->blo, sa = a->span, lb = 0, sb = 0;
	size_t na = 0, nb = 0, i, j;

	if (b != NULL) {
		lb = b->blo;
		sb = b->span;
	}
	for (i = 0; i < np; i++)
		for (j = 0; j < p[i].n; j++) {
			int64_t v = p[i].v[j];
			uint64_t y = ((uint64_t)v ^ SIGN) - lo;

			ga[na] = v;
			na += y - la <= sa;
			if (gb != NULL) {
				gb[nb] = v;
				nb += y - lb <= sb;
			}
		}
	a->ng = na;
	if (b != NULL)
		b->ng = nb;
}

/*
 * The values of ranks r[0..nr) (ascending, distinct, below n, the
 * values' count) of the values of runs p[0..np) into out[0..nr).  hist
 * has room for NBUCKET counts.  At the top (top set), values are first
 * taken to be at least 0 (times are), so that y = x needs no pass for
 * the least; a negative value met sends the count back to the least
 * and the greatest.  A value's bucket is then within the histogram
 * either way.
 */
static void
pick(const struct run *p, size_t np, size_t n, const size_t *r, size_t nr,
    int64_t *out, uint32_t *hist, int top, struct sum *sum)
{
	uint64_t lo = UINT64_MAX, hi = 0, any = 0;
	size_t i, j, k, cum, b, ng, x, ngat;
	unsigned nb;
	struct group grp[2 * JN_SAMPLES_MAXQ], *gat[2 * JN_SAMPLES_MAXQ];

	if (n <= PICK_SMALL) {
		int64_t v[PICK_SMALL] = { 0 };

		for (i = k = 0; i < np; i++)
			for (j = 0; j < p[i].n; j++) {
				int64_t y = p[i].v[j];

				for (b = k++; b > 0 && v[b - 1] > y; b--)
					v[b] = v[b - 1];
				v[b] = y;
			}
		for (i = 0; i < nr; i++)
			out[i] = v[r[i]];
		return;
	}
	if (top) {
		uint64_t slo = 0, shi = 0;

		/* y = x: lo is 0's key, hi the largest y there can be */
		lo = SIGN;
		hi = UINT64_MAX;
		nb = NBUCKET;
		memset(hist, 0, nb * sizeof *hist);
		for (i = 0; i < np; i++)
			for (j = 0; j < p[i].n; j++) {
				uint64_t u = (uint64_t)p[i].v[j];

				any |= u;
				hist[bucket(u)]++;
				slo += u;
				shi += slo < u;
			}
		if (!(any & SIGN)) {
			sum->lo = slo;
			sum->hi = shi;
			sum->done = 1;
			goto counted;
		}
		lo = UINT64_MAX;
		hi = 0;
	}
	for (i = 0; i < np; i++)
		for (j = 0; j < p[i].n; j++) {
			uint64_t u = (uint64_t)p[i].v[j] ^ SIGN;

			lo = u < lo ? u : lo;
			hi = u > hi ? u : hi;
		}
	if (lo == hi) {
		for (i = 0; i < nr; i++)
			out[i] = (int64_t)(lo ^ SIGN);
		return;
	}
	nb = bucket(hi - lo) + 1;
	memset(hist, 0, nb * sizeof *hist);
	for (i = 0; i < np; i++)
		for (j = 0; j < p[i].n; j++)
			hist[bucket(((uint64_t)p[i].v[j] ^ SIGN) - lo)]++;
counted:
	/*
	 * The buckets that hold the ranks, each with the ranks in it (first
	 * the counts, which a call below reuses), then the values of those
	 * that hold more than one value gathered, in one pass, and each
	 * one's ranks picked among its values.
	 */
	for (i = 0, b = 0, cum = 0, ng = 0; i < nr; i = k, ng++) {
		while (cum + hist[b] <= r[i])
			cum += hist[b++];
		for (k = i; k < nr && r[k] < cum + hist[b]; k++)
			;
		grp[ng].b = (unsigned)b;
		grp[ng].first = i;
		grp[ng].end = k;
		grp[ng].cum = cum;
		grp[ng].m = hist[b];
	}
	for (x = 0, ngat = 0; x < ng; x++) {
		uint64_t blo = bucket_low(grp[x].b), bhi;

		bhi = grp[x].b + 1 < nb ? bucket_low(grp[x].b + 1) - 1 :
		    hi - lo;
		if (blo == bhi) {
			for (j = grp[x].first; j < grp[x].end; j++)
				out[j] = (int64_t)((lo + blo) ^ SIGN);
			continue;
		}
		grp[x].blo = blo;
		grp[x].span = bhi - blo;
		grp[x].g = jn_xmalloc((grp[x].m + 1) * sizeof *grp[x].g);
		grp[x].ng = 0;
		gat[ngat++] = &grp[x];
	}
	/*
	 * The values in each [blo, bhi]: a store each, kept or not; two
	 * buckets (a median's and a p90's) in one pass, others one each.
	 */
	if (ngat == 2)
		gather2(p, np, lo, gat[0], gat[1]);
	for (x = 0; ngat != 2 && x < ngat; x++)
		gather2(p, np, lo, gat[x], NULL);
	for (x = 0; x < ngat; x++) {
		size_t sub[2 * JN_SAMPLES_MAXQ];
		struct run sr;

		assert(gat[x]->ng == gat[x]->m);
		for (j = gat[x]->first; j < gat[x]->end; j++)
			sub[j - gat[x]->first] = r[j] - gat[x]->cum;
		/* their spread is under 2^-HBITS of this one's */
		sr.v = gat[x]->g;
		sr.n = gat[x]->m;
		pick(&sr, 1, sr.n, sub, gat[x]->end - gat[x]->first,
		    out + gat[x]->first, hist, 0, NULL);
		free(gat[x]->g);
	}
}

void
jn_samples_quantiles(const struct jn_samples *const *p, size_t np,
    const double *q, size_t nq, double *out)
{
	jn_samples_quantiles_mean(p, np, q, nq, out, NULL);
}

void
jn_samples_quantiles_mean(const struct jn_samples *const *p, size_t np,
    const double *q, size_t nq, double *out, double *mean)
{
	struct sum sum = { 0, 0, 0 };
	size_t r[2 * JN_SAMPLES_MAXQ] = { 0 }, nr = 0, i, j, n = 0, x;
	size_t lr[2] = { 0, 0 };
	int64_t val[2 * JN_SAMPLES_MAXQ] = { 0 };
	struct run *runs, one = { NULL, 0 };
	uint32_t *hist = NULL;

	assert(nq <= JN_SAMPLES_MAXQ);
	/* one value (most of jpath's variants): every quantile is it */
	if (np == 1 && p[0]->n == 1) {
		for (i = 0; i < nq; i++)
			out[i] = (double)p[0]->v[0];
		if (mean != NULL)
			*mean = jn_samples_mean_of(p, np);
		return;
	}
	runs = np == 1 ? &one : jn_xmalloc((np + 1) * sizeof *runs);
	for (i = 0; i < np; i++) {
		runs[i].v = p[i]->v;
		runs[i].n = p[i]->n;
		n += p[i]->n;
	}
	if (n == 0) {
		for (i = 0; i < nq; i++)
			out[i] = NAN;
		if (mean != NULL)
			*mean = NAN;
		if (runs != &one)
			free(runs);
		return;
	}
	/* the ranks each quantile reads, as jn_samples_median/quantile */
	for (i = 0; i < nq; i++) {
		if (q[i] == JN_SAMPLES_MEDIAN) {
			r[nr++] = n / 2;
			if (n % 2 == 0)
				r[nr++] = n / 2 - 1;
			continue;
		}
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
	nr = j;
	if (n > UINT32_MAX) {
		/* more than the counts hold: one sorted copy */
		struct jn_samples all = { NULL, 0, 0 };

		for (i = 0; i < np; i++)
			jn_samples_merge(&all, p[i]);
		jn_samples_sort(&all);
		for (i = 0; i < nr; i++)
			val[i] = all.v[r[i]];
		jn_samples_release(&all);
	} else {
		if (n > PICK_SMALL)
			hist = jn_xmalloc(NBUCKET * sizeof *hist);
		pick(runs, np, n, r, nr, val, hist, 1, &sum);
	}
	free(hist);
	if (runs != &one)
		free(runs);
	/* as jn_samples_mean_of, from the sum when the first pass made it */
	if (mean != NULL)
		*mean = sum.done ? ((double)sum.hi * 18446744073709551616.0 +
		    (double)sum.lo) / (double)n : jn_samples_mean_of(p, np);
	/* each quantile from its ranks' values, as from the sorted values */
	for (i = 0; i < nq; i++) {
		size_t nl = 0;
		double rank, y;

		if (q[i] == JN_SAMPLES_MEDIAN) {
			lr[nl++] = n % 2 ? n / 2 : n / 2 - 1;
			if (n % 2 == 0)
				lr[nl++] = n / 2;
		} else {
			lr[nl++] = low_rank(n, q[i]);
			if (lr[0] + 1 < n)
				lr[nl++] = lr[0] + 1;
		}
		for (j = 0; j < nl; j++) {
			for (x = 0; x + 1 < nr && r[x] != lr[j]; x++)
				;
			assert(r[x] == lr[j]);
			lr[j] = x;	/* now its index in val */
		}
		if (q[i] == JN_SAMPLES_MEDIAN) {
			out[i] = nl == 1 ? (double)val[lr[0]] :
			    ((double)val[lr[0]] + (double)val[lr[1]]) / 2;
			continue;
		}
		rank = q[i] * (double)(n - 1);
		y = (double)val[lr[0]];
		if (nl == 2)
			y += (rank - (double)low_rank(n, q[i])) *
			    ((double)val[lr[1]] - y);
		out[i] = y;
	}
}

double
jn_samples_mean_of(const struct jn_samples *const *p, size_t np)
{
	uint64_t hi = 0, lo = 0, x;
	size_t i, j, n = 0;

	/* as jn_samples_mean: the exact 128-bit sum, any order */
	for (i = 0; i < np; i++)
		for (j = 0; j < p[i]->n; j++) {
			assert(p[i]->v[j] >= 0);
			x = (uint64_t)p[i]->v[j];
			lo += x;
			hi += lo < x;
			n++;
		}
	if (n == 0)
		return NAN;
	return ((double)hi * 18446744073709551616.0 + (double)lo) /
	    (double)n;
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
