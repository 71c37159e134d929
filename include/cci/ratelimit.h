/* The rate limiter every worker asks before sending: one budget for creates (core) and one for
 * updates (standard), as CometChat counts them.
 *
 * Each budget follows the service's own numbers: the limit, the requests remaining in the current
 * window and when it resets, read from every answer; when nothing is left it waits for the reset
 * instead of collecting 429s. With --rate it also paces sends with a token bucket of that many
 * requests a minute. A 429 pauses the whole pool until the reset (or Retry-After).
 * The functions take the time as arguments, so tests drive them without sleeping.
 * Thread-safety: try/done/stats may be called from any thread; a mutex inside. */
#ifndef CCI_RATELIMIT_H
#define CCI_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { CCI_BUDGET_CORE, CCI_BUDGET_STANDARD, CCI_BUDGET_COUNT } cci_budget;

/* What an answer said about the budget; -1 for a header that was absent. */
typedef struct cci_rate_answer {
    long long limit, remaining, reset_s; /* X-Rate-Limit, -Remaining, -Reset (unix seconds) */
    long retry_after_s;                  /* Retry-After */
    bool rate_limited;                   /* the answer was a 429 */
} cci_rate_answer;

typedef struct cci_limiter_stats {
    unsigned long rate_limited; /* 429s received */
    uint64_t paused_ms;         /* time the pool was paused by 429s */
} cci_limiter_stats;

typedef struct cci_limiter cci_limiter;

/* rate_per_minute 0: learn the limit from the answers. */
cci_limiter *cci_limiter_new(unsigned rate_per_minute);
void cci_limiter_free(cci_limiter *limiter);

/* 0: a request may go now (call cci_limiter_done when its answer is in, or with NULL if it was
 * not sent). Otherwise how many milliseconds to wait before asking again. */
uint64_t cci_limiter_try(cci_limiter *limiter, cci_budget budget, uint64_t now_ms);

/* Takes in what an answer said. now_ms is monotonic, wall_ms unix milliseconds (to place the
 * reset time on the monotonic clock). answer NULL: no answer came (or nothing was sent). */
void cci_limiter_done(cci_limiter *limiter, cci_budget budget, const cci_rate_answer *answer,
                      uint64_t now_ms, int64_t wall_ms);

cci_limiter_stats cci_limiter_stats_of(cci_limiter *limiter);

/* True while a 429 holds the pool. */
bool cci_limiter_paused(cci_limiter *limiter, uint64_t now_ms);

#endif
