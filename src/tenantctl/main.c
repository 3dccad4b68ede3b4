/*
 * main.c - tenantctl: the operator's tool.  Global options, then one
 * subcommand from the table.
 *
 * Usage: tenantctl [-c FILE] COMMAND [ARGS]
 */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tctl.h"

#define DEFAULT_CONF SYSCONFDIR "/tenant-milter/tenant-milter.conf"

static const struct {
	const char *name;
	int (*run)(const char *, int, char **);
	const char *help;
} commands[] = {
	{ "check", tctl_check, "validate the configuration; one line per tenant" },
	{ "try", tctl_try, "TENANT [--from ADDR] < message: what the milter would do" },
	{ "verify", tctl_verify, "< message: check every DKIM-Signature (libopendkim, live DNS)" },
	{ "genkey", tctl_genkey, "TENANT|--provider --selector S [--algorithm A] [--force]" },
	{ "dns", tctl_dns, "[--provider] [TENANT...] [--json]: DNS readiness; exit 0-3" },
	{ "records", tctl_records, "TENANT [--json]: the sheet for the customer's IT" },
	{ "postfix-maps", tctl_postfix_maps,
	  "[--out DIR] [--postmap]: Postfix tables for the relay tenants" },
	{ "status", tctl_status, "the running daemon's counters and key states" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* usage - list the subcommands; exit code 1 */
static int
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: tenantctl [-c FILE] COMMAND [ARGS]\ncommands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(stderr, "  %-14s %s\n", commands[i].name, commands[i].help);
	return 1;
}

int
main(int argc, char **argv)
{
	const char *path = DEFAULT_CONF;
	size_t i;
	int c;

	while ((c = getopt(argc, argv, "+c:V")) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'V':
			printf("tenantctl %s\n", PACKAGE_VERSION);
			return 0;
		default:
			return usage();
		}
	}
	if (optind >= argc)
		return usage();
	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].run(path, argc - optind, argv + optind);
	fprintf(stderr, "tenantctl: unknown command \"%s\"\n", argv[optind]);
	return usage();
}
