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

#endif
