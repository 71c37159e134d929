/* What the limiter says: its counts for the summary, what it waits for for the progress line, and
 * whether the service has answered nothing but 429s for too long. */
#include "ratelimit_state.h"

cci_limiter_stats cci_limiter_stats_of(cci_limiter *limiter)
{
    pthread_mutex_lock(&limiter->lock);
    cci_limiter_stats stats = limiter->stats;
    pthread_mutex_unlock(&limiter->lock);
    return stats;
}

cci_limiter_status cci_limiter_status_of(cci_limiter *l, uint64_t now_ms)
{
    cci_limiter_status status = {0};
    pthread_mutex_lock(&l->lock);
    if (l->rate_wait_until > now_ms) status.rate_wait_ms = l->rate_wait_until - now_ms;
    for (int i = 0; i < CCI_BUDGET_COUNT; i++) {
        const budget_state *b = &l->budgets[i];
        status.in_flight += b->in_flight;
        /* a limit guessed from a window partly seen, or a window of unknown length, says nothing of
         * the pace */
        bool known = b->limit && (b->limit_told || b->limit_trusted) && b->window_ms;
        status.pace_per_s[i] = known ? (double)b->limit * 1000.0 / (double)b->window_ms : 0;
        status.let_go[i] = b->let_go;
    }
    if (status.in_flight && now_ms > l->last_event) status.quiet_ms = now_ms - l->last_event;
    pthread_mutex_unlock(&l->lock);
    return status;
}

bool cci_limiter_starved(cci_limiter *l, uint64_t now_ms, uint64_t *for_ms)
{
    pthread_mutex_lock(&l->lock);
    uint64_t since = now_ms > l->last_accepted ? now_ms - l->last_accepted : 0;
    bool starved = l->started && l->consecutive_429 >= STARVED_AFTER_429S && since >= 2 * l->max_wait_ms;
    pthread_mutex_unlock(&l->lock);
    if (for_ms) *for_ms = since;
    return starved;
}
