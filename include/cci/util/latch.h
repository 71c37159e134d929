/* A one-shot signal that ends timed waits: once released, every wait, now or later, returns at
 * once. Threads that wake up on a period (the journal's syncer, the progress display) wait on
 * one to know when to end; the run's stop is built on one.
 *
 * Thread-safety: every function but new and free may be called from any thread (a mutex and a
 * condition variable inside). */
#ifndef CCI_LATCH_H
#define CCI_LATCH_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cci_latch cci_latch;

/* NULL when out of memory. */
cci_latch *cci_latch_new(void);
void cci_latch_free(cci_latch *latch);

/* Releases the latch, waking every waiter; releasing it again does nothing. */
void cci_latch_release(cci_latch *latch);
bool cci_latch_released(cci_latch *latch);

/* Waits up to ms milliseconds on the monotonic clock (a wall-clock change cannot stretch it).
 * True when the latch is released. */
bool cci_latch_wait(cci_latch *latch, uint64_t ms);

#endif
