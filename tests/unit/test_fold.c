/*
 * test_fold.c - folding over-long header lines (msg/fold.c): what is
 * folded, where, that no line passes 998 bytes, that unfolding gives the
 * value back, and what cannot be folded.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg/fold.h"
#include "unit.h"

/* words - n words of w bytes ("xxx...") separated by sep; caller frees */
static char *
words(size_t n, size_t w, char sep)
{
	char *s = malloc(n * (w + 1) + 1), *p = s;
	size_t i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++) {
		if (i)
			*p++ = sep;
		memset(p, 'a' + (char)(i % 26), w);
		p += w;
	}
	*p = '\0';
	return s;
}

/* unfold - value without the LFs a fold inserted (LF before a blank) */
static char *
unfold(const char *v)
{
	char *s = malloc(strlen(v) + 1), *p = s;

	ck_assert_ptr_nonnull(s);
	for (; *v; v++)
		if (!(*v == '\n' && (v[1] == ' ' || v[1] == '\t')))
			*p++ = *v;
	*p = '\0';
	return s;
}

/* longest - the longest line of "name: value" */
static size_t
longest(const char *name, const char *v)
{
	size_t best = 0, col = strlen(name) + 2;

	for (; *v; v++, col++)
		if (*v == '\n') {
			best = col > best ? col : best;
			col = (size_t)-1;
		}
	return col > best ? col : best;
}

static const struct {
	const char *name;
	size_t n, w;
	char sep;
	int want;		/* 0 untouched, 1 folded, -1 EINVAL */
} cases[] = {
	{ "Subject", 10, 5, ' ', 0 },		/* short */
	{ "Subject", 1, 989, ' ', 0 },		/* 9 + 989 = 998: fits */
	{ "Subject", 1, 990, ' ', -1 },		/* 999, no blank */
	{ "Subject", 1, 1200, ' ', -1 },	/* the unfoldable 1,200 bytes */
	{ "Subject", 400, 4, ' ', 1 },		/* 2,000 bytes of words */
	{ "From", 2000, 4, ' ', 1 },		/* a 10 KB display name */
	{ "X-Tabs", 300, 9, '\t', 1 },		/* tabs fold too */
	{ "Subject", 2, 995, ' ', -1 },		/* a word over the limit */
};

START_TEST(test_fold)
{
	char *v = words(cases[_i].n, cases[_i].w, cases[_i].sep), *out, *back;
	int rc;

	errno = 0;
	rc = tm_hdr_fold(cases[_i].name, v, &out);
	ck_assert_msg(rc == cases[_i].want, "case %d: got %d, want %d", _i, rc,
		      cases[_i].want);
	if (rc == -1)
		ck_assert_msg(errno == EINVAL, "case %d: errno %d, want EINVAL", _i,
			      errno);
	if (rc == 1) {
		back = unfold(out);
		ck_assert_msg(strcmp(back, v) == 0, "case %d: unfolded differs", _i);
		ck_assert_msg(longest(cases[_i].name, out) <= TM_HDR_LINE_MAX,
			      "case %d: a line of %zu bytes", _i,
			      longest(cases[_i].name, out));
		ck_assert_msg(out[0] != ' ' && out[0] != '\t' && out[0] != '\n',
			      "case %d: folded before the first word", _i);
		free(back);
		free(out);
	} else
		ck_assert_ptr_null(out);
	free(v);
}
END_TEST

/* Lines that fit are kept byte for byte; only the long one is folded. */
START_TEST(test_existing_folds)
{
	char *longline = words(300, 9, ' '), *v, *out;
	size_t n = strlen(longline) + 64;

	v = malloc(n);
	ck_assert_ptr_nonnull(v);
	snprintf(v, n, "first line\n\tsecond line\n %s", longline);
	ck_assert_int_eq(tm_hdr_fold("Subject", "first line\n\tsecond", &out), 0);
	ck_assert_int_eq(tm_hdr_fold("Subject", v, &out), 1);
	ck_assert_msg(strncmp(out, "first line\n\tsecond line\n ", 25) == 0,
		      "got \"%.30s\", want the short lines kept", out);
	ck_assert_msg(longest("Subject", out) <= TM_HDR_LINE_MAX, "a long line left");
	free(out);
	free(v);
	free(longline);
}
END_TEST

static Suite *
fold_suite(void)
{
	Suite *s = suite_create("fold");
	TCase *tc = tcase_create("fold");

	tcase_add_loop_test(tc, test_fold, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_existing_folds);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(fold_suite)
