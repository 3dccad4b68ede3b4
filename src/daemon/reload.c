/*
 * reload.c - SIGHUP reloads the configuration.
 *
 * libmilter runs a signal thread that sigwait()s for SIGHUP, SIGTERM and
 * SIGINT and stops the milter on any of them.  DESIGN.md wants SIGHUP to
 * reload, so this program defines sigwait(): libmilter's call resolves to
 * it (the executable's definition comes first), SIGHUP is handled here in
 * libmilter's signal thread and never returned, and every other signal
 * goes back to libmilter unchanged.  Nothing else in the program calls
 * sigwait().
 *
 * A reload builds a new snapshot off to the side; on any fatal error the
 * errors are logged and the old configuration stays in force.
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>

#include "daemon.h"
#include "milter/metrics.h"
#include "milter/milter.h"
#include "util/err.h"
#include "dkim/guard.h"
#include "prober.h"
#include "util/log.h"
#include "snap.h"

static const char *reload_path;

/* reload - load, publish or keep the old configuration; log the outcome */
static void
reload(void)
{
	struct tm_err err;
	struct tm_snap *s;
	char buf[1024];
	size_t i;

	tm_err_init(&err);
	if (tm_snap_load(reload_path, &err) < 0) {
		for (i = 0; i < err.n; i++) {
			tm_err_format(&err.items[i], buf, sizeof(buf));
			tm_log(err.items[i].kind == TM_ERR_WARNING ? TM_LOG_WARNING :
			       TM_LOG_ERROR, "%s", buf);
		}
		tm_log(TM_LOG_ERROR, "reload of %s failed: %zu errors; the "
		       "previous configuration stays in force", reload_path,
		       err.n_fatal);
		tm_metrics_reload(0);
		tm_err_fini(&err);
		return;
	}
	for (i = 0; i < err.n; i++) {
		tm_err_format(&err.items[i], buf, sizeof(buf));
		tm_log(err.items[i].kind == TM_ERR_WARNING ? TM_LOG_WARNING :
		       TM_LOG_ERROR, "%s", buf);
	}
	tm_prober_kick();
	if ((s = tm_snap_acquire()) != NULL) {
		tm_log(TM_LOG_INFO, "configuration reloaded from %s: %zu tenants, "
		       "generation %lu", reload_path, s->conf->n_tenants,
		       s->generation);
		tm_metrics_reload(1);
		tm_metrics_loaded(s->generation);
		tm_snap_release(s);
	}
	tm_err_fini(&err);
}

/* tm_reload_setup - remember what to reload */
void
tm_reload_setup(const char *conf_path)
{
	reload_path = conf_path;
}

/*
 * stop - SIGTERM/SIGINT: refuse new messages, close idle connections,
 * wait (at most TM_STOP_GRACE seconds) for the messages in flight, and
 * only then let libmilter have the signal: its worker pool stops serving
 * every session the moment it learns of the stop (milter_stop.c).
 */
static void
stop(void)
{
	int idle, busy;

	tm_stop_begin(&idle, &busy);
	tm_log(TM_LOG_INFO, "stopping: %d idle connections closed, %d messages "
	       "in flight", idle, busy);
	if (tm_milter_wait_idle(TM_STOP_GRACE) < 0)
		tm_log(TM_LOG_WARNING, "stopping after %d s with %d connections "
		       "still open", TM_STOP_GRACE, tm_milter_active());
	tm_stop_nudge();
}

/* sigwait - libmilter's signal wait, with SIGHUP kept for reloads */
int
sigwait(const sigset_t *set, int *sig)
{
	for (;;) {
		int s = sigwaitinfo(set, NULL);

		if (s < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (s == SIGHUP && reload_path != NULL) {
			reload();
			continue;
		}
		if (s == SIGTERM || s == SIGINT)
			stop();
		*sig = s;
		return 0;
	}
}
