#include "sbx_limits.h"

void sbx_limits_init(sbx_limits *limits, unsigned core, unsigned standard, unsigned data_import, unsigned window_ms)
{
    *limits = (sbx_limits){.window_ms = window_ms ? window_ms : 1};
    limits->limit[SBX_BUDGET_CORE] = core;
    limits->limit[SBX_BUDGET_STANDARD] = standard;
    limits->limit[SBX_BUDGET_DATA_IMPORT] = data_import;
    pthread_mutex_init(&limits->lock, NULL);
}

void sbx_limits_cleanup(sbx_limits *limits)
{
    pthread_mutex_destroy(&limits->lock);
}

static sbx_limit_state account(sbx_limits *limits, sbx_budget budget, uint64_t now_ms, bool take)
{
    pthread_mutex_lock(&limits->lock);
    uint64_t window = now_ms / limits->window_ms;
    if (window != limits->window[budget] || !limits->windows_seen[budget]) {
        for (unsigned skipped = 1; skipped <= SBX_SKIPPED_WINDOWS; skipped++)
            if (limits->windows_seen[budget] > skipped && limits->limited[budget] > limits->most_limited_after[skipped])
                limits->most_limited_after[skipped] = limits->limited[budget];
        /* times read before another's but counted after it can go back a window: idle windows
         * are counted from the latest seen */
        if (limits->windows_seen[budget] && window > limits->latest[budget] + 1)
            limits->idle_windows[budget] += (unsigned)(window - limits->latest[budget] - 1);
        if (!limits->windows_seen[budget] || window > limits->latest[budget]) limits->latest[budget] = window;
        limits->windows_seen[budget]++;
        limits->window[budget] = window;
        limits->used[budget] = 0;
        limits->limited[budget] = 0;
    }
    unsigned limit = limits->limit[budget];
    bool allowed = limits->used[budget] < limit;
    if (allowed && take) limits->used[budget]++;
    if (!allowed && take) limits->limited[budget]++;
    sbx_limit_state state = {
        .allowed = allowed,
        .limit = limit,
        .remaining = limit - limits->used[budget],
        .reset_ms = (window + 1) * limits->window_ms,
    };
    pthread_mutex_unlock(&limits->lock);
    return state;
}

sbx_limit_state sbx_limits_take(sbx_limits *limits, sbx_budget budget, uint64_t now_ms)
{
    return account(limits, budget, now_ms, true);
}

sbx_limit_state sbx_limits_peek(sbx_limits *limits, sbx_budget budget, uint64_t now_ms)
{
    return account(limits, budget, now_ms, false);
}

unsigned sbx_limits_most_limited(sbx_limits *limits, unsigned skipped)
{
    if (skipped < 1 || skipped > SBX_SKIPPED_WINDOWS) return 0;
    pthread_mutex_lock(&limits->lock);
    unsigned most = limits->most_limited_after[skipped];
    for (int b = 0; b < SBX_BUDGET_COUNT; b++)
        if (limits->windows_seen[b] > skipped && limits->limited[b] > most) most = limits->limited[b];
    pthread_mutex_unlock(&limits->lock);
    return most;
}

void sbx_limits_windows(sbx_limits *limits, sbx_budget budget, unsigned *with_requests, unsigned *idle)
{
    pthread_mutex_lock(&limits->lock);
    *with_requests = limits->windows_seen[budget];
    *idle = limits->idle_windows[budget];
    pthread_mutex_unlock(&limits->lock);
}

const char *sbx_budget_name(sbx_budget budget)
{
    static const char *const names[] = {"core", "standard", "data_import"};
    return budget < SBX_BUDGET_COUNT ? names[budget] : "unknown";
}

void sbx_limits_windows_to_json(sbx_limits *limits, cJSON *object)
{
    cJSON *seen = cJSON_AddObjectToObject(object, "windows_with_requests");
    cJSON *idle = cJSON_AddObjectToObject(object, "idle_windows");
    for (int b = 0; b < SBX_BUDGET_COUNT; b++) {
        unsigned with_requests, without;
        sbx_limits_windows(limits, (sbx_budget)b, &with_requests, &without);
        cJSON_AddNumberToObject(seen, sbx_budget_name((sbx_budget)b), with_requests);
        cJSON_AddNumberToObject(idle, sbx_budget_name((sbx_budget)b), without);
    }
}

void sbx_limits_reset(sbx_limits *limits)
{
    pthread_mutex_lock(&limits->lock);
    for (int b = 0; b < SBX_BUDGET_COUNT; b++)
        limits->used[b] = limits->limited[b] = limits->windows_seen[b] = limits->idle_windows[b] = 0;
    for (unsigned skipped = 0; skipped <= SBX_SKIPPED_WINDOWS; skipped++) limits->most_limited_after[skipped] = 0;
    pthread_mutex_unlock(&limits->lock);
}
