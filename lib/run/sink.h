/* Where finished rows go, in input order: counted, written to the report and, when invalid or
 * failed, to the rejects file; the first problems and a dry run's first rows are kept for the
 * summary.
 * Thread-safety: cci_sink_emit is called by one thread at a time (the reorder's lock serialises
 * it); the counts are atomics that any thread may read meanwhile. */
#ifndef CCI_SINK_H
#define CCI_SINK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "cci/run/import.h"
#include "cci/state/journal.h"
#include "cci/util/outcome.h"
#include "cci/output/report.h"
#include "cci/util/stop.h"

typedef struct cci_sink {
    cci_report *report;   /* borrowed; NULL: none (a dry run asked for no files) */
    cci_rejects *rejects; /* borrowed; NULL: none */
    cci_stop *stop;       /* thread-safe; a failed write requests a fatal stop */
    cci_journal *journal; /* borrowed; NULL: none (set after init); appended to here only */
    atomic_ulong counts[CCI_ACTION_COUNT];
    bool write_failed;          /* a report or rejects line could not be written: the run stops */
    bool journal_failed;        /* a journal record could not be written: the run stops */
    unsigned long rejects_lost; /* problem rows whose cells were lost to a failed allocation */
    size_t problems_kept;       /* the most problems kept */
    bool keep_samples;          /* a dry run: keep the first rows' "would send" */
    char **problems;            /* "line N: what" */
    size_t problem_count, problem_cap;
    char *samples[CCI_DRY_RUN_SAMPLES];
    size_t sample_count;
} cci_sink;

void cci_sink_init(cci_sink *sink, cci_report *report, cci_rejects *rejects, cci_stop *stop, size_t problems_kept,
                   bool keep_samples);
/* Emits one row; saved is its original cells (may be NULL when it cannot be a problem), confirmed
 * what the journal may record for it (cci_send_row's answer; NULL: nothing). The journal records
 * it only once the row's report line is written and flushed, so it never knows a user the report
 * does not. The first write that fails, to any output, stops the run (CCI_STOP_FATAL, naming the
 * path and the OS error). Returns true when the report line was written. */
bool cci_sink_emit(cci_sink *sink, const cci_outcome *outcome, const cci_saved_row *saved, const char *confirmed);
/* Moves the counts, problems and samples into result, and frees what is left. */
void cci_sink_finish(cci_sink *sink, cci_import_result *result);

/* Once every row was emitted: the report's lines all reach the kernel now, and a line that could
 * not be written fails the output as a failed emit does (the run stops, saying why). False then. */
bool cci_sink_settle(cci_sink *sink);

#endif
