/*
 * Fuzz target for jsegment's whole input path: the first byte picks one
 * of a few option sets (each preset, rules, profiles, tagging every event
 * in its input format), the rest is an event log in a temporary file, and
 * jsegment's real main() runs over it.  Nothing may crash, leak or exit.
 */
#include "tool.h"

int jsegment_main(int argc, char **argv);

#define main jsegment_main
#include "../../src/tools/jsegment.c"
#undef main

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/jn-fuzz-jsegment-XXXXXX";
	char *sets[][32] = {
		{ "jsegment", "--no-progress", "--preset", "rfm", path,
		    NULL },
		{ "jsegment", "--no-progress", "--preset", "rfm", "--tag",
		    path, NULL },
		{ "jsegment", "--no-progress", "--preset", "lifecycle",
		    "--profiles", "--field", "device", "-o", "table", path,
		    NULL },
		{ "jsegment", "--no-progress", "--preset", "value",
		    "--value", "revenue", "--now", "2026-10-05", "--period",
		    "3d", "-o", "ndjson", path, NULL },
		{ "jsegment", "--no-progress", "--by", "device",
		    "--tag=seg", "--where", "page~^/", path, NULL },
		{ "jsegment", "--no-progress", "--rule",
		    "buyer=conversions>0", "--rule", "busy=sessions>=2",
		    "--default", "other", "--goal", "event=add_to_cart",
		    "-o", "markdown", path, NULL },
		{ "jsegment", "--no-progress", "--profiles", "--safe-csv",
		    "-u", "session_id", "--since", "2026-10-01T01:00:00Z",
		    path, NULL },
		{ "jsegment", "--no-progress", "--preset", "rfm",
		    "--strict", "--rejects", "/dev/null", "--tag", path,
		    path, NULL },
		{ "jsegment", "--no-progress", "--clv", "--profiles",
		    "--value", "revenue", "--horizon", "26w", path, NULL },
		{ "jsegment", "--no-progress", "--by", "plan", "--nps",
		    "nps", "--rule", "sad=nps<0", "--rule", "easy=ces>5",
		    "-j", "2", "-o", "table", path, NULL },
	};
	size_t nsets = sizeof sets / sizeof sets[0];

	if (size == 0)
		return 0;
	fuzz_file(path, data + 1, size - 1);
	fuzz_run(jsegment_main, sets[data[0] % nsets]);
	unlink(path);
	return 0;
}
