/* A fixed pool of worker threads fed through a bounded queue.
 *
 * Each worker has a state of its own (for the importer: its libcurl client), never shared.
 * Thread-safety: submit may be called from one producer thread while the workers run; finish
 * is called once, by that producer. */
#ifndef CCI_POOL_H
#define CCI_POOL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cci_pool cci_pool;

/* Runs job on a worker thread, with that worker's state. */
typedef void (*cci_job_fn)(void *job, void *worker_state);

/* Starts workers threads; worker_states[i] belongs to worker i. NULL when threads cannot start. */
cci_pool *cci_pool_start(size_t workers, size_t queue_capacity, cci_job_fn run,
                         void **worker_states);

/* Queues a job; waits while the queue is full. */
bool cci_pool_submit(cci_pool *pool, void *job);

/* No more jobs: waits for the queued ones to run and the threads to end, then frees the pool. */
void cci_pool_finish(cci_pool *pool);

#endif
