#ifndef TM_MILTER_H
#define TM_MILTER_H

/*
 * milter - the libmilter callbacks.  Each one unpacks the libmilter
 * context, calls lib/ (policy, sign) and maps the result to SMFIS_*.
 *
 * Per connection state and per message state live only in the libmilter
 * private context; a message holds a snapshot reference from MAIL FROM to
 * its end, so a reload never changes the policy of a message in flight.
 */

#include <libmilter/mfapi.h>

/* tm_milter_desc - the filter description for smfi_register */
struct smfiDesc *tm_milter_desc(void);
/* tm_milter_active - connections now open (for a graceful stop) */
int tm_milter_active(void);
/* tm_milter_wait_idle - wait up to secs for open connections to end */
int tm_milter_wait_idle(int secs);

/*
 * milter_stop.c - a prompt stop (see there): connections are tracked with
 * their socket and whether a message is in progress; tm_stop_begin closes
 * the idle ones, a busy one is closed when its message ends, and no new
 * message starts.
 */
void tm_stop_listen(const char *socket_spec);
int tm_stop_track(const void *key, SMFICTX *);
int tm_stop_busy(const void *key);
void tm_stop_idle(const void *key);
void tm_stop_untrack(const void *key);
void tm_stop_begin(int *idle, int *busy);
void tm_stop_nudge(void);

#endif
