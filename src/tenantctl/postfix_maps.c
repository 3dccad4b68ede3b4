/*
 * postfix_maps.c - `tenantctl postfix-maps [--out DIR] [--postmap]`: the
 * Postfix tables that route every relay tenant's mail to its own server
 * (lib/conf/relay_route.c, relay_maps.c), the main.cf and master.cf lines
 * that use them, and the stamp the milter checks its routes against.
 *
 * DIR defaults to the main file's `relay_maps` (the directory the milter
 * checks).  With --postmap each table is compiled with `postmap hash:`;
 * the stamp is written last, only when everything before succeeded, so a
 * failed run never makes the milter believe in tables Postfix lacks.
 * Stdout: the files written and the lines to paste; never a secret.
 * Exit 0 written, 1 invalid configuration, conflict or write failure.
 */

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/relay_maps.h"
#include "conf/relay_route.h"
#include "util/err.h"
#include "tctl.h"

/* print_errors - every problem but the stale routes this run repairs */
static void
print_errors(const struct tm_err *err)
{
	char line[2048];
	size_t i;

	for (i = 0; i < err->n; i++) {
		if (strstr(err->items[i].msg, TM_RELAY_STALE) != NULL)
			continue;
		tm_err_format(&err->items[i], line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
}

/* absolute - dir as an absolute path (main.cf names tables by it) */
static char *
absolute(const char *dir)
{
	char cwd[PATH_MAX], *out;

	if (dir[0] == '/')
		return strdup(dir);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	if (asprintf(&out, "%s/%s", cwd, dir) < 0)
		return NULL;
	return out;
}

/* postmap - `postmap hash:DIR/NAME`; 0 ok, -1 reported */
static int
postmap(const char *dir, const char *name)
{
	char map[PATH_MAX + 8], db[PATH_MAX + 8];
	int status;
	pid_t pid;

	snprintf(map, sizeof(map), "hash:%s/%s", dir, name);
	fflush(stdout);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "tenantctl: postmap %s: %s\n", map, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execlp("postmap", "postmap", map, (char *)NULL);
		fprintf(stderr, "tenantctl: postmap: %s\n", strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "tenantctl: postmap %s: %s\n", map,
				strerror(errno));
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "tenantctl: postmap %s failed\n", map);
		return -1;
	}
	/* the compiled table holds the same secrets as its source */
	snprintf(db, sizeof(db), "%s/%s.db", dir, name);
	if (strcmp(name, "sasl_passwd") == 0 && chmod(db, 0600) < 0) {
		fprintf(stderr, "tenantctl: %s: %s\n", db, strerror(errno));
		return -1;
	}
	return 0;
}

/* run - build, write, postmap, stamp, print */
static int
run(const struct tm_conf *conf, const char *dir, int do_postmap)
{
	struct tm_relay_routes rs;
	struct tm_err err;
	size_t i;
	int rc = 1;

	tm_err_init(&err);
	if (tm_relay_routes_build(conf, &rs, &err) < 0 ||
	    tm_relay_maps_write(&rs, dir, &err) < 0) {
		tm_err_print(&err, stderr);
		goto out;
	}
	for (i = 0; do_postmap && tm_relay_tables[i]; i++)
		if (postmap(dir, tm_relay_tables[i]) < 0)
			goto out;
	if (tm_relay_stamp_write(&rs, dir, &err) < 0) {
		tm_err_print(&err, stderr);
		goto out;
	}
	printf("# %zu relay tenant%s, %zu sender keys: wrote %s/{%s,%s,%s,%s,"
	       "main.cf,master.cf,%s}%s\n", rs.n, rs.n == 1 ? "" : "s",
	       rs.n_keys, dir, tm_relay_tables[0], tm_relay_tables[1],
	       tm_relay_tables[2], tm_relay_tables[3], TM_RELAY_STAMP,
	       do_postmap ? " and ran postmap" : "; now run postmap on each table");
	tm_relay_main_cf(stdout, &rs, dir);
	tm_relay_master_cf(stdout, &rs, &err);
	rc = 0;
out:
	tm_relay_routes_fini(&rs);
	tm_err_fini(&err);
	return rc;
}

/* tctl_postfix_maps - parse arguments, load, run */
int
tctl_postfix_maps(const char *path, int argc, char **argv)
{
	const char *out = NULL;
	struct tm_conf *conf;
	struct tm_err err;
	int i, do_postmap = 0, rc;
	char *dir;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--postmap") == 0)
			do_postmap = 1;
		else {
			fprintf(stderr, "usage: tenantctl [-c FILE] postfix-maps "
				"[--out DIR] [--postmap]\n");
			return 1;
		}
	}
	tm_err_init(&err);
	conf = tm_conf_load(path, &err);
	print_errors(&err);
	tm_err_fini(&err);
	if (conf == NULL)
		return 1;
	if ((dir = absolute(out ? out : conf->relay_maps)) == NULL) {
		fprintf(stderr, "tenantctl: %s: %s\n", out ? out : conf->relay_maps,
			strerror(errno));
		tm_conf_free(conf);
		return 1;
	}
	rc = run(conf, dir, do_postmap);
	free(dir);
	tm_conf_free(conf);
	return rc;
}
