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

struct jn_intern {
	/*
	 * Open addressing; a slot holds the hash's high 24 bits, the
	 * length (255 for 255 or more) and id + 1 (0 = empty), so that a
	 * probe rarely touches a string that is not the one looked for,
	 * nor lens[] (a cache miss more in a large table).
	 */
	uint64_t *slots;
	char **strs;		/* per id, NUL-terminated, in the arena */
	uint32_t *lens;		/* per id */
	size_t nslots, count, cap;
	char *chunk;		/* current arena chunk */
	size_t chunk_used, chunk_size;
	char **chunks;
	size_t nchunks, chunks_cap;
};

/* Initialize an empty table.  Cannot fail. */
void jn_intern_init(struct jn_intern *t);
/* Free everything the table owns; strings handed out become invalid. */
void jn_intern_release(struct jn_intern *t);
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
 * The same, for a caller that has the hash already: h must be
 * jn_hash(s, len).
 */
uint32_t jn_intern_put_hashed(struct jn_intern *t, const char *s, size_t len,
    uint64_t h);
void jn_intern_prefetch_hashed(const struct jn_intern *t, uint64_t h);
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
/* Number of distinct strings. */
size_t jn_intern_count(const struct jn_intern *t);
/*
 * Rank of every id in byte-wise lexicographic order (shorter prefix
 * first): ranks[id] is in [0, count).  Caller frees the result.
 */
uint32_t *jn_intern_ranks(const struct jn_intern *t);
/* 64-bit hash of bytes (FNV-1a variant).  Cannot fail. */
uint64_t jn_hash(const char *s, size_t len);

#endif
