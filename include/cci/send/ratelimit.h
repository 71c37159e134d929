/* The rate limiter every worker asks before sending: one budget for creates (core), one for
 * updates (standard) and one for Data Import batches, as CometChat counts them.
 *
 * Each budget follows what the service says, in whichever documented variant it says it: the limit
 * (X-Rate-Limit or X-RateLimit-Limit), the requests remaining, and when the window resets (on every
 * answer, on 429s only, or never). It never waits on information that may never come: when a
 * window's budget is spent and nothing has said when the window ends, one request goes as a probe
 * and its answer tells (a success opens a new window; a 429 carries Retry-After or the reset, or
 * else the wait is learned). Without any limit header the limit is learned by counting the
 * requests that succeed between 429s. Every pause is capped (max_wait_ms), and values that are
 * absurd (more than a day ahead) are taken as absent, never as instructions.
 * With --rate it also paces sends with a token bucket of that many requests a minute.
 *
 * The functions take the time as arguments, so tests drive them without sleeping.
 * Thread-safety: every function may be called from any thread; a mutex inside. */
#ifndef CCI_RATELIMIT_H
#define CCI_RATELIMIT_H

#include "cci/util/defaults.h"
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    CCI_BUDGET_CORE,        /* creates and deletes */
    CCI_BUDGET_STANDARD,    /* everything else: updates, listing */
    CCI_BUDGET_DATA_IMPORT, /* POST /data_import/users, counted apart (60 a minute) */
    CCI_BUDGET_COUNT
} cci_budget;

enum {
    CCI_DOCUMENTED_WINDOW_MS = 60000,   /* "per minute": the window when nothing says otherwise */
};

/* What an answer said about the budget; -1 for a header that was absent or unreadable. */
typedef struct cci_rate_answer {
    long long limit, remaining, reset_s; /* X-Rate-Limit, -Remaining, -Reset (unix seconds) */
    long long retry_after_s;             /* Retry-After in seconds */
    bool rate_limited;                   /* the answer was a 429 */
} cci_rate_answer;

typedef struct cci_limiter_config {
    unsigned rate_per_minute; /* 0: learn the limit from the answers */
    uint64_t max_wait_ms;     /* cap on any single pause; 0: CCI_DEFAULT_MAX_WAIT_MS */
} cci_limiter_config;

/* Handed out with each request let go, handed back with its answer. */
typedef struct cci_limit_ticket {
    unsigned long window; /* which window of its budget it was sent in */
    uint64_t sent_at;     /* when it was let go (monotonic ms) */
    bool probe;           /* sent to find out whether a new window has begun */
} cci_limit_ticket;

typedef struct cci_limiter_stats {
    unsigned long rate_limited; /* 429s received */
    unsigned long probes;       /* requests sent to find out when a window ends */
    uint64_t paused_ms;         /* wall-clock time some budget waited for a rate limit, a 429's pause or a
                                 * window spent before its end (overlaps once);
                                 * a pause the run did not live to see the end of counts whole */
} cci_limiter_stats;

/* What the limiter is doing now, for the progress line. */
typedef struct cci_limiter_status {
    uint64_t rate_wait_ms;   /* until the next request may go for a rate limit; 0: none */
    unsigned in_flight;      /* requests sent and not answered */
    uint64_t quiet_ms;       /* with requests in flight: since the last answer (or send) */
    double pace_per_s[CCI_BUDGET_COUNT]; /* requests a second each budget allows, when told or counted in a
                                          * whole window; 0 unknown */
    unsigned long let_go[CCI_BUDGET_COUNT]; /* requests each budget let go since the run began */
} cci_limiter_status;

typedef struct cci_limiter cci_limiter;

cci_limiter *cci_limiter_new(cci_limiter_config config);
void cci_limiter_free(cci_limiter *limiter);

/* 0: a request may go now; ticket is filled, and cci_limiter_done must follow with it (answer
 * NULL when it was not sent or no answer came). Otherwise how many milliseconds to wait before
 * asking again. */
uint64_t cci_limiter_try(cci_limiter *limiter, cci_budget budget, uint64_t now_ms,
                         cci_limit_ticket *ticket);

/* How long before a request of budget may go, as far as is known now, taking nothing: 0 when it
 * may go now, or when only sending can tell (cci_limiter_try then decides). For a consumer that
 * must not hold work while it waits for its budget. */
uint64_t cci_limiter_peek(cci_limiter *limiter, cci_budget budget, uint64_t now_ms);

/* Takes in what an answer said. now_ms is monotonic, wall_ms unix milliseconds (to place the
 * reset time on the monotonic clock). */
void cci_limiter_done(cci_limiter *limiter, cci_budget budget, const cci_limit_ticket *ticket,
                      const cci_rate_answer *answer, uint64_t now_ms, int64_t wall_ms);

cci_limiter_stats cci_limiter_stats_of(cci_limiter *limiter);
cci_limiter_status cci_limiter_status_of(cci_limiter *limiter, uint64_t now_ms);

/* True when the service has answered nothing but 429 for at least twice the longest pause (and
 * at least three times in a row): *for_ms says how long. Then the run should stop. */
bool cci_limiter_starved(cci_limiter *limiter, uint64_t now_ms, uint64_t *for_ms);

#endif
