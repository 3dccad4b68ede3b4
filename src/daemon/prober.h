#ifndef TM_PROBER_H
#define TM_PROBER_H

/*
 * prober - the guard's background thread (prober.c): start once after
 * the first snapshot is published, kick after every reload, stop at
 * exit.  tm_prober_start: 0 ok, -1 the thread could not be created.
 * Called from the daemon's main thread and its signal thread only.
 */

int tm_prober_start(void);
void tm_prober_kick(void);
void tm_prober_stop(void);

#endif
