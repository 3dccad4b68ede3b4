/*
 * guard.c - is a DKIM selector's published key ours?  And the prober that
 * keeps the answers fresh.
 *
 * A record is ours when its p= equals the base64 of our public key
 * (whitespace ignored, keys.c).  An empty p= is a revoked key (RFC 6376
 * 3.6.1): not ours.  Only TXT records of the selector's own name count;
 * several records: any that matches is enough.
 *
 * The prober walks the provider's keys and every customer/relay tenant
 * key of the current snapshot, then sleeps until the shortest TTL seen
 * (at least MIN_SLEEP, at most MAX_SLEEP) or until kicked.  It logs a
 * key's state when it changes: info for published, warning for a tenant
 * key's other states, error for a provider key unpublished or mismatching
 * (every provider-mode tenant rests on it).
 */

#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim/guard.h"
#include "dkim/keys.h"
#include "util/log.h"
#include "snap.h"

#define MIN_SLEEP 1		/* seconds between rounds, at least */
#define MAX_SLEEP 3600
#define PROBE_TIMEOUT 5		/* seconds per lookup in the background */

/* tm_pub_state_name - for logs and annotations */
const char *
tm_pub_state_name(enum tm_pub_state s)
{
	static const char *const names[] = {
		"published", "unpublished", "mismatch", "unknown"
	};

	return names[s];
}

/* tag_p - the value of the p= tag of a DKIM key record (into buf) */
static int
tag_p(const char *rec, char *buf, size_t len)
{
	const char *p = rec;

	while (*p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);

		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		if (eq && p[0] == 'p' && (p + 1 == eq || p[1] == ' ' || p[1] == '\t')) {
			size_t vl = n - (size_t)(eq + 1 - p);

			if (vl >= len)
				return -1;
			memcpy(buf, eq + 1, vl);
			buf[vl] = '\0';
			return 0;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return -1;
}

/* tm_guard_key_state - one selector, now */
enum tm_pub_state
tm_guard_key_state(struct tm_resolver *r, const struct tm_dkim *d,
		   const struct timespec *deadline, uint32_t *ttl, char *why,
		   size_t whylen)
{
	char name[600], *pval = NULL;
	struct tm_dns_answer *a;
	enum tm_pub_state st = TM_PUB_MISMATCH;
	size_t i, cap = 8192;

	if (ttl)
		*ttl = 0;
	snprintf(name, sizeof(name), "%s._domainkey.%s", d->selector, d->domain);
	if (d->key == NULL || (a = tm_resolver_query(r, name, TM_DNS_TXT,
						     deadline)) == NULL) {
		if (why)
			snprintf(why, whylen, "%s: %s", name, d->key ?
				 "out of memory" : "key not loaded");
		return TM_PUB_UNKNOWN;
	}
	if (ttl)
		*ttl = a->ttl;
	if (tm_dns_temporary(a->status)) {
		if (why)
			snprintf(why, whylen, "%s: DNS %s%s%s", name,
				 tm_dns_status_name(a->status), a->why ? ": " : "",
				 a->why ? a->why : "");
		tm_dns_answer_free(a);
		return TM_PUB_UNKNOWN;
	}
	if (a->status != TM_DNS_OK || a->n == 0) {
		if (why)
			snprintf(why, whylen, "%s: no DKIM key record (%s)", name,
				 tm_dns_status_name(a->status));
		tm_dns_answer_free(a);
		return TM_PUB_ABSENT;
	}
	if ((pval = malloc(cap)) == NULL) {
		tm_dns_answer_free(a);
		return TM_PUB_UNKNOWN;
	}
	for (i = 0; i < a->n && st != TM_PUB_PUBLISHED; i++)
		if (a->rr[i].text && tag_p(a->rr[i].text, pval, cap) == 0 &&
		    tm_key_pub_match(d->key, pval))
			st = TM_PUB_PUBLISHED;
	if (why)
		snprintf(why, whylen, st == TM_PUB_PUBLISHED ? "%s: published" :
			 "%s: the published key is not ours (or revoked)", name);
	free(pval);
	tm_dns_answer_free(a);
	return st;
}

/* --- the prober ---------------------------------------------------- */

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

/* tm_guard_start - the prober thread */
int
tm_guard_start(void)
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

/* tm_guard_kick - re-check now (a new snapshot was published) */
void
tm_guard_kick(void)
{
	pthread_mutex_lock(&plock);
	kicked = 1;
	pthread_cond_signal(&pcond);
	pthread_mutex_unlock(&plock);
}

/* tm_guard_stop - end the prober, forget the log state */
void
tm_guard_stop(void)
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
