/*
 * txtzone.c - TXT records in master-file form (txtzone.h).
 *
 * Public: tm_dns_txt_zone().  Fails only when out of memory (NULL).
 * Thread-safe.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/txtzone.h"

/* tm_dns_txt_zone - RFC 1035 5.1 form; caller frees */
char *
tm_dns_txt_zone(const char *owner, const char *txt)
{
	size_t len = strlen(txt), olen = strlen(owner), i, k, size;
	const char *dot = olen && owner[olen - 1] == '.' ? "" : ".";
	char *out, *p;
	int n;

	/* every byte escaped, plus quotes and a line break per string */
	size = olen + 32 + 2 * len + (len / TM_TXT_STRING_MAX + 1) * 6;
	if ((out = malloc(size)) == NULL)
		return NULL;
	n = snprintf(out, size, "%s%s IN TXT ( ", owner, dot);
	if (n < 0 || (size_t)n >= size) {
		free(out);
		return NULL;
	}
	p = out + n;
	i = 0;
	do {
		if (i > 0) {
			*p++ = '\n';
			*p++ = '\t';
		}
		*p++ = '"';
		for (k = 0; k < TM_TXT_STRING_MAX && i < len; k++, i++) {
			if (txt[i] == '"' || txt[i] == '\\')
				*p++ = '\\';
			*p++ = txt[i];
		}
		*p++ = '"';
	} while (i < len);
	memcpy(p, " )", 3);
	return out;
}
