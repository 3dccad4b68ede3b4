/*
 * conf_syntax.c - syntax of the values found in configuration files:
 * tenant ids, domain names, addresses, networks, sockets, header names.
 *
 * Pure functions, thread-safe.  The tm_valid_fn_* forms fit the settings
 * table (conf_table.h): 0 valid, -1 with a short reason.
 */

#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/conf_table.h"
#include "dns/dnsname.h"

/* tm_valid_tenant_id - [a-z0-9][a-z0-9-]{0,62} */
int
tm_valid_tenant_id(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c == '-' && i > 0)))
			return 0;
	}
	return 1;
}

/* tm_valid_domain - a host name with at least two labels */
int
tm_valid_domain(const char *s)
{
	return tm_dnsname_ok_str(s, 0, 2);
}

/* atext - RFC 5322 3.2.3 */
static int
atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') ||
		(c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
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
	return tm_dnsname_ok_str(v, TM_DNSNAME_UNDERSCORE, 1) ? 0 :
		WHY("not a DKIM selector");
}

/* tm_valid_fn_txt_name - a TXT record's owner: labels may hold '_' */
int
tm_valid_fn_txt_name(const char *v, char *why, size_t len)
{
	return tm_dnsname_ok_str(v, TM_DNSNAME_UNDERSCORE, 2) ? 0 :
		WHY("not a DNS name");
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

/* tm_valid_fn_sasl_realm - a login's part after '@': no '@', blanks or controls */
int
tm_valid_fn_sasl_realm(const char *v, char *why, size_t len)
{
	if (tm_valid_fn_sasl_user(v, why, len) < 0)
		return -1;
	if (strchr(v, '@') != NULL)
		return WHY("a realm is the part after '@', without the '@'");
	return 0;
}
