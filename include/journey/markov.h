/*
 * Absorbing Markov chains for attribution (jpath --view attribution):
 * the probability of ending in conversion, and how it falls when a
 * touchpoint is removed (its states lead to the null state instead),
 * computed exactly by direct solves of the absorption equations, never
 * by simulation, so that the same chain always gives the same digits.
 * And the rounding that makes printed credits add up to their total.
 *
 * A chain has n transient states, state 0 the start, and two absorbing
 * states, conversion and null.  It is given by counts of observed
 * transitions: w[i*n+j] from state i to state j, conv[i] from i into
 * conversion, drop[i] from i into null.  State i moves with probability
 * count / (the sum of its row's counts); a state with no count at all
 * is treated as moving to null.
 *
 * The conversion probabilities x solve (I - Q) x = r, Q the transient
 * transition probabilities and r the ones into conversion.  Removing a
 * set S of states makes x_S = 0 with every other row unchanged: with
 * A = I - Q, x' = A^-1 (r - sum over S of d_s e_s), where the d solve
 * (A^-1)_SS d = x_S.  One LU factorization of A (partial pivoting)
 * serves every removal: each costs |S| solves and one |S| x |S| system,
 * not a whole new chain.
 */
#ifndef JOURNEY_MARKOV_H
#define JOURNEY_MARKOV_H

#include <stddef.h>
#include <stdint.h>

struct jn_markov {
	size_t n;		/* transient states, 0 the start */
	double *w;		/* n*n counts between transient states */
	double *conv;		/* n counts into conversion */
	double *drop;		/* n counts into null */
};

/* A chain of n >= 1 states with every count 0 (jn_xcalloc: cannot fail). */
void jn_markov_init(struct jn_markov *m, size_t n);
void jn_markov_release(struct jn_markov *m);

/*
 * Solve the n x n system a x = b in place by Gaussian elimination with
 * partial pivoting: a is destroyed, b becomes x.  Returns 0, or -1 when
 * a is singular (a pivot below 1e-300); cannot fail otherwise.
 */
int jn_markov_gauss(size_t n, double *a, double *b);

/*
 * The probability of conversion from each state into x[0..n).  Returns 0,
 * or -1 when the chain has a closed set of transient states (cannot
 * happen for a chain built from finished paths).  Not reported.
 */
int jn_markov_absorb(const struct jn_markov *m, double *x);

/*
 * The probability of conversion from the start with each of nsets sets
 * of states removed into out[k]; set k is states[off[k]..off[k+1]) (no
 * duplicates, never state 0), and *base gets the probability with
 * nothing removed.  The removal effect of set k is 1 - out[k] / *base.
 * Returns 0, or -1 as jn_markov_absorb (not reported).
 */
int jn_markov_removal(const struct jn_markov *m, size_t nsets,
    const size_t *off, const uint32_t *states, double *out, double *base);

/*
 * Largest-remainder rounding at the 6th decimal: the n shares v[0..n)
 * (adding up to about total_micro / 1e6) as integer millionths in
 * out[0..n) that add up to exactly total_micro: each v[i] * 1e6 is
 * floored, and the millionths left over go one each to the largest
 * remainders (ties to the lower index), or, when the floors overshoot
 * (a share a hair high in floating point), are taken one each from the
 * smallest.  Returns 0, or -1 when every share is 0 and total_micro is
 * not (nothing to give the total to; out all 0).  Not reported.
 */
int jn_round_micro(const double *v, size_t n, int64_t total_micro,
    int64_t *out);

/*
 * The 95% interval of the difference p1 - p2 of two independent
 * proportions x1/n1 and x2/n2 (n1, n2 > 0), by Newcombe's hybrid score
 * method (Statistics in Medicine 17, 1998, method 10): with (l_i, u_i)
 * the Wilson score interval of p_i (z = 1.959964),
 *   lower = d - sqrt((p1 - l1)^2 + (u2 - p2)^2)
 *   upper = d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
 * It stays inside [-1, 1] and behaves at 0 and at n: what jpath's next
 * view gives its lift.  Cannot fail.
 */
void jn_newcombe_diff(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
    double *lower, double *upper);

#endif
