/*
 * Tests of table provenance (--meta): the line round-trips through
 * jn_meta_parse; definitions differ by their first item, the period
 * (since, until) aside, values holding ';' kept whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/meta.h"

static int
differ(const char *da, const char *db, char *out, size_t size)
{
	struct jn_meta a = { "jfunnel", "1", NULL };
	struct jn_meta b = { "jfunnel", "1", NULL };
	const char *ia, *ib;
	size_t la, lb;
	int d;

	a.definition = (char *)da;
	b.definition = (char *)db;
	d = jn_meta_differ(&a, &b, &ia, &la, &ib, &lb);
	if (d)
		snprintf(out, size, "%.*s|%.*s", (int)la, ia, (int)lb, ib);
	return d;
}

static void
test_differ(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(differ("a=1;since=0:0;until=0:0;w=5;",
	    "a=1;since=1:1790000000;until=1:1800000000;w=5;", out,
	    sizeof out), 0);
	assert_int_equal(differ("a=1;w=5;", "a=1;w=0;", out, sizeof out), 1);
	assert_string_equal(out, "w=5|w=0");
	/* a value with ';' is one item: its length says where it ends */
	assert_int_equal(differ("s=3:a;b;w=5;", "s=3:a;c;w=5;", out,
	    sizeof out), 1);
	assert_string_equal(out, "s=3:a;b|s=3:a;c");
	/* an item more on one side */
	assert_int_equal(differ("a=1;", "a=1;where=1:x;", out, sizeof out),
	    1);
	assert_string_equal(out, "|where=1:x");
}

static void
test_tools(void **state)
{
	struct jn_meta a = { "jfunnel", "1", "a=1;" };
	struct jn_meta b = { "jsegment", "1", "a=1;" };
	const char *ia, *ib;
	size_t la, lb;

	(void)state;
	assert_int_equal(jn_meta_differ(&a, &b, &ia, &la, &ib, &lb), 1);
	assert_int_equal((int)la, 7);
	assert_memory_equal(ib, "jsegment", 8);
}

static void
test_round_trip(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jn_meta m;
	const char *json;

	(void)state;
	assert_int_equal(jn_meta_write(f, JN_FMT_CSV, "jfunnel", "w=5;",
	    10, 2, 8, 0), 0);
	assert_int_equal(jn_meta_write(f, JN_FMT_TABLE, "jfunnel", "w=5;",
	    10, 2, 8, 0), 0);
	fclose(f);
	assert_memory_equal(buf, JN_META_PREFIX, strlen(JN_META_PREFIX));
	assert_non_null(strstr(buf, "\"input\":{\"records\":10,"
	    "\"rejected\":2,\"used\":8}"));
	assert_int_equal((int)(strchr(buf, '\n') - buf) + 1, (int)len);
	json = buf + strlen(JN_META_PREFIX);
	assert_int_equal(jn_meta_parse(json, len - strlen(JN_META_PREFIX),
	    &m), 0);
	assert_string_equal(m.tool, "jfunnel");
	assert_string_equal(m.definition, "w=5;");
	jn_meta_release(&m);
	assert_int_equal(jn_meta_parse("{\"tool\":1}", 10, &m), -1);
	assert_int_equal(jn_meta_parse("not json", 8, &m), -1);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differ),
		cmocka_unit_test(test_tools),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
