/* The API key: from the environment or a file, trimmed, and never echoed in a message. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "test_files.h"
#include "tool_key.h"

static test_path dir, path;
static char err[512];

static void setup(void)
{
    test_dir_new(dir, "key");
    test_dir_file(path, dir, "key.txt");
    unsetenv("COMETCHAT_API_KEY");
}

static void teardown(void)
{
    test_dir_remove(dir);
}

static void write_key_file(const char *text)
{
    test_file_write(path, text);
}

START_TEST(the_environment_gives_the_key_trimmed)
{
    setenv("COMETCHAT_API_KEY", "env-key-123\r\n", 1);
    char *key = cci_read_api_key(NULL, err, sizeof err);
    ck_assert_str_eq(key, "env-key-123");
    cci_forget_api_key(key);
}
END_TEST

START_TEST(no_key_anywhere_says_where_to_put_one)
{
    ck_assert_ptr_null(cci_read_api_key(NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "COMETCHAT_API_KEY"));
    ck_assert_ptr_nonnull(strstr(err, "--api-key-file"));
}
END_TEST

START_TEST(a_key_file_gives_its_one_line_and_wins_over_the_environment)
{
    setenv("COMETCHAT_API_KEY", "env-key-123", 1);
    write_key_file("  file-key-456 \n");
    char *key = cci_read_api_key(path, err, sizeof err);
    ck_assert_str_eq(key, "file-key-456");
    cci_forget_api_key(key);
}
END_TEST

START_TEST(a_key_file_that_is_not_one_key_is_refused_without_its_text)
{
    write_key_file("secret-first-line\nsecret-second-line\n");
    ck_assert_ptr_null(cci_read_api_key(path, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "alone on one line"));
    ck_assert_ptr_null(strstr(err, "secret"));

    char *long_text = malloc(3000);
    memset(long_text, 'k', 2999);
    long_text[2999] = '\0';
    write_key_file(long_text);
    free(long_text);
    ck_assert_ptr_null(cci_read_api_key(path, err, sizeof err)); /* never cut short */
    ck_assert_ptr_nonnull(strstr(err, "longer than"));

    write_key_file(" \n");
    ck_assert_ptr_null(cci_read_api_key(path, err, sizeof err));
}
END_TEST

START_TEST(a_missing_key_file_names_itself)
{
    ck_assert_ptr_null(cci_read_api_key("/nonexistent/key", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/key"));
}
END_TEST

static Suite *key_suite(void)
{
    Suite *suite = suite_create("tool_key");
    TCase *tc = tcase_create("key");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_environment_gives_the_key_trimmed);
    tcase_add_test(tc, no_key_anywhere_says_where_to_put_one);
    tcase_add_test(tc, a_key_file_gives_its_one_line_and_wins_over_the_environment);
    tcase_add_test(tc, a_key_file_that_is_not_one_key_is_refused_without_its_text);
    tcase_add_test(tc, a_missing_key_file_names_itself);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(key_suite)
