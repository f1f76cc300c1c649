/*
 * The regression gate at the end of a pipeline.  It reads two tables that
 * jfunnel (or jsegment) wrote, a baseline and a current one, joins their
 * rows by group and step (or by segment), and tests each row's change in
 * conversion with a two-proportion z-test.  The primary row (a funnel's
 * last step, or --primary) is the question the gate asks, and is tested
 * alone; the other rows' p-values are corrected for their number (Holm or
 * Benjamini-Hochberg), so that a breakdown into thirty groups does not
 * cry wolf, yet an unchanged early step cannot hide a fall of the final
 * one.  The exit status is 1 when a row fell by more than --max-drop and
 * the fall is significant, or when the step-1 volume collapsed: what a
 * nightly cron job or a CI step needs to stop on.  A large fall that is
 * not yet significant is a "watch", said on standard error, and fails the
 * gate only with --fail-on watch.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/input.h"
#include "journey/intern.h"
#include "journey/table.h"
#include "journey/util.h"
#include "journey/meta.h"
#include "journey/writer.h"

static const char usage[] =
    "usage: jcompare [-o FORMAT] [-I FORMAT] [--max-drop RATE] [--alpha A]\n"
    "                [--min-count N] [--correction none|holm|bh] "
    "[--primary ROW]\n"
    "                [--fail-on regressed|watch] "
    "[--min-volume-ratio RATIO]\n"
    "                [--safe-csv] [--force] [--output FILE] BASELINE "
    "CURRENT\n";

static const char help_text[] =
    "Compare two jfunnel (jsegment, jretain) outputs and flag "
    "regressions.\n"
    "\n"
    "      --max-drop RATE      a fall larger than RATE may regress (0.02)\n"
    "      --alpha A            significance level (0.05)\n"
    "      --min-count N        units needed on both sides (30)\n"
    "      --correction C       none, holm (default) or bh\n"
    "      --primary ROW        step (number or name), segment or "
    "retention\n"
    "                           period tested alone (funnels: the last "
    "step;\n"
    "                           retention: period 1; none: no such row)\n"
    "      --fail-on V          regressed (default) or watch: exit 1 on "
    "a fall\n"
    "                           larger than --max-drop, significant or "
    "not\n"
    "      --min-volume-ratio R exit 1 when step-1 units fall below R "
    "times the\n"
    "                           baseline's (0.5; 0: no check)\n"
    "      --force              compare tables made with different "
    "definitions\n"
    "                           (their --meta lines differ)\n"
    "  -o, --format F           table, csv, tsv, ndjson, markdown, junit,\n"
    "                           github, prometheus\n"
    "      --output FILE        write FILE whole (a temporary file "
    "renamed)\n"
    "      --fields LIST        only these columns, in this order\n"
    "      --safe-csv           defuse cells a spreadsheet would run\n"
    "  -I, --input-format F     csv, tsv or ndjson (default: detect)\n"
    "  -h, --help               this help\n"
    "  -V, --version            version\n"
    "\n"
    "Exit status: 0 pass, 1 a row regressed (or to watch, with --fail-on "
    "watch)\nor the step-1 volume collapsed, 2 error.\n"
    "See jcompare(1) for the test, the interval and the corrections.\n";

enum {
	OPT_MAX_DROP = JN_OPT_TOOL_BASE, OPT_ALPHA, OPT_MIN_COUNT,
	OPT_CORRECTION, OPT_SAFE_CSV, OPT_PRIMARY, OPT_FAIL_ON,
	OPT_MIN_VOLUME_RATIO, OPT_FORCE, OPT_OUTPUT
};

static const struct option longopts[] = {
	{ "max-drop", required_argument, NULL, OPT_MAX_DROP },
	{ "alpha", required_argument, NULL, OPT_ALPHA },
	{ "min-count", required_argument, NULL, OPT_MIN_COUNT },
	{ "correction", required_argument, NULL, OPT_CORRECTION },
	{ "safe-csv", no_argument, NULL, OPT_SAFE_CSV },
	{ "primary", required_argument, NULL, OPT_PRIMARY },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "min-volume-ratio", required_argument, NULL, OPT_MIN_VOLUME_RATIO },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "format", required_argument, NULL, 'o' },
	{ "fields", required_argument, NULL, JN_OPT_FIELDS },
	{ "input-format", required_argument, NULL, 'I' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define Z975 1.959963984540054	/* the 97.5th percentile of N(0,1) */
#define MAX_COUNT 9007199254740992.0	/* 2^53: exact in a double */
#define MAX_STEP 1000000000L
/*
 * A change is x2/n2 - x1/n1 in floating point: 0.15 - 0.2 is
 * -0.05000000000000002, and a fall of exactly --max-drop must not count
 * as "more than" it.
 */
#define SLACK 1e-12
#define QLEN 64			/* quoted subjects in messages */

enum correction { CORR_NONE, CORR_HOLM, CORR_BH };
/* Retention rows are keyed as funnel rows: step = period + 1. */
enum kind { KIND_NONE, KIND_FUNNEL, KIND_SEGMENT, KIND_RETENTION };
enum verdict { V_OK, V_IMPROVED, V_REGRESSED, V_TOO_SMALL, V_ONLY_BASE,
	V_ONLY_CUR, V_WATCH };

static const char *const verdict_names[] = { "ok", "improved", "regressed",
	"too_small", "only_baseline", "only_current", "watch" };

/* One side of a row: x of n units converted. */
struct side {
	int present;
	double n, x;
};

/*
 * A joined row.  Its key (group and step, or segment) is id i in
 * cmp.keys, where i is the row's index, so that rows stay in the order
 * they were first seen: the baseline's, then the current's own.
 */
struct row {
	long step;		/* funnels; 0 for segments */
	uint32_t stepid;	/* funnels: index in cmp.steps */
	struct side base, cur;
	double change, p, padj, lo, hi;	/* NAN: empty */
	int testable;		/* takes part in a correction */
	int primary;		/* in the primary family, not the secondary */
	enum verdict verdict;
};

/* The name of a funnel step, from the first row that had it. */
struct stepname {
	char *name;
	int current;		/* seen first in CURRENT */
	size_t line;
};

struct cmp {
	double max_drop, alpha, min_volume_ratio;
	long min_count;
	enum correction corr;
	const char *primary;	/* --primary, NULL: the default */
	long primary_step;	/* funnels; 0: none */
	uint32_t primary_seg;	/* segments: key id; UINT32_MAX: none */
	int fail_on_watch;
	double volume[2];	/* units at step 1, or segments' users */
	enum jn_format out_format;
	enum jn_input_format in_format;
	enum kind kind;
	char *group_name;	/* funnel breakdown column, NULL without */
	struct jn_intern keys;	/* "group\0step" or "segment" -> row */
	struct row *rows;
	size_t cap;
	struct jn_intern stepkeys;	/* step number as text -> steps */
	struct stepname *steps;
	size_t stepcap;
	char *kbuf;		/* key being built */
	size_t kcap;
	/* how each table was made (--meta lines), has_meta: one was read */
	struct jn_meta meta[2];
	int has_meta[2];
	char *meta_file[2];
	int force;		/* --force: compare whatever the definitions */
	const char *output;	/* --output FILE */
};

static const char *
cell(const struct jn_table *t, size_t r, int col)
{
	const char *v = jn_table_cell(t, r, col);

	return v ? v : "";
}

static const char *
quote(char *buf, const char *s)
{
	return jn_quote(buf, QLEN, s, strlen(s));
}

/* A count: a whole number in [0, 2^53]. */
static int
count(const struct jn_table *t, size_t r, const char *col, double *out)
{
	const char *v = cell(t, r, jn_table_col(t, col));
	char q[QLEN];

	if (jn_parse_double(v, strlen(v), out) != 0 || !(*out >= 0) ||
	    *out > MAX_COUNT || *out != floor(*out))
		return jn_error("%s:%zu: bad count '%s' in column '%s'",
		    t->file, t->lines[r], quote(q, v), col);
	*out += 0.0;		/* "-0" */
	return 0;
}

static int
step_number(const struct jn_table *t, size_t r, long *out)
{
	const char *v = cell(t, r, jn_table_col(t, "step"));
	char q[QLEN];
	double d;

	if (jn_parse_double(v, strlen(v), &d) != 0 || !(d >= 1) ||
	    d > MAX_STEP || d != floor(d))
		return jn_error("%s:%zu: bad step '%s' (a whole number from "
		    "1)", t->file, t->lines[r], quote(q, v));
	*out = (long)d;
	return 0;
}

/* " of GROUPCOLUMN 'value'" for funnels broken down, "" otherwise. */
static const char *
of_group(const struct cmp *c, const char *group, char *buf, size_t size)
{
	char qn[QLEN], qv[QLEN];

	if (c->group_name == NULL)
		return "";
	snprintf(buf, size, " of %s '%s'", quote(qn, c->group_name),
	    quote(qv, group));
	return buf;
}

/* Id of the key of (group, step); step 0 for segments. */
static uint32_t
key(struct cmp *c, const char *group, long step, int add)
{
	size_t glen = strlen(group), len = glen;

	c->kbuf = jn_xgrow(c->kbuf, &c->kcap, glen + 32, 1);
	memcpy(c->kbuf, group, glen);
	if (c->kind != KIND_SEGMENT)
		len += (size_t)snprintf(c->kbuf + glen, c->kcap - glen,
		    "%c%ld", '\0', step);
	if (!add)
		return jn_intern_find(&c->keys, c->kbuf, len);
	return jn_intern_put(&c->keys, c->kbuf, len);
}

/* The row of (group, step), added empty if new.  Cannot fail. */
static struct row *
get_row(struct cmp *c, const char *group, long step)
{
	size_t n = jn_intern_count(&c->keys);
	uint32_t id = key(c, group, step, 1);
	struct row *row;

	if (id < n)
		return &c->rows[id];
	c->rows = jn_xgrow(c->rows, &c->cap, n + 1, sizeof *c->rows);
	row = &c->rows[id];
	memset(row, 0, sizeof *row);
	row->step = step;
	return row;
}

/*
 * One funnel has one name per step, in every group of both files: a step
 * named otherwise means the two runs did not measure the same thing.
 */
static int
check_name(struct cmp *c, const struct jn_table *t, size_t r, long step,
    int current, uint32_t *stepid)
{
	const char *name = cell(t, r, jn_table_col(t, "name"));
	size_t n = jn_intern_count(&c->stepkeys);
	struct stepname *s;
	char k[32], qa[QLEN], qb[QLEN];
	uint32_t id;

	snprintf(k, sizeof k, "%ld", step);
	id = jn_intern_put(&c->stepkeys, k, strlen(k));
	*stepid = id;
	if (id == n) {
		c->steps = jn_xgrow(c->steps, &c->stepcap, n + 1,
		    sizeof *c->steps);
		s = &c->steps[id];
		s->name = jn_xstrdup(name);
		s->current = current;
		s->line = t->lines[r];
		return 0;
	}
	s = &c->steps[id];
	if (strcmp(s->name, name) == 0)
		return 0;
	if (s->current == current)
		return jn_error("%s:%zu: step %ld is '%s' here but '%s' on "
		    "line %zu", t->file, t->lines[r], step, quote(qa, name),
		    quote(qb, s->name), s->line);
	return jn_error("%s:%zu: step %ld is '%s' here but '%s' in the "
	    "baseline: not the same funnel", t->file, t->lines[r], step,
	    quote(qa, name), quote(qb, s->name));
}

/* A funnel row: n is the group's step-1 count, x the step's count. */
static int
funnel_row(struct cmp *c, const struct jn_table *t, size_t r, int gcol,
    int current)
{
	const char *group = gcol >= 0 ? cell(t, r, gcol) : "";
	char g[2 * QLEN + 16];
	struct row *row;
	struct side *side;
	uint32_t stepid, first;
	long step = 0;
	double x;

	if (step_number(t, r, &step) != 0 || count(t, r, "count", &x) != 0 ||
	    check_name(c, t, r, step, current, &stepid) != 0)
		return -1;
	row = get_row(c, group, step);
	row->stepid = stepid;
	side = current ? &row->cur : &row->base;
	if (side->present)
		return jn_error("%s:%zu: step %ld%s appears twice", t->file,
		    t->lines[r], step, of_group(c, group, g, sizeof g));
	side->present = 1;
	side->x = x;
	if (step == 1) {
		side->n = x;
		c->volume[current] += x;
		return 0;
	}
	/* jfunnel writes a group's steps in order, step 1 first */
	first = key(c, group, 1, 0);
	if (first == UINT32_MAX || !(current ? c->rows[first].cur.present :
	    c->rows[first].base.present))
		return jn_error("%s:%zu: step %ld%s comes before its step 1",
		    t->file, t->lines[r], step, of_group(c, group, g,
		    sizeof g));
	side->n = current ? c->rows[first].cur.x : c->rows[first].base.x;
	if (x > side->n)
		return jn_error("%s:%zu: count %.0f above the step-1 count "
		    "%.0f", t->file, t->lines[r], x, side->n);
	return 0;
}

/*
 * A retention row (one cohort, one period): its units and retained add
 * to the row of its period (and group), over all cohorts: two runs
 * rarely share their cohorts' dates, but period k's retention over
 * every cohort old enough to have one compares as a rate.
 */
static int
retention_row(struct cmp *c, const struct jn_table *t, size_t r, int gcol,
    int current)
{
	const char *group = gcol >= 0 ? cell(t, r, gcol) : "";
	const char *v = cell(t, r, jn_table_col(t, "period"));
	char q[QLEN];
	struct side *side;
	double period, n, x;

	if (jn_parse_double(v, strlen(v), &period) != 0 || !(period >= 0) ||
	    period >= MAX_STEP || period != floor(period))
		return jn_error("%s:%zu: bad period '%s' (a whole number from "
		    "0)", t->file, t->lines[r], quote(q, v));
	if (count(t, r, "units", &n) != 0 || count(t, r, "retained", &x) != 0)
		return -1;
	if (x > n)
		return jn_error("%s:%zu: retained %.0f above units %.0f",
		    t->file, t->lines[r], x, n);
	side = current ? &get_row(c, group, (long)period + 1)->cur :
	    &get_row(c, group, (long)period + 1)->base;
	side->present = 1;
	side->n += n;
	side->x += x;
	if (period == 0)
		c->volume[current] += n;
	return 0;
}

/* A segment row: n is its users, x its converted users. */
static int
segment_row(struct cmp *c, const struct jn_table *t, size_t r, int scol,
    int current)
{
	const char *seg = cell(t, r, scol);
	char q[QLEN];
	struct row *row;
	struct side *side;
	double n, x;

	if (count(t, r, "users", &n) != 0 ||
	    count(t, r, "converted", &x) != 0)
		return -1;
	if (x > n)
		return jn_error("%s:%zu: converted %.0f above users %.0f",
		    t->file, t->lines[r], x, n);
	row = get_row(c, seg, 0);
	side = current ? &row->cur : &row->base;
	if (side->present)
		return jn_error("%s:%zu: segment '%s' appears twice", t->file,
		    t->lines[r], quote(q, seg));
	side->present = 1;
	side->n = n;
	side->x = x;
	c->volume[current] += n;
	return 0;
}

/* The core tells tables apart (jn_table_kind), the same for every tool. */
static enum kind
table_kind(const struct jn_table *t)
{
	switch (jn_table_kind(t)) {
	case JN_TABLE_FUNNEL:
		return KIND_FUNNEL;
	case JN_TABLE_RETENTION:
		return KIND_RETENTION;
	case JN_TABLE_SEGMENT:
		return KIND_SEGMENT;
	default:
		return KIND_NONE;
	}
}

static const char *
kind_name(enum kind k)
{
	return k == KIND_FUNNEL ? "funnel" : k == KIND_RETENTION ? "retention" :
	    "segment";
}

/*
 * Both files must be the same kind with the same breakdown: a funnel by
 * device against one by country has no rows to join.
 */
static int
check_shape(struct cmp *c, const struct jn_table *t, int current)
{
	enum kind kind = table_kind(t);
	const char *g = NULL;
	char qa[QLEN], qb[QLEN];

	if (kind == KIND_NONE)
		return jn_error("%s: neither a jfunnel table (columns step, "
		    "name, count), a jsegment table (segment, users, "
		    "converted) nor a jretain table (cohort, period, units, "
		    "retained)", t->file);
	if ((kind == KIND_FUNNEL && strcmp(t->names[0], "step") != 0) ||
	    (kind == KIND_RETENTION && strcmp(t->names[0], "cohort") != 0))
		g = t->names[0];
	if (!current) {
		c->kind = kind;
		c->group_name = g ? jn_xstrdup(g) : NULL;
		return 0;
	}
	if (kind != c->kind)
		return jn_error("%s: a %s table, but the baseline is a %s "
		    "table", t->file, kind_name(kind), kind_name(c->kind));
	if (g && c->group_name == NULL)
		return jn_error("%s: broken down by '%s', the baseline is not "
		    "broken down", t->file, quote(qa, g));
	if (g == NULL && c->group_name)
		return jn_error("%s: not broken down, the baseline is by '%s'",
		    t->file, quote(qa, c->group_name));
	if (g && strcmp(g, c->group_name) != 0)
		return jn_error("%s: broken down by '%s', the baseline by '%s'",
		    t->file, quote(qa, g), quote(qb, c->group_name));
	return 0;
}

/*
 * Tables made with different definitions (their --meta lines) measure
 * different things: refused unless --force.  With a line on one side
 * only, nothing can be checked, and that is said.  Returns 0 or -1
 * (reported).
 */
static int
check_definition(struct cmp *c, const struct jn_table *t, int current)
{
	const char *a, *b;
	size_t la, lb;

	c->meta_file[current] = jn_xstrdup(t->file);
	c->has_meta[current] = t->meta != NULL && jn_meta_parse(t->meta,
	    strlen(t->meta), &c->meta[current]) == 0;
	if (!current || c->has_meta[0] + c->has_meta[1] == 0)
		return 0;
	if (c->has_meta[0] != c->has_meta[1]) {
		jn_warn("%s says how it was made and %s does not (--meta): "
		    "definitions not compared", c->meta_file[!c->has_meta[0]],
		    c->meta_file[c->has_meta[0]]);
		return 0;
	}
	if (c->force ||
	    jn_meta_differ(&c->meta[0], &c->meta[1], &a, &la, &b, &lb) == 0)
		return 0;
	return jn_error("%s and %s were made with different definitions: "
	    "'%.*s' against '%.*s' (--force compares them anyway)",
	    c->meta_file[0], c->meta_file[1], (int)la, a, (int)lb, b);
}

/* Add one file's rows to the join. */
static int
load(struct cmp *c, const char *path, int current)
{
	struct jn_tables ts = { NULL, 0 };
	const struct jn_table *t;
	const char *file = strcmp(path, "-") == 0 ? "<stdin>" : path;
	size_t r;
	int rc = 0, col;

	if (jn_tables_load(&ts, path, c->in_format) != 0) {
		jn_tables_release(&ts);
		return -1;
	}
	if (ts.n != 1) {
		rc = jn_error("%s: %s", file, ts.n ? "more than one table "
		    "(one jfunnel, jsegment or jretain output per file)" : "empty, "
		    "not a jfunnel or jsegment table");
		goto out;
	}
	t = &ts.t[0];
	if (check_shape(c, t, current) != 0 || jn_table_validate(t) != 0 ||
	    check_definition(c, t, current) != 0) {
		rc = -1;
		goto out;
	}
	if (c->kind != KIND_SEGMENT)
		col = c->group_name ? 0 : -1;
	else
		col = jn_table_col(t, "segment");
	for (r = 0; r < t->nrows && rc == 0; r++)
		rc = c->kind == KIND_FUNNEL ?
		    funnel_row(c, t, r, col, current) :
		    c->kind == KIND_RETENTION ?
		    retention_row(c, t, r, col, current) :
		    segment_row(c, t, r, col, current);
out:
	jn_tables_release(&ts);
	return rc;
}

/*
 * The primary row: --primary as a step number, a step name or a segment,
 * or by default a funnel's last step in BASELINE (in CURRENT when the
 * baseline has no rows); segments have none by default.
 */
static int
resolve_primary(struct cmp *c)
{
	size_t nrows = jn_intern_count(&c->keys), i;
	const char *arg = c->primary;
	char q[QLEN];

	c->primary_step = 0;
	c->primary_seg = UINT32_MAX;
	if (arg != NULL && strcmp(arg, "none") == 0)
		return 0;
	if (c->kind == KIND_SEGMENT) {
		if (arg == NULL)
			return 0;
		c->primary_seg = key(c, arg, 0, 0);
		if (c->primary_seg == UINT32_MAX)
			return jn_error("bad --primary '%s': no such segment",
			    quote(q, arg));
		return 0;
	}
	if (c->kind == KIND_RETENTION) {
		char *end;
		long k;

		/* the first return period by default: day-1, week-1 */
		if (arg == NULL) {
			for (i = 0; i < nrows; i++)
				if (c->rows[i].step == 2)
					c->primary_step = 2;
			return 0;
		}
		k = strtol(arg, &end, 10);
		for (i = 0; *arg && *end == '\0' && k >= 0 && i < nrows; i++)
			if (c->rows[i].step == k + 1)
				c->primary_step = k + 1;
		if (c->primary_step == 0)
			return jn_error("bad --primary '%s': no such period",
			    quote(q, arg));
		return 0;
	}
	if (arg == NULL) {
		int base = 0;

		for (i = 0; i < nrows; i++)
			base |= c->rows[i].base.present;
		for (i = 0; i < nrows; i++)
			if (c->rows[i].base.present || !base)
				c->primary_step = c->rows[i].step >
				    c->primary_step ? c->rows[i].step :
				    c->primary_step;
		return 0;
	}
	if (strspn(arg, "0123456789") == strlen(arg) && *arg) {
		uint32_t id = jn_intern_find(&c->stepkeys, arg, strlen(arg));

		if (id != UINT32_MAX)
			c->primary_step = strtol(arg, NULL, 10);
	} else {
		for (i = 0; i < nrows && c->primary_step == 0; i++)
			if (strcmp(c->steps[c->rows[i].stepid].name, arg) == 0)
				c->primary_step = c->rows[i].step;
	}
	if (c->primary_step == 0)
		return jn_error("bad --primary '%s': no step of that number "
		    "or name", quote(q, arg));
	if (c->primary_step == 1)
		return jn_error("bad --primary '%s': step 1 is 100%% on both "
		    "sides, never tested", quote(q, arg));
	return 0;
}

static double
rate(const struct side *s)
{
	return s->n > 0 ? s->x / s->n : NAN;
}

/*
 * Two-sided p-value of the two-proportion z-test with pooled variance.
 * NAN when the pooled variance is 0 (both rates 0, or both 1): z is 0/0.
 * erfc(|z| / sqrt 2) is 2 (1 - Phi(|z|)) without the cancellation of
 * 1 - Phi far in the tail.
 */
static double
z_test(const struct side *a, const struct side *b)
{
	double pool = (a->x + b->x) / (a->n + b->n);
	double se = sqrt(pool * (1 - pool) * (1 / a->n + 1 / b->n));

	if (!(se > 0))
		return NAN;
	return erfc(fabs(rate(b) - rate(a)) / se / sqrt(2.0));
}

static int
pcmp(const void *pa, const void *pb)
{
	const struct row *a = *(struct row *const *)pa;
	const struct row *b = *(struct row *const *)pb;

	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return a < b ? -1 : a > b;	/* ties in row order */
}

/*
 * Adjusted p-values over the m testable rows of one family (primary or
 * secondary), p(1) <= ... <= p(m).
 * Holm: p(i) (m - i + 1), then made non-decreasing (a running maximum),
 * so that adjusted p < alpha is Holm's step-down test.  Benjamini-
 * Hochberg: p(i) m / i, then made non-increasing from p(m) down (a
 * running minimum), so that adjusted p < alpha is the BH step-up test at
 * false discovery rate alpha.  Both capped at 1.
 */
static void
correct(struct cmp *c, size_t nrows, int primary)
{
	struct row **t = jn_xmalloc((nrows + 1) * sizeof *t);
	size_t m = 0, i;

	for (i = 0; i < nrows; i++)
		if (c->rows[i].testable && c->rows[i].primary == primary)
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

/*
 * Statistics and verdicts of every row; returns the number regressed and
 * sets *watch to the number to watch.
 */
static int
evaluate(struct cmp *c, int *watch)
{
	size_t nrows = jn_intern_count(&c->keys), i;
	int regressed = 0;

	*watch = 0;
	for (i = 0; i < nrows; i++) {
		struct row *r = &c->rows[i];
		const struct side *a = &r->base, *b = &r->cur;
		double p1, p2, se;

		r->change = r->p = r->padj = r->lo = r->hi = NAN;
		r->primary = c->kind != KIND_SEGMENT ?
		    r->step == c->primary_step : i == c->primary_seg;
		if (!a->present || !b->present) {
			r->verdict = a->present ? V_ONLY_BASE : V_ONLY_CUR;
			continue;
		}
		if (a->n > 0 && b->n > 0) {
			p1 = rate(a);
			p2 = rate(b);
			r->change = p2 - p1;
			/* Wald, unpooled: the interval is for the change */
			se = sqrt(p1 * (1 - p1) / a->n + p2 * (1 - p2) / b->n);
			r->lo = fmax(-1, r->change - Z975 * se);
			r->hi = fmin(1, r->change + Z975 * se);
		}
		r->verdict = V_OK;
		if (c->kind == KIND_FUNNEL && r->step == 1)
			continue;	/* 100% on both sides by definition */
		if (a->n > 0 && b->n > 0)
			r->p = z_test(a, b);
		if (a->n == 0 || b->n == 0 || a->n < (double)c->min_count ||
		    b->n < (double)c->min_count) {
			r->verdict = V_TOO_SMALL;
			continue;
		}
		r->testable = !isnan(r->p);
	}
	/* the primary rows (one, or one per group) are their own family */
	correct(c, nrows, 1);
	correct(c, nrows, 0);
	for (i = 0; i < nrows; i++) {
		struct row *r = &c->rows[i];

		if (!r->testable)
			continue;
		if (!(r->padj < c->alpha)) {
			/* a large fall not yet significant: not "ok" */
			if (r->change < -c->max_drop - SLACK) {
				r->verdict = V_WATCH;
				(*watch)++;
			}
			continue;
		}
		if (r->change < -c->max_drop - SLACK) {
			r->verdict = V_REGRESSED;
			regressed++;
		} else if (r->change > c->max_drop + SLACK) {
			r->verdict = V_IMPROVED;
		}
	}
	return regressed;
}

/* v rounded to places decimals (rates' 4), never "-0"; NAN is empty. */
static struct jn_cell
num(double v, int places)
{
	double k = pow(10, places);

	if (isnan(v))
		return jn_cell_null();
	v = round(v * k) / k;
	return jn_cell_num(v == 0 ? 0 : v);
}

static void
side_cells(const struct side *s, struct jn_cell *cells)
{
	cells[0] = s->present ? jn_cell_int((int64_t)s->n) : jn_cell_null();
	cells[1] = s->present ? jn_cell_int((int64_t)s->x) : jn_cell_null();
	cells[2] = s->present && s->n > 0 ? jn_cell_num(rate(s)) :
	    jn_cell_null();
}

/*
 * A row's verdict for the gate formats: a regression fails, a watch
 * fails with --fail-on watch and is to watch otherwise, the rest pass.
 */
static void
row_verdict(const struct cmp *c, struct jn_writer *w, const struct row *r)
{
	enum jn_verdict v = JN_VERDICT_PASS;
	char why[128];

	if (r->verdict == V_REGRESSED || r->verdict == V_WATCH ||
	    r->verdict == V_IMPROVED)
		snprintf(why, sizeof why, "%s: %s from %.1f%% to %.1f%%%s",
		    r->verdict == V_WATCH ? "to watch" :
		    verdict_names[r->verdict], r->verdict == V_IMPROVED ?
		    "rose" : "fell", 100 * rate(&r->base), 100 * rate(&r->cur),
		    r->verdict == V_WATCH ? ", not significantly" : "");
	else
		snprintf(why, sizeof why, "%s", r->verdict == V_TOO_SMALL ?
		    "too few units to test" : r->verdict == V_ONLY_BASE ?
		    "only in the baseline" : r->verdict == V_ONLY_CUR ?
		    "only in the current table" : "ok");
	if (r->verdict == V_REGRESSED ||
	    (r->verdict == V_WATCH && c->fail_on_watch))
		v = JN_VERDICT_FAIL;
	else if (r->verdict == V_WATCH)
		v = JN_VERDICT_WATCH;
	jn_writer_verdict(w, v, JN_SEV_INFO, why);
}

/*
 * The gate formats' row for the volume check, which is no row of the
 * table: failed as gate() fails it, passed otherwise; none when the
 * check is off or the baseline has no units.
 */
static void
volume_check(const struct cmp *c, struct jn_writer *w)
{
	int low = c->volume[1] < c->min_volume_ratio * c->volume[0];
	char why[160];

	if (c->volume[0] <= 0 || c->min_volume_ratio <= 0)
		return;
	snprintf(why, sizeof why, "%.0f in the baseline, %.0f now: %s "
	    "--min-volume-ratio %g of the baseline", c->volume[0],
	    c->volume[1], low ? "below" : "at or above", c->min_volume_ratio);
	jn_writer_gate_check(w, c->kind == KIND_FUNNEL ? "step-1 volume" :
	    c->kind == KIND_RETENTION ? "the cohorts' units" :
	    "the segments' users", low ? JN_VERDICT_FAIL : JN_VERDICT_PASS,
	    JN_SEV_INFO, why);
}

static int
write_rows(struct cmp *c, enum jn_format fmt)
{
	static const struct jn_column stats[] = {
		{ "baseline_n", JN_COL_INT }, { "baseline_x", JN_COL_INT },
		{ "baseline_rate", JN_COL_RATE },
		{ "current_n", JN_COL_INT }, { "current_x", JN_COL_INT },
		{ "current_rate", JN_COL_RATE },
		{ "change", JN_COL_NUM }, { "p_value", JN_COL_NUM },
		{ "p_adjusted", JN_COL_NUM }, { "ci_low", JN_COL_NUM },
		{ "ci_high", JN_COL_NUM }, { "verdict", JN_COL_STR },
	};
	static const struct jn_gate_col figures[] = {
		{ 0, JN_GATE_METRIC, "baseline_units", "Units at the row's "
		    "step (or segment) in the baseline" },
		{ 1, JN_GATE_METRIC, "baseline_converted", "Units converted "
		    "in the baseline" },
		{ 2, JN_GATE_METRIC, "baseline_rate", "Baseline rate, a "
		    "fraction" },
		{ 3, JN_GATE_METRIC, "current_units", "Units in the current "
		    "table" },
		{ 4, JN_GATE_METRIC, "current_converted", "Units converted "
		    "in the current table" },
		{ 5, JN_GATE_METRIC, "current_rate", "Current rate, a "
		    "fraction" },
		{ 6, JN_GATE_METRIC, "change", "Current rate less baseline "
		    "rate" },
		{ 7, JN_GATE_METRIC, "p_value", "Two-proportion z-test "
		    "p-value" },
		{ 8, JN_GATE_METRIC, "p_adjusted", "p-value after the "
		    "correction for the number of rows" },
	};
	struct jn_gate_col gcols[16];
	struct jn_gate gate = { "jcompare", NULL, gcols, 0 };
	struct jn_column cols[16];
	struct jn_cell cells[16];
	struct jn_writer *w;
	size_t nrows = jn_intern_count(&c->keys), nc = 0, i, j;
	int rc;

	if (c->kind == KIND_FUNNEL || c->kind == KIND_RETENTION) {
		if (c->group_name)
			cols[nc++] = (struct jn_column){ c->group_name,
			    JN_COL_STR };
	}
	if (c->kind == KIND_FUNNEL) {
		cols[nc++] = (struct jn_column){ "step", JN_COL_INT };
		cols[nc++] = (struct jn_column){ "name", JN_COL_STR };
	} else if (c->kind == KIND_RETENTION) {
		cols[nc++] = (struct jn_column){ "period", JN_COL_INT };
	} else {
		cols[nc++] = (struct jn_column){ "segment", JN_COL_STR };
	}
	/* the key columns name the rows and label the figures */
	for (j = 0; j < nc; j++)
		gcols[gate.ncols++] = (struct jn_gate_col){ j, JN_GATE_NAME |
		    JN_GATE_LABEL, j == 0 && c->group_name ? "group" :
		    cols[j].name, NULL };
	for (j = 0; j < sizeof figures / sizeof figures[0]; j++) {
		gcols[gate.ncols] = figures[j];
		gcols[gate.ncols++].col += nc;
	}
	memcpy(cols + nc, stats, sizeof stats);
	nc += sizeof stats / sizeof stats[0];
	w = jn_writer_new(stdout, fmt, cols, nc);
	jn_writer_gate(w, &gate);
	for (i = 0; i < nrows; i++) {
		const struct row *r = &c->rows[i];
		const char *key = jn_intern_str(&c->keys, (uint32_t)i, NULL);
		const char *v = verdict_names[r->verdict];

		row_verdict(c, w, r);
		/* the key is "group\0step": as a C string, the group */
		j = 0;
		if (c->kind == KIND_SEGMENT || c->group_name)
			cells[j++] = jn_cell_str(key, strlen(key));
		if (c->kind == KIND_FUNNEL) {
			const char *name = c->steps[r->stepid].name;

			cells[j++] = jn_cell_int(r->step);
			cells[j++] = jn_cell_str(name, strlen(name));
		} else if (c->kind == KIND_RETENTION) {
			cells[j++] = jn_cell_int(r->step - 1);
		}
		side_cells(&r->base, cells + j);
		side_cells(&r->cur, cells + j + 3);
		j += 6;
		cells[j++] = num(r->change, 4);
		cells[j++] = num(r->p, 6);
		cells[j++] = num(r->padj, 6);
		cells[j++] = num(r->lo, 4);
		cells[j++] = num(r->hi, 4);
		cells[j++] = jn_cell_str(v, strlen(v));
		jn_writer_row(w, cells);
	}
	volume_check(c, w);
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	return rc;
}

static int
fraction(const char *opt, const char *arg, double *out)
{
	char q[QLEN];

	if (jn_parse_double(arg, strlen(arg), out) != 0 || *out < 0 ||
	    *out > 1)
		return jn_error("bad %s '%s' (a fraction in [0,1])", opt,
		    quote(q, arg));
	return 0;
}

static int
parse_args(struct cmp *c, int argc, char **argv)
{
	char q[QLEN], *end;
	int opt;

	c->max_drop = 0.02;
	c->alpha = 0.05;
	c->min_volume_ratio = 0.5;
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
			if (*optarg < '0' || *optarg > '9' || *end || errno)
				return jn_error("bad --min-count '%s' (a whole "
				    "number)", quote(q, optarg));
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
				    "holm, bh)", quote(q, optarg));
			break;
		case OPT_PRIMARY:
			c->primary = optarg;
			break;
		case OPT_FAIL_ON:
			if (strcmp(optarg, "regressed") == 0)
				c->fail_on_watch = 0;
			else if (strcmp(optarg, "watch") == 0)
				c->fail_on_watch = 1;
			else
				return jn_error("bad --fail-on '%s' "
				    "(regressed, watch)", quote(q, optarg));
			break;
		case OPT_MIN_VOLUME_RATIO:
			if (fraction("--min-volume-ratio", optarg,
			    &c->min_volume_ratio))
				return -1;
			break;
		case OPT_FORCE:
			c->force = 1;
			break;
		case OPT_OUTPUT:
			c->output = optarg;
			break;
		case OPT_SAFE_CSV:
			jn_writer_safe_csv(1);
			break;
		case 'o':
			if (jn_format_parse(optarg, &c->out_format))
				return -1;
			break;
		case JN_OPT_FIELDS:
			if (jn_writer_fields(optarg))
				return -1;
			break;
		case 'I':
			if (jn_input_format_parse(optarg, &c->in_format))
				return -1;
			break;
		default:
			return jn_cli_other(opt, usage, help_text);
		}
	}
	if (argc - optind != 2) {
		jn_error("two files needed: BASELINE CURRENT");
		fputs(usage, stderr);
		return -1;
	}
	if (strcmp(argv[optind], "-") == 0 &&
	    strcmp(argv[optind + 1], "-") == 0)
		return jn_error("standard input can be BASELINE or CURRENT, "
		    "not both");
	return 0;
}

/* The verdicts and the volume said on standard error; the exit status. */
static int
gate(const struct cmp *c, int regressed, int watch)
{
	int status = JN_EXIT_OK;

	if (regressed) {
		jn_warn("%d row%s regressed", regressed,
		    regressed == 1 ? "" : "s");
		status = JN_EXIT_GATE;
	}
	if (watch) {
		jn_warn("%d row%s to watch: fell by more than --max-drop "
		    "%g, not significantly", watch, watch == 1 ? "" : "s",
		    c->max_drop);
		if (c->fail_on_watch)
			status = JN_EXIT_GATE;
	}
	/* a baseline of no units cannot collapse; its rows say enough */
	if (c->volume[0] > 0 &&
	    c->volume[1] < c->min_volume_ratio * c->volume[0]) {
		jn_warn("%s fell from %.0f to %.0f, below --min-volume-ratio "
		    "%g of the baseline", c->kind == KIND_FUNNEL ?
		    "step-1 volume" : c->kind == KIND_RETENTION ?
		    "the cohorts' units" : "the segments' users", c->volume[0],
		    c->volume[1], c->min_volume_ratio);
		status = JN_EXIT_GATE;
	}
	return status;
}

static void
release(struct cmp *c)
{
	size_t i;

	for (i = 0; i < jn_intern_count(&c->stepkeys); i++)
		free(c->steps[i].name);
	free(c->steps);
	jn_intern_release(&c->stepkeys);
	jn_intern_release(&c->keys);
	free(c->rows);
	free(c->kbuf);
	free(c->group_name);
	for (i = 0; i < 2; i++) {
		jn_meta_release(&c->meta[i]);
		free(c->meta_file[i]);
	}
}

int
main(int argc, char **argv)
{
	static struct cmp c;
	int status = JN_EXIT_OK, regressed, watch;

	/* zeroed here too: the fuzz targets run main() many times */
	memset(&c, 0, sizeof c);
	jn_set_progname(argv[0]);
	jn_writer_safe_csv(0);	/* off until this run's options say */
	jn_writer_fields(NULL);
	jn_format_allow(JN_FMTS_GATE);
	jn_intern_init(&c.keys);
	jn_intern_init(&c.stepkeys);
	if (parse_args(&c, argc, argv) != 0) {
		status = JN_EXIT_ERROR;
	} else if (c.output != NULL && jn_output_open(c.output) != 0) {
		status = JN_EXIT_ERROR;
	} else if (load(&c, argv[optind], 0) != 0 ||
	    load(&c, argv[optind + 1], 1) != 0 || resolve_primary(&c) != 0) {
		status = JN_EXIT_ERROR;
	} else {
		regressed = evaluate(&c, &watch);
		if (write_rows(&c, jn_format_resolve(c.out_format,
		    stdout)) != 0) {
			status = JN_EXIT_ERROR;
		} else {
			status = gate(&c, regressed, watch);
		}
	}
	release(&c);
	return jn_close_stdout(status);
}
