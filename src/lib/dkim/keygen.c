/*
 * keygen.c - new DKIM keys written to files (keygen.h).
 *
 * Public: tm_keygen_alg(), tm_keygen_mkdirs(), tm_keygen_write(),
 * tm_key_generate().
 *
 * A key file is created with O_EXCL | O_NOFOLLOW, so an existing file or
 * a planted symlink is never written through; under TM_KEYGEN_FORCE the
 * key goes to a fresh temporary name in the same directory (O_EXCL too)
 * and is renamed over the old one.  The PEM text is wiped after writing;
 * a half-written file is removed.  Errors are one sentence in the caller's
 * buffer; nothing logs.  Thread-safe.
 */

#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "dkim/keygen.h"
#include "dkim/keys_int.h"
#include "util/strv.h"

#define RSA_BITS_MIN	1024		/* RFC 8301 section 3.2 */
#define RSA_BITS_MAX	4096

/* say - format into a caller buffer that may be NULL */
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

/* oserr - errno as text, thread-safe */
static const char *
oserr(char *buf, size_t len)
{
	int e = errno;
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
	return strerror_r(e, buf, len);
#else
	if (strerror_r(e, buf, len) != 0)
		snprintf(buf, len, "error %d", e);
	return buf;
#endif
}

/* tm_keygen_alg - genkey's algorithm names */
int
tm_keygen_alg(const char *name, enum tm_dkim_alg *alg, int *bits)
{
	if (strcmp(name, "rsa-2048") == 0 || strcmp(name, "rsa-3072") == 0) {
		*alg = TM_ALG_RSA_SHA256;
		*bits = name[4] == '2' ? 2048 : 3072;
		return 0;
	}
	if (strcmp(name, "ed25519") == 0) {
		*alg = TM_ALG_ED25519_SHA256;
		*bits = 256;
		return 0;
	}
	return -1;
}

/* own - chown per owner; 0 ok */
static int
own(int fd, const char *path, const struct tm_keygen_owner *o)
{
	if (o == NULL || (o->uid == (uid_t)-1 && o->gid == (gid_t)-1))
		return 0;
	return fd >= 0 ? fchown(fd, o->uid, o->gid) : chown(path, o->uid, o->gid);
}

/* tm_keygen_mkdirs - mkdir -p, mode 0700, owned per owner */
int
tm_keygen_mkdirs(const char *dir, const struct tm_keygen_owner *owner,
		 char *why, size_t whylen)
{
	struct stat st;
	char eb[128], *up;
	int rc;

	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		say(why, whylen, "%s is not a directory", dir);
		return -1;
	}
	if (errno != ENOENT) {
		say(why, whylen, "directory %s: %s", dir, oserr(eb, sizeof(eb)));
		return -1;
	}
	if ((up = tm_path_dir(dir)) == NULL) {
		say(why, whylen, "directory %s: out of memory", dir);
		return -1;
	}
	rc = strcmp(up, dir) == 0 ? 0 : tm_keygen_mkdirs(up, owner, why, whylen);
	free(up);
	if (rc < 0)
		return -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		say(why, whylen, "cannot create directory %s: %s", dir,
		    oserr(eb, sizeof(eb)));
		return -1;
	}
	/* the umask may have taken bits away; 0700 is what we promise */
	if (chmod(dir, 0700) < 0 || own(-1, dir, owner) < 0) {
		say(why, whylen, "directory %s: %s", dir, oserr(eb, sizeof(eb)));
		return -1;
	}
	return 0;
}

/* new_pkey - generate an RSA or Ed25519 key, or NULL with the reason */
static EVP_PKEY *
new_pkey(const char *path, enum tm_dkim_alg alg, int bits, char *why,
	 size_t whylen)
{
	EVP_PKEY *pkey;
	unsigned long e;

	if (alg == TM_ALG_RSA_SHA256 &&
	    (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX)) {
		say(why, whylen, "key %s: RSA key of %d bits; DKIM keys are "
		    "%d to %d bits (2048 recommended)", path, bits,
		    RSA_BITS_MIN, RSA_BITS_MAX);
		return NULL;
	}
	if (alg == TM_ALG_RSA_SHA256)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (pkey == NULL) {
		e = ERR_peek_last_error();
		say(why, whylen, "key %s: key generation failed: %s", path,
		    e && ERR_reason_error_string(e) ? ERR_reason_error_string(e)
		    : "unknown OpenSSL error");
	}
	ERR_clear_error();
	return pkey;
}

/* write_all - the whole buffer to fd */
static int
write_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* sync_dir - make the new directory entry durable; best effort */
static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* create - the file to write: path itself (O_EXCL) or a temporary name */
static int
create(const char *path, unsigned flags, char *tmp, size_t tmplen,
       char *why, size_t whylen)
{
	char eb[128];
	int fd;

	if (flags & TM_KEYGEN_FORCE) {
		snprintf(tmp, tmplen, "%s.new-XXXXXX", path);
		if ((fd = mkstemp(tmp)) < 0)
			say(why, whylen, "key %s: cannot create %s: %s", path,
			    tmp, oserr(eb, sizeof(eb)));
		return fd;
	}
	snprintf(tmp, tmplen, "%s", path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY |
		  O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		say(why, whylen, "%s exists; remove it first or choose "
		    "another selector", path);
	else if (fd < 0)
		say(why, whylen, "key %s: %s", path, oserr(eb, sizeof(eb)));
	return fd;
}

/* tm_keygen_write - new key to path, mode 0600 */
int
tm_keygen_write(const char *path, enum tm_dkim_alg alg, int bits,
		unsigned flags, const struct tm_keygen_owner *owner,
		char *why, size_t whylen)
{
	unsigned char *pem = NULL;
	EVP_PKEY *pkey = NULL;
	char tmp[4096 + 16], eb[128], *dir;
	size_t len = 0;
	struct stat st;
	int fd = -1, rc = -1;

	if (strlen(path) > 4096 || (dir = tm_path_dir(path)) == NULL) {
		say(why, whylen, "key %s: path too long or out of memory", path);
		return -1;
	}
	if (stat(dir, &st) < 0) {
		say(why, whylen, "key %s: directory %s: %s", path, dir,
		    oserr(eb, sizeof(eb)));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		say(why, whylen, "key %s: %s is not a directory", path, dir);
		goto out;
	}
	if (!(flags & TM_KEYGEN_FORCE) && lstat(path, &st) == 0) {
		say(why, whylen, "%s exists; remove it first or choose "
		    "another selector", path);
		goto out;
	}
	if ((pkey = new_pkey(path, alg, bits, why, whylen)) == NULL)
		goto out;
	if ((pem = tm_key_pkcs8_pem(pkey, &len)) == NULL) {
		say(why, whylen, "key %s: cannot encode the key", path);
		goto out;
	}
	if ((fd = create(path, flags, tmp, sizeof(tmp), why, whylen)) < 0)
		goto out;
	if (fchmod(fd, 0600) < 0 || own(fd, tmp, owner) < 0 ||
	    write_all(fd, pem, len) < 0 || fsync(fd) < 0)
		goto fail;
	rc = close(fd);
	fd = -1;
	if (rc < 0 || ((flags & TM_KEYGEN_FORCE) && rename(tmp, path) < 0)) {
		rc = -1;
		goto fail;
	}
	sync_dir(dir);
	rc = 0;
	goto out;
fail:
	say(why, whylen, "key %s: %s", path, oserr(eb, sizeof(eb)));
	(void)unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	if (pem)
		tm_free_secret(pem, len + 1);
	EVP_PKEY_free(pkey);
	free(dir);
	return rc;
}

/* tm_key_generate - a new key file, never replacing one */
int
tm_key_generate(const char *path, enum tm_dkim_alg alg, int bits,
		char *why, size_t whylen)
{
	return tm_keygen_write(path, alg, bits, 0, NULL, why, whylen);
}
