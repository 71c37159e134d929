/* One row on the wire: the requests --mode asks for, paced by the rate limiter, retried with
 * backoff when the service fails, and settled into the row's outcome.
 *
 * Thread-safety: cci_send_row runs on a worker with that worker's own state; everything in
 * cci_send_shared is safe to share (limiter, retry budget, stop, gate and counters are
 * thread-safe; the rest is read-only). */
#ifndef CCI_SEND_H
#define CCI_SEND_H

#include <stdatomic.h>
#include <stdbool.h>

#include "send/client.h"
#include "send/gate.h"
#include "send/guess.h"
#include "cci/util/mode.h"
#include "cci/util/outcome.h"
#include "cci/send/ratelimit.h"
#include "send/retry.h"
#include "cci/util/stop.h"
#include "util/watchdog.h"

/* A request's 429s in a row before it gives up: a limit that never lifts is not waited for row
 * after row. When no request of the run has had an answer but 429, the run stops instead. */
enum { CCI_RATE_LIMITED_TRIES = 100 };

typedef struct cci_send_shared {
    cci_mode mode;            /* read-only */
    unsigned max_retries;     /* per row; read-only */
    unsigned rate_limited_tries; /* a request's 429s before it gives up; 0: CCI_RATE_LIMITED_TRIES */
    cci_limiter *limiter;     /* thread-safe */
    cci_retry_budget retries; /* atomics */
    cci_stop *stop;           /* thread-safe */
    cci_update_gate gate;     /* own lock */
    cci_guess guess;          /* own lock */
    atomic_ulong requests[CCI_BUDGET_COUNT];
    atomic_ulong dates_not_set; /* dated rows that updated an existing user (cci/send_job.h) */
    cci_pulse pulse; /* atomics: every request and announced wait, for the watchdog */
} cci_send_shared;

/* A worker's own: its connection and its random numbers. */
typedef struct cci_worker {
    cci_client *client;
    uint64_t random;
    /* Told before a wait of a second or more, with why ("rate limited", "a failure: trying again");
     * NULL: said nowhere. The reader's own connection sets it while it reads the app, before the
     * progress line is up; called on the worker's own thread. */
    void (*waiting)(void *context, uint64_t wait_ms, const char *why);
    void *waiting_context;
} cci_worker;

typedef struct cci_send_request {
    const char *uid;
    const char *create_body;
    const char *update_body;
    const char *fingerprint; /* what the journal records when the row succeeds */
    bool known;              /* the journal or the app says the uid exists in this target */
    bool absent;             /* the app's listing says it does not: create first, no guessing */
    bool reactivated;        /* reactivated for this row: success is `reactivated` */
    const char *changes;     /* the fields that differ, said on success; may be NULL */
} cci_send_request;

/* Sends the row and fills outcome (action, http_status, error_code, message, attempts). A row
 * never sent ends `skipped`; one sent at least once ends with what the service last said.
 * Returns what the journal may record once the row's report line is written: the request's
 * fingerprint (the user holds it), "-" (the user exists, content unknown) or NULL (nothing). The
 * journal is written by the sink, never here, so it never holds a row the report lacks. */
const char *cci_send_row(cci_send_shared *shared, cci_worker *worker, const cci_send_request *request,
                         cci_outcome *outcome);

/* Sends one request of the client's (a listed page, a bulk change). */
typedef void (*cci_request_fn)(cci_client *client, void *context, cci_response *response);

/* One request that is no row's: sent when the budget allows, retried as a row's is (429s as
 * often as the limiter allows, failures with backoff up to max_retries and the run's retry
 * budget), abandoned when the run stops. A fatal answer stops the run. Returns the class of the
 * last answer, which is in *last. */
cci_answer_class cci_send_call(cci_send_shared *shared, cci_worker *worker, cci_budget budget,
                               cci_request_fn request, void *context, cci_response *last);

/* Like cci_send_call, for a request the run can do without (a Data Import batch): a fatal answer
 * is returned to the caller and does not stop the run. */
cci_answer_class cci_send_optional_call(cci_send_shared *shared, cci_worker *worker, cci_budget budget,
                                        cci_request_fn request, void *context, cci_response *last);

#endif
