/* The limiter's state, private to lib/send/: what ratelimit.c decides and learns with, and what
 * ratelimit_status.c reads out. Thread-safety: written beside each field (the limiter's lock). */
#ifndef CCI_RATELIMIT_STATE_H
#define CCI_RATELIMIT_STATE_H

#include "cci/send/ratelimit.h"
#include "send/window_guess.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum {
    POLL_MS = 5,              /* asking again while an answer that will tell is on its way */
    RESET_MARGIN_MS = 10,     /* after a reset time, before sending into the new window */
    FIRST_PROBE_WAIT_MS = 250, /* after a 429 that said nothing of when: then doubling */
    STARVED_AFTER_429S = 3,
    CLOSE_ENOUGH = 32,        /* a window's start known to 1/32 of its length is not bisected */
};
/* A header further ahead than this is not an instruction anyone means. */
#define ABSURD_AHEAD_MS (24LL * 3600 * 1000)
#define MAX_SANE_LIMIT 100000000LL

typedef struct budget_state {
    /* what the service said, or this run learned */
    long long limit;         /* requests a window; 0 until known */
    bool limit_told;         /* the limit came from a header, not from counting */
    bool limit_trusted;      /* counted in a whole window of this run's: reaching it fills one */
    bool resets_on_success;  /* ordinary answers carry the reset time */
    uint64_t window_end;     /* monotonic ms when the current window ends; 0: not known */
    uint64_t window_ms;      /* the window's length, once seen; 0: not known */
    uint64_t last_window_end; /* the end of the window before, to measure the length */
    cci_window_guess guess;  /* where windows begin, when nothing says */
    /* this window */
    unsigned long window;    /* counts windows */
    bool start_seen;         /* it began at an end the service told, or a probe found */
    long long sent;          /* requests let go in it */
    long long accepted;      /* answers that were not 429 */
    long long used_seen;     /* the most the service said it counted in it; -1 not told */
    unsigned in_flight_here; /* requests let go in it and not answered yet */
    uint64_t last_answered_sent; /* when the latest request the service answered in it went */
    bool spent;              /* a 429 said nothing is left */
    bool counted;            /* the limit was learned from this window already */
    bool probe_refused;      /* a probe for the next window met a 429 */
    unsigned fallback_step;  /* doublings of the wait after 429s that said nothing of when */
    uint64_t paused_until;   /* no request of this budget before it: each budget is counted apart,
                              * so a 429 of one never holds up the others */
    unsigned in_flight;      /* requests let go and not answered, of any window */
    unsigned long let_go;    /* requests let go in the whole run (the ETA's cost of a row) */
    bool probing;            /* a probe is out: no other until its answer */
    /* --rate's token bucket */
    double bucket;
    uint64_t bucket_time;
} budget_state;

struct cci_limiter {
    pthread_mutex_t lock;
    double per_ms;        /* --rate in requests per millisecond; 0 without --rate. Read-only */
    double capacity;      /* the bucket holds a second's worth. Read-only */
    uint64_t max_wait_ms; /* read-only */
    budget_state budgets[CCI_BUDGET_COUNT]; /* protected by lock */
    uint64_t rate_wait_until; /* protected by lock: the end of the last wait for a limit */
    uint64_t last_event;      /* protected by lock: last answer, or first send when idle */
    uint64_t last_accepted;   /* protected by lock: last answer that was not a 429 */
    unsigned long consecutive_429; /* protected by lock */
    bool started;             /* protected by lock: the first request went */
    cci_limiter_stats stats;  /* protected by lock */
    uint64_t paused_through;  /* protected by lock: the end of the last pause counted in paused_ms */
};

#endif
