/*
 * Process-wide helpers every module shares: the program name used in
 * diagnostics, the one out-of-memory policy, and error reporting in the
 * "TOOL: message" form of STYLE.md.  Library code reports an error once
 * through jn_error() and returns -1; only main() exits.
 */
#ifndef JOURNEY_UTIL_H
#define JOURNEY_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JN_VERSION "0.1.0"

/* Exit statuses shared by every tool. */
enum {
	JN_EXIT_OK = 0,
	JN_EXIT_GATE = 1,	/* the run was fine but a gate failed */
	JN_EXIT_ERROR = 2	/* usage, input, strict or write error */
};

/* Set the name used as the diagnostic prefix (argv[0]'s basename). */
void jn_set_progname(const char *argv0);
/* The name set above, or "journey". Cannot fail. */
const char *jn_progname(void);

/*
 * Allocation that never returns NULL: on failure it prints
 * "TOOL: out of memory" and exits 2.  Memory is freed with free().
 */
void *jn_xmalloc(size_t n);
/* The same end, for an allocation made elsewhere (open_memstream): exits. */
void jn_out_of_memory(void);
void *jn_xcalloc(size_t nmemb, size_t size);
void *jn_xrealloc(void *p, size_t n);
/*
 * Room for bytes, on 2 MiB pages where the system gives them on request
 * (Linux's madvise) when bytes is a multiple of JN_HUGE_PAGE; else as
 * jn_xmalloc.  For large tables read at random (a lookup on 4 KiB pages
 * misses the TLB as well as the cache: in a virtual machine a walk of
 * two page tables) and large regions written once (one page fault per
 * 2 MiB, not per 4 KiB: a fault costs microseconds in a virtual
 * machine).  Freed with free().
 */
#define JN_HUGE_PAGE ((size_t)2 << 20)
void *jn_xalloc_huge(size_t bytes);
/*
 * Grow *p (holding *cap elements of size elem) to at least need.  The
 * check is inline, as most calls (one per record or value appended) find
 * the room there already; jn_xgrow_to does the growing.
 */
void *jn_xgrow_to(void *p, size_t *cap, size_t need, size_t elem);

static inline void *
jn_xgrow(void *p, size_t *cap, size_t need, size_t elem)
{
	return need <= *cap ? p : jn_xgrow_to(p, cap, need, elem);
}
char *jn_xstrdup(const char *s);
char *jn_xstrndup(const char *s, size_t n);

/* Print "TOOL: message" to stderr; always returns -1. */
int jn_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Print "TOOL: message" to stderr (a warning; the run continues). */
void jn_warn(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* A growable string; zero-initialized is empty.  Free buf when done. */
struct jn_strbuf {
	char *buf;		/* NUL-terminated once anything was added */
	size_t len, cap;
};

/* Append formatted text to b (never fails: out of memory exits). */
void jn_strbuf_printf(struct jn_strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void jn_strbuf_vprintf(struct jn_strbuf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * From now on jn_error and jn_warn of the calling thread append their
 * "TOOL: message\n" lines to b instead of printing them; NULL prints
 * again.  For worker threads whose messages must appear in input order.
 * Returns the buffer captured before (NULL: none), to be restored.
 */
struct jn_strbuf *jn_diag_capture(struct jn_strbuf *b);
/* Diagnostic text as it is, where jn_error would put it now. */
void jn_diag_write(const char *text, size_t len);

/*
 * Quote at most max bytes of s for a diagnostic: printable ASCII kept,
 * anything else as \xHH, "..." appended when cut.  Returns buf.
 */
char *jn_quote(char *buf, size_t bufsize, const char *s, size_t len);

/*
 * Edit distance of a[0..n) and b[0..m) with adjacent transpositions
 * (optimal string alignment), for "did you mean" hints; SIZE_MAX when
 * either is over 63 bytes.  Cannot fail.
 */
size_t jn_edit_distance(const char *a, size_t n, const char *b, size_t m);

/*
 * Parse a whole string as a finite double (strtod, C locale, no trailing
 * garbage, leading/trailing blanks refused).  Returns 0 or -1.
 */
int jn_parse_double(const char *s, size_t len, double *out);
/*
 * --decimal-comma: from now on jn_parse_double reads one comma as the
 * decimal point ("68,37"); a number with a comma and a point is none.
 * A process-wide switch, set before threads start.  Cannot fail.
 */
void jn_decimal_comma(int on);

/*
 * Are a[0..len) and b[0..len) equal?  memcmp, but short strings (keys,
 * ids: the hot compares of the readers and the tables) are compared as
 * two overlapping words from each end, inline, without reading outside
 * either string.
 */
static inline int
jn_same_bytes(const char *a, const char *b, size_t len)
{
	uint64_t x, y, u, v;
	uint32_t p, q, r, s;

	if (len >= 8 && len <= 16) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&u, a + len - 8, 8);
		memcpy(&v, b + len - 8, 8);
		return ((x ^ y) | (u ^ v)) == 0;
	}
	if (len >= 4 && len < 8) {
		memcpy(&p, a, 4);
		memcpy(&q, b, 4);
		memcpy(&r, a + len - 4, 4);
		memcpy(&s, b + len - 4, 4);
		return ((p ^ q) | (r ^ s)) == 0;
	}
	return memcmp(a, b, len) == 0;
}

#endif
