/*
 * try_edit.c - `tenantctl try` applies a decision's edits to a copy of
 * the headers and prints each change (try_edit.h).  Indexes count the
 * headers of a name from 1 and inserts count positions from the top, as
 * smfi_chgheader and smfi_insheader do.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "try_edit.h"

/* hdr_set - copies of name and value into *h; -1 out of memory */
static int
hdr_set(struct tctl_hdr *h, const char *name, const char *value)
{
	h->name = strdup(name);
	h->value = strdup(value);
	if (h->name && h->value)
		return 0;
	free(h->name);
	free(h->value);
	return -1;
}

/* tctl_edit_init - copy the headers */
int
tctl_edit_init(struct tctl_edit *e, const struct tm_hdrs *h, FILE *log)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	e->log = log;
	if (h->n && (e->v = calloc(h->n, sizeof(*e->v))) == NULL)
		return -1;
	for (i = 0; i < h->n; i++, e->n++)
		if (hdr_set(&e->v[i], h->v[i].name, h->v[i].value) < 0) {
			tctl_edit_fini(e);
			return -1;
		}
	return 0;
}

/* tctl_edit_fini - every copy */
void
tctl_edit_fini(struct tctl_edit *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].name);
		free(e->v[i].value);
	}
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* tctl_edit_print - "Name: value" per header */
void
tctl_edit_print(const struct tctl_edit *e, FILE *fp)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(fp, "%s: %s\n", e->v[i].name, e->v[i].value);
}

/* nth - position of the index-th (1-based) header called name, or -1 */
static long
nth(const struct tctl_edit *e, const char *name, size_t index)
{
	size_t i, seen = 0;

	for (i = 0; i < e->n; i++)
		if (strcasecmp(e->v[i].name, name) == 0 && ++seen == index)
			return (long)i;
	return -1;
}

/* put_at - a new header at position pos (0..n) */
static int
put_at(struct tctl_edit *e, size_t pos, const char *name, const char *value)
{
	struct tctl_hdr *v = realloc(e->v, (e->n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	e->v = v;
	if (pos > e->n)
		pos = e->n;
	memmove(&v[pos + 1], &v[pos], (e->n - pos) * sizeof(*v));
	if (hdr_set(&v[pos], name, value) < 0) {
		memmove(&v[pos], &v[pos + 1], (e->n - pos) * sizeof(*v));
		return -1;
	}
	e->n++;
	return 0;
}

/* edit_remove - as smfi_chgheader(name, index, NULL) */
static int
edit_remove(void *arg, const char *name, size_t index)
{
	struct tctl_edit *e = arg;
	long i = nth(e, name, index);

	if (i < 0)
		return 0;		/* libmilter: nothing to remove is no error */
	fprintf(e->log, "  remove   %s: %s\n", e->v[i].name, e->v[i].value);
	free(e->v[i].name);
	free(e->v[i].value);
	memmove(&e->v[i], &e->v[i + 1], (e->n - (size_t)i - 1) * sizeof(*e->v));
	e->n--;
	return 0;
}

/* edit_change - as smfi_chgheader(name, index, value) */
static int
edit_change(void *arg, const char *name, size_t index, const char *value)
{
	struct tctl_edit *e = arg;
	long i = nth(e, name, index);
	char *v;

	if (i < 0)			/* libmilter adds a header it cannot find */
		return put_at(e, e->n, name, value);
	if ((v = strdup(value)) == NULL)
		return -1;
	fprintf(e->log, "  change   %s: %s\n", name, value);
	free(e->v[i].value);
	e->v[i].value = v;
	return 0;
}

/* edit_add - as smfi_addheader: after the last header */
static int
edit_add(void *arg, const char *name, const char *value)
{
	struct tctl_edit *e = arg;

	fprintf(e->log, "  add      %s: %s\n", name, value);
	return put_at(e, e->n, name, value);
}

/* edit_insert - as smfi_insheader: at position pos */
static int
edit_insert(void *arg, size_t pos, const char *name, const char *value)
{
	return put_at(arg, pos, name, value);
}

/* edit_env_from - as smfi_chgfrom */
static int
edit_env_from(void *arg, const char *addr)
{
	struct tctl_edit *e = arg;

	fprintf(e->log, "  envelope MAIL FROM:<%s>\n", addr);
	return 0;
}

/* edit_hold - as smfi_quarantine */
static int
edit_hold(void *arg, const char *reason)
{
	struct tctl_edit *e = arg;

	fprintf(e->log, "  hold     into Postfix's hold queue (%s)\n", reason);
	return 0;
}

const struct tm_edit_ops tctl_edit_ops = {
	edit_remove, edit_change, edit_add, edit_insert, edit_env_from,
	edit_hold,
};
