/*
 * The exact side of Markov attribution: dense Gaussian elimination with
 * partial pivoting over the absorption equations of a chain of observed
 * transitions, one LU factorization per chain and a few solves per
 * removed touchpoint (markov.h says why that is exact), and the
 * largest-remainder rounding that makes printed credits add up, and the
 * interval of a difference of two proportions (the lift of jpath's next
 * view).  jpath
 * builds the chain from its paths; nothing here knows of events.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "journey/markov.h"
#include "journey/util.h"

#define TINY 1e-300

void
jn_markov_init(struct jn_markov *m, size_t n)
{
	assert(n >= 1);
	m->n = n;
	m->w = jn_xcalloc(n * n, sizeof *m->w);
	m->conv = jn_xcalloc(n, sizeof *m->conv);
	m->drop = jn_xcalloc(n, sizeof *m->drop);
}

void
jn_markov_release(struct jn_markov *m)
{
	free(m->w);
	free(m->conv);
	free(m->drop);
	memset(m, 0, sizeof *m);
}

/*
 * LU factorization of the n x n a in place with row pivots piv: the
 * unit lower triangle below the diagonal, U on and above it.  Returns
 * 0, or -1 when a pivot is below TINY (singular).
 */
static int
lu_factor(size_t n, double *a, size_t *piv)
{
	size_t i, j, k, p;

	for (k = 0; k < n; k++) {
		double best = fabs(a[k * n + k]);

		p = k;
		for (i = k + 1; i < n; i++)
			if (fabs(a[i * n + k]) > best) {
				best = fabs(a[i * n + k]);
				p = i;
			}
		piv[k] = p;
		if (best < TINY)
			return -1;
		if (p != k)
			for (j = 0; j < n; j++) {
				double t = a[k * n + j];

				a[k * n + j] = a[p * n + j];
				a[p * n + j] = t;
			}
		for (i = k + 1; i < n; i++) {
			double l = a[i * n + k] / a[k * n + k];

			a[i * n + k] = l;
			if (l == 0)
				continue;
			for (j = k + 1; j < n; j++)
				a[i * n + j] -= l * a[k * n + j];
		}
	}
	return 0;
}

/* Solve with lu_factor's output: b becomes x.  Cannot fail. */
static void
lu_solve(size_t n, const double *lu, const size_t *piv, double *b)
{
	size_t i, j, k;

	for (k = 0; k < n; k++)
		if (piv[k] != k) {
			double t = b[k];

			b[k] = b[piv[k]];
			b[piv[k]] = t;
		}
	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			b[i] -= lu[i * n + j] * b[j];
	for (i = n; i-- > 0;) {
		for (j = i + 1; j < n; j++)
			b[i] -= lu[i * n + j] * b[j];
		b[i] /= lu[i * n + i];
	}
}

int
jn_markov_gauss(size_t n, double *a, double *b)
{
	size_t *piv;
	int rc;

	if (n == 0)
		return 0;
	piv = jn_xmalloc(n * sizeof *piv);
	rc = lu_factor(n, a, piv);
	if (rc == 0)
		lu_solve(n, a, piv, b);
	free(piv);
	return rc;
}

/* A = I - Q and r of m, row by row: a n*n, r n (caller's). */
static void
build(const struct jn_markov *m, double *a, double *r)
{
	size_t n = m->n, i, j;

	for (i = 0; i < n; i++) {
		double tot = m->conv[i] + m->drop[i];

		for (j = 0; j < n; j++)
			tot += m->w[i * n + j];
		for (j = 0; j < n; j++)
			a[i * n + j] = (i == j) - (tot > 0 ?
			    m->w[i * n + j] / tot : 0);
		r[i] = tot > 0 ? m->conv[i] / tot : 0;
	}
}

int
jn_markov_absorb(const struct jn_markov *m, double *x)
{
	double *a = jn_xmalloc(m->n * m->n * sizeof *a);
	int rc;

	build(m, a, x);
	rc = jn_markov_gauss(m->n, a, x);
	free(a);
	return rc;
}

int
jn_markov_removal(const struct jn_markov *m, size_t nsets,
    const size_t *off, const uint32_t *states, double *out, double *base)
{
	size_t n = m->n, k, i, j, maxs = 0;
	double *a = jn_xmalloc(n * n * sizeof *a);
	double *x = jn_xmalloc(n * sizeof *x);
	size_t *piv = jn_xmalloc(n * sizeof *piv);
	double *col, *nss, *d, *nrow;
	int rc = -1;

	for (k = 0; k < nsets; k++)
		if (off[k + 1] - off[k] > maxs)
			maxs = off[k + 1] - off[k];
	col = jn_xmalloc(n * sizeof *col);
	nss = jn_xmalloc((maxs * maxs + 1) * sizeof *nss);
	d = jn_xmalloc((maxs + 1) * sizeof *d);
	nrow = jn_xmalloc((maxs + 1) * sizeof *nrow);
	build(m, a, x);
	if (lu_factor(n, a, piv) != 0)
		goto out;
	lu_solve(n, a, piv, x);
	*base = x[0];
	for (k = 0; k < nsets; k++) {
		const uint32_t *s = states + off[k];
		size_t ns = off[k + 1] - off[k];
		double p = x[0];

		/* column s[j] of A^-1: its rows in S, and its start row */
		for (j = 0; j < ns; j++) {
			assert(s[j] != 0 && s[j] < n);
			memset(col, 0, n * sizeof *col);
			col[s[j]] = 1;
			lu_solve(n, a, piv, col);
			for (i = 0; i < ns; i++)
				nss[i * ns + j] = col[s[i]];
			nrow[j] = col[0];
			d[j] = x[s[j]];
		}
		if (ns > 0 && jn_markov_gauss(ns, nss, d) != 0)
			goto out;
		for (j = 0; j < ns; j++)
			p -= nrow[j] * d[j];
		/* rounding may leave a hair below 0 or above the base */
		out[k] = p < 0 ? 0 : p > x[0] ? x[0] : p;
	}
	rc = 0;
out:
	free(a);
	free(x);
	free(piv);
	free(col);
	free(nss);
	free(d);
	free(nrow);
	return rc;
}

/* remainder order: largest first, ties to the lower index */
static const double *rem_of;

static int
rem_desc(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	if (rem_of[a] != rem_of[b])
		return rem_of[a] > rem_of[b] ? -1 : 1;
	return (a > b) - (a < b);
}

int
jn_round_micro(const double *v, size_t n, int64_t total_micro,
    int64_t *out)
{
	double *rem;
	size_t *idx, i, k, nonzero = 0;
	int64_t sum = 0, left;

	for (i = 0; i < n; i++)
		nonzero += v[i] != 0;
	if (nonzero == 0) {
		for (i = 0; i < n; i++)
			out[i] = 0;
		return total_micro == 0 ? 0 : -1;
	}
	rem = jn_xmalloc(n * sizeof *rem);
	idx = jn_xmalloc(n * sizeof *idx);
	for (i = 0; i < n; i++) {
		double u = v[i] * 1e6, f = floor(u);

		out[i] = (int64_t)f;
		rem[i] = u - f;
		sum += out[i];
		idx[i] = i;
	}
	rem_of = rem;
	qsort(idx, n, sizeof *idx, rem_desc);
	left = total_micro - sum;
	/* a few millionths: what rounding of the shares left over */
	for (k = 0; left > 0; k = (k + 1) % n, left--)
		out[idx[k]]++;
	for (k = n; left < 0; left++) {
		k = k == 0 ? n - 1 : k - 1;
		out[idx[k]]--;
	}
	rem_of = NULL;
	free(rem);
	free(idx);
	return 0;
}

/* Wilson's score interval of x/n at 95%. */
static void
wilson(uint64_t x, uint64_t n, double *lo, double *hi)
{
	const double z = 1.959964, z2 = z * z;
	double dn = (double)n, dx = (double)x;
	double c = (dx + z2 / 2) / (dn + z2);
	double h = z * sqrt(dx * (dn - dx) / dn + z2 / 4) / (dn + z2);

	*lo = c - h;
	*hi = c + h;
}

void
jn_newcombe_diff(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
    double *lower, double *upper)
{
	double p1 = (double)x1 / (double)n1, p2 = (double)x2 / (double)n2;
	double l1, u1, l2, u2, d = p1 - p2;

	wilson(x1, n1, &l1, &u1);
	wilson(x2, n2, &l2, &u2);
	*lower = d - sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2));
	*upper = d + sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2));
}
