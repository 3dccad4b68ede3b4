#ifndef TM_GUARD_H
#define TM_GUARD_H

/*
 * guard - the DMARC guard's knowledge (DESIGN.md step 4): does each DKIM
 * selector publish, in DNS, the public key that matches our private key?
 *
 * tm_guard_key_state() answers for one configured signature from the
 * resolver (whose TTL cache makes it cheap per message).  The daemon's
 * prober thread (src/daemon/prober.c) re-checks every key of the current
 * snapshot on start, when kicked after a reload, and when the records'
 * TTL runs out, so messages find the answers cached, and it logs each
 * change of state.
 *
 * Thread safety: tm_guard_key_state from any thread.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/model.h"
#include "dns/resolver.h"

enum tm_pub_state {
	TM_PUB_PUBLISHED,	/* the TXT record's p= is our key */
	TM_PUB_ABSENT,		/* no record at selector._domainkey.domain */
	TM_PUB_MISMATCH,	/* a record, but another key (or revoked p=) */
	TM_PUB_UNKNOWN,		/* DNS failed: could not find out */
};

/* tm_pub_state_name - "published", "unpublished", "mismatch", "unknown" */
const char *tm_pub_state_name(enum tm_pub_state);

/*
 * tm_guard_key_state - look the key of d up within deadline.  *ttl (may be
 * NULL) gets the seconds the answer holds.  why (may be NULL) a sentence.
 */
enum tm_pub_state tm_guard_key_state(struct tm_resolver *, const struct tm_dkim *d,
				     const struct timespec *deadline,
				     uint32_t *ttl, char *why, size_t whylen);

#endif
