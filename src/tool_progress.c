#include "tool_progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cci/util/latch.h"
#include "cci/util/stop.h"

/* the pace is sampled every LIVE_INTERVAL_MS whether or not a line is drawn */
enum { LIVE_INTERVAL_MS = 200, PLAIN_INTERVAL_MS = 5000 };

struct tool_progress_display {
    FILE *out;
    bool live;
    cci_progress_source source; /* read-only */
    tool_eta eta; /* the display thread's own */
    cci_latch *done; /* released at finish: ends the display */
    pthread_t thread;
};

/* Appends to out at *used, bounded by len. */
static void append(char *out, size_t len, size_t *used, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void append(char *out, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *used, len - *used, fmt, ap);
    va_end(ap);
    if (n > 0) *used += (size_t)n;
}

void tool_progress_format(char *out, size_t len, const unsigned long counts[CCI_ACTION_COUNT],
                         long total, const tool_eta_estimate *estimate, const cci_limiter_status *limits)
{
    unsigned long done = 0;
    for (int a = 0; a < CCI_ACTION_COUNT; a++) done += counts[a];
    size_t used = 0;
    out[0] = '\0';
    if (total >= 0)
        append(out, len, &used, "%lu/%ld rows (%.1f%%)", done, total,
               total ? 100.0 * (double)done / (double)total : 100.0);
    else
        append(out, len, &used, "%lu rows", done);
    append(out, len, &used, ", %.0f rows/s", estimate->rows_per_s);
    if (estimate->seconds_left > 0)
        append(out, len, &used, ", ETA %ld:%02ld", estimate->seconds_left / 60, estimate->seconds_left % 60);
    append(out, len, &used, " | created %lu, updated %lu, unchanged %lu, invalid %lu, failed %lu",
           counts[CCI_ACTION_CREATED], counts[CCI_ACTION_UPDATED], counts[CCI_ACTION_UNCHANGED],
           counts[CCI_ACTION_INVALID], counts[CCI_ACTION_FAILED]);
    if (limits && limits->rate_wait_ms >= 1000)
        append(out, len, &used, " | rate limited: next window in %.0f s", (double)limits->rate_wait_ms / 1000.0);
    else if (limits && limits->in_flight && limits->quiet_ms >= TOOL_QUIET_ANSWER_MS)
        append(out, len, &used, " | waiting for an answer from CometChat for %llu s",
               (unsigned long long)(limits->quiet_ms / 1000));
}

/* Takes a sample of where the run is; draws the line when draw is set. */
static void look(tool_progress_display *p, bool draw)
{
    unsigned long counts[CCI_ACTION_COUNT], done = 0;
    for (int a = 0; a < CCI_ACTION_COUNT; a++) done += counts[a] = atomic_load(&p->source.counts[a]);
    cci_limiter_status limits = {0};
    if (p->source.limiter) limits = cci_limiter_status_of(p->source.limiter, cci_now_ms());
    const cci_limiter_status *known = p->source.limiter ? &limits : NULL;
    /* the work's pace, not the report's: a slow row holds the rows after it out of the report */
    unsigned long worked = p->source.finished ? atomic_load(p->source.finished) : done;
    tool_eta_add(&p->eta, cci_now_ms(), worked > done ? worked : done, known);
    if (!draw) return;
    tool_eta_estimate estimate = tool_eta_estimate_of(&p->eta, p->source.total, known);
    char text[512];
    tool_progress_format(text, sizeof text, counts, p->source.total, &estimate, known);
    /* \r and "erase to the end of the line": the line is redrawn in place */
    if (p->live) fprintf(p->out, "\r\033[K%s", text);
    else fprintf(p->out, "cometchat-import: progress: %s\n", text);
    fflush(p->out);
}

static void *display(void *arg)
{
    tool_progress_display *p = arg;
    unsigned ticks_a_line = p->live ? 1 : PLAIN_INTERVAL_MS / LIVE_INTERVAL_MS;
    look(p, p->live);
    for (unsigned tick = 1; !cci_latch_wait(p->done, LIVE_INTERVAL_MS); tick++) look(p, tick % ticks_a_line == 0);
    return NULL;
}

tool_progress_display *tool_progress_start(FILE *out, bool live, cci_progress_source source)
{
    tool_progress_display *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    *p = (tool_progress_display){.out = out, .live = live, .source = source, .done = cci_latch_new()};
    tool_eta_init(&p->eta);
    if (!p->done || pthread_create(&p->thread, NULL, display, p) != 0) {
        cci_latch_free(p->done);
        free(p);
        return NULL;
    }
    return p;
}

void tool_progress_finish(tool_progress_display *p)
{
    if (!p) return;
    cci_latch_release(p->done);
    pthread_join(p->thread, NULL);
    if (p->live) {
        fputs("\r\033[K", p->out); /* the summary takes the line's place */
        fflush(p->out);
    }
    cci_latch_free(p->done);
    free(p);
}
