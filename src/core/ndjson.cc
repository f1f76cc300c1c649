/*
 * NDJSON lines through simdjson's validating DOM parser: the one C++ file
 * of the project, behind the C interface of include/journey/ndjson.h.  One
 * parser is reused for every line, so no allocation happens per line once
 * its buffers have grown to the longest line.  No exception escapes: the
 * error-code API is used throughout.
 */
#include "journey/ndjson.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <simdjson.h>

static_assert(JN_NDJSON_PADDING >= simdjson::SIMDJSON_PADDING,
    "the reader must leave simdjson its padding");

struct jn_ndjson {
	simdjson::dom::parser parser;
	std::string text;	/* scratch for numbers and nested values */
};

extern "C" struct jn_ndjson *
jn_ndjson_new(void)
{
	jn_ndjson *p = new (std::nothrow) jn_ndjson;

	if (p == nullptr) {
		std::fputs("out of memory\n", stderr);
		std::exit(2);
	}
	return p;
}

extern "C" void
jn_ndjson_free(struct jn_ndjson *p)
{
	delete p;
}

/*
 * Decimal text that reads back as d, without an exponent where one is not
 * needed (a time 1700000000.0 must stay a plain number): the fewest
 * decimals that round-trip, else the shortest %g form.
 */
static void
format_double(std::string &out, double d)
{
	char buf[512];
	int prec;

	if (std::fabs(d) < 1e17) {
		for (prec = 0; prec <= 17; prec++) {
			std::snprintf(buf, sizeof buf, "%.*f", prec, d);
			if (std::strtod(buf, nullptr) == d) {
				out.assign(buf);
				return;
			}
		}
	}
	for (prec = 1; prec <= 17; prec++) {
		std::snprintf(buf, sizeof buf, "%.*g", prec, d);
		if (std::strtod(buf, nullptr) == d)
			break;
	}
	out.assign(buf);
}

static void
deliver(jn_ndjson *p, simdjson::dom::element v, int tag,
    jn_ndjson_val_fn val_fn, void *ctx)
{
	using simdjson::dom::element_type;
	std::string_view sv;

	switch (v.type()) {
	case element_type::STRING:
		sv = v.get_string().value_unsafe();
		val_fn(ctx, tag, sv.data(), sv.size());
		return;
	case element_type::INT64:
		p->text = std::to_string(v.get_int64().value_unsafe());
		break;
	case element_type::UINT64:
		p->text = std::to_string(v.get_uint64().value_unsafe());
		break;
	case element_type::DOUBLE:
		format_double(p->text, v.get_double().value_unsafe());
		break;
	case element_type::BOOL:
		p->text = v.get_bool().value_unsafe() ? "true" : "false";
		break;
	case element_type::NULL_VALUE:
		return;		/* null is absent */
	default:
		p->text = simdjson::minify(v);
		break;
	}
	val_fn(ctx, tag, p->text.data(), p->text.size());
}

extern "C" int
jn_ndjson_parse(struct jn_ndjson *p, const char *line, size_t len,
    jn_ndjson_key_fn key_fn, jn_ndjson_val_fn val_fn, void *ctx)
{
	simdjson::dom::element doc;
	simdjson::dom::object obj;

	/*
	 * A raw NUL byte is never valid JSON (in a string it must be
	 * escaped), but simdjson's scanner lets some through.
	 */
	if (std::memchr(line, '\0', len) != nullptr)
		return -1;
	/* the reader guarantees the padding: no copy of the line */
	if (p->parser.parse(line, len, false).get(doc) != simdjson::SUCCESS)
		return -1;
	if (doc.get_object().get(obj) != simdjson::SUCCESS)
		return -1;
	for (auto field : obj) {
		int tag = key_fn(ctx, field.key.data(), field.key.size());

		if (tag >= 0)
			deliver(p, field.value, tag, val_fn, ctx);
	}
	return 0;
}
