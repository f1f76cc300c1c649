/*
 * --value as one field or as the product or sum of two: the text is split
 * once, when the tool sets up its schema, into up to three slots (the
 * whole text, and each operand), and each event's number is read from
 * them.  Tools sum what comes out (journey/xsum.h); this module only says
 * what one event's value is.
 */
#include "journey/valexpr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "journey/util.h"

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

/* text[0..n) without blanks at either end, as a new string; NULL if empty. */
static char *
trimmed(const char *text, size_t n)
{
	char *s;

	while (n > 0 && blank(*text)) {
		text++;
		n--;
	}
	while (n > 0 && blank(text[n - 1]))
		n--;
	if (n == 0)
		return NULL;
	s = jn_xmalloc(n + 1);
	memcpy(s, text, n);
	s[n] = '\0';
	return s;
}

void
jn_valexpr_slot(struct jn_valexpr *e, int slot)
{
	e->slot = slot;
	e->lhs = e->rhs = -1;
	e->op = 0;
}

int
jn_valexpr_init(struct jn_valexpr *e, struct jn_schema *s, const char *text)
{
	size_t nops = 0, at = 0, i;
	char *lhs, *rhs;
	int rc = 0;

	jn_valexpr_slot(e, jn_schema_field(s, text));
	if (e->slot < 0)
		return -1;
	for (i = 0; text[i] != '\0'; i++)
		if (text[i] == '*' || text[i] == '+') {
			nops++;
			at = i;
		}
	if (nops != 1)
		return 0;
	lhs = trimmed(text, at);
	rhs = trimmed(text + at + 1, strlen(text + at + 1));
	if (lhs != NULL && rhs != NULL) {
		e->lhs = jn_schema_field(s, lhs);
		e->rhs = e->lhs < 0 ? -1 : jn_schema_field(s, rhs);
		if (e->lhs < 0 || e->rhs < 0)
			rc = -1;
		else
			e->op = text[at];
	}
	free(lhs);
	free(rhs);
	return rc;
}

/* The number in slot of rec: 0, or -1 when absent or not a number. */
static int
number(const struct jn_record *rec, int slot, double *out)
{
	size_t len;
	const char *v = jn_record_get(rec, slot, &len);

	return v != NULL && jn_parse_double(v, len, out) == 0 ? 0 : -1;
}

int
jn_valexpr_get(const struct jn_valexpr *e, const struct jn_record *rec,
    double *out)
{
	double a, b;

	/* the field of the whole name, when the record has it, wins */
	if (e->op == 0 || jn_record_get(rec, e->slot, NULL) != NULL)
		return number(rec, e->slot, out);
	if (number(rec, e->lhs, &a) != 0 || number(rec, e->rhs, &b) != 0)
		return -1;
	a = e->op == '*' ? a * b : a + b;
	if (!isfinite(a))
		return -1;
	*out = a;
	return 0;
}

void
jn_valexpr_watch(const struct jn_valexpr *e, struct jn_input *in,
    const char *what, const char *text)
{
	if (e->op == 0) {
		jn_input_watch_field(in, what, text, e->slot);
		return;
	}
	/* names the schema owns: they live as long as in */
	jn_input_watch_field(in, what, in->schema.slots[e->lhs].names[0],
	    e->lhs);
	jn_input_watch_field(in, what, in->schema.slots[e->rhs].names[0],
	    e->rhs);
}
