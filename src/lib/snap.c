/*
 * snap.c - publication of configuration snapshots.
 *
 * The current-snapshot pointer is the one mutable global of the project.
 * Reading it and taking a reference happen as one step under `lock`, so
 * no thread can free a snapshot between another's read and increment.
 */

#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "policy/psl.h"
#include "dns/resolver.h"
#include "snap.h"
#include "spf/spf.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tm_snap *current;
static unsigned long generation;

/* unref - drop one reference; returns the snapshot to free, or NULL */
static struct tm_snap *
unref(struct tm_snap *s)
{
	return (s && --s->refs == 0) ? s : NULL;
}

/* tm_snap_free - the snapshot, its runtime and its configuration */
void
tm_snap_free(struct tm_snap *s)
{
	if (s == NULL)
		return;
	tm_spf_free(s->spf);		/* before the resolver it uses */
	tm_resolver_free(s->resolver);
	tm_psl_free(s->psl);
	tm_conf_free(s->conf);
	free(s);
}

/* tm_snap_build - conf plus runtime */
struct tm_snap *
tm_snap_build(struct tm_conf *conf, struct tm_err *err)
{
	struct tm_snap *s = calloc(1, sizeof(*s));
	char why[512];

	if (s == NULL) {
		tm_err_add(err, TM_ERR_FATAL, conf->file, 0, "out of memory");
		tm_conf_free(conf);
		return NULL;
	}
	s->conf = conf;
	if ((s->resolver = tm_resolver_new(conf->dns.nameserver, why,
					   sizeof(why))) == NULL ||
	    (s->spf = tm_spf_new(s->resolver, why, sizeof(why))) == NULL) {
		tm_err_add(err, TM_ERR_FATAL, conf->file, 0, "DNS: %s", why);
		tm_snap_free(s);
		return NULL;
	}
	if ((s->psl = tm_psl_load(TM_PSL_DEFAULT, why, sizeof(why))) == NULL)
		tm_err_add(err, TM_ERR_WARNING, conf->file, 0, "public suffix "
			   "list: %s: alignment falls back to the last two labels "
			   "(apt-get install publicsuffix)", why);
	return s;
}

/* tm_snap_load - load, build, publish */
int
tm_snap_load(const char *path, struct tm_err *err)
{
	struct tm_conf *conf = tm_conf_load(path, err);

	return conf ? tm_snap_publish(conf, err) : -1;
}

/* tm_snap_publish - build from a loaded conf, publish */
int
tm_snap_publish(struct tm_conf *conf, struct tm_err *err)
{
	struct tm_snap *s, *old;

	if ((s = tm_snap_build(conf, err)) == NULL)
		return -1;
	s->refs = 1;			/* the "current" reference */
	pthread_mutex_lock(&lock);
	s->generation = ++generation;
	old = unref(current);
	current = s;
	pthread_mutex_unlock(&lock);
	tm_snap_free(old);			/* outside the lock: may be slow */
	return 0;
}

/* tm_snap_acquire - current snapshot, referenced */
struct tm_snap *
tm_snap_acquire(void)
{
	struct tm_snap *s;

	pthread_mutex_lock(&lock);
	if ((s = current) != NULL)
		s->refs++;
	pthread_mutex_unlock(&lock);
	return s;
}

/* tm_snap_release - last one out frees */
void
tm_snap_release(struct tm_snap *s)
{
	struct tm_snap *dead;

	if (s == NULL)
		return;
	pthread_mutex_lock(&lock);
	dead = unref(s);
	pthread_mutex_unlock(&lock);
	tm_snap_free(dead);
}

/* tm_snap_shutdown - drop the "current" reference */
void
tm_snap_shutdown(void)
{
	struct tm_snap *dead;

	pthread_mutex_lock(&lock);
	dead = unref(current);
	current = NULL;
	pthread_mutex_unlock(&lock);
	tm_snap_free(dead);
}
