/*
 * Fuzz target for jfunnel's whole input path: the first byte picks one of
 * a few option sets (breakdown and value, strict order per session,
 * PostHog compatibility with exclusions, several windows, mid-funnel
 * entry, sorted input, explain...; two of them read and count with two
 * threads, the others with one), the rest is an event log in a temporary
 * file, and jfunnel's real main() runs over it.  Nothing may crash, leak
 * or exit.
 */
#include "tool.h"

int jfunnel_main(int argc, char **argv);

#define main jfunnel_main
#include "../../src/tools/jfunnel.c"
#undef main

#define S3 "-s", "view_item", "-s", "add_to_cart", "-s", "purchase"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/jn-fuzz-jfunnel-XXXXXX";
	char *sets[][32] = {
		{ "jfunnel", "--no-progress", "-j", "1", S3, path, NULL },
		{ "jfunnel", "--no-progress", "-j", "2", "--by", "device",
		    "--value", "revenue", "-o", "table", "--windows",
		    "10m,1d", S3, path, NULL },
		{ "jfunnel", "--no-progress", "-j", "1", "--order", "strict",
		    "--per", "session", "-w", "1h", "-s", "page~^/p/", "-s",
		    "page=/cart", "-s", "event=purchase && revenue>0", path,
		    NULL },
		{ "jfunnel", "--no-progress", "-j", "1", "--compat", "posthog",
		    "--exclude", "event=refund", "--exclude",
		    "1-2:page=/help", "--attribution", "last", "--by",
		    "country", "-o", "markdown", "--windows", "1h,0",
		    "--entry", "any", S3, path, NULL },
		{ "jfunnel", "--no-progress", "-j", "1", "--compat",
		    "clickhouse", "--order", "strict", "--dedup", "--increase",
		    "--reentry", "--attribution", "step2", "--by", "device",
		    "--value", "revenue", "-o", "ndjson", S3, path, NULL },
		{ "jfunnel", "--no-progress", "-j", "1", "--sorted", "-w", "0",
		    "--min-conversion", "0.5", "--explain", "u00000196",
		    "-o", "tsv", S3, path, NULL },
		{ "jfunnel", "--no-progress", "-j", "1", "-u", "session_id",
		    "-t", "timestamp", "-e", "page", "--where",
		    "device=mobile", "--since", "2026-10-01", "--until",
		    "2026-10-01T12:00:00Z", "--safe-csv", "-s", "/p/6",
		    "-s", "/cart", path, NULL },
		{ "jfunnel", "--no-progress", "-j", "2", "--strict",
		    "--rejects", "/dev/null", "--session-gap", "5m", "--per",
		    "session", "--order", "any", "--once", S3, path, NULL },
	};
	size_t nsets = sizeof sets / sizeof sets[0];

	if (size == 0)
		return 0;
	fuzz_file(path, data + 1, size - 1);
	fuzz_run(jfunnel_main, sets[data[0] % nsets]);
	unlink(path);
	return 0;
}
