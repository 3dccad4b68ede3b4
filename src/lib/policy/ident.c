/*
 * ident.c - which tenant sent this message (DESIGN.md step 1).
 *
 * identify.order is tried in order; the first method that names a tenant
 * wins.  The identify header is believed only from trusted_networks or an
 * authenticated session, so a stranger cannot pick a tenant by writing
 * a header.  Thread-safe; lookups are the tenant index's (constant time).
 */

#include "config.h"

#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "msg/addr.h"
#include "policy/policy.h"
#include "conf/tenant_index.h"

/* client_cidr - the client address as a full-length tm_cidr, IPv4-mapped unmapped */
static int
client_cidr(const struct sockaddr *sa, struct tm_cidr *c)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						  0xff, 0xff };

	memset(c, 0, sizeof(*c));
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		c->family = AF_INET;
		c->prefix = 32;
		memcpy(c->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const unsigned char *a =
			((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		if (memcmp(a, mapped, 12) == 0) {
			c->family = AF_INET;
			c->prefix = 32;
			memcpy(c->addr, a + 12, 4);
		} else {
			c->family = AF_INET6;
			c->prefix = 128;
			memcpy(c->addr, a, 16);
		}
		return 0;
	}
	return -1;
}

/* tm_ident_trusted - client inside identify.trusted_networks? */
int
tm_ident_trusted(const struct tm_conf *conf, const struct sockaddr *sa)
{
	struct tm_cidr c;
	size_t i;

	if (client_cidr(sa, &c) < 0)
		return 0;
	for (i = 0; i < conf->identify.n_trusted; i++)
		if (tm_cidr_contains(&conf->identify.trusted[i], &c))
			return 1;
	return 0;
}

/* by_header - the first identify header's value, trimmed */
static const struct tm_tenant *
by_header(const struct tm_conf *conf, const struct tm_msg *m)
{
	const struct tm_hdr *h;
	const struct tm_tenant *t;
	const char *v, *end;
	char *val;

	if (m->hdrs == NULL ||
	    (h = tm_hdrs_find(m->hdrs, conf->identify.header, 0)) == NULL)
		return NULL;
	if (!(m->auth_user && *m->auth_user) && !tm_ident_trusted(conf, m->client))
		return NULL;
	for (v = h->value; isspace((unsigned char)*v); v++)
		;
	for (end = v + strlen(v); end > v && isspace((unsigned char)end[-1]); end--)
		;
	if ((val = strndup(v, (size_t)(end - v))) == NULL)
		return NULL;
	t = tm_index_header(conf->index, val);
	free(val);
	return t;
}

/* tm_ident_tenant - first match of identify.order */
const struct tm_tenant *
tm_ident_tenant(const struct tm_conf *conf, const struct tm_msg *m,
		enum tm_ident *via)
{
	const struct tm_tenant *t = NULL;
	size_t i;

	if (conf->index == NULL)
		return NULL;
	for (i = 0; i < conf->identify.n_order && t == NULL; i++) {
		*via = conf->identify.order[i];
		switch (*via) {
		case TM_ID_SASL:
			if (m->auth_user && *m->auth_user)
				t = tm_index_sasl(conf->index, m->auth_user);
			break;
		case TM_ID_HEADER:
			t = by_header(conf, m);
			break;
		case TM_ID_NETWORK:
			if (m->client)
				t = tm_index_network(conf->index, m->client);
			break;
		case TM_ID_SENDER:
			if (m->mail_from && *m->mail_from)
				t = tm_index_domain(conf->index,
						    tm_addr_domain(m->mail_from));
			break;
		}
	}
	return t;
}
