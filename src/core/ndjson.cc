/*
 * NDJSON lines through simdjson's validating DOM parser: the one C++ file
 * of the project, behind the C interface of include/journey/ndjson.h.  One
 * parser is reused for every line and the line is parsed in place (the
 * reader leaves the padding simdjson reads past the end), so nothing is
 * allocated per line or per field once the buffers have grown to the
 * longest line.  Only simdjson's error-code API is used and our own code
 * throws nothing: no C++ exception can cross into the C callers.
 */
#include "journey/ndjson.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

#include <jansson.h>
#include <simdjson.h>

extern "C" {
#include "journey/flatjson.h"
#include "journey/util.h"
}

static_assert(JN_NDJSON_PADDING >= simdjson::SIMDJSON_PADDING,
    "the reader must leave simdjson its padding");

/*
 * jansson's nesting limit: with the same limit both parsers refuse exactly
 * the same deep documents, so a line refused here for its depth gets
 * jansson's explanation (simdjson's default is 1024).
 */
static const size_t MAX_DEPTH = JSON_PARSER_MAX_DEPTH;

/*
 * With jn_ndjson_cache_keys: the last few keys seen at each position and
 * key_fn's answers.  Lines of one kind of event repeat their keys in one
 * order and a log interleaves a few kinds, so nearly every key is found
 * here by one inline comparison, without a call to key_fn.
 */
static const size_t KEYCACHE_N = 32, KEYCACHE_WAYS = 4, KEYCACHE_LEN = 31;

struct keycache {
	unsigned char len[KEYCACHE_WAYS];	/* 0: empty */
	unsigned char next;	/* the way to replace next */
	int tag[KEYCACHE_WAYS];
	char text[KEYCACHE_WAYS][KEYCACHE_LEN];
};

/* A dotted name to follow into nested values: jn_ndjson_add_path. */
struct path {
	char *name;
	size_t len;
	int tag;
};

struct jn_ndjson {
	simdjson::dom::parser parser;
	char *text;		/* arrays and objects as JSON text */
	size_t len, cap;
	keycache *kcache;	/* KEYCACHE_N of them, or NULL: not asked */
	jn_flat *flat;		/* the fast path */
	bool simdjson_only;	/* no fast path: jn_ndjson_simdjson_only */
	path *paths;
	size_t npaths, pathcap;
};

static void
out_of_memory(void)
{
	/* jn_xmalloc's policy; simdjson reports memory as MEMALLOC */
	std::fprintf(stderr, "%s: out of memory\n", jn_progname());
	std::exit(JN_EXIT_ERROR);
}

extern "C" struct jn_ndjson *
jn_ndjson_new(void)
{
	jn_ndjson *p = new (std::nothrow) jn_ndjson;

	if (p == nullptr)
		out_of_memory();
	/* the depth is kept when the parser later grows to a longer line */
	if (p->parser.allocate(4096, MAX_DEPTH) != simdjson::SUCCESS)
		out_of_memory();
#ifdef SIMDJSON_THREADS_ENABLED
	/*
	 * Our readers are the threads.  A stream's own stage-1 thread
	 * would only compete with them, and its parser, swapped into ours,
	 * brings simdjson's default depth: after a bad line a stream could
	 * start it and later lines would meet a nesting limit of 1024.
	 */
	p->parser.threaded = false;
#endif
	p->text = nullptr;
	p->len = p->cap = 0;
	p->kcache = nullptr;
	p->flat = jn_flat_new();
	p->simdjson_only = false;
	p->paths = nullptr;
	p->npaths = p->pathcap = 0;
	return p;
}

extern "C" void
jn_ndjson_free(struct jn_ndjson *p)
{
	if (p == nullptr)
		return;
	std::free(p->text);
	std::free(p->kcache);
	for (size_t i = 0; i < p->npaths; i++)
		std::free(p->paths[i].name);
	std::free(p->paths);
	jn_flat_free(p->flat);
	delete p;
}

/*
 * The shortest decimal that reads back as d.  Plain digits in the range
 * where times and amounts live (an epoch 1700000000.0 must stay
 * "1700000000", not "1.7e+09"); an exponent outside it, so that no double
 * ever looks like an integer too big for other JSON readers.  Returns the
 * length; buf holds 64 bytes.
 */
static size_t
format_double(char *buf, double d)
{
	double a = std::fabs(d);
	std::to_chars_result r;

	if (a == 0 || (a >= 1e-6 && a < 1e17))
		r = std::to_chars(buf, buf + 64, d, std::chars_format::fixed);
	else
		r = std::to_chars(buf, buf + 64, d,
		    std::chars_format::scientific);
	return static_cast<size_t>(r.ptr - buf);
}

static void
put(jn_ndjson *p, const char *s, size_t n)
{
	if (n == 0)
		return;
	p->text = static_cast<char *>(jn_xgrow(p->text, &p->cap, p->len + n,
	    1));
	std::memcpy(p->text + p->len, s, n);
	p->len += n;
}

/* s as a JSON string: quotes, backslashes and control bytes escaped. */
static void
put_string(jn_ndjson *p, std::string_view s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	put(p, "\"", 1);
	for (i = 0; i < s.size(); i++) {
		unsigned char c = static_cast<unsigned char>(s[i]);
		char esc[6];
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		esc[0] = '\\';
		put(p, s.data() + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
		case '\\':
			esc[1] = static_cast<char>(c);
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			std::memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
			break;
		}
		put(p, esc, n);
	}
	put(p, s.data() + run, s.size() - run);
	put(p, "\"", 1);
}

/*
 * Scalars as their text in buf (64 bytes); returns the length, or -1 for
 * null.  Arrays and objects are left to put_nested.
 */
static long
format_scalar(simdjson::dom::element v, char *buf)
{
	using simdjson::dom::element_type;
	std::to_chars_result r;

	switch (v.type()) {
	case element_type::INT64:
		r = std::to_chars(buf, buf + 64, v.get_int64().value_unsafe());
		return r.ptr - buf;
	case element_type::UINT64:
		r = std::to_chars(buf, buf + 64, v.get_uint64().value_unsafe());
		return r.ptr - buf;
	case element_type::DOUBLE:
		return static_cast<long>(format_double(buf,
		    v.get_double().value_unsafe()));
	case element_type::BOOL:
		if (v.get_bool().value_unsafe()) {
			std::memcpy(buf, "true", 4);
			return 4;
		}
		std::memcpy(buf, "false", 5);
		return 5;
	default:
		return -1;
	}
}

/*
 * Minified JSON text of v appended to p->text; numbers as format_scalar
 * writes them, so a value reads the same nested or not.  Recursion is
 * bounded by MAX_DEPTH.
 */
static void
put_value(jn_ndjson *p, simdjson::dom::element v)
{
	using simdjson::dom::element_type;
	simdjson::dom::array arr;
	simdjson::dom::object obj;
	char buf[64];
	long n;
	int first = 1;

	/* each value_unsafe() is copied out before its result dies */
	switch (v.type()) {
	case element_type::STRING:
		put_string(p, v.get_string().value_unsafe());
		return;
	case element_type::NULL_VALUE:
		put(p, "null", 4);
		return;
	case element_type::ARRAY:
		put(p, "[", 1);
		arr = v.get_array().value_unsafe();
		for (simdjson::dom::element e : arr) {
			if (!first)
				put(p, ",", 1);
			first = 0;
			put_value(p, e);
		}
		put(p, "]", 1);
		return;
	case element_type::OBJECT:
		put(p, "{", 1);
		obj = v.get_object().value_unsafe();
		for (simdjson::dom::key_value_pair f : obj) {
			if (!first)
				put(p, ",", 1);
			first = 0;
			put_string(p, f.key);
			put(p, ":", 1);
			put_value(p, f.value);
		}
		put(p, "}", 1);
		return;
	default:
		n = format_scalar(v, buf);
		put(p, buf, static_cast<size_t>(n));
		return;
	}
}

/*
 * Inlined: in deliver_object's loop over every line's fields, a call
 * would cost 3% of the instructions of a nested log.
 */
[[gnu::always_inline]] static inline void
deliver(jn_ndjson *p, simdjson::dom::element v, int tag,
    jn_ndjson_val_fn val_fn, void *ctx)
{
	using simdjson::dom::element_type;
	std::string_view sv;
	char buf[64];
	long n;

	switch (v.type()) {
	case element_type::STRING:
		sv = v.get_string().value_unsafe();
		val_fn(ctx, tag, sv.data(), sv.size());
		return;
	case element_type::ARRAY:
	case element_type::OBJECT:
		p->len = 0;
		put_value(p, v);
		val_fn(ctx, tag, p->text, p->len);
		return;
	default:
		/* null is absent: no call */
		if ((n = format_scalar(v, buf)) >= 0)
			val_fn(ctx, tag, buf, static_cast<size_t>(n));
		return;
	}
}

extern "C" void
jn_ndjson_cache_keys(struct jn_ndjson *p)
{
	if (p->kcache == nullptr)
		p->kcache = static_cast<keycache *>(jn_xcalloc(KEYCACHE_N,
		    sizeof *p->kcache));
}

/* key_fn's answer for the key at position pos, remembered if it can be. */
static int
cached_key(jn_ndjson *p, size_t pos, const char *key, size_t len,
    jn_ndjson_key_fn key_fn, void *ctx)
{
	keycache *c;
	size_t w;
	int tag;

	if (pos >= KEYCACHE_N || len == 0 || len > KEYCACHE_LEN)
		return key_fn(ctx, key, len);
	c = &p->kcache[pos];
	for (w = 0; w < KEYCACHE_WAYS; w++)
		if (c->len[w] == len && jn_same_bytes(c->text[w], key, len))
			return c->tag[w];
	tag = key_fn(ctx, key, len);
	w = c->next;
	c->next = static_cast<unsigned char>((w + 1) % KEYCACHE_WAYS);
	std::memcpy(c->text[w], key, len);
	c->len[w] = static_cast<unsigned char>(len);
	c->tag[w] = tag;
	return tag;
}

/* The tag for the key at position pos: cached, or key_fn's. */
static int
key_tag(jn_ndjson *p, size_t pos, const char *key, size_t len,
    jn_ndjson_key_fn key_fn, void *ctx)
{
	return p->kcache != nullptr ? cached_key(p, pos, key, len, key_fn,
	    ctx) : key_fn(ctx, key, len);
}

extern "C" void
jn_ndjson_add_path(struct jn_ndjson *p, const char *name, size_t len, int tag)
{
	path *t;

	if (std::memchr(name, '.', len) == nullptr)
		return;
	p->paths = static_cast<path *>(jn_xgrow(p->paths, &p->pathcap,
	    p->npaths + 1, sizeof *p->paths));
	t = &p->paths[p->npaths++];
	t->name = static_cast<char *>(jn_xmalloc(len + 1));
	std::memcpy(t->name, name, len);
	t->name[len] = '\0';
	t->len = len;
	t->tag = tag;
}

/*
 * part as an array index: digits without a leading zero (but for "0"
 * itself), below 2^31.  Returns false when it is not one.
 */
static bool
array_index(std::string_view part, size_t *idx)
{
	size_t i, n = 0;

	if (part.empty() || part.size() > 10 ||
	    (part[0] == '0' && part.size() > 1))
		return false;
	for (i = 0; i < part.size(); i++) {
		if (part[i] < '0' || part[i] > '9')
			return false;
		n = n * 10 + static_cast<size_t>(part[i] - '0');
	}
	if (n > 0x7fffffff)
		return false;
	*idx = n;
	return true;
}

/*
 * The value at rest in v, by the rule of jn_ndjson_add_path, into *out;
 * false when there is none.  At the top level (top) a key equal to the
 * whole rest is the object's own field, delivered as such: false.
 * Iterative: a path's depth is bounded by its dots, not by recursion.
 */
static bool
follow(simdjson::dom::element v, std::string_view rest, bool top,
    simdjson::dom::element *out)
{
	using simdjson::dom::element_type;

	for (;;) {
		size_t dot = rest.find('.');
		std::string_view part = rest.substr(0, dot);
		simdjson::dom::element next;
		simdjson::dom::object obj;
		simdjson::dom::array arr;
		size_t idx;

		if (v.type() == element_type::OBJECT) {
			bool whole = false, found = false;

			/* copied out before its result dies */
			obj = v.get_object().value_unsafe();
			/* the last of a repeated key, as at the top level */
			for (simdjson::dom::key_value_pair f : obj) {
				if (f.key == rest) {
					whole = true;
					*out = f.value;
				} else if (f.key == part) {
					found = true;
					next = f.value;
				}
			}
			if (whole)
				return !top;
			if (!found)
				return false;
		} else if (v.type() == element_type::ARRAY &&
		    array_index(part, &idx)) {
			arr = v.get_array().value_unsafe();
			if (arr.at(idx).get(next) != simdjson::SUCCESS)
				return false;
		} else {
			return false;
		}
		if (dot == std::string_view::npos) {
			*out = next;
			return true;
		}
		v = next;
		rest.remove_prefix(dot + 1);
		top = false;
	}
}

/* The values at the paths of doc, an object, to val_fn. */
[[gnu::noinline]] static void
deliver_paths(jn_ndjson *p, simdjson::dom::element doc,
    jn_ndjson_val_fn val_fn, void *ctx)
{
	size_t i;

	for (i = 0; i < p->npaths; i++) {
		simdjson::dom::element v;

		if (follow(doc, std::string_view(p->paths[i].name,
		    p->paths[i].len), true, &v))
			deliver(p, v, p->paths[i].tag, val_fn, ctx);
	}
}

/* The object's fields to the sinks, in document order, then its paths. */
static void
deliver_object(jn_ndjson *p, simdjson::dom::element doc,
    simdjson::dom::object obj, jn_ndjson_key_fn key_fn,
    jn_ndjson_val_fn val_fn, void *ctx)
{
	size_t pos = 0;

	for (simdjson::dom::key_value_pair field : obj) {
		int tag = key_tag(p, pos++, field.key.data(), field.key.size(),
		    key_fn, ctx);

		if (tag >= 0)
			deliver(p, field.value, tag, val_fn, ctx);
	}
	if (p->npaths != 0)
		deliver_paths(p, doc, val_fn, ctx);
}

extern "C" void
jn_ndjson_simdjson_only(struct jn_ndjson *p)
{
	p->simdjson_only = true;
}

/*
 * The line through the fast path (journey/flatjson.h): its fields to the
 * sinks, as deliver_object would give them, and true; or false, nothing
 * delivered, when the fast path declines the line.
 */
static bool
deliver_flat(jn_ndjson *p, const char *line, size_t len,
    jn_ndjson_key_fn key_fn, jn_ndjson_val_fn val_fn, void *ctx)
{
	const jn_flat_field *f;
	long n;
	size_t i;

	if (p->simdjson_only)
		return false;
	if ((n = jn_flat_scan(p->flat, line, len)) < 0)
		return false;
	f = jn_flat_fields(p->flat);
	for (i = 0; i < static_cast<size_t>(n); i++, f++) {
		int tag, *note;

		if (f->slot >= 0 && p->kcache != nullptr) {
			/* the key's tag kept with the scanner's slot */
			note = jn_flat_note(p->flat, f->slot);
			if (*note == JN_FLAT_NO_NOTE)
				*note = key_fn(ctx, line + f->key, f->keylen);
			tag = *note;
		} else {
			tag = key_tag(p, i, line + f->key, f->keylen, key_fn,
			    ctx);
		}
		/* null is absent: no call */
		if (tag >= 0 && f->kind != JN_FLAT_NULL)
			val_fn(ctx, tag, line + f->val, f->vallen);
	}
	return true;
}

/* jn_ndjson_parse without the fast path. */
static int
parse_simdjson(jn_ndjson *p, const char *line, size_t len,
    jn_ndjson_key_fn key_fn, jn_ndjson_val_fn val_fn, void *ctx)
{
	simdjson::dom::element doc;
	simdjson::dom::object obj;
	simdjson::error_code err;

	/*
	 * A raw NUL byte is never valid JSON (in a string it must be
	 * escaped), but simdjson ends a number or a literal at a NUL (its
	 * own padding is NULs), so one right after such a token would pass.
	 */
	if (std::memchr(line, '\0', len) != nullptr)
		return -1;
	/* the reader guarantees the padding: no copy of the line */
	err = p->parser.parse(line, len, false).get(doc);
	if (err == simdjson::MEMALLOC)
		out_of_memory();
	if (err != simdjson::SUCCESS ||
	    doc.get_object().get(obj) != simdjson::SUCCESS)
		return -1;
	deliver_object(p, doc, obj, key_fn, val_fn, ctx);
	return 0;
}

extern "C" int
jn_ndjson_parse(struct jn_ndjson *p, const char *line, size_t len,
    jn_ndjson_key_fn key_fn, jn_ndjson_val_fn val_fn, void *ctx)
{
	if (deliver_flat(p, line, len, key_fn, val_fn, ctx))
		return 0;
	return parse_simdjson(p, line, len, key_fn, val_fn, ctx);
}

/*
 * How many bytes of lines one simdjson stream covers.  Its structural
 * pass over many short lines at once costs half what one pass per line
 * costs; 64 KiB and the stream's index stay in a core's L2 cache.
 */
static const size_t STREAM_BYTES = 64 * 1024;

/*
 * How many lines in a row the fast path must decline before a stretch of
 * lines goes to simdjson's stream: a log of flat objects with the odd
 * nested value keeps the fast path, a log of nested objects gets the
 * stream.
 */
static const size_t DECLINED_RUN = 4;

static bool
only_space(const char *s, const char *e)
{
	for (; s < e; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	return true;
}

/*
 * lines[0..n) (n >= 2; lines[0] is line number first of the batch)
 * through one simdjson stream.  The stream splits documents by their
 * structure, not by lines, and one bad line can leave it misreading the
 * rest, so each document is delivered and handed to line_fn only while it
 * is exactly one line's object.  Up to the first that is not, every line
 * parsed as it would alone: each began outside any string, after only
 * whitespace (and the stream's UTF-8 and control-byte checks, over all n
 * lines, are stricter still).  Returns how many lines were handled; *rc
 * gets line_fn's first non-zero answer.
 */
static size_t
stream_lines(jn_ndjson *p, const struct jn_ndjson_line *lines, size_t first,
    size_t n, jn_ndjson_key_fn key_fn, jn_ndjson_val_fn val_fn,
    jn_ndjson_line_fn line_fn, void *ctx, int *rc)
{
	const char *begin = lines[0].p;
	size_t len = static_cast<size_t>(lines[n - 1].p + lines[n - 1].len -
	    begin), i = 0;
	simdjson::dom::document_stream stream;
	simdjson::error_code err;

	/* see jn_ndjson_parse */
	if (std::memchr(begin, '\0', len) != nullptr)
		return 0;
	err = p->parser.parse_many(reinterpret_cast<const uint8_t *>(begin),
	    len, len).get(stream);
	if (err == simdjson::MEMALLOC)
		out_of_memory();
	if (err != simdjson::SUCCESS)
		return 0;
	for (auto it = stream.begin(); it != stream.end() && i < n; ++it) {
		const char *ls = lines[i].p, *le = ls + lines[i].len;
		simdjson::dom::element doc;
		simdjson::dom::object obj;
		std::string_view src;

		err = (*it).get(doc);
		if (err == simdjson::MEMALLOC)
			out_of_memory();
		if (err != simdjson::SUCCESS ||
		    doc.get_object().get(obj) != simdjson::SUCCESS)
			break;
		src = it.source();
		if (src.data() < ls || src.data() + src.size() > le ||
		    !only_space(ls, src.data()) ||
		    !only_space(src.data() + src.size(), le))
			break;
		deliver_object(p, doc, obj, key_fn, val_fn, ctx);
		i++;
		if ((*rc = line_fn(ctx, first + i - 1, 0)) != 0)
			break;
	}
	return i;
}

extern "C" int
jn_ndjson_parse_lines(struct jn_ndjson *p, const struct jn_ndjson_line *lines,
    size_t n, jn_ndjson_key_fn key_fn, jn_ndjson_val_fn val_fn,
    jn_ndjson_line_fn line_fn, void *ctx)
{
	size_t i = 0, declined = 0;
	int rc = 0;

	while (i < n) {
		size_t end = i + 1, done;

		if (deliver_flat(p, lines[i].p, lines[i].len, key_fn, val_fn,
		    ctx)) {
			declined = 0;
			if ((rc = line_fn(ctx, i, 0)) != 0)
				return rc;
			i++;
			continue;
		}
		/* the odd line the fast path declines goes alone */
		if (++declined < DECLINED_RUN) {
			rc = line_fn(ctx, i, parse_simdjson(p, lines[i].p,
			    lines[i].len, key_fn, val_fn, ctx));
			if (rc != 0)
				return rc;
			i++;
			continue;
		}
		/* lines it does not take: a stretch of them to simdjson */
		declined = 0;
		while (end < n && static_cast<size_t>(lines[end].p +
		    lines[end].len - lines[i].p) <= STREAM_BYTES)
			end++;
		done = end - i >= 2 ? stream_lines(p, lines + i, i, end - i,
		    key_fn, val_fn, line_fn, ctx, &rc) : 0;
		if (rc != 0)
			return rc;
		/* the rest of this stretch one line at a time */
		for (i += done; i < end; i++) {
			int ok = parse_simdjson(p, lines[i].p, lines[i].len,
			    key_fn, val_fn, ctx);

			if ((rc = line_fn(ctx, i, ok)) != 0)
				return rc;
		}
	}
	return 0;
}

extern "C" const char *
jn_ndjson_reason(const char *line, size_t len)
{
	simdjson::dom::parser parser;
	simdjson::dom::element doc;
	simdjson::error_code err;

	if (std::memchr(line, '\0', len) != nullptr)
		return "raw NUL byte";
	if (parser.allocate(len, MAX_DEPTH) != simdjson::SUCCESS)
		out_of_memory();
	/* no padding promised here: simdjson copies the line */
	err = parser.parse(line, len, true).get(doc);
	if (err == simdjson::MEMALLOC)
		out_of_memory();
	if (err != simdjson::SUCCESS)
		return simdjson::error_message(err);
	if (!doc.is_object())
		return "not a JSON object";
	return nullptr;
}
