/*
 * milter_eom.c - end of message: finish the signatures, then apply the
 * decision to the message (policy/apply's edits through milter_edit.c:
 * header removal and rewriting, envelope sender, annotation,
 * DKIM-Signature headers, hold) and log the one decision line.
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
#include "milter_edit.h"

/* tm_milter_eom - sign, apply, log */
sfsistat
tm_milter_eom(SMFICTX *ctx, struct tm_conn *c)
{
	const char *what;
	char why[512], buf[600];

	tm_milter_queue_id(ctx, c);
	if (c->signer && tm_signer_eom(c->signer, why, sizeof(why)) < 0)
		return tm_milter_tempfail(ctx, c, why);
	if (tm_apply(c->snap->conf, &c->hdrs, &c->d, c->signer,
		     &tm_milter_edit_ops, ctx, &what) < 0) {
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
