/*
 * Fuzz target for jfriction's whole input path: the first byte picks one
 * of a few option sets (the defaults, each detector tuned, a subset of
 * kinds, low_score on survey answers), the rest is an event log in a temporary file, and jfriction's
 * real main() runs over it.  Nothing may crash, leak or exit.
 */
#include "tool.h"

int jfriction_main(int argc, char **argv);

#define main jfriction_main
#include "../../src/tools/jfriction.c"
#undef main

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/jn-fuzz-jfriction-XXXXXX";
	char *sets[][40] = {
		{ "jfriction", "--no-progress", path, NULL },
		{ "jfriction", "--no-progress", "-o", "table", "--min-users",
		    "1", path, NULL },
		{ "jfriction", "--no-progress", "--min-users", "1", "--slow",
		    "500ms", "--load-unit", "ms", "--rage-clicks", "2",
		    "--rage-gap", "2s", "--loop-visits", "2",
		    "--repeat-within", "7d", "--value", "revenue",
		    "-o", "ndjson", path, NULL },
		{ "jfriction", "--no-progress", "--min-users", "1", "--only",
		    "error,rage_click,form_abandon", "--error", "declin|fail",
		    "--message-field", "message", "--click", "event=click",
		    "--target-field", "target", "--form-start",
		    "event=form_start", "--form-submit", "event=form_submit",
		    "-o", "markdown", path, NULL },
		{ "jfriction", "--no-progress", "--min-users", "1", "--skip",
		    "slow,exit", "--goal", "event=purchase", "--touchpoint",
		    "page", "--contact", "event=support_contact",
		    "--topic-field", "target", "--where", "page!=/", path,
		    NULL },
		{ "jfriction", "--no-progress", "--lcp", "--load-field",
		    "load_time_ms", "--load-unit", "s", "--session-gap",
		    "10m", "--since", "2026-10-01", "--until", "2026-10-03",
		    "--strict", "--rejects", "/dev/null", path, NULL },
		{ "jfriction", "--no-progress", "--min-users", "1", "--only",
		    "low_score,exit", "--nps", "nps", "--unit", "user",
		    "--strata", "device", "-j", "2", path, NULL },
	};
	size_t nsets = sizeof sets / sizeof sets[0];

	if (size == 0)
		return 0;
	fuzz_file(path, data + 1, size - 1);
	fuzz_run(jfriction_main, sets[data[0] % nsets]);
	unlink(path);
	return 0;
}
