/*
 * Fuzz target for predicates: the input up to its first NUL is compiled
 * as an expression, the rest is the value of every field; compiling,
 * matching and freeing must never crash or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey/pred.h"
#include "journey/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t elen = nul ? (size_t)(nul - data) : size, i;
	char *expr = malloc(elen + 1);
	struct jn_schema schema;
	struct jn_record rec;
	struct jn_pred *p;

	if (!quiet) {
		/* compile errors are expected by the thousand */
		setvbuf(stderr, NULL, _IOFBF, 1 << 16);
		quiet = 1;
	}
	memcpy(expr, data, elen);
	expr[elen] = '\0';
	jn_schema_init(&schema);
	p = jn_pred_compile(expr, &schema, jn_schema_field(&schema, "event"),
	    "fuzz");
	if (p != NULL) {
		memset(&rec, 0, sizeof rec);
		for (i = 0; i < schema.nslots; i++) {
			rec.vals[i].ptr = nul ? (const char *)nul + 1 : "";
			rec.vals[i].len = nul ? size - elen - 1 : 0;
		}
		if (jn_pred_match(p, &rec) > 1)
			abort();
		jn_pred_free(p);
	}
	jn_schema_release(&schema);
	free(expr);
	return 0;
}
