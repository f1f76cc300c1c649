/*
 * The reporter engine: a small map-reduce over units (users, or sessions
 * of users), under every tool that reads events and fills one table
 * (jfunnel, jsegment, jfriction, and the reporters to come).
 *
 * A reporter supplies, through struct jn_reporter: what it keeps of an
 * event (a compact record of its own, with the unit's id in it), what it
 * does with one unit's records, and how the results of two shares of
 * units merge.  The engine does the rest, once for all of them: it reads
 * with one thread or with -j workers (jn_input_run_jobs), numbers units by
 * first appearance, keeps the records per unit, hands each unit to the
 * reporter exactly once, and with --sorted holds one unit at a time.
 *
 * With -j N, N reading threads each fill a reporter state of their own
 * (its records split into N shares by a hash of the user, so that every
 * session of a user falls in one share); then counting thread p takes
 * share p from every worker, numbers its units in the order they first
 * appear in the input, brings each unit's records together and hands the
 * unit to the reporter with worker p's state as the accumulator; the
 * accumulators are merged into the main state in share order.  A reporter
 * whose merge is exact (integers, exact sums, sorted samples) thus gives
 * the same bytes whatever -j says.
 *
 * A new reporter, as a checklist (jretain.c is the model, jsegment.c one
 * with every hook of jn_engine_main):
 *  - a state struct holding struct jn_common, struct jn_input, struct
 *    jn_units, struct jn_engine and struct jn_run, and its own options;
 *  - parse_args: jn_common_option, then jn_run_option, for every option;
 *    JN_RUN_LONGOPTS in its long options; jn_run_check at the end;
 *  - setup(state, worker): the input layer, predicates and slots, then
 *    jn_units_init; release(state): everything else setup and reading
 *    made (the engine frees the engine, the input layer and the units);
 *  - event: jn_units_get, then jn_units_keep and the record's fields;
 *  - unit: what one unit's records add to acc; merge: acc into the main
 *    state, exactly; prepare/remap when records hold interned ids (the
 *    workers' tables are merged with jn_intern_merge);
 *  - config, write_state, merge_record for --partial/--merge;
 *  - parse (parse_args), write (the tool's table) and optionally begin,
 *    end and gate, for jn_engine_main; JN_REPORTER_STATE(struct ...);
 *  - main: return jn_engine_main(&reporter, &state, argc, argv), the
 *    state static (zeroed, and off the stack).
 */
#ifndef JOURNEY_ENGINE_H
#define JOURNEY_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <stdio.h>

#include "journey/input.h"
#include "journey/intern.h"
#include "journey/state.h"
#include "journey/writer.h"

#define JN_UNIT_NONE UINT32_MAX

/*
 * The options every reporter shares, beside struct jn_common's: -j N,
 * --sorted (input grouped by user: one unit in memory at a time),
 * --partial (write a mergeable state, state.h) and --merge (read states
 * instead of events).  A reporter lists JN_RUN_LONGOPTS among its long
 * options and JN_RUN_SHORTOPTS among its short ones.
 */
struct jn_run {
	int jobs, sorted, partial, merge;
	int meta;		/* --meta: tables say how they were made */
};

enum {
	JN_OPT_SORTED = JN_OPT_COMMON_BASE + 100,
	JN_OPT_PARTIAL,
	JN_OPT_MERGE,
	JN_OPT_META
};
#define JN_RUN_SHORTOPTS "j:"
#define JN_RUN_LONGOPTS \
	{ "jobs", required_argument, NULL, 'j' }, \
	{ "sorted", no_argument, NULL, JN_OPT_SORTED }, \
	{ "partial", no_argument, NULL, JN_OPT_PARTIAL }, \
	{ "merge", no_argument, NULL, JN_OPT_MERGE }, \
	{ "meta", no_argument, NULL, JN_OPT_META }

/*
 * Handle getopt_long's opt when it is one of the above.  Returns 1 when
 * handled, 0 when not, -1 on a bad argument (reported).
 */
int jn_run_option(struct jn_run *run, int opt, const char *arg);
/*
 * After parsing: refuse combinations that make no sense (--partial with
 * --merge, --merge with --sorted), and settle -j (default: the cores; 1
 * with --sorted).  Returns 0 or -1 (reported).
 */
int jn_run_check(struct jn_run *run);

/* A list of kept records of one size. */
struct jn_reclist {
	unsigned char *p;
	size_t n, cap;		/* in records */
	/*
	 * With jn_units_any_order, the list is a chain of blocks of cap
	 * records, each after a pointer to the next block's records: p is
	 * the newest block's, first the oldest block's.
	 */
	unsigned char *first;
};

/*
 * One reading thread's units and kept records.  Embedded in the
 * reporter's state; its fields are the engine's.
 */
/*
 * A record waiting in jn_units_put's pipeline for its unit: the user's
 * key copied (the reader's buffer moves on), its hash, where the record
 * began in the input, and the record's bytes.
 */
#define JN_UNITS_AHEAD 16	/* records in the pipeline */
#define JN_UNITS_KEYMAX 40	/* longer keys are not deferred */
#define JN_UNITS_RECMAX 32	/* nor larger records */
struct jn_pending {
	uint64_t hash, pos;
	unsigned char rec[JN_UNITS_RECMAX];
	uint32_t len;
	char key[JN_UNITS_KEYMAX];
};

struct jn_units {
	struct jn_intern keys;	/* unit keys: user, or user NUL session */
	size_t rec_size;	/* bytes per record: a multiple of 8, <= 64 */
	size_t unit_off;	/* offset of a record's uint32_t unit id */
	int per_session;
	char *keybuf;
	size_t keycap;
	/* --partial: the hashes of the users counted, sorted, unique */
	uint64_t *user_hash;
	size_t nuser_hash;
	/* the last unit found: logs often hold a unit's events together */
	const char *last_key;
	size_t last_len;
	uint32_t last;
	struct jn_reclist *lists;	/* one, or one per share (-j) */
	int nparts;
	int chained;		/* jn_units_any_order, one thread */
	/* chained lists: their blocks, carved from these (engine.c) */
	struct jn_slabs {
		unsigned char **slab;
		size_t n, cap, used;	/* used: of the newest slab */
	} slabs;
	int any_order;		/* jn_units_any_order, even with -j */
	uint8_t *part;		/* -j: per unit, its share */
	uint64_t *first_pos;	/* -j: per unit, the record where it began */
	size_t ucap;
	/* --sorted: the unit being read, handed over when the next begins */
	int sorted, have_cur;
	uint32_t cur;
	struct jn_engine *engine;
	/* jn_units_put: a ring of records whose unit is being fetched */
	struct jn_pending *pend;
	unsigned npend, pend_head;
	/* the last key it resolved, a copy (the arena's is a cache miss) */
	char pend_key[JN_UNITS_KEYMAX];
	uint32_t pend_len, pend_id;
	int pend_have;
};

/*
 * A unit handed to the reporter.  Its per-unit data (what the reporter
 * keeps beside the records) lives in state owner under id: with one
 * thread the main state and the unit's number, with -j the worker that
 * saw the unit first.
 */
struct jn_unit {
	const struct jn_intern *keys;	/* where its key is: jn_unit_key */
	void *owner;
	uint32_t id;
};

/*
 * The unit's key: the user, or user NUL session; not NUL-ended.  Asked
 * for only where needed: fetching it for every unit was a cache miss
 * that most reporters never read.
 */
static inline const char *
jn_unit_key(const struct jn_unit *u, size_t *len)
{
	return jn_intern_str(u->keys, u->id, len);
}

/*
 * What a reporter supplies.  "tool" is always the main state; "w" a
 * reading worker's; "acc" the state a unit's results go to (the main
 * state with one thread or --sorted, worker p's for share p with -j).
 * Optional hooks may be NULL.
 */
struct jn_reporter {
	/*
	 * A state: its size, and where its input layer and its units lie
	 * in it (offsetof).
	 */
	size_t size, input_off, units_off;
	/*
	 * Set up state s, a copy of the parsed options: worker says it is
	 * one of -j's reading workers (jn_input_init_worker, the same slots
	 * as the main state).  Returns 0, or -1 after reporting.
	 */
	int (*setup)(void *s, int worker);
	/*
	 * Free what setup and reading allocated in s (not s itself), only
	 * what is the reporter's own: the engine frees the state's struct
	 * jn_engine before it, its struct jn_input and struct jn_units after
	 * it (a caller of jn_engine_input, the main state's).
	 */
	void (*release)(void *s);
	/*
	 * Per event, with the state of the reading thread.  It finds the
	 * event's unit with jn_units_get and keeps a record with
	 * jn_units_keep (or none).  Returns 0, or -1 after reporting.
	 */
	jn_event_fn event;
	/*
	 * Once after reading, before any unit is counted (optional; not
	 * with --sorted): with -j (n workers) move what the workers interned
	 * into the main state (values the records refer to), so that the
	 * counting threads can read it there; with one thread n is 0.
	 */
	void (*prepare)(void *tool, void *const *w, int n);
	/* -j (optional): a record of worker k, to the main state's ids. */
	void (*remap)(const void *tool, int k, void *rec);
	/*
	 * -j (optional): unit id of worker w (number k) becomes the share's:
	 * its per-unit data to the main state's ids.  Then, for every other
	 * worker w2 that saw the unit too, unit_merge adds its data into it.
	 * Called from the share's counting thread.
	 */
	void (*unit_adopt)(const void *tool, void *w, int k, uint32_t id);
	void (*unit_merge)(const void *tool, void *w, uint32_t id, void *w2,
	    int k2, uint32_t id2);
	/*
	 * One unit and its n records (not sorted; n may be 0, rec then
	 * NULL), to be counted into acc.  The records may be reordered and
	 * changed; they are gone after the call.
	 */
	void (*unit)(void *tool, void *acc, const struct jn_unit *u,
	    void *rec, size_t n);
	/*
	 * -j (optional): add accumulator acc (worker p's) to the main state.
	 */
	void (*merge)(void *tool, void *acc);
	/*
	 * -j (optional): after merging, every unit once more in the order
	 * of first appearance, numbered g = 0, 1, ... as one thread numbers
	 * them, for reporters that keep units beyond counting; the main
	 * state's units hold them under those numbers.
	 */
	void (*unit_move)(void *tool, uint32_t g, const struct jn_unit *u);
	/*
	 * Optional: after every unit is counted, with the workers still
	 * there (jn_engine_global works): the last look at them.
	 */
	void (*counted)(void *tool, const struct jn_engine *e);

	/*
	 * Mergeable states (state.h).  name: the tool's, in the header;
	 * config: every option that decides the result, as one string
	 * (jn_state_config_common first); write_state: the records of tool
	 * after the header (0, or -1 reported); merge_record: one record of
	 * a state read back into tool.
	 */
	const char *name;
	void (*config)(const void *tool, struct jn_strbuf *b);
	int (*write_state)(void *tool, FILE *out);
	jn_state_record_fn merge_record;

	/*
	 * The run of main() (jn_engine_main).  Where the state holds its
	 * struct jn_common, struct jn_run and struct jn_engine (offsetof,
	 * as JN_REPORTER_STATE fills them), and the -o formats it allows
	 * (a set for jn_format_allow; 0 leaves the default, the tables).
	 */
	size_t common_off, run_off, engine_off;
	unsigned formats;
	/*
	 * The command line into the state's options (jn_common_option,
	 * jn_run_option, its own, jn_cli_other; jn_run_check last), nothing
	 * set up yet.  Returns 0, or -1 after reporting, having freed what
	 * it allocated.
	 */
	int (*parse)(void *tool, int argc, char **argv);
	/*
	 * Optional: after setup(tool, 0), before reading files (argv's
	 * operands): last preparations that need the files.  It may set
	 * *stdin_path, a spool to read in place of standard input.  Returns
	 * 0, or -1 after reporting.
	 */
	int (*begin)(void *tool, char **files, int nfiles,
	    const char **stdin_path);
	/*
	 * Optional: reads files its own way instead of the engine (jwatch
	 * --follow and --series), returning as jn_engine_input does, or
	 * JN_INPUT_ENGINE for the engine to read them.
	 */
	int (*input)(void *tool, char **files, int nfiles,
	    const char *stdin_path);
	/*
	 * Optional: after the input (status as jn_engine_input returned it,
	 * JN_EXIT_OK or JN_EXIT_ERROR), before --partial's state or the
	 * table: what both need settled.  Returns 0, or -1 when nothing is
	 * to be written (reported, now or by the input).
	 */
	int (*end)(void *tool, int status);
	/*
	 * The tool's output, in fmt (-o, resolved for stdout), for the
	 * files that were read.  Returns 0, or -1 after reporting.
	 */
	int (*write)(void *tool, enum jn_format fmt, char **files,
	    int nfiles);
	/*
	 * Optional: after a write, when nothing went wrong: 1 when the gate
	 * fails (exit status 1), else 0.
	 */
	int (*gate)(const void *tool);
};

/*
 * The offsets of struct jn_reporter for a state struct type whose members
 * are named as the checklist above names them: common, in, units, engine
 * and run.
 */
/* What a reporter's input hook returns to have the engine read. */
#define JN_INPUT_ENGINE (-2)

#define JN_REPORTER_STATE(type) \
	.size = sizeof(type), \
	.input_off = offsetof(type, in), \
	.units_off = offsetof(type, units), \
	.common_off = offsetof(type, common), \
	.run_off = offsetof(type, run), \
	.engine_off = offsetof(type, engine)

struct jn_engine {
	const struct jn_reporter *r;
	void *tool;
	int jobs;
	void **workers;
	int nworkers;
	/* -j with unit_move: per worker, unit -> share number; per share,
	 * share number -> g */
	uint32_t **umap, **gmap;
	int want_users;		/* --partial: the shard's fingerprint */
	/* for --meta, after jn_engine_input: what was read */
	struct {
		const struct jn_reporter *r;
		const void *tool;
		int on, states;
	} meta;
};

/*
 * Set up units for records of rec_size bytes (a multiple of 8, at most
 * 64) whose uint32_t unit id lies at unit_off; per_session makes units of
 * (user, session value) pairs.  Cannot fail.
 */
void jn_units_init(struct jn_units *u, size_t rec_size, size_t unit_off,
    int per_session);
void jn_units_release(struct jn_units *u);

/*
 * The reporter's result does not depend on the order in which units are
 * handed over (with -j it never could).  With one thread and without
 * --sorted, the records are then kept in a chain of small blocks (no
 * copies as it grows), and handed over unit by unit in input order (a
 * log in time order needs no sort), the units in an order of their ids
 * mod JN_UNIT_LISTS: a stable pass deals the records out to that many
 * lists, freeing each block once dealt, and each list is then grouped
 * by unit in a buffer of its own size.  The in-place grouping it
 * replaces scrambles each unit's records.  Call after setting u->sorted.
 */
#define JN_UNIT_LISTS 1024
void jn_units_any_order(struct jn_units *u);

/*
 * The unit of ev: its id in this thread's numbering (first appearance).
 * With --sorted a new unit hands the previous one to the reporter first,
 * and a unit that comes back after another is an error: returns
 * JN_UNIT_NONE after reporting.
 */
uint32_t jn_units_get(struct jn_units *u, const struct jn_event *ev);

/*
 * jn_units_get and jn_units_keep of ev's unit, the record's bytes rec[0..
 * rec_size) copied in (its unit id then filled in), for a reporter that
 * keeps nothing per unit while reading: the lookup is deferred by up to
 * JN_UNITS_AHEAD records, so that the cache misses of a large table of
 * users overlap with reading the next ones.  Units are numbered and
 * records kept in the same order as without the delay; the engine drains
 * the pipeline after reading (jn_units_drain), before anything looks at
 * units.  Units of user and session, --sorted, long keys and records over
 * JN_UNITS_RECMAX bytes go straight through.  Returns 0, or -1 after
 * reporting (jn_units_get's error).
 */
int jn_units_put_record(struct jn_units *u, const struct jn_event *ev,
    const void *rec);

/* Resolve every record jn_units_put_record is holding back. */
void jn_units_drain(struct jn_units *u);

/* Room for one more record in list l: the slow path of jn_units_keep. */
void jn_units_grow(struct jn_units *u, struct jn_reclist *l);

/*
 * A new record of unit (from jn_units_get), its unit id filled in and
 * the rest for the caller to fill.  Valid until the next call.
 */
static inline void *
jn_units_keep(struct jn_units *u, uint32_t unit)
{
	struct jn_reclist *l = &u->lists[u->nparts > 1 ? u->part[unit] : 0];
	unsigned char *rec;

	if (l->n == l->cap)
		jn_units_grow(u, l);
	rec = l->p + l->n++ * u->rec_size;
	memcpy(rec + u->unit_off, &unit, sizeof unit);
	return rec;
}

/* Number of units so far. */
static inline size_t
jn_units_count(const struct jn_units *u)
{
	return jn_intern_count(&u->keys);
}

/*
 * Unit of key[0..len), added if new, outside reading (--merge, or a
 * reporter that keeps units past counting).  Cannot fail.
 */
static inline uint32_t
jn_units_put(struct jn_units *u, const char *key, size_t len)
{
	return jn_intern_put(&u->keys, key, len);
}

/* The table of unit keys, for ranks and lookups.  Owned by u. */
static inline const struct jn_intern *
jn_units_keys(const struct jn_units *u)
{
	return &u->keys;
}

/* The key of unit id (user, or user NUL session); *len set. */
const char *jn_units_key(const struct jn_units *u, uint32_t id,
    size_t *len);

/*
 * Read files (stdin_path: a spool for "-", or NULL) into tool, or with
 * jobs > 1 into worker states made from options (the state as parsed,
 * before setup); with --sorted (the tool's units say so)
 * units are handed over as they end.  Returns 0, or -1 after reporting;
 * the caller calls jn_input_finish in every case, then jn_engine_count
 * after a success, then jn_engine_release.
 */
int jn_engine_read(struct jn_engine *e, const struct jn_reporter *r,
    void *tool, const void *options, int jobs, char *const *files,
    int nfiles, const char *stdin_path);
/*
 * Count every unit not counted yet: with -j through the workers' states,
 * merged into tool; with --sorted the last unit.  Cannot fail.
 */
void jn_engine_count(struct jn_engine *e);

/*
 * The input half of a reporter's run, as main() does it: with --merge the
 * states in files, read into tool; else the events of files read (as
 * jn_engine_read), jn_input_finish, and every unit counted into tool.
 * Returns the exit status so far: JN_EXIT_OK, or JN_EXIT_ERROR when the
 * input was read and counted but something in it was reported (bad
 * records under --strict, a --rejects write error), so that the result
 * is still written; or -1 after reporting, when there is nothing to
 * write.
 */
int jn_engine_input(struct jn_engine *e, const struct jn_reporter *r,
    void *tool, const void *options, const struct jn_run *run,
    char *const *files, int nfiles, const char *stdin_path);

/*
 * --partial: tool's state to stdout, its header first.  Returns 0, or -1
 * after reporting.
 */
int jn_engine_write_state(const struct jn_reporter *r, void *tool);
/*
 * --meta: before a table in fmt, the line that says how it was made
 * (journey/meta.h): the reporter's name and configuration, and the
 * records read, rejected and used (or the states merged).  Nothing
 * without --meta.  Cannot fail: a write error shows when the table that
 * follows is finished (the stream's error flag).
 */
void jn_engine_meta(const struct jn_engine *e, enum jn_format fmt);

/*
 * After jn_engine_count with -j and unit_move: the global number of unit id
 * of worker k.
 */
uint32_t jn_engine_global(const struct jn_engine *e, int k, uint32_t id);

/*
 * A reporter's whole main(), the same for every one of them: tool, the
 * static state of r->size bytes, zeroed; the program's name from argv[0];
 * jn_common_init and r->formats; r->parse, the state copied as the
 * options the workers start from, r->setup(tool, 0), r->begin,
 * jn_engine_input over argv's operands, r->end; then --partial's state
 * (jn_engine_write_state) or r->write and r->gate; the state released
 * (the engine, r->release, the input layer and the units), and stdout
 * closed (jn_close_stdout).  Returns the exit status: JN_EXIT_OK,
 * JN_EXIT_GATE (r->gate, only when nothing else went wrong), or
 * JN_EXIT_ERROR when anything was reported; a failure of parse, setup,
 * begin, the input or end returns it without closing stdout, to which
 * nothing has been written.
 */
int jn_engine_main(const struct jn_reporter *r, void *tool, int argc,
    char **argv);

/* Free the workers and maps.  A zeroed engine may be released. */
void jn_engine_release(struct jn_engine *e);

#endif
