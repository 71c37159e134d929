/* One row on the wire: the requests --mode asks for, paced by the rate limiter, retried with
 * backoff when the service fails, and settled into the row's outcome.
 *
 * Thread-safety: cci_send_row runs on a worker with that worker's own state; everything in
 * cci_send_shared is safe to share (limiter, retry budget, stop, gate and counters are
 * thread-safe; the rest is read-only). */
#ifndef CCI_SEND_H
#define CCI_SEND_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "cci/cli.h"
#include "cci/client.h"
#include "cci/ratelimit.h"
#include "cci/report.h"
#include "cci/retry.h"
#include "cci/stop.h"

typedef enum {
    CCI_ANSWER_OK,        /* 2xx */
    CCI_ANSWER_EXISTS,    /* ERR_UID_ALREADY_EXISTS */
    CCI_ANSWER_NOT_FOUND, /* ERR_UID_NOT_FOUND */
    CCI_ANSWER_FATAL,     /* key, app or plan refused: every row would fail the same way */
    CCI_ANSWER_RETRYABLE, /* 429, 5xx, timeouts, dropped connections */
    CCI_ANSWER_FINAL,     /* any other refusal of this row */
} cci_answer_class;

cci_answer_class cci_classify(const cci_response *response);

/* Whether the key may update: found out by one request, so an auth-only key costs at most one
 * refused update. */
typedef enum { CCI_UPDATES_UNKNOWN, CCI_UPDATES_PROBING, CCI_UPDATES_ALLOWED, CCI_UPDATES_REFUSED } cci_update_state;

typedef struct cci_update_gate {
    pthread_mutex_t lock;
    pthread_cond_t settled; /* broadcast when a probe ends */
    cci_update_state state; /* protected by lock */
} cci_update_gate;

void cci_update_gate_init(cci_update_gate *gate);
void cci_update_gate_cleanup(cci_update_gate *gate);
cci_update_state cci_update_gate_state(cci_update_gate *gate);

/* Without a journal, whether a uid exists is a guess: create first while most creates succeed,
 * update first while most of them meet ERR_UID_ALREADY_EXISTS, and back when the tide turns. */
typedef struct cci_strategy {
    pthread_mutex_t lock;
    bool update_first;      /* protected by lock */
    double misses;          /* moving share of first attempts that guessed wrong; protected by lock */
    unsigned long switches; /* protected by lock */
} cci_strategy;

void cci_strategy_init(cci_strategy *strategy);
void cci_strategy_cleanup(cci_strategy *strategy);
bool cci_strategy_update_first(cci_strategy *strategy);
/* A first attempt made with update_first ended; miss: it met the other case. */
void cci_strategy_note(cci_strategy *strategy, bool update_first, bool miss);
unsigned long cci_strategy_switches(cci_strategy *strategy);

typedef struct cci_send_shared {
    cci_mode mode;            /* read-only */
    unsigned max_retries;     /* per row; read-only */
    cci_limiter *limiter;     /* thread-safe */
    cci_retry_budget retries; /* atomics */
    cci_stop *stop;           /* thread-safe */
    cci_update_gate gate;     /* own lock */
    cci_strategy strategy;    /* own lock */
    struct cci_journal *journal; /* thread-safe appends; NULL: no journal */
    atomic_ulong requests[CCI_BUDGET_COUNT];
} cci_send_shared;

/* A worker's own: its connection and its random numbers. */
typedef struct cci_worker {
    cci_client *client;
    uint64_t random;
} cci_worker;

typedef struct cci_send_request {
    const char *uid;
    const char *create_body;
    const char *update_body;
    const char *fingerprint; /* recorded in the journal when the row succeeds */
    bool known;              /* the journal says the uid exists in this target */
} cci_send_request;

/* Sends the row and fills outcome (action, http_status, error_code, message, attempts). A row
 * never sent ends `skipped`; one sent at least once ends with what the service last said. */
void cci_send_row(cci_send_shared *shared, cci_worker *worker, const cci_send_request *request,
                  cci_outcome *outcome);

#endif
