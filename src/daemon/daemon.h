#ifndef TM_DAEMON_H
#define TM_DAEMON_H

/*
 * daemon - start-up and life of the milter process: configuration,
 * socket, privilege drop, detaching, signals, graceful stop.
 */

/* tm_daemon_run - run until SIGTERM/SIGINT; returns the exit code */
int tm_daemon_run(const char *conf_path, int foreground);

/* reload.c: SIGHUP handling (see there) */
void tm_reload_setup(const char *conf_path);

#endif
