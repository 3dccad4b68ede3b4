/*
 * fold.c - fold over-long header lines at whitespace (see fold.h).
 *
 * Each physical line longer than the limit is cut before the last blank
 * that keeps the piece within the limit and has text before it on that
 * line (a folded line must not be all whitespace).  Lines within the
 * limit are left exactly as they are.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "msg/fold.h"

/* cut_at - where to fold a line of len bytes starting at col; 0 if nowhere */
static size_t
cut_at(const char *line, size_t len, size_t col)
{
	size_t i, text = 0, best = 0;

	for (i = 0; i < len && col + i <= TM_HDR_LINE_MAX; i++) {
		if (line[i] == ' ' || line[i] == '\t') {
			if (text)
				best = i;
		} else
			text = 1;
	}
	return best;
}

/* tm_hdr_fold - the folded copy of value, or 0 when every line fits */
int
tm_hdr_fold(const char *name, const char *value, char **out)
{
	size_t col = strlen(name) + 2, vlen = strlen(value), n = 0, cut;
	const char *p = value, *nl;
	char *buf;

	*out = NULL;
	for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1, col = 0)
		if (col + (size_t)(nl - p) > TM_HDR_LINE_MAX)
			break;
	if (nl == NULL && col + strlen(p) <= TM_HDR_LINE_MAX)
		return 0;
	/* at most one LF per fold, a fold at most every other byte */
	if ((buf = malloc(2 * vlen + 2)) == NULL)
		return -1;
	col = strlen(name) + 2;
	for (p = value; *p; col = 0) {
		size_t len = (nl = strchr(p, '\n')) ? (size_t)(nl - p) : strlen(p);

		while (col + len > TM_HDR_LINE_MAX) {
			if ((cut = cut_at(p, len, col)) == 0) {
				free(buf);
				errno = EINVAL;
				return -1;
			}
			memcpy(buf + n, p, cut);
			n += cut;
			buf[n++] = '\n';
			p += cut;
			len -= cut;
			col = 0;
		}
		memcpy(buf + n, p, len);
		n += len;
		p += len;
		if (*p == '\n')
			buf[n++] = *p++;
	}
	buf[n] = '\0';
	*out = buf;
	return 1;
}
