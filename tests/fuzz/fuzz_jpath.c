/*
 * Fuzz target for jpath's whole input path: the first byte picks one of a
 * few option sets (each view, the unit, --collapse, --by, --goal,
 * pruning, -o dot and mermaid, attribution's --value and --order,
 * survey answers in edges and next, and --merge, whose state records
 * jpath reads back itself), the rest is an event log or a state in a
 * temporary file, and
 * jpath's real main() runs over it.  Nothing may crash, leak or exit.
 */
#include "tool.h"

int jpath_main(int argc, char **argv);

#define main jpath_main
#include "../../src/tools/jpath.c"
#undef main

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/jn-fuzz-jpath-XXXXXX";
	char *sets[][24] = {
		{ "jpath", "--no-progress", path, NULL },
		{ "jpath", "--no-progress", "--view", "variants", "--goal",
		    "purchase", "--by", "device", "-o", "table", path, NULL },
		{ "jpath", "--no-progress", "--per", "session", "--collapse",
		    "--top", "2", "--min-share", "0.1", "--goal",
		    "event=purchase", "-o", "ndjson", path, NULL },
		{ "jpath", "--no-progress", "--merge", "--top", "3", path,
		    NULL },
		{ "jpath", "--no-progress", "--view", "variants", "--merge",
		    "-o", "markdown", path, NULL },
		{ "jpath", "--no-progress", "--raw-touchpoints", "--touchpoint",
		    "page", "--session-gap", "10m", "--strict", "--rejects",
		    "/dev/null", "--partial", path, NULL },
		{ "jpath", "--no-progress", "--view", "next", "--goal",
		    "/purchase/", "--top", "2", path, NULL },
		{ "jpath", "--no-progress", "--view", "steps", "--to",
		    "purchase", "--depth", "3", "--collapse", "--top", "1",
		    path, NULL },
		{ "jpath", "--no-progress", "--view", "steps", "--from",
		    "page~^/s", "--by", "device", "--per", "session", path,
		    NULL },
		{ "jpath", "--no-progress", "-o", "dot", "--by", "device",
		    "--top", "2", path, NULL },
		{ "jpath", "--no-progress", "-o", "mermaid", "--collapse",
		    "--top", "3", "--by", "device", path, NULL },
		{ "jpath", "--no-progress", "--view", "attribution", "--goal",
		    "purchase", "--value", "revenue", "--by", "device",
		    "--order", "2", "--half-life", "1h", "--top", "2", path,
		    NULL },
		{ "jpath", "--no-progress", "--view", "attribution", "--goal",
		    "event=purchase", "--collapse", "--merge", "--value",
		    "revenue", path, NULL },
		{ "jpath", "--no-progress", "--per", "session", "--nps",
		    "nps", "--by", "device", "--top", "2", "-j", "2", "-o",
		    "table", path, NULL },
		{ "jpath", "--no-progress", "--view", "next", "--csat", "csat",
		    "--per", "session", "--merge", "--top", "2", path, NULL },
	};
	size_t nsets = sizeof sets / sizeof sets[0];

	if (size == 0)
		return 0;
	fuzz_file(path, data + 1, size - 1);
	fuzz_run(jpath_main, sets[data[0] % nsets]);
	unlink(path);
	return 0;
}
