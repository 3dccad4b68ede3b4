/*
 * err.c - error list with FILE:LINE locations.
 *
 * tm_err_add() never fails visibly: when memory runs out the list keeps
 * its counters right and sets `oom`, so a caller still knows that
 * validation failed.  A NULL list is accepted everywhere and ignored.
 */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* tm_err_init - empty list */
void
tm_err_init(struct tm_err *e)
{
	memset(e, 0, sizeof(*e));
}

/* tm_err_fini - release every item */
void
tm_err_fini(struct tm_err *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n; i++) {
		free(e->items[i].file);
		free(e->items[i].msg);
	}
	free(e->items);
	memset(e, 0, sizeof(*e));
}

/* count - keep the per-kind counters, even when the item itself is lost */
static void
count(struct tm_err *e, enum tm_err_kind kind)
{
	if (kind == TM_ERR_FATAL)
		e->n_fatal++;
	else if (kind == TM_ERR_TENANT)
		e->n_tenant++;
	else
		e->n_warning++;
}

/* tm_err_vadd - record one problem */
void
tm_err_vadd(struct tm_err *e, enum tm_err_kind kind, const char *file,
	    int line, const char *fmt, va_list ap)
{
	struct tm_err_item *it;
	char *msg = NULL;

	if (e == NULL)
		return;
	count(e, kind);
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 8;
		void *p = realloc(e->items, cap * sizeof(*e->items));

		if (p == NULL) {
			e->oom = 1;
			return;
		}
		e->items = p;
		e->cap = cap;
	}
	if (vasprintf(&msg, fmt, ap) < 0) {
		e->oom = 1;
		return;
	}
	it = &e->items[e->n];
	it->kind = kind;
	it->line = line;
	it->msg = msg;
	it->file = file ? strdup(file) : NULL;
	if (file && it->file == NULL) {
		free(msg);
		e->oom = 1;
		return;
	}
	e->n++;
}

/* tm_err_add - record one problem, printf-style */
void
tm_err_add(struct tm_err *e, enum tm_err_kind kind, const char *file,
	   int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tm_err_vadd(e, kind, file, line, fmt, ap);
	va_end(ap);
}

/* tm_err_format - "FILE:LINE: [warning: ]message" */
int
tm_err_format(const struct tm_err_item *it, char *buf, size_t len)
{
	const char *w = it->kind == TM_ERR_WARNING ? "warning: " : "";

	if (it->file && it->line > 0)
		return snprintf(buf, len, "%s:%d: %s%s", it->file, it->line, w,
				it->msg);
	if (it->file)
		return snprintf(buf, len, "%s: %s%s", it->file, w, it->msg);
	return snprintf(buf, len, "%s%s", w, it->msg);
}

/* tm_err_print - every item, one per line */
void
tm_err_print(const struct tm_err *e, FILE *fp)
{
	char buf[1024];
	size_t i;

	for (i = 0; i < e->n; i++) {
		tm_err_format(&e->items[i], buf, sizeof(buf));
		fprintf(fp, "%s\n", buf);
	}
	if (e->oom)
		fprintf(fp, "out of memory: some problems were not recorded\n");
}

/* tm_err_failed - any fatal or tenant error? */
int
tm_err_failed(const struct tm_err *e)
{
	return e->n_fatal > 0 || e->n_tenant > 0;
}

/* tm_err_first - first fatal message, else first tenant message, else "" */
const char *
tm_err_first(const struct tm_err *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (e->items[i].kind == TM_ERR_FATAL)
			return e->items[i].msg;
	for (i = 0; i < e->n; i++)
		if (e->items[i].kind == TM_ERR_TENANT)
			return e->items[i].msg;
	return "";
}

/* tm_say - format a reason into a caller buffer that may be NULL */
void
tm_say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* tm_errno_text - strerror_r in whichever flavour libc has */
const char *
tm_errno_text(int err, char *buf, size_t len)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
	return strerror_r(err, buf, len);
#else
	if (strerror_r(err, buf, len) != 0)
		snprintf(buf, len, "error %d", err);
	return buf;
#endif
}
