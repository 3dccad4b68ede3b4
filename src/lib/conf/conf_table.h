#ifndef TM_CONF_TABLE_H
#define TM_CONF_TABLE_H

/*
 * conf_table - the declarative settings tables and the one walker that
 * applies them to a libconfig tree (internal to conf*.c).
 *
 * Each table row is one setting: name, type, where it lands (offset into
 * the target struct), default, limits and validator.  The walker reports
 * unknown settings, wrong types, missing required settings, enum values
 * and validator failures, each at the setting's FILE:LINE, and goes on.
 */

#include <stddef.h>
#include <libconfig.h>

#include "conf/conf.h"
#include "util/err.h"

enum tm_opt_type {
	TM_OPT_STRING,		/* char * */
	TM_OPT_INT,		/* int, within [min, max] */
	TM_OPT_BOOL,		/* bool */
	TM_OPT_ENUM,		/* int: index into names[] */
	TM_OPT_STRV,		/* struct tm_strv, each item validated */
	TM_OPT_CIDRV,		/* struct tm_cidr * at offset, size_t at aux */
	TM_OPT_ENUMV,		/* enum array at offset, size_t count at aux */
	TM_OPT_GROUP,		/* nested table `sub` on the same base + offset */
	TM_OPT_DKIMV,		/* struct tm_dkim_list, each group per `sub` */
};

#define TM_F_REQUIRED	0x01	/* must be present */
#define TM_F_PATH	0x02	/* string: resolve against the file's directory */
#define TM_F_LOWER	0x04	/* string or strv: lower-case it */
#define TM_F_NONEMPTY	0x08	/* strv/cidrv: at least one item */

/* A validator: 0 ok, -1 with a short reason ("not a domain name"). */
typedef int (*tm_opt_valid_fn)(const char *value, char *why, size_t len);

struct tm_opt {
	const char *name;
	enum tm_opt_type type;
	size_t offset;
	unsigned flags;
	const char *def;		/* STRING/ENUM default as written */
	int idef, min, max;		/* INT/BOOL default (ENUM without def);
					 * INT limits */
	const char *const *names;	/* ENUM/ENUMV: NULL-terminated */
	tm_opt_valid_fn valid;
	size_t aux;			/* CIDRV/ENUMV: offset of the count;
					 * ENUMV: max items in aux2 */
	size_t aux2;
	const struct tm_opt *sub;	/* GROUP/DKIMV */
	size_t sub_size;		/* DKIMV: sizeof one element */
};

/* Context of the file being walked. */
struct tm_walk {
	const char *file;		/* path as printed in errors */
	const char *dir;		/* for TM_F_PATH */
	struct tm_err *err;
	int failed;			/* a fatal error was reported */
};

/* tm_opt_defaults - apply the defaults of table (recursively) to base */
int tm_opt_defaults(const struct tm_opt *table, void *base);
/* tm_opt_walk - apply a libconfig group to base per table */
void tm_opt_walk(struct tm_walk *, const config_setting_t *group,
		 const struct tm_opt *table, void *base);
/* tm_opt_free - free what the walker allocated into base */
void tm_opt_free(const struct tm_opt *table, void *base);
/* tm_opt_line - the line of a setting, or 1 when libconfig has none */
int tm_opt_line(const config_setting_t *);
/* tm_opt_enum - index of name in names, or -1 */
int tm_opt_enum(const char *const *names, const char *name);

/* conf_syntax.c: validators usable in tables */
int tm_valid_fn_domain(const char *, char *, size_t);
int tm_valid_fn_address(const char *, char *, size_t);
int tm_valid_fn_domain_or_address(const char *, char *, size_t);
int tm_valid_fn_ip(const char *, char *, size_t);
int tm_valid_fn_socket(const char *, char *, size_t);
int tm_valid_fn_header(const char *, char *, size_t);
int tm_valid_fn_selector(const char *, char *, size_t);
int tm_valid_fn_txt_name(const char *, char *, size_t);
int tm_valid_fn_nameserver(const char *, char *, size_t);
int tm_valid_fn_tenant_domain(const char *, char *, size_t);
int tm_valid_fn_sasl_user(const char *, char *, size_t);
int tm_valid_fn_sasl_realm(const char *, char *, size_t);

#endif
