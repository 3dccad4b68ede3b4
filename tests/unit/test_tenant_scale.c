/*
 * test_tenant_scale.c - the tenant index at scale: 10,000 generated
 * tenants, each with every kind of key (SASL users, header value, IPv4
 * and IPv6 networks, sender, allowed and provider domains), all found.
 * The time to build the index is printed as a TAP comment.
 *
 * Tenants are built by hand (no conf.c) with tenant_fixture.c.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "util/err.h"
#include "conf/tenant_index.h"
#include "tenant_fixture.h"
#include "unit.h"

#define N_GEN 10000

/* gen_tenant - tenant i of the generated set, with every kind of key */
static struct tm_tenant *
gen_tenant(size_t i)
{
	struct tm_tenant *t = tf_xcalloc(1, sizeof(*t));
	char buf[128];

	snprintf(buf, sizeof(buf), "t%06zu", i);
	t->id = tf_xstrdup(buf);
	snprintf(buf, sizeof(buf), "tenants.d/t%06zu.conf", i);
	t->file = tf_xstrdup(buf);
	t->line = 1;
	t->match.sasl_users.v = tf_xcalloc(2, sizeof(char *));
	snprintf(buf, sizeof(buf), "lms-t%06zu", i);
	t->match.sasl_users.v[t->match.sasl_users.n++] = tf_xstrdup(buf);
	snprintf(buf, sizeof(buf), "hr-t%06zu", i);
	t->match.sasl_users.v[t->match.sasl_users.n++] = tf_xstrdup(buf);
	snprintf(buf, sizeof(buf), "Hdr-T%06zu", i);
	t->match.header = tf_xstrdup(buf);
	t->match.networks = tf_xcalloc(2, sizeof(struct tm_cidr));
	snprintf(buf, sizeof(buf), "10.%zu.%zu.0/24", i >> 8, i & 255);
	ck_assert_int_eq(tf_parse_cidr(buf, &t->match.networks[0]), 0);
	snprintf(buf, sizeof(buf), "2001:db8:%zx::/%d", i,
		 i % 2 ? 48 : 64);
	ck_assert_int_eq(tf_parse_cidr(buf, &t->match.networks[1]), 0);
	t->match.n_networks = 2;
	t->match.sender_domains.v = tf_xcalloc(1, sizeof(char *));
	snprintf(buf, sizeof(buf), "t%06zu.example", i);
	t->match.sender_domains.v[t->match.sender_domains.n++] =
	    tf_xstrdup(buf);
	t->sender.allowed.v = tf_xcalloc(2, sizeof(char *));
	t->sender.allowed.v[t->sender.allowed.n++] = tf_xstrdup(buf);
	snprintf(buf, sizeof(buf), "news@t%06zu-events.example", i);
	t->sender.allowed.v[t->sender.allowed.n++] = tf_xstrdup(buf);
	snprintf(buf, sizeof(buf), "t%06zu.provider.example", i);
	t->provider_domain = tf_xstrdup(buf);
	return t;
}

/* check_gen - every key of generated tenant i finds it */
static void
check_gen(const struct tm_index *idx, size_t i)
{
	struct sockaddr_storage ss;
	char key[128], want[16];

	snprintf(want, sizeof(want), "t%06zu", i);
	snprintf(key, sizeof(key), "lms-t%06zu", i);
	tf_check_id("sasl", key, tm_index_sasl(idx, key), want);
	snprintf(key, sizeof(key), "hr-t%06zu", i);
	tf_check_id("sasl", key, tm_index_sasl(idx, key), want);
	snprintf(key, sizeof(key), "HDR-t%06zu", i);
	tf_check_id("header", key, tm_index_header(idx, key), want);
	snprintf(key, sizeof(key), "10.%zu.%zu.%zu", i >> 8, i & 255,
		 (i * 7) & 255);
	tf_check_id("network", key,
		    tm_index_network(idx, tf_sockaddr_of(key, &ss)), want);
	snprintf(key, sizeof(key), "::ffff:10.%zu.%zu.1", i >> 8, i & 255);
	tf_check_id("network", key,
		    tm_index_network(idx, tf_sockaddr_of(key, &ss)), want);
	snprintf(key, sizeof(key), "2001:db8:%zx:0:%zx::1", i, i);
	tf_check_id("network", key,
		    tm_index_network(idx, tf_sockaddr_of(key, &ss)), want);
	snprintf(key, sizeof(key), "T%06zu.Example", i);
	tf_check_id("domain", key, tm_index_domain(idx, key), want);
	tf_check_id("owner", key, tm_index_domain_owner(idx, key), want);
	snprintf(key, sizeof(key), "t%06zu.provider.example", i);
	tf_check_id("owner", key, tm_index_domain_owner(idx, key), want);
}

START_TEST(test_generated)
{
	struct tm_conf conf;
	struct tm_err err;
	struct timespec t0, t1;
	size_t i;

	memset(&conf, 0, sizeof(conf));
	conf.tenants = tf_xcalloc(N_GEN, sizeof(*conf.tenants));
	for (i = 0; i < N_GEN; i++)
		conf.tenants[i] = gen_tenant(i);
	conf.n_tenants = N_GEN;

	tm_err_init(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	conf.index = tm_index_build(&conf, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_ptr_nonnull(conf.index);
	ck_assert_msg(err.n == 0, "got %zu errors (%s), want 0", err.n,
		      tm_err_first(&err));
	fprintf(stderr, "# %d tenants indexed in %.3f ms\n", N_GEN,
		((double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		 (double)(t1.tv_nsec - t0.tv_nsec) / 1e6));

	for (i = 0; i < N_GEN; i++)
		check_gen(conf.index, i);
	tf_check_id("sasl", "lms-t010000",
		    tm_index_sasl(conf.index, "lms-t010000"), NULL);

	tm_err_fini(&err);
	tm_index_free(conf.index);
	for (i = 0; i < N_GEN; i++)
		tf_tenant_free(conf.tenants[i]);
	free(conf.tenants);
}
END_TEST

static Suite *
tenant_scale_suite(void)
{
	Suite *s = suite_create("tenant_scale");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_generated);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(tenant_scale_suite)
