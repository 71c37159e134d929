/* Ctrl-C and SIGTERM during a run: the first stops the run gracefully (no new rows, requests in
 * flight finish, the report is written, the rest `skipped`, exit 3); the second exits at once.
 *
 * Thread-safety: start before any other thread exists (the signal mask is inherited) and finish
 * from the same thread; a watcher thread of its own receives the signals with sigwait. */
#ifndef CCI_TOOL_SIGNALS_H
#define CCI_TOOL_SIGNALS_H

#include <stdio.h>

#include "cci/stop.h"

typedef struct cci_signals cci_signals;

/* messages receives one line when the first signal arrives. NULL when it cannot start. */
cci_signals *cci_signals_start(cci_stop *stop, FILE *messages);
void cci_signals_finish(cci_signals *signals);

#endif
