/*
 * The XES converter: expat's push parser over a file's bytes, one trace
 * kept at a time, each event written out as an NDJSON line for the
 * reader (which reads the lines as it reads any NDJSON).  The element
 * depths say what an attribute belongs to: a typed attribute right
 * inside a trace is a trace attribute, right inside an event an event
 * attribute; anything deeper, or anywhere else, is ignored.
 *
 * The file's bytes from the start of the open trace are kept (its last
 * MiB), so that a trace that turns out to be broken can go to --rejects;
 * after such an error the bytes are scanned for the next "<trace", where
 * a new parser takes over.
 */
#include "journey/xes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>

#include "journey/util.h"

/*
 * A bad trace goes to --rejects with at most its last RAW_MAX bytes
 * before the error; a trace whose events take more than MAX_TRACE bytes
 * (as JSON) is an error, as a record of 256 MiB is.  So memory stays
 * bounded even when a trace never ends.
 */
#define RAW_MAX ((size_t)1 << 20)
#define MAX_TRACE ((size_t)256 << 20)

/* A growable byte buffer; zero-initialized is empty. */
struct buf {
	char *p;
	size_t len, cap;
};

/* An event of the open trace: its members in evs, where it starts. */
struct event {
	uint64_t line;
	size_t off, len;
};

struct item {
	uint64_t line;
	char *reason;		/* bad only, owned */
	char *raw;		/* bad only, owned */
	size_t rawlen;
};

struct jn_xes {
	XML_Parser p;
	int depth;		/* of the element being parsed, 1 = root */
	int trace_depth;	/* 0: no trace open */
	int event_depth;	/* 0: no event open */
	uint64_t trace_line;
	uint64_t trace_start;	/* byte offset of the open trace */
	struct buf tattr;	/* the trace's members, as JSON */
	struct buf evs;		/* its events' members */
	struct event *events;
	size_t nevents, eventcap;
	size_t ev_off;		/* where the open event's members start */
	uint64_t ev_line;

	struct buf out;		/* lines converted, from outpos on unread */
	size_t outpos;
	struct item *items;
	size_t head, nitems, itemcap;
	struct item cur;	/* the item popped last (owns its strings) */

	/* bytes win[0..len) are the file's from offset winbase on */
	struct buf win;
	uint64_t winbase;

	/*
	 * After an XML error the bytes are scanned from scan on (its line
	 * scan_line) for the next "<trace" after err_at, where a new parser
	 * starts, fed "<log>" first: its lines and byte offsets are the
	 * file's less line_base and byte_base.
	 */
	int resync;
	uint64_t scan, scan_line, err_at;
	uint64_t line_base, byte_base;
	char *encoding;		/* the XML declaration's, for a new parser */
	int dead;		/* no new parser would start: nothing read on */
	uint64_t err_line;	/* of err, 0: none */
	int content;		/* a byte that is not blank was fed */
	int fatal;		/* not XES: jn_xes_feed fails */
	char err[256];
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (n == 0)
		return;
	b->p = jn_xgrow(b->p, &b->cap, b->len + n + 1, 1);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* s as the inside of a JSON string (UTF-8 kept as it is). */
static void
put_json(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4],
		    hex[c & 15] };

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(b, run, (size_t)(s - run));
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			put(b, esc, 2);
		} else {
			put(b, esc, 6);
		}
		run = s + 1;
	}
	put(b, run, (size_t)(s - run));
}

/* The element name without a namespace prefix. */
static const char *
local(const char *name)
{
	const char *c = strrchr(name, ':');

	return c != NULL ? c + 1 : name;
}

/* Whether name is one of XES's typed attributes (not list, container). */
static int
typed(const char *name)
{
	static const char *const types[] = { "string", "date", "int",
	    "float", "boolean", "id" };
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(name, types[i]) == 0)
			return 1;
	return 0;
}

/* Append the attribute atts holds to b as "prefix+key":"value". */
static void
member(struct buf *b, size_t from, const char *prefix, const XML_Char **atts)
{
	const char *key = NULL, *value = NULL;
	size_t i;

	for (i = 0; atts[i] != NULL && atts[i + 1] != NULL; i += 2)
		if (strcmp(atts[i], "key") == 0)
			key = atts[i + 1];
		else if (strcmp(atts[i], "value") == 0)
			value = atts[i + 1];
	if (key == NULL || value == NULL)
		return;
	if (b->len > from)
		puts_(b, ",");
	puts_(b, "\"");
	puts_(b, prefix);
	put_json(b, key);
	puts_(b, "\":\"");
	put_json(b, value);
	puts_(b, "\"");
}

static void
push_item(struct jn_xes *x, uint64_t line, char *reason, char *raw,
    size_t rawlen)
{
	struct item *it;

	if (x->head == x->nitems) {
		x->head = x->nitems = 0;
	} else if (x->head > 64 && x->head > x->nitems / 2) {
		memmove(x->items, x->items + x->head, (x->nitems - x->head) *
		    sizeof *x->items);
		x->nitems -= x->head;
		x->head = 0;
	}
	x->items = jn_xgrow(x->items, &x->itemcap, x->nitems + 1,
	    sizeof *x->items);
	it = &x->items[x->nitems++];
	it->line = line;
	it->reason = reason;
	it->raw = raw;
	it->rawlen = rawlen;
}

/* The open trace has ended: one line per event, trace members first. */
static void
flush_trace(struct jn_xes *x)
{
	size_t i;

	for (i = 0; i < x->nevents; i++) {
		const struct event *e = &x->events[i];

		puts_(&x->out, "{");
		put(&x->out, x->tattr.p, x->tattr.len);
		if (x->tattr.len > 0 && e->len > 0)
			puts_(&x->out, ",");
		if (e->len > 0)
			put(&x->out, x->evs.p + e->off, e->len);
		puts_(&x->out, "}\n");
		push_item(x, e->line, NULL, NULL, 0);
	}
	x->nevents = 0;
	x->tattr.len = 0;
	x->evs.len = 0;
}

/* Where expat is, in the file's lines and bytes. */
static uint64_t
cur_line(const struct jn_xes *x)
{
	return (uint64_t)XML_GetCurrentLineNumber(x->p) + x->line_base;
}

static uint64_t
cur_byte(const struct jn_xes *x)
{
	/* unsigned: byte_base may have wrapped below zero */
	return (uint64_t)XML_GetCurrentByteIndex(x->p) + x->byte_base;
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct jn_xes *x = ud;

	x->depth++;
	name = local(name);
	if (x->depth == 1) {
		if (strcmp(name, "log") != 0) {
			snprintf(x->err, sizeof x->err, "not an XES log: the "
			    "root element is '%.64s', not 'log'", name);
			x->fatal = 1;
			XML_StopParser(x->p, XML_FALSE);
		}
		return;
	}
	if (x->depth == 2 && strcmp(name, "trace") == 0) {
		x->trace_depth = x->depth;
		x->trace_line = cur_line(x);
		x->trace_start = cur_byte(x);
	} else if (x->event_depth == 0 && strcmp(name, "event") == 0 &&
	    x->depth == (x->trace_depth ? x->trace_depth + 1 : 2)) {
		/* an event outside any trace is one without trace fields */
		x->event_depth = x->depth;
		x->ev_line = cur_line(x);
		x->ev_off = x->evs.len;
	} else if (x->event_depth != 0 && x->depth == x->event_depth + 1) {
		if (typed(name))
			member(&x->evs, x->ev_off, "", atts);
	} else if (x->trace_depth != 0 && x->event_depth == 0 &&
	    x->depth == x->trace_depth + 1) {
		if (typed(name))
			member(&x->tattr, 0, "case:", atts);
	}
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct jn_xes *x = ud;

	(void)name;
	if (x->event_depth != 0 && x->depth == x->event_depth) {
		struct event *e;

		x->events = jn_xgrow(x->events, &x->eventcap, x->nevents + 1,
		    sizeof *x->events);
		e = &x->events[x->nevents++];
		e->line = x->ev_line;
		e->off = x->ev_off;
		e->len = x->evs.len - x->ev_off;
		x->event_depth = 0;
		if (x->trace_depth == 0)
			flush_trace(x);
		else if (x->evs.len + x->tattr.len > MAX_TRACE) {
			snprintf(x->err, sizeof x->err, "a trace of more than "
			    "%zu MiB of events (does it end?)", MAX_TRACE >> 20);
			x->err_line = x->trace_line;
			x->fatal = 1;
			XML_StopParser(x->p, XML_FALSE);
		}
	} else if (x->trace_depth != 0 && x->depth == x->trace_depth) {
		flush_trace(x);
		x->trace_depth = 0;
	}
	x->depth--;
}

static void XMLCALL
on_decl(void *ud, const XML_Char *version, const XML_Char *encoding,
    int standalone)
{
	struct jn_xes *x = ud;

	(void)version;
	(void)standalone;
	/*
	 * Only byte encodings are carried to a parser restarted after an
	 * error: one that is fed "<log>" in ASCII.
	 */
	if (encoding != NULL && x->encoding == NULL &&
	    (strcasecmp(encoding, "ISO-8859-1") == 0 ||
	    strcasecmp(encoding, "latin1") == 0 ||
	    strcasecmp(encoding, "US-ASCII") == 0))
		x->encoding = jn_xstrdup(encoding);
}

/* A parser for x (UTF-8 out, whatever the document's encoding). */
static void
new_parser(struct jn_xes *x)
{
	if ((x->p = XML_ParserCreate(x->encoding)) == NULL) {
		jn_error("out of memory");
		exit(JN_EXIT_ERROR);
	}
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetXmlDeclHandler(x->p, on_decl);
}

struct jn_xes *
jn_xes_new(void)
{
	struct jn_xes *x = jn_xcalloc(1, sizeof *x);

	new_parser(x);
	return x;
}

static void
item_release(struct item *it)
{
	free(it->reason);
	free(it->raw);
	it->reason = it->raw = NULL;
}

void
jn_xes_free(struct jn_xes *x)
{
	size_t i;

	if (x == NULL)
		return;
	XML_ParserFree(x->p);
	for (i = x->head; i < x->nitems; i++)
		item_release(&x->items[i]);
	item_release(&x->cur);
	free(x->encoding);
	free(x->items);
	free(x->tattr.p);
	free(x->evs.p);
	free(x->events);
	free(x->out.p);
	free(x->win.p);
	free(x);
}

static int
blank_byte(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
jn_xes_detect(int xes, const char *name, const char *p, size_t n)
{
	size_t len = name != NULL ? strlen(name) : 0;

	if (xes)
		return 1;
	if ((len > 4 && strcmp(name + len - 4, ".xes") == 0) ||
	    (len > 7 && strcmp(name + len - 7, ".xes.gz") == 0))
		return 1;
	while (n > 0 && blank_byte(*p)) {
		p++;
		n--;
	}
	return (n >= 5 && memcmp(p, "<?xml", 5) == 0) ||
	    (n >= 4 && memcmp(p, "<log", 4) == 0 && (n == 4 ||
	    blank_byte(p[4]) || p[4] == '>'));
}

/*
 * Keep only the bytes a bad trace would need, those from the open
 * trace's start on (none when no trace is open), or, after an error,
 * those not scanned yet.
 */
static void
trim_window(struct jn_xes *x)
{
	uint64_t end = x->winbase + x->win.len;
	uint64_t keep = x->resync ? x->scan : x->trace_depth == 0 ? end :
	    end - x->trace_start > RAW_MAX ? end - RAW_MAX : x->trace_start;
	size_t drop;

	if (keep <= x->winbase)
		return;
	drop = (size_t)(keep - x->winbase);
	if (drop > x->win.len)
		drop = x->win.len;
	memmove(x->win.p, x->win.p + drop, x->win.len - drop);
	x->win.len -= drop;
	x->winbase += drop;
}

/*
 * An XML error: the open trace (or the line the error is on) is one bad
 * item, and reading goes on at the next trace.  Its bytes for --rejects
 * stop 256 bytes after the error at most, and start at most 256 before
 * it outside a trace, so that errors one after another on one long line
 * keep each byte about once.
 */
static void
broken(struct jn_xes *x)
{
	uint64_t at = cur_byte(x);
	uint64_t line = cur_line(x);
	enum XML_Error code = XML_GetErrorCode(x->p);
	const char *msg = XML_ErrorString(code);
	size_t from, to, i;
	char reason[256];

	if (at < x->winbase)
		at = x->winbase;
	to = (size_t)(at - x->winbase);
	if (to > x->win.len)
		to = x->win.len;
	if (x->trace_depth != 0) {
		/* the trace's start, unless it was too long to keep */
		from = x->trace_start > x->winbase ?
		    (size_t)(x->trace_start - x->winbase) : 0;
		snprintf(reason, sizeof reason, "bad XML: %s (the trace from "
		    "line %llu skipped)", msg ? msg : "error",
		    (unsigned long long)x->trace_line);
	} else {
		from = to;
		while (from > 0 && x->win.p[from - 1] != '\n' &&
		    to - from < 256)
			from--;
		snprintf(reason, sizeof reason, "bad XML: %s (%s)", msg ? msg :
		    "error", code == XML_ERROR_NO_ELEMENTS || code ==
		    XML_ERROR_UNCLOSED_TOKEN || code == XML_ERROR_PARTIAL_CHAR ?
		    "the file ends inside the log" :
		    "skipped up to the next trace");
	}
	/* up to the end of the error's line */
	for (i = 0; to < x->win.len && x->win.p[to] != '\n' && i < 256; i++)
		to++;
	if (from > to)
		from = to;
	puts_(&x->out, "\n");
	push_item(x, line, jn_xstrdup(reason), jn_xstrndup(x->win.p + from,
	    to - from), to - from);
	x->nevents = 0;
	x->tattr.len = 0;
	x->evs.len = 0;
	x->resync = 1;
	x->err_at = at;
	x->scan = at;
	x->scan_line = line;
}

/*
 * After an error: look for the next "<trace" in the bytes not scanned
 * yet and start a new parser there.  Returns 1 with *p, *n the bytes to
 * parse from it on, 0 when there is none yet (the scan goes on with the
 * next bytes).
 */
static int
find_trace(struct jn_xes *x, int final, const char **p, size_t *n)
{
	uint64_t end = x->winbase + x->win.len, i;
	const char *c = NULL;

	for (i = x->scan; i < end; i++) {
		c = x->win.p + (i - x->winbase);
		if (*c == '<' && i > x->err_at) {
			if (end - i < 7 && !final)
				break;	/* too few bytes to tell yet */
			if (end - i >= 7 && memcmp(c, "<trace", 6) == 0 &&
			    (blank_byte(c[6]) || c[6] == '>' || c[6] == '/'))
				break;
		}
		x->scan_line += *c == '\n';
	}
	x->scan = i;
	if (i == end || end - i < 7)
		return 0;
	XML_ParserFree(x->p);
	new_parser(x);
	x->depth = x->trace_depth = x->event_depth = 0;
	x->resync = 0;
	x->line_base = x->scan_line - 1;
	x->byte_base = i - 5;
	if (XML_Parse(x->p, "<log>", 5, 0) != XML_STATUS_OK) {
		x->dead = 1;
		return 0;
	}
	*p = c;
	*n = (size_t)(end - i);
	return 1;
}

/*
 * Parse p[0..n).  Returns 0, -1 when the file is no XES log, 1 after an
 * XML error (a bad item made, x->resync set).
 */
static int
parse(struct jn_xes *x, const char *p, size_t n, int final)
{
	while (n > 0 || final) {
		/* expat takes an int length */
		int k = n > (1u << 30) ? 1 << 30 : (int)n;
		int last = final && (size_t)k == n;

		if (XML_Parse(x->p, p, k, last) != XML_STATUS_OK) {
			if (x->fatal)
				return -1;
			/* an empty file is a log of no events */
			if (!x->content && XML_GetErrorCode(x->p) ==
			    XML_ERROR_NO_ELEMENTS)
				return 0;
			broken(x);
			return 1;
		}
		p += k;
		n -= (size_t)k;
		if (last)
			break;
	}
	return 0;
}

int
jn_xes_feed(struct jn_xes *x, const char *p, size_t n, int final)
{
	size_t i;

	if (x->fatal)
		return -1;
	if (x->dead)
		return 0;
	if (x->outpos > 0) {
		memmove(x->out.p, x->out.p + x->outpos, x->out.len -
		    x->outpos);
		x->out.len -= x->outpos;
		x->outpos = 0;
	}
	trim_window(x);
	put(&x->win, p, n);
	for (i = 0; i < n && !x->content; i++)
		x->content = !blank_byte(p[i]);
	for (;;) {
		if (x->resync && !find_trace(x, final, &p, &n))
			return 0;
		switch (parse(x, p, n, final)) {
		case 0:
			return 0;
		case -1:
			return -1;
		default:
			/* an XML error, after which the scan starts */
			break;
		}
	}
}

const char *
jn_xes_error(const struct jn_xes *x, uint64_t *line)
{
	*line = x->err_line;
	return x->err;
}

size_t
jn_xes_read(struct jn_xes *x, char *dst, size_t n)
{
	size_t k = x->out.len - x->outpos;

	if (k > n)
		k = n;
	if (k > 0)
		memcpy(dst, x->out.p + x->outpos, k);
	x->outpos += k;
	return k;
}

int
jn_xes_pop(struct jn_xes *x, struct jn_xes_item *it)
{
	item_release(&x->cur);
	memset(it, 0, sizeof *it);
	if (x->head == x->nitems)
		return -1;
	x->cur = x->items[x->head++];
	it->line = x->cur.line;
	it->bad = x->cur.reason != NULL;
	it->reason = x->cur.reason;
	it->raw = x->cur.raw;
	it->rawlen = x->cur.rawlen;
	return 0;
}
