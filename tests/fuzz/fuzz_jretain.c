/*
 * Fuzz target for jretain's whole input path: the first byte picks one of
 * a few option sets (every period, type and window, --cumulative,
 * breakdown and value, sorted input, --stickiness; three of them read and
 * count with two threads, the others with one), the rest is an event log
 * in a temporary file, and jretain's real main() runs over it.  Nothing
 * may crash, leak or exit.
 */
#include "tool.h"

int jretain_main(int argc, char **argv);

#define main jretain_main
#include "../../src/tools/jretain.c"
#undef main

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/jn-fuzz-jretain-XXXXXX";
	char *sets[][32] = {
		{ "jretain", "--no-progress", "-j", "1", path, NULL },
		{ "jretain", "--no-progress", "-j", "2", "--by", "device",
		    "--value", "revenue", "-o", "table", "--period", "day",
		    path, NULL },
		{ "jretain", "--no-progress", "-j", "1", "--type",
		    "recurring", "--window", "rolling", "--cumulative",
		    "--period", "month", "-o", "markdown", path, NULL },
		{ "jretain", "--no-progress", "-j", "1", "--start",
		    "signup", "--return", "/log|open/", "--periods", "3",
		    "--by", "plan", "--value", "revenue", "-o", "ndjson",
		    path, NULL },
		{ "jretain", "--no-progress", "-j", "1", "--sorted",
		    "--start", "event=purchase && revenue>0", "--return",
		    "purchase", "--value", "revenue", "-o", "tsv", path, NULL },
		{ "jretain", "--no-progress", "-j", "2", "--strict",
		    "--rejects", "/dev/null", "--period", "day", "--window",
		    "rolling", "--periods", "1000", "--where",
		    "device!=tablet", path, NULL },
		{ "jretain", "--no-progress", "-j", "2", "--stickiness",
		    "--return", "purchase", "--by", "country", "--value",
		    "revenue", "-o", "table", path, NULL },
	};
	size_t nsets = sizeof sets / sizeof sets[0];

	if (size == 0)
		return 0;
	fuzz_file(path, data + 1, size - 1);
	fuzz_run(jretain_main, sets[data[0] % nsets]);
	unlink(path);
	return 0;
}
