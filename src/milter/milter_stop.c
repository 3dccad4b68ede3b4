/*
 * milter_stop.c - a prompt stop.  On SIGTERM the daemon must finish the
 * messages in flight, then exit as soon as none is left; but an MTA keeps
 * one milter connection open per SMTP session, and an idle session (a
 * client that connected and sends nothing, or waits between messages)
 * would hold the stop for the whole grace period.
 *
 * Worse, Debian's libmilter runs sessions on a worker pool whose workers
 * and controller quit as soon as libmilter's stop flag is set: a session
 * between two commands (idle, or in the middle of a message) is then never
 * served again and is cut.  So libmilter must not hear of the stop until
 * our connections are done (reload.c keeps the signal until then).
 *
 * Every connection is tracked with its socket and whether a message is
 * in progress (MAIL FROM to end, abort or refusal).  When the stop begins,
 * idle connections are shut down for reading: libmilter's session sees end
 * of file and ends (the MTA then applies its milter_default_action, 451
 * with tempfail, to anything more in that session).  A busy connection is
 * shut down the moment its message ends; the final reply still goes out,
 * since only reading is shut.  A connection or MAIL FROM that arrives
 * during the stop is closed or gets 451 4.3.2.

 * libmilter does not expose a session's socket.  Its private context
 * (struct smfi_str in libmilter's libmilter.h, unchanged since 8.12) starts
 * with the session id and the socket; the socket is used only after
 * checking that it is a connected socket on our own listening address.
 * When that check fails the connection is simply waited for.
 *
 * Finally, libmilter's listener looks at its stop flag only every 5 s;
 * connections to our own socket wake it at once (tm_stop_nudge).
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "milter.h"

struct sess {
	const void *key;
	int sd;				/* -1: unknown, wait for it */
	bool busy;
	struct sess *next;
};

/* The start of libmilter's private struct smfi_str (see above). */
struct mi_ctx_head {
	pthread_t id;
	int sd;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct sess *sessions;
static bool stopping;

/* The listening address, parsed from the socket setting. */
static struct {
	int family;			/* AF_INET, AF_INET6, AF_UNIX; 0: unknown */
	unsigned short port;		/* inet, host order */
	struct sockaddr_storage addr;	/* for the nudge */
	socklen_t len;
} listen_at;

/* tm_stop_listen - remember "inet:PORT@ADDR", "inet6:..." or "unix:PATH" */
void
tm_stop_listen(const char *spec)
{
	const char *at, *colon = strchr(spec, ':');

	memset(&listen_at, 0, sizeof(listen_at));
	if (colon == NULL)
		return;
	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)&listen_at.addr;

		if (strlen(colon + 1) >= sizeof(un->sun_path))
			return;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, colon + 1);
		listen_at.len = sizeof(*un);
		listen_at.family = AF_UNIX;
		return;
	}
	at = strchr(colon, '@');
	listen_at.port = (unsigned short)atoi(colon + 1);
	if (strncmp(spec, "inet6:", 6) == 0) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&listen_at.addr;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(listen_at.port);
		if (at == NULL || inet_pton(AF_INET6, at + 1, &in6->sin6_addr) != 1)
			in6->sin6_addr = in6addr_loopback;
		listen_at.len = sizeof(*in6);
		listen_at.family = AF_INET6;
	} else if (strncmp(spec, "inet:", 5) == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)&listen_at.addr;

		in->sin_family = AF_INET;
		in->sin_port = htons(listen_at.port);
		if (at == NULL || inet_pton(AF_INET, at + 1, &in->sin_addr) != 1 ||
		    in->sin_addr.s_addr == htonl(INADDR_ANY))
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		listen_at.len = sizeof(*in);
		listen_at.family = AF_INET;
	}
}

/* ours - is sd a connection accepted on our listening address? */
static bool
ours(int sd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct stat st;
	int acc = 1;
	socklen_t alen = sizeof(acc);

	if (sd < 0 || listen_at.family == 0 || fstat(sd, &st) < 0 ||
	    !S_ISSOCK(st.st_mode) ||
	    getsockopt(sd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &alen) < 0 || acc ||
	    getsockname(sd, (struct sockaddr *)&ss, &len) < 0 ||
	    ss.ss_family != listen_at.family)
		return false;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port) == listen_at.port;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == listen_at.port;
	return strcmp(((struct sockaddr_un *)&ss)->sun_path,
		      ((struct sockaddr_un *)&listen_at.addr)->sun_path) == 0;
}

/* tm_stop_track - a new connection (xxfi_connect); 0, or -1 out of memory */
int
tm_stop_track(const void *key, SMFICTX *ctx)
{
	struct sess *s = calloc(1, sizeof(*s));
	int sd = ((const struct mi_ctx_head *)(const void *)ctx)->sd;

	if (s == NULL)
		return -1;
	s->key = key;
	s->sd = ours(sd) ? sd : -1;
	pthread_mutex_lock(&lock);
	s->next = sessions;
	sessions = s;
	if (stopping && s->sd >= 0)
		shutdown(s->sd, SHUT_RD);
	pthread_mutex_unlock(&lock);
	return 0;
}

/* find - the session of key (lock held) */
static struct sess **
find(const void *key)
{
	struct sess **p;

	for (p = &sessions; *p; p = &(*p)->next)
		if ((*p)->key == key)
			return p;
	return NULL;
}

/* tm_stop_busy - a message starts (MAIL FROM); -1 when stopping */
int
tm_stop_busy(const void *key)
{
	struct sess **p;
	int rc = 0;

	pthread_mutex_lock(&lock);
	if ((p = find(key)) != NULL) {
		if (stopping) {
			if ((*p)->sd >= 0)
				shutdown((*p)->sd, SHUT_RD);
			rc = -1;
		} else {
			(*p)->busy = true;
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* tm_stop_idle - the message ended (end, abort, refusal) */
void
tm_stop_idle(const void *key)
{
	struct sess **p;

	pthread_mutex_lock(&lock);
	if ((p = find(key)) != NULL) {
		(*p)->busy = false;
		if (stopping && (*p)->sd >= 0)
			shutdown((*p)->sd, SHUT_RD);
	}
	pthread_mutex_unlock(&lock);
}

/* tm_stop_untrack - the connection closed (xxfi_close) */
void
tm_stop_untrack(const void *key)
{
	struct sess **p, *s;

	pthread_mutex_lock(&lock);
	if ((p = find(key)) != NULL) {
		s = *p;
		*p = s->next;
		free(s);
	}
	pthread_mutex_unlock(&lock);
}

/* tm_stop_begin - the stop: no new message, idle connections closed */
void
tm_stop_begin(int *idle, int *busy)
{
	struct sess *s;

	*idle = *busy = 0;
	pthread_mutex_lock(&lock);
	stopping = true;
	for (s = sessions; s; s = s->next) {
		if (s->busy) {
			(*busy)++;
		} else {
			(*idle)++;
			if (s->sd >= 0)
				shutdown(s->sd, SHUT_RD);
		}
	}
	pthread_mutex_unlock(&lock);
}

/* nudger - connect to our own socket until the listener has closed it */
static void *
nudger(void *arg)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int i, fd, rc;

	(void)arg;
	for (i = 0; i < 300; i++) {		/* 6 s at most */
		nanosleep(&pause, NULL);
		if ((fd = socket(listen_at.family, SOCK_STREAM | SOCK_CLOEXEC,
				 0)) < 0)
			break;
		rc = connect(fd, (struct sockaddr *)&listen_at.addr, listen_at.len);
		close(fd);
		if (rc < 0)			/* closed: the listener is gone */
			break;
	}
	return NULL;
}

/*
 * tm_stop_nudge - libmilter's listener sees its stop flag only when its
 * poll() returns, every 5 s; keep waking it until it has closed.
 */
void
tm_stop_nudge(void)
{
	pthread_attr_t attr;
	pthread_t t;

	if (listen_at.family == 0 || pthread_attr_init(&attr) != 0)
		return;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_create(&t, &attr, nudger, NULL);
	pthread_attr_destroy(&attr);
}
