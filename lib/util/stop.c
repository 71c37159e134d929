#include "cci/util/stop.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cci/util/latch.h"

struct cci_stop {
    pthread_mutex_t lock;
    atomic_int kind;   /* cci_stop_kind; written under lock, read without */
    char reason[1024]; /* protected by lock */
    cci_latch *stopped; /* released at the first request: ends every wait */
    atomic_bool hurried; /* requests in flight are abandoned too */
    struct {
        void (*wake)(void *context);
        void *context;
    } listeners[CCI_STOP_LISTENERS]; /* protected by lock; called under it at the first request */
};

cci_stop *cci_stop_new(void)
{
    cci_stop *stop = calloc(1, sizeof *stop);
    if (!stop) return NULL;
    if (!(stop->stopped = cci_latch_new())) {
        free(stop);
        return NULL;
    }
    pthread_mutex_init(&stop->lock, NULL);
    atomic_init(&stop->kind, CCI_STOP_NONE);
    atomic_init(&stop->hurried, false);
    return stop;
}

void cci_stop_free(cci_stop *stop)
{
    if (!stop) return;
    cci_latch_free(stop->stopped);
    pthread_mutex_destroy(&stop->lock);
    free(stop);
}

void cci_stop_request(cci_stop *stop, cci_stop_kind kind, const char *reason)
{
    pthread_mutex_lock(&stop->lock);
    bool first = atomic_load(&stop->kind) == CCI_STOP_NONE;
    if (first) {
        snprintf(stop->reason, sizeof stop->reason, "%s", reason);
        atomic_store(&stop->kind, kind);
        for (int i = 0; i < CCI_STOP_LISTENERS; i++)
            if (stop->listeners[i].wake) stop->listeners[i].wake(stop->listeners[i].context);
    }
    pthread_mutex_unlock(&stop->lock);
    if (first) cci_latch_release(stop->stopped);
}

bool cci_stop_subscribe(cci_stop *stop, void (*wake)(void *context), void *context)
{
    pthread_mutex_lock(&stop->lock);
    int free_slot = -1;
    for (int i = 0; i < CCI_STOP_LISTENERS && free_slot < 0; i++)
        if (!stop->listeners[i].wake) free_slot = i;
    if (free_slot >= 0) {
        stop->listeners[free_slot].wake = wake;
        stop->listeners[free_slot].context = context;
        if (atomic_load(&stop->kind) != CCI_STOP_NONE) wake(context); /* stopped already */
    }
    pthread_mutex_unlock(&stop->lock);
    return free_slot >= 0;
}

void cci_stop_unsubscribe(cci_stop *stop, void *context)
{
    pthread_mutex_lock(&stop->lock);
    for (int i = 0; i < CCI_STOP_LISTENERS; i++)
        if (stop->listeners[i].wake && stop->listeners[i].context == context) stop->listeners[i].wake = NULL;
    pthread_mutex_unlock(&stop->lock);
}

void cci_stop_hurry(cci_stop *stop, const char *reason)
{
    cci_stop_request(stop, CCI_STOP_INTERRUPTED, reason);
    atomic_store(&stop->hurried, true);
}

const atomic_bool *cci_stop_hurry_flag(cci_stop *stop)
{
    return &stop->hurried;
}

cci_stop_kind cci_stop_kind_of(cci_stop *stop)
{
    return (cci_stop_kind)atomic_load(&stop->kind);
}

bool cci_stop_requested(cci_stop *stop)
{
    return atomic_load(&stop->kind) != CCI_STOP_NONE;
}

void cci_stop_reason(cci_stop *stop, char *out, size_t len)
{
    pthread_mutex_lock(&stop->lock);
    snprintf(out, len, "%s", stop->reason);
    pthread_mutex_unlock(&stop->lock);
}

bool cci_stop_sleep(cci_stop *stop, uint64_t ms)
{
    return !cci_latch_wait(stop->stopped, ms);
}

uint64_t cci_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t cci_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
