/*
 * relay_maps.c - write the Postfix lookup tables, the main.cf and
 * master.cf lines and the stamp of `tenantctl postfix-maps`.
 *
 * Public functions: tm_relay_maps_write(), tm_relay_stamp_write(),
 * tm_relay_main_cf(), tm_relay_master_cf(); tm_relay_tables[].
 *
 * Output is a function of the routes alone, in sorted order, with no time
 * or host in it: the same configuration gives the same bytes.  A failure
 * leaves the previous file of that name in place (temporary file, fsync,
 * rename) and is reported into err naming the path or the tenant file.
 * The stdio buffer of sasl_passwd is ours and is wiped after fclose, like
 * every password read.  Thread safety: none needed (tenantctl only).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf/relay_maps.h"
#include "dkim/keys.h"
#include "util/strv.h"

#define WBUF_SIZE 65536

const char *const tm_relay_tables[] = {
	"relayhost", "sasl_passwd", "tls_policy", "sender_transport", NULL
};

/* What a writer works from: the routes and the tables' directory. */
struct wctx {
	const struct tm_relay_routes *rs;
	const char *dir;
};

typedef int (*writer_fn)(FILE *, const struct wctx *, struct tm_err *);

/* write_file - dir/name via a temporary file; mode exactly as given */
static int
write_file(const struct wctx *w, const char *name, mode_t mode, writer_fn fn,
	   struct tm_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	unsigned char *buf = malloc(WBUF_SIZE);
	FILE *fp = NULL;
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", w->dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", w->dir, name);
	if (buf == NULL) {
		tm_err_add(err, TM_ERR_FATAL, path, 0, "out of memory");
		return -1;
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       mode)) < 0 || fchmod(fd, mode) < 0 ||
	    (fp = fdopen(fd, "w")) == NULL) {
		tm_err_add(err, TM_ERR_FATAL, tmp, 0, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	setvbuf(fp, (char *)buf, _IOFBF, WBUF_SIZE);
	if (fn(fp, w, err) < 0)
		goto out;
	if (fflush(fp) != 0 || fsync(fileno(fp)) < 0) {
		tm_err_add(err, TM_ERR_FATAL, tmp, 0, "%s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fp != NULL && fclose(fp) != 0 && rc == 0) {
		tm_err_add(err, TM_ERR_FATAL, tmp, 0, "%s", strerror(errno));
		rc = -1;
	}
	OPENSSL_cleanse(buf, WBUF_SIZE);
	free(buf);
	if (rc == 0 && rename(tmp, path) < 0) {
		tm_err_add(err, TM_ERR_FATAL, path, 0, "%s", strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		(void)unlink(tmp);
	return rc;
}

/* put_relayhost - sender key -> next hop */
static int
put_relayhost(FILE *fp, const struct wctx *w, struct tm_err *err)
{
	const struct tm_relay_routes *rs = w->rs;
	size_t i;

	(void)err;
	for (i = 0; i < rs->n_keys; i++)
		fprintf(fp, "%s %s\n", rs->keys[i].key, rs->keys[i].route->nexthop);
	return 0;
}

/* put_tls_policy - one line per next hop */
static int
put_tls_policy(FILE *fp, const struct wctx *w, struct tm_err *err)
{
	const struct tm_relay_routes *rs = w->rs;
	size_t i;

	(void)err;
	for (i = 0; i < rs->n; i++)
		if (i == 0 || strcmp(rs->by_hop[i]->nexthop,
				     rs->by_hop[i - 1]->nexthop) != 0)
			fprintf(fp, "%s %s\n", rs->by_hop[i]->nexthop,
				rs->by_hop[i]->tls);
	return 0;
}

/* put_transport - client-certificate tenants' senders -> their transport */
static int
put_transport(FILE *fp, const struct wctx *w, struct tm_err *err)
{
	const struct tm_relay_routes *rs = w->rs;
	size_t i;

	(void)err;
	for (i = 0; i < rs->n_keys; i++)
		if (rs->keys[i].route->transport)
			fprintf(fp, "%s %s:%s\n", rs->keys[i].key,
				rs->keys[i].route->transport,
				rs->keys[i].route->nexthop);
	return 0;
}

/*
 * password - the tenant's password, trailing newline dropped; a password
 * Postfix's table format cannot carry is refused.  Wipe and free with
 * tm_free_secret(p, TM_SECRET_MAX + 1).  NULL with the error in err.
 */
static unsigned char *
password(const struct tm_tenant *t, struct tm_err *err)
{
	const char *path = t->relay.password_file;
	char why[TM_KEY_MSG];
	unsigned char *pw;
	size_t len = 0, i;

	if (tm_key_check_perms("password file", path, why, sizeof(why)) < 0 ||
	    (pw = tm_secret_read("password file", path, &len, why,
				 sizeof(why))) == NULL) {
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line, "tenant %s: %s",
			   t->id, why);
		return NULL;
	}
	if (len > 0 && pw[len - 1] == '\n')
		pw[--len] = '\0';
	if (len > 0 && pw[len - 1] == '\r')
		pw[--len] = '\0';
	for (i = 0; i < len; i++)
		if (pw[i] < 0x20 || pw[i] == 0x7f)
			break;
	if (len == 0 || i < len || pw[0] == ' ' || pw[len - 1] == ' ') {
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line, "tenant %s: "
			   "password file %s: %s", t->id, path, len == 0 ?
			   "empty" : "the password must be one line without "
			   "control characters or spaces at either end");
		tm_free_secret(pw, TM_SECRET_MAX + 1);
		return NULL;
	}
	return pw;
}

/* put_sasl - sender key -> user:password, for password tenants */
static int
put_sasl(FILE *fp, const struct wctx *w, struct tm_err *err)
{
	const struct tm_relay_routes *rs = w->rs;
	size_t i;
	int rc = 0;

	for (i = 0; i < rs->n_keys; i++) {
		const struct tm_tenant *t = rs->keys[i].route->tenant;
		unsigned char *pw;

		if (rs->keys[i].route->auth != TM_RAUTH_PASSWORD)
			continue;
		if (strchr(t->relay.auth_user, ':') != NULL) {
			tm_err_add(err, TM_ERR_FATAL, t->file, t->line, "tenant %s: "
				   "relay.auth.user must not contain ':'", t->id);
			rc = -1;
			continue;
		}
		if ((pw = password(t, err)) == NULL) {
			rc = -1;
			continue;
		}
		fprintf(fp, "%s %s:%s\n", rs->keys[i].key, t->relay.auth_user,
			(const char *)pw);
		tm_free_secret(pw, TM_SECRET_MAX + 1);
	}
	return rc;
}

/* tm_relay_main_cf - the main.cf settings that use the tables in dir */
int
tm_relay_main_cf(FILE *fp, const struct tm_relay_routes *rs, const char *dir)
{
	(void)rs;
	fprintf(fp,
		"# tenant-milter relay routes (tenantctl postfix-maps): add to "
		"main.cf,\n# then postfix reload.\n"
		"sender_dependent_relayhost_maps = hash:%s/relayhost\n"
		"smtp_sasl_auth_enable = yes\n"
		"smtp_sender_dependent_authentication = yes\n"
		"smtp_sasl_password_maps = hash:%s/sasl_passwd\n"
		"smtp_sasl_security_options = noanonymous, noplaintext\n"
		"smtp_sasl_tls_security_options = noanonymous\n"
		"smtp_tls_policy_maps = hash:%s/tls_policy\n"
		"sender_dependent_default_transport_maps = hash:%s/sender_transport\n"
		"# tls = \"secure\" checks the server certificate against "
		"smtp_tls_CAfile or\n# smtp_tls_CApath: set one if main.cf has "
		"neither (Debian: /etc/ssl/certs).\n", dir, dir, dir, dir);
	return ferror(fp) ? -1 : 0;
}

/* bad_path - a path master.cf cannot carry (-o NAME=VALUE, no blanks) */
static int
bad_path(const char *p)
{
	return strpbrk(p, " \t\r\n{}") != NULL;
}

/* transport - one client-certificate transport for master.cf */
static int
transport(FILE *fp, const struct tm_relay_route *r, struct tm_err *err)
{
	const struct tm_tenant *t = r->tenant;
	char *cert = realpath(t->relay.client_cert, NULL);
	char *key = realpath(t->relay.client_key, NULL);
	int rc = -1;

	if (cert == NULL || key == NULL)
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line, "tenant %s: %s: %s",
			   t->id, cert ? t->relay.client_key : t->relay.client_cert,
			   strerror(errno));
	else if (bad_path(cert) || bad_path(key))
		tm_err_add(err, TM_ERR_FATAL, t->file, t->line, "tenant %s: "
			   "client certificate and key paths must not contain "
			   "blanks or braces (master.cf -o)", t->id);
	else {
		fprintf(fp, "%s unix  -       -       n       -       -       smtp\n"
			"  -o smtp_tls_cert_file=%s\n  -o smtp_tls_key_file=%s\n",
			r->transport, cert, key);
		rc = 0;
	}
	free(cert);
	free(key);
	return rc;
}

/* tm_relay_master_cf - the client-certificate transports */
int
tm_relay_master_cf(FILE *fp, const struct tm_relay_routes *rs,
		   struct tm_err *err)
{
	size_t i, n = 0;
	int rc = 0;

	fprintf(fp, "# tenant-milter relay transports (tenantctl postfix-maps): "
		"add to master.cf,\n# then postfix reload.\n");
	for (i = 0; i < rs->n; i++)
		if (rs->v[i].transport) {
			n++;
			if (transport(fp, &rs->v[i], err) < 0)
				rc = -1;
		}
	if (n == 0)
		fprintf(fp, "# (no client-certificate tenant: nothing to add)\n");
	return rc;
}

/* put_master - writer_fn shape of tm_relay_master_cf */
static int
put_master(FILE *fp, const struct wctx *w, struct tm_err *err)
{
	const struct tm_relay_routes *rs = w->rs;
	return tm_relay_master_cf(fp, rs, err);
}

/* put_main - writer_fn shape of tm_relay_main_cf */
static int
put_main(FILE *fp, const struct wctx *w, struct tm_err *err)
{
	const struct tm_relay_routes *rs = w->rs;
	(void)err;
	return tm_relay_main_cf(fp, rs, w->dir);
}

/* put_stamp - the stamp text */
static int
put_stamp(FILE *fp, const struct wctx *w, struct tm_err *err)
{
	const struct tm_relay_routes *rs = w->rs;
	char *text = tm_relay_stamp_text(rs);

	if (text == NULL) {
		tm_err_add(err, TM_ERR_FATAL, NULL, 0, "stamp: out of memory");
		return -1;
	}
	fputs(text, fp);
	free(text);
	return 0;
}

/* sync_dir - make the renames durable */
static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* tm_relay_maps_write - the tables and the lines to paste */
int
tm_relay_maps_write(const struct tm_relay_routes *rs, const char *dir,
		    struct tm_err *err)
{
	struct wctx w = { rs, dir };
	size_t before = err->n_fatal;

	if (dir[0] != '/') {
		tm_err_add(err, TM_ERR_FATAL, dir, 0, "not an absolute path");
		return -1;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		tm_err_add(err, TM_ERR_FATAL, dir, 0, "%s", strerror(errno));
		return -1;
	}
	/* the two that can fail on a tenant's files first: then no table
	 * is replaced when one of them does */
	if (write_file(&w, "master.cf", 0644, put_master, err) == 0 &&
	    write_file(&w, "sasl_passwd", 0600, put_sasl, err) == 0 &&
	    write_file(&w, "relayhost", 0644, put_relayhost, err) == 0 &&
	    write_file(&w, "tls_policy", 0644, put_tls_policy, err) == 0 &&
	    write_file(&w, "sender_transport", 0644, put_transport, err) == 0)
		(void)write_file(&w, "main.cf", 0644, put_main, err);
	sync_dir(dir);
	return err->n_fatal > before ? -1 : 0;
}

/* tm_relay_stamp_write - the stamp, after the tables */
int
tm_relay_stamp_write(const struct tm_relay_routes *rs, const char *dir,
		     struct tm_err *err)
{
	struct wctx w = { rs, dir };
	int rc = write_file(&w, TM_RELAY_STAMP, 0644, put_stamp, err);

	sync_dir(dir);
	return rc;
}
