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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_few_keys),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
