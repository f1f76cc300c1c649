/*
 * The event layer and the options every tool shares.  Records from the
 * reader become events: the user and time fields must be present and the
 * time must parse, else the record is rejected under the common policy;
 * --since/--until and --where then decide which events the tool sees.
 */
#include "journey/input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journey/time.h"
#include "journey/tmpfile.h"
#include "journey/util.h"

enum {
	OPT_SESSION = JN_OPT_COMMON_BASE,
	OPT_SESSION_GAP,
	OPT_WHERE,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_STRICT,
	OPT_REJECTS,
	OPT_NO_PROGRESS,
	OPT_SAFE_CSV
};

const struct option jn_common_longopts[] = {
	{ "user", required_argument, NULL, 'u' },
	{ "time", required_argument, NULL, 't' },
	{ "event", required_argument, NULL, 'e' },
	{ "session", required_argument, NULL, OPT_SESSION },
	{ "session-gap", required_argument, NULL, OPT_SESSION_GAP },
	{ "input-format", required_argument, NULL, 'I' },
	{ "where", required_argument, NULL, OPT_WHERE },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "format", required_argument, NULL, 'o' },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "rejects", required_argument, NULL, OPT_REJECTS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "safe-csv", no_argument, NULL, OPT_SAFE_CSV },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};
const size_t jn_common_nlongopts =
    sizeof jn_common_longopts / sizeof jn_common_longopts[0];

static const char *const user_names[] = { "user_id", "userId", "user",
	"visitor_id", "customer_id", "anonymous_id", "client_id", "case_id" };
static const char *const time_names[] = { "timestamp", "time", "ts",
	"event_time", "datetime", "created_at", "date" };
static const char *const event_names[] = { "event", "event_name",
	"event_type", "name", "action", "activity", "type" };
static const char *const session_names[] = { "session_id", "sessionId",
	"session" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct option *
jn_cli_options(const struct option *tool, size_t n)
{
	struct option *o = jn_xcalloc(n + jn_common_nlongopts + 1,
	    sizeof *o);

	memcpy(o, tool, n * sizeof *o);
	memcpy(o + n, jn_common_longopts, jn_common_nlongopts * sizeof *o);
	return o;
}

void
jn_cli_help(const char *usage, const char *help)
{
	fputs(usage, stdout);
	fputc('\n', stdout);
	fputs(help, stdout);
	exit(jn_close_stdout(JN_EXIT_OK));
}

void
jn_cli_version(void)
{
	printf("%s %s\n", jn_progname(), JN_VERSION);
	exit(jn_close_stdout(JN_EXIT_OK));
}

void
jn_common_init(struct jn_common *c)
{
	memset(c, 0, sizeof *c);
	c->session_gap = 30 * 60 * JN_NS_PER_SEC;
	/* a process-wide switch: off until this run's options say */
	jn_writer_safe_csv(0);
}

static int
parse_time_opt(const char *opt, const char *arg, int64_t *ns)
{
	if (jn_time_parse(arg, strlen(arg), ns) != 0)
		return jn_error("bad time '%s' for %s", arg, opt);
	return 0;
}

int
jn_common_option(struct jn_common *c, int opt, const char *arg)
{
	switch (opt) {
	case 'u':
		c->user_field = arg;
		return 1;
	case 't':
		c->time_field = arg;
		return 1;
	case 'e':
		c->event_field = arg;
		return 1;
	case OPT_SESSION:
		c->session_field = arg;
		return 1;
	case OPT_SESSION_GAP:
		if (jn_duration_parse(arg, &c->session_gap) != 0 ||
		    c->session_gap <= 0)
			return jn_error("bad duration '%s' for --session-gap",
			    arg);
		return 1;
	case 'I':
		return jn_input_format_parse(arg, &c->in_format) ? -1 : 1;
	case 'o':
		return jn_format_parse(arg, &c->out_format) ? -1 : 1;
	case OPT_WHERE:
		if (c->nwhere == JN_MAX_WHERE)
			return jn_error("too many --where (at most %d)",
			    JN_MAX_WHERE);
		c->where[c->nwhere++] = arg;
		return 1;
	case OPT_SINCE:
		c->has_since = 1;
		return parse_time_opt("--since", arg, &c->since) ? -1 : 1;
	case OPT_UNTIL:
		c->has_until = 1;
		return parse_time_opt("--until", arg, &c->until) ? -1 : 1;
	case OPT_STRICT:
		c->strict = 1;
		return 1;
	case OPT_REJECTS:
		/* standard output carries the table, or the records */
		if (strcmp(arg, "-") == 0)
			return jn_error("--rejects needs a file name, not '-' "
			    "(/dev/stderr for standard error)");
		c->rejects_path = arg;
		return 1;
	case OPT_NO_PROGRESS:
		c->no_progress = 1;
		return 1;
	case OPT_SAFE_CSV:
		jn_writer_safe_csv(1);
		return 1;
	}
	return 0;
}

static int
slot_for(struct jn_schema *s, const char *given, const char *const *names,
    size_t n)
{
	return given ? jn_schema_candidates(s, &given, 1) :
	    jn_schema_candidates(s, names, n);
}

int
jn_input_init(struct jn_input *in, const struct jn_common *c)
{
	size_t i;

	memset(in, 0, sizeof *in);
	in->opt = *c;
	jn_schema_init(&in->schema);
	in->user_slot = slot_for(&in->schema, c->user_field, user_names,
	    NELEM(user_names));
	in->time_slot = slot_for(&in->schema, c->time_field, time_names,
	    NELEM(time_names));
	in->event_slot = slot_for(&in->schema, c->event_field, event_names,
	    NELEM(event_names));
	in->session_slot = slot_for(&in->schema, c->session_field,
	    session_names, NELEM(session_names));
	for (i = 0; i < c->nwhere; i++) {
		in->where[i] = jn_pred_compile(c->where[i], &in->schema,
		    in->event_slot, "--where");
		if (in->where[i] == NULL)
			return -1;
	}
	return jn_badrec_init(&in->bad, c->strict, c->rejects_path);
}

int
jn_input_init_worker(struct jn_input *in, const struct jn_common *c)
{
	struct jn_common wc = *c;

	wc.rejects_path = NULL;
	return jn_input_init(in, &wc);
}

int
jn_jobs_parse(const char *arg, int *jobs)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno || n < 1 ||
	    n > JN_MAX_JOBS)
		return jn_error("bad --jobs '%s' (1 to %d)", arg, JN_MAX_JOBS);
	*jobs = (int)n;
	return 0;
}

int
jn_jobs_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > JN_MAX_JOBS ? JN_MAX_JOBS : (int)n;
}

static int
on_record(void *ctx, const struct jn_record *rec)
{
	struct jn_input *in = ctx;
	struct jn_event ev;
	const char *t;
	size_t tlen, i;
	char q[80];

	ev.user = jn_record_get(rec, in->user_slot, &ev.user_len);
	if (ev.user == NULL || ev.user_len == 0)
		return jn_badrec_add(&in->bad, rec, "missing user field%s",
		    in->opt.user_field ? "" : " (use -u FIELD)");
	t = jn_record_get(rec, in->time_slot, &tlen);
	if (t == NULL || tlen == 0)
		return jn_badrec_add(&in->bad, rec, "missing time field%s",
		    in->opt.time_field ? "" : " (use -t FIELD)");
	if (jn_time_parse(t, tlen, &ev.time) != 0)
		return jn_badrec_add(&in->bad, rec, "bad time '%s'",
		    jn_quote(q, sizeof q, t, tlen));
	if (in->opt.has_since && ev.time < in->opt.since)
		return 0;
	if (in->opt.has_until && ev.time >= in->opt.until)
		return 0;
	for (i = 0; i < in->opt.nwhere; i++) {
		int m = jn_pred_match(in->where[i], rec);

		if (m < 0)
			return -1;
		if (m == 0)
			return 0;
	}
	ev.name = jn_record_get(rec, in->event_slot, &ev.name_len);
	if (ev.name == NULL) {
		ev.name = "";
		ev.name_len = 0;
	}
	ev.session = jn_record_get(rec, in->session_slot, &ev.session_len);
	ev.rec = rec;
	in->events_used++;
	return in->fn(in->ctx, &ev);
}

/* The reader's context is the input layer; the tool's is in->ctx. */
static int
on_input_header(void *ctx, const struct jn_record *header)
{
	struct jn_input *in = ctx;

	return in->header_fn(in->ctx, header);
}

int
jn_input_run(struct jn_input *in, char *const *files, int nfiles,
    jn_event_fn fn, void *ctx)
{
	return jn_input_run2(in, files, nfiles, fn, ctx, NULL);
}

static void
reader_opts(struct jn_input *in, struct jn_reader_opts *ro,
    const char *stdin_path)
{
	memset(ro, 0, sizeof *ro);
	ro->required = UINT64_C(1) << in->user_slot |
	    UINT64_C(1) << in->time_slot;
	ro->required_hint[in->user_slot] = "-u FIELD";
	ro->required_hint[in->time_slot] = "-t FIELD";
	ro->format = in->opt.in_format;
	ro->progress = !in->opt.no_progress && isatty(STDERR_FILENO);
	ro->stdin_path = stdin_path;
}

int
jn_input_run2(struct jn_input *in, char *const *files, int nfiles,
    jn_event_fn fn, void *ctx, const char *stdin_path)
{
	struct jn_reader_opts ro;

	reader_opts(in, &ro, stdin_path);
	in->fn = fn;
	in->ctx = ctx;
	if (in->header_fn != NULL)
		ro.on_header = on_input_header;
	return jn_read(files, nfiles, &ro, &in->schema, &in->bad, on_record,
	    in, &in->records_in);
}

int
jn_input_run_jobs(struct jn_input *in, struct jn_input *const *workers,
    void *const *ctxs, int n, char *const *files, int nfiles,
    jn_event_fn fn)
{
	return jn_input_run_jobs2(in, workers, ctxs, n, files, nfiles, fn,
	    NULL);
}

int
jn_input_run_jobs2(struct jn_input *in, struct jn_input *const *workers,
    void *const *ctxs, int n, char *const *files, int nfiles,
    jn_event_fn fn, const char *stdin_path)
{
	struct jn_reader_opts ro;
	struct jn_read_worker *rw = jn_xcalloc((size_t)n, sizeof *rw);
	int w, rc;

	reader_opts(in, &ro, stdin_path);
	for (w = 0; w < n; w++) {
		workers[w]->fn = fn;
		workers[w]->ctx = ctxs[w];
		rw[w].schema = &workers[w]->schema;
		rw[w].bad = &workers[w]->bad;
		rw[w].fn = on_record;
		rw[w].ctx = workers[w];
	}
	rc = jn_read_jobs(files, nfiles, &ro, &in->schema, &in->bad, rw, n,
	    &in->records_in);
	for (w = 0; w < n; w++)
		in->events_used += workers[w]->events_used;
	free(rw);
	return rc;
}

static int
on_raw_record(void *ctx, const struct jn_record *rec)
{
	struct jn_input *in = ctx;

	return in->raw_fn(in->ctx, rec);
}

int
jn_input_rescan(struct jn_input *in, char *const *files, int nfiles,
    jn_record_fn fn, void *ctx, const char *stdin_path,
    int (*on_header)(void *, const struct jn_record *))
{
	struct jn_reader_opts ro;
	struct jn_badrec none;
	uint64_t nin;

	reader_opts(in, &ro, stdin_path);
	ro.raw_only = 1;
	ro.on_header = on_header ? on_input_header : NULL;
	in->header_fn = on_header;
	in->raw_fn = fn;
	in->ctx = ctx;
	memset(&none, 0, sizeof none);
	return jn_read(files, nfiles, &ro, &in->schema, &none, on_raw_record,
	    in, &nin);
}

char *
jn_spool_stdin(void)
{
	const char *dir = getenv("TMPDIR");
	char *path, buf[65536];
	ssize_t n;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	path = jn_xmalloc(strlen(dir) + 32);
	sprintf(path, "%s/journey-XXXXXX", dir);
	/* mode 0600, removed should a signal end the run while spooling */
	if ((fd = jn_tmpfile_create(path, 0)) < 0) {
		jn_error("cannot create a temporary file in %s: %s", dir,
		    strerror(errno));
		free(path);
		return NULL;
	}
	while ((n = read(STDIN_FILENO, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(fd, buf, (size_t)n) != n) {
			jn_error("cannot spool standard input to %s: %s", path,
			    strerror(errno));
			close(fd);
			unlink(path);
			jn_tmpfile_forget(path);
			free(path);
			return NULL;
		}
	}
	close(fd);
	return path;
}

int
jn_input_finish(struct jn_input *in)
{
	return jn_badrec_finish(&in->bad, in->records_in);
}

void
jn_input_release(struct jn_input *in)
{
	size_t i;

	for (i = 0; i < in->opt.nwhere; i++)
		jn_pred_free(in->where[i]);
	if (in->bad.rejects != NULL)
		jn_badrec_finish(&in->bad, in->records_in);
	jn_schema_release(&in->schema);
}

int
jn_close_stdout(int status)
{
	if (ferror(stdout) | (fclose(stdout) != 0)) {
		/* a failed status means the write error was reported */
		if (status != JN_EXIT_ERROR)
			jn_error("write error: %s", errno ?
			    strerror(errno) : "standard output");
		return JN_EXIT_ERROR;
	}
	return status;
}
