/*
 * Runs a command and reports its wall time and peak memory, for the
 * benchmark script; GNU time is not installed everywhere, and bash's `time`
 * does not report memory.
 *
 *	bench-rusage REPORT COMMAND [ARG...]
 *
 * The command inherits standard input, output and error.  When it ends,
 * REPORT receives one line: wall seconds, peak resident set size in
 * kilobytes (ru_maxrss of the command, the largest of it and its waited-for
 * children), and its exit status (128 + the signal number if killed).  The
 * exit status is also bench-rusage's own; 127 if the command cannot run.
 */

#define _DEFAULT_SOURCE
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	FILE *report;
	double t0, wall;
	pid_t pid;
	int status, code;

	if (argc < 3) {
		fputs("usage: bench-rusage REPORT COMMAND [ARG...]\n", stderr);
		return 2;
	}
	if ((report = fopen(argv[1], "w")) == NULL) {
		fprintf(stderr, "bench-rusage: %s: %s\n", argv[1],
		    strerror(errno));
		return 2;
	}
	t0 = now();
	if ((pid = fork()) == -1) {
		perror("bench-rusage: fork");
		return 2;
	}
	if (pid == 0) {
		fclose(report);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "bench-rusage: %s: %s\n", argv[2],
		    strerror(errno));
		_exit(127);
	}
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, 0, &ru) == -1) {
		if (errno != EINTR) {
			perror("bench-rusage: wait4");
			return 2;
		}
	}
	wall = now() - t0;
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else
		code = 128 + WTERMSIG(status);
	fprintf(report, "%.3f %ld %d\n", wall, ru.ru_maxrss, code);
	if (fclose(report) != 0) {
		perror("bench-rusage: report");
		return 2;
	}
	return code;
}
