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

#endif
