#ifndef TM_CIDR_H
#define TM_CIDR_H

/*
 * cidr - IP networks and addresses: parsing ("a.b.c.d/n", "x::/n", bare
 * addresses), prefix masking and matching, and the one place that knows
 * IPv4-mapped IPv6 (::ffff:a.b.c.d, RFC 4291 2.5.5.2): a client that
 * reaches an IPv6 socket from IPv4 is matched, checked and logged as the
 * IPv4 address it is.
 *
 * Pure functions on caller storage; thread-safe.
 */

#include <stddef.h>
#include <string.h>

struct sockaddr;

/* A network: family AF_INET or AF_INET6, address masked to prefix bits. */
struct tm_cidr {
	int family;
	int prefix;
	unsigned char addr[16];
};

/* tm_cidr_parse - "a.b.c.d/n", "x::/n" or a bare address; 0 ok, -1 bad */
int tm_cidr_parse(const char *, struct tm_cidr *);
/* tm_cidr_contains - does net contain the address (same family)? */
int tm_cidr_contains(const struct tm_cidr *net, const struct tm_cidr *addr);

/* tm_cidr_is_mapped - do 16 address bytes start with ::ffff:0:0/96? */
int tm_cidr_is_mapped(const unsigned char *addr16);

/*
 * tm_cidr_host - the address in (its prefix ignored) as a full-length
 * host: an IPv4-mapped IPv6 address becomes IPv4/32, IPv4 /32, IPv6 /128.
 */
void tm_cidr_host(const struct tm_cidr *in, struct tm_cidr *out);

/*
 * tm_cidr_unmap_net - a network as it matches unmapped clients: an
 * IPv4-mapped IPv6 network of prefix 96 or longer becomes the IPv4
 * network (prefix - 96); any other network is copied.
 */
void tm_cidr_unmap_net(const struct tm_cidr *in, struct tm_cidr *out);

/* tm_cidr_from_sockaddr - tm_cidr_host of a socket address; -1 not IP */
int tm_cidr_from_sockaddr(const struct sockaddr *, struct tm_cidr *out);

/*
 * tm_cidr_mask - copy the first prefix bits (0-128) of addr into out,
 * 16 bytes, the rest zero.  Inline: the tenant index masks on every
 * lookup.  addr must hold (prefix + 7) / 8 bytes.
 */
static inline void
tm_cidr_mask(unsigned char *out, const unsigned char *addr, int prefix)
{
	int full = prefix / 8, bits = prefix % 8;

	memset(out, 0, 16);
	memcpy(out, addr, (size_t)full);
	if (bits)
		out[full] = (unsigned char)(addr[full] & (0xff00 >> bits));
}

#endif
