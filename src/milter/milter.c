/*
 * milter.c - libmilter callbacks from connect to end of headers; the body
 * is streamed into the signer; milter_eom.c finishes the message.
 *
 * Failure policy: anything that goes wrong inside (out of memory, a
 * signer that cannot start) tempfails the message with 451 4.3.0; a
 * message is never accepted unsigned because of an internal error.
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "msg/addr.h"
#include "util/log.h"
#include "util/strv.h"
#include "milter.h"
#include "milter_msg.h"

/* Headers beyond this total, or this count, are refused: a milter must
 * not grow unbounded (and every field costs a lookup when signing). */
#define MAX_HEADER_BYTES (1024 * 1024)
#define MAX_HEADERS 1000

static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t active_cond = PTHREAD_COND_INITIALIZER;
static int active;

/* conn_of - the private context */
static struct tm_conn *
conn_of(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* tm_conn_reset - forget the message in progress */
void
tm_conn_reset(struct tm_conn *c)
{
	tm_signer_free(c->signer);
	c->signer = NULL;
	tm_decision_fini(&c->d);
	c->decided = false;
	tm_hdrs_fini(&c->hdrs);
	tm_strv_fini(&c->rcpt);
	free(c->queue_id);
	free(c->auth_user);
	free(c->mail_from);
	c->queue_id = c->auth_user = c->mail_from = NULL;
	tm_snap_release(c->snap);
	c->snap = NULL;
	c->hdr_too_big = false;
	c->fail[0] = '\0';
	tm_stop_idle(c);
}

/* tm_milter_queue_id - Postfix's queue id ({i}) once it exists */
const char *
tm_milter_queue_id(SMFICTX *ctx, struct tm_conn *c)
{
	const char *qid;

	if (c->queue_id)
		return c->queue_id;
	qid = smfi_getsymval(ctx, "i");
	if (qid && *qid)
		c->queue_id = strdup(qid);
	return c->queue_id ? c->queue_id : "NOQUEUE";
}

/* tm_milter_tempfail - internal trouble: 451, logged, never accepted */
sfsistat
tm_milter_tempfail(SMFICTX *ctx, struct tm_conn *c, const char *why)
{
	tm_log(TM_LOG_ERROR, "%s: internal error: %s: message tempfailed",
	       tm_milter_queue_id(ctx, c), why);
	smfi_setreply(ctx, "451", "4.3.0", "temporary local problem, try again later");
	tm_conn_reset(c);
	return SMFIS_TEMPFAIL;
}

/*
 * tm_milter_setreply - smfi_setreply with text from the message made safe:
 * control characters become spaces, and `%` is doubled, since Postfix
 * and Sendmail read the text as a format and refuse a lone `%`.
 */
int
tm_milter_setreply(SMFICTX *ctx, const char *rcode, const char *xcode,
		   const char *text)
{
	char buf[1024];
	size_t i = 0;
	int rc;

	for (; *text && i + 2 < sizeof(buf); text++) {
		unsigned char ch = (unsigned char)*text;

		if (ch == '%')
			buf[i++] = '%';
		buf[i++] = ch < ' ' || ch == 127 ? ' ' : (char)ch;
	}
	buf[i] = '\0';
	rc = smfi_setreply(ctx, (char *)rcode, (char *)xcode, buf);
	return rc == MI_SUCCESS ? 0 : -1;
}

/* msg_of - the facts of the message so far, for the policy */
static void
msg_of(SMFICTX *ctx, struct tm_conn *c, const char *mail_from,
       struct tm_msg *m)
{
	m->queue_id = tm_milter_queue_id(ctx, c);
	m->client = c->have_client ? (struct sockaddr *)&c->client : NULL;
	m->auth_user = c->auth_user;
	m->mail_from = mail_from;
	m->rcpt = (const char *const *)c->rcpt.v;
	m->n_rcpt = c->rcpt.n;
	m->hdrs = &c->hdrs;
}

/*
 * refuse_early - a 5xx before the end of headers, with its decision line
 * (who sent it, as far as identification can tell yet)
 */
static sfsistat
refuse_early(SMFICTX *ctx, struct tm_conn *c, const char *mail_from,
	     const char *rcode, const char *xcode, const char *reply,
	     const char *reason)
{
	struct tm_msg m;

	msg_of(ctx, c, mail_from, &m);
	if (tm_policy_refused(c->snap->conf, &m, rcode, xcode, reply, reason,
			      &c->d) < 0)
		return tm_milter_tempfail(ctx, c, "out of memory");
	tm_milter_setreply(ctx, rcode, xcode, reply);
	tm_milter_log_decision(c);
	tm_conn_reset(c);
	return SMFIS_REJECT;
}

/* mlfi_connect - remember the client address (state made at negotiate) */
static sfsistat
mlfi_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct tm_conn *c = conn_of(ctx);

	if (c == NULL && (c = calloc(1, sizeof(*c))) == NULL) {
		/* negotiate had no memory either, so no NR_CONN was agreed */
		tm_log(TM_LOG_ERROR, "out of memory at connect from %s", host);
		return SMFIS_TEMPFAIL;
	}
	if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
		memcpy(&c->client, sa, sa->sa_family == AF_INET ?
		       sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
		c->have_client = true;
	}
	if (tm_stop_track(c, ctx) < 0) {
		free(c);
		tm_log(TM_LOG_ERROR, "out of memory at connect from %s", host);
		return SMFIS_TEMPFAIL;
	}
	smfi_setpriv(ctx, c);
	c->counted = true;
	pthread_mutex_lock(&active_lock);
	active++;
	pthread_mutex_unlock(&active_lock);
	return tm_milter_reply(c, SMFIP_NR_CONN);
}

/* mlfi_envfrom - a new message: snapshot, sender, SASL identity */
static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct tm_conn *c = conn_of(ctx);
	const char *auth = smfi_getsymval(ctx, "{auth_authen}");
	char why[256];

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	tm_conn_reset(c);
	if (tm_stop_busy(c) < 0) {	/* stopping: no new message */
		smfi_setreply(ctx, "451", "4.3.2", "shutting down, try again later");
		return SMFIS_TEMPFAIL;
	}
	if ((c->snap = tm_snap_acquire()) == NULL)
		return tm_milter_tempfail(ctx, c, "no configuration loaded");
	if (auth && *auth && (c->auth_user = strdup(auth)) == NULL)
		return tm_milter_tempfail(ctx, c, "out of memory");
	if (tm_addr_parse_path(argv[0] ? argv[0] : "", &c->mail_from, why,
			       sizeof(why)) < 0) {
		char reason[300];

		if (errno == ENOMEM)
			return tm_milter_tempfail(ctx, c, "out of memory");
		snprintf(reason, sizeof(reason), "bad sender address syntax: %s",
			 why);
		return refuse_early(ctx, c, argv[0] ? argv[0] : "", "553",
				    "5.1.7", "bad sender address syntax", reason);
	}
	return SMFIS_CONTINUE;
}

/*
 * mlfi_envrcpt - remember each recipient: internal mail is decided on all
 * of them.  An argument that is not an address (the MTA accepted it) is
 * kept as given; it matches no internal domain.
 */
static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct tm_conn *c = conn_of(ctx);
	char *addr = NULL, why[256];
	int rc;

	if (c == NULL || c->snap == NULL || c->fail[0])
		return tm_milter_reply(c, SMFIP_NR_RCPT);
	if (tm_addr_parse_path(argv[0] ? argv[0] : "", &addr, why,
			       sizeof(why)) < 0 && errno == ENOMEM) {
		snprintf(c->fail, sizeof(c->fail), "out of memory");
		return tm_milter_reply(c, SMFIP_NR_RCPT);
	}
	rc = tm_strv_add(&c->rcpt, addr ? addr : argv[0] ? argv[0] : "");
	free(addr);
	if (rc < 0)		/* no reply here (SMFIP_NR_RCPT): mlfi_eoh says it */
		snprintf(c->fail, sizeof(c->fail), "out of memory");
	return tm_milter_reply(c, SMFIP_NR_RCPT);
}

/*
 * mlfi_header - keep every header until the end of headers.  Usually no
 * reply is sent (SMFIP_NR_HDR): trouble is kept for mlfi_eoh to answer.
 */
static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct tm_conn *c = conn_of(ctx);

	if (c == NULL || c->snap == NULL)
		return tm_milter_reply(c, SMFIP_NR_HDR);
	if (c->hdr_too_big || c->fail[0])
		return tm_milter_reply(c, SMFIP_NR_HDR);
	/* Too large in all, or too many fields: refused at the end of the
	 * headers (no reply here); nothing more is kept. */
	if (c->hdrs.bytes + strlen(name) + strlen(value) > MAX_HEADER_BYTES ||
	    c->hdrs.n >= MAX_HEADERS)
		c->hdr_too_big = true;
	else if (tm_hdrs_add(&c->hdrs, name, value) < 0)
		snprintf(c->fail, sizeof(c->fail), "out of memory");
	return tm_milter_reply(c, SMFIP_NR_HDR);
}

/* feed - one final header to the signer (tm_policy_final_headers) */
struct feed_arg {
	struct tm_signer *signer;
	char *why;
	size_t len;
};

static int
feed(const char *name, const char *value, void *arg)
{
	struct feed_arg *fa = arg;

	return tm_signer_header(fa->signer, name, value, fa->why, fa->len);
}

/* feed_final_headers - the headers as they will leave, then eoh */
static int
feed_final_headers(struct tm_conn *c, char *why, size_t len)
{
	struct feed_arg fa = { c->signer, why, len };

	if (tm_policy_final_headers(c->snap->conf, &c->hdrs, &c->d, feed, &fa) < 0)
		return -1;
	return tm_signer_eoh(c->signer, why, len);
}

/* mlfi_eoh - decide; refuse now, or start the signatures */
static sfsistat
mlfi_eoh(SMFICTX *ctx)
{
	struct tm_conn *c = conn_of(ctx);
	struct tm_policy_env env;
	struct tm_msg m;
	char why[512];

	if (c == NULL || c->snap == NULL)
		return SMFIS_TEMPFAIL;
	if (c->fail[0])
		return tm_milter_tempfail(ctx, c, c->fail);
	if (c->hdr_too_big && c->hdrs.n >= MAX_HEADERS) {	/* mlfi_header */
		char reason[100];

		snprintf(reason, sizeof(reason), "message has over %d header fields",
			 MAX_HEADERS);
		return refuse_early(ctx, c, c->mail_from, "552", "5.3.4",
				    "too many header fields", reason);
	}
	if (c->hdr_too_big) {	/* found by mlfi_header, which has no reply */
		char reason[100];

		snprintf(reason, sizeof(reason), "message headers over %d bytes",
			 MAX_HEADER_BYTES);
		return refuse_early(ctx, c, c->mail_from, "552", "5.3.4",
				    "message headers too large", reason);
	}
	/* One DNS budget for the whole message (DESIGN.md step 8). */
	env.spf = c->snap->spf;
	env.resolver = c->snap->resolver;
	env.psl = c->snap->psl;
	clock_gettime(CLOCK_MONOTONIC, &env.deadline);
	env.deadline.tv_sec += c->snap->conf->dns.timeout;
	msg_of(ctx, c, c->mail_from, &m);
	if (tm_policy_decide(c->snap->conf, &m, &env, &c->d) < 0)
		return tm_milter_tempfail(ctx, c, "out of memory");
	c->decided = true;
	if (c->d.verdict == TM_V_REJECT || c->d.verdict == TM_V_TEMPFAIL) {
		sfsistat rc = c->d.verdict == TM_V_REJECT ? SMFIS_REJECT :
			SMFIS_TEMPFAIL;

		tm_milter_setreply(ctx, c->d.rcode, c->d.xcode, c->d.reply);
		tm_milter_log_decision(c);
		tm_conn_reset(c);
		return rc;
	}
	if (c->d.n_sign == 0)
		return SMFIS_CONTINUE;
	c->signer = tm_signer_new(m.queue_id,
				  (const struct tm_dkim *const *)c->d.sign,
				  c->d.n_sign, why, sizeof(why));
	if (c->signer == NULL || feed_final_headers(c, why, sizeof(why)) < 0)
		return tm_milter_tempfail(ctx, c, why);
	return SMFIS_CONTINUE;
}

/* mlfi_body - stream a chunk into the signatures; trouble waits for eom */
static sfsistat
mlfi_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	struct tm_conn *c = conn_of(ctx);
	char why[sizeof(c->fail)];

	if (c == NULL || !c->decided || c->fail[0])
		return tm_milter_reply(c, SMFIP_NR_BODY);
	if (c->signer && tm_signer_body(c->signer, buf, len, why,
					sizeof(why)) < 0)
		snprintf(c->fail, sizeof(c->fail), "%s", why);
	return tm_milter_reply(c, SMFIP_NR_BODY);
}

/* mlfi_eom - apply the decision */
static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct tm_conn *c = conn_of(ctx);
	sfsistat rc;

	if (c == NULL || !c->decided)
		return SMFIS_TEMPFAIL;
	if (c->fail[0])
		return tm_milter_tempfail(ctx, c, c->fail);
	rc = tm_milter_eom(ctx, c);
	tm_conn_reset(c);
	return rc;
}

/* mlfi_abort - the MTA dropped the message */
static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	struct tm_conn *c = conn_of(ctx);

	if (c)
		tm_conn_reset(c);
	return SMFIS_CONTINUE;
}

/* mlfi_close - end of the connection */
static sfsistat
mlfi_close(SMFICTX *ctx)
{
	struct tm_conn *c = conn_of(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	tm_conn_reset(c);
	tm_stop_untrack(c);
	smfi_setpriv(ctx, NULL);
	if (c->counted) {
		pthread_mutex_lock(&active_lock);
		if (--active == 0)
			pthread_cond_broadcast(&active_cond);
		pthread_mutex_unlock(&active_lock);
	}
	free(c);
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name = "tenant-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGFROM |
		      SMFIF_QUARANTINE,
	.xxfi_connect = mlfi_connect,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = mlfi_eoh,
	.xxfi_body = mlfi_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_negotiate = tm_milter_negotiate,
};

/* tm_milter_desc - for smfi_register */
struct smfiDesc *
tm_milter_desc(void)
{
	return &desc;
}

/* tm_milter_active - open connections */
int
tm_milter_active(void)
{
	int n;

	pthread_mutex_lock(&active_lock);
	n = active;
	pthread_mutex_unlock(&active_lock);
	return n;
}

/* tm_milter_wait_idle - 0 when idle, -1 when connections remain */
int
tm_milter_wait_idle(int secs)
{
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += secs;
	pthread_mutex_lock(&active_lock);
	while (active > 0 && rc == 0)
		rc = pthread_cond_timedwait(&active_cond, &active_lock, &until);
	rc = active > 0 ? -1 : 0;
	pthread_mutex_unlock(&active_lock);
	return rc;
}
