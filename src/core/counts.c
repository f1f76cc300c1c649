/*
 * Multisets of 64-bit keys (see include/journey/counts.h): a hash table
 * with linear probing for distinct keys, a list sorted by radix
 * (jn_sort_u64) and counted in one pass, and settled arrays merged in
 * one pass.
 */
#include "journey/counts.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "journey/group.h"

#define EMPTY UINT64_MAX

static struct jn_count *
slot(const struct jn_counts *c, uint64_t key)
{
	uint64_t h = key * UINT64_C(0x9e3779b97f4a7c15);
	size_t i = (size_t)(h ^ h >> 32) & (c->tablecap - 1);

	while (c->table[i].key != EMPTY && c->table[i].key != key)
		i = (i + 1) & (c->tablecap - 1);
	return &c->table[i];
}

void
jn_counts_add(struct jn_counts *c, uint64_t key, uint64_t count)
{
	struct jn_count *e;
	size_t i;

	assert(key != EMPTY);
	if (2 * (c->ntable + 1) > c->tablecap) {
		struct jn_count *old = c->table;
		size_t oldcap = c->tablecap;

		c->tablecap = oldcap ? 2 * oldcap : 64;
		c->table = jn_xmalloc(c->tablecap * sizeof *c->table);
		for (i = 0; i < c->tablecap; i++)
			c->table[i].key = EMPTY;
		for (i = 0; i < oldcap; i++)
			if (old[i].key != EMPTY)
				*slot(c, old[i].key) = old[i];
		free(old);
	}
	e = slot(c, key);
	if (e->key == EMPTY) {
		e->key = key;
		e->count = 0;
		c->ntable++;
	}
	e->count += count;
}

/* Add the settled b[0..nb) to c->sorted, in one merging pass. */
static void
merge_sorted(struct jn_counts *c, const struct jn_count *b, size_t nb)
{
	const struct jn_count *a = c->sorted;
	size_t i = 0, j = 0, n = 0, na = c->nsorted;
	struct jn_count *m;

	if (nb == 0)
		return;
	m = jn_xmalloc((na + nb) * sizeof *m);
	while (i < na || j < nb) {
		if (j == nb || (i < na && a[i].key < b[j].key)) {
			m[n++] = a[i++];
		} else if (i == na || b[j].key < a[i].key) {
			m[n++] = b[j++];
		} else {
			m[n] = a[i++];
			m[n++].count += b[j++].count;
		}
	}
	free(c->sorted);
	c->sorted = m;
	c->nsorted = n;
}

static int
count_cmp(const void *pa, const void *pb)
{
	const struct jn_count *a = pa, *b = pb;

	return a->key < b->key ? -1 : a->key > b->key;
}

void
jn_counts_settle(struct jn_counts *c)
{
	struct jn_count *e;
	size_t i, n = 0;

	if (c->nkeys > 0) {
		jn_sort_u64(c->keys, c->nkeys);
		e = jn_xmalloc(c->nkeys * sizeof *e);
		for (i = 0; i < c->nkeys; i++) {
			if (i == 0 || c->keys[i] != c->keys[i - 1])
				e[n++] = (struct jn_count){ c->keys[i], 0 };
			e[n - 1].count++;
		}
		merge_sorted(c, e, n);
		free(e);
	}
	free(c->keys);
	c->keys = NULL;
	c->nkeys = c->keycap = 0;
	if (c->ntable > 0) {
		e = jn_xmalloc(c->ntable * sizeof *e);
		for (i = 0, n = 0; i < c->tablecap; i++)
			if (c->table[i].key != EMPTY)
				e[n++] = c->table[i];
		qsort(e, n, sizeof *e, count_cmp);
		merge_sorted(c, e, n);
		free(e);
	}
	free(c->table);
	c->table = NULL;
	c->ntable = c->tablecap = 0;
}

void
jn_counts_merge(struct jn_counts *to, struct jn_counts *from)
{
	jn_counts_settle(to);
	jn_counts_settle(from);
	merge_sorted(to, from->sorted, from->nsorted);
	jn_counts_release(from);
}

uint64_t
jn_counts_nth(const struct jn_count *e, size_t n, uint64_t k)
{
	size_t i;

	assert(n > 0);
	for (i = 0; i + 1 < n && k >= e[i].count; i++)
		k -= e[i].count;
	return e[i].key;
}

void
jn_counts_release(struct jn_counts *c)
{
	free(c->table);
	free(c->keys);
	free(c->sorted);
	memset(c, 0, sizeof *c);
}
