/*
 * dmarc.c - DMARC record discovery and tags (dmarc.h).
 *
 * Public: tm_dmarc_lookup, tm_dmarc_policy.  A record is a TXT record
 * starting "v=DMARC1" (RFC 7489 6.4); with none at the exact name the
 * organizational domain is asked; more than one there counts as none
 * (6.6.3 step 5) and is flagged.  Errors: -1 only when out of memory.
 */

#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/dmarc.h"

/* is_dmarc - "v=DMARC1" then ';', space or the end */
static int
is_dmarc(const char *s)
{
	return strncmp(s, "v=DMARC1", 8) == 0 &&
	    (s[8] == ';' || s[8] == ' ' || s[8] == '\t' || s[8] == '\0');
}

/* tags - p, sp, adkim, aspf, pct of one record */
static void
tags(const char *rec, struct tm_dmarc *out)
{
	const char *p = rec;

	while (*p) {
		const char *end = strchr(p, ';'), *eq;
		size_t n, vn;

		if (end == NULL)
			end = p + strlen(p);
		while (p < end && isspace((unsigned char)*p))
			p++;
		if ((eq = memchr(p, '=', (size_t)(end - p))) != NULL) {
			const char *v = eq + 1;

			n = (size_t)(eq - p);
			while (n && isspace((unsigned char)p[n - 1]))
				n--;
			while (v < end && isspace((unsigned char)*v))
				v++;
			vn = (size_t)(end - v);
			while (vn && isspace((unsigned char)v[vn - 1]))
				vn--;
			if (n == 1 && *p == 'p')
				snprintf(out->p, sizeof(out->p), "%.*s", (int)(vn < 15 ? vn : 15), v);
			else if (n == 2 && strncmp(p, "sp", 2) == 0)
				snprintf(out->sp, sizeof(out->sp), "%.*s", (int)(vn < 15 ? vn : 15), v);
			else if (n == 5 && strncmp(p, "adkim", 5) == 0 && vn)
				out->adkim = (char)tolower((unsigned char)*v);
			else if (n == 4 && strncmp(p, "aspf", 4) == 0 && vn)
				out->aspf = (char)tolower((unsigned char)*v);
			else if (n == 3 && strncmp(p, "pct", 3) == 0)
				out->pct = atoi(v);
		}
		p = *end ? end + 1 : end;
	}
}

/* at - look for records at _dmarc.domain: 1 found, 0 none, 2 temp, -1 oom */
static int
at(struct tm_resolver *r, const char *domain, const struct timespec *deadline,
   struct tm_dmarc *out)
{
	struct tm_dns_answer *a;
	size_t i, n = 0;
	const char *rec = NULL;

	snprintf(out->name, sizeof(out->name), "_dmarc.%s", domain);
	if ((a = tm_resolver_query(r, out->name, TM_DNS_TXT, deadline)) == NULL)
		return -1;
	if (tm_dns_temporary(a->status)) {
		snprintf(out->why, sizeof(out->why), "%s: DNS %s%s%s", out->name,
			 tm_dns_status_name(a->status), a->why ? ": " : "",
			 a->why ? a->why : "");
		tm_dns_answer_free(a);
		return 2;
	}
	for (i = 0; a->status == TM_DNS_OK && i < a->n; i++)
		if (a->rr[i].text && is_dmarc(a->rr[i].text) && n++ == 0)
			rec = a->rr[i].text;
	if (n == 1)
		tags(rec, out);
	out->several = n > 1;
	tm_dns_answer_free(a);
	return n == 1;
}

/* tm_dmarc_lookup - exact name, then the organizational domain */
int
tm_dmarc_lookup(struct tm_resolver *r, const struct tm_psl *psl,
		const char *domain, const struct timespec *deadline,
		struct tm_dmarc *out)
{
	const char *org = tm_psl_org_domain(psl, domain);
	int rc;

	memset(out, 0, sizeof(*out));
	out->adkim = out->aspf = 'r';
	out->pct = 100;
	if ((rc = at(r, domain, deadline, out)) < 0)
		return -1;
	if (rc == 0 && !out->several && strcasecmp(org, domain) != 0) {
		if ((rc = at(r, org, deadline, out)) < 0)
			return -1;
		if (rc == 1) {
			out->found = TM_DMARC_ORG;
			return 0;
		}
	}
	out->found = rc == 1 ? TM_DMARC_EXACT : rc == 2 ? TM_DMARC_TEMP : TM_DMARC_NONE;
	return 0;
}

/* tm_dmarc_policy - "none", "quarantine", "reject" (as published) */
const char *
tm_dmarc_policy(const struct tm_dmarc *d)
{
	if (d->found == TM_DMARC_ORG && d->sp[0])
		return d->sp;
	return d->p[0] ? d->p : "none";
}
