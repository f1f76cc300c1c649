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
 * away; hitting a limit is an error, not a silent non-match.  A match the
 * JIT fails (its stack is small) is run again without it; any failure
 * of the interpreter is an error too.
 */
#ifndef JOURNEY_PRED_H
#define JOURNEY_PRED_H

#include <stdint.h>

#include "journey/intern.h"
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

/*
 * 1 if rec satisfies p, 0 if not, -1 (reported) when a regex failed: a
 * limit hit ("step 1: regex in '/^(a+)+$/' hit the match limit on value
 * 'aaa...'") or any other PCRE2 error ("... failed on value 'x': MSG").
 */
int jn_pred_match(struct jn_pred *p, const struct jn_record *rec);

/*
 * How often p matched (jn_pred_match returned 1).  Behind a name cache
 * a predicate runs once per event name, so the count only says whether
 * it ever matched: 0 means no event it was tried on did.  Each thread
 * matches its own predicates; jn_pred_add_hits sums a worker's into the
 * main state's.  Cannot fail.
 */
uint64_t jn_pred_hits(const struct jn_pred *p);
void jn_pred_add_hits(struct jn_pred *p, const struct jn_pred *from);
/* Bit n set when a condition of p reads slot n.  Cannot fail. */
uint64_t jn_pred_slots(const struct jn_pred *p);
/*
 * The first NAME condition's name (*len set), or NULL when p has none:
 * for "did you mean" suggestions.  Cannot fail.
 */
const char *jn_pred_name(const struct jn_pred *p, size_t *len);
/* What p is called in diagnostics ("step 2", "--where").  Cannot fail. */
const char *jn_pred_what(const struct jn_pred *p);
/*
 * When text has blanks beside an operator or SQL's "==" ("device ==
 * mobile", "event = purchase"), the expression as it was likely meant
 * ("device=mobile") into fix[0..size) and 1; else 0.  Cannot fail.
 */
int jn_pred_unspaced(const char *text, char *fix, size_t size);

/*
 * 1 when p looks at nothing but the event slot (NAME and /REGEX/
 * conditions): its result is then a function of the event name, and a
 * caller may compute it once per distinct name.  Cannot fail.
 */
int jn_pred_event_only(const struct jn_pred *p, int event_slot);

/* The expression as written.  Cannot fail. */
const char *jn_pred_text(const struct jn_pred *p);

void jn_pred_free(struct jn_pred *p);

/*
 * The results of up to 63 event-only predicates (jn_pred_event_only), per
 * distinct event name: a log has a few dozen names and millions of events,
 * so each predicate runs once per name instead of once per event.
 */
#define JN_NAMECACHE_DONE (UINT64_C(1) << 63)

/*
 * In front of the table of names, a small direct-mapped cache of the
 * last names and their results: a few names make millions of events,
 * and the table's hash and probe were a few percent of reading.  A name
 * gets a slot only once the table has it, so the table sees every name.
 */
#define JN_NAMECACHE_KEYMAX 30	/* longer names are looked up */
#define JN_NAMECACHE_FRONT_BITS 6
struct jn_namecache_slot {
	uint64_t bits;
	uint16_t len;		/* 0: empty */
	char s[JN_NAMECACHE_KEYMAX];
};

struct jn_namecache {
	struct jn_intern names;
	uint64_t *bits;		/* per name id: results, DONE when known */
	size_t cap;
	struct jn_namecache_slot *front;	/* 1 << FRONT_BITS, or NULL */
};

/* Initialize / free.  Cannot fail. */
void jn_namecache_init(struct jn_namecache *c);
void jn_namecache_release(struct jn_namecache *c);
/*
 * Bit k of *out is preds[k]'s result for rec, whose event name is
 * name[0..len); computed on the name's first sight.  Returns 0, or -1
 * (reported) when a regex fails.
 */
int jn_namecache_get(struct jn_namecache *c, struct jn_pred *const *preds,
    int n, const struct jn_record *rec, const char *name, size_t len,
    uint64_t *out);

#endif
