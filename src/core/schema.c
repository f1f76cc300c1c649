/*
 * The schema: which fields a tool reads, by slot.  Readers resolve slots to
 * CSV columns or NDJSON keys; tools and predicates read values by slot.
 */
#include "journey/record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journey/util.h"

void
jn_schema_init(struct jn_schema *s)
{
	memset(s, 0, sizeof *s);
}

void
jn_schema_release(struct jn_schema *s)
{
	size_t i, j;

	for (i = 0; i < s->nslots; i++)
		for (j = 0; j < s->slots[i].nnames; j++)
			free((char *)s->slots[i].names[j]);
	s->nslots = 0;
}

int
jn_schema_candidates(struct jn_schema *s, const char *const *names, size_t n)
{
	struct jn_slot *slot;
	size_t i;

	if (s->nslots == JN_MAX_SLOTS)
		return jn_error("too many fields (at most %d)", JN_MAX_SLOTS);
	if (n > JN_MAX_CANDIDATES)
		n = JN_MAX_CANDIDATES;
	slot = &s->slots[s->nslots];
	for (i = 0; i < n; i++)
		slot->names[i] = jn_xstrdup(names[i]);
	slot->nnames = n;
	slot->loose = 0;
	return (int)s->nslots++;
}

int
jn_schema_defaults(struct jn_schema *s, const char *const *names, size_t n)
{
	int slot = jn_schema_candidates(s, names, n);

	if (slot >= 0)
		s->slots[slot].loose = 1;
	return slot;
}

size_t
jn_field_fold(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (c < 0x80 && !(c >= 'a' && c <= 'z') &&
		    !(c >= '0' && c <= '9'))
			continue;
		if (o == cap)
			return SIZE_MAX;
		out[o++] = (char)c;
	}
	return o;
}

int
jn_schema_field(struct jn_schema *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].nnames == 1 && !s->slots[i].loose &&
		    strcmp(s->slots[i].names[0], name) == 0)
			return (int)i;
	return jn_schema_candidates(s, &name, 1);
}
