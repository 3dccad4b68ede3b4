#ifndef TM_POLICY_INT_H
#define TM_POLICY_INT_H

/*
 * policy_int - declarations shared by policy.c and policy_customer.c
 * only: building a decision.  Nothing outside src/lib/policy/ includes
 * this; the public interface is policy.h.
 */

#include "policy/policy.h"

/*
 * tm_policy_customer - policy_customer.c: step 4 for a customer-mode
 * tenant whose sender policy accepted the message: SPF, published keys,
 * the DMARC guard, fallback.  0 decided, -1 out of memory.
 */
int tm_policy_customer(const struct tm_conf *, const struct tm_tenant *,
		       const struct tm_msg *, const struct tm_policy_env *,
		       struct tm_decision *d);

/*
 * tm_policy_provider_guard - the guard for the provider's keys (provider
 * mode, and fallback): a key DNS does not publish does not sign; with no
 * published aligned provider key left, the message rests on SPF of its
 * envelope domain (the tenant's provider subdomain) passing aligned, or
 * dmarc_guard decides (fallback = tempfail: it is provider mode already).
 * Nothing is checked when env has no SPF evaluator.  0 decided, -1 OOM.
 */
int tm_policy_provider_guard(const struct tm_conf *, const struct tm_tenant *,
			     const struct tm_msg *, const struct tm_policy_env *,
			     struct tm_decision *d);

/* tm_policy_refuse - d becomes a reject or tempfail; 0 ok, -1 out of memory */
int tm_policy_refuse(struct tm_decision *, enum tm_verdict, const char *reply,
		     const char *reason);
/* tm_policy_refusef - the same with a formatted reply (also the reason) */
int tm_policy_refusef(struct tm_decision *, enum tm_verdict, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* tm_policy_add_reason - append text to d->reason; 0 ok, -1 out of memory */
int tm_policy_add_reason(struct tm_decision *, const char *text);
/* tm_policy_set_from - the new From of provider mode and fallback */
int tm_policy_set_from(const struct tm_tenant *, struct tm_decision *,
		       const char *display, const char *addr);

#endif
