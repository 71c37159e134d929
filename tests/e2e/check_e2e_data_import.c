/* End to end: the Data Import channel. New users go in batches beside the single creates; every
 * row is accounted for under the sandbox's faults, in every body and answer shape the documents
 * allow; a refused or missing endpoint falls back once; dates land as the right Unix seconds; the
 * report says which rows went through which channel. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "e2e_support.h"

/* The shapes the documents leave open: which body the endpoint takes, how it answers. */
typedef struct shape {
    sbx_import_body body;
    bool answer_array;
} shape;

static const shape shapes[] = {
    {SBX_IMPORT_BODY_EITHER, false}, {SBX_IMPORT_BODY_OBJECT, true},
    {SBX_IMPORT_BODY_ARRAY, false},  {SBX_IMPORT_BODY_ARRAY, true},
};
enum { SHAPES = sizeof shapes / sizeof *shapes };

/* The free plan's shape, scaled to short windows: few core requests, one batch a window. */
static void small_budgets(int core)
{
    fixture.config.core_limit = (unsigned)core;
    fixture.config.data_import_limit = 1;
    fixture.config.window_ms = 1000;
}

static int rows_saying(const e2e_report_row *rows, size_t count, const char *action, const char *words)
{
    int n = 0;
    for (size_t i = 0; i < count; i++)
        n += strcmp(rows[i].action, action) == 0 && (!words || strstr(rows[i].message, words));
    return n;
}

/* n rows went one create each: the sandbox counts n creates, and the ones refused 429 (a profile
 * without headers learns the limit so). */
static void expect_single_creates(int n)
{
    double creates = e2e_counter(&fixture, "requests", "create");
    ck_assert_msg(creates >= n && creates <= n + e2e_counter(&fixture, NULL, "rate_limited"), "%.0f creates for %d rows",
                  creates, n);
}

START_TEST(every_row_is_accounted_for_under_faults_in_every_shape)
{
    const shape *s = &shapes[_i];
    small_budgets(10);
    fixture.config.import_body = s->body;
    fixture.config.import_answer_array = s->answer_array;
    fixture.config.faults = (sbx_faults){.seed = 11 + (uint64_t)_i, .error_rate = 0.2, .drop_before_rate = 0.05,
                                         .drop_after_rate = 0.1};
    e2e_start_sandbox(&fixture);
    enum { N = 240 };
    e2e_write_users(&fixture, "users.csv", N, 0);
    const char *messages;
    int status = e2e_run(&fixture, E2E_KEY, true, &messages, "--workers", "4", "--retries", "8", "users.csv", NULL);
    ck_assert_msg(status == 0, "exit %d: %s", status, messages);
    size_t count;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &count);
    ck_assert_uint_eq(count, N);
    /* a lost create found existing is updated to what the file says: both end right */
    int done = e2e_count_action(rows, count, "created") + e2e_count_action(rows, count, "updated");
    ck_assert_int_eq(done, N);
    int batched = rows_saying(rows, count, "created", "via data import");
    double batches = e2e_counter(&fixture, "requests", "data_import");
    ck_assert_msg(batched > N / 2, "only %d of %d rows went through Data Import", batched, N);
    ck_assert_msg(batched <= 50 * batches, "%d rows in %.0f requests", batched, batches);
    free(rows);
    e2e_expect_users_of_file(&fixture, N, 0);
    /* faults hit the batches too (the 500s after half a batch was written among them) */
    ck_assert_double_gt(e2e_counter(&fixture, "faults", "error"), 0);
    /* and the rerun of the unchanged file sends nothing */
    e2e_reset_counters(&fixture);
    status = e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL);
    ck_assert_msg(status == 0, "exit %d: %s", status, messages);
    ck_assert_double_eq(e2e_counter(&fixture, "requests", "data_import"), 0);
    ck_assert_double_eq(e2e_counter(&fixture, "requests", "create"), 0);
    ck_assert_double_eq(e2e_counter(&fixture, "requests", "update"), 0);
}
END_TEST

/* Every accepted form, with the Unix seconds Python's calendar.timegm gives for it. */
static const struct {
    const char *cell;
    long long seconds;
} forms[] = {
    {"1614834367", 1614834367},
    {"2021-03-04", 1614816000},
    {"2021-03-04T05:06:07Z", 1614834367},
    {"2021-03-04T05:06:07.250+01:00", 1614830767},
    {"2021-03-04 05:06:07", 1614834367},
    {"2021-03-04 05:06", 1614834360},
    {"2021/03/04 05:06:07", 1614834367},
    {"04/03/2021", 1614816000},      /* day first: --date-order dmy */
    {"13/04/2021 10:00", 1618308000}, /* only day first fits */
    {"04.03.2021", 1614816000},
    {"2021-03-04T05:06:07-0530", 1614854167},
};
enum { FORMS = sizeof forms / sizeof *forms };

START_TEST(dates_in_every_accepted_form_land_as_the_right_seconds)
{
    e2e_start_sandbox(&fixture);
    char csv[4096];
    size_t used = (size_t)snprintf(csv, sizeof csv, "uid,name,Joined,Last seen\n");
    for (int i = 0; i < FORMS; i++)
        used += (size_t)snprintf(csv + used, sizeof csv - used, "d%02d,Dated %d,\"%s\",%s\n", i, i, forms[i].cell,
                                 i % 2 ? "" : "2022-01-02T03:04:05Z");
    /* refused, each with the line and the column: a future date, and milliseconds */
    used += (size_t)snprintf(csv + used, sizeof csv - used, "late,Late,2999-01-01,\nmillis,Millis,1614834367000,\n");
    e2e_write(&fixture, "users.csv", csv);
    const char *messages;
    int status = e2e_run(&fixture, E2E_KEY, true, &messages, "--date-order", "dmy", "--map", "Joined=createdAt",
                         "--map", "Last seen=lastActiveAt", "users.csv", NULL);
    ck_assert_msg(status == 1, "exit %d: %s", status, messages);
    size_t count;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &count);
    ck_assert_uint_eq(count, FORMS + 2);
    cJSON *users = e2e_users(&fixture);
    for (int i = 0; i < FORMS; i++) {
        ck_assert_str_eq(rows[i].action, "created");
        ck_assert_msg(strstr(rows[i].message, "via data import, with createdAt"), "%s", rows[i].message);
        char uid[8];
        snprintf(uid, sizeof uid, "d%02d", i);
        const cJSON *user = e2e_find_user(users, uid);
        ck_assert_ptr_nonnull(user);
        const cJSON *created = cJSON_GetObjectItem(user, "createdAt");
        ck_assert_msg(cJSON_IsNumber(created) && (long long)created->valuedouble == forms[i].seconds,
                      "%s: createdAt %.0f, not %lld", forms[i].cell, cJSON_IsNumber(created) ? created->valuedouble : -1,
                      forms[i].seconds);
        const cJSON *active = cJSON_GetObjectItem(user, "lastActiveAt");
        if (i % 2) ck_assert_ptr_null(active);
        else ck_assert_int_eq((long long)active->valuedouble, 1641092645);
    }
    ck_assert_str_eq(rows[FORMS].action, "invalid");
    ck_assert_msg(strstr(rows[FORMS].message, "column \"Joined\"") && strstr(rows[FORMS].message, "future"), "%s",
                  rows[FORMS].message);
    ck_assert_str_eq(rows[FORMS + 1].action, "invalid");
    ck_assert_msg(strstr(rows[FORMS + 1].message, "1614834367"), "%s", rows[FORMS + 1].message);
    ck_assert_ptr_null(e2e_find_user(users, "late"));
    cJSON_Delete(users);
    free(rows);
}
END_TEST

START_TEST(an_ambiguous_day_and_month_is_refused_without_the_order)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "users.csv", "uid,name,createdAt\na,A,03/04/2021\nb,B,2021-04-03\n");
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL), 1);
    size_t count;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &count);
    ck_assert_str_eq(rows[0].action, "invalid");
    ck_assert_msg(strstr(rows[0].message, "--date-order"), "%s", rows[0].message);
    ck_assert_str_eq(rows[1].action, "created");
    free(rows);
}
END_TEST

/* Dated new users go only through Data Import; when its budget answers nothing but 429 for
 * 2 x --max-wait, the run stops (exit 3), every row accounted for, and the reason names Data
 * Import and the way on (--data-import off), not another client spending the whole budget. */
START_TEST(a_data_import_budget_spent_for_good_stops_the_run_naming_it)
{
    fixture.config.data_import_limit = 0;
    fixture.config.window_ms = 1000;
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "users.csv", "uid,name,createdAt\na,A,2021-03-04\nb,B,2021-04-03\n");
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--max-wait", "1", "users.csv", NULL), 3);
    ck_assert_msg(strstr(messages, "Data Import's") && strstr(messages, "--data-import off"), "%s", messages);
    size_t count;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &count);
    ck_assert_uint_eq(count, 2);
    for (size_t i = 0; i < count; i++) ck_assert_str_eq(rows[i].action, "skipped");
    free(rows);
    ck_assert_int_eq((int)e2e_counter(&fixture, NULL, "users"), 0);
}
END_TEST

/* A dated row whose user exists is updated; its date cannot be, and the report says so. */
START_TEST(an_existing_user_is_updated_without_its_date_and_the_report_says_so)
{
    e2e_start_sandbox(&fixture);
    e2e_preload(&fixture, "[{\"uid\":\"old\",\"name\":\"Before\",\"createdAt\":1500000000},"
                          "{\"uid\":\"same\",\"name\":\"Before\",\"createdAt\":1614816000}]");
    e2e_write(&fixture, "users.csv", "uid,name,createdAt\nold,After,2021-03-04\nnew,New,2021-03-04\nsame,After,2021-03-04\n");
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL), 0);
    size_t count;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &count);
    ck_assert_str_eq(rows[0].action, "updated");
    ck_assert_msg(strstr(rows[0].message, "createdAt not set") && strstr(rows[0].message, "this user existed"), "%s",
                  rows[0].message);
    ck_assert_msg(strstr(messages, "dates      2 rows with createdAt or lastActiveAt updated existing users"), "%s",
                  messages);
    ck_assert_str_eq(rows[1].action, "created");
    ck_assert_str_eq(rows[2].action, "updated");
    ck_assert_msg(!strstr(rows[2].message, "createdAt"), "%s", rows[2].message); /* the app has that date */
    free(rows);
    cJSON *users = e2e_users(&fixture);
    ck_assert_str_eq(e2e_field(e2e_find_user(users, "old"), "name"), "After");
    ck_assert_int_eq((long long)cJSON_GetObjectItem(e2e_find_user(users, "old"), "createdAt")->valuedouble, 1500000000);
    ck_assert_int_eq((long long)cJSON_GetObjectItem(e2e_find_user(users, "new"), "createdAt")->valuedouble, 1614816000);
    cJSON_Delete(users);
    /* a rerun: every row unchanged, and the one whose date the app cannot take still says so */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL), 0);
    rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &count);
    ck_assert_str_eq(rows[0].action, "unchanged");
    ck_assert_msg(strstr(rows[0].message, "createdAt not set: the app's user was created 2017-07-14"), "%s",
                  rows[0].message);
    for (int i = 1; i < 3; i++) {
        ck_assert_str_eq(rows[i].action, "unchanged");
        ck_assert_msg(!strstr(rows[i].message, "createdAt"), "%s", rows[i].message); /* the app has that date */
    }
    free(rows);
}
END_TEST

/* _i: 0 an auth-only key (it may neither list nor import), 1 no endpoint (404), 2 --data-import off */
START_TEST(without_data_import_every_row_is_created_one_at_a_time_and_said_once)
{
    const char *key = E2E_KEY;
    if (_i == 0) {
        fixture.config.keys = realloc(fixture.config.keys, 2 * sizeof *fixture.config.keys);
        fixture.config.keys[1] = (sbx_key){.key = strdup("auth-only-key-31"), .auth_only = true};
        fixture.config.key_count = 2;
        key = "auth-only-key-31";
    }
    fixture.config.import_missing = _i == 1;
    small_budgets(20);
    e2e_start_sandbox(&fixture);
    enum { N = 60 };
    char *csv = malloc(N * 64 + 64);
    size_t used = (size_t)sprintf(csv, "uid,name,createdAt\n");
    for (int i = 0; i < N; i++) used += (size_t)sprintf(csv + used, "u%05d,User %d,%s\n", i, i, i % 2 ? "" : "1614834367");
    e2e_write(&fixture, "users.csv", csv);
    free(csv);
    const char *messages;
    int status = _i == 2 ? e2e_run(&fixture, key, true, &messages, "--data-import", "off", "users.csv", NULL)
                         : e2e_run(&fixture, key, true, &messages, "users.csv", NULL);
    ck_assert_msg(status == 0, "exit %d: %s", status, messages);
    size_t count;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &count);
    ck_assert_uint_eq(count, N);
    ck_assert_int_eq(e2e_count_action(rows, count, "created"), N);
    ck_assert_int_eq(rows_saying(rows, count, "created", "via data import"), 0);
    ck_assert_int_eq(rows_saying(rows, count, "created", "createdAt not set"), N / 2);
    free(rows);
    ck_assert_int_eq((int)e2e_counter(&fixture, NULL, "users"), N);
    expect_single_creates(N);
    if (_i == 1) { /* one request found the endpoint missing, and the run said so once */
        ck_assert_double_eq(e2e_counter(&fixture, "requests", "other"), 1); /* no such route */
        const char *said = strstr(messages, "Data Import is not available (HTTP 404");
        ck_assert_msg(said != NULL, "%s", messages);
        ck_assert_ptr_null(strstr(said + 1, "Data Import is not available"));
    } else {
        ck_assert_double_eq(e2e_counter(&fixture, "requests", "data_import"), 0);
    }
}
END_TEST

/* The free plan's shape: ten creates and one batch a window. Both channels are busy: far more
 * rows go in batches than one at a time, and each channel's budget is kept. */
START_TEST(both_channels_work_at_once_and_the_report_names_each_rows)
{
    small_budgets(10);
    e2e_start_sandbox(&fixture);
    enum { N = 300 };
    e2e_write_users(&fixture, "users.csv", N, 0);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--workers", "4", "users.csv", NULL), 0);
    size_t count;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &count);
    int batched = rows_saying(rows, count, "created", "via data import");
    int single = e2e_count_action(rows, count, "created") - batched;
    ck_assert_int_eq(batched + single, N);
    expect_single_creates(single);
    ck_assert_msg(single > 0 && batched > 2 * single, "%d in batches, %d one at a time", batched, single);
    free(rows);
    e2e_expect_users_of_file(&fixture, N, 0);
    ck_assert_msg(strstr(messages, "created through Data Import"), "%s", messages);
}
END_TEST

static Suite *data_import_suite(void)
{
    Suite *suite = suite_create("e2e_data_import");
    TCase *tc = tcase_create("data_import");
    tcase_add_checked_fixture(tc, e2e_fixture_setup, e2e_fixture_teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_loop_test(tc, every_row_is_accounted_for_under_faults_in_every_shape, 0, SHAPES);
    tcase_add_test(tc, dates_in_every_accepted_form_land_as_the_right_seconds);
    tcase_add_test(tc, an_ambiguous_day_and_month_is_refused_without_the_order);
    tcase_add_test(tc, a_data_import_budget_spent_for_good_stops_the_run_naming_it);
    tcase_add_test(tc, an_existing_user_is_updated_without_its_date_and_the_report_says_so);
    tcase_add_loop_test(tc, without_data_import_every_row_is_created_one_at_a_time_and_said_once, 0, 3);
    tcase_add_test(tc, both_channels_work_at_once_and_the_report_names_each_rows);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(data_import_suite)
