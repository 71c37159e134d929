/* One run of the tool: the options turned into the library's configuration, the messages and the
 * progress display on standard error, signals, the summary and the exit status.
 * Thread-safety: call from the main thread, before any other thread exists. */
#ifndef CCI_TOOL_RUN_H
#define CCI_TOOL_RUN_H

#include <stdio.h>

#include "tool_cli.h"

/* api_key may be NULL for a dry run. Messages and the summary go to messages. Returns the exit
 * status of the contract. */
int tool_run(const tool_options *opts, const char *api_key, FILE *messages);

#endif
