/*
 * Tests of the charts of the toolkit's tables (journey/chart.h), drawn
 * from small tables whose figures are worked by hand: a funnel's lede
 * names its largest drop-off and its reach, bars come one a row up to
 * --top with a note for the rest, a watch's KPI is a rate exactly when
 * its rows say so, labels are cut between characters, names add up.
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

#include "journey/chart.h"
#include "journey/table.h"

/* Load the CSV text as one table into *ts; t is its table. */
static const struct jn_table *
load(struct jn_tables *ts, const char *csv)
{
	char path[] = "/tmp/jn-test-chart-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	assert_non_null(f);
	fputs(csv, f);
	assert_int_equal(fclose(f), 0);
	memset(ts, 0, sizeof *ts);
	assert_int_equal(jn_tables_load(ts, path, JN_IN_CSV), 0);
	unlink(path);
	assert_int_equal(ts->n, 1);
	return &ts->t[0];
}

/* A chart of t with --top top, no group column. */
static void
chart_init(struct jn_chart *s, const struct jn_table *t, size_t top)
{
	memset(s, 0, sizeof *s);
	s->t = t;
	s->kind = jn_table_kind(t);
	s->group = -1;
	s->top = top;
	snprintf(s->heading, sizeof s->heading, "test");
}

/* How many times needle stands in hay. */
static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void
test_funnel(void **state)
{
	struct jn_tables ts;
	struct jn_chart s;
	const struct jn_table *t = load(&ts,
	    "step,name,count,conversion,step_conversion,dropped\n"
	    "1,view,1000,1.0000,1.0000,0\n"
	    "2,cart,400,0.4000,0.4000,600\n"
	    "3,buy,100,0.1000,0.2500,300\n");

	(void)state;
	chart_init(&s, t, 15);
	assert_int_equal(s.kind, JN_TABLE_FUNNEL);
	jn_chart_funnel(&s);
	/* 100 of 1000 reach the end; 600 lost from view to cart, 60% */
	assert_non_null(strstr(s.lede.buf, "100 of 1,000 units (10.0%) "
	    "reached buy"));
	assert_non_null(strstr(s.lede.buf, "view \xe2\x86\x92 cart: 600 "
	    "units lost (60.0%)"));
	assert_non_null(s.hl);
	assert_int_equal(s.hl[1], 1);	/* the row of the drop-off */
	assert_int_equal(s.hl[0] + s.hl[2], 0);
	assert_true(strncmp(s.svg.buf, "<svg", 4) == 0);
	jn_chart_release(&s);
	jn_tables_release(&ts);
}

static void
test_segments_top(void **state)
{
	struct jn_tables ts;
	struct jn_chart s;
	const struct jn_table *t = load(&ts,
	    "segment,users,share,converted,conversion\n"
	    "a,10,0.1000,5,0.5000\n"
	    "b,60,0.6000,6,0.1000\n"
	    "c,30,0.3000,6,0.2000\n");

	(void)state;
	chart_init(&s, t, 2);
	assert_int_equal(s.kind, JN_TABLE_SEGMENT);
	jn_chart_segments(&s);
	/* the largest of the rows drawn; two bars; the third noted */
	assert_non_null(strstr(s.lede.buf, "3 segments; the largest is b "
	    "with 60 users (60.0%)."));
	assert_int_equal(count(s.svg.buf, "<rect"), 2);
	assert_non_null(strstr(s.note.buf, "The chart shows 2 of 3 "
	    "segments (--top)"));
	jn_chart_release(&s);
	jn_tables_release(&ts);
}

static void
test_kpi_is_rate(void **state)
{
	struct jn_tables ts;
	const struct jn_table *t = load(&ts,
	    "period,kpi,value,denominator\n"
	    "2026-10-01,conversion,12,\n"
	    "2026-10-01,aov,52.5,100\n"
	    "2026-10-01,share,0.3,100\n"
	    "2026-10-02,share,1,90\n"
	    "2026-10-01,loose,0.3,\n"
	    "2026-10-01,over,0.3,100\n"
	    "2026-10-02,over,1.5,100\n");
	int kc = jn_table_col(t, "kpi");

	(void)state;
	/* by name, whatever its values */
	assert_int_equal(jn_chart_kpi_is_rate(t, 0, t->nrows, kc,
	    "conversion"), 1);
	/* by its rows: a denominator and values in [0, 1] */
	assert_int_equal(jn_chart_kpi_is_rate(t, 0, t->nrows, kc, "share"),
	    1);
	assert_int_equal(jn_chart_kpi_is_rate(t, 0, t->nrows, kc, "aov"),
	    0);
	assert_int_equal(jn_chart_kpi_is_rate(t, 0, t->nrows, kc, "loose"),
	    0);
	assert_int_equal(jn_chart_kpi_is_rate(t, 0, t->nrows, kc, "over"),
	    0);
	/* only the rows from r0 on count */
	assert_int_equal(jn_chart_kpi_is_rate(t, 6, t->nrows, kc, "over"),
	    0);
	assert_int_equal(jn_chart_kpi_is_rate(t, 0, 6, kc, "over"), 1);
	jn_tables_release(&ts);
}

static void
test_labelled(void **state)
{
	char buf[8];

	(void)state;
	jn_chart_labelled(buf, sizeof buf, "", "abc");
	assert_string_equal(buf, "abc");
	/* "g · abc" is 8 bytes: 7 fit */
	jn_chart_labelled(buf, sizeof buf, "g", "abc");
	assert_string_equal(buf, "g \xc2\xb7 ab");
	/* "é" is two bytes: cut before it, never inside */
	jn_chart_labelled(buf, sizeof buf, "", "abcdef\xc3\xa9z");
	assert_string_equal(buf, "abcdef");
}

static void
test_names(void **state)
{
	struct jn_names ns = { 0 };

	(void)state;
	assert_int_equal(jn_names_add(&ns, "x", 1), 0);
	assert_int_equal(jn_names_add(&ns, "y", 2), 1);
	assert_int_equal(jn_names_add(&ns, "x", 3), 0);
	assert_true(ns.w[0] == 4 && ns.w[1] == 2);
	assert_int_equal(jn_names_find(&ns, "y"), 1);
	assert_int_equal(jn_names_find(&ns, "z"), SIZE_MAX);
	jn_names_free(&ns);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_funnel),
		cmocka_unit_test(test_segments_top),
		cmocka_unit_test(test_kpi_is_rate),
		cmocka_unit_test(test_labelled),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
