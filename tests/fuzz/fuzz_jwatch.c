/*
 * Fuzz target for jwatch's whole input path: the first byte picks one of
 * a few option sets (every period, --by and --drivers, --count and
 * --rate, an offset, --series on a table, the survey KPIs, --follow;
 * some read and count with two threads, the others with one), the rest
 * is an event log (or a series) in a temporary file, and jwatch's real
 * main() runs over it, the detector included.  Nothing may crash, leak or exit.
 */
#include "tool.h"

int jwatch_main(int argc, char **argv);

#define main jwatch_main
#include "../../src/tools/jwatch.c"
#undef main

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/jn-fuzz-jwatch-XXXXXX";
	char *sets[][32] = {
		{ "jwatch", "--no-progress", "-j", "1", path, NULL },
		{ "jwatch", "--no-progress", "-j", "2", "--by", "device",
		    "--goal", "purchase", "--value", "revenue", "--drivers",
		    "country", "-o", "table", path, NULL },
		{ "jwatch", "--no-progress", "-j", "1", "--period", "hour",
		    "--count", "buyers=purchase", "--rate",
		    "err=/err/i/page_view", "--utc-offset", "-03:30",
		    "--direction", "neg", "-o", "markdown", path, NULL },
		{ "jwatch", "--no-progress", "-j", "1", "--period", "week",
		    "--season", "2", "--max-anoms", "0.49", "--alpha", "0.5",
		    "--only-flagged", "--check-last", "3", "-o", "ndjson",
		    path, NULL },
		{ "jwatch", "--no-progress", "--series", "--season", "3",
		    "-o", "tsv", path, NULL },
		{ "jwatch", "--no-progress", "-j", "1", "--sorted", "--goal",
		    "event=purchase && revenue>0", "--kpis",
		    "conversion,users,bounce_rate", "--drivers", "device",
		    path, NULL },
		{ "jwatch", "--no-progress", "-j", "2", "--nps", "nps",
		    "--csat", "csat", "--by", "device", "--drivers", "country",
		    "--kpis", "nps,csat,ces,sessions", path, NULL },
		/* the last file is followed as it grows: /dev/null ends */
		{ "jwatch", "--no-progress", "--follow", "--period", "hour",
		    "--goal", "purchase", "--drivers", "device", "--value",
		    "revenue", "--lateness", "0", "--history", "30",
		    "--close-after", "1h", path, "/dev/null", NULL },
	};
	size_t nsets = sizeof sets / sizeof sets[0];

	if (size == 0)
		return 0;
	fuzz_file(path, data + 1, size - 1);
	fuzz_run(jwatch_main, sets[data[0] % nsets]);
	unlink(path);
	return 0;
}
