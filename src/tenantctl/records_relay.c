/*
 * records_relay.c - the `tenantctl records` sheet of a relay-mode tenant:
 * what the customer's IT must allow on its own server for our relay:
 *
 *   1. the server we hand mail to (host:port or the domain's MX), with
 *      whether its name resolves now (the readiness check of `dns`);
 *   2. our outbound IPs (to allow-list, or the addresses we connect from);
 *   3. the account we log in with (never the password), or
 *      our client certificate's subject CN and SHA-256 fingerprint;
 *   4. STARTTLS with TLS 1.2 or newer, and whether we verify the name.
 *
 * Only public facts: the password file is never opened, the client key
 * never read.  Exit as records.c: 0 printed, 1 failure.
 */

#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "conf/conf.h"
#include "policy/readiness.h"
#include "snap.h"
#include "json.h"
#include "tctl.h"

/* One thing to allow, and its state now. */
struct allow {
	const char *kind, *title;
	char value[1200];
	const char *state;		/* "ok", "todo", "unknown" */
	char now[400];
};

/* cert_facts - subject CN and SHA-256 fingerprint (AB:CD:...); 0, -1 */
static int
cert_facts(const char *path, char *cn, size_t cnlen, char *fp, size_t fplen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	X509 *x = NULL;
	FILE *f = fopen(path, "re");
	size_t used = 0;

	if (f == NULL)
		return -1;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1) {
		X509_free(x);
		return -1;
	}
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
				      cn, (int)cnlen) < 0)
		snprintf(cn, cnlen, "(none)");
	for (i = 0; i < n && used + 3 < fplen; i++)
		used += (size_t)snprintf(fp + used, fplen - used, "%s%02X",
					 i ? ":" : "", md[i]);
	X509_free(x);
	return 0;
}

/* server_item - where we connect, and whether the name resolves */
static void
server_item(const struct tm_tenant *t, const struct tm_ready *r, struct allow *a)
{
	a->kind = "server";
	a->title = "Your server we hand your mail to";
	if (t->relay.host)
		snprintf(a->value, sizeof(a->value), "%s port %d (STARTTLS)",
			 t->relay.host, t->relay.port);
	else
		snprintf(a->value, sizeof(a->value), "the MX hosts of %s, port %d "
			 "(STARTTLS)", t->relay.mx, t->relay.port);
	a->state = r->relay_status == TM_DNS_OK ? "ok" :
		tm_dns_temporary(r->relay_status) ? "unknown" : "todo";
	snprintf(a->now, sizeof(a->now), "%s", r->relay_status == TM_DNS_OK ?
		 "OK: the name resolves" : tm_dns_temporary(r->relay_status) ?
		 "could not be checked (DNS failure)" :
		 "the name does not resolve: please check it");
}

/* ips_item - our outbound addresses */
static void
ips_item(const struct tm_conf *conf, const struct tm_tenant *t, struct allow *a)
{
	size_t i, used = 0;
	bool allow_list = t->relay.auth_user == NULL && t->relay.client_cert == NULL;

	a->kind = "ips";
	a->title = allow_list ? "Allow relaying from our servers (no login)" :
		"Our servers connect from";
	for (i = 0; i < conf->provider.outbound_ips.n && used < sizeof(a->value); i++)
		used += (size_t)snprintf(a->value + used, sizeof(a->value) - used,
					 "%s%s", i ? " " : "",
					 conf->provider.outbound_ips.v[i]);
	a->state = allow_list ? "todo" : "ok";
	snprintf(a->now, sizeof(a->now), "%s", allow_list ?
		 "your server must relay for these addresses without a login" :
		 "for your firewall; no relay permission needed by address");
}

/* login_item - the account, or the client certificate */
static int
login_item(const struct tm_tenant *t, struct allow *a)
{
	char cn[256], fp[200];

	if (t->relay.client_cert) {
		a->kind = "certificate";
		a->title = "Accept our client certificate";
		if (cert_facts(t->relay.client_cert, cn, sizeof(cn), fp,
			       sizeof(fp)) < 0) {
			fprintf(stderr, "tenantctl records: %s: not a PEM "
				"certificate\n", t->relay.client_cert);
			return -1;
		}
		snprintf(a->value, sizeof(a->value), "subject CN %s, SHA-256 "
			 "fingerprint %s", cn, fp);
		a->state = "todo";
		snprintf(a->now, sizeof(a->now), "relay for a client presenting "
			 "this certificate (e.g. Postfix relay_clientcerts)");
	} else {
		a->kind = "account";
		a->title = "The account we log in with (SMTP AUTH, after STARTTLS)";
		snprintf(a->value, sizeof(a->value), "%s", t->relay.auth_user);
		a->state = "todo";
		snprintf(a->now, sizeof(a->now), "create it with relay permission; "
			 "the password goes to us by another channel");
	}
	return 0;
}

/* tls_item - the TLS minimum and whether we check the name */
static void
tls_item(const struct tm_tenant *t, struct allow *a)
{
	a->kind = "tls";
	a->title = "Encryption";
	snprintf(a->value, sizeof(a->value), "STARTTLS with TLS 1.2 or newer%s",
		 t->relay.tls == TM_TLS_SECURE ? "; we verify your certificate "
		 "and its name" : "; we do not verify your certificate");
	a->state = "todo";
	snprintf(a->now, sizeof(a->now), "%s", t->relay.tls == TM_TLS_SECURE ?
		 (t->relay.host ? "the certificate must be valid for the host "
		  "name above" : "the certificate must be valid for the domain "
		  "or a name below it") : "any certificate will do");
}

/* print_allow - the sheet, text or JSON */
static void
print_allow(const struct tm_tenant *t, const char *provider, const char *when,
	    bool as_json, const struct allow *a, size_t n)
{
	size_t i;

	if (as_json) {
		printf("{");
		tctl_json_kv(stdout, true, "tenant", t->id);
		tctl_json_kv(stdout, false, "mode", "relay");
		tctl_json_kv(stdout, false, "checked", when);
		printf(",\"items\":[");
		for (i = 0; i < n; i++) {
			printf("%s{", i ? "," : "");
			tctl_json_kv(stdout, true, "kind", a[i].kind);
			tctl_json_kv(stdout, false, "value", a[i].value);
			tctl_json_kv(stdout, false, "state", a[i].state);
			tctl_json_kv(stdout, false, "now", a[i].now);
			printf("}");
		}
		printf("]}\n");
		return;
	}
	printf("Relaying through your mail server (tenant %s)\n\n"
	       "%s hands your mail to your own server, which delivers it.\n"
	       "Nothing to publish in DNS.  Please allow the following.\n"
	       "Checked on %s.\n", t->id, provider, when);
	for (i = 0; i < n; i++)
		printf("\n%zu. %s\n   %s\n   Now:    %s\n", i + 1, a[i].title,
		       a[i].value, a[i].now);
}

/* tctl_records_relay - what the customer's IT must allow */
int
tctl_records_relay(struct tm_snap *s, const struct tm_tenant *t, bool as_json,
		   const char *when)
{
	struct tm_policy_env env = { s->spf, s->resolver, s->psl, { 0, 0 } };
	struct allow a[4];
	struct tm_ready r;
	size_t n = 0;
	int rc = 1;

	memset(a, 0, sizeof(a));
	clock_gettime(CLOCK_MONOTONIC, &env.deadline);
	env.deadline.tv_sec += s->conf->dns.timeout;
	if (tm_ready_check(s->conf, t, &env, &r) < 0) {
		fprintf(stderr, "tenantctl records: out of memory\n");
		return 1;
	}
	server_item(t, &r, &a[n++]);
	ips_item(s->conf, t, &a[n++]);
	if (t->relay.auth_user || t->relay.client_cert) {
		if (login_item(t, &a[n]) < 0)
			goto out;
		n++;
	}
	tls_item(t, &a[n++]);
	print_allow(t, s->conf->provider.domain, when, as_json, a, n);
	rc = 0;
out:
	tm_ready_fini(&r);
	return rc;
}
