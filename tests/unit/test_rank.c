/*
 * Tests of quintile scores and the RFM grid: edges of each quintile, ties,
 * a single item, no items, skipped items, and every grid corner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "journey/rank.h"

static void
test_edges(void **state)
{
	double key[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	uint8_t s[10];
	int i;

	(void)state;
	jn_quintiles(key, 10, NULL, s, 1);
	/* positions 0-1 score 1, 2-3 score 2, ... 8-9 score 5 */
	for (i = 0; i < 10; i++)
		assert_int_equal(s[i], 1 + i / 2);
}

static void
test_ties(void **state)
{
	/* 7 of 10 share the smallest key: all score 1 */
	double key[10] = { 0, 0, 0, 0, 0, 0, 0, 5, 6, 9 };
	double rev[10] = { 9, 6, 5, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t s[10];

	(void)state;
	jn_quintiles(key, 10, NULL, s, 1);
	assert_int_equal(s[0], 1);
	assert_int_equal(s[6], 1);
	assert_int_equal(s[7], 4);	/* position 7: 1 + 35/10 */
	assert_int_equal(s[8], 5);
	assert_int_equal(s[9], 5);
	/* input order does not matter */
	jn_quintiles(rev, 10, NULL, s, 1);
	assert_int_equal(s[0], 5);
	assert_int_equal(s[2], 4);
	assert_int_equal(s[9], 1);
}

static void
test_small(void **state)
{
	double one = 42, two[2] = { 3, 1 };
	uint8_t s[2] = { 9, 9 }, use[2] = { 0, 1 };

	(void)state;
	jn_quintiles(&one, 1, NULL, s, 1);
	assert_int_equal(s[0], 1);
	s[0] = 9;
	jn_quintiles(NULL, 0, NULL, s, 1);	/* nothing to do */
	assert_int_equal(s[0], 9);
	jn_quintiles(two, 2, use, s, 1);	/* item 0 skipped */
	assert_int_equal(s[0], 9);
	assert_int_equal(s[1], 1);
	jn_quintiles(two, 2, NULL, s, 1);
	assert_int_equal(s[0], 3);	/* 1 + 5 * 1 / 2 */
	assert_int_equal(s[1], 1);
}

static void
test_stride(void **state)
{
	struct { double pad; uint8_t score; } rec[3];
	double key[3] = { 30, 10, 20 };

	(void)state;
	jn_quintiles(key, 3, NULL, &rec[0].score, sizeof rec[0]);
	assert_int_equal(rec[0].score, 4);	/* 1 + 10/3 */
	assert_int_equal(rec[1].score, 1);
	assert_int_equal(rec[2].score, 2);	/* 1 + 5/3 */
}

static void
test_grid(void **state)
{
	(void)state;
	assert_string_equal(jn_rfm_segment(5, 5), "champions");
	assert_string_equal(jn_rfm_segment(5, 1), "new customers");
	assert_string_equal(jn_rfm_segment(4, 1), "promising");
	assert_string_equal(jn_rfm_segment(4, 3), "potential loyalists");
	assert_string_equal(jn_rfm_segment(3, 3), "need attention");
	assert_string_equal(jn_rfm_segment(3, 5), "loyal");
	assert_string_equal(jn_rfm_segment(3, 2), "about to sleep");
	assert_string_equal(jn_rfm_segment(2, 4), "at risk");
	assert_string_equal(jn_rfm_segment(1, 5), "can't lose them");
	assert_string_equal(jn_rfm_segment(1, 1), "hibernating");
	assert_string_equal(jn_rfm_segment(0, 9), "hibernating");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_stride),
		cmocka_unit_test(test_grid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
