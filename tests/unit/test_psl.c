/*
 * test_psl.c - organizational domains from Debian's Public Suffix List.
 */

#include "config.h"

#include <string.h>

#include "policy/psl.h"
#include "unit.h"

START_TEST(test_org_domain)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "acme.example", "acme.example" },	/* default rule */
		{ "mail.acme.example", "acme.example" },
		{ "a.b.c.acme.example", "acme.example" },
		{ "example.com", "example.com" },
		{ "mail.example.com", "example.com" },
		{ "www.example.co.uk", "example.co.uk" },
		{ "co.uk", "co.uk" },			/* a suffix itself */
		{ "com", "com" },
		{ "a.b.foo.bd", "b.foo.bd" },		/* *.bd */
		{ "www.ck", "www.ck" },			/* !www.ck */
		{ "a.www.ck", "www.ck" },
		{ "x.y.ck", "x.y.ck" },			/* *.ck */
		{ "beta.provider.example", "provider.example" },
		{ "Mail.Example.COM", "Example.COM" },
	};
	struct tm_psl *p;
	char why[256];
	size_t i;

	p = tm_psl_load(TM_PSL_DEFAULT, why, sizeof(why));
	ck_assert_msg(p != NULL, "load: %s", why);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = tm_psl_org_domain(p, cases[i].in);

		ck_assert_msg(strcmp(got, cases[i].want) == 0,
			      "org(%s): got %s, want %s", cases[i].in, got,
			      cases[i].want);
	}
	ck_assert_int_eq(tm_psl_aligned(p, "bounce.acme.example", "acme.example"), 1);
	ck_assert_int_eq(tm_psl_aligned(p, "acme.provider.example", "provider.example"), 1);
	ck_assert_int_eq(tm_psl_aligned(p, "a.co.uk", "b.co.uk"), 0);
	ck_assert_int_eq(tm_psl_aligned(p, "acme.example", "beta.example"), 0);
	tm_psl_free(p);
}
END_TEST

START_TEST(test_load_errors)
{
	char why[256];

	ck_assert_ptr_null(tm_psl_load("/nonexistent/psl.dat", why, sizeof(why)));
	ck_assert_msg(strstr(why, "/nonexistent/psl.dat") != NULL, "why: %s", why);
	ck_assert_ptr_null(tm_psl_load("/dev/null", why, sizeof(why)));
	ck_assert_msg(strstr(why, "no rules") != NULL, "why: %s", why);
}
END_TEST

static Suite *
psl_suite(void)
{
	Suite *s = suite_create("psl");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_org_domain);
	tcase_add_test(tc, test_load_errors);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(psl_suite)
