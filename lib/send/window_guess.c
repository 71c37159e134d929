#include "send/window_guess.h"

#include <string.h>

void cci_window_guess_forget(cci_window_guess *g)
{
    g->count = 0;
}

/* The length as the sightings bound it: each pair i < j, n windows apart, says
 * (after_j - by_i) / n <= length <= (by_j - after_i) / n. */
bool cci_window_guess_length(const cci_window_guess *g, uint64_t *shortest, uint64_t *longest)
{
    uint64_t lo = 0, hi = UINT64_MAX;
    for (unsigned i = 0; i < g->count; i++)
        for (unsigned j = i + 1; j < g->count; j++) {
            uint64_t n = g->seen[j].window - g->seen[i].window;
            if (g->seen[j].after > g->seen[i].by) {
                uint64_t at_least = (g->seen[j].after - g->seen[i].by + n - 1) / n;
                if (at_least > lo) lo = at_least;
            }
            uint64_t at_most = g->seen[j].by > g->seen[i].after ? (g->seen[j].by - g->seen[i].after) / n : 0;
            if (at_most < hi) hi = at_most;
        }
    if (hi == UINT64_MAX || lo > hi || hi == 0) return false;
    *shortest = lo;
    *longest = hi;
    return true;
}

bool cci_window_guess_start(const cci_window_guess *g, unsigned long window, uint64_t *after, uint64_t *by)
{
    uint64_t shortest, longest;
    if (!cci_window_guess_length(g, &shortest, &longest)) return false;
    uint64_t lo = 0, hi = UINT64_MAX;
    for (unsigned i = 0; i < g->count; i++) {
        if (window <= g->seen[i].window) return false;
        uint64_t n = window - g->seen[i].window;
        uint64_t from = g->seen[i].after + n * shortest, to = g->seen[i].by + n * longest;
        if (from > lo) lo = from;
        if (to < hi) hi = to;
    }
    if (lo > hi) return false;
    *after = lo;
    *by = hi;
    return true;
}

void cci_window_guess_seen(cci_window_guess *g, unsigned long window, uint64_t after, uint64_t by)
{
    if (by < after) by = after;
    bool fits = g->count == 0 || window > g->seen[g->count - 1].window;
    uint64_t from, to;
    if (fits && cci_window_guess_start(g, window, &from, &to)) fits = after <= to && by >= from;
    if (!fits) cci_window_guess_forget(g);
    if (g->count == CCI_WINDOW_GUESS_SEEN) {
        memmove(&g->seen[0], &g->seen[1], (CCI_WINDOW_GUESS_SEEN - 1) * sizeof g->seen[0]);
        g->count--;
    }
    g->seen[g->count].window = window;
    g->seen[g->count].after = after;
    g->seen[g->count].by = by;
    g->count++;
    uint64_t shortest, longest;
    if (g->count > 1 && !cci_window_guess_length(g, &shortest, &longest)) { /* the sightings disagree: start again */
        g->seen[0] = g->seen[g->count - 1];
        g->count = 1;
    }
}
