/*
 * test_ttlcache.c - util/ttlcache: expiry (on a test clock, no sleeping),
 * the bound with least-recently-used eviction, replace-on-insert, ttl 0,
 * the free callback, and concurrent get/put (run under ASan and TSan:
 * see the README).
 */

#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/htable.h"
#include "util/ttlcache.h"
#include "unit.h"

static atomic_long frees;

/* val_new - a value: a copy of s */
static char *
val_new(const char *s)
{
	char *v = strdup(s);

	ck_assert_ptr_nonnull(v);
	return v;
}

/* val_free - the cache's free callback: count and free */
static void
val_free(void *v)
{
	atomic_fetch_add(&frees, 1);
	free(v);
}

/* test_now - the test clock */
static time_t
test_now(void *arg)
{
	return *(time_t *)arg;
}

struct got {
	char val[32];
	uint32_t left;
};

/* copy_val - copy callback: the value and the seconds left */
static int
copy_val(const void *value, uint32_t left, void *arg)
{
	struct got *g = arg;

	snprintf(g->val, sizeof(g->val), "%s", (const char *)value);
	g->left = left;
	return 0;
}

/* get - the value of key into g; 1 found, 0 not */
static int
get(struct tm_ttlcache *c, const char *key, struct got *g)
{
	memset(g, 0, sizeof(*g));
	return tm_ttlcache_get(c, key, strlen(key), copy_val, g);
}

START_TEST(test_expiry)
{
	static const struct {
		time_t at;		/* clock */
		const char *key;
		int want;		/* found? */
		uint32_t left;
	} cases[] = {
		{ 100, "a", 1, 10 },
		{ 105, "a", 1, 5 },
		{ 109, "a", 1, 1 },
		{ 110, "a", 0, 0 },	/* expires at put + ttl */
		{ 111, "a", 0, 0 },
		{ 111, "b", 1, 89 },
	};
	struct tm_ttlcache *c = tm_ttlcache_new(10, 0, val_free);
	struct tm_ttlcache_stats st;
	time_t t = 100;
	struct got g;
	size_t i;

	atomic_store(&frees, 0);
	tm_ttlcache_set_clock(c, test_now, &t);
	ck_assert_int_eq(tm_ttlcache_put(c, "a", 1, val_new("A"), 10), 0);
	ck_assert_int_eq(tm_ttlcache_put(c, "b", 1, val_new("B"), 100), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got;

		t = cases[i].at;
		got = get(c, cases[i].key, &g);
		ck_assert_msg(got == cases[i].want && g.left == cases[i].left,
			      "t=%ld %s: got %d left %u, want %d left %u",
			      (long)t, cases[i].key, got, g.left, cases[i].want,
			      cases[i].left);
	}
	tm_ttlcache_stats(c, &st);
	ck_assert_uint_eq(st.expired, 1);
	ck_assert_uint_eq(st.entries, 1);
	ck_assert_int_eq(atomic_load(&frees), 1);	/* a's value, when met */
	tm_ttlcache_free(c);
	ck_assert_int_eq(atomic_load(&frees), 2);
}
END_TEST

START_TEST(test_bound_lru)
{
	struct tm_ttlcache *c = tm_ttlcache_new(3, 0, val_free);
	struct tm_ttlcache_stats st;
	static const struct {
		const char *key;
		int want;
	} after[] = {
		{ "a", 1 }, { "b", 0 }, { "c", 1 }, { "d", 1 }, { "e", 0 },
	};
	struct got g;
	size_t i;

	atomic_store(&frees, 0);
	ck_assert_int_eq(tm_ttlcache_put(c, "a", 1, val_new("1"), 60), 0);
	ck_assert_int_eq(tm_ttlcache_put(c, "b", 1, val_new("2"), 60), 0);
	ck_assert_int_eq(tm_ttlcache_put(c, "c", 1, val_new("3"), 60), 0);
	ck_assert_int_eq(get(c, "a", &g), 1);	/* a is now the most recent */
	ck_assert_int_eq(tm_ttlcache_put(c, "d", 1, val_new("4"), 60), 0);
	for (i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		int got = get(c, after[i].key, &g);

		ck_assert_msg(got == after[i].want, "%s: got %d, want %d",
			      after[i].key, got, after[i].want);
	}
	tm_ttlcache_stats(c, &st);
	ck_assert_uint_eq(st.entries, 3);
	ck_assert_uint_eq(st.evicted, 1);
	ck_assert_int_eq(atomic_load(&frees), 1);	/* b's value */
	/* Many more: never above the bound, every value freed once. */
	for (i = 0; i < 1000; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%zu", i);
		ck_assert_int_eq(tm_ttlcache_put(c, k, strlen(k), val_new(k), 60), 0);
		tm_ttlcache_stats(c, &st);
		ck_assert_uint_le(st.entries, 3);
	}
	ck_assert_int_eq(get(c, "k999", &g), 1);
	ck_assert_str_eq(g.val, "k999");
	ck_assert_int_eq(get(c, "k996", &g), 0);
	tm_ttlcache_free(c);
	ck_assert_int_eq(atomic_load(&frees), 1004);
}
END_TEST

/* fail_copy - a copy callback that runs out of memory */
static int
fail_copy(const void *value, uint32_t left, void *arg)
{
	return -1;
}

START_TEST(test_replace)
{
	struct tm_ttlcache *c = tm_ttlcache_new(8, TM_HTABLE_FOLD, val_free);
	struct tm_ttlcache_stats st;
	time_t t = 1000;
	struct got g;

	atomic_store(&frees, 0);
	tm_ttlcache_set_clock(c, test_now, &t);
	ck_assert_int_eq(tm_ttlcache_put(c, "Name", 4, val_new("old"), 10), 0);
	ck_assert_int_eq(tm_ttlcache_put(c, "NAME", 4, val_new("new"), 50), 0);
	ck_assert_int_eq(get(c, "name", &g), 1);
	ck_assert_msg(strcmp(g.val, "new") == 0 && g.left == 50,
		      "got %s left %u, want new left 50", g.val, g.left);
	tm_ttlcache_stats(c, &st);
	ck_assert_uint_eq(st.entries, 1);
	ck_assert_uint_eq(st.replaced, 1);
	ck_assert_int_eq(atomic_load(&frees), 1);
	t = 1020;			/* the old entry's TTL is gone with it */
	ck_assert_int_eq(get(c, "name", &g), 1);
	ck_assert_int_eq(tm_ttlcache_get(c, "name", 4, fail_copy, NULL), -1);
	ck_assert_int_eq(tm_ttlcache_get(c, "name", 4, NULL, NULL), 1);
	/* ttl 0: the key goes, the value is freed */
	ck_assert_int_eq(tm_ttlcache_put(c, "name", 4, val_new("zero"), 0), 0);
	ck_assert_int_eq(get(c, "name", &g), 0);
	ck_assert_int_eq(atomic_load(&frees), 3);
	tm_ttlcache_free(c);
	ck_assert_int_eq(atomic_load(&frees), 3);
	tm_ttlcache_free(NULL);
}
END_TEST

#define THREADS 4
#define OPS 20000
#define KEYS 64
#define BOUND 16

struct worker {
	struct tm_ttlcache *c;
	unsigned seed;
	long hits, wrong;
};

/* check_val - copy callback: the value must name its key */
static int
check_val(const void *value, uint32_t left, void *arg)
{
	const char *key = arg;

	return strcmp(value, key) == 0 ? 0 : -1;
}

/* work - random gets and puts over KEYS keys */
static void *
work(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < OPS; i++) {
		char k[16];
		int rc;

		snprintf(k, sizeof(k), "key%u", (unsigned)rand_r(&w->seed) % KEYS);
		if (rand_r(&w->seed) % 3 == 0) {
			char *v = strdup(k);

			if (v == NULL || tm_ttlcache_put(w->c, k, strlen(k), v, 3600) < 0)
				w->wrong++;
		} else if ((rc = tm_ttlcache_get(w->c, k, strlen(k), check_val, k)) < 0)
			w->wrong++;
		else
			w->hits += rc;
	}
	return NULL;
}

START_TEST(test_concurrent)
{
	struct tm_ttlcache *c = tm_ttlcache_new(BOUND, 0, val_free);
	struct worker w[THREADS];
	pthread_t th[THREADS];
	struct tm_ttlcache_stats st;
	long hits = 0;
	int i;

	atomic_store(&frees, 0);
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ c, (unsigned)i * 7919U + 1, 0, 0 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(w[i].wrong == 0, "thread %d: %ld wrong values", i,
			      w[i].wrong);
		hits += w[i].hits;
	}
	tm_ttlcache_stats(c, &st);
	ck_assert_uint_le(st.entries, BOUND);
	ck_assert_msg(hits > 0, "got no hits in %d gets", THREADS * OPS);
	ck_assert_uint_gt(st.evicted, 0);
	ck_assert_uint_gt(st.replaced, 0);
	tm_ttlcache_free(c);
	/* every value put was freed exactly once: replaced, evicted or at free */
	ck_assert_int_eq(atomic_load(&frees),
			 (long)(st.entries + st.evicted + st.replaced));
}
END_TEST

static Suite *
ttlcache_suite(void)
{
	Suite *s = suite_create("ttlcache");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_bound_lru);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_concurrent);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(ttlcache_suite)
