/*
 * jpath: journey maps, the ways units actually go through the
 * touchpoints (SPEC section 8).
 *
 * Every event becomes a compact record (time, input position, unit,
 * touchpoint, breakdown value, and whether it matches --goal, --from,
 * --to), kept per unit by the reporter engine (engine.h), which hands
 * each unit's records over once.  They are put in time order, ties in
 * input order, cut into sessions when asked, and the path they make is
 * counted: every move between two touchpoints into the directly-follows
 * graph (views edges and next), the moves of each step from an anchor
 * (view steps), or the whole path as one variant (view variants).  Move
 * times and path durations are kept as samples per row (samples.h), so
 * that medians are exact and merge exactly across threads and shards.
 * The edges can be drawn as DOT or Mermaid instead of a table.
 *
 * Memory: 24 bytes per event kept until counting, 32 with --by (with
 * --sorted, one unit's); per distinct touchpoint and breakdown value;
 * per distinct row (about 100 bytes, a move about 180 with its survey
 * counts; a variant also its touchpoints, 1, 2 or 4 bytes each as their
 * ids need); and 8 bytes per move or path for the exact times.
 *
 * Survey answers (views edges and next) ride in the kept events' spare
 * position bits; each path's answers are added once to every move it
 * makes and, in view next, every touchpoint it passes.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journey/chart.h"
#include "journey/engine.h"
#include "journey/group.h"
#include "journey/input.h"
#include "journey/intern.h"
#include "journey/markov.h"
#include "journey/pred.h"
#include "journey/samples.h"
#include "journey/score.h"
#include "journey/state.h"
#include "journey/table.h"
#include "journey/time.h"
#include "journey/tmpfile.h"
#include "journey/touchpoint.h"
#include "journey/util.h"
#include "journey/valexpr.h"
#include "journey/writer.h"

static const char usage[] =
    "usage: jpath [-u FIELD] [-t FIELD] [-e FIELD] [-o FORMAT]\n"
    "             [--view edges|variants|next|steps|attribution]\n"
    "             [--per user|session] [--value FIELD] [--half-life DUR]\n"
    "             [--order 1|2|3]\n"
    "             [--touchpoint FIELD] [--clean FILE | --raw-touchpoints]\n"
    "             [--collapse] [--by FIELD] [--goal EXPR] [--top N]\n"
    "             [--min-share F] [--from EXPR | --to EXPR] [--depth N]\n"
    "             [--nps FIELD] [--csat FIELD] [--ces FIELD]\n"
    "             [--sorted] [-j N] [--partial | --merge]\n"
    "             [--where EXPR] [--since TIME] [--until TIME] [--strict]\n"
    "             [--rejects FILE] [FILE ...]\n";

static const char help_text[] =
    "Map the ways units go through the touchpoints.\n"
    "\n"
    "      --view VIEW          edges (directly-follows graph, default),\n"
    "                           variants (distinct paths), next (where\n"
    "                           units go from each touchpoint) or steps\n"
    "                           (step-indexed flows, for a Sankey) or\n"
    "                           attribution (credit for --goal)\n"
    "      --per UNIT           user (default) or session\n"
    "      --touchpoint FIELD   touchpoint field (page, url, path, screen,\n"
    "                           touchpoint; else the event name)\n"
    JN_TOUCH_HELP
    "      --collapse           merge consecutive repeats of a touchpoint\n"
    "      --by FIELD           a map per value of FIELD (first in the path)\n"
    "      --goal EXPR          add converted and conversion (next: and\n"
    "                           lift); attribution: what converts\n"
    "      --top N              keep the N largest rows, the rest in (other)\n"
    "      --min-share F        keep rows of share F or more, the rest in "
    "(other)\n"
    "      --from EXPR          steps: from the first event matching EXPR\n"
    "      --to EXPR            steps: up to the first event matching EXPR\n"
    "      --depth N            steps: how many (5)\n"
    "      --value FIELD        attribution: the value of a conversion\n"
    "      --half-life DUR      attribution: time decay's half-life (7d)\n"
    "      --order N            attribution: Markov chain order (1)\n"
    "      --nps, --csat, --ces FIELD\n"
    "                           edges, next: survey answers 0-10, 1-5,\n"
    "                           1-7 of the units passing (journey(7))\n"
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
    "      --where EXPR         keep only matching events\n"
    "      --since TIME         keep events at or after TIME\n"
    "      --until TIME         keep events before TIME\n"
    "  -o, --format F           table, csv, tsv, ndjson, markdown; dot or\n"
    "                           mermaid (edges as a Graphviz digraph or a\n"
    "                           Mermaid flowchart); html (a page, the view\n"
    "                           drawn beside its numbers)\n"
    "      --strict             a bad record is an error\n"
    "      --rejects FILE       write bad records to FILE\n"
    "      --max-rejected RATE  more bad records is an error (0.5)\n"
    "      --allow-empty        no event used is not an error\n"
    "      --safe-csv           defuse cells a spreadsheet would run\n"
    "      --no-progress        no progress line on stderr\n"
    "  -h, --help               this help\n"
    "  -V, --version            version\n"
    "\n"
    "See jpath(1) and journey(7).\n";

enum {
	OPT_VIEW = JN_OPT_TOOL_BASE, OPT_PER, OPT_TOUCHPOINT, OPT_COLLAPSE,
	OPT_BY, OPT_GOAL, OPT_TOP, OPT_MIN_SHARE, OPT_FROM, OPT_TO, OPT_DEPTH,
	OPT_VALUE, OPT_HALF_LIFE, OPT_ORDER
};

static const struct option tool_longopts[] = {
	{ "view", required_argument, NULL, OPT_VIEW },
	{ "per", required_argument, NULL, OPT_PER },
	{ "touchpoint", required_argument, NULL, OPT_TOUCHPOINT },
	{ "collapse", no_argument, NULL, OPT_COLLAPSE },
	{ "by", required_argument, NULL, OPT_BY },
	{ "goal", required_argument, NULL, OPT_GOAL },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "min-share", required_argument, NULL, OPT_MIN_SHARE },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "depth", required_argument, NULL, OPT_DEPTH },
	{ "value", required_argument, NULL, OPT_VALUE },
	{ "half-life", required_argument, NULL, OPT_HALF_LIFE },
	{ "order", required_argument, NULL, OPT_ORDER },
	JN_RUN_LONGOPTS,
	JN_TOUCH_LONGOPTS,
	JN_SCORE_LONGOPTS,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NONE UINT32_MAX
/* the ends of a path, as touchpoints of the edges that start or end it */
#define TP_START (UINT32_MAX - 1)
#define TP_END (UINT32_MAX - 2)
/* attribution: the conversions without a touchpoint before them */
#define TP_DIRECT (UINT32_MAX - 3)
/* the most states a Markov chain may have: its solve is dense */
#define MAX_STATES 2000

enum view { VIEW_EDGES, VIEW_VARIANTS, VIEW_NEXT, VIEW_STEPS,
	VIEW_ATTRIBUTION };
static const char *const view_names[] = { "edges", "variants", "next",
	"steps", "attribution" };

/*
 * One event: 24 bytes, or 32 with --by, 40 with --value (evsize).  The
 * input position orders events of equal times; its top bits hold what
 * the event is.
 */
struct pev {
	int64_t ts;
	uint64_t pos;		/* input position, and the flags below */
	uint32_t unit;
	uint32_t tp;		/* touchpoint id */
	uint32_t by;		/* --by value id, NONE without; 32 bytes up */
	uint32_t pad;
	double val;		/* --value of a goal event (0 if none) */
};
#define POS_GOAL (UINT64_C(1) << 63)	/* matches --goal */
#define POS_NOSESS (UINT64_C(1) << 62)	/* no session value: cut by gap */
#define POS_FROM (UINT64_C(1) << 61)	/* matches --from */
#define POS_TO (UINT64_C(1) << 60)	/* matches --to */
/*
 * Bits 48-58: the event's survey answers (score.h), each its value + 1
 * (0: none): NPS in 4 bits, CSAT in 3, CES in 4.  Input positions stay
 * below 2^48.
 */
#define POS_ANS_SHIFT 48
static const int ans_shift[JN_NSCORES] = { 0, 4, 7 };
static const unsigned ans_mask[JN_NSCORES] = { 15, 7, 15 };
#define POS_MASK ((UINT64_C(1) << POS_ANS_SHIFT) - 1)
#define POS_FLAGS (POS_GOAL | POS_NOSESS | POS_FROM | POS_TO)
/* the same, per element of a path */
enum { PF_GOAL = 1, PF_FROM = 2, PF_TO = 4 };

/* An edge of the directly-follows graph, in one breakdown group. */
struct edge {
	uint32_t by, from, to;	/* from TP_START, to TP_END at the ends */
	int32_t step;		/* view steps: its step; else 0 */
	uint64_t transitions, units, converted;
	uint64_t mark;		/* the unit that last made the move */
	struct jn_samples times;	/* ns between its two events */
	double med, p90, mean;	/* of times, ns, once counted (time_stats) */
	struct jn_scores sc;	/* the answers of the units that made it */
};

/* A variant: its key in the table is (by, touchpoints...). */
struct variant {
	uint32_t by, len;
	uint64_t units, converted;
	struct jn_samples times;	/* the paths' durations, ns */
	double med;		/* their median, once counted (time_stats) */
};

/*
 * The attribution models summed per touchpoint: first touch, last touch,
 * linear, position-based and time decay (Markov is solved at the end
 * from the paths, kept as variants).
 */
enum { M_FIRST, M_LAST, M_LINEAR, M_POSITION, M_DECAY, NHEUR };
static const char *const model_names[] = { "first", "last", "linear",
	"position", "time_decay", "markov" };

/*
 * A sum of credits in fixed point: a whole part and 64 bits of fraction.
 * Each term is cut to a multiple of 2^-64 (far below the 6 decimals
 * written), and then added exactly, so that the sum is the same in any
 * order, of any -j or shards; 16 bytes, where an exact sum of doubles
 * (xsum.h) takes 568.  The whole part holds +-FX_MAX: a term or a sum
 * beyond it leaves the sum spoiled (FX_SPOILED, w = INT64_MIN, which no
 * sum within reach has), so that it never wraps into a wrong number,
 * survives merges and states, and is an error when written.
 */
struct fx {
	int64_t w;
	uint64_t f;
};

#define FX_MAX		INT64_MAX
#define FX_SPOILED	INT64_MIN

static int
fx_spoiled(const struct fx *a)
{
	return a->w == FX_SPOILED;
}

/* a->w += d (a carry of 0 or 1 included), spoiling a past +-FX_MAX. */
static void
fx_whole(struct fx *a, int64_t d)
{
	if (a->w == FX_SPOILED || d == FX_SPOILED ||
	    (d > 0 && a->w > FX_MAX - d) || (d < 0 && a->w < -FX_MAX - d)) {
		a->w = FX_SPOILED;
		a->f = 0;
		return;
	}
	a->w += d;
}

static void
fx_add(struct fx *a, double x)
{
	double fl = floor(x), fr = (x - fl) * 18446744073709551616.0;
	uint64_t f = fr >= 18446744073709551615.0 ? UINT64_MAX :
	    (uint64_t)fr;

	/* 2^63 is a double; INT64_MAX, rounded up to it, is not */
	if (!(fl > -9223372036854775808.0 && fl < 9223372036854775808.0)) {
		fx_whole(a, FX_SPOILED);
		return;
	}
	fx_whole(a, (int64_t)fl);
	if (fx_spoiled(a))
		return;
	a->f += f;
	if (a->f < f)	/* the carry */
		fx_whole(a, 1);
}

static void
fx_merge(struct fx *a, const struct fx *b)
{
	fx_whole(a, b->w);
	if (fx_spoiled(a))
		return;
	a->f += b->f;
	if (a->f < b->f)
		fx_whole(a, 1);
}

static double
fx_value(const struct fx *a)
{
	return (double)a->w + (double)a->f / 18446744073709551616.0;
}

/*
 * What the attribution view adds up per touchpoint of a breakdown
 * group, in exact sums so that any -j gives the same digits.  The row
 * of tp TP_DIRECT holds the conversions with no touchpoint before them;
 * the row of tp TP_END, the group's other conversions, and their value.
 */
struct attr {
	uint32_t by, tp;
	uint64_t conversions;	/* the conversions it took part in */
	uint64_t mark;		/* the last conversion counted */
	struct fx value;	/* their value */
	struct fx credit[NHEUR], vcredit[NHEUR];
	/* view next: the answers of the units that passed tp */
	struct jn_scores sc;
};

/* An attribution row's sums, one by one: value, credit, vcredit. */
#define NFX (1 + 2 * NHEUR)

static struct fx *
attr_fx(struct attr *a, int k)
{
	return k == 0 ? &a->value : k <= NHEUR ? &a->credit[k - 1] :
	    &a->vcredit[k - 1 - NHEUR];
}

/* A sum as two integers at v (the fraction's bits as an int64). */
static void
fx_put(int64_t *v, const struct fx *x)
{
	v[0] = x->w;
	memcpy(&v[1], &x->f, sizeof x->f);
}

/* The sums of a as pairs of integers, in attr_fx's order. */
static void
fx_ints(int64_t *v, const struct attr *a)
{
	int k;

	fx_put(v, &a->value);
	for (k = 0; k < NHEUR; k++) {
		fx_put(v + 2 + 2 * k, &a->credit[k]);
		fx_put(v + 2 + 2 * NHEUR + 2 * k, &a->vcredit[k]);
	}
}

/*
 * What counting adds up: the main state's, and with -j one per counting
 * thread, merged into the main one.  Edge and variant ids follow first
 * appearance: nothing written may depend on them.
 */
struct tally {
	struct jn_intern ekeys;	/* (by, from, to, step) */
	struct edge *e;
	size_t ecap;
	struct jn_intern vkeys;	/* (by, touchpoints...) */
	struct variant *v;
	size_t vcap;
	struct jn_intern akeys;	/* attribution: (by, touchpoint) */
	struct attr *a;
	size_t acap;
	double *w;		/* a path's weights, pcap of them */
	uint64_t serial;	/* paths counted: marks edges met */
	struct jn_scores psc;	/* the answers of the path being counted */
	/* the path being counted, after --collapse */
	uint32_t *ptp;
	int64_t *pfirst, *plast;	/* its first and last event's times */
	uint8_t *pflags;	/* PF_ bits of its events */
	size_t pcap;
	uint32_t *key;
	size_t keycap;
	unsigned kw;		/* bytes per touchpoint of a variant's key */
	/*
	 * The edges met lately, direct-mapped by a hash of their key: a
	 * log's moves are few and repeat, and a hit costs less than the
	 * table's lookup.
	 */
	struct edge_slot {
		uint32_t by, from, to, id;
		int32_t step;
	} *cache;
	/*
	 * Views edges and next without --by: per (from, to), the edge's id
	 * + 1 (0: not met yet), from (start) or touchpoint from - 1 to
	 * (end) or touchpoint to - 1, while below DENSE.
	 */
	uint32_t *dense;
};
#define CACHE_BITS 12
#define DENSE 64

struct jpath {
	struct jn_common common;
	struct jn_input in;
	enum view view;
	int per_session, collapse;
	const char *tp_field, *by_field, *goal_text;
	size_t top;		/* 0: all */
	double min_share;
	int dot;		/* -o dot (1) or mermaid (2): a picture */
	int html;		/* -o html: a page */
	FILE *out;		/* the table: stdout, or the page's spool */
	struct jn_touch_opts touch_opts;
	struct jn_touch *touch;	/* the main state's, shared */
	struct jn_touch_local *touch_local;
	struct jn_pred *goal;
	struct jn_namecache names;
	const char *from_text, *to_text;	/* view steps */
	const char *value_field;	/* view attribution */
	struct jn_valexpr value_expr;
	int64_t half_life;	/* ns */
	int order;
	int depth;
	struct jn_pred *from, *to;
	/* --goal, --from, --to: per event name (cached) or per event */
	struct jn_pred *cpred[3], *opred[3];
	uint64_t cflag[3], oflag[3];
	int ncached, nother;
	int tp_slot, by_slot;
	size_t evsize;		/* bytes per kept event */

	struct jn_units units;
	struct jn_engine engine;
	struct jn_intern tps, byvals;
	struct jn_idmap tpmap, bymap;	/* -j: per worker, id -> the main's */
	uint32_t *merge_tps;	/* --merge: a state's touchpoint -> id */
	size_t nmerge_tps, merge_tpcap;
	struct tally t;
	struct jn_run run;
	int is_worker;
	int scores;		/* views edges and next: answers are read */
	int state_scores;	/* --merge: the state being read has them */
};

/* ---- reading ---- */

static int
on_event(void *ctx, const struct jn_event *ev)
{
	struct jpath *f = ctx;
	const struct jn_record *rec = ev->rec;
	struct pev ep, *e = &ep;
	uint32_t tp;
	const char *v;
	size_t len;
	uint64_t flags = 0;
	int k, m;

	if (ev->name_len > 0 && f->ncached > 0) {
		uint64_t bits;

		if (jn_namecache_get(&f->names, f->cpred, f->ncached, rec,
		    ev->name, ev->name_len, &bits) != 0)
			return -1;
		for (k = 0; k < f->ncached; k++)
			flags |= bits >> k & 1 ? f->cflag[k] : 0;
	} else {
		for (k = 0; k < f->ncached; k++) {
			if ((m = jn_pred_match(f->cpred[k], rec)) < 0)
				return -1;
			flags |= m ? f->cflag[k] : 0;
		}
	}
	for (k = 0; k < f->nother; k++) {
		if ((m = jn_pred_match(f->opred[k], rec)) < 0)
			return -1;
		flags |= m ? f->oflag[k] : 0;
	}
	/* the touchpoint: its field cleaned (journey(7)), else the name */
	v = jn_record_get(rec, f->tp_slot, &len);
	if (v == NULL || len == 0)
		tp = jn_intern_put(&f->tps, ev->name, ev->name_len);
	else if ((tp = jn_touch_intern(f->touch_local, &f->tps, v, len)) ==
	    NONE)
		return -1;
	/* the unit is looked up later, deferred (jn_units_put_record) */
	memset(e, 0, sizeof *e);
	e->tp = tp;
	e->ts = ev->time;
	e->pos = (rec->pos & POS_MASK) | flags;
	if (ev->answered)
		for (k = 0; k < JN_NSCORES; k++)
			e->pos |= (uint64_t)(ev->score[k] + 1) <<
			    (POS_ANS_SHIFT + ans_shift[k]);
	if (f->per_session && (ev->session == NULL || ev->session_len == 0))
		e->pos |= POS_NOSESS;
	if (f->evsize > offsetof(struct pev, by)) {
		e->by = NONE;
		v = f->by_slot < 0 ? NULL : jn_record_get(rec, f->by_slot,
		    &len);
		if (v != NULL && len > 0)
			e->by = jn_intern_put(&f->byvals, v, len);
	}
	if (f->value_field != NULL) {
		double d = 0;

		/* a goal without a number is worth 0 */
		if (!(flags & POS_GOAL) ||
		    jn_valexpr_get(&f->value_expr, rec, &d) != 0)
			d = 0;
		e->val = d;
	}
	return jn_units_put_record(&f->units, ev, e);
}

/* ---- counting ---- */

static void
tally_release(struct tally *t)
{
	size_t i;

	for (i = 0; i < jn_intern_count(&t->ekeys); i++)
		jn_samples_release(&t->e[i].times);
	for (i = 0; i < jn_intern_count(&t->vkeys); i++)
		jn_samples_release(&t->v[i].times);
	jn_intern_release(&t->ekeys);
	jn_intern_release(&t->vkeys);
	jn_intern_release(&t->akeys);
	free(t->e);
	free(t->v);
	free(t->a);
	free(t->w);
	free(t->ptp);
	free(t->pfirst);
	free(t->plast);
	free(t->pflags);
	free(t->key);
	free(t->cache);
	free(t->dense);
}

static uint32_t
edge_lookup(struct tally *t, uint32_t by, int32_t step, uint32_t from,
    uint32_t to)
{
	uint32_t key[4] = { by, from, to, (uint32_t)step }, id;
	struct edge_slot *c;
	size_t before;

	if (t->cache == NULL) {
		t->cache = jn_xmalloc(sizeof *t->cache << CACHE_BITS);
		memset(t->cache, 0xff, sizeof *t->cache << CACHE_BITS);
	}
	c = &t->cache[(uint32_t)(((uint64_t)from * 0x9e3779b97f4a7c15u ^
	    (uint64_t)to * 0xc2b2ae3d27d4eb4fu ^ by ^
	    (uint64_t)(uint32_t)step << 32) >> 40) &
	    ((1u << CACHE_BITS) - 1)];
	if (c->from == from && c->to == to && c->by == by &&
	    c->step == step && c->id != NONE)
		return c->id;
	before = jn_intern_count(&t->ekeys);
	id = jn_intern_put(&t->ekeys, (const char *)key, sizeof key);
	if (id >= before) {
		t->e = jn_xgrow(t->e, &t->ecap, (size_t)id + 1, sizeof *t->e);
		memset(&t->e[id], 0, sizeof t->e[id]);
	}
	if (t->e[id].transitions == 0) {
		t->e[id].by = by;
		t->e[id].from = from;
		t->e[id].to = to;
		t->e[id].step = step;
	}
	c->step = step;
	c->by = by;
	c->from = from;
	c->to = to;
	c->id = id;
	return id;
}

/*
 * The id of edge (by, step, from, to), made when new.  The moves of
 * views edges and next without --by between the first DENSE - 1
 * touchpoints (the ends of a path included) are looked up in a matrix.
 */
static inline uint32_t
edge_for(struct tally *t, uint32_t by, int32_t step, uint32_t from,
    uint32_t to)
{
	uint32_t a = from == TP_START ? 0 : from < DENSE - 1 ? from + 1 : DENSE;
	uint32_t b = to == TP_END ? 0 : to < DENSE - 1 ? to + 1 : DENSE;
	uint32_t *d;

	if (by != NONE || step != 0 || a >= DENSE || b >= DENSE)
		return edge_lookup(t, by, step, from, to);
	if (t->dense == NULL)
		t->dense = jn_xcalloc(DENSE * DENSE, sizeof *t->dense);
	d = &t->dense[a * DENSE + b];
	if (*d == 0)
		*d = edge_lookup(t, by, step, from, to) + 1;
	return *d - 1;
}

/*
 * A move of the current path into edge e, whose destination is element
 * dest of the path: the unit converts after it when its last goal is at
 * dest or later.
 */
static inline void
count_move(struct tally *t, struct edge *e, size_t dest, long lastgoal)
{
	e->transitions++;
	if (e->mark != t->serial) {
		e->mark = t->serial;
		e->units++;
		e->converted += lastgoal >= (long)dest;
		if (t->psc.responses > 0)
			jn_scores_merge(&e->sc, &t->psc);
	}
}

/*
 * A move of the current path from one touchpoint to the next, whose
 * destination is element dest of the path, dt after the one before.
 */
static void
add_move(struct tally *t, uint32_t by, int32_t step, uint32_t from,
    uint32_t to, size_t dest, long lastgoal, int64_t dt)
{
	uint32_t id = edge_for(t, by, step, from, to);
	struct edge *e = &t->e[id];	/* after the table grew */

	count_move(t, e, dest, lastgoal);
	if (from != TP_START && to != TP_END)
		jn_samples_add(&e->times, dt);
}

/* Views edges and next: the moves between the m elements of the path. */
static void
add_moves(struct tally *t, uint32_t by, size_t m, long lastgoal)
{
	size_t i;

	for (i = 0; i + 1 < m; i++) {
		uint32_t id = edge_for(t, by, 0, t->ptp[i], t->ptp[i + 1]);
		struct edge *e = &t->e[id];	/* after the table grew */

		count_move(t, e, i + 1, lastgoal);
		jn_samples_add(&e->times, t->pfirst[i + 1] - t->plast[i]);
	}
}

/*
 * Word i of key k: the table's strings are bytes, not aligned for
 * uint32_t, so keys are read a word at a time through memcpy.
 */
static uint32_t
key_word(const void *k, size_t i)
{
	uint32_t w;

	memcpy(&w, (const char *)k + i * sizeof w, sizeof w);
	return w;
}

/*
 * A variant's key is its breakdown value (4 bytes), then its
 * touchpoints, t->kw bytes each: 1 while every id met is below 2^8, 2
 * below 2^16, else 4.  A log's touchpoints are few: its keys then take
 * a quarter of the room, and hash and compare in a quarter of the time.
 */

/* Touchpoint i of the key's touchpoints at tps. */
static uint32_t
variant_tp(const struct tally *t, const char *tps, size_t i)
{
	uint16_t w;

	switch (t->kw) {
	case 1:
		return (unsigned char)tps[i];
	case 2:
		memcpy(&w, tps + i * sizeof w, sizeof w);
		return w;
	default:
		return key_word(tps, i);
	}
}

/* The key of the m touchpoints tp in width kw into t->key: its bytes. */
static size_t
variant_key(struct tally *t, unsigned kw, uint32_t by, const uint32_t *tp,
    size_t m)
{
	char *k;
	size_t i;

	t->key = jn_xgrow(t->key, &t->keycap, m + 1, sizeof *t->key);
	k = (char *)t->key;
	memcpy(k, &by, sizeof by);
	for (i = 0; i < m; i++) {
		uint16_t w = (uint16_t)tp[i];

		if (kw == 1)
			k[4 + i] = (char)(unsigned char)tp[i];
		else if (kw == 2)
			memcpy(k + 4 + i * sizeof w, &w, sizeof w);
		else
			memcpy(k + 4 + i * sizeof *tp, &tp[i], sizeof *tp);
	}
	return 4 + m * kw;
}

/* t's variants keyed anew in width kw, wider: their ids stay. */
static void
widen_keys(struct tally *t, unsigned kw)
{
	struct jn_intern keys;
	uint32_t *w = NULL, id;
	size_t cap = 0, i, l, n = jn_intern_count(&t->vkeys), len, m;

	jn_intern_init(&keys);
	for (i = 0; i < n; i++) {
		const char *k = jn_intern_str(&t->vkeys, (uint32_t)i, &len);

		m = t->kw > 0 ? (len - 4) / t->kw : 0;	/* kw 0: none */
		w = jn_xgrow(w, &cap, m + 1, sizeof *w);
		for (l = 0; l < m; l++)
			w[l] = variant_tp(t, k + 4, l);
		len = variant_key(t, kw, key_word(k, 0), w, m);
		id = jn_intern_put(&keys, (const char *)t->key, len);
		assert(id == i);
		(void)id;
	}
	free(w);
	jn_intern_release(&t->vkeys);
	t->vkeys = keys;
	t->kw = kw;
}

/*
 * Variant id's row, which may be new (ids from before on are): a new
 * row zeroed alone, so that the room past it stays untouched.
 */
static void
variant_row(struct tally *t, uint32_t id, size_t before, uint32_t by,
    size_t m)
{
	if (id >= before) {
		t->v = jn_xgrow(t->v, &t->vcap, (size_t)id + 1, sizeof *t->v);
		memset(&t->v[id], 0, sizeof t->v[id]);
	}
	if (t->v[id].units == 0) {
		t->v[id].by = by;
		t->v[id].len = (uint32_t)m;
	}
}

/* The variant of the m touchpoints tp. */
static uint32_t
variant_for(struct tally *t, uint32_t by, const uint32_t *tp, size_t m)
{
	uint32_t id, any = 0;
	size_t i, len, before;
	unsigned kw;

	for (i = 0; i < m; i++)
		any |= tp[i];
	kw = any < 256 ? 1 : any < 65536 ? 2 : 4;
	if (kw > t->kw)
		widen_keys(t, kw);
	len = variant_key(t, t->kw, by, tp, m);
	before = jn_intern_count(&t->vkeys);
	id = jn_intern_put(&t->vkeys, (const char *)t->key, len);
	variant_row(t, id, before, by, m);
	return id;
}

/*
 * Variants of from added into to, by key.  Keys of the same width are
 * looked up as they are, a few ahead of their hashes' slots fetched
 * (the table of a large log's variants is far larger than the cache);
 * narrower ones are keyed anew.
 */
#define MERGE_AHEAD 8
static void
merge_variants(struct tally *to, struct tally *from)
{
	size_t nv = jn_intern_count(&from->vkeys), i, k, len, before;
	uint64_t h[MERGE_AHEAD];
	uint32_t *tp = NULL, id;
	size_t tpcap = 0, l, m;

	if (nv == 0)
		return;
	if (from->kw > to->kw)
		widen_keys(to, from->kw);
	for (i = 0; i < nv + MERGE_AHEAD; i++) {
		const char *key;
		struct variant *d;

		/* variant k = i - MERGE_AHEAD, then i's hash in its place */
		if (i >= MERGE_AHEAD) {
			k = i - MERGE_AHEAD;
			key = jn_intern_str(&from->vkeys, (uint32_t)k, &len);
			m = (len - 4) / from->kw;
			if (from->kw == to->kw) {
				before = jn_intern_count(&to->vkeys);
				id = jn_intern_put_hash(&to->vkeys, key, len,
				    h[k % MERGE_AHEAD]);
				variant_row(to, id, before, key_word(key, 0),
				    m);
			} else {
				tp = jn_xgrow(tp, &tpcap, m + 1, sizeof *tp);
				for (l = 0; l < m; l++)
					tp[l] = variant_tp(from, key + 4, l);
				id = variant_for(to, key_word(key, 0), tp, m);
			}
			d = &to->v[id];
			d->units += from->v[k].units;
			d->converted += from->v[k].converted;
			jn_samples_take(&d->times, &from->v[k].times);
		}
		if (i < nv && from->kw == to->kw) {
			key = jn_intern_str(&from->vkeys, (uint32_t)i, &len);
			h[i % MERGE_AHEAD] = jn_hash(key, len);
			jn_intern_prefetch_hash(&to->vkeys,
			    h[i % MERGE_AHEAD]);
		}
	}
	free(tp);
}

/* Event i of records of f->evsize bytes at base. */
#define EV(f, base, i) ((struct pev *)(void *)((char *)(base) + \
	(i) * (f)->evsize))

/*
 * View steps, on the path in t (m elements): from the first element
 * matching --from (or the path's start), the moves of steps 1 to
 * --depth, the last one to (end) when the path ends sooner; with --to,
 * the moves of steps -1 (into the first element matching it) back to
 * -depth, the first one from (start) when the path begins later.  A path
 * without the element is not counted.
 */
static void
count_steps(const struct jpath *f, struct tally *t, uint32_t by, size_t m,
    long lastgoal)
{
	size_t a = 0, i;
	int32_t s;

	if (f->to_text != NULL) {
		while (a < m && !(t->pflags[a] & PF_TO))
			a++;
		if (a == m)
			return;
		for (s = 1; s <= f->depth; s++) {
			if (a < (size_t)s) {
				add_move(t, by, -s, TP_START, t->ptp[0], 0,
				    lastgoal, 0);
				break;
			}
			i = a - (size_t)s;
			add_move(t, by, -s, t->ptp[i], t->ptp[i + 1], i + 1,
			    lastgoal, t->pfirst[i + 1] - t->plast[i]);
		}
		return;
	}
	if (f->from_text != NULL) {
		while (a < m && !(t->pflags[a] & PF_FROM))
			a++;
		if (a == m)
			return;
	}
	for (s = 1; s <= f->depth; s++) {
		i = a + (size_t)s - 1;
		if (i + 1 >= m) {
			/* an end converted if the flow did at all */
			add_move(t, by, s, t->ptp[i], TP_END, a, lastgoal, 0);
			break;
		}
		add_move(t, by, s, t->ptp[i], t->ptp[i + 1], i + 1, lastgoal,
		    t->pfirst[i + 1] - t->plast[i]);
	}
}

/*
 * The attribution row of (by, tp) in t, made empty when new: valid until
 * the next call (the rows may move).
 */
static struct attr *
attr_for(struct tally *t, uint32_t by, uint32_t tp)
{
	uint32_t key[2] = { by, tp }, id;
	size_t before = jn_intern_count(&t->akeys);

	id = jn_intern_put(&t->akeys, (const char *)key, sizeof key);
	if (id >= t->acap)
		t->a = jn_xgrow(t->a, &t->acap, (size_t)id + 1, sizeof *t->a);
	if (id >= before) {
		memset(&t->a[id], 0, sizeof t->a[id]);
		t->a[id].by = by;
		t->a[id].tp = tp;
	}
	return &t->a[id];
}

/* Add credit c of a conversion worth v to tp's row under model k. */
static void
credit(struct tally *t, uint32_t by, uint32_t tp, int k, double c, double v)
{
	struct attr *a = attr_for(t, by, tp);

	fx_add(&a->credit[k], c);
	fx_add(&a->vcredit[k], c * v);
}

/*
 * Attribution: the path of m touchpoints in t->ptp (their times in
 * t->plast), which ends in a conversion worth v (conv) or does not.
 * Every path is kept as a variant for the Markov chain; a conversion
 * also gives each model's credit to its touchpoints.  A conversion
 * with no touchpoint before it is (direct)'s in every model.
 */
static void
attr_path(const struct jpath *f, struct tally *t, uint32_t by, size_t m,
    int conv, double v)
{
	size_t i;
	uint32_t id;
	double sum = 0;
	struct attr *a;
	int k;

	if (m == 0) {
		if (!conv)
			return;
		a = attr_for(t, by, TP_DIRECT);
		a->conversions++;
		fx_add(&a->value, v);
		for (k = 0; k < NHEUR; k++) {
			fx_add(&a->credit[k], 1);
			fx_add(&a->vcredit[k], v);
		}
		return;
	}
	id = variant_for(t, by, t->ptp, m);
	t->v[id].units++;
	t->v[id].converted += (uint64_t)conv;
	t->serial++;
	for (i = 0; i < m; i++) {
		/* every touchpoint has a row: Markov may credit it */
		a = attr_for(t, by, t->ptp[i]);
		if (conv && a->mark != t->serial) {
			a->mark = t->serial;
			a->conversions++;
			fx_add(&a->value, v);
		}
	}
	if (!conv)
		return;
	a = attr_for(t, by, TP_END);
	a->conversions++;
	fx_add(&a->value, v);
	credit(t, by, t->ptp[0], M_FIRST, 1, v);
	credit(t, by, t->ptp[m - 1], M_LAST, 1, v);
	for (i = 0; i < m; i++)
		credit(t, by, t->ptp[i], M_LINEAR, 1.0 / (double)m, v);
	/* 40/20/40; one touchpoint takes all, two take half each */
	for (i = 0; i < m; i++)
		credit(t, by, t->ptp[i], M_POSITION, m == 1 ? 1 : m == 2 ?
		    0.5 : i == 0 || i == m - 1 ? 0.4 : 0.2 / (double)(m - 2),
		    v);
	/*
	 * Time decay: 2^(-age / half-life), age from the touch to the
	 * conversion; taken relative to the last touch (the common factor
	 * cancels), so that old paths do not underflow to 0/0.
	 */
	for (i = 0; i < m; i++) {
		t->w[i] = exp2(-(double)(t->plast[m - 1] - t->plast[i]) /
		    (double)f->half_life);
		sum += t->w[i];
	}
	for (i = 0; i < m; i++)
		credit(t, by, t->ptp[i], M_DECAY, t->w[i] / sum, v);
}

/*
 * Attribution over one unit's n events at ev, in path order: cut after
 * each goal event (never a touchpoint), and once more at the end.
 */
static void
count_attr(const struct jpath *f, struct tally *t, void *ev, size_t n,
    uint32_t by)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		const struct pev *e = EV(f, ev, i);

		if (e->pos & POS_GOAL) {
			attr_path(f, t, by, m, 1, f->value_field ? e->val : 0);
			m = 0;
			continue;
		}
		if (f->collapse && m > 0 && t->ptp[m - 1] == e->tp) {
			t->plast[m - 1] = e->ts;
			continue;
		}
		t->ptp[m] = e->tp;
		t->plast[m] = e->ts;
		m++;
	}
	attr_path(f, t, by, m, 0, 0);
}

/* The answers of the n events at ev into t->psc, afresh. */
static void
path_scores(const struct jpath *f, struct tally *t, void *ev, size_t n)
{
	size_t i;
	int k;

	memset(&t->psc, 0, sizeof t->psc);
	for (i = 0; i < n; i++) {
		uint64_t a = (EV(f, ev, i)->pos & ~POS_FLAGS) >>
		    POS_ANS_SHIFT;
		int8_t ans[JN_NSCORES];

		if (a == 0)
			continue;
		for (k = 0; k < JN_NSCORES; k++)
			ans[k] = (int8_t)((int)(a >> ans_shift[k] &
			    ans_mask[k]) - 1);
		jn_scores_add(&t->psc, ans);
	}
}

/*
 * View next: the path's answers, once to each touchpoint of the m in
 * t->ptp (the path's serial marks them).
 */
static void
credit_touchpoints(struct tally *t, uint32_t by, size_t m)
{
	size_t i;

	for (i = 0; i < m; i++) {
		struct attr *a = attr_for(t, by, t->ptp[i]);

		if (a->mark != t->serial) {
			a->mark = t->serial;
			jn_scores_merge(&a->sc, &t->psc);
		}
	}
}

/* One path: the n > 0 events at ev, in path order. */
static void
count_path(const struct jpath *f, struct tally *t, void *ev, size_t n)
{
	uint32_t by = NONE;
	size_t i, m = 0;
	long lastgoal = -1;

	if (n > t->pcap) {
		size_t cap = t->pcap;

		t->ptp = jn_xgrow(t->ptp, &cap, n, sizeof *t->ptp);
		cap = t->pcap;
		t->pfirst = jn_xgrow(t->pfirst, &cap, n, sizeof *t->pfirst);
		cap = t->pcap;
		t->plast = jn_xgrow(t->plast, &cap, n, sizeof *t->plast);
		cap = t->pcap;
		t->w = jn_xgrow(t->w, &cap, n, sizeof *t->w);
		t->pflags = jn_xgrow(t->pflags, &t->pcap, n,
		    sizeof *t->pflags);
	}
	if (f->view == VIEW_ATTRIBUTION) {
		for (i = 0; i < n && by == NONE && f->by_slot >= 0; i++)
			by = EV(f, ev, i)->by;
		count_attr(f, t, ev, n, by);
		return;
	}
	for (i = 0; i < n; i++) {
		const struct pev *e = EV(f, ev, i);
		uint8_t pf = (uint8_t)(((e->pos & POS_GOAL) ? PF_GOAL : 0) |
		    ((e->pos & POS_FROM) ? PF_FROM : 0) |
		    ((e->pos & POS_TO) ? PF_TO : 0));

		if (by == NONE && f->by_slot >= 0)
			by = e->by;
		if (f->collapse && m > 0 && t->ptp[m - 1] == e->tp) {
			t->plast[m - 1] = e->ts;
			t->pflags[m - 1] |= pf;
			continue;
		}
		t->ptp[m] = e->tp;
		t->pfirst[m] = t->plast[m] = e->ts;
		t->pflags[m] = pf;
		m++;
	}
	for (i = 0; i < m; i++)
		if (t->pflags[i] & PF_GOAL)
			lastgoal = (long)i;
	t->serial++;
	if (f->scores) {
		path_scores(f, t, ev, n);
		if (f->view == VIEW_NEXT && t->psc.responses > 0)
			credit_touchpoints(t, by, m);
	}
	if (f->view == VIEW_VARIANTS) {
		uint32_t id = variant_for(t, by, t->ptp, m);

		t->v[id].units++;
		t->v[id].converted += lastgoal >= 0;
		jn_samples_add(&t->v[id].times, t->plast[m - 1] -
		    t->pfirst[0]);
		return;
	}
	if (f->view == VIEW_STEPS) {
		count_steps(f, t, by, m, lastgoal);
		return;
	}
	if (f->view == VIEW_EDGES)
		add_move(t, by, 0, TP_START, t->ptp[0], 0, lastgoal, 0);
	add_moves(t, by, m, lastgoal);
	/* as (start): the units that converted at all */
	add_move(t, by, 0, t->ptp[m - 1], TP_END, 0, lastgoal, 0);
}

/* Ties in time go by input position. */
static int
pos_cmp(const void *pa, const void *pb)
{
	const struct pev *a = pa, *b = pb;
	uint64_t x = a->pos & POS_MASK, y = b->pos & POS_MASK;

	return x < y ? -1 : x > y;
}

/*
 * Attribution: a goal event after the other events of its time, so that
 * a touch logged at the instant of the conversion counts for it, and
 * the paths cut alike whatever the input's order.
 */
static int
goal_last_cmp(const void *pa, const void *pb)
{
	const struct pev *a = pa, *b = pb;
	int ga = (a->pos & POS_GOAL) != 0, gb = (b->pos & POS_GOAL) != 0;

	return ga != gb ? ga - gb : pos_cmp(pa, pb);
}

/*
 * One unit, handed over by the engine: its events in path order, cut
 * into sessions by --session-gap when the unit is a user's events
 * without a session value, each path counted into acc.
 */
static void
count_unit(void *tool, void *acc, const struct jn_unit *u, void *rec,
    size_t n)
{
	const struct jpath *f = tool;
	struct jpath *a = acc;
	size_t i, s;

	(void)u;
	if (n == 0)
		return;
	jn_sort_by_time(rec, n, f->evsize, f->view == VIEW_ATTRIBUTION ?
	    goal_last_cmp : pos_cmp);
	if (!(EV(f, rec, 0)->pos & POS_NOSESS)) {
		count_path(f, &a->t, rec, n);
		return;
	}
	for (s = 0, i = 1; i <= n; i++)
		if (i == n || EV(f, rec, i)->ts - EV(f, rec, i - 1)->ts >
		    f->common.session_gap) {
			count_path(f, &a->t, EV(f, rec, s), i - s);
			s = i;
		}
}

/* ---- -j: the engine's hooks ---- */

/*
 * Each reading thread interned its own touchpoints and breakdown values:
 * they move into the main state's tables before counting, and the
 * records to its ids, so that every counting thread's edges and variants
 * are keyed alike and merge by key.
 */
static void
prepare_workers(void *tool, void *const *w, int n)
{
	struct jpath *f = tool;
	int k;

	if (n == 0)
		return;
	jn_idmap_init(&f->tpmap, n);
	jn_idmap_init(&f->bymap, n);
	for (k = 0; k < n; k++) {
		struct jpath *wk = w[k];

		jn_idmap_merge(&f->tpmap, k, &f->tps, &wk->tps);
		jn_idmap_merge(&f->bymap, k, &f->byvals, &wk->byvals);
	}
}

static void
remap_event(const void *tool, int k, void *rec)
{
	const struct jpath *f = tool;
	struct pev *e = rec;

	e->tp = jn_idmap_get(&f->tpmap, k, e->tp);
	if (f->by_slot >= 0)	/* else the record ends before by */
		e->by = jn_idmap_get(&f->bymap, k, e->by);
}

/* Add attribution row s into d (the same key). */
static void
attr_merge(struct attr *d, const struct attr *s)
{
	int k;

	d->conversions += s->conversions;
	jn_scores_merge(&d->sc, &s->sc);
	fx_merge(&d->value, &s->value);
	for (k = 0; k < NHEUR; k++) {
		fx_merge(&d->credit[k], &s->credit[k]);
		fx_merge(&d->vcredit[k], &s->vcredit[k]);
	}
}

/* Does t hold nothing counted? */
static int
tally_empty(const struct tally *t)
{
	return jn_intern_count(&t->ekeys) == 0 &&
	    jn_intern_count(&t->vkeys) == 0 &&
	    jn_intern_count(&t->akeys) == 0;
}

/*
 * Add tally from (same touchpoint and value ids) into to, by key; from
 * is left with what is of no more use.  Into an empty tally, from moves
 * whole (row ids follow first appearance, and nothing written depends on
 * them); else the samples move over, the smaller collection onto the
 * larger.
 */
static void
tally_merge(struct tally *to, struct tally *from)
{
	size_t i, ne = jn_intern_count(&from->ekeys);
	uint32_t *map;

	if (tally_empty(to)) {
		struct tally t = *to;

		*to = *from;
		*from = t;
		return;
	}

	map = jn_xmalloc((ne + 1) * sizeof *map);
	for (i = 0; i < ne; i++) {
		const struct edge *s = &from->e[i];	/* before the move */
		struct edge *d;

		map[i] = edge_for(to, s->by, s->step, s->from, s->to);
		d = &to->e[map[i]];
		d->transitions += s->transitions;
		d->units += s->units;
		d->converted += s->converted;
		jn_scores_merge(&d->sc, &s->sc);
		jn_samples_take(&d->times, &from->e[i].times);
	}
	free(map);
	merge_variants(to, from);
	for (i = 0; i < jn_intern_count(&from->akeys); i++)
		attr_merge(attr_for(to, from->a[i].by, from->a[i].tp),
		    &from->a[i]);
}

static void
merge_acc(void *tool, void *acc)
{
	struct jpath *f = tool;

	tally_merge(&f->t, &((struct jpath *)acc)->t);
}

/* ---- ordering ---- */

/* The quantiles a table reads: the median, and p90 of the moves. */
static const double table_q[] = { JN_SAMPLES_MEDIAN, 0.9 };
#define NTABLE_Q (sizeof table_q / sizeof table_q[0])

/*
 * Every edge's median, p90 and mean time and every variant's median: a
 * selection, not a sort, since no more is read.
 */
static void
time_stats(struct tally *t)
{
	size_t i;

	for (i = 0; i < jn_intern_count(&t->ekeys); i++) {
		const struct jn_samples *s = &t->e[i].times;
		double q[NTABLE_Q];

		jn_samples_quantiles_mean(&s, 1, table_q, NTABLE_Q, q,
		    &t->e[i].mean);
		t->e[i].med = q[0];
		t->e[i].p90 = q[1];
	}
	for (i = 0; i < jn_intern_count(&t->vkeys); i++) {
		const struct jn_samples *s = &t->v[i].times;

		jn_samples_quantiles(&s, 1, table_q, 1, &t->v[i].med);
	}
}

/* Every edge's and variant's times in order, as a state writes them. */
static void
sort_times(struct tally *t)
{
	size_t i;

	for (i = 0; i < jn_intern_count(&t->ekeys); i++)
		jn_samples_sort(&t->e[i].times);
	for (i = 0; i < jn_intern_count(&t->vkeys); i++)
		jn_samples_sort(&t->v[i].times);
}

/* The ranks of touchpoints and values, for every order written. */
struct order {
	const struct jpath *f;
	uint32_t *tprank, *byrank;
	uint64_t *gunits;	/* per value id (NONE: the last), paths */
	uint32_t *aids;		/* attribution rows, in order (--partial) */
};

static struct order ord;

static int
by_cmp(uint32_t a, uint32_t b)
{
	uint64_t ua, ub;
	size_t nb = jn_intern_count(&ord.f->byvals);

	if (a == b)
		return 0;
	ua = ord.gunits[a == NONE ? nb : a];
	ub = ord.gunits[b == NONE ? nb : b];
	if (ua != ub)
		return ua > ub ? -1 : 1;
	if (a == NONE || b == NONE)
		return a == NONE ? 1 : -1;
	return ord.byrank[a] < ord.byrank[b] ? -1 : 1;
}

/* Touchpoints by their strings; the ends of a path before any. */
static int
tp_cmp(uint32_t a, uint32_t b)
{
	if (a == b)
		return 0;
	if (a >= TP_END || b >= TP_END)
		return a > b ? -1 : 1;
	return ord.tprank[a] < ord.tprank[b] ? -1 : 1;
}

/* 0: (start) rows, 1: moves between touchpoints, 2: (end) rows */
static int
block_of(const struct edge *e)
{
	return e->from == TP_START ? 0 : e->to == TP_END ? 2 : 1;
}

/* next: by touchpoint, then by transitions, most first, then next */
static int
next_order(const void *pa, const void *pb)
{
	const struct edge *e = ord.f->t.e;
	const struct edge *a = &e[*(const uint32_t *)pa];
	const struct edge *b = &e[*(const uint32_t *)pb];
	int c;

	if ((c = by_cmp(a->by, b->by)) != 0)
		return c;
	if ((c = tp_cmp(a->from, b->from)) != 0)
		return c;
	if (a->transitions != b->transitions)
		return a->transitions > b->transitions ? -1 : 1;
	return tp_cmp(a->to, b->to);
}

/* steps: by step, then by units, most first, then from and to */
static int
step_order(const void *pa, const void *pb)
{
	const struct edge *e = ord.f->t.e;
	const struct edge *a = &e[*(const uint32_t *)pa];
	const struct edge *b = &e[*(const uint32_t *)pb];
	int c;

	if ((c = by_cmp(a->by, b->by)) != 0)
		return c;
	if (a->step != b->step)
		return a->step < b->step ? -1 : 1;
	if (a->units != b->units)
		return a->units > b->units ? -1 : 1;
	if ((c = tp_cmp(a->from, b->from)) != 0)
		return c;
	return tp_cmp(a->to, b->to);
}

static int
edge_order(const void *pa, const void *pb)
{
	const struct edge *e = ord.f->t.e;
	const struct edge *a = &e[*(const uint32_t *)pa];
	const struct edge *b = &e[*(const uint32_t *)pb];
	int c;

	if ((c = by_cmp(a->by, b->by)) != 0)
		return c;
	if (block_of(a) != block_of(b))
		return block_of(a) - block_of(b);
	if (a->transitions != b->transitions)
		return a->transitions > b->transitions ? -1 : 1;
	if ((c = tp_cmp(a->from, b->from)) != 0)
		return c;
	return tp_cmp(a->to, b->to);
}

/* The touchpoints of variant id, for variant_tp. */
static const char *
variant_tps(const struct tally *t, uint32_t id)
{
	return jn_intern_str(&t->vkeys, id, NULL) + 4;
}

static int
variant_order(const void *pa, const void *pb)
{
	const struct tally *t = &ord.f->t;
	uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
	const struct variant *a = &t->v[ia], *b = &t->v[ib];
	const char *ta, *tb;
	size_t i;
	int c;

	if ((c = by_cmp(a->by, b->by)) != 0)
		return c;
	if (a->units != b->units)
		return a->units > b->units ? -1 : 1;
	ta = variant_tps(t, ia);
	tb = variant_tps(t, ib);
	for (i = 0; i < a->len && i < b->len; i++)
		if ((c = tp_cmp(variant_tp(t, ta, i),
		    variant_tp(t, tb, i))) != 0)
			return c;
	return (a->len > b->len) - (a->len < b->len);
}

/*
 * A variant's place in variant_order, as numbers to compare before its
 * touchpoints: the rank of its group, its units, and its first
 * touchpoints' ranks packed (each rank + 1, 0 past the end, the first in
 * the top bits), which tell most variants of equal units apart without
 * reading their keys.
 */
struct vsort {
	int64_t key;		/* order_variants' radix key */
	uint64_t group, units, pre;
	uint32_t id, pad;
};

static int
vsort_cmp(const void *pa, const void *pb)
{
	const struct vsort *a = pa, *b = pb;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->units != b->units)
		return a->units > b->units ? -1 : 1;
	if (a->pre != b->pre)
		return a->pre < b->pre ? -1 : 1;
	return variant_order(&a->id, &b->id);
}

static int
by_order(const void *pa, const void *pb)
{
	return by_cmp(*(const uint32_t *)pa, *(const uint32_t *)pb);
}

/* Bits to hold the numbers 0 to x. */
static unsigned
bits_for(uint64_t x)
{
	unsigned b = 0;

	while (b < 64 && x >> b != 0)
		b++;
	return b;
}

/*
 * vs[0..n) in vsort_cmp's order, groups ranked below gmax: by radix on
 * a key of the group, the units (most first) and as many of pre's top
 * bits as fit in 63 bits (jn_sort_by_time), then each run of equal keys
 * by vsort_cmp.  The key orders as vsort_cmp does on what it holds, so
 * that the result is qsort's, without a call per comparison.
 */
static void
sort_vsort(struct vsort *vs, size_t n, uint64_t gmax)
{
	uint64_t umax = 0;
	unsigned gb, ub, rem;
	size_t i, j;

	for (i = 0; i < n; i++)
		umax = vs[i].units > umax ? vs[i].units : umax;
	gb = bits_for(gmax);
	ub = bits_for(umax);
	if (gb + ub > 63 - 8) {
		qsort(vs, n, sizeof *vs, vsort_cmp);
		return;
	}
	rem = 63 - gb - ub;
	for (i = 0; i < n; i++)
		vs[i].key = (int64_t)((gb > 0 ? vs[i].group << (63 - gb) :
		    0) | (umax - vs[i].units) << rem | vs[i].pre >> (64 - rem));
	jn_sort_by_time(vs, n, sizeof *vs, NULL);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && vs[j].key == vs[i].key; j++)
			;
		if (j - i > 1)
			qsort(vs + i, j - i, sizeof *vs, vsort_cmp);
	}
}

/* The count variants in ids, in variant_order. */
static void
order_variants(const struct jpath *f, uint32_t *ids, size_t count)
{
	const struct tally *t = &f->t;
	size_t nb = jn_intern_count(&f->byvals), ntp = jn_intern_count(&f->tps);
	size_t i, l, k;
	uint32_t *bys = jn_xmalloc((nb + 1) * sizeof *bys);
	uint32_t *grank = jn_xmalloc((nb + 1) * sizeof *grank);
	struct vsort *vs = jn_xmalloc((count + 1) * sizeof *vs);
	unsigned bits = 1;

	/* the groups' ranks: none (NONE) at nb */
	for (i = 0; i < nb; i++)
		bys[i] = (uint32_t)i;
	bys[nb] = NONE;
	qsort(bys, nb + 1, sizeof *bys, by_order);
	for (i = 0; i <= nb; i++)
		grank[bys[i] == NONE ? nb : bys[i]] = (uint32_t)i;
	while (bits < 64 && (UINT64_C(1) << bits) <= ntp)
		bits++;
	k = 64 / bits;
	for (i = 0; i < count; i++) {
		const struct variant *v = &t->v[ids[i]];
		const char *tp = variant_tps(t, ids[i]);

		vs[i].group = grank[v->by == NONE ? nb : v->by];
		vs[i].units = v->units;
		vs[i].pre = 0;
		for (l = 0; l < v->len && l < k; l++)
			vs[i].pre |= (uint64_t)(ord.tprank[variant_tp(t, tp,
			    l)] + 1) << (64 - bits * (l + 1));
		vs[i].id = ids[i];
		vs[i].pad = 0;
		vs[i].key = 0;
	}
	sort_vsort(vs, count, (uint64_t)nb);
	for (i = 0; i < count; i++)
		ids[i] = vs[i].id;
	free(vs);
	free(grank);
	free(bys);
}

/* Does f's view count whole paths (variants), not moves? */
static int
keeps_variants(const struct jpath *f)
{
	return f->view == VIEW_VARIANTS || f->view == VIEW_ATTRIBUTION;
}

static int attr_order(const void *pa, const void *pb);

/*
 * The order of f's rows: groups by paths, most first, then by value
 * (none last); within a group as each view says.  Returns the ids in
 * order (caller frees); *n set.
 */
static uint32_t *
order_rows(struct jpath *f, size_t *n)
{
	size_t nb = jn_intern_count(&f->byvals), i, count;
	uint32_t *ids;

	ord.f = f;
	ord.tprank = jn_intern_ranks(&f->tps);
	ord.byrank = jn_intern_ranks(&f->byvals);
	ord.gunits = jn_xcalloc(nb + 1, sizeof *ord.gunits);
	count = !keeps_variants(f) ? jn_intern_count(&f->t.ekeys) :
	    jn_intern_count(&f->t.vkeys);
	ids = jn_xmalloc((count + 1) * sizeof *ids);
	for (i = 0; i < count; i++) {
		ids[i] = (uint32_t)i;
		if (!keeps_variants(f)) {
			const struct edge *e = &f->t.e[i];

			/* the paths of a group: its (end) rows; steps: the
			 * first step's units */
			if (f->view == VIEW_STEPS ? e->step == (f->to_text ?
			    -1 : 1) : e->to == TP_END)
				ord.gunits[e->by == NONE ? nb : e->by] +=
				    e->transitions;
		} else {
			const struct variant *v = &f->t.v[i];

			ord.gunits[v->by == NONE ? nb : v->by] += v->units;
		}
	}
	if (f->view == VIEW_VARIANTS)
		order_variants(f, ids, count);
	else
		qsort(ids, count, sizeof *ids, f->view == VIEW_EDGES ?
		    edge_order : f->view == VIEW_NEXT ? next_order :
		    f->view == VIEW_STEPS ? step_order : variant_order);
	if (f->view == VIEW_ATTRIBUTION) {
		size_t na = jn_intern_count(&f->t.akeys);

		ord.aids = jn_xmalloc((na + 1) * sizeof *ord.aids);
		for (i = 0; i < na; i++)
			ord.aids[i] = (uint32_t)i;
		qsort(ord.aids, na, sizeof *ord.aids, attr_order);
	}
	*n = count;
	return ids;
}

static void
order_release(void)
{
	free(ord.tprank);
	free(ord.byrank);
	free(ord.gunits);
	free(ord.aids);
	memset(&ord, 0, sizeof ord);
}

/* ---- output ---- */

static struct jn_cell
tp_cell(const struct jpath *f, uint32_t tp)
{
	size_t len;
	const char *s;

	if (tp == TP_START)
		return jn_cell_str("(start)", 7);
	if (tp == TP_END)
		return jn_cell_str("(end)", 5);
	if (tp == TP_DIRECT)
		return jn_cell_str("(direct)", 8);
	s = jn_intern_str(&f->tps, tp, &len);
	return jn_cell_str(s, len);
}

static struct jn_cell
by_cell(const struct jpath *f, uint32_t by)
{
	size_t len = 0;
	const char *s = by == NONE ? "" : jn_intern_str(&f->byvals, by, &len);

	return jn_cell_str(s, len);
}

static struct jn_cell
rate_cell(uint64_t a, uint64_t b)
{
	return b == 0 ? jn_cell_null() : jn_cell_num((double)a / (double)b);
}

static struct jn_cell
secs_cell(double ns)
{
	return isnan(ns) ? jn_cell_null() : jn_cell_num(ns / 1e9);
}

/* Is a row of count in a block whose rows add up to total kept? */
static int
kept(const struct jpath *f, size_t nkept, uint64_t count, uint64_t total)
{
	if (f->top > 0 && nkept >= f->top)
		return 0;
	return total == 0 || (double)count / (double)total >= f->min_share;
}

/*
 * Which edges ids[0..n) (in the table's order) stay, and each one's
 * block total (what its share is of): keep[i] and total[i].
 */
static void
prune_edges(const struct jpath *f, const uint32_t *ids, size_t n,
    uint8_t *keep, uint64_t *total)
{
	size_t i, j, k, nk;

	for (i = 0; i < n; i = j) {
		const struct edge *first = &f->t.e[ids[i]];
		uint64_t sum = 0;

		for (j = i; j < n; j++) {
			const struct edge *e = &f->t.e[ids[j]];

			if (e->by != first->by ||
			    block_of(e) != block_of(first))
				break;
			sum += e->transitions;
		}
		for (k = i, nk = 0; k < j; k++) {
			keep[k] = (uint8_t)kept(f, nk,
			    f->t.e[ids[k]].transitions, sum);
			nk += keep[k];
			total[k] = sum;
		}
	}
}

/*
 * View next's lift, into c[0..3): the conversion after a move (x1 of n1
 * units) minus the conversion after the touchpoint's other moves (x2 of
 * n2), in points, with Newcombe's 95% interval (markov.h); empty when
 * either side has no unit.
 */
static void
lift_cells(struct jn_cell *c, uint64_t x1, uint64_t n1, uint64_t x2,
    uint64_t n2)
{
	double lo, hi;

	if (n1 == 0 || n2 == 0) {
		c[0] = c[1] = c[2] = jn_cell_null();
		return;
	}
	jn_newcombe_diff(x1, n1, x2, n2, &lo, &hi);
	c[0] = jn_cell_num((double)x1 / (double)n1 - (double)x2 /
	    (double)n2);
	c[1] = jn_cell_num(lo);
	c[2] = jn_cell_num(hi);
}

/*
 * Survey columns (views edges and next): when answers were read, or
 * asked for by name (then empty without answers); input without either
 * keeps its table.
 */
static int
show_scores(const struct jpath *f)
{
	size_t i;
	int k;

	if (!f->scores)
		return 0;
	for (k = 0; k < JN_NSCORES; k++)
		if (f->common.score_field[k] != NULL)
			return 1;
	for (i = 0; i < jn_intern_count(&f->t.ekeys); i++)
		if (f->t.e[i].sc.responses > 0)
			return 1;
	return 0;
}

/*
 * The survey cells of sc at c (JN_SCORE_NCOLS of them, score.h): all
 * empty without sc.
 */
static void
score_cells(const struct jn_scores *sc, struct jn_cell *c)
{
	size_t k;

	if (sc == NULL) {
		for (k = 0; k < JN_SCORE_NCOLS; k++)
			c[k] = jn_cell_null();
		return;
	}
	(void)jn_scores_cells(sc, 1, c);
}

/* View next: the answers of the units that passed (by, tp). */
static const struct jn_scores *
tp_scores(const struct jpath *f, uint32_t by, uint32_t tp)
{
	static const struct jn_scores none;
	uint32_t key[2] = { by, tp };
	uint32_t id = jn_intern_find(&f->t.akeys, (const char *)key,
	    sizeof key);

	return id == UINT32_MAX ? &none : &f->t.a[id].sc;
}

static int
write_edges(struct jpath *f, struct jn_writer *w, const uint32_t *ids,
    size_t n)
{
	struct jn_cell c[24];
	struct jn_scores osc;
	int scores = show_scores(f);
	/* the times of the rows pruned into an (other) row */
	const struct jn_samples **pool = NULL;
	size_t i, j, k, nk, npool, poolcap = 0;
	int goal = f->goal != NULL;

	for (i = 0; i < n; i = j) {
		const struct edge *first = &f->t.e[ids[i]];
		uint64_t total = 0, tr = 0, un = 0, cv = 0, bun = 0, bcv = 0;
		int blk = block_of(first), next = f->view == VIEW_NEXT;
		const struct jn_scores *tsc = next ? tp_scores(f, first->by,
		    first->from) : NULL;
		int steps = f->view == VIEW_STEPS;

		/*
		 * A block: one group's (start) rows, moves or (end) rows;
		 * in view next, the moves out of one touchpoint.
		 */
		for (j = i; j < n; j++) {
			const struct edge *e = &f->t.e[ids[j]];

			if (e->by != first->by || (next ?
			    e->from != first->from : steps ?
			    e->step != first->step : block_of(e) != blk))
				break;
			total += e->transitions;
			bun += e->units;
			bcv += e->converted;
		}
		if (next || steps)
			blk = 1;
		npool = 0;
		memset(&osc, 0, sizeof osc);
		for (k = i, nk = 0; k < j; k++) {
			const struct edge *e = &f->t.e[ids[k]];
			size_t x = 0;

			if (!kept(f, nk, e->transitions, total)) {
				tr += e->transitions;
				un += e->units;
				cv += e->converted;
				jn_scores_merge(&osc, &e->sc);
				pool = jn_xgrow(pool, &poolcap, npool + 1,
				    sizeof *pool);
				pool[npool++] = &e->times;
				continue;
			}
			nk++;
			if (f->by_field)
				c[x++] = by_cell(f, e->by);
			if (steps) {
				c[x++] = jn_cell_int(e->step);
				c[x++] = tp_cell(f, e->from);
				c[x++] = tp_cell(f, e->to);
				c[x++] = jn_cell_int((int64_t)e->units);
				c[x++] = secs_cell(e->med);
				if (goal) {
					c[x++] = jn_cell_int(
					    (int64_t)e->converted);
					c[x++] = rate_cell(e->converted,
					    e->units);
				}
				jn_writer_row(w, c);
				continue;
			}
			c[x++] = tp_cell(f, e->from);
			c[x++] = tp_cell(f, e->to);
			c[x++] = jn_cell_int((int64_t)e->transitions);
			c[x++] = jn_cell_int((int64_t)e->units);
			c[x++] = rate_cell(e->transitions, total);
			c[x++] = secs_cell(e->med);
			if (!next) {
				c[x++] = secs_cell(e->p90);
				c[x++] = secs_cell(e->mean);
			}
			if (goal) {
				c[x++] = jn_cell_int((int64_t)e->converted);
				c[x++] = rate_cell(e->converted, e->units);
			}
			if (goal && next) {
				lift_cells(c + x, e->converted, e->units,
				    bcv - e->converted, bun - e->units);
				x += 3;
			}
			if (scores)
				score_cells(next ? tsc : &e->sc, c + x);
			jn_writer_row(w, c);
		}
		if (tr > 0) {
			size_t x = 0;
			double q[NTABLE_Q];

			/* a unit may make several of the moves pruned: their
			 * units do not add up, but the ends' do */
			jn_samples_quantiles(pool, npool, table_q, NTABLE_Q, q);
			if (f->by_field)
				c[x++] = by_cell(f, first->by);
			if (steps) {
				/* a unit makes one move a step: units add */
				c[x++] = jn_cell_int(first->step);
				c[x++] = jn_cell_str("(other)", 7);
				c[x++] = jn_cell_str("(other)", 7);
				c[x++] = jn_cell_int((int64_t)un);
				c[x++] = secs_cell(q[0]);
				if (goal) {
					c[x++] = jn_cell_int((int64_t)cv);
					c[x++] = rate_cell(cv, un);
				}
				jn_writer_row(w, c);
				continue;
			}
			c[x++] = blk == 0 ? tp_cell(f, TP_START) : next ?
			    tp_cell(f, first->from) : jn_cell_str("(other)", 7);
			c[x++] = blk == 2 ? tp_cell(f, TP_END) :
			    jn_cell_str("(other)", 7);
			c[x++] = jn_cell_int((int64_t)tr);
			c[x++] = blk == 1 ? jn_cell_null() :
			    jn_cell_int((int64_t)un);
			c[x++] = rate_cell(tr, total);
			c[x++] = secs_cell(q[0]);
			if (!next) {
				c[x++] = secs_cell(q[1]);
				c[x++] = secs_cell(jn_samples_mean_of(pool,
				    npool));
			}
			if (goal) {
				c[x++] = blk == 1 ? jn_cell_null() :
				    jn_cell_int((int64_t)cv);
				c[x++] = blk == 1 ? jn_cell_null() :
				    rate_cell(cv, un);
			}
			if (goal && next) {
				lift_cells(c + x, 0, 0, 0, 0);
				x += 3;
			}
			/* the moves' units do not add up, nor their answers */
			if (scores)
				score_cells(next ? tsc : blk == 1 ? NULL :
				    &osc, c + x);
			jn_writer_row(w, c);
		}
	}
	free(pool);
	return 0;
}

/* A variant's touchpoint names up to this long, with " > ", move whole. */
#define SHORT_NAME 16

#define ROWS_AHEAD 16	/* write_variants: rows fetched ahead */

static int
write_variants(struct jpath *f, struct jn_writer *w, const uint32_t *ids,
    size_t n)
{
	const struct variant *vs = f->t.v;
	struct jn_cell c[12];
	struct jn_strbuf b = { NULL, 0, 0 };
	/* the times of the variants pruned into an (other) row */
	const struct jn_samples **pool = NULL;
	size_t i, j, k, nk, l, npool, poolcap = 0;
	int goal = f->goal != NULL;
	/*
	 * The touchpoints' names, read once, each as " > " and the name;
	 * those of up to SHORT_NAME bytes also padded to SHORT_NAME in
	 * pad, to be copied in one constant-size move.
	 */
	size_t ntp = jn_intern_count(&f->tps), maxlen = 0;
	const char **name = jn_xmalloc((ntp + 1) * sizeof *name);
	size_t *nlen = jn_xmalloc((ntp + 1) * sizeof *nlen);
	char *pad = jn_xcalloc(ntp + 1, SHORT_NAME);

	for (i = 0; i < ntp; i++) {
		name[i] = jn_intern_str(&f->tps, (uint32_t)i, &nlen[i]);
		maxlen = nlen[i] > maxlen ? nlen[i] : maxlen;
		if (nlen[i] + 3 <= SHORT_NAME) {
			char *d = pad + i * SHORT_NAME;

			d[0] = ' ';
			d[1] = '>';
			d[2] = ' ';
			memcpy(d + 3, name[i], nlen[i]);
		}
	}

	/*
	 * Rows in rank order read the variants at random in memory (a
	 * third of the view's writing was cache misses at 280,000 of
	 * them): each pass fetches the variant ROWS_AHEAD rows on, and its
	 * touchpoints half as far.
	 */
	for (i = 0; i < n; i = j) {
		const struct variant *first = &f->t.v[ids[i]];
		uint64_t total = 0, cum = 0, un = 0, cv = 0;

		for (j = i; j < n && f->t.v[ids[j]].by == first->by; j++) {
			if (j + ROWS_AHEAD < n)
				__builtin_prefetch(&vs[ids[j + ROWS_AHEAD]]);
			total += f->t.v[ids[j]].units;
		}
		npool = 0;
		for (k = i, nk = 0; k < j; k++) {
			const struct variant *v = &f->t.v[ids[k]];
			const char *tp = variant_tps(&f->t, ids[k]);
			size_t x = 0;

			if (k + ROWS_AHEAD < j)
				__builtin_prefetch(&vs[ids[k + ROWS_AHEAD]]);
			if (k + ROWS_AHEAD / 2 < j)
				__builtin_prefetch(variant_tps(&f->t,
				    ids[k + ROWS_AHEAD / 2]));

			if (!kept(f, nk, v->units, total)) {
				un += v->units;
				cv += v->converted;
				pool = jn_xgrow(pool, &poolcap, npool + 1,
				    sizeof *pool);
				pool[npool++] = &v->times;
				continue;
			}
			nk++;
			cum += v->units;
			/*
			 * Room for the longest path of v->len touchpoints,
			 * and for a padded name's whole copy past it.
			 */
			b.buf = jn_xgrow(b.buf, &b.cap, v->len * (maxlen + 3) +
			    SHORT_NAME + 1, 1);
			b.len = 0;
			for (l = 0; l < v->len; l++) {
				uint32_t t = variant_tp(&f->t, tp, l);

				if (l > 0 && nlen[t] + 3 <= SHORT_NAME) {
					memcpy(b.buf + b.len, pad + (size_t)t *
					    SHORT_NAME, SHORT_NAME);
					b.len += nlen[t] + 3;
					continue;
				}
				if (l > 0) {
					memcpy(b.buf + b.len, " > ", 3);
					b.len += 3;
				}
				memcpy(b.buf + b.len, name[t], nlen[t]);
				b.len += nlen[t];
			}
			if (f->by_field)
				c[x++] = by_cell(f, v->by);
			c[x++] = jn_cell_int((int64_t)nk);
			c[x++] = jn_cell_str(b.buf, b.len);
			c[x++] = jn_cell_int((int64_t)v->units);
			c[x++] = rate_cell(v->units, total);
			c[x++] = rate_cell(cum, total);
			c[x++] = jn_cell_int((int64_t)v->len);
			c[x++] = secs_cell(v->med);
			if (goal) {
				c[x++] = jn_cell_int((int64_t)v->converted);
				c[x++] = rate_cell(v->converted, v->units);
			}
			jn_writer_row(w, c);
		}
		if (un > 0) {
			size_t x = 0;
			double med;

			jn_samples_quantiles(pool, npool, table_q, 1, &med);
			if (f->by_field)
				c[x++] = by_cell(f, first->by);
			c[x++] = jn_cell_null();
			c[x++] = jn_cell_str("(other)", 7);
			c[x++] = jn_cell_int((int64_t)un);
			c[x++] = rate_cell(un, total);
			c[x++] = rate_cell(cum + un, total);
			c[x++] = jn_cell_null();
			c[x++] = secs_cell(med);
			if (goal) {
				c[x++] = jn_cell_int((int64_t)cv);
				c[x++] = rate_cell(cv, un);
			}
			jn_writer_row(w, c);
		}
	}
	free(pool);
	free(b.buf);
	free(name);
	free(nlen);
	free(pad);
	return 0;
}

/* ---- -o dot, -o mermaid ---- */

/*
 * s[0..len) as a quoted label of the picture's language, so that a
 * touchpoint is never read as DOT or Mermaid (jn_esc_dot,
 * jn_esc_mermaid: a label is one line; bytes that are not UTF-8, which
 * Graphviz refuses, as U+FFFD).
 */
static void
dot_str(FILE *out, int mermaid, const char *s, size_t len)
{
	struct jn_strbuf b = { NULL, 0, 0 };

	jn_escape(&b, mermaid ? &jn_esc_mermaid : &jn_esc_dot, s, len);
	fprintf(out, "\"%s\"", b.buf);
	free(b.buf);
}

/* The node of touchpoint tp in group g: its rank, the ends apart. */
static void
dot_node(FILE *out, size_t g, uint32_t tp)
{
	if (tp == TP_START)
		fprintf(out, "g%zu_start", g);
	else if (tp == TP_END)
		fprintf(out, "g%zu_end", g);
	else
		fprintf(out, "g%zu_%u", g, ord.tprank[tp]);
}

/*
 * The edges view as a Graphviz digraph, cycles kept: a node per
 * touchpoint, an edge per move kept by --top and --min-share, its width
 * by its share of the block, labelled with its transitions and median
 * time; the (start) and (end) rows dashed; what pruning dropped said in
 * a note.  With --by, a cluster per group.  -o mermaid draws the same
 * as a Mermaid flowchart, widths as link styles.  Returns 0, or -1
 * after reporting a write error.
 */
static int
write_dot(struct jpath *f, const uint32_t *ids, size_t n)
{
	size_t ntp = jn_intern_count(&f->tps), i, j, k, g, nlinks = 0;
	int mm = f->dot == 2;
	uint8_t *keep = jn_xmalloc(n + 1), *used = jn_xmalloc(ntp + 1);
	uint64_t *total = jn_xmalloc((n + 1) * sizeof *total);
	uint32_t *byrank = jn_xmalloc((ntp + 1) * sizeof *byrank);
	FILE *out = stdout;
	char h[64];

	prune_edges(f, ids, n, keep, total);
	for (i = 0; i < ntp; i++)
		byrank[ord.tprank[i]] = (uint32_t)i;
	fputs(mm ? "flowchart LR\n" : "digraph jpath {\n"
	    "\trankdir=LR;\n"
	    "\tnode [shape=box, style=rounded, fontname=Helvetica, "
	    "fontsize=11];\n"
	    "\tedge [fontname=Helvetica, fontsize=9, color=\"#3b6ea5\"];\n",
	    out);
	for (i = 0, g = 0; i < n; i = j, g++) {
		const struct edge *first = &f->t.e[ids[i]];
		uint64_t ptr = 0, pmoves = 0, moves = 0, pends = 0;
		size_t nmoves = 0;
		const char *ind = f->by_field ? "\t\t" : "\t";

		for (j = i; j < n && f->t.e[ids[j]].by == first->by; j++)
			;
		if (f->by_field) {
			size_t len = 0;
			const char *v = first->by == NONE ? "" :
			    jn_intern_str(&f->byvals, first->by, &len);
			struct jn_strbuf b = { NULL, 0, 0 };

			jn_strbuf_printf(&b, "%s=%.*s", f->by_field, (int)len,
			    v);
			if (mm) {
				fprintf(out, "\tsubgraph g%zu [", g);
				dot_str(out, mm, b.buf, b.len);
				fputs("]\n", out);
			} else {
				fprintf(out, "\tsubgraph cluster_%zu {\n"
				    "\t\tlabel=", g);
				dot_str(out, mm, b.buf, b.len);
				fputs(";\n", out);
			}
			free(b.buf);
		}
		/*
		 * The nodes of the moves kept, in byte order; a (start) or
		 * (end) row is drawn when its touchpoint is one of them (or
		 * there is no move), so that no node floats alone.
		 */
		memset(used, 0, ntp + 1);
		for (k = i; k < j; k++) {
			const struct edge *e = &f->t.e[ids[k]];

			if (!keep[k] || block_of(e) != 1)
				continue;
			used[ord.tprank[e->from]] = 1;
			used[ord.tprank[e->to]] = 1;
			nmoves++;
		}
		for (k = i; k < j; k++) {
			const struct edge *e = &f->t.e[ids[k]];
			uint32_t tp = e->from == TP_START ? e->to : e->from;

			if (!keep[k] || block_of(e) == 1)
				continue;
			if (nmoves > 0 && !used[ord.tprank[tp]])
				keep[k] = 0;
			else
				used[ord.tprank[tp]] = 1;
		}
		fprintf(out, "%s", ind);
		dot_node(out, g, TP_START);
		fputs(mm ? "((\"(start)\"))\n" : " [label=\"(start)\", "
		    "shape=circle, style=filled, fillcolor=\"#dddddd\"];\n",
		    out);
		fprintf(out, "%s", ind);
		dot_node(out, g, TP_END);
		fputs(mm ? "(((\"(end)\")))\n" : " [label=\"(end)\", "
		    "shape=doublecircle, style=filled, "
		    "fillcolor=\"#dddddd\"];\n", out);
		for (k = 0; k < ntp; k++) {
			size_t len;
			const char *v;

			if (!used[k])
				continue;
			v = jn_intern_str(&f->tps, byrank[k], &len);
			fprintf(out, "%s", ind);
			dot_node(out, g, byrank[k]);
			fputs(mm ? "(" : " [label=", out);
			dot_str(out, mm, v, len);
			fputs(mm ? ")\n" : "];\n", out);
		}
		for (k = i; k < j; k++) {
			const struct edge *e = &f->t.e[ids[k]];
			int end = e->from == TP_START || e->to == TP_END;
			double share = total[k] ? (double)e->transitions /
			    (double)total[k] : 0;

			if (!end)
				moves += e->transitions;
			if (!keep[k]) {
				if (!end) {
					ptr += e->transitions;
					pmoves++;
				} else {
					pends++;
				}
				continue;
			}
			fprintf(out, "%s", ind);
			dot_node(out, g, e->from);
			if (mm)
				fprintf(out, " %s|\"%llu", end ? "-.->" : "-->",
				    (unsigned long long)e->transitions);
			else
				fprintf(out, " -> ");
			if (!mm) {
				dot_node(out, g, e->to);
				fprintf(out, " [penwidth=%.2f, label=\"%llu",
				    1 + 7 * share,
				    (unsigned long long)e->transitions);
			}
			if (e->times.n > 0)
				fprintf(out, "%s%s", mm ? "<br/>" : "\\n",
				    jn_duration_human(h, sizeof h,
				    e->med / 1e9));
			if (mm) {
				fputs("\"| ", out);
				dot_node(out, g, e->to);
				fprintf(out, "\n%slinkStyle %zu stroke-width:"
				    "%.2fpx%s\n", ind, nlinks++, 1 + 7 * share,
				    end ? ",stroke:#999999" : ",stroke:#3b6ea5");
			} else {
				fprintf(out, "\"%s];\n", end ?
				    ", style=dashed, color=\"#999999\"" : "");
			}
		}
		if (pmoves + pends > 0) {
			fprintf(out, mm ? "%sg%zu_other>\"not drawn: " :
			    "%sg%zu_other [shape=note, label=\"not drawn: ",
			    ind, g);
			if (pmoves > 0)
				fprintf(out, "%llu moves, %llu transitions "
				    "(%.1f%%)%s", (unsigned long long)pmoves,
				    (unsigned long long)ptr,
				    100.0 * (double)ptr / (double)moves,
				    pends > 0 ? "; " : "");
			if (pends > 0)
				fprintf(out, "%llu start and end rows",
				    (unsigned long long)pends);
			fputs(mm ? "\"]\n" : "\"];\n", out);
		}
		if (f->by_field)
			fputs(mm ? "\tend\n" : "\t}\n", out);
	}
	if (!mm)
		fputs("}\n", out);
	free(keep);
	free(used);
	free(total);
	free(byrank);
	if (fflush(out) != 0 || ferror(out))
		return jn_error("write error: %s", strerror(errno));
	return 0;
}

/* ---- view attribution ---- */

/*
 * Rows of a group: by the conversions they took part in, most first,
 * then by touchpoint; (direct) last.
 */
static int
attr_order(const void *pa, const void *pb)
{
	const struct attr *a = &ord.f->t.a[*(const uint32_t *)pa];
	const struct attr *b = &ord.f->t.a[*(const uint32_t *)pb];
	int c;

	if ((c = by_cmp(a->by, b->by)) != 0)
		return c;
	if (a->tp == b->tp)
		return 0;
	if (a->tp == TP_DIRECT || b->tp == TP_DIRECT)
		return a->tp == TP_DIRECT ? 1 : -1;
	if (a->conversions != b->conversions)
		return a->conversions > b->conversions ? -1 : 1;
	return tp_cmp(a->tp, b->tp);
}

/* Paths in touchpoint order, so the chain's states are numbered alike. */
static int
chain_order(const void *pa, const void *pb)
{
	const struct tally *t = &ord.f->t;
	uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
	const char *ta = variant_tps(t, ia), *tb = variant_tps(t, ib);
	size_t i, la = t->v[ia].len, lb = t->v[ib].len;
	int c;

	for (i = 0; i < la && i < lb; i++)
		if ((c = tp_cmp(variant_tp(t, ta, i),
		    variant_tp(t, tb, i))) != 0)
			return c;
	return (la > lb) - (la < lb);
}

/* A growing list of the chain's transitions, before its size is known. */
struct moves {
	uint32_t *from, *to;
	double *n;
	size_t len, cap;
};

static void
moves_add(struct moves *mv, uint32_t from, uint32_t to, double n)
{
	size_t cap = mv->cap;

	mv->from = jn_xgrow(mv->from, &cap, mv->len + 1, sizeof *mv->from);
	cap = mv->cap;
	mv->to = jn_xgrow(mv->to, &cap, mv->len + 1, sizeof *mv->to);
	mv->n = jn_xgrow(mv->n, &mv->cap, mv->len + 1, sizeof *mv->n);
	mv->from[mv->len] = from;
	mv->to[mv->len] = to;
	mv->n[mv->len++] = n;
}

/* Paths by group (any fixed order of groups), then as chain_order. */
static int
group_chain_order(const void *pa, const void *pb)
{
	const struct tally *t = &ord.f->t;
	uint32_t ba = t->v[*(const uint32_t *)pa].by;
	uint32_t bb = t->v[*(const uint32_t *)pb].by;

	if (ba != bb)
		return ba < bb ? -1 : 1;
	return chain_order(pa, pb);
}

/*
 * The Markov removal effects of a group: the chain over its nvar paths
 * vids, in chain_order (states the tuples of the last --order
 * touchpoints, the first ones of a path shorter; start, conversion and
 * null besides), solved exactly
 * (markov.h); the effect of touchpoint tps[i] into re[i] (0 for
 * (direct)): 1 - P(conversion without the states holding it) /
 * P(conversion).  Returns 0, or -1 (reported) when the chain has more
 * than MAX_STATES states.
 */
static int
markov_effects(const struct jpath *f, const uint32_t *vids, size_t nvar,
    const uint32_t *tps, size_t ntp, double *re)
{
	const struct tally *t = &f->t;
	size_t ntps = jn_intern_count(&f->tps);
	size_t i, j, l, n, k = (size_t)f->order;
	uint32_t *rowof = jn_xmalloc((ntps + 1) * sizeof *rowof);
	uint32_t *states, key[3], none = NONE;
	size_t *off = jn_xcalloc(ntp + 2, sizeof *off), *fill = NULL;
	double *conv = jn_xcalloc(16, sizeof *conv), *out, base = 0;
	double *drop = jn_xcalloc(16, sizeof *drop);
	size_t ccap = 16, dcap = 16;
	struct jn_intern st;
	struct moves mv = { NULL, NULL, NULL, 0, 0 };
	struct jn_markov m;
	int rc = 0;

	jn_intern_init(&st);
	(void)jn_intern_put(&st, (const char *)&none, sizeof none);
	for (i = 0; i < nvar; i++) {
		const struct variant *v = &t->v[vids[i]];
		const char *w = variant_tps(t, vids[i]);
		uint32_t prev = 0, s;

		for (j = 0; j < v->len; j++) {
			size_t lo = j + 1 > k ? j + 1 - k : 0;

			for (l = lo; l <= j; l++)
				key[l - lo] = variant_tp(t, w, l);
			s = jn_intern_put(&st, (const char *)key,
			    (j + 1 - lo) * sizeof *key);
			moves_add(&mv, prev, s, (double)v->units);
			prev = s;
		}
		n = jn_intern_count(&st);
		if (n > ccap) {
			size_t old = ccap;

			conv = jn_xgrow(conv, &ccap, n, sizeof *conv);
			drop = jn_xgrow(drop, &dcap, n, sizeof *drop);
			memset(conv + old, 0, (ccap - old) * sizeof *conv);
			memset(drop + old, 0, (dcap - old) * sizeof *drop);
		}
		conv[prev] += (double)v->converted;
		drop[prev] += (double)(v->units - v->converted);
	}
	n = jn_intern_count(&st);
	for (i = 0; i < ntp; i++)
		re[i] = 0;
	if (n > MAX_STATES) {
		rc = jn_error("a Markov chain of %zu states: at most %d "
		    "(fewer touchpoints, --collapse or a lower --order)", n,
		    MAX_STATES);
		goto out;
	}
	if (nvar == 0)
		goto out;
	jn_markov_init(&m, n);
	for (i = 0; i < mv.len; i++)
		m.w[(size_t)mv.from[i] * n + mv.to[i]] += mv.n[i];
	memcpy(m.conv, conv, n * sizeof *conv);
	memcpy(m.drop, drop, n * sizeof *drop);
	/* the states of each touchpoint: those whose tuple holds it */
	for (i = 0; i < ntps; i++)
		rowof[i] = NONE;
	for (i = 0; i < ntp; i++)
		if (tps[i] != TP_DIRECT)
			rowof[tps[i]] = (uint32_t)i;
	states = NULL;
	for (int pass = 0; pass < 2; pass++) {
		for (i = 1; i < n; i++) {
			size_t len;
			const char *w = jn_intern_str(&st, (uint32_t)i, &len);

			len /= sizeof *key;
			for (j = 0; j < len; j++) {
				uint32_t tp = key_word(w, j), r;

				for (l = 0; l < j && key_word(w, l) != tp; l++)
					;
				if (l < j || (r = rowof[tp]) == NONE)
					continue;
				if (pass == 0)
					off[r + 1]++;
				else
					states[fill[r]++] = (uint32_t)i;
			}
		}
		if (pass == 0) {
			for (i = 0; i < ntp; i++)
				off[i + 1] += off[i];
			states = jn_xmalloc((off[ntp] + 1) * sizeof *states);
			fill = jn_xmalloc((ntp + 1) * sizeof *fill);
			memcpy(fill, off, ntp * sizeof *fill);
		}
	}
	out = jn_xmalloc((ntp + 1) * sizeof *out);
	/* a chain from finished paths always reaches an end */
	if (jn_markov_removal(&m, ntp, off, states, out, &base) == 0 &&
	    base > 0)
		for (i = 0; i < ntp; i++)
			re[i] = tps[i] == TP_DIRECT ? 0 : 1 - out[i] / base;
	free(out);
	free(states);
	free(fill);
	jn_markov_release(&m);
out:
	jn_intern_release(&st);
	free(rowof);
	free(off);
	free(conv);
	free(drop);
	free(mv.from);
	free(mv.to);
	free(mv.n);
	return rc;
}

/* 10^0 .. 10^18, exact as doubles up to 10^22 */
static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
	1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18 };

/*
 * The exact sum a rounded to dec decimals (-18 <= dec <= 6; negative:
 * to tens, hundreds...), half up, in units of 10^-dec; the caller keeps
 * |a| * 10^dec within 2^53.
 */
static int64_t
fx_round(const struct fx *a, int dec)
{
	double frac = (double)a->f / 18446744073709551616.0;
	int64_t p, q, r;

	if (dec >= 0) {
		p = (int64_t)p10[dec];
		return a->w * p + (int64_t)floor(frac * (double)p + 0.5);
	}
	p = (int64_t)p10[-dec];
	q = a->w / p;
	r = a->w % p;
	if (r < 0) {
		r += p;
		q--;
	}
	return q + ((double)r + frac >= (double)p / 2 ? 1 : 0);
}

/*
 * Did a sum of the attribution rows, or a group's value (its (end) and
 * (direct) rows together), go past +-FX_MAX?  Then -1, reported.
 */
static int
attr_check(const struct jpath *f, const uint32_t *endrow,
    const uint32_t *directrow, size_t nb)
{
	size_t i, na = jn_intern_count(&f->t.akeys);
	int k, bad = 0;

	for (i = 0; i < na; i++)
		for (k = 0; k < NFX; k++)
			bad |= fx_spoiled(attr_fx(&f->t.a[i], k));
	for (i = 0; i <= nb; i++) {
		struct fx all = { 0, 0 };

		if (endrow[i] != NONE)
			fx_merge(&all, &f->t.a[endrow[i]].value);
		if (directrow[i] != NONE)
			fx_merge(&all, &f->t.a[directrow[i]].value);
		bad |= fx_spoiled(&all);
	}
	if (bad)
		return jn_error("--value: values add up past "
		    "9223372036854775807 (a sum's limit, +-9.2e18)");
	return 0;
}

/*
 * The attribution table: per group, every touchpoint's conversions,
 * value and credit under each model, each model's column rounded at the
 * 6th decimal by largest remainder so that it adds up to the group's
 * conversions (and value) exactly.  Returns 0 or -1 (reported).
 */
static int
write_attribution(struct jpath *f, enum jn_format fmt)
{
	struct jn_column cols[20];
	struct jn_cell c[20];
	struct jn_writer *w = NULL;
	size_t na = jn_intern_count(&f->t.akeys), nb = jn_intern_count(
	    &f->byvals), i, j, r, n = 0, nc = 0;
	uint32_t *ids = jn_xmalloc((na + 1) * sizeof *ids);
	uint32_t *endrow = jn_xmalloc((nb + 1) * sizeof *endrow);
	uint32_t *directrow = jn_xmalloc((nb + 1) * sizeof *directrow);
	uint32_t *tpall = NULL, *vids;
	size_t *vstart, nv;
	double *reall = NULL;
	int vals = f->value_field != NULL, k, rc = 0;

	if (f->by_field)
		cols[nc++] = (struct jn_column){ f->by_field, JN_COL_STR };
	cols[nc++] = (struct jn_column){ "touchpoint", JN_COL_STR };
	cols[nc++] = (struct jn_column){ "conversions", JN_COL_INT };
	if (vals)
		cols[nc++] = (struct jn_column){ "value", JN_COL_NUM };
	for (k = 0; k <= NHEUR; k++)
		cols[nc++] = (struct jn_column){ model_names[k], JN_COL_NUM };
	if (vals) {
		static const char *const vnames[] = { "first_value",
			"last_value", "linear_value", "position_value",
			"time_decay_value", "markov_value" };

		for (k = 0; k <= NHEUR; k++)
			cols[nc++] = (struct jn_column){ vnames[k],
			    JN_COL_NUM };
	}
	ord.f = f;
	ord.tprank = jn_intern_ranks(&f->tps);
	ord.byrank = jn_intern_ranks(&f->byvals);
	ord.gunits = jn_xcalloc(nb + 1, sizeof *ord.gunits);
	for (i = 0; i <= nb; i++)
		endrow[i] = directrow[i] = NONE;
	for (i = 0; i < na; i++) {
		const struct attr *a = &f->t.a[i];
		size_t g = a->by == NONE ? nb : a->by;

		if (a->tp == TP_END || a->tp == TP_DIRECT) {
			ord.gunits[g] += a->conversions;
			*(a->tp == TP_END ? &endrow[g] : &directrow[g]) =
			    (uint32_t)i;
		}
		if (a->tp != TP_END)
			ids[n++] = (uint32_t)i;
	}
	qsort(ids, n, sizeof *ids, attr_order);
	/* every chain solved before a row is written: an error writes none */
	reall = jn_xmalloc((n + 1) * sizeof *reall);
	tpall = jn_xmalloc((n + 1) * sizeof *tpall);
	for (i = 0; i < n; i++)
		tpall[i] = f->t.a[ids[i]].tp;
	/* each group's paths, a slice of them all */
	nv = jn_intern_count(&f->t.vkeys);
	vids = jn_xmalloc((nv + 1) * sizeof *vids);
	vstart = jn_xcalloc(nb + 2, sizeof *vstart);
	for (i = 0; i < nv; i++) {
		vids[i] = (uint32_t)i;
		vstart[(f->t.v[i].by == NONE ? nb : f->t.v[i].by) + 1]++;
	}
	for (i = 0; i <= nb; i++)
		vstart[i + 1] += vstart[i];
	/* NONE sorts last as the largest id, as its slot nb does */
	qsort(vids, nv, sizeof *vids, group_chain_order);
	for (i = 0; i < n && rc == 0; i = j) {
		uint32_t by = f->t.a[ids[i]].by;
		size_t g = by == NONE ? nb : by;

		for (j = i; j < n && f->t.a[ids[j]].by == by; j++)
			;
		rc = markov_effects(f, vids + vstart[g], vstart[g + 1] -
		    vstart[g], tpall + i, j - i, reall + i);
	}
	free(vids);
	free(vstart);
	if (rc != 0 || (rc = attr_check(f, endrow, directrow, nb)) != 0)
		goto out;
	if (!f->html)
		jn_engine_meta(&f->engine, fmt);
	w = jn_writer_new(f->out, fmt, cols, nc);
	for (i = 0; i < n; i = j) {
		uint32_t by = f->t.a[ids[i]].by;
		size_t g = by == NONE ? nb : by, nr, nk = 0;
		uint64_t total = 0;
		struct fx vchain = { 0, 0 }, vall = { 0, 0 };
		double *cr, *re = reall + i, mag;
		int64_t *micro, other[2 * (NHEUR + 1)];
		int pruned = 0, dec;

		for (j = i; j < n && f->t.a[ids[j]].by == by; j++)
			;
		nr = j - i;
		if (endrow[g] != NONE) {
			total += f->t.a[endrow[g]].conversions;
			fx_merge(&vchain, &f->t.a[endrow[g]].value);
			fx_merge(&vall, &f->t.a[endrow[g]].value);
		}
		if (directrow[g] != NONE) {
			total += f->t.a[directrow[g]].conversions;
			fx_merge(&vall, &f->t.a[directrow[g]].value);
		}
		cr = jn_xmalloc(2 * (NHEUR + 1) * nr * sizeof *cr);
		micro = jn_xmalloc(2 * (NHEUR + 1) * nr * sizeof *micro);
		{
			double sumre = 0, tchain = (double)(total -
			    (directrow[g] != NONE ?
			    f->t.a[directrow[g]].conversions : 0));
			double vc = fx_value(&vchain);

			for (r = 0; r < nr; r++)
				sumre += re[r];
			for (r = 0; r < nr; r++) {
				const struct attr *a = &f->t.a[ids[i + r]];
				double *m = cr + (size_t)NHEUR * nr;
				double *vm = cr + (2 * (size_t)NHEUR + 1) * nr;

				for (k = 0; k < NHEUR; k++) {
					cr[(size_t)k * nr + r] = fx_value(
					    &a->credit[k]);
					cr[(NHEUR + 1 + (size_t)k) * nr + r] =
					    fx_value(&a->vcredit[k]);
				}
				m[r] = a->tp == TP_DIRECT ?
				    (double)a->conversions : sumre > 0 ?
				    re[r] / sumre * tchain : 0;
				vm[r] = a->tp == TP_DIRECT ?
				    fx_value(&a->value) : sumre > 0 ?
				    re[r] / sumre * vc : 0;
			}
		}
		/*
		 * Values round at the 6th decimal while every sum of a
		 * column's magnitudes (and the group's value) in millionths
		 * is an exact double, within 2^53 (about 9e9 of value); past
		 * it, at one decimal fewer per factor of 10 (the units of
		 * 9e15 of value, its tens past 9e16...), as a double holds
		 * no more digits: so the rounding stays in int64 and every
		 * column still adds up exactly.
		 */
		mag = fabs(fx_value(&vall));
		for (k = -1; k < 2 * (NHEUR + 1); k++) {
			double sum = 0;

			if (k >= 0 && k <= NHEUR)
				continue;
			for (r = 0; r < nr; r++)
				sum += fabs(k < 0 ? fx_value(&f->t.a[ids[i +
				    r]].value) : cr[(size_t)k * nr + r]);
			mag = sum > mag ? sum : mag;
		}
		dec = 6;
		while (dec > -12 && mag * p10[dec > 0 ? dec : 0] /
		    p10[dec < 0 ? -dec : 0] > 9007199254740992.0)
			dec--;
		for (k = 0; k < 2 * (NHEUR + 1); k++) {
			double *v = cr + (size_t)k * nr;

			if (k > NHEUR && dec != 6)
				for (r = 0; r < nr; r++)
					v[r] /= p10[6 - dec];
			(void)jn_round_micro(v, nr,
			    k <= NHEUR ? (int64_t)total * 1000000 :
			    fx_round(&vall, dec), micro + (size_t)k * nr);
		}
		memset(other, 0, sizeof other);
		for (r = 0; r < nr; r++) {
			const struct attr *a = &f->t.a[ids[i + r]];
			size_t x = 0;

			if (!kept(f, nk, a->conversions, total)) {
				for (k = 0; k < 2 * (NHEUR + 1); k++)
					other[k] += micro[(size_t)k * nr + r];
				pruned = 1;
				continue;
			}
			nk++;
			if (f->by_field)
				c[x++] = by_cell(f, by);
			c[x++] = tp_cell(f, a->tp);
			c[x++] = jn_cell_int((int64_t)a->conversions);
			if (vals)
				c[x++] = jn_cell_dec(fx_round(&a->value, dec),
				    dec);
			for (k = 0; k < 2 * (NHEUR + 1); k++)
				if (vals || k <= NHEUR)
					c[x++] = jn_cell_dec(micro[(size_t)k *
					    nr + r], k <= NHEUR ? 6 : dec);
			jn_writer_row(w, c);
		}
		if (pruned) {
			size_t x = 0;

			/* a conversion touches several rows: no count */
			if (f->by_field)
				c[x++] = by_cell(f, by);
			c[x++] = jn_cell_str("(other)", 7);
			c[x++] = jn_cell_null();
			if (vals)
				c[x++] = jn_cell_null();
			for (k = 0; k < 2 * (NHEUR + 1); k++)
				if (vals || k <= NHEUR)
					c[x++] = jn_cell_dec(other[k],
					    k <= NHEUR ? 6 : dec);
			jn_writer_row(w, c);
		}
		free(cr);
		free(micro);
	}
	if (jn_writer_finish(w) != 0)
		rc = -1;
	jn_writer_free(w);
out:
	free(reall);
	free(tpall);
	free(ids);
	free(endrow);
	free(directrow);
	order_release();
	return rc;
}

static int
write_table(struct jpath *f, enum jn_format fmt)
{
	struct jn_column cols[24];
	struct jn_writer *w;
	uint32_t *ids;
	size_t nc = 0, n;
	int rc;

	if (f->view == VIEW_ATTRIBUTION)
		return write_attribution(f, fmt);
	if (f->by_field)
		cols[nc++] = (struct jn_column){ f->by_field, JN_COL_STR };
	if (f->view == VIEW_EDGES) {
		cols[nc++] = (struct jn_column){ "from", JN_COL_STR };
		cols[nc++] = (struct jn_column){ "to", JN_COL_STR };
		cols[nc++] = (struct jn_column){ "transitions", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "units", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "share", JN_COL_RATE };
		cols[nc++] = (struct jn_column){ "median_time",
		    JN_COL_DURATION };
		cols[nc++] = (struct jn_column){ "p90_time", JN_COL_DURATION };
		cols[nc++] = (struct jn_column){ "mean_time",
		    JN_COL_DURATION };
	} else if (f->view == VIEW_STEPS) {
		cols[nc++] = (struct jn_column){ "step", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "from", JN_COL_STR };
		cols[nc++] = (struct jn_column){ "to", JN_COL_STR };
		cols[nc++] = (struct jn_column){ "units", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "median_time",
		    JN_COL_DURATION };
	} else if (f->view == VIEW_NEXT) {
		cols[nc++] = (struct jn_column){ "touchpoint", JN_COL_STR };
		cols[nc++] = (struct jn_column){ "next", JN_COL_STR };
		cols[nc++] = (struct jn_column){ "transitions", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "units", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "share", JN_COL_RATE };
		cols[nc++] = (struct jn_column){ "median_time",
		    JN_COL_DURATION };
	} else {
		cols[nc++] = (struct jn_column){ "rank", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "variant", JN_COL_STR };
		cols[nc++] = (struct jn_column){ "units", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "share", JN_COL_RATE };
		cols[nc++] = (struct jn_column){ "cumulative_share",
		    JN_COL_RATE };
		cols[nc++] = (struct jn_column){ "length", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "median_duration",
		    JN_COL_DURATION };
	}
	if (f->goal != NULL) {
		cols[nc++] = (struct jn_column){ "converted", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "conversion", JN_COL_RATE };
	}
	if (f->goal != NULL && f->view == VIEW_NEXT) {
		cols[nc++] = (struct jn_column){ "lift", JN_COL_RATE };
		cols[nc++] = (struct jn_column){ "lift_lower", JN_COL_RATE };
		cols[nc++] = (struct jn_column){ "lift_upper", JN_COL_RATE };
	}
	if (f->view != VIEW_VARIANTS && f->view != VIEW_STEPS &&
	    show_scores(f)) {
		memcpy(cols + nc, jn_score_columns, sizeof jn_score_columns);
		nc += JN_SCORE_NCOLS;
	}
	time_stats(&f->t);
	ids = order_rows(f, &n);
	if (f->dot) {
		rc = write_dot(f, ids, n);
		free(ids);
		order_release();
		return rc;
	}
	if (!f->html)
		jn_engine_meta(&f->engine, fmt);
	w = jn_writer_new(f->out, fmt, cols, nc);
	if (f->view != VIEW_VARIANTS)
		write_edges(f, w, ids, n);
	else
		write_variants(f, w, ids, n);
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	free(ids);
	order_release();
	return rc;
}

/* ---- -o html ---- */

/*
 * The page of -o html: the table, written as CSV to path, read back and
 * drawn by the core's charts (journey/chart.h), as jreport draws it,
 * with the directly-follows graph itself for --view edges; the numbers
 * beside the picture.  files are the inputs, named on the page.
 */
static int
write_html(const struct jpath *f, const char *path, char **files,
    int nfiles)
{
	static const char *const heads[] = { "Journey graph",
		"Journey variants", "Journey map: steps", "Next steps" };
	static const char *const firsts[] = { "from", "rank", "step",
		"touchpoint" };
	static const char *const names[] = { "edges", "variants", "steps",
		"next" };
	struct jn_tables ts = { NULL, 0 };
	struct jn_strbuf b = { NULL, 0, 0 };
	struct jn_chart s;
	int v, i, rc = 0;

	v = f->view == VIEW_EDGES ? 0 : f->view == VIEW_VARIANTS ? 1 :
	    f->view == VIEW_STEPS ? 2 : 3;
	if (jn_tables_load(&ts, path, JN_IN_CSV) != 0 || ts.n != 1) {
		jn_tables_release(&ts);
		return jn_error("%s: the table could not be read back", path);
	}
	memset(&s, 0, sizeof s);
	s.t = &ts.t[0];
	s.kind = jn_table_kind(s.t);
	s.group = jn_table_col(s.t, firsts[v]) > 0 ? 0 : -1;
	/* --top pruned the table already: the picture shows it whole */
	s.top = f->top ? SIZE_MAX : 15;
	s.wide = 1;
	if (s.group >= 0)
		snprintf(s.heading, sizeof s.heading, "%s by %s", heads[v],
		    s.t->names[0]);
	else
		snprintf(s.heading, sizeof s.heading, "%s", heads[v]);
	if (s.t->nrows == 0)
		jn_strbuf_printf(&s.lede, "No rows.");
	else if (v == 0)
		jn_chart_graph(&s);
	else if (v == 1)
		jn_chart_variants(&s);
	else if (v == 2)
		jn_chart_steps(&s);
	else
		jn_chart_next(&s);
	jn_html_begin(&b, s.heading);
	jn_strbuf_printf(&b, "<section id=\"t1\">\n<p class=\"prov\">From ");
	for (i = 0; i < nfiles; i++) {
		const char *fn = strcmp(files[i], "-") == 0 ?
		    "standard input" : files[i];

		jn_strbuf_printf(&b, "%s", i ? ", " : "");
		jn_xml_text(&b, fn, strlen(fn));
	}
	jn_strbuf_printf(&b, "%s, jpath --view %s.</p>\n", nfiles ? "" :
	    "standard input", names[v]);
	if (s.lede.len) {
		jn_strbuf_printf(&b, "<p class=\"lede\">");
		jn_xml_text(&b, s.lede.buf, s.lede.len);
		jn_strbuf_printf(&b, "</p>\n");
	}
	jn_strbuf_printf(&b, "<div class=\"pair wide\">\n");
	if (s.svg.len) {
		jn_strbuf_printf(&b, "<figure>\n%s", s.svg.buf);
		if (s.note.len) {
			jn_strbuf_printf(&b, "<figcaption>");
			jn_xml_text(&b, s.note.buf, s.note.len - 1);
			jn_strbuf_printf(&b, "</figcaption>\n");
		}
		jn_strbuf_printf(&b, "</figure>\n");
	}
	jn_strbuf_printf(&b, "<div class=\"numbers\">\n");
	jn_chart_numbers(&b, s.t, NULL, NULL, NULL);
	jn_strbuf_printf(&b, "</div>\n</div>\n</section>\n");
	jn_html_end(&b, "jpath", NULL);
	if (b.len && fwrite(b.buf, 1, b.len, stdout) != b.len)
		rc = jn_error("write error: %s", strerror(errno));
	free(b.buf);
	jn_chart_release(&s);
	jn_tables_release(&ts);
	return rc;
}

/*
 * The table of -o html, spooled as CSV to a file of its own in $TMPDIR
 * (default /tmp) and drawn from there.
 */
static int
html_page(struct jpath *f, char **files, int nfiles)
{
	const char *dir = getenv("TMPDIR");
	struct jn_strbuf path = { NULL, 0, 0 };
	int fd, rc;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	jn_strbuf_printf(&path, "%s/jpath.XXXXXX", dir);
	fd = jn_tmpfile_create(path.buf, 0);
	if (fd < 0 || (f->out = fdopen(fd, "w")) == NULL) {
		rc = jn_error("cannot spool the table in %s: %s", dir,
		    strerror(errno));
		if (fd >= 0) {
			(void)close(fd);
			(void)unlink(path.buf);
			jn_tmpfile_forget(path.buf);
		}
		free(path.buf);
		return rc;
	}
	rc = write_table(f, JN_FMT_CSV);
	if (fclose(f->out) != 0 && rc == 0)
		rc = jn_error("%s: %s", path.buf, strerror(errno));
	f->out = stdout;
	if (rc == 0)
		rc = write_html(f, path.buf, files, nfiles);
	(void)unlink(path.buf);
	jn_tmpfile_forget(path.buf);
	free(path.buf);
	return rc;
}

/* ---- --partial and --merge ---- */

/* Everything that decides the counts: states merge only when alike. */
static void
config_text(const void *tool, struct jn_strbuf *b)
{
	const struct jpath *f = tool;

	jn_state_config_common(b, &f->common);
	jn_state_config_item(b, "touchpoints", jn_touch_signature(f->touch));
	jn_strbuf_printf(b, "view=%s;per=%s;collapse=%d;",
	    view_names[f->view], f->per_session ? "session" : "user",
	    f->collapse);
	jn_state_config_item(b, "touchpoint", f->tp_field);
	jn_state_config_item(b, "by", f->by_field);
	jn_state_config_item(b, "goal", f->goal_text);
	if (f->view == VIEW_ATTRIBUTION) {
		jn_state_config_item(b, "value", f->value_field);
		jn_strbuf_printf(b, "half_life=%lld;order=%d;",
		    (long long)f->half_life, f->order);
	}
	if (f->view == VIEW_STEPS) {
		jn_state_config_item(b, "from", f->from_text);
		jn_state_config_item(b, "to", f->to_text);
		jn_strbuf_printf(b, "depth=%d;", f->depth);
	}
}

/* A touchpoint of the state: its rank, the ends as -1 and -2. */
static int64_t
tp_index(uint32_t tp)
{
	return tp == TP_START ? -1 : tp == TP_END ? -2 : tp == TP_DIRECT ?
	    -3 : (int64_t)ord.tprank[tp];
}


/*
 * --partial: the touchpoints in byte order (the records after refer to
 * them by that index), then every edge or variant in the table's order,
 * with its counts and its times sorted: the same state whatever -j says.
 */
static int
write_state(void *tool, FILE *out)
{
	struct jpath *f = tool;
	struct jn_state_rec *r = jn_state_rec_new();
	size_t ntp = jn_intern_count(&f->tps), i, n, l;
	uint32_t *ids, *byrank_id;
	int rc = 0, scores = show_scores(f);

	sort_times(&f->t);
	ids = order_rows(f, &n);
	byrank_id = jn_xmalloc((ntp + 1) * sizeof *byrank_id);
	for (i = 0; i < ntp; i++)
		byrank_id[ord.tprank[i]] = (uint32_t)i;
	jn_state_set_str(r, "record", "touchpoints", 11);
	{
		/* a second number: the rows have answers (old states: one) */
		int64_t c[2] = { (int64_t)ntp, 1 };

		jn_state_set_ints(r, "n", c, scores ? 2 : 1);
	}
	rc = jn_state_write(out, r);
	for (i = 0; i < ntp && rc == 0; i++) {
		size_t len;
		const char *s = jn_intern_str(&f->tps, byrank_id[i], &len);

		jn_state_set_str(r, "record", "touchpoint", 10);
		jn_state_set_str(r, "s", s, len);
		rc = jn_state_write(out, r);
	}
	for (i = 0; i < n && rc == 0; i++) {
		int64_t v[JN_SCORES_NCOUNTS], *p;
		size_t len = 0;
		const char *by;
		uint32_t byid;

		if (!keeps_variants(f)) {
			const struct edge *e = &f->t.e[ids[i]];

			byid = e->by;
			/* view next: a touchpoint's answers before its moves */
			if (scores && f->view == VIEW_NEXT && (i == 0 ||
			    f->t.e[ids[i - 1]].from != e->from ||
			    f->t.e[ids[i - 1]].by != byid)) {
				by = byid == NONE ? NULL :
				    jn_intern_str(&f->byvals, byid, &len);
				jn_state_set_str(r, "record", "tpscores", 8);
				v[0] = tp_index(e->from);
				jn_state_set_ints(r, "key", v, 1);
				jn_scores_get(tp_scores(f, byid, e->from), v);
				jn_state_set_ints(r, "scores", v,
				    JN_SCORES_NCOUNTS);
				jn_state_set_str(r, "by", by, len);
				if ((rc = jn_state_write(out, r)) != 0)
					break;
				len = 0;
			}
			jn_state_set_str(r, "record", "edge", 4);
			v[0] = tp_index(e->from);
			v[1] = tp_index(e->to);
			v[2] = e->step;
			jn_state_set_ints(r, "key", v, 3);
			v[0] = (int64_t)e->transitions;
			v[1] = (int64_t)e->units;
			v[2] = (int64_t)e->converted;
			jn_state_set_ints(r, "n", v, 3);
			jn_state_set_ints(r, "time", e->times.v, e->times.n);
			if (scores) {
				jn_scores_get(&e->sc, v);
				jn_state_set_ints(r, "scores", v,
				    JN_SCORES_NCOUNTS);
			}
		} else {
			const struct variant *va = &f->t.v[ids[i]];
			const char *tp = variant_tps(&f->t, ids[i]);

			byid = va->by;
			jn_state_set_str(r, "record", "variant", 7);
			p = jn_xmalloc((va->len + 1) * sizeof *p);
			for (l = 0; l < va->len; l++)
				p[l] = tp_index(variant_tp(&f->t, tp, l));
			jn_state_set_ints(r, "key", p, va->len);
			free(p);
			v[0] = (int64_t)va->units;
			v[1] = (int64_t)va->converted;
			jn_state_set_ints(r, "n", v, 2);
			jn_state_set_ints(r, "time", va->times.v, va->times.n);
		}
		by = byid == NONE ? NULL : jn_intern_str(&f->byvals, byid,
		    &len);
		jn_state_set_str(r, "by", by, len);
		rc = jn_state_write(out, r);
	}
	n = f->view == VIEW_ATTRIBUTION ? jn_intern_count(&f->t.akeys) : 0;
	for (i = 0; i < n && rc == 0; i++) {
		const struct attr *a = &f->t.a[ord.aids[i]];
		int64_t sums[NFX * 2];
		int64_t v = tp_index(a->tp);
		size_t len = 0;
		const char *by = a->by == NONE ? NULL :
		    jn_intern_str(&f->byvals, a->by, &len);

		jn_state_set_str(r, "record", "attr", 4);
		jn_state_set_ints(r, "key", &v, 1);
		v = (int64_t)a->conversions;
		jn_state_set_ints(r, "n", &v, 1);
		fx_ints(sums, a);
		jn_state_set_ints(r, "sums", sums, NFX * 2);
		jn_state_set_str(r, "by", by, len);
		rc = jn_state_write(out, r);
	}
	free(byrank_id);
	free(ids);
	order_release();
	jn_state_rec_free(r);
	return rc;
}

/* A state's touchpoint index to this run's id; NONE when bad. */
static uint32_t
merge_tp(const struct jpath *f, int64_t i, int end_ok)
{
	if (i == -1 && end_ok != 2)
		return end_ok ? TP_START : NONE;
	if (i == -2 && end_ok == 2)
		return TP_END;
	if (i < 0 || (uint64_t)i >= f->nmerge_tps)
		return NONE;
	return f->merge_tps[i];
}

/* An attribution record of a state into f.  0 or -1 (reported). */
static int
merge_attr(struct jpath *f, struct jn_state_in *in,
    const struct jn_state_rec *r)
{
	const char *bys;
	size_t bylen, nk = 0, nn = 0, ns = 0;
	int64_t *key = NULL, *v = NULL, *sums = NULL;
	uint32_t by = NONE, tp = NONE;
	struct attr *a;
	int rc = -1, k;

	if (jn_state_get_str(in, r, "by", &bys, &bylen) != 0 ||
	    jn_state_get_ints(in, r, "key", &key, &nk) != 0 ||
	    jn_state_get_ints(in, r, "n", &v, &nn) != 0 ||
	    jn_state_get_ints(in, r, "sums", &sums, &ns) != 0)
		goto out;
	if (nk == 1)
		tp = key[0] == -3 ? TP_DIRECT : key[0] == -2 ? TP_END :
		    merge_tp(f, key[0], 0);
	if (f->view != VIEW_ATTRIBUTION || tp == NONE || nn != 1 ||
	    v[0] < 0 || ns != NFX * 2) {
		rc = jn_state_error(in, "bad attr record");
		goto out;
	}
	if (bys != NULL)
		by = jn_intern_put(&f->byvals, bys, bylen);
	a = attr_for(&f->t, by, tp);
	a->conversions += (uint64_t)v[0];
	for (k = 0; k < NFX; k++) {
		struct fx x = { sums[2 * k], (uint64_t)sums[2 * k + 1] };

		fx_merge(attr_fx(a, k), &x);
	}
	rc = 0;
out:
	free(key);
	free(v);
	free(sums);
	return rc;
}

/*
 * Add the "scores" counts of record r to sc.  0, or -1 (reported) when
 * they are missing or cannot be one set of answers.
 */
static int
merge_scores(struct jn_state_in *in, const struct jn_state_rec *r,
    struct jn_scores *sc)
{
	struct jn_scores x;
	int64_t *v = NULL;
	size_t n = 0;
	int rc;

	if (jn_state_get_ints(in, r, "scores", &v, &n) != 0)
		return -1;
	rc = n == JN_SCORES_NCOUNTS ? jn_scores_set(&x, v) : -1;
	free(v);
	if (rc != 0)
		return jn_state_error(in, "bad survey answers in a state");
	jn_scores_merge(sc, &x);
	return 0;
}

/* View next: a touchpoint's answers from a state.  0 or -1 (reported). */
static int
merge_tpscores(struct jpath *f, struct jn_state_in *in,
    const struct jn_state_rec *r)
{
	const char *bys;
	size_t bylen, nk = 0;
	int64_t *key = NULL;
	uint32_t by = NONE, tp = NONE;
	int rc = -1;

	if (jn_state_get_str(in, r, "by", &bys, &bylen) != 0 ||
	    jn_state_get_ints(in, r, "key", &key, &nk) != 0)
		goto out;
	if (nk == 1)
		tp = merge_tp(f, key[0], 0);
	if (f->view != VIEW_NEXT || !f->state_scores || tp == NONE) {
		rc = jn_state_error(in, "bad tpscores record");
		goto out;
	}
	if (bys != NULL)
		by = jn_intern_put(&f->byvals, bys, bylen);
	rc = merge_scores(in, r, &attr_for(&f->t, by, tp)->sc);
out:
	free(key);
	return rc;
}

/* One --merge record into f.  0 or -1 (reported). */
static int
merge_record(void *ctx, struct jn_state_in *in, const struct jn_state_rec *r)
{
	struct jpath *f = ctx;
	const char *what, *s, *bys;
	size_t len, bylen, nk = 0, nn = 0, nt = 0, i;
	int64_t *key = NULL, *v = NULL, *t = NULL;
	uint32_t by = NONE, id;
	int rc = -1;

	if (jn_state_get_str(in, r, "record", &what, &len) != 0)
		return -1;
	if (what != NULL && strcmp(what, "touchpoints") == 0) {
		f->nmerge_tps = 0;	/* a new state: its own follow */
		if (jn_state_get_ints(in, r, "n", &v, &nn) != 0)
			return -1;
		rc = nn == 2 && v[1] == 1 && f->scores ? 1 : nn == 1 ? 0 : -1;
		free(v);
		if (rc < 0)
			return jn_state_error(in, "bad touchpoints record");
		f->state_scores = rc;
		return 0;
	}
	if (what != NULL && strcmp(what, "tpscores") == 0)
		return merge_tpscores(f, in, r);
	if (what != NULL && strcmp(what, "touchpoint") == 0) {
		if (jn_state_get_str(in, r, "s", &s, &len) != 0)
			return -1;
		if (s == NULL)
			return jn_state_error(in, "bad touchpoint record");
		f->merge_tps = jn_xgrow(f->merge_tps, &f->merge_tpcap,
		    f->nmerge_tps + 1, sizeof *f->merge_tps);
		f->merge_tps[f->nmerge_tps++] = jn_intern_put(&f->tps, s, len);
		return 0;
	}
	if (what != NULL && strcmp(what, "attr") == 0)
		return merge_attr(f, in, r);
	if (what == NULL || (strcmp(what, "edge") != 0 &&
	    strcmp(what, "variant") != 0))
		return jn_state_error(in, "bad record '%s'", what ? what :
		    "null");
	if (jn_state_get_str(in, r, "by", &bys, &bylen) != 0 ||
	    jn_state_get_ints(in, r, "key", &key, &nk) != 0 ||
	    jn_state_get_ints(in, r, "n", &v, &nn) != 0 ||
	    jn_state_get_ints(in, r, "time", &t, &nt) != 0)
		goto out;
	for (i = 0; i < nn; i++)
		if (v[i] < 0)
			goto bad;
	for (i = 0; i < nt; i++)
		if (t[i] < 0)
			goto bad;
	if (bys != NULL)
		by = jn_intern_put(&f->byvals, bys, bylen);
	if (what[0] == 'e') {
		uint32_t from, to;
		struct edge *e;

		if (keeps_variants(f) || nk != 3 || nn != 3 ||
		    (from = merge_tp(f, key[0], f->view == VIEW_EDGES ||
		    (f->view == VIEW_STEPS && f->to_text))) == NONE ||
		    (to = merge_tp(f, key[1], 2)) == NONE ||
		    (from == TP_START && to == TP_END) ||
		    (f->view == VIEW_STEPS) != (key[2] != 0) ||
		    key[2] < (f->to_text ? -f->depth : 0) ||
		    key[2] > (f->to_text ? 0 : f->depth))
			goto bad;
		id = edge_for(&f->t, by, (int32_t)key[2], from, to);
		e = &f->t.e[id];
		e->transitions += (uint64_t)v[0];
		e->units += (uint64_t)v[1];
		e->converted += (uint64_t)v[2];
		if (f->state_scores && merge_scores(in, r, &e->sc) != 0)
			goto out;
	} else {
		struct variant *va;
		uint32_t *tp;

		if (!keeps_variants(f) || nk == 0 || nn != 2)
			goto bad;
		tp = jn_xmalloc(nk * sizeof *tp);
		for (i = 0; i < nk; i++)
			if ((tp[i] = merge_tp(f, key[i], 0)) == NONE)
				break;
		if (i < nk) {
			free(tp);
			goto bad;
		}
		id = variant_for(&f->t, by, tp, nk);
		free(tp);
		va = &f->t.v[id];
		va->units += (uint64_t)v[0];
		va->converted += (uint64_t)v[1];
	}
	for (i = 0; i < nt; i++)
		jn_samples_add(what[0] == 'e' ? &f->t.e[id].times :
		    &f->t.v[id].times, t[i]);
	rc = 0;
	goto out;
bad:
	rc = jn_state_error(in, "bad %s record", what);
out:
	free(key);
	free(v);
	free(t);
	return rc;
}

/* ---- main ---- */

static int
parse_args(void *state, int argc, char **argv)
{
	struct jpath *f = state;
	/* static: it lives until exit, so no error path leaks it */
	static struct option *longopts;
	char *end;
	long n;
	int opt;

	f->out = stdout;
	free(longopts);	/* from an earlier main() in one process */
	longopts = jn_cli_options(tool_longopts, NELEM(tool_longopts));
	jn_touch_opts_init(&f->touch_opts);
	while ((opt = getopt_long(argc, argv, "j:" JN_COMMON_SHORTOPTS,
	    longopts, NULL)) != -1) {
		int r;

		/* a picture, beside the table formats of every tool */
		if (opt == 'o' && (strcmp(optarg, "dot") == 0 ||
		    strcmp(optarg, "mermaid") == 0)) {
			f->dot = optarg[0] == 'd' ? 1 : 2;
			f->html = 0;
			continue;
		}
		if (opt == 'o' && strcmp(optarg, "html") == 0) {
			f->html = 1;
			f->dot = 0;
			continue;
		}
		if (opt == 'o')
			f->dot = f->html = 0;
		r = jn_common_option(&f->common, opt, optarg);

		if (r == 0)
			r = jn_touch_option(&f->touch_opts, opt, optarg);
		if (r == 0)
			r = jn_run_option(&f->run, opt, optarg);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (opt) {
		case OPT_VIEW:
			if (strcmp(optarg, "edges") == 0)
				f->view = VIEW_EDGES;
			else if (strcmp(optarg, "variants") == 0)
				f->view = VIEW_VARIANTS;
			else if (strcmp(optarg, "next") == 0)
				f->view = VIEW_NEXT;
			else if (strcmp(optarg, "steps") == 0)
				f->view = VIEW_STEPS;
			else if (strcmp(optarg, "attribution") == 0)
				f->view = VIEW_ATTRIBUTION;
			else
				return jn_error("bad --view '%s' (edges, "
				    "variants, next, steps, attribution)",
				    optarg);
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
		case OPT_TOUCHPOINT:
			f->tp_field = optarg;
			break;
		case OPT_COLLAPSE:
			f->collapse = 1;
			break;
		case OPT_BY:
			f->by_field = optarg;
			break;
		case OPT_GOAL:
			f->goal_text = optarg;
			break;
		case OPT_FROM:
			f->from_text = optarg;
			break;
		case OPT_TO:
			f->to_text = optarg;
			break;
		case OPT_DEPTH:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    errno || n < 1 || n > 1000)
				return jn_error("bad count '%s' for --depth (1 "
				    "to 1000)", optarg);
			f->depth = (int)n;
			break;
		case OPT_VALUE:
			f->value_field = optarg;
			break;
		case OPT_HALF_LIFE:
			if (jn_duration_parse(optarg, &f->half_life) != 0 ||
			    f->half_life <= 0)
				return jn_error("bad duration '%s' for "
				    "--half-life", optarg);
			break;
		case OPT_ORDER:
			if (strcmp(optarg, "1") != 0 &&
			    strcmp(optarg, "2") != 0 &&
			    strcmp(optarg, "3") != 0)
				return jn_error("bad --order '%s' (1, 2 or 3)",
				    optarg);
			f->order = optarg[0] - '0';
			break;
		case OPT_TOP:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    errno || n < 1)
				return jn_error("bad count '%s' for --top "
				    "(1 or more)", optarg);
			f->top = (size_t)n;
			break;
		case OPT_MIN_SHARE:
			errno = 0;
			f->min_share = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || errno ||
			    !(f->min_share >= 0 && f->min_share <= 1))
				return jn_error("bad share '%s' for "
				    "--min-share (a fraction in [0,1])",
				    optarg);
			break;
		default:
			return jn_cli_other(opt, usage, help_text);
		}
	}
	if (f->run.sorted && f->per_session)
		return jn_error("--sorted works with --per user");
	if ((f->from_text || f->to_text || f->depth) &&
	    f->view != VIEW_STEPS)
		return jn_error("--from, --to and --depth go with --view "
		    "steps");
	if (f->from_text && f->to_text)
		return jn_error("--from and --to exclude each other");
	if ((f->value_field || f->half_life || f->order) &&
	    f->view != VIEW_ATTRIBUTION)
		return jn_error("--value, --half-life and --order go with "
		    "--view attribution");
	/* answers are read, and bad ones rejected, where they are shown */
	f->scores = f->view == VIEW_EDGES || f->view == VIEW_NEXT;
	if (!f->scores && (f->common.score_field[JN_NPS] ||
	    f->common.score_field[JN_CSAT] || f->common.score_field[JN_CES]))
		return jn_error("--nps, --csat and --ces go with --view edges "
		    "or next");
	f->common.scores = f->scores;
	if (f->view == VIEW_ATTRIBUTION && f->goal_text == NULL)
		return jn_error("--view attribution needs --goal");
	if (f->half_life == 0)
		f->half_life = 7 * 24 * 3600 * JN_NS_PER_SEC;
	if (f->order == 0)
		f->order = 1;
	if (f->depth == 0)
		f->depth = 5;
	if (f->dot && f->view != VIEW_EDGES)
		return jn_error("-o %s draws --view edges", f->dot == 1 ?
		    "dot" : "mermaid");
	if (f->html && f->view == VIEW_ATTRIBUTION)
		return jn_error("-o html draws the views edges, variants, steps "
		    "and next");
	if (f->html && f->run.partial)
		return jn_error("--partial writes a state: no -o html");
	if (f->dot && f->run.partial)
		return jn_error("--partial writes a state: no -o %s",
		    f->dot == 1 ? "dot" : "mermaid");
	if (jn_run_check(&f->run) != 0)
		return -1;
	/* compiled once, shared read only by every reading thread */
	f->touch = jn_touch_new(&f->touch_opts);
	return f->touch != NULL ? 0 : -1;
}

static int
setup(void *state, int worker)
{
	struct jpath *f = state;
	static const char *const tp_names[] = { "page", "url", "path",
		"screen", "touchpoint" };

	f->is_worker = worker;
	f->touch_local = jn_touch_local_new(f->touch);
	jn_intern_init(&f->tps);
	jn_intern_init(&f->byvals);
	jn_intern_init(&f->t.ekeys);
	jn_intern_init(&f->t.vkeys);
	jn_intern_init(&f->t.akeys);
	jn_namecache_init(&f->names);
	if ((worker ? jn_input_init_worker(&f->in, &f->common) :
	    jn_input_init(&f->in, &f->common)) != 0)
		return -1;
	{
		const char *text[3] = { f->goal_text, f->from_text,
			f->to_text };
		static const char *const what[3] = { "--goal", "--from",
			"--to" };
		struct jn_pred **pred[3] = { &f->goal, &f->from, &f->to };
		static const uint64_t flag[3] = { POS_GOAL, POS_FROM,
			POS_TO };
		int k;

		for (k = 0; k < 3; k++) {
			struct jn_pred *pr;

			if (text[k] == NULL)
				continue;
			pr = *pred[k] = jn_pred_compile(text[k],
			    &f->in.schema, f->in.event_slot, what[k]);
			if (pr == NULL)
				return -1;
			if (jn_pred_event_only(pr, f->in.event_slot)) {
				f->cpred[f->ncached] = pr;
				f->cflag[f->ncached++] = flag[k];
			} else {
				f->opred[f->nother] = pr;
				f->oflag[f->nother++] = flag[k];
			}
		}
	}
	f->tp_slot = f->tp_field ? jn_schema_field(&f->in.schema,
	    f->tp_field) : jn_schema_candidates(&f->in.schema, tp_names,
	    NELEM(tp_names));
	f->by_slot = f->by_field ? jn_schema_field(&f->in.schema,
	    f->by_field) : -1;
	if (f->tp_slot < 0 || (f->by_field && f->by_slot < 0))
		return -1;
	if (f->value_field && jn_valexpr_init(&f->value_expr, &f->in.schema,
	    f->value_field) != 0)
		return -1;
	/* names that match nothing are said after reading */
	if (f->goal != NULL)
		jn_input_watch_pred(&f->in, f->goal);
	if (f->from != NULL)
		jn_input_watch_pred(&f->in, f->from);
	if (f->to != NULL)
		jn_input_watch_pred(&f->in, f->to);
	if (f->tp_field)
		jn_input_watch_field(&f->in, "--touchpoint", f->tp_field,
		    f->tp_slot);
	if (f->by_field)
		jn_input_watch_field(&f->in, "--by", f->by_field, f->by_slot);
	if (f->value_field)
		jn_valexpr_watch(&f->value_expr, &f->in, "--value",
		    f->value_field);
	jn_input_watch_names(&f->in, &f->names);
	/* without --by or --value, events are kept without them */
	f->evsize = f->value_field ? sizeof(struct pev) : f->by_slot >= 0 ?
	    offsetof(struct pev, val) : offsetof(struct pev, by);
	jn_units_init(&f->units, f->evsize, offsetof(struct pev, unit),
	    f->per_session);
	f->units.sorted = f->run.sorted;
	/* units are counted one at a time, in any order: -j must agree */
	jn_units_any_order(&f->units);
	return 0;
}

static void
release(void *state)
{
	struct jpath *f = state;

	jn_touch_local_free(f->touch_local);
	if (!f->is_worker)	/* the rules are the main state's */
		jn_touch_free(f->touch);
	jn_pred_free(f->goal);
	jn_pred_free(f->from);
	jn_pred_free(f->to);
	jn_namecache_release(&f->names);
	jn_intern_release(&f->tps);
	jn_intern_release(&f->byvals);
	tally_release(&f->t);
	jn_idmap_release(&f->tpmap);
	jn_idmap_release(&f->bymap);
	free(f->merge_tps);
}

/* The view: as a page, or as the table or picture -o asks for. */
static int
write_result(void *state, enum jn_format fmt, char **files, int nfiles)
{
	struct jpath *f = state;

	return f->html ? html_page(f, files, nfiles) : write_table(f, fmt);
}

static const struct jn_reporter reporter = {
	.name = "jpath",
	.config = config_text,
	.write_state = write_state,
	.merge_record = merge_record,
	JN_REPORTER_STATE(struct jpath),
	.parse = parse_args,
	.setup = setup,
	.release = release,
	.event = on_event,
	.prepare = prepare_workers,
	.remap = remap_event,
	.unit = count_unit,
	.merge = merge_acc,
	.write = write_result,
};

int
main(int argc, char **argv)
{
	static struct jpath f;

	return jn_engine_main(&reporter, &f, argc, argv);
}
