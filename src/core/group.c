/*
 * In-place grouping by key (see include/journey/group.h).  A one-pass
 * cycle-leader counting sort over a million keys jumps to a random place
 * for every record; splitting the work into a pass over at most 4096
 * buckets (each of which then fits in cache) and a pass inside each bucket
 * keeps the memory traffic sequential.
 */
#include "journey/group.h"

#include <stdlib.h>
#include <string.h>

#include "journey/util.h"

#define MAX_BUCKETS 4096
#define MAX_RECORD 64

static uint32_t
key_of(const char *rec, size_t key_off)
{
	uint32_t k;

	memcpy(&k, rec + key_off, sizeof k);
	return k;
}

/*
 * Cycle-leader pass over records [lo, hi): class c of a record is
 * key >> shift (minus first); next[c] is where the next record of class c
 * goes, end[c] where class c ends.
 */
static void
permute(char *base, size_t size, size_t key_off, unsigned shift,
    uint32_t first, size_t *next, const size_t *end, size_t nclass)
{
	char tmp[MAX_RECORD], cur[MAX_RECORD];
	size_t c;

	for (c = 0; c < nclass; c++) {
		while (next[c] < end[c]) {
			size_t at = next[c];
			uint32_t k;

			memcpy(cur, base + at * size, size);
			k = (key_of(cur, key_off) >> shift) - first;
			if (k == c) {
				next[c]++;
				continue;
			}
			/* carry cur to its class, taking what was there */
			while (k != c) {
				size_t to = next[k]++;

				memcpy(tmp, base + to * size, size);
				memcpy(base + to * size, cur, size);
				memcpy(cur, tmp, size);
				k = (key_of(cur, key_off) >> shift) - first;
			}
			memcpy(base + at * size, cur, size);
			next[c]++;
		}
	}
}

size_t *
jn_group_by_key(void *base, size_t n, size_t size, size_t key_off,
    size_t nkeys)
{
	char *b = base;
	size_t *start = jn_xcalloc(nkeys + 2, sizeof *start);
	size_t *next, *end, i, k, nbuckets;
	unsigned shift = 0;

	if (size > MAX_RECORD)
		abort();
	for (i = 0; i < n; i++)
		start[key_of(b + i * size, key_off) + 1]++;
	for (k = 0; k < nkeys; k++)
		start[k + 1] += start[k];
	if (n == 0 || nkeys == 0)
		return start;
	while ((nkeys - 1) >> shift >= MAX_BUCKETS)
		shift++;
	nbuckets = ((nkeys - 1) >> shift) + 1;
	next = jn_xmalloc((nkeys + nbuckets + 1) * sizeof *next);
	end = jn_xmalloc((nkeys + nbuckets + 1) * sizeof *end);
	if (shift == 0) {
		/* few keys: one pass */
		memcpy(next, start, nkeys * sizeof *next);
		memcpy(end, start + 1, nkeys * sizeof *end);
		permute(b, size, key_off, 0, 0, next, end, nkeys);
		free(next);
		free(end);
		return start;
	}
	{
		/* pass 1: buckets of 2^shift keys */
		for (k = 0; k < nbuckets; k++) {
			size_t hi = (k + 1) << shift;

			next[k] = start[k << shift];
			end[k] = start[hi < nkeys ? hi : nkeys];
		}
		permute(b, size, key_off, shift, 0, next, end, nbuckets);
	}
	/* pass 2: keys inside each bucket */
	for (k = 0; k < nbuckets; k++) {
		size_t lo = k << shift, hi = (k + 1) << shift, j;

		if (hi > nkeys)
			hi = nkeys;
		for (j = lo; j < hi; j++) {
			next[j - lo] = start[j];
			end[j - lo] = start[j + 1];
		}
		permute(b, size, key_off, 0, (uint32_t)lo, next, end, hi - lo);
	}
	free(next);
	free(end);
	return start;
}
