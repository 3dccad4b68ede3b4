#ifndef TM_IDENT_H
#define TM_IDENT_H

/*
 * ident - which tenant sent a message (DESIGN.md step 1), and which kind
 * of client may claim a tenant by which method.
 *
 * An authenticated session is bound to its login: a login of a tenant
 * decides whatever header or sender say; a login of no tenant is an
 * unknown tenant (unless identify.trust_other_logins, when it is treated
 * like a trusted_networks client).  Otherwise identify.order is tried,
 * each method only where tm_ident_may() allows it:
 *
 *   client                      sasl  header  network  sender
 *   trusted_networks, no login   -     yes     yes      yes
 *   other client, no login       -     no      yes      no
 *   login of a tenant           yes    no      no       no   (login decides)
 *   login of no tenant           -     no*     no*      no*  (* yes with
 *                                                        trust_other_logins)
 *
 * Logins compare case-insensitively; "user@realm" matches an entry
 * "user@realm", or the entry "user" when realm is in identify.sasl_realms.
 *
 * Pure functions of (configuration, message facts); thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "msg/hdrs.h"

/* The facts of one message, as the MTA reported them. */
struct tm_msg {
	const char *queue_id;		/* "NOQUEUE" when unknown */
	const struct sockaddr *client;	/* NULL: no IP address (untrusted) */
	const char *auth_user;		/* {auth_authen}, or NULL */
	const char *mail_from;		/* envelope address; "" null path */
	const char *const *rcpt;	/* envelope recipients (addresses) */
	size_t n_rcpt;
	const struct tm_hdrs *hdrs;	/* may be NULL before the headers */
};

/* Who is speaking, as far as identification is concerned. */
enum tm_client {
	TM_CLIENT_TRUSTED,		/* no login, inside trusted_networks */
	TM_CLIENT_UNTRUSTED,		/* no login, outside (or no address) */
	TM_CLIENT_LOGIN,		/* a tenant's login */
	TM_CLIENT_OTHER_LOGIN,		/* authenticated, login of no tenant */
};
#define TM_CLIENT_MAX 4

struct tm_ident_result {
	const struct tm_tenant *tenant;	/* borrowed; NULL: unknown tenant */
	enum tm_ident via;		/* the method that decided */
	bool via_set;			/* via is meaningful (found, or a login) */
	enum tm_client client;
};

/*
 * tm_ident_identify - step 1 for message m into *r.  0 done (r->tenant may
 * be NULL), -1 out of memory.
 */
int tm_ident_identify(const struct tm_conf *, const struct tm_msg *,
		      struct tm_ident_result *r);

/*
 * tm_ident_login - the tenant of a SASL login (case-insensitive, realms
 * per identify.sasl_realms): 1 found (*t set, borrowed), 0 none, -1 out
 * of memory.
 */
int tm_ident_login(const struct tm_conf *, const char *login,
		   const struct tm_tenant **t);

/* tm_ident_may - may this kind of client use this method? (the table above) */
bool tm_ident_may(const struct tm_conf *, enum tm_client, enum tm_ident);

/* tm_ident_trusted - is the client in identify.trusted_networks? */
int tm_ident_trusted(const struct tm_conf *, const struct sockaddr *);

/* tm_ident_client_name - "trusted", "untrusted", "login", "other-login" */
const char *tm_ident_client_name(enum tm_client);

/*
 * tm_ident_seen - what identification saw, for the decision line:
 * `client=ADDR client_kind=KIND login="L" header="V" sender_domain=D`
 * ("-" where absent; sanitized, long values cut).  Caller frees; NULL
 * when out of memory.
 */
char *tm_ident_seen(const struct tm_conf *, const struct tm_msg *,
		    const struct tm_ident_result *);

#endif
