#ifndef TCTL_H
#define TCTL_H

/*
 * tctl.h - tenantctl subcommands.  Each takes the main config path and its
 * own arguments (argv[0] is the subcommand name) and returns the exit code.
 */

int tctl_check(const char *conf_path, int argc, char **argv);
int tctl_try(const char *conf_path, int argc, char **argv);
int tctl_verify(const char *conf_path, int argc, char **argv);
int tctl_genkey(const char *conf_path, int argc, char **argv);
int tctl_dns(const char *conf_path, int argc, char **argv);
int tctl_records(const char *conf_path, int argc, char **argv);
int tctl_status(const char *conf_path, int argc, char **argv);
int tctl_postfix_maps(const char *conf_path, int argc, char **argv);

/* records_relay.c: the `records` sheet of a relay-mode tenant */
struct tm_snap;
struct tm_tenant;
int tctl_records_relay(struct tm_snap *, const struct tm_tenant *,
		       _Bool as_json, const char *when);

#endif
