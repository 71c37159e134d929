#include "send/send.h"
#include "util/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>



/* ---- settling the outcome ---- */

static bool settle(cci_outcome *outcome, cci_action action, const cci_response *r, const char *message)
{
    outcome->action = action;
    outcome->http_status = r ? r->status : 0;
    snprintf(outcome->error_code, sizeof outcome->error_code, "%s", r ? r->code : "");
    snprintf(outcome->refused_field, sizeof outcome->refused_field, "%s",
             r && action == CCI_ACTION_FAILED ? r->refused_field : "");
    cci_outcome_say(outcome, message ? message : r && action != CCI_ACTION_CREATED && action != CCI_ACTION_UPDATED ? r->message : NULL);
    return true;
}

/* The run stopped before this row could finish (an interruption, or a refusal or failure that
 * stops every row): `skipped`, never a failure of the row's own. The summary says once why; a rerun
 * sends it again. */
static bool settle_stopped(cci_outcome *outcome, const cci_response *last)
{
    if (outcome->attempts == 0) return settle(outcome, CCI_ACTION_SKIPPED, NULL, "not sent: the run stopped early");
    char message[200];
    snprintf(message, sizeof message, "not done: the run stopped (the summary says why) after %u attempt%s",
             outcome->attempts, cci_plural(outcome->attempts));
    return settle(outcome, CCI_ACTION_SKIPPED, last, message);
}

static cci_rate_answer rate_answer(const cci_response *r)
{
    return (cci_rate_answer){.limit = r->rate_limit, .remaining = r->rate_remaining,
                             .reset_s = r->rate_reset, .retry_after_s = r->retry_after_s,
                             .rate_limited = r->status == 429};
}

/* A wait the limiter or a backoff announced: bounded, so the watchdog counts it as work. False
 * when the run stopped meanwhile. */
enum { WAIT_SAID_MS = 1000 }; /* a wait this long is said to a worker that asks (cci_worker.waiting) */

static bool announced_sleep(cci_send_shared *shared, uint64_t ms)
{
    cci_pulse_begin(&shared->pulse);
    bool slept = cci_stop_sleep(shared->stop, ms);
    cci_pulse_end(&shared->pulse);
    return slept;
}

/* Waits for the budget; false when the run stopped meanwhile (then the ticket is handed back).
 * Every wait the limiter asks for is bounded by --max-wait or by a request's timeout. */
static bool wait_for_budget(cci_send_shared *shared, const cci_worker *worker, cci_budget budget,
                            cci_limit_ticket *ticket)
{
    uint64_t wait;
    bool told = false; /* one wait said once, however many polls it takes */
    while ((wait = cci_limiter_try(shared->limiter, budget, cci_now_ms(), ticket)) > 0) {
        if (!told && wait >= WAIT_SAID_MS && worker->waiting) {
            worker->waiting(worker->waiting_context, wait, "rate limited");
            told = true;
        }
        if (!announced_sleep(shared, wait)) return false;
    }
    if (!cci_stop_requested(shared->stop)) return true;
    cci_limiter_done(shared->limiter, budget, ticket, NULL, cci_now_ms(), cci_wall_ms());
    return false;
}

/* A refused key, app or plan: every request would fail the same way, so the run stops. */
static void stop_for_refusal(cci_send_shared *shared, const cci_response *r)
{
    char message[700];
    snprintf(message, sizeof message, "CometChat refused the request: HTTP %ld %s (%s). Check the API key, the app "
                                      "id and region, and the plan", r->status, r->code, r->message);
    cci_stop_request(shared->stop, CCI_STOP_FATAL, message);
}

/* A 2xx about another uid than the row's is no confirmation either (a cache, a proxy). */
static void check_answer_uid(cci_response *r, const char *uid)
{
    if (!r->documented || strcasecmp(r->data_uid, uid) == 0) return;
    r->documented = false;
    snprintf(r->message, sizeof r->message, "HTTP %ld about uid \"%.*s\", not this row's", r->status,
             (int)cci_utf8_cut(r->data_uid, strlen(r->data_uid), 100), r->data_uid);
}

/* Whether an attempt was heard; when it was not, whether the service now counts as unreachable:
 * then the run stops, once, naming the host and the last error. True: go on. */
static bool still_reachable(cci_send_shared *shared, const cci_worker *worker, const cci_response *last)
{
    uint64_t now = cci_now_ms();
    if (last->transport == CCI_TRANSPORT_OK) {
        cci_retry_note_heard(&shared->retries, now);
        return true;
    }
    if (!cci_retry_note_unanswered(&shared->retries, now)) return true;
    char message[768];
    snprintf(message, sizeof message,
             "CometChat is unreachable at %s: %lu requests in a row got no answer, or nothing answered for "
             "%llu s (3 x --timeout); the last: %s. Check the host, the network and any proxy",
             cci_client_base(worker->client), atomic_load(&shared->retries.unanswered),
             (unsigned long long)(shared->retries.silence_ms / 1000), last->message);
    cci_stop_request(shared->stop, CCI_STOP_FATAL, message);
    return false;
}

/* ---- one request, and what follows a retryable answer: the same for every kind of request ---- */

/* One request of budget once the limiter lets it go, counted and its answer taught to the
 * limiter; false when the run stopped while it waited (nothing was sent). */
static bool attempt(cci_send_shared *shared, cci_worker *worker, cci_budget budget, cci_request_fn request,
                    void *context, cci_response *last)
{
    cci_limit_ticket ticket;
    if (!wait_for_budget(shared, worker, budget, &ticket)) return false;
    cci_pulse_begin(&shared->pulse);
    request(worker->client, context, last);
    cci_pulse_end(&shared->pulse);
    atomic_fetch_add(&shared->requests[budget], 1);
    cci_rate_answer answer = rate_answer(last);
    cci_limiter_done(shared->limiter, budget, &ticket, last->transport == CCI_TRANSPORT_OK ? &answer : NULL,
                     cci_now_ms(), cci_wall_ms());
    return true;
}

/* Requests the run has sent, of every budget. */
static unsigned long requests_sent(cci_send_shared *shared)
{
    unsigned long sent = 0;
    for (int b = 0; b < CCI_BUDGET_COUNT; b++) sent += atomic_load(&shared->requests[b]);
    return sent;
}

typedef enum {
    RETRY_AGAIN,   /* after the wait this took */
    RETRY_GIVE_UP, /* this request failed for good: why says so */
    RETRY_STOPPED, /* the run stops (said once, for every worker) */
} retry_step;

/* After a retryable answer (a 429, a 5xx, no answer): a 429 is no failure of the request, the
 * limiter paused the pool, unless nothing but 429s came for too long; a failure counts towards
 * "unreachable", spends the request's retries and the run's, and waits its backoff. */
/* Why a starved run stops: when the Data Import budget is the one left asking, its limit is the
 * plan's to spend, and --data-import off is a way on. */
static void say_starved(char *message, size_t len, cci_budget budget, uint64_t starved_ms)
{
    if (budget == CCI_BUDGET_DATA_IMPORT)
        snprintf(message, len, "CometChat has answered every request with 429 (rate limited) for %llu s, the last "
                               "of them Data Import's: its limit may be spent for now; try again later, or with "
                               "--data-import off (new users one at a time, without createdAt and lastActiveAt)",
                 (unsigned long long)(starved_ms / 1000));
    else
        snprintf(message, len, "CometChat has answered every request with 429 (rate limited) for %llu s; another "
                               "client may be spending the app's whole budget, or the plan's limit is exhausted: "
                               "try again later (--max-wait sets how long to wait)",
                 (unsigned long long)(starved_ms / 1000));
}

static retry_step after_retryable(cci_send_shared *shared, cci_worker *worker, cci_budget budget,
                                  const cci_response *last, unsigned attempts, unsigned *failures,
                                  unsigned *rate_limited, char *why, size_t why_len)
{
    char message[700];
    if (last->status == 429) {
        uint64_t starved_ms;
        if (cci_limiter_starved(shared->limiter, cci_now_ms(), &starved_ms)) {
            say_starved(message, sizeof message, budget, starved_ms);
            cci_stop_request(shared->stop, CCI_STOP_FATAL, message);
            return RETRY_STOPPED;
        }
        unsigned tries = shared->rate_limited_tries ? shared->rate_limited_tries : CCI_RATE_LIMITED_TRIES;
        if (++*rate_limited <= tries) return RETRY_AGAIN;
        unsigned long sent = requests_sent(shared);
        if (cci_limiter_stats_of(shared->limiter).rate_limited >= sent) {
            /* not this request's bad luck: the run has had nothing but 429s */
            snprintf(message, sizeof message,
                     "CometChat has answered every request with 429 (rate limited) since the run began, %lu of "
                     "them: another client may be spending the app's whole budget, or the plan's limit is "
                     "exhausted; try again later", sent);
            cci_stop_request(shared->stop, CCI_STOP_FATAL, message);
            return RETRY_STOPPED;
        }
        snprintf(why, why_len, "still rate limited after %u tries", tries);
        return RETRY_GIVE_UP;
    }
    if (cci_retry_note_failure(&shared->retries)) {
        snprintf(message, sizeof message, "CometChat is unreachable: %lu requests in a row got no answer, a server "
                                          "error or an answer that was not CometChat's (the last: %s)",
                 shared->retries.unreachable_after, last->message);
        cci_stop_request(shared->stop, CCI_STOP_FATAL, message);
        return RETRY_STOPPED;
    }
    if (*failures >= shared->max_retries) {
        snprintf(why, why_len, "gave up after %u attempts: %s", attempts, last->message);
        return RETRY_GIVE_UP;
    }
    if (!cci_retry_budget_take(&shared->retries)) {
        snprintf(message, sizeof message, "the run's retry budget is spent: CometChat failed too often (the last: %s)",
                 last->message);
        cci_stop_request(shared->stop, CCI_STOP_FATAL, message);
        return RETRY_STOPPED;
    }
    ++*failures;
    uint64_t pause = cci_backoff_ms(*failures, CCI_BACKOFF_BASE_MS, CCI_BACKOFF_CAP_MS, cci_random_next(&worker->random));
    /* while nothing answers, no backoff outlasts the silence allowed: the next attempt then ends
     * the wait within one --timeout, so a silent service is given up within 4 x --timeout */
    uint64_t silence_ends = atomic_load(&shared->retries.heard_ms) + shared->retries.silence_ms, now = cci_now_ms();
    uint64_t silence_left = silence_ends > now ? silence_ends - now : 0;
    if (last->transport != CCI_TRANSPORT_OK && shared->retries.silence_ms && pause > silence_left) pause = silence_left;
    if (pause >= WAIT_SAID_MS && worker->waiting) {
        /* the message names the status already when the answer was not CometChat's */
        if (last->code[0]) snprintf(message, sizeof message, "HTTP %ld %s", last->status, last->code);
        else snprintf(message, sizeof message, "%s", last->message);
        worker->waiting(worker->waiting_context, pause, message);
    }
    return announced_sleep(shared, pause) ? RETRY_AGAIN : RETRY_STOPPED;
}

/* ---- a row ---- */

static void create_user(cci_client *client, void *request, cci_response *response)
{
    cci_client_create(client, ((const cci_send_request *)request)->create_body, response);
}

static void update_user(cci_client *client, void *request, cci_response *response)
{
    const cci_send_request *r = request;
    cci_client_update(client, r->uid, r->update_body, response);
}

/* The row's request went well: created, updated (naming the changes) or reactivated. */
static bool settle_written(const cci_send_request *request, bool update, cci_outcome *outcome, const cci_response *last)
{
    char message[700];
    if (update && request->reactivated) {
        snprintf(message, sizeof message, "reactivated and updated%s%s", request->changes ? "; changed: " : "",
                 request->changes ? request->changes : "");
        return settle(outcome, CCI_ACTION_REACTIVATED, last, message);
    }
    if (update && request->changes) {
        snprintf(message, sizeof message, "changed: %s", request->changes);
        return settle(outcome, CCI_ACTION_UPDATED, last, message);
    }
    return settle(outcome, update ? CCI_ACTION_UPDATED : CCI_ACTION_CREATED, last, NULL);
}

/* The uid exists: --mode create leaves it (or counts it created, when its own create's answer was
 * lost); upsert goes on as an update (false: not settled). */
static bool settled_as_existing(cci_send_shared *shared, const cci_send_request *request, bool create_maybe_applied,
                                cci_outcome *outcome, const cci_response *last, const char **confirmed)
{
    if (shared->mode != CCI_MODE_CREATE) return false;
    if (create_maybe_applied) {
        *confirmed = request->fingerprint;
        return settle(outcome, CCI_ACTION_CREATED, last, "the answer to the create was lost and the uid exists now: "
                                                         "created by this run");
    }
    *confirmed = "-";
    return settle(outcome, CCI_ACTION_EXISTS, last, NULL);
}

/* An update this key may not send: the gate found out (AUTH_ERR_NO_ACCESS), nothing is sent. */
static bool settle_updates_refused(cci_send_shared *shared, cci_outcome *outcome, cci_response *last)
{
    if (cci_stop_requested(shared->stop)) return settle_stopped(outcome, last);
    *last = (cci_response){.status = 403};
    snprintf(last->code, sizeof last->code, "AUTH_ERR_NO_ACCESS");
    return settle(outcome, CCI_ACTION_FAILED, last, "not updated: this API key may not update users "
                                                    "(AUTH_ERR_NO_ACCESS); no request was sent");
}

/* The row's requests; returns once the outcome is settled (always true: `return settle(...)`
 * reads as "end with"). */
static bool send_row(cci_send_shared *shared, cci_worker *worker, const cci_send_request *request,
                     cci_outcome *outcome, const char **confirmed)
{
    /* upsert: what the journal knows, or the current guess */
    bool guessed = shared->mode == CCI_MODE_UPSERT && !request->known && !request->absent;
    bool guessed_update = guessed && cci_guess_update_first(&shared->guess);
    bool update = shared->mode == CCI_MODE_UPDATE || (shared->mode == CCI_MODE_UPSERT && request->known) || guessed_update;
    bool first_answer = true;          /* the next answer settles the guess */
    bool create_maybe_applied = false; /* a create went out and its answer was lost */
    unsigned failures = 0, rate_limited = 0, turns = 0;
    cci_response last = {.status = 0};
    char why[700];
    for (;;) {
        if (cci_stop_requested(shared->stop)) return settle_stopped(outcome, &last);
        cci_update_state gate = update ? cci_update_gate_enter(&shared->gate, shared->stop) : CCI_UPDATES_ALLOWED;
        if (gate == CCI_UPDATES_REFUSED) return settle_updates_refused(shared, outcome, &last);
        bool sent = attempt(shared, worker, update ? CCI_BUDGET_STANDARD : CCI_BUDGET_CORE,
                            update ? update_user : create_user, (void *)request, &last);
        if (gate == CCI_UPDATES_PROBING) cci_update_gate_settle(&shared->gate, sent ? &last : NULL);
        if (!sent) return settle_stopped(outcome, &last);
        check_answer_uid(&last, request->uid);
        outcome->attempts++;
        if (!still_reachable(shared, worker, &last)) return settle_stopped(outcome, &last);
        cci_answer_class answer_class = cci_classify(&last);
        /* only a clean first answer says whether the guess was right: after a lost create, the
         * uid may well exist because of it */
        if (guessed && first_answer && answer_class != CCI_ANSWER_RETRYABLE)
            cci_guess_note(&shared->guess, guessed_update, answer_class == (update ? CCI_ANSWER_NOT_FOUND : CCI_ANSWER_EXISTS));
        first_answer = false;
        if (answer_class != CCI_ANSWER_RETRYABLE && answer_class != CCI_ANSWER_FATAL) cci_retry_note_answer(&shared->retries);
        switch (answer_class) {
        case CCI_ANSWER_OK:
            *confirmed = request->fingerprint;
            return settle_written(request, update, outcome, &last);
        case CCI_ANSWER_EXISTS:
            if (settled_as_existing(shared, request, create_maybe_applied, outcome, &last, confirmed)) return true;
            if (++turns > 2) return settle(outcome, CCI_ACTION_FAILED, &last, NULL);
            update = true; /* upsert: the same row as an update */
            continue;
        case CCI_ANSWER_NOT_FOUND:
            if (shared->mode != CCI_MODE_UPSERT || ++turns > 2) return settle(outcome, CCI_ACTION_FAILED, &last, NULL);
            update = false; /* the guess, or the journal, was wrong: create it */
            continue;
        case CCI_ANSWER_FINAL: return settle(outcome, CCI_ACTION_FAILED, &last, NULL);
        case CCI_ANSWER_FATAL:
            stop_for_refusal(shared, &last);
            return settle_stopped(outcome, &last);
        case CCI_ANSWER_RETRYABLE: break;
        }
        /* a create whose answer was lost or unreadable may well have happened */
        if (!update && last.status != 429 && (last.transport != CCI_TRANSPORT_OK || last.status < 300))
            create_maybe_applied = true;
        retry_step step = after_retryable(shared, worker, update ? CCI_BUDGET_STANDARD : CCI_BUDGET_CORE, &last,
                                          outcome->attempts, &failures, &rate_limited, why, sizeof why);
        if (step == RETRY_STOPPED) return settle_stopped(outcome, &last);
        if (step == RETRY_GIVE_UP) return settle(outcome, CCI_ACTION_FAILED, &last, why);
    }
}

static cci_answer_class send_call(cci_send_shared *shared, cci_worker *worker, cci_budget budget,
                                  cci_request_fn request, void *context, cci_response *last, bool refusal_stops)
{
    unsigned failures = 0, rate_limited = 0, attempts = 0;
    *last = (cci_response){.transport = CCI_TRANSPORT_OTHER};
    snprintf(last->message, sizeof last->message, "not sent: the run stopped");
    char why[700];
    for (;;) {
        if (!attempt(shared, worker, budget, request, context, last)) return CCI_ANSWER_RETRYABLE;
        attempts++;
        if (!still_reachable(shared, worker, last)) return CCI_ANSWER_RETRYABLE;
        cci_answer_class answer_class = cci_classify(last);
        if (answer_class == CCI_ANSWER_FATAL && refusal_stops) stop_for_refusal(shared, last);
        /* its failures count towards "unreachable", but only a row's answer clears the count: a
         * service that answers reads and fails every write is no service */
        if (answer_class != CCI_ANSWER_RETRYABLE) return answer_class;
        if (after_retryable(shared, worker, budget, last, attempts, &failures, &rate_limited, why, sizeof why) !=
            RETRY_AGAIN)
            return answer_class;
    }
}

cci_answer_class cci_send_call(cci_send_shared *shared, cci_worker *worker, cci_budget budget,
                               cci_request_fn request, void *context, cci_response *last)
{
    return send_call(shared, worker, budget, request, context, last, true);
}

cci_answer_class cci_send_optional_call(cci_send_shared *shared, cci_worker *worker, cci_budget budget,
                                        cci_request_fn request, void *context, cci_response *last)
{
    return send_call(shared, worker, budget, request, context, last, false);
}

const char *cci_send_row(cci_send_shared *shared, cci_worker *worker, const cci_send_request *request,
                         cci_outcome *outcome)
{
    const char *confirmed = NULL;
    send_row(shared, worker, request, outcome, &confirmed);
    return confirmed;
}
