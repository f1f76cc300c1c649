/*
 * Fuzz target for the reader: arbitrary bytes as an input file, read as
 * detected and as each forced format, then as detected with ';' for the
 * CSV separator (--delimiter), with the common user/time/event slots, a
 * slot of default names matched folded, and a rejects file.  Every record handed out must have a value
 * that stays inside its own bytes, and nothing may crash or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journey/reader.h"
#include "journey/record.h"

static int
touch(void *ctx, const struct jn_record *rec)
{
	size_t i, *sum = ctx;

	for (i = 0; i < JN_MAX_SLOTS; i++)
		if (rec->vals[i].ptr != NULL) {
			/* the value and its terminating NUL are readable */
			*sum += (unsigned char)rec->vals[i].ptr[0];
			if (rec->vals[i].ptr[rec->vals[i].len] != '\0')
				abort();
		}
	*sum += rec->rawlen;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const users[] = { "user_id", "user", "a" };
	static const char *const times[] = { "ts", "time", "b" };
	static const char *const loose[] = { "case:concept:name", "User ID",
	    "c" };
	char path[] = "/tmp/jn-fuzz-reader-XXXXXX";
	char rpath[] = "/tmp/jn-fuzz-rejects-XXXXXX";
	char *files[1];
	struct jn_schema schema;
	int fd = mkstemp(path), rfd = mkstemp(rpath), f;
	size_t sum = 0;

	if (fd < 0 || rfd < 0)
		abort();
	close(rfd);
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	files[0] = path;
	jn_schema_init(&schema);
	jn_schema_candidates(&schema, users, 3);
	jn_schema_candidates(&schema, times, 3);
	jn_schema_field(&schema, "event");
	/* dotted names: paths into nested NDJSON values, or column names */
	jn_schema_field(&schema, "a.b");
	jn_schema_field(&schema, "c.0.d");
	jn_schema_defaults(&schema, loose, 3);
	for (f = JN_IN_AUTO; f <= JN_IN_NDJSON + 1; f++) {
		struct jn_reader_opts opts = {
			.format = f > JN_IN_NDJSON ? JN_IN_AUTO :
			    (enum jn_input_format)f,
			.delim = f > JN_IN_NDJSON ? ';' : 0 };
		struct jn_badrec bad;
		uint64_t nin;

		if (jn_badrec_init(&bad, 0, rpath) != 0)
			abort();
		jn_read(files, 1, &opts, &schema, &bad, touch, &sum, &nin);
		if (bad.count > nin)
			abort();
		bad.count = 0;	/* no warning: thousands of runs would print */
		jn_badrec_finish(&bad, nin);
	}
	jn_schema_release(&schema);
	unlink(path);
	unlink(rpath);
	return 0;
}
