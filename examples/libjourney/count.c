/*
 * count: a tiny program on libjourney, reading event logs exactly as the
 * journey tools do.
 *
 *   count EXPR [FILE ...]
 *
 * Reads the files (standard input without one; CSV, TSV or NDJSON,
 * gzipped or not), and prints how many records it read, how many match
 * the predicate EXPR (jfunnel's step language: purchase, page~^/p/,
 * revenue>0 && device=mobile ...) and the first and last time among the
 * matches.  Bad records are skipped, counted and reported as the tools
 * do.
 *
 *   cc -o count count.c $(pkg-config --cflags --libs journey)
 */
#include <inttypes.h>
#include <stdio.h>

#include <journey/journey.h>

struct count {
	struct jn_pred *pred;
	int time_slot;
	uint64_t matched, timed;
	int64_t first, last;
};

static int
on_record(void *ctx, const struct jn_record *rec)
{
	struct count *c = ctx;
	size_t len;
	const char *t;
	int64_t ns;
	int m = jn_pred_match(c->pred, rec);

	if (m <= 0)
		return m;	/* 0: no match, go on; -1: error, reported */
	c->matched++;
	t = jn_record_get(rec, c->time_slot, &len);
	if (t == NULL || jn_time_parse(t, len, &ns) != 0)
		return 0;
	if (c->timed == 0 || ns < c->first)
		c->first = ns;
	if (c->timed == 0 || ns > c->last)
		c->last = ns;
	c->timed++;
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const time_names[] = { "timestamp", "time", "ts" };
	static const char *const event_names[] = { "event", "event_name",
		"name" };
	struct jn_schema schema;
	struct jn_badrec bad;
	struct jn_reader_opts opts = { .format = JN_IN_AUTO };
	struct count c = { .matched = 0 };
	uint64_t records = 0;
	char first[64], last[64];
	int event, status;

	jn_set_progname(argv[0]);
	if (argc < 2) {
		fprintf(stderr, "usage: count EXPR [FILE ...]\n");
		return JN_EXIT_ERROR;
	}
	jn_schema_init(&schema);
	c.time_slot = jn_schema_defaults(&schema, time_names, 3);
	event = jn_schema_defaults(&schema, event_names, 3);
	c.pred = jn_pred_compile(argv[1], &schema, event, "EXPR");
	if (c.pred == NULL || jn_badrec_init(&bad, 0, NULL) != 0)
		return JN_EXIT_ERROR;
	status = jn_read(argv + 2, argc - 2, &opts, &schema, &bad, on_record,
	    &c, &records);
	if (jn_badrec_finish(&bad, records) != 0)
		status = -1;
	if (status == 0) {
		printf("%" PRIu64 " records, %" PRIu64 " matching %s\n",
		    records, c.matched, argv[1]);
		if (c.timed > 0)
			printf("first %s, last %s\n",
			    jn_time_format(first, sizeof first, c.first),
			    jn_time_format(last, sizeof last, c.last));
	}
	jn_pred_free(c.pred);
	jn_schema_release(&schema);
	return status == 0 ? JN_EXIT_OK : JN_EXIT_ERROR;
}
