/*
 * Fuzz target for the writer's --fields list and the fitting of a table
 * to a width.  The input's first byte is the width (0: never cut), the
 * bytes up to the first newline the --fields list, and the rest rows of
 * tab-separated cells for five columns (a text, an integer, text, money
 * and text; a number cell is its bytes' length times a constant, so that
 * numbers of every width come up).  Every format is written to memory.
 * Parsing the list, picking columns and fitting must never crash or leak,
 * and a fitted table whose first column is text must fit: no line wider
 * than the width (in code points, the writer's measure).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct jn_column cols[] = {
	{ "name", JN_COL_STR }, { "n", JN_COL_INT }, { "note", JN_COL_STR },
	{ "revenue", JN_COL_MONEY }, { "cause", JN_COL_STR },
};
#define NCOLS (sizeof cols / sizeof cols[0])
#define MAXROWS 64

/* Code points on each line of s[0..len); the widest. */
static size_t
widest_line(const char *s, size_t len)
{
	size_t i, w = 0, max = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n') {
			w = 0;
			continue;
		}
		if (((unsigned char)s[i] & 0xc0) != 0x80 && ++w > max)
			max = w;
	}
	return max;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum jn_format fmts[] = { JN_FMT_CSV, JN_FMT_TSV,
	    JN_FMT_NDJSON, JN_FMT_TABLE, JN_FMT_MARKDOWN };
	static int quiet;
	struct jn_cell cells[MAXROWS][NCOLS];
	const char *p, *end, *nl;
	struct jn_writer *w;
	size_t width, nrows = 0, j, k, len;
	char *list, *buf;
	FILE *f;

	if (!quiet) {
		/* bad lists and cut tables are reported by the thousand */
		setvbuf(stderr, NULL, _IOFBF, 1 << 16);
		quiet = 1;
	}
	if (size == 0)
		return 0;
	width = data[0];
	p = (const char *)data + 1;
	end = (const char *)data + size;
	nl = memchr(p, '\n', (size_t)(end - p));
	list = malloc((size_t)((nl ? nl : end) - p) + 1);
	memcpy(list, p, (size_t)((nl ? nl : end) - p));
	list[(nl ? nl : end) - p] = '\0';
	/* a NUL ends the list early: that is the list the option sees */
	if (list[0] != '\0' && jn_writer_fields(list) != 0) {
		free(list);
		return 0;
	}
	free(list);
	for (p = nl ? nl + 1 : end; p < end && nrows < MAXROWS; nrows++) {
		for (j = 0; j < NCOLS; j++) {
			const char *q = p;

			while (q < end && *q != '\t' && *q != '\n')
				q++;
			len = (size_t)(q - p);
			if (cols[j].type == JN_COL_STR)
				cells[nrows][j] = jn_cell_str(p, len);
			else if (len == 0)
				cells[nrows][j] = jn_cell_null();
			else if (cols[j].type == JN_COL_INT)
				cells[nrows][j] = jn_cell_int((int64_t)len *
				    -123456789);
			else
				cells[nrows][j] = jn_cell_num((double)len *
				    1e6 / 7);
			p = q < end && *q == '\t' ? q + 1 : q;
		}
		while (p < end && *p != '\n')
			p++;
		if (p < end)
			p++;
	}
	for (k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
		buf = NULL;
		len = 0;
		f = open_memstream(&buf, &len);
		if (f == NULL)
			abort();
		w = jn_writer_new(f, fmts[k], cols, NCOLS);
		jn_writer_fit(w, width);
		for (j = 0; j < nrows; j++)
			jn_writer_row(w, cells[j]);
		jn_writer_finish(w);
		jn_writer_free(w);
		if (fclose(f) != 0)
			abort();
		/* with text first, a table cut to 2 or more fits */
		if (fmts[k] == JN_FMT_TABLE && width >= 2 && len > 0 &&
		    cols[0].type == JN_COL_STR && !jn_writer_fields_given() &&
		    widest_line(buf, len) > width)
			abort();
		free(buf);
	}
	jn_writer_fields(NULL);
	return 0;
}
