/*
 * test_err.c - the error list: formatting and counters.
 */

#include "config.h"

#include <string.h>

#include "util/err.h"
#include "unit.h"

START_TEST(test_format)
{
	static const struct {
		enum tm_err_kind kind;
		const char *file;
		int line;
		const char *msg;
		const char *want;
	} cases[] = {
		{ TM_ERR_FATAL, "a.conf", 3, "bad", "a.conf:3: bad" },
		{ TM_ERR_WARNING, "a.conf", 7, "weak", "a.conf:7: warning: weak" },
		{ TM_ERR_TENANT, "k.key", 0, "mode", "k.key: mode" },
		{ TM_ERR_FATAL, NULL, 0, "plain", "plain" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tm_err e;
		char buf[256];

		tm_err_init(&e);
		tm_err_add(&e, cases[i].kind, cases[i].file, cases[i].line,
			   "%s", cases[i].msg);
		ck_assert_uint_eq(e.n, 1);
		tm_err_format(&e.items[0], buf, sizeof(buf));
		ck_assert_msg(strcmp(buf, cases[i].want) == 0,
			      "case %zu: got \"%s\", want \"%s\"", i, buf,
			      cases[i].want);
		tm_err_fini(&e);
	}
}
END_TEST

START_TEST(test_counters)
{
	struct tm_err e;

	tm_err_init(&e);
	ck_assert_int_eq(tm_err_failed(&e), 0);
	tm_err_add(&e, TM_ERR_WARNING, "x", 1, "w");
	ck_assert_int_eq(tm_err_failed(&e), 0);
	tm_err_add(&e, TM_ERR_TENANT, "x", 2, "t%d", 1);
	ck_assert_int_eq(tm_err_failed(&e), 1);
	ck_assert_str_eq(tm_err_first(&e), "t1");
	tm_err_add(&e, TM_ERR_FATAL, "x", 3, "f");
	ck_assert_str_eq(tm_err_first(&e), "f");
	ck_assert_uint_eq(e.n_warning, 1);
	ck_assert_uint_eq(e.n_tenant, 1);
	ck_assert_uint_eq(e.n_fatal, 1);
	tm_err_fini(&e);
	tm_err_add(NULL, TM_ERR_FATAL, NULL, 0, "ignored");
}
END_TEST

static Suite *
err_suite(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_counters);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(err_suite)
