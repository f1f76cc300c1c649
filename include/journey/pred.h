/*
 * Predicates: the small expression language of funnel steps, --where, goals
 * and rules (SPEC section 1).  An expression is compiled once, against a
 * schema, into a list of conditions that must all hold:
 *
 *   NAME            the event field equals NAME
 *   /REGEX/ /RE/i   the event field matches (PCRE2, unanchored)
 *   FIELD=VALUE  FIELD!=VALUE  FIELD~REGEX  FIELD!~REGEX
 *   FIELD>N  FIELD>=N  FIELD<N  FIELD<=N   (numeric; absent or non-numeric
 *                                           values never match)
 *   A && B ...      all must hold
 *
 * FIELD!=VALUE and FIELD!~REGEX hold when FIELD is absent.  Regexes run
 * with PCRE2 match and depth limits so that no input can make a match run
 * away; hitting a limit is an error, not a silent non-match.
 */
#ifndef JOURNEY_PRED_H
#define JOURNEY_PRED_H

#include "journey/record.h"

struct jn_pred;

/*
 * Compile expr.  Field names are registered in schema; event_slot is the
 * slot of the event-name field (for NAME and /REGEX/).  what names the
 * expression in diagnostics ("step 2", "--where").  Returns a predicate the
 * caller frees with jn_pred_free, or NULL after reporting, e.g.
 * "step 2: bad regex 'chec(kout' at offset 9: missing closing parenthesis".
 */
struct jn_pred *jn_pred_compile(const char *expr, struct jn_schema *schema,
    int event_slot, const char *what);

/* 1 if rec satisfies p, 0 if not, -1 (reported) when a regex limit hit. */
int jn_pred_match(const struct jn_pred *p, const struct jn_record *rec);

/* The expression as written.  Cannot fail. */
const char *jn_pred_text(const struct jn_pred *p);

void jn_pred_free(struct jn_pred *p);

#endif
