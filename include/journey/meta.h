/*
 * How a table was made (--meta): the tool, its version, the definition
 * (the options that decide the table, as the configuration string of
 * --partial states) and the input it read, written before the table as
 * one line that readers of tables skip: "# journey {...}" in CSV and TSV,
 * an object {"journey_meta": {...}} in NDJSON.  Human formats (table,
 * markdown) carry none.  jcompare refuses to compare tables whose
 * definitions differ (journey(7) PROVENANCE).
 */
#ifndef JOURNEY_META_H
#define JOURNEY_META_H

#include <stdint.h>
#include <stdio.h>

#include "journey/writer.h"

/* The prefix of the line in CSV and TSV. */
#define JN_META_PREFIX "# journey "

struct jn_meta {
	char *tool, *version, *definition;
};

/*
 * Write the line for a table in fmt to out: records read, of them
 * rejected, events used; states merged instead (states > 0) with
 * --merge.  Nothing for table and markdown.  Returns 0, or -1 on a write
 * error (reported).
 */
int jn_meta_write(FILE *out, enum jn_format fmt, const char *tool,
    const char *definition, uint64_t records, uint64_t rejected,
    uint64_t used, uint64_t states);

/*
 * Parse the JSON object of a line (without its prefix; for NDJSON the
 * value of "journey_meta").  Returns 0, or -1 when it is not one (nothing
 * reported, *m left empty).
 */
int jn_meta_parse(const char *json, size_t len, struct jn_meta *m);
void jn_meta_release(struct jn_meta *m);

/*
 * Do a and b define the same table?  The tool and the definition count,
 * less the period read (--since, --until), which differs from night to
 * night by design.  Returns 0 when they are the same, else 1 with the
 * first item that differs in each (pointers into the definitions, or the
 * tools' names) in *ia, *la and *ib, *lb.
 */
int jn_meta_differ(const struct jn_meta *a, const struct jn_meta *b,
    const char **ia, size_t *la, const char **ib, size_t *lb);

#endif
