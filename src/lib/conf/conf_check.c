/*
 * conf_check.c - the rules between settings and between files, run by
 * tm_conf_load() once every file parsed:
 *
 *  - tenant id syntax and id == file name; defaults that depend on other
 *    settings (identify header value, sender.allowed, sender.from);
 *  - mode rules (provider From in the tenant's provider domain, customer
 *    From allowed, relay host xor mx and auth forms);
 *  - key and secret files: a tenant whose file cannot be used is isolated
 *    (TM_ERR_TENANT, t->unusable), never the whole configuration;
 *  - the tenant index, where duplicate claims between files are found;
 *  - no tenant sends or signs as another tenant's domain, and no tenant's
 *    internal domains are another tenant's;
 *  - relay tenants whose route is not in relay_maps' stamp (relay_route.c).
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/conf_int.h"
#include "dkim/keys.h"
#include "util/strv.h"
#include "conf/tenant_index.h"
#include "conf/relay_route.h"

/* domain_of - the part after the last '@', borrowed */
static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : addr;
}

/* expand_tenant_domain - %t -> id */
static char *
expand_tenant_domain(const char *tmpl, const char *id)
{
	const char *t = strstr(tmpl, "%t");
	char *out;

	if (t == NULL)
		return strdup(tmpl);
	if (asprintf(&out, "%.*s%s%s", (int)(t - tmpl), tmpl, id, t + 2) < 0)
		return NULL;
	return out;
}

/* file_stem - "dir/acme.conf" -> "acme" (caller frees) */
static char *
file_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
		n -= 5;
	return strndup(base, n);
}

/* isolate - record why a tenant cannot send (first reason kept) */
static void
isolate(struct tm_tenant *t, const char *why)
{
	if (t->unusable == NULL)
		t->unusable = strdup(why);
}

/* load_keys - every dkim entry's key, through the per-load cache */
static int
load_keys(struct tm_conf *conf, const char *owner, struct tm_dkim_list *dl,
	  struct tm_err *err)
{
	char why[TM_KEY_MSG], warn[TM_KEY_MSG];
	size_t i, n_rsa = 0, failed = 0;

	for (i = 0; i < dl->n; i++) {
		struct tm_dkim *d = &dl->v[i];

		if (d->key_path == NULL)
			continue;
		d->key = tm_keycache_get(conf->keys, d->key_path, d->alg, why,
					 warn, sizeof(why));
		if (d->key == NULL) {
			tm_err_add(err, TM_ERR_TENANT, d->file, d->line,
				   "%s: %s", owner, why);
			d->key_error = strdup(why);
			failed++;
			continue;
		}
		if (d->alg == TM_ALG_AUTO)	/* `algorithm` omitted: the key's */
			d->alg = d->key->alg;
		if (warn[0])
			tm_err_add(err, TM_ERR_WARNING, d->file, d->line,
				   "%s: %s", owner, warn);
		if (d->alg == TM_ALG_RSA_SHA256)
			n_rsa++;
	}
	if (dl->n > 0 && n_rsa == 0 && failed == 0)
		tm_err_add(err, TM_ERR_WARNING, dl->v[0].file, dl->v[0].line,
			   "%s: only Ed25519 keys; major receivers do not verify "
			   "Ed25519 yet: add an rsa-sha256 entry", owner);
	return failed ? -1 : 0;
}

/* check_secret - a relay secret file: perms, readability */
static void
check_secret(struct tm_tenant *t, const char *what, const char *path,
	     struct tm_err *err)
{
	char why[TM_KEY_MSG];

	if (path == NULL)
		return;
	if (tm_key_check_perms(what, path, why, sizeof(why)) < 0) {
		tm_err_add(err, TM_ERR_TENANT, t->file, t->line,
			   "tenant %s: %s", t->id, why);
		isolate(t, why);
	}
}

/* check_relay - host xor mx, one auth form */
static void
check_relay(struct tm_tenant *t, struct tm_err *err)
{
	int has_pw = t->relay.auth_user || t->relay.password_file;
	int has_cert = t->relay.client_cert || t->relay.client_key;

	if (t->mode != TM_MODE_RELAY) {
		if (t->relay.set)
			tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
				   "tenant %s: relay settings need mode = \"relay\"",
				   t->id);
		return;
	}
	if (!t->relay.set) {
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
			   "tenant %s: mode relay needs a relay { host or mx } group",
			   t->id);
		return;
	}
	if (t->relay.port == 0)		/* submission for a host, SMTP for MX */
		t->relay.port = t->relay.host ? 587 : 25;
	if (t->relay.port == 465)	/* Postfix would need a wrapper-mode transport */
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
			   "tenant %s: relay.port 465 (implicit TLS) is not "
			   "supported: use the server's STARTTLS port (587 or 25)",
			   t->id);
	if ((t->relay.host != NULL) == (t->relay.mx != NULL))
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
			   "tenant %s: relay needs exactly one of host or mx", t->id);
	if (has_pw && has_cert)
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
			   "tenant %s: relay.auth is either user + password_file "
			   "or client_cert + client_key, not both", t->id);
	else if (has_pw && !(t->relay.auth_user && t->relay.password_file))
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
			   "tenant %s: relay.auth needs both user and password_file",
			   t->id);
	else if (has_cert && !(t->relay.client_cert && t->relay.client_key))
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
			   "tenant %s: relay.auth needs both client_cert and "
			   "client_key", t->id);
}

/* check_relay_secrets - only on request: the daemon never reads them */
static void
check_relay_secrets(struct tm_tenant *t, struct tm_err *err)
{
	check_secret(t, "password file", t->relay.password_file, err);
	check_secret(t, "client key", t->relay.client_key, err);
	if (t->relay.client_cert && access(t->relay.client_cert, R_OK) < 0)
		tm_err_add(err, TM_ERR_TENANT, t->file, t->line,
			   "tenant %s: client certificate %s: %s", t->id,
			   t->relay.client_cert, strerror(errno));
}

/* tenant_defaults - settings whose default depends on other settings */
static int
tenant_defaults(const struct tm_conf *conf, struct tm_tenant *t)
{
	size_t i;

	if (t->match.header == NULL && (t->match.header = strdup(t->id)) == NULL)
		return -1;
	if ((t->provider_domain = expand_tenant_domain(
		     conf->provider.tenant_domain, t->id)) == NULL)
		return -1;
	if (t->sender.allowed.n == 0)
		for (i = 0; i < t->match.sender_domains.n; i++)
			if (tm_strv_add(&t->sender.allowed,
					t->match.sender_domains.v[i]) < 0)
				return -1;
	if (t->internal.set && t->internal.domains.n == 0)
		for (i = 0; i < t->match.sender_domains.n; i++)
			if (tm_strv_add(&t->internal.domains,
					t->match.sender_domains.v[i]) < 0)
				return -1;
	if (t->sender.from == NULL && t->mode == TM_MODE_PROVIDER &&
	    asprintf(&t->sender.from, "noreply@%s", t->provider_domain) < 0) {
		t->sender.from = NULL;
		return -1;
	}
	return 0;
}

/* allowed - is addr inside the tenant's sender.allowed? */
static int
allowed(const struct tm_tenant *t, const char *addr)
{
	return tm_strv_has_ci_addr(&t->sender.allowed, addr);
}

/* check_tenant - one tenant's own rules */
static void
check_tenant(struct tm_conf *conf, struct tm_tenant *t, struct tm_err *err)
{
	char *stem = file_stem(t->file);
	char owner[128];

	if (!tm_valid_tenant_id(t->id))
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
			   "id \"%s\": must match [a-z0-9][a-z0-9-]{0,62}", t->id);
	else if (stem && strcmp(stem, t->id) != 0)
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
			   "id \"%s\" does not match the file name (want %s.conf "
			   "or id = \"%s\")", t->id, t->id, stem);
	free(stem);
	if (tenant_defaults(conf, t) < 0) {
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line, "out of memory");
		return;
	}
	if (t->mode == TM_MODE_PROVIDER &&
	    strcasecmp(domain_of(t->sender.from), t->provider_domain) != 0)
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
			   "tenant %s: sender.from <%s> must be in the tenant's "
			   "provider domain %s", t->id, t->sender.from,
			   t->provider_domain);
	if (t->mode != TM_MODE_PROVIDER) {
		if (t->sender.from == NULL)
			tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
				   "tenant %s: mode %s needs sender.from", t->id,
				   tm_mode_name(t->mode));
		else if (!allowed(t, t->sender.from))
			tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
				   "tenant %s: sender.from <%s> is not in "
				   "sender.allowed (or match.sender_domains)",
				   t->id, t->sender.from);
		if (t->sender.allowed.n == 0)
			tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
				   "tenant %s: mode %s needs match.sender_domains "
				   "or sender.allowed", t->id, tm_mode_name(t->mode));
	}
	if (t->mode == TM_MODE_CUSTOMER && t->dkim.n == 0)
		tm_err_add(err, TM_ERR_WARNING, t->file, t->line,
			   "tenant %s: customer mode without dkim: DMARC can pass "
			   "through SPF only", t->id);
	if (t->mode == TM_MODE_PROVIDER && t->dkim.n > 0)
		tm_err_add(err, TM_ERR_WARNING, t->dkim.v[0].file,
			   t->dkim.v[0].line, "tenant %s: dkim is not used in "
			   "provider mode (the provider's keys sign)", t->id);
	if (t->internal.set && t->mode != TM_MODE_CUSTOMER)
		tm_err_add(err, TM_ERR_FATAL, t->file, t->internal.line,
			   "tenant %s: internal applies to customer mode only, "
			   "not %s", t->id, tm_mode_name(t->mode));
	else if (t->internal.set && t->internal.domains.n == 0)
		tm_err_add(err, TM_ERR_FATAL, t->file, t->internal.line,
			   "tenant %s: internal needs domains (or "
			   "match.sender_domains)", t->id);
	check_relay(t, err);
	if (t->mode == TM_MODE_RELAY && (conf->load_flags & TM_LOAD_SECRETS))
		check_relay_secrets(t, err);
	snprintf(owner, sizeof(owner), "tenant %s", t->id);
	if (t->mode != TM_MODE_PROVIDER &&
	    load_keys(conf, owner, &t->dkim, err) < 0)
		isolate(t, "a DKIM key cannot be used");
}

/* check_owner - addr/domain must not belong to another tenant */
static void
check_owner(const struct tm_conf *conf, const struct tm_tenant *t,
	    const char *what, const char *value, const char *file, int line,
	    struct tm_err *err)
{
	const struct tm_tenant *o;

	if (value == NULL || conf->index == NULL)
		return;
	o = tm_index_domain_owner(conf->index, domain_of(value));
	if (o != NULL && o != t)
		tm_err_add(err, TM_ERR_FATAL, file, line,
			   "tenant %s: %s \"%s\" is tenant %s's domain (%s)",
			   t->id, what, value, o->id, o->file);
}

/* own_domain - is domain one of t's sender domains or allowed domains, or below one? */
static int
own_domain(const struct tm_tenant *t, const char *domain)
{
	const struct tm_strv *lists[2] = { &t->match.sender_domains,
					   &t->sender.allowed };
	size_t i, j, n = strlen(domain);

	for (i = 0; i < 2; i++)
		for (j = 0; j < lists[i]->n; j++) {
			const char *d = lists[i]->v[j];
			size_t m = strlen(d);

			if (strchr(d, '@'))
				continue;	/* a full address, not a domain */
			if (strcasecmp(d, domain) == 0 ||
			    (n > m && domain[n - m - 1] == '.' &&
			     strcasecmp(domain + n - m, d) == 0))
				return 1;
		}
	return 0;
}

/*
 * check_internal - internal.domains: never another tenant's domain (nor
 * below one), always the tenant's own.  The internal exception trusts the
 * receiving server; pointing it at someone else's domain would let a
 * tenant send there as itself without SPF.
 */
static void
check_internal(const struct tm_conf *conf, const struct tm_tenant *t,
	       struct tm_err *err)
{
	const struct tm_tenant *o;
	const char *d;
	size_t i;

	for (i = 0; t->internal.set && i < t->internal.domains.n; i++) {
		for (d = t->internal.domains.v[i], o = NULL; d && o == NULL;
		     d = strchr(d, '.') ? strchr(d, '.') + 1 : NULL)
			if ((o = tm_index_domain_owner(conf->index, d)) == t)
				o = NULL;
		if (o != NULL)
			tm_err_add(err, TM_ERR_FATAL, t->file, t->internal.line,
				   "tenant %s: internal domain \"%s\" is tenant "
				   "%s's domain (%s)", t->id, t->internal.domains.v[i],
				   o->id, o->file);
		else if (!own_domain(t, t->internal.domains.v[i]))
			tm_err_add(err, TM_ERR_FATAL, t->file, t->internal.line,
				   "tenant %s: internal domain \"%s\" is not one of "
				   "the tenant's domains (match.sender_domains, "
				   "sender.allowed) or below one", t->id,
				   t->internal.domains.v[i]);
	}
}

/* check_cross - rules that need the index */
static void
check_cross(const struct tm_conf *conf, struct tm_err *err)
{
	size_t i, j;

	for (i = 0; i < conf->n_tenants; i++) {
		const struct tm_tenant *t = conf->tenants[i];

		check_owner(conf, t, "sender.from", t->sender.from, t->file,
			    t->line, err);
		check_owner(conf, t, "sender.envelope_from",
			    t->sender.envelope_from, t->file, t->line, err);
		for (j = 0; j < t->dkim.n; j++)
			check_owner(conf, t, "dkim domain", t->dkim.v[j].domain,
				    t->dkim.v[j].file, t->dkim.v[j].line, err);
		check_internal(conf, t, err);
	}
}

/* check_main - main-file rules beyond the table */
static void
check_main(struct tm_conf *conf, struct tm_err *err)
{
	size_t i;

	conf->provider.outbound = calloc(conf->provider.outbound_ips.n + 1,
					 sizeof(struct tm_cidr));
	if (conf->provider.outbound == NULL) {
		tm_err_add(err, TM_ERR_FATAL, conf->file, 0, "out of memory");
		return;
	}
	for (i = 0; i < conf->provider.outbound_ips.n; i++)
		tm_cidr_parse(conf->provider.outbound_ips.v[i],
			      &conf->provider.outbound[i]);
	for (i = 0; i < conf->provider.dkim.n; i++) {
		struct tm_dkim *d = &conf->provider.dkim.v[i];

		free(d->domain);
		if ((d->domain = strdup(conf->provider.domain)) == NULL)
			tm_err_add(err, TM_ERR_FATAL, conf->file, 0, "out of memory");
	}
	if (load_keys(conf, "provider", &conf->provider.dkim, err) < 0)
		conf->provider.unusable = strdup("a provider DKIM key cannot be used");
}

/* tm_conf_check - all rules; every problem into err */
void
tm_conf_check(struct tm_conf *conf, struct tm_err *err)
{
	size_t i, fatal_before = err->n_fatal;

	if ((conf->keys = tm_keycache_new()) == NULL) {
		tm_err_add(err, TM_ERR_FATAL, conf->file, 0, "out of memory");
		return;
	}
	check_main(conf, err);
	for (i = 0; i < conf->n_tenants; i++)
		check_tenant(conf, conf->tenants[i], err);
	tm_conf_selftest(conf, err);
	if (err->n_fatal > fatal_before)
		return;
	if ((conf->index = tm_index_build(conf, err)) == NULL) {
		tm_err_add(err, TM_ERR_FATAL, conf->file, 0, "out of memory");
		return;
	}
	check_cross(conf, err);
	tm_relay_stamp_check(conf, err);
}
