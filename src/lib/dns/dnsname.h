#ifndef TM_DNSNAME_H
#define TM_DNSNAME_H

/*
 * dnsname - the one domain-name validator, and name comparison.  A name is labels separated
 * by dots, each 1-63 bytes, 253 at most in all (RFC 1035 2.3.4, without
 * the final dot); what a label may hold depends on the use:
 *
 *   flags 0                   a host name (RFC 952/1123): letters,
 *                             digits, '-' not at either end of a label;
 *   TM_DNSNAME_UNDERSCORE     also '_' (DKIM selectors, SPF domains);
 *   TM_DNSNAME_EDGE_HYPHEN    '-' also at a label's ends (RFC 7208 4.3);
 *   TM_DNSNAME_ANY            any byte but '.' (what DNS can carry: a
 *                             query name built from DNS data);
 *   TM_DNSNAME_FINAL_DOT      a final '.' is accepted and not counted.
 *
 * Letters and digits are ASCII, whatever the locale.  Pure functions;
 * thread-safe.
 */

#include <stddef.h>

#define TM_DNSNAME_UNDERSCORE	1
#define TM_DNSNAME_EDGE_HYPHEN	2
#define TM_DNSNAME_ANY		4
#define TM_DNSNAME_FINAL_DOT	8

#define TM_DNSNAME_MAX		253	/* characters, no final dot */

/*
 * tm_dnsname_ok - is name[0..len) a valid name of at least min_labels
 * labels under flags?  1 yes, 0 no.
 */
int tm_dnsname_ok(const char *name, size_t len, unsigned flags,
		  unsigned min_labels);

/* tm_dnsname_ok_str - tm_dnsname_ok of a '\0'-terminated name */
int tm_dnsname_ok_str(const char *name, unsigned flags, unsigned min_labels);

/* tm_dnsname_equal - same name, ASCII case ignored, a final dot ignored */
int tm_dnsname_equal(const char *a, const char *b);

#endif
