#ifndef TM_DMARC_H
#define TM_DMARC_H

/*
 * dmarc - a domain's DMARC record as receivers find it (RFC 7489 6.6.3):
 * _dmarc.DOMAIN, else _dmarc.ORGANIZATIONAL-DOMAIN (Public Suffix List,
 * psl.h), with the tags `tenantctl dns` reports.  Thread-safe; no state.
 */

#include <stdbool.h>
#include <time.h>

#include "dns/resolver.h"
#include "policy/psl.h"

enum tm_dmarc_found {
	TM_DMARC_EXACT,		/* at _dmarc.DOMAIN */
	TM_DMARC_ORG,		/* at _dmarc.ORG-DOMAIN */
	TM_DMARC_NONE,		/* none published */
	TM_DMARC_TEMP,		/* DNS failed: could not find out */
};

struct tm_dmarc {
	enum tm_dmarc_found found;
	char name[300];		/* where it was found (or last looked) */
	char p[16], sp[16];	/* sp "" when absent */
	char adkim, aspf;	/* 'r' (default) or 's' */
	int pct;		/* 0..100, default 100 */
	bool several;		/* more than one record: receivers ignore them */
	char why[400];		/* TEMP: the DNS failure */
};

/* tm_dmarc_lookup - find and parse; 0 done (see found), -1 out of memory */
int tm_dmarc_lookup(struct tm_resolver *, const struct tm_psl *, const char *domain,
		    const struct timespec *deadline, struct tm_dmarc *out);

/* tm_dmarc_policy - the policy for mail from domain: sp at the org level */
const char *tm_dmarc_policy(const struct tm_dmarc *);

#endif
