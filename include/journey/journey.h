/*
 * libjourney: the reader, records, predicates and times every journey tool
 * is built on, for C programs that read the same event logs the same way.
 * Include this header and link with `pkg-config --cflags --libs journey`
 * (a static library; examples/libjourney/ has a program using it).
 *
 * The public API, kept compatible within a major version (JN_VERSION):
 *
 *   journey/reader.h  jn_read (files or standard input as one stream,
 *                     gzip, CSV/TSV/NDJSON detected per file), struct
 *                     jn_reader_opts, the bad-record policy jn_badrec_init,
 *                     jn_badrec_add, jn_badrec_finish, jn_input_format_parse
 *   journey/record.h  struct jn_schema, struct jn_record, jn_schema_init,
 *                     jn_schema_release, jn_schema_field,
 *                     jn_schema_candidates, jn_schema_defaults,
 *                     jn_record_get
 *   journey/pred.h    jn_pred_compile, jn_pred_match, jn_pred_free (the
 *                     expression language of steps and --where)
 *   journey/time.h    jn_time_parse, jn_time_parse_zone, jn_duration_parse,
 *                     jn_time_format, JN_NS_PER_SEC
 *   journey/util.h    jn_set_progname, JN_VERSION, the JN_EXIT_ statuses
 *
 * Errors: a function that fails reports once on stderr as "PROGNAME:
 * message" (jn_set_progname) and returns -1 or NULL; allocation failure
 * exits with status 2.  Functions are not thread-safe on shared objects.
 *
 * Everything else in include/journey (the engine, aggregators, writers,
 * state files, the tools' helpers) and every struct member not named in
 * the headers' comments as the interface is internal: it may change in
 * any release.  jn_read_jobs (threads) is public but its worker
 * interface may still change.
 */
#ifndef JOURNEY_JOURNEY_H
#define JOURNEY_JOURNEY_H

#include "journey/pred.h"
#include "journey/reader.h"
#include "journey/record.h"
#include "journey/time.h"
#include "journey/util.h"

#endif
