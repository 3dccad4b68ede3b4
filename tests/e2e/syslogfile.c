/*
 * syslogfile.c - LD_PRELOAD for the test Sendmail: there is no syslog
 * socket in the test machines, so syslog() lines are appended to the file
 * named by $SYSLOG_FILE instead.  The variable is read in a constructor,
 * before Sendmail empties its environment.
 *
 *   cc -shared -fPIC -o syslogfile.so syslogfile.c
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static char path[4096];
static char ident[64] = "sendmail";

__attribute__((constructor)) static void
init(void)
{
	const char *p = getenv("SYSLOG_FILE");

	if (p)
		snprintf(path, sizeof(path), "%s", p);
}

void
openlog(const char *id, int opt, int fac)
{
	(void)opt;
	(void)fac;
	if (id)
		snprintf(ident, sizeof(ident), "%s", id);
}

void
closelog(void)
{
}

void
vsyslog(int pri, const char *fmt, va_list ap)
{
	FILE *f;

	(void)pri;
	if (path[0] == '\0' || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%s[%ld]: ", ident, (long)getpid());
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fclose(f);
}

void
syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...);
void
__syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}
