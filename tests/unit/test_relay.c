/*
 * test_relay.c - relay routes (relay_route.c) from real tenant files:
 * next hop, TLS policy, auth form and sender keys per tenant; the stamp
 * check (missing stamp, current, changed route); and the decisions the
 * milter makes for relay tenants (policy.c): stale route -> 451 with the
 * documented reason, null sender -> envelope_from, signing only with a
 * dkim list.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/relay_maps.h"
#include "conf/relay_route.h"
#include "dkim/keys.h"
#include "msg/hdrs.h"
#include "policy/policy.h"
#include "unit.h"

static char dir[64];

/* put - write a file under dir, mode 0600 */
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
	chmod(path, 0600);
}

/* load - the configuration under dir; errors printed, not fatal */
static struct tm_conf *
load(void)
{
	char path[256];
	struct tm_err err;
	struct tm_conf *conf;

	snprintf(path, sizeof(path), "%s/main.conf", dir);
	tm_err_init(&err);
	conf = tm_conf_load(path, &err);
	if (conf == NULL)
		tm_err_print(&err, stderr);
	tm_err_fini(&err);
	ck_assert_ptr_nonnull(conf);
	return conf;
}

static void
setup(void)
{
	char why[512], path[256];

	strcpy(dir, "/tmp/tm-relay.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tenants.d", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/p1.key", dir);
	ck_assert_msg(tm_key_generate(path, TM_ALG_RSA_SHA256, 2048, why,
				      sizeof(why)) == 0, "%s", why);
	snprintf(path, sizeof(path), "%s/s1.key", dir);
	ck_assert_msg(tm_key_generate(path, TM_ALG_RSA_SHA256, 2048, why,
				      sizeof(why)) == 0, "%s", why);
	put("pw", "secret\n");
	put("main.conf", "provider = { domain = \"provider.example\";\n"
	    " outbound_ips = [ \"192.0.2.10\" ];\n"
	    " tenant_domain = \"%t.provider.example\";\n"
	    " dkim = ( { selector = \"p1\"; key = \"p1.key\"; } ); };\n");
	put("tenants.d/pw.conf", "id = \"pw\"; mode = \"relay\";\n"
	    "match = { sasl_users = [ \"lms-pw\" ]; sender_domains = [ \"pw.example\" ]; };\n"
	    "sender = { from = \"info@pw.example\"; envelope_from = \"Bounce@PW.example\";\n"
	    "  allowed = [ \"pw.example\", \"news@pw-events.example\" ]; };\n"
	    "relay = { host = \"smtp.pw.example\"; auth = { user = \"lms\"; password_file = \"../pw\"; }; };\n");
	put("tenants.d/mx.conf", "id = \"mx\"; mode = \"relay\";\n"
	    "match = { sender_domains = [ \"mx.example\" ]; };\n"
	    "sender = { from = \"info@mx.example\"; };\n"
	    "relay = { mx = \"mx.example\"; tls = \"encrypt\"; };\n"
	    "dkim = ( { domain = \"mx.example\"; selector = \"s1\"; key = \"../s1.key\"; } );\n");
	put("tenants.d/mxp.conf", "id = \"mxp\"; mode = \"relay\";\n"
	    "match = { sender_domains = [ \"mxp.example\" ]; };\n"
	    "sender = { from = \"info@mxp.example\"; };\n"
	    "relay = { mx = \"mxp.example\"; port = 2525; };\n");
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static const struct {
	const char *tenant, *nexthop, *tls;
	enum tm_relay_auth auth;
	const char *keys;			/* sender keys, comma-separated */
} routes[] = {
	{ "pw", "[smtp.pw.example]:587",
	  "secure match=nexthop:dot-nexthop protocols=>=TLSv1.2", TM_RAUTH_PASSWORD,
	  "@pw.example,bounce@pw.example,info@pw.example,news@pw-events.example" },
	{ "mx", "mx.example", "encrypt protocols=>=TLSv1.2", TM_RAUTH_NONE,
	  "@mx.example,info@mx.example" },
	{ "mxp", "mxp.example:2525",
	  "secure match=nexthop:dot-nexthop protocols=>=TLSv1.2", TM_RAUTH_NONE,
	  "@mxp.example,info@mxp.example" },
};

START_TEST(test_route)
{
	struct tm_conf *conf = load();
	const struct tm_tenant *t = tm_conf_tenant(conf, routes[_i].tenant);
	struct tm_relay_route r;
	char keys[512] = "";
	size_t i;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(tm_relay_route_init(&r, t), 0);
	ck_assert_msg(strcmp(r.nexthop, routes[_i].nexthop) == 0,
		      "%s: next hop: got %s, want %s", t->id, r.nexthop,
		      routes[_i].nexthop);
	ck_assert_msg(strcmp(r.tls, routes[_i].tls) == 0, "%s: tls: got %s, want %s",
		      t->id, r.tls, routes[_i].tls);
	ck_assert_msg(r.auth == routes[_i].auth, "%s: auth: got %d, want %d",
		      t->id, r.auth, routes[_i].auth);
	for (i = 0; i < r.senders.n; i++)
		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%s",
			 i ? "," : "", r.senders.v[i]);
	ck_assert_msg(strcmp(keys, routes[_i].keys) == 0, "%s: keys: got %s, want %s",
		      t->id, keys, routes[_i].keys);
	tm_relay_route_fini(&r);
	tm_conf_free(conf);
}
END_TEST

/* decide - the decision for tenant id with this envelope sender */
static void
decide(const struct tm_conf *conf, const char *id, const char *mail_from,
       struct tm_decision *d)
{
	struct tm_hdrs h = { NULL, 0, 0, 0 };
	struct tm_msg m;
	char from[128];

	snprintf(from, sizeof(from), "<info@%s.example>", id);
	tm_hdrs_add(&h, "From", from);
	memset(&m, 0, sizeof(m));
	m.queue_id = "TEST";
	m.mail_from = mail_from;
	m.hdrs = &h;
	ck_assert_int_eq(tm_policy_decide_tenant(conf, tm_conf_tenant(conf, id),
						 &m, NULL, d), 0);
	tm_hdrs_fini(&h);
}

/* write_stamp - postfix-maps' stamp for conf's routes in relay_maps */
static void
write_stamp(const struct tm_conf *conf)
{
	struct tm_relay_routes rs;
	struct tm_err err;

	tm_err_init(&err);
	mkdir(conf->relay_maps, 0755);
	ck_assert_int_eq(tm_relay_routes_build(conf, &rs, &err), 0);
	ck_assert_int_eq(tm_relay_stamp_write(&rs, conf->relay_maps, &err), 0);
	tm_relay_routes_fini(&rs);
	tm_err_fini(&err);
}

START_TEST(test_stale_and_decisions)
{
	struct tm_conf *conf = load();
	struct tm_decision d;

	/* no stamp: every relay tenant is stale and tempfails */
	ck_assert_ptr_nonnull(tm_conf_tenant(conf, "pw")->relay.stale);
	decide(conf, "pw", "info@pw.example", &d);
	ck_assert_int_eq(d.verdict, TM_V_TEMPFAIL);
	ck_assert_str_eq(d.rcode, "451");
	ck_assert_msg(strcmp(d.reason, TM_RELAY_STALE) == 0, "reason: got %s, want %s",
		      d.reason, TM_RELAY_STALE);
	ck_assert(d.log_error);
	tm_decision_fini(&d);
	write_stamp(conf);
	tm_conf_free(conf);

	conf = load();
	ck_assert_msg(tm_conf_tenant(conf, "pw")->relay.stale == NULL, "still stale: %s",
		      tm_conf_tenant(conf, "pw")->relay.stale);
	decide(conf, "pw", "info@pw.example", &d);
	ck_assert_msg(d.verdict == TM_V_ACCEPT, "got %s (%s)", d.action,
		      d.reason ? d.reason : "-");
	ck_assert_uint_eq(d.n_sign, 0);		/* relay without dkim: unsigned */
	tm_decision_fini(&d);
	decide(conf, "pw", "", &d);		/* null sender: routed address */
	ck_assert_str_eq(d.action, "rewrite");
	ck_assert_str_eq(d.new_env_from, "Bounce@PW.example");
	tm_decision_fini(&d);
	decide(conf, "mx", "", &d);		/* no envelope_from: sender.from */
	ck_assert_str_eq(d.new_env_from, "info@mx.example");
	ck_assert_uint_eq(d.n_sign, 1);		/* relay with dkim: signs */
	tm_decision_fini(&d);
	decide(conf, "mx", "x@elsewhere.example", &d);	/* foreign: rewritten */
	ck_assert_str_eq(d.new_env_from, "info@mx.example");
	tm_decision_fini(&d);
	tm_conf_free(conf);

	/* a changed route is stale again; the others stay current */
	put("tenants.d/mx.conf", "id = \"mx\"; mode = \"relay\";\n"
	    "match = { sender_domains = [ \"mx.example\" ]; };\n"
	    "sender = { from = \"info@mx.example\"; };\n"
	    "relay = { mx = \"mx.example\"; tls = \"secure\"; };\n");
	conf = load();
	ck_assert_ptr_nonnull(tm_conf_tenant(conf, "mx")->relay.stale);
	ck_assert_ptr_null(tm_conf_tenant(conf, "pw")->relay.stale);
	ck_assert_ptr_null(tm_conf_tenant(conf, "mxp")->relay.stale);
	tm_conf_free(conf);
}
END_TEST

static Suite *
relay_suite(void)
{
	Suite *s = suite_create("relay");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_route, 0, (int)(sizeof(routes) / sizeof(routes[0])));
	tcase_add_test(tc, test_stale_and_decisions);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(relay_suite)
