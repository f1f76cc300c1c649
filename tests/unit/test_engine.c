/*
 * Tests of the reporter engine through a toy reporter that keeps each
 * event's time: every unit is handed over exactly once with all its
 * events, whatever -j says (1, 2, 3 and 5 workers over a multi-megabyte
 * log, so that users' events fall into many batches), with --sorted on
 * grouped input, and per session; units are numbered by first appearance
 * (unit_move, jn_engine_global); a user who comes back under --sorted is
 * an error at its line.  A reporter that takes units in any order
 * (jn_units_any_order) gets the same units, each with its events in
 * input order.  A reporter that keeps its records through the lookup
 * pipeline (jn_units_put_record) gets the same units, numbered in the
 * same order, with the same events in the same order, keys of any length.
 * jn_engine_main runs the toy as a tool's main() would, in a child
 * process: its table, its exit statuses (0, the gate's 1, 2 for a bad
 * option, a missing file or a failed hook), --partial's state.
 */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "journey/engine.h"
#include "journey/util.h"

struct rec {
	int64_t ts;
	uint32_t unit;
	uint32_t pad;
};

/* One reporter state: the main one, or a reading worker's. */
struct toy {
	struct jn_common common;
	struct jn_input in;
	struct jn_units units;
	struct jn_engine engine;
	struct jn_run run;
	int per_session;
	int any_order;		/* jn_units_any_order */
	int deferred;		/* jn_units_put_record */
	uint32_t seq;		/* events kept so far, in input order */
	/* results: "key times..." per unit, in the order handed over */
	char **lines;
	size_t nlines, cap;
	/* unit_move's keys, by g */
	char **moved;
	size_t nmoved, movedcap;
	int globals_checked;
	int fail_gate, fail_end;	/* jn_engine_main's toy options */
	int end_status;		/* what its end hook was told, plus 1 */
};

static int
toy_setup(void *state, int worker)
{
	struct toy *t = state;

	t->lines = NULL;
	t->nlines = t->cap = 0;
	t->moved = NULL;
	t->nmoved = t->movedcap = 0;
	if ((worker ? jn_input_init_worker(&t->in, &t->common) :
	    jn_input_init(&t->in, &t->common)) != 0)
		return -1;
	jn_units_init(&t->units, sizeof(struct rec), offsetof(struct rec,
	    unit), t->per_session);
	t->units.sorted = t->run.sorted;
	if (t->any_order)
		jn_units_any_order(&t->units);
	t->seq = 0;
	return 0;
}

static void
toy_release(void *state)
{
	struct toy *t = state;
	size_t i;

	for (i = 0; i < t->nlines; i++)
		free(t->lines[i]);
	for (i = 0; i < t->nmoved; i++)
		free(t->moved[i]);
	free(t->lines);
	free(t->moved);
}

/*
 * The main state of a test that runs jn_engine_input itself: all of it,
 * as jn_engine_main would free it (toy_release frees the toy's own).
 */
static void
toy_free(struct toy *t)
{
	jn_engine_release(&t->engine);
	toy_release(t);
	jn_input_release(&t->in);
	jn_units_release(&t->units);
}

static int
toy_event(void *ctx, const struct jn_event *ev)
{
	struct toy *t = ctx;
	uint32_t u;
	struct rec *r;

	if (t->deferred) {
		struct rec d;

		d.ts = ev->time;
		d.unit = UINT32_MAX;	/* the pipeline's to fill */
		d.pad = t->seq++;
		return jn_units_put_record(&t->units, ev, &d);
	}
	if ((u = jn_units_get(&t->units, ev)) == JN_UNIT_NONE)
		return -1;
	r = jn_units_keep(&t->units, u);
	r->ts = ev->time;
	r->pad = t->seq++;	/* one reading thread: the input's order */
	return 0;
}

static int
rec_cmp(const void *pa, const void *pb)
{
	const struct rec *a = pa, *b = pb;

	return a->ts < b->ts ? -1 : a->ts > b->ts;
}

static void
add_line(struct toy *t, char *line)
{
	t->lines = jn_xgrow(t->lines, &t->cap, t->nlines + 1,
	    sizeof *t->lines);
	t->lines[t->nlines++] = line;
}

/* A unit as one line: its key (session after a '/'), then its times. */
static void
toy_unit(void *tool, void *acc, const struct jn_unit *u, void *rec, size_t n)
{
	struct rec *r = rec;
	struct jn_strbuf b = { NULL, 0, 0 };
	size_t i, len;
	const char *key = jn_unit_key(u, &len);

	/* in any order with one thread: each unit's in input order */
	if (((const struct toy *)tool)->any_order &&
	    ((const struct toy *)tool)->run.jobs == 1)
		for (i = 1; i < n; i++)
			assert_true(r[i - 1].pad < r[i].pad);
	for (i = 0; i < len; i++)
		jn_strbuf_printf(&b, "%c", key[i] ? key[i] : '/');
	qsort(r, n, sizeof *r, rec_cmp);
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].unit, r[0].unit);
		jn_strbuf_printf(&b, " %lld", (long long)r[i].ts);
	}
	add_line(acc, b.buf);
}

static void
toy_merge(void *tool, void *acc)
{
	struct toy *t = tool, *a = acc;
	size_t i;

	for (i = 0; i < a->nlines; i++)
		add_line(t, a->lines[i]);
	a->nlines = 0;
}

static void
toy_move(void *tool, uint32_t g, const struct jn_unit *u)
{
	struct toy *t = tool;
	size_t len;
	const char *key = jn_unit_key(u, &len);

	assert_int_equal(g, t->nmoved);
	t->moved = jn_xgrow(t->moved, &t->movedcap, t->nmoved + 1,
	    sizeof *t->moved);
	t->moved[t->nmoved++] = jn_xstrndup(key, len);
}

/* Every worker's unit has the global number of the same key. */
static void
toy_counted(void *tool, const struct jn_engine *e)
{
	struct toy *t = tool;
	size_t id, len, glen;
	int k;

	for (k = 0; k < e->nworkers; k++) {
		const struct toy *w = e->workers[k];

		for (id = 0; id < jn_units_count(&w->units); id++) {
			uint32_t g = jn_engine_global(e, k, (uint32_t)id);
			const char *key = jn_units_key(&w->units,
			    (uint32_t)id, &len);
			const char *gkey = jn_units_key(&t->units, g, &glen);

			assert_int_equal(len, glen);
			assert_memory_equal(key, gkey, len);
		}
	}
	t->globals_checked = 1;
}

static const struct jn_reporter toy_reporter = {
	JN_REPORTER_STATE(struct toy),
	.setup = toy_setup,
	.release = toy_release,
	.event = toy_event,
	.unit = toy_unit,
	.merge = toy_merge,
	.unit_move = toy_move,
	.counted = toy_counted,
};

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A log of nusers users (ids u0...) whose events are interleaved at
 * random, or grouped by user when grouped; every third user's events
 * carry one of two sessions.  Returns the path (caller unlinks, frees).
 */
static int log_long_keys;	/* write_log: every fifth user's id long */

static char *
write_log(size_t nusers, size_t nevents, int grouped)
{
	char *path = jn_xstrdup("/tmp/jn-test-engine-XXXXXX");
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	uint64_t x = 42;
	size_t i;

	assert_non_null(f);
	fputs("user_id,session_id,timestamp,event\n", f);
	for (i = 0; i < nevents; i++) {
		size_t u;
		unsigned sec;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		u = grouped ? i * nusers / nevents : (size_t)(x >> 33) % nusers;
		sec = (unsigned)(x >> 20) % 86400;
		fprintf(f, "%su%zu,%s,2026-10-01T%02u:%02u:%02uZ,e\n",
		    log_long_keys && u % 5 == 0 ? "a-user-id-longer-than-forty-"
		    "bytes-of-the-pipeline-" : "", u,
		    u % 3 == 0 ? ((x >> 40) & 1 ? "s1" : "s2") : "",
		    sec / 3600, sec / 60 % 60, sec % 60);
	}
	assert_int_equal(fclose(f), 0);
	return path;
}

/*
 * Run the toy over path with jobs threads; returns its lines, sorted
 * (*n of them; caller frees), and the unit keys in first-appearance
 * order in *order (NULL with one thread).
 */
static int toy_any_order;	/* run_toy's reporters: jn_units_any_order */
static int toy_deferred;	/* and jn_units_put_record */

static char **
run_toy(const char *path, int jobs, int sorted, int per_session, size_t *n,
    char ***order, size_t *norder)
{
	static struct toy t, options;
	char *files[1];
	char **lines;
	int rc;

	files[0] = (char *)path;
	memset(&t, 0, sizeof t);
	jn_common_init(&t.common);
	t.common.no_progress = 1;
	t.run.jobs = jobs;
	t.run.sorted = sorted;
	t.per_session = per_session;
	t.any_order = toy_any_order;
	t.deferred = toy_deferred;
	options = t;
	assert_int_equal(toy_setup(&t, 0), 0);
	rc = jn_engine_input(&t.engine, &toy_reporter, &t, &options, &t.run,
	    files, 1, NULL);
	assert_int_equal(rc, JN_EXIT_OK);
	assert_int_equal(t.globals_checked, 1);
	qsort(t.lines, t.nlines, sizeof *t.lines, str_cmp);
	lines = t.lines;
	*n = t.nlines;
	*order = t.moved;
	*norder = t.nmoved;
	t.lines = NULL;
	t.nlines = 0;
	t.moved = NULL;
	t.nmoved = 0;
	if (*order == NULL) {	/* one thread: its units, in order */
		size_t i, len;

		*norder = jn_units_count(&t.units);
		*order = jn_xcalloc(*norder + 1, sizeof **order);
		for (i = 0; i < *norder; i++) {
			const char *k = jn_units_key(&t.units, (uint32_t)i,
			    &len);

			(*order)[i] = jn_xstrndup(k, len);
		}
	}
	toy_free(&t);
	return lines;
}

static void
free_lines(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
check_jobs(int per_session)
{
	char *path = write_log(3000, 100000, 0);
	char **one, **order1, **many, **order;
	size_t n1, no1, n, no, i;
	int jobs[] = { 2, 3, 5 }, j;

	one = run_toy(path, 1, 0, per_session, &n1, &order1, &no1);
	assert_true(n1 > 3000 - 10);	/* nearly every user appears */
	if (per_session)
		assert_true(n1 > no1 / 2);
	for (j = 0; j < 3; j++) {
		many = run_toy(path, jobs[j], 0, per_session, &n, &order, &no);
		assert_int_equal(n, n1);
		for (i = 0; i < n; i++)
			assert_string_equal(many[i], one[i]);
		assert_int_equal(no, no1);
		for (i = 0; i < no; i++)
			assert_string_equal(order[i], order1[i]);
		free_lines(many, n);
		free_lines(order, no);
	}
	free_lines(one, n1);
	free_lines(order1, no1);
	unlink(path);
	free(path);
}

static void
test_jobs_per_user(void **state)
{
	(void)state;
	check_jobs(0);
}

static void
test_jobs_per_session(void **state)
{
	(void)state;
	check_jobs(1);
}

/* --sorted on grouped input hands over what one pass over it does. */
static void
test_sorted(void **state)
{
	char *path = write_log(500, 20000, 1);
	char **one, **sorted, **o1, **o2;
	size_t n1, n2, no1, no2, i;

	(void)state;
	one = run_toy(path, 1, 0, 0, &n1, &o1, &no1);
	sorted = run_toy(path, 4, 1, 0, &n2, &o2, &no2);
	assert_int_equal(n1, 500);
	assert_int_equal(n2, n1);
	for (i = 0; i < n1; i++)
		assert_string_equal(sorted[i], one[i]);
	free_lines(one, n1);
	free_lines(sorted, n2);
	free_lines(o1, no1);
	free_lines(o2, no2);
	unlink(path);
	free(path);
}

/*
 * Units in any order: with one thread the records are dealt out to lists
 * (3,000 users: several per list, users of a list interleaved), and every
 * unit still comes once with all its events, in input order (toy_unit);
 * -j and --sorted are unchanged by it.
 */
static void
test_any_order(void **state)
{
	char *path = write_log(3000, 100000, 0), *grouped;
	char **one, **any, **o1, **o2;
	size_t n1, n2, no1, no2, i;
	int jobs[] = { 1, 2, 3 }, j, per_session;

	(void)state;
	for (per_session = 0; per_session <= 1; per_session++) {
		one = run_toy(path, 1, 0, per_session, &n1, &o1, &no1);
		toy_any_order = 1;
		for (j = 0; j < 3; j++) {
			any = run_toy(path, jobs[j], 0, per_session, &n2, &o2,
			    &no2);
			assert_int_equal(n2, n1);
			for (i = 0; i < n1; i++)
				assert_string_equal(any[i], one[i]);
			free_lines(any, n2);
			free_lines(o2, no2);
		}
		toy_any_order = 0;
		free_lines(one, n1);
		free_lines(o1, no1);
	}
	unlink(path);
	free(path);
	/* --sorted: one unit at a time, as without */
	grouped = write_log(500, 20000, 1);
	one = run_toy(grouped, 1, 1, 0, &n1, &o1, &no1);
	toy_any_order = 1;
	any = run_toy(grouped, 1, 1, 0, &n2, &o2, &no2);
	toy_any_order = 0;
	assert_int_equal(n1, 500);
	assert_int_equal(n2, n1);
	for (i = 0; i < n1; i++)
		assert_string_equal(any[i], one[i]);
	free_lines(one, n1);
	free_lines(any, n2);
	free_lines(o1, no1);
	free_lines(o2, no2);
	unlink(grouped);
	free(grouped);
}

/*
 * The lookup pipeline: the same lines and the same numbering as direct
 * lookups, per user and per session (straight through), with one thread
 * and with -j, records in any order (each unit's in input order), users
 * whose ids are too long to wait in it interleaved with the rest, and
 * under --sorted (straight through).
 */
static void
test_deferred(void **state)
{
	char *path, *grouped;
	char **one, **def, **o1, **o2;
	size_t n1, n2, no1, no2, i;
	int jobs[] = { 1, 2, 3 }, j, per_session, any;

	(void)state;
	log_long_keys = 1;
	path = write_log(3000, 100000, 0);
	log_long_keys = 0;
	for (per_session = 0; per_session <= 1; per_session++)
		for (any = 0; any <= 1; any++)
			for (j = 0; j < 3; j++) {
				toy_any_order = any;
				one = run_toy(path, jobs[j], 0, per_session,
				    &n1, &o1, &no1);
				toy_deferred = 1;
				def = run_toy(path, jobs[j], 0, per_session,
				    &n2, &o2, &no2);
				toy_deferred = 0;
				toy_any_order = 0;
				assert_true(n1 > 3000 - 10);
				assert_int_equal(n2, n1);
				for (i = 0; i < n1; i++)
					assert_string_equal(def[i], one[i]);
				assert_int_equal(no2, no1);
				for (i = 0; i < no1; i++)
					assert_string_equal(o2[i], o1[i]);
				free_lines(one, n1);
				free_lines(def, n2);
				free_lines(o1, no1);
				free_lines(o2, no2);
			}
	unlink(path);
	free(path);
	grouped = write_log(500, 20000, 1);
	one = run_toy(grouped, 1, 1, 0, &n1, &o1, &no1);
	toy_deferred = 1;
	def = run_toy(grouped, 1, 1, 0, &n2, &o2, &no2);
	toy_deferred = 0;
	assert_int_equal(n1, 500);
	assert_int_equal(n2, n1);
	for (i = 0; i < n1; i++)
		assert_string_equal(def[i], one[i]);
	free_lines(one, n1);
	free_lines(def, n2);
	free_lines(o1, no1);
	free_lines(o2, no2);
	unlink(grouped);
	free(grouped);
}

/* A user who comes back under --sorted: an error, nothing counted. */
static void
test_sorted_comes_back(void **state)
{
	static struct toy t, options;
	char *path = jn_xstrdup("/tmp/jn-test-engine-XXXXXX");
	int fd = mkstemp(path);
	const char log[] = "user_id,timestamp,event\n"
	    "a,2026-10-01T00:00:00Z,e\nb,2026-10-01T00:00:01Z,e\n"
	    "a,2026-10-01T00:00:02Z,e\n";
	char *files[1] = { path };

	(void)state;
	assert_true(write(fd, log, sizeof log - 1) == (ssize_t)sizeof log - 1);
	close(fd);
	memset(&t, 0, sizeof t);
	jn_common_init(&t.common);
	t.common.no_progress = 1;
	t.run.jobs = 1;
	t.run.sorted = 1;
	options = t;
	assert_int_equal(toy_setup(&t, 0), 0);
	assert_int_equal(jn_engine_input(&t.engine, &toy_reporter, &t,
	    &options, &t.run, files, 1, NULL), -1);
	/* user a was handed over before b began; nothing after */
	assert_int_equal(t.nlines, 1);
	assert_string_equal(t.lines[0], "a 1790812800000000000");
	toy_free(&t);
	unlink(path);
	free(path);
}

/* ---- jn_engine_main: the toy as a tool ---- */

enum { OPT_FAIL_GATE = JN_OPT_TOOL_BASE, OPT_FAIL_END };

static const struct option main_longopts[] = {
	{ "fail-gate", no_argument, NULL, OPT_FAIL_GATE },
	{ "fail-end", no_argument, NULL, OPT_FAIL_END },
	JN_RUN_LONGOPTS,
};

static const char main_usage[] = "usage: toy [--fail-gate] [FILE ...]\n";

static int
main_parse(void *state, int argc, char **argv)
{
	static struct option *longopts;
	struct toy *t = state;
	int opt, r;

	free(longopts);
	longopts = jn_cli_options(main_longopts, sizeof main_longopts /
	    sizeof main_longopts[0]);
	t->common.no_progress = 1;
	while ((opt = getopt_long(argc, argv, JN_RUN_SHORTOPTS
	    JN_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		r = jn_common_option(&t->common, opt, optarg);
		if (r == 0)
			r = jn_run_option(&t->run, opt, optarg);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (opt) {
		case OPT_FAIL_GATE:
			t->fail_gate = 1;
			break;
		case OPT_FAIL_END:
			t->fail_end = 1;
			break;
		default:
			return jn_cli_other(opt, main_usage, "");
		}
	}
	return jn_run_check(&t->run);
}

static int
main_end(void *state, int status)
{
	struct toy *t = state;

	t->end_status = status + 1;
	return t->fail_end ? jn_error("the end hook fails") : 0;
}

static int
main_write(void *state, enum jn_format fmt, char **files, int nfiles)
{
	struct toy *t = state;

	/* said, not asserted: this runs in run_main's child */
	printf("%zu units, %d file, end %d, %s\n", t->nlines, nfiles,
	    t->end_status - 1, fmt == JN_FMT_CSV ? "csv" : "not csv");
	return 0;
}

static int
main_gate(const void *state)
{
	return ((const struct toy *)state)->fail_gate;
}

static void
main_config(const void *tool, struct jn_strbuf *b)
{
	jn_strbuf_printf(b, "toy");
}

static int
main_write_state(void *tool, FILE *out)
{
	return fputs("{\"toy\":1}\n", out) < 0 ? -1 : 0;
}

static const struct jn_reporter main_reporter = {
	JN_REPORTER_STATE(struct toy),
	.name = "toy",
	.config = main_config,
	.write_state = main_write_state,
	.parse = main_parse,
	.setup = toy_setup,
	.release = toy_release,
	.event = toy_event,
	.unit = toy_unit,
	.merge = toy_merge,
	.end = main_end,
	.write = main_write,
	.gate = main_gate,
};

/*
 * jn_engine_main over argv in a child, its stdout and stderr to
 * out and err (NUL-ended, truncated to size); returns the exit status.
 */
static int
run_main(char **argv, char *out, char *err, size_t size)
{
	static struct toy t;
	char opath[] = "/tmp/jn-test-engine-out-XXXXXX";
	char epath[] = "/tmp/jn-test-engine-err-XXXXXX";
	int ofd = mkstemp(opath), efd = mkstemp(epath), argc, status;
	ssize_t n;
	pid_t pid;

	assert_true(ofd >= 0 && efd >= 0);
	unlink(opath);
	unlink(epath);
	for (argc = 0; argv[argc] != NULL; argc++)
		continue;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(ofd, STDOUT_FILENO) < 0 ||
		    dup2(efd, STDERR_FILENO) < 0)
			_exit(99);
		optind = 0;
		_exit(jn_engine_main(&main_reporter, &t, argc, argv));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	n = pread(ofd, out, size - 1, 0);
	assert_true(n >= 0);
	out[n] = '\0';
	n = pread(efd, err, size - 1, 0);
	assert_true(n >= 0);
	err[n] = '\0';
	close(ofd);
	close(efd);
	return WEXITSTATUS(status);
}

/* 3 users; the input read cleanly; -o unset, stdout not a terminal */
#define TABLE "3 units, 1 file, end 0, csv\n"

static void
test_main(void **state)
{
	char *path = write_log(3, 300, 0), out[4096], err[4096];
	char *plain[] = { "toy", path, NULL };
	char *jobs[] = { "toy", "-j", "2", path, NULL };
	char *gate[] = { "toy", "--fail-gate", path, NULL };
	char *gate_partial[] = { "toy", "--fail-gate", "--partial", path,
	    NULL };
	char *end[] = { "toy", "--fail-end", path, NULL };
	char *bad[] = { "toy", "--bogus", path, NULL };
	char *missing[] = { "toy", "/nonexistent/log.csv", NULL };
	char *both[] = { "toy", "--partial", "--merge", path, NULL };

	(void)state;
	assert_int_equal(run_main(plain, out, err, sizeof out), JN_EXIT_OK);
	assert_string_equal(out, TABLE);
	assert_string_equal(err, "");
	/* -j: the same table */
	assert_int_equal(run_main(jobs, out, err, sizeof out), JN_EXIT_OK);
	assert_string_equal(out, TABLE);
	/* the gate: the table written, then status 1 */
	assert_int_equal(run_main(gate, out, err, sizeof out), JN_EXIT_GATE);
	assert_string_equal(out, TABLE);
	/* --partial writes the state, and no gate is asked */
	assert_int_equal(run_main(gate_partial, out, err, sizeof out),
	    JN_EXIT_OK);
	assert_non_null(strstr(out, "\"journey_state\":\"toy\""));
	assert_non_null(strstr(out, "{\"toy\":1}\n"));
	assert_null(strstr(out, "units"));
	/* a hook that fails: nothing written, status 2 */
	assert_int_equal(run_main(end, out, err, sizeof out), JN_EXIT_ERROR);
	assert_string_equal(out, "");
	assert_string_equal(err, "toy: the end hook fails\n");
	/* a bad option: getopt's word, then the usage */
	assert_int_equal(run_main(bad, out, err, sizeof out), JN_EXIT_ERROR);
	assert_string_equal(out, "");
	assert_string_equal(err, "toy: unrecognized option '--bogus'\n"
	    "usage: toy [--fail-gate] [FILE ...]\n");
	/* options that jn_run_check refuses */
	assert_int_equal(run_main(both, out, err, sizeof out), JN_EXIT_ERROR);
	assert_string_equal(err, "toy: --partial and --merge: one or the "
	    "other\n");
	/* a missing file: reported by the reader, nothing written */
	assert_int_equal(run_main(missing, out, err, sizeof out),
	    JN_EXIT_ERROR);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "/nonexistent/log.csv"));
	unlink(path);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_per_user),
		cmocka_unit_test(test_jobs_per_session),
		cmocka_unit_test(test_sorted),
		cmocka_unit_test(test_sorted_comes_back),
		cmocka_unit_test(test_any_order),
		cmocka_unit_test(test_main),
		cmocka_unit_test(test_deferred),
	};

	jn_set_progname("test_engine");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
