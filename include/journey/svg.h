/*
 * Pictures: the one place where the toolkit draws.  Scales (linear with
 * nice ticks, band), marks (rect, line, circle, path, text) and axes are
 * written as SVG text into a jn_strbuf, and the HTML page frame around
 * them (inline CSS, dark mode by prefers-color-scheme, A4 print, no
 * script, nothing fetched).  Marks carry CSS classes, never colors, so a
 * chart inside the page and a chart alone (-o svg) look alike and follow
 * the reader's color scheme.  Every text goes through jn_xml_text.
 * Output depends only on the arguments: coordinates are printed with one
 * decimal, numbers in the table format's human form (journey/writer.h).
 */
#ifndef JOURNEY_SVG_H
#define JOURNEY_SVG_H

#include <stddef.h>

#include "journey/util.h"
#include "journey/writer.h"

/*
 * Append s[0..len) to b as XML character data or an attribute value:
 * & < > " ' as entities, invalid UTF-8 as U+FFFD (one a byte), control
 * characters other than tab and newline (not allowed in XML 1.0), DEL,
 * U+FFFE and U+FFFF as U+FFFD: jn_escape with the writer's jn_esc_html
 * table (writer.h), the escaper every format shares.  Cannot fail.
 */
void jn_xml_text(struct jn_strbuf *b, const char *s, size_t len);

/*
 * Append s cut to at most max characters (code points), the last one
 * replaced by "…" when cut, escaped as jn_xml_text.  Returns 1 when s was
 * cut.  Cannot fail.
 */
int jn_xml_text_cut(struct jn_strbuf *b, const char *s, size_t max);

/*
 * A number as the table format writes it (jn_format_cell, human form):
 * thousands separators, rates as percentages, durations as "2h 5m".
 * Into buf (64 bytes are enough); returns buf ("" for NaN).
 */
char *jn_svg_number(char *buf, size_t size, enum jn_coltype t, double d);

/* A linear scale from the domain [d0, d1] onto the range [r0, r1]. */
struct jn_scale {
	double d0, d1, r0, r1;
};

/* d0 == d1 maps everything to the middle of the range.  Cannot fail. */
void jn_scale_init(struct jn_scale *s, double d0, double d1, double r0,
    double r1);
double jn_scale_map(const struct jn_scale *s, double v);

/*
 * Nice ticks for [lo, hi] with about want of them (d3's ticks): the step
 * is 1, 2 or 5 times a power of ten; the ticks are the step's multiples
 * inside [lo, hi] (lo > hi is swapped), computed as k * step, or k / (1 /
 * step) for steps under 1, so 0.3 is 0.3.  Writes at most max to ticks;
 * returns how many.  Cannot fail.
 */
size_t jn_ticks(double lo, double hi, size_t want, double *ticks,
    size_t max);
/*
 * Extend [*lo, *hi] outward to multiples of the tick step for want ticks
 * (d3's nice(), repeated until stable); an empty domain [v, v] becomes
 * [0, v] or [v, 0], and [0, 0] becomes [0, 1].  Returns the step.
 * Cannot fail.
 */
double jn_nice(double *lo, double *hi, size_t want);

/*
 * A band scale: n bands over [r0, r1], each in a step of (r1 - r0) / n
 * of which padding (0 to 1) is left empty, half on each side.  Cannot
 * fail.
 */
struct jn_band {
	size_t n;
	double r0, step, width;
};
void jn_band_init(struct jn_band *b, size_t n, double r0, double r1,
    double padding);
/* Start of band i. */
double jn_band_pos(const struct jn_band *b, size_t i);

/*
 * An <svg> element of width w and height h (pixels, viewBox the same)
 * with role="img", aria-label title, and <title> and <desc> children
 * (desc may be NULL).  standalone adds the XML namespace and the chart
 * styles, for a file of its own.  Close with jn_svg_end.  Cannot fail.
 */
void jn_svg_begin(struct jn_strbuf *b, double w, double h,
    const char *title, const char *desc, int standalone);
void jn_svg_end(struct jn_strbuf *b);

/*
 * Marks.  cls is a class of jn_svg_css() (NULL: none); tip, when not
 * NULL, is a tooltip (a <title> child).  Negative widths and heights are
 * drawn as 0.  Cannot fail.
 */
void jn_svg_rect(struct jn_strbuf *b, double x, double y, double w,
    double h, const char *cls, const char *tip);
void jn_svg_line(struct jn_strbuf *b, double x1, double y1, double x2,
    double y2, const char *cls);
void jn_svg_circle(struct jn_strbuf *b, double cx, double cy, double r,
    const char *cls, const char *tip);
/* A path: d is path data made with jn_svg_coord (not escaped). */
void jn_svg_path(struct jn_strbuf *b, const char *d, const char *cls,
    const char *tip);
/*
 * Text at (x, y), anchor "start", "middle" or "end", cut to max
 * characters (0: never) with the whole text as its tooltip when cut.
 */
void jn_svg_text(struct jn_strbuf *b, double x, double y,
    const char *anchor, const char *cls, const char *s, size_t max);
/* A coordinate as marks print it (one decimal, no "-0"). */
void jn_svg_coord(struct jn_strbuf *b, double v);

/*
 * Axes with grid lines.  jn_svg_axis_x: vertical grid lines from y0 to
 * y1 at the ticks of s and their labels under y1; jn_svg_axis_y:
 * horizontal ones from x0 to x1 and labels left of x0.  Labels are the
 * ticks formatted as type (rates as percentages).  Cannot fail.
 */
void jn_svg_axis_x(struct jn_strbuf *b, const struct jn_scale *s,
    const double *ticks, size_t n, double y0, double y1,
    enum jn_coltype type);
void jn_svg_axis_y(struct jn_strbuf *b, const struct jn_scale *s,
    const double *ticks, size_t n, double x0, double x1,
    enum jn_coltype type);

/* Width in pixels of n characters of chart text (an estimate). */
double jn_svg_text_width(size_t n);
/* Characters of s (code points).  Cannot fail. */
size_t jn_utf8_len(const char *s);

/* The style sheet of charts and page: a static string. */
const char *jn_svg_css(void);

/*
 * The page frame: an HTML5 document head with title (escaped), a
 * Content-Security-Policy that forbids every load and script, and the
 * style sheet, then <body><main> and an <h1>; well-formed XML too.
 * jn_html_end closes it with "Made by" tool and the version, and
 * "generated at" generated when not NULL.  Cannot fail.
 */
void jn_html_begin(struct jn_strbuf *b, const char *title);
void jn_html_end(struct jn_strbuf *b, const char *tool,
    const char *generated);

#endif
