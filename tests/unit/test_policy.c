/*
 * test_policy.c - the per-message decision (policy.c, policy_customer.c)
 * over a real configuration loaded from files made here, with DNS served
 * by the static resolver backend: SPF results and their actions, keys
 * published or not, the DMARC guard, fallback.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "conf/conf.h"
#include "msg/hdrs.h"
#include "dkim/keys.h"
#include "policy/policy.h"
#include "policy/psl.h"
#include "dns/resolver.h"
#include "spf/spf.h"
#include "unit.h"

static char dir[64];
static struct tm_conf *conf;
static struct tm_psl *psl;

/* put - write a file under dir */
static void
put(const char *rel, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
}

/* setup - keys, main file, tenants: cust (fallback), rej (reject) */
static void
setup(void)
{
	char why[512], path[256];
	struct tm_err err;
	const char *keys[] = { "p1", "c1", "r1" };
	size_t i;

	strcpy(dir, "/tmp/tm-policy.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tenants.d", dir);
	mkdir(path, 0700);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s.key", dir, keys[i]);
		ck_assert_msg(tm_key_generate(path, TM_ALG_RSA_SHA256, 2048, why,
					      sizeof(why)) == 0, "%s", why);
	}
	put("main.conf", "provider = { domain = \"provider.example\";\n"
	    " outbound_ips = [ \"192.0.2.10\", \"2001:db8::10\" ];\n"
	    " tenant_domain = \"%t.provider.example\";\n"
	    " dkim = ( { selector = \"p1\"; key = \"p1.key\"; } ); };\n");
	put("tenants.d/cust.conf", "id = \"cust\"; mode = \"customer\";\n"
	    "match = { sender_domains = [ \"cust.example\" ]; };\n"
	    "sender = { from = \"claim@cust.example\"; };\n"
	    "dkim = ( { domain = \"cust.example\"; selector = \"c1\"; key = \"../c1.key\"; } );\n"
	    "internal = { domains = [ \"cust.example\", \"dept.cust.example\" ]; };\n");
	put("tenants.d/rej.conf", "id = \"rej\"; mode = \"customer\";\n"
	    "match = { sender_domains = [ \"rej.example\" ]; };\n"
	    "sender = { from = \"info@rej.example\"; };\n"
	    "dkim = ( { domain = \"rej.example\"; selector = \"r1\"; key = \"../r1.key\"; } );\n"
	    "dmarc_guard = \"reject\"; spf = { fail = \"reject\"; };\n"
	    "internal = { spf = \"annotate\"; };\n");
	tm_err_init(&err);
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	conf = tm_conf_load(path, &err);
	if (conf == NULL || tm_err_failed(&err))
		tm_err_print(&err, stderr);
	ck_assert_ptr_nonnull(conf);
	tm_err_fini(&err);
	psl = tm_psl_load(TM_PSL_DEFAULT, why, sizeof(why));
}

static void
teardown(void)
{
	char cmd[128];

	tm_conf_free(conf);
	tm_psl_free(psl);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* txt_of - the DKIM record of a tenant's first key */
static char *
txt_of(const char *tenant)
{
	return tm_key_txt(tm_conf_tenant(conf, tenant)->dkim.v[0].key);
}

/* Zone set-ups by name. */
enum keypub { KEY_OK, KEY_NONE, KEY_OTHER, KEY_SERVFAIL };

static const struct {
	const char *name;
	const char *tenant, *mail_from, *spf;	/* spf NULL: no record */
	enum keypub key;
	const char *want_action, *want_spf, *want_dkim, *want_from;
	const char *want_reason;		/* substring, or NULL */
	const char *rcpt;			/* "a@x,b@y", or NULL: none */
	int want_internal;
	int provider_unpub;			/* provider key p1 not in DNS */
} cases[] = {
	{ "pass, key published", "cust", "claim@cust.example",
	  "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all", KEY_OK,
	  "accept", "pass", "cust.example/c1", "claim@cust.example", NULL, NULL, 0, 0 },
	{ "fallback, provider key unpublished, no SPF for cust.provider.example -> tempfail",
	  "cust", "claim@cust.example", "v=spf1 ip4:192.0.2.10 -all", KEY_OK,
	  "tempfail", "fail", "none", NULL, "would fail DMARC: no published aligned "
	  "provider key, spf=none for cust.provider.example", NULL, 0, 1 },
	{ "v6 not authorized: worst is fail -> fallback", "cust", "claim@cust.example",
	  "v=spf1 ip4:192.0.2.10 -all", KEY_OK, "fallback", "fail",
	  "provider.example/p1", "claim@cust.provider.example", "spf=fail", NULL, 0, 0 },
	{ "softfail annotates; aligned published key passes the guard", "cust",
	  "claim@cust.example", "v=spf1 ~all", KEY_OK, "accept", "softfail",
	  "cust.example/c1", "claim@cust.example", "spf=softfail", NULL, 0, 0 },
	{ "softfail and key not published -> guard fallback", "cust",
	  "claim@cust.example", "v=spf1 ~all", KEY_NONE, "fallback", "softfail",
	  "provider.example/p1,cust.example/c1(unpublished)",
	  "claim@cust.provider.example", "no published aligned key", NULL, 0, 0 },
	{ "pass and another key published: SPF carries DMARC", "cust",
	  "claim@cust.example", "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all",
	  KEY_OTHER, "accept", "pass", "cust.example/c1(mismatch)",
	  "claim@cust.example", NULL, NULL, 0, 0 },
	{ "no SPF record: spf.none = fallback", "cust", "claim@cust.example",
	  NULL, KEY_OK, "fallback", "none", "provider.example/p1",
	  "claim@cust.provider.example", "spf=none", NULL, 0, 0 },
	{ "two SPF records: permerror annotates", "cust", "claim@cust.example",
	  "TWO", KEY_OK, "accept", "permerror", "cust.example/c1",
	  "claim@cust.example", "spf=permerror", NULL, 0, 0 },
	{ "SERVFAIL: temperror tempfails", "cust", "claim@cust.example",
	  "SERVFAIL", KEY_OK, "tempfail", "temperror", "none", NULL, "temperror", NULL, 0, 0 },
	{ "key state unknown and no SPF pass: tempfail", "cust",
	  "claim@cust.example", "v=spf1 ~all", KEY_SERVFAIL, "tempfail",
	  "softfail", "none", NULL, "unknown", NULL, 0, 0 },
	{ "null sender: SPF of the From domain", "cust", "",
	  "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all", KEY_OK, "accept",
	  "pass", "cust.example/c1", "claim@cust.example", NULL, NULL, 0, 0 },
	{ "spf.fail = reject", "rej", "info@rej.example", "v=spf1 -all", KEY_OK,
	  "reject", "fail", "none", NULL, "SPF fail", NULL, 0, 0 },
	{ "dmarc_guard = reject", "rej", "info@rej.example", "v=spf1 ?all",
	  KEY_NONE, "reject", "neutral", "none", NULL, "would fail DMARC", NULL, 0, 0 },
	/* Internal mail (issue 13): every recipient in internal.domains. */
	{ "internal: no SPF record, recipients in any case", "cust",
	  "claim@cust.example", NULL, KEY_OK, "accept", "none", "cust.example/c1",
	  "claim@cust.example", NULL, "a@cust.example,B@CUST.Example", 1, 0 },
	{ "internal: SPF fail does not rewrite", "cust", "claim@cust.example",
	  "v=spf1 -all", KEY_OK, "accept", "fail", "cust.example/c1",
	  "claim@cust.example", NULL, "a@cust.example", 1, 0 },
	{ "internal: unpublished key does not sign, no guard", "cust",
	  "claim@cust.example", NULL, KEY_NONE, "accept", "none",
	  "cust.example/c1(unpublished)", "claim@cust.example", NULL,
	  "a@cust.example", 1, 0 },
	{ "internal: SERVFAIL does not tempfail", "cust", "claim@cust.example",
	  "SERVFAIL", KEY_OK, "accept", "temperror", "cust.example/c1",
	  "claim@cust.example", NULL, "a@cust.example", 1, 0 },
	{ "internal: a listed subdomain counts", "cust", "claim@cust.example",
	  NULL, KEY_OK, "accept", "none", "cust.example/c1", "claim@cust.example",
	  NULL, "x@dept.cust.example", 1, 0 },
	{ "not internal: one outside recipient -> today's fallback", "cust",
	  "claim@cust.example", NULL, KEY_OK, "fallback", "none",
	  "provider.example/p1", "claim@cust.provider.example", "spf=none",
	  "a@cust.example,x@other.example", 0, 0 },
	{ "not internal: an unlisted subdomain", "cust", "claim@cust.example",
	  NULL, KEY_OK, "fallback", "none", "provider.example/p1",
	  "claim@cust.provider.example", "spf=none", "x@sub.cust.example", 0, 0 },
	{ "internal.spf = annotate: accepted, reason says so", "rej",
	  "info@rej.example", "v=spf1 -all", KEY_OK, "accept", "fail",
	  "rej.example/r1", "info@rej.example", "internal mail: spf=fail",
	  "a@rej.example", 1, 0 },
};

START_TEST(test_customer)
{
	const char *dom = strcmp(cases[_i].tenant, "cust") == 0 ? "cust.example" :
		"rej.example";
	const char *sel = strcmp(cases[_i].tenant, "cust") == 0 ? "c1" : "r1";
	struct tm_static *st = tm_static_new();
	struct tm_resolver *r;
	struct tm_spf *spf;
	struct tm_policy_env env;
	struct tm_hdrs h = { NULL, 0, 0, 0 };
	struct tm_msg m;
	struct tm_decision d;
	struct sockaddr_in lo = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char keyname[128], dk[512], why[256], *txt = NULL, from[128];
	char rcptbuf[256], *rcpt[8], *p, *note;
	size_t n_rcpt = 0;

	snprintf(keyname, sizeof(keyname), "%s._domainkey.%s", sel, dom);
	if (cases[_i].spf && strcmp(cases[_i].spf, "SERVFAIL") == 0)
		tm_static_servfail(st, dom);
	else if (cases[_i].spf && strcmp(cases[_i].spf, "TWO") == 0) {
		tm_static_add(st, dom, TM_DNS_TXT, "v=spf1 ip4:192.0.2.10 -all", 60);
		tm_static_add(st, dom, TM_DNS_TXT, "v=spf1 ip6:2001:db8::10 -all", 60);
	} else if (cases[_i].spf)
		tm_static_add(st, dom, TM_DNS_TXT, cases[_i].spf, 60);
	if (cases[_i].key == KEY_OK || cases[_i].key == KEY_OTHER) {
		txt = txt_of(cases[_i].key == KEY_OK ? cases[_i].tenant :
			     strcmp(cases[_i].tenant, "cust") ? "cust" : "rej");
		tm_static_add(st, keyname, TM_DNS_TXT, txt, 60);
	} else if (cases[_i].key == KEY_SERVFAIL)
		tm_static_servfail(st, keyname);
	free(txt);
	if (!cases[_i].provider_unpub) {
		txt = tm_key_txt(conf->provider.dkim.v[0].key);
		tm_static_add(st, "p1._domainkey.provider.example", TM_DNS_TXT, txt, 60);
		free(txt);
	}
	r = tm_static_resolver(st);
	ck_assert_ptr_nonnull(r);
	spf = tm_spf_new(r, why, sizeof(why));
	ck_assert_msg(spf != NULL, "%s", why);
	snprintf(from, sizeof(from), "Boss <%s>", strcmp(cases[_i].tenant, "cust") ?
		 "info@rej.example" : "claim@cust.example");
	tm_hdrs_add(&h, "From", from);
	tm_hdrs_add(&h, "Subject", "test");
	memset(&m, 0, sizeof(m));
	m.queue_id = "TEST";
	m.mail_from = cases[_i].mail_from[0] ? cases[_i].mail_from : "";
	m.hdrs = &h;
	snprintf(rcptbuf, sizeof(rcptbuf), "%s", cases[_i].rcpt ? cases[_i].rcpt : "");
	for (p = strtok_r(rcptbuf, ",", &note); p && n_rcpt < 8;
	     p = strtok_r(NULL, ",", &note))
		rcpt[n_rcpt++] = p;
	m.rcpt = (const char *const *)rcpt;
	m.n_rcpt = n_rcpt;
	env.spf = spf;
	env.resolver = r;
	env.psl = psl;
	clock_gettime(CLOCK_MONOTONIC, &env.deadline);
	env.deadline.tv_sec += 5;
	/* A trusted client (header and sender allowed); the null sender has
	 * no domain to identify by: the identify header names the tenant. */
	m.client = (const struct sockaddr *)&lo;
	if (!m.mail_from[0])
		tm_hdrs_add(&h, "X-Tenant-ID", cases[_i].tenant);
	ck_assert_int_eq(tm_policy_decide(conf, &m, &env, &d), 0);
	ck_assert_msg(d.tenant != NULL, "%s: tenant not identified", cases[_i].name);
	tm_policy_dkim_desc(&d, dk, sizeof(dk));
	ck_assert_msg(strcmp(d.action, cases[_i].want_action) == 0,
		      "%s: action: got %s, want %s (reason %s)", cases[_i].name,
		      d.action, cases[_i].want_action, d.reason ? d.reason : "-");
	ck_assert_msg(strcmp(d.spf, cases[_i].want_spf) == 0,
		      "%s: spf: got %s, want %s", cases[_i].name, d.spf,
		      cases[_i].want_spf);
	ck_assert_msg(strcmp(dk, cases[_i].want_dkim) == 0,
		      "%s: dkim: got %s, want %s", cases[_i].name, dk,
		      cases[_i].want_dkim);
	if (cases[_i].want_from)
		ck_assert_msg(d.from_addr && strcmp(d.from_addr, cases[_i].want_from) == 0,
			      "%s: from: got %s, want %s", cases[_i].name,
			      d.from_addr ? d.from_addr : "(null)", cases[_i].want_from);
	if (cases[_i].want_reason)
		ck_assert_msg(d.reason && strstr(d.reason, cases[_i].want_reason),
			      "%s: reason: got \"%s\", want it to contain \"%s\"",
			      cases[_i].name, d.reason ? d.reason : "",
			      cases[_i].want_reason);
	ck_assert_msg(d.internal == (cases[_i].want_internal != 0),
		      "%s: internal: got %d, want %d", cases[_i].name, d.internal,
		      cases[_i].want_internal);
	note = tm_policy_annotation(&d);
	ck_assert_msg(note && (strstr(note, "internal=yes") != NULL) ==
		      (cases[_i].want_internal != 0), "%s: annotation: %s",
		      cases[_i].name, note ? note : "(null)");
	free(note);
	note = tm_policy_log_line(&d);
	ck_assert_msg(note && (strstr(note, " internal=yes ") != NULL) ==
		      (cases[_i].want_internal != 0), "%s: log line: %s",
		      cases[_i].name, note ? note : "(null)");
	free(note);
	if (strcmp(d.action, "fallback") == 0)
		ck_assert_msg(d.new_reply_to && strstr(d.new_reply_to, "@"),
			      "%s: fallback without Reply-To", cases[_i].name);
	tm_decision_fini(&d);
	tm_hdrs_fini(&h);
	tm_spf_free(spf);
	tm_resolver_free(r);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("customer");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_customer, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(policy_suite)
