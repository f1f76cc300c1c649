/*
 * The number an event carries for --value: one field, or the product or
 * the sum of two (--value 'Quantity*UnitPrice', --value 'net+tax'), so
 * that invoice lines need no awk.  Every tool that takes --value reads
 * it through here, by slots of the schema: no name is looked at per
 * event.  The rule, in journey(7) VALUES: a field named by the whole
 * text wins when the record has it; otherwise a text holding exactly one
 * '*' or one '+' (not both) between two names is computed from the two
 * fields so named, blanks around each name ignored.
 */
#ifndef JOURNEY_VALEXPR_H
#define JOURNEY_VALEXPR_H

#include "journey/input.h"
#include "journey/record.h"

struct jn_valexpr {
	int slot;	/* the field named by the whole text; -1: none */
	int lhs, rhs;	/* the operands' slots; -1 when not computed */
	char op;	/* '*' or '+'; 0 when not computed */
};

/*
 * Register text's fields in s: the whole text, and the two operands when
 * it is a product or a sum.  Returns 0, or -1 (reported) when the schema
 * is full.
 */
int jn_valexpr_init(struct jn_valexpr *e, struct jn_schema *s,
    const char *text);
/* A value read from slot alone (a tool's default fields).  Cannot fail. */
void jn_valexpr_slot(struct jn_valexpr *e, int slot);

/*
 * e's number in rec into *out: 0, or -1 when a field it reads is absent
 * or not a number (jn_parse_double), or the result is not finite.  Cannot
 * fail.
 */
int jn_valexpr_get(const struct jn_valexpr *e, const struct jn_record *rec,
    double *out);

/*
 * Watch e's fields for journey(7) NAMES THAT MATCH NOTHING under what
 * ("--value"): the operands of a product or a sum, else text itself.
 * text must outlive in.  Cannot fail.
 */
void jn_valexpr_watch(const struct jn_valexpr *e, struct jn_input *in,
    const char *what, const char *text);

#endif
