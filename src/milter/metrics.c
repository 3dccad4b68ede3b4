/*
 * metrics.c - counters by tenant and action, and their Prometheus text
 * (see metrics.h).  One mutex guards the counters; writing the file takes
 * a copy of them first, so messages never wait for the disk or for DNS.
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dkim/guard.h"
#include "metrics.h"
#include "snap.h"
#include "util/htable.h"
#include "util/log.h"

static const char *const actions[] = {
	"accept", "rewrite", "fallback", "hold", "reject", "tempfail", "other"
};
#define N_ACTIONS (sizeof(actions) / sizeof(actions[0]))

struct row {
	char *tenant;
	unsigned long n[N_ACTIONS];
	unsigned long spf_temperror;
	struct row *next;		/* every row, for the writer */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tm_htable *rows;
static struct row *all;
static size_t n_rows;
static unsigned long reloads_ok, reloads_refused, generation;
static time_t loaded_at;

/* row_of - the row of tenant, created on first use (lock held) */
static struct row *
row_of(const char *tenant)
{
	void *v;
	struct row *r;

	if (rows == NULL && (rows = tm_htable_new(64, 0)) == NULL)
		return NULL;
	if (tm_htable_get(rows, tenant, strlen(tenant), &v))
		return v;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->tenant = strdup(tenant)) == NULL ||
	    tm_htable_put(rows, tenant, strlen(tenant), r, NULL) < 0) {
		if (r)
			free(r->tenant);
		free(r);
		return NULL;
	}
	r->next = all;
	all = r;
	n_rows++;
	return r;
}

/* tm_metrics_message - see metrics.h */
void
tm_metrics_message(const char *tenant, const char *action, int spf_temperror)
{
	struct row *r;
	size_t i;

	for (i = 0; i + 1 < N_ACTIONS && strcmp(actions[i], action ? action : ""); i++)
		;
	pthread_mutex_lock(&lock);
	if ((r = row_of(tenant && *tenant ? tenant : "-")) != NULL) {
		r->n[i]++;
		if (spf_temperror)
			r->spf_temperror++;
	}
	pthread_mutex_unlock(&lock);
}

/* tm_metrics_reload - see metrics.h */
void
tm_metrics_reload(int ok)
{
	pthread_mutex_lock(&lock);
	if (ok)
		reloads_ok++;
	else
		reloads_refused++;
	pthread_mutex_unlock(&lock);
}

/* tm_metrics_loaded - see metrics.h */
void
tm_metrics_loaded(unsigned long gen)
{
	pthread_mutex_lock(&lock);
	generation = gen;
	loaded_at = time(NULL);
	pthread_mutex_unlock(&lock);
}

/* copy_rows - the counters as they are now; caller frees; NULL + *n 0 */
static struct row *
copy_rows(size_t *n, unsigned long *ok, unsigned long *refused,
	  unsigned long *gen, time_t *at)
{
	struct row *v, *r;
	size_t i = 0;

	pthread_mutex_lock(&lock);
	*ok = reloads_ok;
	*refused = reloads_refused;
	*gen = generation;
	*at = loaded_at;
	if ((v = calloc(n_rows ? n_rows : 1, sizeof(*v))) != NULL)
		for (r = all; r && i < n_rows; r = r->next)
			v[i++] = *r;		/* tenant borrowed: rows live forever */
	*n = v ? i : 0;
	pthread_mutex_unlock(&lock);
	return v;
}

/* keys - the guard's state of each signing key, from the resolver cache */
static void
keys(FILE *f, const struct tm_snap *s)
{
	struct timespec deadline;
	size_t i, j;

	fprintf(f, "# HELP tenant_milter_dkim_key DMARC guard: state of each "
		"configured DKIM key in DNS (published, unpublished, mismatch, unknown).\n"
		"# TYPE tenant_milter_dkim_key gauge\n");
	for (i = 0; i <= s->conf->n_tenants; i++) {
		const struct tm_tenant *t = i < s->conf->n_tenants ?
			s->conf->tenants[i] : NULL;
		const struct tm_dkim_list *dl = t ? &t->dkim : &s->conf->provider.dkim;

		if (t && t->mode == TM_MODE_PROVIDER)
			continue;
		for (j = 0; j < dl->n; j++) {
			const struct tm_dkim *d = &dl->v[j];
			enum tm_pub_state st = TM_PUB_UNKNOWN;

			clock_gettime(CLOCK_MONOTONIC, &deadline);
			deadline.tv_nsec += 100 * 1000 * 1000;	/* the cache answers */
			if (deadline.tv_nsec >= 1000000000L) {
				deadline.tv_sec++;
				deadline.tv_nsec -= 1000000000L;
			}
			if (d->key)
				st = tm_guard_key_state(s->resolver, d, &deadline,
							NULL, NULL, 0);
			fprintf(f, "tenant_milter_dkim_key{tenant=\"%s\",domain=\"%s\","
				"selector=\"%s\",state=\"%s\"} 1\n",
				t ? t->id : "provider", d->domain ? d->domain : "",
				d->selector, d->key ? tm_pub_state_name(st) : "unusable");
		}
	}
}

/* render - the whole exposition */
static void
render(FILE *f)
{
	unsigned long ok, refused, gen;
	struct tm_snap *s = tm_snap_acquire();
	struct row *v;
	time_t at;
	size_t n, i, a;

	v = copy_rows(&n, &ok, &refused, &gen, &at);
	fprintf(f, "# HELP tenant_milter_config_generation Configuration in force: "
		"1 at start, +1 per reload.\n# TYPE tenant_milter_config_generation gauge\n"
		"tenant_milter_config_generation %lu\n", gen);
	fprintf(f, "# HELP tenant_milter_config_load_timestamp_seconds When it was "
		"loaded.\n# TYPE tenant_milter_config_load_timestamp_seconds gauge\n"
		"tenant_milter_config_load_timestamp_seconds %lld\n", (long long)at);
	fprintf(f, "# HELP tenant_milter_config_tenants Tenants in the configuration.\n"
		"# TYPE tenant_milter_config_tenants gauge\n"
		"tenant_milter_config_tenants %zu\n", s ? s->conf->n_tenants : 0);
	fprintf(f, "# HELP tenant_milter_reloads_total Reloads (SIGHUP), published "
		"or refused.\n# TYPE tenant_milter_reloads_total counter\n"
		"tenant_milter_reloads_total{result=\"ok\"} %lu\n"
		"tenant_milter_reloads_total{result=\"refused\"} %lu\n", ok, refused);
	fprintf(f, "# HELP tenant_milter_messages_total Messages decided, by tenant "
		"(\"-\": unknown) and action.\n# TYPE tenant_milter_messages_total counter\n");
	for (i = 0; i < n; i++)
		for (a = 0; a < N_ACTIONS; a++)
			if (v[i].n[a])
				fprintf(f, "tenant_milter_messages_total{tenant=\"%s\","
					"action=\"%s\"} %lu\n", v[i].tenant, actions[a],
					v[i].n[a]);
	fprintf(f, "# HELP tenant_milter_spf_temperror_total Messages whose SPF "
		"check met a DNS error.\n# TYPE tenant_milter_spf_temperror_total counter\n");
	for (i = 0; i < n; i++)
		if (v[i].spf_temperror)
			fprintf(f, "tenant_milter_spf_temperror_total{tenant=\"%s\"} %lu\n",
				v[i].tenant, v[i].spf_temperror);
	if (s)
		keys(f, s);
	fprintf(f, "# HELP tenant_milter_metrics_timestamp_seconds When this file "
		"was written.\n# TYPE tenant_milter_metrics_timestamp_seconds gauge\n"
		"tenant_milter_metrics_timestamp_seconds %lld\n", (long long)time(NULL));
	tm_snap_release(s);
	free(v);
}

/* tm_metrics_write - see metrics.h */
int
tm_metrics_write(const char *path)
{
	char tmp[4200];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    (f = fopen(tmp, "w")) == NULL)
		goto fail;
	render(f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	tm_log(TM_LOG_WARNING, "metrics file %s: %s", path, strerror(errno));
	unlink(tmp);
	return -1;
}
