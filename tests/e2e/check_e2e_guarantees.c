/* End to end: nothing lost, nothing leaked, whatever the machine does to the run. An input that
 * changes or never ends, outputs that fail or are symlinks, signals of every kind, secrets, and
 * two runs on one journal: the real binary against the sandbox, and every row accounted for. */
#define _GNU_SOURCE /* prlimit */
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e_support.h"

/* The report's rows are lines 2, 3, ... of an e2e_write_users file, in order, none cut. */
static e2e_report_row *expect_leading_rows(const char *name, size_t *count)
{
    e2e_report_row *rows = e2e_read_report(&fixture, name, count);
    for (size_t i = 0; i < *count; i++) {
        char uid[32];
        snprintf(uid, sizeof uid, "u%05zu", i);
        ck_assert_uint_eq(rows[i].line, i + 2);
        ck_assert_str_eq(rows[i].uid, uid);
    }
    return rows;
}

/* The sandbox holds exactly the users the report says were created. */
static void expect_sandbox_matches(const e2e_report_row *rows, size_t count)
{
    cJSON *users = e2e_users(&fixture);
    int created = 0;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(rows[i].action, "created") != 0) continue;
        created++;
        ck_assert_msg(e2e_find_user(users, rows[i].uid) != NULL, "%s is reported created, not held", rows[i].uid);
    }
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(users, "users")), created);
    cJSON_Delete(users);
}

/* Waits, bounded (30 s), until the tool's messages hold text: acting "after the first signal was
 * taken" needs to see that it was. */
static void wait_for_message(const char *text)
{
    for (int tries = 0; tries < 1200; tries++) {
        FILE *file = fopen(e2e_path(&fixture, "stderr.txt"), "r");
        char seen[8192] = "";
        if (file) {
            seen[fread(seen, 1, sizeof seen - 1, file)] = '\0';
            fclose(file);
        }
        if (strstr(seen, text)) return;
        struct timespec pause = {0, 25 * 1000000L};
        nanosleep(&pause, NULL);
    }
    ck_abort_msg("the tool never said \"%s\"", text);
}


static bool exists(const char *name)
{
    struct stat st;
    return lstat(e2e_path(&fixture, name), &st) == 0;
}

/* ---- the input ---- */

/* Starts a slow import of 5,000 rows and lets the test change the file once 300 are created. */
static int start_slow_import(void)
{
    fixture.config.faults.latency_ms = 2;
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", 5000, 0);
    int pid = e2e_spawn(&fixture, E2E_KEY, true, "--workers", "4", "--data-import", "off", "users.csv", NULL);
    e2e_wait_for_creates(&fixture, 300); /* counted in creates: one a row */
    return pid;
}

START_TEST(an_input_truncated_while_importing_stops_the_run_with_every_row_read_reported)
{
    int pid = start_slow_import();
    ck_assert_int_eq(truncate(e2e_path(&fixture, "users.csv"), 1000), 0);
    const char *messages;
    ck_assert_int_eq(e2e_wait(&fixture, pid, &messages), 3);
    ck_assert_msg(strstr(messages, "users.csv changed while it was read") && strstr(messages, "size changed"), "%s",
                  messages);
    size_t count;
    e2e_report_row *rows = expect_leading_rows("users.runs/latest/report.csv", &count);
    ck_assert_uint_ge(count, 300);
    ck_assert_uint_lt(count, 5000); /* never "5000 created" for a file that is gone */
    expect_sandbox_matches(rows, count);
    free(rows);
}
END_TEST

START_TEST(an_input_rewritten_in_place_never_mixes_two_versions)
{
    int pid = start_slow_import();
    char *text = e2e_read_text(&fixture, "users.csv");
    for (char *p = strstr(text, "\nu"); p; p = strstr(p + 1, "\nu")) p[1] = 'v'; /* same size, other uids */
    FILE *file = fopen(e2e_path(&fixture, "users.csv"), "r+");
    fputs(text, file);
    fclose(file);
    free(text);
    const char *messages;
    ck_assert_int_eq(e2e_wait(&fixture, pid, &messages), 3);
    ck_assert_msg(strstr(messages, "changed while it was read"), "%s", messages);
    size_t count;
    e2e_report_row *rows = expect_leading_rows("users.runs/latest/report.csv", &count); /* every uid the first version's */
    ck_assert_uint_lt(count, 5000);
    expect_sandbox_matches(rows, count);
    free(rows);
}
END_TEST

START_TEST(a_fifo_is_read_once)
{
    e2e_start_sandbox(&fixture);
    const char *fifo = e2e_path(&fixture, "users.csv");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    char text[2048];
    int len = snprintf(text, sizeof text, "uid,name\n");
    for (int i = 0; i < 50; i++) len += snprintf(text + len, sizeof text - (size_t)len, "u%05d,User %d\n", i, i);
    ck_assert_int_lt(len, (int)sizeof text);
    pid_t writer = fork();
    if (writer == 0) { /* one writer, once: a second open would block for ever; only async-signal-safe
                        * calls, as the sandbox's threads may hold malloc's lock at the fork */
        int w = open(fifo, O_WRONLY);
        _exit(w >= 0 && write(w, text, (size_t)len) == len && close(w) == 0 ? 0 : 1);
    }
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL), 0);
    int wrote;
    ck_assert_int_eq(waitpid(writer, &wrote, 0), writer);
    ck_assert_msg(WIFEXITED(wrote) && WEXITSTATUS(wrote) == 0, "the writer could not write the FIFO");
    size_t count;
    e2e_report_row *rows = expect_leading_rows("users.runs/latest/report.csv", &count);
    ck_assert_uint_eq(count, 50);
    ck_assert_int_eq(e2e_count_action(rows, count, "created"), 50);
    expect_sandbox_matches(rows, count);
    free(rows);
}
END_TEST

/* A header of 5,000 columns: refused at line 1 before anything is sent; allowed when asked, with
 * one counted warning instead of 4,998. */
START_TEST(a_huge_header_is_bounded_and_its_warnings_counted)
{
    e2e_start_sandbox(&fixture);
    size_t len = 0;
    char *text = malloc(5000 * 16 + 64);
    len += (size_t)sprintf(text, "uid,name");
    for (int i = 2; i < 5000; i++) len += (size_t)sprintf(text + len, ",extra%d", i);
    len += (size_t)sprintf(text + len, "\nana,Ana");
    for (int i = 2; i < 5000; i++) text[len++] = ',';
    sprintf(text + len, "\n");
    e2e_write(&fixture, "wide.csv", text);
    free(text);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "wide.csv", NULL), 2);
    ck_assert_msg(strstr(messages, "line 1: more than 1000 columns (--max-columns"), "%s", messages);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);

    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--max-columns", "5000", "wide.csv", NULL), 0);
    int warnings = 0;
    for (const char *p = strstr(messages, "not CometChat fields"); p; p = strstr(p + 1, "not CometChat fields"))
        warnings++;
    ck_assert_int_eq(warnings, 1);
    ck_assert_msg(strstr(messages, "4998 columns are not CometChat fields") && strstr(messages, "and 4993 more"), "%s",
                  messages);
}
END_TEST

START_TEST(a_huge_row_is_refused_at_its_line)
{
    e2e_start_sandbox(&fixture);
    size_t big = 5 * 1024 * 1024;
    char *text = malloc(2 * big + 64);
    size_t len = (size_t)sprintf(text, "uid,name,metadata.note\nana,Ana,a\nbob,Bob,");
    for (size_t i = 0; i < big; i += 1000) len += (size_t)sprintf(text + len, "\"%0998d\",", 0);
    sprintf(text + len, "x\n");
    e2e_write(&fixture, "long.csv", text);
    free(text);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "long.csv", NULL), 2);
    ck_assert_msg(strstr(messages, "line 3:") && strstr(messages, "--max-"), "%s", messages);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);
}
END_TEST

/* ---- the outputs ---- */

/* uids of the journal's records (U target uid fingerprint check). */
static int journal_uids(const char *name, char uids[][16], int cap)
{
    char *text = e2e_read_text(&fixture, name);
    int n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char uid[16];
        if (line[0] == 'U' && sscanf(line, "U %*s %15s", uid) == 1 && n < cap) snprintf(uids[n++], 16, "%s", uid);
    }
    free(text);
    return n;
}

/* A full disk, as a file size limit the kernel enforces (EFBIG) on the tool alone: no privilege
 * needed, so it runs on any CI machine. */
START_TEST(a_full_disk_stops_the_sending_and_the_journal_never_outruns_the_report)
{
    fixture.config.faults.latency_ms = 1;
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", 2700, 0);
    /* creates are counted: one a row */
    int pid = e2e_spawn(&fixture, E2E_KEY, true, "--workers", "4", "--data-import", "off", "--state", "users.journal",
                        "users.csv", NULL);
    struct rlimit small = {32 * 1024, 32 * 1024};
    ck_assert_int_eq(prlimit(pid, RLIMIT_FSIZE, &small, NULL), 0);
    const char *messages;
    ck_assert_int_eq(e2e_wait(&fixture, pid, &messages), 3);
    ck_assert_msg(strstr(messages, strerror(EFBIG)) && strstr(messages, "stopped early"), "%s", messages);
    double creates = e2e_counter(&fixture, "requests", "create");
    ck_assert_msg(creates < 1500, "%.0f creates sent after the disk was full", creates);
    ck_assert(!exists(e2e_run_file(&fixture, "users.runs", -1, "report.csv"))); /* never a report not whole */
    ck_assert(!exists("users.runs/latest")); /* nor a latest run that is not whole */
    /* the summary names the report that is there: the one cut short */
    ck_assert_msg(strstr(messages, "report.csv.partial\n"), "%s", messages);

    /* every user the journal knows is in the report so far, as created */
    size_t count;
    e2e_report_row *rows = expect_leading_rows(e2e_run_file(&fixture, "users.runs", -1, "report.csv.partial"), &count);
    static char uids[3000][16];
    int known = journal_uids("users.journal", uids, 3000);
    ck_assert_int_gt(known, 0);
    for (int i = 0; i < known; i++) {
        size_t row = (size_t)atoi(uids[i] + 1);
        ck_assert_msg(row < count && strcmp(rows[row].action, "created") == 0, "%s journaled, not reported", uids[i]);
    }
    free(rows);

    /* room again: a rerun converges */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--state", "users.journal", "users.csv", NULL), 0);
    e2e_expect_users_of_file(&fixture, 2700, 0);
}
END_TEST

START_TEST(an_unwritable_rejects_path_stops_the_run_before_anything_is_sent)
{
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", 10, 0);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--rejects", "no-such-dir/x.csv", "users.csv", NULL), 2);
    ck_assert_msg(strstr(messages, "no-such-dir/x.csv") && strstr(messages, "nothing was sent"), "%s", messages);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);
    ck_assert(!exists("users.runs")); /* a run that never started writes nothing */
}
END_TEST

/* A link at an output path is refused before anything is sent, and left as it was: never
 * written through, never replaced (it may be the person's own, or /dev/stdout). */
START_TEST(symlinks_at_output_paths_are_never_written_through)
{
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", 10, 0);
    e2e_write(&fixture, "precious.txt", "precious\n");
    ck_assert_int_eq(symlink("precious.txt", e2e_path(&fixture, "summary.json")), 0);
    ck_assert_int_eq(symlink("nowhere.csv", e2e_path(&fixture, "users.report.csv")), 0); /* dangling */
    const char *outputs[][2] = {{"--summary-json", "summary.json"}, {"--report", "users.report.csv"}};
    for (size_t i = 0; i < 2; i++) {
        const char *messages;
        ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, outputs[i][0], outputs[i][1], "users.csv", NULL), 2);
        ck_assert_msg(strstr(messages, "names a symbolic link") && strstr(messages, "nothing was sent"), "%s", messages);
        struct stat st;
        ck_assert_int_eq(lstat(e2e_path(&fixture, outputs[i][1]), &st), 0);
        ck_assert(S_ISLNK(st.st_mode));
    }
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);
    char *precious = e2e_read_text(&fixture, "precious.txt");
    ck_assert_str_eq(precious, "precious\n");
    free(precious);
    ck_assert(!exists("nowhere.csv"));
}
END_TEST

/* ---- signals ---- */

static int start_long_import(void)
{
    fixture.config.faults.latency_ms = 1;
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", 20000, 0);
    int pid = e2e_spawn(&fixture, E2E_KEY, true, "--workers", "8", "--data-import", "off", "users.csv", NULL);
    e2e_wait_for_creates(&fixture, 1000); /* counted in creates: one a row */
    return pid;
}

/* SIGHUP and SIGQUIT are an interruption like SIGINT: a whole report, and no core dump. */
static void interrupt_with(int sig, const char *said)
{
    int pid = start_long_import();
    char limits_path[64], limits[4096];
    snprintf(limits_path, sizeof limits_path, "/proc/%d/limits", pid);
    FILE *file = fopen(limits_path, "r");
    ck_assert_ptr_nonnull(file);
    limits[fread(limits, 1, sizeof limits - 1, file)] = '\0';
    fclose(file);
    const char *core = strstr(limits, "Max core file size");
    ck_assert_ptr_nonnull(core);
    ck_assert_msg(strncmp(core + strcspn(core, "0123456789u"), "0 ", 2) == 0, "%.80s", core);
    kill(pid, sig);
    const char *messages;
    ck_assert_int_eq(e2e_wait(&fixture, pid, &messages), 3);
    ck_assert_msg(strstr(messages, said), "%s", messages);
    size_t count;
    e2e_report_row *rows = expect_leading_rows("users.runs/latest/report.csv", &count);
    ck_assert_uint_eq(count, 20000);
    ck_assert_int_gt(e2e_count_action(rows, count, "skipped"), 0);
    expect_sandbox_matches(rows, count);
    free(rows);
    ck_assert(!exists("core"));
}

START_TEST(sighup_finishes_with_a_whole_report)
{
    interrupt_with(SIGHUP, "hung up (SIGHUP)");
}
END_TEST

START_TEST(sigquit_finishes_with_a_whole_report_and_no_core_dump)
{
    interrupt_with(SIGQUIT, "asked to quit (SIGQUIT)");
}
END_TEST

START_TEST(a_second_signal_hurries_and_still_writes_a_whole_report)
{
    int pid = start_long_import();
    kill(pid, SIGTERM);
    wait_for_message("terminated (SIGTERM): finishing");
    kill(pid, SIGTERM);
    const char *messages;
    ck_assert_int_eq(e2e_wait(&fixture, pid, &messages), 3);
    ck_assert_msg(strstr(messages, "again: abandoning"), "%s", messages);
    size_t count;
    e2e_report_row *rows = expect_leading_rows("users.runs/latest/report.csv", &count);
    ck_assert_uint_eq(count, 20000);
    free(rows);
}
END_TEST

/* The third quits at once: the earlier run stays the latest, this run's lines are whole. */
START_TEST(a_third_signal_quits_at_once_leaving_the_earlier_run_the_latest)
{
    const char earlier[] = "line,uid,action,http_status,error_code,message,attempts\n2,u00000,created,200,,,1\n";
    ck_assert_int_eq(mkdir(e2e_path(&fixture, "users.runs"), 0700), 0);
    ck_assert_int_eq(mkdir(e2e_path(&fixture, "users.runs/2020-01-01T00-00-00Z"), 0700), 0);
    e2e_write(&fixture, "users.runs/2020-01-01T00-00-00Z/report.csv", earlier);
    ck_assert_int_eq(symlink("2020-01-01T00-00-00Z", e2e_path(&fixture, "users.runs/latest")), 0);
    int pid = start_long_import();
    kill(pid, SIGTERM);
    wait_for_message("finishing the requests in flight");
    kill(pid, SIGTERM);
    wait_for_message("again: abandoning");
    kill(pid, SIGTERM);
    const char *messages;
    ck_assert_int_eq(e2e_wait(&fixture, pid, &messages), 3);
    char *report = e2e_read_text(&fixture, "users.runs/latest/report.csv");
    ck_assert_str_eq(report, earlier);
    free(report);
    ck_assert_int_eq(e2e_run_count(&fixture, "users.runs"), 2);
    ck_assert(!exists(e2e_run_file(&fixture, "users.runs", -1, "report.csv")));
    char *partial = e2e_read_text(&fixture, e2e_run_file(&fixture, "users.runs", -1, "report.csv.partial"));
    ck_assert(partial[0] && partial[strlen(partial) - 1] == '\n'); /* no line cut */
    free(partial);
    size_t count;
    free(expect_leading_rows(e2e_run_file(&fixture, "users.runs", -1, "report.csv.partial"), &count));
}
END_TEST

/* ---- secrets ---- */

START_TEST(plain_http_to_another_machine_is_refused)
{
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", 3, 0);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, false, &messages, "--base-url", "http://192.0.2.10/v3", "users.csv",
                             NULL), 2);
    ck_assert_msg(strstr(messages, "unencrypted") && strstr(messages, "--insecure-http"), "%s", messages);
    ck_assert_ptr_null(strstr(messages, E2E_KEY));
}
END_TEST

START_TEST(a_key_file_others_can_read_is_warned_about)
{
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", 3, 0);
    const char *key_path = e2e_write(&fixture, "key.txt", E2E_KEY "\n");
    ck_assert_int_eq(chmod(key_path, 0644), 0);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, NULL, true, &messages, "--api-key-file", "key.txt", "users.csv", NULL), 0);
    ck_assert_msg(strstr(messages, "can be read by other users") && strstr(messages, "chmod 600"), "%s", messages);
    ck_assert_ptr_null(strstr(messages, E2E_KEY));
}
END_TEST

/* ---- one run per journal ---- */

START_TEST(a_second_run_on_the_same_journal_is_refused_naming_the_first)
{
    int pid = start_long_import(); /* its journal: the app's */
    e2e_write_users(&fixture, "other.csv", 10, 0);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "other.csv", NULL), 2); /* the same app */
    char holder[64];
    snprintf(holder, sizeof holder, "in use by another run (process %d", pid);
    ck_assert_msg(strstr(messages, holder), "%s", messages);
    ck_assert(!exists("other.runs"));
    kill(pid, SIGINT);
    ck_assert_int_eq(e2e_wait(&fixture, pid, &messages), 3);
    size_t count;
    free(expect_leading_rows("users.runs/latest/report.csv", &count)); /* not renamed by the second run */
    ck_assert_uint_eq(count, 20000);
}
END_TEST

/* A test case of the suite, on the shared fixture; every run in it is bounded. */
static TCase *add_case(Suite *suite, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, e2e_fixture_setup, e2e_fixture_teardown);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(suite, tc);
    return tc;
}

static Suite *guarantees_suite(void)
{
    Suite *suite = suite_create("guarantees");
    TCase *input = add_case(suite, "input");
    tcase_add_test(input, an_input_truncated_while_importing_stops_the_run_with_every_row_read_reported);
    tcase_add_test(input, an_input_rewritten_in_place_never_mixes_two_versions);
    tcase_add_test(input, a_fifo_is_read_once);
    tcase_add_test(input, a_huge_header_is_bounded_and_its_warnings_counted);
    tcase_add_test(input, a_huge_row_is_refused_at_its_line);
    TCase *output = add_case(suite, "output");
    tcase_add_test(output, a_full_disk_stops_the_sending_and_the_journal_never_outruns_the_report);
    tcase_add_test(output, an_unwritable_rejects_path_stops_the_run_before_anything_is_sent);
    tcase_add_test(output, symlinks_at_output_paths_are_never_written_through);
    TCase *signals = add_case(suite, "signals");
    tcase_add_test(signals, sighup_finishes_with_a_whole_report);
    tcase_add_test(signals, sigquit_finishes_with_a_whole_report_and_no_core_dump);
    tcase_add_test(signals, a_second_signal_hurries_and_still_writes_a_whole_report);
    tcase_add_test(signals, a_third_signal_quits_at_once_leaving_the_earlier_run_the_latest);
    TCase *secrets = add_case(suite, "secrets");
    tcase_add_test(secrets, plain_http_to_another_machine_is_refused);
    tcase_add_test(secrets, a_key_file_others_can_read_is_warned_about);
    tcase_add_test(secrets, a_second_run_on_the_same_journal_is_refused_naming_the_first);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(guarantees_suite)
