/*
 * test_cidr.c - util/cidr: parsing and masking, prefix matching, and the
 * IPv4-mapped IPv6 rules (hosts, networks, socket addresses).
 */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util/cidr.h"
#include "unit.h"

/* text - "addr/prefix" of c, for messages */
static const char *
text(const struct tm_cidr *c, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(c->family, c->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "family %d", c->family);
	snprintf(buf, size, "%s/%d", a, c->prefix);
	return buf;
}

START_TEST(test_parse)
{
	static const struct {
		const char *in;
		int rc;
		const char *want;	/* text() of the result */
	} cases[] = {
		{ "192.0.2.1", 0, "192.0.2.1/32" },
		{ "192.0.2.77/24", 0, "192.0.2.0/24" },	/* host bits cleared */
		{ "192.0.2.255/25", 0, "192.0.2.128/25" },
		{ "10.1.2.3/0", 0, "0.0.0.0/0" },
		{ "2001:db8::1", 0, "2001:db8::1/128" },
		{ "2001:db8:ffff::/33", 0, "2001:db8:8000::/33" },
		{ "::ffff:192.0.2.1/120", 0, "::ffff:192.0.2.0/120" },
		{ "192.0.2.1/33", -1, NULL },
		{ "2001:db8::/129", -1, NULL },
		{ "192.0.2.1/", -1, NULL },
		{ "192.0.2.1/-1", -1, NULL },
		{ "192.0.2.1/24x", -1, NULL },
		{ "192.0.2", -1, NULL },
		{ "example.com", -1, NULL },
		{ "", -1, NULL },
		{ "1111:2222:3333:4444:5555:6666:7777:8888:9999/64", -1, NULL },
	};
	char buf[80];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tm_cidr c;
		int rc = tm_cidr_parse(cases[i].in, &c);

		ck_assert_msg(rc == cases[i].rc, "parse(%s): got %d, want %d",
			      cases[i].in, rc, cases[i].rc);
		if (rc == 0)
			ck_assert_msg(strcmp(text(&c, buf, sizeof(buf)),
					     cases[i].want) == 0,
				      "parse(%s): got %s, want %s", cases[i].in,
				      buf, cases[i].want);
	}
}
END_TEST

START_TEST(test_contains)
{
	static const struct {
		const char *net, *addr;
		int want;
	} cases[] = {
		{ "192.0.2.0/24", "192.0.2.1", 1 },
		{ "192.0.2.0/24", "192.0.3.1", 0 },
		{ "192.0.2.128/25", "192.0.2.127", 0 },
		{ "192.0.2.128/25", "192.0.2.200", 1 },
		{ "0.0.0.0/0", "203.0.113.9", 1 },
		{ "192.0.2.1", "192.0.2.1", 1 },
		{ "192.0.2.1", "192.0.2.2", 0 },
		{ "2001:db8::/32", "2001:db8:1::5", 1 },
		{ "2001:db8::/32", "2001:db9::5", 0 },
		{ "::/0", "2001:db8::1", 1 },
		{ "::/0", "192.0.2.1", 0 },		/* other family */
		{ "192.0.2.0/24", "2001:db8::1", 0 },
		/* a mapped client is matched as IPv4 (tm_cidr_host) */
		{ "192.0.2.0/24", "::ffff:192.0.2.9", 1 },
		{ "::ffff:0:0/96", "::ffff:192.0.2.9", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tm_cidr net, a;
		int got;

		ck_assert_int_eq(tm_cidr_parse(cases[i].net, &net), 0);
		ck_assert_int_eq(tm_cidr_parse(cases[i].addr, &a), 0);
		tm_cidr_host(&a, &a);
		got = tm_cidr_contains(&net, &a);
		ck_assert_msg(got == cases[i].want, "%s in %s: got %d, want %d",
			      cases[i].addr, cases[i].net, got, cases[i].want);
	}
}
END_TEST

START_TEST(test_mapped)
{
	static const struct {
		const char *in;
		const char *host;	/* tm_cidr_host */
		const char *net;	/* tm_cidr_unmap_net */
	} cases[] = {
		{ "::ffff:192.0.2.1", "192.0.2.1/32", "192.0.2.1/32" },
		{ "::ffff:192.0.2.0/120", "192.0.2.0/32", "192.0.2.0/24" },
		{ "::ffff:0:0/96", "0.0.0.0/32", "0.0.0.0/0" },
		{ "::ffff:0:0/95", "::fffe:0:0/128", "::fffe:0:0/95" },	/* masked: not mapped */
		{ "::1", "::1/128", "::1/128" },
		{ "::192.0.2.1", "::192.0.2.1/128", "::192.0.2.1/128" },	/* compatible, not mapped */
		{ "192.0.2.0/24", "192.0.2.0/32", "192.0.2.0/24" },
		{ "2001:db8::/32", "2001:db8::/128", "2001:db8::/32" },
	};
	char buf[80];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tm_cidr c, out;

		ck_assert_int_eq(tm_cidr_parse(cases[i].in, &c), 0);
		tm_cidr_host(&c, &out);
		ck_assert_msg(strcmp(text(&out, buf, sizeof(buf)), cases[i].host) == 0,
			      "host(%s): got %s, want %s", cases[i].in, buf,
			      cases[i].host);
		tm_cidr_unmap_net(&c, &out);
		ck_assert_msg(strcmp(text(&out, buf, sizeof(buf)), cases[i].net) == 0,
			      "unmap_net(%s): got %s, want %s", cases[i].in, buf,
			      cases[i].net);
	}
}
END_TEST

START_TEST(test_sockaddr)
{
	static const struct {
		int family;
		const char *addr, *want;
	} cases[] = {
		{ AF_INET, "192.0.2.1", "192.0.2.1/32" },
		{ AF_INET6, "2001:db8::1", "2001:db8::1/128" },
		{ AF_INET6, "::ffff:198.51.100.7", "198.51.100.7/32" },
	};
	struct sockaddr_storage ss;
	struct tm_cidr c;
	char buf[80];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)cases[i].family;
		if (cases[i].family == AF_INET)
			inet_pton(AF_INET, cases[i].addr,
				  &((struct sockaddr_in *)&ss)->sin_addr);
		else
			inet_pton(AF_INET6, cases[i].addr,
				  &((struct sockaddr_in6 *)&ss)->sin6_addr);
		ck_assert_int_eq(tm_cidr_from_sockaddr((struct sockaddr *)&ss, &c), 0);
		ck_assert_msg(strcmp(text(&c, buf, sizeof(buf)), cases[i].want) == 0,
			      "sockaddr %s: got %s, want %s", cases[i].addr, buf,
			      cases[i].want);
	}
	ss.ss_family = AF_UNIX;
	ck_assert_int_eq(tm_cidr_from_sockaddr((struct sockaddr *)&ss, &c), -1);
	ck_assert_int_eq(tm_cidr_from_sockaddr(NULL, &c), -1);
}
END_TEST

static Suite *
cidr_suite(void)
{
	Suite *s = suite_create("cidr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_contains);
	tcase_add_test(tc, test_mapped);
	tcase_add_test(tc, test_sockaddr);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(cidr_suite)
