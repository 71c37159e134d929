/* The rows' way: read and planned by the reader, sent by a worker or the Data Import channel,
 * emitted in input order by whichever thread finishes the row that unblocks them. */
#include "run_parts.h"
#include "read/read_ahead.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the rows' way: planned by the reader, sent by a worker, emitted in order ---- */

/* Rows finished (by whichever thread): into the report's order, and a beat of the pulse. */
static void hand_in(run *r, size_t first, size_t count, void *const *items)
{
    atomic_fetch_add(&r->finished, count);
    cci_reorder_complete_run(r->reorder, first, count, items);
    cci_pulse_beat(&r->shared.pulse);
}

static void hand_in_held(run *r)
{
    order_runs *order = &r->order;
    hand_in(r, order->first, order->count, order->items);
    order->first += order->count;
    order->count = 0;
}

/* A row is finished: handed in at once, or, a dry run's, held for its run of rows. */
static void complete_row(run *r, row_item *item)
{
    if (!r->ring) {
        void *one = item;
        hand_in(r, item->seq, 1, &one);
        return;
    }
    order_runs *order = &r->order;
    if (order->count && order->first + order->count != item->seq) hand_in_held(r); /* a run is in order */
    if (!order->count) order->first = item->seq;
    order->items[order->count++] = item;
    if (order->count == ORDER_RUN) hand_in_held(r);
}

/* A sent row's job is handed back (cci_send_job.finished). */
static void job_finished(cci_send_job *job)
{
    row_item *item = (row_item *)job;
    complete_row(item->run, item);
}

/* Called in input order, one row at a time (under the reorder's lock, or by its emitting thread). */
void run_emit_row(void *item_ptr, void *context)
{
    row_item *item = item_ptr;
    run *r = context;
    cci_planned_row *row = &item->job.row;
    cci_user_explain_refusal(&row->outcome, &r->mapping, row->saved);
    cci_sink_emit(&r->sink, &row->outcome, row->saved, item->job.confirmed);
    if (r->ring) return; /* the reader cleans its slot up when it reuses it */
    cci_planned_row_cleanup(row);
    free(item);
}

/* A dry run's item for seq: its slot of the ring, cleaned up of the row it held (emitted already:
 * the reorder reserved seq only once it was). */
static row_item *ring_slot(run *r, size_t seq)
{
    row_item *item = &r->ring[seq % r->ring_size];
    if (item->run) cci_planned_row_cleanup(&item->job.row);
    memset(item, 0, sizeof *item);
    return item;
}

void run_release_ring(run *r)
{
    for (size_t i = 0; r->ring && i < r->ring_size; i++)
        if (r->ring[i].run) {
            cci_planned_row_cleanup(&r->ring[i].job.row);
            r->ring[i].run = NULL;
        }
}

/* The pool's job function: a worker sends the row one request at a time. */
void run_send_job(void *job, void *worker_state)
{
    row_item *item = job;
    cci_send_job_send(&item->run->shared, worker_state, &item->job);
}

static void channel_note(void *context, const char *text)
{
    run_say(context, CCI_MESSAGE_NOTE, "%s", text);
}

static void skip_unsent(run *r, row_item *item)
{
    item->job.row.outcome.action = CCI_ACTION_SKIPPED;
    cci_outcome_say(&item->job.row.outcome, "not sent: the run stopped early");
    complete_row(r, item);
}

/* A row past --limit: not attempted, and the next run carries on with it. */
static void hold_back(run *r, row_item *item)
{
    char message[160];
    snprintf(message, sizeof message, "not sent: --limit %lu (a canary run sends the first rows that need it); "
                                      "the next run carries on", r->config->limit);
    item->job.row.outcome.action = CCI_ACTION_SKIPPED;
    cci_outcome_say(&item->job.row.outcome, message);
    r->held_back++;
    complete_row(r, item);
}

/* The reader stops being busy to wait on the pipeline (stage says on what), and goes on. */
static void reader_waits(run *r, reader_stage stage)
{
    atomic_store(&r->reader, stage);
    cci_pulse_end(&r->shared.pulse);
}

static void reader_goes_on(run *r)
{
    cci_pulse_begin(&r->shared.pulse);
    atomic_store(&r->reader, READER_READING);
}

/* The next row's place in the report's order. When the window is full, the reader waits for rows
 * that the workers or the Data Import channel hold, so it says so on the queue first: a batching
 * consumer must not wait for more rows the reader cannot give until its own are finished. */
static size_t reserve_row(run *r)
{
    order_runs *order = &r->order;
    if (r->ring) {
        if (order->next < order->end) return order->next++;
        size_t reserved = cci_reorder_try_reserve_run(r->reorder, ORDER_RUN, &order->next);
        order->end = order->next + reserved;
        if (reserved) return order->next++;
        hand_in_held(r); /* before waiting for room: what the emitting thread frees it with */
    }
    size_t seq;
    if (cci_reorder_try_reserve(r->reorder, &seq)) return seq;
    cci_queue *queue = r->pool ? cci_pool_queue(r->pool) : NULL;
    reader_waits(r, READER_WAITING_FOR_ORDER);
    if (queue) cci_queue_producer_waiting(queue, true);
    seq = cci_reorder_reserve(r->reorder);
    if (queue) cci_queue_producer_waiting(queue, false);
    reader_goes_on(r);
    return seq;
}

/* Hands a row to the workers; waits while the queue is full. False when it was not taken. */
static bool submit_row(run *r, row_item *item)
{
    reader_waits(r, READER_WAITING_FOR_ROOM);
    bool taken = cci_pool_submit(r->pool, item);
    reader_goes_on(r);
    return taken;
}

static cci_read_status input_next(void *input, cci_record *record)
{
    return cci_input_next(input, record);
}

/* How many rows ahead a prepared row's uid slot is fetched: enough for a memory access to land
 * while the rows between are planned. */
enum { PREFETCH_ROWS = 8 };

/* Reads and plans every row, each handed on. Returns how the reading ended: END also when it was
 * cut short (a stop, memory), which has been said. */
static cci_read_status plan_rows(run *r, cci_input *input, cci_read_ahead *ahead, cci_planner *planner,
                                 cci_import_result *result, unsigned long *last_line)
{
    cci_record record;
    const void *prepared = NULL; /* what the read-ahead's thread planned of the row */
    cci_read_status status;
    while ((status = ahead ? cci_read_ahead_next(ahead, &record, &prepared) : cci_input_next(input, &record)) ==
           CCI_READ_RECORD) {
        *last_line = record.line;
        if (r->reading_once && cci_stop_requested(r->config->stop)) return CCI_READ_END; /* refused whole (run.c) */
        if (cci_record_is_empty(&record)) {
            result->empty_rows++;
            continue;
        }
        row_item *item = r->ring ? NULL : calloc(1, sizeof *item); /* before a place is reserved for it */
        if (!r->ring && !item) {
            cci_stop_request(r->config->stop, CCI_STOP_FATAL, "out of memory");
            run_say(r, CCI_MESSAGE_PROBLEM, "%s: line %lu and after were not read: out of memory", r->spec.path,
                record.line);
            return CCI_READ_END;
        }
        size_t seq = reserve_row(r);
        if (r->ring) item = ring_slot(r, seq);
        item->run = r;
        item->job.finished = job_finished;
        item->seq = seq;
        cci_planned_row *row = &item->job.row;
        const void *later = prepared ? cci_read_ahead_prepared_later(ahead, PREFETCH_ROWS) : NULL;
        if (later) cci_plan_prefetch_prepared(planner, later);
        bool send = cci_plan_row(planner, &record, prepared, row);
        row->new_user = r->channel_on && row->absent && !row->reactivated;
        bool stopped = cci_stop_requested(r->config->stop);
        if (!send && stopped && row->outcome.action == CCI_ACTION_UNCHANGED) {
            /* after a stop nothing is compared with the app any more: the rest are skipped */
            row->outcome.action = CCI_ACTION_SKIPPED;
            cci_outcome_say(&row->outcome, "not compared: the run stopped early");
            complete_row(r, item);
            continue;
        }
        if (!send && row->confirm) item->job.confirmed = row->journal_record; /* the app proved it */
        if (!send) {
            complete_row(r, item);
        } else if (r->config->limit && r->submitted >= r->config->limit) {
            hold_back(r, item);
        } else {
            r->submitted++;
            if (stopped || !r->pool || !submit_row(r, item)) skip_unsent(r, item);
        }
    }
    return status;
}

/* A dry run's rows held back are handed in, and the places reserved for none given back. */
static void settle_order(run *r)
{
    order_runs *order = &r->order;
    if (!r->ring) return;
    hand_in_held(r);
    cci_reorder_unreserve(r->reorder, order->next, order->end - order->next);
    order->next = order->end;
}

/* The import pass. Returns false when the input broke mid-way. */
bool run_import_rows(run *r, cci_input *input, cci_planner *planner, cci_import_result *result)
{
    /* a dry run reading a regular file once: its parse overlaps the planning and the report. Such
     * a file never keeps a read waiting, so the read-ahead's thread always comes to an end. */
    cci_read_ahead_work written_ahead = {cci_plan_prepare_bound, cci_plan_prepare, planner};
    cci_read_ahead *ahead =
        r->reading_once ? cci_read_ahead_start(input_next, input, planner->shape ? &written_ahead : NULL) : NULL;
    unsigned long last_line = 1; /* the header's */
    cci_read_status status = plan_rows(r, input, ahead, planner, result, &last_line);
    settle_order(r);
    if (!cci_read_ahead_finish(ahead)) {
        cci_stop_request(r->config->stop, CCI_STOP_FATAL, "out of memory");
        run_say(r, CCI_MESSAGE_PROBLEM, "%s: the lines after line %lu were not read: out of memory", r->spec.path,
                last_line);
        return true;
    }
    if (status != CCI_READ_ERROR) return true;
    char err[1024];
    cci_input_describe_error(input, &r->spec, err, sizeof err);
    if (!cci_input_changed(input, NULL, 0)) {
        /* a dry run reading a file once refuses a broken one whole, as a run's preflight does */
        run_say(r, CCI_MESSAGE_PROBLEM, "%s%s", err, r->reading_once ? "; nothing was sent" : "");
        return false;
    }
    /* not a broken file but a moving one: stop, with every row read so far in the report */
    size_t used = strlen(err);
    snprintf(err + used, sizeof err - used, "; nothing after line %lu was read: run again once the file is final",
             last_line);
    cci_stop_request(r->config->stop, CCI_STOP_FATAL, err);
    return true;
}

/* The Data Import channel's connection and state; the pool starts its thread. */
bool run_start_channel(run *r)
{
    cci_worker worker = {.random = r->config->random_seed ^ 0xDA7A1A9017ULL, .client = run_connect_to_target(r)};
    if (!worker.client) return false;
    cci_data_import_init(&r->channel, &r->shared, worker, channel_note, r);
    return true;
}

static const char *reader_stage_name(reader_stage stage)
{
    switch (stage) {
    case READER_READING: return "the reader is reading";
    case READER_WAITING_FOR_ORDER: return "the reader waits for the report's order";
    case READER_WAITING_FOR_ROOM: return "the reader waits for room in the queue";
    case READER_FINISHING: return "the file is read and the workers finish";
    }
    return "?";
}

/* Which stage holds what, for the watchdog (on its thread). */
void run_describe_stall(void *context, char *out, size_t len)
{
    run *r = context;
    cci_reorder_census order = cci_reorder_count(r->reorder);
    size_t used = (size_t)snprintf(out, len, "%s; %zu rows unfinished from row %zu, %zu of them done and waiting for "
                                             "the oldest", reader_stage_name((reader_stage)atomic_load(&r->reader)),
                                   order.unemitted, order.oldest + 1, order.finished);
    pthread_mutex_lock(&r->describing);
    /* the pool is read only before the reader sets READER_FINISHING, under the same lock: it
     * goes only after that */
    if (atomic_load(&r->reader) != READER_FINISHING && r->pool && used < len) {
        cci_queue_census queue = cci_queue_count(cci_pool_queue(r->pool), r->channel_on ? cci_data_import_takes : NULL,
                                                 &r->channel);
        used += (size_t)snprintf(out + used, len - used, "; the queue holds %zu of %zu rows%s", queue.items,
                                 queue.capacity, queue.closed ? " and is closed" : "");
        if (r->channel_on && used < len)
            used += (size_t)snprintf(out + used, len - used, ", %zu for Data Import", queue.matching);
    }
    pthread_mutex_unlock(&r->describing);
    if (r->channel_on && used < len)
        snprintf(out + used, len - used, "; Data Import %s, holding %zu rows",
                 cci_channel_stage_name((cci_channel_stage)atomic_load(&r->channel.stage)),
                 (size_t)atomic_load(&r->channel.held));
}
