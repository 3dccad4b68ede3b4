/*
 * psl.c - Public Suffix List lookups.
 *
 * Rules are kept in one open-addressing hash set, each with its kind
 * (normal, wildcard "*.x" stored as "x", exception "!x" stored as "x").
 * A lookup walks the domain's suffixes from the longest to the shortest:
 * an exception rule wins outright, otherwise the longest matching normal
 * or wildcard rule gives the public suffix, and the default rule "*"
 * makes the last label one.  Internationalized rules (non-ASCII) are
 * skipped: mail domains reach us in A-label form.
 */

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/psl.h"

enum kind { K_NORMAL = 1, K_WILD = 2, K_EXCEPT = 4 };

struct slot {
	char *rule;			/* NULL: empty */
	unsigned kinds;			/* bit set of enum kind */
};

struct tm_psl {
	struct slot *slot;
	size_t cap;			/* power of two */
	size_t n;
};

/* hash - FNV-1a over len bytes, lower-cased */
static uint32_t
hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint32_t)tolower((unsigned char)s[i])) * 16777619u;
	return h;
}

/* find - the slot of rule (len bytes), empty or matching */
static struct slot *
find(const struct tm_psl *p, const char *s, size_t len)
{
	size_t i = hash(s, len) & (p->cap - 1);

	while (p->slot[i].rule != NULL &&
	       !(strlen(p->slot[i].rule) == len &&
		 strncasecmp(p->slot[i].rule, s, len) == 0))
		i = (i + 1) & (p->cap - 1);
	return &p->slot[i];
}

/* add - one rule of a kind; -1 out of memory */
static int
add(struct tm_psl *p, const char *s, enum kind k)
{
	struct slot *sl = find(p, s, strlen(s));

	if (sl->rule == NULL) {
		if ((sl->rule = strdup(s)) == NULL)
			return -1;
		p->n++;
	}
	sl->kinds |= k;
	return 0;
}

/* ascii - a rule we can use: plain ASCII */
static int
ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* tm_psl_load - read the list */
struct tm_psl *
tm_psl_load(const char *path, char *why, size_t whylen)
{
	struct tm_psl *p = calloc(1, sizeof(*p));
	char line[512];
	FILE *fp;

	if (p == NULL || (fp = fopen(path, "r")) == NULL) {
		snprintf(why, whylen, "%s: %s", path, p ? strerror(errno) :
			 "out of memory");
		free(p);
		return NULL;
	}
	p->cap = 1 << 15;		/* > 2x the ~10,000 ASCII rules */
	if ((p->slot = calloc(p->cap, sizeof(*p->slot))) == NULL)
		goto oom;
	while (fgets(line, sizeof(line), fp)) {
		char *r = line;
		int rc;

		r[strcspn(r, " \t\r\n")] = '\0';
		if (*r == '\0' || strncmp(r, "//", 2) == 0 || !ascii(r))
			continue;
		if (p->n * 2 >= p->cap)
			continue;	/* full: keep what fits (never expected) */
		if (r[0] == '!')
			rc = add(p, r + 1, K_EXCEPT);
		else if (strncmp(r, "*.", 2) == 0)
			rc = add(p, r + 2, K_WILD);
		else
			rc = add(p, r, K_NORMAL);
		if (rc < 0)
			goto oom;
	}
	fclose(fp);
	if (p->n == 0) {
		snprintf(why, whylen, "%s: no rules", path);
		tm_psl_free(p);
		return NULL;
	}
	return p;
oom:
	fclose(fp);
	tm_psl_free(p);
	snprintf(why, whylen, "out of memory");
	return NULL;
}

/* tm_psl_free - NULL is a no-op */
void
tm_psl_free(struct tm_psl *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; p->slot && i < p->cap; i++)
		free(p->slot[i].rule);
	free(p->slot);
	free(p);
}

/* kinds_of - the kinds of rule s, or 0 */
static unsigned
kinds_of(const struct tm_psl *p, const char *s)
{
	const struct slot *sl = find(p, s, strlen(s));

	return sl->rule ? sl->kinds : 0;
}

/* next_label - the suffix after the first label, or NULL */
static const char *
next_label(const char *s)
{
	const char *dot = strchr(s, '.');

	return dot ? dot + 1 : NULL;
}

/* tm_psl_org_domain - public suffix plus one label */
const char *
tm_psl_org_domain(const struct tm_psl *p, const char *domain)
{
	const char *s, *prev = NULL, *ps = NULL, *parent;

	if (p == NULL)			/* no list: the default rule alone */
		goto fallback;
	/* s walks the suffixes, longest first; prev is the one before. */
	for (s = domain; s != NULL; prev = s, s = next_label(s)) {
		unsigned k = kinds_of(p, s);

		if (k & K_EXCEPT) {		/* "!x": x's parent is the suffix */
			ps = next_label(s);
			break;
		}
		parent = next_label(s);
		if ((k & K_NORMAL) || (parent && (kinds_of(p, parent) & K_WILD))) {
			if (ps == NULL)
				ps = s;		/* longest match */
		}
	}
fallback:
	if (ps == NULL) {			/* default rule "*": the last label */
		const char *last = strrchr(domain, '.');

		ps = last ? last + 1 : domain;
	}
	if (ps == domain)
		return domain;
	/* The organizational domain: ps with the label before it. */
	for (s = domain, prev = NULL; s && s != ps; prev = s, s = next_label(s))
		;
	return prev ? prev : domain;
}

/* tm_psl_aligned - same organizational domain */
int
tm_psl_aligned(const struct tm_psl *p, const char *a, const char *b)
{
	return strcasecmp(tm_psl_org_domain(p, a), tm_psl_org_domain(p, b)) == 0;
}
