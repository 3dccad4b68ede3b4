/*
 * keyrec.c - describe a published DKIM key record (keyrec.h).
 *
 * Public: tm_keyrec_parse().  Tags are "name=value" separated by ';'
 * with whitespace around both allowed (RFC 6376 3.2).  An RSA p= is a
 * base64 SubjectPublicKeyInfo (or, as some old signers publish, a bare
 * RSAPublicKey); an Ed25519 p= is the raw 32-byte key (RFC 8463 4).
 * Errors: -1 only when out of memory.  Thread-safe.
 */

#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim/keyrec.h"

/* strip - value of [s, s+n) without any whitespace, into a new string */
static char *
strip(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			*o++ = s[i];
	*o = '\0';
	return out;
}

/* key_bits - size of the key in the decoded p= value, 0 if undecodable */
static int
key_bits(const char *type, const char *b64)
{
	size_t n = strlen(b64);
	unsigned char *der;
	const unsigned char *p;
	EVP_PKEY *pkey;
	int len, bits = 0, pad = 0;

	if (n == 0 || n > INT_MAX / 2 || (der = malloc(n)) == NULL)
		return 0;
	len = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)n);
	while (n > 0 && b64[--n] == '=')
		pad++;
	if (len >= 0)
		len -= pad;
	if (strcasecmp(type, "ed25519") == 0)
		bits = len == 32 ? 256 : 0;
	else if (len > 0) {
		p = der;
		if ((pkey = d2i_PUBKEY(NULL, &p, len)) != NULL) {
			bits = EVP_PKEY_get_bits(pkey);
			EVP_PKEY_free(pkey);
		} else {
			p = der;
			if ((pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len)) != NULL) {
				bits = EVP_PKEY_get_bits(pkey);
				EVP_PKEY_free(pkey);
			}
		}
	}
	ERR_clear_error();
	free(der);
	return bits;
}

/* tag - one "name = value" of the record */
static int
tag(struct tm_keyrec *out, const char *name, size_t nlen, const char *val,
    size_t vlen, char **pval)
{
	if (nlen == 1 && name[0] == 'v') {
		if (vlen != 5 || strncmp(val, "DKIM1", 5) != 0)
			snprintf(out->why, sizeof(out->why), "v=%.*s, want DKIM1",
				 (int)(vlen > 20 ? 20 : vlen), val);
	} else if (nlen == 1 && name[0] == 'k') {
		snprintf(out->type, sizeof(out->type), "%.*s",
			 (int)(vlen < sizeof(out->type) ? vlen : sizeof(out->type) - 1), val);
	} else if (nlen == 1 && name[0] == 't') {
		size_t i;

		for (i = 0; i < vlen; i++) {
			if (val[i] == 'y')
				out->testing = true;
			if (val[i] == 's')
				out->strict = true;
		}
	} else if (nlen == 1 && name[0] == 'p') {
		free(*pval);
		if ((*pval = strip(val, vlen)) == NULL)
			return -1;
	}
	return 0;
}

/* tm_keyrec_parse - type, size, flags of one record */
int
tm_keyrec_parse(const char *txt, struct tm_keyrec *out)
{
	const char *p = txt;
	char *pval = NULL;

	memset(out, 0, sizeof(*out));
	snprintf(out->type, sizeof(out->type), "rsa");
	while (*p) {
		const char *end = strchr(p, ';'), *eq, *ne, *v, *ve;

		if (end == NULL)
			end = p + strlen(p);
		while (p < end && isspace((unsigned char)*p))
			p++;
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL) {
			for (ne = eq; ne > p && isspace((unsigned char)ne[-1]); ne--)
				;
			for (v = eq + 1; v < end && isspace((unsigned char)*v); v++)
				;
			for (ve = end; ve > v && isspace((unsigned char)ve[-1]); ve--)
				;
			if (tag(out, p, (size_t)(ne - p), v, (size_t)(ve - v), &pval) < 0)
				return -1;
		}
		p = *end ? end + 1 : end;
	}
	if (pval == NULL && out->why[0] == '\0')
		snprintf(out->why, sizeof(out->why), "no p= tag: not a DKIM key record");
	out->valid = pval != NULL && out->why[0] == '\0';
	if (out->valid && pval[0] == '\0')
		out->revoked = true;
	else if (out->valid && (out->bits = key_bits(out->type, pval)) == 0)
		snprintf(out->why, sizeof(out->why), "p= does not decode as %s "
			 "key", strcasecmp(out->type, "ed25519") == 0 ?
			 "an Ed25519" : "an RSA");
	free(pval);
	return 0;
}
