#ifndef TM_SPF_INT_H
#define TM_SPF_INT_H

/*
 * spf_int.h - what spf.c, spf_dns.c and spf_syntax.c share; not an
 * interface for the rest of lib/.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <netinet/in.h>
#include <spf2/spf.h>

#include "dns/resolver.h"

#define TM_SPF_MAX_TERMS 10		/* RFC 7208 4.6.4: DNS-querying terms */
#define TM_SPF_MAX_VOIDS 2		/* RFC 7208 4.6.4: void lookups */
#define TM_SPF_MAX_NAMES 10		/* MX / PTR names looked up per term */

/*
 * Appended by the rewrite (spf_syntax.c) to the domain-spec of an "a" or
 * "mx" with CIDR length 0 for the client's family: the DNS layer answers
 * such a name with the client's address when it has any address.
 * ".invalid" never resolves (RFC 2606), so no real name collides.
 */
#define TM_SPF_ANY ".tm-cidr0.invalid"

/* What the next A/AAAA queries belong to (see spf_dns.c). */
enum tm_spf_sub { TM_SUB_NONE, TM_SUB_MX, TM_SUB_PTR, TM_SUB_PMACRO };

/*
 * One check_host() run: everything the DNS layer learns, reached through
 * the layer's hook.  Owned by the check (on its stack), one per thread.
 */
struct tm_spf_run {
	struct tm_resolver *res;		/* borrowed */
	const struct timespec *deadline;	/* borrowed, may be NULL */
	int family;				/* client: AF_INET or AF_INET6 */
	unsigned char addr[16];			/* client address */
	unsigned lookups;			/* DNS-querying terms so far */
	unsigned voids;				/* void lookups so far */
	unsigned fetches;			/* SPF records fetched */
	int temp;				/* a DNS temporary failure */
	int perm;				/* a limit or syntax error */
	int none;				/* the domain has no SPF record */
	int oom;				/* out of memory somewhere */
	int personal;				/* a record expands %{s l h} */
	uint32_t ttl;				/* shortest TTL of the answers */
	size_t record_len;			/* the domain's own record */
	char why[256];				/* first reason for perm/temp/none */
	enum tm_spf_sub sub;			/* names the next A/AAAA are for */
	char **expect;				/* those names, in order */
	size_t nexpect, iexpect;
	SPF_dns_rr_t *spare;			/* answer kept for out of memory */
};

/* spf_dns.c */
SPF_dns_server_t *tm_spf_dns_new(struct tm_spf_run *);
void tm_spf_run_fini(struct tm_spf_run *);
void tm_spf_why(struct tm_spf_run *, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * spf_syntax.c - tm_spf_record_check: is rec a valid RFC 7208 record
 * (section 12 ABNF and the rules of sections 4.6, 5, 6, 7)?  0 yes, and
 * *out is the record rewritten for libspf2 and this client (family,
 * addr: 4 or 16 bytes), see spf_syntax.c; caller frees.  -1 no, the
 * reason in why; -2 out of memory.
 */
int tm_spf_record_check(const char *rec, int family, const unsigned char *addr,
			char **out, char *why, size_t whylen);

#endif
