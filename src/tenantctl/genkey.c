/*
 * genkey.c - `tenantctl genkey TENANT --selector S [--algorithm A] [--force]`
 * and `tenantctl genkey --provider --selector S ...`: a new DKIM key pair.
 *
 * The private key goes where the tenant's (or provider's) `dkim` entry
 * for S names it; without such an entry, next to the other keys of that
 * list as S.key, else to keys/TENANT/S.key beside the tenants directory
 * (keys/provider/S.key beside the main file for the provider).  Missing
 * directories are made 0700, the key 0600, both owned like the main
 * configuration file when run as root.  An existing key is replaced only
 * with --force.  Prints the DNS record in zone-file form and as one
 * string, and the `dkim` entry to add when there is none yet; never the
 * private key.  Exit 0 done, 1 bad usage, unknown tenant, configuration
 * or file problem.
 */

#include "config.h"

#include <sys/stat.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "dkim/keygen.h"
#include "dns/dnsname.h"
#include "dkim/keys.h"
#include "util/err.h"
#include "util/strv.h"
#include "tctl.h"

struct req {
	const char *tenant;		/* NULL with --provider */
	const char *selector;
	const char *algorithm;		/* NULL: the entry's, else rsa-2048 */
	int force, provider;
};

/* usage - exit code 1 */
static int
usage(void)
{
	fprintf(stderr, "usage: tenantctl [-c FILE] genkey TENANT --selector S "
		"[--algorithm rsa-2048|rsa-3072|ed25519] [--force]\n"
		"       tenantctl [-c FILE] genkey --provider --selector S "
		"[--algorithm ...] [--force]\n");
	return 1;
}

/* args - parse the command line; 0 ok, -1 usage */
static int
args(int argc, char **argv, struct req *r)
{
	static const struct option opts[] = {
		{ "selector", required_argument, NULL, 's' },
		{ "algorithm", required_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "provider", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(r, 0, sizeof(*r));
	optind = 0;	/* glibc: re-initialize (main used "+" ordering) */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': r->selector = optarg; break;
		case 'a': r->algorithm = optarg; break;
		case 'f': r->force = 1; break;
		case 'p': r->provider = 1; break;
		default: return -1;
		}
	}
	if (!r->provider && optind < argc)
		r->tenant = argv[optind++];
	if (optind != argc || r->selector == NULL || (!r->provider) != (r->tenant != NULL))
		return -1;
	return 0;
}

/* selector_ok - RFC 6376 3.1: dot-separated labels of [A-Za-z0-9-_] */
static int
selector_ok(const char *s)
{
	return tm_dnsname_ok_str(s, TM_DNSNAME_UNDERSCORE | TM_DNSNAME_EDGE_HYPHEN, 1);
}

/* find - the entry of list for selector, or NULL */
static const struct tm_dkim *
find(const struct tm_dkim_list *dl, const char *selector)
{
	size_t i;

	for (i = 0; i < dl->n; i++)
		if (strcmp(dl->v[i].selector, selector) == 0)
			return &dl->v[i];
	return NULL;
}

/*
 * default_path - next to the list's other keys, else base/fallback_dir;
 * caller frees.
 */
static char *
default_path(const struct tm_dkim_list *dl, const char *base,
	     const char *fallback_dir, const char *selector)
{
	char *dir = NULL, *rel = NULL, *path = NULL;
	size_t i;

	for (i = 0; i < dl->n && dir == NULL; i++)
		if (dl->v[i].key_path)
			dir = tm_path_dir(dl->v[i].key_path);
	if (dir == NULL)
		dir = tm_path_join(base, fallback_dir);
	if (dir && asprintf(&rel, "%s/%s.key", dir, selector) < 0)
		rel = NULL;
	path = rel;
	free(dir);
	return path;
}

/* written - path as to write it in the file of directory base */
static const char *
written(const char *path, const char *base)
{
	size_t n = strlen(base);

	if (strcmp(base, ".") != 0 && strncmp(path, base, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

/* print - the records and, when needed, the entry to add */
static int
print(const struct req *r, const char *domain, const char *path,
      const char *file, const char *base, int declared)
{
	char why[TM_KEY_MSG], warn[TM_KEY_MSG], *txt = NULL, *zone = NULL;
	struct tm_key *key = tm_key_load(path, TM_ALG_AUTO, why, warn, sizeof(why));
	int rc = 1;

	if (key == NULL) {
		fprintf(stderr, "tenantctl genkey: the new key does not load: %s\n", why);
		return 1;
	}
	if ((txt = tm_key_txt(key)) == NULL ||
	    (zone = tm_key_txt_zone(r->selector, domain, txt)) == NULL) {
		fprintf(stderr, "tenantctl genkey: out of memory\n");
		goto out;
	}
	printf("%s: new %s key for %s, selector %s: %s (mode 0600)\n\n",
	       r->provider ? "provider" : r->tenant,
	       key->alg == TM_ALG_ED25519_SHA256 ? "ed25519" : "rsa",
	       domain, r->selector, path);
	printf("DNS record, zone-file form:\n%s\n\n", zone);
	printf("The same record as one string (DNS web forms), name "
	       "%s._domainkey.%s:\n%s\n", r->selector, domain, txt);
	if (!declared && r->provider)
		printf("\nAdd to %s, inside provider = { dkim = ( ... ) }:\n"
		       "  { selector = \"%s\"; key = \"%s\"; }\n", file,
		       r->selector, written(path, base));
	else if (!declared)
		printf("\nAdd to %s, inside dkim = ( ... ):\n  { domain = \"%s\"; "
		       "selector = \"%s\"; key = \"%s\"; }\n", file, domain,
		       r->selector, written(path, base));
	if (!declared)
		printf("(sign with it only once the record is published: the "
		       "DMARC guard skips an unpublished key)\n");
	rc = 0;
out:
	free(zone);
	free(txt);
	tm_key_free(key);
	return rc;
}

/* owner_of - the main file's owner when root, else keep the caller's */
static void
owner_of(const char *file, struct tm_keygen_owner *o)
{
	struct stat st;

	o->uid = (uid_t)-1;
	o->gid = (gid_t)-1;
	if (geteuid() == 0 && stat(file, &st) == 0) {
		o->uid = st.st_uid;
		o->gid = st.st_gid;
	}
}

/* make - choose algorithm, check the path, write the key */
static int
make(const struct req *r, const struct tm_dkim *d, const char *path,
     const char *conf_file)
{
	struct tm_keygen_owner owner;
	enum tm_dkim_alg alg = TM_ALG_RSA_SHA256;
	char why[TM_KEY_MSG], *dir;
	struct stat st;
	int bits = 2048, rc;

	if (r->algorithm && tm_keygen_alg(r->algorithm, &alg, &bits) < 0) {
		fprintf(stderr, "tenantctl genkey: --algorithm %s: must be "
			"rsa-2048, rsa-3072 or ed25519\n", r->algorithm);
		return 1;
	}
	if (d && r->algorithm == NULL && d->alg == TM_ALG_ED25519_SHA256)
		alg = TM_ALG_ED25519_SHA256;
	if (d && r->algorithm && d->alg != TM_ALG_AUTO && d->alg != alg) {
		fprintf(stderr, "%s:%d: the entry for selector %s says algorithm "
			"= \"%s\"; --algorithm %s does not match it\n", d->file,
			d->line, r->selector, tm_alg_name(d->alg), r->algorithm);
		return 1;
	}
	if (!r->force && lstat(path, &st) == 0) {
		fprintf(stderr, "tenantctl genkey: %s exists; not overwritten "
			"(--force replaces it; the published record of the old "
			"key then no longer matches)\n", path);
		return 1;
	}
	owner_of(conf_file, &owner);
	if ((dir = tm_path_dir(path)) == NULL)
		return 1;
	rc = tm_keygen_mkdirs(dir, &owner, why, sizeof(why));
	free(dir);
	if (rc == 0)
		rc = tm_keygen_write(path, alg, bits, r->force ? TM_KEYGEN_FORCE : 0,
				     &owner, why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "tenantctl genkey: %s\n", why);
		return 1;
	}
	return 0;
}

/* run - with the configuration loaded */
static int
run(const struct req *r, const struct tm_conf *conf)
{
	const struct tm_dkim_list *dl = &conf->provider.dkim;
	const struct tm_tenant *t = NULL;
	const struct tm_dkim *d;
	const char *domain = conf->provider.domain, *file = conf->file, *at;
	char *base = NULL, *path = NULL, *fb = NULL;
	int rc = 1;

	if (!r->provider) {
		if ((t = tm_conf_tenant(conf, r->tenant)) == NULL) {
			fprintf(stderr, "tenantctl genkey: no tenant \"%s\" (no "
				"%s/%s.conf)\n", r->tenant, conf->tenants_dir, r->tenant);
			return 1;
		}
		if (t->mode == TM_MODE_PROVIDER) {
			fprintf(stderr, "tenantctl genkey: tenant %s is in provider "
				"mode and signs with the provider's keys (tenantctl "
				"genkey --provider)\n", t->id);
			return 1;
		}
		dl = &t->dkim;
		file = t->file;
		at = t->sender.from ? strrchr(t->sender.from, '@') : NULL;
		domain = at ? at + 1 : NULL;
	}
	d = find(dl, r->selector);
	if (d && d->domain)
		domain = d->domain;
	if (domain == NULL) {
		fprintf(stderr, "tenantctl genkey: tenant %s has no sender.from: "
			"which domain?\n", r->tenant);
		return 1;
	}
	if ((base = tm_path_dir(file)) == NULL ||
	    asprintf(&fb, r->provider ? "keys/provider" : "../keys/%s",
		     r->tenant) < 0) {
		fb = NULL;
		goto out;
	}
	path = d && d->key_path ? strdup(d->key_path) :
		default_path(dl, base, fb, r->selector);
	if (path && make(r, d, path, conf->file) == 0)
		rc = print(r, domain, path, file, base, d != NULL);
out:
	free(path);
	free(fb);
	free(base);
	return rc;
}

/* tctl_genkey - a new key pair for a tenant or the provider */
int
tctl_genkey(const char *conf_path, int argc, char **argv)
{
	struct tm_conf *conf;
	struct tm_err err;
	struct req r;
	int rc;

	if (args(argc, argv, &r) < 0)
		return usage();
	if (!selector_ok(r.selector)) {
		fprintf(stderr, "tenantctl genkey: selector \"%s\": not a DKIM "
			"selector (labels of letters, digits, '-', '_')\n",
			r.selector);
		return 1;
	}
	tm_err_init(&err);
	if ((conf = tm_conf_load(conf_path, &err)) == NULL) {
		tm_err_print(&err, stderr);
		tm_err_fini(&err);
		return 1;
	}
	rc = run(&r, conf);
	tm_conf_free(conf);
	tm_err_fini(&err);
	return rc;
}
