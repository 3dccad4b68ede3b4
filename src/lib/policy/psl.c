/*
 * psl.c - Public Suffix List lookups.
 *
 * Rules are kept in one util/htable (ASCII case-insensitive), each with
 * the bit set of its kinds (normal, wildcard "*.x" stored as "x",
 * exception "!x" stored as "x").
 * A lookup walks the domain's suffixes from the longest to the shortest:
 * an exception rule wins outright, otherwise the longest matching normal
 * or wildcard rule gives the public suffix, and the default rule "*"
 * makes the last label one.  Internationalized rules (non-ASCII) are
 * skipped: mail domains reach us in A-label form.
 */

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/psl.h"
#include "util/htable.h"

enum kind { K_NORMAL = 1, K_WILD = 2, K_EXCEPT = 4 };

struct tm_psl {
	struct tm_htable *rules;	/* rule -> bit set of enum kind */
};

/* add - one rule of a kind; -1 out of memory */
static int
add(struct tm_psl *p, const char *s, enum kind k)
{
	void *v = NULL;

	tm_htable_get(p->rules, s, strlen(s), &v);
	return tm_htable_put(p->rules, s, strlen(s),
			     (void *)((uintptr_t)v | (uintptr_t)k), NULL);
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
	if ((p->rules = tm_htable_new(1 << 14, TM_HTABLE_FOLD)) == NULL)
		goto oom;		/* sized for the ~10,000 ASCII rules */
	while (fgets(line, sizeof(line), fp)) {
		char *r = line;
		int rc;

		r[strcspn(r, " \t\r\n")] = '\0';
		if (*r == '\0' || strncmp(r, "//", 2) == 0 || !ascii(r))
			continue;
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
	if (tm_htable_count(p->rules) == 0) {
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
	if (p == NULL)
		return;
	tm_htable_free(p->rules, NULL);
	free(p);
}

/* kinds_of - the kinds of rule s, or 0 */
static unsigned
kinds_of(const struct tm_psl *p, const char *s)
{
	void *v;

	return tm_htable_get(p->rules, s, strlen(s), &v) == 1 ?
		(unsigned)(uintptr_t)v : 0;
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
