/* The sandbox's rate limits: two budgets counted in fixed windows of wall-clock time, as the
 * service counts requests per minute per app.
 *
 * Thread-safety: every function may be called from any thread; a mutex inside protects the
 * counts. The limits and the window length are set once by sbx_limits_init. */
#ifndef SBX_LIMITS_H
#define SBX_LIMITS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum { SBX_BUDGET_CORE, SBX_BUDGET_STANDARD, SBX_BUDGET_DATA_IMPORT, SBX_BUDGET_COUNT } sbx_budget;

typedef struct sbx_limit_state {
    bool allowed;       /* false: answer 429, the request is not processed */
    unsigned limit;     /* requests per window */
    unsigned remaining; /* after this request */
    uint64_t reset_ms;  /* unix milliseconds when the window ends */
} sbx_limit_state;

enum { SBX_SKIPPED_WINDOWS = 2 };

typedef struct sbx_limits {
    pthread_mutex_t lock;
    unsigned limit[SBX_BUDGET_COUNT];
    unsigned window_ms;
    uint64_t window[SBX_BUDGET_COUNT]; /* index of the current window; protected by lock */
    unsigned used[SBX_BUDGET_COUNT];   /* requests taken in it; protected by lock */
    /* 429s: in the current window, and the most in one window after the first (or the first
     * two) that saw any request: the figure a client's pacing is judged by; protected by lock */
    unsigned limited[SBX_BUDGET_COUNT];
    unsigned windows_seen[SBX_BUDGET_COUNT];
    unsigned most_limited_after[SBX_SKIPPED_WINDOWS + 1]; /* [n]: after the first n */
    /* windows that saw no request between two that did: how long a client waited for nothing;
     * protected by lock */
    unsigned idle_windows[SBX_BUDGET_COUNT];
    uint64_t latest[SBX_BUDGET_COUNT]; /* the latest window that saw a request; protected by lock */
} sbx_limits;

void sbx_limits_init(sbx_limits *limits, unsigned core, unsigned standard, unsigned data_import, unsigned window_ms);
void sbx_limits_cleanup(sbx_limits *limits);

/* Takes one request from budget at now_ms when there is room. */
sbx_limit_state sbx_limits_take(sbx_limits *limits, sbx_budget budget, uint64_t now_ms);

/* The state without taking anything (for answers refused before the budget, e.g. a bad key). */
sbx_limit_state sbx_limits_peek(sbx_limits *limits, sbx_budget budget, uint64_t now_ms);

/* The most 429s any window after the first `skipped` (1..SBX_SKIPPED_WINDOWS) had, over every
 * budget. */
unsigned sbx_limits_most_limited(sbx_limits *limits, unsigned skipped);

/* Counted in windows, not in seconds, so that a test reading them holds on a loaded machine:
 * windows of budget that saw a request (taken, refused or peeked at), and windows that saw none
 * between the first and the last that did. */
void sbx_limits_windows(sbx_limits *limits, sbx_budget budget, unsigned *with_requests, unsigned *idle);
const char *sbx_budget_name(sbx_budget budget);
/* Adds them to object as "windows_with_requests" and "idle_windows", each per budget. */
void sbx_limits_windows_to_json(sbx_limits *limits, cJSON *object);

/* Starts every budget afresh. */
void sbx_limits_reset(sbx_limits *limits);

#endif
