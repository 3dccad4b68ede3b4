/*
 * ttlcache.c - the bounded expiring cache of ttlcache.h: an htable from
 * key to entry, and a doubly linked list of the entries from the most to
 * the least recently used, both under one mutex.
 *
 * Public: tm_ttlcache_new, tm_ttlcache_free, tm_ttlcache_get,
 * tm_ttlcache_put, tm_ttlcache_stats, tm_ttlcache_set_clock.
 *
 * Two threads that miss the same key and both put it leave one entry:
 * the second put replaces the first.  At the bound the least recently
 * used entry goes, not the whole cache, so a full cache keeps its hot
 * entries.
 */

#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/htable.h"
#include "util/ttlcache.h"

struct tc_ent {
	struct tc_ent *newer, *older;	/* the LRU list */
	time_t expires;			/* clock seconds */
	void *value;
	size_t len;
	unsigned char key[];
};

struct tm_ttlcache {
	pthread_mutex_t lock;
	struct tm_htable *map;		/* key -> struct tc_ent */
	struct tc_ent *newest, *oldest;
	size_t max;
	void (*free_value)(void *);
	time_t (*now)(void *);
	void *now_arg;
	struct tm_ttlcache_stats stats;
};

/* monotonic - the default clock, CLOCK_MONOTONIC seconds */
static time_t
monotonic(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* tm_ttlcache_new - empty cache of at most max entries */
struct tm_ttlcache *
tm_ttlcache_new(size_t max, unsigned flags, void (*free_value)(void *))
{
	struct tm_ttlcache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->max = max ? max : 1;
	/* Start small: the table doubles as it fills. */
	if ((c->map = tm_htable_new(c->max < 1024 ? c->max : 1024, flags)) == NULL) {
		free(c);
		return NULL;
	}
	c->free_value = free_value;
	c->now = monotonic;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

/* ent_free - an entry and its value */
static void
ent_free(struct tm_ttlcache *c, struct tc_ent *e)
{
	if (c->free_value)
		c->free_value(e->value);
	free(e);
}

/* tm_ttlcache_free - entries, table, cache */
void
tm_ttlcache_free(struct tm_ttlcache *c)
{
	struct tc_ent *e, *next;

	if (c == NULL)
		return;
	for (e = c->newest; e; e = next) {
		next = e->older;
		ent_free(c, e);
	}
	tm_htable_free(c->map, NULL);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* unlink_ent - take e off the LRU list (lock held) */
static void
unlink_ent(struct tm_ttlcache *c, struct tc_ent *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

/* push_newest - put e at the most recently used end (lock held) */
static void
push_newest(struct tm_ttlcache *c, struct tc_ent *e)
{
	e->newer = NULL;
	e->older = c->newest;
	if (c->newest)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
}

/* drop - remove e from table and list and free it (lock held) */
static void
drop(struct tm_ttlcache *c, struct tc_ent *e)
{
	tm_htable_del(c->map, e->key, e->len, NULL);
	unlink_ent(c, e);
	c->stats.entries--;
	ent_free(c, e);
}

/* tm_ttlcache_get - copy out a live entry; 1 found, 0 not, -1 copy failed */
int
tm_ttlcache_get(struct tm_ttlcache *c, const void *key, size_t len,
		int (*copy)(const void *value, uint32_t left, void *arg),
		void *arg)
{
	void *v;
	struct tc_ent *e;
	time_t t;
	int rc = 0;

	pthread_mutex_lock(&c->lock);
	if (tm_htable_get(c->map, key, len, &v) != 1)
		goto out;
	e = v;
	t = c->now(c->now_arg);
	if (e->expires <= t) {
		drop(c, e);
		c->stats.expired++;
		goto out;
	}
	unlink_ent(c, e);
	push_newest(c, e);
	rc = 1;
	if (copy && copy(e->value, (uint32_t)(e->expires - t), arg) < 0)
		rc = -1;
out:
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* remove_key - drop key's entry if any (lock held) */
static void
remove_key(struct tm_ttlcache *c, const void *key, size_t len)
{
	void *v;

	if (tm_htable_get(c->map, key, len, &v) == 1)
		drop(c, v);
}

/* tm_ttlcache_put - store value for ttl seconds; 0 ok, -1 out of memory */
int
tm_ttlcache_put(struct tm_ttlcache *c, const void *key, size_t len,
		void *value, uint32_t ttl)
{
	struct tc_ent *e = NULL;
	void *old;

	if (ttl && (e = malloc(sizeof(*e) + len)) == NULL) {
		if (c->free_value)
			c->free_value(value);
		return -1;
	}
	pthread_mutex_lock(&c->lock);
	if (e == NULL) {			/* ttl 0: gone at once */
		remove_key(c, key, len);
		pthread_mutex_unlock(&c->lock);
		if (c->free_value)
			c->free_value(value);
		return 0;
	}
	e->value = value;
	e->len = len;
	memcpy(e->key, key, len);
	e->expires = c->now(c->now_arg) + (time_t)ttl;
	if (tm_htable_put(c->map, e->key, len, e, &old) < 0) {
		pthread_mutex_unlock(&c->lock);
		ent_free(c, e);
		return -1;
	}
	if (old) {
		unlink_ent(c, old);
		ent_free(c, old);
		c->stats.replaced++;
	} else
		c->stats.entries++;
	push_newest(c, e);
	while (c->stats.entries > c->max) {
		drop(c, c->oldest);
		c->stats.evicted++;
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* tm_ttlcache_stats - a copy of the counters */
void
tm_ttlcache_stats(struct tm_ttlcache *c, struct tm_ttlcache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}

/* tm_ttlcache_set_clock - tests: a clock of their own */
void
tm_ttlcache_set_clock(struct tm_ttlcache *c, time_t (*now)(void *), void *arg)
{
	pthread_mutex_lock(&c->lock);
	c->now = now ? now : monotonic;
	c->now_arg = arg;
	pthread_mutex_unlock(&c->lock);
}
