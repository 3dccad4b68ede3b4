/*
 * cidr.c - parsing, masking and matching of IP networks, IPv4-mapped
 * IPv6 handling (cidr.h).
 *
 * Public: tm_cidr_parse, tm_cidr_contains, tm_cidr_is_mapped,
 * tm_cidr_host, tm_cidr_unmap_net, tm_cidr_from_sockaddr.
 */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/cidr.h"

static const unsigned char v4_mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* tm_cidr_is_mapped - ::ffff:0:0/96? */
int
tm_cidr_is_mapped(const unsigned char *addr16)
{
	return memcmp(addr16, v4_mapped, sizeof(v4_mapped)) == 0;
}

/* tm_cidr_parse - "addr/prefix" or "addr"; host bits are cleared */
int
tm_cidr_parse(const char *s, struct tm_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned char a[16];
	long prefix = -1;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	memset(out, 0, sizeof(*out));
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		if (*slash < '0' || *slash > '9')
			return -1;
		prefix = strtol(slash, &end, 10);
		if (*end != '\0')
			return -1;
	}
	memset(a, 0, sizeof(a));
	if (inet_pton(AF_INET, buf, a) == 1) {
		out->family = AF_INET;
		if (prefix > 32)
			return -1;
		out->prefix = prefix < 0 ? 32 : (int)prefix;
	} else if (inet_pton(AF_INET6, buf, a) == 1) {
		out->family = AF_INET6;
		if (prefix > 128)
			return -1;
		out->prefix = prefix < 0 ? 128 : (int)prefix;
	} else
		return -1;
	tm_cidr_mask(out->addr, a, out->prefix);
	return 0;
}

/* tm_cidr_contains - is addr (a full-length tm_cidr) inside net? */
int
tm_cidr_contains(const struct tm_cidr *net, const struct tm_cidr *addr)
{
	int max = net->family == AF_INET ? 32 : 128, prefix = net->prefix;
	unsigned char m[16];

	if (net->family != addr->family)
		return 0;
	prefix = prefix < 0 ? 0 : prefix > max ? max : prefix;
	tm_cidr_mask(m, addr->addr, prefix);
	return memcmp(m, net->addr, sizeof(m)) == 0;
}

/* host_of - out = the host family/addr (16 bytes), unmapped */
static void
host_of(int family, const unsigned char *a, struct tm_cidr *out)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET6 && tm_cidr_is_mapped(a)) {
		out->family = AF_INET;
		memcpy(out->addr, a + 12, 4);
	} else {
		out->family = family;
		memcpy(out->addr, a, family == AF_INET ? 4 : 16);
	}
	out->prefix = out->family == AF_INET ? 32 : 128;
}

/* tm_cidr_host - full-length host, IPv4-mapped IPv6 unmapped */
void
tm_cidr_host(const struct tm_cidr *in, struct tm_cidr *out)
{
	struct tm_cidr tmp = *in;	/* in and out may be the same */

	host_of(tmp.family, tmp.addr, out);
}

/* tm_cidr_unmap_net - a mapped network /96 and longer as IPv4 */
void
tm_cidr_unmap_net(const struct tm_cidr *in, struct tm_cidr *out)
{
	struct tm_cidr tmp = *in;

	if (tmp.family == AF_INET6 && tmp.prefix >= 96 && tmp.prefix <= 128 &&
	    tm_cidr_is_mapped(tmp.addr)) {
		memset(out, 0, sizeof(*out));
		out->family = AF_INET;
		out->prefix = tmp.prefix - 96;
		tm_cidr_mask(out->addr, tmp.addr + 12, out->prefix);
	} else
		*out = tmp;
}

/* tm_cidr_from_sockaddr - the client address of a socket; -1 not IP */
int
tm_cidr_from_sockaddr(const struct sockaddr *sa, struct tm_cidr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		host_of(AF_INET, (const unsigned char *)&sin->sin_addr, out);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		host_of(AF_INET6, sin6->sin6_addr.s6_addr, out);
		return 0;
	}
	return -1;
}
