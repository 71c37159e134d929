/* A bounded blocking queue of pointers: the hand-off from the reader to the workers.
 *
 * Thread-safety: every function but new/free may be called from any thread at once; one mutex
 * and two condition variables inside. Consumers may take the first item they accept rather than the
 * oldest: the workers and the Data Import channel share one queue and take different rows. */
#ifndef CCI_QUEUE_H
#define CCI_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cci_queue cci_queue;

cci_queue *cci_queue_new(size_t capacity);
void cci_queue_free(cci_queue *queue);

/* Waits while the queue is full. Returns false (item not taken) once the queue is closed. */
bool cci_queue_push(cci_queue *queue, void *item);

/* Waits while the queue is empty and open. Returns NULL once it is closed and empty. */
void *cci_queue_pop(cci_queue *queue);

/* No more pushes: poppers drain what is left, then get NULL. */
void cci_queue_close(cci_queue *queue);

/* Whether a consumer takes item; context is the consumer's. It is called under the queue's lock,
 * so it must only read the item and atomics. */
typedef bool (*cci_queue_match_fn)(const void *item, void *context);

/* Like cci_queue_pop, for the first item match accepts (match NULL: any): waits while there is
 * none and the queue is open; NULL once it is closed and holds none. */
void *cci_queue_pop_matching(cci_queue *queue, cci_queue_match_fn match, void *context);

/* Waits until at least `enough` items match, or until no more may come before a consumer finishes
 * what it holds: the queue is full or closed (its producer waits or is done), the producer said it
 * waits on the consumers (cci_queue_producer_waiting), or the queue was flushed (the run stopped).
 * Then it waits only for one matching item. Returns false only when it is closed and holds no
 * matching item. A batching consumer that waits here never holds up the producer. */
bool cci_queue_wait_matching(cci_queue *queue, cci_queue_match_fn match, void *context, size_t enough);

/* Waits up to ms, or until the queue is closed and holds no item match accepts (false then: there
 * is nothing left to wait for), or until a wake or the producer's wait, and at once once flushed
 * (true: look again). */
bool cci_queue_wait_for(cci_queue *queue, cci_queue_match_fn match, void *context, unsigned long ms);

/* Removes up to max matching items, oldest first, into out without waiting; returns how many. */
size_t cci_queue_take_matching(cci_queue *queue, cci_queue_match_fn match, void *context, void **out,
                               size_t max);

/* Puts item back at the front for the other consumers, even once the queue is closed (a consumer
 * handing back what it took); waits while the queue is full. */
void cci_queue_return(cci_queue *queue, void *item);

/* Wakes every waiting consumer to look again: what its match accepts has changed. */
void cci_queue_wake(cci_queue *queue);

/* For good: nothing more comes that a batching consumer should wait for (the run stopped and the
 * producer pushes no more); wakes every waiting consumer. */
void cci_queue_flush(cci_queue *queue);

/* The producer says it waits (true) on something only the consumers can free, such as the report's
 * order window, or that it goes on (false): while it waits, no consumer waits for more items. */
void cci_queue_producer_waiting(cci_queue *queue, bool waiting);

/* What the queue holds now, for a watchdog's description. */
typedef struct cci_queue_census {
    size_t items, matching, capacity;
    bool closed;
} cci_queue_census;
cci_queue_census cci_queue_count(cci_queue *queue, cci_queue_match_fn match, void *context);

#endif
