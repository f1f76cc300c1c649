/*
 * Fuzz target for jscore's whole input path: the first byte picks one of
 * a few option sets, the rest is split at its first NUL byte into a table
 * (jfriction's items or jfunnel's steps, as the tools write them) and a
 * second file, read as a costs table or as a second input, and jscore's
 * real main() runs over them.  Nothing may crash, leak or exit.
 */
#include "tool.h"

int jscore_main(int argc, char **argv);

#define main jscore_main
#include "../../src/tools/jscore.c"
#undef main

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/jn-fuzz-jscore-XXXXXX";
	char path2[] = "/tmp/jn-fuzz-jscore2-XXXXXX";
	char *sets[][20] = {
		{ "jscore", path, NULL },
		{ "jscore", "-o", "markdown", "--top", "5", path, NULL },
		{ "jscore", "-o", "table", "--costs", path2, "--fail-on",
		    "P1", path, NULL },
		{ "jscore", "--weights", "revenue=2,support=0.5,effort=1",
		    "--fail-on", "P2", "--safe-csv", path, path2, NULL },
		{ "jscore", "-o", "ndjson", "-I", "csv", "--top", "1", path,
		    NULL },
		{ "jscore", "-I", "ndjson", "--costs", path2, path, NULL },
	};
	size_t nsets = sizeof sets / sizeof sets[0];

	if (size == 0)
		return 0;
	fuzz_files2(path, path2, data + 1, size - 1);
	fuzz_run(jscore_main, sets[data[0] % nsets]);
	unlink(path);
	unlink(path2);
	return 0;
}
