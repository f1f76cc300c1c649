/*
 * Multisets of 64-bit keys: what quantiles over many values need, exactly
 * and mergeably (jfriction's load times per touchpoint).  While values
 * arrive a multiset is either a table of distinct keys with their counts
 * (memory grows with distinct keys: streaming, states read back) or a
 * plain list of keys (cheapest to add to; memory grows with values);
 * jn_counts_settle turns both into one array of (key, count) in key
 * order, and two settled multisets add up by a merge of their arrays.
 */
#ifndef JOURNEY_COUNTS_H
#define JOURNEY_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "journey/util.h"

struct jn_count {
	uint64_t key, count;
};

struct jn_counts {
	struct jn_count *table;	/* open addressing; UINT64_MAX empty */
	size_t ntable, tablecap;
	uint64_t *keys;		/* one per value added by jn_counts_push */
	size_t nkeys, keycap;
	struct jn_count *sorted;	/* settled: distinct keys, in order */
	size_t nsorted;
};

/* count values of key (not UINT64_MAX) into the table.  Cannot fail. */
void jn_counts_add(struct jn_counts *c, uint64_t key, uint64_t count);

/* One value of key, onto the list.  Cannot fail. */
static inline void
jn_counts_push(struct jn_counts *c, uint64_t key)
{
	c->keys = jn_xgrow(c->keys, &c->keycap, c->nkeys + 1, sizeof *c->keys);
	c->keys[c->nkeys++] = key;
}

/*
 * Fold the table and the list into c->sorted (what was settled before
 * included), emptying both.  Cannot fail.
 */
void jn_counts_settle(struct jn_counts *c);

/* Settle from and add it to to, settled too.  from is left empty. */
void jn_counts_merge(struct jn_counts *to, struct jn_counts *from);

/* The k-th smallest (from 0) key of the counted e[0..n), n > 0. */
uint64_t jn_counts_nth(const struct jn_count *e, size_t n, uint64_t k);

/* Free everything; a zeroed struct is empty.  Cannot fail. */
void jn_counts_release(struct jn_counts *c);

#endif
