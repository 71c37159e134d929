/* Where outputs go when the options do not say. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cci/state/journal.h"

#include "check_main.h"
#include "test_files.h"
#include "tool_paths.h"

static void expect_beside(const char *input, const char *suffix, const char *expected)
{
    char *path = tool_path_beside_input(input, suffix);
    ck_assert_ptr_nonnull(path);
    ck_assert_str_eq(path, expected);
    free(path);
}

static void expect_state(const char *report, const char *expected)
{
    char *path = tool_path_of_state(report);
    ck_assert_ptr_nonnull(path);
    ck_assert_str_eq(path, expected);
    free(path);
}

START_TEST(outputs_are_named_after_the_input_beside_it)
{
    expect_beside("users.csv", ".report.csv", "users.report.csv");
    expect_beside("dir/users.csv", ".rejects.csv", "dir/users.rejects.csv");
    expect_beside("users", ".report.csv", "users.report.csv");
    expect_beside("my.dir/users", ".report.csv", "my.dir/users.report.csv"); /* a dot in a folder is no extension */
    expect_beside("-", ".report.csv", "stdin.report.csv");
}
END_TEST

START_TEST(the_journal_is_named_after_the_report)
{
    expect_state("users.report.csv", "users.state");
    expect_state("out.csv", "out.state");
    expect_state("dir/out", "dir/out.state");
}
END_TEST

/* One journal per app, in the user's state folder, whatever file is imported into it. */
START_TEST(the_apps_journal_lives_in_the_state_folder_named_by_its_target)
{
    test_path dir;
    char err[256];
    test_dir_new(dir, "state");
    setenv("XDG_STATE_HOME", dir, 1);
    char *a = tool_path_of_app_state(NULL, "app1", "eu", err, sizeof err);
    char *again = tool_path_of_app_state(NULL, "app1", "eu", err, sizeof err);
    char *b = tool_path_of_app_state(NULL, "app1", "us", err, sizeof err);
    ck_assert_msg(a != NULL, "%s", err);
    char target[17], expected[512];
    snprintf(expected, sizeof expected, "%s/cometchat-import/app1.eu.journal", dir);
    ck_assert_str_eq(a, expected);
    ck_assert_str_eq(a, again);
    ck_assert_str_ne(a, b);
    struct stat st;
    snprintf(expected, sizeof expected, "%s/cometchat-import", dir);
    ck_assert_int_eq(stat(expected, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    free(a), free(again), free(b);
    /* a journal an earlier version named by the hash is taken over */
    cci_journal_target(NULL, "app2", "us", target);
    char hashed[512];
    snprintf(hashed, sizeof hashed, "%s/cometchat-import/%s.journal", dir, target);
    test_file_write(hashed, "kept\n");
    char *taken = tool_path_of_app_state(NULL, "app2", "us", err, sizeof err);
    ck_assert_ptr_nonnull(strstr(taken, "/app2.us.journal"));
    ck_assert_str_eq(test_file_text(taken), "kept\n");
    ck_assert_int_eq(access(hashed, F_OK), -1);
    free(taken);
    /* left open by an earlier version: made private */
    ck_assert_int_eq(chmod(expected, 0755), 0);
    free(tool_path_of_app_state(NULL, "app1", "eu", err, sizeof err));
    ck_assert_int_eq(stat(expected, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);

    /* no XDG_STATE_HOME (or a relative one): HOME/.local/state, made where missing */
    setenv("XDG_STATE_HOME", "relative/ignored", 1);
    setenv("HOME", dir, 1);
    a = tool_path_of_app_state("https://example.com/v3", NULL, NULL, err, sizeof err);
    ck_assert_msg(a && strstr(a, "/.local/state/cometchat-import/") == a + strlen(dir), "%s", a ? a : err);
    free(a);
    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    ck_assert_ptr_null(tool_path_of_app_state(NULL, "app1", "eu", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "HOME"));
    test_dir_remove(dir);
}
END_TEST

START_TEST(a_path_of_any_length_is_kept_whole)
{
    char input[5000];
    memset(input, 'a', sizeof input - 5);
    strcpy(input + sizeof input - 5, ".csv");
    char *path = tool_path_beside_input(input, ".report.csv");
    ck_assert_ptr_nonnull(path);
    ck_assert_uint_eq(strlen(path), sizeof input - 5 + strlen(".report.csv"));
    free(path);
}
END_TEST

/* Two of a run's files that are one are refused, however spelled or linked: the input against
 * any output or its partial file, outputs against each other's partial files, the journal's lock
 * and the rejects' settings; standard input redirected from an output too. */
START_TEST(a_runs_files_that_are_one_are_refused_however_spelled)
{
    test_path dir, input, link;
    test_dir_new(dir, "collide");
    test_dir_file(input, dir, "users.csv");
    test_file_write(input, "uid,name\n");
    test_dir_file(link, dir, "link.csv");
    ck_assert_int_eq(symlink(input, link), 0);
    char partial[sizeof input + 16], dotted[sizeof input + 16], why[1024];
    snprintf(partial, sizeof partial, "%s.partial", input);
    snprintf(dotted, sizeof dotted, "%s/./users.csv", dir);
    const tool_run_files clashes[] = {
        {.input = input, .summary_json = dotted},
        {.input = link, .report = input},
        {.input = partial, .summary_json = input},             /* the input is the summary's partial */
        {.input = input, .report = "s.json.partial", .summary_json = "s.json"},
        {.input = input, .report = "st.journal.lock", .state = "st.journal"},
        {.input = input, .rejects = "rj.csv", .companion = "rj.conf", .report = "./rj.conf"},
        {.input = input, .rejects = "rj.csv", .companion = "rj.conf", .state = "rj.conf"},
    };
    for (size_t i = 0; i < sizeof clashes / sizeof *clashes; i++)
        ck_assert_msg(tool_files_collide(&clashes[i], why, sizeof why) && strstr(why, "are the same file"), "%zu", i);
    const tool_run_files apart = {.input = input, .report = "users.report.csv", .rejects = "users.rejects.csv",
                                  .companion = "users.rejects.conf", .state = "users.state", .summary_json = "s.json"};
    ck_assert_msg(!tool_files_collide(&apart, why, sizeof why), "%s", why);
    /* standard input, redirected from the file an output names */
    int saved = dup(STDIN_FILENO), from = open(input, O_RDONLY);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(from, 0);
    ck_assert_int_eq(dup2(from, STDIN_FILENO), STDIN_FILENO);
    const tool_run_files redirected = {.input = "-", .report = link};
    bool collide = tool_files_collide(&redirected, why, sizeof why);
    const tool_run_files elsewhere = {.input = "-", .report = "users.report.csv"};
    bool apart_too = !tool_files_collide(&elsewhere, why, sizeof why);
    ck_assert_int_eq(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    close(from);
    ck_assert(collide);
    ck_assert(apart_too);
    test_dir_remove(dir);
}
END_TEST

static Suite *paths_suite(void)
{
    Suite *suite = suite_create("tool_paths");
    TCase *tc = tcase_create("paths");
    tcase_add_test(tc, outputs_are_named_after_the_input_beside_it);
    tcase_add_test(tc, the_journal_is_named_after_the_report);
    tcase_add_test(tc, the_apps_journal_lives_in_the_state_folder_named_by_its_target);
    tcase_add_test(tc, a_path_of_any_length_is_kept_whole);
    tcase_add_test(tc, a_runs_files_that_are_one_are_refused_however_spelled);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(paths_suite)
