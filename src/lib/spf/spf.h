#ifndef TM_SPF_H
#define TM_SPF_H

/*
 * spf - RFC 7208 check_host() with libspf2, resolving through the
 * project's resolver (resolver.h), with the RFC's limits enforced where
 * libspf2 is lax: at most 10 DNS-querying terms (include, a, mx, ptr,
 * exists, redirect), at most 2 void lookups, more than one SPF record =
 * permerror, syntax errors = permerror, IPv4-mapped IPv6 clients unmapped.
 *
 * tm_spf_worst() is DESIGN.md step 4: the sender domain checked for each
 * of the provider's outbound IPs; the worst result decides.  Results are
 * cached per (domain, IP) for the shortest TTL of the records used.
 *
 * Thread safety: one struct tm_spf is shared by all threads; checks run
 * concurrently.
 */

#include <stddef.h>
#include <time.h>

#include "conf/model.h"
#include "dns/resolver.h"

struct tm_spf;

struct tm_spf_outcome {
	enum tm_spf_result result;
	unsigned lookups;		/* DNS-querying terms evaluated */
	unsigned voids;			/* void lookups (NXDOMAIN / no answer) */
	size_t record_len;		/* length of the domain's SPF record, 0 if none */
	char why[256];			/* reason for anything but pass, or "" */
};

/* tm_spf_result_name - "pass", "fail", ... (RFC 7208 2.6; also the spf.<result> settings) */
const char *tm_spf_result_name(enum tm_spf_result);

/* tm_spf_new - over a resolver (borrowed: must outlive the tm_spf) */
struct tm_spf *tm_spf_new(struct tm_resolver *, char *why, size_t whylen);
void tm_spf_free(struct tm_spf *);

/*
 * tm_spf_check - check_host(ip, domain, sender).  ip is a tm_cidr of full
 * length (AF_INET or AF_INET6); sender is the MAIL FROM address (or
 * "postmaster@domain"); helo may be NULL.  DNS work stops at deadline
 * (CLOCK_MONOTONIC), which gives temperror.  0 with out filled, -1 out of
 * memory.
 */
int tm_spf_check(struct tm_spf *, const struct tm_cidr *ip, const char *domain,
		 const char *sender, const char *helo,
		 const struct timespec *deadline, struct tm_spf_outcome *out);

/*
 * tm_spf_worst - check domain for each of n IPs (cached per domain+IP);
 * *out is the worst outcome, in the order pass < neutral < none <
 * softfail < fail < permerror < temperror.  0 ok, -1 out of memory.
 */
int tm_spf_worst(struct tm_spf *, const struct tm_cidr *ips, size_t n,
		 const char *domain, const char *sender,
		 const struct timespec *deadline, struct tm_spf_outcome *out);

#endif
