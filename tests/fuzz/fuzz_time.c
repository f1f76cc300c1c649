/*
 * Fuzz target for times and durations.  Any bytes must parse or be
 * refused without a crash or a read past their length; an accepted time
 * with millisecond precision formats and parses back to the same
 * instant, any other to its millisecond; formatting and human durations
 * stay inside buffers sized exactly as the caller says; the per-thread
 * date cache changes no answer.  Bytes with a newline are also a
 * --time-format (before it) and a time to read with it (after it, with
 * no terminator): a format refused by jn_time_format_check is never used,
 * one accepted reads any text without a crash, the same way twice, and
 * a zone given moves a time without its own zone by exactly that much.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journey/time.h"

#define MS	INT64_C(1000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Format ns, and read it back: the instant rounded down to its ms. */
static void
roundtrip(int64_t ns)
{
	char buf[40];
	int64_t back;

	jn_time_format(buf, sizeof buf, ns);
	if (strlen(buf) >= sizeof buf)
		abort();
	if (jn_time_parse(buf, strlen(buf), &back) != 0) {
		/*
		 * Only the first 224192 ns of the int64 range round down to
		 * a millisecond before it, which no int64 holds.
		 */
		if (ns % MS == 0 || ns >= INT64_MIN + MS)
			abort();
		return;
	}
	if (back % MS != 0 || back > ns || (uint64_t)ns - (uint64_t)back >=
	    (uint64_t)MS)
		abort();
	if (ns % MS == 0 && back != ns)
		abort();
}

/* Human output into a heap buffer of exactly size bytes. */
static void
human(size_t size, double secs)
{
	char *buf = malloc(size ? size : 1);

	if (buf == NULL)
		abort();
	jn_duration_human(buf, size, secs);
	if (size > 0 && strlen(buf) >= size)
		abort();
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *exact, *str;
	int64_t ns, dur;
	double d;

	/* No terminator: ASan sees any read past size. */
	exact = malloc(size ? size : 1);
	str = malloc(size + 1);
	if (exact == NULL || str == NULL)
		abort();
	memcpy(exact, data, size);
	memcpy(str, data, size);
	str[size] = '\0';

	{
		int64_t again = 0;
		int rc;

		/* read with another date cached, then with its own */
		if (jn_time_parse("1999-01-01", 10, &ns) != 0)
			abort();
		rc = jn_time_parse(exact, size, &ns);
		if (rc != jn_time_parse(exact, size, &again) ||
		    (rc == 0 && again != ns))
			abort();
		if (rc == 0)
			roundtrip(ns);
	}
	if (jn_duration_parse(str, &dur) == 0) {
		if (dur < 0)
			abort();
		human(size % 48, (double)dur / 1e9);
		human(40, (double)dur / 1e9);
	}
	{
		const char *nl = memchr(str, '\n', size);
		char why[128];
		int32_t off;

		(void)jn_time_zone_parse(str, &off);
		if (nl != NULL) {
			size_t flen = (size_t)(nl - str);
			size_t tlen = size - flen - 1;
			char *fmt = malloc(flen + 1), *text = malloc(tlen ? tlen : 1);
			int64_t a, b, c;
			int ra, rb, rc;

			if (fmt == NULL || text == NULL)
				abort();
			memcpy(fmt, str, flen);
			fmt[flen] = '\0';
			memcpy(text, nl + 1, tlen);
			if (jn_time_format_check(fmt, why, sizeof why) == 0) {
				ra = jn_time_parse_format(fmt, text, tlen, 0,
				    &a);
				rb = jn_time_parse_format(fmt, text, tlen, 0,
				    &b);
				rc = jn_time_parse_format(fmt, text, tlen, 3600,
				    &c);
				if (ra != rb || (ra == 0 && a != b))
					abort();
				/* a zone can only move a time that parsed */
				if (ra == 0 && rc == 0 && c != a &&
				    c != a - 3600 * INT64_C(1000000000))
					abort();
			} else if (strlen(why) >= sizeof why) {
				abort();
			}
			free(fmt);
			free(text);
		}
	}
	/* The raw bytes as an instant and as seconds, NaN and inf too. */
	if (size >= 8) {
		memcpy(&ns, data, 8);
		roundtrip(ns);
		memcpy(&d, data, 8);
		human(data[size - 1] % 48, d);
		human(40, d);
	}
	free(exact);
	free(str);
	return 0;
}
