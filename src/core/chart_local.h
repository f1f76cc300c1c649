/*
 * Short names for the chart helpers of journey/chart.h, private to the
 * modules that draw the toolkit's tables (chart.c: the helpers and the
 * journey maps; chart_report.c: the report's tables), so that a picture
 * reads as what it draws.  Not installed.
 */
#ifndef JOURNEY_CHART_LOCAL_H
#define JOURNEY_CHART_LOCAL_H

#include "journey/chart.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define WIDTH JN_CHART_WIDTH
#define WIDE JN_CHART_WIDE
#define ROW JN_CHART_ROW
#define LABEL_MAX JN_CHART_LABEL_MAX

static inline const char *
fmt(char *buf, size_t size, enum jn_coltype type, double d)
{
	return jn_svg_number(buf, size, type, d);
}

static inline const char *
cell(const struct jn_table *t, size_t r, int c)
{
	return jn_chart_cell(t, r, c);
}

static inline const char *
text(const struct jn_table *t, size_t r, const char *col)
{
	return jn_chart_text(t, r, col);
}

static inline int
num(const struct jn_table *t, size_t r, const char *col, double *d)
{
	return jn_chart_num(t, r, col, d);
}

static inline double
num0(const struct jn_table *t, size_t r, const char *col)
{
	return jn_chart_num0(t, r, col);
}

static inline const char *
group_of(const struct jn_chart *s, size_t r)
{
	return jn_chart_group(s, r);
}

static inline size_t
next_group(const struct jn_chart *s, size_t r)
{
	return jn_chart_next_group(s, r);
}

static inline void
labelled(char *buf, size_t size, const char *group, const char *label)
{
	jn_chart_labelled(buf, size, group, label);
}

static inline struct jn_bar *
new_bars(size_t n)
{
	return jn_bars_new(n);
}

static inline void
hbars(struct jn_chart *s, const struct jn_bar *bars, size_t n,
    enum jn_coltype type, const char *axis)
{
	jn_chart_hbars(s, bars, n, type, axis);
}

static inline void
cut_note(struct jn_chart *s, size_t shown, size_t n, const char *what)
{
	jn_chart_cut_note(s, shown, n, what);
}

static inline size_t
names_add(struct jn_names *ns, const char *s, double w)
{
	return jn_names_add(ns, s, w);
}

static inline size_t
names_find(const struct jn_names *ns, const char *s)
{
	return jn_names_find(ns, s);
}

static inline void
names_free(struct jn_names *ns)
{
	jn_names_free(ns);
}

static inline void
heat_cell(struct jn_strbuf *b, double x, double y, double w, double h,
    double v, double vmax, const char *label, const char *tip)
{
	jn_heat_cell(b, x, y, w, h, v, vmax, label, tip);
}

#endif
