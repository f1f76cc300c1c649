/*
 * Fuzz target for the XES reader.  The converter alone first: the bytes
 * fed in chunks whose sizes the first byte sets, each line read back
 * with its item, checking that every line is an object or, for a bad
 * trace, empty with a reason; then the whole reader over the bytes as a
 * .xes file and forced with -I xes, with -j 2 too, through the default
 * user, time and event names and a rejects file.  Nothing may crash,
 * hang or leak.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journey/reader.h"
#include "journey/record.h"
#include "journey/xes.h"

static int
touch(void *ctx, const struct jn_record *rec)
{
	size_t i, *sum = ctx;

	for (i = 0; i < JN_MAX_SLOTS; i++)
		if (rec->vals[i].ptr != NULL) {
			*sum += (unsigned char)rec->vals[i].ptr[0];
			if (rec->vals[i].ptr[rec->vals[i].len] != '\0')
				abort();
		}
	if (rec->format != JN_IN_NDJSON || rec->line == 0)
		abort();
	*sum += rec->rawlen;
	return 0;
}

/* Check the lines out[0..n) against their items; returns how many. */
static size_t
check_lines(struct jn_xes *x, const char *out, size_t n)
{
	struct jn_xes_item it;
	size_t lines = 0;
	const char *p = out, *end = out != NULL ? out + n : NULL, *nl;

	while (p != NULL && p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			abort();	/* every line is whole at the end */
		if (jn_xes_pop(x, &it) != 0 || it.line == 0)
			abort();
		if (it.bad) {
			if (nl != p || it.reason == NULL ||
			    strncmp(it.reason, "bad XML: ", 9) != 0 ||
			    (it.rawlen > 0 && it.raw == NULL))
				abort();
		} else if (nl - p < 2 || p[0] != '{' || nl[-1] != '}' ||
		    memchr(p, '\r', (size_t)(nl - p)) != NULL) {
			abort();
		}
		lines++;
		p = nl + 1;
	}
	if (jn_xes_pop(x, &it) != -1)
		abort();
	return lines;
}

static void
convert(const uint8_t *data, size_t size)
{
	struct jn_xes *x = jn_xes_new();
	size_t step = size > 0 ? (size_t)data[0] % 61 + 1 : 1, at = 0;
	char *out = NULL, chunk[97];
	size_t len = 0, k;
	uint64_t line;
	int failed = 0;

	while (!failed) {
		size_t n = size - at < step ? size - at : step;
		int final = at + n == size;

		failed = jn_xes_feed(x, (const char *)data + at, n, final) != 0;
		at += n;
		/* read in odd pieces: lines may be split between reads */
		while ((k = jn_xes_read(x, chunk, sizeof chunk)) > 0) {
			out = realloc(out, len + k);
			if (out == NULL)
				abort();
			memcpy(out + len, chunk, k);
			len += k;
		}
		if (final)
			break;
	}
	if (failed && jn_xes_error(x, &line)[0] == '\0')
		abort();
	check_lines(x, out, len);
	free(out);
	jn_xes_free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const users[] = { "case:concept:name", "user_id" };
	static const char *const times[] = { "time:timestamp", "timestamp" };
	static const char *const events[] = { "concept:name", "event" };
	char dir[] = "/tmp/jn-fuzz-xes-XXXXXX", path[64], rpath[64];
	char *files[1];
	struct jn_schema schema;
	int fd, f;
	size_t sum = 0;

	convert(data, size);
	if (mkdtemp(dir) == NULL)
		abort();
	/* named .xes: read as XES whatever the bytes */
	snprintf(path, sizeof path, "%s/in.xes", dir);
	snprintf(rpath, sizeof rpath, "%s/rejects", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) < 0)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	files[0] = path;
	jn_schema_init(&schema);
	jn_schema_defaults(&schema, users, 2);
	jn_schema_defaults(&schema, times, 2);
	jn_schema_defaults(&schema, events, 2);
	jn_schema_field(&schema, "case:AMOUNT_REQ");
	for (f = 0; f < 2; f++) {
		struct jn_reader_opts opts = {
			.format = f ? JN_IN_XES : JN_IN_AUTO };
		struct jn_read_worker w[2];
		struct jn_badrec bad, wbad[2];
		uint64_t nin, njobs;
		size_t wsum[2] = { 0, 0 };
		int i;

		if (jn_badrec_init(&bad, 0, rpath) != 0)
			abort();
		jn_read(files, 1, &opts, &schema, &bad, touch, &sum, &nin);
		if (bad.count > nin)
			abort();
		bad.count = 0;	/* no warning: thousands of runs would print */
		jn_badrec_finish(&bad, nin);

		/*
		 * With two reading threads (for one input in four: the
		 * threads are slow to start): the same records counted.
		 */
		if (size == 0 || data[size - 1] % 4 != 0)
			continue;
		if (jn_badrec_init(&bad, 0, NULL) != 0)
			abort();
		for (i = 0; i < 2; i++) {
			jn_badrec_init(&wbad[i], 0, NULL);
			w[i].schema = &schema;
			w[i].bad = &wbad[i];
			w[i].fn = touch;
			w[i].ctx = &wsum[i];
		}
		jn_read_jobs(files, 1, &opts, &schema, &bad, w, 2, &njobs);
		if (njobs != nin)
			abort();
		bad.count = 0;
		jn_badrec_finish(&bad, njobs);
		for (i = 0; i < 2; i++) {
			wbad[i].count = 0;
			jn_badrec_finish(&wbad[i], 0);
		}
	}
	jn_schema_release(&schema);
	unlink(path);
	unlink(rpath);
	rmdir(dir);
	return 0;
}
