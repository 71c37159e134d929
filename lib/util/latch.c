#include "cci/util/latch.h"
#include "util/deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct cci_latch {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* broadcast at release; on the monotonic clock */
    atomic_bool released; /* written under lock, read without */
};

cci_latch *cci_latch_new(void)
{
    cci_latch *latch = calloc(1, sizeof *latch);
    if (!latch) return NULL;
    pthread_mutex_init(&latch->lock, NULL);
    if (cci_cond_init_monotonic(&latch->changed) != 0) {
        pthread_mutex_destroy(&latch->lock);
        free(latch);
        return NULL;
    }
    atomic_init(&latch->released, false);
    return latch;
}

void cci_latch_free(cci_latch *latch)
{
    if (!latch) return;
    pthread_cond_destroy(&latch->changed);
    pthread_mutex_destroy(&latch->lock);
    free(latch);
}

void cci_latch_release(cci_latch *latch)
{
    pthread_mutex_lock(&latch->lock);
    atomic_store(&latch->released, true);
    pthread_cond_broadcast(&latch->changed);
    pthread_mutex_unlock(&latch->lock);
}

bool cci_latch_released(cci_latch *latch)
{
    return atomic_load(&latch->released);
}

bool cci_latch_wait(cci_latch *latch, uint64_t ms)
{
    struct timespec until = cci_deadline_in(ms);
    pthread_mutex_lock(&latch->lock);
    int waited = 0;
    while (!atomic_load(&latch->released) && waited != ETIMEDOUT)
        waited = pthread_cond_timedwait(&latch->changed, &latch->lock, &until);
    bool released = atomic_load(&latch->released);
    pthread_mutex_unlock(&latch->lock);
    return released;
}
