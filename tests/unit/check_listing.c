/* Reading the app against the sandbox: every page, a total that says 0, deactivated users, the
 * uid and name lists; and the bulk changes of cci/target.h. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "../check_main.h"
#include "cci/listing.h"
#include "cci/target.h"
#include "http_client.h"
#include "sandbox_fixture.h"

static cci_send_shared shared;
static cci_stop *stop;
static cci_worker worker;

static void setup(void)
{
    fixture_setup();
    stop = cci_stop_new();
    shared = (cci_send_shared){.max_retries = 2, .stop = stop,
                               .limiter = cci_limiter_new((cci_limiter_config){.max_wait_ms = 1000})};
    cci_retry_budget_init(&shared.retries, 100, 20);
    worker = (cci_worker){.client = fixture.client, .random = 1};
}

static void teardown(void)
{
    cci_limiter_free(shared.limiter);
    cci_stop_free(stop);
    fixture_teardown();
}

/* n active users a0000.. and n deactivated d0000.. */
static void preload(int n)
{
    for (int i = 0; i < n; i += 50) {
        char body[8192] = "[";
        for (int j = i; j < i + 50 && j < n; j++) {
            size_t used = strlen(body);
            snprintf(body + used, sizeof body - used, "%s{\"uid\":\"a%04d\",\"name\":\"A\"},{\"uid\":\"d%04d\",\"name\":\"D\",\"deactivated\":true}",
                     j > i ? "," : "", j, j);
        }
        strcat(body, "]");
        long status;
        cJSON_Delete(http_admin(sbx_server_port(fixture.server), "POST", "/admin/users", body, &status));
        ck_assert_int_eq(status, 200);
    }
}

static bool count_line(void *context, const char *uid, const char *name)
{
    (void)uid;
    ck_assert(name[0] == 'A' || name[0] == 'D');
    ++*(int *)context;
    return true;
}

static void lie_about_the_total(sbx_config *config)
{
    config->listing_total_zero = true;
}

START_TEST(every_page_is_read_whatever_the_total_says)
{
    if (_i) fixture_restart(lie_about_the_total);
    worker.client = fixture.client;
    preload(1100);
    cci_listing listing;
    char err[512];
    ck_assert_int_eq(cci_listing_read(&listing, &shared, &worker, 0, false, NULL, NULL, err, sizeof err), CCI_LISTING_READ);
    cci_app_counts counts = cci_app_users_counts(listing.app);
    ck_assert_uint_eq(counts.active, 1100);
    ck_assert_uint_eq(counts.deactivated, 1100);
    ck_assert_uint_eq(listing.pages, 3);
    int active = 0, deactivated = 0;
    ck_assert(cci_listing_each(listing.active, count_line, &active));
    ck_assert(cci_listing_each(listing.deactivated, count_line, &deactivated));
    ck_assert_int_eq(active, 1100);
    ck_assert_int_eq(deactivated, 1100);
    cci_listing_cleanup(&listing);
    ck_assert_double_eq(fixture_counter("requests", "list"), 3);
}
END_TEST

START_TEST(a_listing_dearer_than_the_rows_is_given_up)
{
    preload(1100);
    cci_listing listing;
    char err[512];
    ck_assert_int_eq(cci_listing_read(&listing, &shared, &worker, 1, false, NULL, NULL, err, sizeof err),
                     CCI_LISTING_TOO_COSTLY);
    ck_assert_ptr_null(listing.app);
}
END_TEST

START_TEST(reactivation_and_prune_go_in_bulk_and_list_what_they_changed)
{
    preload(150);
    cci_listing listing;
    char err[512];
    ck_assert_int_eq(cci_listing_read(&listing, &shared, &worker, 0, false, NULL, NULL, err, sizeof err), CCI_LISTING_READ);
    /* the file: a0000..a0009 and every deactivated user */
    cci_census census = {0};
    for (int i = 0; i < 150; i++) {
        char uid[16];
        snprintf(uid, sizeof uid, "d%04d", i);
        ck_assert(cci_uid_set_add(&census.uids, uid, (unsigned long)i + 2));
        if (i < 10) {
            snprintf(uid, sizeof uid, "a%04d", i);
            ck_assert(cci_uid_set_add(&census.uids, uid, (unsigned long)i + 200));
        }
    }
    cci_uid_set_seal(&census.uids);
    unsigned long done = 0;
    ck_assert_msg(cci_target_reactivate(&listing, &census, &shared, &worker, &done, err, sizeof err), "%s", err);
    ck_assert_uint_eq(done, 150);
    ck_assert(cci_app_users_find(listing.app, "d0149")->flags & CCI_APP_USER_REACTIVATED);
    ck_assert_uint_eq(cci_target_count_absent(&listing, &census), 140);
    char path[64];
    snprintf(path, sizeof path, "/tmp/cci-pruned-%d.csv", (int)getpid());
    ck_assert_msg(cci_target_prune(&listing, &census, &shared, &worker, path, &done, err, sizeof err), "%s", err);
    ck_assert_uint_eq(done, 140);
    ck_assert_double_eq(fixture_counter("requests", "reactivate_many"), 2);
    ck_assert_double_eq(fixture_counter("requests", "deactivate_many"), 2);
    FILE *file = fopen(path, "r");
    char line[128];
    ck_assert_str_eq(fgets(line, sizeof line, file), "uid,name\n");
    ck_assert_str_eq(fgets(line, sizeof line, file), "a0010,A\n");
    fclose(file);
    remove(path);
    cci_census_cleanup(&census);
    cci_listing_cleanup(&listing);
}
END_TEST

static Suite *listing_suite(void)
{
    Suite *s = suite_create("listing");
    TCase *tc = tcase_create("listing");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, every_page_is_read_whatever_the_total_says, 0, 2);
    tcase_add_test(tc, a_listing_dearer_than_the_rows_is_given_up);
    tcase_add_test(tc, reactivation_and_prune_go_in_bulk_and_list_what_they_changed);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN_WITH_CURL(listing_suite)
