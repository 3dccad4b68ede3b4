/*
 * conf.c - the settings tables of the main file and of a tenant file, and
 * tm_conf_load(): read the main file, every tenants.d/ *.conf file, then
 * run the rules between them (conf_check.c).
 *
 * Every problem is collected into the caller's error list as FILE:LINE;
 * loading never stops at the first one.  Nothing here is used per
 * message: the result is published through a snapshot (snap.c).
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libconfig.h>

#include "conf/conf.h"
#include "conf/conf_int.h"
#include "conf/conf_table.h"
#include "dkim/keys.h"
#include "util/strv.h"
#include "conf/tenant_index.h"

static const char *const mode_names[] = { "provider", "customer", "relay", NULL };
static const char *const action_names[] = {
	"accept", "annotate", "fallback", "tempfail", "reject", NULL
};
static const char *const foreign_names[] = { "rewrite", "reject", NULL };
static const char *const unknown_names[] = { "reject", "tempfail", "accept", NULL };
static const char *const ident_names[] = { "sasl", "header", "network", "sender", NULL };
static const char *const alg_names[] = { "rsa-sha256", "ed25519-sha256", NULL };
static const char *const tls_names[] = { "encrypt", "secure", NULL };
static const char *const facility_names[] = {
	"mail", "daemon", "user", "local0", "local1", "local2", "local3",
	"local4", "local5", "local6", "local7", NULL
};
static const char *const level_names[] = {
	"debug", "info", "notice", "warning", "error", NULL
};

#define T(f) offsetof(struct tm_tenant, f)
#define C(f) offsetof(struct tm_conf, f)
#define D(f) offsetof(struct tm_dkim, f)
#define R(f) (offsetof(struct tm_tenant, relay.f) - offsetof(struct tm_tenant, relay))
#define S(r) ((size_t)(r) * sizeof(enum tm_action))

static const struct tm_opt dkim_table[] = {
	{ "domain", TM_OPT_STRING, D(domain), TM_F_REQUIRED | TM_F_LOWER,
	  .valid = tm_valid_fn_domain },
	{ "selector", TM_OPT_STRING, D(selector), TM_F_REQUIRED,
	  .valid = tm_valid_fn_selector },
	{ "key", TM_OPT_STRING, D(key_path), TM_F_REQUIRED | TM_F_PATH, .valid = NULL },
	{ "algorithm", TM_OPT_ENUM, D(alg), 0, NULL, .idef = TM_ALG_AUTO,
	  .names = alg_names },
	{ .name = NULL }
};

/* The provider's signatures: d= is always provider.domain. */
static const struct tm_opt provider_dkim_table[] = {
	{ "selector", TM_OPT_STRING, D(selector), TM_F_REQUIRED,
	  .valid = tm_valid_fn_selector },
	{ "key", TM_OPT_STRING, D(key_path), TM_F_REQUIRED | TM_F_PATH, .valid = NULL },
	{ "algorithm", TM_OPT_ENUM, D(alg), 0, NULL, .idef = TM_ALG_AUTO,
	  .names = alg_names },
	{ .name = NULL }
};

#define P(f) (offsetof(struct tm_conf, provider.f) - offsetof(struct tm_conf, provider))
static const struct tm_opt provider_table[] = {
	{ "domain", TM_OPT_STRING, P(domain), TM_F_REQUIRED | TM_F_LOWER,
	  .valid = tm_valid_fn_domain },
	{ "outbound_ips", TM_OPT_STRV, P(outbound_ips),
	  TM_F_REQUIRED | TM_F_NONEMPTY, .valid = tm_valid_fn_ip },
	{ "tenant_domain", TM_OPT_STRING, P(tenant_domain),
	  TM_F_REQUIRED | TM_F_LOWER, .valid = tm_valid_fn_tenant_domain },
	{ "dkim", TM_OPT_DKIMV, P(dkim), TM_F_REQUIRED,
	  .sub = provider_dkim_table },
	{ "spf_include", TM_OPT_STRING, P(spf_include), TM_F_LOWER,
	  .valid = tm_valid_fn_txt_name },
	{ .name = NULL }
};

#define I(f) (offsetof(struct tm_conf, identify.f) - offsetof(struct tm_conf, identify))
static const struct tm_opt identify_table[] = {
	{ "header", TM_OPT_STRING, I(header), 0, "X-Tenant-ID",
	  .valid = tm_valid_fn_header },
	{ "trusted_networks", TM_OPT_CIDRV, I(trusted), 0, .aux = I(n_trusted) },
	{ "order", TM_OPT_ENUMV, I(order), 0, .names = ident_names,
	  .aux = I(n_order), .aux2 = TM_ID_MAX },
	{ "sasl_realms", TM_OPT_STRV, I(sasl_realms), TM_F_LOWER,
	  .valid = tm_valid_fn_sasl_realm },
	{ "trust_other_logins", TM_OPT_BOOL, I(trust_other_logins), 0, .idef = 0 },
	{ .name = NULL }
};

#define N(f) (offsetof(struct tm_conf, dns.f) - offsetof(struct tm_conf, dns))
static const struct tm_opt dns_table[] = {
	{ "nameserver", TM_OPT_STRING, N(nameserver), 0,
	  .valid = tm_valid_fn_nameserver },
	{ "timeout", TM_OPT_INT, N(timeout), 0, .idef = 5, .min = 1, .max = 60 },
	{ .name = NULL }
};

static int
valid_facility(const char *v, char *why, size_t len)
{
	if (tm_opt_enum(facility_names, v) >= 0)
		return 0;
	snprintf(why, len, "not a syslog facility (mail, daemon, local0..7)");
	return -1;
}

static int
valid_level(const char *v, char *why, size_t len)
{
	if (tm_opt_enum(level_names, v) >= 0)
		return 0;
	snprintf(why, len, "must be debug, info, notice, warning or error");
	return -1;
}

/* valid_user - the account to run as must exist */
static int
valid_user(const char *v, char *why, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwnam_r(v, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		return 0;
	snprintf(why, len, "no such user (create it: adduser --system --group %s)", v);
	return -1;
}

#define M(f) (offsetof(struct tm_conf, metrics.f) - offsetof(struct tm_conf, metrics))
static const struct tm_opt metrics_table[] = {
	{ "file", TM_OPT_STRING, M(file), TM_F_PATH, .valid = NULL },
	{ "interval", TM_OPT_INT, M(interval), 0, .idef = 15, .min = 1, .max = 3600 },
	{ .name = NULL }
};

#define L(f) (offsetof(struct tm_conf, log.f) - offsetof(struct tm_conf, log))
static const struct tm_opt log_table[] = {
	{ "facility", TM_OPT_STRING, L(facility), 0, "mail", .valid = valid_facility },
	{ "level", TM_OPT_STRING, L(level), 0, "info", .valid = valid_level },
	{ .name = NULL }
};

/* valid_annotate - a header name, or "" / "none": no annotation header */
static int
valid_annotate(const char *v, char *why, size_t len)
{
	if (v[0] == '\0' || strcasecmp(v, "none") == 0)
		return 0;
	return tm_valid_fn_header(v, why, len);
}

static const struct tm_opt main_table[] = {
	{ "socket", TM_OPT_STRING, C(socket), 0, "inet:8891@127.0.0.1",
	  .valid = tm_valid_fn_socket },
	{ "user", TM_OPT_STRING, C(user), 0, .valid = valid_user },
	{ "tenants", TM_OPT_STRING, C(tenants_dir), TM_F_PATH, "tenants.d", .valid = NULL },
	{ "relay_maps", TM_OPT_STRING, C(relay_maps), TM_F_PATH, .valid = NULL },
	{ "provider", TM_OPT_GROUP, C(provider), TM_F_REQUIRED, .sub = provider_table },
	{ "identify", TM_OPT_GROUP, C(identify), 0, .sub = identify_table },
	{ "unknown_tenant", TM_OPT_ENUM, C(unknown_tenant), 0, "reject",
	  .names = unknown_names },
	{ "annotate_header", TM_OPT_STRING, C(annotate_header), 0,
	  "X-Tenant-Policy", .valid = valid_annotate },
	{ "dns", TM_OPT_GROUP, C(dns), 0, .sub = dns_table },
	{ "log", TM_OPT_GROUP, C(log), 0, .sub = log_table },
	{ "pidfile", TM_OPT_STRING, C(pidfile), TM_F_PATH, .valid = NULL },
	{ "metrics", TM_OPT_GROUP, C(metrics), 0, .sub = metrics_table },
	{ .name = NULL }
};

static const struct tm_opt match_table[] = {
	{ "sasl_users", TM_OPT_STRV, T(match.sasl_users) - T(match), 0,
	  .valid = tm_valid_fn_sasl_user },
	{ "header", TM_OPT_STRING, T(match.header) - T(match), 0, .valid = NULL },
	{ "networks", TM_OPT_CIDRV, T(match.networks) - T(match), 0,
	  .aux = T(match.n_networks) - T(match) },
	{ "sender_domains", TM_OPT_STRV, T(match.sender_domains) - T(match),
	  TM_F_LOWER, .valid = tm_valid_fn_domain },
	{ .name = NULL }
};

static const struct tm_opt sender_table[] = {
	{ "from", TM_OPT_STRING, T(sender.from) - T(sender), 0,
	  .valid = tm_valid_fn_address },
	{ "allowed", TM_OPT_STRV, T(sender.allowed) - T(sender), TM_F_LOWER,
	  .valid = tm_valid_fn_domain_or_address },
	{ "on_foreign", TM_OPT_ENUM, T(sender.on_foreign) - T(sender), 0,
	  "rewrite", .names = foreign_names },
	{ "reply_to", TM_OPT_STRING, T(sender.reply_to) - T(sender), 0,
	  .valid = tm_valid_fn_address },
	{ "envelope_from", TM_OPT_STRING, T(sender.envelope_from) - T(sender),
	  0, .valid = tm_valid_fn_address },
	{ .name = NULL }
};

/* RFC 7208 results; "pass" always accepts and is not a setting. */
static const struct tm_opt spf_table[] = {
	{ "fail", TM_OPT_ENUM, S(TM_SPF_FAIL), 0, "fallback", .names = action_names },
	{ "softfail", TM_OPT_ENUM, S(TM_SPF_SOFTFAIL), 0, "annotate",
	  .names = action_names },
	{ "neutral", TM_OPT_ENUM, S(TM_SPF_NEUTRAL), 0, "annotate",
	  .names = action_names },
	{ "none", TM_OPT_ENUM, S(TM_SPF_NONE), 0, "fallback", .names = action_names },
	{ "temperror", TM_OPT_ENUM, S(TM_SPF_TEMPERROR), 0, "tempfail",
	  .names = action_names },
	{ "permerror", TM_OPT_ENUM, S(TM_SPF_PERMERROR), 0, "annotate",
	  .names = action_names },
	{ .name = NULL }
};

static const struct tm_opt auth_table[] = {
	{ "user", TM_OPT_STRING, R(auth_user), 0, .valid = tm_valid_fn_sasl_user },
	{ "password_file", TM_OPT_STRING, R(password_file), TM_F_PATH, .valid = NULL },
	{ "client_cert", TM_OPT_STRING, R(client_cert), TM_F_PATH, .valid = NULL },
	{ "client_key", TM_OPT_STRING, R(client_key), TM_F_PATH, .valid = NULL },
	{ .name = NULL }
};

static int
valid_host(const char *v, char *why, size_t len)
{
	char label[80];

	/* a single label ("mailgw") is a local name Postfix's lookup resolves */
	snprintf(label, sizeof(label), "%s.invalid", v);
	if (tm_valid_domain(v) || tm_valid_fn_ip(v, why, len) == 0 ||
	    (strchr(v, '.') == NULL && strlen(v) < 64 && tm_valid_domain(label)))
		return 0;
	snprintf(why, len, "not a host name or IP address");
	return -1;
}

static const struct tm_opt relay_table[] = {
	{ "host", TM_OPT_STRING, R(host), TM_F_LOWER, .valid = valid_host },
	{ "mx", TM_OPT_STRING, R(mx), TM_F_LOWER, .valid = tm_valid_fn_domain },
	/* 0: unset; conf_check.c makes it 587 for host, 25 for mx */
	{ "port", TM_OPT_INT, R(port), 0, .idef = 0, .min = 1, .max = 65535 },
	{ "tls", TM_OPT_ENUM, R(tls), 0, "secure", .names = tls_names },
	{ "auth", TM_OPT_GROUP, 0, 0, .sub = auth_table },
	{ .name = NULL }
};

/* internal.spf: what a non-pass SPF result does to internal mail */
static const char *const internal_spf_names[] = { "accept", "annotate", NULL };

static const struct tm_opt internal_table[] = {
	{ "domains", TM_OPT_STRV, T(internal.domains) - T(internal), TM_F_LOWER,
	  .valid = tm_valid_fn_domain },
	{ "spf", TM_OPT_ENUM, T(internal.spf) - T(internal), 0, "accept",
	  .names = internal_spf_names },
	{ .name = NULL }
};

static const struct tm_opt tenant_table[] = {
	{ "id", TM_OPT_STRING, T(id), TM_F_REQUIRED, .valid = NULL },
	{ "mode", TM_OPT_ENUM, T(mode), TM_F_REQUIRED, "provider",
	  .names = mode_names },
	{ "match", TM_OPT_GROUP, T(match), 0, .sub = match_table },
	{ "sender", TM_OPT_GROUP, T(sender), 0, .sub = sender_table },
	{ "dkim", TM_OPT_DKIMV, T(dkim), 0, .sub = dkim_table },
	{ "dmarc_guard", TM_OPT_ENUM, T(dmarc_guard), 0, "fallback",
	  .names = action_names },
	{ "hold", TM_OPT_BOOL, T(hold), 0, .idef = 0 },
	{ "spf", TM_OPT_GROUP, T(spf_action), 0, .sub = spf_table },
	{ "relay", TM_OPT_GROUP, T(relay), 0, .sub = relay_table },
	{ "internal", TM_OPT_GROUP, T(internal), 0, .sub = internal_table },
	{ .name = NULL }
};

const char *tm_mode_name(enum tm_mode m) { return mode_names[m]; }
const char *tm_action_name(enum tm_action a) { return action_names[a]; }
const char *tm_ident_name(enum tm_ident i) { return ident_names[i]; }
const char *tm_alg_name(enum tm_dkim_alg a)
{
	return a == TM_ALG_AUTO ? "(from the key)" : alg_names[a];
}

/* read_file - libconfig parse; syntax errors reported as FILE:LINE */
static int
read_file(config_t *cf, const char *path, struct tm_err *err)
{
	char *dir;

	config_init(cf);
	if ((dir = tm_path_dir(path)) != NULL) {
		config_set_include_dir(cf, dir);
		free(dir);
	}
	if (config_read_file(cf, path) == CONFIG_TRUE)
		return 0;
	if (config_error_type(cf) == CONFIG_ERR_FILE_IO)
		tm_err_add(err, TM_ERR_FATAL, path, 0, "cannot read: %s",
			   strerror(errno ? errno : EIO));
	else
		tm_err_add(err, TM_ERR_FATAL,
			   config_error_file(cf) ? config_error_file(cf) : path,
			   config_error_line(cf), "syntax error: %s",
			   config_error_text(cf));
	config_destroy(cf);
	return -1;
}

/* tenant_free - one tenant and everything it owns */
static void
tenant_free(struct tm_tenant *t)
{
	if (t == NULL)
		return;
	tm_opt_free(tenant_table, t);
	free(t->file);
	free(t->provider_domain);
	free(t->unusable);
	free(t->relay.stale);
	free(t);
}

/* load_tenant - parse one tenant file; NULL on syntax error or no memory */
static struct tm_tenant *
load_tenant(const char *path, struct tm_err *err)
{
	struct tm_walk w = { path, NULL, err, 0 };
	struct tm_tenant *t;
	config_t cf;
	const config_setting_t *id;
	char *dir;

	if (read_file(&cf, path, err) < 0)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->file = strdup(path)) == NULL ||
	    (dir = tm_path_dir(path)) == NULL) {
		tm_err_add(err, TM_ERR_FATAL, path, 0, "out of memory");
		config_destroy(&cf);
		tenant_free(t);
		return NULL;
	}
	w.file = t->file;		/* dkim entries borrow it: must outlive path */
	w.dir = dir;
	if (tm_opt_defaults(tenant_table, t) < 0)
		tm_err_add(err, TM_ERR_FATAL, path, 0, "out of memory");
	tm_opt_walk(&w, config_root_setting(&cf), tenant_table, t);
	t->relay.set = config_lookup(&cf, "relay") != NULL;
	if ((id = config_lookup(&cf, "internal")) != NULL) {
		t->internal.set = true;
		t->internal.line = tm_opt_line(id);
	}
	id = config_lookup(&cf, "id");
	t->line = id ? tm_opt_line(id) : 1;
	free(dir);
	config_destroy(&cf);
	return t;
}

/* by_id - qsort order of tenants */
static int
by_id(const void *a, const void *b)
{
	const struct tm_tenant *x = *(struct tm_tenant *const *)a;
	const struct tm_tenant *y = *(struct tm_tenant *const *)b;

	return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

/* by_name - qsort order of file names */
static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* conf_file_ok - "*.conf", not hidden */
static int
conf_file_ok(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* load_tenants - every tenants_dir/ *.conf, sorted by file name */
static void
load_tenants(struct tm_conf *conf, int dir_line, struct tm_err *err)
{
	struct tm_strv names = { NULL, 0 };
	struct dirent *de;
	DIR *d;
	size_t i;

	if ((d = opendir(conf->tenants_dir)) == NULL) {
		tm_err_add(err, TM_ERR_FATAL, conf->file, dir_line,
			   "tenants directory %s: %s", conf->tenants_dir,
			   strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (conf_file_ok(de->d_name) && tm_strv_add(&names, de->d_name) < 0)
			tm_err_add(err, TM_ERR_FATAL, conf->tenants_dir, 0,
				   "out of memory");
	closedir(d);
	if (names.n == 0)
		tm_err_add(err, TM_ERR_WARNING, conf->file, dir_line,
			   "tenants directory %s has no *.conf files: no tenant "
			   "can send", conf->tenants_dir);
	if (names.n > 0)		/* qsort(NULL, 0, ...) is undefined */
		qsort(names.v, names.n, sizeof(*names.v), by_name);
	conf->tenants = calloc(names.n + 1, sizeof(*conf->tenants));
	if (conf->tenants == NULL) {
		tm_err_add(err, TM_ERR_FATAL, conf->tenants_dir, 0, "out of memory");
		tm_strv_fini(&names);
		return;
	}
	for (i = 0; i < names.n; i++) {
		char *path = tm_path_join(conf->tenants_dir, names.v[i]);
		struct tm_tenant *t = path ? load_tenant(path, err) : NULL;

		if (t != NULL)
			conf->tenants[conf->n_tenants++] = t;
		free(path);
	}
	tm_strv_fini(&names);
	qsort(conf->tenants, conf->n_tenants, sizeof(*conf->tenants), by_id);
}

/* set_main_defaults - vector defaults the table cannot express */
static int
set_main_defaults(struct tm_conf *conf)
{
	static const char *const trusted[] = { "127.0.0.0/8", "::1/128" };
	size_t i;

	conf->identify.trusted = calloc(2, sizeof(struct tm_cidr));
	if (conf->identify.trusted == NULL)
		return -1;
	for (i = 0; i < 2; i++)
		tm_cidr_parse(trusted[i], &conf->identify.trusted[i]);
	conf->identify.n_trusted = 2;
	for (i = 0; i < TM_ID_MAX; i++)
		conf->identify.order[i] = (enum tm_ident)i;
	conf->identify.n_order = TM_ID_MAX;
	return 0;
}

/* tm_conf_load - the whole configuration as the daemon reads it */
struct tm_conf *
tm_conf_load(const char *path, struct tm_err *err)
{
	return tm_conf_load_flags(path, 0, err);
}

/* tm_conf_load_flags - the whole configuration, or NULL on a fatal error */
struct tm_conf *
tm_conf_load_flags(const char *path, unsigned flags, struct tm_err *err)
{
	struct tm_walk w = { path, NULL, err, 0 };
	const config_setting_t *s;
	struct tm_conf *conf;
	size_t fatal_before = err->n_fatal;
	config_t cf;

	if ((conf = calloc(1, sizeof(*conf))) == NULL ||
	    (conf->file = strdup(path)) == NULL ||
	    (conf->dir = tm_path_dir(path)) == NULL ||
	    tm_opt_defaults(main_table, conf) < 0 ||
	    set_main_defaults(conf) < 0) {
		tm_err_add(err, TM_ERR_FATAL, path, 0, "out of memory");
		tm_conf_free(conf);
		return NULL;
	}
	conf->load_flags = flags;
	if (read_file(&cf, path, err) < 0) {
		tm_conf_free(conf);
		return NULL;
	}
	w.file = conf->file;		/* provider dkim entries borrow it */
	w.dir = conf->dir;
	free(conf->tenants_dir);
	conf->tenants_dir = tm_path_join(conf->dir, "tenants.d");
	conf->relay_maps = tm_path_join(conf->dir, "relay-maps");
	tm_opt_walk(&w, config_root_setting(&cf), main_table, conf);
	if (conf->annotate_header && (conf->annotate_header[0] == '\0' ||
	    strcasecmp(conf->annotate_header, "none") == 0)) {
		free(conf->annotate_header);	/* off: NULL from here on */
		conf->annotate_header = NULL;
	}
	s = config_lookup(&cf, "tenants");
	if (conf->tenants_dir)
		load_tenants(conf, s ? tm_opt_line(s) : 1, err);
	config_destroy(&cf);
	if (err->n_fatal == fatal_before)
		tm_conf_check(conf, err);
	if (err->n_fatal > fatal_before) {
		tm_conf_free(conf);
		return NULL;
	}
	return conf;
}

/* tm_conf_free - everything, keys and index included */
void
tm_conf_free(struct tm_conf *conf)
{
	size_t i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->n_tenants; i++)
		tenant_free(conf->tenants[i]);
	free(conf->tenants);
	tm_index_free(conf->index);
	tm_keycache_free(conf->keys);
	/* d= of the provider's signatures is set by conf_check.c, not by the
	 * table (it has no domain row), so the table's free does not know it. */
	for (i = 0; i < conf->provider.dkim.n; i++) {
		free(conf->provider.dkim.v[i].domain);
		conf->provider.dkim.v[i].domain = NULL;
	}
	tm_opt_free(main_table, conf);
	free(conf->provider.outbound);
	free(conf->provider.unusable);
	free(conf->file);
	free(conf->dir);
	free(conf);
}

/* tm_conf_tenant - binary search by id */
const struct tm_tenant *
tm_conf_tenant(const struct tm_conf *conf, const char *id)
{
	size_t lo = 0, hi = conf->n_tenants;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id, conf->tenants[mid]->id);

		if (c == 0)
			return conf->tenants[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
