/*
 * conf_table.c - apply a declarative settings table to a libconfig group.
 *
 * One walker for every scope (main file, provider, identify, tenant,
 * match, sender, dkim entries, spf, relay).  Every problem is reported at
 * the FILE:LINE of the setting at fault and the walk goes on, so one run
 * shows all of them.  Out of memory is reported as a fatal error too.
 */

#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf_table.h"
#include "util/strv.h"

#define FIELD(base, off, type) ((type *)((char *)(base) + (off)))

/* tm_opt_line - libconfig line, never 0 (the root has none) */
int
tm_opt_line(const config_setting_t *s)
{
	int line = s ? (int)config_setting_source_line(s) : 0;

	return line > 0 ? line : 1;
}

/* tm_opt_enum - position of name in a NULL-terminated list */
int
tm_opt_enum(const char *const *names, const char *name)
{
	int i;

	for (i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* fail - report a fatal problem at a setting */
static void
fail(struct tm_walk *w, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fail(struct tm_walk *w, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tm_err_vadd(w->err, TM_ERR_FATAL, w->file, tm_opt_line(s), fmt, ap);
	va_end(ap);
	w->failed = 1;
}

/* type_name - libconfig type as an administrator reads it */
static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ]";
	case CONFIG_TYPE_LIST:
		return "a list ( )";
	}
	return "something else";
}

/* want_name - the type a table row expects */
static const char *
want_name(enum tm_opt_type t)
{
	switch (t) {
	case TM_OPT_STRING:
	case TM_OPT_ENUM:
		return "a string";
	case TM_OPT_INT:
		return "an integer";
	case TM_OPT_BOOL:
		return "true or false";
	case TM_OPT_STRV:
	case TM_OPT_CIDRV:
	case TM_OPT_ENUMV:
		return "an array of strings [ ]";
	case TM_OPT_GROUP:
		return "a group { }";
	case TM_OPT_DKIMV:
		return "a list of groups ( { }, ... )";
	}
	return "?";
}

/* type_ok - does the libconfig value fit the row's type? */
static int
type_ok(const struct tm_opt *o, const config_setting_t *s)
{
	int t = config_setting_type(s);

	switch (o->type) {
	case TM_OPT_STRING:
	case TM_OPT_ENUM:
		return t == CONFIG_TYPE_STRING;
	case TM_OPT_INT:
		return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
	case TM_OPT_BOOL:
		return t == CONFIG_TYPE_BOOL;
	case TM_OPT_STRV:
	case TM_OPT_CIDRV:
	case TM_OPT_ENUMV:
		/* A one-element list ("x") is as good as an array ["x"]. */
		return t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST;
	case TM_OPT_GROUP:
		return t == CONFIG_TYPE_GROUP;
	case TM_OPT_DKIMV:
		return t == CONFIG_TYPE_LIST;
	}
	return 0;
}

/* names_list - "a | b | c" for enum errors */
static void
names_list(const char *const *names, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; names[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? " | " : "", names[i]);
}

/* validate - run the row's validator on a string value */
static int
validate(struct tm_walk *w, const struct tm_opt *o,
	 const config_setting_t *s, const char *value)
{
	char why[256];

	if (o->valid == NULL)
		return 0;
	why[0] = '\0';
	if (o->valid(value, why, sizeof(why)) == 0)
		return 0;
	fail(w, s, "%s \"%s\": %s", o->name, value, why);
	return -1;
}

/* set_string - one string setting, validated, maybe lower-cased/resolved */
static void
set_string(struct tm_walk *w, const struct tm_opt *o,
	   const config_setting_t *s, void *base)
{
	const char *v = config_setting_get_string(s);
	char **dst = FIELD(base, o->offset, char *);
	char *copy;

	if (validate(w, o, s, v) < 0)
		return;
	if (o->flags & TM_F_PATH)
		copy = tm_path_join(w->dir, v);
	else if (o->flags & TM_F_LOWER)
		copy = tm_lowercase(v);
	else
		copy = strdup(v);
	if (copy == NULL) {
		fail(w, s, "out of memory");
		return;
	}
	free(*dst);
	*dst = copy;
}

/* set_strv - array of validated strings */
static void
set_strv(struct tm_walk *w, const struct tm_opt *o,
	 const config_setting_t *s, void *base)
{
	struct tm_strv *sv = FIELD(base, o->offset, struct tm_strv);
	int i, n = config_setting_length(s);

	tm_strv_fini(sv);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);
		char *copy;

		if (v == NULL) {
			fail(w, e, "%s: item %d must be a string", o->name, i + 1);
			continue;
		}
		if (validate(w, o, e, v) < 0)
			continue;
		copy = (o->flags & TM_F_LOWER) ? tm_lowercase(v) : strdup(v);
		if (copy == NULL || tm_strv_add(sv, copy) < 0)
			fail(w, e, "out of memory");
		free(copy);
	}
}

/* set_cidrv - array of networks */
static void
set_cidrv(struct tm_walk *w, const struct tm_opt *o,
	  const config_setting_t *s, void *base)
{
	struct tm_cidr **dst = FIELD(base, o->offset, struct tm_cidr *);
	size_t *count = FIELD(base, o->aux, size_t);
	int i, n = config_setting_length(s);
	struct tm_cidr *v = calloc((size_t)n + 1, sizeof(*v));

	if (v == NULL) {
		fail(w, s, "out of memory");
		return;
	}
	free(*dst);
	*dst = v;
	*count = 0;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *str = config_setting_get_string(e);

		if (str == NULL)
			fail(w, e, "%s: item %d must be a string", o->name, i + 1);
		else if (tm_cidr_parse(str, &v[*count]) < 0)
			fail(w, e, "%s \"%s\": not an IPv4 or IPv6 network "
			     "(address/prefix)", o->name, str);
		else
			(*count)++;
	}
}

/* set_enumv - array of enum names, no repeats */
static void
set_enumv(struct tm_walk *w, const struct tm_opt *o,
	  const config_setting_t *s, void *base)
{
	int *dst = FIELD(base, o->offset, int);
	size_t *count = FIELD(base, o->aux, size_t);
	int i, j, n = config_setting_length(s);
	char all[256];

	*count = 0;
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *str = config_setting_get_string(e);
		int v = str ? tm_opt_enum(o->names, str) : -1;

		if (v < 0) {
			names_list(o->names, all, sizeof(all));
			fail(w, e, "%s: \"%s\" is not one of %s", o->name,
			     str ? str : "(not a string)", all);
			continue;
		}
		for (j = 0; j < (int)*count; j++)
			if (dst[j] == v)
				break;
		if (j < (int)*count) {
			fail(w, e, "%s: \"%s\" is listed twice", o->name, str);
			continue;
		}
		if (*count < o->aux2)
			dst[(*count)++] = v;
	}
	if (*count == 0 && n == 0)
		fail(w, s, "%s: must not be empty", o->name);
}

/* set_dkimv - list of dkim groups into a struct tm_dkim_list */
static void
set_dkimv(struct tm_walk *w, const struct tm_opt *o,
	  const config_setting_t *s, void *base)
{
	struct tm_dkim_list *dl = FIELD(base, o->offset, struct tm_dkim_list);
	int i, n = config_setting_length(s);

	dl->v = calloc((size_t)n + 1, sizeof(*dl->v));
	if (dl->v == NULL) {
		fail(w, s, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct tm_dkim *d = &dl->v[dl->n];

		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			fail(w, e, "%s: item %d must be a group { domain = ...; "
			     "selector = ...; key = ...; }", o->name, i + 1);
			continue;
		}
		dl->n++;
		if (tm_opt_defaults(o->sub, d) < 0)
			fail(w, e, "out of memory");
		d->file = w->file;
		d->line = tm_opt_line(e);
		tm_opt_walk(w, e, o->sub, d);
	}
}

/* set_one - dispatch on the row's type */
static void
set_one(struct tm_walk *w, const struct tm_opt *o,
	const config_setting_t *s, void *base)
{
	char all[256];
	long long iv;
	int v;

	switch (o->type) {
	case TM_OPT_STRING:
		set_string(w, o, s, base);
		break;
	case TM_OPT_INT:
		iv = config_setting_get_int64(s);
		if (iv < o->min || iv > o->max)
			fail(w, s, "%s = %lld: must be between %d and %d",
			     o->name, iv, o->min, o->max);
		else
			*FIELD(base, o->offset, int) = (int)iv;
		break;
	case TM_OPT_BOOL:
		*FIELD(base, o->offset, bool) = config_setting_get_bool(s) != 0;
		break;
	case TM_OPT_ENUM:
		v = tm_opt_enum(o->names, config_setting_get_string(s));
		if (v < 0) {
			names_list(o->names, all, sizeof(all));
			fail(w, s, "%s = \"%s\": must be one of %s", o->name,
			     config_setting_get_string(s), all);
		} else
			*FIELD(base, o->offset, int) = v;
		break;
	case TM_OPT_STRV:
		set_strv(w, o, s, base);
		break;
	case TM_OPT_CIDRV:
		set_cidrv(w, o, s, base);
		break;
	case TM_OPT_ENUMV:
		set_enumv(w, o, s, base);
		break;
	case TM_OPT_GROUP:
		tm_opt_walk(w, s, o->sub, (char *)base + o->offset);
		break;
	case TM_OPT_DKIMV:
		set_dkimv(w, o, s, base);
		break;
	}
	if ((o->flags & TM_F_NONEMPTY) && (o->type == TM_OPT_STRV ||
	    o->type == TM_OPT_CIDRV) && config_setting_length(s) == 0)
		fail(w, s, "%s: must not be empty", o->name);
}

/* tm_opt_walk - every child must be a known, well-typed setting */
void
tm_opt_walk(struct tm_walk *w, const config_setting_t *group,
	    const struct tm_opt *table, void *base)
{
	const char *gname = config_setting_name(group);
	const struct tm_opt *o;
	int i, n = config_setting_length(group);

	/* A group inside a list ("dkim = ( { ... } )") is named by its list. */
	if (gname == NULL && config_setting_parent(group) != NULL)
		gname = config_setting_name(config_setting_parent(group));

	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group,
							     (unsigned)i);
		const char *name = config_setting_name(s);

		for (o = table; o->name; o++)
			if (name && strcmp(o->name, name) == 0)
				break;
		if (o->name == NULL) {
			if (gname)
				fail(w, s, "unknown setting \"%s\" in %s",
				     name ? name : "?", gname);
			else
				fail(w, s, "unknown setting \"%s\"",
				     name ? name : "?");
			continue;
		}
		if (!type_ok(o, s)) {
			fail(w, s, "%s must be %s, not %s", o->name,
			     want_name(o->type), type_name(config_setting_type(s)));
			continue;
		}
		set_one(w, o, s, base);
	}
	for (o = table; o->name; o++)
		if ((o->flags & TM_F_REQUIRED) &&
		    config_setting_get_member(group, o->name) == NULL) {
			if (gname)
				fail(w, group, "%s: missing required setting "
				     "\"%s\"", gname, o->name);
			else
				fail(w, group, "missing required setting \"%s\"",
				     o->name);
		}
}

/* tm_opt_defaults - defaults of every row, groups included */
int
tm_opt_defaults(const struct tm_opt *table, void *base)
{
	const struct tm_opt *o;

	for (o = table; o->name; o++) {
		switch (o->type) {
		case TM_OPT_STRING:
			if (o->def) {
				char **dst = FIELD(base, o->offset, char *);

				free(*dst);
				if ((*dst = strdup(o->def)) == NULL)
					return -1;
			}
			break;
		case TM_OPT_INT:
			*FIELD(base, o->offset, int) = o->idef;
			break;
		case TM_OPT_BOOL:
			*FIELD(base, o->offset, bool) = o->idef != 0;
			break;
		case TM_OPT_ENUM:
			*FIELD(base, o->offset, int) =
				o->def ? tm_opt_enum(o->names, o->def) : o->idef;
			break;
		case TM_OPT_GROUP:
			if (tm_opt_defaults(o->sub, (char *)base + o->offset) < 0)
				return -1;
			break;
		default:
			break;	/* vectors: empty; the caller fills defaults */
		}
	}
	return 0;
}

/* tm_opt_free - free strings, vectors and dkim lists of base */
void
tm_opt_free(const struct tm_opt *table, void *base)
{
	const struct tm_opt *o;
	size_t i;

	for (o = table; o->name; o++) {
		switch (o->type) {
		case TM_OPT_STRING:
			free(*FIELD(base, o->offset, char *));
			*FIELD(base, o->offset, char *) = NULL;
			break;
		case TM_OPT_STRV:
			tm_strv_fini(FIELD(base, o->offset, struct tm_strv));
			break;
		case TM_OPT_CIDRV:
			free(*FIELD(base, o->offset, struct tm_cidr *));
			*FIELD(base, o->offset, struct tm_cidr *) = NULL;
			break;
		case TM_OPT_GROUP:
			tm_opt_free(o->sub, (char *)base + o->offset);
			break;
		case TM_OPT_DKIMV: {
			struct tm_dkim_list *dl = FIELD(base, o->offset,
						       struct tm_dkim_list);

			for (i = 0; i < dl->n; i++) {
				tm_opt_free(o->sub, &dl->v[i]);
				free(dl->v[i].key_error);
			}
			free(dl->v);
			dl->v = NULL;
			dl->n = 0;
			break;
		}
		default:
			break;
		}
	}
}
