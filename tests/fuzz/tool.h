/*
 * Shared harness of the whole-tool fuzz targets (fuzz_jfunnel.c ...).
 * A target defines TOOL_MAIN, includes this file and then the tool's own
 * source with `#define main TOOL_MAIN`, so that the tool's real main()
 * runs in process, many times.  The fuzz input goes to temporary files
 * (mkstemp) named on the command line; standard output and standard
 * error point at /dev/null during each run, so that neither the tables
 * nor the diagnostics slow the fuzzer down.  Sanitizer and libFuzzer
 * reports still reach file descriptor 2.
 *
 * The tools end with jn_close_stdout(), which fcloses stdout (in the
 * tool, or in jn_engine_main for a reporter), and return early without
 * it on an error: the harness then finds the descriptor of its /dev/null
 * stream still open, and closes the stream itself, so that it is closed
 * exactly once either way.
 */
#ifndef FUZZ_TOOL_H
#define FUZZ_TOOL_H

#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journey/input.h"
#include "journey/writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A temporary file holding len bytes of data; the caller unlinks it. */
static inline void
fuzz_file(char *path, const uint8_t *data, size_t len)
{
	int fd = mkstemp(path);

	if (fd < 0)
		abort();
	if (len > 0 && write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

/*
 * Split data at its first NUL byte: the part before it in path1, the
 * part after in path2 (empty without a NUL), for the tools that read two
 * tables.
 */
static inline void
fuzz_files2(char *path1, char *path2, const uint8_t *data, size_t len)
{
	const uint8_t *nul = memchr(data, '\0', len);
	size_t n1 = nul != NULL ? (size_t)(nul - data) : len;

	fuzz_file(path1, data, n1);
	fuzz_file(path2, data + n1 + (nul != NULL), len - n1 - (nul != NULL));
}

/*
 * Run a tool's main() over argv (NULL-terminated, string literals or the
 * caller's buffers: getopt permutes the array, not the strings) and
 * check it returns an exit status the tools use.
 */
static inline int
fuzz_run(int (*tool_main)(int, char **), char **argv)
{
	static FILE *devnull_err;
	static int debug = -1;
	FILE *save_out = stdout, *save_err = stderr;
	int argc, status, fd;

	for (argc = 0; argv[argc] != NULL; argc++)
		continue;
	if (devnull_err == NULL &&
	    (devnull_err = fopen("/dev/null", "w")) == NULL)
		abort();
	/* FUZZ_TOOL_DEBUG=1: the tool's output and status on stderr */
	if (debug < 0)
		debug = getenv("FUZZ_TOOL_DEBUG") != NULL;
	if ((stdout = debug ? fdopen(dup(2), "w") :
	    fopen("/dev/null", "w")) == NULL)
		abort();
	if (!debug)
		stderr = devnull_err;
	fd = fileno(stdout);
	optind = 0;		/* GNU getopt: reinitialize completely */
	jn_writer_safe_csv(0);	/* --safe-csv is process-wide state */
	status = tool_main(argc, argv);
	/* closed by the tool: nothing opens a file after jn_close_stdout */
	if (fcntl(fd, F_GETFD) != -1)
		fclose(stdout);
	clearerr(devnull_err);
	stdout = save_out;
	stderr = save_err;
	if (debug)
		fprintf(stderr, "%s: status %d\n", argv[0], status);
	if (status < 0 || status > 2)
		abort();
	return status;
}

#endif
