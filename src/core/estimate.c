/*
 * Stratified difference of two proportions with a normal-approximation
 * interval (Wald, strata independent), for jfriction's revenue at risk.
 * The formulas are the header's; jfriction(1) states them for users.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "journey/estimate.h"

#define Z95 1.959963984540054

void
jn_estimate_strata(const struct jn_stratum *s, size_t n,
    struct jn_estimate *e)
{
	uint64_t na = 0, xa = 0, cov = 0;
	double rb = 0, gap = 0, var = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		na += s[i].n_a;
		xa += s[i].x_a;
		if (s[i].n_a > 0 && s[i].n_b > 0)
			cov += s[i].n_a;
	}
	e->n_a = na;
	e->covered = cov;
	e->rate_a = na ? (double)xa / (double)na : NAN;
	e->rate_b = NAN;
	e->gap = e->se = e->lo = e->hi = 0;
	if (cov == 0)
		return;
	for (i = 0; i < n; i++) {
		double w, pa, pb;

		if (s[i].n_a == 0 || s[i].n_b == 0)
			continue;
		w = (double)s[i].n_a / (double)cov;
		pa = (double)s[i].x_a / (double)s[i].n_a;
		pb = (double)s[i].x_b / (double)s[i].n_b;
		rb += w * pb;
		gap += w * (pb - pa);
		var += w * w * (pb * (1 - pb) / (double)s[i].n_b +
		    pa * (1 - pa) / (double)s[i].n_a);
	}
	e->rate_b = rb;
	e->gap = gap;
	e->se = sqrt(var);
	e->lo = gap - Z95 * e->se;
	e->hi = gap + Z95 * e->se;
}

double
jn_estimate_excess(const struct jn_stratum *s, const uint64_t *c_a,
    const uint64_t *c_b, size_t n)
{
	double ex = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		ex += (double)c_a[i];
		if (s[i].n_a > 0 && s[i].n_b > 0)
			ex -= (double)s[i].n_a * (double)c_b[i] /
			    (double)s[i].n_b;
	}
	return ex;
}
