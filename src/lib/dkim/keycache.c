/*
 * keycache.c - the keys of one configuration load, each file read once.
 *
 * Public functions: tm_keycache_new(), tm_keycache_get(),
 * tm_keycache_free().
 *
 * An open-addressing hash table (FNV-1a, linear probing, at most half
 * full) from (path, algorithm) to the loaded key or to the load's error.
 * A broken key file is therefore read once, yet every tenant that names
 * it gets the same error (and every tenant using a weak key the same
 * warning); the caller decides what to report.  The algorithm is part
 * of the lookup so that a file named once as rsa-sha256 and once as
 * ed25519-sha256 gives the right key to one user and the type-mismatch
 * error from tm_key_load() to the other.
 *
 * The cache owns every key; keys live until tm_keycache_free(), i.e. as
 * long as the configuration snapshot.  Not thread-safe: it is filled by
 * the single thread that loads a configuration, then only read.
 */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/keys.h"

#define CACHE_MIN	64		/* slots; always a power of two */

struct keycache_entry {
	uint64_t hash;
	char *path;
	enum tm_dkim_alg want;
	struct tm_key *key;		/* NULL: error holds why */
	char *error;
	char *warning;			/* NULL: none */
};

struct tm_keycache {
	struct keycache_entry **slot;
	size_t size;			/* slots */
	size_t n;			/* entries */
};

/* entry_hash - FNV-1a of path, then the algorithm */
static uint64_t
entry_hash(const char *path, enum tm_dkim_alg want)
{
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)path; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	h ^= (uint64_t)want + 1;
	h *= 1099511628211ULL;
	return h;
}

/* tm_keycache_new - empty cache (tm_keycache_free), or NULL on no memory */
struct tm_keycache *
tm_keycache_new(void)
{
	struct tm_keycache *kc = calloc(1, sizeof(*kc));

	if (kc == NULL)
		return NULL;
	if ((kc->slot = calloc(CACHE_MIN, sizeof(*kc->slot))) == NULL) {
		free(kc);
		return NULL;
	}
	kc->size = CACHE_MIN;
	return kc;
}

/* entry_free - one entry and what it owns */
static void
entry_free(struct keycache_entry *e)
{
	tm_key_free(e->key);
	free(e->error);
	free(e->warning);
	free(e->path);
	free(e);
}

/* tm_keycache_free - every key and error; NULL is a no-op */
void
tm_keycache_free(struct tm_keycache *kc)
{
	size_t i;

	if (kc == NULL)
		return;
	for (i = 0; i < kc->size; i++)
		if (kc->slot[i])
			entry_free(kc->slot[i]);
	free(kc->slot);
	free(kc);
}

/* grow - double the table; 0 ok, -1 out of memory (table unchanged) */
static int
grow(struct tm_keycache *kc)
{
	struct keycache_entry **slot;
	size_t size = kc->size * 2, i, j;

	if ((slot = calloc(size, sizeof(*slot))) == NULL)
		return -1;
	for (i = 0; i < kc->size; i++) {
		if (kc->slot[i] == NULL)
			continue;
		for (j = kc->slot[i]->hash & (size - 1); slot[j];
		     j = (j + 1) & (size - 1))
			;
		slot[j] = kc->slot[i];
	}
	free(kc->slot);
	kc->slot = slot;
	kc->size = size;
	return 0;
}

/* find - the slot holding (path, want), or the empty slot it goes to */
static size_t
find(const struct tm_keycache *kc, const char *path, enum tm_dkim_alg want,
     uint64_t h)
{
	size_t i;

	for (i = h & (kc->size - 1); kc->slot[i]; i = (i + 1) & (kc->size - 1))
		if (kc->slot[i]->hash == h && kc->slot[i]->want == want &&
		    strcmp(kc->slot[i]->path, path) == 0)
			break;
	return i;
}

/* replay - give the caller what the first load said */
static const struct tm_key *
replay(const struct keycache_entry *e, char *why, char *warn, size_t msglen)
{
	if (why && msglen)
		snprintf(why, msglen, "%s", e->key ? "" : e->error);
	if (warn && msglen)
		snprintf(warn, msglen, "%s", e->warning ? e->warning : "");
	return e->key;
}

/*
 * store - load path and remember the outcome; NULL when out of memory
 * (nothing is remembered then, and the key, if any, is freed).
 */
static struct keycache_entry *
store(struct tm_keycache *kc, const char *path, enum tm_dkim_alg want,
      uint64_t h)
{
	struct keycache_entry *e;
	char why[TM_KEY_MSG], warn[TM_KEY_MSG];
	size_t i;

	if ((kc->n + 1) * 2 > kc->size && grow(kc) < 0)
		return NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->hash = h;
	e->want = want;
	e->key = tm_key_load(path, want, why, warn, sizeof(why));
	if ((e->path = strdup(path)) == NULL ||
	    (e->key == NULL && (e->error = strdup(why)) == NULL) ||
	    (e->key && warn[0] && (e->warning = strdup(warn)) == NULL)) {
		entry_free(e);
		return NULL;
	}
	i = find(kc, path, want, h);
	kc->slot[i] = e;
	kc->n++;
	return e;
}

/* tm_keycache_get - borrowed key (valid until tm_keycache_free) or NULL */
const struct tm_key *
tm_keycache_get(struct tm_keycache *kc, const char *path,
		enum tm_dkim_alg want, char *why, char *warn, size_t msglen)
{
	struct keycache_entry *e;
	uint64_t h = entry_hash(path, want);
	size_t i = find(kc, path, want, h);

	if ((e = kc->slot[i]) == NULL && (e = store(kc, path, want, h)) == NULL) {
		if (why && msglen)
			snprintf(why, msglen, "key %s: out of memory", path);
		if (warn && msglen)
			warn[0] = '\0';
		return NULL;
	}
	return replay(e, why, warn, msglen);
}
