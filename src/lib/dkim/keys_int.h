#ifndef TM_KEYS_INT_H
#define TM_KEYS_INT_H

/*
 * keys_int.h - what keys.c shares with keygen.c; not for the rest of lib/.
 */

#include <stddef.h>

#include <openssl/evp.h>

/*
 * tm_key_pkcs8_pem - the private key as unencrypted PKCS#8 PEM,
 * NUL-terminated (*lenp excludes the NUL); wipe and free with
 * tm_free_secret(p, *lenp + 1).  NULL when out of memory.
 */
unsigned char *tm_key_pkcs8_pem(EVP_PKEY *, size_t *lenp);

#endif
