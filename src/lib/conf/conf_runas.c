/*
 * conf_runas.c - can the daemon's `user` read what the daemon reads?
 *
 * `tenant-milter -t` and `tenantctl check` usually run as root, and root
 * reads everything; the daemon reads tenant files and keys after dropping
 * to `user` (at start and on every reload).  So, run as root with `user`
 * set, a child process drops to that user exactly as the daemon does
 * (initgroups, setgid, setuid) and opens every such file (main file,
 * tenants directory and files, keys, relay_maps/stamp when there are relay
 * tenants); the parent turns
 * each refusal into an error naming the file, or the directory on its path
 * that cannot be searched, and the command that fixes it.
 *
 * Missing files are not reported here (the load already did); only what
 * root could read and `user` cannot.
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/conf.h"

/* One file the daemon reads, and where the configuration names it. */
struct probe {
	const char *path;
	const char *file;		/* reported at FILE:LINE */
	int line;
	const char *what;		/* "key", "tenant file", ... */
	bool dir;			/* listed: needs read and search */
	bool secret;			/* 0600/0400: fix by owner, not group */
	enum tm_err_kind kind;
	const char *owner;		/* "provider", a tenant id, or NULL */
};

struct probes {
	struct probe *v;
	size_t n, cap;
};

static int
add(struct probes *p, struct probe pr)
{
	if (pr.path == NULL)
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct probe *v = realloc(p->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = pr;
	return 0;
}

/* add_keys - every key of a dkim list */
static int
add_keys(struct probes *p, const struct tm_dkim_list *dl, const char *owner)
{
	size_t i;

	for (i = 0; i < dl->n; i++)
		if (add(p, (struct probe){ dl->v[i].key_path, dl->v[i].file,
			dl->v[i].line, "key", false, true, TM_ERR_TENANT,
			owner }) < 0)
			return -1;
	return 0;
}

static char stamp[4200];		/* relay_maps/stamp, for collect() */

/* collect - the files the daemon reads, in the order it reads them */
static int
collect(const struct tm_conf *conf, struct probes *p)
{
	size_t i;

	if (add(p, (struct probe){ conf->file, conf->file, 0,
		"configuration file", false, false, TM_ERR_FATAL, NULL }) < 0 ||
	    add(p, (struct probe){ conf->tenants_dir, conf->file, 0,
		"tenants directory", true, false, TM_ERR_FATAL, NULL }) < 0 ||
	    add_keys(p, &conf->provider.dkim, "provider") < 0)
		return -1;
	for (i = 0; i < conf->n_tenants; i++)
		if (conf->tenants[i]->mode == TM_MODE_RELAY)
			break;
	if (i < conf->n_tenants && conf->relay_maps &&	/* the routes' stamp */
	    snprintf(stamp, sizeof(stamp), "%s/stamp", conf->relay_maps) <
	    (int)sizeof(stamp) &&
	    add(p, (struct probe){ stamp, conf->file, 0, "relay route stamp",
		false, false, TM_ERR_TENANT, NULL }) < 0)
		return -1;
	for (i = 0; i < conf->n_tenants; i++) {
		const struct tm_tenant *t = conf->tenants[i];

		if (add(p, (struct probe){ t->file, t->file, 0, "tenant file",
			false, false, TM_ERR_FATAL, t->id }) < 0)
			return -1;
		if (t->mode != TM_MODE_PROVIDER &&
		    add_keys(p, &t->dkim, t->id) < 0)
			return -1;
	}
	return 0;
}

/*
 * try_read - as the run user: 0, or errno and in *block the length of the
 * path prefix that is the directory at fault (0: the file itself).
 */
static int
try_read(const struct probe *pr, size_t *block)
{
	char *copy;
	size_t len = strlen(pr->path), i;
	int fd, e;

	*block = 0;
	fd = open(pr->path, O_RDONLY | O_NOCTTY | (pr->dir ? O_DIRECTORY : 0));
	if (fd >= 0) {
		close(fd);
		if (!pr->dir)
			return 0;
		/* Listing needs search as well as read. */
		return access(pr->path, R_OK | X_OK) == 0 ? 0 : errno;
	}
	e = errno;
	if (e != EACCES || (copy = strdup(pr->path)) == NULL)
		return e;
	for (i = 1; i < len; i++) {
		if (copy[i] != '/')
			continue;
		copy[i] = '\0';
		if (access(copy, X_OK) < 0 && errno == EACCES) {
			*block = i;
			break;
		}
		copy[i] = '/';
	}
	free(copy);
	return e;
}

/* child - drop to the user, probe everything, write "i errno block\n" */
static void
child(const struct passwd *pw, const struct probes *p, int fd)
{
	FILE *out;
	size_t i, block;
	int e;

	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0 || (out = fdopen(fd, "w")) == NULL)
		_exit(2);
	for (i = 0; i < p->n; i++)
		if ((e = try_read(&p->v[i], &block)) != 0 && e != ENOENT)
			fprintf(out, "%zu %d %zu\n", i, e, block);
	_exit(fclose(out) == 0 ? 0 : 2);
}

/* report - one refusal, with the fix */
static void
report(const struct probe *pr, const char *user, const char *group, int e,
       size_t block, struct tm_err *err)
{
	char who[96] = "";
	int b = (int)block;

	if (pr->owner)
		snprintf(who, sizeof(who), "%s%s: ",
			 strcmp(pr->owner, "provider") ? "tenant " : "", pr->owner);
	if (block > 0)
		tm_err_add(err, pr->kind, pr->file, pr->line,
			   "%s%s %s: directory %.*s is not searchable by user %s "
			   "(the daemon reads the file as that user): chgrp %s "
			   "%.*s; chmod g+x %.*s", who, pr->what, pr->path, b,
			   pr->path, user, group, b, pr->path, b, pr->path);
	else if (e != EACCES)
		tm_err_add(err, pr->kind, pr->file, pr->line,
			   "%s%s %s: user %s cannot read it: %s", who, pr->what,
			   pr->path, user, strerror(e));
	else if (pr->secret)
		tm_err_add(err, pr->kind, pr->file, pr->line,
			   "%s%s %s: not readable by user %s (the daemon reads it "
			   "after dropping privileges): chown %s %s (it stays "
			   "mode 0600)", who, pr->what, pr->path, user, user,
			   pr->path);
	else
		tm_err_add(err, pr->kind, pr->file, pr->line,
			   "%s%s %s: not readable by user %s (the daemon reads it "
			   "after dropping privileges): chgrp %s %s; chmod %s %s",
			   who, pr->what, pr->path, user, group, pr->path,
			   pr->dir ? "0750" : "0640", pr->path);
}

/* run - fork the probing child, read its verdicts */
static void
run(const struct passwd *pw, const char *group, const struct probes *p,
    struct tm_err *err, const char *file)
{
	char line[128];
	int fds[2], status;
	size_t i, block;
	FILE *in;
	pid_t pid;
	int e;

	if (pipe(fds) < 0 || (pid = fork()) < 0) {
		tm_err_add(err, TM_ERR_WARNING, file, 0, "cannot check files as "
			   "user %s: %s", pw->pw_name, strerror(errno));
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		child(pw, p, fds[1]);
	}
	close(fds[1]);
	if ((in = fdopen(fds[0], "r")) == NULL) {
		close(fds[0]);
		waitpid(pid, NULL, 0);
		return;
	}
	while (fgets(line, sizeof(line), in))
		if (sscanf(line, "%zu %d %zu", &i, &e, &block) == 3 && i < p->n)
			report(&p->v[i], pw->pw_name, group, e, block, err);
	fclose(in);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		tm_err_add(err, TM_ERR_WARNING, file, 0, "could not check every "
			   "file as user %s", pw->pw_name);
}

/* tm_conf_check_runas - see conf.h */
void
tm_conf_check_runas(const struct tm_conf *conf, struct tm_err *err)
{
	struct probes p = { NULL, 0, 0 };
	struct passwd pw, *res = NULL;
	struct group gr, *gres = NULL;
	char buf[4096], gbuf[4096];

	if (geteuid() != 0)
		return;
	if (conf->user == NULL) {
		tm_err_add(err, TM_ERR_WARNING, conf->file, 0, "user is not set: "
			   "the daemon will run as root; set user = "
			   "\"tenant-milter\" (adduser --system --group "
			   "tenant-milter)");
		return;
	}
	if (getpwnam_r(conf->user, &pw, buf, sizeof(buf), &res) != 0 ||
	    res == NULL || pw.pw_uid == 0)
		return;		/* unknown user: reported by the load */
	if (getgrgid_r(pw.pw_gid, &gr, gbuf, sizeof(gbuf), &gres) != 0 ||
	    gres == NULL)
		gr.gr_name = pw.pw_name;
	if (collect(conf, &p) < 0)
		tm_err_add(err, TM_ERR_FATAL, conf->file, 0, "out of memory");
	else
		run(&pw, gr.gr_name, &p, err, conf->file);
	free(p.v);
}
