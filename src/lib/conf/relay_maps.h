#ifndef TM_RELAY_MAPS_H
#define TM_RELAY_MAPS_H

/*
 * relay_maps - the files of `tenantctl postfix-maps`, written into one
 * directory from the relay routes (relay_route.h):
 *
 *   relayhost         sender_dependent_relayhost_maps: sender key -> next hop
 *   sasl_passwd       smtp_sasl_password_maps: sender key -> user:password (0600)
 *   tls_policy        smtp_tls_policy_maps: next hop -> encrypt|secure, TLS >= 1.2
 *   sender_transport  sender_dependent_default_transport_maps: sender key ->
 *                     tmrelay-ID:next hop (client-certificate tenants)
 *   main.cf, master.cf  the lines to paste into Postfix's files
 *   stamp             the routes these tables hold (written last, separately)
 *
 * Every file is written to a temporary name, synced and renamed, so Postfix
 * and the milter never see half a file; a second run with the same
 * configuration writes the same bytes.  Passwords are read through the
 * safe secret reader (dkim/keys.h), go only into sasl_passwd (0600) and are
 * wiped from memory; nothing here prints or logs.
 */

#include <stdio.h>

#include "conf/relay_route.h"
#include "util/err.h"

/* The lookup tables, in the order postmap should process them. */
extern const char *const tm_relay_tables[];

/*
 * tm_relay_maps_write - every file but the stamp into dir (which must be
 * an absolute path: main.cf names the tables by it).  0 ok, -1 with the
 * errors (each naming the tenant file or the path at fault) in err.
 */
int tm_relay_maps_write(const struct tm_relay_routes *, const char *dir,
			struct tm_err *);

/* tm_relay_stamp_write - dir/stamp for these routes; 0 ok, -1 err */
int tm_relay_stamp_write(const struct tm_relay_routes *, const char *dir,
			 struct tm_err *);

/* tm_relay_main_cf / tm_relay_master_cf - the lines to paste, to fp */
int tm_relay_main_cf(FILE *fp, const struct tm_relay_routes *, const char *dir);
int tm_relay_master_cf(FILE *fp, const struct tm_relay_routes *, struct tm_err *);

#endif
