/*
 * ident.c - which tenant sent this message (DESIGN.md step 1): the login
 * binding, then identify.order restricted by the client table of ident.h.
 *
 * Public: tm_ident_identify, tm_ident_login, tm_ident_may,
 * tm_ident_trusted, tm_ident_client_name, tm_ident_seen.
 *
 * A stranger cannot pick a tenant: header and sender are believed only
 * from clients that may speak for a tenant, and a login never falls
 * through to them.  Fails only when out of memory.  Thread-safe; lookups
 * are the tenant index's (constant time).
 */

#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "msg/addr.h"
#include "conf/tenant_index.h"
#include "policy/ident.h"
#include "util/cidr.h"
#include "util/log.h"
#include "util/strv.h"

/* tm_ident_trusted - client inside identify.trusted_networks? */
int
tm_ident_trusted(const struct tm_conf *conf, const struct sockaddr *sa)
{
	struct tm_cidr c;
	size_t i;

	if (sa == NULL || tm_cidr_from_sockaddr(sa, &c) < 0)
		return 0;
	for (i = 0; i < conf->identify.n_trusted; i++)
		if (tm_cidr_contains(&conf->identify.trusted[i], &c))
			return 1;
	return 0;
}

/*
 * may[client][method]: the table of ident.h.  TM_CLIENT_LOGIN never gets
 * here (its login decided); TM_CLIENT_OTHER_LOGIN only with
 * identify.trust_other_logins, then like a trusted client.
 */
static const bool may[TM_CLIENT_MAX][TM_ID_MAX] = {
	/*			  sasl   header network sender */
	[TM_CLIENT_TRUSTED]	= { false, true,  true,  true },
	[TM_CLIENT_UNTRUSTED]	= { false, false, true,  false },
	[TM_CLIENT_LOGIN]	= { true,  false, false, false },
	[TM_CLIENT_OTHER_LOGIN]	= { false, true,  true,  true },
};

static const char *const client_names[TM_CLIENT_MAX] = {
	"trusted", "untrusted", "login", "other-login"
};

/* tm_ident_client_name - the client kind as logged */
const char *
tm_ident_client_name(enum tm_client c)
{
	return client_names[c];
}

/* tm_ident_may - the table, with trust_other_logins applied */
bool
tm_ident_may(const struct tm_conf *conf, enum tm_client c, enum tm_ident m)
{
	if (c == TM_CLIENT_OTHER_LOGIN && !conf->identify.trust_other_logins)
		return false;
	return may[c][m];
}

/* tm_ident_login - exact (any case), else the bare user of a listed realm */
int
tm_ident_login(const struct tm_conf *conf, const char *login,
	       const struct tm_tenant **t)
{
	const char *at;
	char *bare;

	*t = NULL;
	if (conf->index == NULL || login == NULL || *login == '\0')
		return 0;
	if ((*t = tm_index_sasl(conf->index, login)) != NULL)
		return 1;
	if ((at = strrchr(login, '@')) == NULL || at == login ||
	    tm_strv_has_ci(&conf->identify.sasl_realms, at + 1) < 0)
		return 0;
	if ((bare = strndup(login, (size_t)(at - login))) == NULL)
		return -1;
	*t = tm_index_sasl(conf->index, bare);
	free(bare);
	return *t != NULL;
}

/* header_value - the first identify header's value, trimmed; caller frees */
static int
header_value(const struct tm_conf *conf, const struct tm_msg *m, char **out)
{
	const struct tm_hdr *h;
	const char *v, *end;

	*out = NULL;
	if (m->hdrs == NULL ||
	    (h = tm_hdrs_find(m->hdrs, conf->identify.header, 0)) == NULL)
		return 0;
	for (v = h->value; isspace((unsigned char)*v); v++)
		;
	for (end = v + strlen(v); end > v && isspace((unsigned char)end[-1]); end--)
		;
	return (*out = strndup(v, (size_t)(end - v))) == NULL ? -1 : 1;
}

/* by_method - one method of identify.order; -1 out of memory */
static int
by_method(const struct tm_conf *conf, const struct tm_msg *m,
	  enum tm_ident via, const struct tm_tenant **t)
{
	char *val;
	int rc;

	*t = NULL;
	switch (via) {
	case TM_ID_SASL:
		break;		/* the login binding decided already */
	case TM_ID_HEADER:
		if ((rc = header_value(conf, m, &val)) <= 0)
			return rc;
		*t = tm_index_header(conf->index, val);
		free(val);
		break;
	case TM_ID_NETWORK:
		if (m->client)
			*t = tm_index_network(conf->index, m->client);
		break;
	case TM_ID_SENDER:
		if (m->mail_from && *m->mail_from)
			*t = tm_index_domain(conf->index,
					     tm_addr_domain(m->mail_from));
		break;
	}
	return 0;
}

/* tm_ident_identify - the login binding, then the permitted methods */
int
tm_ident_identify(const struct tm_conf *conf, const struct tm_msg *m,
		  struct tm_ident_result *r)
{
	const struct tm_tenant *t = NULL;
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	r->client = tm_ident_trusted(conf, m->client) ? TM_CLIENT_TRUSTED :
		TM_CLIENT_UNTRUSTED;
	if (conf->index == NULL)
		return 0;
	if (m->auth_user && *m->auth_user) {
		r->via = TM_ID_SASL;
		r->via_set = true;
		if ((rc = tm_ident_login(conf, m->auth_user, &t)) < 0)
			return -1;
		r->client = rc ? TM_CLIENT_LOGIN : TM_CLIENT_OTHER_LOGIN;
		r->tenant = t;
		if (rc || !conf->identify.trust_other_logins)
			return 0;
		r->via_set = false;
	}
	for (i = 0; i < conf->identify.n_order && t == NULL; i++) {
		if (!tm_ident_may(conf, r->client, conf->identify.order[i]))
			continue;
		if (by_method(conf, m, conf->identify.order[i], &t) < 0)
			return -1;
		if (t != NULL) {
			r->tenant = t;
			r->via = conf->identify.order[i];
			r->via_set = true;
		}
	}
	return 0;
}

/* tm_ident_seen - the facts identification looked at, for the log */
char *
tm_ident_seen(const struct tm_conf *conf, const struct tm_msg *m,
	      const struct tm_ident_result *r)
{
	char addr[INET6_ADDRSTRLEN] = "-", login[160], hv[160], dom[260];
	char *val = NULL, *out;
	struct tm_cidr c;
	int n;

	/* the address as matched: IPv4-mapped clients as IPv4 (util/cidr) */
	if (m->client && tm_cidr_from_sockaddr(m->client, &c) == 0 &&
	    inet_ntop(c.family, c.addr, addr, sizeof(addr)) == NULL)
		strcpy(addr, "-");
	if (header_value(conf, m, &val) < 0)
		return NULL;
	tm_sanitize(login, sizeof(login), m->auth_user && *m->auth_user ?
		    m->auth_user : "-");
	tm_sanitize(hv, sizeof(hv), val ? val : "-");
	tm_sanitize(dom, sizeof(dom), m->mail_from && *m->mail_from &&
		    *tm_addr_domain(m->mail_from) ?
		    tm_addr_domain(m->mail_from) : "-");
	/* an unparsed MAIL FROM (553) may carry "> SIZE=..." */
	dom[strcspn(dom, "> \t")] = '\0';
	if (dom[0] == '\0')
		strcpy(dom, "-");
	free(val);
	n = asprintf(&out, "client=%s client_kind=%s login=\"%s\" header=\"%s\" "
		     "sender_domain=%s", addr, tm_ident_client_name(r->client),
		     login, hv, dom);
	return n < 0 ? NULL : out;
}
