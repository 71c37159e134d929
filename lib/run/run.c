/* The lifecycle of one import: set up, read and plan every row, send through the pool, emit in
 * order, tear down, and say what happened in the result. */
#include "run_parts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

__attribute__((format(printf, 3, 4))) void run_say(const run *r, cci_message_kind kind, const char *fmt, ...)
{
    const cci_import_callbacks *callbacks = &r->config->callbacks;
    if (!callbacks->message || (r->muted && kind == CCI_MESSAGE_NOTE)) return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    callbacks->message(callbacks->context, kind, text);
}

/* Says the run cannot go on for want of memory; returns false. */
bool run_out_of_memory(const run *r, const char *while_doing)
{
    run_say(r, CCI_MESSAGE_PROBLEM, "out of memory while %s", while_doing);
    return false;
}

/* ---- setting up ---- */

/* A connection to the target that an interruption's second signal abandons; NULL, said, on failure. */
cci_client *run_connect_to_target(const run *r)
{
    const cci_import_config *config = r->config;
    char err[256];
    char *base = cci_client_base_url(config->base_url, config->app_id, config->region);
    cci_client *client = NULL;
    if (!base) snprintf(err, sizeof err, "out of memory while starting a connection");
    else cci_client_new(&client, base, config->api_key, (long)config->timeout_ms, err, sizeof err); /* err said */
    free(base);
    if (client && config->direct) cci_client_go_direct(client);
    if (client) cci_client_abandon_when(client, cci_stop_hurry_flag(config->stop));
    else run_say(r, CCI_MESSAGE_PROBLEM, "%s", err);
    return client;
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
    if (!ok) run_out_of_memory(r, "starting the workers");
    for (size_t i = 0; ok && i < r->worker_count; i++) {
        r->workers[i].random = config->random_seed + 0x9E3779B97F4A7C15ULL * (i + 1);
        /* the connection that read the app goes on as the first worker's: no extra connection */
        r->workers[i].client = i == 0 && r->lister.client ? r->lister.client : run_connect_to_target(r);
        if (i == 0) r->lister.client = NULL;
        ok = r->workers[i].client != NULL;
        states[i] = &r->workers[i];
    }
    if (ok && r->channel_on) ok = run_start_channel(r);
    /* the queue holds two batches, so the channel can fill one while the workers wait */
    size_t capacity = r->worker_count * 4 > 2 * CCI_BATCH_MAX || !r->channel_on ? r->worker_count * 4 : 2 * CCI_BATCH_MAX;
    if (ok && !(r->pool = cci_pool_start_taking(r->worker_count, capacity, run_send_job, states,
                                                r->channel_on ? cci_data_import_leaves : NULL, &r->channel))) {
        run_say(r, CCI_MESSAGE_PROBLEM, "cannot start %zu worker threads", r->worker_count);
        ok = false;
    }
    if (ok && r->channel_on && !cci_pool_add_consumer(r->pool, cci_data_import_consume, &r->channel)) {
        run_say(r, CCI_MESSAGE_PROBLEM, "cannot start the Data Import thread");
        ok = false;
    }
    /* a stop ends every wait on the queue: nothing more comes that a batch should wait for */
    if (r->pool && !cci_stop_subscribe(config->stop, flush_queue, cci_pool_queue(r->pool))) {
        run_say(r, CCI_MESSAGE_PROBLEM, "cannot watch for the run's stop");
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
    atomic_init(&shared->dates_not_set, 0);
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

/* What the run cost: every request, the listing, bulk changes and repairs included. */
static void tally_requests(const run *r, cci_import_result *result)
{
    result->dates_not_set = atomic_load(&r->shared.dates_not_set);
    result->held_back = r->held_back;
    result->requests[CCI_BUDGET_CORE] = atomic_load(&r->shared.requests[CCI_BUDGET_CORE]);
    result->requests[CCI_BUDGET_STANDARD] = atomic_load(&r->shared.requests[CCI_BUDGET_STANDARD]);
    result->requests[CCI_BUDGET_DATA_IMPORT] = atomic_load(&r->shared.requests[CCI_BUDGET_DATA_IMPORT]);
    if (r->channel_on) {
        result->data_import_created = atomic_load(&r->channel.created);
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

/* Reads, plans, sends and emits every row; the outputs are open. */
static void drive(run *r, cci_input *input, long expected_rows, cci_import_result *result)
{
    const cci_import_callbacks *callbacks = &r->config->callbacks;
    cci_planner planner;
    if (!cci_planner_init(&planner, &r->mapping, r->config->mode, r->config->dry_run, r->config->force, r->journal)) {
        run_out_of_memory(r, "setting up the planner");
        return;
    }
    if (r->census.uids.sealed) {
        planner.file_uids = &r->census.uids;
        planner.padding = &r->census.padding;
    }
    r->muted = false; /* what the rows say is new */
    if (r->app_read) {
        planner.app = r->listing.app;
        planner.app_proven = r->listing.proven;
        planner.app_metadata = r->listing.metadata;
    }
    planner.plan = r->config->plan;
    planner.reactivate = r->config->reactivate;
    if (r->reading_once) cci_planner_read_once(&planner, &r->one_pass); /* once the app is known */
    if (r->padding_known) planner.padding = r->padding_known;
    cci_progress_source source = {.counts = r->sink.counts, .finished = &r->finished, .total = expected_rows,
                                  .limiter = r->shared.limiter};
    if (callbacks->sending_started) callbacks->sending_started(callbacks->context, &source);
    result->started = true;
    cci_watchdog *watchdog = cci_watchdog_start(&r->shared.pulse, stall_ms(r->config), r->config->stop, run_describe_stall, r);
    cci_pulse_begin(&r->shared.pulse); /* the reader at its input */
    result->input_broke = !run_import_rows(r, input, &planner, result);
    cci_pulse_end(&r->shared.pulse);
    finish_pool(r);
    cci_reorder_wait_all(r->reorder);
    if (r->reading_once) cci_sink_settle(&r->sink); /* written behind: whole or not, known before refused_whole */
    run_release_ring(r);
    cci_watchdog_finish(watchdog);
    if (callbacks->sending_ended) callbacks->sending_ended(callbacks->context);
    cci_planner_cleanup(&planner);
}

/* Closes the outputs and gathers what the summary says. */
static void conclude(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    result->rejected = r->sink.rejects ? cci_rejects_count(r->sink.rejects) : 0;
    result->write_failed = !run_close_outputs(r) || r->sink.write_failed;
    result->journal_failed = r->sink.journal_failed;
    if (r->sink.rejects_lost) {
        result->write_failed = true;
        run_say(r, CCI_MESSAGE_PROBLEM, "%lu invalid or failed rows are in the report but not in %s: out of memory",
            r->sink.rejects_lost, config->rejects_path);
    }
    cci_sink_finish(&r->sink, result);
    result->stopped = cci_stop_requested(config->stop);
    cci_stop_reason(config->stop, result->stop_reason, sizeof result->stop_reason);
    if (result->stopped && r->sink.write_failed)
        run_say(r, CCI_MESSAGE_PROBLEM, "stopped early: %s; no request was sent after it, the requests in flight "
                                    "were finished, and the journal holds only rows the report has: make room "
                                    "and run again", result->stop_reason);
    else if (result->stopped)
        run_say(r, CCI_MESSAGE_PROBLEM, "stopped early: %s; the rows not sent are marked skipped", result->stop_reason);
    if (cci_update_gate_state(&r->shared.gate) == CCI_UPDATES_REFUSED)
        run_say(r, CCI_MESSAGE_PROBLEM, "the API key may only create users (an Auth Key): rows whose uid already "
                                    "existed were not updated and are marked failed; use a REST API key with "
                                    "full access to update them");
}

/* The input opened and read once through (a regular file), the journal, the header's mapping and
 * the outputs: everything before the app is read. False, said, when the run cannot start. */
static bool open_the_run(run *r, cci_input *input, long *expected_rows, cci_import_result *result)
{
    char err[1024];
    cci_record header;
    if (run_paths_collide(r)) return false;
    if (cci_input_open(input, &r->spec, err, sizeof err) != CCI_OK) {
        run_say(r, CCI_MESSAGE_PROBLEM, "%s", err);
        return false;
    }
    char why[256];
    if (r->first_file && !cci_input_is(input, r->first_file, why, sizeof why)) { /* opened again by its name */
        snprintf(err, sizeof err, "%s changed between its two readings: %s; run again once the file is final", r->spec.path,
                 why);
        cci_stop_request(r->config->stop, CCI_STOP_FATAL, err);
        run_say(r, CCI_MESSAGE_PROBLEM, "%s; nothing was sent", err);
        return false;
    }
    (void)cci_input_identity(input, &r->file);
    /* a regular file is read twice: nothing is sent unless the whole of it reads and decodes, and
     * what only the whole file shows (repeated uids, ids that lost their zeros) is known before
     * the first row. A dry run sends nothing: it reads the file once, learning as it goes, and
     * again only when the end shows a row planned otherwise (cci_one_pass_unsettled) */
    if (!run_open_journal(r)) return false;
    r->census.journal = r->journal;
    r->census.name_required = r->spec.name_required;
    r->census.stop = r->config->stop;
    r->reading_once = r->reading_once && cci_input_rereadable(input);
    struct stat file;
    /* a users export spends some 100 bytes a row: room for its uids from the start (best effort) */
    if (r->reading_once && input->file && fstat(fileno(input->file), &file) == 0)
        (void)cci_uid_lines_reserve(&r->one_pass.first_lines, (size_t)file.st_size / 64);
    if (cci_input_rereadable(input) && !r->reading_once) {
        if (cci_input_preflight(input, &r->spec, cci_census_visit, &r->census, expected_rows, err, sizeof err) !=
            CCI_OK) {
            run_say(r, CCI_MESSAGE_PROBLEM, "%s", err);
            return false;
        }
        if (r->census.out_of_memory) return run_out_of_memory(r, "counting the file's uids");
        cci_uid_set_seal(&r->census.uids);
    }
    if (!init_shared(r, *expected_rows)) return run_out_of_memory(r, "setting up the rate limiter");
    if (cci_input_header(input, &r->spec, &header, &r->mapping, err, sizeof err) != CCI_OK) {
        run_say(r, CCI_MESSAGE_PROBLEM, "%s", err);
        return false;
    }
    run_warn_unknown_columns(r);
    result->dialect = cci_input_dialect(input);
    return run_open_outputs(r, &result->dialect, &header);
}

/* The reorder window and the workers (and the Data Import channel when the app says which users
 * are new). False, said, on failure. */
static bool start_sending(run *r)
{
    const cci_import_config *config = r->config;
    r->channel_on = r->worker_count && r->app_read && !config->data_import_off && !config->plan &&
                    config->mode != CCI_MODE_UPDATE;
    size_t in_flight = r->worker_count ? ROWS_PER_WORKER_IN_FLIGHT * r->worker_count +
                                             (r->channel_on ? 4 * CCI_BATCH_MAX : 0) /* the queue's two batches, one in flight, one carried */
                                       : DRY_RUN_ROWS_IN_FLIGHT;
    if (!(r->reorder = cci_reorder_new(in_flight, run_emit_row, r)))
        return run_out_of_memory(r, "setting up the report's ordering");
    /* a dry run's rows are finished as planned: a thread of their own writes their report lines */
    if (!r->worker_count && cci_reorder_emit_behind(r->reorder)) {
        if (!(r->ring = calloc(in_flight, sizeof *r->ring))) return run_out_of_memory(r, "setting up the dry run's rows");
        r->ring_size = in_flight;
    }
    return !r->worker_count || start_workers(r);
}

/* Everything the run holds, freed; outputs never finished are discarded (earlier ones stay). */
static void tear_down(run *r, cci_input *input, cci_import_result *result)
{
    finish_pool(r);
    for (size_t i = 0; r->workers && i < r->worker_count; i++) cci_client_free(r->workers[i].client);
    if (r->channel_on) cci_client_free(r->channel.worker.client);
    free(r->workers);
    cci_report_discard(r->sink.report);
    cci_rejects_discard(r->sink.rejects);
    cci_reorder_free(r->reorder);
    free(r->ring); /* its rows were released by drive, once every one was emitted */
    cci_mapping_cleanup(&r->mapping);
    cci_listing_cleanup(&r->listing);
    cci_census_cleanup(&r->census);
    cci_one_pass_cleanup(&r->one_pass);
    cci_client_free(r->lister.client);
    cleanup_shared(&r->shared);
    result->journal_used = r->journal && !r->config->dry_run;
    result->known_before = r->journal ? cci_journal_stats_of(r->journal).known : 0;
    result->journal_damaged = r->journal ? cci_journal_stats_of(r->journal).ignored : 0;
    if (!cci_journal_close(r->journal) && !result->journal_failed) {
        run_say(r, CCI_MESSAGE_PROBLEM, "could not write the state journal %s completely", r->config->state_path);
        result->journal_failed = true;
    }
    cci_input_close(input);
    pthread_mutex_destroy(&r->describing);
}

/* The rows of a dry run read once may differ from the whole file's: it is read again, knowing the
 * padding the first reading learned. */
static bool must_read_again(const run *r, const cci_import_result *result)
{
    if (!r->reading_once || r->padding_known || !cci_one_pass_unsettled(&r->one_pass) || result->input_broke ||
        cci_stop_requested(r->config->stop))
        return false;
    run_say(r, CCI_MESSAGE_NOTE, "the file's numeric uids are padded with zeros: reading it again, to find the ones "
                                 "that lost theirs");
    return true;
}

/* A dry run reading a file once that broke or was stopped is refused whole, as a run's preflight
 * refuses it: no report (its rows may not be what the whole file says). Said. */
static bool refused_whole(const run *r, const cci_import_result *result)
{
    if (!r->reading_once) return false;
    if (!result->input_broke && cci_stop_requested(r->config->stop)) {
        char why[600]; /* an interrupt was said as it came; a fatal stop is said here, or never */
        cci_stop_reason(r->config->stop, why, sizeof why);
        run_say(r, CCI_MESSAGE_PROBLEM, "%s: the run was stopped while the file was read (%s); nothing was sent",
                r->config->input, why);
    }
    return result->input_broke || cci_stop_requested(r->config->stop);
}

/* What a dry run's first reading hands the second: the padding it learned, and the file it read. */
typedef struct first_reading {
    cci_padding padding;
    cci_file_identity file;
} first_reading;

/* One import; reading_once asks for a dry run's single reading. A second reading is given what the
 * first learned in known, and its setup's notes are not said again. True when the file must be
 * read again (must_read_again): what this reading learned is in *learned, the outputs were
 * discarded, nothing was concluded. */
static bool import_once(const cci_import_config *config, cci_import_result *result, bool reading_once,
                        const first_reading *known, first_reading *learned)
{
    const cci_padding *padding_known = known ? &known->padding : NULL;
    *result = (cci_import_result){0};
    run r = {.config = config,
             .spec = {.path = config->input, .delimiter = config->delimiter, .encoding = config->encoding,
                      .maps = config->maps, .map_count = config->map_count,
                      .max_record_bytes = config->max_record_bytes, .max_columns = config->max_columns,
                      .date_rules = config->date_rules, .stop = config->stop, .sheet = config->sheet, .header_row = config->header_row,
                      .name_required = config->mode != CCI_MODE_UPDATE},
             .worker_count = config->dry_run ? 0 : config->workers, .reading_once = reading_once,
             .padding_known = padding_known, .first_file = known ? &known->file : NULL,
             .muted = padding_known != NULL};
    cci_input input = {0};
    pthread_mutex_init(&r.describing, NULL);
    atomic_init(&r.reader, READER_READING);
    atomic_init(&r.finished, 0);
    r.began_ms = cci_now_ms();
    long expected_rows = -1;
    bool read_again = false, refused = false;
    bool opened = open_the_run(&r, &input, &expected_rows, result);
    if (!opened) result->stopped = cci_stop_requested(config->stop); /* a signal, not the input, ended it */
    if (opened && run_read_the_app(&r, result)) {
        run_prove_the_target(&r, result);
        if (run_prepare_the_target(&r, result) && start_sending(&r)) {
            drive(&r, &input, expected_rows, result);
            read_again = must_read_again(&r, result);
            refused = !read_again && refused_whole(&r, result);
            if (read_again || refused) cci_sink_finish(&r.sink, result); /* to be freed with the result */
            else {
                conclude(&r, result);
                run_prune(&r, result);
                run_verify(&r, result);
                tally_requests(&r, result);
            }
        }
    }
    if (read_again) *learned = (first_reading){.padding = r.one_pass.padding, .file = r.file};
    tear_down(&r, &input, result);
    if (read_again || refused) cci_import_result_cleanup(result);
    if (refused) result->stopped = cci_stop_requested(config->stop);
    return read_again;
}

void cci_import(const cci_import_config *config, cci_import_result *result)
{
    bool dry_run_alone = config->dry_run && !config->plan;
    first_reading learned;
    if (import_once(config, result, dry_run_alone, NULL, &learned)) import_once(config, result, true, &learned, NULL);
}

void cci_import_result_cleanup(cci_import_result *result)
{
    for (size_t i = 0; i < result->problem_count; i++) free(result->problems[i]);
    free(result->problems);
    for (size_t i = 0; i < result->sample_count; i++) free(result->samples[i]);
    *result = (cci_import_result){0};
}
