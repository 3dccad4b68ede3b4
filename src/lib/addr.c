/*
 * addr.c - the one mailbox of a From header, SMTP paths, From rewriting.
 *
 * Public: tm_addr_parse_mailbox(), tm_mailbox_fini(), tm_addr_parse_path(),
 * tm_addr_domain(), tm_addr_format().
 *
 * A header value is cut into tokens (RFC 5322 3.2: atoms, quoted strings,
 * nested comments, domain literals, folding white space, specials), then
 * read as exactly one mailbox (3.4): name-addr or addr-spec.  A small
 * hand-written tokenizer, no regular expressions.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define NONE		((size_t)-1)
#define SHOW_MAX	32		/* bytes of a token shown in a reason */
#define LOCAL_MAX	64		/* RFC 5321 4.5.3.1.1 */
#define DOMAIN_MAX	253

#define WHAT_HDR	"From"
#define WHAT_PATH	"MAIL FROM"

enum tok_type { TOK_ATOM, TOK_QSTR, TOK_COMMENT, TOK_DLIT, TOK_WSP, TOK_SPECIAL };

struct tok {
	enum tok_type type;
	size_t start, end;	/* offsets in the value, end excluded */
	int eight;		/* holds UTF-8 */
};

struct lex {
	const char *s;		/* the value */
	const char *what;	/* "From": prefix of every reason */
	struct tok *v;
	size_t n, cap;
	char *why;		/* may be NULL */
	size_t whylen;
};

static void set_why(char *, size_t, const char *, ...)
	__attribute__((format(printf, 3, 4)));

/* set_why - a reason for the caller, errno EINVAL */
static void
set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	errno = EINVAL;
}

/* set_oom - out of memory: errno ENOMEM, the caller tempfails */
static int
set_oom(char *why, size_t whylen)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "out of memory");
	errno = ENOMEM;
	return -1;
}

/* lex_fail - "From: msg" */
static int
lex_fail(const struct lex *lx, const char *msg)
{
	set_why(lx->why, lx->whylen, "%s: %s", lx->what, msg);
	return -1;
}

/* is_wsp - SP or HTAB */
static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* is_atext - RFC 5322 3.2.3 atext, ASCII part */
static int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* is_ldh - letter, digit or hyphen */
static int
is_ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* utf8_len - length of the well-formed UTF-8 sequence at p, 0 if none */
static size_t
utf8_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* fws_len - length of folding white space at p (WSP, CR? LF before WSP or end) */
static size_t
fws_len(const char *p)
{
	const char *q = p;

	for (;;) {
		if (is_wsp(*q))
			q++;
		else if (q[0] == '\r' && q[1] == '\n' &&
			 (is_wsp(q[2]) || q[2] == '\0'))
			q += 2;
		else if (q[0] == '\n' && (is_wsp(q[1]) || q[1] == '\0'))
			q += 1;
		else
			return (size_t)(q - p);
	}
}

/* bad_char - why the byte at p is not allowed */
static int
bad_char(const struct lex *lx, const char *p)
{
	unsigned char c = (unsigned char)*p;

	if (c == '\r' || c == '\n')
		return lex_fail(lx, "bare CR or LF");
	if (c >= 0x80)
		return lex_fail(lx, "invalid 8-bit character");
	return lex_fail(lx, "control character");
}

/* text_len - one printable ASCII or UTF-8 character at p, 0 if none */
static size_t
text_len(const char *p, int *eight)
{
	unsigned char c = (unsigned char)*p;
	size_t n;

	if (c > 0x20 && c < 0x7f)
		return 1;
	if (c >= 0x80 && (n = utf8_len(p)) > 0) {
		*eight = 1;
		return n;
	}
	return 0;
}

/* lex_push - append a token */
static int
lex_push(struct lex *lx, enum tok_type type, size_t start, size_t end,
	 int eight)
{
	struct tok *v;

	if (lx->n == lx->cap) {
		size_t cap = lx->cap ? lx->cap * 2 : 16;

		if ((v = realloc(lx->v, cap * sizeof(*v))) == NULL)
			return set_oom(lx->why, lx->whylen);
		lx->v = v;
		lx->cap = cap;
	}
	lx->v[lx->n].type = type;
	lx->v[lx->n].start = start;
	lx->v[lx->n].end = end;
	lx->v[lx->n].eight = eight;
	lx->n++;
	return 0;
}

/*
 * lex_nested - a quoted string (3.2.4), a comment (3.2.2, nests) or a
 * domain literal (3.4.1) starting at *pos; *pos moves past it.
 */
static int
lex_nested(struct lex *lx, size_t *pos, enum tok_type type)
{
	const char *s = lx->s;
	const char *unterminated = type == TOK_QSTR ? "unterminated quoted string" :
	    type == TOK_COMMENT ? "unbalanced comment" : "unterminated domain literal";
	char close = type == TOK_QSTR ? '"' : type == TOK_COMMENT ? ')' : ']';
	size_t i = *pos + 1, n, depth = 1;
	int eight = 0;

	for (;;) {
		if (s[i] == '\0')
			return lex_fail(lx, unterminated);
		if (s[i] == close && --depth == 0)
			break;
		if (type == TOK_COMMENT && s[i] == '(')
			depth++;
		if ((n = fws_len(s + i)) > 0) {
			i += n;
			continue;
		}
		if (s[i] == '\\' && type != TOK_DLIT) {	/* quoted-pair */
			i++;
			if (s[i] == '\0')
				return lex_fail(lx, unterminated);
			if (is_wsp(s[i])) {
				i++;
				continue;
			}
		}
		if ((n = text_len(s + i, &eight)) == 0)
			return bad_char(lx, s + i);
		i += n;
	}
	if (lex_push(lx, type, *pos, i + 1, eight) < 0)
		return -1;
	*pos = i + 1;
	return 0;
}

/* lex_value - the tokens of a header value */
static int
lex_value(struct lex *lx)
{
	const char *s = lx->s;
	size_t i = 0, j, n;
	int eight;

	while (s[i] != '\0') {
		unsigned char c = (unsigned char)s[i];

		if ((n = fws_len(s + i)) > 0) {
			if (lex_push(lx, TOK_WSP, i, i + n, 0) < 0)
				return -1;
			i += n;
		} else if (c == '"') {
			if (lex_nested(lx, &i, TOK_QSTR) < 0)
				return -1;
		} else if (c == '(') {
			if (lex_nested(lx, &i, TOK_COMMENT) < 0)
				return -1;
		} else if (c == '[') {
			if (lex_nested(lx, &i, TOK_DLIT) < 0)
				return -1;
		} else if (is_atext(c) || c >= 0x80) {
			for (j = i, eight = 0; s[j] != '\0'; j += n) {
				if (is_atext((unsigned char)s[j]))
					n = 1;
				else if ((unsigned char)s[j] < 0x80)
					break;
				else if ((n = utf8_len(s + j)) > 0)
					eight = 1;
				else
					return bad_char(lx, s + j);
			}
			if (lex_push(lx, TOK_ATOM, i, j, eight) < 0)
				return -1;
			i = j;
		} else if (strchr("<>:;@,.", c) != NULL) {
			if (lex_push(lx, TOK_SPECIAL, i, i + 1, 0) < 0)
				return -1;
			i++;
		} else if (c == ')') {
			return lex_fail(lx, "unbalanced comment");
		} else if (c == ']') {
			return lex_fail(lx, "unexpected ']'");
		} else if (c == '\\') {
			return lex_fail(lx, "unexpected '\\'");
		} else {
			return bad_char(lx, s + i);
		}
	}
	return 0;
}

/* tok_is - token i is the special c */
static int
tok_is(const struct lex *lx, size_t i, int c)
{
	return lx->v[i].type == TOK_SPECIAL && lx->s[lx->v[i].start] == c;
}

/* tok_cfws - token i is white space or a comment */
static int
tok_cfws(const struct lex *lx, size_t i)
{
	return lx->v[i].type == TOK_WSP || lx->v[i].type == TOK_COMMENT;
}

/* tok_word - token i is an atom or a quoted string */
static int
tok_word(const struct lex *lx, size_t i)
{
	return lx->v[i].type == TOK_ATOM || lx->v[i].type == TOK_QSTR;
}

/* skip_cfws - first token of [b, e) that is not CFWS, or e */
static size_t
skip_cfws(const struct lex *lx, size_t b, size_t e)
{
	while (b < e && tok_cfws(lx, b))
		b++;
	return b;
}

/* show - printable, truncated copy of s[0..n) for a reason; dst >= SHOW_MAX + 4 */
static void
show(char *dst, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < SHOW_MAX; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	strcpy(dst + i, n > SHOW_MAX ? "..." : "");
}

/* unexpected - "From: unexpected TOKEN[suffix]" */
static int
unexpected(const struct lex *lx, size_t i, const char *suffix)
{
	const struct tok *t = &lx->v[i];
	char text[SHOW_MAX + 4];

	if (t->type == TOK_ATOM) {
		show(text, lx->s + t->start, t->end - t->start);
		set_why(lx->why, lx->whylen, "%s: unexpected \"%s\"%s",
			lx->what, text, suffix);
	} else if (t->type == TOK_SPECIAL) {
		set_why(lx->why, lx->whylen, "%s: unexpected '%c'%s",
			lx->what, lx->s[t->start], suffix);
	} else {
		set_why(lx->why, lx->whylen, "%s: unexpected %s%s", lx->what,
			t->type == TOK_QSTR ? "quoted string" :
			t->type == TOK_DLIT ? "domain literal" : "comment", suffix);
	}
	return -1;
}

/* unfold_into - copy s[0..n), white space holding CR or LF becomes one space */
static size_t
unfold_into(char *dst, const char *s, size_t n)
{
	size_t i = 0, j, o = 0;
	int fold;

	while (i < n) {
		if (!is_wsp(s[i]) && s[i] != '\r' && s[i] != '\n') {
			dst[o++] = s[i++];
			continue;
		}
		for (j = i, fold = 0; j < n && (is_wsp(s[j]) || s[j] == '\r' ||
						s[j] == '\n'); j++)
			if (s[j] == '\r' || s[j] == '\n')
				fold = 1;
		if (fold) {
			dst[o++] = ' ';
		} else {
			memcpy(dst + o, s + i, j - i);
			o += j - i;
		}
		i = j;
	}
	dst[o] = '\0';
	return o;
}

/* unfold_copy - unfolded copy of s[0..n); the caller frees it */
static char *
unfold_copy(const char *s, size_t n)
{
	char *out = malloc(n + 1);

	if (out != NULL)
		unfold_into(out, s, n);
	return out;
}

/*
 * phrase_scan - the first token of [b, e) that has no place in a display
 * name (RFC 5322 3.2.5 phrase, obs-phrase: a dot after the first word),
 * or e; the words are counted in *nwords.
 */
static size_t
phrase_scan(const struct lex *lx, size_t b, size_t e, size_t *nwords)
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

/* dot_atom_ok - s[0..n) is a dot-atom-text */
static int
dot_atom_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!(is_atext((unsigned char)s[i]) ||
		      (s[i] == '.' && s[i + 1] != '.')))
			return 0;
	return 1;
}

/* domain_ok - d[0..n) is a host name: LDH labels of 1-63, no edge hyphens */
static int
domain_ok(const char *d, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > DOMAIN_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (d[i] == '.') {
			if (label == 0 || d[i - 1] == '-')
				return 0;
			label = 0;
		} else if (!is_ldh((unsigned char)d[i]) ||
			   (d[i] == '-' && label == 0) || ++label > 63) {
			return 0;
		}
	}
	return label > 0 && d[n - 1] != '-';
}

/* has_eight - s holds a byte above 0x7f */
static int
has_eight(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
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
	char text[SHOW_MAX + 4];

	if (n == 0) {
		set_why(why, whylen, "%s: missing local part", what);
		return -1;
	}
	if (has_eight(local, n)) {
		set_why(why, whylen, "%s: 8-bit character in local part", what);
		return -1;
	}
	/* A quoted one must also be an RFC 5321 Quoted-string: no HTAB. */
	if (nquoted == 0 ? !dot_atom_ok(local, n) :
	    nquoted != 1 || local[0] != '"' || local[n - 1] != '"' ||
	    memchr(local, '\t', n) != NULL) {
		show(text, local, n);
		set_why(why, whylen, "%s: bad local part \"%s\"", what, text);
		return -1;
	}
	if (n > LOCAL_MAX) {
		set_why(why, whylen, "%s: local part too long", what);
		return -1;
	}
	return 0;
}

/* check_domain - domain rules shared by headers and paths */
static int
check_domain(const char *what, const char *domain, size_t n,
	     char *why, size_t whylen)
{
	char text[SHOW_MAX + 4];

	if (n == 0) {
		set_why(why, whylen, "%s: missing domain", what);
		return -1;
	}
	if (has_eight(domain, n)) {
		set_why(why, whylen, "%s: 8-bit character in domain", what);
		return -1;
	}
	if (!domain_ok(domain, n)) {
		show(text, domain, n);
		set_why(why, whylen, "%s: bad domain \"%s\"", what, text);
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
addr_spec(const struct lex *lx, size_t b, size_t e, struct tm_mailbox *out,
	  size_t *first, size_t *last)
{
	const char *s = lx->s;
	size_t cap = strlen(s) + 1, i, ln = 0, dn = 0, nquoted = 0;
	int prev_word = 0;
	char *local, *domain;

	if ((out->local = local = malloc(cap)) == NULL ||
	    (out->domain = domain = malloc(cap)) == NULL)
		return set_oom(lx->why, lx->whylen);
	*first = i = skip_cfws(lx, b, e);
	for (; i < e && !tok_is(lx, i, '@'); i++) {
		const struct tok *t = &lx->v[i];

		if (tok_cfws(lx, i))
			continue;
		if (tok_word(lx, i) && !prev_word) {
			ln += unfold_into(local + ln, s + t->start, t->end - t->start);
			nquoted += t->type == TOK_QSTR;
			prev_word = 1;
		} else if (tok_is(lx, i, '.')) {
			local[ln++] = '.';
			prev_word = 0;
		} else {
			return unexpected(lx, i, "");
		}
	}
	local[ln] = '\0';
	if (i == e)
		return lex_fail(lx, "missing '@'");
	if (check_local(lx->what, local, ln, nquoted, lx->why, lx->whylen) < 0)
		return -1;
	for (*last = i++, prev_word = 0; i < e; i++) {
		const struct tok *t = &lx->v[i];

		if (tok_cfws(lx, i))
			continue;
		if (t->type == TOK_ATOM && !prev_word) {
			memcpy(domain + dn, s + t->start, t->end - t->start);
			dn += t->end - t->start;
			prev_word = 1;
		} else if (tok_is(lx, i, '.')) {
			domain[dn++] = '.';
			prev_word = 0;
		} else if (t->type == TOK_DLIT) {
			return lex_fail(lx, "domain literal not allowed");
		} else {
			return unexpected(lx, i, "");
		}
		*last = i;
	}
	domain[dn] = '\0';
	if (check_domain(lx->what, domain, dn, lx->why, lx->whylen) < 0)
		return -1;
	lower_ascii(domain, dn);
	if ((out->addr = make_addr(local, ln, domain, dn)) == NULL)
		return set_oom(lx->why, lx->whylen);
	return 0;
}

/* comment_text - a comment's text: unfolded, quoted-pairs undone, trimmed */
static char *
comment_text(const struct lex *lx, size_t i)
{
	const struct tok *t = &lx->v[i];
	char *text, *p, *q;
	size_t n;

	if ((text = unfold_copy(lx->s + t->start + 1, t->end - t->start - 2)) == NULL)
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
comment_display(const struct lex *lx, size_t b, size_t e, struct tm_mailbox *out)
{
	size_t i;

	for (i = b; i < e; i++) {
		if (lx->v[i].type != TOK_COMMENT)
			continue;
		if ((out->display = comment_text(lx, i)) == NULL)
			return set_oom(lx->why, lx->whylen);
		if (out->display[0] != '\0')
			return 1;
		free(out->display);
		out->display = NULL;
	}
	return 0;
}

/* comment_around - comment_display before the address, else after it */
static int
comment_around(const struct lex *lx, size_t b, size_t first, size_t after,
	       size_t e, struct tm_mailbox *out)
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
span_copy(const struct lex *lx, size_t b, size_t e)
{
	while (lx->v[b].type == TOK_WSP)
		b++;
	while (lx->v[e - 1].type == TOK_WSP)
		e--;
	return unfold_copy(lx->s + lx->v[b].start,
			   lx->v[e - 1].end - lx->v[b].start);
}

/* parse_one - the one mailbox in tokens [b, e): name-addr or addr-spec */
static int
parse_one(const struct lex *lx, size_t b, size_t e, struct tm_mailbox *out)
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
			return lex_fail(lx, "missing '<'");
		if (at == NONE) {
			set_why(lx->why, lx->whylen, "%s has no address", lx->what);
			return -1;
		}
		if (addr_spec(lx, b, e, out, &first, &last) < 0)
			return -1;
		return comment_around(lx, b, first, last + 1, e, out);
	}
	if ((i = phrase_scan(lx, b, lt, &nwords)) != lt)
		return unexpected(lx, i, "");
	for (i = lt + 1; i < e && gt == NONE; i++) {
		if (tok_is(lx, i, '>'))
			gt = i;
		else if (tok_is(lx, i, '<'))
			return unexpected(lx, i, "");
	}
	if (gt == NONE)
		return lex_fail(lx, "missing '>'");
	for (i = gt + 1; i < e; i++)
		if (!tok_cfws(lx, i))
			return unexpected(lx, i, " after '>'");
	i = skip_cfws(lx, lt + 1, gt);
	if (i == gt)
		return lex_fail(lx, "empty address <>");
	if (tok_is(lx, i, '@'))
		return lex_fail(lx, "source route not allowed (obs-route)");
	if (addr_spec(lx, lt + 1, gt, out, &first, &last) < 0)
		return -1;
	if (nwords == 0)
		return comment_around(lx, b, lt, gt + 1, e, out);
	out->display = span_copy(lx, b, lt);
	return out->display == NULL ? set_oom(lx->why, lx->whylen) : 0;
}

/* group_fail - a group (3.4 group) or a stray ':' at token colon */
static int
group_fail(const struct lex *lx, size_t colon)
{
	size_t b, i, nwords;
	char *name, text[SHOW_MAX + 4];
	int empty = 1;

	for (b = colon; b > 0 && !tok_is(lx, b - 1, ','); b--)
		;
	if (phrase_scan(lx, b, colon, &nwords) != colon || nwords == 0)
		return unexpected(lx, colon, "");
	for (i = colon + 1; i < lx->n; i++)
		if (!tok_cfws(lx, i) && !tok_is(lx, i, ';'))
			empty = 0;
	if ((name = span_copy(lx, b, colon)) == NULL)
		return set_oom(lx->why, lx->whylen);
	show(text, name, strlen(name));
	free(name);
	set_why(lx->why, lx->whylen, "%s is a group (%s:%s;)", lx->what, text,
		empty ? "" : "...");
	return -1;
}

/*
 * parse_list - the value must hold one mailbox: no group, no second
 * element.  A list whose elements but the last are bare phrases is the
 * classic unquoted "Dupont, Jean <j@x>" and is named as such.
 */
static int
parse_list(const struct lex *lx, struct tm_mailbox *out)
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
		set_why(lx->why, lx->whylen, "%s has no address", lx->what);
		return -1;
	}
	for (i = eb; i < ee && !angle; i++)
		angle = tok_is(lx, i, '<');
	if (nelem > 1 && nphrase == nelem - 1 && angle)
		return lex_fail(lx, "unquoted ',' in display name");
	if (nelem > 1) {
		set_why(lx->why, lx->whylen, "%s has %zu addresses", lx->what, nelem);
		return -1;
	}
	if (ncomma > 0)
		return lex_fail(lx, "stray ','");
	return parse_one(lx, eb, ee, out);
}

/* tm_addr_parse_mailbox - the one mailbox of a From header value */
int
tm_addr_parse_mailbox(const char *value, struct tm_mailbox *out,
		      char *why, size_t whylen)
{
	struct lex lx;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&lx, 0, sizeof(lx));
	lx.s = value != NULL ? value : "";
	lx.what = WHAT_HDR;
	lx.why = why;
	lx.whylen = whylen;
	rc = lex_value(&lx);
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
		if (!domain_ok(d, (size_t)(p - d)))
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
		set_why(why, whylen, "%s: address ends early", WHAT_PATH);
	else if (c > 0x20 && c < 0x7f)
		set_why(why, whylen, "%s: unexpected '%c'%s", WHAT_PATH, c, where);
	else
		set_why(why, whylen, "%s: unexpected character 0x%02x%s",
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
			set_why(why, whylen, "%s: unterminated quoted string", WHAT_PATH);
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
		set_why(why, whylen, "%s: missing '@'", WHAT_PATH);
		return -1;
	}
	if (check_local(WHAT_PATH, *lb, *ln, **lb == '"', why, whylen) < 0)
		return -1;
	if (*++p == '[') {
		set_why(why, whylen, "%s: domain literal not allowed", WHAT_PATH);
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
		set_why(why, whylen, "%s: empty address", WHAT_PATH);
		return -1;
	}
	if (has_eight(p, strlen(p))) {
		set_why(why, whylen, "%s: 8-bit character in address", WHAT_PATH);
		return -1;
	}
	if ((bracket = *p == '<') != 0 && *++p == '@' &&
	    (p = path_route(p)) == NULL) {
		set_why(why, whylen, "%s: bad source route", WHAT_PATH);
		return -1;
	}
	if (!(bracket && *p == '>' && p[-1] == '<') &&	/* else the null path */
	    path_mailbox(&p, &lb, &ln, &db, &dn, why, whylen) < 0)
		return -1;
	if (bracket != (*p == '>')) {
		if (!bracket)
			set_why(why, whylen, "%s: missing '<'", WHAT_PATH);
		else if (*p == '\0' || is_wsp(*p))
			set_why(why, whylen, "%s: missing '>'", WHAT_PATH);
		else
			path_char(p, "", why, whylen);
		return -1;
	}
	p += bracket;
	if (*p != '\0' && !is_wsp(*p))
		return path_char(p, " after address", why, whylen);
	*addr = ln == 0 ? strdup("") : make_addr(lb, ln, db, dn);
	return *addr == NULL ? set_oom(why, whylen) : 0;
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
	struct lex lx;
	size_t nwords;
	int ok;

	memset(&lx, 0, sizeof(lx));
	lx.s = d;
	lx.what = WHAT_HDR;
	if (lex_value(&lx) < 0) {
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
	if ((d = unfold_copy(display, strlen(display))) == NULL)
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
			if (c >= 0x80 && (n = utf8_len(p)) > 0) {
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
