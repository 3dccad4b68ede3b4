/*
 * keys_fixture.c - the key directory of test_keys and test_keycache.
 *
 * kf_setup() makes, in a new mkdtemp() directory: keys generated with
 * tm_key_generate() (RSA 1024 and 2048, Ed25519), keys of the wrong type
 * or size (RSA 512, EC, Ed448, fake RSA 4096/4097/8192), other PEM forms
 * (PKCS#1, encrypted, public only), files that are no key at all, wrong
 * modes, an others-writable and a sticky directory, a directory named
 * like a key and a symbolic link.  kf_teardown() removes it all.
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
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <check.h>

#include "dkim/keys.h"
#include "keys_fixture.h"

char kf_dir[256];

/* kf_at - dir/name into buf */
const char *
kf_at(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", kf_dir, name);
	return buf;
}

/* kf_expand - tmpl with every '@' replaced by the fixture directory */
const char *
kf_expand(char *buf, size_t len, const char *tmpl)
{
	size_t n = 0, dl = strlen(kf_dir);

	for (; *tmpl && n + dl + 1 < len; tmpl++) {
		if (*tmpl == '@') {
			memcpy(buf + n, kf_dir, dl);
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
	int fd = open(kf_at(path, sizeof(path), name),
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

/* kf_read_pkey - the private key in a fixture file */
EVP_PKEY *
kf_read_pkey(const char *name)
{
	char path[PATH_MAX];
	EVP_PKEY *pkey;
	FILE *fp = fopen(kf_at(path, sizeof(path), name), "r");

	ck_assert_msg(fp != NULL, "open %s", path);
	pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	ck_assert_msg(pkey != NULL, "parse %s", path);
	return pkey;
}

/* kf_copy_key - same key, other file name and mode */
void
kf_copy_key(const char *from, const char *to, mode_t mode)
{
	EVP_PKEY *pkey = kf_read_pkey(from);
	char path[PATH_MAX];

	write_pkey(to, pkey, PEM_PKCS8);
	ck_assert(chmod(kf_at(path, sizeof(path), to), mode) == 0);
	EVP_PKEY_free(pkey);
}

/* kf_make_dir - a fixture subdirectory of this mode */
void
kf_make_dir(const char *name, mode_t mode)
{
	char path[PATH_MAX];

	ck_assert(mkdir(kf_at(path, sizeof(path), name), 0700) == 0);
	ck_assert(chmod(path, mode) == 0);
}

/* kf_setup - the fixture: one directory of good and bad key files */
void
kf_setup(void)
{
	static const char garbage[] = "-----BEGIN PRIVATE KEY-----\n"
	    "AAAAB3NzaC1yc2EAAAADAQABAAABAQC7\n-----END PRIVATE KEY-----\n";
	static const char text[] = "this is not a key\n";
	static const char openssh[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
	    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2\n"
	    "-----END OPENSSH PRIVATE KEY-----\n";
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX], link[PATH_MAX], gen_why[TM_KEY_MSG], *big;
	static const struct {
		const char *name;
		enum tm_dkim_alg alg;
		int bits;
	} gen[] = {
		{ "rsa2048.key", TM_ALG_RSA_SHA256, 2048 },
		{ "rsa2048b.key", TM_ALG_RSA_SHA256, 2048 },
		{ "ed25519b.key", TM_ALG_ED25519_SHA256, 0 },
		{ "rsa1024.key", TM_ALG_RSA_SHA256, 1024 },
		{ "ed25519.key", TM_ALG_ED25519_SHA256, 0 },
	};
	EVP_PKEY *pkey;
	size_t i;

	snprintf(kf_dir, sizeof(kf_dir), "%s/tm-keys.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	ck_assert(mkdtemp(kf_dir) != NULL);
	/* searchable for the EACCES test */
	ck_assert(chmod(kf_dir, 0755) == 0);

	for (i = 0; i < sizeof(gen) / sizeof(gen[0]); i++)
		ck_assert_msg(tm_key_generate(kf_at(path, sizeof(path), gen[i].name),
					      gen[i].alg, gen[i].bits, gen_why,
					      sizeof(gen_why)) == 0, "%s: %s",
			      gen[i].name, gen_why);

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

	pkey = kf_read_pkey("rsa2048.key");
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

	kf_copy_key("ed25519.key", "mode0644.key", 0644);
	kf_copy_key("ed25519.key", "mode0640.key", 0640);
	kf_copy_key("ed25519.key", "mode0700.key", 0700);
	kf_copy_key("ed25519.key", "mode0400.key", 0400);
	kf_make_dir("ow", 0777);
	kf_copy_key("ed25519.key", "ow/k.key", 0600);
	kf_make_dir("sticky", 01777);
	kf_copy_key("ed25519.key", "sticky/k.key", 0600);
	kf_make_dir("adir.key", 0700);
	ck_assert(symlink(kf_at(path, sizeof(path), "rsa2048.key"),
			  kf_at(link, sizeof(link), "link.key")) == 0);
}

/* rm_one - nftw callback: remove one entry */
static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* kf_teardown - remove the fixture directory */
void
kf_teardown(void)
{
	if (kf_dir[0])
		nftw(kf_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
