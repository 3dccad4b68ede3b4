/*
 * addr_lex.c - the lexical layer of the address parser (internal to
 * addr*.c; the interface is addr_lex.h).
 *
 * Cuts a header value into tokens (RFC 5322 3.2: atoms, quoted strings,
 * nested comments, domain literals, folding white space, specials), one
 * pass, no regular expressions.  Checks every byte on the way: UTF-8
 * (RFC 6532) must be well-formed (no overlong forms, no surrogates),
 * control characters and a CR or LF that does not fold are refused.
 * Also the text helpers of addr.c: unfolding, the printable excerpt of a
 * token in a reason, dot-atom-text and host name checks.
 *
 * Errors: -1 with "WHAT: reason" in lx->why and errno EINVAL, or -1 with
 * errno ENOMEM and "out of memory" (the caller tempfails).  The token
 * array lx->v is the caller's to free, on error too.
 *
 * Thread safety: no static state.
 */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnsname.h"
#include "msg/addr_lex.h"

/* tm_addr__why - a reason for the caller, errno EINVAL */
void
tm_addr__why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	errno = EINVAL;
}

/* tm_addr__oom - out of memory: errno ENOMEM, the caller tempfails */
int
tm_addr__oom(char *why, size_t whylen)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "out of memory");
	errno = ENOMEM;
	return -1;
}

/* tm_addr_lex_fail - "From: msg" */
int
tm_addr_lex_fail(const struct tm_addr_lex *lx, const char *msg)
{
	tm_addr__why(lx->why, lx->whylen, "%s: %s", lx->what, msg);
	return -1;
}

/* tm_addr__utf8_len - length of the well-formed UTF-8 sequence at s, or 0 */
size_t
tm_addr__utf8_len(const char *s)
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
bad_char(const struct tm_addr_lex *lx, const char *p)
{
	unsigned char c = (unsigned char)*p;

	if (c == '\r' || c == '\n')
		return tm_addr_lex_fail(lx, "bare CR or LF");
	if (c >= 0x80)
		return tm_addr_lex_fail(lx, "invalid 8-bit character");
	return tm_addr_lex_fail(lx, "control character");
}

/* text_len - one printable ASCII or UTF-8 character at p, 0 if none */
static size_t
text_len(const char *p, int *eight)
{
	unsigned char c = (unsigned char)*p;
	size_t n;

	if (c > 0x20 && c < 0x7f)
		return 1;
	if (c >= 0x80 && (n = tm_addr__utf8_len(p)) > 0) {
		*eight = 1;
		return n;
	}
	return 0;
}

/* lex_push - append a token */
static int
lex_push(struct tm_addr_lex *lx, enum tm_addr_tok_type type, size_t start,
	 size_t end, int eight)
{
	struct tm_addr_tok *v;

	if (lx->n == lx->cap) {
		size_t cap = lx->cap ? lx->cap * 2 : 16;

		if ((v = realloc(lx->v, cap * sizeof(*v))) == NULL)
			return tm_addr__oom(lx->why, lx->whylen);
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
lex_nested(struct tm_addr_lex *lx, size_t *pos, enum tm_addr_tok_type type)
{
	const char *s = lx->s;
	const char *unterminated =
	    type == TM_TOK_QSTR ? "unterminated quoted string" :
	    type == TM_TOK_COMMENT ? "unbalanced comment" :
	    "unterminated domain literal";
	char close = type == TM_TOK_QSTR ? '"' :
	    type == TM_TOK_COMMENT ? ')' : ']';
	size_t i = *pos + 1, n, depth = 1;
	int eight = 0;

	for (;;) {
		if (s[i] == '\0')
			return tm_addr_lex_fail(lx, unterminated);
		if (s[i] == close && --depth == 0)
			break;
		if (type == TM_TOK_COMMENT && s[i] == '(')
			depth++;
		if ((n = fws_len(s + i)) > 0) {
			i += n;
			continue;
		}
		if (s[i] == '\\' && type != TM_TOK_DLIT) {	/* quoted-pair */
			i++;
			if (s[i] == '\0')
				return tm_addr_lex_fail(lx, unterminated);
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

/* tm_addr_lex_value - the tokens of a header value */
int
tm_addr_lex_value(struct tm_addr_lex *lx)
{
	const char *s = lx->s;
	size_t i = 0, j, n;
	int eight;

	while (s[i] != '\0') {
		unsigned char c = (unsigned char)s[i];

		if ((n = fws_len(s + i)) > 0) {
			if (lex_push(lx, TM_TOK_WSP, i, i + n, 0) < 0)
				return -1;
			i += n;
		} else if (c == '"') {
			if (lex_nested(lx, &i, TM_TOK_QSTR) < 0)
				return -1;
		} else if (c == '(') {
			if (lex_nested(lx, &i, TM_TOK_COMMENT) < 0)
				return -1;
		} else if (c == '[') {
			if (lex_nested(lx, &i, TM_TOK_DLIT) < 0)
				return -1;
		} else if (is_atext(c) || c >= 0x80) {
			for (j = i, eight = 0; s[j] != '\0'; j += n) {
				if (is_atext((unsigned char)s[j]))
					n = 1;
				else if ((unsigned char)s[j] < 0x80)
					break;
				else if ((n = tm_addr__utf8_len(s + j)) > 0)
					eight = 1;
				else
					return bad_char(lx, s + j);
			}
			if (lex_push(lx, TM_TOK_ATOM, i, j, eight) < 0)
				return -1;
			i = j;
		} else if (strchr("<>:;@,.", c) != NULL) {
			if (lex_push(lx, TM_TOK_SPECIAL, i, i + 1, 0) < 0)
				return -1;
			i++;
		} else if (c == ')') {
			return tm_addr_lex_fail(lx, "unbalanced comment");
		} else if (c == ']') {
			return tm_addr_lex_fail(lx, "unexpected ']'");
		} else if (c == '\\') {
			return tm_addr_lex_fail(lx, "unexpected '\\'");
		} else {
			return bad_char(lx, s + i);
		}
	}
	return 0;
}

/*
 * tm_addr__show - printable, truncated copy of s[0..n) for a reason;
 * dst >= TM_ADDR_SHOW_MAX + 4
 */
void
tm_addr__show(char *dst, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < TM_ADDR_SHOW_MAX; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	strcpy(dst + i, n > TM_ADDR_SHOW_MAX ? "..." : "");
}

/* tm_addr_lex_unexpected - "From: unexpected TOKEN[suffix]" */
int
tm_addr_lex_unexpected(const struct tm_addr_lex *lx, size_t i,
		       const char *suffix)
{
	const struct tm_addr_tok *t = &lx->v[i];
	char text[TM_ADDR_SHOW_MAX + 4];

	if (t->type == TM_TOK_ATOM) {
		tm_addr__show(text, lx->s + t->start, t->end - t->start);
		tm_addr__why(lx->why, lx->whylen, "%s: unexpected \"%s\"%s",
			lx->what, text, suffix);
	} else if (t->type == TM_TOK_SPECIAL) {
		tm_addr__why(lx->why, lx->whylen, "%s: unexpected '%c'%s",
			lx->what, lx->s[t->start], suffix);
	} else {
		tm_addr__why(lx->why, lx->whylen, "%s: unexpected %s%s",
			lx->what, t->type == TM_TOK_QSTR ? "quoted string" :
			t->type == TM_TOK_DLIT ? "domain literal" : "comment",
			suffix);
	}
	return -1;
}

/*
 * tm_addr__unfold_into - copy s[0..n), white space holding CR or LF
 * becomes one space
 */
size_t
tm_addr__unfold_into(char *dst, const char *s, size_t n)
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

/* tm_addr__unfold_copy - unfolded copy of s[0..n); the caller frees it */
char *
tm_addr__unfold_copy(const char *s, size_t n)
{
	char *out = malloc(n + 1);

	if (out != NULL)
		tm_addr__unfold_into(out, s, n);
	return out;
}

/* tm_addr__dot_atom_ok - s[0..n) is a dot-atom-text */
int
tm_addr__dot_atom_ok(const char *s, size_t n)
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

/* tm_addr__domain_ok - d[0..n) is a host name (dns/dnsname rules) */
int
tm_addr__domain_ok(const char *d, size_t n)
{
	return tm_dnsname_ok(d, n, 0, 1);
}

/* tm_addr__has_eight - s holds a byte above 0x7f */
int
tm_addr__has_eight(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}
