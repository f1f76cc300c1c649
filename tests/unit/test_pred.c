/*
 * Tests of predicates: every operator, absent fields, numbers, regexes
 * with their limits, "&&", and the exact error messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "journey/pred.h"
#include "journey/record.h"

static struct jn_schema schema;
static int event_slot;

static int
setup(void **state)
{
	(void)state;
	jn_schema_init(&schema);
	event_slot = jn_schema_field(&schema, "event");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	jn_schema_release(&schema);
	return 0;
}

/* Set slot of field name to value (NULL: absent) in rec. */
static void
put(struct jn_record *rec, const char *name, const char *value)
{
	int slot = jn_schema_field(&schema, name);

	rec->vals[slot].ptr = value;
	rec->vals[slot].len = value ? strlen(value) : 0;
}

/* Match expr against a record built from name=value pairs (NULL ends). */
static int
m(const char *expr, ...)
{
	struct jn_record rec;
	struct jn_pred *p;
	const char *name;
	va_list ap;
	int r;

	memset(&rec, 0, sizeof rec);
	p = jn_pred_compile(expr, &schema, event_slot, "test");
	assert_non_null(p);
	va_start(ap, expr);
	while ((name = va_arg(ap, const char *)) != NULL)
		put(&rec, name, va_arg(ap, const char *));
	va_end(ap);
	r = jn_pred_match(p, &rec);
	assert_string_equal(jn_pred_text(p), expr);
	jn_pred_free(p);
	return r;
}

static void
test_name(void **state)
{
	(void)state;
	assert_int_equal(m("purchase", "event", "purchase", NULL), 1);
	assert_int_equal(m("purchase", "event", "purchases", NULL), 0);
	assert_int_equal(m("purchase", NULL), 0);
	/* blanks around a condition are not part of it */
	assert_int_equal(m("  purchase ", "event", "purchase", NULL), 1);
}

static void
test_equality(void **state)
{
	(void)state;
	assert_int_equal(m("page=/cart", "page", "/cart", NULL), 1);
	assert_int_equal(m("page=/cart", "page", "/carts", NULL), 0);
	assert_int_equal(m("page=/cart", NULL), 0);
	assert_int_equal(m("page!=/cart", "page", "/cart", NULL), 0);
	assert_int_equal(m("page!=/cart", "page", "/", NULL), 1);
	assert_int_equal(m("page!=/cart", NULL), 1);	/* absent differs */
	assert_int_equal(m("page=", "page", "", NULL), 1);
	assert_int_equal(m("page=", NULL), 0);
	/* the first operator wins: the value may hold '=' */
	assert_int_equal(m("q=a=b", "q", "a=b", NULL), 1);
	assert_int_equal(m("q!=a=b", "q", "a=b", NULL), 0);
	/* the field is kept exactly: blanks inside a condition count */
	assert_int_equal(m("q = a", "q ", " a", NULL), 1);
	assert_int_equal(m("q = a", "q", "a", NULL), 0);
	/* a '!' that starts no operator leaves a name */
	assert_int_equal(m("a!b", "event", "a!b", NULL), 1);
	assert_int_equal(m("a!b=c", "event", "a!b=c", NULL), 1);
}

static void
test_regex(void **state)
{
	(void)state;
	assert_int_equal(m("/^view/", "event", "view_item", NULL), 1);
	assert_int_equal(m("/^view/", "event", "preview", NULL), 0);
	assert_int_equal(m("/CART/i", "event", "add_to_cart", NULL), 1);
	assert_int_equal(m("/CART/", "event", "add_to_cart", NULL), 0);
	assert_int_equal(m("/a/b/", "event", "xa/b", NULL), 1);
	assert_int_equal(m("page~^/p/", "page", "/p/12", NULL), 1);
	assert_int_equal(m("page~^/p/", NULL), 0);
	assert_int_equal(m("page!~^/p/", "page", "/p/12", NULL), 0);
	assert_int_equal(m("page!~^/p/", "page", "/", NULL), 1);
	assert_int_equal(m("page!~^/p/", NULL), 1);
}

static void
test_numbers(void **state)
{
	(void)state;
	assert_int_equal(m("revenue>10", "revenue", "10.5", NULL), 1);
	assert_int_equal(m("revenue>10", "revenue", "10", NULL), 0);
	assert_int_equal(m("revenue>=10", "revenue", "10", NULL), 1);
	assert_int_equal(m("revenue<10", "revenue", "-3", NULL), 1);
	assert_int_equal(m("revenue<=1e3", "revenue", "1000", NULL), 1);
	assert_int_equal(m("revenue>0", "revenue", "abc", NULL), 0);
	assert_int_equal(m("revenue>0", "revenue", "", NULL), 0);
	assert_int_equal(m("revenue<0", NULL), 0);
	assert_int_equal(m("revenue>-1", "revenue", " 5", NULL), 0);
	assert_int_equal(m("revenue>-2.5", "revenue", "-2.4", NULL), 1);
	assert_int_equal(m("revenue>-2.5", "revenue", "-2.5", NULL), 0);
	assert_int_equal(m("revenue<0.25", "revenue", ".2", NULL), 1);
	assert_int_equal(m("revenue>=1e3", "revenue", "999.99", NULL), 0);
	assert_int_equal(m("revenue<=-1e-3", "revenue", "-0.001", NULL), 1);
	assert_int_equal(m("revenue>0", "revenue", "12abc", NULL), 0);
}

static void
test_and(void **state)
{
	(void)state;
	assert_int_equal(m("purchase && revenue>0 && device=mobile",
	    "event", "purchase", "revenue", "3", "device", "mobile", NULL), 1);
	assert_int_equal(m("purchase && revenue>0 && device=mobile",
	    "event", "purchase", "revenue", "3", "device", "tablet", NULL), 0);
}

/* Capture what jn_pred_compile reports on stderr. */
static void
compile_error(const char *expr, const char *want)
{
	char path[] = "/tmp/jn-test-pred-XXXXXX", buf[512];
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;
	size_t n;

	assert_true(fd >= 0);
	fflush(stderr);
	dup2(fd, 2);
	assert_null(jn_pred_compile(expr, &schema, event_slot, "step 2"));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	assert_string_equal(buf, want);
}

static void
test_errors(void **state)
{
	(void)state;
	compile_error("/chec(kout/",
	    "journey: step 2: bad regex 'chec(kout' at offset 9: missing "
	    "closing parenthesis\n");
	compile_error("page~(",
	    "journey: step 2: bad regex '(' at offset 1: missing closing "
	    "parenthesis\n");
	compile_error("revenue>lots",
	    "journey: step 2: bad number 'lots' in 'revenue>lots'\n");
	compile_error("=x", "journey: step 2: empty field name in '=x'\n");
	compile_error("a && ", "journey: step 2: empty condition in 'a && '\n");
	compile_error("", "journey: step 2: empty condition in ''\n");
	compile_error("a && && b",
	    "journey: step 2: empty condition in 'a && && b'\n");
	compile_error("purchase && x>=",
	    "journey: step 2: bad number '' in 'x>='\n");
	compile_error("x<1e999",
	    "journey: step 2: bad number '1e999' in 'x<1e999'\n");
	compile_error("/[a/i",
	    "journey: step 2: bad regex '[a' at offset 2: missing terminating "
	    "] for character class\n");
	compile_error("a && !=b",
	    "journey: step 2: empty field name in '!=b'\n");
}

/* A pattern that backtracks catastrophically is stopped, and says so. */
static void
test_match_limit(void **state)
{
	struct jn_record rec;
	struct jn_pred *p;
	char value[64];
	int saved = dup(2), devnull = open("/dev/null", 1);

	(void)state;
	memset(&rec, 0, sizeof rec);
	memset(value, 'a', 40);
	strcpy(value + 40, "!");
	put(&rec, "event", value);
	p = jn_pred_compile("/^(a+)+$/", &schema, event_slot, "step 1");
	assert_non_null(p);
	dup2(devnull, 2);
	assert_int_equal(jn_pred_match(p, &rec), -1);
	dup2(saved, 2);
	jn_pred_free(p);

	/* unanchored: stopped by the limit or finished, never stuck */
	put(&rec, "event", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa!");
	p = jn_pred_compile("/(a+)+$/", &schema, event_slot, "step 1");
	assert_non_null(p);
	dup2(devnull, 2);
	assert_true(jn_pred_match(p, &rec) != 1);
	dup2(saved, 2);
	close(saved);
	close(devnull);
	jn_pred_free(p);
}

/*
 * Any failure other than "no match" is an answer or an error, never a
 * silent non-match: the JIT's small stack overflows on a group repeated
 * over 2,000 bytes, and the match is run again without it; 100,000 bytes
 * hit the depth limit; a thousand captures at depth 9,000 the heap limit.
 */
static void
test_jit_retry(void **state)
{
	struct jn_record rec;
	struct jn_pred *p;
	char *value = malloc(100001), re[4096];
	int saved = dup(2), devnull = open("/dev/null", 1), i;

	(void)state;
	memset(&rec, 0, sizeof rec);
	memset(value, 'a', 100000);
	value[2000] = '\0';
	put(&rec, "event", value);
	p = jn_pred_compile("/^(a|b)*$/", &schema, event_slot, "step 1");
	assert_non_null(p);
	assert_int_equal(jn_pred_match(p, &rec), 1);
	put(&rec, "event", "aab");
	assert_int_equal(jn_pred_match(p, &rec), 1);
	put(&rec, "event", "aac");
	assert_int_equal(jn_pred_match(p, &rec), 0);
	value[2000] = 'a';
	value[100000] = '\0';
	put(&rec, "event", value);
	dup2(devnull, 2);
	assert_int_equal(jn_pred_match(p, &rec), -1);
	dup2(saved, 2);
	jn_pred_free(p);

	strcpy(re, "event~^(?:a|b");
	for (i = 0; i < 1000; i++)
		strcat(re, "(c)");
	strcat(re, ")*$");
	value[9000] = '\0';
	put(&rec, "event", value);
	p = jn_pred_compile(re, &schema, event_slot, "step 1");
	assert_non_null(p);
	dup2(devnull, 2);
	assert_int_equal(jn_pred_match(p, &rec), -1);
	dup2(saved, 2);
	close(saved);
	close(devnull);
	jn_pred_free(p);
	free(value);
}

/* Values are byte strings with lengths: NUL bytes do not end them. */
static void
test_nul(void **state)
{
	struct jn_record rec;
	struct jn_pred *p;
	int slot = jn_schema_field(&schema, "k");

	(void)state;
	memset(&rec, 0, sizeof rec);
	rec.vals[slot].ptr = "ab\0c";
	rec.vals[slot].len = 4;
	p = jn_pred_compile("k=ab", &schema, event_slot, "t");
	assert_int_equal(jn_pred_match(p, &rec), 0);
	jn_pred_free(p);
	p = jn_pred_compile("k~c$", &schema, event_slot, "t");
	assert_int_equal(jn_pred_match(p, &rec), 1);
	jn_pred_free(p);
	jn_pred_free(NULL);
}

/*
 * The front of the name cache (a few direct-mapped slots): 300 names,
 * short and past its key length, asked in turns so that they collide in
 * its slots, each answered as the predicate answers its record, and
 * every name in the table behind it.
 */
static void
test_namecache_front(void **state)
{
	struct jn_pred *p[1];
	struct jn_namecache c;
	struct jn_record rec;
	char name[80] = { 0 };	/* PCRE2 JIT reads words past a subject */
	uint64_t bits;
	int round, i, n;

	(void)state;
	p[0] = jn_pred_compile("/7$/", &schema, event_slot, "t");
	jn_namecache_init(&c);
	memset(&rec, 0, sizeof rec);
	for (round = 0; round < 3; round++)
		for (i = 0; i < 300; i++) {
			n = snprintf(name, sizeof name, i % 3 == 0 ?
			    "event_%d" : i % 3 == 1 ? "e%d" :
			    "a_rather_long_event_name_past_the_key_%d", i);
			put(&rec, "event", round == 0 ? name : "other");
			assert_int_equal(jn_namecache_get(&c, p, 1, &rec,
			    name, (size_t)n, &bits), 0);
			assert_int_equal(bits, i % 10 == 7);
		}
	assert_int_equal(jn_intern_count(&c.names), 300);
	jn_namecache_release(&c);
	jn_pred_free(p[0]);
}

/* Which predicates depend on the event name alone, and their cache. */
static void
test_namecache(void **state)
{
	struct jn_pred *p[3];
	struct jn_namecache c;
	struct jn_record rec;
	uint64_t bits;

	(void)state;
	p[0] = jn_pred_compile("purchase", &schema, event_slot, "t");
	p[1] = jn_pred_compile("/^view/ && /item$/", &schema, event_slot,
	    "t");
	p[2] = jn_pred_compile("purchase && revenue>0", &schema, event_slot,
	    "t");
	assert_true(jn_pred_event_only(p[0], event_slot));
	assert_true(jn_pred_event_only(p[1], event_slot));
	assert_false(jn_pred_event_only(p[2], event_slot));
	jn_namecache_init(&c);
	memset(&rec, 0, sizeof rec);
	put(&rec, "event", "view_item");
	assert_int_equal(jn_namecache_get(&c, p, 2, &rec, "view_item", 9,
	    &bits), 0);
	assert_int_equal(bits, 2);
	put(&rec, "event", "purchase");
	assert_int_equal(jn_namecache_get(&c, p, 2, &rec, "purchase", 8,
	    &bits), 0);
	assert_int_equal(bits, 1);
	/* a known name is answered from the cache, not the record */
	put(&rec, "event", "other");
	assert_int_equal(jn_namecache_get(&c, p, 2, &rec, "view_item", 9,
	    &bits), 0);
	assert_int_equal(bits, 2);
	jn_namecache_release(&c);
	jn_pred_free(p[0]);
	jn_pred_free(p[1]);
	jn_pred_free(p[2]);
}

/* The hint for blanks around operators and SQL's "==". */
static void
test_unspaced(void **state)
{
	char fix[64];

	(void)state;
	assert_int_equal(jn_pred_unspaced("device == mobile", fix,
	    sizeof fix), 1);
	assert_string_equal(fix, "device=mobile");
	assert_int_equal(jn_pred_unspaced("event = purchase", fix,
	    sizeof fix), 1);
	assert_string_equal(fix, "event=purchase");
	assert_int_equal(jn_pred_unspaced("a != b && c >= 2", fix,
	    sizeof fix), 1);
	assert_string_equal(fix, "a!=b && c>=2");
	assert_int_equal(jn_pred_unspaced("a==b", fix, sizeof fix), 1);
	assert_string_equal(fix, "a=b");
	/* nothing to fix, a name with a blank, a regex */
	assert_int_equal(jn_pred_unspaced("device=mobile", fix, sizeof fix),
	    0);
	assert_int_equal(jn_pred_unspaced("view item", fix, sizeof fix), 0);
	assert_int_equal(jn_pred_unspaced("/a = b/", fix, sizeof fix), 0);
	/* too long for fix: no hint rather than a cut one */
	assert_int_equal(jn_pred_unspaced("device == mobile", fix, 8), 0);
}

/* Hits are counted per predicate and add up across workers. */
static void
test_hits(void **state)
{
	struct jn_record rec;
	struct jn_pred *p, *q;
	size_t len;

	(void)state;
	memset(&rec, 0, sizeof rec);
	p = jn_pred_compile("view_item && device=mobile", &schema,
	    event_slot, "step 1");
	q = jn_pred_compile("view_item && device=mobile", &schema,
	    event_slot, "step 1");
	assert_non_null(p);
	assert_non_null(q);
	put(&rec, "event", "view_item");
	put(&rec, "device", "desktop");
	assert_int_equal(jn_pred_match(p, &rec), 0);
	assert_int_equal(jn_pred_hits(p), 0);
	put(&rec, "device", "mobile");
	assert_int_equal(jn_pred_match(p, &rec), 1);
	assert_int_equal(jn_pred_match(q, &rec), 1);
	assert_int_equal(jn_pred_match(q, &rec), 1);
	jn_pred_add_hits(p, q);
	assert_int_equal(jn_pred_hits(p), 3);
	assert_string_equal(jn_pred_what(p), "step 1");
	assert_string_equal(jn_pred_name(p, &len), "view_item");
	assert_int_equal(len, 9);
	assert_true(jn_pred_slots(p) & UINT64_C(1) << event_slot);
	assert_true(jn_pred_slots(p) & UINT64_C(1) <<
	    jn_schema_field(&schema, "device"));
	jn_pred_free(p);
	jn_pred_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_equality),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_and),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_match_limit),
		cmocka_unit_test(test_jit_retry),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_namecache),
		cmocka_unit_test(test_namecache_front),
		cmocka_unit_test(test_unspaced),
		cmocka_unit_test(test_hits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
