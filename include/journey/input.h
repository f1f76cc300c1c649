/*
 * Events: the layer between the reader and a tool.  It owns the options
 * every tool shares (SPEC section 1: field mapping, --where, --since,
 * --until, bad records, input format), turns each record into an event
 * with a user, a parsed time and an event name, rejects records without a
 * user or a valid time, filters, and hands the survivors to the tool.
 */
#ifndef JOURNEY_INPUT_H
#define JOURNEY_INPUT_H

#include <getopt.h>
#include <stdint.h>

#include "journey/pred.h"
#include "journey/reader.h"
#include "journey/record.h"
#include "journey/score.h"
#include "journey/writer.h"

#define JN_MAX_WHERE 16

/* Options shared by every tool, filled by jn_common_option. */
struct jn_common {
	const char *user_field, *time_field, *event_field, *session_field;
	int64_t session_gap;		/* ns; default 30m */
	const char *where[JN_MAX_WHERE];
	size_t nwhere;
	int has_since, has_until;
	int64_t since, until;		/* ns; [since, until) */
	enum jn_input_format in_format;
	enum jn_format out_format;
	int strict;
	const char *rejects_path;
	int no_progress;
	double max_rejected;		/* share of records; default 0.5 */
	int allow_empty;
	char delimiter;			/* --delimiter; 0: the format's */
	const char *time_format;	/* --time-format; NULL: the default */
	int32_t time_zone;		/* --time-zone, seconds east of UTC */
	int decimal_comma;		/* --decimal-comma */
	const char *since_arg, *until_arg;	/* read again after -Z */
	/*
	 * Survey answers (journey/score.h): set scores before
	 * jn_input_init when the tool reads them (it lists
	 * JN_SCORE_LONGOPTS); score_field[k] is --nps, --csat, --ces or
	 * NULL for the default names.
	 */
	int scores;
	const char *score_field[JN_NSCORES];
};

/* One event, borrowed during the callback. */
struct jn_event {
	const char *user;
	size_t user_len;
	int64_t time;			/* ns since the epoch, UTC */
	const char *name;		/* event name; "" when absent */
	size_t name_len;
	const char *session;		/* NULL without a session field */
	size_t session_len;
	/*
	 * With c->scores: the event's survey answers, -1 for none (an
	 * absent or empty field); answered is non-zero when it has one.
	 */
	int8_t score[JN_NSCORES];
	int answered;
	const struct jn_record *rec;	/* for the tool's own slots */
};

typedef int (*jn_event_fn)(void *ctx, const struct jn_event *ev);

/*
 * A name the user gave (a field option, or a predicate), checked after
 * reading by jn_input_check: a field no record carried, a predicate no
 * event matched, is warned about by name.
 */
struct jn_watch {
	const char *what;	/* "-e", "--by", "step 2", "--where" */
	const char *field;	/* a field option's argument; NULL: a pred */
	int slot;
	struct jn_pred *pred;
};
#define JN_MAX_WATCH 64

struct jn_input {
	struct jn_common opt;
	struct jn_schema schema;
	int user_slot, time_slot, event_slot, session_slot;
	int score_slot[JN_NSCORES];	/* -1 without c->scores */
	struct jn_pred *where[JN_MAX_WHERE];
	struct jn_badrec bad;
	uint64_t records_in, events_used;
	jn_event_fn fn;
	void *ctx;
	/*
	 * Filters may set it before jn_input_run: called with each CSV/TSV
	 * header record (raw bytes) and the tool's ctx.
	 */
	int (*header_fn)(void *, const struct jn_record *);
	/* set before jn_input_run by filters that write rec->raw through:
	 * jn_reader_opts.keep_raw */
	int keep_raw;
	jn_record_fn raw_fn;
	int follow;		/* set before jn_input_run: jn_reader_opts */
	/*
	 * With follow, set before jn_input_run: quiet_fn(ctx) after
	 * close_after ns without input (jn_reader_opts.on_quiet).  Following
	 * installs jn_follow_signals.
	 */
	int64_t close_after;
	int (*quiet_fn)(void *ctx);
	/* names to check after reading (jn_input_watch_*) */
	struct jn_watch watch[JN_MAX_WATCH];
	size_t nwatch, nwhere_watch;	/* -e, --session, --where first */
	uint64_t unseen;	/* watched slots no record has filled yet */
	struct jn_namecache *names;	/* event names seen, if a tool has */
	char *head;		/* the first CSV/TSV header or NDJSON record */
	size_t head_len;
	int head_format;
	uint64_t head_pos;
};

/*
 * Long options shared by every tool, to be appended to a tool's own array
 * (they use codes from JN_OPT_COMMON_BASE up, and -u -t -e -I -o -h -V).
 * JN_COMMON_SHORTOPTS lists their short letters for getopt_long.
 */
#define JN_OPT_COMMON_BASE 1000
#define JN_OPT_TOOL_BASE 2000
#define JN_COMMON_SHORTOPTS "u:t:e:I:o:hV"
/* --fields (writer.h), also for the table tools' own option arrays */
#define JN_OPT_FIELDS (JN_OPT_TOOL_BASE - 1)
extern const struct option jn_common_longopts[];
/* Number of entries in jn_common_longopts, without the terminator. */
extern const size_t jn_common_nlongopts;

/* The default goal of tools that measure conversion. */
#define JN_DEFAULT_GOAL "/^(purchase|order_completed|conversion)$/"

/*
 * --nps, --csat, --ces FIELD: shared by the tools that read survey
 * answers, which list JN_SCORE_LONGOPTS among their long options (and
 * set scores in struct jn_common); jn_common_option handles them.
 */
enum {
	JN_OPT_NPS = JN_OPT_COMMON_BASE + 150,
	JN_OPT_CSAT,
	JN_OPT_CES
};
#define JN_SCORE_LONGOPTS \
	{ "nps", required_argument, NULL, JN_OPT_NPS }, \
	{ "csat", required_argument, NULL, JN_OPT_CSAT }, \
	{ "ces", required_argument, NULL, JN_OPT_CES }

/*
 * A tool's long options followed by the shared ones and the terminator,
 * in a new array for getopt_long; the caller frees it.
 */
struct option *jn_cli_options(const struct option *tool, size_t n);
/* -h: usage, a blank line and help to stdout, exit 0 (2 on write error). */
void jn_cli_help(const char *usage, const char *help)
	__attribute__((noreturn));
/* -V: "TOOL VERSION" to stdout, exit 0 (2 on a write error). */
void jn_cli_version(void) __attribute__((noreturn));
/*
 * The end of every tool's getopt switch: an option the tool and the
 * shared handlers left.  -h and -V as above (they exit); anything else
 * (getopt_long has said what was wrong) is the usage on stderr.  Returns
 * -1, for parse_args to pass up: `default: return jn_cli_other(opt,
 * usage, help_text);`.
 */
int jn_cli_other(int opt, const char *usage, const char *help);

/* Defaults: session gap 30m, everything else off.  Cannot fail. */
void jn_common_init(struct jn_common *c);
/*
 * Handle option opt (getopt_long's return) with argument arg when it is a
 * common one.  Returns 1 when handled, 0 when not common, -1 on a bad
 * argument (reported).  -h and -V are left to the tool (returns 0).
 */
int jn_common_option(struct jn_common *c, int opt, const char *arg);

/*
 * Set up input: schema with the user/time/event/session slots and the
 * --where predicates, the bad-record policy.  The tool may then add its
 * own slots to in->schema.  Returns 0 or -1 (reported).
 */
int jn_input_init(struct jn_input *in, const struct jn_common *c);
/*
 * Read files and call fn per event.  Returns 0, or -1 after reporting.
 * Call jn_input_finish afterwards in every case.
 */
int jn_input_run(struct jn_input *in, char *const *files, int nfiles,
    jn_event_fn fn, void *ctx);
/*
 * The same, reading "-" from stdin_path (a spool of standard input) when
 * that is not NULL.
 */
int jn_input_run2(struct jn_input *in, char *const *files, int nfiles,
    jn_event_fn fn, void *ctx, const char *stdin_path);
/*
 * A filter's second pass: frame the same input again without parsing it
 * and hand every record's raw bytes (with file, line and format, no
 * values) to fn, in input order; on_header (may be NULL) sees each
 * CSV/TSV header.  Nothing is rejected or counted again.
 */
int jn_input_rescan(struct jn_input *in, char *const *files, int nfiles,
    jn_record_fn fn, void *ctx, const char *stdin_path,
    int (*on_header)(void *, const struct jn_record *));
/*
 * Copy standard input into a new temporary file (mode 0600, in TMPDIR or
 * /tmp) so that it can be read twice; a signal that ends the process
 * removes it (journey/tmpfile.h), while spooling or after.  Returns the
 * path (caller frees and unlinks it) or NULL after reporting.
 */
char *jn_spool_stdin(void);
/*
 * -j, --jobs N: parse N (1 to JN_MAX_JOBS) into *jobs.  Returns 0 or -1
 * (reported).
 */
#define JN_MAX_JOBS 256
int jn_jobs_parse(const char *arg, int *jobs);
/* The default of -j: the number of online cores (1 if unknown). */
int jn_jobs_default(void);
/*
 * A worker's input layer for jn_input_run_jobs: as jn_input_init (and the
 * tool must then add the same slots in the same order), but it writes no
 * --rejects file of its own: its bad records reach the main input's
 * policy in input order.  Returns 0 or -1 (reported).
 */
int jn_input_init_worker(struct jn_input *in, const struct jn_common *c);
/*
 * Read files with n worker threads: worker w's events go to
 * fn(ctxs[w], ev) through its own input layer workers[w], each worker
 * seeing its share of the events in input order (ev->rec->pos grows).
 * Diagnostics, bad records, --rejects and in's counts are those a single
 * thread gives.  Returns 0, or -1 after reporting; call jn_input_finish
 * on in afterwards in every case.
 */
int jn_input_run_jobs(struct jn_input *in, struct jn_input *const *workers,
    void *const *ctxs, int n, char *const *files, int nfiles,
    jn_event_fn fn);
/* The same, reading "-" from stdin_path (a spool) when not NULL. */
int jn_input_run_jobs2(struct jn_input *in, struct jn_input *const *workers,
    void *const *ctxs, int n, char *const *files, int nfiles,
    jn_event_fn fn, const char *stdin_path);

/* Warn about bad records, close --rejects.  Returns 0 or -1 (reported). */
int jn_input_finish(struct jn_input *in);

/*
 * Watch a field option (what: "--by"; field: its argument; slot: its
 * slot), or a predicate, or (for "did you mean" suggestions) a tool's
 * cache of event names.  Workers watch the same things in the same order
 * as the main state.  Registered before reading; -e, --session and
 * --where are watched by jn_input_init.  Cannot fail.
 */
void jn_input_watch_field(struct jn_input *in, const char *what,
    const char *field, int slot);
void jn_input_watch_pred(struct jn_input *in, struct jn_pred *p);
void jn_input_watch_names(struct jn_input *in, struct jn_namecache *names);
/*
 * After jn_input_run_jobs: what worker w saw (fields, predicates' hits,
 * event names, the input's first header) added to in's.  Cannot fail.
 */
void jn_input_gather(struct jn_input *in, struct jn_input *w);
/*
 * After jn_input_finish, on events read (not with --merge): a name
 * watched that matched nothing is a warning ("--by: no field 'dev';
 * fields are: ...", "step 2 'view_itme' matched no event; did you mean
 * view_item?"), an error under --strict; no event used (an empty input,
 * every record rejected or filtered out) is an error unless
 * --allow-empty; more than --max-rejected of the records rejected is an
 * error.  Returns 0, or -1 after reporting.
 */
int jn_input_check(struct jn_input *in);
void jn_input_release(struct jn_input *in);

/*
 * Common end of main(): close stdout with a check.  Returns status, or 2
 * when stdout could not be written (reported unless status was already 2,
 * which means the error was reported where it happened).  With --output
 * (jn_output_open), the file is then renamed into place unless status
 * is 2, or removed (jn_output_commit).
 */
int jn_close_stdout(int status);

#endif
