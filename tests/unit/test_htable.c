/*
 * test_htable.c - util/htable: the one FNV-1a (known vectors, folding),
 * put/get/replace/delete, case folding, keys with '\0', growth, walk.
 */

#include "config.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/htable.h"
#include "unit.h"

START_TEST(test_fnv1a)
{
	static const struct {
		const char *in;
		uint32_t want;
	} cases[] = {			/* the published FNV-1a 32-bit vectors */
		{ "", 0x811c9dc5U },
		{ "a", 0xe40c292cU },
		{ "foobar", 0xbf9cf968U },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t got = tm_fnv1a(TM_FNV1A_INIT, cases[i].in,
					strlen(cases[i].in));

		ck_assert_msg(got == cases[i].want, "fnv1a(%s): got %08x, want %08x",
			      cases[i].in, got, cases[i].want);
		got = tm_fnv1a_str(TM_FNV1A_INIT, cases[i].in);
		ck_assert_msg(got == cases[i].want, "fnv1a_str(%s): got %08x, want %08x",
			      cases[i].in, got, cases[i].want);
	}
	ck_assert_uint_eq(tm_fnv1a_str_fold(TM_FNV1A_INIT, "FooBAR"), 0xbf9cf968U);
	ck_assert_uint_eq(tm_fnv1a_fold(TM_FNV1A_INIT, "FOOBAR", 6), 0xbf9cf968U);
	/* Only ASCII letters fold: '@' (0x40) and '[' (0x5b) stay. */
	ck_assert_uint_ne(tm_fnv1a_str_fold(TM_FNV1A_INIT, "@["),
			  tm_fnv1a_str(TM_FNV1A_INIT, "`{"));
	ck_assert_uint_eq(tm_ascii_lower(0xc4), 0xc4);	/* no locale */
}
END_TEST

START_TEST(test_put_get_del)
{
	static const struct {
		const char *op, *key, *val;
		int want;		/* return of the operation */
		const char *old;	/* put: replaced value; get/del: value */
	} steps[] = {
		{ "get", "a", NULL, 0, NULL },
		{ "put", "a", "1", 0, NULL },
		{ "get", "a", NULL, 1, "1" },
		{ "get", "A", NULL, 0, NULL },		/* exact table */
		{ "put", "a", "2", 0, "1" },		/* replace */
		{ "get", "a", NULL, 1, "2" },
		{ "put", "b", "3", 0, NULL },
		{ "del", "a", NULL, 1, "2" },
		{ "del", "a", NULL, 0, NULL },
		{ "get", "a", NULL, 0, NULL },
		{ "get", "b", NULL, 1, "3" },
	};
	struct tm_htable *t = tm_htable_new(0, 0);
	size_t i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		void *v = NULL;
		int got;

		if (strcmp(steps[i].op, "put") == 0)
			got = tm_htable_put(t, steps[i].key, strlen(steps[i].key),
					    (void *)steps[i].val, &v);
		else if (strcmp(steps[i].op, "get") == 0)
			got = tm_htable_get(t, steps[i].key, strlen(steps[i].key), &v);
		else
			got = tm_htable_del(t, steps[i].key, strlen(steps[i].key), &v);
		ck_assert_msg(got == steps[i].want, "step %zu %s %s: got %d, want %d",
			      i, steps[i].op, steps[i].key, got, steps[i].want);
		if (steps[i].old)
			ck_assert_msg(v && strcmp(v, steps[i].old) == 0,
				      "step %zu %s %s: got value %s, want %s", i,
				      steps[i].op, steps[i].key, v ? (char *)v : "NULL",
				      steps[i].old);
		else if (strcmp(steps[i].op, "put") == 0)
			ck_assert_msg(v == NULL, "step %zu: replaced %s, want nothing",
				      i, (char *)v);
	}
	ck_assert_uint_eq(tm_htable_count(t), 1);
	tm_htable_free(t, NULL);
	tm_htable_free(NULL, NULL);
}
END_TEST

START_TEST(test_fold)
{
	struct tm_htable *t = tm_htable_new(4, TM_HTABLE_FOLD);
	void *v = NULL;

	ck_assert_int_eq(tm_htable_put(t, "Example.COM", 11, "x", NULL), 0);
	ck_assert_int_eq(tm_htable_get(t, "example.com", 11, &v), 1);
	ck_assert_str_eq(v, "x");
	ck_assert_int_eq(tm_htable_get(t, "EXAMPLE.COM", 11, NULL), 1);
	ck_assert_int_eq(tm_htable_get(t, "example.co", 10, NULL), 0);
	/* '@' and '`' differ by the case bit but are no letters */
	ck_assert_int_eq(tm_htable_put(t, "@", 1, "at", NULL), 0);
	ck_assert_int_eq(tm_htable_get(t, "`", 1, NULL), 0);
	ck_assert_int_eq(tm_htable_put(t, "EXAMPLE.com", 11, "y", &v), 0);
	ck_assert_str_eq(v, "x");
	ck_assert_uint_eq(tm_htable_count(t), 2);
	tm_htable_free(t, NULL);
}
END_TEST

START_TEST(test_binary_keys)
{
	struct tm_htable *t = tm_htable_new(4, 0);
	static const char k1[] = { 'a', '\0', 'b' }, k2[] = { 'a', '\0', 'c' };
	void *v;

	ck_assert_int_eq(tm_htable_put(t, k1, 3, "1", NULL), 0);
	ck_assert_int_eq(tm_htable_put(t, k2, 3, "2", NULL), 0);
	ck_assert_int_eq(tm_htable_put(t, "a", 1, "3", NULL), 0);
	ck_assert_int_eq(tm_htable_get(t, k2, 3, &v), 1);
	ck_assert_str_eq(v, "2");
	ck_assert_int_eq(tm_htable_get(t, "a", 1, &v), 1);
	ck_assert_str_eq(v, "3");
	ck_assert_uint_eq(tm_htable_count(t), 3);
	tm_htable_free(t, NULL);
}
END_TEST

/* sum - walk callback: add the value's number, count the entries */
static int
sum(const void *key, size_t len, void *value, void *arg)
{
	long *acc = arg;

	ck_assert_uint_eq(strlen(key), len);	/* stored copy ends in '\0' */
	acc[0] += atol(value);
	acc[1]++;
	return acc[1] == acc[2] ? 7 : 0;	/* stop at acc[2] entries */
}

START_TEST(test_grow_and_walk)
{
	enum { N = 20000 };
	struct tm_htable *t = tm_htable_new(0, TM_HTABLE_FOLD);
	char key[32], *val;
	long acc[3] = { 0, 0, -1 }, want = 0;
	size_t i;

	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "Key-%zu.example", i);
		ck_assert_ptr_nonnull(val = malloc(16));
		snprintf(val, 16, "%zu", i);
		ck_assert_int_eq(tm_htable_put(t, key, strlen(key), val, NULL), 0);
		want += (long)i;
	}
	ck_assert_uint_eq(tm_htable_count(t), N);
	for (i = 0; i < N; i++) {
		void *v;

		snprintf(key, sizeof(key), "KEY-%zu.EXAMPLE", i);
		ck_assert_msg(tm_htable_get(t, key, strlen(key), &v) == 1,
			      "%s: got absent, want present", key);
		ck_assert_int_eq(atol(v), (long)i);
	}
	ck_assert_int_eq(tm_htable_walk(t, sum, acc), 0);
	ck_assert_msg(acc[0] == want && acc[1] == N, "walk: got sum %ld over %ld, "
		      "want %ld over %d", acc[0], acc[1], want, N);
	acc[0] = acc[1] = 0;
	acc[2] = 5;
	ck_assert_int_eq(tm_htable_walk(t, sum, acc), 7);	/* stops */
	ck_assert_int_eq(acc[1], 5);
	tm_htable_free(t, free);		/* ASan: every value freed */
}
END_TEST

static Suite *
htable_suite(void)
{
	Suite *s = suite_create("htable");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fnv1a);
	tcase_add_test(tc, test_put_get_del);
	tcase_add_test(tc, test_fold);
	tcase_add_test(tc, test_binary_keys);
	tcase_add_test(tc, test_grow_and_walk);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(htable_suite)
