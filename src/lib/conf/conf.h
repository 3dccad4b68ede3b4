#ifndef TM_CONF_H
#define TM_CONF_H

/*
 * conf - loading the configuration: the main file and one struct
 * tm_tenant per tenants.d/ *.conf file, as the plain structs of
 * conf/model.h (included here, so that users of a configuration need
 * only this header).
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

#include "conf/model.h"
#include "util/err.h"

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

/*
 * What a load checks besides the configuration itself.  The daemon (and
 * so `-t`) never reads relay secrets (password file, client certificate
 * and key): `tenantctl postfix-maps` hands them to Postfix.  `tenantctl
 * check` asks for them with TM_LOAD_SECRETS.
 */
#define TM_LOAD_SECRETS	0x01

/*
 * conf_runas.c: tm_conf_check_runas - run as root with `user` set, can
 * that user read every file the daemon reads after dropping privileges
 * (main file, tenants directory and files, keys)?  Each file it cannot
 * read is reported with the directory or file at fault and the command
 * that fixes it.  As root without `user`: a warning.  Otherwise nothing.
 */
void tm_conf_check_runas(const struct tm_conf *, struct tm_err *);

/* tm_conf_tenant - tenant by id (binary search), or NULL; borrowed */
const struct tm_tenant *tm_conf_tenant(const struct tm_conf *, const char *id);

/* Names of enum values as written in the configuration. */
const char *tm_mode_name(enum tm_mode);
const char *tm_action_name(enum tm_action);
const char *tm_ident_name(enum tm_ident);
const char *tm_alg_name(enum tm_dkim_alg);

/* Syntax checks shared with the rest of lib/ (1 valid, 0 not). */
int tm_valid_tenant_id(const char *);
int tm_valid_domain(const char *);
int tm_valid_address(const char *);		/* local@domain, no display */

#endif
