/*
 * test_readiness.c - the parts of `tenantctl dns` below the report, over
 * the static resolver: DKIM key records (keyrec), DMARC discovery (exact
 * name, organizational domain, none, DNS failure, tags), SPF record
 * warnings, the deciding term, the proposed record and its what-if check.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim/keyrec.h"
#include "dns/resolver.h"
#include "dns/txtzone.h"
#include "policy/dmarc.h"
#include "spf/spf_probe.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* pub - base64 of a new key's DNS p= value (RSA: SPKI DER; Ed25519: raw) */
static void
pub(const char *type, char *out, size_t len)
{
	EVP_PKEY *k = strcmp(type, "RSA") == 0 ?
		EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024) :
		EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	unsigned char der[1024], *p = der;
	size_t n = 32;
	int dl;

	ck_assert_ptr_nonnull(k);
	if (strcmp(type, "RSA") == 0) {
		dl = i2d_PUBKEY(k, &p);
		ck_assert_int_gt(dl, 0);
		n = (size_t)dl;
	} else
		ck_assert_int_eq(EVP_PKEY_get_raw_public_key(k, der, &n), 1);
	ck_assert_int_lt((int)(4 * ((n + 2) / 3)), (int)len);
	EVP_EncodeBlock((unsigned char *)out, der, (int)n);
	EVP_PKEY_free(k);
}

START_TEST(keyrec_cases)
{
	static const struct {
		const char *fmt;	/* %1$s RSA-1024 key, %2$s Ed25519 key */
		bool valid, revoked, testing;
		const char *type;
		int bits;
	} cases[] = {
		{ "v=DKIM1; k=rsa; p=%1$s", true, false, false, "rsa", 1024 },
		{ "p=%1$s", true, false, false, "rsa", 1024 },
		{ " v = DKIM1 ; k = ed25519 ; p = %2$s ", true, false, false, "ed25519", 256 },
		{ "v=DKIM1; k=rsa; t=y; p=%1$s", true, false, true, "rsa", 1024 },
		{ "v=DKIM1; p=", true, true, false, "rsa", 0 },
		{ "v=DKIM1; k=rsa", false, false, false, "rsa", 0 },
		{ "v=DKIM2; p=%1$s", false, false, false, "rsa", 0 },
		{ "v=DKIM1; k=ed25519; p=%1$s", true, false, false, "ed25519", 0 },
	};
	char rsa[400], ed[64], txt[600];
	struct tm_keyrec r;
	size_t i;

	pub("RSA", rsa, sizeof(rsa));
	pub("ED25519", ed, sizeof(ed));
	for (i = 0; i < N(cases); i++) {
		/* The table's formats place the test keys: not literals. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(txt, sizeof(txt), cases[i].fmt, rsa, ed);
#pragma GCC diagnostic pop
		ck_assert_int_eq(tm_keyrec_parse(txt, &r), 0);
		ck_assert_msg(r.valid == cases[i].valid && r.revoked == cases[i].revoked &&
			      r.testing == cases[i].testing && r.bits == cases[i].bits &&
			      strcmp(r.type, cases[i].type) == 0,
			      "%s: got valid=%d revoked=%d testing=%d type=%s bits=%d, "
			      "want %d %d %d %s %d", txt, r.valid, r.revoked,
			      r.testing, r.type, r.bits, cases[i].valid, cases[i].revoked,
			      cases[i].testing, cases[i].type, cases[i].bits);
	}
}
END_TEST

START_TEST(propose_cases)
{
	static const struct { const char *rec, *terms, *want; } cases[] = {
		{ NULL, "include:_spf.p.example", "v=spf1 include:_spf.p.example ~all" },
		{ "v=spf1 mx -all", "include:x.example", "v=spf1 mx include:x.example -all" },
		{ "v=spf1 mx ~all", "ip4:192.0.2.1", "v=spf1 mx ip4:192.0.2.1 ~all" },
		{ "v=spf1 a redirect=_spf.example", "ip4:192.0.2.1",
		  "v=spf1 a ip4:192.0.2.1 redirect=_spf.example" },
		{ "v=spf1 a", "ip6:2001:db8::1", "v=spf1 a ip6:2001:db8::1" },
		{ "v=spf1 -ALL", "ip4:192.0.2.1", "v=spf1 ip4:192.0.2.1 -ALL" },
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		char *got = tm_spf_propose(cases[i].rec, cases[i].terms);

		ck_assert_msg(got && strcmp(got, cases[i].want) == 0,
			      "%s + %s: got \"%s\", want \"%s\"", cases[i].rec,
			      cases[i].terms, got, cases[i].want);
		free(got);
	}
}
END_TEST

START_TEST(txt_zone_split)
{
	char txt[600], *z;
	size_t i;

	for (i = 0; i < 599; i++)
		txt[i] = (char)('a' + i % 26);
	txt[599] = '\0';
	txt[10] = '"';
	z = tm_dns_txt_zone("x.example", txt);
	ck_assert_ptr_nonnull(z);
	ck_assert_msg(strncmp(z, "x.example. IN TXT ( \"", 21) == 0, "got %s", z);
	/* 255 + 255 + 89 bytes: three strings, the quote escaped */
	ck_assert_int_eq((int)strlen(z), 20 + 3 * 2 + 599 + 1 + 2 * 2 + 2);
	free(z);
}
END_TEST

static struct tm_resolver *
zone(void)
{
	struct tm_static *s = tm_static_new();

	ck_assert_ptr_nonnull(s);
	tm_static_add(s, "_dmarc.exact.example", TM_DNS_TXT,
		      "v=DMARC1; p=reject; adkim=s; pct=50", 300);
	tm_static_add(s, "_dmarc.org.example", TM_DNS_TXT,
		      "v=DMARC1; p=quarantine; sp=reject", 300);
	tm_static_add(s, "_dmarc.org.example", TM_DNS_TXT, "unrelated", 300);
	tm_static_add(s, "_dmarc.two.example", TM_DNS_TXT, "v=DMARC1; p=none", 300);
	tm_static_add(s, "_dmarc.two.example", TM_DNS_TXT, "v=DMARC1; p=reject", 300);
	tm_static_servfail(s, "_dmarc.broken.example");
	tm_static_add(s, "spf.example", TM_DNS_TXT,
		      "v=spf1 ptr ip4:192.0.2.1 include:inc.example ?all", 300);
	tm_static_add(s, "spf.example", TM_DNS_TXT, "other text", 300);
	tm_static_add(s, "inc.example", TM_DNS_TXT, "v=spf1 ip4:192.0.2.2 -all", 300);
	tm_static_add(s, "none.example", TM_DNS_A, "192.0.2.9", 300);
	return tm_static_resolver(s);
}

START_TEST(dmarc_cases)
{
	static const struct {
		const char *domain;
		enum tm_dmarc_found found;
		const char *name, *policy;
		char adkim;
		int pct;
	} cases[] = {
		{ "exact.example", TM_DMARC_EXACT, "_dmarc.exact.example", "reject", 's', 50 },
		{ "mail.org.example", TM_DMARC_ORG, "_dmarc.org.example", "reject", 'r', 100 },
		{ "org.example", TM_DMARC_EXACT, "_dmarc.org.example", "quarantine", 'r', 100 },
		{ "two.example", TM_DMARC_NONE, "_dmarc.two.example", "none", 'r', 100 },
		{ "nothing.example", TM_DMARC_NONE, "_dmarc.nothing.example", "none", 'r', 100 },
		{ "broken.example", TM_DMARC_TEMP, "_dmarc.broken.example", "none", 'r', 100 },
	};
	struct tm_resolver *r = zone();
	struct tm_dmarc d;
	size_t i;

	for (i = 0; i < N(cases); i++) {
		ck_assert_int_eq(tm_dmarc_lookup(r, NULL, cases[i].domain, NULL, &d), 0);
		ck_assert_msg(d.found == cases[i].found && strcmp(d.name, cases[i].name) == 0 &&
			      strcmp(tm_dmarc_policy(&d), cases[i].policy) == 0 &&
			      d.adkim == cases[i].adkim && d.pct == cases[i].pct,
			      "%s: got found=%d name=%s policy=%s adkim=%c pct=%d",
			      cases[i].domain, d.found, d.name, tm_dmarc_policy(&d),
			      d.adkim, d.pct);
	}
	ck_assert_msg(tm_dmarc_lookup(r, NULL, "two.example", NULL, &d) == 0 && d.several,
		      "two records: several not set");
	tm_resolver_free(r);
}
END_TEST

START_TEST(spf_published_and_matched)
{
	static const struct { const char *ip, *matched; enum tm_spf_result res; } cases[] = {
		{ "192.0.2.1", "ip4:192.0.2.1", TM_SPF_PASS },
		{ "192.0.2.2", "include:inc.example", TM_SPF_PASS },
		{ "192.0.2.3", "?all", TM_SPF_NEUTRAL },
	};
	struct tm_resolver *r = zone();
	struct tm_spf_published p;
	struct tm_spf_outcome o;
	struct tm_cidr ip;
	char buf[200];
	size_t i;

	ck_assert_int_eq(tm_spf_published_get(r, "spf.example", NULL, &p), 0);
	ck_assert_msg(p.n_records == 1 && p.has_ptr && p.neutral_all && !p.pass_all,
		      "got records=%zu ptr=%d ?all=%d +all=%d", p.n_records,
		      p.has_ptr, p.neutral_all, p.pass_all);
	for (i = 0; i < N(cases); i++) {
		ck_assert_int_eq(tm_cidr_parse(cases[i].ip, &ip), 0);
		ck_assert_int_eq(tm_spf_matched(r, "spf.example", p.record, &ip,
						"a@spf.example", NULL, buf, sizeof(buf)), 0);
		ck_assert_msg(strcmp(buf, cases[i].matched) == 0, "%s: got %s, want %s",
			      cases[i].ip, buf, cases[i].matched);
	}
	/* what if spf.example published a record without ?all and with ip6 */
	ck_assert_int_eq(tm_cidr_parse("2001:db8::1", &ip), 0);
	ck_assert_int_eq(tm_spf_check_as(r, "spf.example",
		"v=spf1 include:inc.example ip6:2001:db8::1 -all", &ip, "a@spf.example",
		NULL, &o), 0);
	ck_assert_msg(o.result == TM_SPF_PASS && o.lookups == 1,
		      "what-if: got %s with %u lookups, want pass with 1",
		      tm_spf_result_name(o.result), o.lookups);
	tm_spf_published_fini(&p);
	ck_assert_int_eq(tm_spf_published_get(r, "none.example", NULL, &p), 0);
	ck_assert_msg(p.status == TM_DNS_NODATA && p.n_records == 0 && p.record == NULL,
		      "none.example: got status %s, %zu records",
		      tm_dns_status_name(p.status), p.n_records);
	tm_spf_published_fini(&p);
	tm_resolver_free(r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("readiness");
	TCase *tc = tcase_create("parts");

	tcase_add_test(tc, keyrec_cases);
	tcase_add_test(tc, propose_cases);
	tcase_add_test(tc, txt_zone_split);
	tcase_add_test(tc, dmarc_cases);
	tcase_add_test(tc, spf_published_and_matched);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(suite)
