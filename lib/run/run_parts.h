/* The parts of one import, private to lib/run/: what the reader, the workers and the emitter
 * share (`run`, its fields' thread-safety beside them), and what each part offers the others:
 * run.c the lifecycle, run_rows.c the rows' way, run_target.c the app around the rows,
 * run_outputs.c the journal, the report and the rejects. */
#ifndef CCI_RUN_PARTS_H
#define CCI_RUN_PARTS_H

#include "cci/run/import.h"
#include "target/verify.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "send/client.h"
#include "send/data_import.h"
#include "send/send_job.h"
#include "plan/input.h"
#include "cci/state/journal.h"
#include "plan/plan.h"
#include "exec/pool.h"
#include "exec/reorder.h"
#include "send/send.h"
#include "run/sink.h"
#include "target/target.h"
#include "rules/user.h"
#include "util/watchdog.h"

enum { ROWS_PER_WORKER_IN_FLIGHT = 64, DRY_RUN_ROWS_IN_FLIGHT = 2048 };

/* Where the reader is, for a watchdog's description. */
typedef enum {
    READER_READING,
    READER_WAITING_FOR_ORDER, /* the report's order window is full */
    READER_WAITING_FOR_ROOM,  /* the queue is full */
    READER_FINISHING,         /* the file is read: the workers finish what they hold */
} reader_stage;

/* Everything the reader, the workers and the emitter share for one run. */
typedef struct row_item row_item;

/* A dry run's places in the report's order, reserved and handed in by runs of ORDER_RUN rows: one
 * lock a run where each row took two (reader thread only). The reader holds finished rows back
 * only until it would wait for room: it hands them in first, so the emitting thread can always
 * make room. */
enum { ORDER_RUN = 64 };
typedef struct {
    size_t next, end;    /* places reserved and not used yet */
    size_t first, count; /* finished rows not handed in yet, from place first */
    void *items[ORDER_RUN];
} order_runs;

typedef struct run {
    const cci_import_config *config; /* read-only */
    cci_input_spec spec;             /* read-only */
    cci_mapping mapping;             /* read-only once built */
    cci_reorder *reorder;            /* thread-safe inside */
    cci_sink sink;                   /* emitted into under the reorder's lock, or by its emitting
                                      * thread alone; its report and rejects are opened and closed
                                      * by the run */
    struct row_item *ring;           /* a dry run's rows, slot seq % ring_size: made, reused and
                                      * freed by the reader thread alone (the emitting thread only
                                      * reads them), so no row's memory crosses threads; NULL:
                                      * each row allocated, and freed once emitted */
    size_t ring_size;
    order_runs order;                /* with a ring only; reader thread only */
    cci_journal *journal;   /* lookups read-only; appended to by the sink only; NULL: none */
    cci_send_shared shared; /* the workers' limiter, retry budget, gate, guess and counters */
    cci_worker *workers;    /* one per thread, each used by its thread only */
    size_t worker_count;
    cci_pool *pool;
    cci_census census;      /* the file's uids, from the preflight; reader thread only */
    bool reading_once;      /* a dry run of a file read once: no preflight, one_pass learns instead */
    cci_one_pass one_pass;  /* reader thread only */
    const cci_padding *padding_known; /* a second reading's: the padding the first one learned */
    const cci_file_identity *first_file; /* a second reading's: the file the first one read */
    cci_file_identity file;           /* the file this run read (when a regular file or workbook) */
    bool muted;             /* notes are not said: a second reading's setup says them again */
    cci_listing listing;    /* what the app holds, when it was read; read-only once the rows go */
    bool app_read;
    bool target_answered;   /* a page of the app's users came back as CometChat sends one (reader thread) */
    cci_worker lister;      /* the reader thread's own connection: listing and bulk changes */
    cci_data_import channel; /* its own thread's, but for its atomics (cci/data_import.h) */
    bool channel_on;        /* the channel was started: new users may go through Data Import */
    pthread_mutex_t describing; /* held while the pool is read for a watchdog's description, and
                                 * by the reader when it sets READER_FINISHING (the pool goes) */
    atomic_int reader;      /* a reader_stage */
    atomic_ulong finished;      /* rows finished in any order (the report takes them in order) */
    unsigned long submitted;    /* rows handed to be sent: --limit counts them (reader thread only) */
    unsigned long held_back;    /* rows past --limit, not attempted (reader thread only) */
    uint64_t began_ms;          /* cci_now_ms() when the run began: no pause is longer than the run */
} run;

/* One row on its way from the reader to the report: the senders see its job alone. */
struct row_item {
    cci_send_job job; /* first: the job's `finished` finds its item */
    run *run;
    size_t seq;
};

/* run.c */
cci_client *run_connect_to_target(const run *r);
__attribute__((format(printf, 3, 4))) void run_say(const run *r, cci_message_kind kind, const char *fmt, ...);
bool run_out_of_memory(const run *r, const char *while_doing);

/* run_rows.c */
void run_emit_row(void *item_ptr, void *context);
bool run_import_rows(run *r, cci_input *input, cci_planner *planner, cci_import_result *result);
/* Cleans up the rows a dry run's ring holds; once every one was emitted. */
void run_release_ring(run *r);
void run_send_job(void *job, void *worker_state);
/* Which stage holds what, for the watchdog's stall (on its thread): a cci_describe_fn. */
void run_describe_stall(void *context, char *out, size_t len);
bool run_start_channel(run *r);

/* run_target.c */
bool run_prepare_the_target(run *r, cci_import_result *result);
void run_prove_the_target(run *r, cci_import_result *result);
void run_prune(run *r, cci_import_result *result);
bool run_read_the_app(run *r, cci_import_result *result);
void run_verify(run *r, cci_import_result *result);

/* run_outputs.c */
bool run_close_outputs(run *r);
bool run_open_journal(run *r);
bool run_open_outputs(run *r, const cci_dialect *dialect, const cci_record *header);
bool run_paths_collide(const run *r);
void run_warn_unknown_columns(const run *r);

#endif
