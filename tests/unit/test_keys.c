/*
 * test_keys.c - DKIM keys: permissions, loading and validation, DNS
 * records, generation, the key cache, and signing with libopendkim.
 *
 * Every key is made at test time in a mkdtemp() directory (fixture), never
 * committed.  Out-of-range RSA sizes are built from fake parameters (the
 * loader checks sizes, not primes), so no slow 8192-bit generation runs.
 */

#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <dkim.h>

#include "keys.h"
#include "unit.h"

/*
 * libopendkim 2.11.0~beta2 leaks the EVP_PKEY it parses for every Ed25519
 * signature (dkim_free() does not free it).  Under AddressSanitizer, that
 * one signing call is exempt from leak checking; nothing else is.
 */
#if defined(__SANITIZE_ADDRESS__)
#define TM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TM_ASAN 1
#endif
#endif
#ifdef TM_ASAN
#include <sanitizer/lsan_interface.h>
#define UPSTREAM_LEAK_BEGIN(cond)	do { if (cond) __lsan_disable(); } while (0)
#define UPSTREAM_LEAK_END(cond)		do { if (cond) __lsan_enable(); } while (0)
#else
#define UPSTREAM_LEAK_BEGIN(cond)	do { } while (0)
#define UPSTREAM_LEAK_END(cond)		do { } while (0)
#endif

static char dir[256];			/* the fixture's key directory */

/* at - dir/name into buf */
static const char *
at(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

/* expand - tmpl with every '@' replaced by the fixture directory */
static const char *
expand(char *buf, size_t len, const char *tmpl)
{
	size_t n = 0, dl = strlen(dir);

	for (; *tmpl && n + dl + 1 < len; tmpl++) {
		if (*tmpl == '@') {
			memcpy(buf + n, dir, dl);
			n += dl;
		} else {
			buf[n++] = *tmpl;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* write_file - a new file of exactly this mode */
static void
write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	char path[PATH_MAX];
	int fd = open(at(path, sizeof(path), name),
		      O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert(write(fd, data, len) == (ssize_t)len);
	ck_assert(fchmod(fd, mode) == 0);
	close(fd);
}

enum pem_form { PEM_PKCS8, PEM_TRAD, PEM_ENC_PKCS8, PEM_ENC_TRAD, PEM_PUB };

/* write_pkey - a key file (mode 0600) in one of the PEM forms */
static void
write_pkey(const char *name, EVP_PKEY *pkey, enum pem_form form)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int ok = 0;

	ck_assert(bio != NULL && pkey != NULL);
	switch (form) {
	case PEM_PKCS8:
		ok = PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
		break;
	case PEM_TRAD:
		ok = PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL, NULL,
							  0, NULL, NULL);
		break;
	case PEM_ENC_PKCS8:
		ok = PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(),
						   NULL, 0, NULL, "secret");
		break;
	case PEM_ENC_TRAD:
		ok = PEM_write_bio_PrivateKey_traditional(bio, pkey,
			EVP_aes_256_cbc(), (unsigned char *)"secret", 6, NULL,
			NULL);
		break;
	case PEM_PUB:
		ok = PEM_write_bio_PUBKEY(bio, pkey);
		break;
	}
	ck_assert_msg(ok, "writing %s", name);
	n = BIO_get_mem_data(bio, &data);
	write_file(name, data, (size_t)n, 0600);
	BIO_free(bio);
}

/*
 * fake_rsa - an "RSA key" of any size with made-up parameters: enough
 * for PEM and for a size check, useless for signing.
 */
static EVP_PKEY *
fake_rsa(int bits)
{
	BIGNUM *n = BN_new(), *e = BN_new(), *small = BN_new();
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params;

	ck_assert(n && e && small && b && ctx);
	BN_set_bit(n, bits - 1);
	BN_set_bit(n, 0);
	BN_set_word(e, 65537);
	BN_set_word(small, 3);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_D, small);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR1, small);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR2, small);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, small);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, small);
	OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, small);
	params = OSSL_PARAM_BLD_to_param(b);
	ck_assert(params != NULL);
	ck_assert(EVP_PKEY_fromdata_init(ctx) == 1);
	ck_assert(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) == 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	BN_free(small);
	return pkey;
}

/* read_pkey - the private key in a fixture file */
static EVP_PKEY *
read_pkey(const char *name)
{
	char path[PATH_MAX];
	EVP_PKEY *pkey;
	FILE *fp = fopen(at(path, sizeof(path), name), "r");

	ck_assert_msg(fp != NULL, "open %s", path);
	pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	ck_assert_msg(pkey != NULL, "parse %s", path);
	return pkey;
}

/* copy_key - same key, other file name and mode */
static void
copy_key(const char *from, const char *to, mode_t mode)
{
	EVP_PKEY *pkey = read_pkey(from);
	char path[PATH_MAX];

	write_pkey(to, pkey, PEM_PKCS8);
	ck_assert(chmod(at(path, sizeof(path), to), mode) == 0);
	EVP_PKEY_free(pkey);
}

/* make_dir - a fixture subdirectory of this mode */
static void
make_dir(const char *name, mode_t mode)
{
	char path[PATH_MAX];

	ck_assert(mkdir(at(path, sizeof(path), name), 0700) == 0);
	ck_assert(chmod(path, mode) == 0);
}

/* setup - the fixture: one directory of good and bad key files */
static void
setup(void)
{
	static const char garbage[] = "-----BEGIN PRIVATE KEY-----\n"
	    "AAAAB3NzaC1yc2EAAAADAQABAAABAQC7\n-----END PRIVATE KEY-----\n";
	static const char text[] = "this is not a key\n";
	static const char openssh[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
	    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2\n"
	    "-----END OPENSSH PRIVATE KEY-----\n";
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX], link[PATH_MAX], gen_why[TM_KEY_MSG], *big;
	EVP_PKEY *pkey;

	snprintf(dir, sizeof(dir), "%s/tm-keys.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	ck_assert(mkdtemp(dir) != NULL);
	ck_assert(chmod(dir, 0755) == 0);	/* searchable for the EACCES test */

	ck_assert_msg(tm_key_generate(at(path, sizeof(path), "rsa2048.key"),
				      TM_ALG_RSA_SHA256, 2048, gen_why,
				      sizeof(gen_why)) == 0, "%s", gen_why);
	ck_assert_msg(tm_key_generate(at(path, sizeof(path), "rsa2048b.key"),
				      TM_ALG_RSA_SHA256, 2048, gen_why,
				      sizeof(gen_why)) == 0, "%s", gen_why);
	ck_assert_msg(tm_key_generate(at(path, sizeof(path), "ed25519b.key"),
				      TM_ALG_ED25519_SHA256, 0, gen_why,
				      sizeof(gen_why)) == 0, "%s", gen_why);
	ck_assert_msg(tm_key_generate(at(path, sizeof(path), "rsa1024.key"),
				      TM_ALG_RSA_SHA256, 1024, gen_why,
				      sizeof(gen_why)) == 0, "%s", gen_why);
	ck_assert_msg(tm_key_generate(at(path, sizeof(path), "ed25519.key"),
				      TM_ALG_ED25519_SHA256, 0, gen_why,
				      sizeof(gen_why)) == 0, "%s", gen_why);

	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	write_pkey("rsa512.key", pkey, PEM_PKCS8);
	write_pkey("enctrad.key", pkey, PEM_ENC_TRAD);
	EVP_PKEY_free(pkey);
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	write_pkey("ec.key", pkey, PEM_PKCS8);
	EVP_PKEY_free(pkey);
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	write_pkey("ed448.key", pkey, PEM_PKCS8);
	EVP_PKEY_free(pkey);
	pkey = fake_rsa(4096);
	write_pkey("fake4096.key", pkey, PEM_PKCS8);
	EVP_PKEY_free(pkey);
	pkey = fake_rsa(4097);
	write_pkey("fake4097.key", pkey, PEM_PKCS8);
	EVP_PKEY_free(pkey);
	pkey = fake_rsa(8192);
	write_pkey("fake8192.key", pkey, PEM_PKCS8);
	EVP_PKEY_free(pkey);

	pkey = read_pkey("rsa2048.key");
	write_pkey("pkcs1.key", pkey, PEM_TRAD);
	write_pkey("enc8.key", pkey, PEM_ENC_PKCS8);
	write_pkey("pub.key", pkey, PEM_PUB);
	EVP_PKEY_free(pkey);

	write_file("garbage.key", garbage, sizeof(garbage) - 1, 0600);
	write_file("text.key", text, sizeof(text) - 1, 0600);
	write_file("openssh.key", openssh, sizeof(openssh) - 1, 0600);
	write_file("empty.key", "", 0, 0600);
	big = malloc(70000);
	ck_assert(big != NULL);
	memset(big, 'A', 70000);
	write_file("big.key", big, 70000, 0600);
	free(big);

	copy_key("ed25519.key", "mode0644.key", 0644);
	copy_key("ed25519.key", "mode0640.key", 0640);
	copy_key("ed25519.key", "mode0700.key", 0700);
	copy_key("ed25519.key", "mode0400.key", 0400);
	make_dir("ow", 0777);
	copy_key("ed25519.key", "ow/k.key", 0600);
	make_dir("sticky", 01777);
	copy_key("ed25519.key", "sticky/k.key", 0600);
	make_dir("adir.key", 0700);
	ck_assert(symlink(at(path, sizeof(path), "rsa2048.key"),
			  at(link, sizeof(link), "link.key")) == 0);
}

/* rm_one - nftw callback: remove one entry */
static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* teardown - remove the fixture directory */
static void
teardown(void)
{
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

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
		key = tm_key_load(at(path, sizeof(path), cases[i].file),
				  cases[i].want, why, warn, sizeof(why));
		if (cases[i].bits == 0) {
			expand(want, sizeof(want), cases[i].why);
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
		expand(want, sizeof(want), cases[i].warn ? cases[i].warn : "");
		ck_assert_msg(strcmp(warn, want) == 0,
			      "%s: got warning \"%s\", want \"%s\"",
			      cases[i].file, warn, want);
		ck_assert(key->pub_b64 != NULL && key->pub_b64[0] != '\0');
		ck_assert_msg(strncmp((char *)key->sign_bytes,
				      "-----BEGIN PRIVATE KEY-----\n", 28) == 0,
			      "%s: sign_bytes not PKCS#8 PEM", cases[i].file);
		ck_assert_uint_eq(key->sign_len,
				  strlen((char *)key->sign_bytes));
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
	struct tm_key *key = tm_key_load(at(path, sizeof(path), "rsa2048.key"),
					 TM_ALG_RSA_SHA256, why, NULL,
					 sizeof(why));
	EVP_PKEY *priv = read_pkey("rsa2048.key"), *pub;
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
	struct tm_key *key = tm_key_load(at(path, sizeof(path), "ed25519.key"),
					 TM_ALG_ED25519_SHA256, why, NULL,
					 sizeof(why));
	EVP_PKEY *priv = read_pkey("ed25519.key");
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

START_TEST(test_sign_bytes_same_key)
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
		struct tm_key *key = tm_key_load(at(path, sizeof(path),
						    cases[i].file),
						 cases[i].alg, why, NULL,
						 sizeof(why));
		EVP_PKEY *file = read_pkey(cases[i].file), *mem;
		BIO *bio;

		ck_assert_msg(key != NULL, "%s", why);
		bio = BIO_new_mem_buf(key->sign_bytes, (int)key->sign_len);
		mem = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		ck_assert_msg(mem != NULL, "%s: sign_bytes do not parse",
			      cases[i].file);
		ck_assert_msg(EVP_PKEY_eq(mem, file) == 1,
			      "%s: sign_bytes hold another key", cases[i].file);
		EVP_PKEY_free(mem);
		EVP_PKEY_free(file);
		BIO_free(bio);
		tm_key_free(key);
	}
}
END_TEST

START_TEST(test_perms_what)
{
	char path[PATH_MAX], why[TM_KEY_MSG], want[TM_KEY_MSG];

	ck_assert_int_eq(tm_key_check_perms("password file",
					    at(path, sizeof(path),
					       "mode0644.key"),
					    why, sizeof(why)), -1);
	expand(want, sizeof(want), "password file @/mode0644.key: mode 0644, "
	       "want 0600: chmod 600 @/mode0644.key");
	ck_assert_msg(strcmp(why, want) == 0, "got \"%s\", want \"%s\"", why,
		      want);
	ck_assert_int_eq(tm_key_check_perms("key", at(path, sizeof(path),
						      "mode0400.key"),
					    why, sizeof(why)), 0);
	ck_assert_int_eq(tm_key_check_perms("key", at(path, sizeof(path),
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
	at(path, sizeof(path), "rsa2048.key");
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
	make_dir("rel", 0755);
	make_dir("rel/keys", 0755);
	make_dir("rel/keys/acme", 0755);
	ck_assert(chdir(dir) == 0 && chdir("rel") == 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		if (cases[i].key_exists && access("keys/acme/lms.key", F_OK) < 0)
			copy_key("ed25519.key", "rel/keys/acme/lms.key", 0600);
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
		struct tm_key *key = tm_key_load(at(path, sizeof(path),
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
		struct tm_key *key = tm_key_load(at(path, sizeof(path), keys[i]),
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
	struct tm_key *key = tm_key_load(at(path, sizeof(path), "rsa2048.key"),
					 TM_ALG_RSA_SHA256, why, NULL,
					 sizeof(why));
	struct tm_key *other = tm_key_load(at(path, sizeof(path),
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

	make_dir("gen", 0700);
	old_umask = umask(0277);	/* the file must still come out 0600 */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[PATH_MAX], why[TM_KEY_MSG], warn[TM_KEY_MSG];
		char want[TM_KEY_MSG];
		struct tm_key *key;
		struct stat st;
		int rc;

		at(path, sizeof(path), cases[i].file);
		rc = tm_key_generate(path, cases[i].alg, cases[i].bits, why,
				     sizeof(why));
		if (cases[i].want_bits == 0) {
			expand(want, sizeof(want), cases[i].why);
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

	at(path, sizeof(path), "ed25519.key");
	before = read_pkey("ed25519.key");
	ck_assert_int_eq(tm_key_generate(path, TM_ALG_ED25519_SHA256, 0, why,
					 sizeof(why)), -1);
	snprintf(want, sizeof(want), "%s exists; remove it first or choose "
		 "another selector", path);
	ck_assert_msg(strcmp(why, want) == 0, "got \"%s\", want \"%s\"", why,
		      want);
	after = read_pkey("ed25519.key");
	ck_assert_msg(EVP_PKEY_eq(before, after) == 1, "key was overwritten");
	EVP_PKEY_free(before);
	EVP_PKEY_free(after);

	/* a dangling symlink is not followed */
	at(path, sizeof(path), "dangling.key");
	at(target, sizeof(target), "target.key");
	ck_assert(symlink(target, path) == 0);
	ck_assert_int_eq(tm_key_generate(path, TM_ALG_ED25519_SHA256, 0, why,
					 sizeof(why)), -1);
	ck_assert_msg(strstr(why, "exists; remove it first") != NULL,
		      "got \"%s\"", why);
	ck_assert(lstat(target, &st) < 0);
	unlink(path);
}
END_TEST

START_TEST(test_cache)
{
	struct tm_keycache *kc = tm_keycache_new();
	char path[PATH_MAX], why[TM_KEY_MSG], warn[TM_KEY_MSG];
	char first[TM_KEY_MSG], want[TM_KEY_MSG];
	const struct tm_key *a, *b;
	int round;

	ck_assert(kc != NULL);
	/* the same key object, twice, with its warning replayed */
	at(path, sizeof(path), "rsa1024.key");
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
	at(path, sizeof(path), "mode0644.key");
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
	at(path, sizeof(path), "ed25519.key");
	expand(want, sizeof(want), "key @/ed25519.key: holds an Ed25519 key "
	       "but algorithm is rsa-sha256");
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
			snprintf(path, sizeof(path), "%s/none/%06d.key", dir, i);
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

/*
 * Sign with libopendkim using sign_bytes, verify with libopendkim against
 * tm_key_txt(): proves sign_bytes is what dkim_sign() takes and that the
 * p= we publish belongs to it.  A TXT of another key must fail.
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
		u_char *sig;
		size_t siglen;
		char *txt, *other_txt;
		int pass;

		ck_assert(lib != NULL);
		key = tm_key_load(at(path, sizeof(path), cases[i].file),
				  cases[i].alg, why, NULL, sizeof(why));
		ck_assert_msg(key != NULL, "%s", why);
		other = tm_key_load(at(path, sizeof(path), cases[i].other),
				    cases[i].alg, why, NULL, sizeof(why));
		ck_assert_msg(other != NULL, "%s", why);
		d = dkim_sign(lib, (u_char *)"test", NULL,
			      (dkim_sigkey_t)key->sign_bytes,
			      (u_char *)"sel", (u_char *)"acme.example",
			      DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
			      cases[i].dkim_alg, -1, &st);
		ck_assert_msg(d != NULL && st == DKIM_STAT_OK,
			      "%s: dkim_sign: got %d", cases[i].file, st);
		UPSTREAM_LEAK_BEGIN(cases[i].alg == TM_ALG_ED25519_SHA256);
		st = feed(d, NULL);
		UPSTREAM_LEAK_END(cases[i].alg == TM_ALG_ED25519_SHA256);
		ck_assert_msg(st == DKIM_STAT_OK, "%s: dkim_eom: got %d (%s)",
			      cases[i].file, st, dkim_geterror(d));
		st = dkim_getsighdr_d(d, strlen("DKIM-Signature: "), &sig,
				      &siglen);
		ck_assert_int_eq(st, DKIM_STAT_OK);
		ck_assert_msg(strstr((char *)sig, cases[i].a_tag) != NULL,
			      "%s: got \"%s\", want %s", cases[i].file,
			      (char *)sig, cases[i].a_tag);
		snprintf(hdr, sizeof(hdr), "DKIM-Signature: %s", (char *)sig);
		dkim_free(d);

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
keys_suite(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("core");

	/* one fixture directory for all: keys are generated once */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_pub_rsa);
	tcase_add_test(tc, test_pub_ed25519);
	tcase_add_test(tc, test_sign_bytes_same_key);
	tcase_add_test(tc, test_perms_what);
	tcase_add_test(tc, test_perms_unreadable);
	tcase_add_test(tc, test_perms_relative);
	tcase_add_test(tc, test_txt);
	tcase_add_test(tc, test_zone);
	tcase_add_test(tc, test_pub_match);
	tcase_add_test(tc, test_generate);
	tcase_add_test(tc, test_generate_refuses);
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_cache_many);
	tcase_add_test(tc, test_opendkim_sign);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(keys_suite)
