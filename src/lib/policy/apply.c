/*
 * apply.c - the ordered edits of a decision (apply.h), and playing them
 * through struct tm_edit_ops.
 *
 * Public: tm_edits_build, tm_edits_fini, tm_edits_play, tm_apply.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim/sign.h"
#include "msg/fold.h"
#include "policy/apply.h"

/* push - append one edit; -1 out of memory */
static int
push(struct tm_edits *e, enum tm_edit_kind kind, const char *name,
     size_t index, const char *value, const char *what)
{
	struct tm_edit *v = realloc(e->v, (e->n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	e->v = v;
	v[e->n++] = (struct tm_edit){ kind, name, index, value, what };
	return 0;
}

/* push_owned - push with a value the list now owns (freed on failure) */
static int
push_owned(struct tm_edits *e, enum tm_edit_kind kind, const char *name,
	   size_t index, char *value, const char *what)
{
	char **o;

	if (value == NULL ||
	    (o = realloc(e->owned, (e->n_owned + 1) * sizeof(*o))) == NULL) {
		free(value);
		return -1;
	}
	e->owned = o;
	o[e->n_owned++] = value;
	return push(e, kind, name, index, value, what);
}

/* remove_all - every copy of name, last first */
static int
remove_all(struct tm_edits *e, const struct tm_hdrs *h, const char *name)
{
	size_t n = name ? tm_hdrs_count(h, name) : 0;

	for (; n > 0; n--)
		if (push(e, TM_EDIT_REMOVE, name, n, NULL, "remove headers") < 0)
			return -1;
	return 0;
}

/* set_header - change the first copy of name, or add it */
static int
set_header(struct tm_edits *e, const struct tm_hdrs *h, const char *name,
	   const char *value)
{
	if (tm_hdrs_count(h, name) > 0)
		return push(e, TM_EDIT_CHANGE, name, 1, value, name);
	return push(e, TM_EDIT_ADD, name, 0, value, name);
}

/*
 * fold_long - a signed message: change, in the message, each incoming
 * header with a line over 998 bytes to its folded form, the form it was
 * signed in (tm_policy_final_headers), so that Postfix sends it as signed
 * instead of breaking the line itself.  From and Reply-To replaced by the
 * decision were folded when decided.  -1 out of memory (an unfoldable
 * header was refused by the policy: it cannot reach here).
 */
static int
fold_long(struct tm_edits *e, const struct tm_conf *conf,
	  const struct tm_hdrs *h, const struct tm_decision *d)
{
	size_t i, j, nth;
	char *folded;
	int rc;

	for (i = 0; i < h->n; i++) {
		const char *name = h->v[i].name;

		if (tm_policy_is_removed(conf, name) ||
		    (rc = tm_hdr_fold(name, h->v[i].value, &folded)) == 0)
			continue;
		if (rc < 0)
			return -1;
		for (nth = 1, j = 0; j < i; j++)	/* smfi_chgheader's index */
			if (strcasecmp(h->v[j].name, name) == 0)
				nth++;
		if (nth == 1 && ((d->new_from && strcasecmp(name, "From") == 0) ||
		    (d->new_reply_to && strcasecmp(name, "Reply-To") == 0))) {
			free(folded);
			continue;
		}
		if (push_owned(e, TM_EDIT_CHANGE, name, nth, folded,
			       "fold long headers") < 0)
			return -1;
	}
	return 0;
}

/* tm_edits_build - the list of edits of decision d */
int
tm_edits_build(const struct tm_conf *conf, const struct tm_hdrs *h,
	       const struct tm_decision *d, const struct tm_signer *signer,
	       struct tm_edits *e)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	if (d->untouched)		/* unknown_tenant = accept: no change at all */
		return 0;
	if (remove_all(e, h, conf->identify.header) < 0 ||
	    remove_all(e, h, conf->annotate_header) < 0)
		goto oom;
	if (d->new_from && set_header(e, h, "From", d->new_from) < 0)
		goto oom;
	if (d->new_reply_to && set_header(e, h, "Reply-To", d->new_reply_to) < 0)
		goto oom;
	if (signer && fold_long(e, conf, h, d) < 0)
		goto oom;
	if (d->new_env_from && push(e, TM_EDIT_ENV_FROM, NULL, 0,
				    d->new_env_from, "envelope sender") < 0)
		goto oom;
	if (conf->annotate_header &&
	    push_owned(e, TM_EDIT_INSERT, conf->annotate_header, 0,
		       tm_policy_annotation(d), "annotation") < 0)
		goto oom;
	/* Each insert goes on top: the last signature first. */
	for (i = signer ? tm_signer_count(signer) : 0; i > 0; i--)
		if (push(e, TM_EDIT_INSERT, TM_SIGN_HEADER, 0,
			 tm_signer_value(signer, i - 1), "DKIM-Signature") < 0)
			goto oom;
	if (d->verdict == TM_V_HOLD &&
	    push(e, TM_EDIT_HOLD, NULL, 0, TM_HOLD_REASON, "hold") < 0)
		goto oom;
	return 0;
oom:
	tm_edits_fini(e);
	return -1;
}

/* tm_edits_fini - the list and what it owns */
void
tm_edits_fini(struct tm_edits *e)
{
	size_t i;

	for (i = 0; i < e->n_owned; i++)
		free(e->owned[i]);
	free(e->owned);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* play_one - one edit through ops */
static int
play_one(const struct tm_edit *x, const struct tm_edit_ops *ops, void *arg)
{
	switch (x->kind) {
	case TM_EDIT_REMOVE:
		return ops->remove(arg, x->name, x->index);
	case TM_EDIT_CHANGE:
		return ops->change(arg, x->name, x->index, x->value);
	case TM_EDIT_ADD:
		return ops->add(arg, x->name, x->value);
	case TM_EDIT_INSERT:
		return ops->insert(arg, x->index, x->name, x->value);
	case TM_EDIT_ENV_FROM:
		return ops->env_from(arg, x->value);
	case TM_EDIT_HOLD:
		return ops->hold(arg, x->value);
	}
	return -1;
}

/* tm_edits_play - in order; stop at the first refusal */
int
tm_edits_play(const struct tm_edits *e, const struct tm_edit_ops *ops,
	      void *arg, const char **what)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (play_one(&e->v[i], ops, arg) < 0) {
			*what = e->v[i].what;
			return -1;
		}
	return 0;
}

/* tm_apply - build and play the decision's edits */
int
tm_apply(const struct tm_conf *conf, const struct tm_hdrs *h,
	 const struct tm_decision *d, const struct tm_signer *signer,
	 const struct tm_edit_ops *ops, void *arg, const char **what)
{
	struct tm_edits e;
	int rc;

	if (tm_edits_build(conf, h, d, signer, &e) < 0) {
		*what = "out of memory";
		return -1;
	}
	rc = tm_edits_play(&e, ops, arg, what);
	tm_edits_fini(&e);
	return rc;
}
