/*
 * Stratified difference of two proportions with a normal-approximation
 * interval (Wald, strata independent), for jfriction's revenue at risk.
 * The formulas are the header's; jfriction(1) states them for users.
 * The interval is for the loss on the affected units themselves (their
 * outcomes are observed; those without the item are predicted).
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
	double rb = 0, gap = 0, var = 0, value = 0, vvar = 0, wvar = 0;
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
	e->value = e->value_se = e->value_var = 0;
	if (cov == 0)
		return;
	for (i = 0; i < n; i++) {
		double w, pa, pb, q, v;

		if (s[i].n_a == 0 || s[i].n_b == 0)
			continue;
		w = (double)s[i].n_a / (double)cov;
		pa = (double)s[i].x_a / (double)s[i].n_a;
		pb = (double)s[i].x_b / (double)s[i].n_b;
		rb += w * pb;
		gap += w * (pb - pa);
		/* the affected units' outcomes are seen; what is
		 * estimated is what they would have done without the
		 * item, which the baseline predicts with its own
		 * sampling error plus the units' binomial spread;
		 * (x+1)/(n+2) keeps a stratum of all or none from
		 * claiming no spread at all */
		q = ((double)s[i].x_b + 1) / ((double)s[i].n_b + 2);
		v = q * (1 - q) * (1 / (double)s[i].n_b +
		    1 / (double)s[i].n_a);
		var += w * w * v;
		value += w * s[i].worth * (pb - pa);
		vvar += w * w * s[i].worth * s[i].worth * v;
		wvar += w * fabs(pb - pa) * s[i].worth_var;
	}
	e->rate_b = rb;
	e->gap = gap;
	e->se = sqrt(var);
	e->lo = gap - Z95 * e->se;
	e->hi = gap + Z95 * e->se;
	e->value = value;
	e->value_se = sqrt(vvar);
	e->value_var = wvar;
}

double
jn_estimate_excess(const struct jn_stratum *s, const uint64_t *c_a,
    const uint64_t *c_b, size_t n)
{
	double ex = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i].n_a > 0 && s[i].n_b > 0)
			ex += (double)c_a[i] - (double)s[i].n_a *
			    (double)c_b[i] / (double)s[i].n_b;
	return ex;
}
