#include "cci/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>

/* Asking again sooner than this when waiting on answers still in flight. */
enum { POLL_MS = 5, RESET_MARGIN_MS = 10 };

typedef struct budget_state {
    /* what the service said */
    bool known;          /* an answer carried the limit */
    long long limit;
    uint64_t window_end; /* monotonic ms of the current window's reset; 0 until an answer says */
    /* what this run did in the current window */
    long long sent;      /* requests let go since the window began */
    long long external;  /* requests the service counted that were not this run's */
    unsigned in_flight;
    /* --rate's token bucket */
    double bucket;
    uint64_t bucket_time;
} budget_state;

struct cci_limiter {
    pthread_mutex_t lock;
    double per_ms;     /* --rate in requests per millisecond; 0 without --rate. Read-only */
    double capacity;   /* the bucket holds a second's worth. Read-only */
    budget_state budgets[CCI_BUDGET_COUNT]; /* protected by lock */
    uint64_t paused_until;                  /* protected by lock: no budget sends before it */
    cci_limiter_stats stats;                /* protected by lock */
};

cci_limiter *cci_limiter_new(unsigned rate_per_minute)
{
    cci_limiter *limiter = calloc(1, sizeof *limiter);
    if (!limiter) return NULL;
    pthread_mutex_init(&limiter->lock, NULL);
    limiter->per_ms = rate_per_minute / 60000.0;
    limiter->capacity = rate_per_minute >= 60 ? rate_per_minute / 60.0 : 1.0;
    for (int b = 0; b < CCI_BUDGET_COUNT; b++) limiter->budgets[b].bucket = limiter->capacity;
    return limiter;
}

void cci_limiter_free(cci_limiter *limiter)
{
    if (!limiter) return;
    pthread_mutex_destroy(&limiter->lock);
    free(limiter);
}

/* Caller holds the lock. */
static uint64_t decide(cci_limiter *limiter, budget_state *b, uint64_t now)
{
    if (limiter->paused_until > now) return limiter->paused_until - now;
    if (b->window_end && now >= b->window_end + RESET_MARGIN_MS) {
        /* the window has turned: the whole limit again */
        b->sent = b->external = 0;
        b->window_end = 0;
    }
    if (b->known && b->sent + b->external >= b->limit) {
        if (b->window_end > now) return b->window_end + RESET_MARGIN_MS - now;
        return POLL_MS; /* answers in flight will say when the window ends */
    }
    if (limiter->per_ms > 0) {
        if (b->bucket_time) b->bucket += (double)(now - b->bucket_time) * limiter->per_ms;
        if (b->bucket > limiter->capacity) b->bucket = limiter->capacity;
        b->bucket_time = now;
        if (b->bucket < 1.0) return (uint64_t)((1.0 - b->bucket) / limiter->per_ms) + 1;
        b->bucket -= 1.0;
    }
    b->sent++;
    b->in_flight++;
    return 0;
}

uint64_t cci_limiter_try(cci_limiter *limiter, cci_budget budget, uint64_t now_ms)
{
    pthread_mutex_lock(&limiter->lock);
    uint64_t wait = decide(limiter, &limiter->budgets[budget], now_ms);
    pthread_mutex_unlock(&limiter->lock);
    return wait;
}

/* Caller holds the lock. Takes in the limit, the window and the remaining of an answer. */
static void learn(budget_state *b, const cci_rate_answer *answer, uint64_t reset, uint64_t now)
{
    if (answer->limit > 0) {
        b->known = true;
        b->limit = answer->limit;
    }
    if (reset) {
        if (reset + RESET_MARGIN_MS <= now) return; /* an answer from a window already over */
        if (!b->window_end) {
            b->window_end = reset;
        } else if (reset > b->window_end + RESET_MARGIN_MS) {
            /* the service is in a newer window than this run thought: take its count */
            b->window_end = reset;
            b->sent = answer->remaining >= 0 && b->known ? b->limit - answer->remaining : 0;
            b->external = 0;
        }
    }
    if (b->known && answer->remaining >= 0) {
        /* the service counted more than this run sent: someone else shares the budget */
        long long used = b->limit - answer->remaining;
        if (used - b->sent > b->external) b->external = used - b->sent;
    }
}

void cci_limiter_done(cci_limiter *limiter, cci_budget budget, const cci_rate_answer *answer,
                      uint64_t now_ms, int64_t wall_ms)
{
    pthread_mutex_lock(&limiter->lock);
    budget_state *b = &limiter->budgets[budget];
    if (b->in_flight) b->in_flight--;
    if (answer) {
        uint64_t reset = 0;
        if (answer->reset_s >= 0) {
            int64_t until = answer->reset_s * 1000 - wall_ms;
            reset = now_ms + (until > 0 ? (uint64_t)until : 0);
        }
        learn(b, answer, reset, now_ms);
        if (answer->rate_limited) {
            limiter->stats.rate_limited++;
            /* the reset time is the more precise; Retry-After is whole seconds */
            uint64_t until = reset                        ? reset + RESET_MARGIN_MS
                             : answer->retry_after_s >= 0 ? now_ms + (uint64_t)answer->retry_after_s * 1000
                                                          : now_ms + 1000;
            uint64_t from = limiter->paused_until > now_ms ? limiter->paused_until : now_ms;
            if (until > from) {
                limiter->stats.paused_ms += until - from;
                limiter->paused_until = until;
            }
            if (b->known) b->sent = b->limit; /* nothing left in this window */
        }
    }
    pthread_mutex_unlock(&limiter->lock);
}

cci_limiter_stats cci_limiter_stats_of(cci_limiter *limiter)
{
    pthread_mutex_lock(&limiter->lock);
    cci_limiter_stats stats = limiter->stats;
    pthread_mutex_unlock(&limiter->lock);
    return stats;
}

bool cci_limiter_paused(cci_limiter *limiter, uint64_t now_ms)
{
    pthread_mutex_lock(&limiter->lock);
    bool paused = limiter->paused_until > now_ms;
    pthread_mutex_unlock(&limiter->lock);
    return paused;
}
