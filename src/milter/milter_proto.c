/*
 * milter_proto.c - what the milter asks of the MTA at the start of each
 * connection (xxfi_negotiate): the protocol steps it uses, no reply for
 * the steps whose callback always goes on, and the macros it reads.
 *
 * Every header, every body chunk and the connect and RCPT steps would
 * otherwise be a round trip the MTA waits for.  Steps skipped: HELO,
 * DATA, unknown commands (no callbacks).  Steps without reply (SMFIP_NR_*):
 * connect, RCPT (kept, no callback yet: recipient rules will want it),
 * header, body.  Their callbacks remember trouble (headers too large, out
 * of memory, a signer failure) in the connection and the next step that
 * has a reply (end of headers, end of message) refuses or tempfails, so
 * nothing is lost: the MTA acts on milter replies only after DATA anyway.
 * Only flags the MTA offers are asked for (Postfix >= 2.6 and Sendmail
 * 8.14 offer all of these); an MTA offering none gets the old protocol.
 *
 * Macros (smfi_setsymlist): only those the milter reads, per stage.  A
 * callback that starts reading another macro must add it to `macros`.
 */

#include "config.h"

#include <stdlib.h>

#include "milter_msg.h"

static const struct {
	int stage;
	const char *list;
} macros[] = {
	{ SMFIM_ENVFROM, "i {auth_authen}" },	/* milter.c mlfi_envfrom */
	{ SMFIM_ENVRCPT, "i" },			/* mlfi_envrcpt reads argv only */
	{ SMFIM_EOH, "i" },			/* queue id: the decision line */
	{ SMFIM_EOM, "i" },
};

#define WANT_SKIP	(SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN)
#define WANT_NR		(SMFIP_NR_CONN | SMFIP_NR_RCPT | SMFIP_NR_HDR | \
			 SMFIP_NR_BODY)

/* tm_milter_reply - "go on" in a stage that may have been made reply-less */
sfsistat
tm_milter_reply(const struct tm_conn *c, unsigned long nr_flag)
{
	return c && (c->nr & nr_flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* tm_milter_negotiate - steps, no-reply flags and macros for this connection */
sfsistat
tm_milter_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
		    unsigned long f2, unsigned long f3, unsigned long *pf0,
		    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGFROM |
		SMFIF_QUARANTINE;
	struct tm_conn *c = smfi_getpriv(ctx);
	size_t i;

	(void)f2;
	(void)f3;
	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL)
		smfi_setpriv(ctx, c);
	*pf0 = actions & f0;
	*pf1 = f1 & WANT_SKIP;
	*pf2 = *pf3 = 0;
	if (c != NULL) {		/* no connection state: no NR (see connect) */
		c->nr = f1 & WANT_NR;
		*pf1 |= c->nr;
	}
	if (f0 & SMFIF_SETSYMLIST) {
		*pf0 |= SMFIF_SETSYMLIST;
		for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
			if (smfi_setsymlist(ctx, macros[i].stage,
					    (char *)macros[i].list) != MI_SUCCESS)
				*pf0 &= ~(unsigned long)SMFIF_SETSYMLIST;
	}
	return SMFIS_CONTINUE;
}
