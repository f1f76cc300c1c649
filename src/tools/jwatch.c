/*
 * jwatch: KPI series per period (day, hour or week) and the periods that
 * break their pattern.  Events are counted into cells of (group, period)
 * on the reporter engine (engine.h): every event becomes a compact record
 * (time, user, session, which predicates it matched, and with --by,
 * --value and --drivers the values it carries); each user's records are
 * handed over once, sorted by time, cut into sessions, and counted into
 * cells holding integers and exact sums, so that -j and --partial /
 * --merge give the same bytes.  Then each series (group x KPI), over every
 * period from the first event's to the last event's (a period without
 * events counts zero), goes through the seasonal hybrid ESD of anomaly.h;
 * a rate's flag must also stand against its binomial sampling error.
 * --series reads a ready series (time, value, group) instead of events.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/anomaly.h"
#include "journey/engine.h"
#include "journey/group.h"
#include "journey/input.h"
#include "journey/intern.h"
#include "journey/pred.h"
#include "journey/score.h"
#include "journey/state.h"
#include "journey/table.h"
#include "journey/time.h"
#include "journey/util.h"
#include "journey/valexpr.h"
#include "journey/writer.h"
#include "journey/xsum.h"

static const char usage[] =
    "usage: jwatch [-u FIELD] [-t FIELD] [-e FIELD] [-o FORMAT]\n"
    "              [--goal EXPR] [--error EXPR] [--value FIELD]\n"
    "              [--count NAME=EXPR] [--rate NAME=EXPR[/EXPR]]\n"
    "              [--nps FIELD] [--csat FIELD] [--ces FIELD]\n"
    "              [--kpis LIST] [--by FIELD] [--period day|hour|week]\n"
    "              [--utc-offset +HH:MM] [--series] [--alpha A]\n"
    "              [--max-anoms F] [--direction pos|neg|both]\n"
    "              [--season N] [--only-flagged] [--check-last N]\n"
    "              [--drivers FIELD] [--follow] [--close-after DUR]\n"
    "              [--history N] [--lateness DUR] [--sorted] [-j N]\n"
    "              [--partial | --merge] [--meta]\n"
    "              [--where EXPR] [--since TIME] [--until TIME] [--strict]\n"
    "              [--rejects FILE] [--output FILE] [FILE ...]\n";

static const char help_text[] =
    "Build KPI series per period and flag the periods that break the\n"
    "pattern (Twitter's seasonal hybrid ESD).\n"
    "\n"
    "      --goal EXPR          the conversion event (conversion KPI)\n"
    "      --error EXPR         an error event (/error|exception|fail/i)\n"
    "      --value FIELD        the revenue of an event (revenue KPI)\n"
    "      --count NAME=EXPR    KPI: sessions with a matching event\n"
    "      --rate NAME=EXPR[/EXPR]  KPI: share of the sessions matching\n"
    "                           the second (all) that match the first\n"
    "      --nps FIELD          NPS answers 0-10 (nps, nps_score)\n"
    "      --csat FIELD         CSAT answers 1-5 (csat, csat_score)\n"
    "      --ces FIELD          CES answers 1-7 (ces, ces_score)\n"
    "      --kpis LIST          the KPIs to watch, comma-separated\n"
    "      --by FIELD           one series per value of FIELD\n"
    "      --period P           day, hour or week (from Monday) (day)\n"
    "      --utc-offset ZONE    periods in local time +HH:MM (UTC)\n"
    "      --series             read time,value[,group] rows, not events\n"
    "      --alpha A            significance level (0.05)\n"
    "      --max-anoms F        at most this share flagged (0.10)\n"
    "      --direction D        pos, neg or both (both)\n"
    "      --season N           periods per season (7 days, 24 hours,\n"
    "                           52 weeks)\n"
    "      --only-flagged       print only the flagged rows\n"
    "      --check-last N       exit 1 if one of the last N periods is\n"
    "                           flagged\n"
    "      --drivers FIELD      which values of FIELD moved a flagged KPI\n"
    "      --follow             read a stream, a period's rows when it\n"
    "                           closes\n"
    "      --close-after DUR    --follow: close the open period after\n"
    "                           DUR without input\n"
    "      --history N          --follow: periods kept for the detector\n"
    "                           (8 seasons)\n"
    "      --lateness DUR       --follow: how late an event may come (1h)\n"
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
    "  -o, --format F           table, csv, tsv, ndjson, markdown, junit,\n"
    "                           github, prometheus\n"
    "      --output FILE        write FILE whole (a temporary file "
    "renamed)\n"
    "      --strict             a bad record is an error\n"
    "      --rejects FILE       write bad records to FILE\n"
    "      --max-rejected RATE  more bad records is an error (0.5)\n"
    "      --allow-empty        no event used is not an error\n"
    "      --safe-csv           defuse cells a spreadsheet would run\n"
    "      --no-progress        no progress line on stderr\n"
    "  -h, --help               this help\n"
    "  -V, --version            version\n"
    "\n"
    "See jwatch(1) and journey(7).\n";

enum {
	OPT_GOAL = JN_OPT_TOOL_BASE,
	OPT_ERROR,
	OPT_VALUE,
	OPT_COUNT,
	OPT_RATE,
	OPT_KPIS,
	OPT_BY,
	OPT_PERIOD,
	OPT_UTC_OFFSET,
	OPT_SERIES,
	OPT_ALPHA,
	OPT_MAX_ANOMS,
	OPT_DIRECTION,
	OPT_SEASON,
	OPT_ONLY_FLAGGED,
	OPT_CHECK_LAST,
	OPT_DRIVERS,
	OPT_OUTPUT,
	OPT_FOLLOW,
	OPT_CLOSE_AFTER,
	OPT_HISTORY,
	OPT_LATENESS,
};

static const struct option tool_longopts[] = {
	{ "goal", required_argument, NULL, OPT_GOAL },
	{ "error", required_argument, NULL, OPT_ERROR },
	{ "value", required_argument, NULL, OPT_VALUE },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "kpis", required_argument, NULL, OPT_KPIS },
	{ "by", required_argument, NULL, OPT_BY },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ "utc-offset", required_argument, NULL, OPT_UTC_OFFSET },
	{ "series", no_argument, NULL, OPT_SERIES },
	{ "alpha", required_argument, NULL, OPT_ALPHA },
	{ "max-anoms", required_argument, NULL, OPT_MAX_ANOMS },
	{ "direction", required_argument, NULL, OPT_DIRECTION },
	{ "season", required_argument, NULL, OPT_SEASON },
	{ "only-flagged", no_argument, NULL, OPT_ONLY_FLAGGED },
	{ "check-last", required_argument, NULL, OPT_CHECK_LAST },
	{ "drivers", required_argument, NULL, OPT_DRIVERS },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "close-after", required_argument, NULL, OPT_CLOSE_AFTER },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "lateness", required_argument, NULL, OPT_LATENESS },
	JN_SCORE_LONGOPTS,
	JN_RUN_LONGOPTS,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NONE UINT32_MAX
#define MAX_DEFINED 8		/* --count and --rate, each */
#define MAX_PERIODS 100000	/* periods from the first event to the last */
#define NTOP_DRIVERS 3
#define DRV_EMPTY (UINT32_MAX - 1)	/* a session without a driver value */


/*
 * The counters of a cell.  Per session (the period and group of its first
 * event): sessions, and those with a goal, with one event (bounce), with
 * an error, with a --count event, with both of a --rate's parts, with its
 * second part; per event: events (in the event's own period); per user:
 * users with an event in the period.
 */
enum {
	C_EVENTS, C_USERS, C_SESSIONS, C_GOAL, C_BOUNCE, C_ERROR, C_FIXED
};

/* The bits of a record's mask: goal, error, then count k, rate k's
 * numerator and denominator. */
#define M_GOAL 1u
#define M_ERROR 2u
#define M_COUNT(k) (1u << (2 + (k)))
#define M_RNUM(k) (1u << (2 + MAX_DEFINED + (k)))
#define M_RDEN(k) (1u << (2 + 2 * MAX_DEFINED + (k)))

/* The KPIs: the built-in ones, then --count and --rate in their order. */
enum kpi_kind { K_EVENTS, K_USERS, K_SESSIONS, K_CONVERSION, K_BOUNCE,
	K_ERROR, K_REVENUE, K_NPS, K_CSAT, K_CES, K_COUNT, K_RATE, K_SERIES };
#define NBUILTIN 10
static const char *const builtin_names[NBUILTIN] = { "events", "users",
	"sessions", "conversion", "bounce_rate", "error_rate", "revenue", "nps",
	"csat", "ces" };

struct kpi {
	const char *name;
	enum kpi_kind kind;
	int k;			/* --count / --rate index */
	int is_rate;
	int is_score;		/* nps, csat, ces */
};

/* One event as kept. */
struct wrec {
	int64_t ts;
	uint32_t unit;
	uint32_t mask;
	uint32_t sess;		/* hash of the session value | 1; 0: none */
	uint32_t by;		/* --by value id, NONE if empty */
	uint32_t value;		/* index into values[] and answers[]: NONE
				 * without revenue or survey answers */
	uint32_t drv;		/* --drivers value id, NONE if empty */
};

struct cell {
	int64_t p;		/* period number */
	uint64_t *c;		/* [ncounters] */
	struct jn_xsum rev;
	struct jn_scores sc;	/* the survey answers of its events */
};

/* A series' cells: one per (group, driver value) with a period seen. */
struct group {
	uint32_t by;		/* NONE: no value */
	uint32_t drv;		/* NONE: all of the group */
	struct cell *c;		/* sorted by p */
	size_t n, cap;
};

struct tally {
	struct group *g;
	size_t n;
};

struct pair {
	int64_t p;
	uint32_t gi;
};

struct defined {
	char *name;		/* owned */
	const char *text, *den_text;	/* den_text NULL: all sessions */
	char *text_copy;	/* text when split from den_text: owned */
	struct jn_pred *num, *den;
};

struct watch {
	struct jn_common common;
	struct jn_input in;
	const char *goal_text, *error_text, *value_field, *by_field;
	const char *kpis_text, *drivers_field;
	struct jn_pred *goal, *error;
	struct defined count[MAX_DEFINED], rate[MAX_DEFINED];
	int ncount, nrate;
	enum jn_period period;
	int32_t offset;		/* seconds east of UTC */
	int series, only_flagged, season_given, error_given;
	int check_last;
	int follow;		/* --follow */
	int64_t close_after;	/* --close-after, ns; 0 without */
	size_t history;		/* --history, periods; 0: 8 seasons */
	int64_t lateness;	/* --lateness, ns; -1: 1h */
	const char *output;	/* --output FILE */
	double alpha, max_anoms;
	enum jn_anom_dir dir;
	size_t season;
	int by_slot, drv_slot;
	/* the predicates, with the bit each sets: those of the event name
	 * alone run once per name (cached), the others per event */
	struct jn_namecache names;
	struct jn_pred *cpred[64], *opred[64];
	uint32_t cbit[64], obit[64];
	int ncached, nother;
	uint32_t den_all;	/* M_RDEN bits of rates without a second EXPR */
	struct jn_valexpr value_expr;
	int value_slot;
	size_t ncounters;
	struct kpi kpis[NBUILTIN + 2 * MAX_DEFINED];
	size_t nkpis;
	int is_worker;		/* one of -j's reading states */
	int flagged_last;	/* a last --check-last period flagged */
	char *series_name;	/* --series: the value column's name */
	char *series_by;	/* --series: the group column's name */

	struct jn_units units;
	struct jn_engine engine;
	struct jn_intern byvals, drvals;
	double *values;		/* revenue, NaN for none */
	uint16_t *answers;	/* packed (pack_answers), 0 for none */
	size_t nvalues, values_cap, answers_cap;
	int have[JN_NSCORES];	/* answers of each kind were read */
	struct jn_idmap bymap, drvmap;	/* -j: per worker, id -> this state's */
	size_t *vbase;
	int64_t first, last;	/* period numbers of the first, last event */
	struct tally t;
	struct jn_run run;
	/* counting one user (in the accumulator): its (group, period) pairs
	 * with an event */
	struct pair *pairs;
	size_t npairs, pairs_cap;
	/*
	 * --follow: the users with open records or marks (fuser, found by
	 * the table fmap of indices + 1), how many records they hold and at
	 * how many the next sweep comes, the latest time read; the cells of
	 * the settled sessions; the open period (closed early by quiet:
	 * cur_closed), the writer.
	 */
	struct fuser *fu;
	size_t nfu, fucap;
	uint32_t *fmap;
	size_t fmap_size;
	size_t nopen, sweep_at;
	size_t peak_open, peak_users, peak_cells;	/* JWATCH_DEBUG_KEPT */
	int64_t water;
	struct tally settled;
	int64_t cur;
	int cur_set, cur_closed;
	struct jn_writer *fw;
	struct jn_strbuf fdb;
};

/* ---- periods ---- */

/* The period number of time ts (UTC ns) at the offset. */
static int64_t
period_of(const struct watch *f, int64_t ts)
{
	return jn_period_of(f->period, ts + (int64_t)f->offset *
	    JN_NS_PER_SEC);
}

/* ---- reading ---- */

static const struct wrec *
rec_at(const void *base, size_t i)
{
	return (const struct wrec *)base + i;
}

static int
match(struct jn_pred *p, const struct jn_record *rec, uint32_t bit,
    uint32_t *mask)
{
	int m;

	if (p == NULL)
		return 0;
	if ((m = jn_pred_match(p, rec)) < 0)
		return -1;
	if (m)
		*mask |= bit;
	return 0;
}

/* An event's answers in 4 bits each (the answer + 1, 0 for none). */
static uint16_t
pack_answers(const int8_t ans[JN_NSCORES])
{
	uint16_t a = 0;
	int k;

	for (k = 0; k < JN_NSCORES; k++)
		a |= (uint16_t)((ans[k] + 1) << (4 * k));
	return a;
}

static void
unpack_answers(uint16_t a, int8_t ans[JN_NSCORES])
{
	int k;

	for (k = 0; k < JN_NSCORES; k++)
		ans[k] = (int8_t)((a >> (4 * k) & 15) - 1);
}

/*
 * An event's record into *r (all but its unit): the bits of the
 * predicates it matches, its session, group and driver values, its
 * revenue and answers (kept in values[] and answers[]).  Returns 0 or
 * -1 (reported).
 */
static int
make_rec(struct watch *f, const struct jn_event *ev, struct wrec *r)
{
	uint32_t mask = 0;
	const char *s;
	size_t len;
	int64_t p;
	int k;

	if (ev->name_len > 0 && f->ncached > 0) {
		uint64_t bits;

		if (jn_namecache_get(&f->names, f->cpred, f->ncached, ev->rec,
		    ev->name, ev->name_len, &bits) != 0)
			return -1;
		for (k = 0; k < f->ncached; k++)
			if (bits >> k & 1)
				mask |= f->cbit[k];
	} else {
		for (k = 0; k < f->ncached; k++)
			if (match(f->cpred[k], ev->rec, f->cbit[k], &mask) != 0)
				return -1;
	}
	for (k = 0; k < f->nother; k++)
		if (match(f->opred[k], ev->rec, f->obit[k], &mask) != 0)
			return -1;
	mask |= f->den_all;
	p = period_of(f, ev->time);
	if (p < f->first)
		f->first = p;
	if (p > f->last)
		f->last = p;
	r->unit = 0;
	r->ts = ev->time;
	r->mask = mask;
	r->sess = ev->session != NULL && ev->session_len > 0 ?
	    (uint32_t)jn_hash(ev->session, ev->session_len) | 1 : 0;
	r->by = NONE;
	r->value = NONE;
	r->drv = NONE;
	if (f->by_slot >= 0) {
		s = jn_record_get(ev->rec, f->by_slot, &len);
		if (s != NULL && len > 0)
			r->by = jn_intern_put(&f->byvals, s, len);
	}
	if (f->drv_slot >= 0) {
		s = jn_record_get(ev->rec, f->drv_slot, &len);
		if (s != NULL && len > 0)
			r->drv = jn_intern_put(&f->drvals, s, len);
	}
	if (f->value_slot >= 0 || ev->answered) {
		double d = NAN;

		if (f->value_slot >= 0 && (jn_valexpr_get(&f->value_expr,
		    ev->rec, &d) != 0 || !isfinite(d)))
			d = NAN;
		if (!isnan(d) || ev->answered) {
			f->values = jn_xgrow(f->values, &f->values_cap,
			    f->nvalues + 1, sizeof *f->values);
			f->answers = jn_xgrow(f->answers, &f->answers_cap,
			    f->nvalues + 1, sizeof *f->answers);
			f->values[f->nvalues] = d;
			f->answers[f->nvalues] = pack_answers(ev->score);
			r->value = (uint32_t)f->nvalues++;
		}
	}
	return 0;
}

static int
on_event(void *ctx, const struct jn_event *ev)
{
	struct watch *f = ctx;
	struct wrec w, *r;
	uint32_t unit;

	if (make_rec(f, ev, &w) != 0)
		return -1;
	if ((unit = jn_units_get(&f->units, ev)) == NONE)
		return -1;
	r = jn_units_keep(&f->units, unit);
	*r = w;
	r->unit = unit;
	return 0;
}

/* ---- counting ---- */

static void
tally_release(struct tally *t)
{
	size_t g, c;

	for (g = 0; g < t->n; g++) {
		for (c = 0; c < t->g[g].n; c++)
			free(t->g[g].c[c].c);
		free(t->g[g].c);
	}
	free(t->g);
	memset(t, 0, sizeof *t);
}

/* The series of (by, drv), made empty if new (groups kept unordered:
 * few of them; sorted for output). */
static struct group *
group_for(struct tally *t, uint32_t by, uint32_t drv)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->g[i].by == by && t->g[i].drv == drv)
			return &t->g[i];
	t->g = jn_xrealloc(t->g, (t->n + 1) * sizeof *t->g);
	memset(&t->g[t->n], 0, sizeof *t->g);
	t->g[t->n].by = by;
	t->g[t->n].drv = drv;
	return &t->g[t->n++];
}

static struct cell *
cell_for(const struct watch *f, struct group *g, int64_t p)
{
	size_t lo = 0, hi = g->n;
	struct cell *c;

	if (g->n > 0 && g->c[g->n - 1].p == p)
		return &g->c[g->n - 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->c[mid].p < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < g->n && g->c[lo].p == p)
		return &g->c[lo];
	g->c = jn_xgrow(g->c, &g->cap, g->n + 1, sizeof *g->c);
	memmove(&g->c[lo + 1], &g->c[lo], (g->n - lo) * sizeof *g->c);
	g->n++;
	c = &g->c[lo];
	memset(c, 0, sizeof *c);
	c->p = p;
	c->c = jn_xcalloc(f->ncounters, sizeof *c->c);
	jn_xsum_init(&c->rev);
	return c;
}

static int
sess_cmp(const void *pa, const void *pb)
{
	const struct wrec *a = pa, *b = pb;

	if (a->sess != b->sess)
		return a->sess < b->sess ? -1 : 1;
	return (a->ts > b->ts) - (a->ts < b->ts);
}

static const struct jn_intern *by_table;

/* The earliest non-empty value among rec[0..n) (time order), ties to
 * the bytewise smaller: the session's group or driver. */
static uint32_t
first_value(const void *rec, size_t n, const struct jn_intern *t, int drv)
{
	uint32_t best = NONE, v;
	int64_t ts = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct wrec *r = rec_at(rec, i);

		v = drv ? r->drv : r->by;
		if (v == NONE)
			continue;
		if (best == NONE) {
			best = v;
			ts = r->ts;
		} else if (r->ts > ts) {
			break;
		} else if (v != best && strcmp(jn_intern_str(t, v, NULL),
		    jn_intern_str(t, best, NULL)) < 0) {
			best = v;
		}
	}
	return best;
}

static int
pair_cmp(const void *pa, const void *pb)
{
	const struct pair *a = pa, *b = pb;

	if (a->gi != b->gi)
		return a->gi < b->gi ? -1 : 1;
	return (a->p > b->p) - (a->p < b->p);
}

/* One session rec[0..n) (time order) into the cells of group g (and of
 * its driver value's series with --drivers). */
static void
count_session(const struct watch *f, struct watch *a, const struct wrec *rec,
    size_t n, uint32_t by, uint32_t gi)
{
	struct tally *t = &a->t;
	uint32_t any = 0, drv;
	struct group *gs[2] = { NULL, NULL };
	int ng = 1, j, k;
	size_t i;

	for (i = 0; i < n; i++)
		any |= rec[i].mask;
	if (f->drv_slot >= 0) {
		drv = first_value(rec, n, &f->drvals, 1);
		gs[ng++] = group_for(t, by, drv == NONE ? DRV_EMPTY : drv);
	}
	/* after: group_for may move the series */
	gs[0] = group_for(t, by, NONE);
	if (ng > 1)
		gs[1] = group_for(t, by, drv == NONE ? DRV_EMPTY : drv);
	for (j = 0; j < ng; j++) {
		struct cell *c = cell_for(f, gs[j], period_of(f, rec[0].ts));
		uint64_t *v = c->c;

		v[C_SESSIONS]++;
		v[C_GOAL] += (any & M_GOAL) != 0;
		v[C_BOUNCE] += n == 1;
		v[C_ERROR] += (any & M_ERROR) != 0;
		for (k = 0; k < f->ncount; k++)
			v[C_FIXED + k] += (any & M_COUNT(k)) != 0;
		for (k = 0; k < f->nrate; k++) {
			int den = (any & M_RDEN(k)) != 0;

			v[C_FIXED + f->ncount + 2 * k] += den &&
			    (any & M_RNUM(k));
			v[C_FIXED + f->ncount + 2 * k + 1] += den;
		}
		for (i = 0; i < n; i++) {
			int64_t p = period_of(f, rec[i].ts);

			c = cell_for(f, gs[j], p);
			c->c[C_EVENTS]++;
			if (rec[i].value != NONE) {
				int8_t ans[JN_NSCORES];

				if (!isnan(f->values[rec[i].value]))
					jn_xsum_add(&c->rev,
					    f->values[rec[i].value]);
				unpack_answers(f->answers[rec[i].value], ans);
				jn_scores_add(&c->sc, ans);
			}
		}
	}
	/* the user's (group, period) pairs, for distinct users */
	for (i = 0; i < n; i++) {
		a->pairs = jn_xgrow(a->pairs, &a->pairs_cap, a->npairs + 1,
		    sizeof *a->pairs);
		a->pairs[a->npairs].p = period_of(f, rec[i].ts);
		a->pairs[a->npairs++].gi = gi;
	}
}

/*
 * --follow: a user with records still open (sessions that may go on),
 * and the (group, period) pairs its settled sessions were counted in as
 * a user (marks), of the periods it can still have events in.
 */
struct mark {
	int64_t p;
	uint32_t by;
};

struct fuser {
	char *key;		/* owned */
	size_t klen;
	uint64_t h;
	struct wrec *rec;	/* time order after a sweep */
	size_t n, cap;
	struct mark *mk;
	size_t nmk, mkcap;
};

/* Whether u holds the mark (by, p); made when add. */
static int
has_mark(struct fuser *u, uint32_t by, int64_t p, int add)
{
	size_t i;

	for (i = 0; i < u->nmk; i++)
		if (u->mk[i].p == p && u->mk[i].by == by)
			return 1;
	if (add) {
		u->mk = jn_xgrow(u->mk, &u->mkcap, u->nmk + 1, sizeof *u->mk);
		u->mk[u->nmk].p = p;
		u->mk[u->nmk++].by = by;
	}
	return 0;
}

/*
 * One user: its records in time order cut into sessions (by the session
 * field's value when the input has one, else after --session-gap of
 * quiet), each counted; then the user once per (group, period) in which
 * it has an event.  With --follow, fu is the user's state: a (group,
 * period) it holds a mark of was counted already (and persist marks
 * those counted now).
 */
static void
count_records(struct watch *f, struct watch *a, struct wrec *rec, size_t n,
    struct fuser *fu, int persist)
{
	uint32_t *gb = NULL, *seen = NULL;
	int64_t *last_p = NULL;
	size_t i, j, ng = 0, gcap = 0, nseen = 0, seencap = 0, lcap = 0;
	int by_value = 0, ordered = 1;

	if (n == 0)
		return;
	jn_sort_by_time(rec, n, sizeof *rec, NULL);
	/*
	 * Sessions by value: in time order when each value's events come
	 * together (the usual case: no sort); else grouped by a sort.
	 */
	for (i = 0; i < n; i++) {
		if (rec[i].sess != 0)
			by_value = 1;
		if (i == 0 || rec[i].sess != rec[i - 1].sess) {
			for (j = 0; j < nseen && seen[j] != rec[i].sess; j++)
				;
			if (j < nseen) {
				ordered = 0;
				break;
			}
			seen = jn_xgrow(seen, &seencap, nseen + 1,
			    sizeof *seen);
			seen[nseen++] = rec[i].sess;
		}
	}
	free(seen);
	if (by_value && !ordered)
		qsort(rec, n, sizeof *rec, sess_cmp);
	a->npairs = 0;
	for (i = 0; i < n; i = j) {
		uint32_t by;
		size_t gi;

		for (j = i + 1; j < n; j++) {
			if (by_value ? rec[j].sess != rec[i].sess :
			    rec[j].ts - rec[j - 1].ts > f->common.session_gap)
				break;
		}
		by = f->by_slot >= 0 ? first_value(rec + i, j - i, by_table,
		    0) : NONE;
		for (gi = 0; gi < ng && gb[gi] != by; gi++)
			;
		if (gi == ng) {
			gb = jn_xgrow(gb, &gcap, ng + 1, sizeof *gb);
			gb[ng++] = by;
		}
		count_session(f, a, rec + i, j - i, by, (uint32_t)gi);
	}
	/*
	 * Each (group, period) with an event once: in time order a group's
	 * periods never go back, so its last one counted is enough; out of
	 * order, sorted first.
	 */
	if (!ordered)
		qsort(a->pairs, a->npairs, sizeof *a->pairs, pair_cmp);
	last_p = jn_xgrow(last_p, &lcap, ng, sizeof *last_p);
	for (i = 0; i < ng; i++)
		last_p[i] = INT64_MIN;
	for (i = 0; i < a->npairs; i++) {
		if (a->pairs[i].p == last_p[a->pairs[i].gi])
			continue;
		last_p[a->pairs[i].gi] = a->pairs[i].p;
		if (fu != NULL && has_mark(fu, gb[a->pairs[i].gi],
		    a->pairs[i].p, persist))
			continue;
		cell_for(f, group_for(&a->t, gb[a->pairs[i].gi], NONE),
		    a->pairs[i].p)->c[C_USERS]++;
	}
	free(last_p);
	free(gb);
}

static void
count_unit(void *tool, void *acc, const struct jn_unit *u, void *recv,
    size_t n)
{
	struct watch *f = tool;

	(void)u;
	count_records(f, acc, recv, n, NULL, 0);
	if (f->run.sorted)
		f->nvalues = 0;
}

/* Add from into to: series by (by, drv), cells by period. */
static void
tally_merge(const struct watch *f, struct tally *to, const struct tally *from)
{
	size_t g, c, k;

	for (g = 0; g < from->n; g++) {
		const struct group *src = &from->g[g];
		struct group *dst = group_for(to, src->by, src->drv);

		for (c = 0; c < src->n; c++) {
			struct cell *dc = cell_for(f, dst, src->c[c].p);

			for (k = 0; k < f->ncounters; k++)
				dc->c[k] += src->c[c].c[k];
			jn_xsum_merge(&dc->rev, &src->c[c].rev);
			jn_scores_merge(&dc->sc, &src->c[c].sc);
		}
	}
}

/* ---- the engine's hooks for -j ---- */

static void
prepare_workers(void *tool, void *const *workers, int n)
{
	struct watch *f = tool;
	int k;

	jn_idmap_init(&f->bymap, n);
	jn_idmap_init(&f->drvmap, n);
	f->vbase = jn_xcalloc((size_t)n + 1, sizeof *f->vbase);
	for (k = 0; k < n; k++) {
		const struct watch *w = workers[k];

		jn_idmap_merge(&f->bymap, k, &f->byvals, &w->byvals);
		jn_idmap_merge(&f->drvmap, k, &f->drvals, &w->drvals);
		f->vbase[k] = f->nvalues;
		if (w->first < f->first)
			f->first = w->first;
		if (w->last > f->last)
			f->last = w->last;
		if (w->nvalues > 0) {
			f->values = jn_xgrow(f->values, &f->values_cap,
			    f->nvalues + w->nvalues, sizeof *f->values);
			memcpy(f->values + f->nvalues, w->values,
			    w->nvalues * sizeof *f->values);
			f->answers = jn_xgrow(f->answers, &f->answers_cap,
			    f->nvalues + w->nvalues, sizeof *f->answers);
			memcpy(f->answers + f->nvalues, w->answers,
			    w->nvalues * sizeof *f->answers);
			f->nvalues += w->nvalues;
		}
	}
}

static void
remap_rec(const void *tool, int k, void *rec)
{
	const struct watch *f = tool;
	struct wrec *r = rec;

	r->by = jn_idmap_get(&f->bymap, k, r->by);
	r->drv = jn_idmap_get(&f->drvmap, k, r->drv);
	if (r->value != NONE)
		r->value += (uint32_t)f->vbase[k];
}

static void
merge_tally(void *tool, void *acc)
{
	struct watch *f = tool;

	tally_merge(f, &f->t, &((struct watch *)acc)->t);
}

/* ---- --partial and --merge ---- */

static void
config_text(const void *tool, struct jn_strbuf *b)
{
	const struct watch *f = tool;
	int k;

	jn_state_config_common(b, &f->common);
	jn_state_config_item(b, "goal", f->goal_text);
	jn_state_config_item(b, "error", f->error_text);
	jn_state_config_item(b, "value", f->value_field);
	jn_state_config_item(b, "by", f->by_field);
	jn_state_config_item(b, "drivers", f->drivers_field);
	for (k = 0; k < f->ncount; k++) {
		jn_state_config_item(b, "count", f->count[k].name);
		jn_state_config_item(b, "count_expr", f->count[k].text);
	}
	for (k = 0; k < f->nrate; k++) {
		jn_state_config_item(b, "rate", f->rate[k].name);
		jn_state_config_item(b, "rate_num", f->rate[k].text);
		jn_state_config_item(b, "rate_den", f->rate[k].den_text);
	}
	jn_strbuf_printf(b, "period=%s;offset=%ld;", jn_period_name(f->period),
	    (long)f->offset);
}

/* A record with the first and last periods, then one per series and
 * cell, followed by one of the cell's survey answers when it has some
 * (states without answers are those of earlier versions). */
static int
write_state(void *tool, FILE *out)
{
	struct watch *f = tool;
	struct jn_state_rec *r = jn_state_rec_new();
	struct jn_state_rec *ra = jn_state_rec_new();
	int64_t sv[JN_SCORES_NCOUNTS];
	int64_t *v = jn_xmalloc(f->ncounters * sizeof *v);
	size_t g, c, k, blen, dlen;
	int rc;

	jn_state_set_str(r, "record", "bounds", 6);
	jn_state_set_ints(r, "first", &f->first, 1);
	jn_state_set_ints(r, "last", &f->last, 1);
	rc = jn_state_write(out, r);
	for (g = 0; g < f->t.n && rc == 0; g++) {
		const struct group *gr = &f->t.g[g];
		const char *by = gr->by == NONE ? NULL :
		    jn_intern_str(&f->byvals, gr->by, &blen);
		const char *drv = gr->drv == NONE ? NULL : gr->drv ==
		    DRV_EMPTY ? "" : jn_intern_str(&f->drvals, gr->drv, &dlen);

		for (c = 0; c < gr->n && rc == 0; c++) {
			jn_state_set_str(r, "record", "cell", 4);
			jn_state_set_str(r, "by", by, by ? blen : 0);
			jn_state_set_str(r, "driver", drv, drv == NULL ||
			    gr->drv == DRV_EMPTY ? 0 : dlen);
			jn_state_set_ints(r, "period", &gr->c[c].p, 1);
			for (k = 0; k < f->ncounters; k++)
				v[k] = (int64_t)gr->c[c].c[k];
			jn_state_set_ints(r, "counts", v, f->ncounters);
			jn_state_set_xsums(r, "revenue", &gr->c[c].rev, 1);
			rc = jn_state_write(out, r);
			if (rc != 0 || gr->c[c].sc.responses == 0)
				continue;
			jn_state_set_str(ra, "record", "answers", 7);
			jn_state_set_str(ra, "by", by, by ? blen : 0);
			jn_state_set_str(ra, "driver", drv, drv == NULL ||
			    gr->drv == DRV_EMPTY ? 0 : dlen);
			jn_state_set_ints(ra, "period", &gr->c[c].p, 1);
			jn_scores_get(&gr->c[c].sc, sv);
			jn_state_set_ints(ra, "scores", sv, JN_SCORES_NCOUNTS);
			rc = jn_state_write(out, ra);
		}
	}
	free(v);
	jn_state_rec_free(r);
	jn_state_rec_free(ra);
	return rc;
}

/* A cell's survey answers: added to the cell. */
static int
merge_answers(struct watch *f, struct jn_state_in *in,
    const struct jn_state_rec *r)
{
	const char *by, *drv;
	int64_t *per = NULL, *v = NULL;
	size_t blen, dlen, n1, n2;
	uint32_t bid = NONE, did = NONE;
	struct jn_scores sc;
	int rc = -1;

	if (jn_state_get_str(in, r, "by", &by, &blen) != 0 ||
	    jn_state_get_str(in, r, "driver", &drv, &dlen) != 0 ||
	    jn_state_get_ints(in, r, "period", &per, &n1) != 0 ||
	    jn_state_get_ints(in, r, "scores", &v, &n2) != 0)
		goto out;
	memset(&sc, 0, sizeof sc);
	if (n1 != 1 || n2 != JN_SCORES_NCOUNTS || jn_scores_set(&sc, v) != 0) {
		jn_state_error(in, "bad answers record");
		goto out;
	}
	if (by != NULL)
		bid = jn_intern_put(&f->byvals, by, blen);
	if (drv != NULL)
		did = dlen == 0 ? DRV_EMPTY : jn_intern_put(&f->drvals, drv,
		    dlen);
	jn_scores_merge(&cell_for(f, group_for(&f->t, bid, did), per[0])->sc,
	    &sc);
	rc = 0;
out:
	free(per);
	free(v);
	return rc;
}

static int
merge_record(void *ctx, struct jn_state_in *in, const struct jn_state_rec *r)
{
	struct watch *f = ctx;
	const char *what, *by, *drv;
	int64_t *first = NULL, *last = NULL, *per = NULL, *cnt = NULL;
	size_t len, blen, dlen, n1, n2, k;
	uint32_t bid = NONE, did = NONE;
	struct cell *c;
	int rc = -1;

	if (jn_state_get_str(in, r, "record", &what, &len) != 0)
		return -1;
	if (what != NULL && len == 6 && memcmp(what, "bounds", 6) == 0) {
		if (jn_state_get_ints(in, r, "first", &first, &n1) != 0 ||
		    jn_state_get_ints(in, r, "last", &last, &n2) != 0)
			goto out;
		if (n1 != 1 || n2 != 1) {
			jn_state_error(in, "bad bounds record");
			goto out;
		}
		if (first[0] < f->first)
			f->first = first[0];
		if (last[0] > f->last)
			f->last = last[0];
		rc = 0;
		goto out;
	}
	if (what != NULL && len == 7 && memcmp(what, "answers", 7) == 0)
		return merge_answers(f, in, r);
	if (what == NULL || len != 4 || memcmp(what, "cell", 4) != 0) {
		jn_state_error(in, "not a record of jwatch");
		goto out;
	}
	if (jn_state_get_str(in, r, "by", &by, &blen) != 0 ||
	    jn_state_get_str(in, r, "driver", &drv, &dlen) != 0 ||
	    jn_state_get_ints(in, r, "period", &per, &n1) != 0 ||
	    jn_state_get_ints(in, r, "counts", &cnt, &n2) != 0)
		goto out;
	if (n1 != 1 || n2 != f->ncounters) {
		jn_state_error(in, "bad cell record");
		goto out;
	}
	for (k = 0; k < n2; k++)
		if (cnt[k] < 0) {
			jn_state_error(in, "bad cell record");
			goto out;
		}
	if (by != NULL)
		bid = jn_intern_put(&f->byvals, by, blen);
	if (drv != NULL)
		did = dlen == 0 ? DRV_EMPTY : jn_intern_put(&f->drvals, drv,
		    dlen);
	c = cell_for(f, group_for(&f->t, bid, did), per[0]);
	for (k = 0; k < n2; k++)
		c->c[k] += (uint64_t)cnt[k];
	if (jn_state_add_xsums(in, r, "revenue", &c->rev, 1) != 0)
		goto out;
	rc = 0;
out:
	free(first);
	free(last);
	free(per);
	free(cnt);
	return rc;
}

/* ---- series and detection ---- */

/* Series order: group value bytewise, none first; then driver the same. */
static uint32_t *by_rank, *drv_rank;

static int
group_cmp(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;

	if (a->by != b->by) {
		if (a->by == NONE || b->by == NONE)
			return a->by == NONE ? -1 : 1;
		return by_rank[a->by] < by_rank[b->by] ? -1 : 1;
	}
	if (a->drv != b->drv) {
		if (a->drv == NONE || b->drv == NONE)
			return a->drv == NONE ? -1 : 1;
		if (a->drv == DRV_EMPTY || b->drv == DRV_EMPTY)
			return a->drv == DRV_EMPTY ? -1 : 1;
		return drv_rank[a->drv] < drv_rank[b->drv] ? -1 : 1;
	}
	return 0;
}

static void
sort_groups(struct watch *f)
{
	by_rank = jn_intern_ranks(&f->byvals);
	drv_rank = jn_intern_ranks(&f->drvals);
	if (f->t.n > 0)
		qsort(f->t.g, f->t.n, sizeof *f->t.g, group_cmp);
	free(by_rank);
	free(drv_rank);
	by_rank = drv_rank = NULL;
}

/* KPI q of cell c: value, and for rates numerator and denominator. */
static void
kpi_of(const struct watch *f, const struct kpi *q, const struct cell *c,
    double *num, double *den)
{
	static const uint64_t zero[C_FIXED + 3 * MAX_DEFINED];
	const uint64_t *v = c != NULL ? c->c : zero;

	*den = 0;
	switch (q->kind) {
	case K_EVENTS:
		*num = (double)v[C_EVENTS];
		break;
	case K_USERS:
		*num = (double)v[C_USERS];
		break;
	case K_SESSIONS:
		*num = (double)v[C_SESSIONS];
		break;
	case K_CONVERSION:
		*num = (double)v[C_GOAL];
		*den = (double)v[C_SESSIONS];
		break;
	case K_BOUNCE:
		*num = (double)v[C_BOUNCE];
		*den = (double)v[C_SESSIONS];
		break;
	case K_ERROR:
		*num = (double)v[C_ERROR];
		*den = (double)v[C_SESSIONS];
		break;
	case K_REVENUE:
		*num = c != NULL ? jn_xsum_value(&c->rev) : 0;
		break;
	case K_NPS:		/* net promoters of the NPS answers */
		*num = c != NULL ? (double)c->sc.promoters -
		    (double)c->sc.detractors : 0;
		*den = c != NULL ? (double)c->sc.n[JN_NPS] : 0;
		break;
	case K_CSAT:
		*num = c != NULL ? (double)c->sc.satisfied : 0;
		*den = c != NULL ? (double)c->sc.n[JN_CSAT] : 0;
		break;
	case K_CES:
		*num = c != NULL ? (double)c->sc.ces_sum : 0;
		*den = c != NULL ? (double)c->sc.n[JN_CES] : 0;
		break;
	case K_COUNT:
		*num = (double)v[C_FIXED + q->k];
		break;
	case K_RATE:
		*num = (double)v[C_FIXED + f->ncount + 2 * q->k];
		*den = (double)v[C_FIXED + f->ncount + 2 * q->k + 1];
		break;
	case K_SERIES:
		*num = c != NULL ? jn_xsum_value(&c->rev) : 0;
		break;
	}
}

/* One row of output, before it is written. */
struct row {
	int64_t p;
	double value, num, den, expected, lower, upper, score;
	int flag, has_value;
	enum jn_anom_method method;
};

/* The standard error of score KPI q over the answers sc (score.h). */
static double
score_se(const struct kpi *q, const struct jn_scores *sc)
{
	struct jn_score_est e;
	int r = q->kind == K_NPS ? jn_scores_nps(sc, &e) : q->kind == K_CSAT ?
	    jn_scores_csat(sc, &e) : jn_scores_ces(sc, &e);

	return r == 0 ? e.se : NAN;
}

/* A score KPI's scale: NPS -100 to 100, CSAT 0 to 1, CES 1 to 7. */
static double
clip_score(const struct kpi *q, double v)
{
	double lo = q->kind == K_NPS ? -100 : q->kind == K_CSAT ? 0 : 1;
	double hi = q->kind == K_NPS ? 100 : q->kind == K_CSAT ? 1 : 7;

	return fmin(fmax(v, lo), hi);
}

/*
 * Detect on KPI q of series g over periods first..last: the values (a
 * rate without sessions, a score without answers, takes the median of
 * the others and is never flagged), S-H-ESD, then a rate's flag only
 * when binomially significant, a score's only when beyond its sampling
 * error: the standard error of the series' answers pooled, at the
 * period's number of answers.  rows receives last - first + 1 entries.
 */
/*
 * When the residual has no spread (its MAD is 0: a rate or count that
 * stays put, as errors at 0 do day after day), ESD cannot measure a
 * move and flags nothing, so a day at 50% errors after weeks at 0 would
 * pass a gate.  Such a series is judged by its sampling error alone: a
 * period whose value differs from the expected one beyond the binomial
 * (rates) or Poisson (counts) check, in --direction, is flagged, the
 * most significant first and at most --max-anoms of the periods, as
 * ESD would.  The score is empty: there is no spread to divide by.
 */
static void
flag_by_sampling(const struct watch *f, const struct kpi *q,
    struct row *rows, size_t n, size_t nd)
{
	size_t i, k, nz = 0, cap = (size_t)((double)n * f->max_anoms);
	size_t *idx = jn_xmalloc((n + 1) * sizeof *idx);
	double *z = jn_xmalloc((n + 1) * sizeof *z);

	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];
		double e = r->expected, se;
		int up = r->value > e;

		r->score = NAN;
		r->flag = 0;
		if (!r->has_value || r->value == e ||
		    (f->dir == JN_ANOM_POS && !up) ||
		    (f->dir == JN_ANOM_NEG && up))
			continue;
		if (q->is_rate) {
			double p0 = fmin(fmax(e, 0.5 / r->den), 1 - 0.5 / r->den);

			if (!jn_anom_rate_significant(r->num, r->den, e,
			    f->alpha, nd))
				continue;
			se = sqrt(p0 * (1 - p0) / r->den);
		} else {
			if (!jn_anom_count_significant(r->value, e, f->alpha,
			    n))
				continue;
			se = sqrt(fmax(e, 0.5));
		}
		z[i] = fabs(r->value - e) / se;
		idx[nz++] = i;
	}
	/* the cap: the largest moves first (a selection, n is small) */
	for (k = 0; k < nz && k < cap; k++) {
		size_t best = k, t;

		for (t = k + 1; t < nz; t++)
			if (z[idx[t]] > z[idx[best]])
				best = t;
		t = idx[k];
		idx[k] = idx[best];
		idx[best] = t;
		rows[idx[k]].flag = rows[idx[k]].value > rows[idx[k]].expected ?
		    1 : -1;
	}
	free(z);
	free(idx);
}

static void
detect(const struct watch *f, const struct kpi *q, const struct group *g,
    struct row *rows)
{
	size_t n = (size_t)(f->last - f->first + 1), i, c = 0, nd = 0;
	double *x = jn_xmalloc(n * sizeof *x), *def = jn_xmalloc(n *
	    sizeof *def), fill;
	struct jn_anom_point *pt = jn_xmalloc(n * sizeof *pt);
	struct jn_anom_opts o;
	enum jn_anom_method m;
	struct jn_scores pool;
	double pool_se = NAN, pool_n = 0;
	int ratio = q->is_rate || q->is_score;

	memset(&pool, 0, sizeof pool);
	for (i = 0; i < n; i++) {
		int64_t p = f->first + (int64_t)i;
		const struct cell *cell = NULL;

		while (c < g->n && g->c[c].p < p)
			c++;
		if (c < g->n && g->c[c].p == p)
			cell = &g->c[c];
		rows[i].p = p;
		kpi_of(f, q, cell, &rows[i].num, &rows[i].den);
		rows[i].has_value = !ratio || rows[i].den > 0;
		rows[i].value = !ratio ? rows[i].num : rows[i].den > 0 ?
		    rows[i].num / rows[i].den : 0;
		if (q->kind == K_NPS)
			rows[i].value *= 100;
		if (q->is_score && cell != NULL)
			jn_scores_merge(&pool, &cell->sc);
		x[i] = rows[i].value;
		if (rows[i].has_value)
			def[nd++] = x[i];
	}
	fill = jn_median(def, nd);
	for (i = 0; i < n; i++)
		if (!rows[i].has_value)
			x[i] = fill;
	if (q->is_score) {
		pool_se = score_se(q, &pool);
		pool_n = (double)pool.n[q->kind - K_NPS];
	}
	o.alpha = f->alpha;
	o.max_anoms = f->max_anoms;
	o.dir = f->dir;
	o.season = f->season;
	m = jn_anom_detect(x, n, &o, pt);
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];

		r->method = m;
		r->expected = pt[i].expected;
		r->lower = pt[i].lower;
		r->upper = pt[i].upper;
		r->score = pt[i].score;
		r->flag = r->has_value ? pt[i].flag : 0;
		if (q->is_rate) {
			r->expected = fmin(fmax(r->expected, 0), 1);
			r->lower = fmin(fmax(r->lower, 0), 1);
			r->upper = fmin(fmax(r->upper, 0), 1);
			if (r->flag != 0 && !jn_anom_rate_significant(r->num,
			    r->den, r->expected, f->alpha, nd))
				r->flag = 0;
		} else if (q->is_score) {
			r->expected = clip_score(q, r->expected);
			r->lower = clip_score(q, r->lower);
			r->upper = clip_score(q, r->upper);
			if (r->flag != 0 && !jn_anom_mean_significant(r->value,
			    r->expected, pool_se * sqrt(pool_n / r->den),
			    f->alpha, nd))
				r->flag = 0;
		} else if (q->kind != K_REVENUE && q->kind != K_SERIES) {
			if (r->lower < 0)
				r->lower = 0;
			if (r->flag != 0 && !jn_anom_count_significant(r->value,
			    r->expected, f->alpha, n))
				r->flag = 0;
		}
	}
	if (m != JN_ANOM_NONE && n > 0 && rows[0].upper - rows[0].lower <=
	    1e-9 * fmax(1, fabs(rows[0].expected)) && (q->is_rate ||
	    (q->kind != K_REVENUE && q->kind != K_SERIES)))
		flag_by_sampling(f, q, rows, n, nd);
	free(pt);
	free(def);
	free(x);
}

/* ---- drivers ---- */

struct driver {
	uint32_t drv;
	double move;
};

static int
driver_cmp(const void *pa, const void *pb)
{
	const struct driver *a = pa, *b = pb;

	if (a->move != b->move)
		return a->move > b->move ? -1 : 1;
	return a->drv < b->drv ? -1 : a->drv > b->drv;
}

/* The cell of series g at period p, or NULL. */
static const struct cell *
cell_at(const struct group *g, int64_t p)
{
	size_t lo = 0, hi = g->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->c[mid].p < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < g->n && g->c[lo].p == p ? &g->c[lo] : NULL;
}

/* Is period p2 a baseline for p: the same position in the season
 * (every other period when the series is shorter than two seasons)? */
static int
baseline_of(const struct watch *f, int64_t p, int64_t p2)
{
	int64_t n = f->last - f->first + 1, s = (int64_t)f->season;

	if (p2 == p)
		return 0;
	if (n <= 2 * s || s < 2)
		return 1;
	return (p2 - p) % s == 0;
}

/*
 * --drivers for the flagged period p of KPI q in group by: each driver
 * value's move, its value at p less its baseline (the median of its
 * values at the same position of the other seasons) for counts and sums;
 * for rates its sessions at p times the gap between its rate at p and its
 * pooled baseline rate, over all sessions at p (these add up to the
 * move of the rate with the mix of values held).  The values that moved
 * in the flag's direction, most first, at most 3, as VALUE:SHARE with
 * SHARE the move's share of the moves in that direction, joined by ';'.
 */
static size_t
drivers_text(const struct watch *f, const struct kpi *q, uint32_t by,
    int64_t p, int flag, double den_p, struct jn_strbuf *b)
{
	struct driver *d = NULL;
	size_t nd = 0, cap = 0, g, i;
	double total = 0;

	b->len = 0;
	if (b->buf != NULL)
		b->buf[0] = '\0';
	for (g = 0; g < f->t.n; g++) {
		const struct group *gr = &f->t.g[g];
		double num, den, move, *base = NULL, bn = 0, bd = 0;
		size_t nb = 0, c;

		if (gr->by != by || gr->drv == NONE)
			continue;
		kpi_of(f, q, cell_at(gr, p), &num, &den);
		base = jn_xmalloc((size_t)(f->last - f->first + 1) *
		    sizeof *base);
		for (c = 0; c < (size_t)(f->last - f->first + 1); c++) {
			int64_t p2 = f->first + (int64_t)c;
			double n2, d2;

			if (!baseline_of(f, p, p2))
				continue;
			kpi_of(f, q, cell_at(gr, p2), &n2, &d2);
			base[nb++] = n2;
			bn += n2;
			bd += d2;
		}
		if (q->is_rate || q->is_score)
			move = den_p > 0 && bd > 0 ? (num - den * (bn / bd)) /
			    den_p : 0;
		else
			move = num - jn_median(base, nb);
		free(base);
		d = jn_xgrow(d, &cap, nd + 1, sizeof *d);
		d[nd].drv = gr->drv;
		d[nd++].move = flag > 0 ? move : -move;
	}
	for (i = 0; i < nd; i++)
		if (d[i].move > 0)
			total += d[i].move;
	if (nd > 0)
		qsort(d, nd, sizeof *d, driver_cmp);
	for (i = 0; i < nd && i < NTOP_DRIVERS && total > 0; i++) {
		size_t len = 0;
		const char *v = d[i].drv == DRV_EMPTY ? "" :
		    jn_intern_str(&f->drvals, d[i].drv, &len);

		if (d[i].move <= 0)
			break;
		jn_strbuf_printf(b, "%s%.*s:%.4f", i > 0 ? ";" : "", (int)len,
		    v, d[i].move / total);
	}
	free(d);
	return b->len;
}

/* ---- output ---- */

static double
rounded(double v, int rate)
{
	return rate ? nearbyint(v * 1e4) / 1e4 : v;
}

/*
 * A figure of KPI q as written: a score at its precision (score.h), a
 * rate rounded at 4 decimals, else v.  With fixed (in a table or
 * markdown: the expected value and its band, and a rate), every row shows
 * the same decimals: a rate 4, anything else 2 (372.16, not 372.155841
 * beside 462).
 */
static struct jn_cell
figure(const struct kpi *q, double v, int fixed)
{
	if (q->is_score)
		return jn_score_cell((enum jn_score_kind)(q->kind - K_NPS), v);
	if (fixed && isfinite(v))
		return jn_cell_fixed(rounded(v, q->is_rate), q->is_rate ? 4 :
		    2);
	return jn_cell_num(rounded(v, q->is_rate));
}

/*
 * The gate formats' view of the rows (jn_writer_gate): a row is named by
 * its period, group and KPI; group and KPI are Prometheus labels (the
 * period is not, so a textfile keeps each series' latest period), and
 * value, expected, lower, upper and score are gauges.
 */
static const struct jn_gate *
watch_gate(const struct watch *f)
{
	static struct jn_gate_col cols[8];
	static struct jn_gate gate;
	size_t n = 0, b = f->by_field ? 1 : 0;

	cols[n++] = (struct jn_gate_col){ 0, JN_GATE_NAME, "period", NULL };
	if (b)
		cols[n++] = (struct jn_gate_col){ 1, JN_GATE_NAME |
		    JN_GATE_LABEL, "group", NULL };
	cols[n++] = (struct jn_gate_col){ b + 1, JN_GATE_NAME |
	    JN_GATE_LABEL, "kpi", NULL };
	cols[n++] = (struct jn_gate_col){ b + 2, JN_GATE_METRIC, "value",
	    "The KPI in the period" };
	cols[n++] = (struct jn_gate_col){ b + 5, JN_GATE_METRIC, "expected",
	    "What the pattern expects of the period" };
	cols[n++] = (struct jn_gate_col){ b + 6, JN_GATE_METRIC, "lower",
	    "Lower end of the expected band" };
	cols[n++] = (struct jn_gate_col){ b + 7, JN_GATE_METRIC, "upper",
	    "Upper end of the expected band" };
	cols[n++] = (struct jn_gate_col){ b + 8, JN_GATE_METRIC, "score",
	    "Robust z-score of the period's residual" };
	gate = (struct jn_gate){ "jwatch", NULL, cols, n };
	return &gate;
}

/*
 * A row's verdict in the gate formats: a flagged period among the last
 * --check-last fails (the gate), another flagged period is worth a look,
 * the rest pass.
 */
static void
row_verdict(const struct watch *f, struct jn_writer *w, const struct kpi *q,
    const struct row *r, int in_last)
{
	char why[160];

	(void)f;
	if (r->flag == 0) {
		jn_writer_verdict(w, JN_VERDICT_PASS, JN_SEV_INFO, NULL);
		return;
	}
	snprintf(why, sizeof why, "%s %s: %.6g against %.6g expected "
	    "(%.6g to %.6g)", q->name, r->flag > 0 ? "high" : "low", r->value,
	    r->expected, r->lower, r->upper);
	jn_writer_verdict(w, in_last ? JN_VERDICT_FAIL : JN_VERDICT_WATCH,
	    in_last ? JN_SEV_MAJOR : JN_SEV_MINOR, why);
}

/*
 * The rows of every series, group by group and KPI by KPI in the order
 * of --kpis, each over every period; with --only-flagged the flagged
 * ones.  *flagged_last: whether one of the last --check-last periods was
 * flagged anywhere.
 */
static size_t
row_columns(const struct watch *f, struct jn_column *cols)
{
	size_t nc = 0;

	cols[nc++] = (struct jn_column){ "period", JN_COL_STR };
	if (f->by_field)
		cols[nc++] = (struct jn_column){ f->by_field, JN_COL_STR };
	cols[nc++] = (struct jn_column){ "kpi", JN_COL_STR };
	cols[nc++] = (struct jn_column){ "value", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "numerator", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "denominator", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "expected", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "lower", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "upper", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "score", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "flag", JN_COL_STR };
	cols[nc++] = (struct jn_column){ "method", JN_COL_STR };
	if (f->drivers_field)
		cols[nc++] = (struct jn_column){ "drivers", JN_COL_STR };
	return nc;
}

/*
 * The rows of every series into w (only those of period only_p unless it
 * is INT64_MIN), db the drivers' buffer; human for a table or markdown.
 */
static void
emit_rows(struct watch *f, struct jn_writer *w, struct jn_strbuf *db,
    int64_t only_p, int human, int *flagged_last)
{
	struct jn_cell cells[14];
	size_t g, k, i, n, blen;
	struct row *rows;
	char label[40];

	n = f->last >= f->first ? (size_t)(f->last - f->first + 1) : 0;
	rows = jn_xcalloc(n + 1, sizeof *rows);
	for (g = 0; g < f->t.n && n > 0; g++) {
		const struct group *gr = &f->t.g[g];
		const char *by = "";

		if (gr->drv != NONE)
			continue;
		blen = 0;
		if (gr->by != NONE)
			by = jn_intern_str(&f->byvals, gr->by, &blen);
		for (k = 0; k < f->nkpis; k++) {
			const struct kpi *q = &f->kpis[k];
			int rate = q->is_rate || q->is_score;

			detect(f, q, gr, rows);
			for (i = 0; i < n; i++) {
				const struct row *r = &rows[i];
				size_t j = 0;

				if (only_p != INT64_MIN && r->p != only_p)
					continue;
				if (r->flag != 0 && f->check_last > 0 &&
				    i + (size_t)f->check_last >= n)
					*flagged_last = 1;
				if (f->only_flagged && r->flag == 0)
					continue;
				row_verdict(f, w, q, r, f->check_last > 0 &&
				    i + (size_t)f->check_last >= n);
				cells[j++] = jn_cell_str(label, jn_period_label(
				    f->period, r->p, label, sizeof label));
				if (f->by_field)
					cells[j++] = jn_cell_str(by, blen);
				cells[j++] = jn_cell_str(q->name,
				    strlen(q->name));
				cells[j++] = r->has_value ? figure(q,
				    r->value, human && q->is_rate) :
				    jn_cell_null();
				cells[j++] = jn_cell_num(r->num);
				cells[j++] = rate ? jn_cell_num(r->den) :
				    jn_cell_null();
				cells[j++] = figure(q, r->expected, human);
				cells[j++] = figure(q, r->lower, human);
				cells[j++] = figure(q, r->upper, human);
				cells[j++] = isnan(r->score) ? jn_cell_null() :
				    jn_cell_fixed(nearbyint(r->score *
				    1e4) / 1e4, 4);
				cells[j++] = r->flag > 0 ? jn_cell_str("high",
				    4) : r->flag < 0 ? jn_cell_str("low", 3) :
				    jn_cell_str("", 0);
				cells[j++] = jn_cell_str(jn_anom_method_name(
				    r->method), strlen(jn_anom_method_name(
				    r->method)));
				if (f->drivers_field) {
					size_t dl = 0;

					if (r->flag != 0 && q->kind != K_USERS)
						dl = drivers_text(f, q, gr->by,
						    r->p, r->flag, r->den, db);
					cells[j++] = jn_cell_str(dl ? db->buf :
					    "", dl);
				}
				jn_writer_row(w, cells);
			}
		}
	}
	free(rows);
}

static int
write_rows(struct watch *f, enum jn_format fmt, int *flagged_last)
{
	struct jn_column cols[14];
	struct jn_strbuf db;
	struct jn_writer *w;
	size_t nc;
	int rc;

	*flagged_last = 0;
	nc = row_columns(f, cols);
	memset(&db, 0, sizeof db);
	jn_engine_meta(&f->engine, fmt);
	w = jn_writer_new(stdout, fmt, cols, nc);
	jn_writer_gate(w, watch_gate(f));
	emit_rows(f, w, &db, INT64_MIN, fmt == JN_FMT_TABLE ||
	    fmt == JN_FMT_MARKDOWN, flagged_last);
	free(db.buf);
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	return rc;
}

/* ---- --follow ---- */

/*
 * --follow keeps cells, not events.  A session is settled when it
 * cannot go on: --session-gap of event time has passed since its last
 * event (the latest time read is past it by more than the gap; a log in
 * time order brings nothing earlier).  Its counts go into the settled
 * cells once, in the periods a batch run counts them in (the session
 * in its first event's period, each event in its own), and its records
 * are dropped.  The records of the sessions still open are kept by
 * user, and at each close they are counted on top of a copy of the
 * settled cells, as a batch run over the events read so far counts
 * them; a user is counted once per (group, period) against the marks
 * its settled sessions left.  Cells older than --history periods before
 * the period closing are dropped.
 */
#define SWEEP_MIN 1024		/* records kept between sweeps, at least */

static int choose_kpis(struct watch *f);

/* The kinds of survey answers the cells hold (the default KPIs). */
static void
note_answers(struct watch *f)
{
	size_t g, c;
	int k;

	for (g = 0; g < f->t.n; g++)
		for (c = 0; c < f->t.g[g].n; c++)
			for (k = 0; k < JN_NSCORES; k++)
				if (f->t.g[g].c[c].sc.n[k] > 0)
					f->have[k] = 1;
}

/* Periods kept for the detector: --history, or 8 seasons. */
static size_t
history_of(const struct watch *f)
{
	return f->history > 0 ? f->history : 8 * f->season;
}

/* Rebuild the user table of size (a power of 2) over fu[0..nfu). */
static void
fmap_build(struct watch *f)
{
	size_t size = 64, i;

	while (size < 2 * f->nfu + 2)
		size *= 2;
	free(f->fmap);
	f->fmap = jn_xcalloc(size, sizeof *f->fmap);
	f->fmap_size = size;
	for (i = 0; i < f->nfu; i++) {
		size_t j = (size_t)f->fu[i].h & (size - 1);

		while (f->fmap[j] != 0)
			j = (j + 1) & (size - 1);
		f->fmap[j] = (uint32_t)i + 1;
	}
}

/* The state of the event's user, made empty if new. */
static struct fuser *
fuser_of(struct watch *f, const struct jn_event *ev)
{
	uint64_t h = jn_hash(ev->user, ev->user_len);
	size_t j;
	struct fuser *u;

	if (f->fmap == NULL || 2 * f->nfu + 2 > f->fmap_size)
		fmap_build(f);
	for (j = (size_t)h & (f->fmap_size - 1); f->fmap[j] != 0;
	    j = (j + 1) & (f->fmap_size - 1)) {
		u = &f->fu[f->fmap[j] - 1];
		if (u->h == h && u->klen == ev->user_len &&
		    memcmp(u->key, ev->user, ev->user_len) == 0)
			return u;
	}
	f->fu = jn_xgrow(f->fu, &f->fucap, f->nfu + 1, sizeof *f->fu);
	u = &f->fu[f->nfu];
	memset(u, 0, sizeof *u);
	u->key = jn_xmalloc(ev->user_len + 1);
	memcpy(u->key, ev->user, ev->user_len);
	u->key[ev->user_len] = '\0';
	u->klen = ev->user_len;
	u->h = h;
	f->fmap[j] = (uint32_t)++f->nfu;
	return u;
}

static int
rec_sess_cmp(const void *pa, const void *pb)
{
	const struct wrec *a = pa, *b = pb;

	if (a->sess != b->sess)
		return a->sess < b->sess ? -1 : 1;
	return (a->ts > b->ts) - (a->ts < b->ts);
}

/* u's first n records, settled, into the settled cells (and u's marks). */
static void
count_settled(struct watch *f, struct fuser *u, size_t n)
{
	struct tally t = f->t;

	f->t = f->settled;	/* count_records counts into f->t */
	count_records(f, f, u->rec, n, u, 1);
	f->settled = f->t;
	f->t = t;
}

/*
 * Settle what of user u's open records can no longer change: by the
 * session field (when a record has a value), the sessions whose last
 * event is more than --session-gap before the latest time read; else
 * every session but one that could still go on.  Counted into the
 * settled cells, dropped from u.
 */
static void
settle_user(struct watch *f, struct fuser *u)
{
	int64_t gap = f->common.session_gap + f->lateness;
	size_t i, j, k, keep, done = 0;
	int by_value = 0;

	if (u->n == 0)
		return;
	jn_sort_by_time(u->rec, u->n, sizeof *u->rec, NULL);
	for (i = 0; i < u->n; i++)
		if (u->rec[i].sess != 0)
			by_value = 1;
	if (!by_value) {
		/* the sessions over, from the first */
		for (k = 0, i = 0; i < u->n; i = j) {
			for (j = i + 1; j < u->n && u->rec[j].ts -
			    u->rec[j - 1].ts <= f->common.session_gap; j++)
				;
			if (f->water - u->rec[j - 1].ts <= gap)
				break;
			k = j;
		}
		if (k > 0) {
			count_settled(f, u, k);
			memmove(u->rec, u->rec + k, (u->n - k) *
			    sizeof *u->rec);
			u->n -= k;
		}
		return;
	}
	/* by value: the settled sessions' records first, then counted */
	qsort(u->rec, u->n, sizeof *u->rec, rec_sess_cmp);
	for (i = 0; i < u->n; i = j) {
		for (j = i + 1; j < u->n && u->rec[j].sess == u->rec[i].sess;
		    j++)
			;
		if (f->water - u->rec[j - 1].ts > gap) {
			/* settled: moved to the front */
			for (k = i; k < j; k++) {
				struct wrec tmp = u->rec[done];

				u->rec[done++] = u->rec[k];
				u->rec[k] = tmp;
			}
		}
	}
	if (done > 0) {
		count_settled(f, u, done);
		keep = u->n - done;
		memmove(u->rec, u->rec + done, keep * sizeof *u->rec);
		u->n = keep;
	}
}

/* values[] and answers[] of the open records only, renumbered. */
static void
compact_values(struct watch *f)
{
	double *v = NULL;
	uint16_t *a = NULL;
	size_t n = 0, vcap = 0, acap = 0, i, k;

	for (i = 0; i < f->nfu; i++)
		for (k = 0; k < f->fu[i].n; k++) {
			struct wrec *r = &f->fu[i].rec[k];

			if (r->value == NONE)
				continue;
			v = jn_xgrow(v, &vcap, n + 1, sizeof *v);
			a = jn_xgrow(a, &acap, n + 1, sizeof *a);
			v[n] = f->values[r->value];
			a[n] = f->answers[r->value];
			r->value = (uint32_t)n++;
		}
	free(f->values);
	free(f->answers);
	f->values = v;
	f->answers = a;
	f->nvalues = n;
	f->values_cap = vcap;
	f->answers_cap = acap;
}

static void
fuser_free(struct fuser *u)
{
	free(u->key);
	free(u->rec);
	free(u->mk);
}

/*
 * Settle every user's sessions that can no longer change; keep the
 * users with open records or marks of the periods they can still have
 * events in (from the latest time read's, or their first open record's
 * when earlier).
 */
static void
sweep(struct watch *f)
{
	int64_t pw = period_of(f, f->water - f->lateness);
	size_t i, k, n = 0;

	f->nopen = 0;
	for (i = 0; i < f->nfu; i++) {
		struct fuser *u = &f->fu[i];
		int64_t lo = pw;
		size_t m = 0;

		settle_user(f, u);
		for (k = 0; k < u->n; k++)
			if (period_of(f, u->rec[k].ts) < lo)
				lo = period_of(f, u->rec[k].ts);
		for (k = 0; k < u->nmk; k++)
			if (u->mk[k].p >= lo)
				u->mk[m++] = u->mk[k];
		u->nmk = m;
		if (u->n == 0 && u->nmk == 0) {
			fuser_free(u);
			continue;
		}
		if (u->n == 0) {
			free(u->rec);
			u->rec = NULL;
			u->cap = 0;
		}
		f->nopen += u->n;
		f->fu[n++] = *u;
	}
	f->nfu = n;
	fmap_build(f);
	compact_values(f);
	/* the next when as many records again came as it looked at */
	f->sweep_at = f->nopen + (f->nopen + f->nfu > SWEEP_MIN ? f->nopen +
	    f->nfu : SWEEP_MIN);
}

/* Drop the settled cells of periods before lo. */
static void
prune_settled(struct watch *f, int64_t lo)
{
	size_t g, c, k;

	for (g = 0; g < f->settled.n; g++) {
		struct group *gr = &f->settled.g[g];

		for (c = 0; c < gr->n && gr->c[c].p < lo; c++)
			free(gr->c[c].c);
		if (c == 0)
			continue;
		for (k = c; k < gr->n; k++)
			gr->c[k - c] = gr->c[k];
		gr->n -= c;
	}
}

/*
 * Close periods from..upto: the rows of each, its series the last
 * --history periods ending there, from the events read so far; then
 * flushed.  Returns 0, or -1 (reported) past MAX_PERIODS.
 */
static int
follow_close(struct watch *f, int64_t from, int64_t upto)
{
	int64_t q, first = f->first, last = f->last;
	int64_t h = (int64_t)history_of(f);
	int flagged = 0;
	size_t i, n;

	if ((long long)upto - (long long)from >= MAX_PERIODS)
		return jn_error("%lld periods closing at once: more than %d",
		    (long long)upto - (long long)from + 1, MAX_PERIODS);
	sweep(f);
	prune_settled(f, from - h + 1);
	for (i = 0, n = 0; i < f->settled.n; i++)
		n += f->settled.g[i].n;
	if (n > f->peak_cells)
		f->peak_cells = n;
	tally_release(&f->t);
	tally_merge(f, &f->t, &f->settled);
	for (i = 0; i < f->nfu; i++)
		count_records(f, f, f->fu[i].rec, f->fu[i].n, &f->fu[i], 0);
	note_answers(f);
	if (choose_kpis(f) != 0)	/* checked once: cannot fail */
		return -1;
	sort_groups(f);
	for (q = from; q <= upto; q++) {
		f->first = first > q - h + 1 ? first : q - h + 1;
		f->last = q;
		emit_rows(f, f->fw, &f->fdb, q, 0, &flagged);
	}
	f->first = first;
	f->last = last;
	tally_release(&f->t);
	fflush(stdout);
	return 0;
}

/*
 * An event read with --follow: one of a later period closes the open
 * one (and any empty ones between) before it is kept; one of the open
 * period after --close-after closed it opens it again.
 */
static int
follow_event(void *ctx, const struct jn_event *ev)
{
	struct watch *f = ctx;
	int64_t p = period_of(f, ev->time);
	struct fuser *u;
	struct wrec w;

	if (f->cur_set && p > f->cur) {
		int64_t from = f->cur_closed ? f->cur + 1 : f->cur;

		if (from <= p - 1 && follow_close(f, from, p - 1) != 0)
			return -1;
	}
	if (!f->cur_set || p > f->cur) {
		f->cur = p;
		f->cur_set = 1;
		f->cur_closed = 0;
	} else if (p == f->cur) {
		f->cur_closed = 0;	/* open again */
	}
	if (make_rec(f, ev, &w) != 0)
		return -1;
	if (ev->time > f->water)
		f->water = ev->time;
	u = fuser_of(f, ev);
	u->rec = jn_xgrow(u->rec, &u->cap, u->n + 1, sizeof *u->rec);
	u->rec[u->n++] = w;
	if (++f->nopen > f->peak_open)
		f->peak_open = f->nopen;
	if (f->nfu > f->peak_users)
		f->peak_users = f->nfu;
	if (f->nopen >= f->sweep_at)
		sweep(f);
	return 0;
}

/* --close-after: the quiet closes the open period. */
static int
follow_quiet(void *ctx)
{
	struct watch *f = ctx;

	if (!f->cur_set || f->cur_closed)
		return 0;
	f->cur_closed = 1;
	return follow_close(f, f->cur, f->cur);
}

/*
 * --follow: read files (a pipe, standard input, a growing file) as they
 * come, the rows of each period written as soon as it closes, the last
 * one at the end of the input (or at SIGINT or SIGTERM).  Returns an
 * exit status, or -1 (reported) when nothing could be written.
 */
static int
follow_run(struct watch *f, char *const *files, int nfiles)
{
	struct jn_column cols[14];
	enum jn_format fmt = f->common.out_format;
	size_t i;
	int rc, status;

	if (fmt == JN_FMT_AUTO)
		fmt = JN_FMT_CSV;
	if (fmt != JN_FMT_CSV && fmt != JN_FMT_TSV && fmt != JN_FMT_NDJSON)
		return jn_error("--follow writes csv, tsv or ndjson");
	f->fw = jn_writer_new(stdout, fmt, cols, row_columns(f, cols));
	f->water = INT64_MIN;
	f->sweep_at = SWEEP_MIN;
	f->in.follow = 1;
	f->in.close_after = f->close_after;
	f->in.quiet_fn = follow_quiet;
	rc = jn_input_run(&f->in, files, nfiles, follow_event, f);
	if (rc == 0 && f->cur_set && !f->cur_closed)
		rc = follow_close(f, f->cur, f->cur);
	status = jn_input_finish(&f->in) != 0 ? JN_EXIT_ERROR : JN_EXIT_OK;
	if (rc == 0 && jn_input_check(&f->in) != 0)
		rc = -1;
	if (jn_writer_finish(f->fw) != 0)
		status = JN_EXIT_ERROR;
	/* what memory held at most, for the test of its bound */
	if (getenv("JWATCH_DEBUG_KEPT") != NULL)
		fprintf(stderr, "jwatch: kept at most %zu records of open "
		    "sessions, %zu users, %zu settled cells\n", f->peak_open,
		    f->peak_users, f->peak_cells);
	jn_writer_free(f->fw);
	free(f->fdb.buf);
	for (i = 0; i < f->nfu; i++)
		fuser_free(&f->fu[i]);
	free(f->fu);
	free(f->fmap);
	tally_release(&f->settled);
	f->fw = NULL;
	f->fdb.buf = NULL;
	f->fu = NULL;
	f->fmap = NULL;
	return rc != 0 ? -1 : status;
}

/* ---- --series ---- */

/*
 * Read time, value and group (the first three columns) of every table in
 * files into cells of the groups, summing values that fall in one period.
 * Returns 0 or -1 (reported).
 */
static int
read_series(struct watch *f, char *const *files, int nfiles)
{
	static char *const stdin_only[] = { "-" };
	struct jn_tables ts;
	size_t t, r, rows = 0;
	int i, rc = 0;

	memset(&ts, 0, sizeof ts);
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	for (i = 0; i < nfiles && rc == 0; i++)
		rc = jn_tables_load(&ts, files[i], f->common.in_format);
	for (t = 0; t < ts.n && rc == 0; t++) {
		const struct jn_table *tb = &ts.t[t];

		if (tb->ncols < 2) {
			rc = jn_error("%s: --series needs time and value columns",
			    tb->file);
			break;
		}
		if (f->series_name == NULL)
			f->series_name = jn_xstrdup(tb->names[1]);
		rows += tb->nrows;
		for (r = 0; r < tb->nrows; r++) {
			const char *tm = jn_table_cell(tb, r, 0);
			const char *v = jn_table_cell(tb, r, 1);
			const char *gv = tb->ncols >= 3 ?
			    jn_table_cell(tb, r, 2) : NULL;
			uint32_t by = NONE;
			int64_t ns;
			double d;

			if (tm == NULL || jn_time_parse_zone(tm, strlen(tm),
			    f->common.time_zone, &ns) != 0) {
				rc = jn_error("%s:%zu: bad time '%s'", tb->file,
				    tb->lines[r], tm ? tm : "");
				break;
			}
			if (v == NULL || jn_parse_double(v, strlen(v), &d) != 0 ||
			    !isfinite(d)) {
				rc = jn_error("%s:%zu: bad value '%s'", tb->file,
				    tb->lines[r], v ? v : "");
				break;
			}
			if (gv != NULL && *gv != '\0')
				by = jn_intern_put(&f->byvals, gv, strlen(gv));
			{
				int64_t p = period_of(f, ns);

				if (p < f->first)
					f->first = p;
				if (p > f->last)
					f->last = p;
				jn_xsum_add(&cell_for(f, group_for(&f->t, by,
				    NONE), p)->rev, d);
			}
		}
	}
	/* a header alone is no series either: nothing to watch */
	if (rc == 0 && rows == 0 && !f->common.allow_empty)
		rc = jn_error("no series rows read");
	if (rc == 0 && ts.n > 0 && ts.t[0].ncols >= 3 && f->by_field == NULL)
		f->by_field = f->series_by = jn_xstrdup(ts.t[0].names[2]);
	jn_tables_release(&ts);
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

/* NAME=EXPR into d (EXPR kept whole).  0 or -1 (reported). */
static int
parse_defined(const char *opt, const char *arg, struct defined *d)
{
	const char *eq = strchr(arg, '=');
	size_t k;
	char *name;

	if (eq == NULL || eq == arg || eq[1] == '\0')
		return jn_error("bad %s '%s' (NAME=EXPR)", opt, arg);
	name = jn_xstrndup(arg, (size_t)(eq - arg));
	for (k = 0; k < NELEM(builtin_names); k++)
		if (strcmp(name, builtin_names[k]) == 0) {
			jn_error("%s: '%s' is a built-in KPI", opt, name);
			free(name);
			return -1;
		}
	d->name = name;
	d->text = eq + 1;
	return 0;
}

/*
 * --rate's EXPR/EXPR: the '/' that ends the numerator is the first one
 * outside a /REGEX/ term (a term that begins with '/', at the start or
 * after "&&").  Returns the split position or NULL.
 */
static const char *
rate_split(const char *s)
{
	int term_start = 1;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		if (term_start && *s == '/') {
			for (s++; *s != '\0' && *s != '/'; s++)
				if (*s == '\\' && s[1] != '\0')
					s++;
			if (*s == '/')
				s++;
			term_start = 0;
			continue;
		}
		if (s[0] == '&' && s[1] == '&') {
			term_start = 1;
			s += 2;
			continue;
		}
		if (*s == '/')
			return s;
		term_start = 0;
		s++;
	}
	return NULL;
}

static int
parse_number(const char *opt, const char *arg, double lo, double hi,
    double *out)
{
	double d;

	if (jn_parse_double(arg, strlen(arg), &d) != 0 || !(d > lo) ||
	    !(d <= hi))
		return jn_error("bad %s '%s' (a number above %g, at most %g)",
		    opt, arg, lo, hi);
	*out = d;
	return 0;
}

static int
parse_count(const char *opt, const char *arg, long lo, long hi, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno || n < lo ||
	    n > hi)
		return jn_error("bad %s '%s' (an integer from %ld to %ld)", opt,
		    arg, lo, hi);
	*out = n;
	return 0;
}

static int
parse_args(struct watch *f, int argc, char **argv)
{
	static struct option *longopts;
	static const char *const dirs[] = { "both", "pos", "neg" };
	static const enum jn_period periods[] = { JN_PERIOD_DAY,
	    JN_PERIOD_HOUR, JN_PERIOD_WEEK };
	int opt, r;
	long n = 0;

	free(longopts);
	longopts = jn_cli_options(tool_longopts, NELEM(tool_longopts));
	f->period = JN_PERIOD_DAY;
	f->alpha = 0.05;
	f->max_anoms = 0.10;
	f->dir = JN_ANOM_BOTH;
	f->error_text = "/error|exception|fail/i";
	f->common.scores = 1;
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
		case OPT_GOAL:
			f->goal_text = optarg;
			break;
		case OPT_ERROR:
			f->error_text = optarg;
			f->error_given = 1;
			break;
		case OPT_VALUE:
			f->value_field = optarg;
			break;
		case OPT_COUNT:
			if (f->ncount == MAX_DEFINED)
				return jn_error("more than %d --count",
				    MAX_DEFINED);
			if (parse_defined("--count", optarg,
			    &f->count[f->ncount]) != 0)
				return -1;
			f->ncount++;
			break;
		case OPT_RATE: {
			struct defined *d = &f->rate[f->nrate];
			const char *sl;

			if (f->nrate == MAX_DEFINED)
				return jn_error("more than %d --rate",
				    MAX_DEFINED);
			if (parse_defined("--rate", optarg, d) != 0)
				return -1;
			f->nrate++;	/* freed by free_options from here */
			if ((sl = rate_split(d->text)) != NULL) {
				d->den_text = sl + 1;
				d->text = d->text_copy = jn_xstrndup(d->text,
				    (size_t)(sl - d->text));
				if (*d->text == '\0' || *d->den_text == '\0')
					return jn_error("bad --rate '%s' "
					    "(NAME=EXPR[/EXPR])", optarg);
			}
			break;
		}
		case OPT_KPIS:
			f->kpis_text = optarg;
			break;
		case OPT_BY:
			f->by_field = optarg;
			break;
		case OPT_PERIOD:
			if (jn_period_parse("--period", optarg, periods,
			    sizeof periods / sizeof periods[0], &f->period) != 0)
				return -1;
			break;
		case OPT_UTC_OFFSET:
			if (jn_time_zone_parse(optarg, &f->offset) != 0)
				return jn_error("bad --utc-offset '%s' "
				    "(+HH:MM, -HH:MM or Z)", optarg);
			break;
		case OPT_SERIES:
			f->series = 1;
			break;
		case OPT_ALPHA:
			if (parse_number("--alpha", optarg, 0, 0.5,
			    &f->alpha) != 0)
				return -1;
			break;
		case OPT_MAX_ANOMS:
			if (parse_number("--max-anoms", optarg, 0, 0.49,
			    &f->max_anoms) != 0)
				return -1;
			break;
		case OPT_DIRECTION:
			if ((r = parse_choice("--direction", optarg, dirs, 3,
			    "pos, neg, both")) < 0)
				return -1;
			f->dir = (enum jn_anom_dir)r;
			break;
		case OPT_SEASON:
			if (parse_count("--season", optarg, 1, 100000, &n) != 0)
				return -1;
			f->season = (size_t)n;
			f->season_given = 1;
			break;
		case OPT_ONLY_FLAGGED:
			f->only_flagged = 1;
			break;
		case OPT_CHECK_LAST:
			if (parse_count("--check-last", optarg, 1, MAX_PERIODS,
			    &n) != 0)
				return -1;
			f->check_last = (int)n;
			break;
		case OPT_DRIVERS:
			f->drivers_field = optarg;
			break;
		case OPT_OUTPUT:
			f->output = optarg;
			break;
		case OPT_FOLLOW:
			f->follow = 1;
			break;
		case OPT_CLOSE_AFTER:
			if (jn_duration_parse(optarg, &f->close_after) != 0 ||
			    f->close_after <= 0)
				return jn_error("bad --close-after '%s' (a "
				    "duration above 0: 30s, 5m, 1h)", optarg);
			break;
		case OPT_LATENESS:
			if (jn_duration_parse(optarg, &f->lateness) != 0)
				return jn_error("bad --lateness '%s' (a "
				    "duration: 0, 10m, 1h)", optarg);
			break;
		case OPT_HISTORY:
			if (parse_count("--history", optarg, 1, MAX_PERIODS,
			    &n) != 0)
				return -1;
			f->history = (size_t)n;
			break;
		default:
			return jn_cli_other(opt, usage, help_text);
		}
	}
	if (!f->season_given)
		f->season = f->period == JN_PERIOD_HOUR ? 24 :
		    f->period == JN_PERIOD_WEEK ? 52 : 7;
	if (f->goal_text != NULL && *f->goal_text == '\0')
		return jn_error("empty --goal expression");
	if (*f->error_text == '\0')
		return jn_error("empty --error expression");
	if (f->series && (f->goal_text || f->value_field || f->ncount ||
	    f->nrate || f->kpis_text || f->drivers_field || f->run.partial ||
	    f->run.merge || f->run.sorted))
		return jn_error("--series watches the series read: no --goal, "
		    "--value, --count, --rate, --kpis, --drivers, --sorted, "
		    "--partial or --merge");
	if (f->follow && (f->series || f->run.partial || f->run.merge ||
	    f->run.sorted || f->check_last || f->output || f->run.meta))
		return jn_error("--follow writes each period as it closes: no "
		    "--series, --partial, --merge, --sorted, --check-last, "
		    "--output or --meta");
	if (!f->follow && (f->close_after > 0 || f->history > 0 ||
	    f->lateness >= 0))
		return jn_error("--close-after, --history and --lateness go "
		    "with --follow");
	if (f->lateness < 0)
		f->lateness = 3600 * JN_NS_PER_SEC;
	if (f->series && f->by_field)
		return jn_error("--series takes its groups from the third "
		    "column: no --by");
	return jn_run_check(&f->run);
}

/* What parse_args allocated: the names of --count and --rate, the
 * numerators split off. */
static void
free_options(struct watch *f)
{
	int k;

	for (k = 0; k < f->ncount; k++) {
		free(f->count[k].name);
		f->count[k].name = NULL;
	}
	for (k = 0; k < f->nrate; k++) {
		free(f->rate[k].name);
		free(f->rate[k].text_copy);
		f->rate[k].name = f->rate[k].text_copy = NULL;
	}
}

static void
add_kpi(struct watch *f, enum kpi_kind kind, const char *name, int k)
{
	struct kpi *q = &f->kpis[f->nkpis++];

	q->kind = kind;
	q->name = name;
	q->k = k;
	q->is_rate = kind == K_CONVERSION || kind == K_BOUNCE ||
	    kind == K_ERROR || kind == K_RATE;
	q->is_score = kind == K_NPS || kind == K_CSAT || kind == K_CES;
}

/*
 * The KPIs watched: --kpis in its order, or every built-in one the
 * options allow (conversion with --goal, revenue with --value) and the
 * defined ones.  0 or -1 (reported).
 */
static int
choose_kpis(struct watch *f)
{
	struct kpi all[NBUILTIN + 2 * MAX_DEFINED];
	size_t nall = 0, k;
	const char *s, *e;
	int j;

	f->nkpis = 0;
	if (f->series) {
		add_kpi(f, K_SERIES, f->series_name ? f->series_name : "value",
		    0);
		return 0;
	}
	for (j = 0; j < NBUILTIN; j++) {
		f->nkpis = 0;
		add_kpi(f, (enum kpi_kind)j, builtin_names[j], 0);
		all[nall++] = f->kpis[0];
	}
	for (j = 0; j < f->ncount; j++) {
		f->nkpis = 0;
		add_kpi(f, K_COUNT, f->count[j].name, j);
		all[nall++] = f->kpis[0];
	}
	for (j = 0; j < f->nrate; j++) {
		f->nkpis = 0;
		add_kpi(f, K_RATE, f->rate[j].name, j);
		all[nall++] = f->kpis[0];
	}
	f->nkpis = 0;
	if (f->kpis_text == NULL) {
		for (k = 0; k < nall; k++) {
			if ((all[k].kind == K_CONVERSION && !f->goal_text) ||
			    (all[k].kind == K_REVENUE && !f->value_field) ||
			    (all[k].is_score && !f->have[all[k].kind - K_NPS]))
				continue;
			f->kpis[f->nkpis++] = all[k];
		}
		return 0;
	}
	for (s = f->kpis_text;; s = e + 1) {
		size_t len;

		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		len = (size_t)(e - s);
		for (k = 0; k < nall; k++)
			if (strlen(all[k].name) == len &&
			    memcmp(all[k].name, s, len) == 0)
				break;
		if (k == nall)
			return jn_error("--kpis: unknown KPI '%.*s' (events, "
			    "users, sessions, conversion, bounce_rate, "
			    "error_rate, revenue, nps, csat, ces, or a --count "
			    "or --rate name)",
			    (int)len, s);
		if (all[k].kind == K_CONVERSION && !f->goal_text)
			return jn_error("--kpis: conversion needs --goal");
		if (all[k].kind == K_REVENUE && !f->value_field)
			return jn_error("--kpis: revenue needs --value");
		if (f->nkpis < NELEM(f->kpis))
			f->kpis[f->nkpis++] = all[k];
		if (*e == '\0')
			break;
	}
	return 0;
}

/* Compile text into *out (nothing when NULL); watch it (warn when it
 * matched nothing) unless it is a default. */
static int
compile(struct watch *f, const char *text, const char *what,
    struct jn_pred **out, int watch)
{
	if (text == NULL)
		return 0;
	if ((*out = jn_pred_compile(text, &f->in.schema, f->in.event_slot,
	    what)) == NULL)
		return -1;
	if (watch)
		jn_input_watch_pred(&f->in, *out);
	return 0;
}

/* p (NULL: none) sets bit: cached when it reads the event name alone. */
static void
add_pred(struct watch *f, struct jn_pred *p, uint32_t bit)
{
	if (p == NULL)
		return;
	if (jn_pred_event_only(p, f->in.event_slot)) {
		f->cpred[f->ncached] = p;
		f->cbit[f->ncached++] = bit;
	} else {
		f->opred[f->nother] = p;
		f->obit[f->nother++] = bit;
	}
}

static int
setup(void *state, int worker)
{
	struct watch *f = state;
	char what[64];
	int k;

	f->is_worker = worker;
	if (!worker)
		by_table = &f->byvals;	/* the groups counted, merged here */
	f->first = INT64_MAX;
	f->last = INT64_MIN;
	jn_intern_init(&f->byvals);
	jn_intern_init(&f->drvals);
	memset(&f->t, 0, sizeof f->t);
	f->ncounters = C_FIXED + (size_t)f->ncount + 2 * (size_t)f->nrate;
	f->by_slot = f->drv_slot = f->value_slot = -1;
	if (f->series)
		return 0;
	jn_namecache_init(&f->names);
	if ((worker ? jn_input_init_worker(&f->in, &f->common) :
	    jn_input_init(&f->in, &f->common)) != 0)
		return -1;
	if (compile(f, f->goal_text, "--goal", &f->goal, 1) != 0 ||
	    compile(f, f->error_text, "--error", &f->error,
	    f->error_given) != 0)
		return -1;
	for (k = 0; k < f->ncount; k++) {
		snprintf(what, sizeof what, "--count %s", f->count[k].name);
		if (compile(f, f->count[k].text, what, &f->count[k].num,
		    1) != 0)
			return -1;
	}
	for (k = 0; k < f->nrate; k++) {
		snprintf(what, sizeof what, "--rate %s", f->rate[k].name);
		if (compile(f, f->rate[k].text, what, &f->rate[k].num,
		    1) != 0 || compile(f, f->rate[k].den_text, what,
		    &f->rate[k].den, 1) != 0)
			return -1;
	}
	f->ncached = f->nother = 0;
	f->den_all = 0;
	add_pred(f, f->goal, M_GOAL);
	add_pred(f, f->error, M_ERROR);
	for (k = 0; k < f->ncount; k++)
		add_pred(f, f->count[k].num, M_COUNT(k));
	for (k = 0; k < f->nrate; k++) {
		add_pred(f, f->rate[k].num, M_RNUM(k));
		if (f->rate[k].den == NULL)
			f->den_all |= M_RDEN(k);
		else
			add_pred(f, f->rate[k].den, M_RDEN(k));
	}
	jn_input_watch_names(&f->in, &f->names);
	if (f->by_field) {
		if ((f->by_slot = jn_schema_field(&f->in.schema,
		    f->by_field)) < 0)
			return -1;
		jn_input_watch_field(&f->in, "--by", f->by_field, f->by_slot);
	}
	if (f->drivers_field) {
		if ((f->drv_slot = jn_schema_field(&f->in.schema,
		    f->drivers_field)) < 0)
			return -1;
		jn_input_watch_field(&f->in, "--drivers", f->drivers_field,
		    f->drv_slot);
	}
	if (f->value_field) {
		if (jn_valexpr_init(&f->value_expr, &f->in.schema,
		    f->value_field) != 0)
			return -1;
		f->value_slot = f->value_expr.slot;
		jn_valexpr_watch(&f->value_expr, &f->in, "--value",
		    f->value_field);
	}
	jn_units_init(&f->units, sizeof(struct wrec), offsetof(struct wrec,
	    unit), 0);
	f->units.sorted = f->run.sorted;
	return 0;
}

static void
release(void *state)
{
	struct watch *f = state;
	int k;

	jn_pred_free(f->goal);
	jn_pred_free(f->error);
	f->goal = f->error = NULL;
	for (k = 0; k < f->ncount; k++) {
		jn_pred_free(f->count[k].num);
		f->count[k].num = NULL;
	}
	for (k = 0; k < f->nrate; k++) {
		jn_pred_free(f->rate[k].num);
		jn_pred_free(f->rate[k].den);
		f->rate[k].num = f->rate[k].den = NULL;
	}
	tally_release(&f->t);
	if (!f->series)
		jn_namecache_release(&f->names);
	jn_intern_release(&f->byvals);
	jn_intern_release(&f->drvals);
	free(f->values);
	free(f->answers);
	f->values = NULL;
	f->answers = NULL;
	jn_idmap_release(&f->bymap);
	jn_idmap_release(&f->drvmap);
	free(f->vbase);
	f->vbase = NULL;
	free(f->pairs);
	f->pairs = NULL;
	if (!f->is_worker) {	/* the options parse made, the main's */
		free_options(f);
		free(f->series_name);
		free(f->series_by);
		f->series_name = f->series_by = NULL;
	}
}

/* ---- the run: jn_engine_main's hooks ---- */

static int
parse(void *tool, int argc, char **argv)
{
	struct watch *f = tool;

	f->lateness = -1;
	if (parse_args(f, argc, argv) != 0 ||
	    (f->output != NULL && jn_output_open(f->output) != 0) ||
	    (!f->series && choose_kpis(f) != 0)) {
		free_options(f);
		free(f->series_name);
		free(f->series_by);
		return -1;
	}
	return 0;
}

/* --follow and --series read their own way; events go to the engine. */
static int
read_input(void *tool, char **files, int nfiles, const char *stdin_path)
{
	struct watch *f = tool;

	(void)stdin_path;
	if (f->follow)
		return follow_run(f, files, nfiles);
	if (f->series)
		return read_series(f, files, nfiles) != 0 ? -1 : JN_EXIT_OK;
	return JN_INPUT_ENGINE;
}

/* The KPIs (the scores answered), the groups in order, the periods. */
static int
end(void *tool, int status)
{
	struct watch *f = tool;

	(void)status;
	if (f->follow || f->run.partial)
		return 0;
	if (!f->series)
		note_answers(f);
	if (choose_kpis(f) != 0)
		return -1;
	sort_groups(f);
	if (f->last >= f->first && (long long)f->last - (long long)f->first >=
	    MAX_PERIODS)
		return jn_error("%lld periods from the first event to the "
		    "last: more than %d", (long long)f->last -
		    (long long)f->first + 1, MAX_PERIODS);
	return 0;
}

/* The rows; --follow has written them as the periods closed. */
static int
write_result(void *tool, enum jn_format fmt, char **files, int nfiles)
{
	struct watch *f = tool;

	(void)files;
	(void)nfiles;
	if (f->follow)
		return 0;
	return write_rows(f, fmt, &f->flagged_last);
}

static int
gate(const void *tool)
{
	return ((const struct watch *)tool)->flagged_last;
}

static const struct jn_reporter reporter = {
	.name = "jwatch",
	.config = config_text,
	.write_state = write_state,
	.merge_record = merge_record,
	JN_REPORTER_STATE(struct watch),
	.formats = JN_FMTS_GATE,
	.parse = parse,
	.setup = setup,
	.release = release,
	.event = on_event,
	.prepare = prepare_workers,
	.remap = remap_rec,
	.unit = count_unit,
	.merge = merge_tally,
	.input = read_input,
	.end = end,
	.write = write_result,
	.gate = gate,
};

int
main(int argc, char **argv)
{
	static struct watch f;

	return jn_engine_main(&reporter, &f, argc, argv);
}
