/*
 * check.c - `tenantctl check`: the validation of `tenant-milter -t`, plus
 * one line per tenant:
 *
 *   acme  customer  from=<claim@acme.example> match=sasl:1,header,net:1,dom:1
 *         dkim=acme.example/lms2026(rsa-2048)  ok
 *
 * Exit 0 valid, 1 invalid (including an isolated tenant).
 */

#include "config.h"

#include <stdio.h>

#include "conf/conf.h"
#include "util/err.h"
#include "dkim/keys.h"
#include "tctl.h"

/* key_desc - "rsa-2048", "ed25519" or "unusable" */
static void
key_desc(const struct tm_dkim *d, char *buf, size_t len)
{
	if (d->key == NULL)
		snprintf(buf, len, "unusable");
	else if (d->key->alg == TM_ALG_ED25519_SHA256)
		snprintf(buf, len, "ed25519");
	else
		snprintf(buf, len, "rsa-%d", d->key->bits);
}

/* summary - one line for one tenant */
static void
summary(const struct tm_tenant *t)
{
	char kd[32];
	size_t i;

	printf("%-20s %-8s from=<%s> match=sasl:%zu,header:%s,net:%zu,dom:%zu",
	       t->id, tm_mode_name(t->mode), t->sender.from ? t->sender.from : "",
	       t->match.sasl_users.n, t->match.header, t->match.n_networks,
	       t->match.sender_domains.n);
	if (t->mode == TM_MODE_PROVIDER)
		printf(" dkim=provider");
	for (i = 0; i < t->dkim.n && t->mode != TM_MODE_PROVIDER; i++) {
		key_desc(&t->dkim.v[i], kd, sizeof(kd));
		printf("%s%s/%s(%s)", i ? "," : " dkim=", t->dkim.v[i].domain,
		       t->dkim.v[i].selector, kd);
	}
	if (t->mode == TM_MODE_RELAY)
		printf(" relay=%s:%d", t->relay.host ? t->relay.host : t->relay.mx,
		       t->relay.port);
	for (i = 0; t->internal.set && i < t->internal.domains.n; i++)
		printf("%s%s", i ? "," : " internal=", t->internal.domains.v[i]);
	if (t->internal.set && t->internal.spf == TM_ACT_ANNOTATE)
		printf("(spf=annotate)");
	if (t->hold)
		printf(" hold");
	printf("  %s%s\n", t->unusable ? "UNUSABLE: " : "ok",
	       t->unusable ? t->unusable : "");
}

/* tctl_check - validate and summarize */
int
tctl_check(const char *path, int argc, char **argv)
{
	struct tm_err err;
	struct tm_conf *conf;
	size_t i;
	int failed;

	if (argc != 1) {
		fprintf(stderr, "usage: tenantctl [-c FILE] check\n");
		return 1;
	}
	tm_err_init(&err);
	/* Relay secrets too: postfix-maps hands them to Postfix. */
	conf = tm_conf_load_flags(path, TM_LOAD_SECRETS, &err);
	if (conf)		/* root checks for the user the daemon runs as */
		tm_conf_check_runas(conf, &err);
	tm_err_print(&err, stderr);
	failed = conf == NULL || tm_err_failed(&err);
	for (i = 0; conf && i < conf->n_tenants; i++)
		summary(conf->tenants[i]);
	printf("%s: %s: %zu tenants, %zu errors, %zu warnings\n", path,
	       failed ? "INVALID" : "valid", conf ? conf->n_tenants : 0,
	       err.n_fatal + err.n_tenant, err.n_warning);
	tm_conf_free(conf);
	tm_err_fini(&err);
	return failed ? 1 : 0;
}
