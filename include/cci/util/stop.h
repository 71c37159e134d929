/* The run's stop signal: set once (a fatal answer, the service unreachable, an interruption),
 * seen by everyone, and able to cut short any wait.
 *
 * Thread-safety: every function may be called from any thread; a mutex and a condition variable
 * inside. */
#ifndef CCI_STOP_H
#define CCI_STOP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { CCI_STOP_NONE, CCI_STOP_FATAL, CCI_STOP_INTERRUPTED } cci_stop_kind;

typedef struct cci_stop cci_stop;

cci_stop *cci_stop_new(void);
void cci_stop_free(cci_stop *stop);

/* The first request wins; later ones are ignored. Wakes every waiter. */
void cci_stop_request(cci_stop *stop, cci_stop_kind kind, const char *reason);

/* Calls wake(context) at the first request, or at once when the run stopped already, until
 * cci_stop_unsubscribe(context) returns: a wait that no latch ends (a condition variable of the
 * pipeline's) is woken by it. wake runs under the stop's lock, on the requesting thread: it must
 * only take locks that are never held while a stop is requested. False when CCI_STOP_LISTENERS
 * are subscribed already. */
enum { CCI_STOP_LISTENERS = 4 };
bool cci_stop_subscribe(cci_stop *stop, void (*wake)(void *context), void *context);
void cci_stop_unsubscribe(cci_stop *stop, void *context);

/* A stop that cannot wait for the requests in flight (a second interruption): requests a stop if
 * none was, and raises the flag that clients abandon their transfers on. */
void cci_stop_hurry(cci_stop *stop, const char *reason);
/* The flag cci_stop_hurry raises; an atomic any thread may read. */
const atomic_bool *cci_stop_hurry_flag(cci_stop *stop);

cci_stop_kind cci_stop_kind_of(cci_stop *stop);
bool cci_stop_requested(cci_stop *stop);

/* Copies the reason of the first request into out ("" when none). */
void cci_stop_reason(cci_stop *stop, char *out, size_t len);

/* Waits ms milliseconds unless a stop comes first. Returns false when stopped. */
bool cci_stop_sleep(cci_stop *stop, uint64_t ms);

/* Monotonic milliseconds, and wall-clock (unix) milliseconds. */
uint64_t cci_now_ms(void);
int64_t cci_wall_ms(void);

#endif
