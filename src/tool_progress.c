#include "tool_progress.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cci/batch.h"
#include "cci/latch.h"
#include "cci/stop.h"

enum { LIVE_INTERVAL_MS = 200, PLAIN_INTERVAL_MS = 5000 };

struct cci_progress_display {
    FILE *out;
    bool live;
    cci_progress_source source; /* read-only */
    uint64_t started_ms;
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

void cci_progress_format(char *out, size_t len, const unsigned long counts[CCI_ACTION_COUNT],
                         long total, double seconds, const cci_limiter_status *limits)
{
    unsigned long done = 0;
    for (int a = 0; a < CCI_ACTION_COUNT; a++) done += counts[a];
    double rate = seconds > 0 ? (double)done / seconds : 0;
    size_t used = 0;
    out[0] = '\0';
    if (total >= 0)
        append(out, len, &used, "%lu/%ld rows (%.1f%%)", done, total,
               total ? 100.0 * (double)done / (double)total : 100.0);
    else
        append(out, len, &used, "%lu rows", done);
    append(out, len, &used, ", %.0f rows/s", rate);
    double wait_s = limits ? (double)limits->rate_wait_ms / 1000.0 : 0;
    if (total > 0 && rate > 0 && (unsigned long)total > done) {
        /* the rows still to go at the rate so far, or at the pace the limits allow if slower,
         * after the wait under way: a row a create or an update, fifty a Data Import batch, every
         * channel at once (the core budget's pace known, else the limits say nothing) */
        double allowed = limits && limits->pace_per_s[CCI_BUDGET_CORE] > 0
                             ? limits->pace_per_s[CCI_BUDGET_CORE] + limits->pace_per_s[CCI_BUDGET_STANDARD] +
                                   CCI_BATCH_MAX * limits->pace_per_s[CCI_BUDGET_DATA_IMPORT]
                             : 0;
        double pace = allowed > 0 && allowed < rate ? allowed : rate;
        long eta = (long)((double)((unsigned long)total - done) / pace + wait_s + 0.5);
        append(out, len, &used, ", ETA %ld:%02ld", eta / 60, eta % 60);
    }
    append(out, len, &used, " | created %lu, updated %lu, unchanged %lu, invalid %lu, failed %lu",
           counts[CCI_ACTION_CREATED], counts[CCI_ACTION_UPDATED], counts[CCI_ACTION_UNCHANGED],
           counts[CCI_ACTION_INVALID], counts[CCI_ACTION_FAILED]);
    if (limits && limits->rate_wait_ms >= 1000)
        append(out, len, &used, " | rate limited: next window in %.0f s", wait_s);
    else if (limits && limits->in_flight && limits->quiet_ms >= CCI_QUIET_ANSWER_MS)
        append(out, len, &used, " | waiting for an answer from CometChat for %llu s",
               (unsigned long long)(limits->quiet_ms / 1000));
}

static void draw(cci_progress_display *p)
{
    unsigned long counts[CCI_ACTION_COUNT];
    for (int a = 0; a < CCI_ACTION_COUNT; a++) counts[a] = atomic_load(&p->source.counts[a]);
    uint64_t now = cci_now_ms();
    cci_limiter_status limits = {0};
    if (p->source.limiter) limits = cci_limiter_status_of(p->source.limiter, now);
    char text[512];
    cci_progress_format(text, sizeof text, counts, p->source.total, (double)(now - p->started_ms) / 1000.0,
                        p->source.limiter ? &limits : NULL);
    /* \r and "erase to the end of the line": the line is redrawn in place */
    if (p->live) fprintf(p->out, "\r\033[K%s", text);
    else fprintf(p->out, "cometchat-import: progress: %s\n", text);
    fflush(p->out);
}

static void *display(void *arg)
{
    cci_progress_display *p = arg;
    unsigned interval = p->live ? LIVE_INTERVAL_MS : PLAIN_INTERVAL_MS;
    if (p->live) draw(p);
    while (!cci_latch_wait(p->done, interval)) draw(p);
    return NULL;
}

cci_progress_display *cci_progress_start(FILE *out, bool live, cci_progress_source source)
{
    cci_progress_display *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    *p = (cci_progress_display){.out = out, .live = live, .source = source, .started_ms = cci_now_ms(),
                        .done = cci_latch_new()};
    if (!p->done || pthread_create(&p->thread, NULL, display, p) != 0) {
        cci_latch_free(p->done);
        free(p);
        return NULL;
    }
    return p;
}

void cci_progress_finish(cci_progress_display *p)
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
