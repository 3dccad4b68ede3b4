#ifndef TM_READINESS_H
#define TM_READINESS_H

/*
 * readiness - is a tenant's DNS ready for its mail, and if not, what
 * exactly to publish (`tenantctl dns`, `tenantctl records`)?
 *
 * One check per tenant, from live DNS through the project's resolver:
 *   - SPF of the domain the milter checks (MAIL FROM domain of
 *     sender.envelope_from, else of sender.from), per outbound IP with the
 *     product's own SPF code (result, deciding term, lookups, voids), the
 *     published record(s) and their warnings;
 *   - each DKIM selector: the guard's state (guard.c) and what the record
 *     holds (keyrec.h);
 *   - DMARC: where found, p, sp, adkim, aspf, pct;
 *   - the verdict and the milter's action, from tm_policy_decide_tenant()
 *     on the message the tenant sends (From sender.from) -- the milter's
 *     own decision, not a copy of it;
 *   - the fix: the SPF record to publish (checked with the same SPF code
 *     as if published: result per IP, lookups), DKIM records, a starter
 *     DMARC record.
 * Provider-mode tenants: the provider's selectors, SPF of the tenant's
 * provider domain, DMARC of the provider's organizational domain.  Relay
 * tenants: the relay host (or MX) resolves.
 *
 * Verdict (the exit code of `tenantctl dns`): 0 ready, 1 ready with
 * warnings, 2 not ready, 3 could not check (a DNS failure on something
 * the verdict needs).
 *
 * Errors: -1 only when out of memory.  Thread-safe: checks of different
 * tenants run concurrently over one env (tm_ready_run).
 */

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"
#include "dkim/guard.h"
#include "dkim/keyrec.h"
#include "policy/dmarc.h"
#include "policy/policy.h"
#include "spf/spf.h"
#include "spf/spf_probe.h"

enum tm_ready_verdict {
	TM_READY_OK, TM_READY_WARN, TM_READY_NOT, TM_READY_UNKNOWN,
};

struct tm_ready_ip {
	char ip[48];
	struct tm_spf_outcome out;
	char matched[256];		/* term that decided, "" none */
	struct tm_spf_outcome fixed;	/* with the proposed record */
};

struct tm_ready_key {
	const struct tm_dkim *dkim;	/* borrowed from the configuration */
	char name[300];			/* selector._domainkey.domain */
	enum tm_pub_state state;	/* the guard's answer */
	bool found;			/* a TXT record is there */
	struct tm_keyrec rec;		/* what it holds (found) */
	char *txt, *zone;		/* our record: one string, zone form */
};

struct tm_ready {
	const struct tm_tenant *tenant;	/* borrowed */
	enum tm_ready_verdict verdict;
	char headline[400];		/* the verdict as a sentence */
	char from_domain[256], spf_domain[256];

	/* SPF */
	struct tm_spf_published spf;
	struct tm_ready_ip *ips;
	size_t n_ips;
	enum tm_spf_result spf_worst;
	unsigned lookups, voids;	/* the most any IP needed */
	char *spf_fix;			/* record to publish, NULL: none needed */
	unsigned fix_lookups;
	bool fix_passes;		/* passes for every IP as if published */

	/* DKIM */
	struct tm_ready_key *keys;
	size_t n_keys;

	/* DMARC */
	struct tm_dmarc dmarc;
	char *dmarc_fix;		/* starter record, NULL: one exists */
	char dmarc_fix_name[300];

	/* What the milter does with this tenant's mail, and DMARC. */
	const char *action;		/* accept fallback tempfail reject hold */
	char *reason;			/* the decision's reason, or NULL */
	bool dmarc_spf, dmarc_dkim;

	/*
	 * Internal mail (tenant `internal`): what the milter does with mail
	 * whose every recipient is in internal.domains (SPF not required);
	 * NULL when the tenant has no `internal`.
	 */
	const char *internal_action;
	char *internal_reason;

	/* Relay mode */
	char relay_name[300];
	enum tm_dns_status relay_status;

	struct tm_strv warnings;	/* each a sentence */
	struct tm_strv problems;	/* why not ready / not checked */
};

/*
 * tm_ready_check - one tenant.  env->deadline is this check's DNS budget
 * (dns.timeout from its start).  0 with out filled (tm_ready_fini), -1
 * out of memory.
 */
int tm_ready_check(const struct tm_conf *, const struct tm_tenant *,
		   const struct tm_policy_env *env, struct tm_ready *out);
void tm_ready_fini(struct tm_ready *);

/*
 * tm_ready_check_provider - `tenantctl dns --provider`: SPF of
 * provider.spf_include (else provider.domain) for every outbound IP, the
 * provider's selectors, DMARC of provider.domain.  out->tenant is NULL.
 */
int tm_ready_check_provider(const struct tm_conf *, const struct tm_policy_env *env,
			    struct tm_ready *out);

/*
 * tm_ready_run - tm_ready_check for n tenants on `threads` threads, each
 * with its own dns.timeout budget; progress (may be NULL) is called after
 * each tenant with the count done, from any thread, serialized.  out has
 * n elements.  0 ok, -1 out of memory or no thread.
 */
int tm_ready_run(const struct tm_conf *, const struct tm_tenant *const *tenants,
		 size_t n, const struct tm_policy_env *env, unsigned threads,
		 void (*progress)(size_t done, size_t n, void *arg), void *arg,
		 struct tm_ready *out);

/* tm_ready_verdict_name - "ready", "warnings", "not-ready", "unchecked" */
const char *tm_ready_verdict_name(enum tm_ready_verdict);

#endif
