/*
 * Tests of string interning: dense ids, lookups, NUL bytes inside
 * strings, growth past many rehashes, lexicographic ranks, the -j
 * workers' id maps, and a sealed table's ids and strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/intern.h"

static void
test_put_find(void **state)
{
	struct jn_intern t;
	size_t len;

	(void)state;
	jn_intern_init(&t);
	assert_int_equal(jn_intern_find(&t, "a", 1), UINT32_MAX);
	assert_int_equal(jn_intern_put(&t, "a", 1), 0);
	assert_int_equal(jn_intern_put(&t, "bb", 2), 1);
	assert_int_equal(jn_intern_put(&t, "a", 1), 0);
	assert_int_equal(jn_intern_put(&t, "a\0b", 3), 2);
	assert_int_equal(jn_intern_find(&t, "a\0b", 3), 2);
	assert_int_equal(jn_intern_put(&t, "", 0), 3);
	assert_string_equal(jn_intern_str(&t, 1, &len), "bb");
	assert_int_equal(len, 2);
	assert_int_equal(jn_intern_count(&t), 4);
	jn_intern_release(&t);
}

static void
test_many(void **state)
{
	struct jn_intern t;
	char buf[32];
	uint32_t i;

	(void)state;
	jn_intern_init(&t);
	for (i = 0; i < 200000; i++) {
		int n = snprintf(buf, sizeof buf, "user-%u", i);

		assert_int_equal(jn_intern_put(&t, buf, (size_t)n), i);
	}
	for (i = 0; i < 200000; i += 997) {
		int n = snprintf(buf, sizeof buf, "user-%u", i);

		assert_int_equal(jn_intern_find(&t, buf, (size_t)n), i);
		assert_string_equal(jn_intern_str(&t, i, NULL), buf);
	}
	jn_intern_release(&t);
}

/*
 * A slot holds a string's length up to 254, and 255 for any longer:
 * strings of the same bytes that differ only in length, or only in a
 * byte, are told apart around that edge.
 */
static void
test_long(void **state)
{
	static const size_t lens[] = { 0, 1, 254, 255, 256, 300, 1000 };
	struct jn_intern t;
	char buf[1001];
	size_t i, len;

	(void)state;
	memset(buf, 'x', sizeof buf);
	jn_intern_init(&t);
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++)
		assert_int_equal(jn_intern_put(&t, buf, lens[i]), i);
	buf[299] = 'y';
	assert_int_equal(jn_intern_find(&t, buf, 300), UINT32_MAX);
	assert_int_equal(jn_intern_put(&t, buf, 300), 7);
	buf[299] = 'x';
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		jn_intern_prefetch(&t, buf, lens[i]);	/* changes nothing */
		assert_int_equal(jn_intern_find(&t, buf, lens[i]), i);
		jn_intern_str(&t, (uint32_t)i, &len);
		assert_int_equal(len, lens[i]);
	}
	assert_int_equal(jn_intern_find(&t, buf, 257), UINT32_MAX);
	/* with the hash given: the same ids, and a new one after them */
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		jn_intern_prefetch_hash(&t, jn_hash(buf, lens[i]));
		assert_int_equal(jn_intern_put_hash(&t, buf, lens[i],
		    jn_hash(buf, lens[i])), i);
	}
	assert_int_equal(jn_intern_put_hash(&t, buf, 257,
	    jn_hash(buf, 257)), 8);
	assert_int_equal(jn_intern_find(&t, buf, 257), 8);
	jn_intern_release(&t);
}

static void
test_ranks(void **state)
{
	struct jn_intern t;
	uint32_t *r;

	(void)state;
	jn_intern_init(&t);
	jn_intern_put(&t, "b", 1);
	jn_intern_put(&t, "ab", 2);
	jn_intern_put(&t, "a", 1);
	jn_intern_put(&t, "\xc3\xa9", 2);	/* bytes above ASCII last */
	r = jn_intern_ranks(&t);
	assert_int_equal(r[0], 2);
	assert_int_equal(r[1], 1);
	assert_int_equal(r[2], 0);
	assert_int_equal(r[3], 3);
	free(r);
	jn_intern_release(&t);
}

/*
 * A sealed table (the -j workers' users, once read) gives its index back
 * and keeps every id's string and length, its count, its ranks, and what
 * a merge from it puts into another table.
 */
static void
test_seal(void **state)
{
	struct jn_intern t, to;
	char buf[32];
	uint32_t i, *r, *map;
	size_t len;

	(void)state;
	jn_intern_init(&t);
	jn_intern_init(&to);
	for (i = 0; i < 5000; i++) {
		int n = snprintf(buf, sizeof buf, "u%05u", 4999 - i);

		assert_int_equal(jn_intern_put(&t, buf, (size_t)n), i);
	}
	jn_intern_put(&t, "x\0y", 3);
	jn_intern_seal(&t);
	assert_null(t.slots);
	assert_int_equal(t.nslots, 0);
	assert_int_equal(jn_intern_count(&t), 5001);
	for (i = 0; i < 5000; i++) {
		int n = snprintf(buf, sizeof buf, "u%05u", 4999 - i);

		assert_string_equal(jn_intern_str(&t, i, &len), buf);
		assert_int_equal(len, (size_t)n);
	}
	assert_memory_equal(jn_intern_str(&t, 5000, &len), "x\0y", 3);
	assert_int_equal(len, 3);
	r = jn_intern_ranks(&t);	/* "u04999" first, ..., "x\0y" last */
	assert_int_equal(r[0], 4999);
	assert_int_equal(r[4999], 0);
	assert_int_equal(r[5000], 5000);
	free(r);
	jn_intern_put(&to, "u00000", 6);
	map = jn_intern_merge(&to, &t);
	assert_int_equal(map[4999], 0);
	assert_int_equal(map[0], 1);
	assert_int_equal(jn_intern_count(&to), 5001);
	assert_int_equal(jn_intern_find(&to, "x\0y", 3), map[5000]);
	free(map);
	jn_intern_release(&t);		/* sealed: released all the same */
	jn_intern_release(&to);
}

/* Two workers' tables into a main one: each worker id to the main's. */
static void
test_idmap(void **state)
{
	struct jn_intern main_t, w0, w1;
	struct jn_idmap m;

	(void)state;
	memset(&m, 0, sizeof m);
	jn_idmap_release(&m);		/* empty: nothing to free */
	jn_intern_init(&main_t);
	jn_intern_init(&w0);
	jn_intern_init(&w1);
	jn_intern_put(&w0, "mobile", 6);
	jn_intern_put(&w0, "desktop", 7);
	jn_intern_put(&w1, "tablet", 6);
	jn_intern_put(&w1, "mobile", 6);
	jn_idmap_init(&m, 2);
	jn_idmap_merge(&m, 0, &main_t, &w0);
	jn_idmap_merge(&m, 1, &main_t, &w1);
	assert_int_equal(jn_intern_count(&main_t), 3);
	assert_int_equal(jn_idmap_get(&m, 0, 0), 0);	/* mobile */
	assert_int_equal(jn_idmap_get(&m, 0, 1), 1);	/* desktop */
	assert_int_equal(jn_idmap_get(&m, 1, 0), 2);	/* tablet */
	assert_int_equal(jn_idmap_get(&m, 1, 1), 0);	/* mobile again */
	/* no value stays no value, in any worker */
	assert_int_equal(jn_idmap_get(&m, 1, UINT32_MAX), UINT32_MAX);
	jn_idmap_release(&m);
	assert_null(m.of);
	assert_int_equal(m.n, 0);
	jn_intern_release(&main_t);
	jn_intern_release(&w0);
	jn_intern_release(&w1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_find),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_ranks),
		cmocka_unit_test(test_idmap),
		cmocka_unit_test(test_seal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
