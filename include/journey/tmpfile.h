/*
 * Files a run creates and must not leave behind half written: a spool of
 * standard input, a shard before it is renamed into place, a --rejects
 * file being written.  Each is
 * registered here from its creation on and removed should a signal end
 * the process: SIGHUP, SIGINT, SIGPIPE, SIGTERM, SIGXCPU and SIGXFSZ,
 * each unless it was ignored when the first file was registered (nohup,
 * a shell's trap '').  The handler removes every registered file that is
 * still the one created (same device and inode), then lets the signal
 * end the process as it would have, so the exit status is the signal's.
 * SIGKILL cannot be caught: a file renamed into place at the end is never
 * seen half written, whatever ends the run.
 */
#ifndef JOURNEY_TMPFILE_H
#define JOURNEY_TMPFILE_H

/*
 * Create a new empty file from template, whose last six characters,
 * "XXXXXX", are replaced as mkstemp(3) does, with mode 0600 or, when
 * shared, 0666 less the umask; register it before any signal handled
 * here can be delivered.  Returns the descriptor, open for writing, or
 * -1 with errno set (nothing reported).
 */
int jn_tmpfile_create(char *template, int shared);

/*
 * Register path, a file the caller created and holds open as fd (an
 * output that is incomplete until the end of the run), as
 * jn_tmpfile_create does.  Cannot fail (out of memory exits); a file
 * that cannot be examined is not registered.
 */
void jn_tmpfile_add(const char *path, int fd);

/*
 * Forget path: renamed into place, completed, or removed.  An unknown path is
 * ignored.  Cannot fail.
 */
void jn_tmpfile_forget(const char *path);

#endif
