/*
 * selftest.c - sign test messages natively, verify with libopendkim.
 *
 * Public functions: tm_sign_selftest(), tm_sign_selftest_txt().
 *
 * The messages are fed to the signer as the milter feeds it (a header
 * field at a time, value without the space after the colon, folds as LF,
 * the body in two chunks) and to libopendkim as they leave the MTA (CRLF
 * everywhere, a last line ended).  Failing means the two disagree about
 * canonicalization, hashing or the signature: the configuration is then
 * refused rather than sending mail that fails DKIM everywhere.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

#include "dkim/selftest.h"
#include "dkim/sign.h"

struct test_msg {
	const char *what;
	const char *headers[6][2];	/* name, value as the milter has it */
	const char *body;		/* as fed to the signer */
	const char *wire;		/* as it leaves; NULL: same as body */
};

static const struct test_msg msgs[] = {
	{ "folded headers, whitespace runs", {
		{ "From", "Self Test <selftest@selftest.invalid>" },
		{ "To", "a@selftest.invalid,\n\t b@selftest.invalid" },
		{ "Subject", "a  test \t of\n\t  folding   " },
		{ "Date", "Tue, 01 Dec 2026 08:00:00 +0000" },
		{ "X-Unsigned", "not in h=" } },
	  "Hello,  world \t\r\n\r\n  indented\tline  \r\n\r\n\r\n", NULL },
	{ "empty body", {
		{ "From", "selftest@selftest.invalid" },
		{ "Subject", "empty" } }, "", NULL },
	{ "trailing whitespace lines, bare LF", {
		{ "FROM", "selftest@selftest.invalid" },
		{ "subject", " lower case name " },
		{ "To", "x@selftest.invalid" },
		{ "To", "y@selftest.invalid" } },
	  "x\n \n\t\nlast", "x\r\n \r\n\t\r\nlast\r\n" },
};

/* lookup - the key record without DNS (libopendkim's callback); the
 * record is the verifying handle's user context */
static DKIM_CBSTAT
lookup(DKIM *dkim, DKIM_SIGINFO *sig, unsigned char *buf, size_t buflen)
{
	const char *txt = dkim_get_user_context(dkim);

	(void)sig;
	snprintf((char *)buf, buflen, "%s", txt);
	return DKIM_CBSTAT_CONTINUE;
}

/* crlf - "Name: value" with every LF made CRLF; caller frees */
static char *
crlf(const char *name, const char *value)
{
	size_t n = strlen(name) + 2 * strlen(value) + 3, o;
	char *out = malloc(n);
	const char *p;

	if (out == NULL)
		return NULL;
	o = (size_t)snprintf(out, n, "%s: ", name);
	for (p = value; *p; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			out[o++] = '\r';
		out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

/* sign_one - the DKIM-Signature value of message m, or NULL + why */
static char *
sign_one(const struct tm_key *key, const struct test_msg *m, char *why,
	 size_t wl)
{
	struct tm_dkim d = { (char *)"selftest.invalid", (char *)"selftest",
			     key->path, key->alg, "selftest", 0, key, NULL };
	const struct tm_dkim *sigs[1] = { &d };
	struct tm_signer *s = tm_signer_new("selftest", sigs, 1, why, wl);
	size_t i, half = strlen(m->body) / 2;
	char *v = NULL;

	if (s == NULL)
		return NULL;
	for (i = 0; i < 6 && m->headers[i][0]; i++)
		if (tm_signer_header(s, m->headers[i][0], m->headers[i][1],
				     why, wl) < 0)
			goto out;
	if (tm_signer_eoh(s, why, wl) == 0 &&
	    tm_signer_body(s, (const unsigned char *)m->body, half, why, wl) == 0 &&
	    tm_signer_body(s, (const unsigned char *)m->body + half,
			   strlen(m->body) - half, why, wl) == 0 &&
	    tm_signer_eom(s, why, wl) == 0 &&
	    (v = strdup(tm_signer_value(s, 0))) == NULL)
		snprintf(why, wl, "out of memory");
out:
	tm_signer_free(s);
	return v;
}

/* feed - one header line to the verifier; DKIM_STAT */
static DKIM_STAT
feed(DKIM *v, const char *name, const char *value)
{
	char *line = crlf(name, value);
	DKIM_STAT st;

	if (line == NULL)
		return DKIM_STAT_NORESOURCE;
	st = dkim_header(v, (unsigned char *)line, strlen(line));
	free(line);
	return st;
}

/* verify_one - libopendkim's verdict on the signed message m */
static int
verify_one(DKIM_LIB *lib, const char *txt, const struct test_msg *m,
	   const char *sigval, char *why, size_t wl)
{
	const char *wire = m->wire ? m->wire : m->body;
	DKIM_STAT st;
	DKIM_SIGINFO *sig;
	DKIM *v = dkim_verify(lib, (const unsigned char *)"selftest", NULL, &st);
	size_t i;
	int ok;

	if (v == NULL) {
		snprintf(why, wl, "libopendkim: cannot start verifying");
		return -1;
	}
	dkim_set_user_context(v, (void *)txt);
	st = feed(v, TM_SIGN_HEADER, sigval);
	for (i = 0; st == DKIM_STAT_OK && i < 6 && m->headers[i][0]; i++)
		st = feed(v, m->headers[i][0], m->headers[i][1]);
	if (st == DKIM_STAT_OK)
		st = dkim_eoh(v);
	if (st == DKIM_STAT_OK && *wire)
		st = dkim_body(v, (unsigned char *)wire, strlen(wire));
	if (st == DKIM_STAT_OK)
		st = dkim_eom(v, NULL);
	sig = dkim_getsignature(v);
	ok = st == DKIM_STAT_OK && sig && DKIM_SIG_CHECK(sig) &&
		dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH;
	if (!ok) {
		const char *e = dkim_geterror(v);

		snprintf(why, wl, "libopendkim does not verify it: %s%s%s%s",
			 sig && dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH ?
			 "body hash mismatch; " : "", dkim_getresultstr(st),
			 e ? ": " : "", e ? e : "");
	}
	dkim_free(v);
	return ok ? 0 : -1;
}

int
tm_sign_selftest_txt(const struct tm_key *key, const char *txt, char *why,
		     size_t whylen)
{
	char what[256];
	DKIM_LIB *lib;
	size_t i;
	int rc = 0;

	if (tm_sign_init() < 0 || (lib = dkim_init(NULL, NULL)) == NULL ||
	    dkim_set_key_lookup(lib, lookup) != DKIM_STAT_OK) {
		snprintf(why, whylen, "cannot set up the signer or libopendkim");
		return -1;
	}
	for (i = 0; rc == 0 && i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		char *v = sign_one(key, &msgs[i], what, sizeof(what));

		if (v == NULL || verify_one(lib, txt, &msgs[i], v, what,
					    sizeof(what)) < 0) {
			snprintf(why, whylen, "test message %zu (%s): %s", i + 1,
				 msgs[i].what, what);
			rc = -1;
		}
		free(v);
	}
	dkim_close(lib);
	return rc;
}

int
tm_sign_selftest(const struct tm_key *key, char *why, size_t whylen)
{
	char *txt = tm_key_txt(key);
	int rc;

	if (txt == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	rc = tm_sign_selftest_txt(key, txt, why, whylen);
	free(txt);
	return rc;
}
