/*
 * sign.c - DKIM signatures (RFC 6376 relaxed/relaxed; rsa-sha256, and
 * ed25519-sha256 per RFC 8463) with OpenSSL 3 EVP on the keys parsed
 * once per configuration (keys.c); libopendkim is not in this path.
 *
 * Per message: the headers are kept until the end of headers, then the
 * selected ones are hashed once into a context that every signature
 * copies (only its own DKIM-Signature differs); the body is canonicalized
 * and hashed once as the chunks arrive (canon.c) and its hash is the bh=
 * of every signature, since all use relaxed and SHA-256.  At the end each
 * signature adds its own header to a copy of the header hash and signs
 * the digest with the shared key object (EVP_PKEY: read-only, safe from
 * every thread; the signing context is per message).
 *
 * Headers signed: those of sign_hdrs present in the message, every copy,
 * in message order, and "From" once more (oversigning, RFC 6376 8.15: a
 * From added later breaks the signature).  Tags: v a c d s t h bh b, no
 * l=.  The value is folded with LF TAB before 78 columns.
 */

#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "dkim/canon.h"
#include "dkim/keys.h"
#include "dkim/sign.h"
#include "dkim/sign_int.h"

/* Headers signed when present; From is also oversigned. */
static const char *const sign_hdrs[] = {
	"from", "reply-to", "sender", "subject", "date", "to", "cc",
	"message-id", "in-reply-to", "references", "mime-version",
	"content-type", "content-transfer-encoding", "content-disposition",
	"list-id", "list-unsubscribe", "list-unsubscribe-post", "list-post",
	"list-help", "list-owner",
};
#define N_KINDS (sizeof(sign_hdrs) / sizeof(sign_hdrs[0]))

static EVP_MD *sha256;		/* the signer library handle: fetched once */

struct tm_signer {
	time_t t;
	char **name, **value;		/* headers, until the end of headers */
	size_t nh, caph;
	char *hlist;			/* the h= value */
	EVP_MD_CTX *hdr;		/* selected headers, hashed */
	EVP_MD_CTX *body;
	struct tm_canon_body canon;
	bool eoh;
	size_t n;
	struct {
		const struct tm_dkim *conf;
		char *value;
	} sig[];
};

int
tm_sign_init(void)
{
	if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return -1;
	return 0;
}

void
tm_sign_fini(void)
{
	EVP_MD_free(sha256);
	sha256 = NULL;
}

/* say - "DKIM d/s: what" (or just what without a signature) */
static int
say(const struct tm_dkim *d, const char *what, char *why, size_t len)
{
	if (d)
		snprintf(why, len, "DKIM %s/%s: %s", d->domain, d->selector, what);
	else
		snprintf(why, len, "DKIM: %s", what);
	return -1;
}

struct tm_signer *
tm_signer_new(const char *job_id, const struct tm_dkim *const *sigs, size_t n,
	      char *why, size_t whylen)
{
	struct tm_signer *s;
	size_t i;

	(void)job_id;
	if (sha256 == NULL) {
		say(NULL, "signer not initialized", why, whylen);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (sigs[i]->key == NULL || sigs[i]->key->pkey == NULL) {
			say(sigs[i], "key not loaded", why, whylen);
			return NULL;
		}
	if ((s = calloc(1, sizeof(*s) + n * sizeof(s->sig[0]))) == NULL ||
	    (s->body = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(s->body, sha256, NULL) != 1) {
		tm_signer_free(s);
		say(NULL, "out of memory", why, whylen);
		return NULL;
	}
	tm_canon_body_init(&s->canon, s->body);
	s->t = time(NULL);
	s->n = n;
	for (i = 0; i < n; i++)
		s->sig[i].conf = sigs[i];
	return s;
}

int
tm_signer_header(struct tm_signer *s, const char *name, const char *value,
		 char *why, size_t whylen)
{
	if (s->eoh)
		return say(NULL, "header after the end of headers", why, whylen);
	if (s->nh == s->caph) {
		size_t cap = s->caph ? s->caph * 2 : 16;
		char **nv = realloc(s->name, cap * sizeof(*nv));

		if (nv == NULL)
			return say(NULL, "out of memory", why, whylen);
		s->name = nv;
		if ((nv = realloc(s->value, cap * sizeof(*nv))) == NULL)
			return say(NULL, "out of memory", why, whylen);
		s->value = nv;
		s->caph = cap;
	}
	if ((s->name[s->nh] = strdup(name)) == NULL)
		return say(NULL, "out of memory", why, whylen);
	if ((s->value[s->nh] = strdup(value)) == NULL) {
		free(s->name[s->nh]);
		return say(NULL, "out of memory", why, whylen);
	}
	s->nh++;
	return 0;
}

/* kind_of - index in sign_hdrs, or -1 when the header is not signed */
static int
kind_of(const char *name)
{
	size_t k;

	for (k = 0; k < N_KINDS; k++)
		if (strcasecmp(name, sign_hdrs[k]) == 0)
			return (int)k;
	return -1;
}

/* forget_headers - the kept headers are hashed: drop them */
static void
forget_headers(struct tm_signer *s)
{
	size_t i;

	for (i = 0; i < s->nh; i++) {
		free(s->name[i]);
		free(s->value[i]);
	}
	free(s->name);
	free(s->value);
	s->name = s->value = NULL;
	s->nh = s->caph = 0;
}

/*
 * hash_headers - h= lists the signed headers in message order; a verifier
 * takes the copies of a repeated name from the bottom up (RFC 6376 5.4.2),
 * so the j-th "To" in h= stands for the j-th "To" counted from the bottom.
 * Hash in exactly that order.
 */
static int
hash_headers(struct tm_signer *s, const int *kind, char *why, size_t whylen)
{
	size_t count[N_KINDS] = { 0 }, seen[N_KINDS] = { 0 }, first[N_KINDS];
	size_t i, j, k, *inst, len = sizeof("From");
	char *o;

	for (i = 0; i < s->nh; i++)
		if (kind[i] >= 0) {
			count[kind[i]]++;
			len += strlen(s->name[i]) + 1;
		}
	if ((inst = malloc((s->nh + 1) * sizeof(*inst))) == NULL ||
	    (s->hlist = malloc(len)) == NULL) {
		free(inst);
		return say(NULL, "out of memory", why, whylen);
	}
	for (k = 0, j = 0; k < N_KINDS; j += count[k], k++)
		first[k] = j;
	for (i = 0; i < s->nh; i++)	/* copies of each kind, top down */
		if (kind[i] >= 0)
			inst[first[kind[i]] + seen[kind[i]]++] = i;
	memset(seen, 0, sizeof(seen));
	o = s->hlist;
	for (i = 0; i < s->nh; i++) {
		size_t kk, pick;

		if (kind[i] < 0)
			continue;
		kk = (size_t)kind[i];
		pick = inst[first[kk] + count[kk] - 1 - seen[kk]++];
		o = stpcpy(o, s->name[i]);
		*o++ = ':';
		if (tm_canon_header(s->hdr, s->name[pick], s->value[pick],
				    true) < 0) {
			free(inst);
			return say(NULL, "header hash failed", why, whylen);
		}
	}
	strcpy(o, "From");		/* oversigned: matches no copy */
	free(inst);
	return 0;
}

int
tm_signer_eoh(struct tm_signer *s, char *why, size_t whylen)
{
	int *kind;
	size_t i;
	int rc;

	if (s->eoh)
		return 0;
	if ((kind = malloc((s->nh + 1) * sizeof(*kind))) == NULL ||
	    (s->hdr = EVP_MD_CTX_new()) == NULL) {
		free(kind);
		return say(NULL, "out of memory", why, whylen);
	}
	if (EVP_DigestInit_ex(s->hdr, sha256, NULL) != 1) {
		free(kind);
		return say(NULL, "header hash failed", why, whylen);
	}
	for (i = 0; i < s->nh; i++)
		kind[i] = kind_of(s->name[i]);
	rc = hash_headers(s, kind, why, whylen);
	free(kind);
	forget_headers(s);
	s->eoh = true;
	return rc;
}

int
tm_signer_body(struct tm_signer *s, const unsigned char *buf, size_t len,
	       char *why, size_t whylen)
{
	if (!s->eoh && tm_signer_eoh(s, why, whylen) < 0)
		return -1;
	if (tm_canon_body_update(&s->canon, buf, len) < 0)
		return say(NULL, "body hash failed", why, whylen);
	return 0;
}

int
tm_signer_eom(struct tm_signer *s, char *why, size_t whylen)
{
	unsigned char bh[EVP_MAX_MD_SIZE];
	unsigned int bhlen = 0;
	size_t i;

	if (!s->eoh && tm_signer_eoh(s, why, whylen) < 0)
		return -1;
	if (tm_canon_body_final(&s->canon) < 0 ||
	    EVP_DigestFinal_ex(s->body, bh, &bhlen) != 1)
		return say(NULL, "body hash failed", why, whylen);
	for (i = 0; i < s->n; i++) {
		const struct tm_dkim *d = s->sig[i].conf;
		const char *err = NULL;

		s->sig[i].value = tm_sign_make(d->key->pkey, d->alg, d->domain,
					       d->selector, s->t, s->hlist,
					       bh, bhlen, s->hdr, &err);
		if (s->sig[i].value == NULL)
			return say(d, err, why, whylen);
	}
	return 0;
}

size_t
tm_signer_count(const struct tm_signer *s)
{
	return s->n;
}

const char *
tm_signer_value(const struct tm_signer *s, size_t i)
{
	return i < s->n ? s->sig[i].value : NULL;
}

void
tm_signer_free(struct tm_signer *s)
{
	size_t i;

	if (s == NULL)
		return;
	forget_headers(s);
	for (i = 0; i < s->n; i++)
		free(s->sig[i].value);
	free(s->hlist);
	EVP_MD_CTX_free(s->hdr);
	EVP_MD_CTX_free(s->body);
	free(s);
}
