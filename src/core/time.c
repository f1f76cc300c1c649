/*
 * Times and durations without the C library's time functions: every
 * timestamp a reader sees and every --since, --until, --window or
 * --session-gap argument goes through here.  Calendar dates become days
 * with the days-from-civil formula on the proleptic Gregorian calendar,
 * and every number is scaled to nanoseconds in exact integer arithmetic
 * with overflow checks, so that no result depends on TZ, the locale, the
 * C library or floating-point rounding.
 */
#include "journey/time.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "journey/util.h"

/* Epoch numbers below these magnitudes are seconds, then milliseconds. */
#define EPOCH_MS_FROM	INT64_C(100000000000)
#define EPOCH_US_FROM	INT64_C(100000000000000)

/*
 * A decimal number as written: the integer part, and the fraction cut to
 * nine digits and scaled to billionths (".25" is 250000000).
 */
struct decimal {
	uint64_t ip;
	int64_t frac;
};

int64_t
jn_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	/* Years start in March so that the leap day ends the year. */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t
jn_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void
jn_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = jn_floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* ---- calendar periods ---- */

#define HOUR_NS (INT64_C(3600) * JN_NS_PER_SEC)
#define DAY_NS (24 * HOUR_NS)

static const char *const period_names[] = { "hour", "day", "week", "month" };

const char *
jn_period_name(enum jn_period p)
{
	return period_names[p];
}

int
jn_period_parse(const char *opt, const char *arg,
    const enum jn_period *allowed, size_t n, enum jn_period *p)
{
	char list[64];
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(arg, period_names[allowed[i]]) == 0) {
			*p = allowed[i];
			return 0;
		}
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
		    i > 0 ? ", " : "", period_names[allowed[i]]);
	}
	return jn_error("bad %s '%s' (%s)", opt, arg, list);
}

int64_t
jn_period_of(enum jn_period p, int64_t ts)
{
	int64_t d;
	unsigned m, dd;

	switch (p) {
	case JN_PERIOD_HOUR:
		return jn_floor_div(ts, HOUR_NS);
	case JN_PERIOD_DAY:
		return jn_floor_div(ts, DAY_NS);
	case JN_PERIOD_WEEK:	/* 1970-01-01 was a Thursday */
		return jn_floor_div(jn_floor_div(ts, DAY_NS) + 3, 7);
	case JN_PERIOD_MONTH:
		break;
	}
	jn_civil_from_days(jn_floor_div(ts, DAY_NS), &d, &m, &dd);
	return d * 12 + (int64_t)m - 1;
}

int64_t
jn_period_day(enum jn_period p, int64_t num)
{
	int64_t y;

	switch (p) {
	case JN_PERIOD_HOUR:
		return jn_floor_div(num, 24);
	case JN_PERIOD_DAY:
		return num;
	case JN_PERIOD_WEEK:
		return num * 7 - 3;
	case JN_PERIOD_MONTH:
		break;
	}
	y = jn_floor_div(num, 12);
	return jn_days_from_civil(y, (unsigned)(num - y * 12) + 1, 1);
}

size_t
jn_period_label(enum jn_period p, int64_t num, char *buf, size_t size)
{
	int64_t y;
	unsigned m, d;

	jn_civil_from_days(jn_period_day(p, num), &y, &m, &d);
	if (p == JN_PERIOD_MONTH)
		return (size_t)snprintf(buf, size, "%04lld-%02u", (long long)y,
		    m);
	if (p == JN_PERIOD_HOUR)
		return (size_t)snprintf(buf, size, "%04lld-%02u-%02uT%02d:00",
		    (long long)y, m, d, (int)(num - jn_floor_div(num, 24) * 24));
	return (size_t)snprintf(buf, size, "%04lld-%02u-%02u", (long long)y, m,
	    d);
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int64_t y, int m)
{
	static const unsigned char days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at *pp into *out, advancing *pp.  0 or -1. */
static int
fixed(const char **pp, const char *end, int n, int *out)
{
	const char *p = *pp;
	int v = 0;

	if (end - p < n)
		return -1;
	for (; n > 0; n--, p++) {
		if (!is_digit(*p))
			return -1;
		v = v * 10 + (*p - '0');
	}
	*pp = p;
	*out = v;
	return 0;
}

/* Skip the character c at *pp if it is there.  1 if skipped, else 0. */
static int
skip(const char **pp, const char *end, char c)
{
	if (*pp < end && **pp == c) {
		(*pp)++;
		return 1;
	}
	return 0;
}

/*
 * One or more fraction digits at p into billionths; digits past the ninth
 * are below a nanosecond and cut, not rounded.  Returns the end of the
 * digits, or NULL when there are none.
 */
static const char *
fraction(const char *p, const char *end, int64_t *frac)
{
	static const int64_t scale[10] = {
		1000000000, 100000000, 10000000, 1000000, 100000, 10000,
		1000, 100, 10, 1
	};
	const char *start = p;
	int64_t v = 0;
	int n = 0;

	for (; p < end && is_digit(*p); p++)
		if (n < 9) {
			v = v * 10 + (*p - '0');
			n++;
		}
	if (p == start)
		return NULL;
	*frac = v * scale[n];
	return p;
}

/*
 * Digits, then optionally '.' and more digits.  No sign, no exponent, no
 * blanks: callers decide about the sign.  Returns the end of the number,
 * or NULL when there is none or its integer part passes 2^64.
 */
static const char *
decimal(const char *p, const char *end, struct decimal *dec)
{
	const char *start = p;
	uint64_t ip = 0;
	unsigned dig;

	for (; p < end && is_digit(*p); p++) {
		dig = (unsigned)(*p - '0');
		if (ip > (UINT64_MAX - dig) / 10)
			return NULL;
		ip = ip * 10 + dig;
	}
	if (p == start)
		return NULL;
	dec->ip = ip;
	dec->frac = 0;
	if (p < end && *p == '.')
		return fraction(p + 1, end, &dec->frac);
	return p;
}

/*
 * dec times unit nanoseconds into *mag, if it is at most max.  The
 * fraction's share is cut to whole nanoseconds; unit is either a divisor
 * or a multiple of a second, so that share never overflows.  0 or -1.
 */
static int
scale(const struct decimal *dec, int64_t unit, uint64_t max, uint64_t *mag)
{
	uint64_t v, part;

	if (unit % JN_NS_PER_SEC == 0)
		part = (uint64_t)dec->frac * (uint64_t)(unit / JN_NS_PER_SEC);
	else
		part = (uint64_t)(dec->frac / (JN_NS_PER_SEC / unit));
	if (__builtin_mul_overflow(dec->ip, (uint64_t)unit, &v) ||
	    __builtin_add_overflow(v, part, &v) || v > max)
		return -1;
	*mag = v;
	return 0;
}

/*
 * s seconds plus f nanoseconds (0 <= f < 1e9) into *ns.  Borrowing a
 * second when s is negative lets the earliest representable instant
 * through, whose whole seconds alone would overflow.  0 or -1.
 */
static int
seconds_ns(int64_t s, int64_t f, int64_t *ns)
{
	int64_t r;

	if (s < 0 && f > 0) {
		s++;
		f -= JN_NS_PER_SEC;
	}
	if (__builtin_mul_overflow(s, JN_NS_PER_SEC, &r) ||
	    __builtin_add_overflow(r, f, &r))
		return -1;
	*ns = r;
	return 0;
}

/*
 * An optional zone after the time of day: 'Z', or an offset "+hh:mm",
 * "+hhmm" or "+hh" (PostgreSQL writes the last) into *off seconds east of
 * UTC.  Without a zone *off is left as it is (the caller's default).
 * 0 or -1.
 */
static int
zone(const char **pp, const char *end, int64_t *off)
{
	int neg, oh, om = 0;

	if (skip(pp, end, 'Z') || skip(pp, end, 'z')) {
		*off = 0;
		return 0;
	}
	if (*pp == end || (**pp != '+' && **pp != '-'))
		return 0;
	neg = *(*pp)++ == '-';
	if (fixed(pp, end, 2, &oh))
		return -1;
	if (skip(pp, end, ':')) {
		if (fixed(pp, end, 2, &om))
			return -1;
	} else if (*pp < end && is_digit(**pp)) {
		if (fixed(pp, end, 2, &om))
			return -1;
	}
	if (oh > 23 || om > 59)
		return -1;
	*off = (neg ? -1 : 1) * (oh * 3600 + om * 60);
	return 0;
}

/* The two digits at p, or -1. */
static int
two_digits(const char *p)
{
	return is_digit(p[0]) && is_digit(p[1]) ? (p[0] - '0') * 10 +
	    (p[1] - '0') : -1;
}

/*
 * The time of day that logs write most, "Thh:mm:ss.fffZ" or "Thh:mm:ssZ"
 * as all of p[0..end), read at once: 1 with its fields, else 0 (then the
 * general reading decides, as for any other shape).
 */
static int
utc_time(const char *p, const char *end, int *h, int *mi, int *sec,
    int64_t *frac)
{
	size_t n = (size_t)(end - p);
	int ms = 0, hi = 0, lo = 0;

	if ((n != 10 && n != 14) || p[0] != 'T' || p[3] != ':' ||
	    p[6] != ':' || p[n - 1] != 'Z')
		return 0;
	if (n == 14) {
		if (p[9] != '.' || (hi = two_digits(p + 10)) < 0 ||
		    !is_digit(p[12]))
			return 0;
		ms = hi * 10 + (p[12] - '0');
	}
	if ((*h = two_digits(p + 1)) < 0 || (*mi = two_digits(p + 4)) < 0 ||
	    (lo = two_digits(p + 7)) < 0)
		return 0;
	*sec = lo;
	*frac = (int64_t)ms * 1000000;
	return 1;
}

/*
 * YYYY-MM-DD, then optionally 'T', 't' or ' ', hh:mm, optionally :ss
 * and a fraction after '.' or ',', and a zone.  A leap second (:60) is
 * read as the last nanosecond of its minute: it stays on its own date
 * and sorts after every other instant of that minute.
 */
static int
parse_iso(const char *p, const char *end, int64_t deflt, int64_t *ns)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t frac = 0, off = deflt, secs;

	/*
	 * Logs come in time order, so most times fall on the date of the
	 * one before: each thread keeps its last valid date and its day.
	 */
	static _Thread_local char last_date[10];
	static _Thread_local int64_t last_days = INT64_MIN;
	int64_t days;

	/* jn_time_parse saw the '-' after the year. */
	assert(end - p >= 10 && p[4] == '-');
	if (last_days != INT64_MIN && memcmp(p, last_date, 10) == 0) {
		days = last_days;
		p += 10;
	} else {
		const char *date = p;

		if (fixed(&p, end, 4, &y))
			return -1;
		p++;
		if (fixed(&p, end, 2, &mo) || !skip(&p, end, '-') ||
		    fixed(&p, end, 2, &d))
			return -1;
		if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
			return -1;
		days = jn_days_from_civil(y, (unsigned)mo, (unsigned)d);
		memcpy(last_date, date, 10);
		last_days = days;
	}
	if (utc_time(p, end, &h, &mi, &sec, &frac)) {
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		off = 0;
		p = end;
	} else if (skip(&p, end, 'T') || skip(&p, end, 't') ||
	    skip(&p, end, ' ')) {
		if (fixed(&p, end, 2, &h) || !skip(&p, end, ':') ||
		    fixed(&p, end, 2, &mi))
			return -1;
		if (skip(&p, end, ':')) {
			if (fixed(&p, end, 2, &sec))
				return -1;
			if ((skip(&p, end, '.') || skip(&p, end, ',')) &&
			    (p = fraction(p, end, &frac)) == NULL)
				return -1;
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (zone(&p, end, &off))
			return -1;
	}
	if (p != end)
		return -1;
	if (sec == 60) {
		sec = 59;
		frac = JN_NS_PER_SEC - 1;
	}
	/* Years 0000-9999 keep this far from int64 overflow. */
	secs = days * 86400 + h * 3600 + mi * 60 + sec - off;
	return seconds_ns(secs, frac, ns);
}

/*
 * An optional sign, digits and an optional fraction, in seconds,
 * milliseconds or microseconds by the magnitude of the integer part.
 * Integers are scaled exactly: no detour through a double.
 */
static int
parse_epoch(const char *p, const char *end, int64_t *ns)
{
	struct decimal dec;
	int64_t unit;
	uint64_t mag, max = INT64_MAX;
	int neg = 0;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if ((p = decimal(p, end, &dec)) == NULL || p != end)
		return -1;
	if (dec.ip < (uint64_t)EPOCH_MS_FROM)
		unit = JN_NS_PER_SEC;
	else if (dec.ip < (uint64_t)EPOCH_US_FROM)
		unit = 1000000;
	else
		unit = 1000;
	if (neg)
		max++;
	if (scale(&dec, unit, max, &mag))
		return -1;
	if (!neg || mag == 0)
		*ns = (int64_t)mag;
	else	/* 2^63 is no int64, but its negation is INT64_MIN */
		*ns = -(int64_t)(mag - 1) - 1;
	return 0;
}

int
jn_time_parse(const char *s, size_t len, int64_t *ns)
{
	return jn_time_parse_zone(s, len, 0, ns);
}

int
jn_time_parse_zone(const char *s, size_t len, int32_t off, int64_t *ns)
{
	const char *end = s + len;

	if (len >= 10 && s[4] == '-')
		return parse_iso(s, end, off, ns);
	return parse_epoch(s, end, ns);
}

int
jn_duration_parse(const char *s, int64_t *ns)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = {
		{ "", JN_NS_PER_SEC },
		{ "us", 1000 },
		{ "ms", 1000000 },
		{ "s", JN_NS_PER_SEC },
		{ "m", 60 * JN_NS_PER_SEC },
		{ "h", 3600 * JN_NS_PER_SEC },
		{ "d", 86400 * JN_NS_PER_SEC },
		{ "w", 604800 * JN_NS_PER_SEC },
	};
	struct decimal dec;
	const char *end = s + strlen(s), *p;
	uint64_t mag;
	size_t i;

	if ((p = decimal(s, end, &dec)) == NULL)
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(p, units[i].name) == 0) {
			if (scale(&dec, units[i].ns, INT64_MAX, &mag))
				return -1;
			*ns = (int64_t)mag;
			return 0;
		}
	return -1;
}

char *
jn_time_format(char *buf, size_t size, int64_t ns)
{
	int64_t secs = ns / JN_NS_PER_SEC, rem = ns % JN_NS_PER_SEC;
	int64_t days, sod, y;
	unsigned m, d;
	int ms;

	/* C division truncates; times before 1970 need the floor. */
	if (rem < 0) {
		rem += JN_NS_PER_SEC;
		secs--;
	}
	days = secs / 86400;
	sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	jn_civil_from_days(days, &y, &m, &d);
	ms = (int)(rem / 1000000);
	if (ms != 0)
		snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
		    (long long)y, m, d, (int)(sod / 3600),
		    (int)(sod / 60 % 60), (int)(sod % 60), ms);
	else
		snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02dZ",
		    (long long)y, m, d, (int)(sod / 3600),
		    (int)(sod / 60 % 60), (int)(sod % 60));
	return buf;
}

char *
jn_duration_human(char *buf, size_t size, double seconds)
{
	static const struct {
		const char *name;
		int64_t secs;
	} units[] = {
		{ "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 },
	};
	const char *sign = seconds < 0 ? "-" : "";
	double a = fabs(seconds), days;
	int64_t ms, s, big, small;
	size_t i;

	if (isnan(seconds)) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	if (isinf(seconds)) {
		snprintf(buf, size, "%sinf", sign);
		return buf;
	}
	if (a >= 9e15) {
		/* Past int64 milliseconds: whole days, in floating point. */
		days = floor(a / 86400);
		small = (int64_t)(fmod(a, 86400) / 3600);
		if (small > 0)
			snprintf(buf, size, "%s%.0fd %lldh", sign, days,
			    (long long)small);
		else
			snprintf(buf, size, "%s%.0fd", sign, days);
		return buf;
	}
	/*
	 * Whole milliseconds, rounded down.  A nanosecond of slack keeps a
	 * mean or ratio that lands just below a whole value in floating point
	 * (61.0 / 7 * 7 is 60.99999999999999) from losing a second.
	 */
	ms = (int64_t)floor(a * 1000 + 1e-6);
	if (ms == 0) {
		snprintf(buf, size, "0s");
		return buf;
	}
	if (ms < 1000) {
		snprintf(buf, size, "%s%lldms", sign, (long long)ms);
		return buf;
	}
	s = ms / 1000;
	for (i = 0; s < units[i].secs; i++)
		;
	big = s / units[i].secs;
	small = i + 1 < sizeof units / sizeof units[0] ?
	    s % units[i].secs / units[i + 1].secs : 0;
	if (small > 0)
		snprintf(buf, size, "%s%lld%s %lld%s", sign, (long long)big,
		    units[i].name, (long long)small, units[i + 1].name);
	else
		snprintf(buf, size, "%s%lld%s", sign, (long long)big,
		    units[i].name);
	return buf;
}

/* ---- --time-zone and --time-format ---- */

int
jn_time_zone_parse(const char *s, int32_t *off)
{
	const char *p = s, *end = s + strlen(s);
	int64_t o = INT64_MIN;

	if (strcmp(s, "UTC") == 0 || strcmp(s, "utc") == 0) {
		*off = 0;
		return 0;
	}
	/* a zone alone: 'Z', or a sign and hours, with minutes or not */
	if (*s == '\0' || zone(&p, end, &o) != 0 || p != end ||
	    o == INT64_MIN)
		return -1;
	*off = (int32_t)o;
	return 0;
}

/* What a format has read so far, before it becomes an instant. */
struct parts {
	int year, mon, mday, yday, hour, min, sec, pm, eneg;
	int64_t frac, off, epoch;	/* %s: epoch is its magnitude */
	/* which were read: bits of the conversion letters' jobs */
	unsigned have;
};

enum {
	HAVE_YEAR = 1, HAVE_MON = 2, HAVE_MDAY = 4, HAVE_YDAY = 8,
	HAVE_HOUR = 16, HAVE_HOUR12 = 32, HAVE_PM = 64, HAVE_EPOCH = 128,
	HAVE_ZONE = 256
};

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"
};
static const char *const day_names[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday"
};

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * One to max digits at *pp (as many as there are, up to max) into *out,
 * advancing *pp.  0 or -1.
 */
static int
digits(const char **pp, const char *end, int max, int *out)
{
	const char *p = *pp;
	int v = 0, n = 0;

	for (; p < end && n < max && is_digit(*p); p++, n++)
		v = v * 10 + (*p - '0');
	if (n == 0)
		return -1;
	*pp = p;
	*out = v;
	return 0;
}

/*
 * An English name among names[0..n) at *pp, in full or by its first three
 * letters, any case: its index, or -1.  The full name is tried first so
 * that "March" is not read as "Mar" followed by "ch".
 */
static int
name_of(const char **pp, const char *end, const char *const *names, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		for (k = 0; k < 2; k++) {
			size_t want = k == 0 ? len : 3, j;

			if ((size_t)(end - *pp) < want)
				continue;
			for (j = 0; j < want; j++)
				if (lower((unsigned char)(*pp)[j]) !=
				    names[i][j])
					break;
			if (j == want) {
				*pp += want;
				return i;
			}
		}
	}
	return -1;
}

/* %s: an optional sign and the seconds since the epoch. */
static int
epoch_seconds(const char **pp, const char *end, int64_t *out, int *neg)
{
	const char *p = *pp;
	int64_t v = 0;

	*neg = 0;
	if (p < end && (*p == '+' || *p == '-'))
		*neg = *p++ == '-';
	if (p == end || !is_digit(*p))
		return -1;
	for (; p < end && is_digit(*p); p++)
		/* past 2^63 ns anyway: seconds_ns refuses it later */
		if (v < INT64_C(100000000000000))
			v = v * 10 + (*p - '0');
	*pp = p;
	*out = v;
	return 0;
}

/*
 * Match fmt against s[0..end) from *pp into *t; %F, %T, %D and %R match
 * their expansion (one level: expansions hold no such letter).  0 or -1.
 */
static int
match_format(const char *fmt, const char **pp, const char *end,
    struct parts *t)
{
	static const char *const expand[] = {
		['F'] = "%Y-%m-%d", ['T'] = "%H:%M:%S", ['D'] = "%m/%d/%y",
		['R'] = "%H:%M",
	};
	const char *p = *pp;
	int v;

	for (; *fmt != '\0'; fmt++) {
		unsigned char c = (unsigned char)*fmt;

		if (is_blank((char)c)) {
			/* blanks match any run of blanks, none too */
			while (p < end && is_blank(*p))
				p++;
			continue;
		}
		if (c != '%') {
			if (p == end || *p != (char)c)
				return -1;
			p++;
			continue;
		}
		c = (unsigned char)*++fmt;
		switch (c) {
		case 'Y':
			if (fixed(&p, end, 4, &t->year))
				return -1;
			t->have |= HAVE_YEAR;
			break;
		case 'y':
			if (fixed(&p, end, 2, &v))
				return -1;
			/* POSIX: 69-99 are 1969-1999, 00-68 are 2000-2068 */
			t->year = v < 69 ? 2000 + v : 1900 + v;
			t->have |= HAVE_YEAR;
			break;
		case 'm':
			if (digits(&p, end, 2, &t->mon))
				return -1;
			t->have |= HAVE_MON;
			break;
		case 'b':
		case 'B':
		case 'h':
			if ((v = name_of(&p, end, month_names, 12)) < 0)
				return -1;
			t->mon = v + 1;
			t->have |= HAVE_MON;
			break;
		case 'a':
		case 'A':
			/* read and not checked against the date */
			if (name_of(&p, end, day_names, 7) < 0)
				return -1;
			break;
		case 'd':
		case 'e':
			if (c == 'e' && p < end && *p == ' ')
				p++;
			if (digits(&p, end, 2, &t->mday))
				return -1;
			t->have |= HAVE_MDAY;
			break;
		case 'j':
			if (digits(&p, end, 3, &t->yday))
				return -1;
			t->have |= HAVE_YDAY;
			break;
		case 'H':
			if (digits(&p, end, 2, &t->hour))
				return -1;
			t->have |= HAVE_HOUR;
			break;
		case 'I':
			if (digits(&p, end, 2, &t->hour))
				return -1;
			t->have |= HAVE_HOUR12;
			break;
		case 'p':
			if (end - p < 2 || lower((unsigned char)p[1]) != 'm' ||
			    (lower((unsigned char)p[0]) != 'a' &&
			    lower((unsigned char)p[0]) != 'p'))
				return -1;
			t->pm = lower((unsigned char)p[0]) == 'p';
			p += 2;
			t->have |= HAVE_PM;
			break;
		case 'M':
			if (digits(&p, end, 2, &t->min))
				return -1;
			break;
		case 'S':
			if (digits(&p, end, 2, &t->sec))
				return -1;
			break;
		case 'f':
			if ((p = fraction(p, end, &t->frac)) == NULL)
				return -1;
			break;
		case 's':
			if (epoch_seconds(&p, end, &t->epoch, &t->eneg))
				return -1;
			t->have |= HAVE_EPOCH;
			break;
		case 'z':
			t->off = INT64_MIN;
			if (zone(&p, end, &t->off) != 0 || t->off == INT64_MIN)
				return -1;
			t->have |= HAVE_ZONE;
			break;
		case 'Z':
			if (end - p >= 3 && (memcmp(p, "UTC", 3) == 0 ||
			    memcmp(p, "GMT", 3) == 0))
				p += 3;
			else if (p < end && *p == 'Z')
				p++;
			else
				return -1;
			t->off = 0;
			t->have |= HAVE_ZONE;
			break;
		case 'F':
		case 'T':
		case 'D':
		case 'R':
			if (match_format(expand[c], &p, end, t))
				return -1;
			break;
		case '%':
			if (p == end || *p != '%')
				return -1;
			p++;
			break;
		default:
			/* jn_time_format_check refused every other letter */
			return -1;
		}
	}
	*pp = p;
	return 0;
}

int
jn_time_format_check(const char *fmt, char *why, size_t size)
{
	unsigned have = 0;
	const char *f;

	for (f = fmt; *f != '\0'; f++) {
		if (*f != '%')
			continue;
		switch (*++f) {
		case 'Y': case 'y':
			have |= HAVE_YEAR;
			break;
		case 'm': case 'b': case 'B': case 'h':
			have |= HAVE_MON;
			break;
		case 'd': case 'e':
			have |= HAVE_MDAY;
			break;
		case 'j':
			have |= HAVE_YDAY;
			break;
		case 'F': case 'D':
			have |= HAVE_YEAR | HAVE_MON | HAVE_MDAY;
			break;
		case 'H': case 'T': case 'R':
			have |= HAVE_HOUR;
			break;
		case 'I':
			have |= HAVE_HOUR12;
			break;
		case 'p':
			have |= HAVE_PM;
			break;
		case 's':
			have |= HAVE_EPOCH;
			break;
		case 'a': case 'A': case 'M': case 'S': case 'f': case 'z':
		case 'Z': case '%':
			break;
		case '\0':
			snprintf(why, size, "ends with a lone %%");
			return -1;
		default:
			if ((unsigned char)*f < 0x20 || (unsigned char)*f >= 0x7f)
				snprintf(why, size, "unknown conversion "
				    "%%\\x%02x", (unsigned char)*f);
			else
				snprintf(why, size, "unknown conversion %%%c",
				    *f);
			return -1;
		}
	}
	if (have & HAVE_EPOCH)
		return 0;
	if (!(have & HAVE_YEAR) || (!(have & HAVE_YDAY) &&
	    (have & (HAVE_MON | HAVE_MDAY)) != (HAVE_MON | HAVE_MDAY))) {
		snprintf(why, size, "has no whole date (%%Y or %%y, with %%m "
		    "or %%b and %%d, or with %%j; or %%s)");
		return -1;
	}
	if ((have & HAVE_HOUR12) && !(have & HAVE_PM)) {
		snprintf(why, size, "has %%I without %%p");
		return -1;
	}
	if ((have & HAVE_PM) && !(have & HAVE_HOUR12)) {
		snprintf(why, size, "has %%p without %%I");
		return -1;
	}
	if ((have & HAVE_HOUR) && (have & HAVE_HOUR12)) {
		snprintf(why, size, "has both %%H and %%I");
		return -1;
	}
	return 0;
}

int
jn_time_parse_format(const char *fmt, const char *s, size_t len,
    int32_t off, int64_t *ns)
{
	struct parts t;
	const char *p = s, *end = s + len;
	int64_t days, secs;

	memset(&t, 0, sizeof t);
	t.off = off;
	if (match_format(fmt, &p, end, &t) != 0 || p != end)
		return -1;
	if ((t.have & HAVE_EPOCH) && !t.eneg)
		return seconds_ns(t.epoch, t.frac, ns);
	if (t.have & HAVE_EPOCH)	/* -v.f is -(v+1) plus 1 - .f */
		return seconds_ns(-t.epoch - (t.frac > 0), t.frac > 0 ?
		    JN_NS_PER_SEC - t.frac : 0, ns);
	if (t.have & HAVE_HOUR12) {
		if (t.hour < 1 || t.hour > 12)
			return -1;
		t.hour = t.hour % 12 + (t.pm ? 12 : 0);
	}
	if (t.hour > 23 || t.min > 59 || t.sec > 60)
		return -1;
	if (t.have & HAVE_MON) {
		if (t.mon < 1 || t.mon > 12 || t.mday < 1 ||
		    t.mday > month_days(t.year, t.mon))
			return -1;
		days = jn_days_from_civil(t.year, (unsigned)t.mon,
		    (unsigned)t.mday);
	} else {
		if (t.yday < 1 || t.yday > (is_leap(t.year) ? 366 : 365))
			return -1;
		days = jn_days_from_civil(t.year, 1, 1) + t.yday - 1;
	}
	if (t.sec == 60) {
		t.sec = 59;
		t.frac = JN_NS_PER_SEC - 1;
	}
	secs = days * 86400 + t.hour * 3600 + t.min * 60 + t.sec - t.off;
	return seconds_ns(secs, t.frac, ns);
}
