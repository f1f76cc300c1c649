/*
 * Tests of the flat-object fast path: what it takes comes out field by
 * field with the values simdjson's reader would deliver, and what it
 * must leave to simdjson (escapes, nesting, exponents, -0, long numbers,
 * anything invalid) is declined.  The NDJSON fuzz target compares it
 * with simdjson call for call; these pin the rules down by example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/flatjson.h"
#include "journey/ndjson.h"

static struct jn_flat *scanner;

/* text[0..len), followed by the rest of it and quotes, scanned. */
static long
scan_len(const char *text, size_t len, char *buf)
{
	size_t all = strlen(text);

	memcpy(buf, text, all);
	memset(buf + all, '"', JN_NDJSON_PADDING);
	return jn_flat_scan(scanner, buf, len);
}

/* The line with padding that would look like more of it, scanned. */
static long
scan(const char *text, char *buf)
{
	size_t len = strlen(text);

	memcpy(buf, text, len);
	memset(buf + len, '"', JN_NDJSON_PADDING);
	return jn_flat_scan(scanner, buf, len);
}

/* Field i's key and value are these. */
static void
field_is(const char *buf, long i, const char *key, const char *val,
    enum jn_flat_kind kind)
{
	const struct jn_flat_field *f = &jn_flat_fields(scanner)[i];

	assert_int_equal(f->keylen, strlen(key));
	assert_memory_equal(buf + f->key, key, f->keylen);
	assert_int_equal(f->vallen, strlen(val));
	assert_memory_equal(buf + f->val, val, f->vallen);
	assert_int_equal(f->kind, kind);
}

static void
test_event(void **state)
{
	char buf[512];
	int round;

	(void)state;
	/* twice: the second time through the remembered segments */
	for (round = 0; round < 2; round++) {
		assert_int_equal(scan("{\"user_id\":\"u1\",\"event\":\"buy\","
		    "\"revenue\":58.30,\"n\":-12,\"ok\":true,\"no\":false,"
		    "\"x\":null}", buf), 7);
		field_is(buf, 0, "user_id", "u1", JN_FLAT_STRING);
		field_is(buf, 1, "event", "buy", JN_FLAT_STRING);
		field_is(buf, 2, "revenue", "58.3", JN_FLAT_NUMBER);
		field_is(buf, 3, "n", "-12", JN_FLAT_NUMBER);
		field_is(buf, 4, "ok", "true", JN_FLAT_TRUE);
		field_is(buf, 5, "no", "false", JN_FLAT_FALSE);
		field_is(buf, 6, "x", "null", JN_FLAT_NULL);
		assert_true(jn_flat_fields(scanner)[0].slot >= 0);
	}
	/* same keys, other lengths of value: the segments still match */
	assert_int_equal(scan("{\"user_id\":\"u12345\",\"event\":\"b\","
	    "\"revenue\":7,\"n\":0,\"ok\":false,\"no\":true,\"x\":null}",
	    buf), 7);
	field_is(buf, 0, "user_id", "u12345", JN_FLAT_STRING);
	field_is(buf, 2, "revenue", "7", JN_FLAT_NUMBER);
	field_is(buf, 3, "n", "0", JN_FLAT_NUMBER);
}

static void
test_numbers(void **state)
{
	char buf[512];

	(void)state;
	/* as format_double writes the double: no trailing zeros */
	assert_int_equal(scan("{\"a\":100.00,\"b\":-0.5,\"c\":0.000001,"
	    "\"d\":123456789012345678,\"e\":0}", buf), 5);
	field_is(buf, 0, "a", "100", JN_FLAT_NUMBER);
	field_is(buf, 1, "b", "-0.5", JN_FLAT_NUMBER);
	field_is(buf, 2, "c", "0.000001", JN_FLAT_NUMBER);
	field_is(buf, 3, "d", "123456789012345678", JN_FLAT_NUMBER);
	field_is(buf, 4, "e", "0", JN_FLAT_NUMBER);
	/* simdjson's to decide */
	assert_int_equal(scan("{\"a\":-0}", buf), -1);
	assert_int_equal(scan("{\"a\":0.0}", buf), -1);
	assert_int_equal(scan("{\"a\":1e3}", buf), -1);
	assert_int_equal(scan("{\"a\":1.5E3}", buf), -1);
	assert_int_equal(scan("{\"a\":0.0000001}", buf), -1);
	assert_int_equal(scan("{\"a\":1234567890123456789}", buf), -1);
	assert_int_equal(scan("{\"a\":7E2}", buf), -1);
	assert_int_equal(scan("{\"a\":-1234567890123456789}", buf), -1);
	assert_int_equal(scan("{\"a\":1.234567890123456}", buf), -1);
	/* not JSON */
	assert_int_equal(scan("{\"a\":01}", buf), -1);
	assert_int_equal(scan("{\"a\":1.}", buf), -1);
	assert_int_equal(scan("{\"a\":.5}", buf), -1);
	assert_int_equal(scan("{\"a\":+1}", buf), -1);
	assert_int_equal(scan("{\"a\":-}", buf), -1);
	assert_int_equal(scan("{\"a\":12x}", buf), -1);
	assert_int_equal(scan("{\"a\":12-}", buf), -1);
	/* an integer with space after it, and one cut by the line's end */
	assert_int_equal(scan("{\"a\":3 , \"b\":40\t}", buf), 2);
	field_is(buf, 0, "a", "3", JN_FLAT_NUMBER);
	field_is(buf, 1, "b", "40", JN_FLAT_NUMBER);
	assert_int_equal(scan_len("{\"a\":123}", 7, buf), -1);
}

static void
test_strings(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(scan(" { \"k\" :\t\"caf\xc3\xa9\" , \"e\":\"\" }\r",
	    buf), 2);
	field_is(buf, 0, "k", "caf\xc3\xa9", JN_FLAT_STRING);
	field_is(buf, 1, "e", "", JN_FLAT_STRING);
	assert_int_equal(scan("{\"a\":\"b\",\"a\":\"c\"}", buf), 2);
	field_is(buf, 1, "a", "c", JN_FLAT_STRING);
	/* escapes are simdjson's */
	assert_int_equal(scan("{\"a\":\"x\\\"y\"}", buf), -1);
	assert_int_equal(scan("{\"a\\n\":\"x\"}", buf), -1);
	/* not JSON: control bytes, bad UTF-8, unterminated */
	assert_int_equal(scan("{\"a\":\"x\ty\"}", buf), -1);
	assert_int_equal(scan("{\"a\":\"\xc3\"}", buf), -1);
	assert_int_equal(scan("{\"a\":\"\xc0\xaf\"}", buf), -1);
	assert_int_equal(scan("{\"a\":\"\xed\xa0\x80\"}", buf), -1);
	assert_int_equal(scan("{\"a\":\"\xf4\x90\x80\x80\"}", buf), -1);
	assert_int_equal(scan("{\"a\":\"x}", buf), -1);
}

static void
test_structure(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(scan("{}", buf), 0);
	assert_int_equal(scan(" { } ", buf), 0);
	assert_int_equal(scan("{\"a\":[1]}", buf), -1);
	assert_int_equal(scan("{\"a\":{}}", buf), -1);
	assert_int_equal(scan("[1]", buf), -1);
	assert_int_equal(scan("{\"a\":1,}", buf), -1);
	assert_int_equal(scan("{\"a\":1}}", buf), -1);
	assert_int_equal(scan("{\"a\":1} x", buf), -1);
	assert_int_equal(scan("{\"a\":1 \"b\":2}", buf), -1);
	assert_int_equal(scan("{\"a\" 1}", buf), -1);
	assert_int_equal(scan("{\"a\":tru}", buf), -1);
	assert_int_equal(scan("{\"a\":truex}", buf), -1);
	assert_int_equal(scan("{\"a\":1", buf), -1);
	assert_int_equal(scan("{\"a\":\"x\"\"}", buf), -1);
	assert_int_equal(scan("{a:1}", buf), -1);
}

/*
 * Every byte that needs a look, at every offset across the 64-byte words
 * the scanner marks quotes in and past the longest line it marks (1024
 * bytes): a string of n bytes of 'a' with, at offset i, a quote's end,
 * a backslash, a control byte, DEL, a UTF-8 sequence or a stray
 * continuation byte; then a second key, whose quotes move with n.  Every
 * line cut short is declined, though the bytes after it are the rest.
 * With AVX2 where the processor has it, then without.
 */
static void
blocks(void)
{
	static char text[1200], buf[1200 + JN_NDJSON_PADDING];
	static const struct {
		const char *ins;	/* put at offset i of the value */
		int fields;		/* what the scan returns */
	} cases[] = {
		{ "", 2 },		/* the string alone */
		{ "\x7f", 2 },		/* DEL: plain */
		{ "\xc3\xa9", 2 },	/* UTF-8: the checked walk */
		{ "\\n", -1 },		/* an escape: simdjson's */
		{ "\x01", -1 },		/* a control byte */
		{ "\x80", -1 },		/* a stray continuation byte */
		{ "\"", -1 },		/* a quote: the string ends early */
	};
	size_t n, c, i, k;

	for (n = 0; n < 1040; n += n < 200 || n > 1000 ? 1 : 61) {
		for (c = 0; c < sizeof cases / sizeof *cases; c++) {
			for (i = 0; i <= n; i += i < 4 || n - i < 4 ? 1 :
			    (n - i) / 3) {
				size_t ins = strlen(cases[c].ins);
				char val[1100];

				memset(val, 'a', n);
				memcpy(val + i, cases[c].ins, ins);
				memset(val + i + ins, 'a', n - i);
				val[n + ins] = '\0';
				snprintf(text, sizeof text,
				    "{\"k\":\"%s\",\"key2\":\"v\"}", val);
				for (k = 0; c < 3 && i == 0 && k < strlen(text);
				    k++)
					assert_int_equal(scan_len(text, k, buf),
					    -1);
				/* twice: the second time remembered */
				for (k = 0; k < 2; k++) {
					assert_int_equal(scan(text, buf),
					    cases[c].fields);
					if (cases[c].fields < 0)
						continue;
					field_is(buf, 0, "k", val,
					    JN_FLAT_STRING);
					field_is(buf, 1, "key2", "v",
					    JN_FLAT_STRING);
				}
			}
		}
	}
}

static void
test_blocks(void **state)
{
	(void)state;
	blocks();
	jn_flat_no_avx2(scanner);
	blocks();
}

/* A key met again in its slot keeps its note; a new key clears it. */
static void
test_notes(void **state)
{
	char buf[512];
	const struct jn_flat_field *f;
	int *note;

	(void)state;
	assert_int_equal(scan("{\"q1\":1}", buf), 1);
	f = jn_flat_fields(scanner);
	assert_true(f->slot >= 0);
	note = jn_flat_note(scanner, f->slot);
	*note = 7;
	assert_int_equal(scan("{\"q1\":22}", buf), 1);
	assert_int_equal(*jn_flat_note(scanner, jn_flat_fields(scanner)->slot),
	    7);
	/* fill every way of position 0 with other keys */
	assert_int_equal(scan("{\"q2\":1}", buf), 1);
	assert_int_equal(scan("{\"q3\":1}", buf), 1);
	assert_int_equal(scan("{\"q4\":1}", buf), 1);
	assert_int_equal(scan("{\"q5\":1}", buf), 1);
	assert_int_equal(*note, JN_FLAT_NO_NOTE);
}

static int
setup(void **state)
{
	(void)state;
	scanner = jn_flat_new();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	jn_flat_free(scanner);
	jn_flat_free(NULL);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_notes),
		cmocka_unit_test(test_blocks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
