/*
 * spf_syntax.c - the strict RFC 7208 record checker, and the rewrite of
 * a checked record into the form libspf2 evaluates correctly.
 *
 * tm_spf_record_check() accepts exactly the section 12 grammar: terms
 * separated by spaces, printable ASCII only; mechanisms all, include, a,
 * mx, ptr, ip4, ip6, exists (case-insensitive) with their arguments;
 * CIDR lengths 0-32 / 0-128 without leading zeros; dotted quads without
 * leading zeros; domain-specs non-empty, ending in a macro or in "."
 * toplabel (not all-numeric) with an optional final dot; macros
 * %{letter digits r delimiters}, %%, %_, %- only, the letters c, r, t
 * not in domain-specs (7.1), a digit transformer not 0; modifiers named
 * ALPHA *(ALPHA / DIGIT / "-" / "_" / "."), "redirect" and "exp" at most
 * once and not empty; unknown modifiers need only a valid macro-string.
 *
 * The rewrite, for one client address, keeps what libspf2 gets wrong out
 * of its sight; the result is the same as evaluating the original:
 *   - ip4 and ip6 are decided here: a match becomes "<q>all" (nothing
 *     after it is reached), a miss disappears.  libspf2 refuses /0, and
 *     reads at most 15 characters of an IPv6 address;
 *   - a and mx keep only the CIDR length of the client's family, none
 *     when it is the full length; a length of 0, which libspf2 cannot
 *     hold, becomes TM_SPF_ANY appended to the domain-spec (%{d} when
 *     there was none): the DNS layer then answers with the client's own
 *     address when the name has any address of its family (spf_dns.c);
 *   - redirect goes last (libspf2 evaluates it where it stands), and is
 *     dropped when the record has an "all" mechanism (RFC 7208 6.1);
 *   - exp and unknown modifiers are dropped (explanations are not used,
 *     unknown modifiers are ignored); a final dot of a domain-spec too;
 *   - macros are written the way libspf2 parses them (see put_macro).
 *
 * Thread safety: pure functions.
 */

#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf/spf_int.h"

#define SPF_VERSION_TAG "v=spf1"

enum mech { M_ALL, M_INCLUDE, M_A, M_MX, M_PTR, M_IP4, M_IP6, M_EXISTS };

static const char *const mech_names[] = {
	"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists", NULL
};

/* A growing output string. */
struct buf {
	char *s;
	size_t len, cap;
	int oom;
};

/* put - append n bytes */
static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* put_str - append a string */
static void
put_str(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* fail - format the reason; always -1 */
static int __attribute__((format(printf, 3, 4)))
fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * macros - check the macro-string s[0..n).  letters: the macro letters
 * allowed.  *tail: where the literal text after the last macro-expand
 * starts.  0 ok, -1 with why.
 */
static int
macros(const char *s, size_t n, const char *letters, size_t *tail,
       char *why, size_t whylen)
{
	size_t i = 0, start;
	unsigned value;

	*tail = 0;
	while (i < n) {
		if (s[i] != '%') {
			i++;
			continue;
		}
		if (i + 1 >= n)
			return fail(why, whylen, "'%%' at the end of \"%.*s\"",
				    (int)n, s);
		if (s[i + 1] == '%' || s[i + 1] == '_' || s[i + 1] == '-') {
			i += 2;
			*tail = i;
			continue;
		}
		if (s[i + 1] != '{')
			return fail(why, whylen, "invalid macro \"%%%c\" in "
				    "\"%.*s\"", s[i + 1], (int)n, s);
		i += 2;
		if (i >= n || !strchr(letters, tolower((unsigned char)s[i])))
			return fail(why, whylen, "invalid macro letter in "
				    "\"%.*s\"", (int)n, s);
		for (i++, start = i, value = 0; i < n &&
			     isdigit((unsigned char)s[i]); i++)
			value = value > 1000 ? value : value * 10 +
				(unsigned)(s[i] - '0');
		if (i > start && value == 0)	/* RFC 7208 7.3: at least one */
			return fail(why, whylen, "macro transformer 0 in "
				    "\"%.*s\"", (int)n, s);
		if (i < n && (s[i] == 'r' || s[i] == 'R'))
			i++;
		while (i < n && strchr(".-+,/_=", s[i]))
			i++;
		if (i >= n || s[i] != '}')
			return fail(why, whylen, "unterminated or invalid macro "
				    "in \"%.*s\"", (int)n, s);
		i++;
		*tail = i;
	}
	return 0;
}

/* toplabel - RFC 7208 toplabel: LDH, no hyphen at the ends, not numeric */
static int
toplabel(const char *s, size_t n)
{
	int alpha = 0, hyphen = 0;
	size_t i;

	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalpha(c))
			alpha = 1;
		else if (c == '-')
			hyphen = 1;
		else if (!isdigit(c))
			return 0;
	}
	return alpha || hyphen;
}

/* domain_spec - check a domain-spec s[0..n); 0 ok, -1 with why */
static int
domain_spec(const char *s, size_t n, char *why, size_t whylen)
{
	const char *dot;
	size_t tail, end = n;

	if (n == 0)
		return fail(why, whylen, "empty domain-spec");
	if (macros(s, n, "slodiphv", &tail, why, whylen) < 0)
		return -1;
	if (tail == n)			/* domain-end = macro-expand */
		return 0;
	if (end > tail && s[end - 1] == '.')
		end--;
	for (dot = s + end; dot > s + tail && dot[-1] != '.'; dot--)
		;
	if (dot == s + tail || !toplabel(dot, (size_t)(s + end - dot)))
		return fail(why, whylen, "\"%.*s\" does not end in a valid "
			    "top label", (int)n, s);
	return 0;
}

/* cidr - a CIDR length (no leading zero) up to max; value or -1 */
static int
cidr(const char *s, size_t n, int max)
{
	int v = 0;
	size_t i;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* split_cidr - strip a trailing "/N" from s[0..*n) into *len; -1 bad */
static int
split_cidr(const char *s, size_t *n, int max, int *len, int dual)
{
	size_t i = *n;

	while (i > 0 && isdigit((unsigned char)s[i - 1]))
		i--;
	if (i == *n || i == 0 || s[i - 1] != '/')
		return 0;
	if (dual != (i >= 2 && s[i - 2] == '/'))
		return 0;
	if ((*len = cidr(s + i, *n - i, max)) < 0)
		return -1;
	*n = i - (dual ? 2 : 1);
	return 0;
}

/* quad - strict dotted quad (RFC 7208 qnum); 0 ok with out[4], -1 bad */
static int
quad(const char *s, size_t n, unsigned char *out)
{
	size_t i = 0;
	int k;

	for (k = 0; k < 4; k++) {
		size_t start = i;
		int v = 0;

		while (i < n && isdigit((unsigned char)s[i]) && i - start < 3)
			v = v * 10 + (s[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return -1;
		out[k] = (unsigned char)v;
		if (k < 3 && (i >= n || s[i++] != '.'))
			return -1;
	}
	return i == n ? 0 : -1;
}

/* in_net - does addr lie in net/bits (len bytes)? */
static int
in_net(const unsigned char *addr, const unsigned char *net, int bits)
{
	int i;

	for (i = 0; bits > 0; i++, bits -= 8) {
		unsigned char m = bits >= 8 ? 0xff :
			(unsigned char)(0xff << (8 - bits));

		if ((addr[i] & m) != (net[i] & m))
			return 0;
	}
	return 1;
}

/* The state of one record's check and rewrite. */
struct rec {
	int family;
	const unsigned char *addr;
	struct buf out;			/* the rewritten mechanisms */
	int done;			/* an unconditional match was written */
	int has_all;
	const char *redirect;		/* the redirect domain-spec */
	size_t redirect_len;
	int exp;
	char *why;
	size_t whylen;
};

/*
 * put_macro - one checked %{...} of s[0..n), as libspf2 reads it: the
 * "r" transformer in lower case, and without the delimiters "," and "/"
 * that it does not know.  Those cannot occur in the values of d o h i v
 * p, so the split is the same without them; when they were the only
 * delimiters the value is one part, which no transformer changes.  (For
 * s and l, whose values could hold them, this is an approximation.)  A
 * digit transformer over 128 (libspf2's limit) is 128: a name has fewer
 * labels.  Bytes of s used.
 */
static size_t
put_macro(struct buf *b, const char *s, size_t n)
{
	size_t i = 3, digits, delims = 0, dropped = 0;
	unsigned value = 0;
	char num[8];
	int rev = 0;

	put(b, s, 3);				/* "%{" letter */
	for (digits = i; i < n && isdigit((unsigned char)s[i]); i++)
		value = value > 1000 ? value : value * 10 +
			(unsigned)(s[i] - '0');
	digits = i - digits;
	if (i < n && (s[i] == 'r' || s[i] == 'R')) {
		rev = 1;
		i++;
	}
	for (; i < n && s[i] != '}'; i++) {
		if (s[i] == ',' || s[i] == '/')
			dropped++;
		else
			delims++;
	}
	if (!(dropped && delims == 0)) {
		if (digits) {	/* at most 128, libspf2's limit: names have less */
			snprintf(num, sizeof(num), "%u", value > 128 ? 128 : value);
			put_str(b, num);
		}
		if (rev)
			put(b, "r", 1);
		for (i = 3 + digits + (size_t)rev; s[i] != '}'; i++)
			if (s[i] != ',' && s[i] != '/')
				put(b, s + i, 1);
	}
	put(b, "}", 1);
	while (s[i] != '}')
		i++;
	return i + 1;
}

/* put_domain - sep and a checked domain-spec, without its final dot */
static void
put_domain(struct buf *b, char sep, const char *s, size_t n)
{
	size_t i = 0;

	if (n > 1 && s[n - 1] == '.')	/* a literal dot: it was checked */
		n--;
	put(b, &sep, 1);
	while (i < n) {
		if (s[i] == '%' && i + 1 < n && s[i + 1] == '{')
			i += put_macro(b, s + i, n - i);
		else if (s[i] == '%') {
			put(b, s + i, 2);
			i += 2;
		} else
			put(b, s + i++, 1);
	}
}

/* ip_term - ip4 / ip6: check, and decide now for the client */
static int
ip_term(struct rec *r, char q, enum mech m, const char *arg, size_t n)
{
	unsigned char net[16];
	int max = m == M_IP4 ? 32 : 128, len = max;
	char text[INET6_ADDRSTRLEN + 1];
	int ok;

	if (n == 0 || arg[0] != ':')
		return fail(r->why, r->whylen, "%s needs an address",
			    mech_names[m]);
	arg++;
	n--;
	if (split_cidr(arg, &n, max, &len, 0) < 0)
		return fail(r->why, r->whylen, "invalid CIDR length in %s:%.*s",
			    mech_names[m], (int)n, arg);
	if (m == M_IP4)
		ok = quad(arg, n, net) == 0;
	else {
		ok = n < sizeof(text);
		if (ok) {
			memcpy(text, arg, n);
			text[n] = '\0';
			ok = inet_pton(AF_INET6, text, net) == 1;
		}
	}
	if (!ok)
		return fail(r->why, r->whylen, "invalid address in %s:%.*s",
			    mech_names[m], (int)n, arg);
	if (r->done || r->family != (m == M_IP4 ? AF_INET : AF_INET6) ||
	    !in_net(r->addr, net, len))
		return 0;
	put(&r->out, " ", 1);
	put(&r->out, &q, 1);
	put_str(&r->out, "all");
	r->done = 1;
	return 0;
}

/* host_term - a / mx: check, keep the client family's CIDR length */
static int
host_term(struct rec *r, char q, enum mech m, const char *arg, size_t n)
{
	int c4 = 32, c6 = 128, c;

	if (split_cidr(arg, &n, 128, &c6, 1) < 0 ||
	    split_cidr(arg, &n, 32, &c4, 0) < 0)
		return fail(r->why, r->whylen, "invalid CIDR length in %s%.*s",
			    mech_names[m], (int)n, arg);
	if (n > 0 && arg[0] != ':')
		return fail(r->why, r->whylen, "invalid mechanism %s%.*s",
			    mech_names[m], (int)n, arg);
	if (n > 0 && domain_spec(arg + 1, n - 1, r->why, r->whylen) < 0)
		return -1;
	if (r->done)
		return 0;
	c = r->family == AF_INET ? c4 : c6;
	put(&r->out, " ", 1);
	put(&r->out, &q, 1);
	put_str(&r->out, mech_names[m]);
	if (c == 0) {
		if (n > 0)
			put_domain(&r->out, ':', arg + 1, n - 1);
		else
			put_str(&r->out, ":%{d}");
		put_str(&r->out, TM_SPF_ANY);
	} else {
		if (n > 0)
			put_domain(&r->out, ':', arg + 1, n - 1);
		if (c != (r->family == AF_INET ? 32 : 128)) {
			char len[8];

			snprintf(len, sizeof(len), "%s%d",
				 r->family == AF_INET ? "/" : "//", c);
			put_str(&r->out, len);
		}
	}
	return 0;
}

/* directive - [qualifier] mechanism */
static int
directive(struct rec *r, const char *t, size_t n)
{
	char q = '+';
	size_t name;
	int m;

	if (n && strchr("+-?~", t[0])) {
		q = t[0];
		t++;
		n--;
	}
	name = strcspn(t, ":/ ");
	if (name > n)
		name = n;
	for (m = 0; mech_names[m]; m++)
		if (strlen(mech_names[m]) == name &&
		    strncasecmp(t, mech_names[m], name) == 0)
			break;
	if (mech_names[m] == NULL)
		return fail(r->why, r->whylen, "unknown mechanism \"%.*s\"",
			    (int)n, t);
	t += name;
	n -= name;
	switch (m) {
	case M_ALL:
		if (n)
			return fail(r->why, r->whylen, "\"all\" takes no argument");
		r->has_all = 1;
		if (!r->done) {
			put(&r->out, " ", 1);
			put(&r->out, &q, 1);
			put_str(&r->out, "all");
			r->done = 1;
		}
		return 0;
	case M_IP4:
	case M_IP6:
		return ip_term(r, q, (enum mech)m, t, n);
	case M_A:
	case M_MX:
		return host_term(r, q, (enum mech)m, t, n);
	default:			/* include, exists, ptr */
		if (m == M_PTR && n == 0) {
			if (!r->done) {
				put(&r->out, " ", 1);
				put(&r->out, &q, 1);
				put_str(&r->out, "ptr");
			}
			return 0;
		}
		if (n == 0 || t[0] != ':')
			return fail(r->why, r->whylen, "%s needs \":domain\"",
				    mech_names[m]);
		if (domain_spec(t + 1, n - 1, r->why, r->whylen) < 0)
			return -1;
		if (!r->done) {
			put(&r->out, " ", 1);
			put(&r->out, &q, 1);
			put_str(&r->out, mech_names[m]);
			put_domain(&r->out, ':', t + 1, n - 1);
		}
		return 0;
	}
}

/* modifier - name=value; 1 it is one (0 or -1 returned in *rc), 0 not */
static int
modifier(struct rec *r, const char *t, size_t n, int *rc)
{
	size_t name = 0, tail;
	const char *v;

	if (n == 0 || !isalpha((unsigned char)t[0]))
		return 0;
	while (name < n && (isalnum((unsigned char)t[name]) ||
			    strchr("-_.", t[name])))
		name++;
	if (name >= n || t[name] != '=')
		return 0;
	v = t + name + 1;
	n -= name + 1;
	if (name == 8 && strncasecmp(t, "redirect", 8) == 0) {
		if (r->redirect)
			*rc = fail(r->why, r->whylen, "two redirect modifiers");
		else if ((*rc = domain_spec(v, n, r->why, r->whylen)) == 0) {
			r->redirect = v;
			r->redirect_len = n;
		}
	} else if (name == 3 && strncasecmp(t, "exp", 3) == 0) {
		*rc = r->exp++ ? fail(r->why, r->whylen, "two exp modifiers") :
			domain_spec(v, n, r->why, r->whylen);
	} else
		*rc = macros(v, n, "slodiphvcrt", &tail, r->why, r->whylen);
	return 1;
}

/* tm_spf_record_check - check rec; rewrite it for the client (see top) */
int
tm_spf_record_check(const char *rec, int family, const unsigned char *addr,
		    char **out, char *why, size_t whylen)
{
	struct rec r;
	const char *p;
	size_t n;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.family = family;
	r.addr = addr;
	r.why = why;
	r.whylen = whylen;
	*out = NULL;
	for (p = rec; *p; p++)
		if (*p != ' ' && (*p < 0x21 || *p > 0x7e))
			return fail(why, whylen, "character 0x%02x in the record",
				    (unsigned char)*p);
	n = sizeof(SPF_VERSION_TAG) - 1;
	if (strncasecmp(rec, SPF_VERSION_TAG, n) != 0 ||
	    (rec[n] != ' ' && rec[n] != '\0'))
		return fail(why, whylen, "not an SPF record");
	put_str(&r.out, SPF_VERSION_TAG);
	for (p = rec + n; *p && rc == 0; p += n) {
		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) == 0)
			break;
		if (!modifier(&r, p, n, &rc))
			rc = directive(&r, p, n);
	}
	if (rc == 0 && r.redirect && !r.has_all) {
		put_str(&r.out, " redirect");
		put_domain(&r.out, '=', r.redirect, r.redirect_len);
	}
	if (rc < 0 || r.out.oom) {
		free(r.out.s);
		return rc < 0 ? -1 : -2;
	}
	*out = r.out.s;
	return 0;
}
