/*
 * Mergeable states as NDJSON through jansson: a header line, then one
 * compact object per record.  Exact sums travel as their canonical
 * digits ([[index, digit], ...] for the digits that are not zero), so a
 * merged sum is the exact sum of the shards' sums.
 */
#include "journey/state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "journey/counts.h"
#include "journey/input.h"
#include "journey/util.h"

#define STATE_VERSION 2

struct jn_state_rec {
	json_t *obj;
};

struct jn_state_in {
	char *const *files;
	int nfiles, next;
	const char *tool, *config;
	FILE *fp;
	const char *name;
	uint64_t line;
	char *buf;
	size_t cap;
	struct jn_state_rec rec;
	struct jn_counts users;	/* the users of the states read so far */
};

/* Users per record of jn_state_write_users: lines of about 2 MB. */
#define USERS_PER_RECORD 100000

static void
set(struct jn_state_rec *r, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(r->obj, key, v) != 0) {
		jn_error("out of memory");
		exit(JN_EXIT_ERROR);
	}
}

static json_t *
ints(const int64_t *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

static int
write_line(FILE *out, json_t *v)
{
	int rc = json_dumpf(v, out, JSON_COMPACT | JSON_ENSURE_ASCII |
	    JSON_PRESERVE_ORDER);

	if (rc != 0 || putc('\n', out) == EOF)
		return jn_error("write error: %s", strerror(errno));
	return 0;
}

int
jn_state_begin(FILE *out, const char *tool, const char *config)
{
	json_t *h = json_pack("{s:s, s:i, s:s}", "journey_state", tool,
	    "version", STATE_VERSION, "config", config);
	int rc;

	if (h == NULL)
		return jn_error("out of memory");
	rc = write_line(out, h);
	json_decref(h);
	return rc;
}

struct jn_state_rec *
jn_state_rec_new(void)
{
	struct jn_state_rec *r = jn_xmalloc(sizeof *r);

	r->obj = json_object();
	if (r->obj == NULL) {
		jn_error("out of memory");
		exit(JN_EXIT_ERROR);
	}
	return r;
}

void
jn_state_rec_free(struct jn_state_rec *r)
{
	if (r == NULL)
		return;
	json_decref(r->obj);
	free(r);
}

void
jn_state_set_str(struct jn_state_rec *r, const char *key, const char *s,
    size_t len)
{
	set(r, key, s == NULL ? json_null() : json_stringn_nocheck(s, len));
}

void
jn_state_set_ints(struct jn_state_rec *r, const char *key, const int64_t *v,
    size_t n)
{
	set(r, key, ints(v, n));
}

void
jn_state_set_int_arrays(struct jn_state_rec *r, const char *key,
    int64_t *const *v, const size_t *n, size_t count)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < count; i++)
		json_array_append_new(a, ints(v[i], n[i]));
	set(r, key, a);
}

void
jn_state_set_xsums(struct jn_state_rec *r, const char *key,
    const struct jn_xsum *s, size_t n)
{
	json_t *a = json_array();
	size_t i;
	int d;

	for (i = 0; a != NULL && i < n; i++) {
		struct jn_xsum c = s[i];
		json_t *digits = json_array();

		jn_xsum_normalize(&c);
		for (d = 0; digits != NULL && d < JN_XSUM_DIGITS; d++)
			if (c.d[d] != 0)
				json_array_append_new(digits, json_pack("[i,I]",
				    d, (json_int_t)c.d[d]));
		json_array_append_new(a, digits);
	}
	set(r, key, a);
}

int
jn_state_write(FILE *out, struct jn_state_rec *r)
{
	int rc = write_line(out, r->obj);

	json_object_clear(r->obj);
	return rc;
}

void
jn_state_config_item(struct jn_strbuf *b, const char *name, const char *v)
{
	if (v == NULL)
		jn_strbuf_printf(b, "%s=-;", name);
	else
		jn_strbuf_printf(b, "%s=%zu:%s;", name, strlen(v), v);
}

void
jn_state_config_common(struct jn_strbuf *b, const struct jn_common *c)
{
	size_t i;

	jn_state_config_item(b, "user", c->user_field);
	jn_state_config_item(b, "time", c->time_field);
	jn_state_config_item(b, "event", c->event_field);
	jn_state_config_item(b, "session", c->session_field);
	/* the count first: an extra --where is named as such */
	jn_strbuf_printf(b, "wheres=%zu;", c->nwhere);
	for (i = 0; i < c->nwhere; i++)
		jn_state_config_item(b, "where", c->where[i]);
	jn_strbuf_printf(b, "session-gap=%lld;since=%d:%lld;until=%d:%lld;",
	    (long long)c->session_gap, c->has_since, (long long)c->since,
	    c->has_until, (long long)c->until);
	/* survey fields by name only: without, old states stay mergeable */
	if (c->scores && c->score_field[JN_NPS] != NULL)
		jn_state_config_item(b, "nps", c->score_field[JN_NPS]);
	if (c->scores && c->score_field[JN_CSAT] != NULL)
		jn_state_config_item(b, "csat", c->score_field[JN_CSAT]);
	if (c->scores && c->score_field[JN_CES] != NULL)
		jn_state_config_item(b, "ces", c->score_field[JN_CES]);
}

int
jn_state_write_users(FILE *out, const uint64_t *h, size_t n)
{
	int64_t *v = jn_xmalloc((USERS_PER_RECORD + 1) * sizeof *v);
	struct jn_state_rec *r = jn_state_rec_new();
	size_t i = 0, k;
	int rc = 0;

	while (i < n && rc == 0) {
		size_t m = n - i < USERS_PER_RECORD ? n - i : USERS_PER_RECORD;

		for (k = 0; k < m; k++)
			v[k] = (int64_t)h[i + k];
		jn_state_set_ints(r, "journey_users", v, m);
		rc = jn_state_write(out, r);
		i += m;
	}
	jn_state_rec_free(r);
	free(v);
	return rc;
}

/* ---- reading ---- */

static int
open_next(struct jn_state_in *in)
{
	const char *path;

	if (in->fp != NULL && in->fp != stdin)
		fclose(in->fp);
	in->fp = NULL;
	if (in->next >= in->nfiles)
		return 0;
	path = in->files[in->next++];
	in->line = 0;
	if (strcmp(path, "-") == 0) {
		in->fp = stdin;
		in->name = "<stdin>";
	} else if ((in->fp = fopen(path, "r")) == NULL) {
		return jn_error("cannot open '%s': %s", path, strerror(errno));
	} else {
		in->name = path;
	}
	return 1;
}

/* The next line of the current file as JSON, or NULL at its end. */
static json_t *
next_json(struct jn_state_in *in, int *err)
{
	json_error_t e;
	json_t *v;
	ssize_t n;

	*err = 0;
	do {
		errno = 0;
		n = getline(&in->buf, &in->cap, in->fp);
		if (n < 0) {
			if (ferror(in->fp))
				*err = jn_error("%s: read error: %s", in->name,
				    strerror(errno));
			return NULL;
		}
		in->line++;
	} while (n <= 1 && (n == 0 || in->buf[0] == '\n'));
	v = json_loadb(in->buf, (size_t)n, JSON_DISABLE_EOF_CHECK, &e);
	if (v == NULL || !json_is_object(v)) {
		*err = jn_error("%s:%llu: bad state record%s%s", in->name,
		    (unsigned long long)in->line, v ? "" : ": ",
		    v ? "" : e.text);
		json_decref(v);
		return NULL;
	}
	return v;
}

/*
 * The ';'-separated item in which configurations a and b first differ:
 * where it starts in each (*sa, *sb) and how long it is (*la, *lb).
 * When one has an item more, that item is named, the other side's is
 * empty.
 */
static void
first_difference(const char *a, const char *b, size_t *sa, size_t *la,
    size_t *sb, size_t *lb)
{
	size_t i = 0, start = 0;

	while (a[i] != '\0' && a[i] == b[i]) {
		if (a[i] == ';')
			start = i + 1;
		i++;
	}
	*sa = *sb = start;
	if (a[i] == ';' && b[i] == '\0') {
		*sa = i + 1;
		*sb = i;
	} else if (a[i] == '\0' && b[i] == ';') {
		*sa = i;
		*sb = i + 1;
	}
	*la = strcspn(a + *sa, ";");
	*lb = strcspn(b + *sb, ";");
}

/* Check a header line h (consumed).  Returns 0 or -1 (reported). */
static int
check_header_line(struct jn_state_in *in, json_t *h)
{
	const char *tool = NULL, *config = NULL;
	json_int_t version = 0;

	if (json_unpack(h, "{s:s, s:I, s:s}", "journey_state", &tool,
	    "version", &version, "config", &config) != 0 ||
	    strcmp(tool, in->tool) != 0) {
		json_decref(h);
		return jn_error("%s:%llu: not a %s state (from %s --partial)",
		    in->name, (unsigned long long)in->line, in->tool, in->tool);
	}
	if (version != STATE_VERSION) {
		json_decref(h);
		return jn_error("%s:%llu: state format %lld, expected %d",
		    in->name, (unsigned long long)in->line, (long long)version,
		    STATE_VERSION);
	}
	if (strcmp(config, in->config) != 0) {
		size_t sa, a, sb, b;

		/* name the first item that differs, not the whole strings */
		first_difference(config, in->config, &sa, &a, &sb, &b);
		jn_error("%s:%llu: the state of other options ('%.*s' where "
		    "this run has '%.*s'): merge states of one command",
		    in->name, (unsigned long long)in->line, (int)a,
		    config + sa, (int)b, in->config + sb);
		json_decref(h);
		return -1;
	}
	json_decref(h);
	return 0;
}

/* Read and check a file's header line.  Returns 0 or -1 (reported). */
static int
check_header(struct jn_state_in *in)
{
	int err;
	json_t *h = next_json(in, &err);

	if (h == NULL)
		return err ? -1 : jn_error("%s: empty, not a %s state (from "
		    "%s --partial)", in->name, in->tool, in->tool);
	return check_header_line(in, h);
}

/* Add user hash h; 0 when it was there already. */
static int
user_add(struct jn_state_in *in, uint64_t h)
{
	size_t before = in->users.ntable;

	h -= h == UINT64_MAX;	/* the table's empty key */
	jn_counts_add(&in->users, h, 1);
	return in->users.ntable > before;
}

/* A record of a state's users: none may have been in another state. */
static int
check_users(struct jn_state_in *in, json_t *users)
{
	size_t i, n = json_array_size(users);

	for (i = 0; i < n; i++) {
		json_t *x = json_array_get(users, i);

		if (!json_is_integer(x))
			return jn_error("%s:%llu: bad state record: users",
			    in->name, (unsigned long long)in->line);
		if (!user_add(in, (uint64_t)json_integer_value(x)))
			return jn_error("%s:%llu: a user of this state is in "
			    "an earlier one too: a shard read twice, or shards "
			    "that overlap; merge the states of disjoint shards "
			    "(jshard)", in->name,
			    (unsigned long long)in->line);
	}
	return 0;
}

static void
state_close(struct jn_state_in *in)
{
	if (in->fp != NULL && in->fp != stdin)
		fclose(in->fp);
	json_decref(in->rec.obj);
	free(in->buf);
	jn_counts_release(&in->users);
	free(in);
}

/* The reading of files[0..nfiles), or NULL after reporting. */
static struct jn_state_in *
state_open(char *const *files, int nfiles, const char *tool,
    const char *config)
{
	static char *const stdin_only[] = { "-" };
	struct jn_state_in *in = jn_xcalloc(1, sizeof *in);

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	in->files = files;
	in->nfiles = nfiles;
	in->tool = tool;
	in->config = config;
	if (open_next(in) != 1 || check_header(in) != 0) {
		state_close(in);
		return NULL;
	}
	return in;
}

/*
 * The next record, or NULL at the end (*err 0) or after an error (*err
 * -1, reported).  Valid until the next call.
 */
static struct jn_state_rec *
state_next(struct jn_state_in *in, int *err)
{
	json_t *v;

	json_decref(in->rec.obj);
	in->rec.obj = NULL;
	for (;;) {
		if ((v = next_json(in, err)) != NULL) {
			/* states concatenated (cat, a reducer's output) */
			if (json_object_get(v, "journey_state") != NULL) {
				if ((*err = check_header_line(in, v)) != 0)
					return NULL;
				continue;
			}
			if (json_object_get(v, "journey_users") != NULL) {
				*err = check_users(in, json_object_get(v,
				    "journey_users"));
				json_decref(v);
				if (*err != 0)
					return NULL;
				continue;
			}
			in->rec.obj = v;
			return &in->rec;
		}
		if (*err)
			return NULL;
		/* end of this file: the next one starts with its header */
		if ((*err = open_next(in)) != 1)
			return NULL;
		if ((*err = check_header(in)) != 0)
			return NULL;
	}
}

int
jn_state_read(char *const *files, int nfiles, const char *tool,
    const char *config, jn_state_record_fn fn, void *ctx)
{
	struct jn_state_in *in = state_open(files, nfiles, tool, config);
	struct jn_state_rec *r;
	int err = 0;

	if (in == NULL)
		return -1;
	while ((r = state_next(in, &err)) != NULL)
		if ((err = fn(ctx, in, r)) != 0)
			break;
	state_close(in);
	return err ? -1 : 0;
}

int
jn_state_error(const struct jn_state_in *in, const char *fmt, ...)
{
	struct jn_strbuf msg = { NULL, 0, 0 };
	va_list ap;

	va_start(ap, fmt);
	jn_strbuf_vprintf(&msg, fmt, ap);
	va_end(ap);
	jn_error("%s:%llu: %s", in->name, (unsigned long long)in->line,
	    msg.buf ? msg.buf : "");
	free(msg.buf);
	return -1;
}

static int
bad_field(const struct jn_state_in *in, const char *key, const char *what)
{
	return jn_error("%s:%llu: field '%s': %s", in->name,
	    (unsigned long long)in->line, key, what);
}

int
jn_state_get_str(struct jn_state_in *in, const struct jn_state_rec *r,
    const char *key, const char **s, size_t *len)
{
	json_t *v = json_object_get(r->obj, key);

	if (json_is_null(v)) {
		*s = NULL;
		*len = 0;
		return 0;
	}
	if (!json_is_string(v))
		return bad_field(in, key, v ? "not a string" : "missing");
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

static int
to_ints(struct jn_state_in *in, const char *key, json_t *a, int64_t **v,
    size_t *n)
{
	size_t i;

	if (!json_is_array(a))
		return bad_field(in, key, a ? "not an array" : "missing");
	*n = json_array_size(a);
	*v = jn_xmalloc((*n + 1) * sizeof **v);
	for (i = 0; i < *n; i++) {
		json_t *e = json_array_get(a, i);

		if (!json_is_integer(e)) {
			free(*v);
			*v = NULL;
			return bad_field(in, key, "not an integer");
		}
		(*v)[i] = (int64_t)json_integer_value(e);
	}
	return 0;
}

int
jn_state_get_ints(struct jn_state_in *in, const struct jn_state_rec *r,
    const char *key, int64_t **v, size_t *n)
{
	return to_ints(in, key, json_object_get(r->obj, key), v, n);
}

int
jn_state_get_int_array(struct jn_state_in *in, const struct jn_state_rec *r,
    const char *key, size_t i, int64_t **v, size_t *n)
{
	json_t *a = json_object_get(r->obj, key);

	if (!json_is_array(a) || i >= json_array_size(a))
		return bad_field(in, key, "too few arrays");
	return to_ints(in, key, json_array_get(a, i), v, n);
}

int
jn_state_add_xsums(struct jn_state_in *in, const struct jn_state_rec *r,
    const char *key, struct jn_xsum *sums, size_t n)
{
	json_t *a = json_object_get(r->obj, key);
	size_t i, j;

	if (!json_is_array(a) || json_array_size(a) != n)
		return bad_field(in, key, "not an array of sums");
	for (i = 0; i < n; i++) {
		json_t *digits = json_array_get(a, i);
		struct jn_xsum s;

		if (!json_is_array(digits))
			return bad_field(in, key, "not a sum");
		jn_xsum_init(&s);
		for (j = 0; j < json_array_size(digits); j++) {
			json_int_t d, v;

			/* canonical digits only, so no word can overflow */
			if (json_unpack(json_array_get(digits, j), "[I,I]",
			    &d, &v) != 0 || d < 0 || d >= JN_XSUM_DIGITS ||
			    (d < JN_XSUM_DIGITS - 1 && (v < 0 ||
			    v > INT64_C(0xffffffff))) ||
			    (d == JN_XSUM_DIGITS - 1 && (v < -(INT64_C(1) <<
			    40) || v > (INT64_C(1) << 40))))
				return bad_field(in, key, "not a sum");
			s.d[d] = v;
		}
		jn_xsum_merge(&sums[i], &s);
	}
	return 0;
}
