/*
 * prober.c - the DMARC guard's background thread: it keeps the answers
 * of dkim/guard.c fresh in the resolver's cache and logs each change.
 *
 * Public: tm_prober_start, tm_prober_kick, tm_prober_stop.
 *
 * A round walks the provider's keys and every customer/relay tenant key
 * of the current snapshot, then the thread sleeps until the shortest TTL
 * seen (at least MIN_SLEEP, at most MAX_SLEEP) or until kicked after a
 * reload.  A key's state is logged when it changes: info for published,
 * warning for a tenant key's other states, error for a provider key
 * unpublished or mismatching (every provider-mode tenant rests on it).
 *
 * Process state (snap.h lists it): the thread, its lock and condition,
 * the last logged state per key.  Only the daemon starts it; lib/ code
 * never reaches the snapshot from below.
 */

#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dkim/guard.h"
#include "dkim/keys.h"
#include "util/log.h"
#include "snap.h"
#include "prober.h"

#define MIN_SLEEP 1		/* seconds between rounds, at least */
#define MAX_SLEEP 3600
#define PROBE_TIMEOUT 5		/* seconds per lookup in the background */

static pthread_mutex_t plock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pcond;
static pthread_t prober;
static int running, kicked;
static atomic_int stopping;	/* read between lookups without the lock */

/* Last logged state per key, by "selector._domainkey.domain pubkey". */
struct seen {
	struct seen *next;
	char *id;
	enum tm_pub_state st;
};
static struct seen *seen_list;

/*
 * note - log a key's state when it changed since the last round; a
 * provider key (owner "provider") that stops signing is an error: every
 * provider-mode tenant depends on it
 */
static void
note(const char *owner, bool provider, const struct tm_dkim *d,
     enum tm_pub_state st, const char *why)
{
	struct seen *s;
	char id[1024];

	snprintf(id, sizeof(id), "%s/%s %s", d->domain, d->selector,
		 d->key ? d->key->pub_b64 : "-");
	for (s = seen_list; s; s = s->next)
		if (strcmp(s->id, id) == 0)
			break;
	if (s && s->st == st)
		return;
	if (s == NULL && (s = calloc(1, sizeof(*s))) != NULL &&
	    (s->id = strdup(id)) != NULL) {
		s->next = seen_list;
		seen_list = s;
	}
	if (s)
		s->st = st;
	tm_log(st == TM_PUB_PUBLISHED ? TM_LOG_INFO : provider &&
	       st != TM_PUB_UNKNOWN ? TM_LOG_ERROR : TM_LOG_WARNING,
	       "dmarc guard: %s: dkim %s/%s %s (%s)", owner, d->domain,
	       d->selector, tm_pub_state_name(st), why);
}

/* probe_list - check the keys of one owner; lowers *sleep_s to their TTL */
static void
probe_list(struct tm_resolver *res, const char *owner, bool provider,
	   const struct tm_dkim_list *dl, unsigned *sleep_s)
{
	size_t j;

	for (j = 0; j < dl->n && !stopping; j++) {
		struct timespec dl_at;
		char why[700];
		uint32_t ttl;
		enum tm_pub_state st;

		clock_gettime(CLOCK_MONOTONIC, &dl_at);
		dl_at.tv_sec += PROBE_TIMEOUT;
		st = tm_guard_key_state(res, &dl->v[j], &dl_at, &ttl, why,
					sizeof(why));
		note(owner, provider, &dl->v[j], st, why);
		if (st == TM_PUB_UNKNOWN)
			ttl = 30;	/* retry soon */
		if (ttl + 1 < *sleep_s)
			*sleep_s = ttl + 1;	/* just past expiry */
	}
}

/* round - check every tenant key and the provider's once; seconds to sleep */
static unsigned
round_once(void)
{
	struct tm_snap *s = tm_snap_acquire();
	unsigned sleep_s = MAX_SLEEP;
	char owner[100];
	size_t i;

	if (s == NULL || s->resolver == NULL) {
		tm_snap_release(s);
		return 5;
	}
	probe_list(s->resolver, "provider", true, &s->conf->provider.dkim,
		   &sleep_s);
	for (i = 0; i < s->conf->n_tenants && !stopping; i++) {
		const struct tm_tenant *t = s->conf->tenants[i];

		if (t->mode == TM_MODE_PROVIDER)
			continue;
		snprintf(owner, sizeof(owner), "tenant %s", t->id);
		probe_list(s->resolver, owner, false, &t->dkim, &sleep_s);
	}
	tm_snap_release(s);
	return sleep_s < MIN_SLEEP ? MIN_SLEEP : sleep_s;
}

/* prober_main - rounds until stopped */
static void *
prober_main(void *arg)
{
	struct timespec until;
	unsigned secs;

	(void)arg;
	for (;;) {
		secs = round_once();
		pthread_mutex_lock(&plock);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += secs;
		while (!stopping && !kicked &&
		       pthread_cond_timedwait(&pcond, &plock, &until) == 0)
			;
		kicked = 0;
		if (stopping) {
			pthread_mutex_unlock(&plock);
			return NULL;
		}
		pthread_mutex_unlock(&plock);
	}
}

/* tm_prober_start - the prober thread */
int
tm_prober_start(void)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pcond, &ca);
	pthread_condattr_destroy(&ca);
	stopping = 0;
	if (pthread_create(&prober, NULL, prober_main, NULL) != 0)
		return -1;
	running = 1;
	return 0;
}

/* tm_prober_kick - re-check now (a new snapshot was published) */
void
tm_prober_kick(void)
{
	pthread_mutex_lock(&plock);
	kicked = 1;
	pthread_cond_signal(&pcond);
	pthread_mutex_unlock(&plock);
}

/* tm_prober_stop - end the prober, forget the log state */
void
tm_prober_stop(void)
{
	struct seen *s;

	if (!running)
		return;
	pthread_mutex_lock(&plock);
	stopping = 1;
	pthread_cond_signal(&pcond);
	pthread_mutex_unlock(&plock);
	pthread_join(prober, NULL);
	running = 0;
	while ((s = seen_list) != NULL) {
		seen_list = s->next;
		free(s->id);
		free(s);
	}
}
