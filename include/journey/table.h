/*
 * Small tables read whole: the outputs of the journey tools (and any
 * CSV, TSV or NDJSON table with a header), as read back by the tools that
 * consume them (jscore, jcompare).  A stream may hold several tables one
 * after the other (`cat friction.csv funnel.csv | jscore`): a row that
 * repeats a header, or that has another width and only name-like cells,
 * starts a new table.  Values are strings; NULL is an absent cell.  A
 * table's provenance line (--meta, journey/meta.h) is kept, not read as
 * a row.
 */
#ifndef JOURNEY_TABLE_H
#define JOURNEY_TABLE_H

#include <stddef.h>

/* The largest magnitude jn_table_validate() lets through: exact in a double. */
#define JN_TABLE_MAX 9007199254740992.0

#include "journey/reader.h"

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

#endif
