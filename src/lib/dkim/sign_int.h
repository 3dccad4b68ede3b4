#ifndef TM_SIGN_INT_H
#define TM_SIGN_INT_H

/*
 * sign_int - inside the signer: one DKIM-Signature from the shared
 * hashes (sigfmt.c).  Private to src/lib/dkim/.
 */

#include <stddef.h>
#include <time.h>

#include "conf/model.h"

struct evp_pkey_st;
struct evp_md_ctx_st;

/*
 * tm_sign_make - the folded DKIM-Signature value (caller frees) for the
 * body hash bh and the selected headers hashed in hdr (copied, not
 * changed); NULL with a static reason in *err.
 */
char *tm_sign_make(struct evp_pkey_st *pkey, enum tm_dkim_alg alg,
		   const char *domain, const char *selector, time_t t,
		   const char *hlist, const unsigned char *bh, size_t bhlen,
		   const struct evp_md_ctx_st *hdr, const char **err);

#endif
