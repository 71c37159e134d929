/* pthread_setname_np */
#define _GNU_SOURCE
#include "util/write_behind.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct cci_write_behind {
    cci_outfile *out; /* the writer's (the composer's when not threaded) */
    char *buffers[2];
    size_t caps[2];
    /* the composer's own: */
    int filling; /* the buffer lines go into */
    size_t used;
    bool threaded;
    bool out_of_memory; /* said in the outfile once the writer is done with it */
    pthread_t thread;
    /* shared, under lock: */
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a batch handed over, written, or the end */
    bool handed;            /* buffers[!filling] holds a batch the writer has not finished */
    size_t handed_len;
    bool ending;
    atomic_bool failed; /* written under lock, read without: a write failed, or memory ran out */
};

/* The writer's loop: each batch handed over, written whole, until the end. */
static void *write_batches(void *arg)
{
    cci_write_behind *behind = arg;
    pthread_setname_np(pthread_self(), "cci-write"); /* for top -H and perf */
    pthread_mutex_lock(&behind->lock);
    for (;;) {
        while (!behind->handed && !behind->ending) pthread_cond_wait(&behind->changed, &behind->lock);
        if (!behind->handed) break;
        const char *batch = behind->buffers[!behind->filling]; /* filling moves only once it is back */
        size_t len = behind->handed_len;
        bool skip = atomic_load(&behind->failed);
        pthread_mutex_unlock(&behind->lock);
        bool ok = skip || cci_outfile_write_whole(behind->out, batch, len);
        if (ok && !skip) cci_outfile_stream_out(behind->out); /* through a few megabytes of the page cache */
        pthread_mutex_lock(&behind->lock);
        if (!ok) atomic_store(&behind->failed, true);
        behind->handed = false;
        pthread_cond_broadcast(&behind->changed);
    }
    pthread_mutex_unlock(&behind->lock);
    return NULL;
}

cci_write_behind *cci_write_behind_start(cci_outfile *out, size_t batch_bytes, bool threaded)
{
    cci_write_behind *behind = calloc(1, sizeof *behind);
    if (!behind) return NULL;
    *behind = (cci_write_behind){.out = out, .threaded = threaded};
    atomic_init(&behind->failed, false);
    for (int i = 0; i < 2; i++) {
        behind->buffers[i] = malloc(batch_bytes);
        behind->caps[i] = batch_bytes;
    }
    pthread_mutex_init(&behind->lock, NULL);
    pthread_cond_init(&behind->changed, NULL);
    if (!behind->buffers[0] || !behind->buffers[1] ||
        (threaded && pthread_create(&behind->thread, NULL, write_batches, behind) != 0)) {
        behind->threaded = false;
        cci_write_behind_finish(behind);
        return NULL;
    }
    return behind;
}

/* The current batch to the writer, once it has given the other back; the composer goes on with
 * that one. False once a write failed. */
static bool hand_over(cci_write_behind *behind)
{
    if (!behind->used) return !atomic_load(&behind->failed);
    if (!behind->threaded) {
        bool ok = !atomic_load(&behind->failed) &&
                  cci_outfile_write_whole(behind->out, behind->buffers[behind->filling], behind->used);
        if (ok) cci_outfile_stream_out(behind->out);
        if (!ok) atomic_store(&behind->failed, true);
        behind->used = 0;
        return ok;
    }
    pthread_mutex_lock(&behind->lock);
    while (behind->handed) pthread_cond_wait(&behind->changed, &behind->lock);
    behind->handed = true;
    behind->handed_len = behind->used;
    behind->filling = !behind->filling;
    behind->used = 0;
    pthread_cond_broadcast(&behind->changed);
    pthread_mutex_unlock(&behind->lock);
    return !atomic_load(&behind->failed);
}

char *cci_write_behind_room(cci_write_behind *behind, size_t bound)
{
    int at = behind->filling;
    if (behind->used + bound <= behind->caps[at])
        return atomic_load(&behind->failed) ? NULL : behind->buffers[at] + behind->used;
    if (!hand_over(behind)) return NULL;
    at = behind->filling;
    if (bound > behind->caps[at]) { /* a line longer than a batch: its own */
        char *grown = realloc(behind->buffers[at], bound);
        if (!grown) {
            behind->out_of_memory = true;
            atomic_store(&behind->failed, true);
            return NULL;
        }
        behind->buffers[at] = grown;
        behind->caps[at] = bound;
    }
    return behind->buffers[at];
}

void cci_write_behind_wrote(cci_write_behind *behind, size_t len)
{
    behind->used += len;
}

bool cci_write_behind_finish(cci_write_behind *behind)
{
    if (!behind) return true;
    hand_over(behind);
    if (behind->threaded) {
        pthread_mutex_lock(&behind->lock);
        behind->ending = true;
        pthread_cond_broadcast(&behind->changed);
        pthread_mutex_unlock(&behind->lock);
        pthread_join(behind->thread, NULL);
    }
    bool ok = !atomic_load(&behind->failed);
    if (behind->out_of_memory) {
        errno = ENOMEM;
        cci_outfile_check(behind->out, false);
    }
    pthread_cond_destroy(&behind->changed);
    pthread_mutex_destroy(&behind->lock);
    free(behind->buffers[0]);
    free(behind->buffers[1]);
    free(behind);
    return ok;
}
