/*
 * Fuzz target for touchpoint cleaning: the input up to its first NUL is a
 * --clean rules file, the rest is values, one a line.  Every value is
 * cleaned with the rules (cached and not: the same answer), with the
 * defaults alone (cleaning twice changes nothing) and raw (unchanged);
 * compiling, cleaning and freeing must never crash or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/touchpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_value(struct jn_touch_local *dflt, struct jn_touch_local *raw,
    struct jn_touch_local *cached, struct jn_touch_local *uncached,
    const char *v, size_t len)
{
	const char *out, *again;
	size_t n, m;
	char *copy;
	int rc1, rc2;

	if (jn_touch_clean(dflt, v, len, &out, &n) != 0)
		abort();
	copy = malloc(n + 1);
	if (copy == NULL)
		abort();
	memcpy(copy, out, n);
	if (jn_touch_clean(dflt, copy, n, &again, &m) != 0 || m != n ||
	    memcmp(again, copy, n) != 0)
		abort();
	free(copy);
	if (jn_touch_clean(raw, v, len, &out, &n) != 0 || out != v ||
	    n != len)
		abort();
	if (cached == NULL)
		return;
	rc1 = jn_touch_clean(cached, v, len, &out, &n);
	if (rc1 != 0)
		n = 0;
	copy = malloc(n + 1);
	if (copy == NULL)
		abort();
	if (n > 0)
		memcpy(copy, out, n);
	rc2 = jn_touch_clean(uncached, v, len, &again, &m);
	/* the cache keeps successes only, and matching is deterministic */
	if (rc1 != rc2 || (rc1 == 0 && (m != n ||
	    memcmp(again, copy, n) != 0)))
		abort();
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	const char *s = (const char *)data;
	const char *nul = memchr(s, '\0', size);
	size_t rlen = nul ? (size_t)(nul - s) : size;
	struct jn_touch *d, *r, *t;
	struct jn_touch_local *ld, *lr, *lc = NULL, *lu = NULL;
	const char *v, *end = s + size;

	if (!quiet) {
		/* compile errors are expected by the thousand */
		setvbuf(stderr, NULL, _IOFBF, 1 << 16);
		quiet = 1;
	}
	d = jn_touch_compile("", 0, "fuzz", 0);
	r = jn_touch_compile("", 0, "fuzz", 1);
	t = jn_touch_compile(s, rlen, "fuzz", 0);
	if (d == NULL || r == NULL)
		abort();
	ld = jn_touch_local_new(d);
	lr = jn_touch_local_new(r);
	if (t != NULL) {
		lc = jn_touch_local_new(t);
		lu = jn_touch_local_new(t);
		jn_touch_local_nocache(lu, 1);
	}
	for (v = nul ? nul + 1 : end; v <= end && nul != NULL;) {
		const char *nl = memchr(v, '\n', (size_t)(end - v));
		size_t len = nl ? (size_t)(nl - v) : (size_t)(end - v);

		/* twice: the second answer comes from the cache */
		check_value(ld, lr, lc, lu, v, len);
		check_value(ld, lr, lc, lu, v, len);
		if (nl == NULL)
			break;
		v = nl + 1;
	}
	jn_touch_local_free(ld);
	jn_touch_local_free(lr);
	jn_touch_local_free(lc);
	jn_touch_local_free(lu);
	jn_touch_free(d);
	jn_touch_free(r);
	jn_touch_free(t);
	return 0;
}
