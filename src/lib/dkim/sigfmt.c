/*
 * sigfmt.c - one DKIM-Signature: its tags, folded, the hash of the
 * headers with this signature (b= empty) added, and the signature.
 *
 * Public (within dkim/): tm_sign_make().
 *
 * Folding: "DKIM-Signature: " starts the first line; a tag that would
 * pass column 78 starts a new line (LF TAB, a tab counted as 8 columns);
 * h= may break after any colon, b= anywhere.  "b=" is never the last
 * thing on a line, so no verifier has to decide whether the whitespace
 * after it belongs to the value.  The value is hashed (relaxed) exactly
 * as it will be inserted, up to and including "b=".
 */

#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "dkim/canon.h"
#include "dkim/sign_int.h"

#define MARGIN		78
#define FIRST_COL	((int)sizeof("DKIM-Signature: ") - 1)
#define TAB_COL		8

struct fold {
	char *buf;
	size_t len, cap;
	int col;
	bool oom;
};

/* add - raw bytes */
static void
add(struct fold *f, const char *s, size_t n)
{
	if (f->oom)
		return;
	if (f->len + n + 1 > f->cap) {
		size_t cap = (f->len + n + 1) * 2;
		char *b = realloc(f->buf, cap);

		if (b == NULL) {
			f->oom = true;
			return;
		}
		f->buf = b;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, s, n);
	f->len += n;
	f->buf[f->len] = '\0';
}

/*
 * word - n bytes, on this line if they fit with `room` more columns after
 * them, else on the next; glued words take no space before them.
 */
static void
word(struct fold *f, const char *s, size_t n, bool glue, int room)
{
	int need = (int)n + (glue ? 0 : 1) + room;

	if (f->col + need > MARGIN && f->col > TAB_COL) {
		add(f, "\n\t", 2);
		f->col = TAB_COL;
	} else if (!glue) {
		add(f, " ", 1);
		f->col++;
	}
	add(f, s, n);
	f->col += (int)n;
}

/* tag - "name=value;" as one word */
static void
tag(struct fold *f, const char *name, const char *value)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s=%s;", name, value);

	word(f, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1,
	     false, 0);
}

/* hlist_words - "h=...;", breakable after each colon */
static void
hlist_words(struct fold *f, const char *hlist)
{
	const char *p = hlist, *c;
	char first[128];
	size_t n;

	for (;; p = c + 1) {
		c = strchr(p, ':');
		n = c ? (size_t)(c - p) + 1 : strlen(p);
		if (p == hlist) {	/* "h=" stays with the first name */
			snprintf(first, sizeof(first), "h=%.*s", (int)n, p);
			word(f, first, strlen(first), false, c ? 0 : 1);
		} else
			word(f, p, n, true, c ? 0 : 1);
		if (c == NULL)
			break;
	}
	add(f, ";", 1);
	f->col++;
}

/* b64 - base64 of n bytes into out (4 * ((n + 2) / 3) + 1 bytes) */
static void
b64(char *out, const unsigned char *in, size_t n)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* sign_digest - the signature of a SHA-256 digest; 0 ok, -1 */
static int
sign_digest(EVP_PKEY *pkey, enum tm_dkim_alg alg, const unsigned char *dg,
	    size_t dglen, unsigned char *out, size_t *outlen)
{
	int ok = 0;

	if (alg == TM_ALG_ED25519_SHA256) {	/* RFC 8463: Ed25519 of the hash */
		EVP_MD_CTX *mc = EVP_MD_CTX_new();

		ok = mc && EVP_DigestSignInit_ex(mc, NULL, NULL, NULL, NULL,
						 pkey, NULL) == 1 &&
			EVP_DigestSign(mc, out, outlen, dg, dglen) == 1;
		EVP_MD_CTX_free(mc);
	} else {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);

		ok = pc && EVP_PKEY_sign_init(pc) == 1 &&
			EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
			EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
			EVP_PKEY_sign(pc, out, outlen, dg, dglen) == 1;
		EVP_PKEY_CTX_free(pc);
	}
	return ok ? 0 : -1;
}

/* header_digest - headers so far, then this DKIM-Signature with b= empty */
static int
header_digest(const EVP_MD_CTX *hdr, const char *value, unsigned char *dg,
	      unsigned int *dglen)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	int ok = m && EVP_MD_CTX_copy_ex(m, hdr) == 1 &&
		tm_canon_header(m, "DKIM-Signature", value, false) == 0 &&
		EVP_DigestFinal_ex(m, dg, dglen) == 1;

	EVP_MD_CTX_free(m);
	return ok ? 0 : -1;
}

/* append_b - the signature's base64, filling each line */
static void
append_b(struct fold *f, const char *b, size_t n)
{
	while (n > 0) {
		size_t room = f->col < MARGIN ? (size_t)(MARGIN - f->col) : 0;

		if (room == 0) {
			add(f, "\n\t", 2);
			f->col = TAB_COL;
			continue;
		}
		if (room > n)
			room = n;
		add(f, b, room);
		f->col += (int)room;
		b += room;
		n -= room;
	}
}

char *
tm_sign_make(EVP_PKEY *pkey, enum tm_dkim_alg alg, const char *domain,
	     const char *selector, time_t t, const char *hlist,
	     const unsigned char *bh, size_t bhlen, const EVP_MD_CTX *hdr,
	     const char **err)
{
	struct fold f = { NULL, 0, 0, FIRST_COL, false };
	unsigned char dg[EVP_MAX_MD_SIZE], sig[1024];
	char text[1400], ts[32];
	unsigned int dglen = 0;
	size_t siglen = sizeof(sig);

	snprintf(ts, sizeof(ts), "%lld", (long long)t);
	add(&f, "v=1;", 4);
	f.col += 4;
	tag(&f, "a", alg == TM_ALG_ED25519_SHA256 ? "ed25519-sha256" :
	    "rsa-sha256");
	tag(&f, "c", "relaxed/relaxed");
	tag(&f, "d", domain);
	tag(&f, "s", selector);
	tag(&f, "t", ts);
	hlist_words(&f, hlist);
	b64(text, bh, bhlen);
	tag(&f, "bh", text);
	word(&f, "b=", 2, false, 4);
	if (f.oom) {
		*err = "out of memory";
		free(f.buf);
		return NULL;
	}
	if (header_digest(hdr, f.buf, dg, &dglen) < 0 ||
	    sign_digest(pkey, alg, dg, dglen, sig, &siglen) < 0 ||
	    siglen > 1024) {
		*err = "signing failed";
		free(f.buf);
		return NULL;
	}
	b64(text, sig, siglen);
	append_b(&f, text, strlen(text));
	if (f.oom) {
		*err = "out of memory";
		free(f.buf);
		return NULL;
	}
	return f.buf;
}
