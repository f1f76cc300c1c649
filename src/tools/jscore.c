/*
 * jscore: the prioritized friction backlog.  Reads friction items (from
 * jfriction), funnel steps (from jfunnel: each step's drop-off becomes an
 * item) or any rows with the impact columns, in any of the toolkit's
 * formats and several tables in one stream, and ranks them by their
 * impact on revenue, support volume and customer effort, optionally per
 * unit of fix cost.  Every number in the output can be recomputed by hand
 * from the formula in jscore(1).
 */
#include <assert.h>
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
    "usage: jscore [-o FORMAT] [-I FORMAT]\n"
    "              [--weights revenue=W,support=W,effort=W,"
    "satisfaction=W]\n"
    "              [--costs FILE] [--top N] [--fail-on GATE ...] "
    "[--safe-csv]\n"
    "              [--output FILE] [FILE ...]\n";

static const char help_text[] =
    "Rank friction items and funnel drop-offs into a backlog.\n"
    "\n"
    "      --weights W          revenue=0.5,support=0.3,effort=0.2,\n"
    "                           satisfaction=0.2\n"
    "      --costs FILE         kind,touchpoint,cost rows: score per cost\n"
    "      --top N              only the N best ranked items\n"
    "      --fail-on GATE       exit 1 when an item meets GATE: P1, P2 (P1 "
    "or P2),\n"
    "                           COLUMN>N (>=, <, <=, =, !=) on users,\n"
    "                           revenue_at_risk, support_contacts, effort, "
    "cost,\n"
    "                           score, rank; joined by &&; repeatable\n"
    "  -o, --format F           table, csv, tsv, ndjson, markdown, junit,\n"
    "                           github, codequality, prometheus\n"
    "      --output FILE        write FILE whole (a temporary file "
    "renamed)\n"
    "      --fields LIST        only these columns, in this order\n"
    "      --safe-csv           defuse cells a spreadsheet would run\n"
    "  -I, --input-format F     csv, tsv or ndjson (default: detect)\n"
    "  -h, --help               this help\n"
    "  -V, --version            version\n"
    "\n"
    "See jscore(1) for the formula.\n";

enum {
	OPT_WEIGHTS = JN_OPT_TOOL_BASE, OPT_COSTS, OPT_TOP, OPT_FAIL_ON,
	OPT_SAFE_CSV, OPT_OUTPUT
};

static const struct option longopts[] = {
	{ "weights", required_argument, NULL, OPT_WEIGHTS },
	{ "costs", required_argument, NULL, OPT_COSTS },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "safe-csv", no_argument, NULL, OPT_SAFE_CSV },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "format", required_argument, NULL, 'o' },
	{ "fields", required_argument, NULL, JN_OPT_FIELDS },
	{ "input-format", required_argument, NULL, 'I' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_GATES 16
#define MAX_TERMS 8

/* An item's figures a gate can test, in the order of gate_cols. */
enum gcol { G_USERS, G_REVENUE, G_SUPPORT, G_EFFORT, G_COST, G_SCORE,
	G_RANK, G_PRIORITY };

static const char *const gate_cols[] = { "users", "revenue_at_risk",
	"support_contacts", "effort", "cost", "score", "rank" };

enum gop { GOP_GT, GOP_GE, GOP_LT, GOP_LE, GOP_EQ, GOP_NE };

/* One condition: COLUMN OP num, or priority at most num (G_PRIORITY). */
struct term {
	enum gcol col;
	enum gop op;
	double num;
};

/* --fail-on: its terms must all hold for one item. */
struct gate {
	const char *text;
	struct term terms[MAX_TERMS];
	int nterms;
};

struct item {
	char *kind, *touchpoint, *detail;
	char *cause;		/* a symptom's cause, NULL for a cause */
	double users, revenue, support, effort, cost;
	/* the score gap: answers, NPS points, net promoters lost */
	double answers, gap, satisfaction;
	int has_gap;
	int has_cost;
	int folded;		/* a symptom folded into its cause */
	double score;
	int priority;		/* 1..3 */
};

struct score {
	double w_revenue, w_support, w_effort, w_satisfaction;
	enum jn_format out_format;
	enum jn_input_format in_format;
	long top;
	struct gate gates[MAX_GATES];
	int ngates;
	const char *costs_path;
	struct jn_tables costs;
	struct item *items;
	size_t nitems, cap;
	const char *output;	/* --output FILE */
	const char *path;	/* the first FILE: codequality's location */
};

static int item_gate(const struct score *s, size_t i);
static int term_holds(const struct term *t, const struct item *it,
    size_t rank);

/*
 * A cell as a number: absent or empty is 0; anything else must parse.
 * The known columns' ranges were checked by jn_table_validate().
 */
static int
number(const struct jn_table *t, size_t row, const char *col, double *out)
{
	const char *v = jn_table_cell(t, row, jn_table_col(t, col));
	char q[64];

	*out = 0;
	if (v == NULL || *v == '\0')
		return 0;
	if (jn_parse_double(v, strlen(v), out) != 0)
		return jn_error("%s:%zu: bad number '%s' in column '%s'",
		    t->file, t->lines[row], jn_quote(q, sizeof q, v,
		    strlen(v)), col);
	return 0;
}

static const char *
text(const struct jn_table *t, size_t row, const char *col)
{
	const char *v = jn_table_cell(t, row, jn_table_col(t, col));

	return v ? v : "";
}

static struct item *
new_item(struct score *s, const char *kind, const char *tp,
    const char *detail)
{
	struct item *it;

	s->items = jn_xgrow(s->items, &s->cap, s->nitems + 1,
	    sizeof *s->items);
	it = &s->items[s->nitems++];
	memset(it, 0, sizeof *it);
	it->kind = jn_xstrdup(kind);
	it->touchpoint = jn_xstrdup(tp);
	it->detail = jn_xstrdup(detail);
	return it;
}

/*
 * jfunnel rows: step k's drop-off (the units lost between step k-1 and
 * k) is an item.  With a value column it is priced as a friction item
 * is, by the conversion the lost units would have had: had they gone on
 * to step k, they would have converted as the units that reached step k
 * did, so revenue = dropped * (count_last / count_k) * (value_last /
 * count_last) = dropped * value_last / count_k.
 */
static int
load_funnel(struct score *s, const struct jn_table *t)
{
	int group = strcmp(t->names[0], "step") != 0;
	size_t r, first = 0;

	for (r = 0; r < t->nrows; r++) {
		char detail[256];
		const char *g = group ? text(t, r, t->names[0]) : "";
		double dropped, step, value_last = 0, count_last = 0;
		double count_k;
		size_t k;
		struct item *it;

		if (number(t, r, "step", &step) || number(t, r, "dropped",
		    &dropped) || number(t, r, "count", &count_k))
			return -1;
		if (step == 1)
			first = r;
		if (step == 1 || dropped <= 0)
			continue;
		/* the group's last step: its value per converted unit */
		for (k = first; k < t->nrows; k++) {
			double st;

			if (k > first && (number(t, k, "step", &st) || st == 1))
				break;
			if (number(t, k, "value", &value_last) ||
			    number(t, k, "count", &count_last))
				return -1;
		}
		snprintf(detail, sizeof detail, "%s%sdrop before step %g",
		    group ? g : "", group ? ", " : "", step);
		it = new_item(s, "drop_off", text(t, r, "name"), detail);
		it->users = dropped;
		it->revenue = count_k > 0 ? dropped * value_last / count_k :
		    0;
	}
	return 0;
}

/* jfriction rows, or any rows with the impact columns. */
static int
load_items(struct score *s, const struct jn_table *t)
{
	size_t r;

	for (r = 0; r < t->nrows; r++) {
		struct item *it = new_item(s, text(t, r, "kind"),
		    text(t, r, "touchpoint"), text(t, r, "detail"));

		double lo = 1;

		if (number(t, r, "users", &it->users) ||
		    number(t, r, "revenue_at_risk", &it->revenue) ||
		    number(t, r, "support_contacts", &it->support) ||
		    number(t, r, "effort", &it->effort))
			return -1;
		/* an interval that holds 0: no revenue, whatever the
		 * estimate says */
		if (jn_table_col(t, "revenue_at_risk_lo") >= 0 &&
		    text(t, r, "revenue_at_risk_lo")[0] != '\0') {
			if (number(t, r, "revenue_at_risk_lo", &lo))
				return -1;
			if (!(lo > 0))
				it->revenue = 0;
		}
		/* the score gap: what its interval says is lost */
		if (jn_table_col(t, "nps_gap") >= 0 &&
		    text(t, r, "nps_gap")[0] != '\0') {
			double hi = 0;

			if (number(t, r, "answers", &it->answers) ||
			    number(t, r, "nps_gap", &it->gap) ||
			    number(t, r, "nps_gap_hi", &hi))
				return -1;
			it->has_gap = 1;
			if (hi < 0 && text(t, r, "nps_gap_hi")[0] != '\0')
				it->satisfaction = it->answers * -it->gap / 100;
		}
		/* a low score is what customers said: its units' revenue,
		 * contacts and steps are their path's, counted on the
		 * items of that path, not its own */
		if (strcmp(it->kind, "low_score") == 0)
			it->revenue = it->support = it->effort = 0;
		if (text(t, r, "cause")[0] != '\0')
			it->cause = jn_xstrdup(text(t, r, "cause"));
		if (jn_table_col(t, "cost") >= 0 && text(t, r, "cost")[0]) {
			if (number(t, r, "cost", &it->cost))
				return -1;
			it->has_cost = 1;
		}
	}
	return 0;
}

static int
load(struct score *s, const char *path)
{
	struct jn_tables ts = { NULL, 0 };
	size_t i;
	int rc = 0;

	if (jn_tables_load(&ts, path, s->in_format) != 0) {
		jn_tables_release(&ts);
		return -1;
	}
	for (i = 0; i < ts.n && rc == 0; i++) {
		const struct jn_table *t = &ts.t[i];

		if (jn_table_validate(t) != 0)
			rc = -1;
		else if (jn_table_col(t, "step") >= 0 &&
		    jn_table_col(t, "dropped") >= 0)
			rc = load_funnel(s, t);
		else if (jn_table_col(t, "kind") >= 0 &&
		    (jn_table_col(t, "revenue_at_risk") >= 0 ||
		    jn_table_col(t, "support_contacts") >= 0 ||
		    jn_table_col(t, "effort") >= 0))
			rc = load_items(s, t);
		else
			rc = jn_error("%s: neither jfriction nor jfunnel rows "
			    "(need kind and revenue_at_risk, support_contacts "
			    "or effort; or step and dropped)", t->file);
	}
	jn_tables_release(&ts);
	return rc;
}

/* --costs FILE: kind,touchpoint,cost; the cost of matching items. */
static int
apply_costs(struct score *s)
{
	size_t i, r, k;

	if (s->costs_path == NULL)
		return 0;
	if (jn_tables_load(&s->costs, s->costs_path, JN_IN_AUTO) != 0)
		return -1;
	for (k = 0; k < s->costs.n; k++) {
		const struct jn_table *t = &s->costs.t[k];

		if (jn_table_col(t, "kind") < 0 || jn_table_col(t, "cost") < 0)
			return jn_error("%s: a costs file needs the columns "
			    "kind and cost (touchpoint: optional)", t->file);
		if (jn_table_validate(t) != 0)
			return -1;
		for (r = 0; r < t->nrows; r++) {
			double cost;
			const char *kind = text(t, r, "kind");
			const char *tp = text(t, r, "touchpoint");

			if (number(t, r, "cost", &cost))
				return -1;
			if (!(cost > 0))
				return jn_error("%s:%zu: a cost must be "
				    "positive", t->file, t->lines[r]);
			for (i = 0; i < s->nitems; i++)
				if (strcmp(s->items[i].kind, kind) == 0 &&
				    (*tp == '\0' || strcmp(s->items[i].
				    touchpoint, tp) == 0)) {
					s->items[i].cost = cost;
					s->items[i].has_cost = 1;
				}
		}
	}
	return 0;
}

/* Does cause name it: "KIND TOUCHPOINT[ DETAIL]", as jfriction writes? */
static int
names(const char *cause, const struct item *it)
{
	size_t k = strlen(it->kind), t = strlen(it->touchpoint);

	if (it->cause != NULL || strncmp(cause, it->kind, k) != 0 ||
	    cause[k] != ' ' || strncmp(cause + k + 1, it->touchpoint, t) != 0)
		return 0;
	cause += k + 1 + t;
	if (it->detail[0] == '\0')
		return *cause == '\0';
	return *cause == ' ' && strcmp(cause + 1, it->detail) == 0;
}

/*
 * A row with a cause is a symptom: its support contacts and effort are
 * added to the cause's row and it is not ranked (its revenue is the
 * cause's already).  A symptom whose cause is not among the rows is
 * ranked alone.
 */
static void
fold(struct score *s)
{
	size_t i, j, n = 0;

	for (i = 0; i < s->nitems; i++) {
		struct item *it = &s->items[i];

		if (it->cause == NULL)
			continue;
		for (j = 0; j < s->nitems; j++)
			if (names(it->cause, &s->items[j])) {
				s->items[j].support += it->support;
				s->items[j].effort += it->effort;
				it->folded = 1;
				break;
			}
	}
	for (i = 0; i < s->nitems; i++) {
		struct item *it = &s->items[i];

		if (!it->folded) {
			s->items[n++] = *it;
			continue;
		}
		free(it->kind);
		free(it->touchpoint);
		free(it->detail);
		free(it->cause);
	}
	s->nitems = n;
}

/*
 * score = (w_r * revenue / max revenue + w_s * support / max support +
 * w_e * effort / max effort + w_n * satisfaction / max satisfaction) /
 * cost, each factor normalized by its largest
 * value among the items (a factor that is 0 everywhere adds nothing), and
 * divided by the item's cost when it has one.  Priority from the score
 * relative to the best: P1 from 50% of it, P2 from 20%, P3 below.
 */
static void
compute(struct score *s)
{
	double mr = 0, ms = 0, me = 0, mn = 0, best = 0;
	size_t i;

	for (i = 0; i < s->nitems; i++) {
		mr = fmax(mr, s->items[i].revenue);
		ms = fmax(ms, s->items[i].support);
		me = fmax(me, s->items[i].effort);
		mn = fmax(mn, s->items[i].satisfaction);
	}
	for (i = 0; i < s->nitems; i++) {
		struct item *it = &s->items[i];
		double v = 0;

		if (mr > 0)
			v += s->w_revenue * (it->revenue / mr);
		if (ms > 0)
			v += s->w_support * (it->support / ms);
		if (me > 0)
			v += s->w_effort * (it->effort / me);
		if (mn > 0)
			v += s->w_satisfaction *
			    (it->satisfaction / mn);
		if (it->has_cost)
			v /= it->cost;
		it->score = v;
		best = fmax(best, v);
	}
	for (i = 0; i < s->nitems; i++) {
		struct item *it = &s->items[i];

		it->priority = best > 0 && it->score >= 0.5 * best ? 1 :
		    best > 0 && it->score >= 0.2 * best ? 2 : 3;
	}
}

/* Ties by revenue, support, users, then kind, touchpoint, detail. */
static int
item_cmp(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	int c;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->revenue != b->revenue)
		return a->revenue > b->revenue ? -1 : 1;
	if (a->support != b->support)
		return a->support > b->support ? -1 : 1;
	if (a->users != b->users)
		return a->users > b->users ? -1 : 1;
	if ((c = strcmp(a->kind, b->kind)) != 0)
		return c;
	if ((c = strcmp(a->touchpoint, b->touchpoint)) != 0)
		return c;
	return strcmp(a->detail, b->detail);
}

/*
 * 1234567.8 -> "1,234,568".  The tables were validated, so that v is at
 * most 2^53, or 2^106 for a drop-off's revenue (dropped times value over
 * count): 33 digits, 43 bytes with the commas and a sign.
 */
static void
grouped(char *buf, size_t size, double v)
{
	char digits[64];
	size_t n, i, o = 0;

	assert(fabs(v) < 1e40 && size >= 56);
	snprintf(digits, sizeof digits, "%.0f", v);
	n = strlen(digits);
	for (i = 0; i < n && o + 2 < size; i++) {
		buf[o++] = digits[i];
		if (digits[i] != '-' && (n - i - 1) % 3 == 0 && i + 1 < n)
			buf[o++] = ',';
	}
	buf[o] = '\0';
}

/* One plain sentence naming the factors that carry the score. */
static void
why(const struct item *it, char *buf, size_t size)
{
	char a[64], b[64];
	size_t o = 0;

	buf[0] = '\0';
	if (it->revenue > 0) {
		grouped(a, sizeof a, it->revenue);
		grouped(b, sizeof b, it->users);
		o += (size_t)snprintf(buf + o, size - o, "%s at risk from %s "
		    "%s users", a, b, strcmp(it->kind, "drop_off") == 0 ?
		    "lost" : "affected");
	} else if (it->users > 0) {
		grouped(b, sizeof b, it->users);
		o += (size_t)snprintf(buf + o, size - o, "%s %s users", b,
		    strcmp(it->kind, "drop_off") == 0 ? "lost" : "affected");
	}
	if (it->support > 0 && o < size) {
		grouped(a, sizeof a, it->support);
		o += (size_t)snprintf(buf + o, size - o, "%s%s support "
		    "contact%s", o ? "; " : "", a, it->support == 1 ? "" :
		    "s");
	}
	if (it->effort > 0 && o < size) {
		grouped(a, sizeof a, it->effort);
		o += (size_t)snprintf(buf + o, size - o, "%s%s extra steps",
		    o ? "; " : "", a);
	}
	if (it->satisfaction > 0 && o < size) {
		grouped(a, sizeof a, it->answers);
		o += (size_t)snprintf(buf + o, size - o, "%sNPS %.0f points "
		    "lower on %s answers", o ? "; " : "", -it->gap, a);
	}
	if (it->has_cost && o < size)
		o += (size_t)snprintf(buf + o, size - o, "%sfix cost %g",
		    o ? "; " : "", it->cost);
	if (o == 0)
		snprintf(buf, size, "no measured impact");
	/* five figures of at most 43 bytes and their words: never cut */
	assert(o < size);
}

/*
 * The gate formats' view of the backlog: an item is named by its kind,
 * touchpoint and detail (not its rank, which moves from run to run), and
 * fails when it meets a --fail-on; GitLab's severity follows priority.
 */
static const struct jn_gate_col gate_cols_desc[] = {
	{ 0, JN_GATE_LABEL, "rank", NULL },
	{ 1, JN_GATE_LABEL, "priority", NULL },
	{ 3, JN_GATE_NAME | JN_GATE_LABEL, "kind", NULL },
	{ 4, JN_GATE_NAME | JN_GATE_LABEL, "touchpoint", NULL },
	{ 5, JN_GATE_NAME | JN_GATE_LABEL, "detail", NULL },
	{ 2, JN_GATE_METRIC, "score", "Backlog score (jscore(1) formula)" },
	{ 6, JN_GATE_METRIC, "users", "Users affected or lost" },
	{ 7, JN_GATE_METRIC, "revenue_at_risk", "Revenue at risk" },
	{ 8, JN_GATE_METRIC, "support_contacts", "Support contacts" },
	{ 9, JN_GATE_METRIC, "effort", "Extra steps customers took" },
	{ 10, JN_GATE_METRIC, "cost", "Fix cost (--costs)" },
};

static void
item_verdict(const struct score *s, struct jn_writer *w, size_t i)
{
	static const enum jn_severity sev[] = { JN_SEV_INFO,
		JN_SEV_CRITICAL, JN_SEV_MAJOR, JN_SEV_MINOR };
	const struct item *it = &s->items[i];
	char why[128], q[64];
	int g = item_gate(s, i);

	if (g < 0) {
		snprintf(why, sizeof why, "P%d", it->priority);
		jn_writer_verdict(w, JN_VERDICT_PASS, sev[it->priority], why);
		return;
	}
	snprintf(why, sizeof why, "P%d, meets --fail-on '%s'", it->priority,
	    jn_quote(q, sizeof q, s->gates[g].text, strlen(s->gates[g].text)));
	jn_writer_verdict(w, JN_VERDICT_FAIL, sev[it->priority], why);
}

/*
 * A --fail-on whose first item is beyond --top is no row: the gate
 * formats get it as a check of its own, named after the gate.
 */
static void
hidden_gates(const struct score *s, struct jn_writer *w, size_t shown)
{
	static const enum jn_severity sev[] = { JN_SEV_INFO,
		JN_SEV_CRITICAL, JN_SEV_MAJOR, JN_SEV_MINOR };
	char name[96], why[256], q[64];
	size_t i;
	int g, k;

	for (g = 0; g < s->ngates; g++) {
		const struct gate *gt = &s->gates[g];

		for (i = 0; i < s->nitems; i++) {
			for (k = 0; k < gt->nterms; k++)
				if (!term_holds(&gt->terms[k], &s->items[i],
				    i + 1))
					break;
			if (k == gt->nterms)
				break;
		}
		if (i < shown || i == s->nitems)
			continue;
		snprintf(name, sizeof name, "--fail-on '%s'", jn_quote(q,
		    sizeof q, gt->text, strlen(gt->text)));
		snprintf(why, sizeof why, "item ranked %zu, beyond --top, "
		    "meets it: %s at %s", i + 1, s->items[i].kind,
		    s->items[i].touchpoint);
		jn_writer_gate_check(w, name, JN_VERDICT_FAIL,
		    sev[s->items[i].priority], why);
	}
}

static int
write_backlog(struct score *s, enum jn_format fmt)
{
	struct jn_gate gate = { "jscore", NULL, gate_cols_desc,
		NELEM(gate_cols_desc) };
	static const struct jn_column cols[] = {
		{ "rank", JN_COL_INT }, { "priority", JN_COL_STR },
		{ "score", JN_COL_NUM }, { "kind", JN_COL_STR },
		{ "touchpoint", JN_COL_STR }, { "detail", JN_COL_STR },
		{ "users", JN_COL_INT }, { "revenue_at_risk", JN_COL_MONEY },
		{ "support_contacts", JN_COL_INT }, { "effort", JN_COL_NUM },
		{ "cost", JN_COL_NUM }, { "why", JN_COL_STR },
	};
	static const char *const prio[] = { "", "P1", "P2", "P3" };
	struct jn_cell c[NELEM(cols)];
	struct jn_writer *w = jn_writer_new(stdout, fmt, cols, NELEM(cols));
	char reason[512];
	size_t i, n = s->nitems;
	int rc;

	gate.path = s->path;
	jn_writer_gate(w, &gate);
	if (s->top >= 0 && (size_t)s->top < n)
		n = (size_t)s->top;
	for (i = 0; i < n; i++) {
		const struct item *it = &s->items[i];

		item_verdict(s, w, i);
		why(it, reason, sizeof reason);
		c[0] = jn_cell_int((int64_t)i + 1);
		c[1] = jn_cell_str(prio[it->priority], 2);
		c[2] = jn_cell_fixed(round(it->score * 10000) / 10000, 4);
		c[3] = jn_cell_str(it->kind, strlen(it->kind));
		c[4] = jn_cell_str(it->touchpoint, strlen(it->touchpoint));
		c[5] = jn_cell_str(it->detail, strlen(it->detail));
		c[6] = jn_cell_int((int64_t)it->users);
		c[7] = jn_cell_num(it->revenue);
		c[8] = jn_cell_int((int64_t)it->support);
		c[9] = jn_cell_fixed(it->effort, 2);
		c[10] = it->has_cost ? jn_cell_num(it->cost) : jn_cell_null();
		c[11] = jn_cell_str(reason, strlen(reason));
		jn_writer_row(w, c);
	}
	hidden_gates(s, w, n);
	rc = jn_writer_finish(w);
	jn_writer_free(w);
	return rc;
}

static int
parse_weights(struct score *s, const char *arg)
{
	const char *p = arg;

	s->w_revenue = s->w_support = s->w_effort = s->w_satisfaction = 0;
	while (*p) {
		size_t n = strcspn(p, ","), k = strcspn(p, "=");
		char num[64];
		double w;
		double *dst = NULL;

		if (k < n && k == 7 && strncmp(p, "revenue", 7) == 0)
			dst = &s->w_revenue;
		else if (k < n && k == 7 && strncmp(p, "support", 7) == 0)
			dst = &s->w_support;
		else if (k < n && k == 6 && strncmp(p, "effort", 6) == 0)
			dst = &s->w_effort;
		else if (k < n && k == 12 &&
		    strncmp(p, "satisfaction", 12) == 0)
			dst = &s->w_satisfaction;
		if (dst == NULL || n - k - 1 >= sizeof num)
			return jn_error("bad --weights '%s' (revenue=W,"
			    "support=W,effort=W,satisfaction=W)", arg);
		memcpy(num, p + k + 1, n - k - 1);
		num[n - k - 1] = '\0';
		if (jn_parse_double(num, strlen(num), &w) != 0 || w < 0)
			return jn_error("bad weight '%s' in --weights", num);
		*dst = w;
		p += n;
		if (*p == ',')
			p++;
	}
	if (s->w_revenue + s->w_support + s->w_effort +
	    s->w_satisfaction <= 0)
		return jn_error("--weights: at least one weight must be "
		    "positive");
	return 0;
}

/* One condition of a gate: "P1", "P2" or COLUMN OP NUMBER. */
static int
parse_term(const char *gate, const char *t, size_t n, struct term *out)
{
	static const struct {
		const char *text;
		enum gop op;
	} ops[] = {
		{ ">=", GOP_GE }, { "<=", GOP_LE }, { "!=", GOP_NE },
		{ "==", GOP_EQ }, { ">", GOP_GT }, { "<", GOP_LT },
		{ "=", GOP_EQ },
	};
	size_t i, k, len;
	char col[32], q[64];

	jn_quote(q, sizeof q, gate, strlen(gate));
	if (n == 2 && t[0] == 'P' && (t[1] == '1' || t[1] == '2')) {
		out->col = G_PRIORITY;
		out->op = GOP_LE;
		out->num = t[1] - '0';
		return 0;
	}
	i = strcspn(t, "<>=!");
	if (i >= n || i == 0)
		return jn_error("bad --fail-on '%s' (P1, P2, or COLUMN OP N "
		    "joined by &&, e.g. 'P1 && users>=100')", q);
	for (k = 0; k < NELEM(ops); k++)
		if (strncmp(t + i, ops[k].text, strlen(ops[k].text)) == 0)
			break;
	if (k == NELEM(ops))
		return jn_error("bad --fail-on '%s' (operators >, >=, <, <=, "
		    "=, !=)", q);
	len = i;
	while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\t'))
		len--;
	for (out->col = 0; (size_t)out->col < NELEM(gate_cols); out->col++)
		if (strlen(gate_cols[out->col]) == len &&
		    strncmp(gate_cols[out->col], t, len) == 0)
			break;
	if ((size_t)out->col == NELEM(gate_cols)) {
		snprintf(col, sizeof col, "%.*s", (int)(len < 24 ? len : 24),
		    t);
		return jn_error("bad --fail-on '%s': no column '%s' (users, "
		    "revenue_at_risk, support_contacts, effort, cost, score, "
		    "rank)", q, col);
	}
	out->op = ops[k].op;
	t += i + strlen(ops[k].text);
	n -= i + strlen(ops[k].text);
	while (n > 0 && (*t == ' ' || *t == '\t')) {
		t++;
		n--;
	}
	if (jn_parse_double(t, n, &out->num) != 0)
		return jn_error("bad --fail-on '%s': bad number '%.*s'", q,
		    (int)(n < 24 ? n : 24), t);
	return 0;
}

/* --fail-on GATE: conditions joined by "&&". */
static int
parse_gate(struct score *s, const char *arg)
{
	struct gate *g;
	const char *p = arg;
	char q[64];

	if (s->ngates == MAX_GATES)
		return jn_error("too many --fail-on (at most %d)", MAX_GATES);
	g = &s->gates[s->ngates];
	memset(g, 0, sizeof *g);
	g->text = arg;
	for (;;) {
		const char *amp = strstr(p, "&&");
		size_t n = amp ? (size_t)(amp - p) : strlen(p);

		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (g->nterms == MAX_TERMS)
			return jn_error("bad --fail-on '%s' (at most %d "
			    "conditions)", jn_quote(q, sizeof q, arg,
			    strlen(arg)), MAX_TERMS);
		if (parse_term(arg, p, n, &g->terms[g->nterms++]) != 0)
			return -1;
		if (amp == NULL)
			break;
		p = amp + 2;
	}
	s->ngates++;
	return 0;
}

static int
parse_args(struct score *s, int argc, char **argv)
{
	int opt;
	char *end;

	s->w_revenue = 0.5;
	s->w_support = 0.3;
	s->w_effort = 0.2;
	/* what customers say weighs as much as the steps they take */
	s->w_satisfaction = 0.2;
	s->top = -1;
	while ((opt = getopt_long(argc, argv, "o:I:hV", longopts, NULL)) !=
	    -1) {
		switch (opt) {
		case OPT_WEIGHTS:
			if (parse_weights(s, optarg))
				return -1;
			break;
		case OPT_COSTS:
			s->costs_path = optarg;
			break;
		case OPT_TOP:
			errno = 0;
			s->top = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || errno || s->top < 0)
				return jn_error("bad --top '%s'", optarg);
			break;
		case OPT_FAIL_ON:
			if (parse_gate(s, optarg) != 0)
				return -1;
			break;
		case OPT_SAFE_CSV:
			jn_writer_safe_csv(1);
			break;
		case OPT_OUTPUT:
			s->output = optarg;
			break;
		case 'o':
			if (jn_format_parse(optarg, &s->out_format))
				return -1;
			break;
		case JN_OPT_FIELDS:
			if (jn_writer_fields(optarg))
				return -1;
			break;
		case 'I':
			if (jn_input_format_parse(optarg, &s->in_format))
				return -1;
			break;
		default:
			return jn_cli_other(opt, usage, help_text);
		}
	}
	return 0;
}

static int
term_holds(const struct term *t, const struct item *it, size_t rank)
{
	double v;

	switch (t->col) {
	case G_PRIORITY:
		return it->priority <= t->num;
	case G_USERS:
		v = it->users;
		break;
	case G_REVENUE:
		v = it->revenue;
		break;
	case G_SUPPORT:
		v = it->support;
		break;
	case G_EFFORT:
		v = it->effort;
		break;
	case G_COST:
		if (!it->has_cost)
			return 0;	/* no cost is no figure to compare */
		v = it->cost;
		break;
	case G_SCORE:
		v = round(it->score * 10000) / 10000;	/* as written */
		break;
	default:
		v = (double)rank;
		break;
	}
	switch (t->op) {
	case GOP_GT:
		return v > t->num;
	case GOP_GE:
		return v >= t->num;
	case GOP_LT:
		return v < t->num;
	case GOP_LE:
		return v <= t->num;
	case GOP_EQ:
		return v == t->num;
	default:
		return v != t->num;
	}
}

/* The first --fail-on item i (ranked i + 1) meets, or -1. */
static int
item_gate(const struct score *s, size_t i)
{
	int g, k;

	for (g = 0; g < s->ngates; g++) {
		const struct gate *gt = &s->gates[g];

		for (k = 0; k < gt->nterms; k++)
			if (!term_holds(&gt->terms[k], &s->items[i], i + 1))
				break;
		if (k == gt->nterms)
			return g;
	}
	return -1;
}

/*
 * Each --fail-on against every item read (not only --top's), best ranked
 * first; the first item a gate holds for is named.  Returns how many
 * gates failed.
 */
static int
gates(const struct score *s)
{
	int failed = 0, g, k;
	size_t i;
	char q[64];

	for (g = 0; g < s->ngates; g++) {
		const struct gate *gt = &s->gates[g];

		for (i = 0; i < s->nitems; i++) {
			const struct item *it = &s->items[i];

			for (k = 0; k < gt->nterms; k++)
				if (!term_holds(&gt->terms[k], it, i + 1))
					break;
			if (k < gt->nterms)
				continue;
			if (gt->nterms == 1 && gt->terms[0].col == G_PRIORITY)
				jn_warn("%s item ranked %zu: %s at %s",
				    gt->terms[0].num == 1 ? "P1" : "P1/P2",
				    i + 1, it->kind, it->touchpoint);
			else
				jn_warn("item ranked %zu meets --fail-on '%s': "
				    "%s at %s", i + 1, jn_quote(q, sizeof q,
				    gt->text, strlen(gt->text)), it->kind,
				    it->touchpoint);
			failed++;
			break;
		}
	}
	return failed;
}

int
main(int argc, char **argv)
{
	static struct score s;
	int status = JN_EXIT_OK, i;
	size_t k;

	/* zeroed here too: the fuzz targets run main() many times */
	memset(&s, 0, sizeof s);
	jn_set_progname(argv[0]);
	jn_writer_safe_csv(0);	/* off until this run's options say */
	jn_writer_fields(NULL);
	jn_format_allow(JN_FMTS_GATE | 1u << JN_FMT_CODEQUALITY);
	if (parse_args(&s, argc, argv) != 0)
		return JN_EXIT_ERROR;
	s.path = optind < argc && strcmp(argv[optind], "-") != 0 ?
	    argv[optind] : "stdin";
	if (s.output != NULL && jn_output_open(s.output) != 0)
		return JN_EXIT_ERROR;
	if (optind == argc)
		status = load(&s, "-") ? JN_EXIT_ERROR : status;
	for (i = optind; i < argc && status == JN_EXIT_OK; i++)
		if (load(&s, argv[i]) != 0)
			status = JN_EXIT_ERROR;
	if (status == JN_EXIT_OK && apply_costs(&s) != 0)
		status = JN_EXIT_ERROR;
	if (status == JN_EXIT_OK) {
		fold(&s);
		compute(&s);
		if (s.nitems > 0)
			qsort(s.items, s.nitems, sizeof *s.items, item_cmp);
		if (write_backlog(&s, jn_format_resolve(s.out_format,
		    stdout)) != 0)
			status = JN_EXIT_ERROR;
	}
	if (status == JN_EXIT_OK && gates(&s) != 0)
		status = JN_EXIT_GATE;
	for (k = 0; k < s.nitems; k++) {
		free(s.items[k].kind);
		free(s.items[k].touchpoint);
		free(s.items[k].detail);
		free(s.items[k].cause);
	}
	free(s.items);
	jn_tables_release(&s.costs);
	return jn_close_stdout(status);
}
