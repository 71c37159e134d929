#include "tool_eta.h"

#include <string.h>

void tool_eta_init(tool_eta *eta)
{
    memset(eta, 0, sizeof *eta);
}

static const tool_eta_sample *kept_at(const tool_eta *eta, unsigned i)
{
    return &eta->kept[(eta->oldest + i) % TOOL_ETA_SAMPLES];
}

void tool_eta_add(tool_eta *eta, uint64_t at_ms, unsigned long rows_done, const cci_limiter_status *limits)
{
    tool_eta_sample s = {.at_ms = at_ms, .rows = rows_done};
    if (limits) memcpy(s.let_go, limits->let_go, sizeof s.let_go);
    eta->latest = s;
    eta->any = true;
    if (eta->count && at_ms < kept_at(eta, eta->count - 1)->at_ms + TOOL_ETA_SPACING_MS) return;
    if (eta->count == TOOL_ETA_SAMPLES) {
        eta->oldest = (eta->oldest + 1) % TOOL_ETA_SAMPLES;
        eta->count--;
    }
    eta->kept[(eta->oldest + eta->count) % TOOL_ETA_SAMPLES] = s;
    eta->count++;
}

/* The sample the pace is measured from: the oldest of the recent ones when rows finished since
 * it, else the oldest kept; never one before the last that had no row finished (the time before
 * the first row came back belongs to the run, the time before that sample does not). */
static const tool_eta_sample *base_of(const tool_eta *eta)
{
    const tool_eta_sample *latest = &eta->latest, *base = NULL, *recent = NULL;
    for (unsigned i = 0; i < eta->count; i++) {
        const tool_eta_sample *s = kept_at(eta, i);
        if (s->rows == 0 || !base) base = s, recent = NULL;
        if (!recent && s->at_ms + TOOL_ETA_RECENT_MS >= latest->at_ms && s->rows < latest->rows) recent = s;
    }
    return recent ? recent : base;
}

tool_eta_estimate tool_eta_estimate_of(const tool_eta *eta, long total, const cci_limiter_status *limits)
{
    tool_eta_estimate estimate = {.rows_per_s = 0, .seconds_left = -1};
    const tool_eta_sample *base = eta->any ? base_of(eta) : NULL;
    if (!base) return estimate;
    const tool_eta_sample *latest = &eta->latest;
    double seconds = (double)(latest->at_ms - base->at_ms) / 1000.0;
    double rows = (double)(latest->rows - base->rows);
    if (seconds < 1.0 || rows <= 0) return estimate;
    /* a few rows in a second or two are not a pace yet */
    if (rows < TOOL_ETA_FEWEST_ROWS && seconds < TOOL_ETA_FEWEST_SECONDS) return estimate;
    estimate.rows_per_s = rows / seconds;
    if (total < 0) return estimate;
    double left = total > (long)latest->rows ? (double)((unsigned long)total - latest->rows) : 0;
    double needed = left / estimate.rows_per_s;
    for (int b = 0; limits && b < CCI_BUDGET_COUNT; b++) {
        double requests = (double)(latest->let_go[b] - base->let_go[b]);
        /* the rows left cost this budget as many requests a row as the recent ones did */
        if (limits->pace_per_s[b] > 0 && requests > 0) {
            double at_the_limit = left * (requests / rows) / limits->pace_per_s[b];
            if (at_the_limit > needed) needed = at_the_limit;
        }
    }
    /* the paces already count the waits between windows: the wait under way only bounds the ETA
     * from below (adding it counted a window twice) */
    double wait = limits ? (double)limits->rate_wait_ms / 1000.0 : 0;
    if (wait > needed) needed = wait;
    estimate.seconds_left = left > 0 ? (long)(needed + 0.5) : 0;
    return estimate;
}
