/* Timed waits on the monotonic clock: a condition variable set up for it, and the deadline ms from
 * now for pthread_cond_timedwait on one. A wall-clock change (NTP, a person) can then neither
 * stretch nor cut a wait short. Thread-safety: pure, but for the condition being initialised. */
#ifndef CCI_DEADLINE_H
#define CCI_DEADLINE_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* pthread_cond_init with the monotonic clock; 0 or an errno. */
int cci_cond_init_monotonic(pthread_cond_t *cond);

/* The monotonic time ms milliseconds from now, for such a condition's timed waits. */
struct timespec cci_deadline_in(uint64_t ms);

#endif
