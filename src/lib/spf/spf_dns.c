/*
 * spf_dns.c - libspf2's DNS layer (an SPF_dns_server_t) over the
 * project's resolver, where RFC 7208's limits are enforced.
 *
 * libspf2 asks its DNS layer for records through three hooks: lookup()
 * for A, AAAA, MX and PTR, get_spf() for the SPF record of a domain (the
 * checked domain, then each include and redirect target), get_exp() for
 * an explanation.  It passes no per-request pointer, so every check gets
 * its own layer whose hook points at the check's struct tm_spf_run.
 *
 * Counting (RFC 7208 4.6.4): libspf2 counts DNS terms per include level
 * and only notices the limit on the term after the one that exceeds it,
 * and it has no void-lookup limit.  Here every query is classified:
 *   - an MX query, a PTR query of the "ptr" mechanism, an A/AAAA query
 *     of an "a" or "exists" term and each include/redirect record fetch
 *     start a term: counted, and an empty answer (NXDOMAIN, NODATA) is a
 *     void lookup;
 *   - the A/AAAA queries for the names an MX or PTR answer gave (libspf2
 *     asks them in order) belong to that term: MX hosts count voids,
 *     PTR names do not (RFC 7208 5.5: a name that fails is skipped);
 *   - a PTR query libspf2 makes without caching is the %{p} macro: not a
 *     term (nor are the address queries that validate its names).
 * libspf2 asks nothing else: records come through get_spf(), and get_exp()
 * answers "" (explanations are not used).  Past a limit the layer
 * answers TRY_AGAIN to every query, which ends the evaluation at once,
 * and run->perm makes the result permerror.  More than 10 MX records is
 * permerror; of more than 10 PTR names the first 10 are used.  A DNS
 * error under "ptr" or %{p} is "no match" (RFC 7208 5.5, 7.3); any
 * other is temperror.  A name longer than 253 characters loses labels
 * on the left (RFC 7208 7.3); one that cannot exist (empty or long label)
 * is not asked: it does not exist (RFC 7208 4.8).  A name ending in
 * TM_SPF_ANY (an "a"/"mx" of CIDR length 0, see spf_syntax.c) is asked
 * without it and answered with the client's address if it has any.
 *
 * Records (get_spf): of the TXT records, those starting "v=spf1"
 * (followed by a space or nothing) count; none = "none" (the checked
 * domain) or permerror (include, redirect); two or more = permerror, as
 * is a NUL byte in the record; the one is checked against RFC 7208's
 * grammar (spf_syntax.c) and compiled in the form that check rewrote it
 * to.  Type SPF (99) is never asked (RFC 7208 3.1).
 *
 * TTL: run->ttl keeps the shortest TTL of every answer used, positive or
 * negative, so the caller can cache the check's result that long.
 *
 * Thread safety: a layer belongs to one check on one thread.
 */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/nameser.h>
#include <netdb.h>

#include "dns/dnsname.h"
#include "spf/spf_int.h"

#define SPF_TAG "v=spf1"

/* tm_spf_why - remember the first reason for the result */
void
tm_spf_why(struct tm_spf_run *run, const char *fmt, ...)
{
	va_list ap;

	if (run->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(run->why, sizeof(run->why), fmt, ap);
	va_end(ap);
}

/* clear_expect - forget the names an MX or PTR answer gave */
static void
clear_expect(struct tm_spf_run *run)
{
	size_t i;

	for (i = 0; i < run->nexpect; i++)
		free(run->expect[i]);
	free(run->expect);
	run->expect = NULL;
	run->nexpect = run->iexpect = 0;
	run->sub = TM_SUB_NONE;
}

/* tm_spf_run_fini - release what a run holds */
void
tm_spf_run_fini(struct tm_spf_run *run)
{
	clear_expect(run);
	if (run->spare)
		SPF_dns_rr_free(run->spare);
	run->spare = NULL;
}

/* note_ttl - the check's result holds no longer than this answer */
static void
note_ttl(struct tm_spf_run *run, const struct tm_dns_answer *a)
{
	if (!tm_dns_temporary(a->status) && a->ttl < run->ttl)
		run->ttl = a->ttl;
}

/* count_term - one more DNS-querying term; 0 ok, -1 over the limit */
static int
count_term(struct tm_spf_run *run, const char *name)
{
	if (++run->lookups <= TM_SPF_MAX_TERMS)
		return 0;
	run->perm = 1;
	tm_spf_why(run, "more than %d DNS lookups (at %s)", TM_SPF_MAX_TERMS,
		   name);
	return -1;
}

/* count_void - one more void lookup; 0 ok, -1 over the limit */
static int
count_void(struct tm_spf_run *run, const char *name)
{
	if (++run->voids <= TM_SPF_MAX_VOIDS)
		return 0;
	run->perm = 1;
	tm_spf_why(run, "more than %d void lookups (at %s)", TM_SPF_MAX_VOIDS,
		   name);
	return -1;
}

/* rr_new - an answer for libspf2 (it frees it); NULL out of memory */
static SPF_dns_rr_t *
rr_new(SPF_dns_server_t *layer, const char *domain, ns_type type,
       uint32_t ttl, int herrno)
{
	return SPF_dns_rr_new_init(layer, domain, type,
				   ttl > 86400 ? 86400 : (int)ttl, herrno);
}

/*
 * rr_stop - TRY_AGAIN, ending the evaluation.  Out of memory it hands
 * out the run's spare answer (libspf2 aborts on NULL).
 */
static SPF_dns_rr_t *
rr_stop(SPF_dns_server_t *layer, const char *domain, ns_type type)
{
	struct tm_spf_run *run = layer->hook;
	SPF_dns_rr_t *rr = rr_new(layer, domain, type, 0, TRY_AGAIN);

	if (rr == NULL) {
		run->oom = 1;
		rr = run->spare;
		run->spare = NULL;
	}
	return rr;
}

/* rr_fill - copy an answer's records of type into rr; 0 ok, -1 oom */
static int
rr_fill(SPF_dns_rr_t *rr, const struct tm_dns_answer *a, ns_type type,
	size_t max)
{
	size_t i;

	for (i = 0; i < a->n && (size_t)rr->num_rr < max; i++) {
		const struct tm_dns_rr *r = &a->rr[i];
		const char *text = r->text ? r->text : "";
		size_t need = sizeof(SPF_dns_rr_data_t);
		int k = rr->num_rr;

		if ((type == ns_t_a && r->len != 4) ||
		    (type == ns_t_aaaa && r->len != 16))
			continue;
		if (type == ns_t_mx) {
			const char *sp = strchr(text, ' ');

			text = sp ? sp + 1 : text;
		}
		if (type != ns_t_a && type != ns_t_aaaa)
			need = strlen(text) + 1;
		if (SPF_dns_rr_buf_realloc(rr, k, need) != SPF_E_SUCCESS)
			return -1;
		if (type == ns_t_a)
			memcpy(&rr->rr[k]->a, r->data, 4);
		else if (type == ns_t_aaaa)
			memcpy(&rr->rr[k]->aaaa, r->data, 16);
		else {
			memcpy(rr->rr[k]->txt, text, need);
			/* names without the final dot, as libspf2 compares */
			if (need > 2 && type != ns_t_txt &&
			    rr->rr[k]->txt[need - 2] == '.')
				rr->rr[k]->txt[need - 2] = '\0';
		}
		rr->num_rr++;
	}
	return 0;
}

/* set_expect - the names of an MX/PTR answer, asked for next; -1 oom */
static int
set_expect(struct tm_spf_run *run, enum tm_spf_sub sub, const SPF_dns_rr_t *rr)
{
	int i;

	clear_expect(run);
	if (rr->num_rr == 0)
		return 0;
	if ((run->expect = calloc((size_t)rr->num_rr, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < rr->num_rr; i++) {
		if ((run->expect[i] = strdup(rr->rr[i]->ptr)) == NULL)
			return -1;
		run->nexpect++;
	}
	run->sub = sub;
	return 0;
}

/* classify - what a query is for (see the file comment) */
static void
classify(struct tm_spf_run *run, const char *domain, ns_type type,
	 int should_cache, int *term, enum tm_spf_sub *sub,
	 enum tm_spf_sub *next)
{
	*term = 0;
	*sub = TM_SUB_NONE;
	*next = TM_SUB_NONE;
	switch (type) {
	case ns_t_mx:
		*term = 1;
		*next = TM_SUB_MX;
		break;
	case ns_t_ptr:
		*term = should_cache;
		*next = should_cache ? TM_SUB_PTR : TM_SUB_PMACRO;
		break;
	case ns_t_a:
	case ns_t_aaaa:
		if (run->sub != TM_SUB_NONE && run->iexpect < run->nexpect &&
		    tm_dnsname_equal(domain, run->expect[run->iexpect])) {
			*sub = run->sub;
			run->iexpect++;
		} else
			*term = 1;
		break;
	default:
		break;
	}
	if (*term)
		clear_expect(run);
}

/* valid_name - could this be asked in DNS (RFC 1035 lengths)? */
static int
valid_name(const char *name)
{
	return tm_dnsname_ok_str(name, TM_DNSNAME_ANY | TM_DNSNAME_FINAL_DOT, 1);
}

/*
 * shorten - RFC 7208 7.3: a name longer than 253 characters loses labels
 * from the left until it fits; the rest of name (no copy).
 */
static const char *
shorten(const char *name)
{
	size_t len = strlen(name);

	if (len && name[len - 1] == '.')
		len--;
	while (len > 253) {
		const char *dot = strchr(name, '.');

		if (dot == NULL)
			break;
		len -= (size_t)(dot + 1 - name);
		name = dot + 1;
	}
	return name;
}

/* strip_any - name without TM_SPF_ANY (caller frees), NULL if none */
static char *
strip_any(const char *name, int *any)
{
	size_t len = strlen(name), alen = sizeof(TM_SPF_ANY) - 1;

	*any = len > alen && strcasecmp(name + len - alen, TM_SPF_ANY) == 0;
	return *any ? strndup(name, len - alen) : NULL;
}

/*
 * widen - an "a"/"mx" of CIDR length 0 (TM_SPF_ANY): any address of the
 * client's family matches, so answer the client's own; MX names carry
 * the mark on to their address queries.  0 ok, -1 out of memory.
 */
static int
widen(const struct tm_spf_run *run, SPF_dns_rr_t *rr, ns_type type)
{
	int k;

	if (type == ns_t_mx) {
		for (k = 0; k < rr->num_rr; k++) {
			size_t len = strlen(rr->rr[k]->mx);

			if (SPF_dns_rr_buf_realloc(rr, k, len +
						   sizeof(TM_SPF_ANY)) != 0)
				return -1;
			memcpy(rr->rr[k]->mx + len, TM_SPF_ANY,
			       sizeof(TM_SPF_ANY));
		}
	} else if (rr->num_rr > 0 && type == ns_t_a && run->family == AF_INET) {
		memcpy(&rr->rr[0]->a, run->addr, 4);
		rr->num_rr = 1;
	} else if (rr->num_rr > 0 && type == ns_t_aaaa &&
		   run->family == AF_INET6) {
		memcpy(&rr->rr[0]->aaaa, run->addr, 16);
		rr->num_rr = 1;
	}
	return 0;
}

/*
 * answer - ask the resolver, convert for libspf2.  lenient: a temporary
 * failure is "not found" (*failed set).  NULL: the evaluation must stop
 * (run flags tell why; rr_stop gives the answer).
 */
static SPF_dns_rr_t *
answer(SPF_dns_server_t *layer, const char *domain, const char *qname,
       ns_type type, int lenient, int any, int *failed)
{
	struct tm_spf_run *run = layer->hook;
	struct tm_dns_answer *a;
	SPF_dns_rr_t *rr;
	int herrno;

	qname = shorten(qname);
	if (!valid_name(qname))		/* RFC 7208 4.8: cannot exist */
		return rr_new(layer, domain, type, UINT32_MAX, HOST_NOT_FOUND);
	if ((a = tm_resolver_query(run->res, qname, (int)type,
				   run->deadline)) == NULL)
		return NULL;
	note_ttl(run, a);
	*failed = tm_dns_temporary(a->status);
	if (*failed && !lenient) {
		run->temp = 1;
		tm_spf_why(run, "DNS %s for %s", tm_dns_status_name(a->status),
			   qname);
		tm_dns_answer_free(a);
		return NULL;
	}
	if (type == ns_t_mx && a->n > TM_SPF_MAX_NAMES) {
		run->perm = 1;
		tm_spf_why(run, "more than %d MX records for %s",
			   TM_SPF_MAX_NAMES, qname);
		tm_dns_answer_free(a);
		return NULL;
	}
	herrno = a->status == TM_DNS_OK ? NETDB_SUCCESS :
		a->status == TM_DNS_NODATA ? NO_DATA : HOST_NOT_FOUND;
	if ((rr = rr_new(layer, domain, type, a->ttl, herrno)) == NULL ||
	    rr_fill(rr, a, type, type == ns_t_ptr ? TM_SPF_MAX_NAMES :
		    (size_t)-1) < 0 || (any && widen(run, rr, type) < 0)) {
		if (rr)
			SPF_dns_rr_free(rr);
		rr = NULL;
	}
	tm_dns_answer_free(a);
	if (rr == NULL)
		run->oom = 1;
	else if (rr->num_rr == 0 && rr->herrno == NETDB_SUCCESS)
		rr->herrno = NO_DATA;
	return rr;
}

/* dns_lookup - libspf2's lookup hook: count, answer, check the limits */
static SPF_dns_rr_t *
dns_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type,
	   int should_cache)
{
	struct tm_spf_run *run = layer->hook;
	enum tm_spf_sub sub, next;
	SPF_dns_rr_t *rr;
	char *stripped;
	int term, any, failed = 0;

	if (run->perm || run->oom)
		return rr_stop(layer, domain, type);
	classify(run, domain, type, should_cache, &term, &sub, &next);
	if (term && count_term(run, domain) < 0)
		return rr_stop(layer, domain, type);
	stripped = strip_any(domain, &any);
	if (any && stripped == NULL) {
		run->oom = 1;
		return rr_stop(layer, domain, type);
	}
	/* RFC 7208 5.5, 7.3: errors under "ptr" or %{p} only fail to match */
	rr = answer(layer, domain, any ? stripped : domain, type,
		    sub == TM_SUB_PTR || sub == TM_SUB_PMACRO ||
		    next == TM_SUB_PTR || next == TM_SUB_PMACRO, any, &failed);
	free(stripped);
	if (rr == NULL)
		return rr_stop(layer, domain, type);
	if (rr->num_rr == 0 && (term || sub == TM_SUB_MX) && !failed &&
	    count_void(run, domain) < 0) {
		SPF_dns_rr_free(rr);
		return rr_stop(layer, domain, type);
	}
	if (next != TM_SUB_NONE && set_expect(run, next, rr) < 0) {
		SPF_dns_rr_free(rr);
		run->oom = 1;
		return rr_stop(layer, domain, type);
	}
	return rr;
}

/* is_spf - does a TXT string start with the SPF version section? */
static int
is_spf(const char *s)
{
	return strncasecmp(s, SPF_TAG, sizeof(SPF_TAG) - 1) == 0 &&
		(s[sizeof(SPF_TAG) - 1] == ' ' || s[sizeof(SPF_TAG) - 1] == '\0');
}

/* text_len - bytes of a TXT record's strings joined, from the wire */
static size_t
text_len(const struct tm_dns_rr *r)
{
	size_t i = 0, n = 0;

	while (i < r->len) {
		n += r->data[i];
		i += 1 + (size_t)r->data[i];
	}
	return n;
}

/* fetch - the one SPF record of domain; NULL with run flags set */
static const char *
fetch(struct tm_spf_run *run, const char *domain, int top,
      struct tm_dns_answer **ap)
{
	struct tm_dns_answer *a;
	const char *found = NULL;
	size_t i, n = 0;

	domain = shorten(domain);
	if (!valid_name(domain)) {	/* RFC 7208 4.8: cannot exist */
		tm_spf_why(run, "%s is not a valid domain name", domain);
		return NULL;
	}
	if ((*ap = a = tm_resolver_query(run->res, domain, TM_DNS_TXT,
					 run->deadline)) == NULL) {
		run->oom = 1;
		return NULL;
	}
	note_ttl(run, a);
	if (tm_dns_temporary(a->status)) {
		run->temp = 1;
		tm_spf_why(run, "DNS %s for %s TXT",
			   tm_dns_status_name(a->status), domain);
		return NULL;
	}
	for (i = 0; i < a->n; i++)
		if (a->rr[i].text && is_spf(a->rr[i].text)) {
			found = a->rr[i].text;
			n++;
		}
	if (n > 1) {
		run->perm = 1;
		tm_spf_why(run, "%s has %zu SPF records", domain, n);
		return NULL;
	}
	for (i = 0; n == 1 && i < a->n; i++)
		if (a->rr[i].text == found &&
		    text_len(&a->rr[i]) != strlen(found)) {
			/* a NUL byte: the text stops short of the record */
			run->perm = 1;
			tm_spf_why(run, "%s: NUL byte in the SPF record", domain);
			return NULL;
		}
	if (n == 0) {
		if (top)
			run->none = 1;
		else if (a->n == 0 && count_void(run, domain) < 0)
			return NULL;
		tm_spf_why(run, "%s has no SPF record", domain);
	}
	return found;
}

/* personal - does a record expand the sender or HELO (%{s} %{l} %{h})? */
static int
personal(const char *rec)
{
	const char *p;

	for (p = rec; (p = strstr(p, "%{")) != NULL; p += 2)
		if (strchr("slhSLH", p[2]))
			return 1;
	return 0;
}

/* dns_get_spf - libspf2's record hook: fetch, check, rewrite, compile */
static SPF_errcode_t
dns_get_spf(SPF_server_t *server, SPF_request_t *req, SPF_response_t *resp,
	    SPF_record_t **recp)
{
	struct tm_spf_run *run = server->resolver->hook;
	const char *domain = req->cur_dom, *text;
	struct tm_dns_answer *a = NULL;
	SPF_response_t *scratch;
	SPF_errcode_t err;
	char *rewritten = NULL, why[200];
	int top = run->fetches++ == 0, rc;

	*recp = NULL;
	clear_expect(run);
	if (run->perm || run->oom)
		return SPF_E_BIG_DNS;
	if (!top && count_term(run, domain) < 0)
		return SPF_E_BIG_DNS;
	if ((text = fetch(run, domain, top, &a)) == NULL) {
		tm_dns_answer_free(a);
		return run->temp ? SPF_E_DNS_ERROR : SPF_E_NOT_SPF;
	}
	if (top)
		run->record_len = strlen(text);
	rc = tm_spf_record_check(text, run->family, run->addr, &rewritten,
				 why, sizeof(why));
	tm_dns_answer_free(a);
	if (rc < 0) {
		if (rc == -2)
			run->oom = 1;
		else
			run->perm = 1;
		tm_spf_why(run, "%s: %s", domain, rc == -2 ? "out of memory" : why);
		return SPF_E_SYNTAX;
	}
	run->personal |= personal(rewritten);
	/* compile into a scratch response: its errors must not linger */
	if ((scratch = SPF_response_new(req)) == NULL) {
		free(rewritten);
		run->oom = 1;
		return SPF_E_NO_MEMORY;
	}
	err = SPF_record_compile(server, scratch, recp, rewritten);
	SPF_response_free(scratch);
	free(rewritten);
	if (err != SPF_E_SUCCESS) {
		if (*recp)
			SPF_record_free(*recp);
		*recp = NULL;
		run->perm = 1;
		tm_spf_why(run, "%s: %s", domain, SPF_strerror(err));
		return err;
	}
	(void)resp;
	return SPF_E_SUCCESS;
}

/* dns_get_exp - explanations are not fetched: always "" */
static SPF_errcode_t
dns_get_exp(SPF_server_t *server, const char *domain, char **bufp,
	    size_t *buflenp)
{
	(void)server;
	(void)domain;
	if (*bufp == NULL || *buflenp < 1) {
		char *p = realloc(*bufp, 1);

		if (p == NULL)
			return SPF_E_NO_MEMORY;
		*bufp = p;
		*buflenp = 1;
	}
	(*bufp)[0] = '\0';
	return SPF_E_SUCCESS;
}

/*
 * tm_spf_dns_new - a layer for one run; the caller frees it (free())
 * after SPF_server_free.  It has no destructor: libspf2 1.2.10's
 * SPF_server_free never frees its layer, later versions do unless the
 * destructor is NULL, so this way it is freed once whichever runs.
 */
SPF_dns_server_t *
tm_spf_dns_new(struct tm_spf_run *run)
{
	SPF_dns_server_t *layer = calloc(1, sizeof(*layer));

	if (layer == NULL)
		return NULL;
	layer->lookup = dns_lookup;
	layer->get_spf = dns_get_spf;
	layer->get_exp = dns_get_exp;
	layer->name = "tenant-milter";
	layer->hook = run;
	return layer;
}
