#include "cci/stop.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct cci_stop {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* broadcast when a stop is requested */
    pthread_condattr_t attributes;
    atomic_int kind;  /* cci_stop_kind; written under lock, read without */
    char reason[1024]; /* protected by lock */
};

cci_stop *cci_stop_new(void)
{
    cci_stop *stop = calloc(1, sizeof *stop);
    if (!stop) return NULL;
    pthread_mutex_init(&stop->lock, NULL);
    /* timed waits on the monotonic clock: a wall-clock change cannot stretch a backoff */
    pthread_condattr_init(&stop->attributes);
    pthread_condattr_setclock(&stop->attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&stop->changed, &stop->attributes);
    atomic_init(&stop->kind, CCI_STOP_NONE);
    return stop;
}

void cci_stop_free(cci_stop *stop)
{
    if (!stop) return;
    pthread_cond_destroy(&stop->changed);
    pthread_condattr_destroy(&stop->attributes);
    pthread_mutex_destroy(&stop->lock);
    free(stop);
}

void cci_stop_request(cci_stop *stop, cci_stop_kind kind, const char *reason)
{
    pthread_mutex_lock(&stop->lock);
    if (atomic_load(&stop->kind) == CCI_STOP_NONE) {
        snprintf(stop->reason, sizeof stop->reason, "%s", reason);
        atomic_store(&stop->kind, kind);
        pthread_cond_broadcast(&stop->changed);
    }
    pthread_mutex_unlock(&stop->lock);
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
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&stop->lock);
    int waited = 0;
    while (atomic_load(&stop->kind) == CCI_STOP_NONE && waited != ETIMEDOUT)
        waited = pthread_cond_timedwait(&stop->changed, &stop->lock, &until);
    bool stopped = atomic_load(&stop->kind) != CCI_STOP_NONE;
    pthread_mutex_unlock(&stop->lock);
    return !stopped;
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
