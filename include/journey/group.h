/*
 * Grouping records by a dense 32-bit key in place: tools that collect
 * events of many users in arrival order use it to bring each user's events
 * together before sorting them by time, without a second copy of the
 * array.
 */
#ifndef JOURNEY_GROUP_H
#define JOURNEY_GROUP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Copy a record of size bytes (a multiple of 8, at most 64) with
 * constant-size copies the compiler inlines: a libc call per record moved
 * costs more than the move.
 */
static inline void
jn_copy_record(void *dst, const void *src, size_t size)
{
	switch (size) {
	case 8: memcpy(dst, src, 8); break;
	case 16: memcpy(dst, src, 16); break;
	case 24: memcpy(dst, src, 24); break;
	case 32: memcpy(dst, src, 32); break;
	case 40: memcpy(dst, src, 40); break;
	case 48: memcpy(dst, src, 48); break;
	case 56: memcpy(dst, src, 56); break;
	default: memcpy(dst, src, 64); break;
	}
}

/*
 * Reorder the n records of size bytes at base so that records with equal
 * keys (the uint32_t at byte offset key_off of each record, < nkeys) are
 * contiguous, in increasing key order.  The order within a key is not
 * kept.  Returns start offsets: the records of key k are
 * [start[k], start[k + 1]); start has nkeys + 1 entries and the caller
 * frees it.  Two in-place counting-sort passes (by the key's high bits,
 * then by the key within each bucket), so that every pass moves records
 * through a few sequential streams rather than at random.
 */
size_t *jn_group_by_key(void *base, size_t n, size_t size, size_t key_off,
    size_t nkeys);

/*
 * Sort n records of size bytes with cmp, like qsort (stably), but by
 * insertion while the records are nearly in order: a user's events are
 * mostly in order already, where insertion beats the C library's merge
 * sort and its copying.  Past 64 records, more than 4 moves per record
 * hands the rest to qsort, so the worst case stays n log n.
 */
void jn_sort_small(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *));

/*
 * Sort n records of size bytes (a multiple of 8, at most 64) that start
 * with an int64_t time, by time, and records of equal times by tie (NULL:
 * in any order).  The same order as qsort with (time, tie), without a
 * call per comparison: by insertion when n is small; else a pass finds
 * them in order already, or as a few runs in order, which are merged
 * (stable); else by radix on the time's bytes that differ.  Cannot fail.
 */
void jn_sort_by_time(void *base, size_t n, size_t size,
    int (*tie)(const void *, const void *));

/*
 * The first of the n records of size bytes at base, in time order (an
 * int64_t time first), whose time is after ts; n when none is.  A binary
 * search, so that what a unit costs stays linear in its events.
 */
size_t jn_time_after(const void *base, size_t n, size_t size, int64_t ts);

/* Sort n integers, ascending: radix on the bytes that differ. */
void jn_sort_u64(uint64_t *v, size_t n);

#endif
