/*
 * Tests of in-place grouping by key: every record lands in its key's
 * range, nothing is lost or duplicated, for few keys (one pass) and many
 * (two passes), empty input and records of several sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/group.h"

struct rec {
	uint64_t payload;
	uint32_t key;
	uint32_t id;
};

static void
check(size_t n, size_t nkeys)
{
	struct rec *r = malloc((n + 1) * sizeof *r);
	unsigned char *seen = calloc(n + 1, 1);
	uint64_t x = 12345;
	size_t *start, i, k;

	for (i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		r[i].key = (uint32_t)((x >> 33) % nkeys);
		r[i].id = (uint32_t)i;
		r[i].payload = (uint64_t)r[i].key * 1000003 + i;
	}
	start = jn_group_by_key(r, n, sizeof *r, offsetof(struct rec, key),
	    nkeys);
	assert_int_equal(start[0], 0);
	assert_int_equal(start[nkeys], n);
	for (k = 0; k < nkeys; k++)
		for (i = start[k]; i < start[k + 1]; i++) {
			assert_int_equal(r[i].key, k);
			assert_int_equal(r[i].payload,
			    (uint64_t)k * 1000003 + r[i].id);
			assert_false(seen[r[i].id]);
			seen[r[i].id] = 1;
		}
	free(start);
	free(seen);
	free(r);
}

static void
test_few_keys(void **state)
{
	(void)state;
	check(1000, 1);
	check(1000, 7);
	check(5000, 4096);
}

static void
test_many_keys(void **state)
{
	(void)state;
	check(200000, 4097);
	check(300000, 100000);
	check(1000, 1000000);	/* more keys than records */
}

static void
test_empty(void **state)
{
	size_t *start;

	(void)state;
	start = jn_group_by_key(NULL, 0, 16, 0, 3);
	assert_int_equal(start[3], 0);
	free(start);
	check(0, 5);
}

/* A record of 24 bytes: a time, a tie key, an id to tell copies apart. */
struct trec {
	int64_t ts;
	uint32_t tie, id;
	uint64_t pad;
};

static int
tie_cmp(const void *pa, const void *pb)
{
	const struct trec *a = pa, *b = pb;

	return a->tie < b->tie ? -1 : a->tie > b->tie;
}

/* (time, tie, id): the total order jn_sort_by_time must give here. */
static int
full_cmp(const void *pa, const void *pb)
{
	const struct trec *a = pa, *b = pb;
	int c;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if ((c = tie_cmp(a, b)) != 0)
		return c;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* By time alone. */
static int
time_cmp(const void *pa, const void *pb)
{
	const struct trec *a = pa, *b = pb;

	return a->ts < b->ts ? -1 : a->ts > b->ts;
}

static int
u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

/*
 * Against qsort: times spread wide or over few values (ties), negative
 * and positive, few and many records; shuffled, in order already (shape
 * 1), or in order but for the last two records swapped (shape 2) or
 * the first and the middle one (shape 3), or as 3, 16 or 17 runs each in
 * order (shapes 4 to 6), or as two runs, a third and the rest (shape 7,
 * as a unit of -j 2 comes).  Ids rise with input
 * position, so that ties on (time, tie) keep input order in both sorts.
 */
static void
check_time_sort(size_t n, int64_t spread, int with_tie, int shape)
{
	struct trec *a = malloc((n + 1) * sizeof *a);
	struct trec *b = malloc((n + 1) * sizeof *b);
	uint64_t x = n * 7 + (uint64_t)spread;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		a[i].ts = (int64_t)(x >> 20) % spread - spread / 2;
		a[i].tie = (uint32_t)(x >> 8) % 5;
		a[i].id = (uint32_t)i;
		a[i].pad = x;
	}
	if (shape == 7) {
		qsort(a, n / 3, sizeof *a, with_tie ? full_cmp : time_cmp);
		qsort(a + n / 3, n - n / 3, sizeof *a, with_tie ? full_cmp :
		    time_cmp);
		for (i = 0; i < n; i++)
			a[i].id = (uint32_t)i;
	} else if (shape >= 4) {
		/* runs in order, as -j's reading threads hand them over: 3,
		 * 16 (the most merged) or 17 (sorted by radix) */
		size_t runs = shape == 4 ? 3 : shape == 5 ? 16 : 17, r;

		for (r = 0; r < runs; r++)
			qsort(a + n * r / runs, n * (r + 1) / runs - n * r /
			    runs, sizeof *a, with_tie ? full_cmp : time_cmp);
		for (i = 0; i < n; i++)
			a[i].id = (uint32_t)i;
	} else if (shape > 0 && n >= 2) {
		struct trec t;
		size_t p = shape == 2 ? n - 2 : 0, q = shape == 2 ? n - 1 :
		    n / 2;

		qsort(a, n, sizeof *a, with_tie ? full_cmp : time_cmp);
		if (shape > 1) {
			t = a[p];
			a[p] = a[q];
			a[q] = t;
		}
		for (i = 0; i < n; i++)
			a[i].id = (uint32_t)i;
	}
	memcpy(b, a, n * sizeof *a);
	jn_sort_by_time(a, n, sizeof *a, with_tie ? tie_cmp : NULL);
	qsort(b, n, sizeof *b, full_cmp);
	for (i = 0; i < n; i++) {
		assert_int_equal(a[i].ts, b[i].ts);
		if (with_tie) {
			assert_int_equal(a[i].tie, b[i].tie);
			assert_int_equal(a[i].id, b[i].id);
			assert_int_equal(a[i].pad, b[i].pad);
		}
	}
	free(a);
	free(b);
}

static void
test_sort_by_time(void **state)
{
	size_t sizes[] = { 0, 1, 2, 3, 10, 33, 63, 64, 65, 200, 5000, 20000 };
	int64_t spreads[] = { 1, 3, 1000, INT64_C(1) << 40,
		INT64_MAX / 2 };
	size_t i, j;
	int k;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof *sizes; i++)
		for (j = 0; j < sizeof spreads / sizeof *spreads; j++)
			for (k = 0; k < 8; k++) {
				check_time_sort(sizes[i], spreads[j], 1, k);
				check_time_sort(sizes[i], spreads[j], 0, k);
			}
}

static void
test_sort_u64(void **state)
{
	size_t sizes[] = { 0, 1, 64, 65, 1000, 40000 }, i, k;
	uint64_t masks[] = { UINT64_MAX, 0xff, UINT64_C(0xffff00000000ffff) };

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof *sizes; i++)
		for (k = 0; k < 3; k++) {
			size_t n = sizes[i], j;
			uint64_t *a = malloc((n + 1) * sizeof *a);
			uint64_t *b = malloc((n + 1) * sizeof *b);
			uint64_t x = n + k;

			for (j = 0; j < n; j++) {
				x = x * 6364136223846793005ULL +
				    1442695040888963407ULL;
				a[j] = b[j] = (x ^ x >> 29) & masks[k];
			}
			jn_sort_u64(a, n);
			qsort(b, n, sizeof *b, u64_cmp);
			for (j = 0; j < n; j++)
				assert_true(a[j] == b[j]);
			free(a);
			free(b);
		}
}

/* jn_time_after against a linear count, ties and ends included. */
static void
test_time_after(void **state)
{
	int64_t t[] = { -5, 0, 0, 3, 3, 3, 9 };
	int64_t probe[] = { -6, -5, 0, 1, 3, 8, 9, 10 };
	size_t i, j, n = sizeof t / sizeof *t;

	(void)state;
	for (i = 0; i < sizeof probe / sizeof *probe; i++) {
		size_t want = 0;

		for (j = 0; j < n; j++)
			want += t[j] <= probe[i];
		assert_int_equal(jn_time_after(t, n, sizeof *t, probe[i]),
		    want);
	}
	assert_int_equal(jn_time_after(t, 0, sizeof *t, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_few_keys),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_sort_by_time),
		cmocka_unit_test(test_sort_u64),
		cmocka_unit_test(test_time_after),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
