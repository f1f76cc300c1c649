/*
 * Tests of the temporary-file registry: a registered file is removed
 * when a signal ends the process, which dies of that signal; a forgotten
 * one is left; a file put in its place is not removed; modes.  Each
 * case runs in a child process, which the signal ends.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "journey/tmpfile.h"

enum { KEEP, FORGET, REPLACE };

/*
 * In a child: create a file, do what, write its name for child_path()
 * and die of sig; check that the child died of sig.
 */
static void
die_with(int what, int sig)
{
	char path[64], other[80];
	int status, fd;
	pid_t pid;

	strcpy(path, "/tmp/jn-test-tmpfile-XXXXXX");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if ((fd = jn_tmpfile_create(path, 0)) < 0)
			_exit(3);
		if (write(fd, "x", 1) != 1)
			_exit(3);
		close(fd);
		if (what == FORGET)
			jn_tmpfile_forget(path);
		/* made while the first exists: another inode */
		snprintf(other, sizeof other, "%s.new", path);
		if (what == REPLACE && ((fd = open(other, O_CREAT | O_WRONLY,
		    0600)) < 0 || close(fd) != 0 || rename(other, path) != 0))
			_exit(3);
		/* report the name through a file the parent knows */
		fd = open("/tmp/jn-test-tmpfile-name", O_CREAT | O_TRUNC |
		    O_WRONLY, 0600);
		if (fd < 0 || write(fd, path, strlen(path)) !=
		    (ssize_t)strlen(path))
			_exit(3);
		close(fd);
		raise(sig);
		_exit(4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), sig);
}

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* The name the child wrote. */
static const char *
child_path(void)
{
	static char path[64];
	FILE *f = fopen("/tmp/jn-test-tmpfile-name", "r");

	assert_non_null(f);
	assert_non_null(fgets(path, sizeof path, f));
	fclose(f);
	unlink("/tmp/jn-test-tmpfile-name");
	return path;
}

static void
test_removed_by_signal(void **state)
{
	const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		die_with(KEEP, sigs[i]);
		assert_false(exists(child_path()));
	}
}

static void
test_forgotten_kept(void **state)
{
	const char *path;

	(void)state;
	die_with(FORGET, SIGTERM);
	path = child_path();
	assert_true(exists(path));
	unlink(path);
}

/* Another file under the name (another inode) is not the one created. */
static void
test_replaced_kept(void **state)
{
	const char *path;

	(void)state;
	die_with(REPLACE, SIGTERM);
	path = child_path();
	assert_true(exists(path));
	unlink(path);
}

static void
test_modes(void **state)
{
	char a[] = "/tmp/jn-test-tmpfile-XXXXXX";
	char b[] = "/tmp/jn-test-tmpfile-XXXXXX";
	struct stat st;
	mode_t old = umask(022);
	int fd;

	(void)state;
	assert_true((fd = jn_tmpfile_create(a, 0)) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	close(fd);
	assert_true((fd = jn_tmpfile_create(b, 1)) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	close(fd);
	umask(old);
	unlink(a);
	unlink(b);
	jn_tmpfile_forget(a);
	jn_tmpfile_forget(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_removed_by_signal),
		cmocka_unit_test(test_forgotten_kept),
		cmocka_unit_test(test_replaced_kept),
		cmocka_unit_test(test_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
