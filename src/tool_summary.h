/* What a run comes to, for people and for scripts: the summary table, the first problems, the
 * --summary-json file, and the exit status of the contract.
 * Thread-safety: call from the main thread once the import has returned. */
#ifndef CCI_TOOL_SUMMARY_H
#define CCI_TOOL_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include "cci/run/import.h"
#include "cci/util/outfile.h"

enum { TOOL_EXIT_OK = 0, TOOL_EXIT_ROWS_FAILED = 1, TOOL_EXIT_USAGE = 2, TOOL_EXIT_STOPPED = 3 };

/* What the summary says besides the result: where things were and how long it took. */
typedef struct tool_summary_facts {
    const char *input, *report, *rejects, *state; /* a dry run may have no report or rejects: NULL */
    const char *earlier_state; /* the journal beside the report, also read; NULL: none */
    const char *absent, *pruned; /* --plan's and --prune's lists of the users the file leaves out */
    const char *verified;        /* --verify's rows that differed when read back */
    const char *folder;          /* the run's folder (tool_runs.h); NULL: none, a dry run */
    double seconds;
    bool dry_run, force;
} tool_summary_facts;

/* 2 when it never started or the input broke, 3 when stopped or an output is incomplete, 1 when
 * some rows are invalid or failed, else 0. */
int tool_exit_status(const cci_import_result *result);

/* The table: how the input was read, the rows per action, requests, time, and the files. */
void tool_summary_print(FILE *out, const tool_summary_facts *facts, const cci_import_result *result);

/* A dry run's samples and the first problems (all of them with --verbose). */
void tool_summary_print_problems(FILE *out, const cci_import_result *result);

/* --summary-json: the same figures for scripts, with the exit status, into out (opened before the
 * run, so an unwritable path stops it before anything is sent) and renamed into place. The
 * outfile is closed either way. False with a reason in err when it cannot be written. */
bool tool_summary_write_json(cci_outfile *out, const tool_summary_facts *facts, const cci_import_result *result,
                            int status, char *err, size_t errlen);

#endif
