#ifndef TM_SNAP_H
#define TM_SNAP_H

/*
 * snap - the current configuration as an immutable, refcounted snapshot.
 *
 * tm_snap_load() builds a new configuration off to the side; only when it
 * has no fatal error is it published, replacing the old one.  A message
 * takes a reference at its start (tm_snap_acquire) and drops it at its
 * end: messages in flight finish under the policy they started with, and
 * the last release of an old snapshot frees it (keys included).
 *
 * Thread safety: acquire/release/publish under one short mutex; the
 * snapshot itself is never written after publication.
 *
 * The process singletons (STYLE.md section 5): everything else is per
 * snapshot, per connection or per message.
 *
 *   state                      owner (file)            behind
 *   current snapshot, its      snap.c                  tm_snap_load/acquire/
 *     generation                                       release/shutdown, one mutex
 *   the guard's prober thread, daemon/prober.c         tm_prober_start/kick/stop,
 *     last logged key states                           its own mutex and condvar
 *   logging (level, stderr)    util/log.c              tm_log_open, tm_log; mutex
 *   the signer library handle  dkim/sign.c             tm_sign_init/fini, set once
 *                                                      before any thread signs
 *   libspf2's output handlers  spf/spf.c               pthread_once in tm_spf_new
 *   open milter connections    milter/milter.c         tm_milter_active,
 *                                                      tm_milter_wait_idle; mutex+cond
 *   the path SIGHUP reloads    daemon/reload.c         set at start, read by the
 *                                                      signal thread only
 */

#include "conf/conf.h"
#include "util/err.h"

struct tm_resolver;
struct tm_spf;
struct tm_psl;

struct tm_snap {
	struct tm_conf *conf;		/* owned */
	/* Runtime built from conf (dns.nameserver): owned, freed with it. */
	struct tm_resolver *resolver;
	struct tm_spf *spf;
	struct tm_psl *psl;		/* NULL: list missing, last-label rule */
	unsigned long generation;	/* 1 for the first load, +1 per reload */
	unsigned refs;			/* under the module's mutex */
};

/*
 * tm_snap_build - a snapshot of conf (taken over) with its runtime: the
 * resolver (dns.nameserver), SPF evaluator, public suffix list.  NULL on
 * failure (conf freed, reason in err).  Used by tm_snap_load and by
 * `tenantctl try`, which evaluates one message without publishing.
 */
struct tm_snap *tm_snap_build(struct tm_conf *conf, struct tm_err *err);
/* tm_snap_free - a snapshot nobody references (unpublished) */
void tm_snap_free(struct tm_snap *);

/*
 * tm_snap_load - load path; publish on success.  0 published (tenant
 * errors may be in err: those tenants are isolated), -1 not published
 * (the previous snapshot, if any, stays in force).
 */
int tm_snap_load(const char *path, struct tm_err *err);
/*
 * tm_snap_publish - the same from a configuration already loaded (taken
 * over): the daemon's start, which validated it before binding.
 */
int tm_snap_publish(struct tm_conf *conf, struct tm_err *err);
/* tm_snap_acquire - the current snapshot with a reference, or NULL */
struct tm_snap *tm_snap_acquire(void);
/* tm_snap_release - drop a reference; NULL is a no-op */
void tm_snap_release(struct tm_snap *);
/* tm_snap_shutdown - unpublish the current snapshot (at exit) */
void tm_snap_shutdown(void);

#endif
