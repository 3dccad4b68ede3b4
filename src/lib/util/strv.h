#ifndef TM_STRV_H
#define TM_STRV_H

/*
 * strv - small helpers: string vectors, lower-casing, path joining.
 * Every function returning a pointer returns memory the caller frees
 * (NULL when out of memory).  Thread-safe: no static state.
 */

#include <stddef.h>

#include "conf/model.h"

/* tm_strv_add - append a copy of s; 0 ok, -1 out of memory */
int tm_strv_add(struct tm_strv *, const char *s);
void tm_strv_fini(struct tm_strv *);
/* tm_strv_has_ci - index of s in v, case-insensitive, or -1 */
long tm_strv_has_ci(const struct tm_strv *, const char *s);

/*
 * tm_strv_has_ci_addr - does a list of domains and addresses allow addr?
 * An address entry matches exactly, a domain entry matches addr's domain
 * (not its subdomains).  Case-insensitive.  1 yes, 0 no.
 */
int tm_strv_has_ci_addr(const struct tm_strv *, const char *addr);

/* tm_lowercase - a lower-case ASCII copy */
char *tm_lowercase(const char *);
/* tm_path_join - dir/rel, or a copy of rel when it is absolute */
char *tm_path_join(const char *dir, const char *rel);
/* tm_path_dir - directory part of a path ("." when none) */
char *tm_path_dir(const char *path);
/* tm_free_secret - OPENSSL_cleanse then free */
void tm_free_secret(void *p, size_t len);

#endif
