/* The target around the rows, against the sandbox: the census of a file's uids, bulk
 * reactivation of the deactivated users it names, and the prune of the users it leaves out with
 * their list. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../check_main.h"
#include "target/target.h"
#include "http_client.h"
#include "sandbox_fixture.h"

static const cci_listing_wants names = {.names = true};

START_TEST(the_census_counts_uids_the_journal_knows_and_rows_without_one)
{
    cci_record header = {0}, row = {0};
    cci_cell header_cells[] = {{"uid", 3}, {"name", 4}};
    header = (cci_record){.cells = header_cells, .count = 2, .line = 1};
    cci_mapping mapping;
    char err[256];
    ck_assert_int_eq(cci_mapping_init(&mapping, &header, NULL, 0, true, err, sizeof err), CCI_OK);
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
    ck_assert_msg(cci_target_reactivate(&listing, &census, &fixture_shared, &fixture_worker, &done, err, sizeof err) ==
                      CCI_OK,
                  "%s", err);
    ck_assert_uint_eq(done, 150);
    ck_assert(cci_app_users_find(listing.app, "d0149")->flags & CCI_APP_USER_REACTIVATED);
    ck_assert_uint_eq(cci_target_count_absent(&listing, &census), 140);
    unsigned long written = 1;
    ck_assert_int_eq(cci_target_write_absent(&listing, &census, "/nonexistent/plan.absent.csv", &written, err, sizeof err),
                     CCI_IO);
    ck_assert_msg(strstr(err, "/nonexistent/plan.absent.csv.partial") != NULL, "%s", err);
    ck_assert_uint_eq(written, 0);
    char path[64];
    snprintf(path, sizeof path, "/tmp/cci-pruned-%d.csv", (int)getpid());
    /* a second look that finds every one created since the run began leaves them all alone */
    cci_second_look look = {.listing = &listing, .run_began = 1};
    cci_pruning pruning;
    ck_assert_msg(cci_target_prune(&listing, &census, &look, &fixture_shared, &fixture_worker, path, &pruning, err,
                                   sizeof err) == CCI_OK, "%s", err);
    ck_assert_uint_eq(pruning.deactivated, 0);
    ck_assert_uint_eq(pruning.left_alone, 140);
    ck_assert_double_eq(fixture_counter("requests", "deactivate_many"), 0);
    /* one changed since the first reading, one gone: left alone; the others go */
    cci_response response;
    cci_client_update(fixture.client, "a0010", "{\"name\":\"Changed\"}", &response);
    ck_assert_int_eq(response.status, 200);
    ck_assert(sbx_server_remove_user(fixture.server, "a0011", true));
    cci_listing again;
    ck_assert_int_eq(cci_listing_read(&again, &fixture_shared, &fixture_worker, 0, names, NULL, NULL, err, sizeof err),
                     CCI_LISTING_READ);
    ck_assert(again.proven);
    look = (cci_second_look){.listing = &again, .run_began = (long long)time(NULL) + 1};
    ck_assert_msg(cci_target_prune(&listing, &census, &look, &fixture_shared, &fixture_worker, path, &pruning, err,
                                   sizeof err) == CCI_OK, "%s", err);
    cci_listing_cleanup(&again);
    ck_assert_uint_eq(pruning.deactivated, 138);
    ck_assert_uint_eq(pruning.left_alone, 2);
    ck_assert_double_eq(fixture_counter("requests", "reactivate_many"), 2);
    ck_assert_double_eq(fixture_counter("requests", "deactivate_many"), 2);
    FILE *file = fopen(path, "r");
    char line[128];
    ck_assert_str_eq(fgets(line, sizeof line, file), "uid,name\n");
    ck_assert_str_eq(fgets(line, sizeof line, file), "a0012,A\n"); /* a0010 changed, a0011 gone */
    fclose(file);
    remove(path);
    cci_census_cleanup(&census);
    cci_listing_cleanup(&listing);
}
END_TEST

/* With metadata.KEY columns, the listing keeps the metadata only of users whose row's keys
 * differ: at a million users the run holds a flag, not a million metadata objects. */
static void refuse_every_request(sbx_config *config)
{
    config->plan_error = "ERR_PLAN_RESTRICTION";
}

/* A deactivation that fails ends the prune as failed, and pruned.csv, the way back, already names
 * every user whose deactivation was sent, written before the batch went. */
START_TEST(a_failed_deactivation_fails_the_prune_and_the_way_back_names_its_users)
{
    fixture_load_active_and_deactivated(150);
    cci_listing listing;
    char err[512];
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 0, names, NULL, NULL, err, sizeof err),
                     CCI_LISTING_READ);
    cci_census census = {0};
    cci_uid_set_seal(&census.uids); /* the file names nobody: all 150 active users are absent */
    fixture_restart(refuse_every_request);
    fixture_worker.client = fixture.client;
    char path[64];
    snprintf(path, sizeof path, "/tmp/cci-way-back-%d.csv", (int)getpid());
    cci_second_look look = {.listing = &listing, .run_began = (long long)time(NULL) + 1};
    cci_pruning pruning;
    /* the plan refused: the service's refusal, not the network's */
    ck_assert_int_eq(cci_target_prune(&listing, &census, &look, &fixture_shared, &fixture_worker, path, &pruning, err,
                                      sizeof err),
                     CCI_REFUSED);
    ck_assert_msg(strstr(err, "deactivating 100 users failed"), "%s", err);
    ck_assert_uint_eq(pruning.deactivated, 0);
    FILE *file = fopen(path, "r");
    ck_assert_ptr_nonnull(file);
    int lines = 0;
    for (int c; (c = fgetc(file)) != EOF;) lines += c == '\n';
    fclose(file);
    remove(path);
    ck_assert_int_eq(lines, 1 + 100); /* the header and the batch sent; the next was never sent */
    cci_census_cleanup(&census);
    cci_listing_cleanup(&listing);
}
END_TEST

/* A reactivation the plan refuses fails with the service's refusal, which no retry mends. */
START_TEST(a_refused_reactivation_says_so_by_its_code)
{
    fixture_load_active_and_deactivated(3);
    cci_listing listing;
    char err[512];
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 0, names, NULL, NULL, err, sizeof err),
                     CCI_LISTING_READ);
    cci_census census = {0};
    ck_assert(cci_uid_set_add(&census.uids, "d0001", 2));
    cci_uid_set_seal(&census.uids);
    fixture_restart(refuse_every_request);
    fixture_worker.client = fixture.client;
    unsigned long done = 1;
    ck_assert_int_eq(cci_target_reactivate(&listing, &census, &fixture_shared, &fixture_worker, &done, err, sizeof err),
                     CCI_REFUSED);
    ck_assert_msg(strstr(err, "reactivating 1 users failed"), "%s", err);
    ck_assert_uint_eq(done, 0);
    cci_census_cleanup(&census);
    cci_listing_cleanup(&listing);
}
END_TEST

START_TEST(only_users_whose_keys_differ_keep_their_metadata)
{
    long status;
    cJSON_Delete(http_admin(sbx_server_port(fixture.server), "POST", "/admin/users",
                            "[{\"uid\":\"k1\",\"name\":\"K\",\"metadata\":{\"team\":\"red\",\"phone\":\"1\"}},"
                            "{\"uid\":\"k2\",\"name\":\"K\",\"metadata\":{\"team\":\"blue\"}},"
                            "{\"uid\":\"k3\",\"name\":\"K\",\"metadata\":{\"team\":\"red\"}}]", &status));
    ck_assert_int_eq(status, 200);
    cci_cell header_cells[] = {{"uid", 3}, {"metadata.team", 13}};
    cci_record header = {.cells = header_cells, .count = 2, .line = 1};
    cci_mapping mapping;
    char err[512];
    ck_assert_int_eq(cci_mapping_init(&mapping, &header, NULL, 0, false, err, sizeof err), CCI_OK);
    cci_census census = {0};
    cci_cell k1[] = {{"k1", 2}, {"red", 3}}, k2[] = {{"k2", 2}, {"red", 3}};
    cci_record row = {.cells = k1, .count = 2, .line = 2};
    cci_census_visit(&census, &mapping, &row);
    row = (cci_record){.cells = k2, .count = 2, .line = 3};
    cci_census_visit(&census, &mapping, &row);
    cci_mapping_cleanup(&mapping); /* the census keeps what it needs */
    cci_uid_set_seal(&census.uids);
    ck_assert(census.keys.usable);
    cci_listing listing;
    cci_listing_wants wants = {.metadata = true, .keep_metadata = cci_census_keep_metadata, .keep_context = &census};
    ck_assert_int_eq(cci_listing_read(&listing, &fixture_shared, &fixture_worker, 0, wants, NULL, NULL, err, sizeof err),
                     CCI_LISTING_READ);
    ck_assert_uint_eq(cci_strmap_count(listing.metadata), 1);
    ck_assert_str_eq(cci_strmap_get(listing.metadata, "k2"), "{\"team\":\"blue\"}");
    ck_assert(cci_app_users_find(listing.app, "k1")->flags & CCI_APP_USER_KEYS_EQUAL);
    ck_assert(!(cci_app_users_find(listing.app, "k2")->flags & CCI_APP_USER_KEYS_EQUAL));
    ck_assert(!(cci_app_users_find(listing.app, "k3")->flags & CCI_APP_USER_KEYS_EQUAL)); /* not in the file */
    cci_listing_cleanup(&listing);
    cci_census_cleanup(&census);
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
    tcase_add_test(tc, only_users_whose_keys_differ_keep_their_metadata);
    tcase_add_test(tc, a_failed_deactivation_fails_the_prune_and_the_way_back_names_its_users);
    tcase_add_test(tc, a_refused_reactivation_says_so_by_its_code);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN_WITH_CURL(target_suite)
