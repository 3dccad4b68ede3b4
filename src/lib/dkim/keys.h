#ifndef TM_KEYS_H
#define TM_KEYS_H

/*
 * keys - DKIM private keys: permission checks, loading and validation
 * (OpenSSL 3 EVP), the public DNS record.  Generation: keygen.h.
 *
 * A key is read, parsed and validated once per configuration snapshot;
 * the parsed key (EVP_PKEY) is what sign.c signs with, from every thread,
 * so no file is read and no key parsed per message.  A key cache de-duplicates by path within one load.
 *
 * Errors come back as a sentence in a caller buffer naming the file or
 * directory at fault and the command that fixes it, e.g.
 * "key keys/acme/lms.key: mode 0644, want 0600: chmod 600 keys/acme/lms.key".
 *
 * Thread safety: loading is single-threaded; a loaded key is immutable.
 */

#include <stddef.h>

#include "conf/model.h"

struct tm_key {
	char *path;
	enum tm_dkim_alg alg;		/* what the file holds */
	int bits;			/* RSA modulus bits; 256 for Ed25519 */
	struct evp_pkey_st *pkey;	/* EVP_PKEY: private; freed (cleared) with the key */
	char *pub_b64;			/* p= value of the DNS record */
};

#define TM_KEY_MSG 512

/*
 * tm_key_check_perms - is this secret file safe to use?  The file must be
 * a regular file of mode 0600 or 0400 (no group/other bits), and no
 * directory on its path may be writable by others (unless sticky).
 * 0 ok, -1 with the reason in why.  `what` names it ("key", "password file").
 */
int tm_key_check_perms(const char *what, const char *path, char *why,
		       size_t whylen);

/*
 * tm_secret_read - a secret file's bytes (key, password), NUL-terminated,
 * at most TM_SECRET_MAX, the mode rechecked on what was opened (call
 * tm_key_check_perms first for the directories).  The buffer is
 * TM_SECRET_MAX + 1 bytes: tm_free_secret(buf, TM_SECRET_MAX + 1).
 * NULL with the reason in why.
 */
#define TM_SECRET_MAX 65536
unsigned char *tm_secret_read(const char *what, const char *path,
			      size_t *lenp, char *why, size_t whylen);

/*
 * tm_key_load - permission check, read, parse, validate against `want`
 * (TM_ALG_AUTO: either type).
 * RSA must be 1024..4096 bits; 1024..2047 load with a warning in warn.
 * Returns a new key (tm_key_free) or NULL with the reason in why.
 * warn[0] is set to '\0' when there is no warning.
 */
struct tm_key *tm_key_load(const char *path, enum tm_dkim_alg want,
			   char *why, char *warn, size_t msglen);
void tm_key_free(struct tm_key *);

/* tm_key_txt - "v=DKIM1; k=rsa; p=..." (or k=ed25519); caller frees */
char *tm_key_txt(const struct tm_key *);

/*
 * tm_key_txt_zone - zone-file form, strings split at 255 bytes:
 *   sel._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; p=MIIB..."
 *           "...rest" )
 * caller frees.
 */
char *tm_key_txt_zone(const char *selector, const char *domain,
		      const char *txt);

/* tm_key_pub_match - does a published p= value equal our key's? 1/0 */
int tm_key_pub_match(const struct tm_key *, const char *published_p);

/* A per-load cache: each path is read and parsed once. */
struct tm_keycache;
struct tm_keycache *tm_keycache_new(void);
/* tm_keycache_get - borrowed key (owned by the cache) or NULL + why */
const struct tm_key *tm_keycache_get(struct tm_keycache *, const char *path,
				     enum tm_dkim_alg want, char *why,
				     char *warn, size_t msglen);
void tm_keycache_free(struct tm_keycache *);

/* for the callers of tm_key_generate(), which moved to keygen.c */
#include "dkim/keygen.h"

#endif
