/* --verify against the sandbox: the app read back after a run, each differing row repaired once,
 * the repairs read back again, and the verify file naming each row that differed. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check_main.h"
#include "target/verify.h"
#include "http_client.h"
#include "sandbox_fixture.h"

static char input_path[64], verify_path[64];

static void write_input(const char *text)
{
    snprintf(input_path, sizeof input_path, "/tmp/cci-verify-%d.csv", (int)getpid());
    snprintf(verify_path, sizeof verify_path, "/tmp/cci-verify-%d.verify.csv", (int)getpid());
    FILE *file = fopen(input_path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    ck_assert_int_eq(fclose(file), 0);
}

static void admin(const char *method, const char *path, const char *body)
{
    long status;
    cJSON_Delete(http_admin(sbx_server_port(fixture.server), method, path, body, &status));
    ck_assert_msg(status == 200, "%s %s: HTTP %ld", method, path, status);
}

static cci_status verify_file(cci_verify_result *result, char *err, size_t errlen)
{
    cci_input_spec spec = {.path = input_path, .name_required = true};
    cci_verify_setup setup = {.spec = &spec, .mode = CCI_MODE_UPSERT, .shared = &fixture_shared,
                              .worker = &fixture_worker, .path = verify_path};
    return cci_verify(&setup, result, err, errlen);
}

/* The verify file's lines after its header, joined. */
static char *verify_lines(void)
{
    FILE *file = fopen(verify_path, "r");
    ck_assert_ptr_nonnull(file);
    static char text[4096];
    char line[1024];
    text[0] = '\0';
    ck_assert_ptr_nonnull(fgets(line, sizeof line, file));
    ck_assert_str_eq(line, "line,uid,action,http_status,error_code,message,attempts\n");
    while (fgets(line, sizeof line, file)) strncat(text, line, sizeof text - strlen(text) - 1);
    fclose(file);
    return text;
}

static void cleanup_files(void)
{
    remove(input_path);
    remove(verify_path);
}

START_TEST(equal_rows_cost_one_reading_and_leave_only_the_header)
{
    fixture_load_active_and_deactivated(3);
    write_input("uid,name\na0000,A\na0001,A\na0002,A\n");
    cci_verify_result result;
    char err[512];
    ck_assert_msg(verify_file(&result, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert_uint_eq(result.compared, 3);
    ck_assert_uint_eq(result.differed, 0);
    ck_assert_uint_eq(result.pages, 1);
    ck_assert_double_eq(fixture_counter("requests", "total"), 1);
    ck_assert_str_eq(verify_lines(), "");
    cleanup_files();
}
END_TEST

START_TEST(a_differing_row_is_repaired_once_and_read_back_again)
{
    fixture_load_active_and_deactivated(4);
    admin("POST", "/admin/users/a0003/ignore-updates?count=2", NULL);
    /* a0001 differs and the repair keeps; a0003's repair is lost; n1 is absent and created; d0000
     * is deactivated, which the run's report said: not compared */
    write_input("uid,name\na0000,A\na0001,Renamed\na0002,A\na0003,Lost\nn1,New\nd0000,D\n");
    cci_verify_result result;
    char err[512];
    ck_assert_msg(verify_file(&result, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert_uint_eq(result.compared, 5);
    ck_assert_uint_eq(result.differed, 3);
    ck_assert_uint_eq(result.repaired, 2);
    ck_assert_uint_eq(result.remain, 1);
    ck_assert_uint_eq(result.pages, 2); /* read back, then again after the repairs */
    ck_assert_double_eq(fixture_counter("requests", "update"), 2);
    ck_assert_double_eq(fixture_counter("requests", "create"), 1);
    char *lines = verify_lines();
    ck_assert_msg(strstr(lines, "3,a0001,repaired,200,,differed in name; repaired: the app now holds the row,1\n"), "%s", lines);
    ck_assert_msg(strstr(lines, "5,a0003,differs,200,,\"differed in name; still differs after one repair: name"), "%s", lines);
    ck_assert_msg(strstr(lines, "6,n1,repaired,200,,was absent; repaired"), "%s", lines);
    ck_assert_ptr_null(strstr(lines, "d0000"));
    cleanup_files();
}
END_TEST

START_TEST(a_repair_the_service_refuses_is_failed_with_its_answer)
{
    fixture_load_active_and_deactivated(1);
    write_input("uid,name,role\na0000,A,nosuchrole\n");
    cci_verify_result result;
    char err[512];
    ck_assert_msg(verify_file(&result, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert_uint_eq(result.differed, 1);
    ck_assert_uint_eq(result.remain, 1);
    ck_assert_uint_eq(result.pages, 1); /* nothing was repaired: no second reading */
    char *lines = verify_lines();
    ck_assert_msg(strstr(lines, "2,a0000,failed,400,") && strstr(lines, "the repair failed"), "%s", lines);
    cleanup_files();
}
END_TEST

START_TEST(an_input_gone_since_the_run_is_said_and_nothing_is_sent)
{
    fixture_load_active_and_deactivated(1);
    write_input("uid,name\na0000,Renamed\n");
    remove(input_path);
    cci_verify_result result;
    char err[512];
    ck_assert_int_eq(verify_file(&result, err, sizeof err), CCI_IO);
    ck_assert_ptr_nonnull(strstr(err, input_path));
    ck_assert_double_eq(fixture_counter("requests", "total"), 0);
    cleanup_files();
}
END_TEST

static void fail_every_request(sbx_config *config)
{
    config->faults.error_rate = 1.0;
}

/* A service that answers nothing but errors cannot be read back: the check was not done. */
START_TEST(an_app_that_cannot_be_read_back_is_a_network_failure)
{
    write_input("uid,name\na0000,A\n");
    fixture_restart(fail_every_request);
    fixture_worker.client = fixture.client;
    cci_verify_result result;
    char err[512];
    ck_assert_int_eq(verify_file(&result, err, sizeof err), CCI_NETWORK);
    ck_assert_msg(strstr(err, "cannot read page 1 of the app's users") != NULL, "%s", err);
    ck_assert_uint_eq(result.compared, 0);
    cleanup_files();
}
END_TEST

static Suite *verify_suite(void)
{
    Suite *s = suite_create("verify");
    TCase *tc = tcase_create("verify");
    tcase_add_checked_fixture(tc, fixture_setup_sending, fixture_teardown_sending);
    tcase_add_test(tc, equal_rows_cost_one_reading_and_leave_only_the_header);
    tcase_add_test(tc, a_differing_row_is_repaired_once_and_read_back_again);
    tcase_add_test(tc, a_repair_the_service_refuses_is_failed_with_its_answer);
    tcase_add_test(tc, an_input_gone_since_the_run_is_said_and_nothing_is_sent);
    tcase_add_test(tc, an_app_that_cannot_be_read_back_is_a_network_failure);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN_WITH_CURL(verify_suite)
