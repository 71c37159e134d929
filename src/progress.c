#include "cci/progress.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cci/stop.h"

enum { LIVE_INTERVAL_MS = 200, PLAIN_INTERVAL_MS = 5000 };

struct cci_progress_display {
    FILE *out;
    bool live;
    cci_progress_source source; /* read-only */
    uint64_t started_ms;
    cci_stop *done; /* wakes the display to end it */
    pthread_t thread;
};

void cci_progress_format(char *out, size_t len, const unsigned long counts[CCI_ACTION_COUNT],
                         long total, double seconds, bool paused)
{
    unsigned long done = 0;
    for (int a = 0; a < CCI_ACTION_COUNT; a++) done += counts[a];
    double rate = seconds > 0 ? (double)done / seconds : 0;
    size_t used = 0;
    if (total >= 0) {
        used += (size_t)snprintf(out + used, len - used, "%lu/%ld rows (%.1f%%)", done, total,
                                 total ? 100.0 * (double)done / (double)total : 100.0);
    } else {
        used += (size_t)snprintf(out + used, len - used, "%lu rows", done);
    }
    if (used < len) used += (size_t)snprintf(out + used, len - used, ", %.0f rows/s", rate);
    if (used < len && total > 0 && rate > 0 && (unsigned long)total > done) {
        long eta = (long)((double)((unsigned long)total - done) / rate + 0.5);
        used += (size_t)snprintf(out + used, len - used, ", ETA %ld:%02ld", eta / 60, eta % 60);
    }
    if (used < len)
        used += (size_t)snprintf(out + used, len - used,
                                 " | created %lu, updated %lu, unchanged %lu, invalid %lu, failed %lu",
                                 counts[CCI_ACTION_CREATED], counts[CCI_ACTION_UPDATED],
                                 counts[CCI_ACTION_UNCHANGED], counts[CCI_ACTION_INVALID],
                                 counts[CCI_ACTION_FAILED]);
    if (used < len && paused) snprintf(out + used, len - used, " | paused by rate limit");
}

static void draw(cci_progress_display *p)
{
    unsigned long counts[CCI_ACTION_COUNT];
    for (int a = 0; a < CCI_ACTION_COUNT; a++) counts[a] = atomic_load(&p->source.counts[a]);
    uint64_t now = cci_now_ms();
    bool paused = p->source.limiter && cci_limiter_paused(p->source.limiter, now);
    char text[512];
    cci_progress_format(text, sizeof text, counts, p->source.total, (double)(now - p->started_ms) / 1000.0, paused);
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
    while (cci_stop_sleep(p->done, interval)) draw(p);
    return NULL;
}

cci_progress_display *cci_progress_start(FILE *out, bool live, cci_progress_source source)
{
    cci_progress_display *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    *p = (cci_progress_display){.out = out, .live = live, .source = source, .started_ms = cci_now_ms(),
                        .done = cci_stop_new()};
    if (!p->done || pthread_create(&p->thread, NULL, display, p) != 0) {
        cci_stop_free(p->done);
        free(p);
        return NULL;
    }
    return p;
}

void cci_progress_finish(cci_progress_display *p)
{
    if (!p) return;
    cci_stop_request(p->done, CCI_STOP_FATAL, "finished");
    pthread_join(p->thread, NULL);
    if (p->live) {
        fputs("\r\033[K", p->out); /* the summary takes the line's place */
        fflush(p->out);
    }
    cci_stop_free(p->done);
    free(p);
}
