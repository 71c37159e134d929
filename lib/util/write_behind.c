/* pthread_setname_np */
#define _GNU_SOURCE
#include "util/write_behind.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct cci_write_behind {
    cci_outfile *out; /* the writer's (the composer's when not threaded) */
    char *buffers[2];
    size_t caps[2];
    /* the composer's own: */
    int filling; /* the buffer lines go into */
    size_t used;
    long long file_at;  /* where the filling buffer's first byte goes in the file */
    size_t lines_to_block; /* the last line's end at or before the last block boundary in it */
    bool threaded;
    bool out_of_memory; /* said in the outfile once the writer is done with it */
    pthread_t thread;
    /* shared, under lock: */
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a batch handed over, written, or the end */
    bool handed;            /* buffers[!filling] holds a batch the writer has not finished */
    size_t handed_len, handed_lines; /* its bytes, and those up to its last line's end */
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
        size_t len = behind->handed_len, lines = behind->handed_lines;
        bool skip = atomic_load(&behind->failed);
        pthread_mutex_unlock(&behind->lock);
        bool ok = skip || cci_outfile_write_part(behind->out, batch, len, lines, true);
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
    cci_outfile_flush(out); /* what the stream holds goes first; a failure stays in out */
    *behind = (cci_write_behind){.out = out, .threaded = threaded, .file_at = out->end};
    atomic_init(&behind->failed, false);
    const size_t align = CCI_OUTFILE_DIRECT_ALIGN;
    for (int i = 0; i < 2; i++) { /* aligned, for O_DIRECT */
        behind->caps[i] = (batch_bytes + align - 1) / align * align;
        behind->buffers[i] = aligned_alloc(align, behind->caps[i]);
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

/* The bytes of the filling buffer to hand over: up to the last block boundary in the file, so
 * that every batch after the first starts on one and can go to the disk by O_DIRECT (the rest is
 * carried over to the next batch), or all of them when all is asked or no boundary is in them. */
static size_t handing_len(const cci_write_behind *behind, bool all)
{
    const long long align = CCI_OUTFILE_DIRECT_ALIGN;
    long long to_block = (behind->file_at + (long long)behind->used) / align * align - behind->file_at;
    return all || to_block <= 0 ? behind->used : (size_t)to_block;
}

/* After len bytes of the filling buffer were handed over from buffer `from`, what is left of its
 * last line begins the filling one. */
static void carry_over(cci_write_behind *behind, const char *from, size_t len)
{
    size_t rest = behind->used - len;
    memmove(behind->buffers[behind->filling], from + len, rest);
    behind->file_at += (long long)len;
    behind->used = rest;
    behind->lines_to_block = 0;
}

/* The current batch to the writer, once it has given the other back; the composer goes on with
 * that one. False once a write failed. */
static bool hand_over(cci_write_behind *behind, bool all)
{
    if (!behind->used) return !atomic_load(&behind->failed);
    size_t len = handing_len(behind, all), lines = len == behind->used ? len : behind->lines_to_block;
    char *batch = behind->buffers[behind->filling];
    if (!behind->threaded) {
        bool ok = !atomic_load(&behind->failed) && cci_outfile_write_part(behind->out, batch, len, lines, true);
        if (!ok) atomic_store(&behind->failed, true);
        carry_over(behind, batch, len);
        return ok;
    }
    pthread_mutex_lock(&behind->lock);
    while (behind->handed) pthread_cond_wait(&behind->changed, &behind->lock);
    behind->handed = true;
    behind->handed_len = len;
    behind->handed_lines = lines;
    behind->filling = !behind->filling;
    pthread_cond_broadcast(&behind->changed);
    pthread_mutex_unlock(&behind->lock);
    carry_over(behind, batch, len); /* the writer only reads the batch, and not this part of it */
    return !atomic_load(&behind->failed);
}

char *cci_write_behind_room(cci_write_behind *behind, size_t bound)
{
    int at = behind->filling;
    if (behind->used + bound <= behind->caps[at])
        return atomic_load(&behind->failed) ? NULL : behind->buffers[at] + behind->used;
    if (!hand_over(behind, false)) return NULL;
    at = behind->filling;
    if (behind->used + bound > behind->caps[at]) { /* a line longer than a batch: room of its own */
        size_t cap = (behind->used + bound + CCI_OUTFILE_DIRECT_ALIGN - 1) / CCI_OUTFILE_DIRECT_ALIGN *
                     CCI_OUTFILE_DIRECT_ALIGN;
        char *grown = aligned_alloc(CCI_OUTFILE_DIRECT_ALIGN, cap); /* realloc would not keep it aligned */
        if (!grown) {
            behind->out_of_memory = true;
            atomic_store(&behind->failed, true);
            return NULL;
        }
        memcpy(grown, behind->buffers[at], behind->used);
        free(behind->buffers[at]);
        behind->buffers[at] = grown;
        behind->caps[at] = cap;
    }
    return behind->buffers[at] + behind->used;
}

void cci_write_behind_wrote(cci_write_behind *behind, size_t len)
{
    const long long align = CCI_OUTFILE_DIRECT_ALIGN;
    long long start = behind->file_at + (long long)behind->used, end = start + (long long)len;
    /* a line that reaches a block boundary: the last line's end at or before the last one */
    if (end / align > start / align) behind->lines_to_block = end % align ? behind->used : behind->used + len;
    behind->used += len;
}

bool cci_write_behind_finish(cci_write_behind *behind)
{
    if (!behind) return true;
    hand_over(behind, true);
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
