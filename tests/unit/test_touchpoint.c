/*
 * Tests of touchpoint cleaning: the default rules on a table of values
 * (ids, query, fragment, routes, trailing slashes, URLs, values that are
 * no path), their idempotence, --clean rules (order, replace-all, groups,
 * empty matches, comments, CRLF), rule-file errors and match failures,
 * the options, the cache, and threads sharing one set of rules.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "journey/intern.h"
#include "journey/touchpoint.h"
#include "journey/util.h"

static const struct {
	const char *in, *out;
} defaults[] = {
	/* numbers, UUIDs, long hex */
	{ "/product/123", "/product/:id" },
	{ "/users/007/orders/42", "/users/:id/orders/:id" },
	{ "/p/0", "/p/:id" },
	{ "/o/550e8400-e29b-41d4-a716-446655440000", "/o/:id" },
	{ "/o/550E8400-E29B-41D4-A716-446655440000/items", "/o/:id/items" },
	{ "/o/550e8400e29b41d4a716446655440000", "/o/:id" },
	{ "/o/550e8400-e29b-41d4-a716-44665544000g", "/o/550e8400-e29b-41d4-a716-44665544000g" },
	{ "/o/550e8400-e29b41d4-a716-4466554400001", "/o/550e8400-e29b41d4-a716-4466554400001" },
	{ "/c/9f86d081884c7d65", "/c/:id" },
	{ "/c/507f1f77bcf86cd799439011", "/c/:id" },
	{ "/c/DEADBEEFdeadbeef", "/c/:id" },
	{ "/c/9f86d081884c7d6", "/c/9f86d081884c7d6" },
	/* what is no id */
	{ "/p/abc123", "/p/abc123" },
	{ "/api/v2/items", "/api/v2/items" },
	{ "/files/123.pdf", "/files/123.pdf" },
	{ "/blog/2024-05-01/hello", "/blog/2024-05-01/hello" },
	{ "/p/-5", "/p/-5" },
	{ "/p/1e5", "/p/1e5" },
	{ "/p/:id", "/p/:id" },
	/* query, fragment, trailing slashes */
	{ "/search?q=shoes&page=2", "/search" },
	{ "/help#faq", "/help" },
	{ "/cart/?x=1#top", "/cart" },
	{ "/cart//", "/cart" },
	{ "/a//b", "/a//b" },
	{ "/", "/" },
	{ "//", "/" },
	{ "/?utm_source=x", "/" },
	{ "/#top", "/" },
	{ "/a?b#/c", "/a#/c" },
	/* client-side routes in the fragment */
	{ "/#/orders/55?tab=2", "/#/orders/:id" },
	{ "/app?x=1#!/item/7/", "/app#!/item/:id" },
	{ "/app#!", "/app" },
	{ "/app#!x/1", "/app" },
	{ "/app#/", "/app#/" },
	{ "/#/a/1#/b/2", "/#/a/:id" },
	/* full URLs */
	{ "https://Shop.Example.com/product/123?ref=mail",
	  "https://shop.example.com/product/:id" },
	{ "HTTPS://user:pw@Example.com:8443/a/", "https://example.com:8443/a" },
	{ "https://example.com", "https://example.com/" },
	{ "https://example.com?x=1", "https://example.com/" },
	{ "https://example.com#/r/5", "https://example.com/#/r/:id" },
	{ "https://example.com/Cart", "https://example.com/Cart" },
	{ "android-app://com.shop/item/12", "android-app://com.shop/item/:id" },
	{ "https://", "https:///" },
	/* values that are not paths */
	{ "checkout", "checkout" },
	{ "Add To Cart", "Add To Cart" },
	{ "checkout/step1", "checkout/step1" },
	{ "product/123", "product/123" },
	{ "1234", "1234" },
	{ "cart?x=1", "cart?x=1" },
	{ "mailto:a@b.example", "mailto:a@b.example" },
	{ "http:/x/1", "http:/x/1" },
	{ "1http://x/1", "1http://x/1" },
	{ "", "" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The touchpoint of s through l, as a string owned by the test buffer. */
static const char *
clean(struct jn_touch_local *l, const char *s)
{
	static char buf[1 << 17];
	const char *out;
	size_t n;

	assert_int_equal(jn_touch_clean(l, s, strlen(s), &out, &n), 0);
	assert_true(n < sizeof buf);
	memcpy(buf, out, n);
	buf[n] = '\0';
	return buf;
}

static struct jn_touch *
rules(const char *text)
{
	struct jn_touch *t = jn_touch_compile(text, strlen(text), "rules", 0);

	assert_non_null(t);
	return t;
}

/* The diagnostic that compiling text gives (NULL result required). */
static void
assert_compile_error(const char *text, int raw, const char *want)
{
	struct jn_strbuf b = { 0 };
	struct jn_strbuf *old = jn_diag_capture(&b);
	struct jn_touch *t = jn_touch_compile(text, strlen(text), "rules",
	    raw);

	jn_diag_capture(old);
	assert_null(t);
	assert_non_null(b.buf);
	assert_string_equal(b.buf, want);
	free(b.buf);
}

static void
test_defaults(void **state)
{
	struct jn_touch *t = rules("");
	struct jn_touch_local *l = jn_touch_local_new(t);
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(defaults); i++) {
		const char *got = clean(l, defaults[i].in);

		if (strcmp(got, defaults[i].out) != 0)
			fail_msg("'%s': got '%s', want '%s'", defaults[i].in,
			    got, defaults[i].out);
		/* cleaning a cleaned value changes nothing */
		got = clean(l, defaults[i].out);
		if (strcmp(got, defaults[i].out) != 0)
			fail_msg("'%s' again: got '%s'", defaults[i].out, got);
	}
	assert_string_equal(jn_touch_signature(t), "default");
	assert_int_equal(jn_touch_nrules(t), 0);
	jn_touch_local_free(l);
	jn_touch_free(t);
}

static void
test_default_fn(void **state)
{
	struct jn_strbuf b = { 0 };

	(void)state;
	assert_int_equal(jn_touch_default(&b, "event", 5), 0);
	assert_null(b.buf);
	assert_int_equal(jn_touch_default(&b, "x", 1), 0);
	assert_int_equal(jn_touch_default(&b, "/a/1", 4), 1);
	assert_int_equal(jn_touch_default(&b, "/b", 2), 1);
	/* appended, not replaced */
	assert_string_equal(b.buf, "/a/:id/b");
	free(b.buf);
}

static void
test_non_path_zero_copy(void **state)
{
	struct jn_touch *t = rules("");
	struct jn_touch_local *l = jn_touch_local_new(t);
	const char *v = "checkout!", *out;
	size_t n;

	(void)state;
	/* a value that no rule changes comes back as it is, unterminated */
	assert_int_equal(jn_touch_clean(l, v, 8, &out, &n), 0);
	assert_ptr_equal(out, v);
	assert_int_equal(n, 8);
	jn_touch_local_free(l);
	jn_touch_free(t);
}

static void
test_raw(void **state)
{
	struct jn_touch *t = jn_touch_compile("", 0, "rules", 1);
	struct jn_touch_local *l = jn_touch_local_new(t);

	(void)state;
	assert_string_equal(clean(l, "/product/123?x=1#f"),
	    "/product/123?x=1#f");
	assert_string_equal(clean(l, "HTTPS://X.COM"), "HTTPS://X.COM");
	assert_string_equal(jn_touch_signature(t), "raw");
	jn_touch_local_free(l);
	jn_touch_free(t);
	assert_compile_error("a\tb\n", 1, "journey: --clean and "
	    "--raw-touchpoints exclude each other\n");
}

static void
test_rules_order(void **state)
{
	struct jn_touch *t = rules("^/product/:id$\t/product\n"
	    "/product\t/p\n");
	struct jn_touch *r = rules("/product\t/p\n"
	    "^/product/:id$\t/product\n");
	struct jn_touch_local *l = jn_touch_local_new(t);
	struct jn_touch_local *m = jn_touch_local_new(r);

	(void)state;
	/* the rules run on the default-cleaned value, in file order */
	assert_string_equal(clean(l, "/product/123?x=1"), "/p");
	assert_string_equal(clean(m, "/product/123?x=1"), "/p/:id");
	assert_string_equal(clean(l, "/product/9/reviews"),
	    "/p/:id/reviews");
	assert_int_equal(jn_touch_nrules(t), 2);
	assert_string_not_equal(jn_touch_signature(t),
	    jn_touch_signature(r));
	assert_int_equal(strncmp(jn_touch_signature(t), "default+", 8), 0);
	assert_int_equal(strlen(jn_touch_signature(t)), 8 + 16);
	jn_touch_local_free(l);
	jn_touch_local_free(m);
	jn_touch_free(t);
	jn_touch_free(r);
}

static void
test_rules_replace(void **state)
{
	struct jn_touch *t = rules(
	    "# comments, blank lines and CRLF are fine\r\n"
	    "\n"
	    "   \t  \n"
	    "  # an indented comment\n"
	    "oo\t00\r\n"
	    "^/([a-z]+)/:id$\t/\\1/{id}|\\9|\\\\|\\x\n"
	    "^Add To Cart$\tadd_to_cart\n"
	    "CART\tnope\n"
	    "(?i)BASKET\tcart\n"
	    "^/delete-me$\t\n"
	    "\\t\tTAB\twith a tab");
	struct jn_touch_local *l = jn_touch_local_new(t);

	(void)state;
	assert_int_equal(jn_touch_nrules(t), 7);
	/* replace-all */
	assert_string_equal(clean(l, "/foo/boo/"), "/f00/b00");
	/* groups: \1 the group, \9 unset, \\ a backslash, \x as it is */
	assert_string_equal(clean(l, "/cart/12"), "/cart/{id}||\\|\\x");
	/* non-paths go through the rules too; regexes are case-sensitive */
	assert_string_equal(clean(l, "Add To Cart"), "add_to_cart");
	assert_string_equal(clean(l, "/cart"), "/cart");
	assert_string_equal(clean(l, "/CART"), "/nope");
	assert_string_equal(clean(l, "/Basket/"), "/cart");
	/* an empty alias deletes; the rest of the line is the alias */
	assert_string_equal(clean(l, "/delete-me/"), "");
	assert_string_equal(clean(l, "a\tb"), "aTAB\twith a tabb");
	jn_touch_local_free(l);
	jn_touch_free(t);
}

/* The rules of journey(7)'s example, on the values it speaks of. */
static void
test_man_example(void **state)
{
	struct jn_touch *t = rules(
	    "# product pages are one touchpoint, whatever the product\n"
	    "^/product/:id$\t/product\n"
	    "# the shop's own host is noise; other hosts stay\n"
	    "^https://shop\\.example\\.com/\t/\n"
	    "# order ids of the form A-12345\n"
	    "/orders/[A-Z]-[0-9]+\t/orders/:id\n");
	struct jn_touch_local *l = jn_touch_local_new(t);

	(void)state;
	assert_string_equal(clean(l, "/product/123?ref=mail"), "/product");
	assert_string_equal(clean(l, "https://Shop.example.com/product/123?"
	    "ref=mail"), "/product/:id");
	assert_string_equal(clean(l, "https://shop.example.com/"), "/");
	assert_string_equal(clean(l, "https://blog.example.com/a/"),
	    "https://blog.example.com/a");
	assert_string_equal(clean(l, "/orders/A-12345/track"),
	    "/orders/:id/track");
	assert_string_equal(clean(l, "/app?x=1#!/item/7/"), "/app#!/item/:id");
	jn_touch_local_free(l);
	jn_touch_free(t);
}

static void
test_empty_matches(void **state)
{
	struct jn_touch *t = rules("x*\t-\n");
	struct jn_touch *u = rules("^\t>\n$\t<\n\\b\t|\n");
	struct jn_touch_local *l = jn_touch_local_new(t);
	struct jn_touch_local *m = jn_touch_local_new(u);

	(void)state;
	assert_string_equal(clean(l, "abc"), "-a-b-c-");
	assert_string_equal(clean(l, "axb"), "-a--b-");
	assert_string_equal(clean(l, "xx"), "--");
	assert_string_equal(clean(l, ""), "-");
	assert_string_equal(clean(m, "ab cd"), ">|ab| |cd|<");
	jn_touch_local_free(l);
	jn_touch_local_free(m);
	jn_touch_free(t);
	jn_touch_free(u);
}

static void
test_file_errors(void **state)
{
	(void)state;
	assert_compile_error("# rules\n\n/a\t/b\n/c /d\n",
	    0, "journey: rules:4: missing tab between regex and alias in "
	    "'/c /d'\n");
	assert_compile_error("/a\t/b\r\n\t/x\r\n", 0,
	    "journey: rules:2: empty regex\n");
	assert_compile_error("/a\t/b\nchec(kout\tx\n", 0,
	    "journey: rules:2: bad regex 'chec(kout' at offset 9: missing "
	    "closing parenthesis\n");
	assert_compile_error("a)\tx", 0,
	    "journey: rules:1: bad regex 'a)' at offset 1: unmatched "
	    "closing parenthesis\n");
}

static void
test_options(void **state)
{
	struct jn_touch_opts o;
	struct jn_strbuf b = { 0 };
	struct jn_strbuf *old;
	struct jn_touch *t;
	char path[] = "/tmp/test_touchpointXXXXXX";
	const char text[] = "# ours\n^/p/:id$\t/product\n";
	int fd;

	(void)state;
	jn_touch_opts_init(&o);
	assert_int_equal(jn_touch_option(&o, 'x', NULL), 0);
	assert_int_equal(jn_touch_option(&o, JN_OPT_TOUCH_BASE - 1, "x"), 0);
	assert_int_equal(jn_touch_option(&o, JN_OPT_RAW_TOUCHPOINTS, NULL), 1);
	assert_int_equal(o.raw, 1);
	t = jn_touch_new(&o);
	assert_non_null(t);
	assert_string_equal(jn_touch_signature(t), "raw");
	jn_touch_free(t);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof text - 1), sizeof text - 1);
	close(fd);
	assert_int_equal(jn_touch_option(&o, JN_OPT_CLEAN, path), 1);
	old = jn_diag_capture(&b);
	assert_null(jn_touch_new(&o));
	assert_int_equal(jn_touch_option(&o, JN_OPT_CLEAN, path), -1);
	jn_diag_capture(old);
	assert_string_equal(b.buf, "journey: --clean and --raw-touchpoints "
	    "exclude each other\njourney: --clean given twice: put every "
	    "rule in one file\n");
	b.len = 0;

	o.raw = 0;
	t = jn_touch_new(&o);
	assert_non_null(t);
	{
		struct jn_touch_local *l = jn_touch_local_new(t);

		assert_string_equal(clean(l, "/p/5?a"), "/product");
		jn_touch_local_free(l);
	}
	jn_touch_free(t);
	unlink(path);

	o.clean_path = "/nonexistent/rules.tsv";
	old = jn_diag_capture(&b);
	assert_null(jn_touch_new(&o));
	o.clean_path = "/";
	assert_null(jn_touch_new(&o));
	jn_diag_capture(old);
	assert_string_equal(b.buf, "journey: cannot open "
	    "'/nonexistent/rules.tsv': No such file or directory\n"
	    "journey: /: read error: Is a directory\n");
	free(b.buf);
}

static void
test_match_failures(void **state)
{
	struct jn_touch *t = rules("# backtracking\n^(a+)+$\tx\n");
	struct jn_touch *u = rules("(?:)\t0123456789\n");
	struct jn_touch_local *l = jn_touch_local_new(t);
	struct jn_touch_local *m = jn_touch_local_new(u);
	struct jn_strbuf b = { 0 };
	struct jn_strbuf *old;
	const char *out;
	size_t n;
	char *big = malloc(10001);

	(void)state;
	memset(big, 'a', 10000);
	big[39] = '!';
	assert_string_equal(clean(l, "aaaa"), "x");
	assert_string_equal(clean(m, "ab"), "0123456789a0123456789b"
	    "0123456789");
	old = jn_diag_capture(&b);
	assert_int_equal(jn_touch_clean(l, big, 40, &out, &n), -1);
	big[39] = 'a';
	assert_int_equal(jn_touch_clean(m, big, 10000, &out, &n), -1);
	jn_diag_capture(old);
	assert_string_equal(b.buf, "journey: rules:2: regex '^(a+)+$' hit "
	    "the match limit on value 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'\n"
	    "journey: rules:1: cleaned value longer than 65536 bytes "
	    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "...'\n");
	/* a shorter value still works after a failure */
	assert_string_equal(clean(m, ""), "0123456789");
	free(b.buf);
	free(big);
	jn_touch_local_free(l);
	jn_touch_local_free(m);
	jn_touch_free(t);
	jn_touch_free(u);
}

static void
test_cache(void **state)
{
	struct jn_touch *t = rules("^/item/:id$\t/item\n/(\\w)\\w*\t/\\1\n");
	struct jn_touch_local *c = jn_touch_local_new(t);
	struct jn_touch_local *u = jn_touch_local_new(t);
	char v[64], want[64];
	int i;

	(void)state;
	jn_touch_local_nocache(u, 1);
	/* past the cache's size, so that it is emptied on the way */
	for (i = 0; i < 70000; i++) {
		snprintf(v, sizeof v, "/item/%d?x=%d", i % 7, i);
		assert_string_equal(clean(c, v), "/i");
		snprintf(v, sizeof v, "/w%d/x/%d", i, i % 3);
		snprintf(want, sizeof want, "/w/x/:id");
		assert_string_equal(clean(c, v), want);
		if (i % 1000 == 0)
			assert_string_equal(clean(u, v), want);
	}
	assert_string_equal(clean(c, "Checkout"), "Checkout");
	assert_string_equal(clean(c, "Checkout"), "Checkout");
	jn_touch_local_free(c);
	jn_touch_local_free(u);
	jn_touch_free(t);
}

/* The string of id in table t, checked against want. */
static void
assert_id_is(const struct jn_intern *t, uint32_t id, const char *want)
{
	size_t n;
	const char *s;

	assert_true(id < jn_intern_count(t));
	s = jn_intern_str(t, id, &n);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(s, want, n);
}

/*
 * jn_touch_intern: the id of the value cleaned by hand, whether the raw
 * value is cached or not (more raw values than slots, and values too
 * long to cache), with a table of its own after a change of table, and
 * no id when the rules fail.
 */
static void
test_intern(void **state)
{
	struct jn_touch *t = rules("^/item/:id$\t/item\n");
	struct jn_touch *bad = rules("^(a+)+$\tx\n");
	struct jn_touch_local *l = jn_touch_local_new(t);
	struct jn_touch_local *u = jn_touch_local_new(t);
	struct jn_touch_local *lb = jn_touch_local_new(bad);
	struct jn_intern a, b;
	struct jn_strbuf diag = { 0 };
	struct jn_strbuf *old;
	char v[128], want[128], longseg[61];
	uint32_t id, first;
	int pass, i;

	(void)state;
	jn_intern_init(&a);
	jn_intern_init(&b);
	memset(longseg, 'L', 60);
	longseg[60] = '\0';
	jn_touch_local_nocache(u, 1);
	first = jn_touch_intern(l, &a, "x", 1);
	assert_int_equal(first, 0);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < 6000; i++) {
			snprintf(v, sizeof v, "/item/%d?q=%d", i % 50, i);
			id = jn_touch_intern(l, &a, v, strlen(v));
			assert_id_is(&a, id, "/item");
			assert_int_equal(jn_touch_intern(u, &a, v, strlen(v)),
			    id);
			snprintf(v, sizeof v, "/p%d/", i);
			snprintf(want, sizeof want, "/p%d", i);
			id = jn_touch_intern(l, &a, v, strlen(v));
			assert_id_is(&a, id, want);
			snprintf(v, sizeof v, "/%s/%d#x", longseg, i);
			snprintf(want, sizeof want, "/%s/:id", longseg);
			id = jn_touch_intern(l, &a, v, strlen(v));
			assert_id_is(&a, id, want);
		}
	}
	/* x, /item, 6000 pages, the long one */
	assert_int_equal(jn_intern_count(&a), 6003);
	/* another table: the ids are its own, not the cached ones */
	assert_id_is(&a, jn_touch_intern(l, &a, "/item/7?q=7", 11), "/item");
	id = jn_touch_intern(l, &b, "/item/7?q=7", 11);
	assert_int_equal(id, 0);
	assert_id_is(&b, id, "/item");
	assert_int_equal(jn_touch_intern(l, &b, "x", 1), 1);
	/* a failing rule gives no id */
	memset(v, 'a', 40);
	v[39] = '!';
	old = jn_diag_capture(&diag);
	assert_int_equal(jn_touch_intern(lb, &b, v, 40), UINT32_MAX);
	jn_diag_capture(old);
	assert_non_null(strstr(diag.buf, "hit the match limit"));
	assert_int_equal(jn_intern_count(&b), 2);
	free(diag.buf);
	jn_intern_release(&a);
	jn_intern_release(&b);
	jn_touch_local_free(l);
	jn_touch_local_free(u);
	jn_touch_local_free(lb);
	jn_touch_free(t);
	jn_touch_free(bad);
}

struct job {
	const struct jn_touch *t;
	int ok;
};

static const char *const thread_in[] = {
	"/product/123?ref=x", "https://Shop.example.com/cart/", "checkout",
	"/o/550e8400-e29b-41d4-a716-446655440000/pay#step",
};
static const char *const thread_out[] = {
	"/products/:id", "https://shop.example.com/basket", "checkout",
	"/o/:id/pay",
};

static void *
thread_main(void *arg)
{
	struct job *j = arg;
	struct jn_touch_local *l = jn_touch_local_new(j->t);
	int i;
	size_t k, n;
	const char *out;

	j->ok = 1;
	for (i = 0; i < 20000; i++) {
		k = (size_t)i % NELEM(thread_in);
		if (jn_touch_clean(l, thread_in[k], strlen(thread_in[k]),
		    &out, &n) != 0 || n != strlen(thread_out[k]) ||
		    memcmp(out, thread_out[k], n) != 0)
			j->ok = 0;
	}
	jn_touch_local_free(l);
	return NULL;
}

static void
test_threads(void **state)
{
	struct jn_touch *t = rules("^/product/\t/products/\n"
	    "/cart$\t/basket\n");
	pthread_t th[4];
	struct job jobs[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		jobs[i].t = t;
		assert_int_equal(pthread_create(&th[i], NULL, thread_main,
		    &jobs[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(jobs[i].ok);
	}
	jn_touch_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_fn),
		cmocka_unit_test(test_non_path_zero_copy),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_rules_order),
		cmocka_unit_test(test_rules_replace),
		cmocka_unit_test(test_man_example),
		cmocka_unit_test(test_empty_matches),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_match_failures),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_intern),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
