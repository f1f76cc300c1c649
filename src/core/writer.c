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
 * The gate formats (JUnit XML, GitHub workflow commands, GitLab Code
 * Quality JSON, Prometheus text) are made here too, once for every gate
 * tool: the tool only says which columns name a row, which are labels
 * and which are gauges (jn_writer_gate), and each row's verdict.  Their
 * rows are held, as JUnit counts failures before the first test case and
 * Prometheus groups samples by metric, and written at jn_writer_finish.
 * --output, the file renamed into place at the end, lives here as well.
 *
 * Numbers are formatted here and only here, so that "0.4567" in csv and
 * "45.7%" in a table come from the same rounding in every tool.  The
 * printf family is used with the C numeric locale (no tool sets
 * LC_NUMERIC), so the decimal point is always '.'.
 */
#include "journey/writer.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journey/time.h"
#include "journey/tmpfile.h"
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

/* A held cell of a gate format's row: strings in w->gtext. */
struct gcell {
	int null;
	size_t off, len;
	int64_t i;
	double d;
	int dec, form;
};

/*
 * A held row of a gate format: its verdict, why, and for a check that
 * is no table row (jn_writer_gate_check), its name (both in w->gtext).
 */
struct grow {
	enum jn_verdict v;
	enum jn_severity sev;
	int has_why, has_name;
	size_t why_off, why_len;
	size_t name_off, name_len;
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
	/* gate formats: the tool's description, held rows and cells */
	const struct jn_gate *gate;
	struct grow next;	/* the verdict of the next row */
	struct grow *grows;
	size_t ngrows, growcap;
	struct gcell *gcells;
	size_t ngcells, gcellcap;
	struct jn_strbuf gtext;
	struct jn_writer *summary;	/* github: GITHUB_STEP_SUMMARY */
	FILE *summary_out;	/* the file, open to append */
	FILE *summary_mem;	/* the markdown, made in memory first */
	char *summary_text;
	size_t summary_len;
	char *summary_path;
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
size_t
jn_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
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
#define FFFD "\xef\xbf\xbd"	/* U+FFFD, the replacement character */
static const char replacement[] = FFFD;

/* ---- numbers ---- */

/*
 * Finite d with prec decimals, as snprintf's "%.*f" writes it, without
 * its cost (a multiple-precision expansion of every double) when the
 * digits are certain: |d| * 10^prec, below 2^40, is then within 2^-13 of
 * the exact product, so that rounding it to the nearest integer rounds
 * the exact value alike unless its fraction lies within 2^-10 of a half.
 * Returns the length, or 0 when snprintf must decide (such a fraction,
 * a large value, a precision outside 1 to 9).
 */
static size_t
fixed_fast(char *buf, size_t size, double d, int prec)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
		1e8, 1e9 };
	char digits[24];
	double x, fl, fr;
	uint64_t n;
	size_t len = 0, nd = 0;
	int k;

	if (prec < 1 || prec > 9)
		return 0;
	x = fabs(d) * pow10[prec];
	if (!(x < 1099511627776.0))	/* 2^40 */
		return 0;
	fl = floor(x);
	fr = x - fl;
	if (fabs(fr - 0.5) < 1.0 / 1024)
		return 0;
	n = (uint64_t)fl + (fr > 0.5);
	/* the digits, last first: the fraction's, then the integer's */
	for (k = 0; k < prec; k++, n /= 10)
		digits[nd++] = (char)('0' + n % 10);
	do {
		digits[nd++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	if (nd + 3 > size)
		return 0;
	if (signbit(d))
		buf[len++] = '-';
	while (nd > (size_t)prec)
		buf[len++] = digits[--nd];
	buf[len++] = '.';
	while (nd > 0)
		buf[len++] = digits[--nd];
	buf[len] = '\0';
	return len;
}

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
	if ((n = fixed_fast(buf, size, d, prec)) == 0) {
		r = snprintf(buf, size, "%.*f", prec, d);
		assert(r > 0 && (size_t)r < size);
		n = (size_t)r;
	}
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
 * units * 10^-dec as an exact decimal, trailing zeros of the fraction
 * trimmed (jn_cell_dec).  Returns the length.
 */
static size_t
fmt_dec(char *buf, size_t size, int64_t units, int dec)
{
	char dig[24];
	uint64_t u = units < 0 ? -(uint64_t)units : (uint64_t)units;
	size_t nd = 0, n = 0, i;

	assert(dec >= -18 && dec <= 18 && size >= 64);
	do {
		dig[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (units < 0)
		buf[n++] = '-';
	if (dec <= 0) {
		while (nd > 0)
			buf[n++] = dig[--nd];
		for (i = 0; units != 0 && i < (size_t)-dec; i++)
			buf[n++] = '0';
	} else {
		while (nd < (size_t)dec + 1)
			dig[nd++] = '0';
		while (nd > (size_t)dec)
			buf[n++] = dig[--nd];
		buf[n++] = '.';
		while (nd > 0)
			buf[n++] = dig[--nd];
		while (buf[n - 1] == '0')
			n--;
		if (buf[n - 1] == '.')
			n--;
	}
	buf[n] = '\0';
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
 * i in decimal, as snprintf's "%" PRId64 writes it, without its cost
 * (a table of paths writes a few integers per row).  Returns the length.
 */
static size_t
fmt_int(char *buf, size_t size, int64_t i)
{
	char digits[24];
	/* the magnitude, INT64_MIN's too */
	uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
	size_t nd = 0, len = 0;

	do {
		digits[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	assert(nd + 2 <= size);
	(void)size;
	if (i < 0)
		buf[len++] = '-';
	while (nd > 0)
		buf[len++] = digits[--nd];
	buf[len] = '\0';
	return len;
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
	/* units hold no double: only a JN_COL_NUM prints them */
	assert(c->form != JN_CELL_UNITS || t == JN_COL_NUM);
	assert(c->form != JN_CELL_FIXED || (c->dec >= 0 && c->dec <= 17));
	switch (t) {
	case JN_COL_INT:
		n = fmt_int(buf, size, c->i);
		return human ? group_thousands(buf, n, size) : n;
	case JN_COL_NUM:
		if (c->form == JN_CELL_UNITS)
			return fmt_dec(buf, size, c->i, c->dec);
		if (c->form == JN_CELL_FIXED)
			return fmt_fixed(buf, size, c->d, c->dec, 0);
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
/*
 * Nonzero when a byte of w may need a CSV field quoted: one below 0x20
 * (CR and LF among them) or equal to ',' or '"'.  A byte equals c when
 * it is zero in w ^ c's broadcast; (x - ones) & ~x & high is nonzero
 * exactly when x has a zero byte, and likewise w - 0x20's broadcast
 * when w has a byte below 0x20 (bytes above 0x7f excluded by ~w).
 */
static uint64_t
csv_word_special(uint64_t w)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t high = UINT64_C(0x8080808080808080);
	uint64_t c = w ^ (ones * ','), q = w ^ (ones * '"');

	return ((w - ones * 0x20) & ~w & high) | ((c - ones) & ~c & high) |
	    ((q - ones) & ~q & high);
}

void
jn_csv_field(struct jn_strbuf *b, const char *s, size_t len)
{
	size_t i = 0;

	/*
	 * Eight bytes at a time while none is a comma, a quote or a control
	 * byte (a path of touchpoints is a few hundred bytes long), then
	 * byte by byte from the word that may hold one.
	 */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, sizeof w);
		if (csv_word_special(w) != 0)
			break;
	}
	for (; i < len; i++)
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
			n = jn_utf8_decode(u + i, len - i, &cp);
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
			n = jn_utf8_decode(u + i, len - i, &cp);
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

static const struct {
	const char *name;
	enum jn_format fmt;
} format_names[] = {
	{ "table", JN_FMT_TABLE },
	{ "csv", JN_FMT_CSV },
	{ "tsv", JN_FMT_TSV },
	{ "ndjson", JN_FMT_NDJSON },
	{ "jsonl", JN_FMT_NDJSON },
	{ "markdown", JN_FMT_MARKDOWN },
	{ "md", JN_FMT_MARKDOWN },
	{ "junit", JN_FMT_JUNIT },
	{ "github", JN_FMT_GITHUB },
	{ "codequality", JN_FMT_CODEQUALITY },
	{ "prometheus", JN_FMT_PROMETHEUS },
};

/* The formats this tool takes (jn_format_allow). */
static unsigned allowed_formats = JN_FMTS_TABLES;

void
jn_format_allow(unsigned formats)
{
	allowed_formats = formats;
}

int
jn_format_is_gate(enum jn_format fmt)
{
	return fmt >= JN_FMT_JUNIT;
}

int
jn_format_parse(const char *name, enum jn_format *fmt)
{
	struct jn_strbuf list = { 0 };
	enum jn_format last = JN_FMT_AUTO;
	char q[64];
	size_t i;
	int known = 0;

	for (i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
		if (strcmp(name, format_names[i].name) == 0) {
			known = 1;
			if (allowed_formats & (1u << format_names[i].fmt)) {
				*fmt = format_names[i].fmt;
				return 0;
			}
		}
	}
	/* the first name of each allowed format: no aliases */
	for (i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
		if (format_names[i].fmt == last ||
		    !(allowed_formats & (1u << format_names[i].fmt)))
			continue;
		last = format_names[i].fmt;
		jn_strbuf_printf(&list, "%s%s", list.len > 0 ? ", " : "",
		    format_names[i].name);
	}
	jn_quote(q, sizeof q, name, strlen(name));
	if (known)
		jn_error("output format '%s' is not one of this tool's (%s)",
		    q, list.buf);
	else
		jn_error("bad output format '%s' (%s)", q, list.buf);
	free(list.buf);
	return -1;
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

/* ---- gate formats: junit, github, codequality, prometheus ---- */

void
jn_writer_gate(struct jn_writer *w, const struct jn_gate *g)
{
	assert(w->ngrows == 0);
	w->gate = g;
}

void
jn_writer_verdict(struct jn_writer *w, enum jn_verdict v,
    enum jn_severity sev, const char *why)
{
	w->next.v = v;
	w->next.sev = sev;
	w->next.has_why = why != NULL;
	w->next.why_off = w->gtext.len;
	w->next.why_len = why != NULL ? strlen(why) : 0;
	if (why != NULL)
		sb_add(&w->gtext, why, w->next.why_len);
}

static void hold_gate_row(struct jn_writer *w, const struct jn_cell *cells,
    int table);

void
jn_writer_gate_check(struct jn_writer *w, const char *name,
    enum jn_verdict v, enum jn_severity sev, const char *why)
{
	struct jn_cell *cells;
	size_t j;

	if (!jn_format_is_gate(w->fmt) || w->bad)
		return;
	cells = jn_xcalloc(w->nsrc > 0 ? w->nsrc : 1, sizeof *cells);
	for (j = 0; j < w->nsrc; j++)
		cells[j] = jn_cell_null();
	jn_writer_verdict(w, v, sev, why);
	w->next.has_name = 1;
	w->next.name_off = w->gtext.len;
	w->next.name_len = strlen(name);
	sb_add(&w->gtext, name, w->next.name_len);
	/* a check is no row of the table: not in the step summary */
	hold_gate_row(w, cells, 0);
	free(cells);
}

static void
hold_gate_row(struct jn_writer *w, const struct jn_cell *cells, int table)
{
	size_t j;

	w->grows = jn_xgrow(w->grows, &w->growcap, w->ngrows + 1,
	    sizeof *w->grows);
	w->grows[w->ngrows++] = w->next;
	memset(&w->next, 0, sizeof w->next);
	w->gcells = jn_xgrow(w->gcells, &w->gcellcap, w->ngcells + w->nsrc,
	    sizeof *w->gcells);
	for (j = 0; j < w->nsrc; j++) {
		struct gcell *g = &w->gcells[w->ngcells++];

		g->null = cells[j].null;
		g->i = cells[j].i;
		g->d = cells[j].d;
		g->dec = cells[j].dec;
		g->form = cells[j].form;
		g->off = w->gtext.len;
		g->len = 0;
		if (!g->null && w->types[j] == JN_COL_STR) {
			g->len = cells[j].len;
			sb_add(&w->gtext, cells[j].s, cells[j].len);
		}
	}
	if (table && w->summary != NULL)
		jn_writer_row(w->summary, cells);
}

/*
 * Held text at off: never NULL + 0 (undefined), as when nothing but
 * empty strings was held.
 */
static const char *
gtext_at(const struct jn_writer *w, size_t off)
{
	return w->gtext.buf != NULL ? w->gtext.buf + off : "";
}

/* Held cell j of row r as a jn_cell (its text valid until more is held). */
static struct jn_cell
gate_cell(const struct jn_writer *w, size_t r, size_t j)
{
	const struct gcell *g = &w->gcells[r * w->nsrc + j];
	struct jn_cell c = { g->null, gtext_at(w, g->off), g->len, g->i,
		g->d, g->dec, g->form };

	return c;
}

/* The JN_GATE_* bits of column j. */
static unsigned
gate_role(const struct jn_writer *w, size_t j)
{
	size_t k;
	unsigned role = 0;

	for (k = 0; k < w->gate->ncols; k++)
		if (w->gate->cols[k].col == j)
			role |= w->gate->cols[k].role;
	return role;
}

/*
 * Cell j of row r as text into b: a string as it is, a number in the
 * table's form (human) or the machine form.  Returns 0 for an empty cell.
 */
static size_t
gate_text(const struct jn_writer *w, struct jn_strbuf *b, size_t r,
    size_t j, int human)
{
	struct jn_cell c = gate_cell(w, r, j);
	char num[NUMBUF];
	size_t n;

	if (c.null)
		return 0;
	if (w->types[j] == JN_COL_STR) {
		sb_add(b, c.s, c.len);
		return c.len;
	}
	n = fmt_number(num, sizeof num, w->types[j], &c, human);
	sb_add(b, num, n);
	return n;
}

/*
 * The row's name, raw: its JN_GATE_NAME cells joined by " / ", a number
 * after its column's name ("step 3"), empty cells left out.
 */
static void
gate_name(const struct jn_writer *w, struct jn_strbuf *b, size_t r)
{
	size_t j, mark, start = b->len;

	if (w->grows[r].has_name) {
		sb_add(b, gtext_at(w, w->grows[r].name_off),
		    w->grows[r].name_len);
		return;
	}
	for (j = 0; j < w->nsrc; j++) {
		if (!(gate_role(w, j) & JN_GATE_NAME))
			continue;
		mark = b->len;
		if (b->len > start)
			sb_addstr(b, " / ");
		if (w->types[j] != JN_COL_STR) {
			sb_addstr(b, w->names[j]);
			sb_addc(b, ' ');
		}
		if (gate_text(w, b, r, j, 0) == 0) {
			b->len = mark;
			b->buf[mark] = '\0';
		}
	}
	if (b->len == start)
		sb_addstr(b, w->gate->tool);
}

/* The figures, raw: "column=value; ..." for the cells not in the name. */
static void
gate_figures(const struct jn_writer *w, struct jn_strbuf *b, size_t r)
{
	size_t j, mark, start = b->len;

	for (j = 0; j < w->nsrc; j++) {
		if (gate_role(w, j) & JN_GATE_NAME)
			continue;
		mark = b->len;
		if (b->len > start)
			sb_addstr(b, "; ");
		sb_addstr(b, w->names[j]);
		sb_addc(b, '=');
		if (gate_text(w, b, r, j, 1) == 0) {
			b->len = mark;
			b->buf[mark] = '\0';
		}
	}
}

/* Why, then the figures: "WHY; FIGURES". */
static void
gate_message(const struct jn_writer *w, struct jn_strbuf *b, size_t r)
{
	const struct grow *g = &w->grows[r];
	size_t mark;

	if (g->has_why) {
		sb_add(b, gtext_at(w, g->why_off), g->why_len);
		sb_addstr(b, "; ");
	}
	mark = b->len;
	gate_figures(w, b, r);
	/* no figures (a check): no separator left dangling */
	if (g->has_why && b->len == mark) {
		b->len -= 2;
		b->buf[b->len] = '\0';
	}
}

const struct jn_escape jn_esc_html = { {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",
	['\''] = "&#39;", ['\t'] = "\t", ['\n'] = "\n", [0x7f] = FFFD,
}, 1 };

const struct jn_escape jn_esc_xml = { {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['\r'] = "&#13;",
	['\t'] = "\t", ['\n'] = "\n",
}, 1 };

const struct jn_escape jn_esc_xml_attr = { {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",
	['\r'] = "&#13;", ['\t'] = "&#9;", ['\n'] = "&#10;",
}, 1 };

const struct jn_escape jn_esc_github = { {
	['%'] = "%25", ['\r'] = "%0D", ['\n'] = "%0A",
}, 0 };

const struct jn_escape jn_esc_github_prop = { {
	['%'] = "%25", ['\r'] = "%0D", ['\n'] = "%0A", [':'] = "%3A",
	[','] = "%2C",
}, 0 };

const struct jn_escape jn_esc_prom = { {
	['\\'] = "\\\\", ['\n'] = "\\n", ['"'] = "\\\"",
}, 0 };

const struct jn_escape jn_esc_prom_help = { {
	['\\'] = "\\\\", ['\n'] = "\\n",
}, 0 };

/* A label is one line: control bytes and DEL as spaces. */
#define ESC_CONTROLS_AS_SPACES \
	[0x00] = " ", [0x01] = " ", [0x02] = " ", [0x03] = " ", [0x04] = " ", \
	[0x05] = " ", [0x06] = " ", [0x07] = " ", [0x08] = " ", [0x09] = " ", \
	[0x0a] = " ", [0x0b] = " ", [0x0c] = " ", [0x0d] = " ", [0x0e] = " ", \
	[0x0f] = " ", [0x10] = " ", [0x11] = " ", [0x12] = " ", [0x13] = " ", \
	[0x14] = " ", [0x15] = " ", [0x16] = " ", [0x17] = " ", [0x18] = " ", \
	[0x19] = " ", [0x1a] = " ", [0x1b] = " ", [0x1c] = " ", [0x1d] = " ", \
	[0x1e] = " ", [0x1f] = " ", [0x7f] = " ",

const struct jn_escape jn_esc_dot = { {
	ESC_CONTROLS_AS_SPACES
	['"'] = "\\\"", ['\\'] = "\\\\",
}, 0 };

const struct jn_escape jn_esc_mermaid = { {
	ESC_CONTROLS_AS_SPACES
	['"'] = "#34;", ['#'] = "#35;", ['<'] = "#60;", ['>'] = "#62;",
}, 0 };

void
jn_escape(struct jn_strbuf *b, const struct jn_escape *e, const char *s,
    size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, n;
	uint32_t cp;

	sb_grow(b, 0);
	if (b->len == 0)
		b->buf[0] = '\0';
	while (i < len) {
		unsigned char c = u[i];
		const char *rep = c < 0x80 ? e->ascii[c] : NULL;

		/* runs of bytes written as they are, appended at once */
		if (c < 0x80 && rep == NULL && !(e->xml && c < 0x20)) {
			i++;
			run++;
			continue;
		}
		sb_add(b, s + i - run, run);
		run = 0;
		if (c < 0x80) {
			sb_addstr(b, rep != NULL ? rep : FFFD);
			i++;
			continue;
		}
		n = jn_utf8_decode(u + i, len - i, &cp);
		if (n == 0 || (e->xml && (cp == 0xfffe || cp == 0xffff))) {
			sb_add(b, FFFD, 3);
			i += n == 0 ? 1 : n;
		} else {
			sb_add(b, s + i, n);
			i += n;
		}
	}
	sb_add(b, s + i - run, run);
}

/*
 * A metric or label name as Prometheus' legacy character set allows
 * ([a-zA-Z_:][a-zA-Z0-9_:]*, no colon in labels): other bytes become _.
 */
static void
prom_name(struct jn_strbuf *b, const char *s, int label)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (c == ':' && !label) ||
		    (i > 0 && c >= '0' && c <= '9');

		sb_addc(b, ok ? c : '_');
	}
}

static void
emit_str(struct jn_writer *w, struct jn_strbuf *b)
{
	emit(w, b);
	b->len = 0;
	if (b->buf != NULL)
		b->buf[0] = '\0';
}

static void
write_junit(struct jn_writer *w)
{
	struct jn_strbuf *b = &w->line, raw = { 0 };
	const char *tool = w->gate->tool;
	size_t r, failures = 0;

	for (r = 0; r < w->ngrows; r++)
		if (w->grows[r].v == JN_VERDICT_FAIL)
			failures++;
	b->len = 0;
	sb_addstr(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	jn_strbuf_printf(b, "<testsuites name=\"%s\" tests=\"%zu\" "
	    "failures=\"%zu\" errors=\"0\">\n", tool, w->ngrows, failures);
	jn_strbuf_printf(b, "  <testsuite name=\"%s\" tests=\"%zu\" "
	    "failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", tool,
	    w->ngrows, failures);
	emit_str(w, b);
	for (r = 0; r < w->ngrows; r++) {
		const struct grow *g = &w->grows[r];

		jn_strbuf_printf(b, "    <testcase classname=\"%s\" name=\"",
		    tool);
		raw.len = 0;
		gate_name(w, &raw, r);
		jn_escape(b, &jn_esc_xml_attr, raw.buf, raw.len);
		sb_addstr(b, "\">\n");
		raw.len = 0;
		gate_figures(w, &raw, r);
		if (g->v == JN_VERDICT_FAIL) {
			sb_addstr(b, "      <failure type=\"gate\" message=\"");
			if (g->has_why)
				jn_escape(b, &jn_esc_xml_attr,
				    gtext_at(w, g->why_off), g->why_len);
			else
				sb_addstr(b, "failed");
			sb_addstr(b, "\">");
			jn_escape(b, &jn_esc_xml, raw.buf, raw.len);
			sb_addstr(b, "</failure>\n");
		} else {
			sb_addstr(b, "      <system-out>");
			if (g->has_why) {
				jn_escape(b, &jn_esc_xml,
				    gtext_at(w, g->why_off), g->why_len);
				if (raw.len > 0)
					sb_addc(b, '\n');
			}
			jn_escape(b, &jn_esc_xml, raw.buf, raw.len);
			sb_addstr(b, "</system-out>\n");
		}
		sb_addstr(b, "    </testcase>\n");
		emit_str(w, b);
	}
	sb_addstr(b, "  </testsuite>\n</testsuites>\n");
	emit_str(w, b);
	free(raw.buf);
}

static void
write_github(struct jn_writer *w)
{
	static const char *const level[] = { "notice", "warning", "error" };
	struct jn_strbuf *b = &w->line, raw = { 0 };
	size_t r;

	b->len = 0;
	for (r = 0; r < w->ngrows; r++) {
		jn_strbuf_printf(b, "::%s title=", level[w->grows[r].v]);
		raw.len = 0;
		sb_addstr(&raw, w->gate->tool);
		sb_addstr(&raw, ": ");
		gate_name(w, &raw, r);
		jn_escape(b, &jn_esc_github_prop, raw.buf, raw.len);
		sb_addstr(b, "::");
		raw.len = 0;
		gate_message(w, &raw, r);
		jn_escape(b, &jn_esc_github, raw.buf, raw.len);
		sb_addc(b, '\n');
		emit_str(w, b);
	}
	free(raw.buf);
}

/*
 * A stable fingerprint: two 64-bit FNV-1a hashes (different offset
 * bases) of the tool and the row's name cells, as 32 hex digits.
 */
static void
fingerprint(const struct jn_writer *w, size_t r, char out[33])
{
	struct jn_strbuf key = { 0 };
	uint64_t h[2] = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	size_t i, j, k;

	sb_addstr(&key, w->gate->tool);
	if (w->grows[r].has_name) {
		sb_addc(&key, '\x1e');	/* never a row's key */
		sb_add(&key, gtext_at(w, w->grows[r].name_off),
		    w->grows[r].name_len);
	}
	for (j = 0; j < w->nsrc; j++) {
		if (!(gate_role(w, j) & JN_GATE_NAME))
			continue;
		sb_addc(&key, '\x1f');	/* a cell cannot end early */
		gate_text(w, &key, r, j, 0);
	}
	for (k = 0; k < 2; k++)
		for (i = 0; i < key.len; i++) {
			h[k] ^= (unsigned char)key.buf[i];
			h[k] *= 0x100000001b3ULL;
		}
	for (k = 0; k < 2; k++)
		for (i = 0; i < 16; i++)
			out[k * 16 + i] = hexdig[(h[k] >> (60 - 4 * i)) & 15];
	out[32] = '\0';
	free(key.buf);
}

static void
write_codequality(struct jn_writer *w)
{
	static const char *const sev[] = { "info", "minor", "major",
		"critical", "blocker" };
	struct jn_strbuf *b = &w->line, raw = { 0 };
	const char *path = w->gate->path != NULL ? w->gate->path : "";
	char fp[33];
	size_t r;

	b->len = 0;
	sb_addstr(b, w->ngrows == 0 ? "[" : "[\n");
	for (r = 0; r < w->ngrows; r++) {
		raw.len = 0;
		gate_name(w, &raw, r);
		sb_addstr(&raw, ": ");
		gate_message(w, &raw, r);
		sb_addstr(b, "  {\"description\":");
		jn_json_string(b, raw.buf, raw.len);
		sb_addstr(b, ",\"check_name\":");
		raw.len = 0;
		sb_addstr(&raw, "journey.");
		sb_addstr(&raw, w->gate->tool);
		jn_json_string(b, raw.buf, raw.len);
		fingerprint(w, r, fp);
		jn_strbuf_printf(b, ",\"fingerprint\":\"%s\",\"severity\":"
		    "\"%s\",\"location\":{\"path\":", fp,
		    sev[w->grows[r].sev]);
		jn_json_string(b, path, strlen(path));
		sb_addstr(b, ",\"lines\":{\"begin\":1}}}");
		sb_addstr(b, r + 1 < w->ngrows ? ",\n" : "\n");
		emit_str(w, b);
	}
	sb_addstr(b, "]\n");
	emit_str(w, b);
	free(raw.buf);
}

/*
 * The Prometheus view of the rows: each row's label set, written once
 * ("{group=\"a\",step=\"1\"}" or ""), and whether it is written: of rows
 * with the same label set only the last is (a scrape rejects a file that
 * holds a series twice; for a series over periods, the latest one).
 */
struct prom_rows {
	struct jn_strbuf labels;
	size_t *off, *len;
	unsigned char *keep;
};

static const struct jn_strbuf *sort_labels;
static const size_t *sort_off, *sort_len;

/* By label set, then row: equal sets end with their last row. */
static int
label_cmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	size_t n = sort_len[i] < sort_len[j] ? sort_len[i] : sort_len[j];
	int c = n > 0 ? memcmp(sort_labels->buf + sort_off[i],
	    sort_labels->buf + sort_off[j], n) : 0;

	if (c != 0)
		return c;
	if (sort_len[i] != sort_len[j])
		return sort_len[i] < sort_len[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

static int
same_labels(const struct prom_rows *p, size_t i, size_t j)
{
	return p->len[i] == p->len[j] && (p->len[i] == 0 ||
	    memcmp(p->labels.buf + p->off[i], p->labels.buf + p->off[j],
	    p->len[i]) == 0);
}

static void
prom_rows_make(const struct jn_writer *w, struct prom_rows *p)
{
	struct jn_strbuf t = { 0 };
	size_t r, j, k, n, *order;

	memset(p, 0, sizeof *p);
	/* never NULL, even for no row: the families read them unchecked */
	n = w->ngrows > 0 ? w->ngrows : 1;
	p->off = jn_xcalloc(n, sizeof *p->off);
	p->len = jn_xcalloc(n, sizeof *p->len);
	p->keep = jn_xcalloc(n, 1);
	order = jn_xcalloc(n, sizeof *order);
	for (r = 0; r < w->ngrows; r++) {
		int first = 1;

		p->off[r] = p->labels.len;
		/* a check is labelled by its name alone */
		if (w->grows[r].has_name) {
			sb_addstr(&p->labels, "{check=\"");
			jn_escape(&p->labels, &jn_esc_prom, gtext_at(w,
			    w->grows[r].name_off), w->grows[r].name_len);
			sb_addstr(&p->labels, "\"}");
			first = 0;
			j = w->nsrc;
		} else {
			j = 0;
		}
		for (; j < w->nsrc; j++) {
			for (k = 0; k < w->gate->ncols; k++) {
				const struct jn_gate_col *gc =
				    &w->gate->cols[k];

				if (gc->col != j || !(gc->role & JN_GATE_LABEL))
					continue;
				sb_addc(&p->labels, first ? '{' : ',');
				first = 0;
				prom_name(&p->labels, gc->name, 1);
				sb_addstr(&p->labels, "=\"");
				t.len = 0;
				gate_text(w, &t, r, j, 0);
				jn_escape(&p->labels, &jn_esc_prom, t.buf,
				    t.len);
				sb_addc(&p->labels, '"');
			}
		}
		if (!first && !w->grows[r].has_name)
			sb_addc(&p->labels, '}');
		p->len[r] = p->labels.len - p->off[r];
		order[r] = r;
	}
	sort_labels = &p->labels;
	sort_off = p->off;
	sort_len = p->len;
	if (w->ngrows > 0)
		qsort(order, w->ngrows, sizeof *order, label_cmp);
	for (r = 0; r < w->ngrows; r++)
		p->keep[order[r]] = r + 1 == w->ngrows ||
		    !same_labels(p, order[r], order[r + 1]);
	free(order);
	free(t.buf);
}

static void
prom_rows_free(struct prom_rows *p)
{
	free(p->labels.buf);
	free(p->off);
	free(p->len);
	free(p->keep);
}

/* One family: # HELP, # TYPE gauge, a sample per row with a value. */
static void
prom_family(struct jn_writer *w, const struct prom_rows *p,
    const char *name, const char *help, size_t col, int verdict)
{
	struct jn_strbuf *b = &w->line, metric = { 0 }, v = { 0 };
	size_t r;

	sb_addstr(&metric, "journey_");
	prom_name(&metric, w->gate->tool, 0);
	sb_addc(&metric, '_');
	prom_name(&metric, name, 0);
	jn_strbuf_printf(b, "# HELP %s ", metric.buf);
	jn_escape(b, &jn_esc_prom_help, help, strlen(help));
	jn_strbuf_printf(b, "\n# TYPE %s gauge\n", metric.buf);
	for (r = 0; r < w->ngrows; r++) {
		if (!p->keep[r])
			continue;
		v.len = 0;
		if (verdict > 0)
			sb_addc(&v, w->grows[r].v == (enum jn_verdict)verdict ?
			    '1' : '0');
		else if (gate_text(w, &v, r, col, 0) == 0)
			continue;
		sb_add(b, metric.buf, metric.len);
		if (p->len[r] > 0)
			sb_add(b, p->labels.buf + p->off[r], p->len[r]);
		sb_addc(b, ' ');
		sb_add(b, v.buf, v.len);
		sb_addc(b, '\n');
	}
	emit_str(w, b);
	free(metric.buf);
	free(v.buf);
}

static void
write_prometheus(struct jn_writer *w)
{
	const struct jn_gate *g = w->gate;
	struct prom_rows p;
	size_t k;

	prom_rows_make(w, &p);
	w->line.len = 0;
	for (k = 0; k < g->ncols; k++)
		if (g->cols[k].role & JN_GATE_METRIC)
			prom_family(w, &p, g->cols[k].name, g->cols[k].help,
			    g->cols[k].col, 0);
	prom_family(w, &p, "gate_failed", "1 when the row fails the gate",
	    0, JN_VERDICT_FAIL);
	prom_family(w, &p, "gate_watch", "1 when the row is to watch", 0,
	    JN_VERDICT_WATCH);
	prom_rows_free(&p);
}

static void
write_gate(struct jn_writer *w)
{
	assert(w->gate != NULL);
	switch (w->fmt) {
	case JN_FMT_JUNIT:
		write_junit(w);
		break;
	case JN_FMT_GITHUB:
		write_github(w);
		break;
	case JN_FMT_CODEQUALITY:
		write_codequality(w);
		break;
	default:
		write_prometheus(w);
		break;
	}
}

/*
 * github: when GITHUB_STEP_SUMMARY names a file, the markdown table is
 * appended to it too, through a markdown writer fed the same rows.  A
 * file that cannot be opened is an error, reported here, and nothing
 * is written, as after a bad --fields.
 */
static void
open_summary(struct jn_writer *w, const struct jn_column *cols,
    size_t ncols)
{
	const char *path = getenv("GITHUB_STEP_SUMMARY");
	char q[256];

	if (path == NULL || *path == '\0')
		return;
	w->summary_out = fopen(path, "a");
	if (w->summary_out == NULL) {
		jn_error("GITHUB_STEP_SUMMARY: cannot open '%s': %s",
		    jn_quote(q, sizeof q, path, strlen(path)),
		    strerror(errno));
		w->bad = 1;
		return;
	}
	w->summary_path = jn_xstrdup(path);
	/* in memory first: a write error is then the file's, said so */
	w->summary_mem = open_memstream(&w->summary_text, &w->summary_len);
	if (w->summary_mem == NULL)
		jn_out_of_memory();
	w->summary = jn_writer_new(w->summary_mem, JN_FMT_MARKDOWN, cols,
	    ncols);
}

static int
finish_summary(struct jn_writer *w)
{
	char q[256];
	int rc;

	/* a bad --fields was reported when the summary writer was made */
	if ((rc = jn_writer_finish(w->summary)) != 0)
		return rc;
	if (fclose(w->summary_mem) != 0)
		jn_out_of_memory();
	w->summary_mem = NULL;
	errno = 0;
	fprintf(w->summary_out, "### %s\n\n", w->gate->tool);
	if (w->summary_len > 0)
		fwrite(w->summary_text, 1, w->summary_len, w->summary_out);
	fputc('\n', w->summary_out);
	if ((ferror(w->summary_out) | fclose(w->summary_out)) != 0)
		rc = jn_error("GITHUB_STEP_SUMMARY: write error on '%s': %s",
		    jn_quote(q, sizeof q, w->summary_path,
		    strlen(w->summary_path)), strerror(errno ? errno : EIO));
	w->summary_out = NULL;
	return rc;
}

/* ---- --output: a file renamed into place at the end ---- */

static char *output_path, *output_tmp;

/*
 * At exit, a temporary file never committed (main returned early on an
 * error) is removed: a failed run leaves FILE as it was, and no litter.
 */
static void
output_atexit(void)
{
	if (output_tmp != NULL)
		jn_output_commit(0);
}

int
jn_output_open(const char *path)
{
	static int registered;
	size_t n = strlen(path);
	char q[256];
	struct stat st;
	int fd;

	/*
	 * A FIFO, a device or a socket (/dev/stdout, /dev/null) is written
	 * as it is: renaming onto it would put a regular file in its place.
	 */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode)) {
		if ((fd = open(path, O_WRONLY)) < 0) {
			jn_error("--output: cannot open '%s': %s",
			    jn_quote(q, sizeof q, path, n), strerror(errno));
			return -1;
		}
		fflush(stdout);
		if (dup2(fd, STDOUT_FILENO) < 0) {
			jn_error("--output: %s", strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
		return 0;
	}
	output_tmp = jn_xmalloc(n + 8);
	memcpy(output_tmp, path, n);
	memcpy(output_tmp + n, ".XXXXXX", 8);
	if ((fd = jn_tmpfile_create(output_tmp, 1)) < 0) {
		/* the file named, not the random name beside it */
		jn_error("--output: cannot create a file beside '%s': %s",
		    jn_quote(q, sizeof q, path, n), strerror(errno));
		free(output_tmp);
		output_tmp = NULL;
		return -1;
	}
	fflush(stdout);
	if (dup2(fd, STDOUT_FILENO) < 0) {
		jn_error("--output: %s", strerror(errno));
		close(fd);
		unlink(output_tmp);
		jn_tmpfile_forget(output_tmp);
		free(output_tmp);
		output_tmp = NULL;
		return -1;
	}
	close(fd);
	output_path = jn_xstrdup(path);
	if (!registered && atexit(output_atexit) == 0)
		registered = 1;
	return 0;
}

int
jn_output_commit(int ok)
{
	char q[256];
	int rc = 0;

	if (output_tmp == NULL)
		return 0;
	if (ok && rename(output_tmp, output_path) != 0)
		rc = jn_error("--output: cannot rename onto '%s': %s",
		    jn_quote(q, sizeof q, output_path, strlen(output_path)),
		    strerror(errno));
	if (!ok || rc != 0)
		unlink(output_tmp);
	jn_tmpfile_forget(output_tmp);
	free(output_tmp);
	free(output_path);
	output_tmp = output_path = NULL;
	return rc;
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
	/* a gate format shows every figure: --fields is for tables */
	w->ncols = npicked > 0 && !jn_format_is_gate(w->fmt) ? npicked :
	    ncols;
	w->src = jn_xcalloc(w->ncols, sizeof *w->src);
	if (npicked == 0 || jn_format_is_gate(w->fmt)) {
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
	if (w->fmt == JN_FMT_GITHUB)
		open_summary(w, cols, ncols);
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
	if (jn_format_is_gate(w->fmt)) {
		hold_gate_row(w, cells, 1);
		return 0;
	}
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
		if (jn_format_is_gate(w->fmt))
			write_gate(w);
		else if (w->fmt == JN_FMT_TABLE || w->fmt == JN_FMT_MARKDOWN)
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
	if (w->summary != NULL)
		return finish_summary(w);
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
	free(w->grows);
	free(w->gcells);
	free(w->gtext.buf);
	jn_writer_free(w->summary);
	if (w->summary_mem != NULL)
		fclose(w->summary_mem);
	free(w->summary_text);
	if (w->summary_out != NULL)
		fclose(w->summary_out);
	free(w->summary_path);
	free(w);
}
