/*
 * jsegment: who the customers are.  One profile per user (events,
 * sessions, first and last seen, active days, recency, value, conversions,
 * bounced sessions, first/last values of chosen fields), a segment per
 * user (by a field, by ordered rules over the profile, or by a preset:
 * lifecycle, RFM, value tiers), and then either a table per segment, a
 * row per user (--profiles), or every input event written back with its
 * user's segment added (--tag), for the next tool in the pipe.
 *
 * Memory: per user a profile (about 100 bytes plus its id and 16 bytes per
 * --field), and per event a 16-byte (time, user, session) record, needed
 * to cut sessions and count active days from input in any order.
 *
 * Users and their events are kept by the reporter engine (engine.h).
 * With -j N, N workers read, each profiling the users of its batches;
 * then one thread per share of users merges each user's profiles and
 * counts its events, and the users are numbered by first appearance, as
 * one thread numbers them (move_user), so that everything after is the
 * same code.
 *
 * With --sorted (input grouped by user) a user's profile is finished when
 * the next user starts, and its events forgotten: memory grows with users
 * only.  --partial writes the profiles, exactly (value sums as exact
 * sums), as a mergeable state (state.h); --merge reads the states of
 * shards of whole users back into profiles, so that the segments and the
 * table are computed as one run over the whole log computes them.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journey/clv.h"
#include "journey/engine.h"
#include "journey/group.h"
#include "journey/input.h"
#include "journey/intern.h"
#include "journey/pred.h"
#include "journey/rank.h"
#include "journey/state.h"
#include "journey/tmpfile.h"
#include "journey/time.h"
#include "journey/util.h"
#include "journey/valexpr.h"
#include "journey/writer.h"
#include "journey/xsum.h"

static const char usage[] =
    "usage: jsegment [-u FIELD] [-t FIELD] [-e FIELD] [-o FORMAT]\n"
    "                [--by FIELD | --rule NAME=EXPR ... |\n"
    "                 --preset lifecycle|rfm|value]\n"
    "                [--default NAME] [--goal EXPR] [--value FIELD]\n"
    "                [--value-from goal|all]\n"
    "                [--field FIELD] [--now TIME] [--period DUR]\n"
    "                [--profiles | --tag[=FIELD]] [--sorted] [-j N]\n"
    "                [--clv [--horizon DUR] [--discount RATE]]\n"
    "                [--nps FIELD] [--csat FIELD] [--ces FIELD]\n"
    "                [--partial | --merge] [--meta] [--where EXPR]\n"
    "                [--since TIME]\n"
    "                [--until TIME] [--strict] [--rejects FILE] [FILE ...]\n";

static const char help_text[] =
    "Profile users, segment them, and tag events with their segment.\n"
    "\n"
    "      --by FIELD           segment by FIELD's first non-empty value\n"
    "      --rule NAME=EXPR     segment NAME for profiles matching EXPR\n"
    "                           (repeatable; the first match wins)\n"
    "      --default NAME       segment of users no rule matches (other)\n"
    "      --preset P           lifecycle, rfm or value\n"
    "      --goal EXPR          conversion event (purchase, "
    "order_completed,\n"
    "                           conversion)\n"
    "      --value FIELD        sum FIELD of goal events per user (revenue,\n"
    "                           value, amount)\n"
    "      --value-from all     sum it over every event instead\n"
    "      --field FIELD        add first.FIELD and last.FIELD "
    "(repeatable)\n"
    "      --now TIME           recency and lifecycle up to TIME (end of "
    "data)\n"
    "      --period DUR         lifecycle period (30d)\n"
    "      --profiles           one row per user instead of per segment\n"
    "      --clv                fit BG/NBD and Gamma-Gamma: p_alive,\n"
    "                           expected_purchases, clv (jsegment(1))\n"
    "      --horizon DUR        what --clv predicts over (52w)\n"
    "      --discount RATE      --clv's yearly discount rate (0.1)\n"
    "      --nps, --csat, --ces FIELD\n"
    "                           survey answers: 0-10, 1-5, 1-7 (nps,\n"
    "                           csat, ces, ...: journey(7))\n"
    "      --fields LIST        only these columns, in this order\n"
    "      --tag[=FIELD]        write every event back with FIELD "
    "(segment)\n"
    "      --sorted             input grouped by user: memory per user only\n"
    "      --partial            write a mergeable state, not the table\n"
    "      --merge              merge states from --partial\n"
    "      --meta               begin the table with how it was made\n"
    "  -j, --jobs N             read with N threads (default: all cores)\n"
    "  -u, -t, -e, --session, --session-gap, -I, --delimiter, "
    "--time-format,\n"
    "  --time-zone, --decimal-comma, --where, --since, --until,\n"
    "  -o, --strict, --rejects, --max-rejected, --allow-empty, "
    "--safe-csv,\n"
    "  --no-progress, -h, -V: see journey(7)\n";

enum {
	OPT_BY = JN_OPT_TOOL_BASE,
	OPT_RULE,
	OPT_DEFAULT,
	OPT_PRESET,
	OPT_GOAL,
	OPT_VALUE,
	OPT_FIELD,
	OPT_NOW,
	OPT_PERIOD,
	OPT_PROFILES,
	OPT_TAG,
	OPT_VALUE_FROM,
	OPT_CLV,
	OPT_HORIZON,
	OPT_DISCOUNT,
};

static const struct option tool_longopts[] = {
	{ "by", required_argument, NULL, OPT_BY },
	{ "rule", required_argument, NULL, OPT_RULE },
	{ "default", required_argument, NULL, OPT_DEFAULT },
	{ "preset", required_argument, NULL, OPT_PRESET },
	{ "goal", required_argument, NULL, OPT_GOAL },
	{ "value", required_argument, NULL, OPT_VALUE },
	{ "value-from", required_argument, NULL, OPT_VALUE_FROM },
	{ "field", required_argument, NULL, OPT_FIELD },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ "profiles", no_argument, NULL, OPT_PROFILES },
	{ "tag", optional_argument, NULL, OPT_TAG },
	{ "clv", no_argument, NULL, OPT_CLV },
	{ "horizon", required_argument, NULL, OPT_HORIZON },
	{ "discount", required_argument, NULL, OPT_DISCOUNT },
	JN_RUN_LONGOPTS,
	JN_SCORE_LONGOPTS,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NONE UINT32_MAX
#define MAX_RULES 64
#define MAX_FIELDS 16
#define DAY (86400 * JN_NS_PER_SEC)

enum preset { PRESET_NONE, PRESET_LIFECYCLE, PRESET_RFM, PRESET_VALUE };

/* What jsegment knows of one user. */
struct user {
	uint64_t events, conversions, sessions, bounced, active_days;
	int64_t first, last;
	double value;		/* the --value sum, rounded once at the end */
	/* the exact --value sum while reading: see vsum_add */
	uint64_t vlo;
	int64_t vhi;
	int32_t vlsb;
	uint8_t prev_active;	/* lifecycle: active in the previous period */
	uint8_t r, f, m;	/* RFM quintile scores, 1-5 */
	uint32_t segment;	/* id in segs */
};

/* First and last value of one --field per user. */
struct touch {
	const char *name;
	int slot;
	uint32_t *first, *last;	/* value ids, NONE when none */
	int64_t *first_ts, *last_ts;
};

/*
 * Lifecycle without --now, when the end of the data is not known yet
 * (--sorted, a shard's --partial): the user's last events, as runs of
 * times with gaps of at most a period, a[k] to b[k].  The previous period
 * of any end N at or after the events read so far, M, lies in [M - 2P,
 * N - P), so only events from M - 2P count, and they fall in at most two
 * runs (two gaps over P would span more than 2P).  A run meets a period
 * of length P when it starts before the period ends and ends after it
 * starts: no gap in it can jump over the period.
 */
struct recent {
	int64_t a[2], b[2];
	int n;
};

/* One event's time, kept to cut sessions and count days: 16 bytes. */
struct tev {
	int64_t ts;
	uint32_t user;
	uint32_t session;	/* hash of the session value | 1, 0 without */
};

/* With --clv: and the value of a goal event, NAN for other events. */
struct vtev {
	struct tev t;
	double value;
};

/* With --clv, a user's purchase history and what the models predict. */
struct buyer {
	struct jn_clv_obs o;
	int64_t first_day;
	int bought;		/* a purchase up to --now */
	double p_alive, expected, clv;
};

struct rule {
	char *name;
	const char *expr;
	struct jn_pred *pred;
};

struct segstat {
	uint32_t seg;
	uint64_t users, sessions, events, converted, bounced;
	/*
	 * The users' values added exactly (in a struct user's sum), so
	 * that the total does not depend on the order of the users, which
	 * --merge cannot restore: shards do not know where in the whole
	 * log their users began.
	 */
	struct user sum;
	/* --clv: buyers, and the sums of their predictions, exact: the
	 * same in whatever order the users come (-j, --merge) */
	uint64_t buyers;
	struct jn_xsum p_alive, expected, clv;
	struct jn_scores sc;	/* survey answers */
};

struct seg {
	struct jn_common common;
	struct jn_input in;
	const char *by_field, *goal_text, *value_field, *default_name;
	int goal_given;		/* --goal, not the default */
	int value_all;		/* --value-from all: every event's value */
	const char *tag_field;
	enum preset preset;
	int profiles, tag, has_now;
	int64_t now, period;
	int clv;		/* --clv */
	int64_t horizon;
	double discount;
	size_t rec_size;	/* struct tev, or struct vtev with --clv */
	struct buyer *buy;	/* per user, with --clv */
	/*
	 * Per user, their survey answers: allocated at the first answer
	 * read (or state with answers merged), so that input without
	 * answers costs nothing and its tables keep their columns.
	 */
	struct jn_scores *sc;
	int state_scores;	/* --merge: the state being read has them */
	struct jn_clv_purchase *cp;	/* profile_user's scratch */
	size_t cpcap;
	struct jn_bgnbd bgnbd;
	struct jn_gg gg;
	int have_bgnbd, have_gg;
	struct rule rules[MAX_RULES];
	struct touch touch[MAX_FIELDS + 1];	/* + --by */
	int nrules, ntouch, by_touch, value_slot;
	struct jn_valexpr value_expr;	/* --value, or the default fields */
	int goal_by_name;	/* the goal depends on the event name alone */
	int is_worker;		/* one of the reading threads' states */
	struct jn_pred *goal;
	struct jn_namecache names;

	struct jn_units units;	/* users, and their events' times */
	struct jn_engine engine;
	struct jn_intern vals, segs;
	struct jn_idmap valmap;	/* -j: per worker, value id -> this state's */
	struct user *u;
	size_t ucap;
	int64_t max_ts;
	struct recent *recent;	/* per user, with keep_recent */
	int have_events;
	int keep_recent;	/* lifecycle's end is not known yet */
	int header_written;	/* --tag */

	uint32_t *ids;		/* user_times' scratch */
	size_t idcap;

	/*
	 * --tag: the accepted events of pass 1, in input order, so that
	 * pass 2 only frames records and matches them by position (with
	 * -j, each worker's share of them).
	 */
	struct tagged {
		uint64_t pos;
		uint32_t user;
	} *tagged;
	size_t ntagged, taggedcap;
	/* pass 2: the lists of pass 1 (one per worker), merged by position */
	struct tagq {
		struct tagged *t;
		size_t n, next;
	} *tagq;
	int ntagq, lastq;
	/* --tag: per input format, each segment's added text, encoded once */
	struct enc {
		char *p;
		size_t len;
	} *enc[4];
	char *spool;
	FILE *out;
	char *last_header;	/* --tag: the first file's header, and file */
	char *first_header_file;
	struct stat *file_ids;	/* --tag: each file as the first read found it */
	size_t last_header_len;

	struct jn_run run;	/* -j, --sorted, --partial, --merge */
	int read_status;	/* the input's: JN_EXIT_OK or JN_EXIT_ERROR */
};

static struct seg *the_seg;	/* for remove_spool and stat_cmp */

/* ---- pass 1: profiles ---- */

static void
grow_users(struct seg *s, uint32_t user)
{
	size_t old = s->ucap, i;
	int t;

	if (user < s->ucap)
		return;
	s->u = jn_xgrow(s->u, &s->ucap, (size_t)user + 1, sizeof *s->u);
	memset(s->u + old, 0, (s->ucap - old) * sizeof *s->u);
	if (s->keep_recent) {
		s->recent = jn_xrealloc(s->recent, s->ucap * sizeof *s->recent);
		memset(s->recent + old, 0, (s->ucap - old) * sizeof *s->recent);
	}
	if (s->clv) {
		s->buy = jn_xrealloc(s->buy, s->ucap * sizeof *s->buy);
		memset(s->buy + old, 0, (s->ucap - old) * sizeof *s->buy);
	}
	if (s->sc != NULL) {
		s->sc = jn_xrealloc(s->sc, s->ucap * sizeof *s->sc);
		memset(s->sc + old, 0, (s->ucap - old) * sizeof *s->sc);
	}
	for (t = 0; t < s->ntouch; t++) {
		struct touch *tc = &s->touch[t];
		size_t cap = old;

		tc->first = jn_xrealloc(tc->first, s->ucap * sizeof *tc->first);
		tc->last = jn_xrealloc(tc->last, s->ucap * sizeof *tc->last);
		tc->first_ts = jn_xrealloc(tc->first_ts,
		    s->ucap * sizeof *tc->first_ts);
		tc->last_ts = jn_xrealloc(tc->last_ts,
		    s->ucap * sizeof *tc->last_ts);
		for (i = cap; i < s->ucap; i++)
			tc->first[i] = tc->last[i] = NONE;
	}
}

/* The users' answers from now on: every user so far has none. */
static void
need_scores(struct seg *s)
{
	if (s->sc == NULL)
		s->sc = jn_xcalloc(s->ucap + 1, sizeof *s->sc);
}

/*
 * --value sums are exact, so that a user's sum is the same number
 * whichever threads added which of its values, in whatever order: the
 * integer vhi:vlo times 2^(vlsb - 1074) while the values fit in 124 bits
 * (prices and amounts of one user do), else (vlsb VS_BIG) a struct
 * jn_xsum on the heap that vlo points to.  Either is rounded once, by
 * vsum_value, to the same double for the same exact sum.
 */
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

#define VS_BIG (-1)
#define VS_BITS 124
/* no piece of a small sum may overflow when it is read (2^926) */
#define VS_TOP 2000

static i128
vsum_get(const struct user *u)
{
	return (i128)((u128)(uint64_t)u->vhi << 64 | u->vlo);
}

static int
bitlen(u128 x)
{
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;

	return hi ? 128 - __builtin_clzll(hi) : lo ? 64 - __builtin_clzll(lo) :
	    0;
}

static struct jn_xsum *
vsum_big(const struct user *u)
{
	return (struct jn_xsum *)(uintptr_t)u->vlo;
}

/* Add the small sum of u to x exactly, in pieces that doubles hold. */
static void
vsum_to_xsum(const struct user *u, struct jn_xsum *x)
{
	i128 m = vsum_get(u);
	u128 mag = m < 0 ? -(u128)m : (u128)m;
	int k;

	for (k = 0; k < 3; k++) {
		double piece = ldexp((double)(uint64_t)(mag >> 42 * k &
		    ((UINT64_C(1) << 42) - 1)), u->vlsb + 42 * k - 1074);

		jn_xsum_add(x, m < 0 ? -piece : piece);
	}
}

/*
 * Add sign * mag * 2^(lsb - 1074) to the small sum of u.  Returns 0, or
 * -1 (u unchanged) when the result would not fit.
 */
static int
vsum_add_small(struct user *u, int neg, u128 mag, int lsb)
{
	i128 acc = vsum_get(u);
	int at = acc == 0 ? lsb : u->vlsb;

	if (lsb < at) {
		u128 a = acc < 0 ? -(u128)acc : (u128)acc;

		if (bitlen(a) + at - lsb > VS_BITS)
			return -1;
		a <<= at - lsb;
		acc = acc < 0 ? -(i128)a : (i128)a;
		at = lsb;
	} else if (lsb > at) {
		if (bitlen(mag) + lsb - at > VS_BITS)
			return -1;
		mag <<= lsb - at;
	}
	if (bitlen(mag) > VS_BITS)
		return -1;
	/* both below 2^124 in magnitude: no overflow */
	acc = neg ? acc - (i128)mag : acc + (i128)mag;
	if (bitlen(acc < 0 ? -(u128)acc : (u128)acc) > VS_BITS ||
	    at + VS_BITS > VS_TOP)
		return -1;
	u->vlo = (uint64_t)(u128)acc;
	u->vhi = (int64_t)(uint64_t)((u128)acc >> 64);
	u->vlsb = at;
	return 0;
}

/* From now on u's sum is a jn_xsum on the heap. */
static struct jn_xsum *
vsum_promote(struct user *u)
{
	struct jn_xsum *x;

	if (u->vlsb == VS_BIG)
		return vsum_big(u);
	x = jn_xmalloc(sizeof *x);
	jn_xsum_init(x);
	vsum_to_xsum(u, x);
	u->vlo = (uint64_t)(uintptr_t)x;
	u->vhi = 0;
	u->vlsb = VS_BIG;
	return x;
}

static void
vsum_add(struct user *u, double d)
{
	uint64_t bits, m;
	int exp, lsb;

	if (d == 0)
		return;
	memcpy(&bits, &d, sizeof bits);
	exp = (int)(bits >> 52 & 0x7ff);
	m = bits & ((UINT64_C(1) << 52) - 1);
	/* d = +-m * 2^(lsb - 1074), as in xsum.c */
	if (exp == 0) {
		lsb = 0;
	} else {
		m |= UINT64_C(1) << 52;
		lsb = exp - 1;
	}
	/* trailing zeros dropped: values with few bits share a scale */
	lsb += __builtin_ctzll(m);
	m >>= __builtin_ctzll(m);
	if (u->vlsb == VS_BIG || vsum_add_small(u, (int)(bits >> 63), m,
	    lsb) != 0)
		jn_xsum_add(vsum_promote(u), d);
}

/* Add from's sum to to's; from is left empty. */
static void
vsum_merge(struct user *to, struct user *from)
{
	i128 m = vsum_get(from);

	if (from->vlsb != VS_BIG) {
		if (m != 0 && (to->vlsb == VS_BIG || vsum_add_small(to, m < 0,
		    m < 0 ? -(u128)m : (u128)m, from->vlsb) != 0))
			vsum_to_xsum(from, vsum_promote(to));
	} else {
		jn_xsum_merge(vsum_promote(to), vsum_big(from));
		free(vsum_big(from));
	}
	from->vlo = 0;
	from->vhi = 0;
	from->vlsb = 0;
}

/* Round u's sum into u->value (frees its jn_xsum). */
static void
vsum_finish(struct user *u)
{
	i128 m = vsum_get(u);

	if (u->vlsb == VS_BIG) {
		u->value = jn_xsum_value(vsum_big(u));
		free(vsum_big(u));
	} else if (m == 0) {
		u->value = 0;
	} else if ((m < 0 ? -(u128)m : (u128)m) < (u128)1 << 53) {
		/* exact as a double: what jn_xsum_value gives too */
		u->value = ldexp((double)m, u->vlsb - 1074);
	} else {
		struct jn_xsum x;

		jn_xsum_init(&x);
		vsum_to_xsum(u, &x);
		u->value = jn_xsum_value(&x);
	}
	u->vlo = 0;
	u->vhi = 0;
	u->vlsb = 0;
}

/*
 * First and last touch, ties to the bytewise smaller value, so that the
 * result does not depend on the order of events: id is v's in vals.
 */
static void
touch_set(const struct jn_intern *vals, struct touch *tc, uint32_t user,
    uint32_t id, const char *v, int64_t ts)
{
	uint32_t f = tc->first[user], l = tc->last[user];

	if (f == NONE || ts < tc->first_ts[user] || (ts ==
	    tc->first_ts[user] && id != f && strcmp(v,
	    jn_intern_str(vals, f, NULL)) < 0)) {
		tc->first[user] = id;
		tc->first_ts[user] = ts;
	}
	if (l == NONE || ts > tc->last_ts[user] || (ts == tc->last_ts[user] &&
	    id != l && strcmp(v, jn_intern_str(vals, l, NULL)) < 0)) {
		tc->last[user] = id;
		tc->last_ts[user] = ts;
	}
}

static void
touch_value(struct seg *s, struct touch *tc, uint32_t user, const char *v,
    size_t len, int64_t ts)
{
	touch_set(&s->vals, tc, user, jn_intern_put(&s->vals, v, len), v, ts);
}

static int
profile_event(void *ctx, const struct jn_event *ev)
{
	struct seg *s = ctx;
	uint32_t user = jn_units_get(&s->units, ev);
	struct user *u;
	struct tev *t;
	const char *v;
	size_t len;
	double value;
	int k;

	if (user == NONE)
		return -1;
	grow_users(s, user);
	u = &s->u[user];
	if (s->tag) {
		s->tagged = jn_xgrow(s->tagged, &s->taggedcap, s->ntagged + 1,
		    sizeof *s->tagged);
		s->tagged[s->ntagged].pos = ev->rec->pos;
		s->tagged[s->ntagged++].user = user;
	}
	if (u->events == 0 || ev->time < u->first)
		u->first = ev->time;
	if (u->events == 0 || ev->time > u->last)
		u->last = ev->time;
	u->events++;
	if (ev->answered) {
		need_scores(s);
		jn_scores_add(&s->sc[user], ev->score);
	}
	if (!s->have_events || ev->time > s->max_ts)
		s->max_ts = ev->time;
	s->have_events = 1;
	if (s->goal_by_name && ev->name_len > 0) {
		uint64_t bits;

		if (jn_namecache_get(&s->names, &s->goal, 1, ev->rec,
		    ev->name, ev->name_len, &bits) != 0)
			return -1;
		k = (int)bits;
	} else if ((k = jn_pred_match(s->goal, ev->rec)) < 0) {
		return -1;
	}
	u->conversions += (uint64_t)k;
	value = k ? 0 : NAN;	/* --clv: a purchase, worth 0 without */
	/* the value of conversions, as jfunnel and jfriction count it */
	if (s->value_slot >= 0 && (k || s->value_all)) {
		double d;

		if (jn_valexpr_get(&s->value_expr, ev->rec, &d) == 0) {
			vsum_add(u, d);
			if (k && isfinite(d))
				value = d;
		}
	}
	for (k = 0; k < s->ntouch; k++) {
		v = jn_record_get(ev->rec, s->touch[k].slot, &len);
		if (v != NULL && len > 0)
			touch_value(s, &s->touch[k], user, v, len, ev->time);
	}
	t = jn_units_keep(&s->units, user);
	t->ts = ev->time;
	/*
	 * Sessions only need telling apart within a user: a 32-bit hash
	 * does that (a collision among one user's sessions is a 1 in 4e9
	 * event per pair) without a table of every session id.
	 */
	t->session = ev->session && ev->session_len ?
	    (uint32_t)jn_hash(ev->session, ev->session_len) | 1 : 0;
	if (s->clv)
		((struct vtev *)(void *)t)->value = value;
	return 0;
}

static int
u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}


static int64_t
floor_day(int64_t ts)
{
	return ts >= 0 ? ts / DAY : -((-ts + DAY - 1) / DAY);
}

/*
 * A user's session hashes, few and often in order already: by insertion,
 * which beats qsort's merge sort and its copying there.
 */
static void
sort_ids(uint32_t *ids, size_t n)
{
	size_t i, j;
	uint32_t x;

	if (n > 64) {
		qsort(ids, n, sizeof *ids, u32_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		x = ids[i];
		for (j = i; j > 0 && ids[j - 1] > x; j--)
			ids[j] = ids[j - 1];
		ids[j] = x;
	}
}

/* Event time ts of a user, in time order, into its runs (see recent). */
static void
recent_add(struct recent *r, int64_t ts, int64_t period)
{
	if (r->n > 0 && ts - r->b[r->n - 1] <= period) {
		r->b[r->n - 1] = ts;
		return;
	}
	assert(r->n < 2);
	r->a[r->n] = r->b[r->n] = ts;
	r->n++;
}

/*
 * Sessions, bounces, active days and the previous-period flag of user us
 * from its n events at ev, which are sorted by time first.  Events with
 * a session value form one session per value; events without one are cut
 * after --session-gap.  *ids (*cap entries) is scratch space.  Only the
 * times and session values count, not the order of events with equal
 * times, so that any thread may gather a user's events in any order.
 * With rc, s->now is only the latest time read so far, and the runs of
 * recent events go to rc instead of the flag.
 */
/* Event i of the user's records at rec, of s->rec_size bytes each. */
#define TEV(rec, i) ((struct tev *)(void *)((char *)(rec) + \
    (i) * s->rec_size))

static void
user_times(const struct seg *s, struct user *us, struct recent *rc,
    void *rec, size_t n, uint32_t **ids, size_t *cap)
{
	int64_t p_end = s->now - s->period, p_start = p_end - s->period;
	int64_t last_gap = 0, day = 0;
	size_t i, nids = 0, run = 0;

	jn_sort_by_time(rec, n, s->rec_size, NULL);
	for (i = 0; i < n; i++) {
		int64_t d = floor_day(TEV(rec, i)->ts);

		if (i == 0 || d != day)
			us->active_days++;
		day = d;
		if (rc != NULL) {
			if (TEV(rec, i)->ts >= p_start)
				recent_add(rc, TEV(rec, i)->ts, s->period);
		} else if (TEV(rec, i)->ts >= p_start && TEV(rec, i)->ts < p_end) {
			us->prev_active = 1;
		}
		if (TEV(rec, i)->session != 0) {
			*ids = jn_xgrow(*ids, cap, nids + 1, sizeof **ids);
			(*ids)[nids++] = TEV(rec, i)->session;
			continue;
		}
		/* a gap-cut session ends when the next is too far */
		if (run > 0 && TEV(rec, i)->ts - last_gap > s->common.session_gap) {
			us->sessions++;
			us->bounced += run == 1;
			run = 0;
		}
		run++;
		last_gap = TEV(rec, i)->ts;
	}
	if (run > 0) {
		us->sessions++;
		us->bounced += run == 1;
	}
	/* one session per distinct value */
	sort_ids(*ids, nids);
	for (i = 0, run = 1; i < nids; i++, run++)
		if (i + 1 == nids || (*ids)[i + 1] != (*ids)[i]) {
			us->sessions++;
			us->bounced += run == 1;
			run = 0;
		}
}

/*
 * A user's value sum is rounded once it is complete, except for
 * --partial, whose state carries it exactly.
 */
static void
finish_value(const struct seg *s, struct user *u)
{
	if (!s->run.partial)
		vsum_finish(u);
}

/*
 * --clv: a user's purchases (the records with a value) up to --now (all
 * of them without: the end of the data, not known yet with --sorted),
 * as the models' history; its T waits for the end (fit_clv).
 */
static void
buyer_history(const struct seg *s, struct seg *a, struct buyer *b,
    void *rec, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		const struct vtev *e = (const struct vtev *)(void *)TEV(rec, i);

		if (isnan(e->value))
			continue;
		a->cp = jn_xgrow(a->cp, &a->cpcap, k + 1, sizeof *a->cp);
		a->cp[k].ts = e->t.ts;
		a->cp[k++].value = e->value;
	}
	b->bought = jn_clv_history(a->cp, k, s->has_now ? s->now : INT64_MAX,
	    &b->o, &b->first_day) == 0;
}

/*
 * One user, handed over by the engine: its sessions, bounces, active
 * days and recent runs from its events' times, and its value sum, into
 * the profile its owner keeps (acc lends its scratch space).
 */
static void
profile_user(void *tool, void *acc, const struct jn_unit *unit, void *rec,
    size_t n)
{
	struct seg *s = tool, *a = acc, *owner = unit->owner;
	struct user *u = &owner->u[unit->id];

	if (s->run.sorted && !s->has_now)	/* the latest so far: see recent */
		s->now = s->max_ts;
	user_times(s, u, owner->recent ? &owner->recent[unit->id] : NULL, rec,
	    n, &a->ids, &a->idcap);
	finish_value(s, u);
	if (s->clv)
		buyer_history(s, a, &owner->buy[unit->id], rec, n);
}

/* The previous-period flags from the runs, now that s->now is known. */
static void
finish_recent(struct seg *s)
{
	int64_t p_end = s->now - s->period, p_start = p_end - s->period;
	size_t i, n = jn_units_count(&s->units);
	int k;

	for (i = 0; i < n && s->recent != NULL; i++)
		for (k = 0; k < s->recent[i].n; k++)
			if (s->recent[i].a[k] < p_end &&
			    s->recent[i].b[k] >= p_start)
				s->u[i].prev_active = 1;
}

/* ---- the engine's hooks ---- */

/*
 * Before profiling: with -j the workers' touched values move into s->vals
 * (the counting threads compare them there) and the latest time read is
 * the workers' latest; then the lifecycle's end is known, unless --sorted
 * input is profiled as it is read (see struct recent).
 */
static void
prepare_users(void *tool, void *const *w, int n)
{
	struct seg *s = tool;
	int k;

	jn_idmap_init(&s->valmap, n);
	for (k = 0; k < n; k++) {
		const struct seg *wk = w[k];

		jn_idmap_merge(&s->valmap, k, &s->vals, &wk->vals);
		if (wk->have_events && (!s->have_events ||
		    wk->max_ts > s->max_ts))
			s->max_ts = wk->max_ts;
		s->have_events |= wk->have_events;
	}
	/*
	 * When a worker read answers, every worker and s keep them: the
	 * counting threads then merge into arrays that are already there.
	 */
	for (k = 0; k < n; k++)
		if (((const struct seg *)w[k])->sc != NULL)
			break;
	if (k < n) {
		need_scores(s);
		for (k = 0; k < n; k++)
			need_scores(w[k]);
	}
	if (!s->has_now)
		s->now = s->max_ts;
}

/* A user's touches, kept in worker k's own value ids, to s->vals'. */
static void
adopt_user(const void *tool, void *w, int k, uint32_t id)
{
	const struct seg *s = tool;
	struct seg *wk = w;
	int t;

	for (t = 0; t < wk->ntouch; t++) {
		struct touch *tc = &wk->touch[t];

		tc->first[id] = jn_idmap_get(&s->valmap, k, tc->first[id]);
		tc->last[id] = jn_idmap_get(&s->valmap, k, tc->last[id]);
	}
}

/* Add what worker w2 (number k2) knows of its user id2 to user id of w. */
static void
merge_user(const void *tool, void *w, uint32_t id, void *w2, int k2,
    uint32_t id2)
{
	const struct seg *s = tool;
	struct seg *wt = w, *wf = w2;
	struct user *to = &wt->u[id], *from = &wf->u[id2];
	int t;

	to->events += from->events;
	to->conversions += from->conversions;
	if (from->first < to->first)
		to->first = from->first;
	if (from->last > to->last)
		to->last = from->last;
	vsum_merge(to, from);
	if (wf->sc != NULL)	/* wt's too: see prepare_users */
		jn_scores_merge(&wt->sc[id], &wf->sc[id2]);
	for (t = 0; t < wt->ntouch; t++) {
		const struct touch *tf = &wf->touch[t];
		uint32_t b;

		if (tf->first[id2] != NONE) {
			b = jn_idmap_get(&s->valmap, k2, tf->first[id2]);
			touch_set(&s->vals, &wt->touch[t], id, b,
			    jn_intern_str(&s->vals, b, NULL),
			    tf->first_ts[id2]);
		}
		if (tf->last[id2] != NONE) {
			b = jn_idmap_get(&s->valmap, k2, tf->last[id2]);
			touch_set(&s->vals, &wt->touch[t], id, b,
			    jn_intern_str(&s->vals, b, NULL),
			    tf->last_ts[id2]);
		}
	}
}

/*
 * -j: the profiled users into s, numbered g as one thread numbers them,
 * so that everything after is the same.
 */
static void
move_user(void *tool, uint32_t g, const struct jn_unit *unit)
{
	struct seg *s = tool, *w = unit->owner;
	uint32_t id = unit->id;
	int t;

	grow_users(s, g);
	s->u[g] = w->u[id];
	if (s->recent != NULL)
		s->recent[g] = w->recent[id];
	if (s->clv)
		s->buy[g] = w->buy[id];
	if (w->sc != NULL) {
		need_scores(s);
		s->sc[g] = w->sc[id];
	}
	/* --partial: an exact sum on the heap is s's now */
	w->u[id].vlsb = 0;
	w->u[id].vlo = 0;
	for (t = 0; t < s->ntouch; t++) {
		s->touch[t].first[g] = w->touch[t].first[id];
		s->touch[t].last[g] = w->touch[t].last[id];
		s->touch[t].first_ts[g] = w->touch[t].first_ts[id];
		s->touch[t].last_ts[g] = w->touch[t].last_ts[id];
	}
}

/*
 * --tag: the accepted events of pass 1 for pass 2, one list per reading
 * thread, with their users in s.
 */
static void
gather_tagged(void *tool, const struct jn_engine *e)
{
	struct seg *s = tool;
	size_t i;
	int k;

	if (!s->tag)
		return;
	s->tagq = jn_xcalloc((size_t)e->nworkers + 1, sizeof *s->tagq);
	if (e->nworkers == 0) {
		s->tagq[s->ntagq].t = s->tagged;
		s->tagq[s->ntagq++].n = s->ntagged;
		s->tagged = NULL;
	}
	for (k = 0; k < e->nworkers; k++) {
		struct seg *w = e->workers[k];
		struct tagq *q = &s->tagq[s->ntagq++];

		for (i = 0; i < w->ntagged; i++)
			w->tagged[i].user = jn_engine_global(e, k,
			    w->tagged[i].user);
		q->t = w->tagged;
		q->n = w->ntagged;
		w->tagged = NULL;
	}
}

/* ---- --clv ---- */

static int
obs_cmp(const void *pa, const void *pb)
{
	const struct jn_clv_obs *a = pa, *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	if (a->tx != b->tx)
		return a->tx < b->tx ? -1 : 1;
	if (a->T != b->T)
		return a->T < b->T ? -1 : 1;
	return (a->m > b->m) - (a->m < b->m);
}

/*
 * Fit BG/NBD and Gamma-Gamma to the buyers (users with a purchase up to
 * --now), their T from the first purchase day to --now's day, say the
 * parameters on stderr, and predict per buyer.  The fit sees the
 * histories sorted: it depends on their multiset alone.
 */
static void
fit_clv(struct seg *s)
{
	size_t n = jn_units_count(&s->units), i, k = 0, again = 0;
	struct jn_clv_obs *o = jn_xmalloc((n + 1) * sizeof *o);
	double weeks = (double)s->horizon / (double)(7 * DAY);

	for (i = 0; i < n; i++)
		if (s->buy[i].bought) {
			jn_clv_observed(&s->buy[i].o, s->buy[i].first_day,
			    s->now);
			again += s->buy[i].o.x > 0;
			o[k++] = s->buy[i].o;
		}
	/* in a fixed order: the sums of the fit are then the same whatever
	 * order the users came in (shards, --merge) */
	qsort(o, k, sizeof *o, obs_cmp);
	s->have_bgnbd = jn_bgnbd_fit(o, k, &s->bgnbd) == 0;
	s->have_gg = jn_gg_fit(o, k, &s->gg) == 0;
	free(o);
	if (s->have_bgnbd && again == 0)
		/* the fit runs to its bounds: its numbers say nothing */
		jn_warn("bgnbd: none of the %zu buyers bought again: no "
		    "purchase expected", k);
	else if (s->have_bgnbd)
		jn_warn("bgnbd r=%.4f alpha=%.4f a=%.4f b=%.4f loglik=%.4f "
		    "(%zu buyers)", s->bgnbd.r, s->bgnbd.alpha, s->bgnbd.a,
		    s->bgnbd.b, s->bgnbd.loglik, k);
	else
		jn_warn("--clv: no purchase up to --now: nothing to fit");
	if (s->have_gg)
		jn_warn("gammagamma p=%.4f q=%.4f v=%.4f loglik=%.4f",
		    s->gg.p, s->gg.q, s->gg.v, s->gg.loglik);
	else if (s->have_bgnbd)
		jn_warn("--clv: no repeat purchase with a value: no spend "
		    "model, no clv");
	for (i = 0; i < n && s->have_bgnbd; i++) {
		struct buyer *b = &s->buy[i];

		if (!b->bought)
			continue;
		b->p_alive = jn_bgnbd_p_alive(&s->bgnbd, &b->o);
		b->expected = jn_bgnbd_expected(&s->bgnbd, &b->o, weeks);
		b->clv = s->have_gg ? jn_clv_value(&s->bgnbd, &s->gg, &b->o,
		    weeks, s->discount) : NAN;
	}
}

/* A buyer's prediction, or an empty cell for other users. */
static struct jn_cell
buyer_cell(const struct seg *s, const struct buyer *b, double v)
{
	return s->have_bgnbd && b->bought && !isnan(v) ? jn_cell_num(v) :
	    jn_cell_null();
}

/* ---- segments ---- */

static void
preset_scores(struct seg *s, size_t n)
{
	double *key;
	uint8_t *use;
	uint64_t conv = 0;
	size_t i;

	if (n == 0)	/* no user: s->u may be NULL, nothing to score */
		return;
	key = jn_xmalloc(n * sizeof *key);
	use = jn_xmalloc(n);

	for (i = 0; i < n; i++)
		conv += s->u[i].conversions;
	/* R: the more recent, the higher */
	for (i = 0; i < n; i++)
		key[i] = (double)s->u[i].last;
	jn_quintiles(key, n, NULL, &s->u[0].r, sizeof *s->u);
	/* F: conversions when the goal occurs at all, else events */
	for (i = 0; i < n; i++)
		key[i] = (double)(conv ? s->u[i].conversions : s->u[i].events);
	jn_quintiles(key, n, NULL, &s->u[0].f, sizeof *s->u);
	/* M: value, among users with a value */
	for (i = 0; i < n; i++) {
		key[i] = s->u[i].value;
		use[i] = s->u[i].value > 0;
		s->u[i].m = 0;
	}
	jn_quintiles(key, n, use, &s->u[0].m, sizeof *s->u);
	free(key);
	free(use);
}

static const char *
preset_segment(const struct seg *s, const struct user *u)
{
	switch (s->preset) {
	case PRESET_LIFECYCLE:
		if (u->last < s->now - s->period)
			return "dormant";
		if (u->first >= s->now - s->period)
			return "new";
		return u->prev_active ? "returning" : "resurrecting";
	case PRESET_RFM:
		return jn_rfm_segment(u->r, u->f);
	default:
		if (u->m == 0)
			return "none";
		return u->m == 5 ? "high" : u->m >= 3 ? "medium" : "low";
	}
}

/* Profile field names, in --profiles column order after user/segment. */
enum {
	PF_EVENTS, PF_SESSIONS, PF_FIRST_SEEN, PF_LAST_SEEN, PF_ACTIVE_DAYS,
	PF_RECENCY_DAYS, PF_VALUE, PF_CONVERSIONS, PF_CONVERTED, PF_BOUNCED,
	PF_R, PF_F, PF_M, PF_NFIXED
};

static const char *const pf_names[PF_NFIXED] = {
	"events", "sessions", "first_seen", "last_seen", "active_days",
	"recency_days", "value", "conversions", "converted",
	"bounced_sessions", "r_score", "f_score", "m_score",
};

static int64_t
recency_days(const struct seg *s, const struct user *u)
{
	return (s->now - u->last) / DAY;
}

/* Text of profile field k of user i into buf (for rules). */
static const char *
profile_text(const struct seg *s, size_t i, int k, char *buf, size_t size)
{
	const struct user *u = &s->u[i];

	switch (k) {
	case PF_EVENTS:
		snprintf(buf, size, "%llu", (unsigned long long)u->events);
		break;
	case PF_SESSIONS:
		snprintf(buf, size, "%llu", (unsigned long long)u->sessions);
		break;
	case PF_FIRST_SEEN:
		return jn_time_format(buf, size, u->first);
	case PF_LAST_SEEN:
		return jn_time_format(buf, size, u->last);
	case PF_ACTIVE_DAYS:
		snprintf(buf, size, "%llu", (unsigned long long)u->active_days);
		break;
	case PF_RECENCY_DAYS:
		snprintf(buf, size, "%lld", (long long)recency_days(s, u));
		break;
	case PF_VALUE:
		snprintf(buf, size, "%.17g", u->value);
		break;
	case PF_CONVERSIONS:
		snprintf(buf, size, "%llu",
		    (unsigned long long)u->conversions);
		break;
	case PF_CONVERTED:
		snprintf(buf, size, "%d", u->conversions > 0);
		break;
	case PF_BOUNCED:
		snprintf(buf, size, "%llu", (unsigned long long)u->bounced);
		break;
	case PF_R:
		snprintf(buf, size, "%u", u->r);
		break;
	case PF_F:
		snprintf(buf, size, "%u", u->f);
		break;
	default:
		snprintf(buf, size, "%u", u->m);
		break;
	}
	return buf;
}

/*
 * Survey columns: when answers were read, or asked for by name (then
 * empty without answers); input without either keeps its table.
 */
static int
show_scores(const struct seg *s)
{
	int k;

	for (k = 0; k < JN_NSCORES; k++)
		if (s->common.score_field[k] != NULL)
			return 1;
	return s->sc != NULL;
}

/*
 * The survey fields of user i for rules, at slots base to base + 3:
 * responses, nps, csat (a share) and ces, absent without answers of
 * the kind.
 */
static void
score_fields(const struct seg *s, size_t i, struct jn_record *rec,
    size_t base, char text[4][48])
{
	static const struct jn_scores none;
	const struct jn_scores *sc = s->sc ? &s->sc[i] : &none;
	struct jn_score_est e;
	int k;

	snprintf(text[0], sizeof text[0], "%llu",
	    (unsigned long long)sc->responses);
	for (k = 1; k < 4; k++)
		text[k][0] = '\0';
	if (jn_scores_nps(sc, &e) == 0)
		snprintf(text[1], sizeof text[1], "%.17g", e.value);
	if (jn_scores_csat(sc, &e) == 0)
		snprintf(text[2], sizeof text[2], "%.17g", e.value);
	if (jn_scores_ces(sc, &e) == 0)
		snprintf(text[3], sizeof text[3], "%.17g", e.value);
	for (k = 0; k < 4; k++) {
		rec->vals[base + k].ptr = text[k][0] ? text[k] : NULL;
		rec->vals[base + k].len = strlen(text[k]);
	}
}

/*
 * Rules are predicates over a record whose slots are the profile fields
 * (schema slot k = pf_names[k], then first.F/last.F per --field).
 */
static int
assign_segments(struct seg *s)
{
	size_t n = jn_units_count(&s->units), i;
	struct jn_schema ps;
	char text[PF_NFIXED][48], stext[4][48];
	int k, r, t;
	size_t sbase = PF_NFIXED + 2 * (size_t)s->ntouch;

	jn_intern_init(&s->segs);
	if (s->preset == PRESET_RFM || s->preset == PRESET_VALUE)
		preset_scores(s, n);
	if (s->nrules > 0) {
		jn_schema_init(&ps);
		for (k = 0; k < PF_NFIXED; k++)
			jn_schema_field(&ps, pf_names[k]);
		for (t = 0; t < s->ntouch; t++) {
			char name[256];

			snprintf(name, sizeof name, "first.%s",
			    s->touch[t].name);
			jn_schema_field(&ps, name);
			snprintf(name, sizeof name, "last.%s",
			    s->touch[t].name);
			jn_schema_field(&ps, name);
		}
		/* then the survey's (absent without answers) */
		for (k = 0; k < 4; k++)
			jn_schema_field(&ps,
			    jn_score_columns[k < 2 ? k : k + 2].name);
		for (r = 0; r < s->nrules; r++) {
			char what[32];

			snprintf(what, sizeof what, "rule %d", r + 1);
			s->rules[r].pred = jn_pred_compile(s->rules[r].expr,
			    &ps, -1, what);
			if (s->rules[r].pred == NULL) {
				jn_schema_release(&ps);
				return -1;
			}
		}
		if (ps.nslots > sbase + 4) {
			jn_error("--rule: '%s' is not a profile field (events, "
			    "sessions, first_seen, last_seen, active_days, "
			    "recency_days, value, conversions, converted, "
			    "bounced_sessions, first.FIELD and last.FIELD "
			    "with --field FIELD, responses, nps, csat and ces "
			    "with survey answers)", ps.slots[sbase + 4].names[0]);
			jn_schema_release(&ps);
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		const char *name = s->default_name;

		if (s->preset != PRESET_NONE) {
			name = preset_segment(s, &s->u[i]);
		} else if (s->by_touch >= 0) {
			uint32_t v = s->touch[s->by_touch].first[i];

			name = v == NONE ? "" : jn_intern_str(&s->vals, v,
			    NULL);
		} else if (s->nrules > 0) {
			struct jn_record rec;

			memset(&rec, 0, sizeof rec);
			for (k = 0; k < PF_NFIXED; k++) {
				rec.vals[k].ptr = profile_text(s, i, k,
				    text[k], sizeof text[k]);
				rec.vals[k].len = strlen(rec.vals[k].ptr);
			}
			for (t = 0; t < s->ntouch; t++) {
				uint32_t f = s->touch[t].first[i];
				uint32_t l = s->touch[t].last[i];

				if (f != NONE)
					rec.vals[PF_NFIXED + 2 * t].ptr =
					    jn_intern_str(&s->vals, f,
					    &rec.vals[PF_NFIXED + 2 * t].len);
				if (l != NONE)
					rec.vals[PF_NFIXED + 2 * t + 1].ptr =
					    jn_intern_str(&s->vals, l,
					    &rec.vals[PF_NFIXED + 2 * t +
					    1].len);
			}
			score_fields(s, i, &rec, sbase, stext);
			for (r = 0; r < s->nrules; r++) {
				int m = jn_pred_match(s->rules[r].pred, &rec);

				if (m < 0) {
					jn_schema_release(&ps);
					return -1;
				}
				if (m) {
					name = s->rules[r].name;
					break;
				}
			}
		}
		s->u[i].segment = jn_intern_put(&s->segs, name, strlen(name));
	}
	if (s->nrules > 0)
		jn_schema_release(&ps);
	return 0;
}

/* ---- output: segment table and profiles ---- */

static int
stat_cmp(const void *pa, const void *pb)
{
	const struct segstat *a = pa, *b = pb;

	if (a->users != b->users)
		return a->users > b->users ? -1 : 1;
	return strcmp(jn_intern_str(&the_seg->segs, a->seg, NULL),
	    jn_intern_str(&the_seg->segs, b->seg, NULL));
}

static void
clv_add(struct segstat *x, const struct buyer *b)
{
	x->buyers++;
	jn_xsum_add(&x->p_alive, b->p_alive);
	jn_xsum_add(&x->expected, b->expected);
	jn_xsum_add(&x->clv, b->clv);
}


static int
write_segments(struct seg *s, enum jn_format fmt)
{
	static const struct jn_column cols[] = {
		{ "segment", JN_COL_STR }, { "users", JN_COL_INT },
		{ "share", JN_COL_RATE }, { "sessions", JN_COL_INT },
		{ "events", JN_COL_INT }, { "converted", JN_COL_INT },
		{ "conversion", JN_COL_RATE }, { "bounce_rate", JN_COL_RATE },
		{ "value", JN_COL_MONEY }, { "value_per_user", JN_COL_MONEY },
		/* --clv */
		{ "buyers", JN_COL_INT }, { "p_alive", JN_COL_RATE },
		{ "expected_purchases", JN_COL_NUM }, { "clv", JN_COL_MONEY },
	};
	size_t nseg = jn_intern_count(&s->segs), n = jn_units_count(&s->units);
	size_t ncols = s->clv ? NELEM(cols) : NELEM(cols) - 4;
	struct segstat *st = jn_xcalloc(nseg + 1, sizeof *st);
	struct jn_writer *w;
	struct jn_column cl[NELEM(cols) + JN_SCORE_NCOLS];
	struct jn_cell c[NELEM(cl)];
	size_t i;
	int rc, scores = show_scores(s);

	memcpy(cl, cols, ncols * sizeof *cl);
	if (scores) {
		memcpy(cl + ncols, jn_score_columns, sizeof jn_score_columns);
		ncols += JN_SCORE_NCOLS;
	}

	for (i = 0; i < nseg; i++)
		st[i].seg = (uint32_t)i;
	for (i = 0; i < n; i++) {
		const struct user *u = &s->u[i];
		struct segstat *x = &st[u->segment];

		x->users++;
		x->sessions += u->sessions;
		x->events += u->events;
		x->converted += u->conversions > 0;
		x->bounced += u->bounced;
		vsum_add(&x->sum, u->value);
		if (s->clv && s->buy[i].bought)
			clv_add(x, &s->buy[i]);
		if (s->sc != NULL)
			jn_scores_merge(&x->sc, &s->sc[i]);
	}
	for (i = 0; i < nseg; i++)
		vsum_finish(&st[i].sum);
	qsort(st, nseg, sizeof *st, stat_cmp);
	jn_engine_meta(&s->engine, fmt);
	w = jn_writer_new(stdout, fmt, cl, ncols);
	for (i = 0; i < nseg; i++) {
		size_t len, j = s->clv ? 14 : 10;
		const char *name = jn_intern_str(&s->segs, st[i].seg, &len);

		c[0] = jn_cell_str(name, len);
		c[1] = jn_cell_int((int64_t)st[i].users);
		c[2] = jn_cell_num((double)st[i].users / (double)n);
		c[3] = jn_cell_int((int64_t)st[i].sessions);
		c[4] = jn_cell_int((int64_t)st[i].events);
		c[5] = jn_cell_int((int64_t)st[i].converted);
		c[6] = jn_cell_num((double)st[i].converted /
		    (double)st[i].users);
		c[7] = st[i].sessions ? jn_cell_num((double)st[i].bounced /
		    (double)st[i].sessions) : jn_cell_null();
		c[8] = jn_cell_num(st[i].sum.value);
		c[9] = jn_cell_num(st[i].sum.value / (double)st[i].users);
		if (s->clv) {
			int some = s->have_bgnbd && st[i].buyers > 0;

			c[10] = jn_cell_int((int64_t)st[i].buyers);
			c[11] = some ? jn_cell_num(jn_xsum_value(
			    &st[i].p_alive) / (double)st[i].buyers) :
			    jn_cell_null();
			c[12] = some ? jn_cell_num(jn_xsum_value(
			    &st[i].expected)) : jn_cell_null();
			c[13] = some && s->have_gg ? jn_cell_num(jn_xsum_value(
			    &st[i].clv)) : jn_cell_null();
		}
		if (scores)
			jn_scores_cells(&st[i].sc, 1, c + j);
		jn_writer_row(w, c);
	}
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	free(st);
	return rc;
}

static int
write_profiles(struct seg *s, enum jn_format fmt)
{
	struct jn_column cols[2 + PF_NFIXED + 2 * MAX_FIELDS + 3 + 4];
	struct jn_cell c[NELEM(cols)];
	char *names[2 * MAX_FIELDS], tbuf[2][48];
	size_t n = jn_units_count(&s->units), i, nc = 0, k;
	uint32_t *ranks = jn_intern_ranks(jn_units_keys(&s->units)), *order;
	int rfm = s->preset == PRESET_RFM || s->preset == PRESET_VALUE;
	struct jn_writer *w;
	int t, rc, scores = show_scores(s);
	static const struct jn_scores none;

	cols[nc++] = (struct jn_column){ "user", JN_COL_STR };
	cols[nc++] = (struct jn_column){ "segment", JN_COL_STR };
	for (k = 0; k < PF_NFIXED; k++) {
		if (k >= PF_R && !rfm)
			break;
		cols[nc++] = (struct jn_column){ pf_names[k],
		    k == PF_FIRST_SEEN || k == PF_LAST_SEEN ? JN_COL_STR :
		    k == PF_VALUE ? JN_COL_MONEY : JN_COL_INT };
	}
	for (t = 0; t < s->ntouch; t++) {
		size_t len = strlen(s->touch[t].name) + 8;

		names[2 * t] = jn_xmalloc(len);
		snprintf(names[2 * t], len, "first.%s", s->touch[t].name);
		names[2 * t + 1] = jn_xmalloc(len);
		snprintf(names[2 * t + 1], len, "last.%s", s->touch[t].name);
		cols[nc++] = (struct jn_column){ names[2 * t], JN_COL_STR };
		cols[nc++] = (struct jn_column){ names[2 * t + 1],
		    JN_COL_STR };
	}
	if (s->clv) {
		cols[nc++] = (struct jn_column){ "p_alive", JN_COL_RATE };
		cols[nc++] = (struct jn_column){ "expected_purchases",
		    JN_COL_NUM };
		cols[nc++] = (struct jn_column){ "clv", JN_COL_MONEY };
	}
	if (scores) {	/* a user's NPS without its interval: few answers */
		cols[nc++] = jn_score_columns[0];
		cols[nc++] = jn_score_columns[1];
		cols[nc++] = jn_score_columns[4];
		cols[nc++] = jn_score_columns[5];
	}
	/* users in byte order of their ids */
	order = jn_xmalloc((n + 1) * sizeof *order);
	for (i = 0; i < n; i++)
		order[ranks[i]] = (uint32_t)i;
	jn_engine_meta(&s->engine, fmt);
	w = jn_writer_new(stdout, fmt, cols, nc);
	for (i = 0; i < n; i++) {
		uint32_t x = order[i];
		const struct user *u = &s->u[x];
		size_t len, j = 0;
		const char *v = jn_units_key(&s->units, x, &len);

		c[j++] = jn_cell_str(v, len);
		v = jn_intern_str(&s->segs, u->segment, &len);
		c[j++] = jn_cell_str(v, len);
		c[j++] = jn_cell_int((int64_t)u->events);
		c[j++] = jn_cell_int((int64_t)u->sessions);
		v = jn_time_format(tbuf[0], sizeof tbuf[0], u->first);
		c[j++] = jn_cell_str(v, strlen(v));
		v = jn_time_format(tbuf[1], sizeof tbuf[1], u->last);
		c[j++] = jn_cell_str(v, strlen(v));
		c[j++] = jn_cell_int((int64_t)u->active_days);
		c[j++] = jn_cell_int(recency_days(s, u));
		c[j++] = jn_cell_num(u->value);
		c[j++] = jn_cell_int((int64_t)u->conversions);
		c[j++] = jn_cell_int(u->conversions > 0);
		c[j++] = jn_cell_int((int64_t)u->bounced);
		if (rfm) {
			c[j++] = jn_cell_int(u->r);
			c[j++] = jn_cell_int(u->f);
			c[j++] = u->m ? jn_cell_int(u->m) : jn_cell_null();
		}
		for (t = 0; t < s->ntouch; t++) {
			uint32_t f = s->touch[t].first[x];
			uint32_t l = s->touch[t].last[x];

			c[j] = jn_cell_null();
			if (f != NONE) {
				v = jn_intern_str(&s->vals, f, &len);
				c[j] = jn_cell_str(v, len);
			}
			j++;
			c[j] = jn_cell_null();
			if (l != NONE) {
				v = jn_intern_str(&s->vals, l, &len);
				c[j] = jn_cell_str(v, len);
			}
			j++;
		}
		if (s->clv) {
			const struct buyer *b = &s->buy[x];

			c[j++] = buyer_cell(s, b, b->p_alive);
			c[j++] = buyer_cell(s, b, b->expected);
			c[j++] = buyer_cell(s, b, b->clv);
		}
		if (scores)
			jn_scores_cells(s->sc ? &s->sc[x] : &none, 0, c + j);
		jn_writer_row(w, c);
	}
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	for (t = 0; t < 2 * s->ntouch; t++)
		free(names[t]);
	free(order);
	free(ranks);
	return rc;
}

/* ---- --tag: pass 2 ---- */

static int
write_checked(struct seg *s, const void *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, s->out) != n)
		return jn_error("write error: %s", strerror(errno));
	return 0;
}

/* The separator the input was read with, which --tag writes back. */
static char
sep(const struct seg *s, int tsv)
{
	return s->common.delimiter != 0 ? s->common.delimiter : tsv ? '\t' :
	    ',';
}

static int
tag_header(void *ctx, const struct jn_record *h)
{
	struct seg *s = ctx;
	int tsv = h->format == JN_IN_TSV;
	char delim = sep(s, tsv);
	const char *p = h->raw, *end = h->raw + h->rawlen;
	size_t flen = strlen(s->tag_field);
	struct jn_strbuf name = { 0 };
	int rc;

	/*
	 * Several files, one stream, one header: the next tool reads a
	 * second header as data (and another order of the same columns as
	 * data in the wrong fields), so files of another header are refused.
	 */
	if (s->last_header && s->last_header_len == h->rawlen &&
	    memcmp(s->last_header, h->raw, h->rawlen) == 0)
		return 0;
	if (s->last_header)
		return jn_error("%s:%llu: header differs from %s's: --tag "
		    "writes one stream with one header", h->file,
		    (unsigned long long)h->line, s->first_header_file);
	while (p <= end) {
		const char *q = memchr(p, delim, (size_t)(end - p));
		size_t n = (size_t)((q ? q : end) - p);

		if (n == flen && memcmp(p, s->tag_field, n) == 0)
			return jn_error("%s:%llu: the input already has a "
			    "field '%s'; use --tag=NAME", h->file,
			    (unsigned long long)h->line, s->tag_field);
		if (q == NULL)
			break;
		p = q + 1;
	}
	s->last_header = jn_xstrndup(h->raw, h->rawlen);
	s->last_header_len = h->rawlen;
	s->first_header_file = jn_xstrdup(h->file);
	(tsv ? jn_tsv_field : jn_csv_field)(&name, s->tag_field, flen);
	rc = write_checked(s, h->raw, h->rawlen) ||
	    write_checked(s, &delim, 1) ||
	    write_checked(s, name.buf, name.len) ||
	    write_checked(s, "\n", 1) ? -1 : 0;
	free(name.buf);
	return rc;
}

/* v as a quoted CSV field, its quotes doubled. */
static void
csv_quoted(struct jn_strbuf *b, const char *v, size_t n)
{
	size_t i;

	jn_strbuf_printf(b, "\"");
	for (i = 0; i < n; i++)
		jn_strbuf_printf(b, v[i] == '"' ? "\"\"" : "%c", v[i]);
	jn_strbuf_printf(b, "\"");
}

/*
 * The text --tag adds for segment seg in input format fmt: ",segment\n"
 * quoted for CSV, "\tsegment\n" escaped for TSV, "\"FIELD\":\"segment\""
 * for NDJSON.  Built once per segment and format, into memory, with the
 * writer's encoders (the segment name from a --by value is data: it is
 * quoted, escaped and made valid UTF-8 as any table cell is).
 */
static const struct enc *
encoded(struct seg *s, int fmt, uint32_t seg)
{
	struct jn_strbuf b = { 0 };
	struct enc *e;
	const char *v;
	size_t vlen;

	if (s->enc[fmt] == NULL)
		s->enc[fmt] = jn_xcalloc(jn_intern_count(&s->segs) + 1,
		    sizeof *s->enc[fmt]);
	e = &s->enc[fmt][seg];
	if (e->p != NULL)
		return e;
	v = jn_intern_str(&s->segs, seg, &vlen);
	if (fmt == JN_IN_NDJSON) {
		jn_json_string(&b, s->tag_field, strlen(s->tag_field));
		jn_strbuf_printf(&b, ":");
		jn_json_string(&b, v, vlen);
	} else {
		char d = sep(s, fmt == JN_IN_TSV);

		jn_strbuf_printf(&b, "%c", d);
		if (fmt != JN_IN_TSV && d != ',' && memchr(v, d, vlen) != NULL)
			csv_quoted(&b, v, vlen);	/* --delimiter's */
		else
			(fmt == JN_IN_TSV ? jn_tsv_field : jn_csv_field)(&b, v,
			    vlen);
		jn_strbuf_printf(&b, "\n");
	}
	e->p = b.buf;
	e->len = b.len;
	return e;
}

/*
 * Pass 2: records come raw, in input order, numbered as in pass 1; those
 * pass 1 accepted are the next entry of one of the lists (the one that
 * had the last, mostly: a worker took whole batches), the others were
 * rejected or filtered out and are not written.
 */
static int
tag_record(void *ctx, const struct jn_record *rec)
{
	struct seg *s = ctx;
	struct tagq *tq = &s->tagq[s->lastq];
	const struct enc *e;
	int k;

	for (k = 0; tq->next == tq->n || tq->t[tq->next].pos != rec->pos;
	    k++) {
		if (k == s->ntagq)
			return 0;
		tq = &s->tagq[s->lastq = k];
	}
	e = encoded(s, rec->format, s->u[tq->t[tq->next++].user].segment);
	if (rec->format == JN_IN_NDJSON) {
		const char *p = rec->raw, *close = p + rec->rawlen;
		const char *q;

		/* insert before the object's closing brace */
		while (close > p && close[-1] != '}')
			close--;
		if (close == p)
			return jn_error("%s:%llu: no closing brace", rec->file,
			    (unsigned long long)rec->line);
		close--;
		for (q = close; q > p && (q[-1] == ' ' || q[-1] == '\t' ||
		    q[-1] == '\r' || q[-1] == '\n'); q--)
			;
		if (write_checked(s, p, (size_t)(close - p)) ||
		    (q[-1] != '{' && write_checked(s, ",", 1)) ||
		    write_checked(s, e->p, e->len) ||
		    write_checked(s, close, rec->rawlen -
		    (size_t)(close - p)) || write_checked(s, "\n", 1))
			return -1;
		return 0;
	}
	if (write_checked(s, rec->raw, rec->rawlen) ||
	    write_checked(s, e->p, e->len))
		return -1;
	return 0;
}

/*
 * The spool of standard input is removed by whatever ends the run: a
 * signal (tmpfile.h, which registers it), release(), or an exit() on the
 * way (out of memory).
 */
static void
remove_spool(void)
{
	if (the_seg != NULL && the_seg->spool != NULL)
		unlink(the_seg->spool);
}

/* ---- --partial and --merge ---- */

/*
 * Every option that decides the profiles or the segments, as one string:
 * a shard's state is merged only into a run of the same command.  The
 * output format is not in it.  Caller frees b.buf.
 */
static void
config_text(const void *tool, struct jn_strbuf *b)
{
	const struct seg *s = tool;
	static const char *const presets[] = { "none", "lifecycle", "rfm",
		"value" };
	int k;

	jn_state_config_common(b, &s->common);
	jn_state_config_item(b, "by", s->by_field);
	for (k = 0; k < s->nrules; k++) {
		jn_state_config_item(b, "rule", s->rules[k].name);
		jn_state_config_item(b, "", s->rules[k].expr);
	}
	jn_state_config_item(b, "default", s->default_name);
	jn_strbuf_printf(b, "preset=%s;", presets[s->preset]);
	jn_state_config_item(b, "goal", s->goal_text);
	jn_state_config_item(b, "value", s->value_field);
	if (s->value_all)	/* the default leaves old states alone */
		jn_state_config_item(b, "value-from", "all");
	/* the touches of setup(), --by's last: --field's alone */
	for (k = 0; k < s->ntouch - (s->by_touch >= 0); k++)
		jn_state_config_item(b, "field", s->touch[k].name);
	/* without --now, s->now is the end of this input: not an option */
	jn_strbuf_printf(b, "now=%d:%lld;period=%lld;profiles=%d",
	    s->has_now, (long long)(s->has_now ? s->now : 0),
	    (long long)s->period, s->profiles);
	if (s->clv)		/* without, old states stay mergeable */
		jn_strbuf_printf(b, ";clv=%lld:%.17g", (long long)s->horizon,
		    s->discount);
}

/* Profile counts in a state record, in this order. */
enum { ST_EVENTS, ST_CONVERSIONS, ST_SESSIONS, ST_BOUNCED, ST_DAYS,
	ST_FIRST, ST_LAST, ST_PREV, ST_N };

/*
 * --clv: a buyer's history as the state carries it: bought, first
 * purchase day, days to the last, repeat days; the mean of their values
 * as a one-value exact sum (a double read back bit for bit).
 */
static void
write_buyer(struct jn_state_rec *r, const struct buyer *b)
{
	int64_t v[4];
	struct jn_xsum m;

	v[0] = b->bought;
	v[1] = b->bought ? b->first_day : 0;
	v[2] = b->bought ? (int64_t)llround(b->o.tx * 7) : 0;
	v[3] = b->bought ? (int64_t)b->o.x : 0;
	jn_state_set_ints(r, "clv", v, 4);
	jn_xsum_init(&m);
	jn_xsum_add(&m, b->bought ? b->o.m : 0);
	jn_state_set_xsums(r, "clv_m", &m, 1);
}

static int
read_buyer(struct jn_state_in *in, const struct jn_state_rec *r,
    struct buyer *b, const char *id, size_t idlen)
{
	int64_t *v = NULL;
	struct jn_xsum m;
	size_t n;

	if (jn_state_get_ints(in, r, "clv", &v, &n) != 0)
		return -1;
	jn_xsum_init(&m);
	if (n != 4 || v[0] < 0 || v[0] > 1 || v[2] < 0 || v[3] < 0 ||
	    v[3] > v[2] || jn_state_add_xsums(in, r, "clv_m", &m, 1) != 0) {
		free(v);
		return jn_state_error(in, "user '%.*s': bad purchase history "
		    "in the state", (int)idlen, id);
	}
	memset(b, 0, sizeof *b);
	b->bought = (int)v[0];
	b->first_day = v[1];
	b->o.tx = (double)v[2] / 7;
	b->o.x = (double)v[3];
	b->o.m = jn_xsum_value(&m);
	free(v);
	return 0;
}

/*
 * --partial: a first record with the input's last time (the lifecycle's
 * and recency's end is that of all shards), then one record per user in
 * first-appearance order, as one thread and -j number them: its counts,
 * its exact value sum, the runs of its recent events (see struct recent)
 * and its first and last values per --field and --by.
 */
static int
write_state(void *tool, FILE *out)
{
	struct seg *s = tool;
	struct jn_state_rec *r = jn_state_rec_new();
	size_t n = jn_units_count(&s->units), i, len;
	int64_t v[2 * ST_N];
	char key[32];
	int rc, t, k;

	jn_state_set_str(r, "user", NULL, 0);
	v[0] = s->have_events;
	v[1] = s->max_ts;
	/* a third number: the users have answers (old states have two) */
	v[2] = 1;
	jn_state_set_ints(r, "input", v, s->sc != NULL ? 3 : 2);
	rc = jn_state_write(out, r);
	for (i = 0; i < n && rc == 0; i++) {
		struct user *u = &s->u[i];
		const char *id = jn_units_key(&s->units, (uint32_t)i, &len);
		struct jn_xsum x;

		jn_state_set_str(r, "user", id, len);
		v[ST_EVENTS] = (int64_t)u->events;
		v[ST_CONVERSIONS] = (int64_t)u->conversions;
		v[ST_SESSIONS] = (int64_t)u->sessions;
		v[ST_BOUNCED] = (int64_t)u->bounced;
		v[ST_DAYS] = (int64_t)u->active_days;
		v[ST_FIRST] = u->first;
		v[ST_LAST] = u->last;
		v[ST_PREV] = u->prev_active;
		jn_state_set_ints(r, "n", v, ST_N);
		if (s->recent != NULL) {
			for (k = 0; k < s->recent[i].n; k++) {
				v[2 * k] = s->recent[i].a[k];
				v[2 * k + 1] = s->recent[i].b[k];
			}
			jn_state_set_ints(r, "recent", v,
			    2 * (size_t)s->recent[i].n);
		}
		if (u->vlsb == VS_BIG) {
			x = *vsum_big(u);
		} else {
			jn_xsum_init(&x);
			vsum_to_xsum(u, &x);
		}
		jn_state_set_xsums(r, "value", &x, 1);
		if (s->clv)
			write_buyer(r, &s->buy[i]);
		if (s->sc != NULL) {
			jn_scores_get(&s->sc[i], v);
			jn_state_set_ints(r, "scores", v, JN_SCORES_NCOUNTS);
		}
		for (t = 0; t < s->ntouch; t++) {
			uint32_t f = s->touch[t].first[i];
			uint32_t l = s->touch[t].last[i];
			const char *sv = NULL;

			len = 0;
			if (f != NONE)
				sv = jn_intern_str(&s->vals, f, &len);
			snprintf(key, sizeof key, "first%d", t);
			jn_state_set_str(r, key, sv, len);
			sv = NULL;
			len = 0;
			if (l != NONE)
				sv = jn_intern_str(&s->vals, l, &len);
			snprintf(key, sizeof key, "last%d", t);
			jn_state_set_str(r, key, sv, len);
		}
		rc = jn_state_write(out, r);
	}
	jn_state_rec_free(r);
	return rc;
}

/* --merge: one state user record into a new user of s. */
static int
read_user(struct seg *s, struct jn_state_in *in,
    const struct jn_state_rec *r, const char *id, size_t idlen)
{
	size_t before = jn_units_count(&s->units), n, len;
	uint32_t user = jn_units_put(&s->units, id, idlen);
	struct user *u;
	struct jn_xsum x;
	int64_t *v = NULL;
	char key[32];
	int t, k;

	/*
	 * Sessions and active days of a user split between shards cannot
	 * be told from two profiles, so such states are refused.
	 */
	if (user < before)
		return jn_state_error(in, "user '%.*s' is in two states: "
		    "merge states of shards of whole users (jshard)",
		    (int)idlen, id);
	grow_users(s, user);
	u = &s->u[user];
	if (jn_state_get_ints(in, r, "n", &v, &n) != 0)
		return -1;
	for (k = 0; k < ST_N && k < (int)n; k++)
		if (v[k] < 0 && k != ST_FIRST && k != ST_LAST)
			break;
	if (n != ST_N || k < ST_N || v[ST_EVENTS] == 0) {
		free(v);
		return jn_state_error(in, "user '%.*s': bad profile in the "
		    "state", (int)idlen, id);
	}
	u->events = (uint64_t)v[ST_EVENTS];
	u->conversions = (uint64_t)v[ST_CONVERSIONS];
	u->sessions = (uint64_t)v[ST_SESSIONS];
	u->bounced = (uint64_t)v[ST_BOUNCED];
	u->active_days = (uint64_t)v[ST_DAYS];
	u->first = v[ST_FIRST];
	u->last = v[ST_LAST];
	u->prev_active = v[ST_PREV] != 0;
	free(v);
	if (s->recent != NULL) {
		if (jn_state_get_ints(in, r, "recent", &v, &n) != 0)
			return -1;
		if (n % 2 != 0 || n > 4) {
			free(v);
			return jn_state_error(in, "user '%.*s': bad recent "
			    "events in the state", (int)idlen, id);
		}
		for (k = 0; 2 * k < (int)n; k++) {
			s->recent[user].a[k] = v[2 * k];
			s->recent[user].b[k] = v[2 * k + 1];
		}
		s->recent[user].n = (int)n / 2;
		free(v);
	}
	/* rounded as vsum_finish rounds the same exact sum */
	jn_xsum_init(&x);
	if (jn_state_add_xsums(in, r, "value", &x, 1) != 0)
		return -1;
	u->value = jn_xsum_value(&x);
	if (s->clv && read_buyer(in, r, &s->buy[user], id, idlen) != 0)
		return -1;
	if (s->state_scores) {
		if (jn_state_get_ints(in, r, "scores", &v, &n) != 0)
			return -1;
		need_scores(s);
		k = n == JN_SCORES_NCOUNTS ? jn_scores_set(&s->sc[user], v) :
		    -1;
		free(v);
		if (k != 0)
			return jn_state_error(in, "user '%.*s': bad survey "
			    "answers in the state", (int)idlen, id);
	}
	for (t = 0; t < s->ntouch; t++) {
		const char *sv;

		snprintf(key, sizeof key, "first%d", t);
		if (jn_state_get_str(in, r, key, &sv, &len) != 0)
			return -1;
		if (sv != NULL)
			s->touch[t].first[user] = jn_intern_put(&s->vals, sv,
			    len);
		snprintf(key, sizeof key, "last%d", t);
		if (jn_state_get_str(in, r, key, &sv, &len) != 0)
			return -1;
		if (sv != NULL)
			s->touch[t].last[user] = jn_intern_put(&s->vals, sv,
			    len);
	}
	return 0;
}

/*
 * One --merge record: a user's profile, or a shard's summary (its last
 * time, if it had events).  Returns 0 or -1 (reported).
 */
static int
merge_record(void *ctx, struct jn_state_in *in, const struct jn_state_rec *r)
{
	struct seg *s = ctx;
	const char *id;
	size_t len, n;
	int64_t *v;

	if (jn_state_get_str(in, r, "user", &id, &len) != 0)
		return -1;
	if (id != NULL)
		return read_user(s, in, r, id, len);
	if (jn_state_get_ints(in, r, "input", &v, &n) != 0)
		return -1;
	if ((n != 2 && n != 3) || (n == 3 && v[2] != 1)) {
		free(v);
		return jn_state_error(in, "bad input summary in a state");
	}
	s->state_scores = n == 3;
	if (v[0] && (!s->have_events || v[1] > s->max_ts))
		s->max_ts = v[1];
	s->have_events |= v[0] != 0;
	free(v);
	return 0;
}

/* ---- main ---- */

static int
parse_args(struct seg *s, int argc, char **argv)
{
	/* static: it lives until exit, so no error path leaks it */
	static struct option *longopts;
	int opt, modes = 0;
	const char *now_arg = NULL;

	free(longopts);	/* from an earlier main() in one process */
	longopts = jn_cli_options(tool_longopts, NELEM(tool_longopts));
	s->default_name = "other";
	s->period = 30 * DAY;
	s->horizon = 52 * 7 * DAY;
	s->discount = 0.1;
	s->goal_text = JN_DEFAULT_GOAL;
	s->common.scores = 1;
	while ((opt = getopt_long(argc, argv, JN_COMMON_SHORTOPTS "j:",
	    longopts, NULL)) != -1) {
		int r = jn_common_option(&s->common, opt, optarg);
		/* every option but --tag has an argument when it takes one */
		const char *arg = optarg != NULL ? optarg : "";
		const char *eq;

		if (r == 0)
			r = jn_run_option(&s->run, opt, optarg);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (opt) {
		case OPT_BY:
			s->by_field = arg;
			modes |= 1;
			break;
		case OPT_RULE:
			eq = strchr(arg, '=');
			if (eq == NULL || eq == arg || eq[1] == '\0')
				return jn_error("bad --rule '%s' (NAME=EXPR)",
				    arg);
			if (s->nrules == MAX_RULES)
				return jn_error("too many --rule (at most %d)",
				    MAX_RULES);
			s->rules[s->nrules].name = jn_xstrndup(arg,
			    (size_t)(eq - arg));
			s->rules[s->nrules++].expr = eq + 1;
			modes |= 2;
			break;
		case OPT_DEFAULT:
			s->default_name = arg;
			break;
		case OPT_PRESET:
			if (strcmp(arg, "lifecycle") == 0)
				s->preset = PRESET_LIFECYCLE;
			else if (strcmp(arg, "rfm") == 0)
				s->preset = PRESET_RFM;
			else if (strcmp(arg, "value") == 0)
				s->preset = PRESET_VALUE;
			else
				return jn_error("bad --preset '%s' (lifecycle, "
				    "rfm, value)", arg);
			modes |= 4;
			break;
		case OPT_GOAL:
			s->goal_text = arg;
			s->goal_given = 1;
			break;
		case OPT_VALUE_FROM:
			if (strcmp(arg, "all") == 0)
				s->value_all = 1;
			else if (strcmp(arg, "goal") == 0)
				s->value_all = 0;
			else
				return jn_error("bad --value-from '%s' (goal, "
				    "all)", arg);
			break;
		case OPT_VALUE:
			s->value_field = arg;
			break;
		case OPT_FIELD:
			if (s->ntouch == MAX_FIELDS)
				return jn_error("too many --field (at most "
				    "%d)", MAX_FIELDS);
			s->touch[s->ntouch++].name = arg;
			break;
		case OPT_NOW:
			now_arg = arg;	/* read below, in --time-zone */
			break;
		case OPT_PERIOD:
			if (jn_duration_parse(arg, &s->period) != 0 ||
			    s->period <= 0)
				return jn_error("bad duration '%s' for "
				    "--period", arg);
			break;
		case OPT_PROFILES:
			s->profiles = 1;
			break;
		case OPT_CLV:
			s->clv = 1;
			break;
		case OPT_HORIZON:
			if (jn_duration_parse(arg, &s->horizon) != 0 ||
			    s->horizon <= 0)
				return jn_error("bad duration '%s' for "
				    "--horizon", arg);
			break;
		case OPT_DISCOUNT:
			if (jn_parse_double(arg, strlen(arg), &s->discount) !=
			    0 || !(s->discount >= 0 && s->discount < 100))
				return jn_error("bad --discount '%s' (a yearly "
				    "rate, 0 to 100)", arg);
			break;
		case OPT_TAG:
			s->tag = 1;
			s->tag_field = optarg ? optarg : "segment";
			if (*s->tag_field == '\0')
				return jn_error("empty --tag field name");
			break;
		default:
			return jn_cli_other(opt, usage, help_text);
		}
	}
	/* --now is read as --since is: a time without an offset is local */
	if (now_arg != NULL) {
		if (jn_time_parse_zone(now_arg, strlen(now_arg),
		    s->common.time_zone, &s->now) != 0)
			return jn_error("bad time '%s' for --now", now_arg);
		s->has_now = 1;
	}
	if (modes & (modes - 1))
		return jn_error("choose one of --by, --rule and --preset");
	if (s->profiles && s->tag)
		return jn_error("choose one of --profiles and --tag");
	if (s->tag && jn_writer_fields_given())
		return jn_error("--tag writes events, not a table: no "
		    "--fields");
	if (jn_run_check(&s->run) != 0)
		return -1;
	if (s->tag && (s->run.partial || s->run.merge))
		return jn_error("--tag writes events, not states: no %s",
		    s->run.partial ? "--partial" : "--merge");
	if (s->clv && s->tag)
		return jn_error("--clv predicts per user, --tag writes events: "
		    "one or the other");
	/* the lifecycle's end is that of all the data, not known yet */
	s->keep_recent = !s->has_now && s->preset == PRESET_LIFECYCLE &&
	    (s->run.sorted || s->run.partial || s->run.merge);
	return 0;
}

static int
setup(void *state, int worker)
{
	struct seg *s = state;
	static const char *const value_names[] = { "revenue", "value",
		"amount" };
	int t;

	s->is_worker = worker;
	if ((worker ? jn_input_init_worker(&s->in, &s->common) :
	    jn_input_init(&s->in, &s->common)) != 0)
		return -1;
	s->goal = jn_pred_compile(s->goal_text, &s->in.schema,
	    s->in.event_slot, "--goal");
	if (s->goal == NULL)
		return -1;
	s->goal_by_name = jn_pred_event_only(s->goal, s->in.event_slot);
	jn_namecache_init(&s->names);
	if (s->value_field) {
		if (jn_valexpr_init(&s->value_expr, &s->in.schema,
		    s->value_field) != 0)
			return -1;
	} else {
		jn_valexpr_slot(&s->value_expr, jn_schema_candidates(
		    &s->in.schema, value_names, NELEM(value_names)));
	}
	s->value_slot = s->value_expr.slot;
	s->by_touch = -1;
	if (s->by_field) {
		s->by_touch = s->ntouch;
		s->touch[s->ntouch++].name = s->by_field;
	}
	for (t = 0; t < s->ntouch; t++)
		if ((s->touch[t].slot = jn_schema_field(&s->in.schema,
		    s->touch[t].name)) < 0)
			return -1;
	if (s->value_slot < 0)
		return -1;
	if (s->goal_given)
		jn_input_watch_pred(&s->in, s->goal);
	if (s->value_field)
		jn_valexpr_watch(&s->value_expr, &s->in, "--value",
		    s->value_field);
	for (t = 0; t < s->ntouch; t++)
		jn_input_watch_field(&s->in, t == s->by_touch ? "--by" :
		    "--field", s->touch[t].name, s->touch[t].slot);
	if (s->goal_by_name)
		jn_input_watch_names(&s->in, &s->names);
	s->rec_size = s->clv ? sizeof(struct vtev) : sizeof(struct tev);
	jn_units_init(&s->units, s->rec_size, offsetof(struct tev, user), 0);
	s->units.sorted = s->run.sorted;
	jn_intern_init(&s->vals);
	return 0;
}

static void
release(void *state)
{
	struct seg *s = state;
	size_t i;
	int r, t;

	/* the rules' names are the main state's, and only it compiles them */
	for (r = 0; r < s->nrules && !s->is_worker; r++) {
		free(s->rules[r].name);
		jn_pred_free(s->rules[r].pred);
	}
	/* sums left on the heap by an error before the end of input */
	for (i = 0; i < jn_units_count(&s->units); i++)
		if (s->u[i].vlsb == VS_BIG)
			free(vsum_big(&s->u[i]));
	for (t = 0; t < s->ntouch; t++) {
		free(s->touch[t].first);
		free(s->touch[t].last);
		free(s->touch[t].first_ts);
		free(s->touch[t].last_ts);
	}
	/* the encoded tags, counted by the segments they encode */
	for (r = 0; r < 4; r++) {
		size_t k, nseg = jn_intern_count(&s->segs);

		for (k = 0; s->enc[r] != NULL && k < nseg; k++)
			free(s->enc[r][k].p);
		free(s->enc[r]);
	}
	jn_pred_free(s->goal);
	jn_namecache_release(&s->names);
	jn_intern_release(&s->vals);
	jn_intern_release(&s->segs);
	free(s->u);
	free(s->last_header);
	free(s->first_header_file);
	free(s->file_ids);
	free(s->tagged);
	for (r = 0; r < s->ntagq; r++)
		free(s->tagq[r].t);
	free(s->tagq);
	jn_idmap_release(&s->valmap);
	free(s->recent);
	free(s->buy);
	free(s->sc);
	free(s->cp);
	free(s->ids);
	if (s->spool != NULL) {
		unlink(s->spool);
		jn_tmpfile_forget(s->spool);
		free(s->spool);
		s->spool = NULL;
	}
}

/*
 * --tag reads its input twice: standard input is spooled first, and a
 * file must be one that can be read again (not a FIFO or a process
 * substitution, whose second read would hang or find nothing), the same
 * at the second read as at the first (same_files).
 */
static int
prepare_tag(struct seg *s, char **files, int nfiles)
{
	int i, uses_stdin = nfiles == 0;

	s->file_ids = jn_xcalloc((size_t)nfiles + 1, sizeof *s->file_ids);
	for (i = 0; i < nfiles; i++) {
		struct stat st;

		if (strcmp(files[i], "-") == 0) {
			uses_stdin = 1;
			continue;
		}
		if (stat(files[i], &st) != 0)
			continue;	/* the reader says why */
		if (!S_ISREG(st.st_mode))
			return jn_error("%s: --tag reads its input twice, and "
			    "this is not a regular file: give it as standard "
			    "input (it is copied first)", files[i]);
		s->file_ids[i] = st;
	}
	if (!uses_stdin)
		return 0;
	atexit(remove_spool);
	s->spool = jn_spool_stdin();
	return s->spool ? 0 : -1;
}

/* The files of --tag are those of the first read: 0, or -1 reported. */
static int
same_files(const struct seg *s, char **files, int nfiles)
{
	int i;

	for (i = 0; i < nfiles; i++) {
		const struct stat *a = &s->file_ids[i];
		struct stat b;

		if (strcmp(files[i], "-") == 0 || a->st_ino == 0)
			continue;
		if (stat(files[i], &b) != 0 || a->st_dev != b.st_dev ||
		    a->st_ino != b.st_ino || a->st_size != b.st_size ||
		    a->st_mtime != b.st_mtime)
			return jn_error("%s: file changed between the two "
			    "reads of --tag (replaced, grown or written)",
			    files[i]);
	}
	return 0;
}

static int
parse(void *state, int argc, char **argv)
{
	struct seg *s = state;
	int k;

	the_seg = s;
	if (parse_args(s, argc, argv) == 0)
		return 0;
	for (k = 0; k < s->nrules; k++)	/* named before the error */
		free(s->rules[k].name);
	return -1;
}

static int
begin(void *state, char **files, int nfiles, const char **stdin_path)
{
	struct seg *s = state;

	if (s->tag && prepare_tag(s, files, nfiles) != 0)
		return -1;
	*stdin_path = s->spool;
	return 0;
}

static int
end(void *state, int status)
{
	struct seg *s = state;

	if (!s->has_now)
		s->now = s->max_ts;
	s->read_status = status;
	/* --partial: a state only of a clean read */
	return s->run.partial && status != JN_EXIT_OK ? -1 : 0;
}

/* The segments, the profiles, or with --tag the events read again. */
static int
write_result(void *state, enum jn_format fmt, char **files, int nfiles)
{
	static char buf[1 << 16];
	struct seg *s = state;
	size_t left;
	int k, rc = 0;

	finish_recent(s);
	if (s->clv)
		fit_clv(s);
	if (assign_segments(s) != 0)
		return -1;
	if (!s->tag)
		return s->profiles ? write_profiles(s, fmt) :
		    write_segments(s, fmt);
	s->out = stdout;
	setvbuf(stdout, buf, _IOFBF, sizeof buf);
	if (same_files(s, files, nfiles) != 0 ||
	    jn_input_rescan(&s->in, files, nfiles, tag_record, s,
	    s->spool, tag_header) != 0)
		rc = -1;
	for (k = 0, left = 0; k < s->ntagq; k++)
		left += s->tagq[k].n - s->tagq[k].next;
	if (rc == 0 && s->read_status == JN_EXIT_OK && left > 0)
		rc = jn_error("the input changed between its two reads");
	return rc;
}

static const struct jn_reporter reporter = {
	.name = "jsegment",
	.config = config_text,
	.write_state = write_state,
	.merge_record = merge_record,
	JN_REPORTER_STATE(struct seg),
	.parse = parse,
	.setup = setup,
	.begin = begin,
	.end = end,
	.release = release,
	.event = profile_event,
	.prepare = prepare_users,
	.unit_adopt = adopt_user,
	.unit_merge = merge_user,
	.unit = profile_user,
	.unit_move = move_user,
	.counted = gather_tagged,
	.write = write_result,
};

int
main(int argc, char **argv)
{
	static struct seg s;

	return jn_engine_main(&reporter, &s, argc, argv);
}
