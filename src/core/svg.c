/*
 * SVG marks, scales and the HTML page frame (journey/svg.h), for the
 * tools that draw: jreport's charts today.  Everything is appended to a
 * jn_strbuf as text; nothing here knows a table or a tool.  Colors live
 * in the style sheet only, as CSS variables switched by
 * prefers-color-scheme, so one chart serves the light and the dark page
 * and the printed one.
 */
#include "journey/svg.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text ---- */

void
jn_xml_text(struct jn_strbuf *b, const char *s, size_t len)
{
	jn_escape(b, &jn_esc_html, s, len);
}

size_t
jn_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int
jn_xml_text_cut(struct jn_strbuf *b, const char *s, size_t max)
{
	size_t len = strlen(s), i = 0, k = 0;

	if (max == 0 || jn_utf8_len(s) <= max) {
		jn_xml_text(b, s, len);
		return 0;
	}
	/* max - 1 characters, then the ellipsis */
	while (i < len && k < max - 1) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		k++;
	}
	jn_xml_text(b, s, i);
	jn_strbuf_printf(b, "%s", "\xe2\x80\xa6");
	return 1;
}

char *
jn_svg_number(char *buf, size_t size, enum jn_coltype t, double d)
{
	char tmp[512];
	struct jn_cell c = jn_cell_num(d);

	assert(size > 0);
	if (t == JN_COL_INT) {
		if (fabs(d) < 9.2e18 && d == floor(d))
			c = jn_cell_int((int64_t)d);
		else
			t = JN_COL_NUM;
	}
	if (t == JN_COL_STR)
		t = JN_COL_NUM;
	jn_format_cell(tmp, sizeof tmp, t, &c, 1);
	snprintf(buf, size, "%s", tmp);
	return buf;
}

/* ---- scales ---- */

void
jn_scale_init(struct jn_scale *s, double d0, double d1, double r0,
    double r1)
{
	s->d0 = d0;
	s->d1 = d1;
	s->r0 = r0;
	s->r1 = r1;
}

double
jn_scale_map(const struct jn_scale *s, double v)
{
	if (s->d1 == s->d0)
		return (s->r0 + s->r1) / 2;
	return s->r0 + (v - s->d0) / (s->d1 - s->d0) * (s->r1 - s->r0);
}

/*
 * d3's tickIncrement: the step for count ticks over [lo, hi] as a power
 * of ten times 1, 2 or 5; a positive result is the step, a negative one
 * -1/step (so that 0.1 is exactly 1/10).  The thresholds are the
 * geometric means between 1, 2, 5 and 10.
 */
static double
tick_increment(double lo, double hi, size_t count)
{
	double step = (hi - lo) / (double)(count ? count : 1);
	double power = floor(log10(step));
	double error = step / pow(10, power);
	double f = error >= sqrt(50) ? 10 : error >= sqrt(10) ? 5 :
	    error >= sqrt(2) ? 2 : 1;

	return power >= 0 ? f * pow(10, power) : -pow(10, -power) / f;
}

size_t
jn_ticks(double lo, double hi, size_t want, double *ticks, size_t max)
{
	double inc, k0, k1, t;
	size_t n = 0, i;

	if (!isfinite(lo) || !isfinite(hi) || max == 0)
		return 0;
	if (lo > hi) {
		t = lo;
		lo = hi;
		hi = t;
	}
	if (lo == hi) {
		ticks[0] = lo;
		return 1;
	}
	inc = tick_increment(lo, hi, want);
	if (!isfinite(inc) || inc == 0)
		return 0;
	if (inc > 0) {
		k0 = ceil(lo / inc);
		k1 = floor(hi / inc);
		for (i = 0; k0 + (double)i <= k1 && n < max; i++)
			ticks[n++] = (k0 + (double)i) * inc;
	} else {
		k0 = ceil(lo * -inc);
		k1 = floor(hi * -inc);
		for (i = 0; k0 + (double)i <= k1 && n < max; i++)
			ticks[n++] = (k0 + (double)i) / -inc;
	}
	return n;
}

double
jn_nice(double *lo, double *hi, size_t want)
{
	double a = *lo, b = *hi, inc = 0, prev = 0;
	int i;

	if (!isfinite(a) || !isfinite(b))
		return 0;
	if (a > b) {
		double t = a;

		a = b;
		b = t;
	}
	if (a == b) {
		if (a > 0)
			a = 0;
		else if (a < 0)
			b = 0;
		else
			b = 1;
	}
	for (i = 0; i < 10; i++) {
		inc = tick_increment(a, b, want);
		if (inc == prev || !isfinite(inc) || inc == 0)
			break;
		if (inc > 0) {
			a = floor(a / inc) * inc;
			b = ceil(b / inc) * inc;
		} else {
			a = floor(a * -inc) / -inc;
			b = ceil(b * -inc) / -inc;
		}
		prev = inc;
	}
	*lo = a;
	*hi = b;
	return inc > 0 ? inc : inc < 0 ? 1 / -inc : 0;
}

void
jn_band_init(struct jn_band *b, size_t n, double r0, double r1,
    double padding)
{
	b->n = n;
	b->r0 = r0;
	if (n == 0) {
		b->step = b->width = 0;
		return;
	}
	/* each step a band and a gap: half a gap outside each end */
	b->step = (r1 - r0) / (double)n;
	b->width = b->step * (1 - padding);
	b->r0 = r0 + b->step * padding / 2;
}

double
jn_band_pos(const struct jn_band *b, size_t i)
{
	return b->r0 + b->step * (double)i;
}

/* ---- marks ---- */

void
jn_svg_coord(struct jn_strbuf *b, double v)
{
	char buf[64];
	size_t n;

	if (!isfinite(v))
		v = 0;
	snprintf(buf, sizeof buf, "%.1f", v);
	n = strlen(buf);
	if (n >= 2 && strcmp(buf + n - 2, ".0") == 0)
		buf[n - 2] = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
	jn_strbuf_printf(b, "%s", buf);
}

static void
attr(struct jn_strbuf *b, const char *name, double v)
{
	jn_strbuf_printf(b, " %s=\"", name);
	jn_svg_coord(b, v);
	jn_strbuf_printf(b, "\"");
}

static void
cls_attr(struct jn_strbuf *b, const char *cls)
{
	if (cls) {
		jn_strbuf_printf(b, " class=\"");
		jn_xml_text(b, cls, strlen(cls));
		jn_strbuf_printf(b, "\"");
	}
}

static void
close_mark(struct jn_strbuf *b, const char *el, const char *tip)
{
	if (tip == NULL) {
		jn_strbuf_printf(b, "/>\n");
		return;
	}
	jn_strbuf_printf(b, "><title>");
	jn_xml_text(b, tip, strlen(tip));
	jn_strbuf_printf(b, "</title></%s>\n", el);
}

void
jn_svg_begin(struct jn_strbuf *b, double w, double h, const char *title,
    const char *desc, int standalone)
{
	jn_strbuf_printf(b, "<svg%s role=\"img\" aria-label=\"",
	    standalone ? " xmlns=\"http://www.w3.org/2000/svg\"" : "");
	jn_xml_text(b, title, strlen(title));
	jn_strbuf_printf(b, "\"");
	attr(b, "width", w);
	attr(b, "height", h);
	jn_strbuf_printf(b, " viewBox=\"0 0 ");
	jn_svg_coord(b, w);
	jn_strbuf_printf(b, " ");
	jn_svg_coord(b, h);
	jn_strbuf_printf(b, "\" class=\"chart\">\n<title>");
	jn_xml_text(b, title, strlen(title));
	jn_strbuf_printf(b, "</title>\n");
	if (desc) {
		jn_strbuf_printf(b, "<desc>");
		jn_xml_text(b, desc, strlen(desc));
		jn_strbuf_printf(b, "</desc>\n");
	}
	if (standalone)
		jn_strbuf_printf(b, "<style>%s</style>\n<rect class=\"bg\" "
		    "width=\"100%%\" height=\"100%%\"/>\n", jn_svg_css());
}

void
jn_svg_end(struct jn_strbuf *b)
{
	jn_strbuf_printf(b, "</svg>\n");
}

void
jn_svg_rect(struct jn_strbuf *b, double x, double y, double w, double h,
    const char *cls, const char *tip)
{
	jn_strbuf_printf(b, "<rect");
	attr(b, "x", x);
	attr(b, "y", y);
	attr(b, "width", w > 0 ? w : 0);
	attr(b, "height", h > 0 ? h : 0);
	cls_attr(b, cls);
	close_mark(b, "rect", tip);
}

void
jn_svg_line(struct jn_strbuf *b, double x1, double y1, double x2,
    double y2, const char *cls)
{
	jn_strbuf_printf(b, "<line");
	attr(b, "x1", x1);
	attr(b, "y1", y1);
	attr(b, "x2", x2);
	attr(b, "y2", y2);
	cls_attr(b, cls);
	jn_strbuf_printf(b, "/>\n");
}

void
jn_svg_circle(struct jn_strbuf *b, double cx, double cy, double r,
    const char *cls, const char *tip)
{
	jn_strbuf_printf(b, "<circle");
	attr(b, "cx", cx);
	attr(b, "cy", cy);
	attr(b, "r", r);
	cls_attr(b, cls);
	close_mark(b, "circle", tip);
}

void
jn_svg_path(struct jn_strbuf *b, const char *d, const char *cls,
    const char *tip)
{
	jn_strbuf_printf(b, "<path d=\"%s\"", d);
	cls_attr(b, cls);
	close_mark(b, "path", tip);
}

void
jn_svg_text(struct jn_strbuf *b, double x, double y, const char *anchor,
    const char *cls, const char *s, size_t max)
{
	struct jn_strbuf t = { NULL, 0, 0 };
	int cut;

	jn_strbuf_printf(b, "<text");
	attr(b, "x", x);
	attr(b, "y", y);
	if (anchor && strcmp(anchor, "start") != 0)
		jn_strbuf_printf(b, " text-anchor=\"%s\"", anchor);
	cls_attr(b, cls);
	jn_strbuf_printf(b, ">");
	cut = jn_xml_text_cut(&t, s, max);
	if (cut) {
		jn_strbuf_printf(b, "<title>");
		jn_xml_text(b, s, strlen(s));
		jn_strbuf_printf(b, "</title>");
	}
	jn_strbuf_printf(b, "%s</text>\n", t.buf ? t.buf : "");
	free(t.buf);
}

/* A tick label: rates as whole percentages where they are whole. */
static void
tick_label(char *buf, size_t size, enum jn_coltype type, double v)
{
	if (type == JN_COL_RATE) {
		char num[64];
		size_t n;

		snprintf(num, sizeof num, "%.1f", v * 100);
		n = strlen(num);
		if (n >= 2 && strcmp(num + n - 2, ".0") == 0)
			num[n - 2] = '\0';
		if (strcmp(num, "-0") == 0)
			strcpy(num, "0");
		snprintf(buf, size, "%s%%", num);
		return;
	}
	if ((type == JN_COL_INT || type == JN_COL_MONEY) && v != floor(v))
		type = JN_COL_NUM;
	else if (type == JN_COL_MONEY || type == JN_COL_NUM)
		type = v == floor(v) && fabs(v) < 1e15 ? JN_COL_INT :
		    JN_COL_NUM;
	jn_svg_number(buf, size, type, v);
}

void
jn_svg_axis_x(struct jn_strbuf *b, const struct jn_scale *s,
    const double *ticks, size_t n, double y0, double y1,
    enum jn_coltype type)
{
	char buf[128];
	size_t i;

	for (i = 0; i < n; i++) {
		double x = jn_scale_map(s, ticks[i]);

		jn_svg_line(b, x, y0, x, y1, ticks[i] == 0 ? "axis" : "grid");
		tick_label(buf, sizeof buf, type, ticks[i]);
		jn_svg_text(b, x, y1 + 14, "middle", "tick", buf, 0);
	}
}

void
jn_svg_axis_y(struct jn_strbuf *b, const struct jn_scale *s,
    const double *ticks, size_t n, double x0, double x1,
    enum jn_coltype type)
{
	char buf[128];
	size_t i;

	for (i = 0; i < n; i++) {
		double y = jn_scale_map(s, ticks[i]);

		jn_svg_line(b, x0, y, x1, y, ticks[i] == 0 ? "axis" : "grid");
		tick_label(buf, sizeof buf, type, ticks[i]);
		jn_svg_text(b, x0 - 6, y + 4, "end", "tick", buf, 0);
	}
}

double
jn_svg_text_width(size_t n)
{
	/* 12px system sans: about 6.6px a character on average */
	return 6.6 * (double)n;
}

/* ---- the page ---- */

static const char css[] =
	":root{--bg:#fff;--fg:#1f2328;--muted:#59636e;--grid:#e4e7eb;"
	"--axis:#8c959f;--bar:#3b6fb6;--bar2:#9db7dc;--bad:#c62828;"
	"--good:#2e7d32;--warn:#b26a00;--band:#3b6fb6;--heat:#3b6fb6;"
	"--link:#3b6fb6;--node:#24446f;--end:#8c959f;--row:#f6f8fa}\n"
	"@media (prefers-color-scheme:dark){:root{--bg:#161b22;"
	"--fg:#e6edf3;--muted:#9198a1;--grid:#2f353d;--axis:#6e7681;"
	"--bar:#5b8fd6;--bar2:#34527c;--bad:#f47067;--good:#57ab5a;"
	"--warn:#e0a045;--band:#5b8fd6;--heat:#6ea0e6;--link:#5b8fd6;"
	"--node:#a8c7f0;--end:#6e7681;--row:#1c2129}}\n"
	"svg.chart{font:12px system-ui,-apple-system,'Segoe UI',"
	"Roboto,sans-serif;max-width:100%;height:auto}\n"
	"svg.chart text{fill:var(--fg)}\n"
	"svg.chart .bg{fill:var(--bg)}\n"
	"svg.chart .tick,svg.chart .note{fill:var(--muted);font-size:11px}\n"
	"svg.chart .label{font-size:12px}\n"
	"svg.chart .head{font-weight:600}\n"
	"svg.chart .value{font-weight:600}\n"
	"svg.chart .drop{fill:var(--bad);font-size:11px}\n"
	"svg.chart .grid{stroke:var(--grid);stroke-width:1}\n"
	"svg.chart .axis{stroke:var(--axis);stroke-width:1}\n"
	"svg.chart .bar{fill:var(--bar)}\n"
	"svg.chart .bar2{fill:var(--bar2)}\n"
	"svg.chart .lost{fill:var(--bad);fill-opacity:.18}\n"
	"svg.chart .p1{fill:var(--bad)}\n"
	"svg.chart .p2{fill:var(--warn)}\n"
	"svg.chart .p3{fill:var(--axis)}\n"
	"svg.chart .ok{fill:var(--axis);stroke:var(--axis)}\n"
	"svg.chart .bad{fill:var(--bad);stroke:var(--bad)}\n"
	"svg.chart .good{fill:var(--good);stroke:var(--good)}\n"
	"svg.chart .warn{fill:var(--warn);stroke:var(--warn)}\n"
	"svg.chart .whisker{stroke-width:2}\n"
	"svg.chart .band{fill:var(--band);fill-opacity:.16}\n"
	"svg.chart .expected{stroke:var(--muted);stroke-width:1;"
	"stroke-dasharray:4 3;fill:none}\n"
	"svg.chart .series{stroke:var(--bar);stroke-width:2;fill:none}\n"
	"svg.chart .point{fill:var(--bar)}\n"
	"svg.chart .flag{fill:var(--bad);stroke:var(--bg);stroke-width:1.5}\n"
	"svg.chart .heat{fill:var(--heat)}\n"
	"svg.chart .empty{fill:var(--row)}\n"
	"svg.chart text.on{fill:#fff}\n"
	"svg.chart .link{fill:var(--link);fill-opacity:.28}\n"
	"svg.chart .link.end{fill:var(--end);fill-opacity:.22}\n"
	"svg.chart .node{fill:var(--node)}\n"
	"svg.chart .node.end{fill:var(--end)}\n";

static const char page_css[] =
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:var(--bg);color:var(--fg);"
	"font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,"
	"sans-serif}\n"
	"main{max-width:1180px;margin:0 auto;padding:24px}\n"
	"h1{font-size:24px;margin:0 0 4px}\n"
	"h2{font-size:18px;margin:0 0 2px}\n"
	"section{border-top:1px solid var(--grid);padding:18px 0 8px}\n"
	"figure{break-inside:avoid}\n"
	"h2,p.lede{break-after:avoid}\n"
	"p.lede{color:var(--muted);margin:0 0 12px}\n"
	"p.prov{color:var(--muted);font-size:12px;margin:0 0 10px;"
	"overflow-wrap:anywhere}\n"
	"nav ol{margin:4px 0 12px;padding-left:22px;columns:2}\n"
	"a{color:var(--link)}\n"
	".pair{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}\n"
	".pair figure{margin:0;flex:1 1 560px;min-width:0}\n"
	".pair .numbers{flex:1 1 380px;min-width:0;overflow-x:auto}\n"
	".pair.wide{display:block}\n"
	".pair.wide figure{margin-bottom:12px}\n"
	"figure figcaption{color:var(--muted);font-size:12px;margin-top:4px}\n"
	"table{border-collapse:collapse;font-size:12px;"
	"font-variant-numeric:tabular-nums}\n"
	"th,td{padding:3px 8px;border-bottom:1px solid var(--grid);"
	"text-align:left;vertical-align:top}\n"
	"th{font-weight:600;color:var(--muted);white-space:nowrap}\n"
	"td.n,th.n{text-align:right;white-space:nowrap}\n"
	"tbody tr:nth-child(even){background:var(--row)}\n"
	"tr.hl td{color:var(--bad);font-weight:600}\n"
	"footer{color:var(--muted);font-size:12px;padding:12px 0}\n"
	"@page{size:A4;margin:14mm}\n"
	"@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--grid:#ccc;"
	"--row:#f3f3f3}main{max-width:none;padding:0}"
	".pair{display:block}.pair figure{margin-bottom:8px}"
	".pair .numbers{overflow:visible}table{font-size:9px}"
	"th,td{padding:2px 4px}"
	"nav{display:none}section{padding-top:10px}}\n";

const char *
jn_svg_css(void)
{
	return css;
}

void
jn_html_begin(struct jn_strbuf *b, const char *title)
{
	jn_strbuf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\"/>\n"
	    /* the page may load and run nothing, whatever its text says */
	    "<meta http-equiv=\"Content-Security-Policy\" "
	    "content=\"default-src 'none'; style-src 'unsafe-inline'\"/>\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"/>\n"
	    "<meta name=\"color-scheme\" content=\"light dark\"/>\n"
	    "<title>");
	jn_xml_text(b, title, strlen(title));
	jn_strbuf_printf(b, "</title>\n<style>\n%s%s</style>\n</head>\n"
	    "<body>\n<main>\n<h1>", css, page_css);
	jn_xml_text(b, title, strlen(title));
	jn_strbuf_printf(b, "</h1>\n");
}

void
jn_html_end(struct jn_strbuf *b, const char *tool, const char *generated)
{
	jn_strbuf_printf(b, "<footer>Made by %s %s", tool, JN_VERSION);
	if (generated) {
		jn_strbuf_printf(b, "; generated at ");
		jn_xml_text(b, generated, strlen(generated));
	}
	jn_strbuf_printf(b, ".</footer>\n</main>\n</body>\n</html>\n");
}
