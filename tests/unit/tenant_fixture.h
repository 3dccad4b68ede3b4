#ifndef TM_TENANT_FIXTURE_H
#define TM_TENANT_FIXTURE_H

/*
 * tenant_fixture - tenants and configurations built by hand for
 * test_tenant and test_tenant_scale (no conf.c): struct spec rows become
 * struct tm_tenant, with a small CIDR parser of our own; and the checks
 * of a lookup result.
 *
 * The helpers fail the running test through ck_assert on any error (out
 * of memory included).
 */

#include <stddef.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "conf/tenant_index.h"

#define MAXV 4

/* One tenant as written in a test table; arrays end at the first NULL. */
struct spec {
	const char *id;
	const char *sasl[MAXV];
	const char *header;
	const char *nets[MAXV];
	const char *domains[MAXV];
	const char *allowed[MAXV];
	const char *provider_domain;
};

/* tf_xstrdup - strdup or fail the test */
char *tf_xstrdup(const char *s);

/* tf_xcalloc - calloc or fail the test (n may be 0) */
void *tf_xcalloc(size_t n, size_t size);

/* tf_parse_cidr - "a.b.c.d/n", "x::/n" or a bare address, masked; 0 or -1 */
int tf_parse_cidr(const char *text, struct tm_cidr *c);

/* tf_tenant_free - free a tenant built by the fixture or by hand */
void tf_tenant_free(struct tm_tenant *t);

/*
 * tf_conf_of - a configuration holding n tenants made from specs, tenant
 * i in file tenants.d/ID.conf at line i + 1; tf_conf_free() frees it
 */
struct tm_conf *tf_conf_of(const struct spec *specs, size_t n);

/* tf_conf_free - free tf_conf_of's result and its index */
void tf_conf_free(struct tm_conf *conf);

/* tf_build_clean - index conf into conf->index, expecting no error at all */
void tf_build_clean(struct tm_conf *conf);

/* tf_id_of - a tenant's id, or "(none)" */
const char *tf_id_of(const struct tm_tenant *t);

/* tf_check_id - lookup result t names want (NULL: not found) */
void tf_check_id(const char *what, const char *key, const struct tm_tenant *t,
		 const char *want);

/* tf_sockaddr_of - a client address as a sockaddr in ss; returns ss */
const struct sockaddr *tf_sockaddr_of(const char *text,
				      struct sockaddr_storage *ss);

#endif
