/*
 * relay_route.c - the Postfix route of each relay tenant, the rules
 * between routes, and the stamp of the routes the tables hold.
 *
 * Public functions: tm_relay_route_init(), tm_relay_route_fini(),
 * tm_relay_route_digest(), tm_relay_routes_build(), tm_relay_routes_fini(),
 * tm_relay_stamp_text(), tm_relay_stamp_check().
 *
 * A route's sender keys are what Postfix's sender-dependent lookups
 * (sender_dependent_relayhost_maps, smtp_sasl_password_maps with
 * smtp_sender_dependent_authentication, sender_dependent_default_
 * transport_maps) try for an envelope sender: the full address, then
 * "@domain".  So a domain entry of sender.allowed becomes "@domain" and an
 * address entry, sender.from and sender.envelope_from stay addresses.  The
 * milter accepts a relay tenant's message only with an envelope sender
 * among these (policy.c), so no accepted message takes another route.
 *
 * Failure: out of memory and broken rules are reported into err; nothing
 * logs.  Thread safety: no shared state.
 */

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "conf/relay_route.h"
#include "util/strv.h"

#define STAMP_MAX (64L << 20)		/* 100,000 tenants need about 8 MB */

/* by_str - qsort order of strings */
static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* add_key - one sender key, lower case, "@domain" for a bare domain */
static int
add_key(struct tm_strv *sv, const char *entry)
{
	char *low, *key;
	int rc;

	if (entry == NULL)
		return 0;
	if ((low = tm_lowercase(entry)) == NULL)
		return -1;
	if (strchr(low, '@') == NULL) {
		rc = asprintf(&key, "@%s", low);
		free(low);
		if (rc < 0)
			return -1;
	} else
		key = low;
	rc = tm_strv_has_ci(sv, key) >= 0 ? 0 : tm_strv_add(sv, key);
	free(key);
	return rc;
}

/* tm_relay_route_init - next hop, TLS, auth kind, sender keys */
int
tm_relay_route_init(struct tm_relay_route *r, const struct tm_tenant *t)
{
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	r->tenant = t;
	if (t->relay.host)
		rc = asprintf(&r->nexthop, "[%s]:%d", t->relay.host, t->relay.port);
	else if (t->relay.port == 25 || t->relay.port == 0)
		rc = asprintf(&r->nexthop, "%s", t->relay.mx ? t->relay.mx : "");
	else
		rc = asprintf(&r->nexthop, "%s:%d", t->relay.mx, t->relay.port);
	if (rc < 0) {
		r->nexthop = NULL;
		return -1;
	}
	/* TLS 1.2 minimum always; secure: Postfix's default name match */
	r->tls = t->relay.tls == TM_TLS_SECURE ?
		"secure match=nexthop:dot-nexthop protocols=>=TLSv1.2" :
		"encrypt protocols=>=TLSv1.2";
	r->auth = t->relay.client_cert ? TM_RAUTH_CERT :
		t->relay.auth_user ? TM_RAUTH_PASSWORD : TM_RAUTH_NONE;
	if (r->auth == TM_RAUTH_CERT &&
	    asprintf(&r->transport, "tmrelay-%s", t->id) < 0) {
		r->transport = NULL;
		return -1;
	}
	for (i = 0; i < t->sender.allowed.n; i++)
		if (add_key(&r->senders, t->sender.allowed.v[i]) < 0)
			return -1;
	if (add_key(&r->senders, t->sender.from) < 0 ||
	    add_key(&r->senders, t->sender.envelope_from) < 0)
		return -1;
	if (r->senders.n > 1)
		qsort(r->senders.v, r->senders.n, sizeof(char *), by_str);
	return 0;
}

/* tm_relay_route_fini - what the route owns */
void
tm_relay_route_fini(struct tm_relay_route *r)
{
	free(r->nexthop);
	free(r->transport);
	tm_strv_fini(&r->senders);
	memset(r, 0, sizeof(*r));
}

/* digest_add - one field and a separator that no field contains */
static int
digest_add(EVP_MD_CTX *md, const char *s)
{
	s = s ? s : "-";
	return EVP_DigestUpdate(md, s, strlen(s)) == 1 &&
	       EVP_DigestUpdate(md, "\n", 1) == 1 ? 0 : -1;
}

/* digest_path - a file as master.cf names it: its real path when it exists */
static int
digest_path(EVP_MD_CTX *md, const char *path)
{
	char *real = path ? realpath(path, NULL) : NULL;
	int rc = digest_add(md, real ? real : path);

	free(real);
	return rc;
}

/*
 * tm_relay_route_digest - SHA-256 over the route as the tables hold it.
 * The password file is left out (its content is not covered either) and
 * certificate paths are real paths, so `tenantctl -c` given a relative
 * path and the daemon given an absolute one agree.
 */
int
tm_relay_route_digest(const struct tm_relay_route *r, char hex[65])
{
	static const char *const auth[] = { "none", "password", "cert" };
	const struct tm_tenant *t = r->tenant;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -1;
	size_t k;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	if (digest_add(ctx, "tenant-milter relay route 1") < 0 ||
	    digest_add(ctx, t->id) < 0 || digest_add(ctx, r->nexthop) < 0 ||
	    digest_add(ctx, r->tls) < 0 || digest_add(ctx, auth[r->auth]) < 0 ||
	    digest_add(ctx, t->relay.auth_user) < 0 ||
	    digest_path(ctx, t->relay.client_cert) < 0 ||
	    digest_path(ctx, t->relay.client_key) < 0 ||
	    digest_add(ctx, r->transport) < 0)
		goto out;
	for (k = 0; k < r->senders.n; k++)
		if (digest_add(ctx, r->senders.v[k]) < 0)
			goto out;
	if (EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != 32)
		goto out;
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* by_key - qsort order of sender keys */
static int
by_key(const void *a, const void *b)
{
	const struct tm_relay_key *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* by_hop - qsort order of routes: next hop, then tenant id */
static int
by_hop(const void *a, const void *b)
{
	const struct tm_relay_route *x = *(const struct tm_relay_route *const *)a;
	const struct tm_relay_route *y = *(const struct tm_relay_route *const *)b;
	int c = strcmp(x->nexthop, y->nexthop);

	return c ? c : strcmp(x->tenant->id, y->tenant->id);
}

/* same_str - equal strings, NULL equal to NULL */
static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* same_login - same TLS policy and the same credentials */
static int
same_login(const struct tm_relay_route *a, const struct tm_relay_route *b)
{
	const struct tm_tenant *x = a->tenant, *y = b->tenant;

	return strcmp(a->tls, b->tls) == 0 && a->auth == b->auth &&
	       same_str(x->relay.auth_user, y->relay.auth_user) &&
	       same_str(x->relay.password_file, y->relay.password_file) &&
	       same_str(x->relay.client_cert, y->relay.client_cert) &&
	       same_str(x->relay.client_key, y->relay.client_key);
}

/* check_hops - one TLS policy and one login per next hop */
static void
check_hops(struct tm_relay_routes *rs, struct tm_err *err)
{
	size_t i, first = 0;

	for (i = 1; i < rs->n; i++) {
		const struct tm_relay_route *a = rs->by_hop[first], *b = rs->by_hop[i];

		if (strcmp(a->nexthop, b->nexthop) != 0) {
			first = i;
			continue;
		}
		if (!same_login(a, b))
			tm_err_add(err, TM_ERR_FATAL, b->tenant->file, b->tenant->line,
				   "tenant %s: relay next hop %s is also tenant %s's "
				   "(%s) with different TLS or credentials: Postfix "
				   "keys TLS policy by next hop, so both must use the "
				   "same tls and auth (or another host name)",
				   b->tenant->id, b->nexthop, a->tenant->id,
				   a->tenant->file);
	}
}

/* check_keys - no sender key in two relay tenants */
static void
check_keys(struct tm_relay_routes *rs, struct tm_err *err)
{
	size_t i;

	for (i = 1; i < rs->n_keys; i++) {
		const struct tm_relay_key *a = &rs->keys[i - 1], *b = &rs->keys[i];

		if (strcmp(a->key, b->key) == 0 && a->route != b->route)
			tm_err_add(err, TM_ERR_FATAL, b->route->tenant->file,
				   b->route->tenant->line, "tenant %s: sender %s is "
				   "also relay tenant %s's (%s): the relay tables "
				   "can route it to one server only",
				   b->route->tenant->id, b->key,
				   a->route->tenant->id, a->route->tenant->file);
	}
}

/* find_key - the relay key equal to k, or NULL */
static const struct tm_relay_key *
find_key(const struct tm_relay_routes *rs, const char *k)
{
	struct tm_relay_key want = { k, NULL };

	if (rs->n_keys == 0)
		return NULL;
	return bsearch(&want, rs->keys, rs->n_keys, sizeof(want), by_key);
}

/* relay_owner - the relay key that would route sender entry e, or NULL */
static const struct tm_relay_key *
relay_owner(const struct tm_relay_routes *rs, const char *e)
{
	const struct tm_relay_key *k;
	const char *at = strchr(e, '@');
	char dom[300];
	size_t i, n;

	if (at != NULL) {		/* an address: full key, then @domain */
		if ((k = find_key(rs, e)) != NULL)
			return k;
		return find_key(rs, at);
	}
	snprintf(dom, sizeof(dom), "@%s", e);
	if ((k = find_key(rs, dom)) != NULL)
		return k;
	/* a whole domain: any relay address key in it routes part of it */
	n = strlen(dom);
	for (i = 0; i < rs->n_keys; i++) {
		size_t kl = strlen(rs->keys[i].key);

		if (kl > n && strcasecmp(rs->keys[i].key + kl - n, dom) == 0)
			return &rs->keys[i];
	}
	return NULL;
}

/* check_others - no other tenant's sender matches a relay key */
static void
check_others(const struct tm_conf *conf, const struct tm_relay_routes *rs,
	     struct tm_err *err)
{
	const struct tm_relay_key *k;
	size_t i, j;

	if (rs->n_keys == 0)
		return;
	for (i = 0; i < conf->n_tenants; i++) {
		const struct tm_tenant *t = conf->tenants[i];

		if (t->mode == TM_MODE_RELAY)
			continue;
		for (j = 0; j <= t->sender.allowed.n + 1; j++) {
			const char *e = j < t->sender.allowed.n ?
				t->sender.allowed.v[j] : j == t->sender.allowed.n ?
				t->sender.from : t->sender.envelope_from;

			if (e == NULL || (k = relay_owner(rs, e)) == NULL)
				continue;
			tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
				   "tenant %s: sender %s would be routed to relay "
				   "tenant %s's server (%s, sender %s)", t->id, e,
				   k->route->tenant->id, k->route->tenant->file,
				   k->key);
		}
	}
}

/* collect - routes, keys and the next-hop order */
static int
collect(const struct tm_conf *conf, struct tm_relay_routes *rs)
{
	size_t i, j, n = 0, nk = 0;

	for (i = 0; i < conf->n_tenants; i++)
		n += conf->tenants[i]->mode == TM_MODE_RELAY;
	if ((rs->v = calloc(n + 1, sizeof(*rs->v))) == NULL ||
	    (rs->by_hop = calloc(n + 1, sizeof(*rs->by_hop))) == NULL)
		return -1;
	for (i = 0; i < conf->n_tenants; i++) {
		if (conf->tenants[i]->mode != TM_MODE_RELAY)
			continue;
		if (tm_relay_route_init(&rs->v[rs->n], conf->tenants[i]) < 0) {
			tm_relay_route_fini(&rs->v[rs->n]);
			return -1;
		}
		rs->by_hop[rs->n] = &rs->v[rs->n];
		nk += rs->v[rs->n++].senders.n;
	}
	if ((rs->keys = calloc(nk + 1, sizeof(*rs->keys))) == NULL)
		return -1;
	for (i = 0; i < rs->n; i++)
		for (j = 0; j < rs->v[i].senders.n; j++) {
			rs->keys[rs->n_keys].key = rs->v[i].senders.v[j];
			rs->keys[rs->n_keys++].route = &rs->v[i];
		}
	if (rs->n_keys > 1)
		qsort(rs->keys, rs->n_keys, sizeof(*rs->keys), by_key);
	if (rs->n > 1)
		qsort(rs->by_hop, rs->n, sizeof(*rs->by_hop), by_hop);
	return 0;
}

/* tm_relay_routes_build - every relay tenant's route, rules checked */
int
tm_relay_routes_build(const struct tm_conf *conf, struct tm_relay_routes *rs,
		      struct tm_err *err)
{
	size_t before = err->n_fatal;

	memset(rs, 0, sizeof(*rs));
	if (collect(conf, rs) < 0) {
		tm_err_add(err, TM_ERR_FATAL, conf->file, 0, "out of memory");
		return -1;
	}
	check_hops(rs, err);
	check_keys(rs, err);
	check_others(conf, rs, err);
	return err->n_fatal > before ? -1 : 0;
}

/* tm_relay_routes_fini - the routes and their indexes */
void
tm_relay_routes_fini(struct tm_relay_routes *rs)
{
	size_t i;

	for (i = 0; rs->v && i < rs->n; i++)
		tm_relay_route_fini(&rs->v[i]);
	free(rs->v);
	free(rs->keys);
	free(rs->by_hop);
	memset(rs, 0, sizeof(*rs));
}

/* tm_relay_stamp_text - "ID DIGEST" lines by tenant id */
char *
tm_relay_stamp_text(const struct tm_relay_routes *rs)
{
	static const char head[] = "# tenant-milter relay routes in these "
		"tables (tenantctl postfix-maps); do not edit\n";
	size_t i, cap = sizeof(head) + 1, used;
	char hex[65], *out;

	for (i = 0; i < rs->n; i++)
		cap += strlen(rs->v[i].tenant->id) + 66;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	used = (size_t)snprintf(out, cap, "%s", head);
	for (i = 0; i < rs->n; i++) {
		if (tm_relay_route_digest(&rs->v[i], hex) < 0) {
			free(out);
			return NULL;
		}
		used += (size_t)snprintf(out + used, cap - used, "%s %s\n",
					 rs->v[i].tenant->id, hex);
	}
	return out;
}

/* read_stamp - the stamp's "ID DIGEST" lines, sorted; NULL + errno */
static char **
read_stamp(const char *path, size_t *np)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL, **v = NULL, **nv;
	size_t cap = 0, n = 0, vcap = 0;
	ssize_t len;
	long total = 0;

	*np = 0;
	if (fp == NULL)
		return NULL;
	while ((len = getline(&line, &cap, fp)) > 0 && (total += len) < STAMP_MAX) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		if (n + 1 >= vcap) {
			vcap = vcap ? 2 * vcap : 64;
			if ((nv = realloc(v, vcap * sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		if ((v[n] = strdup(line)) == NULL)
			goto fail;
		n++;
	}
	free(line);
	fclose(fp);
	if (v == NULL && (v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	if (n > 1)
		qsort(v, n, sizeof(*v), by_str);
	*np = n;
	return v;
fail:
	while (n > 0)
		free(v[--n]);
	free(v);
	free(line);
	fclose(fp);
	errno = ENOMEM;
	return NULL;
}

/* stale - mark a relay tenant whose route the tables do not hold */
static void
stale(struct tm_tenant *t, const char *detail, struct tm_err *err)
{
	char *why;

	tm_err_add(err, TM_ERR_TENANT, t->file, t->line, "tenant %s: %s (%s)",
		   t->id, TM_RELAY_STALE, detail);
	if (asprintf(&why, "%s (%s)", TM_RELAY_STALE, detail) < 0)
		why = NULL;
	free(t->relay.stale);
	t->relay.stale = why ? why : strdup(TM_RELAY_STALE);
	if (t->unusable == NULL)
		t->unusable = strdup(TM_RELAY_STALE);
}

/* check_one - the tenant's line in the stamp must carry its digest */
static void
check_one(struct tm_tenant *t, const char *path, char **v, size_t n,
	  struct tm_err *err)
{
	struct tm_relay_route r;
	char hex[65], want[200], detail[600];
	const char *p = want;
	char **hit;

	if (tm_relay_route_init(&r, t) < 0 || tm_relay_route_digest(&r, hex) < 0) {
		tm_relay_route_fini(&r);
		stale(t, "out of memory", err);
		return;
	}
	tm_relay_route_fini(&r);
	snprintf(want, sizeof(want), "%s %s", t->id, hex);
	if ((hit = bsearch(&p, v, n, sizeof(*v), by_str)) != NULL)
		return;
	snprintf(detail, sizeof(detail), "%s has no entry or an older one for "
		 "it", path);
	stale(t, detail, err);
}

/* tm_relay_stamp_check - every relay tenant against relay_maps/stamp */
void
tm_relay_stamp_check(struct tm_conf *conf, struct tm_err *err)
{
	char *path = NULL, **v = NULL, detail[600];
	size_t i, n = 0, n_relay = 0;

	for (i = 0; i < conf->n_tenants; i++)
		n_relay += conf->tenants[i]->mode == TM_MODE_RELAY;
	if (n_relay == 0 || conf->relay_maps == NULL)
		return;
	if ((path = tm_path_join(conf->relay_maps, TM_RELAY_STAMP)) == NULL ||
	    ((v = read_stamp(path, &n)) == NULL && errno == ENOMEM)) {
		tm_err_add(err, TM_ERR_FATAL, conf->file, 0, "out of memory");
		free(path);
		return;
	}
	if (v == NULL)
		snprintf(detail, sizeof(detail), "%s: %s", path, strerror(errno));
	for (i = 0; i < conf->n_tenants; i++) {
		struct tm_tenant *t = conf->tenants[i];

		if (t->mode != TM_MODE_RELAY)
			continue;
		if (v == NULL)
			stale(t, detail, err);
		else
			check_one(t, path, v, n, err);
	}
	while (v && n > 0)
		free(v[--n]);
	free(v);
	free(path);
}
