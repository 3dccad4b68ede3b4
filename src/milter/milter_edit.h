#ifndef TM_MILTER_EDIT_H
#define TM_MILTER_EDIT_H

/*
 * milter_edit - policy/apply's struct tm_edit_ops over libmilter: each
 * edit one smfi_* call, arg the SMFICTX.  Internal to src/milter/; only
 * valid from the end-of-message callback, where libmilter allows
 * changes.
 */

#include "policy/apply.h"

extern const struct tm_edit_ops tm_milter_edit_ops;

#endif
