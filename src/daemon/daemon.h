#ifndef TM_DAEMON_H
#define TM_DAEMON_H

/*
 * daemon - start-up and life of the milter process: configuration,
 * socket, privilege drop, detaching, signals, graceful stop.
 */

/* tm_daemon_run - run until SIGTERM/SIGINT; returns the exit code */
int tm_daemon_run(const char *conf_path, int foreground);

/* pidfile.c: the `pidfile` setting (see there); NULL path: none */
int tm_pidfile_lock(const char *path);
int tm_pidfile_write(void);
void tm_pidfile_remove(void);

/* metrics_writer.c: metrics.file every metrics.interval seconds */
int tm_metrics_start(void);
void tm_metrics_stop(void);

/* Seconds a stop waits for the messages in flight. */
#define TM_STOP_GRACE 60

/* reload.c: SIGHUP handling and the stop on SIGTERM (see there) */
void tm_reload_setup(const char *conf_path);

#endif
