#ifndef TM_TENANT_INDEX_H
#define TM_TENANT_INDEX_H

/*
 * tenant - the tenant index of one configuration: which tenant claims a
 * SASL user, an identify-header value, a client network (longest prefix,
 * IPv4 and IPv6), a sender domain, or a domain in `sender.allowed`.
 *
 * Built once per configuration by tm_index_build(); every lookup costs
 * the same whatever the number of tenants (hash tables; networks: one
 * hash probe per distinct prefix length in use).  Building is also where
 * duplicate claims are found: two tenants claiming the same SASL user,
 * header value, network or sender domain is a fatal error naming both
 * files.
 *
 * Keys are compared case-insensitively, SASL users included (a realm,
 * "user@realm", is part of the key; ident.c strips configured realms).
 * Thread safety: immutable once built; lookups from any thread.
 */

#include <stddef.h>
#include <sys/socket.h>

#include "conf/conf.h"

struct tm_index;

/*
 * tm_index_build - index every tenant of conf.  Duplicate claims are added
 * to err as TM_ERR_FATAL ("FILE:LINE: sasl user "x" is already claimed by
 * tenant beta (tenants.d/beta.conf:4)").  Returns the index (even when
 * duplicates were found: the first claim wins) or NULL when out of memory.
 */
struct tm_index *tm_index_build(const struct tm_conf *conf, struct tm_err *err);
void tm_index_free(struct tm_index *);

/* Lookups: the tenant (borrowed from conf) or NULL. */
const struct tm_tenant *tm_index_sasl(const struct tm_index *, const char *user);
const struct tm_tenant *tm_index_header(const struct tm_index *, const char *value);
/* tm_index_network - longest-prefix match of a client address */
const struct tm_tenant *tm_index_network(const struct tm_index *,
					 const struct sockaddr *);
/* tm_index_domain - the tenant whose match.sender_domains holds domain */
const struct tm_tenant *tm_index_domain(const struct tm_index *, const char *domain);
/*
 * tm_index_domain_owner - the tenant that owns domain as a sender domain,
 * as a domain of its sender.allowed, or as its provider-mode domain; used
 * to refuse a tenant sending as another tenant's domain.
 */
const struct tm_tenant *tm_index_domain_owner(const struct tm_index *,
					      const char *domain);

#endif
