/*
 * String interning with open addressing over dense ids, strings kept in
 * arena chunks so that interning a million user ids costs a million small
 * copies in a few large allocations, not a million mallocs.
 */
#include "journey/intern.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "journey/util.h"

#define CHUNK_MIN (64 * 1024)

uint64_t
jn_hash(const char *s, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i = 0;

	/* 8 bytes at a time, then FNV-style mixing of the tail */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		h = (h ^ w) * UINT64_C(0x100000001b3);
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(0x100000001b3);
	h ^= h >> 32;
	h *= UINT64_C(0xd6e8feb86659fd93);
	h ^= h >> 32;
	return h;
}

void
jn_intern_init(struct jn_intern *t)
{
	memset(t, 0, sizeof *t);
}

void
jn_intern_release(struct jn_intern *t)
{
	size_t i;

	for (i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->slots);
	free(t->strs);
	free(t->lens);
	memset(t, 0, sizeof *t);
}

void
jn_intern_seal(struct jn_intern *t)
{
	free(t->slots);
	t->slots = NULL;
	t->nslots = 0;
	t->sealed = 1;
}

static char *
arena_copy(struct jn_intern *t, const char *s, size_t len)
{
	char *p;

	if (t->chunk == NULL || t->chunk_used + len + 1 > t->chunk_size) {
		size_t size = len + 1 > CHUNK_MIN ? len + 1 : CHUNK_MIN;

		if (t->chunk_size * 2 > size && t->chunk_size < (1u << 24))
			size = t->chunk_size * 2 > size ? t->chunk_size * 2 :
			    size;
		t->chunks = jn_xgrow(t->chunks, &t->chunks_cap,
		    t->nchunks + 1, sizeof *t->chunks);
		t->chunk = jn_xalloc_huge(size);
		t->chunks[t->nchunks++] = t->chunk;
		t->chunk_size = size;
		t->chunk_used = 0;
	}
	p = t->chunk + t->chunk_used;
	memcpy(p, s, len);
	p[len] = '\0';
	t->chunk_used += len + 1;
	return p;
}

/*
 * A slot: the hash's high 24 bits, the length (255: 255 or more) and
 * id + 1, so that a probe compares lengths without reading lens[], a
 * cache miss in a large table.
 */
#define TAG(h) ((h) & UINT64_C(0xffffff0000000000))
#define LENB(len) ((uint64_t)((len) < 255 ? (len) : 255) << 32)

static void
rehash(struct jn_intern *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 1024, i;
	struct jn_intern_slot *slots = jn_xalloc_huge(n * sizeof *slots);

	/*
	 * Not calloc: its fresh pages map the shared zero page on the
	 * first probe's read and fault again on the first write, which
	 * with threads flushes every core's TLB; memset writes them once.
	 */
	memset(slots, 0, n * sizeof *slots);

	/* hashes are not kept: recompute them, rarely */
	for (i = 0; i < t->count; i++) {
		uint64_t h = jn_hash(t->strs[i], t->lens[i]);
		size_t j = h & (n - 1);

		while (slots[j].meta != 0)
			j = (j + 1) & (n - 1);
		slots[j].meta = TAG(h) | LENB(t->lens[i]) | ((uint64_t)i + 1);
		slots[j].str = t->strs[i];
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
}

static size_t
probe(const struct jn_intern *t, const char *s, size_t len, uint64_t h,
    uint32_t *found)
{
	size_t j = h & (t->nslots - 1);
	uint64_t want = (TAG(h) | LENB(len)) >> 32;

	for (;;) {
		uint64_t v = t->slots[j].meta;
		uint32_t id;

		if (v == 0) {
			*found = UINT32_MAX;
			return j;
		}
		id = (uint32_t)v - 1;
		if (v >> 32 == want && (len < 255 || t->lens[id] == len) &&
		    jn_same_bytes(t->slots[j].str, s, len)) {
			*found = id;
			return j;
		}
		j = (j + 1) & (t->nslots - 1);
	}
}

void
jn_intern_prefetch_hash(const struct jn_intern *t, uint64_t h)
{
#if defined(__GNUC__) || defined(__clang__)
	if (t->nslots > 0)
		__builtin_prefetch(&t->slots[h & (t->nslots - 1)]);
#else
	(void)t;
	(void)h;
#endif
}

void
jn_intern_prefetch_str(const struct jn_intern *t, uint64_t h)
{
#if defined(__GNUC__) || defined(__clang__)
	const struct jn_intern_slot *sl;

	if (t->nslots == 0)
		return;
	sl = &t->slots[h & (t->nslots - 1)];
	if (sl->meta != 0)
		__builtin_prefetch(sl->str);
#else
	(void)t;
	(void)h;
#endif
}

void
jn_intern_prefetch(const struct jn_intern *t, const char *s, size_t len)
{
	if (t->nslots > 0)
		jn_intern_prefetch_hash(t, jn_hash(s, len));
}

uint32_t
jn_intern_find(const struct jn_intern *t, const char *s, size_t len)
{
	uint32_t found;

	assert(!t->sealed);
	if (t->nslots == 0)
		return UINT32_MAX;
	probe(t, s, len, jn_hash(s, len), &found);
	return found;
}

uint32_t
jn_intern_put(struct jn_intern *t, const char *s, size_t len)
{
	return jn_intern_put_hash(t, s, len, jn_hash(s, len));
}

uint32_t
jn_intern_put_hash(struct jn_intern *t, const char *s, size_t len,
    uint64_t h)
{
	uint32_t found;
	size_t j;

	assert(!t->sealed);
	if ((t->count + 1) * 2 > t->nslots)
		rehash(t);
	j = probe(t, s, len, h, &found);
	if (found != UINT32_MAX)
		return found;
	if (t->count >= UINT32_MAX - 1 || len > UINT32_MAX) {
		/* like running out of memory: nothing sensible to go on with */
		jn_error("too many distinct strings");
		exit(JN_EXIT_ERROR);
	}
	if (t->count == t->cap) {
		size_t cap = t->cap;

		t->strs = jn_xgrow(t->strs, &cap, t->count + 1,
		    sizeof *t->strs);
		cap = t->cap;
		t->lens = jn_xgrow(t->lens, &cap, t->count + 1,
		    sizeof *t->lens);
		t->cap = cap;
	}
	t->strs[t->count] = arena_copy(t, s, len);
	t->lens[t->count] = (uint32_t)len;
	t->slots[j].meta = TAG(h) | LENB(len) | ((uint64_t)t->count + 1);
	t->slots[j].str = t->strs[t->count];
	return (uint32_t)t->count++;
}

const char *
jn_intern_str(const struct jn_intern *t, uint32_t id, size_t *len)
{
	if (len)
		*len = t->lens[id];
	return t->strs[id];
}

size_t
jn_intern_count(const struct jn_intern *t)
{
	return t->count;
}

static const struct jn_intern *sort_table;

static int
cmp_ids(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	size_t lx = sort_table->lens[x], ly = sort_table->lens[y];
	int c = memcmp(sort_table->strs[x], sort_table->strs[y],
	    lx < ly ? lx : ly);

	if (c != 0)
		return c;
	return lx < ly ? -1 : lx > ly;
}

uint32_t *
jn_intern_ranks(const struct jn_intern *t)
{
	uint32_t *ids = jn_xmalloc((t->count + 1) * sizeof *ids);
	uint32_t *ranks = jn_xmalloc((t->count + 1) * sizeof *ranks);
	size_t i;

	for (i = 0; i < t->count; i++)
		ids[i] = (uint32_t)i;
	/* qsort has no context argument in C11; ranks are built rarely */
	sort_table = t;
	qsort(ids, t->count, sizeof *ids, cmp_ids);
	sort_table = NULL;
	for (i = 0; i < t->count; i++)
		ranks[ids[i]] = (uint32_t)i;
	free(ids);
	return ranks;
}

uint32_t *
jn_intern_merge(struct jn_intern *to, const struct jn_intern *from)
{
	size_t n = jn_intern_count(from), id;
	uint32_t *map = jn_xmalloc((n + 1) * sizeof *map);

	for (id = 0; id < n; id++)
		map[id] = jn_intern_put(to, from->strs[id], from->lens[id]);
	return map;
}

void
jn_idmap_init(struct jn_idmap *m, int n)
{
	m->of = jn_xcalloc((size_t)n + 1, sizeof *m->of);
	m->n = n;
}

void
jn_idmap_merge(struct jn_idmap *m, int k, struct jn_intern *to,
    const struct jn_intern *from)
{
	assert(k >= 0 && k < m->n && m->of[k] == NULL);
	m->of[k] = jn_intern_merge(to, from);
}

void
jn_idmap_release(struct jn_idmap *m)
{
	int k;

	for (k = 0; k < m->n; k++)
		free(m->of[k]);
	free(m->of);
	m->of = NULL;
	m->n = 0;
}
