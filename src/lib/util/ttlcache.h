#ifndef TM_TTLCACHE_H
#define TM_TTLCACHE_H

/*
 * ttlcache - the project's one cache of answers that expire: bounded,
 * each entry living for the TTL it was stored with, a put replacing any
 * entry of the same key, the least recently used entry evicted when a
 * put would pass the bound.  Keys are byte strings (htable.h; with
 * TM_HTABLE_FOLD ASCII case-insensitive), values are owned by the cache
 * and released with the one free callback given at creation.
 *
 * Used by the resolver (answers and negative answers, RFC 2308) and SPF
 * (check_host() results).  Expired entries are dropped when met, and
 * count towards the bound until then.
 *
 * Errors: out of memory only (-1).  Thread safety: every function takes
 * the cache's mutex; a cache is shared by all threads.  The copy callback
 * of tm_ttlcache_get runs under that mutex: keep it short, and never call
 * the cache from it.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct tm_ttlcache;

/*
 * tm_ttlcache_new - empty cache holding at most max entries (at least
 * one); flags as tm_htable_new's; free_value (may be NULL) releases a
 * value.  NULL when out of memory.
 */
struct tm_ttlcache *tm_ttlcache_new(size_t max, unsigned flags,
				    void (*free_value)(void *));
/* tm_ttlcache_free - every entry and the cache; NULL is a no-op */
void tm_ttlcache_free(struct tm_ttlcache *);

/*
 * tm_ttlcache_get - look key up; a live entry becomes the most recently
 * used and copy(value, seconds left, arg) is called on it (under the
 * lock) to take what the caller needs.  1 found and copy returned 0;
 * 0 absent or expired; -1 copy failed (it returned < 0).
 */
int tm_ttlcache_get(struct tm_ttlcache *, const void *key, size_t len,
		    int (*copy)(const void *value, uint32_t left, void *arg),
		    void *arg);

/*
 * tm_ttlcache_put - key maps to value for ttl seconds, replacing (and
 * freeing) any entry of that key; ttl 0 just removes the key.  The cache
 * takes value in every case: 0 ok, -1 out of memory (value freed).
 */
int tm_ttlcache_put(struct tm_ttlcache *, const void *key, size_t len,
		    void *value, uint32_t ttl);

struct tm_ttlcache_stats {
	size_t entries;			/* held now, expired ones included */
	unsigned long evicted;		/* dropped at the bound (LRU) */
	unsigned long expired;		/* dropped when met past their TTL */
	unsigned long replaced;		/* puts that replaced an entry */
};
/* tm_ttlcache_stats - a copy of the counters */
void tm_ttlcache_stats(struct tm_ttlcache *, struct tm_ttlcache_stats *);

/*
 * tm_ttlcache_set_clock - tests: seconds come from now(arg) instead of
 * CLOCK_MONOTONIC.  Set it before the cache is shared.
 */
void tm_ttlcache_set_clock(struct tm_ttlcache *, time_t (*now)(void *),
			   void *arg);

#endif
