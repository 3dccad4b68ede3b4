/*
 * json.c - JSON writers for tenantctl --json (json.h).
 */

#include "config.h"

#include <stdio.h>

#include "json.h"

/* tctl_json_str - a JSON string, or null */
void
tctl_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", f);
		return;
	}
	putc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			putc(*p, f);
	}
	putc('"', f);
}

/* key - ,"key": */
static void
key(FILE *f, bool first, const char *k)
{
	if (!first)
		putc(',', f);
	tctl_json_str(f, k);
	putc(':', f);
}

void
tctl_json_kv(FILE *f, bool first, const char *k, const char *v)
{
	key(f, first, k);
	tctl_json_str(f, v);
}

void
tctl_json_ki(FILE *f, bool first, const char *k, long v)
{
	key(f, first, k);
	fprintf(f, "%ld", v);
}

void
tctl_json_kb(FILE *f, bool first, const char *k, bool v)
{
	key(f, first, k);
	fputs(v ? "true" : "false", f);
}

void
tctl_json_strv(FILE *f, bool first, const char *k, const struct tm_strv *v)
{
	size_t i;

	key(f, first, k);
	putc('[', f);
	for (i = 0; i < v->n; i++) {
		if (i)
			putc(',', f);
		tctl_json_str(f, v->v[i]);
	}
	putc(']', f);
}
