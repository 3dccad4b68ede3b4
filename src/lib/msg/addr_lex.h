#ifndef TM_ADDR_LEX_H
#define TM_ADDR_LEX_H

/*
 * addr_lex - the lexical layer of addr.c (internal to addr*.c): character
 * classes, UTF-8 and folding white space, the tokens of a header value,
 * and the checks on a span of text (dot-atom-text, host name, 8-bit).
 *
 * tm_addr_lex_value() cuts lx->s into tokens (RFC 5322 3.2) in lx->v;
 * the grammar on top of them (3.4 mailbox, RFC 5321 path) is addr.c.
 * The tm_addr__ helpers work on plain text, the tm_addr_lex_ ones on a
 * struct tm_addr_lex.
 *
 * Errors: -1 with a reason "WHAT: ..." in lx->why and errno EINVAL, or
 * errno ENOMEM and "out of memory".  No static state: thread-safe.
 */

#include <stddef.h>
#include <string.h>

#define TM_ADDR_SHOW_MAX 32		/* bytes of a token shown in a reason */

enum tm_addr_tok_type {
	TM_TOK_ATOM, TM_TOK_QSTR, TM_TOK_COMMENT, TM_TOK_DLIT, TM_TOK_WSP,
	TM_TOK_SPECIAL
};

struct tm_addr_tok {
	enum tm_addr_tok_type type;
	size_t start, end;	/* offsets in the value, end excluded */
	int eight;		/* holds UTF-8 */
};

struct tm_addr_lex {
	const char *s;		/* the value */
	const char *what;	/* "From": prefix of every reason */
	struct tm_addr_tok *v;	/* the tokens; the caller frees v */
	size_t n, cap;
	char *why;		/* may be NULL */
	size_t whylen;
};

/* tm_addr__why - a reason for the caller (printf format), errno EINVAL */
void tm_addr__why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* tm_addr__oom - "out of memory", errno ENOMEM; returns -1 */
int tm_addr__oom(char *why, size_t whylen);

/* tm_addr_lex_fail - "WHAT: msg" in lx->why, errno EINVAL; returns -1 */
int tm_addr_lex_fail(const struct tm_addr_lex *lx, const char *msg);

/* tm_addr_lex_value - the tokens of lx->s into lx->v: 0 ok, -1 error */
int tm_addr_lex_value(struct tm_addr_lex *lx);

/* tm_addr_lex_unexpected - "WHAT: unexpected TOKEN[suffix]"; returns -1 */
int tm_addr_lex_unexpected(const struct tm_addr_lex *lx, size_t i,
			   const char *suffix);

/* tm_addr__utf8_len - length of the well-formed UTF-8 sequence at s, or 0 */
size_t tm_addr__utf8_len(const char *s);

/*
 * tm_addr__show - printable copy of s[0..n) for a reason, cut at
 * TM_ADDR_SHOW_MAX; dst holds TM_ADDR_SHOW_MAX + 4 bytes
 */
void tm_addr__show(char *dst, const char *s, size_t n);

/*
 * tm_addr__unfold_into - copy s[0..n) to dst (n + 1 bytes), white space
 * holding CR or LF becomes one space; returns the length written
 */
size_t tm_addr__unfold_into(char *dst, const char *s, size_t n);

/* tm_addr__unfold_copy - unfolded copy of s[0..n); the caller frees it */
char *tm_addr__unfold_copy(const char *s, size_t n);

/* tm_addr__dot_atom_ok - s[0..n) is an RFC 5322 3.2.3 dot-atom-text */
int tm_addr__dot_atom_ok(const char *s, size_t n);

/* tm_addr__domain_ok - d[0..n) is a host name (LDH labels of 1-63) */
int tm_addr__domain_ok(const char *d, size_t n);

/* tm_addr__has_eight - s[0..n) holds a byte above 0x7f */
int tm_addr__has_eight(const char *s, size_t n);

/* is_wsp - SP or HTAB */
static inline int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* is_atext - RFC 5322 3.2.3 atext, ASCII part */
static inline int
is_atext(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* is_ldh - letter, digit or hyphen */
static inline int
is_ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* tok_is - token i is the special c */
static inline int
tok_is(const struct tm_addr_lex *lx, size_t i, int c)
{
	return lx->v[i].type == TM_TOK_SPECIAL && lx->s[lx->v[i].start] == c;
}

/* tok_cfws - token i is white space or a comment */
static inline int
tok_cfws(const struct tm_addr_lex *lx, size_t i)
{
	return lx->v[i].type == TM_TOK_WSP || lx->v[i].type == TM_TOK_COMMENT;
}

/* tok_word - token i is an atom or a quoted string */
static inline int
tok_word(const struct tm_addr_lex *lx, size_t i)
{
	return lx->v[i].type == TM_TOK_ATOM || lx->v[i].type == TM_TOK_QSTR;
}

/* skip_cfws - first token of [b, e) that is not CFWS, or e */
static inline size_t
skip_cfws(const struct tm_addr_lex *lx, size_t b, size_t e)
{
	while (b < e && tok_cfws(lx, b))
		b++;
	return b;
}


#endif
