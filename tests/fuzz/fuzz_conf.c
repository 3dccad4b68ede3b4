/*
 * fuzz_conf.c - libFuzzer harness: the configuration loader on an
 * arbitrary main file (libconfig syntax, the settings tables, the
 * validators, the rules between settings), as `tenant-milter -t` reads
 * it.  The input is written to a main file in a private directory with an
 * empty tenants.d/; every problem must come back as an error, never a
 * crash or a leak.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256], path[300];

static void
setup(void)
{
	char sub[300];
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/fuzz-conf.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	snprintf(sub, sizeof(sub), "%s/tenants.d", dir);
	mkdir(sub, 0700);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tm_conf *conf;
	struct tm_err err;
	FILE *f;

	if (dir[0] == '\0')
		setup();
	/* @include would read other files: not what is fuzzed here. */
	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	tm_err_init(&err);
	conf = tm_conf_load(path, &err);
	tm_conf_free(conf);
	tm_err_fini(&err);
	return 0;
}
