#ifndef TM_PSL_H
#define TM_PSL_H

/*
 * psl - organizational domains (RFC 7489 3.2) from the Public Suffix List
 * (Debian's publicsuffix package), for DMARC relaxed alignment: two
 * domains are aligned when their organizational domains are equal.
 *
 * The list is loaded once (tm_psl_load) and never changes afterwards;
 * lookups are then thread-safe and allocate nothing.
 */

#include <stddef.h>

#define TM_PSL_DEFAULT "/usr/share/publicsuffix/public_suffix_list.dat"

struct tm_psl;

/* tm_psl_load - read a list; NULL with the reason in why */
struct tm_psl *tm_psl_load(const char *path, char *why, size_t whylen);
void tm_psl_free(struct tm_psl *);

/*
 * tm_psl_org_domain - the organizational domain of domain (lower case
 * ASCII, no final dot), as a pointer into domain (borrowed).  A domain that
 * is itself a public suffix is its own organizational domain.  With a
 * NULL list only the default rule applies (the last label is the suffix).
 */
const char *tm_psl_org_domain(const struct tm_psl *, const char *domain);

/* tm_psl_aligned - relaxed alignment of two domains (case-insensitive) */
int tm_psl_aligned(const struct tm_psl *, const char *a, const char *b);

#endif
