/* Reading the app against the sandbox: every page, a total that says 0, deactivated users, the
 * uid and name lists, a listing dearer than the rows. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check_main.h"
#include "cci/listing.h"
#include "sandbox_fixture.h"

static const cci_listing_wants names = {.names = true};

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
    fixture_worker.client = fixture.client;
    fixture_load_active_and_deactivated(1100);
    cci_listing listing;
    char err[512];
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 0, names, NULL, NULL, err, sizeof err), CCI_LISTING_READ);
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
    fixture_load_active_and_deactivated(1100);
    cci_listing listing;
    char err[512];
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 1, names, NULL, NULL, err, sizeof err),
                     CCI_LISTING_TOO_COSTLY);
    ck_assert_ptr_null(listing.app);
}
END_TEST

static Suite *listing_suite(void)
{
    Suite *s = suite_create("listing");
    TCase *tc = tcase_create("listing");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_setup_sending, fixture_teardown_sending);
    tcase_add_loop_test(tc, every_page_is_read_whatever_the_total_says, 0, 2);
    tcase_add_test(tc, a_listing_dearer_than_the_rows_is_given_up);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN_WITH_CURL(listing_suite)
