/*
 * resolver_static.c - a resolver backend serving fixed zone data, for
 * tests (the RFC 7208 suite, unit tests, benchmarks).
 *
 * tm_static_new() gives an empty table; tm_static_add() adds one record
 * (text as in resolver.h; the wire form is built from it);
 * tm_static_servfail() makes every query for a name fail;
 * tm_static_timeout() makes a name time out for every type it has no
 * record of (the RFC 7208 suite's TIMEOUT entry: a name listing a TXT
 * record and TIMEOUT answers TXT and times out for anything else).
 * tm_static_resolver() wraps the table in a resolver (tm_resolver_wrap,
 * so the shared TTL cache sits in front of it, as with libunbound).
 *
 * Names are case-insensitive and a final dot is ignored.  CNAMEs are
 * followed (at most 8 links; a loop answers SERVFAIL, as a recursive
 * server would).  A name with records of other types answers NODATA, an
 * unknown name NXDOMAIN; both carry NEG_TTL.  Timeouts answer at once.
 *
 * Thread safety: the table is read-only once wrapped; lookups may run
 * concurrently.  Building it (tm_static_add ...) is single-threaded.
 */

#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/resolver.h"
#include "util/htable.h"

#define NEG_TTL 300			/* TTL of NXDOMAIN / NODATA answers */
#define MAX_CNAME 8			/* CNAME links followed */

enum fail { F_NONE, F_SERVFAIL, F_TIMEOUT };

struct rec {
	int type;
	uint32_t ttl;
	unsigned char *data;		/* wire rdata */
	size_t len;
	char *text;
};

struct name {
	char *name;			/* lower case, no final dot */
	enum fail fail;
	struct rec *rec;
	size_t n;
};

struct tm_static {
	struct tm_htable *names;	/* name (any case, no final dot) -> struct name */
};

/* norm - lower-cased copy without the final dot; caller frees */
static char *
norm(const char *s)
{
	size_t len = strlen(s), i;
	char *p;

	if (len > 1 && s[len - 1] == '.')
		len--;
	if ((p = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		p[i] = (char)tm_ascii_lower((unsigned char)s[i]);
	p[len] = '\0';
	return p;
}

/* key_len - the length of a name's key: without the final dot */
static size_t
key_len(const char *s)
{
	size_t len = strlen(s);

	return len > 1 && s[len - 1] == '.' ? len - 1 : len;
}

/* find - the entry of a name (any case, final dot or not), or NULL */
static struct name *
find(const struct tm_static *st, const char *s)
{
	void *v;

	return tm_htable_get(st->names, s, key_len(s), &v) == 1 ? v : NULL;
}

/* name_free - one name and its records */
static void
name_free(void *p)
{
	struct name *e = p;
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->rec[i].data);
		free(e->rec[i].text);
	}
	free(e->rec);
	free(e->name);
	free(e);
}

/* get - the entry of a name, created if needed; NULL out of memory */
static struct name *
get(struct tm_static *st, const char *s)
{
	struct name *e;

	if ((e = find(st, s)) != NULL)
		return e;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if ((e->name = norm(s)) == NULL ||
	    tm_htable_put(st->names, e->name, strlen(e->name), e, NULL) < 0) {
		name_free(e);
		return NULL;
	}
	return e;
}

/* tm_static_new - empty table; NULL out of memory */
struct tm_static *
tm_static_new(void)
{
	struct tm_static *st = calloc(1, sizeof(*st));

	if (st && (st->names = tm_htable_new(256, TM_HTABLE_FOLD)) == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

/* put_name - append a domain name in wire form; bytes written, -1 bad */
static int
put_name(unsigned char *out, size_t size, const char *name)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);

		if (len == 0 || len > 63 || n + len + 2 > size)
			return -1;
		out[n++] = (unsigned char)len;
		memcpy(out + n, name, len);
		n += len;
		name += len;
		if (*name == '.')
			name++;
	}
	if (n + 1 > size)
		return -1;
	out[n++] = 0;
	return (int)n;
}

/*
 * wire - rdata of a record given as text, into out (size bytes), and its
 * canonical text into canon (addresses as inet_ntop writes them).
 * Bytes written, or -1 when the text does not fit the type.
 */
static int
wire(int type, const char *text, unsigned char *out, size_t size,
     char *canon, size_t canonlen)
{
	size_t len = strlen(text), i;
	unsigned long pref;
	char *end;
	int n;

	snprintf(canon, canonlen, "%s", text);
	switch (type) {
	case TM_DNS_A:
		if (inet_pton(AF_INET, text, out) != 1)
			return -1;
		inet_ntop(AF_INET, out, canon, (socklen_t)canonlen);
		return 4;
	case TM_DNS_AAAA:
		if (inet_pton(AF_INET6, text, out) != 1)
			return -1;
		inet_ntop(AF_INET6, out, canon, (socklen_t)canonlen);
		return 16;
	case TM_DNS_MX:
		pref = strtoul(text, &end, 10);
		if (end == text || *end != ' ' || pref > 65535)
			return -1;
		out[0] = (unsigned char)(pref >> 8);
		out[1] = (unsigned char)pref;
		n = put_name(out + 2, size - 2, end + 1);
		return n < 0 ? -1 : n + 2;
	case TM_DNS_PTR:
	case TM_DNS_CNAME:
	case TM_DNS_NS:
		return put_name(out, size, text);
	default:			/* TXT and the like: character-strings */
		n = 0;
		for (i = 0; i < len || i == 0; i += 255) {
			size_t chunk = len - i > 255 ? 255 : len - i;

			if ((size_t)n + chunk + 1 > size)
				return -1;
			out[n++] = (unsigned char)chunk;
			memcpy(out + n, text + i, chunk);
			n += (int)chunk;
			if (len == 0)
				break;
		}
		return n;
	}
}

/* tm_static_add - one record; 0 ok, -1 bad text or out of memory */
int
tm_static_add(struct tm_static *st, const char *name, int type,
	      const char *text, uint32_t ttl)
{
	size_t size = strlen(text) + strlen(text) / 255 + 64;
	unsigned char *buf = malloc(size);
	char *canon = malloc(size);
	struct name *e;
	struct rec *r;
	int n;

	if (buf == NULL || canon == NULL ||
	    (n = wire(type, text, buf, size, canon, size)) < 0 ||
	    (e = get(st, name)) == NULL ||
	    (r = realloc(e->rec, (e->n + 1) * sizeof(*r))) == NULL) {
		free(buf);
		free(canon);
		return -1;
	}
	e->rec = r;
	r = &e->rec[e->n];
	r->type = type;
	r->ttl = ttl;
	r->data = buf;
	r->len = (size_t)n;
	r->text = canon;
	e->n++;
	return 0;
}

/* mark - set a name's failure mode; 0 ok, -1 out of memory */
static int
mark(struct tm_static *st, const char *name, enum fail fail)
{
	struct name *e = get(st, name);

	if (e == NULL)
		return -1;
	e->fail = fail;
	return 0;
}

/* tm_static_servfail - every query for name answers SERVFAIL */
int
tm_static_servfail(struct tm_static *st, const char *name)
{
	return mark(st, name, F_SERVFAIL);
}

/* tm_static_timeout - name times out for the types it has no record of */
int
tm_static_timeout(struct tm_static *st, const char *name)
{
	return mark(st, name, F_TIMEOUT);
}

/* has_type - does the entry hold a record of type? */
static const struct rec *
has_type(const struct name *e, int type)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (e->rec[i].type == type)
			return &e->rec[i];
	return NULL;
}

/* fail_answer - a temporary failure with its reason; NULL out of memory */
static struct tm_dns_answer *
fail_answer(enum tm_dns_status status, int type, const char *why)
{
	struct tm_dns_answer *a = tm_dns_answer_new(status, type);

	if (a && (a->why = strdup(why)) == NULL) {
		tm_dns_answer_free(a);
		return NULL;
	}
	return a;
}

/* static_lookup - the backend's lookup: follow CNAMEs, answer from the table */
static struct tm_dns_answer *
static_lookup(void *impl, const char *qname, int type,
	      const struct timespec *deadline)
{
	const struct tm_static *st = impl;
	const struct name *e = find(st, qname);
	const struct rec *cname;
	struct tm_dns_answer *a;
	uint32_t ttl = UINT32_MAX;
	int links = 0;
	size_t i;

	(void)deadline;
	for (;;) {
		if (e == NULL) {
			if ((a = tm_dns_answer_new(TM_DNS_NXDOMAIN, type)) != NULL)
				a->ttl = NEG_TTL < ttl ? NEG_TTL : ttl;
			return a;
		}
		if (e->fail == F_SERVFAIL)
			return fail_answer(TM_DNS_SERVFAIL, type, "servfail");
		if (has_type(e, type) || type == TM_DNS_CNAME ||
		    (cname = has_type(e, TM_DNS_CNAME)) == NULL)
			break;
		if (++links > MAX_CNAME)
			return fail_answer(TM_DNS_SERVFAIL, type, "CNAME loop");
		if (cname->ttl < ttl)
			ttl = cname->ttl;
		e = find(st, cname->text);
	}
	if (e->fail == F_TIMEOUT && !has_type(e, type))
		return fail_answer(TM_DNS_TIMEOUT, type, "timeout");
	if (!has_type(e, type)) {
		if ((a = tm_dns_answer_new(TM_DNS_NODATA, type)) != NULL)
			a->ttl = NEG_TTL < ttl ? NEG_TTL : ttl;
		return a;
	}
	if ((a = tm_dns_answer_new(TM_DNS_OK, type)) == NULL)
		return NULL;
	for (i = 0; i < e->n; i++) {
		const struct rec *r = &e->rec[i];

		if (r->type != type)
			continue;
		if (tm_dns_answer_add(a, r->data, r->len, r->text) < 0) {
			tm_dns_answer_free(a);
			return NULL;
		}
		if (r->ttl < ttl)
			ttl = r->ttl;
	}
	a->ttl = ttl;
	return a;
}

/* static_free - the table and every record */
static void
static_free(void *impl)
{
	struct tm_static *st = impl;

	if (st == NULL)
		return;
	tm_htable_free(st->names, name_free);
	free(st);
}

static const struct tm_resolver_ops static_ops = {
	static_lookup,
	static_free,
};

/* tm_static_resolver - the table behind the resolver cache (takes it) */
struct tm_resolver *
tm_static_resolver(struct tm_static *st)
{
	return tm_resolver_wrap(&static_ops, st);
}
