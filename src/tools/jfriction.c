/*
 * jfriction: where customers struggle, and what each struggle costs.
 *
 * Every event becomes a compact record (time, user, session, touchpoint,
 * what kind of event it is), kept per user by the reporter engine
 * (engine.h), which hands each user's records over once; they are sorted
 * by time, sessions are cut, and each session is run through the detectors (slow pages, errors, rage clicks, abandoned forms,
 * repeated support contacts, loops, exits and dead ends).  Each friction
 * item (kind, touchpoint, detail) collects the sessions and users it hit;
 * because users are processed one at a time, distinct counts need no sets.
 * Impact compares the goal conversion of affected and unaffected users.
 * With --sorted (input grouped by user) each user is detected when the
 * next one starts.  --partial writes what the table is made of, all of it
 * integer counts, an exact sum and the loads as a multiset, and --merge
 * adds such states of shards of whole users up into the same table.
 *
 * Memory: 24 bytes per event, plus per distinct touchpoint, target, topic
 * and message, plus per distinct (target, kind, stratum) an event has
 * (struct ftag), plus per friction item, plus 32 bytes per distinct
 * (touchpoint, load) for p75.  With -j N the events are kept once, split between the reading
 * threads' states; the tables of users and values, and the counts per
 * item and touchpoint, are per thread.  With --sorted, one user's events,
 * the table of users (to tell one who comes back) and per distinct
 * (touchpoint, load); with --merge, the same without users.
 */
#include <assert.h>
#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/anomaly.h"
#include "journey/counts.h"
#include "journey/engine.h"
#include "journey/estimate.h"
#include "journey/group.h"
#include "journey/input.h"
#include "journey/intern.h"
#include "journey/pred.h"
#include "journey/score.h"
#include "journey/state.h"
#include "journey/touchpoint.h"
#include "journey/time.h"
#include "journey/util.h"
#include "journey/valexpr.h"
#include "journey/writer.h"
#include "journey/xsum.h"

static const char usage[] =
    "usage: jfriction [-u FIELD] [-t FIELD] [-e FIELD] [-o FORMAT]\n"
    "                 [--only KIND,...] [--skip KIND,...] [--goal EXPR]\n"
    "                 [--value FIELD] [--touchpoint FIELD]\n"
    "                 [--clean FILE | --raw-touchpoints]\n"
    "                 [--slow DUR] [--lcp] [--load-field FIELD]\n"
    "                 [--load-unit ms|s] [--error REGEX]\n"
    "                 [--message-field FIELD] [--click EXPR]\n"
    "                 [--target-field FIELD] [--rage-clicks N]\n"
    "                 [--rage-gap DUR] [--form-start EXPR]\n"
    "                 [--form-submit EXPR] [--contact EXPR]\n"
    "                 [--topic-field FIELD] [--repeat-within DUR]\n"
    "                 [--loop-visits N] [--min-users N] [--nps FIELD]\n"
    "                 [--unit session|user] [--strata FIELD,...]\n"
    "                 [--contact-window DUR] [--terminal EXPR] [-j N]\n"
    "                 [--sorted] [--partial | --merge] [--meta]\n"
    "                 [--where EXPR] [--since TIME]\n"
    "                 [--until TIME] [--strict] [--rejects FILE]\n"
    "                 [FILE ...]\n";

static const char help_text[] =
    "Find friction points and measure what they cost.\n"
    "\n"
    "Kinds: slow error rage_click form_abandon repeat_contact loop exit\n"
    "dead_end low_score.  Thresholds (defaults from published practice):\n"
    "      --slow DUR           slow load threshold, at p75 (2s)\n"
    "      --lcp                Web Vitals LCP: 2.5s, poor over 4s\n"
    "      --rage-clicks N      clicks on one target (3)\n"
    "      --rage-gap DUR       each within DUR of the last (1s)\n"
    "      --repeat-within DUR  repeat support contact window (7d)\n"
    "      --loop-visits N      visits to one touchpoint (3)\n"
    "      --min-users N        report items hitting N users or more (3)\n"
    "      --nps FIELD          NPS answers, for low_score (nps, nps_score)\n"
    "Cost: each item's units against the units that reached its\n"
    "touchpoint (or used its control) without it, stratified and\n"
    "reweighted (see jfriction(1)):\n"
    "      --unit session|user  the units compared (session)\n"
    "      --strata FIELD,...   strata (device,platform,channel,country)\n"
    "      --contact-window DUR support contacts after the item (7d)\n"
    "      --terminal EXPR      outcomes that end a journey: not exits\n"
    "Touchpoints (ids in paths as :id, queries dropped; journey(7)):\n"
    JN_TOUCH_HELP
    "Fields and events: --touchpoint, --load-field, --load-unit,\n"
    "--message-field, --target-field, --topic-field, --error, --click,\n"
    "--form-start, --form-submit, --contact, --goal, --value.\n"
    "Selection: --only KIND,...  --skip KIND,...\n"
    "Threads: -j, --jobs N (default: all cores).\n"
    "Input grouped by user: --sorted (memory per user, not per event).\n"
    "Shards: --partial writes a mergeable state, --merge adds them up.\n"
    "--meta begins the table with how it was made (journey(7)).\n"
    "Columns shown: --fields LIST (these, in this order).\n"
    "Shared options: see journey(7).  Formulas: see jfriction(1).\n";

enum {
	OPT_ONLY = JN_OPT_TOOL_BASE, OPT_SKIP, OPT_GOAL, OPT_VALUE,
	OPT_TOUCHPOINT, OPT_SLOW, OPT_LCP, OPT_LOAD_FIELD, OPT_LOAD_UNIT,
	OPT_ERROR, OPT_MESSAGE_FIELD, OPT_CLICK, OPT_TARGET_FIELD,
	OPT_RAGE_CLICKS, OPT_RAGE_GAP, OPT_FORM_START, OPT_FORM_SUBMIT,
	OPT_CONTACT, OPT_TOPIC_FIELD, OPT_REPEAT_WITHIN, OPT_LOOP_VISITS,
	OPT_MIN_USERS, OPT_UNIT, OPT_STRATA, OPT_CONTACT_WINDOW, OPT_TERMINAL
};

static const struct option tool_longopts[] = {
	{ "only", required_argument, NULL, OPT_ONLY },
	{ "skip", required_argument, NULL, OPT_SKIP },
	{ "goal", required_argument, NULL, OPT_GOAL },
	{ "value", required_argument, NULL, OPT_VALUE },
	{ "touchpoint", required_argument, NULL, OPT_TOUCHPOINT },
	{ "slow", required_argument, NULL, OPT_SLOW },
	{ "lcp", no_argument, NULL, OPT_LCP },
	{ "load-field", required_argument, NULL, OPT_LOAD_FIELD },
	{ "load-unit", required_argument, NULL, OPT_LOAD_UNIT },
	{ "error", required_argument, NULL, OPT_ERROR },
	{ "message-field", required_argument, NULL, OPT_MESSAGE_FIELD },
	{ "click", required_argument, NULL, OPT_CLICK },
	{ "target-field", required_argument, NULL, OPT_TARGET_FIELD },
	{ "rage-clicks", required_argument, NULL, OPT_RAGE_CLICKS },
	{ "rage-gap", required_argument, NULL, OPT_RAGE_GAP },
	{ "form-start", required_argument, NULL, OPT_FORM_START },
	{ "form-submit", required_argument, NULL, OPT_FORM_SUBMIT },
	{ "contact", required_argument, NULL, OPT_CONTACT },
	{ "topic-field", required_argument, NULL, OPT_TOPIC_FIELD },
	{ "repeat-within", required_argument, NULL, OPT_REPEAT_WITHIN },
	{ "loop-visits", required_argument, NULL, OPT_LOOP_VISITS },
	{ "min-users", required_argument, NULL, OPT_MIN_USERS },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "strata", required_argument, NULL, OPT_STRATA },
	{ "contact-window", required_argument, NULL, OPT_CONTACT_WINDOW },
	{ "terminal", required_argument, NULL, OPT_TERMINAL },
	JN_RUN_LONGOPTS,
	JN_TOUCH_LONGOPTS,
	JN_SCORE_LONGOPTS,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NONE UINT32_MAX
#define DEFAULT_STRATA "device,platform,channel,country"
/* outcomes that end a case by design, in the names process logs use */
#define DEFAULT_TERMINAL \
    "/(^|_)(declined|cancell?ed|rejected|denied|closed|withdrawn|" \
    "logout|log_out|sign_out)$/i"

/*
 * The kinds of item.  Those after K_NKINDS are never rows: they count
 * the units that clicked a control (a target at a touchpoint) and those
 * in which an error came right after a click on a control, the
 * baselines of errors and rage clicks (estimate_items).
 */
enum kind {
	K_SLOW, K_ERROR, K_RAGE, K_FORM, K_REPEAT, K_LOOP, K_EXIT,
	K_DEAD_END, K_LOW_SCORE, K_NKINDS,
	K_CONTROL = K_NKINDS, K_ERROR_AFTER, K_NALL
};

static const char *const kind_names[K_NALL] = {
	"slow", "error", "rage_click", "form_abandon", "repeat_contact",
	"loop", "exit", "dead_end", "low_score", "control", "error_after",
};

/* What an event is, as bits of struct fev's flags. */
enum {
	F_GOAL = 1, F_ERROR = 2, F_CLICK = 4, F_FORM_START = 8,
	F_FORM_SUBMIT = 16, F_CONTACT = 32, F_SLOW = 64, F_TERMINAL = 128,
	/* its NPS answer (--nps): any, 9-10, 0-6 */
	F_NPS = 256, F_PROMOTER = 512, F_DETRACTOR = 1024
};

#define MAX_STRATA_FIELDS 8
#define LOAD_BATCH 64		/* loads counted at a time (flush_loads) */
#define MAX_STRATA 65535	/* a stratum id fits struct fev's uint16_t */
#define NPRED 8

/*
 * Stratum values and their ids in a small direct-mapped cache: strata
 * are few, and joining and interning the key again for every event was a
 * few percent of reading.  Each value of up to STC_VMAX bytes is held as
 * two words (jn_bytes_words), which with its length say it exactly, so that
 * a hit costs a few word comparisons.  An id once given stays, so the
 * cache gives what the table would.
 */
#define STC_VMAX 16		/* longer values are not cached */
#define STC_BITS 8
#define STC_SLOTS (1 << STC_BITS)
struct stcache {
	uint32_t id;		/* NONE: empty */
	uint64_t lens;		/* the values' lengths, a byte each */
	uint64_t w[2 * MAX_STRATA_FIELDS];
};

/*
 * Items by key in a small direct-mapped cache in front of f->keys: the
 * detectors look the same few items up again and again.  An id once
 * given stays.
 */
#define ITC_BITS 9
#define ITC_SLOTS (1 << ITC_BITS)
struct itcache {
	uint32_t key[4];	/* kind, touchpoint, detail, cause */
	uint32_t id;		/* NONE: empty */
};

/*
 * Values (targets, messages, topics, event names) by their bytes in a
 * small direct-mapped cache in front of f->vals (val_put): few, and met
 * again and again.  An id once given stays.
 */
#define VC_MAX 40		/* longer values are not cached */
#define VC_BITS 8
#define VC_SLOTS (1 << VC_BITS)
struct vcache {
	uint32_t id;		/* NONE: empty */
	uint32_t len;
	char s[VC_MAX];
};

/* A touchpoint's visits in the session being detected (detect_loops). */
struct loopvis {
	uint64_t mark;		/* the session's serial, when counted */
	uint64_t visits, again;
	size_t first;		/* index of its first event */
};

/*
 * One event: 24 bytes, the most of what jfriction keeps.  What it is
 * besides its time, user, session and touchpoint is a tag: distinct tags
 * are few (most events are plain views), so the event keeps a tag's id.
 * Its load time is not kept: it joins the loads while reading, and
 * F_SLOW says whether it was over --slow.
 */
struct fev {
	int64_t ts;
	uint32_t user;
	uint32_t session;	/* hash of the session value | 1, 0 without */
	uint32_t tp;		/* touchpoint id */
	uint32_t tag;		/* id in the state's tags */
};

struct ftag {
	uint32_t aux;		/* target, form, topic or message id; NONE */
	uint16_t flags;
	uint16_t stratum;	/* id in strata: its --strata values */
};

/*
 * A friction item.  A symptom (rage clicks on the control that just
 * failed, the exit right after an error) names its cause, an item of
 * this state; a cause has cause NONE.
 */
struct item {
	uint8_t kind;
	uint32_t tp, detail;	/* ids in vals, detail NONE when none */
	uint32_t cause;		/* item id, NONE for a cause */
	uint64_t occurrences, sessions, users;
	double p75;		/* slow: the touchpoint's p75 load */
	uint32_t last_user, last_session;	/* for distinct counts */
	uint64_t unit_mark;	/* the unit it was last hit in */
	size_t unit_met;	/* then its index in the unit's met items */
	/* output: the estimate, from the cells */
	double rate_a, rate_b, revenue, lo, hi, support, effort;
	uint64_t reached;
	int priced;
	/* low_score: answering units at the touchpoint, detractors among
	 * them, their share, the baseline's reweighted, the excess, its se */
	uint64_t s_ans, s_det;
	double s_rate, s_base, s_excess, s_se;
	int s_row;		/* low_score: accepted (select_low_scores) */
	/* the NPS gap of its answering units (jn_scores_nps_gap), g_ok
	 * when there is one: the covered answering units, gap, interval */
	int g_ok;
	uint64_t g_ans;
	double g_gap, g_lo, g_hi;
};

/*
 * Counts of units in one stratum: at a touchpoint (all that reached
 * it) or of one item (those it hit).  Integers: they merge exactly.
 */
struct cell {
	uint64_t n;		/* units */
	uint64_t x;		/* of which reached the goal */
	uint64_t c;		/* support contacts within the window after */
	uint64_t s;		/* events of the units */
	uint64_t o;		/* of which the item's own (its clicks...) */
	uint64_t a;		/* units with an NPS answer */
	uint64_t d;		/* of which their last was a detractor's */
	uint64_t p;		/* or a promoter's */
};

/* The integers of a cell in a state: its stratum and the seven counts. */
#define NCELL 9

/*
 * Cells by key: (touchpoint or item id) << 32 | stratum id, in an
 * open-addressing table of indexes (0 empty, else index + 1): counted
 * once per unit and touchpoint, it is on the hot path.
 */
struct cells {
	uint64_t *k;
	struct cell *c;
	size_t n, cap;
	uint32_t *slot;
	size_t nslot;		/* 0 or a power of two */
};

/* Something the current unit met first at ts. */
struct met {
	uint32_t id;
	int64_t ts;
	uint64_t own;		/* an item's own events in the unit */
};

/*
 * What a stratum's conversions are worth: the --value of its goal events
 * and their squares, summed exactly (the same whatever the order or the
 * thread that added them), how many were valued, and the stratum's
 * converted units.
 */
struct sval {
	struct jn_xsum sum, sq;
	uint64_t n, conv;
};

struct friction {
	struct jn_common common;
	struct jn_input in;
	unsigned kinds;		/* bit per enum kind */
	const char *goal_text, *value_field, *tp_field, *load_field;
	const char *error_re, *message_field, *click_text, *target_field;
	const char *form_start_text, *form_submit_text, *contact_text;
	const char *topic_field;
	const char *terminal_text, *strata_text;
	int load_ms, lcp, rage_clicks, loop_visits, min_users, per_user;
	int64_t slow, rage_gap, repeat_within, contact_window;
	float slow_s;		/* --slow in seconds, as loads are compared */
	double poor;		/* --lcp: poor threshold, seconds */

	struct jn_pred *goal, *click, *form_start, *form_submit, *contact;
	struct jn_pred *error_name, *error_msg, *terminal;
	int error_msg_slot;	/* error_msg's field, -1 when not known */
	/* the same, by kind: per event name (cached) or per event */
	struct jn_namecache names;
	struct jn_pred *cpred[NPRED], *opred[NPRED];
	uint16_t cflag[NPRED], oflag[NPRED];
	uint16_t cflags[1 << NPRED];	/* the cached kinds' bits -> flags */
	int ncached, nother;
	int value_slot, tp_slot, load_slot, msg_slot, target_slot;
	struct jn_valexpr value_expr;	/* --value, or the default fields */
	/* --goal, --terminal, --strata given: said if they match nothing */
	int goal_given, terminal_given, strata_given;
	char *strata_names;	/* --strata's names, each NUL-terminated */
	/* touchpoint cleaning: the rules (the main state's), this thread's */
	struct jn_touch_opts touch_opts;
	struct jn_touch *touch;
	struct jn_touch_local *touch_local;
	struct stcache *stc;	/* stratum key -> its id (stratum_of) */
	int topic_slot;
	int strata_slot[MAX_STRATA_FIELDS], nstrata_fields;
	char *skey;		/* the stratum key being built */
	size_t skeycap;

	struct jn_units units;	/* users and their events */
	struct jn_engine engine;
	struct jn_intern vals, keys;
	struct jn_intern strata;	/* stratum keys: values joined by US */
	/* -j: per worker, its value, stratum and tag ids -> this state's */
	struct jn_idmap valmap, stratmap, tagmap;
	int too_many_strata;
	uint32_t *merge_strata;	/* --merge: a state's stratum index -> id */
	size_t nmerge_strata, merge_stratacap;
	/*
	 * The tags of events read into this state (tag_put), by id, in an
	 * open-addressing table of indexes (0 empty, else index + 1); and
	 * those of the events being detected: these, or with -j the main
	 * state's, which the events were remapped to.
	 */
	struct ftag *tags;
	uint64_t *tagkey;	/* each tag as a word (tag_key) */
	size_t ntags, tagcap;
	uint32_t *tagslot;
	size_t ntagslot;	/* 0 or a power of two */
	const struct ftag *etags;
	/* per stratum id: what its conversions are worth */
	struct sval *sval;
	size_t nsval;

	/*
	 * The loads of every touchpoint as a multiset (load_key): all that
	 * p75 needs, exactly, and it merges by adding counts.  Counted by
	 * distinct (touchpoint, load): far fewer than loads, and a table of
	 * them costs less than a key per load sorted at the end, in time
	 * and in memory (8 bytes per event, and as many to sort them).
	 */
	struct jn_counts loads;
	/*
	 * Loads read and not yet counted: counted a batch at a time, the
	 * cache misses of a large table overlap (one per event, between
	 * the parsing of events, they did not).  flush_loads empties it.
	 */
	uint64_t lbuf[LOAD_BATCH];
	size_t nlbuf;
	struct item *items;
	size_t nitems, itemcap;
	struct itcache *itc;	/* item key -> its id (item_for) */
	struct vcache *vc;	/* value -> its id in vals (val_put) */
	/* the unit being detected: touchpoints reached, items met */
	struct met *mtp, *mit;
	size_t nmtp, mtpcap, nmit, mitcap;
	uint64_t unit_serial, session_serial, *tp_mark, *tp_umark;
	size_t *tp_umet;	/* per touchpoint: its index in mtp */
	struct loopvis *tp_loop;	/* per touchpoint: detect_loops' */
	uint32_t *loop_order;	/* a session's touchpoints, first seen first */
	size_t nloop_order, loop_order_cap;
	size_t unit_events;
	int64_t *cts;		/* the user's support contacts, in time */
	size_t ncts, ctscap;
	uint32_t *runs;		/* the user's sessions, run by run */
	size_t runscap;
	struct cells reach, icells;
	/*
	 * low_score: the answering units by answer pattern, their stratum
	 * and the touchpoints they reached (a key of 32-bit ids: the
	 * stratum, then the touchpoints in id order), with 3 counts per
	 * pattern id: units, detractors, promoters (add_pattern).
	 */
	struct jn_intern apat;
	uint64_t *apc;
	size_t apccap;
	uint32_t *pkey;		/* the key being built */
	size_t pkeycap;
	uint32_t *merge_tps;	/* --merge: a state's touchpoint index -> id */
	size_t nmerge_tps, merge_tpscap;

	/* totals */
	uint64_t total_users, total_sessions, total_converted;
	uint64_t total_conv_sessions;
	uint64_t total_session_events;
	/* per touchpoint: sessions visiting, non-converting exits */
	uint64_t *tp_visits, *tp_exits;
	size_t tpcap;
	uint64_t total_visits, total_exits;

	struct jn_run run;	/* -j, --sorted, --partial, --merge */
	int is_worker;		/* one of the reading threads' states */
};

/* ---- reading ---- */

static int
match(struct jn_pred *p, const struct jn_record *rec)
{
	return p ? jn_pred_match(p, rec) : 0;
}

/*
 * Id of value s[0..len) in vals.  Ids follow first appearance in this
 * state's input, so nothing reported may depend on them (see val_cmp).
 */
static uint32_t
val_put(struct friction *f, const char *s, size_t len)
{
	struct vcache *c;
	size_t i;

	if (len > VC_MAX)
		return jn_intern_put(&f->vals, s, len);
	if (f->vc == NULL) {
		f->vc = jn_xmalloc(VC_SLOTS * sizeof *f->vc);
		for (i = 0; i < VC_SLOTS; i++)
			f->vc[i].id = NONE;
	}
	c = &f->vc[jn_mix_bytes(s, len) >> (64 - VC_BITS)];
	if (c->id == NONE || c->len != len || !jn_same_bytes(c->s, s, len)) {
		c->id = jn_intern_put(&f->vals, s, len);
		c->len = (uint32_t)len;
		if (len > 0)
			memcpy(c->s, s, len);
	}
	return c->id;
}

static uint32_t
val_id(struct friction *f, int slot, const struct jn_record *rec)
{
	size_t len;
	const char *v = jn_record_get(rec, slot, &len);

	return v && len ? val_put(f, v, len) : NONE;
}

/* A tag as one word: its detail, flags and stratum. */
static inline uint64_t
tag_key(uint32_t aux, unsigned flags, unsigned stratum)
{
	return (uint64_t)aux << 32 | (uint64_t)flags << 16 | stratum;
}

/* The home slot of tag key k in f->tagslot (not empty). */
static inline size_t
tag_home(const struct friction *f, uint64_t k)
{
	uint64_t h = k * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> 32 ^ h >> 7) & (f->ntagslot - 1);
}

/* tag_put's new tag k; i is the empty slot it found for it. */
static uint32_t
tag_add(struct friction *f, uint64_t k, size_t i)
{
	size_t j;

	if (2 * (f->ntags + 1) > f->ntagslot) {	/* room for one more */
		free(f->tagslot);
		f->ntagslot = f->ntagslot ? 2 * f->ntagslot : 64;
		f->tagslot = jn_xcalloc(f->ntagslot, sizeof *f->tagslot);
		for (j = 0; j <= f->ntags; j++) {
			uint64_t kj = j < f->ntags ? f->tagkey[j] : k;

			for (i = tag_home(f, kj); f->tagslot[i] != 0;
			    i = (i + 1) & (f->ntagslot - 1))
				;
			if (j < f->ntags)
				f->tagslot[i] = (uint32_t)j + 1;
		}
	}
	f->tags = jn_xgrow(f->tags, &f->tagcap, f->ntags + 1, sizeof *f->tags);
	f->tagkey = jn_xrealloc(f->tagkey, f->tagcap * sizeof *f->tagkey);
	f->tags[f->ntags].aux = (uint32_t)(k >> 32);
	f->tags[f->ntags].flags = (uint16_t)(k >> 16);
	f->tags[f->ntags].stratum = (uint16_t)k;
	f->tagkey[f->ntags] = k;
	f->tagslot[i] = (uint32_t)++f->ntags;
	return (uint32_t)(f->ntags - 1);
}

/* The id of the tag (aux, flags, stratum) in f->tags, added if new. */
static inline uint32_t
tag_put(struct friction *f, uint32_t aux, uint16_t flags, uint16_t stratum)
{
	uint64_t k = tag_key(aux, flags, stratum);
	size_t i;

	if (f->ntagslot == 0)
		return tag_add(f, k, 0);
	for (i = tag_home(f, k); f->tagslot[i] != 0;
	    i = (i + 1) & (f->ntagslot - 1))
		if (f->tagkey[f->tagslot[i] - 1] == k)
			return f->tagslot[i] - 1;
	return tag_add(f, k, i);
}

/* What event e is: its tag in the tags the events being detected have. */
static inline const struct ftag *
tag_of(const struct friction *f, const struct fev *e)
{
	return &f->etags[e->tag];
}

static inline unsigned
ev_flags(const struct friction *f, const struct fev *e)
{
	return tag_of(f, e)->flags;
}

static inline uint32_t
ev_aux(const struct friction *f, const struct fev *e)
{
	return tag_of(f, e)->aux;
}

/* The worth of stratum st, zero when new. */
static struct sval *
sval_at(struct friction *f, uint32_t st)
{
	if (st >= f->nsval) {
		size_t n = st + 1 > 2 * f->nsval ? st + 1 : 2 * f->nsval;

		f->sval = jn_xrealloc(f->sval, n * sizeof *f->sval);
		memset(f->sval + f->nsval, 0,
		    (n - f->nsval) * sizeof *f->sval);
		f->nsval = n;
	}
	return &f->sval[st];
}

/* Add from's sums (not its converted units) to to's. */
static void
sval_merge(struct sval *to, const struct sval *from)
{
	jn_xsum_merge(&to->sum, &from->sum);
	jn_xsum_merge(&to->sq, &from->sq);
	to->n += from->n;
}

/*
 * The stratum of rec: its --strata values joined by a unit separator,
 * as an id of f->strata.  It depends on the event alone (not on its
 * user, whose lookup jn_units_put_record defers).  Strata are few: the
 * values are looked up in a small direct-mapped cache of values and their
 * ids first (an id once given stays), without joining them, then the key
 * in the table.  Returns the id, or -1 when there are more strata than a
 * record holds (reported).
 */
static int
stratum_of(struct friction *f, const struct jn_record *rec)
{
	const char *v[MAX_STRATA_FIELDS];
	size_t len[MAX_STRATA_FIELDS], n = 0, id;
	uint64_t w[2 * MAX_STRATA_FIELDS], h = 0, lens = 0;
	struct stcache *c = NULL;
	int k, nf = f->nstrata_fields, cached = 1;

	for (k = 0; k < nf; k++) {
		v[k] = jn_record_get(rec, f->strata_slot[k], &len[k]);
		if (len[k] == 0)	/* no words: its length says it */
			continue;
		if (len[k] > STC_VMAX) {
			cached = 0;
			continue;
		}
		lens |= (uint64_t)len[k] << (8 * k);
		jn_bytes_words(v[k], len[k], &w[2 * k], &w[2 * k + 1]);
		h = (h ^ w[2 * k]) * UINT64_C(0x9e3779b97f4a7c15);
		h = (h ^ h >> 29 ^ w[2 * k + 1]) *
		    UINT64_C(0xd6e8feb86659fd93);
	}
	if (cached) {
		if (f->stc == NULL) {
			size_t i;

			f->stc = jn_xmalloc(STC_SLOTS * sizeof *f->stc);
			for (i = 0; i < STC_SLOTS; i++)
				f->stc[i].id = NONE;
		}
		h = (h ^ lens) * UINT64_C(0x9e3779b97f4a7c15);
		c = &f->stc[h >> (64 - STC_BITS)];
		if (c->id != NONE && c->lens == lens) {
			for (k = 0; k < nf; k++)
				if (len[k] > 0 && (c->w[2 * k] != w[2 * k] ||
				    c->w[2 * k + 1] != w[2 * k + 1]))
					break;
			if (k == nf)
				return (int)c->id;
		}
	}
	for (k = 0; k < nf; k++)
		n += len[k] + (k > 0);
	f->skey = jn_xgrow(f->skey, &f->skeycap, n + 1, 1);
	n = 0;
	for (k = 0; k < nf; k++) {
		if (k > 0)
			f->skey[n++] = '\x1f';
		if (len[k] > 0)
			memcpy(f->skey + n, v[k], len[k]);
		n += len[k];
	}
	id = jn_intern_put(&f->strata, f->skey, n);
	if (id >= MAX_STRATA)
		return jn_error("more than %d strata: give fewer --strata "
		    "fields", MAX_STRATA);
	if (c != NULL) {
		c->id = (uint32_t)id;
		c->lens = lens;
		for (k = 0; k < nf; k++) {
			c->w[2 * k] = len[k] > 0 ? w[2 * k] : 0;
			c->w[2 * k + 1] = len[k] > 0 ? w[2 * k + 1] : 0;
		}
	}
	return (int)id;
}

/*
 * The flags of the kinds that depend on ev's name alone (the cached
 * predicates), into *flags.  Returns 0, or -1 (reported) when a regex
 * fails.
 */
static int
name_flags(struct friction *f, const struct jn_event *ev, uint16_t *flags)
{
	uint64_t bits;

	if (jn_namecache_get(&f->names, f->cpred, f->ncached, ev->rec,
	    ev->name, ev->name_len, &bits) != 0)
		return -1;
	*flags = f->cflags[bits & ((1U << NPRED) - 1)];
	return 0;
}

/*
 * A load as a key of the multiset: the touchpoint, then the float's bits,
 * which sort as the loads (never negative) do.
 */
static uint64_t
load_key(uint32_t tp, float load)
{
	uint32_t bits;

	load += 0.0F;		/* -0 as +0: one key per value */
	memcpy(&bits, &load, sizeof bits);
	return (uint64_t)tp << 32 | bits;
}

/* Count the loads read so far into f->loads. */
static void
flush_loads(struct friction *f)
{
	size_t i;

	for (i = 0; i < f->nlbuf; i++)
		jn_counts_add(&f->loads, f->lbuf[i], 1);
	f->nlbuf = 0;
}

static int
on_event(void *ctx, const struct jn_event *ev)
{
	struct friction *f = ctx;
	const struct jn_record *rec = ev->rec;
	struct fev e;
	uint32_t tp, aux = NONE;
	uint16_t flags = 0;
	const char *v;
	size_t len;
	int m, k, st;
	/* the kinds of event, once per event name where they allow it */
	if (ev->name_len > 0 && f->ncached > 0) {
		if (name_flags(f, ev, &flags) != 0)
			return -1;
	} else {
		for (k = 0; k < f->ncached; k++) {
			if ((m = match(f->cpred[k], rec)) < 0)
				return -1;
			flags |= m ? f->cflag[k] : 0;
		}
	}
	for (k = 0; k < f->nother; k++) {
		/* without a message it is no match: a regex of the field */
		if (f->opred[k] == f->error_msg && f->error_msg_slot >= 0 &&
		    jn_record_get(rec, f->error_msg_slot, &len) == NULL)
			continue;
		if ((m = match(f->opred[k], rec)) < 0)
			return -1;
		flags |= m ? f->oflag[k] : 0;
	}
	if (ev->score[JN_NPS] >= 0)
		flags |= F_NPS | (ev->score[JN_NPS] >= 9 ? F_PROMOTER :
		    ev->score[JN_NPS] <= 6 ? F_DETRACTOR : 0);
	/* the touchpoint: its field cleaned (journey(7)), else the name */
	v = jn_record_get(rec, f->tp_slot, &len);
	if (v == NULL || len == 0)
		tp = val_put(f, ev->name, ev->name_len);
	else if ((tp = jn_touch_intern(f->touch_local, &f->vals, v,
	    len)) == NONE)
		return -1;
	if (flags & F_ERROR) {
		aux = val_id(f, f->msg_slot, rec);
		if (aux == NONE)
			aux = val_put(f, ev->name, ev->name_len);
	} else if (flags & F_CONTACT) {
		aux = val_id(f, f->topic_slot, rec);
	} else if (flags & (F_CLICK | F_FORM_START | F_FORM_SUBMIT)) {
		aux = val_id(f, f->target_slot, rec);
	}
	v = jn_record_get(rec, f->load_slot, &len);
	if (v != NULL && len > 0 && (f->kinds >> K_SLOW & 1)) {
		double d;
		float load;

		/* beyond a float's range the conversion is undefined: a
		 * load of 10^38 seconds is no load time, so it is left out */
		if (jn_parse_double(v, len, &d) == 0 && d >= 0 &&
		    (f->load_ms ? d / 1000 : d) <= FLT_MAX) {
			load = (float)(f->load_ms ? d / 1000 : d);
			flags |= load > f->slow_s ? F_SLOW : 0;
			f->lbuf[f->nlbuf++] = load_key(tp, load);
			if (f->nlbuf == LOAD_BATCH)
				flush_loads(f);
		}
	}
	if ((st = stratum_of(f, rec)) < 0)
		return -1;
	if (f->value_slot >= 0 && (flags & F_GOAL)) {
		double d;

		if (jn_valexpr_get(&f->value_expr, rec, &d) == 0) {
			struct sval *sv = sval_at(f, (uint32_t)st);

			jn_xsum_add(&sv->sum, d);
			jn_xsum_add(&sv->sq, d * d);
			sv->n++;
		}
	}
	/*
	 * Nothing is kept per user while reading: the user's lookup is
	 * deferred (its unit id filled in then), so that its cache misses
	 * in a large table of users overlap with reading the next events.
	 */
	e.ts = ev->time;
	e.user = 0;
	e.session = ev->session && ev->session_len ?
	    (uint32_t)jn_hash(ev->session, ev->session_len) | 1 : 0;
	e.tp = tp;
	e.tag = tag_put(f, aux, flags, (uint16_t)st);
	return jn_units_put_record(&f->units, ev, &e);
}

/* ---- items ---- */

/* The key of an item in f->keys: its kind, touchpoint, detail, cause. */
static void
item_key(char key[16], enum kind k, uint32_t tp, uint32_t detail,
    uint32_t cause)
{
	memcpy(key, &k, 4);
	memcpy(key + 4, &tp, 4);
	memcpy(key + 8, &detail, 4);
	memcpy(key + 12, &cause, 4);
}

static uint32_t
item_for(struct friction *f, enum kind k, uint32_t tp, uint32_t detail,
    uint32_t cause)
{
	char key[16];
	uint32_t id;
	uint64_t h = ((uint64_t)k << 32 | tp) * UINT64_C(0x9e3779b97f4a7c15);
	struct itcache *c;

	if (f->itc == NULL) {
		f->itc = jn_xmalloc(ITC_SLOTS * sizeof *f->itc);
		for (id = 0; id < ITC_SLOTS; id++)
			f->itc[id].id = NONE;
	}
	h = (h ^ h >> 29 ^ ((uint64_t)detail << 32 | cause)) *
	    UINT64_C(0xd6e8feb86659fd93);
	c = &f->itc[h >> (64 - ITC_BITS)];
	if (c->id != NONE && c->key[0] == (uint32_t)k && c->key[1] == tp &&
	    c->key[2] == detail && c->key[3] == cause)
		return c->id;
	item_key(key, k, tp, detail, cause);
	id = jn_intern_put(&f->keys, key, 16);
	c->key[0] = (uint32_t)k;
	c->key[1] = tp;
	c->key[2] = detail;
	c->key[3] = cause;
	c->id = id;
	if (id == f->nitems) {
		struct item *it;

		f->items = jn_xgrow(f->items, &f->itemcap, f->nitems + 1,
		    sizeof *f->items);
		it = &f->items[f->nitems++];
		memset(it, 0, sizeof *it);
		it->kind = (uint8_t)k;
		it->tp = tp;
		it->detail = detail;
		it->cause = cause;
		it->last_user = NONE;
		it->p75 = NAN;
	}
	return id;
}

/* The item's id, or NONE when there is none. */
static uint32_t
item_find(const struct friction *f, enum kind k, uint32_t tp,
    uint32_t detail, uint32_t cause)
{
	char key[16];

	item_key(key, k, tp, detail, cause);
	return jn_intern_find(&f->keys, key, 16);
}

static size_t
cell_home(const struct cells *cs, uint64_t key)
{
	uint64_t h = key * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h ^ h >> 29) & (cs->nslot - 1);
}

/* Index of the cell of (id, stratum) in cs, or NONE. */
static uint32_t
cell_find(const struct cells *cs, uint32_t id, uint32_t stratum)
{
	uint64_t key = (uint64_t)id << 32 | stratum;
	size_t i;

	if (cs->nslot == 0)
		return NONE;
	for (i = cell_home(cs, key); cs->slot[i] != 0;
	    i = (i + 1) & (cs->nslot - 1))
		if (cs->k[cs->slot[i] - 1] == key)
			return cs->slot[i] - 1;
	return NONE;
}

/* The cell of (id, stratum) in cs, added empty if new. */
static struct cell *
cell_for(struct cells *cs, uint32_t id, uint32_t stratum)
{
	uint64_t key = (uint64_t)id << 32 | stratum;
	size_t i, j;

	if (2 * (cs->n + 1) > cs->nslot) {
		free(cs->slot);
		cs->nslot = cs->nslot ? 2 * cs->nslot : 64;
		cs->slot = jn_xcalloc(cs->nslot, sizeof *cs->slot);
		for (j = 0; j < cs->n; j++) {
			for (i = cell_home(cs, cs->k[j]); cs->slot[i] != 0;
			    i = (i + 1) & (cs->nslot - 1))
				;
			cs->slot[i] = (uint32_t)j + 1;
		}
	}
	for (i = cell_home(cs, key); cs->slot[i] != 0;
	    i = (i + 1) & (cs->nslot - 1))
		if (cs->k[cs->slot[i] - 1] == key)
			return &cs->c[cs->slot[i] - 1];
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? 2 * cs->cap : 64;
		cs->c = jn_xrealloc(cs->c, cs->cap * sizeof *cs->c);
		cs->k = jn_xrealloc(cs->k, cs->cap * sizeof *cs->k);
	}
	cs->slot[i] = (uint32_t)cs->n + 1;
	cs->k[cs->n] = key;
	memset(&cs->c[cs->n], 0, sizeof *cs->c);
	return &cs->c[cs->n++];
}

static void
cells_add(struct cell *to, const struct cell *from)
{
	to->n += from->n;
	to->x += from->x;
	to->c += from->c;
	to->s += from->s;
	to->o += from->o;
	to->a += from->a;
	to->d += from->d;
	to->p += from->p;
}

/* The id and stratum of cell i of cs. */
static void
cell_key(const struct cells *cs, size_t i, uint32_t *id, uint32_t *st)
{
	*id = (uint32_t)(cs->k[i] >> 32);
	*st = (uint32_t)cs->k[i];
}

static void
cells_release(struct cells *cs)
{
	free(cs->k);
	free(cs->c);
	free(cs->slot);
}

/* What the current unit met: id, first at ts. */
static void
met(struct met **m, size_t *n, size_t *cap, uint32_t id, int64_t ts)
{
	*m = jn_xgrow(*m, cap, *n + 1, sizeof **m);
	(*m)[*n].id = id;
	(*m)[*n].own = 0;
	(*m)[(*n)++].ts = ts;
}

/* Item id met by the current unit at ts: its entry, first at the earliest. */
static struct met *
meet(struct friction *f, uint32_t id, int64_t ts)
{
	struct item *it = &f->items[id];
	struct met *m;

	if (it->unit_mark != f->unit_serial) {
		it->unit_mark = f->unit_serial;
		it->unit_met = f->nmit;
		met(&f->mit, &f->nmit, &f->mitcap, id, ts);
		return &f->mit[f->nmit - 1];
	}
	m = &f->mit[it->unit_met];
	if (ts < m->ts)
		m->ts = ts;
	return m;
}

/*
 * Record one occurrence of an item (a symptom of item cause, or cause
 * NONE) in session sid of user u at ts; distinct sessions and users are
 * counted as they change, since users and their sessions arrive one
 * after the other.  Returns the item's id.
 */
static uint32_t
hit_own(struct friction *f, enum kind k, uint32_t tp, uint32_t detail,
    uint32_t cause, uint32_t u, uint32_t sid, int64_t ts, uint64_t own)
{
	uint32_t id = item_for(f, k, tp, detail, cause);
	struct item *it = &f->items[id];

	it->occurrences++;
	if (it->last_user != u) {
		it->last_user = u;
		it->last_session = sid;
		it->sessions++;
		it->users++;
	} else if (it->last_session != sid) {
		it->last_session = sid;
		it->sessions++;
	}
	if (k == K_REPEAT)
		return id;	/* counted per user, after the sessions */
	meet(f, id, ts)->own += own;
	return id;
}

/* An occurrence that is no event of the customer's beyond the usual. */
static uint32_t
hit(struct friction *f, enum kind k, uint32_t tp, uint32_t detail,
    uint32_t cause, uint32_t u, uint32_t sid, int64_t ts)
{
	return hit_own(f, k, tp, detail, cause, u, sid, ts, 0);
}

/* ---- loads ---- */

/* The k-th smallest (from 0) of the loads counted in e[0..n). */
static float
load_nth(const struct jn_count *e, size_t n, uint64_t k)
{
	uint32_t bits = (uint32_t)jn_counts_nth(e, n, k);
	float v;

	memcpy(&v, &bits, sizeof v);
	return v;
}

/*
 * p75 of the loads at each touchpoint into its slow items (linear
 * interpolation between closest ranks); slow items at or below the
 * threshold are not reported.
 */
static void
slow_p75(struct friction *f, size_t ntp)
{
	double *p75 = jn_xmalloc((ntp + 1) * sizeof *p75);
	const struct jn_count *e = f->loads.sorted;
	size_t n = f->loads.nsorted, i, j;

	for (i = 0; i <= ntp; i++)
		p75[i] = NAN;
	for (i = 0; i < n; i = j) {
		uint64_t tp = e[i].key >> 32, count = 0, a;
		double rank;

		for (j = i; j < n && e[j].key >> 32 == tp; j++)
			count += e[j].count;
		assert(tp < ntp);
		rank = 0.75 * (double)(count - 1);
		a = (uint64_t)rank;
		p75[tp] = load_nth(e + i, j - i, a);
		if (a + 1 < count)
			p75[tp] += (rank - (double)a) *
			    ((double)load_nth(e + i, j - i, a + 1) - p75[tp]);
	}
	for (i = 0; i < f->nitems; i++)
		if (f->items[i].kind == K_SLOW)
			f->items[i].p75 = p75[f->items[i].tp];
	free(p75);
}

/* ---- detectors, per session ---- */

struct session {
	struct fev *ev;
	size_t n;
	uint32_t user, id;
	int converted;
	unsigned any;		/* the flags of any of its events */
};

/*
 * Errors and slow loads; and the controls (targets clicked at a
 * touchpoint) the unit clicked, with the errors that came right after a
 * click on one, at the same touchpoint: the baselines of errors and rage
 * clicks are the units that used the same control (estimate_items).
 */
static void
detect_errors_slow(struct friction *f, const struct session *s)
{
	int controls = (f->kinds >> K_ERROR & 1) ||
	    (f->kinds >> K_RAGE & 1) || (f->kinds >> K_FORM & 1);
	uint32_t tp = NONE, clicked = NONE, id;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct fev *e = &s->ev[i];
		const struct ftag *t = tag_of(f, e);

		if (e->tp != tp) {
			tp = e->tp;
			clicked = NONE;
		}
		if (controls && (t->flags & (F_CLICK | F_FORM_START)) &&
		    t->aux != NONE) {
			clicked = t->aux;
			meet(f, item_for(f, K_CONTROL, tp, clicked, NONE),
			    e->ts);
		}
		if ((f->kinds >> K_ERROR & 1) && (t->flags & F_ERROR)) {
			id = hit(f, K_ERROR, e->tp, t->aux, NONE, s->user,
			    s->id, e->ts);
			if (clicked != NONE)
				hit(f, K_ERROR_AFTER, tp, clicked, id, s->user,
				    s->id, e->ts);
		}
		/* F_SLOW is set only when slow is detected */
		if (t->flags & F_SLOW)
			hit(f, K_SLOW, e->tp, NONE, NONE, s->user, s->id,
			    e->ts);
	}
}

/*
 * The error item a rage chain starting at event i is a symptom of, or
 * NONE: the session's last error before the chain was at the chain's
 * touchpoint, and the click just before that error was on the chain's
 * target (the control that just failed).
 */
static uint32_t
rage_cause(struct friction *f, const struct session *s, size_t i)
{
	const struct fev *c = &s->ev[i];
	size_t j, k;

	if (!(f->kinds >> K_ERROR & 1))
		return NONE;
	for (j = i; j > 0 && !(ev_flags(f, &s->ev[j - 1]) & F_ERROR); j--)
		;
	if (j == 0 || s->ev[j - 1].tp != c->tp)
		return NONE;
	for (k = j - 1; k > 0 && !(ev_flags(f, &s->ev[k - 1]) & F_CLICK); k--)
		;
	if (k == 0 || ev_aux(f, &s->ev[k - 1]) != ev_aux(f, c) ||
	    s->ev[k - 1].tp != c->tp)
		return NONE;
	return item_for(f, K_ERROR, c->tp, ev_aux(f, &s->ev[j - 1]), NONE);
}

/* Chains of rage_clicks clicks on one target, each within rage_gap. */
static void
detect_rage(struct friction *f, const struct session *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		const struct fev *e = &s->ev[i];
		const struct ftag *t = tag_of(f, e);
		size_t chain = 1;
		int64_t last = e->ts;

		if (!(t->flags & F_CLICK) || t->aux == NONE)
			continue;
		for (j = i + 1; j < s->n; j++) {
			const struct fev *c = &s->ev[j];
			const struct ftag *ct = tag_of(f, c);

			if (!(ct->flags & F_CLICK))
				continue;
			if (ct->aux != t->aux || c->ts - last > f->rage_gap)
				break;
			chain++;
			last = c->ts;
		}
		if (chain >= (size_t)f->rage_clicks) {
			hit_own(f, K_RAGE, e->tp, t->aux, rage_cause(f, s, i),
			    s->user, s->id, e->ts, chain - 1);
			/* the chain is one occurrence: skip past it */
			for (; i + 1 < s->n && s->ev[i + 1].ts <= last; i++)
				;
		}
	}
}

/* A form started and not submitted later in the session. */
static void
detect_forms(struct friction *f, const struct session *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		const struct fev *e = &s->ev[i];
		const struct ftag *t = tag_of(f, e);
		int submitted = 0;

		if (!(t->flags & F_FORM_START))
			continue;
		for (j = i + 1; j < s->n && !submitted; j++)
			submitted = (ev_flags(f, &s->ev[j]) & F_FORM_SUBMIT) &&
			    ev_aux(f, &s->ev[j]) == t->aux;
		/* a form started twice counts once, at its last start */
		for (j = i + 1; j < s->n && !submitted; j++)
			if ((ev_flags(f, &s->ev[j]) & F_FORM_START) &&
			    ev_aux(f, &s->ev[j]) == t->aux)
				submitted = 1;
		if (!submitted)
			hit(f, K_FORM, e->tp, t->aux, NONE, s->user, s->id,
			    e->ts);
	}
}

/*
 * A touchpoint visited loop_visits times with other touchpoints between;
 * again counts its events from the second visit on.  One pass over the
 * session with a counter per touchpoint (a crawler's session of 10^6
 * pages stays linear), then the touchpoints in the order of their first
 * visits.
 */
static void
detect_loops(struct friction *f, const struct session *s)
{
	size_t i;

	f->nloop_order = 0;
	for (i = 0; i < s->n; i++) {
		struct loopvis *lv = &f->tp_loop[s->ev[i].tp];

		if (lv->mark != f->session_serial) {
			lv->mark = f->session_serial;
			lv->visits = 1;
			lv->again = 0;
			lv->first = i;
			f->loop_order = jn_xgrow(f->loop_order,
			    &f->loop_order_cap, f->nloop_order + 1,
			    sizeof *f->loop_order);
			f->loop_order[f->nloop_order++] = s->ev[i].tp;
			continue;
		}
		if (s->ev[i - 1].tp != s->ev[i].tp)
			lv->visits++;
		lv->again += lv->visits > 1;
	}
	for (i = 0; i < f->nloop_order; i++) {
		uint32_t tp = f->loop_order[i];
		const struct loopvis *lv = &f->tp_loop[tp];

		if (lv->visits >= (uint64_t)f->loop_visits)
			hit_own(f, K_LOOP, tp, NONE, NONE, s->user, s->id,
			    s->ev[lv->first].ts, lv->again);
	}
}

/*
 * The error item an exit is a symptom of, or NONE: after the session's
 * last error the session stayed at the error's touchpoint, or went on
 * only to contact support (the contact's touchpoint and the contact).
 */
static uint32_t
exit_cause(struct friction *f, const struct session *s)
{
	size_t j, k, e;

	if (!(f->kinds >> K_ERROR & 1) || !(s->any & F_ERROR))
		return NONE;
	for (e = s->n; e > 0 && !(ev_flags(f, &s->ev[e - 1]) & F_ERROR); e--)
		;
	if (e == 0)
		return NONE;
	for (j = e; j < s->n; j++) {
		int contact = s->ev[j].tp == s->ev[e - 1].tp;

		for (k = e; k < s->n && !contact; k++)
			contact = (ev_flags(f, &s->ev[k]) & F_CONTACT) &&
			    s->ev[k].tp == s->ev[j].tp;
		if (!contact)
			return NONE;
	}
	return item_for(f, K_ERROR, s->ev[e - 1].tp, ev_aux(f,
	    &s->ev[e - 1]), NONE);
}

/*
 * Where a session without the goal ends; a dead end follows an error.
 * A session that met a --terminal outcome ended by design: no exit.
 * Also notes the touchpoints the unit reached, first at what time.
 */
static void
detect_exit(struct friction *f, const struct session *s)
{
	const struct fev *last = &s->ev[s->n - 1];
	size_t i;
	int error = 0, terminal = (s->any & F_TERMINAL) != 0;

	for (i = 0; i < s->n; i++) {
		uint32_t tp = s->ev[i].tp;

		if (f->tp_mark[tp] == f->session_serial)
			continue;
		f->tp_mark[tp] = f->session_serial;
		f->tp_visits[tp]++;
		if (f->tp_umark[tp] != f->unit_serial) {
			f->tp_umark[tp] = f->unit_serial;
			f->tp_umet[tp] = f->nmtp;
			met(&f->mtp, &f->nmtp, &f->mtpcap, tp, s->ev[i].ts);
		} else if (s->ev[i].ts < f->mtp[f->tp_umet[tp]].ts) {
			/* a user's sessions may come out of time order */
			f->mtp[f->tp_umet[tp]].ts = s->ev[i].ts;
		}
	}
	if (s->converted || terminal)
		return;
	f->tp_exits[last->tp]++;
	f->total_exits++;
	/* an error at the last touchpoint, in the session's last steps */
	for (i = s->n; (s->any & F_ERROR) && i > 0 &&
	    s->ev[i - 1].tp == last->tp; i--)
		error |= ev_flags(f, &s->ev[i - 1]) & F_ERROR;
	if ((f->kinds >> K_DEAD_END & 1) && error)
		hit(f, K_DEAD_END, last->tp, NONE, exit_cause(f, s), s->user,
		    s->id, last->ts);
	else if (f->kinds >> K_EXIT & 1)
		hit(f, K_EXIT, last->tp, NONE, exit_cause(f, s), s->user,
		    s->id, last->ts);
}

/* Support contacts again on the same topic within repeat_within. */
static void
detect_repeat(struct friction *f, const struct fev *ev, size_t n,
    uint32_t user)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		uint32_t aux = ev_aux(f, &ev[i]);

		if (!(ev_flags(f, &ev[i]) & F_CONTACT))
			continue;
		for (j = i; j > 0; j--) {
			const struct fev *p = &ev[j - 1];

			if (ev[i].ts - p->ts > f->repeat_within)
				break;
			if ((ev_flags(f, p) & F_CONTACT) &&
			    ev_aux(f, p) == aux) {
				hit(f, K_REPEAT, ev[i].tp, aux, NONE,
				    user, ev[i].session, ev[i].ts);
				break;
			}
		}
	}
}

/* ---- per user ---- */

/* Make room for the counts of every touchpoint so far, new ones zero. */
static void
tps_resize(struct friction *f, size_t cap)
{
	size_t old = f->tpcap;

#define TP_ARRAY(a) do { \
	f->a = jn_xrealloc(f->a, cap * sizeof *f->a); \
	memset(f->a + old, 0, (cap - old) * sizeof *f->a); \
} while (0)
	assert(cap >= old);
	TP_ARRAY(tp_visits);
	TP_ARRAY(tp_exits);
	TP_ARRAY(tp_mark);
	TP_ARRAY(tp_umark);
	TP_ARRAY(tp_umet);
	TP_ARRAY(tp_loop);
#undef TP_ARRAY
	f->tpcap = cap;
}

/* Room in the per-touchpoint arrays for every touchpoint so far. */
static void
grow_tps(struct friction *f)
{
	size_t need = jn_intern_count(&f->vals) + 1, old = f->tpcap;

	if (need > old)
		tps_resize(f, need > 2 * old ? need : 2 * old);
}

/* The user's support contacts in (ts, ts + --contact-window]. */
static uint64_t
contacts_after(const struct friction *f, int64_t ts)
{
	int64_t end = ts > INT64_MAX - f->contact_window ? INT64_MAX :
	    ts + f->contact_window;

	if (f->ncts == 0)	/* most users: no search */
		return 0;
	/* f->cts is sorted: two searches */
	return (uint64_t)(jn_time_after(f->cts, f->ncts, sizeof *f->cts, end) -
	    jn_time_after(f->cts, f->ncts, sizeof *f->cts, ts));
}

static void
begin_unit(struct friction *f)
{
	f->unit_serial++;
	f->nmtp = f->nmit = 0;
	f->unit_events = 0;
}

/*
 * The unit ends: it counts, in its stratum, at every touchpoint it
 * reached and on every item it met, with its goal, and the events and
 * the support contacts its user made (within the window) after it first
 * got there.
 */
static uint64_t
events_after(const struct fev *ev, size_t n, int64_t ts)
{
	size_t lo = 0, hi = n;

	/* ev is in time order (a session's, or the user's): the first
	 * after ts, as jn_time_after finds it, inline */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ev[mid].ts <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint64_t)(n - lo);
}

static int
u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return (a > b) - (a < b);
}

/*
 * The 3 counts of answer pattern k[0..n) (a stratum id, then touchpoint
 * ids in increasing order), made 0 when new.
 */
static uint64_t *
pattern_at(struct friction *f, const uint32_t *k, size_t n)
{
	uint32_t id = jn_intern_put(&f->apat, (const char *)k, n * sizeof *k);
	size_t have = f->apccap;

	f->apc = jn_xgrow(f->apc, &f->apccap, 3 * ((size_t)id + 1),
	    sizeof *f->apc);
	if (f->apccap > have)
		memset(f->apc + have, 0, (f->apccap - have) * sizeof *f->apc);
	return f->apc + 3 * (size_t)id;
}

/*
 * The unit being ended answered NPS (d: a detractor, p: a promoter): it
 * counts in the pattern of its stratum and the touchpoints it reached.
 */
static void
add_pattern(struct friction *f, uint32_t stratum, uint64_t d, uint64_t p)
{
	uint64_t *c;
	size_t i;

	f->pkey = jn_xgrow(f->pkey, &f->pkeycap, f->nmtp + 1,
	    sizeof *f->pkey);
	f->pkey[0] = stratum;
	for (i = 0; i < f->nmtp; i++)
		f->pkey[i + 1] = f->mtp[i].id;
	if (f->nmtp > 1)
		qsort(f->pkey + 1, f->nmtp, sizeof *f->pkey, u32_cmp);
	c = pattern_at(f, f->pkey, f->nmtp + 1);
	c[0]++;
	c[1] += d;
	c[2] += p;
}

/*
 * ans: the flags of the unit's last event with an NPS answer, 0 without
 * one.  A unit whose last answer is a detractor's hits low_score at
 * every touchpoint it reached (session sid of user u; with --unit user,
 * sid 1).
 */
static void
end_unit(struct friction *f, const struct fev *ev, size_t n,
    uint32_t stratum, int converted, unsigned ans, uint32_t u, uint32_t sid)
{
	struct cell *c;
	size_t i;
	uint64_t a = (ans & F_NPS) != 0, d = (ans & F_DETRACTOR) != 0;
	uint64_t p = (ans & F_PROMOTER) != 0;

	if (converted)
		sval_at(f, stratum)->conv++;
	if (d && (f->kinds >> K_LOW_SCORE & 1))
		for (i = 0; i < f->nmtp; i++)
			hit(f, K_LOW_SCORE, f->mtp[i].id, NONE, NONE, u, sid,
			    f->mtp[i].ts);
	for (i = 0; i < f->nmtp; i++) {
		c = cell_for(&f->reach, f->mtp[i].id, stratum);
		c->n++;
		c->x += (uint64_t)converted;
		c->a += a;
		c->d += d;
		c->p += p;
		c->c += contacts_after(f, f->mtp[i].ts);
		c->s += events_after(ev, n, f->mtp[i].ts);
	}
	for (i = 0; i < f->nmit; i++) {
		c = cell_for(&f->icells, f->mit[i].id, stratum);
		c->n++;
		c->x += (uint64_t)converted;
		c->c += contacts_after(f, f->mit[i].ts);
		c->s += events_after(ev, n, f->mit[i].ts);
		c->o += f->mit[i].own;
		c->a += a;
		c->d += d;
		c->p += p;
	}
	if (a && (f->kinds >> K_LOW_SCORE & 1))
		add_pattern(f, stratum, d, p);
}


/*
 * The values and strata of the main state, whose ids the events being
 * detected carry; set before detecting, read only while threads detect.
 */
static const struct jn_intern *cmp_vals, *cmp_strata;
static struct ftag *const *cmp_tags;	/* the main state's tags */

/*
 * Byte order of values a and b, none last.  Ties between events go by
 * strings, not ids: ids follow first appearance, which differs between
 * input orders, --sorted input and shards, and the detectors (the last
 * touchpoint of a session, a chain of clicks) depend on the order.
 */
static int
val_cmp(uint32_t a, uint32_t b)
{
	const char *sa, *sb;
	size_t la, lb;
	int c;

	if (a == b)
		return 0;
	if (a == NONE || b == NONE)
		return a == NONE ? 1 : -1;
	sa = jn_intern_str(cmp_vals, a, &la);
	sb = jn_intern_str(cmp_vals, b, &lb);
	c = memcmp(sa, sb, la < lb ? la : lb);
	return c != 0 ? c : (la > lb) - (la < lb);
}

/* The order of events of equal times (fev_cmp past the time). */
static int
fev_tie(const void *pa, const void *pb)
{
	const struct fev *a = pa, *b = pb;
	const struct ftag *ta, *tb;
	unsigned fa, fb;
	int c;

	if (a->session != b->session)
		return a->session < b->session ? -1 : 1;
	ta = &(*cmp_tags)[a->tag];
	tb = &(*cmp_tags)[b->tag];
	/* not by F_SLOW: events are not ordered by their loads */
	fa = ta->flags & ~(unsigned)F_SLOW;
	fb = tb->flags & ~(unsigned)F_SLOW;
	if (fa != fb)
		return fa < fb ? -1 : 1;
	if ((c = val_cmp(a->tp, b->tp)) != 0)
		return c;
	if ((c = val_cmp(ta->aux, tb->aux)) != 0)
		return c;
	if (ta->stratum != tb->stratum) {
		size_t la, lb;
		const char *sa = jn_intern_str(cmp_strata, ta->stratum, &la);
		const char *sb = jn_intern_str(cmp_strata, tb->stratum, &lb);

		c = memcmp(sa, sb, la < lb ? la : lb);
		return c != 0 ? c : (la > lb) - (la < lb);
	}
	return 0;
}

static int
fev_cmp(const void *pa, const void *pb)
{
	const struct fev *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return fev_tie(pa, pb);
}

static int
fev_session_cmp(const void *pa, const void *pb)
{
	const struct fev *a = pa, *b = pb;

	if (a->session != b->session)
		return a->session < b->session ? -1 : 1;
	return fev_cmp(pa, pb);
}

static void
run_session(struct friction *f, struct fev *ev, size_t n, uint32_t user,
    uint32_t sid)
{
	struct session s;
	size_t i;
	unsigned ans = 0;

	s.ev = ev;
	s.n = n;
	s.user = user;
	s.id = sid;
	s.any = 0;
	for (i = 0; i < n; i++) {
		unsigned fl = ev_flags(f, &ev[i]);

		s.any |= fl;
		if (fl & F_NPS)
			ans = fl;
	}
	s.converted = (s.any & F_GOAL) != 0;
	f->total_sessions++;
	f->total_session_events += n;
	f->total_conv_sessions += (uint64_t)(s.converted != 0);
	f->session_serial++;
	if (!f->per_user)
		begin_unit(f);
	f->unit_events += n;
	/* most sessions are plain views: no pass for what they lack */
	if (s.any & (F_CLICK | F_FORM_START | F_ERROR | F_SLOW))
		detect_errors_slow(f, &s);
	if ((f->kinds >> K_RAGE & 1) && (s.any & F_CLICK))
		detect_rage(f, &s);
	if ((f->kinds >> K_FORM & 1) && (s.any & F_FORM_START))
		detect_forms(f, &s);
	if (f->kinds >> K_LOOP & 1)
		detect_loops(f, &s);
	detect_exit(f, &s);
	if (!f->per_user)
		end_unit(f, ev, n, tag_of(f, &ev[0])->stratum,
		    s.converted != 0, ans,
		    user, sid);
}

/*
 * One user: sessions by session value (then time), or cut after
 * --session-gap, each detected and, as a unit, counted; with --unit user
 * the user is the unit.
 */
/*
 * Do ev[0..n), in time order, hold each session value in one run?  Then
 * the sessions are the runs, in time order as they are: no sort by
 * session (and back) is needed.  Sessions rarely interleave.
 */
static int
sessions_in_runs(struct friction *f, const struct fev *ev, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (i == 0 || ev[i].session != ev[i - 1].session) {
			f->runs = jn_xgrow(f->runs, &f->runscap, k + 1,
			    sizeof *f->runs);
			f->runs[k++] = ev[i].session;
		}
	if (k < 2)
		return 1;
	/* a user's runs are few: pairs, without a sort (qsort's call) */
	if (k <= 32) {
		size_t j;

		for (i = 1; i < k; i++)
			for (j = 0; j < i; j++)
				if (f->runs[i] == f->runs[j])
					return 0;
		return 1;
	}
	qsort(f->runs, k, sizeof *f->runs, u32_cmp);
	for (i = 1; i < k; i++)
		if (f->runs[i] == f->runs[i - 1])
			return 0;
	return 1;
}

/* Detect the sessions of ev[0..n), sorted by session then time. */
static void
run_sessions(struct friction *f, struct fev *ev, size_t n, uint32_t user)
{
	size_t i, s = 0;
	uint32_t sid = 0;

	for (i = 1; i <= n; i++)
		if (i == n || ev[i].session != ev[i - 1].session ||
		    (ev[i].session == 0 && ev[i].ts - ev[i - 1].ts >
		    f->common.session_gap)) {
			run_session(f, ev + s, i - s, user, ++sid);
			s = i;
		}
}

static void
run_user(struct friction *f, struct fev *ev, size_t n, uint32_t user)
{
	size_t i;
	int converted = 0;
	unsigned ans = 0;

	jn_sort_by_time(ev, n, sizeof *ev, fev_tie);
	f->ncts = 0;
	for (i = 0; i < n; i++) {
		unsigned fl = ev_flags(f, &ev[i]);

		if (fl & F_CONTACT) {
			f->cts = jn_xgrow(f->cts, &f->ctscap, f->ncts + 1,
			    sizeof *f->cts);
			f->cts[f->ncts++] = ev[i].ts;	/* in time order */
		}
		converted |= (fl & F_GOAL) != 0;
		if (fl & F_NPS)	/* the last, in time order */
			ans = fl;
	}
	if (f->per_user)
		begin_unit(f);
	if (sessions_in_runs(f, ev, n)) {
		run_sessions(f, ev, n, user);
	} else {
		jn_sort_small(ev, n, sizeof *ev, fev_session_cmp);
		run_sessions(f, ev, n, user);
		jn_sort_by_time(ev, n, sizeof *ev, fev_tie);
	}
	if (f->kinds >> K_REPEAT & 1)
		detect_repeat(f, ev, n, user);
	f->total_users++;
	f->total_converted += (uint64_t)converted;
	if (f->per_user)
		end_unit(f, ev, n, tag_of(f, &ev[0])->stratum, converted,
		    ans, user, 1);
}

/*
 * One user, handed over by the engine: its events (in any order) are
 * detected into acc (the main state, or the share's worker with -j).
 * Users are told apart by the unit id
 * of their events, distinct among the users counted into one acc.
 */
static void
detect_user(void *tool, void *acc, const struct jn_unit *u, void *rec,
    size_t n)
{
	struct friction *a = acc;
	struct fev *ev = rec;

	(void)tool;
	(void)u;
	if (n == 0)
		return;
	if (a == tool) {	/* with -j, prepare sized the workers' */
		grow_tps(a);
		a->etags = a->tags;	/* --sorted: it may have grown */
	}
	run_user(a, ev, n, ev[0].user);
}

/* ---- -j: the engine's hooks ---- */

/*
 * Each reading thread interned its own values (touchpoints, targets,
 * topics, messages): they are numbered in the main state's table before
 * detecting, and every worker's events move to those ids.  Any numbering
 * will do, as ties between events are broken by the values' strings
 * (val_cmp).  The workers detect into tables of touchpoints that size.
 */
static void
prepare_workers(void *tool, void *const *w, int n)
{
	struct friction *f = tool;
	size_t ntp, nst, j;
	int k;

	if (n == 0)		/* one thread: its own ids */
		return;
	jn_idmap_init(&f->valmap, n);
	jn_idmap_init(&f->stratmap, n);
	for (k = 0; k < n; k++) {
		struct friction *wk = w[k];

		jn_idmap_merge(&f->valmap, k, &f->vals, &wk->vals);
		jn_idmap_merge(&f->stratmap, k, &f->strata, &wk->strata);
		/* the values moved to the main state's strata: the
		 * worker counts converted units by those ids next */
		nst = jn_intern_count(&wk->strata);
		for (j = 0; j < wk->nsval && j < nst; j++)
			sval_merge(sval_at(f, jn_idmap_get(&f->stratmap, k,
			    (uint32_t)j)), &wk->sval[j]);
		if (wk->nsval > 0)	/* memset(NULL, ...) is undefined */
			memset(wk->sval, 0, wk->nsval * sizeof *wk->sval);
	}
	/* each worker had fewer than MAX_STRATA; all of them may not */
	f->too_many_strata = jn_intern_count(&f->strata) > MAX_STRATA;
	/*
	 * The workers' tags and loads, in the main state's values and
	 * strata: the events' tags are remapped to these, and the workers
	 * detect with them.
	 */
	jn_idmap_init(&f->tagmap, n);
	for (k = 0; k < n; k++) {
		struct friction *wk = w[k];
		uint32_t *tags = jn_xmalloc((wk->ntags + 1) * sizeof *tags);

		f->tagmap.of[k] = tags;		/* made here: no table */
		for (j = 0; j < wk->ntags; j++) {
			const struct ftag *t = &wk->tags[j];

			/* over MAX_STRATA the run fails: the id is moot */
			tags[j] = tag_put(f, jn_idmap_get(&f->valmap, k,
			    t->aux), t->flags, (uint16_t)jn_idmap_get(
			    &f->stratmap, k, t->stratum));
		}
		flush_loads(wk);
		jn_counts_settle(&wk->loads);
		for (j = 0; j < wk->loads.nsorted; j++) {
			uint64_t key = wk->loads.sorted[j].key;

			jn_counts_add(&f->loads, (uint64_t)jn_idmap_get(
			    &f->valmap, k, (uint32_t)(key >> 32)) << 32 |
			    (key & UINT32_MAX),
			    wk->loads.sorted[j].count);
		}
		jn_counts_release(&wk->loads);
	}
	grow_tps(f);
	ntp = f->tpcap;
	for (k = 0; k < n; k++) {
		struct friction *wk = w[k];

		wk->tpcap = 0;		/* unused while reading: all zeroed */
		tps_resize(wk, ntp);
		wk->etags = f->tags;	/* complete: it grows no more */
	}
}

static void
remap_event(const void *tool, int k, void *rec)
{
	const struct friction *f = tool;
	struct fev *e = rec;

	e->tp = jn_idmap_get(&f->valmap, k, e->tp);
	e->tag = jn_idmap_get(&f->tagmap, k, e->tag);
}

/*
 * Add what share acc detected to f: every count is an integer (extra
 * steps too, exactly summed in a double), the loads behind p75 are a
 * multiset, and ties and the rows' order go by strings, so the output is
 * the same whatever -j says.
 */
static void
merge_detected(void *tool, void *acc)
{
	struct friction *f = tool;
	struct friction *w = acc;
	size_t i, ntp = jn_intern_count(&f->vals);
	uint32_t *map;

	f->total_users += w->total_users;
	f->total_conv_sessions += w->total_conv_sessions;
	f->total_sessions += w->total_sessions;
	f->total_converted += w->total_converted;
	f->total_session_events += w->total_session_events;
	f->total_exits += w->total_exits;
	for (i = 0; i < w->nsval; i++)	/* the main state's strata */
		if (w->sval[i].conv > 0)
			sval_at(f, (uint32_t)i)->conv += w->sval[i].conv;
	for (i = 0; i < ntp; i++) {
		f->tp_visits[i] += w->tp_visits[i];
		f->tp_exits[i] += w->tp_exits[i];
	}
	/* a cause comes before its symptoms: it was hit first */
	map = jn_xmalloc((w->nitems + 1) * sizeof *map);
	for (i = 0; i < w->nitems; i++) {
		const struct item *from = &w->items[i];
		uint32_t id;
		struct item *to;

		assert(from->cause == NONE || from->cause < i);
		id = item_for(f, (enum kind)from->kind, from->tp,
		    from->detail, from->cause == NONE ? NONE :
		    map[from->cause]);
		map[i] = id;
		to = &f->items[id];	/* after it grew */
		to->occurrences += from->occurrences;
		to->sessions += from->sessions;
		to->users += from->users;
	}
	/* cells: touchpoints and strata are the main state's ids already */
	for (i = 0; i < w->reach.n; i++) {
		uint32_t tp, st;

		cell_key(&w->reach, i, &tp, &st);
		cells_add(cell_for(&f->reach, tp, st), &w->reach.c[i]);
	}
	for (i = 0; i < w->icells.n; i++) {
		uint32_t id, st;

		cell_key(&w->icells, i, &id, &st);
		cells_add(cell_for(&f->icells, map[id], st),
		    &w->icells.c[i]);
	}
	free(map);
	/* answer patterns: their ids are the main state's already */
	for (i = 0; i < jn_intern_count(&w->apat); i++) {
		size_t len;
		const char *k = jn_intern_str(&w->apat, (uint32_t)i, &len);
		uint64_t *c;

		f->pkey = jn_xgrow(f->pkey, &f->pkeycap, len / sizeof *f->pkey,
		    sizeof *f->pkey);
		memcpy(f->pkey, k, len);
		c = pattern_at(f, f->pkey, len / sizeof *f->pkey);
		c[0] += w->apc[3 * i];
		c[1] += w->apc[3 * i + 1];
		c[2] += w->apc[3 * i + 2];
	}
	/* the loads: the workers' were moved while preparing */
}

/* ---- output ---- */

static struct friction *sort_f;

static int
str_cmp(uint32_t a, uint32_t b)
{
	if (a == b)
		return 0;
	if (a == NONE || b == NONE)
		return a == NONE ? -1 : 1;
	return strcmp(jn_intern_str(&sort_f->vals, a, NULL),
	    jn_intern_str(&sort_f->vals, b, NULL));
}

/* Items by their strings: kind, touchpoint, detail, then their cause's. */
static int
key_order(const struct item *a, const struct item *b)
{
	int c;

	if (a->kind != b->kind)
		return a->kind - b->kind;
	if ((c = str_cmp(a->tp, b->tp)) != 0 ||
	    (c = str_cmp(a->detail, b->detail)) != 0)
		return c;
	if (a->cause == b->cause)
		return 0;
	if (a->cause == NONE || b->cause == NONE)
		return a->cause == NONE ? -1 : 1;
	return key_order(&sort_f->items[a->cause], &sort_f->items[b->cause]);
}

/* Kinds priced by the comparison; the others have no revenue. */
static int
priced_kind(int kind)
{
	return kind != K_EXIT && kind != K_DEAD_END && kind != K_REPEAT &&
	    kind != K_LOW_SCORE && kind < K_NKINDS;
}

/*
 * Row order: by kind, then strength (revenue at risk, the raw estimate,
 * or for exits the excess of their share of exits over their share of
 * visits, for low scores the lower end of the interval of their excess
 * share of detractors, for
 * repeat contacts their number), users, occurrences, then
 * the strings.  Every figure compared is computed the same way from the
 * same integers whatever -j or the shards, so the order is too.
 */
static double
strength(const struct friction *f, const struct item *it)
{
	if (priced_kind(it->kind))
		return it->revenue;
	if (it->kind == K_LOW_SCORE)	/* its interval's lower end */
		return it->s_excess - 1.959964 * it->s_se;
	if (it->kind == K_REPEAT || f->total_exits == 0 ||
	    f->total_visits == 0)
		return (double)it->occurrences;
	return (double)f->tp_exits[it->tp] / (double)f->total_exits -
	    (double)f->tp_visits[it->tp] / (double)f->total_visits;
}

static int
item_cmp(const void *pa, const void *pb)
{
	const struct item *a = &sort_f->items[*(const uint32_t *)pa];
	const struct item *b = &sort_f->items[*(const uint32_t *)pb];
	double sa, sb;

	if (a->kind != b->kind)
		return a->kind - b->kind;
	sa = strength(sort_f, a);
	sb = strength(sort_f, b);
	if (sa != sb)
		return sa > sb ? -1 : 1;
	if (priced_kind(a->kind) && a->hi + a->lo != b->hi + b->lo)
		return a->hi + a->lo > b->hi + b->lo ? -1 : 1;
	if (a->users != b->users)
		return a->users > b->users ? -1 : 1;
	if (a->occurrences != b->occurrences)
		return a->occurrences > b->occurrences ? -1 : 1;
	return key_order(a, b);
}

/* Item ids in row order; caller frees. */
static uint32_t *
item_order(struct friction *f, int (*cmp)(const void *, const void *))
{
	uint32_t *order = jn_xmalloc((f->nitems + 1) * sizeof *order);
	size_t i;

	for (i = 0; i < f->nitems; i++)
		order[i] = (uint32_t)i;
	sort_f = f;
	if (f->nitems > 0)
		qsort(order, f->nitems, sizeof *order, cmp);
	return order;
}

static int
key_cmp_ids(const void *pa, const void *pb)
{
	return key_order(&sort_f->items[*(const uint32_t *)pa],
	    &sort_f->items[*(const uint32_t *)pb]);
}

/* Cells of one table in (id, stratum string) order. */
static const uint32_t *cell_srank;
static const struct cells *cell_sort;


static int
cell_cmp(const void *pa, const void *pb)
{
	uint32_t ia, sa, ib, sb;

	cell_key(cell_sort, *(const uint32_t *)pa, &ia, &sa);
	cell_key(cell_sort, *(const uint32_t *)pb, &ib, &sb);
	if (ia != ib)
		return ia < ib ? -1 : 1;
	return cell_srank[sa] < cell_srank[sb] ? -1 :
	    cell_srank[sa] > cell_srank[sb];
}

static uint32_t *
cell_order(const struct cells *cs, const uint32_t *srank)
{
	uint32_t *order = jn_xmalloc((cs->n + 1) * sizeof *order);
	size_t i;

	for (i = 0; i < cs->n; i++)
		order[i] = (uint32_t)i;
	cell_sort = cs;
	cell_srank = srank;
	if (cs->n > 0)
		qsort(order, cs->n, sizeof *order, cell_cmp);
	return order;
}

/* Where each id's cells start in cs[order[...]]: starts[0..nid]. */
static size_t *
cell_starts(const struct cells *cs, const uint32_t *order, size_t nid)
{
	size_t *start = jn_xcalloc(nid + 2, sizeof *start), i;

	for (i = 0; i < cs->n; i++) {
		uint32_t id, st;

		cell_key(cs, order[i], &id, &st);
		assert(id < nid);
		start[id + 1]++;
	}
	for (i = 0; i < nid; i++)
		start[i + 1] += start[i];
	return start;
}

/*
 * What a converted unit of stratum st is worth: the mean, the stratum's
 * --value sum over its converted units; the variance, that of its valued
 * events times the number of them per converted unit (a unit's goal
 * events taken as independent draws).  0 without values.
 */
static void
worth(const struct friction *f, uint32_t st, double *mean, double *var)
{
	const struct sval *sv = st < f->nsval ? &f->sval[st] : NULL;
	double n, m, v;

	*mean = *var = 0;
	if (sv == NULL || sv->conv == 0 || sv->n == 0)
		return;
	n = (double)sv->n;
	*mean = jn_xsum_value(&sv->sum) / (double)sv->conv;
	if (sv->n < 2)
		return;
	m = jn_xsum_value(&sv->sum) / n;
	v = (jn_xsum_value(&sv->sq) - n * m * m) / (n - 1);
	*var = v > 0 ? n / (double)sv->conv * v : 0;
}

/* One comparison's strata, built by against(). */
struct against {
	struct jn_stratum *st;
	uint64_t *ca, *cb, *sa, *sb;	/* contacts, events: affected, not */
	size_t n, cap;
};

/*
 * The strata of affected item aid (its cells in icells, order[from..to))
 * against the units of whole's id wid that it did not hit (wid's cells
 * less aid's, stratum by stratum): aid's units must be among wid's.
 * Returns 0, or -1 when wid lacks a stratum or units aid has (a state
 * written before controls were counted): no comparison then.
 */
static int
against(const struct friction *f, const struct cells *whole, uint32_t wid,
    const uint32_t *order, size_t from, size_t to, struct against *g)
{
	size_t k;

	g->n = 0;
	g->st = jn_xgrow(g->st, &g->cap, to - from, sizeof *g->st);
	g->ca = jn_xrealloc(g->ca, g->cap * sizeof *g->ca);
	g->cb = jn_xrealloc(g->cb, g->cap * sizeof *g->cb);
	g->sa = jn_xrealloc(g->sa, g->cap * sizeof *g->sa);
	g->sb = jn_xrealloc(g->sb, g->cap * sizeof *g->sb);
	for (k = from; k < to; k++) {
		const struct cell *a = &f->icells.c[order[k]];
		const struct cell *w;
		uint32_t id, s, wi;

		cell_key(&f->icells, order[k], &id, &s);
		wi = cell_find(whole, wid, s);
		if (wi == NONE)
			return -1;
		w = &whole->c[wi];
		if (w->n < a->n || w->x < a->x || w->s < a->s)
			return -1;
		g->st[g->n] = (struct jn_stratum){ a->n, a->x, w->n - a->n,
			w->x - a->x, 0, 0 };
		worth(f, s, &g->st[g->n].worth, &g->st[g->n].worth_var);
		g->ca[g->n] = a->c;
		/* contacts are counted in a window from when each unit
		 * got somewhere: the affected units' from the item's
		 * time may exceed theirs from the touchpoint's */
		g->cb[g->n] = w->c > a->c ? w->c - a->c : 0;
		/* the item's own events after it first hit, not the
		 * effort it caused */
		g->sa[g->n] = a->s - (a->o < a->s ? a->o : a->s);
		g->sb[g->n++] = w->s - a->s;
	}
	return 0;
}

static void
against_release(struct against *g)
{
	free(g->st);
	free(g->ca);
	free(g->cb);
	free(g->sa);
	free(g->sb);
}

/*
 * The control an error or rage item is priced against, as the affected
 * item to compare (the item itself, or for an error the units it hit
 * right after a click on its control) and the control's item: a rage
 * chain's own target; for an error, the control after which it came in
 * the most units (ties by the control's string).  Returns 0, or -1 when
 * the item has none.
 */
static int
control_of(struct friction *f, uint32_t id, const uint32_t *after,
    uint32_t *affected, uint32_t *control)
{
	const struct item *it = &f->items[id];
	uint32_t a = id;

	if (it->kind == K_ERROR) {
		if ((a = after[id]) == NONE)
			return -1;
	} else if (it->kind != K_RAGE && it->kind != K_FORM) {
		return -1;
	}
	*affected = a;
	*control = item_find(f, K_CONTROL, it->tp, f->items[a].detail, NONE);
	return *control == NONE ? -1 : 0;
}

/*
 * The NPS gap of item it's answering units (its cells in icells,
 * order[from..to)) against the other answering units that reached its
 * touchpoint, stratum by stratum (jfriction(1), SCORE GAP); *ns is
 * scratch.
 */
static void
nps_against(const struct friction *f, struct item *it, const uint32_t *order,
    size_t from, size_t to, struct jn_nps_stratum **ns, size_t *cap)
{
	struct jn_score_est e;
	size_t k, n = 0;

	*ns = jn_xgrow(*ns, cap, to - from + 1, sizeof **ns);
	for (k = from; k < to; k++) {
		const struct cell *a = &f->icells.c[order[k]], *w;
		uint32_t id, st, wi;

		cell_key(&f->icells, order[k], &id, &st);
		wi = cell_find(&f->reach, it->tp, st);
		if (a->a == 0 || wi == NONE)
			continue;
		w = &f->reach.c[wi];
		assert(w->a >= a->a && w->d >= a->d && w->p >= a->p);
		(*ns)[n++] = (struct jn_nps_stratum){ a->a, a->p, a->d,
			w->a - a->a, w->p - a->p, w->d - a->d };
	}
	it->g_ok = jn_scores_nps_gap(*ns, n, &e, &it->g_ans) == 0;
	it->g_gap = e.value;
	it->g_lo = e.lower;
	it->g_hi = e.upper;
}

/*
 * The answer patterns, decoded for select_low_scores: per pattern its
 * counts (units, detractors, promoters), its touchpoints tp[at[i] ..
 * at[i + 1]) in id order, and its group: at first its stratum's rank,
 * then refined by each accepted touchpoint.
 */
struct patterns {
	const struct jn_intern *keys;	/* the patterns' keys */
	size_t n, ngroup, nstrata;
	const uint64_t *c;
	uint32_t *pat;		/* per touchpoint, the patterns that */
	size_t *at;		/* reached it: pat[at[tp] .. at[tp + 1]) */
	uint32_t *group;
	uint8_t *in;		/* scratch: per pattern, reached tp */
	uint64_t *tot;		/* per group: n, x, p of its patterns */
	uint64_t *side;		/* per group: n, x, p affected, n, x, p not */
	struct jn_stratum *st;
	struct jn_nps_stratum *ns;
};

/* Each group's totals, after its patterns changed group. */
static void
group_totals(struct patterns *pt)
{
	size_t i;

	if (pt->ngroup > 0)	/* memset(NULL, ...) is undefined */
		memset(pt->tot, 0, 3 * pt->ngroup * sizeof *pt->tot);
	for (i = 0; i < pt->n; i++) {
		uint64_t *t = pt->tot + 3 * pt->group[i];

		t[0] += pt->c[3 * i];
		t[1] += pt->c[3 * i + 1];
		t[2] += pt->c[3 * i + 2];
	}
}

/*
 * A low_score item's comparison in the current groups (jfriction(1),
 * LOW SCORES): per group the answering units that reached its
 * touchpoint, detractors last, against the group's others; and the NPS
 * gap between the same units.
 */
static void
low_score(struct patterns *pt, struct item *it)
{
	struct jn_estimate e;
	struct jn_score_est g;
	size_t i, n = 0;

	for (i = 0; i < pt->ngroup; i++) {	/* all on the baseline */
		uint64_t *sd = pt->side + 6 * i;

		sd[0] = sd[1] = sd[2] = 0;
		memcpy(sd + 3, pt->tot + 3 * i, 3 * sizeof *sd);
	}
	for (i = pt->at[it->tp]; i < pt->at[it->tp + 1]; i++) {
		uint32_t k = pt->pat[i];
		uint64_t *sd = pt->side + 6 * pt->group[k];

		sd[0] += pt->c[3 * k];
		sd[1] += pt->c[3 * k + 1];
		sd[2] += pt->c[3 * k + 2];
		sd[3] -= pt->c[3 * k];
		sd[4] -= pt->c[3 * k + 1];
		sd[5] -= pt->c[3 * k + 2];
	}
	it->s_ans = it->s_det = 0;
	for (i = 0; i < pt->ngroup; i++) {	/* in the groups' order */
		const uint64_t *sd = pt->side + 6 * i;

		if (sd[0] == 0)
			continue;
		it->s_ans += sd[0];
		it->s_det += sd[1];
		pt->st[n] = (struct jn_stratum){ sd[0], sd[1], sd[3], sd[4],
			0, 0 };
		pt->ns[n++] = (struct jn_nps_stratum){ sd[0], sd[2], sd[1],
			sd[3], sd[5], sd[4] };
	}
	jn_estimate_strata(pt->st, n, &e);
	it->s_rate = e.rate_a;
	it->s_base = e.rate_b;
	it->s_excess = -e.gap;
	it->s_se = e.se;
	it->g_ok = jn_scores_nps_gap(pt->ns, n, &g, &it->g_ans) == 0;
	it->g_gap = g.value;
	it->g_lo = g.lower;
	it->g_hi = g.upper;
}

/* The lower end of a low_score item's interval, NAN without a baseline. */
static double
low_end(const struct item *it)
{
	return isnan(it->s_base) ? NAN : it->s_excess - 1.959964 * it->s_se;
}

/*
 * Is a low_score item's excess above 0 at the family-wise level: its
 * lower end at z_sel, the normal quantile of 1 - 0.025 / m for the m
 * touchpoints tested (Bonferroni), so that a log of many unremarkable
 * touchpoints does not show one in forty as upsetting people.
 */
static int
above_zero(const struct item *it, double z_sel)
{
	return !isnan(it->s_base) && it->s_excess - z_sel * it->s_se > 0;
}

/* Is a's lower end below b's (none lowest; ties by touchpoint)? */
static int
weaker(const struct item *a, const struct item *b)
{
	double la = low_end(a), lb = low_end(b);

	if (isnan(la) != isnan(lb))
		return isnan(la);
	if (!isnan(la) && la != lb)
		return la < lb;
	return str_cmp(a->tp, b->tp) < 0;
}

/* Groups back to the strata, numbered by rank. */
static void
strata_groups(struct patterns *pt, const uint32_t *srank)
{
	size_t i;

	for (i = 0; i < pt->n; i++) {
		uint32_t st;

		memcpy(&st, jn_intern_str(pt->keys, (uint32_t)i, NULL),
		    sizeof st);
		pt->group[i] = srank[st];
	}
	pt->ngroup = pt->nstrata;
	group_totals(pt);
}

/*
 * Groups refined by tp: units that reached it apart from the others.
 * There are never more groups than strata or patterns.
 */
static void
refine(struct patterns *pt, uint32_t tp)
{
	/* the keys 2 group + reached, ranked by counting: linear */
	size_t nkey = 2 * pt->ngroup, i, m = 0;
	uint64_t *rank = jn_xcalloc(nkey + 1, sizeof *rank);

	if (pt->n > 0)
		memset(pt->in, 0, pt->n);
	for (i = pt->at[tp]; i < pt->at[tp + 1]; i++)
		pt->in[pt->pat[i]] = 1;
	for (i = 0; i < pt->n; i++) {
		pt->group[i] = (uint32_t)(2 * pt->group[i] + pt->in[i]);
		rank[pt->group[i]] = 1;
	}
	for (i = 0; i < nkey; i++) {
		uint64_t had = rank[i];

		rank[i] = m;
		m += had;
	}
	for (i = 0; i < pt->n; i++)
		pt->group[i] = (uint32_t)rank[pt->group[i]];
	pt->ngroup = m;
	free(rank);
	group_totals(pt);
}

/*
 * Which low_score items are rows (jfriction(1), LOW SCORES, overlapping
 * touchpoints): greedy conditional selection, then a check back.  The
 * candidates are the items with --min-users users whose interval, within
 * the strata, lies above 0; each round estimates every candidate left in
 * the current groups (at first the strata) and accepts the one with the
 * highest lower end when it lies above 0 (ties by touchpoint), then
 * splits every group by whether its units reached the accepted
 * touchpoint; it stops when no candidate is left above 0.  Then each
 * accepted item is estimated given all the others (the strata split by
 * every other one's touchpoint) and, while some lower end is not above
 * 0, the lowest is dropped.  The rows keep the figures of that last
 * estimate.  Groups are numbered from the strata's string order and the
 * accepted touchpoints, never from ids, so the figures do not depend on
 * -j or shards.  Each estimate is linear in the groups and the patterns
 * of the item's touchpoint (pt.pat), each split in the patterns.
 */
static void
select_low_scores(struct friction *f, const uint32_t *srank)
{
	struct patterns pt = { 0 };
	uint32_t *cand = jn_xmalloc((f->nitems + 1) * sizeof *cand);
	uint32_t *acc = jn_xmalloc((f->nitems + 1) * sizeof *acc);
	size_t ncand = 0, nacc = 0, i, nval, pass;
	double z_sel = 1.959964;

	for (i = 0; i < f->nitems; i++) {
		struct item *it = &f->items[i];

		if (it->kind != K_LOW_SCORE)
			continue;
		it->s_row = 0;
		it->s_ans = it->s_det = 0;
		it->s_rate = it->s_base = NAN;
		it->s_excess = it->s_se = 0;
		it->g_ok = 0;
		if (it->users >= (uint64_t)f->min_users)
			cand[ncand++] = (uint32_t)i;
	}
	pt.n = jn_intern_count(&f->apat);
	pt.c = f->apc;
	pt.keys = &f->apat;
	pt.nstrata = jn_intern_count(&f->strata);
	/* the patterns of each touchpoint, in pattern order */
	nval = jn_intern_count(&f->vals);
	pt.at = jn_xcalloc(nval + 2, sizeof *pt.at);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < pt.n; i++) {
			size_t len, j;
			const char *k = jn_intern_str(&f->apat, (uint32_t)i,
			    &len);

			for (j = 1; j < len / sizeof(uint32_t); j++) {
				uint32_t tp;

				memcpy(&tp, k + j * sizeof tp, sizeof tp);
				assert(tp < nval);
				if (pass == 0)
					pt.at[tp + 2]++;
				else
					pt.pat[pt.at[tp + 1]++] = (uint32_t)i;
			}
		}
		if (pass == 0) {	/* at[tp + 1]: where tp's start */
			for (i = 2; i < nval + 2; i++)
				pt.at[i] += pt.at[i - 1];
			pt.pat = jn_xmalloc((pt.at[nval + 1] + 1) *
			    sizeof *pt.pat);
		}
	}			/* now at[tp + 1] is where tp's end */
	i = pt.nstrata > pt.n ? pt.nstrata : pt.n;
	pt.group = jn_xmalloc((pt.n + 1) * sizeof *pt.group);
	pt.in = jn_xmalloc(pt.n + 1);
	pt.tot = jn_xmalloc((3 * i + 1) * sizeof *pt.tot);
	pt.side = jn_xmalloc((6 * i + 1) * sizeof *pt.side);
	pt.st = jn_xmalloc((i + 1) * sizeof *pt.st);
	pt.ns = jn_xmalloc((i + 1) * sizeof *pt.ns);
	strata_groups(&pt, srank);
	sort_f = f;
	for (pass = 0; ncand > 0; pass++) {
		size_t best, k, kept = 0;

		if (pass == 0) {	/* the candidates: above 0 alone */
			size_t tested = 0;

			for (k = 0; k < ncand; k++) {
				low_score(&pt, &f->items[cand[k]]);
				tested += !isnan(f->items[cand[k]].s_base);
			}
			z_sel = jn_qt(1 - 0.025 / (double)(tested > 0 ?
			    tested : 1), HUGE_VAL);
			for (k = 0; k < ncand; k++)
				if (above_zero(&f->items[cand[k]], z_sel))
					cand[kept++] = cand[k];
			ncand = kept;
		}
		best = ncand;
		for (k = 0; k < ncand; k++) {
			struct item *it = &f->items[cand[k]];
			const struct item *b;

			low_score(&pt, it);
			if (!above_zero(it, z_sel))
				continue;
			b = best == ncand ? NULL : &f->items[cand[best]];
			if (b == NULL || low_end(it) > low_end(b) ||
			    (low_end(it) == low_end(b) &&
			    str_cmp(it->tp, b->tp) < 0))
				best = k;
		}
		if (best == ncand)
			break;
		acc[nacc++] = cand[best];
		refine(&pt, f->items[cand[best]].tp);
		cand[best] = cand[--ncand];
	}
	/* backward: each given all the others, the weakest out first */
	while (nacc > 0) {
		size_t worst = nacc, k, j;

		for (k = 0; k < nacc; k++) {
			struct item *it = &f->items[acc[k]];
			const struct item *w;

			strata_groups(&pt, srank);
			for (j = 0; j < nacc; j++)
				if (j != k)
					refine(&pt, f->items[acc[j]].tp);
			low_score(&pt, it);
			w = worst == nacc ? NULL : &f->items[acc[worst]];
			if (!above_zero(it, z_sel) && (w == NULL ||
			    weaker(it, w)))
				worst = k;
		}
		if (worst == nacc)
			break;
		for (k = worst; k + 1 < nacc; k++)	/* in order */
			acc[k] = acc[k + 1];
		nacc--;
	}
	for (i = 0; i < nacc; i++)
		f->items[acc[i]].s_row = 1;
	free(acc);
	free(pt.side);
	free(pt.st);
	free(pt.ns);
	free(pt.tot);
	free(pt.in);
	free(pt.group);
	free(pt.pat);
	free(pt.at);
	free(cand);
}

/*
 * Every item's comparison (jfriction(1) has the formulas): per stratum,
 * the item's units against the units that reached its touchpoint
 * without it, in the strata's string order.  Revenue is priced by the
 * closer comparison when there is one: errors and rage clicks against
 * the units that used the same control without them.
 */
static void
estimate_items(struct friction *f)
{
	size_t ntp = jn_intern_count(&f->vals), i, k;
	uint64_t *reached = jn_xcalloc(ntp + 1, sizeof *reached);
	uint64_t *units = jn_xcalloc(f->nitems + 1, sizeof *units);
	uint32_t *after = jn_xmalloc((f->nitems + 1) * sizeof *after);
	uint32_t *srank = jn_intern_ranks(&f->strata);
	uint32_t *order = cell_order(&f->icells, srank);
	size_t *start = cell_starts(&f->icells, order, f->nitems);
	struct against g = { 0 };
	struct jn_nps_stratum *ns = NULL;
	size_t nscap = 0;

	for (i = 0; i < f->reach.n; i++) {
		uint32_t tp, s;

		cell_key(&f->reach, i, &tp, &s);
		reached[tp] += f->reach.c[i].n;
	}
	for (i = 0; i < f->nitems; i++) {
		for (k = start[i]; k < start[i + 1]; k++)
			units[i] += f->icells.c[order[k]].n;
		after[i] = NONE;
	}
	/* each error's most common control before it */
	sort_f = f;
	for (i = 0; i < f->nitems; i++) {
		const struct item *it = &f->items[i];
		uint32_t *best;

		if (it->kind != K_ERROR_AFTER)
			continue;
		best = &after[it->cause];
		if (*best == NONE || units[i] > units[*best] ||
		    (units[i] == units[*best] &&
		    str_cmp(it->detail, f->items[*best].detail) < 0))
			*best = (uint32_t)i;
	}
	for (i = 0; i < f->nitems; i++) {
		struct item *it = &f->items[i];
		struct jn_estimate e, ec;
		uint32_t a, control;
		double ex, half, u;

		it->rate_a = it->rate_b = NAN;
		it->revenue = it->lo = it->hi = 0;
		it->support = it->effort = 0;
		it->reached = reached[it->tp];
		it->priced = priced_kind(it->kind) && it->cause == NONE;
		if (it->kind == K_REPEAT)
			it->support = (double)it->occurrences;
		it->g_ok = 0;
		if (it->kind >= K_NKINDS || start[i] == start[i + 1])
			continue;
		if (against(f, &f->reach, it->tp, order, start[i],
		    start[i + 1], &g) != 0)
			assert(!"an item's units reached its touchpoint");
		if (it->kind != K_LOW_SCORE)
			nps_against(f, it, order, start[i], start[i + 1], &ns,
			    &nscap);
		jn_estimate_strata(g.st, g.n, &e);
		ex = jn_estimate_excess(g.st, g.sa, g.sb, g.n);
		it->effort = ex > 0 ? ex : 0;
		if (it->priced) {
			ex = jn_estimate_excess(g.st, g.ca, g.cb, g.n);
			it->support = ex > 0 ? ex : 0;
			/* the control's comparison, when it covers at
			 * least half of the item's units */
			if (control_of(f, (uint32_t)i, after, &a,
			    &control) == 0 &&
			    against(f, &f->icells, control, order, start[a],
			    start[a + 1], &g) == 0) {
				jn_estimate_strata(g.st, g.n, &ec);
				if (2 * ec.covered >= units[i])
					e = ec;
			}
		}
		it->rate_a = e.rate_a;
		it->rate_b = e.rate_b;
		if (!it->priced)
			continue;
		/* every unit the item hit, at the compared units' loss */
		u = (double)units[i];
		it->revenue = e.value * u;
		half = 1.959964 * sqrt(pow(e.value_se * u, 2) +
		    u * e.value_var);
		it->lo = it->revenue - half;
		it->hi = it->revenue + half;
		/* an interval that holds 0 (or lies below it): no cost */
		if (!(it->lo > 0))
			it->revenue = 0;
	}
	select_low_scores(f, srank);
	against_release(&g);
	free(ns);
	free(start);
	free(order);
	free(srank);
	free(after);
	free(units);
	free(reached);
}

/* Is the item reported?  Slow needs p75 over the threshold; exits need
 * a share of exits above the touchpoint's share of visits; low scores
 * an excess of detractors whose 95% interval lies above 0. */
static int
reported(const struct friction *f, const struct item *it)
{
	if (it->kind >= K_NKINDS)
		return 0;	/* a baseline's counts */
	if (it->users < (uint64_t)f->min_users)
		return 0;
	if (it->kind == K_SLOW)
		return !isnan(it->p75) && it->p75 > (double)f->slow / 1e9;
	if (it->kind == K_LOW_SCORE)
		return it->s_row;
	if (it->kind == K_EXIT)
		return f->total_exits > 0 && f->total_visits > 0 &&
		    (double)f->tp_exits[it->tp] / (double)f->total_exits >
		    (double)f->tp_visits[it->tp] / (double)f->total_visits;
	return 1;
}

/* The detail shown for it, in buf or the values. */
static const char *
item_detail(const struct friction *f, const struct item *it, char *buf,
    size_t size, size_t *len)
{
	if (it->kind == K_SLOW) {
		snprintf(buf, size, "p75 %.2fs%s", it->p75, f->lcp &&
		    it->p75 > f->poor ? " (poor)" : "");
	} else if (it->kind == K_LOOP) {
		snprintf(buf, size, "%d+ visits", f->loop_visits);
	} else if (it->kind == K_LOW_SCORE) {
		snprintf(buf, size, "detractors %llu/%llu %.4f vs %.4f "
		    "(+%.4f, se %.4f)", (unsigned long long)it->s_det,
		    (unsigned long long)it->s_ans, it->s_rate, it->s_base,
		    it->s_excess, it->s_se);
	} else if (it->detail != NONE) {
		return jn_intern_str(&f->vals, it->detail, len);
	} else {
		buf[0] = '\0';
	}
	*len = strlen(buf);
	return buf;
}

/* A cause's name in column cause: "KIND TOUCHPOINT[ DETAIL]". */
static void
cause_name(const struct friction *f, const struct item *c,
    struct jn_strbuf *b)
{
	char detail[96];
	size_t len;
	const char *d = item_detail(f, c, detail, sizeof detail, &len);

	b->len = 0;
	jn_strbuf_printf(b, "%s %s%s%.*s", kind_names[c->kind],
	    jn_intern_str(&f->vals, c->tp, NULL), len ? " " : "", (int)len,
	    d);
}

static int
write_items(struct friction *f, enum jn_format fmt)
{
	static const struct jn_column cols[] = {
		{ "kind", JN_COL_STR }, { "touchpoint", JN_COL_STR },
		{ "detail", JN_COL_STR }, { "occurrences", JN_COL_INT },
		{ "sessions", JN_COL_INT }, { "users", JN_COL_INT },
		{ "session_share", JN_COL_RATE }, { "reached", JN_COL_INT },
		{ "conversion_with", JN_COL_RATE },
		{ "conversion_without", JN_COL_RATE },
		{ "revenue_at_risk", JN_COL_MONEY },
		{ "revenue_at_risk_lo", JN_COL_MONEY },
		{ "revenue_at_risk_hi", JN_COL_MONEY },
		{ "support_contacts", JN_COL_INT }, { "effort", JN_COL_NUM },
		{ "cause", JN_COL_STR }, { "answers", JN_COL_INT },
		{ "nps_gap", JN_COL_NUM }, { "nps_gap_lo", JN_COL_NUM },
		{ "nps_gap_hi", JN_COL_NUM },
	};
	struct jn_cell c[NELEM(cols)];
	struct jn_writer *w;
	struct jn_strbuf cause = { 0 };
	char detail[96];
	uint32_t *order;
	size_t i;
	int rc;

	estimate_items(f);
	order = item_order(f, item_cmp);
	jn_engine_meta(&f->engine, fmt);
	w = jn_writer_new(stdout, fmt, cols, NELEM(cols));
	for (i = 0; i < f->nitems; i++) {
		const struct item *it = &f->items[order[i]];
		size_t len;
		const char *s;

		if (!reported(f, it))
			continue;
		c[0] = jn_cell_str(kind_names[it->kind],
		    strlen(kind_names[it->kind]));
		s = jn_intern_str(&f->vals, it->tp, &len);
		c[1] = jn_cell_str(s, len);
		s = item_detail(f, it, detail, sizeof detail, &len);
		c[2] = jn_cell_str(s, len);
		c[3] = jn_cell_int((int64_t)it->occurrences);
		c[4] = jn_cell_int((int64_t)it->sessions);
		c[5] = jn_cell_int((int64_t)it->users);
		c[6] = jn_cell_num(f->total_sessions ? (double)it->sessions /
		    (double)f->total_sessions : 0);
		c[7] = jn_cell_int((int64_t)it->reached);
		c[8] = isnan(it->rate_a) ? jn_cell_null() :
		    jn_cell_num(it->rate_a);
		c[9] = isnan(it->rate_b) ? jn_cell_null() :
		    jn_cell_num(it->rate_b);
		c[10] = jn_cell_num(it->revenue);
		c[11] = it->priced && !isnan(it->rate_b) ?
		    jn_cell_num(it->lo) : jn_cell_null();
		c[12] = it->priced && !isnan(it->rate_b) ?
		    jn_cell_num(it->hi) : jn_cell_null();
		c[13] = jn_cell_int((int64_t)llround(it->support));
		c[14] = jn_cell_num(round(it->effort * 100) / 100);
		if (it->cause != NONE) {
			cause_name(f, &f->items[it->cause], &cause);
			c[15] = jn_cell_str(cause.buf, cause.len);
		} else {
			c[15] = jn_cell_str("", 0);
		}
		c[16] = it->g_ok ? jn_cell_int((int64_t)it->g_ans) :
		    jn_cell_null();
		c[17] = it->g_ok ? jn_score_cell(JN_NPS, it->g_gap) :
		    jn_cell_null();
		c[18] = it->g_ok ? jn_score_cell(JN_NPS, it->g_lo) :
		    jn_cell_null();
		c[19] = it->g_ok ? jn_score_cell(JN_NPS, it->g_hi) :
		    jn_cell_null();
		jn_writer_row(w, c);
	}
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	free(cause.buf);
	free(order);
	return rc;
}
/* ---- --partial and --merge ---- */

/*
 * Everything that decides the table, as one string: a shard's state is
 * merged only into a run of the same options.  Caller frees b->buf.
 */
static void
config_text(const void *tool, struct jn_strbuf *b)
{
	const struct friction *f = tool;
	const char *sep;
	int k;

	jn_state_config_common(b, &f->common);
	jn_state_config_item(b, "touchpoints", jn_touch_signature(f->touch));
	jn_strbuf_printf(b, "kinds=");
	for (k = 0, sep = ""; k < K_NKINDS; k++)
		if (f->kinds >> k & 1) {
			jn_strbuf_printf(b, "%s%s", sep, kind_names[k]);
			sep = ",";
		}
	jn_strbuf_printf(b, ";");
	jn_state_config_item(b, "goal", f->goal_text);
	jn_state_config_item(b, "value", f->value_field);
	jn_state_config_item(b, "touchpoint", f->tp_field);
	jn_strbuf_printf(b, "slow=%lld;lcp=%d;", (long long)f->slow, f->lcp);
	jn_state_config_item(b, "load-field", f->load_field);
	jn_strbuf_printf(b, "load-unit=%s;", f->load_ms ? "ms" : "s");
	jn_state_config_item(b, "error", f->error_re);
	jn_state_config_item(b, "message-field", f->message_field);
	jn_state_config_item(b, "click", f->click_text);
	jn_state_config_item(b, "target-field", f->target_field);
	jn_strbuf_printf(b, "rage-clicks=%d;rage-gap=%lld;", f->rage_clicks,
	    (long long)f->rage_gap);
	jn_state_config_item(b, "form-start", f->form_start_text);
	jn_state_config_item(b, "form-submit", f->form_submit_text);
	jn_state_config_item(b, "contact", f->contact_text);
	jn_state_config_item(b, "topic-field", f->topic_field);
	jn_strbuf_printf(b, "repeat-within=%lld;loop-visits=%d;min-users=%d;",
	    (long long)f->repeat_within, f->loop_visits, f->min_users);
	jn_strbuf_printf(b, "unit=%s;contact-window=%lld;",
	    f->per_user ? "user" : "session", (long long)f->contact_window);
	jn_state_config_item(b, "strata", f->strata_text);
	jn_state_config_item(b, "terminal", f->terminal_text);
	/* states since low_score: their cells count NPS answers */
	jn_strbuf_printf(b, "answers=nps;");
}

static void
set_val(struct jn_state_rec *r, const char *key, const struct friction *f,
    uint32_t id)
{
	size_t len = 0;
	const char *s = id == NONE ? NULL : jn_intern_str(&f->vals, id, &len);

	jn_state_set_str(r, key, s, len);
}

/*
 * Cells cs[order[from..to)] as flat (stratum rank, n, x, c, s, o, a, d,
 * p) groups of NCELL into *v (grown as needed); returns the number of integers.
 */
static size_t
flat_cells(const struct cells *cs, const uint32_t *order, size_t from,
    size_t to, const uint32_t *srank, int64_t **v, size_t *cap)
{
	size_t i, n = 0;

	*v = jn_xgrow(*v, cap, NCELL * (to - from) + 1, sizeof **v);
	for (i = from; i < to; i++) {
		const struct cell *c = &cs->c[order[i]];
		uint32_t id, st;

		cell_key(cs, order[i], &id, &st);
		(*v)[n++] = srank[st];
		(*v)[n++] = (int64_t)c->n;
		(*v)[n++] = (int64_t)c->x;
		(*v)[n++] = (int64_t)c->c;
		(*v)[n++] = (int64_t)c->s;
		(*v)[n++] = (int64_t)c->o;
		(*v)[n++] = (int64_t)c->a;
		(*v)[n++] = (int64_t)c->d;
		(*v)[n++] = (int64_t)c->p;
	}
	return n;
}

static int
i64_cmp(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

	return (a > b) - (a < b);
}

/* Answer patterns as state keys: the stratum's rank, touchpoint indexes. */
static const int64_t *const *pkeys;
static const size_t *pklen;

static int
pkey_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	size_t i, n = pklen[a] < pklen[b] ? pklen[a] : pklen[b];

	for (i = 0; i < n; i++)
		if (pkeys[a][i] != pkeys[b][i])
			return pkeys[a][i] < pkeys[b][i] ? -1 : 1;
	return (pklen[a] > pklen[b]) - (pklen[a] < pklen[b]);
}

/*
 * The answer patterns (low_score), after the touchpoints: per pattern
 * its key (the stratum's rank, then its touchpoints as indexes of the
 * touchpoint records written, increasing) and counts (units,
 * detractors, promoters), in the order of the keys.
 */
static int
write_patterns(const struct friction *f, FILE *out, struct jn_state_rec *r,
    const uint32_t *srank, const uint32_t *tpidx)
{
	size_t n = jn_intern_count(&f->apat), i, j;
	int64_t **key = jn_xcalloc(n + 1, sizeof *key);
	size_t *klen = jn_xcalloc(n + 1, sizeof *klen);
	uint32_t *order = jn_xmalloc((n + 1) * sizeof *order);
	int64_t counts[3];
	int rc = 0;

	for (i = 0; i < n; i++) {
		size_t len;
		const char *k = jn_intern_str(&f->apat, (uint32_t)i, &len);

		klen[i] = len / sizeof(uint32_t);
		key[i] = jn_xmalloc(klen[i] * sizeof **key);
		for (j = 0; j < klen[i]; j++) {
			uint32_t id;

			memcpy(&id, k + j * sizeof id, sizeof id);
			key[i][j] = j == 0 ? srank[id] : tpidx[id];
		}
		if (klen[i] > 2)
			qsort(key[i] + 1, klen[i] - 1, sizeof **key, i64_cmp);
		order[i] = (uint32_t)i;
	}
	pkeys = (const int64_t *const *)key;
	pklen = klen;
	if (n > 1)
		qsort(order, n, sizeof *order, pkey_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		jn_state_set_str(r, "record", "answers", 7);
		jn_state_set_ints(r, "key", key[order[i]], klen[order[i]]);
		counts[0] = (int64_t)f->apc[3 * order[i]];
		counts[1] = (int64_t)f->apc[3 * order[i] + 1];
		counts[2] = (int64_t)f->apc[3 * order[i] + 2];
		jn_state_set_ints(r, "counts", counts, 3);
		rc = jn_state_write(out, r);
	}
	for (i = 0; i < n; i++)
		free(key[i]);
	free(key);
	free(klen);
	free(order);
	return rc;
}

/*
 * --partial: the totals and the value sum; the strata; per touchpoint
 * its visits, exits, loads (all of them, as (bits, count) pairs: p75
 * merges exactly only so) and the units that reached it per stratum;
 * per item its counts and its units per stratum.  In string order, so
 * that a state depends neither on -j nor on the order of input lines.
 */
static int
write_state(void *tool, FILE *out)
{
	struct friction *f = tool;
	struct jn_state_rec *r = jn_state_rec_new();
	size_t ntp = jn_intern_count(&f->vals), i, l, nc;
	size_t nst = jn_intern_count(&f->strata);
	uint32_t *rank = jn_intern_ranks(&f->vals);
	uint32_t *srank = jn_intern_ranks(&f->strata);
	uint32_t *order = jn_xmalloc((ntp + nst + 1) * sizeof *order);
	uint32_t *rorder = cell_order(&f->reach, srank);
	uint32_t *iorder = cell_order(&f->icells, srank);
	size_t *rstart = cell_starts(&f->reach, rorder, ntp);
	size_t *istart = cell_starts(&f->icells, iorder, f->nitems);
	size_t *lstart = jn_xcalloc(ntp + 2, sizeof *lstart);
	uint32_t *items;
	int64_t counts[6], *loads = NULL, *cv = NULL;
	size_t loadcap = 0, cvcap = 0, ntpw = 0;
	uint32_t *tpidx = jn_xcalloc(ntp + 1, sizeof *tpidx);
	int rc = 0;

	jn_state_set_str(r, "record", "totals", 6);
	counts[0] = (int64_t)f->total_users;
	counts[1] = (int64_t)f->total_sessions;
	counts[2] = (int64_t)f->total_converted;
	counts[3] = (int64_t)f->total_session_events;
	counts[4] = (int64_t)f->total_exits;
	counts[5] = (int64_t)f->total_conv_sessions;
	jn_state_set_ints(r, "counts", counts, 6);
	rc = jn_state_write(out, r);
	/* the strata in string order: cells name them by their rank */
	for (i = 0; i < nst; i++)
		order[srank[i]] = (uint32_t)i;
	for (i = 0; i < nst && rc == 0; i++) {
		size_t len;
		const char *s = jn_intern_str(&f->strata, order[i], &len);

		struct sval sv = { 0 };

		if (order[i] < f->nsval)
			sv = f->sval[order[i]];
		jn_state_set_str(r, "record", "stratum", 7);
		jn_state_set_str(r, "key", s, len);
		counts[0] = (int64_t)sv.n;
		counts[1] = (int64_t)sv.conv;
		jn_state_set_ints(r, "counts", counts, 2);
		jn_state_set_xsums(r, "value", &sv.sum, 1);
		jn_state_set_xsums(r, "squares", &sv.sq, 1);
		rc = jn_state_write(out, r);
	}
	/* the loads are in touchpoint order: where each one's loads start */
	for (l = 0; l < f->loads.nsorted; l++)
		lstart[(f->loads.sorted[l].key >> 32) + 1]++;
	for (i = 0; i < ntp; i++) {
		lstart[i + 1] += lstart[i];
		order[rank[i]] = (uint32_t)i;
	}
	for (i = 0; i < ntp && rc == 0; i++) {
		uint32_t tp = order[i];
		size_t n = 0;

		if (f->tp_visits[tp] == 0 && f->tp_exits[tp] == 0 &&
		    lstart[tp + 1] == lstart[tp] &&
		    rstart[tp + 1] == rstart[tp])
			continue;	/* a target, topic or message only */
		loads = jn_xgrow(loads, &loadcap,
		    2 * (lstart[tp + 1] - lstart[tp]) + 1, sizeof *loads);
		for (l = lstart[tp]; l < lstart[tp + 1]; l++) {
			loads[n++] = (int64_t)(uint32_t)f->loads.sorted[l].key;
			loads[n++] = (int64_t)f->loads.sorted[l].count;
		}
		jn_state_set_str(r, "record", "touchpoint", 10);
		set_val(r, "touchpoint", f, tp);
		counts[0] = (int64_t)f->tp_visits[tp];
		counts[1] = (int64_t)f->tp_exits[tp];
		jn_state_set_ints(r, "counts", counts, 2);
		jn_state_set_ints(r, "loads", loads, n);
		nc = flat_cells(&f->reach, rorder, rstart[tp], rstart[tp + 1],
		    srank, &cv, &cvcap);
		jn_state_set_ints(r, "reach", cv, nc);
		rc = jn_state_write(out, r);
		tpidx[tp] = (uint32_t)ntpw++;
	}
	if (rc == 0)
		rc = write_patterns(f, out, r, srank, tpidx);
	free(tpidx);
	items = item_order(f, key_cmp_ids);
	for (i = 0; i < f->nitems && rc == 0; i++) {
		const struct item *it = &f->items[items[i]];
		const struct item *c = it->cause == NONE ? NULL :
		    &f->items[it->cause];
		const char *kind = kind_names[it->kind];

		jn_state_set_str(r, "record", "item", 4);
		jn_state_set_str(r, "kind", kind, strlen(kind));
		set_val(r, "touchpoint", f, it->tp);
		set_val(r, "detail", f, it->detail);
		jn_state_set_str(r, "cause_kind", c ? kind_names[c->kind] :
		    NULL, c ? strlen(kind_names[c->kind]) : 0);
		set_val(r, "cause_touchpoint", f, c ? c->tp : NONE);
		set_val(r, "cause_detail", f, c ? c->detail : NONE);
		counts[0] = (int64_t)it->occurrences;
		counts[1] = (int64_t)it->sessions;
		counts[2] = (int64_t)it->users;
		jn_state_set_ints(r, "counts", counts, 3);
		nc = flat_cells(&f->icells, iorder, istart[items[i]],
		    istart[items[i] + 1], srank, &cv, &cvcap);
		jn_state_set_ints(r, "cells", cv, nc);
		rc = jn_state_write(out, r);
	}
	free(items);
	free(cv);
	free(loads);
	free(lstart);
	free(istart);
	free(rstart);
	free(iorder);
	free(rorder);
	free(order);
	free(srank);
	free(rank);
	jn_state_rec_free(r);
	return rc;
}

/*
 * A record of the right types whose contents make no sense (the header
 * matched, so a state edited or cut by hand), at its FILE:LINE.
 */
static int
bad_record(const struct jn_state_in *in, const char *what, const char *s)
{
	return jn_state_error(in, "bad state record: %s '%s'", what,
	    s ? s : "null");
}

/*
 * Cells v[0..n) (flat groups of stratum index, n, x, c, s, o, a, d, p)
 * added to id's cells in cs.  Returns 0, or -1 when they make no sense.
 */
static int
merge_cells(struct friction *f, struct cells *cs, uint32_t id,
    const int64_t *v, size_t n)
{
	size_t i;

	if (n % NCELL != 0)
		return -1;
	for (i = 0; i < n; i += NCELL) {
		struct cell add, *c;

		if (v[i] < 0 || (uint64_t)v[i] >= f->nmerge_strata ||
		    v[i + 1] < 0 || v[i + 2] < 0 || v[i + 3] < 0 ||
		    v[i + 4] < 0 || v[i + 5] < 0 || v[i + 2] > v[i + 1] ||
		    v[i + 6] < 0 || v[i + 7] < 0 || v[i + 8] < 0 ||
		    v[i + 6] > v[i + 1] || v[i + 7] > v[i + 6] - v[i + 8])
			return -1;
		add = (struct cell){ (uint64_t)v[i + 1], (uint64_t)v[i + 2],
			(uint64_t)v[i + 3], (uint64_t)v[i + 4],
			(uint64_t)v[i + 5], (uint64_t)v[i + 6],
			(uint64_t)v[i + 7], (uint64_t)v[i + 8] };
		c = cell_for(cs, id, f->merge_strata[v[i]]);
		cells_add(c, &add);
	}
	return 0;
}

/*
 * An answer pattern of a state: key k[0..n) (a stratum index, then
 * touchpoint indexes, increasing), counts v (units, detractors,
 * promoters) added.  Returns 0, or -1 when they make no sense.
 */
static int
merge_pattern(struct friction *f, const int64_t *k, size_t n,
    const int64_t *v)
{
	uint64_t *c;
	size_t i;

	if (n < 2 || k[0] < 0 || (uint64_t)k[0] >= f->nmerge_strata ||
	    v[0] < 1 || v[1] > v[0] - v[2])
		return -1;
	f->pkey = jn_xgrow(f->pkey, &f->pkeycap, n, sizeof *f->pkey);
	f->pkey[0] = f->merge_strata[k[0]];
	for (i = 1; i < n; i++) {
		if (k[i] < 0 || (uint64_t)k[i] >= f->nmerge_tps ||
		    (i > 1 && k[i] <= k[i - 1]))
			return -1;
		f->pkey[i] = f->merge_tps[k[i]];
	}
	if (n > 2)
		qsort(f->pkey + 1, n - 1, sizeof *f->pkey, u32_cmp);
	c = pattern_at(f, f->pkey, n);
	c[0] += (uint64_t)v[0];
	c[1] += (uint64_t)v[1];
	c[2] += (uint64_t)v[2];
	return 0;
}

/* The kind named s, or K_NALL. */
static int
kind_of(const char *s)
{
	int k;

	for (k = 0; k < K_NALL; k++)
		if (strcmp(s, kind_names[k]) == 0)
			break;
	return k;
}

/* One --merge record r, added to f.  Returns 0 or -1 (reported). */
static int
merge_record(void *ctx, struct jn_state_in *in, const struct jn_state_rec *r)
{
	struct friction *f = ctx;
	const char *what, *s, *d, *bad;
	size_t len, dlen, n = 0, nl = 0, nc = 0, i;
	int64_t *v = NULL, *l = NULL, *cv = NULL;
	uint32_t tp, id, cause = NONE;
	struct sval *sv;
	int k, rc = -1;

	if (jn_state_get_str(in, r, "record", &what, &len) != 0)
		return -1;
	if (what != NULL && strcmp(what, "stratum") == 0) {
		if (jn_state_get_str(in, r, "key", &s, &len) != 0)
			return -1;
		if (s == NULL)
			return bad_record(in, "stratum", s);
		f->merge_strata = jn_xgrow(f->merge_strata,
		    &f->merge_stratacap, f->nmerge_strata + 1,
		    sizeof *f->merge_strata);
		id = jn_intern_put(&f->strata, s, len);
		f->merge_strata[f->nmerge_strata++] = id;
		if (jn_state_get_ints(in, r, "counts", &v, &n) != 0)
			return -1;
		bad = "worth of stratum";
		what = s;
		if (n != 2 || v[0] < 0 || v[1] < 0)
			goto bad;
		sv = sval_at(f, id);
		sv->n += (uint64_t)v[0];
		sv->conv += (uint64_t)v[1];
		rc = jn_state_add_xsums(in, r, "value", &sv->sum, 1) != 0 ||
		    jn_state_add_xsums(in, r, "squares", &sv->sq, 1) != 0 ?
		    -1 : 0;
		goto out;
	}
	if (jn_state_get_ints(in, r, "counts", &v, &n) != 0)
		return -1;
	bad = "record";
	for (i = 0; i < n; i++)
		if (v[i] < 0)
			goto bad;
	if (what != NULL && strcmp(what, "totals") == 0 && n == 6) {
		f->total_users += (uint64_t)v[0];
		f->total_sessions += (uint64_t)v[1];
		f->total_converted += (uint64_t)v[2];
		f->total_session_events += (uint64_t)v[3];
		f->total_exits += (uint64_t)v[4];
		f->total_conv_sessions += (uint64_t)v[5];
		f->nmerge_strata = 0;	/* a new state: its strata follow */
		f->nmerge_tps = 0;	/* and its touchpoints */
		rc = 0;
	} else if (what != NULL && strcmp(what, "touchpoint") == 0 && n == 2) {
		if (jn_state_get_str(in, r, "touchpoint", &s, &len) != 0 ||
		    jn_state_get_ints(in, r, "loads", &l, &nl) != 0 ||
		    jn_state_get_ints(in, r, "reach", &cv, &nc) != 0)
			goto out;
		bad = "loads of touchpoint";
		what = s;
		if (s == NULL || nl % 2 != 0)
			goto bad;
		tp = val_put(f, s, len);
		f->merge_tps = jn_xgrow(f->merge_tps, &f->merge_tpscap,
		    f->nmerge_tps + 1, sizeof *f->merge_tps);
		f->merge_tps[f->nmerge_tps++] = tp;
		grow_tps(f);
		f->tp_visits[tp] += (uint64_t)v[0];
		f->tp_exits[tp] += (uint64_t)v[1];
		for (i = 0; i < nl; i += 2) {
			float load;
			uint32_t bits = (uint32_t)l[i];

			memcpy(&load, &bits, sizeof load);
			if (l[i] < 0 || l[i] > UINT32_MAX || !(load >= 0) ||
			    l[i + 1] <= 0)
				goto bad;
			jn_counts_add(&f->loads, load_key(tp, load),
			    (uint64_t)l[i + 1]);
		}
		bad = "reach of touchpoint";
		if (merge_cells(f, &f->reach, tp, cv, nc) != 0)
			goto bad;
		rc = 0;
	} else if (what != NULL && strcmp(what, "item") == 0 && n == 3) {
		struct item *it;
		const char *ck, *cs, *cd;
		size_t cklen, cslen, cdlen;

		if (jn_state_get_str(in, r, "kind", &what, &len) != 0 ||
		    what == NULL)
			goto out;
		k = kind_of(what);
		if (jn_state_get_str(in, r, "touchpoint", &s, &len) != 0 ||
		    jn_state_get_str(in, r, "detail", &d, &dlen) != 0 ||
		    jn_state_get_str(in, r, "cause_kind", &ck, &cklen) != 0 ||
		    jn_state_get_str(in, r, "cause_touchpoint", &cs,
		    &cslen) != 0 ||
		    jn_state_get_str(in, r, "cause_detail", &cd, &cdlen) != 0 ||
		    jn_state_get_ints(in, r, "cells", &cv, &nc) != 0)
			goto out;
		bad = k == K_NALL ? "kind" : "touchpoint of kind";
		if (k == K_NALL || s == NULL)
			goto bad;
		if (ck != NULL) {
			int ckind = kind_of(ck);

			bad = "cause of kind";
			if (ckind == K_NALL || cs == NULL)
				goto bad;
			cause = item_for(f, (enum kind)ckind,
			    val_put(f, cs, cslen), cd == NULL ? NONE :
			    val_put(f, cd, cdlen), NONE);
		}
		tp = val_put(f, s, len);
		id = item_for(f, (enum kind)k, tp, d == NULL ? NONE :
		    val_put(f, d, dlen), cause);
		it = &f->items[id];	/* after they grew */
		it->occurrences += (uint64_t)v[0];
		it->sessions += (uint64_t)v[1];
		it->users += (uint64_t)v[2];
		bad = "cells of kind";
		if (merge_cells(f, &f->icells, id, cv, nc) != 0)
			goto bad;
		grow_tps(f);
		rc = 0;
	} else if (what != NULL && strcmp(what, "answers") == 0 && n == 3) {
		if (jn_state_get_ints(in, r, "key", &cv, &nc) != 0)
			goto out;
		bad = "key or counts of record";	/* "answers" */
		if (merge_pattern(f, cv, nc, v) != 0)
			goto bad;
		rc = 0;
	} else {
		goto bad;
	}
	goto out;
bad:
	rc = bad_record(in, bad, what);
out:
	free(v);
	free(l);
	free(cv);
	return rc;
}

/* ---- main ---- */

static int
parse_kinds(const char *arg, unsigned *out)
{
	const char *p = arg;

	*out = 0;
	while (*p) {
		size_t n = strcspn(p, ","), k;

		for (k = 0; k < K_NKINDS; k++)
			if (strlen(kind_names[k]) == n &&
			    strncmp(p, kind_names[k], n) == 0)
				break;
		if (k == K_NKINDS)
			return jn_error("bad kind '%.*s' (slow, error, "
			    "rage_click, form_abandon, repeat_contact, loop, "
			    "exit, dead_end, low_score)", (int)n, p);
		*out |= 1u << k;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int
count_arg(const char *opt, const char *arg, long min, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno || v < min || v > 1000000)
		return jn_error("bad count '%s' for %s (%ld or more)", arg,
		    opt, min);
	*out = (int)v;
	return 0;
}

static int
duration(const char *opt, const char *arg, int64_t *out)
{
	if (jn_duration_parse(arg, out) != 0 || *out <= 0)
		return jn_error("bad duration '%s' for %s", arg, opt);
	return 0;
}

static int
parse_args(void *state, int argc, char **argv)
{
	struct friction *f = state;
	/* static: it lives until exit, so no error path leaks it */
	static struct option *longopts;
	unsigned only = 0, skip = 0;
	int opt, have_only = 0;

	free(longopts);	/* from an earlier main() in one process */
	longopts = jn_cli_options(tool_longopts, NELEM(tool_longopts));
	jn_touch_opts_init(&f->touch_opts);
	f->goal_text = JN_DEFAULT_GOAL;
	f->error_re = "error|exception|fail";
	f->click_text = "click";
	f->form_start_text = "form_start";
	f->form_submit_text = "form_submit";
	f->contact_text = "/^(support_contact|contact|ticket|call)$/";
	f->slow = 2 * JN_NS_PER_SEC;
	f->rage_gap = JN_NS_PER_SEC;
	f->rage_clicks = 3;
	f->repeat_within = 7 * 86400 * JN_NS_PER_SEC;
	f->loop_visits = 3;
	f->min_users = 3;
	f->contact_window = 7 * 86400 * JN_NS_PER_SEC;
	f->strata_text = DEFAULT_STRATA;
	f->terminal_text = DEFAULT_TERMINAL;
	f->load_ms = 1;
	f->poor = 4;
	f->common.scores = 1;
	while ((opt = getopt_long(argc, argv, "j:" JN_COMMON_SHORTOPTS,
	    longopts, NULL)) != -1) {
		int r = jn_common_option(&f->common, opt, optarg);

		if (r == 0)
			r = jn_touch_option(&f->touch_opts, opt, optarg);

		if (r == 0)
			r = jn_run_option(&f->run, opt, optarg);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (opt) {
		case OPT_ONLY:
			if (parse_kinds(optarg, &only))
				return -1;
			have_only = 1;
			break;
		case OPT_SKIP:
			if (parse_kinds(optarg, &skip))
				return -1;
			break;
		case OPT_GOAL:
			f->goal_text = optarg;
			f->goal_given = 1;
			break;
		case OPT_VALUE: f->value_field = optarg; break;
		case OPT_TOUCHPOINT: f->tp_field = optarg; break;
		case OPT_SLOW:
			if (duration("--slow", optarg, &f->slow))
				return -1;
			break;
		case OPT_LCP:
			f->lcp = 1;
			f->slow = 2500 * (JN_NS_PER_SEC / 1000);
			break;
		case OPT_LOAD_FIELD: f->load_field = optarg; break;
		case OPT_LOAD_UNIT:
			if (strcmp(optarg, "ms") != 0 &&
			    strcmp(optarg, "s") != 0)
				return jn_error("bad --load-unit '%s' (ms, s)",
				    optarg);
			f->load_ms = optarg[0] == 'm';
			break;
		case OPT_ERROR: f->error_re = optarg; break;
		case OPT_MESSAGE_FIELD: f->message_field = optarg; break;
		case OPT_CLICK: f->click_text = optarg; break;
		case OPT_TARGET_FIELD: f->target_field = optarg; break;
		case OPT_RAGE_CLICKS:
			if (count_arg("--rage-clicks", optarg, 2,
			    &f->rage_clicks))
				return -1;
			break;
		case OPT_RAGE_GAP:
			if (duration("--rage-gap", optarg, &f->rage_gap))
				return -1;
			break;
		case OPT_FORM_START: f->form_start_text = optarg; break;
		case OPT_FORM_SUBMIT: f->form_submit_text = optarg; break;
		case OPT_CONTACT: f->contact_text = optarg; break;
		case OPT_TOPIC_FIELD: f->topic_field = optarg; break;
		case OPT_REPEAT_WITHIN:
			if (duration("--repeat-within", optarg,
			    &f->repeat_within))
				return -1;
			break;
		case OPT_MIN_USERS:
			if (count_arg("--min-users", optarg, 1,
			    &f->min_users))
				return -1;
			break;
		case OPT_UNIT:
			if (strcmp(optarg, "session") != 0 &&
			    strcmp(optarg, "user") != 0)
				return jn_error("bad --unit '%s' (session, "
				    "user)", optarg);
			f->per_user = optarg[0] == 'u';
			break;
		case OPT_STRATA:
			f->strata_text = optarg;
			f->strata_given = 1;
			break;
		case OPT_TERMINAL:
			f->terminal_text = optarg;
			f->terminal_given = 1;
			break;
		case OPT_CONTACT_WINDOW:
			if (duration("--contact-window", optarg,
			    &f->contact_window))
				return -1;
			break;
		case OPT_LOOP_VISITS:
			if (count_arg("--loop-visits", optarg, 2,
			    &f->loop_visits))
				return -1;
			break;
		default:
			return jn_cli_other(opt, usage, help_text);
		}
	}
	f->kinds = (have_only ? only : (1u << K_NKINDS) - 1) & ~skip;
	if (jn_run_check(&f->run) != 0)
		return -1;
	/* compiled once, shared read only by every reading thread */
	f->touch = jn_touch_new(&f->touch_opts);
	return f->touch != NULL ? 0 : -1;
}

static int
compile(struct friction *f, struct jn_pred **p, const char *text,
    const char *what)
{
	*p = jn_pred_compile(text, &f->in.schema, f->in.event_slot, what);
	return *p ? 0 : -1;
}

static int
slot(struct friction *f, const char *given, const char *const *names,
    size_t n)
{
	return given ? jn_schema_field(&f->in.schema, given) :
	    jn_schema_candidates(&f->in.schema, names, n);
}

/*
 * The --strata fields' slots: a comma-separated list, empty for none.
 * Returns 0 or -1 (reported).
 */
static int
strata_slots(struct friction *f)
{
	char *p = f->strata_names = jn_xstrdup(f->strata_text);

	f->nstrata_fields = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		int last = p[n] == '\0';

		if (n == 0 || f->nstrata_fields == MAX_STRATA_FIELDS)
			return jn_error("bad --strata '%s' (up to %d field "
			    "names, comma-separated)", f->strata_text,
			    MAX_STRATA_FIELDS);
		p[n] = '\0';
		if ((f->strata_slot[f->nstrata_fields++] =
		    jn_schema_field(&f->in.schema, p)) < 0)
			return -1;
		p += n + !last;
	}
	return 0;
}

/*
 * The names given that match nothing are said after reading (journey(7)
 * NAMES THAT MATCH NOTHING), in the order of the manual: --goal, then the
 * fields given.  Defaults are not said: a log without purchases or load
 * times is no mistake.
 */
static void
watch_names(struct friction *f)
{
	const struct {
		const char *what, *field;
		int slot;
	} fields[] = {
		{ "--touchpoint", f->tp_field, f->tp_slot },
		{ "--load-field", f->load_field, f->load_slot },
		{ "--message-field", f->message_field, f->msg_slot },
		{ "--target-field", f->target_field, f->target_slot },
		{ "--topic-field", f->topic_field, f->topic_slot },
	};
	const char *name = f->strata_names;
	size_t i;
	int k;

	if (f->goal_given)
		jn_input_watch_pred(&f->in, f->goal);
	if (f->terminal_given && f->terminal != NULL)
		jn_input_watch_pred(&f->in, f->terminal);
	if (f->value_field != NULL)
		jn_valexpr_watch(&f->value_expr, &f->in, "--value",
		    f->value_field);
	for (i = 0; i < NELEM(fields); i++)
		if (fields[i].field != NULL)
			jn_input_watch_field(&f->in, fields[i].what,
			    fields[i].field, fields[i].slot);
	for (k = 0; f->strata_given && k < f->nstrata_fields; k++) {
		jn_input_watch_field(&f->in, "--strata", name,
		    f->strata_slot[k]);
		name += strlen(name) + 1;
	}
	jn_input_watch_names(&f->in, &f->names);
}

static int
setup(void *state, int worker)
{
	struct friction *f = state;
	static const char *const tp_names[] = { "page", "url", "path",
		"screen", "touchpoint" };
	static const char *const load_names[] = { "load_time_ms",
		"load_time", "duration_ms", "lcp" };
	static const char *const msg_names[] = { "message", "error_message",
		"error", "target" };
	static const char *const target_names[] = { "target", "element",
		"selector", "form" };
	static const char *const topic_names[] = { "topic", "reason",
		"target" };
	static const char *const value_names[] = { "revenue", "value",
		"amount" };
	char *re;
	const char *msg;
	size_t n;
	int rc;

	f->is_worker = worker;
	if (!worker) {	/* the comparisons read the main state's tables */
		cmp_vals = &f->vals;
		cmp_strata = &f->strata;
		cmp_tags = &f->tags;
	}
	f->touch_local = jn_touch_local_new(f->touch);
	if ((worker ? jn_input_init_worker(&f->in, &f->common) :
	    jn_input_init(&f->in, &f->common)) != 0)
		return -1;
	if (compile(f, &f->goal, f->goal_text, "--goal") ||
	    compile(f, &f->click, f->click_text, "--click") ||
	    compile(f, &f->form_start, f->form_start_text, "--form-start") ||
	    compile(f, &f->form_submit, f->form_submit_text,
	    "--form-submit") ||
	    compile(f, &f->contact, f->contact_text, "--contact") ||
	    (f->terminal_text[0] != '\0' && compile(f, &f->terminal,
	    f->terminal_text, "--terminal")))
		return -1;
	if (strata_slots(f) != 0)
		return -1;
	f->msg_slot = slot(f, f->message_field, msg_names,
	    NELEM(msg_names));
	/* errors: by event name, or by the message field */
	n = strlen(f->error_re) + 8;
	re = jn_xmalloc(n);
	snprintf(re, n, "/%s/i", f->error_re);
	rc = compile(f, &f->error_name, re, "--error");
	free(re);
	if (rc != 0)
		return -1;
	n = strlen(f->error_re) + 64;
	re = jn_xmalloc(n + (f->message_field ? strlen(f->message_field) :
	    0));
	sprintf(re, "%s~(?i)%s", f->message_field ? f->message_field :
	    "message", f->error_re);
	rc = compile(f, &f->error_msg, re, "--error");
	free(re);
	if (rc != 0)
		return -1;
	/* its first condition's field, when the text names it as it is */
	msg = f->message_field ? f->message_field : "message";
	f->error_msg_slot = msg[0] != '/' && msg[0] != ' ' &&
	    msg[0] != '\t' && strpbrk(msg, "=!~<>&") == NULL ?
	    jn_schema_field(&f->in.schema, msg) : -1;
	f->tp_slot = slot(f, f->tp_field, tp_names, NELEM(tp_names));
	f->load_slot = slot(f, f->load_field, load_names, NELEM(load_names));
	f->target_slot = slot(f, f->target_field, target_names,
	    NELEM(target_names));
	f->topic_slot = slot(f, f->topic_field, topic_names,
	    NELEM(topic_names));
	if (f->value_field) {
		if (jn_valexpr_init(&f->value_expr, &f->in.schema,
		    f->value_field) != 0)
			return -1;
	} else {
		jn_valexpr_slot(&f->value_expr, jn_schema_candidates(
		    &f->in.schema, value_names, NELEM(value_names)));
	}
	f->value_slot = f->value_expr.slot;
	if (f->tp_slot < 0 || f->load_slot < 0 || f->target_slot < 0 ||
	    f->topic_slot < 0 || f->value_slot < 0 || f->msg_slot < 0)
		return -1;
	f->slow_s = (float)((double)f->slow / 1e9);
	jn_units_init(&f->units, sizeof(struct fev), offsetof(struct fev,
	    user), 0);
	f->units.sorted = f->run.sorted;
	/* units are counted one at a time, in any order: -j must agree */
	jn_units_any_order(&f->units);
	jn_intern_init(&f->vals);
	jn_intern_init(&f->keys);
	jn_intern_init(&f->strata);
	jn_intern_init(&f->apat);
	jn_namecache_init(&f->names);
	{
		struct jn_pred *p[NPRED] = { f->goal, f->click, f->form_start,
			f->form_submit, f->contact, f->error_name,
			f->error_msg, f->terminal };
		static const uint16_t flag[NPRED] = { F_GOAL, F_CLICK,
			F_FORM_START, F_FORM_SUBMIT, F_CONTACT, F_ERROR,
			F_ERROR, F_TERMINAL };
		int k;

		for (k = 0; k < NPRED; k++) {
			if (p[k] == NULL)
				continue;
			if (jn_pred_event_only(p[k], f->in.event_slot)) {
				f->cpred[f->ncached] = p[k];
				f->cflag[f->ncached++] = flag[k];
			} else {
				f->opred[f->nother] = p[k];
				f->oflag[f->nother++] = flag[k];
			}
		}
		for (k = 0; k < 1 << NPRED; k++) {
			int m;

			f->cflags[k] = 0;
			for (m = 0; m < f->ncached; m++)
				f->cflags[k] |= k >> m & 1 ? f->cflag[m] : 0;
		}
	}
	watch_names(f);
	return 0;
}

static void
release(void *state)
{
	struct friction *f = state;

	jn_touch_local_free(f->touch_local);
	free(f->stc);
	if (!f->is_worker)	/* the rules are the main state's */
		jn_touch_free(f->touch);
	jn_pred_free(f->goal);
	jn_pred_free(f->click);
	jn_pred_free(f->form_start);
	jn_pred_free(f->form_submit);
	jn_pred_free(f->contact);
	jn_pred_free(f->error_name);
	jn_pred_free(f->error_msg);
	jn_pred_free(f->terminal);
	jn_intern_release(&f->vals);
	jn_intern_release(&f->keys);
	jn_namecache_release(&f->names);
	jn_idmap_release(&f->valmap);
	jn_counts_release(&f->loads);
	free(f->items);
	free(f->itc);
	free(f->vc);
	free(f->mtp);
	free(f->mit);
	free(f->sval);
	free(f->runs);
	free(f->strata_names);
	free(f->cts);
	free(f->tp_mark);
	free(f->tp_umark);
	free(f->tp_umet);
	free(f->tp_loop);
	free(f->loop_order);
	free(f->skey);
	free(f->merge_strata);
	cells_release(&f->reach);
	cells_release(&f->icells);
	jn_intern_release(&f->strata);
	jn_intern_release(&f->apat);
	free(f->apc);
	free(f->pkey);
	free(f->merge_tps);
	jn_idmap_release(&f->stratmap);
	jn_idmap_release(&f->tagmap);
	free(f->tags);
	free(f->tagkey);
	free(f->tagslot);
	free(f->tp_visits);
	free(f->tp_exits);
}

/*
 * After the input, what both the table and --partial's state need: the
 * loads counted, the touchpoints' tables as long as the touchpoints.
 */
static int
end_input(void *state, int status)
{
	struct friction *f = state;

	(void)status;
	if (f->too_many_strata)
		return jn_error("more than %d strata: give fewer --strata "
		    "fields", MAX_STRATA);
	flush_loads(f);	/* one thread: its loads are its own */
	jn_counts_settle(&f->loads);
	grow_tps(f);
	return 0;
}

static int
write_result(void *state, enum jn_format fmt, char **files, int nfiles)
{
	struct friction *f = state;
	size_t ntp = jn_intern_count(&f->vals), u;

	(void)files;
	(void)nfiles;
	if (f->kinds >> K_SLOW & 1)
		slow_p75(f, ntp);
	for (u = 0; u < ntp; u++)
		f->total_visits += f->tp_visits[u];
	return write_items(f, fmt);
}

static const struct jn_reporter reporter = {
	.name = "jfriction",
	.config = config_text,
	.write_state = write_state,
	.merge_record = merge_record,
	JN_REPORTER_STATE(struct friction),
	.parse = parse_args,
	.setup = setup,
	.release = release,
	.event = on_event,
	.prepare = prepare_workers,
	.remap = remap_event,
	.unit = detect_user,
	.merge = merge_detected,
	.end = end_input,
	.write = write_result,
};

int
main(int argc, char **argv)
{
	static struct friction f;

	return jn_engine_main(&reporter, &f, argc, argv);
}
