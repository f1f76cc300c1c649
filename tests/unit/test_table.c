/*
 * Tests of whole-table reading: CSV with several tables in one stream,
 * repeated headers, absent cells, NDJSON tables and errors.
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

#include "journey/table.h"

static char *
tmpfile_with(const char *data)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/jn-test-table-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_true(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
	return path;
}

static void
test_sections(void **state)
{
	struct jn_tables ts = { 0 };
	char *p = tmpfile_with("kind,touchpoint,users\nslow,/cart,12\n"
	    "error,\"/a,b\",\n"
	    "kind,touchpoint,users\nloop,/x,3\n"
	    "step,name,count,conversion\n1,view,10,1\n2,buy,4,0.4\n");

	(void)state;
	assert_int_equal(jn_tables_load(&ts, p, JN_IN_AUTO), 0);
	unlink(p);
	assert_int_equal(ts.n, 2);
	assert_int_equal(ts.t[0].nrows, 3);
	assert_string_equal(jn_table_cell(&ts.t[0], 1, 1), "/a,b");
	assert_null(jn_table_cell(&ts.t[0], 1, 2));
	assert_int_equal(ts.t[0].lines[2], 5);
	assert_int_equal(jn_table_col(&ts.t[1], "count"), 2);
	assert_int_equal(jn_table_col(&ts.t[1], "nope"), -1);
	assert_string_equal(jn_table_cell(&ts.t[1], 1, 3), "0.4");
	jn_tables_release(&ts);
}

static void
test_ndjson(void **state)
{
	struct jn_tables ts = { 0 };
	char *p = tmpfile_with("{\"step\":1,\"name\":\"a\",\"median\":null}\n"
	    "{\"step\":2,\"name\":\"b\",\"median\":12.5}\n"
	    "{\"kind\":\"slow\"}\n");

	(void)state;
	assert_int_equal(jn_tables_load(&ts, p, JN_IN_AUTO), 0);
	unlink(p);
	assert_int_equal(ts.n, 2);
	assert_int_equal(ts.t[0].nrows, 2);
	assert_string_equal(jn_table_cell(&ts.t[0], 0, 0), "1");
	assert_null(jn_table_cell(&ts.t[0], 0, 2));
	assert_string_equal(jn_table_cell(&ts.t[0], 1, 2), "12.5");
	assert_string_equal(ts.t[1].names[0], "kind");
	jn_tables_release(&ts);
}

static void
test_errors(void **state)
{
	struct jn_tables ts = { 0 };
	char *p = tmpfile_with("a,b\n1,2\n3\n");

	(void)state;
	assert_int_equal(jn_tables_load(&ts, p, JN_IN_AUTO), -1);
	unlink(p);
	jn_tables_release(&ts);
	assert_int_equal(jn_tables_load(&ts, "/nonexistent", JN_IN_AUTO), -1);
	p = tmpfile_with("{\"a\":1\n");
	assert_int_equal(jn_tables_load(&ts, p, JN_IN_AUTO), -1);
	unlink(p);
	jn_tables_release(&ts);
}

/* One table of header and row; 0 when it validates. */
static int
validate(const char *data)
{
	struct jn_tables ts = { 0 };
	char *p = tmpfile_with(data);
	int rc;

	assert_int_equal(jn_tables_load(&ts, p, JN_IN_AUTO), 0);
	unlink(p);
	assert_int_equal(ts.n, 1);
	rc = jn_table_validate(&ts.t[0]);
	jn_tables_release(&ts);
	return rc;
}

static void
test_validate(void **state)
{
	(void)state;
	assert_int_equal(validate("users,share,other\n0,0,-1\n"
	    "9007199254740992,1,x\n,,\n"), 0);
	assert_int_equal(validate("users\n-1\n"), -1);
	assert_int_equal(validate("users\n9007199254740994\n"), -1);
	assert_int_equal(validate("users\n1.5\n"), -1);
	assert_int_equal(validate("share\n1.0001\n"), -1);
	assert_int_equal(validate("share\n-0.0001\n"), -1);
	assert_int_equal(validate("effort\n1e16\n"), -1);
	assert_int_equal(validate("effort\n-1\n"), -1);
	assert_int_equal(validate("value\n-9007199254740992\n"), 0);
	assert_int_equal(validate("value\n-1e16\n"), -1);
	assert_int_equal(validate("cost\n0\n"), -1);
	assert_int_equal(validate("cost\n0.000001\n"), 0);
	assert_int_equal(validate("step\n0\n"), -1);
	assert_int_equal(validate("step\n1\n"), 0);
	assert_int_equal(validate("revenue_at_risk\ninf\n"), -1);
	/* the column read is the first of its name */
	assert_int_equal(validate("users,users\n1,-1\n"), 0);
}

/* Tables glued of equal width, told apart; each kind by its columns. */
static void
test_kinds(void **state)
{
	struct jn_tables ts = { 0 };
	char *p = tmpfile_with("step,from,to,units,median_time\n"
	    "1,/a,/b,3,1.5\n"
	    "cohort,period,units,retained,rate\n2026-10-01,0,5,5,1\n"
	    "# journey {\"tool\":\"jfunnel\"}\n"
	    "cohort,period,units,retained,rate\n2026-10-02,0,4,4,1\n"
	    "device,step,name,count\nweb,1,view,10\n"
	    "period,kpi,value,expected,lower,upper,flag\n"
	    "2026-10-01,users,5,4,3,6,\n"
	    "rank,priority,score,kind,touchpoint\n1,P1,0.5,error,/pay\n"
	    "step,name,baseline_n,verdict,ci_low,ci_high\n"
	    "1,view,5,ok,0,0\n"
	    "x,y\n1,2\n");

	(void)state;
	assert_int_equal(jn_tables_load(&ts, p, JN_IN_AUTO), 0);
	unlink(p);
	assert_int_equal(ts.n, 8);
	assert_int_equal(jn_table_kind(&ts.t[0]), JN_TABLE_STEPS);
	assert_int_equal(ts.t[0].nrows, 1);
	assert_int_equal(jn_table_kind(&ts.t[1]), JN_TABLE_RETENTION);
	/* after a provenance line, the same header is a new table */
	assert_int_equal(jn_table_kind(&ts.t[2]), JN_TABLE_RETENTION);
	assert_non_null(ts.t[2].meta);
	assert_null(ts.t[1].meta);
	assert_int_equal(jn_table_kind(&ts.t[3]), JN_TABLE_FUNNEL);
	assert_int_equal(jn_table_kind(&ts.t[4]), JN_TABLE_WATCH);
	assert_int_equal(jn_table_kind(&ts.t[5]), JN_TABLE_BACKLOG);
	assert_int_equal(jn_table_kind(&ts.t[6]), JN_TABLE_COMPARE);
	assert_int_equal(jn_table_kind(&ts.t[7]), JN_TABLE_OTHER);
	assert_string_equal(jn_table_kind_name(JN_TABLE_FUNNEL), "funnel");
	assert_int_equal(jn_table_coltype("conversion"), JN_COL_RATE);
	assert_int_equal(jn_table_coltype("median_time"), JN_COL_DURATION);
	assert_int_equal(jn_table_coltype("count"), JN_COL_INT);
	assert_int_equal(jn_table_coltype("revenue_at_risk"), JN_COL_MONEY);
	assert_int_equal(jn_table_coltype("touchpoint"), JN_COL_STR);
	jn_tables_release(&ts);
	/* a row of names in a table of names is a row, not a header */
	p = tmpfile_with("kind,touchpoint\nslow,cart\nerror,pay\n");
	assert_int_equal(jn_tables_load(&ts, p, JN_IN_AUTO), 0);
	unlink(p);
	assert_int_equal(ts.n, 1);
	assert_int_equal(ts.t[0].nrows, 2);
	jn_tables_release(&ts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_ndjson),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
