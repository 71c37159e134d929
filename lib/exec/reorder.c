/* pthread_setname_np */
#define _GNU_SOURCE
#include "exec/reorder.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct cci_reorder {
    pthread_mutex_t lock;
    pthread_cond_t advanced; /* signalled when rows are emitted */
    void **slots;            /* slot seq % window; protected by lock */
    bool *done;              /* protected by lock */
    size_t window;
    size_t next_seq;  /* the next to reserve; protected by lock */
    size_t next_emit; /* the oldest not yet emitted; protected by lock */
    cci_emit_fn emit;
    void *ctx;
    /* emitting behind (cci_reorder_emit_behind): */
    bool behind;          /* set before any row; read-only after */
    pthread_t emitter;
    pthread_cond_t ready; /* the oldest row was finished, or the end; protected by lock */
    bool closing;         /* protected by lock */
};

cci_reorder *cci_reorder_new(size_t window, cci_emit_fn emit, void *ctx)
{
    cci_reorder *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->window = window ? window : 1;
    r->slots = calloc(r->window, sizeof *r->slots);
    r->done = calloc(r->window, sizeof *r->done);
    if (!r->slots || !r->done) {
        free(r->slots);
        free(r->done);
        free(r);
        return NULL;
    }
    r->emit = emit;
    r->ctx = ctx;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->advanced, NULL);
    pthread_cond_init(&r->ready, NULL);
    return r;
}

/* How many finished rows wake the emitting thread: a quarter of the window. */
static size_t emit_run(const cci_reorder *r)
{
    return r->window / 4 ? r->window / 4 : 1;
}

/* The emitter's loop: each run of finished rows at the head, emitted outside the lock (no other
 * thread emits, and their slots are not reused until next_emit passes them). */
static void *emit_rows(void *arg)
{
    cci_reorder *r = arg;
    pthread_setname_np(pthread_self(), "cci-emit"); /* for top -H and perf */
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->closing && !(r->next_emit < r->next_seq && r->done[r->next_emit % r->window]))
            pthread_cond_wait(&r->ready, &r->lock);
        size_t first = r->next_emit, count = 0;
        while (first + count < r->next_seq && r->done[(first + count) % r->window]) count++;
        if (!count) break; /* closing, and nothing finished is left */
        pthread_mutex_unlock(&r->lock);
        for (size_t i = 0; i < count; i++) r->emit(r->slots[(first + i) % r->window], r->ctx);
        pthread_mutex_lock(&r->lock);
        for (size_t i = 0; i < count; i++) {
            r->done[(first + i) % r->window] = false;
            r->slots[(first + i) % r->window] = NULL;
        }
        r->next_emit += count;
        pthread_cond_broadcast(&r->advanced);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

bool cci_reorder_emit_behind(cci_reorder *r)
{
    r->behind = pthread_create(&r->emitter, NULL, emit_rows, r) == 0;
    return r->behind;
}

void cci_reorder_free(cci_reorder *r)
{
    if (!r) return;
    if (r->behind) {
        pthread_mutex_lock(&r->lock);
        r->closing = true;
        pthread_cond_signal(&r->ready);
        pthread_mutex_unlock(&r->lock);
        pthread_join(r->emitter, NULL);
    }
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->advanced);
    pthread_cond_destroy(&r->ready);
    free(r->slots);
    free(r->done);
    free(r);
}

size_t cci_reorder_reserve(cci_reorder *r)
{
    pthread_mutex_lock(&r->lock);
    if (r->behind && r->next_seq - r->next_emit >= r->window) pthread_cond_signal(&r->ready);
    while (r->next_seq - r->next_emit >= r->window) pthread_cond_wait(&r->advanced, &r->lock);
    size_t seq = r->next_seq++;
    pthread_mutex_unlock(&r->lock);
    return seq;
}

bool cci_reorder_try_reserve(cci_reorder *r, size_t *seq)
{
    return cci_reorder_try_reserve_run(r, 1, seq) == 1;
}

size_t cci_reorder_try_reserve_run(cci_reorder *r, size_t want, size_t *first)
{
    pthread_mutex_lock(&r->lock);
    size_t room = r->window - (r->next_seq - r->next_emit), count = want < room ? want : room;
    *first = r->next_seq;
    r->next_seq += count;
    pthread_mutex_unlock(&r->lock);
    return count;
}

void cci_reorder_unreserve(cci_reorder *r, size_t first, size_t count)
{
    pthread_mutex_lock(&r->lock);
    if (count && first + count == r->next_seq && first >= r->next_emit) r->next_seq = first;
    pthread_mutex_unlock(&r->lock);
}

cci_reorder_census cci_reorder_count(cci_reorder *r)
{
    pthread_mutex_lock(&r->lock);
    cci_reorder_census census = {.oldest = r->next_emit, .unemitted = r->next_seq - r->next_emit, .window = r->window};
    for (size_t seq = r->next_emit; seq < r->next_seq; seq++) census.finished += r->done[seq % r->window];
    pthread_mutex_unlock(&r->lock);
    return census;
}

void cci_reorder_complete(cci_reorder *r, size_t seq, void *item)
{
    cci_reorder_complete_run(r, seq, 1, &item);
}

void cci_reorder_complete_run(cci_reorder *r, size_t first, size_t count, void *const *items)
{
    if (!count) return;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < count; i++) {
        size_t slot = (first + i) % r->window;
        r->slots[slot] = items[i];
        r->done[slot] = true;
    }
    if (r->behind) {
        /* woken for a run of rows, not for each: a wake a row costs more than emitting it. A
         * producer that waits for room, or for all, wakes it itself. */
        if (first + count - r->next_emit >= emit_run(r)) pthread_cond_signal(&r->ready);
        pthread_mutex_unlock(&r->lock);
        return;
    }
    bool advanced = false;
    while (r->next_emit < r->next_seq && r->done[r->next_emit % r->window]) {
        size_t head = r->next_emit % r->window;
        r->done[head] = false;
        r->emit(r->slots[head], r->ctx);
        r->slots[head] = NULL;
        r->next_emit++;
        advanced = true;
    }
    if (advanced) pthread_cond_broadcast(&r->advanced);
    pthread_mutex_unlock(&r->lock);
}

void cci_reorder_wait_all(cci_reorder *r)
{
    pthread_mutex_lock(&r->lock);
    if (r->behind) pthread_cond_signal(&r->ready);
    while (r->next_emit < r->next_seq) pthread_cond_wait(&r->advanced, &r->lock);
    pthread_mutex_unlock(&r->lock);
}
