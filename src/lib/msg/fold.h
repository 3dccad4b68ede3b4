#ifndef TM_FOLD_H
#define TM_FOLD_H

/*
 * fold - keep header lines within RFC 5322's 998 bytes (section 2.1.1) by
 * folding at whitespace (section 2.2.3), so that the MTA never has to
 * break a line itself: Postfix's SMTP client splits longer lines on the
 * way out, which breaks every DKIM signature over the header.
 *
 * Values are as libmilter passes them: continuation lines separated by
 * LF, each starting with SP or HTAB.  A fold inserts LF before a blank
 * that follows text, so the unfolded value (and its relaxed DKIM
 * canonical form) stays the same.  Pure; thread-safe.
 */

#include <stddef.h>

#define TM_HDR_LINE_MAX 998	/* bytes per line, CRLF not counted */

/*
 * tm_hdr_fold - fold "NAME: VALUE" where a line is over TM_HDR_LINE_MAX.
 * 0: nothing to do (*out NULL); 1: *out is the folded value (caller
 * frees); -1: errno ENOMEM, or EINVAL when a line has no blank after text
 * within the limit (it cannot be folded).
 */
int tm_hdr_fold(const char *name, const char *value, char **out);

#endif
