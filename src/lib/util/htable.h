#ifndef TM_HTABLE_H
#define TM_HTABLE_H

/*
 * htable - the project's one hash function (32-bit FNV-1a, with an
 * ASCII case-folding variant and a final mix for power-of-two tables)
 * and its one general hash table: byte-string keys (copied), void *
 * values, chained buckets that double when the table is as full as it
 * has buckets.
 *
 * A table made with TM_HTABLE_FOLD hashes and compares keys with ASCII
 * letters folded to lower case (locale-independent): "Example.COM" and
 * "example.com" are one key.  Keys may hold any byte, '\0' included.
 *
 * Errors: only out of memory (-1, the table unchanged).  Thread safety:
 * none; a table shared by threads needs its owner's lock (ttlcache) or
 * must be read-only once built (psl, resolver_static).
 */

#include <stddef.h>
#include <stdint.h>

/* 32-bit FNV-1a: offset basis and prime. */
#define TM_FNV1A_INIT	2166136261U
#define TM_FNV1A_PRIME	16777619U

/* tm_ascii_lower - tolower for ASCII letters only, whatever the locale */
static inline unsigned char
tm_ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* tm_fnv1a - continue hash h over len bytes */
static inline uint32_t
tm_fnv1a(uint32_t h, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ s[i]) * TM_FNV1A_PRIME;
	return h;
}

/* tm_fnv1a_fold - tm_fnv1a over the bytes with ASCII letters lower-cased */
static inline uint32_t
tm_fnv1a_fold(uint32_t h, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ tm_ascii_lower(s[i])) * TM_FNV1A_PRIME;
	return h;
}

/* tm_fnv1a_str - tm_fnv1a up to the terminating '\0' */
static inline uint32_t
tm_fnv1a_str(uint32_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		h = (h ^ *p) * TM_FNV1A_PRIME;
	return h;
}

/* tm_fnv1a_str_fold - tm_fnv1a_fold up to the terminating '\0' */
static inline uint32_t
tm_fnv1a_str_fold(uint32_t h, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		h = (h ^ tm_ascii_lower(*p)) * TM_FNV1A_PRIME;
	return h;
}

/*
 * tm_hash_mix - spread an FNV-1a value's bits into its low bits, which
 * a power-of-two table uses as the index (FNV's low bits alone cluster
 * on keys that differ in their last bytes).
 */
static inline uint32_t
tm_hash_mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	h *= 0xc2b2ae35U;
	h ^= h >> 16;
	return h;
}

/* Flags of tm_htable_new. */
#define TM_HTABLE_FOLD	1	/* keys compare ASCII case-insensitively */

struct tm_htable;

/* tm_htable_new - empty table sized for about hint keys; NULL out of memory */
struct tm_htable *tm_htable_new(size_t hint, unsigned flags);

/*
 * tm_htable_free - the table and its key copies; free_value (may be NULL)
 * is called on every value.  NULL is a no-op.
 */
void tm_htable_free(struct tm_htable *, void (*free_value)(void *));

/* tm_htable_get - 1 found (*value set, may be NULL), 0 not found */
int tm_htable_get(const struct tm_htable *, const void *key, size_t len,
		  void **value);

/*
 * tm_htable_put - key maps to value from now on.  *old (old may be NULL)
 * gets the value it replaced, NULL when the key is new; the caller frees
 * it.  0 ok, -1 out of memory (the table unchanged).
 */
int tm_htable_put(struct tm_htable *, const void *key, size_t len,
		  void *value, void **old);

/* tm_htable_del - remove key; 1 removed (*value set if value), 0 absent */
int tm_htable_del(struct tm_htable *, const void *key, size_t len,
		  void **value);

/* tm_htable_count - keys in the table */
size_t tm_htable_count(const struct tm_htable *);

/*
 * tm_htable_walk - call fn on every entry, in no particular order,
 * until it returns non-zero (then that value is returned); 0 after the
 * last.  The key is the stored copy, '\0'-terminated after len bytes.
 * fn must not change the table.
 */
int tm_htable_walk(const struct tm_htable *,
		   int (*fn)(const void *key, size_t len, void *value, void *arg),
		   void *arg);

#endif
