/*
 * Unit tests of the output writers: exact bytes of every format over a
 * typical report table, number formatting, escaping and quoting, display
 * width of UTF-8 text in aligned tables, null cells, a header-only table,
 * write errors on /dev/full, --fields in every format and its errors, and
 * fitting a table to a terminal's width.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/util.h"
#include "journey/writer.h"

#define S(lit) jn_cell_str(lit, sizeof(lit) - 1)

/* Run a writer over nrows rows of ncols cells; returns the output. */
static char *
render(enum jn_format fmt, const struct jn_column *cols, size_t ncols,
    const struct jn_cell *cells, size_t nrows)
{
	struct jn_writer *w;
	char *buf = NULL;
	size_t len = 0, r;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	w = jn_writer_new(f, fmt, cols, ncols);
	for (r = 0; r < nrows; r++)
		assert_int_equal(jn_writer_row(w, cells + r * ncols), 0);
	assert_int_equal(jn_writer_finish(w), 0);
	jn_writer_free(w);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
check(enum jn_format fmt, const struct jn_column *cols, size_t ncols,
    const struct jn_cell *cells, size_t nrows, const char *want)
{
	char *got = render(fmt, cols, ncols, cells, nrows);

	assert_string_equal(got, want);
	free(got);
}

/* The typical report: a funnel-like table with every kind of column. */
static const struct jn_column report_cols[] = {
	{ "step", JN_COL_STR },
	{ "users", JN_COL_INT },
	{ "rate", JN_COL_RATE },
	{ "median", JN_COL_DURATION },
	{ "revenue", JN_COL_MONEY },
};

static struct jn_cell report[3][5];

static void
fill_report(void)
{
	struct jn_cell r0[5] = { S("visit"), jn_cell_int(1204),
	    jn_cell_num(1.0), jn_cell_num(45), jn_cell_num(12340) };
	struct jn_cell r1[5] = { S("caf\xc3\xa9"), jn_cell_int(987),
	    jn_cell_num(0.4567), jn_cell_num(7500), jn_cell_num(1234.5) };
	struct jn_cell r2[5] = { S("done"), jn_cell_null(), jn_cell_null(),
	    jn_cell_null(), jn_cell_null() };

	memcpy(report[0], r0, sizeof r0);
	memcpy(report[1], r1, sizeof r1);
	memcpy(report[2], r2, sizeof r2);
}

static void
test_report_csv(void **state)
{
	fill_report();
	check(JN_FMT_CSV, report_cols, 5, &report[0][0], 3,
	    "step,users,rate,median,revenue\n"
	    "visit,1204,1.0000,45,12340.00\n"
	    "caf\xc3\xa9,987,0.4567,7500,1234.50\n"
	    "done,,,,\n");
}

static void
test_report_tsv(void **state)
{
	fill_report();
	check(JN_FMT_TSV, report_cols, 5, &report[0][0], 3,
	    "step\tusers\trate\tmedian\trevenue\n"
	    "visit\t1204\t1.0000\t45\t12340.00\n"
	    "caf\xc3\xa9\t987\t0.4567\t7500\t1234.50\n"
	    "done\t\t\t\t\n");
}

static void
test_report_ndjson(void **state)
{
	fill_report();
	check(JN_FMT_NDJSON, report_cols, 5, &report[0][0], 3,
	    "{\"step\":\"visit\",\"users\":1204,\"rate\":1.0000,"
	    "\"median\":45,\"revenue\":12340.00}\n"
	    "{\"step\":\"caf\xc3\xa9\",\"users\":987,\"rate\":0.4567,"
	    "\"median\":7500,\"revenue\":1234.50}\n"
	    "{\"step\":\"done\",\"users\":null,\"rate\":null,"
	    "\"median\":null,\"revenue\":null}\n");
}

static void
test_report_table(void **state)
{
	fill_report();
	/* "café" is 5 bytes but 4 columns: "visit" sets the width */
	check(JN_FMT_TABLE, report_cols, 5, &report[0][0], 3,
	    "step   users    rate  median    revenue\n"
	    "-----  -----  ------  ------  ---------\n"
	    "visit  1,204  100.0%     45s  12,340.00\n"
	    "caf\xc3\xa9     987   45.7%   2h 5m   1,234.50\n"
	    "done\n");
}

static void
test_report_markdown(void **state)
{
	fill_report();
	check(JN_FMT_MARKDOWN, report_cols, 5, &report[0][0], 3,
	    "| step  | users |   rate | median |   revenue |\n"
	    "| ----- | ----: | -----: | -----: | --------: |\n"
	    "| visit | 1,204 | 100.0% |    45s | 12,340.00 |\n"
	    "| caf\xc3\xa9  |   987 |  45.7% |  2h 5m |  1,234.50 |\n"
	    "| done  |       |        |        |           |\n");
}

static void
test_header_only(void **state)
{
	check(JN_FMT_CSV, report_cols, 5, NULL, 0,
	    "step,users,rate,median,revenue\n");
	check(JN_FMT_TSV, report_cols, 5, NULL, 0,
	    "step\tusers\trate\tmedian\trevenue\n");
	check(JN_FMT_NDJSON, report_cols, 5, NULL, 0, "");
	check(JN_FMT_TABLE, report_cols, 5, NULL, 0,
	    "step  users  rate  median  revenue\n"
	    "----  -----  ----  ------  -------\n");
	check(JN_FMT_MARKDOWN, report_cols, 5, NULL, 0,
	    "| step | users | rate | median | revenue |\n"
	    "| ---- | ----: | ---: | -----: | ------: |\n");
}

static const struct jn_column text_cols[] = {
	{ "k", JN_COL_STR },
	{ "v", JN_COL_STR },
};

static void
test_csv_quoting(void **state)
{
	struct jn_column cols[] = { { "a,b", JN_COL_STR },
	    { "plain", JN_COL_STR } };
	struct jn_cell cells[] = {
		S("x,y"), S("say \"hi\""),
		S("line\nbreak"), S("cr\r"),
		S(" spaced "), S(""),
		S("\"\""), jn_cell_null(),
	};

	check(JN_FMT_CSV, cols, 2, cells, 4,
	    "\"a,b\",plain\n"
	    "\"x,y\",\"say \"\"hi\"\"\"\n"
	    "\"line\nbreak\",\"cr\r\"\n"
	    " spaced ,\n"
	    "\"\"\"\"\"\",\n");
}

/*
 * Quoting of long fields, scanned eight bytes at a time: each of the
 * four bytes that need quotes at every place of a 21-byte field (the
 * first word, the second, the tail past the last whole word), and the
 * bytes next to them in value, which need none.
 */
static void
test_csv_quoting_long(void **state)
{
	static const char need[] = { ',', '"', '\r', '\n' };
	static const char near[] = { '+', '!', '#', '\t', '\x0b', '\x0e',
		'\x8c', '\xa2', '\xff', '\x01' };
	char f[21], want[64];
	size_t at, k, n, i;

	(void)state;
	for (at = 0; at < sizeof f; at++) {
		for (k = 0; k < sizeof need + sizeof near; k++) {
			char c = k < sizeof need ? need[k] :
			    near[k - sizeof need];
			struct jn_strbuf b = { NULL, 0, 0 };

			memset(f, 'a' + (int)(at % 26), sizeof f);
			f[at] = c;
			n = 0;
			if (k < sizeof need)
				want[n++] = '"';
			for (i = 0; i < sizeof f; i++) {
				if (f[i] == '"')
					want[n++] = '"';
				want[n++] = f[i];
			}
			if (k < sizeof need)
				want[n++] = '"';
			jn_csv_field(&b, f, sizeof f);
			assert_int_equal(b.len, n);
			assert_memory_equal(b.buf, want, n);
			free(b.buf);
		}
	}
}

/* Integers digit for digit as snprintf writes them, at every magnitude. */
static void
test_int_digits(void **state)
{
	struct jn_column cols[] = { { "i", JN_COL_INT } };
	int64_t p = 1, v;
	int k, s, d;

	(void)state;
	for (k = 0; k < 21; k++) {
		for (d = -1; d <= 1; d++) {
			for (s = -1; s <= 1; s += 2) {
				struct jn_cell c;
				char want[64], *got;

				/* 10^k -1/0/+1 up to 10^18; then the ends */
				v = k < 19 ? s * (p + d) : k == 19 ?
				    INT64_MAX - (d + 1) : INT64_MIN + (d + 1);
				c = jn_cell_int(v);
				snprintf(want, sizeof want, "i\n%lld\n",
				    (long long)v);
				got = render(JN_FMT_CSV, cols, 1, &c, 1);
				assert_string_equal(got, want);
				free(got);
			}
		}
		if (k < 18)
			p *= 10;
	}
}

static void
test_csv_single_empty_column(void **state)
{
	struct jn_column cols[] = { { "id", JN_COL_STR } };
	struct jn_cell cells[] = { S("a"), S(""), jn_cell_null() };

	/* a bare blank line would be skipped by readers: the row is kept */
	check(JN_FMT_CSV, cols, 1, cells, 3, "id\na\n\"\"\n\"\"\n");
}

static void
test_empty_string_without_pointer(void **state)
{
	struct jn_cell cells[] = { jn_cell_str(NULL, 0), S("x") };

	check(JN_FMT_CSV, text_cols, 2, cells, 1, "k,v\n,x\n");
	check(JN_FMT_TSV, text_cols, 2, cells, 1, "k\tv\n\tx\n");
	check(JN_FMT_NDJSON, text_cols, 2, cells, 1,
	    "{\"k\":\"\",\"v\":\"x\"}\n");
	check(JN_FMT_TABLE, text_cols, 2, cells, 1, "k  v\n-  -\n   x\n");
	check(JN_FMT_MARKDOWN, text_cols, 2, cells, 1,
	    "| k   | v   |\n| --- | --- |\n|     | x   |\n");
}

static void
test_tsv_escaping(void **state)
{
	struct jn_column cols[] = { { "a\tb", JN_COL_STR },
	    { "v", JN_COL_STR } };
	struct jn_cell cells[] = {
		S("x\ty"), S("a\\b"),
		S("l1\nl2\r"), S("q\"uote,comma"),
	};

	check(JN_FMT_TSV, cols, 2, cells, 2,
	    "a\\tb\tv\n"
	    "x\\ty\ta\\\\b\n"
	    "l1\\nl2\\r\tq\"uote,comma\n");
}

static void
test_ndjson_escaping(void **state)
{
	struct jn_column cols[] = { { "k\"ey", JN_COL_STR } };
	struct jn_cell cells[] = {
		S("q\"b\\s/"),
		S("\n\r\t\b\f\x01\x1f\x7f"),
		S("caf\xc3\xa9 \xf0\x9f\x98\x80"),
		S("bad\xff" "x"),
		S("cut\xc3"),
		S("sur\xed\xa0\x80"),
		S("over\xc0\xaf"),
		S("big\xf4\x90\x80\x80"),
		jn_cell_str("nul\0x", 5),
	};

	check(JN_FMT_NDJSON, cols, 1, cells, 9,
	    "{\"k\\\"ey\":\"q\\\"b\\\\s/\"}\n"
	    "{\"k\\\"ey\":\"\\n\\r\\t\\b\\f\\u0001\\u001f\x7f\"}\n"
	    "{\"k\\\"ey\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}\n"
	    "{\"k\\\"ey\":\"bad\xef\xbf\xbdx\"}\n"
	    "{\"k\\\"ey\":\"cut\xef\xbf\xbd\"}\n"
	    "{\"k\\\"ey\":\"sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}\n"
	    "{\"k\\\"ey\":\"over\xef\xbf\xbd\xef\xbf\xbd\"}\n"
	    "{\"k\\\"ey\":\"big\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\"}\n"
	    "{\"k\\\"ey\":\"nul\\u0000x\"}\n");
}

/*
 * Whatever bytes a cell holds, each ndjson line parses as JSON, and ASCII
 * text comes back unchanged.
 */
static void
test_ndjson_random_bytes(void **state)
{
	static const unsigned char pool[] = { 'a', '"', '\\', '/', '\n',
	    '\r', '\t', 0, 1, 0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xa9, 0xe2,
	    0x82, 0xac, 0xed, 0xa0, 0xf0, 0x9f, 0x98, 0xf4, 0x90, 0xff };
	struct jn_column cols[] = { { "s", JN_COL_STR } };
	uint32_t seed = 12345;
	int round;

	for (round = 0; round < 2000; round++) {
		unsigned char in[24];
		size_t len, i, ascii = 1;
		char *out;
		json_t *obj, *v;
		json_error_t err;
		struct jn_cell c;

		seed = seed * 1103515245 + 12345;
		len = (seed >> 16) % sizeof in;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			in[i] = pool[(seed >> 16) % sizeof pool];
			if (in[i] >= 0x80)
				ascii = 0;
		}
		c = jn_cell_str((const char *)in, len);
		out = render(JN_FMT_NDJSON, cols, 1, &c, 1);
		obj = json_loads(out, JSON_ALLOW_NUL, &err);
		if (obj == NULL)
			fail_msg("round %d: %s: %s", round, err.text, out);
		v = json_object_get(obj, "s");
		assert_true(json_is_string(v));
		if (ascii) {
			assert_int_equal(json_string_length(v), len);
			assert_memory_equal(json_string_value(v), in, len);
		}
		json_decref(obj);
		free(out);
	}
}

static void
test_numbers_machine(void **state)
{
	struct jn_column cols[] = {
		{ "i", JN_COL_INT }, { "n", JN_COL_NUM },
		{ "r", JN_COL_RATE }, { "d", JN_COL_DURATION },
		{ "m", JN_COL_MONEY },
	};
	struct jn_cell cells[] = {
		jn_cell_int(0), jn_cell_num(1234567.5), jn_cell_num(0.45674),
		jn_cell_num(12.5), jn_cell_num(0.005),
		jn_cell_int(-42), jn_cell_num(1.0 / 3), jn_cell_num(-0.00001),
		jn_cell_num(3600), jn_cell_num(-0.001),
		jn_cell_int(INT64_MIN), jn_cell_num(-0.0), jn_cell_num(0),
		jn_cell_num(0.25), jn_cell_num(-1234.567),
		jn_cell_int(INT64_MAX), jn_cell_num(1e20), jn_cell_num(0.99996),
		jn_cell_num(0.0004), jn_cell_num(-0.0),
		jn_cell_int(7), jn_cell_num(1e-7), jn_cell_num(NAN),
		jn_cell_num(INFINITY), jn_cell_num(-INFINITY),
		jn_cell_int(8), jn_cell_num(0.1), jn_cell_num(1),
		jn_cell_num(1.0006), jn_cell_num(1e6),
	};

	check(JN_FMT_CSV, cols, 5, cells, 6,
	    "i,n,r,d,m\n"
	    "0,1234567.5,0.4567,12.5,0.01\n"
	    "-42,0.333333,0.0000,3600,0.00\n"
	    "-9223372036854775808,0,0.0000,0.25,-1234.57\n"
	    "9223372036854775807,100000000000000000000,1.0000,0,0.00\n"
	    "7,0,,,\n"
	    "8,0.1,1.0000,1.001,1000000.00\n");
	check(JN_FMT_NDJSON, cols, 5, cells + 20, 1,
	    "{\"i\":7,\"n\":0,\"r\":null,\"d\":null,\"m\":null}\n");
}

/*
 * What snprintf's "%.*f" writes for d, trailing zeros and a bare '.'
 * trimmed when trim is set, its sign dropped when it rounds to zero:
 * the numbers' documented form, for test_numbers_exact.
 */
static void
want_fixed(char *buf, size_t size, double d, int prec, int trim)
{
	size_t n = (size_t)snprintf(buf, size, "%.*f", prec, d);

	if (trim && strchr(buf, '.') != NULL) {
		while (buf[n - 1] == '0')
			n--;
		if (buf[n - 1] == '.')
			n--;
		buf[n] = '\0';
	}
	if (buf[0] == '-' && strspn(buf + 1, "0.") == n - 1)
		memmove(buf, buf + 1, n);
}

/*
 * Rates, money, durations and numbers digit for digit as snprintf
 * rounds them: values over every magnitude, exact halves of the last
 * decimal (2.5, 0.125, 1.00005) and their neighbours, values that round
 * up into a new digit (9.99995), negatives and values around zero.
 */
static void
test_numbers_exact(void **state)
{
	static const struct {
		enum jn_coltype t;
		int prec, trim;
	} ty[] = {
		{ JN_COL_RATE, 4, 0 }, { JN_COL_MONEY, 2, 0 },
		{ JN_COL_DURATION, 3, 1 }, { JN_COL_NUM, 6, 1 },
	};
	static const double fixed[] = { 0, -0.0, 0.5, 2.5, 0.125, 0.375,
		1.00005, 0.00005, 0.000005, 0.0000005, 9.99995, 99.995,
		999.9995, 0.99999, 1e-300, -1e-9, -0.00004, -0.00005,
		-2.675, 2.675, 1.005, 1099511627776.0, 1e12, 1e15, 1e20,
		-1e20, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 4503599627370495.5 };
	char got[64], want[64];
	uint64_t x = 12345;
	size_t i, k;
	int j, e;

	(void)state;
	for (k = 0; k < sizeof ty / sizeof ty[0]; k++) {
		for (i = 0; i < 200000 + sizeof fixed / sizeof fixed[0];
		    i++) {
			double d;
			struct jn_cell c;

			if (i < sizeof fixed / sizeof fixed[0]) {
				d = fixed[i];
			} else {
				x = x * 6364136223846793005ULL +
				    1442695040888963407ULL;
				e = (int)(x >> 58) - 30;	/* 2^-30..2^33 */
				d = ldexp((double)(x >> 11) /
				    9007199254740992.0, e);
				if (x >> 10 & 1)
					d = -d;
				if (i % 3 == 0) {
					/* a half of the last decimal, or by it */
					j = (int)(x >> 20 & 3);
					d = (floor(d * pow(10, ty[k].prec)) +
					    0.5) / pow(10, ty[k].prec);
					d = j == 0 ? d : j == 1 ?
					    nextafter(d, 0) : j == 2 ?
					    nextafter(d, 1e300) : d * 1.0000000001;
				}
			}
			c = jn_cell_num(d);
			jn_format_cell(got, sizeof got, ty[k].t, &c, 0);
			want_fixed(want, sizeof want, d, ty[k].prec,
			    ty[k].trim);
			if (strcmp(got, want) != 0)
				fail_msg("%.17g as %d: '%s', not '%s'", d,
				    (int)ty[k].t, got, want);
		}
	}
}

static void
test_numbers_human(void **state)
{
	struct jn_column cols[] = {
		{ "i", JN_COL_INT }, { "n", JN_COL_NUM },
		{ "r", JN_COL_RATE }, { "m", JN_COL_MONEY },
	};
	struct jn_cell cells[] = {
		jn_cell_int(999), jn_cell_num(1234567.5), jn_cell_num(0.4567),
		jn_cell_num(-1234.5),
		jn_cell_int(1000), jn_cell_num(NAN), jn_cell_num(-0.0),
		jn_cell_num(999.999),
		jn_cell_int(-1234567), jn_cell_num(-0.5), jn_cell_num(0.00049),
		jn_cell_num(-0.001),
		jn_cell_int(INT64_MIN), jn_cell_num(2), jn_cell_num(1),
		jn_cell_num(100),
	};

	check(JN_FMT_TABLE, cols, 4, cells, 4,
	    "                         i          n       r          m\n"
	    "--------------------------  ---------  ------  ---------\n"
	    "                       999  1234567.5   45.7%  -1,234.50\n"
	    "                     1,000               0.0%   1,000.00\n"
	    "                -1,234,567       -0.5    0.0%       0.00\n"
	    "-9,223,372,036,854,775,808          2  100.0%     100.00\n");
}

static void
test_table_alignment(void **state)
{
	struct jn_column cols[] = { { "name", JN_COL_STR },
	    { "n", JN_COL_INT }, { "note", JN_COL_STR } };
	struct jn_cell cells[] = {
		S("caf\xc3\xa9"), jn_cell_int(1), S("x"),
		S("\xe6\x97\xa5\xe6\x9c\xac"), jn_cell_int(22), S(""),
		S("ab"), jn_cell_int(333), jn_cell_null(),
		S("tail"), jn_cell_int(4), S("end  "),
	};

	/* widths in code points; no blanks at line ends, even when the
	 * last cell is empty or ends in blanks */
	check(JN_FMT_TABLE, cols, 3, cells, 4,
	    "name    n  note\n"
	    "----  ---  -----\n"
	    "caf\xc3\xa9    1  x\n"
	    "\xe6\x97\xa5\xe6\x9c\xac     22\n"
	    "ab    333\n"
	    "tail    4  end\n");
}

static void
test_table_control_chars(void **state)
{
	struct jn_cell cells[] = {
		S("a\nb"), S("|"),
		S("t\tr\r"), S("\x01\x7f"),
		S("bad\xff"), S("c1\xc2\x85"),
	};

	check(JN_FMT_TABLE, text_cols, 2, cells, 3,
	    "k       v\n"
	    "------  --------\n"
	    "a\\nb    |\n"
	    "t\\tr\\r  \\x01\\x7f\n"
	    "bad\xef\xbf\xbd    c1\\u0085\n");
}

static void
test_markdown_escaping(void **state)
{
	struct jn_column cols[] = { { "a|b", JN_COL_STR },
	    { "v", JN_COL_STR } };
	struct jn_cell cells[] = {
		S("x|y"), S("l1\nl2"),
		S("crlf\r\nz"), S("cr\rz"),
		S("t\t"), jn_cell_null(),
	};

	check(JN_FMT_MARKDOWN, cols, 2, cells, 3,
	    "| a\\|b      | v        |\n"
	    "| --------- | -------- |\n"
	    "| x\\|y      | l1<br>l2 |\n"
	    "| crlf<br>z | cr<br>z  |\n"
	    "| t\\t       |          |\n");
}

static void
test_format_parse(void **state)
{
	static const struct {
		const char *name;
		enum jn_format fmt;
	} ok[] = {
		{ "table", JN_FMT_TABLE }, { "csv", JN_FMT_CSV },
		{ "tsv", JN_FMT_TSV }, { "ndjson", JN_FMT_NDJSON },
		{ "jsonl", JN_FMT_NDJSON }, { "markdown", JN_FMT_MARKDOWN },
		{ "md", JN_FMT_MARKDOWN },
	};
	enum jn_format fmt;
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		fmt = JN_FMT_AUTO;
		assert_int_equal(jn_format_parse(ok[i].name, &fmt), 0);
		assert_int_equal(fmt, ok[i].fmt);
	}
	fmt = JN_FMT_CSV;
	assert_int_equal(jn_format_parse("json", &fmt), -1);
	assert_int_equal(jn_format_parse("", &fmt), -1);
	assert_int_equal(jn_format_parse("CSV", &fmt), -1);
	assert_int_equal(fmt, JN_FMT_CSV);
}

static void
test_format_resolve(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(jn_format_resolve(JN_FMT_AUTO, f), JN_FMT_CSV);
	assert_int_equal(jn_format_resolve(JN_FMT_MARKDOWN, f),
	    JN_FMT_MARKDOWN);
	fclose(f);
	free(buf);
}

static void
test_write_error(void **state)
{
	static const enum jn_format fmts[] = { JN_FMT_CSV, JN_FMT_TSV,
	    JN_FMT_NDJSON, JN_FMT_TABLE, JN_FMT_MARKDOWN };
	struct jn_writer *w;
	size_t i;
	FILE *f;

	fill_report();
	for (i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		f = fopen("/dev/full", "w");
		assert_non_null(f);
		w = jn_writer_new(f, fmts[i], report_cols, 5);
		assert_int_equal(jn_writer_row(w, report[0]), 0);
		assert_int_equal(jn_writer_finish(w), -1);
		jn_writer_free(w);
		fclose(f);
	}

	/* unbuffered, the row itself reports the failure */
	f = fopen("/dev/full", "w");
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	w = jn_writer_new(f, JN_FMT_CSV, report_cols, 5);
	assert_int_equal(jn_writer_row(w, report[0]), -1);
	assert_int_equal(jn_writer_row(w, report[1]), -1);
	assert_int_equal(jn_writer_finish(w), -1);
	jn_writer_free(w);
	fclose(f);

	/* a header-only table still fails */
	f = fopen("/dev/full", "w");
	assert_non_null(f);
	w = jn_writer_new(f, JN_FMT_CSV, report_cols, 5);
	assert_int_equal(jn_writer_finish(w), -1);
	jn_writer_free(w);
	fclose(f);
}

/* --fields picks and orders columns in every format; cells stay whole. */
static void
test_fields_every_format(void **state)
{
	fill_report();
	assert_int_equal(jn_writer_fields("revenue, step"), 0);
	assert_true(jn_writer_fields_given());
	check(JN_FMT_CSV, report_cols, 5, &report[0][0], 3,
	    "revenue,step\n"
	    "12340.00,visit\n"
	    "1234.50,caf\xc3\xa9\n"
	    ",done\n");
	check(JN_FMT_TSV, report_cols, 5, &report[0][0], 3,
	    "revenue\tstep\n"
	    "12340.00\tvisit\n"
	    "1234.50\tcaf\xc3\xa9\n"
	    "\tdone\n");
	check(JN_FMT_NDJSON, report_cols, 5, &report[0][0], 3,
	    "{\"revenue\":12340.00,\"step\":\"visit\"}\n"
	    "{\"revenue\":1234.50,\"step\":\"caf\xc3\xa9\"}\n"
	    "{\"revenue\":null,\"step\":\"done\"}\n");
	check(JN_FMT_TABLE, report_cols, 5, &report[0][0], 3,
	    "  revenue  step\n"
	    "---------  -----\n"
	    "12,340.00  visit\n"
	    " 1,234.50  caf\xc3\xa9\n"
	    "           done\n");
	check(JN_FMT_MARKDOWN, report_cols, 5, &report[0][0], 3,
	    "|   revenue | step  |\n"
	    "| --------: | ----- |\n"
	    "| 12,340.00 | visit |\n"
	    "|  1,234.50 | caf\xc3\xa9  |\n"
	    "|           | done  |\n");
	/* one column, named twice in the table is an error, not a copy */
	assert_int_equal(jn_writer_fields("rate"), 0);
	check(JN_FMT_CSV, report_cols, 5, &report[0][0], 1,
	    "rate\n1.0000\n");
	assert_int_equal(jn_writer_fields(NULL), 0);
	assert_false(jn_writer_fields_given());
	check(JN_FMT_CSV, report_cols, 2, &report[0][0], 0, "step,users\n");
}

/* Diagnostics of f(arg) into a string (caller frees). */
static char *
captured(int (*f)(const char *), const char *arg, int want)
{
	struct jn_strbuf b = { 0 };
	struct jn_strbuf *old = jn_diag_capture(&b);

	assert_int_equal(f(arg), want);
	jn_diag_capture(old);
	return b.buf;
}

static void
test_fields_bad_list(void **state)
{
	static const char *const bad[] = { "", ",", "step,,rate", "step,",
	    " ", "step,step", "a, b ,a" };
	size_t i;
	char *msg;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(jn_writer_fields("step"), 0);
		msg = captured(jn_writer_fields, bad[i], -1);
		assert_non_null(strstr(msg, "--fields: "));
		free(msg);
		/* a bad list leaves no half of itself behind */
		assert_false(jn_writer_fields_given());
	}
	msg = captured(jn_writer_fields, "step,,rate", -1);
	assert_string_equal(msg,
	    "journey: --fields: empty column name in 'step,,rate'\n");
	free(msg);
	msg = captured(jn_writer_fields, "a, b ,a", -1);
	assert_string_equal(msg, "journey: --fields: column 'a' named twice\n");
	free(msg);
}

/* A name that is no column: reported at jn_writer_new, nothing written. */
static void
test_fields_unknown(void **state)
{
	static const struct {
		const char *list, *msg;
	} cases[] = {
		{ "step,revenu", "journey: --fields: no column 'revenu' (did "
		    "you mean revenue?); columns are: step, users, rate, "
		    "median, revenue\n" },
		{ "Users", "journey: --fields: no column 'Users' (did you "
		    "mean users?); columns are: step, users, rate, median, "
		    "revenue\n" },
		{ "med", "journey: --fields: no column 'med' (did you mean "
		    "median?); columns are: step, users, rate, median, "
		    "revenue\n" },
		{ "conversion", "journey: --fields: no column 'conversion'; "
		    "columns are: step, users, rate, median, revenue\n" },
	};
	static const enum jn_format fmts[] = { JN_FMT_CSV, JN_FMT_TABLE };
	struct jn_strbuf b = { 0 };
	struct jn_strbuf *old;
	struct jn_writer *w;
	char *buf = NULL;
	size_t len = 0, i, k;
	FILE *f;

	fill_report();
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (k = 0; k < 2; k++) {
			f = open_memstream(&buf, &len);
			assert_non_null(f);
			assert_int_equal(jn_writer_fields(cases[i].list), 0);
			b.len = 0;
			old = jn_diag_capture(&b);
			w = jn_writer_new(f, fmts[k], report_cols, 5);
			assert_int_equal(jn_writer_row(w, report[0]), -1);
			assert_int_equal(jn_writer_finish(w), -1);
			jn_diag_capture(old);
			jn_writer_free(w);
			assert_int_equal(fclose(f), 0);
			/* said once, and no header, no row */
			assert_string_equal(b.buf, cases[i].msg);
			assert_int_equal(len, 0);
			free(buf);
			buf = NULL;
		}
	}
	free(b.buf);
	jn_writer_fields(NULL);
}

/* A table cut to width; *msg gets what was said on stderr. */
static char *
render_fit(enum jn_format fmt, const struct jn_column *cols, size_t ncols,
    const struct jn_cell *cells, size_t nrows, size_t width, char **msg)
{
	struct jn_strbuf b = { 0 };
	struct jn_strbuf *old = jn_diag_capture(&b);
	struct jn_writer *w;
	char *buf = NULL;
	size_t len = 0, r;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	w = jn_writer_new(f, fmt, cols, ncols);
	jn_writer_fit(w, width);
	for (r = 0; r < nrows; r++)
		assert_int_equal(jn_writer_row(w, cells + r * ncols), 0);
	assert_int_equal(jn_writer_finish(w), 0);
	jn_writer_free(w);
	assert_int_equal(fclose(f), 0);
	jn_diag_capture(old);
	*msg = b.buf;
	return buf;
}

static const struct jn_column fit_cols[] = {
	{ "name", JN_COL_STR }, { "n", JN_COL_INT },
	{ "note", JN_COL_STR }, { "tail", JN_COL_STR },
};

static void
check_fit(size_t width, const char *want, const char *want_msg)
{
	struct jn_cell cells[] = {
		S("checkout/payment"), jn_cell_int(1234),
		S("a long note here"), S("x"),
		S("cart"), jn_cell_int(5), S("\xc3\xa9t\xc3\xa9 caf\xc3\xa9 "
		    "cr\xc3\xa8me"), S("yy"),
	};
	char *msg, *got = render_fit(JN_FMT_TABLE, fit_cols, 4, cells, 2,
	    width, &msg);

	assert_string_equal(got, want);
	if (want_msg == NULL)
		assert_null(msg);
	else
		assert_string_equal(msg, want_msg);
	free(got);
	free(msg);
}

static void
test_fit_width(void **state)
{
	/* 47 columns wide: fits 47 and more, 0 never cuts */
	static const char whole[] =
	    "name                  n  note              tail\n"
	    "----------------  -----  ----------------  ----\n"
	    "checkout/payment  1,234  a long note here  x\n"
	    "cart                  5  \xc3\xa9t\xc3\xa9 caf\xc3\xa9 "
	    "cr\xc3\xa8me    yy\n";

	check_fit(0, whole, NULL);
	check_fit(47, whole, NULL);
	check_fit(200, whole, NULL);
	/* the two wide text columns elided to a common width, UTF-8 cut on
	 * a code point, the number whole */
	check_fit(40,
	    "name              n  note          tail\n"
	    "------------  -----  ------------  ----\n"
	    "checkout/pa\xe2\x80\xa6  1,234  a long note\xe2\x80\xa6  x\n"
	    "cart              5  \xc3\xa9t\xc3\xa9 caf\xc3\xa9 "
	    "cr\xe2\x80\xa6  yy\n",
	    "journey: table cut to 40 columns: elided name, note; use -o "
	    "csv or --fields\n");
	/* text no narrower than 8: the last column goes */
	check_fit(30,
	    "name            n  note\n"
	    "----------  -----  ----------\n"
	    "checkout/\xe2\x80\xa6  1,234  a long no\xe2\x80\xa6\n"
	    "cart            5  \xc3\xa9t\xc3\xa9 caf\xc3\xa9 \xe2\x80\xa6\n",
	    "journey: table cut to 30 columns: elided name, note; dropped "
	    "tail; use -o csv or --fields\n");
	check_fit(10,
	    "name\n"
	    "----------\n"
	    "checkout/\xe2\x80\xa6\n"
	    "cart\n",
	    "journey: table cut to 10 columns: elided name; dropped n, "
	    "note, tail; use -o csv or --fields\n");
	/* the first column stays, cut below its floor */
	check_fit(5,
	    "name\n"
	    "-----\n"
	    "chec\xe2\x80\xa6\n"
	    "cart\n",
	    "journey: table cut to 5 columns: elided name; dropped n, "
	    "note, tail; use -o csv or --fields\n");
}

/* Numbers are never cut: a table of numbers is only ever dropped from. */
static void
test_fit_numbers(void **state)
{
	static const struct jn_column cols[] = { { "a", JN_COL_INT },
	    { "b", JN_COL_MONEY }, { "c", JN_COL_RATE } };
	struct jn_cell cells[] = { jn_cell_int(123456789),
	    jn_cell_num(9876543.21), jn_cell_num(0.5) };
	char *msg, *got = render_fit(JN_FMT_TABLE, cols, 3, cells, 1, 20,
	    &msg);

	assert_string_equal(got,
	    "          a\n"
	    "-----------\n"
	    "123,456,789\n");
	assert_string_equal(msg, "journey: table cut to 20 columns: dropped "
	    "b, c; use -o csv or --fields\n");
	free(got);
	free(msg);
	/* one number wider than the terminal is still whole */
	got = render_fit(JN_FMT_TABLE, cols, 1, cells, 1, 4, &msg);
	assert_string_equal(got, "          a\n-----------\n123,456,789\n");
	assert_null(msg);
	free(got);
}

/* Only the table format is fitted; markdown is pasted, machines read csv. */
static void
test_fit_other_formats(void **state)
{
	static const enum jn_format fmts[] = { JN_FMT_CSV, JN_FMT_TSV,
	    JN_FMT_NDJSON, JN_FMT_MARKDOWN };
	char *msg, *got, *want;
	size_t i;

	fill_report();
	for (i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		got = render_fit(fmts[i], report_cols, 5, &report[0][0], 3,
		    10, &msg);
		want = render(fmts[i], report_cols, 5, &report[0][0], 3);
		assert_string_equal(got, want);
		assert_null(msg);
		free(got);
		free(want);
	}
}

/* Not a terminal: whole, whatever COLUMNS says (a pipe into less). */
static void
test_fit_not_a_terminal(void **state)
{
	char *got;

	fill_report();
	assert_int_equal(setenv("COLUMNS", "10", 1), 0);
	got = render(JN_FMT_TABLE, report_cols, 5, &report[0][0], 3);
	unsetenv("COLUMNS");
	assert_non_null(strstr(got, "12,340.00\n"));
	free(got);
}

/* --fields and fitting together: the picked columns are what is fitted. */
static void
test_fields_then_fit(void **state)
{
	struct jn_cell cells[] = {
		S("checkout/payment"), jn_cell_int(1234),
		S("a long note here"), S("x"),
	};
	char *msg, *got;

	assert_int_equal(jn_writer_fields("tail,n,name"), 0);
	got = render_fit(JN_FMT_TABLE, fit_cols, 4, cells, 1, 20, &msg);
	jn_writer_fields(NULL);
	/* name would need 8 columns, 7 are left: it goes */
	assert_string_equal(got,
	    "tail      n\n"
	    "----  -----\n"
	    "x     1,234\n");
	assert_string_equal(msg, "journey: table cut to 20 columns: dropped "
	    "name; use -o csv or --fields\n");
	free(got);
	free(msg);
	assert_int_equal(jn_writer_fields("tail,n,name"), 0);
	got = render_fit(JN_FMT_TABLE, fit_cols, 4, cells, 1, 21, &msg);
	jn_writer_fields(NULL);
	assert_string_equal(got,
	    "tail      n  name\n"
	    "----  -----  --------\n"
	    "x     1,234  checkou\xe2\x80\xa6\n");
	free(got);
	free(msg);
}

static void
test_free_null(void **state)
{
	jn_writer_free(NULL);
}

/* ---- gate formats ---- */

/* A gate table: a name column, a step, two figures; one row fails. */
static const struct jn_column gate_cols[] = {
	{ "group", JN_COL_STR }, { "step", JN_COL_INT },
	{ "rate", JN_COL_RATE }, { "note", JN_COL_STR },
};

static const struct jn_gate_col gate_desc[] = {
	{ 0, JN_GATE_NAME | JN_GATE_LABEL, "group", NULL },
	{ 1, JN_GATE_NAME | JN_GATE_LABEL, "step", NULL },
	{ 2, JN_GATE_METRIC, "rate", "A rate\\n \"quoted\"\nsplit" },
};

static const struct jn_gate gate_spec = { "jtest", "in.csv", gate_desc,
	sizeof gate_desc / sizeof gate_desc[0] };

/*
 * Two rows: the first named with a quote, CR LF, a control character,
 * invalid UTF-8, U+FFFE and a backslash; it fails.  The second is to
 * watch, and its empty cells are no figures.
 */
static char *
render_gate(enum jn_format fmt)
{
	static const char name[] = "a\"b\r\nc\x01\xff\xef\xbf\xbe\\d,e:f%";
	struct jn_cell rows[2][4] = {
		{ jn_cell_str(name, sizeof name - 1), jn_cell_int(2),
		    jn_cell_num(0.25), S("x<y & z>w") },
		{ S("plain"), jn_cell_int(1), jn_cell_null(), S("") },
	};
	struct jn_writer *w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	w = jn_writer_new(f, fmt, gate_cols, 4);
	jn_writer_gate(w, &gate_spec);
	jn_writer_verdict(w, JN_VERDICT_FAIL, JN_SEV_CRITICAL, "fell: 50%");
	assert_int_equal(jn_writer_row(w, rows[0]), 0);
	jn_writer_verdict(w, JN_VERDICT_WATCH, JN_SEV_MINOR, NULL);
	assert_int_equal(jn_writer_row(w, rows[1]), 0);
	assert_int_equal(jn_writer_finish(w), 0);
	jn_writer_free(w);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
test_gate_junit(void **state)
{
	char *got = render_gate(JN_FMT_JUNIT);

	(void)state;
	assert_string_equal(got,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites name=\"jtest\" tests=\"2\" failures=\"1\" "
	    "errors=\"0\">\n"
	    "  <testsuite name=\"jtest\" tests=\"2\" failures=\"1\" "
	    "errors=\"0\" skipped=\"0\">\n"
	    "    <testcase classname=\"jtest\" name=\"a&quot;b&#13;&#10;c"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\\d,e:f% / step 2\">\n"
	    "      <failure type=\"gate\" message=\"fell: 50%\">rate=25.0%; "
	    "note=x&lt;y &amp; z&gt;w</failure>\n"
	    "    </testcase>\n"
	    "    <testcase classname=\"jtest\" name=\"plain / step 1\">\n"
	    "      <system-out></system-out>\n"
	    "    </testcase>\n"
	    "  </testsuite>\n"
	    "</testsuites>\n");
	free(got);
}

static void
test_gate_github(void **state)
{
	char *got = render_gate(JN_FMT_GITHUB);

	(void)state;
	/* GitHub's escapeProperty in the title, escapeData in the message */
	assert_string_equal(got,
	    "::error title=jtest%3A a\"b%0D%0Ac\x01\xef\xbf\xbd"
	    "\xef\xbf\xbe\\d%2Ce%3Af%25 / step 2::fell: 50%25; rate=25.0%25; "
	    "note=x<y & z>w\n"
	    "::warning title=jtest%3A plain / step 1::\n");
	free(got);
}

static void
test_gate_prometheus(void **state)
{
	char *got = render_gate(JN_FMT_PROMETHEUS);

	(void)state;
	/* \ " LF escaped in label values, \ LF in HELP; CR passes */
	assert_string_equal(got,
	    "# HELP journey_jtest_rate A rate\\\\n \"quoted\"\\nsplit\n"
	    "# TYPE journey_jtest_rate gauge\n"
	    "journey_jtest_rate{group=\"a\\\"b\r\\nc\x01\xef\xbf\xbd"
	    "\xef\xbf\xbe\\\\d,e:f%\",step=\"2\"} 0.2500\n"
	    "# HELP journey_jtest_gate_failed 1 when the row fails the gate\n"
	    "# TYPE journey_jtest_gate_failed gauge\n"
	    "journey_jtest_gate_failed{group=\"a\\\"b\r\\nc\x01\xef\xbf\xbd"
	    "\xef\xbf\xbe\\\\d,e:f%\",step=\"2\"} 1\n"
	    "journey_jtest_gate_failed{group=\"plain\",step=\"1\"} 0\n"
	    "# HELP journey_jtest_gate_watch 1 when the row is to watch\n"
	    "# TYPE journey_jtest_gate_watch gauge\n"
	    "journey_jtest_gate_watch{group=\"a\\\"b\r\\nc\x01\xef\xbf\xbd"
	    "\xef\xbf\xbe\\\\d,e:f%\",step=\"2\"} 0\n"
	    "journey_jtest_gate_watch{group=\"plain\",step=\"1\"} 1\n");
	free(got);
}

static void
test_gate_codequality(void **state)
{
	char *got = render_gate(JN_FMT_CODEQUALITY);
	json_error_t err;
	json_t *doc = json_loads(got, 0, &err), *issue;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(json_array_size(doc), 2);
	issue = json_array_get(doc, 0);
	assert_string_equal(json_string_value(json_object_get(issue,
	    "severity")), "critical");
	assert_string_equal(json_string_value(json_object_get(issue,
	    "check_name")), "journey.jtest");
	assert_string_equal(json_string_value(json_object_get(issue,
	    "description")), "a\"b\r\nc\x01\xef\xbf\xbd\xef\xbf\xbe\\d,e:f% / "
	    "step 2: fell: 50%; rate=25.0%; note=x<y & z>w");
	assert_int_equal(strlen(json_string_value(json_object_get(issue,
	    "fingerprint"))), 32);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(issue, "location"), "path")), "in.csv");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(issue, "location"), "lines"), "begin")), 1);
	issue = json_array_get(doc, 1);
	assert_string_equal(json_string_value(json_object_get(issue,
	    "severity")), "minor");
	json_decref(doc);
	free(got);
}

/* The fingerprint hangs on the tool and the name, never the figures. */
static void
test_gate_fingerprint_stable(void **state)
{
	struct jn_cell a[4] = { S("g"), jn_cell_int(1), jn_cell_num(0.5),
		S("one") };
	struct jn_cell b[4] = { S("g"), jn_cell_int(1), jn_cell_num(0.1),
		S("two") };
	struct jn_cell c[4] = { S("g"), jn_cell_int(2), jn_cell_num(0.5),
		S("one") };
	char *out[3];
	const struct jn_cell *rows[3] = { a, b, c };
	size_t i, len;
	FILE *f;
	struct jn_writer *w;

	(void)state;
	for (i = 0; i < 3; i++) {
		out[i] = NULL;
		f = open_memstream(&out[i], &len);
		assert_non_null(f);
		w = jn_writer_new(f, JN_FMT_CODEQUALITY, gate_cols, 4);
		jn_writer_gate(w, &gate_spec);
		assert_int_equal(jn_writer_row(w, rows[i]), 0);
		assert_int_equal(jn_writer_finish(w), 0);
		jn_writer_free(w);
		assert_int_equal(fclose(f), 0);
		*strstr(out[i], "\",\"severity\"") = '\0';
	}
	assert_string_equal(strstr(out[0], "\"fingerprint\""),
	    strstr(out[1], "\"fingerprint\""));
	assert_string_not_equal(strstr(out[0], "\"fingerprint\""),
	    strstr(out[2], "\"fingerprint\""));
	for (i = 0; i < 3; i++)
		free(out[i]);
}

/*
 * Rows with the same label set (a series over periods, the period no
 * label): only the last is written, as a scrape rejects a series twice.
 */
static void
test_gate_prometheus_duplicates(void **state)
{
	static const struct jn_gate_col desc[] = {
		{ 0, JN_GATE_NAME, "period", NULL },
		{ 1, JN_GATE_NAME | JN_GATE_LABEL, "kpi", NULL },
		{ 2, JN_GATE_METRIC, "value", "KPI value" },
	};
	static const struct jn_gate spec = { "jw", NULL, desc, 3 };
	static const struct jn_column cols[] = { { "period", JN_COL_STR },
		{ "kpi", JN_COL_STR }, { "value", JN_COL_NUM } };
	struct jn_cell rows[4][3] = {
		{ S("d1"), S("users"), jn_cell_num(10) },
		{ S("d1"), S("events"), jn_cell_num(50) },
		{ S("d2"), S("users"), jn_cell_num(12) },
		{ S("d2"), S("events"), jn_cell_num(40) },
	};
	struct jn_writer *w;
	char *buf = NULL;
	size_t len = 0, r;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	w = jn_writer_new(f, JN_FMT_PROMETHEUS, cols, 3);
	jn_writer_gate(w, &spec);
	for (r = 0; r < 4; r++) {
		jn_writer_verdict(w, r == 3 ? JN_VERDICT_FAIL : JN_VERDICT_PASS,
		    JN_SEV_INFO, NULL);
		assert_int_equal(jn_writer_row(w, rows[r]), 0);
	}
	assert_int_equal(jn_writer_finish(w), 0);
	jn_writer_free(w);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf,
	    "# HELP journey_jw_value KPI value\n"
	    "# TYPE journey_jw_value gauge\n"
	    "journey_jw_value{kpi=\"users\"} 12\n"
	    "journey_jw_value{kpi=\"events\"} 40\n"
	    "# HELP journey_jw_gate_failed 1 when the row fails the gate\n"
	    "# TYPE journey_jw_gate_failed gauge\n"
	    "journey_jw_gate_failed{kpi=\"users\"} 0\n"
	    "journey_jw_gate_failed{kpi=\"events\"} 1\n"
	    "# HELP journey_jw_gate_watch 1 when the row is to watch\n"
	    "# TYPE journey_jw_gate_watch gauge\n"
	    "journey_jw_gate_watch{kpi=\"users\"} 0\n"
	    "journey_jw_gate_watch{kpi=\"events\"} 0\n");
	free(buf);
}

/* A check that is no row: named, no figures, labelled check= alone. */
static void
test_gate_check(void **state)
{
	struct jn_cell row[4] = { S("g"), jn_cell_int(1), jn_cell_num(0.5),
		S("n") };
	struct jn_writer *w;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	w = jn_writer_new(f, JN_FMT_GITHUB, gate_cols, 4);
	jn_writer_gate(w, &gate_spec);
	assert_int_equal(jn_writer_row(w, row), 0);
	jn_writer_gate_check(w, "volume, total", JN_VERDICT_FAIL,
	    JN_SEV_INFO, "fell 60%");
	assert_int_equal(jn_writer_finish(w), 0);
	jn_writer_free(w);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf,
	    "::notice title=jtest%3A g / step 1::rate=50.0%25; note=n\n"
	    "::error title=jtest%3A volume%2C total::fell 60%25\n");
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	w = jn_writer_new(f, JN_FMT_PROMETHEUS, gate_cols, 4);
	jn_writer_gate(w, &gate_spec);
	assert_int_equal(jn_writer_row(w, row), 0);
	jn_writer_gate_check(w, "vol\"ume", JN_VERDICT_FAIL, JN_SEV_INFO,
	    NULL);
	assert_int_equal(jn_writer_finish(w), 0);
	jn_writer_free(w);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "journey_jtest_rate{group=\"g\","
	    "step=\"1\"} 0.5000\n# HELP"));
	assert_non_null(strstr(buf, "journey_jtest_gate_failed{check="
	    "\"vol\\\"ume\"} 1\n"));
	free(buf);
	/* tables ignore it */
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	w = jn_writer_new(f, JN_FMT_CSV, gate_cols, 4);
	jn_writer_gate_check(w, "x", JN_VERDICT_FAIL, JN_SEV_INFO, NULL);
	assert_int_equal(jn_writer_finish(w), 0);
	jn_writer_free(w);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "group,step,rate,note\n");
	free(buf);
}

/*
 * jn_cell_dec: the exact decimal of units * 10^-dec, worked by hand;
 * the double 6666666666667.33 would print 6666666666667.330078.
 */
static void
test_cell_dec(void **state)
{
	static const struct { int64_t u; int dec; const char *want; } c[] = {
		{ 666666666666733, 2, "6666666666667.33" },
		{ -333333333333367, 2, "-3333333333333.67" },
		{ 1500000, 6, "1.5" },
		{ 5, 6, "0.000005" },
		{ -5, 6, "-0.000005" },
		{ 0, 6, "0" },
		{ 1200, 2, "12" },
		{ 42, 0, "42" },
		{ 9007199254740993, -3, "9007199254740993000" },
		{ 0, -3, "0" },
		{ INT64_MIN, 18, "-9.223372036854775808" },
		{ INT64_MAX, -1, "92233720368547758070" },
	};
	char buf[64];
	size_t i;
	struct jn_cell x;

	(void)state;
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		x = jn_cell_dec(c[i].u, c[i].dec);
		assert_int_equal(jn_format_cell(buf, sizeof buf, JN_COL_NUM,
		    &x, 0), strlen(c[i].want));
		assert_string_equal(buf, c[i].want);
		/* tables show it alike (JN_COL_NUM has no separators) */
		(void)jn_format_cell(buf, sizeof buf, JN_COL_NUM, &x, 1);
		assert_string_equal(buf, c[i].want);
	}
}

/*
 * The one table-driven escaper, each format's table over the same text:
 * a & < > " ' tab LF CR, a control byte, DEL, % : , and backslash,
 * U+FFFF and a stray byte; the expected bytes written out by hand from
 * each format's rules (writer.h).
 */
static void
test_escape_tables(void **state)
{
	static const char in[] = "a&<>\"'\t\n\r\001\177%:,\\\xef\xbf\xbf\xff";
	static const struct {
		const struct jn_escape *e;
		const char *want;
	} c[] = {
		{ &jn_esc_html, "a&amp;&lt;&gt;&quot;&#39;\t\n\xef\xbf\xbd"
		    "\xef\xbf\xbd\xef\xbf\xbd%:,\\\xef\xbf\xbd\xef\xbf\xbd" },
		{ &jn_esc_xml, "a&amp;&lt;&gt;\"'\t\n&#13;\xef\xbf\xbd\177%:,\\"
		    "\xef\xbf\xbd\xef\xbf\xbd" },
		{ &jn_esc_xml_attr, "a&amp;&lt;&gt;&quot;'&#9;&#10;&#13;"
		    "\xef\xbf\xbd\177%:,\\\xef\xbf\xbd\xef\xbf\xbd" },
		{ &jn_esc_github, "a&<>\"'\t%0A%0D\001\177%25:,\\"
		    "\xef\xbf\xbf\xef\xbf\xbd" },
		{ &jn_esc_github_prop, "a&<>\"'\t%0A%0D\001\177%25%3A%2C\\"
		    "\xef\xbf\xbf\xef\xbf\xbd" },
		{ &jn_esc_prom, "a&<>\\\"'\t\\n\r\001\177%:,\\\\"
		    "\xef\xbf\xbf\xef\xbf\xbd" },
		{ &jn_esc_prom_help, "a&<>\"'\t\\n\r\001\177%:,\\\\"
		    "\xef\xbf\xbf\xef\xbf\xbd" },
		{ &jn_esc_dot, "a&<>\\\"'     %:,\\\\\xef\xbf\xbf"
		    "\xef\xbf\xbd" },
		{ &jn_esc_mermaid, "a&#60;#62;#34;'     %:,\\\xef\xbf\xbf"
		    "\xef\xbf\xbd" },
	};
	struct jn_strbuf b = { NULL, 0, 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		b.len = 0;
		jn_escape(&b, c[i].e, in, sizeof in - 1);
		assert_int_equal(b.len, strlen(c[i].want));
		assert_memory_equal(b.buf, c[i].want, b.len);
	}
	/* Mermaid's comment sign, and a NUL in a label: a space */
	b.len = 0;
	jn_escape(&b, &jn_esc_mermaid, "#1\0", 3);
	assert_string_equal(b.buf, "#35;1 ");
	/* a NUL inside is a control like any other */
	b.len = 0;
	jn_escape(&b, &jn_esc_xml, "a\0b", 3);
	assert_string_equal(b.buf, "a\xef\xbf\xbd" "b");
	/* nothing appended still leaves a string */
	free(b.buf);
	b.buf = NULL;
	b.len = b.cap = 0;
	jn_escape(&b, &jn_esc_prom, "", 0);
	assert_non_null(b.buf);
	assert_string_equal(b.buf, "");
	free(b.buf);
}

static void
test_format_allow(void **state)
{
	enum jn_format fmt = JN_FMT_CSV;

	(void)state;
	/* the default: tables only; a gate format is known but refused */
	jn_format_allow(JN_FMTS_TABLES);
	assert_int_equal(jn_format_parse("junit", &fmt), -1);
	assert_int_equal(fmt, JN_FMT_CSV);
	jn_format_allow(JN_FMTS_GATE);
	assert_int_equal(jn_format_parse("junit", &fmt), 0);
	assert_int_equal(fmt, JN_FMT_JUNIT);
	assert_int_equal(jn_format_parse("github", &fmt), 0);
	assert_int_equal(fmt, JN_FMT_GITHUB);
	assert_int_equal(jn_format_parse("prometheus", &fmt), 0);
	assert_int_equal(fmt, JN_FMT_PROMETHEUS);
	assert_int_equal(jn_format_parse("codequality", &fmt), -1);
	jn_format_allow(JN_FMTS_GATE | 1u << JN_FMT_CODEQUALITY);
	assert_int_equal(jn_format_parse("codequality", &fmt), 0);
	assert_int_equal(fmt, JN_FMT_CODEQUALITY);
	assert_true(jn_format_is_gate(JN_FMT_CODEQUALITY));
	assert_false(jn_format_is_gate(JN_FMT_MARKDOWN));
	jn_format_allow(JN_FMTS_TABLES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_csv),
		cmocka_unit_test(test_report_tsv),
		cmocka_unit_test(test_report_ndjson),
		cmocka_unit_test(test_report_table),
		cmocka_unit_test(test_report_markdown),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_csv_quoting_long),
		cmocka_unit_test(test_int_digits),
		cmocka_unit_test(test_csv_single_empty_column),
		cmocka_unit_test(test_empty_string_without_pointer),
		cmocka_unit_test(test_tsv_escaping),
		cmocka_unit_test(test_ndjson_escaping),
		cmocka_unit_test(test_ndjson_random_bytes),
		cmocka_unit_test(test_numbers_machine),
		cmocka_unit_test(test_numbers_human),
		cmocka_unit_test(test_numbers_exact),
		cmocka_unit_test(test_table_alignment),
		cmocka_unit_test(test_table_control_chars),
		cmocka_unit_test(test_markdown_escaping),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_format_resolve),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_fields_every_format),
		cmocka_unit_test(test_fields_bad_list),
		cmocka_unit_test(test_fields_unknown),
		cmocka_unit_test(test_fit_width),
		cmocka_unit_test(test_fit_numbers),
		cmocka_unit_test(test_fit_other_formats),
		cmocka_unit_test(test_fit_not_a_terminal),
		cmocka_unit_test(test_fields_then_fit),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_gate_junit),
		cmocka_unit_test(test_gate_github),
		cmocka_unit_test(test_gate_prometheus),
		cmocka_unit_test(test_gate_prometheus_duplicates),
		cmocka_unit_test(test_gate_check),
		cmocka_unit_test(test_gate_codequality),
		cmocka_unit_test(test_gate_fingerprint_stable),
		cmocka_unit_test(test_format_allow),
		cmocka_unit_test(test_cell_dec),
		cmocka_unit_test(test_escape_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
