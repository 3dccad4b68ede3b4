/*
 * test_spf.c - SPF over the static resolver: results, the worst result
 * over several IPs, the per-(domain, IP) cache, RFC 7208's lookup and
 * void limits, record selection, IPv4-mapped clients, and the record
 * checker's verdicts and rewrites.
 */

#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf.h"
#include "spf/spf_int.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 250 characters: three labels of 63, one of 44, users.example */
#define L10 "abcdefghij"
#define L63 L10 L10 L10 L10 L10 L10 "abc"
#define L44 L10 L10 L10 L10 "abcd"
#define LONG L63 "." L63 "." L63 "." L44 ".users.example"

/*
 * The test zone: "name TYPE text", "name TIMEOUT", "name SERVFAIL".
 * TTL 300, except names starting "ttl0." (TTL 0: never cached).
 */
static const char *const zone[] = {
	"pass.example TXT v=spf1 ip4:192.0.2.1 -all",
	"pass.example TXT some other text",
	"mixed.example TXT v=spf1 ip4:192.0.2.1 ?ip4:192.0.2.2 ~ip4:192.0.2.3 "
		"ip4:192.0.2.5 -all",
	"slow.example TXT v=spf1 ip4:192.0.2.1 a:timeout.example -all",
	"timeout.example TIMEOUT",
	"broken.example SERVFAIL",
	"perm.example TXT v=spf1 ip4:192.0.2.1 bogus -all",
	"two.example TXT v=spf1 -all",
	"two.example TXT v=spf1 +all",
	"ten.example TXT v=spf1 a:h1.example a:h2.example a:h3.example "
		"a:h4.example a:h5.example a:h6.example a:h7.example "
		"a:h8.example a:h9.example a:h10.example -all",
	"eleven.example TXT v=spf1 a:h1.example a:h2.example a:h3.example "
		"a:h4.example a:h5.example a:h6.example a:h7.example "
		"a:h8.example a:h9.example a:h10.example a:h11.example -all",
	"chain.example TXT v=spf1 include:c1.example -all",
	"c1.example TXT v=spf1 include:c2.example",
	"c2.example TXT v=spf1 include:c3.example",
	"c3.example TXT v=spf1 include:c4.example",
	"c4.example TXT v=spf1 include:c5.example",
	"c5.example TXT v=spf1 include:c6.example",
	"c6.example TXT v=spf1 include:c7.example",
	"c7.example TXT v=spf1 include:c8.example",
	"c8.example TXT v=spf1 include:c9.example",
	"c9.example TXT v=spf1 include:c10.example",
	"c10.example TXT v=spf1 include:c11.example",
	"c11.example TXT v=spf1 +all",
	"void2.example TXT v=spf1 a:nx1.example mx:nx2.example -all",
	"void3.example TXT v=spf1 a:nx1.example mx:nx2.example a:nx3.example "
		"-all",
	"mx11.example TXT v=spf1 mx -all",
	"mapped.example TXT v=spf1 ip6:::ffff:192.0.2.1 ip4:192.0.2.9 -all",
	"a0.example TXT v=spf1 a:h1.example/0 -all",
	"redir.example TXT v=spf1 redirect=pass.example ip4:192.0.2.7",
	"ttl0.example TXT v=spf1 ip4:192.0.2.1 -all",
	/* %{d}.LONG is 263 characters: "long." and "example." must go */
	"long.example TXT v=spf1 -exists:%{d}." LONG " +all",
	LONG " A 127.0.0.2",
	"personal.example TXT v=spf1 exists:%{l}.users.example -all",
	"alice.users.example A 127.0.0.2",
	"h1.example A 198.51.100.1", "h2.example A 198.51.100.2",
	"h3.example A 198.51.100.3", "h4.example A 198.51.100.4",
	"h5.example A 198.51.100.5", "h6.example A 198.51.100.6",
	"h7.example A 198.51.100.7", "h8.example A 198.51.100.8",
	"h9.example A 198.51.100.9", "h10.example A 198.51.100.10",
	"h11.example A 198.51.100.11",
};

/* rrtype - number of a record type name */
static int
rrtype(const char *name)
{
	if (strcmp(name, "A") == 0)
		return TM_DNS_A;
	if (strcmp(name, "MX") == 0)
		return TM_DNS_MX;
	return TM_DNS_TXT;
}

/* resolver - the test zone behind a resolver */
static struct tm_resolver *
resolver(void)
{
	struct tm_static *st = tm_static_new();
	char name[300], type[16], buf[512];
	size_t i;
	int k, off;

	ck_assert_ptr_nonnull(st);
	for (i = 0; i < N(zone); i++) {
		ck_assert_int_eq(sscanf(zone[i], "%299s %15s %n", name, type,
					&off), 2);
		if (strcmp(type, "TIMEOUT") == 0)
			ck_assert_int_eq(tm_static_timeout(st, name), 0);
		else if (strcmp(type, "SERVFAIL") == 0)
			ck_assert_int_eq(tm_static_servfail(st, name), 0);
		else
			ck_assert_int_eq(tm_static_add(st, name, rrtype(type),
				zone[i] + off, strncmp(name, "ttl0.", 5) ?
				300 : 0), 0);
	}
	for (k = 1; k <= 11; k++) {		/* mx11.example: 11 MX */
		snprintf(buf, sizeof(buf), "%d h%d.example", k, k);
		ck_assert_int_eq(tm_static_add(st, "mx11.example", TM_DNS_MX,
					       buf, 300), 0);
	}
	return tm_static_resolver(st);
}

/* ip - a tm_cidr of full length from text */
static struct tm_cidr
ip(const char *text)
{
	struct tm_cidr c;

	ck_assert_msg(tm_cidr_parse(text, &c) == 0, "bad address %s", text);
	return c;
}

/* setup - resolver and tm_spf */
static struct tm_spf *
setup(struct tm_resolver **res)
{
	char why[128];
	struct tm_spf *spf;

	*res = resolver();
	ck_assert_ptr_nonnull(*res);
	spf = tm_spf_new(*res, why, sizeof(why));
	ck_assert_ptr_nonnull(spf);
	return spf;
}

START_TEST(test_check)
{
	static const struct {
		const char *domain, *ip;
		enum tm_spf_result want;
		unsigned lookups, voids;
	} cases[] = {
		{ "pass.example", "192.0.2.1", TM_SPF_PASS, 0, 0 },
		{ "pass.example", "192.0.2.2", TM_SPF_FAIL, 0, 0 },
		{ "pass.example", "2001:db8::1", TM_SPF_FAIL, 0, 0 },
		{ "nothing.example", "192.0.2.1", TM_SPF_NONE, 0, 0 },
		{ "single-label", "192.0.2.1", TM_SPF_NONE, 0, 0 },
		{ "slow.example", "192.0.2.1", TM_SPF_PASS, 0, 0 },
		{ "slow.example", "192.0.2.2", TM_SPF_TEMPERROR, 1, 0 },
		{ "broken.example", "192.0.2.2", TM_SPF_TEMPERROR, 0, 0 },
		{ "perm.example", "192.0.2.1", TM_SPF_PERMERROR, 0, 0 },
		/* two records = permerror */
		{ "two.example", "192.0.2.1", TM_SPF_PERMERROR, 0, 0 },
		/* 10 lookups allowed, the 11th is permerror */
		{ "ten.example", "192.0.2.1", TM_SPF_FAIL, 10, 0 },
		{ "ten.example", "198.51.100.10", TM_SPF_PASS, 10, 0 },
		{ "eleven.example", "198.51.100.11", TM_SPF_PERMERROR, 11, 0 },
		/* includes count across levels */
		{ "chain.example", "192.0.2.1", TM_SPF_PERMERROR, 11, 0 },
		/* 2 void lookups allowed, the 3rd is permerror */
		{ "void2.example", "192.0.2.1", TM_SPF_FAIL, 2, 2 },
		{ "void3.example", "192.0.2.1", TM_SPF_PERMERROR, 3, 3 },
		/* more than 10 MX records */
		{ "mx11.example", "198.51.100.1", TM_SPF_PERMERROR, 1, 0 },
		/* IPv4-mapped IPv6 is checked as IPv4 */
		{ "mapped.example", "::ffff:192.0.2.9", TM_SPF_PASS, 0, 0 },
		{ "mapped.example", "::ffff:192.0.2.1", TM_SPF_FAIL, 0, 0 },
		/* a/0: any address of the name */
		{ "a0.example", "203.0.113.9", TM_SPF_PASS, 1, 0 },
		/* an expanded name over 253 characters loses labels on the left */
		{ "long.example", "192.0.2.1", TM_SPF_FAIL, 1, 0 },
		/* redirect applies after the mechanisms */
		{ "redir.example", "192.0.2.7", TM_SPF_PASS, 0, 0 },
		{ "redir.example", "192.0.2.1", TM_SPF_PASS, 1, 0 },
		{ "redir.example", "192.0.2.8", TM_SPF_FAIL, 1, 0 },
	};
	struct tm_resolver *res;
	struct tm_spf *spf = setup(&res);
	struct tm_spf_outcome out;
	size_t i;

	for (i = 0; i < N(cases); i++) {
		struct tm_cidr c = ip(cases[i].ip);

		ck_assert_int_eq(tm_spf_check(spf, &c, cases[i].domain, NULL,
					      "helo.example", NULL, &out), 0);
		ck_assert_msg(out.result == cases[i].want &&
			      out.lookups == cases[i].lookups &&
			      out.voids == cases[i].voids,
			      "%s %s: got %s (%u lookups, %u voids: %s), "
			      "want %s (%u, %u)", cases[i].domain, cases[i].ip,
			      tm_spf_result_name(out.result), out.lookups,
			      out.voids, out.why,
			      tm_spf_result_name(cases[i].want),
			      cases[i].lookups, cases[i].voids);
		ck_assert_msg((out.result == TM_SPF_PASS) == (out.why[0] == 0),
			      "%s %s: why \"%s\"", cases[i].domain,
			      cases[i].ip, out.why);
	}
	tm_spf_check(spf, (struct tm_cidr[]){ ip("192.0.2.1") },
		     "pass.example", NULL, NULL, NULL, &out);
	ck_assert_uint_eq(out.record_len, strlen("v=spf1 ip4:192.0.2.1 -all"));
	tm_spf_free(spf);
	tm_resolver_free(res);
}
END_TEST

START_TEST(test_worst)
{
	static const struct {
		const char *domain, *ips[4];
		enum tm_spf_result want;
	} cases[] = {
		{ "mixed.example", { "192.0.2.1" }, TM_SPF_PASS },
		{ "mixed.example", { "192.0.2.1", "192.0.2.2" }, TM_SPF_NEUTRAL },
		{ "mixed.example", { "192.0.2.3", "192.0.2.2", "192.0.2.1" },
		  TM_SPF_SOFTFAIL },
		{ "mixed.example", { "192.0.2.4", "192.0.2.3" }, TM_SPF_FAIL },
		{ "mixed.example", { "192.0.2.5", "::ffff:192.0.2.1" },
		  TM_SPF_PASS },
		{ "slow.example", { "192.0.2.1", "192.0.2.2" }, TM_SPF_TEMPERROR },
		{ "perm.example", { "192.0.2.1", "192.0.2.2" }, TM_SPF_PERMERROR },
		{ "nothing.example", { "192.0.2.1", "192.0.2.2" }, TM_SPF_NONE },
	};
	struct tm_resolver *res;
	struct tm_spf *spf = setup(&res);
	struct tm_spf_outcome out;
	size_t i, n;

	for (i = 0; i < N(cases); i++) {
		struct tm_cidr ips[4];

		for (n = 0; n < 4 && cases[i].ips[n]; n++)
			ips[n] = ip(cases[i].ips[n]);
		ck_assert_int_eq(tm_spf_worst(spf, ips, n, cases[i].domain,
					      NULL, NULL, &out), 0);
		ck_assert_msg(out.result == cases[i].want,
			      "%s case %zu: got %s (%s), want %s",
			      cases[i].domain, i,
			      tm_spf_result_name(out.result), out.why,
			      tm_spf_result_name(cases[i].want));
	}
	tm_spf_free(spf);
	tm_resolver_free(res);
}
END_TEST

/* queries - resolver queries made by one tm_spf_worst */
static unsigned long
queries(struct tm_spf *spf, struct tm_resolver *res, const char *domain,
	const char *sender, const char *addr, enum tm_spf_result want)
{
	struct tm_resolver_stats before, after;
	struct tm_spf_outcome out;
	struct tm_cidr c = ip(addr);

	tm_resolver_stats(res, &before);
	ck_assert_int_eq(tm_spf_worst(spf, &c, 1, domain, sender, NULL,
				      &out), 0);
	ck_assert_msg(out.result == want, "%s %s: got %s, want %s", domain,
		      addr, tm_spf_result_name(out.result),
		      tm_spf_result_name(want));
	tm_resolver_stats(res, &after);
	return after.queries - before.queries;
}

START_TEST(test_cache)
{
	struct tm_resolver *res;
	struct tm_spf *spf = setup(&res);

	/* cached per (domain, IP) */
	ck_assert_uint_eq(queries(spf, res, "pass.example", NULL, "192.0.2.1",
				  TM_SPF_PASS), 1);
	ck_assert_uint_eq(queries(spf, res, "pass.example", NULL, "192.0.2.1",
				  TM_SPF_PASS), 0);
	ck_assert_uint_eq(queries(spf, res, "PASS.example", NULL,
				  "::ffff:192.0.2.1", TM_SPF_PASS), 0);
	ck_assert_uint_eq(queries(spf, res, "pass.example", NULL, "192.0.2.2",
				  TM_SPF_FAIL), 1);
	/* temperror is not cached */
	ck_assert_uint_eq(queries(spf, res, "slow.example", NULL, "192.0.2.2",
				  TM_SPF_TEMPERROR), 2);
	ck_assert_uint_eq(queries(spf, res, "slow.example", NULL, "192.0.2.2",
				  TM_SPF_TEMPERROR), 2);
	/* the shortest TTL bounds the entry: 0, not cached */
	ck_assert_uint_eq(queries(spf, res, "ttl0.example", NULL, "192.0.2.1",
				  TM_SPF_PASS), 1);
	ck_assert_uint_eq(queries(spf, res, "ttl0.example", NULL, "192.0.2.1",
				  TM_SPF_PASS), 1);
	/* a record that expands the sender is cached per sender */
	ck_assert_uint_eq(queries(spf, res, "personal.example",
				  "alice@personal.example", "192.0.2.1",
				  TM_SPF_PASS), 2);
	ck_assert_uint_eq(queries(spf, res, "personal.example",
				  "bob@personal.example", "192.0.2.1",
				  TM_SPF_FAIL), 2);
	ck_assert_uint_eq(queries(spf, res, "personal.example",
				  "alice@personal.example", "192.0.2.1",
				  TM_SPF_PASS), 0);
	tm_spf_free(spf);
	tm_resolver_free(res);
}
END_TEST

START_TEST(test_record_check)
{
	static const struct {
		const char *rec, *client;
		const char *want;	/* rewrite, or NULL: syntax error */
	} cases[] = {
		{ "v=spf1 -all", "192.0.2.1", "v=spf1 -all" },
		{ "V=SPF1 A MX:Example.COM/24 ~ALL", "192.0.2.1",
		  "v=spf1 +a +mx:Example.COM/24 ~all" },
		{ "v=spf1 a/24//64 mx//0", "2001:db8::1",
		  "v=spf1 +a//64 +mx:%{d}" TM_SPF_ANY },
		{ "v=spf1 ip4:192.0.2.0/24 -all", "192.0.2.1", "v=spf1 +all" },
		{ "v=spf1 ip4:192.0.2.0/24 -all", "198.51.100.1", "v=spf1 -all" },
		{ "v=spf1 ip4:1.1.1.1/0 -all", "198.51.100.1", "v=spf1 +all" },
		{ "v=spf1 -ip6:2001:db8:1234::cafe:babe/64 ?all", "2001:db8:1234::1",
		  "v=spf1 -all" },
		{ "v=spf1 redirect=x.example. include:y.example", "192.0.2.1",
		  "v=spf1 +include:y.example redirect=x.example" },
		{ "v=spf1 redirect=x.example ~all", "192.0.2.1", "v=spf1 ~all" },
		{ "v=spf1 exp=e.%{d}.example foo=%{c}bar -all  ", "192.0.2.1",
		  "v=spf1 -all" },
		{ "v=spf1 exists:%{ir}.%{l1r-}.%{d2}", "192.0.2.1",
		  "v=spf1 +exists:%{ir}.%{l1r-}.%{d2}" },
		{ "v=spf1", "192.0.2.1", "v=spf1" },
		/* macros as libspf2 reads them */
		{ "v=spf1 exists:%{LR-,}.%{d2R}.%{s,}.%%.%_.%-.x.example",
		  "192.0.2.1", "v=spf1 +exists:%{Lr-}.%{d2r}.%{s}.%%.%_.%-.x.example" },
		{ "v=spf1 a:%{d999}.%{d0128}.%{d200r}.%{d02}.x.example",
		  "192.0.2.1",
		  "v=spf1 +a:%{d128}.%{d128}.%{d128r}.%{d2}.x.example" },
		{ "v=spf1 redirect=%{d3r/}.x.example.", "192.0.2.1",
		  "v=spf1 redirect=%{d}.x.example" },
		/* syntax errors */
		{ "v=spf1 a:foo", "192.0.2.1", NULL },
		{ "v=spf1 a:1.2.3.4", "192.0.2.1", NULL },
		{ "v=spf1 a:", "192.0.2.1", NULL },
		{ "v=spf1 ip4:192.0.2.01", "192.0.2.1", NULL },
		{ "v=spf1 ip4:192.0.2.1/032", "192.0.2.1", NULL },
		{ "v=spf1 ip4:192.0.2.1/33", "192.0.2.1", NULL },
		{ "v=spf1 ip6:::1/129", "192.0.2.1", NULL },
		{ "v=spf1 ptr/24", "192.0.2.1", NULL },
		{ "v=spf1 exists:foo.example/24", "192.0.2.1", NULL },
		{ "v=spf1 exists:%{r}.example", "192.0.2.1", NULL },
		{ "v=spf1 exists:%{d0}.example", "192.0.2.1", NULL },
		{ "v=spf1 exists:%{d00r}.example", "192.0.2.1", NULL },
		{ "v=spf1 exists:%(d).example", "192.0.2.1", NULL },
		{ "v=spf1 exists:foo%.example", "192.0.2.1", NULL },
		{ "v=spf1 redirect=a.example redirect=b.example", "192.0.2.1", NULL },
		{ "v=spf1 exp=a.example exp=b.example", "192.0.2.1", NULL },
		{ "v=spf1 exp= -all", "192.0.2.1", NULL },
		{ "v=spf1 foo=%x", "192.0.2.1", NULL },
		{ "v=spf1 -foo=bar", "192.0.2.1", NULL },
		{ "v=spf1 all:x", "192.0.2.1", NULL },
		{ "v=spf1 a\tmx", "192.0.2.1", NULL },
		{ "v=spf1 a:\xc3\xa9.example", "192.0.2.1", NULL },
		{ "v=spf10", "192.0.2.1", NULL },
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		struct tm_cidr c = ip(cases[i].client);
		char why[128] = "", *out = NULL;
		int rc = tm_spf_record_check(cases[i].rec, c.family, c.addr,
					     &out, why, sizeof(why));

		if (cases[i].want == NULL)
			ck_assert_msg(rc == -1 && why[0], "\"%s\": got \"%s\", "
				      "want a syntax error", cases[i].rec, out);
		else
			ck_assert_msg(rc == 0 && strcmp(out, cases[i].want) == 0,
				      "\"%s\": got \"%s\" (%s), want \"%s\"",
				      cases[i].rec, rc == 0 ? out : "error",
				      why, cases[i].want);
		free(out);
	}
}
END_TEST

struct worker {
	struct tm_spf *spf;
	int bad;
};

/* work - checks and cached worst results, from one of several threads */
static void *
work(void *arg)
{
	struct worker *w = arg;
	struct tm_cidr ips[2];
	struct tm_spf_outcome out;
	int i;

	tm_cidr_parse("192.0.2.1", &ips[0]);
	tm_cidr_parse("192.0.2.2", &ips[1]);
	for (i = 0; i < 200; i++) {
		if (tm_spf_check(w->spf, &ips[0], "ten.example", NULL, NULL,
				 NULL, &out) < 0 || out.result != TM_SPF_FAIL)
			w->bad++;
		if (tm_spf_worst(w->spf, ips, 2, "mixed.example", NULL, NULL,
				 &out) < 0 || out.result != TM_SPF_NEUTRAL)
			w->bad++;
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct tm_resolver *res;
	struct tm_spf *spf = setup(&res);
	struct worker w[8];
	pthread_t t[8];
	size_t i;

	for (i = 0; i < N(t); i++) {
		w[i].spf = spf;
		w[i].bad = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < N(t); i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(w[i].bad == 0, "thread %zu: %d wrong results", i,
			      w[i].bad);
	}
	tm_spf_free(spf);
	tm_resolver_free(res);
}
END_TEST

static Suite *
spf_suite(void)
{
	Suite *s = suite_create("spf");
	TCase *tc = tcase_create("spf");

	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_worst);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_record_check);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(spf_suite)
