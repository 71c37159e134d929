/* The API key: from the environment or a file, trimmed, and never echoed in a message. */
#include <check.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "test_files.h"
#include "tool_key.h"

static test_path dir, path;
static char err[512], warning[512];

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
    char *key = tool_read_api_key(NULL, warning, sizeof warning, err, sizeof err);
    ck_assert_str_eq(key, "env-key-123");
    tool_forget_api_key(key);
}
END_TEST

/* A key goes into a header: a line break inside it would start another header. */
START_TEST(a_key_with_a_control_character_is_refused_without_its_text)
{
    const char *keys[] = {"key-one\r\nX-Injected: yes", "key\ttwo", "key\x1b[2Kthree"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        setenv("COMETCHAT_API_KEY", keys[i], 1);
        ck_assert_ptr_null(tool_read_api_key(NULL, warning, sizeof warning, err, sizeof err));
        ck_assert_msg(strstr(err, "control character") && !strstr(err, "key-one") && !strstr(err, "two"), "%s", err);
    }
}
END_TEST

START_TEST(no_key_anywhere_says_where_to_put_one)
{
    ck_assert_ptr_null(tool_read_api_key(NULL, warning, sizeof warning, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "COMETCHAT_API_KEY"));
    ck_assert_ptr_nonnull(strstr(err, "--api-key-file"));
}
END_TEST

START_TEST(a_key_file_gives_its_one_line_and_wins_over_the_environment)
{
    setenv("COMETCHAT_API_KEY", "env-key-123", 1);
    write_key_file("  file-key-456 \n");
    char *key = tool_read_api_key(path, warning, sizeof warning, err, sizeof err);
    ck_assert_str_eq(key, "file-key-456");
    tool_forget_api_key(key);
}
END_TEST

START_TEST(a_key_file_that_is_not_one_key_is_refused_without_its_text)
{
    write_key_file("secret-first-line\nsecret-second-line\n");
    ck_assert_ptr_null(tool_read_api_key(path, warning, sizeof warning, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "alone on one line"));
    ck_assert_ptr_null(strstr(err, "secret"));

    char *long_text = malloc(3000);
    memset(long_text, 'k', 2999);
    long_text[2999] = '\0';
    write_key_file(long_text);
    free(long_text);
    ck_assert_ptr_null(tool_read_api_key(path, warning, sizeof warning, err, sizeof err)); /* never cut short */
    ck_assert_ptr_nonnull(strstr(err, "longer than"));

    write_key_file(" \n");
    ck_assert_ptr_null(tool_read_api_key(path, warning, sizeof warning, err, sizeof err));
}
END_TEST

START_TEST(a_missing_key_file_names_itself)
{
    ck_assert_ptr_null(tool_read_api_key("/nonexistent/key", warning, sizeof warning, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/key"));
}
END_TEST

START_TEST(a_key_file_others_can_read_is_used_with_a_warning)
{
    write_key_file("file-key-456\n");
    ck_assert_int_eq(chmod(path, 0600), 0);
    char *key = tool_read_api_key(path, warning, sizeof warning, err, sizeof err);
    ck_assert_str_eq(warning, "");
    tool_forget_api_key(key);
    ck_assert_int_eq(chmod(path, 0640), 0);
    key = tool_read_api_key(path, warning, sizeof warning, err, sizeof err);
    ck_assert_str_eq(key, "file-key-456");
    ck_assert_msg(strstr(warning, "other users") && strstr(warning, "0640") && strstr(warning, "chmod 600"), "%s",
                  warning);
    ck_assert_ptr_null(strstr(warning, "file-key"));
    tool_forget_api_key(key);
}
END_TEST

/* Check runs each test in a child of its own: what this one turns off ends with it. */
START_TEST(core_dumps_are_turned_off_before_the_key_is_read)
{
    ck_assert(tool_keep_key_out_of_core_dumps(err, sizeof err));
    struct rlimit core;
    ck_assert_int_eq(getrlimit(RLIMIT_CORE, &core), 0);
    ck_assert_uint_eq(core.rlim_cur, 0);
    ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}
END_TEST

static Suite *key_suite(void)
{
    Suite *suite = suite_create("tool_key");
    TCase *tc = tcase_create("key");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_environment_gives_the_key_trimmed);
    tcase_add_test(tc, no_key_anywhere_says_where_to_put_one);
    tcase_add_test(tc, a_key_with_a_control_character_is_refused_without_its_text);
    tcase_add_test(tc, a_key_file_gives_its_one_line_and_wins_over_the_environment);
    tcase_add_test(tc, a_key_file_that_is_not_one_key_is_refused_without_its_text);
    tcase_add_test(tc, a_missing_key_file_names_itself);
    tcase_add_test(tc, a_key_file_others_can_read_is_used_with_a_warning);
    tcase_add_test(tc, core_dumps_are_turned_off_before_the_key_is_read);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(key_suite)
