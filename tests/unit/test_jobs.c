/*
 * Tests of reading with worker threads (jn_read_jobs) against reading
 * with one (jn_read), on multi-megabyte inputs so that records fall into
 * many batches and across their edges: every record reaches exactly one
 * worker, with the same position, line, bytes and values; each worker
 * sees its records in input order; bad records, the --rejects file and
 * the count read are the same; several files, gzip, CRLF, quoted
 * newlines, blank lines and an unterminated last record included, and
 * lines that the workers frame themselves.
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
#include <zlib.h>

#include "journey/intern.h"
#include "journey/reader.h"
#include "journey/record.h"
#include "journey/util.h"

/* What one record looked like: compared between the two readers. */
struct seen {
	uint64_t pos, line, digest;
};

struct collector {
	struct seen *v;
	size_t n, cap;
	int user_slot, time_slot;
	int fail_at_pos;	/* callback error at this position, or -1 */
	/* where the callback rejects records of users ending in 7, as a
	 * reporter does with a value it cannot use; NULL: it does not */
	struct jn_badrec *bad;
};

static int
collect(void *ctx, const struct jn_record *rec)
{
	struct collector *c = ctx;
	const char *u, *t;
	size_t ul, tl;
	uint64_t d;

	if (c->fail_at_pos >= 0 && rec->pos == (uint64_t)c->fail_at_pos)
		return jn_error("stop at %llu", (unsigned long long)rec->pos);
	u = jn_record_get(rec, c->user_slot, &ul);
	t = jn_record_get(rec, c->time_slot, &tl);
	/* values are NUL-terminated (journey/record.h) */
	assert_true(u == NULL || u[ul] == '\0');
	assert_true(t == NULL || t[tl] == '\0');
	if (c->bad != NULL && ul > 0 && u[ul - 1] == '7')
		return jn_badrec_add(c->bad, rec, "user %s", u);
	d = jn_hash(rec->raw, rec->rawlen);
	d = d * 31 + (u ? jn_hash(u, ul) : 7);
	d = d * 31 + (t ? jn_hash(t, tl) : 11);
	d = d * 31 + jn_hash(rec->file, strlen(rec->file));
	c->v = jn_xgrow(c->v, &c->cap, c->n + 1, sizeof *c->v);
	c->v[c->n].pos = rec->pos;
	c->v[c->n].line = rec->line;
	c->v[c->n].digest = d;
	c->n++;
	return 0;
}

static char *
write_tmp(const char *data, size_t len, int gz)
{
	char *path = jn_xstrdup("/tmp/jn-test-jobs-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	if (gz) {
		gzFile z = gzdopen(fd, "wb1");

		assert_true(gzwrite(z, data, (unsigned)len) == (int)len);
		gzclose(z);
	} else {
		assert_true(write(fd, data, len) == (ssize_t)len);
		close(fd);
	}
	return path;
}

/* About 3 MB of CSV with every kind of record the framer must handle. */
static char *
make_csv(size_t *len, int unterminated_end)
{
	struct jn_strbuf b = { NULL, 0, 0 };
	int i;

	jn_strbuf_printf(&b, "user_id,ts,event,note\r\n");
	for (i = 0; i < 150000; i++) {
		switch (i % 13) {
		case 0:
			jn_strbuf_printf(&b, "u%d,%d,view,\"a \"\"quoted\"\" "
			    "note\nover two lines\"\n", i % 977, i);
			break;
		case 3:
			jn_strbuf_printf(&b, "u%d,%d,bad\n", i, i); /* 3 fields */
			break;
		case 5:
			jn_strbuf_printf(&b, "\n  \n");	/* blank lines */
			break;
		case 7:
			jn_strbuf_printf(&b, "u%d,%d,cart,x\r\n", i % 977, i);
			break;
		case 11:
			jn_strbuf_printf(&b, "u%d,%d,odd,ab\"c\n", i % 977, i);
			break;
		default:
			jn_strbuf_printf(&b, "u%d,%d,view,%0*d\n", i % 977, i,
			    i % 40, 0);
		}
	}
	if (unterminated_end)
		jn_strbuf_printf(&b, "u1,9,last,\"never closed\nreally");
	*len = b.len;
	return b.buf;
}

static char *
make_ndjson(size_t *len)
{
	struct jn_strbuf b = { NULL, 0, 0 };
	int i;

	for (i = 0; i < 50000; i++) {
		if (i % 17 == 4)
			jn_strbuf_printf(&b, "{\"user_id\":\"u%d\",\"ts\":%d,"
			    "broken\n", i, i);
		else if (i % 17 == 9)
			jn_strbuf_printf(&b, "\n");
		else
			jn_strbuf_printf(&b, "{\"user_id\":\"u%d\",\"ts\":%d,"
			    "\"event\":\"e\",\"pad\":\"%0*d\"}\n", i % 501, i,
			    i % 50, 0);
	}
	/* a last line without its newline */
	jn_strbuf_printf(&b, "{\"user_id\":\"last\",\"ts\":1}");
	*len = b.len;
	return b.buf;
}

/*
 * Several MB of records the workers frame themselves (whole buffers with
 * no quote and no line starting with a blank), bad ones and CRLF lines
 * among them, and stretches the reading thread must frame (a quoted
 * newline, blank lines), in the CSV format or NDJSON.
 */
static char *
make_plain(size_t *len, int ndjson, int terminated)
{
	struct jn_strbuf b = { NULL, 0, 0 };
	int i;

	if (!ndjson)
		jn_strbuf_printf(&b, "user_id,ts,event,note\n");
	for (i = 0; i < 120000; i++) {
		const char *eol = i % 7 == 0 ? "\r\n" : "\n";

		if (i == 40000 && !ndjson) {
			jn_strbuf_printf(&b, "u1,%d,view,\"two\nlines\"\n", i);
		} else if (i == 80000) {
			jn_strbuf_printf(&b, "\n   \n");
		} else if (i % 101 == 3) {	/* bad: a field short, broken */
			jn_strbuf_printf(&b, ndjson ? "{\"user_id\":\"u%d\","
			    "%s" : "u%d,view%s", i, eol);
		} else if (ndjson) {
			jn_strbuf_printf(&b, "{\"user_id\":\"u%d\",\"ts\":%d,"
			    "\"pad\":\"%0*d\"}%s", i % 613, i, i % 30, 0, eol);
		} else {
			jn_strbuf_printf(&b, "u%d,%d,view,%0*d%s", i % 613, i,
			    i % 30, 0, eol);
		}
	}
	jn_strbuf_printf(&b, ndjson ? "{\"user_id\":\"last\",\"ts\":1}" :
	    "u1,9,last,x");
	if (terminated)
		jn_strbuf_printf(&b, "\n");
	*len = b.len;
	return b.buf;
}

static int
by_pos(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = jn_xmalloc((size_t)n + 1);
	assert_true(fread(buf, 1, (size_t)n, fp) == (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* A line of text, without its CR LF or LF. */
struct line {
	const char *p;
	size_t n;
};

static int
line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);

	return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

/* The lines of p[0..len) into *v (pointing into p); how many. */
static size_t
split_lines(const char *p, size_t len, struct line **v)
{
	const char *end = p + len;
	size_t n = 0, cap = 0;

	*v = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t k = (size_t)((nl != NULL ? nl : end) - p);

		*v = jn_xgrow(*v, &cap, n + 1, sizeof **v);
		(*v)[n].p = p;
		(*v)[n++].n = k > 0 && p[k - 1] == '\r' ? k - 1 : k;
		p += k + 1;
	}
	return n;
}

/*
 * Every line of the rejects file rej[0..len) is a line of the input as
 * read: the NULs the reader ends values with are put back (checked
 * where every input exists and none is gzip).
 */
static void
in_inputs(char **files, int nfiles, const char *rej, size_t len)
{
	struct jn_strbuf all = { NULL, 0, 0 };
	struct line *in, *out;
	size_t nin, nout, i;
	int k;

	for (k = 0; k < nfiles; k++)
		if (access(files[k], R_OK) != 0)
			return;
	for (k = 0; k < nfiles; k++) {
		size_t n;
		char *data = slurp(files[k], &n);

		if (n >= 2 && (unsigned char)data[0] == 0x1f &&
		    (unsigned char)data[1] == 0x8b) {
			free(data);
			free(all.buf);
			return;
		}
		jn_strbuf_printf(&all, "%.*s\n", (int)n, data);
		free(data);
	}
	assert_null(memchr(rej, '\0', len));
	nin = split_lines(all.buf, all.len, &in);
	nout = split_lines(rej, len, &out);
	qsort(in, nin, sizeof *in, line_cmp);
	for (i = 0; i < nout; i++)
		assert_non_null(bsearch(&out[i], in, nin, sizeof *in,
		    line_cmp));
	free(in);
	free(out);
	free(all.buf);
}

/*
 * Read files with one thread and with jobs workers; everything must
 * agree.  fail_at: a callback error at that record (-1: none).
 */
static void
compare(char **files, int nfiles, int jobs, int strict, int fail_at)
{
	static const char *const users[] = { "user_id", "user" };
	struct jn_schema schema;
	struct jn_reader_opts opts;
	struct jn_badrec bad1, badj, wbad[8];
	struct collector one, many[8];
	struct jn_read_worker w[8];
	char rej1[] = "/tmp/jn-test-jobs-r1-XXXXXX";
	char rejj[] = "/tmp/jn-test-jobs-rj-XXXXXX";
	uint64_t n1 = 0, nj = 0;
	size_t all = 0, i, l1, lj;
	struct seen *merged;
	struct jn_strbuf diag1 = { NULL, 0, 0 }, diagj = { NULL, 0, 0 };
	char *r1, *rj;
	int rc1, rcj, k, fd;

	assert_true(jobs <= 8);
	memset(&opts, 0, sizeof opts);
	jn_schema_init(&schema);
	jn_schema_candidates(&schema, users, 2);
	jn_schema_field(&schema, "ts");
	fd = mkstemp(rej1);
	close(fd);
	fd = mkstemp(rejj);
	close(fd);

	memset(&one, 0, sizeof one);
	one.user_slot = 0;
	one.time_slot = 1;
	one.fail_at_pos = fail_at;
	jn_badrec_init(&bad1, strict, rej1);
	one.bad = strict ? NULL : &bad1;
	jn_diag_capture(&diag1);
	rc1 = jn_read(files, nfiles, &opts, &schema, &bad1, collect, &one,
	    &n1);
	jn_diag_capture(NULL);

	jn_badrec_init(&badj, strict, rejj);
	for (k = 0; k < jobs; k++) {
		memset(&many[k], 0, sizeof many[k]);
		many[k].user_slot = 0;
		many[k].time_slot = 1;
		many[k].fail_at_pos = fail_at;
		jn_badrec_init(&wbad[k], strict, NULL);
		many[k].bad = strict ? NULL : &wbad[k];
		w[k].schema = &schema;
		w[k].bad = &wbad[k];
		w[k].fn = collect;
		w[k].ctx = &many[k];
	}
	jn_diag_capture(&diagj);
	rcj = jn_read_jobs(files, nfiles, &opts, &schema, &badj, w, jobs,
	    &nj);
	jn_diag_capture(NULL);
	assert_int_equal(rc1, rcj);
	/* the same messages, in the same order */
	assert_int_equal(diag1.len, diagj.len);
	if (diag1.len > 0)
		assert_string_equal(diag1.buf, diagj.buf);
	assert_int_equal(diag1.len > 0, rc1 != 0);
	free(diag1.buf);
	free(diagj.buf);
	assert_int_equal(bad1.count, badj.count);
	if (rc1 == 0) {
		assert_int_equal(n1, nj);
		/* each worker in input order; together, every record once */
		for (k = 0; k < jobs; k++) {
			for (i = 1; i < many[k].n; i++)
				assert_true(many[k].v[i - 1].pos <
				    many[k].v[i].pos);
			all += many[k].n;
		}
		assert_int_equal(all, one.n);
		merged = jn_xmalloc((all + 1) * sizeof *merged);
		for (all = 0, k = 0; k < jobs; k++) {
			if (many[k].n == 0)	/* a worker may get nothing */
				continue;
			memcpy(merged + all, many[k].v,
			    many[k].n * sizeof *merged);
			all += many[k].n;
		}
		qsort(merged, all, sizeof *merged, by_pos);
		for (i = 0; i < all; i++) {
			assert_int_equal(merged[i].pos, one.v[i].pos);
			assert_int_equal(merged[i].line, one.v[i].line);
			assert_true(merged[i].digest == one.v[i].digest);
		}
		free(merged);
	}
	jn_badrec_finish(&bad1, n1);
	jn_badrec_finish(&badj, nj);
	r1 = slurp(rej1, &l1);
	rj = slurp(rejj, &lj);
	assert_int_equal(l1, lj);
	assert_memory_equal(r1, rj, l1);
	in_inputs(files, nfiles, r1, l1);
	free(r1);
	free(rj);
	unlink(rej1);
	unlink(rejj);
	for (k = 0; k < jobs; k++) {
		free(many[k].v);
		jn_badrec_finish(&wbad[k], 0);
	}
	free(one.v);
	jn_schema_release(&schema);
}

static void
test_csv(void **state)
{
	size_t len;
	char *data = make_csv(&len, 1);
	char *files[2];
	int jobs[] = { 1, 2, 3, 7 };
	size_t i;

	(void)state;
	assert_true(len > 2500000);
	files[0] = write_tmp(data, len, 0);
	files[1] = write_tmp(data, len, 1);
	for (i = 0; i < sizeof jobs / sizeof jobs[0]; i++)
		compare(files, 2, jobs[i], 0, -1);
	unlink(files[0]);
	unlink(files[1]);
	free(files[0]);
	free(files[1]);
	free(data);
}

static void
test_ndjson(void **state)
{
	size_t len;
	char *data = make_ndjson(&len);
	char *files[3];

	(void)state;
	files[0] = write_tmp(data, len, 0);
	files[1] = write_tmp(data, len, 0);
	files[2] = write_tmp(data, len, 1);
	compare(files, 3, 2, 0, -1);
	compare(files, 3, 5, 0, -1);
	unlink(files[0]);
	unlink(files[1]);
	unlink(files[2]);
	free(files[0]);
	free(files[1]);
	free(files[2]);
	free(data);
}

/* Lines the workers frame, in files of both formats. */
static void
test_plain(void **state)
{
	size_t len[4];
	char *data[4], *files[4];
	int k;

	(void)state;
	for (k = 0; k < 4; k++) {
		data[k] = make_plain(&len[k], k / 2, k % 2);
		assert_true(len[k] > 2500000);
		files[k] = write_tmp(data[k], len[k], k == 1);	/* gzip */
	}
	compare(files, 4, 2, 0, -1);
	compare(files, 4, 3, 0, -1);
	compare(files + 2, 1, 2, 0, -1);	/* NDJSON alone */
	compare(files, 1, 2, 1, -1);		/* --strict: the first bad */
	compare(files + 2, 1, 2, 1, -1);
	compare(files, 1, 2, 0, 70000);		/* a callback error */
	compare(files + 3, 1, 2, 0, 90000);
	for (k = 0; k < 4; k++) {
		unlink(files[k]);
		free(files[k]);
		free(data[k]);
	}
}

/* --strict and a callback error stop both at the same record. */
static void
test_errors(void **state)
{
	size_t len;
	char *data = make_csv(&len, 0);
	char *files[1];

	(void)state;
	files[0] = write_tmp(data, len, 0);
	compare(files, 1, 3, 1, -1);		/* the first bad record */
	compare(files, 1, 3, 0, 45000);		/* late in the input */
	compare(files, 1, 2, 0, 0);		/* the very first */
	unlink(files[0]);
	free(files[0]);
	free(data);
}

/* A file that cannot be opened after one that was read. */
static void
test_missing_file(void **state)
{
	size_t len;
	char *data = make_ndjson(&len);
	char *files[2];

	(void)state;
	files[0] = write_tmp(data, len, 0);
	files[1] = "/nonexistent/jn-test-jobs";
	compare(files, 2, 2, 0, -1);
	unlink(files[0]);
	free(files[0]);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_ndjson),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
