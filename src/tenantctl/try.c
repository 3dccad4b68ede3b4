/*
 * try.c - `tenantctl try TENANT [--from ADDR] [--to ADDR]... < message`:
 * what the milter
 * would do to this message, without Postfix.  The same lib/ functions as
 * the milter decide (policy.c, with SPF and the DMARC guard over live DNS
 * per dns.nameserver), pick the final headers and sign.  --to gives the
 * envelope recipients (none by default: the message is not internal mail).
 *
 * Prints the decision line, the SMTP reply of a refusal, the header and
 * envelope changes, then the message as it would leave: the decision's
 * edits (policy/apply.h, the milter's own list) played on a copy of the
 * headers by try_edit.c, so DKIM-Signature and annotation end on top
 * exactly where the milter puts them.
 * Exit: 0 the message would be accepted (also rewritten, fallback, hold),
 * 1 bad usage, configuration or input, 2 rejected, 3 tempfailed.
 */

#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg/addr.h"
#include "util/err.h"
#include "msg/hdrs.h"
#include "policy/policy.h"
#include "dkim/sign.h"
#include "util/strv.h"
#include "policy/apply.h"
#include "snap.h"
#include "tctl.h"
#include "try_edit.h"

#define MAX_MESSAGE (64 * 1024 * 1024)

/* read_all - stdin into memory; NULL if too large or no memory */
static char *
read_all(size_t *len)
{
	size_t cap = 65536, n = 0, r;
	char *buf = malloc(cap + 1), *p;

	while (buf && (r = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += r;
		if (n == cap) {
			if (cap >= MAX_MESSAGE || (p = realloc(buf, cap * 2 + 1)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * parse_headers - header fields up to the empty line, as an MTA passes
 * them to a milter (value without the space after the colon, folds kept
 * as LF).  Returns the start of the body, or NULL with why.
 */
static const char *
parse_headers(const char *msg, struct tm_hdrs *h, const char **why)
{
	const char *p = msg;

	while (*p && *p != '\n' && !(p[0] == '\r' && p[1] == '\n')) {
		const char *colon = strchr(p, ':'), *v, *end = p;
		char *name, *value, *o;

		if (colon == NULL || colon == p || memchr(p, '\n', (size_t)(colon - p))) {
			*why = "not a header line (no \"Name:\")";
			return NULL;
		}
		for (;;) {		/* the field ends at a line not starting with WSP */
			end = strchr(end, '\n');
			if (end == NULL || (end[1] != ' ' && end[1] != '\t'))
				break;
			end++;
		}
		if (end == NULL)
			end = p + strlen(p);
		name = strndup(p, (size_t)(colon - p));
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		value = strndup(v, (size_t)(end - v));
		if (value)
			for (o = value + strlen(value); o > value && o[-1] == '\r'; )
				*--o = '\0';
		if (name == NULL || value == NULL || tm_hdrs_add(h, name, value) < 0) {
			free(name);
			free(value);
			*why = "out of memory";
			return NULL;
		}
		free(name);
		free(value);
		p = *end ? end + 1 : end;
	}
	return *p == '\r' ? p + 2 : *p ? p + 1 : p;
}

/* crlf_body - the body with CRLF line ends, as milters receive it */
static char *
crlf_body(const char *b, size_t *len)
{
	size_t n = strlen(b), i, o = 0;
	char *out = malloc(n * 2 + 1);

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = b[i];
	}
	out[o] = '\0';
	*len = o;
	return out;
}

struct sign_arg {
	struct tm_signer *signer;
	char why[512];
};

/* sign_final - feed one final header to the signer */
static int
sign_final(const char *name, const char *value, void *arg)
{
	struct sign_arg *sa = arg;

	return tm_signer_header(sa->signer, name, value, sa->why, sizeof(sa->why));
}

/* sign - the decision's signatures over the final headers and body */
static int
sign(const struct tm_conf *conf, const struct tm_hdrs *h,
     const struct tm_decision *d, const char *crlf, size_t blen,
     struct sign_arg *sa)
{
	if (d->n_sign == 0)
		return 0;
	if ((sa->signer = tm_signer_new("try", (const struct tm_dkim *const *)d->sign,
					d->n_sign, sa->why, sizeof(sa->why))) == NULL)
		return -1;
	if (tm_policy_final_headers(conf, h, d, sign_final, sa) < 0 ||
	    tm_signer_eoh(sa->signer, sa->why, sizeof(sa->why)) < 0 ||
	    tm_signer_body(sa->signer, (const unsigned char *)crlf, blen, sa->why,
			   sizeof(sa->why)) < 0 ||
	    tm_signer_eom(sa->signer, sa->why, sizeof(sa->why)) < 0)
		return -1;
	return 0;
}

/*
 * sign_and_print - sign, then play the decision's edits (policy/apply,
 * as the milter does) on a copy of the headers: print the changes, then
 * the message as it would leave
 */
static int
sign_and_print(const struct tm_conf *conf, const struct tm_hdrs *h,
	       const struct tm_decision *d, const char *body)
{
	struct sign_arg sa = { NULL, "" };
	struct tctl_edit ed = { NULL, 0, NULL };
	const char *what = NULL;
	char *crlf, *changes = NULL;
	size_t blen, clen;
	FILE *log = NULL;
	int rc = -1;

	if ((crlf = crlf_body(body, &blen)) == NULL ||
	    sign(conf, h, d, crlf, blen, &sa) < 0)
		goto out;
	if ((log = open_memstream(&changes, &clen)) == NULL ||
	    tctl_edit_init(&ed, h, log) < 0)
		goto out;
	if (tm_apply(conf, h, d, sa.signer, &tctl_edit_ops, &ed, &what) < 0) {
		snprintf(sa.why, sizeof(sa.why), "cannot change the message (%s)",
			 what);
		goto out;
	}
	fclose(log);
	log = NULL;
	printf("changes:\n%s", changes);
	printf("--- message as it would leave ---\n");
	tctl_edit_print(&ed, stdout);
	printf("\n%s", body);
	rc = 0;
out:
	if (rc < 0)
		fprintf(stderr, "tenantctl try: %s\n", sa.why[0] ? sa.why :
			"out of memory");
	if (log)
		fclose(log);
	free(changes);
	tctl_edit_fini(&ed);
	free(crlf);
	tm_signer_free(sa.signer);
	return rc;
}

/* decide - the milter's decision for this tenant and message */
static int
decide(struct tm_snap *s, const struct tm_tenant *t, const char *from,
       const struct tm_strv *rcpt, const struct tm_hdrs *h,
       struct tm_decision *d, char **mail_from)
{
	struct tm_policy_env env = { s->spf, s->resolver, s->psl, { 0, 0 } };
	struct tm_mailbox mb = { NULL, NULL, NULL, NULL };
	const struct tm_hdr *f = tm_hdrs_find(h, "From", 0);
	struct tm_msg m = { .queue_id = "try", .mail_from = "", .hdrs = h,
			    .rcpt = (const char *const *)rcpt->v, .n_rcpt = rcpt->n };
	char why[256];

	if (from)
		*mail_from = strdup(from);
	else if (f && tm_addr_parse_mailbox(f->value, &mb, why, sizeof(why)) == 0)
		*mail_from = strdup(mb.addr);
	else
		*mail_from = strdup("");
	tm_mailbox_fini(&mb);
	if (*mail_from == NULL)
		return -1;
	m.mail_from = *mail_from;
	clock_gettime(CLOCK_MONOTONIC, &env.deadline);
	env.deadline.tv_sec += s->conf->dns.timeout;
	if (tm_policy_decide_tenant(s->conf, t, &m, &env, d) < 0)
		return -1;
	d->via_name = "try";
	return 0;
}

/* tctl_try - decide, show, sign */
int
tctl_try(const char *path, int argc, char **argv)
{
	const char *from = NULL, *body, *why = "";
	struct tm_strv rcpt = { NULL, 0 };
	struct tm_hdrs h = { NULL, 0, 0, 0 };
	const struct tm_tenant *t;
	struct tm_decision d;
	struct tm_snap *s = NULL;
	struct tm_conf *conf;
	struct tm_err err;
	char *msg = NULL, *line, *mail_from = NULL;
	size_t len;
	int i, rc = 1;

	for (i = 2; argc >= 2 && i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--from") == 0)
			from = argv[i + 1];
		else if (strcmp(argv[i], "--to") != 0)
			break;
		else if (tm_strv_add(&rcpt, argv[i + 1]) < 0) {
			fprintf(stderr, "tenantctl try: out of memory\n");
			return 1;
		}
	}
	if (argc < 2 || i != argc) {
		fprintf(stderr, "usage: tenantctl [-c FILE] try TENANT [--from ADDR] "
			"[--to ADDR]... < message\n");
		tm_strv_fini(&rcpt);
		return 1;
	}
	tm_err_init(&err);
	if ((conf = tm_conf_load(path, &err)) == NULL ||
	    (s = tm_snap_build(conf, &err)) == NULL) {
		tm_err_print(&err, stderr);
		goto out;
	}
	if ((t = tm_conf_tenant(s->conf, argv[1])) == NULL) {
		fprintf(stderr, "tenantctl try: no tenant \"%s\" in %s\n", argv[1], path);
		goto out;
	}
	if ((msg = read_all(&len)) == NULL || (body = parse_headers(msg, &h, &why)) == NULL) {
		fprintf(stderr, "tenantctl try: message on stdin: %s\n",
			msg ? why : "too large or out of memory");
		goto out;
	}
	if (tm_sign_init() < 0 || decide(s, t, from, &rcpt, &h, &d, &mail_from) < 0) {
		fprintf(stderr, "tenantctl try: out of memory\n");
		goto out;
	}
	line = tm_policy_log_line(&d);
	printf("decision: %s\n", line ? line : "?");
	free(line);
	if (d.verdict == TM_V_REJECT || d.verdict == TM_V_TEMPFAIL) {
		printf("reply: %s %s %s\n", d.rcode, d.xcode, d.reply);
		rc = d.verdict == TM_V_REJECT ? 2 : 3;
	} else {
		rc = sign_and_print(s->conf, &h, &d, body) < 0 ? 3 : 0;
	}
	tm_decision_fini(&d);
out:
	tm_err_fini(&err);
	tm_hdrs_fini(&h);
	free(msg);
	free(mail_from);
	tm_strv_fini(&rcpt);
	tm_snap_free(s);
	tm_sign_fini();
	return rc;
}
