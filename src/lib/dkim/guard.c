/*
 * guard.c - is a DKIM selector's published key ours?  (The prober that
 * keeps the answers fresh is src/daemon/prober.c.)
 *
 * A record is ours when its p= equals the base64 of our public key
 * (whitespace ignored, keys.c).  An empty p= is a revoked key (RFC 6376
 * 3.6.1): not ours.  Only TXT records of the selector's own name count;
 * several records: any that matches is enough.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/guard.h"
#include "dkim/keys.h"

/* tm_pub_state_name - for logs and annotations */
const char *
tm_pub_state_name(enum tm_pub_state s)
{
	static const char *const names[] = {
		"published", "unpublished", "mismatch", "unknown"
	};

	return names[s];
}

/* tag_p - the value of the p= tag of a DKIM key record (into buf) */
static int
tag_p(const char *rec, char *buf, size_t len)
{
	const char *p = rec;

	while (*p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);

		while (n && (*p == ' ' || *p == '\t'))
			p++, n--;
		if (eq && p[0] == 'p' && (p + 1 == eq || p[1] == ' ' || p[1] == '\t')) {
			size_t vl = n - (size_t)(eq + 1 - p);

			if (vl >= len)
				return -1;
			memcpy(buf, eq + 1, vl);
			buf[vl] = '\0';
			return 0;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return -1;
}

/* tm_guard_key_state - one selector, now */
enum tm_pub_state
tm_guard_key_state(struct tm_resolver *r, const struct tm_dkim *d,
		   const struct timespec *deadline, uint32_t *ttl, char *why,
		   size_t whylen)
{
	char name[600], *pval = NULL;
	struct tm_dns_answer *a;
	enum tm_pub_state st = TM_PUB_MISMATCH;
	size_t i, cap = 8192;

	if (ttl)
		*ttl = 0;
	snprintf(name, sizeof(name), "%s._domainkey.%s", d->selector, d->domain);
	if (d->key == NULL || (a = tm_resolver_query(r, name, TM_DNS_TXT,
						     deadline)) == NULL) {
		if (why)
			snprintf(why, whylen, "%s: %s", name, d->key ?
				 "out of memory" : "key not loaded");
		return TM_PUB_UNKNOWN;
	}
	if (ttl)
		*ttl = a->ttl;
	if (tm_dns_temporary(a->status)) {
		if (why)
			snprintf(why, whylen, "%s: DNS %s%s%s", name,
				 tm_dns_status_name(a->status), a->why ? ": " : "",
				 a->why ? a->why : "");
		tm_dns_answer_free(a);
		return TM_PUB_UNKNOWN;
	}
	if (a->status != TM_DNS_OK || a->n == 0) {
		if (why)
			snprintf(why, whylen, "%s: no DKIM key record (%s)", name,
				 tm_dns_status_name(a->status));
		tm_dns_answer_free(a);
		return TM_PUB_ABSENT;
	}
	if ((pval = malloc(cap)) == NULL) {
		tm_dns_answer_free(a);
		return TM_PUB_UNKNOWN;
	}
	for (i = 0; i < a->n && st != TM_PUB_PUBLISHED; i++)
		if (a->rr[i].text && tag_p(a->rr[i].text, pval, cap) == 0 &&
		    tm_key_pub_match(d->key, pval))
			st = TM_PUB_PUBLISHED;
	if (why)
		snprintf(why, whylen, st == TM_PUB_PUBLISHED ? "%s: published" :
			 "%s: the published key is not ours (or revoked)", name);
	free(pval);
	tm_dns_answer_free(a);
	return st;
}
