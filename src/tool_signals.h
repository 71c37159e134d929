/* SIGINT (Ctrl-C), SIGTERM, SIGHUP (the terminal closed) and SIGQUIT (Ctrl-\) during a run, all
 * alike. The first stops the run gracefully: no new requests, those in flight finish, the report
 * is written whole, the rows not sent are `skipped`, exit 3. The second hurries: the requests in
 * flight are abandoned (their rows say they may or may not have been applied) and the report is
 * still written whole. The third exits at once: the earlier report stays in place, and this run's
 * lines so far, each whole, are in the report's .partial file. Never a core dump.
 *
 * Thread-safety: start before any other thread exists (the signal mask is inherited) and finish
 * from the same thread; a watcher thread of its own receives the signals with sigwait. */
#ifndef CCI_TOOL_SIGNALS_H
#define CCI_TOOL_SIGNALS_H

#include <stdbool.h>
#include <stdio.h>

#include "cci/util/stop.h"

typedef struct tool_signals tool_signals;

/* messages receives one line when the first signal arrives (a dry run's says it stops, for a dry
 * run of a file stopped before its end writes no report). NULL when it cannot start. */
tool_signals *tool_signals_start(cci_stop *stop, FILE *messages, bool dry_run);
void tool_signals_finish(tool_signals *signals);

#endif
