/*
 * Process-wide helpers: program name, the out-of-memory policy and the
 * "TOOL: message" diagnostics every module reports through.
 */
/* madvise and MADV_HUGEPAGE (Linux) are outside POSIX */
/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#define _DEFAULT_SOURCE 1
#include "journey/util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const char *progname = "journey";

void
jn_set_progname(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
}

const char *
jn_progname(void)
{
	return progname;
}

static void
out_of_memory(void)
{
	fprintf(stderr, "%s: out of memory\n", progname);
	exit(JN_EXIT_ERROR);
}

void
jn_out_of_memory(void)
{
	out_of_memory();
}

void *
jn_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
jn_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
jn_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

void *
jn_xalloc_huge(size_t bytes)
{
	void *p;

#if defined(MADV_HUGEPAGE)
	if (bytes >= JN_HUGE_PAGE && bytes % JN_HUGE_PAGE == 0) {
		if ((p = aligned_alloc(JN_HUGE_PAGE, bytes)) == NULL)
			out_of_memory();
		(void)madvise(p, bytes, MADV_HUGEPAGE);
		return p;
	}
#endif
	p = jn_xmalloc(bytes);
	return p;
}

void *
jn_xgrow_to(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;

	if (need <= *cap)
		return p;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			out_of_memory();
		n *= 2;
	}
	if (n > SIZE_MAX / elem)
		out_of_memory();
	*cap = n;
	return jn_xrealloc(p, n * elem);
}

char *
jn_xstrdup(const char *s)
{
	return jn_xstrndup(s, strlen(s));
}

char *
jn_xstrndup(const char *s, size_t n)
{
	char *p = jn_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * Diagnostics of a thread that captures them (a worker of the parallel
 * reader) go to its buffer; the reading thread prints them in input
 * order.
 */
static _Thread_local struct jn_strbuf *captured;

void
jn_strbuf_vprintf(struct jn_strbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	b->buf = jn_xgrow(b->buf, &b->cap, b->len + (size_t)n + 1, 1);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
jn_strbuf_printf(struct jn_strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jn_strbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

struct jn_strbuf *
jn_diag_capture(struct jn_strbuf *b)
{
	struct jn_strbuf *old = captured;

	captured = b;
	return old;
}

void
jn_diag_write(const char *text, size_t len)
{
	if (captured == NULL) {
		fwrite(text, 1, len, stderr);
		return;
	}
	captured->buf = jn_xgrow(captured->buf, &captured->cap,
	    captured->len + len + 1, 1);
	memcpy(captured->buf + captured->len, text, len);
	captured->len += len;
	captured->buf[captured->len] = '\0';
}

static void
diag(const char *fmt, va_list ap)
{
	if (captured != NULL) {
		jn_strbuf_printf(captured, "%s: ", progname);
		jn_strbuf_vprintf(captured, fmt, ap);
		jn_strbuf_printf(captured, "\n");
		return;
	}
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
jn_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag(fmt, ap);
	va_end(ap);
	return -1;
}

void
jn_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag(fmt, ap);
	va_end(ap);
}

char *
jn_quote(char *buf, size_t bufsize, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (bufsize == 0)
		return buf;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t need = (c >= 0x20 && c < 0x7f) ? 1 : 4;

		/* keep room for "..." and the NUL */
		if (o + need + 4 > bufsize) {
			if (o + 4 <= bufsize) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 1) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = '\0';
	return buf;
}

/* --decimal-comma: set before any thread starts, read-only after. */
static int decimal_comma;

void
jn_decimal_comma(int on)
{
	decimal_comma = on;
}

int
jn_parse_double(const char *s, size_t len, double *out)
{
	char tmp[64], *end, *comma;
	double d;
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len >= sizeof tmp)
		return -1;
	/*
	 * Up to 15 digits (a load in ms, a count): below 2^53, so the
	 * integer's double is exact, as strtod's is, without its cost.
	 */
	for (i = 0; i < len && i < 16 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	if (i == len && len <= 15) {
		*out = (double)v;
		return 0;
	}
	/* strtod would skip leading blanks; a field " 5" is not a number */
	if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
	    s[len - 1] == '\t')
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	/* "68,37": one comma for the point, and then no point */
	if (decimal_comma && (comma = strchr(tmp, ',')) != NULL) {
		if (strchr(tmp, '.') != NULL || strchr(comma + 1, ',') != NULL)
			return -1;
		*comma = '.';
	}
	errno = 0;
	d = strtod(tmp, &end);
	if (end != tmp + len || !isfinite(d))
		return -1;
	*out = d;
	return 0;
}
