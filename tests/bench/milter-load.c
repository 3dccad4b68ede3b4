/*
 * milter-load.c - a load driver playing the MTA: milter protocol v6 over
 * TCP to one milter, C connections in parallel, each sending messages
 * one after another as Postfix does (connect, MAIL, RCPT, headers, end
 * of headers, body in 64 KB chunks, end of message).  It offers the
 * protocol options Postfix 3.7 offers and honours what the milter asks
 * for (skipped steps, no-reply steps, macro lists), so a milter that
 * negotiates fewer round trips gets them here as behind Postfix.
 *
 * usage: milter-load [-P MILTER_PID] [-c CONN] [-n MSGS] [-b BODY_BYTES]
 *                    [-f MAIL_FROM] [-F HEADER_FROM] [-C CLIENT_IP]
 *                    [-S DIR:K] [-q] PORT
 *   -P  read the milter's CPU time (utime + stime of /proc/PID/stat,
 *       all its threads) before and after, and its RSS after
 *   -S  keep every K-th message as it would leave (DKIM-Signature and
 *       other inserted/added headers on top) in DIR, for verification
 *   -q  print the negotiated options and exit (tests)
 * Prints one line of key=value figures; exit 0 when every message was
 * accepted (an end-of-message reply of accept or continue), else 1.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/uio.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Protocol v6 (libmilter's mfdef.h values, the wire format). */
#define P_NR_CONN	0x1000UL
#define P_NR_HELO	0x2000UL
#define P_NR_MAIL	0x4000UL
#define P_NR_RCPT	0x8000UL
#define P_NR_HDR	0x80UL
#define P_NR_EOH	0x40000UL
#define P_NR_BODY	0x80000UL
#define P_NOCONNECT	0x1UL
#define P_NOHELO	0x2UL
#define P_NOMAIL	0x4UL
#define P_NORCPT	0x8UL
#define P_NOBODY	0x10UL
#define P_NOHDRS	0x20UL
#define P_NOEOH		0x40UL
#define P_NODATA	0x200UL
#define P_OFFER		0x1FFFFFUL	/* everything up to HDR_LEADSPC */
#define A_OFFER		0x1FFUL		/* all modification actions */
#define CHUNK		65535

static int port, conns = 1, msgs = 100, sample_every;
static size_t body_len = 2048;
static const char *mail_from = "<claim@rsa.example>";
static const char *hdr_from = "App <claim@rsa.example>";
static const char *sample_dir;
static const char *client_addr = "127.0.0.1";
static char *body;

struct worker {
	pthread_t tid;
	int id, nmsgs;
	unsigned long proto;		/* what the milter agreed to */
	int accepted, refused, sigs, failed;
	char last_reply[64];
};

/* put - one packet: length, command, data */
static int
put(int fd, char cmd, const void *data, size_t len)
{
	unsigned char hdr[5];
	uint32_t n = htonl((uint32_t)len + 1);
	struct iovec iov[2] = { { hdr, 5 }, { (void *)data, len } };
	ssize_t w;

	memcpy(hdr, &n, 4);
	hdr[4] = (unsigned char)cmd;
	w = writev(fd, iov, len ? 2 : 1);
	if (w == (ssize_t)(5 + len))
		return 0;
	if (w < 5)			/* short writes only happen for big chunks */
		return -1;
	w -= 5;
	while ((size_t)w < len) {
		ssize_t r = write(fd, (const char *)data + w, len - (size_t)w);

		if (r <= 0)
			return -1;
		w += r;
	}
	return 0;
}

/* get_all - exactly len bytes */
static int
get_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	int one = 1;

	while (got < len) {
		ssize_t r;

		/* ACK at once: a milter's several reply packets at the end of a
		 * message would otherwise wait for our delayed ACK (Nagle) */
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		r = read(fd, (char *)buf + got, len - got);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* get - one packet into *buf (malloc'd, NUL-terminated); its command */
static int
get(int fd, char **buf, size_t *len)
{
	uint32_t n;
	char cmd;

	if (get_all(fd, &n, 4) < 0 || (n = ntohl(n)) == 0 || n > 64 * 1024 * 1024)
		return -1;
	if (get_all(fd, &cmd, 1) < 0)
		return -1;
	*len = n - 1;
	free(*buf);
	if ((*buf = malloc(*len + 1)) == NULL || get_all(fd, *buf, *len) < 0)
		return -1;
	(*buf)[*len] = '\0';
	return (unsigned char)cmd;
}

/* reply - wait for the answer to a step unless it has none */
static int
reply(int fd, struct worker *w, unsigned long nr)
{
	char *b = NULL;
	size_t n;
	int c;

	if (w->proto & nr)
		return 'c';
	c = get(fd, &b, &n);
	free(b);
	return c;
}

/* pairs - "a\0b\0c\0..." of n strings into buf; its length */
static size_t
pairs(char *buf, size_t cap, int n, const char **s)
{
	size_t o = 0;
	int i;

	for (i = 0; i < n; i++) {
		size_t l = strlen(s[i]) + 1;

		if (o + l > cap)
			break;
		memcpy(buf + o, s[i], l);
		o += l;
	}
	return o;
}

/* negotiate - OPTNEG; the milter's protocol flags into w */
static int
negotiate(int fd, struct worker *w)
{
	uint32_t v[3] = { htonl(6), htonl(A_OFFER), htonl(P_OFFER) };
	char *b = NULL;
	size_t n;

	if (put(fd, 'O', v, sizeof(v)) < 0 || get(fd, &b, &n) != 'O' || n < 12) {
		free(b);
		return -1;
	}
	memcpy(v, b, 12);
	w->proto = ntohl(v[2]);
	free(b);
	return 0;
}

/* connect_to - TCP to the milter and the SMTP-connect step */
static int
connect_to(struct worker *w)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char buf[256];
	size_t o;
	uint16_t cport = htons(25000);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd >= 0)	/* as Postfix: no Nagle delay on small packets */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    negotiate(fd, w) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!(w->proto & P_NOCONNECT)) {
		o = (size_t)snprintf(buf, sizeof(buf), "client.bench") + 1;
		buf[o++] = '4';
		memcpy(buf + o, &cport, 2);
		o += 2;
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", client_addr) + 1;
		if (put(fd, 'C', buf, o) < 0 || reply(fd, w, P_NR_CONN) != 'c')
			goto fail;
	}
	if (!(w->proto & P_NOHELO) &&
	    (put(fd, 'H', "client.bench", 13) < 0 || reply(fd, w, P_NR_HELO) != 'c'))
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* macros - a D packet for step cmd with the queue id */
static int
macros(int fd, char cmd, const char *qid)
{
	char buf[128];
	const char *s[] = { "i", qid };

	buf[0] = cmd;
	return put(fd, 'D', buf, 1 + pairs(buf + 1, sizeof(buf) - 1, 2, s));
}

/* header - one L packet */
static int
header(int fd, struct worker *w, const char *name, const char *value)
{
	char buf[1024];
	const char *s[] = { name, value };

	if (w->proto & P_NOHDRS)
		return 0;
	if (put(fd, 'L', buf, pairs(buf, sizeof(buf), 2, s)) < 0)
		return -1;
	return reply(fd, w, P_NR_HDR) == 'c' ? 0 : -1;
}

/* keep - the message as it would leave, into the sample directory */
static void
keep(struct worker *w, int m, const char *added, const char *const *h, int nh)
{
	char path[4096];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/w%02d-m%05d.eml", sample_dir, w->id, m);
	if ((f = fopen(path, "wb")) == NULL)
		return;
	fputs(added, f);
	for (i = 0; i < nh; i += 2)
		fprintf(f, "%s: %s\r\n", h[i], h[i + 1]);
	fputs("\r\n", f);
	fwrite(body, 1, body_len, f);
	fclose(f);
}

/* end_of_message - E, then modifications until the final reply */
static int
end_of_message(int fd, struct worker *w, char **added, size_t *alen)
{
	char *b = NULL;
	size_t n;
	int c;

	if (put(fd, 'E', NULL, 0) < 0)
		return -1;
	while ((c = get(fd, &b, &n)) > 0) {
		if (c == 'i' || c == 'h') {	/* insheader: index first */
			const char *name = b + (c == 'i' ? 4 : 0);
			const char *value = name + strlen(name) + 1;
			size_t need = strlen(name) + strlen(value) + 8, i;
			char *a = realloc(*added, *alen + 2 * need);

			if (a == NULL)
				break;
			*added = a;
			*alen += (size_t)sprintf(a + *alen, "%s: ", name);
			for (i = 0; value[i]; i++) {	/* LF folds as CRLF */
				if (value[i] == '\n')
					a[(*alen)++] = '\r';
				a[(*alen)++] = value[i];
			}
			*alen += (size_t)sprintf(a + *alen, "\r\n");
			if (strcasecmp(name, "DKIM-Signature") == 0)
				w->sigs++;
			continue;
		}
		if (c == 'p' || c == 'm' || c == 'e' || c == 'q' || c == '+' ||
		    c == '-')
			continue;
		snprintf(w->last_reply, sizeof(w->last_reply), "%c %.60s", c,
			 c == 'y' ? b : "");
		break;
	}
	free(b);
	return c;
}

/* message - one whole message; 0 accepted, 1 refused, -1 broken */
static int
message(int fd, struct worker *w, int m)
{
	char qid[32], rcpt[64], mid[96], *added = NULL;
	const char *h[] = { "From", hdr_from, "To", rcpt, "Subject",
		"Your enrolment is confirmed", "Date",
		"Tue, 01 Dec 2026 08:00:00 +0000", "Message-ID", mid,
		"MIME-Version", "1.0", "Content-Type", "text/plain; charset=utf-8",
		"X-Mailer", "lms 4.2" };
	int nh = sizeof(h) / sizeof(h[0]), i, c;
	size_t off, alen = 0;

	snprintf(qid, sizeof(qid), "B%02dQ%06d", w->id, m);
	snprintf(rcpt, sizeof(rcpt), "<u%d@dest.example>", m);
	snprintf(mid, sizeof(mid), "<%d.%d@bench.example>", w->id, m);
	if (!(w->proto & P_NOMAIL) &&
	    (macros(fd, 'M', qid) < 0 || put(fd, 'M', mail_from,
	     strlen(mail_from) + 1) < 0 || (c = reply(fd, w, P_NR_MAIL)) != 'c'))
		return 1;
	if (!(w->proto & P_NORCPT) &&
	    (put(fd, 'R', rcpt, strlen(rcpt) + 1) < 0 || reply(fd, w, P_NR_RCPT) != 'c'))
		return 1;
	if (!(w->proto & P_NODATA) && (put(fd, 'T', NULL, 0) < 0 || reply(fd, w, 0) != 'c'))
		return -1;
	snprintf(rcpt, sizeof(rcpt), "u%d@dest.example", m);
	for (i = 0; i < nh; i += 2)
		if (header(fd, w, h[i], h[i + 1]) < 0)
			return 1;
	if (!(w->proto & P_NOEOH) &&
	    (macros(fd, 'N', qid) < 0 || put(fd, 'N', NULL, 0) < 0 ||
	     reply(fd, w, P_NR_EOH) != 'c'))
		return 1;
	for (off = 0; !(w->proto & P_NOBODY) && off < body_len; off += CHUNK) {
		size_t n = body_len - off < CHUNK ? body_len - off : CHUNK;

		if (put(fd, 'B', body + off, n) < 0 || reply(fd, w, P_NR_BODY) != 'c')
			return 1;
	}
	if (macros(fd, 'E', qid) < 0 || (c = end_of_message(fd, w, &added, &alen)) < 0) {
		free(added);
		return -1;
	}
	if (c == 'a' || c == 'c') {
		if (sample_dir && sample_every && m % sample_every == 0)
			keep(w, m, added ? added : "", h, nh);
		free(added);
		return 0;
	}
	free(added);
	return 1;
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	int fd = connect_to(w), m, rc;

	if (fd < 0) {
		w->failed = w->nmsgs;
		return NULL;
	}
	for (m = 0; m < w->nmsgs; m++) {
		if ((rc = message(fd, w, m)) == 0)
			w->accepted++;
		else if (rc > 0) {
			w->refused++;
			put(fd, 'A', NULL, 0);		/* abort, go on */
		} else {
			w->failed += w->nmsgs - m;
			break;
		}
	}
	put(fd, 'Q', NULL, 0);
	close(fd);
	return NULL;
}

/* proc_cpu - utime + stime of pid in seconds (all threads), -1 unknown */
static double
proc_cpu(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* proc_rss - VmRSS of pid in kB, -1 unknown */
static long
proc_rss(int pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* make_body - text lines of 76 characters, CRLF, body_len bytes */
static void
make_body(void)
{
	static const char words[] = "Dear learner, your enrolment in the course "
		"is confirmed; the first session starts on Monday at nine. ";
	size_t i, col = 0;

	if ((body = malloc(body_len + 2)) == NULL)
		exit(1);
	for (i = 0; i + 2 <= body_len; i++) {
		if (col == 76) {
			body[i++] = '\r';
			body[i] = '\n';
			col = 0;
			continue;
		}
		body[i] = words[i % (sizeof(words) - 1)];
		col++;
	}
	if (body_len >= 2) {
		body[body_len - 2] = '\r';
		body[body_len - 1] = '\n';
	}
}

int
main(int argc, char **argv)
{
	struct worker *w;
	double t0, c0 = 0, c1, d0;
	int opt, pid = 0, query = 0, i, acc = 0, ref = 0, sigs = 0, bad = 0;
	char *colon;

	while ((opt = getopt(argc, argv, "P:c:n:b:f:F:C:S:q")) != -1) {
		switch (opt) {
		case 'P': pid = atoi(optarg); break;
		case 'c': conns = atoi(optarg); break;
		case 'n': msgs = atoi(optarg); break;
		case 'b': body_len = (size_t)atol(optarg); break;
		case 'f': mail_from = optarg; break;
		case 'F': hdr_from = optarg; break;
		case 'C': client_addr = optarg; break;
		case 'S':
			if ((colon = strrchr(optarg, ':')) == NULL)
				return 2;
			*colon = '\0';
			sample_dir = optarg;
			sample_every = atoi(colon + 1);
			break;
		case 'q': query = 1; break;
		default:
			fprintf(stderr, "usage: milter-load [-P PID] [-c CONN] [-n MSGS] "
				"[-b BYTES] [-f FROM] [-F HDRFROM] [-S DIR:K] [-q] PORT\n");
			return 2;
		}
	}
	if (optind >= argc || conns < 1 || msgs < conns)
		return 2;
	port = atoi(argv[optind]);
	if (query) {
		struct worker q = { 0 };
		int fd = connect_to(&q);

		if (fd < 0)
			return 1;
		printf("protocol=0x%lx\n", q.proto);
		put(fd, 'Q', NULL, 0);
		close(fd);
		return 0;
	}
	make_body();
	if ((w = calloc((size_t)conns, sizeof(*w))) == NULL)
		return 1;
	if (pid)
		c0 = proc_cpu(pid);
	d0 = self_cpu();
	t0 = now();
	for (i = 0; i < conns; i++) {
		w[i].id = i;
		w[i].nmsgs = msgs / conns + (i < msgs % conns);
		pthread_create(&w[i].tid, NULL, run, &w[i]);
	}
	for (i = 0; i < conns; i++) {
		pthread_join(w[i].tid, NULL);
		acc += w[i].accepted;
		ref += w[i].refused;
		sigs += w[i].sigs;
		bad += w[i].failed;
	}
	t0 = now() - t0;
	c1 = pid ? proc_cpu(pid) : 0;
	printf("msgs=%d conns=%d body=%zu accepted=%d refused=%d broken=%d "
	       "sigs=%d wall_s=%.3f msgs_per_s=%.1f driver_cpu_ms_per_msg=%.4f",
	       msgs, conns, body_len, acc, ref, bad, sigs, t0, msgs / t0,
	       (self_cpu() - d0) * 1e3 / msgs);
	if (pid)
		printf(" milter_cpu_ms_per_msg=%.4f milter_rss_kb=%ld",
		       (c1 - c0) * 1e3 / msgs, proc_rss(pid));
	if (ref || bad)
		printf(" last_reply=\"%s\"", w[0].last_reply);
	printf("\n");
	return acc == msgs ? 0 : 1;
}
