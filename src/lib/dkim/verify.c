/*
 * verify.c - verify a message's DKIM signatures with libopendkim.
 *
 * Public function: tm_dkim_verify().
 *
 * libopendkim's own DNS code uses the system resolver; ours is given as
 * its key-lookup callback instead, so dns.nameserver is what is asked.
 * The callback records, per signature, whether the lookup failed for
 * lack of an answer (temporary) or found no key (permanent), so that
 * "could not find out" is never reported as a bad signature.  It tells
 * libopendkim "not found" in both cases (TRYAGAIN would stop it from
 * judging the other signatures); the record says which it was.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <opendkim/dkim.h>

#include "dkim/verify.h"

#define MAX_LOOKUPS 32

struct lookup_ctx {
	struct tm_resolver *resolver;
	int timeout;			/* seconds per lookup */
	size_t n;
	struct {
		DKIM_SIGINFO *sig;
		char why[520];
		int temp;
	} failed[MAX_LOOKUPS];
};

/* note - remember why the key of sig was not found */
static void
note(struct lookup_ctx *lc, DKIM_SIGINFO *sig, int temp, const char *name,
     const char *what)
{
	if (lc->n == MAX_LOOKUPS)
		return;
	lc->failed[lc->n].sig = sig;
	lc->failed[lc->n].temp = temp;
	snprintf(lc->failed[lc->n].why, sizeof(lc->failed[0].why), "%.300s TXT: %.200s",
		 name, what);
	lc->n++;
}

/* lookup - selector._domainkey.domain TXT through our resolver */
static DKIM_CBSTAT
lookup(DKIM *dkim, DKIM_SIGINFO *sig, unsigned char *buf, size_t buflen)
{
	struct lookup_ctx *lc = dkim_get_user_context(dkim);
	const char *d = (const char *)dkim_sig_getdomain(sig);
	const char *s = (const char *)dkim_sig_getselector(sig);
	struct tm_dns_answer *a;
	struct timespec deadline;
	char name[512];
	DKIM_CBSTAT rc = DKIM_CBSTAT_NOTFOUND;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += lc->timeout;
	snprintf(name, sizeof(name), "%s._domainkey.%s", s ? s : "", d ? d : "");
	if ((a = tm_resolver_query(lc->resolver, name, TM_DNS_TXT,
				    &deadline)) == NULL) {
		note(lc, sig, 1, name, "out of memory");
		return DKIM_CBSTAT_NOTFOUND;
	}
	if (a->status == TM_DNS_OK && a->n > 0 && a->rr[0].text) {
		snprintf((char *)buf, buflen, "%s", a->rr[0].text);
		rc = DKIM_CBSTAT_CONTINUE;
	} else if (tm_dns_temporary(a->status)) {
		note(lc, sig, 1, name, a->why ? a->why :
		     tm_dns_status_name(a->status));
	} else
		note(lc, sig, 0, name, tm_dns_status_name(a->status));
	tm_dns_answer_free(a);
	return rc;
}

/* alg_name - the a= of sig */
static const char *
alg_name(DKIM_SIGINFO *sig)
{
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;

	(void)dkim_sig_getsignalg(sig, &alg);
	return alg == DKIM_SIGN_RSASHA256 ? "rsa-sha256" :
		alg == DKIM_SIGN_ED25519SHA256 ? "ed25519-sha256" :
		alg == DKIM_SIGN_RSASHA1 ? "rsa-sha1" : "?";
}

/* judge - one signature's result */
static void
judge(DKIM *dkim, struct lookup_ctx *lc, DKIM_SIGINFO *sig,
      struct tm_verify_sig *r)
{
	size_t i;
	int err;

	r->domain = (const char *)dkim_sig_getdomain(sig);
	r->selector = (const char *)dkim_sig_getselector(sig);
	r->domain = r->domain ? r->domain : "?";
	r->selector = r->selector ? r->selector : "?";
	r->alg = alg_name(sig);
	if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_PROCESSED) == 0)
		(void)dkim_sig_process(dkim, sig);
	for (i = 0; i < lc->n; i++)
		if (lc->failed[i].sig == sig) {
			r->status = lc->failed[i].temp ? TM_VERIFY_TEMP :
				TM_VERIFY_FAIL;
			r->why = lc->failed[i].why;
			return;
		}
	if (DKIM_SIG_CHECK(sig) && dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH) {
		r->status = TM_VERIFY_PASS;
		r->why = "";
		return;
	}
	r->status = TM_VERIFY_FAIL;
	err = dkim_sig_geterror(sig);
	r->why = dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH ?
		"body hash mismatch (the body was changed)" :
		err != DKIM_SIGERROR_OK && dkim_sig_geterrorstr(err) ?
		dkim_sig_geterrorstr(err) : "signature does not verify";
}

/* to_crlf - a copy with every bare LF made CRLF; NULL: no memory */
static unsigned char *
to_crlf(const char *msg, size_t len, size_t *out_len)
{
	unsigned char *out = malloc(2 * len + 1);
	size_t i, o = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = (unsigned char)msg[i];
	}
	*out_len = o;
	return out;
}

int
tm_dkim_verify(struct tm_resolver *res, int timeout,
	       const char *msg, size_t len,
	       void (*each)(const struct tm_verify_sig *, void *), void *arg,
	       char *why, size_t whylen)
{
	struct lookup_ctx *lc = calloc(1, sizeof(*lc));
	DKIM_SIGINFO **sigs = NULL;
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM *dkim = NULL;
	DKIM_STAT st;
	unsigned char *crlf = NULL;
	size_t clen = 0;
	int nsigs = -1, i;

	if (lc == NULL || lib == NULL || (crlf = to_crlf(msg, len, &clen)) == NULL ||
	    dkim_set_key_lookup(lib, lookup) != DKIM_STAT_OK ||
	    (dkim = dkim_verify(lib, (const unsigned char *)"verify", NULL,
				&st)) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	lc->resolver = res;
	lc->timeout = timeout > 0 ? timeout : 5;
	dkim_set_user_context(dkim, lc);
	st = dkim_chunk(dkim, crlf, clen);
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(dkim, NULL, 0);
	if (st == DKIM_STAT_OK || st == DKIM_STAT_NOSIG)
		(void)dkim_eom(dkim, NULL);
	nsigs = 0;
	if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK)
		nsigs = 0;
	for (i = 0; i < nsigs; i++) {
		struct tm_verify_sig r;

		judge(dkim, lc, sigs[i], &r);
		each(&r, arg);
	}
out:
	if (dkim)
		dkim_free(dkim);
	if (lib)
		dkim_close(lib);
	free(crlf);
	free(lc);
	return nsigs;
}
