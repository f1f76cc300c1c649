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
 * Memory: 32 bytes per event, plus per distinct touchpoint, target, topic
 * and message, plus per friction item; while detecting, 8 bytes per load
 * for p75.  With -j N the events are kept once, split between the reading
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

#include "journey/engine.h"
#include "journey/group.h"
#include "journey/input.h"
#include "journey/intern.h"
#include "journey/pred.h"
#include "journey/state.h"
#include "journey/time.h"
#include "journey/util.h"
#include "journey/writer.h"
#include "journey/xsum.h"

static const char usage[] =
    "usage: jfriction [-u FIELD] [-t FIELD] [-e FIELD] [-o FORMAT]\n"
    "                 [--only KIND,...] [--skip KIND,...] [--goal EXPR]\n"
    "                 [--value FIELD] [--touchpoint FIELD]\n"
    "                 [--slow DUR] [--lcp] [--load-field FIELD]\n"
    "                 [--load-unit ms|s] [--error REGEX]\n"
    "                 [--message-field FIELD] [--click EXPR]\n"
    "                 [--target-field FIELD] [--rage-clicks N]\n"
    "                 [--rage-gap DUR] [--form-start EXPR]\n"
    "                 [--form-submit EXPR] [--contact EXPR]\n"
    "                 [--topic-field FIELD] [--repeat-within DUR]\n"
    "                 [--loop-visits N] [--min-users N] [-j N]\n"
    "                 [--sorted] [--partial | --merge]\n"
    "                 [--where EXPR] [--since TIME]\n"
    "                 [--until TIME] [--strict] [--rejects FILE]\n"
    "                 [FILE ...]\n";

static const char help_text[] =
    "Find friction points and measure what they cost.\n"
    "\n"
    "Kinds: slow error rage_click form_abandon repeat_contact loop exit\n"
    "dead_end.  Thresholds (defaults from published practice):\n"
    "      --slow DUR           slow load threshold, at p75 (2s)\n"
    "      --lcp                Web Vitals LCP: 2.5s, poor over 4s\n"
    "      --rage-clicks N      clicks on one target (3)\n"
    "      --rage-gap DUR       each within DUR of the last (1s)\n"
    "      --repeat-within DUR  repeat support contact window (7d)\n"
    "      --loop-visits N      visits to one touchpoint (3)\n"
    "      --min-users N        report items hitting N users or more (3)\n"
    "Fields and events: --touchpoint, --load-field, --load-unit,\n"
    "--message-field, --target-field, --topic-field, --error, --click,\n"
    "--form-start, --form-submit, --contact, --goal, --value.\n"
    "Selection: --only KIND,...  --skip KIND,...\n"
    "Threads: -j, --jobs N (default: all cores).\n"
    "Input grouped by user: --sorted (memory per user, not per event).\n"
    "Shards: --partial writes a mergeable state, --merge adds them up.\n"
    "Shared options: see journey(7).  Formulas: see jfriction(1).\n";

enum {
	OPT_ONLY = JN_OPT_TOOL_BASE, OPT_SKIP, OPT_GOAL, OPT_VALUE,
	OPT_TOUCHPOINT, OPT_SLOW, OPT_LCP, OPT_LOAD_FIELD, OPT_LOAD_UNIT,
	OPT_ERROR, OPT_MESSAGE_FIELD, OPT_CLICK, OPT_TARGET_FIELD,
	OPT_RAGE_CLICKS, OPT_RAGE_GAP, OPT_FORM_START, OPT_FORM_SUBMIT,
	OPT_CONTACT, OPT_TOPIC_FIELD, OPT_REPEAT_WITHIN, OPT_LOOP_VISITS,
	OPT_MIN_USERS
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
	JN_RUN_LONGOPTS,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NONE UINT32_MAX

enum kind {
	K_SLOW, K_ERROR, K_RAGE, K_FORM, K_REPEAT, K_LOOP, K_EXIT,
	K_DEAD_END, K_NKINDS
};

static const char *const kind_names[K_NKINDS] = {
	"slow", "error", "rage_click", "form_abandon", "repeat_contact",
	"loop", "exit", "dead_end",
};

/* What an event is, as bits of struct fev's flags. */
enum {
	F_GOAL = 1, F_ERROR = 2, F_CLICK = 4, F_FORM_START = 8,
	F_FORM_SUBMIT = 16, F_CONTACT = 32, F_SLOW = 64
};

/* One event: 32 bytes. */
struct fev {
	int64_t ts;
	uint32_t user;
	uint32_t session;	/* hash of the session value | 1, 0 without */
	uint32_t tp;		/* touchpoint id */
	uint32_t aux;		/* target, form, topic or message id; NONE */
	float load;		/* load time in seconds, NAN without */
	uint16_t flags;
	uint16_t pad;
};

/* A friction item and what it costs. */
struct item {
	uint8_t kind;
	uint32_t tp, detail;	/* ids in vals, detail NONE when none */
	uint64_t occurrences, sessions, users, converted, contacts;
	double extra_steps;
	double p75;		/* slow: the touchpoint's p75 load */
	uint32_t last_user, last_session;	/* for distinct counts */
	int64_t first_ts;	/* this user's first hit */
};

/*
 * The loads of every touchpoint as a multiset, (touchpoint, load) ->
 * count: all that p75 needs, exactly, and it merges by adding counts.
 * Where the events are kept, it is made from them at the end, sorted;
 * where they are not (--sorted, --merge), it is an open-addressing table
 * that grows with distinct loads, not events.
 */
struct load_count {
	uint64_t key;		/* tp << 32 | the float's bits; LOAD_NONE */
	uint64_t count;
};

struct loads {
	struct load_count *e;
	size_t n, cap;		/* cap: 0 or a power of two */
};

struct friction {
	struct jn_common common;
	struct jn_input in;
	unsigned kinds;		/* bit per enum kind */
	const char *goal_text, *value_field, *tp_field, *load_field;
	const char *error_re, *message_field, *click_text, *target_field;
	const char *form_start_text, *form_submit_text, *contact_text;
	const char *topic_field;
	int load_ms, lcp, rage_clicks, loop_visits, min_users;
	int64_t slow, rage_gap, repeat_within;
	double poor;		/* --lcp: poor threshold, seconds */

	struct jn_pred *goal, *click, *form_start, *form_submit, *contact;
	struct jn_pred *error_name, *error_msg;
	/* the same, by kind: per event name (cached) or per event */
	struct jn_namecache names;
	struct jn_pred *cpred[7], *opred[7];
	uint16_t cflag[7], oflag[7];
	int ncached, nother;
	int value_slot, tp_slot, load_slot, msg_slot, target_slot;
	int topic_slot;

	struct jn_units units;	/* users and their events */
	struct jn_engine engine;
	struct jn_intern vals, keys;
	uint32_t **vmap;	/* -j: per worker, value id -> this state's */
	int nvmap;
	/*
	 * --value of goal events, summed exactly: the total is the same
	 * whatever the order (or the thread) that added them.
	 */
	struct jn_xsum value;

	struct loads loads;	/* --sorted, --merge: loads so far */
	uint64_t *lkeys;	/* else a key per load, sorted at the end */
	size_t nlkeys, lkeycap;
	struct load_count *sloads;	/* the loads in key order, at the end */
	size_t nsloads;
	struct item *items;
	size_t nitems, itemcap;
	uint32_t *touched;	/* items hit by the current user */
	size_t ntouched, touchedcap;

	/* totals */
	uint64_t total_users, total_sessions, total_converted;
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
	return jn_intern_put(&f->vals, s, len);
}

static uint32_t
val_id(struct friction *f, int slot, const struct jn_record *rec)
{
	size_t len;
	const char *v = jn_record_get(rec, slot, &len);

	return v && len ? val_put(f, v, len) : NONE;
}

static int
on_event(void *ctx, const struct jn_event *ev)
{
	struct friction *f = ctx;
	const struct jn_record *rec = ev->rec;
	struct fev *e;
	uint32_t user = jn_units_get(&f->units, ev);
	uint16_t flags = 0;
	const char *v;
	size_t len;
	int m, k;

	if (user == JN_UNIT_NONE)
		return -1;
	/* the kinds of event, once per event name where they allow it */
	if (ev->name_len > 0 && f->ncached > 0) {
		uint64_t bits;

		if (jn_namecache_get(&f->names, f->cpred, f->ncached, rec,
		    ev->name, ev->name_len, &bits) != 0)
			return -1;
		for (m = 0; m < f->ncached; m++)
			flags |= bits >> m & 1 ? f->cflag[m] : 0;
	} else {
		for (k = 0; k < f->ncached; k++) {
			if ((m = match(f->cpred[k], rec)) < 0)
				return -1;
			flags |= m ? f->cflag[k] : 0;
		}
	}
	for (k = 0; k < f->nother; k++) {
		if ((m = match(f->opred[k], rec)) < 0)
			return -1;
		flags |= m ? f->oflag[k] : 0;
	}
	if (f->value_slot >= 0 && (flags & F_GOAL)) {
		double d;

		v = jn_record_get(rec, f->value_slot, &len);
		if (v != NULL && jn_parse_double(v, len, &d) == 0)
			jn_xsum_add(&f->value, d);
	}
	e = jn_units_keep(&f->units, user);
	e->ts = ev->time;
	e->session = ev->session && ev->session_len ?
	    (uint32_t)jn_hash(ev->session, ev->session_len) | 1 : 0;
	/* the touchpoint: its field, else the event name */
	v = jn_record_get(rec, f->tp_slot, &len);
	if (v == NULL || len == 0) {
		v = ev->name;
		len = ev->name_len;
	}
	e->tp = val_put(f, v, len);
	e->aux = NONE;
	if (flags & F_ERROR) {
		e->aux = val_id(f, f->msg_slot, rec);
		if (e->aux == NONE)
			e->aux = val_put(f, ev->name, ev->name_len);
	} else if (flags & F_CONTACT) {
		e->aux = val_id(f, f->topic_slot, rec);
	} else if (flags & (F_CLICK | F_FORM_START | F_FORM_SUBMIT)) {
		e->aux = val_id(f, f->target_slot, rec);
	}
	e->load = NAN;
	v = jn_record_get(rec, f->load_slot, &len);
	if (v != NULL && len > 0) {
		double d;

		/* beyond a float's range the conversion is undefined: a
		 * load of 10^38 seconds is no load time, so it is left out */
		if (jn_parse_double(v, len, &d) == 0 && d >= 0 &&
		    (f->load_ms ? d / 1000 : d) <= FLT_MAX)
			e->load = (float)(f->load_ms ? d / 1000 : d);
	}
	e->flags = flags;
	e->pad = 0;
	return 0;
}

/* ---- items ---- */

static uint32_t
item_for(struct friction *f, enum kind k, uint32_t tp, uint32_t detail)
{
	char key[16];
	uint32_t id;

	memcpy(key, &k, 4);
	memcpy(key + 4, &tp, 4);
	memcpy(key + 8, &detail, 4);
	id = jn_intern_put(&f->keys, key, 12);
	if (id == f->nitems) {
		struct item *it;

		f->items = jn_xgrow(f->items, &f->itemcap, f->nitems + 1,
		    sizeof *f->items);
		it = &f->items[f->nitems++];
		memset(it, 0, sizeof *it);
		it->kind = (uint8_t)k;
		it->tp = tp;
		it->detail = detail;
		it->last_user = NONE;
		it->p75 = NAN;
	}
	return id;
}

/*
 * Record one occurrence of an item in session sid of user u at ts;
 * distinct sessions and users are counted as they change, since users and
 * their sessions arrive one after the other.
 */
static void
hit(struct friction *f, enum kind k, uint32_t tp, uint32_t detail,
    uint32_t u, uint32_t sid, int64_t ts, size_t session_events)
{
	uint32_t id = item_for(f, k, tp, detail);
	struct item *it = &f->items[id];

	it->occurrences++;
	if (it->last_user != u) {
		it->last_user = u;
		it->last_session = sid;
		it->sessions++;
		it->extra_steps += (double)session_events;
		it->first_ts = ts;
		f->touched = jn_xgrow(f->touched, &f->touchedcap,
		    f->ntouched + 1, sizeof *f->touched);
		f->touched[f->ntouched++] = id;
	} else if (it->last_session != sid) {
		it->last_session = sid;
		it->sessions++;
		it->extra_steps += (double)session_events;
	}
	if (ts < it->first_ts)
		it->first_ts = ts;
}

/* ---- loads ---- */

#define LOAD_NONE UINT64_MAX	/* an empty slot: no touchpoint is NONE */

static uint64_t
load_key(uint32_t tp, float load)
{
	uint32_t bits;

	load += 0.0F;		/* -0 as +0: one key per value */
	memcpy(&bits, &load, sizeof bits);
	return (uint64_t)tp << 32 | bits;
}

static struct load_count *
load_slot(const struct loads *l, uint64_t key)
{
	uint64_t h = key * UINT64_C(0x9e3779b97f4a7c15);
	size_t i = (size_t)(h ^ h >> 32) & (l->cap - 1);

	while (l->e[i].key != LOAD_NONE && l->e[i].key != key)
		i = (i + 1) & (l->cap - 1);
	return &l->e[i];
}

/* Add count loads of key to l. */
static void
loads_add(struct loads *l, uint64_t key, uint64_t count)
{
	struct load_count *e;
	size_t i;

	if (2 * (l->n + 1) > l->cap) {
		struct loads old = *l;

		l->cap = old.cap ? 2 * old.cap : 64;
		l->e = jn_xmalloc(l->cap * sizeof *l->e);
		for (i = 0; i < l->cap; i++)
			l->e[i].key = LOAD_NONE;
		for (i = 0; i < old.cap; i++)
			if (old.e[i].key != LOAD_NONE)
				*load_slot(l, old.e[i].key) = old.e[i];
		free(old.e);
	}
	e = load_slot(l, key);
	if (e->key == LOAD_NONE) {
		e->key = key;
		e->count = 0;
		l->n++;
	}
	e->count += count;
}

static int
load_cmp(const void *pa, const void *pb)
{
	const struct load_count *a = pa, *b = pb;

	return a->key < b->key ? -1 : a->key > b->key;
}

/*
 * Add the sorted multiset b[0..nb) to f->sloads (sorted too), in one
 * merging pass.
 */
static void
merge_sloads(struct friction *f, const struct load_count *b, size_t nb)
{
	const struct load_count *a = f->sloads;
	struct load_count *m = jn_xmalloc((f->nsloads + nb + 1) * sizeof *m);
	size_t i = 0, j = 0, n = 0, na = f->nsloads;

	while (i < na || j < nb) {
		if (j == nb || (i < na && a[i].key < b[j].key))
			m[n++] = a[i++];
		else if (i == na || b[j].key < a[i].key)
			m[n++] = b[j++];
		else {
			m[n] = a[i++];
			m[n++].count += b[j++].count;
		}
	}
	free(f->sloads);
	f->sloads = m;
	f->nsloads = n;
}

/*
 * The loads of the events kept (f->lkeys, a key per load) into
 * f->sloads: sorted, then counted by value.  Keys sort by touchpoint,
 * then by load: loads are never negative, so their bits sort as their
 * values.
 */
static void
sloads_from_keys(struct friction *f)
{
	struct load_count *c;
	size_t i, n = 0;

	if (f->nlkeys == 0)
		return;
	jn_sort_u64(f->lkeys, f->nlkeys);
	c = jn_xmalloc(f->nlkeys * sizeof *c);
	for (i = 0; i < f->nlkeys; i++) {
		if (i == 0 || f->lkeys[i] != f->lkeys[i - 1])
			c[n++] = (struct load_count){ f->lkeys[i], 0 };
		c[n - 1].count++;
	}
	free(f->lkeys);
	f->lkeys = NULL;
	f->nlkeys = f->lkeycap = 0;
	merge_sloads(f, c, n);
	free(c);
}

/* f->sloads from the table f->loads. */
static void
sort_loads(struct friction *f)
{
	const struct loads *l = &f->loads;
	size_t i;

	f->sloads = jn_xmalloc((l->n + 1) * sizeof *f->sloads);
	f->nsloads = 0;
	for (i = 0; i < l->cap; i++)
		if (l->e[i].key != LOAD_NONE)
			f->sloads[f->nsloads++] = l->e[i];
	if (f->nsloads > 0)
		qsort(f->sloads, f->nsloads, sizeof *f->sloads, load_cmp);
}

/* The k-th smallest (from 0) of the loads counted in e[0..n). */
static float
load_nth(const struct load_count *e, size_t n, uint64_t k)
{
	uint32_t bits;
	float v;
	size_t i;

	for (i = 0; i + 1 < n && k >= e[i].count; i++)
		k -= e[i].count;
	bits = (uint32_t)e[i].key;
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
	const struct load_count *e = f->sloads;
	size_t n = f->nsloads, i, j;

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
};

static void
detect_errors_slow(struct friction *f, const struct session *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct fev *e = &s->ev[i];

		if ((f->kinds >> K_ERROR & 1) && (e->flags & F_ERROR))
			hit(f, K_ERROR, e->tp, e->aux, s->user, s->id, e->ts,
			    s->n);
		if ((f->kinds >> K_SLOW & 1) && !isnan(e->load) &&
		    e->load > (float)((double)f->slow / 1e9))
			hit(f, K_SLOW, e->tp, NONE, s->user, s->id, e->ts,
			    s->n);
	}
}

/* Chains of rage_clicks clicks on one target, each within rage_gap. */
static void
detect_rage(struct friction *f, const struct session *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		const struct fev *e = &s->ev[i];
		size_t chain = 1;
		int64_t last = e->ts;

		if (!(e->flags & F_CLICK) || e->aux == NONE)
			continue;
		for (j = i + 1; j < s->n; j++) {
			const struct fev *c = &s->ev[j];

			if (!(c->flags & F_CLICK))
				continue;
			if (c->aux != e->aux || c->ts - last > f->rage_gap)
				break;
			chain++;
			last = c->ts;
		}
		if (chain >= (size_t)f->rage_clicks) {
			hit(f, K_RAGE, e->tp, e->aux, s->user, s->id, e->ts,
			    s->n);
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
		int submitted = 0;

		if (!(e->flags & F_FORM_START))
			continue;
		for (j = i + 1; j < s->n && !submitted; j++)
			submitted = (s->ev[j].flags & F_FORM_SUBMIT) &&
			    s->ev[j].aux == e->aux;
		/* a form started twice counts once, at its last start */
		for (j = i + 1; j < s->n && !submitted; j++)
			if ((s->ev[j].flags & F_FORM_START) &&
			    s->ev[j].aux == e->aux)
				submitted = 1;
		if (!submitted)
			hit(f, K_FORM, e->tp, e->aux, s->user, s->id, e->ts,
			    s->n);
	}
}

/* A touchpoint visited loop_visits times with other touchpoints between. */
static void
detect_loops(struct friction *f, const struct session *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		uint32_t tp = s->ev[i].tp;
		int visits = 1, seen = 0;

		if (i > 0 && s->ev[i - 1].tp == tp)
			continue;	/* not the start of a visit */
		for (j = 0; j < i && !seen; j++)
			seen = s->ev[j].tp == tp;
		if (seen)
			continue;	/* counted from its first visit */
		for (j = i + 1; j < s->n; j++)
			if (s->ev[j].tp == tp && s->ev[j - 1].tp != tp)
				visits++;
		if (visits >= f->loop_visits)
			hit(f, K_LOOP, tp, NONE, s->user, s->id,
			    s->ev[i].ts, s->n);
	}
}

/* Where a session without the goal ends; a dead end follows an error. */
static void
detect_exit(struct friction *f, const struct session *s)
{
	const struct fev *last = &s->ev[s->n - 1];
	size_t i;
	int error = 0;

	for (i = 0; i < s->n; i++) {
		uint32_t tp = s->ev[i].tp;
		size_t j;
		int again = 0;

		for (j = 0; j < i && !again; j++)
			again = s->ev[j].tp == tp;
		if (!again)
			f->tp_visits[tp]++;
	}
	if (s->converted)
		return;
	f->tp_exits[last->tp]++;
	f->total_exits++;
	/* an error at the last touchpoint, in the session's last steps */
	for (i = s->n; i > 0 && s->ev[i - 1].tp == last->tp; i--)
		error |= s->ev[i - 1].flags & F_ERROR;
	if ((f->kinds >> K_DEAD_END & 1) && error)
		hit(f, K_DEAD_END, last->tp, NONE, s->user, s->id, last->ts,
		    s->n);
	else if (f->kinds >> K_EXIT & 1)
		hit(f, K_EXIT, last->tp, NONE, s->user, s->id, last->ts,
		    s->n);
}

/* Support contacts again on the same topic within repeat_within. */
static void
detect_repeat(struct friction *f, const struct fev *ev, size_t n,
    uint32_t user)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (!(ev[i].flags & F_CONTACT))
			continue;
		for (j = i; j > 0; j--) {
			const struct fev *p = &ev[j - 1];

			if (ev[i].ts - p->ts > f->repeat_within)
				break;
			if ((p->flags & F_CONTACT) && p->aux == ev[i].aux) {
				hit(f, K_REPEAT, ev[i].tp, ev[i].aux, user,
				    ev[i].session, ev[i].ts, 1);
				break;
			}
		}
	}
}

/* ---- per user ---- */

/* Make room for the counts of every touchpoint so far, new ones zero. */
static void
grow_tps(struct friction *f)
{
	size_t need = jn_intern_count(&f->vals) + 1, old = f->tpcap;

	if (need <= old)
		return;
	f->tpcap = need > 2 * old ? need : 2 * old;
	f->tp_visits = jn_xrealloc(f->tp_visits,
	    f->tpcap * sizeof *f->tp_visits);
	f->tp_exits = jn_xrealloc(f->tp_exits,
	    f->tpcap * sizeof *f->tp_exits);
	memset(f->tp_visits + old, 0, (f->tpcap - old) * sizeof *f->tp_visits);
	memset(f->tp_exits + old, 0, (f->tpcap - old) * sizeof *f->tp_exits);
}


/*
 * The values of the main state, whose ids the events being detected
 * carry; set before detecting, read only while threads detect.
 */
static const struct jn_intern *cmp_vals;

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

static int
fev_cmp(const void *pa, const void *pb)
{
	const struct fev *a = pa, *b = pb;
	int c;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->session != b->session)
		return a->session < b->session ? -1 : 1;
	if (a->flags != b->flags)
		return a->flags < b->flags ? -1 : 1;
	if ((c = val_cmp(a->tp, b->tp)) != 0)
		return c;
	return val_cmp(a->aux, b->aux);
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

	s.ev = ev;
	s.n = n;
	s.user = user;
	s.id = sid;
	s.converted = 0;
	for (i = 0; i < n; i++)
		s.converted |= ev[i].flags & F_GOAL;
	f->total_sessions++;
	f->total_session_events += n;
	detect_errors_slow(f, &s);
	if (f->kinds >> K_RAGE & 1)
		detect_rage(f, &s);
	if (f->kinds >> K_FORM & 1)
		detect_forms(f, &s);
	if (f->kinds >> K_LOOP & 1)
		detect_loops(f, &s);
	detect_exit(f, &s);
}

/*
 * One user: sessions by session value (then time), or cut after
 * --session-gap; then what the user's items cost: conversion and the
 * support contacts made after each item first hit the user.
 */
static void
run_user(struct friction *f, struct fev *ev, size_t n, uint32_t user)
{
	size_t i, s = 0, t;
	uint32_t sid = 0;
	int converted = 0;

	f->ntouched = 0;
	jn_sort_small(ev, n, sizeof *ev, fev_session_cmp);
	for (i = 1; i <= n; i++)
		if (i == n || ev[i].session != ev[i - 1].session ||
		    (ev[i].session == 0 && ev[i].ts - ev[i - 1].ts >
		    f->common.session_gap)) {
			run_session(f, ev + s, i - s, user, ++sid);
			s = i;
		}
	jn_sort_small(ev, n, sizeof *ev, fev_cmp);
	if (f->kinds >> K_REPEAT & 1)
		detect_repeat(f, ev, n, user);
	for (i = 0; i < n; i++)
		converted |= (ev[i].flags & F_GOAL) != 0;
	f->total_users++;
	f->total_converted += (uint64_t)converted;
	for (t = 0; t < f->ntouched; t++) {
		struct item *it = &f->items[f->touched[t]];

		it->users++;
		it->converted += (uint64_t)converted;
		for (i = 0; i < n; i++)
			it->contacts += (ev[i].flags & F_CONTACT) &&
			    ev[i].ts > it->first_ts;
	}
}

/*
 * One user, handed over by the engine: its events (in any order) are
 * detected into acc (the main state, or the share's worker with -j), and
 * their loads join acc's multiset.  Users are told apart by the unit id
 * of their events, distinct among the users counted into one acc.
 */
static void
detect_user(void *tool, void *acc, const struct jn_unit *u, void *rec,
    size_t n)
{
	struct friction *a = acc;
	struct fev *ev = rec;
	size_t i;

	(void)tool;
	(void)u;
	if (n == 0)
		return;
	if (a == tool)		/* with -j, prepare sized the workers' */
		grow_tps(a);
	run_user(a, ev, n, ev[0].user);
	if (!(a->kinds >> K_SLOW & 1))
		return;
	for (i = 0; i < n; i++) {
		uint64_t key;

		if (isnan(ev[i].load))
			continue;
		key = load_key(ev[i].tp, ev[i].load);
		if (a->run.sorted) {	/* memory must not grow with events */
			loads_add(&a->loads, key, 1);
			continue;
		}
		a->lkeys = jn_xgrow(a->lkeys, &a->lkeycap, a->nlkeys + 1,
		    sizeof *a->lkeys);
		a->lkeys[a->nlkeys++] = key;
	}
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
	size_t ntp;
	int k;

	if (n == 0)		/* one thread: its own ids */
		return;
	f->vmap = jn_xcalloc((size_t)n, sizeof *f->vmap);
	f->nvmap = n;
	for (k = 0; k < n; k++) {
		struct friction *wk = w[k];

		f->vmap[k] = jn_intern_merge(&f->vals, &wk->vals);
		jn_xsum_merge(&f->value, &wk->value);
	}
	grow_tps(f);
	ntp = f->tpcap;
	for (k = 0; k < n; k++) {
		struct friction *wk = w[k];

		free(wk->tp_visits);
		free(wk->tp_exits);
		wk->tp_visits = jn_xcalloc(ntp, sizeof *wk->tp_visits);
		wk->tp_exits = jn_xcalloc(ntp, sizeof *wk->tp_exits);
		wk->tpcap = ntp;
	}
}

static void
remap_event(const void *tool, int k, void *rec)
{
	const struct friction *f = tool;
	struct fev *e = rec;

	e->tp = f->vmap[k][e->tp];
	if (e->aux != NONE)
		e->aux = f->vmap[k][e->aux];
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

	f->total_users += w->total_users;
	f->total_sessions += w->total_sessions;
	f->total_converted += w->total_converted;
	f->total_session_events += w->total_session_events;
	f->total_exits += w->total_exits;
	for (i = 0; i < ntp; i++) {
		f->tp_visits[i] += w->tp_visits[i];
		f->tp_exits[i] += w->tp_exits[i];
	}
	for (i = 0; i < w->nitems; i++) {
		const struct item *from = &w->items[i];
		uint32_t id = item_for(f, (enum kind)from->kind, from->tp,
		    from->detail);
		struct item *to = &f->items[id];	/* after it grew */

		to->occurrences += from->occurrences;
		to->sessions += from->sessions;
		to->users += from->users;
		to->converted += from->converted;
		to->contacts += from->contacts;
		to->extra_steps += from->extra_steps;
	}
	sloads_from_keys(w);
	merge_sloads(f, w->sloads, w->nsloads);
}

/* ---- output ---- */

static struct friction *sort_f;

static int
item_cmp(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int c;

	if (a->kind != b->kind)
		return a->kind - b->kind;
	if (a->users != b->users)
		return a->users > b->users ? -1 : 1;
	if (a->occurrences != b->occurrences)
		return a->occurrences > b->occurrences ? -1 : 1;
	c = strcmp(jn_intern_str(&sort_f->vals, a->tp, NULL),
	    jn_intern_str(&sort_f->vals, b->tp, NULL));
	if (c != 0 || a->detail == b->detail)
		return c;
	if (a->detail == NONE || b->detail == NONE)
		return a->detail == NONE ? -1 : 1;
	return strcmp(jn_intern_str(&sort_f->vals, a->detail, NULL),
	    jn_intern_str(&sort_f->vals, b->detail, NULL));
}

/* Is the item reported?  Slow needs p75 over the threshold; exits need
 * a share of exits above the touchpoint's share of visits. */
static int
reported(const struct friction *f, const struct item *it)
{
	if (it->users < (uint64_t)f->min_users)
		return 0;
	if (it->kind == K_SLOW)
		return !isnan(it->p75) && it->p75 > (double)f->slow / 1e9;
	if (it->kind == K_EXIT)
		return f->total_exits > 0 && f->total_visits > 0 &&
		    (double)f->tp_exits[it->tp] / (double)f->total_exits >
		    (double)f->tp_visits[it->tp] / (double)f->total_visits;
	return 1;
}

static int
write_items(struct friction *f, enum jn_format fmt)
{
	static const struct jn_column cols[] = {
		{ "kind", JN_COL_STR }, { "touchpoint", JN_COL_STR },
		{ "detail", JN_COL_STR }, { "occurrences", JN_COL_INT },
		{ "sessions", JN_COL_INT }, { "users", JN_COL_INT },
		{ "session_share", JN_COL_RATE },
		{ "conversion_with", JN_COL_RATE },
		{ "conversion_without", JN_COL_RATE },
		{ "revenue_at_risk", JN_COL_MONEY },
		{ "support_contacts", JN_COL_INT }, { "effort", JN_COL_NUM },
	};
	struct jn_cell c[NELEM(cols)];
	struct jn_writer *w;
	double per_conv = f->total_converted ? jn_xsum_value(&f->value) /
	    (double)f->total_converted : 0;
	double mean_steps = f->total_sessions ?
	    (double)f->total_session_events / (double)f->total_sessions : 0;
	char detail[96];
	size_t i;
	int rc;

	sort_f = f;
	if (f->nitems > 0)
		qsort(f->items, f->nitems, sizeof *f->items, item_cmp);
	w = jn_writer_new(stdout, fmt, cols, NELEM(cols));
	for (i = 0; i < f->nitems; i++) {
		const struct item *it = &f->items[i];
		uint64_t rest = f->total_users - it->users;
		double cw = it->users ? (double)it->converted /
		    (double)it->users : NAN;
		double cwo = rest ? (double)(f->total_converted -
		    it->converted) / (double)rest : NAN;
		double gap = !isnan(cw) && !isnan(cwo) && cwo > cw ?
		    cwo - cw : 0;
		double extra = it->extra_steps - mean_steps *
		    (double)it->sessions;
		size_t len;
		const char *s;

		if (!reported(f, it))
			continue;
		c[0] = jn_cell_str(kind_names[it->kind],
		    strlen(kind_names[it->kind]));
		s = jn_intern_str(&f->vals, it->tp, &len);
		c[1] = jn_cell_str(s, len);
		if (it->kind == K_SLOW) {
			snprintf(detail, sizeof detail, "p75 %.2fs%s",
			    it->p75, f->lcp && it->p75 > f->poor ? " (poor)" :
			    "");
			c[2] = jn_cell_str(detail, strlen(detail));
		} else if (it->kind == K_LOOP) {
			snprintf(detail, sizeof detail, "%d+ visits",
			    f->loop_visits);
			c[2] = jn_cell_str(detail, strlen(detail));
		} else if (it->detail != NONE) {
			s = jn_intern_str(&f->vals, it->detail, &len);
			c[2] = jn_cell_str(s, len);
		} else {
			c[2] = jn_cell_str("", 0);
		}
		c[3] = jn_cell_int((int64_t)it->occurrences);
		c[4] = jn_cell_int((int64_t)it->sessions);
		c[5] = jn_cell_int((int64_t)it->users);
		c[6] = jn_cell_num(f->total_sessions ? (double)it->sessions /
		    (double)f->total_sessions : 0);
		c[7] = isnan(cw) ? jn_cell_null() : jn_cell_num(cw);
		c[8] = isnan(cwo) ? jn_cell_null() : jn_cell_num(cwo);
		c[9] = jn_cell_num((double)it->users * gap * per_conv);
		c[10] = jn_cell_int((int64_t)it->contacts);
		c[11] = jn_cell_num(extra > 0 ? round(extra * 100) / 100 : 0);
		jn_writer_row(w, c);
	}
	rc = jn_writer_finish(w);
	jn_writer_free(w);
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
	jn_strbuf_printf(b, "repeat-within=%lld;loop-visits=%d;min-users=%d",
	    (long long)f->repeat_within, f->loop_visits, f->min_users);
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
 * --partial: the totals and the value sum; per touchpoint its visits,
 * exits and loads (all of them, as (bits, count) pairs: p75 merges
 * exactly only so); per item its counts.  In string order, so that a
 * state depends neither on -j nor on the order of input lines.
 */
static int
write_state(void *tool, FILE *out)
{
	struct friction *f = tool;
	struct jn_state_rec *r = jn_state_rec_new();
	size_t ntp = jn_intern_count(&f->vals), i, l;
	uint32_t *rank = jn_intern_ranks(&f->vals);
	uint32_t *order = jn_xmalloc((ntp + 1) * sizeof *order);
	size_t *lstart = jn_xcalloc(ntp + 2, sizeof *lstart);
	int64_t counts[6], *loads = NULL;
	size_t loadcap = 0;
	int rc = 0;

	jn_state_set_str(r, "record", "totals", 6);
	counts[0] = (int64_t)f->total_users;
	counts[1] = (int64_t)f->total_sessions;
	counts[2] = (int64_t)f->total_converted;
	counts[3] = (int64_t)f->total_session_events;
	counts[4] = (int64_t)f->total_exits;
	jn_state_set_ints(r, "counts", counts, 5);
	jn_state_set_xsums(r, "value", &f->value, 1);
	if (rc == 0)
		rc = jn_state_write(out, r);
	/* sloads is in touchpoint order: where each one's loads start */
	for (l = 0; l < f->nsloads; l++)
		lstart[(f->sloads[l].key >> 32) + 1]++;
	for (i = 0; i < ntp; i++) {
		lstart[i + 1] += lstart[i];
		order[rank[i]] = (uint32_t)i;
	}
	for (i = 0; i < ntp && rc == 0; i++) {
		uint32_t tp = order[i];
		size_t n = 0;

		if (f->tp_visits[tp] == 0 && f->tp_exits[tp] == 0 &&
		    lstart[tp + 1] == lstart[tp])
			continue;	/* a target, topic or message only */
		loads = jn_xgrow(loads, &loadcap,
		    2 * (lstart[tp + 1] - lstart[tp]) + 1, sizeof *loads);
		for (l = lstart[tp]; l < lstart[tp + 1]; l++) {
			loads[n++] = (int64_t)(uint32_t)f->sloads[l].key;
			loads[n++] = (int64_t)f->sloads[l].count;
		}
		jn_state_set_str(r, "record", "touchpoint", 10);
		set_val(r, "touchpoint", f, tp);
		counts[0] = (int64_t)f->tp_visits[tp];
		counts[1] = (int64_t)f->tp_exits[tp];
		jn_state_set_ints(r, "counts", counts, 2);
		jn_state_set_ints(r, "loads", loads, n);
		rc = jn_state_write(out, r);
	}
	sort_f = f;
	if (f->nitems > 0)
		qsort(f->items, f->nitems, sizeof *f->items, item_cmp);
	for (i = 0; i < f->nitems && rc == 0; i++) {
		const struct item *it = &f->items[i];
		const char *kind = kind_names[it->kind];

		jn_state_set_str(r, "record", "item", 4);
		jn_state_set_str(r, "kind", kind, strlen(kind));
		set_val(r, "touchpoint", f, it->tp);
		set_val(r, "detail", f, it->detail);
		counts[0] = (int64_t)it->occurrences;
		counts[1] = (int64_t)it->sessions;
		counts[2] = (int64_t)it->users;
		counts[3] = (int64_t)it->converted;
		counts[4] = (int64_t)it->contacts;
		counts[5] = (int64_t)it->extra_steps;	/* a sum of integers */
		jn_state_set_ints(r, "counts", counts, 6);
		rc = jn_state_write(out, r);
	}
	free(loads);
	free(lstart);
	free(order);
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

/* One --merge record r, added to f.  Returns 0 or -1 (reported). */
static int
merge_record(void *ctx, struct jn_state_in *in, const struct jn_state_rec *r)
{
	struct friction *f = ctx;
	const char *what, *s, *d, *bad;
	size_t len, dlen, n, nl = 0, i;
	int64_t *v = NULL, *l = NULL;
	uint32_t tp, id;
	int k, rc = -1;

	if (jn_state_get_str(in, r, "record", &what, &len) != 0 ||
	    jn_state_get_ints(in, r, "counts", &v, &n) != 0)
		return -1;
	bad = "record";
	for (i = 0; i < n; i++)
		if (v[i] < 0)
			goto bad;
	if (what != NULL && strcmp(what, "totals") == 0 && n == 5) {
		f->total_users += (uint64_t)v[0];
		f->total_sessions += (uint64_t)v[1];
		f->total_converted += (uint64_t)v[2];
		f->total_session_events += (uint64_t)v[3];
		f->total_exits += (uint64_t)v[4];
		rc = jn_state_add_xsums(in, r, "value", &f->value, 1);
	} else if (what != NULL && strcmp(what, "touchpoint") == 0 && n == 2) {
		if (jn_state_get_str(in, r, "touchpoint", &s, &len) != 0 ||
		    jn_state_get_ints(in, r, "loads", &l, &nl) != 0)
			goto out;
		bad = "loads of touchpoint";
		what = s;
		if (s == NULL || nl % 2 != 0)
			goto bad;
		tp = val_put(f, s, len);
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
			loads_add(&f->loads, load_key(tp, load),
			    (uint64_t)l[i + 1]);
		}
		rc = 0;
	} else if (what != NULL && strcmp(what, "item") == 0 && n == 6) {
		struct item *it;

		if (jn_state_get_str(in, r, "kind", &what, &len) != 0 ||
		    what == NULL)
			goto out;
		for (k = 0; k < K_NKINDS; k++)
			if (strcmp(what, kind_names[k]) == 0)
				break;
		if (jn_state_get_str(in, r, "touchpoint", &s, &len) != 0 ||
		    jn_state_get_str(in, r, "detail", &d, &dlen) != 0)
			goto out;
		bad = k == K_NKINDS ? "kind" : "touchpoint of kind";
		if (k == K_NKINDS || s == NULL)
			goto bad;
		tp = val_put(f, s, len);
		id = item_for(f, (enum kind)k, tp, d == NULL ? NONE :
		    val_put(f, d, dlen));
		it = &f->items[id];	/* after they grew */
		it->occurrences += (uint64_t)v[0];
		it->sessions += (uint64_t)v[1];
		it->users += (uint64_t)v[2];
		it->converted += (uint64_t)v[3];
		it->contacts += (uint64_t)v[4];
		it->extra_steps += (double)v[5];
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
			    "exit, dead_end)", (int)n, p);
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
parse_args(struct friction *f, int argc, char **argv)
{
	/* static: it lives until exit, so no error path leaks it */
	static struct option *longopts;
	unsigned only = 0, skip = 0;
	int opt, have_only = 0;

	free(longopts);	/* from an earlier main() in one process */
	longopts = jn_cli_options(tool_longopts, NELEM(tool_longopts));
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
	f->load_ms = 1;
	f->poor = 4;
	while ((opt = getopt_long(argc, argv, "j:" JN_COMMON_SHORTOPTS,
	    longopts, NULL)) != -1) {
		int r = jn_common_option(&f->common, opt, optarg);

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
		case OPT_GOAL: f->goal_text = optarg; break;
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
		case OPT_LOOP_VISITS:
			if (count_arg("--loop-visits", optarg, 2,
			    &f->loop_visits))
				return -1;
			break;
		case 'h':
			jn_cli_help(usage, help_text);
		case 'V':
			jn_cli_version();
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	f->kinds = (have_only ? only : (1u << K_NKINDS) - 1) & ~skip;
	return jn_run_check(&f->run);
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
	size_t n;
	int rc;

	f->is_worker = worker;
	if ((worker ? jn_input_init_worker(&f->in, &f->common) :
	    jn_input_init(&f->in, &f->common)) != 0)
		return -1;
	if (compile(f, &f->goal, f->goal_text, "--goal") ||
	    compile(f, &f->click, f->click_text, "--click") ||
	    compile(f, &f->form_start, f->form_start_text, "--form-start") ||
	    compile(f, &f->form_submit, f->form_submit_text,
	    "--form-submit") ||
	    compile(f, &f->contact, f->contact_text, "--contact"))
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
	f->tp_slot = slot(f, f->tp_field, tp_names, NELEM(tp_names));
	f->load_slot = slot(f, f->load_field, load_names, NELEM(load_names));
	f->target_slot = slot(f, f->target_field, target_names,
	    NELEM(target_names));
	f->topic_slot = slot(f, f->topic_field, topic_names,
	    NELEM(topic_names));
	f->value_slot = slot(f, f->value_field, value_names,
	    NELEM(value_names));
	if (f->tp_slot < 0 || f->load_slot < 0 || f->target_slot < 0 ||
	    f->topic_slot < 0 || f->value_slot < 0 || f->msg_slot < 0)
		return -1;
	jn_units_init(&f->units, sizeof(struct fev), offsetof(struct fev,
	    user), 0);
	f->units.sorted = f->run.sorted;
	jn_intern_init(&f->vals);
	jn_intern_init(&f->keys);
	jn_namecache_init(&f->names);
	{
		struct jn_pred *p[7] = { f->goal, f->click, f->form_start,
			f->form_submit, f->contact, f->error_name,
			f->error_msg };
		static const uint16_t flag[7] = { F_GOAL, F_CLICK,
			F_FORM_START, F_FORM_SUBMIT, F_CONTACT, F_ERROR,
			F_ERROR };
		int k;

		for (k = 0; k < 7; k++) {
			if (jn_pred_event_only(p[k], f->in.event_slot)) {
				f->cpred[f->ncached] = p[k];
				f->cflag[f->ncached++] = flag[k];
			} else {
				f->opred[f->nother] = p[k];
				f->oflag[f->nother++] = flag[k];
			}
		}
	}
	return 0;
}

static void
release(void *state)
{
	struct friction *f = state;
	int k;

	jn_engine_release(&f->engine);
	jn_pred_free(f->goal);
	jn_pred_free(f->click);
	jn_pred_free(f->form_start);
	jn_pred_free(f->form_submit);
	jn_pred_free(f->contact);
	jn_pred_free(f->error_name);
	jn_pred_free(f->error_msg);
	jn_input_release(&f->in);
	jn_units_release(&f->units);
	jn_intern_release(&f->vals);
	jn_intern_release(&f->keys);
	jn_namecache_release(&f->names);
	for (k = 0; k < f->nvmap; k++)
		free(f->vmap[k]);
	free(f->vmap);
	free(f->loads.e);
	free(f->lkeys);
	free(f->sloads);
	free(f->items);
	free(f->touched);
	free(f->tp_visits);
	free(f->tp_exits);
}

static const struct jn_reporter reporter = {
	.name = "jfriction",
	.config = config_text,
	.write_state = write_state,
	.merge_record = merge_record,
	.size = sizeof(struct friction),
	.input_off = offsetof(struct friction, in),
	.units_off = offsetof(struct friction, units),
	.setup = setup,
	.release = release,
	.event = on_event,
	.prepare = prepare_workers,
	.remap = remap_event,
	.unit = detect_user,
	.merge = merge_detected,
};

int
main(int argc, char **argv)
{
	static struct friction f, options;
	size_t ntp, u;
	int status = JN_EXIT_OK;

	/* zeroed here too: the fuzz targets run main() many times */
	memset(&f, 0, sizeof f);
	jn_set_progname(argv[0]);
	jn_common_init(&f.common);
	if (parse_args(&f, argc, argv) != 0)
		return JN_EXIT_ERROR;
	/* the parsed options, before setup: each worker starts from them */
	options = f;
	if (setup(&f, 0) != 0) {
		release(&f);
		return JN_EXIT_ERROR;
	}
	cmp_vals = &f.vals;
	if ((status = jn_engine_input(&f.engine, &reporter, &f, &options,
	    &f.run, argv + optind, argc - optind, NULL)) < 0) {
		release(&f);
		return JN_EXIT_ERROR;
	}
	if (f.run.sorted || f.run.merge)
		sort_loads(&f);
	else
		sloads_from_keys(&f);
	grow_tps(&f);
	if (f.run.partial) {
		if (jn_engine_write_state(&reporter, &f) != 0)
			status = JN_EXIT_ERROR;
		release(&f);
		return jn_close_stdout(status);
	}
	ntp = jn_intern_count(&f.vals);
	if (f.kinds >> K_SLOW & 1)
		slow_p75(&f, ntp);
	for (u = 0; u < ntp; u++)
		f.total_visits += f.tp_visits[u];
	if (write_items(&f, jn_format_resolve(f.common.out_format,
	    stdout)) != 0)
		status = JN_EXIT_ERROR;
	release(&f);
	return jn_close_stdout(status);
}
