/* The progress display: a live line under a pseudo-terminal that ends cleanly, plain lines and
 * no control characters without one. */
#include <check.h>
#include <curl/curl.h>
#include <math.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e_support.h"

/* When each part of a terminal's text arrived: the first byte at `at` came at `ms`. */
typedef struct arrival {
    size_t at;
    double ms;
} arrival;

static double monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}

/* Runs the tool with its standard error on a pseudo-terminal; returns all it wrote there, and,
 * when arrivals is set, when each read's text came (at most *count of them; *count set). */
static char *run_on_a_terminal_timed(const char *progress_option, int *status, arrival *arrivals, size_t *count)
{
    int master;
    struct winsize size = {.ws_row = 24, .ws_col = 200};
    pid_t pid = forkpty(&master, NULL, NULL, &size);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (chdir(fixture.dir) != 0) _exit(126);
        setenv("COMETCHAT_API_KEY", E2E_KEY, 1);
        execl(CCI_IMPORT_BINARY, CCI_IMPORT_BINARY, "--base-url", fixture.base_url, "--workers", "4",
              progress_option, "users.csv", (char *)NULL);
        _exit(127);
    }
    size_t cap = 1 << 20, used = 0;
    char *text = malloc(cap);
    ssize_t n;
    size_t reads = 0;
    /* read until the child closes the terminal (EIO on Linux) */
    while (used < cap - 1 && (n = read(master, text + used, cap - 1 - used)) > 0) {
        if (arrivals && reads < *count) arrivals[reads++] = (arrival){.at = used, .ms = monotonic_ms()};
        used += (size_t)n;
    }
    if (arrivals) *count = reads;
    text[used] = '\0';
    ck_assert_int_eq(waitpid(pid, status, 0), pid);
    close(master);
    return text;
}

static char *run_on_a_terminal(const char *progress_option, int *status)
{
    return run_on_a_terminal_timed(progress_option, status, NULL, NULL);
}

START_TEST(a_terminal_gets_one_live_line_that_ends_cleanly)
{
    fixture.config.faults.latency_ms = 2;
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", 3000, 0);
    int status;
    char *text = run_on_a_terminal("--progress=auto", &status);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert_msg(strstr(text, "\r\033[K"), "no live line in: %.300s", text);
    ck_assert_ptr_nonnull(strstr(text, "/3000 rows ("));
    ck_assert_ptr_nonnull(strstr(text, "rows/s"));
    /* the last redraw is erased before the summary, which starts on a clean line */
    char *last_erase = NULL;
    for (char *at = strstr(text, "\r\033[K"); at; at = strstr(at + 1, "\r\033[K")) last_erase = at;
    ck_assert_msg(strncmp(last_erase + 4, "cometchat-import: ", 18) == 0, "after the last erase: %.80s",
                  last_erase + 4);
    ck_assert_ptr_nonnull(strstr(last_erase, "3000 rows read: 3000 created"));
    free(text);
}
END_TEST

START_TEST(progress_never_keeps_the_terminal_quiet)
{
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", 200, 0);
    int status;
    char *text = run_on_a_terminal("--progress=never", &status);
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert_ptr_null(strstr(text, "\033[K"));
    ck_assert_ptr_nonnull(strstr(text, "200 rows read"));
    free(text);
}
END_TEST

START_TEST(without_a_terminal_plain_lines_and_no_control_characters)
{
    fixture.config.core_limit = 40; /* 300 rows at 40 a second: long enough for a plain progress line */
    fixture.config.window_ms = 1000;
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", 300, 0);
    const char *messages;
    /* one create a row: batches would end the run before a progress line is due */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--workers", "4", "--data-import", "off", "users.csv",
                             NULL), 0);
    ck_assert_msg(strstr(messages, "cometchat-import: progress: "), "%s", messages);
    for (const char *p = messages; *p; p++)
        ck_assert_msg(*p == '\n' || (unsigned char)*p >= 0x20, "control character 0x%02x written", *p);
    /* --progress=always draws the live line even into a file */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--progress=always", "users.csv", NULL), 0);
    ck_assert_ptr_nonnull(strstr(messages, "\r\033[K"));
    /* --quiet: nothing but problems */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--quiet", "users.csv", NULL), 0);
    ck_assert_str_eq(messages, "");
}
END_TEST

/* Issue 29: the ETA of a Data Import run (the free plan's budgets in one-second windows: 10
 * creates and one batch of 50 a window) against the time the run then took, once a quarter and
 * once half the rows are reported. The times are the ones the test saw the lines and the end at;
 * the run's pace is the sandbox's windows, not the machine's. */
START_TEST(the_eta_of_a_data_import_run_is_within_30_percent_of_the_time_it_took)
{
    fixture.config.core_limit = 10;
    fixture.config.data_import_limit = 1;
    fixture.config.window_ms = 1000;
    e2e_start_sandbox(&fixture);
    enum { ROWS = 1000, READS = 1 << 14 };
    e2e_write_users(&fixture, "users.csv", ROWS, 0);
    static arrival arrivals[READS];
    size_t reads = READS;
    int status;
    double started = monotonic_ms();
    char *text = run_on_a_terminal_timed("--progress=always", &status, arrivals, &reads);
    double ended = monotonic_ms();
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    ck_assert_msg(e2e_counter(&fixture, "requests", "data_import") >= 5, "not a Data Import run");
    ck_assert_int_eq((int)e2e_counter(&fixture, NULL, "users"), ROWS);
    int checked = 0;
    size_t next_read = 0;
    for (int quarter = 1; quarter <= 2; quarter++) {
        /* the first line that reports a quarter (half) of the rows, and when it came */
        const char *line = text;
        long rows = 0, eta = -1;
        while ((line = strstr(line, "\r\033[K"))) {
            line += 4;
            long minutes, seconds;
            const char *at_eta = strstr(line, "ETA ");
            const char *end = strchr(line, '\r');
            if (sscanf(line, "%ld/", &rows) == 1 && rows >= ROWS * quarter / 4 && at_eta && (!end || at_eta < end) &&
                sscanf(at_eta, "ETA %ld:%ld", &minutes, &seconds) == 2) {
                eta = minutes * 60 + seconds;
                break;
            }
        }
        ck_assert_msg(line, "no line with an ETA at %d/4 of the rows in: %.300s", quarter, text);
        size_t offset = (size_t)(line - text);
        while (next_read + 1 < reads && arrivals[next_read + 1].at <= offset) next_read++;
        double left_s = (ended - arrivals[next_read].ms) / 1000.0;
        ck_assert_msg(fabs((double)eta - left_s) <= 0.3 * left_s + 1.0,
                      "at %ld of %d rows the ETA said %ld s; the run took %.1f s more (%.1f s in all)", rows, ROWS,
                      eta, left_s, (ended - started) / 1000.0);
        checked++;
    }
    ck_assert_int_eq(checked, 2);
    free(text);
}
END_TEST

START_TEST(the_summary_json_adds_up)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "users.csv", "uid,name\na,A\nb,B\nbad uid,C\n");
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--summary-json", "summary.json", "users.csv", NULL), 1);
    FILE *file = fopen(e2e_path(&fixture, "summary.json"), "r");
    ck_assert_ptr_nonnull(file);
    char text[4096];
    text[fread(text, 1, sizeof text - 1, file)] = '\0';
    fclose(file);
    cJSON *json = cJSON_Parse(text);
    ck_assert_ptr_nonnull(json);
    ck_assert_int_eq(cJSON_GetObjectItem(json, "rows")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItem(json, "exit_status")->valueint, 1);
    const cJSON *actions = cJSON_GetObjectItem(json, "actions");
    ck_assert_int_eq(cJSON_GetObjectItem(actions, "created")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(actions, "invalid")->valueint, 1);
    int sum = 0;
    const cJSON *count;
    cJSON_ArrayForEach(count, actions) sum += count->valueint;
    ck_assert_int_eq(sum, 3);
    /* the two new users went one create each, or together in a Data Import batch, as the
     * channel's budget and timing had it: either way two users were created through requests
     * the summary counts as the sandbox does */
    const cJSON *requests = cJSON_GetObjectItem(json, "requests");
    int core = cJSON_GetObjectItem(requests, "core")->valueint;
    int batches = cJSON_GetObjectItem(requests, "data_import")->valueint;
    int batched = cJSON_GetObjectItem(json, "data_import_created")->valueint;
    ck_assert_msg(core + batched == 2, "%d creates, %d users created in %d batches", core, batched, batches);
    ck_assert_int_eq(core, (int)e2e_counter(&fixture, "requests", "create"));
    ck_assert_int_eq(batches, (int)e2e_counter(&fixture, "requests", "data_import"));
    ck_assert_int_eq(cJSON_GetObjectItem(requests, "total")->valueint, (int)e2e_counter(&fixture, "requests", "total"));
    const char *folder = cJSON_GetObjectItem(json, "run_folder")->valuestring, *report = cJSON_GetObjectItem(json, "report")->valuestring;
    ck_assert_str_eq(report, e2e_run_file(&fixture, "users.runs", -1, "report.csv")); /* users.runs/STAMP/... */
    ck_assert_int_eq(strncmp(report, folder, strlen(folder)), 0);
    ck_assert_str_eq(report + strlen(folder), "/report.csv");
    cJSON_Delete(json);
}
END_TEST

static Suite *progress_suite(void)
{
    Suite *suite = suite_create("e2e_progress");
    TCase *tc = tcase_create("progress");
    tcase_add_checked_fixture(tc, e2e_fixture_setup, e2e_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_terminal_gets_one_live_line_that_ends_cleanly);
    tcase_add_test(tc, progress_never_keeps_the_terminal_quiet);
    tcase_add_test(tc, without_a_terminal_plain_lines_and_no_control_characters);
    tcase_add_test(tc, the_summary_json_adds_up);
    tcase_add_test(tc, the_eta_of_a_data_import_run_is_within_30_percent_of_the_time_it_took);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(progress_suite)
