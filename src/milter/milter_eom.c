/*
 * milter_eom.c - end of message: finish the signatures, then apply the
 * decision to the message through libmilter (header removal and
 * rewriting, envelope sender, annotation, DKIM-Signature headers, hold)
 * and log the one decision line.
 *
 * Every libmilter modification is checked; one that fails tempfails the
 * message, so a message never leaves half-changed or unsigned.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"
#include "milter_msg.h"
#include "metrics.h"

/* remove_all - delete every copy of a header, last first */
static int
remove_all(SMFICTX *ctx, const struct tm_hdrs *h, const char *name)
{
	size_t n = tm_hdrs_count(h, name);

	for (; n > 0; n--)
		if (smfi_chgheader(ctx, (char *)name, (int)n, NULL) != MI_SUCCESS)
			return -1;
	return 0;
}

/* set_header - change the first copy, or add one */
static int
set_header(SMFICTX *ctx, const struct tm_hdrs *h, const char *name,
	   const char *value)
{
	if (tm_hdrs_count(h, name) > 0)
		return smfi_chgheader(ctx, (char *)name, 1, (char *)value) ==
			MI_SUCCESS ? 0 : -1;
	return smfi_addheader(ctx, (char *)name, (char *)value) == MI_SUCCESS ?
		0 : -1;
}

/* apply - every change of the decision; -1 with what failed in *what */
static int
apply(SMFICTX *ctx, struct tm_conn *c, const char **what)
{
	const struct tm_conf *conf = c->snap->conf;
	const struct tm_decision *d = &c->d;
	char *note, env[1024];
	size_t i;
	int rc;

	if (d->untouched)
		return 0;
	*what = "remove headers";
	if (remove_all(ctx, &c->hdrs, conf->identify.header) < 0 ||
	    (conf->annotate_header &&
	     remove_all(ctx, &c->hdrs, conf->annotate_header) < 0))
		return -1;
	*what = "From";
	if (d->new_from && set_header(ctx, &c->hdrs, "From", d->new_from) < 0)
		return -1;
	*what = "Reply-To";
	if (d->new_reply_to &&
	    set_header(ctx, &c->hdrs, "Reply-To", d->new_reply_to) < 0)
		return -1;
	*what = "envelope sender";
	if (d->new_env_from) {
		snprintf(env, sizeof(env), "<%s>", d->new_env_from);
		if (smfi_chgfrom(ctx, env, NULL) != MI_SUCCESS)
			return -1;
	}
	*what = "annotation";
	if (conf->annotate_header) {		/* NULL: annotate_header = "" */
		if ((note = tm_policy_annotation(d)) == NULL)
			return -1;
		rc = smfi_insheader(ctx, 0, conf->annotate_header, note);
		free(note);
		if (rc != MI_SUCCESS)
			return -1;
	}
	*what = "DKIM-Signature";
	for (i = 0; c->signer && i < tm_signer_count(c->signer); i++)
		if (smfi_insheader(ctx, 0, TM_SIGN_HEADER,
		    (char *)tm_signer_value(c->signer, i)) != MI_SUCCESS)
			return -1;
	*what = "hold";
	if (d->verdict == TM_V_HOLD &&
	    smfi_quarantine(ctx, (char *)"tenant-milter: tenant on hold") !=
	    MI_SUCCESS)
		return -1;
	return 0;
}

/* tm_milter_eom - sign, apply, log */
sfsistat
tm_milter_eom(SMFICTX *ctx, struct tm_conn *c)
{
	const char *what;
	char why[512], buf[600];

	tm_milter_queue_id(ctx, c);
	if (c->signer && tm_signer_eom(c->signer, why, sizeof(why)) < 0)
		return tm_milter_tempfail(ctx, c, why);
	if (apply(ctx, c, &what) < 0) {
		snprintf(buf, sizeof(buf), "cannot change the message (%s)", what);
		return tm_milter_tempfail(ctx, c, buf);
	}
	tm_milter_log_decision(c);
	return SMFIS_ACCEPT;
}

/* tm_milter_log_decision - "QUEUEID: tenant=... action=..." */
void
tm_milter_log_decision(struct tm_conn *c)
{
	const char *qid = c->queue_id ? c->queue_id : "NOQUEUE";
	char *line = tm_policy_log_line(&c->d);

	tm_metrics_message(c->d.tenant ? c->d.tenant->id : NULL, c->d.action,
			   c->d.spf && strcmp(c->d.spf, "temperror") == 0);

	/* A misconfigured tenant gets its own error line; the decision line
	 * keeps the queue id first. */
	if (c->d.log_error)
		tm_log(TM_LOG_ERROR, "%s: %s", qid, c->d.reason);
	if (line == NULL) {
		tm_log(TM_LOG_ERROR, "%s: out of memory logging the decision", qid);
		return;
	}
	tm_log(TM_LOG_INFO, "%s: %s", qid, line);
	free(line);
}
