#ifndef TM_CONF_INT_H
#define TM_CONF_INT_H

/*
 * conf_int - declarations private to the conf module (conf.c and the
 * files it calls while loading); nothing outside src/lib/conf/ includes
 * this.
 */

#include "conf/conf.h"
#include "util/err.h"

/*
 * tm_conf_check - conf_check.c: the cross-file rules, key and secret
 * loading and the tenant index, run by tm_conf_load once every file has
 * parsed.  Every problem into err.
 */
void tm_conf_check(struct tm_conf *, struct tm_err *);
/* tm_conf_selftest - conf_selftest.c: sign and verify once per algorithm
 * in use (dkim/selftest.c), run by tm_conf_check */
void tm_conf_selftest(struct tm_conf *, struct tm_err *);

#endif
