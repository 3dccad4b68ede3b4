/*
 * main.c - tenant-milter: options, configuration check, start-up.
 *
 * Usage: tenant-milter [-c FILE] [-f] [-t] [-V]
 * Exit: 0 ok, 1 invalid configuration or usage.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon.h"
#include "util/err.h"

#define DEFAULT_CONF SYSCONFDIR "/tenant-milter/tenant-milter.conf"

/* usage - to stderr, exit 1 */
static void
usage(void)
{
	fprintf(stderr, "usage: tenant-milter [-c FILE] [-f] [-t] [-V]\n");
	exit(1);
}

/* check_only - -t: load everything, print every problem, exit status */
static int
check_only(const char *path)
{
	struct tm_err err;
	struct tm_conf *conf;
	int failed;

	tm_err_init(&err);
	conf = tm_conf_load(path, &err);
	if (conf)		/* root checks for the user the daemon runs as */
		tm_conf_check_runas(conf, &err);
	tm_err_print(&err, stderr);
	failed = conf == NULL || tm_err_failed(&err);
	if (!failed)
		fprintf(stderr, "%s: configuration valid: %zu tenants\n", path,
			conf->n_tenants);
	tm_conf_free(conf);
	tm_err_fini(&err);
	return failed ? 1 : 0;
}

int
main(int argc, char **argv)
{
	const char *path = DEFAULT_CONF;
	int c, test = 0, foreground = 0;

	while ((c = getopt(argc, argv, "c:ftV")) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 't':
			test = 1;
			break;
		case 'V':
			printf("tenant-milter %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (test)
		return check_only(path);
	return tm_daemon_run(path, foreground);
}
