/*
 * Tests of time and duration parsing and formatting.  Expected instants
 * were worked out by hand and checked with `date -u -d TIME +%s`; the
 * int64 limits are 2^63 ns = 9223372036.854775808 s, that is
 * 2262-04-11T23:47:16.854775807Z and 1677-09-21T00:12:43.145224192Z.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/time.h"
#include "journey/util.h"

#define S	JN_NS_PER_SEC
#define MS	INT64_C(1000000)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct good {
	const char *s;
	int64_t ns;
};

static void
check_times(const struct good *g, size_t n)
{
	int64_t ns;
	size_t i;

	for (i = 0; i < n; i++) {
		ns = INT64_C(-42);
		if (jn_time_parse(g[i].s, strlen(g[i].s), &ns) != 0)
			fail_msg("'%s' refused", g[i].s);
		if (ns != g[i].ns)
			fail_msg("'%s': %lld, want %lld", g[i].s,
			    (long long)ns, (long long)g[i].ns);
	}
}

static void
check_bad_times(const char *const *bad, size_t n)
{
	int64_t ns = 7;
	size_t i;

	for (i = 0; i < n; i++) {
		if (jn_time_parse(bad[i], strlen(bad[i]), &ns) != -1)
			fail_msg("'%s' accepted as %lld", bad[i],
			    (long long)ns);
		assert_int_equal(ns, 7);	/* untouched on error */
	}
}

static void
check_durations(const struct good *g, size_t n)
{
	int64_t ns;
	size_t i;

	for (i = 0; i < n; i++) {
		ns = INT64_C(-42);
		if (jn_duration_parse(g[i].s, &ns) != 0)
			fail_msg("duration '%s' refused", g[i].s);
		if (ns != g[i].ns)
			fail_msg("duration '%s': %lld, want %lld", g[i].s,
			    (long long)ns, (long long)g[i].ns);
	}
}

static void
check_bad_durations(const char *const *bad, size_t n)
{
	int64_t ns;
	size_t i;

	for (i = 0; i < n; i++)
		if (jn_duration_parse(bad[i], &ns) != -1)
			fail_msg("duration '%s' accepted as %lld", bad[i],
			    (long long)ns);
}

/* Each accepted shape of an ISO 8601 time, all the same instant. */
/*
 * The shapes read at once ("Thh:mm:ss.fffZ", "Thh:mm:ssZ") and their
 * near misses, which the general reading takes or refuses.
 */
static void
test_iso_fast(void **state)
{
	static const struct good g[] = {
		{ "2026-10-01T12:34:56.789Z", 1790858096 * S + 789000000 },
		{ "2026-10-01T12:34:56Z", 1790858096 * S },
		{ "2026-10-01T00:00:00.001Z", 1790812800 * S + 1000000 },
		{ "2026-10-01T23:59:59.999Z", 1790899199 * S + 999000000 },
		/* a leap second: the last nanosecond of its minute */
		{ "2026-10-01T23:59:60.500Z", 1790899199 * S + 999999999 },
		{ "2026-10-01T23:59:60Z", 1790899199 * S + 999999999 },
		/* near misses the general reading takes */
		{ "2026-10-01t12:34:56.789z", 1790858096 * S + 789000000 },
		{ "2026-10-01T12:34:56,789Z", 1790858096 * S + 789000000 },
		{ "2026-10-01T12:34:56.78Z", 1790858096 * S + 780000000 },
		{ "2026-10-01T12:34:56.7891Z", 1790858096 * S + 789100000 },
		{ "2026-10-01T12:34:56.789+00:00", 1790858096 * S + 789000000 },
		{ "2026-10-01T12:34:56.789", 1790858096 * S + 789000000 },
		{ "1969-12-31T23:59:59.500Z", -S / 2 },
	};
	static const char *const bad[] = {
		"2026-10-01T24:00:00.000Z", "2026-10-01T12:60:00.000Z",
		"2026-10-01T12:00:61.000Z", "2026-10-01T1a:00:00.000Z",
		"2026-10-01T12:0a:00.000Z", "2026-10-01T12:00:0a.000Z",
		"2026-10-01T12:00:00.0a0Z", "2026-10-01T12:00:00.00aZ",
		"2026-10-01T12:00:00.000X", "2026-10-01T12:00:00X000Z",
		"2026-10-01T12-00:00.000Z", "2026-10-01T12:00-00.000Z",
		"2026-10-01X12:00:00.000Z", "2026-10-01T12:00:00ZZ",
		"2026-10-01T24:00:00Z", "2026-10-01T12:00:00.Z",
	};

	(void)state;
	check_times(g, NELEM(g));
	check_bad_times(bad, NELEM(bad));
}

static void
test_iso_forms(void **state)
{
	static const struct good g[] = {
		{ "2026-10-01T12:00:00Z", 1790856000 * S },
		{ "2026-10-01t12:00:00z", 1790856000 * S },
		{ "2026-10-01 12:00:00", 1790856000 * S },
		{ "2026-10-01T12:00:00", 1790856000 * S },
		{ "2026-10-01T12:00", 1790856000 * S },
		{ "2026-10-01 12:00Z", 1790856000 * S },
		{ "2026-10-01T12:00:00.000Z", 1790856000 * S },
		{ "2026-10-01", 1790812800 * S },
		{ "1970-01-01", 0 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "1969-12-31T23:59:59Z", -S },
		{ "1999-12-31T23:59:59Z", 946684799 * S },
		{ "2026-03-29T01:30:00Z", 1774747800 * S },
	};

	(void)state;
	check_times(g, NELEM(g));
}

static void
test_offsets(void **state)
{
	static const struct good g[] = {
		{ "2026-10-01T14:00:00+02:00", 1790856000 * S },
		{ "2026-10-01T14:00:00+0200", 1790856000 * S },
		{ "2026-10-01T14:00:00+02", 1790856000 * S },
		{ "2026-10-01 14:00+02:00", 1790856000 * S },
		{ "2026-10-01T06:30:00-05:30", 1790856000 * S },
		{ "2026-10-01T06:30:00-0530", 1790856000 * S },
		{ "2026-10-01T12:00:00+00:00", 1790856000 * S },
		{ "2026-10-01T12:00:00-00:00", 1790856000 * S },
		{ "2026-10-02T11:59:00+23:59", 1790856000 * S },
		{ "2026-09-30T12:01:00-23:59", 1790856000 * S },
		/* an offset that moves the instant into the next year */
		{ "2026-12-31T23:30:00-05:30", 1798779600 * S },
		{ "1970-01-01T01:00:00+01", 0 },
		/* BPIC 2012's first event */
		{ "2011-10-01T00:38:44.546+02:00", 1317422324 * S + 546 * MS },
	};

	(void)state;
	check_times(g, NELEM(g));
}

static void
test_fractions(void **state)
{
	static const struct good g[] = {
		{ "2026-10-01T12:00:00.5Z", 1790856000 * S + 500 * MS },
		{ "2026-10-01T12:00:00,5Z", 1790856000 * S + 500 * MS },
		{ "2026-10-01T12:00:00.25", 1790856000 * S + 250 * MS },
		{ "2026-10-01T12:00:00.000001Z", 1790856000 * S + 1000 },
		{ "2026-10-01T12:00:00.123456789Z",
		    1790856000 * S + 123456789 },
		/* digits past nanoseconds are cut, not rounded */
		{ "2026-10-01T12:00:00.1234567899Z",
		    1790856000 * S + 123456789 },
		{ "2026-10-01T12:00:00.999999999999999999999Z",
		    1790856000 * S + 999999999 },
		{ "2026-10-01T14:00:00.25+02:00", 1790856000 * S + 250 * MS },
		{ "1969-12-31T23:59:59.5Z", -500 * MS },
		{ "1969-12-31T23:59:59.999999999Z", -1 },
	};

	(void)state;
	check_times(g, NELEM(g));
}

/* :60 is the last nanosecond of its minute, whatever its fraction. */
static void
test_leap_second(void **state)
{
	static const struct good g[] = {
		{ "2016-12-31T23:59:60Z", 1483228800 * S - 1 },
		{ "2016-12-31T23:59:60.5Z", 1483228800 * S - 1 },
		{ "2016-12-31T23:59:60.000Z", 1483228800 * S - 1 },
		{ "2017-01-01T00:59:60+01:00", 1483228800 * S - 1 },
	};
	static const char *const bad[] = {
		"2016-12-31T23:59:61Z",
		"2016-12-31T23:59:99Z",
	};

	(void)state;
	check_times(g, NELEM(g));
	check_bad_times(bad, NELEM(bad));
}

static void
test_leap_years(void **state)
{
	static const struct good g[] = {
		{ "2024-02-29", 1709164800 * S },
		{ "2024-03-01", 1709251200 * S },
		{ "2000-02-29", 951782400 * S },
		{ "1900-02-28", INT64_C(-2203977600) * S },
		{ "1900-03-01", INT64_C(-2203891200) * S },
		{ "2023-03-01", 1677628800 * S },
		{ "2100-03-01", INT64_C(4107542400) * S },
	};
	static const char *const bad[] = {
		"2023-02-29",
		"1900-02-29",
		"2100-02-29",
		"2024-02-30",
		"2023-02-29T00:00:00Z",
	};

	(void)state;
	check_times(g, NELEM(g));
	check_bad_times(bad, NELEM(bad));
}

/* Every field at its limits, and one past them. */
static void
test_field_ranges(void **state)
{
	static const struct good g[] = {
		{ "2026-01-31", 1769817600 * S },
		{ "2026-12-31T23:59:59Z", 1798761599 * S },
		{ "2026-04-30", 1777507200 * S },
	};
	static const char *const bad[] = {
		"2026-00-01",
		"2026-13-01",
		"2026-99-01",
		"2026-10-00",
		"2026-10-32",
		"2026-01-32",
		"2026-04-31",
		"2026-06-31",
		"2026-09-31",
		"2026-11-31",
		"2026-10-01T24:00:00Z",
		"2026-10-01T99:00Z",
		"2026-10-01T12:60:00Z",
		"2026-10-01T12:00:61Z",
		"2026-10-01T12:00:00+24:00",
		"2026-10-01T12:00:00+02:60",
		"2026-10-01T12:00:00-2400",
	};

	(void)state;
	check_times(g, NELEM(g));
	check_bad_times(bad, NELEM(bad));
}

/* Malformed, truncated or followed by anything: refused. */
static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		" ",
		"yesterday",
		"2026-10-01x",
		"2026-10-01 ",
		" 2026-10-01",
		"2026-10-01T",
		"2026-10-01T12",
		"2026-10-01T12:",
		"2026-10-01T1200",
		"2026-10-01T12:0",
		"2026-10-01T12:00:",
		"2026-10-01T12:00:0",
		"2026-10-01T12:00:00.",
		"2026-10-01T12:00:00,",
		"2026-10-01T12:00:00.Z",
		"2026-10-01T12:00.5",
		"2026-10-01T12:00:00ZZ",
		"2026-10-01T12:00:00Zjunk",
		"2026-10-01T12:00:00 ",
		"2026-10-01T12:00:00 Z",
		"2026-10-01T12:00:00+",
		"2026-10-01T12:00:00+2",
		"2026-10-01T12:00:00+2:00",
		"2026-10-01T12:00:00+02:",
		"2026-10-01T12:00:00+02:0",
		"2026-10-01T12:00:00+020",
		"2026-10-01T12:00:00+02Z",
		"2026-10-01T12:00:00+02 ",
		"2026-10-01T12:00:00+02:00:00",
		"2026-10-01T12:00:00+02:00Z",
		"2026-10-01T12:00:00UTC",
		"2026-10-01Z",
		"2026-10-01+02:00",
		"2026-10-01X12:00:00",
		"2026-10-01T12-00-00",
		"2026-10-01T1a:00:00",
		"2026-1-01T00:00",
		"2026-10-1T00:00",
		"2026-10x01",
		"20a6-10-01",
		"2026/10/01",
		"02026-10-01",
		"+2026-10-01",
		"-2026-10-01",
		"26-10-01",
		"2026-10",
	};

	(void)state;
	check_bad_times(bad, NELEM(bad));
}

/* Times past either end of int64 nanoseconds are refused, not wrapped. */
static void
test_iso_range(void **state)
{
	static const struct good g[] = {
		{ "2262-04-11T23:47:16.854775807Z", INT64_MAX },
		{ "2262-04-12T01:47:16.854775807+02:00", INT64_MAX },
		{ "1677-09-21T00:12:43.145224192Z", INT64_MIN },
		{ "1677-09-21T00:12:44Z", INT64_C(-9223372036) * S },
	};
	static const char *const bad[] = {
		"2262-04-11T23:47:16.854775808Z",
		"2262-04-11T23:47:17Z",
		"2262-04-11T23:47:16.854775807-00:01",
		"2262-04-12",
		"1677-09-21T00:12:43.145224191Z",
		"1677-09-21T00:12:43Z",
		"1677-09-21",
		"2300-01-01",
		"1600-01-01",
		"0000-01-01",
		"0000-03-01",
		"9999-12-31T23:59:59Z",
	};

	(void)state;
	check_times(g, NELEM(g));
	check_bad_times(bad, NELEM(bad));
}

/* Only s[0..len) is read: no terminator needed, nothing past it seen. */
static void
test_length(void **state)
{
	static const char buf[] = "2026-10-01T12:00:00Zjunk1700000000123x";
	int64_t ns;

	(void)state;
	assert_int_equal(jn_time_parse(buf, 20, &ns), 0);
	assert_int_equal(ns, 1790856000 * S);
	assert_int_equal(jn_time_parse(buf, 10, &ns), 0);
	assert_int_equal(ns, 1790812800 * S);
	assert_int_equal(jn_time_parse(buf, 16, &ns), 0);
	assert_int_equal(ns, 1790856000 * S);
	assert_int_equal(jn_time_parse(buf, 21, &ns), -1);
	assert_int_equal(jn_time_parse(buf + 24, 13, &ns), 0);
	assert_int_equal(ns, INT64_C(1700000000123000000));
	assert_int_equal(jn_time_parse(buf + 24, 14, &ns), -1);
	assert_int_equal(jn_time_parse(buf, 0, &ns), -1);
}

/* Epoch numbers: seconds, milliseconds, microseconds by magnitude. */
static void
test_epoch_units(void **state)
{
	static const struct good g[] = {
		{ "0", 0 },
		{ "-0", 0 },
		{ "+0", 0 },
		{ "1", S },
		{ "1700000000", 1700000000 * S },
		{ "+1700000000", 1700000000 * S },
		{ "-86400", -86400 * S },
		{ "0001700000000", 1700000000 * S },
		{ "9223372036", INT64_C(9223372036) * S },
		{ "-9223372036", INT64_C(-9223372036) * S },
		/* from 1e11 on, milliseconds: exact, no double rounding */
		{ "100000000000", INT64_C(100000000000) * MS },
		{ "-100000000000", INT64_C(-100000000000) * MS },
		{ "1700000000123", INT64_C(1700000000123000000) },
		{ "1700000000999", INT64_C(1700000000999000000) },
		{ "9223372036854", INT64_C(9223372036854000000) },
		/* from 1e14 on, microseconds */
		{ "100000000000000", INT64_C(100000000000000000) },
		{ "1700000000000000", INT64_C(1700000000000000000) },
		{ "1700000000123456", INT64_C(1700000000123456000) },
		{ "9223372036854775", INT64_C(9223372036854775000) },
		{ "-9223372036854775", INT64_C(-9223372036854775000) },
	};
	static const char *const bad[] = {
		/* seconds by magnitude, but past year 2262 */
		"99999999999",
		"-99999999999",
		"9223372037",
		"-9223372037",
		/* milliseconds by magnitude, but past year 2262 */
		"99999999999999",
		"9223372036855",
		"9223372036855000",
		"18446744073709551615",
		/* past 2^64 while reading the digits */
		"18446744073709551616",
		"99999999999999999999",
		"-99999999999999999999",
	};

	(void)state;
	check_times(g, NELEM(g));
	check_bad_times(bad, NELEM(bad));
}

static void
test_epoch_fractions(void **state)
{
	static const struct good g[] = {
		{ "1700000000.25", 1700000000 * S + 250 * MS },
		{ "1700000000.000000001", 1700000000 * S + 1 },
		{ "1700000000.0000000019", 1700000000 * S + 1 },
		{ "0.5", 500 * MS },
		{ "-0.5", -500 * MS },
		{ "-86400.5", -86400 * S - 500 * MS },
		{ "1.000", S },
		{ "1700000000123.456789", INT64_C(1700000000123456789) },
		{ "1700000000123.4567899", INT64_C(1700000000123456789) },
		{ "1700000000000000.5", INT64_C(1700000000000000500) },
		{ "1700000000000000.0009", INT64_C(1700000000000000000) },
		{ "1700000000000000.999", INT64_C(1700000000000000999) },
		/* the exact int64 limits, in each unit */
		{ "9223372036.854775807", INT64_MAX },
		{ "-9223372036.854775808", INT64_MIN },
		{ "9223372036854.775807", INT64_MAX },
		{ "-9223372036854.775808", INT64_MIN },
		{ "9223372036854775.807", INT64_MAX },
		{ "-9223372036854775.808", INT64_MIN },
	};
	static const char *const bad[] = {
		"9223372036.854775808",
		"-9223372036.854775809",
		"9223372036854.775808",
		"9223372036854775.808",
		"-9223372036854775.809",
		"99999999999.5",
	};

	(void)state;
	check_times(g, NELEM(g));
	check_bad_times(bad, NELEM(bad));
}

static void
test_epoch_malformed(void **state)
{
	static const char *const bad[] = {
		"-",
		"+",
		".",
		"1.",
		".5",
		"-.5",
		"1.2.3",
		"12a",
		"--5",
		"+-5",
		"1 ",
		" 1",
		"1e9",
		"1.7e9",
		"0x10",
		"1,5",
		"1_000",
		"inf",
		"nan",
	};

	(void)state;
	check_bad_times(bad, NELEM(bad));
}

static void
test_duration_units(void **state)
{
	static const struct good g[] = {
		{ "250ms", 250 * MS },
		{ "90s", 90 * S },
		{ "30m", 1800 * S },
		{ "24h", 86400 * S },
		{ "7d", 604800 * S },
		{ "2w", 1209600 * S },
		{ "10us", 10000 },
		{ "45", 45 * S },
		{ "0", 0 },
		{ "0s", 0 },
		{ "0w", 0 },
		{ "0.0", 0 },
		{ "007s", 7 * S },
	};

	(void)state;
	check_durations(g, NELEM(g));
}

static void
test_duration_fractions(void **state)
{
	static const struct good g[] = {
		{ "1.5h", 5400 * S },
		{ "0.25", 250 * MS },
		{ "0.5ms", 500000 },
		{ "1.5us", 1500 },
		{ "0.5d", 43200 * S },
		{ "0.1w", 60480 * S },
		{ "2.5m", 150 * S },
		/* digits past nanoseconds are cut, not rounded */
		{ "0.1234567899", 123456789 },
		{ "1.0000000001s", S },
		{ "0.0001us", 0 },
		{ "0.9999us", 999 },
		/* nine fraction digits times a week, without overflow */
		{ "1.000000001w", 604800 * S + 604800 },
		{ "1.999999999w", 1209600 * S - 604800 },
	};

	(void)state;
	check_durations(g, NELEM(g));
}

/* The largest durations, exactly, and one unit past them. */
static void
test_duration_limits(void **state)
{
	static const struct good g[] = {
		{ "9223372036.854775807", INT64_MAX },
		{ "9223372036.854775807s", INT64_MAX },
		{ "9223372036854.775807ms", INT64_MAX },
		{ "9223372036854775us", INT64_C(9223372036854775000) },
		{ "15250w", INT64_C(15250) * 604800 * S },
		{ "106751d", INT64_C(106751) * 86400 * S },
		{ "2562047h", INT64_C(2562047) * 3600 * S },
	};
	static const char *const bad[] = {
		"9223372036.854775808",
		"9223372037s",
		"9223372036855ms",
		"9223372036854776us",
		"15251w",
		"106752d",
		"2562048h",
		"999999999w",
		"18446744073709551615us",
		/* 2^64 ns exactly: past uint64 when the fraction is added */
		"18446744073.709551616",
		"18446744073709551616",
		"99999999999999999999999999s",
	};

	(void)state;
	check_durations(g, NELEM(g));
	check_bad_durations(bad, NELEM(bad));
}

static void
test_duration_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"-5s",
		"-0",
		"+5s",
		"5x",
		"5S",
		"5M",
		"soon",
		"s",
		"ms",
		"1e3s",
		"5 s",
		" 5s",
		"5s ",
		".5s",
		"5.s",
		"5.",
		"1.5.5s",
		"5sec",
		"5mss",
		"5ns",
		"1h30m",
		"inf",
		"nan",
	};

	(void)state;
	check_bad_durations(bad, NELEM(bad));
}

static void
test_format(void **state)
{
	static const struct good g[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-10-01T12:00:00Z", 1790856000 * S },
		{ "2026-10-01T12:00:00.250Z", 1790856000 * S + 250 * MS },
		{ "2026-10-01T12:00:00.001Z", 1790856000 * S + MS },
		{ "2026-10-01T12:00:00.999Z", 1790856000 * S + S - 1 },
		/* below a millisecond is not shown */
		{ "2026-10-01T12:00:00Z", 1790856000 * S + 999999 },
		{ "2000-02-29T00:00:00Z", 951782400 * S },
		{ "1999-12-31T23:59:59Z", 946684799 * S },
		/* before 1970: rounded down, not toward zero */
		{ "1969-12-31T23:59:59.999Z", -1 },
		{ "1969-12-31T23:59:59.500Z", -500 * MS },
		{ "1969-12-31T23:59:59Z", -S },
		{ "1969-12-31T00:00:00Z", -86400 * S },
		{ "1969-12-30T23:59:59.999Z", -86400 * S - 1 },
		{ "1900-02-28T00:00:00Z", INT64_C(-2203977600) * S },
		{ "2262-04-11T23:47:16.854Z", INT64_MAX },
		{ "1677-09-21T00:12:43.145Z", INT64_MIN },
	};
	char buf[40];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(g); i++)
		assert_string_equal(jn_time_format(buf, sizeof buf, g[i].ns),
		    g[i].s);
}

/* A short buffer gets a terminated prefix, and nothing past it. */
static void
test_format_short(void **state)
{
	char buf[16];

	(void)state;
	memset(buf, 'x', sizeof buf);
	assert_ptr_equal(jn_time_format(buf, 11, 1790856000 * S), buf);
	assert_string_equal(buf, "2026-10-01");
	assert_int_equal(buf[11], 'x');
}

static void
test_human(void **state)
{
	static const struct {
		double secs;
		const char *want;
	} h[] = {
		{ 0, "0s" },
		{ -0.0, "0s" },
		{ 0.0004, "0s" },
		{ -0.0004, "0s" },
		{ 0.001, "1ms" },
		{ 0.25, "250ms" },
		{ 0.29, "290ms" },
		{ 0.999, "999ms" },
		{ 0.9999, "999ms" },
		{ -0.25, "-250ms" },
		{ 1, "1s" },
		{ 1.999, "1s" },
		{ 45, "45s" },
		{ 59.999, "59s" },
		{ 60, "1m" },
		{ 125, "2m 5s" },
		{ 3599, "59m 59s" },
		{ 3600, "1h" },
		{ 3659, "1h" },
		{ 3661, "1h 1m" },
		{ 7500, "2h 5m" },
		{ 86399, "23h 59m" },
		{ 86400, "1d" },
		{ 90000, "1d 1h" },
		{ 172859, "2d" },
		{ 273600, "3d 4h" },
		{ 1e9, "11574d 1h" },
		{ -125, "-2m 5s" },
		{ -273600, "-3d 4h" },
		/* a mean that lands just below a whole second keeps it */
		{ 61.0 / 7 * 7, "1m 1s" },
		/* beyond int64 milliseconds, still days and hours */
		{ 9e15, "104166666666d 16h" },
		{ 1e16, "115740740740d 17h" },
		{ 86400e12, "1000000000000d" },
		{ INFINITY, "inf" },
		{ -INFINITY, "-inf" },
		{ NAN, "" },
	};
	char buf[40];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(h); i++) {
		memset(buf, 'x', sizeof buf);
		jn_duration_human(buf, sizeof buf, h[i].secs);
		if (strcmp(buf, h[i].want) != 0)
			fail_msg("%.17g: '%s', want '%s'", h[i].secs, buf,
			    h[i].want);
	}
}

/* snprintf semantics: never past size, always terminated. */
static void
test_human_short(void **state)
{
	char buf[400];

	(void)state;
	memset(buf, 'x', sizeof buf);
	assert_ptr_equal(jn_duration_human(buf, 4, 125), buf);
	assert_string_equal(buf, "2m ");
	assert_int_equal(buf[4], 'x');
	jn_duration_human(buf, 1, 125);
	assert_string_equal(buf, "");
	memset(buf, 'x', sizeof buf);
	jn_duration_human(buf, 32, 1e300);
	assert_int_equal(strlen(buf), 31);
	assert_int_equal(buf[0], '1');
	assert_int_equal(buf[32], 'x');
	jn_duration_human(buf, sizeof buf, -1e300);
	assert_int_equal(strncmp(buf, "-1", 2), 0);
	assert_true(strlen(buf) > 290);
	assert_non_null(strchr(buf, 'd'));
}

static void
test_days_from_civil(void **state)
{
	(void)state;
	assert_int_equal(jn_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(jn_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(jn_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(jn_days_from_civil(2026, 10, 1), 20727);
	assert_int_equal(jn_days_from_civil(2024, 2, 29), 19782);
	assert_int_equal(jn_days_from_civil(1, 1, 1), -719162);
	assert_int_equal(jn_days_from_civil(0, 3, 1), -719468);
	assert_int_equal(jn_days_from_civil(0, 2, 29), -719469);
	assert_int_equal(jn_days_from_civil(0, 1, 1), -719528);
	assert_int_equal(jn_days_from_civil(-1, 12, 31), -719529);
	assert_int_equal(jn_days_from_civil(-400, 1, 1), -719528 - 146097);
}

/*
 * Format then parse: day by day across the whole range, then instants
 * with milliseconds, which must come back exactly.
 */
static void
test_roundtrip(void **state)
{
	char buf[40];
	int64_t day, ns, back, step;

	(void)state;
	for (day = -106751; day <= 106751; day++) {
		jn_time_format(buf, sizeof buf, day * 86400 * S);
		assert_int_equal(jn_time_parse(buf, 10, &back), 0);
		assert_int_equal(back, day * 86400 * S);
	}
	step = INT64_C(12345678901) * MS;
	for (ns = INT64_MIN / MS * MS + MS; ns < INT64_MAX - step; ns += step) {
		jn_time_format(buf, sizeof buf, ns);
		assert_int_equal(jn_time_parse(buf, strlen(buf), &back), 0);
		assert_int_equal(back, ns);
	}
}

/* A small deterministic generator (xorshift64), for the next test. */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The per-thread date cache changes no answer: each random time (fields
 * just in and out of range, fractions of 0 to 11 digits, other zones,
 * one character in five replaced, half of them on the date before) is
 * read once with another date cached and once with its own, if valid,
 * and the two answers agree.
 */
static void
test_date_cache(void **state)
{
	static const char junk[] = "0123456789-:T .Zz+x,";
	uint64_t x = 88172645463325252u;
	char buf[64], prev[11] = "2026-10-01";
	int i, valid = 0;

	(void)state;
	for (i = 0; i < 300000; i++) {
		int64_t a = 0, b = 0;
		int n, k, ra, rb;

		if (rnd(&x) % 2 == 0)
			n = snprintf(buf, sizeof buf, "%s", prev);
		else
			n = snprintf(buf, sizeof buf, "%04d-%02d-%02d",
			    (int)(1600 + rnd(&x) % 800), (int)(rnd(&x) % 14),
			    (int)(rnd(&x) % 33));
		memcpy(prev, buf, 10);
		n += snprintf(buf + n, sizeof buf - (size_t)n,
		    "T%02d:%02d:%02d", (int)(rnd(&x) % 26),
		    (int)(rnd(&x) % 62), (int)(rnd(&x) % 62));
		if (rnd(&x) % 2) {
			int f = (int)(rnd(&x) % 12);

			buf[n++] = '.';
			for (k = 0; k < f; k++)
				buf[n++] = (char)('0' + rnd(&x) % 10);
		}
		switch (rnd(&x) % 4) {
		case 0:
			buf[n++] = 'Z';
			break;
		case 1:
			n += snprintf(buf + n, sizeof buf - (size_t)n,
			    "+02:00");
			break;
		default:
			break;
		}
		if (rnd(&x) % 5 == 0)
			buf[rnd(&x) % (uint64_t)n] =
			    junk[rnd(&x) % (sizeof junk - 1)];
		assert_int_equal(jn_time_parse("1999-01-01", 10, &a), 0);
		ra = jn_time_parse(buf, (size_t)n, &a);
		rb = jn_time_parse(buf, (size_t)n, &b);
		if (ra != rb || (ra == 0 && a != b))
			fail_msg("'%.*s': %d %lld, then %d %lld", n, buf,
			    ra, (long long)a, rb, (long long)b);
		valid += ra == 0;
	}
	/* the generator reaches both answers often */
	assert_true(valid > 30000 && valid < 270000);
}

/* One --time-format example: the format, the text, the zone, the time. */
struct fmt_case {
	const char *fmt, *s;
	int32_t off;
	int64_t ns;
};

/*
 * Worked examples, each checked with date -u -d: 2026-12-06 14:03 UTC is
 * 1796565780; at +01:00 local it is 13:03Z (1796562180), at -05:00
 * 19:03Z (1796583780).
 */
static void
test_time_format(void **state)
{
	static const struct fmt_case good[] = {
		/* a European Excel export */
		{ "%d/%m/%Y %H:%M", "06/12/2026 14:03", 0, 1796565780 * S },
		{ "%d/%m/%Y %H:%M", "06/12/2026 14:03", 3600, 1796562180 * S },
		{ "%d/%m/%Y %H:%M", "6/12/2026 14:03", -18000,
		    1796583780 * S },
		/* blanks match any run of blanks, none too */
		{ "%d.%m.%Y %H:%M", "06.12.2026   14:03", 0, 1796565780 * S },
		{ "%d.%m.%Y %H:%M", "06.12.202614:03", 0, 1796565780 * S },
		/* an explicit zone overrides --time-zone */
		{ "%Y-%m-%d %H:%M:%S %z", "2026-12-06 15:03:00 +01:00", -18000,
		    1796565780 * S },
		{ "%Y%m%dT%H%M%S%z", "20261206T140300Z", 3600, 1796565780 * S },
		{ "%FT%T%Z", "2026-12-06T14:03:00UTC", 3600, 1796565780 * S },
		/* names, 12-hour clock, two-digit years */
		{ "%d-%b-%y %I:%M %p", "06-Dec-26 02:03 PM", 0,
		    1796565780 * S },
		{ "%d %B %Y %I:%M%p", "6 december 2026 2:03pm", 0,
		    1796565780 * S },
		{ "%a, %d %b %Y %T", "Sun, 06 Dec 2026 14:03:00", 0,
		    1796565780 * S },
		{ "%m/%d/%y %I:%M %p", "01/01/26 12:00 AM", 0,
		    1767225600 * S },
		{ "%m/%d/%y %I:%M %p", "06/12/26 12:30 AM", 0,
		    1781224200 * S },
		{ "%D", "03/01/99", 0, 920246400 * S },
		{ "%y-%m-%d", "68-01-01", 0, INT64_C(3092601600) * S },
		{ "%y-%m-%d", "69-01-01", 0, -31536000 * S },
		/* day of the year: 2024 is a leap year */
		{ "%Y.%j", "2024.366", 0, 1735603200 * S },
		/* fractions, leap second, epoch */
		{ "%Y-%m-%d %H:%M:%S.%f", "2024-02-29 23:59:59.25", 0,
		    1709251199 * S + 250 * MS },
		{ "%Y-%m-%d %H:%M:%S,%f", "2024-02-29 23:59:59,123456789", 0,
		    1709251199 * S + 123456789 },
		{ "%Y-%m-%d %H:%M:%S", "2024-02-29 23:59:60", 0,
		    1709251200 * S - 1 },
		{ "%s", "1796565780", 3600, 1796565780 * S },
		{ "%s.%f", "-1.5", 0, -1500 * MS },
		{ "%s.%f", "-0.25", 0, -250 * MS },
		{ "@%s", "@0", 0, 0 },
		{ "%Y-%m-%d %% %H", "2026-12-06 % 14", 0,
		    (1796565780 - 180) * S },
	};
	static const struct fmt_case bad[] = {
		{ "%d/%m/%Y %H:%M", "2026-12-06 14:03", 0, 0 },
		/* text left over; November 31 */
		{ "%d/%m/%Y %H:%M", "06/12/2026 14:03:00", 0, 0 },
		{ "%d/%m/%Y %H:%M", "31/11/2026 14:03", 0, 0 },
		{ "%d/%m/%Y %H:%M", "29/02/2026 14:03", 0, 0 },
		{ "%d/%m/%Y %H:%M", "06/13/2026 14:03", 0, 0 },
		{ "%d/%m/%Y %H:%M", "06/12/2026 24:00", 0, 0 },
		{ "%d/%m/%Y %H:%M", "06/12/2026 14:60", 0, 0 },
		{ "%d/%m/%Y %H:%M", "06/12/26 14:03", 0, 0 },
		{ "%d/%m/%Y %H:%M", "", 0, 0 },
		{ "%I:%M %p %d/%m/%Y", "13:00 PM 06/12/2026", 0, 0 },
		{ "%I:%M %p %d/%m/%Y", "00:00 AM 06/12/2026", 0, 0 },
		{ "%d %b %Y", "06 Dez 2026", 0, 0 },
		{ "%Y.%j", "2026.366", 0, 0 },
		{ "%Y.%j", "2026.0", 0, 0 },
		{ "%Y-%m-%d %z", "2026-12-06 +24:00", 0, 0 },
		{ "%Y-%m-%d %z", "2026-12-06 ", 0, 0 },
		{ "%Y-%m-%d %Z", "2026-12-06 CET", 0, 0 },
		{ "%s", "99999999999999999999", 0, 0 },
		{ "%s", "-", 0, 0 },
		{ "%Y-%m-%d.%f", "2026-12-06.", 0, 0 },
	};
	int64_t ns;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(good); i++) {
		ns = -42;
		if (jn_time_parse_format(good[i].fmt, good[i].s,
		    strlen(good[i].s), good[i].off, &ns) != 0)
			fail_msg("'%s' refused by '%s'", good[i].s,
			    good[i].fmt);
		if (ns != good[i].ns)
			fail_msg("'%s' by '%s': %lld, want %lld", good[i].s,
			    good[i].fmt, (long long)ns, (long long)good[i].ns);
	}
	for (i = 0; i < NELEM(bad); i++) {
		ns = 7;
		if (jn_time_parse_format(bad[i].fmt, bad[i].s,
		    strlen(bad[i].s), 0, &ns) != -1)
			fail_msg("'%s' accepted by '%s' as %lld", bad[i].s,
			    bad[i].fmt, (long long)ns);
		assert_int_equal(ns, 7);
	}
	/* the text is read to its length, not to a NUL */
	assert_int_equal(jn_time_parse_format("%Y-%m-%d", "2026-12-061",
	    10, 0, &ns), 0);
	assert_int_equal(ns, (1796565780 - 14 * 3600 - 180) * S);
}

static void
test_time_format_check(void **state)
{
	static const char *const ok[] = {
		"%d/%m/%Y %H:%M", "%F %T", "%D", "%s", "%s.%f", "%Y.%j",
		"%d-%b-%y %I:%M %p", "%e %B %Y", "%Y-%m-%d %%", "[%FT%T%z]",
	};
	static const struct {
		const char *fmt, *why;
	} bad[] = {
		{ "%H:%M", "has no whole date" },
		{ "%d/%m %H:%M", "has no whole date" },
		{ "%Y-%m", "has no whole date" },
		{ "%Y-%m-%d %Q", "unknown conversion %Q" },
		{ "%F %\xc3\xa9", "unknown conversion %\\xc3" },
		{ "%Y-%m-%d %", "ends with a lone %" },
		{ "%F %I:%M", "has %I without %p" },
		{ "%F %H:%M %p", "has %p without %I" },
		{ "%F %H %I %p", "has both %H and %I" },
		{ "", "has no whole date" },
	};
	char why[128];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(ok); i++)
		if (jn_time_format_check(ok[i], why, sizeof why) != 0)
			fail_msg("'%s' refused: %s", ok[i], why);
	for (i = 0; i < NELEM(bad); i++) {
		why[0] = '\0';
		assert_int_equal(jn_time_format_check(bad[i].fmt, why,
		    sizeof why), -1);
		if (strncmp(why, bad[i].why, strlen(bad[i].why)) != 0)
			fail_msg("'%s': '%s', want '%s'", bad[i].fmt, why,
			    bad[i].why);
	}
}

/* --time-zone, and the default parser reading local times with it. */
static void
test_time_zone(void **state)
{
	static const struct {
		const char *s;
		int32_t off;
	} good[] = {
		{ "Z", 0 }, { "UTC", 0 }, { "+00:00", 0 }, { "+01:00", 3600 },
		{ "-05:00", -18000 }, { "+0530", 19800 }, { "-03", -10800 },
		{ "+23:59", 86340 },
	};
	static const char *const bad[] = {
		"", "+1", "+24:00", "+01:60", "01:00", "CET", "+01:00x", "Zulu",
		"+01:0",
	};
	int32_t off;
	int64_t ns;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(good); i++) {
		off = 1;
		if (jn_time_zone_parse(good[i].s, &off) != 0 ||
		    off != good[i].off)
			fail_msg("'%s': %d, want %d", good[i].s, (int)off,
			    (int)good[i].off);
	}
	for (i = 0; i < NELEM(bad); i++)
		if (jn_time_zone_parse(bad[i], &off) == 0)
			fail_msg("'%s' accepted", bad[i]);
	/* local times move; a zone or an epoch number does not */
	assert_int_equal(jn_time_parse_zone("2026-12-06 14:03", 16, 3600,
	    &ns), 0);
	assert_int_equal(ns, 1796562180 * S);
	assert_int_equal(jn_time_parse_zone("2026-12-06", 10, -18000, &ns),
	    0);
	assert_int_equal(ns, (1796565780 - 14 * 3600 - 180 + 18000) * S);
	assert_int_equal(jn_time_parse_zone("2026-12-06T14:03:00Z", 20, 3600,
	    &ns), 0);
	assert_int_equal(ns, 1796565780 * S);
	assert_int_equal(jn_time_parse_zone("2026-12-06T15:03:00+01:00", 25,
	    -18000, &ns), 0);
	assert_int_equal(ns, 1796565780 * S);
	assert_int_equal(jn_time_parse_zone("1796565780", 10, 3600, &ns), 0);
	assert_int_equal(ns, 1796565780 * S);
}

/*
 * Calendar periods, checked against dates worked out by hand (and with
 * `date -u -d`): 2026-12-07 is a Monday, 1969-12-29 the Monday of the
 * week numbered 0, 2024 a leap year.
 */
struct period_case {
	const char *time;
	enum jn_period p;
	int64_t num;
	const char *label;
};

static void
test_periods(void **state)
{
	static const struct period_case c[] = {
		{ "2026-12-07T10:30:00Z", JN_PERIOD_HOUR, 20794 * 24 + 10,
		    "2026-12-07T10:00" },
		{ "2026-12-07T10:30:00Z", JN_PERIOD_DAY, 20794, "2026-12-07" },
		{ "2026-12-07T00:00:00Z", JN_PERIOD_WEEK, 2971, "2026-12-07" },
		{ "2026-12-09T12:00:00Z", JN_PERIOD_WEEK, 2971, "2026-12-07" },
		{ "2026-12-13T23:59:59.999Z", JN_PERIOD_WEEK, 2971,
		    "2026-12-07" },
		{ "2026-12-06T23:59:59Z", JN_PERIOD_WEEK, 2970, "2026-11-30" },
		{ "2026-12-31T23:59:59Z", JN_PERIOD_MONTH, 2026 * 12 + 11,
		    "2026-12" },
		{ "2024-02-29T12:00:00Z", JN_PERIOD_MONTH, 2024 * 12 + 1,
		    "2024-02" },
		{ "1970-01-01T00:00:00Z", JN_PERIOD_WEEK, 0, "1969-12-29" },
		/* before the epoch: numbers round down, not toward 0 */
		{ "1969-12-31T23:00:00Z", JN_PERIOD_HOUR, -1,
		    "1969-12-31T23:00" },
		{ "1969-12-31T23:00:00Z", JN_PERIOD_DAY, -1, "1969-12-31" },
		{ "1969-12-31T23:00:00Z", JN_PERIOD_WEEK, 0, "1969-12-29" },
		{ "1969-12-28T12:00:00Z", JN_PERIOD_WEEK, -1, "1969-12-22" },
		{ "1969-12-31T23:00:00Z", JN_PERIOD_MONTH, 1969 * 12 + 11,
		    "1969-12" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(c); i++) {
		char buf[32];
		int64_t ts, start;

		assert_int_equal(jn_time_parse(c[i].time, strlen(c[i].time),
		    &ts), 0);
		if (jn_period_of(c[i].p, ts) != c[i].num)
			fail_msg("%s, %s: %lld, want %lld", c[i].time,
			    jn_period_name(c[i].p),
			    (long long)jn_period_of(c[i].p, ts),
			    (long long)c[i].num);
		assert_int_equal(jn_period_label(c[i].p, c[i].num, buf,
		    sizeof buf), strlen(c[i].label));
		assert_string_equal(buf, c[i].label);
		/* the period's first day starts it: a ns before is the last */
		start = jn_period_day(c[i].p, c[i].num) * 86400 * S;
		if (c[i].p == JN_PERIOD_HOUR)
			start += (c[i].num - jn_period_day(c[i].p, c[i].num) *
			    24) * 3600 * S;
		assert_true(start <= ts);
		assert_int_equal(jn_period_of(c[i].p, start), c[i].num);
		assert_int_equal(jn_period_of(c[i].p, start - 1), c[i].num - 1);
	}
}

static void
test_period_parse(void **state)
{
	static const enum jn_period some[] = { JN_PERIOD_DAY, JN_PERIOD_WEEK,
	    JN_PERIOD_MONTH };
	enum jn_period p = JN_PERIOD_DAY;
	struct jn_strbuf diag = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(jn_period_parse("--period", "month", some, 3, &p), 0);
	assert_int_equal(p, JN_PERIOD_MONTH);
	assert_string_equal(jn_period_name(JN_PERIOD_HOUR), "hour");
	/* not among those allowed: the message lists them, p untouched */
	jn_diag_capture(&diag);
	assert_int_equal(jn_period_parse("--period", "hour", some, 3, &p), -1);
	jn_diag_capture(NULL);
	assert_int_equal(p, JN_PERIOD_MONTH);
	assert_non_null(diag.buf);
	assert_non_null(strstr(diag.buf,
	    "bad --period 'hour' (day, week, month)"));
	free(diag.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_forms),
		cmocka_unit_test(test_iso_fast),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_leap_second),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_field_ranges),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_iso_range),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_epoch_units),
		cmocka_unit_test(test_epoch_fractions),
		cmocka_unit_test(test_epoch_malformed),
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_fractions),
		cmocka_unit_test(test_duration_limits),
		cmocka_unit_test(test_duration_malformed),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_short),
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_human_short),
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_date_cache),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_format_check),
		cmocka_unit_test(test_time_zone),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_period_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
