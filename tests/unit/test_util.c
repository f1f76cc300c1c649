/*
 * Tests of the shared helpers: diagnostics quoting, strict number
 * parsing, the schema's slots and candidates, the shared options, and
 * large blocks of the allocation helpers.
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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
	/* --decimal-comma: one comma for the point, never with one */
	assert_int_equal(jn_parse_double("68,37", 5, &d), -1);
	jn_decimal_comma(1);
	assert_int_equal(jn_parse_double("68,37", 5, &d), 0);
	assert_true(d == 68.37);
	assert_int_equal(jn_parse_double("-0,5", 4, &d), 0);
	assert_true(d == -0.5);
	assert_int_equal(jn_parse_double("12.5", 4, &d), 0);
	assert_true(d == 12.5);
	assert_int_equal(jn_parse_double("1.234,5", 7, &d), -1);
	assert_int_equal(jn_parse_double("1,234,5", 7, &d), -1);
	assert_int_equal(jn_parse_double(",", 1, &d), -1);
	jn_decimal_comma(0);
	assert_int_equal(jn_parse_double("68,37", 5, &d), -1);
}

/*
 * Plain digits take a path of their own (up to 15 of them, below 2^53):
 * every value must be strtod's, bit for bit, around the path's edges.
 */
static void
test_parse_double_digits(void **state)
{
	static const char *const cases[] = {
		"0", "7", "00", "007", "0000000000000000001", "891",
		"4378", "123456789012345", "999999999999999",
		"1000000000000000", "9007199254740992", "9007199254740993",
		"9999999999999999", "18446744073709551615",
		"18446744073709551616", "123456789012345678901234567890",
		"-0", "+5", "-891", "5.", "5e3",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double d = -1, want = strtod(cases[i], NULL);

		assert_int_equal(jn_parse_double(cases[i], strlen(cases[i]),
		    &d), 0);
		assert_memory_equal(&d, &want, sizeof d);
	}
	/* digits, then something else: no number */
	{
		double d;

		assert_int_equal(jn_parse_double("12a", 3, &d), -1);
	}
}

/* The getopt code of a shared long option. */
static int
common_code(const char *name)
{
	size_t i;

	for (i = 0; i < jn_common_nlongopts; i++)
		if (strcmp(jn_common_longopts[i].name, name) == 0)
			return jn_common_longopts[i].val;
	fail_msg("no option --%s", name);
	return -1;
}

static void
test_real_export_options(void **state)
{
	struct jn_common c;
	double d;

	(void)state;
	jn_common_init(&c);
	assert_int_equal(jn_common_option(&c, common_code("delimiter"), ";"),
	    1);
	assert_int_equal(c.delimiter, ';');
	assert_int_equal(jn_common_option(&c, common_code("delimiter"),
	    "tab"), 1);
	assert_int_equal(c.delimiter, '\t');
	assert_int_equal(jn_common_option(&c, common_code("delimiter"),
	    "\\t"), 1);
	assert_int_equal(c.delimiter, '\t');
	assert_int_equal(jn_common_option(&c, common_code("delimiter"), ";;"),
	    -1);
	assert_int_equal(jn_common_option(&c, common_code("delimiter"), ""),
	    -1);
	assert_int_equal(jn_common_option(&c, common_code("time-format"),
	    "%d/%m/%Y %H:%M"), 1);
	assert_string_equal(c.time_format, "%d/%m/%Y %H:%M");
	assert_int_equal(jn_common_option(&c, common_code("time-format"),
	    "%H:%M"), -1);
	/* --since read again in the zone given after it */
	assert_int_equal(jn_common_option(&c, common_code("since"),
	    "2026-12-06"), 1);
	assert_int_equal(c.since, INT64_C(1796515200) * JN_NS_PER_SEC);
	assert_int_equal(jn_common_option(&c, common_code("time-zone"),
	    "+01:00"), 1);
	assert_int_equal(c.time_zone, 3600);
	assert_int_equal(c.since, INT64_C(1796511600) * JN_NS_PER_SEC);
	assert_int_equal(jn_common_option(&c, common_code("time-zone"),
	    "CET"), -1);
	assert_int_equal(jn_common_option(&c, common_code("decimal-comma"),
	    NULL), 1);
	assert_int_equal(jn_parse_double("1,5", 3, &d), 0);
	/* a new run starts with the switch off */
	jn_common_init(&c);
	assert_int_equal(jn_parse_double("1,5", 3, &d), -1);
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

/*
 * The allocation helpers keep every byte growing (past 4 MiB, where
 * glibc maps blocks of their own and moves them with mremap), shrinking
 * back, and give two arrays grown to the same need the same capacity
 * (intern.c grows two to one); jn_xalloc_huge's blocks are aligned to
 * the huge page.
 */
static void
test_large_blocks(void **state)
{
	size_t cap = 0, cap2 = 0, i, n = (size_t)3 << 20;	/* 12 MiB */
	uint32_t *v = NULL;
	uint16_t *w = NULL;
	unsigned char *p;

	(void)state;
	for (i = 0; i < n; i++) {
		v = jn_xgrow(v, &cap, i + 1, sizeof *v);
		v[i] = (uint32_t)(i * 2654435761u);
	}
	assert_true(cap >= n && (cap & (cap - 1)) == 0);
	w = jn_xgrow(w, &cap2, n, sizeof *w);
	assert_int_equal(cap2, cap);
	for (i = 0; i < n; i++)
		assert_int_equal(v[i], (uint32_t)(i * 2654435761u));
	free(v);
	free(w);

	p = jn_xmalloc((size_t)5 << 20);
	memset(p, 0xa5, (size_t)5 << 20);
	p = jn_xrealloc(p, (size_t)9 << 20);
	for (i = 0; i < ((size_t)5 << 20); i++)
		if (p[i] != 0xa5)
			fail_msg("byte %zu lost growing", i);
	p = jn_xrealloc(p, 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(p[i], 0xa5);
	free(p);
	p = jn_xalloc_huge(JN_HUGE_PAGE);
	assert_int_equal((uintptr_t)p % JN_HUGE_PAGE, 0);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_parse_double),
		cmocka_unit_test(test_parse_double_digits),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_common_options),
		cmocka_unit_test(test_real_export_options),
		cmocka_unit_test(test_large_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
