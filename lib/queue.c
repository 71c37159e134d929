#include "cci/queue.h"

#include <pthread.h>
#include <stdlib.h>

struct cci_queue {
    pthread_mutex_t lock;
    pthread_cond_t not_full;  /* signalled when an item is taken or the queue closes */
    pthread_cond_t not_empty; /* signalled when an item is added or the queue closes */
    void **items;             /* ring buffer; protected by lock */
    size_t capacity, head, count; /* protected by lock */
    bool closed;                  /* protected by lock */
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
    pthread_cond_init(&queue->not_full, NULL);
    pthread_cond_init(&queue->not_empty, NULL);
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
        pthread_cond_signal(&queue->not_empty);
    }
    pthread_mutex_unlock(&queue->lock);
    return taken;
}

void *cci_queue_pop(cci_queue *queue)
{
    pthread_mutex_lock(&queue->lock);
    while (queue->count == 0 && !queue->closed) pthread_cond_wait(&queue->not_empty, &queue->lock);
    void *item = NULL;
    if (queue->count) {
        item = queue->items[queue->head];
        queue->head = (queue->head + 1) % queue->capacity;
        queue->count--;
        pthread_cond_signal(&queue->not_full);
    }
    pthread_mutex_unlock(&queue->lock);
    return item;
}

void cci_queue_close(cci_queue *queue)
{
    pthread_mutex_lock(&queue->lock);
    queue->closed = true;
    pthread_cond_broadcast(&queue->not_empty);
    pthread_cond_broadcast(&queue->not_full);
    pthread_mutex_unlock(&queue->lock);
}
