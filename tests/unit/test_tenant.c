/*
 * test_tenant.c - the tenant index: every lookup kind, longest-prefix
 * networks (IPv4, IPv6, IPv4-mapped), duplicate claims, sender.allowed
 * reaching into another tenant's domain.  10,000 generated tenants are
 * in test_tenant_scale.c.
 *
 * Configurations are built by hand (no conf.c) by tenant_fixture.c.
 */

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "util/err.h"
#include "conf/tenant_index.h"
#include "tenant_fixture.h"
#include "unit.h"

/* Tenants shared by the lookup tests (sorted by id, as conf sorts them). */
static const struct spec basic[] = {
	{ .id = "acme", .sasl = { "lms-acme", "Hr-Acme" }, .header = "ACME-01",
	  .nets = { "10.0.0.0/8", "2001:db8::/32" },
	  .domains = { "acme.example", "acme-mail.example" },
	  .allowed = { "acme.example", "acme-events.example",
		       "news@partner.example" },
	  .provider_domain = "acme.provider.example" },
	{ .id = "beta", .sasl = { "lms-beta" },
	  .nets = { "10.1.0.0/16", "2001:db8:1::/48", "::ffff:192.0.2.0/120" },
	  .domains = { "beta.example" },
	  .provider_domain = "beta.provider.example" },
	{ .id = "gamma", .nets = { "10.1.2.128/25", "2001:db8:1:2::7/128",
				   "198.51.100.7" } },
};
#define N_BASIC (sizeof(basic) / sizeof(basic[0]))

/* One string lookup row: key, wanted tenant id (NULL: none). */
struct str_case {
	const char *key;
	const char *want;
};

/* run_str_cases - every row through one lookup function */
static void
run_str_cases(const char *what,
	      const struct tm_tenant *(*fn)(const struct tm_index *,
					    const char *),
	      const struct str_case *cases, size_t n)
{
	struct tm_conf *conf = tf_conf_of(basic, N_BASIC);
	size_t i;

	tf_build_clean(conf);
	for (i = 0; i < n; i++)
		tf_check_id(what, cases[i].key,
			    fn(conf->index, cases[i].key), cases[i].want);
	tf_conf_free(conf);
}

START_TEST(test_sasl)
{
	static const struct str_case cases[] = {
		{ "lms-acme", "acme" },
		{ "Hr-Acme", "acme" },
		{ "lms-beta", "beta" },
		{ "LMS-ACME", "acme" },		/* any case (issue 7) */
		{ "hr-acme", "acme" },
		{ "lms-acme ", NULL },
		{ "lms", NULL },
		{ "", NULL },
	};

	run_str_cases("sasl", tm_index_sasl, cases,
		      sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_header)
{
	static const struct str_case cases[] = {
		{ "ACME-01", "acme" },
		{ "acme-01", "acme" },		/* case-insensitive */
		{ "Acme-01", "acme" },
		{ "beta", "beta" },		/* default: the id */
		{ "BETA", "beta" },
		{ "gamma", "gamma" },
		{ "acme", NULL },		/* acme set its own value */
		{ "acme-1", NULL },
		{ "", NULL },
	};

	run_str_cases("header", tm_index_header, cases,
		      sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_domain)
{
	static const struct str_case cases[] = {
		{ "acme.example", "acme" },
		{ "ACME.Example", "acme" },
		{ "acme-mail.example", "acme" },
		{ "beta.example", "beta" },
		{ "acme-events.example", NULL },	/* only allowed */
		{ "acme.provider.example", NULL },
		{ "partner.example", NULL },
		{ "example", NULL },
		{ "sub.acme.example", NULL },
	};

	run_str_cases("domain", tm_index_domain, cases,
		      sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_domain_owner)
{
	static const struct str_case cases[] = {
		{ "acme.example", "acme" },
		{ "acme-mail.example", "acme" },	/* sender domain */
		{ "ACME-EVENTS.example", "acme" },	/* allowed domain */
		{ "acme.provider.example", "acme" },	/* provider domain */
		{ "Beta.Provider.Example", "beta" },
		{ "beta.example", "beta" },
		{ "partner.example", NULL },	/* only an allowed address */
		{ "provider.example", NULL },
		{ "gamma.provider.example", NULL },	/* gamma has none */
	};

	run_str_cases("owner", tm_index_domain_owner, cases,
		      sizeof(cases) / sizeof(cases[0]));
}
END_TEST

/* run_net_cases - client addresses through tm_index_network */
static void
run_net_cases(const struct str_case *cases, size_t n)
{
	struct tm_conf *conf = tf_conf_of(basic, N_BASIC);
	struct sockaddr_storage ss;
	size_t i;

	tf_build_clean(conf);
	for (i = 0; i < n; i++)
		tf_check_id("network", cases[i].key,
			    tm_index_network(conf->index,
					     tf_sockaddr_of(cases[i].key, &ss)),
			    cases[i].want);
	tf_conf_free(conf);
}

START_TEST(test_network_v4)
{
	static const struct str_case cases[] = {
		{ "10.1.2.3", "beta" },		/* /16 beats /8 */
		{ "10.2.0.1", "acme" },
		{ "10.0.0.0", "acme" },
		{ "10.255.255.255", "acme" },
		{ "10.1.255.255", "beta" },
		{ "10.1.2.128", "gamma" },	/* /25 beats /16 */
		{ "10.1.2.255", "gamma" },
		{ "10.1.2.127", "beta" },
		{ "198.51.100.7", "gamma" },	/* bare address = /32 */
		{ "198.51.100.8", NULL },
		{ "11.0.0.1", NULL },
		{ "9.255.255.255", NULL },
		{ "192.0.2.77", "beta" },	/* ::ffff:192.0.2.0/120 */
		{ "192.0.3.1", NULL },
	};

	run_net_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_network_v6)
{
	static const struct str_case cases[] = {
		{ "2001:db8:1::1", "beta" },	/* /48 beats /32 */
		{ "2001:db8:2::1", "acme" },
		{ "2001:db8::", "acme" },
		{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "acme" },
		{ "2001:db8:1:2::7", "gamma" },	/* /128 */
		{ "2001:db8:1:2::8", "beta" },
		{ "2001:db9::1", NULL },
		{ "::1", NULL },
		{ "::a01:203", NULL },		/* IPv4-compatible */
	};

	run_net_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_network_mapped)
{
	static const struct str_case cases[] = {
		{ "::ffff:10.1.2.3", "beta" },
		{ "::ffff:10.2.0.1", "acme" },
		{ "::ffff:10.1.2.200", "gamma" },
		{ "::ffff:198.51.100.7", "gamma" },
		{ "::ffff:192.0.2.1", "beta" },
		{ "::ffff:11.0.0.1", NULL },
	};

	run_net_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_network_other)
{
	struct tm_conf *conf = tf_conf_of(basic, N_BASIC);
	struct sockaddr sa;
	const struct tm_tenant *t;

	tf_build_clean(conf);
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	t = tm_index_network(conf->index, &sa);
	ck_assert_msg(t == NULL, "AF_UNIX: got %s, want (none)", tf_id_of(t));
	t = tm_index_network(conf->index, NULL);
	ck_assert_msg(t == NULL, "NULL: got %s, want (none)", tf_id_of(t));
	tf_conf_free(conf);
}
END_TEST

/*
 * A rule between two tenants, in configuration order: the one error must
 * be `want`, at the file and line of the tenant at fault: specs[1], or
 * specs[0] when fault_first (an allowed entry is checked against every
 * owner, whatever the order).
 */
struct conflict_case {
	const char *name;
	struct spec specs[2];
	const char *want;
	int fault_first;
};

static const struct conflict_case conflicts[] = {
	{ .name = "sasl user",
	  .specs = { { .id = "alpha", .sasl = { "lms-acme" } },
		     { .id = "beta", .sasl = { "x", "lms-acme" } } },
	  .want = "tenant beta: sasl user \"lms-acme\" is also claimed by "
		  "tenant alpha (tenants.d/alpha.conf)" },
	{ .name = "header value",
	  .specs = { { .id = "alpha", .header = "Shared" },
		     { .id = "beta", .header = "SHARED" } },
	  .want = "tenant beta: header value \"SHARED\" is also claimed by "
		  "tenant alpha (tenants.d/alpha.conf)" },
	{ .name = "header value vs default id",
	  .specs = { { .id = "alpha", .header = "beta" },
		     { .id = "beta" } },
	  .want = "tenant beta: header value \"beta\" is also claimed by "
		  "tenant alpha (tenants.d/alpha.conf)" },
	{ .name = "network v4",
	  .specs = { { .id = "alpha", .nets = { "192.0.2.0/24" } },
		     { .id = "beta",
		       .nets = { "192.0.2.0/25", "192.0.2.0/24" } } },
	  .want = "tenant beta: network \"192.0.2.0/24\" is also claimed by "
		  "tenant alpha (tenants.d/alpha.conf)" },
	{ .name = "network v6",
	  .specs = { { .id = "alpha", .nets = { "2001:db8:5::/64" } },
		     { .id = "beta", .nets = { "2001:db8:5::/64" } } },
	  .want = "tenant beta: network \"2001:db8:5::/64\" is also claimed "
		  "by tenant alpha (tenants.d/alpha.conf)" },
	{ .name = "network, mapped and plain IPv4",
	  .specs = { { .id = "alpha", .nets = { "192.0.2.0/24" } },
		     { .id = "beta", .nets = { "::ffff:192.0.2.0/120" } } },
	  .want = "tenant beta: network \"::ffff:192.0.2.0/120\" is also "
		  "claimed by tenant alpha (tenants.d/alpha.conf)" },
	{ .name = "sender domain",
	  .specs = { { .id = "alpha", .domains = { "acme.example" } },
		     { .id = "beta", .domains = { "acme.example" } } },
	  .want = "tenant beta: sender domain \"acme.example\" is also "
		  "claimed by tenant alpha (tenants.d/alpha.conf)" },
	{ .name = "provider domain",
	  .specs = { { .id = "alpha",
		       .domains = { "beta.provider.example" } },
		     { .id = "beta",
		       .provider_domain = "beta.provider.example" } },
	  .want = "tenant beta: provider domain \"beta.provider.example\" is "
		  "also claimed by tenant alpha (tenants.d/alpha.conf)" },
	{ .name = "allowed domain owned as sender domain",
	  .specs = { { .id = "alpha", .domains = { "alpha.example" } },
		     { .id = "beta", .domains = { "beta.example" },
		       .allowed = { "beta.example", "alpha.example" } } },
	  .want = "tenant beta: sender.allowed \"alpha.example\" reaches into "
		  "tenant alpha's domain (tenants.d/alpha.conf)" },
	{ .name = "allowed domain owned as allowed domain",
	  .specs = { { .id = "alpha", .allowed = { "events.example" } },
		     { .id = "beta", .allowed = { "events.example" } } },
	  .want = "tenant beta: sender.allowed \"events.example\" reaches "
		  "into tenant alpha's domain (tenants.d/alpha.conf)" },
	{ .name = "allowed domain, owner later in order",
	  .specs = { { .id = "alpha", .allowed = { "beta.example" } },
		     { .id = "beta", .domains = { "beta.example" } } },
	  .want = "tenant alpha: sender.allowed \"beta.example\" reaches "
		  "into tenant beta's domain (tenants.d/beta.conf)",
	  .fault_first = 1 },
	{ .name = "allowed domain, provider domain later in order",
	  .specs = { { .id = "alpha",
		       .allowed = { "beta.provider.example" } },
		     { .id = "beta",
		       .provider_domain = "beta.provider.example" } },
	  .want = "tenant alpha: sender.allowed \"beta.provider.example\" "
		  "reaches into tenant beta's domain (tenants.d/beta.conf)",
	  .fault_first = 1 },
	{ .name = "allowed address in a sender domain",
	  .specs = { { .id = "alpha", .domains = { "alpha.example" } },
		     { .id = "beta", .allowed = { "ceo@ALPHA.example" } } },
	  .want = "tenant beta: sender.allowed \"ceo@ALPHA.example\" reaches "
		  "into tenant alpha's domain (tenants.d/alpha.conf)" },
	{ .name = "allowed address in an allowed domain",
	  .specs = { { .id = "alpha", .allowed = { "events.example" } },
		     { .id = "beta", .allowed = { "news@events.example" } } },
	  .want = "tenant beta: sender.allowed \"news@events.example\" "
		  "reaches into tenant alpha's domain (tenants.d/alpha.conf)" },
	{ .name = "allowed address in a provider domain",
	  .specs = { { .id = "alpha",
		       .provider_domain = "alpha.provider.example" },
		     { .id = "beta",
		       .allowed = { "noreply@alpha.provider.example" } } },
	  .want = "tenant beta: sender.allowed "
		  "\"noreply@alpha.provider.example\" reaches into tenant "
		  "alpha's domain (tenants.d/alpha.conf)" },
	{ .name = "allowed address, owner later in order",
	  .specs = { { .id = "alpha", .allowed = { "x@beta.example" } },
		     { .id = "beta", .allowed = { "beta.example" } } },
	  .want = "tenant alpha: sender.allowed \"x@beta.example\" reaches "
		  "into tenant beta's domain (tenants.d/beta.conf)",
	  .fault_first = 1 },
};

START_TEST(test_conflict)
{
	const struct conflict_case *c = &conflicts[_i];
	struct tm_conf *conf = tf_conf_of(c->specs, 2);
	const struct tm_tenant *fault = conf->tenants[c->fault_first ? 0 : 1];
	struct tm_err err;

	tm_err_init(&err);
	conf->index = tm_index_build(conf, &err);
	ck_assert_ptr_nonnull(conf->index);
	ck_assert_msg(err.n_fatal == 1 && err.n == 1,
		      "%s: got %zu fatal of %zu errors, want 1 of 1", c->name,
		      err.n_fatal, err.n);
	ck_assert_msg(err.items[0].kind == TM_ERR_FATAL,
		      "%s: got kind %d, want fatal", c->name,
		      (int)err.items[0].kind);
	ck_assert_msg(err.items[0].file != NULL &&
		      strcmp(err.items[0].file, fault->file) == 0 &&
		      err.items[0].line == fault->line,
		      "%s: got at %s:%d, want %s:%d", c->name,
		      err.items[0].file ? err.items[0].file : "(null)",
		      err.items[0].line, fault->file, fault->line);
	ck_assert_msg(strcmp(err.items[0].msg, c->want) == 0,
		      "%s: got \"%s\", want \"%s\"", c->name,
		      err.items[0].msg, c->want);
	tm_err_fini(&err);
	tf_conf_free(conf);
}
END_TEST

/* The first claim wins whatever the kind. */
START_TEST(test_first_wins)
{
	static const struct spec specs[] = {
		{ .id = "alpha", .sasl = { "u" }, .header = "h",
		  .nets = { "192.0.2.0/24" }, .domains = { "d.example" } },
		{ .id = "beta", .sasl = { "u" }, .header = "H",
		  .nets = { "192.0.2.0/24" }, .domains = { "D.example" } },
	};
	struct tm_conf *conf = tf_conf_of(specs, 2);
	struct sockaddr_storage ss;
	struct tm_err err;

	tm_err_init(&err);
	conf->index = tm_index_build(conf, &err);
	ck_assert_ptr_nonnull(conf->index);
	ck_assert_msg(err.n_fatal == 4, "got %zu fatal, want 4", err.n_fatal);
	tf_check_id("sasl", "u", tm_index_sasl(conf->index, "u"), "alpha");
	tf_check_id("header", "H", tm_index_header(conf->index, "H"), "alpha");
	tf_check_id("network", "192.0.2.1",
		    tm_index_network(conf->index,
				     tf_sockaddr_of("192.0.2.1", &ss)),
		    "alpha");
	tf_check_id("domain", "d.example",
		    tm_index_domain(conf->index, "d.example"), "alpha");
	tm_err_fini(&err);
	tf_conf_free(conf);
}
END_TEST

/* Configurations that break no rule. */
START_TEST(test_no_conflict)
{
	static const struct {
		const char *name;
		struct spec specs[2];
	} cases[] = {
		{ "own domain in sender_domains and allowed",
		  { { .id = "alpha", .domains = { "alpha.example" },
		      .allowed = { "alpha.example", "x@alpha.example" },
		      .provider_domain = "alpha.provider.example" },
		    { .id = "beta", .domains = { "beta.example" },
		      .allowed = { "beta.example" } } } },
		{ "addresses in a domain nobody owns",
		  { { .id = "alpha", .allowed = { "a@free.example" } },
		    { .id = "beta", .allowed = { "b@free.example" } } } },
		{ "own provider domain in allowed",
		  { { .id = "alpha",
		      .allowed = { "alpha.provider.example",
				   "n@alpha.provider.example" },
		      .provider_domain = "alpha.provider.example" },
		    { .id = "beta", .sasl = { "Alpha" }, .header = "x" } } },
		{ "same claim twice in one tenant",
		  { { .id = "alpha", .sasl = { "u", "u" },
		      .nets = { "10.0.0.0/8", "10.0.0.0/8" },
		      .domains = { "a.example", "A.example" } },
		    { .id = "beta", .header = "ALPHA2" } } },
		{ "same address, different prefix",
		  { { .id = "alpha", .nets = { "10.0.0.0/8" } },
		    { .id = "beta", .nets = { "10.0.0.0/16" } } } },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tm_conf *conf = tf_conf_of(cases[i].specs, 2);
		struct tm_err err;

		tm_err_init(&err);
		conf->index = tm_index_build(conf, &err);
		ck_assert_ptr_nonnull(conf->index);
		ck_assert_msg(err.n == 0, "%s: got %zu errors (%s), want 0",
			      cases[i].name, err.n, tm_err_first(&err));
		tm_err_fini(&err);
		tf_conf_free(conf);
	}
}
END_TEST

START_TEST(test_empty_and_null)
{
	struct tm_conf conf;
	struct tm_index *idx;
	struct sockaddr_storage ss;

	memset(&conf, 0, sizeof(conf));
	idx = tm_index_build(&conf, NULL);
	ck_assert_ptr_nonnull(idx);
	ck_assert_ptr_null(tm_index_sasl(idx, "x"));
	ck_assert_ptr_null(tm_index_header(idx, "x"));
	ck_assert_ptr_null(tm_index_domain(idx, "x"));
	ck_assert_ptr_null(tm_index_domain_owner(idx, "x"));
	ck_assert_ptr_null(tm_index_network(idx,
					    tf_sockaddr_of("10.0.0.1", &ss)));
	ck_assert_ptr_null(tm_index_sasl(idx, NULL));
	tm_index_free(idx);
	tm_index_free(NULL);
	ck_assert_ptr_null(tm_index_sasl(NULL, "x"));
	ck_assert_ptr_null(tm_index_network(NULL, tf_sockaddr_of("::1", &ss)));
}
END_TEST

static Suite *
tenant_suite(void)
{
	Suite *s = suite_create("tenant");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sasl);
	tcase_add_test(tc, test_header);
	tcase_add_test(tc, test_domain);
	tcase_add_test(tc, test_domain_owner);
	tcase_add_test(tc, test_network_v4);
	tcase_add_test(tc, test_network_v6);
	tcase_add_test(tc, test_network_mapped);
	tcase_add_test(tc, test_network_other);
	tcase_add_loop_test(tc, test_conflict, 0,
			    (int)(sizeof(conflicts) / sizeof(conflicts[0])));
	tcase_add_test(tc, test_first_wins);
	tcase_add_test(tc, test_no_conflict);
	tcase_add_test(tc, test_empty_and_null);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(tenant_suite)
