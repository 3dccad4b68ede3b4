#ifndef TM_ADDR_H
#define TM_ADDR_H

/*
 * addr - RFC 5322 addresses: parse a From (or Reply-To) header value into
 * its one mailbox, parse an SMTP MAIL FROM path, and write a header value
 * with a new address while keeping the display name as written.
 *
 * Handles quoted strings, quoted local parts, comments (nested), folded
 * values (CRLF or LF followed by WSP), RFC 2047 encoded words (kept as
 * written), obsolete route syntax is refused.  A group ("undisclosed:;"),
 * no mailbox, or more than one mailbox is an error: the message must not
 * be signed as is.
 *
 * Pure functions, thread-safe.  Returned strings are the caller's to free.
 * On -1, errno tells a bad address (EINVAL: why is the reason for a 5xx
 * reply) from a lack of memory (ENOMEM: why is "out of memory", tempfail).
 */

#include <stddef.h>

struct tm_mailbox {
	char *display;		/* display name as written (raw), or NULL */
	char *local;		/* local part, as written (quotes kept) */
	char *domain;		/* domain, lower case */
	char *addr;		/* local@domain */
};

/*
 * tm_addr_parse_mailbox - the one mailbox of a header value.  0 ok, -1
 * with a reason fit for an SMTP reply in why ("From has 2 addresses",
 * "From is a group", "From: unbalanced quote", "From has no address").
 */
int tm_addr_parse_mailbox(const char *value, struct tm_mailbox *out,
			  char *why, size_t whylen);
void tm_mailbox_fini(struct tm_mailbox *);

/*
 * tm_addr_parse_path - the address of an SMTP MAIL FROM/RCPT TO argument
 * ("<a@b>", "<a@b> SIZE=10", "a@b", "<>").  *addr is "" for the null
 * path.  0 ok, -1 not an address (why says so).
 */
int tm_addr_parse_path(const char *arg, char **addr, char *why, size_t whylen);

/* tm_addr_domain - the domain part of local@domain (borrowed), or "" */
const char *tm_addr_domain(const char *addr);

/*
 * tm_addr_format - a header value "DISPLAY <addr>" with display kept as
 * written (quoted string, encoded words, comment text); "<addr>" when
 * display is NULL or empty.  NULL when out of memory.
 */
char *tm_addr_format(const char *display, const char *addr);

#endif
