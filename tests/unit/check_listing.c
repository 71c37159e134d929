/* Reading the app against the sandbox: every page, a total that says 0, deactivated users, the
 * uid and name lists, a listing dearer than the rows, a listing that never ends. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check_main.h"
#include "target/listing.h"
#include "sandbox_fixture.h"

static const cci_listing_wants names = {.names = true};

static bool count_line(void *context, const cci_listed_user *user)
{
    ck_assert(user->name[0] == 'A' || user->name[0] == 'D');
    ck_assert_str_ne(user->uid, "");
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
    /* a total of 0 announces nothing: the reading shows who is there, and proves no more */
    ck_assert(_i ? !listing.proven : listing.proven);
    if (_i) ck_assert_msg(strstr(listing.unproven, "page 1 announced no total"), "%s", listing.unproven);
    cci_listing_cleanup(&listing);
    ck_assert_double_eq(fixture_counter("requests", "list"), 3);
}
END_TEST

/* An empty app says total 0 on an empty page 1: proven empty, so every row is proven new. */
START_TEST(an_empty_app_is_proven_empty)
{
    fixture_worker.client = fixture.client;
    cci_listing listing;
    char err[512];
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 0, names, NULL, NULL, err, sizeof err),
                     CCI_LISTING_READ);
    ck_assert_msg(listing.proven, "%s", listing.unproven);
    ck_assert_uint_eq(listing.pages, 1);
    cci_listing_cleanup(&listing);
}
END_TEST

/* Listings that misbehave (the sandbox's --listing-fault) on every reading: each is read twice
 * (but one that announces nothing), shows who it saw, and proves nothing, saying why; when only the
 * first reading misbehaves, the second proves it. 2,200 users: 3 pages. */
static const struct {
    sbx_listing_fault fault;
    const char *why;
    unsigned readings;
} misbehaving[] = {
    {SBX_LISTING_FAULT_SHORT_PAGE, "page 2 of the 3 announced held 500 users, not 1000 (read twice)", 2},
    {SBX_LISTING_FAULT_EMPTY_PAGE, "page 2 of the 3 announced held 0 users, not 1000 (read twice)", 2},
    {SBX_LISTING_FAULT_SHIFT, "2100 distinct users were read in 3 pages, and page 1 announced 2200 (read twice)", 2},
    {SBX_LISTING_FAULT_GROWING_TOTAL, "the total moved while the pages were read: 2200 users on page 1, 2210 on page 2", 2},
    {SBX_LISTING_FAULT_NO_PAGINATION, "page 1 announced no total", 1},
};
static unsigned fault_readings;
static int fault_case;

static void misbehave(sbx_config *config)
{
    config->listing_fault = misbehaving[fault_case].fault;
    config->listing_fault_readings = fault_readings;
}

START_TEST(a_misbehaving_listing_proves_nothing_and_says_why)
{
    fault_case = _i / 2;
    fault_readings = _i % 2; /* 0: every reading, 1: the first only */
    fixture_restart(misbehave);
    fixture_worker.client = fixture.client;
    fixture_load_active_and_deactivated(1100);
    cci_listing listing;
    char err[512];
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 0, names, NULL, NULL, err, sizeof err),
                     CCI_LISTING_READ);
    bool recovers = fault_readings == 1 && misbehaving[fault_case].readings == 2;
    ck_assert_uint_eq(listing.readings, misbehaving[fault_case].readings);
    ck_assert_msg(listing.proven == recovers, "%s", listing.unproven);
    if (!recovers)
        ck_assert_msg(strstr(listing.unproven, misbehaving[fault_case].why), "%s: %s",
                      sbx_listing_fault_name(misbehaving[fault_case].fault), listing.unproven);
    else
        ck_assert_uint_eq(cci_app_users_counts(listing.app).active, 1100);
    cci_listing_cleanup(&listing);
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

static void send_pages_for_ever(sbx_config *config)
{
    config->hostile = SBX_HOSTILE_ENDLESS_LISTING;
}

static void send_pages_for_ever_announcing_nothing(sbx_config *config)
{
    config->hostile = SBX_HOSTILE_ENDLESS_LISTING;
    config->listing_total_zero = true;
}

/* Every page full of fresh users: page 1 announces 3 pages / 3,000 users, each later page two
 * more. Page 1's word is the bound: 3 pages, and one more to see the end, then FAILED. */
START_TEST(an_endless_listing_stops_one_page_past_what_page_1_announced)
{
    fixture_restart(send_pages_for_ever);
    fixture_worker.client = fixture.client;
    cci_listing listing;
    char err[512];
    cci_listing_wants wants = {.names = true, .metadata = true};
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 0, wants, NULL, NULL, err, sizeof err),
                     CCI_LISTING_FAILED);
    ck_assert_msg(strstr(err, "the service kept sending users past the 3 pages / 3000 users it announced"), "%s", err);
    ck_assert_ptr_nonnull(strstr(err, "4000 users in 4 pages"));
    ck_assert_ptr_null(listing.app); /* a listing that cannot be trusted holds nothing */
    ck_assert_ptr_null(listing.active);
    ck_assert_ptr_null(listing.metadata);
    ck_assert_double_eq(fixture_counter("requests", "list"), 4);
}
END_TEST

/* With nothing announced, the cap bounds the reading: lowered to 5,000 users here (the default
 * is a million), 5 pages and one more to see the end. */
START_TEST(an_endless_listing_that_announces_nothing_stops_at_the_cap)
{
    fixture_restart(send_pages_for_ever_announcing_nothing);
    fixture_worker.client = fixture.client;
    cci_listing listing;
    char err[512];
    cci_listing_wants wants = {.names = true, .most_untold_users = 5000};
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 0, wants, NULL, NULL, err, sizeof err),
                     CCI_LISTING_FAILED);
    ck_assert_msg(strstr(err, "the service announced no size (meta.pagination.total) and kept sending users past 5000"),
                  "%s", err);
    ck_assert_ptr_null(listing.app);
    ck_assert_double_eq(fixture_counter("requests", "list"), 6);
}
END_TEST

/* What page 1's meta.pagination says, and what the listing makes of it: a bound (and the words
 * for it) or, for anything that is no count, nothing announced (the cap: 5,000 users, 6 pages). */
#define NO_SIZE "the service announced no size"
static const struct {
    const char *pagination, *says;
    int pages_read;
} announcements[] = {
    {"{\"total\":3000}", "past the 3000 users it announced", 4},
    {"{\"total_pages\":3}", "past the 3 pages it announced", 4},
    {"{\"total\":2500,\"total_pages\":30}", "past the 30 pages / 2500 users it announced", 4}, /* the fewer pages */
    {"{\"total\":3000,\"total_pages\":2}", "past the 2 pages / 3000 users it announced", 3},
    {"{\"total\":0,\"total_pages\":0}", NO_SIZE, 6}, /* the OpenAPI example */
    {"{\"total\":-3000,\"total_pages\":-3}", NO_SIZE, 6},
    {"{\"total\":2999.5,\"total_pages\":2.5}", NO_SIZE, 6},
    {"{\"total\":\"3000\",\"total_pages\":\"3\"}", NO_SIZE, 6},
    {"{\"total\":1e300,\"total_pages\":1e12}", NO_SIZE, 6}, /* past a hundred million users */
    {"{\"total\":null,\"total_pages\":true}", NO_SIZE, 6},
    {"[3000, 3]", NO_SIZE, 6},
    {"{}", NO_SIZE, 6},
    {"not JSON: no pagination at all", NO_SIZE, 6},
};

static const char *announcement;

static void announce_it_for_ever(sbx_config *config)
{
    config->hostile = SBX_HOSTILE_ENDLESS_LISTING;
    config->endless_pagination = announcement;
}

START_TEST(only_whole_counts_are_an_announcement)
{
    announcement = announcements[_i].pagination;
    fixture_restart(announce_it_for_ever);
    fixture_worker.client = fixture.client;
    cci_listing listing;
    char err[512];
    cci_listing_wants wants = {.most_untold_users = 5000};
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 0, wants, NULL, NULL, err, sizeof err),
                     CCI_LISTING_FAILED);
    ck_assert_msg(strstr(err, announcements[_i].says), "%s: %s", announcement, err);
    ck_assert_double_eq(fixture_counter("requests", "list"), announcements[_i].pages_read);
}
END_TEST

/* An honest app as large as the cap is read whole: the extra page sees its end. */
START_TEST(an_app_as_large_as_the_cap_is_read_whole)
{
    fixture_restart(lie_about_the_total);
    fixture_worker.client = fixture.client;
    fixture_load_active_and_deactivated(1000);
    cci_listing listing;
    char err[512];
    cci_listing_wants wants = {.names = true, .most_untold_users = 2000};
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 0, wants, NULL, NULL, err, sizeof err),
                     CCI_LISTING_READ);
    ck_assert_uint_eq(listing.users, 2000);
    ck_assert_uint_eq(listing.pages, 3); /* the third, empty, says it ended */
    cci_listing_cleanup(&listing);
}
END_TEST

static Suite *listing_suite(void)
{
    Suite *s = suite_create("listing");
    TCase *tc = tcase_create("listing");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_setup_sending, fixture_teardown_sending);
    tcase_add_test(tc, an_empty_app_is_proven_empty);
    tcase_add_loop_test(tc, a_misbehaving_listing_proves_nothing_and_says_why, 0,
                        2 * (int)(sizeof misbehaving / sizeof *misbehaving));
    tcase_add_loop_test(tc, every_page_is_read_whatever_the_total_says, 0, 2);
    tcase_add_test(tc, a_listing_dearer_than_the_rows_is_given_up);
    tcase_add_test(tc, an_endless_listing_stops_one_page_past_what_page_1_announced);
    tcase_add_test(tc, an_endless_listing_that_announces_nothing_stops_at_the_cap);
    tcase_add_test(tc, an_app_as_large_as_the_cap_is_read_whole);
    tcase_add_loop_test(tc, only_whole_counts_are_an_announcement, 0, sizeof announcements / sizeof *announcements);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN_WITH_CURL(listing_suite)
