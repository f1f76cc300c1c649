/*
 * jcompare: a CI gate that catches conversion regressions and ignores
 * noise.  Joins two jfunnel outputs (by group and step) or two jsegment
 * outputs (by segment), tests each row's change in conversion with a
 * two-proportion z-test, corrects the p-values for the number of rows
 * tested, and exits 1 when a row fell by more than --max-drop and the fall
 * is significant.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/input.h"
#include "journey/table.h"
#include "journey/util.h"
#include "journey/writer.h"

static const char usage[] =
    "usage: jcompare [-o FORMAT] [-I FORMAT] [--max-drop RATE] [--alpha A]\n"
    "                [--min-count N] [--correction none|holm|bh]\n"
    "                BASELINE CURRENT\n";

static const char help_text[] =
    "Compare two jfunnel (or jsegment) outputs and flag regressions.\n"
    "\n"
    "      --max-drop RATE      a fall larger than RATE may regress (0.02)\n"
    "      --alpha A            significance level (0.05)\n"
    "      --min-count N        units needed on both sides (30)\n"
    "      --correction C       none, holm (default) or bh\n"
    "  -o, --format F           table, csv, tsv, ndjson, markdown\n"
    "  -I, --input-format F     csv, tsv or ndjson (default: detect)\n"
    "  -h, --help               this help\n"
    "  -V, --version            version\n"
    "\n"
    "Exit status: 0 no regression, 1 a row regressed, 2 error.\n";

enum {
	OPT_MAX_DROP = JN_OPT_TOOL_BASE, OPT_ALPHA, OPT_MIN_COUNT,
	OPT_CORRECTION
};

static const struct option longopts[] = {
	{ "max-drop", required_argument, NULL, OPT_MAX_DROP },
	{ "alpha", required_argument, NULL, OPT_ALPHA },
	{ "min-count", required_argument, NULL, OPT_MIN_COUNT },
	{ "correction", required_argument, NULL, OPT_CORRECTION },
	{ "format", required_argument, NULL, 'o' },
	{ "input-format", required_argument, NULL, 'I' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define Z975 1.959963984540054	/* the 97.5th percentile of N(0,1) */

enum correction { CORR_NONE, CORR_HOLM, CORR_BH };
enum kind { KIND_FUNNEL, KIND_SEGMENT };
enum verdict { V_OK, V_IMPROVED, V_REGRESSED, V_TOO_SMALL, V_ONLY_BASE,
	V_ONLY_CUR };

static const char *const verdict_names[] = { "ok", "improved", "regressed",
	"too_small", "only_baseline", "only_current" };

/* One side of a row: x of n converted. */
struct side {
	int present;
	double n, x;
};

struct row {
	char *group, *name;	/* group: funnel group or segment */
	double step;		/* funnels; 0 for segments */
	struct side base, cur;
	double p, padj, change, lo, hi;	/* NAN when undefined */
	int testable;
	enum verdict verdict;
};

struct cmp {
	double max_drop, alpha;
	long min_count;
	enum correction corr;
	enum jn_format out_format;
	enum jn_input_format in_format;
	enum kind kind;
	char *group_name;	/* funnel group column, NULL without */
	struct row *rows;
	size_t nrows, cap;
};

static int
number(const struct jn_table *t, size_t r, const char *col, double *out)
{
	const char *v = jn_table_cell(t, r, jn_table_col(t, col));

	if (v == NULL || jn_parse_double(v, strlen(v), out) != 0 || *out < 0)
		return jn_error("%s:%zu: bad count '%s' in column '%s'",
		    t->file, t->lines[r], v ? v : "", col);
	return 0;
}

static const char *
cell(const struct jn_table *t, size_t r, int col)
{
	const char *v = jn_table_cell(t, r, col);

	return v ? v : "";
}

static struct row *
find_row(struct cmp *c, const char *group, double step)
{
	size_t i;

	for (i = 0; i < c->nrows; i++)
		if (c->rows[i].step == step &&
		    strcmp(c->rows[i].group, group) == 0)
			return &c->rows[i];
	return NULL;
}

/*
 * Add one file's rows.  Funnels: n is the group's step-1 count, x the
 * step's count; segments: n users, x converted.
 */
static int
load(struct cmp *c, const char *path, int current)
{
	struct jn_tables ts = { NULL, 0 };
	const struct jn_table *t;
	enum kind kind;
	size_t r;
	int rc = 0, gcol = -1;
	double first = 0;

	if (jn_tables_load(&ts, path, c->in_format) != 0)
		return -1;
	if (ts.n != 1) {
		rc = jn_error("%s: %s", path, ts.n ? "more than one table" :
		    "no table");
		goto out;
	}
	t = &ts.t[0];
	if (jn_table_col(t, "step") >= 0 && jn_table_col(t, "count") >= 0 &&
	    jn_table_col(t, "name") >= 0) {
		kind = KIND_FUNNEL;
		if (strcmp(t->names[0], "step") != 0)
			gcol = 0;
	} else if (jn_table_col(t, "segment") >= 0 &&
	    jn_table_col(t, "users") >= 0 &&
	    jn_table_col(t, "converted") >= 0) {
		kind = KIND_SEGMENT;
		gcol = jn_table_col(t, "segment");
	} else {
		rc = jn_error("%s: neither a jfunnel nor a jsegment table "
		    "(columns step, name, count; or segment, users, converted)",
		    t->file);
		goto out;
	}
	if (current && kind != c->kind) {
		rc = jn_error("%s: a %s table, but the baseline is a %s table",
		    t->file, kind == KIND_FUNNEL ? "funnel" : "segment",
		    c->kind == KIND_FUNNEL ? "funnel" : "segment");
		goto out;
	}
	c->kind = kind;
	if (kind == KIND_FUNNEL && gcol == 0) {
		if (!current)
			c->group_name = jn_xstrdup(t->names[0]);
		else if (c->group_name == NULL ||
		    strcmp(c->group_name, t->names[0]) != 0) {
			rc = jn_error("%s: broken down by '%s', the baseline "
			    "by '%s'", t->file, t->names[0], c->group_name ?
			    c->group_name : "nothing");
			goto out;
		}
	} else if (kind == KIND_FUNNEL && current && c->group_name) {
		rc = jn_error("%s: not broken down, the baseline is by '%s'",
		    t->file, c->group_name);
		goto out;
	}
	for (r = 0; r < t->nrows; r++) {
		const char *group = gcol >= 0 ? cell(t, r, gcol) : "";
		double step = 0, n, x;
		struct row *row;
		struct side *side;

		if (kind == KIND_FUNNEL) {
			if (number(t, r, "step", &step) ||
			    number(t, r, "count", &x)) {
				rc = -1;
				goto out;
			}
			if (step == 1)
				first = x;
			n = first;
		} else if (number(t, r, "users", &n) ||
		    number(t, r, "converted", &x)) {
			rc = -1;
			goto out;
		}
		row = find_row(c, group, step);
		if (row == NULL) {
			c->rows = jn_xgrow(c->rows, &c->cap, c->nrows + 1,
			    sizeof *c->rows);
			row = &c->rows[c->nrows++];
			memset(row, 0, sizeof *row);
			row->group = jn_xstrdup(group);
			row->name = jn_xstrdup(kind == KIND_FUNNEL ?
			    cell(t, r, jn_table_col(t, "name")) : "");
			row->step = step;
		} else if (kind == KIND_FUNNEL && strcmp(row->name,
		    cell(t, r, jn_table_col(t, "name"))) != 0) {
			rc = jn_error("%s:%zu: step %g is '%s' here but '%s' "
			    "in the baseline: not the same funnel", t->file,
			    t->lines[r], step, cell(t, r,
			    jn_table_col(t, "name")), row->name);
			goto out;
		}
		side = current ? &row->cur : &row->base;
		side->present = 1;
		side->n = n;
		side->x = x;
	}
out:
	jn_tables_release(&ts);
	return rc;
}

/* Two-sided p-value of the pooled two-proportion z-test; NAN if none. */
static double
z_test(const struct side *a, const struct side *b)
{
	double p1 = a->x / a->n, p2 = b->x / b->n;
	double p = (a->x + b->x) / (a->n + b->n);
	double se = sqrt(p * (1 - p) * (1 / a->n + 1 / b->n));

	if (se == 0)
		return p1 == p2 ? 1 : NAN;
	return erfc(fabs(p2 - p1) / se / sqrt(2));
}

static int
pcmp(const void *pa, const void *pb)
{
	const struct row *a = *(struct row *const *)pa;
	const struct row *b = *(struct row *const *)pb;

	return a->p < b->p ? -1 : a->p > b->p;
}

/*
 * Holm: the i-th smallest of m p-values (1-based) is multiplied by
 * m - i + 1, and adjusted values are made non-decreasing.
 * Benjamini-Hochberg: multiplied by m / i, and made non-increasing from
 * the largest down.  Both capped at 1.
 */
static void
correct(struct cmp *c)
{
	struct row **t = jn_xmalloc((c->nrows + 1) * sizeof *t);
	size_t m = 0, i;

	for (i = 0; i < c->nrows; i++)
		if (c->rows[i].testable)
			t[m++] = &c->rows[i];
	qsort(t, m, sizeof *t, pcmp);
	for (i = 0; i < m; i++) {
		double f = c->corr == CORR_HOLM ? (double)(m - i) :
		    c->corr == CORR_BH ? (double)m / (double)(i + 1) : 1;

		t[i]->padj = fmin(1, t[i]->p * f);
	}
	if (c->corr == CORR_HOLM)
		for (i = 1; i < m; i++)
			t[i]->padj = fmax(t[i]->padj, t[i - 1]->padj);
	if (c->corr == CORR_BH)
		for (i = m; i-- > 1;)
			t[i - 1]->padj = fmin(t[i - 1]->padj, t[i]->padj);
	free(t);
}

static int
evaluate(struct cmp *c)
{
	size_t i;
	int regressed = 0;

	for (i = 0; i < c->nrows; i++) {
		struct row *r = &c->rows[i];
		double p1, p2, se;

		r->p = r->padj = r->change = r->lo = r->hi = NAN;
		if (!r->base.present || !r->cur.present) {
			r->verdict = r->base.present ? V_ONLY_BASE : V_ONLY_CUR;
			continue;
		}
		if (r->base.n <= 0 || r->cur.n <= 0 ||
		    r->base.n < (double)c->min_count ||
		    r->cur.n < (double)c->min_count) {
			r->verdict = V_TOO_SMALL;
			if (r->base.n > 0 && r->cur.n > 0)
				r->change = r->cur.x / r->cur.n -
				    r->base.x / r->base.n;
			continue;
		}
		p1 = r->base.x / r->base.n;
		p2 = r->cur.x / r->cur.n;
		r->change = p2 - p1;
		/* Wald interval for the difference, unpooled */
		se = sqrt(p1 * (1 - p1) / r->base.n + p2 * (1 - p2) / r->cur.n);
		r->lo = r->change - Z975 * se;
		r->hi = r->change + Z975 * se;
		r->verdict = V_OK;
		if (c->kind == KIND_FUNNEL && r->step == 1)
			continue;	/* always 100% */
		r->p = z_test(&r->base, &r->cur);
		r->testable = !isnan(r->p);
	}
	correct(c);
	for (i = 0; i < c->nrows; i++) {
		struct row *r = &c->rows[i];

		if (!r->testable || !(r->padj < c->alpha))
			continue;
		if (r->change < -c->max_drop) {
			r->verdict = V_REGRESSED;
			regressed++;
		} else if (r->change > c->max_drop) {
			r->verdict = V_IMPROVED;
		}
	}
	return regressed;
}

static struct jn_cell
num_or_null(double v, int places)
{
	double k = pow(10, places);

	return isnan(v) ? jn_cell_null() : jn_cell_num(round(v * k) / k);
}

static int
write_rows(struct cmp *c, enum jn_format fmt)
{
	struct jn_column cols[16];
	struct jn_cell cells[16];
	struct jn_writer *w;
	size_t nc = 0, i, j;
	int rc;

	if (c->kind == KIND_FUNNEL) {
		if (c->group_name)
			cols[nc++] = (struct jn_column){ c->group_name,
			    JN_COL_STR };
		cols[nc++] = (struct jn_column){ "step", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "name", JN_COL_STR };
	} else {
		cols[nc++] = (struct jn_column){ "segment", JN_COL_STR };
	}
	cols[nc++] = (struct jn_column){ "baseline_n", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "baseline_x", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "baseline_rate", JN_COL_RATE };
	cols[nc++] = (struct jn_column){ "current_n", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "current_x", JN_COL_INT };
	cols[nc++] = (struct jn_column){ "current_rate", JN_COL_RATE };
	cols[nc++] = (struct jn_column){ "change", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "p_value", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "p_adjusted", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "ci_low", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "ci_high", JN_COL_NUM };
	cols[nc++] = (struct jn_column){ "verdict", JN_COL_STR };
	w = jn_writer_new(stdout, fmt, cols, nc);
	for (i = 0; i < c->nrows; i++) {
		const struct row *r = &c->rows[i];
		const char *v = verdict_names[r->verdict];

		j = 0;
		if (c->kind == KIND_FUNNEL) {
			if (c->group_name)
				cells[j++] = jn_cell_str(r->group,
				    strlen(r->group));
			cells[j++] = jn_cell_int((int64_t)r->step);
			cells[j++] = jn_cell_str(r->name, strlen(r->name));
		} else {
			cells[j++] = jn_cell_str(r->group, strlen(r->group));
		}
#define SIDE(s) \
		cells[j++] = (s).present ? jn_cell_int((int64_t)(s).n) : \
		    jn_cell_null(); \
		cells[j++] = (s).present ? jn_cell_int((int64_t)(s).x) : \
		    jn_cell_null(); \
		cells[j++] = (s).present && (s).n > 0 ? \
		    jn_cell_num((s).x / (s).n) : jn_cell_null()
		SIDE(r->base);
		SIDE(r->cur);
#undef SIDE
		cells[j++] = num_or_null(r->change, 4);
		cells[j++] = num_or_null(r->p, 6);
		cells[j++] = num_or_null(r->padj, 6);
		cells[j++] = num_or_null(r->lo, 4);
		cells[j++] = num_or_null(r->hi, 4);
		cells[j++] = jn_cell_str(v, strlen(v));
		jn_writer_row(w, cells);
	}
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	return rc;
}

static int
fraction(const char *opt, const char *arg, double *out)
{
	if (jn_parse_double(arg, strlen(arg), out) != 0 || *out < 0 ||
	    *out > 1)
		return jn_error("bad %s '%s' (a fraction in [0,1])", opt, arg);
	return 0;
}

static int
parse_args(struct cmp *c, int argc, char **argv)
{
	int opt;
	char *end;

	c->max_drop = 0.02;
	c->alpha = 0.05;
	c->min_count = 30;
	c->corr = CORR_HOLM;
	while ((opt = getopt_long(argc, argv, "o:I:hV", longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case OPT_MAX_DROP:
			if (fraction("--max-drop", optarg, &c->max_drop))
				return -1;
			break;
		case OPT_ALPHA:
			if (fraction("--alpha", optarg, &c->alpha))
				return -1;
			break;
		case OPT_MIN_COUNT:
			errno = 0;
			c->min_count = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || errno ||
			    c->min_count < 0)
				return jn_error("bad --min-count '%s'", optarg);
			break;
		case OPT_CORRECTION:
			if (strcmp(optarg, "none") == 0)
				c->corr = CORR_NONE;
			else if (strcmp(optarg, "holm") == 0)
				c->corr = CORR_HOLM;
			else if (strcmp(optarg, "bh") == 0)
				c->corr = CORR_BH;
			else
				return jn_error("bad --correction '%s' (none, "
				    "holm, bh)", optarg);
			break;
		case 'o':
			if (jn_format_parse(optarg, &c->out_format))
				return -1;
			break;
		case 'I':
			if (jn_input_format_parse(optarg, &c->in_format))
				return -1;
			break;
		case 'h':
			jn_cli_help(usage, help_text);
		case 'V':
			jn_cli_version();
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (argc - optind != 2) {
		jn_error("two files needed: BASELINE CURRENT");
		fputs(usage, stderr);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct cmp c;
	int status = JN_EXIT_OK, regressed = 0;
	size_t i;

	jn_set_progname(argv[0]);
	if (parse_args(&c, argc, argv) != 0)
		return JN_EXIT_ERROR;
	if (load(&c, argv[optind], 0) != 0 ||
	    load(&c, argv[optind + 1], 1) != 0) {
		status = JN_EXIT_ERROR;
	} else {
		regressed = evaluate(&c);
		if (write_rows(&c, jn_format_resolve(c.out_format,
		    stdout)) != 0)
			status = JN_EXIT_ERROR;
		else if (regressed) {
			jn_warn("%d row%s regressed", regressed,
			    regressed == 1 ? "" : "s");
			status = JN_EXIT_GATE;
		}
	}
	for (i = 0; i < c.nrows; i++) {
		free(c.rows[i].group);
		free(c.rows[i].name);
	}
	free(c.rows);
	free(c.group_name);
	return jn_close_stdout(status);
}
