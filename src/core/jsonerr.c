/*
 * Why an NDJSON line is bad, in jansson's words: simdjson (ndjson.cc) is
 * fast but terse about errors, so a line it refused is parsed once more
 * by jansson for a message with a column.  Only bad lines come here.  The
 * two parsers are kept to the same rules (see ndjson.h); should jansson
 * still accept the line, simdjson's own reason is given.
 */
#include "journey/ndjson.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

void
jn_ndjson_explain(const char *line, size_t len, char *msg, size_t msgsize,
    int *column)
{
	json_error_t err;
	json_t *v;
	const char *nul, *why, *p;

	*column = 0;
	/*
	 * jansson reads a NUL byte after a number or a literal as the end
	 * of the token, and reports others as the end of the input: name
	 * it ourselves.
	 */
	if ((nul = memchr(line, '\0', len)) != NULL) {
		/* in characters, as jansson counts: skip UTF-8 tails */
		for (p = line; p <= nul; p++)
			if (((unsigned char)*p & 0xc0) != 0x80)
				(*column)++;
		snprintf(msg, msgsize, "bad JSON at column %d: NUL byte",
		    *column);
		return;
	}
	/* any value, so that "[1]" is told apart from broken JSON */
	v = json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (v == NULL) {
		if (err.column > 0) {
			*column = err.column;
			snprintf(msg, msgsize, "bad JSON at column %d: %s",
			    err.column, err.text);
		} else
			snprintf(msg, msgsize, "bad JSON: %s", err.text);
		return;
	}
	if (!json_is_object(v))
		snprintf(msg, msgsize, "not a JSON object");
	else {
		char reason[256];
		size_t n;

		if ((why = jn_ndjson_reason(line, len)) == NULL)
			why = "refused by simdjson";
		/* simdjson writes sentences; ours are lowercase, no stop */
		snprintf(reason, sizeof reason, "%s", why);
		reason[0] = (char)tolower((unsigned char)reason[0]);
		n = strlen(reason);
		if (n > 0 && reason[n - 1] == '.')
			reason[n - 1] = '\0';
		snprintf(msg, msgsize, "bad JSON: %s", reason);
	}
	json_decref(v);
}
