#include "exec/queue.h"
#include "util/deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct cci_queue {
    pthread_mutex_t lock;
    pthread_cond_t not_full;  /* signalled when an item is taken or the queue closes */
    pthread_cond_t not_empty; /* broadcast when an item is added, the queue closes or a consumer's
                               * match changes: consumers wait for different items */
    void **items;             /* ring buffer; protected by lock */
    size_t capacity, head, count; /* protected by lock */
    bool closed;                  /* protected by lock */
    bool flushed;                 /* nothing more comes for batching consumers (the run stopped);
                                   * protected by lock */
    bool producer_waiting;        /* the producer waits on what the consumers hold; protected by lock */
    unsigned long wakes;          /* bumped by every wake: timed waits end to look again; protected by lock */
};

cci_queue *cci_queue_new(size_t capacity)
{
    cci_queue *queue = calloc(1, sizeof *queue);
    if (!queue) return NULL;
    queue->items = calloc(capacity ? capacity : 1, sizeof *queue->items);
    if (!queue->items) {
        free(queue);
        return NULL;
    }
    queue->capacity = capacity ? capacity : 1;
    pthread_mutex_init(&queue->lock, NULL);
    cci_cond_init_monotonic(&queue->not_full);
    cci_cond_init_monotonic(&queue->not_empty);
    return queue;
}

void cci_queue_free(cci_queue *queue)
{
    if (!queue) return;
    pthread_mutex_destroy(&queue->lock);
    pthread_cond_destroy(&queue->not_full);
    pthread_cond_destroy(&queue->not_empty);
    free(queue->items);
    free(queue);
}

bool cci_queue_push(cci_queue *queue, void *item)
{
    pthread_mutex_lock(&queue->lock);
    while (queue->count == queue->capacity && !queue->closed)
        pthread_cond_wait(&queue->not_full, &queue->lock);
    bool taken = !queue->closed;
    if (taken) {
        queue->items[(queue->head + queue->count) % queue->capacity] = item;
        queue->count++;
        pthread_cond_broadcast(&queue->not_empty);
    }
    pthread_mutex_unlock(&queue->lock);
    return taken;
}

/* Index (from head) of the first item match accepts, or count when none does. Under the lock. */
static size_t first_matching(const cci_queue *queue, cci_queue_match_fn match, void *context)
{
    size_t i = 0;
    while (i < queue->count && match && !match(queue->items[(queue->head + i) % queue->capacity], context)) i++;
    return i;
}

/* Removes the item at index i (from head), keeping the others' order. Under the lock. */
static void *remove_at(cci_queue *queue, size_t i)
{
    void *item = queue->items[(queue->head + i) % queue->capacity];
    for (; i + 1 < queue->count; i++)
        queue->items[(queue->head + i) % queue->capacity] = queue->items[(queue->head + i + 1) % queue->capacity];
    queue->count--;
    pthread_cond_signal(&queue->not_full);
    pthread_cond_broadcast(&queue->not_empty); /* a consumer waiting for the last of its items */
    return item;
}

void *cci_queue_pop_matching(cci_queue *queue, cci_queue_match_fn match, void *context)
{
    pthread_mutex_lock(&queue->lock);
    size_t at;
    while ((at = first_matching(queue, match, context)) == queue->count && !queue->closed)
        pthread_cond_wait(&queue->not_empty, &queue->lock);
    void *item = at < queue->count ? remove_at(queue, at) : NULL;
    pthread_mutex_unlock(&queue->lock);
    return item;
}

void *cci_queue_pop(cci_queue *queue)
{
    return cci_queue_pop_matching(queue, NULL, NULL);
}

static size_t count_matching(const cci_queue *queue, cci_queue_match_fn match, void *context)
{
    size_t n = 0;
    for (size_t i = 0; i < queue->count; i++) n += !match || match(queue->items[(queue->head + i) % queue->capacity], context);
    return n;
}

/* Whether the producer may still add items without a consumer finishing first: only then may a
 * batching consumer wait for more than it can take now. Under the lock. */
static bool more_may_come(const cci_queue *queue)
{
    return !queue->closed && !queue->flushed && !queue->producer_waiting && queue->count < queue->capacity;
}

bool cci_queue_wait_matching(cci_queue *queue, cci_queue_match_fn match, void *context, size_t enough)
{
    pthread_mutex_lock(&queue->lock);
    size_t n;
    while ((n = count_matching(queue, match, context)) < (enough ? enough : 1) && more_may_come(queue))
        pthread_cond_wait(&queue->not_empty, &queue->lock);
    /* a full queue of items this consumer does not take: others will take them */
    while (n == 0 && !queue->closed) {
        pthread_cond_wait(&queue->not_empty, &queue->lock);
        n = count_matching(queue, match, context);
    }
    pthread_mutex_unlock(&queue->lock);
    return n > 0;
}

bool cci_queue_wait_for(cci_queue *queue, cci_queue_match_fn match, void *context, unsigned long ms)
{
    struct timespec deadline = cci_deadline_in(ms);
    pthread_mutex_lock(&queue->lock);
    bool waited_out = false, something = true;
    unsigned long wakes = queue->wakes;
    while (!waited_out && wakes == queue->wakes && !queue->flushed && (something = !queue->closed || count_matching(queue, match, context) > 0))
        waited_out = pthread_cond_timedwait(&queue->not_empty, &queue->lock, &deadline) == ETIMEDOUT;
    pthread_mutex_unlock(&queue->lock);
    return something;
}

size_t cci_queue_take_matching(cci_queue *queue, cci_queue_match_fn match, void *context, void **out, size_t max)
{
    pthread_mutex_lock(&queue->lock);
    size_t taken = 0, i = 0;
    while (taken < max && i < queue->count) {
        if (!match || match(queue->items[(queue->head + i) % queue->capacity], context)) out[taken++] = remove_at(queue, i);
        else i++;
    }
    pthread_mutex_unlock(&queue->lock);
    return taken;
}

void cci_queue_return(cci_queue *queue, void *item)
{
    pthread_mutex_lock(&queue->lock);
    while (queue->count == queue->capacity) pthread_cond_wait(&queue->not_full, &queue->lock);
    queue->head = (queue->head + queue->capacity - 1) % queue->capacity;
    queue->items[queue->head] = item;
    queue->count++;
    pthread_cond_broadcast(&queue->not_empty);
    pthread_mutex_unlock(&queue->lock);
}

void cci_queue_wake(cci_queue *queue)
{
    pthread_mutex_lock(&queue->lock);
    queue->wakes++;
    pthread_cond_broadcast(&queue->not_empty);
    pthread_mutex_unlock(&queue->lock);
}

void cci_queue_flush(cci_queue *queue)
{
    pthread_mutex_lock(&queue->lock);
    queue->flushed = true;
    queue->wakes++;
    pthread_cond_broadcast(&queue->not_empty);
    pthread_mutex_unlock(&queue->lock);
}

void cci_queue_producer_waiting(cci_queue *queue, bool waiting)
{
    pthread_mutex_lock(&queue->lock);
    queue->producer_waiting = waiting;
    if (waiting) {
        queue->wakes++;
        pthread_cond_broadcast(&queue->not_empty);
    }
    pthread_mutex_unlock(&queue->lock);
}

cci_queue_census cci_queue_count(cci_queue *queue, cci_queue_match_fn match, void *context)
{
    pthread_mutex_lock(&queue->lock);
    cci_queue_census census = {.items = queue->count, .matching = count_matching(queue, match, context),
                               .capacity = queue->capacity, .closed = queue->closed};
    pthread_mutex_unlock(&queue->lock);
    return census;
}

void cci_queue_close(cci_queue *queue)
{
    pthread_mutex_lock(&queue->lock);
    queue->closed = true;
    pthread_cond_broadcast(&queue->not_empty);
    pthread_cond_broadcast(&queue->not_full);
    pthread_mutex_unlock(&queue->lock);
}
