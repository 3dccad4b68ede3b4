/*
 * sign.c - DKIM signing through libopendkim.
 *
 * libopendkim parses the key bytes again in every dkim_sign(); the bytes
 * come from the snapshot's key cache (keys.c), so no file is read per
 * message.  Every failure names the signature (domain/selector) and the
 * library's own error text.
 */

#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

#include "dkim/keys.h"
#include "dkim/sign.h"

static DKIM_LIB *lib;

/* Headers signed when present; From is also oversigned (RFC 6376 8.15). */
static const char *sign_hdrs[] = {
	"from", "reply-to", "sender", "subject", "date", "to", "cc",
	"message-id", "in-reply-to", "references", "mime-version",
	"content-type", "content-transfer-encoding", "content-disposition",
	"list-id", "list-unsubscribe", "list-unsubscribe-post", "list-post",
	"list-help", "list-owner", NULL
};
static const char *oversign_hdrs[] = { "from", NULL };

struct tm_signer {
	size_t n;
	struct {
		DKIM *dkim;
		const struct tm_dkim *conf;
		char *value;
	} sig[];
};

/* tm_sign_init - library handle with our header lists */
int
tm_sign_init(void)
{
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;

	if (lib != NULL)
		return 0;
	if ((lib = dkim_init(NULL, NULL)) == NULL)
		return -1;
	/* Header lists are passed as the array itself, len sizeof(char **). */
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, sign_hdrs,
			 sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
			 oversign_hdrs, sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
			 sizeof(flags)) != DKIM_STAT_OK) {
		dkim_close(lib);
		lib = NULL;
		return -1;
	}
	return 0;
}

/* tm_sign_fini - release the library handle */
void
tm_sign_fini(void)
{
	if (lib)
		dkim_close(lib);
	lib = NULL;
}

/* fail - "d=dom s=sel: what: library error" */
static int
fail(struct tm_signer *s, size_t i, const char *what, char *why, size_t len)
{
	const char *e = s->sig[i].dkim ? dkim_geterror(s->sig[i].dkim) : NULL;

	snprintf(why, len, "DKIM %s/%s: %s%s%s", s->sig[i].conf->domain,
		 s->sig[i].conf->selector, what, e ? ": " : "", e ? e : "");
	return -1;
}

/* tm_signer_new - one libopendkim handle per signature */
struct tm_signer *
tm_signer_new(const char *job_id, const struct tm_dkim *const *sigs, size_t n,
	      char *why, size_t whylen)
{
	struct tm_signer *s;
	size_t i;

	if (lib == NULL) {
		snprintf(why, whylen, "DKIM library not initialized");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s) + n * sizeof(s->sig[0]))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		DKIM_STAT st = DKIM_STAT_OK;
		const struct tm_dkim *d = sigs[i];

		s->sig[i].conf = d;
		s->n = i + 1;
		if (d->key == NULL) {
			fail(s, i, "key not loaded", why, whylen);
			tm_signer_free(s);
			return NULL;
		}
		s->sig[i].dkim = dkim_sign(lib, (const unsigned char *)job_id,
			NULL, (dkim_sigkey_t)d->key->sign_bytes,
			(const unsigned char *)d->selector,
			(const unsigned char *)d->domain, DKIM_CANON_RELAXED,
			DKIM_CANON_RELAXED, d->alg == TM_ALG_ED25519_SHA256 ?
			DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256, -1, &st);
		if (s->sig[i].dkim == NULL || st != DKIM_STAT_OK) {
			fail(s, i, "cannot start signing", why, whylen);
			tm_signer_free(s);
			return NULL;
		}
	}
	return s;
}

/* tm_signer_header - "Name: value" to every handle */
int
tm_signer_header(struct tm_signer *s, const char *name, const char *value,
		 char *why, size_t whylen)
{
	size_t i, nl = strlen(name), vl = strlen(value);
	char *line = malloc(nl + vl + 3);

	if (line == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	memcpy(line, name, nl);
	memcpy(line + nl, ": ", 2);
	memcpy(line + nl + 2, value, vl + 1);
	for (i = 0; i < s->n; i++)
		if (dkim_header(s->sig[i].dkim, (unsigned char *)line,
				nl + vl + 2) != DKIM_STAT_OK) {
			free(line);
			return fail(s, i, "header rejected", why, whylen);
		}
	free(line);
	return 0;
}

/* tm_signer_eoh - end of headers */
int
tm_signer_eoh(struct tm_signer *s, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (dkim_eoh(s->sig[i].dkim) != DKIM_STAT_OK)
			return fail(s, i, "end of headers", why, whylen);
	return 0;
}

/* tm_signer_body - one body chunk */
int
tm_signer_body(struct tm_signer *s, const unsigned char *buf, size_t len,
	       char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (dkim_body(s->sig[i].dkim, (unsigned char *)buf, len) !=
		    DKIM_STAT_OK)
			return fail(s, i, "body", why, whylen);
	return 0;
}

/* strip_cr - milters give header values with bare LF line breaks */
static void
strip_cr(char *v)
{
	char *o = v;

	for (; *v; v++)
		if (*v != '\r')
			*o++ = *v;
	*o = '\0';
}

/* tm_signer_eom - compute every signature header value */
int
tm_signer_eom(struct tm_signer *s, char *why, size_t whylen)
{
	static const size_t prefix = sizeof(TM_SIGN_HEADER ": ") - 1;
	size_t i, len;
	unsigned char *buf;

	for (i = 0; i < s->n; i++) {
		if (dkim_eom(s->sig[i].dkim, NULL) != DKIM_STAT_OK)
			return fail(s, i, "signing failed", why, whylen);
		if (dkim_getsighdr_d(s->sig[i].dkim, prefix, &buf, &len) !=
		    DKIM_STAT_OK)
			return fail(s, i, "no signature header", why, whylen);
		if ((s->sig[i].value = strndup((char *)buf, len)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		strip_cr(s->sig[i].value);
	}
	return 0;
}

/* tm_signer_count - signatures made */
size_t
tm_signer_count(const struct tm_signer *s)
{
	return s->n;
}

/* tm_signer_value - the ith DKIM-Signature value */
const char *
tm_signer_value(const struct tm_signer *s, size_t i)
{
	return i < s->n ? s->sig[i].value : NULL;
}

/* tm_signer_free - every handle */
void
tm_signer_free(struct tm_signer *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		if (s->sig[i].dkim)
			dkim_free(s->sig[i].dkim);
		free(s->sig[i].value);
	}
	free(s);
}
