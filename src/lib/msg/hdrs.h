#ifndef TM_HDRS_H
#define TM_HDRS_H

/*
 * hdrs - a message's header fields in arrival order (name, value), kept
 * until the end of headers so the policy can decide and the signer can be
 * fed the headers as they will leave.  Names compare case-insensitively.
 * Not thread-safe: one list per message.
 */

#include <stddef.h>

struct tm_hdr {
	char *name;
	char *value;		/* as the MTA passed it (folds kept) */
};

struct tm_hdrs {
	struct tm_hdr *v;
	size_t n, cap;
	size_t bytes;		/* total name + value bytes, for limits */
};

/* tm_hdrs_add - append copies; 0 ok, -1 out of memory */
int tm_hdrs_add(struct tm_hdrs *, const char *name, const char *value);
void tm_hdrs_fini(struct tm_hdrs *);
/* tm_hdrs_count - how many fields have this name */
size_t tm_hdrs_count(const struct tm_hdrs *, const char *name);
/* tm_hdrs_find - the nth (0-based) field of this name, or NULL; borrowed */
const struct tm_hdr *tm_hdrs_find(const struct tm_hdrs *, const char *name,
				  size_t nth);

#endif
