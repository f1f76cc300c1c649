/*
 * Tests of the shared helpers: diagnostics quoting, strict number
 * parsing, the schema's slots and candidates, and the shared options.
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "journey/input.h"
#include "journey/record.h"
#include "journey/time.h"
#include "journey/util.h"

static void
test_quote(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(jn_quote(buf, sizeof buf, "abc", 3), "abc");
	assert_string_equal(jn_quote(buf, sizeof buf, "a\nb\0c", 5),
	    "a\\x0ab\\x00c");
	/* cut with "..." and always terminated */
	assert_string_equal(jn_quote(buf, sizeof buf, "0123456789abcdef", 16),
	    "0123456789ab...");
	assert_string_equal(jn_quote(buf, 6, "\xff\xff\xff", 3), "...");
}

static void
test_parse_double(void **state)
{
	double d;

	(void)state;
	assert_int_equal(jn_parse_double("12.5", 4, &d), 0);
	assert_true(d == 12.5);
	assert_int_equal(jn_parse_double("-1e3", 4, &d), 0);
	assert_true(d == -1000);
	assert_int_equal(jn_parse_double("12.5x", 5, &d), -1);
	assert_int_equal(jn_parse_double(" 5", 2, &d), -1);
	assert_int_equal(jn_parse_double("5 ", 2, &d), -1);
	assert_int_equal(jn_parse_double("", 0, &d), -1);
	assert_int_equal(jn_parse_double("inf", 3, &d), -1);
	assert_int_equal(jn_parse_double("nan", 3, &d), -1);
	assert_int_equal(jn_parse_double("1e999", 5, &d), -1);
	/* only len bytes count */
	assert_int_equal(jn_parse_double("42abc", 2, &d), 0);
	assert_true(d == 42);
}

static void
test_schema(void **state)
{
	static const char *const users[] = { "user_id", "user" };
	struct jn_schema s;
	int a, b;

	(void)state;
	jn_schema_init(&s);
	a = jn_schema_candidates(&s, users, 2);
	b = jn_schema_field(&s, "page");
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	/* a single name is registered once; candidates always anew */
	assert_int_equal(jn_schema_field(&s, "page"), 1);
	assert_int_equal(jn_schema_candidates(&s, users, 2), 2);
	assert_string_equal(s.slots[0].names[1], "user");
	jn_schema_release(&s);
}

static void
test_common_options(void **state)
{
	struct jn_common c;

	(void)state;
	jn_common_init(&c);
	assert_int_equal(c.session_gap, 1800 * JN_NS_PER_SEC);
	assert_int_equal(jn_common_option(&c, 'u', "case_id"), 1);
	assert_string_equal(c.user_field, "case_id");
	assert_int_equal(jn_common_option(&c, 'Z', "x"), 0);
	assert_int_equal(jn_common_option(&c, 'o', "markdown"), 1);
	assert_int_equal(c.out_format, JN_FMT_MARKDOWN);
	assert_int_equal(jn_common_option(&c, 'I', "ndjson"), 1);
	assert_int_equal(c.in_format, JN_IN_NDJSON);
	assert_int_equal(jn_common_option(&c, 'I', "xml"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_parse_double),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_common_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
