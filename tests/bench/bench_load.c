/*
 * bench_load.c - load a whole configuration and print what it cost:
 * load time (parse + check + keys + index), peak RSS, the time of a
 * tm_index_build() alone on the loaded tenants, then the time per lookup
 * of each kind (SASL user, header value, client network, sender domain)
 * over tenants picked at random.
 *
 * Usage: bench_load CONF     (tests/bench/gen-tenants.sh writes one)
 *
 * A benchmark: it prints figures and asserts no timing.  Exit 0 when the
 * configuration loaded, 1 when it did not (errors on stderr).
 */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "util/err.h"
#include "conf/tenant_index.h"

#define LOOKUPS		1000000
#define RING		65536		/* distinct random keys, a power of 2 */
#define SHOW_ERRORS	10

enum kind { K_SASL, K_HEADER, K_NETWORK, K_DOMAIN, K_MAX };

static const char *const kind_names[K_MAX] = {
	"sasl", "header", "network", "domain"
};

/*
 * Pre-built keys for one lookup kind, so that the timed loop only looks
 * up.  String keys are copied into one arena in the order they are used,
 * as a milter's macro or header value would be at hand, so the figures
 * are the index's cost, not the cost of fetching the benchmark's keys.
 */
struct keys {
	const char **str;			/* K_SASL, K_HEADER, K_DOMAIN */
	char *arena;				/* what str points into */
	struct sockaddr_storage *addr;		/* K_NETWORK */
	size_t n;
};

/* now_s - monotonic clock in seconds */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* next_rand - xorshift64*, fixed seed: every run picks the same tenants */
static uint64_t
next_rand(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ULL;
}

/* client_of - an address inside net (host part ...1 when there is one) */
static void
client_of(const struct tm_cidr *net, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (net->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, net->addr, 4);
		if (net->prefix < 32)
			((unsigned char *)&sin->sin_addr)[3] |= 1;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, net->addr, 16);
		if (net->prefix < 128)
			sin6->sin6_addr.s6_addr[15] |= 1;
	}
}

/* key_of - tenant t's first key of kind k (borrowed), or NULL: none */
static const char *
key_of(const struct tm_tenant *t, enum kind k)
{
	const char *s = NULL;

	switch (k) {
	case K_SASL:
		if (t->match.sasl_users.n > 0)
			s = t->match.sasl_users.v[0];
		break;
	case K_HEADER:
		s = t->match.header ? t->match.header : t->id;
		break;
	case K_DOMAIN:
		if (t->match.sender_domains.n > 0)
			s = t->match.sender_domains.v[0];
		break;
	default:
		break;
	}
	return s;
}

/* keys_pick - RING keys of kind k from random tenants; 0, or -1 on OOM */
static int
keys_pick(const struct tm_conf *conf, enum kind k, struct keys *keys)
{
	uint64_t state = 0x9e3779b97f4a7c15ULL + (uint64_t)k;
	const struct tm_tenant **pick, *t;
	size_t tries, i, len = 0, off = 0;
	int rc = -1;

	memset(keys, 0, sizeof(*keys));
	if ((pick = calloc(RING, sizeof(*pick))) == NULL)
		return -1;
	/* tenants without this kind of key are skipped; give up eventually */
	for (tries = 0; keys->n < RING && tries < 8 * (size_t)RING; tries++) {
		t = conf->tenants[next_rand(&state) % conf->n_tenants];
		if (k == K_NETWORK ? t->match.n_networks > 0
				   : key_of(t, k) != NULL)
			pick[keys->n++] = t;
	}
	if (k == K_NETWORK) {
		if ((keys->addr = calloc(RING, sizeof(*keys->addr))) == NULL)
			goto out;
		for (i = 0; i < keys->n; i++)
			client_of(&pick[i]->match.networks[0], &keys->addr[i]);
		rc = 0;
		goto out;
	}
	for (i = 0; i < keys->n; i++)
		len += strlen(key_of(pick[i], k)) + 1;
	if ((keys->str = calloc(RING, sizeof(*keys->str))) == NULL ||
	    (keys->arena = malloc(len + 1)) == NULL)
		goto out;
	for (i = 0; i < keys->n; i++) {
		const char *key = key_of(pick[i], k);

		len = strlen(key) + 1;
		keys->str[i] = memcpy(keys->arena + off, key, len);
		off += len;
	}
	rc = 0;
out:
	free(pick);
	return rc;
}

/* keys_free - what keys_pick allocated */
static void
keys_free(struct keys *keys)
{
	free(keys->str);
	free(keys->arena);
	free(keys->addr);
}

/* lookup - one lookup of kind k */
static const struct tm_tenant *
lookup(const struct tm_index *idx, enum kind k, const struct keys *keys,
       size_t i)
{
	switch (k) {
	case K_SASL:
		return tm_index_sasl(idx, keys->str[i]);
	case K_HEADER:
		return tm_index_header(idx, keys->str[i]);
	case K_DOMAIN:
		return tm_index_domain(idx, keys->str[i]);
	case K_NETWORK:
		return tm_index_network(idx,
				(const struct sockaddr *)&keys->addr[i]);
	default:
		return NULL;
	}
}

/* bench_kind - time LOOKUPS lookups of kind k and print the result */
static int
bench_kind(const struct tm_conf *conf, const struct tm_index *idx,
	   enum kind k)
{
	struct keys keys;
	size_t i, found = 0, n;
	double t0, t1;

	if (keys_pick(conf, k, &keys) < 0) {
		fprintf(stderr, "bench_load: out of memory\n");
		keys_free(&keys);
		return -1;
	}
	n = keys.n;
	if (n == 0) {
		printf("lookup=%s skipped: no tenant has one\n", kind_names[k]);
	} else {
		/* n is RING, a power of 2, unless keys were scarce */
		t0 = now_s();
		for (i = 0; i < LOOKUPS; i++)
			found += lookup(idx, k, &keys, i % n) != NULL;
		t1 = now_s();
		printf("lookup=%s n=%d ns=%.1f found=%zu\n", kind_names[k],
		       LOOKUPS, (t1 - t0) * 1e9 / LOOKUPS, found);
	}
	keys_free(&keys);
	return 0;
}

/* show_errors - the first few problems on stderr */
static void
show_errors(const struct tm_err *err)
{
	char buf[1024];
	size_t i;

	for (i = 0; i < err->n && i < SHOW_ERRORS; i++) {
		tm_err_format(&err->items[i], buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
	if (err->n > SHOW_ERRORS)
		fprintf(stderr, "... and %zu more\n", err->n - SHOW_ERRORS);
}

/* main - load CONF, print its cost, time each kind of lookup */
int
main(int argc, char **argv)
{
	struct tm_conf *conf;
	struct tm_index *own = NULL;
	const struct tm_index *idx;
	struct tm_err err;
	struct rusage ru;
	double t0, t1;
	int k, rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_load CONF\n");
		return 1;
	}
	tm_err_init(&err);
	t0 = now_s();
	conf = tm_conf_load(argv[1], &err);
	t1 = now_s();
	getrusage(RUSAGE_SELF, &ru);
	printf("tenants=%zu load_s=%.3f rss_kb=%ld errors=%zu warnings=%zu\n",
	       conf ? conf->n_tenants : (size_t)0, t1 - t0, ru.ru_maxrss,
	       err.n_fatal + err.n_tenant, err.n_warning);
	fflush(stdout);
	show_errors(&err);
	if (conf == NULL) {
		tm_err_fini(&err);
		return 1;
	}
	/* a second index, timed alone; used when tm_conf_load built none */
	t0 = now_s();
	own = tm_index_build(conf, NULL);
	t1 = now_s();
	if (own == NULL) {
		fprintf(stderr, "bench_load: out of memory\n");
		rc = 1;
	} else {
		printf("index_s=%.3f\n", t1 - t0);
	}
	if ((idx = conf->index) == NULL)
		idx = own;
	for (k = 0; rc == 0 && conf->n_tenants > 0 && k < K_MAX; k++)
		if (bench_kind(conf, idx, (enum kind)k) < 0)
			rc = 1;
	tm_index_free(own);
	tm_conf_free(conf);
	tm_err_fini(&err);
	return rc;
}
