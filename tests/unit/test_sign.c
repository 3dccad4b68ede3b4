/*
 * test_sign.c - the native signer's parts: relaxed canonicalization
 * (canon.c) against hand-written canonical forms, cut into chunks at
 * every place; the self-test (selftest.c) passes with each algorithm and
 * fails against another key's record.
 */

#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "dkim/canon.h"
#include "dkim/keys.h"
#include "dkim/selftest.h"
#include "keys_fixture.h"
#include "unit.h"

static const struct {
	const char *in, *want;
} bodies[] = {
	{ "", "" },
	{ "\r\n", "" },
	{ "\r\n\r\n", "" },
	{ " \t\r\n\r\n", "" },
	{ "a", "a\r\n" },
	{ "a\r\n", "a\r\n" },
	{ "a \t b  \r\n", "a b\r\n" },
	{ " a\r\n", " a\r\n" },
	{ "\t\ta  b\tc \r\n", " a b c\r\n" },
	{ "a\r\n\r\n\r\n", "a\r\n" },
	{ "a\r\n \r\n\tb\r\n", "a\r\n\r\n b\r\n" },
	{ "a\nb\n", "a\r\nb\r\n" },
	{ "a\n\n \n", "a\r\n" },
	{ "a\rb\r\n", "a\rb\r\n" },
	{ "a\r", "a\r\r\n" },
	{ "a\r\n\r\n  \r\nb", "a\r\n\r\n\r\nb\r\n" },
	{ "one two  three\r\nfour\r\n", "one two three\r\nfour\r\n" },
};

/* digest - SHA-256 of the canonical body of in, fed in pieces of len */
static void
digest_body(const char *in, size_t split, size_t step, unsigned char *out)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct tm_canon_body b;
	size_t n = strlen(in), off = 0;
	unsigned int len;

	ck_assert(md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1);
	tm_canon_body_init(&b, md);
	if (split > n)
		split = n;
	ck_assert_int_eq(tm_canon_body_update(&b, (const unsigned char *)in,
					      split), 0);
	for (off = split; off < n; off += step)
		ck_assert_int_eq(tm_canon_body_update(&b,
			(const unsigned char *)in + off,
			n - off < step ? n - off : step), 0);
	ck_assert_int_eq(tm_canon_body_final(&b), 0);
	ck_assert(EVP_DigestFinal_ex(md, out, &len) == 1);
	EVP_MD_CTX_free(md);
}

START_TEST(test_canon_body)
{
	size_t i, split, step;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		unsigned char want[32], got[32];
		size_t n = strlen(bodies[i].in);

		EVP_Digest(bodies[i].want, strlen(bodies[i].want), want, NULL,
			   EVP_sha256(), NULL);
		for (split = 0; split <= n; split++)
			for (step = 1; step <= n + 1; step++) {
				digest_body(bodies[i].in, split, step, got);
				ck_assert_msg(memcmp(got, want, 32) == 0,
					      "body %zu (\"%s\") split %zu step "
					      "%zu: not the canonical form", i,
					      bodies[i].in, split, step);
			}
	}
}
END_TEST

START_TEST(test_canon_header)
{
	static const struct {
		const char *name, *value, *want;
	} cases[] = {
		{ "Subject", " a  b \n\t c \t", "subject:a b c\r\n" },
		{ "X-Empty", "", "x-empty:\r\n" },
		{ "FROM", "A <a@b.example>", "from:A <a@b.example>\r\n" },
		{ "To", "x,\r\n\ty", "to:x, y\r\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char want[32], got[32];
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		EVP_Digest(cases[i].want, strlen(cases[i].want), want, NULL,
			   EVP_sha256(), NULL);
		ck_assert(EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1);
		ck_assert_int_eq(tm_canon_header(md, cases[i].name,
						 cases[i].value, true), 0);
		ck_assert(EVP_DigestFinal_ex(md, got, NULL) == 1);
		ck_assert_msg(memcmp(got, want, 32) == 0, "header %zu: not %s",
			      i, cases[i].want);
		EVP_MD_CTX_free(md);
	}
}
END_TEST

START_TEST(test_selftest)
{
	static const struct {
		const char *file, *other;
		enum tm_dkim_alg alg;
	} cases[] = {
		{ "rsa2048.key", "rsa2048b.key", TM_ALG_RSA_SHA256 },
		{ "ed25519.key", "ed25519b.key", TM_ALG_ED25519_SHA256 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[PATH_MAX], why[512];
		struct tm_key *key, *other;
		char *txt;

		key = tm_key_load(kf_at(path, sizeof(path), cases[i].file),
				  cases[i].alg, why, NULL, sizeof(why));
		ck_assert_msg(key != NULL, "%s", why);
		other = tm_key_load(kf_at(path, sizeof(path), cases[i].other),
				    cases[i].alg, why, NULL, sizeof(why));
		ck_assert_msg(other != NULL, "%s", why);
		ck_assert_msg(tm_sign_selftest(key, why, sizeof(why)) == 0,
			      "%s: %s", cases[i].file, why);
		/* It can fail: the record of another key does not verify. */
		txt = tm_key_txt(other);
		ck_assert_int_eq(tm_sign_selftest_txt(key, txt, why,
						      sizeof(why)), -1);
		ck_assert_msg(strstr(why, "test message 1 (") != NULL &&
			      strstr(why, "libopendkim does not verify it") != NULL,
			      "%s: got \"%s\"", cases[i].file, why);
		free(txt);
		tm_key_free(key);
		tm_key_free(other);
	}
}
END_TEST

static Suite *
sign_suite(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, kf_setup, kf_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_canon_body);
	tcase_add_test(tc, test_canon_header);
	tcase_add_test(tc, test_selftest);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(sign_suite)
