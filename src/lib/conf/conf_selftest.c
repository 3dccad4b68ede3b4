/*
 * conf_selftest.c - at every load (start, reload, -t, tenantctl check),
 * the native signer signs test messages with one loaded key of each
 * algorithm in use and libopendkim verifies them (dkim/selftest.c).
 *
 * Public function: tm_conf_selftest().
 *
 * Per algorithm, not per key: what is tested is the signer's code path
 * (canonicalization, hashing, the algorithm's signature), which is the
 * same for every key of that algorithm; so 100,000 tenants cost two
 * self-tests.  A failure is fatal: the configuration is refused (a reload
 * keeps the old one), named at the dkim entry whose key was used.
 */

#include "config.h"

#include "conf/conf_int.h"
#include "dkim/keys.h"
#include "dkim/selftest.h"

#define N_ALGS 2

/* pick - the first usable entry per algorithm in dl */
static void
pick(const struct tm_dkim_list *dl, const struct tm_dkim *first[N_ALGS])
{
	size_t i;

	for (i = 0; i < dl->n; i++) {
		const struct tm_dkim *d = &dl->v[i];

		if (d->key && (unsigned)d->key->alg < N_ALGS &&
		    first[d->key->alg] == NULL)
			first[d->key->alg] = d;
	}
}

/* tm_conf_selftest - sign and verify once per algorithm in use */
void
tm_conf_selftest(struct tm_conf *conf, struct tm_err *err)
{
	const struct tm_dkim *first[N_ALGS] = { NULL, NULL };
	char why[512];
	size_t i, a;

	pick(&conf->provider.dkim, first);
	for (i = 0; i < conf->n_tenants && !(first[0] && first[1]); i++)
		pick(&conf->tenants[i]->dkim, first);
	for (a = 0; a < N_ALGS; a++) {
		const struct tm_dkim *d = first[a];

		if (d == NULL || tm_sign_selftest(d->key, why, sizeof(why)) == 0)
			continue;
		tm_err_add(err, TM_ERR_FATAL, d->file, d->line,
			   "DKIM self-test of %s with key %s failed: %s: the "
			   "signer would make signatures that do not verify; "
			   "configuration refused",
			   a == TM_ALG_ED25519_SHA256 ? "ed25519-sha256" :
			   "rsa-sha256", d->key->path, why);
	}
}
