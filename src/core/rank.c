/*
 * Quintile scores and the RFM grid (see include/journey/rank.h).
 */
#include "journey/rank.h"

#include <stdlib.h>

#include "journey/util.h"

struct keyed {
	double key;
	uint32_t i;
};

static int
keyed_cmp(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

void
jn_quintiles(const double *key, size_t n, const uint8_t *use,
    uint8_t *score, size_t stride)
{
	struct keyed *k = jn_xmalloc((n + 1) * sizeof *k);
	size_t i, m = 0, first = 0;

	for (i = 0; i < n; i++)
		if (use == NULL || use[i]) {
			k[m].key = key[i];
			k[m++].i = (uint32_t)i;
		}
	qsort(k, m, sizeof *k, keyed_cmp);
	for (i = 0; i < m; i++) {
		if (i > 0 && k[i].key != k[i - 1].key)
			first = i;
		score[(size_t)k[i].i * stride] = (uint8_t)(1 + 5 * first / m);
	}
	free(k);
}

/* Rows: R from 5 down to 1; columns: F from 1 up to 5. */
static const char *const rfm_grid[5][5] = {
	{ "new customers", "potential loyalists", "potential loyalists",
	  "champions", "champions" },
	{ "promising", "potential loyalists", "potential loyalists",
	  "champions", "champions" },
	{ "about to sleep", "about to sleep", "need attention", "loyal",
	  "loyal" },
	{ "hibernating", "hibernating", "at risk", "at risk", "at risk" },
	{ "hibernating", "hibernating", "at risk", "can't lose them",
	  "can't lose them" },
};

const char *
jn_rfm_segment(int r, int f)
{
	if (r < 1 || r > 5 || f < 1 || f > 5)
		return "hibernating";
	return rfm_grid[5 - r][f - 1];
}
