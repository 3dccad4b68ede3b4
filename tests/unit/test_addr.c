/*
 * test_addr.c - From header parsing (one mailbox, display name kept as
 * written), rewriting with tm_addr_format() and parsing back, SMTP paths.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "msg/addr.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NEW_ADDR "new@y.example"

/* opt - printable form of a string that may be NULL */
static const char *
opt(const char *s)
{
	return s != NULL ? s : "(null)";
}

/* same - two strings that may be NULL are equal */
static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * Valid From values.  addr is local@domain.  rt is the display name after
 * a rewrite and a parse back when it differs from display (comment text
 * that had to be quoted).
 */
static const struct {
	const char *in, *display, *local, *domain, *rt;
} good[] = {
	/* plain addr-spec, name-addr */
	{ "user@example.com", NULL, "user", "example.com", NULL },
	{ " user@example.com", NULL, "user", "example.com", NULL },
	{ "user+tag@sub.example.co.uk", NULL, "user+tag", "sub.example.co.uk", NULL },
	{ "Jean Dupont <jean@example.com>", "Jean Dupont", "jean", "example.com", NULL },
	{ " <jean@example.com>", NULL, "jean", "example.com", NULL },
	{ "Jean\t<jean@example.com>", "Jean", "jean", "example.com", NULL },
	{ "  Jean   Dupont   <j@x.example>  ", "Jean   Dupont", "j", "x.example", NULL },
	/* quoted display names */
	{ " \"Dupont, Jean\" <jean@example.com>", "\"Dupont, Jean\"", "jean",
	  "example.com", NULL },
	{ "\"Jean \\\"JD\\\" Dupont\" <jd@example.com>", "\"Jean \\\"JD\\\" Dupont\"",
	  "jd", "example.com", NULL },
	{ "\"Dupont, \\\"JD\\\" Jean\" <jd@example.com>",
	  "\"Dupont, \\\"JD\\\" Jean\"", "jd", "example.com", NULL },
	{ "\"\" <j@example.com>", "\"\"", "j", "example.com", NULL },
	/* RFC 2047 encoded words, kept byte for byte */
	{ "=?UTF-8?B?w4lsb2RpZQ==?= <elodie@example.com>", "=?UTF-8?B?w4lsb2RpZQ==?=",
	  "elodie", "example.com", NULL },
	{ "=?UTF-8?Q?=C3=89lodie?= =?UTF-8?Q?_Martin?= <e@example.com>",
	  "=?UTF-8?Q?=C3=89lodie?= =?UTF-8?Q?_Martin?=", "e", "example.com", NULL },
	{ "\"=?ISO-8859-1?Q?Dupont=2C_Jean?=\" <j@example.com>",
	  "\"=?ISO-8859-1?Q?Dupont=2C_Jean?=\"", "j", "example.com", NULL },
	/* raw UTF-8 (RFC 6532) in display names */
	{ "\xc3\x89lodie Martin <elodie@example.com>", "\xc3\x89lodie Martin",
	  "elodie", "example.com", NULL },
	{ "\"Martin, \xc3\x89lodie\" <e@example.com>", "\"Martin, \xc3\x89lodie\"",
	  "e", "example.com", NULL },
	/* obs-phrase */
	{ "J. Doe <j@example.com>", "J. Doe", "j", "example.com", NULL },
	/* comments before, inside, after */
	{ "(Sales) Jean <jean@example.com>", "(Sales) Jean", "jean", "example.com", NULL },
	{ "Jean (work) Dupont <jean@example.com>", "Jean (work) Dupont", "jean",
	  "example.com", NULL },
	{ "Jean <jean@example.com> (work)", "Jean", "jean", "example.com", NULL },
	{ "Jean <jean(home)@example.com>", "Jean", "jean", "example.com", NULL },
	/* comment as display name when there is no phrase */
	{ "jean@example.com (Jean Dupont)", "Jean Dupont", "jean", "example.com", NULL },
	{ "(Jean Dupont) jean@example.com", "Jean Dupont", "jean", "example.com", NULL },
	{ "jean@example.com () (Jean)", "Jean", "jean", "example.com", NULL },
	{ "(Jean) <jean@example.com>", "Jean", "jean", "example.com", NULL },
	{ "<jean@example.com> (Jean)", "Jean", "jean", "example.com", NULL },
	{ "jean@example.com (Dupont, Jean)", "Dupont, Jean", "jean", "example.com",
	  "\"Dupont, Jean\"" },
	{ "jean@example.com (a\\\\b)", "a\\b", "jean", "example.com", "\"a\\\\b\"" },
	/* nested comments, quoted-pairs in comments */
	{ "jean@example.com (Jean (the boss) Dupont)", "Jean (the boss) Dupont",
	  "jean", "example.com", NULL },
	{ "jean@example.com (Jean \\(JD\\) Dupont)", "Jean (JD) Dupont", "jean",
	  "example.com", NULL },
	{ "Jean ((a) (b (c))) <jean@example.com>", "Jean ((a) (b (c)))", "jean",
	  "example.com", NULL },
	/* folded values: LF+TAB, CRLF+SP */
	{ " Jean\n\tDupont\n\t<jean@example.com>", "Jean Dupont", "jean",
	  "example.com", NULL },
	{ " \"Dupont,\r\n Jean\" <jean@example.com>", "\"Dupont, Jean\"", "jean",
	  "example.com", NULL },
	{ "Jean Dupont\r\n <jean@Example.COM>", "Jean Dupont", "jean", "example.com", NULL },
	{ "jean@example.com (Jean\r\n Dupont)", "Jean Dupont", "jean", "example.com", NULL },
	{ "jean@example.com\r\n", NULL, "jean", "example.com", NULL },
	/* quoted local parts, case */
	{ "\"a b\"@example.com", NULL, "\"a b\"", "example.com", NULL },
	{ "Jean <\"a@b\"@example.com>", "Jean", "\"a@b\"", "example.com", NULL },
	{ "JEAN@EXAMPLE.COM", NULL, "JEAN", "example.com", NULL },
	/* obs-local-part, obs-domain: white space inside the address */
	{ "jean . dupont @ example . com", NULL, "jean.dupont", "example.com", NULL },
	/* IDN as A-labels; single-label domains are syntax, policy decides */
	{ "a@xn--bcher-kva.example", NULL, "a", "xn--bcher-kva.example", NULL },
	{ "root@localhost", NULL, "root", "localhost", NULL },
};

START_TEST(test_parse_good)
{
	size_t i;

	for (i = 0; i < N(good); i++) {
		struct tm_mailbox mb;
		char why[128] = "", addr[256];
		int rc = tm_addr_parse_mailbox(good[i].in, &mb, why, sizeof(why));

		ck_assert_msg(rc == 0, "parse(\"%s\"): got -1 (%s), want 0",
			      good[i].in, why);
		snprintf(addr, sizeof(addr), "%s@%s", good[i].local, good[i].domain);
		ck_assert_msg(same(mb.display, good[i].display),
			      "parse(\"%s\") display: got [%s], want [%s]",
			      good[i].in, opt(mb.display), opt(good[i].display));
		ck_assert_msg(strcmp(mb.local, good[i].local) == 0 &&
			      strcmp(mb.domain, good[i].domain) == 0 &&
			      strcmp(mb.addr, addr) == 0,
			      "parse(\"%s\"): got %s + %s = %s, want %s",
			      good[i].in, mb.local, mb.domain, mb.addr, addr);
		tm_mailbox_fini(&mb);
	}
}
END_TEST

/*
 * Every valid value rewritten to NEW_ADDR: no CR or LF, parses back to
 * the same display name and NEW_ADDR, and rewriting again gives the same
 * header value.
 */
START_TEST(test_round_trip)
{
	size_t i;

	for (i = 0; i < N(good); i++) {
		struct tm_mailbox mb, back;
		char why[128] = "";
		const char *want;
		char *hdr, *again;

		ck_assert_int_eq(tm_addr_parse_mailbox(good[i].in, &mb, NULL, 0), 0);
		hdr = tm_addr_format(mb.display, NEW_ADDR);
		ck_assert_ptr_nonnull(hdr);
		ck_assert_msg(strpbrk(hdr, "\r\n") == NULL,
			      "format(parse(\"%s\")): got CR/LF in [%s]", good[i].in, hdr);
		ck_assert_msg(tm_addr_parse_mailbox(hdr, &back, why, sizeof(why)) == 0,
			      "parse(format(parse(\"%s\")) = [%s]): got -1 (%s), want 0",
			      good[i].in, hdr, why);
		want = good[i].rt != NULL ? good[i].rt : good[i].display;
		ck_assert_msg(same(back.display, want) &&
			      strcmp(back.addr, NEW_ADDR) == 0,
			      "round trip of \"%s\" via [%s]: got [%s] %s, want [%s] %s",
			      good[i].in, hdr, opt(back.display), back.addr,
			      opt(want), NEW_ADDR);
		again = tm_addr_format(back.display, NEW_ADDR);
		ck_assert_msg(again != NULL && strcmp(again, hdr) == 0,
			      "format twice of \"%s\": got [%s], want [%s]",
			      good[i].in, opt(again), hdr);
		free(again);
		free(hdr);
		tm_mailbox_fini(&back);
		tm_mailbox_fini(&mb);
	}
}
END_TEST

/* Values that must be refused, with the exact reason. */
static const struct {
	const char *in, *why;
} bad[] = {
	/* no address */
	{ "", "From has no address" },
	{ " \r\n ", "From has no address" },
	{ "(just a comment)", "From has no address" },
	{ "Jean Dupont", "From has no address" },
	{ ",", "From has no address" },
	/* more than one */
	{ "a@b.example, c@d.example", "From has 2 addresses" },
	{ "a@b.example,c@d.example, e@f.example", "From has 3 addresses" },
	{ "Jean <a@b.example>, Paul <c@d.example>", "From has 2 addresses" },
	{ "Dupont, Jean <jean@example.com>", "From: unquoted ',' in display name" },
	{ "a@b.example,", "From: stray ','" },
	/* groups */
	{ "undisclosed-recipients:;", "From is a group (undisclosed-recipients:;)" },
	{ " undisclosed:; ", "From is a group (undisclosed:;)" },
	{ "Friends: a@b.example, c@d.example;", "From is a group (Friends:...;)" },
	{ ":;", "From: unexpected ':'" },
	{ "jean@example.com:", "From: unexpected ':'" },
	/* brackets */
	{ "Jean <jean@example.com", "From: missing '>'" },
	{ "jean@example.com>", "From: missing '<'" },
	{ "Jean <jean@example.com> x", "From: unexpected \"x\" after '>'" },
	{ "<jean@example.com> <paul@example.com>", "From: unexpected '<' after '>'" },
	{ "Jean <<jean@example.com>>", "From: unexpected '<'" },
	{ "Jean <>", "From: empty address <>" },
	{ "<jean>", "From: missing '@'" },
	{ "<jean:x@example.com>", "From: unexpected ':'" },
	{ "\"a\tb\"@example.com", "From: bad local part \"\"a?b\"\"" },
	/* quotes and comments */
	{ "\"Jean <jean@example.com>", "From: unterminated quoted string" },
	{ "\"Jean\\", "From: unterminated quoted string" },
	{ "Jean (work <jean@example.com>", "From: unbalanced comment" },
	{ "Jean work) <jean@example.com>", "From: unbalanced comment" },
	{ "jean@example.com (a (b)", "From: unbalanced comment" },
	/* obs-route */
	{ "<@a.example,@b.example:jean@example.com>",
	  "From: source route not allowed (obs-route)" },
	{ "<@a.example:jean@example.com>", "From: source route not allowed (obs-route)" },
	/* local part and domain */
	{ "jean@", "From: missing domain" },
	{ "@example.com", "From: missing local part" },
	{ "jean@x..y", "From: bad domain \"x..y\"" },
	{ "jean@-x.example", "From: bad domain \"-x.example\"" },
	{ "jean@x_y.example", "From: bad domain \"x_y.example\"" },
	{ "jean@example.com.", "From: bad domain \"example.com.\"" },
	{ "jean@[192.0.2.1]", "From: domain literal not allowed" },
	{ "jean..d@example.com", "From: bad local part \"jean..d\"" },
	{ ".jean@example.com", "From: bad local part \".jean\"" },
	{ "\"a\".b@example.com", "From: bad local part \"\"a\".b\"" },
	{ "jean dupont@example.com", "From: unexpected \"dupont\"" },
	{ "jean@example.com dupont", "From: unexpected \"dupont\"" },
	{ "Jean@Home <j@example.com>", "From: unexpected '@'" },
	{ "j@x\\y", "From: unexpected '\\'" },
	{ "a1234567890123456789012345678901234567890123456789012345678901234@x.example",
	  "From: local part too long" },
	/* 8-bit and control characters */
	{ "jean@ex\xc3\xa4mple.com", "From: 8-bit character in domain" },
	{ "j\xc3\xa9" "an@example.com", "From: 8-bit character in local part" },
	{ "Jean \xff <j@example.com>", "From: invalid 8-bit character" },
	{ "\"Jean \xc3\" <j@example.com>", "From: invalid 8-bit character" },
	{ "Jean \xe0\x80\xaf <j@example.com>", "From: invalid 8-bit character" },
	{ "Jean\x01 <j@example.com>", "From: control character" },
	{ "Jean\nDupont <j@example.com>", "From: bare CR or LF" },
	{ "<j@example.com>\r\nBcc: x@y.example", "From: bare CR or LF" },
};

START_TEST(test_parse_bad)
{
	size_t i;

	for (i = 0; i < N(bad); i++) {
		struct tm_mailbox mb;
		char why[128] = "";
		int rc;

		errno = 0;
		rc = tm_addr_parse_mailbox(bad[i].in, &mb, why, sizeof(why));
		ck_assert_msg(rc == -1, "parse(\"%s\"): got %d (%s), want -1",
			      bad[i].in, rc, opt(mb.addr));
		ck_assert_msg(strcmp(why, bad[i].why) == 0,
			      "parse(\"%s\"): got why [%s], want [%s]",
			      bad[i].in, why, bad[i].why);
		ck_assert_msg(errno == EINVAL, "parse(\"%s\"): got errno %d, want EINVAL",
			      bad[i].in, errno);
		ck_assert_msg(mb.display == NULL && mb.local == NULL &&
			      mb.domain == NULL && mb.addr == NULL,
			      "parse(\"%s\"): result not cleared on error", bad[i].in);
	}
}
END_TEST

START_TEST(test_parse_edges)
{
	struct tm_mailbox mb;
	char why[8];

	/* NULL value, no reason buffer, a short one */
	ck_assert_int_eq(tm_addr_parse_mailbox(NULL, &mb, NULL, 0), -1);
	ck_assert_int_eq(tm_addr_parse_mailbox("a@b.example, c@d.example", &mb,
					       why, sizeof(why)), -1);
	ck_assert_str_eq(why, "From ha");
	tm_mailbox_fini(&mb);
	tm_mailbox_fini(&mb);
	tm_mailbox_fini(NULL);
}
END_TEST

START_TEST(test_format)
{
	static const struct {
		const char *display, *addr, *want;
	} cases[] = {
		{ NULL, "a@b.example", "<a@b.example>" },
		{ "", "a@b.example", "<a@b.example>" },
		{ " \t ", "a@b.example", "<a@b.example>" },
		{ "Jean Dupont", "a@b.example", "Jean Dupont <a@b.example>" },
		{ "\"Dupont, Jean\"", "a@b.example", "\"Dupont, Jean\" <a@b.example>" },
		{ "=?UTF-8?B?w4lsb2RpZQ==?=", "a@b.example",
		  "=?UTF-8?B?w4lsb2RpZQ==?= <a@b.example>" },
		{ "J. Doe", "a@b.example", "J. Doe <a@b.example>" },
		{ "Jean (work)", "a@b.example", "Jean (work) <a@b.example>" },
		{ "\xc3\x89lodie", "a@b.example", "\xc3\x89lodie <a@b.example>" },
		/* comment text: quoted when it would not parse as a phrase */
		{ "Dupont, Jean", "a@b.example", "\"Dupont, Jean\" <a@b.example>" },
		{ "a\"b", "a@b.example", "\"a\\\"b\" <a@b.example>" },
		{ "a\\b", "a@b.example", "\"a\\\\b\" <a@b.example>" },
		{ "Jean <boss>", "a@b.example", "\"Jean <boss>\" <a@b.example>" },
		{ "Jean: Dupont", "a@b.example", "\"Jean: Dupont\" <a@b.example>" },
		{ ". Jean", "a@b.example", "\". Jean\" <a@b.example>" },
		{ "a (b", "a@b.example", "\"a (b\" <a@b.example>" },
		/* never CR or LF, never a control character */
		{ "Jean\r\n Dupont", "a@b.example", "Jean Dupont <a@b.example>" },
		{ "Jean \n\tDupont", "a@b.example", "Jean Dupont <a@b.example>" },
		{ "Jean\rDupont", "a@b.example", "Jean Dupont <a@b.example>" },
		{ "Jean\r\nBcc: x@y", "a@b.example", "\"Jean Bcc: x@y\" <a@b.example>" },
		{ "a\x01" "b", "a@b.example", "\"a b\" <a@b.example>" },
		{ "a\xff" "b,", "a@b.example", "\"a?b,\" <a@b.example>" },
		{ "Jean", "a@b.example\r\n", "Jean <a@b.example>" },
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		char *got = tm_addr_format(cases[i].display, cases[i].addr);

		ck_assert_msg(got != NULL && strcmp(got, cases[i].want) == 0,
			      "format(\"%s\", \"%s\"): got [%s], want [%s]",
			      opt(cases[i].display), cases[i].addr, opt(got),
			      cases[i].want);
		free(got);
	}
	ck_assert_ptr_null(tm_addr_format("Jean", NULL));
}
END_TEST

START_TEST(test_path)
{
	static const struct {
		const char *in;
		int rc;
		const char *want;	/* address, or the reason */
	} cases[] = {
		{ "<a@b.example>", 0, "a@b.example" },
		{ "a@b.example", 0, "a@b.example" },
		{ "<>", 0, "" },
		{ "<> SIZE=100", 0, "" },
		{ "<\"a b\"@x.example>", 0, "\"a b\"@x.example" },
		{ "<\"a\\\"b\"@x.example>", 0, "\"a\\\"b\"@x.example" },
		{ "<A.B@X.Example>", 0, "A.B@x.example" },
		{ "<a@b.example> SIZE=10 BODY=8BITMIME", 0, "a@b.example" },
		{ " <a@b.example>", 0, "a@b.example" },
		{ "<@r1.example,@r2.example:a@b.example>", 0, "a@b.example" },
		{ "garbage", -1, "MAIL FROM: missing '@'" },
		{ "", -1, "MAIL FROM: empty address" },
		{ "<a@b.example", -1, "MAIL FROM: missing '>'" },
		{ "a@b.example>", -1, "MAIL FROM: missing '<'" },
		{ "<a@b.example>x", -1, "MAIL FROM: unexpected 'x' after address" },
		{ "<a@b@c.example>", -1, "MAIL FROM: unexpected '@'" },
		{ "<a b@c.example>", -1, "MAIL FROM: missing '@'" },
		{ "<\"a b@c.example>", -1, "MAIL FROM: unterminated quoted string" },
		{ "<a..b@c.example>", -1, "MAIL FROM: bad local part \"a..b\"" },
		{ "<@b.example>", -1, "MAIL FROM: bad source route" },
		{ "<@r.example:>", -1, "MAIL FROM: missing '@'" },
		{ "<>x", -1, "MAIL FROM: unexpected 'x' after address" },
		{ "<a@>", -1, "MAIL FROM: missing domain" },
		{ "<a@-b.example>", -1, "MAIL FROM: bad domain \"-b.example\"" },
		{ "<a@[192.0.2.1]>", -1, "MAIL FROM: domain literal not allowed" },
		{ "<\xc3\xa9@b.example>", -1, "MAIL FROM: 8-bit character in address" },
		{ "<a@b.example\r\n>", -1, "MAIL FROM: unexpected character 0x0d" },
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		char why[128] = "", *addr = (char *)"unset";
		int rc = tm_addr_parse_path(cases[i].in, &addr, why, sizeof(why));
		const char *got = rc == 0 ? addr : why;

		ck_assert_msg(rc == cases[i].rc && got != NULL &&
			      strcmp(got, cases[i].want) == 0,
			      "parse_path(\"%s\"): got %d [%s], want %d [%s]",
			      cases[i].in, rc, opt(got), cases[i].rc, cases[i].want);
		if (rc < 0)
			ck_assert_ptr_null(addr);
		free(rc == 0 ? addr : NULL);
	}
}
END_TEST

START_TEST(test_domain)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "a@b.example", "b.example" },
		{ "\"x@y\"@z.example", "z.example" },
		{ "nodomain", "" },
		{ "", "" },
		{ NULL, "" },
	};
	size_t i;

	for (i = 0; i < N(cases); i++) {
		const char *got = tm_addr_domain(cases[i].in);

		ck_assert_msg(strcmp(got, cases[i].want) == 0,
			      "domain(\"%s\"): got [%s], want [%s]",
			      opt(cases[i].in), got, cases[i].want);
	}
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_test(tc, test_parse_good);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_parse_edges);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_domain);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(addr_suite)
