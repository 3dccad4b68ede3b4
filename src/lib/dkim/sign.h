#ifndef TM_SIGN_H
#define TM_SIGN_H

/*
 * sign - DKIM signatures of one message, native (sign.c, canon.c,
 * sigfmt.c on OpenSSL 3 EVP): fed the headers as the message will leave
 * and the body in chunks as it arrives; the body is hashed once for all
 * signatures.  relaxed/relaxed, From oversigned, a fixed list of headers
 * worth signing (never Received or Return-Path), t=, no l=.
 *
 * tm_sign_init() once per process before any thread signs (it fetches
 * the digest).  The keys (struct tm_key's EVP_PKEY) are shared by every
 * thread; a signer belongs to one message (one thread at a time).
 */

#include <stddef.h>

#include "conf/model.h"

struct tm_signer;

/* tm_sign_init - the process-wide library handle; 0 ok, -1 failed */
int tm_sign_init(void);
void tm_sign_fini(void);

/*
 * tm_signer_new - start the signatures (sigs borrowed: valid while the
 * snapshot is held).  NULL with the reason in why.
 */
struct tm_signer *tm_signer_new(const char *job_id,
				const struct tm_dkim *const *sigs, size_t n,
				char *why, size_t whylen);
/* Feeding: 0 ok, -1 with the reason in why. */
int tm_signer_header(struct tm_signer *, const char *name, const char *value,
		     char *why, size_t whylen);
int tm_signer_eoh(struct tm_signer *, char *why, size_t whylen);
int tm_signer_body(struct tm_signer *, const unsigned char *buf, size_t len,
		   char *why, size_t whylen);
/* tm_signer_eom - finish every signature; 0 ok, -1 with why */
int tm_signer_eom(struct tm_signer *, char *why, size_t whylen);
/* After eom: the DKIM-Signature values, folded with "\n\t"; borrowed. */
size_t tm_signer_count(const struct tm_signer *);
const char *tm_signer_value(const struct tm_signer *, size_t i);
void tm_signer_free(struct tm_signer *);

/* The name of the header every signature is added as. */
#define TM_SIGN_HEADER "DKIM-Signature"

#endif
