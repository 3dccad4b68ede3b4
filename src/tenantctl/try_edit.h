#ifndef TCTL_TRY_EDIT_H
#define TCTL_TRY_EDIT_H

/*
 * try_edit - `tenantctl try`'s struct tm_edit_ops: the decision's edits
 * (policy/apply.h) played on a copy of the message's headers, each
 * change also printed as one line ("  remove   Name: value", "  change
 * ...", "  add ...", "  envelope MAIL FROM:<...>", "  hold ..."; inserted
 * headers show in the message itself).  The same edits the milter makes
 * through libmilter, with libmilter's meaning of each.
 */

#include <stdio.h>

#include "msg/hdrs.h"
#include "policy/apply.h"

struct tctl_hdr {
	char *name;
	char *value;
};

struct tctl_edit {
	struct tctl_hdr *v;		/* the headers, top first */
	size_t n;
	FILE *log;			/* change lines go here */
};

/* tctl_edit_init - a copy of h to edit, change lines to log; 0, -1 oom */
int tctl_edit_init(struct tctl_edit *, const struct tm_hdrs *h, FILE *log);
void tctl_edit_fini(struct tctl_edit *);
/* tctl_edit_print - the headers as "Name: value" lines */
void tctl_edit_print(const struct tctl_edit *, FILE *);

extern const struct tm_edit_ops tctl_edit_ops;

#endif
