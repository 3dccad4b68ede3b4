/*
 * verify-opendkim.c - verify every DKIM signature of a message with
 * libopendkim, keys from the harness NSD at 127.0.0.1:PORT only.
 *
 * usage: verify-opendkim PORT FILE...
 * With more than one FILE, each line starts with "FILE: " (batch use by
 * the differential test: one process, one DNS context for thousands).
 *
 * libopendkim's built-in resolver is glibc's res_nquery(): it always uses
 * /etc/resolv.conf, port 53, and dkim_dns_nslist() is a no-op on glibc.  So
 * this program installs its own query functions (dkim_dns_set_query_*) backed
 * by a libunbound context that forwards to 127.0.0.1@PORT only (with
 * "do-not-query-localhost: no", else unbound refuses to ask 127.0.0.1; its
 * outgoing sockets are bound to 127.0.0.1 too).
 *
 * Prints one line, shared by the three harness verifiers:
 *   opendkim: RESULT (d/s alg=result[: error], ...)
 * RESULT is pass if every signature verifies, else fail (also with none).
 * Exit 0 pass, 1 fail.
 * Build: cc -o verify-opendkim verify-opendkim.c \
 *          $(pkg-config --cflags --libs opendkim) -lunbound
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <opendkim/dkim.h>
#include <unbound.h>

struct query {
	int	status;			/* DKIM_DNS_SUCCESS or _ERROR */
	size_t	len;			/* bytes of the answer in buf */
};

/* q_start - resolve synchronously through unbound, copy the raw answer */
static int
q_start(void *srv, int type, unsigned char *name, unsigned char *buf,
    size_t buflen, void **qh)
{
	struct ub_result *res = NULL;
	struct query *q;

	if ((q = calloc(1, sizeof *q)) == NULL)
		return DKIM_DNS_ERROR;
	q->status = DKIM_DNS_ERROR;
	if (ub_resolve(srv, (char *) name, type, 1, &res) == 0 &&
	    res->answer_packet != NULL && (size_t) res->answer_len <= buflen) {
		memcpy(buf, res->answer_packet, res->answer_len);
		q->len = res->answer_len;
		q->status = DKIM_DNS_SUCCESS;
	}
	if (res != NULL)
		ub_resolve_free(res);
	*qh = q;
	return DKIM_DNS_SUCCESS;
}

/* q_wait - the answer is already there (q_start is synchronous) */
static int
q_wait(void *srv, void *qh, struct timeval *to, size_t *bytes, int *error,
    int *dnssec)
{
	struct query *q = qh;

	(void) srv;
	(void) to;
	if (bytes != NULL)
		*bytes = q->len;
	if (error != NULL)
		*error = 0;
	if (dnssec != NULL)
		*dnssec = DKIM_DNSSEC_UNKNOWN;
	return q->status;
}

/* q_cancel - free the query handle */
static int
q_cancel(void *srv, void *qh)
{
	(void) srv;
	free(qh);
	return 0;
}

/*
 * q_close - libopendkim calls this from dkim_close() with the service
 * handle; the default would free it as a glibc resolver state.
 */
static void
q_close(void *srv)
{
	ub_ctx_delete(srv);
}

/* read_crlf - read FILE, LF line ends turned into CRLF; caller frees */
static unsigned char *
read_crlf(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *out = NULL, *n;
	size_t cap = 0, used = 0;
	int c, prev = 0;

	if (f == NULL)
		return NULL;
	while ((c = getc(f)) != EOF) {
		if (used + 2 >= cap) {
			cap = cap ? cap * 2 : 65536;
			if ((n = realloc(out, cap)) == NULL) {
				free(out);
				fclose(f);
				return NULL;
			}
			out = n;
		}
		if (c == '\n' && prev != '\r')
			out[used++] = '\r';
		out[used++] = (unsigned char) c;
		prev = c;
	}
	fclose(f);
	*len = used;
	return out != NULL ? out : calloc(1, 1);
}

static const char *
alg_name(DKIM_SIGINFO *sig)
{
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;

	(void) dkim_sig_getsignalg(sig, &alg);
	switch (alg) {
	case DKIM_SIGN_RSASHA1:		return "rsa-sha1";
	case DKIM_SIGN_RSASHA256:	return "rsa-sha256";
#ifdef DKIM_SIGN_ED25519SHA256
	case DKIM_SIGN_ED25519SHA256:	return "ed25519-sha256";
#endif
	default:			return "?";
	}
}

/* report - print the verdict line over every signature; 0 if all passed */
static int
report(DKIM *dkim, DKIM_STAT eom)
{
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0, i, ok = 1;
	char line[8192];
	size_t off = 0;

	if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK || nsigs == 0) {
		printf("opendkim: fail (no DKIM signature: %s)\n",
		    dkim_getresultstr(eom));
		return 1;
	}
	for (i = 0; i < nsigs; i++) {
		DKIM_SIGINFO *sig = sigs[i];
		const char *d = (const char *) dkim_sig_getdomain(sig);
		const char *s = (const char *) dkim_sig_getselector(sig);
		int pass;

		if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_PROCESSED) == 0)
			(void) dkim_sig_process(dkim, sig);
		pass = DKIM_SIG_CHECK(sig);
		off += snprintf(line + off, sizeof line - off, "%s%s/%s %s=%s",
		    i ? ", " : "", d ? d : "?", s ? s : "?", alg_name(sig),
		    pass ? "pass" : "fail");
		if (!pass) {
			int err = dkim_sig_geterror(sig);
			const char *why =
			    dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH ?
			    "body hash mismatch" : err != DKIM_SIGERROR_OK ?
			    dkim_sig_geterrorstr(err) : "not verified";

			ok = 0;
			off += snprintf(line + off, sizeof line - off, ": %s",
			    why ? why : "unknown error");
		}
		if (off >= sizeof line)
			off = sizeof line - 1;
	}
	printf("opendkim: %s (%s)\n", ok ? "pass" : "fail", line);
	return ok ? 0 : 1;
}

/* verify_file - one message, one verdict line; 0 if all passed */
static int
verify_file(DKIM_LIB *lib, const char *path, int prefix)
{
	DKIM *dkim;
	DKIM_STAT st;
	unsigned char *msg;
	size_t len = 0;
	int rc;

	if (prefix)
		printf("%s: ", path);
	if ((msg = read_crlf(path, &len)) == NULL) {
		printf("opendkim: fail (cannot read %s)\n", path);
		return 1;
	}
	dkim = dkim_verify(lib, (const unsigned char *) "verify", NULL, &st);
	if (dkim == NULL) {
		printf("opendkim: fail (dkim_verify: %s)\n", dkim_getresultstr(st));
		free(msg);
		return 1;
	}
	st = dkim_chunk(dkim, msg, len);
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(dkim, NULL, 0);
	if (st == DKIM_STAT_OK)
		st = dkim_eom(dkim, NULL);
	rc = report(dkim, st);
	dkim_free(dkim);
	free(msg);
	return rc;
}

int
main(int argc, char **argv)
{
	DKIM_LIB *lib;
	struct ub_ctx *ub;
	char fwd[64];
	unsigned int timeout = 5;
	int rc = 0, i;

	if (argc < 3 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: verify-opendkim PORT FILE...\n");
		return 2;
	}
	snprintf(fwd, sizeof fwd, "127.0.0.1@%d", atoi(argv[1]));
	if ((ub = ub_ctx_create()) == NULL ||
	    ub_ctx_set_option(ub, "do-not-query-localhost:", "no") != 0 ||
	    ub_ctx_set_option(ub, "outgoing-interface:", "127.0.0.1") != 0 ||
	    ub_ctx_set_option(ub, "do-ip6:", "no") != 0 ||
	    ub_ctx_set_fwd(ub, fwd) != 0 ||
	    (lib = dkim_init(NULL, NULL)) == NULL) {
		printf("opendkim: fail (cannot set up libunbound/libopendkim)\n");
		return 1;
	}
	(void) dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_TIMEOUT, &timeout,
	    sizeof timeout);
	dkim_dns_set_query_service(lib, ub);
	dkim_dns_set_query_start(lib, q_start);
	dkim_dns_set_query_waitreply(lib, q_wait);
	dkim_dns_set_query_cancel(lib, q_cancel);
	dkim_dns_set_close(lib, q_close);
	for (i = 2; i < argc; i++)
		if (verify_file(lib, argv[i], argc > 3) != 0)
			rc = 1;
	dkim_close(lib);		/* deletes ub through q_close */
	return rc;
}
