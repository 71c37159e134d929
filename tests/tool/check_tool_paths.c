/* Where outputs go when the options do not say. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "tool_paths.h"

static void expect_beside(const char *input, const char *suffix, const char *expected)
{
    char *path = cci_path_beside_input(input, suffix);
    ck_assert_ptr_nonnull(path);
    ck_assert_str_eq(path, expected);
    free(path);
}

static void expect_state(const char *report, const char *expected)
{
    char *path = cci_path_of_state(report);
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

START_TEST(a_path_of_any_length_is_kept_whole)
{
    char input[5000];
    memset(input, 'a', sizeof input - 5);
    strcpy(input + sizeof input - 5, ".csv");
    char *path = cci_path_beside_input(input, ".report.csv");
    ck_assert_ptr_nonnull(path);
    ck_assert_uint_eq(strlen(path), sizeof input - 5 + strlen(".report.csv"));
    free(path);
}
END_TEST

static Suite *paths_suite(void)
{
    Suite *suite = suite_create("tool_paths");
    TCase *tc = tcase_create("paths");
    tcase_add_test(tc, outputs_are_named_after_the_input_beside_it);
    tcase_add_test(tc, the_journal_is_named_after_the_report);
    tcase_add_test(tc, a_path_of_any_length_is_kept_whole);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(paths_suite)
