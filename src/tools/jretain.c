/*
 * jretain: cohort retention.  Each unit joins the cohort of the period
 * (day, week starting on Monday, or month, in UTC) of its first --start
 * event, or with --type recurring one cohort per period holding a start
 * event; it is retained in period k when it has a --return event k
 * periods later (calendar periods, or with --window rolling whole
 * multiples of 24 hours, 7 days or 30 days after its own start).
 *
 * Like jfunnel it sits on the reporter engine (engine.h): every event
 * matching --start or --return becomes a compact record (time, unit,
 * which of the two it matched, and with --by and --value the breakdown
 * value and the number), each unit's records are handed over once,
 * sorted by time, and counted into cells of (group, cohort, period) that
 * hold integers and exact sums, so that -j, --sorted and --partial /
 * --merge give the same bytes.  The last event's time (of every event
 * read, matching or not) decides which periods have begun.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/engine.h"
#include "journey/group.h"
#include "journey/input.h"
#include "journey/intern.h"
#include "journey/pred.h"
#include "journey/state.h"
#include "journey/time.h"
#include "journey/util.h"
#include "journey/valexpr.h"
#include "journey/writer.h"
#include "journey/xsum.h"

static const char usage[] =
    "usage: jretain [-u FIELD] [-t FIELD] [-e FIELD] [-o FORMAT]\n"
    "               [--start EXPR] [--return EXPR]\n"
    "               [--period day|week|month] [--type first|recurring]\n"
    "               [--window calendar|rolling] [--cumulative]\n"
    "               [--periods N] [--by FIELD] [--value FIELD]\n"
    "               [--stickiness] [--sorted] [-j N] [--partial | --merge]\n"
    "               [--meta]\n"
    "               [--where EXPR] [--since TIME] [--until TIME] [--strict]\n"
    "               [--rejects FILE] [FILE ...]\n";

static const char help_text[] =
    "Count who comes back: cohorts by the period of their start, retained\n"
    "in each period after it.\n"
    "\n"
    "      --start EXPR         the event that puts a unit in a cohort (any)\n"
    "      --return EXPR        the event that counts as coming back (any)\n"
    "      --period P           day, week (from Monday, UTC) or month (week)\n"
    "      --type T             first (cohort of the first start) or "
    "recurring\n"
    "      --window W           calendar periods, or rolling from the start\n"
    "      --cumulative         retained in period k: came back in k or later\n"
    "      --periods N          periods 0 to N-1 after the start (8)\n"
    "      --by FIELD           break down by FIELD (first non-empty value)\n"
    "      --value FIELD        sum FIELD over the return events per period\n"
    "      --stickiness         units by their number of active periods\n"
    "      --sorted             input grouped by user: memory per user only\n"
    "  -j, --jobs N             read with N threads (default: all cores)\n"
    "      --partial            write a mergeable state, not the table\n"
    "      --merge              add up states from --partial\n"
    "      --meta               begin the table with how it was made\n"
    "  -u, --user FIELD         user id field (user_id, userId, ...)\n"
    "  -t, --time FIELD         time field (timestamp, time, ts, ...)\n"
    "  -e, --event FIELD        event name field (event, event_name, ...)\n"
    "      --session FIELD      session id field (session_id, ...)\n"
    "      --session-gap DUR    cut sessions after DUR idle (30m)\n"
    "  -I, --input-format F     csv, tsv or ndjson (default: detect)\n"
    "      --delimiter C        CSV/TSV field separator (;, |, tab ...)\n"
    "      --time-format FMT    read times with strftime-style FMT\n"
    "      --time-zone ZONE     zone of times without one (+HH:MM; Z)\n"
    "      --decimal-comma      read numbers written 68,37\n"
    "      --where EXPR         keep only matching events\n"
    "      --since TIME         keep events at or after TIME\n"
    "      --until TIME         keep events before TIME\n"
    "  -o, --format F           table, csv, tsv, ndjson, markdown\n"
    "      --strict             a bad record is an error\n"
    "      --rejects FILE       write bad records to FILE\n"
    "      --max-rejected RATE  more bad records is an error (0.5)\n"
    "      --allow-empty        no event used is not an error\n"
    "      --safe-csv           defuse cells a spreadsheet would run\n"
    "      --no-progress        no progress line on stderr\n"
    "  -h, --help               this help\n"
    "  -V, --version            version\n"
    "\n"
    "See jretain(1) and journey(7).\n";

enum {
	OPT_START = JN_OPT_TOOL_BASE,
	OPT_RETURN,
	OPT_PERIOD,
	OPT_TYPE,
	OPT_WINDOW,
	OPT_CUMULATIVE,
	OPT_PERIODS,
	OPT_BY,
	OPT_VALUE,
	OPT_STICKINESS,
};

static const struct option tool_longopts[] = {
	{ "start", required_argument, NULL, OPT_START },
	{ "return", required_argument, NULL, OPT_RETURN },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "cumulative", no_argument, NULL, OPT_CUMULATIVE },
	{ "periods", required_argument, NULL, OPT_PERIODS },
	{ "by", required_argument, NULL, OPT_BY },
	{ "value", required_argument, NULL, OPT_VALUE },
	{ "stickiness", no_argument, NULL, OPT_STICKINESS },
	JN_RUN_LONGOPTS,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NONE UINT32_MAX
#define MAX_PERIODS 1000
#define DAY_NS (INT64_C(86400) * JN_NS_PER_SEC)


/* The bits of a record's mask. */
#define M_START 1u
#define M_RETURN 2u

/*
 * One event as kept: 24 bytes with --by or --value, else its first 16
 * (by and value then read as NONE).
 */
struct rrec {
	int64_t ts;
	uint32_t unit;
	uint32_t mask;		/* M_START, M_RETURN */
	uint32_t by;		/* breakdown value id, NONE if empty */
	uint32_t value;		/* index into values[], NONE without */
};
#define SMALL_REC 16

/* A cohort of a group: its units, and per period 0..N-1 the retained. */
struct cohort {
	int64_t num;		/* period number of the cohort (jn_period_of) */
	uint64_t units;
	uint64_t *ret;		/* [nperiods] */
	struct jn_xsum *val;	/* [nperiods] with --value, else NULL */
};

struct group {
	uint32_t by;		/* value id, NONE for units without one */
	struct cohort *c;	/* sorted by num */
	size_t n, cap;
};

struct tally {
	struct group *groups;
	size_t ngroups;
	uint32_t *group_of_by;	/* byvals id -> group, NONE: not yet */
	size_t group_cap;
	uint32_t nobody_group;
	/* one unit's periods already counted, for one cohort entry */
	unsigned char *seen;
};

struct retain {
	struct jn_common common;
	struct jn_input in;
	const char *start_text, *return_text;
	struct jn_pred *start, *ret;	/* NULL: any event */
	enum jn_period period;
	int recurring, rolling, cumulative, nperiods, periods_given;
	int stickiness;		/* cohorts are then numbers of active periods */
	const char *by_field, *value_field;
	int by_slot, value_slot;
	struct jn_valexpr value_expr;
	struct jn_namecache names;
	struct jn_pred *cpred[2], *opred[2];
	uint32_t cbit[2], obit[2];
	int ncached, nother;
	size_t evsize;

	struct jn_units units;
	struct jn_engine engine;
	struct jn_intern byvals;
	double *values;
	size_t nvalues, values_cap;
	struct jn_idmap bymap;	/* -j: per worker, --by id -> this state's */
	size_t *vbase;
	int64_t end;		/* the last event's time; INT64_MIN: none */
	int64_t begin;		/* the first event's time; INT64_MAX: none */
	/*
	 * The record this reading thread kept last, for folding the next
	 * ones of the same unit, day and mask into it (see on_event); NULL
	 * when folding is off or nothing is kept yet.
	 */
	int fold;
	struct rrec *last;
	uint32_t last_unit, last_mask;
	int64_t last_day;
	struct tally t;
	struct jn_run run;
};

/* ---- periods ---- */

/* Rolling windows: 24 hours, 7 days, 30 days. */
static int64_t
rolling_len(enum jn_period p)
{
	return p == JN_PERIOD_DAY ? DAY_NS : p == JN_PERIOD_WEEK ? 7 * DAY_NS :
	    30 * DAY_NS;
}

/* ---- reading ---- */

static const struct rrec *
rec_at(const struct retain *f, const void *base, size_t i)
{
	return (const struct rrec *)(const void *)((const unsigned char *)base +
	    i * f->evsize);
}

static int
on_event(void *ctx, const struct jn_event *ev)
{
	struct retain *f = ctx;
	struct rrec *r;
	uint32_t mask = 0, unit;
	const char *s;
	size_t len;
	int k, m;

	if (ev->time > f->end)
		f->end = ev->time;
	if (ev->time < f->begin)
		f->begin = ev->time;
	if (ev->name_len > 0 && f->ncached > 0) {
		uint64_t bits;

		if (jn_namecache_get(&f->names, f->cpred, f->ncached, ev->rec,
		    ev->name, ev->name_len, &bits) != 0)
			return -1;
		for (k = 0; k < f->ncached; k++)
			if (bits >> k & 1)
				mask |= f->cbit[k];
	} else {
		for (k = 0; k < f->ncached; k++) {
			if ((m = jn_pred_match(f->cpred[k], ev->rec)) < 0)
				return -1;
			if (m)
				mask |= f->cbit[k];
		}
	}
	for (k = 0; k < f->nother; k++) {
		if ((m = jn_pred_match(f->opred[k], ev->rec)) < 0)
			return -1;
		if (m)
			mask |= f->obit[k];
	}
	if (f->start == NULL)
		mask |= M_START;
	if (f->ret == NULL)
		mask |= M_RETURN;
	if (mask == 0)
		return 0;
	if ((unit = jn_units_get(&f->units, ev)) == NONE)
		return -1;
	/*
	 * Calendar periods only need, of a unit's events of one day with
	 * the same mask, the earliest if they are start events (the start,
	 * and a return at the start) and else the latest (a return at or
	 * after a start of that day whenever any is): logs hold a unit's
	 * events together, and such runs fold into one record.  The record
	 * is the last one kept, so it is still where jn_units_keep put it.
	 */
	if (f->fold) {
		int64_t day = jn_floor_div(ev->time, DAY_NS);

		if (f->last != NULL && unit == f->last_unit &&
		    mask == f->last_mask && day == f->last_day) {
			if (mask & M_START ? ev->time < f->last->ts :
			    ev->time > f->last->ts)
				f->last->ts = ev->time;
			return 0;
		}
		f->last_unit = unit;
		f->last_mask = mask;
		f->last_day = day;
	}
	r = jn_units_keep(&f->units, unit);
	r->ts = ev->time;
	r->mask = mask;
	if (f->fold)
		f->last = r;
	if (f->evsize == SMALL_REC)
		return 0;
	r->by = NONE;
	r->value = NONE;
	if (f->by_slot >= 0) {
		s = jn_record_get(ev->rec, f->by_slot, &len);
		if (s != NULL && len > 0)
			r->by = jn_intern_put(&f->byvals, s, len);
	}
	if (f->value_slot >= 0 && (mask & M_RETURN)) {
		double d;

		if (jn_valexpr_get(&f->value_expr, ev->rec, &d) == 0) {
			f->values = jn_xgrow(f->values, &f->values_cap,
			    f->nvalues + 1, sizeof *f->values);
			f->values[f->nvalues] = d;
			r->value = (uint32_t)f->nvalues++;
		}
	}
	return 0;
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
	size_t g, c;

	for (g = 0; g < t->ngroups; g++) {
		for (c = 0; c < t->groups[g].n; c++) {
			free(t->groups[g].c[c].ret);
			free(t->groups[g].c[c].val);
		}
		free(t->groups[g].c);
	}
	free(t->groups);
	free(t->group_of_by);
	free(t->seen);
}

static struct group *
group_for(struct tally *t, uint32_t by)
{
	uint32_t *slot;

	if (by != NONE && by >= t->group_cap) {
		size_t old = t->group_cap;

		t->group_of_by = jn_xgrow(t->group_of_by, &t->group_cap,
		    (size_t)by + 1, sizeof *t->group_of_by);
		for (; old < t->group_cap; old++)
			t->group_of_by[old] = NONE;
	}
	slot = by == NONE ? &t->nobody_group : &t->group_of_by[by];
	if (*slot == NONE) {
		t->groups = jn_xrealloc(t->groups,
		    (t->ngroups + 1) * sizeof *t->groups);
		memset(&t->groups[t->ngroups], 0, sizeof *t->groups);
		t->groups[t->ngroups].by = by;
		*slot = (uint32_t)t->ngroups++;
	}
	return &t->groups[*slot];
}

/* Cohort num of group g, made empty if new. */
static struct cohort *
cohort_for(const struct retain *f, struct group *g, int64_t num)
{
	size_t lo = 0, hi = g->n;
	struct cohort *c;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->c[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < g->n && g->c[lo].num == num)
		return &g->c[lo];
	g->c = jn_xgrow(g->c, &g->cap, g->n + 1, sizeof *g->c);
	memmove(&g->c[lo + 1], &g->c[lo], (g->n - lo) * sizeof *g->c);
	g->n++;
	c = &g->c[lo];
	memset(c, 0, sizeof *c);
	c->num = num;
	c->ret = jn_xcalloc((size_t)f->nperiods, sizeof *c->ret);
	if (f->value_field)
		c->val = jn_xcalloc((size_t)f->nperiods, sizeof *c->val);
	return c;
}

/*
 * The period after the start (at time t0, in calendar period c0) in
 * which an event at ts >= t0 falls.
 */
static int64_t
period_after(const struct retain *f, int64_t c0, int64_t t0, int64_t ts)
{
	if (f->rolling)
		return (ts - t0) / rolling_len(f->period);
	return jn_period_of(f->period, ts) - c0;
}

/*
 * One cohort entry of a unit: its start at ev[from] (time t0), counted
 * into cohort c: the unit, each period 0..N-1 with a return event at or
 * after t0 (the start event itself when it matches --return), or with
 * --cumulative each period up to the last one with a return, and the
 * values of the return events per period.
 */
static void
count_entry(const struct retain *f, struct tally *t, struct cohort *c,
    const void *ev, size_t n, size_t from)
{
	const struct rrec *s = rec_at(f, ev, from);
	int64_t c0 = jn_period_of(f->period, s->ts), t0 = s->ts, k, last = -1;
	size_t i;

	c->units++;
	memset(t->seen, 0, (size_t)f->nperiods);
	for (i = from; i < n; i++) {
		const struct rrec *r = rec_at(f, ev, i);

		if (!(r->mask & M_RETURN))
			continue;
		k = period_after(f, c0, t0, r->ts);
		if (k > last)
			last = k;
		if (k >= f->nperiods)
			continue;
		if (!t->seen[k]) {
			t->seen[k] = 1;
			if (!f->cumulative)
				c->ret[k]++;
		}
		if (c->val != NULL && f->evsize != SMALL_REC &&
		    r->value != NONE)
			jn_xsum_add(&c->val[k], f->values[r->value]);
	}
	if (f->cumulative)
		for (k = 0; k <= last && k < f->nperiods; k++)
			c->ret[k]++;
}

/*
 * The unit's breakdown value: the first non-empty one in time order,
 * ties to the bytewise smaller.
 */
static uint32_t
unit_by(const struct retain *f, const void *ev, size_t n)
{
	uint32_t best = NONE;
	int64_t ts = 0;
	size_t i;

	if (f->evsize == SMALL_REC)
		return NONE;
	for (i = 0; i < n; i++) {
		const struct rrec *r = rec_at(f, ev, i);

		if (r->by == NONE)
			continue;
		if (best == NONE) {
			best = r->by;
			ts = r->ts;
		} else if (r->ts == ts && r->by != best &&
		    strcmp(jn_intern_str(&f->byvals, r->by, NULL),
		    jn_intern_str(&f->byvals, best, NULL)) < 0) {
			best = r->by;
		} else if (r->ts > ts) {
			break;
		}
	}
	return best;
}

/*
 * --stickiness: the unit's number of calendar periods holding a return
 * event is its "cohort"; its return events' values go to period 0.
 */
static void
count_active(const struct retain *f, struct tally *t, const void *ev,
    size_t n)
{
	int64_t active = 0, last = 0, p;
	struct cohort *c;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct rrec *r = rec_at(f, ev, i);

		if (!(r->mask & M_RETURN))
			continue;
		p = jn_period_of(f->period, r->ts);
		if (active == 0 || p != last)
			active++;
		last = p;
	}
	if (active == 0)
		return;
	c = cohort_for(f, group_for(t, unit_by(f, ev, n)), active);
	c->units++;
	for (i = 0; c->val != NULL && f->evsize != SMALL_REC && i < n; i++) {
		const struct rrec *r = rec_at(f, ev, i);

		if ((r->mask & M_RETURN) && r->value != NONE)
			jn_xsum_add(&c->val[0], f->values[r->value]);
	}
}

static void
count_unit(void *tool, void *acc, const struct jn_unit *u, void *rec,
    size_t n)
{
	struct retain *f = tool, *a = acc;
	struct tally *t = &a->t;
	struct group *g = NULL;
	int64_t last_period = 0;
	size_t i;
	int any = 0;

	(void)u;
	if (n == 0)
		return;
	jn_sort_by_time(rec, n, f->evsize, NULL);
	if (f->stickiness) {
		count_active(f, t, rec, n);
		if (f->run.sorted)
			f->nvalues = 0;
		return;
	}
	if (t->seen == NULL)
		t->seen = jn_xmalloc((size_t)f->nperiods);
	for (i = 0; i < n; i++) {
		const struct rrec *r = rec_at(f, rec, i);
		int64_t p;

		if (!(r->mask & M_START))
			continue;
		p = jn_period_of(f->period, r->ts);
		if (any && p == last_period)
			continue;	/* one entry per period */
		if (g == NULL)
			g = group_for(t, unit_by(f, rec, n));
		count_entry(f, t, cohort_for(f, g, p), rec, n, i);
		if (!f->recurring)
			break;
		any = 1;
		last_period = p;
	}
	if (f->run.sorted)
		f->nvalues = 0;
}

/* Add from into to: groups by value, cohorts by number. */
static void
tally_merge(const struct retain *f, struct tally *to, const struct tally *from)
{
	size_t g, c;
	int k;

	for (g = 0; g < from->ngroups; g++) {
		const struct group *src = &from->groups[g];
		struct group *dst = group_for(to, src->by);

		for (c = 0; c < src->n; c++) {
			const struct cohort *sc = &src->c[c];
			struct cohort *dc = cohort_for(f, dst, sc->num);

			dc->units += sc->units;
			for (k = 0; k < f->nperiods; k++) {
				dc->ret[k] += sc->ret[k];
				if (sc->val != NULL)
					jn_xsum_merge(&dc->val[k], &sc->val[k]);
			}
		}
	}
}

/* ---- the engine's hooks for -j ---- */

static void
prepare_workers(void *tool, void *const *workers, int n)
{
	struct retain *f = tool;
	int k;

	jn_idmap_init(&f->bymap, n);
	f->vbase = jn_xcalloc((size_t)n + 1, sizeof *f->vbase);
	for (k = 0; k < n; k++) {
		const struct retain *w = workers[k];

		jn_idmap_merge(&f->bymap, k, &f->byvals, &w->byvals);
		f->vbase[k] = f->nvalues;
		if (w->end > f->end)
			f->end = w->end;
		if (w->begin < f->begin)
			f->begin = w->begin;
		if (w->nvalues > 0) {
			f->values = jn_xgrow(f->values, &f->values_cap,
			    f->nvalues + w->nvalues, sizeof *f->values);
			memcpy(f->values + f->nvalues, w->values,
			    w->nvalues * sizeof *f->values);
			f->nvalues += w->nvalues;
		}
	}
}

static void
remap_rec(const void *tool, int k, void *rec)
{
	const struct retain *f = tool;
	struct rrec *r = rec;

	if (f->evsize == SMALL_REC)
		return;
	r->by = jn_idmap_get(&f->bymap, k, r->by);
	if (r->value != NONE)
		r->value += (uint32_t)f->vbase[k];
}

static void
merge_tally(void *tool, void *acc)
{
	struct retain *f = tool;

	tally_merge(f, &f->t, &((struct retain *)acc)->t);
}

/* ---- --partial and --merge ---- */

static void
config_text(const void *tool, struct jn_strbuf *b)
{
	const struct retain *f = tool;

	jn_state_config_common(b, &f->common);
	jn_state_config_item(b, "start", f->start_text);
	jn_state_config_item(b, "return", f->return_text);
	jn_strbuf_printf(b, "period=%s;type=%s;window=%s;cumulative=%d;"
	    "periods=%d;stickiness=%d;", jn_period_name(f->period),
	    f->recurring ? "recurring" : "first", f->rolling ? "rolling" :
	    "calendar", f->cumulative, f->nperiods, f->stickiness);
	jn_state_config_item(b, "by", f->by_field);
	jn_state_config_item(b, "value", f->value_field);
}

static uint32_t *rank_of;

/* Groups in byte order of their value, no value first. */
static int
group_cmp(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;

	if (a->by == b->by)
		return 0;
	if (a->by == NONE || b->by == NONE)
		return a->by == NONE ? -1 : 1;
	return rank_of[a->by] < rank_of[b->by] ? -1 : 1;
}

static void
sort_groups(struct retain *f)
{
	rank_of = jn_intern_ranks(&f->byvals);
	if (f->t.ngroups > 0)
		qsort(f->t.groups, f->t.ngroups, sizeof *f->t.groups,
		    group_cmp);
	free(rank_of);
	rank_of = NULL;
}

/*
 * --partial: a record with the first and last events' times (a shard
 * whose users started nothing still has them), then one per group and
 * cohort, in output order.
 */
static int
write_state(void *tool, FILE *out)
{
	struct retain *f = tool;
	struct jn_state_rec *r = jn_state_rec_new();
	int64_t *v = jn_xmalloc((size_t)f->nperiods * sizeof *v), one;
	size_t g, c, len;
	int k, rc = 0;

	sort_groups(f);
	jn_state_set_str(r, "record", "bounds", 6);
	jn_state_set_ints(r, "begin", &f->begin, 1);
	jn_state_set_ints(r, "end", &f->end, 1);
	rc = jn_state_write(out, r);
	for (g = 0; g < f->t.ngroups && rc == 0; g++) {
		const struct group *gr = &f->t.groups[g];
		const char *by = gr->by == NONE ? NULL :
		    jn_intern_str(&f->byvals, gr->by, &len);

		for (c = 0; c < gr->n && rc == 0; c++) {
			const struct cohort *co = &gr->c[c];

			jn_state_set_str(r, "record", "cohort", 6);
			jn_state_set_str(r, "by", by, by ? len : 0);
			jn_state_set_ints(r, "cohort", &co->num, 1);
			one = (int64_t)co->units;
			jn_state_set_ints(r, "units", &one, 1);
			for (k = 0; k < f->nperiods; k++)
				v[k] = (int64_t)co->ret[k];
			jn_state_set_ints(r, "retained", v,
			    (size_t)f->nperiods);
			if (co->val != NULL)
				jn_state_set_xsums(r, "value", co->val,
				    (size_t)f->nperiods);
			rc = jn_state_write(out, r);
		}
	}
	free(v);
	jn_state_rec_free(r);
	return rc;
}

/* One --merge record added to f.  0 or -1 (reported). */
static int
merge_record(void *ctx, struct jn_state_in *in, const struct jn_state_rec *r)
{
	struct retain *f = ctx;
	const char *by, *what;
	int64_t *num = NULL, *units = NULL, *ret = NULL, *end = NULL;
	int64_t *begin = NULL;
	size_t len, nn, nu, nr, ne, nb;
	uint32_t id = NONE;
	struct cohort *c;
	int k, rc = -1;

	if (jn_state_get_str(in, r, "record", &what, &len) != 0)
		return -1;
	if (what != NULL && len == 6 && memcmp(what, "bounds", 6) == 0) {
		if (jn_state_get_ints(in, r, "begin", &begin, &nb) != 0 ||
		    jn_state_get_ints(in, r, "end", &end, &ne) != 0)
			goto out;
		if (nb != 1 || ne != 1) {
			jn_state_error(in, "bad bounds record");
			goto out;
		}
		if (end[0] > f->end)
			f->end = end[0];
		if (begin[0] < f->begin)
			f->begin = begin[0];
		rc = 0;
		goto out;
	}
	if (what == NULL || len != 6 || memcmp(what, "cohort", 6) != 0) {
		jn_state_error(in, "not a record of jretain");
		goto out;
	}
	if (jn_state_get_str(in, r, "by", &by, &len) != 0 ||
	    jn_state_get_ints(in, r, "cohort", &num, &nn) != 0 ||
	    jn_state_get_ints(in, r, "units", &units, &nu) != 0 ||
	    jn_state_get_ints(in, r, "retained", &ret, &nr) != 0)
		goto out;
	if (nn != 1 || nu != 1 || nr != (size_t)f->nperiods || units[0] < 0) {
		jn_state_error(in, "bad cohort record");
		goto out;
	}
	if (by != NULL)
		id = jn_intern_put(&f->byvals, by, len);
	c = cohort_for(f, group_for(&f->t, id), num[0]);
	c->units += (uint64_t)units[0];
	for (k = 0; k < f->nperiods; k++)
		c->ret[k] += (uint64_t)ret[k];
	if (f->value_field && jn_state_add_xsums(in, r, "value", c->val,
	    (size_t)f->nperiods) != 0)
		goto out;
	rc = 0;
out:
	free(num);
	free(units);
	free(ret);
	free(end);
	free(begin);
	return rc;
}

/* ---- output ---- */

/*
 * A --value cell: the exact sum rounded once, or empty (said once on
 * stderr) when it is beyond the range of a double.
 */
static struct jn_cell
value_cell(const struct retain *f, const struct jn_xsum *x)
{
	static int warned;
	double v = jn_xsum_value(x);

	if (isfinite(v))
		return jn_cell_num(v);
	if (!warned++)
		jn_warn("--value: a sum of '%s' is out of range; left empty",
		    f->value_field);
	return jn_cell_null();
}

/* Has period k of cohort num begun by the last event's time? */
static int
observed(const struct retain *f, int64_t num, int k)
{
	int64_t day = jn_period_day(f->period, num + k);

	if (f->end == INT64_MIN)
		return 0;
	return day <= jn_floor_div(f->end, DAY_NS);
}

static int
write_long(struct retain *f, enum jn_format fmt)
{
	struct jn_column cols[8];
	struct jn_cell cells[8];
	struct jn_writer *w;
	size_t nc = 0, g, c, len;
	char label[32];
	int k, rc;

	if (f->by_field)
		cols[nc++] = (struct jn_column){ f->by_field, JN_COL_STR };
	cols[nc++] = (struct jn_column){ "cohort", JN_COL_STR };
	cols[nc++] = (struct jn_column){ "period", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "units", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "retained", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "rate", JN_COL_RATE };
	if (f->value_field)
		cols[nc++] = (struct jn_column){ "value", JN_COL_MONEY };
	jn_engine_meta(&f->engine, fmt);
	w = jn_writer_new(stdout, fmt, cols, nc);
	for (g = 0; g < f->t.ngroups; g++) {
		const struct group *gr = &f->t.groups[g];
		const char *by = "";

		len = 0;
		if (gr->by != NONE)
			by = jn_intern_str(&f->byvals, gr->by, &len);
		for (c = 0; c < gr->n; c++) {
			const struct cohort *co = &gr->c[c];
			size_t ll = jn_period_label(f->period, co->num, label,
			    sizeof label);

			for (k = 0; k < f->nperiods; k++) {
				size_t i = 0;

				if (!observed(f, co->num, k))
					break;
				if (f->by_field)
					cells[i++] = jn_cell_str(by, len);
				cells[i++] = jn_cell_str(label, ll);
				cells[i++] = jn_cell_int(k);
				cells[i++] = jn_cell_int((int64_t)co->units);
				cells[i++] = jn_cell_int((int64_t)co->ret[k]);
				cells[i++] = jn_cell_num((double)co->ret[k] /
				    (double)co->units);
				if (f->value_field)
					cells[i++] = value_cell(f, &co->val[k]);
				jn_writer_row(w, cells);
			}
		}
	}
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	return rc;
}

/*
 * table and markdown: the matrix, one row per cohort and a column per
 * period, then per group the average of each period over the cohorts
 * that reached it, weighted by their units (with --value: the cells are
 * the values, the last row their totals).
 */
static int
write_matrix(struct retain *f, enum jn_format fmt)
{
	size_t nc = 0, ncols = (size_t)f->nperiods + 3, g, c, len, i;
	struct jn_column *cols = jn_xcalloc(ncols, sizeof *cols);
	struct jn_cell *cells = jn_xcalloc(ncols, sizeof *cells);
	char (*names)[16] = jn_xcalloc((size_t)f->nperiods, sizeof *names);
	uint64_t *num = jn_xcalloc((size_t)f->nperiods, sizeof *num);
	uint64_t *den = jn_xcalloc((size_t)f->nperiods, sizeof *den);
	struct jn_xsum *tot = NULL;
	struct jn_writer *w;
	char label[32];
	int k, rc;

	if (f->value_field)
		tot = jn_xcalloc((size_t)f->nperiods, sizeof *tot);
	if (f->by_field)
		cols[nc++] = (struct jn_column){ f->by_field, JN_COL_STR };
	cols[nc++] = (struct jn_column){ "cohort", JN_COL_STR };
	cols[nc++] = (struct jn_column){ "units", JN_COL_INT };
	for (k = 0; k < f->nperiods; k++) {
		snprintf(names[k], sizeof names[k], "%d", k);
		cols[nc++] = (struct jn_column){ names[k], f->value_field ?
		    JN_COL_MONEY : JN_COL_RATE };
	}
	jn_engine_meta(&f->engine, fmt);
	w = jn_writer_new(stdout, fmt, cols, nc);
	for (g = 0; g < f->t.ngroups; g++) {
		const struct group *gr = &f->t.groups[g];
		const char *by = "";
		uint64_t units = 0;

		len = 0;
		if (gr->by != NONE)
			by = jn_intern_str(&f->byvals, gr->by, &len);
		memset(num, 0, (size_t)f->nperiods * sizeof *num);
		memset(den, 0, (size_t)f->nperiods * sizeof *den);
		if (tot != NULL)
			memset(tot, 0, (size_t)f->nperiods * sizeof *tot);
		for (c = 0; c < gr->n; c++) {
			const struct cohort *co = &gr->c[c];

			i = 0;
			if (f->by_field)
				cells[i++] = jn_cell_str(by, len);
			cells[i++] = jn_cell_str(label, jn_period_label(f->period,
			    co->num, label, sizeof label));
			cells[i++] = jn_cell_int((int64_t)co->units);
			units += co->units;
			for (k = 0; k < f->nperiods; k++) {
				if (!observed(f, co->num, k)) {
					cells[i++] = jn_cell_null();
					continue;
				}
				num[k] += co->ret[k];
				den[k] += co->units;
				if (tot != NULL) {
					jn_xsum_merge(&tot[k], &co->val[k]);
					cells[i++] = value_cell(f,
					    &co->val[k]);
				} else {
					cells[i++] = jn_cell_num(
					    (double)co->ret[k] /
					    (double)co->units);
				}
			}
			jn_writer_row(w, cells);
		}
		i = 0;
		if (f->by_field)
			cells[i++] = jn_cell_str(by, len);
		cells[i++] = tot != NULL ? jn_cell_str("total", 5) :
		    jn_cell_str("average", 7);
		cells[i++] = jn_cell_int((int64_t)units);
		for (k = 0; k < f->nperiods; k++) {
			if (den[k] == 0)
				cells[i++] = jn_cell_null();
			else if (tot != NULL)
				cells[i++] = value_cell(f, &tot[k]);
			else
				cells[i++] = jn_cell_num((double)num[k] /
				    (double)den[k]);
		}
		jn_writer_row(w, cells);
	}
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	free(cols);
	free(cells);
	free(names);
	free(num);
	free(den);
	free(tot);
	return rc;
}

/*
 * --stickiness: per group, one row per number of active periods k from 1
 * to the number of calendar periods from the first event's to the last
 * event's: the units active in exactly k of them, and their share of
 * the group's active units.
 */
static int
write_sticky(struct retain *f, enum jn_format fmt)
{
	struct jn_column cols[6];
	struct jn_cell cells[6];
	struct jn_writer *w;
	size_t nc = 0, g, c, len;
	int64_t k, span = 0;
	int rc;

	if (f->end != INT64_MIN)
		span = jn_period_of(f->period, f->end) -
		    jn_period_of(f->period, f->begin) + 1;
	if (f->by_field)
		cols[nc++] = (struct jn_column){ f->by_field, JN_COL_STR };
	cols[nc++] = (struct jn_column){ "active_periods", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "units", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "rate", JN_COL_RATE };
	if (f->value_field)
		cols[nc++] = (struct jn_column){ "value", JN_COL_MONEY };
	jn_engine_meta(&f->engine, fmt);
	w = jn_writer_new(stdout, fmt, cols, nc);
	for (g = 0; g < f->t.ngroups; g++) {
		const struct group *gr = &f->t.groups[g];
		const char *by = "";
		uint64_t total = 0;

		len = 0;
		if (gr->by != NONE)
			by = jn_intern_str(&f->byvals, gr->by, &len);
		for (c = 0; c < gr->n; c++)
			total += gr->c[c].units;
		for (k = 1, c = 0; k <= span; k++) {
			const struct cohort *co = NULL;
			size_t i = 0;

			while (c < gr->n && gr->c[c].num < k)
				c++;
			if (c < gr->n && gr->c[c].num == k)
				co = &gr->c[c];
			if (f->by_field)
				cells[i++] = jn_cell_str(by, len);
			cells[i++] = jn_cell_int(k);
			cells[i++] = jn_cell_int(co ? (int64_t)co->units : 0);
			cells[i++] = jn_cell_num(co ? (double)co->units /
			    (double)total : 0);
			if (f->value_field)
				cells[i++] = co ? value_cell(f, &co->val[0]) :
				    jn_cell_num(0);
			jn_writer_row(w, cells);
		}
	}
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	return rc;
}

/* ---- main ---- */

static int
parse_choice(const char *opt, const char *arg, const char *const *names,
    int n, const char *list)
{
	int k;

	for (k = 0; k < n; k++)
		if (strcmp(arg, names[k]) == 0)
			return k;
	return jn_error("bad %s '%s' (%s)", opt, arg, list);
}

static int
parse_args(void *state, int argc, char **argv)
{
	struct retain *f = state;
	static struct option *longopts;
	static const char *const types[] = { "first", "recurring" };
	static const char *const windows[] = { "calendar", "rolling" };
	static const enum jn_period periods[] = { JN_PERIOD_DAY,
	    JN_PERIOD_WEEK, JN_PERIOD_MONTH };
	int opt, r;
	char *end;
	long n;

	free(longopts);
	longopts = jn_cli_options(tool_longopts, NELEM(tool_longopts));
	f->period = JN_PERIOD_WEEK;
	f->nperiods = 8;
	while ((opt = getopt_long(argc, argv, JN_RUN_SHORTOPTS
	    JN_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		r = jn_common_option(&f->common, opt, optarg);
		if (r == 0)
			r = jn_run_option(&f->run, opt, optarg);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (opt) {
		case OPT_START:
			f->start_text = optarg;
			break;
		case OPT_RETURN:
			f->return_text = optarg;
			break;
		case OPT_PERIOD:
			if (jn_period_parse("--period", optarg, periods,
			    sizeof periods / sizeof periods[0], &f->period) != 0)
				return -1;
			break;
		case OPT_TYPE:
			if ((r = parse_choice("--type", optarg, types, 2,
			    "first, recurring")) < 0)
				return -1;
			f->recurring = r;
			break;
		case OPT_WINDOW:
			if ((r = parse_choice("--window", optarg, windows, 2,
			    "calendar, rolling")) < 0)
				return -1;
			f->rolling = r;
			break;
		case OPT_CUMULATIVE:
			f->cumulative = 1;
			break;
		case OPT_PERIODS:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    errno || n < 1 || n > MAX_PERIODS)
				return jn_error("bad --periods '%s' (an integer "
				    "from 1 to %d)", optarg, MAX_PERIODS);
			f->nperiods = (int)n;
			f->periods_given = 1;
			break;
		case OPT_STICKINESS:
			f->stickiness = 1;
			break;
		case OPT_BY:
			f->by_field = optarg;
			break;
		case OPT_VALUE:
			f->value_field = optarg;
			break;
		default:
			return jn_cli_other(opt, usage, help_text);
		}
	}
	if (f->start_text != NULL && *f->start_text == '\0')
		return jn_error("empty --start expression");
	if (f->return_text != NULL && *f->return_text == '\0')
		return jn_error("empty --return expression");
	if (f->stickiness && (f->start_text != NULL || f->recurring ||
	    f->rolling || f->cumulative || f->periods_given))
		return jn_error("--stickiness counts the calendar periods with "
		    "a --return event: no --start, --type recurring, --window "
		    "rolling, --cumulative or --periods");
	return jn_run_check(&f->run);
}

static int
setup(void *state, int worker)
{
	struct retain *f = state;

	if ((worker ? jn_input_init_worker(&f->in, &f->common) :
	    jn_input_init(&f->in, &f->common)) != 0)
		return -1;
	f->end = INT64_MIN;
	f->begin = INT64_MAX;
	jn_namecache_init(&f->names);
	jn_intern_init(&f->byvals);
	tally_init(&f->t);
	f->ncached = f->nother = 0;
	if (f->start_text != NULL && (f->start = jn_pred_compile(f->start_text,
	    &f->in.schema, f->in.event_slot, "--start")) == NULL)
		return -1;
	if (f->return_text != NULL && (f->ret = jn_pred_compile(
	    f->return_text, &f->in.schema, f->in.event_slot, "--return")) ==
	    NULL)
		return -1;
	f->by_slot = f->by_field ? jn_schema_field(&f->in.schema,
	    f->by_field) : -1;
	if (f->by_field && f->by_slot < 0)
		return -1;
	f->value_slot = -1;
	if (f->value_field) {
		if (jn_valexpr_init(&f->value_expr, &f->in.schema,
		    f->value_field) != 0)
			return -1;
		f->value_slot = f->value_expr.slot;
	}
	/* predicates of the event name alone run once per name */
	if (f->start != NULL) {
		if (jn_pred_event_only(f->start, f->in.event_slot)) {
			f->cpred[f->ncached] = f->start;
			f->cbit[f->ncached++] = M_START;
		} else {
			f->opred[f->nother] = f->start;
			f->obit[f->nother++] = M_START;
		}
		jn_input_watch_pred(&f->in, f->start);
	}
	if (f->ret != NULL) {
		if (jn_pred_event_only(f->ret, f->in.event_slot)) {
			f->cpred[f->ncached] = f->ret;
			f->cbit[f->ncached++] = M_RETURN;
		} else {
			f->opred[f->nother] = f->ret;
			f->obit[f->nother++] = M_RETURN;
		}
		jn_input_watch_pred(&f->in, f->ret);
	}
	if (f->by_field)
		jn_input_watch_field(&f->in, "--by", f->by_field, f->by_slot);
	if (f->value_field)
		jn_valexpr_watch(&f->value_expr, &f->in, "--value",
		    f->value_field);
	jn_input_watch_names(&f->in, &f->names);
	f->evsize = f->by_slot < 0 && f->value_slot < 0 ? SMALL_REC :
	    sizeof(struct rrec);
	jn_units_init(&f->units, f->evsize, offsetof(struct rrec, unit), 0);
	/* folding keeps no value or breakdown, and rolling needs each time */
	f->fold = f->evsize == SMALL_REC && !f->rolling;
	f->last = NULL;
	f->units.sorted = f->run.sorted;
	return 0;
}

static void
release(void *state)
{
	struct retain *f = state;

	jn_pred_free(f->start);
	jn_pred_free(f->ret);
	f->start = f->ret = NULL;
	tally_release(&f->t);
	jn_namecache_release(&f->names);
	jn_intern_release(&f->byvals);
	free(f->values);
	jn_idmap_release(&f->bymap);
	free(f->vbase);
}

/* The table: the matrix for reading, the long form for programs. */
static int
write_result(void *state, enum jn_format fmt, char **files, int nfiles)
{
	struct retain *f = state;

	(void)files;
	(void)nfiles;
	sort_groups(f);
	return f->stickiness ? write_sticky(f, fmt) : fmt == JN_FMT_TABLE ||
	    fmt == JN_FMT_MARKDOWN ? write_matrix(f, fmt) : write_long(f, fmt);
}

static const struct jn_reporter reporter = {
	.name = "jretain",
	.config = config_text,
	.write_state = write_state,
	.merge_record = merge_record,
	JN_REPORTER_STATE(struct retain),
	.parse = parse_args,
	.setup = setup,
	.release = release,
	.event = on_event,
	.prepare = prepare_workers,
	.remap = remap_rec,
	.unit = count_unit,
	.merge = merge_tally,
	.write = write_result,
};

int
main(int argc, char **argv)
{
	static struct retain f;

	return jn_engine_main(&reporter, &f, argc, argv);
}
