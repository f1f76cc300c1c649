/*
 * Fuzz target for times and durations: any bytes must parse or be
 * refused without a crash; an accepted time formats and parses back to
 * the same instant at millisecond precision; formatting never overflows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journey/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], buf[48], human[32];
	int64_t ns, back, dur;

	if (size >= sizeof s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (jn_time_parse(s, size, &ns) == 0) {
		int64_t ms = ns - ((ns % 1000000) + 1000000) % 1000000;

		jn_time_format(buf, sizeof buf, ms);
		if (jn_time_parse(buf, strlen(buf), &back) != 0 || back != ms)
			abort();
	}
	if (jn_duration_parse(s, &dur) == 0) {
		if (dur < 0)
			abort();
		jn_duration_human(human, sizeof human, (double)dur / 1e9);
	}
	return 0;
}
