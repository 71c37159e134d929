/* The import, end to end: reads the CSV (a preflight pass over a file, then the import pass),
 * validates every row, sends the valid ones through the worker pool, and writes the report and
 * rejects in input order. Returns the exit status of the contract (0, 1, 2 or 3).
 *
 * Thread-safety: call from the main thread; it starts and joins its own workers. */
#ifndef CCI_IMPORT_H
#define CCI_IMPORT_H

#include <stdio.h>

#include "cci/cli.h"

enum { CCI_EXIT_OK = 0, CCI_EXIT_ROWS_FAILED = 1, CCI_EXIT_USAGE = 2, CCI_EXIT_STOPPED = 3 };

/* api_key may be NULL for a dry run. Messages and the summary go to messages. */
int cci_import_run(const cci_options *opts, const char *api_key, FILE *messages);

/* Reads the API key from COMETCHAT_API_KEY or opts->api_key_file (trimmed). Returns a malloc'd
 * key, or NULL with a reason in err that never holds the key. */
char *cci_read_api_key(const cci_options *opts, char *err, size_t errlen);

#endif
