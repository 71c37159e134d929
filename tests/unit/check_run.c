/* One import through the library's entry point, against the sandbox in-process: the callbacks
 * say what happens, the result counts it, and the sandbox ends up holding the file's users. */
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cci/run/import.h"
#include "check_main.h"
#include "sandbox_fixture.h"
#include "test_files.h"

static test_path dir, input, report, rejects, state;

/* What the callbacks saw. */
typedef struct seen {
    char messages[4096];
    int problems;
    int started, ended;
    long total;
    const char *swap_in; /* renamed over the input when a dry run says it reads the file again */
} seen;

static void on_message(void *context, cci_message_kind kind, const char *text)
{
    seen *s = context;
    size_t used = strlen(s->messages);
    snprintf(s->messages + used, sizeof s->messages - used, "%s\n", text);
    if (kind == CCI_MESSAGE_PROBLEM) s->problems++;
    if (s->swap_in && strstr(text, "reading it again")) {
        ck_assert_int_eq(rename(s->swap_in, input), 0);
        s->swap_in = NULL;
    }
}

static void on_started(void *context, const cci_progress_source *source)
{
    seen *s = context;
    s->started++;
    s->total = source->total;
    ck_assert_ptr_nonnull(source->counts);
}

static void on_ended(void *context)
{
    ((seen *)context)->ended++;
}

static void setup(void)
{
    fixture_setup();
    test_dir_new(dir, "run");
    test_dir_file(input, dir, "users.csv");
    test_dir_file(report, dir, "users.report.csv");
    test_dir_file(rejects, dir, "users.rejects.csv");
    test_dir_file(state, dir, "users.state");
    test_file_write(input, "uid,name,tags\nana,Ana,a;b\nbob,Bob,\nbad uid,Bad,\ncy,Cy,c\n");
}

static void teardown(void)
{
    test_dir_remove(dir);
    fixture_teardown();
}

static cci_import_config config_of(seen *s)
{
    return (cci_import_config){
        .input = input, .report_path = report, .rejects_path = rejects, .state_path = state,
        .base_url = fixture.base, .api_key = FIXTURE_KEY, .mode = CCI_MODE_UPSERT, .workers = 2,
        .timeout_ms = 5000, .max_wait_ms = 5000, .retries = 2, .problems_kept = 10, .random_seed = 1,
        .callbacks = {.context = s, .message = on_message, .sending_started = on_started, .sending_ended = on_ended}};
}

/* Runs an import with config and a stop of its own. */
static void import(cci_import_config *config, cci_import_result *result)
{
    config->stop = cci_stop_new();
    ck_assert_ptr_nonnull(config->stop);
    cci_import(config, result);
    cci_stop_free(config->stop);
}

START_TEST(an_import_sends_the_valid_rows_and_accounts_for_every_row)
{
    seen s = {0};
    cci_import_config config = config_of(&s);
    config.data_import_off = true; /* one create a row: which channel takes a row is timing's */
    cci_import_result result;
    import(&config, &result);
    ck_assert(result.started);
    ck_assert(!result.stopped && !result.write_failed && !result.journal_failed);
    ck_assert_uint_eq(result.rows, 4);
    ck_assert_uint_eq(result.counts[CCI_ACTION_CREATED], 3);
    ck_assert_uint_eq(result.counts[CCI_ACTION_INVALID], 1);
    ck_assert_uint_eq(result.problem_count, 1);
    ck_assert_ptr_nonnull(strstr(result.problems[0], "line 4:"));
    /* one page of the (empty) app, read to plan the rows the journal does not know, and 3 creates */
    ck_assert(result.app_read);
    ck_assert_uint_eq(result.listed_pages, 1);
    ck_assert_uint_eq(result.requests[CCI_BUDGET_CORE], 3);
    ck_assert_uint_eq(result.requests[CCI_BUDGET_STANDARD], 1);
    ck_assert_int_eq(s.started, 1);
    ck_assert_int_eq(s.ended, 1);
    ck_assert_int_eq(s.total, 4);
    ck_assert_msg(s.problems == 0, "%s", s.messages);
    ck_assert_int_eq((int)fixture_counter(NULL, "users"), 3);
    ck_assert_int_eq(access(report, R_OK), 0);
    ck_assert_int_eq(access(rejects, R_OK), 0);
    cci_import_result_cleanup(&result);

    /* the rerun of an unchanged file writes nothing: it reads the app (one page), which proves the
     * key and would see a user deleted behind its back; with --trust-journal it sends nothing */
    memset(&s, 0, sizeof s);
    import(&config, &result);
    ck_assert_uint_eq(result.counts[CCI_ACTION_UNCHANGED], 3);
    ck_assert_uint_eq(result.known_before, 3);
    ck_assert(result.app_read && result.target_proven);
    ck_assert_uint_eq(result.requests[CCI_BUDGET_CORE], 0);
    ck_assert_uint_eq(result.requests[CCI_BUDGET_STANDARD], 1);
    ck_assert_int_eq((int)fixture_counter("requests", "total"), 3 + 1 + 1); /* the first run's, and one page */
    cci_import_result_cleanup(&result);
    memset(&s, 0, sizeof s);
    config.trust_journal = true;
    import(&config, &result);
    ck_assert_uint_eq(result.counts[CCI_ACTION_UNCHANGED], 3);
    ck_assert(!result.app_read);
    ck_assert_uint_eq(result.requests[CCI_BUDGET_CORE] + result.requests[CCI_BUDGET_STANDARD], 0);
    ck_assert_int_eq((int)fixture_counter("requests", "total"), 3 + 1 + 1);
    cci_import_result_cleanup(&result);
}
END_TEST

START_TEST(a_dry_run_sends_nothing_and_keeps_samples)
{
    seen s = {0};
    cci_import_config config = config_of(&s);
    config.dry_run = true;
    config.api_key = NULL;
    cci_import_result result;
    import(&config, &result);
    ck_assert(result.started);
    ck_assert(!result.journal_used);
    ck_assert_uint_eq(result.counts[CCI_ACTION_SKIPPED], 3);
    ck_assert_uint_eq(result.sample_count, 3);
    ck_assert_ptr_nonnull(strstr(result.samples[0], "line 2: dry run: would create"));
    ck_assert_int_eq((int)fixture_counter("requests", "total"), 0);
    ck_assert_int_ne(access(state, F_OK), 0); /* nothing written to the journal either */
    cci_import_result_cleanup(&result);
}
END_TEST

/* A dry run reads a file once: stopped, it is refused whole, as a run's preflight is: no report,
 * for its rows may not be what the whole file says. */
START_TEST(a_stopped_dry_run_writes_no_report)
{
    seen s = {0};
    cci_import_config config = config_of(&s);
    config.dry_run = true;
    config.api_key = NULL;
    config.stop = cci_stop_new();
    ck_assert_ptr_nonnull(config.stop);
    cci_stop_request(config.stop, CCI_STOP_INTERRUPTED, "interrupted");
    cci_import_result result;
    cci_import(&config, &result);
    ck_assert(result.stopped);
    ck_assert(!result.started);
    ck_assert_int_ne(access(report, F_OK), 0);
    ck_assert_msg(strstr(s.messages, "users.csv: the run was stopped while the file was read (interrupted); nothing "
                                     "was sent"), "%s", s.messages);
    cci_stop_free(config.stop);
    cci_import_result_cleanup(&result);
}
END_TEST

START_TEST(an_input_that_cannot_be_read_never_starts_and_says_why)
{
    seen s = {0};
    cci_import_config config = config_of(&s);
    config.input = "/nonexistent/users.csv";
    cci_import_result result;
    import(&config, &result);
    ck_assert(!result.started);
    ck_assert_int_eq(s.problems, 1);
    ck_assert_ptr_nonnull(strstr(s.messages, "/nonexistent/users.csv"));
    ck_assert_int_eq(s.started, 0);
    ck_assert_int_eq((int)fixture_counter("requests", "total"), 0);
    cci_import_result_cleanup(&result);
}
END_TEST

START_TEST(a_refused_key_stops_the_run_and_skips_the_rest)
{
    fixture_restart(fixture_know_another_key);
    seen s = {0};
    cci_import_config config = config_of(&s);
    config.workers = 1;
    cci_import_result result;
    import(&config, &result);
    ck_assert(result.started);
    ck_assert(result.stopped);
    ck_assert_uint_eq(result.rows, 4);
    /* the first request, reading the app, is refused: the 3 valid rows are not sent */
    ck_assert_uint_eq(result.counts[CCI_ACTION_FAILED], 0);
    ck_assert_uint_eq(result.counts[CCI_ACTION_SKIPPED], 3);
    ck_assert_ptr_nonnull(strstr(result.stop_reason, "AUTH_ERR_APIKEY_NOT_FOUND"));
    ck_assert_ptr_nonnull(strstr(s.messages, "stopped early"));
    ck_assert_ptr_null(strstr(s.messages, FIXTURE_KEY));
    cci_import_result_cleanup(&result);
}
END_TEST

START_TEST(an_output_that_is_the_input_or_another_output_stops_the_run_before_it_starts)
{
    const char *const clashes[][2] = {{"report", "input"}, {"rejects", "report"}, {"state", "rejects"},
                                      {"rejects", "report spelled another way"}, {"rejects", "report's partial file"}};
    char other_way[sizeof(test_path) + 8], partial[sizeof(test_path) + 16];
    const char *slash = strrchr(report, '/');
    snprintf(other_way, sizeof other_way, "%.*s/./%s", (int)(slash - report), report, slash + 1);
    snprintf(partial, sizeof partial, "%s.partial", report);
    for (size_t c = 0; c < 5; c++) {
        seen s = {0};
        cci_import_config config = config_of(&s);
        if (c == 0) config.report_path = input;
        if (c == 1) config.rejects_path = report;
        if (c == 2) config.state_path = rejects;
        if (c == 3) config.rejects_path = other_way;
        if (c == 4) config.rejects_path = partial;
        cci_import_result result;
        import(&config, &result);
        ck_assert(!result.started);
        ck_assert_msg(strstr(s.messages, "one would overwrite the other"), "%s: %s", clashes[c][0], s.messages);
        cci_import_result_cleanup(&result);
    }
    ck_assert_str_eq(test_file_text(input), "uid,name,tags\nana,Ana,a;b\nbob,Bob,\nbad uid,Bad,\ncy,Cy,c\n");
    ck_assert_double_eq(fixture_counter("requests", "total"), 0);
}
END_TEST

/* An output named as a spreadsheet of a kind not written (a CSV under .ods would open as a damaged
 * workbook), or a state journal named "", stops the run before it starts. */
START_TEST(an_output_named_as_a_spreadsheet_not_written_or_nothing_stops_the_run_before_it_starts)
{
    char ods[sizeof(test_path) + 8];
    snprintf(ods, sizeof ods, "%s.ods", rejects);
    for (int c = 0; c < 2; c++) {
        seen s = {0};
        cci_import_config config = config_of(&s);
        if (c == 0) config.rejects_path = ods;
        if (c == 1) config.state_path = "";
        cci_import_result result;
        import(&config, &result);
        ck_assert(!result.started);
        ck_assert_msg(strstr(s.messages, c == 0 ? "only .xlsx is written as a workbook" : "--state names no file"), "%s",
                      s.messages);
        cci_import_result_cleanup(&result);
    }
    ck_assert_int_eq(access(".lock", F_OK), -1);
    ck_assert_double_eq(fixture_counter("requests", "total"), 0);
}
END_TEST

/* A dry run that reads the file again (its padding showed only at the end) opens it again by
 * name: another file put there in between is refused whole, never read as if it were the first. */
START_TEST(a_file_replaced_between_a_dry_runs_two_readings_is_refused)
{
    test_file_write(input, "uid,name\n789,C\n000123,A\n004567,B\n");
    test_path other;
    test_dir_file(other, dir, "other.csv");
    test_file_write(other, "uid,name\n789,Other C\n000123,Other A\n004567,Other B\n");
    seen s = {.swap_in = other};
    cci_import_config config = config_of(&s);
    config.dry_run = true;
    config.api_key = NULL;
    cci_import_result result;
    import(&config, &result);
    ck_assert_ptr_null(s.swap_in); /* the second reading was announced, and the file swapped */
    ck_assert(result.stopped);
    ck_assert_msg(strstr(s.messages, "changed between its two readings: another file is at its path now") &&
                      strstr(s.messages, "nothing was sent"),
                  "%s", s.messages);
    ck_assert_int_ne(access(report, F_OK), 0);
    cci_import_result_cleanup(&result);
}
END_TEST

/* The report has rows lines after its header, each row's line numbered in turn from 2. */
static void expect_report_lines_in_order(unsigned long rows)
{
    FILE *file = fopen(report, "r");
    ck_assert_ptr_nonnull(file);
    char line[1024];
    unsigned long count = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof line, file)); /* the header */
    while (fgets(line, sizeof line, file)) {
        unsigned long number = strtoul(line, NULL, 10);
        ck_assert_msg(number == count + 2, "report row %lu says line %lu", count + 1, number);
        count++;
    }
    fclose(file);
    ck_assert_uint_eq(count, rows);
}

/* A dry run whose report cannot be written (a full disk: the file size limit here) is refused
 * whole, and says why, not only that it stopped: whether the limit is met while the rows are read
 * (_i 0) or only by the last lines, written behind after the last row was read (_i 1). */
START_TEST(a_dry_run_whose_report_cannot_be_written_says_why)
{
    FILE *file = fopen(input, "w");
    ck_assert_ptr_nonnull(file);
    fputs("uid,name,tags\n", file);
    for (int i = 0; i < 50000; i++) fprintf(file, "user%06d,Someone %d,a;b\n", i, i);
    ck_assert_int_eq(fclose(file), 0);
    seen s = {0};
    cci_import_config config = config_of(&s);
    config.dry_run = true;
    config.api_key = NULL;
    cci_import_result result;
    import(&config, &result); /* the whole report's size, first */
    ck_assert(!result.stopped);
    ck_assert_uint_eq(result.counts[CCI_ACTION_SKIPPED], 50000); /* far more rows than a window holds */
    cci_import_result_cleanup(&result);
    expect_report_lines_in_order(50000);
    struct stat whole;
    ck_assert_int_eq(stat(report, &whole), 0);
    ck_assert_int_eq(unlink(report), 0);
    struct rlimit before, small;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &before), 0);
    small = before;
    small.rlim_cur = _i == 0 ? 2 << 20 : (rlim_t)whole.st_size - 100; /* the input (2 MB) is read, not written */
    signal(SIGXFSZ, SIG_IGN);
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    import(&config, &result);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &before), 0);
    ck_assert(result.stopped);
    ck_assert_int_ne(access(report, F_OK), 0);
    ck_assert_msg(strstr(s.messages, "the run was stopped while the file was read (cannot write ") &&
                      strstr(s.messages, strerror(EFBIG)),
                  "%s", s.messages);
    cci_import_result_cleanup(&result);
}
END_TEST

static Suite *run_suite(void)
{
    Suite *suite = suite_create("run");
    TCase *tc = tcase_create("against_the_sandbox");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, an_import_sends_the_valid_rows_and_accounts_for_every_row);
    tcase_add_test(tc, a_dry_run_sends_nothing_and_keeps_samples);
    tcase_add_test(tc, a_stopped_dry_run_writes_no_report);
    tcase_add_test(tc, a_file_replaced_between_a_dry_runs_two_readings_is_refused);
    tcase_add_loop_test(tc, a_dry_run_whose_report_cannot_be_written_says_why, 0, 2);
    tcase_add_test(tc, an_input_that_cannot_be_read_never_starts_and_says_why);
    tcase_add_test(tc, a_refused_key_stops_the_run_and_skips_the_rest);
    tcase_add_test(tc, an_output_that_is_the_input_or_another_output_stops_the_run_before_it_starts);
    tcase_add_test(tc, an_output_named_as_a_spreadsheet_not_written_or_nothing_stops_the_run_before_it_starts);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(run_suite)
