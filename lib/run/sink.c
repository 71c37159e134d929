#include "run/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cci_sink_init(cci_sink *sink, cci_report *report, cci_rejects *rejects, cci_stop *stop, size_t problems_kept,
                   bool keep_samples)
{
    *sink = (cci_sink){.report = report, .rejects = rejects, .stop = stop, .problems_kept = problems_kept,
                       .keep_samples = keep_samples};
    for (int a = 0; a < CCI_ACTION_COUNT; a++) atomic_init(&sink->counts[a], 0);
}

static bool is_problem(const cci_outcome *outcome)
{
    return cci_action_is_problem(outcome->action);
}

/* "line N: text", malloc'd; NULL when out of memory (the report still has the row). */
static char *line_text(const cci_outcome *outcome)
{
    const char *text = cci_outcome_text(outcome);
    size_t len = strlen(text) + 32;
    char *line = malloc(len);
    if (line) snprintf(line, len, "line %lu: %s", outcome->line, text);
    return line;
}

static void keep_problem(cci_sink *sink, const cci_outcome *outcome)
{
    if (sink->problem_count >= sink->problems_kept) return;
    if (sink->problem_count == sink->problem_cap) {
        size_t cap = sink->problem_cap ? sink->problem_cap * 2 : 16;
        char **grown = realloc(sink->problems, cap * sizeof *grown);
        if (!grown) return;
        sink->problems = grown;
        sink->problem_cap = cap;
    }
    char *line = line_text(outcome);
    if (line) sink->problems[sink->problem_count++] = line;
}

static void keep_sample(cci_sink *sink, const cci_outcome *outcome)
{
    if (sink->sample_count >= CCI_DRY_RUN_SAMPLES) return;
    char *line = line_text(outcome);
    if (line) sink->samples[sink->sample_count++] = line;
}

/* The first failure of an output stops the run: sending on would make users no report or journal
 * accounts for. failed is that output's flag. */
static void output_failed(cci_sink *sink, bool *failed, const char *why)
{
    if (*failed) return;
    *failed = true;
    cci_stop_request(sink->stop, CCI_STOP_FATAL, why);
}

bool cci_sink_emit(cci_sink *sink, const cci_outcome *outcome, const cci_saved_row *saved, const char *confirmed)
{
    atomic_fetch_add(&sink->counts[outcome->action], 1);
    bool problem = is_problem(outcome);
    if (problem) keep_problem(sink, outcome);
    else if (sink->keep_samples && outcome->action == CCI_ACTION_SKIPPED) keep_sample(sink, outcome);
    char why[512];
    bool reported = !sink->report || cci_report_write(sink->report, outcome); /* a dry run may keep none */
    if (!reported) {
        cci_report_error(sink->report, why, sizeof why);
        output_failed(sink, &sink->write_failed, why);
    } else if (confirmed && sink->journal && !sink->journal_failed &&
               !cci_journal_append(sink->journal, outcome->uid, confirmed)) {
        cci_journal_error(sink->journal, why, sizeof why);
        output_failed(sink, &sink->journal_failed, why);
    }
    if (!problem || !sink->rejects) return reported;
    if (!saved) {
        sink->rejects_lost++;
    } else if (!cci_rejects_write(sink->rejects, saved, cci_outcome_text(outcome))) {
        cci_rejects_error(sink->rejects, why, sizeof why);
        output_failed(sink, &sink->write_failed, why);
    }
    return reported;
}

bool cci_sink_settle(cci_sink *sink)
{
    if (!sink->report || sink->write_failed || cci_report_settle(sink->report)) return !sink->write_failed;
    char why[512];
    cci_report_error(sink->report, why, sizeof why);
    output_failed(sink, &sink->write_failed, why);
    return false;
}

void cci_sink_finish(cci_sink *sink, cci_import_result *result)
{
    for (int a = 0; a < CCI_ACTION_COUNT; a++) {
        result->counts[a] = atomic_load(&sink->counts[a]);
        result->rows += result->counts[a];
    }
    result->problems = sink->problems;
    result->problem_count = sink->problem_count;
    memcpy(result->samples, sink->samples, sizeof sink->samples);
    result->sample_count = sink->sample_count;
    sink->problems = NULL;
    sink->problem_count = sink->problem_cap = sink->sample_count = 0;
}
