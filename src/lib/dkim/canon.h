#ifndef TM_CANON_H
#define TM_CANON_H

/*
 * canon - RFC 6376 "relaxed" canonicalization (section 3.4.2 headers,
 * 3.4.4 body) fed straight into a message digest, so the body is never
 * copied: runs of ordinary bytes go to EVP_DigestUpdate() from the
 * caller's buffer.
 *
 * The body may come in chunks cut anywhere (even between CR and LF).
 * Line ends are CRLF; a bare LF counts as CRLF (a message submitted with
 * Unix line ends leaves with CRLF on the wire).  A CR not followed by LF
 * is an ordinary byte.
 *
 * State lives in the caller's struct (no allocation); one per message.
 */

#include <stdbool.h>
#include <stddef.h>

struct evp_md_ctx_st;

struct tm_canon_body {
	struct evp_md_ctx_st *md;	/* borrowed: the body hash */
	size_t blank;			/* empty lines held back (maybe trailing) */
	bool wsp;			/* a WSP run held back (maybe trailing) */
	bool cr;			/* last byte was CR */
	bool in_line;			/* the current line has content */
};

/* tm_canon_body_init - start a body into md (already initialized) */
void tm_canon_body_init(struct tm_canon_body *, struct evp_md_ctx_st *md);
/* tm_canon_body_update - one chunk; 0 ok, -1 digest failure */
int tm_canon_body_update(struct tm_canon_body *, const unsigned char *buf,
			 size_t len);
/* tm_canon_body_final - the last line's CRLF; 0 ok, -1 digest failure */
int tm_canon_body_final(struct tm_canon_body *);

/*
 * tm_canon_header - "name:value" relaxed into md, CRLF appended when crlf
 * (not for the DKIM-Signature being made).  value may hold folds with LF
 * or CRLF.  0 ok, -1 digest failure.
 */
int tm_canon_header(struct evp_md_ctx_st *md, const char *name,
		    const char *value, bool crlf);

#endif
