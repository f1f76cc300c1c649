/*
 * Tests of the picture module: nice ticks and domains checked against
 * values worked by hand from d3's published algorithm (and the examples
 * of d3's documentation), band positions, XML escaping of hostile text,
 * number formatting as the table format, and the page frame's promises
 * (no script, nothing fetched, dark mode, A4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journey/svg.h"

static void
assert_ticks(double lo, double hi, size_t want, const double *exp,
    size_t n)
{
	double t[64];
	size_t i, got = jn_ticks(lo, hi, want, t, 64);

	assert_int_equal(got, n);
	for (i = 0; i < n; i++)
		assert_true(t[i] == exp[i]);	/* exact, not near */
}

static void
test_ticks(void **state)
{
	static const double a[] = { 2, 4, 6, 8 };
	static const double b[] = { 0, 50, 100, 150 };
	static const double c[] = { 0, 0.1, 0.2, 0.3 };
	static const double d[] = { -1, -0.5, 0, 0.5, 1 };
	static const double e[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const double f[] = { 0.2, 0.4, 0.6, 0.8, 1 };
	static const double g[] = { 7 };
	double t[4];

	(void)state;
	/* d3's documented d3.ticks(1, 9, 5): step 1.6 rounds to 2 */
	assert_ticks(1, 9, 5, a, 4);
	/* step 33: 3.3 is over sqrt(10), so 5 x 10 */
	assert_ticks(0, 165, 5, b, 4);
	/* 0.3 is 3 / 10, not 3 * 0.1 (0.30000000000000004) */
	assert_ticks(0, 0.3, 3, c, 4);
	assert_ticks(1, -1, 4, d, 5);	/* swapped bounds */
	assert_ticks(0, 10, 10, e, 11);
	assert_ticks(0.15, 1, 5, f, 5);
	assert_ticks(7, 7, 5, g, 1);
	/* never more than max */
	assert_int_equal(jn_ticks(0, 10, 10, t, 4), 4);
	assert_int_equal(jn_ticks(0, 1.0 / 0.0, 5, t, 4), 0);
}

static void
test_nice(void **state)
{
	double lo, hi, step;

	(void)state;
	/* d3's documented scale.nice(): [0.201479, 0.996679] -> [0.2, 1] */
	lo = 0.201479;
	hi = 0.996679;
	step = jn_nice(&lo, &hi, 10);
	assert_true(lo == 0.2 && hi == 1 && step == 0.1);
	lo = 0;
	hi = 165;
	step = jn_nice(&lo, &hi, 5);
	assert_true(lo == 0 && hi == 200 && step == 50);
	lo = -8573.42;
	hi = 4555.96;
	/* step 2000 gives [-10000, 6000], whose step is 5000: d3 repeats
	 * until the step holds, [-10000, 10000] */
	jn_nice(&lo, &hi, 5);
	assert_true(lo == -10000 && hi == 10000);
	lo = hi = 0;
	jn_nice(&lo, &hi, 5);
	assert_true(lo == 0 && hi == 1);
	lo = hi = 3;
	jn_nice(&lo, &hi, 5);
	assert_true(lo == 0 && hi == 3);
	lo = hi = -3;
	jn_nice(&lo, &hi, 5);
	assert_true(lo == -3 && hi == 0);
}

static void
test_scales(void **state)
{
	struct jn_scale s;
	struct jn_band b;

	(void)state;
	jn_scale_init(&s, 0, 200, 100, 500);
	assert_true(jn_scale_map(&s, 0) == 100);
	assert_true(jn_scale_map(&s, 50) == 200);
	assert_true(jn_scale_map(&s, 200) == 500);
	jn_scale_init(&s, 0, 10, 300, 100);	/* y grows downward */
	assert_true(jn_scale_map(&s, 10) == 100);
	jn_scale_init(&s, 5, 5, 0, 100);
	assert_true(jn_scale_map(&s, 5) == 50);
	/* 4 bands over 100: steps of 25, bands of 20, 2.5 each side */
	jn_band_init(&b, 4, 0, 100, 0.2);
	assert_true(b.step == 25 && b.width == 20);
	assert_true(jn_band_pos(&b, 0) == 2.5);
	assert_true(jn_band_pos(&b, 3) == 77.5);
	jn_band_init(&b, 0, 0, 100, 0.2);
	assert_true(b.step == 0);
}

static char *
esc(const char *s, size_t len)
{
	static char out[256];
	struct jn_strbuf b = { NULL, 0, 0 };

	jn_xml_text(&b, s, len);
	assert_true(b.len < sizeof out);
	memcpy(out, b.buf, b.len + 1);
	free(b.buf);
	return out;
}

static void
test_escape(void **state)
{
	struct jn_strbuf b = { NULL, 0, 0 };

	(void)state;
	assert_string_equal(esc("a<b & \"c\" 'd'>", 14),
	    "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
	assert_string_equal(esc("</svg><script>x</script>", 24),
	    "&lt;/svg&gt;&lt;script&gt;x&lt;/script&gt;");
	assert_string_equal(esc("caf\xc3\xa9\tok\n", 9),
	    "caf\xc3\xa9\tok\n");
	/*
	 * invalid UTF-8 (a replacement a byte), controls, a NUL, DEL and
	 * U+FFFF (one replacement for the character) become U+FFFD
	 */
	assert_string_equal(esc("a\xff" "b", 3), "a\xef\xbf\xbd" "b");
	assert_string_equal(esc("a\x01" "b", 3), "a\xef\xbf\xbd" "b");
	assert_string_equal(esc("a\0b", 3), "a\xef\xbf\xbd" "b");
	assert_string_equal(esc("\xef\xbf\xbf", 3), "\xef\xbf\xbd");
	assert_string_equal(esc("a\x7f\r", 3), "a\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(esc("\xff\xfe", 2), "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(esc("\xc3", 1), "\xef\xbf\xbd");	/* cut */
	assert_string_equal(esc("", 0), "");
	/* cutting counts characters, not bytes */
	assert_int_equal(jn_xml_text_cut(&b, "\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9", 3), 1);
	assert_string_equal(b.buf, "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
	b.len = 0;
	assert_int_equal(jn_xml_text_cut(&b, "a&b", 3), 0);
	assert_string_equal(b.buf, "a&amp;b");
	free(b.buf);
	assert_int_equal(jn_utf8_len("a\xc3\xa9\xe2\x86\x92"), 3);
}

static void
test_numbers(void **state)
{
	char buf[64];
	struct jn_strbuf b = { NULL, 0, 0 };

	(void)state;
	/* as jfunnel -o table prints them (SPEC section 1) */
	assert_string_equal(jn_svg_number(buf, sizeof buf, JN_COL_RATE,
	    0.3636), "36.4%");
	assert_string_equal(jn_svg_number(buf, sizeof buf, JN_COL_INT,
	    1224), "1,224");
	assert_string_equal(jn_svg_number(buf, sizeof buf, JN_COL_MONEY,
	    4500), "4,500.00");
	assert_string_equal(jn_svg_number(buf, sizeof buf, JN_COL_DURATION,
	    7500), "2h 5m");
	assert_string_equal(jn_svg_number(buf, sizeof buf, JN_COL_INT,
	    0.5), "0.5");
	assert_string_equal(jn_svg_number(buf, sizeof buf, JN_COL_NUM,
	    0.0 / 0.0), "");
	jn_svg_coord(&b, 12.0);
	jn_strbuf_printf(&b, " ");
	jn_svg_coord(&b, 3.14159);
	jn_strbuf_printf(&b, " ");
	jn_svg_coord(&b, -0.04);
	assert_string_equal(b.buf, "12 3.1 0");
	free(b.buf);
}

static void
test_marks(void **state)
{
	struct jn_strbuf b = { NULL, 0, 0 };
	struct jn_scale s;
	static const double ticks[] = { 0, 0.5, 1 };

	(void)state;
	jn_svg_begin(&b, 100, 50, "Funnel <&>", "25 of 165", 0);
	jn_svg_rect(&b, 1, 2, -3, 4, "bar", "a \"tip\"");
	jn_svg_text(&b, 5, 6, "end", "label", "abcdefgh", 4);
	jn_scale_init(&s, 0, 1, 10, 90);
	jn_svg_axis_x(&b, &s, ticks, 3, 0, 40, JN_COL_RATE);
	jn_svg_end(&b);
	assert_non_null(strstr(b.buf, "<svg role=\"img\" aria-label=\""
	    "Funnel &lt;&amp;&gt;\" width=\"100\" height=\"50\" "
	    "viewBox=\"0 0 100 50\""));
	assert_non_null(strstr(b.buf, "<title>Funnel &lt;&amp;&gt;</title>\n"
	    "<desc>25 of 165</desc>"));
	assert_non_null(strstr(b.buf, "<rect x=\"1\" y=\"2\" width=\"0\" "
	    "height=\"4\" class=\"bar\"><title>a &quot;tip&quot;</title>"
	    "</rect>"));
	assert_non_null(strstr(b.buf, "text-anchor=\"end\" class=\"label\">"
	    "<title>abcdefgh</title>abc\xe2\x80\xa6</text>"));
	/* ticks at 10, 50, 90 labelled as whole percentages */
	assert_non_null(strstr(b.buf, "<line x1=\"50\" y1=\"0\" x2=\"50\" "
	    "y2=\"40\" class=\"grid\"/>"));
	assert_non_null(strstr(b.buf, ">50%</text>"));
	assert_non_null(strstr(b.buf, ">100%</text>"));
	assert_null(strstr(b.buf, "xmlns"));
	b.len = 0;
	jn_svg_begin(&b, 10, 10, "t", NULL, 1);
	assert_non_null(strstr(b.buf, "xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(b.buf, "<style>"));
	assert_null(strstr(b.buf, "<desc>"));
	free(b.buf);
}

static void
test_page(void **state)
{
	struct jn_strbuf b = { NULL, 0, 0 };

	(void)state;
	jn_html_begin(&b, "Night <1>");
	jn_html_end(&b, "jreport", NULL);
	assert_non_null(strstr(b.buf, "<title>Night &lt;1&gt;</title>"));
	assert_non_null(strstr(b.buf, "<h1>Night &lt;1&gt;</h1>"));
	assert_non_null(strstr(b.buf, "prefers-color-scheme:dark"));
	assert_non_null(strstr(b.buf, "@page{size:A4"));
	assert_non_null(strstr(b.buf, "@media print"));
	/* nothing fetched, nothing run, no clock */
	assert_null(strstr(b.buf, "<script"));
	assert_null(strstr(b.buf, "http:"));
	assert_null(strstr(b.buf, "https:"));
	assert_null(strstr(b.buf, "src="));
	assert_null(strstr(b.buf, "url("));
	assert_null(strstr(b.buf, "@import"));
	assert_non_null(strstr(b.buf, "content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'\""));
	assert_null(strstr(b.buf, "generated at"));
	b.len = 0;
	jn_html_end(&b, "jreport", "2026-12-06 02:15 UTC");
	assert_non_null(strstr(b.buf, "generated at 2026-12-06 02:15 UTC"));
	free(b.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticks),
		cmocka_unit_test(test_nice),
		cmocka_unit_test(test_scales),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
