/*
 * dnsname.c - domain-name syntax (dnsname.h): one loop over the labels,
 * the characters allowed in a label chosen by flags.
 *
 * Public: tm_dnsname_ok, tm_dnsname_ok_str.
 */

#include "config.h"

#include <string.h>

#include "dns/dnsname.h"

/* label_char - may c appear in a label under flags? (ASCII only) */
static int
label_char(unsigned char c, unsigned flags)
{
	if (flags & TM_DNSNAME_ANY)
		return 1;
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '-' ||
		(c == '_' && (flags & TM_DNSNAME_UNDERSCORE));
}

/* label_ok - one label s[0..n) */
static int
label_ok(const char *s, size_t n, unsigned flags)
{
	size_t i;

	if (n == 0 || n > 63)
		return 0;
	if (!(flags & (TM_DNSNAME_EDGE_HYPHEN | TM_DNSNAME_ANY)) &&
	    (s[0] == '-' || s[n - 1] == '-'))
		return 0;
	for (i = 0; i < n; i++)
		if (!label_char((unsigned char)s[i], flags))
			return 0;
	return 1;
}

/* tm_dnsname_ok - name[0..len) valid with min_labels labels or more? */
int
tm_dnsname_ok(const char *name, size_t len, unsigned flags,
	      unsigned min_labels)
{
	unsigned labels = 0;
	size_t start = 0, i;

	if ((flags & TM_DNSNAME_FINAL_DOT) && len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > TM_DNSNAME_MAX || memchr(name, '\0', len))
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		if (!label_ok(name + start, i - start, flags))
			return 0;
		labels++;
		start = i + 1;
	}
	return labels >= min_labels;
}

/* tm_dnsname_ok_str - tm_dnsname_ok of a C string */
int
tm_dnsname_ok_str(const char *name, unsigned flags, unsigned min_labels)
{
	return tm_dnsname_ok(name, strlen(name), flags, min_labels);
}

/* lower - ASCII only, whatever the locale */
static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* tm_dnsname_equal - "Example.ORG." equals "example.org" */
int
tm_dnsname_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	if (la != lb)
		return 0;
	for (i = 0; i < la; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}
