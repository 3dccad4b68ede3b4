#ifndef TM_SELFTEST_H
#define TM_SELFTEST_H

/*
 * selftest - the native signer checked by an independent verifier: sign
 * fixed test messages (folded headers, trailing whitespace, WSP runs,
 * empty and non-empty bodies, a body with bare LF) with a key, and have
 * libopendkim verify each against the public key derived from that
 * private key (its key-lookup callback: no DNS).  Run at every
 * configuration load, once per algorithm in use (conf_selftest.c).
 *
 * Thread safety: any thread; nothing shared (a DKIM_LIB per call).
 */

#include <stddef.h>

#include "dkim/keys.h"

/* tm_sign_selftest - 0 all verified, -1 with which message and why */
int tm_sign_selftest(const struct tm_key *, char *why, size_t whylen);

/* tm_sign_selftest_txt - the same against the given TXT record (tests:
 * another key's record must make it fail) */
int tm_sign_selftest_txt(const struct tm_key *, const char *txt, char *why,
			 size_t whylen);

#endif
