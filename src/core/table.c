/*
 * Whole-table reading for the tools that read other tools' output.  These
 * tables are small (one row per step, segment or friction item), so the
 * file is read into memory and parsed in one go: libcsv for CSV and TSV,
 * jansson for NDJSON (which keeps the key order of the first object).
 */
#include "journey/table.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>
#include <jansson.h>
#include <zlib.h>

#include "journey/meta.h"
#include "journey/reader.h"
#include "journey/util.h"

struct loader {
	struct jn_tables *ts;
	const char *file;
	char **row;		/* cells of the row being parsed */
	size_t nrow, rowcap;
	size_t line;		/* line of the row being parsed */
	size_t nextline;
	char *meta;		/* a provenance line read, for the next table */
	int tsv;		/* fields decoded as the TSV writer encodes */
	int err;
};

static struct jn_table *
cur(struct loader *l)
{
	return l->ts->n ? &l->ts->t[l->ts->n - 1] : NULL;
}

static void
new_table(struct loader *l, char **names, size_t n)
{
	struct jn_table *t;

	l->ts->t = jn_xrealloc(l->ts->t, (l->ts->n + 1) * sizeof *l->ts->t);
	t = &l->ts->t[l->ts->n++];
	memset(t, 0, sizeof *t);
	t->names = names;
	t->ncols = n;
	t->file = jn_xstrdup(l->file);
	t->meta = l->meta;
	l->meta = NULL;
}

/* Keep a provenance object (JSON text) for the table that follows. */
static void
keep_meta(struct loader *l, const char *json, size_t len)
{
	free(l->meta);
	l->meta = jn_xstrndup(json, len);
}

static void
add_row(struct loader *l, char **cells)
{
	struct jn_table *t = cur(l);

	if (t->nrows == t->cap) {
		size_t cap = t->cap;

		t->cells = jn_xgrow(t->cells, &cap, t->nrows + 1,
		    t->ncols * sizeof *t->cells);
		cap = t->cap;
		t->lines = jn_xgrow(t->lines, &cap, t->nrows + 1,
		    sizeof *t->lines);
		t->cap = cap;
	}
	memcpy(t->cells + t->nrows * t->ncols, cells,
	    t->ncols * sizeof *cells);
	t->lines[t->nrows++] = l->line;
}

/* A column name: a letter or '_' then letters, digits, '_', '.', '-'. */
static int
namelike(const char *s)
{
	if (s == NULL || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' &&
	    *s <= 'Z') || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
		    *s == '-'))
			return 0;
	return 1;
}

static int
same_names(const struct jn_table *t, char **cells, size_t n)
{
	size_t i;

	if (t->ncols != n)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(t->names[i], cells[i]) != 0)
			return 0;
	return 1;
}

static void
free_cells(char **cells, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
}

/*
 * Does a row of the table's width start another table (cat funnel.csv
 * steps.csv, both of five columns)?  Its cells are all names, and in a
 * column where every row so far held a number it holds a name.
 */
static int
next_header(const struct jn_table *t, char **cells, size_t n)
{
	size_t i, r;

	if (t->nrows == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!namelike(cells[i]))
			return 0;
	for (i = 0; i < n; i++) {
		for (r = 0; r < t->nrows; r++) {
			const char *v = t->cells[r * t->ncols + i];
			double d;

			if (v == NULL || jn_parse_double(v, strlen(v), &d) != 0)
				break;
		}
		if (r == t->nrows)
			return 1;
	}
	return 0;
}

/* A complete CSV row: header, data, or the header of a next table. */
static void
take_row(struct loader *l)
{
	struct jn_table *t = cur(l);
	char **cells = l->row;
	size_t n = l->nrow, i;
	int header = t == NULL;

	l->row = NULL;
	l->nrow = l->rowcap = 0;
	if (n == 1 && cells[0][0] == '\0') {	/* a blank line */
		free_cells(cells, n);
		return;
	}
	/* after a provenance line comes another table's header */
	if (!header && l->meta != NULL)
		header = 1;
	if (!header && same_names(t, cells, n)) {
		/* the same header again (cat a.csv b.csv): same table */
		free_cells(cells, n);
		return;
	}
	if (!header && n != t->ncols) {
		header = 1;
		for (i = 0; i < n; i++)
			header &= namelike(cells[i]);
		if (!header) {
			l->err = jn_error("%s:%zu: expected %zu fields, got "
			    "%zu", l->file, l->line, t->ncols, n);
			free_cells(cells, n);
			return;
		}
	}
	/* names where numbers were: a new table */
	if (!header && next_header(t, cells, n))
		header = 1;
	if (header) {
		new_table(l, cells, n);
		return;
	}
	for (i = 0; i < n; i++)
		if (cells[i][0] == '\0') {
			free(cells[i]);
			cells[i] = NULL;
		}
	add_row(l, cells);
	free(cells);
}

static void
field_cb(void *s, size_t n, void *data)
{
	struct loader *l = data;

	if (l->nrow == 0)
		l->line = l->nextline;
	l->row = jn_xgrow(l->row, &l->rowcap, l->nrow + 1, sizeof *l->row);
	l->row[l->nrow] = jn_xstrndup(s ? s : "", s ? n : 0);
	if (l->tsv)	/* a table read back is the table written */
		l->row[l->nrow][jn_tsv_unescape(l->row[l->nrow],
		    l->row[l->nrow], s ? n : 0)] = '\0';
	l->nrow++;
}

static void
row_cb(int c, void *data)
{
	struct loader *l = data;

	(void)c;
	if (l->nrow > 0)
		take_row(l);
}

static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static int
load_csv(struct loader *l, const char *buf, size_t len, char delim)
{
	struct csv_parser p;
	size_t i, start = 0;

	if (csv_init(&p, CSV_APPEND_NULL) != 0)
		return jn_error("out of memory");
	csv_set_delim(&p, (unsigned char)delim);
	l->tsv = delim == '\t';
	csv_set_space_func(&p, no_space);
	l->nextline = 1;
	/* feed line by line so that rows know their line numbers */
	for (i = 0; i <= len && !l->err; i++)
		if (i == len || buf[i] == '\n') {
			size_t end = i < len ? i + 1 : i, plen;

			plen = sizeof JN_META_PREFIX - 1;
			/* pstate 0: no row begun (libcsv's ROW_NOT_BEGUN),
			 * so the line is not inside a quoted field */
			if (p.pstate == 0 && i - start > plen &&
			    memcmp(buf + start, JN_META_PREFIX, plen) == 0)
				keep_meta(l, buf + start + plen,
				    i - start - plen);
			else
				csv_parse(&p, buf + start, end - start,
				    field_cb, row_cb, l);
			start = end;
			l->nextline++;
		}
	csv_fini(&p, field_cb, row_cb, l);
	csv_free(&p);
	free_cells(l->row, l->nrow);
	return l->err ? -1 : 0;
}

static char *
json_text(json_t *v)
{
	if (json_is_string(v))
		return jn_xstrndup(json_string_value(v), json_string_length(v));
	if (json_is_null(v))
		return NULL;
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static int
load_ndjson(struct loader *l, const char *buf, size_t len)
{
	size_t i, start = 0;

	for (i = 0, l->line = 1; i <= len; i++) {
		const char *key;
		json_t *obj, *v;
		json_error_t err;
		struct jn_table *t;
		char **cells;
		size_t n, k;

		if (i < len && buf[i] != '\n')
			continue;
		n = i - start;
		if (n == 0 || (n == 1 && buf[start] == '\r')) {
			start = i + 1;
			l->line++;
			continue;
		}
		obj = json_loadb(buf + start, n, 0, &err);
		if (obj == NULL || !json_is_object(obj)) {
			json_decref(obj);
			return jn_error("%s:%zu: bad JSON at column %d: %s",
			    l->file, l->line, obj ? 1 : err.column,
			    obj ? "not an object" : err.text);
		}
		if (json_object_size(obj) == 1 &&
		    json_is_object(v = json_object_get(obj, "journey_meta"))) {
			char *text = json_dumps(v, JSON_COMPACT |
			    JSON_PRESERVE_ORDER);

			if (text == NULL) {	/* jansson out of memory */
				json_decref(obj);
				return jn_error("out of memory");
			}
			keep_meta(l, text, strlen(text));
			free(text);
			json_decref(obj);
			start = i + 1;
			l->line++;
			continue;
		}
		t = cur(l);
		/* a new table when the keys are not the current ones */
		k = 0;
		json_object_foreach(obj, key, v)
			k += t != NULL && jn_table_col(t, key) >= 0;
		if (t == NULL || k != json_object_size(obj)) {
			char **names = jn_xcalloc(json_object_size(obj) + 1,
			    sizeof *names);

			k = 0;
			json_object_foreach(obj, key, v)
				names[k++] = jn_xstrdup(key);
			new_table(l, names, k);
			t = cur(l);
		}
		cells = jn_xcalloc(t->ncols + 1, sizeof *cells);
		json_object_foreach(obj, key, v)
			cells[jn_table_col(t, key)] = json_text(v);
		add_row(l, cells);
		free(cells);
		json_decref(obj);
		start = i + 1;
		l->line++;
	}
	return 0;
}

static char *
slurp(const char *path, const char **name, size_t *len)
{
	int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY);
	gzFile gz;
	char *buf = NULL;
	size_t cap = 0;
	int n;

	*name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	*len = 0;
	if (fd < 0 || (gz = gzdopen(fd, "rb")) == NULL) {
		jn_error("cannot open '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		int err;

		buf = jn_xgrow(buf, &cap, *len + 65536, 1);
		n = gzread(gz, buf + *len, 65536);
		if (n < 0) {
			jn_error("cannot read '%s'", *name);
			gzclose(gz);
			free(buf);
			return NULL;
		}
		/* gzread ends a stream cut short as if it were whole */
		if (n == 0 && (gzerror(gz, &err), err == Z_BUF_ERROR)) {
			jn_error("%s: unexpected end of compressed data (file "
			    "cut short?)", *name);
			gzclose(gz);
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	gzclose(gz);
	return buf;
}

int
jn_tables_load(struct jn_tables *ts, const char *path,
    enum jn_input_format fmt)
{
	struct loader l;
	size_t len, i = 0;
	char *buf;
	int rc;

	memset(&l, 0, sizeof l);
	l.ts = ts;
	if ((buf = slurp(path, &l.file, &len)) == NULL)
		return -1;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	if (fmt == JN_IN_AUTO) {
		size_t h = i, n, k = i;
		const char *nl;

		/* the header is after a provenance line, if any */
		if (len - h > sizeof JN_META_PREFIX - 1 &&
		    memcmp(buf + h, JN_META_PREFIX,
		    sizeof JN_META_PREFIX - 1) == 0 &&
		    (nl = memchr(buf + h, '\n', len - h)) != NULL)
			h = (size_t)(nl - buf) + 1;
		nl = memchr(buf + h, '\n', len - h);
		n = nl ? (size_t)(nl - buf) - h : len - h;

		while (k < len && (buf[k] == ' ' || buf[k] == '\n' ||
		    buf[k] == '\r' || buf[k] == '\t'))
			k++;
		if (k < len && buf[k] == '{')
			fmt = JN_IN_NDJSON;
		else if (memchr(buf + h, '\t', n) && !memchr(buf + h, ',', n))
			fmt = JN_IN_TSV;
		else
			fmt = JN_IN_CSV;
	}
	if (fmt == JN_IN_NDJSON)
		rc = load_ndjson(&l, buf + i, len - i);
	else
		rc = load_csv(&l, buf + i, len - i,
		    fmt == JN_IN_TSV ? '\t' : ',');
	free(l.meta);		/* none follows it */
	free(buf);
	return rc;
}

void
jn_tables_release(struct jn_tables *ts)
{
	size_t i, k;

	for (i = 0; i < ts->n; i++) {
		struct jn_table *t = &ts->t[i];

		for (k = 0; k < t->nrows * t->ncols; k++)
			free(t->cells[k]);
		for (k = 0; k < t->ncols; k++)
			free(t->names[k]);
		free(t->names);
		free(t->cells);
		free(t->lines);
		free(t->file);
		free(t->meta);
	}
	free(ts->t);
	ts->t = NULL;
	ts->n = 0;
}

enum check { CK_NONE, CK_COUNT, CK_STEP, CK_RATE, CK_AMOUNT, CK_SIGNED,
	CK_COST, CK_GAP };

/*
 * The numeric columns of the tools' tables.  A count beyond 2^53 would
 * lose units in a double and wrap when written as int64; a magnitude
 * beyond it is no real amount, only a broken export.
 */
static const struct {
	const char *name;
	enum check check;
} known[] = {
	{ "count", CK_COUNT }, { "dropped", CK_COUNT },
	{ "users", CK_COUNT }, { "sessions", CK_COUNT },
	{ "events", CK_COUNT }, { "converted", CK_COUNT },
	{ "occurrences", CK_COUNT }, { "support_contacts", CK_COUNT },
	{ "step", CK_STEP },
	{ "conversion", CK_RATE }, { "step_conversion", CK_RATE },
	{ "share", CK_RATE }, { "session_share", CK_RATE },
	{ "conversion_with", CK_RATE }, { "conversion_without", CK_RATE },
	{ "bounce_rate", CK_RATE },
	{ "revenue_at_risk", CK_AMOUNT }, { "effort", CK_AMOUNT },
	{ "median_time", CK_AMOUNT },
	{ "value", CK_SIGNED }, { "value_per_user", CK_SIGNED },
	{ "cost", CK_COST },
	{ "answers", CK_COUNT }, { "nps_gap", CK_GAP },
	{ "nps_gap_lo", CK_GAP }, { "nps_gap_hi", CK_GAP },
};

static int
check_cell(const struct jn_table *t, size_t row, size_t col,
    enum check ck)
{
	const char *v = t->cells[row * t->ncols + col];
	const char *name = t->names[col];
	size_t line = t->lines[row];
	char q[64];
	double d;
	int num;

	if (v == NULL || *v == '\0')
		return 0;
	num = jn_parse_double(v, strlen(v), &d) == 0;
	jn_quote(q, sizeof q, v, strlen(v));
	switch (ck) {
	case CK_COUNT:
		if (num && d >= 0 && d <= JN_TABLE_MAX && d == floor(d))
			return 0;
		return jn_error("%s:%zu: bad count '%s' in column '%s'",
		    t->file, line, q, name);
	case CK_STEP:
		if (num && d >= 1 && d <= 1e9 && d == floor(d))
			return 0;
		return jn_error("%s:%zu: bad step '%s' (a whole number from 1)",
		    t->file, line, q);
	case CK_RATE:
		if (num && d >= 0 && d <= 1)
			return 0;
		return jn_error("%s:%zu: bad rate '%s' in column '%s' (a "
		    "fraction from 0 to 1)", t->file, line, q, name);
	default:
		break;
	}
	if (!num)
		return jn_error("%s:%zu: bad number '%s' in column '%s'",
		    t->file, line, q, name);
	if (ck == CK_AMOUNT && !(d >= 0 && d <= JN_TABLE_MAX))
		return jn_error("%s:%zu: bad number '%s' in column '%s' (a "
		    "number from 0 to 2^53)", t->file, line, q, name);
	if (ck == CK_SIGNED && !(fabs(d) <= JN_TABLE_MAX))
		return jn_error("%s:%zu: bad number '%s' in column '%s' (a "
		    "number from -2^53 to 2^53)", t->file, line, q, name);
	if (ck == CK_GAP && !(d >= -200 && d <= 200))
		return jn_error("%s:%zu: bad number '%s' in column '%s' (NPS "
		    "points from -200 to 200)", t->file, line, q, name);
	/* a cost divides a score: a tiny one would make it infinite */
	if (ck == CK_COST && !(d >= 1e-6 && d <= JN_TABLE_MAX))
		return jn_error("%s:%zu: bad number '%s' in column '%s' (a "
		    "number from 0.000001 to 2^53)", t->file, line, q, name);
	return 0;
}

int
jn_table_validate(const struct jn_table *t)
{
	enum { NKNOWN = sizeof known / sizeof known[0] };
	size_t col[NKNOWN], which[NKNOWN];
	size_t r, c, k, n = 0;

	/* in column order; of two columns with one name, the one read */
	for (c = 0; c < t->ncols; c++)
		for (k = 0; k < NKNOWN; k++)
			if (strcmp(t->names[c], known[k].name) == 0 &&
			    jn_table_col(t, known[k].name) == (int)c) {
				col[n] = c;
				which[n++] = k;
			}
	for (r = 0; r < t->nrows; r++)
		for (k = 0; k < n; k++)
			if (check_cell(t, r, col[k], known[which[k]].check) !=
			    0)
				return -1;
	return 0;
}

int
jn_table_col(const struct jn_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
jn_table_cell(const struct jn_table *t, size_t row, int col)
{
	if (col < 0 || row >= t->nrows)
		return NULL;
	return t->cells[row * t->ncols + (size_t)col];
}

static int
has_all(const struct jn_table *t, const char *const *names)
{
	for (; *names; names++)
		if (jn_table_col(t, *names) < 0)
			return 0;
	return 1;
}

enum jn_table_kind
jn_table_kind(const struct jn_table *t)
{
	static const char *const compare[] = { "verdict", "ci_low", "ci_high",
		NULL };
	static const char *const backlog[] = { "rank", "priority", "score",
		NULL };
	static const char *const watch[] = { "period", "kpi", "value",
		"expected", "lower", "upper", "flag", NULL };
	static const char *const funnel[] = { "step", "name", "count", NULL };
	static const char *const steps[] = { "step", "from", "to", "units",
		NULL };
	static const char *const edges[] = { "from", "to", "transitions",
		NULL };
	static const char *const variants[] = { "variant", "units", NULL };
	static const char *const next[] = { "touchpoint", "next", "units",
		NULL };
	static const char *const retention[] = { "cohort", "period", "units",
		"retained", NULL };
	static const char *const sticky[] = { "active_periods", "units",
		NULL };
	static const char *const segment[] = { "segment", "users",
		"converted", NULL };

	if (has_all(t, compare))
		return JN_TABLE_COMPARE;
	if (has_all(t, backlog))
		return JN_TABLE_BACKLOG;
	if (has_all(t, watch))
		return JN_TABLE_WATCH;
	if (has_all(t, funnel))
		return JN_TABLE_FUNNEL;
	if (has_all(t, steps))
		return JN_TABLE_STEPS;
	if (has_all(t, edges))
		return JN_TABLE_EDGES;
	if (has_all(t, variants))
		return JN_TABLE_VARIANTS;
	if (has_all(t, next))
		return JN_TABLE_NEXT;
	if (jn_table_col(t, "kind") >= 0 &&
	    (jn_table_col(t, "revenue_at_risk") >= 0 ||
	    jn_table_col(t, "support_contacts") >= 0 ||
	    jn_table_col(t, "effort") >= 0))
		return JN_TABLE_FRICTION;
	if (has_all(t, retention))
		return JN_TABLE_RETENTION;
	if (has_all(t, sticky))
		return JN_TABLE_STICKINESS;
	if (has_all(t, segment))
		return JN_TABLE_SEGMENT;
	return JN_TABLE_OTHER;
}

const char *
jn_table_kind_name(enum jn_table_kind k)
{
	static const char *const names[] = { "table", "comparison",
		"backlog", "KPI watch", "funnel", "journey steps",
		"journey edges", "journey variants", "next steps",
		"friction", "retention", "stickiness", "segment" };

	return (size_t)k < sizeof names / sizeof names[0] ? names[k] :
	    "table";
}

enum jn_coltype
jn_table_coltype(const char *name)
{
	static const struct {
		const char *name;
		enum jn_coltype type;
	} types[] = {
		{ "active_periods", JN_COL_INT }, { "answers", JN_COL_INT },
		{ "baseline_n", JN_COL_INT },
		{ "baseline_rate", JN_COL_RATE }, { "baseline_x", JN_COL_INT },
		{ "bounce_rate", JN_COL_RATE }, { "buyers", JN_COL_INT },
		{ "change", JN_COL_NUM }, { "ci_high", JN_COL_NUM },
		{ "ci_low", JN_COL_NUM }, { "clv", JN_COL_MONEY },
		{ "conversion", JN_COL_RATE },
		{ "conversion_with", JN_COL_RATE },
		{ "conversion_without", JN_COL_RATE },
		{ "conversions", JN_COL_NUM }, { "converted", JN_COL_INT },
		{ "ces", JN_COL_NUM }, { "cost", JN_COL_NUM },
		{ "count", JN_COL_INT }, { "csat", JN_COL_RATE },
		{ "cumulative_share", JN_COL_RATE },
		{ "current_n", JN_COL_INT }, { "current_rate", JN_COL_RATE },
		{ "current_x", JN_COL_INT }, { "denominator", JN_COL_NUM },
		{ "dropped", JN_COL_INT }, { "effort", JN_COL_NUM },
		{ "events", JN_COL_INT }, { "expected", JN_COL_NUM },
		{ "expected_purchases", JN_COL_NUM },
		{ "length", JN_COL_INT }, { "lower", JN_COL_NUM },
		{ "mean_time", JN_COL_DURATION },
		{ "median_duration", JN_COL_DURATION },
		{ "median_time", JN_COL_DURATION },
		{ "nps", JN_COL_NUM }, { "nps_gap", JN_COL_NUM },
		{ "nps_gap_hi", JN_COL_NUM }, { "nps_gap_lo", JN_COL_NUM },
		{ "nps_lower", JN_COL_NUM }, { "nps_upper", JN_COL_NUM },
		{ "numerator", JN_COL_NUM }, { "occurrences", JN_COL_INT },
		{ "p90_time", JN_COL_DURATION }, { "p_adjusted", JN_COL_NUM },
		{ "p_alive", JN_COL_RATE }, { "p_value", JN_COL_NUM },
		{ "rank", JN_COL_INT }, { "rate", JN_COL_RATE },
		{ "reached", JN_COL_INT }, { "responses", JN_COL_INT },
		{ "retained", JN_COL_INT },
		{ "revenue_at_risk", JN_COL_MONEY },
		{ "revenue_at_risk_hi", JN_COL_MONEY },
		{ "revenue_at_risk_lo", JN_COL_MONEY },
		{ "score", JN_COL_NUM }, { "session_share", JN_COL_RATE },
		{ "sessions", JN_COL_INT }, { "share", JN_COL_RATE },
		{ "step", JN_COL_INT }, { "step_conversion", JN_COL_RATE },
		{ "support_contacts", JN_COL_INT },
		{ "transitions", JN_COL_INT }, { "units", JN_COL_INT },
		{ "upper", JN_COL_NUM }, { "users", JN_COL_INT },
		{ "value", JN_COL_MONEY }, { "value_per_user", JN_COL_MONEY },
	};
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].name, name) == 0)
			return types[i].type;
	return JN_COL_STR;
}
