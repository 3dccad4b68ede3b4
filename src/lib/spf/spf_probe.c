/*
 * spf_probe.c - published SPF records, matched terms and what-if checks
 * (spf_probe.h).
 *
 * Public: tm_spf_published_get, tm_spf_published_fini, tm_spf_check_as,
 * tm_spf_matched, tm_spf_propose.  The what-if resolver is a backend of
 * resolver.h (struct tm_resolver_ops) over the real resolver; it lives for
 * one probe.  Errors: -1 only when out of memory.  Thread-safe.
 */

#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/dnsname.h"
#include "spf/spf_probe.h"

struct overlay {
	struct tm_resolver *real;	/* borrowed */
	const char *domain;		/* borrowed */
	const char *record;		/* borrowed */
};

/* txt_wire - a TXT rdata: character-strings of at most 255 bytes */
static unsigned char *
txt_wire(const char *text, size_t *lenp)
{
	size_t n = strlen(text), i = 0, o = 0, k;
	unsigned char *w = malloc(n + n / 255 + 2);

	if (w == NULL)
		return NULL;
	do {
		k = n - i > 255 ? 255 : n - i;
		w[o++] = (unsigned char)k;
		memcpy(w + o, text + i, k);
		o += k;
		i += k;
	} while (i < n);
	*lenp = o;
	return w;
}

/* overlay_lookup - the record for the domain's TXT, the real DNS otherwise */
static struct tm_dns_answer *
overlay_lookup(void *impl, const char *name, int type,
	       const struct timespec *deadline)
{
	struct overlay *o = impl;
	struct tm_dns_answer *a;
	unsigned char *w;
	size_t len;

	if (type != TM_DNS_TXT || !tm_dnsname_equal(name, o->domain))
		return tm_resolver_query(o->real, name, type, deadline);
	if ((a = tm_dns_answer_new(TM_DNS_OK, type)) == NULL)
		return NULL;
	if ((w = txt_wire(o->record, &len)) == NULL ||
	    tm_dns_answer_add(a, w, len, o->record) < 0) {
		free(w);
		tm_dns_answer_free(a);
		return NULL;
	}
	free(w);
	return a;
}

static void
overlay_free(void *impl)
{
	(void)impl;			/* on the caller's stack */
}

static const struct tm_resolver_ops overlay_ops = { overlay_lookup, overlay_free };

/* tm_spf_check_as - check_host() over the overlay */
int
tm_spf_check_as(struct tm_resolver *real, const char *domain, const char *record,
		const struct tm_cidr *ip, const char *sender,
		const struct timespec *deadline, struct tm_spf_outcome *out)
{
	struct overlay o = { real, domain, record };
	struct tm_resolver *r;
	struct tm_spf *spf;
	int rc = -1;

	if ((r = tm_resolver_wrap(&overlay_ops, &o)) == NULL)
		return -1;
	if ((spf = tm_spf_new(r, NULL, 0)) != NULL) {
		rc = tm_spf_check(spf, ip, domain, sender, NULL, deadline, out);
		tm_spf_free(spf);
	}
	tm_resolver_free(r);
	return rc;
}

/* is_spf - "v=spf1" then a space or the end (RFC 7208 4.5) */
static int
is_spf(const char *s)
{
	return strncasecmp(s, "v=spf1", 6) == 0 && (s[6] == ' ' || s[6] == '\0');
}

/* next_term - the next space-separated term of rec at *p, its length */
static const char *
next_term(const char **p, size_t *n)
{
	const char *s = *p;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return NULL;
	*n = strcspn(s, " ");
	*p = s + *n;
	return s;
}

/* is_modifier - name=... before any ':' or '/' (RFC 7208 12) */
static int
is_modifier(const char *t, size_t n)
{
	size_t i;

	for (i = 0; i < n && t[i] != ':' && t[i] != '/'; i++)
		if (t[i] == '=')
			return 1;
	return 0;
}

/* mech_is - term (qualifier stripped) is mechanism name (args allowed) */
static int
mech_is(const char *t, size_t n, const char *name)
{
	size_t k = strlen(name);

	if (n && strchr("+-~?", t[0]))
		t++, n--;
	return n >= k && strncasecmp(t, name, k) == 0 &&
	    (n == k || t[k] == ':' || t[k] == '/');
}

/* warnings - +all, ?all, ptr in the top-level record */
static void
warnings(struct tm_spf_published *out)
{
	const char *p = out->record + 6, *t;
	size_t n;

	while ((t = next_term(&p, &n)) != NULL) {
		if (mech_is(t, n, "all") && (t[0] == '+' || t[0] == 'a' || t[0] == 'A'))
			out->pass_all = true;
		if (mech_is(t, n, "all") && t[0] == '?')
			out->neutral_all = true;
		if (mech_is(t, n, "ptr"))
			out->has_ptr = true;
	}
}

/* tm_spf_published_get - the domain's records */
int
tm_spf_published_get(struct tm_resolver *r, const char *domain,
		     const struct timespec *deadline, struct tm_spf_published *out)
{
	struct tm_dns_answer *a;
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((a = tm_resolver_query(r, domain, TM_DNS_TXT, deadline)) == NULL)
		return -1;
	out->status = a->status;
	if (a->why && (out->why = strdup(a->why)) == NULL)
		goto oom;
	for (i = 0; a->status == TM_DNS_OK && i < a->n; i++) {
		if (a->rr[i].text == NULL || !is_spf(a->rr[i].text))
			continue;
		if (out->n_records++ == 0 &&
		    (out->record = strdup(a->rr[i].text)) == NULL)
			goto oom;
	}
	if (out->record) {
		out->length = strlen(out->record);
		warnings(out);
	}
	tm_dns_answer_free(a);
	return 0;
oom:
	tm_dns_answer_free(a);
	tm_spf_published_fini(out);
	return -1;
}

/* tm_spf_published_fini - free the strings */
void
tm_spf_published_fini(struct tm_spf_published *p)
{
	free(p->record);
	free(p->why);
	p->record = p->why = NULL;
}

/* tm_spf_matched - probe each top-level mechanism alone, in order */
int
tm_spf_matched(struct tm_resolver *r, const char *domain, const char *record,
	       const struct tm_cidr *ip, const char *sender,
	       const struct timespec *deadline, char *buf, size_t len)
{
	const char *p = record + (is_spf(record) ? 6 : 0), *t, *redirect = NULL;
	struct tm_spf_outcome o;
	size_t n, rn = 0;
	char probe[1100];

	snprintf(buf, len, "%s", "");
	while ((t = next_term(&p, &n)) != NULL) {
		if (is_modifier(t, n)) {
			if (n > 9 && strncasecmp(t, "redirect=", 9) == 0)
				redirect = t, rn = n;
			continue;
		}
		if (n && strchr("+-~?", t[0]))
			snprintf(probe, sizeof(probe), "v=spf1 +%.*s", (int)(n - 1), t + 1);
		else
			snprintf(probe, sizeof(probe), "v=spf1 +%.*s", (int)n, t);
		if (tm_spf_check_as(r, domain, probe, ip, sender, deadline, &o) < 0)
			return -1;
		if (o.result == TM_SPF_PASS) {
			snprintf(buf, len, "%.*s", (int)n, t);
			return 0;
		}
	}
	if (redirect)
		snprintf(buf, len, "%.*s", (int)rn, redirect);
	return 0;
}

/* tm_spf_propose - terms inserted where they take effect */
char *
tm_spf_propose(const char *record, const char *terms)
{
	const char *p, *t, *at = NULL;
	char *out;
	size_t n;

	if (record == NULL) {
		if (asprintf(&out, "v=spf1 %s ~all", terms) < 0)
			return NULL;
		return out;
	}
	p = record + 6;
	while ((t = next_term(&p, &n)) != NULL && at == NULL)
		if (mech_is(t, n, "all") || is_modifier(t, n))
			at = t;
	if (at == NULL) {
		if (asprintf(&out, "%s %s", record, terms) < 0)
			return NULL;
		return out;
	}
	if (asprintf(&out, "%.*s%s %s", (int)(at - record), record, terms, at) < 0)
		return NULL;
	return out;
}
