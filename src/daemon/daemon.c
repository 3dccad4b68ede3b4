/*
 * daemon.c - the milter's life: load the configuration, bind the socket,
 * drop privileges, detach, serve, stop gracefully.
 *
 * Order matters: the socket is bound (smfi_opensocket) while still root,
 * so a privileged port or a socket directory owned by root work; then
 * privileges are dropped for good, before any message is read.
 */

#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "util/err.h"
#include "dkim/guard.h"
#include "prober.h"
#include "util/log.h"
#include "milter/metrics.h"
#include "milter/milter.h"
#include "dkim/sign.h"
#include "snap.h"

/* report - every configuration problem, to syslog and stderr */
static void
report(const struct tm_err *err)
{
	char buf[1024];
	size_t i;

	for (i = 0; i < err->n; i++) {
		tm_err_format(&err->items[i], buf, sizeof(buf));
		tm_log(err->items[i].kind == TM_ERR_WARNING ? TM_LOG_WARNING :
		       TM_LOG_ERROR, "%s", buf);
	}
}

/* drop_privileges - become user for good; -1 on any failure */
static int
drop_privileges(const char *user, const char *sock)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (user == NULL)
		return 0;
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		tm_log(TM_LOG_FATAL, "user %s: no such user", user);
		return -1;
	}
	if (geteuid() != 0) {
		if (geteuid() != pw.pw_uid)
			tm_log(TM_LOG_WARNING, "not started as root: cannot "
			       "become user %s; running as uid %ld", user,
			       (long)geteuid());
		return 0;
	}
	/* A unix socket must stay usable by the MTA after the drop. */
	if (sock && (strncmp(sock, "unix:", 5) == 0 ||
		     strncmp(sock, "local:", 6) == 0) &&
	    chown(strchr(sock, ':') + 1, pw.pw_uid, pw.pw_gid) < 0)
		tm_log(TM_LOG_WARNING, "chown %s: %s", strchr(sock, ':') + 1,
		       strerror(errno));
	if (initgroups(user, pw.pw_gid) < 0 || setgid(pw.pw_gid) < 0 ||
	    setuid(pw.pw_uid) < 0) {
		tm_log(TM_LOG_FATAL, "cannot become user %s: %s", user,
		       strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		tm_log(TM_LOG_FATAL, "privileges could be regained after the drop");
		return -1;
	}
	return 0;
}

/*
 * preflight - validate as started (root), learn socket and user.  The
 * snapshot that serves is built later, after the privilege drop and the
 * detach: its resolver runs a thread (threads do not survive fork), and
 * key files must be readable by the user the daemon runs as, exactly as
 * on every SIGHUP reload.  Without `user` nothing changes between the two
 * (a loaded configuration has no threads), so the configuration is kept
 * in *keep and served as loaded: at 100,000 tenants a second load is
 * half the start time.
 */
static int
preflight(const char *path, char **sock, char **user, char **pidfile,
	  struct tm_conf **keep)
{
	struct tm_err err;
	struct tm_conf *conf;

	tm_err_init(&err);
	conf = tm_conf_load(path, &err);
	if (conf)	/* what `user` will not be able to read, with the fix */
		tm_conf_check_runas(conf, &err);
	report(&err);
	tm_err_fini(&err);
	if (conf == NULL) {
		tm_log(TM_LOG_FATAL, "%s: invalid configuration, not starting",
		       path);
		return -1;
	}
	*sock = strdup(conf->socket);
	*user = conf->user ? strdup(conf->user) : NULL;
	*pidfile = conf->pidfile ? strdup(conf->pidfile) : NULL;
	if (conf->user == NULL)
		*keep = conf;
	else
		tm_conf_free(conf);
	return *sock ? 0 : -1;
}

/* serve_snapshot - the first published snapshot, as the run user (conf:
 * the preflight's, taken over, or NULL to load it again) */
static int
serve_snapshot(const char *path, int foreground, struct tm_conf *conf)
{
	struct tm_err err;
	struct tm_snap *snap;

	tm_err_init(&err);
	if ((conf ? tm_snap_publish(conf, &err) : tm_snap_load(path, &err)) < 0) {
		report(&err);
		tm_log(TM_LOG_FATAL, "%s: cannot load the configuration", path);
		tm_err_fini(&err);
		return -1;
	}
	snap = tm_snap_acquire();
	tm_log_open("tenant-milter", snap->conf->log.facility,
		    snap->conf->log.level, foreground);
	report(&err);
	tm_err_fini(&err);
	tm_log(TM_LOG_INFO, "starting: %zu tenants, socket %s",
	       snap->conf->n_tenants, snap->conf->socket);
	tm_metrics_loaded(snap->generation);
	tm_snap_release(snap);
	if (tm_sign_init() < 0) {
		tm_log(TM_LOG_FATAL, "cannot initialize the DKIM signer (OpenSSL SHA-256)");
		return -1;
	}
	return 0;
}

/* tm_daemon_run - serve until stopped */
int
tm_daemon_run(const char *path, int foreground)
{
	char *sock = NULL, *user = NULL, *pidfile = NULL;
	struct tm_conf *conf = NULL;
	sigset_t sigs;
	int rc;

	tm_log_open("tenant-milter", "mail", "info", foreground);
	if (preflight(path, &sock, &user, &pidfile, &conf) < 0)
		return 1;
	if (tm_pidfile_lock(pidfile) < 0)	/* before the socket: one instance */
		goto fail;
	/* A unix socket is created 0770: the MTA reaches it through the
	 * milter's group (usermod -aG tenant-milter postfix). */
	umask(007);
	tm_stop_listen(sock);
	if (smfi_setconn(sock) != MI_SUCCESS ||
	    smfi_register(*tm_milter_desc()) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		tm_log(TM_LOG_FATAL, "cannot listen on %s", sock);
		goto fail;
	}
	if (drop_privileges(user, sock) < 0)
		goto fail;
	if (!foreground && daemon(0, 0) < 0) {
		tm_log(TM_LOG_FATAL, "cannot detach: %s", strerror(errno));
		goto fail;
	}
	if (tm_pidfile_write() < 0)
		goto fail;
	/*
	 * Before any thread exists (resolver, guard prober): block the signals
	 * libmilter's signal thread waits for, so every thread inherits the
	 * block and that thread alone receives them.  Otherwise SIGHUP could
	 * land on another thread and its default action would end the process.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	rc = serve_snapshot(path, foreground, conf);
	conf = NULL;			/* the snapshot's now, or freed */
	if (rc < 0)
		goto fail;
	tm_reload_setup(path);
	if (tm_metrics_start() < 0)
		tm_log(TM_LOG_WARNING, "cannot start the metrics writer");
	if (tm_prober_start() < 0)
		tm_log(TM_LOG_WARNING, "cannot start the DMARC guard prober: keys "
		       "are checked per message only");
	/* Returns once reload.c's stop() let libmilter have SIGTERM: the
	 * messages in flight are done (or the grace period is over). */
	rc = smfi_main();
	if (tm_milter_active() > 0)
		tm_log(TM_LOG_WARNING, "stopping with %d connections still open",
		       tm_milter_active());
	tm_metrics_stop();
	tm_prober_stop();
	tm_snap_shutdown();
	tm_sign_fini();
	tm_pidfile_remove();
	free(sock);
	free(user);
	free(pidfile);
	tm_log(TM_LOG_INFO, "stopped");
	return rc == MI_SUCCESS ? 0 : 1;
fail:
	tm_conf_free(conf);		/* not served */
	free(sock);
	free(user);
	free(pidfile);
	return 1;
}
