/*
 * Fuzz target for jcompare's whole input path: the first byte picks one
 * of a few option sets, the rest is split at its first NUL byte into a
 * baseline and a current table (jfunnel's or jsegment's, as the tools
 * write them), and jcompare's real main() runs over them.  Nothing may
 * crash, leak or exit.
 */
#include "tool.h"

int jcompare_main(int argc, char **argv);

#define main jcompare_main
#include "../../src/tools/jcompare.c"
#undef main

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char base[] = "/tmp/jn-fuzz-jcompare-XXXXXX";
	char cur[] = "/tmp/jn-fuzz-jcompare2-XXXXXX";
	char *sets[][20] = {
		{ "jcompare", base, cur, NULL },
		{ "jcompare", "-o", "table", "--max-drop", "0.01", base, cur,
		    NULL },
		{ "jcompare", "--correction", "none", "--alpha", "0.5",
		    "--min-count", "1", "-o", "markdown", base, cur, NULL },
		{ "jcompare", "--correction", "bh", "--safe-csv", "-o",
		    "ndjson", base, cur, NULL },
		{ "jcompare", "--correction", "holm", "--max-drop", "0",
		    "-I", "csv", base, base, NULL },
	};
	size_t nsets = sizeof sets / sizeof sets[0];

	if (size == 0)
		return 0;
	fuzz_files2(base, cur, data + 1, size - 1);
	fuzz_run(jcompare_main, sets[data[0] % nsets]);
	unlink(base);
	unlink(cur);
	return 0;
}
