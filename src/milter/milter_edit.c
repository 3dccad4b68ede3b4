/*
 * milter_edit.c - the edits of a decision (policy/apply.h) as libmilter
 * calls: smfi_chgheader to change or (value NULL) remove the index-th
 * header of a name, smfi_addheader to append, smfi_insheader to insert at
 * a position, smfi_chgfrom for the envelope sender, smfi_quarantine to
 * hold.  Each returns -1 when libmilter refuses, and the caller
 * tempfails the message.
 */

#include "config.h"

#include <stdio.h>
#include <libmilter/mfapi.h>

#include "milter_edit.h"

/* ok - MI_SUCCESS as 0, anything else as -1 */
static int
ok(int rc)
{
	return rc == MI_SUCCESS ? 0 : -1;
}

/* edit_remove - delete the index-th header called name */
static int
edit_remove(void *ctx, const char *name, size_t index)
{
	return ok(smfi_chgheader(ctx, (char *)name, (int)index, NULL));
}

/* edit_change - new value for the index-th header called name */
static int
edit_change(void *ctx, const char *name, size_t index, const char *value)
{
	return ok(smfi_chgheader(ctx, (char *)name, (int)index, (char *)value));
}

/* edit_add - append a header */
static int
edit_add(void *ctx, const char *name, const char *value)
{
	return ok(smfi_addheader(ctx, (char *)name, (char *)value));
}

/* edit_insert - a header at position pos (0: the top) */
static int
edit_insert(void *ctx, size_t pos, const char *name, const char *value)
{
	return ok(smfi_insheader(ctx, (int)pos, (char *)name, (char *)value));
}

/* edit_env_from - the envelope sender, as "<addr>" */
static int
edit_env_from(void *ctx, const char *addr)
{
	char env[1024];

	if ((size_t)snprintf(env, sizeof(env), "<%s>", addr) >= sizeof(env))
		return -1;
	return ok(smfi_chgfrom(ctx, env, NULL));
}

/* edit_hold - into the MTA's hold queue */
static int
edit_hold(void *ctx, const char *reason)
{
	return ok(smfi_quarantine(ctx, (char *)reason));
}

const struct tm_edit_ops tm_milter_edit_ops = {
	edit_remove, edit_change, edit_add, edit_insert, edit_env_from,
	edit_hold,
};
