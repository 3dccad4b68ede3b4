/*
 * conf_syntax.c - syntax of the values found in configuration files:
 * tenant ids, domain names, addresses, networks, sockets, header names.
 *
 * Pure functions, thread-safe.  The tm_valid_fn_* forms fit the settings
 * table (conf_table.h): 0 valid, -1 with a short reason.
 */

#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_table.h"

/* tm_valid_tenant_id - [a-z0-9][a-z0-9-]{0,62} */
int
tm_valid_tenant_id(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (!(islower(c) || isdigit(c) || (c == '-' && i > 0)))
			return 0;
	}
	return 1;
}

/* label_ok - letters, digits, hyphen inside; `extra` also allowed */
static int
label_ok(const char *s, size_t n, const char *extra)
{
	size_t i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (!isalnum(c) && c != '-' && !(extra && strchr(extra, c)))
			return 0;
	}
	return 1;
}

/* name_ok - dot-separated labels; min_labels of them at least */
static int
name_ok(const char *s, int min_labels, const char *extra)
{
	const char *p = s, *dot;
	int labels = 0;

	if (strlen(s) > 253)
		return 0;
	for (;;) {
		dot = strchr(p, '.');
		if (!label_ok(p, dot ? (size_t)(dot - p) : strlen(p), extra))
			return 0;
		labels++;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	return labels >= min_labels;
}

/* tm_valid_domain - a host name with at least two labels */
int
tm_valid_domain(const char *s)
{
	return name_ok(s, 2, NULL);
}

/* atext - RFC 5322 3.2.3 */
static int
atext(int c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* tm_valid_address - dot-atom local part @ domain (RFC 5322 addr-spec) */
int
tm_valid_address(const char *s)
{
	const char *at = strrchr(s, '@'), *p;
	int prev_dot = 1;

	if (at == NULL || at == s || at - s > 64)
		return 0;
	for (p = s; p < at; p++) {
		if (*p == '.') {
			if (prev_dot)
				return 0;
			prev_dot = 1;
		} else if (atext((unsigned char)*p))
			prev_dot = 0;
		else
			return 0;
	}
	return !prev_dot && tm_valid_domain(at + 1);
}

/* mask - clear the bits beyond prefix */
static void
mask(struct tm_cidr *c)
{
	int len = c->family == AF_INET ? 4 : 16, i;

	for (i = 0; i < len; i++) {
		int keep = c->prefix - i * 8;

		if (keep <= 0)
			c->addr[i] = 0;
		else if (keep < 8)
			c->addr[i] &= (unsigned char)(0xff << (8 - keep));
	}
}

/* tm_cidr_parse - "addr/prefix" or "addr"; host bits are cleared */
int
tm_cidr_parse(const char *s, struct tm_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long prefix = -1;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	memset(out, 0, sizeof(*out));
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		if (!isdigit((unsigned char)*slash))
			return -1;
		prefix = strtol(slash, &end, 10);
		if (*end != '\0')
			return -1;
	}
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		if (prefix > 32)
			return -1;
		out->prefix = prefix < 0 ? 32 : (int)prefix;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		if (prefix > 128)
			return -1;
		out->prefix = prefix < 0 ? 128 : (int)prefix;
	} else
		return -1;
	mask(out);
	return 0;
}

/* tm_cidr_contains - is addr (a full-length tm_cidr) inside net? */
int
tm_cidr_contains(const struct tm_cidr *net, const struct tm_cidr *addr)
{
	struct tm_cidr m;

	if (net->family != addr->family)
		return 0;
	m = *addr;
	m.prefix = net->prefix;
	mask(&m);
	return memcmp(m.addr, net->addr, sizeof(m.addr)) == 0;
}

#define WHY(...) (snprintf(why, len, __VA_ARGS__), -1)

int
tm_valid_fn_domain(const char *v, char *why, size_t len)
{
	return tm_valid_domain(v) ? 0 : WHY("not a domain name");
}

int
tm_valid_fn_address(const char *v, char *why, size_t len)
{
	return tm_valid_address(v) ? 0 : WHY("not an address (local@domain)");
}

int
tm_valid_fn_domain_or_address(const char *v, char *why, size_t len)
{
	if (strchr(v, '@'))
		return tm_valid_address(v) ? 0 :
			WHY("not an address (local@domain)");
	return tm_valid_domain(v) ? 0 : WHY("not a domain name or address");
}

int
tm_valid_fn_ip(const char *v, char *why, size_t len)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, v, a) == 1 || inet_pton(AF_INET6, v, a) == 1)
		return 0;
	return WHY("not an IPv4 or IPv6 address");
}

/* tm_valid_fn_socket - libmilter's {inet|inet6}:PORT[@HOST], {unix|local}:PATH */
int
tm_valid_fn_socket(const char *v, char *why, size_t len)
{
	const char *rest;
	char *end;
	long port;

	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) {
		rest = strchr(v, ':') + 1;
		return rest[0] == '/' ? 0 : WHY("socket path must be absolute");
	}
	if (strncmp(v, "inet:", 5) == 0)
		rest = v + 5;
	else if (strncmp(v, "inet6:", 6) == 0)
		rest = v + 6;
	else
		return WHY("want inet:PORT@HOST, inet6:PORT@HOST or unix:/PATH");
	port = strtol(rest, &end, 10);
	if (end == rest || port < 1 || port > 65535 || (*end && *end != '@'))
		return WHY("bad port (1-65535)");
	if (*end == '@' && end[1] == '\0')
		return WHY("empty host after @");
	return 0;
}

/* tm_valid_fn_header - RFC 5322 field name: printable, no colon */
int
tm_valid_fn_header(const char *v, char *why, size_t len)
{
	const char *p;

	if (*v == '\0')
		return WHY("empty header name");
	for (p = v; *p; p++)
		if (*p < 33 || *p > 126 || *p == ':')
			return WHY("not a header field name");
	return 0;
}

/* tm_valid_fn_selector - DKIM selector: labels of letters, digits, -, _ */
int
tm_valid_fn_selector(const char *v, char *why, size_t len)
{
	return name_ok(v, 1, "_") ? 0 : WHY("not a DKIM selector");
}

/* tm_valid_fn_txt_name - a TXT record's owner: labels may hold '_' */
int
tm_valid_fn_txt_name(const char *v, char *why, size_t len)
{
	return name_ok(v, 2, "_") ? 0 : WHY("not a DNS name");
}

/* tm_valid_fn_nameserver - IP or IP@PORT */
int
tm_valid_fn_nameserver(const char *v, char *why, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 8], *at, *end;
	long port;

	if (strlen(v) >= sizeof(buf))
		return WHY("too long");
	strcpy(buf, v);
	if ((at = strchr(buf, '@')) != NULL) {
		*at++ = '\0';
		port = strtol(at, &end, 10);
		if (end == at || *end || port < 1 || port > 65535)
			return WHY("bad port (1-65535)");
	}
	return tm_valid_fn_ip(buf, why, len) == 0 ? 0 :
		WHY("want IP or IP@PORT");
}

/* tm_valid_fn_tenant_domain - a domain with %t in it */
int
tm_valid_fn_tenant_domain(const char *v, char *why, size_t len)
{
	char buf[300], *t;

	if ((t = strstr(v, "%t")) == NULL)
		return WHY("must contain %%t (the tenant id)");
	if (strlen(v) >= sizeof(buf) - 2)
		return WHY("too long");
	snprintf(buf, sizeof(buf), "%.*sx%s", (int)(t - v), v, t + 2);
	return tm_valid_domain(buf) ? 0 : WHY("not a domain name template");
}

/* tm_valid_fn_sasl_user - non-empty, no blanks or control characters */
int
tm_valid_fn_sasl_user(const char *v, char *why, size_t len)
{
	const char *p;

	if (*v == '\0')
		return WHY("empty");
	for (p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 127)
			return WHY("contains a blank or control character");
	return 0;
}
