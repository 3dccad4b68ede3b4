/*
 * strv.c - string vectors and path helpers shared by lib/.
 */

#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util/strv.h"

/* tm_strv_add - append a copy of s */
int
tm_strv_add(struct tm_strv *sv, const char *s)
{
	char **v;
	char *copy = strdup(s);

	if (copy == NULL)
		return -1;
	v = realloc(sv->v, (sv->n + 1) * sizeof(*v));
	if (v == NULL) {
		free(copy);
		return -1;
	}
	v[sv->n++] = copy;
	sv->v = v;
	return 0;
}

/* tm_strv_fini - free every string and the vector */
void
tm_strv_fini(struct tm_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* tm_strv_has_ci - case-insensitive membership */
long
tm_strv_has_ci(const struct tm_strv *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (strcasecmp(sv->v[i], s) == 0)
			return (long)i;
	return -1;
}

/* tm_strv_has_ci_addr - address entry, or domain entry for its domain */
int
tm_strv_has_ci_addr(const struct tm_strv *sv, const char *addr)
{
	const char *at = strrchr(addr, '@');

	return tm_strv_has_ci(sv, addr) >= 0 ||
	       (at != NULL && tm_strv_has_ci(sv, at + 1) >= 0);
}

/* tm_lowercase - ASCII lower-case copy */
char *
tm_lowercase(const char *s)
{
	char *copy = strdup(s), *p;

	if (copy == NULL)
		return NULL;
	for (p = copy; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return copy;
}

/* tm_path_join - rel relative to dir */
char *
tm_path_join(const char *dir, const char *rel)
{
	size_t dl, rl;
	char *out;

	if (rel[0] == '/' || dir == NULL || dir[0] == '\0' ||
	    strcmp(dir, ".") == 0)
		return strdup(rel);
	dl = strlen(dir);
	rl = strlen(rel);
	out = malloc(dl + rl + 2);
	if (out == NULL)
		return NULL;
	memcpy(out, dir, dl);
	out[dl] = '/';
	memcpy(out + dl + 1, rel, rl + 1);
	return out;
}

/* tm_path_dir - "a/b/c" -> "a/b", "c" -> ".", "/c" -> "/" */
char *
tm_path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* tm_free_secret - wipe, then free */
void
tm_free_secret(void *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

/* tm_path_sync_dir - make new or renamed entries of dir durable */
void
tm_path_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}
