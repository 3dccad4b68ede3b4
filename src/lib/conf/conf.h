#ifndef TM_CONF_H
#define TM_CONF_H

/*
 * conf - the configuration as plain structs: the main file and one
 * struct tm_tenant per tenants.d/ *.conf file.
 *
 * tm_conf_load() parses with libconfig through one declarative table of
 * settings per scope (conf.c), reports every problem as FILE:LINE, then
 * runs the cross-file rules (conf_check.c) and loads key and secret
 * files (keys.c).  Nothing else in the project touches libconfig.
 *
 * All paths in a loaded configuration are resolved: relative paths in
 * the main file are relative to the main file's directory, in a tenant
 * file to the tenant file's directory.
 *
 * Thread safety: a loaded configuration is never modified again; it is
 * shared read-only through a snapshot (snap.h).
 */

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

#include "util/err.h"

struct tm_key;					/* keys.h */
struct tm_keycache;				/* keys.h */
struct tm_index;				/* tenant_index.h */

enum tm_mode { TM_MODE_PROVIDER, TM_MODE_CUSTOMER, TM_MODE_RELAY };

/* What to do with a message; the order is the severity for "worst of". */
enum tm_action {
	TM_ACT_ACCEPT,
	TM_ACT_ANNOTATE,
	TM_ACT_FALLBACK,
	TM_ACT_TEMPFAIL,
	TM_ACT_REJECT,
};

enum tm_foreign { TM_FOREIGN_REWRITE, TM_FOREIGN_REJECT };
enum tm_unknown { TM_UNKNOWN_REJECT, TM_UNKNOWN_TEMPFAIL, TM_UNKNOWN_ACCEPT };
enum tm_ident { TM_ID_SASL, TM_ID_HEADER, TM_ID_NETWORK, TM_ID_SENDER };
#define TM_ID_MAX 4

/* SPF results in the order of spf.<result> settings */
enum tm_spf_result {
	TM_SPF_PASS, TM_SPF_FAIL, TM_SPF_SOFTFAIL, TM_SPF_NEUTRAL,
	TM_SPF_NONE, TM_SPF_TEMPERROR, TM_SPF_PERMERROR,
};
#define TM_SPF_MAX 7

enum tm_dkim_alg { TM_ALG_RSA_SHA256, TM_ALG_ED25519_SHA256 };
enum tm_relay_tls { TM_TLS_ENCRYPT, TM_TLS_SECURE };

/* A network: family AF_INET or AF_INET6, address masked to prefix bits. */
struct tm_cidr {
	int family;
	int prefix;
	unsigned char addr[16];
};

struct tm_strv {
	char **v;
	size_t n;
};

/* One configured DKIM signature: where it was written, and its key. */
struct tm_dkim {
	char *domain;
	char *selector;
	char *key_path;			/* resolved */
	enum tm_dkim_alg alg;
	const char *file;		/* borrowed: the tenant/main file name */
	int line;
	const struct tm_key *key;	/* borrowed from conf->keys; NULL: unusable */
	char *key_error;		/* why the key cannot be used, or NULL */
};

struct tm_dkim_list {
	struct tm_dkim *v;
	size_t n;
};

struct tm_tenant {
	char *id;
	char *file;			/* path of the tenant file */
	int line;			/* line of `id` (1 if absent) */
	enum tm_mode mode;

	struct {
		struct tm_strv sasl_users;
		char *header;		/* default: id */
		struct tm_cidr *networks;
		size_t n_networks;
		struct tm_strv sender_domains;	/* lower case */
	} match;

	struct {
		char *from;		/* default provider mode: id@<tenant domain> */
		struct tm_strv allowed;	/* domains or addresses, lower case */
		enum tm_foreign on_foreign;
		char *reply_to;
		char *envelope_from;
	} sender;

	char *provider_domain;		/* tenant_domain with %t expanded */
	struct tm_dkim_list dkim;
	enum tm_action dmarc_guard;
	bool hold;
	enum tm_action spf_action[TM_SPF_MAX];

	/*
	 * Customer mode: mail whose every recipient is in one of these
	 * domains goes only to the customer's own server, which allow-lists
	 * the provider: SPF and the DMARC guard then do not act (issue 13).
	 */
	struct {
		bool set;
		int line;		/* of `internal` */
		struct tm_strv domains;	/* lower case; default: match.sender_domains */
		enum tm_action spf;	/* accept | annotate */
	} internal;

	struct {
		bool set;
		char *host;		/* host or mx, one of them */
		char *mx;
		int port;
		enum tm_relay_tls tls;
		char *auth_user;
		char *password_file;	/* resolved */
		char *client_cert;	/* resolved */
		char *client_key;	/* resolved */
	} relay;

	/* Set by the key/secret checks: the tenant is isolated (tempfails). */
	char *unusable;			/* reason, or NULL */
};

struct tm_conf {
	char *file;			/* main file path as given */
	char *dir;			/* its directory */
	char *socket;
	char *user;
	char *tenants_dir;		/* resolved */
	char *pidfile;			/* resolved; NULL: none */

	struct {
		char *domain;
		struct tm_strv outbound_ips;
		struct tm_cidr *outbound;	/* parsed outbound_ips (prefix = full) */
		char *tenant_domain;	/* with %t */
		struct tm_dkim_list dkim;
		char *unusable;		/* a provider key is unusable: why */
	} provider;

	struct {
		char *header;
		struct tm_cidr *trusted;
		size_t n_trusted;
		enum tm_ident order[TM_ID_MAX];
		size_t n_order;
	} identify;

	enum tm_unknown unknown_tenant;
	char *annotate_header;		/* NULL: no annotation ("" or "none") */

	struct {
		char *nameserver;	/* NULL: system resolver */
		int timeout;		/* seconds */
	} dns;

	struct {
		char *facility;
		char *level;
	} log;

	struct tm_tenant **tenants;	/* sorted by id */
	size_t n_tenants;
	struct tm_keycache *keys;	/* owns every loaded key */
	struct tm_index *index;		/* tenant lookup, built by tm_conf_check */
	unsigned load_flags;		/* TM_LOAD_* it was loaded with */
};

/*
 * What a load checks besides the configuration itself.  The daemon (and
 * so `-t`) never reads relay secrets (password file, client certificate
 * and key): `tenantctl postfix-maps` hands them to Postfix.  `tenantctl
 * check` asks for them with TM_LOAD_SECRETS.
 */
#define TM_LOAD_SECRETS	0x01

/*
 * tm_conf_load - read, validate and load keys of a whole configuration.
 * Returns a new configuration (free with tm_conf_free) when no fatal error
 * was found (tenant errors isolate the tenant), NULL otherwise.  Every
 * problem is added to err.
 */
struct tm_conf *tm_conf_load(const char *path, struct tm_err *err);
/* tm_conf_load_flags - the same, with TM_LOAD_* flags (tm_conf_load: 0) */
struct tm_conf *tm_conf_load_flags(const char *path, unsigned flags,
				   struct tm_err *err);
void tm_conf_free(struct tm_conf *);

/* tm_conf_tenant - tenant by id (binary search), or NULL; borrowed */
const struct tm_tenant *tm_conf_tenant(const struct tm_conf *, const char *id);

/* Names of enum values as written in the configuration. */
const char *tm_mode_name(enum tm_mode);
const char *tm_action_name(enum tm_action);
const char *tm_spf_result_name(enum tm_spf_result);
const char *tm_ident_name(enum tm_ident);
const char *tm_alg_name(enum tm_dkim_alg);

/* Syntax checks shared with the rest of lib/ (1 valid, 0 not). */
int tm_valid_tenant_id(const char *);
int tm_valid_domain(const char *);
int tm_valid_address(const char *);		/* local@domain, no display */
/* tm_cidr_parse - "a.b.c.d/n", "x::/n" or a bare address; 0 ok, -1 bad */
int tm_cidr_parse(const char *, struct tm_cidr *);
/* tm_cidr_contains - does net contain the address (same family)? */
int tm_cidr_contains(const struct tm_cidr *net, const struct tm_cidr *addr);

/* conf_check.c: cross-file rules, run by tm_conf_load. */
void tm_conf_check(struct tm_conf *, struct tm_err *);

/*
 * conf_runas.c: tm_conf_check_runas - run as root with `user` set, can
 * that user read every file the daemon reads after dropping privileges
 * (main file, tenants directory and files, keys)?  Each file it cannot
 * read is reported with the directory or file at fault and the command
 * that fixes it.  As root without `user`: a warning.  Otherwise nothing.
 */
void tm_conf_check_runas(const struct tm_conf *, struct tm_err *);

#endif
