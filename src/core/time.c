/*
 * Times and durations without the C library's time functions: calendar
 * arithmetic on the proleptic Gregorian calendar (days from civil date),
 * so that no result depends on TZ, the locale or the C library.
 */
#include "journey/time.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int64_t
jn_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	/* shift the year to start in March so leap days come last */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
month_days(int64_t y, unsigned m)
{
	static const unsigned char days[] = { 31, 28, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Exactly n decimal digits at *p into *out; advances *p.  0 or -1. */
static int
digits(const char **p, const char *end, int n, int64_t *out)
{
	int64_t v = 0;
	int i;

	if (end - *p < n)
		return -1;
	for (i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* Multiply-add with int64 overflow checks.  0 or -1. */
static int
mul_add(int64_t a, int64_t b, int64_t c, int64_t *out)
{
	int64_t r;

	if (__builtin_mul_overflow(a, b, &r) ||
	    __builtin_add_overflow(r, c, &r))
		return -1;
	*out = r;
	return 0;
}

static int
parse_iso(const char *p, const char *end, int64_t *ns)
{
	int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, oh, om, days;
	int64_t offset = 0, total;
	int ndig = 0;

	if (digits(&p, end, 4, &y) || p == end || *p++ != '-' ||
	    digits(&p, end, 2, &mo) || p == end || *p++ != '-' ||
	    digits(&p, end, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, (unsigned)mo))
		return -1;
	if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
		p++;
		if (digits(&p, end, 2, &h) || p == end || *p++ != ':' ||
		    digits(&p, end, 2, &mi))
			return -1;
		if (p < end && *p == ':') {
			p++;
			if (digits(&p, end, 2, &sec))
				return -1;
			if (p < end && (*p == '.' || *p == ',')) {
				p++;
				while (p < end && *p >= '0' && *p <= '9') {
					/* digits past nanoseconds are cut */
					if (ndig < 9) {
						frac = frac * 10 + (*p - '0');
						ndig++;
					}
					p++;
				}
				if (ndig == 0)
					return -1;
				for (; ndig < 9; ndig++)
					frac *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (p < end && (*p == 'Z' || *p == 'z')) {
			p++;
		} else if (p < end && (*p == '+' || *p == '-')) {
			int sign = *p++ == '-' ? -1 : 1;

			if (digits(&p, end, 2, &oh))
				return -1;
			if (p < end && *p == ':')
				p++;
			if (digits(&p, end, 2, &om) || oh > 23 || om > 59)
				return -1;
			offset = sign * (oh * 3600 + om * 60);
		}
	}
	if (p != end)
		return -1;
	/* a leap second is read as the last instant of its minute */
	if (sec == 60) {
		sec = 59;
		frac = JN_NS_PER_SEC - 1;
	}
	days = jn_days_from_civil(y, (unsigned)mo, (unsigned)d);
	total = days * 86400 + h * 3600 + mi * 60 + sec - offset;
	return mul_add(total, JN_NS_PER_SEC, frac, ns);
}

/*
 * An epoch number: optional sign, digits, optional fraction.  Seconds,
 * milliseconds or microseconds by the magnitude of the integer part.
 */
static int
parse_epoch(const char *p, const char *end, int64_t *ns)
{
	int neg = 0, ndig = 0, nfrac = 0;
	int64_t ip = 0, frac = 0, unit, scale, v;

	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	for (; p < end && *p >= '0' && *p <= '9'; p++, ndig++)
		if (mul_add(ip, 10, *p - '0', &ip))
			return -1;
	if (ndig == 0)
		return -1;
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++)
			if (nfrac < 9) {
				frac = frac * 10 + (*p - '0');
				nfrac++;
			}
	}
	if (p != end)
		return -1;
	if (ip < INT64_C(100000000000))
		unit = JN_NS_PER_SEC;
	else if (ip < INT64_C(100000000000000))
		unit = 1000000;
	else
		unit = 1000;
	/* the fraction, in units of 10^-nfrac, scaled to nanoseconds */
	for (scale = 1; nfrac > 0; nfrac--)
		scale *= 10;
	if (mul_add(ip, unit, frac * unit / scale, &v))
		return -1;
	*ns = neg ? -v : v;
	return 0;
}

int
jn_time_parse(const char *s, size_t len, int64_t *ns)
{
	const char *end = s + len;

	if (len == 0)
		return -1;
	if (len >= 10 && s[4] == '-')
		return parse_iso(s, end, ns);
	return parse_epoch(s, end, ns);
}

int
jn_duration_parse(const char *s, int64_t *ns)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = {
		{ "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 },
		{ "h", 3600e9 }, { "d", 86400e9 }, { "w", 604800e9 }, { "", 1e9 },
	};
	const char *p = s;
	double v = 0, scale = 1;
	int ndig = 0;
	size_t i;

	for (; *p >= '0' && *p <= '9'; p++, ndig++)
		v = v * 10 + (*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, ndig++) {
			scale /= 10;
			v += (*p - '0') * scale;
		}
	if (ndig == 0)
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(p, units[i].name) == 0) {
			double r = v * units[i].ns;

			if (!(r < 9.2e18))
				return -1;
			*ns = (int64_t)llround(r);
			return 0;
		}
	return -1;
}

char *
jn_time_format(char *buf, size_t size, int64_t ns)
{
	int64_t secs = ns / JN_NS_PER_SEC, rem = ns % JN_NS_PER_SEC, y;
	int64_t days, sod;
	unsigned m, d;
	int ms;

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
	civil_from_days(days, &y, &m, &d);
	ms = (int)(rem / 1000000);
	if (ms)
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
		double secs;
	} units[] = {
		{ "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 },
	};
	const char *sign = "";
	size_t i;

	if (isnan(seconds)) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	if (seconds < 0) {
		sign = "-";
		seconds = -seconds;
	}
	if (seconds < 1) {
		long ms = (long)(seconds * 1000);

		if (ms == 0)
			snprintf(buf, size, "0s");
		else
			snprintf(buf, size, "%s%ldms", sign, ms);
		return buf;
	}
	for (i = 0; i < 4; i++) {
		double big = floor(seconds / units[i].secs);

		if (big < 1)
			continue;
		if (i < 3) {
			double small = floor((seconds - big * units[i].secs) /
			    units[i + 1].secs);

			if (small >= 1) {
				snprintf(buf, size, "%s%.0f%s %.0f%s", sign,
				    big, units[i].name, small,
				    units[i + 1].name);
				return buf;
			}
		}
		snprintf(buf, size, "%s%.0f%s", sign, big, units[i].name);
		return buf;
	}
	snprintf(buf, size, "0s");
	return buf;
}
