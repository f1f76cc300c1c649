/*
 * Survey answers (SPEC section 12, journey(7) SURVEY ANSWERS): Net
 * Promoter Score answers 0-10, customer satisfaction (CSAT) 1-5 and
 * customer effort (CES) 1-7, read by the input layer from the fields
 * --nps, --csat and --ces name, and the arithmetic of their summaries.
 *
 * A summary keeps counts only (answers, promoters, detractors, satisfied
 * answers, the sum of effort answers), so that two summaries merge
 * exactly by adding, whatever the order of units, workers (-j) or shards
 * (--partial, --merge); the scores and their intervals are computed from
 * the counts at the end.
 */
#ifndef JOURNEY_SCORE_H
#define JOURNEY_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "journey/writer.h"

enum jn_score_kind { JN_NPS, JN_CSAT, JN_CES, JN_NSCORES };

/* The lowest and highest answer of each kind: 0-10, 1-5, 1-7. */
extern const int jn_score_min[JN_NSCORES], jn_score_max[JN_NSCORES];
/* "NPS", "CSAT", "CES", for messages. */
extern const char *const jn_score_name[JN_NSCORES];

/*
 * Read one answer s[0..len) (not empty) of kind k: a whole number in the
 * kind's range, written as a number ("9", "9.0"; with --decimal-comma
 * "9,0").  Returns 0 with *out set, or -1 when it is not a number, not
 * whole or out of range (the caller rejects the record).  Cannot fail
 * otherwise.
 */
int jn_score_parse(enum jn_score_kind k, const char *s, size_t len,
    int *out);

/* Counts of the answers of a set of events (a unit, a segment, ...). */
struct jn_scores {
	uint64_t responses;		/* events with at least one answer */
	uint64_t n[JN_NSCORES];		/* answers of each kind */
	uint64_t promoters, detractors;	/* NPS answers 9-10, 0-6 */
	uint64_t satisfied;		/* CSAT answers 4-5 */
	uint64_t ces_sum;		/* the CES answers added */
	uint64_t ces_sq;		/* and their squares */
};

/* The number of counts in a struct jn_scores, for states. */
#define JN_SCORES_NCOUNTS 9

/*
 * Add one event's answers: ans[k] is its answer of kind k, or -1 for
 * none.  An event with no answer adds nothing.  Cannot fail.
 */
void jn_scores_add(struct jn_scores *s, const int8_t ans[JN_NSCORES]);
/* to += from, exactly.  Cannot fail. */
void jn_scores_merge(struct jn_scores *to, const struct jn_scores *from);
/*
 * The counts as JN_SCORES_NCOUNTS integers in a fixed order, and back
 * (for --partial states).  jn_scores_set returns 0, or -1 when the counts
 * cannot be one set of answers (a negative count, more promoters and
 * detractors than NPS answers, more satisfied than CSAT answers, effort
 * sums no answers of 1-7 can make).
 */
void jn_scores_get(const struct jn_scores *s, int64_t v[JN_SCORES_NCOUNTS]);
int jn_scores_set(struct jn_scores *s, const int64_t v[JN_SCORES_NCOUNTS]);

/* An estimate and its 95% interval. */
struct jn_score_est {
	double value, lower, upper;
	double se;			/* its standard error */
};

/*
 * NPS in points, -100 to 100: 100 (promoters - detractors) / answers.
 * Its standard error treats each answer as a draw from three shares,
 * promoters p and detractors q: sqrt((p + q - (p - q)^2) / n), in
 * points; the interval is the estimate plus and minus 1.96 of it,
 * clipped to [-100, 100].  Returns 0, or -1 (nothing set) without NPS
 * answers.
 */
int jn_scores_nps(const struct jn_scores *s, struct jn_score_est *e);

/*
 * One stratum of an NPS comparison: answers, promoters and detractors of
 * the affected units (a) and of the baseline's (b).
 */
struct jn_nps_stratum {
	uint64_t n_a, p_a, d_a, n_b, p_b, d_b;
};

/*
 * The NPS gap of affected units against a stratified baseline, in
 * points: over the strata with answers on both sides ("covered"), w_s =
 * n_a,s / N (N the covered affected answers), gap = sum_s w_s (NPS_a,s -
 * NPS_b,s), each NPS as jn_scores_nps's; its standard error sqrt(sum_s
 * w_s^2 (v_a,s / n_a,s + v_b,s / n_b,s)) in points, v = p + q - (p -
 * q)^2 per side as jn_scores_nps's but with the shares p = (promoters +
 * 1) / (n + 3) and q = (detractors + 1) / (n + 3), so that a side of one
 * answer, or of answers all alike, does not claim no spread; lower and
 * upper the gap -/+ 1.96 of it, clipped to [-200, 200].  *covered is N.  Returns 0, or -1 (only
 * *covered set, to 0) without a covered stratum.
 */
int jn_scores_nps_gap(const struct jn_nps_stratum *s, size_t n,
    struct jn_score_est *e, uint64_t *covered);
/*
 * CSAT: the share (0 to 1) of CSAT answers that are 4 or 5, with its
 * 95% Wilson score interval.  Returns 0, or -1 without CSAT answers.
 */
int jn_scores_csat(const struct jn_scores *s, struct jn_score_est *e);
/*
 * CSAT's standard error is sqrt(p (1 - p) / n).
 *
 * CES: the mean effort answer (1 to 7), its standard error from the
 * answers' sample variance, sqrt(var / n), and the mean plus and minus
 * 1.96 of it, clipped to [1, 7]; with one answer the interval is the
 * whole scale, 1 to 7.  Returns 0, or -1 without CES answers.
 */
int jn_scores_ces(const struct jn_scores *s, struct jn_score_est *e);

/*
 * ---- Writing the figures ----
 *
 * One precision for each figure wherever it is written (journey(7)
 * SURVEY ANSWERS): NPS points and their bounds with 1 decimal (24.1,
 * -100.0), the CSAT share with 4 (0.6667; a rate column shows 66.7% in
 * tables), the CES mean with 2 (4.50); zeros kept, so that a column
 * reads at one precision.  The estimates keep full precision for
 * predicates, gates and anomaly detection: only what is written rounds.
 */
extern const int jn_score_decimals[JN_NSCORES];

/* Figure v of kind k as a cell at its decimals (jn_cell_fixed). */
struct jn_cell jn_score_cell(enum jn_score_kind k, double v);

/*
 * The survey columns of a reporter's table, in order: responses, nps,
 * nps_lower, nps_upper, csat (a JN_COL_RATE), ces.
 */
#define JN_SCORE_NCOLS 6
extern const struct jn_column jn_score_columns[JN_SCORE_NCOLS];

/*
 * The cells of sc under jn_score_columns into c, empty where there is
 * no answer of the kind (all empty but responses 0 for no answers);
 * without interval, nps_lower and nps_upper are left out.  Returns the
 * number of cells written: JN_SCORE_NCOLS, or 2 fewer.  Cannot fail.
 */
size_t jn_scores_cells(const struct jn_scores *sc, int interval,
    struct jn_cell *c);

/*
 * The kind of figure a column of that name holds in the toolkit's
 * tables (nps, nps_lower, nps_upper: JN_NPS; csat: JN_CSAT; ces:
 * JN_CES), or -1: for a tool that reads tables back (jreport) to write
 * them at the same precision.  Cannot fail.
 */
int jn_score_column(const char *name);

#endif
