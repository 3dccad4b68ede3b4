/*
 * log.c - syslog with Postfix-style severities, optional copy to stderr.
 */

#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "util/log.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static enum tm_sev min_sev = TM_LOG_INFO;
static int echo_stderr;

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static const char *const level_names[] = {
	"debug", "info", "notice", "warning", "error"
};

/* tm_log_open - (re)configure */
void
tm_log_open(const char *ident, const char *facility, const char *level,
	    int to_stderr)
{
	int fac = LOG_MAIL;
	size_t i;

	for (i = 0; facility && i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(facility, facilities[i].name) == 0)
			fac = facilities[i].value;
	pthread_mutex_lock(&lock);
	for (i = 0; level && i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(level, level_names[i]) == 0)
			min_sev = (enum tm_sev)i;
	echo_stderr = to_stderr;
	closelog();
	openlog(ident, LOG_PID | LOG_NDELAY, fac);
	pthread_mutex_unlock(&lock);
}

/* tm_log - one line at a severity */
void
tm_log(enum tm_sev sev, const char *fmt, ...)
{
	static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_NOTICE,
				    LOG_WARNING, LOG_ERR, LOG_CRIT, LOG_CRIT };
	static const char *const prefix[] = { "", "", "", "warning: ",
					       "error: ", "fatal: ", "panic: " };
	char line[2048];
	va_list ap;
	int echo;

	pthread_mutex_lock(&lock);
	echo = echo_stderr;
	if (sev < min_sev) {
		pthread_mutex_unlock(&lock);
		return;
	}
	pthread_mutex_unlock(&lock);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	syslog(prio[sev], "%s%s", prefix[sev], line);
	if (echo) {
		flockfile(stderr);
		fprintf(stderr, "tenant-milter: %s%s\n", prefix[sev], line);
		funlockfile(stderr);
	}
}

/* tm_sanitize - no control characters, quotes and backslashes escaped */
char *
tm_sanitize(char *dst, size_t len, const char *src)
{
	size_t o = 0;

	if (len == 0)
		return dst;
	for (; src && *src && o + 1 < len; src++) {
		unsigned char c = (unsigned char)*src;

		if (c == '"' || c == '\\') {
			if (o + 2 >= len)
				break;
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f)
			dst[o++] = ' ';
		else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return dst;
}
