/*
 * resolver.c - the backend-independent half of the resolver: the shared
 * TTL cache (positive and negative answers, RFC 2308), answer helpers,
 * counters.  Backends: resolver_unbound.c (libunbound), resolver_static.c
 * (fixed zone data for tests).
 *
 * Temporary failures (SERVFAIL, timeout, local error) are never cached:
 * the next message asks again.  The cache is a util/ttlcache keyed by the
 * lower-cased name, '\0' and the type (two bytes), bounded at CACHE_MAX
 * entries; two threads that miss the same name leave one entry.
 */

#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/resolver.h"
#include "util/htable.h"
#include "util/ttlcache.h"

#define CACHE_MAX 65536			/* entries; the least recently used goes */
#define DEFAULT_TIMEOUT 5		/* seconds, when the caller gives no deadline */
#define KEY_BUF 320			/* a key on the stack: any sane name, '\0', type */

struct tm_resolver {
	const struct tm_resolver_ops *ops;
	void *impl;
	struct tm_ttlcache *cache;	/* cache_key() -> struct tm_dns_answer */
	atomic_ulong queries, cache_hits, upstream;	/* the counters */
};

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

/* answer_free - ttlcache free callback */
static void
answer_free(void *a)
{
	tm_dns_answer_free(a);
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
	r->cache = tm_ttlcache_new(CACHE_MAX, 0, answer_free);
	if (r->cache == NULL) {
		ops->free(impl);
		free(r);
		return NULL;
	}
	return r;
}

/* tm_resolver_free - backend and cache */
void
tm_resolver_free(struct tm_resolver *r)
{
	if (r == NULL)
		return;
	tm_ttlcache_free(r->cache);
	r->ops->free(r->impl);
	free(r);
}

/*
 * cache_key - the lower-cased name, '\0', the type in two bytes, into buf
 * (size bytes) or, when longer, into memory the caller frees (returned
 * pointer != buf); *len its length.  NULL out of memory.
 */
static char *
cache_key(char *buf, size_t size, const char *name, int type, size_t *len)
{
	size_t n = strlen(name), i;
	char *k = n + 3 <= size ? buf : malloc(n + 3);

	if (k == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		k[i] = (char)tm_ascii_lower((unsigned char)name[i]);
	k[n] = '\0';
	k[n + 1] = (char)(type >> 8);
	k[n + 2] = (char)type;
	*len = n + 3;
	return k;
}

/* copy_answer - ttlcache copy callback: a deep copy with the TTL left */
static int
copy_answer(const void *value, uint32_t left, void *arg)
{
	struct tm_dns_answer **out = arg;

	if ((*out = answer_copy(value)) == NULL)
		return -1;
	(*out)->ttl = left;		/* what is left of the TTL, not the original */
	return 0;
}

/* store - remember a definite answer for its TTL (best effort) */
static void
store(struct tm_resolver *r, const char *key, size_t len,
      const struct tm_dns_answer *a)
{
	struct tm_dns_answer *c;

	if (tm_dns_temporary(a->status) || a->ttl == 0)
		return;
	if ((c = answer_copy(a)) != NULL)
		tm_ttlcache_put(r->cache, key, len, c, a->ttl);
}

/* count - bump the counters of one query (hit or not) */
static void
count(struct tm_resolver *r, int hit)
{
	atomic_fetch_add_explicit(&r->queries, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(hit ? &r->cache_hits : &r->upstream, 1,
				  memory_order_relaxed);
}

/* tm_resolver_query - cache, else the backend within the deadline */
struct tm_dns_answer *
tm_resolver_query(struct tm_resolver *r, const char *name, int type,
		  const struct timespec *deadline)
{
	struct tm_dns_answer *a = NULL;
	struct timespec dl;
	char buf[KEY_BUF], *key;
	size_t len;

	if ((key = cache_key(buf, sizeof(buf), name, type, &len)) == NULL)
		return NULL;
	if (tm_ttlcache_get(r->cache, key, len, copy_answer, &a) == 1) {
		count(r, 1);
		goto out;
	}
	count(r, 0);
	if (deadline == NULL) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += DEFAULT_TIMEOUT;
		deadline = &dl;
	}
	if ((a = r->ops->lookup(r->impl, name, type, deadline)) != NULL)
		store(r, key, len, a);
out:
	if (key != buf)
		free(key);
	return a;
}

/* tm_resolver_stats - a copy of the counters */
void
tm_resolver_stats(struct tm_resolver *r, struct tm_resolver_stats *out)
{
	out->queries = atomic_load(&r->queries);
	out->cache_hits = atomic_load(&r->cache_hits);
	out->upstream = atomic_load(&r->upstream);
}
