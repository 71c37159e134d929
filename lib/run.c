/* The lifecycle of one import: set up, read and plan every row, send through the pool, emit in
 * order, tear down, and say what happened in the result. */
#include "cci/import.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cci/client.h"
#include "cci/data_import.h"
#include "cci/input.h"
#include "cci/journal.h"
#include "cci/plan.h"
#include "cci/pool.h"
#include "cci/reorder.h"
#include "cci/send.h"
#include "cci/sink.h"
#include "cci/target.h"
#include "cci/user.h"
#include "cci/watchdog.h"

enum { ROWS_PER_WORKER_IN_FLIGHT = 64 };

/* Where the reader is, for a watchdog's description. */
typedef enum {
    READER_READING,
    READER_WAITING_FOR_ORDER, /* the report's order window is full */
    READER_WAITING_FOR_ROOM,  /* the queue is full */
    READER_FINISHING,         /* the file is read: the workers finish what they hold */
} reader_stage;

/* Everything the reader, the workers and the emitter share for one run. */
typedef struct run {
    const cci_import_config *config; /* read-only */
    cci_input_spec spec;             /* read-only */
    cci_mapping mapping;             /* read-only once built */
    cci_reorder *reorder;            /* thread-safe inside */
    cci_sink sink;                   /* emitted into under the reorder's lock only; its report and
                                      * rejects are opened and closed by the run */
    cci_journal *journal;   /* lookups read-only; appended to by the sink only; NULL: none */
    cci_send_shared shared; /* the workers' limiter, retry budget, gate, guess and counters */
    cci_worker *workers;    /* one per thread, each used by its thread only */
    size_t worker_count;
    cci_pool *pool;
    cci_census census;      /* the file's uids, from the preflight; reader thread only */
    cci_listing listing;    /* what the app holds, when it was read; read-only once the rows go */
    bool app_read;
    bool target_answered;   /* a page of the app's users came back as CometChat sends one (reader thread) */
    cci_worker lister;      /* the reader thread's own connection: listing and bulk changes */
    cci_data_import channel; /* its own thread's, but for its atomics (cci/data_import.h) */
    bool channel_on;        /* the channel was started: new users may go through Data Import */
    pthread_mutex_t describing; /* held while the pool is read for a watchdog's description, and
                                 * by the reader when it sets READER_FINISHING (the pool goes) */
    atomic_int reader;      /* a reader_stage */
    atomic_ulong dates_not_set; /* dated rows that updated an existing user: said once, in the summary */
    atomic_ulong finished;      /* rows finished in any order (the report takes them in order) */
    unsigned long submitted;    /* rows handed to be sent: --limit counts them (reader thread only) */
    unsigned long held_back;    /* rows past --limit, not attempted (reader thread only) */
    uint64_t began_ms;          /* cci_now_ms() when the run began: no pause is longer than the run */
} run;

/* One row on its way from the reader to the report. */
typedef struct row_item {
    run *run;
    size_t seq;
    cci_planned_row row;
    const char *confirmed; /* what the journal may record for it (cci_send_row); NULL: nothing */
} row_item;

__attribute__((format(printf, 3, 4))) static void say(const run *r, cci_message_kind kind, const char *fmt, ...)
{
    const cci_import_callbacks *callbacks = &r->config->callbacks;
    if (!callbacks->message) return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    callbacks->message(callbacks->context, kind, text);
}

/* Says the run cannot go on for want of memory; returns false. */
static bool out_of_memory(const run *r, const char *while_doing)
{
    say(r, CCI_MESSAGE_PROBLEM, "out of memory while %s", while_doing);
    return false;
}

/* ---- the rows' way: planned by the reader, sent by a worker, emitted in order ---- */

/* A row is finished (by whichever thread): into the report's order, and a beat of the pulse. */
static void complete_row(run *r, row_item *item)
{
    atomic_fetch_add(&r->finished, 1);
    cci_reorder_complete(r->reorder, item->seq, item);
    cci_pulse_beat(&r->shared.pulse);
}

/* Called in input order, one row at a time (under the reorder's lock). */
static void emit_row(void *item_ptr, void *context)
{
    row_item *item = item_ptr;
    run *r = context;
    cci_user_explain_refusal(&item->row.outcome, &r->mapping, item->row.saved);
    cci_sink_emit(&r->sink, &item->row.outcome, item->row.saved, item->confirmed);
    cci_planned_row_cleanup(&item->row);
    free(item);
}

/* A dated row that reached the app one request at a time: its dates were not kept (only a Data
 * Import create sets them). A created user's row says so; an existing user's only when its
 * createdAt is not the one the app holds, and the summary counts them all once. */
static void say_dates_not_kept(run *r, cci_planned_row *row)
{
    cci_action action = row->outcome.action;
    const char *dates = cci_planned_row_dates(row);
    if (!dates || (action != CCI_ACTION_CREATED && action != CCI_ACTION_UPDATED && action != CCI_ACTION_REACTIVATED))
        return;
    if (action != CCI_ACTION_CREATED) {
        atomic_fetch_add(&r->dates_not_set, 1);
        const cci_app_user *listed = r->app_read ? cci_app_users_find(r->listing.app, row->outcome.uid) : NULL;
        if (listed && !row->last_active_at && listed->created == row->created_at) return; /* the app has it */
    }
    const char *said = row->outcome.message;
    char message[900];
    snprintf(message, sizeof message, "%s%s%s not set: CometChat sets %s only when Data Import creates the user%s",
             said ? said : "", said ? "; " : "", dates, row->created_at && row->last_active_at ? "them" : "it",
             action == CCI_ACTION_CREATED ? " (it was not available in this run)" : ", and this user existed");
    cci_outcome_say(&row->outcome, message);
}

static void send_job(void *job, void *worker_state)
{
    row_item *item = job;
    run *r = item->run;
    cci_planned_row *row = &item->row;
    cci_send_request request = {.uid = row->outcome.uid, .create_body = row->create_body,
                                .update_body = row->update_body, .fingerprint = row->journal_record,
                                .known = row->known, .absent = row->absent, .reactivated = row->reactivated,
                                .changes = row->changes};
    item->confirmed = cci_send_row(&r->shared, worker_state, &request, &row->outcome);
    say_dates_not_kept(r, row);
    complete_row(r, item);
}

/* ---- the Data Import channel's hooks ---- */

static cci_planned_row *row_of_job(void *job)
{
    return &((row_item *)job)->row;
}

static void finish_job(void *job, const char *confirmed)
{
    row_item *item = job;
    item->confirmed = confirmed;
    complete_row(item->run, item);
}

static void channel_note(void *context, const char *text)
{
    say(context, CCI_MESSAGE_NOTE, "%s", text);
}

static void skip_unsent(run *r, row_item *item)
{
    item->row.outcome.action = CCI_ACTION_SKIPPED;
    cci_outcome_say(&item->row.outcome, "not sent: the run stopped early");
    complete_row(r, item);
}

/* A row past --limit: not attempted, and the next run carries on with it. */
static void hold_back(run *r, row_item *item)
{
    char message[160];
    snprintf(message, sizeof message, "not sent: --limit %lu (a canary run sends the first rows that need it); "
                                      "the next run carries on", r->config->limit);
    item->row.outcome.action = CCI_ACTION_SKIPPED;
    cci_outcome_say(&item->row.outcome, message);
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

/* The import pass. Returns false when the input broke mid-way. */
static bool import_rows(run *r, cci_input *input, cci_planner *planner, cci_import_result *result)
{
    cci_record record;
    cci_read_status status;
    unsigned long last_line = 1; /* the header's */
    while ((status = cci_csv_reader_next(input->reader, &record)) == CCI_READ_RECORD) {
        last_line = record.line;
        if (cci_record_is_empty(&record)) {
            result->empty_rows++;
            continue;
        }
        row_item *item = calloc(1, sizeof *item);
        if (!item) {
            cci_stop_request(r->config->stop, CCI_STOP_FATAL, "out of memory");
            say(r, CCI_MESSAGE_PROBLEM, "%s: line %lu and after were not read: out of memory", r->spec.path,
                record.line);
            return true;
        }
        item->run = r;
        item->seq = reserve_row(r);
        bool send = cci_plan_row(planner, &record, &item->row);
        item->row.new_user = r->channel_on && item->row.absent && !item->row.reactivated;
        bool stopped = cci_stop_requested(r->config->stop);
        if (!send && stopped && item->row.outcome.action == CCI_ACTION_UNCHANGED) {
            /* after a stop nothing is compared with the app any more: the rest are skipped */
            item->row.outcome.action = CCI_ACTION_SKIPPED;
            cci_outcome_say(&item->row.outcome, "not compared: the run stopped early");
            complete_row(r, item);
            continue;
        }
        if (!send && item->row.confirm) item->confirmed = item->row.journal_record; /* the app proved it */
        if (!send) {
            complete_row(r, item);
        } else if (r->config->limit && r->submitted >= r->config->limit) {
            hold_back(r, item);
        } else {
            r->submitted++;
            if (stopped || !r->pool || !submit_row(r, item)) skip_unsent(r, item);
        }
    }
    if (status != CCI_READ_ERROR) return true;
    char err[1024];
    cci_input_describe_error(input, &r->spec, err, sizeof err);
    if (!cci_input_changed(input, NULL, 0)) {
        say(r, CCI_MESSAGE_PROBLEM, "%s", err);
        return false;
    }
    /* not a broken file but a moving one: stop, with every row read so far in the report */
    size_t used = strlen(err);
    snprintf(err + used, sizeof err - used, "; nothing after line %lu was read: run again once the file is final",
             last_line);
    cci_stop_request(r->config->stop, CCI_STOP_FATAL, err);
    return true;
}

/* ---- setting up ---- */

/* A connection to the target that an interruption's second signal abandons; NULL, said, on failure. */
static cci_client *connect_to_target(const run *r)
{
    const cci_import_config *config = r->config;
    char err[256];
    char *base = cci_client_base_url(config->base_url, config->app_id, config->region);
    cci_client *client = base ? cci_client_new(base, config->api_key, (long)config->timeout_ms, err, sizeof err) : NULL;
    if (!base) snprintf(err, sizeof err, "out of memory while starting a connection");
    free(base);
    if (client && config->direct) cci_client_go_direct(client);
    if (client) cci_client_abandon_when(client, cci_stop_hurry_flag(config->stop));
    else say(r, CCI_MESSAGE_PROBLEM, "%s", err);
    return client;
}

/* The Data Import channel's connection and state; the pool starts its thread. */
static bool start_channel(run *r)
{
    cci_worker worker = {.random = r->config->random_seed ^ 0xDA7A1A9017ULL, .client = connect_to_target(r)};
    if (!worker.client) return false;
    cci_data_import_init(&r->channel, &r->shared, worker,
                         (cci_data_import_hooks){.row_of = row_of_job, .send_single = send_job,
                                                 .finish = finish_job, .note = channel_note, .context = r});
    return true;
}

static void flush_queue(void *queue)
{
    cci_queue_flush(queue);
}

/* Ends the pool: no more rows, the workers and the channel finish what they hold. */
static void finish_pool(run *r)
{
    if (!r->pool) return;
    pthread_mutex_lock(&r->describing);
    atomic_store(&r->reader, READER_FINISHING);
    pthread_mutex_unlock(&r->describing);
    cci_stop_unsubscribe(r->config->stop, cci_pool_queue(r->pool));
    cci_pool_finish(r->pool);
    r->pool = NULL;
}

static bool start_workers(run *r)
{
    const cci_import_config *config = r->config;
    void **states = calloc(r->worker_count, sizeof *states);
    r->workers = calloc(r->worker_count, sizeof *r->workers);
    bool ok = states && r->workers;
    if (!ok) out_of_memory(r, "starting the workers");
    for (size_t i = 0; ok && i < r->worker_count; i++) {
        r->workers[i].random = config->random_seed + 0x9E3779B97F4A7C15ULL * (i + 1);
        /* the connection that read the app goes on as the first worker's: no extra connection */
        r->workers[i].client = i == 0 && r->lister.client ? r->lister.client : connect_to_target(r);
        if (i == 0) r->lister.client = NULL;
        ok = r->workers[i].client != NULL;
        states[i] = &r->workers[i];
    }
    if (ok && r->channel_on) ok = start_channel(r);
    /* the queue holds two batches, so the channel can fill one while the workers wait */
    size_t capacity = r->worker_count * 4 > 2 * CCI_BATCH_MAX || !r->channel_on ? r->worker_count * 4 : 2 * CCI_BATCH_MAX;
    if (ok && !(r->pool = cci_pool_start_taking(r->worker_count, capacity, send_job, states,
                                                r->channel_on ? cci_data_import_leaves : NULL, &r->channel))) {
        say(r, CCI_MESSAGE_PROBLEM, "cannot start %zu worker threads", r->worker_count);
        ok = false;
    }
    if (ok && r->channel_on && !cci_pool_add_consumer(r->pool, cci_data_import_consume, &r->channel)) {
        say(r, CCI_MESSAGE_PROBLEM, "cannot start the Data Import thread");
        ok = false;
    }
    /* a stop ends every wait on the queue: nothing more comes that a batch should wait for */
    if (r->pool && !cci_stop_subscribe(config->stop, flush_queue, cci_pool_queue(r->pool))) {
        say(r, CCI_MESSAGE_PROBLEM, "cannot watch for the run's stop");
        ok = false;
    }
    free(states);
    return ok;
}

/* What the workers share, set up from the configuration. */
static bool init_shared(run *r, long expected_rows)
{
    const cci_import_config *config = r->config;
    cci_send_shared *shared = &r->shared;
    shared->mode = config->mode;
    shared->max_retries = config->retries;
    shared->stop = config->stop;
    shared->limiter = cci_limiter_new((cci_limiter_config){.rate_per_minute = config->rate_per_minute,
                                                           .max_wait_ms = config->max_wait_ms});
    if (!shared->limiter) return false;
    /* enough retries for a bad day of the service, few enough to end a hopeless run */
    unsigned long budget = expected_rows >= 0 ? (unsigned long)expected_rows + 1000 : 1000000;
    unsigned long in_a_row = (unsigned long)config->workers * (config->retries + 1) * 2;
    cci_retry_budget_init(&shared->retries, budget, in_a_row < 20 ? 20 : in_a_row);
    cci_retry_expect_answers(&shared->retries, 3 * (uint64_t)config->timeout_ms, cci_now_ms());
    cci_update_gate_init(&shared->gate);
    cci_guess_init(&shared->guess);
    for (int b = 0; b < CCI_BUDGET_COUNT; b++) atomic_init(&shared->requests[b], 0);
    cci_pulse_init(&shared->pulse);
    return true;
}

static void cleanup_shared(cci_send_shared *shared)
{
    if (!shared->limiter) return;
    cci_limiter_free(shared->limiter);
    cci_update_gate_cleanup(&shared->gate);
    cci_guess_cleanup(&shared->guess);
}

static bool open_journal(run *r)
{
    const cci_import_config *config = r->config;
    char target[17], err[512];
    cci_journal_target(config->base_url, config->app_id, config->region, target);
    r->journal = cci_journal_open(config->state_path, target, config->dry_run, err, sizeof err);
    if (!r->journal) {
        say(r, CCI_MESSAGE_PROBLEM, "%s", err);
        return false;
    }
    unsigned long adopted = 0;
    if (config->earlier_state_path && !cci_journal_adopt(r->journal, config->earlier_state_path, &adopted, err, sizeof err)) {
        say(r, CCI_MESSAGE_PROBLEM, "%s", err);
        return false;
    }
    if (adopted)
        say(r, CCI_MESSAGE_NOTE, "read %lu users of this app from the earlier journal %s; the app's journal %s holds them now",
            adopted, config->earlier_state_path, config->state_path);
    return true;
}

/* The report and the rejects file, created beside their final names now, so that an output that
 * cannot be written stops the run before anything is sent. A dry run may have neither. */
static bool open_outputs(run *r, const cci_dialect *dialect, const cci_record *header)
{
    const cci_import_config *config = r->config;
    char err[1024];
    bool ok = true;
    cci_rejects *rejects = NULL;
    cci_report *report = NULL;
    if (config->rejects_path)
        ok = (rejects = cci_rejects_new(config->rejects_path, dialect, config->rejects_encoding, header, err,
                                        sizeof err)) != NULL;
    if (ok && config->report_path) ok = (report = cci_report_open(config->report_path, err, sizeof err)) != NULL;
    if (!ok) {
        say(r, CCI_MESSAGE_PROBLEM, "%s; nothing was sent", err);
        cci_rejects_discard(rejects);
        return false;
    }
    cci_sink_init(&r->sink, report, rejects, config->stop, config->problems_kept, config->dry_run);
    r->sink.journal = r->journal;
    return true;
}

/* Renames the outputs into place, any earlier ones kept aside. False when one is not whole. */
static bool close_outputs(run *r)
{
    char kept[1024], err[1024];
    bool rejects_ok = cci_rejects_close(r->sink.rejects, kept, sizeof kept, err, sizeof err);
    if (!rejects_ok) say(r, CCI_MESSAGE_PROBLEM, "%s", err);
    else if (kept[0]) say(r, CCI_MESSAGE_NOTE, "the earlier rejects file was kept as %s", kept);
    bool report_ok = cci_report_close(r->sink.report, kept, sizeof kept, err, sizeof err);
    if (!report_ok) say(r, CCI_MESSAGE_PROBLEM, "%s", err);
    else if (kept[0]) say(r, CCI_MESSAGE_NOTE, "the earlier report was kept as %s", kept);
    r->sink.report = NULL;
    r->sink.rejects = NULL;
    return rejects_ok && report_ok;
}

enum { UNKNOWN_COLUMNS_NAMED = 5 };

/* Whether every column the mapping does not know is one of a report's (report.csv, verify.csv,
 * --plan's): the file is a report this tool wrote, fed back. */
static bool a_report_of_ours(const cci_mapping *m)
{
    if (!m->unknown_count) return false;
    for (size_t i = 0; i < m->unknown_count; i++)
        if (!cci_report_own_column(m->unknown[i].header)) return false;
    return true;
}

/* A few unknown columns get a line each, with a suggestion; many get one line, counted. */
static void warn_unknown_columns(const run *r)
{
    const cci_mapping *m = &r->mapping;
    if (m->skipped && m->tools_shape)
        say(r, CCI_MESSAGE_NOTE, "note: this file has the columns the tool writes, so the settings' --map option%s "
                                 "%s skipped (such as \"%.*s=%s\"): it is read by its own header",
            m->skipped == 1 ? "" : "s", m->skipped == 1 ? "is" : "are", (int)m->first_skipped->column_len,
            m->first_skipped->column, m->first_skipped->field);
    else if (m->skipped)
        say(r, CCI_MESSAGE_NOTE, "note: %zu --map option%s of the settings name%s no column of this file, so %s skipped "
                                 "(such as \"%.*s=%s\"): the file is read by its own header",
            m->skipped, m->skipped == 1 ? "" : "s", m->skipped == 1 ? "s" : "", m->skipped == 1 ? "it is" : "they are",
            (int)m->first_skipped->column_len, m->first_skipped->column, m->first_skipped->field);
    if (a_report_of_ours(m)) {
        say(r, CCI_MESSAGE_NOTE, "note: this file has a report's columns (%s): only its uid column is read", CCI_REPORT_HEADER);
        return;
    }
    if (m->unknown_count > UNKNOWN_COLUMNS_NAMED) {
        char names[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < UNKNOWN_COLUMNS_NAMED && used < sizeof names; i++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s\"%.60s\"", i ? ", " : "", m->unknown[i].header);
        say(r, CCI_MESSAGE_NOTE, "warning: %zu columns are not CometChat fields and are ignored: %s and %zu more "
                                 "(--map \"COLUMN=FIELD\" to use one; --template lists the fields)",
            m->unknown_count, names, m->unknown_count - UNKNOWN_COLUMNS_NAMED);
        return;
    }
    for (size_t i = 0; i < m->unknown_count; i++) {
        const char *header = m->unknown[i].header, *suggestion = m->unknown[i].suggestion;
        if (suggestion)
            say(r, CCI_MESSAGE_NOTE, "warning: column \"%s\" is not a CometChat field and is ignored; did you mean \"%s\"? (--map \"%s=%s\")",
                header, suggestion, header, suggestion);
        else
            say(r, CCI_MESSAGE_NOTE, "warning: column \"%s\" is not a CometChat field and is ignored (--map \"%s=FIELD\" to use it)",
                header, header);
    }
}

/* No output may be the input or another output: one would overwrite the other. Compared as
 * written (two spellings of one path are not caught). */
static bool paths_collide(const run *r)
{
    const cci_import_config *config = r->config;
    const char *names[] = {"the input", "--report", "--rejects", "--state"};
    const char *paths[] = {strcmp(config->input, "-") == 0 ? NULL : config->input, config->report_path,
                           config->rejects_path, config->state_path};
    for (size_t i = 0; i < 4; i++)
        for (size_t j = i + 1; j < 4; j++)
            if (paths[i] && paths[j] && strcmp(paths[i], paths[j]) == 0) {
                say(r, CCI_MESSAGE_PROBLEM, "%s and %s are the same file %s: one would overwrite the other; "
                                            "choose another %s", names[i], names[j], paths[i], names[j]);
                return true;
            }
    return false;
}

/* ---- the target around the rows ---- */

/* The reader's waits while it reads the app: the progress line is not up yet, so they are said. */
static void on_listing_wait(void *context, uint64_t wait_ms, const char *why)
{
    say(context, CCI_MESSAGE_NOTE, "reading the app's users: %s; the next request in %.0f s", why,
        (double)wait_ms / 1000.0 + 0.5);
}

static void on_listing_progress(void *context, unsigned long pages, size_t users)
{
    ((run *)context)->target_answered = true; /* a page was taken: the key, app and region answered */
    if (pages % 50 == 0) say(context, CCI_MESSAGE_NOTE, "reading the app's users: %lu pages, %zu users so far", pages, users);
}

/* Whether the rows' metadata.KEY columns merge into the metadata the app holds (a create-only
 * run touches no existing user). */
static bool merges_metadata(const run *r)
{
    return cci_mapping_merges_metadata(&r->mapping) && r->config->mode != CCI_MODE_CREATE;
}

/* Why the options that need the app's users cannot do without them. */
static const char *needs_listing(const cci_import_config *config)
{
    return config->plan         ? "--plan"
           : config->prune      ? "--prune"
           : config->reactivate ? "--reactivate"
           : config->verify     ? "--verify" /* the app is the truth: drift is planned as an update */
                                : NULL;
}

/* Reads the app when that pays (more rows the journal does not know than pages to read) or when
 * an option needs it. False when the run cannot go on; a listing that cannot be had otherwise
 * leaves the journal to decide, said once. */
/* The first request of a run that sends, and its retries, got no answer at all: the target is
 * not proven and every row would meet the same silence, so the run stops, once, naming the host
 * (exit 3). last: the last error. */
static void give_up_unheard(run *r, cci_import_result *result, const char *last)
{
    result->target_unanswered = true;
    char message[1536];
    snprintf(message, sizeof message, "CometChat is unreachable at %s: the first request and its retries got no "
                                      "answer; the last: %s. Check the host, the network and any proxy",
             cci_client_base(r->lister.client), last);
    cci_stop_request(r->config->stop, CCI_STOP_FATAL, message);
}

/* The first request and its retries were answered, but never as CometChat answers (5xx, a proxy's
 * or a captive portal's page, a path that is not CometChat's API): the target is not proven, and
 * the run stops before any row, once (exit 3). last: the last answer. */
static void give_up_unproven(run *r, cci_import_result *result, const char *last)
{
    result->target_unanswered = true;
    char message[1536];
    unsigned long sent = 0;
    for (int b = 0; b < CCI_BUDGET_COUNT; b++) sent += atomic_load(&r->shared.requests[b]);
    if (cci_limiter_stats_of(r->shared.limiter).rate_limited >= sent && sent) {
        snprintf(message, sizeof message, "CometChat has answered every request with 429 (rate limited) since the run "
                                          "began, %lu of them: another client may be spending the app's whole budget; "
                                          "nothing was sent. Run again later", sent);
        cci_stop_request(r->config->stop, CCI_STOP_FATAL, message);
        return;
    }
    snprintf(message, sizeof message, "CometChat did not answer the first request as CometChat does: %s; nothing was "
                                      "sent. Is %s the app's API, with no proxy or captive portal in the way? Run "
                                      "again when it answers", last, cci_client_base(r->lister.client));
    cci_stop_request(r->config->stop, CCI_STOP_FATAL, message);
}

static bool read_the_app(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    const char *needed_by = needs_listing(config);
    bool merges = merges_metadata(r);
    if (config->dry_run && !config->plan) return true;
    if (!r->census.uids.sealed) {
        if (!needed_by) return true;
        say(r, CCI_MESSAGE_PROBLEM, "%s needs a file it can read twice (not standard input or a pipe); nothing was sent",
            needed_by);
        return false;
    }
    /* by default the app is read whenever it costs fewer pages than the file has rows: a rerun
     * then sees users deleted or deactivated behind its back, and the key proves itself even when
     * nothing needs sending. --trust-journal reads it only when it pays: a row whose uid the
     * journal knows is sent as an update anyway, so for the others (a blind upsert guesses), and
     * for metadata.KEY columns, which need it to merge */
    unsigned long unknown = r->census.uids.count - r->census.journal_knows;
    bool pays = config->trust_journal ? unknown > 0 && r->census.to_send /* uids an invalid row holds are never sent */
                                      : r->census.uids.count > 0;
    merges = merges && r->census.to_send;
    if (!needed_by && !merges && !pays) return true;
    char err[1024];
    r->lister.random = config->random_seed ^ 0x5DEECE66DULL;
    r->lister.waiting = on_listing_wait;
    r->lister.waiting_context = r;
    if (!(r->lister.client = connect_to_target(r))) return false;
    say(r, CCI_MESSAGE_NOTE, "reading the app's users to plan the run (one request for every 1,000 users)");
    unsigned long most_pages = needed_by || merges ? 0 : config->trust_journal ? unknown : r->census.uids.count;
    cci_listing_wants wants = {.names = config->plan || config->prune || config->reactivate, .metadata = merges};
    if (merges && r->census.keys.usable) { /* only the users whose keys differ need theirs kept */
        wants.keep_metadata = cci_census_keep_metadata;
        wants.keep_context = &r->census;
    }
    cci_listing_status status = cci_listing_read(&r->listing, &r->shared, &r->lister, most_pages, wants,
                                                 on_listing_progress, r, err, sizeof err);
    r->lister.waiting = NULL; /* later waits happen under the progress line, which says them */
    if (status == CCI_LISTING_READ) {
        cci_app_counts counts = cci_app_users_counts(r->listing.app);
        r->app_read = result->app_read = true;
        result->listed_pages = r->listing.pages;
        snprintf(result->app_unproven, sizeof result->app_unproven, "%s", r->listing.unproven);
        if (r->listing.proven)
            say(r, CCI_MESSAGE_NOTE, "the app holds %zu active and %zu deactivated user%s (%lu page%s read)",
                counts.active, counts.deactivated, cci_plural(counts.deactivated), r->listing.pages,
                cci_plural(r->listing.pages));
        else
            say(r, CCI_MESSAGE_NOTE, "the app showed %zu active and %zu deactivated user%s in %lu page%s, but the "
                                     "reading is unproven: %s; a user it did not show is unknown, not absent: its row "
                                     "is sent as the journal says", counts.active, counts.deactivated,
                cci_plural(counts.deactivated), r->listing.pages, cci_plural(r->listing.pages), r->listing.unproven);
        return true;
    }
    /* a refused key or plan, or an interruption: the run goes on to mark every row skipped and
     * say why, as when it stops while sending */
    if (cci_stop_requested(config->stop)) return true;
    /* page 1 said how many pages there are, or the key said it may not list: an answer of the app's */
    if (status == CCI_LISTING_TOO_COSTLY || status == CCI_LISTING_REFUSED) r->target_answered = true;
    if (status == CCI_LISTING_TOO_COSTLY) {
        say(r, CCI_MESSAGE_NOTE, "not reading the app: %s, more than the %lu rows %s; they are sent as the "
                                 "journal says", err, most_pages,
            config->trust_journal ? "the journal does not know" : "of the file");
        return true;
    }
    if (needed_by) {
        say(r, CCI_MESSAGE_PROBLEM, "%s needs the app's users and %s%s; nothing was sent", needed_by, err,
            status == CCI_LISTING_REFUSED ? " (this API key may not list users: use a REST API key with full access)" : "");
        return false;
    }
    if (!atomic_load(&r->shared.retries.heard_any)) {
        give_up_unheard(r, result, err);
        return true; /* the rows are marked skipped, as when a run stops while sending */
    }
    if (!r->target_answered && status == CCI_LISTING_FAILED) {
        give_up_unproven(r, result, err);
        return true;
    }
    say(r, CCI_MESSAGE_NOTE, "the app's users could not be read (%s): rows are sent as the journal says%s", err,
        merges ? ", and metadata.KEY columns replace the users' whole metadata" : "");
    return true;
}

static void request_one_user(cci_client *client, void *context, cci_response *response)
{
    (void)context;
    cci_client_list(client, 1, 1, response);
}

/* A run that sends proves its target with its first request: when no listing was tried (the input
 * is read once, or --trust-journal), one user is asked for, so that a wrong key, app or region
 * stops the run before any row, even one whose rows all need nothing (send.c stops on the
 * refusal). --trust-journal is for those who want no request at all: it is not asked. */
static void prove_the_target(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    if (r->lister.client) { /* a listing was tried: its first page answered, or said why not */
        result->target_proven = r->target_answered && !cci_stop_requested(config->stop);
        if (!r->target_answered && cci_stop_requested(config->stop)) result->target_unanswered = true;
        return;
    }
    if (config->dry_run || config->trust_journal || cci_stop_requested(config->stop)) return;
    r->lister.random = config->random_seed ^ 0x5DEECE66DULL;
    if (!(r->lister.client = connect_to_target(r))) return;
    cci_response response;
    cci_answer_class answer = cci_send_call(&r->shared, &r->lister, CCI_BUDGET_STANDARD, request_one_user, NULL, &response);
    if (cci_stop_requested(config->stop)) {
        result->target_unanswered = answer != CCI_ANSWER_OK;
        return;
    }
    /* an auth-only key may not list, and says so: it is a key of this app all the same */
    result->target_proven = answer == CCI_ANSWER_OK || strcmp(response.code, "AUTH_ERR_NO_ACCESS") == 0;
    if (result->target_proven) return;
    if (!atomic_load(&r->shared.retries.heard_any)) give_up_unheard(r, result, response.message);
    else give_up_unproven(r, result, response.message);
}

/* Said of the absent users an unproven listing found: there may be more, which it did not show. */
#define UNPROVEN_ABSENT "; unproven: the reading of the app is incomplete, so more may be absent"

/* What --plan, --prune and --reactivate do before the rows go. False when the run must not go on. */
static bool prepare_the_target(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    char err[1024];
    if (!r->app_read) return true;
    if (config->plan && !config->absent_path) {
        result->absent = cci_target_count_absent(&r->listing, &r->census);
        say(r, CCI_MESSAGE_NOTE, "%lu active user%s of the app %s not in the file (--report PATH keeps the per-row "
                                 "plan, and their list beside it)%s", result->absent, cci_plural(result->absent),
            result->absent == 1 ? "is" : "are", r->listing.proven ? "" : UNPROVEN_ABSENT);
    } else if (config->plan) {
        if (!cci_target_write_absent(&r->listing, &r->census, config->absent_path, &result->absent, err, sizeof err)) {
            say(r, CCI_MESSAGE_PROBLEM, "%s", err);
            return false;
        }
        say(r, CCI_MESSAGE_NOTE, "%lu active users of the app are not in the file: %s lists them%s", result->absent,
            config->absent_path, r->listing.proven ? "" : UNPROVEN_ABSENT);
    }
    if (config->prune && !r->listing.proven) {
        say(r, CCI_MESSAGE_PROBLEM, "--prune %s: it deactivates only on a complete reading of the app, and this one "
                                    "is unproven: %s; nobody was deactivated, nothing was sent",
            config->plan ? "would refuse" : "refused", r->listing.unproven);
        return config->plan; /* --plan says what a run would do, and goes on */
    }
    if (config->prune) {
        unsigned long absent = cci_target_count_absent(&r->listing, &r->census);
        size_t active = cci_app_users_counts(r->listing.app).active;
        unsigned long most = config->prune_max >= 0 ? (unsigned long)config->prune_max : active / 10;
        if (r->census.unreadable) {
            say(r, CCI_MESSAGE_PROBLEM, "--prune: %lu row%s no readable uid, so the file's users are not all known "
                                        "(the report of a run without --prune names them); nothing was sent",
                r->census.unreadable, r->census.unreadable == 1 ? " has" : "s have");
            return false;
        }
        if (absent > most) {
            say(r, CCI_MESSAGE_PROBLEM, "--prune would deactivate %lu of the app's %zu active users, more than "
                                        "--prune-max %lu%s; nothing was sent: check that the file is the whole list, "
                                        "then give --prune-max %lu", absent, active, most,
                config->prune_max >= 0 ? "" : " (a tenth of them)", absent);
            return false;
        }
        if (config->plan) say(r, CCI_MESSAGE_NOTE, "--prune would deactivate those %lu users", absent);
    }
    if (config->reactivate && !config->plan) {
        bool ok = cci_target_reactivate(&r->listing, &r->census, &r->shared, &r->lister, &result->reactivated_in_bulk,
                                        err, sizeof err);
        if (!ok) say(r, CCI_MESSAGE_PROBLEM, "%s: their rows end `deactivated`", err);
        else if (result->reactivated_in_bulk)
            say(r, CCI_MESSAGE_NOTE, "reactivated %lu user%s the file names", result->reactivated_in_bulk,
                cci_plural(result->reactivated_in_bulk));
    }
    return true;
}

/* What --prune and --verify, which go once every row went, may do: never after an interruption,
 * a fatal stop or a broken input. */
static bool run_finished(const cci_import_result *result)
{
    return !result->stopped && !result->input_broke && !result->write_failed;
}

/* The connection for what goes after the rows: the workers are joined, so the first one's is free. */
static cci_worker *after_the_rows(run *r)
{
    return r->lister.client ? &r->lister : &r->workers[0];
}

static void prune(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    if (!config->prune || config->plan || !r->app_read) return;
    if (!run_finished(result)) {
        say(r, CCI_MESSAGE_PROBLEM, "--prune: nobody was deactivated, since the run did not finish");
        result->prune_failed = true;
        return;
    }
    char err[1024];
    cci_worker *worker = after_the_rows(r);
    /* the second look: the app read again just before, proven, so that a user changed, created or
     * gone since the first reading is left alone */
    cci_listing again;
    cci_listing_wants wants = {.names = true};
    cci_listing_status status = cci_listing_read(&again, &r->shared, worker, 0, wants, NULL, NULL, err, sizeof err);
    if (status != CCI_LISTING_READ || !again.proven) {
        say(r, CCI_MESSAGE_PROBLEM, "--prune: nobody was deactivated: the app was read again just before, and %s",
            status != CCI_LISTING_READ ? err : again.unproven);
        result->prune_failed = true;
        cci_listing_cleanup(&again);
        return;
    }
    cci_second_look look = {.listing = &again, .run_began = config->date_rules.now};
    cci_pruning pruning;
    bool ok = cci_target_prune(&r->listing, &r->census, &look, &r->shared, worker, config->pruned_path, &pruning, err,
                               sizeof err);
    cci_listing_cleanup(&again);
    result->pruned = pruning.deactivated;
    result->prune_left_alone = pruning.left_alone;
    if (!ok) {
        say(r, CCI_MESSAGE_PROBLEM, "--prune: %s", err);
        result->prune_failed = true;
    }
    if (result->pruned || !ok)
        say(r, CCI_MESSAGE_NOTE, "deactivated %lu user%s of the app that %s not in the file; %s lists every user whose "
                                 "deactivation was sent (feed it back with --reactivate --mode update to undo)",
            result->pruned, cci_plural(result->pruned), result->pruned == 1 ? "is" : "are", config->pruned_path);
    else if (!pruning.left_alone)
        say(r, CCI_MESSAGE_NOTE, "--prune: the file names every active user of the app: nobody was deactivated");
    if (pruning.left_alone)
        say(r, CCI_MESSAGE_NOTE, "--prune left %lu user%s alone that the file leaves out: changed, deactivated, gone "
                                 "or created since the app was first read", pruning.left_alone,
            cci_plural(pruning.left_alone));
}

/* --verify, once every row went: the app read back, what differs repaired once. */
static void verify(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    if (!config->verify || config->plan || !r->app_read) return;
    if (!run_finished(result)) {
        say(r, CCI_MESSAGE_PROBLEM, "--verify: the app was not read back, since the run did not finish");
        result->verify_failed = true;
        return;
    }
    char err[1024];
    cci_verify_setup setup = {.spec = &r->spec, .mode = config->mode,
                              .merges = merges_metadata(r),
                              .journal = r->journal,
                              .file_uids = &r->census.uids, .shared = &r->shared,
                              .worker = after_the_rows(r), .path = config->verify_path,
                              .progress = on_listing_progress, .context = r};
    if (r->census.keys.usable) {
        setup.keep_metadata = cci_census_keep_metadata;
        setup.keep_context = &r->census;
    }
    say(r, CCI_MESSAGE_NOTE, "--verify: reading the app back to compare every row with it");
    result->verified = cci_verify(&setup, &result->verify, err, sizeof err);
    result->verify_failed = !result->verified;
    if (!result->verified) say(r, CCI_MESSAGE_PROBLEM, "--verify did not finish: %s", err);
}

/* What the run cost: every request, the listing, bulk changes and repairs included. */
static void tally_requests(const run *r, cci_import_result *result)
{
    result->dates_not_set = atomic_load(&r->dates_not_set);
    result->held_back = r->held_back;
    result->requests[CCI_BUDGET_CORE] = atomic_load(&r->shared.requests[CCI_BUDGET_CORE]);
    result->requests[CCI_BUDGET_STANDARD] = atomic_load(&r->shared.requests[CCI_BUDGET_STANDARD]);
    result->requests[CCI_BUDGET_DATA_IMPORT] = atomic_load(&r->shared.requests[CCI_BUDGET_DATA_IMPORT]);
    if (r->channel_on) {
        result->data_import_created = atomic_load(&r->channel.created);
        result->data_import_batches = atomic_load(&r->channel.batches);
        if (atomic_load(&r->channel.refused))
            snprintf(result->data_import_refused, sizeof result->data_import_refused, "%s", r->channel.refusal);
    }
    result->retries = atomic_load(&r->shared.retries.spent);
    cci_limiter_stats limits = cci_limiter_stats_of(r->shared.limiter);
    result->rate_limited = limits.rate_limited;
    result->paused_ms = limits.paused_ms;
    uint64_t elapsed = cci_now_ms() - r->began_ms; /* a pause cut short by the run's end counts to it */
    if (result->paused_ms > elapsed) result->paused_ms = elapsed;
}

/* ---- the run ---- */

enum { STALL_SLACK_MS = 10000 };

/* How long nothing may happen before the watchdog calls it a stall: longer than any wait the run
 * bounds (a request's timeout, a rate limit's pause, a backoff), so a healthy run never meets it. */
static uint64_t stall_ms(const cci_import_config *config)
{
    uint64_t longest = CCI_BACKOFF_CAP_MS;
    if (config->timeout_ms > longest) longest = config->timeout_ms;
    if (config->max_wait_ms > longest) longest = config->max_wait_ms;
    return longest + STALL_SLACK_MS;
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
static void describe_stall(void *context, char *out, size_t len)
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

/* Reads, plans, sends and emits every row; the outputs are open. */
static void drive(run *r, cci_input *input, long expected_rows, cci_import_result *result)
{
    const cci_import_callbacks *callbacks = &r->config->callbacks;
    cci_planner planner;
    if (!cci_planner_init(&planner, &r->mapping, r->config->mode, r->config->dry_run, r->config->force, r->journal)) {
        out_of_memory(r, "setting up the planner");
        return;
    }
    if (r->census.uids.sealed) {
        planner.file_uids = &r->census.uids;
        planner.padding = &r->census.padding;
    }
    if (r->app_read) {
        planner.app = r->listing.app;
        planner.app_proven = r->listing.proven;
        planner.app_metadata = r->listing.metadata;
    }
    planner.plan = r->config->plan;
    planner.reactivate = r->config->reactivate;
    cci_progress_source source = {.counts = r->sink.counts, .finished = &r->finished, .total = expected_rows,
                                  .limiter = r->shared.limiter};
    if (callbacks->sending_started) callbacks->sending_started(callbacks->context, &source);
    result->started = true;
    cci_watchdog *watchdog = cci_watchdog_start(&r->shared.pulse, stall_ms(r->config), r->config->stop, describe_stall, r);
    cci_pulse_begin(&r->shared.pulse); /* the reader at its input */
    result->input_broke = !import_rows(r, input, &planner, result);
    cci_pulse_end(&r->shared.pulse);
    finish_pool(r);
    cci_reorder_wait_all(r->reorder);
    cci_watchdog_finish(watchdog);
    if (callbacks->sending_ended) callbacks->sending_ended(callbacks->context);
    cci_planner_cleanup(&planner);
}

/* Closes the outputs and gathers what the summary says. */
static void conclude(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    result->rejected = r->sink.rejects ? cci_rejects_count(r->sink.rejects) : 0;
    result->write_failed = !close_outputs(r) || r->sink.write_failed;
    result->journal_failed = r->sink.journal_failed;
    if (r->sink.rejects_lost) {
        result->write_failed = true;
        say(r, CCI_MESSAGE_PROBLEM, "%lu invalid or failed rows are in the report but not in %s: out of memory",
            r->sink.rejects_lost, config->rejects_path);
    }
    cci_sink_finish(&r->sink, result);
    result->stopped = cci_stop_requested(config->stop);
    cci_stop_reason(config->stop, result->stop_reason, sizeof result->stop_reason);
    if (result->stopped && r->sink.write_failed)
        say(r, CCI_MESSAGE_PROBLEM, "stopped early: %s; no request was sent after it, the requests in flight "
                                    "were finished, and the journal holds only rows the report has: make room "
                                    "and run again", result->stop_reason);
    else if (result->stopped)
        say(r, CCI_MESSAGE_PROBLEM, "stopped early: %s; the rows not sent are marked skipped", result->stop_reason);
    result->updates_refused = cci_update_gate_state(&r->shared.gate) == CCI_UPDATES_REFUSED;
    if (result->updates_refused)
        say(r, CCI_MESSAGE_PROBLEM, "the API key may only create users (an Auth Key): rows whose uid already "
                                    "existed were not updated and are marked failed; use a REST API key with "
                                    "full access to update them");
}

void cci_import(const cci_import_config *config, cci_import_result *result)
{
    *result = (cci_import_result){0};
    run r = {.config = config,
             .spec = {.path = config->input, .delimiter = config->delimiter, .encoding = config->encoding,
                      .maps = config->maps, .map_count = config->map_count,
                      .max_record_bytes = config->max_record_bytes, .max_columns = config->max_columns,
                      .date_rules = config->date_rules, .stop = config->stop,
                      .name_required = config->mode != CCI_MODE_UPDATE},
             .worker_count = config->dry_run ? 0 : config->workers};
    char err[1024];
    cci_input input = {0};
    cci_record header;
    pthread_mutex_init(&r.describing, NULL);
    atomic_init(&r.reader, READER_READING);
    atomic_init(&r.dates_not_set, 0);
    atomic_init(&r.finished, 0);
    r.began_ms = cci_now_ms();
    if (paths_collide(&r)) goto out;
    if (!cci_input_open(&input, &r.spec, err, sizeof err)) {
        say(&r, CCI_MESSAGE_PROBLEM, "%s", err);
        goto out;
    }
    /* a regular file is read twice: nothing is sent unless the whole of it reads and decodes, and
     * what only the whole file shows (repeated uids, ids that lost their zeros) is known before
     * the first row; a dry run reads it twice too, to find the same problems a run would */
    if (!open_journal(&r)) goto out;
    long expected_rows = -1;
    r.census.journal = r.journal;
    r.census.name_required = r.spec.name_required;
    if (cci_input_rereadable(&input)) {
        if ((expected_rows = cci_input_preflight(&input, &r.spec, cci_census_visit, &r.census, err, sizeof err)) < 0) {
            say(&r, CCI_MESSAGE_PROBLEM, "%s", err);
            goto out;
        }
        if (r.census.out_of_memory) {
            out_of_memory(&r, "counting the file's uids");
            goto out;
        }
        cci_uid_set_seal(&r.census.uids);
    }
    if (!init_shared(&r, expected_rows)) {
        out_of_memory(&r, "setting up the rate limiter");
        goto out;
    }
    if (!cci_input_header(&input, &r.spec, &header, &r.mapping, err, sizeof err)) {
        say(&r, CCI_MESSAGE_PROBLEM, "%s", err);
        goto out;
    }
    warn_unknown_columns(&r);
    result->dialect = cci_csv_reader_dialect(input.reader);
    if (!open_outputs(&r, &result->dialect, &header)) goto out;
    if (!read_the_app(&r, result)) goto out;
    prove_the_target(&r, result);
    if (!prepare_the_target(&r, result)) goto out;
    /* new users go through Data Import too when the app says which they are */
    r.channel_on = r.worker_count && r.app_read && !config->data_import_off && !config->plan &&
                   config->mode != CCI_MODE_UPDATE;
    size_t in_flight = ROWS_PER_WORKER_IN_FLIGHT * (r.worker_count ? r.worker_count : 1) +
                       (r.channel_on ? 4 * CCI_BATCH_MAX : 0); /* the queue's two batches, one in flight, one carried */
    if (!(r.reorder = cci_reorder_new(in_flight, emit_row, &r))) {
        out_of_memory(&r, "setting up the report's ordering");
        goto out;
    }
    if (r.worker_count && !start_workers(&r)) goto out;
    drive(&r, &input, expected_rows, result);
    conclude(&r, result);
    prune(&r, result);
    verify(&r, result);
    tally_requests(&r, result);
out:
    finish_pool(&r);
    for (size_t i = 0; r.workers && i < r.worker_count; i++) cci_client_free(r.workers[i].client);
    if (r.channel_on) cci_client_free(r.channel.worker.client);
    free(r.workers);
    /* still open: the run never started, and leaves any earlier outputs as they were */
    cci_report_discard(r.sink.report);
    cci_rejects_discard(r.sink.rejects);
    cci_reorder_free(r.reorder);
    cci_mapping_cleanup(&r.mapping);
    cci_listing_cleanup(&r.listing);
    cci_census_cleanup(&r.census);
    cci_client_free(r.lister.client);
    cleanup_shared(&r.shared);
    result->journal_used = r.journal && !config->dry_run;
    result->known_before = r.journal ? cci_journal_stats_of(r.journal).known : 0;
    if (!cci_journal_close(r.journal) && !result->journal_failed) {
        say(&r, CCI_MESSAGE_PROBLEM, "could not write the state journal %s completely", config->state_path);
        result->journal_failed = true;
    }
    cci_input_close(&input);
    pthread_mutex_destroy(&r.describing);
}

void cci_import_result_cleanup(cci_import_result *result)
{
    for (size_t i = 0; i < result->problem_count; i++) free(result->problems[i]);
    free(result->problems);
    for (size_t i = 0; i < result->sample_count; i++) free(result->samples[i]);
    *result = (cci_import_result){0};
}
