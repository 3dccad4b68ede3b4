/*
 * status.c - `tenantctl status`: the running daemon's counters, key
 * states and configuration generation, as a table, from the metrics file
 * it writes (metrics.file, Prometheus text format):
 *
 *   configuration generation 3, 5 tenants, loaded 2026-12-01 08:30:00 UTC
 *   reloads: 2 ok, 1 refused; written 2026-12-01 08:31:02 UTC (3 s ago)
 *
 *   TENANT     ACCEPT REWRITE FALLBACK HOLD REJECT TEMPFAIL OTHER SPF-TEMPERROR
 *   acme            5       1        0    0      0        0     0             0
 *
 *   KEY                         TENANT     STATE
 *   acme.example/s1             acme       published
 *
 * Exit 0 shown; 1 bad usage, configuration without metrics.file, or a
 * file that cannot be read; 2 the file is stale (older than three write
 * intervals: the daemon is probably not running).
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "tctl.h"
#include "util/err.h"

#define MAX_ROWS 100000
static const char *const actions[] = {
	"accept", "rewrite", "fallback", "hold", "reject", "tempfail", "other"
};
#define N_ACTIONS 7

struct trow {
	char tenant[80];
	unsigned long n[N_ACTIONS + 1];		/* + spf temperror */
};

struct tkey {
	char tenant[80], domain[256], selector[80], state[16];
};

struct st {
	double gen, loaded, tenants, ok, refused, written;
	struct trow *rows;
	size_t n_rows;
	struct tkey *keys;
	size_t n_keys;
};

/* label - the value of label NAME in "{a=\"x\",b=\"y\"}" into buf */
static void
label(const char *labels, const char *name, char *buf, size_t len)
{
	char want[64];
	const char *p;
	size_t o = 0;

	buf[0] = '\0';
	snprintf(want, sizeof(want), "%s=\"", name);
	for (p = labels; (p = strstr(p, want)) != NULL; p++)
		if (p == labels || p[-1] == '{' || p[-1] == ',')
			break;
	if (p == NULL)
		return;
	for (p += strlen(want); *p && *p != '"' && o + 1 < len; p++) {
		if (*p == '\\' && p[1])
			p++;
		buf[o++] = *p;
	}
	buf[o] = '\0';
}

/* row - the row of tenant, appended when new */
static struct trow *
row(struct st *s, const char *tenant)
{
	struct trow *v;
	size_t i;

	for (i = 0; i < s->n_rows; i++)
		if (strcmp(s->rows[i].tenant, tenant) == 0)
			return &s->rows[i];
	if (s->n_rows >= MAX_ROWS ||
	    (v = realloc(s->rows, (s->n_rows + 1) * sizeof(*v))) == NULL)
		return NULL;
	s->rows = v;
	memset(&v[s->n_rows], 0, sizeof(*v));
	snprintf(v[s->n_rows].tenant, sizeof(v->tenant), "%s", tenant);
	return &v[s->n_rows++];
}

/* parse_line - one sample line */
static void
parse_line(struct st *s, char *line)
{
	char name[96], tenant[80], action[32], *lab, *val;
	struct trow *r;
	struct tkey *k;
	double v;
	int i;

	if (line[0] == '#' || line[0] == '\0' || (val = strrchr(line, ' ')) == NULL)
		return;
	*val++ = '\0';
	v = strtod(val, NULL);
	lab = strchr(line, '{');
	snprintf(name, sizeof(name), "%.*s", (int)(lab ? lab - line : (long)strlen(line)), line);
	lab = lab ? lab : (char *)"";
	if (strcmp(name, "tenant_milter_config_generation") == 0)
		s->gen = v;
	else if (strcmp(name, "tenant_milter_config_load_timestamp_seconds") == 0)
		s->loaded = v;
	else if (strcmp(name, "tenant_milter_config_tenants") == 0)
		s->tenants = v;
	else if (strcmp(name, "tenant_milter_metrics_timestamp_seconds") == 0)
		s->written = v;
	else if (strcmp(name, "tenant_milter_reloads_total") == 0) {
		label(lab, "result", action, sizeof(action));
		if (strcmp(action, "ok") == 0)
			s->ok = v;
		else
			s->refused = v;
	} else if (strcmp(name, "tenant_milter_messages_total") == 0 ||
		   strcmp(name, "tenant_milter_spf_temperror_total") == 0) {
		label(lab, "tenant", tenant, sizeof(tenant));
		label(lab, "action", action, sizeof(action));
		if ((r = row(s, tenant)) == NULL)
			return;
		if (name[14] == 's') {		/* spf_temperror */
			r->n[N_ACTIONS] = (unsigned long)v;
			return;
		}
		for (i = 0; i < N_ACTIONS - 1 && strcmp(actions[i], action); i++)
			;
		r->n[i] = (unsigned long)v;
	} else if (strcmp(name, "tenant_milter_dkim_key") == 0) {
		if ((k = realloc(s->keys, (s->n_keys + 1) * sizeof(*k))) == NULL)
			return;
		s->keys = k;
		k = &k[s->n_keys++];
		label(lab, "tenant", k->tenant, sizeof(k->tenant));
		label(lab, "domain", k->domain, sizeof(k->domain));
		label(lab, "selector", k->selector, sizeof(k->selector));
		label(lab, "state", k->state, sizeof(k->state));
	}
}

static int
by_tenant(const void *a, const void *b)
{
	return strcmp(((const struct trow *)a)->tenant, ((const struct trow *)b)->tenant);
}

/* when - "2026-12-01 08:30:00 UTC" */
static const char *
when(double t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return "never";
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

/* show - the table */
static void
show(struct st *s)
{
	char b1[40], b2[40], dk[340];
	size_t i, a;

	printf("configuration generation %.0f, %.0f tenants, loaded %s\n", s->gen,
	       s->tenants, when(s->loaded, b1, sizeof(b1)));
	printf("reloads: %.0f ok, %.0f refused; written %s (%.0f s ago)\n\n", s->ok,
	       s->refused, when(s->written, b2, sizeof(b2)),
	       (double)time(NULL) - s->written);
	qsort(s->rows, s->n_rows, sizeof(*s->rows), by_tenant);
	printf("%-20s", "TENANT");
	for (a = 0; a < N_ACTIONS; a++) {
		char up[16];
		size_t j;

		for (j = 0; actions[a][j] && j + 1 < sizeof(up); j++)
			up[j] = (char)(actions[a][j] - 32);
		up[j] = '\0';
		printf(" %8s", up);
	}
	printf(" %13s\n", "SPF-TEMPERROR");
	for (i = 0; i < s->n_rows; i++) {
		printf("%-20s", s->rows[i].tenant);
		for (a = 0; a < N_ACTIONS; a++)
			printf(" %8lu", s->rows[i].n[a]);
		printf(" %13lu\n", s->rows[i].n[N_ACTIONS]);
	}
	printf("\n%-40s %-20s %s\n", "KEY", "TENANT", "STATE");
	for (i = 0; i < s->n_keys; i++) {
		snprintf(dk, sizeof(dk), "%s/%s", s->keys[i].domain, s->keys[i].selector);
		printf("%-40s %-20s %s\n", dk, s->keys[i].tenant, s->keys[i].state);
	}
}

/* tctl_status - see the top of this file */
int
tctl_status(const char *path, int argc, char **argv)
{
	struct st s = { 0 };
	struct tm_conf *conf;
	struct tm_err err;
	char line[2048];
	int rc = 0, interval;
	FILE *f;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: tenantctl [-c FILE] status\n");
		return 1;
	}
	tm_err_init(&err);
	conf = tm_conf_load(path, &err);
	if (conf == NULL) {
		tm_err_print(&err, stderr);
		tm_err_fini(&err);
		return 1;
	}
	tm_err_fini(&err);
	if (conf->metrics.file == NULL) {
		fprintf(stderr, "tenantctl status: %s sets no metrics.file: the daemon "
			"writes no status (metrics = { file = \"...\"; };)\n", path);
		tm_conf_free(conf);
		return 1;
	}
	interval = conf->metrics.interval;
	if ((f = fopen(conf->metrics.file, "r")) == NULL) {
		fprintf(stderr, "tenantctl status: %s: cannot read it (is the daemon "
			"running?)\n", conf->metrics.file);
		tm_conf_free(conf);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		parse_line(&s, line);
	}
	fclose(f);
	show(&s);
	if ((double)time(NULL) - s.written > 3.0 * interval) {
		fprintf(stderr, "tenantctl status: %s is stale (written %.0f s ago, every "
			"%d s): is the daemon running?\n", conf->metrics.file,
			(double)time(NULL) - s.written, interval);
		rc = 2;
	}
	free(s.rows);
	free(s.keys);
	tm_conf_free(conf);
	return rc;
}
