/* What the app holds, as hashes: lookups, field comparisons, deactivation, duplicates, and the
 * file's uid set. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "../check_main.h"
#include "state/app_users.h"

static void add(cci_app_users *app, const char *json)
{
    cJSON *user = cJSON_Parse(json);
    ck_assert(cci_app_users_add(app, user));
    cJSON_Delete(user);
}

START_TEST(listed_users_are_found_by_uid_with_their_field_hashes)
{
    cci_app_users *app = cci_app_users_new(0);
    add(app, "{\"uid\":\"Ana\",\"name\":\"Ana\",\"tags\":[\"a\"],\"metadata\":{\"b\":1,\"a\":2}}");
    add(app, "{\"uid\":\"bo\",\"name\":\"Bo\",\"deactivatedAt\":1700000000}");
    add(app, "{\"name\":\"no uid\"}");
    cci_app_users_seal(app);
    cci_app_user *ana = cci_app_users_find(app, "ana");
    ck_assert_ptr_nonnull(ana);
    cJSON *name = cJSON_CreateString("Ana"), *other = cJSON_CreateString("Anna");
    cJSON *metadata = cJSON_Parse("{\"a\":2,\"b\":1}"); /* key order does not matter */
    ck_assert_uint_eq(ana->field[CCI_SLOT_NAME], cci_field_hash(name));
    ck_assert_uint_ne(ana->field[CCI_SLOT_NAME], cci_field_hash(other));
    ck_assert_uint_eq(ana->field[CCI_SLOT_METADATA], cci_field_hash(metadata));
    ck_assert_uint_eq(ana->field[CCI_SLOT_AVATAR], 0); /* none */
    ck_assert(ana->flags & CCI_APP_USER_NO_PRIVATE);
    ck_assert(cci_app_users_find(app, "bo")->flags & CCI_APP_USER_DEACTIVATED);
    ck_assert_ptr_null(cci_app_users_find(app, "carl"));
    cci_app_counts counts = cci_app_users_counts(app);
    ck_assert_uint_eq(counts.active, 1);
    ck_assert_uint_eq(counts.deactivated, 1);
    ck_assert_uint_eq(counts.malformed, 1);
    ck_assert(!cci_app_users_private_shown(app));
    cJSON_Delete(name);
    cJSON_Delete(other);
    cJSON_Delete(metadata);
    cci_app_users_free(app);
}
END_TEST

START_TEST(a_uid_listed_twice_is_kept_once_and_private_metadata_is_noticed)
{
    cci_app_users *app = cci_app_users_new(1); /* a tiny hint: the table grows */
    for (int i = 0; i < 3000; i++) {
        char json[128];
        snprintf(json, sizeof json, "{\"uid\":\"u%d\",\"name\":\"U\"}", i % 2000);
        add(app, json);
    }
    add(app, "{\"uid\":\"p\",\"metadata\":{\"@private\":{\"email\":\"p@x\"}}}");
    cci_app_users_seal(app);
    ck_assert_uint_eq(cci_app_users_counts(app).active, 2001);
    ck_assert(cci_app_users_private_shown(app));
    ck_assert(!(cci_app_users_find(app, "p")->flags & CCI_APP_USER_NO_PRIVATE));
    cci_app_users_free(app);
}
END_TEST

START_TEST(the_uid_set_gives_the_first_line_of_each_uid)
{
    cci_uid_set set = {0};
    ck_assert(cci_uid_set_add(&set, "b", 7));
    ck_assert(cci_uid_set_add(&set, "a", 3));
    ck_assert(cci_uid_set_add(&set, "b", 5));
    cci_uid_set_seal(&set);
    ck_assert_uint_eq(cci_uid_set_first_line(&set, cci_uid_hash("b")), 5);
    ck_assert_uint_eq(cci_uid_set_first_line(&set, cci_uid_hash("a")), 3);
    ck_assert_uint_eq(cci_uid_set_first_line(&set, cci_uid_hash("c")), 0);
    cci_uid_set_cleanup(&set);
}
END_TEST

START_TEST(an_empty_uid_set_holds_nothing)
{
    cci_uid_set set = {0}; /* a file of invalid rows: no uid was read */
    cci_uid_set_seal(&set);
    ck_assert(set.sealed);
    ck_assert_uint_eq(cci_uid_set_first_line(&set, cci_uid_hash("a")), 0);
    cci_uid_set_cleanup(&set);
}
END_TEST

static Suite *app_users_suite(void)
{
    Suite *s = suite_create("app_users");
    TCase *tc = tcase_create("app_users");
    tcase_add_test(tc, listed_users_are_found_by_uid_with_their_field_hashes);
    tcase_add_test(tc, a_uid_listed_twice_is_kept_once_and_private_metadata_is_noticed);
    tcase_add_test(tc, the_uid_set_gives_the_first_line_of_each_uid);
    tcase_add_test(tc, an_empty_uid_set_holds_nothing);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN(app_users_suite)
