/*
 * test_conf.c - value syntax (ids, domains, addresses, networks, sockets)
 * and the snapshot's reference counting.  Whole-file validation with
 * FILE:LINE is tested end to end in tests/conf/t-validate.sh.
 */

#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_table.h"
#include "spf/spf.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_syntax)
{
	static const struct {
		int (*fn)(const char *);
		const char *name, *in;
		int want;
	} cases[] = {
		{ tm_valid_tenant_id, "id", "acme", 1 },
		{ tm_valid_tenant_id, "id", "a-1", 1 },
		{ tm_valid_tenant_id, "id", "-a", 0 },
		{ tm_valid_tenant_id, "id", "Acme", 0 },
		{ tm_valid_tenant_id, "id", "a_b", 0 },
		{ tm_valid_tenant_id, "id", "", 0 },
		{ tm_valid_tenant_id, "id",
		  "a123456789012345678901234567890123456789012345678901234567890ab", 1 },
		{ tm_valid_tenant_id, "id",
		  "a123456789012345678901234567890123456789012345678901234567890abc", 0 },
		{ tm_valid_domain, "domain", "acme.example", 1 },
		{ tm_valid_domain, "domain", "a-b.c.example", 1 },
		{ tm_valid_domain, "domain", "localhost", 0 },
		{ tm_valid_domain, "domain", "acme..example", 0 },
		{ tm_valid_domain, "domain", "-acme.example", 0 },
		{ tm_valid_domain, "domain", "acme.example.", 0 },
		{ tm_valid_domain, "domain", "ac me.example", 0 },
		{ tm_valid_address, "address", "claim@acme.example", 1 },
		{ tm_valid_address, "address", "a.b+c@acme.example", 1 },
		{ tm_valid_address, "address", ".a@acme.example", 0 },
		{ tm_valid_address, "address", "a..b@acme.example", 0 },
		{ tm_valid_address, "address", "claim@@acme.example", 0 },
		{ tm_valid_address, "address", "@acme.example", 0 },
		{ tm_valid_address, "address", "claim", 0 },
		{ tm_valid_address, "address", "a b@acme.example", 0 },
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		int got = cases[i].fn(cases[i].in);

		ck_assert_msg(got == cases[i].want, "%s(\"%s\"): got %d, want %d",
			      cases[i].name, cases[i].in, got, cases[i].want);
	}
}
END_TEST

START_TEST(test_cidr)
{
	static const struct {
		const char *in;
		int rc, family, prefix;
		const char *addr;	/* masked, as inet_ntop prints it */
	} cases[] = {
		{ "10.1.2.3/8", 0, AF_INET, 8, "10.0.0.0" },
		{ "10.1.2.3", 0, AF_INET, 32, "10.1.2.3" },
		{ "198.51.100.77/25", 0, AF_INET, 25, "198.51.100.0" },
		{ "0.0.0.0/0", 0, AF_INET, 0, "0.0.0.0" },
		{ "2001:db8::1/32", 0, AF_INET6, 32, "2001:db8::" },
		{ "2001:db8:ab:cd::1/63", 0, AF_INET6, 63, "2001:db8:ab:cc::" },
		{ "::1", 0, AF_INET6, 128, "::1" },
		{ "10.0.0.0/33", -1, 0, 0, NULL },
		{ "::/129", -1, 0, 0, NULL },
		{ "10.0.0.0/", -1, 0, 0, NULL },
		{ "10.0.0.0/-1", -1, 0, 0, NULL },
		{ "10.0.0.0/8x", -1, 0, 0, NULL },
		{ "example.com/8", -1, 0, 0, NULL },
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		struct tm_cidr c;
		char buf[INET6_ADDRSTRLEN];
		int rc = tm_cidr_parse(cases[i].in, &c);

		ck_assert_msg(rc == cases[i].rc, "parse(\"%s\"): got %d, want %d",
			      cases[i].in, rc, cases[i].rc);
		if (rc < 0)
			continue;
		inet_ntop(c.family, c.addr, buf, sizeof(buf));
		ck_assert_msg(c.family == cases[i].family &&
			      c.prefix == cases[i].prefix &&
			      strcmp(buf, cases[i].addr) == 0,
			      "parse(\"%s\"): got %s/%d, want %s/%d", cases[i].in,
			      buf, c.prefix, cases[i].addr, cases[i].prefix);
	}
}
END_TEST

START_TEST(test_cidr_contains)
{
	struct tm_cidr net, a;

	tm_cidr_parse("10.1.0.0/16", &net);
	tm_cidr_parse("10.1.200.3", &a);
	ck_assert_int_eq(tm_cidr_contains(&net, &a), 1);
	tm_cidr_parse("10.2.0.1", &a);
	ck_assert_int_eq(tm_cidr_contains(&net, &a), 0);
	tm_cidr_parse("::ffff:10.1.0.1", &a);
	ck_assert_int_eq(tm_cidr_contains(&net, &a), 0);	/* family differs */
	tm_cidr_parse("2001:db8::/32", &net);
	tm_cidr_parse("2001:db8:ffff::1", &a);
	ck_assert_int_eq(tm_cidr_contains(&net, &a), 1);
}
END_TEST

START_TEST(test_validators)
{
	static const struct {
		tm_opt_valid_fn fn;
		const char *name, *in;
		int want;	/* 0 valid, -1 invalid */
	} cases[] = {
		{ tm_valid_fn_socket, "socket", "inet:8891@127.0.0.1", 0 },
		{ tm_valid_fn_socket, "socket", "inet6:8891@::1", 0 },
		{ tm_valid_fn_socket, "socket", "unix:/run/tm/milter.sock", 0 },
		{ tm_valid_fn_socket, "socket", "local:/run/tm/milter.sock", 0 },
		{ tm_valid_fn_socket, "socket", "unix:relative.sock", -1 },
		{ tm_valid_fn_socket, "socket", "inet:0@127.0.0.1", -1 },
		{ tm_valid_fn_socket, "socket", "inet:65536@127.0.0.1", -1 },
		{ tm_valid_fn_socket, "socket", "inet:8891@", -1 },
		{ tm_valid_fn_socket, "socket", "tcp:8891", -1 },
		{ tm_valid_fn_nameserver, "nameserver", "127.0.0.1", 0 },
		{ tm_valid_fn_nameserver, "nameserver", "127.0.0.1@5353", 0 },
		{ tm_valid_fn_nameserver, "nameserver", "::1@53", 0 },
		{ tm_valid_fn_nameserver, "nameserver", "127.0.0.1@0", -1 },
		{ tm_valid_fn_nameserver, "nameserver", "ns.example", -1 },
		{ tm_valid_fn_header, "header", "X-Tenant-ID", 0 },
		{ tm_valid_fn_header, "header", "X-Tenant:ID", -1 },
		{ tm_valid_fn_header, "header", "X Tenant", -1 },
		{ tm_valid_fn_header, "header", "", -1 },
		{ tm_valid_fn_tenant_domain, "tenant_domain", "%t.provider.example", 0 },
		{ tm_valid_fn_tenant_domain, "tenant_domain", "mail-%t.provider.example", 0 },
		{ tm_valid_fn_tenant_domain, "tenant_domain", "provider.example", -1 },
		{ tm_valid_fn_tenant_domain, "tenant_domain", "%t..example", -1 },
		{ tm_valid_fn_selector, "selector", "lms2026", 0 },
		{ tm_valid_fn_selector, "selector", "s1._x", 0 },
		{ tm_valid_fn_selector, "selector", "bad sel", -1 },
		{ tm_valid_fn_sasl_user, "sasl_user", "lms-acme", 0 },
		{ tm_valid_fn_sasl_user, "sasl_user", "lms acme", -1 },
		{ tm_valid_fn_domain_or_address, "allowed", "news@acme.example", 0 },
		{ tm_valid_fn_domain_or_address, "allowed", "acme.example", 0 },
		{ tm_valid_fn_domain_or_address, "allowed", "news@", -1 },
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		char why[128] = "";
		int got = cases[i].fn(cases[i].in, why, sizeof(why));

		ck_assert_msg(got == cases[i].want, "%s(\"%s\"): got %d (%s), want %d",
			      cases[i].name, cases[i].in, got, why, cases[i].want);
		ck_assert_msg(got == 0 || why[0] != '\0',
			      "%s(\"%s\"): rejected without a reason",
			      cases[i].name, cases[i].in);
	}
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(tm_mode_name(TM_MODE_CUSTOMER), "customer");
	ck_assert_str_eq(tm_action_name(TM_ACT_FALLBACK), "fallback");
	ck_assert_str_eq(tm_action_name(TM_ACT_REJECT), "reject");
	ck_assert_str_eq(tm_spf_result_name(TM_SPF_PERMERROR), "permerror");
	ck_assert_str_eq(tm_ident_name(TM_ID_NETWORK), "network");
	ck_assert_str_eq(tm_alg_name(TM_ALG_ED25519_SHA256), "ed25519-sha256");
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("syntax");

	tcase_add_test(tc, test_syntax);
	tcase_add_test(tc, test_cidr);
	tcase_add_test(tc, test_cidr_contains);
	tcase_add_test(tc, test_validators);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(conf_suite)
