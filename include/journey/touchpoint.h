/*
 * Touchpoints (SPEC section 7): one module turns a raw field value (a page
 * URL, a path, a screen or event name) into the touchpoint every tool
 * counts, so that the same page is the same touchpoint in jfriction,
 * jpath, jfunnel's --by and jwatch.  A tool cleans each value as it reads
 * the event, before interning it.
 *
 * Default rules, in this order (journey(7), TOUCHPOINTS):
 *
 *  1. A value that starts with SCHEME:// (a letter, then letters, digits,
 *     '+', '-', '.') is a URL: the scheme and host are lowercased, the
 *     user information (everything up to the last '@' of the authority)
 *     is dropped, the port is kept, and the rest is cleaned as a path;
 *     an empty path becomes "/".  A value that starts with '/' is a path.
 *     Anything else (an event name, "checkout/step1", "mailto:a@b") is
 *     left as it is by these rules.
 *  2. The query (from the first '?') is dropped, and so is the fragment
 *     (from the first '#'), unless the fragment starts with "/" or "!/":
 *     that is a client-side route ("/#/orders/5"), kept and cleaned as a
 *     path itself, its own query dropped.
 *  3. A path segment (the text between two '/') that is an id becomes
 *     ":id": all ASCII digits ("5", "007"); a UUID (8-4-4-4-12 hex digits,
 *     either case); 16 or more hex digits ("9f86d081884c7d65").  Nothing
 *     else is an id: "abc123", "v2", "123.pdf", "2024-05-01" stay.
 *  4. Trailing slashes are dropped ("/cart/" is "/cart"), except the
 *     one of the root ("/" stays "/").
 *
 * Then the --clean rules, in file order, on every value (paths or not):
 * each replaces every match of its regex (PCRE2, case-sensitive, bytes,
 * unanchored; leftmost, non-overlapping; after an empty match the next
 * one must not be empty at the same place) by its alias, in which \0 to
 * \9 stand for the match and its groups (empty when unset), \\ for a
 * backslash; any other byte is literal.  --raw-touchpoints turns both
 * off: the value is the touchpoint as it is.
 *
 * The default rules are idempotent: cleaning a cleaned value changes
 * nothing.  The result may be empty (a --clean rule may delete all).
 *
 * Threads: a struct jn_touch (the compiled rules) is read-only once made
 * and is shared by every thread; each thread cleans through its own
 * struct jn_touch_local (match data, buffers and a cache), never shared.
 */
#ifndef JOURNEY_TOUCHPOINT_H
#define JOURNEY_TOUCHPOINT_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

struct jn_intern;
struct jn_strbuf;

/*
 * The options, filled by jn_touch_option.  Codes: JN_OPT_TOUCH_BASE up to
 * JN_OPT_TOUCH_BASE + 99, beside the common ones (JN_OPT_COMMON_BASE ..
 * +99, input.h) and the engine's (+100 .. +199, engine.h), below the
 * tools' own (JN_OPT_TOOL_BASE).
 */
struct jn_touch_opts {
	const char *clean_path;		/* --clean FILE; NULL: none */
	int raw;			/* --raw-touchpoints */
};

#define JN_OPT_TOUCH_BASE 1200	/* JN_OPT_COMMON_BASE + 200 */
enum {
	JN_OPT_CLEAN = JN_OPT_TOUCH_BASE,
	JN_OPT_RAW_TOUCHPOINTS
};
/* For a tool's long options array (there are no short ones). */
#define JN_TOUCH_LONGOPTS \
	{ "clean", required_argument, NULL, JN_OPT_CLEAN }, \
	{ "raw-touchpoints", no_argument, NULL, JN_OPT_RAW_TOUCHPOINTS }
/* For a tool's help text. */
#define JN_TOUCH_HELP \
    "      --clean FILE         touchpoint rules, REGEX<TAB>ALIAS a line\n" \
    "      --raw-touchpoints    touchpoints as they are, no cleaning\n"

/* Defaults: default rules, no --clean.  Cannot fail. */
void jn_touch_opts_init(struct jn_touch_opts *o);
/*
 * Handle getopt_long's opt with argument arg when it is one of the
 * above.  Returns 1 when handled, 0 when not, -1 on a bad argument
 * (reported: a second --clean).  The file is read by jn_touch_new.
 */
int jn_touch_option(struct jn_touch_opts *o, int opt, const char *arg);

struct jn_touch;
struct jn_touch_local;

/*
 * The rules of o: the defaults, then --clean's file compiled, or nothing
 * with --raw-touchpoints.  Returns rules the caller frees with
 * jn_touch_free, or NULL after reporting: "--clean and --raw-touchpoints
 * exclude each other", "FILE: No such file or directory", or one of
 * jn_touch_compile's errors.
 */
struct jn_touch *jn_touch_new(const struct jn_touch_opts *o);
/*
 * The defaults, and rules from text[0..len) (the --clean file format; an
 * empty text has none; raw turns everything off and requires len 0).
 * name is the file's name in diagnostics.  Lines end with LF or CRLF;
 * blank lines and lines whose first non-blank byte is '#' are skipped;
 * every other line is REGEX, a tab, then ALIAS (the rest of the line,
 * tabs included).  Errors, first one reported, NULL returned:
 *   "FILE:LINE: missing tab between regex and alias in 'LINE'"
 *   "FILE:LINE: empty regex"
 *   "FILE:LINE: bad regex 'RE' at offset N: MESSAGE"
 * The caller frees the result with jn_touch_free.
 */
struct jn_touch *jn_touch_compile(const char *text, size_t len,
    const char *name, int raw);
void jn_touch_free(struct jn_touch *t);

/*
 * What the rules are, for a --partial state's configuration string (two
 * states merge only when they were cleaned alike): "raw", "default", or
 * "default+" and a 16-hex-digit hash of the rules.  Owned by t.  Cannot
 * fail.
 */
const char *jn_touch_signature(const struct jn_touch *t);
/* Number of --clean rules.  Cannot fail. */
size_t jn_touch_nrules(const struct jn_touch *t);

/*
 * A thread's cleaner over t, which must outlive it.  With --clean rules,
 * results are cached per default-cleaned value (of which a log has as
 * many as it has page templates), so a regex runs once per template per
 * thread; the cache is emptied when it passes 65536 values.  The caller
 * frees it with jn_touch_local_free (NULL is a no-op).  Cannot fail.
 */
struct jn_touch_local *jn_touch_local_new(const struct jn_touch *t);
void jn_touch_local_free(struct jn_touch_local *l);
/* Turn the cache off (nocache 1) or on: for tests and measurements. */
void jn_touch_local_nocache(struct jn_touch_local *l, int nocache);

/*
 * The touchpoint of v[0..len): *out and *outlen are set to the result,
 * which may be v itself, is NUL-terminated when it is not, and is valid
 * until the next call on l.  Nothing is allocated once the buffers and
 * the cache have grown to fit.  Returns 0, or -1 (reported) when a
 * --clean regex failed on v: "FILE:LINE: regex 'RE' hit the match limit
 * on value 'V'", "FILE:LINE: regex 'RE' failed on value 'V': MESSAGE", or
 * "FILE:LINE: cleaned value longer than 65536 bytes 'V'" when a rule
 * grows a value past that.
 */
int jn_touch_clean(struct jn_touch_local *l, const char *v, size_t len,
    const char **out, size_t *outlen);

/*
 * The touchpoint of raw value v[0..len) (jn_touch_clean) interned in tps:
 * its id there.  A page's raw value repeats, and cleaning and interning
 * it again for every event cost a tenth of reading: l remembers the ids
 * of raw values of up to 56 bytes in 4096 slots (256 KiB, a fixed size:
 * memory does not grow with distinct raw values), so that a value seen
 * lately costs a hash and a comparison.  Cleaning depends on the value
 * alone and an id once given stays, so the cache gives what cleaning and
 * interning would; tps must keep its ids while l interns into it (a call
 * with another table empties the cache).  jn_touch_local_nocache turns
 * the cache off.  Returns the id, or UINT32_MAX after reporting one of
 * jn_touch_clean's errors.
 */
uint32_t jn_touch_intern(struct jn_touch_local *l, struct jn_intern *tps,
    const char *v, size_t len);

/*
 * The default rules alone on v[0..len), appended to b (which is not
 * cleared first).  Returns 1 when v is a URL or path (b got its cleaned
 * form), 0 when it is neither (b unchanged).  Cannot fail.
 */
int jn_touch_default(struct jn_strbuf *b, const char *v, size_t len);

#endif
