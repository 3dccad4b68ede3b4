/*
 * test_ident.c - identification (policy/ident.c): the client table (which
 * kind of client may claim a tenant by which method), the login binding,
 * SASL matching (case, realms per identify.sasl_realms) and what the
 * decision line reports.  Table-driven over configurations built by the
 * tenant fixture: acme (login lms-acme, header acme, acme.example, net
 * 198.51.100.0/24), beta (login lms-beta@mx.example, header beta,
 * beta.example).
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "msg/hdrs.h"
#include "policy/ident.h"
#include "tenant_fixture.h"
#include "unit.h"

static const struct spec specs[] = {
	{ "acme", { "lms-acme" }, "acme", { "198.51.100.0/24" },
	  { "acme.example" }, { NULL }, NULL },
	{ "beta", { "lms-beta@mx.example" }, "beta", { NULL },
	  { "beta.example" }, { NULL }, NULL },
};

/* make_conf - the two tenants; trusted 127.0.0.0/8; realms and trust as given */
static struct tm_conf *
make_conf(const char *realm, bool trust_other)
{
	struct tm_conf *conf = tf_conf_of(specs, 2);
	size_t i;

	conf->identify.header = tf_xstrdup("X-Tenant-ID");
	conf->identify.trusted = tf_xcalloc(1, sizeof(struct tm_cidr));
	ck_assert_int_eq(tf_parse_cidr("127.0.0.0/8", conf->identify.trusted), 0);
	conf->identify.n_trusted = 1;
	for (i = 0; i < TM_ID_MAX; i++)
		conf->identify.order[i] = (enum tm_ident)i;
	conf->identify.n_order = TM_ID_MAX;
	if (realm) {
		conf->identify.sasl_realms.v = tf_xcalloc(1, sizeof(char *));
		conf->identify.sasl_realms.v[0] = tf_xstrdup(realm);
		conf->identify.sasl_realms.n = 1;
	}
	conf->identify.trust_other_logins = trust_other;
	tf_build_clean(conf);
	return conf;
}

static void
free_conf(struct tm_conf *conf)
{
	free(conf->identify.header);
	free(conf->identify.trusted);
	if (conf->identify.sasl_realms.n) {
		free(conf->identify.sasl_realms.v[0]);
		free(conf->identify.sasl_realms.v);
	}
	tf_conf_free(conf);
}

/*
 * The matrix: client address, login, identify header, MAIL FROM ->
 * tenant, via, client kind.  "b" claims are beta's.
 */
static const struct {
	const char *name;
	const char *addr, *login, *header, *mail_from;
	const char *realm;		/* identify.sasl_realms, or NULL */
	bool trust_other;
	const char *want, *want_via, *want_kind;
} cases[] = {
	/* trusted network, no login: header, network, sender */
	{ "trusted: header of beta", "127.0.0.1", NULL, "beta", "x@nowhere.example",
	  NULL, false, "beta", "header", "trusted" },
	{ "trusted: sender of beta", "127.0.0.1", NULL, NULL, "x@beta.example",
	  NULL, false, "beta", "sender", "trusted" },
	{ "trusted: header wins over sender (order)", "127.0.0.1", NULL, "acme",
	  "x@beta.example", NULL, false, "acme", "header", "trusted" },
	{ "trusted: IPv4-mapped IPv6 client", "::ffff:127.0.0.1", NULL, "beta",
	  NULL, NULL, false, "beta", "header", "trusted" },
	/* untrusted, no login: network only */
	{ "untrusted: header of beta ignored", "192.0.2.99", NULL, "beta",
	  "x@nowhere.example", NULL, false, NULL, "-", "untrusted" },
	{ "untrusted: MAIL FROM of beta ignored", "192.0.2.99", NULL, NULL,
	  "x@beta.example", NULL, false, NULL, "-", "untrusted" },
	{ "untrusted: network of acme identifies", "198.51.100.7", NULL, "beta",
	  "x@beta.example", NULL, false, "acme", "network", "untrusted" },
	{ "no address (unknown family) is untrusted", NULL, NULL, "beta",
	  "x@beta.example", NULL, false, NULL, "-", "untrusted" },
	/* a tenant's login decides, whatever the claims */
	{ "login acme + header beta", "127.0.0.1", "lms-acme", "beta",
	  "x@beta.example", NULL, false, "acme", "sasl", "login" },
	{ "login acme, any case", "192.0.2.99", "LMS-Acme", "beta", "x@beta.example",
	  NULL, false, "acme", "sasl", "login" },
	{ "login with its realm entry", "192.0.2.99", "lms-beta@MX.example", "acme",
	  "x@acme.example", NULL, false, "beta", "sasl", "login" },
	/* realm-qualified logins */
	{ "realm not listed: no tenant, claims ignored", "127.0.0.1",
	  "lms-acme@mx.example", "acme", "x@acme.example", NULL, false, NULL,
	  "sasl", "other-login" },
	{ "realm listed: bare entry matches", "192.0.2.99", "lms-acme@mx.example",
	  "beta", "x@beta.example", "mx.example", false, "acme", "sasl", "login" },
	{ "realm listed, any case", "192.0.2.99", "LMS-ACME@Mx.Example", NULL, NULL,
	  "mx.example", false, "acme", "sasl", "login" },
	{ "other realm not stripped", "192.0.2.99", "lms-acme@other.example", NULL,
	  "x@acme.example", "mx.example", false, NULL, "sasl", "other-login" },
	{ "bare login does not match a realm entry", "192.0.2.99", "lms-beta",
	  NULL, NULL, "mx.example", false, NULL, "sasl", "other-login" },
	/* a login of no tenant never reaches header, network or sender */
	{ "other login + header beta (trusted address)", "127.0.0.1", "app", "beta",
	  NULL, NULL, false, NULL, "sasl", "other-login" },
	{ "other login + sender beta", "192.0.2.99", "app", NULL, "x@beta.example",
	  NULL, false, NULL, "sasl", "other-login" },
	{ "other login + network of acme", "198.51.100.7", "app", NULL, NULL,
	  NULL, false, NULL, "sasl", "other-login" },
	/* ... unless identify.trust_other_logins */
	{ "trust_other_logins: header beta", "192.0.2.99", "app", "beta", NULL,
	  NULL, true, "beta", "header", "other-login" },
	{ "trust_other_logins: sender beta", "192.0.2.99", "app", NULL,
	  "x@beta.example", NULL, true, "beta", "sender", "other-login" },
	{ "trust_other_logins: tenant login still decides", "192.0.2.99",
	  "lms-acme", "beta", "x@beta.example", NULL, true, "acme", "sasl", "login" },
};

START_TEST(test_matrix)
{
	struct tm_conf *conf = make_conf(cases[_i].realm, cases[_i].trust_other);
	struct tm_hdrs h = { NULL, 0, 0, 0 };
	struct sockaddr_storage ss;
	struct tm_ident_result r;
	struct tm_msg m;
	const char *via;

	memset(&m, 0, sizeof(m));
	m.queue_id = "TEST";
	m.client = cases[_i].addr ? tf_sockaddr_of(cases[_i].addr, &ss) : NULL;
	m.auth_user = cases[_i].login;
	m.mail_from = cases[_i].mail_from ? cases[_i].mail_from : "";
	if (cases[_i].header)
		tm_hdrs_add(&h, "x-tenant-id", cases[_i].header);
	m.hdrs = &h;
	ck_assert_int_eq(tm_ident_identify(conf, &m, &r), 0);
	ck_assert_msg((r.tenant == NULL && cases[_i].want == NULL) ||
		      (r.tenant && cases[_i].want &&
		       strcmp(r.tenant->id, cases[_i].want) == 0),
		      "%s: tenant: got %s, want %s", cases[_i].name,
		      tf_id_of(r.tenant), cases[_i].want ? cases[_i].want : "(none)");
	via = r.via_set ? tm_ident_name(r.via) : "-";
	ck_assert_msg(strcmp(via, cases[_i].want_via) == 0,
		      "%s: via: got %s, want %s", cases[_i].name, via,
		      cases[_i].want_via);
	ck_assert_msg(strcmp(tm_ident_client_name(r.client), cases[_i].want_kind) == 0,
		      "%s: client kind: got %s, want %s", cases[_i].name,
		      tm_ident_client_name(r.client), cases[_i].want_kind);
	tm_hdrs_fini(&h);
	free_conf(conf);
}
END_TEST

/* What the decision line of an unknown tenant says identification saw. */
START_TEST(test_seen)
{
	struct tm_conf *conf = make_conf(NULL, false);
	struct tm_hdrs h = { NULL, 0, 0, 0 };
	struct sockaddr_storage ss;
	struct tm_ident_result r;
	struct tm_msg m;
	const char *want = "client=192.0.2.99 client_kind=other-login "
		"login=\"lms-acme@mx.example\" header=\"beta \\\"x\\\"\" "
		"sender_domain=beta.example";
	char *seen;

	memset(&m, 0, sizeof(m));
	m.client = tf_sockaddr_of("192.0.2.99", &ss);
	m.auth_user = "lms-acme@mx.example";
	m.mail_from = "x@beta.example";
	tm_hdrs_add(&h, "X-Tenant-ID", "  beta \"x\"\r\n ");
	m.hdrs = &h;
	ck_assert_int_eq(tm_ident_identify(conf, &m, &r), 0);
	seen = tm_ident_seen(conf, &m, &r);
	ck_assert_ptr_nonnull(seen);
	ck_assert_msg(strcmp(seen, want) == 0, "got %s, want %s", seen, want);
	free(seen);
	m.client = tf_sockaddr_of("::ffff:192.0.2.7", &ss);
	seen = tm_ident_seen(conf, &m, &r);
	ck_assert_msg(strncmp(seen, "client=192.0.2.7 ", 17) == 0,
		      "got %s, want the IPv4-mapped client as 192.0.2.7", seen);
	free(seen);
	m.auth_user = NULL;
	m.client = NULL;
	m.mail_from = "";
	m.hdrs = NULL;
	ck_assert_int_eq(tm_ident_identify(conf, &m, &r), 0);
	seen = tm_ident_seen(conf, &m, &r);
	want = "client=- client_kind=untrusted login=\"-\" header=\"-\" sender_domain=-";
	ck_assert_msg(strcmp(seen, want) == 0, "got %s, want %s", seen, want);
	free(seen);
	tm_hdrs_fini(&h);
	free_conf(conf);
}
END_TEST

/* Two tenants cannot claim one login in different case. */
START_TEST(test_login_case_claim)
{
	static const struct spec two[] = {
		{ "acme", { "lms-acme" }, NULL, { NULL }, { NULL }, { NULL }, NULL },
		{ "beta", { "LMS-ACME" }, NULL, { NULL }, { NULL }, { NULL }, NULL },
	};
	struct tm_conf *conf = tf_conf_of(two, 2);
	struct tm_err err;

	tm_err_init(&err);
	conf->index = tm_index_build(conf, &err);
	ck_assert_ptr_nonnull(conf->index);
	ck_assert_msg(err.n == 1, "got %zu errors, want 1 (LMS-ACME claimed twice)",
		      err.n);
	tm_err_fini(&err);
	tf_conf_free(conf);
}
END_TEST

static Suite *
ident_suite(void)
{
	Suite *s = suite_create("ident");
	TCase *tc = tcase_create("ident");

	tcase_add_loop_test(tc, test_matrix, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_seen);
	tcase_add_test(tc, test_login_case_claim);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(ident_suite)
