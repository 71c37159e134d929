/* The target around the rows, against the sandbox: the census of a file's uids, bulk
 * reactivation of the deactivated users it names, and the prune of the users it leaves out with
 * their list. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check_main.h"
#include "cci/target.h"
#include "sandbox_fixture.h"

static const cci_listing_wants names = {.names = true};

START_TEST(the_census_counts_uids_the_journal_knows_and_rows_without_one)
{
    cci_record header = {0}, row = {0};
    cci_cell header_cells[] = {{"uid", 3}, {"name", 4}};
    header = (cci_record){.cells = header_cells, .count = 2, .line = 1};
    cci_mapping mapping;
    char err[256];
    ck_assert(cci_mapping_init(&mapping, &header, NULL, 0, true, err, sizeof err));
    cci_census census = {.name_required = true};
    cci_cell good[] = {{"Ana", 3}, {"A", 1}}, bad[] = {{"no spaces", 9}, {"B", 1}}, empty[] = {{"", 0}, {"", 0}};
    row = (cci_record){.cells = good, .count = 2, .line = 2};
    cci_census_visit(&census, &mapping, &row);
    row = (cci_record){.cells = bad, .count = 2, .line = 3};
    cci_census_visit(&census, &mapping, &row);
    row = (cci_record){.cells = empty, .count = 2, .line = 4};
    cci_census_visit(&census, &mapping, &row); /* an empty row is no user */
    cci_uid_set_seal(&census.uids);
    ck_assert_uint_eq(census.uids.count, 1);
    ck_assert_uint_eq(census.unreadable, 1);
    ck_assert(census.to_send); /* no journal knows "ana" */
    ck_assert_uint_eq(cci_uid_set_first_line(&census.uids, cci_uid_hash("ANA")), 2);
    cci_census_cleanup(&census);
    cci_mapping_cleanup(&mapping);
}
END_TEST

START_TEST(reactivation_and_prune_go_in_bulk_and_list_what_they_changed)
{
    fixture_load_active_and_deactivated(150);
    cci_listing listing;
    char err[512];
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 0, names, NULL, NULL, err, sizeof err), CCI_LISTING_READ);
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
    ck_assert_msg(cci_target_reactivate(&listing, &census, &fixture_shared, &fixture_worker, &done, err, sizeof err), "%s", err);
    ck_assert_uint_eq(done, 150);
    ck_assert(cci_app_users_find(listing.app, "d0149")->flags & CCI_APP_USER_REACTIVATED);
    ck_assert_uint_eq(cci_target_count_absent(&listing, &census), 140);
    char path[64];
    snprintf(path, sizeof path, "/tmp/cci-pruned-%d.csv", (int)getpid());
    ck_assert_msg(cci_target_prune(&listing, &census, &fixture_shared, &fixture_worker, path, &done, err, sizeof err), "%s", err);
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

static Suite *target_suite(void)
{
    Suite *s = suite_create("target");
    TCase *tc = tcase_create("target");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fixture_setup_sending, fixture_teardown_sending);
    tcase_add_test(tc, the_census_counts_uids_the_journal_knows_and_rows_without_one);
    tcase_add_test(tc, reactivation_and_prune_go_in_bulk_and_list_what_they_changed);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN_WITH_CURL(target_suite)
