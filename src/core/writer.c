/*
 * Output writers, the last stage of every tool: a tool declares typed
 * columns, hands over rows of cells, and this module turns them into csv,
 * tsv, ndjson, an aligned terminal table or a GitHub markdown table.
 * Machine formats (csv, tsv, ndjson) stream: each row is built in one
 * reused line buffer and written with a single fwrite.  Human formats
 * (table, markdown) must know every width before the first line, so their
 * rows are formatted at once into display text held in one growing byte
 * buffer, and written at jn_writer_finish, when a table on a terminal is
 * also fitted to its width.  --fields, the columns shown and their order,
 * is applied here for every tool: a tool hands over all its cells and
 * never knows which are shown.
 *
 * Numbers are formatted here and only here, so that "0.4567" in csv and
 * "45.7%" in a table come from the same rounding in every tool.  The
 * printf family is used with the C numeric locale (no tool sets
 * LC_NUMERIC), so the decimal point is always '.'.
 */
#include "journey/writer.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "journey/time.h"
#include "journey/util.h"

/*
 * Big enough for any finite double in "%.6f" (DBL_MAX has 309 integer
 * digits) with thousands separators added.
 */
#define NUMBUF 512

/* One held cell of a table or markdown row: display text in w->text. */
struct tcell {
	size_t off, len;
	size_t width;		/* display columns (code points) */
};

struct jn_writer {
	FILE *out;
	enum jn_format fmt;
	size_t nsrc;		/* cells in each row the tool hands over */
	size_t ncols;		/* columns written (--fields may pick) */
	size_t *src;		/* column j shows the row's cell src[j] */
	char **names;
	enum jn_coltype *types;
	int bad;		/* --fields named no column (reported) */
	size_t fit;		/* table: cut to this width; 0: never */
	size_t nshow;		/* table: columns shown after fitting */
	int header_done;	/* streamed formats write it lazily */
	int finished;
	int failed;		/* a write failed; errno saved in err */
	int err;
	struct jn_strbuf line;	/* reused per streamed row, table line */
	/* held rows (table, markdown) */
	struct jn_strbuf text;
	struct tcell *cells;
	size_t ncells, cellcap;
	size_t *widths;
};

/*
 * Appending to a jn_strbuf (util.h) keeps it NUL-terminated, as that type
 * promises: the room for the NUL is always there after a grow.
 */
static void
sb_grow(struct jn_strbuf *b, size_t more)
{
	b->buf = jn_xgrow(b->buf, &b->cap, b->len + more + 1, 1);
}

static void
sb_add(struct jn_strbuf *b, const char *s, size_t n)
{
	/* an empty cell may come as (NULL, 0): memcpy must not see it */
	if (n == 0)
		return;
	sb_grow(b, n);
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void
sb_addc(struct jn_strbuf *b, char c)
{
	if (b->len + 1 >= b->cap)
		sb_grow(b, 1);
	b->buf[b->len++] = c;
	b->buf[b->len] = '\0';
}

static void
sb_addstr(struct jn_strbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_pad(struct jn_strbuf *b, char c, size_t n)
{
	if (n == 0)
		return;
	sb_grow(b, n);
	memset(b->buf + b->len, c, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

/*
 * Decode one code point from s[0..len), len > 0.  Returns its length, or 0
 * when the bytes are not valid UTF-8 (bad lead byte, cut sequence,
 * overlong form, surrogate, beyond U+10FFFF).
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	uint32_t v, min;
	size_t n, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

static const char hexdig[] = "0123456789abcdef";
static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

/* ---- numbers ---- */

/*
 * d with prec decimals, trailing zeros (and a bare '.') trimmed when trim
 * is set.  A result that rounds to zero loses its sign: "-0" and "-0.00"
 * are noise to a reader.  NaN and infinities give "" (a null cell).
 * Returns the length.
 */
static size_t
fmt_fixed(char *buf, size_t size, double d, int prec, int trim)
{
	int r;
	size_t n;

	if (!isfinite(d)) {
		buf[0] = '\0';
		return 0;
	}
	r = snprintf(buf, size, "%.*f", prec, d);
	assert(r > 0 && (size_t)r < size);
	n = (size_t)r;
	if (trim && memchr(buf, '.', n) != NULL) {
		while (buf[n - 1] == '0')
			n--;
		if (buf[n - 1] == '.')
			n--;
		buf[n] = '\0';
	}
	if (buf[0] == '-' && strspn(buf + 1, "0.") == n - 1) {
		memmove(buf, buf + 1, n);
		n--;
	}
	return n;
}

/*
 * Insert ',' every three digits into the integer part of the number in
 * buf[0..len), in place; buf has room.  Returns the new length.
 */
static size_t
group_thousands(char *buf, size_t len, size_t size)
{
	size_t start = buf[0] == '-' ? 1 : 0, end = start;
	size_t ncomma, src, dst, k = 0;

	while (end < len && buf[end] >= '0' && buf[end] <= '9')
		end++;
	ncomma = end > start ? (end - start - 1) / 3 : 0;
	if (ncomma == 0)
		return len;
	assert(len + ncomma < size);
	memmove(buf + end + ncomma, buf + end, len - end + 1);
	/* right to left, so dst >= src never overwrites an unread digit */
	src = end;
	dst = end + ncomma;
	while (src > start) {
		buf[--dst] = buf[--src];
		if (++k % 3 == 0 && src > start)
			buf[--dst] = ',';
	}
	return len + ncomma;
}

static int
is_numeric(enum jn_coltype t)
{
	return t != JN_COL_STR;
}

/*
 * Format a non-string cell into buf: machine form (csv, tsv, ndjson) or,
 * when human is set, the table/markdown form.  Returns the length; 0 means
 * an empty cell (null, NaN or infinite).
 */
static size_t
fmt_number(char *buf, size_t size, enum jn_coltype t,
    const struct jn_cell *c, int human)
{
	size_t n;

	buf[0] = '\0';
	if (c->null)
		return 0;
	switch (t) {
	case JN_COL_INT:
		n = (size_t)snprintf(buf, size, "%" PRId64, c->i);
		return human ? group_thousands(buf, n, size) : n;
	case JN_COL_NUM:
		return fmt_fixed(buf, size, c->d, 6, 1);
	case JN_COL_MONEY:
		n = fmt_fixed(buf, size, c->d, 2, 0);
		return human && n > 0 ? group_thousands(buf, n, size) : n;
	case JN_COL_RATE:
		if (!human)
			return fmt_fixed(buf, size, c->d, 4, 0);
		n = fmt_fixed(buf, size - 1, c->d * 100, 1, 0);
		if (n > 0) {
			buf[n++] = '%';
			buf[n] = '\0';
		}
		return n;
	case JN_COL_DURATION:
		if (!human)
			return fmt_fixed(buf, size, c->d, 3, 1);
		if (!isfinite(c->d))
			return 0;
		jn_duration_human(buf, size, c->d);
		return strlen(buf);
	case JN_COL_STR:
		break;
	}
	assert(!"string cell in fmt_number");
	return 0;
}

size_t
jn_format_cell(char *buf, size_t size, enum jn_coltype t,
    const struct jn_cell *c, int human)
{
	return fmt_number(buf, size, t, c, human);
}

/* ---- csv, tsv, ndjson cells ---- */

/*
 * RFC 4180: a field is quoted only when it holds a comma, a quote, CR or
 * LF, with quotes doubled.  Leading and trailing blanks are data and stay
 * unquoted, as in every spreadsheet's export.
 */
void
jn_csv_field(struct jn_strbuf *b, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			break;
	if (i == len) {
		sb_add(b, s, len);
		return;
	}
	sb_addc(b, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			sb_addc(b, '"');
		sb_addc(b, s[i]);
	}
	sb_addc(b, '"');
}

/*
 * --safe-csv: a cell that a spreadsheet would run as a formula (starting
 * with = + - @, or a tab or CR that some strip first) gets a leading ',
 * the OWASP advice against CSV injection.  Off by default: it changes
 * data, and negative numbers in text cells would change too.
 */
static int safe_csv;

void
jn_writer_safe_csv(int on)
{
	safe_csv = on;
}

static int
formula_like(const char *s, size_t len)
{
	return safe_csv && len > 0 && (s[0] == '=' || s[0] == '+' ||
	    s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
}

/* A text cell for csv or tsv, defused when --safe-csv asks. */
static void
text_field(struct jn_strbuf *b, const char *s, size_t len, int tsv)
{
	struct jn_strbuf tmp = { 0 };

	if (formula_like(s, len)) {
		sb_addc(&tmp, '\'');
		sb_add(&tmp, s, len);
		s = tmp.buf;
		len = tmp.len;
	}
	if (tsv)
		jn_tsv_field(b, s, len);
	else
		jn_csv_field(b, s, len);
	free(tmp.buf);
}

/*
 * TSV has no quoting, so a tab, newline, CR or backslash inside a field is
 * written as the two characters \t, \n, \r or \\: the "linear TSV"
 * convention that mlr and many loaders read back.  Other bytes, invalid
 * UTF-8 included, pass through unchanged.
 */
void
jn_tsv_field(struct jn_strbuf *b, const char *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		const char *esc;

		switch (s[i]) {
		case '\t':
			esc = "\\t";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\\':
			esc = "\\\\";
			break;
		default:
			continue;
		}
		sb_add(b, s + run, i - run);
		sb_add(b, esc, 2);
		run = i + 1;
	}
	sb_add(b, s + run, len - run);
}

/*
 * A JSON string.  Bytes that are not valid UTF-8 become U+FFFD so that
 * the line is always valid JSON whatever the input held.
 */
void
jn_json_string(struct jn_strbuf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run;

	sb_addc(b, '"');
	while (i < len) {
		unsigned char c = u[i];
		uint32_t cp;
		size_t n;

		/* the common case: a run of plain ASCII copied at once */
		for (run = i; i < len; i++) {
			c = u[i];
			if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
				break;
		}
		sb_add(b, s + run, i - run);
		if (i == len)
			break;
		if (c >= 0x80) {
			n = utf8_decode(u + i, len - i, &cp);
			if (n == 0) {
				sb_add(b, replacement, 3);
				i++;
			} else {
				sb_add(b, s + i, n);
				i += n;
			}
			continue;
		}
		sb_addc(b, '\\');
		switch (c) {
		case '"':
		case '\\':
			sb_addc(b, (char)c);
			break;
		case '\n':
			sb_addc(b, 'n');
			break;
		case '\r':
			sb_addc(b, 'r');
			break;
		case '\t':
			sb_addc(b, 't');
			break;
		case '\b':
			sb_addc(b, 'b');
			break;
		case '\f':
			sb_addc(b, 'f');
			break;
		default:
			sb_addstr(b, "u00");
			sb_addc(b, hexdig[c >> 4]);
			sb_addc(b, hexdig[c & 15]);
			break;
		}
		i++;
	}
	sb_addc(b, '"');
}

/* ---- table and markdown cells ---- */

/*
 * Append s as display text that cannot break the layout, and return its
 * width in columns, counted as code points (wcwidth would make output
 * depend on the locale; wide CJK characters are the known cost).
 * Control characters are shown escaped: \n \r \t, other C0 and DEL as
 * \xHH, C1 as \u00HH; invalid UTF-8 bytes as U+FFFD.  For markdown a
 * newline (LF, CRLF or CR) becomes <br> and '|' becomes \|, so a cell
 * never ends its row.
 */
static size_t
display_text(struct jn_strbuf *b, const char *s, size_t len, int md)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, width = 0;

	while (i < len) {
		unsigned char c = u[i];
		uint32_t cp;
		size_t n, start = b->len;

		if (c >= 0x80) {
			n = utf8_decode(u + i, len - i, &cp);
			if (n == 0) {
				sb_add(b, replacement, 3);
				width++;
				i++;
			} else if (cp < 0xa0) {
				sb_addstr(b, "\\u00");
				sb_addc(b, hexdig[cp >> 4]);
				sb_addc(b, hexdig[cp & 15]);
				width += 6;
				i += n;
			} else {
				sb_add(b, s + i, n);
				width++;
				i += n;
			}
			continue;
		}
		i++;
		if (md && (c == '\n' || c == '\r')) {
			if (c == '\r' && i < len && u[i] == '\n')
				i++;
			sb_addstr(b, "<br>");
		} else if (md && c == '|') {
			sb_addstr(b, "\\|");
		} else if (c == '\n') {
			sb_addstr(b, "\\n");
		} else if (c == '\r') {
			sb_addstr(b, "\\r");
		} else if (c == '\t') {
			sb_addstr(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			sb_addstr(b, "\\x");
			sb_addc(b, hexdig[c >> 4]);
			sb_addc(b, hexdig[c & 15]);
		} else {
			sb_addc(b, (char)c);
		}
		/* everything appended in this branch is ASCII */
		width += b->len - start;
	}
	return width;
}

/* ---- the writer ---- */

int
jn_format_parse(const char *name, enum jn_format *fmt)
{
	static const struct {
		const char *name;
		enum jn_format fmt;
	} names[] = {
		{ "table", JN_FMT_TABLE },
		{ "csv", JN_FMT_CSV },
		{ "tsv", JN_FMT_TSV },
		{ "ndjson", JN_FMT_NDJSON },
		{ "jsonl", JN_FMT_NDJSON },
		{ "markdown", JN_FMT_MARKDOWN },
		{ "md", JN_FMT_MARKDOWN },
	};
	char q[64];
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i].name) == 0) {
			*fmt = names[i].fmt;
			return 0;
		}
	}
	return jn_error("bad output format '%s' "
	    "(table, csv, tsv, ndjson, markdown)",
	    jn_quote(q, sizeof q, name, strlen(name)));
}

enum jn_format
jn_format_resolve(enum jn_format fmt, FILE *out)
{
	int fd;

	if (fmt != JN_FMT_AUTO)
		return fmt;
	/* fileno is -1 on memory streams: those are not terminals either */
	fd = fileno(out);
	return fd >= 0 && isatty(fd) ? JN_FMT_TABLE : JN_FMT_CSV;
}

/* Write b to out, remembering the first failure and its errno. */
static int
emit(struct jn_writer *w, const struct jn_strbuf *b)
{
	if (w->failed)
		return -1;
	if (b->len > 0 && fwrite(b->buf, 1, b->len, w->out) != b->len) {
		w->failed = 1;
		w->err = errno;
		return -1;
	}
	if (ferror(w->out)) {
		w->failed = 1;
		w->err = errno;
		return -1;
	}
	return 0;
}

/* The header line of csv or tsv into w->line. */
static void
header_line(struct jn_writer *w)
{
	size_t j;

	w->line.len = 0;
	for (j = 0; j < w->ncols; j++) {
		const char *name = w->names[j];

		if (j > 0)
			sb_addc(&w->line, w->fmt == JN_FMT_CSV ? ',' : '\t');
		if (w->fmt == JN_FMT_CSV)
			jn_csv_field(&w->line, name, strlen(name));
		else
			jn_tsv_field(&w->line, name, strlen(name));
	}
	sb_addc(&w->line, '\n');
}

static int
stream_header(struct jn_writer *w)
{
	if (w->header_done)
		return 0;
	w->header_done = 1;
	if (w->fmt != JN_FMT_CSV && w->fmt != JN_FMT_TSV)
		return 0;
	header_line(w);
	return emit(w, &w->line);
}

static int
stream_row(struct jn_writer *w, const struct jn_cell *cells)
{
	struct jn_strbuf *b = &w->line;
	char num[NUMBUF];
	size_t j, n;

	if (stream_header(w) != 0)
		return -1;
	b->len = 0;
	if (w->fmt == JN_FMT_NDJSON)
		sb_addc(b, '{');
	for (j = 0; j < w->ncols; j++) {
		const struct jn_cell *c = &cells[w->src[j]];
		enum jn_coltype t = w->types[j];

		switch (w->fmt) {
		case JN_FMT_CSV:
			if (j > 0)
				sb_addc(b, ',');
			/*
			 * A lone empty field would make a blank line that
			 * many readers skip, losing the row.
			 */
			if (w->ncols == 1 &&
			    (c->null || (t == JN_COL_STR && c->len == 0))) {
				sb_addstr(b, "\"\"");
				break;
			}
			if (c->null)
				break;
			if (t == JN_COL_STR)
				text_field(b, c->s, c->len, 0);
			else
				sb_add(b, num, fmt_number(num, sizeof num,
				    t, c, 0));
			break;
		case JN_FMT_TSV:
			if (j > 0)
				sb_addc(b, '\t');
			if (c->null)
				break;
			if (t == JN_COL_STR)
				text_field(b, c->s, c->len, 1);
			else
				sb_add(b, num, fmt_number(num, sizeof num,
				    t, c, 0));
			break;
		default:
			if (j > 0)
				sb_addc(b, ',');
			jn_json_string(b, w->names[j], strlen(w->names[j]));
			sb_addc(b, ':');
			if (c->null) {
				sb_addstr(b, "null");
			} else if (t == JN_COL_STR) {
				jn_json_string(b, c->s, c->len);
			} else {
				n = fmt_number(num, sizeof num, t, c, 0);
				if (n == 0)
					sb_addstr(b, "null");
				else
					sb_add(b, num, n);
			}
			break;
		}
	}
	if (w->fmt == JN_FMT_NDJSON)
		sb_addc(b, '}');
	sb_addc(b, '\n');
	return emit(w, b);
}

/* Hold s as the display text of the next cell, in column col. */
static void
hold_cell(struct jn_writer *w, size_t col, const char *s, size_t len)
{
	struct tcell *tc;
	int md = w->fmt == JN_FMT_MARKDOWN;

	w->cells = jn_xgrow(w->cells, &w->cellcap, w->ncells + 1,
	    sizeof *w->cells);
	tc = &w->cells[w->ncells++];
	tc->off = w->text.len;
	tc->width = display_text(&w->text, s, len, md);
	tc->len = w->text.len - tc->off;
	if (tc->width > w->widths[col])
		w->widths[col] = tc->width;
}

static void
hold_row(struct jn_writer *w, const struct jn_cell *cells)
{
	char num[NUMBUF];
	size_t j;

	for (j = 0; j < w->ncols; j++) {
		const struct jn_cell *c = &cells[w->src[j]];

		if (c->null)
			hold_cell(w, j, "", 0);
		else if (w->types[j] == JN_COL_STR)
			hold_cell(w, j, c->s, c->len);
		else
			hold_cell(w, j, num, fmt_number(num, sizeof num,
			    w->types[j], c, 1));
	}
}

/*
 * --fields: the names picked, in order, for every writer made from now on
 * (process-wide, as --safe-csv: one option of every tool, parsed before
 * the tool knows its columns).
 */
static char **picked;
static size_t npicked;

int
jn_writer_fields(const char *list)
{
	const char *p, *end, *a, *b;
	char q[64];
	size_t i;

	for (i = 0; i < npicked; i++)
		free(picked[i]);
	free(picked);
	picked = NULL;
	npicked = 0;
	if (list == NULL)
		return 0;
	for (p = list;; p = end + 1) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		/* "kind, touchpoint" as typed: the blanks are not the name */
		for (a = p; a < end && (*a == ' ' || *a == '\t'); a++)
			;
		for (b = end; b > a && (b[-1] == ' ' || b[-1] == '\t'); b--)
			;
		if (a == b) {
			jn_writer_fields(NULL);
			return jn_error("--fields: empty column name in '%s'",
			    jn_quote(q, sizeof q, list, strlen(list)));
		}
		for (i = 0; i < npicked; i++) {
			if (strlen(picked[i]) == (size_t)(b - a) &&
			    memcmp(picked[i], a, (size_t)(b - a)) == 0) {
				jn_writer_fields(NULL);
				return jn_error("--fields: column '%s' named "
				    "twice", jn_quote(q, sizeof q, a,
				    (size_t)(b - a)));
			}
		}
		picked = jn_xrealloc(picked, (npicked + 1) * sizeof *picked);
		picked[npicked++] = jn_xstrndup(a, (size_t)(b - a));
		if (*end == '\0')
			break;
	}
	return 0;
}

int
jn_writer_fields_given(void)
{
	return npicked > 0;
}

/*
 * The column most likely meant by a name that is none: the nearest by
 * edit distance when close enough to be a typo (one edit per four bytes,
 * at least one, at most three; ties to the first column), else the first
 * column the name begins ("revenue" for revenue_at_risk).  NULL if none.
 */
static const char *
closest_column(const struct jn_column *cols, size_t ncols, const char *name)
{
	size_t len = strlen(name), j, d, bestd;
	const char *best = NULL;

	bestd = len / 4 + 1;
	if (bestd > 3)
		bestd = 3;
	for (j = 0; j < ncols; j++) {
		d = jn_edit_distance(name, len, cols[j].name,
		    strlen(cols[j].name));
		if (d <= bestd && (best == NULL || d < bestd)) {
			best = cols[j].name;
			bestd = d;
		}
	}
	for (j = 0; best == NULL && len > 0 && j < ncols; j++)
		if (strncmp(cols[j].name, name, len) == 0)
			best = cols[j].name;
	return best;
}

/*
 * Map the --fields names onto cols into w->src.  A name that is no column
 * is a usage error, reported here, naming the columns there are.
 * Returns 0 or -1.
 */
static int
pick_columns(struct jn_writer *w, const struct jn_column *cols,
    size_t ncols)
{
	struct jn_strbuf b = { 0 };
	const char *near;
	char q[64];
	size_t i, j;

	for (i = 0; i < npicked; i++) {
		for (j = 0; j < ncols; j++)
			if (strcmp(cols[j].name, picked[i]) == 0)
				break;
		if (j < ncols) {
			w->src[i] = j;
			continue;
		}
		jn_strbuf_printf(&b, "--fields: no column '%s'",
		    jn_quote(q, sizeof q, picked[i], strlen(picked[i])));
		if ((near = closest_column(cols, ncols, picked[i])) != NULL)
			jn_strbuf_printf(&b, " (did you mean %s?)", near);
		jn_strbuf_printf(&b, "; columns are: ");
		for (j = 0; j < ncols; j++)
			jn_strbuf_printf(&b, "%s%s", j > 0 ? ", " : "",
			    cols[j].name);
		jn_error("%s", b.buf);
		free(b.buf);
		return -1;
	}
	return 0;
}

/*
 * The width a terminal table must fit: that of the terminal standard
 * output is, COLUMNS overriding what the terminal says (as ls(1) and
 * systemd do).  0, never cut, when out is not a terminal, whatever
 * COLUMNS says: a table piped into a pager or a file is whole.
 */
static size_t
terminal_width(FILE *out)
{
	struct winsize ws;
	const char *env;
	char *end;
	long n;
	int fd = fileno(out);

	if (fd < 0 || !isatty(fd))
		return 0;
	/* digits only: "80", not " 80", "80x" or "-1" */
	env = getenv("COLUMNS");
	if (env != NULL && *env >= '0' && *env <= '9') {
		n = strtol(env, &end, 10);
		if (*end == '\0' && n > 0 && n <= 1000000)
			return (size_t)n;
	}
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

struct jn_writer *
jn_writer_new(FILE *out, enum jn_format fmt, const struct jn_column *cols,
    size_t ncols)
{
	struct jn_writer *w = jn_xcalloc(1, sizeof *w);
	size_t j;

	w->out = out;
	/* the contract asks for a resolved format; resolving is harmless */
	w->fmt = jn_format_resolve(fmt, out);
	w->nsrc = ncols;
	w->ncols = npicked > 0 ? npicked : ncols;
	w->src = jn_xcalloc(w->ncols, sizeof *w->src);
	if (npicked == 0) {
		for (j = 0; j < ncols; j++)
			w->src[j] = j;
	} else if (pick_columns(w, cols, ncols) != 0) {
		/* nothing is written, and jn_writer_finish fails */
		w->bad = 1;
		w->ncols = 0;
	}
	w->names = jn_xcalloc(w->ncols, sizeof *w->names);
	w->types = jn_xcalloc(w->ncols, sizeof *w->types);
	w->widths = jn_xcalloc(w->ncols, sizeof *w->widths);
	for (j = 0; j < w->ncols; j++) {
		w->names[j] = jn_xstrdup(cols[w->src[j]].name);
		w->types[j] = cols[w->src[j]].type;
	}
	if (w->fmt == JN_FMT_TABLE)
		w->fit = terminal_width(out);
	/* the header is held as row 0 so that its width counts */
	if (w->fmt == JN_FMT_TABLE || w->fmt == JN_FMT_MARKDOWN)
		for (j = 0; j < w->ncols; j++)
			hold_cell(w, j, w->names[j], strlen(w->names[j]));
	return w;
}

void
jn_writer_fit(struct jn_writer *w, size_t width)
{
	if (w->fmt == JN_FMT_TABLE)
		w->fit = width;
}

int
jn_writer_row(struct jn_writer *w, const struct jn_cell *cells)
{
	assert(!w->finished);
	if (w->bad)
		return -1;
	if (w->fmt == JN_FMT_TABLE || w->fmt == JN_FMT_MARKDOWN) {
		hold_row(w, cells);
		return 0;
	}
	return stream_row(w, cells);
}

/* ---- fitting a terminal table to its width ---- */

#define ELLIPSIS "\xe2\x80\xa6"	/* U+2026, one column */
/* a text column is elided to no less than its name, or this */
#define ELIDE_MIN 8

/* The bytes of the first n code points of UTF-8 text s[0..len). */
static size_t
prefix_bytes(const char *s, size_t len, size_t n)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n-- == 0)
			break;
	return i;
}

/*
 * Column j's width when text columns are capped at cap: numbers keep
 * theirs (a cut number is a wrong number), text goes down to cap but not
 * below its floor (its name's width or ELIDE_MIN, 1 when hard).
 */
static size_t
capped_width(const struct jn_writer *w, size_t j, size_t cap, int hard)
{
	size_t full = w->widths[j], floor;

	if (is_numeric(w->types[j]) || full <= cap)
		return full;
	floor = hard ? 2 : w->cells[j].width > ELIDE_MIN ?
	    w->cells[j].width : ELIDE_MIN;
	if (floor > full)
		floor = full;
	return cap > floor ? cap : floor;
}

/* The line width of the first n columns with text capped at cap. */
static size_t
layout_width(const struct jn_writer *w, size_t n, size_t cap, int hard)
{
	size_t j, total = 0;

	for (j = 0; j < n; j++)
		total += capped_width(w, j, cap, hard) + (j > 0 ? 2 : 0);
	return total;
}

/*
 * Fit a held table into w->fit columns: first the widest text columns
 * are elided (cut, with an ellipsis) down to a common cap, each no
 * narrower than its name; when that is not enough, columns are dropped
 * from the right, the first always kept (its text then cut harder).
 * What was changed is said once on stderr.
 */
static void
fit_table(struct jn_writer *w)
{
	struct jn_strbuf elided = { 0 }, dropped = { 0 };
	size_t n = w->ncols, lo, hi, mid, j;
	int hard = 0;

	if (w->fit == 0 || n == 0 ||
	    layout_width(w, n, SIZE_MAX, 0) <= w->fit)
		return;
	while (n > 1 && layout_width(w, n, 0, 0) > w->fit)
		n--;
	if (layout_width(w, n, 0, 0) > w->fit)
		hard = 1;
	/* the largest cap that fits (layout_width grows with cap) */
	lo = 0;
	hi = 0;
	for (j = 0; j < n; j++)
		if (w->widths[j] > hi)
			hi = w->widths[j];
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (layout_width(w, n, mid, hard) <= w->fit)
			lo = mid;
		else
			hi = mid - 1;
	}
	for (j = 0; j < w->ncols; j++) {
		size_t cw = j < n ? capped_width(w, j, lo, hard) : 0;
		struct jn_strbuf *b = j >= n ? &dropped :
		    cw < w->widths[j] ? &elided : NULL;

		if (b != NULL)
			jn_strbuf_printf(b, "%s%s", b->len > 0 ? ", " : "",
			    w->names[j]);
		if (j < n)
			w->widths[j] = cw;
	}
	w->nshow = n;
	/* a number wider than the terminal alone: nothing was cut */
	if (elided.len > 0 || dropped.len > 0)
		jn_warn("table cut to %zu columns:%s%s%s%s; use -o csv or "
		    "--fields", w->fit, elided.len > 0 ? " elided " : "",
		    elided.len > 0 ? elided.buf : "", dropped.len > 0 ?
		    (elided.len > 0 ? "; dropped " : " dropped ") : "",
		    dropped.len > 0 ? dropped.buf : "");
	free(elided.buf);
	free(dropped.buf);
}

/*
 * One line of a terminal table into w->line: columns two spaces apart,
 * numbers right-aligned, text left-aligned, no trailing blanks (a text
 * cell's own trailing blanks in the last column go too: they are
 * invisible anyway).
 */
static void
table_line(struct jn_writer *w, const struct tcell *row)
{
	struct jn_strbuf *b = &w->line;
	size_t j;

	b->len = 0;
	for (j = 0; j < w->nshow; j++) {
		const char *t = w->text.buf + row[j].off;
		size_t len = row[j].len, width = row[j].width, pad;
		int cut = width > w->widths[j];

		/* a text cell wider than its fitted column loses its end */
		if (cut) {
			width = w->widths[j];
			len = prefix_bytes(t, len, width - 1);
		}
		pad = w->widths[j] - width;
		if (j > 0)
			sb_add(b, "  ", 2);
		if (is_numeric(w->types[j]))
			sb_pad(b, ' ', pad);
		sb_add(b, t, len);
		if (cut)
			sb_addstr(b, ELLIPSIS);
		if (!is_numeric(w->types[j]))
			sb_pad(b, ' ', pad);
	}
	while (b->len > 0 && b->buf[b->len - 1] == ' ')
		b->len--;
	sb_addc(b, '\n');
}

static void
table_rule(struct jn_writer *w)
{
	struct jn_strbuf *b = &w->line;
	size_t j;

	b->len = 0;
	for (j = 0; j < w->nshow; j++) {
		if (j > 0)
			sb_add(b, "  ", 2);
		sb_pad(b, '-', w->widths[j]);
	}
	sb_addc(b, '\n');
}

/*
 * A markdown row, padded so the source reads as a table too:
 * "| a   |   1 |".
 */
static void
md_line(struct jn_writer *w, const struct tcell *row)
{
	struct jn_strbuf *b = &w->line;
	size_t j;

	b->len = 0;
	sb_addc(b, '|');
	for (j = 0; j < w->ncols; j++) {
		size_t pad = w->widths[j] - row[j].width;

		sb_addc(b, ' ');
		if (is_numeric(w->types[j]))
			sb_pad(b, ' ', pad);
		sb_add(b, w->text.buf + row[j].off, row[j].len);
		if (!is_numeric(w->types[j]))
			sb_pad(b, ' ', pad);
		sb_add(b, " |", 2);
	}
	sb_addc(b, '\n');
}

/* "| ---- | ---: |": a colon right-aligns numeric columns on GitHub. */
static void
md_rule(struct jn_writer *w)
{
	struct jn_strbuf *b = &w->line;
	size_t j;

	b->len = 0;
	sb_addc(b, '|');
	for (j = 0; j < w->ncols; j++) {
		sb_addc(b, ' ');
		if (is_numeric(w->types[j])) {
			sb_pad(b, '-', w->widths[j] - 1);
			sb_addc(b, ':');
		} else {
			sb_pad(b, '-', w->widths[j]);
		}
		sb_add(b, " |", 2);
	}
	sb_addc(b, '\n');
}

static void
write_held(struct jn_writer *w)
{
	int md = w->fmt == JN_FMT_MARKDOWN;
	size_t r, j, nrows;

	if (w->ncols == 0)
		return;
	nrows = w->ncells / w->ncols;
	w->nshow = w->ncols;
	if (!md)
		fit_table(w);
	if (md) {
		/* GitHub needs at least three dashes in a delimiter cell */
		for (j = 0; j < w->ncols; j++)
			if (w->widths[j] < 3)
				w->widths[j] = 3;
	}
	for (r = 0; r < nrows; r++) {
		const struct tcell *row = &w->cells[r * w->ncols];

		if (md)
			md_line(w, row);
		else
			table_line(w, row);
		if (emit(w, &w->line) != 0)
			return;
		if (r == 0) {
			if (md)
				md_rule(w);
			else
				table_rule(w);
			if (emit(w, &w->line) != 0)
				return;
		}
	}
}

int
jn_writer_finish(struct jn_writer *w)
{
	if (w->bad)
		return -1;
	if (!w->finished) {
		w->finished = 1;
		if (w->fmt == JN_FMT_TABLE || w->fmt == JN_FMT_MARKDOWN)
			write_held(w);
		else
			stream_header(w);
	}
	if (fflush(w->out) != 0 && !w->failed) {
		w->failed = 1;
		w->err = errno;
	}
	if (ferror(w->out) && !w->failed) {
		w->failed = 1;
		w->err = errno;
	}
	if (w->failed)
		return jn_error("write error: %s",
		    strerror(w->err != 0 ? w->err : EIO));
	return 0;
}

void
jn_writer_free(struct jn_writer *w)
{
	size_t j;

	if (w == NULL)
		return;
	for (j = 0; j < w->ncols; j++)
		free(w->names[j]);
	free(w->names);
	free(w->src);
	free(w->types);
	free(w->widths);
	free(w->line.buf);
	free(w->text.buf);
	free(w->cells);
	free(w);
}
