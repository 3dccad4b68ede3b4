/*
 * test_keycache.c - the key cache (keycache.c), and the keys in use:
 * sign.c signs with the key object, libopendkim verifies against
 * tm_key_txt().
 *
 * Every key comes from keys_fixture.c, made at test time in a mkdtemp()
 * directory, never committed.
 */

#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dkim.h>

#include "dkim/keys.h"
#include "dkim/sign.h"
#include "keys_fixture.h"
#include "unit.h"

START_TEST(test_cache)
{
	struct tm_keycache *kc = tm_keycache_new();
	char path[PATH_MAX], why[TM_KEY_MSG], warn[TM_KEY_MSG];
	char first[TM_KEY_MSG], want[TM_KEY_MSG];
	const struct tm_key *a, *b;
	int round;

	ck_assert(kc != NULL);
	/* the same key object, twice, with its warning replayed */
	kf_at(path, sizeof(path), "rsa1024.key");
	a = tm_keycache_get(kc, path, TM_ALG_RSA_SHA256, why, warn,
			    sizeof(why));
	ck_assert_msg(a != NULL, "%s", why);
	ck_assert(strstr(warn, "weak") != NULL);
	warn[0] = '\0';
	b = tm_keycache_get(kc, path, TM_ALG_RSA_SHA256, why, warn,
			    sizeof(why));
	ck_assert_msg(a == b, "got %p, want %p", (const void *)b,
		      (const void *)a);
	ck_assert(strstr(warn, "weak") != NULL);

	/* a broken key: the same error every time */
	kf_at(path, sizeof(path), "mode0644.key");
	for (round = 0; round < 3; round++) {
		strcpy(why, "junk");
		ck_assert(tm_keycache_get(kc, path, TM_ALG_ED25519_SHA256, why,
					  warn, sizeof(why)) == NULL);
		if (round == 0)
			strcpy(first, why);
		ck_assert(strstr(why, "chmod 600") != NULL);
		ck_assert_msg(strcmp(why, first) == 0,
			      "round %d: got \"%s\", want \"%s\"", round, why,
			      first);
	}

	/* one file, two algorithms: the key for one, the mismatch for the other */
	kf_at(path, sizeof(path), "ed25519.key");
	kf_expand(want, sizeof(want), "key @/ed25519.key: holds an Ed25519 "
		  "key but algorithm is rsa-sha256");
	for (round = 0; round < 2; round++) {
		ck_assert(tm_keycache_get(kc, path, TM_ALG_RSA_SHA256, why,
					  warn, sizeof(why)) == NULL);
		ck_assert_msg(strcmp(why, want) == 0,
			      "got \"%s\", want \"%s\"", why, want);
		a = tm_keycache_get(kc, path, TM_ALG_ED25519_SHA256, why, warn,
				    sizeof(why));
		ck_assert_msg(a != NULL && why[0] == '\0', "got \"%s\"", why);
		ck_assert_str_eq(warn, "");
	}
	tm_keycache_free(kc);
	tm_keycache_free(NULL);
}
END_TEST

/* elapsed - seconds since t0 */
static double
elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* 100,000 paths: lookups must not be a linear scan. */
START_TEST(test_cache_many)
{
	struct tm_keycache *kc = tm_keycache_new();
	char path[PATH_MAX], why[TM_KEY_MSG], want[PATH_MAX + 64];
	struct timespec t0;
	double secs;
	int i, round;

	ck_assert(kc != NULL);
	for (round = 0; round < 2; round++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < 100000; i++) {
			snprintf(path, sizeof(path), "%s/none/%06d.key",
				 kf_dir, i);
			ck_assert(tm_keycache_get(kc, path, TM_ALG_RSA_SHA256,
						  why, NULL, sizeof(why))
				  == NULL);
			snprintf(want, sizeof(want), "key %s: No such file or "
				 "directory", path);
			ck_assert_msg(strcmp(why, want) == 0, "got \"%s\", "
				      "want \"%s\"", why, want);
		}
		secs = elapsed(&t0);
		/* a linear scan needs ~5e9 string compares for round 1 */
		ck_assert_msg(round == 0 || secs < 10.0,
			      "100000 cached lookups took %.2f s, want < 10 s",
			      secs);
	}
	tm_keycache_free(kc);
}
END_TEST

static const char *lookup_txt;		/* the TXT record the verifier sees */

/* lookup - libopendkim key lookup callback: our TXT record, no DNS */
static DKIM_CBSTAT
lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	snprintf((char *)buf, buflen, "%s", lookup_txt);
	return DKIM_CBSTAT_CONTINUE;
}

static const char *msg_headers[] = {
	"From: Claim <claim@acme.example>",
	"To: someone@example.org",
	"Subject: test message",
};
static const char msg_body[] = "Hello,\r\n\r\nthis is signed.\r\n";

/* feed - the test message into a signing or verifying handle */
static DKIM_STAT
feed(DKIM *d, const char *sighdr)
{
	DKIM_STAT st;
	size_t i;
	_Bool testkey;

	if (sighdr && (st = dkim_header(d, (u_char *)sighdr,
				       strlen(sighdr))) != DKIM_STAT_OK)
		return st;
	for (i = 0; i < sizeof(msg_headers) / sizeof(msg_headers[0]); i++)
		if ((st = dkim_header(d, (u_char *)msg_headers[i],
				      strlen(msg_headers[i]))) != DKIM_STAT_OK)
			return st;
	if ((st = dkim_eoh(d)) != DKIM_STAT_OK)
		return st;
	if ((st = dkim_body(d, (u_char *)msg_body, sizeof(msg_body) - 1))
	    != DKIM_STAT_OK)
		return st;
	return dkim_eom(d, &testkey);
}

/* native_sign - "DKIM-Signature: ..." of the test message by sign.c */
static int
native_sign(const struct tm_key *key, enum tm_dkim_alg alg, char *out,
	    size_t outlen)
{
	struct tm_dkim d = { "acme.example", "sel", key->path, alg, "t", 1,
			     key, NULL };
	const struct tm_dkim *sigs[1] = { &d };
	char why[512];
	struct tm_signer *s;
	size_t i;
	int rc = -1;

	if (tm_sign_init() < 0 ||
	    (s = tm_signer_new("test", sigs, 1, why, sizeof(why))) == NULL)
		return -1;
	for (i = 0; i < sizeof(msg_headers) / sizeof(msg_headers[0]); i++) {
		char name[64];
		const char *colon = strchr(msg_headers[i], ':');

		snprintf(name, sizeof(name), "%.*s",
			 (int)(colon - msg_headers[i]), msg_headers[i]);
		if (tm_signer_header(s, name, colon + 2, why, sizeof(why)) < 0)
			goto out;
	}
	if (tm_signer_eoh(s, why, sizeof(why)) < 0 ||
	    tm_signer_body(s, (const unsigned char *)msg_body,
			   sizeof(msg_body) - 1, why, sizeof(why)) < 0 ||
	    tm_signer_eom(s, why, sizeof(why)) < 0)
		goto out;
	snprintf(out, outlen, "DKIM-Signature: %s", tm_signer_value(s, 0));
	rc = 0;
out:
	if (rc < 0)
		fprintf(stderr, "native_sign: %s\n", why);
	tm_signer_free(s);
	return rc;
}

/*
 * Sign natively (sign.c, on the parsed key), verify with libopendkim
 * against tm_key_txt(): proves the key object signs and that the p= we
 * publish belongs to it.  A TXT of another key must fail.
 */
START_TEST(test_opendkim_sign)
{
	static const struct {
		const char *file, *other;
		enum tm_dkim_alg alg;
		dkim_alg_t dkim_alg;
		const char *a_tag;
	} cases[] = {
		{ "rsa2048.key", "rsa2048b.key", TM_ALG_RSA_SHA256,
		  DKIM_SIGN_RSASHA256, "a=rsa-sha256;" },
		{ "pkcs1.key", "rsa2048b.key", TM_ALG_RSA_SHA256,
		  DKIM_SIGN_RSASHA256, "a=rsa-sha256;" },
		{ "rsa1024.key", "rsa2048.key", TM_ALG_RSA_SHA256,
		  DKIM_SIGN_RSASHA256, "a=rsa-sha256;" },
		{ "ed25519.key", "ed25519b.key", TM_ALG_ED25519_SHA256,
		  DKIM_SIGN_ED25519SHA256, "a=ed25519-sha256;" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[PATH_MAX], why[TM_KEY_MSG], hdr[4096];
		struct tm_key *key, *other;
		DKIM_LIB *lib = dkim_init(NULL, NULL);
		DKIM *d;
		DKIM_STAT st;
		char *txt, *other_txt;
		int pass;

		ck_assert(lib != NULL);
		key = tm_key_load(kf_at(path, sizeof(path), cases[i].file),
				  cases[i].alg, why, NULL, sizeof(why));
		ck_assert_msg(key != NULL, "%s", why);
		other = tm_key_load(kf_at(path, sizeof(path), cases[i].other),
				    cases[i].alg, why, NULL, sizeof(why));
		ck_assert_msg(other != NULL, "%s", why);
		ck_assert(native_sign(key, cases[i].alg, hdr, sizeof(hdr)) == 0);
		ck_assert_msg(strstr(hdr, cases[i].a_tag) != NULL,
			      "%s: got \"%s\", want %s", cases[i].file, hdr,
			      cases[i].a_tag);

		/* verify: right key passes, another key fails */
		txt = tm_key_txt(key);
		other_txt = tm_key_txt(other);
		ck_assert(dkim_set_key_lookup(lib, lookup) == DKIM_STAT_OK);
		for (pass = 1; pass >= 0; pass--) {
			lookup_txt = pass ? txt : other_txt;
			d = dkim_verify(lib, (u_char *)"verify", NULL, &st);
			ck_assert(d != NULL);
			st = feed(d, hdr);
			ck_assert_msg(pass ? st == DKIM_STAT_OK :
				      st == DKIM_STAT_BADSIG,
				      "%s, %s TXT: got %d (%s)", cases[i].file,
				      pass ? "own" : "other", st,
				      dkim_geterror(d) ? dkim_geterror(d) : "");
			if (pass)
				ck_assert(DKIM_SIG_CHECK(dkim_getsignature(d)));
			dkim_free(d);
		}
		free(txt);
		free(other_txt);
		tm_key_free(key);
		tm_key_free(other);
		dkim_close(lib);
	}
}
END_TEST

static Suite *
keycache_suite(void)
{
	Suite *s = suite_create("keycache");
	TCase *tc = tcase_create("core");

	/* one fixture directory for all: keys are generated once */
	tcase_add_unchecked_fixture(tc, kf_setup, kf_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_cache_many);
	tcase_add_test(tc, test_opendkim_sign);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(keycache_suite)
