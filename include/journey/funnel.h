/*
 * The funnel engine: given one unit's events in time order, how far down
 * the funnel the unit got and through which events.  Kept apart from the
 * jfunnel tool so that the test suite can compare it with slow reference
 * implementations on random event sets.
 *
 * Semantics (SPEC section 2): the default equals ClickHouse's
 * windowFunnel(window): entries (time, step) for every step an event
 * matches, taken in (time, step) order; a step-1 entry (re)starts the chain
 * at level 1 keeping its time as the chain start; a step-k entry extends a
 * chain that has reached level k-1 when its time is within the window of
 * that chain's start.  The result is the highest level reached.  The
 * flags add ClickHouse's modes (strict_deduplication, strict_increase,
 * strict_once, allow_reentry), in every combination ClickHouse accepts;
 * the orders add ClickHouse's strict_order, PostHog's strict (consecutive
 * events) and unordered funnels.
 */
#ifndef JOURNEY_FUNNEL_H
#define JOURNEY_FUNNEL_H

#include <stddef.h>
#include <stdint.h>

#define JN_FUNNEL_MAX_STEPS 32

enum jn_funnel_order {
	JN_ORDER_DEFAULT = 0,	/* ClickHouse windowFunnel */
	JN_ORDER_STRICT,	/* ClickHouse strict_order: after step 1, an
				 * event matching no step, or a step whose
				 * predecessor is unreached, ends the scan */
	JN_ORDER_CONSECUTIVE,	/* PostHog strict: the steps are consecutive
				 * events of the unit; any other event breaks
				 * the chains it does not extend */
	JN_ORDER_ANY		/* steps in any order within the window */
};

enum {
	JN_FUNNEL_DEDUP = 1,	/* a step reached again ends the scan */
	JN_FUNNEL_INCREASE = 2,	/* each step strictly later than the last;
				 * exact, unlike ClickHouse's greedy scan */
	JN_FUNNEL_ONCE = 4,	/* one event fills at most one step */
	JN_FUNNEL_REENTRY = 8	/* strict order: a step arriving before its
				 * predecessor is skipped, not fatal */
};

struct jn_funnel_spec {
	int nsteps;			/* 1..JN_FUNNEL_MAX_STEPS */
	int64_t window;			/* ns; 0 = unlimited */
	enum jn_funnel_order order;
	unsigned flags;			/* JN_FUNNEL_* */
};

/*
 * One event of a unit: its time and the steps it matches (bit k-1 for step
 * k).  Bits at nsteps and above are ignored, so a caller may keep other
 * flags there (jfunnel keeps its exclusions).
 */
struct jn_fev {
	int64_t ts;
	uint32_t mask;
	uint32_t aux;	/* the caller's (the engine ignores it): no padding */
};

/* The counted chain of a unit. */
struct jn_funnel_match {
	int level;			/* 0..nsteps */
	int64_t ts[JN_FUNNEL_MAX_STEPS];	/* time of each filled step */
	size_t ev[JN_FUNNEL_MAX_STEPS];	/* index of the event filling it */
};

/*
 * Check that spec's order and flags go together.  Returns NULL when they
 * do, else a sentence saying why not (static, not to be freed).
 */
const char *jn_funnel_check(const struct jn_funnel_spec *spec);

/*
 * Match the n events at ev, stride bytes apart (a caller's larger records
 * may start with a struct jn_fev; pass sizeof(struct jn_fev) for a plain
 * array), sorted by time (equal times in any order: the engine orders
 * ties itself), against spec.  Fills *m; steps 1..m->level are set, with
 * the times and events of the chain that reached that level (for any
 * order, the steps in time order).  Cannot fail.
 */
void jn_funnel_match(const struct jn_funnel_spec *spec,
    const struct jn_fev *ev, size_t stride, size_t n,
    struct jn_funnel_match *m);

/* An exclusion between steps from and to (1-based, from < to). */
struct jn_funnel_excl {
	int from, to;
};

/*
 * PostHog's funnel with exclusions, as its funnel UDF computes it
 * (funnel-udf/src/steps.rs for the default and strict orders,
 * unordered_steps.rs for any order); spec's order is JN_ORDER_DEFAULT,
 * JN_ORDER_CONSECUTIVE or JN_ORDER_ANY, its flags are not used (one
 * event fills one step, as in PostHog).  Exclusion x of the nx at excl
 * is bit nsteps + x of an event's mask (nsteps + nx <= 32); any order
 * takes every exclusion over the whole funnel.  Events as for
 * jn_funnel_match; the events sharing a time are taken in increasing
 * order of their masks.  Returns 0 and fills *m, or returns x + 1 when
 * the unit's furthest attempt was tainted by exclusion x (PostHog then
 * leaves the unit out of every step; *m->level is its level).  Cannot
 * fail.
 */
int jn_funnel_posthog(const struct jn_funnel_spec *spec,
    const struct jn_funnel_excl *excl, int nx, const struct jn_fev *ev,
    size_t stride, size_t n, struct jn_funnel_match *m);

#endif
