#include "cci/pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "cci/queue.h"

typedef struct worker {
    pthread_t thread;
    struct cci_pool *pool;
    void *state; /* this worker's alone */
} worker;

struct cci_pool {
    cci_queue *queue; /* thread-safe inside */
    cci_job_fn run;   /* read-only after start */
    worker *workers;
    size_t count;
};

static void *work(void *arg)
{
    worker *self = arg;
    void *job;
    while ((job = cci_queue_pop(self->pool->queue))) self->pool->run(job, self->state);
    return NULL;
}

cci_pool *cci_pool_start(size_t workers, size_t queue_capacity, cci_job_fn run,
                         void **worker_states)
{
    cci_pool *pool = calloc(1, sizeof *pool);
    if (!pool) return NULL;
    pool->queue = cci_queue_new(queue_capacity);
    pool->workers = calloc(workers, sizeof *pool->workers);
    pool->run = run;
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

bool cci_pool_submit(cci_pool *pool, void *job)
{
    return cci_queue_push(pool->queue, job);
}

void cci_pool_finish(cci_pool *pool)
{
    cci_queue_close(pool->queue);
    for (size_t i = 0; i < pool->count; i++) pthread_join(pool->workers[i].thread, NULL);
    cci_queue_free(pool->queue);
    free(pool->workers);
    free(pool);
}
