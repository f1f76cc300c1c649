/*
 * Charts of the toolkit's tables (journey/chart.h): the helpers every
 * chart uses (cells, bars, heat cells, the numbers beside a chart) and
 * the journey pictures of jpath's tables, so that jpath -o html draws
 * what jreport draws; chart_report.c draws the other tables.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/chart.h"
#include "journey/score.h"

#include "chart_local.h"

/* ---- cells ---- */

const char *
jn_chart_cell(const struct jn_table *t, size_t r, int c)
{
	const char *v = jn_table_cell(t, r, c);

	return v ? v : "";
}

const char *
jn_chart_text(const struct jn_table *t, size_t r, const char *col)
{
	return cell(t, r, jn_table_col(t, col));
}

/* The number in column col of row r: 0, or -1 when empty or not one. */
int
jn_chart_num(const struct jn_table *t, size_t r, const char *col, double *d)
{
	const char *v = text(t, r, col);

	if (*v == '\0')
		return -1;
	return jn_parse_double(v, strlen(v), d);
}

double
jn_chart_num0(const struct jn_table *t, size_t r, const char *col)
{
	double d;

	return num(t, r, col, &d) == 0 ? d : 0;
}

/* The group of row r ("" when none). */
const char *
jn_chart_group(const struct jn_chart *s, size_t r)
{
	return s->group < 0 ? "" : cell(s->t, r, s->group);
}

/* "group · label", or label alone, cut to size. */
void
jn_chart_labelled(char *buf, size_t size, const char *group, const char *label)
{
	struct jn_strbuf b = { NULL, 0, 0 };
	size_t n;

	if (*group)
		jn_strbuf_printf(&b, "%s \xc2\xb7 %s", group, label);
	else
		jn_strbuf_printf(&b, "%s", label);
	n = b.len < size - 1 ? b.len : size - 1;
	/* not inside a UTF-8 sequence */
	while (n > 0 && n < b.len && ((unsigned char)b.buf[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, b.buf, n);
	buf[n] = '\0';
	free(b.buf);
}

/* ---- bars ---- */

/*
 * Horizontal bars, one a row, with their labels on the left and tail
 * text on the right, over a nice axis from 0 (or the lowest value or
 * interval end below it).
 */
void
jn_chart_hbars(struct jn_chart *s, const struct jn_bar *bars, size_t n,
    enum jn_coltype type, const char *axis)
{
	double lo = 0, hi = 0, ticks[16], lw = 0, tw = 0, x0, x1, h;
	struct jn_scale sc;
	size_t i, nt, ll;
	char tip[320], vb[64];

	for (i = 0; i < n; i++) {
		lo = fmin(lo, bars[i].v);
		hi = fmax(hi, bars[i].v);
		if (!isnan(bars[i].lo)) {
			lo = fmin(lo, bars[i].lo);
			hi = fmax(hi, bars[i].hi);
		}
		ll = jn_utf8_len(bars[i].label);
		lw = fmax(lw, jn_svg_text_width(ll < LABEL_MAX ? ll :
		    LABEL_MAX));
		tw = fmax(tw, jn_svg_text_width(jn_utf8_len(bars[i].tail)));
	}
	jn_nice(&lo, &hi, 5);
	nt = jn_ticks(lo, hi, 5, ticks, NELEM(ticks));
	x0 = lw + 14;
	x1 = WIDTH - tw - 12;
	if (x1 < x0 + 160)
		x1 = x0 + 160;
	h = 28 + ROW * (double)n + 26;
	jn_scale_init(&sc, lo, hi, x0, x1);
	jn_svg_begin(&s->svg, x1 + tw + 12, h, s->heading, s->lede.buf, 0);
	jn_svg_text(&s->svg, x0, 14, "start", "note", axis, 0);
	jn_svg_axis_x(&s->svg, &sc, ticks, nt, 22, h - 22, type);
	for (i = 0; i < n; i++) {
		const struct jn_bar *b = &bars[i];
		double y = 28 + ROW * (double)i, a = jn_scale_map(&sc, 0),
		    e = jn_scale_map(&sc, b->v);

		snprintf(tip, sizeof tip, "%s: %s", b->label,
		    fmt(vb, sizeof vb, type, b->v));
		jn_svg_text(&s->svg, x0 - 8, y + 14, "end", "label", b->label,
		    LABEL_MAX);
		jn_svg_rect(&s->svg, fmin(a, e), y + 3, fabs(e - a), ROW - 6,
		    b->cls, tip);
		if (!isnan(b->lo)) {
			double l = jn_scale_map(&sc, b->lo),
			    r = jn_scale_map(&sc, b->hi);

			jn_svg_line(&s->svg, l, y + ROW / 2, r, y + ROW / 2,
			    "axis whisker");
			jn_svg_line(&s->svg, l, y + 6, l, y + ROW - 6, "axis");
			jn_svg_line(&s->svg, r, y + 6, r, y + ROW - 6, "axis");
		}
		jn_svg_text(&s->svg, fmax(fmax(a, e), isnan(b->hi) ? 0 :
		    jn_scale_map(&sc, b->hi)) + 6, y + 15, "start", "value",
		    b->tail, 0);
	}
	jn_svg_end(&s->svg);
}

struct jn_bar *
jn_bars_new(size_t n)
{
	struct jn_bar *b = jn_xcalloc(n ? n : 1, sizeof *b);
	size_t i;

	for (i = 0; i < n; i++) {
		b[i].lo = b[i].hi = NAN;
		b[i].cls = "bar";
	}
	return b;
}

void
jn_chart_cut_note(struct jn_chart *s, size_t shown, size_t n, const char *what)
{
	if (shown < n)
		jn_strbuf_printf(&s->note, "The chart shows %zu of %zu %s "
		    "(--top); the table has them all. ", shown, n, what);
}

/* ---- funnel ---- */
size_t
jn_chart_next_group(const struct jn_chart *s, size_t r)
{
	const char *g = group_of(s, r);

	while (++r < s->t->nrows && strcmp(group_of(s, r), g) == 0)
		;
	return r;
}

static int
by_value_desc(const void *a, const void *b)
{
	const struct jn_bar *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? 1 : -1;
	return strcmp(x->label, y->label);
}

void
jn_chart_edges(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	size_t n = t->nrows, r, shown;
	struct jn_bar *b = new_bars(n);
	char g[160];

	for (r = 0; r < n; r++) {
		snprintf(g, sizeof g, "%s \xe2\x86\x92 %s", text(t, r, "from"),
		    text(t, r, "to"));
		labelled(b[r].label, sizeof b[r].label, group_of(s, r), g);
		b[r].v = num0(t, r, "transitions");
		if (strstr(g, "(other)"))
			b[r].cls = "bar2";
		fmt(b[r].tail, sizeof b[r].tail, JN_COL_INT, b[r].v);
	}
	if (n > 0)
		qsort(b, n, sizeof *b, by_value_desc);
	shown = n < s->top ? n : s->top;
	hbars(s, b, shown, JN_COL_INT, "transitions");
	cut_note(s, shown, n, "transitions");
	if (n > 0)
		jn_strbuf_printf(&s->lede, "%zu rows of the directly-follows "
		    "graph; the most frequent move is %s (%s transitions).",
		    n, b[0].label, b[0].tail);
	free(b);
}

void
jn_chart_variants(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	size_t n = t->nrows < s->top ? t->nrows : s->top, r;
	struct jn_bar *b = new_bars(n);
	char vb[64], pb[64];

	for (r = 0; r < n; r++) {
		labelled(b[r].label, sizeof b[r].label, group_of(s, r),
		    text(t, r, "variant"));
		b[r].v = num0(t, r, "units");
		if (strcmp(text(t, r, "variant"), "(other)") == 0)
			b[r].cls = "bar2";
		snprintf(b[r].tail, sizeof b[r].tail, "%s (%s)",
		    fmt(vb, sizeof vb, JN_COL_INT, b[r].v),
		    fmt(pb, sizeof pb, JN_COL_RATE, num0(t, r, "share")));
	}
	hbars(s, b, n, JN_COL_INT, "units");
	cut_note(s, n, t->nrows, "variants");
	if (n > 0)
		jn_strbuf_printf(&s->lede, "%zu path variants; the most common "
		    "is %s, followed by %s units (%s of them).", t->nrows,
		    b[0].label, fmt(vb, sizeof vb, JN_COL_INT, b[0].v),
		    fmt(pb, sizeof pb, JN_COL_RATE, num0(t, 0, "share")));
	free(b);
}
/* ---- matrices ---- */

size_t
jn_names_add(struct jn_names *ns, const char *s, double w)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0) {
			ns->w[i] += w;
			return i;
		}
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? 2 * ns->cap : 16;
		ns->v = jn_xrealloc(ns->v, ns->cap * sizeof *ns->v);
		ns->w = jn_xrealloc(ns->w, ns->cap * sizeof *ns->w);
	}
	ns->v[ns->n] = jn_xstrdup(s);
	ns->w[ns->n] = w;
	return ns->n++;
}

size_t
jn_names_find(const struct jn_names *ns, const char *s)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return i;
	return SIZE_MAX;
}

void
jn_names_free(struct jn_names *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	free(ns->w);
}

/* A heat cell: opacity from v / vmax, its text white on dark cells. */
void
jn_heat_cell(struct jn_strbuf *b, double x, double y, double w, double h,
    double v, double vmax, const char *label, const char *tip)
{
	double o = vmax > 0 ? fmin(1, v / vmax) : 0;

	o = 0.06 + 0.94 * o;
	jn_strbuf_printf(b, "<rect");
	jn_strbuf_printf(b, " x=\"");
	jn_svg_coord(b, x);
	jn_strbuf_printf(b, "\" y=\"");
	jn_svg_coord(b, y);
	jn_strbuf_printf(b, "\" width=\"");
	jn_svg_coord(b, w - 2);
	jn_strbuf_printf(b, "\" height=\"");
	jn_svg_coord(b, h - 2);
	jn_strbuf_printf(b, "\" class=\"heat\" fill-opacity=\"%.2f\"><title>",
	    o);
	jn_xml_text(b, tip, strlen(tip));
	jn_strbuf_printf(b, "</title></rect>\n");
	jn_svg_text(b, x + (w - 2) / 2, y + h / 2 + 3, "middle",
	    o > 0.55 ? "tick on" : "tick", label, 0);
}

/* jpath --view next: from each touchpoint, the share going to each next. */
void
jn_chart_next(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	struct jn_names rows = { 0 }, cols = { 0 };
	size_t r, i, j, nr, nc, *order;
	double *share, lw = 0, cw = 64, x0, h, vmax = 0;
	char buf[256], tip[512], vb[64];

	for (r = 0; r < t->nrows; r++) {
		labelled(buf, sizeof buf, group_of(s, r),
		    text(t, r, "touchpoint"));
		names_add(&rows, buf, num0(t, r, "units"));
		names_add(&cols, text(t, r, "next"), num0(t, r, "units"));
	}
	/* the next touchpoints most moved to first */
	order = jn_xcalloc(cols.n + 1, sizeof *order);
	for (i = 0; i < cols.n; i++) {
		order[i] = i;
		for (j = i; j > 0 && (cols.w[order[j - 1]] < cols.w[i] ||
		    (cols.w[order[j - 1]] == cols.w[i] &&
		    strcmp(cols.v[order[j - 1]], cols.v[i]) > 0)); j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	nr = rows.n < s->top ? rows.n : s->top;
	nc = cols.n < 12 ? cols.n : 12;
	share = jn_xcalloc(rows.n * cols.n + 1, sizeof *share);
	for (i = 0; i < rows.n * cols.n; i++)
		share[i] = NAN;
	for (r = 0; r < t->nrows; r++) {
		double v;

		labelled(buf, sizeof buf, group_of(s, r),
		    text(t, r, "touchpoint"));
		i = names_find(&rows, buf);
		j = names_find(&cols, text(t, r, "next"));
		if (num(t, r, "share", &v) == 0) {
			share[i * cols.n + j] = v;
			vmax = fmax(vmax, v);
		}
	}
	for (i = 0; i < nr; i++)
		lw = fmax(lw, jn_svg_text_width(jn_utf8_len(rows.v[i])));
	lw = fmin(lw, jn_svg_text_width(LABEL_MAX));
	x0 = lw + 14;
	h = 96 + ROW * (double)nr + 6;
	s->wide = 1;
	jn_svg_begin(&s->svg, x0 + cw * (double)nc + 110, h, s->heading, NULL,
	    0);
	jn_svg_text(&s->svg, 4, 12, "start", "note",
	    "from (down) \xe2\x86\x92 next (across): share of the moves", 0);
	for (j = 0; j < nc; j++) {
		double x = x0 + cw * (double)j + cw / 2;

		jn_strbuf_printf(&s->svg, "<g transform=\"translate(");
		jn_svg_coord(&s->svg, x);
		jn_strbuf_printf(&s->svg, " 90) rotate(-40)\">");
		jn_svg_text(&s->svg, 0, 0, "start", "label", cols.v[order[j]],
		    16);
		jn_strbuf_printf(&s->svg, "</g>\n");
	}
	for (i = 0; i < nr; i++) {
		double y = 96 + ROW * (double)i;

		jn_svg_text(&s->svg, x0 - 8, y + 14, "end", "label",
		    rows.v[i], LABEL_MAX);
		for (j = 0; j < nc; j++) {
			double v = share[i * cols.n + order[j]];

			if (isnan(v))
				continue;
			fmt(vb, sizeof vb, JN_COL_RATE, v);
			snprintf(tip, sizeof tip, "%s \xe2\x86\x92 %s: %s",
			    rows.v[i], cols.v[order[j]], vb);
			heat_cell(&s->svg, x0 + cw * (double)j, y, cw, ROW, v,
			    vmax, vb, tip);
		}
	}
	jn_svg_end(&s->svg);
	if (nr < rows.n || nc < cols.n)
		jn_strbuf_printf(&s->note, "The chart shows %zu of %zu "
		    "touchpoints and %zu of %zu next steps; the table has "
		    "them all. ", nr, rows.n, nc, cols.n);
	jn_strbuf_printf(&s->lede, "Where units go next from each of %zu "
	    "touchpoints.", rows.n);
	free(order);
	free(share);
	names_free(&rows);
	names_free(&cols);
}
/* ---- the journey map: a step-indexed Sankey ---- */

struct node {
	size_t col;
	const char *name;
	double in, out, y, h, oy, iy;	/* oy, iy: next free link slot */
	size_t rank;
};

struct snode_list {
	struct node *v;
	size_t n, cap;
};

static size_t
node_get(struct snode_list *l, size_t col, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].col == col && strcmp(l->v[i].name, name) == 0)
			return i;
	l->v = jn_xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
	memset(&l->v[l->n], 0, sizeof l->v[l->n]);
	l->v[l->n].col = col;
	l->v[l->n].name = name;
	return l->n++;
}

static double
node_value(const struct node *n)
{
	return fmax(n->in, n->out);
}

static struct node *sort_nodes;

static int
node_cmp(const void *a, const void *b)
{
	const struct node *x = &sort_nodes[*(const size_t *)a],
	    *y = &sort_nodes[*(const size_t *)b];
	int xe = x->name[0] == '(', ye = y->name[0] == '(';

	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	/* (end) and (other) at the bottom of their column */
	if (xe != ye)
		return xe - ye;
	if (node_value(x) != node_value(y))
		return node_value(x) < node_value(y) ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int
is_end(const char *name)
{
	return strcmp(name, "(end)") == 0 || strcmp(name, "(other)") == 0;
}

/*
 * The column of row r's from-node: steps count 1, 2, ... from --from, or
 * ..., -2, -1 back to --to's goal; base is the table's first step, so
 * that every panel has the same columns.  Returns 0, or -1 for a row
 * without a usable step (not drawn).
 */
static int
step_col(const struct jn_table *t, size_t r, double base, size_t *col)
{
	double st;

	if (num(t, r, "step", &st) != 0 || st != floor(st) || st == 0 ||
	    fabs(st) > 62 || st < base || st - base > 61)
		return -1;
	*col = (size_t)(st - base);
	return 0;
}

/* One group's Sankey, rows [r0, r1), drawn from y top, height ph. */
static void
sankey_panel(struct jn_chart *s, size_t r0, size_t r1, double top,
    double ph, double width, double base)
{
	const struct jn_table *t = s->t;
	struct snode_list l = { NULL, 0, 0 };
	size_t r, i, ncols = 0, *order;
	size_t *from_of = jn_xcalloc(r1 - r0 + 1, sizeof *from_of);
	size_t *to_of = jn_xcalloc(r1 - r0 + 1, sizeof *to_of);
	double colsum[64] = { 0 }, maxsum = 0, k, colw, nodew = 10,
	    gap = 8;
	size_t colcount[64] = { 0 }, maxcount = 0;
	char buf[256], tip[512], vb[64];
	struct jn_strbuf d = { NULL, 0, 0 };

	for (r = r0; r < r1; r++) {
		double u = num0(t, r, "units");
		size_t c;

		if (step_col(t, r, base, &c) != 0)
			continue;
		c++;
		from_of[r - r0] = node_get(&l, c - 1, text(t, r, "from"));
		to_of[r - r0] = node_get(&l, c, text(t, r, "to"));
		l.v[from_of[r - r0]].out += u;
		l.v[to_of[r - r0]].in += u;
		if (c + 1 > ncols)
			ncols = c + 1;
	}
	if (l.n == 0 || l.v == NULL) {
		free(from_of);
		free(to_of);
		free(l.v);
		return;
	}
	for (i = 0; i < l.n; i++) {
		colsum[l.v[i].col] += node_value(&l.v[i]);
		colcount[l.v[i].col]++;
	}
	for (i = 0; i < ncols; i++) {
		maxsum = fmax(maxsum, colsum[i]);
		if (colcount[i] > maxcount)
			maxcount = colcount[i];
	}
	k = maxsum > 0 ? (ph - 20 - gap * (double)(maxcount ? maxcount - 1 :
	    0)) / maxsum : 0;
	if (k < 0)
		k = 0;
	colw = ncols > 1 ? (width - 20 - nodew) /
	    (double)(ncols - 1) : 0;
	order = jn_xcalloc(l.n + 1, sizeof *order);
	for (i = 0; i < l.n; i++)
		order[i] = i;
	sort_nodes = l.v;
	if (l.n > 0)
		qsort(order, l.n, sizeof *order, node_cmp);
	{
		double y = 0;
		size_t col = SIZE_MAX, rank = 0;

		for (i = 0; i < l.n; i++) {
			struct node *n = &l.v[order[i]];

			if (n->col != col) {
				col = n->col;
				y = top + 20;
				rank = 0;
			}
			n->y = y;
			n->h = fmax(1, node_value(n) * k);
			n->oy = n->iy = y;
			n->rank = rank++;
			y += n->h + gap;
		}
	}
	for (i = 0; i < ncols; i++) {
		if (base > 0)
			snprintf(buf, sizeof buf, i == 0 ? "start" :
			    "step %zu", i);
		else if (i + 1 == ncols)
			snprintf(buf, sizeof buf, "goal");
		else
			snprintf(buf, sizeof buf, "step %d", (int)base +
			    (int)i);
		if (i + 1 == ncols && ncols > 1)
			jn_svg_text(&s->svg, 10 + colw * (double)i + nodew,
			    top + 12, "end", "note", buf, 0);
		else
			jn_svg_text(&s->svg, 10 + colw * (double)i, top + 12,
			    "start", "note", buf, 0);
	}
	/* links in from-node order, then to-node order: no crossings at
	 * a node's side */
	{
		size_t *lo = jn_xcalloc(r1 - r0 + 1, sizeof *lo), n = 0, a, b;

		for (r = r0; r < r1; r++) {
			size_t c;

			if (step_col(t, r, base, &c) == 0)
				lo[n++] = r - r0;
		}
		for (a = 1; a < n; a++) {
			size_t v = lo[a];

			for (b = a; b > 0; b--) {
				const struct node *p = &l.v[from_of[lo[b - 1]]],
				    *q = &l.v[from_of[v]];
				const struct node *pt = &l.v[to_of[lo[b - 1]]],
				    *qt = &l.v[to_of[v]];

				if (p->col < q->col || (p->col == q->col &&
				    (p->rank < q->rank || (p->rank == q->rank &&
				    pt->rank <= qt->rank))))
					break;
				lo[b] = lo[b - 1];
			}
			lo[b] = v;
		}
		for (a = 0; a < n; a++) {
			size_t rr = lo[a] + r0;
			struct node *f = &l.v[from_of[lo[a]]],
			    *to = &l.v[to_of[lo[a]]];
			double u = num0(t, rr, "units") * k;
			double xa = 10 + colw * (double)f->col + nodew,
			    xb = 10 + colw * (double)to->col, xm = (xa + xb) / 2;
			double ya = f->oy, yb = to->iy;

			f->oy += u;
			to->iy += u;
			d.len = 0;
			jn_strbuf_printf(&d, "M");
			jn_svg_coord(&d, xa);
			jn_strbuf_printf(&d, " ");
			jn_svg_coord(&d, ya);
			jn_strbuf_printf(&d, "C");
			jn_svg_coord(&d, xm);
			jn_strbuf_printf(&d, " ");
			jn_svg_coord(&d, ya);
			jn_strbuf_printf(&d, " ");
			jn_svg_coord(&d, xm);
			jn_strbuf_printf(&d, " ");
			jn_svg_coord(&d, yb);
			jn_strbuf_printf(&d, " ");
			jn_svg_coord(&d, xb);
			jn_strbuf_printf(&d, " ");
			jn_svg_coord(&d, yb);
			jn_strbuf_printf(&d, "V");
			jn_svg_coord(&d, yb + u);
			jn_strbuf_printf(&d, "C");
			jn_svg_coord(&d, xm);
			jn_strbuf_printf(&d, " ");
			jn_svg_coord(&d, yb + u);
			jn_strbuf_printf(&d, " ");
			jn_svg_coord(&d, xm);
			jn_strbuf_printf(&d, " ");
			jn_svg_coord(&d, ya + u);
			jn_strbuf_printf(&d, " ");
			jn_svg_coord(&d, xa);
			jn_strbuf_printf(&d, " ");
			jn_svg_coord(&d, ya + u);
			jn_strbuf_printf(&d, "Z");
			snprintf(tip, sizeof tip, "step %s: %s \xe2\x86\x92 %s: "
			    "%s units", text(t, rr, "step"), f->name, to->name,
			    fmt(vb, sizeof vb, JN_COL_INT, num0(t, rr,
			    "units")));
			jn_svg_path(&s->svg, d.buf, is_end(to->name) ?
			    "link end" : "link", tip);
		}
		free(lo);
	}
	for (i = 0; i < l.n; i++) {
		const struct node *n = &l.v[order[i]];
		double x = 10 + colw * (double)n->col;
		int last = n->col + 1 == ncols && ncols > 1;

		snprintf(tip, sizeof tip, "%s: %s units", n->name,
		    fmt(vb, sizeof vb, JN_COL_INT, node_value(n)));
		jn_svg_rect(&s->svg, x, n->y, nodew, n->h, is_end(n->name) ?
		    "node end" : "node", tip);
		if (n->h < 9 && n->rank > 0)
			continue;
		snprintf(buf, sizeof buf, "%s %s", n->name, vb);
		jn_svg_text(&s->svg, last ? x - 4 : x + nodew + 4,
		    n->y + fmin(n->h / 2, 10) + 4, last ? "end" : "start",
		    "label", buf, 22);
	}
	free(d.buf);
	free(order);
	free(from_of);
	free(to_of);
	free(l.v);
}

void
jn_chart_steps(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	size_t r, e, ng = 0, c, maxcol = 0;
	double ph = 380, y = 0, base = 1, st;

	for (r = 0; r < t->nrows; r = next_group(s, r))
		ng++;
	/* --to: steps -N..-1, the first the lowest */
	for (r = 0; r < t->nrows; r++)
		if (num(t, r, "step", &st) == 0 && st == floor(st) &&
		    st < 0 && st >= -62 && st < base)
			base = st;
	for (r = 0; r < t->nrows; r++)
		if (step_col(t, r, base, &c) == 0 && c + 1 > maxcol)
			maxcol = c + 1;
	s->wide = 1;
	jn_svg_begin(&s->svg, WIDE, (ph + (s->group >= 0 ? 22 : 0)) *
	    (double)(ng ? ng : 1), s->heading, NULL, 0);
	for (r = 0; r < t->nrows; r = e) {
		e = next_group(s, r);
		if (s->group >= 0) {
			jn_svg_text(&s->svg, 4, y + 14, "start", "head",
			    group_of(s, r), 60);
			y += 22;
		}
		sankey_panel(s, r, e, y, ph, WIDE, base);
		y += ph;
	}
	jn_svg_end(&s->svg);
	jn_strbuf_printf(&s->lede, "How units move over %s %zu steps of "
	    "their paths%s: each band's width is the units taking that move;"
	    " grey bands end the path or sum what was pruned.", base > 0 ?
	    "the first" : "the last", maxcol, base > 0 ? "" :
	    " to the goal");
}

/* ---- KPI watch ---- */
void
jn_chart_release(struct jn_chart *s)
{
	free(s->lede.buf);
	free(s->note.buf);
	free(s->svg.buf);
	free(s->hl);
}

/* ---- the directly-follows graph ---- */

struct gnode {
	const char *name;
	double in, out;
	int layer;		/* -1: not reached yet */
	int shown;
	double x, y;		/* top left of the node's bar */
	size_t rank;		/* in its layer */
	double self;		/* transitions to itself */
};

static double
gnode_value(const struct gnode *n)
{
	return fmax(n->in, n->out);
}

static struct gnode *sort_gnodes;

/* by layer, then (other) last, then the most used first, then name */
static int
gnode_cmp(const void *a, const void *b)
{
	const struct gnode *x = &sort_gnodes[*(const size_t *)a],
	    *y = &sort_gnodes[*(const size_t *)b];
	int xo = strcmp(x->name, "(other)") == 0,
	    yo = strcmp(y->name, "(other)") == 0;

	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	if (xo != yo)
		return xo - yo;
	if (gnode_value(x) != gnode_value(y))
		return gnode_value(x) < gnode_value(y) ? 1 : -1;
	return strcmp(x->name, y->name);
}

static size_t
gnode_get(struct gnode **v, size_t *n, size_t *cap, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0)
			return i;
	*v = jn_xgrow(*v, cap, *n + 1, sizeof **v);
	memset(&(*v)[*n], 0, sizeof (*v)[*n]);
	(*v)[*n].name = name;
	(*v)[*n].layer = -1;
	return (*n)++;
}

#define GNODE_W 10.0
#define GROW 46.0		/* a node's row */

static void
graph_edge(struct jn_strbuf *b, const char *d, const char *cls,
    double width, const char *tip)
{
	jn_strbuf_printf(b, "<path d=\"%s\" class=\"%s\" style=\""
	    "stroke-width:%.1f;stroke-opacity:.5\"><title>", d, cls, width);
	jn_xml_text(b, tip, strlen(tip));
	jn_strbuf_printf(b, "</title></path>\n");
}

/* path data: M a C c1 c2 b */
static void
curve(struct jn_strbuf *d, const double *p)
{
	int i;

	d->len = 0;
	for (i = 0; i < 8; i++) {
		jn_strbuf_printf(d, i == 0 ? "M" : i == 2 ? "C" : i % 2 ?
		    "," : " ");
		jn_svg_coord(d, p[i]);
	}
}

/* A box of the graph that a label must not cover. */
struct gbox {
	double x0, y0, x1, y1;
};

/* A move's label, placed once all moves are drawn. */
struct glabel {
	double x, y;		/* the anchor, baseline */
	const char *anchor;	/* "middle" or "end" */
	char text[96];
};

/* The box of 11px text (about 6 px a character) at x, baseline y. */
static struct gbox
tick_box(double x, double y, const char *anchor, const char *text)
{
	double w = 0.92 * jn_svg_text_width(jn_utf8_len(text));
	struct gbox b;

	b.x0 = strcmp(anchor, "end") == 0 ? x - w : strcmp(anchor,
	    "middle") == 0 ? x - w / 2 : x;
	b.x1 = b.x0 + w;
	b.y0 = y - 10;
	b.y1 = y + 2;
	return b;
}

static int
boxes_meet(const struct gbox *a, const struct gbox *b)
{
	return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1 &&
	    b->y0 < a->y1;
}

/*
 * Place the labels, the most frequent move's first (lab[n - 1]): each
 * at its anchor or up to two lines above or below it, where it covers
 * no node, node label or label placed; a label with no such place is
 * left out (the table has every number).  The boxes taken are added to
 * *box (*nbox of them, room for n more).
 */
static void
place_labels(struct jn_strbuf *svg, const struct glabel *lab, size_t n,
    struct gbox *box, size_t *nbox)
{
	static const double dy[] = { 0, -12, 12, -24, 24 };
	size_t i, j, k;

	for (i = n; i-- > 0;) {
		for (k = 0; k < sizeof dy / sizeof dy[0]; k++) {
			struct gbox b = tick_box(lab[i].x, lab[i].y + dy[k],
			    lab[i].anchor, lab[i].text);

			for (j = 0; j < *nbox && !boxes_meet(&b, &box[j]); j++)
				;
			if (j == *nbox) {
				box[(*nbox)++] = b;
				jn_svg_text(svg, lab[i].x, lab[i].y + dy[k],
				    lab[i].anchor, "tick", lab[i].text, 0);
				break;
			}
		}
	}
}

void
jn_chart_graph(struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	struct gnode *v = NULL;
	size_t n = 0, cap = 0, r, i, k, *from, *to, *order, nshown = 0,
	    ntp = 0, drawn = 0, maxrank = 0, *labelled_rows;
	double maxtr = 0, colw, h, lw;
	int maxlayer = 0, changed = 1, step;
	size_t maxch;
	char tip[512], vb[64], mb[64], buf[256];
	struct jn_strbuf d = { NULL, 0, 0 };
	struct glabel lab[12];
	struct gbox *box;
	size_t nlab = 0, nbox = 0;

	if (s->group >= 0 || t->nrows == 0) {
		jn_chart_edges(s);
		return;
	}
	from = jn_xcalloc(t->nrows, sizeof *from);
	to = jn_xcalloc(t->nrows, sizeof *to);
	for (r = 0; r < t->nrows; r++) {
		double tr = num0(t, r, "transitions");

		from[r] = gnode_get(&v, &n, &cap, text(t, r, "from"));
		to[r] = gnode_get(&v, &n, &cap, text(t, r, "to"));
		v[from[r]].out += tr;
		v[to[r]].in += tr;
		maxtr = fmax(maxtr, tr);
	}
	/* layers: the first step at which a path reaches the touchpoint */
	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, "(start)") == 0)
			v[i].layer = 0;
	for (step = 0; changed; step++) {
		changed = 0;
		for (r = 0; r < t->nrows; r++)
			if (v[from[r]].layer == step &&
			    v[to[r]].layer < 0 &&
			    strcmp(v[to[r]].name, "(end)") != 0) {
				v[to[r]].layer = step + 1;
				changed = 1;
				if (step + 1 > maxlayer)
					maxlayer = step + 1;
			}
	}
	/* what no path from (start) reaches, then (end), on the right */
	for (i = 0; i < n; i++)
		if (v[i].layer < 0 && strcmp(v[i].name, "(end)") != 0)
			v[i].layer = maxlayer + 1;
	for (i = 0; i < n; i++)
		if (v[i].layer > maxlayer)
			maxlayer = v[i].layer;
	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, "(end)") == 0)
			v[i].layer = ++maxlayer;
	/* the --top touchpoints most used, (start) and (end) always */
	order = jn_xcalloc(n + 1, sizeof *order);
	for (i = 0; i < n; i++)
		order[i] = i;
	sort_gnodes = v;
	for (i = 0; i < n; i++) {
		size_t j, best = i;

		for (j = i + 1; j < n; j++)
			if (gnode_value(&v[order[j]]) >
			    gnode_value(&v[order[best]]) ||
			    (gnode_value(&v[order[j]]) ==
			    gnode_value(&v[order[best]]) &&
			    strcmp(v[order[j]].name, v[order[best]].name) < 0))
				best = j;
		k = order[i];
		order[i] = order[best];
		order[best] = k;
	}
	for (i = 0; i < n; i++) {
		struct gnode *g = &v[order[i]];
		int fixed = strcmp(g->name, "(start)") == 0 ||
		    strcmp(g->name, "(end)") == 0;

		if (!fixed)
			ntp++;
		if (fixed || nshown < s->top) {
			g->shown = 1;
			if (!fixed)
				nshown++;
		}
	}
	if (n > 0)
		qsort(order, n, sizeof *order, gnode_cmp);
	lw = jn_svg_text_width(24);
	colw = maxlayer > 0 ? (WIDE - 40 - lw - GNODE_W) / maxlayer : 0;
	/* a node's label fits in its column */
	for (maxch = 8; maxch < 40 && jn_svg_text_width(maxch + 1) <
	    colw - GNODE_W - 12; maxch++)
		;
	{
		int layer = -1;
		size_t rank = 0;

		for (i = 0; i < n; i++) {
			struct gnode *g = &v[order[i]];

			if (!g->shown)
				continue;
			if (g->layer != layer) {
				layer = g->layer;
				rank = 0;
			}
			g->rank = rank++;
			if (g->rank > maxrank)
				maxrank = g->rank;
			g->x = 20 + colw * g->layer;
			g->y = 40 + GROW * (double)g->rank;
		}
	}
	h = 40 + GROW * (double)(maxrank + 1) + 70;
	jn_svg_begin(&s->svg, WIDE, h, s->heading, NULL, 0);
	for (i = 0; i <= (size_t)maxlayer; i++) {
		if (i == 0)
			snprintf(buf, sizeof buf, "start");
		else if (i == (size_t)maxlayer)
			snprintf(buf, sizeof buf, "end");
		else
			snprintf(buf, sizeof buf, "step %zu", i);
		jn_svg_text(&s->svg, 20 + colw * (double)i, 16, "start",
		    "note", buf, 0);
	}
	/* the edges, the least frequent first so the others lie on top */
	labelled_rows = jn_xcalloc(t->nrows, sizeof *labelled_rows);
	for (r = 0; r < t->nrows; r++)
		labelled_rows[r] = r;
	for (r = 1; r < t->nrows; r++) {
		size_t x = labelled_rows[r], j;

		for (j = r; j > 0 && num0(t, labelled_rows[j - 1],
		    "transitions") > num0(t, x, "transitions"); j--)
			labelled_rows[j] = labelled_rows[j - 1];
		labelled_rows[j] = x;
	}
	for (k = 0; k < t->nrows; k++) {
		const struct gnode *a, *b;
		double tr, w, p[8], lx, ly, med;
		const char *cls, *anchor = "middle";
		int back;

		r = labelled_rows[k];
		a = &v[from[r]];
		b = &v[to[r]];
		if (!a->shown || !b->shown)
			continue;
		drawn++;
		tr = num0(t, r, "transitions");
		w = 1 + 13 * (maxtr > 0 ? tr / maxtr : 0);
		cls = a->layer == 0 || b->layer == maxlayer ? "expected" :
		    "series";
		back = b->layer <= a->layer;
		if (from[r] == to[r]) {
			/* a self-loop: a thin loop above the node, its count
			 * in the node's label */
			p[0] = a->x + 2; p[1] = a->y;
			p[2] = a->x - 10; p[3] = a->y - 14;
			p[4] = a->x + GNODE_W + 10; p[5] = a->y - 14;
			p[6] = a->x + GNODE_W - 2; p[7] = a->y;
			w = 1.5;
			lx = ly = NAN;
			v[from[r]].self = tr;
		} else if (a->layer == b->layer) {
			/* within a column: an arc on its left */
			double ya = a->y + 8, yb = b->y + 8,
			    off = 14 + 10 * fabs(yb - ya) / GROW +
			    (ya > yb ? 18 : 0);	/* upward further out */

			p[0] = a->x; p[1] = ya; p[2] = a->x - off; p[3] = ya;
			p[4] = a->x - off; p[5] = yb; p[6] = a->x; p[7] = yb;
			lx = a->x - off * 0.75 - 3;
			ly = (ya + yb) / 2 + 3;
			anchor = "end";
		} else if (!back) {
			double xa = a->x + GNODE_W, ya = a->y + 8,
			    xb = b->x, yb = b->y + 8, xm = (xa + xb) / 2;

			p[0] = xa; p[1] = ya; p[2] = xm; p[3] = ya;
			p[4] = xm; p[5] = yb; p[6] = xb; p[7] = yb;
			lx = xm;
			ly = (ya + yb) / 2 - 3;
		} else {
			/* back to an earlier layer: an arc under the nodes */
			double xa = a->x + GNODE_W / 2, ya = a->y + 16,
			    xb = b->x + GNODE_W / 2, yb = b->y + 16,
			    low = fmax(ya, yb) + 24 + 6 * fabs(xa - xb) /
			    fmax(colw, 1);

			p[0] = xa; p[1] = ya; p[2] = xa; p[3] = low;
			p[4] = xb; p[5] = low; p[6] = xb; p[7] = yb;
			lx = ly = NAN;
			cls = "series back";
		}
		curve(&d, p);
		fmt(vb, sizeof vb, JN_COL_INT, tr);
		mb[0] = '\0';
		if (num(t, r, "median_time", &med) == 0)
			fmt(mb, sizeof mb, JN_COL_DURATION, med);
		snprintf(tip, sizeof tip, "%s \xe2\x86\x92 %s: %s "
		    "transition%s%s%s", a->name, b->name, vb, tr == 1 ? "" :
		    "s", *mb ? ", median " : "", mb);
		graph_edge(&s->svg, d.buf, cls, w, tip);
		/* the dozen most frequent moves between touchpoints named */
		if (k + 12 >= t->nrows && !isnan(lx) && a->layer > 0 &&
		    b->layer < maxlayer) {
			lab[nlab].x = lx;
			lab[nlab].y = ly;
			lab[nlab].anchor = anchor;
			snprintf(lab[nlab].text, sizeof lab[nlab].text,
			    "%s%s%s", vb, *mb ? " \xc2\xb7 " : "", mb);
			nlab++;
		}
	}
	/*
	 * What labels must not cover: the column headings, the nodes,
	 * their labels and loops.
	 */
	box = jn_xcalloc((size_t)maxlayer + 1 + n + nlab + 1, sizeof *box);
	for (i = 0; i <= (size_t)maxlayer; i++) {
		box[nbox].x0 = 20 + colw * (double)i;
		box[nbox].x1 = box[nbox].x0 + jn_svg_text_width(8);
		box[nbox].y0 = 0;
		box[nbox].y1 = 20;
		nbox++;
	}
	for (i = 0; i < n; i++) {
		const struct gnode *g = &v[order[i]];
		size_t len;

		if (!g->shown)
			continue;
		fmt(vb, sizeof vb, JN_COL_INT, gnode_value(g));
		snprintf(buf, sizeof buf, "%s %s", g->name, vb);
		len = jn_utf8_len(buf);
		box[nbox].x0 = g->x - 2;
		box[nbox].y0 = g->y - 14;
		box[nbox].x1 = g->x + GNODE_W + 8 + jn_svg_text_width(len <
		    maxch ? len : maxch);
		box[nbox].y1 = g->y + (g->self > 0 ? 30 : 17);
		nbox++;
	}
	place_labels(&s->svg, lab, nlab, box, &nbox);
	free(box);
	for (i = 0; i < n; i++) {
		const struct gnode *g = &v[order[i]];
		int end = g->name[0] == '(';
		double gh = 16;
		size_t len;

		if (!g->shown)
			continue;
		fmt(vb, sizeof vb, JN_COL_INT, gnode_value(g));
		snprintf(tip, sizeof tip, "%s: %s transitions", g->name, vb);
		jn_svg_rect(&s->svg, g->x, g->y, GNODE_W, gh, end ?
		    "node end" : "node", tip);
		snprintf(buf, sizeof buf, "%s %s", g->name, vb);
		len = jn_utf8_len(buf);
		if (len > maxch)
			len = maxch;
		/* on a patch of background: edges pass behind the label */
		jn_svg_rect(&s->svg, g->x + GNODE_W + 2, g->y + 1,
		    jn_svg_text_width(len) + 4, 15, "bg", NULL);
		jn_svg_text(&s->svg, g->x + GNODE_W + 4, g->y + 12, "start",
		    "label", buf, maxch);
		if (g->self > 0) {
			fmt(mb, sizeof mb, JN_COL_INT, g->self);
			snprintf(buf, sizeof buf, "\xe2\x86\xbb %s to itself",
			    mb);
			jn_svg_text(&s->svg, g->x + GNODE_W + 4, g->y + 27,
			    "start", "tick", buf, 0);
		}
	}
	jn_svg_end(&s->svg);
	jn_strbuf_printf(&s->lede, "The directly-follows graph: each "
	    "touchpoint in the column of the first step at which a path "
	    "reaches it, "
	    "each move a curve as wide as its transitions; moves back to an "
	    "earlier column (the cycles) arc underneath. Labels give "
	    "transitions and the median time of the most frequent moves.");
	if (nshown < ntp)
		jn_strbuf_printf(&s->note, "The graph shows the %zu most "
		    "used of %zu touchpoints and %zu of the table's %zu rows; "
		    "the table has them all. ", nshown, ntp, drawn,
		    t->nrows);
	free(d.buf);
	free(labelled_rows);
	free(order);
	free(from);
	free(to);
	free(v);
}

/*
 * The decimals of a plain decimal text ([-]digits[.digits]), or -1 for
 * anything else (an exponent, inf, nan).
 */
static int
text_decimals(const char *s)
{
	const char *dot = NULL;

	if (*s == '-' || *s == '+')
		s++;
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == '.' && dot == NULL)
			dot = s;
		else if (*s < '0' || *s > '9')
			return -1;
	}
	return dot == NULL ? 0 : (int)(s - dot - 1) > 17 ? 17 :
	    (int)(s - dot - 1);
}

/*
 * Number d (read from text) of column name, of type ty, as the writers
 * show it in a table: a survey figure at its precision (score.h), a
 * plain number at the decimals its writer gave it (jscore's 0.5000 is
 * not 0.5 beside 0.2644), anything else as its type.  Returns buf.
 */
static const char *
table_number(char *buf, size_t size, enum jn_coltype ty, const char *name,
    double d, const char *text)
{
	int k = jn_score_column(name), dec;
	struct jn_cell x;

	if (ty != JN_COL_NUM)
		return fmt(buf, size, ty, d);
	if (k >= 0)
		x = jn_score_cell((enum jn_score_kind)k, d);
	else if ((dec = text_decimals(text)) >= 0)
		x = jn_cell_fixed(d, dec);
	else
		return fmt(buf, size, ty, d);
	(void)jn_format_cell(buf, size, ty, &x, 1);
	return buf;
}

/* ---- the numbers ---- */

void
jn_chart_numbers(struct jn_strbuf *b, const struct jn_table *t,
    const int *hl, const enum jn_coltype *types, const unsigned char *rate)
{
	size_t r, c;
	char vb[64];

	jn_strbuf_printf(b, "<table>\n<thead><tr>");
	for (c = 0; c < t->ncols; c++) {
		enum jn_coltype ty = types ? types[c] :
		    jn_table_coltype(t->names[c]);

		jn_strbuf_printf(b, "<th%s>", ty != JN_COL_STR ?
		    " class=\"n\"" : "");
		jn_xml_text(b, t->names[c], strlen(t->names[c]));
		jn_strbuf_printf(b, "</th>");
	}
	jn_strbuf_printf(b, "</tr></thead>\n<tbody>\n");
	for (r = 0; r < t->nrows; r++) {
		jn_strbuf_printf(b, "<tr%s>", hl && hl[r] ? " class=\"hl\"" :
		    "");
		for (c = 0; c < t->ncols; c++) {
			const char *v = cell(t, r, (int)c);
			enum jn_coltype ty = types ? types[c] :
			    jn_table_coltype(t->names[c]);
			double d;

			if (rate && rate[r] && ty == JN_COL_NUM &&
			    strcmp(t->names[c], "score") != 0 &&
			    strcmp(t->names[c], "numerator") != 0 &&
			    strcmp(t->names[c], "denominator") != 0)
				ty = JN_COL_RATE;
			if (ty != JN_COL_STR) {
				jn_strbuf_printf(b, "<td class=\"n\">");
				if (jn_parse_double(v, strlen(v), &d) == 0)
					v = table_number(vb, sizeof vb, ty,
					    t->names[c], d, v);
			} else {
				jn_strbuf_printf(b, "<td>");
			}
			jn_xml_text(b, v, strlen(v));
			jn_strbuf_printf(b, "</td>");
		}
		jn_strbuf_printf(b, "</tr>\n");
	}
	jn_strbuf_printf(b, "</tbody>\n</table>\n");
}
