#ifndef TM_ERR_H
#define TM_ERR_H

/*
 * err - a list of configuration and runtime problems, each naming the
 * file and line (or the tenant) at fault.
 *
 * Three kinds:
 *   TM_ERR_FATAL    the configuration is invalid (does not start, reload
 *                   keeps the old one);
 *   TM_ERR_TENANT   one tenant is unusable (key or secret file): -t and
 *                   `tenantctl check` fail, the daemon isolates the tenant;
 *   TM_ERR_WARNING  reported, never fails anything.
 *
 * Printed as "FILE:LINE: message", "FILE:LINE: warning: message", or
 * "FILE: message" when no line applies.  Not thread-safe: one list per
 * caller.
 *
 * Also the two helpers of the other error mechanism, a reason buffer:
 * tm_say (format into a buffer that may be NULL) and tm_errno_text
 * (strerror, thread-safe).  Both are thread-safe.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum tm_err_kind { TM_ERR_FATAL, TM_ERR_TENANT, TM_ERR_WARNING };

struct tm_err_item {
	enum tm_err_kind kind;
	char *file;			/* may be NULL */
	int line;			/* 0: no line */
	char *msg;
};

struct tm_err {
	struct tm_err_item *items;
	size_t n, cap;
	size_t n_fatal, n_tenant, n_warning;
	int oom;			/* an item could not be recorded */
};

void tm_err_init(struct tm_err *);
void tm_err_fini(struct tm_err *);
void tm_err_add(struct tm_err *, enum tm_err_kind, const char *file,
		int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void tm_err_vadd(struct tm_err *, enum tm_err_kind, const char *file,
		 int line, const char *fmt, va_list)
	__attribute__((format(printf, 5, 0)));
/* tm_err_format - one item as printed; returns bytes needed like snprintf */
int tm_err_format(const struct tm_err_item *, char *buf, size_t len);
void tm_err_print(const struct tm_err *, FILE *);
/* tm_err_failed - 1 if any fatal or tenant error was recorded */
int tm_err_failed(const struct tm_err *);
/* tm_err_first - the message of the first fatal (else tenant) error, or "" */
const char *tm_err_first(const struct tm_err *);

/* tm_say - vsnprintf into buf; nothing when buf is NULL or len 0 */
void tm_say(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* tm_errno_text - strerror(err) into buf (or a static string); thread-safe */
const char *tm_errno_text(int err, char *buf, size_t len);

#endif
