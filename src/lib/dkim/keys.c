/*
 * keys.c - DKIM private keys: permission checks, loading and validation
 * with OpenSSL 3 EVP, the public DNS record.
 *
 * Public functions: tm_key_check_perms(), tm_secret_read(), tm_key_load(),
 * tm_key_free(), tm_key_txt(), tm_key_txt_zone(), tm_key_pub_match().
 * The per-load cache is in keycache.c, generation in keygen.c.
 *
 * Errors are one sentence in the caller's buffer that names the file or
 * directory at fault and, where there is one, the command that fixes it.
 * Nothing here logs or exits.  Key material is wiped (OPENSSL_cleanse)
 * before it is freed and never copied into a message.
 *
 * The parsed EVP_PKEY is kept in the key (sign.c signs with it, shared
 * by every thread: OpenSSL 3 allows concurrent use of a key object that
 * nobody modifies), so a key file is parsed once per configuration and
 * never again per message.  EVP_PKEY_free() clears the private numbers.
 *
 * Thread safety: no shared state; OpenSSL's error queue is per thread
 * and is cleared after every failure.
 */

#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkim/keys.h"
#include "dkim/keys_int.h"
#include "dns/txtzone.h"
#include "util/strv.h"

#define KEY_FILE_MAX	TM_SECRET_MAX	/* no PEM private key is larger */
#define RSA_BITS_MIN	1024		/* RFC 8301 section 3.2 */
#define RSA_BITS_GOOD	2048
#define RSA_BITS_MAX	4096		/* verifiers need not go further */

/* say - format a message into a caller buffer that may be NULL */
static void __attribute__((format(printf, 3, 4)))
say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* errtext - strerror(), thread-safe */
static const char *
errtext(int err, char *buf, size_t len)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
	return strerror_r(err, buf, len);
#else
	if (strerror_r(err, buf, len) != 0)
		snprintf(buf, len, "error %d", err);
	return buf;
#endif
}

/* alg_name - the algorithm as written in the configuration */
static const char *
alg_name(enum tm_dkim_alg alg)
{
	return alg == TM_ALG_ED25519_SHA256 ? "ed25519-sha256" : "rsa-sha256";
}

/* alg_key - the key type an algorithm needs, with its article */
static const char *
alg_key(enum tm_dkim_alg alg)
{
	return alg == TM_ALG_ED25519_SHA256 ? "an Ed25519" : "an RSA";
}

/* ssl_reason - the last OpenSSL error as text; clears the queue */
static const char *
ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unknown OpenSSL error";
}

/* file_ok - regular file, mode 0600 or 0400 (st from stat or fstat) */
static int
file_ok(const char *what, const char *path, const struct stat *st,
	char *why, size_t whylen)
{
	unsigned mode = (unsigned)st->st_mode & 07777;

	if (!S_ISREG(st->st_mode)) {
		say(why, whylen, "%s %s: not a regular file", what, path);
		return -1;
	}
	if (mode != 0600 && mode != 0400) {
		say(why, whylen, "%s %s: mode %04o, want 0600: chmod 600 %s",
		    what, path, mode, path);
		return -1;
	}
	return 0;
}

/* dir_ok - a directory on the path must not be writable by others */
static int
dir_ok(const char *what, const char *path, const char *dir, char *why,
       size_t whylen)
{
	struct stat st;
	char eb[128];

	if (stat(dir, &st) < 0) {
		say(why, whylen, "%s %s: directory %s: %s", what, path, dir,
		    errtext(errno, eb, sizeof(eb)));
		return -1;
	}
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		say(why, whylen, "%s %s: directory %s is writable by others: "
		    "chmod o-w %s", what, path, dir, dir);
		return -1;
	}
	return 0;
}

/*
 * dirs_ok - every directory on the path: first the components as
 * written (a symlinked component lives in one of them, and whoever can
 * write there can replace it), then every ancestor of the real file.
 */
static int
dirs_ok(const char *what, const char *path, char *why, size_t whylen)
{
	char *dir = tm_path_dir(path), *up, *real = NULL, *slash;
	char eb[128];
	int rc = -1;

	if (dir == NULL)
		goto oom;
	while (strcmp(dir, ".") != 0 && strcmp(dir, "/") != 0) {
		if (dir_ok(what, path, dir, why, whylen) < 0)
			goto out;
		if ((up = tm_path_dir(dir)) == NULL)
			goto oom;
		free(dir);
		dir = up;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		say(why, whylen, "%s %s: %s", what, path,
		    errtext(errno, eb, sizeof(eb)));
		goto out;
	}
	while ((slash = strrchr(real, '/')) != NULL) {
		slash[slash == real] = '\0';	/* keep "/" itself */
		if (dir_ok(what, path, real, why, whylen) < 0)
			goto out;
		if (slash == real)
			break;
	}
	rc = 0;
	goto out;
oom:
	say(why, whylen, "%s %s: out of memory", what, path);
out:
	free(real);
	free(dir);
	return rc;
}

/* tm_key_check_perms - the file, then every directory above it */
int
tm_key_check_perms(const char *what, const char *path, char *why,
		   size_t whylen)
{
	struct stat st;
	char eb[128];
	int fd;

	if (stat(path, &st) < 0) {
		say(why, whylen, "%s %s: %s", what, path,
		    errtext(errno, eb, sizeof(eb)));
		return -1;
	}
	if (file_ok(what, path, &st, why, whylen) < 0)
		return -1;
	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) < 0) {
		if (errno == EACCES)
			say(why, whylen, "%s %s: not readable by uid %lu (the "
			    "file belongs to uid %lu): chown it to the user "
			    "tenant-milter runs as", what, path,
			    (unsigned long)geteuid(), (unsigned long)st.st_uid);
		else
			say(why, whylen, "%s %s: %s", what, path,
			    errtext(errno, eb, sizeof(eb)));
		return -1;
	}
	close(fd);
	return dirs_ok(what, path, why, whylen);
}

/*
 * tm_secret_read - the file's bytes, NUL-terminated, at most KEY_FILE_MAX,
 * rechecking the mode of what was opened.  The buffer is TM_SECRET_MAX + 1
 * bytes: wipe and free all of it (tm_free_secret).  `what` names the file
 * in errors ("key", "password file").
 */
unsigned char *
tm_secret_read(const char *what, const char *path, size_t *lenp, char *why,
	       size_t whylen)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	char eb[128];
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) < 0) {
		say(why, whylen, "%s %s: %s", what, path,
		    errtext(errno, eb, sizeof(eb)));
		return NULL;
	}
	/* the file checked may have been replaced since: check what we read */
	if (fstat(fd, &st) < 0) {
		say(why, whylen, "%s %s: %s", what, path,
		    errtext(errno, eb, sizeof(eb)));
		goto fail;
	}
	if (file_ok(what, path, &st, why, whylen) < 0)
		goto fail;
	if (st.st_size > KEY_FILE_MAX)
		goto big;
	if ((buf = malloc(KEY_FILE_MAX + 1)) == NULL) {
		say(why, whylen, "%s %s: out of memory", what, path);
		goto fail;
	}
	while (len < KEY_FILE_MAX + 1) {
		n = read(fd, buf + len, KEY_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			say(why, whylen, "%s %s: %s", what, path,
			    errtext(errno, eb, sizeof(eb)));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > KEY_FILE_MAX)
		goto big;
	buf[len] = '\0';
	close(fd);
	*lenp = len;
	return buf;
big:
	say(why, whylen, "%s %s: larger than %d bytes", what, path,
	    KEY_FILE_MAX);
fail:
	tm_free_secret(buf, KEY_FILE_MAX + 1);
	close(fd);
	return NULL;
}

/* no_password - PEM password callback: never prompt, note the attempt */
static int
no_password(char *buf, int size, int rwflag, void *u)
{
	*(int *)u = 1;
	return 0;
}

/* has - does the file's text contain s? (it may hold NUL bytes) */
static int
has(const unsigned char *buf, size_t len, const char *s)
{
	return memmem(buf, len, s, strlen(s)) != NULL;
}

/* parse_pem - the private key in buf, or NULL with the reason */
static EVP_PKEY *
parse_pem(const char *path, const unsigned char *buf, size_t len,
	  char *why, size_t whylen)
{
	EVP_PKEY *pkey;
	BIO *bio;
	int asked = 0;

	if (len == 0) {
		say(why, whylen, "key %s: empty file", path);
		return NULL;
	}
	if (has(buf, len, "ENCRYPTED PRIVATE KEY-----") ||
	    has(buf, len, "Proc-Type: 4,ENCRYPTED")) {
		say(why, whylen, "key %s: is encrypted; DKIM keys must be "
		    "unencrypted", path);
		return NULL;
	}
	if (has(buf, len, "-----BEGIN OPENSSH PRIVATE KEY-----")) {
		say(why, whylen, "key %s: is in OpenSSH format; DKIM keys must "
		    "be PEM (tenantctl genkey makes one)", path);
		return NULL;
	}
	if (!has(buf, len, "PRIVATE KEY-----")) {
		if (has(buf, len, "-----BEGIN "))
			say(why, whylen, "key %s: holds no private key (a public "
			    "key or certificate?)", path);
		else
			say(why, whylen, "key %s: not a PEM private key (no "
			    "\"-----BEGIN PRIVATE KEY-----\")", path);
		return NULL;
	}
	if (len > INT_MAX || (bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		say(why, whylen, "key %s: out of memory", path);
		return NULL;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password, &asked);
	BIO_free(bio);
	if (pkey == NULL && asked) {
		ERR_clear_error();
		say(why, whylen, "key %s: is encrypted; DKIM keys must be "
		    "unencrypted", path);
	} else if (pkey == NULL) {
		say(why, whylen, "key %s: cannot parse the private key "
		    "(damaged PEM?): %s", path, ssl_reason());
	}
	return pkey;
}

/*
 * check_type - RSA of 1024..4096 bits or Ed25519, and what `want` needs.
 * 1024..2047 bits load with a warning (RFC 8301: signers SHOULD use 2048).
 */
static int
check_type(const char *path, EVP_PKEY *pkey, enum tm_dkim_alg want,
	   enum tm_dkim_alg *algp, int *bitsp, char *why, char *warn,
	   size_t msglen)
{
	const char *type;
	int bits;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		*algp = TM_ALG_RSA_SHA256;
		bits = EVP_PKEY_get_bits(pkey);
		break;
	case EVP_PKEY_ED25519:
		*algp = TM_ALG_ED25519_SHA256;
		bits = 256;
		break;
	default:
		type = EVP_PKEY_get0_type_name(pkey);
		say(why, msglen, "key %s: holds a key of type %s; DKIM keys "
		    "are RSA or Ed25519", path, type ? type : "unknown");
		return -1;
	}
	if (want != TM_ALG_AUTO && *algp != want) {
		say(why, msglen, "key %s: holds %s key but algorithm is %s",
		    path, alg_key(*algp), alg_name(want));
		return -1;
	}
	if (*algp == TM_ALG_RSA_SHA256 &&
	    (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX)) {
		say(why, msglen, "key %s: RSA key of %d bits; DKIM keys are "
		    "%d to %d bits (%d recommended)", path, bits,
		    RSA_BITS_MIN, RSA_BITS_MAX, RSA_BITS_GOOD);
		return -1;
	}
	if (*algp == TM_ALG_RSA_SHA256 && bits < RSA_BITS_GOOD)
		say(warn, msglen, "key %s: RSA key of %d bits is weak; use %d",
		    path, bits, RSA_BITS_GOOD);
	*bitsp = bits;
	return 0;
}

/* base64 - one-line base64 of len bytes; caller frees */
static char *
base64(const unsigned char *in, size_t len)
{
	char *out;

	if (len > INT_MAX / 2 || (out = malloc(4 * ((len + 2) / 3) + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

/*
 * pub_b64 - the DNS p= value: for RSA the DER SubjectPublicKeyInfo
 * (RFC 6376 section 3.6.1), for Ed25519 the raw 32-byte public key
 * (RFC 8463 section 4).  Caller frees.
 */
static char *
pub_b64(EVP_PKEY *pkey, enum tm_dkim_alg alg)
{
	unsigned char raw[32], *der = NULL, *p;
	size_t rawlen = sizeof(raw);
	char *out;
	int n;

	if (alg == TM_ALG_ED25519_SHA256) {
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1)
			return NULL;
		return base64(raw, rawlen);
	}
	if ((n = i2d_PUBKEY(pkey, NULL)) <= 0 ||
	    (der = malloc((size_t)n)) == NULL)
		return NULL;
	p = der;
	if (i2d_PUBKEY(pkey, &p) != n) {
		free(der);
		return NULL;
	}
	out = base64(der, (size_t)n);
	free(der);
	return out;
}

/*
 * tm_key_pkcs8_pem - the private key as unencrypted PKCS#8 PEM, NUL-terminated;
 * wipe and free (tm_free_secret(*lenp + 1)).  The memory BIO's buffer is
 * cleansed by OpenSSL when the BIO is freed (BUF_MEM_free).
 */
unsigned char *
tm_key_pkcs8_pem(EVP_PKEY *pkey, size_t *lenp)
{
	unsigned char *out = NULL;
	char *data;
	long n;
	BIO *bio;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) &&
	    (n = BIO_get_mem_data(bio, &data)) > 0 &&
	    (out = malloc((size_t)n + 1)) != NULL) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0';
		*lenp = (size_t)n;
	}
	BIO_free(bio);
	ERR_clear_error();
	return out;
}

/* tm_key_load - check, read, parse, validate; caller frees (tm_key_free) */
struct tm_key *
tm_key_load(const char *path, enum tm_dkim_alg want, char *why, char *warn,
	    size_t msglen)
{
	struct tm_key *key = NULL;
	EVP_PKEY *pkey = NULL;
	unsigned char *buf;
	enum tm_dkim_alg alg;
	size_t len = 0;
	int bits = 0;

	say(why, msglen, "%s", "");
	say(warn, msglen, "%s", "");
	if (tm_key_check_perms("key", path, why, msglen) < 0)
		return NULL;
	if ((buf = tm_secret_read("key", path, &len, why, msglen)) == NULL)
		return NULL;
	pkey = parse_pem(path, buf, len, why, msglen);
	tm_free_secret(buf, KEY_FILE_MAX + 1);
	if (pkey == NULL)
		return NULL;
	if (check_type(path, pkey, want, &alg, &bits, why, warn, msglen) < 0)
		goto out;
	if ((key = calloc(1, sizeof(*key))) == NULL)
		goto oom;
	key->alg = alg;
	key->bits = bits;
	if ((key->path = strdup(path)) == NULL ||
	    (key->pub_b64 = pub_b64(pkey, alg)) == NULL)
		goto oom;
	key->pkey = pkey;		/* the key owns it now */
	pkey = NULL;
	goto out;
oom:
	say(why, msglen, "key %s: out of memory", path);
	tm_key_free(key);
	key = NULL;
out:
	ERR_clear_error();
	EVP_PKEY_free(pkey);
	return key;
}

/* tm_key_free - wipe the private part, release everything */
void
tm_key_free(struct tm_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);	/* clears the private numbers */
	free(key->pub_b64);
	free(key->path);
	free(key);
}

/* tm_key_txt - "v=DKIM1; k=rsa; p=..." (RFC 6376 3.6.1); caller frees */
char *
tm_key_txt(const struct tm_key *key)
{
	char *txt;

	if (asprintf(&txt, "v=DKIM1; k=%s; p=%s",
		     key->alg == TM_ALG_ED25519_SHA256 ? "ed25519" : "rsa",
		     key->pub_b64) < 0)
		return NULL;
	return txt;
}

/* tm_key_txt_zone - selector._domainkey.domain. IN TXT ( ... ); caller frees */
char *
tm_key_txt_zone(const char *selector, const char *domain, const char *txt)
{
	char *owner, *out;

	if (asprintf(&owner, "%s._domainkey.%s", selector, domain) < 0)
		return NULL;
	out = tm_dns_txt_zone(owner, txt);
	free(owner);
	return out;
}

/* tm_key_pub_match - our p= against a published one, whitespace ignored */
int
tm_key_pub_match(const struct tm_key *key, const char *published_p)
{
	const char *a = key->pub_b64, *b = published_p;

	if (b == NULL)
		return 0;
	for (;;) {
		while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
			b++;
		if (*a != *b)
			return 0;
		if (*a == '\0')
			return 1;
		a++;
		b++;
	}
}
