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
 * 6 decimals for JN_COL_NUM, 2 decimals for JN_COL_MONEY; a JN_COL_NUM
 * cell made by jn_cell_dec prints its exact decimal, trailing zeros trimmed,
 * one made by jn_cell_fixed its fixed decimals, zeros kept.
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
	JN_FMT_MARKDOWN,
	/* the gate formats, for CI and monitoring (see jn_writer_gate) */
	JN_FMT_JUNIT,		/* JUnit XML: a test case per gate row */
	JN_FMT_GITHUB,		/* GitHub Actions workflow commands */
	JN_FMT_CODEQUALITY,	/* GitLab Code Quality JSON */
	JN_FMT_PROMETHEUS	/* Prometheus text exposition format */
};

/* Sets of formats for jn_format_allow: bit 1 << fmt. */
#define JN_FMTS_TABLES	((1u << JN_FMT_TABLE) | (1u << JN_FMT_CSV) | \
	(1u << JN_FMT_TSV) | (1u << JN_FMT_NDJSON) | (1u << JN_FMT_MARKDOWN))
#define JN_FMTS_GATE	(JN_FMTS_TABLES | (1u << JN_FMT_JUNIT) | \
	(1u << JN_FMT_GITHUB) | (1u << JN_FMT_PROMETHEUS))

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
	int64_t i;		/* JN_COL_INT; jn_cell_dec's units */
	double d;		/* the double types */
	int dec;		/* decimals of a jn_cell_dec, jn_cell_fixed */
	int form;		/* JN_CELL_*: how a JN_COL_NUM cell prints */
};

/* A JN_COL_NUM cell's form: see jn_cell_num, jn_cell_dec, jn_cell_fixed. */
enum { JN_CELL_PLAIN = 0, JN_CELL_UNITS, JN_CELL_FIXED };

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

/*
 * The formats jn_format_parse accepts from now on: a set of bits
 * 1 << fmt, JN_FMTS_TABLES (the default) or JN_FMTS_GATE for a tool
 * that describes its gate rows (jn_writer_gate), with 1 << JN_FMT_-
 * CODEQUALITY for one whose rows are a backlog.  Process-wide, set by
 * main() before the options are parsed.  Cannot fail.
 */
void jn_format_allow(unsigned formats);
/* Is fmt one of the gate formats (junit, github, codequality, prometheus)? */
int jn_format_is_gate(enum jn_format fmt);

/*
 * Parse a -o argument; returns 0 or -1, reported: "bad output format 'x'
 * (table, ...)" for a name that is no format, "output format 'junit' is
 * not one of this tool's (table, ...)" for one jn_format_allow left out.
 */
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

/*
 * ---- Gate formats ----
 *
 * A gate tool (jcompare, jscore --fail-on, jfunnel --min-conversion)
 * writes its rows as usual and, for the gate formats, says what each
 * column is to a CI system or a monitoring stack (jn_writer_gate) and,
 * before each row, the row's verdict (jn_writer_verdict).  The writer
 * holds the rows and at jn_writer_finish writes:
 *
 *  junit        one <testsuite> named after the tool, a <testcase> per
 *               row (classname the tool, name its JN_GATE_NAME cells
 *               joined by " / ", an int as "step 3"), a failed row as
 *               <failure type="gate" message="WHY"> with its figures,
 *               a passing or watched one with them in <system-out>;
 *  github       one ::error (failed), ::warning (watched) or ::notice
 *               (passed) workflow command per row, title "TOOL: NAME",
 *               the message WHY and the figures; when GITHUB_STEP_SUMMARY
 *               names a file, a "### TOOL" heading and the markdown table
 *               (--fields applies) are appended to it;
 *  codequality  a JSON array, an issue per row: description "NAME: WHY
 *               (FIGURES)", check_name "journey.TOOL", a fingerprint
 *               hashed from the tool and the NAME cells only (stable from
 *               run to run whatever the figures), the row's severity, and
 *               location {path: the gate's path, lines: {begin: 1}};
 *  prometheus   for each JN_GATE_METRIC column, "# HELP" and "# TYPE
 *               gauge" lines and a sample journey_TOOL_NAME{LABELS} per
 *               row with a value (an empty cell has none), labels from
 *               the JN_GATE_LABEL cells in column order; then
 *               journey_TOOL_gate_failed and journey_TOOL_gate_watch,
 *               0 or 1 per row.  Of rows with the same labels only the
 *               last is written (a series over periods: the latest).
 *
 * The figures are every other non-empty cell as "column=value" in the
 * table's form (45.7%, 2h 5m), joined by "; ".  Text is escaped as each
 * format asks: XML entities (and U+FFFD for characters XML 1.0 forbids),
 * GitHub's %25 %0D %0A (and %3A %2C in the title), JSON strings,
 * Prometheus' \\ \" \n in label values; invalid UTF-8 becomes U+FFFD.
 * Rows keep their order.  --fields does not change these formats.
 */
enum jn_verdict {
	JN_VERDICT_PASS = 0,
	JN_VERDICT_WATCH,	/* worth a look; fails no gate */
	JN_VERDICT_FAIL		/* a regression, a tripped gate */
};

/* GitLab's severities, in its order. */
enum jn_severity {
	JN_SEV_INFO = 0, JN_SEV_MINOR, JN_SEV_MAJOR, JN_SEV_CRITICAL,
	JN_SEV_BLOCKER
};

/* A column's parts in the gate formats (bits). */
#define JN_GATE_NAME	1u	/* names the row: test name, fingerprint */
#define JN_GATE_LABEL	2u	/* a Prometheus label */
#define JN_GATE_METRIC	4u	/* a Prometheus gauge */

struct jn_gate_col {
	size_t col;		/* index in the jn_writer_new columns */
	unsigned role;		/* JN_GATE_* bits */
	const char *name;	/* label name, or metric name after
				   "journey_TOOL_"; [a-z_][a-z0-9_]* */
	const char *help;	/* JN_GATE_METRIC: its # HELP text */
};

struct jn_gate {
	const char *tool;	/* "jcompare": suite, check, metric prefix */
	const char *path;	/* codequality location.path */
	const struct jn_gate_col *cols;
	size_t ncols;
};

/*
 * Describe the gate rows of w: g and what it points to must outlive w.
 * Call before the first row; ignored by the table formats.  Cannot fail.
 */
void jn_writer_gate(struct jn_writer *w, const struct jn_gate *g);
/*
 * The verdict of the next row given to jn_writer_row, its severity
 * (codequality) and why, one plain sentence with its numbers (copied;
 * NULL: none).  A row without a call passes.  Cannot fail.
 */
void jn_writer_verdict(struct jn_writer *w, enum jn_verdict v,
    enum jn_severity sev, const char *why);
/*
 * A gate row that is no row of the table, such as jcompare's step-1
 * volume check: named name (copied), its verdict, severity and why, with
 * no figures (no Prometheus sample but gate_failed and gate_watch, with
 * no labels).  Written in order among the rows; not in the step summary.
 * A no-op in the table formats.  Cannot fail.
 */
void jn_writer_gate_check(struct jn_writer *w, const char *name,
    enum jn_verdict v, enum jn_severity sev, const char *why);

/*
 * --output FILE: from now on standard output is a new temporary file in
 * FILE's directory (FILE.XXXXXX, mode 0666 less the umask), renamed onto
 * FILE by jn_output_commit, so that a reader such as node_exporter's
 * textfile collector never sees half a file.  Returns 0, or -1 after
 * reporting "--output: cannot create a file beside 'FILE': ...".
 */
int jn_output_open(const char *path);
/*
 * End --output: when ok, rename the temporary file onto FILE (reporting
 * "--output: cannot rename ... : ..." and returning -1 on failure), else
 * remove it.  Call after standard output is closed.  Nothing to do
 * without jn_output_open.  Returns 0 or -1.
 */
int jn_output_commit(int ok);

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
 * Escaping text for a format, by table: each ASCII byte is written as
 * ascii[byte] when that is set, else as itself; valid UTF-8 is copied,
 * and each byte of invalid UTF-8 becomes U+FFFD.  With xml set, what
 * XML 1.0 forbids becomes U+FFFD too: the C0 controls the table does
 * not name, U+FFFE and U+FFFF.  The escapings of the toolkit, each
 * defined once:
 *
 *  jn_esc_html       HTML and SVG text and attribute values (jreport):
 *                    & < > " ' as entities, tab and newline kept, CR,
 *                    other controls and DEL as U+FFFD;
 *  jn_esc_xml        XML character data (JUnit): & < > as entities, CR
 *                    as &#13; (a raw CR would be read as a newline);
 *  jn_esc_xml_attr   an XML attribute in double quotes: " too, and tab
 *                    and newline as &#9; &#10; (kept through attribute
 *                    normalization);
 *  jn_esc_github     a GitHub workflow command's message (escapeData):
 *                    % CR LF as %25 %0D %0A;
 *  jn_esc_github_prop  a property value (escapeProperty): : and , too;
 *  jn_esc_prom       a Prometheus label value: \ " LF as \\ \" \n;
 *  jn_esc_prom_help  a # HELP docstring: \ and LF only;
 *  jn_esc_dot        a Graphviz DOT label in double quotes (jpath -o dot):
 *                    " and \ as \" and \\, controls and DEL as spaces
 *                    (a label is one line);
 *  jn_esc_mermaid    a Mermaid label in double quotes: " # < > as the
 *                    entity codes #34; #35; #60; #62;, controls and DEL
 *                    as spaces.
 */
struct jn_escape {
	const char *ascii[128];
	int xml;
};

extern const struct jn_escape jn_esc_html, jn_esc_xml, jn_esc_xml_attr,
    jn_esc_github, jn_esc_github_prop, jn_esc_prom, jn_esc_prom_help,
    jn_esc_dot, jn_esc_mermaid;

/*
 * Append s[0..len) to b escaped by e (b->buf is set even when nothing
 * is appended).  Cannot fail.
 */
void jn_escape(struct jn_strbuf *b, const struct jn_escape *e,
    const char *s, size_t len);

/*
 * Decode one code point from s[0..len), len > 0, into *cp.  Returns its
 * length, or 0 when the bytes are not valid UTF-8 (bad lead byte, cut
 * sequence, overlong form, surrogate, beyond U+10FFFF).
 */
size_t jn_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
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
	struct jn_cell c = { 0, s, len, 0, 0, 0, 0 };
	return c;
}
static inline struct jn_cell
jn_cell_int(int64_t i)
{
	struct jn_cell c = { 0, NULL, 0, i, 0, 0, 0 };
	return c;
}
static inline struct jn_cell
jn_cell_num(double d)
{
	struct jn_cell c = { 0, NULL, 0, 0, d, 0, 0 };
	return c;
}
static inline struct jn_cell
jn_cell_null(void)
{
	struct jn_cell c = { 1, NULL, 0, 0, 0, 0, 0 };
	return c;
}
/*
 * A JN_COL_NUM cell worth exactly units * 10^-dec, -18 <= dec <= 18:
 * written as that decimal (no float noise past a double's 16 digits),
 * trailing zeros trimmed, zeros added for a negative dec.  For figures
 * rounded to a fixed decimal, such as jpath's credits.
 */
static inline struct jn_cell
jn_cell_dec(int64_t units, int dec)
{
	struct jn_cell c = { 0, NULL, 0, units, 0, dec, JN_CELL_UNITS };
	return c;
}
/*
 * A JN_COL_NUM cell worth d, written with exactly dec decimals (0 to 17),
 * trailing zeros kept ("24.0" beside "30.9"), so that a column of one
 * figure reads at one precision: the survey scores (score.h), jscore's
 * scores.  In a JN_COL_RATE column it prints as any rate.
 */
static inline struct jn_cell
jn_cell_fixed(double d, int dec)
{
	struct jn_cell c = { 0, NULL, 0, 0, d, dec, JN_CELL_FIXED };
	return c;
}

#endif
