/* End to end: the real cometchat-import binary against the real sandbox on loopback; each test
 * checks the report and the users the sandbox holds afterwards. */
#include <check.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e_support.h"

static const char USERS_CSV[] =
    "uid,name,avatar,link,role,Status Message,tags,metadata,metadata.@private.email\n"
    "ana_lopez,Ana López,https://cdn.example.com/ana.png,,admin,On leave,\"sales;emea\",\"{\"\"dept\"\":\"\"Sales\"\"}\",ana@example.com\n"
    "Zoe-1,Zoë Ünal \xF0\x9F\x98\x80,,,,,,,\n"
    "li_wei,李伟,,https://example.com/li,moderator,,vip,,\n"
    "bad uid,Bad,,,,,,,\n"
    "no_name,,,,,,,,\n"
    "omar,عمر الفاروق,,,,\"Back, soon\",a;b;c,,omar@example.com\n";

/* The users import of USERS_CSV must leave, field by field. */
static void expect_users_of_users_csv(void)
{
    cJSON *dump = e2e_users(&fixture);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(dump, "users")), 4);
    const cJSON *ana = e2e_find_user(dump, "ana_lopez");
    ck_assert_ptr_nonnull(ana);
    ck_assert_str_eq(e2e_field(ana, "name"), "Ana López");
    ck_assert_str_eq(e2e_field(ana, "avatar"), "https://cdn.example.com/ana.png");
    ck_assert_str_eq(e2e_field(ana, "role"), "admin");
    ck_assert_str_eq(e2e_field(ana, "statusMessage"), "On leave");
    ck_assert_ptr_null(cJSON_GetObjectItem(ana, "link"));
    char *tags = cJSON_PrintUnformatted(cJSON_GetObjectItem(ana, "tags"));
    ck_assert_str_eq(tags, "[\"sales\",\"emea\"]");
    free(tags);
    char *metadata = cJSON_PrintUnformatted(cJSON_GetObjectItem(ana, "metadata"));
    ck_assert_str_eq(metadata, "{\"@private\":{\"email\":\"ana@example.com\"},\"dept\":\"Sales\"}");
    free(metadata);
    const cJSON *zoe = e2e_find_user(dump, "zoe-1");
    ck_assert_str_eq(e2e_field(zoe, "name"), "Zoë Ünal \xF0\x9F\x98\x80");
    ck_assert_str_eq(e2e_field(zoe, "role"), "default");
    ck_assert_ptr_null(cJSON_GetObjectItem(zoe, "tags"));
    ck_assert_ptr_null(cJSON_GetObjectItem(zoe, "metadata"));
    const cJSON *li = e2e_find_user(dump, "li_wei");
    ck_assert_str_eq(e2e_field(li, "name"), "李伟");
    ck_assert_str_eq(e2e_field(li, "link"), "https://example.com/li");
    ck_assert_str_eq(e2e_field(li, "role"), "moderator");
    const cJSON *omar = e2e_find_user(dump, "omar");
    ck_assert_str_eq(e2e_field(omar, "name"), "عمر الفاروق");
    ck_assert_str_eq(e2e_field(omar, "statusMessage"), "Back, soon");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(omar, "tags")), 3);
    ck_assert_ptr_null(e2e_find_user(dump, "no_name"));
    cJSON_Delete(dump);
}

static void expect_row(const e2e_report_row *row, unsigned long line, const char *uid, const char *action)
{
    ck_assert_uint_eq(row->line, line);
    ck_assert_str_eq(row->uid, uid);
    ck_assert_msg(strcmp(row->action, action) == 0, "line %lu: %s, wanted %s (%s)", line, row->action,
                  action, row->message);
}

START_TEST(a_fresh_import_creates_every_valid_row)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "users.csv", USERS_CSV);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL), 1);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &n);
    ck_assert_uint_eq(n, 6);
    expect_row(&rows[0], 2, "ana_lopez", "created");
    ck_assert_int_eq(rows[0].http_status, 200);
    ck_assert_uint_eq(rows[0].attempts, 1);
    expect_row(&rows[1], 3, "zoe-1", "created");
    expect_row(&rows[2], 4, "li_wei", "created");
    expect_row(&rows[3], 5, "", "invalid");
    ck_assert_ptr_nonnull(strstr(rows[3].message, "column \"uid\""));
    expect_row(&rows[4], 6, "no_name", "invalid");
    ck_assert_ptr_nonnull(strstr(rows[4].message, "column \"name\": empty"));
    expect_row(&rows[5], 7, "omar", "created");
    int batched = 0; /* new users go one a request or in a Data Import batch, as each channel is free */
    for (size_t i = 0; i < n; i++) batched += strstr(rows[i].message, "via data import") != NULL;
    free(rows);
    expect_users_of_users_csv();
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "create"), 4 - batched);
    ck_assert_int_eq(e2e_counter(&fixture, "requests", "data_import") > 0, batched > 0);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "update"), 0);
    ck_assert_ptr_nonnull(strstr(messages, "6 rows read: 4 created, 0 updated, 0 unchanged, 0 exists, 2 invalid, 0 failed, 0 skipped"));
    ck_assert_ptr_null(strstr(messages, E2E_KEY));
}
END_TEST

START_TEST(a_second_run_sends_nothing_and_changes_nothing)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "users.csv", USERS_CSV);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "users.csv", NULL), 1);
    e2e_reset_counters(&fixture);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL), 1);
    ck_assert_int_eq((int)e2e_writes(&fixture), 0);
    ck_assert_int_le((int)e2e_counter(&fixture, "requests", "list"), e2e_listing_pages(&fixture)); /* the app read */
    ck_assert_ptr_nonnull(strstr(messages, "4 rows the app already holds as they are (its listing shows it)"));
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &n);
    ck_assert_uint_eq(n, 6);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].uid, "") != 0 && strcmp(rows[i].uid, "no_name") != 0)
            ck_assert_msg(strcmp(rows[i].action, "unchanged") == 0, "%s: %s", rows[i].uid, rows[i].action);
    free(rows);
    /* with --force every valid row is sent again: an update each */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--force", "users.csv", NULL), 1);
    rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &n);
    expect_row(&rows[0], 2, "ana_lopez", "updated");
    ck_assert_uint_eq(rows[0].attempts, 1); /* the journal still says it exists: no create first */
    free(rows);
    expect_users_of_users_csv();
    /* every run kept its own report: the first run's is as it was */
    ck_assert_int_eq(e2e_run_count(&fixture, "users.runs"), 3);
    rows = e2e_read_report(&fixture, e2e_run_file(&fixture, "users.runs", 0, "report.csv"), &n);
    expect_row(&rows[0], 2, "ana_lopez", "created");
    free(rows);
}
END_TEST

START_TEST(create_mode_leaves_existing_users_alone)
{
    e2e_start_sandbox(&fixture);
    e2e_preload(&fixture, "[{\"uid\":\"ana_lopez\",\"name\":\"Old Ana\"},{\"uid\":\"omar\",\"name\":\"Old Omar\"}]");
    e2e_reset_counters(&fixture);
    e2e_write(&fixture, "users.csv", USERS_CSV);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--mode", "create", "users.csv", NULL), 1);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &n);
    expect_row(&rows[0], 2, "ana_lopez", "exists");
    ck_assert_str_eq(rows[0].error_code, "ERR_UID_ALREADY_EXISTS");
    expect_row(&rows[1], 3, "zoe-1", "created");
    expect_row(&rows[5], 7, "omar", "exists");
    free(rows);
    cJSON *dump = e2e_users(&fixture);
    ck_assert_str_eq(e2e_field(e2e_find_user(dump, "ana_lopez"), "name"), "Old Ana");
    ck_assert_str_eq(e2e_field(e2e_find_user(dump, "omar"), "name"), "Old Omar");
    ck_assert_str_eq(e2e_field(e2e_find_user(dump, "li_wei"), "name"), "李伟");
    cJSON_Delete(dump);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "update"), 0);
}
END_TEST

START_TEST(update_mode_never_creates)
{
    e2e_start_sandbox(&fixture);
    e2e_preload(&fixture, "[{\"uid\":\"ana_lopez\",\"name\":\"Old Ana\",\"tags\":[\"x\"]},{\"uid\":\"omar\",\"name\":\"Old Omar\"}]");
    e2e_reset_counters(&fixture);
    e2e_write(&fixture, "users.csv", USERS_CSV);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--mode", "update", "users.csv", NULL), 1);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &n);
    expect_row(&rows[0], 2, "ana_lopez", "updated");
    expect_row(&rows[1], 3, "zoe-1", "failed");
    ck_assert_str_eq(rows[1].error_code, "ERR_UID_NOT_FOUND");
    /* the app's listing proved it absent: no request was spent on it */
    ck_assert_int_eq(rows[1].http_status, 0);
    ck_assert_ptr_nonnull(strstr(rows[1].message, "nothing was sent"));
    expect_row(&rows[4], 6, "no_name", "failed"); /* a name is not needed to update; the uid is missing */
    expect_row(&rows[5], 7, "omar", "updated");
    free(rows);
    cJSON *dump = e2e_users(&fixture);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(dump, "users")), 2);
    const cJSON *ana = e2e_find_user(dump, "ana_lopez");
    ck_assert_str_eq(e2e_field(ana, "name"), "Ana López");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(ana, "tags")), 2);
    cJSON_Delete(dump);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "create"), 0);
}
END_TEST

/* A dry run writes nothing unless asked: no run folder, and the report only where --report says. */
START_TEST(dry_run_sends_nothing)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "users.csv", USERS_CSV);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "-n", "users.csv", NULL), 1);
    ck_assert_msg(strstr(messages, "--report PATH lists them") && strstr(messages, "line 5:"), "%s", messages);
    ck_assert_int_eq(access(e2e_path(&fixture, "users.runs"), F_OK), -1);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--dry-run", "--report", "plan.csv", "users.csv", NULL), 1);
    ck_assert_int_eq(access(e2e_path(&fixture, "users.runs"), F_OK), -1);
    /* asked first: the only connection so far is this question's own */
    ck_assert_int_eq((int)e2e_counter(&fixture, NULL, "connections_opened"), 1);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "plan.csv", &n);
    ck_assert_uint_eq(n, 6);
    expect_row(&rows[0], 2, "ana_lopez", "skipped");
    ck_assert_ptr_nonnull(strstr(rows[0].message, "dry run: would create"));
    ck_assert_ptr_nonnull(strstr(rows[0].message, "\"name\":\"Ana López\""));
    expect_row(&rows[3], 5, "", "invalid");
    free(rows);
}
END_TEST

START_TEST(a_file_of_invalid_rows_sends_nothing)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "bad.csv", "uid,name\nbad uid,A\n,B\nc,\n");
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "bad.csv", NULL), 1);
    ck_assert_int_eq((int)e2e_writes(&fixture), 0);
    ck_assert_int_le((int)e2e_counter(&fixture, "requests", "list"), e2e_listing_pages(&fixture)); /* the app read */
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "bad.runs/latest/report.csv", &n);
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < n; i++) ck_assert_str_eq(rows[i].action, "invalid");
    free(rows);
    /* every invalid row is in the rejects file, cells untouched */
    FILE *rejects = fopen(e2e_path(&fixture, "bad.runs/latest/rejects.csv"), "r");
    ck_assert_ptr_nonnull(rejects);
    char line[512];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, rejects));
    ck_assert_str_eq(line, "uid,name,error\n");
    ck_assert_ptr_nonnull(fgets(line, sizeof line, rejects));
    ck_assert(strncmp(line, "bad uid,A,", 10) == 0);
    fclose(rejects);
}
END_TEST

/* Usage errors: exit 2, one line on stderr, nothing written. */
static void expect_usage_error(const char *needle, const char *first, ...)
{
    const char *argv[8] = {first};
    va_list ap;
    va_start(ap, first);
    for (int i = 1; i < 7 && (argv[i] = va_arg(ap, const char *)); i++) {
    }
    va_end(ap);
    const char *messages;
    int status = e2e_run(&fixture, E2E_KEY, true, &messages, argv[0], argv[1], argv[2], argv[3], argv[4],
                         argv[5], argv[6], NULL);
    ck_assert_int_eq(status, 2);
    ck_assert_msg(strstr(messages, needle), "no \"%s\" in: %s", needle, messages);
    ck_assert_msg(strchr(messages, '\n') == messages + strlen(messages) - 1, "not one line: %s", messages);
}

START_TEST(usage_errors_exit_2_with_one_line)
{
    e2e_start_sandbox(&fixture);
    expect_usage_error("cannot open missing.csv", "missing.csv", NULL);
    e2e_write(&fixture, "nouid.csv", "name,tags\nAna,x\n");
    expect_usage_error("no uid column", "nouid.csv", NULL);
    e2e_write(&fixture, "ok.csv", "uid,name\na,A\n");
    expect_usage_error("unknown option --frobnicate", "--frobnicate", "ok.csv", NULL);
    expect_usage_error("--workers must be", "--workers", "0", "ok.csv", NULL);
    e2e_write(&fixture, "empty.csv", "");
    expect_usage_error("empty", "empty.csv", NULL);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);
}
END_TEST

START_TEST(a_missing_key_is_a_usage_error)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "ok.csv", "uid,name\na,A\n");
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, NULL, true, &messages, "ok.csv", NULL), 2);
    ck_assert_ptr_nonnull(strstr(messages, "COMETCHAT_API_KEY"));
}
END_TEST

START_TEST(an_unknown_key_stops_the_run_and_accounts_for_every_row)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "users.csv", USERS_CSV);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, "wrong-key-0123456789abcdef", true, &messages, "--workers", "1",
                             "users.csv", NULL), 3);
    ck_assert_ptr_null(strstr(messages, "0123456789abcdef"));
    ck_assert_ptr_nonnull(strstr(messages, "AUTH_ERR_APIKEY_NOT_FOUND"));
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &n);
    ck_assert_uint_eq(n, 6);
    /* the first request (reading the app, or the first row) is refused: no row is written */
    ck_assert(strcmp(rows[0].action, "failed") == 0 || strcmp(rows[0].action, "skipped") == 0);
    for (size_t i = 1; i < n; i++)
        ck_assert(strcmp(rows[i].action, "skipped") == 0 || strcmp(rows[i].action, "invalid") == 0);
    free(rows);
    ck_assert_int_eq((int)e2e_counter(&fixture, NULL, "users"), 0);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 1);
}
END_TEST

/* With a journal that knows every uid, the rows go at once and meet the refusal in flight: they
 * are skipped, not failed; the rejects file gets none of them, and the reason is said once. */
START_TEST(a_wrong_key_puts_no_row_in_the_rejects_and_says_why_once)
{
    enum { ROWS = 40 };
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", ROWS, 0);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "users.csv", NULL), 0);
    e2e_write_users(&fixture, "users.csv", ROWS, 1); /* every row changed: every row to send */
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, "wrong-key-0123456789abcdef", true, &messages, "--workers", "8",
                             "users.csv", NULL), 3);
    const char *first = strstr(messages, "AUTH_ERR_APIKEY_NOT_FOUND");
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_null(strstr(first + 1, "AUTH_ERR_APIKEY_NOT_FOUND"));
    ck_assert_int_eq(access(e2e_path(&fixture, "users.runs/latest/rejects.csv"), F_OK), -1);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &n);
    ck_assert_int_eq(e2e_count_action(rows, n, "skipped"), ROWS);
    free(rows);
}
END_TEST

START_TEST(ten_thousand_rows_with_eight_workers_keep_eight_connections)
{
    e2e_start_sandbox(&fixture);
    enum { ROWS = 10000 };
    e2e_write_users(&fixture, "big.csv", ROWS, 0);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--workers", "8", "--data-import", "off", "big.csv", NULL), 0);
    /* the workers' 8 keep-alive connections, plus this test's own for the counters */
    ck_assert_int_le((int)e2e_counter(&fixture, NULL, "connections_opened"), 8 + 1);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "create"), ROWS);
    ck_assert_int_eq((int)e2e_counter(&fixture, NULL, "users"), ROWS);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "big.runs/latest/report.csv", &n);
    ck_assert_uint_eq(n, ROWS);
    for (size_t i = 0; i < n; i++) {
        char uid[32];
        snprintf(uid, sizeof uid, "u%05zu", i);
        ck_assert_uint_eq(rows[i].line, i + 2); /* once each, in input order */
        ck_assert_str_eq(rows[i].uid, uid);
        ck_assert_str_eq(rows[i].action, "created");
    }
    free(rows);
    e2e_expect_users_of_file(&fixture, ROWS, 0);
    char expected[128];
    snprintf(expected, sizeof expected, "%d rows read: %d created,", ROWS, ROWS);
    ck_assert_ptr_nonnull(strstr(messages, expected));
}
END_TEST

START_TEST(the_key_can_come_from_a_file_and_the_rows_from_stdin)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "key.txt", E2E_KEY "\n");
    e2e_write(&fixture, "in.csv", "uid;name\nsemi;Semi Colon\n");
    /* the child's stdin is the file: "-" reads it in one pass */
    FILE *saved = freopen(e2e_path(&fixture, "in.csv"), "r", stdin);
    ck_assert_ptr_nonnull(saved);
    ck_assert_int_eq(e2e_run(&fixture, NULL, true, NULL, "--api-key-file", "key.txt", "-", NULL), 0);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "stdin.runs/latest/report.csv", &n);
    ck_assert_uint_eq(n, 1);
    expect_row(&rows[0], 2, "semi", "created");
    free(rows);
    cJSON *dump = e2e_users(&fixture);
    ck_assert_str_eq(e2e_field(e2e_find_user(dump, "semi"), "name"), "Semi Colon");
    cJSON_Delete(dump);
}
END_TEST

START_TEST(the_first_ten_problems_are_listed_and_verbose_lists_them_all)
{
    e2e_start_sandbox(&fixture);
    FILE *file = fopen(e2e_path(&fixture, "bad.csv"), "w");
    fprintf(file, "uid,name\n");
    for (int i = 0; i < 15; i++) fprintf(file, "bad uid %d,Name\n", i);
    fclose(file);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "bad.csv", NULL), 1);
    ck_assert_ptr_nonnull(strstr(messages, "the first problems"));
    ck_assert_ptr_nonnull(strstr(messages, "line 11:"));
    ck_assert_ptr_null(strstr(messages, "line 12:"));
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--verbose", "bad.csv", NULL), 1);
    ck_assert_ptr_nonnull(strstr(messages, "line 16:"));
}
END_TEST

START_TEST(empty_rows_and_trailing_empty_columns_are_ignored_and_counted)
{
    e2e_start_sandbox(&fixture);
    /* what a spreadsheet leaves behind: unnamed trailing columns, rows of nothing but delimiters */
    e2e_write(&fixture, "sheet.csv", "sep=;\r\nuid;name;;\r\na;Ann;;\r\n;;;\r\n\r\nb;Bo;;\r\n;;;\r\n");
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "sheet.csv", NULL), 0);
    ck_assert_ptr_nonnull(strstr(messages, "2 rows read: 2 created"));
    ck_assert_ptr_nonnull(strstr(messages, "2 empty rows ignored"));
    ck_assert_ptr_nonnull(strstr(messages, "semicolon-separated (by its sep= line), CRLF line ends"));
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "sheet.runs/latest/report.csv", &n);
    ck_assert_uint_eq(n, 2);
    expect_row(&rows[0], 3, "a", "created"); /* physical lines: sep= is line 1 */
    expect_row(&rows[1], 6, "b", "created");
    free(rows);
}
END_TEST

static Suite *e2e_suite(void)
{
    Suite *suite = suite_create("e2e_import");
    TCase *tc = tcase_create("import");
    tcase_add_checked_fixture(tc, e2e_fixture_setup, e2e_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_fresh_import_creates_every_valid_row);
    tcase_add_test(tc, a_second_run_sends_nothing_and_changes_nothing);
    tcase_add_test(tc, create_mode_leaves_existing_users_alone);
    tcase_add_test(tc, update_mode_never_creates);
    tcase_add_test(tc, dry_run_sends_nothing);
    tcase_add_test(tc, a_file_of_invalid_rows_sends_nothing);
    tcase_add_test(tc, usage_errors_exit_2_with_one_line);
    tcase_add_test(tc, a_missing_key_is_a_usage_error);
    tcase_add_test(tc, an_unknown_key_stops_the_run_and_accounts_for_every_row);
    tcase_add_test(tc, the_key_can_come_from_a_file_and_the_rows_from_stdin);
    tcase_add_test(tc, empty_rows_and_trailing_empty_columns_are_ignored_and_counted);
    tcase_add_test(tc, the_first_ten_problems_are_listed_and_verbose_lists_them_all);
    tcase_add_test(tc, ten_thousand_rows_with_eight_workers_keep_eight_connections);
    tcase_add_test(tc, a_wrong_key_puts_no_row_in_the_rejects_and_says_why_once);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(e2e_suite)
