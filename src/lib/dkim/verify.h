#ifndef TM_VERIFY_H
#define TM_VERIFY_H

/*
 * verify - every DKIM-Signature of a message checked by libopendkim,
 * the independent implementation, with the keys looked up through our
 * resolver (dns.nameserver): the operator's "did it leave signed right?"
 * (`tenantctl verify`).
 *
 * Thread safety: any thread; a DKIM_LIB per call.
 */

#include <stddef.h>

#include "dns/resolver.h"

enum tm_verify_status {
	TM_VERIFY_PASS,
	TM_VERIFY_FAIL,		/* the signature or body hash is wrong, or no key */
	TM_VERIFY_TEMP,		/* the key could not be looked up (DNS) */
};

struct tm_verify_sig {
	const char *domain, *selector, *alg;	/* "?" when unreadable */
	enum tm_verify_status status;
	const char *why;			/* "" on pass */
};

/*
 * tm_dkim_verify - msg (LF or CRLF line ends) verified; each() is called
 * once per signature, in message order.  Returns the number of
 * signatures (0: none), or -1 with why (out of memory, not a message).
 * Each key lookup waits at most timeout seconds (its own budget: one
 * selector that does not answer does not starve the others).
 */
int tm_dkim_verify(struct tm_resolver *, int timeout,
		   const char *msg, size_t len,
		   void (*each)(const struct tm_verify_sig *, void *), void *arg,
		   char *why, size_t whylen);

#endif
