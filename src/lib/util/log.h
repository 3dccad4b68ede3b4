#ifndef TM_LOG_H
#define TM_LOG_H

/*
 * log - the only caller of syslog(3).  Lines are Postfix-style: a
 * severity prefix for problems ("warning: ", "error: ", "fatal: "), and
 * per-message decision lines that start with the queue id.
 *
 * With -f, every line also goes to stderr.  Text taken from a message or
 * from DNS goes through tm_sanitize() first (DESIGN.md step 9).
 *
 * Thread safety: tm_log_open() once at start-up (and on reload, with the
 * milter's threads running: the settings are swapped under a lock);
 * logging from any thread.
 */

#include <stddef.h>

enum tm_sev { TM_LOG_DEBUG, TM_LOG_INFO, TM_LOG_NOTICE, TM_LOG_WARNING,
	      TM_LOG_ERROR, TM_LOG_FATAL, TM_LOG_PANIC };

/* tm_log_open - ident, facility and level names as in the config */
void tm_log_open(const char *ident, const char *facility, const char *level,
		 int to_stderr);
void tm_log(enum tm_sev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * tm_sanitize - copy src into dst (at most len-1 bytes, always NUL
 * terminated): control characters (CR, LF, TAB included) become a space,
 * `"` and `\` are backslash-escaped, bytes >= 0x80 are kept.  Returns dst.
 */
char *tm_sanitize(char *dst, size_t len, const char *src);

#endif
