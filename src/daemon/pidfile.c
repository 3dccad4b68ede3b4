/*
 * pidfile.c - the `pidfile` setting: a file holding the daemon's process
 * id, locked (flock) for the daemon's whole life.
 *
 * It is opened and locked as root before the socket is bound, so a second
 * instance stops there ("already running") instead of taking over a unix
 * socket; the process id is written after detaching.  At the end the file
 * is removed, or emptied through the open descriptor when the run user may
 * not remove it (a root-owned directory such as /run/tenant-milter).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "daemon.h"
#include "util/log.h"

static int pid_fd = -1;
static char pid_path[4096];

/* tm_pidfile_lock - open and lock; -1 (logged) when it cannot */
int
tm_pidfile_lock(const char *path)
{
	char buf[32] = "";
	ssize_t n;

	if (path == NULL)
		return 0;
	if (snprintf(pid_path, sizeof(pid_path), "%s", path) >= (int)sizeof(pid_path) ||
	    (pid_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0) {
		tm_log(TM_LOG_FATAL, "pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(pid_fd, LOCK_EX | LOCK_NB) < 0) {
		n = pread(pid_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		tm_log(TM_LOG_FATAL, "already running (pid %s, pidfile %s)",
		       buf[0] ? buf : "?", path);
		close(pid_fd);
		pid_fd = -1;
		return -1;
	}
	return 0;
}

/* tm_pidfile_write - this process's id, after detaching */
int
tm_pidfile_write(void)
{
	char buf[32];
	int n;

	if (pid_fd < 0)
		return 0;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pid_fd, 0) < 0 || pwrite(pid_fd, buf, (size_t)n, 0) != n) {
		tm_log(TM_LOG_FATAL, "pidfile %s: %s", pid_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* tm_pidfile_remove - at the end: remove, else empty it */
void
tm_pidfile_remove(void)
{
	if (pid_fd < 0)
		return;
	if (unlink(pid_path) < 0 && ftruncate(pid_fd, 0) < 0)
		tm_log(TM_LOG_WARNING, "pidfile %s: %s", pid_path, strerror(errno));
	close(pid_fd);
	pid_fd = -1;
}
