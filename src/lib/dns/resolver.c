/*
 * resolver.c - the backend-independent half of the resolver: the shared
 * TTL cache (positive and negative answers, RFC 2308), answer helpers,
 * counters.  Backends: resolver_unbound.c (libunbound), resolver_static.c
 * (fixed zone data for tests).
 *
 * Temporary failures (SERVFAIL, timeout, local error) are never cached:
 * the next message asks again.  The cache is one hash table under one
 * mutex; entries past their TTL are dropped when met, and the whole table
 * is cleared when it reaches CACHE_MAX entries (simple, bounded memory).
 */

#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dns/resolver.h"

#define CACHE_SLOTS 4096		/* hash buckets */
#define CACHE_MAX 65536			/* entries before the cache is cleared */
#define DEFAULT_TIMEOUT 5		/* seconds, when the caller gives no deadline */

struct entry {
	struct entry *next;
	char *name;			/* lower case */
	int type;
	time_t expires;			/* CLOCK_MONOTONIC seconds */
	struct tm_dns_answer *ans;
};

struct tm_resolver {
	const struct tm_resolver_ops *ops;
	void *impl;
	pthread_mutex_t lock;
	struct entry *slot[CACHE_SLOTS];
	size_t entries;
	struct tm_resolver_stats stats;
};

/* now - monotonic seconds */
static time_t
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* hash - FNV-1a of the lower-cased name, and the type */
static unsigned
hash(const char *name, int type)
{
	unsigned h = 2166136261u;

	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;

		h = (h ^ (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c)) *
			16777619u;
	}
	return (h ^ (unsigned)type) % CACHE_SLOTS;
}

/* tm_dns_answer_new - empty answer */
struct tm_dns_answer *
tm_dns_answer_new(enum tm_dns_status status, int type)
{
	struct tm_dns_answer *a = calloc(1, sizeof(*a));

	if (a) {
		a->status = status;
		a->type = type;
	}
	return a;
}

/* tm_dns_answer_add - append a record (copies data and text) */
int
tm_dns_answer_add(struct tm_dns_answer *a, const unsigned char *data,
		  size_t len, const char *text)
{
	struct tm_dns_rr *rr = realloc(a->rr, (a->n + 1) * sizeof(*rr));

	if (rr == NULL)
		return -1;
	a->rr = rr;
	rr = &a->rr[a->n];
	memset(rr, 0, sizeof(*rr));
	if ((rr->data = malloc(len ? len : 1)) == NULL)
		return -1;
	if (len)
		memcpy(rr->data, data, len);
	rr->len = len;
	if (text && (rr->text = strdup(text)) == NULL) {
		free(rr->data);
		return -1;
	}
	a->n++;
	return 0;
}

/* tm_dns_answer_free - NULL is a no-op */
void
tm_dns_answer_free(struct tm_dns_answer *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++) {
		free(a->rr[i].data);
		free(a->rr[i].text);
	}
	free(a->rr);
	free(a->why);
	free(a);
}

/* answer_copy - deep copy, or NULL */
static struct tm_dns_answer *
answer_copy(const struct tm_dns_answer *a)
{
	struct tm_dns_answer *c = tm_dns_answer_new(a->status, a->type);
	size_t i;

	if (c == NULL)
		return NULL;
	c->ttl = a->ttl;
	for (i = 0; i < a->n; i++)
		if (tm_dns_answer_add(c, a->rr[i].data, a->rr[i].len,
				      a->rr[i].text) < 0) {
			tm_dns_answer_free(c);
			return NULL;
		}
	if (a->why && (c->why = strdup(a->why)) == NULL) {
		tm_dns_answer_free(c);
		return NULL;
	}
	return c;
}

/* tm_dns_temporary - could not find out (retry later) */
int
tm_dns_temporary(enum tm_dns_status s)
{
	return s == TM_DNS_SERVFAIL || s == TM_DNS_TIMEOUT || s == TM_DNS_ERROR;
}

/* tm_dns_status_name - for logs and reports */
const char *
tm_dns_status_name(enum tm_dns_status s)
{
	static const char *const names[] = {
		"ok", "nxdomain", "nodata", "servfail", "timeout", "error"
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* tm_resolver_wrap - the cache over a backend */
struct tm_resolver *
tm_resolver_wrap(const struct tm_resolver_ops *ops, void *impl)
{
	struct tm_resolver *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		ops->free(impl);
		return NULL;
	}
	r->ops = ops;
	r->impl = impl;
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

/* clear - drop every cache entry (lock held) */
static void
clear(struct tm_resolver *r)
{
	size_t i;

	for (i = 0; i < CACHE_SLOTS; i++)
		while (r->slot[i]) {
			struct entry *e = r->slot[i];

			r->slot[i] = e->next;
			free(e->name);
			tm_dns_answer_free(e->ans);
			free(e);
		}
	r->entries = 0;
}

/* tm_resolver_free - backend and cache */
void
tm_resolver_free(struct tm_resolver *r)
{
	if (r == NULL)
		return;
	clear(r);
	r->ops->free(r->impl);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* lookup_cache - a copy of a live entry, or NULL (lock held) */
static struct tm_dns_answer *
lookup_cache(struct tm_resolver *r, unsigned h, const char *name, int type)
{
	struct entry **pp, *e;
	time_t t = now();

	for (pp = &r->slot[h]; (e = *pp) != NULL; ) {
		if (e->expires <= t) {		/* expired: drop it */
			*pp = e->next;
			free(e->name);
			tm_dns_answer_free(e->ans);
			free(e);
			r->entries--;
			continue;
		}
		if (e->type == type && strcasecmp(e->name, name) == 0) {
			struct tm_dns_answer *a = answer_copy(e->ans);

			if (a)		/* what is left of the TTL, not the original */
				a->ttl = (uint32_t)(e->expires - t);
			return a;
		}
		pp = &e->next;
	}
	return NULL;
}

/* store - remember a definite answer for its TTL (lock held) */
static void
store(struct tm_resolver *r, unsigned h, const char *name, int type,
      const struct tm_dns_answer *a)
{
	struct entry *e;

	if (tm_dns_temporary(a->status) || a->ttl == 0)
		return;
	if (r->entries >= CACHE_MAX)
		clear(r);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return;
	if ((e->name = strdup(name)) == NULL || (e->ans = answer_copy(a)) == NULL) {
		free(e->name);
		free(e);
		return;
	}
	e->type = type;
	e->expires = now() + (time_t)a->ttl;
	e->next = r->slot[h];
	r->slot[h] = e;
	r->entries++;
}

/* tm_resolver_query - cache, else the backend within the deadline */
struct tm_dns_answer *
tm_resolver_query(struct tm_resolver *r, const char *name, int type,
		  const struct timespec *deadline)
{
	struct tm_dns_answer *a;
	struct timespec dl;
	unsigned h = hash(name, type);

	pthread_mutex_lock(&r->lock);
	r->stats.queries++;
	a = lookup_cache(r, h, name, type);
	if (a)
		r->stats.cache_hits++;
	else
		r->stats.upstream++;
	pthread_mutex_unlock(&r->lock);
	if (a)
		return a;
	if (deadline == NULL) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += DEFAULT_TIMEOUT;
		deadline = &dl;
	}
	if ((a = r->ops->lookup(r->impl, name, type, deadline)) == NULL)
		return NULL;
	pthread_mutex_lock(&r->lock);
	store(r, h, name, type, a);
	pthread_mutex_unlock(&r->lock);
	return a;
}

/* tm_resolver_stats - a copy of the counters */
void
tm_resolver_stats(struct tm_resolver *r, struct tm_resolver_stats *out)
{
	pthread_mutex_lock(&r->lock);
	*out = r->stats;
	pthread_mutex_unlock(&r->lock);
}
