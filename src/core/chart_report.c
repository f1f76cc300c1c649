/*
 * The charts of the report's tables (journey/chart.h): funnels, segments,
 * backlogs, friction items, comparisons with a baseline, retention,
 * stickiness and KPI watches, each drawn from the table as the tool
 * wrote it, recognized by its columns (jn_table_kind).  jreport puts
 * them on its page; chart.c has the helpers and the journey maps.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/chart.h"
#include "journey/svg.h"
#include "journey/table.h"
#include "journey/util.h"
#include "journey/writer.h"

#include "chart_local.h"

/* ---- funnel ---- */

/*
 * The funnel: a bar a step, its length the units reaching it, the part
 * lost since the step before shaded and labelled with the drop-off.
 * One panel per group.
 */
void
jn_chart_funnel(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	double maxc = 0, lw = 0, x0, x1, y, h = 0, ticks[16];
	struct jn_scale sc;
	size_t r, e, nt, ngroups = 0;
	char buf[256], vb[64], pb[64], tip[320];
	double best = -1, worst = 2, cv;
	const char *bestg = NULL, *worstg = NULL;
	double dmax = -1;
	size_t dmax_r = 0;

	for (r = 0; r < t->nrows; r++) {
		maxc = fmax(maxc, num0(t, r, "count"));
		lw = fmax(lw, jn_svg_text_width(jn_utf8_len(text(t, r,
		    "name")) + 4));
	}
	for (r = 0; r < t->nrows; r = next_group(s, r))
		ngroups++;
	lw = fmin(lw, jn_svg_text_width(LABEL_MAX));
	x0 = lw + 14;
	x1 = WIDTH - 150;
	{
		double lo = 0, hi = maxc;

		jn_nice(&lo, &hi, 5);
		nt = jn_ticks(lo, hi, 5, ticks, NELEM(ticks));
		jn_scale_init(&sc, 0, hi, x0, x1);
	}
	h = 24 + (double)t->nrows * (ROW + 14) +
	    (double)ngroups * (s->group >= 0 ? 26 : 4) + 24;
	jn_svg_begin(&s->svg, WIDTH, h, s->heading, NULL, 0);
	y = 20;
	jn_svg_axis_x(&s->svg, &sc, ticks, nt, 10, h - 22, JN_COL_INT);
	for (r = 0; r < t->nrows; r = e) {
		double prev = NAN, first = NAN, last = NAN;
		size_t i;

		e = next_group(s, r);
		if (s->group >= 0) {
			y += 8;
			jn_svg_text(&s->svg, 4, y + 10, "start", "head",
			    group_of(s, r), 40);
			y += 18;
		}
		for (i = r; i < e; i++) {
			double c = num0(t, i, "count"), a = jn_scale_map(&sc, 0);
			double x = jn_scale_map(&sc, c), conv;

			if (isnan(first))
				first = c;
			last = c;
			/* jfunnel's conversion, or the count over the first's */
			if (num(t, i, "conversion", &conv) != 0)
				conv = first > 0 ? c / first : 0;
			snprintf(buf, sizeof buf, "%s %s", text(t, i, "step"),
			    text(t, i, "name"));
			jn_svg_text(&s->svg, x0 - 8, y + 15, "end", "label",
			    buf, LABEL_MAX);
			snprintf(tip, sizeof tip, "%s: %s units, %s of the "
			    "first step", buf, fmt(vb, sizeof vb, JN_COL_INT,
			    c), fmt(pb, sizeof pb, JN_COL_RATE,
			    conv));
			if (!isnan(prev) && prev > c)
				jn_svg_rect(&s->svg, x, y + 3,
				    jn_scale_map(&sc, prev) - x, ROW - 6,
				    "lost", NULL);
			jn_svg_rect(&s->svg, a, y + 3, x - a, ROW - 6, "bar",
			    tip);
			snprintf(buf, sizeof buf, "%s (%s)", fmt(vb, sizeof vb,
			    JN_COL_INT, c), fmt(pb, sizeof pb, JN_COL_RATE,
			    conv));
			jn_svg_text(&s->svg, (isnan(prev) ? x :
			    fmax(x, jn_scale_map(&sc, prev))) + 6, y + 15,
			    "start", "value", buf, 0);
			if (!isnan(prev)) {
				double d = prev - c;

				snprintf(buf, sizeof buf, "\xe2\x88\x92%s lost "
				    "here (%s of the step before)",
				    fmt(vb, sizeof vb, JN_COL_INT, d),
				    fmt(pb, sizeof pb, JN_COL_RATE, prev > 0 ?
				    d / prev : 0));
				jn_svg_text(&s->svg, x + 4, y - 1, "start",
				    "drop", buf, 0);
				if (d > dmax) {
					dmax = d;
					dmax_r = i;
				}
			}
			prev = c;
			y += ROW + 14;
		}
		cv = first > 0 ? last / first : 0;
		if (s->group >= 0 && e > r + 1) {
			if (cv > best) {
				best = cv;
				bestg = group_of(s, r);
			}
			if (cv < worst) {
				worst = cv;
				worstg = group_of(s, r);
			}
		}
	}
	jn_svg_end(&s->svg);
	if (t->nrows == 0)
		return;
	if (s->group < 0) {
		double f = num0(t, 0, "count"), l = num0(t, t->nrows - 1,
		    "count");

		jn_strbuf_printf(&s->lede, "%s of %s units ",
		    fmt(vb, sizeof vb, JN_COL_INT, l),
		    fmt(pb, sizeof pb, JN_COL_INT, f));
		jn_strbuf_printf(&s->lede, "(%s) reached %s.",
		    fmt(vb, sizeof vb, JN_COL_RATE, f > 0 ? l / f : 0),
		    text(t, t->nrows - 1, "name"));
	} else if (bestg && worstg) {
		jn_strbuf_printf(&s->lede, "By %s: %s converts best (%s), ",
		    t->names[s->group], bestg,
		    fmt(vb, sizeof vb, JN_COL_RATE, best));
		jn_strbuf_printf(&s->lede, "%s worst (%s).", worstg,
		    fmt(vb, sizeof vb, JN_COL_RATE, worst));
	}
	if (dmax > 0) {
		double prev = num0(t, dmax_r - 1, "count");

		labelled(buf, sizeof buf, group_of(s, dmax_r),
		    text(t, dmax_r - 1, "name"));
		jn_strbuf_printf(&s->lede, " The largest drop-off is %s "
		    "\xe2\x86\x92 %s: %s units lost", buf,
		    text(t, dmax_r, "name"),
		    fmt(vb, sizeof vb, JN_COL_INT, dmax));
		jn_strbuf_printf(&s->lede, " (%s).", fmt(pb, sizeof pb,
		    JN_COL_RATE, prev > 0 ? dmax / prev : 0));
		s->hl = jn_xcalloc(t->nrows, sizeof *s->hl);
		s->hl[dmax_r] = 1;
	}
}

/* ---- bars of other tables ---- */

void
jn_chart_segments(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	size_t n = t->nrows < s->top ? t->nrows : s->top, r;
	struct jn_bar *b = new_bars(n);
	char vb[64], pb[64], cb[64];
	size_t big = 0;

	for (r = 0; r < n; r++) {
		labelled(b[r].label, sizeof b[r].label, group_of(s, r),
		    text(t, r, "segment"));
		b[r].v = num0(t, r, "users");
		snprintf(b[r].tail, sizeof b[r].tail, "%s (%s), %s convert",
		    fmt(vb, sizeof vb, JN_COL_INT, b[r].v),
		    fmt(pb, sizeof pb, JN_COL_RATE, num0(t, r, "share")),
		    fmt(cb, sizeof cb, JN_COL_RATE, num0(t, r, "conversion")));
		if (b[r].v > b[big].v)
			big = r;
	}
	hbars(s, b, n, JN_COL_INT, "users");
	cut_note(s, n, t->nrows, "segments");
	if (n > 0)
		jn_strbuf_printf(&s->lede, "%zu segments; the largest is %s "
		    "with %s users (%s).", t->nrows, b[big].label,
		    fmt(vb, sizeof vb, JN_COL_INT, b[big].v),
		    fmt(pb, sizeof pb, JN_COL_RATE, num0(t, big, "share")));
	free(b);
}

void
jn_chart_backlog(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	size_t n = t->nrows < s->top ? t->nrows : s->top, r, np1 = 0;
	struct jn_bar *b = new_bars(n);

	for (r = 0; r < t->nrows; r++)
		if (strcmp(text(t, r, "priority"), "P1") == 0)
			np1++;
	for (r = 0; r < n; r++) {
		const char *p = text(t, r, "priority"), *d = text(t, r,
		    "detail");

		snprintf(b[r].label, sizeof b[r].label, "%s %s %s%s%s",
		    text(t, r, "rank"), text(t, r, "kind"),
		    text(t, r, "touchpoint"), *d ? " " : "", d);
		b[r].v = num0(t, r, "score");
		b[r].cls = strcmp(p, "P1") == 0 ? "p1" : strcmp(p, "P2") == 0 ?
		    "p2" : "p3";
		/* the score as jscore wrote it, not reformatted */
		snprintf(b[r].tail, sizeof b[r].tail, "%s %s", p,
		    text(t, r, "score"));
	}
	hbars(s, b, n, JN_COL_NUM, "score (P1 red, P2 amber, P3 grey)");
	cut_note(s, n, t->nrows, "items");
	jn_strbuf_printf(&s->lede, "%zu items, %zu of them P1.", t->nrows,
	    np1);
	if (t->nrows > 0)
		jn_strbuf_printf(&s->lede, " First: %s %s: %s.",
		    text(t, 0, "kind"), text(t, 0, "touchpoint"),
		    text(t, 0, "why"));
	free(b);
}

void
jn_chart_friction(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	size_t n = t->nrows < s->top ? t->nrows : s->top, r, big = 0;
	struct jn_bar *b = new_bars(n);
	int money = jn_table_col(t, "revenue_at_risk") >= 0;
	const char *col = money ? "revenue_at_risk" : "users";
	char vb[64];

	for (r = 0; r < n; r++) {
		const char *d = text(t, r, "detail");
		double lo, hi;

		snprintf(b[r].label, sizeof b[r].label, "%s %s%s%s",
		    text(t, r, "kind"), text(t, r, "touchpoint"), *d ? " " : "",
		    d);
		b[r].v = num0(t, r, col);
		if (money && num(t, r, "revenue_at_risk_lo", &lo) == 0 &&
		    num(t, r, "revenue_at_risk_hi", &hi) == 0) {
			b[r].lo = lo;
			b[r].hi = hi;
		}
		fmt(b[r].tail, sizeof b[r].tail, money ? JN_COL_MONEY :
		    JN_COL_INT, b[r].v);
		if (b[r].v > b[big].v)
			big = r;
	}
	hbars(s, b, n, money ? JN_COL_MONEY : JN_COL_INT, money ?
	    "revenue at risk, with its 95% interval" : "users affected");
	cut_note(s, n, t->nrows, "items");
	jn_strbuf_printf(&s->lede, "%zu friction items.", t->nrows);
	if (n > 0)
		jn_strbuf_printf(&s->lede, " The most %s: %s (%s).", money ?
		    "revenue at risk" : "users affected", b[big].label,
		    fmt(vb, sizeof vb, money ? JN_COL_MONEY : JN_COL_INT,
		    b[big].v));
	free(b);
}

void
jn_chart_stickiness(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	size_t n = t->nrows < s->top ? t->nrows : s->top, r;
	struct jn_bar *b = new_bars(n);
	char vb[64], pb[64], g[64];

	for (r = 0; r < n; r++) {
		snprintf(g, sizeof g, "%s active", text(t, r,
		    "active_periods"));
		labelled(b[r].label, sizeof b[r].label, group_of(s, r), g);
		b[r].v = num0(t, r, "units");
		snprintf(b[r].tail, sizeof b[r].tail, "%s (%s)",
		    fmt(vb, sizeof vb, JN_COL_INT, b[r].v),
		    fmt(pb, sizeof pb, JN_COL_RATE, num0(t, r, "rate")));
	}
	hbars(s, b, n, JN_COL_INT, "units by number of active periods");
	cut_note(s, n, t->nrows, "rows");
	jn_strbuf_printf(&s->lede, "Units by the number of periods they "
	    "were active in.");
	free(b);
}

/* ---- comparison ---- */

/* The columns before baseline_n name a row: group, step and name. */
static void
compare_label(const struct jn_table *t, size_t r, char *buf, size_t size)
{
	int end = jn_table_col(t, "baseline_n"), c;
	size_t n = 0;

	buf[0] = '\0';
	if (end < 0)
		end = 1;
	for (c = 0; c < end && n + 1 < size; c++) {
		/* a retention comparison's rows are periods: say so */
		int k = snprintf(buf + n, size - n, "%s%s%s", n ? " " : "",
		    strcmp(t->names[c], "period") == 0 ? "period " : "",
		    cell(t, r, c));

		if (k < 0)
			break;
		n += (size_t)k < size - n ? (size_t)k : size - n - 1;
	}
}

static const char *
verdict_class(const char *v)
{
	if (strcmp(v, "regressed") == 0)
		return "bad";
	if (strcmp(v, "improved") == 0)
		return "good";
	if (strcmp(v, "watch") == 0)
		return "warn";
	return "ok";
}

/*
 * jcompare's verdicts as a forest plot: each row's change of rate as a
 * dot with its 95% interval, colored by verdict, against a zero line.
 */
void
jn_chart_compare(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	size_t n = t->nrows < s->top ? t->nrows : s->top, r, nt, nreg = 0,
	    nimp = 0, nwatch = 0;
	double lo = 0, hi = 0, ticks[16], lw = 0, x0, x1, h;
	struct jn_scale sc;
	char buf[256], tip[512], b1[64], b2[64], b3[64];
	struct jn_strbuf regs = { NULL, 0, 0 };

	for (r = 0; r < t->nrows; r++) {
		double d;
		const char *v = text(t, r, "verdict");

		if (strcmp(v, "regressed") == 0) {
			nreg++;
			compare_label(t, r, buf, sizeof buf);
			jn_strbuf_printf(&regs, "%s%s", nreg > 1 ? ", " : "",
			    buf);
		}
		nimp += strcmp(v, "improved") == 0;
		nwatch += strcmp(v, "watch") == 0;
		if (r >= n)
			continue;
		if (num(t, r, "ci_low", &d) == 0)
			lo = fmin(lo, d);
		if (num(t, r, "ci_high", &d) == 0)
			hi = fmax(hi, d);
		if (num(t, r, "change", &d) == 0) {
			lo = fmin(lo, d);
			hi = fmax(hi, d);
		}
		compare_label(t, r, buf, sizeof buf);
		lw = fmax(lw, jn_svg_text_width(fmin(jn_utf8_len(buf),
		    LABEL_MAX)));
	}
	jn_nice(&lo, &hi, 6);
	nt = jn_ticks(lo, hi, 6, ticks, NELEM(ticks));
	x0 = lw + 14;
	x1 = WIDTH - 190;
	h = 28 + ROW * (double)n + 26;
	jn_scale_init(&sc, lo, hi, x0, x1);
	jn_svg_begin(&s->svg, WIDTH, h, s->heading, NULL, 0);
	jn_svg_text(&s->svg, x0, 14, "start", "note",
	    "change of rate (points), with its 95% interval", 0);
	jn_svg_axis_x(&s->svg, &sc, ticks, nt, 22, h - 22, JN_COL_RATE);
	for (r = 0; r < n; r++) {
		double y = 28 + ROW * (double)r + ROW / 2, d, l, u;
		const char *v = text(t, r, "verdict"),
		    *cls = verdict_class(v);

		compare_label(t, r, buf, sizeof buf);
		jn_svg_text(&s->svg, x0 - 8, y + 4, "end", "label", buf,
		    LABEL_MAX);
		if (num(t, r, "ci_low", &l) == 0 &&
		    num(t, r, "ci_high", &u) == 0 && u > l) {
			char cl[32];

			snprintf(cl, sizeof cl, "%s whisker", cls);
			jn_svg_line(&s->svg, jn_scale_map(&sc, l), y,
			    jn_scale_map(&sc, u), y, cl);
		}
		if (num(t, r, "change", &d) == 0) {
			snprintf(tip, sizeof tip, "%s: %s \xe2\x86\x92 %s "
			    "(%s), %s", buf, fmt(b1, sizeof b1, JN_COL_RATE,
			    num0(t, r, "baseline_rate")), fmt(b2, sizeof b2,
			    JN_COL_RATE, num0(t, r, "current_rate")),
			    fmt(b3, sizeof b3, JN_COL_RATE, d), v);
			jn_svg_circle(&s->svg, jn_scale_map(&sc, d), y, 5, cls,
			    tip);
		}
		snprintf(buf, sizeof buf, "%s \xe2\x86\x92 %s  %s",
		    text(t, r, "baseline_rate")[0] ? fmt(b1, sizeof b1,
		    JN_COL_RATE, num0(t, r, "baseline_rate")) : "-",
		    text(t, r, "current_rate")[0] ? fmt(b2, sizeof b2,
		    JN_COL_RATE, num0(t, r, "current_rate")) : "-", v);
		jn_svg_text(&s->svg, x1 + 12, y + 4, "start",
		    strcmp(cls, "bad") == 0 ? "value drop" : "value", buf, 0);
	}
	jn_svg_end(&s->svg);
	cut_note(s, n, t->nrows, "rows");
	jn_strbuf_printf(&s->lede, "%zu rows compared: %zu regressed, "
	    "%zu improved, %zu to watch.", t->nrows, nreg, nimp, nwatch);
	if (nreg)
		jn_strbuf_printf(&s->lede, " Regressed: %s.", regs.buf);
	free(regs.buf);
	s->hl = jn_xcalloc(t->nrows ? t->nrows : 1, sizeof *s->hl);
	for (r = 0; r < t->nrows; r++)
		s->hl[r] = strcmp(text(t, r, "verdict"), "regressed") == 0;
}

/* ---- retention ---- */

/*
 * Retention: cohorts down, periods across, each cell its rate; the
 * average row weights each cohort by its size (as jretain's table
 * format does): retained summed over units summed, over the cohorts
 * old enough to have the period.
 */
void
jn_chart_retention(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	struct jn_names rows = { 0 };
	size_t r, i, np = 0, nshow;
	double *rate, *sum_u, *sum_k, *units, vmax = 0, lw = 0, cw = 50,
	    x0, h;
	char buf[256], tip[320], vb[64], lbl[200];

	for (r = 0; r < t->nrows; r++) {
		double p = num0(t, r, "period");

		labelled(buf, sizeof buf, group_of(s, r), text(t, r, "cohort"));
		names_add(&rows, buf, 0);
		if (p >= 0 && p < 1000 && (size_t)p + 1 > np)
			np = (size_t)p + 1;
	}
	rate = jn_xcalloc(rows.n * np + 1, sizeof *rate);
	units = jn_xcalloc(rows.n + 1, sizeof *units);
	sum_u = jn_xcalloc(np + 1, sizeof *sum_u);
	sum_k = jn_xcalloc(np + 1, sizeof *sum_k);
	for (i = 0; i < rows.n * np; i++)
		rate[i] = NAN;
	for (r = 0; r < t->nrows; r++) {
		double p = num0(t, r, "period"), rt;

		labelled(buf, sizeof buf, group_of(s, r), text(t, r, "cohort"));
		i = names_find(&rows, buf);
		if (!(p >= 0 && p < (double)np) || num(t, r, "rate", &rt) != 0)
			continue;
		rate[i * np + (size_t)p] = rt;
		units[i] = num0(t, r, "units");
		sum_u[(size_t)p] += num0(t, r, "units");
		sum_k[(size_t)p] += num0(t, r, "retained");
		if (p > 0)
			vmax = fmax(vmax, rt);
	}
	nshow = rows.n < s->top * 2 ? rows.n : s->top * 2;
	for (i = 0; i < nshow; i++)
		lw = fmax(lw, jn_svg_text_width(jn_utf8_len(rows.v[i])));
	lw = fmin(lw, jn_svg_text_width(LABEL_MAX));
	x0 = lw + 70;
	if (np > 0 && x0 + cw * (double)np > WIDE)
		cw = fmax(30, (WIDE - x0) / (double)np);
	h = 40 + ROW * (double)(nshow + 1) + 10;
	s->wide = 1;
	jn_svg_begin(&s->svg, x0 + cw * (double)np + 8, h, s->heading, NULL,
	    0);
	jn_svg_text(&s->svg, 4, 30, "start", "head", "cohort", 0);
	jn_svg_text(&s->svg, x0 - 8, 30, "end", "head", "units", 0);
	jn_svg_text(&s->svg, x0, 12, "start", "note",
	    "share of each cohort active again k periods later", 0);
	for (i = 0; i < np; i++) {
		snprintf(buf, sizeof buf, "%zu", i);
		jn_svg_text(&s->svg, x0 + cw * (double)i + cw / 2 - 1, 30,
		    "middle", "head", buf, 0);
	}
	for (i = 0; i <= nshow; i++) {
		double y = 38 + ROW * (double)i;
		size_t p;
		int avg = i == nshow;

		if (avg && i > 0)
			y += 4;
		jn_svg_text(&s->svg, 4, y + 14, "start", avg ? "label head" :
		    "label", avg ? "average" : rows.v[i], LABEL_MAX);
		if (!avg)
			jn_svg_text(&s->svg, x0 - 8, y + 14, "end", "tick",
			    fmt(vb, sizeof vb, JN_COL_INT, units[i]), 0);
		for (p = 0; p < np; p++) {
			double v = avg ? (sum_u[p] > 0 ? sum_k[p] / sum_u[p] :
			    NAN) : rate[i * np + p];

			if (isnan(v))
				continue;
			fmt(vb, sizeof vb, JN_COL_RATE, v);
			snprintf(tip, sizeof tip, "%s, period %zu: %s",
			    avg ? "average" : rows.v[i], p, vb);
			heat_cell(&s->svg, x0 + cw * (double)p, y, cw, ROW, v,
			    vmax, vb, tip);
		}
	}
	jn_svg_end(&s->svg);
	if (nshow < rows.n)
		jn_strbuf_printf(&s->note, "The chart shows %zu of %zu cohorts "
		    "(twice --top); the average is over them all. ", nshow,
		    rows.n);
	jn_strbuf_printf(&s->lede, "%zu cohorts over %zu periods.", rows.n,
	    np);
	if (np > 1 && sum_u[1] > 0) {
		snprintf(lbl, sizeof lbl, "%s", fmt(vb, sizeof vb,
		    JN_COL_RATE, sum_k[1] / sum_u[1]));
		jn_strbuf_printf(&s->lede, " On average %s of a cohort is "
		    "back in period 1", lbl);
		if (np > 2 && sum_u[np - 1] > 0)
			jn_strbuf_printf(&s->lede, ", %s in period %zu",
			    fmt(vb, sizeof vb, JN_COL_RATE,
			    sum_k[np - 1] / sum_u[np - 1]), np - 1);
		jn_strbuf_printf(&s->lede, " (weighted by cohort size).");
	}
	free(rate);
	free(units);
	free(sum_u);
	free(sum_k);
	jn_names_free(&rows);
}

/* ---- KPI watch ---- */

int
jn_chart_kpi_is_rate(const struct jn_table *t, size_t r0, size_t r1,
    int kpi_col, const char *kpi)
{
	size_t r;

	if (strcmp(kpi, "conversion") == 0 || strcmp(kpi, "bounce_rate") == 0
	    || strcmp(kpi, "error_rate") == 0)
		return 1;
	for (r = r0; r < r1; r++) {
		double v, d;

		if (strcmp(cell(t, r, kpi_col), kpi) != 0)
			continue;
		if (num(t, r, "denominator", &d) != 0 ||
		    (num(t, r, "value", &v) == 0 && (v < 0 || v > 1)))
			return 0;
	}
	return 1;
}

/*
 * The label of a flagged point at (x, y) of a plot x0..x1, y0 (top) to
 * y1: under a low point, over a high one, centered; beside the point
 * where that would run into the period labels under the plot or the
 * heading over it (a first or last period at the edge of the scale),
 * and never past the plot's left or right edge.
 */
static void
flag_label(struct jn_strbuf *b, double x, double y, int low, double x0,
    double x1, double y0, double y1)
{
	const char *s = low ? "\xe2\x96\xbc low" : "\xe2\x96\xb2 high";
	double w = jn_svg_text_width(low ? 5 : 6), lx = x;
	double ly = low ? y + 18 : y - 9;
	const char *anchor = "middle";

	/* 11px text: glyphs from 9 over the baseline to 3 under it */
	if (low ? ly + 3 > y1 + 6 : ly - 9 < y0 - 7) {
		ly = y + 4;
		anchor = x + 9 + w > x1 + 10 ? "end" : "start";
		lx = x + 9 + w > x1 + 10 ? x - 9 : x + 9;
	} else if (x - w / 2 < x0) {
		anchor = "start";
		lx = x0;
	} else if (x + w / 2 > x1 + 10) {
		anchor = "end";
		lx = x1 + 10;
	}
	jn_svg_text(b, lx, ly, anchor, "drop", s, 0);
}

/* Series: (group, kpi) pairs in the order they first appear. */
void
jn_chart_watch(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	int kc = jn_table_col(t, "kpi");
	struct jn_names series = { 0 };
	size_t r, i, nflag = 0, shown;
	double ph = 170, pw = WIDE - 20, top = 0;
	char buf[256], tip[512], vb[64], eb[64];
	struct jn_strbuf flags = { NULL, 0, 0 }, d = { NULL, 0, 0 };

	for (r = 0; r < t->nrows; r++) {
		labelled(buf, sizeof buf, group_of(s, r), cell(t, r, kc));
		names_add(&series, buf, 0);
	}
	shown = series.n < s->top ? series.n : s->top;
	s->wide = 1;
	jn_svg_begin(&s->svg, WIDE, ph * (double)(shown ? shown : 1) + 4,
	    s->heading, NULL, 0);
	for (i = 0; i < shown; i++) {
		size_t *rows = jn_xcalloc(t->nrows + 1, sizeof *rows), n = 0,
		    j, nt, every, nf = 0;
		double lo = INFINITY, hi = -INFINITY, v, ticks[16], x0 = 70,
		    x1 = pw - 10, y0 = top + 26, y1 = top + ph - 34;
		struct jn_scale sy;
		struct jn_band bx;
		enum jn_coltype type;
		const char *kpi = "";
		int pen;

		for (r = 0; r < t->nrows; r++) {
			labelled(buf, sizeof buf, group_of(s, r),
			    cell(t, r, kc));
			if (strcmp(buf, series.v[i]) != 0)
				continue;
			rows[n++] = r;
			kpi = cell(t, r, kc);
			if (num(t, r, "value", &v) == 0) {
				lo = fmin(lo, v);
				hi = fmax(hi, v);
			}
			if (num(t, r, "lower", &v) == 0)
				lo = fmin(lo, v);
			if (num(t, r, "upper", &v) == 0)
				hi = fmax(hi, v);
		}
		type = jn_chart_kpi_is_rate(t, 0, t->nrows, kc, kpi) ? JN_COL_RATE :
		    strcmp(kpi, "revenue") == 0 ? JN_COL_MONEY : JN_COL_NUM;
		if (!isfinite(lo)) {
			lo = 0;
			hi = 1;
		}
		if (type == JN_COL_RATE)
			lo = fmax(0, lo);
		jn_nice(&lo, &hi, 4);
		nt = jn_ticks(lo, hi, 4, ticks, NELEM(ticks));
		jn_scale_init(&sy, lo, hi, y1, y0);
		jn_band_init(&bx, n, x0, x1, 0);
		for (j = 0; j < n; j++)
			nf += text(t, rows[j], "flag")[0] != '\0';
		snprintf(buf, sizeof buf, "%s: %zu periods, %zu flagged",
		    series.v[i], n, nf);
		jn_svg_text(&s->svg, 4, top + 14, "start", "head", buf, 0);
		jn_svg_axis_y(&s->svg, &sy, ticks, nt, x0, x1, type);
		/* the expected band: upper left to right, lower back */
		d.len = 0;
		pen = 0;
		for (j = 0; j < n; j++)
			if (num(t, rows[j], "upper", &v) == 0) {
				jn_strbuf_printf(&d, "%s", pen++ ? "L" : "M");
				jn_svg_coord(&d, jn_band_pos(&bx, j) +
				    bx.width / 2);
				jn_strbuf_printf(&d, " ");
				jn_svg_coord(&d, jn_scale_map(&sy, v));
			}
		for (j = n; j-- > 0;)
			if (num(t, rows[j], "lower", &v) == 0 &&
			    text(t, rows[j], "upper")[0]) {
				jn_strbuf_printf(&d, "L");
				jn_svg_coord(&d, jn_band_pos(&bx, j) +
				    bx.width / 2);
				jn_strbuf_printf(&d, " ");
				jn_svg_coord(&d, jn_scale_map(&sy, v));
			}
		if (pen) {
			jn_strbuf_printf(&d, "Z");
			jn_svg_path(&s->svg, d.buf, "band", "expected band");
		}
		d.len = 0;
		pen = 0;
		for (j = 0; j < n; j++)
			if (num(t, rows[j], "expected", &v) == 0) {
				jn_strbuf_printf(&d, "%s", pen++ ? "L" : "M");
				jn_svg_coord(&d, jn_band_pos(&bx, j) +
				    bx.width / 2);
				jn_strbuf_printf(&d, " ");
				jn_svg_coord(&d, jn_scale_map(&sy, v));
			}
		if (pen)
			jn_svg_path(&s->svg, d.buf, "expected", NULL);
		d.len = 0;
		pen = 0;
		for (j = 0; j < n; j++)
			if (num(t, rows[j], "value", &v) == 0) {
				jn_strbuf_printf(&d, "%s", pen++ ? "L" : "M");
				jn_svg_coord(&d, jn_band_pos(&bx, j) +
				    bx.width / 2);
				jn_strbuf_printf(&d, " ");
				jn_svg_coord(&d, jn_scale_map(&sy, v));
			} else {
				pen = 0;
			}
		if (d.len)
			jn_svg_path(&s->svg, d.buf, "series", NULL);
		every = n > 10 ? (n + 9) / 10 : 1;
		for (j = 0; j < n; j++) {
			const char *f = text(t, rows[j], "flag");
			double x = jn_band_pos(&bx, j) + bx.width / 2;

			/* the last always; none closer to it than every */
			if ((j % every == 0 && j + every < n) || j + 1 == n)
				jn_svg_text(&s->svg, x, y1 + 16, "middle",
				    "tick", text(t, rows[j], "period"), 12);
			if (num(t, rows[j], "value", &v) != 0)
				continue;
			fmt(vb, sizeof vb, type, v);
			if (num(t, rows[j], "expected", &v) == 0)
				fmt(eb, sizeof eb, type, v);
			else
				snprintf(eb, sizeof eb, "none");
			snprintf(tip, sizeof tip, "%s %s: %s (expected %s)%s%s",
			    series.v[i], text(t, rows[j], "period"), vb, eb,
			    *f ? ", flagged " : "", f);
			(void)num(t, rows[j], "value", &v);
			jn_svg_circle(&s->svg, x, jn_scale_map(&sy, v),
			    *f ? 5.5 : 2.5, *f ? "flag" : "point", tip);
			if (*f) {
				nflag++;
				flag_label(&s->svg, x, jn_scale_map(&sy, v),
				    strcmp(f, "low") == 0, x0, x1, y0, y1);
				if (nflag <= 5)
					jn_strbuf_printf(&flags, "%s%s %s (%s)",
					    nflag > 1 ? ", " : "", series.v[i],
					    text(t, rows[j], "period"), f);
			}
		}
		free(rows);
		top += ph;
	}
	jn_svg_end(&s->svg);
	if (shown < series.n)
		jn_strbuf_printf(&s->note, "The chart shows %zu of %zu series "
		    "(--top); the table has them all. ", shown, series.n);
	jn_strbuf_printf(&s->lede, "%zu KPI series; the line is the value, "
	    "the dashed line what was expected, the shaded band the "
	    "normal range. ", series.n);
	if (nflag == 0) {
		jn_strbuf_printf(&s->lede, "No period flagged.");
	} else {
		jn_strbuf_printf(&s->lede, "%zu flagged: %s%s.", nflag,
		    flags.buf, nflag > 5 ? ", ..." : "");
	}
	s->hl = jn_xcalloc(t->nrows ? t->nrows : 1, sizeof *s->hl);
	for (r = 0; r < t->nrows; r++)
		s->hl[r] = text(t, r, "flag")[0] != '\0';
	free(flags.buf);
	free(d.buf);
	jn_names_free(&series);
}

