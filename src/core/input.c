/*
 * The event layer and the options every tool shares.  Records from the
 * reader become events: the user and time fields must be present and the
 * time must parse, else the record is rejected under the common policy;
 * --since/--until and --where then decide which events the tool sees.
 * After reading, jn_input_check makes a run that used nothing, or
 * mostly bad records, an error, and names that matched nothing loud.
 */
#include "journey/input.h"

#include <assert.h>
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
	OPT_SAFE_CSV,
	OPT_MAX_REJECTED,
	OPT_ALLOW_EMPTY,
	OPT_DELIMITER,
	OPT_TIME_FORMAT,
	OPT_TIME_ZONE,
	OPT_DECIMAL_COMMA
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
	{ "fields", required_argument, NULL, JN_OPT_FIELDS },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "rejects", required_argument, NULL, OPT_REJECTS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "safe-csv", no_argument, NULL, OPT_SAFE_CSV },
	{ "max-rejected", required_argument, NULL, OPT_MAX_REJECTED },
	{ "allow-empty", no_argument, NULL, OPT_ALLOW_EMPTY },
	{ "delimiter", required_argument, NULL, OPT_DELIMITER },
	{ "time-format", required_argument, NULL, OPT_TIME_FORMAT },
	{ "time-zone", required_argument, NULL, OPT_TIME_ZONE },
	{ "decimal-comma", no_argument, NULL, OPT_DECIMAL_COMMA },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};
const size_t jn_common_nlongopts =
    sizeof jn_common_longopts / sizeof jn_common_longopts[0];

/*
 * Default field names, first present wins, matched ignoring case and
 * separators (journey(7), FIELD NAMES).  Names only one export uses come
 * first, since a file that has them is that export: GA4's user_id is
 * mostly empty where user_pseudo_id is not, pm4py's concept:name is the
 * activity beside other name columns.  userId, sessionId and anonymousId
 * fold to names already listed.
 */
static const char *const user_names[] = { "user_pseudo_id",
	"case:concept:name", "distinct_id", "user_id", "user", "visitor_id",
	"customer_id", "anonymous_id", "client_id", "case_id" };
static const char *const time_names[] = { "time:timestamp",
	"event_timestamp", "timestamp", "time", "ts", "event_time",
	"datetime", "created_at", "date" };
static const char *const event_names[] = { "concept:name", "event",
	"event_name", "event_type", "name", "action", "activity", "type" };
static const char *const session_names[] = { "session_id", "session" };
/* survey answers: nps_score, NPSScore and "NPS score" fold alike */
static const char *const score_names[JN_NSCORES][2] = {
	{ "nps", "nps_score" }, { "csat", "csat_score" },
	{ "ces", "ces_score" } };
static const char *const score_opts[JN_NSCORES] = { "--nps", "--csat",
	"--ces" };

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

int
jn_cli_other(int opt, const char *usage, const char *help)
{
	if (opt == 'h')
		jn_cli_help(usage, help);
	if (opt == 'V')
		jn_cli_version();
	fputs(usage, stderr);
	return -1;
}

void
jn_common_init(struct jn_common *c)
{
	memset(c, 0, sizeof *c);
	c->session_gap = 30 * 60 * JN_NS_PER_SEC;
	c->max_rejected = 0.5;
	/* process-wide switches: off until this run's options say */
	jn_writer_safe_csv(0);
	jn_decimal_comma(0);
	jn_writer_fields(NULL);
}

/*
 * --since and --until take the default forms, read in --time-zone
 * (which may come after them: both are read again then).
 */
static int
parse_time_opt(const struct jn_common *c, const char *opt, const char *arg,
    int64_t *ns)
{
	if (jn_time_parse_zone(arg, strlen(arg), c->time_zone, ns) != 0)
		return jn_error("bad time '%s' for %s", arg, opt);
	return 0;
}

/*
 * --delimiter: one byte, or a name for the ones a shell makes awkward.
 * Quotes, newlines and NUL cannot separate fields.
 */
static int
parse_delimiter(const char *arg, char *delim)
{
	char q[80];

	if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0)
		*delim = '\t';
	else if (strcmp(arg, "semicolon") == 0)
		*delim = ';';
	else if (strcmp(arg, "comma") == 0)
		*delim = ',';
	else if (strcmp(arg, "pipe") == 0)
		*delim = '|';
	else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' &&
	    arg[0] != '\r')
		*delim = arg[0];
	else
		return jn_error("bad --delimiter '%s' (one byte, or tab; not a "
		    "quote or a line end)", jn_quote(q, sizeof q, arg,
		    strlen(arg)));
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
		return jn_event_format_parse(arg, &c->in_format) ? -1 : 1;
	case 'o':
		return jn_format_parse(arg, &c->out_format) ? -1 : 1;
	case JN_OPT_FIELDS:
		return jn_writer_fields(arg) ? -1 : 1;
	case OPT_WHERE:
		if (c->nwhere == JN_MAX_WHERE)
			return jn_error("too many --where (at most %d)",
			    JN_MAX_WHERE);
		c->where[c->nwhere++] = arg;
		return 1;
	case OPT_SINCE:
		c->has_since = 1;
		c->since_arg = arg;
		return parse_time_opt(c, "--since", arg, &c->since) ? -1 : 1;
	case OPT_UNTIL:
		c->has_until = 1;
		c->until_arg = arg;
		return parse_time_opt(c, "--until", arg, &c->until) ? -1 : 1;
	case OPT_DELIMITER:
		return parse_delimiter(arg, &c->delimiter) ? -1 : 1;
	case OPT_TIME_FORMAT: {
		char why[128], q[160];

		if (jn_time_format_check(arg, why, sizeof why) != 0)
			return jn_error("bad --time-format '%s': %s", jn_quote(q,
			    sizeof q, arg, strlen(arg)), why);
		c->time_format = arg;
		return 1;
	}
	case OPT_TIME_ZONE:
		if (jn_time_zone_parse(arg, &c->time_zone) != 0)
			return jn_error("bad --time-zone '%s' (Z, +HH:MM or "
			    "-HH:MM)", arg);
		if ((c->since_arg != NULL && parse_time_opt(c, "--since",
		    c->since_arg, &c->since) != 0) || (c->until_arg != NULL &&
		    parse_time_opt(c, "--until", c->until_arg, &c->until) != 0))
			return -1;
		return 1;
	case OPT_DECIMAL_COMMA:
		c->decimal_comma = 1;
		jn_decimal_comma(1);
		return 1;
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
	case OPT_MAX_REJECTED:
		if (jn_parse_double(arg, strlen(arg), &c->max_rejected) != 0 ||
		    !(c->max_rejected >= 0 && c->max_rejected <= 1))
			return jn_error("bad --max-rejected '%s' (a share of "
			    "the records, 0 to 1)", arg);
		return 1;
	case OPT_ALLOW_EMPTY:
		c->allow_empty = 1;
		return 1;
	case JN_OPT_NPS:
	case JN_OPT_CSAT:
	case JN_OPT_CES:
		if (*arg == '\0')
			return jn_error("%s needs a field name",
			    score_opts[opt - JN_OPT_NPS]);
		c->score_field[opt - JN_OPT_NPS] = arg;
		return 1;
	}
	return 0;
}

static int
slot_for(struct jn_schema *s, const char *given, const char *const *names,
    size_t n)
{
	return given ? jn_schema_candidates(s, &given, 1) :
	    jn_schema_defaults(s, names, n);
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
	for (i = 0; i < JN_NSCORES; i++)
		in->score_slot[i] = !c->scores ? -1 : slot_for(&in->schema,
		    c->score_field[i], score_names[i], NELEM(score_names[i]));
	/* for jn_input_check: no record had a user, or a time, field */
	in->unseen |= UINT64_C(1) << in->user_slot |
	    UINT64_C(1) << in->time_slot;
	for (i = 0; i < c->nwhere; i++) {
		in->where[i] = jn_pred_compile(c->where[i], &in->schema,
		    in->event_slot, "--where");
		if (in->where[i] == NULL)
			return -1;
	}
	if (c->event_field != NULL)
		jn_input_watch_field(in, "-e", c->event_field, in->event_slot);
	if (c->session_field != NULL)
		jn_input_watch_field(in, "--session", c->session_field,
		    in->session_slot);
	for (i = 0; i < JN_NSCORES; i++)
		if (c->scores && c->score_field[i] != NULL)
			jn_input_watch_field(in, score_opts[i],
			    c->score_field[i], in->score_slot[i]);
	for (i = 0; i < c->nwhere; i++)
		jn_input_watch_pred(in, in->where[i]);
	in->nwhere_watch = in->nwatch;
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

static void keep_head(struct jn_input *, const struct jn_record *);

/*
 * Which watched fields rec carries, and the first record (the keys of an
 * NDJSON one, the header of a CSV one's file, are the fields a "fields
 * are" hint lists): until every watched field is seen, a few bits per
 * record.
 */
static void
note_record(struct jn_input *in, const struct jn_record *rec)
{
	uint64_t m;

	for (m = in->unseen; m != 0; m &= m - 1) {
		int slot = __builtin_ctzll(m);

		if (rec->vals[slot].ptr != NULL)
			in->unseen &= ~(UINT64_C(1) << slot);
	}
	if (in->head == NULL)
		keep_head(in, rec);
}

/*
 * Fill ev's answers from rec.  Returns 0, or -1 with ev->answered the
 * kind of the first bad answer and ev->name, ev->name_len its text.
 */
static int
read_scores(const struct jn_input *in, const struct jn_record *rec,
    struct jn_event *ev)
{
	const char *v;
	size_t len;
	int k, a;

	ev->answered = 0;
	for (k = 0; k < JN_NSCORES; k++) {
		ev->score[k] = -1;
		v = jn_record_get(rec, in->score_slot[k], &len);
		if (v == NULL || len == 0)
			continue;
		if (jn_score_parse((enum jn_score_kind)k, v, len, &a) != 0) {
			ev->answered = k;
			ev->name = v;
			ev->name_len = len;
			return -1;
		}
		ev->score[k] = (int8_t)a;
	}
	ev->answered = ev->score[JN_NPS] >= 0 || ev->score[JN_CSAT] >= 0 ||
	    ev->score[JN_CES] >= 0;
	return 0;
}

static int
on_record(void *ctx, const struct jn_record *rec)
{
	struct jn_input *in = ctx;
	struct jn_event ev;
	const char *t;
	size_t tlen, i;
	char q[80];

	if (in->unseen != 0 || in->head == NULL)
		note_record(in, rec);
	ev.user = jn_record_get(rec, in->user_slot, &ev.user_len);
	if (ev.user == NULL || ev.user_len == 0)
		return jn_badrec_add(&in->bad, rec, "missing user field%s",
		    in->opt.user_field ? "" : " (use -u FIELD)");
	t = jn_record_get(rec, in->time_slot, &tlen);
	if (t == NULL || tlen == 0)
		return jn_badrec_add(&in->bad, rec, "missing time field%s",
		    in->opt.time_field ? "" : " (use -t FIELD)");
	if (in->opt.time_format != NULL) {
		if (jn_time_parse_format(in->opt.time_format, t, tlen,
		    in->opt.time_zone, &ev.time) != 0)
			return jn_badrec_add(&in->bad, rec, "time '%s' does "
			    "not match --time-format '%s'", jn_quote(q,
			    sizeof q, t, tlen), in->opt.time_format);
	} else if (jn_time_parse_zone(t, tlen, in->opt.time_zone,
	    &ev.time) != 0) {
		return jn_badrec_add(&in->bad, rec, "bad time '%s'",
		    jn_quote(q, sizeof q, t, tlen));
	}
	/* a bad answer is a bad record, whatever --since and --where say */
	memset(ev.score, -1, sizeof ev.score);
	ev.answered = 0;
	if (in->opt.scores && read_scores(in, rec, &ev) != 0)
		return jn_badrec_add(&in->bad, rec, "bad %s answer '%s' "
		    "(a whole number %d to %d)", jn_score_name[ev.answered],
		    jn_quote(q, sizeof q, ev.name, ev.name_len),
		    jn_score_min[ev.answered], jn_score_max[ev.answered]);
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

/* The reader's quiet callback: the tool's, with its ctx. */
static int
on_input_quiet(void *ctx)
{
	struct jn_input *in = ctx;

	return in->quiet_fn(in->ctx);
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
	ro->delim = in->opt.delimiter;
	ro->progress = !in->opt.no_progress && isatty(STDERR_FILENO);
	ro->stdin_path = stdin_path;
	ro->follow = in->follow;
	ro->keep_raw = in->keep_raw;
	if (in->follow) {
		jn_follow_signals();
		if (in->quiet_fn != NULL && in->close_after > 0) {
			ro->quiet_ns = in->close_after;
			ro->on_quiet = on_input_quiet;
			ro->quiet_ctx = in;
		}
	}
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
	free(in->head);
	in->head = NULL;
}

int
jn_close_stdout(int status)
{
	if (ferror(stdout) | (fclose(stdout) != 0)) {
		/* a failed status means the write error was reported */
		if (status != JN_EXIT_ERROR)
			jn_error("write error: %s", errno ?
			    strerror(errno) : "standard output");
		jn_output_commit(0);
		return JN_EXIT_ERROR;
	}
	/* --output: the file is renamed into place whole, or not at all */
	if (jn_output_commit(status != JN_EXIT_ERROR) != 0)
		return JN_EXIT_ERROR;
	return status;
}

/* ---- names that matched nothing, and runs that used nothing ---- */

/*
 * The first record: an NDJSON one's bytes, a CSV/TSV one's file name
 * (its header is read again only for a hint: the reader under -j keeps
 * no header where this layer could see it, and a hint must not depend
 * on -j).
 */
static void
keep_head(struct jn_input *in, const struct jn_record *rec)
{
	const char *p = rec->format == JN_IN_NDJSON ? rec->raw : rec->file;
	size_t n = rec->format == JN_IN_NDJSON ? rec->rawlen :
	    strlen(rec->file);

	if (p == NULL)
		return;
	free(in->head);
	if (rec->format == JN_IN_NDJSON) {
		/* as read: the reader may have ended strings in place */
		in->head = jn_xmalloc(n + 1);
		jn_badrec_copy_raw(&in->bad, rec, in->head);
		in->head[n] = '\0';
	} else {
		in->head = jn_xstrndup(p, n);
	}
	in->head_len = n;
	in->head_format = rec->format;
	in->head_pos = rec->pos;
}

void
jn_input_watch_field(struct jn_input *in, const char *what,
    const char *field, int slot)
{
	struct jn_watch *w;

	/* an empty name (--session '') asks for no such field */
	if (in->nwatch == JN_MAX_WATCH || slot < 0 || *field == '\0')
		return;
	w = &in->watch[in->nwatch++];
	w->what = what;
	w->field = field;
	w->slot = slot;
	w->pred = NULL;
	in->unseen |= UINT64_C(1) << slot;
}

void
jn_input_watch_pred(struct jn_input *in, struct jn_pred *p)
{
	struct jn_watch *w;

	if (in->nwatch == JN_MAX_WATCH || p == NULL)
		return;
	w = &in->watch[in->nwatch++];
	w->what = jn_pred_what(p);
	w->field = NULL;
	w->slot = -1;
	w->pred = p;
	in->unseen |= jn_pred_slots(p);
}

void
jn_input_watch_names(struct jn_input *in, struct jn_namecache *names)
{
	in->names = names;
}

void
jn_input_gather(struct jn_input *in, struct jn_input *w)
{
	size_t i;

	assert(w->nwatch == in->nwatch);
	in->unseen &= w->unseen;
	for (i = 0; i < in->nwatch && i < w->nwatch; i++)
		if (in->watch[i].pred != NULL && w->watch[i].pred != NULL)
			jn_pred_add_hits(in->watch[i].pred, w->watch[i].pred);
	if (in->names != NULL && w->names != NULL)
		free(jn_intern_merge(&in->names->names, &w->names->names));
	/* the first record any worker saw: the lowest position */
	if (w->head != NULL && (in->head == NULL ||
	    w->head_pos < in->head_pos)) {
		free(in->head);
		in->head = w->head;
		in->head_len = w->head_len;
		in->head_format = w->head_format;
		in->head_pos = w->head_pos;
		w->head = NULL;
	}
}

/*
 * Edit distance with adjacent transpositions (optimal string alignment):
 * "view_itme" is one step from "view_item".  Names over 63 bytes are
 * too far from anything.
 */
size_t
jn_edit_distance(const char *a, size_t n, const char *b, size_t m)
{
	size_t d[3][64], i, j;

	if (n > 63 || m > 63)
		return SIZE_MAX;
	for (j = 0; j <= m; j++)
		d[0][j] = j;
	for (i = 1; i <= n; i++) {
		size_t *r = d[i % 3], *p = d[(i - 1) % 3], *pp = d[(i + 1) % 3];

		r[0] = i;
		for (j = 1; j <= m; j++) {
			size_t c = p[j - 1] + (a[i - 1] != b[j - 1]);

			if (p[j] + 1 < c)
				c = p[j] + 1;
			if (r[j - 1] + 1 < c)
				c = r[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < c)
				c = pp[j - 2] + 1;
			r[j] = c;
		}
	}
	return d[n % 3][m];
}

/*
 * The event name seen closest to name[0..len), when close enough to be a
 * typo (one edit from 4 bytes on, two from 8), ties to the smallest in
 * byte order; NULL when none is, or when name itself was seen.
 */
static const char *
closest_name(const struct jn_input *in, const char *name, size_t len)
{
	const struct jn_intern *t;
	const char *best = NULL;
	size_t bestd = len < 4 ? 0 : len < 8 ? 1 : 2, i, n;

	if (in->names == NULL || bestd == 0)
		return NULL;
	t = &in->names->names;
	n = jn_intern_count(t);
	for (i = 0; i < n; i++) {
		size_t sl, d;
		const char *s = jn_intern_str(t, (uint32_t)i, &sl);

		d = jn_edit_distance(name, len, s, sl);
		if (d == 0)
			return NULL;
		if (d < bestd || (d == bestd && best != NULL &&
		    strcmp(s, best) < 0) || (d == bestd && best == NULL)) {
			bestd = d;
			best = s;
		}
	}
	return best;
}

/*
 * The header line of CSV/TSV file path, for a hint: a plain file only
 * (not standard input, not .gz).  NULL when there is none.  Caller frees.
 */
static char *
read_header(const char *path, size_t *len)
{
	size_t n = strlen(path);
	char *line = NULL, *p;
	size_t cap = 0;
	ssize_t got;
	FILE *f;

	if (strcmp(path, "<stdin>") == 0 ||
	    (n > 3 && strcmp(path + n - 3, ".gz") == 0) ||
	    (f = fopen(path, "r")) == NULL)
		return NULL;
	got = getline(&line, &cap, f);
	fclose(f);
	if (got <= 0) {
		free(line);
		return NULL;
	}
	while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
		line[--got] = '\0';
	p = line;
	if (got >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		memmove(p, p + 3, (size_t)got - 2);
		got -= 3;
	}
	*len = (size_t)got;
	return line;
}

/* Append the input's field names, from its first header or record. */
static void
head_fields(const struct jn_input *in, struct jn_strbuf *b)
{
	const char *p = in->head, *end = in->head + in->head_len;
	char *hdr = NULL;
	size_t hlen = 0;
	int n = 0;

	if (in->head_format == JN_IN_NDJSON) {
		/* the object's keys, each value skipped whole */
		while (p < end && *p != '{')
			p++;
		for (p++; p < end && n < 40; p++) {
			const char *k;
			int depth = 0, instr = 0;

			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if (p == end || *p != '"')
				return;
			for (k = ++p; p < end && *p != '"'; p++)
				if (*p == '\\' && p + 1 < end)
					p++;
			jn_strbuf_printf(b, "%s%.*s", n++ ? ", " : "",
			    (int)(p - k), k);
			while (++p < end && *p != ':')
				;
			for (p++; p < end; p++) {
				if (instr) {
					if (*p == '\\')
						p++;
					else if (*p == '"')
						instr = 0;
				} else if (*p == '"') {
					instr = 1;
				} else if (*p == '{' || *p == '[') {
					depth++;
				} else if (*p == '}' || *p == ']') {
					if (depth-- == 0)
						return;
				} else if (*p == ',' && depth == 0) {
					break;
				}
			}
		}
		return;
	}
	if ((hdr = read_header(in->head, &hlen)) == NULL)
		return;
	p = hdr;
	end = hdr + hlen;
	{
		char delim = in->opt.delimiter != 0 ? in->opt.delimiter :
		    in->head_format == JN_IN_TSV ? '\t' : ',';

		while (p <= end && n < 40) {
			const char *f = p, *e;

			while (p < end && *p != delim)
				p++;
			e = p;
			if (e > f && *f == '"' && e[-1] == '"' && e - f >= 2) {
				f++;
				e--;
			}
			jn_strbuf_printf(b, "%s%.*s", n++ ? ", " : "",
			    (int)(e - f), f);
			p++;
		}
	}
	free(hdr);
}

/*
 * Report one watch that matched nothing, as a warning or (--strict) an
 * error.  Returns 1 when reported.
 */
static int
report_watch(struct jn_input *in, const struct jn_watch *w)
{
	struct jn_strbuf b = { NULL, 0, 0 };
	char q[80], fix[256];
	uint64_t unseen;
	const char *name, *near;
	size_t len, i;

	if (w->field != NULL) {
		if (!(in->unseen >> w->slot & 1))
			return 0;
		jn_strbuf_printf(&b, "%s: no field '%s'", w->what,
		    jn_quote(q, sizeof q, w->field, strlen(w->field)));
	} else {
		if (jn_pred_hits(w->pred) > 0)
			return 0;
		/* a field already said to be missing says why */
		unseen = jn_pred_slots(w->pred) & in->unseen;
		for (i = 0; i < in->nwatch; i++)
			if (in->watch[i].field != NULL &&
			    (unseen >> in->watch[i].slot & 1))
				return 0;
		/* after an earlier --where that matched nothing, untried */
		for (i = 0; i < in->nwhere_watch && &in->watch[i] != w; i++)
			if (in->watch[i].pred != NULL &&
			    jn_pred_hits(in->watch[i].pred) == 0)
				return 0;
		name = jn_pred_text(w->pred);
		jn_strbuf_printf(&b, "%s '%s' matched no event", w->what,
		    jn_quote(q, sizeof q, name, strlen(name)));
		if (jn_pred_unspaced(name, fix, sizeof fix)) {
			jn_strbuf_printf(&b, "; operators have no spaces: %s",
			    fix);
		} else if (unseen != 0) {
			int slot = __builtin_ctzll(unseen);

			jn_strbuf_printf(&b, "; no field '%s'",
			    in->schema.slots[slot].names[0]);
		} else if ((name = jn_pred_name(w->pred, &len)) != NULL &&
		    (near = closest_name(in, name, len)) != NULL) {
			jn_strbuf_printf(&b, "; did you mean %s?", near);
		}
		if (unseen == 0 || strstr(b.buf, "no field") == NULL)
			goto out;
	}
	if (in->head != NULL) {
		struct jn_strbuf f = { NULL, 0, 0 };

		head_fields(in, &f);
		if (f.len > 0)
			jn_strbuf_printf(&b, "; fields are: %s", f.buf);
		free(f.buf);
	}
out:
	if (in->opt.strict)
		jn_error("%s", b.buf);
	else
		jn_warn("%s", b.buf);
	free(b.buf);
	return 1;
}

/*
 * Every record was rejected.  When none of those that parsed had a user
 * (or a time) field, NDJSON objects named otherwise, say which names were
 * looked for and which the first record has.
 */
static int
all_rejected(struct jn_input *in, uint64_t nin)
{
	struct jn_strbuf b = { NULL, 0, 0 }, f = { NULL, 0, 0 };
	const struct jn_slot *slot;
	int user = in->unseen >> in->user_slot & 1, rc;
	size_t k;

	/* no record parsed (bad JSON throughout): nothing to say */
	if (in->head == NULL || (!user && !(in->unseen >> in->time_slot & 1)))
		return jn_error("no events used: all %llu records read were "
		    "rejected", (unsigned long long)nin);
	slot = &in->schema.slots[user ? in->user_slot : in->time_slot];
	jn_strbuf_printf(&b, "no events used: all %llu records read were "
	    "rejected: none has a %s field (", (unsigned long long)nin,
	    user ? "user" : "time");
	for (k = 0; k < slot->nnames; k++)
		jn_strbuf_printf(&b, "%s%s", k ? ", " : "", slot->names[k]);
	jn_strbuf_printf(&b, "%s)", slot->loose ?
	    ", any case or separators" : "");
	head_fields(in, &f);
	if (f.len > 0)
		jn_strbuf_printf(&b, "; fields are: %s", f.buf);
	jn_strbuf_printf(&b, "; use %s FIELD", user ? "-u" : "-t");
	rc = jn_error("%s", b.buf);
	free(b.buf);
	free(f.buf);
	return rc;
}

int
jn_input_check(struct jn_input *in)
{
	uint64_t nin = in->records_in, bad = in->bad.count;
	int named = 0;
	size_t i;

	/*
	 * With no event used, the tool's expressions were never tried;
	 * the fields and --where were, on every record that was not bad.
	 */
	for (i = 0; i < in->nwatch && nin > bad; i++)
		if (in->events_used > 0 || in->watch[i].field != NULL ||
		    i < in->nwhere_watch)
			named += report_watch(in, &in->watch[i]);
	if (named > 0 && in->opt.strict)
		return -1;
	if (in->events_used == 0 && !in->opt.allow_empty) {
		if (nin == 0)
			return jn_error("no records in the input (--allow-empty "
			    "accepts that)");
		if (bad == nin)
			return all_rejected(in, nin);
		return jn_error("no events used: %llu records read, %llu "
		    "rejected, %llu left out by --where, --since or --until "
		    "(--allow-empty accepts that)", (unsigned long long)nin,
		    (unsigned long long)bad, (unsigned long long)(nin - bad));
	}
	if (nin > 0 && (double)bad / (double)nin > in->opt.max_rejected)
		return jn_error("too many bad records: %llu of %llu read "
		    "(%.0f%%, over --max-rejected %g)", (unsigned long long)bad,
		    (unsigned long long)nin, 100.0 * (double)bad / (double)nin,
		    in->opt.max_rejected);
	return 0;
}
