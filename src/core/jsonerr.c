/*
 * Why an NDJSON line is bad, in jansson's words: simdjson (ndjson.cc) is
 * fast but terse about errors, so a rejected line is parsed once more by
 * jansson for a message with a column.  Only bad lines come here.
 */
#include "journey/ndjson.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

void
jn_ndjson_explain(const char *line, size_t len, char *msg, size_t msgsize,
    int *column)
{
	json_error_t err;
	json_t *v;
	const char *nul;

	*column = 0;
	if ((nul = memchr(line, '\0', len)) != NULL) {
		*column = (int)(nul - line) + 1;
		snprintf(msg, msgsize, "bad JSON at column %d: NUL byte",
		    *column);
		return;
	}
	v = json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (v == NULL) {
		*column = err.column;
		snprintf(msg, msgsize, "bad JSON at column %d: %s",
		    err.column, err.text);
		return;
	}
	if (!json_is_object(v))
		snprintf(msg, msgsize, "not a JSON object");
	else
		snprintf(msg, msgsize, "bad JSON (rejected by simdjson)");
	json_decref(v);
}
