/*
 * fuzz_message.c - libFuzzer harness: the per-message decision as the
 * milter makes it at the end of the headers, on arbitrary envelopes and
 * headers, against a fixed configuration (a customer, a provider and a
 * relay tenant, keys generated at start): identification, sender policy,
 * From/Reply-To rewriting, the headers as they will leave (what the
 * signer is fed), the annotation and the decision line.  Without DNS:
 * SPF and the guard are not consulted (no resolver), as in `tenantctl
 * try` offline.  libmilter itself is not in the loop.
 *
 * Input: one line "AUTH<TAB>MAIL FROM<TAB>RCPT,RCPT<TAB>CLIENT-IP", then
 * header lines "Name: value" (one per line, no folding).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "dkim/keys.h"
#include "msg/hdrs.h"
#include "policy/policy.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tm_conf *conf;

static void
put(const char *dir, const char *name, const char *text)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	char dir[256], sub[300], key[320], why[256];
	const char *tmp = getenv("TMPDIR");
	struct tm_err err;

	snprintf(dir, sizeof(dir), "%s/fuzz-msg.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(sub, sizeof(sub), "%s/tenants.d", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/keys", dir);
	mkdir(sub, 0700);
	snprintf(key, sizeof(key), "%s/keys/p.key", dir);
	if (tm_key_generate(key, TM_ALG_RSA_SHA256, 1024, why, sizeof(why)) < 0)
		abort();
	snprintf(key, sizeof(key), "%s/keys/a.key", dir);
	if (tm_key_generate(key, TM_ALG_ED25519_SHA256, 0, why, sizeof(why)) < 0)
		abort();
	put(dir, "main.conf",
	    "provider = { domain = \"provider.example\"; outbound_ips = [ \"192.0.2.10\" ];\n"
	    "  tenant_domain = \"%t.provider.example\";\n"
	    "  dkim = ( { selector = \"p\"; key = \"keys/p.key\"; } ); };\n"
	    "identify = { trusted_networks = [ \"127.0.0.0/8\" ]; };\n");
	put(dir, "tenants.d/acme.conf",
	    "id = \"acme\"; mode = \"customer\";\n"
	    "match = { sasl_users = [ \"lms-acme\" ]; sender_domains = [ \"acme.example\" ]; };\n"
	    "sender = { from = \"claim@acme.example\"; reply_to = \"hr@acme.example\"; };\n"
	    "dkim = ( { domain = \"acme.example\"; selector = \"a\"; key = \"../keys/a.key\";\n"
	    "  algorithm = \"ed25519-sha256\"; } );\n"
	    "internal = { domains = [ \"acme.example\" ]; };\n");
	put(dir, "tenants.d/beta.conf",
	    "id = \"beta\"; mode = \"provider\";\n"
	    "match = { sasl_users = [ \"lms-beta\" ]; networks = [ \"127.0.0.2/32\" ]; };\n"
	    "sender = { reply_to = \"people@beta.example\"; };\n");
	put(dir, "tenants.d/initech.conf",
	    "id = \"initech\"; mode = \"relay\";\n"
	    "match = { sender_domains = [ \"initech.example\" ]; };\n"
	    "sender = { from = \"noreply@initech.example\"; on_foreign = \"reject\"; };\n"
	    "relay = { host = \"smtp.initech.example\"; };\n");
	snprintf(key, sizeof(key), "%s/main.conf", dir);
	tm_err_init(&err);
	conf = tm_conf_load(key, &err);
	if (conf == NULL) {
		tm_err_print(&err, stderr);
		abort();
	}
	tm_err_fini(&err);
}

static int
count(const char *name, const char *value, void *arg)
{
	(void)name;
	(void)value;
	(*(size_t *)arg)++;
	return 0;
}

/* field - the next TAB-separated field of the first line, in place */
static char *
field(char **p)
{
	char *s = *p, *t = strchr(s, '\t');

	if (t) {
		*t = '\0';
		*p = t + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	struct tm_decision d;
	struct tm_hdrs hdrs;
	struct tm_msg m;
	const char *rcpt[8];
	char *buf, *p, *line, *nl, *auth, *from, *rcpts, *ip, *colon, *s;
	size_t n = 0, n_rcpt = 0;

	if (conf == NULL)
		setup();
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	line = buf;
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	p = line;
	auth = field(&p);
	from = field(&p);
	rcpts = field(&p);
	ip = field(&p);
	for (s = strtok(rcpts, ","); s && n_rcpt < 8; s = strtok(NULL, ","))
		rcpt[n_rcpt++] = s;
	memset(&ss, 0, sizeof(ss));
	memset(&m, 0, sizeof(m));
	if (inet_pton(AF_INET, ip, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		m.client = (struct sockaddr *)&ss;
	} else if (inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		m.client = (struct sockaddr *)&ss;
	}
	memset(&hdrs, 0, sizeof(hdrs));
	for (line = nl ? nl + 1 : NULL; line && *line; line = nl ? nl + 1 : NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		if (tm_hdrs_add(&hdrs, line, colon[1] == ' ' ? colon + 2 : colon + 1) < 0)
			break;
	}
	m.queue_id = "FUZZ";
	m.auth_user = *auth ? auth : NULL;
	m.mail_from = from;
	m.rcpt = rcpt;
	m.n_rcpt = n_rcpt;
	m.hdrs = &hdrs;
	if (tm_policy_decide(conf, &m, NULL, &d) == 0) {
		free(tm_policy_annotation(&d));
		free(tm_policy_log_line(&d));
		(void)tm_policy_final_headers(conf, &hdrs, &d, count, &n);
		tm_decision_fini(&d);
	}
	tm_hdrs_fini(&hdrs);
	free(buf);
	return 0;
}
