#ifndef TM_KEYS_FIXTURE_H
#define TM_KEYS_FIXTURE_H

/*
 * keys_fixture - the key files shared by test_keys and test_keycache: one
 * mkdtemp() directory of good and bad keys, made at test time, never
 * committed.  Out-of-range RSA sizes are built from fake parameters (the
 * loader checks sizes, not primes), so no slow 8192-bit generation runs.
 *
 * Use as a Check unchecked fixture (kf_setup, kf_teardown): the keys are
 * made once per test case.  The helpers fail the running test through
 * ck_assert on any error.
 */

#include <stddef.h>
#include <sys/types.h>

#include <openssl/evp.h>

extern char kf_dir[256];		/* the fixture's key directory */

/* kf_at - kf_dir/name into buf; returns buf */
const char *kf_at(char *buf, size_t len, const char *name);

/* kf_expand - tmpl with every '@' replaced by kf_dir; returns buf */
const char *kf_expand(char *buf, size_t len, const char *tmpl);

/* kf_read_pkey - the private key in a fixture file; the caller frees it */
EVP_PKEY *kf_read_pkey(const char *name);

/* kf_copy_key - same key, other file name and mode */
void kf_copy_key(const char *from, const char *to, mode_t mode);

/* kf_make_dir - a fixture subdirectory of this mode */
void kf_make_dir(const char *name, mode_t mode);

/* kf_setup - the fixture: one directory of good and bad key files */
void kf_setup(void);

/* kf_teardown - remove the fixture directory */
void kf_teardown(void);

#endif
