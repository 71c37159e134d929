/* What a run comes to: the exit status of the contract, the table and --summary-json. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "test_files.h"
#include "tool_summary.h"

static cci_import_result started(void)
{
    return (cci_import_result){.started = true, .dialect = {.delimiter = ',', .encoding = {.name = "UTF-8"}}};
}

START_TEST(the_exit_status_follows_the_contract)
{
    cci_import_result r = {0};
    ck_assert_int_eq(tool_exit_status(&r), TOOL_EXIT_USAGE); /* never started */
    r = started();
    ck_assert_int_eq(tool_exit_status(&r), TOOL_EXIT_OK);
    r.counts[CCI_ACTION_UNCHANGED] = r.counts[CCI_ACTION_EXISTS] = r.counts[CCI_ACTION_SKIPPED] = 1;
    ck_assert_int_eq(tool_exit_status(&r), TOOL_EXIT_OK);
    r.journal_failed = true;
    ck_assert_int_eq(tool_exit_status(&r), TOOL_EXIT_STOPPED);
    r.counts[CCI_ACTION_INVALID] = 1;
    ck_assert_int_eq(tool_exit_status(&r), TOOL_EXIT_ROWS_FAILED); /* the rows say more than the journal */
    r.counts[CCI_ACTION_INVALID] = 0;
    r.counts[CCI_ACTION_FAILED] = 1;
    ck_assert_int_eq(tool_exit_status(&r), TOOL_EXIT_ROWS_FAILED);
    r.write_failed = true;
    ck_assert_int_eq(tool_exit_status(&r), TOOL_EXIT_STOPPED);
    r.write_failed = false;
    r.stopped = true;
    ck_assert_int_eq(tool_exit_status(&r), TOOL_EXIT_STOPPED);
    r.input_broke = true;
    ck_assert_int_eq(tool_exit_status(&r), TOOL_EXIT_USAGE);
    r.requests[CCI_BUDGET_CORE] = 2; /* standard input broke after two users were created */
    ck_assert_int_eq(tool_exit_status(&r), TOOL_EXIT_STOPPED);
}
END_TEST

/* The table tool_summary_print writes (malloc'd). */
static char *printed_table(const tool_summary_facts *facts, const cci_import_result *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    tool_summary_print(out, facts, r);
    fclose(out);
    return text;
}

/* The JSON tool_summary_write_json writes, parsed (cJSON_Delete it). */
static cJSON *written_json(const tool_summary_facts *facts, const cci_import_result *r)
{
    test_path dir, path;
    test_dir_new(dir, "summary");
    test_dir_file(path, dir, "summary.json");
    char err[512];
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    ck_assert_msg(tool_summary_write_json(&out, facts, r, tool_exit_status(r), err, sizeof err), "%s", err);
    FILE *file = fopen(path, "r");
    ck_assert_ptr_nonnull(file);
    char text[4096];
    text[fread(text, 1, sizeof text - 1, file)] = '\0';
    fclose(file);
    test_dir_remove(dir);
    cJSON *json = cJSON_Parse(text);
    ck_assert_ptr_nonnull(json);
    return json;
}

START_TEST(the_table_says_every_action_and_the_requests)
{
    cci_import_result r = started();
    r.rows = 10;
    r.counts[CCI_ACTION_CREATED] = 6;
    r.counts[CCI_ACTION_UNCHANGED] = 3;
    r.counts[CCI_ACTION_INVALID] = 1;
    r.requests[CCI_BUDGET_CORE] = 7;
    r.requests[CCI_BUDGET_STANDARD] = 1;
    r.rejected = 1;
    tool_summary_facts facts = {.input = "users.csv", .report = "users.report.csv", .rejects = "users.rejects.csv",
                               .state = "users.state", .seconds = 2.0};
    char *text = printed_table(&facts, &r);
    ck_assert_ptr_nonnull(strstr(text, "read users.csv as UTF-8, comma-separated, LF line ends"));
    ck_assert_ptr_nonnull(strstr(text, "10 rows read: 6 created, 0 updated, 3 unchanged, 0 exists, 1 invalid, 0 failed, 0 skipped"));
    ck_assert_ptr_nonnull(strstr(text, "requests   8 (core: 7, standard: 1, data import: 0)"));
    ck_assert_ptr_nonnull(strstr(text, "users.rejects.csv (1 row to fix and feed back)"));
    ck_assert_ptr_nonnull(strstr(text, "(5 rows/s)"));
    ck_assert_ptr_null(strstr(text, "damaged"));
    free(text);
    /* a file's name holds what its owner typed: shown, not obeyed */
    facts.input = "na\x1b[31mme\nfile\r.csv";
    facts.rejects = "x\n.csv";
    text = printed_table(&facts, &r);
    ck_assert_ptr_nonnull(strstr(text, "read na\\x1b[31mme\\nfile\\r.csv as UTF-8"));
    ck_assert_ptr_nonnull(strstr(text, "x\\n.csv (1 row to fix"));
    free(text);
    facts.input = "users.csv";
    facts.rejects = "users.rejects.csv";
    /* a journal with torn or damaged lines says how many were skipped */
    r.journal_used = true;
    r.known_before = 4;
    r.journal_damaged = 2;
    text = printed_table(&facts, &r);
    ck_assert_msg(strstr(text, "state      users.state (4 users of this target known before the run; 2 damaged lines of "
                               "the journal skipped)"), "%s", text);
    free(text);
}
END_TEST

START_TEST(the_first_problems_say_when_there_are_more)
{
    cci_import_result r = started();
    char *problems[] = {"line 3: uid holds '!'", "line 4: column \"uid\": \"a\x1b[31mb\nc\rd\te\x7f\" holds ...",
                        "line 5: \"\xC2\x9B" "2J \xE2\x80\xAE" "cba\" (a C1 CSI, a right-to-left override)"};
    r.problems = problems;
    r.problem_count = 3;
    r.counts[CCI_ACTION_INVALID] = 4;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    tool_summary_print_problems(out, &r);
    fclose(out);
    ck_assert_ptr_nonnull(strstr(text, "the first problems (all of them are in the report, or here with --verbose):"));
    ck_assert_ptr_nonnull(strstr(text, "  line 3: uid holds '!'\n"));
    /* a cell's control characters are shown, not obeyed: the line stays one line */
    ck_assert_msg(strstr(text, "  line 4: column \"uid\": \"a\\x1b[31mb\\nc\\rd\\te\\x7f\" holds ...\n"), "%s", text);
    ck_assert_msg(strstr(text, "  line 5: \"\\u009b2J \\u202ecba\""), "%s", text);
    free(text);
}
END_TEST

START_TEST(the_json_holds_the_same_figures_and_the_status)
{
    cci_import_result r = started();
    r.rows = 3;
    r.counts[CCI_ACTION_CREATED] = 2;
    r.counts[CCI_ACTION_FAILED] = 1;
    r.requests[CCI_BUDGET_CORE] = 5;
    tool_summary_facts facts = {.input = "users.csv", .report = "users.runs/2026-11-23T10-15-03Z/report.csv",
                               .folder = "users.runs/2026-11-23T10-15-03Z", .seconds = 1.0};
    cJSON *json = written_json(&facts, &r);
    ck_assert_int_eq(cJSON_GetObjectItem(json, "exit_status")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItem(json, "rows")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "actions"), "failed")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "requests"), "total")->valueint, 5);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(json, "dry_run")));
    ck_assert_str_eq(cJSON_GetObjectItem(json, "run_folder")->valuestring, "users.runs/2026-11-23T10-15-03Z");
    cJSON_Delete(json);
}
END_TEST

/* A dry run keeps no files unless asked: the table says how to keep the report, the JSON has none. */
START_TEST(a_dry_run_without_files_says_how_to_keep_them)
{
    cci_import_result r = started();
    r.rows = 2;
    r.counts[CCI_ACTION_SKIPPED] = 1;
    r.counts[CCI_ACTION_INVALID] = 1;
    tool_summary_facts facts = {.input = "users.csv", .state = "app.journal", .dry_run = true};
    char *text = printed_table(&facts, &r);
    ck_assert_msg(strstr(text, "1 row would be sent (--report PATH lists them)") &&
                      strstr(text, "report     none: a dry run writes no file unless asked"), "%s", text);
    free(text);
    cJSON *json = written_json(&facts, &r);
    ck_assert_ptr_null(cJSON_GetObjectItem(json, "report"));
    ck_assert_ptr_null(cJSON_GetObjectItem(json, "run_folder"));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(json, "dry_run")));
    cJSON_Delete(json);
}
END_TEST

static Suite *summary_suite(void)
{
    Suite *suite = suite_create("tool_summary");
    TCase *tc = tcase_create("summary");
    tcase_add_test(tc, the_exit_status_follows_the_contract);
    tcase_add_test(tc, the_table_says_every_action_and_the_requests);
    tcase_add_test(tc, the_first_problems_say_when_there_are_more);
    tcase_add_test(tc, the_json_holds_the_same_figures_and_the_status);
    tcase_add_test(tc, a_dry_run_without_files_says_how_to_keep_them);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(summary_suite)
