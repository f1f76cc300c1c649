/*
 * The reader: one stream of records out of several files.  A plain
 * regular file is read up to the size it had when opened; a gzip stream
 * (file or pipe) is inflated member after member; anything else (pipes)
 * is read as it comes.  Each file's format is detected from its first
 * bytes, and
 * split into records here rather than inside libcsv so that every record
 * keeps its exact bytes (for --rejects and filters) and its line number.
 *
 * CSV/TSV records without a quote character are split on the delimiter
 * directly; records with quotes go through libcsv.  NDJSON lines go to the
 * simdjson wrapper.  Either way values land in one reused row buffer, so
 * the hot path allocates nothing per record or field.
 */
#include "journey/reader.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <csv.h>
#include <zlib.h>
#if defined(__GNUC__) && defined(__SSE2__)
#include <emmintrin.h>
#define CSV_SSE2 1		/* x86-64 baseline: 16 bytes a compare */
#if defined(__x86_64__) && !defined(JN_NO_AVX2)
#include <immintrin.h>
#define LINES_AVX2 1		/* built, and used where the processor has it */
#endif
#endif

#include "journey/intern.h"
#include "journey/ndjson.h"
#include "journey/tmpfile.h"
#include "journey/util.h"
#include "journey/xes.h"

#define READ_CHUNK (1 << 20)
/* Records longer than this are rejected instead of buffered. */
#define MAX_RECORD ((size_t)256 << 20)

/* ---- bad records ---- */

/* Whether st is the file open as fd. */
static int
same_as_fd(const struct stat *st, int fd)
{
	struct stat o;

	return fstat(fd, &o) == 0 && o.st_dev == st->st_dev &&
	    o.st_ino == st->st_ino;
}

int
jn_badrec_init(struct jn_badrec *b, int strict, const char *rejects_path)
{
	memset(b, 0, sizeof *b);
	b->strict = strict;
	if (rejects_path != NULL) {
		struct stat st;
		int fd, i;

		/* not O_TRUNC: it might be an input (jn_badrec_check) */
		fd = open(rejects_path, O_WRONLY | O_CREAT, 0666);
		/*
		 * /dev/stderr (or stdout) redirected to a file opens that
		 * file anew, at offset 0: write through the stream's own
		 * descriptor instead, so as not to write over it.
		 */
		for (i = STDOUT_FILENO; fd >= 0 && i <= STDERR_FILENO; i++)
			if (fstat(fd, &st) == 0 && same_as_fd(&st, i)) {
				close(fd);
				fd = dup(i);
			}
		if (fd < 0 || fstat(fd, &st) != 0 ||
		    (b->rejects = fdopen(fd, "w")) == NULL) {
			int err = errno;

			if (fd >= 0)
				close(fd);
			return jn_error("cannot create '%s': %s", rejects_path,
			    strerror(err));
		}
		b->rejects_path = jn_xstrdup(rejects_path);
		/* only a file of its own is emptied, not stderr's */
		b->rejects_pending = S_ISREG(st.st_mode) &&
		    !same_as_fd(&st, STDOUT_FILENO) &&
		    !same_as_fd(&st, STDERR_FILENO);
		b->rejects_dev = st.st_dev;
		b->rejects_ino = st.st_ino;
	}
	return 0;
}

const char *
jn_input_same_file(const struct stat *st, char *const *files, int nfiles)
{
	struct stat in;
	int i;

	for (i = 0; i < (nfiles > 0 ? nfiles : 1); i++) {
		int std = nfiles == 0 || strcmp(files[i], "-") == 0;

		if ((std ? fstat(STDIN_FILENO, &in) : stat(files[i], &in)) ==
		    0 && in.st_dev == st->st_dev && in.st_ino == st->st_ino)
			return std ? "<stdin>" : files[i];
	}
	return NULL;
}

/*
 * Empty the rejects file, known now not to be an input; until the run
 * ends, a signal that ends it removes the file, incomplete.
 */
static int
rejects_empty(struct jn_badrec *b)
{
	b->rejects_pending = 0;
	if (ftruncate(fileno(b->rejects), 0) != 0)
		return jn_error("cannot empty '%s': %s", b->rejects_path,
		    strerror(errno));
	jn_tmpfile_add(b->rejects_path, fileno(b->rejects));
	b->rejects_live = 1;
	return 0;
}

int
jn_badrec_check(struct jn_badrec *b, char *const *files, int nfiles)
{
	struct stat st;
	const char *in;

	if (b->rejects == NULL || !b->rejects_pending)
		return 0;
	memset(&st, 0, sizeof st);
	st.st_dev = b->rejects_dev;
	st.st_ino = b->rejects_ino;
	if ((in = jn_input_same_file(&st, files, nfiles)) != NULL) {
		jn_error("--rejects '%s' is the input '%s': refusing to "
		    "overwrite it", b->rejects_path, in);
		/* closed as it was: jn_badrec_finish must not empty it */
		fclose(b->rejects);
		b->rejects = NULL;
		return -1;
	}
	return rejects_empty(b);
}

/*
 * Where the reader ended a CSV record's values in place, the delimiters
 * its NULs replaced (jn_reader_opts.keep_raw): a value ends at its
 * delimiter, and the NUL after the last one lies past raw, over the
 * line's end.  An NDJSON record's NULs are listed.
 */
void
jn_badrec_copy_raw(const struct jn_badrec *b, const struct jn_record *rec,
    char *dst)
{
	uintptr_t from = (uintptr_t)rec->raw, to = from + rec->rawlen;
	size_t s;

	if (rec->rawlen == 0)
		return;
	memcpy(dst, rec->raw, rec->rawlen);
	if (b->ended_by == 0 || b->ended->raw != rec->raw)
		return;
	if (b->ended_at != NULL) {
		for (s = 0; s < b->nended_at; s++) {
			uintptr_t at = (uintptr_t)b->ended_at[s];

			if (at >= from && at < to)
				dst[at - from] = b->ended_by;
		}
		return;
	}
	for (s = 0; s < JN_MAX_SLOTS; s++) {
		const struct jn_value *v = &b->ended->vals[s];
		uintptr_t end = (uintptr_t)v->ptr + v->len;

		if (v->ptr != NULL && (uintptr_t)v->ptr >= from && end < to)
			dst[end - from] = b->ended_by;
	}
}

int
jn_badrec_add(struct jn_badrec *b, const struct jn_record *rec,
    const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (b->log != NULL) {
		struct jn_badlog *l = b->log;
		struct jn_badent *e;

		l->ents = jn_xgrow(l->ents, &l->cap, l->n + 1, sizeof *l->ents);
		e = &l->ents[l->n++];
		e->file = rec->file;
		e->line = rec->line;
		e->reason = l->text.len;
		jn_strbuf_printf(&l->text, "%s%c", reason, '\0');
		e->raw = l->text.len;
		e->rawlen = rec->rawlen;
		l->text.buf = jn_xgrow(l->text.buf, &l->text.cap,
		    l->text.len + rec->rawlen + 1, 1);
		jn_badrec_copy_raw(b, rec, l->text.buf + l->text.len);
		l->text.len += rec->rawlen;
		return b->strict ? -1 : 0;
	}
	if (b->strict)
		return jn_error("%s:%llu: %s", rec->file,
		    (unsigned long long)rec->line, reason);
	b->count++;
	if (b->nshown < JN_BADREC_SHOWN) {
		size_t n = strlen(rec->file) + strlen(reason) + 32;
		char *s = jn_xmalloc(n);

		snprintf(s, n, "%s:%llu: %s", rec->file,
		    (unsigned long long)rec->line, reason);
		b->shown[b->nshown++] = s;
	}
	if (b->rejects != NULL) {
		char *raw = jn_xmalloc(rec->rawlen + 1);

		jn_badrec_copy_raw(b, rec, raw);
		fwrite(raw, 1, rec->rawlen, b->rejects);
		putc('\n', b->rejects);
		free(raw);
	}
	return 0;
}

int
jn_badrec_finish(struct jn_badrec *b, uint64_t records_in)
{
	int rc = 0, kept = b->rejects != NULL;
	size_t i;

	/* the records first, then the warning (both on /dev/stderr) */
	if (b->rejects != NULL) {
		if (ferror(b->rejects) | (fclose(b->rejects) != 0))
			rc = jn_error("write error on '%s'", b->rejects_path);
		b->rejects = NULL;
	}
	if (b->rejects_live)
		jn_tmpfile_forget(b->rejects_path);
	b->rejects_live = 0;
	if (b->count > 0) {
		jn_warn("%llu bad record%s skipped (%llu read = %llu used + "
		    "%llu rejected)%s", (unsigned long long)b->count,
		    b->count == 1 ? "" : "s", (unsigned long long)records_in,
		    (unsigned long long)(records_in - b->count),
		    (unsigned long long)b->count,
		    kept ? "" : "; --rejects FILE keeps them");
		for (i = 0; i < b->nshown; i++)
			fprintf(stderr, "  %s\n", b->shown[i]);
		if (b->count > b->nshown)
			fprintf(stderr, "  ...\n");
	}
	for (i = 0; i < b->nshown; i++)
		free(b->shown[i]);
	b->nshown = 0;
	free(b->rejects_path);
	b->rejects_path = NULL;
	return rc;
}

int
jn_input_format_parse(const char *name, enum jn_input_format *fmt)
{
	if (strcmp(name, "csv") == 0)
		*fmt = JN_IN_CSV;
	else if (strcmp(name, "tsv") == 0)
		*fmt = JN_IN_TSV;
	else if (strcmp(name, "ndjson") == 0 || strcmp(name, "jsonl") == 0)
		*fmt = JN_IN_NDJSON;
	else
		return jn_error("bad input format '%s' (csv, tsv, ndjson)",
		    name);
	return 0;
}

int
jn_event_format_parse(const char *name, enum jn_input_format *fmt)
{
	if (strcmp(name, "xes") == 0) {
		*fmt = JN_IN_XES;
		return 0;
	}
	if (strcmp(name, "csv") == 0 || strcmp(name, "tsv") == 0 ||
	    strcmp(name, "ndjson") == 0 || strcmp(name, "jsonl") == 0)
		return jn_input_format_parse(name, fmt);
	return jn_error("bad input format '%s' (csv, tsv, ndjson, xes)",
	    name);
}

/* ---- the reader's state ---- */

/*
 * Distinct field names the schema asks for, for NDJSON key lookup: each
 * with the slots it may fill and its rank among each slot's candidates.
 */
struct keyname {
	const char *name;
	size_t len;
	uint64_t hash;
	/* a default name folded (jn_field_fold) into fold, matched folded */
	int loose;
	char fold[32];
	unsigned char nuse;
	unsigned char slot[JN_MAX_SLOTS];
	unsigned char rank[JN_MAX_SLOTS];
};

/* Where a framed record lies in its buffer; len's top bit: unterminated. */
struct recref {
	uint64_t line;
	uint32_t off, len;
};
#define REF_UNTERMINATED 0x80000000u

/* Open-addressing table from key hash to keyname index + 1. */
#define KEYTAB 4096

struct reader {
	const struct jn_reader_opts *opts;
	const struct jn_schema *schema;
	struct jn_badrec *bad;
	jn_record_fn fn;
	void *ctx;
	uint64_t records;

	/* current file: plain (a regular file), a stream, or gzip */
	int fd;
	enum { IN_PLAIN, IN_STREAM, IN_GZIP } kind;
	uint64_t size;		/* plain: where the file ends */
	uint64_t off;		/* plain: how far it has been read */
	/* following: the file grows (tail -f), when bytes last came,
	 * whether the quiet since was told (on_quiet) */
	int grow, quiet_told;
	struct timespec last_bytes;
	/* gzip: the inflater, its input, whether a member just ended */
	z_stream zs;
	int zinit, zend, zeof;
	unsigned char *zin;
	const char *name;
	enum jn_input_format format;
	uint64_t line;
	int eof;
	/*
	 * XES: the file's bytes (xraw) go to the converter, whose NDJSON
	 * lines fill buf; xeof when the file's bytes have all gone.
	 */
	int xeof;
	struct jn_xes *xes;
	char *xraw;

	/* input buffer: buf[pos..len) is unconsumed */
	char *buf;
	size_t pos, len, cap;

	/* values of the current record */
	struct jn_record rec;
	char *row;		/* NUL-terminated values of the record */
	size_t rowlen, rowcap;
	struct jn_value *fields;	/* CSV: every field of the record */
	size_t nfields, fieldcap;
	int rows;		/* libcsv: rows ended in a record (one) */
	int in_row;		/* fields hold offsets into row, not pointers */
	int unterminated;	/* the record ended inside quotes */
	int presplit;		/* framing split the record into fields */
	/* CSV framing: bitmaps of the 64-byte block of buf at blk (NULL when
	 * none), which the next line may start in; any fill voids them */
	const char *blk;
	uint64_t blk_d, blk_s;

	/* CSV: header width and slot -> column */
	size_t ncols;
	int colof[JN_MAX_SLOTS];
	size_t keep;		/* fields kept of a record: up to the last used */
	char delim;
	struct csv_parser csv;
	int have_csv;

	/* NDJSON */
	struct jn_ndjson *json;
	struct keyname keys[JN_MAX_SLOTS * JN_MAX_CANDIDATES];
	size_t nkeys, nloose;
	unsigned short keytab[KEYTAB];
	int rank[JN_MAX_SLOTS];	/* best candidate rank seen this record */
	size_t valoff[JN_MAX_SLOTS];	/* in row, or IN_LINE */
	/*
	 * A string of the line is ended in place, a NUL over its closing
	 * quote, unless raw is to be kept: where those NULs are, so that a
	 * copy of raw (jn_badrec_add, the first record's hint) puts the
	 * quotes back.  lines_lo..lines_hi: the bytes of the lines being
	 * parsed.
	 */
	const char *nul_at[2 * JN_MAX_SLOTS];
	size_t nnul;
	const char *lines_lo, *lines_hi;
	/*
	 * Lines are parsed many at a time: with one thread, those framed
	 * in buf and not parsed yet (pending); the lines being parsed
	 * (lines_*), and where each lies for simdjson (spans).
	 */
	struct recref *pending;
	size_t npending, pendingcap;
	const char *lines_buf;
	const struct recref *lines_refs;
	uint64_t lines_first;
	struct jn_ndjson_line *spans;
	size_t spancap;

	/* reading with workers: the batches this reader frames into, and a
	 * worker's refs of the NDJSON lines it framed itself */
	struct jobs *jobs;
	struct recref *lineref;
	size_t nlineref, linerefcap;

	/* progress */
	uint64_t bytes, total_bytes;
	struct timespec start, last_draw;
	int progress_shown;
};

static int seal_batch(struct reader *r);
static int flush_pending(struct reader *r);
static int drain_batches(struct reader *r);

static double
elapsed(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void
progress(struct reader *r, int final)
{
	struct timespec now;
	double secs;
	char line[160];
	int n;

	if (!r->opts->progress)
		return;
	if (final) {
		if (r->progress_shown)
			fputs("\r\033[K", stderr);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = elapsed(&r->start, &now);
	if (secs < 1.0 || elapsed(&r->last_draw, &now) < 0.2)
		return;
	r->last_draw = now;
	n = snprintf(line, sizeof line, "%s: %.1f MB read, %llu records, "
	    "%.1f MB/s", jn_progname(), (double)r->bytes / 1e6,
	    (unsigned long long)r->records, (double)r->bytes / 1e6 / secs);
	if (r->total_bytes > 0 && n > 0 && (size_t)n < sizeof line)
		snprintf(line + n, sizeof line - (size_t)n, ", %.0f%%",
		    100.0 * (double)r->bytes / (double)r->total_bytes);
	fprintf(stderr, "\r%s\033[K", line);
	r->progress_shown = 1;
}

/* ---- plain files ---- */

/*
 * A plain regular file is read with read(2) up to the size it had when
 * opened, not mapped: a mapped file that is truncated while read
 * (logrotate's copytruncate) kills the process with SIGBUS, in whichever
 * thread touches the lost page.  Read, a truncation shows as an early
 * end of file, or as a size below what has been read (checked at every
 * refill, a mebibyte at a time), and is an error.  Bytes appended while
 * the file is read are left for the next run: the file is read as it
 * was when opened, so the records counted are those it held then.  The
 * copy out of the page cache made no difference beyond the noise of a
 * shared machine on 2M events (the log of this change has the numbers).
 */

static ssize_t read_full(struct reader *r, void *p, size_t n);

/* ---- following ---- */

#define FOLLOW_TICK_MS 100	/* how often a growing file is looked at */

static volatile sig_atomic_t follow_stop;

static void
on_stop_signal(int sig)
{
	(void)sig;
	follow_stop = 1;
}

void
jn_follow_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Bytes came: the quiet starts again. */
static void
heard(struct reader *r)
{
	clock_gettime(CLOCK_MONOTONIC, &r->last_bytes);
	r->quiet_told = 0;
}

/*
 * Following: wait until the input has bytes (a stream) or has grown (a
 * regular file at its end: r->size moves on), telling the quiet
 * (on_quiet) when it has lasted quiet_ns.  Every record complete so far
 * has been handed over.  Returns 1 with input, 0 when a signal asked to
 * stop (the end of the input), -1 (reported).
 */
static int
follow_wait(struct reader *r)
{
	for (;;) {
		int ms = FOLLOW_TICK_MS, k;

		if (follow_stop)
			return 0;
		if (r->opts->on_quiet != NULL && r->opts->quiet_ns > 0 &&
		    !r->quiet_told) {
			struct timespec now;
			int64_t left;

			clock_gettime(CLOCK_MONOTONIC, &now);
			left = r->opts->quiet_ns - ((int64_t)(now.tv_sec -
			    r->last_bytes.tv_sec) * INT64_C(1000000000) +
			    (now.tv_nsec - r->last_bytes.tv_nsec));
			if (left <= 0) {
				r->quiet_told = 1;
				if (r->opts->on_quiet(r->opts->quiet_ctx) != 0)
					return -1;
				continue;
			}
			if (left / 1000000 + 1 < ms)
				ms = (int)(left / 1000000 + 1);
		}
		if (r->kind == IN_PLAIN) {
			struct stat st;

			if (fstat(r->fd, &st) != 0)
				return jn_error("%s: %s", r->name,
				    strerror(errno));
			if ((uint64_t)st.st_size < r->off)
				return jn_error("%s: file truncated while "
				    "followed", r->name);
			if ((uint64_t)st.st_size > r->size) {
				r->size = (uint64_t)st.st_size;
				return 1;
			}
			(void)poll(NULL, 0, ms);	/* a sleep */
		} else {
			struct pollfd pfd;

			pfd.fd = r->fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			k = poll(&pfd, 1, ms);
			if (k < 0 && errno != EINTR)
				return jn_error("%s: read error: %s", r->name,
				    strerror(errno));
			if (k > 0)
				return 1;
		}
	}
}

/*
 * Read up to n bytes of the plain file into p.  Returns the count (0 at
 * the size the file had when opened), or -1 (reported) on an error or
 * when the file shrank.
 */
static ssize_t
read_plain(struct reader *r, char *p, size_t n)
{
	struct stat st;
	ssize_t done;

	if (r->grow && r->off == r->size) {
		int k = follow_wait(r);

		if (k <= 0)
			return k;
	}
	if (n > r->size - r->off)
		n = (size_t)(r->size - r->off);
	if ((done = read_full(r, p, n)) < 0)
		return -1;
	r->off += (uint64_t)done;
	if (done > 0 && r->opts->follow)
		heard(r);
	if ((size_t)done < n || (fstat(r->fd, &st) == 0 &&
	    (uint64_t)st.st_size < r->off))
		return jn_error("%s: file changed while being read",
		    r->name);
	return done;
}

/* ---- streams and gzip ---- */

/* How much compressed input is read at a time. */
#define ZIN_CHUNK ((size_t)256 << 10)

/*
 * Read from the descriptor until p holds n bytes or the input ends (a
 * pipe gives what it has: read on, so that records are framed a
 * mebibyte at a time whatever the writer does).  Returns the count, or
 * -1 (reported).
 */
static ssize_t
read_full(struct reader *r, void *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t k;

		if (r->opts->follow && r->kind != IN_PLAIN) {
			int w = follow_wait(r);

			if (w < 0)
				return -1;
			if (w == 0)
				break;
		}
		k = read(r->fd, (char *)p + done, n - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return jn_error("%s: read error: %s", r->name,
			    strerror(errno));
		if (k == 0)
			break;
		done += (size_t)k;
		/* following a stream: what it has now */
		if (r->opts->follow && r->kind != IN_PLAIN) {
			heard(r);
			break;
		}
	}
	return (ssize_t)done;
}

/* A stream that is not gzip: first what was read to tell, then on. */
static ssize_t
read_stream(struct reader *r, char *p, size_t n)
{
	size_t k = r->zs.avail_in < n ? r->zs.avail_in : n;
	ssize_t m;

	memcpy(p, r->zs.next_in, k);
	r->zs.next_in += k;
	r->zs.avail_in -= (uInt)k;
	if (k == n || (k > 0 && r->opts->follow) ||
	    (m = read_full(r, p + k, n - k)) == 0)
		return (ssize_t)k;
	return m < 0 ? -1 : (ssize_t)k + m;
}

/*
 * At least want bytes of compressed input at zs.next_in, fewer only at
 * the end of the input (zeof).  Returns 0 or -1 (reported).
 */
static int
zin_fill(struct reader *r, size_t want)
{
	ssize_t k;

	if (r->zs.avail_in >= want || r->zeof)
		return 0;
	memmove(r->zin, r->zs.next_in, r->zs.avail_in);
	r->zs.next_in = r->zin;
	k = read_full(r, r->zin + r->zs.avail_in, ZIN_CHUNK -
	    r->zs.avail_in);
	if (k < 0)
		return -1;
	if ((size_t)k < ZIN_CHUNK - r->zs.avail_in &&
	    (k == 0 || !r->opts->follow))
		r->zeof = 1;
	r->zs.avail_in += (uInt)k;
	return 0;
}

/*
 * What follows a gzip member: another member (a concatenation, as
 * gzip(1) reads it), the end, or anything else, which is warned about
 * and ignored as gzip(1) does.  Returns 1 with a member to inflate, 0 at
 * the end, -1 (reported).
 */
static int
next_member(struct reader *r)
{
	uint64_t junk = 0;

	if (zin_fill(r, 2) != 0)
		return -1;
	if (r->zs.avail_in == 0)
		return 0;
	if (r->zs.next_in[0] == 0x1f && (r->zs.avail_in == 1 ||
	    r->zs.next_in[1] == 0x8b)) {
		/* one byte of a header: the zlib error at the end says so */
		inflateReset(&r->zs);
		r->zend = 0;
		return 1;
	}
	do {
		junk += r->zs.avail_in;
		r->zs.avail_in = 0;
		if (zin_fill(r, 1) != 0)
			return -1;
	} while (r->zs.avail_in > 0);
	jn_warn("%s: %llu byte%s of trailing garbage after the compressed "
	    "data ignored", r->name, (unsigned long long)junk,
	    junk == 1 ? "" : "s");
	return 0;
}

/*
 * Inflate up to n bytes of a gzip stream into p.  Returns the count (0
 * at the end), or -1 (reported) on corrupt data, and at an end of input
 * inside a member: a file cut short is an error, not half of one.
 */
static ssize_t
read_gzip(struct reader *r, char *p, size_t n)
{
	size_t done = 0;
	int rc;

	while (done < n) {
		if (r->zend) {
			if ((rc = next_member(r)) < 0)
				return -1;
			if (rc == 0)
				break;
		}
		if (zin_fill(r, 1) != 0)
			return -1;
		if (r->zs.avail_in == 0)
			return jn_error("%s: unexpected end of compressed data "
			    "(file cut short?)", r->name);
		r->zs.next_out = (unsigned char *)p + done;
		r->zs.avail_out = (uInt)(n - done);
		rc = inflate(&r->zs, Z_NO_FLUSH);
		done = n - r->zs.avail_out;
		if (rc == Z_STREAM_END)
			r->zend = 1;
		else if (rc == Z_MEM_ERROR)
			return jn_error("out of memory");
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return jn_error("%s: bad compressed data: %s", r->name,
			    r->zs.msg ? r->zs.msg : "corrupt");
	}
	return (ssize_t)done;
}

/* Read up to n bytes of the file, as it is stored (plain, gzip, stream). */
static ssize_t
read_raw(struct reader *r, char *p, size_t n)
{
	return r->kind == IN_PLAIN ? read_plain(r, p, n) : r->kind ==
	    IN_GZIP ? read_gzip(r, p, n) : read_stream(r, p, n);
}

/* Report the converter's error: "FILE[:LINE]: message".  Returns -1. */
static int
xes_error(struct reader *r)
{
	uint64_t line;
	const char *msg = jn_xes_error(r->xes, &line);

	if (line > 0)
		return jn_error("%s:%llu: %s", r->name,
		    (unsigned long long)line, msg);
	return jn_error("%s: %s", r->name, msg);
}

/*
 * XES: up to n bytes of NDJSON lines converted from the file, reading
 * and converting more of it when none are left.  Returns the count (0 at
 * the end), or -1 (reported).
 */
static ssize_t
read_xes(struct reader *r, char *p, size_t n)
{
	size_t got;

	while ((got = jn_xes_read(r->xes, p, n)) == 0 && !r->xeof) {
		ssize_t k;

		if (r->xraw == NULL)
			r->xraw = jn_xmalloc(READ_CHUNK);
		if ((k = read_raw(r, r->xraw, READ_CHUNK)) < 0)
			return -1;
		r->bytes += (size_t)k;
		r->xeof = k == 0;
		if (jn_xes_feed(r->xes, r->xraw, (size_t)k, r->xeof) != 0)
			return xes_error(r);
	}
	return (ssize_t)got;
}

/* ---- buffering ---- */

/*
 * Make sure at least want bytes are buffered from pos on (fewer at end of
 * file).  JN_NDJSON_PADDING readable bytes follow the data.  Returns 0 or
 * -1 (reported).
 */
static int
fill(struct reader *r, size_t want)
{
	r->blk = NULL;
	while (!r->eof && r->len - r->pos < want) {
		ssize_t n;

		if (r->jobs != NULL ? seal_batch(r) != 0 :
		    flush_pending(r) != 0)
			return -1;
		if (r->pos > 0) {
			assert(r->buf != NULL);
			memmove(r->buf, r->buf + r->pos, r->len - r->pos);
			r->len -= r->pos;
			r->pos = 0;
		}
		if (r->cap - r->len < READ_CHUNK + JN_NDJSON_PADDING)
			r->buf = jn_xgrow(r->buf, &r->cap,
			    r->len + READ_CHUNK + JN_NDJSON_PADDING, 1);
		n = r->xes != NULL ? read_xes(r, r->buf + r->len,
		    READ_CHUNK) : read_raw(r, r->buf + r->len, READ_CHUNK);
		if (n < 0)
			return -1;
		if (n == 0)
			r->eof = 1;
		r->len += (size_t)n;
		if (r->xes == NULL)
			r->bytes += (size_t)n;
		progress(r, 0);
		/* following a stream: on as soon as a line is complete */
		if (r->opts->follow && n > 0 && memchr(r->buf + r->len -
		    (size_t)n, '\n', (size_t)n) != NULL)
			break;
	}
	memset(r->buf + r->len, 0, JN_NDJSON_PADDING);
	return 0;
}

/* ---- framing ---- */

/*
 * End of the CSV record starting at p (quote-aware: a newline inside a
 * quoted field belongs to the record).  Returns the offset of the
 * terminating newline, or n when the data ends first; *complete is 1 at a
 * newline, 0 when the data ended before one, -1 when it ended inside
 * quotes.
 */
static size_t
csv_record_end(const char *p, size_t n, char delim, int *complete)
{
	size_t i = 0;
	int at_start = 1, quoted = 0;

	*complete = 0;
	while (i < n) {
		char c = p[i];

		if (quoted) {
			if (c == '"') {
				if (i + 1 < n && p[i + 1] == '"') {
					i += 2;
					continue;
				}
				if (i + 1 == n)
					return n;	/* need more to decide */
				quoted = 0;
			}
			i++;
			continue;
		}
		if (c == '\n') {
			*complete = 1;
			return i;
		}
		if (c == '"' && at_start) {
			quoted = 1;
			at_start = 0;
		} else {
			at_start = (c == delim);
		}
		i++;
	}
	/* the data ended inside quotes: at end of file, a broken record */
	if (quoted)
		*complete = -1;
	return n;
}

/*
 * Frame the next record: sets *start, *rlen (without terminator) and
 * consumes it with its terminator.  Returns 1 with a record, 0 at end of
 * file, -1 on error (reported).
 */
#ifdef CSV_SSE2
static inline __attribute__((always_inline)) size_t csv_scan_line(
    struct reader *r, const char *p, size_t n, int split);
#endif

static int
next_record(struct reader *r, size_t *start, size_t *rlen, uint64_t *nl)
{
	size_t end;
	int complete;

	for (;;) {
		const char *p = r->buf + r->pos;
		size_t avail = r->len - r->pos;
		const char *q;
		int quoted = 0;

		*nl = 0;
		r->presplit = 0;
		end = SIZE_MAX;
#ifdef CSV_SSE2
		/* CSV: the line end and the fields in one pass with one
		 * thread, the line end alone for the workers to split */
		if (r->format != JN_IN_NDJSON) {
			int split = r->jobs == NULL && !r->opts->raw_only &&
			    r->delim != '\r';

			end = split ? csv_scan_line(r, p, avail, 1) :
			    csv_scan_line(r, p, avail, 0);
			r->presplit = split && end != SIZE_MAX;
		} else
#endif
		if ((q = memchr(p, '\n', avail)) != NULL &&
		    (r->format == JN_IN_NDJSON ||
		    memchr(p, '"', (size_t)(q - p)) == NULL))
			end = (size_t)(q - p);
		if (end != SIZE_MAX) {
			complete = 1;
		} else if (r->format == JN_IN_NDJSON) {
			end = avail;
			complete = 0;
		} else {
			end = csv_record_end(p, avail, r->delim, &complete);
			quoted = 1;
		}
		if (complete == 1 || r->eof) {
			size_t k;

			if (avail == 0)
				return 0;
			*start = r->pos;
			*rlen = end;
			r->pos += complete == 1 ? end + 1 : end;
			r->unterminated = complete == -1;
			/* count newlines inside a quoted CSV record */
			for (k = 0; quoted && k < end; k++)
				*nl += (p[k] == '\n');
			if (end > 0 && p[end - 1] == '\r')
				(*rlen)--;
			return 1;
		}
		/* fill() has parsed the lines before it (pending) */
		if (avail >= MAX_RECORD)
			return jn_error("%s:%llu: record longer than %zu MiB",
			    r->name, (unsigned long long)r->line,
			    MAX_RECORD >> 20);
		if (fill(r, avail + READ_CHUNK) != 0)
			return -1;
	}
}

/* ---- CSV/TSV fields ---- */

/* Room for at least one more field (the rare case: add_field stays small). */
static void
more_fields(struct reader *r)
{
	r->fields = jn_xgrow(r->fields, &r->fieldcap, r->nfields + 1,
	    sizeof *r->fields);
}

static inline void
add_field(struct reader *r, const char *p, size_t n)
{
	if (r->nfields == r->fieldcap)
		more_fields(r);
	r->fields[r->nfields].ptr = p;
	r->fields[r->nfields++].len = n;
}

/*
 * libcsv hands over each unquoted field; it goes to the row buffer, and
 * the field remembers its offset until the record is complete (the buffer
 * may move while it grows).
 */
static void
csv_field_cb(void *s, size_t n, void *data)
{
	struct reader *r = data;

	r->row = jn_xgrow(r->row, &r->rowcap, r->rowlen + n + 1, 1);
	if (n > 0)
		memcpy(r->row + r->rowlen, s, n);
	r->row[r->rowlen + n] = '\0';
	add_field(r, (const char *)(uintptr_t)r->rowlen, n);
	r->rowlen += n + 1;
}

static void
csv_row_cb(int c, void *data)
{
	struct reader *r = data;

	(void)c;
	r->rows++;
}

/* libcsv trims blanks around fields by default; we keep bytes as they are */
static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

/*
 * libcsv ends a row at a carriage return as at a newline, but a record
 * comes framed, its newlines outside quotes gone: a carriage return in it
 * is a byte of its field, as the quick split without libcsv keeps it.
 */
static int
no_term(unsigned char c)
{
	(void)c;
	return 0;
}

#if defined(__GNUC__) && defined(__SSE2__)
#define SPLIT_PLAIN 1

/* The bits of x that are set (no popcnt instruction on baseline x86-64). */
static inline size_t
bit_count(uint64_t x)
{
	x -= (x >> 1) & UINT64_C(0x5555555555555555);
	x = (x & UINT64_C(0x3333333333333333)) +
	    ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (size_t)((x * UINT64_C(0x0101010101010101)) >> 56);
}

/* Bit k for each byte k of the 16 in v equal to those of c. */
static inline uint64_t
bits16(__m128i v, __m128i c)
{
	return (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, c));
}

/*
 * Bitmaps of the 64 bytes at p, bit k for p[k]: the delimiter (repeated
 * in dv) returned, in *s the quotes and, with lines, the newlines too (a
 * quote is rare: which one comes first is then read from the byte).
 */
static inline uint64_t
block_bits(const char *p, __m128i dv, int lines, uint64_t *s)
{
	const __m128i qv = _mm_set1_epi8('"'), nv = _mm_set1_epi8('\n');
	__m128i v0, v1, v2, v3;

	v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
	v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	v2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
	v3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
	if (lines) {
		*s = (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(v0, qv), _mm_cmpeq_epi8(v0, nv))) |
		    (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(v1, qv), _mm_cmpeq_epi8(v1, nv))) << 16 |
		    (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(v2, qv), _mm_cmpeq_epi8(v2, nv))) << 32 |
		    (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(v3, qv), _mm_cmpeq_epi8(v3, nv))) << 48;
	} else {
		*s = bits16(v0, qv) | bits16(v1, qv) << 16 |
		    bits16(v2, qv) << 32 | bits16(v3, qv) << 48;
	}
	return bits16(v0, dv) | bits16(v1, dv) << 16 | bits16(v2, dv) << 32 |
	    bits16(v3, dv) << 48;
}

/*
 * The fields that the delimiters d of the block at p + i end, from
 * p + *from, the nf-th on: kept up to the keep-th, only counted after
 * it.  Returns the count of fields so far.
 */
static inline size_t
block_fields(struct reader *r, const char *p, size_t i, uint64_t d,
    size_t nf, size_t keep, size_t *from)
{
	struct jn_value *f;

	if (d != 0 && nf < keep) {
		/* room for every field a block can end, and one more */
		if (r->fieldcap < nf + 66) {
			r->nfields = nf;
			r->fields = jn_xgrow(r->fields, &r->fieldcap, nf + 66,
			    sizeof *r->fields);
		}
		f = r->fields;
		do {
			size_t at = i + (size_t)__builtin_ctzll(d);

			f[nf].ptr = p + *from;
			f[nf++].len = at - *from;
			*from = at + 1;
			d &= d - 1;
		} while (d != 0 && nf < keep);
	}
	return d != 0 ? nf + bit_count(d) : nf;
}

/*
 * Split a record without a quote at its delimiters, 64 bytes at a time
 * (SSE2, the x86-64 baseline: bitmaps of the delimiters and quotes, then
 * a bit per field).  Fields up to the keep-th are kept, those after it
 * only counted: the record's width is checked against the header's, but
 * no slot takes them.  Reads up to 63 bytes past the record, masked out:
 * the input buffer has them (JN_NDJSON_PADDING bytes follow its data).
 * Returns 0, or -1 at the first quote (the fields found are then void).
 */
static int
split_plain(struct reader *r, const char *p, size_t n, size_t keep)
{
	const __m128i dv = _mm_set1_epi8(r->delim);
	size_t i, from = 0, nf = 0;

	for (i = 0; i < n; i += 64) {
		uint64_t q, d = block_bits(p + i, dv, 0, &q);

		if (n - i < 64) {
			uint64_t live = (UINT64_C(1) << (n - i)) - 1;

			q &= live;
			d &= live;
		}
		if (q != 0)
			return -1;
		nf = block_fields(r, p, i, d, nf, keep, &from);
	}
	r->nfields = nf;
	if (nf < keep)
		add_field(r, p + from, n - from);
	else
		r->nfields++;
	return 0;
}

/*
 * Frame the CSV record at p = buf + pos, n bytes to the end of the data,
 * and, when split, split it in the same pass, as split_plain would the
 * record without its line end: the offset of the first newline when no
 * quote comes before it, else SIZE_MAX (a quoted record, or one not whole
 * in p).  Splitting, the blocks are those of buf, 64-byte aligned from
 * its start, and the last one's bitmaps are kept for the next line, which
 * most often starts in it: each byte is compared once.  Reads up to 63
 * bytes past the data, as split_plain.  Inline, for a copy without the
 * fields.
 */
static inline __attribute__((always_inline)) size_t
csv_scan_line(struct reader *r, const char *p, size_t n, int split)
{
	const __m128i dv = _mm_set1_epi8(r->delim);
	size_t skew = split ? r->pos & 63 : 0, lim = n + skew;
	size_t i, from = skew, nf = 0, keep = split ? r->keep : 0;
	const char *b = p - skew;	/* offsets below are from b */

	for (i = 0; i < lim; i += 64) {
		uint64_t s, d, live = lim - i < 64 ?
		    (UINT64_C(1) << (lim - i)) - 1 : ~UINT64_C(0);
		size_t end, last;

		if (split && b + i == r->blk) {
			d = r->blk_d;
			s = r->blk_s;
		} else {
			d = block_bits(b + i, dv, 1, &s);
			if (split) {
				r->blk = b + i;
				r->blk_d = d;
				r->blk_s = s;
			}
		}
		if (i == 0)
			live &= ~UINT64_C(0) << skew;
		if ((s &= live) == 0) {
			if (split)
				nf = block_fields(r, b, i, d & live, nf, keep,
				    &from);
			continue;
		}
		end = i + (size_t)__builtin_ctzll(s);
		if (b[end] != '\n')
			return SIZE_MAX;	/* a quote first */
		if (!split)
			return end;
		nf = block_fields(r, b, i, d & live & ((s & -s) - 1), nf, keep,
		    &from);
		/* a CRLF line's record ends before its CR */
		last = end > from && b[end - 1] == '\r' ? end - 1 : end;
		r->nfields = nf;
		if (nf < keep)
			add_field(r, b + from, last - from);
		else
			r->nfields++;
		return end - skew;
	}
	return SIZE_MAX;
}
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SPLIT_PLAIN 1
#define ONES UINT64_C(0x0101010101010101)

/* 0x80 in each byte of x that equals the byte repeated in pat, else 0. */
static uint64_t
bytes_equal(uint64_t x, uint64_t pat)
{
	uint64_t t = x ^ pat;

	/* exact: no borrow crosses bytes, as in (t - ONES) & ~t */
	return ~(((t & 0x7f * ONES) + 0x7f * ONES) | t) & 0x80 * ONES;
}

/*
 * Split a record without a quote at its delimiters, eight bytes at a
 * time: one pass finds both the delimiters and any quote, where a memchr
 * per field (most are a few bytes) cost more in calls than in bytes.
 * Keeps every field (keep, the fields a record needs, is a lower bound).
 * Returns 0, or -1 at the first quote (the fields found are then void).
 */
static int
split_plain(struct reader *r, const char *p, size_t n, size_t keep)
{
	const uint64_t dpat = ONES * (unsigned char)r->delim, qpat = ONES * '"';
	size_t i = 0, from = 0;

	(void)keep;
	for (; i + 8 <= n; i += 8) {
		uint64_t w, m;

		memcpy(&w, p + i, sizeof w);
		if (bytes_equal(w, qpat) != 0)
			return -1;
		for (m = bytes_equal(w, dpat); m != 0; m &= m - 1) {
			size_t at = i + (size_t)__builtin_ctzll(m) / 8;

			add_field(r, p + from, at - from);
			from = at + 1;
		}
	}
	for (; i < n; i++) {
		if (p[i] == '"')
			return -1;
		if (p[i] == r->delim) {
			add_field(r, p + from, i - from);
			from = i + 1;
		}
	}
	add_field(r, p + from, n - from);
	return 0;
}
#endif

/*
 * Split a record into fields: in place when it has no quote (the common
 * case: fields then point into the input buffer, unterminated; only the
 * first keep are sure to be kept, but all are counted), else through
 * libcsv into the row buffer, which takes any quoting: a quote inside
 * a field, or after a closed one, is a byte of it.  Returns 0, or -1
 * when libcsv cannot start (reported).
 */
static int
split_fields(struct reader *r, const char *p, size_t n, size_t keep)
{
	r->rowlen = 0;
	r->in_row = 0;
	if (r->presplit) {
		r->presplit = 0;
		return 0;
	}
	r->nfields = 0;
#ifdef SPLIT_PLAIN
	if (split_plain(r, p, n, keep) == 0)
		return 0;
	r->nfields = 0;
#else
	(void)keep;
	if (memchr(p, '"', n) == NULL) {
		const char *end = p + n, *q;

		for (;;) {
			q = memchr(p, r->delim, (size_t)(end - p));
			if (q == NULL) {
				add_field(r, p, (size_t)(end - p));
				return 0;
			}
			add_field(r, p, (size_t)(q - p));
			p = q + 1;
		}
	}
#endif
	if (!r->have_csv) {
		if (csv_init(&r->csv, 0) != 0)
			return jn_error("out of memory");
		csv_set_space_func(&r->csv, no_space);
		csv_set_term_func(&r->csv, no_term);
		r->have_csv = 1;
	}
	csv_set_delim(&r->csv, (unsigned char)r->delim);
	r->rows = 0;
	csv_parse(&r->csv, p, n, csv_field_cb, csv_row_cb, r);
	/* the record has no terminator: fini ends its last field and row */
	csv_fini(&r->csv, csv_field_cb, csv_row_cb, r);
	assert(r->rows == 1);	/* no byte ends a row early */
	r->in_row = 1;
	return 0;
}

/* Turn libcsv's field offsets into pointers, once the row is final. */
static void
resolve_fields(struct reader *r)
{
	size_t i;

	if (!r->in_row)
		return;
	for (i = 0; i < r->nfields; i++)
		r->fields[i].ptr = r->row + (uintptr_t)r->fields[i].ptr;
	r->in_row = 0;
}

static int
emit(struct reader *r)
{
	r->records++;
	return r->fn(r->ctx, &r->rec);
}

static void
clear_values(struct reader *r)
{
	size_t i;

	for (i = 0; i < r->schema->nslots; i++) {
		r->rec.vals[i].ptr = NULL;
		r->rec.vals[i].len = 0;
	}
}

/* Whether field[0..n) folds to what name folds to (jn_field_fold). */
static int
same_folded(const char *field, size_t n, const char *name)
{
	char a[64], b[64];
	size_t na, nb;

	na = jn_field_fold(field, n, a, sizeof a);
	nb = jn_field_fold(name, strlen(name), b, sizeof b);
	return na != SIZE_MAX && na > 0 && na == nb && memcmp(a, b, na) == 0;
}

/*
 * Which known table a header is, by its first columns, or by those after
 * the first (a --by group): the output of one of the toolkit's tools is
 * no event log.  NULL when none.
 */
static const char *
tool_table(const char *h, size_t n)
{
	static const struct {
		const char *cols, *tool;
	} known[] = {
		{ "step,name,count,conversion,", "jfunnel" },
		{ "cohort,period,units,retained,", "jretain" },
		{ "active_periods,units,rate", "jretain" },
		{ "period,kpi,value,numerator,", "jwatch" },
		{ "segment,users,share,", "jsegment" },
		{ "kind,touchpoint,detail,", "jfriction" },
		{ "rank,priority,score,", "jscore" },
	};
	const char *comma = memchr(h, ',', n);
	size_t i, len, rest = comma ? n - (size_t)(comma + 1 - h) : 0;

	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		len = strlen(known[i].cols);
		if ((n >= len && memcmp(h, known[i].cols, len) == 0) ||
		    (rest >= len && memcmp(comma + 1, known[i].cols, len) == 0))
			return known[i].tool;
	}
	return NULL;
}

/*
 * The likely reason why header h[0..n) of a file read with separator
 * delim has no user or time field, as advice after "; ", or NULL.
 */
static const char *
header_cause(const char *h, size_t n, char delim, char *buf, size_t size)
{
	static const char seps[] = ";\t|,";
	const char *tool;
	size_t i;

	while (n > 0 && (*h == ' ' || *h == '\t')) {
		h++;
		n--;
	}
	if (n > 0 && *h == '<') {
		snprintf(buf, size, "this is XML (an XES event log?), not "
		    "CSV: -I xes reads XES");
		return buf;
	}
	if (n > 0 && *h == '[') {
		snprintf(buf, size, "this is a JSON array, not CSV: "
		    "jq -c '.[]' makes NDJSON of it");
		return buf;
	}
	if ((tool = tool_table(h, n)) != NULL) {
		snprintf(buf, size, "this is %s's output table, not events: "
		    "give the tool the event log", tool);
		return buf;
	}
	/* one field that another separator would split */
	if (memchr(h, delim, n) == NULL)
		for (i = 0; seps[i] != '\0'; i++) {
			char one[4] = { '\'', seps[i], '\'', '\0' };

			if (seps[i] == delim || memchr(h, seps[i], n) == NULL)
				continue;
			snprintf(buf, size, "the header is one field with "
			    "%s in it: use --delimiter %s", seps[i] == '\t' ?
			    "tabs" : one, seps[i] == '\t' ? "tab" : one);
			return buf;
		}
	return NULL;
}

static int
missing_field(const struct reader *r, const struct jn_slot *slot, size_t s,
    const char *hdr, size_t hlen)
{
	char names[512], q[160], why[160];
	const char *cause;
	size_t k, o = 0;

	names[0] = '\0';
	for (k = 0; k < slot->nnames && o < sizeof names; k++)
		o += (size_t)snprintf(names + o, sizeof names - o, "%s%s",
		    k ? ", " : "", slot->names[k]);
	cause = header_cause(hdr, hlen, r->delim, why, sizeof why);
	return jn_error("%s:%llu: no field %s%s%s in the header '%s'%s%s%s%s",
	    r->name, (unsigned long long)r->rec.line, slot->nnames > 1 ?
	    "among " : "", names, slot->loose ? " (any case or separators)" :
	    "", jn_quote(q, sizeof q, hdr, hlen),
	    cause ? "; " : "", cause ? cause : "",
	    r->opts->required_hint[s] ? cause ? "; or use " : "; use " : "",
	    r->opts->required_hint[s] ? r->opts->required_hint[s] : "");
}

/* A record's fields are kept up to the last column a slot takes. */
static void
set_keep(struct reader *r)
{
	size_t s;

	r->keep = 0;
	for (s = 0; s < r->schema->nslots; s++)
		if (r->colof[s] >= 0 && (size_t)r->colof[s] + 1 > r->keep)
			r->keep = (size_t)r->colof[s] + 1;
}

static int
csv_header(struct reader *r, const char *p, size_t n)
{
	size_t s, c, k;

	if (split_fields(r, p, n, SIZE_MAX) != 0)
		return -1;
	resolve_fields(r);
	r->ncols = r->nfields;
	for (s = 0; s < r->schema->nslots; s++) {
		const struct jn_slot *slot = &r->schema->slots[s];

		r->colof[s] = -1;
		for (k = 0; k < slot->nnames && r->colof[s] < 0; k++) {
			size_t len = strlen(slot->names[k]);

			for (c = 0; c < r->nfields; c++)
				if (r->fields[c].len == len &&
				    memcmp(r->fields[c].ptr, slot->names[k],
				    len) == 0) {
					r->colof[s] = (int)c;
					break;
				}
			/* else the first column that folds to the name */
			for (c = 0; slot->loose && c < r->nfields &&
			    r->colof[s] < 0; c++)
				if (same_folded(r->fields[c].ptr,
				    r->fields[c].len, slot->names[k]))
					r->colof[s] = (int)c;
		}
		if (r->colof[s] < 0 && (r->opts->required >> s & 1))
			return missing_field(r, slot, s, p, n);
	}
	set_keep(r);
	return 0;
}

static size_t
copy_bytes(char *dst, const char *src, size_t n)
{
	if (n > 0)
		memmove(dst, src, n);	/* jn_tsv_unescape may decode in place */
	return n;
}

/*
 * A CSV field's bytes to the row, which never overlaps them: most fields
 * are short (ids, names, numbers), and copied inline as two overlapping
 * words, without a call and without touching bytes outside either.
 */
static size_t
copy_field(char *dst, const char *src, size_t n)
{
	uint64_t a, b;
	uint32_t c, d;

	if (n >= 8 && n <= 16) {
		memcpy(&a, src, 8);
		memcpy(&b, src + n - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + n - 8, &b, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(&c, src, 4);
		memcpy(&d, src + n - 4, 4);
		memcpy(dst, &c, 4);
		memcpy(dst + n - 4, &d, 4);
	} else if (n > 0 && n < 4) {
		dst[0] = src[0];
		dst[n / 2] = src[n / 2];
		dst[n - 1] = src[n - 1];
	} else if (n > 16) {
		memcpy(dst, src, n);
	}
	return n;
}

/*
 * A TSV field's value: \t, \n, \r and \\ decoded, as the writer's TSV
 * (jn_tsv_field) encodes them, so that a table read back is the table
 * written; a backslash before any other byte stays as it is.  Writes at
 * most n bytes to dst (which may be src) and returns how many.
 */
size_t
jn_tsv_unescape(char *dst, const char *src, size_t n)
{
	const char *bs = n > 0 ? memchr(src, '\\', n) : NULL;
	size_t i, k;

	if (bs == NULL)
		return copy_bytes(dst, src, n);
	k = copy_bytes(dst, src, (size_t)(bs - src));
	for (i = (size_t)(bs - src); i < n; i++) {
		char c = src[i];

		if (c == '\\' && i + 1 < n) {
			switch (src[i + 1]) {
			case 't': c = '\t'; i++; break;
			case 'n': c = '\n'; i++; break;
			case 'r': c = '\r'; i++; break;
			case '\\': i++; break;
			default: break;
			}
		}
		dst[k++] = c;
	}
	return k;
}

/*
 * A CSV/TSV record: its wanted values, NUL-terminated.  Split in place
 * (no quote) and not TSV (whose escapes a value decodes), each value is
 * left where it is and ended by a NUL over the delimiter or line end
 * after it: the buffer is the reader's own, and the padding after its
 * data holds the NUL of a last line without a newline.  Copying the
 * values out instead cost a seventh of jfriction's time, which keeps
 * every column.  While the callback has such a record, jn_badrec_add
 * knows to put the delimiters back.  Other records are copied to the
 * row, after libcsv's values.
 */
static int
csv_record(struct reader *r, const char *p, size_t n)
{
	size_t s, need = 0, off;
	int bad = split_fields(r, p, n, r->keep), in_place, rc;

	if (bad != 0)
		return -1;
	if (r->unterminated) {
		r->records++;
		return jn_badrec_add(r->bad, &r->rec, "quoted field not closed "
		    "before the end of the input");
	}
	if (r->nfields != r->ncols) {
		r->records++;
		return jn_badrec_add(r->bad, &r->rec,
		    "expected %zu fields, got %zu", r->ncols, r->nfields);
	}
	in_place = !r->in_row && r->format != JN_IN_TSV && !r->opts->keep_raw;
	if (!in_place) {
		for (s = 0; s < r->schema->nslots; s++)
			if (r->colof[s] >= 0)
				need += r->fields[r->colof[s]].len + 1;
		r->row = jn_xgrow(r->row, &r->rowcap, r->rowlen + need, 1);
		resolve_fields(r);
	}
	off = r->rowlen;
	for (s = 0; s < r->schema->nslots; s++) {
		const struct jn_value *f;
		struct jn_value *v = &r->rec.vals[s];
		int c = r->colof[s];

		if (c < 0) {
			v->ptr = NULL;
			v->len = 0;
			continue;
		}
		f = &r->fields[c];
		if (in_place) {
			*v = *f;
			((char *)(uintptr_t)f->ptr)[f->len] = '\0';
			continue;
		}
		v->ptr = r->row + off;
		v->len = r->format == JN_IN_TSV ? jn_tsv_unescape(r->row + off,
		    f->ptr, f->len) : copy_field(r->row + off, f->ptr, f->len);
		r->row[off + v->len] = '\0';
		off += v->len + 1;
	}
	if (!in_place)
		return emit(r);
	r->bad->ended = &r->rec;
	r->bad->ended_by = r->delim;
	rc = emit(r);
	r->bad->ended_by = 0;
	return rc;
}

/* ---- NDJSON fields ---- */

/* The keyname of name[0..len) (folded when loose), added if new. */
static struct keyname *
add_key(struct reader *r, const char *name, size_t len, int loose)
{
	struct keyname *kn;
	size_t i, h;

	for (i = 0; i < r->nkeys; i++)
		if (r->keys[i].loose == loose && r->keys[i].len == len &&
		    memcmp(r->keys[i].name, name, len) == 0)
			return &r->keys[i];
	assert(r->nkeys < sizeof r->keys / sizeof r->keys[0]);
	kn = &r->keys[r->nkeys];
	kn->loose = loose;
	if (loose) {
		memcpy(kn->fold, name, len);
		name = kn->fold;
	}
	kn->name = name;
	kn->len = len;
	kn->hash = jn_hash(name, len) + (uint64_t)loose;
	kn->nuse = 0;
	h = kn->hash & (KEYTAB - 1);
	while (r->keytab[h] != 0)
		h = (h + 1) & (KEYTAB - 1);
	r->keytab[h] = (unsigned short)(++r->nkeys);
	return kn;
}

/* Slot s may take its rank-k value from the key kn, unless it already may. */
static void
add_use(struct keyname *kn, size_t s, size_t k)
{
	unsigned u;

	for (u = 0; u < kn->nuse; u++)
		if (kn->slot[u] == s)
			return;
	kn->slot[kn->nuse] = (unsigned char)s;
	kn->rank[kn->nuse++] = (unsigned char)k;
}

/*
 * The key table: each name a slot asks for, exactly, and each default
 * name folded.  A key is looked up as it is, then folded; a key that an
 * exact name takes also fills the default slots its folded form would.
 */
static void
build_keys(struct reader *r)
{
	const struct jn_schema *sc = r->schema;
	struct keyname *kn;
	size_t s, k, i, j, n;
	char fold[32];

	r->nkeys = 0;
	r->nloose = 0;
	memset(r->keytab, 0, sizeof r->keytab);
	for (s = 0; s < sc->nslots; s++)
		for (k = 0; k < sc->slots[s].nnames; k++) {
			const char *name = sc->slots[s].names[k];

			if (!sc->slots[s].loose) {
				add_use(add_key(r, name, strlen(name), 0), s,
				    k);
				continue;
			}
			n = jn_field_fold(name, strlen(name), fold,
			    sizeof fold);
			if (n == SIZE_MAX || n == 0)
				continue;
			add_use(add_key(r, fold, n, 1), s, k);
			r->nloose++;
		}
	for (i = 0; i < r->nkeys && r->nloose > 0; i++) {
		if (r->keys[i].loose)
			continue;
		n = jn_field_fold(r->keys[i].name, r->keys[i].len, fold,
		    sizeof fold);
		for (j = 0; n != SIZE_MAX && j < r->nkeys; j++) {
			kn = &r->keys[j];
			if (kn->loose && kn->len == n &&
			    memcmp(kn->name, fold, n) == 0)
				for (k = 0; k < kn->nuse; k++)
					add_use(&r->keys[i], kn->slot[k],
					    kn->rank[k]);
		}
	}
	/* dotted names reach into nested values too (journey(7)) */
	for (i = 0; i < r->nkeys; i++)
		jn_ndjson_add_path(r->json, r->keys[i].name, r->keys[i].len,
		    (int)i);
}

static int
lookup_key(const struct reader *r, const char *key, size_t len)
{
	uint64_t hash = jn_hash(key, len);
	size_t h = hash & (KEYTAB - 1);
	unsigned short v;
	char fold[32];

	while ((v = r->keytab[h]) != 0) {
		const struct keyname *kn = &r->keys[v - 1];

		if (kn->hash == hash && !kn->loose && kn->len == len &&
		    jn_same_bytes(kn->name, key, len))
			return v - 1;
		h = (h + 1) & (KEYTAB - 1);
	}
	if (r->nloose == 0 || (len = jn_field_fold(key, len, fold,
	    sizeof fold)) == SIZE_MAX || len == 0)
		return -1;
	hash = jn_hash(fold, len) + 1;
	for (h = hash & (KEYTAB - 1); (v = r->keytab[h]) != 0;
	    h = (h + 1) & (KEYTAB - 1)) {
		const struct keyname *kn = &r->keys[v - 1];

		if (kn->hash == hash && kn->loose && kn->len == len &&
		    memcmp(kn->name, fold, len) == 0)
			return v - 1;
	}
	return -1;
}

/* Keys reach here once per position and kind of line (the parser caches). */
static int
json_key(void *ctx, const char *key, size_t len)
{
	return lookup_key(ctx, key, len);
}

/* valoff of a value that lies in the line, ended in place. */
#define IN_LINE SIZE_MAX

/*
 * Whether val[0..len) is a string of the line that can be ended in place:
 * its closing quote follows it (the fast path's strings have no escapes;
 * simdjson's unescaped strings and every number lie elsewhere or end
 * otherwise), raw need not be kept, and there is room to note the NUL.
 */
static int
json_in_line(const struct reader *r, const char *val, size_t len)
{
	return !r->opts->keep_raw && val >= r->lines_lo &&
	    val + len < r->lines_hi && val[len] == '"' &&
	    r->nnul < sizeof r->nul_at / sizeof r->nul_at[0];
}

static void
json_val(void *ctx, int tag, const char *val, size_t len)
{
	struct reader *r = ctx;
	const struct keyname *kn = &r->keys[tag];
	size_t u, off = r->rowlen;
	int stored = 0;

	for (u = 0; u < kn->nuse; u++) {
		size_t s = kn->slot[u];
		int k = kn->rank[u];

		/* an earlier candidate wins; a repeated key wins */
		if (r->rank[s] >= 0 && r->rank[s] < k)
			continue;
		if (!stored && json_in_line(r, val, len)) {
			/*
			 * No copy, as CSV values: most values are such
			 * strings (memmove fell from 2.2% to 0.5% of
			 * jfriction's samples on the 10M NDJSON).
			 */
			char *end = (char *)(uintptr_t)(val + len);

			*end = '\0';
			r->nul_at[r->nnul++] = end;
			off = IN_LINE;
			stored = 1;
		} else if (!stored) {
			r->row = jn_xgrow(r->row, &r->rowcap,
			    r->rowlen + len + 1, 1);
			memcpy(r->row + off, val, len);
			r->row[off + len] = '\0';
			r->rowlen += len + 1;
			stored = 1;
		}
		r->rank[s] = k;
		r->valoff[s] = off;
		r->rec.vals[s].ptr = val;	/* if IN_LINE */
		r->rec.vals[s].len = len;
	}
}

/* A line's values start out absent. */
static void
json_begin(struct reader *r)
{
	size_t s;

	r->rowlen = 0;
	r->nnul = 0;
	for (s = 0; s < r->schema->nslots; s++) {
		r->rank[s] = -1;
		r->rec.vals[s].ptr = NULL;
		r->rec.vals[s].len = 0;
	}
}

/* The line in r->rec has been parsed (rc 0) or refused (rc -1). */
static int
json_end(struct reader *r, int rc)
{
	size_t s;
	char msg[256];
	int col;

	if (rc != 0) {
		r->records++;
		jn_ndjson_explain(r->rec.raw, r->rec.rawlen, msg, sizeof msg,
		    &col);
		return jn_badrec_add(r->bad, &r->rec, "%s", msg);
	}
	/* the row buffer may have moved while values arrived */
	for (s = 0; s < r->schema->nslots; s++)
		if (r->rank[s] >= 0 && r->valoff[s] != IN_LINE)
			r->rec.vals[s].ptr = r->row + r->valoff[s];
	if (r->nnul == 0)
		return emit(r);
	r->bad->ended = &r->rec;
	r->bad->ended_by = '"';
	r->bad->ended_at = r->nul_at;
	r->bad->nended_at = r->nnul;
	rc = emit(r);
	r->bad->ended_by = 0;
	r->bad->ended_at = NULL;
	r->bad->nended_at = 0;
	return rc;
}

static void
set_record(struct reader *r, const char *buf, const struct recref *ref,
    uint64_t pos)
{
	r->rec.raw = buf + ref->off;
	r->rec.rawlen = ref->len & ~REF_UNTERMINATED;
	r->rec.line = ref->line;
	r->rec.pos = pos;
	r->unterminated = (ref->len & REF_UNTERMINATED) != 0;
}

static int
json_line_done(void *ctx, size_t i, int rc)
{
	struct reader *r = ctx;

	set_record(r, r->lines_buf, &r->lines_refs[i], r->lines_first + i);
	rc = json_end(r, rc);
	json_begin(r);
	return rc;
}

/*
 * The NDJSON lines refs[0..n) of buf, numbered from first: each emitted
 * or, refused, handed to the bad-record policy, in order.  Returns 0 or
 * -1.
 */
static int
json_lines(struct reader *r, const char *buf, const struct recref *refs,
    size_t n, uint64_t first)
{
	size_t i;

	if (n > r->spancap)
		r->spans = jn_xgrow(r->spans, &r->spancap, n,
		    sizeof *r->spans);
	for (i = 0; i < n; i++) {
		r->spans[i].p = buf + refs[i].off;
		r->spans[i].len = refs[i].len & ~REF_UNTERMINATED;
	}
	r->lines_buf = buf;
	r->lines_refs = refs;
	r->lines_first = first;
	r->lines_lo = n > 0 ? buf + refs[0].off : buf;
	r->lines_hi = n > 0 ? buf + refs[n - 1].off + (refs[n - 1].len &
	    ~REF_UNTERMINATED) : buf;
	json_begin(r);
	return jn_ndjson_parse_lines(r->json, r->spans, n, json_key,
	    json_val, json_line_done, r) != 0 ? -1 : 0;
}

/* Note where a record lies in the read buffer, for parsing later. */
static void
add_ref(struct reader *r, struct recref **refs, size_t *n, size_t *cap,
    size_t start, size_t rlen)
{
	struct recref *ref;

	*refs = jn_xgrow(*refs, cap, *n + 1, sizeof **refs);
	ref = &(*refs)[(*n)++];
	ref->line = r->rec.line;
	ref->off = (uint32_t)start;
	ref->len = (uint32_t)rlen | (r->unterminated ? REF_UNTERMINATED : 0);
}

/* With one thread: parse the lines framed so far, before buf moves. */
static int
flush_pending(struct reader *r)
{
	size_t n = r->npending;

	if (n == 0)
		return 0;
	r->npending = 0;
	return json_lines(r, r->buf, r->pending, n, r->records);
}

/* ---- files ---- */

static int
blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/* p[0..n) without leading and trailing blanks (CR included). */
static const char *
trim(const char *p, size_t *n)
{
	while (*n > 0 && blank(p, 1)) {
		p++;
		(*n)--;
	}
	while (*n > 0 && blank(p + *n - 1, 1))
		(*n)--;
	return p;
}

/*
 * The format of a file from its first bytes p[0..n): NDJSON when its
 * first line that is not blank starts with '{', or when that line is
 * something else but the next is an object (an NDJSON file whose first
 * line is broken: read as CSV, it had no sensible header; as NDJSON the
 * line is a bad record, reported); -1 for a JSON array, which is no
 * input of ours (reported by the caller); else TSV or CSV by the
 * header's separators.  *line is set to the line number of that first
 * line.
 */
static int
detect(const char *p, size_t n, uint64_t *line)
{
	const char *nl, *h, *q;
	size_t hlen, qlen;

	*line = 1;
	/* the header is the first line that is not blank */
	while (n > 0 && (nl = memchr(p, '\n', n)) != NULL &&
	    blank(p, (size_t)(nl - p))) {
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
		(*line)++;
	}
	nl = memchr(p, '\n', n);
	hlen = nl != NULL ? (size_t)(nl - p) : n;
	h = trim(p, &hlen);
	if (hlen > 0 && h[0] == '{')
		return JN_IN_NDJSON;
	if (hlen > 0 && h[0] == '[')
		return -1;
	/* the next line that is not blank, when it is whole in p */
	while (nl != NULL) {
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
		if ((nl = memchr(p, '\n', n)) == NULL)
			break;
		qlen = (size_t)(nl - p);
		q = trim(p, &qlen);
		if (qlen == 0)
			continue;
		if (qlen >= 2 && q[0] == '{' && q[qlen - 1] == '}')
			return JN_IN_NDJSON;
		break;
	}
	return memchr(h, '\t', hlen) != NULL && memchr(h, ',', hlen) ==
	    NULL ? JN_IN_TSV : JN_IN_CSV;
}

/*
 * Whether the first line that is not blank of p[0..n) holds a carriage
 * return that ends no line: old Mac line ends, which would make the
 * whole file one line.
 */
static int
bare_cr(const char *p, size_t n)
{
	const char *nl, *cr;

	while (n > 0 && (nl = memchr(p, '\n', n)) != NULL &&
	    blank(p, (size_t)(nl - p))) {
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	if ((nl = memchr(p, '\n', n)) != NULL)
		n = (size_t)(nl - p);
	while (n > 0 && blank(p + n - 1, 1))
		n--;
	cr = memchr(p, '\r', n);
	return cr != NULL;
}

/*
 * A data record (not a header, not blank) of the current file, but not an
 * NDJSON line to parse: those go many at a time to json_lines.
 */
static int
process_record(struct reader *r, const char *p, size_t rlen)
{
	if (r->opts->raw_only)
		return emit(r);
	assert(r->format != JN_IN_NDJSON);
	return csv_record(r, p, rlen);
}

static int batch_add(struct reader *r, size_t start, size_t rlen);
static int batch_lines(struct reader *r);
static int file_done(struct reader *r);

/*
 * The file is XES: the bytes buffered so far go to a converter, and
 * from now on buf holds the NDJSON lines it makes (journey/xes.h).
 * Returns 0 or -1 (reported).
 */
static int
xes_open(struct reader *r)
{
	r->xes = jn_xes_new();
	r->xeof = r->eof;
	if (jn_xes_feed(r->xes, r->buf + r->pos, r->len - r->pos,
	    r->xeof) != 0)
		return xes_error(r);
	r->pos = r->len = 0;
	r->eof = 0;
	return fill(r, 1);
}

/*
 * A bad XES trace, framed as an empty line: a bad record of the framing
 * thread, so with workers every batch before it is committed first, to
 * keep the bad records in input order.  Returns 0 or -1.
 */
static int
xes_bad(struct reader *r, const struct jn_xes_item *it)
{
	if (r->opts->raw_only)
		return 0;
	if (r->jobs != NULL && drain_batches(r) != 0)
		return -1;
	r->rec.raw = it->raw;
	r->rec.rawlen = it->rawlen;
	r->rec.pos = r->records++;
	return jn_badrec_add(r->bad, &r->rec, "%s", it->reason);
}

static int
read_file(struct reader *r)
{
	size_t start = 0, rlen = 0;
	uint64_t nl, first;
	int header = 1, rc, fmt;

	r->pos = r->len = 0;
	r->eof = 0;
	r->line = 1;
	r->rec.file = r->name;
	if (fill(r, 4096) != 0)
		return -1;
	/* a UTF-8 byte order mark is not part of the first field name */
	if (r->len >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0)
		r->pos = 3;
	if ((r->opts->format == JN_IN_AUTO || r->opts->format == JN_IN_XES) &&
	    jn_xes_detect(r->opts->format == JN_IN_XES, r->name, r->buf +
	    r->pos, r->len - r->pos) && xes_open(r) != 0)
		return -1;
	fmt = detect(r->buf + r->pos, r->len - r->pos, &first);
	if (bare_cr(r->buf + r->pos, r->len - r->pos))
		return jn_error("%s:%llu: lines end with bare carriage returns "
		    "(old Mac line ends): tr '\\r' '\\n' converts them",
		    r->name, (unsigned long long)first);
	if (r->opts->format == JN_IN_AUTO && fmt < 0)
		return jn_error("%s:%llu: a JSON array, not NDJSON (one object "
		    "a line): jq -c '.[]' converts it", r->name,
		    (unsigned long long)first);
	r->format = r->xes != NULL ? JN_IN_NDJSON : r->opts->format !=
	    JN_IN_AUTO ? r->opts->format : (enum jn_input_format)fmt;
	if (r->opts->delim != 0 && r->format != JN_IN_NDJSON) {
		r->delim = r->opts->delim;
		if (r->opts->format == JN_IN_AUTO)
			r->format = r->delim == '\t' ? JN_IN_TSV : JN_IN_CSV;
	} else {
		r->delim = r->format == JN_IN_TSV ? '\t' : ',';
	}
	clear_values(r);
	r->keep = SIZE_MAX;	/* all of the header's fields */
	for (;;) {
		const char *p;

		/* with workers, whole buffers of plain lines go as they are */
		if (r->jobs != NULL && r->xes == NULL && (!header ||
		    r->format == JN_IN_NDJSON) && r->delim != '\r' &&
		    (rc = batch_lines(r)) != 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		if ((rc = next_record(r, &start, &rlen, &nl)) != 1)
			break;
		p = r->buf + start;

		r->rec.raw = p;
		r->rec.rawlen = rlen;
		r->rec.line = r->line;
		r->rec.format = (int)r->format;
		r->rec.pos = r->records;
		r->line += 1 + nl;
		if (r->xes != NULL) {
			struct jn_xes_item it;

			if (jn_xes_pop(r->xes, &it) != 0)
				return jn_error("%s: XES lines out of step",
				    r->name);
			r->rec.line = it.line;
			if (it.bad) {
				if (xes_bad(r, &it) != 0)
					return -1;
				continue;
			}
		}
		if (blank(p, rlen))
			continue;
		if (header && r->format != JN_IN_NDJSON) {
			rc = csv_header(r, p, rlen);
			header = 0;
			if (rc == 0 && r->opts->on_header != NULL)
				rc = r->opts->on_header(r->ctx, &r->rec);
		} else if (r->jobs != NULL) {
			rc = batch_add(r, start, rlen);
		} else if (r->format == JN_IN_NDJSON && !r->opts->raw_only) {
			add_ref(r, &r->pending, &r->npending,
			    &r->pendingcap, start, rlen);
			rc = 0;
		} else {
			rc = process_record(r, p, rlen);
		}
		if (rc != 0)
			return -1;
	}
	if (rc == 0 && r->jobs != NULL)
		rc = file_done(r);
	else if (rc == 0)
		rc = flush_pending(r);
	return rc;
}

/*
 * Whether fd is a plain file to read directly: regular, not empty from
 * its offset on (*at; stdin may be a file read partly), and not gzip.
 */
static int
plain_file(int fd, const struct stat *st, uint64_t *at)
{
	unsigned char magic[2];
	off_t off;

	if (!S_ISREG(st->st_mode) || (off = lseek(fd, 0, SEEK_CUR)) < 0 ||
	    off >= st->st_size)
		return 0;
	if (pread(fd, magic, 2, off) == 2 && magic[0] == 0x1f &&
	    magic[1] == 0x8b)
		return 0;
	*at = (uint64_t)off;
	return 1;
}

/*
 * Whether the regular file fd, followed as it grows, is read as plain:
 * not gzip (a compressed file is not followed), even empty so far.
 */
static int
growing_file(int fd, const struct stat *st, uint64_t *at)
{
	unsigned char magic[2];
	off_t off;

	if ((off = lseek(fd, 0, SEEK_CUR)) < 0)
		return 0;
	if (off < st->st_size && pread(fd, magic, 1, off) == 1 &&
	    magic[0] == 0x1f)
		return 0;
	*at = (uint64_t)off;
	return 1;
}

static void
close_file(struct reader *r)
{
	close(r->fd);
	r->fd = -1;
}

/*
 * Any other input: its first bytes say whether it is gzip (inflated) or
 * not (read as it comes).  Returns 0 or -1 (reported).
 */
static int
open_stream(struct reader *r)
{
	if (r->zin == NULL)
		r->zin = jn_xmalloc(ZIN_CHUNK);
	r->zs.next_in = r->zin;
	r->zs.avail_in = 0;
	r->zeof = r->zend = 0;
	r->kind = IN_STREAM;	/* until its first bytes say gzip */
	if (zin_fill(r, 2) != 0)
		return -1;
	if (r->zs.avail_in < 2 || r->zs.next_in[0] != 0x1f ||
	    r->zs.next_in[1] != 0x8b) {
		r->kind = IN_STREAM;
		return 0;
	}
	r->kind = IN_GZIP;
	if (r->zinit)
		return inflateReset(&r->zs) == Z_OK ? 0 :
		    jn_error("out of memory");
	/* gzip only (16): a zlib or raw stream is no input of ours */
	if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK)
		return jn_error("out of memory");
	r->zinit = 1;
	return 0;
}

static int
open_file(struct reader *r, const char *path)
{
	int fd;
	struct stat st;

	if (strcmp(path, "-") == 0) {
		fd = r->opts->stdin_path ? open(r->opts->stdin_path, O_RDONLY) :
		    dup(STDIN_FILENO);
		r->name = "<stdin>";
	} else {
		fd = open(path, O_RDONLY);
		r->name = path;
	}
	if (fd < 0)
		return jn_error("cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return jn_error("cannot read '%s': is a directory", path);
	}
	r->fd = fd;
	if (r->opts->follow)
		heard(r);
	if (r->grow && S_ISREG(st.st_mode) && growing_file(fd, &st,
	    &r->off)) {
		r->kind = IN_PLAIN;
		r->size = (uint64_t)st.st_size;
		return 0;
	}
	if (plain_file(fd, &st, &r->off)) {
		r->kind = IN_PLAIN;
		r->size = (uint64_t)st.st_size;
		return 0;
	}
	if (open_stream(r) != 0) {
		close_file(r);
		return -1;
	}
	return 0;
}

static uint64_t
total_size(char *const *files, int nfiles)
{
	uint64_t total = 0;
	struct stat st;
	int i;

	for (i = 0; i < nfiles; i++) {
		size_t n = strlen(files[i]);

		/* compressed sizes would make the percentage lie */
		if (strcmp(files[i], "-") == 0 ||
		    (n > 3 && strcmp(files[i] + n - 3, ".gz") == 0) ||
		    stat(files[i], &st) != 0 || !S_ISREG(st.st_mode))
			return 0;
		total += (uint64_t)st.st_size;
	}
	return total;
}

/*
 * Read files[0..nfiles) in order through r (one thread's framing or
 * parsing, as r->jobs says), with the progress line.  Returns 0 or -1.
 */
static int
read_files(struct reader *r, char *const *files, int nfiles)
{
	int i, rc = 0;

	if (r->opts->progress) {
		r->total_bytes = total_size(files, nfiles);
		clock_gettime(CLOCK_MONOTONIC, &r->start);
	}
	for (i = 0; i < nfiles && rc == 0; i++) {
		r->grow = r->opts->follow && i == nfiles - 1;
		if (open_file(r, files[i]) != 0)
			return -1;
		rc = read_file(r);
		close_file(r);
		jn_xes_free(r->xes);
		r->xes = NULL;
	}
	return rc;
}

/* Free what a reader owns (its json parser may be NULL). */
static void
reader_release(struct reader *r)
{
	if (r->have_csv)
		csv_free(&r->csv);
	jn_ndjson_free(r->json);
	free(r->pending);
	free(r->lineref);
	free(r->spans);
	free(r->buf);
	free(r->row);
	free(r->fields);
	if (r->zinit)
		inflateEnd(&r->zs);
	free(r->zin);
	free(r->xraw);
	jn_xes_free(r->xes);
}

int
jn_read(char *const *files, int nfiles, const struct jn_reader_opts *opts,
    const struct jn_schema *schema, struct jn_badrec *bad, jn_record_fn fn,
    void *ctx, uint64_t *records_in)
{
	static char *const stdin_only[] = { "-" };
	struct reader r;
	int rc;

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	*records_in = 0;
	if (jn_badrec_check(bad, files, nfiles) != 0)
		return -1;
	memset(&r, 0, sizeof r);
	r.opts = opts;
	r.schema = schema;
	r.bad = bad;
	r.fn = fn;
	r.ctx = ctx;
	r.json = jn_ndjson_new();
	jn_ndjson_cache_keys(r.json);
	build_keys(&r);
	rc = read_files(&r, files, nfiles);
	progress(&r, 1);
	reader_release(&r);
	*records_in = r.records;
	return rc;
}

/* ---- reading with worker threads ---- */

/*
 * The calling thread frames records exactly as jn_read does, but instead
 * of parsing them it notes where each lies in the read buffer.  When the
 * buffer has to be refilled, the buffer itself, with every record framed
 * in it, becomes a batch for the workers (fill() then starts a fresh
 * buffer with the partial record at the end), so records are never
 * copied.  Most buffers need no framing here at all: when no line in
 * them can be blank and no quote can hold a newline (plain_lines, one
 * quick pass that counts the lines for their numbers), they go whole,
 * and each worker frames its lines as it splits them (frame_lines), as
 * one thread does in a single pass.  Batches are committed, their
 * diagnostics printed and their bad records passed to the real policy,
 * strictly in the order they were framed, so that one thread and many
 * report alike.
 */

/* How many batches may be framed but not yet committed, per worker. */
#define BATCHES_PER_WORKER 3

/* What a worker needs to parse the records of one file. */
struct filectx {
	struct filectx *next;
	const char *name;
	enum jn_input_format format;
	char delim;
	size_t ncols;
	int colof[JN_MAX_SLOTS];
};

struct batch {
	struct batch *next;	/* in the work queue or the free list */
	struct batch *onext;	/* in framing order, until committed */
	const struct filectx *file;
	char *buf;		/* the records' bytes (owned) */
	size_t cap;
	struct recref *refs;
	size_t nrefs, refcap;
	/*
	 * Or, instead of refs, nlines whole lines buf[lines_off..lines_end)
	 * for the worker to frame, the first of them on line lines_line.
	 */
	size_t lines_off, lines_end;
	uint64_t nlines, lines_line;
	uint64_t first;		/* ordinal of the first record */
	int done, failed;
	struct jn_strbuf diag;	/* the workers' messages */
	struct jn_badlog bad;
};

struct worker {
	struct jobs *jobs;
	const struct jn_read_worker *w;
	pthread_t thread;
	int started;
};

struct jobs {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct batch *head, *tail;		/* waiting for a worker */
	struct batch *ohead, *otail;		/* framed, not committed */
	size_t inflight, max_inflight;
	struct batch *cur;			/* being framed */
	struct batch *spare;			/* committed, for reuse */
	struct filectx *files, *curfile;
	int finished;		/* no more batches will come */
	int failed;		/* a commit failed: skip the rest */
	struct jn_badrec *bad;
	struct jn_strbuf *outer;	/* where diagnostics go: the caller's */
	const struct jn_reader_opts *opts;
	struct worker *workers;
	int nworkers;
};

static struct batch *
batch_get(struct jobs *j)
{
	struct batch *b = j->spare;

	if (b != NULL) {
		j->spare = b->next;
	} else {
		b = jn_xcalloc(1, sizeof *b);
	}
	b->next = b->onext = NULL;
	b->file = NULL;
	b->nrefs = 0;
	b->nlines = 0;
	b->done = b->failed = 0;
	b->diag.len = 0;
	b->bad.n = 0;
	b->bad.text.len = 0;
	return b;
}

static void
batch_free(struct batch *b)
{
	free(b->buf);
	free(b->refs);
	free(b->diag.buf);
	free(b->bad.ents);
	free(b->bad.text.buf);
	free(b);
}

/* Print a batch's messages, pass on its bad records.  Returns 0 or -1. */
static int
commit(struct jobs *j, struct batch *b)
{
	struct jn_strbuf *framing = jn_diag_capture(j->outer);
	size_t i;
	int rc = b->failed ? -1 : 0;

	/* what the batch says goes out now, not with the framer's errors */
	if (b->diag.len > 0)
		jn_diag_write(b->diag.buf, b->diag.len);
	for (i = 0; i < b->bad.n; i++) {
		const struct jn_badent *e = &b->bad.ents[i];
		struct jn_record rec;

		memset(&rec, 0, sizeof rec);
		rec.file = e->file;
		rec.line = e->line;
		rec.raw = b->bad.text.buf + e->raw;
		rec.rawlen = e->rawlen;
		if (jn_badrec_add(j->bad, &rec, "%s",
		    b->bad.text.buf + e->reason) != 0) {
			rc = -1;
			break;
		}
	}
	jn_diag_capture(framing);
	return rc;
}

/*
 * Commit the finished batches at the head of the framing order; with
 * wait, block until fewer than max are in flight (all, when max is 0).
 * Called with the lock held.  Returns 0, or -1 once a commit failed.
 */
static int
commit_ready(struct jobs *j, size_t max)
{
	int failed;

	for (;;) {
		struct batch *b = j->ohead;

		if (b != NULL && b->done) {
			j->ohead = b->onext;
			if (j->ohead == NULL)
				j->otail = NULL;
			j->inflight--;
			failed = j->failed;
			pthread_mutex_unlock(&j->mu);
			/* only this thread commits, so only it sets failed */
			if (!failed && commit(j, b) != 0)
				failed = 1;
			pthread_mutex_lock(&j->mu);
			j->failed = failed;
			b->next = j->spare;
			j->spare = b;
			continue;
		}
		if (j->inflight <= max)
			break;
		pthread_cond_wait(&j->done, &j->mu);
	}
	return j->failed ? -1 : 0;
}

/*
 * The read buffer is about to be refilled: hand it, with the records
 * framed in it, to the workers, and go on in a fresh buffer holding the
 * unread rest.  Returns 0 or -1 (a commit failed; already reported).
 */
static int
seal_batch(struct reader *r)
{
	struct jobs *j = r->jobs;
	struct batch *b = j->cur, *next;
	size_t rest = r->len - r->pos, cap;
	char *buf;
	int rc;

	if (b == NULL || (b->nrefs == 0 && b->nlines == 0))
		return 0;
	pthread_mutex_lock(&j->mu);
	next = batch_get(j);
	pthread_mutex_unlock(&j->mu);
	/* swap buffers: the batch keeps the records, r the rest */
	buf = next->buf;
	cap = next->cap;

	next->buf = NULL;
	next->cap = 0;
	if (cap < rest + READ_CHUNK + JN_NDJSON_PADDING) {
		free(buf);
		cap = r->cap;
		buf = jn_xmalloc(cap);
	}
	if (rest > 0)
		memcpy(buf, r->buf + r->pos, rest);
	free(b->buf);
	b->buf = r->buf;
	b->cap = r->cap;
	r->buf = buf;
	r->cap = cap;
	r->len = rest;
	r->pos = 0;
	j->cur = next;
	pthread_mutex_lock(&j->mu);
	if (j->tail != NULL)
		j->tail->next = b;
	else
		j->head = b;
	j->tail = b;
	if (j->otail != NULL)
		j->otail->onext = b;
	else
		j->ohead = b;
	j->otail = b;
	j->inflight++;
	pthread_cond_signal(&j->work);
	rc = commit_ready(j, j->max_inflight);
	pthread_mutex_unlock(&j->mu);
	return rc;
}

/*
 * Hand out the records framed so far and wait until every batch is
 * committed.  Returns 0 or -1 (a commit failed; already reported).
 */
static int
drain_batches(struct reader *r)
{
	int rc;

	if (seal_batch(r) != 0)
		return -1;
	pthread_mutex_lock(&r->jobs->mu);
	rc = commit_ready(r->jobs, 0);
	pthread_mutex_unlock(&r->jobs->mu);
	return rc;
}

/* What the workers need to know of the current file, noted once. */
static const struct filectx *
batch_file(struct reader *r)
{
	struct jobs *j = r->jobs;

	if (j->curfile == NULL) {
		struct filectx *fc = jn_xcalloc(1, sizeof *fc);

		fc->name = r->name;
		fc->format = r->format;
		fc->delim = r->delim;
		fc->ncols = r->ncols;
		memcpy(fc->colof, r->colof, sizeof fc->colof);
		fc->next = j->files;
		j->files = j->curfile = fc;
	}
	return j->curfile;
}

static int
batch_add(struct reader *r, size_t start, size_t rlen)
{
	struct batch *b = r->jobs->cur;

	if (b->nrefs == 0) {
		b->file = batch_file(r);
		b->first = r->records;
	}
	add_ref(r, &b->refs, &b->nrefs, &b->refcap, start, rlen);
	r->records++;
	return 0;
}

#ifdef CSV_SSE2
/*
 * plain_lines on p[0..m) 16 bytes at a time, m a multiple of 16: the
 * newlines in it, or -1 when a quote (with quotes) or a newline followed
 * by a byte <= ' ' is among them.
 */
static int64_t
plain_lines16(const char *p, size_t m, int quotes)
{
	const __m128i nv = _mm_set1_epi8('\n'), qv = _mm_set1_epi8('"');
	const __m128i sp = _mm_set1_epi8(' '), zero = _mm_setzero_si128();
	size_t i = 0;
	int64_t count = 0;

	while (i < m) {
		/* newlines tallied a byte a lane: 255 blocks at most */
		size_t stop = m - i > 255 * 16 ? i + 255 * 16 : m;
		__m128i tally = zero, bad = zero, sum;

		for (; i < stop; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)
			    (const void *)(p + i));
			__m128i w = _mm_loadu_si128((const __m128i *)
			    (const void *)(p + i + 1));
			__m128i nl = _mm_cmpeq_epi8(v, nv);

			tally = _mm_sub_epi8(tally, nl);
			bad = _mm_or_si128(bad, _mm_and_si128(nl,
			    _mm_cmpeq_epi8(_mm_min_epu8(w, sp), w)));
			if (quotes)
				bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, qv));
		}
		if (_mm_movemask_epi8(bad) != 0)
			return -1;
		sum = _mm_sad_epu8(tally, zero);
		count += _mm_cvtsi128_si64(sum) +
		    _mm_cvtsi128_si64(_mm_unpackhi_epi64(sum, sum));
	}
	return count;
}

#ifdef LINES_AVX2
/*
 * plain_lines16 with AVX2, 32 bytes at a time, m a multiple of 32, where
 * the processor has it (__builtin_cpu_supports): the same answer for half
 * the instructions, on the reading thread that every worker waits for.
 */
__attribute__((target("avx2"))) static int64_t
plain_lines32(const char *p, size_t m, int quotes)
{
	const __m256i nv = _mm256_set1_epi8('\n'), qv = _mm256_set1_epi8('"');
	const __m256i sp = _mm256_set1_epi8(' ');
	const __m256i zero = _mm256_setzero_si256();
	size_t i = 0;
	int64_t count = 0;

	while (i < m) {
		size_t stop = m - i > 255 * 32 ? i + 255 * 32 : m;
		__m256i tally = zero, bad = zero, sum;

		for (; i < stop; i += 32) {
			__m256i v = _mm256_loadu_si256((const __m256i *)
			    (const void *)(p + i));
			__m256i w = _mm256_loadu_si256((const __m256i *)
			    (const void *)(p + i + 1));
			__m256i nl = _mm256_cmpeq_epi8(v, nv);

			tally = _mm256_sub_epi8(tally, nl);
			bad = _mm256_or_si256(bad, _mm256_and_si256(nl,
			    _mm256_cmpeq_epi8(_mm256_min_epu8(w, sp), w)));
			if (quotes)
				bad = _mm256_or_si256(bad,
				    _mm256_cmpeq_epi8(v, qv));
		}
		if (!_mm256_testz_si256(bad, bad))
			return -1;
		sum = _mm256_sad_epu8(tally, zero);
		count += _mm256_extract_epi64(sum, 0) +
		    _mm256_extract_epi64(sum, 1) +
		    _mm256_extract_epi64(sum, 2) +
		    _mm256_extract_epi64(sum, 3);
	}
	return count;
}
#endif
#endif

/*
 * The count of lines of p[0..n), which ends with its last newline, when
 * the workers can frame them alone, else 0: no line may start with a
 * byte <= ' ' (it might be a blank line, skipped and not counted) and,
 * with quotes, no quote may come (a quoted field may hold a newline).
 * Reads a byte past each newline but the last, which the data has.
 */
static uint64_t
plain_lines(const char *p, size_t n, int quotes)
{
	size_t i = 0, m = n - 1;	/* p[m] is the last newline */
	uint64_t count = 1;

	if ((unsigned char)p[0] <= ' ')
		return 0;
#ifdef CSV_SSE2
	{
		int64_t c;

#ifdef LINES_AVX2
		if (__builtin_cpu_supports("avx2")) {
			i = m & ~(size_t)31;
			if ((c = plain_lines32(p, i, quotes)) < 0)
				return 0;
			count += (uint64_t)c;
		}
#endif
		if ((c = plain_lines16(p + i, (m - i) & ~(size_t)15,
		    quotes)) < 0)
			return 0;
		count += (uint64_t)c;
		i += (m - i) & ~(size_t)15;
	}
#endif
	for (; i < m; i++) {
		if (p[i] == '\n') {
			if ((unsigned char)p[i + 1] <= ' ')
				return 0;
			count++;
		} else if (quotes && p[i] == '"') {
			return 0;
		}
	}
	return count;
}

/*
 * With workers, take the whole lines buffered from pos on as one batch
 * for them to frame, when plain_lines allows, reading more first when no
 * line is whole yet.  Returns 1 when it took lines, 0 when the records
 * are to be framed here (next_record), -1 on error (reported).
 */
static int
batch_lines(struct reader *r)
{
	for (;;) {
		struct batch *b = r->jobs->cur;
		const char *p = r->buf + r->pos;
		size_t end = r->len - r->pos;
		uint64_t n;

		if (b->nrefs > 0)
			return 0;
		/* back to the last newline: past it is part of a line */
		while (end > 0 && p[end - 1] != '\n')
			end--;
		if (end == 0) {
			size_t avail = r->len - r->pos;

			if (r->eof || avail >= MAX_RECORD)
				return 0;
			if (fill(r, avail + READ_CHUNK) != 0)
				return -1;
			continue;
		}
		n = plain_lines(p, end, r->format != JN_IN_NDJSON);
		if (n == 0)
			return 0;
		b->file = batch_file(r);
		b->first = r->records;
		b->lines_off = r->pos;
		b->lines_end = r->pos + end;
		b->lines_line = r->line;
		b->nlines = n;
		r->records += n;
		r->line += n;
		r->pos += end;
		return seal_batch(r) != 0 ? -1 : 1;
	}
}

/* A file ends: its last records go out, the next file starts a batch. */
static int
file_done(struct reader *r)
{
	r->pos = r->len;
	if (seal_batch(r) != 0)
		return -1;
	r->jobs->curfile = NULL;
	return 0;
}

/*
 * A worker frames the lines of a batch (batch_lines took them whole, none
 * blank, no quote in CSV) as next_record would, and parses them.
 */
static int
frame_lines(struct reader *r, const struct batch *b)
{
	const char *buf = b->buf;
	size_t at = b->lines_off, i;
	int rc = 0;

	r->unterminated = 0;	/* none is: no quote hides its end */
	if (r->format == JN_IN_NDJSON) {
		r->nlineref = 0;
		for (i = 0; i < b->nlines; i++) {
			const char *p = buf + at;
			const char *q = memchr(p, '\n', b->lines_end - at);
			size_t len = (size_t)(q - p);

			r->rec.line = b->lines_line + i;
			add_ref(r, &r->lineref, &r->nlineref, &r->linerefcap,
			    at, len > 0 && p[len - 1] == '\r' ? len - 1 : len);
			at += len + 1;
		}
		return json_lines(r, buf, r->lineref, r->nlineref, b->first);
	}
	r->blk = NULL;		/* bitmaps of another buffer */
	for (i = 0; i < b->nlines && rc == 0; i++) {
		const char *p = buf + at;
		size_t len, rlen;

		r->pos = at;
		/* workers never read raw, and the delimiter is not CR */
#ifdef CSV_SSE2
		len = csv_scan_line(r, p, b->lines_end - at, 1);
		r->presplit = 1;
#else
		len = (size_t)((const char *)memchr(p, '\n', b->lines_end -
		    at) - p);
#endif
		assert(len != SIZE_MAX);
		rlen = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
		r->rec.raw = p;
		r->rec.rawlen = rlen;
		r->rec.line = b->lines_line + i;
		r->rec.pos = b->first + i;
		rc = process_record(r, p, rlen);
		at += len + 1;
	}
	r->presplit = 0;
	r->blk = NULL;
	r->pos = 0;
	return rc;
}

/* A worker parses one batch with its own reader. */
static void
parse_batch(struct reader *r, struct batch *b)
{
	const struct filectx *fc = b->file;
	size_t i;

	r->name = fc->name;
	r->rec.file = fc->name;
	r->format = fc->format;
	r->delim = fc->delim;
	r->ncols = fc->ncols;
	memcpy(r->colof, fc->colof, sizeof r->colof);
	set_keep(r);
	r->rec.format = (int)fc->format;
	r->bad->log = &b->bad;
	jn_diag_capture(&b->diag);
	if (b->nlines > 0) {
		if (frame_lines(r, b) != 0)
			b->failed = 1;
	} else if (fc->format == JN_IN_NDJSON) {
		if (json_lines(r, b->buf, b->refs, b->nrefs, b->first) != 0)
			b->failed = 1;
	} else {
		for (i = 0; i < b->nrefs; i++) {
			const struct recref *ref = &b->refs[i];

			set_record(r, b->buf, ref, b->first + i);
			if (process_record(r, r->rec.raw,
			    r->rec.rawlen) != 0) {
				b->failed = 1;
				break;
			}
		}
	}
	jn_diag_capture(NULL);
	r->bad->log = NULL;
}

static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	struct jobs *j = wk->jobs;
	struct reader r;

	memset(&r, 0, sizeof r);
	r.opts = j->opts;
	r.schema = wk->w->schema;
	r.bad = wk->w->bad;
	r.fn = wk->w->fn;
	r.ctx = wk->w->ctx;
	r.json = jn_ndjson_new();
	jn_ndjson_cache_keys(r.json);
	build_keys(&r);
	clear_values(&r);
	pthread_mutex_lock(&j->mu);
	for (;;) {
		struct batch *b;
		int skip;

		while (j->head == NULL && !j->finished)
			pthread_cond_wait(&j->work, &j->mu);
		if ((b = j->head) == NULL)
			break;
		j->head = b->next;
		if (j->head == NULL)
			j->tail = NULL;
		skip = j->failed;
		pthread_mutex_unlock(&j->mu);
		if (!skip)
			parse_batch(&r, b);
		pthread_mutex_lock(&j->mu);
		b->done = 1;
		pthread_cond_broadcast(&j->done);
	}
	pthread_mutex_unlock(&j->mu);
	reader_release(&r);
	return NULL;
}

int
jn_read_jobs(char *const *files, int nfiles,
    const struct jn_reader_opts *opts, const struct jn_schema *schema,
    struct jn_badrec *bad, const struct jn_read_worker *workers, int jobs,
    uint64_t *records_in)
{
	static char *const stdin_only[] = { "-" };
	struct jn_strbuf framer_diag = { NULL, 0, 0 }, *outer;
	struct reader r;
	struct jobs j;
	struct batch *b;
	struct filectx *fc;
	int i, rc = 0, failed;

	assert(jobs >= 1 && !opts->raw_only);
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	*records_in = 0;
	if (jn_badrec_check(bad, files, nfiles) != 0)
		return -1;
	memset(&j, 0, sizeof j);
	pthread_mutex_init(&j.mu, NULL);
	pthread_cond_init(&j.work, NULL);
	pthread_cond_init(&j.done, NULL);
	j.bad = bad;
	j.opts = opts;
	j.max_inflight = (size_t)jobs * BATCHES_PER_WORKER;
	j.cur = batch_get(&j);
	j.nworkers = jobs;
	j.workers = jn_xcalloc((size_t)jobs, sizeof *j.workers);
	for (i = 0; i < jobs; i++) {
		assert(workers[i].schema->nslots == schema->nslots);
		j.workers[i].jobs = &j;
		j.workers[i].w = &workers[i];
		if (pthread_create(&j.workers[i].thread, NULL, worker_main,
		    &j.workers[i]) != 0) {
			rc = jn_error("cannot start a reading thread");
			break;
		}
		j.workers[i].started = 1;
	}

	memset(&r, 0, sizeof r);
	r.opts = opts;
	r.schema = schema;
	r.bad = bad;
	r.jobs = &j;
	/* the reader's own errors wait until every earlier batch is out */
	outer = jn_diag_capture(&framer_diag);
	j.outer = outer;
	if (rc == 0)
		rc = read_files(&r, files, nfiles);
	jn_diag_capture(outer);
	progress(&r, 1);

	/*
	 * Drain: records framed before an error still count, as they do
	 * with one thread; then the workers stop.
	 */
	if (j.cur->nrefs > 0 || j.cur->nlines > 0) {
		r.pos = r.len;
		if (seal_batch(&r) != 0)
			rc = -1;
	}
	pthread_mutex_lock(&j.mu);
	j.finished = 1;
	pthread_cond_broadcast(&j.work);
	failed = commit_ready(&j, 0) != 0;
	pthread_mutex_unlock(&j.mu);
	for (i = 0; i < jobs; i++)
		if (j.workers[i].started)
			pthread_join(j.workers[i].thread, NULL);
	if (failed)
		rc = -1;
	else if (framer_diag.len > 0)
		jn_diag_write(framer_diag.buf, framer_diag.len);

	while ((b = j.spare) != NULL) {
		j.spare = b->next;
		batch_free(b);
	}
	batch_free(j.cur);
	while ((fc = j.files) != NULL) {
		j.files = fc->next;
		free(fc);
	}
	free(j.workers);
	free(framer_diag.buf);
	reader_release(&r);
	pthread_mutex_destroy(&j.mu);
	pthread_cond_destroy(&j.work);
	pthread_cond_destroy(&j.done);
	*records_in = r.records;
	return rc;
}
