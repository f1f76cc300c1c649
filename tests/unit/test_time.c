/*
 * Tests of time and duration parsing and formatting.  Expected instants
 * were computed with `date -u -d TIME +%s`.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "journey/time.h"

#define S JN_NS_PER_SEC

static int64_t
t(const char *s)
{
	int64_t ns;

	assert_int_equal(jn_time_parse(s, strlen(s), &ns), 0);
	return ns;
}

static int
bad(const char *s)
{
	int64_t ns;

	return jn_time_parse(s, strlen(s), &ns) == -1;
}

static void
test_iso(void **state)
{
	(void)state;
	assert_int_equal(t("2026-10-01T12:00:00Z"), 1790856000 * S);
	assert_int_equal(t("2026-10-01t12:00:00z"), 1790856000 * S);
	assert_int_equal(t("2026-10-01 12:00:00"), 1790856000 * S);
	assert_int_equal(t("2026-10-01T12:00"), 1790856000 * S);
	assert_int_equal(t("2026-10-01T14:00:00+02:00"), 1790856000 * S);
	assert_int_equal(t("2026-10-01T14:00:00+0200"), 1790856000 * S);
	assert_int_equal(t("2026-10-01T06:30:00-05:30"), 1790856000 * S);
	assert_int_equal(t("2024-02-29"), 1709164800 * S);
	assert_int_equal(t("2000-02-29"), 951782400 * S);
	assert_int_equal(t("1970-01-01"), 0);
	/* BPIC 2012's first event */
	assert_int_equal(t("2011-10-01T00:38:44.546+02:00"),
	    1317422324 * S + 546000000);
}

static void
test_fractions(void **state)
{
	(void)state;
	assert_int_equal(t("2026-10-01T12:00:00.5Z"), 1790856000 * S +
	    500000000);
	assert_int_equal(t("2026-10-01T12:00:00.123456789Z"),
	    1790856000 * S + 123456789);
	/* digits past nanoseconds are cut, not rounded */
	assert_int_equal(t("2026-10-01T12:00:00.1234567899Z"),
	    1790856000 * S + 123456789);
	assert_int_equal(t("1969-12-31T23:59:59.5Z"), -500000000);
	/* a leap second is the last instant of its minute */
	assert_int_equal(t("2016-12-31T23:59:60Z"), 1483228800 * S - 1);
}

static void
test_invalid(void **state)
{
	(void)state;
	assert_true(bad(""));
	assert_true(bad("yesterday"));
	assert_true(bad("2023-02-29"));
	assert_true(bad("1900-02-29"));
	assert_true(bad("2026-13-01"));
	assert_true(bad("2026-00-01"));
	assert_true(bad("2026-04-31"));
	assert_true(bad("2026-10-01T24:00:00Z"));
	assert_true(bad("2026-10-01T12:60:00Z"));
	assert_true(bad("2026-10-01T12:00:61Z"));
	assert_true(bad("2026-10-01T12:00:00Zjunk"));
	assert_true(bad("2026-10-01T12:00:00."));
	assert_true(bad("2026-10-01T12:00:00+25:00"));
	assert_true(bad("2026-1-01"));
	assert_true(bad("12a"));
	assert_true(bad("1.2.3"));
	assert_true(bad("-"));
	/* beyond int64 nanoseconds (year 2262) */
	assert_true(bad("2300-01-01"));
	assert_true(bad("99999999999999999999"));
}

/* Epoch numbers: seconds, milliseconds, microseconds by magnitude. */
static void
test_epoch(void **state)
{
	(void)state;
	assert_int_equal(t("1700000000"), 1700000000 * S);
	assert_int_equal(t("1700000000.25"), 1700000000 * S + 250000000);
	assert_int_equal(t("9000000000"), INT64_C(9000000000) * S);
	/* still seconds by magnitude, but past year 2262 */
	assert_true(bad("99999999999"));
	assert_int_equal(t("100000000000"), 100000000 * S);	/* ms */
	assert_int_equal(t("1700000000123"), INT64_C(1700000000123000000));
	assert_int_equal(t("1700000000123456"),
	    INT64_C(1700000000123456000));
	assert_int_equal(t("0"), 0);
	assert_int_equal(t("-86400"), -86400 * S);
}

static int64_t
d(const char *s)
{
	int64_t ns;

	assert_int_equal(jn_duration_parse(s, &ns), 0);
	return ns;
}

static void
test_duration(void **state)
{
	int64_t ns;

	(void)state;
	assert_int_equal(d("250ms"), 250000000);
	assert_int_equal(d("90s"), 90 * S);
	assert_int_equal(d("30m"), 1800 * S);
	assert_int_equal(d("24h"), 86400 * S);
	assert_int_equal(d("7d"), 604800 * S);
	assert_int_equal(d("2w"), 1209600 * S);
	assert_int_equal(d("1.5h"), 5400 * S);
	assert_int_equal(d("45"), 45 * S);
	assert_int_equal(d("0"), 0);
	assert_int_equal(d("10us"), 10000);
	assert_int_equal(jn_duration_parse("", &ns), -1);
	assert_int_equal(jn_duration_parse("-5s", &ns), -1);
	assert_int_equal(jn_duration_parse("5x", &ns), -1);
	assert_int_equal(jn_duration_parse("soon", &ns), -1);
	assert_int_equal(jn_duration_parse("1e3s", &ns), -1);
	assert_int_equal(jn_duration_parse("999999999w", &ns), -1);
}

static void
test_format(void **state)
{
	char buf[48];

	(void)state;
	assert_string_equal(jn_time_format(buf, sizeof buf, 1790856000 * S),
	    "2026-10-01T12:00:00Z");
	assert_string_equal(jn_time_format(buf, sizeof buf,
	    1790856000 * S + 250000000), "2026-10-01T12:00:00.250Z");
	assert_string_equal(jn_time_format(buf, sizeof buf, -500000000),
	    "1969-12-31T23:59:59.500Z");
	assert_string_equal(jn_time_format(buf, sizeof buf, 0),
	    "1970-01-01T00:00:00Z");
}

static void
test_human(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(jn_duration_human(buf, sizeof buf, 0), "0s");
	assert_string_equal(jn_duration_human(buf, sizeof buf, 0.25),
	    "250ms");
	assert_string_equal(jn_duration_human(buf, sizeof buf, 45), "45s");
	assert_string_equal(jn_duration_human(buf, sizeof buf, 125),
	    "2m 5s");
	assert_string_equal(jn_duration_human(buf, sizeof buf, 7500),
	    "2h 5m");
	assert_string_equal(jn_duration_human(buf, sizeof buf, 273600),
	    "3d 4h");
	assert_string_equal(jn_duration_human(buf, sizeof buf, 3600), "1h");
	assert_string_equal(jn_duration_human(buf, sizeof buf, -125),
	    "-2m 5s");
	assert_string_equal(jn_duration_human(buf, sizeof buf, NAN), "");
}

/* Round trip through the calendar over the whole int64 range of days. */
static void
test_civil_roundtrip(void **state)
{
	char buf[48], want[48];
	int64_t day, ns;

	(void)state;
	for (day = -106000; day <= 106000; day += 97) {
		jn_time_format(buf, sizeof buf, day * 86400 * S);
		memcpy(want, buf, 10);
		want[10] = '\0';
		assert_int_equal(jn_time_parse(want, 10, &ns), 0);
		assert_int_equal(ns, day * 86400 * S);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_epoch),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_civil_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
