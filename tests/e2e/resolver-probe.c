/*
 * resolver-probe.c - run lookups through one tm_resolver (libunbound
 * backend and the shared cache) and print what came back; used by
 * t-resolver.sh.
 *
 * usage: resolver-probe [-t THREADS] NAMESERVER TIMEOUT_MS NAME TYPE...
 *
 * NAMESERVER is "IP" or "IP@PORT", or "-" for /etc/resolv.conf.  Each
 * query gets a deadline TIMEOUT_MS from its start.  TYPE is A, AAAA, MX,
 * TXT, PTR, CNAME, NS, SOA or a number.  The pair "@sleep MS" pauses.
 * Queries run in order on the same resolver, so repeats come from the
 * cache.  With -t N, N threads run the whole list at once, thread k
 * starting at pair k*PAIRS/N (so that different names are in flight).
 *
 * One line per query (texts JSON-like: \" \\ escaped, other bytes outside
 * 0x20..0x7e as \xHH):
 *   NAME TYPE status=ok ttl=N n=K texts=["..."] ms=M [why="..."]
 * and at the end:
 *   stats queries=Q cache_hits=C upstream=U
 * Exit 0, 1 on usage or when the resolver cannot be made (reason on
 * stderr), 2 when a query ran out of memory.
 */

#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dns/resolver.h"

struct probe {
	struct tm_resolver *r;
	long timeout_ms;
	char **pairs;			/* NAME TYPE NAME TYPE ... */
	int npairs;
	int nthreads;
	int failed;			/* an answer was NULL (under out_lock) */
};

struct worker {
	struct probe *p;
	pthread_t tid;
	int first;			/* pair to start at */
};

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct {
	const char *name;
	int type;
} types[] = {
	{ "A", TM_DNS_A }, { "NS", TM_DNS_NS }, { "CNAME", TM_DNS_CNAME },
	{ "SOA", TM_DNS_SOA }, { "PTR", TM_DNS_PTR }, { "MX", TM_DNS_MX },
	{ "TXT", TM_DNS_TXT }, { "AAAA", TM_DNS_AAAA },
};

/* type_number - RR type from its name or number; -1 if unknown */
static int
type_number(const char *s)
{
	size_t i;
	char *end;
	long n;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(s, types[i].name) == 0)
			return types[i].type;
	n = strtol(s, &end, 10);
	return *s && *end == 0 && n > 0 && n < 65536 ? (int)n : -1;
}

/* quote - s in double quotes, escaped as the header comment says */
static void
quote(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', fp);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			fprintf(fp, "\\x%02x", *p);
		else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

/* ms_since - milliseconds from t0 to now (monotonic) */
static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 +
		(t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* one_query - run pair i and print its line */
static void
one_query(struct probe *p, int i)
{
	const char *name = p->pairs[2 * i], *tname = p->pairs[2 * i + 1];
	struct timespec t0, dl;
	struct tm_dns_answer *a;
	char *line = NULL;
	size_t linelen = 0, k;
	FILE *fp;

	if (strcmp(name, "@sleep") == 0) {
		struct timespec ts;
		long ms = atol(tname);

		ts.tv_sec = ms / 1000;
		ts.tv_nsec = ms % 1000 * 1000000;
		nanosleep(&ts, NULL);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dl = t0;
	dl.tv_sec += p->timeout_ms / 1000;
	dl.tv_nsec += p->timeout_ms % 1000 * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	a = tm_resolver_query(p->r, name, type_number(tname), &dl);
	if ((fp = open_memstream(&line, &linelen)) == NULL) {
		tm_dns_answer_free(a);
		pthread_mutex_lock(&out_lock);
		p->failed = 1;
		pthread_mutex_unlock(&out_lock);
		return;
	}
	if (a == NULL) {
		fprintf(fp, "%s %s status=oom ms=%ld\n", name, tname, ms_since(&t0));
	} else {
		fprintf(fp, "%s %s status=%s ttl=%lu n=%zu texts=[", name, tname,
			tm_dns_status_name(a->status), (unsigned long)a->ttl, a->n);
		for (k = 0; k < a->n; k++) {
			if (k)
				fputc(',', fp);
			quote(fp, a->rr[k].text ? a->rr[k].text : "");
		}
		fprintf(fp, "] ms=%ld", ms_since(&t0));
		if (a->why) {
			fputs(" why=", fp);
			quote(fp, a->why);
		}
		fputc('\n', fp);
	}
	fclose(fp);
	pthread_mutex_lock(&out_lock);
	fputs(line, stdout);
	if (a == NULL)
		p->failed = 1;
	pthread_mutex_unlock(&out_lock);
	free(line);
	tm_dns_answer_free(a);
}

/* run - one thread's pass over every pair, from its own first pair */
static void *
run(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < w->p->npairs; i++)
		one_query(w->p, (w->first + i) % w->p->npairs);
	return NULL;
}

/* usage - print the synopsis and exit 1 */
static void
usage(void)
{
	fprintf(stderr, "usage: resolver-probe [-t THREADS] NAMESERVER TIMEOUT_MS "
		"NAME TYPE [NAME TYPE...]\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	struct probe p;
	struct worker *w;
	struct tm_resolver_stats st;
	char why[256] = "";
	int c, i;

	memset(&p, 0, sizeof(p));
	p.nthreads = 0;
	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c != 't' || (p.nthreads = atoi(optarg)) < 1)
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 4 || (argc - 2) % 2 != 0)
		usage();
	if ((p.timeout_ms = atol(argv[1])) <= 0)
		usage();
	p.pairs = argv + 2;
	p.npairs = (argc - 2) / 2;
	for (i = 0; i < p.npairs; i++)
		if (strcmp(p.pairs[2 * i], "@sleep") != 0 &&
		    type_number(p.pairs[2 * i + 1]) < 0) {
			fprintf(stderr, "resolver-probe: unknown type %s\n",
				p.pairs[2 * i + 1]);
			return 1;
		}
	p.r = tm_resolver_new(strcmp(argv[0], "-") ? argv[0] : NULL, why,
			      sizeof(why));
	if (p.r == NULL) {
		fprintf(stderr, "resolver-probe: %s\n", why);
		return 1;
	}
	if (p.nthreads == 0) {
		struct worker one = { &p, 0, 0 };

		run(&one);
	} else {
		if ((w = calloc((size_t)p.nthreads, sizeof(*w))) == NULL) {
			fprintf(stderr, "resolver-probe: out of memory\n");
			return 1;
		}
		for (i = 0; i < p.nthreads; i++) {
			w[i].p = &p;
			w[i].first = (int)((long)i * p.npairs / p.nthreads);
			if (pthread_create(&w[i].tid, NULL, run, &w[i]) != 0) {
				fprintf(stderr, "resolver-probe: pthread_create failed\n");
				return 1;
			}
		}
		for (i = 0; i < p.nthreads; i++)
			pthread_join(w[i].tid, NULL);
		free(w);
	}
	tm_resolver_stats(p.r, &st);
	printf("stats queries=%lu cache_hits=%lu upstream=%lu\n", st.queries,
	       st.cache_hits, st.upstream);
	tm_resolver_free(p.r);
	return p.failed ? 2 : 0;
}
