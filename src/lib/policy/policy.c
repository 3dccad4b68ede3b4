/*
 * policy.c - the decision for one message (DESIGN.md steps 2, 3, 5, 6, 7,
 * 10), from the configuration and the message's facts alone.
 *
 *   unknown tenant        -> unknown_tenant
 *   unusable key/secret   -> 451 4.7.1 (that tenant only; logged as error)
 *   From count != 1       -> 550 5.7.1 (none: added from sender.from)
 *   From unparsable       -> 550 5.7.1 with the parser's reason
 *   foreign From/MAIL FROM-> sender.on_foreign: rewrite | reject
 *   provider mode         -> From = sender.from, display name kept
 *   hold = true           -> accepted into the hold queue, signed
 *   relay, route stale    -> 451 4.7.1 until `tenantctl postfix-maps`
 *   relay, null sender    -> sender.envelope_from (else sender.from)
 *   signed, a header line over 998 bytes -> folded at whitespace, or
 *                            550 5.6.0 when it has no whitespace
 *
 * Customer mode then goes through SPF and the DMARC guard (step 4,
 * policy_customer.c) when the caller gives an SPF evaluator.
 */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg/addr.h"
#include "msg/fold.h"
#include "util/log.h"
#include "policy/policy.h"
#include "policy/policy_int.h"
#include "conf/relay_route.h"
#include "util/strv.h"

static int fold_check(const struct tm_conf *, const struct tm_msg *,
		      struct tm_decision *);

/* allowed - is addr (local@domain) inside the tenant's sender.allowed? */
static int
allowed(const struct tm_tenant *t, const char *addr)
{
	if (t->mode == TM_MODE_PROVIDER &&
	    strcasecmp(tm_addr_domain(addr), t->provider_domain) == 0)
		return 1;
	return tm_strv_has_ci_addr(&t->sender.allowed, addr);
}

/* tm_policy_refuse - set a reject or tempfail verdict with reply and reason */
int
tm_policy_refuse(struct tm_decision *d, enum tm_verdict v, const char *reply,
       const char *reason)
{
	d->verdict = v;
	d->action = v == TM_V_REJECT ? "reject" : "tempfail";
	d->rcode = v == TM_V_REJECT ? "550" : "451";
	d->xcode = v == TM_V_REJECT ? "5.7.1" : "4.7.1";
	free(d->reply);
	free(d->reason);
	d->reply = strdup(reply);
	d->reason = strdup(reason);
	return d->reply && d->reason ? 0 : -1;
}

/* tm_policy_refusef - refuse with the same printf-formatted reply and reason */
int
tm_policy_refusef(struct tm_decision *d, enum tm_verdict v, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tm_policy_refuse(d, v, buf, buf);
}

/* unknown - no tenant: unknown_tenant decides */
static int
unknown(const struct tm_conf *conf, struct tm_decision *d)
{
	switch (conf->unknown_tenant) {
	case TM_UNKNOWN_REJECT:
		return tm_policy_refuse(d, TM_V_REJECT, "sender is not a known tenant",
			      "unknown tenant");
	case TM_UNKNOWN_TEMPFAIL:
		return tm_policy_refuse(d, TM_V_TEMPFAIL, "sender is not a known tenant",
			      "unknown tenant");
	case TM_UNKNOWN_ACCEPT:
		break;
	}
	/* An inbound smtpd may run this milter: a stranger's mail passes as
	 * it came, neither signed nor annotated. */
	d->verdict = TM_V_ACCEPT;
	d->action = "accept";
	d->untouched = true;
	return (d->reason = strdup("unknown tenant, passed untouched")) ? 0 : -1;
}

/* bad_key - the first entry of dl whose key cannot be used, or NULL */
static const struct tm_dkim *
bad_key(const struct tm_dkim_list *dl)
{
	size_t i;

	for (i = 0; i < dl->n; i++)
		if (dl->v[i].key == NULL)
			return &dl->v[i];
	return NULL;
}

/*
 * pick_keys - the dkim entries that sign; -1 when one is unusable, with
 * the key named (domain/selector) in key[] and the cause in *why
 */
static int
pick_keys(const struct tm_conf *conf, const struct tm_tenant *t,
	  struct tm_decision *d, char *key, size_t len, const char **why)
{
	const struct tm_dkim_list *dl = t->mode == TM_MODE_PROVIDER ?
		&conf->provider.dkim : &t->dkim;
	const struct tm_dkim *bad = bad_key(dl);
	size_t i;

	key[0] = '\0';
	if (bad != NULL) {
		snprintf(key, len, "%sDKIM key %s/%s", dl == &t->dkim ? "" :
			 "provider ", bad->domain, bad->selector);
		*why = bad->key_error ? bad->key_error : "it cannot be used";
		return -1;
	}
	if (t->unusable || (t->mode == TM_MODE_PROVIDER && conf->provider.unusable)) {
		*why = t->unusable ? t->unusable : conf->provider.unusable;
		return -1;
	}
	d->sign_mode = t->mode == TM_MODE_PROVIDER ? "provider" : "tenant";
	for (i = 0; i < dl->n && d->n_sign < TM_MAX_SIGS; i++)
		d->sign[d->n_sign++] = &dl->v[i];
	return 0;
}

/* tm_policy_add_reason - append "; text" to the decision's reason */
int
tm_policy_add_reason(struct tm_decision *d, const char *text)
{
	char *r;

	if (asprintf(&r, "%s%s%s", d->reason ? d->reason : "",
		     d->reason ? "; " : "", text) < 0)
		return -1;
	free(d->reason);
	d->reason = r;
	return 0;
}

/* not_allowed - reason "WHAT <ADDR> not allowed" */
static int
not_allowed(struct tm_decision *d, const char *what, const char *addr)
{
	char buf[600];

	snprintf(buf, sizeof(buf), "%s <%s> not allowed", what, addr);
	return tm_policy_add_reason(d, buf);
}

/* tm_policy_set_from - From := display + addr; Reply-To from sender.reply_to */
int
tm_policy_set_from(const struct tm_tenant *t, struct tm_decision *d,
	 const char *display, const char *addr)
{
	free(d->new_from);
	free(d->from_addr);
	d->new_from = tm_addr_format(display, addr);
	d->from_addr = strdup(addr);
	if (t->sender.reply_to && d->new_reply_to == NULL &&
	    (d->new_reply_to = strdup(t->sender.reply_to)) == NULL)
		return -1;
	return d->new_from && d->from_addr ? 0 : -1;
}

/*
 * relay_null_sender - Postfix routes a relay tenant's mail by envelope
 * sender (sender_dependent_relayhost_maps); the null sender matches no
 * tenant's entry and would leave by the provider's own route.  It becomes
 * sender.envelope_from (else sender.from), which the tables route.
 */
static int
relay_null_sender(const struct tm_tenant *t, struct tm_decision *d)
{
	const char *to = t->sender.envelope_from ? t->sender.envelope_from :
		t->sender.from;
	char buf[400];

	d->action = "rewrite";
	snprintf(buf, sizeof(buf), "null envelope sender set to <%s> for the "
		 "relay route", to);
	return (d->new_env_from = strdup(to)) == NULL ||
	       tm_policy_add_reason(d, buf) < 0 ? -1 : 0;
}

/* sender_policy - steps 2 and 3: From and MAIL FROM */
static int
sender_policy(const struct tm_tenant *t, const struct tm_msg *m,
	      struct tm_decision *d)
{
	struct tm_mailbox mb = { NULL, NULL, NULL, NULL };
	const struct tm_hdr *from;
	size_t n = tm_hdrs_count(m->hdrs, "From");
	char why[256];
	int rc = 0;

	if (n > 1)
		return tm_policy_refusef(d, TM_V_REJECT, "message has %zu From headers, "
			       "exactly one is allowed", n);
	if (m->mail_from && *m->mail_from && !allowed(t, m->mail_from)) {
		if (t->sender.on_foreign == TM_FOREIGN_REJECT)
			return tm_policy_refusef(d, TM_V_REJECT, "envelope sender <%s> is "
				       "not allowed for tenant %s", m->mail_from,
				       t->id);
		d->action = "rewrite";
		if ((d->new_env_from = strdup(t->sender.envelope_from ?
			t->sender.envelope_from : t->sender.from)) == NULL ||
		    not_allowed(d, "envelope sender", m->mail_from) < 0)
			return -1;
	} else if (t->sender.envelope_from && m->mail_from && *m->mail_from &&
		   (d->new_env_from = strdup(t->sender.envelope_from)) == NULL)
		return -1;
	else if (t->mode == TM_MODE_RELAY && m->mail_from && !*m->mail_from &&
		 relay_null_sender(t, d) < 0)
		return -1;
	if (n == 0) {
		d->from_added = true;
		return tm_policy_set_from(t, d, NULL, t->sender.from);
	}
	from = tm_hdrs_find(m->hdrs, "From", 0);
	if (tm_addr_parse_mailbox(from->value, &mb, why, sizeof(why)) < 0)
		return errno == ENOMEM ? -1 : tm_policy_refuse(d, TM_V_REJECT, why, why);
	if (t->mode == TM_MODE_PROVIDER)
		rc = tm_policy_set_from(t, d, mb.display, t->sender.from);
	else if (!allowed(t, mb.addr)) {
		if (t->sender.on_foreign == TM_FOREIGN_REJECT)
			rc = tm_policy_refusef(d, TM_V_REJECT, "From <%s> is not allowed "
				     "for tenant %s", mb.addr, t->id);
		else {
			d->action = "rewrite";
			rc = not_allowed(d, "From", mb.addr);
			if (rc == 0)
				rc = tm_policy_set_from(t, d, mb.display, t->sender.from);
		}
	} else if ((d->from_addr = strdup(mb.addr)) == NULL)
		rc = -1;
	tm_mailbox_fini(&mb);
	return rc;
}

/* tm_policy_decide - identify the tenant, then decide */
int
tm_policy_decide(const struct tm_conf *conf, const struct tm_msg *m,
		 const struct tm_policy_env *env, struct tm_decision *d)
{
	struct tm_ident_result r;

	memset(d, 0, sizeof(*d));
	if (tm_ident_identify(conf, m, &r) < 0)
		return -1;
	if (r.tenant == NULL) {
		d->spf = "-";
		d->action = "accept";
		if (unknown(conf, d) < 0)
			return -1;
	} else if (tm_policy_decide_tenant(conf, r.tenant, m, env, d) < 0)
		return -1;
	d->via = r.via;
	d->via_set = r.via_set;
	return tm_policy_note_seen(conf, m, &r, d);
}

/* tm_policy_refused - a refusal before the end of headers, identified for the log */
int
tm_policy_refused(const struct tm_conf *conf, const struct tm_msg *m,
		  const char *rcode, const char *xcode, const char *reply,
		  const char *reason, struct tm_decision *d)
{
	struct tm_ident_result r;

	memset(d, 0, sizeof(*d));
	d->spf = "-";
	if (tm_ident_identify(conf, m, &r) < 0)
		return -1;
	d->tenant = r.tenant;
	d->via = r.via;
	d->via_set = r.via_set;
	if (tm_policy_refuse(d, TM_V_REJECT, reply, reason) < 0)
		return -1;
	d->rcode = rcode;
	d->xcode = xcode;
	return tm_policy_note_seen(conf, m, &r, d);
}

/*
 * tm_policy_note_seen - keep what identification saw when the tenant is
 * unknown or the message is refused, so the decision line says why.
 */
int
tm_policy_note_seen(const struct tm_conf *conf, const struct tm_msg *m,
		    const struct tm_ident_result *r, struct tm_decision *d)
{
	if (d->tenant != NULL && d->verdict != TM_V_REJECT &&
	    d->verdict != TM_V_TEMPFAIL)
		return 0;
	free(d->seen);
	return (d->seen = tm_ident_seen(conf, m, r)) == NULL ? -1 : 0;
}

/* tm_policy_decide_tenant - everything after identification */
int
tm_policy_decide_tenant(const struct tm_conf *conf, const struct tm_tenant *t,
			const struct tm_msg *m, const struct tm_policy_env *env,
			struct tm_decision *d)
{
	const char *why = NULL;
	char key[300];

	memset(d, 0, sizeof(*d));
	d->spf = "-";
	d->action = "accept";
	d->tenant = t;
	if (t->mode == TM_MODE_CUSTOMER)
		d->spf = "unchecked";
	if (t->mode == TM_MODE_RELAY && t->relay.stale) {
		d->log_error = true;	/* the operator must run postfix-maps */
		return tm_policy_refuse(d, TM_V_TEMPFAIL, TM_RELAY_STALE,
					TM_RELAY_STALE);
	}
	if (pick_keys(conf, t, d, key, sizeof(key), &why) < 0) {
		char reply[300], reason[800];

		d->log_error = true;
		d->n_sign = 0;
		/* The client learns which key, the log also why (a path). */
		snprintf(reply, sizeof(reply), "tenant %s cannot sign%s%s", t->id,
			 key[0] ? ": " : "", key[0] ? key : "");
		snprintf(reason, sizeof(reason), "tenant %s cannot sign: %s%s%s",
			 t->id, key, key[0] ? ": " : "", why);
		return tm_policy_refuse(d, TM_V_TEMPFAIL, reply, reason);
	}
	if (sender_policy(t, m, d) < 0)
		return -1;
	if (d->verdict != TM_V_ACCEPT)
		return 0;
	if (t->mode == TM_MODE_CUSTOMER && env && env->spf &&
	    tm_policy_customer(conf, t, m, env, d) < 0)
		return -1;
	if (t->mode == TM_MODE_PROVIDER &&
	    tm_policy_provider_guard(conf, t, m, env, d) < 0)
		return -1;
	if (d->verdict == TM_V_ACCEPT && fold_check(conf, m, d) < 0)
		return -1;
	if (d->verdict != TM_V_ACCEPT)
		return 0;
	if (t->hold) {
		d->verdict = TM_V_HOLD;
		d->action = "hold";
		if ((d->reason = strdup("tenant on hold")) == NULL)
			return -1;
	}
	return 0;
}

/*
 * walk_final - the headers as they will leave, to fn; with fold, each
 * value folded where a line is over 998 bytes (tm_hdr_fold)
 */
static int
walk_final(const struct tm_conf *conf, const struct tm_hdrs *h,
	   const struct tm_decision *d, bool fold,
	   int (*fn)(const char *, const char *, void *), void *arg)
{
	bool from_done = false, rt_done = false;
	size_t i;

	for (i = 0; i < h->n; i++) {
		const char *v = h->v[i].value;
		char *folded = NULL;
		int rc;

		if (tm_policy_is_removed(conf, h->v[i].name))
			continue;
		if (strcasecmp(h->v[i].name, "From") == 0 && !from_done) {
			from_done = true;
			if (d->new_from)
				v = d->new_from;
		} else if (strcasecmp(h->v[i].name, "Reply-To") == 0 && !rt_done) {
			rt_done = true;
			if (d->new_reply_to)
				v = d->new_reply_to;
		}
		/* unfoldable (EINVAL): tm_policy_decide_tenant refused it */
		if (fold && tm_hdr_fold(h->v[i].name, v, &folded) < 0 &&
		    errno == ENOMEM)
			return -1;
		rc = fn(h->v[i].name, folded ? folded : v, arg);
		free(folded);
		if (rc < 0)
			return -1;
	}
	if (d->from_added && fn("From", d->new_from, arg) < 0)
		return -1;
	if (d->new_reply_to && !rt_done && fn("Reply-To", d->new_reply_to, arg) < 0)
		return -1;
	return 0;
}

/* tm_policy_final_headers - the headers as they will leave, folded */
int
tm_policy_final_headers(const struct tm_conf *conf, const struct tm_hdrs *h,
			const struct tm_decision *d,
			int (*fn)(const char *, const char *, void *), void *arg)
{
	return walk_final(conf, h, d, true, fn, arg);
}

/* What fold_check found: the first header that cannot be folded. */
struct fold_state {
	char name[80];
	bool oom;
};

/* fold_one - can this header be kept within 998-byte lines? */
static int
fold_one(const char *name, const char *value, void *arg)
{
	struct fold_state *fs = arg;
	char *folded;

	if (tm_hdr_fold(name, value, &folded) >= 0) {
		free(folded);
		return 0;
	}
	if (errno == ENOMEM)
		fs->oom = true;
	else
		tm_sanitize(fs->name, sizeof(fs->name), name);
	return -1;
}

/* fold_ours - fold a value the decision sets (From, Reply-To) in place */
static int
fold_ours(const char *name, char **value, struct fold_state *fs)
{
	char *folded;

	if (*value == NULL)
		return 0;
	switch (tm_hdr_fold(name, *value, &folded)) {
	case 1:
		free(*value);
		*value = folded;
		return 0;
	case 0:
		return 0;
	}
	return fold_one(name, *value, fs);
}

/*
 * fold_check - a signed message leaves with every header line within 998
 * bytes, folded at whitespace, since Postfix's SMTP client would break the
 * line (and the signature) otherwise; a header with no place to fold is
 * refused, 550 5.6.0.  0 decided, -1 out of memory.
 */
static int
fold_check(const struct tm_conf *conf, const struct tm_msg *m,
	   struct tm_decision *d)
{
	struct fold_state fs = { "", false };
	char buf[200];

	if (d->n_sign == 0 || m->hdrs == NULL)
		return 0;
	if (fold_ours("From", &d->new_from, &fs) == 0 &&
	    fold_ours("Reply-To", &d->new_reply_to, &fs) == 0 &&
	    walk_final(conf, m->hdrs, d, false, fold_one, &fs) == 0)
		return 0;
	if (fs.oom)
		return -1;
	snprintf(buf, sizeof(buf), "header %s has a line over %d bytes with no "
		 "whitespace to fold it at", fs.name, TM_HDR_LINE_MAX);
	d->n_sign = 0;
	if (tm_policy_refuse(d, TM_V_REJECT, buf, buf) < 0)
		return -1;
	d->xcode = "5.6.0";
	return 0;
}

/* tm_decision_fini - free what the decision owns */
void
tm_decision_fini(struct tm_decision *d)
{
	free(d->reply);
	free(d->reason);
	free(d->new_from);
	free(d->new_reply_to);
	free(d->new_env_from);
	free(d->from_addr);
	free(d->seen);
	memset(d, 0, sizeof(*d));
}

/* tm_policy_dkim_desc - the signatures as domain/selector,... */
char *
tm_policy_dkim_desc(const struct tm_decision *d, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	if ((d->n_sign == 0 && d->n_skipped == 0) ||
	    d->verdict == TM_V_REJECT || d->verdict == TM_V_TEMPFAIL)
		return strncpy(buf, "none", len);
	for (i = 0; i < d->n_sign && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s/%s",
					 i ? "," : "", d->sign[i]->domain,
					 d->sign[i]->selector);
	for (i = 0; i < d->n_skipped && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s/%s(%s)",
					 used ? "," : "", d->skipped[i]->domain,
					 d->skipped[i]->selector,
					 tm_pub_state_name(d->skipped_state[i]));
	return buf;
}

/* tm_policy_annotation - "tenant=acme; mode=customer; spf=...; ..." */
char *
tm_policy_annotation(const struct tm_decision *d)
{
	char dk[512], reason[256], *out;
	int n;

	tm_policy_dkim_desc(d, dk, sizeof(dk));
	tm_sanitize(reason, sizeof(reason), d->reason ? d->reason : "");
	n = asprintf(&out, "tenant=%s; mode=%s; spf=%s; %sdkim=%s; action=%s%s%s%s",
		     d->tenant ? d->tenant->id : "unknown",
		     d->tenant ? tm_mode_name(d->tenant->mode) : "-", d->spf,
		     d->internal ? "internal=yes; " : "", dk, d->action, d->reason ? "; reason=\"" : "", reason,
		     d->reason ? "\"" : "");
	return n < 0 ? NULL : out;
}

/* tm_policy_log_line - "tenant=acme via=sasl mode=... action=..." */
char *
tm_policy_log_line(const struct tm_decision *d)
{
	char dk[512], from[320], reason[512], *out;
	int n;

	tm_policy_dkim_desc(d, dk, sizeof(dk));
	tm_sanitize(from, sizeof(from), d->from_addr ? d->from_addr : "");
	tm_sanitize(reason, sizeof(reason), d->reason ? d->reason : "");
	n = asprintf(&out, "tenant=%s via=%s mode=%s from=<%s> spf=%s %sdkim=%s "
		     "action=%s%s%s%s%s%s",
		     d->tenant ? d->tenant->id : "-",
		     d->via_name ? d->via_name :
		     d->tenant || d->via_set ? tm_ident_name(d->via) : "-",
		     d->tenant ? tm_mode_name(d->tenant->mode) : "-", from,
		     d->spf, d->internal ? "internal=yes " : "", dk, d->action,
		     d->reason ? " reason=\"" : "", reason, d->reason ? "\"" : "",
		     d->seen ? " " : "", d->seen ? d->seen : "");
	return n < 0 ? NULL : out;
}

/* tm_policy_is_removed - identify and annotation headers, any case */
int
tm_policy_is_removed(const struct tm_conf *conf, const char *name)
{
	return strcasecmp(name, conf->identify.header) == 0 ||
	       (conf->annotate_header &&
		strcasecmp(name, conf->annotate_header) == 0);
}
