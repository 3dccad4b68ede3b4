/*
 * test_snap.c - configuration snapshots: a message holding a snapshot
 * keeps its policy across reloads, a refused reload keeps the old
 * snapshot in force, the last release frees (LeakSanitizer checks that
 * under --enable-sanitizers), and threads acquiring and releasing while
 * the main thread reloads never see a freed snapshot.
 */

#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dkim/keys.h"
#include "snap.h"
#include "unit.h"

static char dir[64], main_conf[128];

/* write_tenant - tenant acme with the given sender.from local part */
static void
write_tenant(const char *local, int broken)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/tenants.d/acme.conf", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "id = \"acme\"; mode = \"provider\";\n"
		"sender = { from = \"%s@acme.provider.example\"; };\n%s", local,
		broken ? "this is not libconfig\n" : "");
	fclose(fp);
}

static void
setup(void)
{
	char path[160], why[256];
	FILE *fp;

	strcpy(dir, "/tmp/tm-snap.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tenants.d", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/p.key", dir);
	ck_assert_msg(tm_key_generate(path, TM_ALG_RSA_SHA256, 1024, why,
				      sizeof(why)) == 0, "%s", why);
	snprintf(main_conf, sizeof(main_conf), "%s/main.conf", dir);
	fp = fopen(main_conf, "w");
	ck_assert_ptr_nonnull(fp);
	/* 127.0.0.1@9 (discard): nothing here sends a query */
	fputs("provider = { domain = \"provider.example\"; outbound_ips = "
	      "[ \"192.0.2.10\" ]; tenant_domain = \"%t.provider.example\";\n"
	      " dkim = ( { selector = \"p\"; key = \"p.key\"; } ); };\n"
	      "dns = { nameserver = \"127.0.0.1@9\"; };\n", fp);
	fclose(fp);
	write_tenant("first", 0);
}

static void
teardown(void)
{
	char cmd[100];

	tm_snap_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* from_of - acme's sender.from in a snapshot */
static const char *
from_of(const struct tm_snap *s)
{
	return tm_conf_tenant(s->conf, "acme")->sender.from;
}

/* load - tm_snap_load, errors printed on failure */
static int
load(void)
{
	struct tm_err err;
	int rc;

	tm_err_init(&err);
	rc = tm_snap_load(main_conf, &err);
	tm_err_fini(&err);
	return rc;
}

START_TEST(test_in_flight_keeps_policy)
{
	struct tm_snap *msg1, *msg2, *msg3;

	ck_assert_int_eq(load(), 0);
	msg1 = tm_snap_acquire();		/* a message starts */
	ck_assert_str_eq(from_of(msg1), "first@acme.provider.example");
	write_tenant("second", 0);
	ck_assert_int_eq(load(), 0);		/* reload while it is in flight */
	ck_assert_str_eq(from_of(msg1), "first@acme.provider.example");
	msg2 = tm_snap_acquire();		/* the next message */
	ck_assert_str_eq(from_of(msg2), "second@acme.provider.example");
	ck_assert_uint_eq(msg2->generation, msg1->generation + 1);
	write_tenant("third", 1);		/* a broken file */
	ck_assert_int_eq(load(), -1);		/* refused ... */
	msg3 = tm_snap_acquire();		/* ... the old one stays */
	ck_assert_ptr_eq(msg3, msg2);
	ck_assert_str_eq(from_of(msg3), "second@acme.provider.example");
	tm_snap_release(msg1);			/* last reference: freed */
	tm_snap_release(msg2);
	tm_snap_release(msg3);
	tm_snap_release(NULL);
}
END_TEST

static volatile int stop_threads;

/* worker - acquire, read, release, as messages do */
static void *
worker(void *arg)
{
	unsigned long *reads = arg;

	while (!stop_threads) {
		struct tm_snap *s = tm_snap_acquire();

		if (s && strncmp(from_of(s), "gen", 3) == 0)
			(*reads)++;
		tm_snap_release(s);
	}
	return NULL;
}

START_TEST(test_reload_under_load)
{
	pthread_t t[4];
	unsigned long reads[4] = { 0, 0, 0, 0 }, total = 0;
	char local[16];
	int i;

	write_tenant("gen0", 0);
	ck_assert_int_eq(load(), 0);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker, &reads[i]), 0);
	for (i = 1; i <= 20; i++) {
		snprintf(local, sizeof(local), "gen%d", i);
		write_tenant(local, 0);
		ck_assert_int_eq(load(), 0);
	}
	stop_threads = 1;
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += reads[i];
	}
	ck_assert_msg(total > 0, "workers read no snapshot");
}
END_TEST

static Suite *
snap_suite(void)
{
	Suite *s = suite_create("snap");
	TCase *tc = tcase_create("reload");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_in_flight_keeps_policy);
	tcase_add_test(tc, test_reload_under_load);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(snap_suite)
