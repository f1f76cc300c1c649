/*
 * Tests of the XES converter: the NDJSON lines it makes of traces and
 * events (trace attributes first, "case:" before their keys), what it
 * ignores, the lines it gives each event, bad XML, detection, and the
 * reader over an XES file fed a byte at a time and whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "journey/reader.h"
#include "journey/record.h"
#include "journey/xes.h"

#define MAXLINES 16

struct out {
	int n;
	char line[MAXLINES][512];
	struct jn_xes_item item[MAXLINES];
	char reason[MAXLINES][256];
	char raw[MAXLINES][512];
	int rc;
};

/* Convert doc, fed step bytes at a time (0: whole), into o. */
static void
convert(const char *doc, size_t step, struct out *o)
{
	struct jn_xes *x = jn_xes_new();
	size_t n = strlen(doc), at = 0, len = 0;
	char buf[8192];
	const char *p;

	memset(o, 0, sizeof *o);
	if (step == 0)
		step = n > 0 ? n : 1;
	for (;;) {
		size_t k = n - at < step ? n - at : step;
		int final = at + k == n;

		if (jn_xes_feed(x, doc + at, k, final) != 0) {
			o->rc = -1;
			break;
		}
		at += k;
		len += jn_xes_read(x, buf + len, sizeof buf - 1 - len);
		if (final)
			break;
	}
	len += jn_xes_read(x, buf + len, sizeof buf - 1 - len);
	buf[len] = '\0';
	for (p = buf; *p != '\0' && o->n < MAXLINES; o->n++) {
		const char *nl = strchr(p, '\n');
		struct jn_xes_item *it = &o->item[o->n];

		assert_non_null(nl);
		snprintf(o->line[o->n], sizeof o->line[0], "%.*s",
		    (int)(nl - p), p);
		assert_int_equal(jn_xes_pop(x, it), 0);
		if (it->bad) {
			snprintf(o->reason[o->n], 256, "%s", it->reason);
			snprintf(o->raw[o->n], 512, "%.*s", (int)it->rawlen,
			    it->raw);
		}
		p = nl + 1;
	}
	if (o->rc == 0) {
		struct jn_xes_item it;

		assert_int_equal(jn_xes_pop(x, &it), -1);
	}
	jn_xes_free(x);
}

static const char doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<log xes.version=\"1.0\">\n"
    "  <string key=\"concept:name\" value=\"the log\"/>\n"
    "  <global scope=\"event\"><string key=\"g\" value=\"x\"/></global>\n"
    "  <trace>\n"
    "    <string key=\"concept:name\" value=\"c1\"/>\n"
    "    <event>\n"
    "      <string key=\"concept:name\" value=\"A\"/>\n"
    "      <date key=\"time:timestamp\" value=\"2024-01-01T00:00:00Z\"/>\n"
    "      <string key=\"lifecycle:transition\" value=\"start\"/>\n"
    "      <list key=\"l\"><int key=\"n\" value=\"1\"/></list>\n"
    "    </event>\n"
    "    <event><float key=\"v\" value=\"1.5\"/>"
    "<boolean key=\"b\" value=\"true\"/></event>\n"
    "    <int key=\"late\" value=\"7\"/>\n"
    "  </trace>\n"
    "  <trace><event/></trace>\n"
    "</log>\n";

static void
check_doc(const struct out *o)
{
	assert_int_equal(o->rc, 0);
	assert_int_equal(o->n, 3);
	/* trace attributes, even one after the events, come first */
	assert_string_equal(o->line[0], "{\"case:concept:name\":\"c1\","
	    "\"case:late\":\"7\",\"concept:name\":\"A\",\"time:timestamp\":"
	    "\"2024-01-01T00:00:00Z\",\"lifecycle:transition\":\"start\"}");
	assert_int_equal(o->item[0].line, 7);
	assert_string_equal(o->line[1], "{\"case:concept:name\":\"c1\","
	    "\"case:late\":\"7\",\"v\":\"1.5\",\"b\":\"true\"}");
	assert_int_equal(o->item[1].line, 13);
	assert_false(o->item[1].bad);
	/* a trace and an event without attributes: an empty object */
	assert_string_equal(o->line[2], "{}");
	assert_int_equal(o->item[2].line, 16);
}

static void
test_lines(void **state)
{
	struct out o;

	(void)state;
	convert(doc, 0, &o);
	check_doc(&o);
}

/* Fed a byte at a time, or in 7-byte pieces, the result is the same. */
static void
test_chunks(void **state)
{
	struct out o;

	(void)state;
	convert(doc, 1, &o);
	check_doc(&o);
	convert(doc, 7, &o);
	check_doc(&o);
}

static void
test_escapes(void **state)
{
	struct out o;

	(void)state;
	convert("<log><trace><event><string key=\"k&quot;\" "
	    "value=\"a&quot;b\\c&#10;d&#9;&lt;\"/></event></trace></log>", 0,
	    &o);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.line[0],
	    "{\"k\\\"\":\"a\\\"b\\\\c\\u000ad\\u0009<\"}");
	/* Latin-1 in, UTF-8 out */
	convert("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><log><trace>"
	    "<event><string key=\"k\" value=\"caf\xe9\"/></event></trace>"
	    "</log>", 0, &o);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.line[0], "{\"k\":\"caf\xc3\xa9\"}");
}

static void
test_bad_xml(void **state)
{
	struct out o;

	(void)state;
	convert("<log>\n<trace><string key=\"concept:name\" value=\"1\"/>"
	    "<event/></trace>\n<trace>\n<event></evnt>\n</trace>\n"
	    "<trace><event/></trace></log>\n", 0, &o);
	assert_int_equal(o.rc, 0);
	assert_int_equal(o.n, 3);
	assert_string_equal(o.line[0], "{\"case:concept:name\":\"1\"}");
	assert_string_equal(o.line[1], "");
	assert_true(o.item[1].bad);
	assert_int_equal(o.item[1].line, 4);
	assert_string_equal(o.reason[1], "bad XML: mismatched tag (the "
	    "trace from line 3 skipped)");
	/* the trace's bytes up to the end of the error's line */
	assert_string_equal(o.raw[1], "<trace>\n<event></evnt>");
	/* reading goes on at the next trace, with the file's lines */
	assert_string_equal(o.line[2], "{}");
	assert_false(o.item[2].bad);
	assert_int_equal(o.item[2].line, 6);

	/* errors one after another, fed in pieces: each one item */
	convert("<log><trace><event></x></trace>\n<trace>\n<trace><event>"
	    "</event></trace>\n<trace>&bad;</trace>\n<trace>\n<event>"
	    "<string key=\"k\" value=\"v\"/></event></trace></log>", 5, &o);
	assert_int_equal(o.n, 3);
	assert_true(o.item[0].bad);
	assert_int_equal(o.item[0].line, 1);
	assert_string_equal(o.reason[0], "bad XML: mismatched tag (the "
	    "trace from line 1 skipped)");
	/* a trace inside a trace is an unknown element of the outer one */
	assert_true(o.item[1].bad);
	assert_int_equal(o.item[1].line, 4);
	assert_string_equal(o.reason[1], "bad XML: undefined entity (the "
	    "trace from line 2 skipped)");
	assert_false(o.item[2].bad);
	assert_string_equal(o.line[2], "{\"k\":\"v\"}");
	assert_int_equal(o.item[2].line, 6);

	/* cut short */
	convert("<log><trace><event/>", 3, &o);
	assert_int_equal(o.n, 1);
	assert_true(o.item[0].bad);
	assert_string_equal(o.reason[0], "bad XML: no element found (the "
	    "trace from line 1 skipped)");
	convert("<log>\n", 0, &o);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.reason[0], "bad XML: no element found (the "
	    "file ends inside the log)");

	/* empty or blank: no events, no error */
	convert("", 0, &o);
	assert_int_equal(o.n, 0);
	convert(" \n", 0, &o);
	assert_int_equal(o.n, 0);
}

static void
test_not_xes(void **state)
{
	struct out o;
	struct jn_xes *x = jn_xes_new();
	uint64_t line = 9;

	(void)state;
	convert("<html><trace><event/></trace></html>", 0, &o);
	assert_int_equal(o.rc, -1);
	assert_int_equal(o.n, 0);

	assert_int_equal(jn_xes_feed(x, "<a/>", 4, 1), -1);
	assert_string_equal(jn_xes_error(x, &line), "not an XES log: the "
	    "root element is 'a', not 'log'");
	assert_int_equal(line, 0);
	jn_xes_free(x);
}

static void
test_detect(void **state)
{
	(void)state;
	assert_true(jn_xes_detect(1, "x.csv", "a,b", 3));
	assert_true(jn_xes_detect(0, "x.xes", "", 0));
	assert_true(jn_xes_detect(0, "dir/x.xes.gz", "\x1f\x8b", 2));
	assert_true(jn_xes_detect(0, "<stdin>", "\n <?xml ", 8));
	assert_true(jn_xes_detect(0, "<stdin>", "<log>", 5));
	assert_true(jn_xes_detect(0, "<stdin>", "<log", 4));
	assert_false(jn_xes_detect(0, "<stdin>", "<logs>", 6));
	assert_false(jn_xes_detect(0, "x.xes.csv", "user,time", 9));
	assert_false(jn_xes_detect(0, "x.csv", "{\"a\":1}", 7));
}

/* The reader over an XES file: default names, lines, a bad trace. */
struct got {
	int n;
	char user[8][32], event[8][32];
	uint64_t line[8];
};

static int uslot, eslot;

static int
collect(void *ctx, const struct jn_record *rec)
{
	struct got *g = ctx;
	const char *s;
	size_t len;

	assert_true(g->n < 8);
	assert_int_equal(rec->format, JN_IN_NDJSON);
	s = jn_record_get(rec, uslot, &len);
	snprintf(g->user[g->n], 32, "%.*s", (int)len, s ? s : "(null)");
	s = jn_record_get(rec, eslot, &len);
	snprintf(g->event[g->n], 32, "%.*s", (int)len, s ? s : "(null)");
	g->line[g->n++] = rec->line;
	return 0;
}

static void
test_reader(void **state)
{
	static const char *const users[] = { "case:concept:name", "user_id" };
	static const char *const events[] = { "concept:name", "event" };
	char dir[] = "/tmp/jn-test-xes-XXXXXX", path[64];
	char *files[1] = { path };
	struct jn_reader_opts opts;
	struct jn_schema schema;
	struct jn_badrec bad;
	struct got g;
	uint64_t nin;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/log.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("<log>\n<trace><string key=\"concept:name\" value=\"u1\"/>\n"
	    "<event><string key=\"concept:name\" value=\"view\"/></event>\n"
	    "<event><string key=\"concept:name\" value=\"buy\"/></event>\n"
	    "</trace>\n<trace><event></trace>\n</log>\n", f);
	fclose(f);
	jn_schema_init(&schema);
	uslot = jn_schema_defaults(&schema, users, 2);
	eslot = jn_schema_defaults(&schema, events, 2);
	memset(&opts, 0, sizeof opts);
	memset(&g, 0, sizeof g);
	assert_int_equal(jn_badrec_init(&bad, 0, NULL), 0);
	/* detected by content ("<log"), whatever the name */
	assert_int_equal(jn_read(files, 1, &opts, &schema, &bad, collect, &g,
	    &nin), 0);
	assert_int_equal(nin, 3);
	assert_int_equal(bad.count, 1);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.user[0], "u1");
	assert_string_equal(g.event[0], "view");
	assert_int_equal(g.line[0], 3);
	assert_string_equal(g.event[1], "buy");
	assert_int_equal(g.line[1], 4);
	bad.count = 0;
	jn_badrec_finish(&bad, nin);
	jn_schema_release(&schema);
	unlink(path);
	rmdir(dir);
}

static void
test_format_names(void **state)
{
	enum jn_input_format fmt;

	(void)state;
	assert_int_equal(jn_event_format_parse("xes", &fmt), 0);
	assert_int_equal(fmt, JN_IN_XES);
	assert_int_equal(jn_event_format_parse("jsonl", &fmt), 0);
	assert_int_equal(fmt, JN_IN_NDJSON);
	/* tables are never XES */
	assert_int_equal(jn_input_format_parse("xes", &fmt), -1);
	assert_int_equal(jn_event_format_parse("xml", &fmt), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_bad_xml),
		cmocka_unit_test(test_not_xes),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
