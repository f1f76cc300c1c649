/*
 * The reporter engine (see include/journey/engine.h): units and their
 * records per reading thread, the hand-over of one unit at a time under
 * --sorted, the -j counting phase that brings each unit's records
 * together from every worker, one thread per share of units, and the
 * run around them: the shared options, reading or --merge, the checks
 * after reading (input.c), and --partial's state with the fingerprint of
 * its shard (state.h).
 */
/* MAP_ANONYMOUS, madvise and MADV_HUGEPAGE are outside POSIX */
/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#define _DEFAULT_SOURCE 1
#include "journey/engine.h"
#include "journey/meta.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "journey/group.h"
#include "journey/util.h"

/* A state's units and input layer, where the reporter says they lie. */
static struct jn_units *
units_of(const struct jn_reporter *r, void *state)
{
	return (struct jn_units *)(void *)((char *)state + r->units_off);
}

static struct jn_input *
input_of(const struct jn_reporter *r, void *state)
{
	return (struct jn_input *)(void *)((char *)state + r->input_off);
}

void
jn_units_init(struct jn_units *u, size_t rec_size, size_t unit_off,
    int per_session)
{
	assert(rec_size % 8 == 0 && rec_size <= 64);
	assert(unit_off + sizeof(uint32_t) <= rec_size);
	memset(u, 0, sizeof *u);
	jn_intern_init(&u->keys);
	u->rec_size = rec_size;
	u->unit_off = unit_off;
	u->per_session = per_session;
	u->nparts = 1;
	u->lists = jn_xcalloc(1, sizeof *u->lists);
}

/*
 * A block of a chained list (jn_units_any_order): a pointer to the next
 * block's records (NULL after the last block), then records.  Lists and
 * the pointers point at records.
 */
#define BLOCK_BYTES 4096
#define BLOCK_HEAD sizeof(unsigned char *)

static unsigned char *
block_next(const unsigned char *records)
{
	unsigned char *next;

	memcpy(&next, records - BLOCK_HEAD, sizeof next);
	return next;
}

/* Records in the block of l whose records are at b. */
static size_t
block_count(const struct jn_reclist *l, const unsigned char *b)
{
	return b == l->p ? l->n : l->cap;
}

/*
 * Blocks come from slabs of JN_HUGE_PAGE bytes on a huge page each,
 * carved in order: a block of its own from malloc was a page fault of
 * its own (in a virtual machine, microseconds: a fifth of jfriction's
 * time at 10M events), a slab is one fault for 512 blocks.  A block is
 * never freed alone: the slabs go all at once, when every chained list
 * has been counted (slabs_release).
 */
#define SLAB_BYTES JN_HUGE_PAGE

#if defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
/*
 * A slab mapped on its own, aligned to the huge page: twice its size
 * mapped, the ends unmapped.  Not aligned_alloc: malloc maps a block so
 * aligned with the alignment's worth of address space beside it, twice
 * a slab's (hostile/012 runs under a 2 GiB limit of address space).
 */
static unsigned char *
slab_new(void)
{
	char *p = mmap(NULL, 2 * SLAB_BYTES, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t head;

	if (p == MAP_FAILED)
		jn_out_of_memory();
	head = (SLAB_BYTES - (uintptr_t)p % SLAB_BYTES) % SLAB_BYTES;
	if (head > 0)
		(void)munmap(p, head);
	(void)munmap(p + head + SLAB_BYTES, SLAB_BYTES - head);
	(void)madvise(p + head, SLAB_BYTES, MADV_HUGEPAGE);
	return (unsigned char *)p + head;
}

static void
slab_free(unsigned char *slab)
{
	(void)munmap(slab, SLAB_BYTES);
}
#else
static unsigned char *
slab_new(void)
{
	return jn_xmalloc(SLAB_BYTES);
}

static void
slab_free(unsigned char *slab)
{
	free(slab);
}
#endif

static void
slabs_release(struct jn_slabs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		slab_free(s->slab[i]);
	free(s->slab);
	memset(s, 0, sizeof *s);
}

/*
 * Where a chained list gets a new block: blocks dealt and free for new
 * ones first (a counting thread reuses the blocks it deals from, which
 * another thread carved: the records are not twice in memory), else the
 * slabs.  Blocks in head are chained by their heads.  The slabs are the
 * calling thread's alone while it deals: a reading thread's own, or a
 * counting thread's (worker p's for share p).
 */
struct block_pool {
	unsigned char *head;
	struct jn_slabs *slabs;
};

static void
pool_put(struct block_pool *pool, unsigned char *b)
{
	memcpy(b - BLOCK_HEAD, &pool->head, sizeof pool->head);
	pool->head = b;
}

/* A block's records (after its head), from the pool or a slab. */
static unsigned char *
pool_get(struct block_pool *pool)
{
	struct jn_slabs *s = pool->slabs;
	unsigned char *b;

	if ((b = pool->head) != NULL) {
		pool->head = block_next(b);
		return b;
	}
	if (s->n == 0 || s->used + BLOCK_BYTES > SLAB_BYTES) {
		s->slab = jn_xgrow(s->slab, &s->cap, s->n + 1,
		    sizeof *s->slab);
		s->slab[s->n++] = slab_new();
		s->used = 0;
	}
	b = s->slab[s->n - 1] + s->used + BLOCK_HEAD;
	s->used += BLOCK_BYTES;
	return b;
}

/* A new last block for l, of records of size bytes, from pool. */
static void
chain_grow(struct jn_reclist *l, size_t size, struct block_pool *pool)
{
	unsigned char *b = pool_get(pool), *none = NULL;

	memcpy(b - BLOCK_HEAD, &none, sizeof none);
	if (l->p != NULL)
		memcpy(l->p - BLOCK_HEAD, &b, sizeof b);
	else
		l->first = b;
	l->p = b;
	l->n = 0;
	l->cap = (BLOCK_BYTES - BLOCK_HEAD) / size;
}

void
jn_units_any_order(struct jn_units *u)
{
	assert(jn_units_count(u) == 0 && u->lists[0].n == 0 &&
	    u->nparts == 1);
	u->chained = !u->sorted;	/* --sorted: one unit at a time */
	u->any_order = !u->sorted;
}

void
jn_units_release(struct jn_units *u)
{
	int p;

	jn_intern_release(&u->keys);
	for (p = 0; p < u->nparts && u->lists != NULL && !u->chained; p++)
		free(u->lists[p].p);
	slabs_release(&u->slabs);
	free(u->lists);
	free(u->part);
	free(u->first_pos);
	free(u->keybuf);
	free(u->user_hash);
	free(u->pend);
	memset(u, 0, sizeof *u);
}

/* -j: the records go to nparts shares, and units remember where. */
static void
units_split(struct jn_units *u, int nparts)
{
	assert(jn_units_count(u) == 0 && u->lists[0].n == 0);
	free(u->lists);
	u->lists = jn_xcalloc((size_t)nparts, sizeof *u->lists);
	u->nparts = nparts;
	/*
	 * Records in any order are chained, so that a counting thread
	 * frees each block once dealt (peak memory: the records once, not
	 * twice); others are grouped in place.
	 */
	u->chained = u->any_order;
}

void
jn_units_grow(struct jn_units *u, struct jn_reclist *l)
{
	struct block_pool pool = { NULL, &u->slabs };

	if (u->chained)
		chain_grow(l, u->rec_size, &pool);
	else
		l->p = jn_xgrow(l->p, &l->cap, l->n + 1, u->rec_size);
}

const char *
jn_units_key(const struct jn_units *u, uint32_t id, size_t *len)
{
	return jn_intern_str(&u->keys, id, len);
}

static void flush_current(struct jn_units *u);

/*
 * -j, a new unit: the counting phase numbers units by where they began
 * (pos), and a hash of the user alone (h) picks its share, so that one
 * thread counts all sessions of a user.
 */
static void
new_share_unit(struct jn_units *u, uint32_t id, uint64_t pos, uint64_t h)
{
	if (id >= u->ucap) {
		size_t cap = u->ucap;

		u->part = jn_xgrow(u->part, &cap, (size_t)id + 1,
		    sizeof *u->part);
		u->first_pos = jn_xrealloc(u->first_pos,
		    cap * sizeof *u->first_pos);
		u->ucap = cap;
	}
	u->first_pos[id] = pos;
	u->part[id] = (uint8_t)(h % (uint64_t)u->nparts);
}

uint32_t
jn_units_get(struct jn_units *u, const struct jn_event *ev)
{
	size_t before = jn_intern_count(&u->keys), n = ev->user_len;
	const char *key = ev->user;
	uint32_t id;

	if (u->per_session) {
		/* user and session joined by a byte that cannot end a user */
		u->keybuf = jn_xgrow(u->keybuf, &u->keycap,
		    ev->user_len + ev->session_len + 2, 1);
		memcpy(u->keybuf, ev->user, ev->user_len);
		u->keybuf[n++] = '\0';
		if (ev->session != NULL && ev->session_len > 0) {
			memcpy(u->keybuf + n, ev->session, ev->session_len);
			n += ev->session_len;
		}
		key = u->keybuf;
	}
	/*
	 * The same unit as the last event's costs a comparison, not a
	 * lookup (a cache miss or two in a large table).
	 */
	if (u->last_key != NULL && n == u->last_len &&
	    jn_same_bytes(key, u->last_key, n)) {
		id = u->last;
	} else {
		id = jn_intern_put_hash(&u->keys, key, n, jn_hash(key, n));
		u->last = id;
		u->last_key = jn_intern_str(&u->keys, id, &u->last_len);
	}
	if (u->sorted && (!u->have_cur || id != u->cur)) {
		char q[128];

		/* ids follow first appearance: a smaller one came back */
		if (u->have_cur && id < u->cur) {
			jn_error("%s:%llu: --sorted, but user '%s' comes back "
			    "after other users: sort the input by user, or "
			    "drop --sorted", ev->rec->file,
			    (unsigned long long)ev->rec->line,
			    jn_quote(q, sizeof q, ev->user, ev->user_len));
			return JN_UNIT_NONE;
		}
		if (u->have_cur)
			flush_current(u);
		u->cur = id;
		u->have_cur = 1;
	}
	if (u->nparts > 1 && id == before)
		new_share_unit(u, id, ev->rec->pos, jn_hash(ev->user,
		    ev->user_len));
	return id;
}

/* Resolve the oldest pending record: its unit, then the record kept. */
static void
resolve_pending(struct jn_units *u)
{
	const struct jn_pending *p = &u->pend[u->pend_head];
	size_t before = jn_intern_count(&u->keys);
	unsigned char *rec;
	uint32_t id;

	if (u->pend_have && p->len == u->pend_len &&
	    jn_same_bytes(p->key, u->pend_key, p->len)) {
		id = u->pend_id;
	} else {
		id = jn_intern_put_hash(&u->keys, p->key, p->len, p->hash);
		u->pend_id = id;
		u->pend_len = p->len;
		memcpy(u->pend_key, p->key, p->len);
		u->pend_have = 1;
	}
	if (u->nparts > 1 && id == before)
		new_share_unit(u, id, p->pos, p->hash);
	rec = jn_units_keep(u, id);
	jn_copy_record(rec, p->rec, u->rec_size);
	memcpy(rec + u->unit_off, &id, sizeof id);
	u->pend_head = (u->pend_head + 1) % JN_UNITS_AHEAD;
	u->npend--;
}

void
jn_units_drain(struct jn_units *u)
{
	while (u->npend > 0)
		resolve_pending(u);
}

int
jn_units_put_record(struct jn_units *u, const struct jn_event *ev,
    const void *rec)
{
	struct jn_pending *p;
	unsigned at;
	uint32_t id;

	if (u->per_session || u->sorted || u->rec_size > JN_UNITS_RECMAX ||
	    ev->user_len > JN_UNITS_KEYMAX) {
		unsigned char *r;

		jn_units_drain(u);	/* the order of units and records */
		if ((id = jn_units_get(u, ev)) == JN_UNIT_NONE)
			return -1;
		r = jn_units_keep(u, id);
		jn_copy_record(r, rec, u->rec_size);
		memcpy(r + u->unit_off, &id, sizeof id);
		return 0;
	}
	if (u->pend == NULL)
		u->pend = jn_xmalloc(JN_UNITS_AHEAD * sizeof *u->pend);
	if (u->npend == JN_UNITS_AHEAD)
		resolve_pending(u);
	p = &u->pend[(u->pend_head + u->npend++) % JN_UNITS_AHEAD];
	p->hash = jn_hash(ev->user, ev->user_len);
	p->pos = ev->rec->pos;
	p->len = (uint32_t)ev->user_len;
	memcpy(p->key, ev->user, ev->user_len);
	jn_copy_record(p->rec, rec, u->rec_size);
	jn_intern_prefetch_hash(&u->keys, p->hash);
	/* halfway, its slot is in the cache: fetch the slot's string */
	if (u->npend > JN_UNITS_AHEAD / 2) {
		at = (u->pend_head + u->npend - 1 - JN_UNITS_AHEAD / 2) %
		    JN_UNITS_AHEAD;
		jn_intern_prefetch_str(&u->keys, u->pend[at].hash);
	}
	return 0;
}

/* --sorted: hand the current unit, all of whose records are kept, over. */
static void
flush_current(struct jn_units *u)
{
	struct jn_engine *e = u->engine;
	struct jn_unit unit;

	assert(e != NULL && u->nparts == 1);
	unit.keys = &u->keys;
	unit.owner = e->tool;
	unit.id = u->cur;
	e->r->unit(e->tool, e->tool, &unit,
	    u->lists[0].n > 0 ? u->lists[0].p : NULL, u->lists[0].n);
	u->lists[0].n = 0;
}

/*
 * Deal records[0..n) (of size bytes, unit id at off) out to the
 * JN_UNIT_LISTS chained lists by unit id, in order, new blocks from pool.
 */
static void
deal_records(struct jn_reclist *lists, const unsigned char *records,
    size_t n, size_t size, size_t off, struct block_pool *pool)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const unsigned char *rec = records + i * size;
		struct jn_reclist *l;
		uint32_t id;

		memcpy(&id, rec + off, sizeof id);
		l = &lists[id & (JN_UNIT_LISTS - 1)];
		if (l->n == l->cap)
			chain_grow(l, size, pool);
		jn_copy_record(l->p + l->n++ * size, rec, size);
	}
}

/* Where dealt lists go: unit id's n records (rec NULL when n is 0). */
typedef void (*hand_fn)(struct jn_engine *e, void *ctx, uint32_t id,
    unsigned char *rec, size_t n);

/*
 * Each dealt list, holding units b, b + JN_UNIT_LISTS, ... of nunits, by
 * a stable counting sort into a buffer of its size, handed unit by unit
 * to fn, and freed.  Every pass moves records through a few sequential
 * streams, and each unit's records keep the order they were dealt in.
 */
static void
hand_lists(struct jn_engine *e, struct jn_reclist *lists, size_t nunits,
    size_t size, size_t off, hand_fn fn, void *ctx)
{
	size_t nl = JN_UNIT_LISTS, cap = 0, *start = NULL, scap = 0, b, i, k;
	size_t nk, total, c;
	unsigned shift = 0;
	unsigned char *buf = NULL, *blk;

	while (((size_t)1 << shift) < nl)
		shift++;
	for (b = 0; b < nl && b < nunits; b++) {
		struct jn_reclist *l = &lists[b];

		/* units b, b + nl, ...: nk of them, the k-th is b + k * nl */
		nk = (nunits - b + nl - 1) / nl;
		start = jn_xgrow(start, &scap, nk + 1, sizeof *start);
		memset(start, 0, (nk + 1) * sizeof *start);
		total = 0;
		for (blk = l->first; blk != NULL; blk = block_next(blk)) {
			c = block_count(l, blk);
			for (i = 0; i < c; i++) {
				uint32_t id;

				memcpy(&id, blk + i * size + off, sizeof id);
				start[(id >> shift) + 1]++;
			}
			total += c;
		}
		for (k = 0; k < nk; k++)
			start[k + 1] += start[k];
		if (total > 0)
			buf = jn_xgrow(buf, &cap, total, size);
		for (blk = l->first; blk != NULL; blk = block_next(blk)) {
			c = block_count(l, blk);
			for (i = 0; i < c; i++) {
				const unsigned char *rec = blk + i * size;
				uint32_t id;

				memcpy(&id, rec + off, sizeof id);
				jn_copy_record(buf + start[id >> shift]++ *
				    size, rec, size);
			}
		}
		memset(l, 0, sizeof *l);	/* its blocks: in the slabs */
		/* start[k] is now where the k-th unit's records end */
		for (k = 0; k < nk; k++) {
			size_t from = k > 0 ? start[k - 1] : 0;

			fn(e, ctx, (uint32_t)(b + (k << shift)), start[k] >
			    from ? buf + from * size : NULL, start[k] - from);
		}
	}
	free(start);
	free(buf);
}

/* count_chained's units: the main state's. */
static void
hand_one(struct jn_engine *e, void *ctx, uint32_t id, unsigned char *rec,
    size_t n)
{
	struct jn_units *u = units_of(e->r, e->tool);
	struct jn_unit unit;

	(void)ctx;
	unit.owner = e->tool;
	unit.id = id;
	unit.keys = &u->keys;
	e->r->unit(e->tool, e->tool, &unit, rec, n);
}

/*
 * One thread, records chained (jn_units_any_order): deal them out to
 * JN_UNIT_LISTS lists by unit id, in order, each block of the input
 * freed once dealt; then hand_lists.
 */
static void
count_chained(struct jn_engine *e)
{
	struct jn_units *u = units_of(e->r, e->tool);
	struct jn_reclist *in = &u->lists[0], *lists;
	size_t size = u->rec_size, off = u->unit_off;
	unsigned char *blk, *next;
	struct block_pool pool = { NULL, &u->slabs };

	lists = jn_xcalloc(JN_UNIT_LISTS, sizeof *lists);
	for (blk = in->first; blk != NULL; blk = next) {
		deal_records(lists, blk, block_count(in, blk), size, off,
		    &pool);
		next = block_next(blk);
		pool_put(&pool, blk);
	}
	memset(in, 0, sizeof *in);
	hand_lists(e, lists, jn_intern_count(&u->keys), size, off, hand_one,
	    NULL);
	free(lists);
	slabs_release(&u->slabs);	/* every record handed over */
}

/* One thread: group the records by unit and hand every unit over. */
static void
count_one(struct jn_engine *e)
{
	struct jn_units *u = units_of(e->r, e->tool);
	struct jn_reclist *l = &u->lists[0];
	size_t nunits = jn_intern_count(&u->keys), i, *start;
	struct jn_unit unit;

	/* as count_parallel does the workers': units by id from here on */
	jn_intern_seal(&u->keys);
	if (u->chained) {
		count_chained(e);
		return;
	}
	start = jn_group_by_key(l->p, l->n, u->rec_size, u->unit_off, nunits);
	unit.owner = e->tool;
	for (i = 0; i < nunits; i++) {
		size_t n = start[i + 1] - start[i];

		unit.id = (uint32_t)i;
		unit.keys = &u->keys;
		e->r->unit(e->tool, e->tool, &unit,
		    n > 0 ? l->p + start[i] * u->rec_size : NULL, n);
	}
	free(start);
	free(l->p);		/* the records are done with */
	l->p = NULL;
	l->n = l->cap = 0;
}

/* ---- -j: one counting thread per share ---- */

struct share {
	struct jn_engine *e;
	int part;
	/* share_units: per worker and unit, the worker of its key's next
	 * unit (shared by the shares, each writing its own units) */
	uint8_t **nextk;
	uint64_t *owner;	/* per share number: worker << 32 | its id */
	size_t nunits;
	unsigned char *gather;	/* a unit's records from several workers */
	size_t gather_cap;
	pthread_t thread;
	int started;
};

static struct jn_units *
worker_units(const struct jn_engine *e, int k)
{
	return units_of(e->r, e->workers[k]);
}

/* A member of state at offset off, where the reporter says it lies. */
static void *
member(void *state, size_t off)
{
	return (char *)state + off;
}

/*
 * Free what state s holds.  A reporter under jn_engine_main leaves the
 * parts the engine knows of to it: the engine first (its workers may
 * refer to the main state's data), the input layer and the units last.
 */
static void
state_release(const struct jn_reporter *r, void *s)
{
	jn_engine_release(member(s, r->engine_off));
	r->release(s);
	jn_input_release(input_of(r, s));
	jn_units_release(units_of(r, s));
}

static void
worker_free(const struct jn_reporter *r, void *w)
{
	state_release(r, w);
	free(w);
}

/*
 * share_units' view of one worker's unit of the share: its key as two
 * words and a length, which for a key of KEY_WORDS bytes or fewer tell
 * it from every other key (jn_bytes_words), so that finding the same
 * unit in each worker reads no key twice and none out of order.  A
 * longer key's words are its hash and its length, and its bytes are
 * compared where those agree.
 */
#define KEY_WORDS 16
#define KEY_LONG UINT16_MAX	/* len of a key longer than KEY_WORDS */

struct keyed {
	uint64_t a, b;
	uint32_t id;		/* the unit in its worker */
	uint16_t len;		/* the key's length, or KEY_LONG */
	uint8_t k;		/* the worker (JN_MAX_JOBS is 256) */
};

/*
 * Until share_units numbers a unit, its umap entry holds GROUPED and the
 * id of its key's next unit, whose worker nextk holds: the units of one
 * key form a ring, in worker order.
 */
#define GROUPED 0x80000000u

static void
keyed_of(const struct jn_units *u, int k, uint32_t id, struct keyed *ky)
{
	size_t len;
	const char *key = jn_intern_str(&u->keys, id, &len);

	if (len <= KEY_WORDS) {
		jn_bytes_words(key, len, &ky->a, &ky->b);
		ky->len = (uint16_t)len;
	} else {
		ky->a = jn_hash(key, len);
		ky->b = len;
		ky->len = KEY_LONG;
	}
	ky->id = id;
	ky->k = (uint8_t)k;
}

/* Which of 2^bits buckets (bits >= 1) an entry goes to. */
static size_t
keyed_bucket(const struct keyed *ky, int bits)
{
	uint64_t x = (ky->a ^ (uint64_t)ky->len << 47) *
	    UINT64_C(0x9e3779b97f4a7c15);

	x = (x ^ x >> 29 ^ ky->b) * UINT64_C(0xd6e8feb86659fd93);
	return (size_t)(x >> (64 - bits));
}

/* The bytes of a long key's entry, to compare. */
static int
keyed_cmp_long(const struct jn_engine *e, const struct keyed *x,
    const struct keyed *y)
{
	size_t lx, ly;
	const char *kx = jn_intern_str(&worker_units(e, x->k)->keys, x->id,
	    &lx);
	const char *ky = jn_intern_str(&worker_units(e, y->k)->keys, y->id,
	    &ly);

	assert(lx == ly);	/* b holds the length */
	return memcmp(kx, ky, lx);
}

/* x and y are entries of one key. */
static int
keyed_same(const struct jn_engine *e, const struct keyed *x,
    const struct keyed *y)
{
	return x->a == y->a && x->b == y->b && x->len == y->len &&
	    (x->len != KEY_LONG || keyed_cmp_long(e, x, y) == 0);
}

/* The order within a bucket: a key's entries together, by worker. */
static int
keyed_before(const struct jn_engine *e, const struct keyed *x,
    const struct keyed *y)
{
	int c;

	if (x->a != y->a)
		return x->a < y->a;
	if (x->b != y->b)
		return x->b < y->b;
	if (x->len != y->len)
		return x->len < y->len;
	if (x->len == KEY_LONG && (c = keyed_cmp_long(e, x, y)) != 0)
		return c < 0;
	return x->k < y->k;
}

/*
 * Sort v[0..n), entries of one partition of ring_keys (bucketed by the
 * key's mix in bits [0, pbits)), into w so that each key's entries lie
 * together, in worker order, and ring them: a counting sort by the mix's
 * next bits, each bucket of two entries or so then sorted in place.
 * count has room for 2^lbits + 1 entries.
 */
static void
ring_partition(struct share *s, const struct keyed *v, size_t n,
    struct keyed *w, uint32_t *count, int pbits, int lbits)
{
	struct jn_engine *e = s->e;
	size_t nb = (size_t)1 << lbits, mask = nb - 1, b, i, j;
	struct keyed ky;

	memset(count, 0, (nb + 1) * sizeof *count);
	for (i = 0; i < n; i++)
		count[(keyed_bucket(&v[i], pbits + lbits) & mask) + 1]++;
	for (b = 0; b < nb; b++)
		count[b + 1] += count[b];
	for (i = 0; i < n; i++)
		w[count[keyed_bucket(&v[i], pbits + lbits) & mask]++] = v[i];
	/* count[b] is now where bucket b + 1 starts */
	for (b = 0; b < nb; b++) {
		size_t from = b == 0 ? 0 : count[b - 1], to = count[b];

		for (i = from + 1; i < to; i++) {
			ky = w[i];
			for (j = i; j > from && keyed_before(e, &ky,
			    &w[j - 1]); j--)
				w[j] = w[j - 1];
			w[j] = ky;
		}
		/* j: where the current key's units start */
		for (i = from, j = from; i < to; i++) {
			size_t to_i = i + 1;

			if (i + 1 == to || !keyed_same(e, &w[i], &w[i + 1])) {
				to_i = j;	/* the last: round to the first */
				j = i + 1;
			}
			assert(w[to_i].id < GROUPED);
			e->umap[w[i].k][w[i].id] = GROUPED | w[to_i].id;
			s->nextk[w[i].k][w[i].id] = w[to_i].k;
		}
	}
}

/* Entries a partition of ring_keys holds on average, to fit the cache. */
#define RING_PART_ENTRIES 2048
#define RING_PART_BITS_MAX 10

/*
 * Ring the units of each key of the share (GROUPED), so that a unit's
 * ring leads share_units to the same unit in the other workers in the
 * order it reads the units, not a lookup in each worker's table.  The
 * entries (every worker's units of the share, keys read in the order the
 * workers stored them) are partitioned by a mix of the key into a few
 * hundred partitions, a counting pass and then a scatter into as many
 * sequential streams, and each partition, small enough for the cache,
 * is ringed alone (ring_partition).  A scatter straight into a bucket
 * per two entries, every entry a cache miss or two, took a quarter
 * longer (jfunnel -j 2, 10M events: 0.04 s a share against 0.033).
 */
static void
ring_keys(struct share *s)
{
	struct jn_engine *e = s->e;
	int nw = e->nworkers, k, pbits = 0, lbits, pass;
	size_t total = 0, np, p, i, most = 0;
	size_t at[((size_t)1 << RING_PART_BITS_MAX) + 1];
	uint32_t *count;
	struct keyed *v, *w, ky;

	for (k = 0; k < nw; k++) {
		const struct jn_units *uk = worker_units(e, k);
		size_t c = jn_intern_count(&uk->keys);

		for (i = 0; i < c; i++)
			total += uk->part[i] == s->part;
	}
	assert(total < GROUPED);
	while (pbits < RING_PART_BITS_MAX &&
	    (total >> pbits) > RING_PART_ENTRIES)
		pbits++;
	np = (size_t)1 << pbits;
	memset(at, 0, (np + 1) * sizeof *at);
	v = jn_xmalloc((total + 1) * sizeof *v);
	/* pass 0 counts each partition's entries, pass 1 places them */
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < nw; k++) {
			const struct jn_units *uk = worker_units(e, k);
			size_t c = jn_intern_count(&uk->keys);

			for (i = 0; i < c; i++) {
				if (uk->part[i] != s->part)
					continue;
				keyed_of(uk, k, (uint32_t)i, &ky);
				p = pbits > 0 ? keyed_bucket(&ky, pbits) : 0;
				if (pass == 0)
					at[p + 1]++;
				else
					v[at[p]++] = ky;
			}
		}
		if (pass == 0)
			for (p = 0; p < np; p++) {
				at[p + 1] += at[p];
				if (at[p + 1] - at[p] > most)
					most = at[p + 1] - at[p];
			}
	}
	/* at[p] is now where partition p + 1 starts */
	for (lbits = 1; lbits < 31 && ((size_t)1 << lbits) < most / 2; )
		lbits++;
	w = jn_xmalloc((most + 1) * sizeof *w);
	count = jn_xmalloc((((size_t)1 << lbits) + 1) * sizeof *count);
	for (p = 0; p < np; p++) {
		size_t from = p == 0 ? 0 : at[p - 1];

		ring_partition(s, v + from, at[p] - from, w, count, pbits,
		    lbits);
	}
	free(count);
	free(w);
	free(v);
}

/*
 * Number the share's units in the order they first appear in the input:
 * merge the workers' units (each worker's already in that order), each
 * new one with its key's units in the other workers (its ring), which
 * began later.  A unit lives on in the worker that saw it first
 * (owner), the others' data merged into it there, so that no table of
 * units is built twice.
 */
static void
share_units(struct share *s)
{
	struct jn_engine *e = s->e;
	const struct jn_reporter *r = e->r;
	int nw = e->nworkers, k, best;
	size_t *next = jn_xcalloc((size_t)nw, sizeof *next), cap = 0;
	uint32_t *mate = jn_xmalloc((size_t)nw * sizeof *mate);

	ring_keys(s);
	for (;;) {
		uint32_t id, at;
		int ak;

		best = -1;
		for (k = 0; k < nw; k++) {
			const struct jn_units *uk = worker_units(e, k);
			size_t n = jn_intern_count(&uk->keys);

			/* skip other shares, and units numbered already */
			while (next[k] < n && (uk->part[next[k]] != s->part ||
			    !(e->umap[k][next[k]] & GROUPED)))
				next[k]++;
			if (next[k] < n && (best < 0 || uk->first_pos[next[k]] <
			    worker_units(e, best)->first_pos[next[best]]))
				best = k;
		}
		if (best < 0)
			break;
		id = (uint32_t)next[best]++;
		/* round the ring: the key's other units, by worker */
		for (k = 0; k < nw; k++)
			mate[k] = JN_UNIT_NONE;
		ak = best;
		at = id;
		do {
			uint32_t link = e->umap[ak][at];
			int lk = s->nextk[ak][at];

			e->umap[ak][at] = (uint32_t)s->nunits;
			if (ak != best)
				mate[ak] = at;
			ak = lk;
			at = link & ~GROUPED;
		} while (ak != best);
		assert(at == id);
		s->owner = jn_xgrow(s->owner, &cap, s->nunits + 1,
		    sizeof *s->owner);
		s->owner[s->nunits] = (uint64_t)best << 32 | id;
		if (r->unit_adopt != NULL)
			r->unit_adopt(e->tool, e->workers[best], best, id);
		for (k = 0; k < nw && r->unit_merge != NULL; k++)
			if (mate[k] != JN_UNIT_NONE)
				r->unit_merge(e->tool, e->workers[best], id,
				    e->workers[k], k, mate[k]);
		s->nunits++;
	}
	free(mate);
	free(next);
}

/* count_share's units in any order: share number id's n records. */
static void
hand_share(struct jn_engine *e, void *ctx, uint32_t id, unsigned char *rec,
    size_t n)
{
	const struct share *s = ctx;
	int ow = (int)(s->owner[id] >> 32);
	struct jn_unit unit;

	unit.owner = e->workers[ow];
	unit.id = (uint32_t)s->owner[id];
	unit.keys = &worker_units(e, ow)->keys;
	e->r->unit(e->tool, e->workers[s->part], &unit, rec, n);
}

/* Worker k's n records at rec: their unit ids the share's, remapped. */
static void
remap_records(struct jn_engine *e, int k, unsigned char *rec, size_t n,
    size_t size, size_t off)
{
	const struct jn_reporter *r = e->r;
	size_t i;

	for (i = 0; i < n; i++, rec += size) {
		uint32_t id;

		memcpy(&id, rec + off, sizeof id);
		id = e->umap[k][id];
		memcpy(rec + off, &id, sizeof id);
		if (r->remap != NULL)
			r->remap(e->tool, k, rec);
	}
}

/*
 * A counting thread: its share's units, then every worker's records of
 * the share, by unit in place, handed over unit by unit into worker
 * part's state.
 */
static void *
count_share(void *arg)
{
	struct share *s = arg;
	struct jn_engine *e = s->e;
	const struct jn_reporter *r = e->r;
	int nw = e->nworkers, k;
	size_t **start, u, size = worker_units(e, 0)->rec_size;
	size_t off = worker_units(e, 0)->unit_off;
	struct jn_reclist *lists = NULL;
	struct block_pool pool = { NULL, &worker_units(e, s->part)->slabs };

	share_units(s);
	if (worker_units(e, 0)->any_order)
		lists = jn_xcalloc(JN_UNIT_LISTS, sizeof *lists);
	start = jn_xcalloc((size_t)nw, sizeof *start);
	for (k = 0; lists != NULL && k < nw; k++) {
		struct jn_reclist *l = &worker_units(e, k)->lists[s->part];
		unsigned char *blk, *next;

		/* worker by worker, each in input order, block by block */
		for (blk = l->first; blk != NULL; blk = next) {
			size_t c = block_count(l, blk);

			remap_records(e, k, blk, c, size, off);
			deal_records(lists, blk, c, size, off, &pool);
			next = block_next(blk);
			pool_put(&pool, blk);
		}
		memset(l, 0, sizeof *l);
	}
	for (k = 0; lists == NULL && k < nw; k++) {
		struct jn_reclist *l = &worker_units(e, k)->lists[s->part];

		remap_records(e, k, l->p, l->n, size, off);
		start[k] = jn_group_by_key(l->p, l->n, size, off, s->nunits);
	}
	if (lists != NULL) {
		hand_lists(e, lists, s->nunits, size, off, hand_share, s);
		free(lists);
		free(start);
		return NULL;
	}
	for (u = 0; u < s->nunits; u++) {
		int ow = (int)(s->owner[u] >> 32), only = -1;
		struct jn_unit unit;
		unsigned char *rec = NULL;	/* when it kept none */
		size_t n = 0, from = 0;

		for (k = 0; k < nw; k++)
			if (start[k][u + 1] > start[k][u]) {
				n += start[k][u + 1] - start[k][u];
				only = only == -1 ? k : -2;
			}
		if (only >= 0) {	/* one worker saw all: in place */
			rec = worker_units(e, only)->lists[s->part].p +
			    start[only][u] * size;
		} else if (n > 0) {
			s->gather = jn_xgrow(s->gather, &s->gather_cap, n,
			    size);
			rec = s->gather;
			for (k = 0; k < nw; k++) {
				size_t c = start[k][u + 1] - start[k][u];

				if (c == 0)	/* its list may be NULL */
					continue;
				memcpy(rec + from * size, worker_units(e,
				    k)->lists[s->part].p + start[k][u] * size,
				    c * size);
				from += c;
			}
		}
		unit.owner = e->workers[ow];
		unit.id = (uint32_t)s->owner[u];
		unit.keys = &worker_units(e, ow)->keys;
		r->unit(e->tool, e->workers[s->part], &unit, rec, n);
	}
	/* the share's records are done with: free them early */
	for (k = 0; k < nw; k++) {
		struct jn_reclist *l = &worker_units(e, k)->lists[s->part];

		free(l->p);
		l->p = NULL;
		l->n = l->cap = 0;
		free(start[k]);
	}
	free(start);
	free(s->gather);
	s->gather = NULL;
	return NULL;
}

/* The first position in the input of share number i of share s. */
static uint64_t
share_pos(const struct share *s, size_t i)
{
	const struct jn_units *u = worker_units(s->e, (int)(s->owner[i] >> 32));

	return u->first_pos[(uint32_t)s->owner[i]];
}

/*
 * unit_move: every unit again, in the order of first appearance, that is
 * the shares' orders merged by where each unit began.
 */
static void
number_globally(struct jn_engine *e, struct share *shares)
{
	int n = e->nworkers, p, best;
	size_t *next = jn_xcalloc((size_t)n, sizeof *next);
	struct jn_units *mine = units_of(e->r, e->tool);
	uint32_t g = 0;

	assert(jn_units_count(mine) == 0);
	e->gmap = jn_xcalloc((size_t)n, sizeof *e->gmap);
	for (p = 0; p < n; p++)
		e->gmap[p] = jn_xmalloc((shares[p].nunits + 1) *
		    sizeof **e->gmap);
	for (;; g++) {
		struct jn_unit unit;
		struct share *s;
		const char *key;
		size_t len;
		uint32_t id;
		int ow;

		best = -1;
		for (p = 0; p < n; p++)
			if (next[p] < shares[p].nunits && (best < 0 ||
			    share_pos(&shares[p], next[p]) <
			    share_pos(&shares[best], next[best])))
				best = p;
		if (best < 0)
			break;
		s = &shares[best];
		ow = (int)(s->owner[next[best]] >> 32);
		unit.owner = e->workers[ow];
		unit.id = (uint32_t)s->owner[next[best]];
		unit.keys = &worker_units(e, ow)->keys;
		key = jn_unit_key(&unit, &len);
		e->gmap[best][next[best]++] = g;
		id = jn_units_put(mine, key, len);
		assert(id == g);	/* each unit in one share, once */
		(void)id;
		e->r->unit_move(e->tool, g, &unit);
	}
	free(next);
}

static void
count_parallel(struct jn_engine *e)
{
	int n = e->nworkers, k, p;
	struct share *shares = jn_xcalloc((size_t)n, sizeof *shares);
	uint8_t **nextk = jn_xcalloc((size_t)n, sizeof *nextk);

	if (e->r->prepare != NULL)
		e->r->prepare(e->tool, e->workers, n);
	e->umap = jn_xcalloc((size_t)n, sizeof *e->umap);
	for (k = 0; k < n; k++) {
		size_t nu = jn_intern_count(&worker_units(e, k)->keys) + 1;

		/*
		 * From here on a worker's units are found by id alone: the
		 * index of its table of users goes before the counting
		 * phase takes memory of its own (ring_keys, the shares'
		 * buffers), which was the peak of every reporter with -j.
		 */
		jn_intern_seal(&worker_units(e, k)->keys);

		e->umap[k] = jn_xmalloc(nu * sizeof **e->umap);
		memset(e->umap[k], 0xff, nu * sizeof **e->umap);
		nextk[k] = jn_xmalloc(nu);
	}
	for (p = 0; p < n; p++) {
		shares[p].e = e;
		shares[p].part = p;
		shares[p].nextk = nextk;
	}
	for (p = 1; p < n; p++)
		shares[p].started = pthread_create(&shares[p].thread, NULL,
		    count_share, &shares[p]) == 0;
	count_share(&shares[0]);
	for (p = 0; p < n; p++) {
		if (shares[p].started)
			pthread_join(shares[p].thread, NULL);
		else if (p > 0)
			count_share(&shares[p]);	/* no thread: here */
		if (e->r->merge != NULL)
			e->r->merge(e->tool, e->workers[p]);
	}
	for (k = 0; k < n; k++) {
		free(nextk[k]);
		/* every record handed over: the blocks of every share */
		slabs_release(&worker_units(e, k)->slabs);
	}
	free(nextk);
	if (e->r->unit_move != NULL)
		number_globally(e, shares);
	for (p = 0; p < n; p++)
		free(shares[p].owner);
	free(shares);
	if (e->gmap == NULL) {	/* nobody will ask for global numbers */
		for (k = 0; k < n; k++)
			free(e->umap[k]);
		free(e->umap);
		e->umap = NULL;
	}
}

uint32_t
jn_engine_global(const struct jn_engine *e, int k, uint32_t id)
{
	const struct jn_units *u = worker_units(e, k);

	assert(e->gmap != NULL && id < jn_intern_count(&u->keys));
	return e->gmap[u->part[id]][e->umap[k][id]];
}

int
jn_engine_read(struct jn_engine *e, const struct jn_reporter *r,
    void *tool, const void *options, int jobs, char *const *files,
    int nfiles, const char *stdin_path)
{
	struct jn_units *u = units_of(r, tool);
	struct jn_input **win;
	void **ctx;
	int k, n, rc = -1;

	memset(e, 0, sizeof *e);
	e->r = r;
	e->tool = tool;
	e->jobs = u->sorted ? 1 : jobs;	/* --sorted: one unit at a time */
	u->engine = e;
	if (e->jobs <= 1) {
		rc = jn_input_run2(input_of(r, tool), files, nfiles,
		    r->event, tool, stdin_path);
		jn_units_drain(u);
		return rc;
	}
	n = e->jobs;
	e->workers = jn_xcalloc((size_t)n, sizeof *e->workers);
	e->nworkers = n;
	win = jn_xcalloc((size_t)n, sizeof *win);
	ctx = jn_xcalloc((size_t)n, sizeof *ctx);
	for (k = 0; k < n; k++) {
		void *w = jn_xmalloc(r->size);

		memcpy(w, options, r->size);
		if (r->setup(w, 1) != 0) {
			worker_free(r, w);
			goto out;
		}
		e->workers[k] = w;
		units_split(units_of(r, w), n);
		units_of(r, w)->engine = e;
		win[k] = input_of(r, w);
		ctx[k] = w;
	}
	rc = jn_input_run_jobs2(input_of(r, tool), win, ctx, n, files,
	    nfiles, r->event, stdin_path);
	for (k = 0; k < n; k++)
		jn_units_drain(units_of(r, e->workers[k]));
out:
	free(win);
	free(ctx);
	return rc;
}

/* The hashes of the users of units' keys into *h (*n so far, *cap). */
static void
hash_users(const struct jn_units *u, uint64_t **h, size_t *n, size_t *cap)
{
	size_t i, count = jn_intern_count(&u->keys), len;

	*h = jn_xgrow(*h, cap, *n + count + 1, sizeof **h);
	for (i = 0; i < count; i++) {
		const char *key = jn_intern_str(&u->keys, (uint32_t)i, &len);
		const char *nul;

		/* per session the key is user, NUL, session */
		if (u->per_session && (nul = memchr(key, '\0', len)) != NULL)
			len = (size_t)(nul - key);
		(*h)[(*n)++] = jn_hash(key, len);
	}
}

/* --partial: the fingerprint of this shard, its users (state.h). */
static void
collect_users(struct jn_engine *e)
{
	struct jn_units *mine = units_of(e->r, e->tool);
	uint64_t *h = NULL;
	size_t n = 0, cap = 0, i, m = 0;
	int k;

	if (e->nworkers == 0)
		hash_users(mine, &h, &n, &cap);
	for (k = 0; k < e->nworkers; k++)
		hash_users(worker_units(e, k), &h, &n, &cap);
	jn_sort_u64(h, n);
	for (i = 0; i < n; i++)
		if (i == 0 || h[i] != h[i - 1])
			h[m++] = h[i];
	free(mine->user_hash);
	mine->user_hash = h;
	mine->nuser_hash = m;
}

void
jn_engine_count(struct jn_engine *e)
{
	struct jn_units *u = units_of(e->r, e->tool);

	if (e->nworkers > 0) {
		count_parallel(e);
	} else if (u->sorted) {
		if (u->have_cur)
			flush_current(u);
		u->have_cur = 0;
	} else {
		if (e->r->prepare != NULL)
			e->r->prepare(e->tool, NULL, 0);
		count_one(e);
	}
	if (e->want_users)
		collect_users(e);
	if (e->r->counted != NULL)
		e->r->counted(e->tool, e);
}

/* What jn_engine_meta needs, after reading (states: files merged). */
static void
set_meta(struct jn_engine *e, const struct jn_reporter *r, const void *tool,
    const struct jn_run *run, int states)
{
	e->meta.r = r;
	e->meta.tool = tool;
	e->meta.on = run->meta;
	e->meta.states = states;
}

int
jn_engine_input(struct jn_engine *e, const struct jn_reporter *r,
    void *tool, const void *options, const struct jn_run *run,
    char *const *files, int nfiles, const char *stdin_path)
{
	struct jn_strbuf config = { NULL, 0, 0 };
	int rc, k;

	if (run->merge) {
		r->config(tool, &config);
		rc = jn_state_read(files, nfiles, r->name, config.buf,
		    r->merge_record, tool);
		free(config.buf);
		set_meta(e, r, tool, run, nfiles);
		return rc;
	}
	if (jn_engine_read(e, r, tool, options, run->jobs, files, nfiles,
	    stdin_path) != 0) {
		jn_input_finish(input_of(r, tool));
		return -1;
	}
	for (k = 0; k < e->nworkers; k++)
		jn_input_gather(input_of(r, tool), input_of(r, e->workers[k]));
	rc = jn_input_finish(input_of(r, tool)) != 0 ? JN_EXIT_ERROR :
	    JN_EXIT_OK;
	/* nothing used, mostly rejected, a name that matched nothing */
	if (jn_input_check(input_of(r, tool)) != 0)
		return -1;
	e->want_users = run->partial;
	jn_engine_count(e);
	jn_engine_release(e);	/* the workers are merged */
	set_meta(e, r, tool, run, 0);
	return rc;
}

void
jn_engine_meta(const struct jn_engine *e, enum jn_format fmt)
{
	const struct jn_input *in;
	struct jn_strbuf config = { NULL, 0, 0 };

	if (!e->meta.on)
		return;
	in = input_of(e->meta.r, (void *)(uintptr_t)e->meta.tool);
	e->meta.r->config(e->meta.tool, &config);
	/* a write error is the table's: its stream's error flag */
	(void)jn_meta_write(stdout, fmt, e->meta.r->name, config.buf,
	    in->records_in, in->bad.count, in->events_used,
	    (uint64_t)e->meta.states);
	free(config.buf);
}

int
jn_engine_write_state(const struct jn_reporter *r, void *tool)
{
	struct jn_strbuf config = { NULL, 0, 0 };
	int rc;

	r->config(tool, &config);
	rc = jn_state_begin(stdout, r->name, config.buf);
	free(config.buf);
	if (rc == 0)
		rc = r->write_state(tool, stdout);
	if (rc == 0)
		rc = jn_state_write_users(stdout, units_of(r, tool)->user_hash,
		    units_of(r, tool)->nuser_hash);
	return rc;
}

int
jn_run_option(struct jn_run *run, int opt, const char *arg)
{
	switch (opt) {
	case 'j':
		return jn_jobs_parse(arg, &run->jobs) == 0 ? 1 : -1;
	case JN_OPT_SORTED:
		run->sorted = 1;
		return 1;
	case JN_OPT_PARTIAL:
		run->partial = 1;
		return 1;
	case JN_OPT_MERGE:
		run->merge = 1;
		return 1;
	case JN_OPT_META:
		run->meta = 1;
		return 1;
	default:
		return 0;
	}
}

int
jn_run_check(struct jn_run *run)
{
	if (run->partial && run->merge)
		return jn_error("--partial and --merge: one or the other");
	/* presentation of the table: the run that writes it takes it */
	if (run->partial && jn_writer_fields_given())
		return jn_error("--partial writes a state, not a table: give "
		    "--fields to --merge");
	if (run->merge && run->sorted)
		return jn_error("--merge reads states, not events: no "
		    "--sorted");
	if (run->jobs == 0)
		run->jobs = jn_jobs_default();
	if (run->sorted)	/* one user at a time, in input order */
		run->jobs = 1;
	return 0;
}

int
jn_engine_main(const struct jn_reporter *r, void *tool, int argc,
    char **argv)
{
	struct jn_common *common = member(tool, r->common_off);
	const char *stdin_path = NULL;
	void *options;
	char **files;
	int nfiles, status;

	/* zeroed here too: the fuzz targets run main() many times */
	memset(tool, 0, r->size);
	jn_set_progname(argv[0]);
	jn_common_init(common);
	if (r->formats != 0)
		jn_format_allow(r->formats);
	if (r->parse(tool, argc, argv) != 0)
		return JN_EXIT_ERROR;
	files = argv + optind;
	nfiles = argc - optind;
	/* the parsed options, before setup: each worker starts from them */
	options = jn_xmalloc(r->size);
	memcpy(options, tool, r->size);
	if (r->setup(tool, 0) != 0 || (r->begin != NULL &&
	    r->begin(tool, files, nfiles, &stdin_path) != 0))
		status = -1;
	else if (r->input == NULL || (status = r->input(tool, files, nfiles,
	    stdin_path)) == JN_INPUT_ENGINE)
		status = jn_engine_input(member(tool, r->engine_off), r, tool,
		    options, member(tool, r->run_off), files, nfiles,
		    stdin_path);
	if (status >= 0 && r->end != NULL && r->end(tool, status) != 0)
		status = -1;
	if (status < 0) {
		state_release(r, tool);
		free(options);
		return JN_EXIT_ERROR;
	}
	if (((const struct jn_run *)member(tool, r->run_off))->partial) {
		if (jn_engine_write_state(r, tool) != 0)
			status = JN_EXIT_ERROR;
	} else if (r->write(tool, jn_format_resolve(common->out_format,
	    stdout), files, nfiles) != 0) {
		status = JN_EXIT_ERROR;
	} else if (status == JN_EXIT_OK && r->gate != NULL && r->gate(tool)) {
		status = JN_EXIT_GATE;
	}
	state_release(r, tool);
	free(options);
	return jn_close_stdout(status);
}

void
jn_engine_release(struct jn_engine *e)
{
	int k;

	for (k = 0; k < e->nworkers; k++) {
		if (e->umap != NULL)
			free(e->umap[k]);
		if (e->gmap != NULL)
			free(e->gmap[k]);
		if (e->workers[k] != NULL)
			worker_free(e->r, e->workers[k]);
	}
	free(e->umap);
	free(e->gmap);
	free(e->workers);
	memset(e, 0, sizeof *e);
}
