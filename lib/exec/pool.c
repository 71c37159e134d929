#include "exec/pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "exec/queue.h"

typedef struct worker {
    pthread_t thread;
    struct cci_pool *pool;
    void *state; /* this worker's alone */
} worker;

struct cci_pool {
    cci_queue *queue; /* thread-safe inside */
    cci_job_fn run;   /* read-only after start */
    cci_queue_match_fn accepts; /* read-only after start */
    void *accepts_context;
    worker *workers;
    size_t count;
    pthread_t consumer; /* cci_pool_add_consumer's; the producer's to start and join */
    bool has_consumer;
    void (*consume)(cci_queue *queue, void *context);
    void *consume_context;
};

static void *work(void *arg)
{
    worker *self = arg;
    void *job;
    cci_pool *pool = self->pool;
    while ((job = cci_queue_pop_matching(pool->queue, pool->accepts, pool->accepts_context))) pool->run(job, self->state);
    return NULL;
}

cci_pool *cci_pool_start(size_t workers, size_t queue_capacity, cci_job_fn run,
                         void **worker_states)
{
    return cci_pool_start_taking(workers, queue_capacity, run, worker_states, NULL, NULL);
}

cci_pool *cci_pool_start_taking(size_t workers, size_t queue_capacity, cci_job_fn run, void **worker_states,
                                cci_queue_match_fn accepts, void *accepts_context)
{
    cci_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->queue = cci_queue_new(queue_capacity);
    pool->workers = calloc(workers ? workers : 1, sizeof *pool->workers);
    pool->run = run;
    pool->accepts = accepts;
    pool->accepts_context = accepts_context;
    if (!pool->queue || !pool->workers) {
        cci_queue_free(pool->queue);
        free(pool->workers);
        free(pool);
        return NULL;
    }
    for (size_t i = 0; i < workers; i++) {
        pool->workers[i] = (worker){.pool = pool, .state = worker_states ? worker_states[i] : NULL};
        if (pthread_create(&pool->workers[i].thread, NULL, work, &pool->workers[i]) != 0) break;
        pool->count++;
    }
    if (pool->count < workers) {
        cci_pool_finish(pool);
        return NULL;
    }
    return pool;
}

static void *consumer_main(void *arg)
{
    cci_pool *pool = arg;
    pool->consume(pool->queue, pool->consume_context);
    return NULL;
}

bool cci_pool_add_consumer(cci_pool *pool, void (*consume)(cci_queue *queue, void *context), void *context)
{
    if (pool->has_consumer) return false;
    pool->consume = consume;
    pool->consume_context = context;
    pool->has_consumer = pthread_create(&pool->consumer, NULL, consumer_main, pool) == 0;
    return pool->has_consumer;
}

cci_queue *cci_pool_queue(cci_pool *pool)
{
    return pool->queue;
}

bool cci_pool_submit(cci_pool *pool, void *job)
{
    return cci_queue_push(pool->queue, job);
}

void cci_pool_finish(cci_pool *pool)
{
    cci_queue_close(pool->queue);
    for (size_t i = 0; i < pool->count; i++) pthread_join(pool->workers[i].thread, NULL);
    if (pool->has_consumer) pthread_join(pool->consumer, NULL);
    cci_queue_free(pool->queue);
    free(pool->workers);
    free(pool);
}
