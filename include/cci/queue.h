/* A bounded blocking queue of pointers: the hand-off from the reader to the workers.
 *
 * Thread-safety: every function but new/free may be called from any thread at once; one mutex
 * and two condition variables inside. */
#ifndef CCI_QUEUE_H
#define CCI_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cci_queue cci_queue;

cci_queue *cci_queue_new(size_t capacity);
void cci_queue_free(cci_queue *queue);

/* Waits while the queue is full. Returns false (item not taken) once the queue is closed. */
bool cci_queue_push(cci_queue *queue, void *item);

/* Waits while the queue is empty and open. Returns NULL once it is closed and empty. */
void *cci_queue_pop(cci_queue *queue);

/* No more pushes: poppers drain what is left, then get NULL. */
void cci_queue_close(cci_queue *queue);

#endif
