/*
 * jreport: the nightly report.  Reads any mix of the toolkit's tables
 * (funnels, segments, friction items, backlogs, comparisons, journey
 * maps, retention, KPI watches; several tables in one stream) and writes
 * one self-contained HTML page: a section per table with a picture drawn
 * as inline SVG beside the table's numbers, or, with -o svg, one chart
 * alone.  A table is recognized by its columns (jn_table_kind); one it
 * does not know is shown as a plain table.  Every picture is the core's
 * (journey/chart.h draws each kind of table, journey/svg.h the marks,
 * escaping and the page): this file reads the tables, picks each one's
 * chart and heading, and puts the sections on the page.  The output
 * depends on the input alone (no clock unless --generated-at is given).
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/chart.h"
#include "journey/input.h"
#include "journey/meta.h"
#include "journey/svg.h"
#include "journey/table.h"
#include "journey/util.h"
#include "journey/writer.h"

static const char usage[] =
    "usage: jreport [-o html|svg] [-I FORMAT] [--title TEXT] [--chart N]\n"
    "               [--generated-at TEXT] [--top N] [FILE ...]\n";

static const char help_text[] =
    "Write the toolkit's tables as one self-contained HTML report.\n"
    "\n"
    "      --title TEXT         the page's title (default: Journey "
    "report)\n"
    "  -o, --format F           html (default) or svg: one chart alone\n"
    "      --chart N            with -o svg, the chart of the Nth table\n"
    "                           (default: the first table with a chart)\n"
    "      --generated-at TEXT  say when the report was made (no clock "
    "is read)\n"
    "      --top N              bars, rows and series drawn per chart "
    "(default 15)\n"
    "  -I, --input-format F     csv, tsv or ndjson (default: detect)\n"
    "  -h, --help               this help\n"
    "  -V, --version            version\n"
    "\n"
    "See jreport(1) for what each table becomes.\n";

enum { OPT_TITLE = JN_OPT_TOOL_BASE, OPT_CHART, OPT_GENERATED, OPT_TOP };

static const struct option longopts[] = {
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "format", required_argument, NULL, 'o' },
	{ "chart", required_argument, NULL, OPT_CHART },
	{ "generated-at", required_argument, NULL, OPT_GENERATED },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "input-format", required_argument, NULL, 'I' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct report {
	const char *title, *generated;
	enum jn_input_format in_format;
	int svg;		/* -o svg */
	size_t chart;		/* --chart N, 0: the first */
	size_t top;		/* --top */
	struct jn_tables ts;
};

/* ---- sections ---- */

/* The --by column: columns before the kind's first one. */
static int
group_column(const struct jn_table *t, enum jn_table_kind k)
{
	const char *first = NULL;
	int p, kc;

	switch (k) {
	case JN_TABLE_FUNNEL:
	case JN_TABLE_STEPS:
		first = "step";
		break;
	case JN_TABLE_EDGES:
		first = "from";
		break;
	case JN_TABLE_NEXT:
		first = "touchpoint";
		break;
	case JN_TABLE_VARIANTS:
		first = "rank";
		break;
	case JN_TABLE_RETENTION:
		first = "cohort";
		break;
	case JN_TABLE_STICKINESS:
		first = "active_periods";
		break;
	case JN_TABLE_SEGMENT:
		first = "segment";
		break;
	case JN_TABLE_WATCH:
		/* period, [group], kpi */
		p = jn_table_col(t, "period");
		kc = jn_table_col(t, "kpi");
		return kc == p + 2 ? p + 1 : -1;
	default:
		return -1;
	}
	return jn_table_col(t, first) > 0 ? 0 : -1;
}

static const char *
kind_heading(enum jn_table_kind k)
{
	switch (k) {
	case JN_TABLE_COMPARE: return "Comparison with the baseline";
	case JN_TABLE_BACKLOG: return "Backlog";
	case JN_TABLE_WATCH: return "KPI watch";
	case JN_TABLE_FUNNEL: return "Funnel";
	case JN_TABLE_STEPS: return "Journey map";
	case JN_TABLE_EDGES: return "Journey graph: transitions";
	case JN_TABLE_VARIANTS: return "Journey variants";
	case JN_TABLE_NEXT: return "Next steps";
	case JN_TABLE_FRICTION: return "Friction";
	case JN_TABLE_RETENTION: return "Retention";
	case JN_TABLE_STICKINESS: return "Stickiness";
	case JN_TABLE_SEGMENT: return "Segments";
	case JN_TABLE_OTHER: break;
	}
	return "Table";
}

static void
build_section(struct report *rp, struct jn_chart *s, const struct jn_table *t)
{
	memset(s, 0, sizeof *s);
	s->t = t;
	s->top = rp->top;
	s->kind = jn_table_kind(t);
	s->group = group_column(t, s->kind);
	/* a table of many columns goes under its chart, not beside */
	s->wide = t->ncols > 6;
	if (s->group >= 0)
		snprintf(s->heading, sizeof s->heading, "%s by %s",
		    kind_heading(s->kind), t->names[s->group]);
	else
		snprintf(s->heading, sizeof s->heading, "%s",
		    kind_heading(s->kind));
	switch (s->kind) {
	case JN_TABLE_FUNNEL: jn_chart_funnel(s); break;
	case JN_TABLE_SEGMENT: jn_chart_segments(s); break;
	case JN_TABLE_BACKLOG: jn_chart_backlog(s); break;
	case JN_TABLE_FRICTION: jn_chart_friction(s); break;
	case JN_TABLE_COMPARE: jn_chart_compare(s); break;
	case JN_TABLE_EDGES: jn_chart_edges(s); break;
	case JN_TABLE_VARIANTS: jn_chart_variants(s); break;
	case JN_TABLE_NEXT: jn_chart_next(s); break;
	case JN_TABLE_STEPS: jn_chart_steps(s); break;
	case JN_TABLE_RETENTION: jn_chart_retention(s); break;
	case JN_TABLE_STICKINESS: jn_chart_stickiness(s); break;
	case JN_TABLE_WATCH: jn_chart_watch(s); break;
	case JN_TABLE_OTHER:
		jn_strbuf_printf(&s->lede, "%zu row%s of %zu column%s, not "
		    "a table jreport draws; shown as it is.", t->nrows,
		    t->nrows == 1 ? "" : "s", t->ncols,
		    t->ncols == 1 ? "" : "s");
		break;
	}
}

/*
 * The desc of a chart is its summary: the chart was drawn before the
 * summary was known, so the <desc> is put in after the <title>.
 */
static void
put_desc(struct jn_strbuf *out, const struct jn_chart *s)
{
	const char *svg = s->svg.buf, *p = strstr(svg, "</title>\n");

	if (p == NULL || strncmp(p + 9, "<desc>", 6) == 0 || !s->lede.len) {
		jn_strbuf_printf(out, "%s", svg);
		return;
	}
	p += 9;
	jn_strbuf_printf(out, "%.*s<desc>", (int)(p - svg), svg);
	jn_xml_text(out, s->lede.buf, s->lede.len);
	jn_strbuf_printf(out, "</desc>\n%s", p);
}

/* The provenance line: the file, and what the --meta line says. */
static void
provenance(struct jn_strbuf *b, const struct jn_table *t)
{
	struct jn_meta m = { NULL, NULL, NULL };

	jn_strbuf_printf(b, "<p class=\"prov\">From ");
	jn_xml_text(b, t->file, strlen(t->file));
	if (t->meta && jn_meta_parse(t->meta, strlen(t->meta), &m) == 0) {
		jn_strbuf_printf(b, ", made by ");
		jn_xml_text(b, m.tool ? m.tool : "?", strlen(m.tool ? m.tool :
		    "?"));
		jn_strbuf_printf(b, " ");
		jn_xml_text(b, m.version ? m.version : "", m.version ?
		    strlen(m.version) : 0);
		if (m.definition) {
			jn_strbuf_printf(b, " with <code>");
			jn_xml_text(b, m.definition, strlen(m.definition));
			jn_strbuf_printf(b, "</code>");
		}
		jn_meta_release(&m);
	} else if (t->meta) {
		jn_strbuf_printf(b, "; provenance: <code>");
		jn_xml_text(b, t->meta, strlen(t->meta));
		jn_strbuf_printf(b, "</code>");
	}
	jn_strbuf_printf(b, ".</p>\n");
}

/*
 * The numbers (journey/chart.h): a KPI watch's values are plain numbers,
 * rates in the rows of a rate KPI.
 */
static void
numbers(struct jn_strbuf *b, const struct jn_chart *s)
{
	const struct jn_table *t = s->t;
	enum jn_coltype *types = jn_xcalloc(t->ncols + 1, sizeof *types);
	int kc = jn_table_col(t, "kpi");
	unsigned char *rate = NULL;
	struct jn_names kpis = { 0 };
	size_t r, c;

	for (c = 0; c < t->ncols; c++) {
		types[c] = jn_table_coltype(t->names[c]);
		if (s->kind == JN_TABLE_WATCH &&
		    (strcmp(t->names[c], "value") == 0 ||
		    strcmp(t->names[c], "expected") == 0 ||
		    strcmp(t->names[c], "lower") == 0 ||
		    strcmp(t->names[c], "upper") == 0))
			types[c] = JN_COL_NUM;
	}
	/* whether each KPI is a rate, decided once per KPI (names.w) */
	if (s->kind == JN_TABLE_WATCH) {
		rate = jn_xcalloc(t->nrows + 1, 1);
		for (r = 0; r < t->nrows; r++) {
			const char *kpi = jn_chart_cell(t, r, kc);
			size_t k = jn_names_find(&kpis, kpi);

			if (k == SIZE_MAX)
				k = jn_names_add(&kpis, kpi,
				    jn_chart_kpi_is_rate(t, r, t->nrows, kc,
				    kpi));
			rate[r] = kpis.w != NULL && kpis.w[k] > 0;
		}
	}
	jn_chart_numbers(b, t, s->hl, types, rate);
	jn_names_free(&kpis);
	free(rate);
	free(types);
}

static void
write_section(struct jn_strbuf *b, const struct jn_chart *s, size_t i)
{
	jn_strbuf_printf(b, "<section id=\"t%zu\">\n<h2>", i + 1);
	jn_xml_text(b, s->heading, strlen(s->heading));
	jn_strbuf_printf(b, "</h2>\n");
	provenance(b, s->t);
	if (s->lede.len) {
		jn_strbuf_printf(b, "<p class=\"lede\">");
		jn_xml_text(b, s->lede.buf, s->lede.len);
		jn_strbuf_printf(b, "</p>\n");
	}
	jn_strbuf_printf(b, "<div class=\"pair%s\">\n", s->wide ? " wide" :
	    "");
	if (s->svg.len) {
		jn_strbuf_printf(b, "<figure>\n");
		put_desc(b, s);
		if (s->note.len) {
			jn_strbuf_printf(b, "<figcaption>");
			jn_xml_text(b, s->note.buf, s->note.len - 1);
			jn_strbuf_printf(b, "</figcaption>\n");
		}
		jn_strbuf_printf(b, "</figure>\n");
	}
	jn_strbuf_printf(b, "<div class=\"numbers\">\n");
	numbers(b, s);
	jn_strbuf_printf(b, "</div>\n</div>\n</section>\n");
}

/* The chart alone, as an SVG file: its namespace and its styles. */
static void
standalone(struct jn_strbuf *out, const struct jn_chart *s)
{
	struct jn_strbuf tmp = { NULL, 0, 0 };
	const char *p;

	put_desc(&tmp, s);
	assert(strncmp(tmp.buf, "<svg", 4) == 0);
	p = strstr(tmp.buf, "</desc>\n");
	p = p ? p + 8 : strstr(tmp.buf, "</title>\n") + 9;
	jn_strbuf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\"%.*s<style>\n%s"
	    "</style>\n<rect class=\"bg\" width=\"100%%\" "
	    "height=\"100%%\"/>\n%s", (int)(p - tmp.buf - 4), tmp.buf + 4,
	    jn_svg_css(), p);
	free(tmp.buf);
}

static int
write_out(const struct jn_strbuf *b)
{
	if (b->len && fwrite(b->buf, 1, b->len, stdout) != b->len)
		return jn_error("write error: %s", strerror(errno));
	return 0;
}

static int
report(struct report *rp)
{
	struct jn_chart *ss = jn_xcalloc(rp->ts.n + 1, sizeof *ss);
	struct jn_strbuf b = { NULL, 0, 0 };
	size_t i, pick = SIZE_MAX;
	int rc = 0;

	for (i = 0; i < rp->ts.n; i++)
		build_section(rp, &ss[i], &rp->ts.t[i]);
	if (rp->svg) {
		if (rp->chart > rp->ts.n) {
			rc = jn_error("--chart %zu: the input has %zu table%s",
			    rp->chart, rp->ts.n, rp->ts.n == 1 ? "" : "s");
		} else if (rp->chart > 0) {
			pick = rp->chart - 1;
			if (!ss[pick].svg.len)
				rc = jn_error("--chart %zu: a %s has no chart",
				    rp->chart, jn_table_kind_name(ss[pick].kind));
		} else {
			for (i = 0; i < rp->ts.n && pick == SIZE_MAX; i++)
				if (ss[i].svg.len)
					pick = i;
			if (pick == SIZE_MAX)
				rc = jn_error("no table with a chart in the "
				    "input");
		}
		if (rc == 0) {
			standalone(&b, &ss[pick]);
			rc = write_out(&b);
		}
	} else {
		jn_html_begin(&b, rp->title);
		jn_strbuf_printf(&b, "<p class=\"lede\">%zu table%s read.</p>\n",
		    rp->ts.n, rp->ts.n == 1 ? "" : "s");
		if (rp->ts.n > 1) {
			jn_strbuf_printf(&b, "<nav><ol>\n");
			for (i = 0; i < rp->ts.n; i++) {
				jn_strbuf_printf(&b, "<li><a href=\"#t%zu\">",
				    i + 1);
				jn_xml_text(&b, ss[i].heading,
				    strlen(ss[i].heading));
				jn_strbuf_printf(&b, "</a></li>\n");
			}
			jn_strbuf_printf(&b, "</ol></nav>\n");
		}
		for (i = 0; i < rp->ts.n; i++)
			write_section(&b, &ss[i], i);
		jn_html_end(&b, "jreport", rp->generated);
		rc = write_out(&b);
	}
	for (i = 0; i < rp->ts.n; i++)
		jn_chart_release(&ss[i]);
	free(ss);
	free(b.buf);
	return rc;
}

/*
 * A funnel cannot gain units: within one funnel (one --by group, the
 * step growing from row to row) a step's count is at most the step
 * before's, as jfunnel writes it whatever its options (a skipped
 * optional step is reached when a later one is).  A table whose count
 * rises is no funnel, and its drop-offs would be negative: -1, reported.
 */
static int
funnel_check(const struct jn_table *t)
{
	int g = group_column(t, JN_TABLE_FUNNEL);
	size_t r;
	double c0, c1, s0, s1;

	for (r = 1; r < t->nrows; r++) {
		if (g >= 0 && strcmp(jn_chart_cell(t, r, g),
		    jn_chart_cell(t, r - 1, g)) != 0)
			continue;
		if (jn_chart_num(t, r - 1, "step", &s0) != 0 ||
		    jn_chart_num(t, r, "step", &s1) != 0 || s1 <= s0 ||
		    jn_chart_num(t, r - 1, "count", &c0) != 0 ||
		    jn_chart_num(t, r, "count", &c1) != 0 || c1 <= c0)
			continue;
		return jn_error("%s:%zu: funnel count rises from %.0f at "
		    "step %.0f to %.0f at step %.0f (a funnel cannot gain "
		    "units)", t->file, t->lines[r], c0, s0, c1, s1);
	}
	return 0;
}

static int
load(struct report *rp, const char *path)
{
	size_t first = rp->ts.n, i;

	if (jn_tables_load(&rp->ts, path, rp->in_format) != 0)
		return -1;
	/* jpath's steps count back from -1 with --to: not a funnel's */
	for (i = first; i < rp->ts.n; i++)
		if (jn_table_kind(&rp->ts.t[i]) != JN_TABLE_OTHER &&
		    jn_table_kind(&rp->ts.t[i]) != JN_TABLE_STEPS &&
		    jn_table_validate(&rp->ts.t[i]) != 0)
			return -1;
	for (i = first; i < rp->ts.n; i++)
		if (jn_table_kind(&rp->ts.t[i]) == JN_TABLE_FUNNEL &&
		    funnel_check(&rp->ts.t[i]) != 0)
			return -1;
	return 0;
}

static int
parse_args(struct report *rp, int argc, char **argv)
{
	int opt;
	char *end;
	long v;

	while ((opt = getopt_long(argc, argv, "o:I:hV", longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case OPT_TITLE:
			rp->title = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "html") == 0)
				rp->svg = 0;
			else if (strcmp(optarg, "svg") == 0)
				rp->svg = 1;
			else
				return jn_error("bad format '%s' (html or svg)",
				    optarg);
			break;
		case OPT_CHART:
		case OPT_TOP:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || errno || v < 1 ||
			    v > 1000000)
				return jn_error("bad --%s '%s' (a whole number "
				    "from 1)", opt == OPT_CHART ? "chart" :
				    "top", optarg);
			if (opt == OPT_CHART)
				rp->chart = (size_t)v;
			else
				rp->top = (size_t)v;
			break;
		case OPT_GENERATED:
			rp->generated = optarg;
			break;
		case 'I':
			if (jn_input_format_parse(optarg, &rp->in_format))
				return -1;
			break;
		default:
			return jn_cli_other(opt, usage, help_text);
		}
	}
	if (rp->chart && !rp->svg)
		return jn_error("--chart needs -o svg");
	return 0;
}

int
main(int argc, char **argv)
{
	static struct report rp;
	int status = JN_EXIT_OK, i;

	/* zeroed here too: the fuzz targets run main() many times */
	memset(&rp, 0, sizeof rp);
	rp.title = "Journey report";
	rp.top = 15;
	jn_set_progname(argv[0]);
	if (parse_args(&rp, argc, argv) != 0)
		return JN_EXIT_ERROR;
	if (optind == argc && load(&rp, "-") != 0)
		status = JN_EXIT_ERROR;
	for (i = optind; i < argc && status == JN_EXIT_OK; i++)
		if (load(&rp, argv[i]) != 0)
			status = JN_EXIT_ERROR;
	if (status == JN_EXIT_OK && rp.ts.n == 0) {
		jn_error("no table in the input");
		status = JN_EXIT_ERROR;
	}
	if (status == JN_EXIT_OK && report(&rp) != 0)
		status = JN_EXIT_ERROR;
	jn_tables_release(&rp.ts);
	return jn_close_stdout(status);
}
