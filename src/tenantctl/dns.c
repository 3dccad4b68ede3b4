/*
 * dns.c - `tenantctl dns [TENANT...] [--json]`: each tenant's DNS
 * readiness from live DNS (dns.nameserver), the verdict first, then SPF,
 * DKIM, DMARC and the exact fix.  All facts and the verdict come from
 * lib/policy/readiness.c; this file parses arguments and prints.
 *
 * Text: one block per tenant, columns aligned, colour on a terminal only;
 * a progress line on stderr when a terminal waits for many tenants.
 * --json: one object, documented in tenantctl(8).
 * Exit: the worst verdict over the tenants named (0 ready, 1 warnings,
 * 2 not ready, 3 could not check); 1 also for bad usage or configuration.
 */

#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "dns/txtzone.h"
#include "policy/readiness.h"
#include "util/err.h"
#include "snap.h"
#include "json.h"
#include "tctl.h"

#define THREADS 16		/* concurrent tenant checks */
#define PROGRESS_MIN 20		/* tenants before a progress line */

/* paint - the verdict, coloured when colour (stdout is a terminal) */
static void
paint(enum tm_ready_verdict v, const char *text, bool colour)
{
	static const char *const c[] = { "32", "33", "31", "35" };

	if (colour)
		printf("\033[1;%sm%s\033[0m", c[v], text);
	else
		fputs(text, stdout);
}

/* row - "  label         value" */
static void __attribute__((format(printf, 2, 3)))
row(const char *label, const char *fmt, ...)
{
	va_list ap;

	printf("  %-14s", label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* indented - a multi-line text, continuation lines aligned under the value */
static void
indented(const char *label, const char *text)
{
	const char *p = text, *nl;

	printf("  %-14s", label);
	while ((nl = strchr(p, '\n')) != NULL) {
		printf("%.*s\n%16s", (int)(nl - p), p, "");
		p = nl + 1;
		while (*p == '\t')
			p++;
	}
	printf("%s\n", p);
}

/* text_spf - the SPF rows */
static void
text_spf(const struct tm_ready *r)
{
	size_t i;

	if (r->spf.record)
		row("spf record", "%s  (%zu record%s, %zu bytes)", r->spf.record,
		    r->spf.n_records, r->spf.n_records == 1 ? "" : "s", r->spf.length);
	else
		row("spf record", "none at %s (%s)", r->spf_domain,
		    tm_dns_status_name(r->spf.status));
	for (i = 0; i < r->n_ips; i++) {
		const struct tm_ready_ip *ip = &r->ips[i];

		row("spf", "%-16s %-9s %-28s lookups %u/10  voids %u/2%s%s", ip->ip,
		    tm_spf_result_name(ip->out.result),
		    ip->matched[0] ? ip->matched : "-", ip->out.lookups,
		    ip->out.voids, ip->out.why[0] ? "  " : "", ip->out.why);
	}
}

/* text_dkim - one row per selector */
static void
text_dkim(const struct tm_ready *r)
{
	size_t i;

	for (i = 0; i < r->n_keys; i++) {
		const struct tm_ready_key *k = &r->keys[i];
		char desc[200] = "";

		if (k->found && k->rec.revoked)
			snprintf(desc, sizeof(desc), "revoked (p= empty)");
		else if (k->found)
			snprintf(desc, sizeof(desc), "%s-%d%s%s", k->rec.type,
				 k->rec.bits, k->rec.testing ? " t=y" : "",
				 k->rec.why[0] ? " " : "");
		row("dkim", "%-36s %-12s %s%s", k->name, tm_pub_state_name(k->state),
		    desc, k->rec.why[0] ? k->rec.why : "");
	}
}

/* text_dmarc - where and what */
static void
text_dmarc(const struct tm_ready *r)
{
	const struct tm_dmarc *m = &r->dmarc;

	if (m->found == TM_DMARC_EXACT || m->found == TM_DMARC_ORG)
		row("dmarc", "%s (%s): p=%s sp=%s adkim=%c aspf=%c pct=%d", m->name,
		    m->found == TM_DMARC_EXACT ? "exact name" : "organizational domain",
		    m->p[0] ? m->p : "-", m->sp[0] ? m->sp : "-", m->adkim, m->aspf,
		    m->pct);
	else
		row("dmarc", "%s", m->found == TM_DMARC_NONE ? "none published" :
		    "unknown (DNS)");
}

/* text_fix - what to publish */
static void
text_fix(const struct tm_ready *r)
{
	char *zone;
	size_t i;

	if (r->spf_fix && (zone = tm_dns_txt_zone(r->spf_domain, r->spf_fix))) {
		indented("fix spf", zone);
		row("", "one string: %s", r->spf_fix);
		row("", "lookups after the change: %u/10%s", r->fix_lookups,
		    r->fix_passes ? "; passes for every outbound IP" :
		    "; STILL FAILS for some outbound IP");
		free(zone);
	}
	for (i = 0; i < r->n_keys; i++)
		if (r->keys[i].state != TM_PUB_PUBLISHED && r->keys[i].zone) {
			indented("fix dkim", r->keys[i].zone);
			row("", "one string: %s", r->keys[i].txt);
		}
	if (r->dmarc_fix && (zone = tm_dns_txt_zone(r->dmarc_fix_name, r->dmarc_fix))) {
		indented("fix dmarc", zone);
		row("", "(starter: p=none monitors; add rua=mailto:... for reports)");
		free(zone);
	}
}

/*
 * text_internal - internal mail needs no SPF: what the milter does with
 * it, next to the verdict (which is for mail to anyone else)
 */
static void
text_internal(const struct tm_ready *r)
{
	const struct tm_tenant *t = r->tenant;
	char doms[512];
	size_t i, used = 0;

	if (r->internal_action == NULL)
		return;
	doms[0] = '\0';
	for (i = 0; i < t->internal.domains.n && used < sizeof(doms); i++)
		used += (size_t)snprintf(doms + used, sizeof(doms) - used, "%s%s",
					 i ? ", " : "", t->internal.domains.v[i]);
	row("internal", "mail only to %s: the milter would %s it%s%s (SPF not "
	    "required; your server must allow-list our IPs); the verdict is for "
	    "mail to anyone else", doms, r->internal_action,
	    r->internal_reason ? ": " : "", r->internal_reason ? r->internal_reason : "");
}

/* text - one block */
static void
text(const struct tm_ready *r, bool colour)
{
	const struct tm_tenant *t = r->tenant;
	size_t i;

	if (t == NULL)
		printf("provider (%s)  ", r->from_domain);
	else
		printf("%s (%s)  ", t->id, tm_mode_name(t->mode));
	paint(r->verdict, r->headline, colour);
	putchar('\n');
	if (t == NULL) {
		row("spf of", "%s", r->spf_domain);
		text_spf(r);
		text_dkim(r);
		text_dmarc(r);
	} else if (t->mode == TM_MODE_RELAY) {
		row("relay", "%s: %s", r->relay_name, tm_dns_status_name(r->relay_status));
	} else {
		row("from", "%s (SPF checked for %s)", t->sender.from, r->spf_domain);
		row("action", "%s%s%s", r->action ? r->action : "-",
		    r->reason ? ": " : "", r->reason ? r->reason : "");
		row("dmarc pass", "spf=%s dkim=%s", r->dmarc_spf ? "yes" : "no",
		    r->dmarc_dkim ? "yes" : "no");
		text_internal(r);
		text_spf(r);
		text_dkim(r);
		text_dmarc(r);
	}
	for (i = 0; i < r->problems.n; i++)
		row("error", "%s", r->problems.v[i]);
	for (i = 0; i < r->warnings.n; i++)
		row("warning", "%s", r->warnings.v[i]);
	text_fix(r);
	putchar('\n');
}

/* json_outcome - one SPF outcome's fields */
static void
json_outcome(const struct tm_spf_outcome *o)
{
	tctl_json_kv(stdout, false, "result", tm_spf_result_name(o->result));
	tctl_json_ki(stdout, false, "lookups", o->lookups);
	tctl_json_ki(stdout, false, "voids", o->voids);
	tctl_json_kv(stdout, false, "why", o->why);
}

/* json_spf - "spf": {...} */
static void
json_spf(const struct tm_ready *r)
{
	char *zone = r->spf_fix ? tm_dns_txt_zone(r->spf_domain, r->spf_fix) : NULL;
	size_t i;

	printf(",\"spf\":{");
	tctl_json_kv(stdout, true, "domain", r->spf_domain);
	tctl_json_kv(stdout, false, "status", tm_dns_status_name(r->spf.status));
	tctl_json_ki(stdout, false, "records", (long)r->spf.n_records);
	tctl_json_kv(stdout, false, "record", r->spf.record);
	tctl_json_ki(stdout, false, "length", (long)r->spf.length);
	tctl_json_kv(stdout, false, "worst", tm_spf_result_name(r->spf_worst));
	tctl_json_ki(stdout, false, "lookups", r->lookups);
	tctl_json_ki(stdout, false, "voids", r->voids);
	printf(",\"ips\":[");
	for (i = 0; i < r->n_ips; i++) {
		printf("%s{", i ? "," : "");
		tctl_json_kv(stdout, true, "ip", r->ips[i].ip);
		json_outcome(&r->ips[i].out);
		tctl_json_kv(stdout, false, "matched", r->ips[i].matched);
		printf("}");
	}
	printf("],\"fix\":");
	if (r->spf_fix) {
		printf("{");
		tctl_json_kv(stdout, true, "record", r->spf_fix);
		tctl_json_kv(stdout, false, "zone", zone);
		tctl_json_ki(stdout, false, "lookups", r->fix_lookups);
		tctl_json_kb(stdout, false, "passes", r->fix_passes);
		printf(",\"ips\":[");
		for (i = 0; i < r->n_ips; i++) {
			printf("%s{", i ? "," : "");
			tctl_json_kv(stdout, true, "ip", r->ips[i].ip);
			json_outcome(&r->ips[i].fixed);
			printf("}");
		}
		printf("]}");
	} else
		printf("null");
	printf("}");
	free(zone);
}

/* json_dkim - "dkim": [...] */
static void
json_dkim(const struct tm_ready *r)
{
	size_t i;

	printf(",\"dkim\":[");
	for (i = 0; i < r->n_keys; i++) {
		const struct tm_ready_key *k = &r->keys[i];
		bool fix = k->state != TM_PUB_PUBLISHED && k->zone;

		printf("%s{", i ? "," : "");
		tctl_json_kv(stdout, true, "domain", k->dkim->domain);
		tctl_json_kv(stdout, false, "selector", k->dkim->selector);
		tctl_json_kv(stdout, false, "name", k->name);
		tctl_json_kv(stdout, false, "state", tm_pub_state_name(k->state));
		tctl_json_kb(stdout, false, "found", k->found);
		tctl_json_kv(stdout, false, "type", k->found ? k->rec.type : NULL);
		tctl_json_ki(stdout, false, "bits", k->found ? k->rec.bits : 0);
		tctl_json_kb(stdout, false, "testing", k->rec.testing);
		tctl_json_kb(stdout, false, "revoked", k->rec.revoked);
		tctl_json_kv(stdout, false, "record", k->txt);
		tctl_json_kv(stdout, false, "fix_zone", fix ? k->zone : NULL);
		printf("}");
	}
	printf("]");
}

/* json_dmarc - "dmarc": {...} */
static void
json_dmarc(const struct tm_ready *r)
{
	static const char *const found[] = { "exact", "organizational", "none", "unknown" };
	const struct tm_dmarc *m = &r->dmarc;
	bool has = m->found == TM_DMARC_EXACT || m->found == TM_DMARC_ORG;
	char a[2] = { m->adkim, 0 }, s[2] = { m->aspf, 0 };

	printf(",\"dmarc\":{");
	tctl_json_kv(stdout, true, "found", found[m->found]);
	tctl_json_kv(stdout, false, "name", m->name);
	tctl_json_kv(stdout, false, "p", has ? m->p : NULL);
	tctl_json_kv(stdout, false, "sp", has && m->sp[0] ? m->sp : NULL);
	tctl_json_kv(stdout, false, "adkim", has ? a : NULL);
	tctl_json_kv(stdout, false, "aspf", has ? s : NULL);
	tctl_json_ki(stdout, false, "pct", has ? m->pct : 0);
	tctl_json_kv(stdout, false, "fix_name", r->dmarc_fix ? r->dmarc_fix_name : NULL);
	tctl_json_kv(stdout, false, "fix", r->dmarc_fix);
	printf("}");
}

/* json - one tenant object */
static void
json(const struct tm_ready *r, bool first)
{
	const struct tm_tenant *t = r->tenant;

	printf("%s{", first ? "" : ",");
	tctl_json_kv(stdout, true, "id", t ? t->id : NULL);
	tctl_json_kv(stdout, false, "mode", t ? tm_mode_name(t->mode) : "provider");
	tctl_json_kv(stdout, false, "verdict", tm_ready_verdict_name(r->verdict));
	tctl_json_ki(stdout, false, "exit", r->verdict);
	tctl_json_kv(stdout, false, "headline", r->headline);
	tctl_json_kv(stdout, false, "action", r->action);
	tctl_json_kv(stdout, false, "reason", r->reason);
	if (t == NULL) {
		tctl_json_kv(stdout, false, "domain", r->from_domain);
		json_spf(r);
		json_dkim(r);
		json_dmarc(r);
	} else if (t->mode == TM_MODE_RELAY) {
		printf(",\"relay\":{");
		tctl_json_kv(stdout, true, "name", r->relay_name);
		tctl_json_kv(stdout, false, "status", tm_dns_status_name(r->relay_status));
		printf("}");
	} else {
		tctl_json_kv(stdout, false, "from", t->sender.from);
		if (r->internal_action) {
			printf(",\"internal\":{");
			tctl_json_strv(stdout, true, "domains", &t->internal.domains);
			tctl_json_kv(stdout, false, "action", r->internal_action);
			tctl_json_kv(stdout, false, "reason", r->internal_reason);
			printf("}");
		} else
			printf(",\"internal\":null");
		printf(",\"dmarc_pass\":{");
		tctl_json_kb(stdout, true, "spf", r->dmarc_spf);
		tctl_json_kb(stdout, false, "dkim", r->dmarc_dkim);
		printf("}");
		json_spf(r);
		json_dkim(r);
		json_dmarc(r);
	}
	tctl_json_strv(stdout, false, "warnings", &r->warnings);
	tctl_json_strv(stdout, false, "problems", &r->problems);
	printf("}");
}

/* progress - "checked N/M" on a terminal */
static void
progress(size_t done, size_t n, void *arg)
{
	(void)arg;
	fprintf(stderr, "\rtenantctl dns: checked %zu/%zu tenants%s", done, n,
		done == n ? "\n" : "");
}

/* pick - the tenants named (all when none); -1 naming an unknown one */
static int
pick(const struct tm_conf *conf, int argc, char **argv,
     const struct tm_tenant ***out, size_t *n)
{
	size_t i;

	*n = argc > 0 ? (size_t)argc : argc < 0 ? 0 : conf->n_tenants;
	if ((*out = calloc(*n + 1, sizeof(**out))) == NULL)
		return -1;
	for (i = 0; i < *n; i++) {
		(*out)[i] = argc > 0 ? tm_conf_tenant(conf, argv[i]) : conf->tenants[i];
		if ((*out)[i] == NULL) {
			fprintf(stderr, "tenantctl dns: no tenant \"%s\"\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

/* report - run the checks and print; the exit code */
/* provider - `--provider`: the provider's records; the exit code or -1 */
static int
provider(struct tm_snap *s, bool as_json)
{
	struct tm_policy_env env = { s->spf, s->resolver, s->psl, { 0, 0 } };
	struct tm_ready r;
	int v;

	clock_gettime(CLOCK_MONOTONIC, &env.deadline);
	env.deadline.tv_sec += s->conf->dns.timeout;
	if (tm_ready_check_provider(s->conf, &env, &r) < 0) {
		fprintf(stderr, "tenantctl dns: out of memory\n");
		tm_ready_fini(&r);
		return -1;
	}
	if (as_json) {
		printf("\"provider\":");
		json(&r, true);
		printf(",");
	} else
		text(&r, isatty(1));
	v = (int)r.verdict;
	tm_ready_fini(&r);
	return v;
}

/* report - run the checks and print; the exit code */
static int
report(struct tm_snap *s, int argc, char **argv, bool as_json, bool prov)
{
	struct tm_policy_env env = { s->spf, s->resolver, s->psl, { 0, 0 } };
	const struct tm_tenant **ts = NULL;
	struct tm_ready *r = NULL;
	size_t i, n = 0;
	int worst = 0, rc = 1;
	bool tty = isatty(2);

	if (pick(s->conf, prov && argc == 0 ? -1 : argc, argv, &ts, &n) < 0)
		goto out;
	if (as_json)
		printf("{");
	if (prov && (worst = provider(s, as_json)) < 0)
		goto out;
	if ((r = calloc(n + 1, sizeof(*r))) == NULL ||
	    (n > 0 && tm_ready_run(s->conf, ts, n, &env, THREADS,
			 tty && n >= PROGRESS_MIN ? progress : NULL, NULL, r) < 0)) {
		fprintf(stderr, "tenantctl dns: out of memory\n");
		goto out;
	}
	if (as_json)
		printf("\"tenants\":[");
	for (i = 0; i < n; i++) {
		if ((int)r[i].verdict > worst)
			worst = (int)r[i].verdict;
		if (as_json)
			json(&r[i], i == 0);
		else
			text(&r[i], isatty(1));
	}
	if (as_json)
		printf("],\"exit\":%d}\n", worst);
	rc = worst;
out:
	for (i = 0; r && i < n; i++)
		tm_ready_fini(&r[i]);
	free(r);
	free(ts);
	return rc;
}

/* tctl_dns - the readiness report */
int
tctl_dns(const char *conf_path, int argc, char **argv)
{
	struct tm_conf *conf;
	struct tm_snap *s;
	struct tm_err err;
	bool as_json = false, prov = false;
	int i, n = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
		else if (strcmp(argv[i], "--provider") == 0)
			prov = true;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: tenantctl [-c FILE] dns [--provider] [TENANT...] [--json]\n");
			return 1;
		} else
			argv[1 + n++] = argv[i];
	}
	tm_err_init(&err);
	if ((conf = tm_conf_load(conf_path, &err)) == NULL ||
	    (s = tm_snap_build(conf, &err)) == NULL) {
		tm_err_print(&err, stderr);
		tm_err_fini(&err);
		return 1;
	}
	tm_err_fini(&err);
	rc = report(s, n, argv + 1, as_json, prov);
	tm_snap_free(s);
	return rc;
}
