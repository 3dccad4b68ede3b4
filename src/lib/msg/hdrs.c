/*
 * hdrs.c - header field list of one message.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg/hdrs.h"

/* tm_hdrs_add - append */
int
tm_hdrs_add(struct tm_hdrs *h, const char *name, const char *value)
{
	struct tm_hdr *f;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 32;
		void *p = realloc(h->v, cap * sizeof(*h->v));

		if (p == NULL)
			return -1;
		h->v = p;
		h->cap = cap;
	}
	f = &h->v[h->n];
	if ((f->name = strdup(name)) == NULL)
		return -1;
	if ((f->value = strdup(value)) == NULL) {
		free(f->name);
		return -1;
	}
	h->n++;
	h->bytes += strlen(name) + strlen(value);
	return 0;
}

/* tm_hdrs_fini - free all */
void
tm_hdrs_fini(struct tm_hdrs *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].value);
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* tm_hdrs_count - fields named name */
size_t
tm_hdrs_count(const struct tm_hdrs *h, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->v[i].name, name) == 0)
			n++;
	return n;
}

/* tm_hdrs_find - nth field named name */
const struct tm_hdr *
tm_hdrs_find(const struct tm_hdrs *h, const char *name, size_t nth)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcasecmp(h->v[i].name, name) == 0 && nth-- == 0)
			return &h->v[i];
	return NULL;
}
