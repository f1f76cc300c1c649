/*
 * Tests of the NDJSON line parser: every JSON type reaches the sink as
 * ndjson.h says, unwanted keys are skipped, the bytes after a line (the
 * reader's padding, in practice the next line) never change the result,
 * and bad lines are refused with jansson's explanation and column.
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

#define MAXCALLS 16
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What the callbacks saw, in order. */
struct sink {
	char *keys[MAXCALLS];	/* every key passed to key_fn */
	size_t keylen[MAXCALLS];
	int nkeys;
	int tag[MAXCALLS];	/* every value passed to val_fn */
	char *val[MAXCALLS];
	size_t len[MAXCALLS];
	int nvals;
};

static struct jn_ndjson *parser;	/* one for all: it must be reusable */
static struct sink s;

static char *
copy(const char *p, size_t n)
{
	char *c = malloc(n + 1);

	assert_non_null(c);
	memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

static void
sink_clear(void)
{
	int i;

	for (i = 0; i < s.nkeys; i++)
		free(s.keys[i]);
	for (i = 0; i < s.nvals; i++)
		free(s.val[i]);
	memset(&s, 0, sizeof s);
}

/* Keys "a" to "h" are wanted (tag 0-7); others skipped. */
static int
key_fn(void *ctx, const char *key, size_t len)
{
	struct sink *k = ctx;

	assert_true(k->nkeys < MAXCALLS);
	k->keys[k->nkeys] = copy(key, len);
	k->keylen[k->nkeys++] = len;
	return len == 1 && key[0] >= 'a' && key[0] <= 'h' ? key[0] - 'a' : -1;
}

static void
val_fn(void *ctx, int tag, const char *val, size_t len)
{
	struct sink *k = ctx;

	assert_true(k->nvals < MAXCALLS);
	k->tag[k->nvals] = tag;
	k->val[k->nvals] = copy(val, len);
	k->len[k->nvals++] = len;
}

/*
 * Parse n bytes of line followed by the padding filled with pad (NULs if
 * empty): bytes that would complete or extend the JSON if they were read
 * as part of it.
 */
static int
parse_pad(const char *line, size_t n, const char *pad)
{
	char *buf = malloc(n + JN_NDJSON_PADDING);
	size_t i, plen = strlen(pad);
	int rc;

	assert_non_null(buf);
	memcpy(buf, line, n);
	for (i = 0; i < JN_NDJSON_PADDING; i++)
		buf[n + i] = plen ? pad[i % plen] : '\0';
	sink_clear();
	rc = jn_ndjson_parse(parser, buf, n, key_fn, val_fn, &s);
	free(buf);
	return rc;
}

static int
parse(const char *line)
{
	return parse_pad(line, strlen(line), "\"}]1 ");
}

/* The value delivered for key tag (the last one), or NULL. */
static const char *
val(char key)
{
	int i;

	for (i = s.nvals - 1; i >= 0; i--)
		if (s.tag[i] == key - 'a')
			return s.val[i];
	return NULL;
}

static void
explain(const char *line, const char *want, int wantcol)
{
	char msg[256];
	int col = -1;

	jn_ndjson_explain(line, strlen(line), msg, sizeof msg, &col);
	assert_string_equal(msg, want);
	assert_int_equal(col, wantcol);
}

static void
test_types(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":\"x\",\"b\":17,\"c\":-2.50,\"d\":true,"
	    "\"e\":false,\"f\":null,\"g\":[1, {\"g\": 2}],"
	    "\"h\":{ \"x\" : \"y\" }}"), 0);
	assert_int_equal(s.nkeys, 8);
	assert_int_equal(s.nvals, 7);		/* null is not delivered */
	assert_string_equal(val('a'), "x");
	assert_string_equal(val('b'), "17");
	assert_string_equal(val('c'), "-2.5");
	assert_string_equal(val('d'), "true");
	assert_string_equal(val('e'), "false");
	assert_null(val('f'));
	assert_string_equal(val('g'), "[1,{\"g\":2}]");
	assert_string_equal(val('h'), "{\"x\":\"y\"}");
	/* in document order, with the tags key_fn gave */
	assert_int_equal(s.tag[0], 0);
	assert_int_equal(s.tag[6], 7);
	assert_int_equal(parse(" \t{}\t "), 0);
	assert_int_equal(s.nkeys, 0);
	assert_int_equal(s.nvals, 0);
}

static void
test_skipped(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"zz\":\"no\",\"a\":\"yes\",\"b2\":[1],"
	    "\"\":{},\"B\":3}"), 0);
	assert_int_equal(s.nkeys, 5);
	assert_string_equal(s.keys[0], "zz");
	assert_int_equal(s.keylen[3], 0);
	assert_int_equal(s.nvals, 1);
	assert_string_equal(s.val[0], "yes");
	/* repeated keys: each occurrence, in order */
	assert_int_equal(parse("{\"a\":1,\"z\":0,\"a\":2}"), 0);
	assert_int_equal(s.nvals, 2);
	assert_string_equal(s.val[0], "1");
	assert_string_equal(s.val[1], "2");
}

static void
test_numbers(void **state)
{
	(void)state;
	/* integers exact, at both ends of int64 and uint64 */
	assert_int_equal(parse("{\"a\":1700000000123,\"b\":-0,"
	    "\"c\":-9223372036854775808,\"d\":9223372036854775807,"
	    "\"e\":9223372036854775808,\"f\":18446744073709551615}"), 0);
	assert_string_equal(val('a'), "1700000000123");
	assert_string_equal(val('b'), "0");
	assert_string_equal(val('c'), "-9223372036854775808");
	assert_string_equal(val('d'), "9223372036854775807");
	assert_string_equal(val('e'), "9223372036854775808");
	assert_string_equal(val('f'), "18446744073709551615");
	/* doubles: shortest round trip, plain digits in the usual range */
	assert_int_equal(parse("{\"a\":1.0,\"b\":1e2,\"c\":1700000000.0,"
	    "\"d\":0.1,\"e\":12.50,\"f\":-0.0,\"g\":1700000000.123,"
	    "\"h\":0.30000000000000004}"), 0);
	assert_string_equal(val('a'), "1");
	assert_string_equal(val('b'), "100");
	assert_string_equal(val('c'), "1700000000");
	assert_string_equal(val('d'), "0.1");
	assert_string_equal(val('e'), "12.5");
	assert_string_equal(val('f'), "-0");
	assert_string_equal(val('g'), "1700000000.123");
	assert_string_equal(val('h'), "0.30000000000000004");
	/* far out: exponent form, never a long integer */
	assert_int_equal(parse("{\"a\":1e300,\"b\":-2.5e-7,\"c\":1e-400,"
	    "\"d\":18446744073709551616.0,\"e\":1E+17,"
	    "\"f\":4.9e-324}"), 0);
	assert_string_equal(val('a'), "1e+300");
	assert_string_equal(val('b'), "-2.5e-07");
	assert_string_equal(val('c'), "0");
	assert_string_equal(val('d'), "1.8446744073709552e+19");
	assert_string_equal(val('e'), "1e+17");
	assert_string_equal(val('f'), "5e-324");
	/* beyond uint64, an integer is refused; a huge real overflows */
	assert_int_equal(parse("{\"a\":18446744073709551616}"), -1);
	assert_int_equal(parse("{\"a\":-9223372036854775809}"), -1);
	assert_int_equal(parse("{\"a\":1e400}"), -1);
}

static void
test_strings(void **state)
{
	(void)state;
	assert_int_equal(parse("{\"a\":\"x\\u00e9\\n\\t\\\"\\\\\\/\","
	    "\"b\":\"\\ud83d\\ude00\",\"c\":\"caf\xc3\xa9 \xe2\x82\xac\","
	    "\"d\":\"\"}"), 0);
	assert_string_equal(val('a'), "x\xc3\xa9\n\t\"\\/");
	assert_string_equal(val('b'), "\xf0\x9f\x98\x80");
	assert_string_equal(val('c'), "caf\xc3\xa9 \xe2\x82\xac");
	assert_string_equal(val('d'), "");
	/* a NUL inside a string arrives, and counts */
	assert_int_equal(parse("{\"a\":\"x\\u0000y\"}"), 0);
	assert_int_equal(s.len[0], 3);
	assert_memory_equal(s.val[0], "x\0y", 3);
	/* lone or mismatched surrogates are refused */
	assert_int_equal(parse("{\"a\":\"\\ud800\"}"), -1);
	assert_int_equal(parse("{\"a\":\"\\udc00\\ud800\"}"), -1);
	assert_int_equal(parse("{\"a\":\"\\ud800\\u0041\"}"), -1);
}

static void
test_keys(void **state)
{
	(void)state;
	/* keys arrive unescaped: "\u0061" is "a" */
	assert_int_equal(parse("{\"\\u0061\":\"k\",\"q\\\"\\u00e9\":1}"), 0);
	assert_string_equal(s.keys[0], "a");
	assert_string_equal(val('a'), "k");
	assert_string_equal(s.keys[1], "q\"\xc3\xa9");
	assert_int_equal(s.keylen[1], 4);
	/* a NUL in a key: accepted (jansson refuses it), length kept */
	assert_int_equal(parse("{\"a\\u0000b\":1}"), 0);
	assert_int_equal(s.keylen[0], 3);
	assert_memory_equal(s.keys[0], "a\0b", 3);
	assert_int_equal(s.nvals, 0);
}

static void
test_nested(void **state)
{
	(void)state;
	/* minified, strings escaped again, numbers as at the top level */
	assert_int_equal(parse("{\"a\": [ 1.0 , 2e1, -0, true, null, \"\" ],"
	    "\"b\": {\"k\\u00e9\": \"q\\\"\\\\\\n\\u0001\\u001f\\/\"},"
	    "\"c\": [[], {}, [{}]], \"d\": {\"x\": {\"y\": [1, 2.5]}}}"), 0);
	assert_string_equal(val('a'), "[1,20,0,true,null,\"\"]");
	assert_string_equal(val('b'),
	    "{\"k\xc3\xa9\":\"q\\\"\\\\\\n\\u0001\\u001f/\"}");
	assert_string_equal(val('c'), "[[],{},[{}]]");
	assert_string_equal(val('d'), "{\"x\":{\"y\":[1,2.5]}}");
	/* a NUL in a nested string is escaped, not cut */
	assert_int_equal(parse("{\"a\":[\"x\\u0000y\"],\"b\":{\"\\u0000\":0}}"),
	    0);
	assert_string_equal(val('a'), "[\"x\\u0000y\"]");
	assert_string_equal(val('b'), "{\"\\u0000\":0}");
}

/* The paths of test_paths, tags 8 on. */
static const char *const path_names[] = {
	"p.rev", "c.d.t", "items.1.price", "a.b", "x.0", "x.00", "x.01",
	"m.k.z", "p.nul", "p.obj", "s.q", "plain", "x.4294967296",
};

/* The value delivered at path_names[i], or NULL. */
static const char *
pval(size_t i)
{
	int k;

	for (k = s.nvals - 1; k >= 0; k--)
		if (s.tag[k] == (int)(8 + i))
			return s.val[k];
	return NULL;
}

static size_t
pidx(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(path_names); i++)
		if (strcmp(path_names[i], name) == 0)
			return i;
	fail();
	return 0;
}

/* The value at the dotted path name after parsing line, or NULL. */
static const char *
at(const char *line, const char *name)
{
	assert_int_equal(parse(line), 0);
	return pval(pidx(name));
}

/* Dotted paths into nested values, by the rule of ndjson.h. */
static void
test_paths(void **state)
{
	struct jn_ndjson *saved = parser;
	size_t i;

	(void)state;
	parser = jn_ndjson_new();
	jn_ndjson_cache_keys(parser);
	for (i = 0; i < NELEM(path_names); i++)
		jn_ndjson_add_path(parser, path_names[i],
		    strlen(path_names[i]), (int)(8 + i));
	/* values as at the top level, after the top-level ones */
	assert_int_equal(parse("{\"p\":{\"rev\":19.90,\"nul\":null,"
	    "\"obj\":{\"z\":[1,2.50]}},\"c\":{\"d\":{\"t\":\"mob\\u00efle\"}},"
	    "\"items\":[{\"price\":5},{\"price\":\"7.5\"}],\"a\":1}"), 0);
	assert_string_equal(pval(pidx("p.rev")), "19.9");
	assert_string_equal(pval(pidx("c.d.t")), "mob\xc3\xafle");
	assert_string_equal(pval(pidx("items.1.price")), "7.5");
	assert_string_equal(pval(pidx("p.obj")), "{\"z\":[1,2.5]}");
	assert_null(pval(pidx("p.nul")));
	assert_null(pval(pidx("a.b")));
	assert_string_equal(val('a'), "1");
	assert_string_equal(val('c'), "{\"d\":{\"t\":\"mob\xc3\xafle\"}}");
	assert_int_equal(s.tag[0], 'c' - 'a');
	assert_true(s.tag[s.nvals - 1] >= 8);
	/* a top-level key holding the whole name wins, even null */
	assert_null(at("{\"a.b\":1,\"a\":{\"b\":2}}", "a.b"));
	assert_null(at("{\"a\":{\"b\":2},\"a.b\":null}", "a.b"));
	assert_string_equal(at("{\"a\":{\"b\":2}}", "a.b"), "2");
	/* below the top, a key holding the whole rest wins */
	assert_string_equal(at("{\"m\":{\"k\":{\"z\":2},\"k.z\":1}}", "m.k.z"),
	    "1");
	assert_string_equal(at("{\"m\":{\"k\":{\"z\":2}}}", "m.k.z"), "2");
	assert_null(at("{\"m.k\":{\"z\":2}}", "m.k.z"));
	/* arrays by index from 0, no leading zeros; objects by key */
	assert_string_equal(at("{\"x\":[10,20]}", "x.0"), "10");
	assert_null(at("{\"x\":[10,20]}", "x.00"));
	assert_null(at("{\"x\":[10,20]}", "x.01"));
	assert_null(at("{\"x\":[10,20]}", "x.4294967296"));
	assert_string_equal(at("{\"x\":{\"0\":\"z\",\"00\":\"zz\"}}", "x.0"),
	    "z");
	assert_string_equal(at("{\"x\":{\"0\":\"z\",\"00\":\"zz\"}}",
	    "x.00"), "zz");
	assert_null(at("{\"items\":[{\"price\":5}]}", "items.1.price"));
	assert_string_equal(at("{\"items\":[[],{\"price\":[true]}]}",
	    "items.1.price"), "[true]");
	/* the last of a repeated key, at every level */
	assert_string_equal(at("{\"p\":{\"rev\":1},\"p\":{\"rev\":2}}", "p.rev"),
	    "2");
	assert_string_equal(at("{\"p\":{\"rev\":1,\"rev\":3}}", "p.rev"), "3");
	assert_null(at("{\"p\":{\"rev\":1},\"p\":{}}", "p.rev"));
	/* a scalar in the way, a flat line (the fast path), no dot */
	assert_null(at("{\"s\":\"q\"}", "s.q"));
	assert_null(at("{\"s\":[1]}", "s.q"));
	assert_null(at("{\"s\":1,\"c\":\"flat\"}", "c.d.t"));
	assert_null(at("{\"plain\":{\"x\":1}}", "plain"));
	jn_ndjson_free(parser);
	parser = saved;
	sink_clear();
}

/* "{\"a\":" then depth brackets, closed, then "}" */
static char *
deep(int depth, int closed)
{
	char *line = malloc(2 * (size_t)depth + 8);
	size_t n = 0;
	int i;

	assert_non_null(line);
	memcpy(line, "{\"a\":", 5);
	n = 5;
	for (i = 0; i < depth; i++)
		line[n++] = '[';
	for (i = 0; closed && i < depth; i++)
		line[n++] = ']';
	if (closed)
		line[n++] = '}';
	line[n] = '\0';
	return line;
}

static void
test_deep(void **state)
{
	char *line, want[64];

	(void)state;
	/* jansson's limit, 2048 levels counting the object */
	line = deep(2047, 1);
	assert_int_equal(parse(line), 0);
	assert_int_equal(s.len[0], 2 * 2047);
	assert_int_equal(s.val[0][2046], '[');
	assert_int_equal(s.val[0][2047], ']');
	assert_null(jn_ndjson_reason(line, strlen(line)));
	free(line);
	line = deep(2048, 1);
	assert_int_equal(parse(line), -1);
	explain(line, "bad JSON at column 2053: maximum parsing depth "
	    "reached near '['", 2053);
	assert_non_null(jn_ndjson_reason(line, strlen(line)));
	free(line);
	/* far deeper and never closed: refused, same message */
	line = deep(100000, 0);
	assert_int_equal(parse(line), -1);
	snprintf(want, sizeof want, "bad JSON at column %d: maximum parsing "
	    "depth reached near '['", 5 + 2048);
	explain(line, want, 5 + 2048);
	free(line);
}

static int
ignore_line(void *ctx, size_t i, int rc)
{
	(void)ctx;
	(void)i;
	(void)rc;
	return 0;
}

/*
 * The limit holds after a batch of lines whose stream fails part way
 * (once, simdjson's stage-1 thread then handed the parser its default
 * depth of 1024).
 */
static void
test_deep_after_lines(void **state)
{
	static const char text[] = "{}\n\xed";
	struct jn_ndjson_line lines[2] = { { text, 2 }, { text + 3, 1 } };
	char *buf = malloc(sizeof text + JN_NDJSON_PADDING), *line;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, text, sizeof text);
	memset(buf + sizeof text, ' ', JN_NDJSON_PADDING);
	lines[0].p = buf;
	lines[1].p = buf + 3;
	assert_int_equal(jn_ndjson_parse_lines(parser, lines, 2, key_fn,
	    val_fn, ignore_line, &s), 0);
	line = deep(2047, 1);
	assert_int_equal(parse(line), 0);
	free(line);
	free(buf);
}

static void
test_padding(void **state)
{
	(void)state;
	/* the bytes after the line must not complete it */
	assert_int_equal(parse_pad("{\"a\":1", 6, "}"), -1);
	assert_int_equal(parse_pad("{\"a\":\"x", 7, "\"}"), -1);
	assert_int_equal(parse_pad("{\"a\":tru", 8, "e}"), -1);
	/* nor extend it */
	assert_int_equal(parse_pad("{\"a\":12}", 8, "34"), 0);
	assert_string_equal(val('a'), "12");
	assert_int_equal(parse_pad("{\"a\":12", 7, "3}"), -1);
	/* a NUL pad, as simdjson's own, changes nothing either */
	assert_int_equal(parse_pad("{\"a\":12", 7, ""), -1);
	/* the parser grows for a long line, then serves short ones */
	{
		size_t n = 100000;
		char *line = malloc(n + 1);

		assert_non_null(line);
		memset(line, 'x', n);
		memcpy(line, "{\"a\":\"", 6);
		memcpy(line + n - 2, "\"}", 3);
		assert_int_equal(parse(line), 0);
		assert_int_equal(s.len[0], n - 8);
		free(line);
	}
	assert_int_equal(parse("{\"b\":2}"), 0);
	assert_string_equal(val('b'), "2");
}

static void
test_bad(void **state)
{
	static const char *const bad[] = {
		"{\"a\":1", "{\"a\":1} x", "{\"a\":1}}", "{'a':1}", "{a:1}",
		"{\"a\":1,}", "{\"a\" 1}", "{\"a\":01}", "{\"a\":1.}",
		"{\"a\":.5}", "{\"a\":+1}", "{\"a\":NaN}", "{\"a\":Infinity}",
		"{\"a\":tru}", "{\"a\":\"\t\"}", "{\"a\":\"\\x41\"}",
		"{\"a\":\"\xff\"}", "{\"a\":\"\xc0\x80\"}",
		"{\"a\":\"\xed\xa0\x80\"}", "\xef\xbb\xbf{\"a\":1}",
		"{\"a\":1}\f", "", " ", "{\"a\":1}{\"b\":2}",
		/* valid JSON, not an object */
		"[1,2]", "\"str\"", "17", "null", "true", "[{\"a\":1}]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i]) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(s.nvals, 0);
		assert_non_null(jn_ndjson_reason(bad[i], strlen(bad[i])));
	}
	/* a raw NUL byte anywhere, even where simdjson would end a token */
	assert_int_equal(parse_pad("{\"a\":1\0,\"b\":2}", 14, " "), -1);
	assert_int_equal(parse_pad("{\"a\":true\0}", 11, " "), -1);
	assert_int_equal(parse_pad("{\"a\":\"x\0\"}", 10, " "), -1);
	assert_string_equal(jn_ndjson_reason("{\"a\":1\0}", 8),
	    "raw NUL byte");
	/* no complaint about a good one */
	assert_null(jn_ndjson_reason("{\"a\":1}", 7));
}

static void
test_explain(void **state)
{
	char msg[256];
	int col;

	(void)state;
	explain("{\"a\":1", "bad JSON at column 6: '}' expected near end "
	    "of file", 6);
	explain("{\"a\" 1}", "bad JSON at column 6: ':' expected near '1'",
	    6);
	explain("{\"a\":1} x", "bad JSON at column 9: end of file expected "
	    "near 'x'", 9);
	explain("{\"a\":1,}", "bad JSON at column 8: string or '}' expected "
	    "near '}'", 8);
	/* the column counts characters, not bytes */
	explain("{\"\xc3\xa9\xc3\xa9\":1,}", "bad JSON at column 9: string or "
	    "'}' expected near '}'", 9);
	explain("{\"a\":tru}", "bad JSON at column 8: invalid token near "
	    "'tru'", 8);
	explain("{\"a\":01}", "bad JSON at column 6: invalid token near '0'",
	    6);
	explain("{\"a\":\"\t\"}", "bad JSON at column 6: control character "
	    "0x9 near '\"'", 6);
	explain("{\"a\":\"\xff\"}", "bad JSON at column 6: unable to decode "
	    "byte 0xff near '\"'", 6);
	explain("{\"a\":\"\\ud800\"}", "bad JSON at column 13: invalid Unicode "
	    "'\\uD800' near '\"\\ud800\"'", 13);
	explain("{\"a\":1e400}", "bad JSON at column 10: real number overflow "
	    "near '1e400'", 10);
	explain("{\"a\":18446744073709551616}", "bad JSON at column 25: too "
	    "big integer near '18446744073709551616'", 25);
	/* valid JSON that is no object */
	explain("[1,2]", "not a JSON object", 0);
	explain("\"str\"", "not a JSON object", 0);
	explain("17", "not a JSON object", 0);
	explain("null", "not a JSON object", 0);
	/* a raw NUL byte, which jansson may take for the end of a token */
	jn_ndjson_explain("{\"a\":1\0}", 8, msg, sizeof msg, &col);
	assert_string_equal(msg, "bad JSON at column 7: NUL byte");
	assert_int_equal(col, 7);
	jn_ndjson_explain("{\"\xc3\xa9\":1\0}", 9, msg, sizeof msg, &col);
	assert_string_equal(msg, "bad JSON at column 7: NUL byte");
	assert_int_equal(col, 7);
	/* only len bytes count, and msg is always terminated */
	jn_ndjson_explain("{\"a\":1}", 5, msg, 12, &col);
	assert_string_equal(msg, "bad JSON at");
	assert_int_equal(col, 5);
}

/* For test_cached_keys: the values as "tag=value;" text, and the calls. */
struct trace {
	char text[4096];
	size_t len;
	int calls;
};

static int
trace_key(void *ctx, const char *key, size_t len)
{
	struct trace *t = ctx;

	t->calls++;
	return len == 1 && key[0] >= 'a' && key[0] <= 'h' ? key[0] - 'a' :
	    len == 40 ? 9 : -1;
}

static void
trace_val(void *ctx, int tag, const char *val, size_t len)
{
	struct trace *t = ctx;
	int n = snprintf(t->text + t->len, sizeof t->text - t->len, "%d=%.*s;",
	    tag, (int)len, val);

	assert_true(n > 0 && (size_t)n < sizeof t->text - t->len);
	t->len += (size_t)n;
}

/*
 * With jn_ndjson_cache_keys the sink gets exactly what it gets without:
 * random lines of 0 to 40 keys drawn from wanted and unwanted ones, keys
 * at ever other positions, repeated keys, an empty key, one with a NUL,
 * one too long to remember; and key_fn is asked far less often.
 */
static void
test_cached_keys(void **state)
{
	static const char *const pool[] = {
	    "a", "b", "c", "d", "e", "f", "g", "h", "x", "yy", "event", "",
	    "a\\u0000b", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
	    "\\u0061",
	};
	struct jn_ndjson *cached = jn_ndjson_new();
	struct trace plain, fast;
	char line[2048], *buf = malloc(sizeof line + JN_NDJSON_PADDING);
	uint64_t x = 2463534242u;
	int i, k, nkeys, keys = 0, calls = 0;

	(void)state;
	assert_non_null(buf);
	jn_ndjson_cache_keys(cached);
	for (i = 0; i < 20000; i++) {
		size_t n = 0;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		/* a few kinds of line, as in a log, and now and then noise */
		nkeys = (int)(x % 8 == 0 ? x % 41 : 3 + x % 4);
		n += (size_t)snprintf(line + n, sizeof line - n, "{");
		for (k = 0; k < nkeys; k++) {
			size_t pick = x % 8 == 0 ? (x >> (k % 50)) % NELEM(pool) :
			    (size_t)((x % 4 + (uint64_t)k * 3) % NELEM(pool));

			n += (size_t)snprintf(line + n, sizeof line - n,
			    "%s\"%s\":%d", k ? "," : "", pool[pick], k);
		}
		n += (size_t)snprintf(line + n, sizeof line - n, "}");
		assert_true(n < sizeof line);
		memcpy(buf, line, n);
		memset(buf + n, ' ', JN_NDJSON_PADDING);
		memset(&plain, 0, sizeof plain);
		memset(&fast, 0, sizeof fast);
		assert_int_equal(jn_ndjson_parse(parser, buf, n, trace_key,
		    trace_val, &plain), 0);
		assert_int_equal(jn_ndjson_parse(cached, buf, n, trace_key,
		    trace_val, &fast), 0);
		assert_int_equal(fast.len, plain.len);
		assert_memory_equal(fast.text, plain.text, plain.len);
		keys += plain.calls;
		calls += fast.calls;
	}
	/* 50,705 calls against 132,407: the noise lines miss */
	assert_true(calls < keys / 2);
	free(buf);
	jn_ndjson_free(cached);
}

/* For test_lines: every callback as text. */
struct calls {
	char *text;
	size_t len, cap;
	long stop_at;		/* the line whose line_fn stops the batch */
};

static void
calls_add(struct calls *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(c->text + c->len, c->cap - c->len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if ((size_t)n < c->cap - c->len)
			break;
		c->cap = c->cap * 2 + (size_t)n + 64;
		c->text = realloc(c->text, c->cap);
		assert_non_null(c->text);
	}
	c->len += (size_t)n;
}

static int
lines_key(void *ctx, const char *key, size_t len)
{
	calls_add(ctx, "k%zu;", len);
	return len == 1 && key[0] >= 'a' && key[0] <= 'h' ? key[0] - 'a' : -1;
}

static void
lines_val(void *ctx, int tag, const char *val, size_t len)
{
	calls_add(ctx, "%d=%.*s;", tag, (int)len, val);
}

static int
lines_done(void *ctx, size_t i, int rc)
{
	struct calls *c = ctx;

	calls_add(c, "line %zu: %d\n", i, rc);
	return (long)i == c->stop_at ? 7 : 0;
}

/*
 * jn_ndjson_parse_lines makes exactly the calls of a loop over
 * jn_ndjson_parse, in batches of good lines and every kind of bad one:
 * lines that would swallow the next (an open string), two objects on one
 * line, scalars, bad UTF-8 and control bytes (which fail a whole stream),
 * NULs, blank and empty lines, whitespace around objects and between
 * lines, an object between lines, a line longer than a stream; and a
 * line_fn that stops early.
 */
static void
test_lines(void **state)
{
	static const char *const good[] = {
	    "{\"a\":1,\"b\":\"x\"}", "{\"c\":[1,{\"d\":2}],\"e\":null}",
	    "  {\"a\":true}  ", "{\"a\":\"\\u00e9\\n\",\"a\":2}", "{}",
	    "{\"a\":1.5e3,\"f\":-0,\"zz\":{}}", "{\"b\":\"caf\xc3\xa9\"}",
	    "\t{\"h\":\"}\"}\r", "{\"g\":\"\\\"{\"}",
	};
	static const char *const bad[] = {
	    "{\"a\":\"x", "{\"a\":1} {\"b\":2}", "{\"a\":1}{\"b\":2}", "1",
	    "[1]", "\"s\"", "{\"a\":1", "}", "{\"a\":\"\xff\"}", "{\"a\":1,}",
	    "{\"a\":\"\x01\"}", "nul", "{\"a\":tru}", "{\"a\":01}",
	    "{\"a\":1}x", " ", "", "{\"a\":\"\\\"}", "{\"a\":1}\0",
	    "\"}{\"", "{\"a\":1}\"",
	};
	/* the reader's gaps hold only whitespace; the API allows more */
	static const char *const gaps[] = {
	    "\n", "\r\n", "\n\n", "\n \t\n", "\n", "\n", "\n{}\n",
	};
	struct jn_ndjson_line lines[300];
	struct calls want = { NULL, 0, 0, -1 }, got = { NULL, 0, 0, -1 };
	size_t cap = 1 << 20, len, n, i, k, longest = 70000;
	char *buf = malloc(cap + JN_NDJSON_PADDING);
	uint64_t x = 88172645463325252u;
	int batch, rc;

	(void)state;
	assert_non_null(buf);
	/* paths are delivered alike too */
	jn_ndjson_add_path(parser, "c.1.d", 5, 99);
	jn_ndjson_add_path(parser, "zz.q", 4, 98);
	for (batch = 0; batch < 3000; batch++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = 1 + x % NELEM(lines);
		len = 0;
		for (i = 0; i < n; i++) {
			const char *text;
			size_t tlen;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (x % 97 == 0 && len + longest < cap / 2) {
				/* longer than a stream, alone */
				memcpy(buf + len, "{\"a\":\"", 6);
				memset(buf + len + 6, 'y', longest);
				memcpy(buf + len + 6 + longest, "\"}", 2);
				tlen = longest + 8;
				text = NULL;
			} else if (x % 16 < (uint64_t)(batch % 3 ? 15 : 12)) {
				text = good[(x >> 8) % NELEM(good)];
				tlen = strlen(text);
			} else {
				k = (x >> 8) % NELEM(bad);
				text = bad[k];
				/* the one with a NUL: its length by hand */
				tlen = strcmp(text, "{\"a\":1}") == 0 ? 8 :
				    strlen(text);
			}
			assert_true(len + tlen + 8 < cap);
			if (text != NULL)
				memcpy(buf + len, text, tlen);
			lines[i].p = buf + len;
			lines[i].len = tlen;
			len += tlen;
			text = gaps[(x >> 16) % NELEM(gaps)];
			memcpy(buf + len, text, strlen(text));
			len += strlen(text);
		}
		/* padding that would close or extend a line read past it */
		for (i = 0; i < JN_NDJSON_PADDING; i++)
			buf[len + i] = "\"}]1 "[i % 5];
		want.len = got.len = 0;
		want.stop_at = got.stop_at = batch % 5 == 0 ?
		    (long)((x >> 24) % n) : -1;
		for (i = 0, rc = 0; i < n && rc == 0; i++) {
			int ok = jn_ndjson_parse(parser, lines[i].p,
			    lines[i].len, lines_key, lines_val, &want);

			rc = lines_done(&want, i, ok);
		}
		assert_int_equal(jn_ndjson_parse_lines(parser, lines, n,
		    lines_key, lines_val, lines_done, &got), rc);
		calls_add(&want, "%s", "");
		calls_add(&got, "%s", "");
		assert_string_equal(got.text, want.text);
	}
	free(want.text);
	free(got.text);
	free(buf);
}

static int
setup(void **state)
{
	(void)state;
	parser = jn_ndjson_new();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sink_clear();
	jn_ndjson_free(parser);
	jn_ndjson_free(NULL);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_skipped),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_deep_after_lines),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_cached_keys),
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
