#include "send/gate.h"
#include "util/deadline.h"

#include <string.h>
#include <time.h>

enum { GATE_POLL_MS = 50 };

void cci_update_gate_init(cci_update_gate *gate)
{
    pthread_mutex_init(&gate->lock, NULL);
    cci_cond_init_monotonic(&gate->settled);
    gate->state = CCI_UPDATES_UNKNOWN;
}

void cci_update_gate_cleanup(cci_update_gate *gate)
{
    pthread_cond_destroy(&gate->settled);
    pthread_mutex_destroy(&gate->lock);
}

cci_update_state cci_update_gate_state(cci_update_gate *gate)
{
    pthread_mutex_lock(&gate->lock);
    cci_update_state state = gate->state;
    pthread_mutex_unlock(&gate->lock);
    return state;
}

cci_update_state cci_update_gate_enter(cci_update_gate *gate, cci_stop *stop)
{
    pthread_mutex_lock(&gate->lock);
    /* a probe is one request: wait for its verdict, looking up now and then for a stop */
    while (gate->state == CCI_UPDATES_PROBING && !cci_stop_requested(stop)) {
        struct timespec until = cci_deadline_in(GATE_POLL_MS);
        pthread_cond_timedwait(&gate->settled, &gate->lock, &until);
    }
    cci_update_state state = gate->state;
    if (state == CCI_UPDATES_UNKNOWN) state = gate->state = CCI_UPDATES_PROBING;
    else if (state == CCI_UPDATES_PROBING) state = CCI_UPDATES_REFUSED; /* stopping */
    pthread_mutex_unlock(&gate->lock);
    return state;
}

void cci_update_gate_settle(cci_update_gate *gate, const cci_response *r)
{
    pthread_mutex_lock(&gate->lock);
    if (gate->state == CCI_UPDATES_PROBING) {
        if (r && strcmp(r->code, "AUTH_ERR_NO_ACCESS") == 0) gate->state = CCI_UPDATES_REFUSED;
        else if (r && r->transport == CCI_TRANSPORT_OK && r->status != 429 && r->status < 500)
            gate->state = CCI_UPDATES_ALLOWED;
        else gate->state = CCI_UPDATES_UNKNOWN; /* no verdict: the next update finds out */
        pthread_cond_broadcast(&gate->settled);
    }
    pthread_mutex_unlock(&gate->lock);
}
