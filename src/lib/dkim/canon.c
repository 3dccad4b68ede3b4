/*
 * canon.c - relaxed header and body canonicalization into a digest.
 *
 * Public functions: tm_canon_body_init(), tm_canon_body_update(),
 * tm_canon_body_final(), tm_canon_header().
 *
 * Body (RFC 6376 3.4.4): WSP runs inside a line become one SP, WSP at
 * the end of a line goes, empty lines at the end of the body go, and a
 * non-empty body ends with CRLF (an empty body hashes as nothing).  The
 * only things held back between chunks are a count of empty lines and
 * whether a WSP run or a CR is pending, so memory does not grow with the
 * body.  Ordinary text reaches the digest in runs taken from the caller's
 * buffer: a run goes on through single spaces that are followed by an
 * ordinary byte, so a line of prose is usually one update.
 */

#include "config.h"

#include <string.h>

#include <openssl/evp.h>

#include "dkim/canon.h"

static const char crlf[] = "\r\n";

/* ordinary - a byte that stands for itself */
static int
ordinary(unsigned char c)
{
	return c != ' ' && c != '\t' && c != '\r' && c != '\n';
}

/* put - bytes to the digest; 0 ok, -1 failure */
static int
put(struct tm_canon_body *b, const void *p, size_t n)
{
	return EVP_DigestUpdate(b->md, p, n) == 1 ? 0 : -1;
}

/* release - text follows: the held-back empty lines and WSP are real */
static int
release(struct tm_canon_body *b)
{
	for (; b->blank > 0; b->blank--)
		if (put(b, crlf, 2) < 0)
			return -1;
	if (b->wsp && put(b, " ", 1) < 0)
		return -1;
	b->wsp = false;
	b->in_line = true;
	return 0;
}

/* end_line - a line ends: CRLF now if it had content, else hold it */
static int
end_line(struct tm_canon_body *b)
{
	b->wsp = false;
	if (!b->in_line) {
		b->blank++;
		return 0;
	}
	b->in_line = false;
	return put(b, crlf, 2);
}

void
tm_canon_body_init(struct tm_canon_body *b, struct evp_md_ctx_st *md)
{
	memset(b, 0, sizeof(*b));
	b->md = md;
}

int
tm_canon_body_update(struct tm_canon_body *b, const unsigned char *p,
		     size_t len)
{
	size_t i = 0, start;

	while (i < len) {
		unsigned char c = p[i];

		if (b->cr) {		/* CR LF, or a CR of its own */
			b->cr = false;
			if (c == '\n') {
				i++;
				if (end_line(b) < 0)
					return -1;
				continue;
			}
			if (release(b) < 0 || put(b, "\r", 1) < 0)
				return -1;
		}
		if (c == '\r' || c == '\n' || c == ' ' || c == '\t') {
			i++;
			if (c == '\r')
				b->cr = true;
			else if (c == '\n') {
				if (end_line(b) < 0)
					return -1;
			} else
				b->wsp = true;
			continue;
		}
		if (release(b) < 0)
			return -1;
		for (start = i; i < len; i++) {
			if (p[i] == ' ' && i + 1 < len && ordinary(p[i + 1]))
				i++;
			else if (!ordinary(p[i]))
				break;
		}
		if (put(b, p + start, i - start) < 0)
			return -1;
	}
	return 0;
}

int
tm_canon_body_final(struct tm_canon_body *b)
{
	if (b->cr) {			/* the body ended in a lone CR */
		b->cr = false;
		if (release(b) < 0 || put(b, "\r", 1) < 0)
			return -1;
	}
	b->blank = 0;
	b->wsp = false;
	if (b->in_line) {
		b->in_line = false;
		return put(b, crlf, 2);
	}
	return 0;
}

/* lower - ASCII lower case, locale-free */
static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int
tm_canon_header(struct evp_md_ctx_st *md, const char *name, const char *value,
		bool add_crlf)
{
	char buf[512];
	size_t n = 0;
	int wsp = 0, any = 0;
	const char *p;

	/* The name, lower-cased, without WSP before the colon. */
	for (p = name; *p; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (n == sizeof(buf) - 1) {
			if (EVP_DigestUpdate(md, buf, n) != 1)
				return -1;
			n = 0;
		}
		buf[n++] = lower(*p);
	}
	buf[n++] = ':';
	/* The value unfolded, WSP runs as one SP, none at either end. */
	for (p = value; *p; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (*p == ' ' || *p == '\t') {
			wsp = any;
			continue;
		}
		if (n + 2 > sizeof(buf)) {
			if (EVP_DigestUpdate(md, buf, n) != 1)
				return -1;
			n = 0;
		}
		if (wsp)
			buf[n++] = ' ';
		buf[n++] = *p;
		wsp = 0;
		any = 1;
	}
	if (n > 0 && EVP_DigestUpdate(md, buf, n) != 1)
		return -1;
	if (add_crlf && EVP_DigestUpdate(md, crlf, 2) != 1)
		return -1;
	return 0;
}
