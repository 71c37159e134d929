#include "send/data_import.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cci_data_import_init(cci_data_import *channel, cci_send_shared *shared, cci_worker worker, cci_note_fn note,
                          void *note_context)
{
    *channel = (cci_data_import){.shared = shared, .worker = worker, .note = note, .note_context = note_context,
                                 .shape = CCI_BATCH_OBJECT};
    atomic_init(&channel->refused, false);
    atomic_init(&channel->created, 0);
    atomic_init(&channel->held, 0);
    atomic_init(&channel->stage, CCI_CHANNEL_WAITING_FOR_ROWS);
}

const char *cci_channel_stage_name(cci_channel_stage stage)
{
    switch (stage) {
    case CCI_CHANNEL_WAITING_FOR_ROWS: return "waits for new users";
    case CCI_CHANNEL_WAITING_FOR_BUDGET: return "waits for its budget";
    case CCI_CHANNEL_SENDING: return "sends a batch";
    case CCI_CHANNEL_WORKER: return "works as one more worker";
    case CCI_CHANNEL_DONE: return "has ended";
    }
    return "?";
}

bool cci_data_import_takes(const void *job, void *context)
{
    cci_data_import *channel = context;
    return !atomic_load(&channel->refused) && ((const cci_send_job *)job)->row.new_user;
}

bool cci_data_import_leaves(const void *job, void *context)
{
    cci_data_import *channel = context;
    const cci_planned_row *row = &((const cci_send_job *)job)->row;
    return !(row->new_user && cci_planned_row_dates(row)) || atomic_load(&channel->refused);
}

/* ---- settling one row ---- */

static void settle(cci_data_import *channel, cci_send_job *job, cci_action action, long status, const char *code,
                   const char *message, const char *refused_field)
{
    cci_planned_row *row = &job->row;
    row->outcome.action = action;
    row->outcome.http_status = status;
    snprintf(row->outcome.error_code, sizeof row->outcome.error_code, "%s", code ? code : "");
    snprintf(row->outcome.refused_field, sizeof row->outcome.refused_field, "%s", refused_field ? refused_field : "");
    cci_outcome_say(&row->outcome, message);
    if (action == CCI_ACTION_CREATED) atomic_fetch_add(&channel->created, 1);
    cci_send_job_finish(job, action == CCI_ACTION_CREATED ? row->journal_record : NULL);
}

static void created(cci_data_import *channel, cci_send_job *job, long status, const char *how)
{
    const char *dates = cci_planned_row_dates(&job->row);
    char message[300];
    snprintf(message, sizeof message, "via data import%s%s", dates ? ", with " : "", dates ? dates : "");
    if (how) snprintf(message + strlen(message), sizeof message - strlen(message), "; %s", how);
    settle(channel, job, CCI_ACTION_CREATED, status, NULL, message, NULL);
}

/* The row goes on as a worker would send it: known says the uid exists (an update), absent that
 * it does not (a create), neither that the service decides. Once the channel is refused, the rows
 * it holds go back to the queue for every worker to share (sent here one after another, a batch's
 * worth of failing rows would take fifty times as long); until then it sends the few itself. */
static void send_single(cci_data_import *channel, cci_send_job *job, bool known, bool absent)
{
    cci_planned_row *row = &job->row;
    row->known = known;
    row->absent = absent;
    row->new_user = false;
    if (atomic_load(&channel->refused) && !cci_stop_requested(channel->shared->stop)) cci_queue_return(channel->queue, job);
    else cci_send_job_send(channel->shared, &channel->worker, job);
}

static void get_user(cci_client *client, void *uid, cci_response *response)
{
    cci_client_get(client, uid, response);
}

/* A uid an attempt whose answer was lost may have written: read back, it is `created` when the app
 * holds what was sent; it goes on as an update when it holds something else, and into a later
 * batch (or, after two, a single create) when it is not there. */
static void confirm_or_send(cci_data_import *channel, cci_send_job *job, const cci_batch_user *sent)
{
    cci_planned_row *row = &job->row;
    cci_response last;
    cci_answer_class answer = cci_send_optional_call(channel->shared, &channel->worker, CCI_BUDGET_STANDARD, get_user,
                                                     (void *)sent->uid, &last);
    row->outcome.attempts++;
    size_t len;
    const char *body = cci_client_answer(channel->worker.client, &len);
    if (answer == CCI_ANSWER_OK && cci_batch_user_held(sent, body, len)) {
        created(channel, job, last.status, "it existed when the batch arrived, holding what was sent: an attempt of "
                                           "this run whose answer was lost wrote it");
    } else if (answer == CCI_ANSWER_OK) {
        send_single(channel, job, true, false);
    } else if (answer == CCI_ANSWER_NOT_FOUND && row->batches < 2 && !atomic_load(&channel->refused) &&
               channel->carried_count < CCI_BATCH_MAX) {
        channel->carried[channel->carried_count++] = job;
    } else {
        send_single(channel, job, false, answer == CCI_ANSWER_NOT_FOUND);
    }
}

/* ---- one batch ---- */

typedef struct batch_call {
    const char *body;
    unsigned attempts;
    bool uncertain; /* an attempt may have been applied without a readable answer */
} batch_call;

static void post_batch(cci_client *client, void *context, cci_response *response)
{
    batch_call *call = context;
    cci_client_data_import(client, call->body, response);
    call->attempts++;
    if (response->transport != CCI_TRANSPORT_OK || response->status >= 500) call->uncertain = true;
}

/* The endpoint is not for this run: said once, and the workers take the dated rows too. */
static void refuse(cci_data_import *channel, const char *why)
{
    snprintf(channel->refusal, sizeof channel->refusal, "%s", why);
    atomic_store(&channel->refused, true);
    cci_queue_wake(channel->queue);
    char text[800];
    snprintf(text, sizeof text, "Data Import is not available (%s): new users are created one at a time for the "
                                "rest of the run, without their createdAt and lastActiveAt", why);
    channel->note(channel->note_context, text);
}

/* Each row of a batch whose answer says nothing readable about it. */
static void settle_unknown(cci_data_import *channel, void **jobs, const cci_batch_user *users, size_t count,
                           bool uncertain)
{
    for (size_t i = 0; i < count; i++) {
        if (cci_stop_requested(channel->shared->stop) || !uncertain) send_single(channel, jobs[i], false, true);
        else confirm_or_send(channel, jobs[i], &users[i]);
    }
}

static void settle_answers(cci_data_import *channel, void **jobs, const cci_batch_user *users,
                           const cci_batch_answer *answers, size_t count, const cci_response *last)
{
    for (size_t i = 0; i < count; i++) {
        const cci_batch_answer *a = &answers[i];
        char message[700];
        switch (a->result) {
        case CCI_BATCH_CREATED: created(channel, jobs[i], last->status, NULL); break;
        case CCI_BATCH_EXISTS:
            /* absent when the app was read: this run may have written it (libcurl resends a
             * request whose reused connection closed unanswered, so even a clean answer can be
             * the second), and what the app holds decides */
            confirm_or_send(channel, jobs[i], &users[i]);
            break;
        case CCI_BATCH_REFUSED:
            snprintf(message, sizeof message, "data import refused the user: %s", a->message);
            settle(channel, jobs[i], CCI_ACTION_FAILED, last->status, a->code, message, a->refused_field);
            break;
        case CCI_BATCH_UNANSWERED: confirm_or_send(channel, jobs[i], &users[i]); break;
        }
    }
}

static void send_batch(cci_data_import *channel, void **jobs, size_t count)
{
    cci_batch_user users[CCI_BATCH_MAX];
    for (size_t i = 0; i < count; i++) {
        cci_planned_row *row = &((cci_send_job *)jobs[i])->row;
        row->batches++;
        users[i] = (cci_batch_user){.uid = row->outcome.uid, .create_body = row->create_body,
                                    .created_at = row->created_at, .last_active_at = row->last_active_at};
    }
    batch_call call = {0};
    cci_response last;
    cci_answer_class answer;
    for (;;) {
        char *body = cci_batch_body(users, count, channel->shape);
        if (!body) {
            settle_unknown(channel, jobs, users, count, call.uncertain);
            return;
        }
        call.body = body;
        answer = cci_send_optional_call(channel->shared, &channel->worker, CCI_BUDGET_DATA_IMPORT, post_batch, &call, &last);
        free(body);
        /* the other shape, once, when the service asks for it */
        if (answer != CCI_ANSWER_FINAL || strcmp(last.code, "ERR_IMPORT_INVALID_USER_FORMAT") != 0 ||
            channel->shape == CCI_BATCH_ARRAY)
            break;
        channel->shape = CCI_BATCH_ARRAY;
    }
    for (size_t i = 0; i < count; i++) ((cci_send_job *)jobs[i])->row.outcome.attempts += call.attempts;
    char why[600];
    if (answer == CCI_ANSWER_OK) {
        size_t len;
        const char *body = cci_client_answer(channel->worker.client, &len);
        cci_batch_answer answers[CCI_BATCH_MAX];
        if (cci_batch_read_answer(body, len, users, count, answers)) {
            settle_answers(channel, jobs, users, answers, count, &last);
            return;
        }
        snprintf(why, sizeof why, "HTTP %ld with an answer whose per-user results cannot be read%s%.*s", last.status,
                 last.message[0] ? ": " : "", (int)cci_utf8_cut(last.message, strlen(last.message), 400), last.message);
        refuse(channel, why);
        settle_unknown(channel, jobs, users, count, true);
        return;
    }
    if (cci_stop_requested(channel->shared->stop)) {
        /* the rows end as the run's stop says */
    } else if (answer != CCI_ANSWER_RETRYABLE) {
        snprintf(why, sizeof why, "HTTP %ld %s: %.*s", last.status, last.code,
                 (int)cci_utf8_cut(last.message, strlen(last.message), 400), last.message);
        refuse(channel, why);
    }
    /* retries spent, the run stopping, or refused: what may have been written is read back */
    settle_unknown(channel, jobs, users, count, call.uncertain);
}

void cci_data_import_consume(cci_queue *queue, void *context)
{
    cci_data_import *channel = context;
    channel->queue = queue;
    void *jobs[CCI_BATCH_MAX];
    for (;;) {
        size_t count = channel->carried_count;
        memcpy(jobs, channel->carried, count * sizeof *jobs);
        channel->carried_count = 0;
        if (atomic_load(&channel->refused)) { /* one more worker */
            for (size_t i = 0; i < count; i++) send_single(channel, jobs[i], false, true);
            void *job;
            atomic_store(&channel->held, 0);
            atomic_store(&channel->stage, CCI_CHANNEL_WORKER);
            while ((job = cci_queue_pop_matching(queue, NULL, NULL))) cci_send_job_send(channel->shared, &channel->worker, job);
            break;
        }
        /* a full batch is waited for only while the reader can still add to it (the queue says
         * so): never while the reader waits on rows this channel is to take */
        atomic_store(&channel->stage, CCI_CHANNEL_WAITING_FOR_ROWS);
        if (count == 0 && !cci_queue_wait_matching(queue, cci_data_import_takes, channel, CCI_BATCH_MAX)) break;
        /* rows are taken only once the budget allows a request: held while it waits, they would
         * hold up the workers (whose report lines wait for them) for up to a window */
        atomic_store(&channel->stage, CCI_CHANNEL_WAITING_FOR_BUDGET);
        uint64_t wait;
        bool more = true; /* the wait ends early when the workers took the last new users, or the run stops */
        cci_pulse_begin(&channel->shared->pulse);
        while (more && !cci_stop_requested(channel->shared->stop) &&
               (wait = cci_limiter_peek(channel->shared->limiter, CCI_BUDGET_DATA_IMPORT, cci_now_ms())) > 0)
            more = cci_queue_wait_for(queue, cci_data_import_takes, channel, (unsigned long)wait);
        cci_pulse_end(&channel->shared->pulse);
        count += cci_queue_take_matching(queue, cci_data_import_takes, channel, jobs + count, CCI_BATCH_MAX - count);
        if (!count) continue;
        atomic_store(&channel->held, count);
        atomic_store(&channel->stage, CCI_CHANNEL_SENDING);
        if (cci_stop_requested(channel->shared->stop)) settle_unknown(channel, jobs, NULL, count, false);
        else send_batch(channel, jobs, count);
        atomic_store(&channel->held, channel->carried_count);
    }
    atomic_store(&channel->stage, CCI_CHANNEL_DONE);
}
