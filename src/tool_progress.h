/* The progress display on standard error: on a terminal one live status line, redrawn at most
 * five times a second and cleared before the summary; otherwise a plain line every few seconds.
 * It reads counters the run updates; it never writes into the report.
 * Thread-safety: start and finish from the main thread; the display runs on a thread of its own
 * and reads only atomics and the thread-safe limiter. */
#ifndef CCI_TOOL_PROGRESS_H
#define CCI_TOOL_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "cci/run/import.h"
#include "cci/util/outcome.h"
#include "cci/send/ratelimit.h"
#include "tool_eta.h"

typedef struct tool_progress_display tool_progress_display;

/* live: the redrawn line (a terminal); otherwise plain lines. NULL when it cannot start. */
tool_progress_display *tool_progress_start(FILE *out, bool live, cci_progress_source source);

/* Stops the display and, on a terminal, clears the line. */
void tool_progress_finish(tool_progress_display *progress);

enum { TOOL_QUIET_ANSWER_MS = 10000 }; /* no answer for this long is said on the progress line */

/* One status text, as the display writes it (for tests): rows done, of total, the recent pace
 * and the time left (tool_eta.h), counts, and what the run is waiting for: "rate limited: next
 * window in 41 s" while a limit holds it, "waiting for an answer from CometChat for 30 s" when
 * nothing came back for a while. limits may be NULL. */
void tool_progress_format(char *out, size_t len, const unsigned long counts[CCI_ACTION_COUNT],
                         long total, const tool_eta_estimate *estimate, const cci_limiter_status *limits);

#endif
