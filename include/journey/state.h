/*
 * Mergeable states: what a reporter writes with --partial and reads back
 * with --merge, so that shards of a log (each holding whole users) can be
 * counted apart, on one machine or a cluster, and merged into exactly the
 * table one run over the whole log gives.  A state is NDJSON: a header
 * line naming the tool, the format version and the tool's configuration
 * (the options that decide the result, so that states of different runs
 * are never merged), then one object per record with named fields:
 * strings (or null), integers, arrays of integers, arrays of such arrays,
 * and exact sums (struct jn_xsum, as their digits).  jansson does the
 * JSON; its objects never leave this module.
 */
#ifndef JOURNEY_STATE_H
#define JOURNEY_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "journey/xsum.h"

/* One record being written or read.  Borrowed during reading. */
struct jn_state_rec;
struct jn_common;
struct jn_strbuf;

/*
 * Building a configuration string: NAME=LEN:VALUE; (NAME=-; for NULL),
 * the length keeping any text from passing for another.
 */
void jn_state_config_item(struct jn_strbuf *b, const char *name,
    const char *v);
/*
 * The shared options that change every reporter's result (field names,
 * --where, --since, --until, the session gap), first in every tool's
 * configuration string.
 */
void jn_state_config_common(struct jn_strbuf *b, const struct jn_common *c);

/* Write the header line.  Returns 0, or -1 (reported) on a write error. */
int jn_state_begin(FILE *out, const char *tool, const char *config);
/* A new empty record (caller frees it with jn_state_rec_free). */
struct jn_state_rec *jn_state_rec_new(void);
void jn_state_rec_free(struct jn_state_rec *r);
/* Set a field; s NULL writes null.  Cannot fail. */
void jn_state_set_str(struct jn_state_rec *r, const char *key,
    const char *s, size_t len);
void jn_state_set_ints(struct jn_state_rec *r, const char *key,
    const int64_t *v, size_t n);
/* Arrays v[0..count) of n[i] integers each. */
void jn_state_set_int_arrays(struct jn_state_rec *r, const char *key,
    int64_t *const *v, const size_t *n, size_t count);
void jn_state_set_xsums(struct jn_state_rec *r, const char *key,
    const struct jn_xsum *s, size_t n);
/* Write r as one line and empty it.  Returns 0 or -1 (reported). */
int jn_state_write(FILE *out, struct jn_state_rec *r);

/*
 * The fingerprint of a shard: its users, as 64-bit hashes h[0..n) of
 * their ids (jn_hash), in records of their own after the tool's.  --merge
 * refuses a user met in two states (a shard read twice, a retried task's
 * output caught by a glob, shards that overlap): counts would add twice.
 * Returns 0 or -1 (reported).
 */
int jn_state_write_users(FILE *out, const uint64_t *h, size_t n);

/* Reading states: one file after another, in the order given. */
struct jn_state_in;
/* One record read; returns 0, or -1 to stop (reported). */
typedef int (*jn_state_record_fn)(void *ctx, struct jn_state_in *in,
    const struct jn_state_rec *r);
/*
 * Read the states in files[0..nfiles) ("-" or none: standard input) of
 * tool with configuration config, calling fn for every record in order
 * (not for the users' records, checked here).
 * A file may hold several states one after the other (shards' states
 * concatenated), each with its header.  Returns 0, or -1 after reporting
 * as FILE:LINE: what: a file that cannot be read, one that is not a state
 * of tool, one of another configuration (the options differ), bad JSON,
 * a user in two states, or fn's -1.  A record is valid only during its call.
 */
int jn_state_read(char *const *files, int nfiles, const char *tool,
    const char *config, jn_state_record_fn fn, void *ctx);
/*
 * Report "FILE:LINE: message" at the record last read, for contents a
 * tool finds wrong.  Always returns -1.
 */
int jn_state_error(const struct jn_state_in *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Fields of a record read.  Each returns 0, or -1 after reporting
 * "FILE:LINE: field KEY: what" when the field is missing or of another
 * type.  jn_state_get_str sets *s NULL for null; strings and arrays are
 * valid until the next jn_state_next; arrays are caller-freed copies
 * (*v malloc'd, *n elements).
 */
int jn_state_get_str(struct jn_state_in *in, const struct jn_state_rec *r,
    const char *key, const char **s, size_t *len);
int jn_state_get_ints(struct jn_state_in *in, const struct jn_state_rec *r,
    const char *key, int64_t **v, size_t *n);
/* Array i of field key (arrays of arrays), as jn_state_get_ints. */
int jn_state_get_int_array(struct jn_state_in *in,
    const struct jn_state_rec *r, const char *key, size_t i, int64_t **v,
    size_t *n);
/* n sums, added (exactly) into sums[0..n). */
int jn_state_add_xsums(struct jn_state_in *in, const struct jn_state_rec *r,
    const char *key, struct jn_xsum *sums, size_t n);

#endif
