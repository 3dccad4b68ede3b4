/*
 * test_dnsname.c - dns/dnsname, the one domain-name validator: host
 * names, the flags of each use (SPF domains, DNS query names, DKIM
 * selectors), lengths, and bytes above 0x7f under every locale the
 * machine has (isalnum() would accept some of them in a Latin-1 locale).
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "dns/dnsname.h"
#include "unit.h"

#define HOST	0
#define SPF	(TM_DNSNAME_UNDERSCORE | TM_DNSNAME_EDGE_HYPHEN | TM_DNSNAME_FINAL_DOT)
#define QNAME	(TM_DNSNAME_ANY | TM_DNSNAME_FINAL_DOT)
#define SEL	TM_DNSNAME_UNDERSCORE

static char l63[64], l64[65], n253[254], n254[255], n253dot[255];

/* make_long - labels of 63 and 64, names of 253 and 254 characters */
static void
make_long(void)
{
	memset(l63, 'a', 63);
	memset(l64, 'a', 64);
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	snprintf(n253, sizeof(n253), "%s.%s.%s.%.61s", l63, l63, l63, l63);
	snprintf(n254, sizeof(n254), "%s.%s.%s.%.62s", l63, l63, l63, l63);
	snprintf(n253dot, sizeof(n253dot), "%s.", n253);
	ck_assert_uint_eq(strlen(n253), 253);
	ck_assert_uint_eq(strlen(n254), 254);
}

static const struct {
	const char *name;
	unsigned flags, min;
	int want;
} cases[] = {
	{ "example.com", HOST, 2, 1 },
	{ "Mail.Example.COM", HOST, 2, 1 },
	{ "a-b.example", HOST, 2, 1 },
	{ "xn--bcher-kva.example", HOST, 2, 1 },
	{ "123.example", HOST, 2, 1 },
	{ "localhost", HOST, 2, 0 },		/* one label */
	{ "localhost", HOST, 1, 1 },
	{ "", HOST, 1, 0 },
	{ ".", HOST, 1, 0 },
	{ "example.com.", HOST, 2, 0 },		/* final dot: not a host name */
	{ "example..com", HOST, 2, 0 },
	{ ".example.com", HOST, 2, 0 },
	{ "-a.example", HOST, 2, 0 },
	{ "a-.example", HOST, 2, 0 },
	{ "a_b.example", HOST, 2, 0 },
	{ "a b.example", HOST, 2, 0 },
	{ "a@b.example", HOST, 2, 0 },
	{ "\xe4.example", HOST, 2, 0 },		/* Latin-1 a-umlaut */
	{ "\xc3\xa4.example", HOST, 2, 0 },	/* UTF-8 a-umlaut */
	/* SPF domains (RFC 7208 4.3) */
	{ "_spf.example.com", SPF, 2, 1 },
	{ "-a-.example.com.", SPF, 2, 1 },
	{ "example.com.", SPF, 2, 1 },
	{ "com.", SPF, 2, 0 },
	{ "example..com", SPF, 2, 0 },
	{ "ex%ample.com", SPF, 2, 0 },
	/* DNS query names: any byte, only lengths */
	{ "%{i}.\x01x.example.", QNAME, 1, 1 },
	{ "a b.example", QNAME, 1, 1 },
	{ "a..b", QNAME, 1, 0 },
	{ ".", QNAME, 1, 0 },
	/* DKIM selectors */
	{ "lms2026", SEL, 1, 1 },
	{ "s_1.sub", SEL, 1, 1 },
	{ "-s", SEL, 1, 0 },
	{ "s.", SEL, 1, 0 },
};

/* run_cases - the table, under the current locale */
static void
run_cases(const char *locale)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = tm_dnsname_ok_str(cases[i].name, cases[i].flags,
					    cases[i].min);

		ck_assert_msg(got == cases[i].want,
			      "[%s] ok(\"%s\", flags %u, min %u): got %d, want %d",
			      locale, cases[i].name, cases[i].flags, cases[i].min,
			      got, cases[i].want);
	}
}

START_TEST(test_table)
{
	run_cases("C");
}
END_TEST

START_TEST(test_lengths)
{
	static const struct {
		const char *what, *name;
		unsigned flags;
		int want;
	} len_cases[] = {
		{ "label of 63", l63, HOST, 1 },
		{ "label of 64", l64, HOST, 0 },
		{ "name of 253", n253, HOST, 1 },
		{ "name of 254", n254, HOST, 0 },
		{ "253 and a final dot", n253dot, SPF, 1 },
		{ "253 and a final dot, as host", n253dot, HOST, 0 },
		{ "label of 64, any bytes", l64, QNAME, 0 },
	};
	size_t i;

	make_long();
	for (i = 0; i < sizeof(len_cases) / sizeof(len_cases[0]); i++) {
		int got = tm_dnsname_ok_str(len_cases[i].name, len_cases[i].flags, 1);

		ck_assert_msg(got == len_cases[i].want, "%s: got %d, want %d",
			      len_cases[i].what, got, len_cases[i].want);
	}
	/* a length, not a C string: the tail is not looked at; '\0' inside is bad */
	ck_assert_int_eq(tm_dnsname_ok("example.com!!!", 11, HOST, 2), 1);
	ck_assert_int_eq(tm_dnsname_ok("example\0com", 11, QNAME, 1), 0);
}
END_TEST

START_TEST(test_equal)
{
	static const struct { const char *a, *b; int want; } cases[] = {
		{ "example.org", "example.org", 1 },
		{ "Example.ORG", "example.org", 1 },
		{ "example.org.", "EXAMPLE.org", 1 },
		{ "example.org", "example.or", 0 },
		{ "example.org", "example.org..", 0 },
		{ "", ".", 1 },
		{ "a.example", "b.example", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(tm_dnsname_equal(cases[i].a, cases[i].b) == cases[i].want,
			      "equal(\"%s\", \"%s\"): got %d, want %d", cases[i].a,
			      cases[i].b, !cases[i].want, cases[i].want);
}
END_TEST

START_TEST(test_locales)
{
	static const char *const locales[] = {
		"C.UTF-8", "C.utf8", "en_US.UTF-8", "de_DE.ISO-8859-1",
		"de_DE", "en_US.ISO-8859-1", "fr_FR",
	};
	size_t i;
	int tried = 0;

	for (i = 0; i < sizeof(locales) / sizeof(locales[0]); i++) {
		if (setlocale(LC_ALL, locales[i]) == NULL)
			continue;
		tried++;
		run_cases(locales[i]);
	}
	setlocale(LC_ALL, "C");
	ck_assert_msg(tried > 0, "no locale to test under: got 0, want 1 or more");
}
END_TEST

static Suite *
dnsname_suite(void)
{
	Suite *s = suite_create("dnsname");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_locales);
	tcase_add_test(tc, test_equal);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(dnsname_suite)
