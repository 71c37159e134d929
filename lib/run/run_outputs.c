/* The run's files: the journal, the report and the rejects, and what the header says of them. */
#define _DEFAULT_SOURCE /* realpath */
#include "run_parts.h"
#include "util/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool run_open_journal(run *r)
{
    const cci_import_config *config = r->config;
    char target[17], err[512];
    if (config->state_path && !config->state_path[0]) { /* its lock would be ".lock" in the working folder */
        run_say(r, CCI_MESSAGE_PROBLEM, "--state names no file; nothing was sent");
        return false;
    }
    cci_journal_target(config->base_url, config->app_id, config->region, target);
    if (cci_journal_open(&r->journal, config->state_path, target, config->dry_run, err, sizeof err) != CCI_OK) {
        run_say(r, CCI_MESSAGE_PROBLEM, "%s", err);
        return false;
    }
    unsigned long adopted = 0;
    if (config->earlier_state_path &&
        cci_journal_adopt(r->journal, config->earlier_state_path, &adopted, err, sizeof err) != CCI_OK) {
        run_say(r, CCI_MESSAGE_PROBLEM, "%s", err);
        return false;
    }
    if (adopted)
        run_say(r, CCI_MESSAGE_NOTE, "read %lu users of this app from the earlier journal %s; the app's journal %s holds them now",
            adopted, config->earlier_state_path, config->state_path);
    return true;
}

/* A spreadsheet's name of a kind not written (.ods, .xls, .xlsm, .xlsb): a CSV under it would open
 * as a damaged workbook. */
static bool names_a_workbook_not_written(const char *path)
{
    static const char *const kinds[] = {".ods", ".xls", ".xlsm", ".xlsb"};
    size_t len = strlen(path);
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        size_t n = strlen(kinds[i]);
        if (len > n && strcasecmp(path + len - n, kinds[i]) == 0) return true;
    }
    return false;
}

/* The report and the rejects file, created beside their final names now, so that an output that
 * cannot be written stops the run before anything is sent. A dry run may have neither. */
bool run_open_outputs(run *r, const cci_dialect *dialect, const cci_record *header)
{
    const cci_import_config *config = r->config;
    char err[1024];
    bool ok = true;
    cci_rejects *rejects = NULL;
    cci_report *report = NULL;
    const char *paths[] = {config->rejects_path, config->report_path};
    for (size_t i = 0; i < 2; i++)
        if (paths[i] && names_a_workbook_not_written(paths[i])) {
            run_say(r, CCI_MESSAGE_PROBLEM, "%s: only .xlsx is written as a workbook: name it .xlsx, or .csv for a CSV; "
                                        "nothing was sent", paths[i]);
            return false;
        }
    if (config->rejects_path)
        ok = cci_rejects_new(&rejects, config->rejects_path, dialect, config->rejects_encoding, header, err,
                             sizeof err) == CCI_OK;
    if (ok && config->report_path) ok = cci_report_open(&report, config->report_path, err, sizeof err) == CCI_OK;
    if (!ok) {
        run_say(r, CCI_MESSAGE_PROBLEM, "%s; nothing was sent", err);
        cci_rejects_discard(rejects);
        return false;
    }
    if (report && config->dry_run) cci_report_flush_in_batches(report); /* no journal waits on its lines */
    cci_sink_init(&r->sink, report, rejects, config->stop, config->problems_kept, config->dry_run);
    r->sink.journal = r->journal;
    return true;
}

/* Renames the outputs into place, any earlier ones kept aside. False when one is not whole. */
bool run_close_outputs(run *r)
{
    char kept[1024], err[1024];
    bool rejects_ok = cci_rejects_close(r->sink.rejects, kept, sizeof kept, err, sizeof err) == CCI_OK;
    if (!rejects_ok) run_say(r, CCI_MESSAGE_PROBLEM, "%s", err);
    else if (kept[0]) run_say(r, CCI_MESSAGE_NOTE, "the earlier rejects file was kept as %s", kept);
    bool report_ok = cci_report_close(r->sink.report, kept, sizeof kept, err, sizeof err) == CCI_OK;
    if (!report_ok) run_say(r, CCI_MESSAGE_PROBLEM, "%s", err);
    else if (kept[0]) run_say(r, CCI_MESSAGE_NOTE, "the earlier report was kept as %s", kept);
    r->sink.report = NULL;
    r->sink.rejects = NULL;
    return rejects_ok && report_ok;
}

enum { UNKNOWN_COLUMNS_NAMED = 5 };

/* A few unknown columns get a line each, with a suggestion; many get one line, counted. */
void run_warn_unknown_columns(const run *r)
{
    const cci_mapping *m = &r->mapping;
    if (m->skipped && m->tools_shape)
        run_say(r, CCI_MESSAGE_NOTE, "note: this file has the columns the tool writes, so the settings' --map option%s "
                                 "%s skipped (such as \"%.*s=%s\"): it is read by its own header",
            m->skipped == 1 ? "" : "s", m->skipped == 1 ? "is" : "are", (int)m->first_skipped->column_len,
            m->first_skipped->column, m->first_skipped->field);
    else if (m->skipped)
        run_say(r, CCI_MESSAGE_NOTE, "note: %zu --map option%s of the settings name%s no column of this file, so %s skipped "
                                 "(such as \"%.*s=%s\"): the file is read by its own header",
            m->skipped, m->skipped == 1 ? "" : "s", m->skipped == 1 ? "s" : "", m->skipped == 1 ? "it is" : "they are",
            (int)m->first_skipped->column_len, m->first_skipped->column, m->first_skipped->field);
    if (m->tools_shape && m->unknown_count) { /* a report fed back: its other columns are its own */
        run_say(r, CCI_MESSAGE_NOTE, "note: this file has a report's columns (%s): only its uid column is read", CCI_REPORT_HEADER);
        return;
    }
    if (m->unknown_count > UNKNOWN_COLUMNS_NAMED) {
        char names[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < UNKNOWN_COLUMNS_NAMED && used < sizeof names; i++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s\"%.*s\"", i ? ", " : "",
                                     (int)cci_utf8_cut(m->unknown[i].header, strlen(m->unknown[i].header), 60),
                                     m->unknown[i].header);
        run_say(r, CCI_MESSAGE_NOTE, "warning: %zu columns are not CometChat fields and are ignored: %s and %zu more "
                                 "(--map \"COLUMN=FIELD\" to use one; --template lists the fields)",
            m->unknown_count, names, m->unknown_count - UNKNOWN_COLUMNS_NAMED);
        return;
    }
    for (size_t i = 0; i < m->unknown_count; i++) {
        const char *header = m->unknown[i].header, *suggestion = m->unknown[i].suggestion;
        /* a header of any length quoted whole twice overflows a message: cut, before a character */
        int shown = (int)cci_utf8_cut(header, strlen(header), 200);
        const char *more = header[shown] ? "..." : "";
        if (suggestion)
            run_say(r, CCI_MESSAGE_NOTE, "warning: column \"%.*s%s\" is not a CometChat field and is ignored; did you mean \"%s\"? (--map \"%.*s%s=%s\")",
                shown, header, more, suggestion, shown, header, more, suggestion);
        else
            run_say(r, CCI_MESSAGE_NOTE, "warning: column \"%.*s%s\" is not a CometChat field and is ignored (--map \"%.*s%s=FIELD\" to use it)",
                shown, header, more, shown, header, more);
    }
}

/* No output may be the input or another output, or another's PATH.partial or the journal's lock:
 * one would overwrite the other (cci_files_collide). */
bool run_paths_collide(const run *r)
{
    const cci_import_config *config = r->config;
    const cci_run_file files[] = {
        {"the input", strcmp(config->input, "-") == 0 ? NULL : config->input, "", 0},
        {"--report", config->report_path, "", 1},
        {"--report's partial file", config->report_path, ".partial", 1},
        {"--rejects", config->rejects_path, "", 2},
        {"--rejects's partial file", config->rejects_path, ".partial", 2},
        {"--state", config->state_path, "", 3},
        {"--state's lock", config->state_path, ".lock", 3},
    };
    char why[2048];
    if (!cci_files_collide(files, sizeof files / sizeof *files, why, sizeof why)) return false;
    run_say(r, CCI_MESSAGE_PROBLEM, "%s; nothing was sent", why);
    return true;
}
