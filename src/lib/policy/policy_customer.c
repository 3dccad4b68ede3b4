/*
 * policy_customer.c - DESIGN.md step 4 for customer-mode tenants: is the
 * provider authorized to send as the tenant's domain, and will the
 * message pass DMARC at receivers?
 *
 *   1. SPF of the envelope domain (the From domain for the null sender)
 *      for each provider outbound IP; the worst result decides and
 *      spf.<result> says what to do (pass always accepts).
 *   2. Only keys that DNS publishes (the guard) sign; the others appear as
 *      "domain/selector(unpublished)" in the annotation and the log.
 *   3. With neither an aligned SPF pass nor an aligned published key the
 *      message would fail DMARC: dmarc_guard decides.  A key whose state
 *      DNS could not tell counts as unknown: then the message tempfails
 *      rather than risk it (DESIGN.md step 8), unless dmarc_guard is
 *      accept or annotate.
 *
 * Internal mail (tenant `internal`, every recipient in internal.domains):
 * the receiver is the customer's own server, which allow-lists the
 * provider, so no outside receiver judges SPF or DMARC.  SPF is still
 * evaluated and reported, published keys sign, but neither SPF nor the
 * guard rewrites, tempfails or rejects.  One outside recipient and the
 * message is judged as any other (a milter cannot split a message).
 *
 * fallback = provider mode for this message: From becomes the local part
 * of sender.from at the tenant's provider domain (display name kept),
 * Reply-To the original From, the envelope sender the same provider
 * address (bounces stay null), the provider's keys sign.
 */

#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/addr.h"
#include "policy/policy.h"
#include "policy/policy_int.h"
#include "policy/psl.h"
#include "spf/spf.h"
#include "util/strv.h"

static void published_keys(const struct tm_policy_env *, struct tm_decision *,
			   const char *, bool *, size_t *);

/* fallback - send this message as in provider mode (provider keys guarded) */
static int
fallback(const struct tm_conf *conf, const struct tm_tenant *t,
	 const struct tm_msg *m, const struct tm_policy_env *env,
	 struct tm_decision *d, const char *why)
{
	struct tm_mailbox mb = { NULL, NULL, NULL, NULL };
	const struct tm_hdr *from = tm_hdrs_find(m->hdrs, "From", 0);
	const char *at = strrchr(t->sender.from, '@');
	char *addr = NULL, *orig = NULL, perr[256];
	size_t i;
	int rc = -1;

	if (conf->provider.unusable)
		return tm_policy_refusef(d, TM_V_TEMPFAIL, "tenant %s: fallback impossible: "
			       "%s", t->id, conf->provider.unusable);
	if (from && !d->from_added &&
	    tm_addr_parse_mailbox(from->value, &mb, perr, sizeof(perr)) < 0 &&
	    errno == ENOMEM)
		return -1;
	if (asprintf(&addr, "%.*s@%s", (int)(at - t->sender.from),
		     t->sender.from, t->provider_domain) < 0)
		addr = NULL;
	if (addr == NULL || (orig = strdup(d->from_addr)) == NULL)
		goto done;
	free(d->new_from);
	free(d->new_reply_to);
	d->new_from = tm_addr_format(mb.display, addr);
	d->new_reply_to = orig;
	orig = NULL;
	d->from_added = false;		/* there was a From, or it is added below */
	if (from == NULL)
		d->from_added = true;
	if (m->mail_from && *m->mail_from) {
		free(d->new_env_from);
		if ((d->new_env_from = strdup(addr)) == NULL)
			goto done;
	}
	free(d->from_addr);
	d->from_addr = addr;
	addr = NULL;
	d->n_sign = 0;		/* skipped tenant keys stay listed: they say why */
	for (i = 0; i < conf->provider.dkim.n && i < TM_MAX_SIGS; i++)
		d->sign[d->n_sign++] = &conf->provider.dkim.v[i];
	d->action = "fallback";
	d->sign_mode = "provider";
	rc = d->new_from ? tm_policy_add_reason(d, why) : -1;
	if (rc == 0)
		rc = tm_policy_provider_guard(conf, t, m, env, d);
done:
	free(addr);
	free(orig);
	tm_mailbox_fini(&mb);
	return rc;
}

/*
 * spf_eval - SPF of the envelope domain (the From domain for the null
 * sender) for every outbound IP, worst result; sets d->spf.  -1 no memory.
 */
static int
spf_eval(const struct tm_conf *conf, const struct tm_msg *m,
	 const struct tm_policy_env *env, struct tm_decision *d,
	 const char **domain, struct tm_spf_outcome *out)
{
	const char *env_from = d->new_env_from ? d->new_env_from : m->mail_from;
	char sender[600];

	*domain = tm_addr_domain(env_from && *env_from ? env_from : d->from_addr);
	snprintf(sender, sizeof(sender), "%s", env_from && *env_from ? env_from :
		 "postmaster@");
	if (!(env_from && *env_from))
		strncat(sender, *domain, sizeof(sender) - strlen(sender) - 1);
	if (tm_spf_worst(env->spf, conf->provider.outbound,
			 conf->provider.outbound_ips.n, *domain, sender,
			 &env->deadline, out) < 0)
		return -1;
	d->spf = tm_spf_result_name(out->result);
	return 0;
}

/* spf_step - 1: SPF and its action; *out gets the outcome */
static int
spf_step(const struct tm_conf *conf, const struct tm_tenant *t,
	 const struct tm_msg *m, const struct tm_policy_env *env,
	 struct tm_decision *d, const char **domain, struct tm_spf_outcome *out,
	 bool *done)
{
	char why[600];
	enum tm_action act;

	*done = true;
	if (spf_eval(conf, m, env, d, domain, out) < 0)
		return -1;
	act = out->result == TM_SPF_PASS ? TM_ACT_ACCEPT : t->spf_action[out->result];
	snprintf(why, sizeof(why), "spf=%s for %s%s%s", d->spf, *domain,
		 out->why[0] ? ": " : "", out->why);
	switch (act) {
	case TM_ACT_REJECT:
		return tm_policy_refusef(d, TM_V_REJECT, "SPF %s: %s does not authorize "
			       "this server", d->spf, *domain);
	case TM_ACT_TEMPFAIL:
		return tm_policy_refusef(d, TM_V_TEMPFAIL, "SPF %s for %s, try again later",
			       d->spf, *domain);
	case TM_ACT_FALLBACK:
		return fallback(conf, t, m, env, d, why);
	case TM_ACT_ANNOTATE:
		if (tm_policy_add_reason(d, why) < 0)
			return -1;
		break;
	case TM_ACT_ACCEPT:
		break;
	}
	*done = false;
	return 0;
}

/*
 * tm_policy_internal - is every recipient of m in t's internal.domains?
 * Domains compare case-insensitively and exactly: a subdomain counts only
 * when it is listed.  No recipient known: not internal.
 */
int
tm_policy_internal(const struct tm_tenant *t, const struct tm_msg *m)
{
	size_t i;

	if (!t->internal.set || m->n_rcpt == 0)
		return 0;
	for (i = 0; i < m->n_rcpt; i++)
		if (tm_strv_has_ci(&t->internal.domains,
				   tm_addr_domain(m->rcpt[i])) < 0)
			return 0;
	return 1;
}

/*
 * published_keys - 2: keep the keys DNS publishes (or cannot tell about:
 * signing is harmless), list the others as skipped.  *aligned: a kept
 * published key aligns with the From domain; *unknown: keys of unknown state.
 */
static void
published_keys(const struct tm_policy_env *env, struct tm_decision *d,
	       const char *from_domain, bool *aligned, size_t *unknown)
{
	size_t i, n = d->n_sign;

	*aligned = false;
	*unknown = 0;
	d->n_sign = 0;
	for (i = 0; i < n; i++) {
		const struct tm_dkim *k = d->sign[i];
		enum tm_pub_state st = tm_guard_key_state(env->resolver, k,
			&env->deadline, NULL, NULL, 0);

		if (st == TM_PUB_PUBLISHED || st == TM_PUB_UNKNOWN) {
			d->sign[d->n_sign++] = k;
			if (st == TM_PUB_UNKNOWN)
				(*unknown)++;
			else if (tm_psl_aligned(env->psl, k->domain, from_domain))
				*aligned = true;
		} else {
			d->skipped[d->n_skipped] = k;
			d->skipped_state[d->n_skipped++] = st;
		}
	}
}

/* internal_mail - SPF as seen, published keys, no action but annotate */
static int
internal_mail(const struct tm_conf *conf, const struct tm_tenant *t,
	      const struct tm_msg *m, const struct tm_policy_env *env,
	      struct tm_decision *d)
{
	struct tm_spf_outcome out;
	const char *domain;
	char why[700];
	bool aligned;
	size_t unknown;

	if (spf_eval(conf, m, env, d, &domain, &out) < 0)
		return -1;
	d->internal = true;
	published_keys(env, d, tm_addr_domain(d->from_addr), &aligned, &unknown);
	if (out.result == TM_SPF_PASS || t->internal.spf != TM_ACT_ANNOTATE)
		return 0;
	snprintf(why, sizeof(why), "internal mail: spf=%s for %s%s%s", d->spf,
		 domain, out.why[0] ? ": " : "", out.why);
	return tm_policy_add_reason(d, why);
}

/* tm_policy_customer - SPF, published keys, DMARC guard */
int
tm_policy_customer(const struct tm_conf *conf, const struct tm_tenant *t,
		   const struct tm_msg *m, const struct tm_policy_env *env,
		   struct tm_decision *d)
{
	struct tm_spf_outcome out;
	const char *spf_domain, *from_domain = tm_addr_domain(d->from_addr);
	bool done, aligned_dkim, aligned_spf;
	size_t unknown;
	char why[300];

	if (tm_policy_internal(t, m))
		return internal_mail(conf, t, m, env, d);
	if (spf_step(conf, t, m, env, d, &spf_domain, &out, &done) < 0)
		return -1;
	if (done)
		return 0;
	published_keys(env, d, from_domain, &aligned_dkim, &unknown);
	aligned_spf = out.result == TM_SPF_PASS &&
		tm_psl_aligned(env->psl, spf_domain, from_domain);
	d->dmarc_spf = aligned_spf;
	d->dmarc_dkim = aligned_dkim;
	if (aligned_spf || aligned_dkim || t->dmarc_guard == TM_ACT_ACCEPT)
		return 0;
	snprintf(why, sizeof(why), "spf=%s%s, no published aligned key",
		 d->spf, out.result == TM_SPF_PASS ? " (not aligned)" : "");
	if (unknown && t->dmarc_guard != TM_ACT_ANNOTATE)
		return tm_policy_refusef(d, TM_V_TEMPFAIL, "%s; DKIM key state unknown "
			       "(DNS), try again later", why);
	switch (t->dmarc_guard) {
	case TM_ACT_ANNOTATE:
		return tm_policy_add_reason(d, why);
	case TM_ACT_FALLBACK:
		return fallback(conf, t, m, env, d, why);
	case TM_ACT_TEMPFAIL:
		return tm_policy_refusef(d, TM_V_TEMPFAIL, "would fail DMARC: %s", why);
	case TM_ACT_REJECT:
		return tm_policy_refusef(d, TM_V_REJECT, "would fail DMARC: %s", why);
	case TM_ACT_ACCEPT:
		break;
	}
	return 0;
}

/* provider_spf - SPF of the envelope (or From) domain; 1 pass and aligned */
static int
provider_spf(const struct tm_conf *conf, const struct tm_msg *m,
	     const struct tm_policy_env *env, struct tm_decision *d,
	     const char **domain, struct tm_spf_outcome *out)
{
	const char *env_from = d->new_env_from ? d->new_env_from : m->mail_from;
	const char *from_domain = tm_addr_domain(d->from_addr);
	char sender[600];

	*domain = tm_addr_domain(env_from && *env_from ? env_from : d->from_addr);
	snprintf(sender, sizeof(sender), "%s%s", env_from && *env_from ?
		 env_from : "postmaster@", env_from && *env_from ? "" : *domain);
	if (tm_spf_worst(env->spf, conf->provider.outbound,
			 conf->provider.outbound_ips.n, *domain, sender,
			 &env->deadline, out) < 0)
		return -1;
	if (strcmp(d->spf, "-") == 0)
		d->spf = tm_spf_result_name(out->result);
	return out->result == TM_SPF_PASS &&
		tm_psl_aligned(env->psl, *domain, from_domain);
}

/* tm_policy_provider_guard - published provider keys sign, else SPF or dmarc_guard */
int
tm_policy_provider_guard(const struct tm_conf *conf, const struct tm_tenant *t,
			 const struct tm_msg *m, const struct tm_policy_env *env,
			 struct tm_decision *d)
{
	struct tm_spf_outcome out;
	const char *domain;
	bool aligned;
	size_t unknown;
	char why[400];
	int rc;

	if (env == NULL || env->spf == NULL || env->resolver == NULL)
		return 0;
	published_keys(env, d, tm_addr_domain(d->from_addr), &aligned, &unknown);
	if (aligned)
		return 0;
	if ((rc = provider_spf(conf, m, env, d, &domain, &out)) < 0)
		return -1;
	snprintf(why, sizeof(why), "no published aligned provider key, spf=%s "
		 "for %s", tm_spf_result_name(out.result), domain);
	if (rc == 1)	/* DMARC passes on SPF alone */
		return tm_policy_add_reason(d, why);
	if (unknown && t->dmarc_guard != TM_ACT_ANNOTATE &&
	    t->dmarc_guard != TM_ACT_ACCEPT)
		return tm_policy_refusef(d, TM_V_TEMPFAIL, "%s; DKIM key state "
					 "unknown (DNS), try again later", why);
	switch (t->dmarc_guard) {
	case TM_ACT_ACCEPT:
		return 0;
	case TM_ACT_ANNOTATE:
		return tm_policy_add_reason(d, why);
	case TM_ACT_FALLBACK:	/* already the provider's way: nothing left */
	case TM_ACT_TEMPFAIL:
		return tm_policy_refusef(d, TM_V_TEMPFAIL, "would fail DMARC: %s", why);
	case TM_ACT_REJECT:
		return tm_policy_refusef(d, TM_V_REJECT, "would fail DMARC: %s", why);
	}
	return 0;
}
