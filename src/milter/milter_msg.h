#ifndef TM_MILTER_MSG_H
#define TM_MILTER_MSG_H

/*
 * milter_msg - per-connection and per-message state of the milter, and
 * the end-of-message work (milter_eom.c).  Internal to src/milter/.
 */

#include <stdbool.h>
#include <sys/socket.h>
#include <libmilter/mfapi.h>

#include "msg/hdrs.h"
#include "policy/policy.h"
#include "dkim/sign.h"
#include "snap.h"

struct tm_conn {
	struct sockaddr_storage client;
	bool have_client;
	bool counted;			/* in the active-connection count */
	unsigned long nr;		/* SMFIP_NR_* agreed (milter_proto.c) */
	/* the message in progress */
	struct tm_snap *snap;		/* held from MAIL FROM to end/abort */
	char *queue_id;
	char *auth_user;
	char *mail_from;
	struct tm_strv rcpt;		/* envelope recipients, for internal mail */
	struct tm_hdrs hdrs;
	struct tm_decision d;
	bool decided;
	struct tm_signer *signer;
	/* Trouble in a callback that sends no reply, answered at the next
	 * one that does (end of headers, end of message). */
	bool hdr_too_big;
	char fail[256];			/* "" or why the message tempfails */
};

/* tm_conn_reset - end the message: release snapshot, free its state */
void tm_conn_reset(struct tm_conn *);
/* tm_milter_queue_id - {i} now, or "NOQUEUE"; into conn->queue_id */
const char *tm_milter_queue_id(SMFICTX *, struct tm_conn *);
/* tm_milter_tempfail - 451 4.3.0 reply, logged; returns SMFIS_TEMPFAIL */
sfsistat tm_milter_tempfail(SMFICTX *, struct tm_conn *, const char *why);
/* tm_milter_setreply - smfi_setreply, text escaped for libmilter (%% doubled) */
int tm_milter_setreply(SMFICTX *, const char *rcode, const char *xcode,
		       const char *text);
/* tm_milter_eom - apply the decision: header changes, signatures, hold */
sfsistat tm_milter_eom(SMFICTX *, struct tm_conn *);
/* tm_milter_log_decision - the one decision line of a message */
void tm_milter_log_decision(struct tm_conn *);
/* tm_milter_negotiate - xxfi_negotiate (milter_proto.c) */
sfsistat tm_milter_negotiate(SMFICTX *, unsigned long, unsigned long,
			     unsigned long, unsigned long, unsigned long *,
			     unsigned long *, unsigned long *, unsigned long *);
/* tm_milter_reply - what a callback of stage `nr_flag` returns for
 * "go on": SMFIS_NOREPLY when that stage was agreed to have no reply */
sfsistat tm_milter_reply(const struct tm_conn *, unsigned long nr_flag);

#endif
