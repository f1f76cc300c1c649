/*
 * Time and duration parsing and formatting, without strptime, mktime or TZ:
 * results never depend on the environment.  Times are int64 nanoseconds
 * since 1970-01-01T00:00:00Z, which covers years 1678 to 2261; a time
 * outside that range is refused rather than wrapped.
 */
#ifndef JOURNEY_TIME_H
#define JOURNEY_TIME_H

#include <stddef.h>
#include <stdint.h>

#define JN_NS_PER_SEC INT64_C(1000000000)

/*
 * Parse s[0..len) as a time: RFC 3339 / ISO 8601
 * ("2026-10-01T12:00:00Z", "+02:00" / "+0200" offsets, 'T' or ' ' between
 * date and time, fractions to nanoseconds, "2026-10-01 12:00:00" and
 * "2026-10-01" taken as UTC) or an epoch number in seconds, milliseconds or
 * microseconds told apart by magnitude (|x| < 1e11 s, < 1e14 ms, else us),
 * possibly with a fraction.  Fields are range-checked (month 1-12, day in
 * month with leap years, hour 0-23, minute 0-59, second 0-60).  A leap
 * second (:60) is read as the last nanosecond of its minute.
 * Returns 0 and sets *ns, or -1 (not reported) when s is not a time.
 */
int jn_time_parse(const char *s, size_t len, int64_t *ns);

/*
 * jn_time_parse, but a date or date-time written without a zone is read
 * as local time off seconds east of UTC (--time-zone); epoch numbers and
 * times with a zone are not moved.  Returns 0 and sets *ns, or -1.
 */
int jn_time_parse_zone(const char *s, size_t len, int32_t off, int64_t *ns);

/*
 * A --time-zone argument: "Z" or "UTC", or "+HH:MM", "-HH:MM", "+HHMM",
 * "+HH", into seconds east of UTC.  Returns 0, or -1 (not reported).
 */
int jn_time_zone_parse(const char *s, int32_t *off);

/*
 * Check a --time-format: every '%' starts a known conversion, and the
 * conversions make a whole date (%Y or %y, with %m or %b and %d, or with
 * %j), or hold %s; %I goes with %p and not with %H.  Returns 0, or -1
 * with the reason ("unknown conversion %Q") in why[0..size).
 *
 * Conversions (strftime's letters, read by this module, never by
 * strptime):  %Y four-digit year; %y two-digit year (69-99 are 19xx,
 * 00-68 20xx); %m month and %d (or %e) day, one or two digits; %b, %B
 * or %h an English month name, full or its first three letters, any
 * case; %a or %A an English weekday, read and not checked; %j day of the
 * year, 1-3 digits; %H hour 0-23; %I hour 1-12 with %p AM or PM (any
 * case); %M minute; %S second (60 is a leap second); %f one or more
 * fraction digits (cut to nanoseconds); %s seconds since the epoch,
 * signed; %z a zone (Z, +HH:MM, +HHMM, +HH); %Z the letters UTC, GMT or
 * Z; %F %T %D %R as %Y-%m-%d, %H:%M:%S, %m/%d/%y, %H:%M; %% a percent
 * sign.  A blank matches any run of blanks, none too; any other byte
 * matches itself.
 */
int jn_time_format_check(const char *fmt, char *why, size_t size);

/*
 * Parse s[0..len) with a format that passed jn_time_format_check: the
 * whole of s must match.  Fields are range-checked as jn_time_parse
 * does; a time without %z, %Z or %s is local time off seconds east of
 * UTC.  Returns 0 and sets *ns, or -1 (not reported).
 */
int jn_time_parse_format(const char *fmt, const char *s, size_t len,
    int32_t off, int64_t *ns);

/*
 * Parse a duration: a non-negative number with unit us, ms, s, m, h, d or
 * w ("250ms", "90s", "1.5h"); a bare number is seconds.  Returns 0 and sets
 * *ns, or -1 (not reported).
 */
int jn_duration_parse(const char *s, int64_t *ns);

/*
 * Format ns as RFC 3339 UTC with milliseconds when non-zero
 * ("2026-10-01T12:00:00Z", "2026-10-01T12:00:00.250Z").  buf needs at
 * least 40 bytes.  Returns buf.
 */
char *jn_time_format(char *buf, size_t size, int64_t ns);

/*
 * Format seconds for humans: "0s", "45s", "2m 5s", "2h 5m", "3d 4h",
 * "850ms" below one second; one or two units, rounded down.  Returns buf.
 */
char *jn_duration_human(char *buf, size_t size, double seconds);

/* Days since 1970-01-01 of a proleptic Gregorian civil date. */
int64_t jn_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Its inverse: the civil date of day z since 1970-01-01.  Cannot fail. */
void jn_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* a / b rounded toward minus infinity (b != 0), for period numbers of
 * times before the epoch.  Cannot fail. */
int64_t jn_floor_div(int64_t a, int64_t b);

/*
 * Calendar periods, numbered: hours and days since 1970-01-01, weeks
 * (Monday to Sunday) since the week of 1969-12-29, months since January
 * of year 0.  Times are taken as they are: a tool shifts them to local
 * time (--utc-offset) first.
 */
enum jn_period { JN_PERIOD_HOUR, JN_PERIOD_DAY, JN_PERIOD_WEEK,
    JN_PERIOD_MONTH };

/* Its name: "hour", "day", "week" or "month". */
const char *jn_period_name(enum jn_period p);

/*
 * The period named arg among allowed[0..n) into *p: 0, or -1 reported as
 * "bad OPT 'ARG' (the allowed names)".
 */
int jn_period_parse(const char *opt, const char *arg,
    const enum jn_period *allowed, size_t n, enum jn_period *p);

/* The number of the period holding time ts (ns).  Cannot fail. */
int64_t jn_period_of(enum jn_period p, int64_t ts);

/* The day (since 1970-01-01) that period num starts in.  Cannot fail. */
int64_t jn_period_day(enum jn_period p, int64_t num);

/*
 * Its label into buf: "YYYY-MM-DDTHH:00" for an hour, the first day
 * "YYYY-MM-DD" for a day or a week, "YYYY-MM" for a month.  Returns its
 * length (snprintf's).
 */
size_t jn_period_label(enum jn_period p, int64_t num, char *buf,
    size_t size);

#endif
