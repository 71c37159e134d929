#include "tool_summary.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "tool_say.h"

int tool_exit_status(const cci_import_result *result)
{
    if (!result->started && result->stopped) return TOOL_EXIT_STOPPED; /* interrupted before it began */
    unsigned long sent = 0;
    for (int b = 0; b < CCI_BUDGET_COUNT; b++) sent += result->requests[b];
    /* an input that broke half-way (standard input is not read first): 2 only when nothing was sent */
    if (result->started && result->input_broke && sent) return TOOL_EXIT_STOPPED;
    if (!result->started || result->input_broke) return TOOL_EXIT_USAGE;
    if (result->stopped || result->write_failed || result->prune_failed || result->verify_failed) return TOOL_EXIT_STOPPED;
    if (result->verify.remain) return TOOL_EXIT_ROWS_FAILED;
    for (int a = 0; a < CCI_ACTION_COUNT; a++)
        if (cci_action_is_problem(a) && result->counts[a]) return TOOL_EXIT_ROWS_FAILED;
    return result->journal_failed ? TOOL_EXIT_STOPPED : TOOL_EXIT_OK;
}

static const char *delimiter_name(char delimiter)
{
    switch (delimiter) {
    case ',': return "comma";
    case ';': return "semicolon";
    case '\t': return "TAB";
    case '|': return "pipe";
    default: return "other";
    }
}

static const char *line_end_name(cci_line_end line_end)
{
    return line_end == CCI_LINE_END_CRLF ? "CRLF" : line_end == CCI_LINE_END_CR ? "CR" : "LF";
}

static unsigned long total_requests(const cci_import_result *r)
{
    return r->requests[CCI_BUDGET_CORE] + r->requests[CCI_BUDGET_STANDARD] + r->requests[CCI_BUDGET_DATA_IMPORT];
}

void tool_summary_print(FILE *out, const tool_summary_facts *facts, const cci_import_result *r)
{
    const cci_dialect *d = &r->dialect;
    const unsigned long *n = r->counts;
    if (d->sheet[0])
        tool_sayf(out, "cometchat-import: read %s, %s", facts->input, d->sheet); /* a name may hold anything */
    else
        tool_sayf(out, "cometchat-import: read %s as %s%s, %s-separated%s, %s line ends", facts->input,
                  d->encoding.name, d->encoding.bom ? " with a byte order mark" : "", delimiter_name(d->delimiter),
                  d->sep_line ? " (by its sep= line)" : "", line_end_name(d->encoding.line_end));
    fprintf(out, "cometchat-import: %lu row%s read: %lu created, %lu updated, %lu unchanged, %lu exists, %lu invalid, %lu failed, %lu skipped",
            r->rows, cci_plural(r->rows), n[CCI_ACTION_CREATED], n[CCI_ACTION_UPDATED], n[CCI_ACTION_UNCHANGED], n[CCI_ACTION_EXISTS],
            n[CCI_ACTION_INVALID], n[CCI_ACTION_FAILED], n[CCI_ACTION_SKIPPED]);
    for (int a = CCI_ACTION_DEACTIVATED; a < CCI_ACTION_COUNT; a++) /* said only when they happen */
        if (n[a]) fprintf(out, ", %lu %s", n[a], cci_action_name(a));
    fputc('\n', out);
    if (r->app_read && !r->app_unproven[0])
        fprintf(out, "  %-10s the app's users were read (%lu page%s) and every row compared with them\n", "app",
                r->listed_pages, cci_plural(r->listed_pages));
    else if (r->app_read)
        fprintf(out, "  %-10s the app's users were read (%lu page%s), but the reading is unproven: %s; rows it did "
                     "not show were sent as the journal says\n", "app", r->listed_pages, cci_plural(r->listed_pages),
                r->app_unproven);
    else if (r->target_unanswered)
        fprintf(out, "  %-10s not read: the run stopped at its first request (the reason is above), so no row was "
                     "sent\n", "app");
    else if (!facts->dry_run)
        fprintf(out, "  %-10s not read: the journal alone decided which rows to send%s\n", "app",
                r->target_proven ? "; one request proved the key and the app" : "");
    if (r->verified)
        fprintf(out, "  %-10s %lu row%s compared with the app read back: %lu differed, %lu repaired, %lu still differ%s%s\n",
                "verify", r->verify.compared, cci_plural(r->verify.compared), r->verify.differed, r->verify.repaired, r->verify.remain,
                r->verify.differed ? "; " : "", r->verify.differed ? facts->verified : "");
    if (n[CCI_ACTION_SUPERSEDED])
        fprintf(out, "  %-10s %lu invalid row%s whose uid was imported since from another file (the fixed rejects?): "
                     "nothing was sent; fix %s here too\n", "superseded", n[CCI_ACTION_SUPERSEDED],
                cci_plural(n[CCI_ACTION_SUPERSEDED]), n[CCI_ACTION_SUPERSEDED] == 1 ? "it" : "them");
    if (r->held_back)
        fprintf(out, "  %-10s %lu row%s that needed sending %s held back (--limit): run again to carry on\n", "limit",
                r->held_back, cci_plural(r->held_back), r->held_back == 1 ? "was" : "were");
    if (r->dates_not_set)
        fprintf(out, "  %-10s %lu row%s with createdAt or lastActiveAt updated %s: CometChat keeps the dates it has "
                     "(only Data Import sets them, when it creates a user)\n", "dates", r->dates_not_set,
                cci_plural(r->dates_not_set), r->dates_not_set == 1 ? "an existing user" : "existing users");
    if (r->empty_rows)
        fprintf(out, "  %-10s %lu empty row%s ignored\n", "empty", r->empty_rows, cci_plural(r->empty_rows));
    if (n[CCI_ACTION_UNCHANGED])
        fprintf(out, "  %-10s %lu row%s the app already holds as they are (%s): nothing was sent for them\n",
                "unchanged", n[CCI_ACTION_UNCHANGED], cci_plural(n[CCI_ACTION_UNCHANGED]),
                r->app_read ? "its listing shows it" : "the journal says so");
    unsigned long would = n[CCI_ACTION_SKIPPED] + n[CCI_ACTION_PLAN_CREATE] + n[CCI_ACTION_PLAN_UPDATE] +
                          n[CCI_ACTION_PLAN_REACTIVATE];
    if (facts->dry_run)
        fprintf(out, "  %-10s nothing was sent; %lu row%s would be sent (%s)\n", r->app_read ? "plan" : "dry run",
                would, cci_plural(would), facts->report ? "the report says what" : "--report PATH lists them");
    if (r->data_import_created)
        fprintf(out, "  %-10s %lu user%s created through Data Import, up to 50 a request (their message says \"via "
                     "data import\")\n", "batches", r->data_import_created, cci_plural(r->data_import_created));
    if (r->data_import_refused[0])
        fprintf(out, "  %-10s Data Import was refused (%s): new users were created one at a time after it\n", "batches",
                r->data_import_refused);
    fprintf(out, "  %-10s %lu (core: %lu, standard: %lu, data import: %lu); %lu retr%s, %lu rate-limited (429), %.1f s paused by rate limits\n",
            "requests", total_requests(r), r->requests[CCI_BUDGET_CORE], r->requests[CCI_BUDGET_STANDARD],
            r->requests[CCI_BUDGET_DATA_IMPORT], r->retries, r->retries == 1 ? "y" : "ies", r->rate_limited, (double)r->paused_ms / 1000.0);
    fprintf(out, "  %-10s %.1f s (%.0f rows/s)\n", "time", facts->seconds,
            facts->seconds > 0 ? (double)r->rows / facts->seconds : 0.0);
    if (facts->report) tool_sayf(out, "  %-10s %s", "report", facts->report);
    else fprintf(out, "  %-10s none: a dry run writes no file unless asked (--report PATH, --rejects PATH)\n", "report");
    if (r->rejected && facts->rejects)
        tool_sayf(out, "  %-10s %s (%lu row%s to fix and feed back)", "rejects", facts->rejects, r->rejected,
                  cci_plural(r->rejected));
    char damaged[96] = ""; /* a torn or damaged journal line is skipped: its row is sent again */
    if (r->journal_damaged)
        snprintf(damaged, sizeof damaged, "; %lu damaged line%s of the journal skipped", r->journal_damaged,
                 cci_plural(r->journal_damaged));
    if (r->journal_used)
        fprintf(out, "  %-10s %s (%lu user%s of this target known before the run%s)%s\n", "state", facts->state,
                r->known_before, cci_plural(r->known_before), damaged, facts->force ? "; --force: every row was sent" : "");
}

void tool_summary_print_problems(FILE *out, const cci_import_result *r)
{
    if (r->sample_count) fprintf(out, "cometchat-import: what a run would send, for example:\n");
    for (size_t i = 0; i < r->sample_count; i++) tool_say(out, "  ", r->samples[i]);
    if (!r->problem_count) return;
    unsigned long total = r->counts[CCI_ACTION_INVALID] + r->counts[CCI_ACTION_FAILED];
    bool some = total > r->problem_count;
    fprintf(out, "cometchat-import: %s problems%s:\n", some ? "the first" : "the",
            some ? " (all of them are in the report, or here with --verbose)" : "");
    for (size_t i = 0; i < r->problem_count; i++) tool_say(out, "  ", r->problems[i]); /* cells stay on their line */
}

/* The summary as JSON; NULL when out of memory (cJSON_Add* say so by returning NULL, and a summary
 * missing a figure must not be written as if whole). */
static cJSON *summary_json(const tool_summary_facts *facts, const cci_import_result *r, int status)
{
    cJSON *root = cJSON_CreateObject(), *actions = NULL, *requests = NULL;
    bool ok = root && cJSON_AddStringToObject(root, "input", facts->input) &&
              cJSON_AddNumberToObject(root, "exit_status", status) &&
              cJSON_AddNumberToObject(root, "rows", (double)r->rows) &&
              (actions = cJSON_AddObjectToObject(root, "actions"));
    for (int a = 0; ok && a < CCI_ACTION_COUNT; a++)
        ok = cJSON_AddNumberToObject(actions, cci_action_name(a), (double)r->counts[a]) != NULL;
    ok = ok && cJSON_AddNumberToObject(root, "empty_rows", (double)r->empty_rows) &&
         (requests = cJSON_AddObjectToObject(root, "requests")) &&
         cJSON_AddNumberToObject(requests, "core", (double)r->requests[CCI_BUDGET_CORE]) &&
         cJSON_AddNumberToObject(requests, "standard", (double)r->requests[CCI_BUDGET_STANDARD]) &&
         cJSON_AddNumberToObject(requests, "data_import", (double)r->requests[CCI_BUDGET_DATA_IMPORT]) &&
         cJSON_AddNumberToObject(root, "data_import_created", (double)r->data_import_created) &&
         cJSON_AddNumberToObject(requests, "total", (double)total_requests(r)) &&
         cJSON_AddNumberToObject(root, "retries", (double)r->retries) &&
         cJSON_AddNumberToObject(root, "rate_limited", (double)r->rate_limited) &&
         cJSON_AddNumberToObject(root, "paused_seconds", (double)r->paused_ms / 1000.0) &&
         cJSON_AddNumberToObject(root, "elapsed_seconds", facts->seconds) &&
         cJSON_AddNumberToObject(root, "rows_per_second", facts->seconds > 0 ? (double)r->rows / facts->seconds : 0) &&
         (!facts->folder || cJSON_AddStringToObject(root, "run_folder", facts->folder)) &&
         (!facts->report || cJSON_AddStringToObject(root, "report", facts->report)) &&
         (!r->rejected || !facts->rejects || cJSON_AddStringToObject(root, "rejects", facts->rejects)) &&
         (!r->journal_used || cJSON_AddStringToObject(root, "state", facts->state)) &&
         cJSON_AddBoolToObject(root, "dry_run", facts->dry_run);
    cJSON *verify = NULL;
    if (ok && r->verified)
        ok = (verify = cJSON_AddObjectToObject(root, "verify")) &&
             cJSON_AddNumberToObject(verify, "compared", (double)r->verify.compared) &&
             cJSON_AddNumberToObject(verify, "differed", (double)r->verify.differed) &&
             cJSON_AddNumberToObject(verify, "repaired", (double)r->verify.repaired) &&
             cJSON_AddNumberToObject(verify, "still_differ", (double)r->verify.remain) &&
             cJSON_AddStringToObject(verify, "file", facts->verified);
    if (ok) return root;
    cJSON_Delete(root);
    return NULL;
}

bool tool_summary_write_json(cci_outfile *out, const tool_summary_facts *facts, const cci_import_result *result,
                            int status, char *err, size_t errlen)
{
    cJSON *root = summary_json(facts, result, status);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        snprintf(err, errlen, "cannot write %s: out of memory", out->path);
        cci_outfile_discard(out);
        return false;
    }
    cci_outfile_check(out, fputs(text, out->file) >= 0 && fputc('\n', out->file) != EOF);
    free(text);
    return cci_outfile_commit(out, false, NULL, 0, err, errlen) == CCI_OK;
}
