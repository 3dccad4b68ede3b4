/*
 * tenant_fixture.c - hand-built tenants for the tenant index tests.
 *
 * A struct spec row (id, SASL users, header value, networks, sender
 * domains, sender.allowed, provider domain) becomes a heap struct
 * tm_tenant; a table of rows becomes a struct tm_conf.  Networks are
 * parsed here, not by conf.c, so the tests do not depend on it.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <check.h>

#include "conf/conf.h"
#include "util/err.h"
#include "conf/tenant_index.h"
#include "tenant_fixture.h"

/* tf_xstrdup - strdup or fail the test */
char *
tf_xstrdup(const char *s)
{
	char *p = strdup(s);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* tf_xcalloc - calloc or fail the test */
void *
tf_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* tf_parse_cidr - "a.b.c.d/n", "x::/n" or a bare address, masked; 0 or -1 */
int
tf_parse_cidr(const char *text, struct tm_cidr *c)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	int max, i;

	if (strlen(text) >= sizeof(buf))
		return -1;
	strcpy(buf, text);
	memset(c, 0, sizeof(*c));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else {
		return -1;
	}
	c->prefix = slash ? atoi(slash) : max;
	if (c->prefix < 0 || c->prefix > max)
		return -1;
	for (i = c->prefix; i < 128; i++)
		c->addr[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
	return 0;
}

/* strv_of - a tm_strv copy of a NULL-terminated array */
static void
strv_of(struct tm_strv *sv, const char *const *v)
{
	size_t n = 0, i;

	while (n < MAXV && v[n] != NULL)
		n++;
	sv->v = tf_xcalloc(n, sizeof(char *));
	for (i = 0; i < n; i++)
		sv->v[i] = tf_xstrdup(v[i]);
	sv->n = n;
}

/* tenant_of - a heap tenant from a spec; file tenants.d/ID.conf */
static struct tm_tenant *
tenant_of(const struct spec *s, int line)
{
	struct tm_tenant *t = tf_xcalloc(1, sizeof(*t));
	char file[128];
	size_t n = 0, j;

	t->id = tf_xstrdup(s->id);
	snprintf(file, sizeof(file), "tenants.d/%s.conf", s->id);
	t->file = tf_xstrdup(file);
	t->line = line;
	strv_of(&t->match.sasl_users, s->sasl);
	t->match.header = s->header ? tf_xstrdup(s->header) : NULL;
	while (n < MAXV && s->nets[n] != NULL)
		n++;
	t->match.networks = tf_xcalloc(n, sizeof(struct tm_cidr));
	for (j = 0; j < n; j++)
		ck_assert_msg(tf_parse_cidr(s->nets[j],
					     &t->match.networks[j]) == 0,
			      "bad network %s", s->nets[j]);
	t->match.n_networks = n;
	strv_of(&t->match.sender_domains, s->domains);
	strv_of(&t->sender.allowed, s->allowed);
	t->provider_domain = s->provider_domain ? tf_xstrdup(s->provider_domain)
						: NULL;
	return t;
}

/* strv_free - free a tm_strv built by strv_of or by hand */
static void
strv_free(struct tm_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
}

/* tf_tenant_free - free a tenant built by tenant_of */
void
tf_tenant_free(struct tm_tenant *t)
{
	free(t->id);
	free(t->file);
	strv_free(&t->match.sasl_users);
	free(t->match.header);
	free(t->match.networks);
	strv_free(&t->match.sender_domains);
	strv_free(&t->sender.allowed);
	free(t->provider_domain);
	free(t);
}

/* tf_conf_of - a configuration holding n tenants (line of tenant i: i + 1) */
struct tm_conf *
tf_conf_of(const struct spec *specs, size_t n)
{
	struct tm_conf *conf = tf_xcalloc(1, sizeof(*conf));
	size_t i;

	conf->tenants = tf_xcalloc(n, sizeof(*conf->tenants));
	for (i = 0; i < n; i++)
		conf->tenants[i] = tenant_of(&specs[i], (int)i + 1);
	conf->n_tenants = n;
	return conf;
}

/* tf_conf_free - free tf_conf_of's result and its index */
void
tf_conf_free(struct tm_conf *conf)
{
	size_t i;

	tm_index_free(conf->index);
	for (i = 0; i < conf->n_tenants; i++)
		tf_tenant_free(conf->tenants[i]);
	free(conf->tenants);
	free(conf);
}

/* tf_build_clean - index conf into conf->index, expecting no error at all */
void
tf_build_clean(struct tm_conf *conf)
{
	struct tm_err err;
	char buf[512];

	tm_err_init(&err);
	conf->index = tm_index_build(conf, &err);
	ck_assert_ptr_nonnull(conf->index);
	if (err.n > 0)
		tm_err_format(&err.items[0], buf, sizeof(buf));
	ck_assert_msg(err.n == 0, "got %zu errors (first: %s), want 0",
		      err.n, err.n ? buf : "");
	tm_err_fini(&err);
}

/* tf_id_of - a tenant's id, or "(none)" */
const char *
tf_id_of(const struct tm_tenant *t)
{
	return t ? t->id : "(none)";
}

/* tf_check_id - lookup result t names want (NULL: not found) */
void
tf_check_id(const char *what, const char *key, const struct tm_tenant *t,
	    const char *want)
{
	ck_assert_msg((t == NULL && want == NULL) ||
		      (t != NULL && want != NULL && strcmp(t->id, want) == 0),
		      "%s \"%s\": got %s, want %s", what, key, tf_id_of(t),
		      want ? want : "(none)");
}

/* tf_sockaddr_of - a client address as a sockaddr */
const struct sockaddr *
tf_sockaddr_of(const char *text, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else
		ck_abort_msg("bad address %s", text);
	return (const struct sockaddr *)ss;
}
