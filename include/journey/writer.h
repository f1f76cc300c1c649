/*
 * Writers: every tool's output table goes through here, so formats behave
 * the same everywhere (SPEC section 1, Output).  A tool declares its columns
 * with types, adds rows of cells, and finishes.  csv/tsv/ndjson stream rows;
 * table and markdown hold rows until the end to align columns.  --fields
 * (jn_writer_fields) picks and orders the columns shown in every format;
 * a table on a terminal is fitted to its width (jn_writer_fit).
 *
 * Rates are fractions with 4 decimals in csv/tsv/ndjson and percentages
 * with 1 decimal in table/markdown; durations are seconds in csv/tsv/ndjson
 * and human ("2h 5m") in table/markdown.  A NULL cell is empty (null in
 * ndjson).  Numbers print without exponent, shortest round-trip form up to
 * 6 decimals for JN_COL_NUM, 2 decimals for JN_COL_MONEY.
 */
#ifndef JOURNEY_WRITER_H
#define JOURNEY_WRITER_H

#include <stdint.h>
#include <stdio.h>

enum jn_format {
	JN_FMT_AUTO = 0,	/* table on a terminal, csv otherwise */
	JN_FMT_TABLE,
	JN_FMT_CSV,
	JN_FMT_TSV,
	JN_FMT_NDJSON,
	JN_FMT_MARKDOWN
};

enum jn_coltype {
	JN_COL_STR,		/* text, left-aligned in tables */
	JN_COL_INT,		/* int64 */
	JN_COL_NUM,		/* double */
	JN_COL_MONEY,		/* double, 2 decimals */
	JN_COL_RATE,		/* double fraction in [0,1] */
	JN_COL_DURATION		/* double seconds */
};

struct jn_column {
	const char *name;
	enum jn_coltype type;
};

struct jn_cell {
	int null;		/* 1: empty cell */
	const char *s;		/* JN_COL_STR (copied by the writer) */
	size_t len;		/* length of s */
	int64_t i;		/* JN_COL_INT */
	double d;		/* the double types */
};

struct jn_writer;

/*
 * --safe-csv: from now on, csv and tsv text cells starting with = + - @,
 * a tab or a CR get a leading ' so that a spreadsheet does not run them
 * as formulas.  Process-wide.  Cannot fail.
 */
void jn_writer_safe_csv(int on);

/*
 * --fields LIST: from now on, writers show only the comma-separated
 * columns named in LIST, in its order (xsv select); blanks around a name
 * are dropped.  Process-wide, like jn_writer_safe_csv; NULL shows every
 * column again.  Returns 0, or -1 after reporting an empty name or a name
 * given twice.  Presentation only: a tool computes, sorts and gates on
 * all its columns whatever is shown.
 */
int jn_writer_fields(const char *list);
/* Was --fields given (and not cleared)?  Cannot fail. */
int jn_writer_fields_given(void);

/* Parse a -o argument; returns 0 or -1 (reported: "bad format 'x'"). */
int jn_format_parse(const char *name, enum jn_format *fmt);
/* Resolve JN_FMT_AUTO for out: table when isatty, else csv. */
enum jn_format jn_format_resolve(enum jn_format fmt, FILE *out);

/*
 * New writer on out (not closed by the writer) with ncols columns; names
 * are copied.  fmt must be resolved (not AUTO).  Caller frees with
 * jn_writer_free.  Cannot fail, but a --fields name that is not one of
 * cols is reported here ("--fields: no column 'x'; did you mean y?;
 * columns are: ..."), and then nothing is written and jn_writer_row and
 * jn_writer_finish return -1.
 *
 * A table on a terminal is fitted to its width (COLUMNS when set, else
 * the terminal's): see jn_writer_fit.
 */
struct jn_writer *jn_writer_new(FILE *out, enum jn_format fmt,
    const struct jn_column *cols, size_t ncols);
/*
 * Cut a table format's lines to width display columns (0: never cut):
 * the widest text columns are elided with "…" down to their name's width
 * (at least 8), then columns are dropped from the right, the first kept;
 * numbers are never cut.  What was cut is said once on stderr ("TOOL:
 * table cut to 80 columns: elided touchpoint; dropped cause; use -o csv
 * or --fields").  jn_writer_new sets it from the terminal; other formats
 * ignore it.  Cannot fail.
 */
void jn_writer_fit(struct jn_writer *w, size_t width);
/*
 * Add a row of cells, as many as the columns given to jn_writer_new
 * (--fields picks among them).  Returns 0, or -1 on a write error (not
 * reported: jn_writer_finish reports) or after a bad --fields.
 */
int jn_writer_row(struct jn_writer *w, const struct jn_cell *cells);
/*
 * Write what is held (tables), flush out.  Returns 0, or -1 after
 * reporting "write error: ..." when any write failed.
 */
int jn_writer_finish(struct jn_writer *w);
void jn_writer_free(struct jn_writer *w);

struct jn_strbuf;

/*
 * The writer's cell encoders, for filters that write records themselves
 * (jsegment --tag): s[0..len) appended to b as a csv field (RFC 4180,
 * quoted only when it holds a comma, a quote, CR or LF), a tsv field (tab,
 * newline, CR and backslash as \t \n \r \\), or a JSON string in quotes
 * (invalid UTF-8 as U+FFFD).  --safe-csv is not applied.  Cannot fail.
 */
void jn_csv_field(struct jn_strbuf *b, const char *s, size_t len);
void jn_tsv_field(struct jn_strbuf *b, const char *s, size_t len);
void jn_json_string(struct jn_strbuf *b, const char *s, size_t len);

/*
 * Format a number cell c of type t (not JN_COL_STR) into buf as the
 * writers do: the machine form of csv/tsv/ndjson, or with human set the
 * table/markdown form (thousands separators, percentages, "2h 5m").
 * Returns the length; 0 for a null, NaN or infinite cell.  64 bytes are
 * enough for any value.  Cannot fail.
 */
size_t jn_format_cell(char *buf, size_t size, enum jn_coltype t,
    const struct jn_cell *c, int human);

/* Cell constructors. */
static inline struct jn_cell
jn_cell_str(const char *s, size_t len)
{
	struct jn_cell c = { 0, s, len, 0, 0 };
	return c;
}
static inline struct jn_cell
jn_cell_int(int64_t i)
{
	struct jn_cell c = { 0, NULL, 0, i, 0 };
	return c;
}
static inline struct jn_cell
jn_cell_num(double d)
{
	struct jn_cell c = { 0, NULL, 0, 0, d };
	return c;
}
static inline struct jn_cell
jn_cell_null(void)
{
	struct jn_cell c = { 1, NULL, 0, 0, 0 };
	return c;
}

#endif
