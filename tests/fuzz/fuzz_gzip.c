/*
 * Fuzz target for gzip input.  The bytes are read three ways: as they
 * are (a gzip stream when they start like one: damaged headers, cut
 * members, trailing garbage), as the plain file they make, and gzipped
 * in two members; the last two must give the same records (in number,
 * bytes and lines), status and messages, and the gzipped copy cut short
 * anywhere but
 * between its members must be an error, never a shorter input read as
 * whole.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "journey/reader.h"
#include "journey/record.h"
#include "journey/util.h"

struct sum {
	uint64_t n, hash;
};

static int
add(void *ctx, const struct jn_record *rec)
{
	struct sum *s = ctx;
	size_t i;

	s->n++;
	s->hash = s->hash * 31 + rec->line;
	for (i = 0; i < rec->rawlen; i++)
		s->hash = (s->hash ^ (unsigned char)rec->raw[i]) *
		    UINT64_C(1099511628211);
	return 0;
}

static void
put(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		abort();
}

/* Read path raw (framed only): 0 or -1, with the records' sum. */
static int
read_raw(char *path, struct sum *s)
{
	static const char *const users[] = { "user_id", "user", "a" };
	struct jn_reader_opts opts;
	struct jn_schema schema;
	struct jn_badrec bad;
	uint64_t nin;
	char *files[1] = { path };
	int rc;

	memset(&opts, 0, sizeof opts);
	memset(s, 0, sizeof *s);
	opts.raw_only = 1;
	jn_schema_init(&schema);
	jn_schema_candidates(&schema, users, 3);
	jn_badrec_init(&bad, 0, NULL);
	rc = jn_read(files, 1, &opts, &schema, &bad, add, s, &nin);
	jn_badrec_finish(&bad, nin);
	jn_schema_release(&schema);
	return rc;
}

/*
 * data gzipped as two members (split at half) into *out; its size, and
 * in *first where the second member starts.
 */
static size_t
gzip2(const uint8_t *data, size_t size, uint8_t **out, size_t *first)
{
	size_t cap = size + size / 2 + 256, len = 0, half = size / 2;
	int m;

	*out = malloc(cap);
	if (*out == NULL)
		abort();
	for (m = 0; m < 2; m++) {
		z_stream z;

		memset(&z, 0, sizeof z);
		if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			abort();
		z.next_in = (uint8_t *)(m == 0 ? data : data + half);
		z.avail_in = (uInt)(m == 0 ? half : size - half);
		z.next_out = *out + len;
		z.avail_out = (uInt)(cap - len);
		if (deflate(&z, Z_FINISH) != Z_STREAM_END)
			abort();
		len = cap - z.avail_out;
		if (m == 0)
			*first = len;
		deflateEnd(&z);
	}
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/jn-fuzz-gzip-XXXXXX";
	struct jn_strbuf quiet = { NULL, 0, 0 }, pdiag = { NULL, 0, 0 },
	    zdiag = { NULL, 0, 0 };
	struct sum plain, gz, any;
	uint8_t *z;
	size_t zlen, first = 0, cut;
	int fd, prc, zrc;

	if (size > 1 << 20)
		return 0;
	if ((fd = mkstemp(path)) < 0)
		abort();
	close(fd);
	jn_diag_capture(&quiet);
	put(path, data, size);
	(void)read_raw(path, &any);
	if (size > 0 && data[0] != 0x1f) {
		jn_diag_capture(&pdiag);
		prc = read_raw(path, &plain);
		zlen = gzip2(data, size, &z, &first);
		put(path, z, zlen);
		jn_diag_capture(&zdiag);
		zrc = read_raw(path, &gz);
		jn_diag_capture(&quiet);
		if (zrc != prc || gz.n != plain.n || gz.hash != plain.hash ||
		    pdiag.len != zdiag.len || (pdiag.len > 0 &&
		    strcmp(pdiag.buf, zdiag.buf) != 0))
			abort();
		/* cut short past its first two bytes (gzip magic): an error */
		cut = (data[0] * (size_t)2654435761u) % zlen;
		put(path, z, cut);
		if (cut >= 2 && cut != first && read_raw(path, &gz) == 0)
			abort();
		free(z);
	}
	jn_diag_capture(NULL);
	free(quiet.buf);
	free(pdiag.buf);
	free(zdiag.buf);
	unlink(path);
	return 0;
}
