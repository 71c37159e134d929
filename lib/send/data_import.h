/* The Data Import channel: a thread beside the workers that creates new users up to 50 a request
 * through POST /data_import/users, under that endpoint's own budget, while the workers go on
 * creating and updating one user a request under the core and standard budgets.
 *
 * It shares the workers' queue and takes new users from it as fast as its budget lets it send
 * them (a batch is filled when its budget allows one more request), so both channels stay busy.
 * Rows with createdAt or lastActiveAt are its alone: only a Data Import create keeps them.
 * What a batch's answer leaves open is settled one row at a time: ERR_UID_ALREADY_EXISTS goes on
 * as the workers would (an update); a uid that may have been written by an attempt whose answer
 * was lost is read back and compared with what was sent. When the endpoint is refused (an
 * auth-only key, a plan without it, no such endpoint) or answers in a shape it cannot read, the
 * channel says so once and works as one more worker for the rest of the run.
 *
 * Thread-safety: the channel's fields are its thread's, but `refused` (an atomic the workers'
 * match reads) and `created` (an atomic, read once the pool is finished). */
#ifndef CCI_DATA_IMPORT_H
#define CCI_DATA_IMPORT_H

#include <stdatomic.h>
#include <stdbool.h>

#include "send/batch.h"
#include "plan/plan.h"
#include "exec/queue.h"
#include "send/send.h"
#include "send/send_job.h"

/* Says a note to the person running the import (the channel's refusal); called on its thread. */
typedef void (*cci_note_fn)(void *context, const char *text);

/* What the channel does now, for a watchdog's description. */
typedef enum {
    CCI_CHANNEL_WAITING_FOR_ROWS,
    CCI_CHANNEL_WAITING_FOR_BUDGET,
    CCI_CHANNEL_SENDING,
    CCI_CHANNEL_WORKER,
    CCI_CHANNEL_DONE,
} cci_channel_stage;
const char *cci_channel_stage_name(cci_channel_stage stage);

typedef struct cci_data_import {
    cci_send_shared *shared; /* thread-safe */
    cci_worker worker;       /* the channel's own connection; its thread's alone */
    cci_note_fn note;
    void *note_context;
    cci_batch_shape shape;   /* the body's shape: the example's, until the service asks for the other */
    cci_queue *queue;        /* the workers' queue, once the channel runs */
    void *carried[CCI_BATCH_MAX]; /* cci_send_job */ /* rows read back absent, for the next batch; channel thread only */
    size_t carried_count;
    atomic_bool refused;     /* the endpoint is not to be used again in this run */
    atomic_ulong created;    /* users created through the channel */
    atomic_size_t held;      /* rows taken from the queue and not handed on yet */
    atomic_int stage;        /* a cci_channel_stage */
    char refusal[600];       /* why it was refused; written before refused is set, read after */
} cci_data_import;

/* worker.client must be set; the channel frees nothing of it. The queue's jobs are
 * cci_send_job: the channel sends them (in batches, or one at a time as a worker would) and
 * hands each on through its `finished`. */
void cci_data_import_init(cci_data_import *channel, cci_send_shared *shared, cci_worker worker, cci_note_fn note,
                          void *note_context);

/* The channel's match on the queue: new users, while the endpoint is in use. */
bool cci_data_import_takes(const void *job, void *channel);

/* The workers' match: every job but the dated new users the channel keeps for itself (all of them
 * once the channel is refused). */
bool cci_data_import_leaves(const void *job, void *channel);

/* The channel's thread (cci_pool_add_consumer): returns once the queue is closed and every job
 * it took is handed on. */
void cci_data_import_consume(cci_queue *queue, void *channel);

#endif
