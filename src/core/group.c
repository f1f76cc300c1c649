/*
 * In-place grouping by key (see include/journey/group.h).  A one-pass
 * cycle-leader counting sort over a million keys jumps to a random place
 * for every record; splitting the work into a pass over at most 1024
 * buckets (each of which then fits in cache) and a pass inside each bucket
 * keeps the memory traffic sequential.
 */
#include "journey/group.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "journey/util.h"

#define MAX_BUCKETS 1024
#define MAX_RECORD 64

/* A record of size bytes (a multiple of 8, at most MAX_RECORD). */
static inline void
copy_words(void *dst, const void *src, size_t size)
{
	jn_copy_record(dst, src, size);
}

static uint32_t
key_of(const char *rec, size_t key_off)
{
	uint32_t k;

	memcpy(&k, rec + key_off, sizeof k);
	return k;
}

/*
 * Cycle-leader pass over records [lo, hi): class c of a record is
 * key >> shift (minus first); next[c] is where the next record of class c
 * goes, end[c] where class c ends.
 */
static void
permute(char *base, size_t size, size_t key_off, unsigned shift,
    uint32_t first, size_t *next, const size_t *end, size_t nclass)
{
	uint64_t tmp[MAX_RECORD / 8], cur[MAX_RECORD / 8];
	size_t c;

	for (c = 0; c < nclass; c++) {
		while (next[c] < end[c]) {
			size_t at = next[c];
			uint32_t k = (key_of(base + at * size, key_off) >>
			    shift) - first;

			if (k == c) {
				next[c]++;
				continue;
			}
			/* carry cur to its class, taking what was there */
			copy_words(cur, base + at * size, size);
			while (k != c) {
				size_t to = next[k]++;

				copy_words(tmp, base + to * size, size);
				copy_words(base + to * size, cur, size);
				copy_words(cur, tmp, size);
				k = (key_of((const char *)cur, key_off) >>
				    shift) - first;
			}
			copy_words(base + at * size, cur, size);
			next[c]++;
		}
	}
}

size_t *
jn_group_by_key(void *base, size_t n, size_t size, size_t key_off,
    size_t nkeys)
{
	char *b = base;
	size_t *start = jn_xcalloc(nkeys + 2, sizeof *start);
	size_t *next, *end, i, k, nbuckets;
	unsigned shift = 0;

	/* records are copied as 64-bit words */
	if (size > MAX_RECORD || size % 8 != 0 || (uintptr_t)base % 8 != 0)
		abort();
	for (i = 0; i < n; i++)
		start[key_of(b + i * size, key_off) + 1]++;
	for (k = 0; k < nkeys; k++)
		start[k + 1] += start[k];
	if (n == 0 || nkeys == 0)
		return start;
	while ((nkeys - 1) >> shift >= MAX_BUCKETS)
		shift++;
	nbuckets = ((nkeys - 1) >> shift) + 1;
	next = jn_xmalloc((nkeys + nbuckets + 1) * sizeof *next);
	end = jn_xmalloc((nkeys + nbuckets + 1) * sizeof *end);
	if (shift == 0) {
		/* few keys: one pass */
		memcpy(next, start, nkeys * sizeof *next);
		memcpy(end, start + 1, nkeys * sizeof *end);
		permute(b, size, key_off, 0, 0, next, end, nkeys);
		free(next);
		free(end);
		return start;
	}
	{
		/* pass 1: buckets of 2^shift keys */
		for (k = 0; k < nbuckets; k++) {
			size_t hi = (k + 1) << shift;

			next[k] = start[k << shift];
			end[k] = start[hi < nkeys ? hi : nkeys];
		}
		permute(b, size, key_off, shift, 0, next, end, nbuckets);
	}
	/* pass 2: keys inside each bucket */
	for (k = 0; k < nbuckets; k++) {
		size_t lo = k << shift, hi = (k + 1) << shift, j;

		if (hi > nkeys)
			hi = nkeys;
		for (j = lo; j < hi; j++) {
			next[j - lo] = start[j];
			end[j - lo] = start[j + 1];
		}
		permute(b, size, key_off, 0, (uint32_t)lo, next, end, hi - lo);
	}
	free(next);
	free(end);
	return start;
}

void
jn_sort_small(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	uint64_t tmp[MAX_RECORD / 8];
	char *b = base;
	size_t i, j, moves = 0;

	if (size > MAX_RECORD || size % 8 != 0 || (uintptr_t)base % 8 != 0) {
		qsort(base, n, size, cmp);
		return;
	}
	/*
	 * By insertion while it stays cheap: a log mostly in order costs
	 * a pass and a few moves.  Past 64 records, once the moves exceed
	 * 4 per record the input is not nearly sorted: qsort the rest of
	 * the way (its n log n bounds the cost).
	 */
	for (i = 1; i < n; i++) {
		if (cmp(b + (i - 1) * size, b + i * size) <= 0)
			continue;
		if (n > 64 && moves > 4 * n) {
			qsort(base, n, size, cmp);
			return;
		}
		copy_words(tmp, b + i * size, size);
		for (j = i; j > 0 && cmp(b + (j - 1) * size, tmp) > 0; j--)
			copy_words(b + j * size, b + (j - 1) * size, size);
		moves += i - j;
		copy_words(b + j * size, tmp, size);
	}
}

/* Times as unsigned keys in the same order: the sign bit flipped. */
static inline uint64_t
time_key(const void *rec)
{
	int64_t t;

	memcpy(&t, rec, sizeof t);
	return (uint64_t)t ^ UINT64_C(1) << 63;
}

/* Insertion sort by time, then tie: for few records, or runs of ties. */
static void
insert_by_time(char *b, size_t n, size_t size,
    int (*tie)(const void *, const void *))
{
	uint64_t tmp[MAX_RECORD / 8];
	size_t i, j;

	for (i = 1; i < n; i++) {
		uint64_t k = time_key(b + i * size);
		uint64_t kp = time_key(b + (i - 1) * size);

		if (kp < k || (kp == k && (tie == NULL ||
		    tie(b + (i - 1) * size, b + i * size) <= 0)))
			continue;
		copy_words(tmp, b + i * size, size);
		for (j = i; j > 0; j--) {
			uint64_t kj = time_key(b + (j - 1) * size);

			if (kj < k || (kj == k && (tie == NULL ||
			    tie(b + (j - 1) * size, tmp) <= 0)))
				break;
			copy_words(b + j * size, b + (j - 1) * size, size);
		}
		copy_words(b + j * size, tmp, size);
	}
}

/*
 * One stable counting pass of LSD radix sort: records of src into dst by
 * byte d of their key (key_at gives it).
 */
#define RADIX_PASS(src, dst, n, size, keyof, d) do { \
	size_t count_[257] = { 0 }, i_; \
	for (i_ = 0; i_ < (n); i_++) \
		count_[((keyof((src) + i_ * (size))) >> (8 * (d)) & 0xff) + \
		    1]++; \
	for (i_ = 0; i_ < 256; i_++) \
		count_[i_ + 1] += count_[i_]; \
	for (i_ = 0; i_ < (n); i_++) { \
		const char *r_ = (src) + i_ * (size); \
		size_t at_ = count_[(keyof(r_)) >> (8 * (d)) & 0xff]++; \
		copy_words((dst) + at_ * (size), r_, (size)); \
	} \
} while (0)

/* The bytes in which keys differ: the OR of every key with the first. */
#define KEY_DIFF(b, n, size, keyof, out) do { \
	uint64_t first_ = (n) ? keyof(b) : 0; \
	size_t j_; \
	(out) = 0; \
	for (j_ = 1; j_ < (n); j_++) \
		(out) |= keyof((b) + j_ * (size)) ^ first_; \
} while (0)

/* Whether record a goes before record b (or they are equal). */
static inline int
in_order(const char *a, const char *b,
    int (*tie)(const void *, const void *))
{
	uint64_t ka = time_key(a), kb = time_key(b);

	return ka < kb || (ka == kb && (tie == NULL || tie(a, b) <= 0));
}

/* Past this many runs in order, records are sorted by radix. */
#define MAX_RUNS 16

/*
 * Merge the runs of b[0..n), each in order, that start at run[0..nrun)
 * (run[nrun] is n): adjacent runs pairwise, through a buffer and back,
 * until one is left.  Stable: of equal records, the earlier run's first.
 */
static void
merge_runs(char *b, size_t n, size_t size,
    int (*tie)(const void *, const void *), size_t *run, size_t nrun)
{
	char *tmp = jn_xmalloc(n * size), *src = b, *dst = tmp, *t;
	size_t r, k;

	while (nrun > 1) {
		for (r = 0, k = 0; r < nrun; r += 2, k++) {
			size_t a = run[r], am = run[r + 1], o = a;
			size_t c = am, cm = r + 2 <= nrun ? run[r + 2] : am;

			while (a < am && c < cm) {
				if (in_order(src + a * size, src + c * size,
				    tie))
					copy_words(dst + o++ * size,
					    src + a++ * size, size);
				else
					copy_words(dst + o++ * size,
					    src + c++ * size, size);
			}
			memcpy(dst + o * size, src + a * size,
			    (am - a) * size);
			o += am - a;
			memcpy(dst + o * size, src + c * size,
			    (cm - c) * size);
			run[k] = run[r];
		}
		run[k] = n;
		nrun = k;
		t = src;
		src = dst;
		dst = t;
	}
	if (src != b)
		memcpy(b, src, n * size);
	free(tmp);
}

void
jn_sort_by_time(void *base, size_t n, size_t size,
    int (*tie)(const void *, const void *))
{
	char *b = base, *tmp, *src, *dst;
	uint64_t diff;
	size_t i, j, run[MAX_RUNS + 1], nrun = 1;
	int d;

	assert(size % 8 == 0 && size <= MAX_RECORD);
	if (n <= 64) {
		insert_by_time(b, n, size, tie);
		return;
	}
	/*
	 * In order already (a log in time order), or as a few runs in
	 * order (a unit's records from each of -j's reading threads): a
	 * pass says so, and the runs are merged.
	 */
	run[0] = 0;
	for (i = 1; i < n && nrun <= MAX_RUNS; i++)
		if (!in_order(b + (i - 1) * size, b + i * size, tie) &&
		    nrun++ < MAX_RUNS)
			run[nrun - 1] = i;
	if (nrun <= MAX_RUNS) {
		run[nrun] = n;
		if (nrun > 1)
			merge_runs(b, n, size, tie, run, nrun);
		return;
	}
	KEY_DIFF(b, n, size, time_key, diff);
	tmp = jn_xmalloc(n * size);
	src = b;
	dst = tmp;
	for (d = 0; d < 8; d++) {
		char *t;

		if (!(diff >> (8 * d) & 0xff))
			continue;	/* every key has the same byte here */
		RADIX_PASS(src, dst, n, size, time_key, d);
		t = src;
		src = dst;
		dst = t;
	}
	if (src != b)
		memcpy(b, src, n * size);
	free(tmp);
	if (tie == NULL)
		return;
	/* records of equal times, in input order so far: by tie */
	for (i = 0; i < n; i = j) {
		uint64_t k = time_key(b + i * size);

		for (j = i + 1; j < n && time_key(b + j * size) == k; j++)
			;
		if (j - i > 1)
			insert_by_time(b + i * size, j - i, size, tie);
	}
}

static inline uint64_t
u64_at(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

void
jn_sort_u64(uint64_t *v, size_t n)
{
	char *src = (char *)v, *dst, *tmp;
	uint64_t diff, x;
	size_t i, j;
	int d;

	if (n <= 64) {
		for (i = 1; i < n; i++) {
			x = v[i];
			for (j = i; j > 0 && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	KEY_DIFF(src, n, sizeof *v, u64_at, diff);
	tmp = jn_xmalloc(n * sizeof *v);
	dst = tmp;
	for (d = 0; d < 8; d++) {
		char *t;

		if (!(diff >> (8 * d) & 0xff))
			continue;
		RADIX_PASS(src, dst, n, sizeof *v, u64_at, d);
		t = src;
		src = dst;
		dst = t;
	}
	if (src != (char *)v)
		memcpy(v, src, n * sizeof *v);
	free(tmp);
}

size_t
jn_time_after(const void *base, size_t n, size_t size, int64_t ts)
{
	const char *b = base;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t t;

		memcpy(&t, b + mid * size, sizeof t);
		if (t <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
