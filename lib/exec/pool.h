/* A fixed pool of worker threads fed through a bounded queue.
 *
 * Each worker has a state of its own (for the importer: its libcurl client), never shared.
 * Thread-safety: submit may be called from one producer thread while the workers run; finish
 * is called once, by that producer. */
#ifndef CCI_POOL_H
#define CCI_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "exec/queue.h"

typedef struct cci_pool cci_pool;

/* Runs job on a worker thread, with that worker's state. */
typedef void (*cci_job_fn)(void *job, void *worker_state);

/* Starts workers threads; worker_states[i] belongs to worker i. NULL when threads cannot start. */
cci_pool *cci_pool_start(size_t workers, size_t queue_capacity, cci_job_fn run,
                         void **worker_states);

/* Like cci_pool_start; the workers take only the jobs accepts accepts (NULL: any), and leave the
 * others to a consumer started with cci_pool_add_consumer. */
cci_pool *cci_pool_start_taking(size_t workers, size_t queue_capacity, cci_job_fn run, void **worker_states,
                                cci_queue_match_fn accepts, void *accepts_context);

/* Starts one more thread running consume(pool's queue, context), joined by cci_pool_finish once
 * the queue is closed. consume must return once the queue is closed and holds nothing it takes.
 * False when the thread cannot start. Called by the producer before it submits. */
bool cci_pool_add_consumer(cci_pool *pool, void (*consume)(cci_queue *queue, void *context), void *context);

/* The workers' queue, for a consumer that takes jobs in its own way; thread-safe inside. */
cci_queue *cci_pool_queue(cci_pool *pool);

/* Queues a job; waits while the queue is full. */
bool cci_pool_submit(cci_pool *pool, void *job);

/* No more jobs: waits for the queued ones to run and the threads to end, then frees the pool. */
void cci_pool_finish(cci_pool *pool);

#endif
