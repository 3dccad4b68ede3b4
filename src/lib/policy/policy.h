#ifndef TM_POLICY_H
#define TM_POLICY_H

/*
 * policy - what happens to one message.  Identification (DESIGN.md
 * step 1) is ident.c's; from the facts of the message and the tenant's
 * settings policy.c decides the sender policy (step 2), provider mode
 * (3), the DKIM entries that sign (5), the annotation (6), the log line
 * (7) and hold (10); policy_customer.c decides customer mode's SPF,
 * published keys and DMARC guard (4).  The outcome is a reject or a
 * tempfail with an SMTP reply, or an accept with header and envelope
 * changes.
 *
 * Pure functions of (configuration, message facts): the milter and
 * `tenantctl try` call the same ones.  A decision borrows tenant and dkim
 * pointers from the configuration: valid while the snapshot is held.
 * Thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "dkim/guard.h"
#include "msg/hdrs.h"
#include "policy/ident.h"

struct tm_resolver;
struct tm_spf;
struct tm_psl;

/*
 * What the customer-mode decision may consult (DESIGN.md step 4).  spf
 * NULL: SPF and the guard are not evaluated (spf=unchecked, every key
 * signs).  deadline: the message's whole DNS budget (dns.timeout).
 */
struct tm_policy_env {
	struct tm_spf *spf;
	struct tm_resolver *resolver;
	const struct tm_psl *psl;
	struct timespec deadline;
};

enum tm_verdict {
	TM_V_ACCEPT,			/* with the changes below */
	TM_V_HOLD,			/* accept into the hold queue */
	TM_V_REJECT,			/* 5xx */
	TM_V_TEMPFAIL,			/* 4xx */
};

#define TM_MAX_SIGS 8

struct tm_decision {
	const struct tm_tenant *tenant;	/* NULL: unknown */
	enum tm_ident via;		/* valid when tenant != NULL or via_set */
	bool via_set;			/* unknown tenant: a login decided (sasl) */
	const char *via_name;		/* overrides via in logs ("try"), or NULL */
	char *seen;			/* unknown or refused: tm_ident_seen(), or NULL */
	bool untouched;			/* unknown_tenant = accept: no change at all */
	enum tm_verdict verdict;
	const char *action;		/* log word: accept rewrite fallback hold
					 * reject tempfail */
	const char *rcode, *xcode;	/* reject/tempfail: "550", "5.7.1" */
	char *reply;			/* reject/tempfail text */
	char *reason;			/* why, for log and annotation; or NULL */
	bool log_error;			/* a tenant misconfiguration: log at error */

	char *new_from;			/* From value to set, or NULL */
	bool from_added;		/* there was no From: add it */
	char *new_reply_to;		/* Reply-To value to set, or NULL */
	char *new_env_from;		/* envelope sender to set, or NULL */
	char *from_addr;		/* From address as the message leaves */

	const char *spf;		/* "-" when not evaluated */
	bool internal;			/* every recipient in internal.domains */
	const struct tm_dkim *sign[TM_MAX_SIGS];
	size_t n_sign;
	/* Tenant keys left out because DNS does not publish them. */
	const struct tm_dkim *skipped[TM_MAX_SIGS];
	enum tm_pub_state skipped_state[TM_MAX_SIGS];
	size_t n_skipped;
	const char *sign_mode;		/* mode whose keys sign: tenant's or provider */
	/* Customer mode, once step 4 got that far: how DMARC would pass. */
	bool dmarc_spf;			/* an aligned SPF pass */
	bool dmarc_dkim;		/* an aligned key that DNS publishes */
};

/*
 * tm_policy_decide - the whole decision for a message whose headers are
 * complete.  0 decided (see d->verdict), -1 out of memory (the caller
 * tempfails).  Free with tm_decision_fini.
 */
int tm_policy_decide(const struct tm_conf *, const struct tm_msg *,
		     const struct tm_policy_env *env, struct tm_decision *d);

/*
 * tm_policy_refused - a refusal the milter decides before the end of
 * headers (553 bad MAIL FROM, 552 headers too large): d becomes a reject
 * with these codes, identified as far as the facts go, for its decision
 * line.  Codes are borrowed (string constants).  0 ok, -1 out of memory.
 */
int tm_policy_refused(const struct tm_conf *, const struct tm_msg *,
		      const char *rcode, const char *xcode, const char *reply,
		      const char *reason, struct tm_decision *d);

/*
 * tm_policy_note_seen - for an unknown tenant or a refusal, keep in
 * d->seen what identification saw (tm_ident_seen).  0 ok, -1 out of memory.
 */
int tm_policy_note_seen(const struct tm_conf *, const struct tm_msg *,
			const struct tm_ident_result *, struct tm_decision *d);

/*
 * tm_policy_internal - 1 when the tenant has `internal` and every
 * envelope recipient's domain is one of internal.domains, else 0.
 */
int tm_policy_internal(const struct tm_tenant *, const struct tm_msg *);

/* tm_decision_fini - free what a decision owns (not the decision) */
void tm_decision_fini(struct tm_decision *);

/*
 * tm_policy_decide_tenant - the decision once the tenant is known (the
 * second half of tm_policy_decide; `tenantctl try` names the tenant).
 */
int tm_policy_decide_tenant(const struct tm_conf *, const struct tm_tenant *,
			    const struct tm_msg *, const struct tm_policy_env *,
			    struct tm_decision *d);

/*
 * tm_policy_final_headers - call fn for every header as the message will
 * leave, in order: removed ones skipped, From and Reply-To replaced, added
 * ones last (where the MTA adds them).  The signer is fed exactly these.
 * Stops at the first fn returning -1 and returns -1; else 0.
 */
int tm_policy_final_headers(const struct tm_conf *, const struct tm_hdrs *,
			    const struct tm_decision *,
			    int (*fn)(const char *name, const char *value, void *arg),
			    void *arg);

/* tm_policy_dkim_desc - "acme.example/lms2026,..." or "none"; caller's buf */
char *tm_policy_dkim_desc(const struct tm_decision *, char *buf, size_t len);
/* tm_policy_annotation - the annotate_header value; caller frees */
char *tm_policy_annotation(const struct tm_decision *);
/* tm_policy_log_line - the decision line after "QUEUEID: "; caller frees */
char *tm_policy_log_line(const struct tm_decision *);
/*
 * tm_policy_is_removed - is this incoming header removed (the identify
 * header and the annotation header, any case, every copy)?
 */
int tm_policy_is_removed(const struct tm_conf *, const char *name);

#endif
