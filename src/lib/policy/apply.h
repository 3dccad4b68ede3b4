#ifndef TM_APPLY_H
#define TM_APPLY_H

/*
 * apply - what a decision does to a message, as one ordered list of
 * edits, and the one function that plays it through a small vtable.
 * The milter implements the vtable with smfi_* calls (milter_edit.c),
 * `tenantctl try` by editing and printing a copy of the headers, so the
 * two cannot disagree on what a message becomes.
 *
 * The list, in order (DESIGN.md steps 3-6, 10):
 *   1. every copy of the identify header and of the annotation header
 *      removed, last copy first (indexes stay valid);
 *   2. From changed (first copy) or added, when the decision sets it;
 *   3. Reply-To changed (first copy) or added, likewise;
 *   4. a signed message: each other header with a line over 998 bytes
 *      changed to the folded form it was signed in (msg/fold.h);
 *   5. the envelope sender replaced, when the decision sets it;
 *   6. the annotation inserted at the top;
 *   7. the DKIM-Signature headers inserted at the top, last signature
 *      first, so that the message leaves with them in the decision's
 *      order (d->sign[0] on top), above the annotation;
 *   8. hold, for a tenant on hold.
 * A decision marked untouched (unknown_tenant = accept) has no edits.
 * Changes and removals name a header by its name and its 1-based index
 * among the headers of that name (smfi_chgheader's convention); inserts
 * give a position (0: above every header); adds append.
 *
 * Errors: building fails only when out of memory; playing stops at the
 * first edit the implementation refuses, naming it ("From", "hold"...),
 * so that the caller tempfails: a message never leaves half-changed.
 * Thread safety: pure functions of their arguments.
 */

#include <stddef.h>

#include "conf/conf.h"
#include "msg/hdrs.h"
#include "policy/policy.h"

struct tm_signer;

enum tm_edit_kind {
	TM_EDIT_REMOVE,			/* name, index */
	TM_EDIT_CHANGE,			/* name, index, value */
	TM_EDIT_ADD,			/* name, value */
	TM_EDIT_INSERT,			/* index (position), name, value */
	TM_EDIT_ENV_FROM,		/* value: the address, no brackets */
	TM_EDIT_HOLD,			/* value: the reason */
};

struct tm_edit {
	enum tm_edit_kind kind;
	const char *name;		/* borrowed from conf, hdrs or a constant */
	size_t index;
	const char *value;		/* borrowed, or owned by the list */
	const char *what;		/* for "cannot change the message (what)" */
};

/* The edits of one decision; tm_edits_fini frees what it owns. */
struct tm_edits {
	struct tm_edit *v;
	size_t n;
	char **owned;			/* values made for the list (annotation) */
	size_t n_owned;
};

/*
 * The vtable: each returns 0 done, -1 refused.  arg is the caller's
 * (the SMFICTX, try's header copy).
 */
struct tm_edit_ops {
	int (*remove)(void *arg, const char *name, size_t index);
	int (*change)(void *arg, const char *name, size_t index,
		      const char *value);
	int (*add)(void *arg, const char *name, const char *value);
	int (*insert)(void *arg, size_t pos, const char *name, const char *value);
	int (*env_from)(void *arg, const char *addr);
	int (*hold)(void *arg, const char *reason);
};

/*
 * tm_edits_build - the list for an accepted decision d on a message with
 * headers h, signatures from signer (NULL: none; after tm_signer_eom).
 * Values are borrowed from conf, h, d and signer: keep them until
 * tm_edits_fini.  0 ok, -1 out of memory.
 */
int tm_edits_build(const struct tm_conf *, const struct tm_hdrs *h,
		   const struct tm_decision *d, const struct tm_signer *signer,
		   struct tm_edits *);
void tm_edits_fini(struct tm_edits *);

/*
 * tm_edits_play - every edit in order through ops; 0 all done, -1 at the
 * first refused one, with its what in *what.
 */
int tm_edits_play(const struct tm_edits *, const struct tm_edit_ops *,
		  void *arg, const char **what);

/*
 * tm_apply - build, play, free: the whole of applying a decision.  0 ok;
 * -1 with *what the refused edit, or "out of memory".
 */
int tm_apply(const struct tm_conf *, const struct tm_hdrs *h,
	     const struct tm_decision *d, const struct tm_signer *signer,
	     const struct tm_edit_ops *ops, void *arg, const char **what);

/* The reason given to the MTA with a hold (smfi_quarantine). */
#define TM_HOLD_REASON "tenant-milter: tenant on hold"

#endif
