/*
 * addr.c - the one mailbox of a From header, SMTP paths, From rewriting.
 *
 * Public: tm_addr_parse_mailbox(), tm_mailbox_fini(), tm_addr_parse_path(),
 * tm_addr_domain(), tm_addr_format().
 *
 * A header value is cut into tokens by addr_lex.c (RFC 5322 3.2: atoms,
 * quoted strings, nested comments, domain literals, folding white space,
 * specials), then read here as exactly one mailbox (3.4): name-addr or
 * addr-spec.  An SMTP path (RFC 5321 4.1.2) has no comments or folding
 * and is read straight from the bytes.  No regular expressions.
 *
 * Choices:
 *  - Obsolete forms are read only where harmless: obs-phrase (dots in a
 *    display name, "J. Doe <j@x>"), CFWS between the parts of an address
 *    (obs-local-part, obs-domain).  Refused: obs-route ("<@a,@b:x@y>"),
 *    groups, empty list elements, a local part that mixes quoted strings
 *    and dots, domain literals ("[192.0.2.1]": no DNS name to check).
 *  - UTF-8 (RFC 6532) is accepted in display names, quoted strings and
 *    comments, refused in the address itself (no SMTPUTF8 here).  Bytes
 *    that are not well-formed UTF-8 and control characters are refused.
 *  - The display name is the phrase before "<" as written (quotes, RFC
 *    2047 encoded words, comments kept), unfolded: white space holding a
 *    CR or LF becomes one space, so it can go into a log line as is.  With
 *    no phrase ("j@x (Jean Dupont)", "(Jean) <j@x>"), the text of the first
 *    non-empty comment outside the address is used, quoted-pairs undone;
 *    tm_addr_format() quotes it when it would not parse as a phrase.
 *  - The domain is lower-cased and must be a host name (LDH labels); the
 *    local part is kept as written (a quoted one keeps its quotes).
 *
 * Errors: -1 with a short reason fit for an SMTP reply in why and errno
 * EINVAL; or -1 with errno ENOMEM and why "out of memory" (tempfail, not
 * a reject).
 *
 * Thread safety: pure functions, no static state.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "msg/addr.h"
#include "msg/addr_lex.h"

#define NONE		((size_t)-1)
#define LOCAL_MAX	64		/* RFC 5321 4.5.3.1.1 */

#define WHAT_HDR	"From"
#define WHAT_PATH	"MAIL FROM"

/*
 * phrase_scan - the first token of [b, e) that has no place in a display
 * name (RFC 5322 3.2.5 phrase, obs-phrase: a dot after the first word),
 * or e; the words are counted in *nwords.
 */
static size_t
phrase_scan(const struct tm_addr_lex *lx, size_t b, size_t e, size_t *nwords)
{
	size_t i;

	*nwords = 0;
	for (i = b; i < e; i++) {
		if (tok_cfws(lx, i))
			continue;
		if (tok_word(lx, i))
			(*nwords)++;
		else if (!(tok_is(lx, i, '.') && *nwords > 0))
			return i;
	}
	return e;
}

/* lower_ascii - ASCII lower case in place */
static void
lower_ascii(char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

/* make_addr - local@domain, domain lower-cased; the caller frees it */
static char *
make_addr(const char *local, size_t ln, const char *domain, size_t dn)
{
	char *addr;

	if ((addr = malloc(ln + dn + 2)) == NULL)
		return NULL;
	memcpy(addr, local, ln);
	addr[ln] = '@';
	memcpy(addr + ln + 1, domain, dn);
	addr[ln + dn + 1] = '\0';
	lower_ascii(addr + ln + 1, dn);
	return addr;
}

/* check_local - local part rules shared by headers and paths */
static int
check_local(const char *what, const char *local, size_t n, size_t nquoted,
	    char *why, size_t whylen)
{
	char text[TM_ADDR_SHOW_MAX + 4];

	if (n == 0) {
		tm_addr__why(why, whylen, "%s: missing local part", what);
		return -1;
	}
	if (tm_addr__has_eight(local, n)) {
		tm_addr__why(why, whylen, "%s: 8-bit character in local part",
			what);
		return -1;
	}
	/* A quoted one must also be an RFC 5321 Quoted-string: no HTAB. */
	if (nquoted == 0 ? !tm_addr__dot_atom_ok(local, n) :
	    nquoted != 1 || local[0] != '"' || local[n - 1] != '"' ||
	    memchr(local, '\t', n) != NULL) {
		tm_addr__show(text, local, n);
		tm_addr__why(why, whylen, "%s: bad local part \"%s\"", what,
			text);
		return -1;
	}
	if (n > LOCAL_MAX) {
		tm_addr__why(why, whylen, "%s: local part too long", what);
		return -1;
	}
	return 0;
}

/* check_domain - domain rules shared by headers and paths */
static int
check_domain(const char *what, const char *domain, size_t n,
	     char *why, size_t whylen)
{
	char text[TM_ADDR_SHOW_MAX + 4];

	if (n == 0) {
		tm_addr__why(why, whylen, "%s: missing domain", what);
		return -1;
	}
	if (tm_addr__has_eight(domain, n)) {
		tm_addr__why(why, whylen, "%s: 8-bit character in domain",
			what);
		return -1;
	}
	if (!tm_addr__domain_ok(domain, n)) {
		tm_addr__show(text, domain, n);
		tm_addr__why(why, whylen, "%s: bad domain \"%s\"", what, text);
		return -1;
	}
	return 0;
}

/*
 * addr_spec - the addr-spec in tokens [b, e) (3.4.1; CFWS between its
 * words as in obs-local-part/obs-domain).  *first and *last are its first
 * and last tokens.  Fills local, domain and addr of out.
 */
static int
addr_spec(const struct tm_addr_lex *lx, size_t b, size_t e,
	  struct tm_mailbox *out, size_t *first, size_t *last)
{
	const char *s = lx->s;
	size_t cap = strlen(s) + 1, i, ln = 0, dn = 0, nquoted = 0;
	int prev_word = 0;
	char *local, *domain;

	if ((out->local = local = malloc(cap)) == NULL ||
	    (out->domain = domain = malloc(cap)) == NULL)
		return tm_addr__oom(lx->why, lx->whylen);
	*first = i = skip_cfws(lx, b, e);
	for (; i < e && !tok_is(lx, i, '@'); i++) {
		const struct tm_addr_tok *t = &lx->v[i];

		if (tok_cfws(lx, i))
			continue;
		if (tok_word(lx, i) && !prev_word) {
			ln += tm_addr__unfold_into(local + ln, s + t->start,
				t->end - t->start);
			nquoted += t->type == TM_TOK_QSTR;
			prev_word = 1;
		} else if (tok_is(lx, i, '.')) {
			local[ln++] = '.';
			prev_word = 0;
		} else {
			return tm_addr_lex_unexpected(lx, i, "");
		}
	}
	local[ln] = '\0';
	if (i == e)
		return tm_addr_lex_fail(lx, "missing '@'");
	if (check_local(lx->what, local, ln, nquoted, lx->why, lx->whylen) < 0)
		return -1;
	for (*last = i++, prev_word = 0; i < e; i++) {
		const struct tm_addr_tok *t = &lx->v[i];

		if (tok_cfws(lx, i))
			continue;
		if (t->type == TM_TOK_ATOM && !prev_word) {
			memcpy(domain + dn, s + t->start, t->end - t->start);
			dn += t->end - t->start;
			prev_word = 1;
		} else if (tok_is(lx, i, '.')) {
			domain[dn++] = '.';
			prev_word = 0;
		} else if (t->type == TM_TOK_DLIT) {
			return tm_addr_lex_fail(lx,
				"domain literal not allowed");
		} else {
			return tm_addr_lex_unexpected(lx, i, "");
		}
		*last = i;
	}
	domain[dn] = '\0';
	if (check_domain(lx->what, domain, dn, lx->why, lx->whylen) < 0)
		return -1;
	lower_ascii(domain, dn);
	if ((out->addr = make_addr(local, ln, domain, dn)) == NULL)
		return tm_addr__oom(lx->why, lx->whylen);
	return 0;
}

/* comment_text - a comment's text: unfolded, quoted-pairs undone, trimmed */
static char *
comment_text(const struct tm_addr_lex *lx, size_t i)
{
	const struct tm_addr_tok *t = &lx->v[i];
	char *text, *p, *q;
	size_t n;

	if ((text = tm_addr__unfold_copy(lx->s + t->start + 1,
					 t->end - t->start - 2)) == NULL)
		return NULL;
	for (p = q = text; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		*q++ = *p;
	}
	*q = '\0';
	for (p = text; is_wsp(*p); p++)
		;
	n = strlen(p);
	while (n > 0 && is_wsp(p[n - 1]))
		n--;
	memmove(text, p, n);
	text[n] = '\0';
	return text;
}

/*
 * comment_display - with no phrase, the first non-empty comment in [b, e)
 * is the display name: 1 found, 0 none, -1 out of memory.
 */
static int
comment_display(const struct tm_addr_lex *lx, size_t b, size_t e,
		struct tm_mailbox *out)
{
	size_t i;

	for (i = b; i < e; i++) {
		if (lx->v[i].type != TM_TOK_COMMENT)
			continue;
		if ((out->display = comment_text(lx, i)) == NULL)
			return tm_addr__oom(lx->why, lx->whylen);
		if (out->display[0] != '\0')
			return 1;
		free(out->display);
		out->display = NULL;
	}
	return 0;
}

/* comment_around - comment_display before the address, else after it */
static int
comment_around(const struct tm_addr_lex *lx, size_t b, size_t first,
	       size_t after, size_t e, struct tm_mailbox *out)
{
	int rc = comment_display(lx, b, first, out);

	if (rc == 0)
		rc = comment_display(lx, after, e, out);
	return rc < 0 ? -1 : 0;
}

/*
 * span_copy - the text of tokens [b, e) without white space at either
 * end, unfolded; at least one token is not white space.  The caller frees.
 */
static char *
span_copy(const struct tm_addr_lex *lx, size_t b, size_t e)
{
	while (lx->v[b].type == TM_TOK_WSP)
		b++;
	while (lx->v[e - 1].type == TM_TOK_WSP)
		e--;
	return tm_addr__unfold_copy(lx->s + lx->v[b].start,
				    lx->v[e - 1].end - lx->v[b].start);
}

/* parse_one - the one mailbox in tokens [b, e): name-addr or addr-spec */
static int
parse_one(const struct tm_addr_lex *lx, size_t b, size_t e,
	  struct tm_mailbox *out)
{
	size_t i, lt = NONE, gt = NONE, at = NONE, gtx = NONE, nwords, first, last;

	for (i = b; i < e && lt == NONE; i++) {
		if (tok_is(lx, i, '<'))
			lt = i;
		else if (tok_is(lx, i, '>') && gtx == NONE)
			gtx = i;
		else if (tok_is(lx, i, '@') && at == NONE)
			at = i;
	}
	if (lt == NONE) {
		if (gtx != NONE)
			return tm_addr_lex_fail(lx, "missing '<'");
		if (at == NONE) {
			tm_addr__why(lx->why, lx->whylen, "%s has no address",
				lx->what);
			return -1;
		}
		if (addr_spec(lx, b, e, out, &first, &last) < 0)
			return -1;
		return comment_around(lx, b, first, last + 1, e, out);
	}
	if ((i = phrase_scan(lx, b, lt, &nwords)) != lt)
		return tm_addr_lex_unexpected(lx, i, "");
	for (i = lt + 1; i < e && gt == NONE; i++) {
		if (tok_is(lx, i, '>'))
			gt = i;
		else if (tok_is(lx, i, '<'))
			return tm_addr_lex_unexpected(lx, i, "");
	}
	if (gt == NONE)
		return tm_addr_lex_fail(lx, "missing '>'");
	for (i = gt + 1; i < e; i++)
		if (!tok_cfws(lx, i))
			return tm_addr_lex_unexpected(lx, i, " after '>'");
	i = skip_cfws(lx, lt + 1, gt);
	if (i == gt)
		return tm_addr_lex_fail(lx, "empty address <>");
	if (tok_is(lx, i, '@'))
		return tm_addr_lex_fail(lx,
			"source route not allowed (obs-route)");
	if (addr_spec(lx, lt + 1, gt, out, &first, &last) < 0)
		return -1;
	if (nwords == 0)
		return comment_around(lx, b, lt, gt + 1, e, out);
	out->display = span_copy(lx, b, lt);
	return out->display == NULL ? tm_addr__oom(lx->why, lx->whylen) : 0;
}

/* group_fail - a group (3.4 group) or a stray ':' at token colon */
static int
group_fail(const struct tm_addr_lex *lx, size_t colon)
{
	size_t b, i, nwords;
	char *name, text[TM_ADDR_SHOW_MAX + 4];
	int empty = 1;

	for (b = colon; b > 0 && !tok_is(lx, b - 1, ','); b--)
		;
	if (phrase_scan(lx, b, colon, &nwords) != colon || nwords == 0)
		return tm_addr_lex_unexpected(lx, colon, "");
	for (i = colon + 1; i < lx->n; i++)
		if (!tok_cfws(lx, i) && !tok_is(lx, i, ';'))
			empty = 0;
	if ((name = span_copy(lx, b, colon)) == NULL)
		return tm_addr__oom(lx->why, lx->whylen);
	tm_addr__show(text, name, strlen(name));
	free(name);
	tm_addr__why(lx->why, lx->whylen, "%s is a group (%s:%s;)",
		lx->what, text, empty ? "" : "...");
	return -1;
}

/*
 * parse_list - the value must hold one mailbox: no group, no second
 * element.  A list whose elements but the last are bare phrases is the
 * classic unquoted "Dupont, Jean <j@x>" and is named as such.
 */
static int
parse_list(const struct tm_addr_lex *lx, struct tm_mailbox *out)
{
	size_t i, b, depth = 0, nelem = 0, nphrase = 0, ncomma = 0, nw;
	size_t eb = 0, ee = 0;
	int angle = 0;

	for (i = 0; i < lx->n; i++) {
		if (tok_is(lx, i, '<'))
			depth++;
		else if (tok_is(lx, i, '>') && depth > 0)
			depth--;
		else if (depth == 0 && tok_is(lx, i, ':'))
			return group_fail(lx, i);
	}
	for (i = b = depth = 0; i <= lx->n; i++) {
		if (i < lx->n) {
			if (tok_is(lx, i, '<'))
				depth++;
			else if (tok_is(lx, i, '>') && depth > 0)
				depth--;
			if (depth > 0 || !tok_is(lx, i, ','))
				continue;
			ncomma++;
		}
		if (skip_cfws(lx, b, i) < i) {
			nelem++;
			if (phrase_scan(lx, b, i, &nw) == i && nw > 0)
				nphrase++;
			eb = b;
			ee = i;
		}
		b = i + 1;
	}
	if (nelem == 0) {
		tm_addr__why(lx->why, lx->whylen, "%s has no address",
			lx->what);
		return -1;
	}
	for (i = eb; i < ee && !angle; i++)
		angle = tok_is(lx, i, '<');
	if (nelem > 1 && nphrase == nelem - 1 && angle)
		return tm_addr_lex_fail(lx, "unquoted ',' in display name");
	if (nelem > 1) {
		tm_addr__why(lx->why, lx->whylen, "%s has %zu addresses",
			lx->what, nelem);
		return -1;
	}
	if (ncomma > 0)
		return tm_addr_lex_fail(lx, "stray ','");
	return parse_one(lx, eb, ee, out);
}

/* tm_addr_parse_mailbox - the one mailbox of a From header value */
int
tm_addr_parse_mailbox(const char *value, struct tm_mailbox *out,
		      char *why, size_t whylen)
{
	struct tm_addr_lex lx;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&lx, 0, sizeof(lx));
	lx.s = value != NULL ? value : "";
	lx.what = WHAT_HDR;
	lx.why = why;
	lx.whylen = whylen;
	rc = tm_addr_lex_value(&lx);
	if (rc == 0)
		rc = parse_list(&lx, out);
	free(lx.v);
	if (rc < 0) {
		int saved = errno;

		tm_mailbox_fini(out);
		errno = saved;
	}
	return rc;
}

/* tm_mailbox_fini - free what a parse filled in; twice is harmless */
void
tm_mailbox_fini(struct tm_mailbox *mb)
{
	if (mb == NULL)
		return;
	free(mb->display);
	free(mb->local);
	free(mb->domain);
	free(mb->addr);
	memset(mb, 0, sizeof(*mb));
}

/* path_route - skip an RFC 5321 A-d-l ("@a,@b:"), accepted and ignored (4.1.2) */
static const char *
path_route(const char *p)
{
	for (;;) {
		const char *d;

		if (*p != '@')
			return NULL;
		for (d = ++p; is_ldh((unsigned char)*p) || *p == '.'; p++)
			;
		if (!tm_addr__domain_ok(d, (size_t)(p - d)))
			return NULL;
		if (*p == ':')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

/* path_char - "unexpected character" for the byte at p */
static int
path_char(const char *p, const char *where, char *why, size_t whylen)
{
	unsigned char c = (unsigned char)*p;

	if (c == '\0')
		tm_addr__why(why, whylen, "%s: address ends early", WHAT_PATH);
	else if (c > 0x20 && c < 0x7f)
		tm_addr__why(why, whylen, "%s: unexpected '%c'%s", WHAT_PATH, c,
			where);
	else
		tm_addr__why(why, whylen, "%s: unexpected character 0x%02x%s",
			WHAT_PATH, c, where);
	return -1;
}

/*
 * path_mailbox - RFC 5321 Mailbox at *pp: Local-part "@" Domain (Dot-string
 * or Quoted-string, no CFWS); *pp moves past it.
 */
static int
path_mailbox(const char **pp, const char **lb, size_t *ln, const char **db,
	     size_t *dn, char *why, size_t whylen)
{
	const char *p = *pp;

	*lb = p;
	if (*p == '"') {
		for (p++; *p != '"'; p++) {
			if (*p == '\\' && p[1] >= 0x20 && p[1] < 0x7f)
				p++;
			else if (*p < 0x20 || *p > 0x7e || *p == '\\')
				break;
		}
		if (*p != '"') {
			if (*p != '\0')
				return path_char(p, " in quoted string", why, whylen);
			tm_addr__why(why, whylen,
				"%s: unterminated quoted string", WHAT_PATH);
			return -1;
		}
		p++;
	} else {
		while (is_atext((unsigned char)*p) || *p == '.')
			p++;
	}
	*ln = (size_t)(p - *lb);
	if (*p != '@') {
		if (*p != '\0' && *p != '>' && !is_wsp(*p))
			return path_char(p, "", why, whylen);
		tm_addr__why(why, whylen, "%s: missing '@'", WHAT_PATH);
		return -1;
	}
	if (check_local(WHAT_PATH, *lb, *ln, **lb == '"', why, whylen) < 0)
		return -1;
	if (*++p == '[') {
		tm_addr__why(why, whylen, "%s: domain literal not allowed",
			WHAT_PATH);
		return -1;
	}
	for (*db = p; is_ldh((unsigned char)*p) || *p == '.'; p++)
		;
	*dn = (size_t)(p - *db);
	*pp = p;
	return check_domain(WHAT_PATH, *db, *dn, why, whylen);
}

/*
 * tm_addr_parse_path - RFC 5321 4.1.2 Path or Mailbox, brackets optional,
 * ESMTP parameters after white space ignored.  A source route is accepted
 * and ignored as 4.1.2 and appendix C ask.
 */
int
tm_addr_parse_path(const char *arg, char **addr, char *why, size_t whylen)
{
	const char *p = arg != NULL ? arg : "", *lb = "", *db = "";
	size_t ln = 0, dn = 0;
	int bracket;

	*addr = NULL;
	while (is_wsp(*p))
		p++;
	if (*p == '\0') {
		tm_addr__why(why, whylen, "%s: empty address", WHAT_PATH);
		return -1;
	}
	if (tm_addr__has_eight(p, strlen(p))) {
		tm_addr__why(why, whylen, "%s: 8-bit character in address",
			WHAT_PATH);
		return -1;
	}
	if ((bracket = *p == '<') != 0 && *++p == '@' &&
	    (p = path_route(p)) == NULL) {
		tm_addr__why(why, whylen, "%s: bad source route", WHAT_PATH);
		return -1;
	}
	if (!(bracket && *p == '>' && p[-1] == '<') &&	/* else the null path */
	    path_mailbox(&p, &lb, &ln, &db, &dn, why, whylen) < 0)
		return -1;
	if (bracket != (*p == '>')) {
		if (!bracket)
			tm_addr__why(why, whylen, "%s: missing '<'", WHAT_PATH);
		else if (*p == '\0' || is_wsp(*p))
			tm_addr__why(why, whylen, "%s: missing '>'", WHAT_PATH);
		else
			path_char(p, "", why, whylen);
		return -1;
	}
	p += bracket;
	if (*p != '\0' && !is_wsp(*p))
		return path_char(p, " after address", why, whylen);
	*addr = ln == 0 ? strdup("") : make_addr(lb, ln, db, dn);
	return *addr == NULL ? tm_addr__oom(why, whylen) : 0;
}

/* tm_addr_domain - the domain of local@domain (borrowed), or "" */
const char *
tm_addr_domain(const char *addr)
{
	const char *at;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return "";
	return at + 1;
}

/* phrase_ok - d parses as a display name: 1 yes, 0 no, -1 out of memory */
static int
phrase_ok(const char *d)
{
	struct tm_addr_lex lx;
	size_t nwords;
	int ok;

	memset(&lx, 0, sizeof(lx));
	lx.s = d;
	lx.what = WHAT_HDR;
	if (tm_addr_lex_value(&lx) < 0) {
		free(lx.v);
		return errno == ENOMEM ? -1 : 0;
	}
	ok = phrase_scan(&lx, 0, lx.n, &nwords) == lx.n && nwords > 0;
	free(lx.v);
	return ok;
}

/*
 * tm_addr_format - "DISPLAY <addr>".  A display that parses as a phrase is
 * written as is (unfolded); anything else (comment text, a bare comma) is
 * made a quoted string.  Control characters become spaces, so no CR or LF
 * is ever written.  The caller frees the result.
 */
char *
tm_addr_format(const char *display, const char *addr)
{
	char *d, *out, *o, *p;
	const char *a;
	size_t dn, n;
	int ok = 1;

	if (addr == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (display == NULL)
		display = "";
	if ((d = tm_addr__unfold_copy(display, strlen(display))) == NULL)
		return NULL;
	for (p = d; is_wsp(*p); p++)
		;
	dn = strlen(p);
	while (dn > 0 && is_wsp(p[dn - 1]))
		dn--;
	p[dn] = '\0';
	if (dn > 0 && (ok = phrase_ok(p)) < 0) {
		free(d);
		return NULL;
	}
	if ((o = out = malloc(2 * dn + strlen(addr) + 6)) == NULL) {
		free(d);
		return NULL;
	}
	if (dn > 0 && ok) {
		memcpy(o, p, dn);
		o += dn;
	} else if (dn > 0) {
		*o++ = '"';
		for (; *p != '\0'; p += n) {
			unsigned char c = (unsigned char)*p;

			n = 1;
			if (c == '"' || c == '\\')
				*o++ = '\\';
			if (c >= 0x80 && (n = tm_addr__utf8_len(p)) > 0) {
				memcpy(o, p, n);
				o += n;
				continue;
			}
			n = 1;
			*o++ = c >= 0x80 ? '?' : (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
		}
		*o++ = '"';
	}
	if (dn > 0)
		*o++ = ' ';
	*o++ = '<';
	for (a = addr; *a != '\0'; a++)
		if ((unsigned char)*a >= 0x20 && *a != 0x7f)
			*o++ = *a;
	*o++ = '>';
	*o = '\0';
	free(d);
	return out;
}
