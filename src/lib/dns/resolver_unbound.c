/*
 * resolver_unbound.c - the libunbound backend of the resolver.
 *
 * Public: tm_resolver_new() (see resolver.h); the rest is the backend's
 * lookup/free behind tm_resolver_wrap(), which adds the shared TTL cache.
 *
 * One ub_ctx per resolver, shared by every thread, forwards every query to
 * dns.nameserver ("IP" or "IP@PORT", IPv4 or IPv6) or to the servers of
 * /etc/resolv.conf; unbound's built-in local zones (test., TEST-NET
 * reverse zones, ...) are opened so that those names are forwarded too.
 * No DNSSEC validation (iterator module only, no trust anchor).  Unbound's
 * own cache stays on; the TTLs it reports are passed through to ours.
 *
 * Deadlines: a query thread starts the lookup with ub_resolve_async() and
 * sleeps on its own condition variable (CLOCK_MONOTONIC) until the answer
 * or the caller's deadline, whichever comes first; one background thread
 * per resolver polls ub_fd() and runs ub_process(), which delivers the
 * answers.  A query past its deadline is cancelled and answers
 * TM_DNS_TIMEOUT; if its answer is already on its way (ub_cancel() fails),
 * the callback frees the query instead.  Either way it is freed once.
 *
 * Failures: NXDOMAIN and NODATA are definite; SERVFAIL and other rcodes
 * (REFUSED, ...) are TM_DNS_SERVFAIL, no answer in time (also from an
 * unreachable server: unbound keeps retrying) TM_DNS_TIMEOUT; local
 * problems (a malformed name, libunbound errors) TM_DNS_ERROR.  Every
 * temporary answer carries a short reason in `why`.  Out of memory: the
 * lookup returns NULL.
 *
 * Thread safety: any number of threads may query one resolver at once.
 * tm_resolver_free() must not run while a thread is still inside
 * tm_resolver_query(); queries that timed out and are still owed an answer
 * by libunbound are freed there.  Threads do not survive fork(): create
 * the resolver in the process that uses it (after daemonizing).  The
 * pump and libunbound's own thread block every signal.
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "dns/resolver.h"

/*
 * A negative answer with TTL 0 (no SOA in the reply, or an SOA MINIMUM of
 * 0) is still cached this long.  RFC 2308 section 5 says not to cache
 * negative answers without an SOA, to stop them looping between caching
 * servers; that cannot happen in this end-of-line cache, while asking
 * again for every SPF term or message can hammer the server.  5 s is
 * unbound's own NORR_TTL for the same case.  Positive answers with TTL 0
 * are not cached (the zone owner asked for that, RFC 1035 section 3.2.1).
 */
#define NEG_TTL_FLOOR 5

/*
 * Caps, as unbound's own cache-max-ttl and cache-max-negative-ttl defaults
 * (libunbound reports the server's TTLs uncapped).  A long negative TTL is
 * the dangerous one: a DKIM key or SPF record published after we cached
 * its absence would stay unseen.  RFC 2308 section 5: one to three hours
 * work well, more than a day is problematic.
 */
#define TTL_MAX 86400
#define NEG_TTL_MAX 3600

#define RCODE_NOERROR	0
#define RCODE_SERVFAIL	2
#define RCODE_NXDOMAIN	3

struct ub_impl;

/* One lookup in flight: its waiter frees it, or on_answer() once abandoned */
struct query {
	struct ub_impl *u;
	pthread_cond_t cond;		/* signalled when the answer arrives */
	int done;			/* the callback ran: err, res are set */
	int abandoned;			/* the waiter gave up: callback frees */
	int err;			/* libunbound error (UB_*) */
	struct ub_result *res;		/* owned here once done */
	struct query *prev, *next;	/* on u->abandoned while abandoned */
};

struct ub_impl {
	struct ub_ctx *ctx;
	char *nameserver;		/* for messages: "IP@PORT" or "resolv.conf" */
	pthread_t pump;			/* runs ub_process() */
	int pump_started;
	int wake[2];			/* self-pipe: a byte stops the pump */
	pthread_mutex_t lock;		/* query flags, the abandoned list */
	pthread_condattr_t cattr;	/* CLOCK_MONOTONIC */
	struct query *abandoned;	/* timed out, answer still owed */
};

/* set_why - format a reason into the caller's buffer (may be NULL/0) */
static void __attribute__((format(printf, 3, 4)))
set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* ms_between - milliseconds from a to b (monotonic), may be negative */
static long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 +
		(b->tv_nsec - a->tv_nsec) / 1000000;
}

/*
 * name_text - presentation form of the uncompressed wire name at d[0..len)
 * without the final dot ("." for the root); *used gets its wire length.
 * Dots and backslashes inside labels are escaped, other bytes outside
 * 0x21..0x7e become \DDD (RFC 1035 section 5.1).  Caller frees; NULL with
 * errno EINVAL (malformed) or ENOMEM.
 */
static char *
name_text(const unsigned char *d, size_t len, size_t *used)
{
	size_t i = 0, o = 0;
	char *out = malloc(len * 4 + 2);

	if (out == NULL)
		return NULL;
	while (i < len && d[i] != 0) {
		size_t n = d[i++], k;

		if (n > 63 || n > len - i) {	/* compression or overrun */
			free(out);
			errno = EINVAL;
			return NULL;
		}
		if (o)
			out[o++] = '.';
		for (k = 0; k < n; k++, i++) {
			unsigned char c = d[i];

			if (c == '.' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c < 0x21 || c > 0x7e) {
				o += (size_t)sprintf(out + o, "\\%03u", c);
			} else
				out[o++] = (char)c;
		}
	}
	if (i >= len) {				/* no root label */
		free(out);
		errno = EINVAL;
		return NULL;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = 0;
	*used = i + 1;
	return out;
}

/* txt_text - the character-strings of one TXT rdata joined; errno as above */
static char *
txt_text(const unsigned char *d, size_t len)
{
	size_t i = 0, o = 0;
	char *out = malloc(len + 1);

	if (out == NULL)
		return NULL;
	while (i < len) {
		size_t n = d[i++];

		if (n > len - i) {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		memcpy(out + o, d + i, n);	/* a NUL byte ends the text early */
		o += n;
		i += n;
	}
	out[o] = 0;
	return out;
}

/* get32 - network-order 32-bit number */
static unsigned long
get32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
		(unsigned long)p[2] << 8 | p[3];
}

/* soa_text - "MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM"; errno above */
static char *
soa_text(const unsigned char *d, size_t len)
{
	size_t u1, u2;
	char *m, *r, *out = NULL;
	const unsigned char *p;

	if ((m = name_text(d, len, &u1)) == NULL)
		return NULL;
	if ((r = name_text(d + u1, len - u1, &u2)) == NULL)
		goto done;
	if (len - u1 - u2 != 20) {
		errno = EINVAL;
		goto done;
	}
	p = d + u1 + u2;
	if (asprintf(&out, "%s %s %lu %lu %lu %lu %lu", m, r, get32(p),
		     get32(p + 4), get32(p + 8), get32(p + 12), get32(p + 16)) < 0) {
		out = NULL;
		errno = ENOMEM;
	}
done:
	free(r);
	free(m);
	return out;
}

/*
 * rr_text - the decoded text of one record (see struct tm_dns_rr), in
 * *text (caller frees; NULL for types without a text form here).
 * 0 ok, -1 malformed rdata, -2 out of memory.
 */
static int
rr_text(int type, const unsigned char *d, size_t len, char **text)
{
	char addr[INET6_ADDRSTRLEN];
	size_t used;
	char *host;

	*text = NULL;
	errno = 0;
	switch (type) {
	case TM_DNS_A:
	case TM_DNS_AAAA:
		if (len != (type == TM_DNS_A ? 4u : 16u))
			return -1;
		inet_ntop(type == TM_DNS_A ? AF_INET : AF_INET6, d, addr,
			  sizeof(addr));
		*text = strdup(addr);
		break;
	case TM_DNS_TXT:
		*text = txt_text(d, len);
		break;
	case TM_DNS_MX:
		if (len < 3)
			return -1;
		if ((host = name_text(d + 2, len - 2, &used)) == NULL)
			break;
		if (used != len - 2)
			errno = EINVAL;
		else if (asprintf(text, "%u %s", (unsigned)d[0] << 8 | d[1],
				  host) < 0) {
			*text = NULL;
			errno = ENOMEM;
		}
		free(host);
		break;
	case TM_DNS_NS:
	case TM_DNS_CNAME:
	case TM_DNS_PTR:
		if ((*text = name_text(d, len, &used)) != NULL && used != len) {
			free(*text);
			*text = NULL;
			errno = EINVAL;
		}
		break;
	case TM_DNS_SOA:
		*text = soa_text(d, len);
		break;
	default:
		return 0;
	}
	if (*text)
		return 0;
	return errno == EINVAL ? -1 : -2;
}

/* temporary - an answer of a temporary status with a reason; NULL if oom */
static struct tm_dns_answer * __attribute__((format(printf, 3, 4)))
temporary(enum tm_dns_status status, int type, const char *fmt, ...)
{
	struct tm_dns_answer *a = tm_dns_answer_new(status, type);
	va_list ap;
	int n;

	if (a == NULL)
		return NULL;
	va_start(ap, fmt);
	n = vasprintf(&a->why, fmt, ap);
	va_end(ap);
	if (n < 0)
		a->why = NULL;			/* still an answer, just no reason */
	return a;
}

/* rcode_name - mnemonic of a DNS rcode (RFC 1035, 2136) */
static const char *
rcode_name(int rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"
	};

	return rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]) ?
		names[rcode] : "unknown rcode";
}

/* answer_from - translate libunbound's result; NULL if out of memory */
static struct tm_dns_answer *
answer_from(const struct ub_impl *u, int err, const struct ub_result *res,
	    const char *name, int type)
{
	struct tm_dns_answer *a;
	int i;

	if (err == UB_SERVFAIL)
		return temporary(TM_DNS_SERVFAIL, type, "%s: %s for %s",
				 u->nameserver, ub_strerror(err), name);
	if (err != 0 || res == NULL)
		return temporary(TM_DNS_ERROR, type, "libunbound: %s for %s",
				 ub_strerror(err), name);
	if (res->rcode == RCODE_NXDOMAIN || (res->rcode == RCODE_NOERROR &&
					     !res->havedata)) {
		a = tm_dns_answer_new(res->rcode == RCODE_NXDOMAIN ?
				      TM_DNS_NXDOMAIN : TM_DNS_NODATA, type);
		if (a)
			a->ttl = res->ttl <= 0 ? NEG_TTL_FLOOR :
				res->ttl > NEG_TTL_MAX ? NEG_TTL_MAX :
				(uint32_t)res->ttl;
		return a;
	}
	if (res->rcode != RCODE_NOERROR)	/* SERVFAIL, REFUSED, ... */
		return temporary(TM_DNS_SERVFAIL, type, "%s: %s for %s",
				 u->nameserver, rcode_name(res->rcode), name);
	if ((a = tm_dns_answer_new(TM_DNS_OK, type)) == NULL)
		return NULL;
	a->ttl = res->ttl <= 0 ? 0 : res->ttl > TTL_MAX ? TTL_MAX :
		(uint32_t)res->ttl;
	for (i = 0; res->data[i] != NULL; i++) {
		const unsigned char *d = (const unsigned char *)res->data[i];
		size_t len = (size_t)res->len[i];
		char *text;
		int rc = rr_text(type, d, len, &text);

		if (rc == -1) {
			tm_dns_answer_free(a);
			return temporary(TM_DNS_SERVFAIL, type,
					 "%s: malformed record for %s",
					 u->nameserver, name);
		}
		if (rc < 0 || tm_dns_answer_add(a, d, len, text) < 0) {
			free(text);
			tm_dns_answer_free(a);
			return NULL;
		}
		free(text);
	}
	return a;
}

/* unlink_abandoned - take q off u->abandoned (lock held) */
static void
unlink_abandoned(struct ub_impl *u, struct query *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		u->abandoned = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
}

/* query_free - a query and its result */
static void
query_free(struct query *q)
{
	ub_resolve_free(q->res);
	pthread_cond_destroy(&q->cond);
	free(q);
}

/*
 * on_answer - libunbound callback, run by the pump thread inside
 * ub_process(): hand the result to the waiter, or free everything when
 * the waiter has given up.
 */
static void
on_answer(void *arg, int err, struct ub_result *res)
{
	struct query *q = arg;
	struct ub_impl *u = q->u;

	pthread_mutex_lock(&u->lock);
	if (q->abandoned) {
		unlink_abandoned(u, q);
		pthread_mutex_unlock(&u->lock);
		q->res = res;
		query_free(q);
		return;
	}
	q->err = err;
	q->res = res;
	q->done = 1;
	/* signal under the lock: the waiter may free q as soon as it has it */
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&u->lock);
}

/* pump - background thread: deliver answers until woken through u->wake */
static void *
pump(void *arg)
{
	struct ub_impl *u = arg;
	struct pollfd fds[2];

	fds[0].fd = ub_fd(u->ctx);
	fds[0].events = POLLIN;
	fds[1].fd = u->wake[0];
	fds[1].events = POLLIN;
	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;			/* cannot happen with valid fds */
		}
		if (fds[1].revents)
			break;
		if (fds[0].revents && ub_process(u->ctx) != 0) {
			/* a broken result pipe: do not spin on it */
			struct timespec pause = { 0, 10000000L };	/* 10 ms */

			nanosleep(&pause, NULL);
		}
	}
	return NULL;
}

/* ub_lookup - one query to libunbound, waiting at most until deadline */
static struct tm_dns_answer *
ub_lookup(void *impl, const char *name, int type,
	  const struct timespec *deadline)
{
	struct ub_impl *u = impl;
	struct tm_dns_answer *a;
	struct query *q;
	struct timespec start;
	sigset_t all, old;
	int id = 0, rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (ms_between(&start, deadline) <= 0)
		return temporary(TM_DNS_TIMEOUT, type,
				 "DNS time budget spent before asking for %s",
				 name);
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->u = u;
	if (pthread_cond_init(&q->cond, &u->cattr) != 0) {
		free(q);
		return NULL;
	}
	/*
	 * IN class; the callback can run before this returns, q is ready.
	 * The first call starts libunbound's own thread, which inherits our
	 * signal mask: block everything so that signals meant for the
	 * daemon (libmilter's signal thread) never land there.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = ub_resolve_async(u->ctx, name, type, 1, q, on_answer, &id);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		query_free(q);
		return temporary(TM_DNS_ERROR, type, "libunbound: %s for %s",
				 ub_strerror(rc), name);
	}
	/* ETIMEDOUT, or EINVAL for a malformed deadline: both end the wait */
	pthread_mutex_lock(&u->lock);
	while (!q->done && rc == 0)
		rc = pthread_cond_timedwait(&q->cond, &u->lock, deadline);
	if (q->done) {
		pthread_mutex_unlock(&u->lock);
		a = answer_from(u, q->err, q->res, name, type);
		query_free(q);
		return a;
	}
	q->abandoned = 1;
	q->next = u->abandoned;
	if (q->next)
		q->next->prev = q;
	u->abandoned = q;
	pthread_mutex_unlock(&u->lock);

	/*
	 * ub_cancel() succeeds only while libunbound still holds the query:
	 * then the callback will never run and q is ours to free.  If it
	 * fails, the answer is being delivered and on_answer() frees q.
	 */
	if (ub_cancel(u->ctx, id) == 0) {
		pthread_mutex_lock(&u->lock);
		unlink_abandoned(u, q);
		pthread_mutex_unlock(&u->lock);
		query_free(q);
	}
	return temporary(TM_DNS_TIMEOUT, type, "%s: no answer for %s within %ld ms",
			 u->nameserver, name, ms_between(&start, deadline));
}

/* ub_impl_free - stop the pump, then free libunbound and owed queries */
static void
ub_impl_free(void *impl)
{
	struct ub_impl *u = impl;
	struct query *q;
	char c = 'q';

	if (u == NULL)
		return;
	if (u->pump_started) {
		while (write(u->wake[1], &c, 1) < 0 && errno == EINTR)
			;
		pthread_join(u->pump, NULL);
	}
	/* No ub_process() runs any more: no callback can come. */
	if (u->ctx)
		ub_ctx_delete(u->ctx);
	while ((q = u->abandoned) != NULL) {
		u->abandoned = q->next;
		query_free(q);
	}
	if (u->wake[0] >= 0)
		close(u->wake[0]);
	if (u->wake[1] >= 0)
		close(u->wake[1]);
	pthread_condattr_destroy(&u->cattr);
	pthread_mutex_destroy(&u->lock);
	free(u->nameserver);
	free(u);
}

static const struct tm_resolver_ops unbound_ops = {
	ub_lookup,
	ub_impl_free,
};

/*
 * forwarder - check dns.nameserver ("IP" or "IP@PORT") and return it in
 * ub_ctx_set_fwd() form "IP@PORT" (caller frees); NULL with why.
 */
static char *
forwarder(const char *ns, char *why, size_t whylen)
{
	unsigned char bin[sizeof(struct in6_addr)];
	const char *at = strrchr(ns, '@');
	size_t iplen = at ? (size_t)(at - ns) : strlen(ns);
	unsigned long port = 53;
	char ip[INET6_ADDRSTRLEN];
	char *end, *out;

	if (iplen == 0 || iplen >= sizeof(ip)) {
		set_why(why, whylen, "nameserver \"%s\": want IP or IP@PORT", ns);
		return NULL;
	}
	memcpy(ip, ns, iplen);
	ip[iplen] = 0;
	if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1) {
		set_why(why, whylen, "nameserver \"%s\": \"%s\" is not an IPv4 or "
			"IPv6 address", ns, ip);
		return NULL;
	}
	if (at) {
		errno = 0;
		port = strtoul(at + 1, &end, 10);
		if (at[1] < '0' || at[1] > '9' || *end || errno || port == 0 ||
		    port > 65535) {
			set_why(why, whylen, "nameserver \"%s\": bad port \"%s\"",
				ns, at + 1);
			return NULL;
		}
	}
	if (asprintf(&out, "%s@%lu", ip, port) < 0) {
		set_why(why, whylen, "out of memory");
		return NULL;
	}
	return out;
}

/* libunbound settings of every resolver */
static const char *const ub_options[][2] = {
	/* forwarders on 127.0.0.1 (tests, a local cache) are fine */
	{ "do-not-query-localhost:", "no" },
	/* no DNSSEC validation: no validator, no trust anchor */
	{ "module-config:", "iterator" },
	/* one query per lookup to the forwarder, nothing extra */
	{ "qname-minimisation:", "no" },
	/* RFC 1918 reverse zones go to the forwarder too (see below) */
	{ "unblock-lan-zones:", "yes" },
};

/*
 * Every name goes to the forwarder, as a receiver's resolver would ask
 * it: none of unbound's built-in local zones (RFC 6761 test., TEST-NET
 * and other special reverse zones) answers for it; only localhost and the
 * loopback reverse zones stay local.  "transparent" without local data
 * resolves as usual ("nodefault" does not free these in libunbound 1.17).
 */
static const char *const forwarded_zones[] = {
	"test.", "invalid.", "onion.", "home.arpa.", "resolver.arpa.",
	"service.arpa.", "0.in-addr.arpa.", "254.169.in-addr.arpa.",
	"2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.", "255.255.255.255.in-addr.arpa.",
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.",
	"a.e.f.ip6.arpa.", "b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
};

/* set_options - ub_options and forwarded_zones into u->ctx; -1 with why */
static int
set_options(struct ub_impl *u, char *why, size_t whylen)
{
	char zone[96];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(ub_options) / sizeof(ub_options[0]); i++)
		if ((rc = ub_ctx_set_option(u->ctx, ub_options[i][0],
					    ub_options[i][1])) != 0) {
			set_why(why, whylen, "libunbound: %s %s: %s",
				ub_options[i][0], ub_options[i][1],
				ub_strerror(rc));
			return -1;
		}
	for (i = 0; i < sizeof(forwarded_zones) / sizeof(forwarded_zones[0]); i++) {
		snprintf(zone, sizeof(zone), "%s transparent", forwarded_zones[i]);
		if ((rc = ub_ctx_set_option(u->ctx, "local-zone:", zone)) != 0) {
			set_why(why, whylen, "libunbound: local-zone %s: %s", zone,
				ub_strerror(rc));
			return -1;
		}
	}
	return 0;
}

/* ctx_setup - create and configure u->ctx; -1 with why */
static int
ctx_setup(struct ub_impl *u, const char *nameserver, char *why, size_t whylen)
{
	int rc;

	if ((u->ctx = ub_ctx_create()) == NULL) {
		set_why(why, whylen, "libunbound: cannot create a context");
		return -1;
	}
	/* threads, not fork(): the milter is multi-threaded */
	if ((rc = ub_ctx_async(u->ctx, 1)) != 0)
		goto fail;
	if (set_options(u, why, whylen) < 0)
		return -1;
	if (nameserver) {
		if ((u->nameserver = forwarder(nameserver, why, whylen)) == NULL)
			return -1;
		if ((rc = ub_ctx_set_fwd(u->ctx, u->nameserver)) != 0)
			goto fail;
		return 0;
	}
	/*
	 * The system's servers.  /etc/hosts is deliberately not read
	 * (ub_ctx_hosts): SPF and DKIM answers must come from DNS, as every
	 * receiver sees them, not from local overrides.
	 */
	if ((u->nameserver = strdup("resolv.conf")) == NULL) {
		set_why(why, whylen, "out of memory");
		return -1;
	}
	if ((rc = ub_ctx_resolvconf(u->ctx, NULL)) != 0) {
		set_why(why, whylen, "libunbound: reading /etc/resolv.conf: %s; "
			"set dns.nameserver", ub_strerror(rc));
		return -1;
	}
	return 0;
fail:
	set_why(why, whylen, "libunbound: %s", ub_strerror(rc));
	return -1;
}

/* cloexec - set FD_CLOEXEC on both ends of a pipe */
static void
cloexec(const int fd[2])
{
	fcntl(fd[0], F_SETFD, FD_CLOEXEC);
	fcntl(fd[1], F_SETFD, FD_CLOEXEC);
}

/* tm_resolver_new - libunbound resolver; NULL with the reason in why */
struct tm_resolver *
tm_resolver_new(const char *nameserver, char *why, size_t whylen)
{
	struct ub_impl *u = calloc(1, sizeof(*u));
	struct tm_resolver *r;
	sigset_t all, old;
	int rc;

	if (u == NULL) {
		set_why(why, whylen, "out of memory");
		return NULL;
	}
	u->wake[0] = u->wake[1] = -1;
	pthread_mutex_init(&u->lock, NULL);
	pthread_condattr_init(&u->cattr);
	if (pthread_condattr_setclock(&u->cattr, CLOCK_MONOTONIC) != 0) {
		set_why(why, whylen, "pthread_condattr_setclock: no CLOCK_MONOTONIC");
		goto fail;
	}
	if (ctx_setup(u, nameserver, why, whylen) < 0)
		goto fail;
	if (pipe(u->wake) < 0) {
		set_why(why, whylen, "pipe: %s", strerror(errno));
		u->wake[0] = u->wake[1] = -1;
		goto fail;
	}
	cloexec(u->wake);
	/* the pump takes no signals (see ub_lookup) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&u->pump, NULL, pump, u);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		set_why(why, whylen, "pthread_create: %s", strerror(rc));
		goto fail;
	}
	u->pump_started = 1;
	if ((r = tm_resolver_wrap(&unbound_ops, u)) == NULL)
		set_why(why, whylen, "out of memory");	/* wrap freed u */
	return r;
fail:
	ub_impl_free(u);
	return NULL;
}
