/*
 * readiness.c - a tenant's DNS readiness report (readiness.h).
 *
 * Public: tm_ready_check, tm_ready_fini, tm_ready_run,
 * tm_ready_verdict_name.
 *
 * Every fact comes from the functions the milter uses: SPF from spf.c
 * (tm_spf_check per IP, tm_spf_worst for the worst), key states from the
 * guard (tm_guard_key_state), the action and the DMARC outlook of
 * customer-mode mail from tm_policy_decide_tenant() on the message the
 * tenant sends.  What only a report needs (the published record's
 * warnings, the deciding term, the fix evaluated as if published) comes
 * from spf_probe.c, keyrec.c and dmarc.c.
 *
 * Errors: -1 only when out of memory.  Thread-safe: a check owns its
 * output; the resolver, SPF evaluator and list are shared read-only.
 */

#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim/keys.h"
#include "msg/addr.h"
#include "msg/hdrs.h"
#include "policy/psl.h"
#include "policy/readiness.h"
#include "util/strv.h"

#define LOOKUPS_WARN	9	/* of RFC 7208's 10: no room left to grow */
#define SPF_LEN_WARN	450	/* RFC 7208 3.4: keep records small */

/* note - add a sentence to a list; 0 ok, -1 out of memory */
static int __attribute__((format(printf, 2, 3)))
note(struct tm_strv *v, const char *fmt, ...)
{
	char buf[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tm_strv_add(v, buf);
}

/* tm_ready_verdict_name - as the JSON output spells them */
const char *
tm_ready_verdict_name(enum tm_ready_verdict v)
{
	static const char *const names[] = {
		"ready", "warnings", "not-ready", "unchecked"
	};

	return names[v];
}

/* domain_of - the domain of an address ("" when none) into buf */
static void
domain_of(const char *addr, char *buf, size_t len)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	snprintf(buf, len, "%s", at ? at + 1 : "");
}

/* spf_ips - each outbound IP checked, the deciding term, the worst */
static int
spf_ips(const struct tm_conf *conf, struct tm_ready *r,
	const struct tm_policy_env *env, const char *sender)
{
	struct tm_spf_outcome worst;
	size_t i;

	r->n_ips = conf->provider.outbound_ips.n;
	if ((r->ips = calloc(r->n_ips + 1, sizeof(*r->ips))) == NULL)
		return -1;
	for (i = 0; i < r->n_ips; i++) {
		struct tm_ready_ip *ip = &r->ips[i];
		const struct tm_cidr *c = &conf->provider.outbound[i];

		inet_ntop(c->family, c->addr, ip->ip, sizeof(ip->ip));
		if (tm_spf_check(env->spf, c, r->spf_domain, sender, NULL,
				 &env->deadline, &ip->out) < 0)
			return -1;
		if (ip->out.lookups > r->lookups)
			r->lookups = ip->out.lookups;
		if (ip->out.voids > r->voids)
			r->voids = ip->out.voids;
		if (r->spf.n_records == 1 && ip->out.result != TM_SPF_TEMPERROR &&
		    ip->out.result != TM_SPF_PERMERROR && ip->out.result != TM_SPF_NONE &&
		    tm_spf_matched(env->resolver, r->spf_domain, r->spf.record, c,
				   sender, &env->deadline, ip->matched,
				   sizeof(ip->matched)) < 0)
			return -1;
	}
	if (tm_spf_worst(env->spf, conf->provider.outbound, r->n_ips,
			 r->spf_domain, sender, &env->deadline, &worst) < 0)
		return -1;
	r->spf_worst = worst.result;
	return 0;
}

/* spf_warnings - what the published record risks */
static int
spf_warnings(struct tm_ready *r)
{
	const char *d = r->spf_domain;
	int rc = 0;

	if (r->spf.n_records > 1)
		rc |= note(&r->warnings, "SPF: %s publishes %zu SPF records: "
			   "receivers treat that as permerror; keep one", d,
			   r->spf.n_records);
	if (r->spf.pass_all)
		rc |= note(&r->warnings, "SPF: %s ends in +all: anyone may send "
			   "as it", d);
	if (r->spf.neutral_all)
		rc |= note(&r->warnings, "SPF: %s ends in ?all: SPF says nothing "
			   "about other senders", d);
	if (r->spf.has_ptr)
		rc |= note(&r->warnings, "SPF: %s uses ptr (RFC 7208 5.5: do "
			   "not use; slow, and some receivers ignore it)", d);
	if (r->lookups >= LOOKUPS_WARN)
		rc |= note(&r->warnings, "SPF: %s needs %u of 10 DNS lookups",
			   d, r->lookups);
	if (r->spf.length > SPF_LEN_WARN)
		rc |= note(&r->warnings, "SPF: the record of %s is %zu bytes "
			   "(keep it under %d)", d, r->spf.length, SPF_LEN_WARN);
	if (r->spf_worst != TM_SPF_PASS && r->spf_worst != TM_SPF_TEMPERROR)
		rc |= note(&r->warnings, "SPF: %s for %s: %s", tm_spf_result_name(
			   r->spf_worst), d, r->ips[0].out.result == TM_SPF_PASS &&
			   r->n_ips > 1 ? r->ips[1].out.why : r->ips[0].out.why);
	return rc ? -1 : 0;
}

/* spf_fix - the record to publish so that every IP passes, checked */
static int
spf_fix(const struct tm_conf *conf, struct tm_ready *r,
	const struct tm_policy_env *env, const char *sender, bool include)
{
	const char *inc = include ? conf->provider.spf_include : NULL;
	char terms[1024] = "";
	size_t i, used = 0;

	if (r->spf_worst == TM_SPF_PASS || r->spf_worst == TM_SPF_TEMPERROR)
		return 0;
	if (inc)
		snprintf(terms, sizeof(terms), "include:%s", inc);
	for (i = 0; !inc && i < r->n_ips; i++)
		if (r->ips[i].out.result != TM_SPF_PASS && used < sizeof(terms))
			used += (size_t)snprintf(terms + used, sizeof(terms) - used,
				"%sip%c:%s", used ? " " : "",
				conf->provider.outbound[i].family == AF_INET6 ? '6' : '4',
				r->ips[i].ip);
	if ((r->spf_fix = tm_spf_propose(r->spf.record, terms)) == NULL)
		return -1;
	r->fix_passes = true;
	for (i = 0; i < r->n_ips; i++) {
		struct tm_spf_outcome *o = &r->ips[i].fixed;

		if (tm_spf_check_as(env->resolver, r->spf_domain, r->spf_fix,
				    &conf->provider.outbound[i], sender,
				    &env->deadline, o) < 0)
			return -1;
		if (o->result != TM_SPF_PASS)
			r->fix_passes = false;
		if (o->lookups > r->fix_lookups)
			r->fix_lookups = o->lookups;
	}
	if (r->fix_lookups > 10 || !r->fix_passes)
		return note(&r->warnings, "SPF: the proposed record does not pass "
			    "for every outbound IP (%u lookups): simplify the "
			    "record first", r->fix_lookups);
	return 0;
}

/* key_part - one selector: the guard's state, the record, our record */
static int
key_part(struct tm_ready *r, struct tm_ready_key *k,
	 const struct tm_policy_env *env)
{
	const struct tm_dkim *d = k->dkim;
	struct tm_dns_answer *a;
	char why[700];
	size_t i;

	snprintf(k->name, sizeof(k->name), "%s._domainkey.%s", d->selector, d->domain);
	k->state = tm_guard_key_state(env->resolver, d, &env->deadline, NULL,
				      why, sizeof(why));
	if ((a = tm_resolver_query(env->resolver, k->name, TM_DNS_TXT,
				   &env->deadline)) == NULL)
		return -1;
	for (i = 0; a->status == TM_DNS_OK && i < a->n && !k->found; i++)
		if (a->rr[i].text) {
			k->found = true;
			if (tm_keyrec_parse(a->rr[i].text, &k->rec) < 0) {
				tm_dns_answer_free(a);
				return -1;
			}
		}
	tm_dns_answer_free(a);
	if (d->key && ((k->txt = tm_key_txt(d->key)) == NULL ||
		       (k->zone = tm_key_txt_zone(d->selector, d->domain, k->txt)) == NULL))
		return -1;
	switch (k->state) {
	case TM_PUB_PUBLISHED:
		break;
	case TM_PUB_ABSENT:
		return note(&r->warnings, "DKIM: %s is not published: it does "
			    "not sign until it is", k->name);
	case TM_PUB_MISMATCH:
		return note(&r->warnings, "DKIM: %s %s: it does not sign", k->name,
			    k->rec.revoked ? "is revoked (empty p=)" :
			    "publishes another key than ours");
	case TM_PUB_UNKNOWN:
		if (d->key == NULL)	/* not DNS: the key file is unusable */
			return note(&r->warnings, "DKIM: %s: the key cannot be "
				    "used: %s", k->name, d->key_error ?
				    d->key_error : "not loaded");
		return note(&r->problems, "DKIM: %s", why);
	}
	if (k->rec.testing && note(&r->warnings, "DKIM: %s has t=y (testing): "
				   "receivers may treat mail as unsigned", k->name) < 0)
		return -1;
	if (d->key && d->key->alg == TM_ALG_RSA_SHA256 && d->key->bits < 2048)
		return note(&r->warnings, "DKIM: %s is RSA-%d: use 2048 bits "
			    "(tenantctl genkey)", k->name, d->key->bits);
	return 0;
}

/* dkim_part - every selector of the list that signs this tenant's mail */
static int
dkim_part(const struct tm_dkim_list *dl, struct tm_ready *r,
	  const struct tm_policy_env *env)
{
	size_t i;

	if ((r->keys = calloc(dl->n + 1, sizeof(*r->keys))) == NULL)
		return -1;
	for (i = 0; i < dl->n; i++) {
		r->keys[i].dkim = &dl->v[i];
		r->n_keys++;
		if (key_part(r, &r->keys[i], env) < 0)
			return -1;
	}
	if (dl->n == 0)
		return note(&r->warnings, "DKIM: no dkim entry: DMARC rests on "
			    "SPF alone (tenantctl genkey)");
	return 0;
}

/* dmarc_part - the record receivers apply to the From domain */
static int
dmarc_part(struct tm_ready *r, const struct tm_policy_env *env)
{
	struct tm_dmarc *m = &r->dmarc;

	if (tm_dmarc_lookup(env->resolver, env->psl, r->from_domain,
			    &env->deadline, m) < 0)
		return -1;
	switch (m->found) {
	case TM_DMARC_TEMP:
		return note(&r->problems, "DMARC: %s", m->why);
	case TM_DMARC_NONE:
		snprintf(r->dmarc_fix_name, sizeof(r->dmarc_fix_name), "_dmarc.%s",
			 tm_psl_org_domain(env->psl, r->from_domain));
		if ((r->dmarc_fix = strdup("v=DMARC1; p=none")) == NULL)
			return -1;
		return note(&r->warnings, "DMARC: no record for %s%s", r->from_domain,
			    m->several ? " (more than one: receivers ignore them)" : "");
	default:
		break;
	}
	if (m->pct < 100)
		return note(&r->warnings, "DMARC: pct=%d: the policy applies to "
			    "part of the mail only", m->pct);
	return 0;
}

/*
 * decide - the milter's decision for the mail this tenant sends: to an
 * outside recipient (rcpt NULL), or to one recipient at each internal
 * domain (rcpt the tenant's internal.domains: the internal-mail outcome).
 */
static int
decide(const struct tm_conf *conf, const struct tm_tenant *t, struct tm_ready *r,
       const struct tm_policy_env *env, const char *mail_from,
       const struct tm_strv *rcpt)
{
	struct tm_hdrs h = { NULL, 0, 0, 0 };
	struct tm_strv to = { NULL, 0 };
	struct tm_decision d;
	struct tm_msg m = { .queue_id = "dns", .mail_from = mail_from, .hdrs = &h };
	char addr[300];
	size_t i;
	int rc = -1;

	memset(&d, 0, sizeof(d));
	for (i = 0; rcpt && i < rcpt->n; i++) {
		snprintf(addr, sizeof(addr), "postmaster@%s", rcpt->v[i]);
		if (tm_strv_add(&to, addr) < 0)
			goto out;
	}
	m.rcpt = (const char *const *)to.v;
	m.n_rcpt = to.n;
	if (t->sender.from && tm_hdrs_add(&h, "From", t->sender.from) < 0)
		goto out;
	if (tm_policy_decide_tenant(conf, t, &m, env, &d) < 0)
		goto out;
	if (rcpt) {
		r->internal_action = d.action;
		rc = d.reason && (r->internal_reason = strdup(d.reason)) == NULL ?
			-1 : 0;
	} else {
		r->action = d.action;
		r->dmarc_spf = d.dmarc_spf;
		r->dmarc_dkim = d.dmarc_dkim;
		rc = d.reason && (r->reason = strdup(d.reason)) == NULL ? -1 : 0;
	}
out:
	tm_decision_fini(&d);
	tm_hdrs_fini(&h);
	tm_strv_fini(&to);
	return rc;
}

/* provider_outlook - DMARC of provider-mode mail: aligned key, SPF pass */
static void
provider_outlook(const struct tm_conf *conf, struct tm_ready *r,
		 const struct tm_policy_env *env)
{
	size_t i;

	r->dmarc_spf = r->spf_worst == TM_SPF_PASS &&
		tm_psl_aligned(env->psl, r->spf_domain, r->from_domain);
	for (i = 0; i < r->n_keys; i++)
		if (r->keys[i].state == TM_PUB_PUBLISHED &&
		    tm_psl_aligned(env->psl, conf->provider.domain, r->from_domain))
			r->dmarc_dkim = true;
}

/* unknown - did DNS fail on something the verdict needs? */
static bool
unknown(const struct tm_ready *r)
{
	return r->problems.n > 0 || r->spf_worst == TM_SPF_TEMPERROR;
}

/* verdict - the exit code and its sentence */
static int
verdict(const struct tm_tenant *t, struct tm_ready *r)
{
	const char *via = r->dmarc_spf && r->dmarc_dkim ? "DKIM and SPF" :
		r->dmarc_dkim ? "DKIM only" : "SPF only";
	const char *act = r->action ? r->action : "?";

	if (unknown(r)) {
		r->verdict = TM_READY_UNKNOWN;
		snprintf(r->headline, sizeof(r->headline), "could not check: %s",
			 r->problems.n ? r->problems.v[0] : r->ips[0].out.why);
	} else if (t->unusable) {
		r->verdict = TM_READY_NOT;
		snprintf(r->headline, sizeof(r->headline), "not ready: the tenant "
			 "is isolated, its mail tempfails: %s", t->unusable);
	} else if (strcmp(act, "accept") != 0 && strcmp(act, "rewrite") != 0 &&
		   strcmp(act, "hold") != 0) {
		r->verdict = TM_READY_NOT;
		snprintf(r->headline, sizeof(r->headline), "not ready: the milter "
			 "would %s this tenant's mail (%s)", act,
			 r->reason ? r->reason : "no reason given");
	} else if (!r->dmarc_spf && !r->dmarc_dkim) {
		r->verdict = TM_READY_NOT;
		snprintf(r->headline, sizeof(r->headline), "not ready: mail would "
			 "fail DMARC at receivers (no aligned SPF pass, no aligned "
			 "published key); the milter would %s it", act);
	} else {
		if (!(r->dmarc_spf && r->dmarc_dkim) &&
		    note(&r->warnings, "DMARC passes through %s: one failure "
			 "away from failing", via) < 0)
			return -1;
		r->verdict = r->warnings.n || r->spf_worst != TM_SPF_PASS ?
			TM_READY_WARN : TM_READY_OK;
		snprintf(r->headline, sizeof(r->headline), "%s: DMARC passes "
			 "through %s; the milter would %s", r->verdict == TM_READY_OK ?
			 "ready" : "ready with warnings", via, act);
	}
	return 0;
}

/* relay_part - the relay host, or the MX of relay.mx, resolves */
static int
relay_part(const struct tm_tenant *t, struct tm_ready *r,
	   const struct tm_policy_env *env)
{
	struct tm_dns_answer *a = NULL;
	const char *sp;
	int type = t->relay.host ? TM_DNS_A : TM_DNS_MX;

	snprintf(r->relay_name, sizeof(r->relay_name), "%s",
		 t->relay.host ? t->relay.host : t->relay.mx ? t->relay.mx : "");
	if ((a = tm_resolver_query(env->resolver, r->relay_name, type,
				   &env->deadline)) == NULL)
		return -1;
	if (type == TM_DNS_A && (a->status == TM_DNS_NODATA)) {
		tm_dns_answer_free(a);
		if ((a = tm_resolver_query(env->resolver, r->relay_name, TM_DNS_AAAA,
					   &env->deadline)) == NULL)
			return -1;
	}
	if (type == TM_DNS_MX && a->status == TM_DNS_OK && a->n && a->rr[0].text &&
	    (sp = strchr(a->rr[0].text, ' ')) != NULL) {
		char host[300];

		snprintf(host, sizeof(host), "%s", sp + 1);
		tm_dns_answer_free(a);
		if ((a = tm_resolver_query(env->resolver, host, TM_DNS_A,
					   &env->deadline)) == NULL)
			return -1;
	}
	r->relay_status = a->status;
	tm_dns_answer_free(a);
	if (tm_dns_temporary(r->relay_status))
		return note(&r->problems, "relay: %s: DNS %s", r->relay_name,
			    tm_dns_status_name(r->relay_status));
	r->verdict = r->relay_status == TM_DNS_OK ? TM_READY_OK : TM_READY_NOT;
	snprintf(r->headline, sizeof(r->headline), r->verdict == TM_READY_OK ?
		 "ready: the relay %s resolves" : "not ready: the relay %s does "
		 "not resolve", r->relay_name);
	return 0;
}

/* tm_ready_check - one tenant's report */
int
tm_ready_check(const struct tm_conf *conf, const struct tm_tenant *t,
	       const struct tm_policy_env *env, struct tm_ready *r)
{
	const char *mail_from = t->sender.envelope_from ? t->sender.envelope_from :
		t->sender.from ? t->sender.from : "";

	memset(r, 0, sizeof(*r));
	r->tenant = t;
	if (t->mode == TM_MODE_RELAY) {
		if (relay_part(t, r, env) < 0 ||
		    decide(conf, t, r, env, mail_from, NULL) < 0)
			return -1;
		if (unknown(r)) {
			r->verdict = TM_READY_UNKNOWN;
			snprintf(r->headline, sizeof(r->headline), "could not check: %s",
				 r->problems.v[0]);
		} else if (r->action && strcmp(r->action, "accept") != 0 &&
			   strcmp(r->action, "rewrite") != 0 &&
			   strcmp(r->action, "hold") != 0) {
			/* e.g. a route out of date: the milter's decision says so */
			r->verdict = TM_READY_NOT;
			snprintf(r->headline, sizeof(r->headline), "not ready: the "
				 "milter would %s this tenant's mail (%s)", r->action,
				 r->reason ? r->reason : "no reason given");
		}
		return 0;
	}
	domain_of(t->sender.from, r->from_domain, sizeof(r->from_domain));
	domain_of(mail_from, r->spf_domain, sizeof(r->spf_domain));
	if (tm_spf_published_get(env->resolver, r->spf_domain, &env->deadline,
				 &r->spf) < 0 ||
	    spf_ips(conf, r, env, mail_from) < 0 || spf_warnings(r) < 0 ||
	    spf_fix(conf, r, env, mail_from, true) < 0 ||
	    dkim_part(t->mode == TM_MODE_PROVIDER ? &conf->provider.dkim : &t->dkim,
		      r, env) < 0 ||
	    dmarc_part(r, env) < 0 || decide(conf, t, r, env, mail_from, NULL) < 0)
		return -1;
	if (t->internal.set &&
	    decide(conf, t, r, env, mail_from, &t->internal.domains) < 0)
		return -1;
	if (t->mode == TM_MODE_PROVIDER)
		provider_outlook(conf, r, env);
	return verdict(t, r);
}

/*
 * provider_verdict - `dns --provider`: the include record (or the
 * provider domain) authorizes every outbound IP, a provider key is
 * published, DMARC is there.
 */
static void
provider_verdict(struct tm_ready *r)
{
	size_t i, published = 0;

	for (i = 0; i < r->n_keys; i++)
		published += r->keys[i].state == TM_PUB_PUBLISHED;
	if (unknown(r)) {
		r->verdict = TM_READY_UNKNOWN;
		snprintf(r->headline, sizeof(r->headline), "could not check: %s",
			 r->problems.n ? r->problems.v[0] : r->ips[0].out.why);
	} else if (r->spf_worst != TM_SPF_PASS || published == 0) {
		r->verdict = TM_READY_NOT;
		snprintf(r->headline, sizeof(r->headline), "not ready: %s",
			 r->spf_worst != TM_SPF_PASS ? "SPF of the provider does "
			 "not authorize every outbound IP" : "no provider key is "
			 "published");
	} else {
		r->verdict = r->warnings.n ? TM_READY_WARN : TM_READY_OK;
		snprintf(r->headline, sizeof(r->headline), "%s: SPF authorizes "
			 "every outbound IP, %zu of %zu keys published",
			 r->warnings.n ? "ready with warnings" : "ready", published,
			 r->n_keys);
	}
}

/* tm_ready_check_provider - the provider's own records */
int
tm_ready_check_provider(const struct tm_conf *conf,
			const struct tm_policy_env *env, struct tm_ready *r)
{
	char sender[300];

	memset(r, 0, sizeof(*r));
	snprintf(r->from_domain, sizeof(r->from_domain), "%s", conf->provider.domain);
	snprintf(r->spf_domain, sizeof(r->spf_domain), "%s",
		 conf->provider.spf_include ? conf->provider.spf_include :
		 conf->provider.domain);
	snprintf(sender, sizeof(sender), "postmaster@%s", r->spf_domain);
	if (tm_spf_published_get(env->resolver, r->spf_domain, &env->deadline,
				 &r->spf) < 0 ||
	    spf_ips(conf, r, env, sender) < 0 || spf_warnings(r) < 0 ||
	    spf_fix(conf, r, env, sender, false) < 0 ||
	    dkim_part(&conf->provider.dkim, r, env) < 0 || dmarc_part(r, env) < 0)
		return -1;
	provider_verdict(r);
	return 0;
}

/* tm_ready_fini - free a report */
void
tm_ready_fini(struct tm_ready *r)
{
	size_t i;

	for (i = 0; r->keys && i < r->n_keys; i++) {
		free(r->keys[i].txt);
		free(r->keys[i].zone);
	}
	free(r->keys);
	free(r->ips);
	free(r->spf_fix);
	free(r->dmarc_fix);
	free(r->reason);
	free(r->internal_reason);
	tm_spf_published_fini(&r->spf);
	tm_strv_fini(&r->warnings);
	tm_strv_fini(&r->problems);
	memset(r, 0, sizeof(*r));
}

/* --- many tenants at once ------------------------------------------ */

struct pool {
	const struct tm_conf *conf;
	const struct tm_tenant *const *tenants;
	size_t n, next, done;
	const struct tm_policy_env *env;
	void (*progress)(size_t, size_t, void *);
	void *arg;
	struct tm_ready *out;
	pthread_mutex_t lock;
	int failed;
};

/* worker - take the next tenant until none is left */
static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct tm_policy_env env = *p->env;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		i = p->next < p->n && !p->failed ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n)
			return NULL;
		clock_gettime(CLOCK_MONOTONIC, &env.deadline);
		env.deadline.tv_sec += p->conf->dns.timeout;
		if (tm_ready_check(p->conf, p->tenants[i], &env, &p->out[i]) < 0) {
			pthread_mutex_lock(&p->lock);
			p->failed = 1;
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		pthread_mutex_lock(&p->lock);
		p->done++;
		if (p->progress)
			p->progress(p->done, p->n, p->arg);
		pthread_mutex_unlock(&p->lock);
	}
}

/* tm_ready_run - n checks on up to `threads` threads */
int
tm_ready_run(const struct tm_conf *conf, const struct tm_tenant *const *tenants,
	     size_t n, const struct tm_policy_env *env, unsigned threads,
	     void (*progress)(size_t, size_t, void *), void *arg,
	     struct tm_ready *out)
{
	struct pool p = { conf, tenants, n, 0, 0, env, progress, arg, out,
			  PTHREAD_MUTEX_INITIALIZER, 0 };
	pthread_t *tid;
	unsigned i, started = 0;

	memset(out, 0, n * sizeof(*out));
	if (threads == 0)
		threads = 1;
	if (threads > n)
		threads = n ? (unsigned)n : 1;
	if ((tid = calloc(threads, sizeof(*tid))) == NULL)
		return -1;
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, worker, &p) == 0)
			started++;
		else
			break;
	if (started == 0)
		worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	free(tid);
	pthread_mutex_destroy(&p.lock);
	return p.failed ? -1 : 0;
}
