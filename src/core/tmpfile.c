/*
 * Temporary files removed whatever signal ends the run.  The registry is
 * a list that only grows, read by a signal handler that may run in any
 * thread at any moment: a node is complete before it is published with
 * an atomic store, and forgetting a file only clears its flag, so the
 * handler never meets a node half made or freed.  Nodes are kept until
 * the process ends (a run registers a few: a spool, N shards).
 */
#include "journey/tmpfile.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journey/util.h"

struct tmpnode {
	struct tmpnode *next;
	char *path;
	dev_t dev;
	ino_t ino;
	atomic_int live;
};

static _Atomic(struct tmpnode *) registered;
static int handling;		/* the handler is installed */

static const int caught[] = { SIGHUP, SIGINT, SIGPIPE, SIGTERM, SIGXCPU,
	SIGXFSZ };
#define NCAUGHT (sizeof caught / sizeof caught[0])

/* Only async-signal-safe calls: lstat, unlink, raise. */
static void
on_signal(int sig)
{
	struct tmpnode *n;
	struct stat st;

	for (n = atomic_load(&registered); n != NULL; n = n->next)
		if (atomic_load(&n->live) && lstat(n->path, &st) == 0 &&
		    st.st_dev == n->dev && st.st_ino == n->ino)
			unlink(n->path);
	/* SA_RESETHAND made the action the default again */
	raise(sig);
}

static void
install(void)
{
	struct sigaction sa, old;
	size_t i;

	handling = 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NCAUGHT; i++)
		if (sigaction(caught[i], NULL, &old) == 0 &&
		    old.sa_handler != SIG_IGN)
			sigaction(caught[i], &sa, NULL);
}

/* Publish a node for path, the file st describes. */
static void
publish(const char *path, const struct stat *st)
{
	struct tmpnode *n = jn_xcalloc(1, sizeof *n);

	n->path = jn_xstrdup(path);
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	atomic_init(&n->live, 1);
	n->next = atomic_load(&registered);
	while (!atomic_compare_exchange_weak(&registered, &n->next, n))
		;
}

/* Block the signals handled here (into *old), installing the handler. */
static void
block(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < NCAUGHT; i++)
		sigaddset(&set, caught[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
	if (!handling)
		install();
}

void
jn_tmpfile_add(const char *path, int fd)
{
	struct stat st;
	sigset_t old;

	block(&old);
	if (fstat(fd, &st) == 0)
		publish(path, &st);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int
jn_tmpfile_create(char *template, int shared)
{
	struct stat st;
	sigset_t old;
	mode_t mask;
	int fd, err;

	/* no handled signal between the creation and the registration */
	block(&old);
	fd = mkstemp(template);
	if (fd >= 0 && shared) {
		mask = umask(0);
		umask(mask);
		if (fchmod(fd, 0666 & ~mask) != 0) {
			err = errno;
			close(fd);
			unlink(template);
			fd = -1;
			errno = err;
		}
	}
	if (fd >= 0 && fstat(fd, &st) != 0) {
		err = errno;
		close(fd);
		unlink(template);
		fd = -1;
		errno = err;
	}
	if (fd >= 0)
		publish(template, &st);
	err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return fd;
}

void
jn_tmpfile_forget(const char *path)
{
	struct tmpnode *n;

	for (n = atomic_load(&registered); n != NULL; n = n->next)
		if (atomic_load(&n->live) && strcmp(n->path, path) == 0) {
			atomic_store(&n->live, 0);
			return;
		}
}
