/*
 * metrics_writer.c - the thread that writes metrics.file every
 * metrics.interval seconds (both read from the configuration in force, so
 * a reload changes them), and once more at the stop.
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "milter/metrics.h"
#include "snap.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_t thread;
static bool running, stop;

/* current - the file and interval in force; caller frees the path */
static char *
current(int *interval)
{
	struct tm_snap *s = tm_snap_acquire();
	char *path = NULL;

	*interval = 15;
	if (s && s->conf->metrics.file) {
		path = strdup(s->conf->metrics.file);
		*interval = s->conf->metrics.interval;
	}
	tm_snap_release(s);
	return path;
}

static void *
writer(void *arg)
{
	struct timespec until;
	int interval;
	char *path;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stop) {
		pthread_mutex_unlock(&lock);
		if ((path = current(&interval)) != NULL)
			tm_metrics_write(path);
		free(path);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += interval;
		pthread_mutex_lock(&lock);
		while (!stop && pthread_cond_timedwait(&wake, &lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* tm_metrics_start - the writer; 0, or -1 when the thread cannot start */
int
tm_metrics_start(void)
{
	if (pthread_create(&thread, NULL, writer, NULL) != 0)
		return -1;
	running = true;
	return 0;
}

/* tm_metrics_stop - the last write, then the thread ends */
void
tm_metrics_stop(void)
{
	int interval;
	char *path;

	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stop = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = false;
	if ((path = current(&interval)) != NULL)
		tm_metrics_write(path);
	free(path);
}
