/*
 * htable.c - the general hash table of htable.h: chained buckets, a
 * power-of-two bucket count that doubles when the entries outnumber the
 * buckets, each entry one allocation holding its key.
 *
 * Public: tm_htable_new, tm_htable_free, tm_htable_get, tm_htable_put,
 * tm_htable_del, tm_htable_count, tm_htable_walk.
 *
 * A failed growth leaves the table at its old size (longer chains, still
 * correct): only the allocation of a new entry can fail a put.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/htable.h"

#define MIN_BUCKETS	16

struct ht_ent {
	struct ht_ent *next;
	uint32_t hash;
	size_t len;
	void *value;
	unsigned char key[];		/* len bytes, then '\0' */
};

struct tm_htable {
	struct ht_ent **bucket;
	size_t mask;			/* buckets - 1 */
	size_t n;
	unsigned flags;
};

/* key_hash - the mixed FNV-1a of a key, folded if the table folds */
static uint32_t
key_hash(const struct tm_htable *t, const void *key, size_t len)
{
	uint32_t h = (t->flags & TM_HTABLE_FOLD) ?
		tm_fnv1a_fold(TM_FNV1A_INIT, key, len) :
		tm_fnv1a(TM_FNV1A_INIT, key, len);

	return tm_hash_mix(h);
}

/* key_eq - an entry's key equals key (len bytes)? */
static int
key_eq(const struct tm_htable *t, const struct ht_ent *e, uint32_t h,
       const void *key, size_t len)
{
	const unsigned char *k = key;
	size_t i;

	if (e->hash != h || e->len != len)
		return 0;
	if (!(t->flags & TM_HTABLE_FOLD))
		return memcmp(e->key, key, len) == 0;
	for (i = 0; i < len; i++)
		if (tm_ascii_lower(e->key[i]) != tm_ascii_lower(k[i]))
			return 0;
	return 1;
}

/* tm_htable_new - empty table for about hint keys */
struct tm_htable *
tm_htable_new(size_t hint, unsigned flags)
{
	struct tm_htable *t = calloc(1, sizeof(*t));
	size_t n = MIN_BUCKETS;

	if (t == NULL)
		return NULL;
	while (n < hint && n < ((size_t)-1 >> 2))
		n <<= 1;
	if ((t->bucket = calloc(n, sizeof(*t->bucket))) == NULL) {
		free(t);
		return NULL;
	}
	t->mask = n - 1;
	t->flags = flags;
	return t;
}

/* tm_htable_free - entries, buckets, table; values through free_value */
void
tm_htable_free(struct tm_htable *t, void (*free_value)(void *))
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i <= t->mask; i++)
		while (t->bucket[i]) {
			struct ht_ent *e = t->bucket[i];

			t->bucket[i] = e->next;
			if (free_value)
				free_value(e->value);
			free(e);
		}
	free(t->bucket);
	free(t);
}

/* slot_of - the link pointing at key's entry, or at the chain's end */
static struct ht_ent **
slot_of(const struct tm_htable *t, uint32_t h, const void *key, size_t len)
{
	struct ht_ent **pp = &t->bucket[h & t->mask];

	while (*pp && !key_eq(t, *pp, h, key, len))
		pp = &(*pp)->next;
	return pp;
}

/* tm_htable_get - 1 found, 0 not */
int
tm_htable_get(const struct tm_htable *t, const void *key, size_t len,
	      void **value)
{
	struct ht_ent *e = *slot_of(t, key_hash(t, key, len), key, len);

	if (e == NULL)
		return 0;
	if (value)
		*value = e->value;
	return 1;
}

/* grow - double the buckets; on failure keep the old ones */
static void
grow(struct tm_htable *t)
{
	size_t n = (t->mask + 1) * 2, i;
	struct ht_ent **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return;
	for (i = 0; i <= t->mask; i++)
		while (t->bucket[i]) {
			struct ht_ent *e = t->bucket[i];

			t->bucket[i] = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	free(t->bucket);
	t->bucket = b;
	t->mask = n - 1;
}

/* tm_htable_put - insert or replace; 0 ok, -1 out of memory */
int
tm_htable_put(struct tm_htable *t, const void *key, size_t len, void *value,
	      void **old)
{
	uint32_t h = key_hash(t, key, len);
	struct ht_ent **pp = slot_of(t, h, key, len), *e;

	if ((e = *pp) != NULL) {
		if (old)
			*old = e->value;
		e->value = value;
		return 0;
	}
	if (len > (size_t)-1 - sizeof(*e) - 1 ||
	    (e = malloc(sizeof(*e) + len + 1)) == NULL)
		return -1;
	e->hash = h;
	e->len = len;
	e->value = value;
	memcpy(e->key, key, len);
	e->key[len] = '\0';
	e->next = NULL;
	*pp = e;
	t->n++;
	if (old)
		*old = NULL;
	if (t->n > t->mask + 1)
		grow(t);
	return 0;
}

/* tm_htable_del - 1 removed, 0 absent */
int
tm_htable_del(struct tm_htable *t, const void *key, size_t len, void **value)
{
	struct ht_ent **pp = slot_of(t, key_hash(t, key, len), key, len), *e;

	if ((e = *pp) == NULL)
		return 0;
	*pp = e->next;
	if (value)
		*value = e->value;
	free(e);
	t->n--;
	return 1;
}

/* tm_htable_count - keys held */
size_t
tm_htable_count(const struct tm_htable *t)
{
	return t->n;
}

/* tm_htable_walk - fn on each entry until it returns non-zero */
int
tm_htable_walk(const struct tm_htable *t,
	       int (*fn)(const void *key, size_t len, void *value, void *arg),
	       void *arg)
{
	const struct ht_ent *e;
	size_t i;
	int rc;

	for (i = 0; i <= t->mask; i++)
		for (e = t->bucket[i]; e; e = e->next)
			if ((rc = fn(e->key, e->len, e->value, arg)) != 0)
				return rc;
	return 0;
}
