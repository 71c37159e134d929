/* The progress line's estimate of the time left, from the pace the run really has: the rows
 * finished over the last while, and what a row costs each budget in requests (a create or an
 * update one, a Data Import batch a fiftieth, a retry more) against the pace that budget's limits
 * allow; never less than the wait under way. Budgets are spent at once, so the slowest decides.
 * Pure arithmetic on the times it is given: a test drives it with a simulated clock.
 * Thread-safety: none; one owner (the progress display's thread). */
#ifndef CCI_TOOL_ETA_H
#define CCI_TOOL_ETA_H

#include <stdint.h>

#include "cci/send/ratelimit.h"

enum {
    TOOL_ETA_SPACING_MS = 500,  /* samples kept at least this far apart */
    TOOL_ETA_SAMPLES = 128,     /* so the last minute or so is kept: one CometChat window */
    TOOL_ETA_RECENT_MS = 15000, /* the pace is that of the last this long, when rows finished in it */
    TOOL_ETA_FEWEST_ROWS = 20,   /* no estimate from fewer rows than this ... */
    TOOL_ETA_FEWEST_SECONDS = 5, /* ... unless they took this long */
};

typedef struct tool_eta_sample {
    uint64_t at_ms;                          /* monotonic */
    unsigned long rows;                      /* rows finished, of every kind */
    unsigned long let_go[CCI_BUDGET_COUNT];  /* requests each budget let go */
} tool_eta_sample;

typedef struct tool_eta {
    tool_eta_sample kept[TOOL_ETA_SAMPLES]; /* a ring, oldest first from `oldest` */
    unsigned oldest, count;
    tool_eta_sample latest; /* the newest, kept or not */
    bool any;
} tool_eta;

typedef struct tool_eta_estimate {
    double rows_per_s; /* over the span the estimate used; 0 when not known yet */
    long seconds_left; /* -1 when not known yet (no row finished, or under a second seen) */
} tool_eta_estimate;

void tool_eta_init(tool_eta *eta);

/* Where the run is at at_ms: rows finished, and the limiter's counts (NULL: no limiter). */
void tool_eta_add(tool_eta *eta, uint64_t at_ms, unsigned long rows_done, const cci_limiter_status *limits);

/* The time left for total rows (total < 0: unknown, so only the pace is said). limits gives the
 * paces allowed and the wait under way; NULL when there is no limiter. */
tool_eta_estimate tool_eta_estimate_of(const tool_eta *eta, long total, const cci_limiter_status *limits);

#endif
