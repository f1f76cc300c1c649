/*
 * Small tables read whole: the outputs of the journey tools (and any
 * CSV, TSV or NDJSON table with a header), as read back by the tools that
 * consume them (jscore, jcompare).  A stream may hold several tables one
 * after the other (`cat friction.csv funnel.csv | jscore`): a row that
 * repeats a header continues the table; a row after a provenance line, a
 * row of another width with only name-like cells, and a row of the same
 * width whose cells are all names where a column held only numbers so
 * far (`cat funnel.csv steps.csv`) start a new one.  Values are strings;
 * NULL is an absent cell.  A
 * table's provenance line (--meta, journey/meta.h) is kept, not read as
 * a row.
 */
#ifndef JOURNEY_TABLE_H
#define JOURNEY_TABLE_H

#include <stddef.h>

/* The largest magnitude jn_table_validate() lets through: exact in a double. */
#define JN_TABLE_MAX 9007199254740992.0

#include "journey/reader.h"
#include "journey/writer.h"

struct jn_table {
	char **names;		/* ncols column names */
	size_t ncols;
	char **cells;		/* nrows * ncols, row-major; NULL: absent */
	size_t *lines;		/* line of each row, for messages */
	size_t nrows, cap;
	char *file;		/* display name */
	char *meta;		/* the --meta object before it (JSON), or NULL */
};

struct jn_tables {
	struct jn_table *t;
	size_t n;
};

/*
 * Read path ("-" for standard input, gzip allowed) as one or more tables,
 * appending them to *ts.  fmt JN_IN_AUTO detects the format as the reader
 * does.  Returns 0, or -1 after reporting (unreadable file, bad line);
 * *ts may then hold a table begun before the error: release it in every
 * case.
 */
int jn_tables_load(struct jn_tables *ts, const char *path,
    enum jn_input_format fmt);
void jn_tables_release(struct jn_tables *ts);

/*
 * Check the cells of the columns the journey tools write, known by name,
 * before a tool computes with them: counts (count, dropped, users,
 * sessions, events, converted, occurrences, support_contacts) are whole
 * numbers from 0 to 2^53; step a whole number from 1 to 10^9; rates
 * (conversion, step_conversion, share, session_share, conversion_with,
 * conversion_without, bounce_rate) fractions from 0 to 1; amounts
 * (revenue_at_risk, effort, median_time) numbers from 0 to 2^53, value
 * and value_per_user from -2^53 to 2^53, cost from 10^-6 to 2^53.
 * Absent and empty cells are not checked, nor other columns.  Returns 0,
 * or -1 after reporting the first bad cell in row order, e.g.
 * "f.csv:3: bad rate '1.5' in column 'conversion' (a fraction from 0 to
 * 1)".
 */
int jn_table_validate(const struct jn_table *t);

/* Index of column name in t, or -1.  Cannot fail. */
int jn_table_col(const struct jn_table *t, const char *name);
/* Cell (row, col), NULL when absent or col < 0.  Cannot fail. */
const char *jn_table_cell(const struct jn_table *t, size_t row, int col);

/*
 * What a table is, told by its columns (the first that fits, in this
 * order): jcompare's verdicts (verdict, ci_low, ci_high), jscore's
 * backlog (rank, priority, score), jwatch's KPIs (period, kpi, value,
 * expected, lower, upper, flag), a funnel (step, name, count), jpath's
 * steps (step, from, to, units), edges (from, to, transitions),
 * variants (variant, units) and next (touchpoint, next, units),
 * jfriction's items (kind and revenue_at_risk, support_contacts or
 * effort), a retention table (cohort, period, units, retained),
 * stickiness (active_periods, units), segments (segment, users,
 * converted); else JN_TABLE_OTHER.  Columns before the first of a kind's
 * (a --by group) are allowed.  Cannot fail.
 */
enum jn_table_kind {
	JN_TABLE_OTHER,
	JN_TABLE_COMPARE,
	JN_TABLE_BACKLOG,
	JN_TABLE_WATCH,
	JN_TABLE_FUNNEL,
	JN_TABLE_STEPS,
	JN_TABLE_EDGES,
	JN_TABLE_VARIANTS,
	JN_TABLE_NEXT,
	JN_TABLE_FRICTION,
	JN_TABLE_RETENTION,
	JN_TABLE_STICKINESS,
	JN_TABLE_SEGMENT
};
enum jn_table_kind jn_table_kind(const struct jn_table *t);
/* "funnel", "segment", ...: a word for messages.  Cannot fail. */
const char *jn_table_kind_name(enum jn_table_kind k);

/*
 * The type the journey tools give a column of this name (rates,
 * durations, counts, amounts), for showing a table read back as the
 * table format would: JN_COL_STR for a name no tool writes as a number.
 * Cannot fail.
 */
enum jn_coltype jn_table_coltype(const char *name);

#endif
