/*
 * The funnel engine (see include/journey/funnel.h for the semantics).
 *
 * Ordered funnels replay ClickHouse's windowFunnel scan: entries are taken
 * in (time, step) order, where a time's entries are all its events' step
 * matches, lowest step first, and (strict order) its step-less events
 * before them.  Each level keeps the chain that last reached it, so the
 * counted chain's times and events are known, not only its length.  The
 * latest chain at a level has the latest start, which is what makes the
 * greedy scan exact: no other chain at that level can reach further.
 *
 * Two modes need more than the scan to stay exact.  With strict increase a
 * step may only extend a chain whose last step is strictly earlier, so a
 * level keeps its value from before the current time ("old") for the
 * entries of that time.  With one event per step, the events sharing a
 * time are assigned to steps by bipartite matching from every level the
 * unit had reached before that time.  With one event per step and the
 * rules that end the scan (dedup, strict order), the entries of a time
 * are taken one by one, as ClickHouse's strict_once scan does, each
 * matched from the levels reached before it.
 */
#include "journey/funnel.h"

#include <stdlib.h>
#include <string.h>

#include "journey/util.h"

#define MAXS JN_FUNNEL_MAX_STEPS

struct chain {
	int set;
	unsigned group;		/* the time group that last set it */
	int64_t first;		/* time of the chain's step-1 event */
	int64_t last;		/* time of its latest step */
	int64_t ts[MAXS];
	size_t ev[MAXS];
};

struct scan {
	const struct jn_funnel_spec *spec;
	const char *base;
	size_t stride;
	uint32_t steps;		/* mask of the spec's steps */
	struct chain lv[MAXS];	/* lv[k]: chain that filled steps 1..k+1 */
	struct chain old[MAXS];	/* lv[k] before the current group */
	struct chain best;
	int best_level;
	unsigned group;
};

/* The i-th event of an array whose elements are stride bytes apart. */
#define EV(sc, i) \
	((const struct jn_fev *)(const void *)((sc)->base + (i) * (sc)->stride))

static int
within(const struct jn_funnel_spec *spec, int64_t first, int64_t ts)
{
	return spec->window == 0 || ts - first <= spec->window;
}

static void
copy_chain(struct chain *dst, const struct chain *src, int len)
{
	dst->set = src->set;
	dst->group = src->group;
	/* a set chain has its first; the analyzer cannot follow set */
	/* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign) */
	dst->first = src->first;
	dst->last = src->last;
	memcpy(dst->ts, src->ts, (size_t)len * sizeof dst->ts[0]);
	memcpy(dst->ev, src->ev, (size_t)len * sizeof dst->ev[0]);
}

static void
record_best(struct scan *sc, int k)
{
	if (k + 1 >= sc->best_level) {
		copy_chain(&sc->best, &sc->lv[k], k + 1);
		sc->best_level = k + 1;
	}
}

/* Keep lv[k] as it was before this group, for strict increase. */
static void
save_old(struct scan *sc, int k)
{
	if (sc->lv[k].group != sc->group) {
		copy_chain(&sc->old[k], &sc->lv[k], k + 1);
		sc->lv[k].group = sc->group;
	}
}

static void
result(const struct scan *sc, struct jn_funnel_match *m)
{
	m->level = sc->best_level;
	memcpy(m->ts, sc->best.ts, (size_t)m->level * sizeof m->ts[0]);
	memcpy(m->ev, sc->best.ev, (size_t)m->level * sizeof m->ev[0]);
}

/*
 * One (time, step) entry of the scan.  Returns 1 when the scan must stop
 * (last step reached, or a strict or deduplication rule ends it).
 */
static int
entry(struct scan *sc, int *started, int k, int64_t ts, size_t e)
{
	const struct jn_funnel_spec *spec = sc->spec;
	const struct chain *src;
	struct chain *dst = &sc->lv[k];

	if (k == 0) {
		save_old(sc, 0);
		dst->set = 1;
		dst->first = dst->last = ts;
		dst->ts[0] = ts;
		dst->ev[0] = e;
		*started = 1;
		record_best(sc, 0);
		return spec->nsteps == 1;
	}
	if ((spec->flags & JN_FUNNEL_DEDUP) && dst->set)
		return 1;	/* a step reached again */
	if (spec->order == JN_ORDER_STRICT && *started && !sc->lv[k - 1].set)
		return !(spec->flags & JN_FUNNEL_REENTRY);
	src = &sc->lv[k - 1];
	if ((spec->flags & JN_FUNNEL_INCREASE) && src->group == sc->group)
		src = &sc->old[k - 1];	/* only chains ending earlier */
	if (!src->set || !within(spec, src->first, ts) ||
	    ((spec->flags & JN_FUNNEL_INCREASE) && !(src->last < ts)))
		return 0;
	save_old(sc, k);
	memcpy(dst->ts, src->ts, (size_t)k * sizeof dst->ts[0]);
	memcpy(dst->ev, src->ev, (size_t)k * sizeof dst->ev[0]);
	dst->set = 1;
	dst->first = src->first;
	dst->last = ts;
	dst->ts[k] = ts;
	dst->ev[k] = e;
	record_best(sc, k);
	return k + 1 == spec->nsteps;
}

static void
match_scan(struct scan *sc, size_t n)
{
	const struct jn_funnel_spec *spec = sc->spec;
	size_t i = 0, j, e;
	int k, started = 0;

	while (i < n) {
		uint32_t any = 0;
		int64_t ts = EV(sc, i)->ts;

		sc->group++;
		for (j = i; j < n && EV(sc, j)->ts == ts; j++)
			any |= EV(sc, j)->mask & sc->steps;
		if (spec->order == JN_ORDER_STRICT && started)
			for (e = i; e < j; e++)
				if ((EV(sc, e)->mask & sc->steps) == 0)
					return;
		for (k = 0; k < spec->nsteps; k++) {
			if (!(any >> k & 1))
				continue;
			for (e = i; e < j; e++)
				if ((EV(sc, e)->mask >> k & 1) &&
				    entry(sc, &started, k, ts, e))
					return;
		}
		i = j;
	}
}

/* ---- one event per step: bipartite matching inside a time group ---- */

struct matching {
	size_t nev;
	const uint32_t *mask;	/* per candidate event */
	int of_event[MAXS * MAXS];	/* step matched to event, -1 */
	int of_step[MAXS];		/* event matched to step, -1 */
	unsigned char seen[MAXS * MAXS];
};

static int
augment(struct matching *mt, int k)
{
	size_t e;

	for (e = 0; e < mt->nev; e++) {
		if (!(mt->mask[e] >> k & 1) || mt->seen[e])
			continue;
		mt->seen[e] = 1;
		if (mt->of_event[e] < 0 || augment(mt, mt->of_event[e])) {
			mt->of_event[e] = k;
			mt->of_step[k] = (int)e;
			return 1;
		}
	}
	return 0;
}

static int
match_step(struct matching *mt, int k)
{
	memset(mt->seen, 0, mt->nev);
	return augment(mt, k);
}

static void
matching_init(struct matching *mt, const uint32_t *mask, size_t nev)
{
	size_t e;
	int k;

	mt->nev = nev;
	mt->mask = mask;
	for (e = 0; e < nev; e++)
		mt->of_event[e] = -1;
	for (k = 0; k < MAXS; k++)
		mt->of_step[k] = -1;
}

static void
match_groups(struct scan *sc, size_t n)
{
	const struct jn_funnel_spec *spec = sc->spec;
	struct chain cand[MAXS];
	uint32_t gmask[MAXS * MAXS];
	size_t gev[MAXS * MAXS];
	size_t i = 0, j, ng;
	int s, k, r, rmax;

	while (i < n) {
		int64_t ts = EV(sc, i)->ts;
		struct matching mt;

		/* the group's step events; more than MAXS per step never help */
		for (j = i, ng = 0; j < n && EV(sc, j)->ts == ts; j++)
			if ((EV(sc, j)->mask & sc->steps) && ng < MAXS * MAXS) {
				gmask[ng] = EV(sc, j)->mask & sc->steps;
				gev[ng++] = j;
			}
		for (k = 0; k < spec->nsteps; k++) {
			cand[k].set = 0;
			cand[k].group = 0;
		}
		for (s = 0; s < spec->nsteps && ng > 0; s++) {
			const struct chain *base = s ? &sc->lv[s - 1] : NULL;
			int64_t first = ts;

			if (base != NULL) {
				if (!base->set || !within(spec, base->first, ts))
					continue;
				first = base->first;
			}
			rmax = (spec->flags & JN_FUNNEL_INCREASE) ? 1 :
			    spec->nsteps - s;
			matching_init(&mt, gmask, ng);
			for (r = 0; r < rmax && match_step(&mt, s + r); r++) {
				struct chain *c = &cand[s + r];
				int x;

				if (c->set && c->first >= first)
					continue;
				c->set = 1;
				c->first = first;
				c->last = ts;
				if (base != NULL) {
					memcpy(c->ts, base->ts,
					    (size_t)s * sizeof c->ts[0]);
					memcpy(c->ev, base->ev,
					    (size_t)s * sizeof c->ev[0]);
				}
				for (x = s; x <= s + r; x++) {
					c->ts[x] = ts;
					c->ev[x] = gev[mt.of_step[x]];
				}
			}
		}
		/* consecutive: a chain this time did not extend is broken */
		for (k = 0; k < spec->nsteps; k++) {
			/* cleared above for every k < nsteps */
			/* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Branch) */
			if (cand[k].set && (!sc->lv[k].set ||
			    cand[k].first >= sc->lv[k].first)) {
				copy_chain(&sc->lv[k], &cand[k], k + 1);
				record_best(sc, k);
			} else if (spec->order == JN_ORDER_CONSECUTIVE) {
				sc->lv[k].set = 0;
			}
		}
		if (sc->best_level == spec->nsteps)
			return;
		i = j;
	}
}

/* ---- one event per step, with ClickHouse's rules that end the scan ---- */

/*
 * The chain that lets the group's event gev[x] fill step k at time ts,
 * steps s..k-1 (s the first step filled at ts) filled by other events of
 * the group and steps 1..s from the latest-starting chain at level s
 * before ts: the latest start over s.  Returns 0 when there is none.
 */
static int
extend_once(const struct scan *sc, int64_t ts, const uint32_t *gmask,
    const size_t *gev, size_t ng, size_t x, int k, struct chain *out)
{
	const struct jn_funnel_spec *spec = sc->spec;
	uint32_t others[MAXS * MAXS];
	struct matching mt;
	int s, r, found = 0;

	memcpy(others, gmask, ng * sizeof others[0]);
	others[x] = 0;
	for (s = 0; s <= k; s++) {
		const struct chain *base = s ? &sc->lv[s - 1] : NULL;
		int64_t first = ts;

		if ((spec->flags & JN_FUNNEL_INCREASE) && s < k)
			continue;	/* no two steps at one time */
		if (base != NULL) {
			if (!base->set || !within(spec, base->first, ts))
				continue;
			first = base->first;
		}
		if (found && first <= out->first)
			continue;
		matching_init(&mt, others, ng);
		for (r = s; r < k && match_step(&mt, r); r++)
			;
		if (r < k)
			continue;
		found = 1;
		out->set = 1;
		out->group = 0;
		out->first = first;
		out->last = ts;
		if (base != NULL) {
			memcpy(out->ts, base->ts, (size_t)s * sizeof out->ts[0]);
			memcpy(out->ev, base->ev, (size_t)s * sizeof out->ev[0]);
		}
		for (r = s; r < k; r++) {
			out->ts[r] = ts;
			out->ev[r] = gev[mt.of_step[r]];
		}
		out->ts[k] = ts;
		out->ev[k] = gev[x];
	}
	return found;
}

/*
 * strict_once with strict_deduplication or strict_order, as ClickHouse's
 * getEventLevelStrictOnce scans it: entries in (time, step, row) order, a
 * level reached once any chain of distinct events has reached it; an entry
 * for a step already reached (dedup), or (strict order, after a step-1
 * entry) for a step whose predecessor is unreached, or a row matching no
 * step, ends the scan.  ClickHouse takes the rows sharing a time in input
 * order; here in increasing order of their step masks, so that the result
 * does not depend on the order of input lines.
 */
static void
match_once_stops(struct scan *sc, size_t n)
{
	const struct jn_funnel_spec *spec = sc->spec;
	int strict = spec->order == JN_ORDER_STRICT, started = 0, stop = 0;
	struct chain cand[MAXS], c;
	uint32_t gmask[MAXS * MAXS];
	size_t gev[MAXS * MAXS];
	size_t i = 0, j, ng, x;
	int k;

	while (i < n && !stop) {
		int64_t ts = EV(sc, i)->ts;
		int stepless = 0;

		/* the group's step events, by increasing mask (stable) */
		for (j = i, ng = 0; j < n && EV(sc, j)->ts == ts; j++) {
			uint32_t m = EV(sc, j)->mask & sc->steps;

			if (m == 0) {
				stepless = 1;
				continue;
			}
			if (ng == MAXS * MAXS)
				continue;
			for (x = ng; x > 0 && gmask[x - 1] > m; x--) {
				gmask[x] = gmask[x - 1];
				gev[x] = gev[x - 1];
			}
			gmask[x] = m;
			gev[x] = j;
			ng++;
		}
		if (strict && started && stepless)
			return;	/* a row matching no step comes first */
		for (k = 0; k < spec->nsteps; k++) {
			cand[k].set = 0;
			cand[k].group = 0;
		}
		for (k = 0; k < spec->nsteps && !stop; k++) {
			for (x = 0; x < ng; x++) {
				if (!(gmask[x] >> k & 1))
					continue;
				if (k == 0) {
					if (!cand[0].set) {
						cand[0].set = 1;
						cand[0].first = ts;
						cand[0].last = ts;
						cand[0].ts[0] = ts;
						cand[0].ev[0] = gev[x];
					}
					started = 1;
					continue;
				}
				if ((spec->flags & JN_FUNNEL_DEDUP) &&
				    (sc->lv[k].set || cand[k].set)) {
					stop = 1;	/* a step reached again */
					break;
				}
				if (!sc->lv[k - 1].set && !cand[k - 1].set) {
					if (!strict || !started ||
					    (spec->flags & JN_FUNNEL_REENTRY))
						continue;
					stop = 1;	/* came too early */
					break;
				}
				if (extend_once(sc, ts, gmask, gev, ng, x, k,
				    &c) && (!cand[k].set ||
				    c.first > cand[k].first))
					copy_chain(&cand[k], &c, k + 1);
				if (cand[k].set && k + 1 == spec->nsteps) {
					stop = 1;	/* the last step */
					break;
				}
			}
		}
		for (k = 0; k < spec->nsteps; k++)
			/* cleared above for every k < nsteps */
			/* NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Branch) */
			if (cand[k].set && (!sc->lv[k].set ||
			    cand[k].first >= sc->lv[k].first)) {
				copy_chain(&sc->lv[k], &cand[k], k + 1);
				record_best(sc, k);
			}
		i = j;
	}
}

/* ---- any order ---- */

/*
 * The most distinct steps matched inside one window [t, t + window], t the
 * time of some step event: two pointers over the time-sorted events with
 * a count of in-window events per step.  With one event per step the
 * window's events are matched to steps instead of counted.
 */
static int
window_matching(struct scan *sc, size_t lo, size_t hi, struct matching *mt,
    uint32_t *cmask, size_t *cev)
{
	const struct jn_funnel_spec *spec = sc->spec;
	int per_step[MAXS] = { 0 }, k, got = 0;
	size_t e, nc = 0;

	/* a step needs at most nsteps candidates to be matched if it can */
	for (e = lo; e < hi; e++) {
		uint32_t mask = EV(sc, e)->mask & sc->steps, keep = 0;

		for (k = 0; k < spec->nsteps; k++)
			if ((mask >> k & 1) && per_step[k] < spec->nsteps) {
				per_step[k]++;
				keep = 1;
			}
		if (keep) {
			cmask[nc] = mask;
			cev[nc++] = e;
		}
	}
	matching_init(mt, cmask, nc);
	for (k = 0; k < spec->nsteps; k++)
		got += match_step(mt, k);
	return got;
}

static void
match_any(struct scan *sc, size_t n, struct jn_funnel_match *m)
{
	const struct jn_funnel_spec *spec = sc->spec;
	size_t count[MAXS] = { 0 }, lo, hi = 0, best_lo = 0, best_hi = 0;
	int k, have = 0, best = 0, once = spec->flags & JN_FUNNEL_ONCE;
	uint32_t cmask[MAXS * MAXS];
	size_t cev[MAXS * MAXS];
	struct matching mt;

	for (lo = 0; lo < n && best < spec->nsteps; lo++) {
		uint32_t mask = EV(sc, lo)->mask & sc->steps;

		if (mask == 0)
			continue;
		while (hi < n && (spec->window == 0 ||
		    EV(sc, hi)->ts - EV(sc, lo)->ts <= spec->window)) {
			uint32_t hm = EV(sc, hi)->mask & sc->steps;

			for (k = 0; k < spec->nsteps; k++)
				if ((hm >> k & 1) && count[k]++ == 0)
					have++;
			hi++;
		}
		if (have > best) {
			int got = once ? window_matching(sc, lo, hi, &mt,
			    cmask, cev) : have;

			if (got > best) {
				best = got;
				best_lo = lo;
				best_hi = hi;
			}
		}
		for (k = 0; k < spec->nsteps; k++)
			if ((mask >> k & 1) && --count[k] == 0)
				have--;
	}
	m->level = best;
	if (best == 0)
		return;
	/* the filled steps' events, in time order */
	{
		int out = 0;
		size_t e, c;

		if (once) {
			window_matching(sc, best_lo, best_hi, &mt, cmask, cev);
			for (c = 0; c < mt.nev; c++)
				if (mt.of_event[c] >= 0) {
					/* cev[0..mt.nev) filled by the matching */
					/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
					m->ts[out] = EV(sc, cev[c])->ts;
					m->ev[out++] = cev[c];
				}
			return;
		}
		{
			uint32_t seen = 0;

			for (e = best_lo; e < best_hi && out < best; e++) {
				uint32_t mask = EV(sc, e)->mask & sc->steps;

				if (mask & ~seen) {
					seen |= mask;
					m->ts[out] = EV(sc, e)->ts;
					m->ev[out++] = e;
				}
			}
			/* an event filling several steps stands for each */
			while (out < best) {
				m->ts[out] = m->ts[out - 1];
				m->ev[out] = m->ev[out - 1];
				out++;
			}
		}
	}
}

const char *
jn_funnel_check(const struct jn_funnel_spec *spec)
{
	unsigned f = spec->flags;

	if (spec->nsteps < 1 || spec->nsteps > MAXS)
		return "a funnel has 1 to 32 steps";
	if ((f & JN_FUNNEL_REENTRY) && spec->order != JN_ORDER_STRICT)
		return "--reentry needs --order strict";
	if (spec->order == JN_ORDER_ANY &&
	    (f & (JN_FUNNEL_DEDUP | JN_FUNNEL_INCREASE)))
		return "--order any cannot be combined with --dedup or "
		    "--increase";
	if (spec->order == JN_ORDER_CONSECUTIVE && (f & JN_FUNNEL_DEDUP))
		return "PostHog's strict order cannot be combined with --dedup";
	return NULL;
}

void
jn_funnel_match(const struct jn_funnel_spec *spec, const struct jn_fev *ev,
    size_t stride, size_t n, struct jn_funnel_match *m)
{
	struct scan sc;
	int k;

	sc.spec = spec;
	sc.base = (const char *)ev;
	sc.stride = stride;
	sc.steps = spec->nsteps >= 32 ? UINT32_MAX :
	    (UINT32_C(1) << spec->nsteps) - 1;
	sc.best_level = 0;
	sc.group = 0;
	if (spec->order == JN_ORDER_ANY) {
		match_any(&sc, n, m);
		return;
	}
	for (k = 0; k < spec->nsteps; k++) {
		sc.lv[k].set = 0;
		sc.lv[k].group = 0;
		sc.old[k].set = 0;
	}
	if ((spec->flags & JN_FUNNEL_ONCE) && (spec->order == JN_ORDER_STRICT ||
	    (spec->flags & JN_FUNNEL_DEDUP)))
		match_once_stops(&sc, n);
	else if (spec->order == JN_ORDER_CONSECUTIVE ||
	    (spec->flags & JN_FUNNEL_ONCE))
		match_groups(&sc, n);
	else
		match_scan(&sc, n);
	result(&sc, m);
}

/* ---- PostHog's funnel UDF, with exclusions ---- */

/*
 * An attempt as the UDF keeps it (its EnteredTimestamp): the start of the
 * attempt, the exclusion that tainted it (x + 1, 0 if none) and the
 * events that filled its steps.
 */
struct ph_attempt {
	int set, excl, len;
	int64_t start;
	int64_t ts[MAXS];
	size_t ev[MAXS];
};

struct ph {
	const struct jn_funnel_spec *spec;
	const struct jn_funnel_excl *x;
	int nx;
	const char *base;
	size_t stride;
	uint32_t steps;
	struct ph_attempt at[MAXS + 1];	/* at[s]: the attempt at step s */
	struct ph_attempt max;		/* the furthest, len its step */
};

#define PEV(p, i) \
	((const struct jn_fev *)(const void *)((p)->base + (i) * (p)->stride))

/* The UDF's -s steps of an event's exclusions: bit s-1 for s. */
static uint32_t
ph_xsteps(const struct ph *p, uint32_t mask)
{
	uint32_t r = 0;
	int x, s;

	for (x = 0; x < p->nx; x++)
		if (mask >> (p->spec->nsteps + x) & 1)
			for (s = p->x[x].from + 1; s <= p->x[x].to; s++)
				r |= UINT32_C(1) << (s - 1);
	return r;
}

/* The first exclusion of the event between steps s-1 and s, x + 1. */
static int
ph_which(const struct ph *p, uint32_t mask, int s)
{
	int x;

	for (x = 0; x < p->nx; x++)
		if ((mask >> (p->spec->nsteps + x) & 1) &&
		    p->x[x].from < s && s <= p->x[x].to)
			return x + 1;
	return 0;
}

/* steps.rs process_event, for one of the event's steps s (1-based). */
static void
ph_step(struct ph *p, size_t i, int64_t ts, int s, int excl, int multi)
{
	struct ph_attempt *prev = &p->at[s - 1], *cur = &p->at[s];
	struct ph_attempt nw;
	int k;

	if (!prev->set || !within(p->spec, prev->start, ts))
		return;
	if (cur->set && cur->start == prev->start)
		return;		/* this attempt reached step s already */
	if (excl) {
		if (!prev->excl) {
			prev->excl = ph_which(p, PEV(p, i)->mask, s);
			if (p->max.len == s - 1 && !p->max.excl &&
			    within(p->spec, p->max.start, ts))
				p->max.excl = prev->excl;
		}
		return;
	}
	if (multi)	/* one event, one step, among events of a time */
		for (k = 0; k < prev->len; k++)
			if (prev->ev[k] == i)
				return;
	nw = *prev;
	nw.ts[nw.len] = ts;
	nw.ev[nw.len++] = i;
	if (!prev->excl)
		*cur = nw;
	if (s > p->max.len || (s == p->max.len && p->max.excl))
		p->max = nw;
}

/* One event alone: exclusions, then steps, last first; strict clears. */
static void
ph_event(struct ph *p, size_t i, int64_t ts)
{
	int nsteps = p->spec->nsteps, s;
	uint32_t mask = PEV(p, i)->mask, sm = mask & p->steps;
	uint32_t xs = ph_xsteps(p, mask);

	for (s = nsteps; s >= 2; s--)
		if (xs >> (s - 1) & 1)
			ph_step(p, i, ts, s, 1, 0);
	for (s = nsteps; s >= 1; s--)
		if (sm >> (s - 1) & 1)
			ph_step(p, i, ts, s, 0, 0);
	if (p->spec->order == JN_ORDER_CONSECUTIVE)
		for (s = 1; s <= nsteps; s++)
			if (!(sm >> (s - 1) & 1))
				p->at[s].set = p->at[s].excl = 0;
}

/*
 * The next mask of the group [i, j) in increasing order: the smallest
 * above *m (any, first), into *m; 0 when none is left.
 */
static int
ph_next_mask(const struct ph *p, size_t i, size_t j, int first,
    uint32_t *m)
{
	int found = 0;
	uint32_t best = 0;
	size_t e;

	for (e = i; e < j; e++) {
		uint32_t x = PEV(p, e)->mask;

		if ((first || x > *m) && (!found || x < best)) {
			best = x;
			found = 1;
		}
	}
	*m = best;
	return found;
}

static void
ph_ordered(struct ph *p, size_t n)
{
	int nsteps = p->spec->nsteps, s;
	size_t i = 0, j, e;

	while (i < n) {
		int64_t ts = PEV(p, i)->ts;
		int strict = p->spec->order == JN_ORDER_CONSECUTIVE;
		int same = 1, seen = 0;
		uint32_t m0 = 0, m = 0;

		/* the UDF sees events matching no step in strict order only */
		for (j = i; j < n && PEV(p, j)->ts == ts; j++) {
			uint32_t mj = PEV(p, j)->mask;

			if (mj == 0 && !strict)
				continue;
			if (seen++ == 0)
				m0 = mj;
			same &= mj == m0;
		}
		p->at[0].set = 1;
		p->at[0].excl = 0;
		p->at[0].len = 0;
		p->at[0].start = ts;
		if (same) {
			/* one event, or events that all match alike */
			for (e = i; e < j; e++)
				ph_event(p, e, ts);
		} else {
			/*
			 * Events that differ: their steps one by one, lowest
			 * step first, no exclusion and no strict clearing.
			 */
			for (s = 1; s <= nsteps; s++) {
				int first = 1;

				while (ph_next_mask(p, i, j, first, &m)) {
					for (e = i; e < j; e++)
						if (PEV(p, e)->mask == m &&
						    (m >> (s - 1) & 1))
							ph_step(p, e, ts, s,
							    0, 1);
					first = 0;
				}
			}
		}
		if (p->at[nsteps].set)
			break;
		i = j;
	}
}

/*
 * unordered_steps.rs: per step a queue of the events that filled it; an
 * event goes to the step, among those it matches, whose queue's last
 * event is the oldest; events older than the window are dropped from the
 * front, the furthest level being recorded before; an exclusion empties
 * every queue.  The queues are linked through nxt[], an event being in
 * one queue at most.
 */
struct ph_queues {
	size_t head[MAXS], tail[MAXS], len[MAXS];
	size_t *nxt;
	int done;	/* steps with a non-empty queue */
};

static void
ph_update_max(struct ph *p, const struct ph_queues *q)
{
	int nsteps = p->spec->nsteps, k, a, b;
	size_t fr[MAXS];
	int nf = 0;

	if (q->done <= p->max.len)
		return;
	for (k = 0; k < nsteps; k++)
		if (q->len[k] > 0)
			fr[nf++] = q->head[k];
	/* the queues' fronts, in time order (few: insertion sort) */
	for (a = 1; a < nf; a++)
		for (b = a; b > 0 && PEV(p, fr[b - 1])->ts >
		    PEV(p, fr[b])->ts; b--) {
			size_t t = fr[b];

			fr[b] = fr[b - 1];
			fr[b - 1] = t;
		}
	p->max.set = 1;
	p->max.excl = 0;
	p->max.len = nf;
	for (a = 0; a < nf; a++) {
		p->max.ts[a] = PEV(p, fr[a])->ts;
		p->max.ev[a] = fr[a];
	}
}

static void
ph_unordered_event(struct ph *p, struct ph_queues *q, size_t i)
{
	const struct jn_funnel_spec *spec = p->spec;
	int64_t ts = PEV(p, i)->ts;
	uint32_t sm = PEV(p, i)->mask & p->steps;
	int k, best;

	for (;;) {
		int old = -1;

		for (k = 0; k < spec->nsteps; k++)
			if (q->len[k] > 0 && (old < 0 ||
			    PEV(p, q->head[k])->ts <
			    PEV(p, q->head[old])->ts))
				old = k;
		if (old < 0)
			break;
		if (q->done < spec->nsteps && (spec->window == 0 ||
		    PEV(p, q->head[old])->ts + spec->window >= ts))
			break;
		ph_update_max(p, q);
		q->head[old] = q->nxt[q->head[old]];
		if (--q->len[old] == 0)
			q->done--;
	}
	if (sm == 0) {		/* an exclusion: start again */
		for (k = 0; k < spec->nsteps; k++)
			q->len[k] = 0;
		q->done = 0;
		return;
	}
	/* the lowest step whose queue ends earliest (an empty one first) */
	for (best = 0; !(sm >> best & 1); best++)
		;
	for (k = best + 1; k < spec->nsteps; k++)
		if ((sm >> k & 1) && (q->len[k] == 0 ? INT64_MIN :
		    PEV(p, q->tail[k])->ts) < (q->len[best] == 0 ?
		    INT64_MIN : PEV(p, q->tail[best])->ts))
			best = k;
	q->nxt[i] = (size_t)-1;
	if (q->len[best]++ == 0) {
		q->head[best] = i;
		q->done++;
	} else {
		q->nxt[q->tail[best]] = i;
	}
	q->tail[best] = i;
}

static void
ph_unordered(struct ph *p, size_t n)
{
	struct ph_queues q;
	size_t i = 0, j, e, last = (size_t)-1;
	uint32_t m = 0;

	/* the last event the UDF sees, in (time, mask, index) order */
	for (e = 0; e < n; e++)
		if (PEV(p, e)->mask != 0 && (last == (size_t)-1 ||
		    PEV(p, e)->ts > PEV(p, last)->ts ||
		    (PEV(p, e)->ts == PEV(p, last)->ts &&
		    PEV(p, e)->mask >= PEV(p, last)->mask)))
			last = e;
	if (last == (size_t)-1)
		return;
	memset(&q, 0, sizeof q);
	q.nxt = jn_xmalloc(n * sizeof q.nxt[0]);
	while (i < n) {
		int64_t ts = PEV(p, i)->ts;
		int first = 1;

		for (j = i; j < n && PEV(p, j)->ts == ts; j++)
			;
		while (ph_next_mask(p, i, j, first, &m)) {
			for (e = i; e < j && m != 0; e++) {
				if (PEV(p, e)->mask != m)
					continue;
				ph_unordered_event(p, &q, e);
				if (p->max.len == p->spec->nsteps)
					goto out;
				if (e == last)
					ph_update_max(p, &q);
			}
			first = 0;
		}
		i = j;
	}
out:
	free(q.nxt);
}

int
jn_funnel_posthog(const struct jn_funnel_spec *spec,
    const struct jn_funnel_excl *excl, int nx, const struct jn_fev *ev,
    size_t stride, size_t n, struct jn_funnel_match *m)
{
	struct ph p;

	p.spec = spec;
	p.x = excl;
	p.nx = nx;
	p.base = (const char *)ev;
	p.stride = stride;
	p.steps = spec->nsteps >= 32 ? UINT32_MAX :
	    (UINT32_C(1) << spec->nsteps) - 1;
	memset(p.at, 0, sizeof p.at);
	memset(&p.max, 0, sizeof p.max);
	if (spec->order == JN_ORDER_ANY)
		ph_unordered(&p, n);
	else
		ph_ordered(&p, n);
	m->level = p.max.len;
	memcpy(m->ts, p.max.ts, (size_t)m->level * sizeof m->ts[0]);
	memcpy(m->ev, p.max.ev, (size_t)m->level * sizeof m->ev[0]);
	return p.max.excl;
}
