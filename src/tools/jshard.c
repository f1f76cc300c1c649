/*
 * jshard: split an event log into N shards by a hash of the user, so
 * that each shard holds whole users and can be counted on its own (by
 * another process, host or cluster task) with --partial, the states then
 * merged with --merge into exactly the single run's table.  A filter:
 * records are copied byte for byte, in input order within each shard,
 * CSV/TSV shards each starting with the header.
 *
 * The shard of a user is jn_hash(user id) mod N, the same hash on every
 * machine and run, so shards of logs cut at different times agree.
 * Memory is constant: nothing is kept but the N open files.
 *
 * Each shard is written to a temporary file beside it (PATH.XXXXXX),
 * renamed into place once every shard is complete, and removed after an
 * error or a signal: a shard path holds a whole shard of this run, or
 * what it held before, never part of one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journey/input.h"
#include "journey/intern.h"
#include "journey/tmpfile.h"
#include "journey/util.h"

static const char usage[] =
    "usage: jshard -n N [-p PREFIX] | --key  [-u FIELD] [-t FIELD]\n"
    "              [-I FORMAT] [--where EXPR] [--since TIME] [--until TIME]\n"
    "              [--strict] [--rejects FILE] [FILE ...]\n";

static const char help_text[] =
    "Split an event log into N shards of whole users.\n"
    "\n"
    "  -n, --shards N           number of shards (1 to 4096)\n"
    "  -p, --prefix PREFIX      shard files PREFIX0.csv ... (shard-)\n"
    "      --key                records to stdout as KEY<tab>RECORD, KEY\n"
    "                           the user's hash (a MapReduce mapper)\n"
    "  -u, --user FIELD         user id field (user_id, userId, ...)\n"
    "  -t, --time FIELD         time field (timestamp, time, ts, ...)\n"
    "  -I, --input-format F     csv, tsv, ndjson or xes (default: detect)\n"
    "      --delimiter C        CSV/TSV field separator (;, |, tab ...)\n"
    "      --time-format FMT    read times with strftime-style FMT\n"
    "      --time-zone ZONE     zone of times without one (+HH:MM; Z)\n"
    "      --decimal-comma      read numbers written 68,37\n"
    "      --where EXPR         keep only matching events\n"
    "      --since TIME         keep events at or after TIME\n"
    "      --until TIME         keep events before TIME\n"
    "      --strict             a bad record is an error\n"
    "      --rejects FILE       write bad records to FILE\n"
    "      --no-progress        no progress line on stderr\n"
    "  -h, --help               this help\n"
    "  -V, --version            version\n"
    "\n"
    "See jshard(1) and journey(7).\n";

#define MAX_SHARDS 4096

enum { OPT_KEY = JN_OPT_TOOL_BASE };

static const struct option tool_longopts[] = {
	{ "shards", required_argument, NULL, 'n' },
	{ "prefix", required_argument, NULL, 'p' },
	{ "key", no_argument, NULL, OPT_KEY },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct shard {
	struct jn_common common;
	struct jn_input in;
	long n;
	int key;		/* --key: one stream of keyed records */
	const char *prefix;
	FILE **out;
	char **paths;		/* where the shards go */
	char **tmps;		/* where they are written until complete */
	char *bufs;		/* the shards' stdio buffers, one block */
	int format;		/* of the first file; 0 before any record */
	char *header;		/* the first CSV/TSV header */
	size_t header_len;
	const char *header_file;
	char *const *files;	/* the inputs, never to be overwritten */
	int nfiles;
};

static const char *
extension(int format)
{
	return format == JN_IN_NDJSON ? "ndjson" : format == JN_IN_TSV ?
	    "tsv" : "csv";
}

/* Create the N files once the format is known.  Returns 0 or -1. */
static int
open_shards(struct shard *s, int format)
{
	struct stat st;
	const char *in;
	long i;
	int width = 1;
	size_t bufsize;

	for (i = s->n - 1; i >= 10; i /= 10)
		width++;
	s->format = format;
	s->out = jn_xcalloc((size_t)s->n, sizeof *s->out);
	s->paths = jn_xcalloc((size_t)s->n, sizeof *s->paths);
	s->tmps = jn_xcalloc((size_t)s->n, sizeof *s->tmps);
	for (i = 0; i < s->n; i++) {
		struct jn_strbuf path = { NULL, 0, 0 };

		jn_strbuf_printf(&path, "%s%0*ld.%s", s->prefix, width, i,
		    extension(format));
		s->paths[i] = path.buf;
		if (stat(path.buf, &st) == 0 && (in = jn_input_same_file(&st,
		    s->files, s->nfiles)) != NULL)
			return jn_error("shard '%s' is the input '%s': "
			    "refusing to overwrite it", path.buf, in);
		/* found now, not when renaming at the end */
		if (stat(path.buf, &st) == 0 && S_ISDIR(st.st_mode))
			return jn_error("cannot create '%s': %s", path.buf,
			    strerror(EISDIR));
	}
	/*
	 * A write a block was a system call per 40 lines: 64 KiB a shard,
	 * 16 MiB in all past 256 shards.
	 */
	bufsize = s->n <= 256 ? (size_t)64 << 10 : ((size_t)16 << 20) /
	    (size_t)s->n;
	s->bufs = jn_xmalloc((size_t)s->n * bufsize);
	for (i = 0; i < s->n; i++) {
		struct jn_strbuf tmp = { NULL, 0, 0 };
		int fd;

		jn_strbuf_printf(&tmp, "%s.XXXXXX", s->paths[i]);
		if ((fd = jn_tmpfile_create(tmp.buf, 1)) < 0) {
			free(tmp.buf);
			return jn_error("cannot create '%s': %s", s->paths[i],
			    strerror(errno));
		}
		s->tmps[i] = tmp.buf;
		if ((s->out[i] = fdopen(fd, "w")) == NULL) {
			close(fd);
			return jn_error("cannot create '%s': %s", s->paths[i],
			    strerror(errno));
		}
		/* glibc sizes a buffer it makes by the block, 4 KiB */
		(void)setvbuf(s->out[i], s->bufs + (size_t)i * bufsize,
		    _IOFBF, bufsize);
	}
	return 0;
}

/* A file of another format than the first cannot share its shards. */
static int
same_format(struct shard *s, const struct jn_record *rec)
{
	if (s->format == 0)
		return open_shards(s, rec->format);
	if (rec->format != s->format)
		return jn_error("%s: %s input after %s: shards hold one format",
		    rec->file, extension(rec->format), extension(s->format));
	return 0;
}

static int
on_header(void *ctx, const struct jn_record *h)
{
	struct shard *s = ctx;
	long i;

	if (same_format(s, h) != 0)
		return -1;
	if (s->header == NULL) {
		s->header = jn_xstrndup(h->raw, h->rawlen);
		s->header_len = h->rawlen;
		s->header_file = h->file;
		for (i = 0; i < s->n; i++)
			fprintf(s->out[i], "%s\n", s->header);
		return 0;
	}
	if (h->rawlen != s->header_len ||
	    memcmp(h->raw, s->header, s->header_len) != 0)
		return jn_error("%s:%llu: header differs from %s's: shards "
		    "hold one header", h->file, (unsigned long long)h->line,
		    s->header_file);
	return 0;
}

static int
on_event(void *ctx, const struct jn_event *ev)
{
	struct shard *s = ctx;
	uint64_t h = jn_hash(ev->user, ev->user_len);
	FILE *fp;

	if (s->key) {
		/* the hash, not the id: a key never holds a tab or newline */
		printf("%016llx\t", (unsigned long long)h);
		fwrite(ev->rec->raw, 1, ev->rec->rawlen, stdout);
		putchar('\n');
		return 0;
	}
	if (ev->rec->format != s->format && same_format(s, ev->rec) != 0)
		return -1;
	fp = s->out[h % (uint64_t)s->n];
	fwrite(ev->rec->raw, 1, ev->rec->rawlen, fp);
	putc('\n', fp);
	return 0;
}

static int
parse_args(struct shard *s, int argc, char **argv)
{
	static struct option *longopts;
	char *end;
	int opt;

	free(longopts);	/* from an earlier main() in one process */
	longopts = jn_cli_options(tool_longopts, NELEM(tool_longopts));
	s->prefix = "shard-";
	while ((opt = getopt_long(argc, argv, "n:p:" JN_COMMON_SHORTOPTS,
	    longopts, NULL)) != -1) {
		int r = jn_common_option(&s->common, opt, optarg);

		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (opt) {
		case 'n':
			errno = 0;
			s->n = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno ||
			    s->n < 1 || s->n > MAX_SHARDS)
				return jn_error("bad --shards '%s' (1 to %d)",
				    optarg, MAX_SHARDS);
			break;
		case 'p':
			s->prefix = optarg;
			break;
		case OPT_KEY:
			s->key = 1;
			break;
		default:
			return jn_cli_other(opt, usage, help_text);
		}
	}
	if (s->key && s->n > 0)
		return jn_error("--key writes one stream: no -n");
	if (jn_writer_fields_given())
		return jn_error("shards are events, not a table: no "
		    "--fields");
	if (s->n == 0 && !s->key) {
		jn_error("the number of shards is needed (-n N, or --key)");
		fputs(usage, stderr);
		return -1;
	}
	return 0;
}

/*
 * Close every shard; a write error anywhere is the run's error.  Then
 * the complete shards are renamed into place, or after an error (failed)
 * the incomplete ones removed, so that no later step counts half a log.
 */
static int
close_shards(struct shard *s, int failed)
{
	int rc = 0;
	long i, k;

	for (i = 0; s->out != NULL && i < s->n; i++) {
		if (s->out[i] != NULL && (ferror(s->out[i]) |
		    (fclose(s->out[i]) != 0)) && rc == 0)
			rc = jn_error("write error on '%s'", s->paths[i]);
	}
	free(s->bufs);	/* every stream that used it is closed */
	s->bufs = NULL;
	for (i = 0; s->tmps != NULL && i < s->n && s->tmps[i] != NULL; i++) {
		if (!failed && rc == 0 && rename(s->tmps[i], s->paths[i]) != 0) {
			rc = jn_error("cannot create '%s': %s", s->paths[i],
			    strerror(errno));
			/* no shard of a failed run: those renamed go too */
			for (k = 0; k < i; k++)
				unlink(s->paths[k]);
		}
		if (failed || rc != 0)
			unlink(s->tmps[i]);
		jn_tmpfile_forget(s->tmps[i]);
	}
	for (i = 0; s->paths != NULL && i < s->n; i++) {
		free(s->paths[i]);
		if (s->tmps != NULL)
			free(s->tmps[i]);
	}
	free(s->out);
	free(s->paths);
	free(s->tmps);
	s->out = NULL;
	s->paths = s->tmps = NULL;
	return rc;
}

int
main(int argc, char **argv)
{
	static struct shard s;
	int status = JN_EXIT_OK;

	/* zeroed here too: the fuzz targets run main() many times */
	memset(&s, 0, sizeof s);
	jn_set_progname(argv[0]);
	jn_common_init(&s.common);
	if (parse_args(&s, argc, argv) != 0)
		return JN_EXIT_ERROR;
	if (jn_input_init(&s.in, &s.common) != 0) {
		jn_input_release(&s.in);
		return JN_EXIT_ERROR;
	}
	if (!s.key)
		s.in.header_fn = on_header;
	s.in.keep_raw = 1;	/* records are written through as read */
	s.files = argv + optind;
	s.nfiles = argc - optind;
	if (jn_input_run(&s.in, argv + optind, argc - optind, on_event,
	    &s) != 0)
		status = JN_EXIT_ERROR;
	if (jn_input_finish(&s.in) != 0)
		status = JN_EXIT_ERROR;
	/* nothing used, mostly rejected: as the reporters (journey(7)) */
	if (status == JN_EXIT_OK && jn_input_check(&s.in) != 0)
		status = JN_EXIT_ERROR;
	/* with --allow-empty, no record still leaves N (empty) shards */
	if (s.format == 0 && status == JN_EXIT_OK && !s.key &&
	    open_shards(&s, s.common.in_format ? (int)s.common.in_format :
	    JN_IN_CSV) != 0)
		status = JN_EXIT_ERROR;
	if (close_shards(&s, status != JN_EXIT_OK) != 0)
		status = JN_EXIT_ERROR;
	free(s.header);
	jn_input_release(&s.in);
	return jn_close_stdout(status);
}
