#ifndef TM_RESOLVER_H
#define TM_RESOLVER_H

/*
 * resolver - every DNS lookup of the project goes through here (SPF
 * through libspf2's DNS layer, the DMARC guard, `tenantctl dns`).
 *
 * Backends behind one small vtable (struct tm_resolver_ops):
 *   - libunbound (resolver_unbound.c): forward to dns.nameserver ("IP"
 *     or "IP@PORT") or the system resolver; every lookup bounded by a
 *     deadline the caller gives (a message's DNS budget);
 *   - a static table (resolver_static.c) for tests that serve fixed zone
 *     data, e.g. the RFC 7208 suite.
 * In front of either, resolver.c keeps the one cache (util/ttlcache):
 * answers and negative answers by TTL (RFC 2308), shared by all threads,
 * temporary failures never stored.
 *
 * Results distinguish "the name has no such data" (NXDOMAIN, NODATA:
 * permanent) from "we could not find out" (SERVFAIL, timeout, network:
 * temporary), which SPF and the guard must treat differently.
 *
 * Thread safety: a resolver is shared by every thread; queries may run
 * concurrently.  Answers are owned by the caller.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum tm_dns_status {
	TM_DNS_OK,		/* one or more records */
	TM_DNS_NXDOMAIN,	/* the name does not exist */
	TM_DNS_NODATA,		/* the name exists, no record of this type */
	TM_DNS_SERVFAIL,	/* the server failed (temporary) */
	TM_DNS_TIMEOUT,		/* no answer before the deadline (temporary) */
	TM_DNS_ERROR,		/* local failure: out of memory, bad name (temporary) */
};

/* Record types used here (RFC 1035 numbers). */
#define TM_DNS_A	1
#define TM_DNS_NS	2
#define TM_DNS_CNAME	5
#define TM_DNS_SOA	6
#define TM_DNS_PTR	12
#define TM_DNS_MX	15
#define TM_DNS_TXT	16
#define TM_DNS_AAAA	28

struct tm_dns_rr {
	unsigned char *data;	/* rdata as on the wire (names uncompressed) */
	size_t len;
	char *text;		/* decoded: TXT strings joined; A/AAAA as text;
				 * MX "PREF host"; PTR/CNAME host; no final dot */
};

struct tm_dns_answer {
	enum tm_dns_status status;
	int type;
	uint32_t ttl;		/* seconds this answer (or its absence) holds */
	size_t n;
	struct tm_dns_rr *rr;
	char *why;		/* temporary failures: a short reason, or NULL */
};

struct tm_resolver;

/*
 * tm_resolver_new - libunbound backend.  nameserver NULL: system resolver
 * (/etc/resolv.conf); "IP" or "IP@PORT": forward every query there.
 * NULL with the reason in why.
 */
struct tm_resolver *tm_resolver_new(const char *nameserver, char *why,
				    size_t whylen);
void tm_resolver_free(struct tm_resolver *);

/*
 * tm_resolver_query - look name/type up, waiting at most until deadline
 * (CLOCK_MONOTONIC; NULL: the resolver's default of 5 seconds from now).
 * Always returns an answer (status tells); NULL only when out of memory.
 * The caller frees it with tm_dns_answer_free().
 */
struct tm_dns_answer *tm_resolver_query(struct tm_resolver *, const char *name,
					int type, const struct timespec *deadline);
void tm_dns_answer_free(struct tm_dns_answer *);

/* tm_dns_temporary - status is SERVFAIL, TIMEOUT or ERROR */
int tm_dns_temporary(enum tm_dns_status);
/* tm_dns_status_name - "ok", "nxdomain", "nodata", "servfail", ... */
const char *tm_dns_status_name(enum tm_dns_status);

/* Counters for tests and the benchmark (cache hits, upstream queries). */
struct tm_resolver_stats {
	unsigned long queries;		/* tm_resolver_query calls */
	unsigned long cache_hits;	/* answered from the cache */
	unsigned long upstream;		/* sent to the backend */
};
void tm_resolver_stats(struct tm_resolver *, struct tm_resolver_stats *);

/* --- backends (resolver_static.c; the vtable for anyone adding one) --- */
struct tm_resolver_ops {
	/* lookup - one query to the backend, no caching; answer or NULL (oom) */
	struct tm_dns_answer *(*lookup)(void *impl, const char *name, int type,
					const struct timespec *deadline);
	void (*free)(void *impl);
};

/* tm_resolver_wrap - a resolver (with the shared TTL cache) over a backend */
struct tm_resolver *tm_resolver_wrap(const struct tm_resolver_ops *, void *impl);

/*
 * Static zone data (tests): tm_static_new() then tm_static_add() per
 * record ("TXT" text is the joined strings; "A", "AAAA" text address;
 * "MX" "PREF host"; "PTR"/"CNAME" host), tm_static_servfail() for a name
 * that fails, tm_static_timeout() for one that never answers.  Names are
 * case-insensitive.  A name with records of other types answers NODATA;
 * an unknown name NXDOMAIN.
 */
struct tm_static;
struct tm_static *tm_static_new(void);
int tm_static_add(struct tm_static *, const char *name, int type,
		  const char *text, uint32_t ttl);
int tm_static_servfail(struct tm_static *, const char *name);
int tm_static_timeout(struct tm_static *, const char *name);
/* tm_static_resolver - a resolver over it (takes ownership) */
struct tm_resolver *tm_static_resolver(struct tm_static *);

/* tm_dns_answer_new - for backends: an empty answer of status/type */
struct tm_dns_answer *tm_dns_answer_new(enum tm_dns_status, int type);
/* tm_dns_answer_add - for backends: append one record (copies) */
int tm_dns_answer_add(struct tm_dns_answer *, const unsigned char *data,
		      size_t len, const char *text);

#endif
