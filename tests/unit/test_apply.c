/*
 * test_apply.c - policy/apply: the ordered edits of a decision, played
 * through a recording struct tm_edit_ops; a refused edit stops the play
 * and is named.  (The signatures' order is proven end to end, milter
 * against try: tests/e2e/t-milter-try-same.sh.)
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "policy/apply.h"
#include "unit.h"

struct rec {
	char log[2048];
	const char *refuse;		/* kind that fails, or NULL */
};

/* note - append one played edit to the log; -1 when it is refused */
static int
note(struct rec *r, const char *kind, const char *name, size_t index,
     const char *value)
{
	size_t n = strlen(r->log);

	snprintf(r->log + n, sizeof(r->log) - n, "%s%s %s %zu %s", n ? " | " : "",
		 kind, name ? name : "-", index, value ? value : "-");
	return r->refuse && strcmp(r->refuse, kind) == 0 ? -1 : 0;
}

static int
r_remove(void *a, const char *name, size_t i)
{
	return note(a, "remove", name, i, NULL);
}

static int
r_change(void *a, const char *name, size_t i, const char *v)
{
	return note(a, "change", name, i, v);
}

static int
r_add(void *a, const char *name, const char *v)
{
	return note(a, "add", name, 0, v);
}

static int
r_insert(void *a, size_t pos, const char *name, const char *v)
{
	return note(a, "insert", name, pos, v);
}

static int
r_env(void *a, const char *addr)
{
	return note(a, "env", NULL, 0, addr);
}

static int
r_hold(void *a, const char *why)
{
	return note(a, "hold", NULL, 0, why);
}

static const struct tm_edit_ops rec_ops = {
	r_remove, r_change, r_add, r_insert, r_env, r_hold,
};

/* hdrs - a header list from "Name: value" strings */
static void
hdrs(struct tm_hdrs *h, const char *const *lines)
{
	memset(h, 0, sizeof(*h));
	for (; *lines; lines++) {
		char name[64];
		const char *colon = strchr(*lines, ':');

		snprintf(name, sizeof(name), "%.*s", (int)(colon - *lines), *lines);
		ck_assert_int_eq(tm_hdrs_add(h, name, colon + 2), 0);
	}
}

START_TEST(test_edits)
{
	static const char *const in[] = {
		"From: Boss <boss@elsewhere.example>", "To: u@dest.example",
		"X-Tenant-ID: acme", "x-tenant-policy: forged", "X-TENANT-ID: again",
		NULL
	};
	static const char *const in_rt[] = {
		"From: a@acme.example", "Reply-To: old@acme.example", NULL
	};
	static const struct {
		const char *what;
		const char *const *in;
		const char *new_from, *new_reply_to, *new_env_from;
		enum tm_verdict verdict;
		const char *want;
	} cases[] = {
		{ "accept: removals (last copy first), annotation", in, NULL, NULL,
		  NULL, TM_V_ACCEPT,
		  "remove X-Tenant-ID 2 - | remove X-Tenant-ID 1 - | "
		  "remove X-Tenant-Policy 1 - | insert X-Tenant-Policy 0 "
		  "tenant=unknown; mode=-; spf=-; dkim=none; action=accept" },
		{ "rewrite: From changed, Reply-To added, envelope, hold", in,
		  "Boss <claim@acme.example>", "boss@elsewhere.example",
		  "claim@acme.example", TM_V_HOLD,
		  "remove X-Tenant-ID 2 - | remove X-Tenant-ID 1 - | "
		  "remove X-Tenant-Policy 1 - | "
		  "change From 1 Boss <claim@acme.example> | "
		  "add Reply-To 0 boss@elsewhere.example | env - 0 claim@acme.example | "
		  "insert X-Tenant-Policy 0 tenant=unknown; mode=-; spf=-; dkim=none; "
		  "action=accept | hold - 0 " TM_HOLD_REASON },
		{ "a Reply-To present is changed", in_rt, NULL, "new@acme.example",
		  NULL, TM_V_ACCEPT,
		  "change Reply-To 1 new@acme.example | insert X-Tenant-Policy 0 "
		  "tenant=unknown; mode=-; spf=-; dkim=none; action=accept" },
	};
	struct tm_conf conf;
	size_t i;

	memset(&conf, 0, sizeof(conf));
	conf.identify.header = "X-Tenant-ID";
	conf.annotate_header = "X-Tenant-Policy";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tm_decision d;
		struct tm_hdrs h;
		struct rec r = { "", NULL };
		const char *what = NULL;

		memset(&d, 0, sizeof(d));
		d.verdict = cases[i].verdict;
		d.action = "accept";
		d.spf = "-";
		d.new_from = (char *)cases[i].new_from;
		d.new_reply_to = (char *)cases[i].new_reply_to;
		d.new_env_from = (char *)cases[i].new_env_from;
		hdrs(&h, cases[i].in);
		ck_assert_int_eq(tm_apply(&conf, &h, &d, NULL, &rec_ops, &r, &what), 0);
		ck_assert_msg(strcmp(r.log, cases[i].want) == 0,
			      "%s:\n got  %s\n want %s", cases[i].what, r.log,
			      cases[i].want);
		tm_hdrs_fini(&h);
	}
}
END_TEST

START_TEST(test_refused)
{
	static const char *const in[] = { "From: a@elsewhere.example", NULL };
	static const struct {
		const char *refuse, *what, *log;
	} cases[] = {
		{ "change", "From", "change From 1 b@acme.example" },
		{ "env", "envelope sender",
		  "change From 1 b@acme.example | env - 0 b@acme.example" },
		{ "insert", "annotation",
		  "change From 1 b@acme.example | env - 0 b@acme.example | "
		  "insert X-Tenant-Policy 0 tenant=unknown; mode=-; spf=-; "
		  "dkim=none; action=accept" },
	};
	struct tm_conf conf;
	struct tm_hdrs h;
	size_t i;

	memset(&conf, 0, sizeof(conf));
	conf.identify.header = "X-Tenant-ID";
	conf.annotate_header = "X-Tenant-Policy";
	hdrs(&h, in);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tm_decision d;
		struct rec r = { "", cases[i].refuse };
		const char *what = NULL;

		memset(&d, 0, sizeof(d));
		d.verdict = TM_V_HOLD;
		d.action = "accept";
		d.spf = "-";
		d.new_from = (char *)"b@acme.example";
		d.new_env_from = (char *)"b@acme.example";
		ck_assert_int_eq(tm_apply(&conf, &h, &d, NULL, &rec_ops, &r, &what), -1);
		ck_assert_msg(what && strcmp(what, cases[i].what) == 0,
			      "refuse %s: got what %s, want %s", cases[i].refuse,
			      what ? what : "NULL", cases[i].what);
		ck_assert_msg(strcmp(r.log, cases[i].log) == 0,
			      "refuse %s: nothing after it is played:\n got  %s\n want %s",
			      cases[i].refuse, r.log, cases[i].log);
	}
	tm_hdrs_fini(&h);
}
END_TEST

static Suite *
apply_suite(void)
{
	Suite *s = suite_create("apply");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_edits);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}

TM_UNIT_MAIN(apply_suite)
