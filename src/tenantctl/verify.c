/*
 * verify.c - `tenantctl verify < message`: every DKIM-Signature of the
 * message verified by libopendkim (the independent implementation, not
 * our signer), keys from live DNS through dns.nameserver.  One line per
 * signature, in message order:
 *
 *   acme.example/s1 rsa-sha256: pass
 *   acme.example/s2 ed25519-sha256: fail (body hash mismatch (...))
 *
 * Exit: 0 every signature passes, 1 bad usage, configuration or input,
 * 2 a signature fails or there is none, 3 a key could not be looked up
 * (DNS trouble: try again).
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "conf/conf.h"
#include "dkim/verify.h"
#include "dns/resolver.h"
#include "util/err.h"
#include "tctl.h"

#define MAX_MESSAGE (64 * 1024 * 1024)

struct tally {
	int fail, temp;
};

/* show - one line per signature */
static void
show(const struct tm_verify_sig *r, void *arg)
{
	struct tally *t = arg;
	static const char *const word[] = { "pass", "fail", "temperror" };

	printf("%s/%s %s: %s%s%s%s\n", r->domain, r->selector, r->alg,
	       word[r->status], r->why[0] ? " (" : "", r->why,
	       r->why[0] ? ")" : "");
	if (r->status == TM_VERIFY_FAIL)
		t->fail++;
	else if (r->status == TM_VERIFY_TEMP)
		t->temp++;
}

/* slurp - stdin; NULL when too large or out of memory */
static char *
slurp(size_t *len)
{
	size_t cap = 65536, n = 0, r;
	char *buf = malloc(cap), *p;

	while (buf && (r = fread(buf + n, 1, cap - n, stdin)) > 0)
		if ((n += r) == cap) {
			if (cap >= MAX_MESSAGE || (p = realloc(buf, cap * 2)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
	*len = n;
	return buf;
}

/* tctl_verify - verify stdin's signatures */
int
tctl_verify(const char *path, int argc, char **argv)
{
	struct tally t = { 0, 0 };
	struct tm_resolver *res = NULL;
	struct tm_conf *conf;
	struct tm_err err;
	char why[512], *msg = NULL;
	size_t len = 0;
	int n, rc = 1;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: tenantctl [-c FILE] verify < message\n");
		return 1;
	}
	tm_err_init(&err);
	if ((conf = tm_conf_load(path, &err)) == NULL) {
		tm_err_print(&err, stderr);
		goto out;
	}
	if ((res = tm_resolver_new(conf->dns.nameserver, why, sizeof(why))) == NULL) {
		fprintf(stderr, "tenantctl verify: DNS: %s\n", why);
		goto out;
	}
	if ((msg = slurp(&len)) == NULL) {
		fprintf(stderr, "tenantctl verify: message too large or out of memory\n");
		goto out;
	}
	if ((n = tm_dkim_verify(res, conf->dns.timeout, msg, len, show, &t, why,
				sizeof(why))) < 0) {
		fprintf(stderr, "tenantctl verify: %s\n", why);
		goto out;
	}
	if (n == 0)
		printf("no DKIM-Signature\n");
	rc = t.temp ? 3 : (t.fail || n == 0) ? 2 : 0;
out:
	free(msg);
	tm_resolver_free(res);
	tm_conf_free(conf);
	tm_err_fini(&err);
	return rc;
}
