#ifndef TM_SPF_PROBE_H
#define TM_SPF_PROBE_H

/*
 * spf_probe - SPF as `tenantctl dns` reports it, with the product's own
 * check_host() (spf.c): the domain's published record(s) and their
 * warnings, which top-level term decided for an IP, and "what if the
 * domain published this record instead" -- the proposed fix is evaluated
 * exactly like a published record before it is printed.
 *
 * A probe runs check_host() over a resolver that answers the domain's TXT
 * query with the given record and forwards every other query to the real
 * resolver (and its cache).  Errors: -1 only when out of memory.
 * Thread-safe: probes share nothing but the real resolver.
 */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "dns/resolver.h"
#include "spf/spf.h"

struct tm_spf_published {
	enum tm_dns_status status;	/* of the domain's TXT lookup */
	char *why;			/* temporary failure: reason, or NULL */
	size_t n_records;		/* records starting "v=spf1" */
	char *record;			/* the first of them, or NULL */
	size_t length;			/* its length in bytes */
	bool pass_all;			/* "all" or "+all": anyone may send */
	bool neutral_all;		/* "?all" */
	bool has_ptr;			/* a "ptr" term (RFC 7208 5.5: do not use) */
};

/* tm_spf_published_get - look the domain's SPF record(s) up */
int tm_spf_published_get(struct tm_resolver *, const char *domain,
			 const struct timespec *deadline,
			 struct tm_spf_published *out);
void tm_spf_published_fini(struct tm_spf_published *);

/*
 * tm_spf_check_as - check_host(ip, domain, sender) as if domain published
 * `record` as its only SPF record.
 */
int tm_spf_check_as(struct tm_resolver *, const char *domain, const char *record,
		    const struct tm_cidr *ip, const char *sender,
		    const struct timespec *deadline, struct tm_spf_outcome *out);

/*
 * tm_spf_matched - the top-level term of record that decides for ip:
 * the first mechanism that matches ("include:_spf.provider.example",
 * "-all"), "redirect=..." when none does and the record redirects, ""
 * when none does (the default, neutral).  Into buf.
 */
int tm_spf_matched(struct tm_resolver *, const char *domain, const char *record,
		   const struct tm_cidr *ip, const char *sender,
		   const struct timespec *deadline, char *buf, size_t len);

/*
 * tm_spf_propose - record with `terms` added: before the first "all"
 * mechanism, else before the first modifier, else at the end.  record
 * NULL (none published): "v=spf1 TERMS ~all".  Caller frees.
 */
char *tm_spf_propose(const char *record, const char *terms);

#endif
