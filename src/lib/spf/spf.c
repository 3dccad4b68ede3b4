/*
 * spf.c - RFC 7208 check_host() with libspf2 (spf.h), and the worst
 * result over the provider's outbound IPs, cached per (domain, IP).
 *
 * Public: tm_spf_new, tm_spf_free, tm_spf_check, tm_spf_worst,
 * tm_spf_result_name.
 *
 * A check builds its own libspf2 SPF_server_t over its own DNS layer
 * (spf_dns.c): libspf2 hands its DNS layer no per-request pointer, and
 * the layer must count the check's lookups.  Building a server costs
 * about 2 us (a whole check over cached answers 4-9 us: spf-suite -t),
 * far below one DNS answer, and keeps checks independent: no lock is
 * held while DNS is awaited, and libspf2 keeps no other mutable state.
 * The check itself is evaluated by libspf2 (SPF_record_interpret) on the
 * record spf_dns.c fetched, checked and rewrote; libspf2's loopback
 * "free pass" is skipped (the record is fetched and interpreted here).
 *
 * Results: libspf2's, except that a limit or syntax error seen by the
 * DNS layer is permerror; a temperror with no DNS temporary failure
 * behind it (libspf2 reports some processing errors that way) is
 * permerror; SPF_RESULT_INVALID is temperror after a DNS temporary
 * failure, else permerror.  A malformed or single-label domain is
 * "none" (RFC 7208 4.3).  IPv4-mapped IPv6 clients are checked as IPv4.
 * Without a HELO name (tm_spf_worst gives none) a record expanding %{h}
 * is permerror.  outcome.why quotes DNS data: printable ASCII, no quotes
 * or backslashes (others become '?'); still escape it where it goes.
 *
 * The result cache is a util/ttlcache, its lock held only to look up or
 * store; an entry lives for the shortest TTL of the answers its check
 * used (at most MAX_TTL), temperror is never stored, and a record that
 * expands the sender (%{s} %{l}) or HELO (%{h}) makes the entry match
 * that sender only.  At MAX_ENTRIES the least recently used result goes.
 *
 * libspf2 writes its errors, warnings and debug output to stderr; they
 * are discarded (its "error" is an internal assertion: abort, silently).
 *
 * Errors: -1 only when out of memory.  Thread safety: a struct tm_spf is
 * shared by all threads; checks run concurrently.
 */

#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf.h"
#include "spf/spf_int.h"
#include "dns/dnsname.h"
#include "util/cidr.h"
#include "util/htable.h"
#include "util/ttlcache.h"

#define MAX_ENTRIES 16384		/* cached results; the least recently used goes */
#define MAX_TTL 3600			/* longest a result is cached, seconds */

struct tm_spf {
	struct tm_resolver *res;	/* borrowed */
	struct tm_ttlcache *cache;	/* cache_key() -> struct tm_spf_outcome */
};

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

/* tm_spf_result_name - the result's RFC 7208 name */
const char *
tm_spf_result_name(enum tm_spf_result r)
{
	static const char *const names[TM_SPF_MAX] = {
		"pass", "fail", "softfail", "neutral", "none", "temperror",
		"permerror",
	};

	return (unsigned)r < TM_SPF_MAX ? names[r] : "?";
}

/* quiet_error - libspf2's fatal error handler: an internal bug */
static void __attribute__((noreturn))
quiet_error(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
	abort();
}

/* quiet - libspf2's other handlers: drop the message */
static void
quiet(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
}

/* silence - install the handlers (once per process) */
static void
silence(void)
{
	SPF_error_handler = quiet_error;
	SPF_warning_handler = quiet;
	SPF_info_handler = quiet;
	SPF_debug_handler = quiet;
}

/* tm_spf_new - over a resolver (borrowed); NULL with why */
struct tm_spf *
tm_spf_new(struct tm_resolver *res, char *why, size_t whylen)
{
	struct tm_spf *spf;

	pthread_once(&quiet_once, silence);
	if ((spf = calloc(1, sizeof(*spf))) == NULL) {
		if (why)
			snprintf(why, whylen, "out of memory");
		return NULL;
	}
	spf->res = res;
	if ((spf->cache = tm_ttlcache_new(MAX_ENTRIES, 0, free)) == NULL) {
		free(spf);
		if (why)
			snprintf(why, whylen, "out of memory");
		return NULL;
	}
	return spf;
}

/* tm_spf_free - NULL is a no-op */
void
tm_spf_free(struct tm_spf *spf)
{
	if (spf == NULL)
		return;
	tm_ttlcache_free(spf->cache);
	free(spf);
}

/* valid_domain - RFC 7208 4.3: LDH (and '_') labels of 1-63, two or more */
static int
valid_domain(const char *d)
{
	return tm_dnsname_ok_str(d, TM_DNSNAME_UNDERSCORE | TM_DNSNAME_EDGE_HYPHEN |
				 TM_DNSNAME_FINAL_DOT, 2);
}

/* client - the address to check: IPv4-mapped IPv6 becomes IPv4 */
static void
client(const struct tm_cidr *ip, struct tm_spf_run *run)
{
	struct tm_cidr h;

	tm_cidr_host(ip, &h);
	run->family = h.family;
	memcpy(run->addr, h.addr, h.family == AF_INET ? 4 : 16);
}

/* map - libspf2's result to ours, given what the DNS layer saw */
static enum tm_spf_result
map(SPF_result_t r, const struct tm_spf_run *run)
{
	if (run->perm)
		return TM_SPF_PERMERROR;
	switch (r) {
	case SPF_RESULT_PASS:
		return TM_SPF_PASS;
	case SPF_RESULT_FAIL:
		return TM_SPF_FAIL;
	case SPF_RESULT_SOFTFAIL:
		return TM_SPF_SOFTFAIL;
	case SPF_RESULT_NEUTRAL:
		return TM_SPF_NEUTRAL;
	case SPF_RESULT_NONE:
		return TM_SPF_NONE;
	case SPF_RESULT_TEMPERROR:
	case SPF_RESULT_INVALID:
		return run->temp ? TM_SPF_TEMPERROR : TM_SPF_PERMERROR;
	case SPF_RESULT_PERMERROR:
	default:
		return TM_SPF_PERMERROR;
	}
}

/* evaluate - run libspf2 over the run's layer; result, or -1 oom */
static int
evaluate(struct tm_spf_run *run, const char *domain, const char *sender,
	 const char *helo, SPF_errcode_t *errp)
{
	SPF_dns_server_t *layer;
	SPF_server_t *server = NULL;
	SPF_request_t *req = NULL;
	SPF_response_t *resp = NULL;
	SPF_record_t *rec = NULL;
	struct in_addr a4;
	struct in6_addr a6;
	int result = -1;

	if ((layer = tm_spf_dns_new(run)) == NULL)
		return -1;
	if ((run->spare = SPF_dns_rr_new_init(layer, NULL, 0, 0,
					      TRY_AGAIN)) == NULL ||
	    (server = SPF_server_new_dns(layer, 0)) == NULL) {
		free(layer);
		return -1;
	}
	/* our counting is the limit; libspf2's own must never fire first */
	SPF_server_set_max_dns_mech(server, 255);
	if ((req = SPF_request_new(server)) == NULL)
		goto out;
	if (run->family == AF_INET) {
		memcpy(&a4, run->addr, 4);
		SPF_request_set_ipv4(req, a4);
	} else {
		memcpy(&a6, run->addr, 16);
		SPF_request_set_ipv6(req, a6);
	}
	if (SPF_request_set_env_from(req, sender) != SPF_E_SUCCESS ||
	    (helo && SPF_request_set_helo_dom(req, helo) != SPF_E_SUCCESS) ||
	    (resp = SPF_response_new(req)) == NULL)
		goto out;
	req->cur_dom = domain;
	*errp = SPF_server_get_record(server, req, resp, &rec);
	if (*errp == SPF_E_SUCCESS) {
		resp->spf_record_exp = rec;
		*errp = SPF_record_interpret(rec, req, resp, 0);
		if (*errp == SPF_E_NO_MEMORY)
			run->oom = 1;
		result = map(SPF_response_result(resp), run);
	} else if (run->none && !run->perm)
		result = TM_SPF_NONE;
	else
		result = map(SPF_RESULT_INVALID, run);
	if (run->oom)
		result = -1;
out:
	if (rec)
		SPF_record_free(rec);
	if (resp)
		SPF_response_free(resp);
	if (req)
		SPF_request_free(req);
	SPF_server_free(server);
	free(layer);
	return result;
}

/* describe - out->why for anything but pass */
static void
describe(const struct tm_spf_run *run, const char *domain, SPF_errcode_t err,
	 struct tm_spf_outcome *out)
{
	char addr[INET6_ADDRSTRLEN], *p;

	if (out->result == TM_SPF_PASS)
		return;
	inet_ntop(run->family, run->addr, addr, sizeof(addr));
	if (run->why[0])
		snprintf(out->why, sizeof(out->why), "%s", run->why);
	else if (out->result == TM_SPF_NONE)
		snprintf(out->why, sizeof(out->why), "%s has no SPF record",
			 domain);
	else if (out->result == TM_SPF_PERMERROR ||
		 out->result == TM_SPF_TEMPERROR)
		snprintf(out->why, sizeof(out->why), "%s: %s", domain,
			 SPF_strerror(err));
	else
		snprintf(out->why, sizeof(out->why), "%s does not designate "
			 "%s (%s)", domain, addr,
			 tm_spf_result_name(out->result));
	/* it quotes DNS data: printable ASCII only, no quotes */
	for (p = out->why; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e ||
		    *p == '"' || *p == '\\')
			*p = '?';
}

/*
 * check - tm_spf_check, also giving how long the result holds (*ttl)
 * and whether it depends on the sender or HELO (*personal).
 */
static int
check(struct tm_spf *spf, const struct tm_cidr *ip, const char *domain,
      const char *sender, const char *helo, const struct timespec *deadline,
      struct tm_spf_outcome *out, uint32_t *ttl, int *personal)
{
	struct tm_spf_run run;
	SPF_errcode_t err = SPF_E_SUCCESS;
	char *postmaster = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&run, 0, sizeof(run));
	run.res = spf->res;
	run.deadline = deadline;
	run.ttl = MAX_TTL;
	client(ip, &run);
	*ttl = MAX_TTL;
	*personal = 0;
	if (!valid_domain(domain)) {		/* RFC 7208 4.3 */
		out->result = TM_SPF_NONE;
		snprintf(out->why, sizeof(out->why),
			 "not a valid domain name for SPF");
		return 0;
	}
	if (sender == NULL || *sender == '\0') {
		size_t len = strlen(domain) + sizeof("postmaster@");

		if ((postmaster = malloc(len)) == NULL)
			return -1;
		snprintf(postmaster, len, "postmaster@%s", domain);
		sender = postmaster;
	}
	r = evaluate(&run, domain, sender, helo, &err);
	free(postmaster);
	tm_spf_run_fini(&run);
	if (r < 0)
		return -1;
	out->result = (enum tm_spf_result)r;
	out->lookups = run.lookups;
	out->voids = run.voids;
	out->record_len = run.record_len;
	describe(&run, domain, err, out);
	*ttl = run.ttl;
	*personal = run.personal;
	return 0;
}

/* tm_spf_check - one check_host(); 0 with out filled, -1 out of memory */
int
tm_spf_check(struct tm_spf *spf, const struct tm_cidr *ip, const char *domain,
	     const char *sender, const char *helo,
	     const struct timespec *deadline, struct tm_spf_outcome *out)
{
	uint32_t ttl;
	int personal;

	return check(spf, ip, domain, sender, helo, deadline, out, &ttl,
		     &personal);
}

/*
 * cache_key - the cache key of a result: family, the 16 address bytes,
 * the lower-cased domain and, for a result that holds for one sender
 * only, '\0' and the lower-cased sender.  Caller frees; NULL out of
 * memory.
 */
static unsigned char *
cache_key(const char *domain, const struct tm_cidr *ip, const char *sender,
	  size_t *len)
{
	size_t dl = strlen(domain), sl = sender ? strlen(sender) + 1 : 0, i;
	unsigned char *k = malloc(17 + dl + sl), *p;

	if (k == NULL)
		return NULL;
	k[0] = (unsigned char)(ip->family == AF_INET ? 4 : 6);
	memcpy(k + 1, ip->addr, 16);
	p = k + 17;
	for (i = 0; i < dl; i++)
		*p++ = tm_ascii_lower((unsigned char)domain[i]);
	if (sender) {
		*p++ = '\0';
		for (i = 0; i + 1 < sl; i++)
			*p++ = tm_ascii_lower((unsigned char)sender[i]);
	}
	*len = (size_t)(p - k);
	return k;
}

/* copy_outcome - ttlcache copy callback */
static int
copy_outcome(const void *value, uint32_t left, void *arg)
{
	(void)left;
	*(struct tm_spf_outcome *)arg = *(const struct tm_spf_outcome *)value;
	return 0;
}

/* cache_get1 - the result cached under (domain, ip, sender); 1 found, 0 not */
static int
cache_get1(struct tm_spf *spf, const char *domain, const struct tm_cidr *ip,
	   const char *sender, struct tm_spf_outcome *out)
{
	size_t len;
	unsigned char *k = cache_key(domain, ip, sender, &len);
	int found;

	if (k == NULL)
		return 0;
	found = tm_ttlcache_get(spf->cache, k, len, copy_outcome, out) == 1;
	free(k);
	return found;
}

/* cache_get - a live outcome for any sender or for this one; 1 found, 0 not */
static int
cache_get(struct tm_spf *spf, const char *domain, const struct tm_cidr *ip,
	  const char *sender, struct tm_spf_outcome *out)
{
	return cache_get1(spf, domain, ip, NULL, out) ||
		cache_get1(spf, domain, ip, sender, out);
}

/* cache_put - remember an outcome for ttl seconds (best effort) */
static void
cache_put(struct tm_spf *spf, const char *domain, const struct tm_cidr *ip,
	  const char *sender, const struct tm_spf_outcome *out, uint32_t ttl)
{
	struct tm_spf_outcome *v;
	unsigned char *k;
	size_t len;

	if (out->result == TM_SPF_TEMPERROR || ttl == 0 ||
	    (v = malloc(sizeof(*v))) == NULL)
		return;
	*v = *out;
	if ((k = cache_key(domain, ip, sender, &len)) == NULL) {
		free(v);
		return;
	}
	tm_ttlcache_put(spf->cache, k, len, v, ttl < MAX_TTL ? ttl : MAX_TTL);
	free(k);
}

/* rank - pass < neutral < none < softfail < fail < permerror < temperror */
static int
rank(enum tm_spf_result r)
{
	static const int ranks[TM_SPF_MAX] = {
		[TM_SPF_PASS] = 0, [TM_SPF_NEUTRAL] = 1, [TM_SPF_NONE] = 2,
		[TM_SPF_SOFTFAIL] = 3, [TM_SPF_FAIL] = 4,
		[TM_SPF_PERMERROR] = 5, [TM_SPF_TEMPERROR] = 6,
	};

	return (unsigned)r < TM_SPF_MAX ? ranks[r] : 6;
}

/* tm_spf_worst - the worst outcome over n IPs, each cached */
int
tm_spf_worst(struct tm_spf *spf, const struct tm_cidr *ips, size_t n,
	     const char *domain, const char *sender,
	     const struct timespec *deadline, struct tm_spf_outcome *out)
{
	struct tm_spf_outcome one;
	struct tm_cidr k;
	uint32_t ttl;
	size_t i;
	int personal;

	memset(out, 0, sizeof(*out));
	out->result = TM_SPF_NONE;
	for (i = 0; i < n; i++) {
		tm_cidr_host(&ips[i], &k);	/* cached under the unmapped address */
		if (!cache_get(spf, domain, &k, sender ? sender : "", &one)) {
			if (check(spf, &k, domain, sender, NULL, deadline, &one,
				  &ttl, &personal) < 0)
				return -1;
			cache_put(spf, domain, &k, personal ?
				  (sender ? sender : "") : NULL, &one, ttl);
		}
		if (i == 0 || rank(one.result) > rank(out->result))
			*out = one;
	}
	return 0;
}
