/*
 * Tests of the funnel engine: cases worked out by hand from ClickHouse's
 * windowFunnel documentation and source, then a differential test against
 * two slow references on thousands of random event sets:
 *
 *  - a literal transcription of ClickHouse's scan (AggregateFunction-
 *    WindowFunnel.cpp, getEventLevelNonStrictOnce: one (time, step) entry
 *    per matched condition, a null entry per unmatched row under
 *    strict_order, stable-sorted by (time, step));
 *  - for the default order, an exhaustive search over all subsequences of
 *    entries, which is the definition in SPEC section 2 and does not share
 *    the greedy argument;
 *  - for --order any, a brute force over every window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/funnel.h"

#define MAXN 12
/* An event at time t matching the steps of mask m (aux unused). */
#define EV(t, m) { (t), (m), 0 }

static int
level_flags(enum jn_funnel_order order, unsigned flags, int nsteps,
    int64_t window, const struct jn_fev *ev, size_t n)
{
	struct jn_funnel_spec spec = { nsteps, window, order, flags };
	struct jn_funnel_match m;

	assert_null(jn_funnel_check(&spec));
	jn_funnel_match(&spec, ev, sizeof *ev, n, &m);
	return m.level;
}

static int
level_of(enum jn_funnel_order order, int nsteps, int64_t window,
    const struct jn_fev *ev, size_t n)
{
	struct jn_funnel_spec spec = { nsteps, window, order, 0 };
	struct jn_funnel_match m;

	jn_funnel_match(&spec, ev, sizeof *ev, n, &m);
	return m.level;
}

static int ref_clickhouse_increase(int, int64_t, const struct jn_fev *,
    size_t);

/* ---- hand-worked cases ---- */

/*
 * ClickHouse docs (parametric-functions, windowFunnel): the chain is
 * searched in order; a later condition counts only within the window of
 * the chain's first event, inclusive.
 */
static void
test_default_basic(void **state)
{
	/* A B C within window: level 3 */
	struct jn_fev a[] = { EV(1, 1), EV(2, 2), EV(3, 4) };
	/* C before A: only A B */
	struct jn_fev b[] = { EV(1, 4), EV(2, 1), EV(3, 2) };
	/* B arrives exactly at the window edge: inclusive */
	struct jn_fev c[] = { EV(10, 1), EV(15, 2) };
	/* B one unit past the window */
	struct jn_fev d[] = { EV(10, 1), EV(16, 2) };

	(void)state;
	assert_int_equal(level_of(JN_ORDER_DEFAULT, 3, 100, a, 3), 3);
	assert_int_equal(level_of(JN_ORDER_DEFAULT, 3, 100, b, 3), 2);
	assert_int_equal(level_of(JN_ORDER_DEFAULT, 2, 5, c, 2), 2);
	assert_int_equal(level_of(JN_ORDER_DEFAULT, 2, 5, d, 2), 1);
	assert_int_equal(level_of(JN_ORDER_DEFAULT, 2, 5, NULL, 0), 0);
}

/*
 * A later step-1 event restarts the chain with a fresh window (ClickHouse
 * keeps the latest step-1 time for level 1): A(0) A(50) B(60) with window
 * 20 reaches level 2 through the second A.
 */
static void
test_default_restart(void **state)
{
	struct jn_fev ev[] = { EV(0, 1), EV(50, 1), EV(60, 2) };
	/* the older chain keeps level 2 when the restart cannot go further */
	struct jn_fev ev2[] = { EV(0, 1), EV(5, 2), EV(50, 1), EV(100, 4) };

	(void)state;
	assert_int_equal(level_of(JN_ORDER_DEFAULT, 2, 20, ev, 3), 2);
	assert_int_equal(level_of(JN_ORDER_DEFAULT, 3, 20, ev2, 4), 2);
}

/*
 * Equal timestamps are taken in step order, and one event matching two
 * steps fills both (its entries (t,1) and (t,2) are consecutive).
 */
static void
test_default_ties(void **state)
{
	struct jn_fev both[] = { EV(7, 3) };
	struct jn_fev rev[] = { EV(7, 2), EV(7, 1) };
	struct jn_fev all3[] = { EV(7, 7) };

	(void)state;
	assert_int_equal(level_of(JN_ORDER_DEFAULT, 2, 10, both, 1), 2);
	assert_int_equal(level_of(JN_ORDER_DEFAULT, 2, 10, rev, 2), 2);
	assert_int_equal(level_of(JN_ORDER_DEFAULT, 3, 10, all3, 1), 3);
}

/*
 * strict_order (ClickHouse source comment): for A->B->D->C with steps
 * A,B,C the scan stops at D and the level is 2.  A later step before its
 * predecessor also stops it.  Events before the first step-1 do not.
 */
static void
test_strict(void **state)
{
	struct jn_fev abdc[] = { EV(1, 1), EV(2, 2), EV(3, 0), EV(4, 4) };
	struct jn_fev acb[] = { EV(1, 1), EV(2, 4), EV(3, 2) };
	struct jn_fev xab[] = { EV(0, 0), EV(1, 1), EV(2, 2) };
	/* a null event at the same time as step 1 sorts before it */
	struct jn_fev tie[] = { EV(1, 0), EV(1, 1), EV(2, 2) };

	(void)state;
	assert_int_equal(level_of(JN_ORDER_STRICT, 3, 100, abdc, 4), 2);
	assert_int_equal(level_of(JN_ORDER_DEFAULT, 3, 100, abdc, 4), 3);
	assert_int_equal(level_of(JN_ORDER_STRICT, 3, 100, acb, 3), 1);
	assert_int_equal(level_of(JN_ORDER_STRICT, 2, 100, xab, 3), 2);
	assert_int_equal(level_of(JN_ORDER_STRICT, 2, 100, tie, 3), 2);
}

/* PostHog unordered: any order inside one window. */
static void
test_any(void **state)
{
	struct jn_fev cba[] = { EV(1, 4), EV(2, 2), EV(3, 1) };
	struct jn_fev spread[] = { EV(0, 4), EV(10, 2), EV(30, 1) };

	(void)state;
	assert_int_equal(level_of(JN_ORDER_ANY, 3, 5, cba, 3), 3);
	assert_int_equal(level_of(JN_ORDER_ANY, 3, 20, spread, 3), 2);
	assert_int_equal(level_of(JN_ORDER_ANY, 3, 0, spread, 3), 3);
}

/*
 * PostHog strict funnels (funnel-udf/src/steps.rs): after each event, the
 * chains it does not extend are cleared, and every event may start a new
 * chain.  A X A B: the X breaks the first A, the second A starts again,
 * level 2; ClickHouse's strict_order stops the scan at X instead (level
 * 1).  Events sharing a time do not break each other.
 */
static void
test_posthog_strict(void **state)
{
	struct jn_fev axab[] = { EV(1, 1), EV(2, 0), EV(3, 1), EV(4, 2) };
	struct jn_fev tie[] = { EV(1, 1), EV(2, 0), EV(2, 2) };

	(void)state;
	assert_int_equal(level_flags(JN_ORDER_CONSECUTIVE, JN_FUNNEL_ONCE, 2,
	    100, axab, 4), 2);
	assert_int_equal(level_flags(JN_ORDER_STRICT, 0, 2, 100, axab, 4), 1);
	assert_int_equal(level_flags(JN_ORDER_CONSECUTIVE, JN_FUNNEL_ONCE, 2,
	    100, tie, 3), 2);
}

/*
 * PostHog (funnels docs: "steps are actions, not filters"): two steps on
 * the same event need two occurrences; one event fills one step.  With
 * ClickHouse's default one event may fill both.
 */
static void
test_posthog_once(void **state)
{
	struct jn_fev one[] = { EV(1, 3) };
	struct jn_fev two[] = { EV(1, 3), EV(2, 3) };

	(void)state;
	assert_int_equal(level_flags(JN_ORDER_DEFAULT, JN_FUNNEL_ONCE, 2, 10,
	    one, 1), 1);
	assert_int_equal(level_flags(JN_ORDER_DEFAULT, 0, 2, 10, one, 1), 2);
	assert_int_equal(level_flags(JN_ORDER_DEFAULT, JN_FUNNEL_ONCE, 2, 10,
	    two, 2), 2);
	/* unordered (unordered_steps.rs): B then A in the window counts 2 */
	assert_int_equal(level_flags(JN_ORDER_ANY, JN_FUNNEL_ONCE, 2, 10,
	    (struct jn_fev[]){ EV(1, 2), EV(5, 1) }, 2), 2);
	assert_int_equal(level_flags(JN_ORDER_ANY, JN_FUNNEL_ONCE, 2, 10,
	    one, 1), 1);
}

/*
 * strict_increase, exactly: A(1) A(2) B(2) C(3).  ClickHouse's scan lets
 * the A at 2 replace the start, then refuses B at 2 (not later than 2)
 * and loses the chain A(1) B(2) C(3), level 3.
 */
static void
test_increase_exact(void **state)
{
	struct jn_fev ev[] = { EV(1, 1), EV(2, 1), EV(2, 2), EV(3, 4) };

	(void)state;
	assert_int_equal(level_flags(JN_ORDER_DEFAULT, JN_FUNNEL_INCREASE, 3,
	    10, ev, 4), 3);
	assert_int_equal(ref_clickhouse_increase(3, 10, ev, 4), 1);
}

/* The counted chain's times and events are reported. */
static void
test_chain(void **state)
{
	struct jn_fev ev[] = { EV(0, 1), EV(5, 2), EV(50, 1), EV(55, 2),
		EV(60, 4) };
	struct jn_funnel_spec spec = { 3, 20, JN_ORDER_DEFAULT, 0 };
	struct jn_funnel_match m;

	(void)state;
	jn_funnel_match(&spec, ev, sizeof *ev, 5, &m);
	assert_int_equal(m.level, 3);
	assert_int_equal(m.ts[0], 50);
	assert_int_equal(m.ts[1], 55);
	assert_int_equal(m.ts[2], 60);
	assert_int_equal(m.ev[0], 2);
	assert_int_equal(m.ev[2], 4);
}

/*
 * One step (SPEC section 2: 1 to 32 steps): ClickHouse's windowFunnel
 * returns 1 when any row matched its one condition (00632 test: windowFunnel
 * (1)(timestamp, event = 1000) = 1); so does every order and mode here.
 */
static void
test_one_step(void **state)
{
	struct jn_fev a[] = { EV(1, 0), EV(5, 1), EV(9, 0) };
	struct jn_fev b[] = { EV(1, 0), EV(5, 2) };
	static const enum jn_funnel_order orders[] = { JN_ORDER_DEFAULT,
	    JN_ORDER_STRICT, JN_ORDER_CONSECUTIVE, JN_ORDER_ANY };
	size_t o;

	(void)state;
	for (o = 0; o < sizeof orders / sizeof orders[0]; o++) {
		static const unsigned flags[] = { JN_FUNNEL_ONCE |
		    JN_FUNNEL_INCREASE, JN_FUNNEL_DEDUP | JN_FUNNEL_INCREASE |
		    JN_FUNNEL_REENTRY, JN_FUNNEL_ONCE, JN_FUNNEL_ONCE };
		unsigned fl = flags[o];

		assert_int_equal(level_of(orders[o], 1, 1, a, 3), 1);
		assert_int_equal(level_of(orders[o], 1, 1, b, 2), 0);
		assert_int_equal(level_flags(orders[o], fl, 1, 0, a, 3), 1);
		assert_int_equal(level_flags(orders[o], fl, 1, 0, b, 2), 0);
	}
}

/* ---- references ---- */

struct entry {
	int64_t ts;
	int step;	/* 0: null (strict only), else 1-based */
	int event;	/* index of the event */
	int group;	/* rank of its time among the unit's times */
};

static int
entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->step != b->step)
		return a->step - b->step;
	return a->event - b->event;
}

static size_t
entries(const struct jn_fev *ev, size_t n, int nsteps, int strict,
    struct entry *out)
{
	size_t i, k = 0;
	int s;

	for (i = 0; i < n; i++) {
		int any = 0;

		for (s = 1; s <= nsteps; s++)
			if (ev[i].mask >> (s - 1) & 1) {
				out[k].ts = ev[i].ts;
				out[k].event = (int)i;
				out[k++].step = s;
				any = 1;
			}
		if (strict && !any) {
			out[k].ts = ev[i].ts;
			out[k].event = (int)i;
			out[k++].step = 0;
		}
	}
	qsort(out, k, sizeof *out, entry_cmp);
	/* ev is sorted by time: its time ranks are the groups */
	for (i = 0; i < k; i++) {
		size_t x;
		int g = 0;

		for (x = 1; x <= (size_t)out[i].event; x++)
			g += ev[x].ts != ev[x - 1].ts;
		out[i].group = g;
	}
	return k;
}

/* ClickHouse's scan, transcribed literally (window 0 = unlimited here). */
static int
ref_clickhouse(int strict, unsigned flags, int nsteps, int64_t window,
    const struct jn_fev *ev, size_t n)
{
	struct entry e[MAXN * 33];
	int set[33] = { 0 }, first_event = 0, k;
	int64_t first[33];
	size_t ne = entries(ev, n, nsteps, strict, e), i;

	for (i = 0; i < ne; i++) {
		int idx = e[i].step - 1;

		if (strict && idx == -1) {
			if (first_event)
				break;
			continue;
		}
		if (idx == 0) {
			set[0] = 1;
			first[0] = e[i].ts;
			first_event = 1;
		} else if ((flags & JN_FUNNEL_DEDUP) && set[idx]) {
			for (k = nsteps; k > 0; k--)
				if (set[k - 1])
					return k;
			return 0;
		} else if (strict && first_event && !set[idx - 1]) {
			if (flags & JN_FUNNEL_REENTRY)
				continue;
			for (k = 0; k < nsteps; k++)
				if (!set[k])
					return k;
		} else if (set[idx - 1]) {
			if (window == 0 || e[i].ts <= first[idx - 1] + window) {
				set[idx] = 1;
				first[idx] = first[idx - 1];
				if (idx + 1 == nsteps)
					return nsteps;
			}
		}
	}
	for (k = nsteps; k > 0; k--)
		if (set[k - 1])
			return k;
	return 0;
}

/*
 * ClickHouse's strict_once scan (getEventLevelStrictOnce), transcribed
 * literally: every chain of distinct rows is kept per level, the entries
 * are taken in (time, step, row) order, the rows of a time in the order
 * given (the caller sorts them by mask, as the engine does).
 */
struct path {
	int64_t first, last;
	int row[33];
};

#define MAXPATHS 4096

static int
ref_clickhouse_once(int strict, unsigned flags, int nsteps, int64_t window,
    const struct jn_fev *ev, size_t n)
{
	static struct path seq[33][MAXPATHS];
	size_t nseq[33] = { 0 };
	struct entry e[MAXN * 33];
	int has_first = 0, k;
	size_t ne = entries(ev, n, nsteps, strict, e), i, p, q;

	for (i = 0; i < ne; i++) {
		int idx = e[i].step - 1;
		int64_t ts = e[i].ts;

		if (strict && idx == -1) {
			if (has_first)
				break;
			continue;
		}
		if (idx == 0) {
			assert_true(nseq[0] < MAXPATHS);
			seq[0][nseq[0]].first = seq[0][nseq[0]].last = ts;
			seq[0][nseq[0]++].row[0] = e[i].event;
			has_first = 1;
		} else if ((flags & JN_FUNNEL_DEDUP) && nseq[idx] > 0) {
			for (k = nsteps; k > 0; k--)
				if (nseq[k - 1] > 0)
					return k;
			return 0;
		} else if (strict && has_first && nseq[idx - 1] == 0) {
			if (flags & JN_FUNNEL_REENTRY)
				continue;
			for (k = 0; k < nsteps; k++)
				if (nseq[k] == 0)
					return k;
		} else if (nseq[idx - 1] > 0) {
			for (p = 0; p < nseq[idx - 1];) {
				struct path *a = &seq[idx - 1][p];
				int ok = window == 0 || ts <= a->first + window;
				int j;

				if (!ok && nseq[idx - 1] > 1) {
					for (q = p + 1; q < nseq[idx - 1]; q++)
						seq[idx - 1][q - 1] =
						    seq[idx - 1][q];
					nseq[idx - 1]--;
					continue;
				}
				for (j = 0; j < idx && ok; j++)
					ok = a->row[j] != e[i].event;
				if (ok && (flags & JN_FUNNEL_INCREASE))
					ok = a->last < ts;
				if (ok) {
					struct path *b;

					assert_true(nseq[idx] < MAXPATHS);
					b = &seq[idx][nseq[idx]++];
					*b = *a;
					b->last = ts;
					b->row[idx] = e[i].event;
					if (idx + 1 == nsteps)
						return nsteps;
				}
				p++;
			}
		}
	}
	for (k = nsteps; k > 0; k--)
		if (nseq[k - 1] > 0)
			return k;
	return 0;
}

/* ev sorted by time, the rows of a time by their steps' mask */
static int
mask_cmp(const void *pa, const void *pb)
{
	const struct jn_fev *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->mask < b->mask ? -1 : a->mask > b->mask;
}

/*
 * Exhaustive: the longest prefix of steps realizable by entries taken in
 * order, the last within the window of the first; with --increase times
 * strictly increase, with --once the events are distinct, consecutive
 * (PostHog strict) uses every time group between its first and last.
 */
/* ClickHouse's greedy scan under strict_increase, for comparison. */
static int
ref_clickhouse_increase(int nsteps, int64_t window, const struct jn_fev *ev,
    size_t n)
{
	struct entry e[MAXN * 33];
	int set[33] = { 0 }, k;
	int64_t first[33], last[33];
	size_t ne = entries(ev, n, nsteps, 0, e), i;

	for (i = 0; i < ne; i++) {
		int idx = e[i].step - 1;

		if (idx == 0) {
			set[0] = 1;
			first[0] = last[0] = e[i].ts;
		} else if (set[idx - 1] && e[i].ts <= first[idx - 1] + window &&
		    last[idx - 1] < e[i].ts) {
			set[idx] = 1;
			first[idx] = first[idx - 1];
			last[idx] = e[i].ts;
		}
	}
	for (k = nsteps; k > 0; k--)
		if (set[k - 1])
			return k;
	return 0;
}

struct search {
	const struct entry *e;
	size_t ne;
	int nsteps;
	int64_t window;
	unsigned flags;
	int consecutive;
	uint32_t optional;	/* steps that may be skipped: bit s-1 */
	int used[MAXN];
};

static int
search(struct search *x, size_t from, int step, int64_t start,
    const struct entry *prev)
{
	int best = step - 1;
	size_t i;

	if (step > x->nsteps)
		return x->nsteps;
	if (x->optional >> (step - 1) & 1) {
		/* skip it: that counts only when a later step is reached */
		int r = search(x, from, step + 1, start, prev);

		if (r > step && r > best)
			best = r;
	}
	for (i = from; i < x->ne; i++) {
		const struct entry *c = &x->e[i];
		int r;

		if (c->step != step)
			continue;
		if (step > 1 && x->window != 0 && c->ts - start > x->window)
			continue;
		if (prev && (x->flags & JN_FUNNEL_INCREASE) &&
		    !(prev->ts < c->ts))
			continue;
		if ((x->flags & JN_FUNNEL_ONCE) && x->used[c->event])
			continue;
		if (prev && x->consecutive && c->group > prev->group + 1)
			continue;
		x->used[c->event]++;
		r = search(x, i + 1, step + 1, step == 1 ? c->ts : start, c);
		x->used[c->event]--;
		if (r > best)
			best = r;
	}
	return best;
}

static int
ref_exhaustive(unsigned flags, int consecutive, int nsteps, int64_t window,
    const struct jn_fev *ev, size_t n)
{
	struct entry e[MAXN * 33];
	struct search x;

	memset(&x, 0, sizeof x);
	x.e = e;
	x.ne = entries(ev, n, nsteps, 0, e);
	x.nsteps = nsteps;
	x.window = window;
	x.flags = flags | (consecutive ? JN_FUNNEL_ONCE : 0);
	x.consecutive = consecutive;
	return search(&x, 0, 1, 0, NULL);
}

/*
 * Optional steps (jfunnel's -s ?EXPR, default order): the furthest step
 * reachable when the optional steps may be skipped, exhaustively; jfunnel
 * computes it with the engine after letting every event that matches the
 * step after an optional step fill that step too (from the last step
 * down, so that runs of optional steps are crossed).
 */
static int
ref_optional(uint32_t optional, int nsteps, int64_t window,
    const struct jn_fev *ev, size_t n)
{
	struct entry e[MAXN * 33];
	struct search x;

	memset(&x, 0, sizeof x);
	x.e = e;
	x.ne = entries(ev, n, nsteps, 0, e);
	x.nsteps = nsteps;
	x.window = window;
	x.optional = optional;
	return search(&x, 0, 1, 0, NULL);
}

static int
level_optional(uint32_t optional, int nsteps, int64_t window,
    const struct jn_fev *ev, size_t n)
{
	struct jn_fev o[MAXN];
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		o[i] = ev[i];
		for (k = nsteps - 2; k > 0; k--)
			if ((optional >> k & 1) && (o[i].mask >> (k + 1) & 1))
				o[i].mask |= 1u << k;
	}
	return level_of(JN_ORDER_DEFAULT, nsteps, window, o, n);
}

/* Most steps assignable to distinct events of ev[lo..hi) (brute force). */
static int
assign(const struct jn_fev *ev, size_t lo, size_t hi, int step, int nsteps,
    int *used)
{
	int best, r;
	size_t i;

	if (step == nsteps)
		return 0;
	best = assign(ev, lo, hi, step + 1, nsteps, used);	/* skip it */
	for (i = lo; i < hi; i++)
		if (!used[i] && (ev[i].mask >> step & 1)) {
			used[i] = 1;
			r = 1 + assign(ev, lo, hi, step + 1, nsteps, used);
			used[i] = 0;
			if (r > best)
				best = r;
		}
	return best;
}

static int
ref_any_once(int nsteps, int64_t window, const struct jn_fev *ev, size_t n)
{
	int used[MAXN] = { 0 }, best = 0, r;
	size_t i, hi;

	for (i = 0; i < n; i++) {
		for (hi = i; hi < n && (window == 0 ||
		    ev[hi].ts - ev[i].ts <= window); hi++)
			;
		r = assign(ev, i, hi, 0, nsteps, used);
		if (r > best)
			best = r;
	}
	return best;
}

static int
ref_any(int nsteps, int64_t window, const struct jn_fev *ev, size_t n)
{
	size_t i, j;
	int best = 0;

	for (i = 0; i < n; i++) {
		uint32_t seen = 0;
		int c = 0, s;

		if (ev[i].mask == 0)
			continue;
		for (j = 0; j < n; j++)
			if (ev[j].ts >= ev[i].ts && (window == 0 ||
			    ev[j].ts - ev[i].ts <= window))
				seen |= ev[j].mask;
		for (s = 0; s < nsteps; s++)
			c += seen >> s & 1;
		if (c > best)
			best = c;
	}
	return best;
}

/*
 * PostHog's UDF with exclusions (jn_funnel_posthog): PostHog's own tests,
 * test_funnel.py test_funnel_exclusion_multiple_possible_no_end_event1 to
 * 3 (steps at bits 0-1, the exclusion from step 1 to 2 at bit 2, a
 * 10-second window): [1, 0], [1, 0] and left out.
 */
static void
test_posthog_exclusions(void **state)
{
	struct jn_funnel_spec spec = { 2, 10, JN_ORDER_DEFAULT,
	    JN_FUNNEL_ONCE };
	struct jn_funnel_excl x = { 1, 2 };
	struct jn_fev e1[] = { EV(0, 1), EV(1, 4), EV(31, 1) };
	struct jn_fev e2[] = { EV(0, 1), EV(31, 1), EV(32, 4) };
	struct jn_fev e3[] = { EV(0, 1), EV(1, 1), EV(2, 4) };
	/* unordered: progress emptied, the last window's counts */
	struct jn_fev u[] = { EV(1, 1), EV(2, 4), EV(3, 2) };
	struct jn_funnel_match m;

	(void)state;
	assert_int_equal(jn_funnel_posthog(&spec, &x, 1, e1, sizeof *e1, 3,
	    &m), 0);
	assert_int_equal(m.level, 1);
	assert_int_equal(m.ts[0], 31);
	assert_int_equal(jn_funnel_posthog(&spec, &x, 1, e2, sizeof *e2, 3,
	    &m), 0);
	assert_int_equal(m.level, 1);
	assert_int_equal(m.ts[0], 0);
	assert_int_equal(jn_funnel_posthog(&spec, &x, 1, e3, sizeof *e3, 3,
	    &m), 1);
	spec.order = JN_ORDER_ANY;
	spec.window = 100;
	assert_int_equal(jn_funnel_posthog(&spec, &x, 1, u, sizeof *u, 3,
	    &m), 0);
	assert_int_equal(m.level, 1);
	assert_int_equal(m.ts[0], 3);
}

static uint64_t rng = 42;

static uint32_t
rnd(uint32_t n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng >> 33) % n;
}

static int
ts_cmp(const void *pa, const void *pb)
{
	const struct jn_fev *a = pa, *b = pb;

	return a->ts < b->ts ? -1 : a->ts > b->ts;
}

/*
 * Random small event sets with many ties, repeated steps and events
 * matching several steps; every order; also checks that shuffling events
 * with equal times never changes the answer.
 */
static void
test_differential(void **state)
{
	int iter;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		struct jn_fev ev[MAXN], sh[MAXN];
		int nsteps = 1 + (int)rnd(4);
		int64_t window = rnd(5);
		size_t n = rnd(MAXN), i;
		int got, want, f;

		for (i = 0; i < n; i++) {
			ev[i].ts = rnd(8);
			/* a third of events match nothing, some several */
			ev[i].mask = rnd(3) == 0 ? 0 :
			    rnd(1u << nsteps);
		}
		qsort(ev, n, sizeof *ev, ts_cmp);
		memcpy(sh, ev, sizeof ev);
		for (i = 1; i < n; i++)	/* shuffle within equal times */
			if (sh[i].ts == sh[i - 1].ts && rnd(2)) {
				struct jn_fev t = sh[i];

				sh[i] = sh[i - 1];
				sh[i - 1] = t;
			}

		/* ClickHouse's modes, as its scan computes them */
		for (f = 0; f < 8; f++) {
			unsigned fl = (f & 1 ? JN_FUNNEL_DEDUP : 0);
			int strict = f >> 1 & 1;

			if (!strict && (f & 4))
				continue;
			fl |= f & 4 ? JN_FUNNEL_REENTRY : 0;
			want = ref_clickhouse(strict, fl, nsteps, window, ev, n);
			got = level_flags(strict ? JN_ORDER_STRICT :
			    JN_ORDER_DEFAULT, fl, nsteps, window, ev, n);
			if (got != want)
				fail_msg("%s%s%s: iter %d got %d want %d",
				    strict ? "strict" : "default",
				    fl & JN_FUNNEL_DEDUP ? "+dedup" : "",
				    fl & JN_FUNNEL_REENTRY ? "+reentry" : "",
				    iter, got, want);
			assert_int_equal(level_flags(strict ?
			    JN_ORDER_STRICT : JN_ORDER_DEFAULT, fl, nsteps,
			    window, sh, n), want);
		}
		/*
		 * strict_once with the rules that end the scan, against
		 * ClickHouse's own scan over the rows in mask order
		 */
		{
			struct jn_fev so[MAXN];

			memcpy(so, ev, sizeof so);
			for (i = 0; i < n; i++)
				so[i].mask &= (1u << nsteps) - 1;
			qsort(so, n, sizeof *so, mask_cmp);
			for (f = 0; f < 16; f++) {
				unsigned fl = JN_FUNNEL_ONCE |
				    (f & 1 ? JN_FUNNEL_DEDUP : 0) |
				    (f & 4 ? JN_FUNNEL_REENTRY : 0) |
				    (f & 8 ? JN_FUNNEL_INCREASE : 0);
				int strict = f >> 1 & 1;

				if (!strict && (f & 4))
					continue;
				want = ref_clickhouse_once(strict, fl, nsteps,
				    window, so, n);
				got = level_flags(strict ? JN_ORDER_STRICT :
				    JN_ORDER_DEFAULT, fl, nsteps, window, ev,
				    n);
				if (got != want)
					fail_msg("once flags %u%s: iter %d got "
					    "%d want %d", fl, strict ?
					    " strict" : "", iter, got, want);
				assert_int_equal(level_flags(strict ?
				    JN_ORDER_STRICT : JN_ORDER_DEFAULT, fl,
				    nsteps, window, sh, n), want);
			}
		}
		/* the definition, exhaustively, for the exact modes */
		for (f = 0; f < 4; f++) {
			unsigned fl = (f & 1 ? JN_FUNNEL_INCREASE : 0) |
			    (f & 2 ? JN_FUNNEL_ONCE : 0);

			want = ref_exhaustive(fl, 0, nsteps, window, ev, n);
			got = level_flags(JN_ORDER_DEFAULT, fl, nsteps, window,
			    ev, n);
			if (got != want)
				fail_msg("default flags %u: iter %d got %d "
				    "want %d", fl, iter, got, want);
			assert_int_equal(level_flags(JN_ORDER_DEFAULT, fl,
			    nsteps, window, sh, n), want);
		}
		want = ref_exhaustive(0, 1, nsteps, window, ev, n);
		got = level_flags(JN_ORDER_CONSECUTIVE, JN_FUNNEL_ONCE, nsteps,
		    window, ev, n);
		if (got != want)
			fail_msg("consecutive: iter %d got %d want %d", iter,
			    got, want);
		assert_int_equal(level_flags(JN_ORDER_CONSECUTIVE,
		    JN_FUNNEL_ONCE, nsteps, window, sh, n), want);

		/*
		 * PostHog's UDF without exclusions is greedy; with one step per
		 * event it agrees with the exact count in the default and any
		 * orders (jfunnel(1), Exclusions)
		 */
		{
			struct jn_fev one[MAXN];
			struct jn_funnel_match a, b;
			static const enum jn_funnel_order ph[] = {
			    JN_ORDER_DEFAULT, JN_ORDER_ANY };

			for (i = 0; i < n; i++) {
				one[i] = ev[i];
				one[i].mask &= -one[i].mask & ((1u << nsteps) - 1);
			}
			for (f = 0; f < 2; f++) {
				struct jn_funnel_spec sp = { nsteps, window,
				    ph[f], JN_FUNNEL_ONCE };

				jn_funnel_match(&sp, one, sizeof *one, n, &a);
				assert_int_equal(jn_funnel_posthog(&sp, NULL, 0,
				    one, sizeof *one, n, &b), 0);
				if (a.level != b.level)
					fail_msg("posthog udf order %d: iter %d "
					    "got %d want %d", f, iter, b.level,
					    a.level);
			}
		}
		/* optional steps: any middle steps, default order */
		if (nsteps >= 3) {
			uint32_t opt = rnd(1u << nsteps) &
			    ~(1u | 1u << (nsteps - 1));

			want = ref_optional(opt, nsteps, window, ev, n);
			got = level_optional(opt, nsteps, window, ev, n);
			if (got != want)
				fail_msg("optional %u: iter %d got %d want %d",
				    opt, iter, got, want);
			assert_int_equal(level_optional(opt, nsteps, window,
			    sh, n), want);
		}
		want = ref_any(nsteps, window, ev, n);
		assert_int_equal(level_of(JN_ORDER_ANY, nsteps, window, ev,
		    n), want);
		assert_int_equal(level_of(JN_ORDER_ANY, nsteps, window, sh,
		    n), want);
		want = ref_any_once(nsteps, window, ev, n);
		got = level_flags(JN_ORDER_ANY, JN_FUNNEL_ONCE, nsteps, window,
		    ev, n);
		if (got != want)
			fail_msg("any+once: iter %d got %d want %d", iter, got,
			    want);
		assert_int_equal(level_flags(JN_ORDER_ANY, JN_FUNNEL_ONCE,
		    nsteps, window, sh, n), want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_basic),
		cmocka_unit_test(test_default_restart),
		cmocka_unit_test(test_default_ties),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_any),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_posthog_strict),
		cmocka_unit_test(test_posthog_once),
		cmocka_unit_test(test_increase_exact),
		cmocka_unit_test(test_one_step),
		cmocka_unit_test(test_posthog_exclusions),
		cmocka_unit_test(test_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
