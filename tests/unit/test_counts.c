/*
 * Tests of multisets of 64-bit keys: the table, the list and both at once
 * settle to the distinct keys in order with their counts, whatever the
 * order of adding; settled multisets merge to the multiset of both;
 * jn_counts_nth walks the counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/counts.h"

#define NKEYS 500

/* Expected counts per key k < NKEYS, keys spread as k * 2^40 + k. */
static uint64_t
key_of(size_t k)
{
	return (uint64_t)k << 40 | k;
}

static void
check(const struct jn_counts *c, const uint64_t *want)
{
	size_t i, k, n = 0;

	for (k = 0; k < NKEYS; k++)
		n += want[k] > 0;
	assert_int_equal(c->nsorted, n);
	for (i = 0, k = 0; i < c->nsorted; i++, k++) {
		while (want[k] == 0)
			k++;
		assert_true(c->sorted[i].key == key_of(k));
		assert_int_equal(c->sorted[i].count, want[k]);
	}
}

/* Values added at random to a (push or add, alternately), and b. */
static void
fill(struct jn_counts *c, uint64_t *want, uint64_t seed, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t k;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (size_t)(seed >> 33) % NKEYS;
		if (i % 3 == 0) {
			jn_counts_add(c, key_of(k), 2);
			want[k] += 2;
		} else {
			jn_counts_push(c, key_of(k));
			want[k]++;
		}
	}
}

static void
test_settle(void **state)
{
	struct jn_counts c;
	uint64_t want[NKEYS] = { 0 };

	(void)state;
	memset(&c, 0, sizeof c);
	jn_counts_settle(&c);	/* empty */
	assert_int_equal(c.nsorted, 0);
	fill(&c, want, 1, 20000);
	jn_counts_settle(&c);
	check(&c, want);
	fill(&c, want, 2, 300);	/* more after settling */
	jn_counts_settle(&c);
	check(&c, want);
	jn_counts_release(&c);
}

static void
test_merge(void **state)
{
	struct jn_counts a, b;
	uint64_t want[NKEYS] = { 0 };

	(void)state;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	fill(&a, want, 3, 5000);
	fill(&b, want, 4, 7000);
	jn_counts_merge(&a, &b);
	check(&a, want);
	assert_int_equal(b.nsorted, 0);
	jn_counts_release(&a);
}

static void
test_nth(void **state)
{
	const struct jn_count e[] = { { 10, 2 }, { 20, 1 }, { 30, 3 } };

	(void)state;
	assert_true(jn_counts_nth(e, 3, 0) == 10);
	assert_true(jn_counts_nth(e, 3, 1) == 10);
	assert_true(jn_counts_nth(e, 3, 2) == 20);
	assert_true(jn_counts_nth(e, 3, 3) == 30);
	assert_true(jn_counts_nth(e, 3, 5) == 30);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settle),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_nth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
