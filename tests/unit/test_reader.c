/*
 * Tests of the reader: framing, format detection, field mapping and the
 * bad-record policy, on inputs written to temporary files (plain and
 * gzipped) so that the whole path from bytes to records is exercised.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "journey/reader.h"
#include "journey/record.h"

#define MAXREC 16

struct got {
	int n;
	char user[MAXREC][64];
	char time[MAXREC][64];
	int has_time[MAXREC];
	uint64_t line[MAXREC];
	char raw[MAXREC][128];
	int format[MAXREC];
};

static int user_slot, time_slot;

static int
collect(void *ctx, const struct jn_record *rec)
{
	struct got *g = ctx;
	const char *s;
	size_t len;

	assert_true(g->n < MAXREC);
	s = jn_record_get(rec, user_slot, &len);
	snprintf(g->user[g->n], 64, "%.*s", (int)len, s ? s : "(null)");
	s = jn_record_get(rec, time_slot, &len);
	g->has_time[g->n] = s != NULL;
	snprintf(g->time[g->n], 64, "%.*s", (int)len, s ? s : "");
	g->line[g->n] = rec->line;
	/* raw as the callback sees it, a NUL shown as @ */
	for (len = 0; len < rec->rawlen && len < 127; len++)
		g->raw[g->n][len] = rec->raw[len] != '\0' ? rec->raw[len] :
		    '@';
	g->raw[g->n][len] = '\0';
	g->format[g->n] = rec->format;
	g->n++;
	return 0;
}

/* run_loose's exact slot, and where collect_exact copies its value. */
static int exact_slot = -1;
static char *exact_out;
static size_t exact_cap;

static int
collect_exact(void *ctx, const struct jn_record *rec)
{
	const char *s;
	size_t len;

	if (exact_slot >= 0) {
		s = jn_record_get(rec, exact_slot, &len);
		snprintf(exact_out, exact_cap, "%.*s", (int)len,
		    s ? s : "(null)");
	}
	return collect(ctx, rec);
}

static char *
write_tmp(const char *data, size_t len, int gz)
{
	static char paths[8][64];
	static int next;
	char *path = paths[next++ % 8];
	int fd;

	strcpy(path, "/tmp/jn-test-reader-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	if (gz) {
		gzFile z = gzdopen(fd, "wb");

		assert_true(gzwrite(z, data, (unsigned)len) == (int)len);
		gzclose(z);
	} else {
		assert_true(write(fd, data, len) == (ssize_t)len);
		close(fd);
	}
	return path;
}

/* Read data through the reader with user/time slots; returns status. */
static int keep_raw;	/* run's jn_reader_opts.keep_raw */

static int
run(const char *data, size_t len, int gz, enum jn_input_format fmt,
    struct got *g, struct jn_badrec *bad, uint64_t *nin)
{
	static const char *const users[] = { "user_id", "user" };
	struct jn_schema schema;
	struct jn_reader_opts opts = { .format = fmt, .keep_raw = keep_raw };
	char *path = write_tmp(data, len, gz);
	char *files[1];
	int rc;

	files[0] = path;
	jn_schema_init(&schema);
	user_slot = jn_schema_candidates(&schema, users, 2);
	time_slot = jn_schema_field(&schema, "ts");
	memset(g, 0, sizeof *g);
	rc = jn_read(files, 1, &opts, &schema, bad, collect, g, nin);
	jn_schema_release(&schema);
	unlink(path);
	return rc;
}

static void
test_csv_basic(void **state)
{
	const char in[] = "user_id,ts,event\nu1,1,a\nu2,2,b\n";
	struct got g;
	struct jn_badrec bad;
	uint64_t nin;

	(void)state;
	jn_badrec_init(&bad, 0, NULL);
	assert_int_equal(run(in, sizeof in - 1, 0, JN_IN_AUTO, &g, &bad,
	    &nin), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(nin, 2);
	assert_string_equal(g.user[1], "u2");
	assert_string_equal(g.time[0], "1");
	assert_int_equal(g.line[0], 2);
	assert_int_equal(g.line[1], 3);
	/* the values end in place: NULs over the delimiters after them */
	assert_string_equal(g.raw[1], "u2@2@b");
	assert_int_equal(g.format[0], JN_IN_CSV);
	assert_int_equal(bad.count, 0);
	jn_badrec_finish(&bad, nin);

	/* unless raw is to be kept as read */
	keep_raw = 1;
	jn_badrec_init(&bad, 0, NULL);
	assert_int_equal(run(in, sizeof in - 1, 0, JN_IN_AUTO, &g, &bad,
	    &nin), 0);
	keep_raw = 0;
	assert_string_equal(g.user[1], "u2");
	assert_string_equal(g.time[0], "1");
	assert_string_equal(g.raw[1], "u2,2,b");
	jn_badrec_finish(&bad, nin);
}

/* Quoted commas, doubled quotes and a newline inside quotes. */
static void
test_csv_quoted(void **state)
{
	const char in[] = "ts,user\n1,\"a,b\"\n2,\"x\ny\"\n3,\"q\"\"q\"\n4, sp \n";
	struct got g;
	struct jn_badrec bad;
	uint64_t nin;

	(void)state;
	jn_badrec_init(&bad, 0, NULL);
	assert_int_equal(run(in, sizeof in - 1, 0, JN_IN_AUTO, &g, &bad,
	    &nin), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.user[0], "a,b");
	assert_string_equal(g.user[1], "x\ny");
	assert_int_equal(g.line[1], 3);
	assert_int_equal(g.line[2], 5);	/* after a two-line record */
	assert_string_equal(g.user[2], "q\"q");
	assert_string_equal(g.user[3], " sp ");	/* blanks kept */
	jn_badrec_finish(&bad, nin);
}

/* BOM, CRLF, no final newline, blank lines skipped. */
static void
test_csv_edges(void **state)
{
	const char in[] = "\xef\xbb\xbfuser_id,ts\r\nu1,1\r\n\r\nu2,2";
	struct got g;
	struct jn_badrec bad;
	uint64_t nin;

	(void)state;
	jn_badrec_init(&bad, 0, NULL);
	assert_int_equal(run(in, sizeof in - 1, 0, JN_IN_AUTO, &g, &bad,
	    &nin), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.user[0], "u1");
	assert_string_equal(g.time[0], "1");
	assert_string_equal(g.user[1], "u2");
	assert_string_equal(g.time[1], "2");
	assert_int_equal(g.line[1], 4);
	jn_badrec_finish(&bad, nin);
}

/*
 * Unquoted records are split eight bytes at a time: fields of every length
 * around the word boundaries, empty ones, and a quote anywhere sending the
 * record to libcsv, against the fields as written, over many random runs.
 */
static void
test_csv_split_words(void **state)
{
	static const char chars[] = "abcxyz0189-_ .;|\t";
	uint64_t rng = 7;
	int iter;

	(void)state;
	for (iter = 0; iter < 300; iter++) {
		char in[4096], want_user[MAXREC][64], want_ts[MAXREC][64];
		size_t o = 0;
		struct got g;
		struct jn_badrec bad;
		uint64_t nin;
		int r, k;

		o += (size_t)snprintf(in, sizeof in, "x,user_id,ts\n");
		for (r = 0; r < MAXREC; r++) {
			char f[3][64];

			for (k = 0; k < 3; k++) {
				size_t len, i;

				rng = rng * 6364136223846793005ULL +
				    1442695040888963407ULL;
				len = (size_t)(rng >> 33) % 20 + (k == 1);
				for (i = 0; i < len; i++) {
					rng = rng * 6364136223846793005ULL +
					    1442695040888963407ULL;
					f[k][i] = chars[(rng >> 33) %
					    (sizeof chars - 1)];
				}
				f[k][len] = '\0';
			}
			/* now and then a quote inside the first field (not first:
			 * that would open a quoted field) */
			if ((rng >> 40) % 8 == 0 && strlen(f[0]) >= 2)
				f[0][strlen(f[0]) / 2] = '"';
			strcpy(want_user[r], f[1]);
			strcpy(want_ts[r], f[2]);
			o += (size_t)snprintf(in + o, sizeof in - o,
			    "%s,%s,%s\n", f[0], f[1], f[2]);
		}
		jn_badrec_init(&bad, 0, NULL);
		assert_int_equal(run(in, o, 0, JN_IN_CSV, &g, &bad, &nin), 0);
		assert_int_equal(g.n, MAXREC);
		for (r = 0; r < MAXREC; r++) {
			assert_string_equal(g.user[r], want_user[r]);
			assert_string_equal(g.time[r], want_ts[r]);
		}
		jn_badrec_finish(&bad, nin);
	}
}

/* The next of a test's pseudo-random numbers, below n. */
static size_t
rnd(uint64_t *rng, size_t n)
{
	*rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (size_t)(*rng >> 33) % n;
}

/*
 * Unquoted records are split 64 bytes at a time, keeping the fields up to
 * the last one a slot takes and only counting those after it: long
 * records with delimiters at every offset around the 16-, 32- and 64-byte
 * boundaries, empty fields, a quote anywhere (libcsv then), a field too
 * many or too few after the last kept one (rejected), CRLF, no final
 * newline, and a delimiter other than the comma, against the fields as
 * written.
 */
static void
test_csv_split_blocks(void **state)
{
	static const char chars[] = "abcxyz0189-_ .";
	static const char delims[] = ",;\t|";
	uint64_t rng = 11;
	int iter;

	(void)state;
	for (iter = 0; iter < 600; iter++) {
		char in[16384], want_user[MAXREC][64], want_ts[MAXREC][64];
		char d = delims[iter % 4];
		size_t o = 0;
		struct jn_schema schema;
		struct jn_reader_opts opts = { .format = JN_IN_AUTO };
		static const char *const users[] = { "user_id", "user" };
		struct got g;
		struct jn_badrec bad;
		uint64_t nin;
		int r, k, nwant = 0, crlf = (int)rnd(&rng, 3) == 0;
		char *files[1];

		opts.delim = d;
		o += (size_t)snprintf(in, sizeof in, "a%cuser_id%cb%cts%cc%ce%s",
		    d, d, d, d, d, crlf ? "\r\n" : "\n");
		for (r = 0; r < MAXREC; r++) {
			char f[7][160];
			int nf = 6, quote = 0;

			/* now and then a field too many or too few */
			if (rnd(&rng, 10) == 0)
				nf += rnd(&rng, 2) ? 1 : -1;
			for (k = 0; k < nf; k++) {
				size_t len, i;

				len = k == 1 || k == 3 ? rnd(&rng, 60) :
				    rnd(&rng, 150);
				for (i = 0; i < len; i++)
					f[k][i] = chars[rnd(&rng,
					    sizeof chars - 1)];
				f[k][len] = '\0';
				/* a quote inside a field (not first: that
				 * would open a quoted field) */
				if (len >= 2 && rnd(&rng, 40) == 0) {
					f[k][1 + rnd(&rng, len - 1)] = '"';
					quote = 1;
				}
			}
			(void)quote;
			for (k = 0; k < nf; k++)
				o += (size_t)snprintf(in + o, sizeof in - o,
				    "%s%s", k > 0 ? (char[2]){ d, 0 } : "",
				    f[k]);
			if (r + 1 < MAXREC || rnd(&rng, 2))
				o += (size_t)snprintf(in + o, sizeof in - o,
				    "%s", crlf ? "\r\n" : "\n");
			if (nf != 6)
				continue;
			strcpy(want_user[nwant], f[1]);
			strcpy(want_ts[nwant], f[3]);
			nwant++;
		}
		assert_true(o < sizeof in - 1);
		files[0] = write_tmp(in, o, 0);
		jn_schema_init(&schema);
		user_slot = jn_schema_candidates(&schema, users, 2);
		time_slot = jn_schema_field(&schema, "ts");
		memset(&g, 0, sizeof g);
		jn_badrec_init(&bad, 0, NULL);
		assert_int_equal(jn_read(files, 1, &opts, &schema, &bad,
		    collect, &g, &nin), 0);
		jn_schema_release(&schema);
		unlink(files[0]);
		assert_int_equal(g.n, nwant);
		assert_int_equal(bad.count, (uint64_t)(MAXREC - nwant));
		for (r = 0; r < nwant; r++) {
			assert_string_equal(g.user[r], want_user[r]);
			assert_string_equal(g.time[r], want_ts[r]);
		}
		jn_badrec_finish(&bad, nin);
	}
}

/*
 * A stream read as it comes: the header and the start of a record come
 * first, the rest of the record later, at the same place of the buffer
 * and as long as the header but with its delimiters elsewhere.  What the
 * reader knew of the bytes there before must not be taken for them.
 */
static void
test_csv_follow_pieces(void **state)
{
	static const char *const users[] = { "user_id" };
	char path[] = "/tmp/jn-test-fifo-XXXXXX";
	char *files[1];
	struct jn_schema schema;
	struct jn_reader_opts opts = { .format = JN_IN_AUTO, .follow = 1 };
	struct got g;
	struct jn_badrec bad;
	uint64_t nin;
	pid_t pid;
	int fd, st;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, "user_id,ts,event\nu1,17", 22) != 22)
			_exit(1);
		nanosleep(&(struct timespec){ .tv_nsec = 200000000 }, NULL);
		if (write(fd, "00000000,ab\n", 12) != 12)
			_exit(1);
		_exit(0);
	}
	files[0] = path;
	jn_schema_init(&schema);
	user_slot = jn_schema_candidates(&schema, users, 1);
	time_slot = jn_schema_field(&schema, "ts");
	memset(&g, 0, sizeof g);
	jn_badrec_init(&bad, 0, NULL);
	assert_int_equal(jn_read(files, 1, &opts, &schema, &bad, collect, &g,
	    &nin), 0);
	jn_schema_release(&schema);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(path);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.user[0], "u1");
	assert_string_equal(g.time[0], "1700000000");
	jn_badrec_finish(&bad, nin);
}

/* A short row is rejected and written verbatim to --rejects. */
static void
test_csv_bad_count(void **state)
{
	const char in[] = "user_id,ts\nu1,1\nu2\nu3,3,x\nu4,4\n";
	char rpath[] = "/tmp/jn-test-rejects-XXXXXX";
	char buf[256];
	struct got g;
	struct jn_badrec bad;
	uint64_t nin;
	FILE *f;
	size_t n;
	int fd = mkstemp(rpath);

	(void)state;
	close(fd);
	assert_int_equal(jn_badrec_init(&bad, 0, rpath), 0);
	assert_int_equal(run(in, sizeof in - 1, 0, JN_IN_AUTO, &g, &bad,
	    &nin), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(nin, 4);
	assert_int_equal(bad.count, 2);
	assert_non_null(strstr(bad.shown[0], ":3: expected 2 fields, got 1"));
	assert_non_null(strstr(bad.shown[1], ":4: expected 2 fields, got 3"));
	assert_int_equal(jn_badrec_finish(&bad, nin), 0);
	f = fopen(rpath, "r");
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(rpath);
	assert_string_equal(buf, "u2\nu3,3,x\n");
}

/* --strict: the first bad record is an error. */
static void
test_strict(void **state)
{
	const char in[] = "user_id,ts\nu1\n";
	struct got g;
	struct jn_badrec bad;
	uint64_t nin;

	(void)state;
	jn_badrec_init(&bad, 1, NULL);
	assert_int_equal(run(in, sizeof in - 1, 0, JN_IN_AUTO, &g, &bad,
	    &nin), -1);
	jn_badrec_finish(&bad, nin);
}

static void
test_tsv_detect(void **state)
{
	const char in[] = "user_id\tts\nu 1\t5\n";
	struct got g;
	struct jn_badrec bad;
	uint64_t nin;

	(void)state;
	jn_badrec_init(&bad, 0, NULL);
	assert_int_equal(run(in, sizeof in - 1, 0, JN_IN_AUTO, &g, &bad,
	    &nin), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.format[0], JN_IN_TSV);
	assert_string_equal(g.user[0], "u 1");
	assert_string_equal(g.time[0], "5");
	jn_badrec_finish(&bad, nin);
}

static void
test_gzip(void **state)
{
	const char in[] = "user_id,ts\nu1,1\nu2,2\n";
	struct got g;
	struct jn_badrec bad;
	uint64_t nin;

	(void)state;
	jn_badrec_init(&bad, 0, NULL);
	assert_int_equal(run(in, sizeof in - 1, 1, JN_IN_AUTO, &g, &bad,
	    &nin), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.user[1], "u2");
	jn_badrec_finish(&bad, nin);
}

/* NDJSON: candidates, numbers as text, nulls absent, bad lines counted. */
static void
test_ndjson(void **state)
{
	const char in[] =
	    "{\"user\":\"b\",\"user_id\":\"a\",\"ts\":17}\n"
	    "\n"
	    "{\"user\":\"c\",\"ts\":null}\n"
	    "{\"user\":\"d\",\"ts\":\"x\"\n"
	    "{\"user\":\"e\",\"ts\":\"5\"}";
	struct got g;
	struct jn_badrec bad;
	uint64_t nin;

	(void)state;
	jn_badrec_init(&bad, 0, NULL);
	assert_int_equal(run(in, sizeof in - 1, 0, JN_IN_AUTO, &g, &bad,
	    &nin), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.user[0], "a");	/* user_id listed first */
	assert_string_equal(g.time[0], "17");
	assert_int_equal(g.has_time[1], 0);
	assert_int_equal(g.line[1], 3);
	assert_string_equal(g.user[2], "e");
	assert_int_equal(g.line[2], 5);
	assert_int_equal(bad.count, 1);
	assert_non_null(strstr(bad.shown[0], ":4: "));
	jn_badrec_finish(&bad, nin);
}

/* A record split across the reader's 1 MiB chunks arrives whole. */
static void
test_long_record(void **state)
{
	size_t big = 3u << 20, n;
	char *in = malloc(big + 64);
	struct got g;
	struct jn_badrec bad;
	uint64_t nin;

	(void)state;
	n = (size_t)sprintf(in, "user_id,ts\nu1,");
	memset(in + n, '7', big);
	n += big;
	n += (size_t)sprintf(in + n, "\nu2,2\n");
	jn_badrec_init(&bad, 0, NULL);
	assert_int_equal(run(in, n, 0, JN_IN_AUTO, &g, &bad, &nin), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.user[1], "u2");
	jn_badrec_finish(&bad, nin);
	free(in);
}

static void
test_missing_file(void **state)
{
	struct jn_schema schema;
	struct jn_reader_opts opts = { .format = JN_IN_AUTO };
	struct jn_badrec bad;
	char *files[] = { "/nonexistent/x.csv" };
	uint64_t nin;
	struct got g;

	(void)state;
	jn_schema_init(&schema);
	jn_badrec_init(&bad, 0, NULL);
	assert_int_equal(jn_read(files, 1, &opts, &schema, &bad, collect, &g,
	    &nin), -1);
	jn_schema_release(&schema);
}

/* A header without a required field is an error, naming the fields. */
static void
test_required(void **state)
{
	static const char *const users[] = { "user_id", "user" };
	const char in[] = "who,ts\nu1,1\n";
	struct jn_schema schema;
	struct jn_reader_opts opts = { .format = JN_IN_AUTO };
	struct jn_badrec bad;
	char *files[1];
	uint64_t nin;
	struct got g;

	(void)state;
	files[0] = write_tmp(in, sizeof in - 1, 0);
	jn_schema_init(&schema);
	user_slot = jn_schema_candidates(&schema, users, 2);
	time_slot = jn_schema_field(&schema, "ts");
	opts.required = 1u << user_slot;
	opts.required_hint[user_slot] = "-u FIELD";
	jn_badrec_init(&bad, 0, NULL);
	memset(&g, 0, sizeof g);
	assert_int_equal(jn_read(files, 1, &opts, &schema, &bad, collect, &g,
	    &nin), -1);
	assert_int_equal(g.n, 0);
	opts.required = 1u << time_slot;
	assert_int_equal(jn_read(files, 1, &opts, &schema, &bad, collect, &g,
	    &nin), 0);
	assert_int_equal(g.n, 1);
	jn_badrec_finish(&bad, nin);
	jn_schema_release(&schema);
	unlink(files[0]);
}

/*
 * Detection: an NDJSON file with a broken first line is NDJSON (the line
 * a bad record); a JSON array and old Mac line ends are errors.
 */
static void
test_detect_hostile(void **state)
{
	const char first[] = "null\n\n{\"user\":\"a\",\"ts\":1}\n";
	const char array[] = "\n[{\"user\":\"a\",\"ts\":1}]\n";
	const char mac[] = "user,ts\ra,1\rb,2\r";
	const char crlf[] = "user,ts\r\na,1\r\n";
	struct jn_strbuf diag = { NULL, 0, 0 };
	struct jn_badrec bad;
	struct got g;
	uint64_t nin;

	(void)state;
	jn_badrec_init(&bad, 0, NULL);
	assert_int_equal(run(first, sizeof first - 1, 0, JN_IN_AUTO, &g, &bad,
	    &nin), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.format[0], JN_IN_NDJSON);
	assert_int_equal(bad.count, 1);
	bad.count = 0;
	jn_diag_capture(&diag);
	assert_int_equal(run(array, sizeof array - 1, 0, JN_IN_AUTO, &g, &bad,
	    &nin), -1);
	assert_non_null(strstr(diag.buf, ":2: a JSON array, not NDJSON"));
	diag.len = 0;
	assert_int_equal(run(mac, sizeof mac - 1, 0, JN_IN_CSV, &g, &bad,
	    &nin), -1);
	assert_non_null(strstr(diag.buf, ":1: lines end with bare carriage"));
	jn_diag_capture(NULL);
	assert_int_equal(run(crlf, sizeof crlf - 1, 0, JN_IN_AUTO, &g, &bad,
	    &nin), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.user[0], "a");
	jn_badrec_finish(&bad, nin);
	free(diag.buf);
}

/*
 * A gzip file cut short anywhere past its magic is an error, not the
 * records before the cut; bytes after the stream are a warning.
 */
static void
test_gzip_damaged(void **state)
{
	static const char *const users[] = { "user_id", "user" };
	const char in[] = "user_id,ts\nu1,1\nu2,2\nu3,3\n";
	struct jn_reader_opts opts;
	struct jn_strbuf diag = { NULL, 0, 0 };
	struct jn_schema schema;
	struct jn_badrec bad;
	struct got g;
	struct stat st;
	char *files[1];
	uint64_t nin;
	off_t len, cut;
	FILE *f;

	(void)state;
	memset(&opts, 0, sizeof opts);
	jn_schema_init(&schema);
	user_slot = jn_schema_candidates(&schema, users, 2);
	time_slot = jn_schema_field(&schema, "ts");
	files[0] = write_tmp(in, sizeof in - 1, 1);
	assert_int_equal(stat(files[0], &st), 0);
	len = st.st_size;
	for (cut = len - 1; cut >= 2; cut--) {
		assert_int_equal(truncate(files[0], cut), 0);
		jn_badrec_init(&bad, 0, NULL);
		memset(&g, 0, sizeof g);
		jn_diag_capture(&diag);
		assert_int_equal(jn_read(files, 1, &opts, &schema, &bad,
		    collect, &g, &nin), -1);
		jn_diag_capture(NULL);
		assert_non_null(strstr(diag.buf,
		    "unexpected end of compressed data"));
		diag.len = 0;
		jn_badrec_finish(&bad, nin);
	}
	unlink(files[0]);
	files[0] = write_tmp(in, sizeof in - 1, 1);
	assert_non_null(f = fopen(files[0], "a"));
	fputs("junk", f);
	fclose(f);
	jn_badrec_init(&bad, 0, NULL);
	memset(&g, 0, sizeof g);
	jn_diag_capture(&diag);
	assert_int_equal(jn_read(files, 1, &opts, &schema, &bad, collect, &g,
	    &nin), 0);
	jn_diag_capture(NULL);
	assert_int_equal(g.n, 3);
	assert_non_null(strstr(diag.buf,
	    ": 4 bytes of trailing garbage after the compressed data ignored"));
	jn_badrec_finish(&bad, nin);
	unlink(files[0]);
	free(diag.buf);
	jn_schema_release(&schema);
}

/*
 * A file truncated while it is read (logrotate's copytruncate): the
 * first record's callback cuts the file to 100 bytes, so the next read
 * finds it shorter than it was.  An error naming the file, with one
 * thread and with two (whose callbacks run in the workers while the
 * framing thread reads on), never a SIGBUS.
 */
struct cut {
	char *path;
	int failed;
};

static int
cut_at_first(void *ctx, const struct jn_record *rec)
{
	struct cut *c = ctx;

	/* not cmocka's asserts: this may run in a worker thread */
	if (rec->pos == 0 && truncate(c->path, 100) != 0)
		c->failed = 1;
	return 0;
}

static void
test_truncated_while_read(void **state)
{
	static const char *const users[] = { "user_id", "user" };
	const size_t nlines = 4 << 20;	/* 32 MiB: more than read ahead */
	struct jn_reader_opts opts;
	struct jn_read_worker w[2];
	struct jn_badrec bad, wbad[2];
	struct jn_strbuf diag = { NULL, 0, 0 };
	struct jn_schema schema;
	struct cut c = { NULL, 0 };
	char *data, *files[1];
	uint64_t nin;
	size_t i, len;
	int jobs, k;

	(void)state;
	data = malloc(nlines * 8 + 16);
	assert_non_null(data);
	len = (size_t)sprintf(data, "user_id,ts\n");
	for (i = 0; i < nlines; i++, len += 8)
		memcpy(data + len, "u1234,1\n", 8);
	memset(&opts, 0, sizeof opts);
	jn_schema_init(&schema);
	user_slot = jn_schema_candidates(&schema, users, 2);
	time_slot = jn_schema_field(&schema, "ts");
	for (jobs = 1; jobs <= 2; jobs++) {
		files[0] = c.path = write_tmp(data, len, 0);
		jn_badrec_init(&bad, 0, NULL);
		jn_diag_capture(&diag);
		if (jobs == 1) {
			assert_int_equal(jn_read(files, 1, &opts, &schema,
			    &bad, cut_at_first, &c, &nin), -1);
		} else {
			for (k = 0; k < jobs; k++) {
				jn_badrec_init(&wbad[k], 0, NULL);
				w[k].schema = &schema;
				w[k].bad = &wbad[k];
				w[k].fn = cut_at_first;
				w[k].ctx = &c;
			}
			assert_int_equal(jn_read_jobs(files, 1, &opts,
			    &schema, &bad, w, jobs, &nin), -1);
			for (k = 0; k < jobs; k++)
				jn_badrec_finish(&wbad[k], 0);
		}
		jn_diag_capture(NULL);
		assert_int_equal(c.failed, 0);
		assert_non_null(strstr(diag.buf,
		    ": file changed while being read"));
		assert_non_null(strstr(diag.buf, files[0]));
		diag.len = 0;
		jn_badrec_finish(&bad, nin);
		unlink(files[0]);
	}
	free(diag.buf);
	free(data);
	jn_schema_release(&schema);
}

/*
 * Read data with the default-name slot users (loose) and, when exact is
 * not NULL, an exact slot for that name; opts.delim is delim.
 */
static int
run_loose(const char *data, char delim, const char *exact, struct got *g,
    char *exact_val, size_t exact_size)
{
	static const char *const users[] = { "user_id", "user" };
	struct jn_schema schema;
	struct jn_reader_opts opts;
	struct jn_badrec bad;
	char *files[1];
	uint64_t nin;
	int rc, ex = -1;

	memset(&opts, 0, sizeof opts);
	opts.delim = delim;
	files[0] = write_tmp(data, strlen(data), 0);
	jn_schema_init(&schema);
	user_slot = jn_schema_defaults(&schema, users, 2);
	time_slot = jn_schema_field(&schema, "ts");
	if (exact != NULL)
		ex = jn_schema_field(&schema, exact);
	exact_slot = ex;
	exact_out = exact_val;
	exact_cap = exact_size;
	memset(g, 0, sizeof *g);
	jn_badrec_init(&bad, 0, NULL);
	rc = jn_read(files, 1, &opts, &schema, &bad, collect_exact, g, &nin);
	jn_badrec_finish(&bad, nin);
	jn_schema_release(&schema);
	unlink(files[0]);
	exact_slot = -1;
	return rc;
}

/* --delimiter: a ';' file (a European export) read as CSV. */
static void
test_delimiter(void **state)
{
	struct got g;

	(void)state;
	assert_int_equal(run_loose("user_id;ts;amount\nu1;5;68,37\n"
	    "\"u;2\";6;1\n", ';', NULL, &g, NULL, 0), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.format[0], JN_IN_CSV);
	assert_string_equal(g.user[0], "u1");
	assert_string_equal(g.time[0], "5");
	/* quoted: through libcsv */
	assert_string_equal(g.user[1], "u;2");
	/* a tab given is TSV, and NDJSON stays NDJSON */
	assert_int_equal(run_loose("user_id\tts\nu1\t5\n", '\t', NULL, &g,
	    NULL, 0), 0);
	assert_int_equal(g.format[0], JN_IN_TSV);
	assert_int_equal(run_loose("{\"user\":\"a;b\",\"ts\":1}\n", ';',
	    NULL, &g, NULL, 0), 0);
	assert_int_equal(g.format[0], JN_IN_NDJSON);
	assert_string_equal(g.user[0], "a;b");
}

/* Default names match folded: case and separators do not count. */
static void
test_loose_names(void **state)
{
	char v[64];
	struct got g;
	size_t n;

	(void)state;
	n = jn_field_fold("Case:Concept-Name 2", 19, v, sizeof v);
	assert_int_equal(n, 16);
	assert_memory_equal(v, "caseconceptname2", 16);
	assert_int_equal(jn_field_fold("abcdef", 6, v, 3), SIZE_MAX);
	/* CSV: "User ID" is user_id, ahead of user (listed second) */
	assert_int_equal(run_loose("user,ts,User ID\na,1,b\n", 0, NULL, &g,
	    NULL, 0), 0);
	assert_string_equal(g.user[0], "b");
	/* an exact spelling wins over an earlier column that folds to it */
	assert_int_equal(run_loose("USER-ID,ts,user_id\na,1,b\n", 0, NULL,
	    &g, NULL, 0), 0);
	assert_string_equal(g.user[0], "b");
	assert_int_equal(run_loose("UserId,ts\na,1\n", 0, NULL, &g, NULL, 0),
	    0);
	assert_string_equal(g.user[0], "a");
	/* a field option's name is exact: "TS" is not ts */
	assert_int_equal(run_loose("user,TS,ts\na,1,2\n", 0, NULL, &g, NULL,
	    0), 0);
	assert_string_equal(g.time[0], "2");
	/* NDJSON: folded keys, rank kept, and an exact slot fed too */
	assert_int_equal(run_loose("{\"User\":\"x\",\"User-Id\":\"y\","
	    "\"ts\":1}\n{\"USER\":\"z\",\"ts\":2}\n", 0, NULL, &g, NULL,
	    0), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.user[0], "y");
	assert_string_equal(g.user[1], "z");
	assert_int_equal(run_loose("{\"UserID\":\"x\",\"ts\":1}\n", 0,
	    "UserID", &g, v, sizeof v), 0);
	assert_string_equal(g.user[0], "x");
	assert_string_equal(v, "x");
	/* NDJSON: an exact name is not folded */
	assert_int_equal(run_loose("{\"u\":\"x\",\"TS\":1}\n", 0, NULL,
	    &g, NULL, 0), 0);
	assert_int_equal(g.has_time[0], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_basic),
		cmocka_unit_test(test_csv_quoted),
		cmocka_unit_test(test_csv_edges),
		cmocka_unit_test(test_csv_bad_count),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_tsv_detect),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_ndjson),
		cmocka_unit_test(test_long_record),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_truncated_while_read),
		cmocka_unit_test(test_gzip_damaged),
		cmocka_unit_test(test_detect_hostile),
		cmocka_unit_test(test_delimiter),
		cmocka_unit_test(test_csv_split_words),
		cmocka_unit_test(test_csv_split_blocks),
		cmocka_unit_test(test_csv_follow_pieces),
		cmocka_unit_test(test_loose_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
