/*
 * records.c - `tenantctl records TENANT [--json]`: the sheet to send to
 * the customer's IT, plain text that reads well in an e-mail: what to
 * publish (customer mode) with each item's current state from live DNS,
 * taken from the same readiness check as `tenantctl dns`.  One function
 * per mode; relay mode's sheet is in records_relay.c.  Public keys
 * only: nothing secret is printed.
 * Exit: 0 the sheet was printed, 1 bad usage, unknown tenant or
 * configuration.
 */

#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "dns/txtzone.h"
#include "policy/readiness.h"
#include "util/err.h"
#include "snap.h"
#include "json.h"
#include "tctl.h"

/* One item of the sheet: a record to publish and its state now. */
struct item {
	const char *kind;		/* "spf", "dkim", "dmarc" */
	const char *title;
	char name[300];
	const char *value;		/* the one-string form */
	char *zone;			/* zone-file form; owned */
	const char *state;		/* "ok", "publish", "change", "unknown" */
	char now[600];
	const char *how;		/* what to do, or NULL */
	const char *type;		/* record type; NULL: TXT */
	char buf[512];			/* value storage when not a record */
};

/* spf_item - the SPF change, or the record that already does it */
static void
spf_item(const struct tm_conf *conf, const struct tm_ready *r, struct item *it)
{
	size_t i;

	it->kind = "spf";
	it->title = "SPF: authorize our servers";
	snprintf(it->name, sizeof(it->name), "%s", r->spf_domain);
	it->value = r->spf_fix ? r->spf_fix : r->spf.record;
	if (r->spf_worst == TM_SPF_TEMPERROR) {
		it->state = "unknown";
		snprintf(it->now, sizeof(it->now), "could not be checked (DNS "
			 "failure); we will check again");
		it->value = NULL;
	} else if (r->spf_fix == NULL) {
		it->state = "ok";
		snprintf(it->now, sizeof(it->now), "OK: your record authorizes "
			 "all our servers; nothing to change");
	} else {
		it->state = r->spf.record ? "change" : "publish";
		it->how = r->spf.record ? "replace your current SPF record with "
			"this value (keep only one SPF record)" : "publish this "
			"record (you have no SPF record yet)";
		for (i = 0; i < r->n_ips; i++)
			if (r->ips[i].out.result != TM_SPF_PASS)
				break;
		snprintf(it->now, sizeof(it->now), "%s%s does not authorize our "
			 "server %s (%s)", r->spf.record ? "your current record " :
			 "", r->spf.record ? r->spf.record : "no record",
			 i < r->n_ips ? r->ips[i].ip : "?", i < r->n_ips ?
			 tm_spf_result_name(r->ips[i].out.result) : "?");
	}
	(void)conf;
	it->zone = it->value ? tm_dns_txt_zone(it->name, it->value) : NULL;
}

/* dkim_item - one public key */
static void
dkim_item(const struct tm_ready_key *k, struct item *it)
{
	it->kind = "dkim";
	it->title = "DKIM: our public key (signs your mail)";
	snprintf(it->name, sizeof(it->name), "%s", k->name);
	it->value = k->txt;
	it->zone = k->zone ? strdup(k->zone) : NULL;
	switch (k->state) {
	case TM_PUB_PUBLISHED:
		it->state = "ok";
		snprintf(it->now, sizeof(it->now), "OK: published");
		break;
	case TM_PUB_ABSENT:
		it->state = "publish";
		it->how = "publish this record";
		snprintf(it->now, sizeof(it->now), "not published yet");
		break;
	case TM_PUB_MISMATCH:
		it->state = "change";
		it->how = "replace the record at this name with this value";
		snprintf(it->now, sizeof(it->now), "%s", k->rec.revoked ?
			 "revoked (empty p=)" : "publishes another key");
		break;
	case TM_PUB_UNKNOWN:
		it->state = "unknown";
		snprintf(it->now, sizeof(it->now), "could not be checked (DNS failure)");
		break;
	}
}

/* dmarc_item - the starter record, or what is there */
static void
dmarc_item(const struct tm_ready *r, struct item *it)
{
	const struct tm_dmarc *m = &r->dmarc;

	it->kind = "dmarc";
	it->title = "DMARC (recommended)";
	if (r->dmarc_fix) {
		snprintf(it->name, sizeof(it->name), "%s", r->dmarc_fix_name);
		it->value = r->dmarc_fix;
		it->state = "publish";
		it->how = "publish this starter record (p=none only monitors; add "
			"rua=mailto:ADDRESS to receive reports)";
		snprintf(it->now, sizeof(it->now), "none published");
	} else {
		snprintf(it->name, sizeof(it->name), "%s", m->name);
		it->state = m->found == TM_DMARC_TEMP ? "unknown" : "ok";
		if (m->found == TM_DMARC_TEMP)
			snprintf(it->now, sizeof(it->now), "could not be checked "
				 "(DNS failure)");
		else
			snprintf(it->now, sizeof(it->now), "OK: p=%s at %s; nothing "
				 "to change", tm_dmarc_policy(m), m->name);
	}
	it->zone = it->value ? tm_dns_txt_zone(it->name, it->value) : NULL;
}

/* print_text - the sheet as an e-mail */
static void
print_text(const struct tm_tenant *t, const char *provider, const char *domain,
	   const char *when, const struct item *it, size_t n)
{
	size_t i;

	printf("DNS records for %s\n\n", domain);
	printf("These records let %s send your mail (tenant %s)\n"
	       "as %s and pass SPF, DKIM and DMARC at receivers.\n"
	       "Checked against your DNS on %s.\n", provider, t->id, domain, when);
	for (i = 0; i < n; i++) {
		printf("\n%zu. %s\n", i + 1, it[i].title);
		printf("   Name:   %s\n   Type:   %s\n", it[i].name,
		       it[i].type ? it[i].type : "TXT");
		if (it[i].value)
			printf("   Value:  %s\n", it[i].value);
		printf("   Now:    %s\n", it[i].now);
		if (it[i].how)
			printf("   To do:  %s\n", it[i].how);
		if (it[i].zone && strcmp(it[i].state, "ok") != 0)
			printf("   The same in zone-file form (BIND, NSD):\n     %s\n",
			       it[i].zone);
	}
	printf("\nTXT values longer than 255 characters are split into several\n"
	       "strings in zone files; in a web form enter the value as one line.\n");
}

/* print_json - the sheet as one object */
static void
print_json(const struct tm_tenant *t, const char *when, const struct item *it,
	   size_t n)
{
	size_t i;

	printf("{");
	tctl_json_kv(stdout, true, "tenant", t->id);
	tctl_json_kv(stdout, false, "mode", tm_mode_name(t->mode));
	tctl_json_kv(stdout, false, "checked", when);
	printf(",\"items\":[");
	for (i = 0; i < n; i++) {
		printf("%s{", i ? "," : "");
		tctl_json_kv(stdout, true, "kind", it[i].kind);
		tctl_json_kv(stdout, false, "name", it[i].name);
		tctl_json_kv(stdout, false, "type", it[i].type ? it[i].type : "TXT");
		tctl_json_kv(stdout, false, "value", it[i].value);
		tctl_json_kv(stdout, false, "zone", it[i].zone);
		tctl_json_kv(stdout, false, "state", it[i].state);
		tctl_json_kv(stdout, false, "now", it[i].now);
		tctl_json_kv(stdout, false, "todo", it[i].how);
		printf("}");
	}
	printf("]}\n");
}

/*
 * internal_item - internal mail skips SPF only because the customer's
 * inbound server trusts our outbound IPs: ask for that allow-list.  DNS
 * cannot tell whether it is done.
 */
static void
internal_item(const struct tm_conf *conf, const struct tm_tenant *t,
	      struct item *it)
{
	size_t i, used = 0;

	it->kind = "allow";
	it->type = "inbound allow-list (your mail server, not DNS)";
	it->title = "Internal mail: let our servers deliver to your own users";
	for (i = 0; i < t->internal.domains.n && used < sizeof(it->name); i++)
		used += (size_t)snprintf(it->name + used, sizeof(it->name) - used,
					 "%s%s", i ? ", " : "",
					 t->internal.domains.v[i]);
	it->state = "action";
	snprintf(it->now, sizeof(it->now), "cannot be checked from DNS; mail to "
		 "these domains only is sent without SPF");
	it->how = "on the server that receives mail for these domains, accept "
		"mail from the addresses in Value without SPF or spam checks; "
		"mail to anyone else still needs the records above";
	it->buf[0] = '\0';
	for (i = 0, used = 0; i < conf->provider.outbound_ips.n &&
	     used < sizeof(it->buf); i++)
		used += (size_t)snprintf(it->buf + used, sizeof(it->buf) - used,
					 "%s%s", i ? ", " : "",
					 conf->provider.outbound_ips.v[i]);
	it->value = it->buf;
}

/* sheet_customer - SPF, each DKIM key, DMARC */
static int
sheet_customer(struct tm_snap *s, const struct tm_tenant *t, bool as_json,
	       const char *when)
{
	struct tm_policy_env env = { s->spf, s->resolver, s->psl, { 0, 0 } };
	struct item *it = NULL;
	struct tm_ready r;
	size_t i, n = 0;
	int rc = 1;

	clock_gettime(CLOCK_MONOTONIC, &env.deadline);
	env.deadline.tv_sec += s->conf->dns.timeout;
	if (tm_ready_check(s->conf, t, &env, &r) < 0 ||
	    (it = calloc(r.n_keys + 3, sizeof(*it))) == NULL) {
		fprintf(stderr, "tenantctl records: out of memory\n");
		goto out;
	}
	spf_item(s->conf, &r, &it[n++]);
	for (i = 0; i < r.n_keys; i++)
		dkim_item(&r.keys[i], &it[n++]);
	dmarc_item(&r, &it[n++]);
	if (t->internal.set)
		internal_item(s->conf, t, &it[n++]);
	if (as_json)
		print_json(t, when, it, n);
	else
		print_text(t, s->conf->provider.domain, r.from_domain, when, it, n);
	rc = 0;
out:
	for (i = 0; it && i < n; i++)
		free(it[i].zone);
	free(it);
	tm_ready_fini(&r);
	return rc;
}

/* sheet_relay - what to allow on the customer's server (records_relay.c) */
static int
sheet_relay(struct tm_snap *s, const struct tm_tenant *t, bool as_json,
	    const char *when)
{
	return tctl_records_relay(s, t, as_json, when);
}

/* sheet_provider - nothing for the customer to publish */
static int
sheet_provider(struct tm_snap *s, const struct tm_tenant *t, bool as_json,
	       const char *when)
{
	if (as_json) {
		printf("{");
		tctl_json_kv(stdout, true, "tenant", t->id);
		tctl_json_kv(stdout, false, "mode", "provider");
		tctl_json_kv(stdout, false, "checked", when);
		printf(",\"items\":[]}\n");
	} else
		printf("Tenant %s is in provider mode: its mail is sent as %s,\n"
		       "under %s, whose records the provider publishes.\n"
		       "Nothing to publish in your DNS (tenantctl dns --provider "
		       "checks ours).\n", t->id, t->sender.from, s->conf->provider.domain);
	return 0;
}

static int (*const sheets[])(struct tm_snap *, const struct tm_tenant *, bool,
			     const char *) = {
	[TM_MODE_PROVIDER] = sheet_provider,
	[TM_MODE_CUSTOMER] = sheet_customer,
	[TM_MODE_RELAY] = sheet_relay,
};

/* tctl_records - the sheet for one tenant */
int
tctl_records(const char *conf_path, int argc, char **argv)
{
	const struct tm_tenant *t;
	const char *id = NULL;
	struct tm_conf *conf;
	struct tm_snap *s;
	struct tm_err err;
	bool as_json = false;
	char when[64];
	time_t now = time(NULL);
	struct tm tmv;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
		else if (argv[i][0] != '-' && id == NULL)
			id = argv[i];
		else
			id = NULL, i = argc + 1;
	}
	if (id == NULL || i > argc) {
		fprintf(stderr, "usage: tenantctl [-c FILE] records TENANT [--json]\n");
		return 1;
	}
	tm_err_init(&err);
	if ((conf = tm_conf_load(conf_path, &err)) == NULL ||
	    (s = tm_snap_build(conf, &err)) == NULL) {
		tm_err_print(&err, stderr);
		tm_err_fini(&err);
		return 1;
	}
	tm_err_fini(&err);
	if ((t = tm_conf_tenant(s->conf, id)) == NULL) {
		fprintf(stderr, "tenantctl records: no tenant \"%s\"\n", id);
		tm_snap_free(s);
		return 1;
	}
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tmv));
	rc = sheets[t->mode](s, t, as_json, when);
	tm_snap_free(s);
	return rc;
}
