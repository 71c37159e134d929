/* Issue 28: a listing is proof or nothing. Against each way a listing misbehaves (the sandbox's
 * listing faults), --prune deactivates nobody and says why, --plan says its reading is unproven,
 * and a plain run sends the rows the listing did not show as the journal says (never through Data
 * Import); against a listing that behaves, --prune deactivates exactly the users the file leaves
 * out. The app: 100 users only it holds (a00000..) and 2,400 the file names too (u00000..): three
 * pages, so that page 2 is in the middle. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "e2e_support.h"

enum { ABSENT = 100, KEPT = 2400 };

/* A user "User", made well before the run: --prune leaves alone a user made in the second the run began. */
static void fill_user(cJSON *user, void *context)
{
    (void)context;
    cJSON_AddStringToObject(user, "name", "User");
    cJSON_AddNumberToObject(user, "createdAt", 1700000000);
}

static void add_users(char prefix, int n)
{
    e2e_preload_users(&fixture, prefix, n, fill_user, NULL);
}

/* The sandbox misbehaving as fault says (in the first `readings` readings; 0: all), the app and the file. */
static void start(sbx_listing_fault fault, unsigned readings)
{
    fixture.config.listing_fault = fault;
    fixture.config.listing_fault_readings = readings;
    e2e_start_sandbox(&fixture);
    add_users('a', ABSENT);
    add_users('u', KEPT);
    FILE *file = fopen(e2e_path(&fixture, "users.csv"), "w");
    ck_assert_ptr_nonnull(file);
    fprintf(file, "uid,name\n");
    for (int i = 0; i < KEPT; i++) fprintf(file, "u%05d,User\n", i);
    ck_assert_int_eq(fclose(file), 0);
    e2e_reset_counters(&fixture);
}

static int active_users(char prefix)
{
    cJSON *dump = e2e_users(&fixture);
    int count = 0;
    const cJSON *user;
    cJSON_ArrayForEach(user, cJSON_GetObjectItem(dump, "users"))
        if (e2e_field(user, "uid")[0] == prefix && !cJSON_IsTrue(cJSON_GetObjectItem(user, "deactivated"))) count++;
    cJSON_Delete(dump);
    return count;
}

/* What the refusal names, fault by fault: the page and the numbers that disagree. */
static const struct {
    sbx_listing_fault fault;
    const char *why;
} faults[] = {
    {SBX_LISTING_FAULT_SHORT_PAGE, "page 2 of the 3 announced held 500 users, not 1000"},
    {SBX_LISTING_FAULT_EMPTY_PAGE, "page 2 of the 3 announced held 0 users, not 1000"},
    {SBX_LISTING_FAULT_SHIFT, "2400 distinct users were read in 3 pages, and page 1 announced 2500"},
    {SBX_LISTING_FAULT_GROWING_TOTAL, "the total moved while the pages were read: 2500 users on page 1, 2510 on page 2"},
    {SBX_LISTING_FAULT_NO_PAGINATION, "page 1 announced no total"},
};

START_TEST(a_listing_that_misbehaves_lets_prune_deactivate_nobody)
{
    start(faults[_i].fault, 0);
    const char *name = sbx_listing_fault_name(faults[_i].fault), *messages;
    /* --plan: the users it did see absent are listed, and the reading said unproven */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--plan", "--prune", "--prune-max", "200", "users.csv",
                             NULL), 0);
    ck_assert_msg(strstr(messages, "the reading is unproven") && strstr(messages, "more may be absent") &&
                      strstr(messages, "--prune would refuse") && strstr(messages, faults[_i].why),
                  "%s: %s", name, messages);
    /* --prune: refused before anything is sent, naming why */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--prune", "--prune-max", "200", "users.csv", NULL), 2);
    ck_assert_msg(strstr(messages, "--prune refused") && strstr(messages, faults[_i].why) &&
                      strstr(messages, "nobody was deactivated"), "%s: %s", name, messages);
    ck_assert_int_eq(active_users('a'), ABSENT);
    ck_assert_int_eq(active_users('u'), KEPT);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "deactivate_many"), 0);
    /* a plain run: what the listing did not show is unknown, sent as the journal says, never as a
     * proven new user through Data Import; every row ends as it should */
    ck_assert_msg(e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL) == 0, "%s: %s", name, messages);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "data_import"), 0);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &n);
    ck_assert_int_eq((int)n, KEPT);
    ck_assert_int_eq(e2e_count_action(rows, n, "unchanged") + e2e_count_action(rows, n, "updated"), KEPT);
    free(rows);
    ck_assert_int_eq(active_users('u'), KEPT);
    ck_assert_int_eq(active_users('a'), ABSENT);
}
END_TEST

/* A listing that behaves: exactly the users the file leaves out are deactivated. */
START_TEST(a_proven_listing_prunes_exactly_the_absent_users)
{
    start(SBX_LISTING_FAULT_NONE, 0);
    const char *messages;
    ck_assert_msg(e2e_run(&fixture, E2E_KEY, true, &messages, "--prune", "--prune-max", "200", "users.csv", NULL) == 0,
                  "%s", messages);
    ck_assert_int_eq(active_users('a'), 0);
    ck_assert_int_eq(active_users('u'), KEPT);
    ck_assert_ptr_nonnull(strstr(messages, "deactivated 100 users"));
}
END_TEST

/* Pages that moved only while the first reading went: the second, from page 1, proves it. */
START_TEST(pages_that_moved_once_are_read_again_and_proven)
{
    start(SBX_LISTING_FAULT_SHIFT, 1);
    const char *messages;
    ck_assert_msg(e2e_run(&fixture, E2E_KEY, true, &messages, "--prune", "--prune-max", "200", "users.csv", NULL) == 0,
                  "%s", messages);
    ck_assert_ptr_null(strstr(messages, "unproven"));
    ck_assert_int_eq(active_users('a'), 0);
    ck_assert_int_eq(active_users('u'), KEPT);
    /* three pages read twice for the plan, three more for the second look before deactivating */
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "list"), 9);
}
END_TEST

/* Issue 29: the undo docs/usage.md gives, with a settings file mapping the export's own columns:
 * pruned.csv (uid,name) is read by its own header, the settings' --map skipped and said. */
START_TEST(the_documented_undo_works_with_a_settings_file_that_maps_columns)
{
    start(SBX_LISTING_FAULT_NONE, 0);
    e2e_preload(&fixture, "[{\"uid\":\"b00000\",\"name\":\"Zo\u00eb \u00dcn\u00efcode \u20ac\",\"createdAt\":1700000000}]");
    FILE *file = fopen(e2e_path(&fixture, "users.csv"), "w");
    ck_assert_ptr_nonnull(file);
    fprintf(file, "Employee ID;Full Name\n"); /* a European Excel's export: ; and windows-1252 */
    for (int i = 0; i < KEPT; i++) fprintf(file, "u%05d;User\n", i);
    ck_assert_int_eq(fclose(file), 0);
    /* the last map names a column the files the tool writes have, and the encoding and delimiter are
     * the export's: none of them may touch the files the tool writes */
    e2e_write(&fixture, "cometchat-import.conf", "map = Employee ID=uid\nmap = Full Name=name\nmap = Name=metadata.login\n"
                                                 "encoding = windows-1252\ndelimiter = ;\n");
    const char *messages;
    ck_assert_msg(e2e_run(&fixture, E2E_KEY, true, &messages, "--prune", "--prune-max", "200", "users.csv", NULL) == 0,
                  "%s", messages);
    ck_assert_int_eq(active_users('a'), 0);
    ck_assert_msg(e2e_run(&fixture, E2E_KEY, true, &messages, "--reactivate", "--mode", "update",
                          "users.runs/latest/pruned.csv", NULL) == 0, "%s", messages);
    ck_assert_msg(strstr(messages, "this file has the columns the tool writes, so the settings' --map options are skipped"),
                  "%s", messages);
    ck_assert_msg(strstr(messages, "the settings' encoding and delimiter are skipped"), "%s", messages);
    ck_assert_int_eq(active_users('a'), ABSENT);
    ck_assert_int_eq(active_users('u'), KEPT);
    cJSON *dump = e2e_users(&fixture); /* the undo brought the users back as they were */
    const cJSON *back = e2e_find_user(dump, "a00000");
    ck_assert_ptr_nonnull(back);
    ck_assert_ptr_null(cJSON_GetObjectItem(back, "metadata"));
    ck_assert_str_eq(e2e_field(back, "name"), "User");
    ck_assert_str_eq(e2e_field(e2e_find_user(dump, "b00000"), "name"), "Zo\u00eb \u00dcn\u00efcode \u20ac");
    cJSON_Delete(dump);
    /* the other files the tool writes read back as they are too: the report, and --plan's two */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--plan", "--report", "plan.csv", "users.csv", NULL), 0);
    const char *written[] = {"plan.csv", "plan.absent.csv", "users.runs/latest/report.csv"};
    for (size_t i = 0; i < sizeof written / sizeof *written; i++) {
        double writes = e2e_writes(&fixture);
        ck_assert_msg(e2e_run(&fixture, E2E_KEY, true, &messages, "--mode", "update", written[i], NULL) == 0, "%s: %s",
                      written[i], messages);
        ck_assert_msg(strstr(messages, "settings' --map options are skipped"), "%s", messages);
        ck_assert_msg(!strstr(messages, "warning"), "%s: %s", written[i], messages);
        ck_assert_msg(i == 1 || strstr(messages, "has a report's columns"), "%s: %s", written[i], messages);
        ck_assert_msg(e2e_writes(&fixture) == writes, "%s changed the app", written[i]);
    }
}
END_TEST

static Suite *proof_suite(void)
{
    Suite *suite = suite_create("e2e_proof");
    TCase *tc = tcase_create("proof");
    tcase_add_checked_fixture(tc, e2e_fixture_setup, e2e_fixture_teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_loop_test(tc, a_listing_that_misbehaves_lets_prune_deactivate_nobody, 0, sizeof faults / sizeof *faults);
    tcase_add_test(tc, a_proven_listing_prunes_exactly_the_absent_users);
    tcase_add_test(tc, pages_that_moved_once_are_read_again_and_proven);
    tcase_add_test(tc, the_documented_undo_works_with_a_settings_file_that_maps_columns);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(proof_suite)
