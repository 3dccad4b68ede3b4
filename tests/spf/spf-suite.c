/*
 * spf-suite.c - run the RFC 7208 test suite (as yaml2suite.py converted
 * it) through tm_spf_check over the static resolver, printing TAP.
 *
 *   spf-suite SUITE.txt [EXPECTED-FAILURES]
 *
 * Each scenario's zone is loaded into a fresh tm_static; each case runs
 * check_host(host, domain, sender, helo) with pyspf's identity rules
 * (the suite was written for pyspf): an empty MAIL FROM checks the HELO
 * domain as postmaster@helo; a MAIL FROM without '@' is a domain.  A case
 * passes when the result is one of those it lists.
 *
 * EXPECTED-FAILURES has one "scenario/case  reason" per line ('#'
 * comments): such a case that fails is "not ok ... # TODO reason" (the
 * TAP driver's XFAIL); one that passes is a plain "not ok" telling to
 * remove it, so the list can only shrink.  The last line is
 * "# score: N/TOTAL", cases passed.
 *
 * With -t N, instead of TAP: each case run N times, µs per check printed
 * (the resolver cache stays warm, so this times the SPF work alone).
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conf/conf.h"
#include "dns/resolver.h"
#include "spf/spf.h"

#define MAX_FIELDS 8

struct xfail {
	char *key;			/* scenario/case */
	char *reason;
	int seen;
};

struct xfails {
	struct xfail *v;
	size_t n;
};

/* unescape - %XX decoding in place; the length (it may hold NULs) */
static size_t
unescape(char *s)
{
	char *d = s, *start = s;

	for (; *s; s++) {
		if (s[0] == '%' && s[1] && s[2]) {
			char hex[3] = { s[1], s[2], 0 };

			*d++ = (char)strtoul(hex, NULL, 16);
			s += 2;
		} else
			*d++ = *s;
	}
	*d = '\0';
	return (size_t)(d - start);
}

/* split - tab-separated fields, unescaped, lengths in len; how many */
static int
split(char *line, char **f, size_t *len)
{
	int n = 0;
	char *p = line;

	line[strcspn(line, "\n")] = '\0';
	while (n < MAX_FIELDS) {
		f[n++] = p;
		if ((p = strchr(p, '\t')) == NULL)
			break;
		*p++ = '\0';
	}
	for (int i = 0; i < n; i++)
		len[i] = unescape(f[i]);
	return n;
}

/* rrtype - record type number of a suite type name, or -1 */
static int
rrtype(const char *name)
{
	static const struct { const char *name; int type; } types[] = {
		{ "A", TM_DNS_A }, { "AAAA", TM_DNS_AAAA }, { "MX", TM_DNS_MX },
		{ "PTR", TM_DNS_PTR }, { "CNAME", TM_DNS_CNAME },
		{ "TXT", TM_DNS_TXT }, { "SPF", 99 },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].name, name) == 0)
			return types[i].type;
	return -1;
}

/* xfails_load - the expected-failures file (missing: empty) */
static void
xfails_load(struct xfails *x, const char *path)
{
	char line[1024];
	FILE *fp;

	memset(x, 0, sizeof(*x));
	if (path == NULL || (fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp)) {
		char *key = line + strspn(line, " \t"), *reason;
		struct xfail *v;

		key[strcspn(key, "\n")] = '\0';
		if (*key == '#' || *key == '\0')
			continue;
		reason = key + strcspn(key, " \t");
		if (*reason)
			*reason++ = '\0';
		reason += strspn(reason, " \t");
		if ((v = realloc(x->v, (x->n + 1) * sizeof(*v))) == NULL)
			break;
		x->v = v;
		v[x->n].key = strdup(key);
		v[x->n].reason = strdup(*reason ? reason : "expected failure");
		v[x->n].seen = 0;
		x->n++;
	}
	fclose(fp);
}

/* xfails_find - the entry for scenario/case, or NULL */
static struct xfail *
xfails_find(struct xfails *x, const char *key)
{
	for (size_t i = 0; i < x->n; i++)
		if (x->v[i].key && strcmp(x->v[i].key, key) == 0)
			return &x->v[i];
	return NULL;
}

/* identity - domain and sender of a case, pyspf style; 0 ok */
static int
identity(const char *mailfrom, const char *helo, char *domain, size_t dlen,
	 char *sender, size_t slen)
{
	const char *at = strchr(mailfrom, '@');

	if (*mailfrom == '\0') {
		snprintf(domain, dlen, "%s", helo);
		snprintf(sender, slen, "postmaster@%s", helo);
	} else if (at == NULL) {
		snprintf(domain, dlen, "%s", mailfrom);
		snprintf(sender, slen, "postmaster@%s", mailfrom);
	} else if (at == mailfrom) {
		snprintf(domain, dlen, "%s", at + 1);
		snprintf(sender, slen, "postmaster%s", mailfrom);
	} else {
		snprintf(domain, dlen, "%s", at + 1);
		snprintf(sender, slen, "%s", mailfrom);
	}
	return 0;
}

/* wanted - is got one of the comma-separated results? */
static int
wanted(const char *got, const char *results)
{
	size_t len = strlen(got);

	for (const char *p = results; *p; ) {
		size_t n = strcspn(p, ",");

		if (n == len && strncmp(p, got, n) == 0)
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/*
 * A TXT record holding a NUL byte cannot go through tm_static_add (text
 * is a C string): this backend serves such records from the wire form,
 * as a real server would, and passes everything else to the static one.
 */
struct raw {
	char *name;
	unsigned char *data;		/* character-strings */
	size_t len;
	char *text;			/* as a C string: stops at the NUL */
};

struct overlay {
	struct tm_resolver *inner;
	struct raw *v;
	size_t n;
};

/* overlay_add - remember a TXT record given as bytes; 0 ok */
static int
overlay_add(struct overlay *o, const char *name, const char *bytes,
	    size_t len)
{
	struct raw *v = realloc(o->v, (o->n + 1) * sizeof(*v));

	if (v == NULL || len > 255)
		return -1;
	o->v = v;
	v = &o->v[o->n];
	v->name = strdup(name);
	v->data = malloc(len + 1);
	v->text = strdup(bytes);
	if (v->name == NULL || v->data == NULL || v->text == NULL) {
		free(v->name);
		free(v->data);
		free(v->text);
		return -1;
	}
	o->n++;
	v->data[0] = (unsigned char)len;
	memcpy(v->data + 1, bytes, len);
	v->len = len + 1;
	return 0;
}

/* overlay_lookup - the raw TXT records, else the static table's answer */
static struct tm_dns_answer *
overlay_lookup(void *impl, const char *name, int type,
	       const struct timespec *deadline)
{
	struct overlay *o = impl;
	struct tm_dns_answer *a = tm_resolver_query(o->inner, name, type,
						    deadline);

	for (size_t i = 0; a && type == TM_DNS_TXT && i < o->n; i++)
		if (strcasecmp(o->v[i].name, name) == 0) {
			if (a->status == TM_DNS_NXDOMAIN ||
			    a->status == TM_DNS_NODATA) {
				a->status = TM_DNS_OK;
				a->ttl = 3600;
			}
			tm_dns_answer_add(a, o->v[i].data, o->v[i].len,
					  o->v[i].text);
		}
	return a;
}

/* overlay_free - the table and the static resolver under it */
static void
overlay_free(void *impl)
{
	struct overlay *o = impl;

	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].name);
		free(o->v[i].data);
		free(o->v[i].text);
	}
	free(o->v);
	tm_resolver_free(o->inner);
	free(o);
}

static const struct tm_resolver_ops overlay_ops = {
	overlay_lookup,
	overlay_free,
};

struct run {
	struct xfails xf;
	int n, cases, passed, bad, timing;
	double usec, checks;
};

/* run_case - one case: check, compare, print */
static void
run_case(struct run *r, struct tm_spf *spf, const char *scenario, char **f)
{
	char key[512], domain[512], sender[600];
	struct tm_spf_outcome out;
	struct tm_cidr ip;
	struct xfail *xf;
	const char *got;
	int ok;

	snprintf(key, sizeof(key), "%s/%s", scenario, f[1]);
	identity(f[3], f[4], domain, sizeof(domain), sender, sizeof(sender));
	r->n++;
	r->cases++;
	if (tm_cidr_parse(f[2], &ip) < 0) {
		printf("not ok %d - %s: bad host %s\n", r->n, key, f[2]);
		r->bad++;
		return;
	}
	if (r->timing) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < r->timing; i++)
			tm_spf_check(spf, &ip, domain, sender, f[4], NULL, &out);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		r->usec += (double)(t1.tv_sec - t0.tv_sec) * 1e6 +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
		r->checks += r->timing;
		return;
	}
	if (tm_spf_check(spf, &ip, domain, sender, f[4], NULL, &out) < 0) {
		printf("not ok %d - %s: out of memory\n", r->n, key);
		r->bad++;
		return;
	}
	got = tm_spf_result_name(out.result);
	ok = wanted(got, f[5]);
	r->passed += ok;
	xf = xfails_find(&r->xf, key);
	if (xf)
		xf->seen = 1;
	if (ok && xf) {
		printf("not ok %d - %s: unexpected pass: remove it from "
		       "expected-failures\n", r->n, key);
		r->bad++;
	} else if (ok)
		printf("ok %d - %s\n", r->n, key);
	else {
		/* a '#' would start a TAP directive */
		for (char *p = out.why; *p; p++)
			if (*p == '#')
				*p = '_';
		printf("not ok %d - %s: got %s, want %s (%s)%s%s\n", r->n,
		       key, got, f[5], out.why, xf ? " # TODO " : "",
		       xf ? xf->reason : "");
		if (!xf)
			r->bad++;
	}
}

/* scenario - load the zone lines up to the first case, run the cases */
static int
scenario(struct run *r, FILE *fp, const char *name)
{
	struct tm_static *st = tm_static_new();
	struct tm_resolver *res = NULL;
	struct tm_spf *spf = NULL;
	struct overlay *o = calloc(1, sizeof(*o));
	char line[8192], *f[MAX_FIELDS], why[128];
	size_t len[MAX_FIELDS];
	int n;

	if (st == NULL || o == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		n = split(line, f, len);
		if (f[0][0] == 'E')
			break;
		if (f[0][0] == 'Z' && n == 4 && len[3] != strlen(f[3])) {
			if (overlay_add(o, f[1], f[3], len[3]) < 0)
				return -1;
		} else if (f[0][0] == 'Z' && n == 4) {
			if (tm_static_add(st, f[1], rrtype(f[2]), f[3], 3600) < 0)
				printf("# %s: bad record %s %s %s\n", name,
				       f[1], f[2], f[3]);
		} else if (f[0][0] == 'T' && n == 2)
			tm_static_timeout(st, f[1]);
		else if (f[0][0] == 'C' && n == 6) {
			if (spf == NULL) {
				o->inner = tm_static_resolver(st);
				st = NULL;
				res = tm_resolver_wrap(&overlay_ops, o);
				o = NULL;
				if (res == NULL || (spf = tm_spf_new(res, why,
						sizeof(why))) == NULL)
					return -1;
			}
			run_case(r, spf, name, f);
		}
	}
	tm_spf_free(spf);
	tm_resolver_free(res);
	if (st)
		tm_resolver_free(tm_static_resolver(st));
	if (o)
		overlay_free(o);
	return 0;
}

int
main(int argc, char **argv)
{
	struct run r;
	char line[8192], *f[MAX_FIELDS];
	size_t len[MAX_FIELDS];
	FILE *fp;
	int opt = 1;

	memset(&r, 0, sizeof(r));
	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		r.timing = atoi(argv[2]);
		opt = 3;
	}
	if (argc <= opt || (fp = fopen(argv[opt], "r")) == NULL) {
		fprintf(stderr, "usage: spf-suite [-t N] SUITE.txt "
			"[EXPECTED-FAILURES]\n");
		return 2;
	}
	xfails_load(&r.xf, argc > opt + 1 ? argv[opt + 1] : NULL);
	while (fgets(line, sizeof(line), fp)) {
		if (split(line, f, len) == 2 && f[0][0] == 'S' &&
		    scenario(&r, fp, f[1]) < 0) {
			printf("Bail out! out of memory\n");
			return 1;
		}
	}
	fclose(fp);
	if (r.timing) {
		printf("%.0f checks, %.2f us per check\n", r.checks,
		       r.usec / r.checks);
		return 0;
	}
	for (size_t i = 0; i < r.xf.n; i++)
		if (!r.xf.v[i].seen) {
			printf("not ok %d - expected-failures names %s: no "
			       "such case\n", ++r.n, r.xf.v[i].key);
			r.bad++;
		}
	printf("1..%d\n# score: %d/%d\n", r.n, r.passed, r.cases);
	return r.bad ? 1 : 0;
}
