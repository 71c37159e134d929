/* When to try a row again: exponential backoff with full jitter, a cap per row, and a budget for
 * the whole run that also notices when the service stops answering altogether.
 * Thread-safety: cci_backoff_ms is pure; the budget may be used from any thread (atomics). */
#ifndef CCI_RETRY_H
#define CCI_RETRY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum { CCI_BACKOFF_BASE_MS = 250, CCI_BACKOFF_CAP_MS = 15000, CCI_UNANSWERED_IN_A_ROW = 10 };

/* The wait before retry number attempt (1 for the first retry): uniform in
 * [0, min(cap, base * 2^(attempt-1))], drawn from random_bits. */
uint64_t cci_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms, uint64_t random_bits);

/* xorshift64*: a worker's own random numbers for jitter (state never 0). */
uint64_t cci_random_next(uint64_t *state);

typedef struct cci_retry_budget {
    atomic_ulong left;                 /* retries the run may still spend */
    atomic_ulong consecutive_failures; /* attempts in a row, pool-wide, with no answer */
    unsigned long unreachable_after;   /* that many in a row: the service is unreachable */
    atomic_ulong spent;
    /* Giving up early and once: attempts in a row, of any kind (the listing's too), that got no
     * answer at all (no host, no connection, a timeout), and when anything last answered */
    atomic_ulong unanswered;
    atomic_uint_least64_t heard_ms;
    atomic_bool heard_any;             /* some attempt of this run got an HTTP answer */
    uint64_t silence_ms;               /* nothing heard that long (a failure seen): unreachable */
} cci_retry_budget;

/* total: retries for the whole run; unreachable_after: consecutive failed attempts (no answer, or
 * 5xx) across the pool after which the service counts as unreachable. */
void cci_retry_budget_init(cci_retry_budget *budget, unsigned long total,
                           unsigned long unreachable_after);

/* Takes one retry; false when the budget is spent. */
bool cci_retry_budget_take(cci_retry_budget *budget);

/* Unanswered attempts make the service unreachable after CCI_UNANSWERED_IN_A_ROW in a row, or once
 * nothing answered for silence_ms since now_ms (the run's start) or the last answer. */
void cci_retry_expect_answers(cci_retry_budget *budget, uint64_t silence_ms, uint64_t now_ms);

/* An attempt got an HTTP answer, whatever its status (heard_any is then set for good). */
void cci_retry_note_heard(cci_retry_budget *budget, uint64_t now_ms);

/* An attempt got no answer at all; true once the service counts as unreachable (above). */
bool cci_retry_note_unanswered(cci_retry_budget *budget, uint64_t now_ms);

/* An attempt got an answer (any that is not a 5xx): the service is there. */
void cci_retry_note_answer(cci_retry_budget *budget);

/* An attempt failed on the wire or with a 5xx; true once too many failed in a row. */
bool cci_retry_note_failure(cci_retry_budget *budget);

#endif
