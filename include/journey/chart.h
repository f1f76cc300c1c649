/*
 * Charts of the toolkit's tables, shared by the tools that draw them
 * (jreport, jpath -o html): a table's chart is SVG text built with
 * journey/svg.h into a jn_chart, with the one or two sentences that sum
 * it up (lede) and what the chart leaves out (note).  Horizontal bars,
 * heat cells, the journey pictures (the directly-follows graph, its
 * transitions and variants as bars, the next steps as a matrix, the
 * step-indexed flows as a Sankey) and the report's (funnels, segments,
 * backlogs, friction, comparisons, retention, stickiness, KPI watches).
 * Output depends only on the table.
 */
#ifndef JOURNEY_CHART_H
#define JOURNEY_CHART_H

#include <stddef.h>

#include "journey/svg.h"
#include "journey/table.h"
#include "journey/util.h"
#include "journey/writer.h"

#define JN_CHART_WIDTH 640.0	/* a chart beside its table */
#define JN_CHART_WIDE 1100.0	/* a chart above its table */
#define JN_CHART_ROW 22.0	/* a bar's row */
#define JN_CHART_LABEL_MAX 32	/* characters of a bar's label */

/* What one table's section shows: its heading, summary and chart. */
struct jn_chart {
	const struct jn_table *t;
	enum jn_table_kind kind;
	int group;		/* the --by column, or -1 */
	char heading[128];
	struct jn_strbuf lede;	/* one sentence or two, plain text */
	struct jn_strbuf note;	/* under the chart: what was left out */
	struct jn_strbuf svg;	/* the chart, or empty */
	int wide;		/* chart above the table, full width */
	int *hl;		/* rows to highlight in the table, or NULL */
	size_t top;		/* --top: bars and rows drawn at most */
};

/* Cell (r, c), "" when absent.  Cannot fail. */
const char *jn_chart_cell(const struct jn_table *t, size_t r, int c);
/* Cell of row r in the column named col, "" when absent. */
const char *jn_chart_text(const struct jn_table *t, size_t r,
    const char *col);
/* The number in column col of row r: 0, or -1 when empty or not one. */
int jn_chart_num(const struct jn_table *t, size_t r, const char *col,
    double *d);
/* The same, 0 when empty or not a number. */
double jn_chart_num0(const struct jn_table *t, size_t r, const char *col);
/* The group of row r ("" when none). */
const char *jn_chart_group(const struct jn_chart *s, size_t r);
/* The first row after r of another group (or nrows). */
size_t jn_chart_next_group(const struct jn_chart *s, size_t r);
/* "group · label", or label alone, cut to size (whole UTF-8 sequences). */
void jn_chart_labelled(char *buf, size_t size, const char *group,
    const char *label);

/* A horizontal bar. */
struct jn_bar {
	char label[160];
	double v, lo, hi;	/* lo, hi: an interval, NaN when none */
	const char *cls;
	char tail[96];		/* text after the bar */
};

/* n bars, class "bar", no interval.  Free with free(). */
struct jn_bar *jn_bars_new(size_t n);
/*
 * Horizontal bars into s->svg, one a row, with their labels on the left
 * and tail text on the right, over a nice axis from 0 (or the lowest
 * value or interval end below it); axis names it.
 */
void jn_chart_hbars(struct jn_chart *s, const struct jn_bar *bars,
    size_t n, enum jn_coltype type, const char *axis);
/* Says in s->note that the chart shows shown of n what (--top). */
void jn_chart_cut_note(struct jn_chart *s, size_t shown, size_t n,
    const char *what);

/* Distinct names in order of arrival, each with a summed weight. */
struct jn_names {
	char **v;
	double *w;
	size_t n, cap;
};
/* Index of s, added with weight w or w added to it. */
size_t jn_names_add(struct jn_names *ns, const char *s, double w);
/* Index of s, or SIZE_MAX. */
size_t jn_names_find(const struct jn_names *ns, const char *s);
void jn_names_free(struct jn_names *ns);

/* A heat cell: opacity from v / vmax, its text white on dark cells. */
void jn_heat_cell(struct jn_strbuf *b, double x, double y, double w,
    double h, double v, double vmax, const char *label, const char *tip);

/*
 * The journey pictures of jpath's tables: edges (from, to, transitions)
 * as bars of the --top most frequent moves, variants (variant, units,
 * share) as bars, next (touchpoint, next, units, share) as a matrix of
 * shares, steps (step, from, to, units) as a Sankey, one panel per group.
 * Each fills s->svg, s->lede and s->note; s->t, s->group, s->heading and
 * s->top are the caller's.
 */
void jn_chart_edges(struct jn_chart *s);
void jn_chart_variants(struct jn_chart *s);
void jn_chart_next(struct jn_chart *s);
void jn_chart_steps(struct jn_chart *s);
/*
 * Edges as the directly-follows graph itself, cycles kept: each
 * touchpoint in the column of the first step at which a path from
 * (start) reaches it ((end) last, what no path reaches before it), the
 * s->top most used touchpoints drawn, each move a curve as wide as its
 * transitions, moves back to an earlier column as arcs under the nodes,
 * the most frequent labelled with transitions and median time.  With a
 * group column, the bars of jn_chart_edges.
 */
void jn_chart_graph(struct jn_chart *s);

/*
 * The pictures of the report's tables (chart_report.c), each filling
 * s->svg, s->lede and s->note (and s->hl, the rows to highlight) as the
 * journey pictures do, from the columns the tool wrote:
 * - funnel (step, name, count): a bar a step, the part lost since the
 *   step before shaded and labelled with the drop-off, a panel a group;
 * - segments (segment, users, share, conversion), stickiness
 *   (active_periods, units, rate), backlog (score, priority, kind,
 *   touchpoint, why) and friction items (revenue_at_risk with its
 *   interval, else users): bars of the s->top first rows;
 * - compare (jcompare's verdicts): a forest plot of each row's change
 *   with its 95% interval, colored by verdict;
 * - retention (cohort, period, rate): a heat map, cohorts down, periods
 *   across, with the size-weighted average row;
 * - watch (period, kpi, value, expected band, flags): a line a KPI, the
 *   expected band shaded, flagged periods marked and labelled.
 */
void jn_chart_funnel(struct jn_chart *s);
void jn_chart_segments(struct jn_chart *s);
void jn_chart_backlog(struct jn_chart *s);
void jn_chart_friction(struct jn_chart *s);
void jn_chart_stickiness(struct jn_chart *s);
void jn_chart_compare(struct jn_chart *s);
void jn_chart_retention(struct jn_chart *s);
void jn_chart_watch(struct jn_chart *s);

/*
 * Whether KPI kpi (in column kpi_col) of a watch table is a rate, shown
 * as a percentage, judged on rows [r0, r1): conversion, bounce_rate and
 * error_rate are; another is when each of its rows has a denominator
 * and a value between 0 and 1.
 */
int jn_chart_kpi_is_rate(const struct jn_table *t, size_t r0, size_t r1,
    int kpi_col, const char *kpi);

/*
 * The numbers of t as an HTML table, every row and column, formatted as
 * the table format does (jn_svg_number): types gives each column's type
 * (NULL: by its name, jn_table_coltype), a row r with rate[r] (rate may
 * be NULL) shows its plain numbers as rates except score, numerator and
 * denominator, and a row r with hl[r] (hl may be NULL) is highlighted.
 * Cannot fail.
 */
void jn_chart_numbers(struct jn_strbuf *b, const struct jn_table *t,
    const int *hl, const enum jn_coltype *types, const unsigned char *rate);

/* Free what a chart holds (not s itself, nor its table). */
void jn_chart_release(struct jn_chart *s);

#endif
