#ifndef TM_KEYREC_H
#define TM_KEYREC_H

/*
 * keyrec - a published DKIM key record (RFC 6376 3.6.1, RFC 8463) taken
 * apart for `tenantctl dns`: key type, size, flags, revocation.  The
 * record's strings are joined by the resolver before this sees them
 * (RFC 6376 3.6.2.2).  The guard (guard.c) decides "published"; this only
 * describes what is there.  Thread-safe; no state.
 */

#include <stdbool.h>
#include <stddef.h>

struct tm_keyrec {
	bool valid;		/* v= (if any) is DKIM1 and p= is present */
	bool revoked;		/* p= is empty */
	bool testing;		/* t=y: receivers treat it as unsigned */
	bool strict;		/* t=s: no subdomains in i= */
	char type[16];		/* k=: "rsa" (default), "ed25519", ... */
	int bits;		/* RSA modulus bits, 256 for Ed25519; 0 unknown */
	char why[160];		/* !valid or the key cannot be decoded: why */
};

/*
 * tm_keyrec_parse - describe one TXT record.  The p= value (whitespace
 * removed) is decoded to find the key size.  0 parsed (see valid), -1 out
 * of memory.
 */
int tm_keyrec_parse(const char *txt, struct tm_keyrec *out);

#endif
