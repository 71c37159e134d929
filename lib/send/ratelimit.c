/* The limiter's decisions: when a request of each budget may go, and what each answer teaches
 * (windows, limits, pauses); its state is ratelimit_state.h, what it says ratelimit_status.c. */
#include "ratelimit_state.h"

#include <stdlib.h>

cci_limiter *cci_limiter_new(cci_limiter_config config)
{
    cci_limiter *limiter = calloc(1, sizeof *limiter);
    if (!limiter) return NULL;
    pthread_mutex_init(&limiter->lock, NULL);
    limiter->per_ms = config.rate_per_minute / 60000.0;
    limiter->capacity = config.rate_per_minute >= 60 ? config.rate_per_minute / 60.0 : 1.0;
    limiter->max_wait_ms = config.max_wait_ms ? config.max_wait_ms : CCI_DEFAULT_MAX_WAIT_MS;
    for (int b = 0; b < CCI_BUDGET_COUNT; b++) {
        limiter->budgets[b].bucket = limiter->capacity;
        limiter->budgets[b].used_seen = -1;
    }
    return limiter;
}

void cci_limiter_free(cci_limiter *limiter)
{
    if (!limiter) return;
    pthread_mutex_destroy(&limiter->lock);
    free(limiter);
}

/* ---- windows ---- */

/* Caller holds the lock. A new window began; start_seen: at a time the service told or a probe
 * found, not merely when this run noticed. */
static void open_window(budget_state *b, bool start_seen)
{
    b->last_window_end = b->window_end; /* 0 when the end was not known */
    b->window++;
    b->start_seen = start_seen;
    b->window_end = 0;
    b->sent = b->accepted = 0;
    b->used_seen = -1;
    b->in_flight_here = 0;
    b->last_answered_sent = 0;
    b->spent = b->counted = b->probe_refused = false;
    b->fallback_step = 0;
}

static void note_window_length(budget_state *b, uint64_t length)
{
    if (length >= 50 && length <= (uint64_t)ABSURD_AHEAD_MS) b->window_ms = length;
}

/* Caller holds the lock. The requests the service counted in the window that this run cannot
 * account for as its own: the most it said it counted, less this run's answers. Some of them may
 * be this run's own, counted before requests whose answers came back first; they show as such
 * once their answers are in. */
static long long external(const budget_state *b)
{
    return b->used_seen > b->accepted ? b->used_seen - b->accepted : 0;
}

/* Caller holds the lock. The window is full: a 429 said so, or as much went as the service said
 * it allows, or as it let through in a whole window before. */
static bool known_full(const budget_state *b)
{
    return b->spent || ((b->limit_told || b->limit_trusted) && b->sent + external(b) >= b->limit);
}

/* Caller holds the lock. When nothing tells, when to send the probe for the next window: 0 at
 * once. While where it begins is known only roughly, the probe goes halfway into where it can be
 * (a 429 there costs one request and halves the doubt); after that, or once it is known closely,
 * where it has surely begun. Like any pause, no more than max_wait_ms after the window filled. */
static uint64_t next_probe_at(const budget_state *b, uint64_t max_wait_ms)
{
    uint64_t after, by, shortest, longest;
    if (!known_full(b) || !b->last_answered_sent) return 0;
    if (!cci_window_guess_start(&b->guess, b->window + 1, &after, &by)) return 0;
    cci_window_guess_length(&b->guess, &shortest, &longest);
    uint64_t at = b->probe_refused || by - after <= shortest / CLOSE_ENOUGH ? by : after + (by - after) / 2;
    return at < b->last_answered_sent + max_wait_ms ? at : b->last_answered_sent + max_wait_ms;
}

/* Caller holds the lock. Counts [from, until) into the time paused, wall-clock: what overlaps a
 * pause already counted counts once. */
static void count_pause(cci_limiter *l, uint64_t from, uint64_t until)
{
    uint64_t counted_from = from > l->paused_through ? from : l->paused_through;
    if (until > counted_from) l->stats.paused_ms += until - counted_from;
    if (until > l->paused_through) l->paused_through = until;
}

/* Caller holds the lock. Remembers until when the pool waits for a limit (a 429's pause, or a
 * window spent before its end), counts it as paused, and returns the wait. */
static uint64_t rate_wait(cci_limiter *l, uint64_t until, uint64_t now)
{
    l->rate_wait_until = until;
    count_pause(l, now, until);
    return until - now;
}

/* Caller holds the lock. */
static bool bucket_ready(cci_limiter *l, budget_state *b, uint64_t now, uint64_t *wait)
{
    if (l->per_ms <= 0) return true;
    if (b->bucket_time) b->bucket += (double)(now - b->bucket_time) * l->per_ms;
    if (b->bucket > l->capacity) b->bucket = l->capacity;
    b->bucket_time = now;
    if (b->bucket >= 1.0) return true;
    *wait = (uint64_t)((1.0 - b->bucket) / l->per_ms) + 1;
    return false;
}

/* Caller holds the lock. */
static unsigned total_in_flight(const cci_limiter *l)
{
    unsigned n = 0;
    for (int i = 0; i < CCI_BUDGET_COUNT; i++) n += l->budgets[i].in_flight;
    return n;
}

/* Caller holds the lock. Nothing is left of the current window: a 429 said so, or the requests
 * sent and those of others reach the limit. */
static bool window_spent(const budget_state *b)
{
    return b->spent || (b->limit && b->sent + external(b) >= b->limit);
}

/* Caller holds the lock. */
static uint64_t decide(cci_limiter *l, budget_state *b, uint64_t now, cci_limit_ticket *ticket)
{
    if (b->paused_until > now) return rate_wait(l, b->paused_until, now);
    if (b->window_end && now >= b->window_end + RESET_MARGIN_MS) open_window(b, true);
    uint64_t wait = 0;
    if (!bucket_ready(l, b, now, &wait)) return wait;
    bool spent = window_spent(b);
    bool probe = false;
    if (spent) {
        /* what looks like someone else's may be this run's own, still on their way back */
        if (!b->spent && external(b) && b->in_flight_here) return POLL_MS;
        if (b->window_end > now) {
            /* the window's end the service told, but no pause longer than --max-wait: then one
             * request finds out (a reset far ahead may be a lie, or a clock apart) */
            uint64_t until = b->window_end + RESET_MARGIN_MS;
            uint64_t most = b->last_answered_sent ? b->last_answered_sent + l->max_wait_ms : until;
            if (until <= most || most > now) return rate_wait(l, until <= most ? until : most, now);
        }
        /* answers on their way will tell: the count, or the reset (each is bounded by the
         * request timeout). A probe sent now could take a place one of them was counted for */
        if (b->probing || b->in_flight_here || (b->in_flight && b->resets_on_success)) return POLL_MS;
        /* nothing will say when the window ends: one request finds out, when the ends seen so
         * far say the next window may have begun */
        uint64_t at = next_probe_at(b, l->max_wait_ms);
        if (at > now) return rate_wait(l, at, now);
        probe = true;
        b->probing = true;
        l->stats.probes++;
    }
    if (l->per_ms > 0) b->bucket -= 1.0;
    if (!l->started) l->last_accepted = now; /* starvation counts from the first request */
    if (!total_in_flight(l)) l->last_event = now; /* the wait for an answer starts now */
    l->started = true;
    b->sent++;
    b->in_flight++;
    b->let_go++;
    b->in_flight_here++;
    *ticket = (cci_limit_ticket){.window = b->window, .sent_at = now, .probe = probe};
    return 0;
}

uint64_t cci_limiter_try(cci_limiter *limiter, cci_budget budget, uint64_t now_ms,
                         cci_limit_ticket *ticket)
{
    pthread_mutex_lock(&limiter->lock);
    uint64_t wait = decide(limiter, &limiter->budgets[budget], now_ms, ticket);
    pthread_mutex_unlock(&limiter->lock);
    return wait;
}

/* ---- answers ---- */

/* The reset time of an answer on the monotonic clock; 0 when absent, past or absurd. */
static uint64_t sane_reset(const cci_rate_answer *answer, uint64_t now, int64_t wall_ms)
{
    if (answer->reset_s < 0 || answer->reset_s > INT64_MAX / 1000) return 0;
    int64_t until = answer->reset_s * 1000 - wall_ms;
    if (until < -(int64_t)RESET_MARGIN_MS || until > ABSURD_AHEAD_MS) return 0;
    return now + (until > 0 ? (uint64_t)until : 0);
}

/* Retry-After in milliseconds; 0 when absent or absurd. */
static uint64_t sane_retry_after(const cci_rate_answer *answer)
{
    if (answer->retry_after_s < 0 || answer->retry_after_s > ABSURD_AHEAD_MS / 1000) return 0;
    return answer->retry_after_s ? (uint64_t)answer->retry_after_s * 1000 : 1;
}

/* How many requests the service says it counted in the window: its limit (this answer's, or
 * one told before) less the remaining; -1 when that is not told, or is nonsense. */
static long long used_of(const budget_state *b, const cci_rate_answer *answer)
{
    long long limit = answer->limit > 0 && answer->limit <= MAX_SANE_LIMIT ? answer->limit
                      : b->limit_told                                     ? b->limit
                                                                          : -1;
    if (limit < 0 || answer->remaining < 0 || answer->remaining > limit) return -1;
    return limit - answer->remaining;
}

/* Caller holds the lock. Takes in the limit, the reset and the remaining of an answer; of one
 * sent in a window that has ended since (stale), only the limit. */
static void learn_headers(budget_state *b, const cci_rate_answer *answer, uint64_t reset, bool stale)
{
    if (answer->limit > 0 && answer->limit <= MAX_SANE_LIMIT) {
        b->limit = answer->limit;
        b->limit_told = true;
    }
    if (stale) return;
    if (reset) {
        if (!b->window_end) {
            if (b->last_window_end && reset > b->last_window_end) note_window_length(b, reset - b->last_window_end);
            b->window_end = reset;
        } else if (reset > b->window_end + RESET_MARGIN_MS) {
            /* the service is in a newer window than this run thought: take its count */
            note_window_length(b, reset - b->window_end);
            open_window(b, true);
            b->window_end = reset;
        }
    }
    long long used = used_of(b, answer);
    if (used > b->used_seen) b->used_seen = used;
}

/* Caller holds the lock. The latest request the service answered in the window went at sent_at. */
static void answered_in_window(budget_state *b, uint64_t sent_at)
{
    if (sent_at > b->last_answered_sent) b->last_answered_sent = sent_at;
}

/* Caller holds the lock. An answer that was not a 429. */
static void took_answer(cci_limiter *l, budget_state *b, const cci_limit_ticket *ticket,
                        const cci_rate_answer *answer, uint64_t now, int64_t wall_ms)
{
    l->last_accepted = now;
    l->consecutive_429 = 0;
    uint64_t reset = sane_reset(answer, now, wall_ms);
    if (reset) b->resets_on_success = true;
    bool stale = ticket->window != b->window;
    /* counts only rise within a window: a probe counted at or above what was seen is in it */
    bool same_window = b->used_seen >= 0 && used_of(b, answer) > b->used_seen;
    if (ticket->probe && same_window) {
        b->spent = false; /* the remaining says there is room after all */
    } else if (ticket->probe && !b->window_end && !reset && known_full(b)) {
        /* the window was full, nothing says when windows end, and the probe went through: a
         * new one began after the last request answered in the old one, and by now */
        cci_window_guess_seen(&b->guess, b->window + 1, b->last_answered_sent, now);
        uint64_t shortest, longest;
        if (cci_window_guess_length(&b->guess, &shortest, &longest)) note_window_length(b, shortest / 2 + longest / 2);
        open_window(b, true);
        b->sent = 1; /* the probe is its first request */
        stale = false;
    } else if (ticket->probe && !b->limit_told && !stale) {
        /* the window is not known to be full, and the probe went through: the learned limit
         * was low */
        b->limit = b->sent + external(b);
        b->spent = false;
    }
    if (!stale) {
        b->accepted++;
        answered_in_window(b, ticket->sent_at);
        /* answers still coming back after the 429 that taught the limit count in it too */
        if (b->counted && !b->limit_told && b->accepted > b->limit) b->limit = b->accepted;
    }
    learn_headers(b, answer, reset, stale);
}

/* Caller holds the lock. Nothing said when the window ends: until when to pause the pool after
 * this 429 (the budget's requests only); 0 not at all (the limiter waits for where the next window is expected to begin). */
static uint64_t untold_pause_until(budget_state *b, const cci_limit_ticket *ticket, uint64_t now)
{
    uint64_t after, by;
    bool expected = cci_window_guess_start(&b->guess, b->window + 1, &after, &by);
    if (expected && ticket->probe && ticket->sent_at > by) {
        /* refused where the next window had surely begun: what was learned is wrong */
        cci_window_guess_forget(&b->guess);
        expected = false;
    }
    if (expected) {
        if (ticket->probe) b->probe_refused = true;
        return 0;
    }
    /* the other 429s of a burst that met the end of the budget say nothing new */
    if (!ticket->probe && b->paused_until > now) return 0;
    /* a short wait that doubles with each 429 in a row, up to the documented window */
    uint64_t wait = (uint64_t)FIRST_PROBE_WAIT_MS << (b->fallback_step < 16 ? b->fallback_step : 16);
    if (wait > CCI_DOCUMENTED_WINDOW_MS) wait = CCI_DOCUMENTED_WINDOW_MS;
    b->fallback_step++;
    return now + wait;
}

/* Caller holds the lock. A 429: pause the pool until the window ends, as far as anything says. */
static void took_429(cci_limiter *l, budget_state *b, const cci_limit_ticket *ticket,
                     const cci_rate_answer *answer, uint64_t now, int64_t wall_ms)
{
    l->stats.rate_limited++;
    l->consecutive_429++;
    bool stale = ticket->window != b->window;
    if (!b->limit_told && !stale && !b->counted && b->accepted > 0) {
        /* no header tells the limit: it is what got through in this window; in a window seen
         * from its start, that is all a window lets through */
        b->limit = b->accepted;
        b->limit_trusted = b->start_seen;
        b->counted = true;
    }
    uint64_t reset = sane_reset(answer, now, wall_ms);
    learn_headers(b, answer, reset, stale);
    if (stale && !ticket->probe) return; /* a 429 of a window already over says nothing of this one */
    b->spent = true;
    if (!stale) answered_in_window(b, ticket->sent_at);

    uint64_t retry_after = sane_retry_after(answer);
    uint64_t until = reset ? reset + RESET_MARGIN_MS : retry_after ? now + retry_after : 0;
    bool told = until != 0;
    if (!told) until = untold_pause_until(b, ticket, now);
    if (!until) return;
    bool capped = until > now + l->max_wait_ms;
    if (capped) until = now + l->max_wait_ms;
    /* when the service said and it is within the cap, the window ends then */
    if (told && !capped && until - RESET_MARGIN_MS > b->window_end) b->window_end = until - RESET_MARGIN_MS;
    uint64_t from = b->paused_until > now ? b->paused_until : now;
    if (until > from) {
        count_pause(l, from, until); /* wall-clock time: budgets paused at once count once */
        b->paused_until = until;
    }
}

uint64_t cci_limiter_peek(cci_limiter *limiter, cci_budget budget, uint64_t now_ms)
{
    pthread_mutex_lock(&limiter->lock);
    const budget_state *b = &limiter->budgets[budget];
    uint64_t until = b->paused_until;
    bool new_window = b->window_end && now_ms >= b->window_end + RESET_MARGIN_MS;
    bool spent = !new_window && window_spent(b);
    if (spent && b->window_end + RESET_MARGIN_MS > until) until = b->window_end + RESET_MARGIN_MS;
    pthread_mutex_unlock(&limiter->lock);
    return until > now_ms ? until - now_ms : 0;
}

void cci_limiter_done(cci_limiter *limiter, cci_budget budget, const cci_limit_ticket *ticket,
                      const cci_rate_answer *answer, uint64_t now_ms, int64_t wall_ms)
{
    pthread_mutex_lock(&limiter->lock);
    budget_state *b = &limiter->budgets[budget];
    if (b->in_flight) b->in_flight--;
    if (ticket->window == b->window && b->in_flight_here) b->in_flight_here--;
    if (ticket->probe) b->probing = false;
    limiter->last_event = now_ms;
    if (answer && answer->rate_limited) took_429(limiter, b, ticket, answer, now_ms, wall_ms);
    else if (answer) took_answer(limiter, b, ticket, answer, now_ms, wall_ms);
    pthread_mutex_unlock(&limiter->lock);
}
