/*
 * Provenance of tables (--meta): one JSON object before the table, a
 * comment line in CSV and TSV.  jansson writes and reads it.
 */
#include "journey/meta.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "journey/util.h"

int
jn_meta_write(FILE *out, enum jn_format fmt, const char *tool,
    const char *definition, uint64_t records, uint64_t rejected,
    uint64_t used, uint64_t states)
{
	json_t *input, *meta;
	char *text;
	int rc;

	if (fmt != JN_FMT_CSV && fmt != JN_FMT_TSV && fmt != JN_FMT_NDJSON)
		return 0;
	input = states > 0 ?
	    json_pack("{s:I}", "states", (json_int_t)states) :
	    json_pack("{s:I, s:I, s:I}", "records", (json_int_t)records,
	    "rejected", (json_int_t)rejected, "used", (json_int_t)used);
	meta = json_pack("{s:s, s:s, s:s, s:o}", "tool", tool, "version",
	    JN_VERSION, "definition", definition, "input", input);
	if (fmt == JN_FMT_NDJSON)
		meta = json_pack("{s:o}", "journey_meta", meta);
	if (meta == NULL || (text = json_dumps(meta, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(meta);
		return jn_error("out of memory");
	}
	rc = fprintf(out, "%s%s\n", fmt == JN_FMT_NDJSON ? "" :
	    JN_META_PREFIX, text) < 0 ? -1 : 0;
	free(text);
	json_decref(meta);
	return rc;
}

static char *
member(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? jn_xstrdup(json_string_value(v)) : NULL;
}

int
jn_meta_parse(const char *json, size_t len, struct jn_meta *m)
{
	json_t *o = json_loadb(json, len, 0, NULL);

	memset(m, 0, sizeof *m);
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	m->tool = member(o, "tool");
	m->version = member(o, "version");
	m->definition = member(o, "definition");
	json_decref(o);
	if (m->tool == NULL || m->definition == NULL) {
		jn_meta_release(m);
		return -1;
	}
	return 0;
}

void
jn_meta_release(struct jn_meta *m)
{
	free(m->tool);
	free(m->version);
	free(m->definition);
	memset(m, 0, sizeof *m);
}

/* The period's items (since=...; until=...;) are skipped. */
static int
period(const char *item)
{
	return strncmp(item, "since=", 6) == 0 ||
	    strncmp(item, "until=", 6) == 0;
}

/*
 * The items of a definition are NAME=-; NAME=NUMBER...; or
 * NAME=LEN:VALUE; (the value may hold ';'): the length of the one at s.
 */
static size_t
item_len(const char *s)
{
	const char *eq = strchr(s, '=');
	char *end;
	unsigned long long n;

	if (eq != NULL && eq[1] >= '0' && eq[1] <= '9') {
		n = strtoull(eq + 1, &end, 10);
		if (*end == ':' && n <= strlen(end + 1) && end[1 + n] == ';')
			return (size_t)(end + 1 + n - s) + 1;
	}
	return strcspn(s, ";") + (s[strcspn(s, ";")] == ';');
}

/* Past the period's items at *s. */
static const char *
skip_period(const char *s)
{
	while (*s != '\0' && period(s))
		s += item_len(s);
	return s;
}

int
jn_meta_differ(const struct jn_meta *a, const struct jn_meta *b,
    const char **ia, size_t *la, const char **ib, size_t *lb)
{
	const char *p = a->definition, *q = b->definition;

	if (strcmp(a->tool, b->tool) != 0) {
		*ia = a->tool;
		*ib = b->tool;
		*la = strlen(a->tool);
		*lb = strlen(b->tool);
		return 1;
	}
	for (;;) {
		size_t n, m;

		p = skip_period(p);
		q = skip_period(q);
		if (*p == '\0' && *q == '\0')
			return 0;
		n = item_len(p);
		m = item_len(q);
		if (n != m || memcmp(p, q, n) != 0) {
			*ia = p;
			*ib = q;
			/* the item without its ';' */
			*la = n - (n > 0 && p[n - 1] == ';');
			*lb = m - (m > 0 && q[m - 1] == ';');
			return 1;
		}
		p += n;
		q += m;
	}
}
