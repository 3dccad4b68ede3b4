/*
 * test_keys.c - DKIM keys (keys.c): permissions, loading and validation,
 * the public key (p=) and the DNS records, generation.
 *
 * Every key comes from keys_fixture.c, made at test time in a mkdtemp()
 * directory, never committed.  The key cache and signing with libopendkim
 * are in test_keycache.c.
 */

#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkim/keys.h"
#include "keys_fixture.h"
#include "unit.h"

START_TEST(test_load)
{
	static const struct {
		const char *file;
		enum tm_dkim_alg want;
		int bits;		/* 0: must fail */
		const char *warn;	/* NULL: no warning */
		const char *why;	/* '@' = fixture dir; substring of why */
	} cases[] = {
		{ "rsa2048.key", TM_ALG_RSA_SHA256, 2048, NULL, NULL },
		{ "rsa1024.key", TM_ALG_RSA_SHA256, 1024,
		  "key @/rsa1024.key: RSA key of 1024 bits is weak; use 2048",
		  NULL },
		{ "ed25519.key", TM_ALG_ED25519_SHA256, 256, NULL, NULL },
		{ "pkcs1.key", TM_ALG_RSA_SHA256, 2048, NULL, NULL },
		{ "link.key", TM_ALG_RSA_SHA256, 2048, NULL, NULL },
		{ "fake4096.key", TM_ALG_RSA_SHA256, 4096, NULL, NULL },
		{ "mode0400.key", TM_ALG_ED25519_SHA256, 256, NULL, NULL },
		{ "sticky/k.key", TM_ALG_ED25519_SHA256, 256, NULL, NULL },
		{ "rsa512.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/rsa512.key: RSA key of 512 bits; DKIM keys are "
		  "1024 to 4096 bits" },
		{ "fake4097.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/fake4097.key: RSA key of 4097 bits" },
		{ "fake8192.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/fake8192.key: RSA key of 8192 bits" },
		{ "ed25519.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/ed25519.key: holds an Ed25519 key but algorithm is "
		  "rsa-sha256" },
		{ "rsa2048.key", TM_ALG_ED25519_SHA256, 0, NULL,
		  "key @/rsa2048.key: holds an RSA key but algorithm is "
		  "ed25519-sha256" },
		{ "ec.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/ec.key: holds a key of type EC; DKIM keys are RSA or "
		  "Ed25519" },
		{ "ed448.key", TM_ALG_ED25519_SHA256, 0, NULL,
		  "key @/ed448.key: holds a key of type ED448" },
		{ "enc8.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/enc8.key: is encrypted; DKIM keys must be unencrypted" },
		{ "enctrad.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/enctrad.key: is encrypted; DKIM keys must be "
		  "unencrypted" },
		{ "garbage.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/garbage.key: cannot parse the private key" },
		{ "openssh.key", TM_ALG_ED25519_SHA256, 0, NULL,
		  "key @/openssh.key: is in OpenSSH format" },
		{ "text.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/text.key: not a PEM private key" },
		{ "pub.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/pub.key: holds no private key" },
		{ "empty.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/empty.key: empty file" },
		{ "big.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/big.key: larger than 65536 bytes" },
		{ "mode0644.key", TM_ALG_ED25519_SHA256, 0, NULL,
		  "key @/mode0644.key: mode 0644, want 0600: "
		  "chmod 600 @/mode0644.key" },
		{ "mode0640.key", TM_ALG_ED25519_SHA256, 0, NULL,
		  "key @/mode0640.key: mode 0640, want 0600: "
		  "chmod 600 @/mode0640.key" },
		{ "mode0700.key", TM_ALG_ED25519_SHA256, 0, NULL,
		  "key @/mode0700.key: mode 0700, want 0600: "
		  "chmod 600 @/mode0700.key" },
		{ "missing.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/missing.key: No such file or directory" },
		{ "adir.key", TM_ALG_RSA_SHA256, 0, NULL,
		  "key @/adir.key: not a regular file" },
		{ "ow/k.key", TM_ALG_ED25519_SHA256, 0, NULL,
		  "key @/ow/k.key: directory @/ow is writable by others: "
		  "chmod o-w @/ow" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[PATH_MAX], why[TM_KEY_MSG], warn[TM_KEY_MSG];
		char want[TM_KEY_MSG];
		struct tm_key *key;

		strcpy(warn, "junk");
		key = tm_key_load(kf_at(path, sizeof(path), cases[i].file),
				  cases[i].want, why, warn, sizeof(why));
		if (cases[i].bits == 0) {
			kf_expand(want, sizeof(want), cases[i].why);
			ck_assert_msg(key == NULL, "%s: got a key, want \"%s\"",
				      cases[i].file, want);
			ck_assert_msg(strstr(why, want) != NULL,
				      "%s: got \"%s\", want \"%s\"",
				      cases[i].file, why, want);
			continue;
		}
		ck_assert_msg(key != NULL, "%s: got \"%s\", want a key",
			      cases[i].file, why);
		ck_assert_msg(key->alg == cases[i].want && key->bits ==
			      cases[i].bits, "%s: got alg %d bits %d, want "
			      "alg %d bits %d", cases[i].file, key->alg,
			      key->bits, cases[i].want, cases[i].bits);
		ck_assert_str_eq(key->path, path);
		kf_expand(want, sizeof(want),
			  cases[i].warn ? cases[i].warn : "");
		ck_assert_msg(strcmp(warn, want) == 0,
			      "%s: got warning \"%s\", want \"%s\"",
			      cases[i].file, warn, want);
		ck_assert(key->pub_b64 != NULL && key->pub_b64[0] != '\0');
		ck_assert_msg(key->pkey != NULL, "%s: no key object",
			      cases[i].file);
		tm_key_free(key);
	}
	tm_key_free(NULL);
}
END_TEST

/* b64_decode - decode into a new buffer; returns the byte count */
static size_t
b64_decode(const char *in, unsigned char **out)
{
	size_t len = strlen(in);
	int n;

	*out = malloc(len);
	ck_assert(*out != NULL);
	n = EVP_DecodeBlock(*out, (const unsigned char *)in, (int)len);
	ck_assert_msg(n >= 0, "bad base64 \"%s\"", in);
	while (len > 0 && in[len - 1] == '=') {	/* DecodeBlock keeps pad */
		len--;
		n--;
	}
	return (size_t)n;
}

START_TEST(test_pub_rsa)
{
	char path[PATH_MAX], why[TM_KEY_MSG];
	struct tm_key *key = tm_key_load(kf_at(path, sizeof(path),
					       "rsa2048.key"),
					 TM_ALG_RSA_SHA256, why, NULL,
					 sizeof(why));
	EVP_PKEY *priv = kf_read_pkey("rsa2048.key"), *pub;
	BIGNUM *n_pub = NULL, *n_priv = NULL;
	unsigned char *der;
	const unsigned char *p;
	size_t len;

	ck_assert_msg(key != NULL, "%s", why);
	len = b64_decode(key->pub_b64, &der);
	p = der;
	pub = d2i_PUBKEY(NULL, &p, (long)len);
	ck_assert_msg(pub != NULL, "p= is not a SubjectPublicKeyInfo");
	ck_assert_msg(p == der + len, "got %zu bytes of SPKI, want %zu",
		      (size_t)(p - der), len);
	ck_assert(EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &n_pub));
	ck_assert(EVP_PKEY_get_bn_param(priv, OSSL_PKEY_PARAM_RSA_N, &n_priv));
	ck_assert_msg(BN_cmp(n_pub, n_priv) == 0, "modulus differs");
	ck_assert_int_eq(EVP_PKEY_eq(pub, priv), 1);
	BN_free(n_pub);
	BN_free(n_priv);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(priv);
	free(der);
	tm_key_free(key);
}
END_TEST

START_TEST(test_pub_ed25519)
{
	char path[PATH_MAX], why[TM_KEY_MSG];
	struct tm_key *key = tm_key_load(kf_at(path, sizeof(path),
					       "ed25519.key"),
					 TM_ALG_ED25519_SHA256, why, NULL,
					 sizeof(why));
	EVP_PKEY *priv = kf_read_pkey("ed25519.key");
	unsigned char raw[32], *got;
	size_t rawlen = sizeof(raw), len;

	ck_assert_msg(key != NULL, "%s", why);
	len = b64_decode(key->pub_b64, &got);
	ck_assert_msg(len == 32, "got %zu bytes, want 32", len);
	ck_assert(EVP_PKEY_get_raw_public_key(priv, raw, &rawlen) == 1);
	ck_assert(memcmp(got, raw, 32) == 0);
	free(got);
	EVP_PKEY_free(priv);
	tm_key_free(key);
}
END_TEST

START_TEST(test_pkey_same_key)
{
	static const struct {
		const char *file;
		enum tm_dkim_alg alg;
	} cases[] = {
		{ "rsa2048.key", TM_ALG_RSA_SHA256 },
		{ "pkcs1.key", TM_ALG_RSA_SHA256 },
		{ "ed25519.key", TM_ALG_ED25519_SHA256 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[PATH_MAX], why[TM_KEY_MSG];
		struct tm_key *key = tm_key_load(kf_at(path, sizeof(path),
						       cases[i].file),
						 cases[i].alg, why, NULL,
						 sizeof(why));
		EVP_PKEY *file = kf_read_pkey(cases[i].file);

		ck_assert_msg(key != NULL, "%s", why);
		ck_assert_msg(EVP_PKEY_eq(key->pkey, file) == 1,
			      "%s: the key object holds another key",
			      cases[i].file);
		EVP_PKEY_free(file);
		tm_key_free(key);
	}
}
END_TEST

START_TEST(test_perms_what)
{
	char path[PATH_MAX], why[TM_KEY_MSG], want[TM_KEY_MSG];

	ck_assert_int_eq(tm_key_check_perms("password file",
					    kf_at(path, sizeof(path),
						  "mode0644.key"),
					    why, sizeof(why)), -1);
	kf_expand(want, sizeof(want), "password file @/mode0644.key: "
		  "mode 0644, want 0600: chmod 600 @/mode0644.key");
	ck_assert_msg(strcmp(why, want) == 0, "got \"%s\", want \"%s\"", why,
		      want);
	ck_assert_int_eq(tm_key_check_perms("key", kf_at(path, sizeof(path),
							 "mode0400.key"),
					    why, sizeof(why)), 0);
	ck_assert_int_eq(tm_key_check_perms("key", kf_at(path, sizeof(path),
							 "mode0644.key"),
					    NULL, 0), -1);
}
END_TEST

/* Not readable by us: only testable as root, by becoming nobody. */
START_TEST(test_perms_unreadable)
{
	char path[PATH_MAX], why[TM_KEY_MSG], want[PATH_MAX + 64];
	int rc;

	if (geteuid() != 0)
		return;
	kf_at(path, sizeof(path), "rsa2048.key");
	ck_assert(seteuid(65534) == 0);
	rc = tm_key_check_perms("key", path, why, sizeof(why));
	ck_assert(seteuid(0) == 0);
	ck_assert_int_eq(rc, -1);
	snprintf(want, sizeof(want), "key %s: not readable by uid 65534 "
		 "(the file belongs to uid 0)", path);
	ck_assert_msg(strncmp(why, want, strlen(want)) == 0,
		      "got \"%s\", want \"%s...\"", why, want);
}
END_TEST

/* Relative paths: every message names the path as the operator wrote it. */
START_TEST(test_perms_relative)
{
	static const struct {
		mode_t keys, acme;
		int key_exists;
		const char *want;	/* "" = ok */
	} cases[] = {
		{ 0755, 0755, 0,
		  "key keys/acme/lms.key: No such file or directory" },
		{ 0755, 0777, 1, "key keys/acme/lms.key: directory keys/acme "
		  "is writable by others: chmod o-w keys/acme" },
		{ 0777, 0755, 1, "key keys/acme/lms.key: directory keys is "
		  "writable by others: chmod o-w keys" },
		{ 0777, 01777, 1, "key keys/acme/lms.key: directory keys is "
		  "writable by others: chmod o-w keys" },
		{ 01777, 0755, 1, "" },
		{ 0755, 0755, 1, "" },
	};
	char why[TM_KEY_MSG];
	size_t i;
	int cwd = open(".", O_RDONLY | O_DIRECTORY);

	ck_assert(cwd >= 0);
	kf_make_dir("rel", 0755);
	kf_make_dir("rel/keys", 0755);
	kf_make_dir("rel/keys/acme", 0755);
	ck_assert(chdir(kf_dir) == 0 && chdir("rel") == 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		if (cases[i].key_exists && access("keys/acme/lms.key", F_OK) < 0)
			kf_copy_key("ed25519.key", "rel/keys/acme/lms.key",
				    0600);
		ck_assert(chmod("keys", cases[i].keys) == 0);
		ck_assert(chmod("keys/acme", cases[i].acme) == 0);
		why[0] = '\0';
		rc = tm_key_check_perms("key", "keys/acme/lms.key", why,
					sizeof(why));
		ck_assert_msg(strcmp(why, cases[i].want) == 0 &&
			      rc == (cases[i].want[0] ? -1 : 0),
			      "case %zu: got %d \"%s\", want \"%s\"", i, rc,
			      why, cases[i].want);
	}
	ck_assert(fchdir(cwd) == 0);
	close(cwd);
}
END_TEST

START_TEST(test_txt)
{
	static const struct {
		const char *file;
		enum tm_dkim_alg alg;
		const char *prefix;
	} cases[] = {
		{ "rsa2048.key", TM_ALG_RSA_SHA256, "v=DKIM1; k=rsa; p=" },
		{ "ed25519.key", TM_ALG_ED25519_SHA256, "v=DKIM1; k=ed25519; p=" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[PATH_MAX], why[TM_KEY_MSG], want[1024];
		struct tm_key *key = tm_key_load(kf_at(path, sizeof(path),
						       cases[i].file),
						 cases[i].alg, why, NULL,
						 sizeof(why));
		char *txt;

		ck_assert_msg(key != NULL, "%s", why);
		txt = tm_key_txt(key);
		snprintf(want, sizeof(want), "%s%s", cases[i].prefix,
			 key->pub_b64);
		ck_assert_msg(txt && strcmp(txt, want) == 0,
			      "got \"%s\", want \"%s\"", txt, want);
		free(txt);
		tm_key_free(key);
	}
}
END_TEST

/*
 * check_zone - parse a zone-file TXT record back: the owner name, then
 * quoted strings of at most 255 bytes each whose concatenation is txt.
 */
static void
check_zone(const char *zone, const char *owner, const char *txt)
{
	size_t len = strlen(txt), n = 0, strings = 0, want_strings;
	char *got = malloc(len + 1);
	const char *p;

	ck_assert(got != NULL);
	ck_assert_msg(strncmp(zone, owner, strlen(owner)) == 0,
		      "got \"%.60s\", want it to start \"%s\"", zone, owner);
	p = zone + strlen(owner);
	ck_assert_msg(strncmp(p, " IN TXT ( ", 10) == 0, "got \"%.20s\"", p);
	p += 10;
	for (;;) {
		size_t one = 0;

		ck_assert_msg(*p == '"', "got '%c', want '\"'", *p);
		for (p++; *p != '"'; p++, one++) {
			ck_assert(*p != '\0' && *p != '\n');
			if (*p == '\\')
				p++;
			ck_assert(n < len);
			got[n++] = *p;
		}
		strings++;
		ck_assert_msg(one <= 255, "string %zu: got %zu bytes, want <= 255",
			      strings, one);
		p++;
		if (strncmp(p, "\n\t", 2) != 0)
			break;
		p += 2;
	}
	ck_assert_msg(strcmp(p, " )") == 0, "got tail \"%s\", want \" )\"", p);
	got[n] = '\0';
	ck_assert_msg(strcmp(got, txt) == 0, "got \"%s\", want \"%s\"", got,
		      txt);
	want_strings = len ? (len + 254) / 255 : 1;
	ck_assert_msg(strings == want_strings, "got %zu strings, want %zu",
		      strings, want_strings);
	free(got);
}

/* repeat - a string of n copies of c */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert(s != NULL);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

START_TEST(test_zone)
{
	static const struct {
		char c;
		size_t n;
	} fills[] = {
		{ 'a', 0 }, { 'a', 1 }, { 'a', 254 }, { 'a', 255 }, { 'a', 256 },
		{ 'a', 510 }, { 'a', 511 }, { '"', 300 }, { '\\', 600 },
	};
	static const char *keys[] = { "rsa2048.key", "fake4096.key" };
	char path[PATH_MAX], why[TM_KEY_MSG];
	size_t i;
	char *zone, *txt;

	for (i = 0; i < sizeof(fills) / sizeof(fills[0]); i++) {
		txt = repeat(fills[i].c, fills[i].n);
		zone = tm_key_txt_zone("s1", "example.com", txt);
		ck_assert(zone != NULL);
		check_zone(zone, "s1._domainkey.example.com.", txt);
		free(zone);
		free(txt);
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct tm_key *key = tm_key_load(kf_at(path, sizeof(path),
						       keys[i]),
						 TM_ALG_RSA_SHA256, why, NULL,
						 sizeof(why));

		ck_assert_msg(key != NULL, "%s", why);
		txt = tm_key_txt(key);
		zone = tm_key_txt_zone("lms2026", "acme.example.", txt);
		check_zone(zone, "lms2026._domainkey.acme.example.", txt);
		ck_assert(strncmp(zone, "lms2026._domainkey.acme.example. IN TXT "
				  "( \"v=DKIM1; k=rsa; p=MII", 60) == 0);
		free(zone);
		free(txt);
		tm_key_free(key);
	}
}
END_TEST

START_TEST(test_pub_match)
{
	char path[PATH_MAX], why[TM_KEY_MSG], buf[2048];
	struct tm_key *key = tm_key_load(kf_at(path, sizeof(path),
					       "rsa2048.key"),
					 TM_ALG_RSA_SHA256, why, NULL,
					 sizeof(why));
	struct tm_key *other = tm_key_load(kf_at(path, sizeof(path),
						 "rsa2048b.key"),
					   TM_ALG_RSA_SHA256, why, NULL,
					   sizeof(why));
	const char *p;
	size_t i, n;

	ck_assert(key != NULL && other != NULL);
	/* the same value broken by every kind of whitespace */
	for (p = key->pub_b64, n = 0, i = 0; *p; p++, i++) {
		if (i % 50 == 7)
			buf[n++] = " \t\r\n"[(i / 50) % 4];
		buf[n++] = *p;
	}
	strcpy(buf + n, " \n");
	{
		const struct {
			const char *published;
			int want;
		} cases[] = {
			{ key->pub_b64, 1 },
			{ buf, 1 },
			{ other->pub_b64, 0 },
			{ "", 0 },
			{ NULL, 0 },
			{ "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 0 },
		};

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			int got = tm_key_pub_match(key, cases[i].published);

			ck_assert_msg(got == cases[i].want,
				      "case %zu: got %d, want %d", i, got,
				      cases[i].want);
		}
	}
	/* one character more or less */
	snprintf(buf, sizeof(buf), "%sA", key->pub_b64);
	ck_assert_int_eq(tm_key_pub_match(key, buf), 0);
	snprintf(buf, sizeof(buf), "%s", key->pub_b64);
	buf[strlen(buf) - 1] = '\0';
	ck_assert_int_eq(tm_key_pub_match(key, buf), 0);
	tm_key_free(key);
	tm_key_free(other);
}
END_TEST

START_TEST(test_generate)
{
	static const struct {
		const char *file;
		enum tm_dkim_alg alg;
		int bits;		/* asked for */
		int want_bits;		/* 0: must fail */
		const char *why;
	} cases[] = {
		{ "gen/rsa.key", TM_ALG_RSA_SHA256, 2048, 2048, NULL },
		{ "gen/ed.key", TM_ALG_ED25519_SHA256, 0, 256, NULL },
		{ "gen/rsa512.key", TM_ALG_RSA_SHA256, 512, 0,
		  "key @/gen/rsa512.key: RSA key of 512 bits" },
		{ "gen/rsa8192.key", TM_ALG_RSA_SHA256, 8192, 0,
		  "key @/gen/rsa8192.key: RSA key of 8192 bits" },
		{ "nodir/k.key", TM_ALG_ED25519_SHA256, 0, 0,
		  "key @/nodir/k.key: directory @/nodir: No such file or "
		  "directory" },
		{ "rsa2048.key/k.key", TM_ALG_ED25519_SHA256, 0, 0,
		  "key @/rsa2048.key/k.key: @/rsa2048.key is not a directory" },
	};
	mode_t old_umask;
	size_t i;

	kf_make_dir("gen", 0700);
	old_umask = umask(0277);	/* the file must still come out 0600 */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[PATH_MAX], why[TM_KEY_MSG], warn[TM_KEY_MSG];
		char want[TM_KEY_MSG];
		struct tm_key *key;
		struct stat st;
		int rc;

		kf_at(path, sizeof(path), cases[i].file);
		rc = tm_key_generate(path, cases[i].alg, cases[i].bits, why,
				     sizeof(why));
		if (cases[i].want_bits == 0) {
			kf_expand(want, sizeof(want), cases[i].why);
			ck_assert_msg(rc == -1 && strstr(why, want) != NULL,
				      "%s: got %d \"%s\", want \"%s\"",
				      cases[i].file, rc, why, want);
			ck_assert(lstat(path, &st) < 0);
			continue;
		}
		ck_assert_msg(rc == 0, "%s: got \"%s\"", cases[i].file, why);
		ck_assert(stat(path, &st) == 0);
		ck_assert_msg((st.st_mode & 07777) == 0600,
			      "%s: got mode %04o, want 0600", cases[i].file,
			      (unsigned)(st.st_mode & 07777));
		key = tm_key_load(path, cases[i].alg, why, warn, sizeof(why));
		ck_assert_msg(key != NULL, "%s: %s", cases[i].file, why);
		ck_assert_int_eq(key->bits, cases[i].want_bits);
		ck_assert_str_eq(warn, "");
		tm_key_free(key);
	}
	umask(old_umask);
}
END_TEST

START_TEST(test_generate_refuses)
{
	char path[PATH_MAX], target[PATH_MAX], why[TM_KEY_MSG];
	char want[PATH_MAX + 64];
	EVP_PKEY *before, *after;
	struct stat st;

	kf_at(path, sizeof(path), "ed25519.key");
	before = kf_read_pkey("ed25519.key");
	ck_assert_int_eq(tm_key_generate(path, TM_ALG_ED25519_SHA256, 0, why,
					 sizeof(why)), -1);
	snprintf(want, sizeof(want), "%s exists; remove it first or choose "
		 "another selector", path);
	ck_assert_msg(strcmp(why, want) == 0, "got \"%s\", want \"%s\"", why,
		      want);
	after = kf_read_pkey("ed25519.key");
	ck_assert_msg(EVP_PKEY_eq(before, after) == 1, "key was overwritten");
	EVP_PKEY_free(before);
	EVP_PKEY_free(after);

	/* a dangling symlink is not followed */
	kf_at(path, sizeof(path), "dangling.key");
	kf_at(target, sizeof(target), "target.key");
	ck_assert(symlink(target, path) == 0);
	ck_assert_int_eq(tm_key_generate(path, TM_ALG_ED25519_SHA256, 0, why,
					 sizeof(why)), -1);
	ck_assert_msg(strstr(why, "exists; remove it first") != NULL,
		      "got \"%s\"", why);
	ck_assert(lstat(target, &st) < 0);
	unlink(path);
}
END_TEST

static Suite *
keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("core");

	/* one fixture directory for all: keys are generated once */
	tcase_add_unchecked_fixture(tc, kf_setup, kf_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_pub_rsa);
	tcase_add_test(tc, test_pub_ed25519);
	tcase_add_test(tc, test_pkey_same_key);
	tcase_add_test(tc, test_perms_what);
	tcase_add_test(tc, test_perms_unreadable);
	tcase_add_test(tc, test_perms_relative);
	tcase_add_test(tc, test_txt);
	tcase_add_test(tc, test_zone);
	tcase_add_test(tc, test_pub_match);
	tcase_add_test(tc, test_generate);
	tcase_add_test(tc, test_generate_refuses);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(keys_suite)
