#ifndef TM_MODEL_H
#define TM_MODEL_H

/*
 * model - the configuration's types: enums and plain structs, no
 * functions.  Any file may include it, whatever its folder in the stack
 * (util/strv, dkim and spf use these types); the functions that load and
 * name them are conf/conf.h's.
 *
 * A loaded configuration is never modified again; it is shared read-only
 * through a snapshot (snap.h).
 */

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

#include "util/cidr.h"

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

/* TM_ALG_AUTO: `algorithm` not written; the key file decides when loaded */
enum tm_dkim_alg { TM_ALG_RSA_SHA256, TM_ALG_ED25519_SHA256, TM_ALG_AUTO };
enum tm_relay_tls { TM_TLS_ENCRYPT, TM_TLS_SECURE };


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
		char *stale;		/* route not in relay_maps' stamp: why */
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
	char *relay_maps;		/* resolved: tables of tenantctl postfix-maps */

	struct {
		char *domain;
		struct tm_strv outbound_ips;
		struct tm_cidr *outbound;	/* parsed outbound_ips (prefix = full) */
		char *tenant_domain;	/* with %t */
		char *spf_include;	/* record listing outbound_ips, or NULL */
		struct tm_dkim_list dkim;
		char *unusable;		/* a provider key is unusable: why */
	} provider;

	struct {
		char *header;
		struct tm_cidr *trusted;
		size_t n_trusted;
		enum tm_ident order[TM_ID_MAX];
		size_t n_order;
		struct tm_strv sasl_realms;	/* stripped from logins; lower case */
		bool trust_other_logins;	/* a login of no tenant may use
						 * header and sender */
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

	struct {
		char *file;		/* resolved; NULL: no metrics file */
		int interval;		/* seconds between writes */
	} metrics;

	struct tm_tenant **tenants;	/* sorted by id */
	size_t n_tenants;
	struct tm_keycache *keys;	/* owns every loaded key */
	struct tm_index *index;		/* tenant lookup, built by tm_conf_check */
	unsigned load_flags;		/* TM_LOAD_* it was loaded with (conf.h) */
};

#endif
