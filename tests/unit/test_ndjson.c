/*
 * Tests of the NDJSON line parser: every JSON type reaches the sink as
 * journey(7) says, unwanted keys are skipped, and bad lines are rejected
 * with jansson's explanation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/ndjson.h"

struct sink {
	char got[8][64];
	size_t len[8];
	int n;
	int calls;
};

/* Keys "a" to "h" are wanted (tag 0-7); others skipped. */
static int
key_fn(void *ctx, const char *key, size_t len)
{
	(void)ctx;
	return len == 1 && key[0] >= 'a' && key[0] <= 'h' ? key[0] - 'a' : -1;
}

static void
val_fn(void *ctx, int tag, const char *val, size_t len)
{
	struct sink *s = ctx;

	memcpy(s->got[tag], val, len < 63 ? len : 63);
	s->got[tag][len < 63 ? len : 63] = '\0';
	s->len[tag] = len;
	s->calls++;
}

static int
parse(const char *line, struct sink *s)
{
	size_t n = strlen(line);
	char *buf = calloc(1, n + JN_NDJSON_PADDING);
	struct jn_ndjson *p = jn_ndjson_new();
	int rc;

	memset(s, 0, sizeof *s);
	memcpy(buf, line, n);
	rc = jn_ndjson_parse(p, buf, n, key_fn, val_fn, s);
	jn_ndjson_free(p);
	free(buf);
	return rc;
}

static void
test_types(void **state)
{
	struct sink s;

	(void)state;
	assert_int_equal(parse("{\"a\":\"x\\u00e9\\n\",\"b\":17,\"c\":-2.50,"
	    "\"d\":true,\"e\":null,\"f\":[1, {\"g\": 2}],\"g\":{\"x\":\"y\"},"
	    "\"zz\":1,\"h\":18446744073709551615}", &s), 0);
	assert_string_equal(s.got[0], "x\xc3\xa9\n");
	assert_string_equal(s.got[1], "17");
	assert_string_equal(s.got[2], "-2.5");
	assert_string_equal(s.got[3], "true");
	assert_int_equal(s.len[4], 0);		/* null: not delivered */
	assert_string_equal(s.got[5], "[1,{\"g\":2}]");
	assert_string_equal(s.got[6], "{\"x\":\"y\"}");
	assert_string_equal(s.got[7], "18446744073709551615");
	assert_int_equal(s.calls, 7);
}

static void
test_strings(void **state)
{
	struct sink s;

	(void)state;
	/* a surrogate pair, and a NUL byte inside a string */
	assert_int_equal(parse("{\"a\":\"\\ud83d\\ude00\",\"b\":\"x\\u0000y\"}",
	    &s), 0);
	assert_string_equal(s.got[0], "\xf0\x9f\x98\x80");
	assert_int_equal(s.len[1], 3);
	assert_int_equal(s.got[1][1], '\0');
	/* a key with an escape still matches */
	assert_int_equal(parse("{\"\\u0061\":\"k\"}", &s), 0);
	assert_string_equal(s.got[0], "k");
	/* epoch milliseconds stay exact */
	assert_int_equal(parse("{\"a\":1700000000123}", &s), 0);
	assert_string_equal(s.got[0], "1700000000123");
}

static void
test_bad(void **state)
{
	struct sink s;

	(void)state;
	assert_int_equal(parse("{\"a\":1", &s), -1);
	assert_int_equal(parse("[1,2]", &s), -1);
	assert_int_equal(parse("\"str\"", &s), -1);
	assert_int_equal(parse("{\"a\":1} x", &s), -1);
	assert_int_equal(parse("{\"a\":\"\xff\"}", &s), -1);
	assert_int_equal(parse("{'a':1}", &s), -1);
	assert_int_equal(parse("", &s), -1);
}

static void
test_explain(void **state)
{
	char msg[256];
	int col;

	(void)state;
	jn_ndjson_explain("{\"a\":1", 6, msg, sizeof msg, &col);
	assert_string_equal(msg, "bad JSON at column 6: '}' expected near "
	    "end of file");
	assert_int_equal(col, 6);
	jn_ndjson_explain("[1,2]", 5, msg, sizeof msg, &col);
	assert_string_equal(msg, "not a JSON object");
	jn_ndjson_explain("{\"a\" 1}", 7, msg, sizeof msg, &col);
	assert_string_equal(msg, "bad JSON at column 6: ':' expected near "
	    "'1'");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
