/*
 * String interning: maps byte strings to dense ids 0, 1, 2, ... and keeps
 * one copy of each in an arena.  Tools use it for user ids, session ids and
 * breakdown values so that per-event records hold 32-bit ids, not strings.
 * Ids depend on insertion order, so output code must never order by id.
 */
#ifndef JOURNEY_INTERN_H
#define JOURNEY_INTERN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct jn_intern {
	/*
	 * Open addressing; a slot holds the hash's high 24 bits, the
	 * length (255 for 255 or more) and id + 1 (0 = empty), so that a
	 * probe rarely touches a string that is not the one looked for,
	 * nor lens[] (a cache miss more in a large table), and the
	 * string itself, so that a lookup reads the slot and the string
	 * (two misses a prefetch can cover), not strs[] between them.
	 */
	struct jn_intern_slot {
		uint64_t meta;
		const char *str;
	} *slots;
	char **strs;		/* per id, NUL-terminated, in the arena */
	uint32_t *lens;		/* per id */
	size_t nslots, count, cap;
	char *chunk;		/* current arena chunk */
	size_t chunk_used, chunk_size;
	char **chunks;
	size_t nchunks, chunks_cap;
	int sealed;		/* jn_intern_seal: no lookups any more */
};

/* Initialize an empty table.  Cannot fail. */
void jn_intern_init(struct jn_intern *t);
/* Free everything the table owns; strings handed out become invalid. */
void jn_intern_release(struct jn_intern *t);
/*
 * Give back the index of a table that is done growing: its ids and
 * strings stay (jn_intern_str, jn_intern_count, jn_intern_ranks, a
 * jn_intern_merge from it), but nothing may be looked up in it or added
 * to it any more.  The index is most of a large table (16 bytes a slot,
 * two slots or more a string): the engine seals the tables of users
 * (with -j, each reading worker's) once they are read, before counting
 * needs memory of its own.  Cannot fail.
 */
void jn_intern_seal(struct jn_intern *t);
/* Id of s[0..len), adding it if new.  s may contain NUL bytes. */
uint32_t jn_intern_put(struct jn_intern *t, const char *s, size_t len);
/*
 * Start bringing the slot where s[0..len) would be into the cache, for a
 * jn_intern_put or jn_intern_find of it a little later: a table too
 * large for the cache costs a miss per lookup, which then overlaps with
 * other work.  Changes nothing.
 */
void jn_intern_prefetch(const struct jn_intern *t, const char *s,
    size_t len);
/*
 * Lookups in a pipeline (jn_units_put): h = jn_hash(s, len) first, then
 * jn_intern_prefetch_hash some lookups ahead, jn_intern_prefetch_str
 * (the string of the slot h falls on, once that slot is in the cache)
 * fewer ahead, and jn_intern_put_hash.  The prefetches change nothing.
 */
void jn_intern_prefetch_hash(const struct jn_intern *t, uint64_t h);
void jn_intern_prefetch_str(const struct jn_intern *t, uint64_t h);
uint32_t jn_intern_put_hash(struct jn_intern *t, const char *s, size_t len,
    uint64_t h);

/* Id of s[0..len) if present, else UINT32_MAX. */
uint32_t jn_intern_find(const struct jn_intern *t, const char *s, size_t len);
/* The string of id (NUL-terminated, owned by t); *len set if non-NULL. */
const char *jn_intern_str(const struct jn_intern *t, uint32_t id,
    size_t *len);
/*
 * Put every string of from into to: returns map, map[id] being to's id
 * of from's id (count(from) + 1 entries; the caller frees it).
 */
uint32_t *jn_intern_merge(struct jn_intern *to, const struct jn_intern *from);

/*
 * -j: what the ids of each worker's table are in the main state's, for a
 * reporter's prepare and remap hooks (journey/engine.h): one
 * jn_intern_merge map per worker.  A zeroed struct is empty.
 */
struct jn_idmap {
	uint32_t **of;		/* of[k][id]: worker k's id id, the main's */
	int n;
};
/* Room for n workers' maps, none made yet.  Cannot fail. */
void jn_idmap_init(struct jn_idmap *m, int n);
/* Worker k's table from into to, its map kept.  Cannot fail. */
void jn_idmap_merge(struct jn_idmap *m, int k, struct jn_intern *to,
    const struct jn_intern *from);
/* Free the maps; m is empty again. */
void jn_idmap_release(struct jn_idmap *m);

/* Worker k's id in the main table; UINT32_MAX (no value) stays so. */
static inline uint32_t
jn_idmap_get(const struct jn_idmap *m, int k, uint32_t id)
{
	return id == UINT32_MAX ? id : m->of[k][id];
}
/* Number of distinct strings. */
size_t jn_intern_count(const struct jn_intern *t);
/*
 * Rank of every id in byte-wise lexicographic order (shorter prefix
 * first): ranks[id] is in [0, count).  Caller frees the result.
 */
uint32_t *jn_intern_ranks(const struct jn_intern *t);
/* 64-bit hash of bytes (FNV-1a variant).  Cannot fail. */
uint64_t jn_hash(const char *s, size_t len);

/*
 * A cheap mix of s[0..n) for the slot of a direct-mapped cache
 * (jfriction's strata, struct jn_namecache's names): its length and up
 * to 16 of its bytes (the first and last 8, or 4, or 3).  The caches compare their keys whole,
 * so any mix gives the same answers, only more misses when keys collide;
 * jn_hash's byte-by-byte tail cost more than the lookups it served.
 */
/*
 * Two words of s[0..n): its first and last 8 bytes, or for n < 8 its
 * bytes packed into *a (*b 0).  Up to n = 16 they and n tell s from any
 * other string (where the loads overlap their bytes are equal).
 */
static inline void
jn_bytes_words(const char *s, size_t n, uint64_t *a, uint64_t *b)
{
	uint32_t c, d;

	*a = *b = 0;
	if (n >= 8) {
		memcpy(a, s, 8);
		memcpy(b, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(&c, s, 4);
		memcpy(&d, s + n - 4, 4);
		*a = (uint64_t)c << 32 | d;
	} else if (n > 0) {
		*a = (uint64_t)(unsigned char)s[0] |
		    (uint64_t)(unsigned char)s[n / 2] << 8 |
		    (uint64_t)(unsigned char)s[n - 1] << 16;
	}
}

static inline uint64_t
jn_mix_bytes(const char *s, size_t n)
{
	uint64_t a, b;

	jn_bytes_words(s, n, &a, &b);
	a = (a ^ n) * UINT64_C(0x9e3779b97f4a7c15);
	return (a ^ a >> 29 ^ b) * UINT64_C(0xd6e8feb86659fd93);
}

#endif
