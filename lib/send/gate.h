/* Whether the API key may update users, found out by one request: the first update is a probe
 * and the others wait for its verdict, so an auth-only key costs at most one refused update.
 *
 * Thread-safety: every function may be called from any thread (a mutex and a condition
 * variable inside); init and cleanup from one thread while no other uses the gate. */
#ifndef CCI_GATE_H
#define CCI_GATE_H

#include <pthread.h>

#include "send/client.h"
#include "cci/util/stop.h"

typedef enum { CCI_UPDATES_UNKNOWN, CCI_UPDATES_PROBING, CCI_UPDATES_ALLOWED, CCI_UPDATES_REFUSED } cci_update_state;

typedef struct cci_update_gate {
    pthread_mutex_t lock;
    pthread_cond_t settled; /* broadcast when a probe ends */
    cci_update_state state; /* protected by lock */
} cci_update_gate;

void cci_update_gate_init(cci_update_gate *gate);
void cci_update_gate_cleanup(cci_update_gate *gate);
cci_update_state cci_update_gate_state(cci_update_gate *gate);

/* Before an update: ALLOWED (send it), PROBING (send it: this caller finds out for everyone and
 * must settle the gate) or REFUSED (do not send; also when the run stops while waiting). */
cci_update_state cci_update_gate_enter(cci_update_gate *gate, cci_stop *stop);

/* The probe's answer (NULL: none came). AUTH_ERR_NO_ACCESS refuses; any other answer of the
 * service but 429 and 5xx allows; no verdict leaves it to the next update to find out. */
void cci_update_gate_settle(cci_update_gate *gate, const cci_response *answer);

#endif
