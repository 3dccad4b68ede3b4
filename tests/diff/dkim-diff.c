/*
 * dkim-diff.c - generate messages of awkward shapes and sign each one
 * natively, through the calls the milter makes (milter.c: one
 * tm_signer_header() per header field as libmilter hands it over, value
 * without the space after the colon and folds as LF; tm_signer_eoh();
 * tm_signer_body() per chunk, chunks cut at random places, also between
 * CR and LF; tm_signer_eom()), then write each message as it leaves
 * (DKIM-Signature on top, CRLF line ends, a last line without one ended
 * as SMTP ends it; dkimpy 1.0.5 would otherwise get that shape wrong,
 * while the signer is fed the body as generated) for the verifiers.
 *
 * usage: dkim-diff OUTDIR COUNT SEED RSAKEY ED25519KEY [raw]
 * raw: write the messages unsigned, as generated (bare LF kept), for the
 * batch sent through Postfix and the milter; no lines over 998 bytes
 * then (Postfix's SMTP client would break them, and any signature).
 * Files OUTDIR/mNNNNN.eml; d=diff.example, s=r (RSA, every message) and
 * s=e (Ed25519, every other message).  An X-Shape header (not signed)
 * says what the message is made of.  The last message is the negative
 * control: its body is changed after signing, so every verifier must
 * fail it (the test proves it can fail).  Exit 0, or 1 with a reason.
 */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "dkim/keys.h"
#include "dkim/sign.h"

struct buf {
	char *p;
	size_t len, cap;
};

static uint64_t rng;
static int raw;				/* write unsigned messages */

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned)(rng % n) : 0;
}

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL) {
			fprintf(stderr, "dkim-diff: out of memory\n");
			exit(1);
		}
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static const char *const words[] = {
	"hello", "Gr\303\274\303\237e", "K\303\266ln", "invoice", "a", "the",
	"caf\303\251", "\342\202\254100", "x", "enrolment", "=?utf-8?q?a?=",
};

/* text - words with awkward spacing: runs of SP/TAB, maybe trailing WSP */
static void
text(struct buf *b, unsigned nwords, int shapes)
{
	static const char *const gaps[] = { " ", " ", " ", "  ", "\t", " \t ",
					    "\t\t" };
	unsigned i;

	if (shapes && rnd(4) == 0)
		puts_(b, rnd(2) ? " " : "\t");	/* leading WSP */
	for (i = 0; i < nwords; i++) {
		if (i)
			puts_(b, shapes ? gaps[rnd(7)] : " ");
		puts_(b, words[rnd(sizeof(words) / sizeof(words[0]))]);
	}
	if (shapes && rnd(3) == 0)
		puts_(b, rnd(2) ? " " : " \t");	/* trailing WSP */
}

/* header - "Name: value" lines, maybe folded, into hdr */
static void
header(struct buf *h, const char *name, int fold, const char *eol)
{
	puts_(h, name);
	puts_(h, ": ");
	text(h, 2 + rnd(5), 1);
	while (fold-- > 0) {
		puts_(h, eol);
		puts_(h, rnd(2) ? "\t" : "  ");
		text(h, 1 + rnd(6), 1);
	}
	puts_(h, eol);
}

/* make_headers - a header block; shape notes appended to shape */
static void
make_headers(struct buf *h, unsigned id, const char *eol, char *shape,
	     size_t slen)
{
	char line[256];
	int fold = rnd(3) == 0;

	snprintf(line, sizeof(line), "%s: App <app@diff.example>%s",
		 rnd(8) ? "From" : "FROM", eol);
	puts_(h, line);
	if (fold) {		/* folded To with two addresses */
		snprintf(line, sizeof(line), "To: a@dest.example,%s\tb@dest.example%s",
			 eol, eol);
		puts_(h, line);
	} else {
		snprintf(line, sizeof(line), "To: u%u@dest.example%s", id, eol);
		puts_(h, line);
	}
	if (rnd(5) == 0) {	/* a second To: signed bottom-up */
		snprintf(line, sizeof(line), "to:  second@dest.example %s", eol);
		puts_(h, line);
		strncat(shape, " dup-to", slen - strlen(shape) - 1);
	}
	header(h, rnd(6) ? "Subject" : "subject", fold ? 1 + (int)rnd(3) : 0, eol);
	snprintf(line, sizeof(line), "Date: Tue, 01 Dec 2026 07:%02u:%02u +0000%s",
		 rnd(60), rnd(60), eol);
	puts_(h, line);
	snprintf(line, sizeof(line), "Message-ID: <%u.%u@diff.example>%s", id,
		 rnd(100000), eol);
	puts_(h, line);
	if (rnd(3) == 0)
		header(h, "X-Unsigned", (int)rnd(2), eol);
	if (rnd(3) == 0)
		header(h, "Cc", (int)rnd(3), eol);
	if (rnd(4) == 0) {
		snprintf(line, sizeof(line), "MIME-Version: 1.0%sContent-Type: "
			 "text/plain;%s\tcharset=utf-8%s", eol, eol, eol);
		puts_(h, line);
	}
	if (fold)
		strncat(shape, " folded", slen - strlen(shape) - 1);
}

/* make_body - one of the body shapes */
static void
make_body(struct buf *b, unsigned kind, const char *eol, char *shape,
	  size_t slen)
{
	static const char *const names[] = { "empty", "blank-lines",
		"text", "trailing-blank", "wsp-lines", "long-lines",
		"no-final-eol", "8bit", "big" };
	unsigned i, n;

	strncat(shape, " ", slen - strlen(shape) - 1);
	strncat(shape, names[kind], slen - strlen(shape) - 1);
	switch (kind) {
	case 0:
		break;
	case 1:
		for (n = 1 + rnd(5); n; n--)
			puts_(b, eol);
		break;
	case 2: case 3: case 4: case 6: case 7:
		for (n = 1 + rnd(30); n; n--) {
			if (kind == 4 && rnd(3) == 0)
				puts_(b, rnd(2) ? "   " : " \t");	/* WSP only */
			else
				text(b, rnd(12), kind != 7 || rnd(2));
			puts_(b, eol);
		}
		if (kind == 3)
			for (n = 1 + rnd(4); n; n--)
				puts_(b, rnd(3) ? eol : " \t");
		if (kind == 6)
			text(b, 3, 1);		/* last line without EOL */
		break;
	case 5:			/* lines over 998 bytes */
		for (n = 1 + rnd(3); n; n--) {
			for (i = 1000 + rnd(3000); i; i--)
				put(b, &"abcdefgh "[rnd(9)], 1);
			puts_(b, eol);
		}
		break;
	case 8:			/* about 1 MB of base64-ish lines */
		for (n = 0; n < 13800; n++) {
			char line[80];

			for (i = 0; i < 76; i++)
				line[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
					  "ghijklmnopqrstuvwxyz0123456789+/"[rnd(64)];
			put(b, line, 76);
			puts_(b, eol);
		}
		break;
	}
}

/* feed_headers - every field as libmilter gives it: name, value after
 * ": " with folds as LF; 0 ok, -1 with why */
static int
feed_headers(struct tm_signer *s, const char *h, char *why, size_t wl)
{
	while (*h) {
		const char *end = h, *colon = strchr(h, ':');
		char *name, *value, *o;
		const char *p;
		int rc;

		for (;;) {
			end = strchr(end, '\n');
			if (end == NULL || (end[1] != ' ' && end[1] != '\t'))
				break;
			end++;
		}
		end = end ? end + 1 : h + strlen(h);
		name = strndup(h, (size_t)(colon - h));
		p = colon + 1;
		if (*p == ' ')
			p++;
		value = o = malloc((size_t)(end - p) + 1);
		for (; p < end; p++)
			if (*p != '\r')
				*o++ = *p;
		while (o > value && o[-1] == '\n')	/* the field's own EOL */
			o--;
		*o = '\0';
		rc = tm_signer_header(s, name, value, why, wl);
		free(name);
		free(value);
		if (rc < 0)
			return -1;
		h = end;
	}
	return 0;
}

/* feed_body - in random chunks (1 byte up to 64 KB, libmilter's most) */
static int
feed_body(struct tm_signer *s, const struct buf *b, char *why, size_t wl)
{
	size_t off = 0;

	while (off < b->len) {
		size_t n = rnd(4) == 0 ? 1 + rnd(16) : 1 + rnd(65535);

		if (n > b->len - off)
			n = b->len - off;
		if (tm_signer_body(s, (const unsigned char *)b->p + off, n,
				   why, wl) < 0)
			return -1;
		off += n;
	}
	return 0;
}

/* write_crlf - bytes with every bare LF made CRLF */
static void
write_crlf(FILE *f, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			fputc('\r', f);
		fputc(p[i], f);
	}
}

/* write_raw - the message unsigned, line ends as generated */
static int
write_raw(const char *dir, unsigned id, const char *shape, struct buf *h,
	  struct buf *b, const char *eol)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/m%05u.eml", dir, id);
	if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "dkim-diff: %s: cannot write\n", path);
		return -1;
	}
	fprintf(f, "X-Shape:%s%s%s%s", shape, eol, h->p, eol);
	fwrite(b->p, 1, b->len, f);
	fclose(f);
	free(h->p);
	free(b->p);
	return 0;
}

/* one - make, sign and write message id; 0 ok, -1 */
static int
one(const char *dir, unsigned id, unsigned count,
    const struct tm_dkim *const *sigs)
{
	struct buf h = { 0 }, b = { 0 };
	char shape[256] = "", why[512], path[4096];
	const char *eol = rnd(4) == 0 ? "\n" : "\r\n";
	unsigned kind = id % 400 == 399 ? 8 : rnd(8);
	int dual = id % 2, control = id == count - 1;
	struct tm_signer *s;
	FILE *f;
	size_t i;

	if (control || (raw && kind == 5))
		kind = 2;
	if (eol[0] == '\n')
		strncat(shape, " bare-lf", sizeof(shape) - 1);
	make_headers(&h, id, eol, shape, sizeof(shape));
	make_body(&b, kind, eol, shape, sizeof(shape));
	if (raw)
		return write_raw(dir, id, shape, &h, &b, eol);
	if ((s = tm_signer_new("diff", sigs, dual ? 2 : 1, why, sizeof(why))) == NULL ||
	    feed_headers(s, h.p, why, sizeof(why)) < 0 ||
	    tm_signer_eoh(s, why, sizeof(why)) < 0 ||
	    feed_body(s, &b, why, sizeof(why)) < 0 ||
	    tm_signer_eom(s, why, sizeof(why)) < 0) {
		fprintf(stderr, "dkim-diff: message %u:%s: %s\n", id, shape, why);
		tm_signer_free(s);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/m%05u.eml", dir, id);
	if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "dkim-diff: %s: cannot write\n", path);
		tm_signer_free(s);
		return -1;
	}
	for (i = 0; i < tm_signer_count(s); i++) {
		const char *v = tm_signer_value(s, i);

		fputs(TM_SIGN_HEADER ": ", f);
		write_crlf(f, v, strlen(v));
		fputs("\r\n", f);
	}
	fprintf(f, "X-Shape:%s%s\r\n", shape, control ? " control" : "");
	write_crlf(f, h.p, h.len);
	fputs("\r\n", f);
	if (control)
		puts_(&b, "changed after signing\r\n");
	write_crlf(f, b.p, b.len);
	if (b.len > 0 && b.p[b.len - 1] != '\n')	/* as an MTA delivers it */
		fputs("\r\n", f);
	fclose(f);
	tm_signer_free(s);
	free(h.p);
	free(b.p);
	return 0;
}

int
main(int argc, char **argv)
{
	struct tm_key *kr, *ke;
	char why[512], warn[512];
	struct tm_dkim dr = { "diff.example", "r", NULL, TM_ALG_RSA_SHA256,
			      "diff", 1, NULL, NULL };
	struct tm_dkim de = { "diff.example", "e", NULL, TM_ALG_ED25519_SHA256,
			      "diff", 2, NULL, NULL };
	const struct tm_dkim *sigs[2] = { &dr, &de };
	unsigned id, count;

	if (argc != 6 && !(argc == 7 && strcmp(argv[6], "raw") == 0)) {
		fprintf(stderr, "usage: dkim-diff OUTDIR COUNT SEED RSAKEY "
			"ED25519KEY [raw]\n");
		return 1;
	}
	raw = argc == 7;
	count = (unsigned)atoi(argv[2]);
	rng = strtoull(argv[3], NULL, 10) * 2654435761ULL + 88172645463325252ULL;
	if (tm_sign_init() < 0 ||
	    (kr = tm_key_load(argv[4], TM_ALG_RSA_SHA256, why, warn, sizeof(why))) == NULL ||
	    (ke = tm_key_load(argv[5], TM_ALG_ED25519_SHA256, why, warn, sizeof(why))) == NULL) {
		fprintf(stderr, "dkim-diff: %s\n", why);
		return 1;
	}
	dr.key = kr;
	de.key = ke;
	for (id = 0; id < count; id++)
		if (one(argv[1], id, count, sigs) < 0)
			return 1;
	tm_key_free(kr);
	tm_key_free(ke);
	tm_sign_fini();
	return 0;
}
