#ifndef TM_KEYGEN_H
#define TM_KEYGEN_H

/*
 * keygen - new DKIM key pairs (OpenSSL 3 EVP) written as PKCS#8 PEM files
 * of mode 0600, for `tenantctl genkey`.  The public half (the DNS record)
 * comes from loading the new file with tm_key_load() (keys.h), so what is
 * printed is what the milter will sign with.
 *
 * Errors: -1 with one sentence in the caller's buffer naming the file or
 * directory at fault.  Nothing logs; no key material leaves this file
 * except into the key file.  Thread-safe (no shared state).
 */

#include <stddef.h>
#include <sys/types.h>

#include "conf/model.h"

#define TM_KEYGEN_FORCE	0x01	/* replace an existing file (atomic rename) */

/* Who owns what tm_keygen_write and tm_keygen_mkdirs create. */
struct tm_keygen_owner {
	uid_t uid;		/* (uid_t)-1: the caller's */
	gid_t gid;		/* (gid_t)-1: the caller's */
};

/*
 * tm_keygen_alg - "rsa-2048", "rsa-3072" or "ed25519" (the names of
 * `genkey --algorithm`) into alg and bits.  0 ok, -1 unknown name.
 */
int tm_keygen_alg(const char *name, enum tm_dkim_alg *alg, int *bits);

/*
 * tm_keygen_mkdirs - create the missing directories of dir, mode 0700,
 * owned per owner (may be NULL).  Existing ones are left alone.
 */
int tm_keygen_mkdirs(const char *dir, const struct tm_keygen_owner *owner,
		     char *why, size_t whylen);

/*
 * tm_keygen_write - make a key (RSA of `bits`, or Ed25519) and write it to
 * path, mode 0600, owned per owner (may be NULL).  Without TM_KEYGEN_FORCE
 * an existing file (or symlink) is never replaced; with it the new key is
 * written beside it and renamed over it, so the path always holds a whole
 * key.  The directory must exist.
 */
int tm_keygen_write(const char *path, enum tm_dkim_alg alg, int bits,
		    unsigned flags, const struct tm_keygen_owner *owner,
		    char *why, size_t whylen);

/* tm_key_generate - tm_keygen_write without flags or owner (tests, benches) */
int tm_key_generate(const char *path, enum tm_dkim_alg alg, int bits,
		    char *why, size_t whylen);

#endif
