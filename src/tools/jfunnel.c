/*
 * jfunnel: who reaches each step of a funnel, and where they drop off.
 *
 * Events arrive in any order, users interleaved, so the tool keeps a
 * compact record (time, unit, matched steps) of every event that can
 * matter through the reporter engine (engine.h), which hands each unit's
 * records over once; they are sorted by time and run through the funnel
 * matcher (src/core/funnel.c).
 * Memory grows with those event records (16 or 24 bytes) and with units;
 * events matching no step are not kept unless strict order or session
 * cutting needs them.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/engine.h"
#include "journey/funnel.h"
#include "journey/group.h"
#include "journey/input.h"
#include "journey/intern.h"
#include "journey/pred.h"
#include "journey/samples.h"
#include "journey/state.h"
#include "journey/time.h"
#include "journey/util.h"
#include "journey/valexpr.h"
#include "journey/writer.h"
#include "journey/xsum.h"

static const char usage[] =
    "usage: jfunnel [-u FIELD] [-t FIELD] [-e FIELD] [-w DUR] [-o FORMAT]\n"
    "               [--order default|strict|any] [--dedup] [--increase]\n"
    "               [--once] [--reentry] [--compat clickhouse|posthog]\n"
    "               [--per user|session] [--by FIELD]\n"
    "               [--attribution first|last|all|stepN] [--value FIELD]\n"
    "               [--exclude [I-J:]EXPR] [--min-conversion RATE]\n"
    "               [--windows DUR,...] [--entry first|any]\n"
    "               [--explain USER] [--sorted] [-j N] [--partial | --merge]\n"
    "               [--meta]\n"
    "               [--where EXPR] [--since TIME] [--until TIME] [--strict]\n"
    "               [--rejects FILE] [--output FILE]\n"
    "               -s STEP [-s STEP ...] [FILE ...]\n";

static const char help_text[] =
    "Count who reaches each funnel step and where they drop off.\n"
    "\n"
    "  -s, --step EXPR          a step: NAME, /REGEX/, FIELD=VALUE, ... (1-32)\n"
    "                           ?EXPR: an optional step, may be skipped\n"
    "  -w, --window DUR         steps within DUR of step 1 (7d; 0: none)\n"
    "      --order MODE         default (ClickHouse windowFunnel), strict, "
    "any\n"
    "      --dedup              a step reached again ends the chain\n"
    "      --increase           each step strictly later than the last\n"
    "      --once               one event fills at most one step\n"
    "      --reentry            strict order: skip steps that come too "
    "early\n"
    "      --compat RULES       clickhouse (default) or posthog\n"
    "      --exclude [I-J:]EXPR drop units with EXPR between steps I and J\n"
    "      --attribution A      --by value: first, last, all or stepN\n"
    "      --windows DUR,...    a count_DUR column per window\n"
    "      --entry any          an entered column: units starting past step 1\n"
    "      --explain USER       show on stderr how USER's events matched\n"
    "      --sorted             input grouped by user: memory per user only\n"
    "  -j, --jobs N             read with N threads (default: all cores)\n"
    "      --partial            write a mergeable state, not the table\n"
    "      --merge              add up states from --partial\n"
    "      --meta               begin the table with how it was made\n"
    "      --per UNIT           user (default) or session\n"
    "      --by FIELD           break down by FIELD (first non-empty value)\n"
    "      --value FIELD        sum FIELD over the events filling each step\n"
    "      --min-conversion R   exit 1 when last/first conversion < R\n"
    "  -u, --user FIELD         user id field (user_id, userId, ...)\n"
    "  -t, --time FIELD         time field (timestamp, time, ts, ...)\n"
    "  -e, --event FIELD        event name field (event, event_name, ...)\n"
    "      --session FIELD      session id field (session_id, ...)\n"
    "      --session-gap DUR    cut sessions after DUR idle (30m)\n"
    "  -I, --input-format F     csv, tsv, ndjson or xes (default: detect)\n"
    "      --delimiter C        CSV/TSV field separator (;, |, tab ...)\n"
    "      --time-format FMT    read times with strftime-style FMT\n"
    "      --time-zone ZONE     zone of times without one (+HH:MM; Z)\n"
    "      --decimal-comma      read numbers written 68,37\n"
    "      --where EXPR         keep only matching events\n"
    "      --since TIME         keep events at or after TIME\n"
    "      --until TIME         keep events before TIME\n"
    "  -o, --format F           table, csv, tsv, ndjson, markdown, junit,\n"
    "                           github, prometheus\n"
    "      --output FILE        write FILE whole (a temporary file "
    "renamed)\n"
    "      --fields LIST        only these columns, in this order\n"
    "      --strict             a bad record is an error\n"
    "      --rejects FILE       write bad records to FILE\n"
    "      --max-rejected RATE  more bad records is an error (0.5)\n"
    "      --allow-empty        no event used is not an error\n"
    "      --safe-csv           defuse cells a spreadsheet would run\n"
    "      --no-progress        no progress line on stderr\n"
    "  -h, --help               this help\n"
    "  -V, --version            version\n"
    "\n"
    "See jfunnel(1) and journey(7).\n";

enum {
	OPT_ORDER = JN_OPT_TOOL_BASE,
	OPT_PER,
	OPT_BY,
	OPT_VALUE,
	OPT_MIN_CONVERSION,
	OPT_DEDUP,
	OPT_INCREASE,
	OPT_ONCE,
	OPT_REENTRY,
	OPT_COMPAT,
	OPT_EXCLUDE,
	OPT_ATTRIBUTION,
	OPT_EXPLAIN,
	OPT_WINDOWS,
	OPT_ENTRY,
	OPT_OUTPUT,
};

static const struct option tool_longopts[] = {
	{ "step", required_argument, NULL, 's' },
	{ "window", required_argument, NULL, 'w' },
	{ "order", required_argument, NULL, OPT_ORDER },
	{ "per", required_argument, NULL, OPT_PER },
	{ "by", required_argument, NULL, OPT_BY },
	{ "value", required_argument, NULL, OPT_VALUE },
	{ "min-conversion", required_argument, NULL, OPT_MIN_CONVERSION },
	{ "dedup", no_argument, NULL, OPT_DEDUP },
	{ "increase", no_argument, NULL, OPT_INCREASE },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "reentry", no_argument, NULL, OPT_REENTRY },
	{ "compat", required_argument, NULL, OPT_COMPAT },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "attribution", required_argument, NULL, OPT_ATTRIBUTION },
	{ "explain", required_argument, NULL, OPT_EXPLAIN },
	{ "windows", required_argument, NULL, OPT_WINDOWS },
	{ "entry", required_argument, NULL, OPT_ENTRY },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	JN_RUN_LONGOPTS,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NONE UINT32_MAX
#define MAX_WINDOWS 16		/* --windows */

/*
 * One event as counted: 24 bytes, starting as the engine's struct jn_fev.
 * Without --by and --value, by and value are always NONE and events are
 * kept as the 16-byte struct jn_fev alone (evsize), widened one unit at a
 * time for counting: most of jfunnel's memory is its kept events.
 */
struct fevent {
	struct jn_fev f;	/* time, matched steps, and in aux the unit */
	uint32_t by;		/* breakdown value id, NONE if empty */
	uint32_t value;		/* index into values[], NONE without */
};

/* Per unit: 12 bytes, as units can be many. */
struct unit_info {
	uint32_t first, last;	/* first/last-touch value, NONE if none */
	uint8_t gap_cut;	/* sessions to be cut by --session-gap */
};

/* Per unit with --by: the times of its first and last touch. */
struct touch_times {
	int64_t first, last;
};

enum attribution { ATTR_FIRST, ATTR_LAST, ATTR_ALL, ATTR_STEP };

/* --exclude [I-J:]EXPR: steps are 1-based, to 0 means the last step. */
struct exclusion {
	const char *text;
	int from, to;
	struct jn_pred *pred;
};

struct group {
	uint32_t by;		/* value id, NONE for units without one */
	uint64_t count[JN_FUNNEL_MAX_STEPS];
	/* --value: exact sums per step, so that threads add up alike */
	struct jn_xsum *value;
	double median[JN_FUNNEL_MAX_STEPS];	/* seconds; NAN if none */
	/* per step from the second, every step-to-step time (ns) */
	struct jn_samples times[JN_FUNNEL_MAX_STEPS];
	/* --windows: count of window w at step k in [w * nsteps + k] */
	uint64_t *wcount;
	/* --entry any: units entering at a later step, per step */
	uint64_t *entered;
};

/*
 * What counting adds up: the main funnel's, and one per counting thread,
 * merged into the main one at the end.
 */
struct tally {
	struct group *groups;
	size_t ngroups;
	uint32_t *group_of_by;	/* byvals id -> group, NONE: not yet */
	size_t group_cap;
	uint32_t nobody_group;	/* group of units without a value */
	struct fevent *scratch;	/* one value's events, for attribution */
	size_t scratch_cap;
	struct fevent *opt;	/* a unit's events, skips filled (-s ?EXPR) */
	size_t opt_cap;
	struct fevent *gather;	/* one unit's events, gathered or widened */
	size_t gather_cap;
	struct fevent *sub;	/* --entry any: events of a later funnel */
	size_t sub_cap;
	int explaining;		/* the current unit is --explain's */
	int explained;		/* --explain's user was counted */
};

struct funnel {
	struct jn_common common;
	struct jn_input in;
	struct jn_funnel_spec spec;
	const char *step_text[JN_FUNNEL_MAX_STEPS];
	struct jn_pred *step[JN_FUNNEL_MAX_STEPS];
	uint32_t optional;	/* steps given as ?EXPR: bit k for step k+1 */
	int per_session;
	const char *by_field, *value_field;
	int by_slot, value_slot;	/* value_slot: -1 without --value */
	struct jn_valexpr value_expr;
	int has_min_conversion;
	double min_conversion;
	const char *output;	/* --output FILE */
	int keep_all;		/* keep events matching no step too */
	int skip_unmatched;	/* such events need no unit */
	int posthog, window_given;
	enum attribution attribution;
	int attr_step;		/* 0-based, with ATTR_STEP */
	struct exclusion excl[JN_FUNNEL_MAX_STEPS];
	struct jn_funnel_excl phx[JN_FUNNEL_MAX_STEPS];	/* their steps */
	int nexcl;
	const char *explain;
	/* --windows: each window, as written and in ns */
	int nwin;
	const char *win_text[MAX_WINDOWS];
	int64_t win[MAX_WINDOWS];
	int entry_any;		/* --entry any */
	/* step and exclusion predicates by kind: per event name or per event */
	struct jn_namecache names;
	struct jn_pred *cpred[2 * JN_FUNNEL_MAX_STEPS];
	struct jn_pred *opred[2 * JN_FUNNEL_MAX_STEPS];
	int cbit[2 * JN_FUNNEL_MAX_STEPS], obit[2 * JN_FUNNEL_MAX_STEPS];
	int ncached, nother;

	/*
	 * Units and their kept events, each evsize bytes: a struct fevent,
	 * or its struct jn_fev alone.
	 */
	struct jn_units units;
	struct jn_engine engine;
	struct jn_intern byvals;
	struct unit_info *uinfo;
	size_t uinfo_cap;
	struct touch_times *tts;	/* with --by, per unit */
	size_t evsize;		/* bytes per kept event */
	double *values;
	size_t nvalues, values_cap;
	/* -j: per worker, value id -> this funnel's, and its values' offset */
	struct jn_idmap bymap;
	size_t *vbase;

	uint32_t *byrank;	/* byvals id -> lexicographic rank */
	struct tally t;		/* the counts, medians and values */
	struct jn_run run;	/* -j, --sorted, --partial, --merge */
	int is_worker;		/* one of the reading threads' funnels */
};

/* ---- reading ---- */

/* Does value s (id by) beat the current value cur at an equal time? */
static int
smaller(const struct funnel *f, uint32_t by, const char *s, uint32_t cur)
{
	return cur == NONE || (by != cur &&
	    strcmp(s, jn_intern_str(&f->byvals, cur, NULL)) < 0);
}

static void
grow_units(struct funnel *f, uint32_t unit)
{
	size_t old = f->uinfo_cap;

	if (unit < f->uinfo_cap)
		return;
	f->uinfo = jn_xgrow(f->uinfo, &f->uinfo_cap, (size_t)unit + 1,
	    sizeof *f->uinfo);
	memset(f->uinfo + old, 0, (f->uinfo_cap - old) * sizeof *f->uinfo);
	if (f->by_slot >= 0)
		f->tts = jn_xrealloc(f->tts, f->uinfo_cap * sizeof *f->tts);
	for (; old < f->uinfo_cap; old++)
		f->uinfo[old].first = f->uinfo[old].last = NONE;
}

/*
 * First and last touch, ties to the bytewise smaller value, so that the
 * result does not depend on the order of input lines.
 */
static void
touch(const struct funnel *f, struct unit_info *u, struct touch_times *t,
    uint32_t by, const char *s, int64_t ts)
{
	if (u->first == NONE || ts < t->first ||
	    (ts == t->first && smaller(f, by, s, u->first))) {
		u->first = by;
		t->first = ts;
	}
	if (u->last == NONE || ts > t->last ||
	    (ts == t->last && smaller(f, by, s, u->last))) {
		u->last = by;
		t->last = ts;
	}
}

static int
on_event(void *ctx, const struct jn_event *ev)
{
	struct funnel *f = ctx;
	struct jn_fev *fv;
	struct fevent *fe;
	uint32_t mask = 0, unit, by = NONE;
	const char *s;
	size_t len;
	int k, m;

	/* steps, then exclusions in the mask's bits above the steps */
	if (ev->name_len > 0 && f->ncached > 0) {
		uint64_t bits;

		if (jn_namecache_get(&f->names, f->cpred, f->ncached, ev->rec,
		    ev->name, ev->name_len, &bits) != 0)
			return -1;
		for (k = 0; k < f->ncached; k++)
			mask |= (uint32_t)(bits >> k & 1) << f->cbit[k];
	} else {
		for (k = 0; k < f->ncached; k++) {
			if ((m = jn_pred_match(f->cpred[k], ev->rec)) < 0)
				return -1;
			mask |= (uint32_t)m << f->cbit[k];
		}
	}
	for (k = 0; k < f->nother; k++) {
		if ((m = jn_pred_match(f->opred[k], ev->rec)) < 0)
			return -1;
		mask |= (uint32_t)m << f->obit[k];
	}
	/*
	 * Most events match no step.  Unless their user matters all the
	 * same (a touch to attribute, an order to check, a user to
	 * explain, every event to keep), they are dropped before the
	 * user's lookup, which is a cache miss or two per event.
	 */
	if (mask == 0 && f->skip_unmatched)
		return 0;
	if (f->skip_unmatched && f->evsize == sizeof(struct jn_fev)) {
		/*
		 * Nothing kept per unit while reading (grown in prepare):
		 * the lookup overlaps with the next events' reading.
		 */
		struct jn_fev plain;

		plain.ts = ev->time;
		plain.mask = mask;
		plain.aux = 0;
		return jn_units_put_record(&f->units, ev, &plain);
	}
	if ((unit = jn_units_get(&f->units, ev)) == NONE)
		return -1;
	grow_units(f, unit);
	/* a session of a user without a session value: cut by time */
	if (f->per_session && (ev->session == NULL || ev->session_len == 0))
		f->uinfo[unit].gap_cut = 1;
	if (f->by_slot >= 0) {
		s = jn_record_get(ev->rec, f->by_slot, &len);
		if (s != NULL && len > 0) {
			by = jn_intern_put(&f->byvals, s, len);
			touch(f, &f->uinfo[unit], &f->tts[unit], by, s,
			    ev->time);
		}
	}
	if (mask == 0 && !f->keep_all)
		return 0;
	fv = jn_units_keep(&f->units, unit);	/* the unit in aux */
	fv->ts = ev->time;
	fv->mask = mask;
	if (f->evsize == sizeof(struct jn_fev))
		return 0;
	fe = (struct fevent *)(void *)fv;
	fe->by = by;
	fe->value = NONE;
	if (f->value_slot >= 0 && mask != 0) {
		double d;

		if (jn_valexpr_get(&f->value_expr, ev->rec, &d) == 0) {
			f->values = jn_xgrow(f->values, &f->values_cap,
			    f->nvalues + 1, sizeof *f->values);
			f->values[f->nvalues] = d;
			fe->value = (uint32_t)f->nvalues++;
		}
	}
	return 0;
}

/* ---- ordering ---- */

static const struct funnel *cmp_funnel;

static int
value_cmp(uint32_t a, uint32_t b)
{
	double x, y;

	if (a == b)
		return 0;
	if (a == NONE || b == NONE)
		return a == NONE ? -1 : 1;
	x = cmp_funnel->values[a];
	y = cmp_funnel->values[b];
	return x < y ? -1 : x > y;
}

/*
 * Byte order of two breakdown values, no value first: by rank once all
 * values are known, by their strings while --sorted input streams.
 */
static int
by_cmp(const struct funnel *f, uint32_t a, uint32_t b)
{
	if (a == b)
		return 0;
	if (a == NONE || b == NONE)
		return a == NONE ? -1 : 1;
	if (f->byrank != NULL)
		return f->byrank[a] < f->byrank[b] ? -1 : 1;
	return strcmp(jn_intern_str(&f->byvals, a, NULL),
	    jn_intern_str(&f->byvals, b, NULL));
}

/*
 * Order of one unit's events: time, then everything else that can tell
 * two events apart, so that the result never depends on input order.
 */
static int
fevent_cmp(const void *pa, const void *pb)
{
	const struct fevent *a = pa, *b = pb;
	int c;

	if (a->f.ts != b->f.ts)
		return a->f.ts < b->f.ts ? -1 : 1;
	if (a->f.mask != b->f.mask)
		return a->f.mask < b->f.mask ? -1 : 1;
	if ((c = by_cmp(cmp_funnel, a->by, b->by)) != 0)
		return c;
	return value_cmp(a->value, b->value);
}


/* ---- counting ---- */

static void
tally_init(struct tally *t)
{
	memset(t, 0, sizeof *t);
	t->nobody_group = NONE;
}

static void
tally_release(struct tally *t)
{
	size_t g;
	int k;

	for (g = 0; g < t->ngroups; g++) {
		free(t->groups[g].value);
		free(t->groups[g].wcount);
		free(t->groups[g].entered);
		for (k = 0; k < JN_FUNNEL_MAX_STEPS; k++)
			jn_samples_release(&t->groups[g].times[k]);
	}
	free(t->groups);
	free(t->group_of_by);
	free(t->scratch);
	free(t->opt);
	free(t->gather);
	free(t->sub);
}

static uint32_t
group_for(const struct funnel *f, struct tally *t, uint32_t by)
{
	uint32_t *slot;
	int k;

	if (by != NONE && by >= t->group_cap) {
		size_t old = t->group_cap;

		t->group_of_by = jn_xgrow(t->group_of_by, &t->group_cap,
		    (size_t)by + 1, sizeof *t->group_of_by);
		for (; old < t->group_cap; old++)
			t->group_of_by[old] = NONE;
	}
	slot = by == NONE ? &t->nobody_group : &t->group_of_by[by];
	if (*slot == NONE) {
		struct group *g;

		t->groups = jn_xrealloc(t->groups,
		    (t->ngroups + 1) * sizeof *t->groups);
		g = &t->groups[t->ngroups];
		memset(g, 0, sizeof *g);
		g->by = by;
		if (f->value_field)
			g->value = jn_xcalloc((size_t)f->spec.nsteps,
			    sizeof *g->value);
		if (f->nwin > 0)
			g->wcount = jn_xcalloc((size_t)f->nwin *
			    (size_t)f->spec.nsteps, sizeof *g->wcount);
		if (f->entry_any)
			g->entered = jn_xcalloc((size_t)f->spec.nsteps,
			    sizeof *g->entered);
		for (k = 0; k < JN_FUNNEL_MAX_STEPS; k++)
			g->median[k] = NAN;
		*slot = (uint32_t)t->ngroups++;
	}
	return *slot;
}

/* Add the counts of from into to: groups by value, exact sums, samples. */
static void
tally_merge(const struct funnel *f, struct tally *to, const struct tally *from)
{
	uint32_t *map = jn_xmalloc((from->ngroups + 1) * sizeof *map);
	size_t g;
	int k;

	to->explained |= from->explained;
	for (g = 0; g < from->ngroups; g++) {
		const struct group *src = &from->groups[g];
		struct group *dst;

		map[g] = group_for(f, to, src->by);
		dst = &to->groups[map[g]];
		for (k = 0; k < f->spec.nsteps; k++) {
			dst->count[k] += src->count[k];
			if (src->value != NULL)
				jn_xsum_merge(&dst->value[k], &src->value[k]);
			jn_samples_merge(&dst->times[k], &src->times[k]);
			if (src->entered != NULL)
				dst->entered[k] += src->entered[k];
		}
		for (k = 0; k < f->nwin * f->spec.nsteps; k++)
			dst->wcount[k] += src->wcount[k];
	}
	free(map);
}

/*
 * One evaluation of the funnel for a unit: the spec (its window varies
 * with --windows, its steps with --entry any), the exclusions with their
 * steps numbered as the spec's (exclusion x is bit spec.nsteps + x of an
 * event's mask) and the optional steps.
 */
struct eval {
	struct jn_funnel_spec spec;
	const struct jn_funnel_excl *excl;
	int nexcl;
	uint32_t optional;
};

/*
 * What an evaluation found: the counted chain, the exclusion that dropped
 * it (x + 1, else 0) and, for an optional step k, the event that did it
 * (did[k], (size_t)-1 when skipped) with its time from the previous
 * required step.
 */
struct outcome {
	struct jn_funnel_match m;
	int excl;
	size_t did[JN_FUNNEL_MAX_STEPS];
	int64_t did_dt[JN_FUNNEL_MAX_STEPS];
};

/* The evaluation of the run's own funnel, with window w. */
static void
main_eval(const struct funnel *f, int64_t w, struct eval *e)
{
	e->spec = f->spec;
	e->spec.window = w;
	e->excl = f->phx;
	e->nexcl = f->nexcl;
	e->optional = f->optional;
}

/*
 * --exclude: is there an event matching exclusion x strictly after step
 * I's time and strictly before step J's (or, when J was not reached, up
 * to the end of the chain's window)?
 */
static int
excluded(const struct eval *e, const struct fevent *ev, size_t n,
    const struct jn_funnel_match *m)
{
	int x;
	size_t i;

	for (x = 0; x < e->nexcl; x++) {
		uint32_t bit = UINT32_C(1) << (e->spec.nsteps + x);
		int from = e->excl[x].from, to = e->excl[x].to;
		int64_t lo, hi;

		if (m->level < from)
			continue;
		lo = m->ts[from - 1];
		if (m->level >= to)
			hi = m->ts[to - 1] - 1;
		else if (e->spec.window == 0)
			hi = INT64_MAX;
		else
			hi = m->ts[0] + e->spec.window;
		for (i = 0; i < n; i++)
			if ((ev[i].f.mask & bit) && ev[i].f.ts > lo &&
			    ev[i].f.ts <= hi)
				return x + 1;
	}
	return 0;
}

static void explain_unit(const struct funnel *, const struct fevent *,
    size_t, const struct jn_funnel_match *, int, uint32_t);

/* The step before step k (0-based) that is not optional, -1 for none. */
static int
prev_required(const struct funnel *f, int k)
{
	for (k--; k >= 0 && (f->optional >> k & 1); k--)
		;
	return k;
}

/* ev[0..n) into t->opt, every event matching the step after an optional
 * step of opt also filling it (from the last step down). */
static struct fevent *
fill_skips(const struct funnel *f, struct tally *t, const struct fevent *ev,
    size_t n, uint32_t opt)
{
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		t->opt[i] = ev[i];
		for (k = f->spec.nsteps - 2; k > 0; k--)
			if ((opt >> k & 1) && (t->opt[i].f.mask >> (k + 1) & 1))
				t->opt[i].f.mask |= UINT32_C(1) << k;
	}
	return t->opt;
}

/*
 * Optional steps (-s ?EXPR, default order only): skipping optional step
 * k is filling it with the event that fills step k+1, which the default
 * order allows (entries of one time go in step order), so the engine finds
 * the furthest level exactly once every event matching a step after
 * optional steps also fills them.  A required step counts as usual, its
 * median time from the chain's previous required step.  An optional step
 * counts the units that reach it doing it: the level with that step
 * required (the others still optional) reaches it; that run's chain gives
 * its event, value and time from the previous required step.
 */
static void
match_optional(const struct funnel *f, struct tally *t, const struct eval *e,
    const struct fevent *ev, size_t n, struct outcome *out)
{
	struct jn_funnel_match d;
	struct fevent *o;
	int k, p;

	t->opt = jn_xgrow(t->opt, &t->opt_cap, n ? n : 1, sizeof *t->opt);
	o = fill_skips(f, t, ev, n, e->optional);
	jn_funnel_match(&e->spec, &o->f, sizeof *o, n, &out->m);
	out->excl = out->m.level ? excluded(e, o, n, &out->m) : 0;
	for (k = 0; k < out->m.level; k++) {
		if (!(e->optional >> k & 1))
			continue;
		o = fill_skips(f, t, ev, n, e->optional & ~(UINT32_C(1) << k));
		jn_funnel_match(&e->spec, &o->f, sizeof *o, n, &d);
		p = prev_required(f, k);
		out->did[k] = d.level > k ? d.ev[k] : (size_t)-1;
		out->did_dt[k] = d.level > k ? d.ts[k] - d.ts[p] : 0;
	}
}

/* Evaluate e on a unit's events ev[0..n) into *o. */
static void
evaluate(const struct funnel *f, struct tally *t, const struct eval *e,
    const struct fevent *ev, size_t n, struct outcome *o)
{
	if (e->optional) {
		match_optional(f, t, e, ev, n, o);
	} else if (f->posthog && f->nexcl > 0) {
		/* PostHog's exclusions: its UDF, attempt by attempt */
		o->excl = jn_funnel_posthog(&e->spec, e->excl, e->nexcl,
		    &ev->f, sizeof *ev, n, &o->m);
	} else {
		jn_funnel_match(&e->spec, &ev->f, sizeof *ev, n, &o->m);
		o->excl = o->m.level ? excluded(e, ev, n, &o->m) : 0;
	}
}

/* The rows an outcome counts the unit in: bit k for row k + 1. */
static uint32_t
rows_of(const struct eval *e, const struct outcome *o)
{
	uint32_t rows = 0;
	int k;

	if (o->excl)
		return 0;
	for (k = 0; k < o->m.level; k++)
		if (!(e->optional >> k & 1) || o->did[k] != (size_t)-1)
			rows |= UINT32_C(1) << k;
	return rows;
}

/*
 * --entry any: a unit with no event matching step 1 enters at step E > 1
 * when the funnel of steps E..S alone, with the same window, order and
 * modes and the parts of the exclusions that lie between those steps,
 * counts it at its first step.  It enters where that funnel gets
 * furthest, at the lowest E on ties, and counts in the entered column of
 * rows E to the last step it reached.
 */
static void
count_entry(const struct funnel *f, struct tally *t, const struct fevent *ev,
    size_t n, uint32_t by)
{
	struct jn_funnel_excl x[JN_FUNNEL_MAX_STEPS];
	int xof[JN_FUNNEL_MAX_STEPS];
	struct eval e;
	struct outcome o;
	uint32_t any = 0, g;
	size_t i;
	int k, entry, nx, best = 0, best_top = 0, S = f->spec.nsteps;

	for (i = 0; i < n; i++)
		any |= ev[i].f.mask;
	if (any & 1)
		return;	/* the classic funnel's */
	t->sub = jn_xgrow(t->sub, &t->sub_cap, n ? n : 1, sizeof *t->sub);
	for (entry = 1; entry < S; entry++) {	/* 0-based */
		if (!(any >> entry & 1))
			continue;
		/* exclusion I-J in steps entry+1..S: max(I, entry+1)-J */
		for (k = 0, nx = 0; k < f->nexcl; k++) {
			if (f->phx[k].to <= entry + 1)
				continue;
			x[nx].from = (f->phx[k].from > entry + 1 ?
			    f->phx[k].from : entry + 1) - entry;
			x[nx].to = f->phx[k].to - entry;
			xof[nx++] = k;
		}
		e.spec = f->spec;
		e.spec.nsteps = S - entry;
		e.excl = x;
		e.nexcl = nx;
		e.optional = 0;
		for (i = 0; i < n; i++) {
			uint32_t m = ev[i].f.mask;

			t->sub[i] = ev[i];
			t->sub[i].f.mask = (m & (uint32_t)(((uint64_t)1 << S) -
			    1)) >> entry;
			for (k = 0; k < nx; k++)
				if (m >> (S + xof[k]) & 1)
					t->sub[i].f.mask |= UINT32_C(1) <<
					    (e.spec.nsteps + k);
		}
		evaluate(f, t, &e, t->sub, n, &o);
		if (o.m.level == 0 || o.excl || entry + o.m.level <= best_top)
			continue;
		best = entry;
		best_top = entry + o.m.level;
	}
	if (best_top == 0)
		return;
	g = group_for(f, t, by);
	for (k = best; k < best_top; k++)
		t->groups[g].entered[k]++;
}

/* Match ev[0..n) and count the unit under breakdown value by. */
static void
count_match(const struct funnel *f, struct tally *t, const struct fevent *ev,
    size_t n, uint32_t by)
{
	struct eval e;
	struct outcome o;
	uint32_t g, rows;
	int k, p, w;

	main_eval(f, f->spec.window, &e);
	evaluate(f, t, &e, ev, n, &o);
	if (t->explaining) {
		/* the event that did each optional step, none if skipped */
		struct jn_funnel_match shown = o.m;

		for (k = 0; k < o.m.level; k++)
			if (f->optional >> k & 1) {
				shown.ev[k] = o.did[k];
				if (o.did[k] != (size_t)-1)
					shown.ts[k] = ev[o.did[k]].f.ts;
			}
		explain_unit(f, ev, n, &shown, o.excl, by);
	}
	rows = rows_of(&e, &o);
	if (rows != 0) {
		g = group_for(f, t, by);
		for (k = 0; k < o.m.level; k++) {
			const struct fevent *ek = &ev[o.m.ev[k]];
			int64_t dt;

			if (!(rows >> k & 1))
				continue;	/* an optional step skipped */
			p = f->optional ? prev_required(f, k) : k - 1;
			if (f->optional >> k & 1) {
				ek = &ev[o.did[k]];
				dt = o.did_dt[k];
			} else if (f->optional) {
				dt = p >= 0 ? ek->f.ts - o.m.ts[p] : 0;
			} else {
				dt = k > 0 ? o.m.ts[k] - o.m.ts[k - 1] : 0;
			}
			t->groups[g].count[k]++;
			if (ek->value != NONE)
				jn_xsum_add(&t->groups[g].value[k],
				    f->values[ek->value]);
			if (p >= 0)
				jn_samples_add(&t->groups[g].times[k], dt);
		}
	}
	/* --windows: the same evaluation, window by window */
	for (w = 0; w < f->nwin; w++) {
		main_eval(f, f->win[w], &e);
		evaluate(f, t, &e, ev, n, &o);
		if ((rows = rows_of(&e, &o)) == 0)
			continue;
		g = group_for(f, t, by);
		for (k = 0; k < f->spec.nsteps; k++)
			t->groups[g].wcount[w * f->spec.nsteps + k] +=
			    rows >> k & 1;
	}
	if (f->entry_any)
		count_entry(f, t, ev, n, by);
}

static struct fevent *
scratch(struct tally *t, size_t n)
{
	t->scratch = jn_xgrow(t->scratch, &t->scratch_cap, n,
	    sizeof *t->scratch);
	return t->scratch;
}

/*
 * Count one unit (or one gap-cut session) under its breakdown value(s):
 * first/last touch are known; "all" runs the funnel once per value on the
 * events carrying it; stepN once per value carried by an event matching
 * step N, with step N restricted to the events carrying it (PostHog's
 * breakdown attribution types).  Values are visited in byte order.
 */
static void
count_unit(const struct funnel *f, struct tally *tl, const struct fevent *ev,
    size_t n, uint32_t first, uint32_t last)
{
	uint32_t stepbit = UINT32_C(1) << f->attr_step, v, best;
	size_t i, c;
	struct fevent *t;
	int any;

	if (f->by_slot < 0 || f->attribution == ATTR_FIRST) {
		count_match(f, tl, ev, n, first);
		return;
	}
	if (f->attribution == ATTR_LAST) {
		count_match(f, tl, ev, n, last);
		return;
	}
	/* each distinct value, smallest rank first */
	for (v = NONE, any = 0;; any = 1) {
		best = NONE;
		for (i = 0; i < n; i++) {
			uint32_t b = ev[i].by;

			if (b == NONE || (f->attribution == ATTR_STEP &&
			    !(ev[i].f.mask & stepbit)))
				continue;
			if ((v == NONE || by_cmp(f, b, v) > 0) &&
			    (best == NONE || by_cmp(f, b, best) < 0))
				best = b;
		}
		if (best == NONE)
			break;
		v = best;
		t = scratch(tl, n);
		for (i = 0, c = 0; i < n; i++) {
			if (f->attribution == ATTR_ALL) {
				if (ev[i].by == v)
					t[c++] = ev[i];
				continue;
			}
			t[c] = ev[i];
			if (ev[i].by != v)
				t[c].f.mask &= ~stepbit;
			c++;
		}
		/* count_match reads values through the events' indices */
		count_match(f, tl, t, c, v);
	}
	if (!any)
		count_match(f, tl, ev, n, NONE);
}

/*
 * First and last non-empty breakdown values of time-sorted ev[0..n),
 * ties in time to the bytewise smaller value, as per user.
 */
static void
touches(const struct funnel *f, const struct fevent *ev, size_t n,
    uint32_t *first, uint32_t *last)
{
	int64_t first_ts = 0, last_ts = 0;
	size_t i;

	*first = *last = NONE;
	for (i = 0; i < n; i++) {
		uint32_t b = ev[i].by;

		if (b == NONE)
			continue;
		if (*first == NONE || ev[i].f.ts < first_ts ||
		    (ev[i].f.ts == first_ts && by_cmp(f, b, *first) < 0)) {
			*first = b;
			first_ts = ev[i].f.ts;
		}
		if (*last == NONE || ev[i].f.ts > last_ts ||
		    (ev[i].f.ts == last_ts && by_cmp(f, b, *last) < 0)) {
			*last = b;
			last_ts = ev[i].f.ts;
		}
	}
}

/* Is key (a unit's) the user of --explain? */
static int
explain_match(const struct funnel *f, const char *key, size_t len)
{
	size_t n = strlen(f->explain);

	/* per session the key is user, NUL, session */
	return len >= n && memcmp(key, f->explain, n) == 0 &&
	    (len == n || key[n] == '\0');
}

/*
 * Count one unit: its events ev[0..n), sorted here, under the first and
 * last touch of u, or cut into sessions first when u says so.
 */
static void
count_events(const struct funnel *f, struct tally *t,
    const struct unit_info *u, const char *key, size_t keylen,
    struct fevent *ev, size_t n)
{
	struct fevent none;
	uint32_t first, last;
	size_t i, s;

	/* a unit none of whose events was kept still counts (and explains) */
	if (ev == NULL) {
		assert(n == 0);
		ev = &none;
	}
	t->explaining = f->explain && explain_match(f, key, keylen);
	t->explained |= t->explaining;
	jn_sort_by_time(ev, n, sizeof *ev, fevent_cmp);
	if (!u->gap_cut) {
		if (f->per_session)
			touches(f, ev, n, &first, &last);
		else {
			first = u->first;
			last = u->last;
		}
		count_unit(f, t, ev, n, first, last);
		return;
	}
	/* sessions of a user without a session field */
	for (s = 0, i = 1; i <= n; i++)
		if (i == n || ev[i].f.ts - ev[i - 1].f.ts >
		    f->common.session_gap) {
			touches(f, ev + s, i - s, &first, &last);
			count_unit(f, t, ev + s, i - s, first, last);
			s = i;
		}
}

/*
 * A unit's kept events rec[0..n) as struct fevent: in place when they are
 * kept so, else widened into t's gather buffer.  NULL when n is 0.
 */
static struct fevent *
widen(const struct funnel *f, struct tally *t, void *rec, size_t n)
{
	size_t i;

	if (n == 0)
		return NULL;
	if (f->evsize == sizeof(struct fevent))
		return rec;
	t->gather = jn_xgrow(t->gather, &t->gather_cap, n, sizeof *t->gather);
	for (i = 0; i < n; i++) {
		struct fevent *e = &t->gather[i];

		memcpy(&e->f, (const unsigned char *)rec + i * sizeof e->f,
		    sizeof e->f);
		e->by = e->value = NONE;
	}
	return t->gather;
}

/*
 * One unit, handed over by the engine: counted into acc's tally (the
 * main funnel's, or with -j the share's worker's), its touches kept by
 * the state that owns it.  With --sorted the unit's values are done with.
 */
static void
count_unit_events(void *tool, void *acc, const struct jn_unit *u, void *rec,
    size_t n)
{
	struct funnel *f = tool, *a = acc;
	const struct funnel *owner = u->owner;
	size_t len = 0;
	/* the key only to match --explain against */
	const char *key = f->explain ? jn_unit_key(u, &len) : "";

	count_events(f, &a->t, &owner->uinfo[u->id], key, len,
	    widen(f, &a->t, rec, n), n);
	if (f->run.sorted)
		f->nvalues = 0;
}

/* ---- --explain ---- */

static void
explain_steps(const struct funnel *f, uint32_t mask, char *buf, size_t size)
{
	size_t o = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < f->spec.nsteps + f->nexcl && o < size; k++) {
		if (!(mask >> k & 1))
			continue;
		if (k < f->spec.nsteps)
			o += (size_t)snprintf(buf + o, size - o, "%s%d",
			    o ? "," : "matches step ", k + 1);
		else
			o += (size_t)snprintf(buf + o, size - o,
			    "%sexcluded by '%s'", o ? "; " : "",
			    f->excl[k - f->spec.nsteps].text);
	}
	if (o == 0)
		snprintf(buf, size, "matches no step");
}

/* Why a chain that reached level m->level went no further. */
static void
explain_stop(const struct funnel *f, const struct fevent *ev, size_t n,
    const struct jn_funnel_match *m, char *buf, size_t size)
{
	int next = m->level;
	uint32_t bit = UINT32_C(1) << next;
	const char *name = f->step_text[next];
	size_t i;
	int64_t end;
	char t1[48], t2[48];

	for (i = 0; i < n && !(ev[i].f.mask & bit); i++)
		;
	if (i == n) {
		snprintf(buf, size, "no event matches step %d '%s'", next + 1,
		    name);
		return;
	}
	if (next == 0 || f->spec.order == JN_ORDER_ANY) {
		snprintf(buf, size, "step %d '%s' never fell inside one "
		    "window with the others", next + 1, name);
		return;
	}
	end = f->spec.window ? m->ts[0] + f->spec.window : INT64_MAX;
	for (i = 0; i < n; i++)
		if ((ev[i].f.mask & bit) && ev[i].f.ts >= m->ts[next - 1])
			break;
	if (i == n)
		snprintf(buf, size, "no event matches step %d '%s' after step "
		    "%d", next + 1, name, next);
	else if (ev[i].f.ts > end)
		snprintf(buf, size, "step %d '%s' next happens at %s, after "
		    "the window closed at %s", next + 1, name,
		    jn_time_format(t1, sizeof t1, ev[i].f.ts),
		    jn_time_format(t2, sizeof t2, end));
	else
		snprintf(buf, size, "the %s rules ended the chain before step "
		    "%d '%s' at %s", f->spec.order == JN_ORDER_DEFAULT ?
		    "--dedup/--increase/--once" :
		    f->spec.order == JN_ORDER_STRICT && (f->spec.flags &
		    (JN_FUNNEL_DEDUP | JN_FUNNEL_INCREASE | JN_FUNNEL_ONCE)) ?
		    "strict order and --dedup/--increase/--once" :
		    "strict order", next + 1, name,
		    jn_time_format(t1, sizeof t1, ev[i].f.ts));
}

static void
explain_unit(const struct funnel *f, const struct fevent *ev, size_t n,
    const struct jn_funnel_match *m, int excl, uint32_t by)
{
	char steps[256], why[320], t[48];
	const char *prog = jn_progname();
	size_t i;
	int k;

	fprintf(stderr, "%s: explain '%s'", prog, f->explain);
	if (f->by_field)
		fprintf(stderr, " (%s '%s')", f->by_field, by == NONE ? "" :
		    jn_intern_str(&f->byvals, by, NULL));
	fprintf(stderr, ": %zu event%s kept, reached step %d of %d\n", n,
	    n == 1 ? "" : "s", m->level, f->spec.nsteps);
	for (i = 0; i < n; i++) {
		const char *mark = "";
		char fill[32] = "";

		for (k = 0; k < m->level; k++)
			if (m->ev[k] == i) {
				snprintf(fill, sizeof fill, "  <- step %d",
				    k + 1);
				mark = fill;
				break;
			}
		explain_steps(f, ev[i].f.mask, steps, sizeof steps);
		fprintf(stderr, "  %s  %s%s\n", jn_time_format(t, sizeof t,
		    ev[i].f.ts), steps, mark);
	}
	if (excl)
		fprintf(stderr, "  dropped: an event matching --exclude '%s' "
		    "came between steps %d and %d\n", f->excl[excl - 1].text,
		    f->excl[excl - 1].from, f->excl[excl - 1].to ?
		    f->excl[excl - 1].to : f->spec.nsteps);
	else if (m->level == f->spec.nsteps)
		fprintf(stderr, "  converted: all %d steps\n", m->level);
	else {
		explain_stop(f, ev, n, m, why, sizeof why);
		fprintf(stderr, "  stopped: %s\n", why);
	}
}

/* Medians per group and step: the mean of the two middle values. */
static void
compute_medians(struct funnel *f)
{
	size_t g;
	int k;

	for (g = 0; g < f->t.ngroups; g++)
		for (k = 1; k < f->spec.nsteps; k++) {
			struct jn_samples *t = &f->t.groups[g].times[k];

			if (t->n == 0)
				continue;
			jn_samples_sort(t);
			f->t.groups[g].median[k] = jn_samples_median(t->v,
			    t->n) / 1e9;
		}
}

/* ---- output ---- */

static const struct funnel *order_funnel;

/* Groups by step-1 count, largest first; then by value; no value last. */
static int
group_cmp(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;

	if (a->count[0] != b->count[0])
		return a->count[0] > b->count[0] ? -1 : 1;
	if (a->by == NONE || b->by == NONE)
		return (a->by == NONE) - (b->by == NONE);
	return order_funnel->byrank[a->by] < order_funnel->byrank[b->by] ?
	    -1 : 1;
}

static double
ratio(uint64_t a, uint64_t b)
{
	return b == 0 ? NAN : (double)a / (double)b;
}

static struct jn_cell
rate_cell(uint64_t a, uint64_t b)
{
	return b == 0 ? jn_cell_null() : jn_cell_num(ratio(a, b));
}

/*
 * The gate formats' view of a step row: named and labelled by group,
 * step and name; the last step's row of each group holds the
 * --min-conversion verdict.
 */
static void
step_verdict(const struct funnel *f, struct jn_writer *w,
    const struct group *gr, int k)
{
	int last = f->spec.nsteps - 1;
	double r;
	char why[128];

	if (!f->has_min_conversion || k != last) {
		jn_writer_verdict(w, JN_VERDICT_PASS, JN_SEV_INFO, NULL);
		return;
	}
	r = gr->count[0] ? ratio(gr->count[last], gr->count[0]) : 0;
	snprintf(why, sizeof why, "conversion %.1f%% %s --min-conversion "
	    "%.1f%%", 100 * r, r < f->min_conversion ? "below" :
	    "at or above", 100 * f->min_conversion);
	jn_writer_verdict(w, r < f->min_conversion ? JN_VERDICT_FAIL :
	    JN_VERDICT_PASS, JN_SEV_INFO, why);
}

static int
write_table(struct funnel *f, enum jn_format fmt)
{
	struct jn_column cols[11 + MAX_WINDOWS];
	struct jn_cell cells[11 + MAX_WINDOWS];
	char names[MAX_WINDOWS][64];
	struct jn_writer *w;
	size_t nc = 0, g, b = f->by_field ? 1 : 0;
	int k, x, rc, overflow = 0;
	const struct jn_gate_col gcols[] = {
		{ 0, JN_GATE_NAME | JN_GATE_LABEL, "group", NULL },
		{ b, JN_GATE_NAME | JN_GATE_LABEL, "step", NULL },
		{ b + 1, JN_GATE_NAME | JN_GATE_LABEL, "name", NULL },
		{ b + 2, JN_GATE_METRIC, "count", "Units reaching the step" },
		{ b + 3, JN_GATE_METRIC, "conversion", "Units at the step "
		    "over units at step 1" },
		{ b + 4, JN_GATE_METRIC, "step_conversion", "Units at the "
		    "step over units at the previous step" },
		{ b + 5, JN_GATE_METRIC, "dropped", "Units lost since the "
		    "previous step" },
		{ b + 6, JN_GATE_METRIC, "median_time_seconds", "Median "
		    "seconds from the previous step" },
		{ b + 7, JN_GATE_METRIC, "value", "Sum of --value over the "
		    "events filling the step" },
	};
	struct jn_gate gate = { "jfunnel", NULL, gcols + 1 - b,
		sizeof gcols / sizeof gcols[0] - 1 + b };

	if (f->by_field)
		cols[nc++] = (struct jn_column){ f->by_field, JN_COL_STR };
	cols[nc++] = (struct jn_column){ "step", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "name", JN_COL_STR };
	cols[nc++] = (struct jn_column){ "count", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "conversion", JN_COL_RATE };
	cols[nc++] = (struct jn_column){ "step_conversion", JN_COL_RATE };
	cols[nc++] = (struct jn_column){ "dropped", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "median_time", JN_COL_DURATION };
	if (f->value_field)
		cols[nc++] = (struct jn_column){ "value", JN_COL_MONEY };
	for (x = 0; x < f->nwin; x++) {
		snprintf(names[x], sizeof names[x], "count_%s",
		    f->win_text[x]);
		cols[nc++] = (struct jn_column){ names[x], JN_COL_INT };
	}
	if (f->entry_any)
		cols[nc++] = (struct jn_column){ "entered", JN_COL_INT };
	jn_engine_meta(&f->engine, fmt);
	w = jn_writer_new(stdout, fmt, cols, nc);
	if (!f->value_field)
		gate.ncols--;
	jn_writer_gate(w, &gate);
	for (g = 0; g < f->t.ngroups; g++) {
		const struct group *gr = &f->t.groups[g];

		for (k = 0; k < f->spec.nsteps; k++) {
			uint64_t c = gr->count[k];
			int pk = prev_required(f, k);
			uint64_t prev = pk >= 0 ? gr->count[pk] : c;
			size_t i = 0;

			if (f->by_field) {
				const char *s = "";
				size_t len = 0;

				if (gr->by != NONE)
					s = jn_intern_str(&f->byvals, gr->by,
					    &len);
				cells[i++] = jn_cell_str(s, len);
			}
			cells[i++] = jn_cell_int(k + 1);
			cells[i++] = jn_cell_str(f->step_text[k],
			    strlen(f->step_text[k]));
			cells[i++] = jn_cell_int((int64_t)c);
			cells[i++] = rate_cell(c, gr->count[0]);
			cells[i++] = rate_cell(c, prev);
			cells[i++] = jn_cell_int((int64_t)(prev - c));
			cells[i++] = isnan(gr->median[k]) ? jn_cell_null() :
			    jn_cell_num(gr->median[k]);
			if (f->value_field) {
				double v = jn_xsum_value(&gr->value[k]);

				cells[i++] = jn_cell_num(v);
				if (!isfinite(v) && !overflow++)
					jn_warn("--value: the sum of '%s' at "
					    "step %d is out of range; left empty",
					    f->value_field, k + 1);
			}
			for (x = 0; x < f->nwin; x++)
				cells[i++] = jn_cell_int((int64_t)gr->wcount[x *
				    f->spec.nsteps + k]);
			if (f->entry_any)
				cells[i++] = jn_cell_int((int64_t)
				    gr->entered[k]);
			step_verdict(f, w, gr, k);
			jn_writer_row(w, cells);
		}
	}
	/* --by and no unit: no row, yet the gate fails (see gate()) */
	if (f->has_min_conversion && f->t.ngroups == 0)
		jn_writer_gate_check(w, "--min-conversion", JN_VERDICT_FAIL,
		    JN_SEV_INFO, "no unit reached step 1");
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	return rc;
}

/* --min-conversion: 1 when any group converts below the rate. */
static int
gate(const struct funnel *f)
{
	int failed = 0, last = f->spec.nsteps - 1;
	size_t g, counted = 0;

	if (!f->has_min_conversion)
		return 0;
	/*
	 * With --by, a group no unit reached step 1 in is there only for
	 * the count_DUR or entered columns: the gate is the funnel's own
	 */
	for (g = 0; g < f->t.ngroups; g++)
		counted += !f->by_field || f->t.groups[g].count[0] > 0;
	if (counted == 0) {
		jn_warn("no unit reached step 1: below --min-conversion %.1f%%",
		    100 * f->min_conversion);
		return 1;
	}
	for (g = 0; g < f->t.ngroups; g++) {
		const struct group *gr = &f->t.groups[g];
		double r = gr->count[0] ? ratio(gr->count[last], gr->count[0]) :
		    0;

		if (r >= f->min_conversion || (f->by_field &&
		    gr->count[0] == 0))
			continue;
		failed = 1;
		if (f->by_field)
			jn_warn("%s '%s': conversion %.1f%% below "
			    "--min-conversion %.1f%%", f->by_field,
			    gr->by == NONE ? "" :
			    jn_intern_str(&f->byvals, gr->by, NULL), 100 * r,
			    100 * f->min_conversion);
		else
			jn_warn("conversion %.1f%% below --min-conversion "
			    "%.1f%%", 100 * r, 100 * f->min_conversion);
	}
	return failed;
}

/* ---- the engine's hooks for -j ---- */

/*
 * Each reading thread kept its events with its own ids of breakdown
 * values and its own --value values.  Before counting, the values move
 * into the main funnel (they are few, or read only afterwards) and the
 * ranks of the breakdown values are taken; with one thread only the
 * ranks.  Integers add up alike in any order, value sums are exact,
 * medians sort their samples, and --explain's user is counted by one
 * thread: the output is the same whatever -j says.
 */
static void
prepare_workers(void *tool, void *const *workers, int n)
{
	struct funnel *f = tool;
	int k;

	/* units whose lookup on_event deferred have their info now */
	if (jn_units_count(&f->units) > 0)
		grow_units(f, (uint32_t)jn_units_count(&f->units) - 1);
	for (k = 0; k < n; k++) {
		struct funnel *w = workers[k];

		if (jn_units_count(&w->units) > 0)
			grow_units(w, (uint32_t)jn_units_count(&w->units) - 1);
	}
	jn_idmap_init(&f->bymap, n);
	f->vbase = jn_xcalloc((size_t)n + 1, sizeof *f->vbase);
	for (k = 0; k < n; k++) {
		const struct funnel *w = workers[k];

		jn_idmap_merge(&f->bymap, k, &f->byvals, &w->byvals);
		f->vbase[k] = f->nvalues;
		if (w->nvalues > 0) {
			f->values = jn_xgrow(f->values, &f->values_cap,
			    f->nvalues + w->nvalues, sizeof *f->values);
			memcpy(f->values + f->nvalues, w->values,
			    w->nvalues * sizeof *f->values);
			f->nvalues += w->nvalues;
		}
	}
	f->byrank = jn_intern_ranks(&f->byvals);
}

/* An event of worker k, to the main funnel's value ids. */
static void
remap_event(const void *tool, int k, void *rec)
{
	const struct funnel *f = tool;
	struct fevent *e = rec;

	if (f->evsize == sizeof(struct jn_fev))
		return;
	e->by = jn_idmap_get(&f->bymap, k, e->by);
	if (e->value != NONE)
		e->value += (uint32_t)f->vbase[k];
}

/* A unit's touches, kept in worker k's own value ids, to the main's. */
static void
adopt_unit(const void *tool, void *w, int k, uint32_t id)
{
	const struct funnel *f = tool;
	struct unit_info *u = &((struct funnel *)w)->uinfo[id];

	u->first = jn_idmap_get(&f->bymap, k, u->first);
	u->last = jn_idmap_get(&f->bymap, k, u->last);
}

/* The first and last touch and the gap cut of a unit seen by w2 too. */
static void
merge_unit(const void *tool, void *w, uint32_t id, void *w2, int k2,
    uint32_t id2)
{
	const struct funnel *f = tool;
	struct funnel *to = w;
	const struct funnel *from = w2;
	const struct unit_info *fu = &from->uinfo[id2];
	struct unit_info *tu = &to->uinfo[id];
	uint32_t b;

	tu->gap_cut |= fu->gap_cut;
	if (fu->first != NONE) {
		b = jn_idmap_get(&f->bymap, k2, fu->first);
		touch(f, tu, &to->tts[id], b,
		    jn_intern_str(&f->byvals, b, NULL), from->tts[id2].first);
	}
	if (fu->last != NONE) {
		b = jn_idmap_get(&f->bymap, k2, fu->last);
		touch(f, tu, &to->tts[id], b,
		    jn_intern_str(&f->byvals, b, NULL), from->tts[id2].last);
	}
}

static void
merge_tally(void *tool, void *acc)
{
	struct funnel *f = tool;

	tally_merge(f, &f->t, &((struct funnel *)acc)->t);
}

/* ---- --partial and --merge ---- */

/*
 * Everything that decides the counts, as one string: a shard's state is
 * merged only into a run of the same funnel.  Caller frees b.buf.
 */
static void
config_text(const void *tool, struct jn_strbuf *b)
{
	const struct funnel *f = tool;
	int k;

	jn_state_config_common(b, &f->common);
	for (k = 0; k < f->spec.nsteps; k++)
		jn_state_config_item(b, "step", f->step_text[k]);
	for (k = 0; k < f->nexcl; k++) {
		jn_strbuf_printf(b, "exclude=%d-%d,", f->excl[k].from,
		    f->excl[k].to);
		jn_state_config_item(b, "", f->excl[k].text);
	}
	if (f->posthog && f->nexcl > 0)
		jn_strbuf_printf(b, "exclusions=posthog;");
	jn_strbuf_printf(b, "window=%lld;order=%d;flags=%u;per=%s;",
	    (long long)f->spec.window, (int)f->spec.order,
	    (unsigned)f->spec.flags, f->per_session ? "session" : "user");
	jn_state_config_item(b, "by", f->by_field);
	jn_state_config_item(b, "value", f->value_field);
	jn_strbuf_printf(b, "attribution=%d:%d", (int)f->attribution,
	    f->attr_step);
	/* only when given, so that older states still merge */
	for (k = 0; k < f->nwin; k++)
		jn_strbuf_printf(b, ";window%d=%lld", k + 1,
		    (long long)f->win[k]);
	if (f->entry_any)
		jn_strbuf_printf(b, ";entry=any");
}

static const struct funnel *rank_funnel;

static int
group_by_rank(const void *pa, const void *pb)
{
	const struct group *a = *(const struct group *const *)pa;
	const struct group *b = *(const struct group *const *)pb;

	return by_cmp(rank_funnel, a->by, b->by);
}

/*
 * --partial: per group, its value, counts, exact value sums and the
 * step-to-step times (all of them: medians merge exactly only so), in
 * value order, so that a state does not depend on -j either.
 */
static int
write_state(void *tool, FILE *out)
{
	struct funnel *f = tool;
	struct jn_state_rec *r = jn_state_rec_new();
	struct group **order;
	int64_t *times[JN_FUNNEL_MAX_STEPS], counts[JN_FUNNEL_MAX_STEPS];
	size_t ntimes[JN_FUNNEL_MAX_STEPS], g;
	int k, rc = 0;

	order = jn_xmalloc((f->t.ngroups + 1) * sizeof *order);
	for (g = 0; g < f->t.ngroups; g++)
		order[g] = &f->t.groups[g];
	rank_funnel = f;
	qsort(order, f->t.ngroups, sizeof *order, group_by_rank);
	for (g = 0; g < f->t.ngroups && rc == 0; g++) {
		struct group *gr = order[g];
		size_t len = 0;
		const char *by = gr->by == NONE ? NULL :
		    jn_intern_str(&f->byvals, gr->by, &len);

		jn_state_set_str(r, "by", by, len);
		for (k = 0; k < f->spec.nsteps; k++)
			counts[k] = (int64_t)gr->count[k];
		jn_state_set_ints(r, "count", counts, (size_t)f->spec.nsteps);
		if (f->entry_any) {
			for (k = 0; k < f->spec.nsteps; k++)
				counts[k] = (int64_t)gr->entered[k];
			jn_state_set_ints(r, "entered", counts,
			    (size_t)f->spec.nsteps);
		}
		for (k = 0; k < f->nwin; k++) {
			char key[32];
			int s;

			snprintf(key, sizeof key, "count%d", k + 1);
			for (s = 0; s < f->spec.nsteps; s++)
				counts[s] = (int64_t)gr->wcount[k *
				    f->spec.nsteps + s];
			jn_state_set_ints(r, key, counts,
			    (size_t)f->spec.nsteps);
		}
		if (gr->value != NULL)
			jn_state_set_xsums(r, "value", gr->value,
			    (size_t)f->spec.nsteps);
		/* times[k - 1]: this group's samples of step k, in order */
		for (k = 1; k < f->spec.nsteps; k++) {
			struct jn_samples *t = &gr->times[k];

			jn_samples_sort(t);
			times[k - 1] = t->v;
			ntimes[k - 1] = t->n;
		}
		jn_state_set_int_arrays(r, "time", times, ntimes,
		    (size_t)f->spec.nsteps - 1);
		rc = jn_state_write(out, r);
	}
	free(order);
	jn_state_rec_free(r);
	return rc;
}

/* One --merge record, a group's counts, added to f.  0 or -1 (reported). */
static int
merge_group(void *ctx, struct jn_state_in *in, const struct jn_state_rec *r)
{
	struct funnel *f = ctx;
	const char *by;
	int64_t *v;
	size_t n, i, len;
	uint32_t g, id = NONE;
	int k, w;

	if (jn_state_get_str(in, r, "by", &by, &len) != 0 ||
	    jn_state_get_ints(in, r, "count", &v, &n) != 0)
		return -1;
	if (by != NULL)
		id = jn_intern_put(&f->byvals, by, len);
	g = group_for(f, &f->t, id);
	for (k = 0; k < f->spec.nsteps && (size_t)k < n; k++)
		f->t.groups[g].count[k] += (uint64_t)v[k];
	free(v);
	if (f->entry_any) {
		if (jn_state_get_ints(in, r, "entered", &v, &n) != 0)
			return -1;
		for (k = 0; k < f->spec.nsteps && (size_t)k < n; k++)
			f->t.groups[g].entered[k] += (uint64_t)v[k];
		free(v);
	}
	for (w = 0; w < f->nwin; w++) {
		char key[32];

		snprintf(key, sizeof key, "count%d", w + 1);
		if (jn_state_get_ints(in, r, key, &v, &n) != 0)
			return -1;
		for (k = 0; k < f->spec.nsteps && (size_t)k < n; k++)
			f->t.groups[g].wcount[w * f->spec.nsteps + k] +=
			    (uint64_t)v[k];
		free(v);
	}
	if (f->value_field && jn_state_add_xsums(in, r, "value",
	    f->t.groups[g].value, (size_t)f->spec.nsteps) != 0)
		return -1;
	for (k = 1; k < f->spec.nsteps; k++) {
		if (jn_state_get_int_array(in, r, "time", (size_t)k - 1, &v,
		    &n) != 0)
			return -1;
		for (i = 0; i < n; i++)
			jn_samples_add(&f->t.groups[g].times[k], v[i]);
		free(v);
	}
	return 0;
}

/* ---- main ---- */

/* --exclude [I-J:]EXPR */
static int
parse_exclusion(struct funnel *f, const char *arg)
{
	struct exclusion *e;
	const char *p = arg;
	char *end;
	long from = 1, to = 0;

	if (f->nexcl == JN_FUNNEL_MAX_STEPS)
		return jn_error("too many --exclude");
	if (*p >= '0' && *p <= '9') {
		from = strtol(p, &end, 10);
		if (*end == '-' && end[1] >= '0' && end[1] <= '9') {
			to = strtol(end + 1, &end, 10);
			if (*end == ':') {
				p = end + 1;
				if (from < 1 || to <= from || to > 32)
					return jn_error("bad --exclude range "
					    "in '%s' (I-J with 1 <= I < J)",
					    arg);
			} else {
				from = 1;
				to = 0;
			}
		} else {
			from = 1;
		}
	}
	if (*p == '\0')
		return jn_error("empty --exclude expression in '%s'", arg);
	e = &f->excl[f->nexcl++];
	e->text = p;
	e->from = (int)from;
	e->to = (int)to;
	return 0;
}

/*
 * --windows DUR,DUR,...: each window as written (its column's name) and in
 * ns.  The list is copied into buf, which the caller frees.
 */
static int
parse_windows(struct funnel *f, const char *arg, char **buf)
{
	char *p, *q;
	int w;

	free(*buf);
	p = *buf = jn_xstrdup(arg);
	for (f->nwin = 0;; p = q + 1) {
		if ((q = strchr(p, ',')) != NULL)
			*q = '\0';
		if (*p == '\0')
			return jn_error("empty window in --windows '%s'", arg);
		if (f->nwin == MAX_WINDOWS)
			return jn_error("too many windows in --windows '%s' "
			    "(at most %d)", arg, MAX_WINDOWS);
		for (w = 0; w < f->nwin; w++)
			if (strcmp(f->win_text[w], p) == 0)
				return jn_error("window '%s' given twice in "
				    "--windows", p);
		if (jn_duration_parse(p, &f->win[f->nwin]) != 0)
			return jn_error("bad duration '%s' in --windows", p);
		f->win_text[f->nwin++] = p;
		if (q == NULL)
			return 0;
	}
}

/* --attribution first|last|all|stepN */
static int
parse_attribution(struct funnel *f, const char *arg)
{
	char *end;
	long n;

	if (strcmp(arg, "first") == 0)
		f->attribution = ATTR_FIRST;
	else if (strcmp(arg, "last") == 0)
		f->attribution = ATTR_LAST;
	else if (strcmp(arg, "all") == 0)
		f->attribution = ATTR_ALL;
	else if (strncmp(arg, "step", 4) == 0 && arg[4] >= '1' &&
	    arg[4] <= '9' && (n = strtol(arg + 4, &end, 10)) > 0 &&
	    *end == '\0' && n <= JN_FUNNEL_MAX_STEPS) {
		f->attribution = ATTR_STEP;
		f->attr_step = (int)n - 1;
	} else
		return jn_error("bad --attribution '%s' (first, last, all, "
		    "stepN)", arg);
	return 0;
}

/* Settle the combinations of options, PostHog's rules included. */
static int
check_args(struct funnel *f)
{
	const char *why;
	int x;

	if (f->posthog && (f->spec.flags & JN_FUNNEL_DEDUP))
		return jn_error("--dedup is ClickHouse's: not with --compat "
		    "posthog");
	if (f->nexcl > 0 && f->spec.nsteps < 2)
		return jn_error("--exclude needs two steps or more");
	if (f->posthog && f->nexcl > 0 && (f->spec.flags & JN_FUNNEL_INCREASE))
		return jn_error("--increase is ClickHouse's: not with PostHog's "
		    "exclusions (--compat posthog --exclude)");
	if ((f->optional & 1) ||
	    (f->optional >> (f->spec.nsteps - 1) & 1))
		return jn_error("the first and the last step cannot be "
		    "optional (-s ?EXPR)");
	if (f->optional && (f->posthog || f->spec.order != JN_ORDER_DEFAULT ||
	    (f->spec.flags & (JN_FUNNEL_DEDUP | JN_FUNNEL_INCREASE |
	    JN_FUNNEL_ONCE))))
		return jn_error("optional steps (-s ?EXPR) need the default "
		    "order, without --dedup, --increase, --once or --compat "
		    "posthog");
	if (f->posthog) {
		/* PostHog: 14-day window, one event per step, strict means
		 * consecutive events */
		if (!f->window_given)
			f->spec.window = 14 * 24 * 3600 * JN_NS_PER_SEC;
		f->spec.flags |= JN_FUNNEL_ONCE;
		if (f->spec.order == JN_ORDER_STRICT)
			f->spec.order = JN_ORDER_CONSECUTIVE;
	}
	if ((why = jn_funnel_check(&f->spec)) != NULL)
		return jn_error("%s", why);
	if (f->attribution == ATTR_STEP && f->attr_step >= f->spec.nsteps)
		return jn_error("--attribution step%d: the funnel has %d steps",
		    f->attr_step + 1, f->spec.nsteps);
	if (f->attribution != ATTR_FIRST && f->by_field == NULL)
		return jn_error("--attribution needs --by FIELD");
	if (f->spec.order == JN_ORDER_ANY && f->attribution == ATTR_STEP &&
	    f->attr_step != 0)
		return jn_error("--order any: only --attribution step1");
	if (f->run.sorted && f->per_session)
		return jn_error("--sorted works with --per user");
	if (jn_run_check(&f->run) != 0)
		return -1;
	if (f->run.merge && f->explain)
		return jn_error("--merge reads states, not events: no "
		    "--explain");
	if (f->spec.nsteps + f->nexcl > 32)
		return jn_error("at most 32 steps and exclusions together");
	if (f->entry_any && (f->spec.nsteps < 2 ||
	    f->spec.order == JN_ORDER_ANY || f->optional))
		return jn_error("--entry any needs two steps or more, in order, "
		    "none optional (not --order any, -s ?EXPR)");
	for (x = 0; x < f->nexcl; x++) {
		struct exclusion *e = &f->excl[x];

		if (e->to > f->spec.nsteps)
			return jn_error("--exclude %d-%d: the funnel has %d "
			    "steps", e->from, e->to, f->spec.nsteps);
		f->phx[x].from = e->from;
		f->phx[x].to = e->to ? e->to : f->spec.nsteps;
		if (f->spec.order == JN_ORDER_ANY && (e->from != 1 ||
		    (e->to != 0 && e->to != f->spec.nsteps)))
			return jn_error("--order any: --exclude takes the "
			    "whole funnel, not a range");
	}
	return 0;
}

static int
parse_args(struct funnel *f, int argc, char **argv)
{
	/* static: it lives until exit, so no error path leaks it */
	static struct option *longopts;
	static char *windows;
	int opt, nsteps = 0, k;
	char *end;

	free(longopts);	/* from an earlier main() in one process */
	longopts = jn_cli_options(tool_longopts, NELEM(tool_longopts));
	f->spec.window = 7 * 24 * 3600 * JN_NS_PER_SEC;
	while ((opt = getopt_long(argc, argv, "s:w:j:" JN_COMMON_SHORTOPTS,
	    longopts, NULL)) != -1) {
		int r = jn_common_option(&f->common, opt, optarg);

		if (r == 0)
			r = jn_run_option(&f->run, opt, optarg);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (opt) {
		case 's':
			if (nsteps == JN_FUNNEL_MAX_STEPS)
				return jn_error("too many steps (at most %d)",
				    JN_FUNNEL_MAX_STEPS);
			f->step_text[nsteps++] = optarg;
			break;
		case 'w':
			if (jn_duration_parse(optarg, &f->spec.window) != 0)
				return jn_error("bad duration '%s' for "
				    "--window", optarg);
			f->window_given = 1;
			break;
		case OPT_DEDUP:
			f->spec.flags |= JN_FUNNEL_DEDUP;
			break;
		case OPT_INCREASE:
			f->spec.flags |= JN_FUNNEL_INCREASE;
			break;
		case OPT_ONCE:
			f->spec.flags |= JN_FUNNEL_ONCE;
			break;
		case OPT_REENTRY:
			f->spec.flags |= JN_FUNNEL_REENTRY;
			break;
		case OPT_COMPAT:
			if (strcmp(optarg, "posthog") == 0)
				f->posthog = 1;
			else if (strcmp(optarg, "clickhouse") == 0)
				f->posthog = 0;
			else
				return jn_error("bad --compat '%s' "
				    "(clickhouse, posthog)", optarg);
			break;
		case OPT_EXCLUDE:
			if (parse_exclusion(f, optarg) != 0)
				return -1;
			break;
		case OPT_ATTRIBUTION:
			if (parse_attribution(f, optarg) != 0)
				return -1;
			break;
		case OPT_EXPLAIN:
			f->explain = optarg;
			break;
		case OPT_WINDOWS:
			if (parse_windows(f, optarg, &windows) != 0)
				return -1;
			break;
		case OPT_ENTRY:
			if (strcmp(optarg, "any") == 0)
				f->entry_any = 1;
			else if (strcmp(optarg, "first") == 0)
				f->entry_any = 0;
			else
				return jn_error("bad --entry '%s' (first, "
				    "any)", optarg);
			break;
		case OPT_ORDER:
			if (strcmp(optarg, "default") == 0)
				f->spec.order = JN_ORDER_DEFAULT;
			else if (strcmp(optarg, "strict") == 0)
				f->spec.order = JN_ORDER_STRICT;
			else if (strcmp(optarg, "any") == 0)
				f->spec.order = JN_ORDER_ANY;
			else
				return jn_error("bad --order '%s' (default, "
				    "strict, any)", optarg);
			break;
		case OPT_PER:
			if (strcmp(optarg, "user") == 0)
				f->per_session = 0;
			else if (strcmp(optarg, "session") == 0)
				f->per_session = 1;
			else
				return jn_error("bad --per '%s' (user, "
				    "session)", optarg);
			break;
		case OPT_BY:
			f->by_field = optarg;
			break;
		case OPT_VALUE:
			f->value_field = optarg;
			break;
		case OPT_MIN_CONVERSION:
			errno = 0;
			f->min_conversion = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || errno ||
			    !(f->min_conversion >= 0 &&
			    f->min_conversion <= 1))
				return jn_error("bad rate '%s' for "
				    "--min-conversion (a fraction in [0,1])",
				    optarg);
			f->has_min_conversion = 1;
			break;
		case OPT_OUTPUT:
			f->output = optarg;
			break;
		default:
			return jn_cli_other(opt, usage, help_text);
		}
	}
	if (nsteps < 1) {
		jn_error("at least one step needed (-s STEP)");
		fputs(usage, stderr);
		return -1;
	}
	f->spec.nsteps = nsteps;
	for (k = 0; k < nsteps; k++)
		if (f->step_text[k][0] == '?')
			f->optional |= UINT32_C(1) << k;
	return check_args(f);
}

static int
setup(void *state, int worker)
{
	struct funnel *f = state;
	int k;
	char what[32];

	f->is_worker = worker;
	if ((worker ? jn_input_init_worker(&f->in, &f->common) :
	    jn_input_init(&f->in, &f->common)) != 0)
		return -1;
	for (k = 0; k < f->spec.nsteps; k++) {
		snprintf(what, sizeof what, "step %d", k + 1);
		f->step[k] = jn_pred_compile(f->step_text[k] +
		    (f->optional >> k & 1), &f->in.schema, f->in.event_slot,
		    what);
		if (f->step[k] == NULL)
			return -1;
	}
	f->by_slot = f->by_field ? jn_schema_field(&f->in.schema,
	    f->by_field) : -1;
	f->value_slot = -1;
	if (f->value_field) {
		if (jn_valexpr_init(&f->value_expr, &f->in.schema,
		    f->value_field) != 0)
			return -1;
		f->value_slot = f->value_expr.slot;
	}
	if (f->by_field && f->by_slot < 0)
		return -1;
	for (k = 0; k < f->nexcl; k++) {
		snprintf(what, sizeof what, "--exclude %d", k + 1);
		f->excl[k].pred = jn_pred_compile(f->excl[k].text,
		    &f->in.schema, f->in.event_slot, what);
		if (f->excl[k].pred == NULL)
			return -1;
	}
	/* predicates of the event name alone are computed once per name */
	jn_namecache_init(&f->names);
	for (k = 0; k < f->spec.nsteps + f->nexcl; k++) {
		struct jn_pred *p = k < f->spec.nsteps ? f->step[k] :
		    f->excl[k - f->spec.nsteps].pred;

		if (jn_pred_event_only(p, f->in.event_slot)) {
			f->cpred[f->ncached] = p;
			f->cbit[f->ncached++] = k;
		} else {
			f->opred[f->nother] = p;
			f->obit[f->nother++] = k;
		}
	}
	/* names that match nothing are said after reading, in this order */
	for (k = 0; k < f->spec.nsteps; k++)
		jn_input_watch_pred(&f->in, f->step[k]);
	for (k = 0; k < f->nexcl; k++)
		jn_input_watch_pred(&f->in, f->excl[k].pred);
	if (f->by_field)
		jn_input_watch_field(&f->in, "--by", f->by_field, f->by_slot);
	if (f->value_field)
		jn_valexpr_watch(&f->value_expr, &f->in, "--value",
		    f->value_field);
	jn_input_watch_names(&f->in, &f->names);
	/* strict orders need the events that break chains */
	f->keep_all = f->spec.order == JN_ORDER_STRICT ||
	    f->spec.order == JN_ORDER_CONSECUTIVE || f->per_session;
	f->skip_unmatched = !f->keep_all && f->by_slot < 0 && !f->run.sorted &&
	    f->explain == NULL;
	f->evsize = f->by_slot < 0 && f->value_slot < 0 ?
	    sizeof(struct jn_fev) : sizeof(struct fevent);
	jn_units_init(&f->units, f->evsize, offsetof(struct jn_fev, aux),
	    f->per_session);
	f->units.sorted = f->run.sorted;
	/* a unit's events are sorted by time when counted: any order */
	jn_units_any_order(&f->units);
	jn_intern_init(&f->byvals);
	tally_init(&f->t);
	return 0;
}

static void
release(void *state)
{
	struct funnel *f = state;
	int k;

	for (k = 0; k < JN_FUNNEL_MAX_STEPS; k++) {
		jn_pred_free(f->step[k]);
		jn_pred_free(f->excl[k].pred);
	}
	tally_release(&f->t);
	jn_namecache_release(&f->names);
	jn_intern_release(&f->byvals);
	free(f->uinfo);
	free(f->tts);
	free(f->values);
	free(f->byrank);
	jn_idmap_release(&f->bymap);
	free(f->vbase);
}

/* The options, then --output opened before anything is read. */
static int
parse(void *state, int argc, char **argv)
{
	struct funnel *f = state;

	if (parse_args(f, argc, argv) != 0 ||
	    (f->output != NULL && jn_output_open(f->output) != 0))
		return -1;
	cmp_funnel = f;
	return 0;
}

/* After reading: --explain's user found, the groups' ranks. */
static int
end(void *state, int status)
{
	struct funnel *f = state;

	(void)status;
	if (f->explain && !f->t.explained) {
		if (f->common.strict)
			return jn_error("--explain: no user '%s' in the input",
			    f->explain);
		jn_warn("--explain: no user '%s' in the input", f->explain);
	}
	if (f->byrank == NULL)	/* the groups' order needs the ranks */
		f->byrank = jn_intern_ranks(&f->byvals);
	return 0;
}

/* The table, groups in order; an empty funnel still has its steps. */
static int
write_result(void *state, enum jn_format fmt, char **files, int nfiles)
{
	struct funnel *f = state;

	(void)files;
	(void)nfiles;
	compute_medians(f);
	order_funnel = f;
	if (f->t.ngroups > 0)
		qsort(f->t.groups, f->t.ngroups, sizeof *f->t.groups,
		    group_cmp);
	if (f->t.ngroups == 0 && !f->by_field)
		group_for(f, &f->t, NONE);
	return write_table(f, fmt);
}

static int
gate_hook(const void *state)
{
	return gate(state);
}

static const struct jn_reporter reporter = {
	.name = "jfunnel",
	.config = config_text,
	.write_state = write_state,
	.merge_record = merge_group,
	JN_REPORTER_STATE(struct funnel),
	.formats = JN_FMTS_GATE,
	.parse = parse,
	.setup = setup,
	.release = release,
	.event = on_event,
	.prepare = prepare_workers,
	.remap = remap_event,
	.unit_adopt = adopt_unit,
	.unit_merge = merge_unit,
	.unit = count_unit_events,
	.merge = merge_tally,
	.end = end,
	.write = write_result,
	.gate = gate_hook,
};

int
main(int argc, char **argv)
{
	static struct funnel f;

	return jn_engine_main(&reporter, &f, argc, argv);
}
