/*
 * Fuzz target for jreport's whole input path: the first byte picks one of
 * a few option sets, the rest is split at its first NUL byte into two
 * files of tables (any of the tools' tables, several in a stream, as
 * they write them), and jreport's real main() draws them: every kind of
 * chart over whatever numbers, names and shapes the fuzzer makes.
 * Nothing may crash, leak or exit.
 */
#include "tool.h"

int jreport_main(int argc, char **argv);

#define main jreport_main
#include "../../src/tools/jreport.c"
#undef main

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/jn-fuzz-jreport-XXXXXX";
	char path2[] = "/tmp/jn-fuzz-jreport2-XXXXXX";
	char *sets[][20] = {
		{ "jreport", path, path2, NULL },
		{ "jreport", "--top", "2", "--title", "<&>", path, NULL },
		{ "jreport", "-o", "svg", path, path2, NULL },
		{ "jreport", "-o", "svg", "--chart", "2", path, path2, NULL },
		{ "jreport", "-I", "ndjson", "--generated-at", "now", path,
		    NULL },
		{ "jreport", "-I", "tsv", path2, path, NULL },
	};
	size_t nsets = sizeof sets / sizeof sets[0];

	if (size == 0)
		return 0;
	fuzz_files2(path, path2, data + 1, size - 1);
	fuzz_run(jreport_main, sets[data[0] % nsets]);
	unlink(path);
	unlink(path2);
	return 0;
}
