#ifndef TM_RELAY_ROUTE_H
#define TM_RELAY_ROUTE_H

/*
 * relay_route - where a relay tenant's mail goes, in Postfix's terms: the
 * next hop, the TLS policy, the credentials, and the sender lookup keys of
 * the sender-dependent tables; the rules between routes; the stamp that
 * says which routes the tables in `relay_maps` hold.
 *
 * `tenantctl postfix-maps` builds the routes and writes the tables from
 * them (relay_maps.c); every configuration load checks each relay tenant's
 * route against the stamp (tm_relay_stamp_check), so the milter and the
 * tables cannot disagree on a route: a tenant whose route the tables do
 * not hold is marked stale and its mail tempfails.
 *
 * Errors go into a struct tm_err naming the tenant files.  Thread safety:
 * pure functions of a loaded configuration; nothing global.
 */

#include <stddef.h>

#include "conf/conf.h"
#include "util/err.h"

/* The reason a stale tenant's mail tempfails with (DESIGN.md, issue 10). */
#define TM_RELAY_STALE "relay route out of date: run tenantctl postfix-maps"
/* The stamp's file name inside relay_maps. */
#define TM_RELAY_STAMP "stamp"

enum tm_relay_auth { TM_RAUTH_NONE, TM_RAUTH_PASSWORD, TM_RAUTH_CERT };

struct tm_relay_route {
	const struct tm_tenant *tenant;	/* borrowed */
	char *nexthop;			/* "[host]:port", "domain" or "domain:port" */
	const char *tls;		/* smtp_tls_policy_maps value (static) */
	enum tm_relay_auth auth;
	char *transport;		/* "tmrelay-ID" (client certificate), or NULL */
	struct tm_strv senders;		/* "@domain" / "local@domain", sorted, unique */
};

/* One sender lookup key of the sender-dependent tables and its route. */
struct tm_relay_key {
	const char *key;		/* borrowed from the route */
	const struct tm_relay_route *route;
};

struct tm_relay_routes {
	struct tm_relay_route *v;	/* one per relay tenant, by tenant id */
	size_t n;
	struct tm_relay_key *keys;	/* every sender key, sorted by key */
	size_t n_keys;
	const struct tm_relay_route **by_hop;	/* sorted by next hop, then id */
};

/* tm_relay_route_init - the route of one relay tenant; 0, -1 out of memory */
int tm_relay_route_init(struct tm_relay_route *, const struct tm_tenant *);
void tm_relay_route_fini(struct tm_relay_route *);

/*
 * tm_relay_route_digest - SHA-256 (hex, NUL-terminated) of everything the
 * tables say about this route (secrets excluded: a changed password needs
 * `postfix-maps` again, the stamp cannot tell).  0 ok, -1 failure.
 */
int tm_relay_route_digest(const struct tm_relay_route *, char hex[65]);

/*
 * tm_relay_routes_build - the routes of every relay tenant, checked:
 * two tenants on one next hop with different TLS or credentials (Postfix
 * keys TLS policy by next hop), one sender key in two tenants, a sender
 * of another tenant that the relay tables would route to a relay tenant's
 * server.  Each problem is a fatal error naming both tenant files.
 * 0 ok, -1 (errors in err).  Free with tm_relay_routes_fini.
 */
int tm_relay_routes_build(const struct tm_conf *, struct tm_relay_routes *,
			  struct tm_err *);
void tm_relay_routes_fini(struct tm_relay_routes *);

/*
 * tm_relay_stamp_text - the stamp for these routes: a comment line, then
 * "ID DIGEST" per relay tenant, by id.  Caller frees; NULL on failure.
 */
char *tm_relay_stamp_text(const struct tm_relay_routes *);

/*
 * tm_relay_stamp_check - run by every configuration load: each relay
 * tenant whose route is not the one relay_maps/stamp records is stale
 * (t->relay.stale set, the tenant isolated, a tenant error naming the
 * tenant file).  Configurations without relay tenants read nothing.
 */
void tm_relay_stamp_check(struct tm_conf *, struct tm_err *);

#endif
