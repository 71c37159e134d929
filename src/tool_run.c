#include "tool_run.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cci/output/report.h"
#include "cci/read/workbook_kind.h"
#include "cci/run/import.h"
#include "tool_config.h"
#include "tool_paths.h"
#include "tool_progress.h"
#include "tool_runs.h"
#include "tool_say.h"
#include "tool_signals.h"
#include "tool_summary.h"

enum { FIRST_PROBLEMS = 10 };

/* What the library's callbacks need: where to write, and the display while rows are sent. */
typedef struct tool_output {
    const tool_options *opts;
    FILE *messages;
    tool_progress_display *progress;
} tool_output;

static void on_message(void *context, cci_message_kind kind, const char *text)
{
    tool_output *out = context;
    if (kind == CCI_MESSAGE_NOTE && out->opts->quiet) return;
    tool_say(out->messages, "cometchat-import: ", text); /* a cell's text stays on the line */
}

/* The progress display the options and the terminal call for, or none. */
static void on_sending_started(void *context, const cci_progress_source *source)
{
    tool_output *out = context;
    const tool_options *opts = out->opts;
    if (opts->progress == TOOL_PROGRESS_NEVER || (opts->progress == TOOL_PROGRESS_AUTO && opts->quiet)) return;
    bool live = opts->progress == TOOL_PROGRESS_ALWAYS || isatty(fileno(out->messages));
    out->progress = tool_progress_start(out->messages, live, *source);
}

static void on_sending_ended(void *context)
{
    tool_output *out = context;
    tool_progress_finish(out->progress);
    out->progress = NULL;
}

static cci_import_config config_of(const tool_options *opts, const char *api_key, const tool_summary_facts *facts,
                                   cci_stop *stop, tool_output *out)
{
    return (cci_import_config){
        .input = opts->input, .report_path = facts->report, .rejects_path = facts->rejects,
        .state_path = facts->state, .earlier_state_path = facts->earlier_state, .encoding = opts->encoding, .sheet = opts->sheet, .header_row = opts->header_row, .rejects_encoding = opts->rejects_encoding,
        .delimiter = opts->delimiter, .maps = opts->maps, .map_count = opts->map_count,
        .max_record_bytes = opts->max_record_bytes, .max_columns = opts->max_columns,
        .base_url = opts->base_url, .app_id = opts->app_id, .region = opts->region, .api_key = api_key,
        .direct = opts->loopback,
        .mode = opts->mode, .dry_run = opts->dry_run || opts->plan, .force = opts->force,
        .data_import_off = opts->data_import_off,
        .date_rules = {.order = opts->date_order, .offset_seconds = opts->timezone_offset, .now = (int64_t)time(NULL)},
        .plan = opts->plan, .reactivate = opts->reactivate, .prune = opts->prune, .prune_max = opts->prune_max,
        .verify = opts->verify, .verify_path = facts->verified, .trust_journal = opts->trust_journal, .limit = opts->limit,
        .absent_path = facts->absent, .pruned_path = facts->pruned, .workers = opts->workers,
        .rate_per_minute = opts->rate_per_minute, .timeout_ms = opts->timeout_ms,
        .max_wait_ms = opts->max_wait_ms, .retries = opts->retries,
        .problems_kept = opts->verbose ? SIZE_MAX : FIRST_PROBLEMS,
        .random_seed = (uint64_t)cci_wall_ms() ^ ((uint64_t)getpid() << 32), .stop = stop,
        .callbacks = {.context = out, .message = on_message, .sending_started = on_sending_started,
                      .sending_ended = on_sending_ended}};
}

static double seconds_since(uint64_t started_ms)
{
    return (double)(cci_now_ms() - started_ms) / 1000.0;
}

/* The rejects file's companion: the settings its rows were read with, so that feeding it back
 * (cometchat-import users.runs/latest/rejects.csv) reads it as the master was read. */
static void keep_settings_beside(const tool_options *opts, const char *rejects, bool from_workbook, FILE *messages)
{
    char *companion = tool_config_companion(rejects), err[1024], comment[1024];
    tool_options as_written = *opts; /* the rejects file is in --rejects-encoding when given */
    /* a workbook's rejects, or rejects written as a workbook, are UTF-8 and comma-separated if CSV:
     * said, over any other file's */
    if (from_workbook || cci_path_is_xlsx(rejects)) {
        as_written.encoding = "UTF-8";
        as_written.delimiter = ',';
    }
    if (opts->rejects_encoding) as_written.encoding = opts->rejects_encoding;
    as_written.rejects_encoding = NULL;
    snprintf(comment, sizeof comment, "the settings %s was read with, kept for %s: cometchat-import reads them when "
                                      "that file is imported; the command line wins", opts->input, rejects);
    /* a file of the same name that this tool did not write is someone's own: kept aside, numbered */
    char *text = NULL, kept[1024] = "";
    struct stat st;
    bool ours = companion && tool_config_load(companion, false, true, &text, &st, err, sizeof err) && text;
    free(text);
    if (companion && !ours && access(companion, F_OK) == 0 && !cci_keep_previous(companion, kept, sizeof kept)) {
        fprintf(messages, "cometchat-import: %s is not a file of cometchat-import's and cannot be moved aside: the settings "
                          "of %s are not kept beside it (feed it back with the same --map options)\n", companion, rejects);
        free(companion);
        return;
    }
    if (kept[0]) fprintf(messages, "cometchat-import: %s was kept as %s\n", companion, kept);
    /* a companion travels with the data: it never says where requests go (tool_trust.h) */
    if (companion && !tool_config_write(companion, &as_written, false, comment, err, sizeof err))
        fprintf(messages, "cometchat-import: %s (feed %s back with the same --map options)\n", err, rejects);
    free(companion);
}

/* The run folder's summary.json, written last of the run's files: a rejects file changed after
 * it was edited by someone (tool_runs.h keeps such a run). */
static void keep_summary_in_folder(const tool_run_folder *folder, const tool_summary_facts *facts,
                                   const cci_import_result *result, int status, FILE *messages)
{
    char *path = tool_run_folder_file(folder, "summary.json"), err[1024];
    cci_outfile out = {0};
    if (!path || cci_outfile_open(&out, path, err, sizeof err) != CCI_OK ||
        !tool_summary_write_json(&out, facts, result, status, err, sizeof err))
        fprintf(messages, "cometchat-import: %s\n", path ? err : "out of memory");
    free(path);
}

/* A run whose report is whole becomes the latest, and the oldest beyond --keep-runs go. */
static void conclude_folder(const tool_options *opts, const tool_run_folder *folder, bool whole, FILE *messages)
{
    char err[1024];
    if (whole && !tool_run_folder_mark_latest(folder, err, sizeof err))
        fprintf(messages, "cometchat-import: %s\n", err);
    tool_runs_pruned pruned = tool_runs_prune(folder->runs, opts->keep_runs, folder->name, opts->input);
    if (opts->quiet) return;
    if (pruned.removed)
        fprintf(messages, "cometchat-import: removed the %lu oldest run%s from %s (--keep-runs %u)\n", pruned.removed,
                cci_plural(pruned.removed), folder->runs, opts->keep_runs);
    if (pruned.kept)
        fprintf(messages, "cometchat-import: note: kept %lu run%s past --keep-runs %u, such as %s\n", pruned.kept,
                cci_plural(pruned.kept), opts->keep_runs, pruned.kept_example);
}

/* Runs the import with the outputs named; the summary and the exit status. */
/* PATH.partial, where an output that could not be written whole is left (cci/outfile.h). */
static char *partial_of(const char *path)
{
    size_t len = strlen(path) + sizeof ".partial";
    char *partial = malloc(len);
    if (partial) snprintf(partial, len, "%s.partial", path);
    return partial;
}

/* The first output named as a folder ("out.csv/", "."), or NULL: said at once, before a journal
 * beside the report is looked for under that name. */
static const char *output_naming_a_folder(const tool_options *opts, const tool_summary_facts *facts,
                                          const char **path)
{
    const char *const outputs[][2] = {
        {"--report", facts->report}, {"--rejects", facts->rejects}, {"--summary-json", opts->summary_json}};
    for (size_t i = 0; i < sizeof outputs / sizeof *outputs; i++)
        if (outputs[i][1] && !cci_path_names_a_file(outputs[i][1])) {
            *path = outputs[i][1];
            return outputs[i][0];
        }
    return NULL;
}

static int import_and_summarise(const tool_options *opts, const char *api_key, tool_summary_facts *facts,
                                const tool_run_folder *folder, cci_stop *stop, FILE *messages, bool *ran)
{
    /* opened now: an unwritable --summary-json stops the run before anything is sent */
    cci_outfile summary = {0};
    char err[1024];
    /* before any file is made: a PATH.partial made first could be the input */
    const char *folder_path, *folder_named = output_naming_a_folder(opts, facts, &folder_path);
    if (folder_named) {
        fprintf(messages,
                "cometchat-import: %s \"%s\" ends as a folder's name does ('/', '.' or '..'): name a file; nothing "
                "was sent\n",
                folder_named, folder_path);
        return TOOL_EXIT_USAGE;
    }
    char *companion = facts->rejects ? tool_config_companion(facts->rejects) : NULL;
    tool_run_files files = {.input = opts->input, .report = facts->report, .rejects = facts->rejects,
                            .state = facts->state, .summary_json = opts->summary_json, .companion = companion};
    bool collide = tool_files_collide(&files, err, sizeof err);
    free(companion);
    if (collide) {
        fprintf(messages, "cometchat-import: %s; nothing was sent\n", err);
        return TOOL_EXIT_USAGE;
    }
    if (opts->summary_json && cci_outfile_open(&summary, opts->summary_json, err, sizeof err) != CCI_OK) {
        fprintf(messages, "cometchat-import: --summary-json: %s; nothing was sent\n", err);
        return TOOL_EXIT_USAGE;
    }
    uint64_t started = cci_now_ms();
    tool_output out = {.opts = opts, .messages = messages};
    cci_import_config config = config_of(opts, api_key, facts, stop, &out);
    cci_import_result result;
    cci_import(&config, &result);
    facts->seconds = seconds_since(started);
    int status = tool_exit_status(&result);
    /* a report or rejects file that could not be written whole is left as PATH.partial: the summary
     * names that */
    char *partial = result.write_failed && facts->report ? partial_of(facts->report) : NULL;
    char *rejects_partial = result.write_failed && facts->rejects ? partial_of(facts->rejects) : NULL;
    const char *report = facts->report, *rejects = facts->rejects;
    if (partial && access(partial, F_OK) == 0) facts->report = partial;
    if (rejects_partial && access(rejects_partial, F_OK) == 0) facts->rejects = rejects_partial;
    if (result.started && !opts->quiet) {
        tool_summary_print(messages, facts, &result);
        tool_summary_print_problems(messages, &result);
    }
    if (!result.started) {
        cci_outfile_discard(&summary);
    } else if (opts->summary_json && !tool_summary_write_json(&summary, facts, &result, status, err, sizeof err)) {
        fprintf(messages, "cometchat-import: --summary-json: %s\n", err);
        /* an output not written, as for the report: 3, whatever the rows did */
        if (status == TOOL_EXIT_OK || status == TOOL_EXIT_ROWS_FAILED) status = TOOL_EXIT_STOPPED;
    }
    if (result.started && folder) keep_summary_in_folder(folder, facts, &result, status, messages);
    /* beside the rejects file, or its .partial: either is fed back with the settings it needs */
    if (result.started && result.rejected && facts->rejects)
        keep_settings_beside(opts, facts->rejects, result.dialect.sheet[0] != '\0', messages);
    if (result.started && folder) conclude_folder(opts, folder, !result.write_failed, messages);
    *ran = result.started;
    facts->report = report;
    facts->rejects = rejects;
    free(partial);
    free(rejects_partial);
    cci_import_result_cleanup(&result);
    return status;
}

/* The app's journal; without a home for it, the one beside the report, as before (said once). */
static char *app_state(const tool_options *opts, const char *beside_report, FILE *messages)
{
    char err[512];
    char *path = tool_path_of_app_state(opts->base_url, opts->app_id, opts->region, err, sizeof err);
    if (path || !beside_report) return path;
    if (!opts->quiet)
        fprintf(messages, "cometchat-import: note: the state journal is %s: %s\n", beside_report, err);
    return strdup(beside_report);
}

/* Which settings files were read, and what they could not choose. */
static void say_settings(const tool_options *opts, FILE *messages)
{
    static const char *const whose[TOOL_SETTINGS_FILES] = {
        [TOOL_SETTINGS_WORKING] = "", [TOOL_SETTINGS_COMPANION] = " (the companion of the file read)",
        [TOOL_SETTINGS_OWN] = " (your own settings)", [TOOL_SETTINGS_CONFIG] = ""};
    for (int i = 0; i < TOOL_SETTINGS_FILES && !opts->quiet; i++)
        if (opts->settings[i].text)
            fprintf(messages, "cometchat-import: settings read from %s%s\n", opts->settings[i].path, whose[i]);
    /* said even with -q: where the key goes is never decided in silence */
    if (opts->target_conflict[0]) fprintf(messages, "cometchat-import: note: %s\n", opts->target_conflict);
    if (opts->settings_note[0]) fprintf(messages, "cometchat-import: note: %s\n", opts->settings_note);
}

/* --save-config, once the run has started (a run that never started writes nothing). */
static void save_settings(const tool_options *opts, FILE *messages)
{
    if (!opts->save_config) return;
    /* a file named by --config is the person's own; the working folder's may travel with the data */
    bool own_file = opts->config_path != NULL;
    const char *path = own_file ? opts->config_path : TOOL_CONFIG_DEFAULT_PATH;
    char err[1024];
    if (!tool_config_write(path, opts, own_file, "settings saved by --save-config; the command line wins; never the API key",
                          err, sizeof err)) {
        fprintf(messages, "cometchat-import: --save-config: %s\n", err);
        return;
    }
    fprintf(messages, "cometchat-import: settings saved to %s\n", path);
    if (own_file || !(opts->base_url || opts->app_id || opts->region || opts->runs_dir)) return;
    char *own = tool_config_own_path();
    fprintf(messages, "cometchat-import: note: the target and --runs-dir are not saved in %s: a file of the working "
                      "folder cannot choose where the key or the outputs go. Keep them in your own settings (%s, or "
                      "--config PATH with --save-config) or in COMETCHAT_APP_ID and COMETCHAT_REGION\n",
            path, own ? own : "--config PATH");
    free(own);
}

/* Where a run's outputs go: named by the options, else in the run's folder; a dry run writes
 * only what the options name. NULL, for an output asked for, only when out of memory. */
static char *output_path(const char *named, const tool_run_folder *folder, const char *name)
{
    return named ? strdup(named) : folder ? tool_run_folder_file(folder, name) : NULL;
}

int tool_run(const tool_options *opts, const char *api_key, FILE *messages)
{
    bool dry_run = opts->dry_run || opts->plan;
    tool_run_folder folder = {0};
    char err[1024];
    cci_stop *stop = cci_stop_new();
    if (!stop) return TOOL_EXIT_USAGE;
    if (!dry_run && !tool_run_folder_make(&folder, opts->input, opts->runs_dir, time(NULL), err, sizeof err)) {
        fprintf(messages, "cometchat-import: %s; nothing was sent\n", err);
        cci_stop_free(stop);
        return TOOL_EXIT_USAGE;
    }
    const tool_run_folder *run = dry_run ? NULL : &folder;
    /* first of all, before any thread exists: every thread inherits the blocked signals */
    tool_signals *signals = tool_signals_start(stop, messages, opts->dry_run);
    char *report = output_path(opts->report_path, run, "report.csv");
    /* a workbook's rows to fix go back into a workbook */
    bool workbook = strcmp(opts->input, "-") != 0 && cci_workbook_kind_of_file(opts->input) != CCI_WORKBOOK_NONE;
    char *rejects = output_path(opts->rejects_path, run, workbook ? "rejects.xlsx" : "rejects.csv");
    /* the journal belongs to the app: shared by every file imported into it; the one an earlier
     * version kept beside the report (INPUT.report.csv) is still read */
    char *former_report = opts->report_path ? strdup(opts->report_path)
                                            : tool_path_beside_input(opts->input, ".report.csv");
    char *earlier = !opts->state_path && former_report ? tool_path_of_state(former_report) : NULL;
    char *state = opts->state_path ? strdup(opts->state_path) : app_state(opts, earlier, messages);
    /* --plan's list of the users the file leaves out: a dry run keeps it beside --report */
    char *absent = run ? tool_run_folder_file(run, "absent.csv")
                       : opts->report_path ? tool_path_beside_input(opts->report_path, ".absent.csv") : NULL;
    char *pruned = output_path(NULL, run, "pruned.csv");
    char *verified = output_path(NULL, run, "verify.csv");
    say_settings(opts, messages);
    int status = TOOL_EXIT_USAGE;
    tool_summary_facts facts = {.input = opts->input, .report = report, .rejects = rejects, .state = state,
                               .earlier_state = earlier && state && strcmp(earlier, state) != 0 ? earlier : NULL,
                               .absent = absent, .pruned = pruned, .verified = verified,
                               .folder = run ? run->path : NULL,
                               .dry_run = dry_run, .force = opts->force};
    /* each path is NULL only where no such output is asked for, or when out of memory */
    bool named = (report || !(run || opts->report_path)) && (rejects || !(run || opts->rejects_path)) && state &&
                 former_report && (absent || !(run || opts->report_path)) && (pruned || !run) && (verified || !run);
    bool started = false;
    if (named) status = import_and_summarise(opts, api_key, &facts, run, stop, messages, &started);
    else fprintf(messages, "cometchat-import: out of memory\n");
    if (started) save_settings(opts, messages);
    if (run && !started) tool_run_folder_abandon(&folder); /* a run that never started leaves nothing */
    tool_signals_finish(signals);
    cci_stop_free(stop);
    tool_run_folder_cleanup(&folder);
    free(report);
    free(rejects);
    free(former_report);
    free(state);
    free(earlier);
    free(absent);
    free(pruned);
    free(verified);
    return status;
}
