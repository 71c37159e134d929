/* Emptied cells: what an import set is recorded, and only that is cleared when a later row leaves
 * its cell empty, each field the way the API clears it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/app_users.h"
#include "rules/clears.h"
#include "check_main.h"
#include "test_records.h"

static cci_mapping mapping;

static void map(const char *first, ...)
{
    test_record header = {0};
    va_list ap;
    va_start(ap, first);
    size_t n = 0;
    for (const char *cell = first; cell && n < 64; cell = va_arg(ap, const char *))
        header.cells[n++] = (cci_cell){cell, strlen(cell)};
    va_end(ap);
    header.record = (cci_record){.line = 1, .count = n, .cells = header.cells};
    char err[256];
    ck_assert_msg(cci_mapping_init(&mapping, &header.record, NULL, 0, false, err, sizeof err) == CCI_OK, "%s", err);
}

static void teardown(void)
{
    cci_mapping_cleanup(&mapping);
}

/* The fields a row records, found with nothing recorded before. */
static char *recorded_by(const cci_record *record)
{
    cci_clears clears;
    ck_assert(cci_clears_find(&clears, &mapping, record, NULL));
    ck_assert(!cci_clears_any(&clears)); /* nothing was set before: nothing to clear */
    return clears.fields;
}

START_TEST(a_field_never_set_is_never_cleared)
{
    map("uid", "name", "avatar", "tags", NULL);
    test_record r;
    cci_clears clears;
    ck_assert(cci_clears_find(&clears, &mapping, RECORD(r, 2, "ana", "Ana", "", ""), ""));
    ck_assert(!cci_clears_any(&clears));
    cci_clears_cleanup(&clears);
}
END_TEST

START_TEST(each_field_an_import_set_is_cleared_when_emptied)
{
    map("uid", "name", "avatar", "link", "role", "statusMessage", "tags", "metadata", NULL);
    test_record r;
    char *set = recorded_by(RECORD(r, 2, "ana", "Ana", "https://a/x.png", "https://a", "admin", "Away", "a;b",
                                   "{\"k\":1}"));
    ck_assert_uint_eq(strlen(set), 7 * 9 - 1); /* name and six others, 8 hex digits each */
    cci_clears clears;
    ck_assert(cci_clears_find(&clears, &mapping, RECORD(r, 2, "ana", "", "", "", "", "", "", ""), set));
    ck_assert_uint_eq(clears.slots, (1u << CCI_SLOT_AVATAR) | (1u << CCI_SLOT_LINK) | (1u << CCI_SLOT_ROLE) |
                                        (1u << CCI_SLOT_STATUS_MESSAGE) | (1u << CCI_SLOT_TAGS) |
                                        (1u << CCI_SLOT_METADATA)); /* never name */
    ck_assert_str_eq(clears.fields, ""); /* nothing is set any more */
    cci_user user = {.fields = cJSON_Parse("{\"name\":\"Ana\"}")};
    ck_assert(cci_clears_apply(&clears, &user, NULL));
    char *body = cci_user_body(&user, false);
    ck_assert_str_eq(body, "{\"name\":\"Ana\",\"unset\":[\"avatar\",\"link\",\"metadata\"],\"tags\":[],"
                           "\"role\":\"default\",\"statusMessage\":\"\"}");
    free(body);
    body = cci_user_body(&user, true); /* a create clears nothing */
    ck_assert_ptr_null(strstr(body, "unset"));
    free(body);
    cci_user_cleanup(&user);
    cci_clears_cleanup(&clears);
    free(set);
}
END_TEST

START_TEST(what_other_files_set_outside_these_columns_stays_recorded)
{
    map("uid", "name", "avatar", NULL);
    test_record r;
    char *set = recorded_by(RECORD(r, 2, "ana", "Ana", "https://a/x.png"));
    cci_mapping_cleanup(&mapping);
    map("uid", "name", NULL); /* another file: no avatar column */
    cci_clears clears;
    ck_assert(cci_clears_find(&clears, &mapping, RECORD(r, 2, "ana", "Ana"), set));
    ck_assert(!cci_clears_any(&clears));
    ck_assert_str_eq(clears.fields, set); /* avatar is still the imports' */
    cci_clears_cleanup(&clears);
    free(set);
}
END_TEST

START_TEST(an_emptied_metadata_key_is_removed_from_what_the_app_holds)
{
    map("uid", "metadata.email", "metadata.team.floor", NULL);
    test_record r;
    char *set = recorded_by(RECORD(r, 2, "ana", "a@x.io", "3"));
    cci_clears clears;
    ck_assert(cci_clears_find(&clears, &mapping, RECORD(r, 2, "ana", "b@x.io", ""), set));
    ck_assert_uint_eq(clears.key_count, 1);
    ck_assert_str_eq(clears.keys[0], "team.floor");
    cci_user user = {.fields = cJSON_Parse("{\"metadata\":{\"email\":\"b@x.io\",\"phone\":\"1\",\"team\":{\"floor\":\"3\",\"name\":\"red\"}}}")};
    ck_assert(cci_clears_apply(&clears, &user, NULL));
    char *body = cci_user_body(&user, false);
    ck_assert_str_eq(body, "{\"metadata\":{\"email\":\"b@x.io\",\"phone\":\"1\",\"team\":{\"name\":\"red\"}}}");
    free(body);
    cci_user_cleanup(&user);
    cci_clears_cleanup(&clears);

    /* every key emptied: the app's metadata without them, or unset when nothing is left */
    ck_assert(cci_clears_find(&clears, &mapping, RECORD(r, 2, "ana", "", ""), set));
    cJSON *current = cJSON_Parse("{\"email\":\"a@x.io\",\"team\":{\"floor\":\"3\"}}");
    user = (cci_user){.fields = cJSON_CreateObject()};
    ck_assert(cci_clears_apply(&clears, &user, current));
    body = cci_user_body(&user, false);
    ck_assert_str_eq(body, "{\"metadata\":{\"team\":{}}}");
    free(body);
    cci_user_cleanup(&user);
    cJSON_Delete(current);
    current = cJSON_Parse("{\"email\":\"a@x.io\"}");
    user = (cci_user){.fields = cJSON_CreateObject()};
    ck_assert(cci_clears_apply(&clears, &user, current));
    body = cci_user_body(&user, false);
    ck_assert_str_eq(body, "{\"unset\":[\"metadata\"]}");
    free(body);
    cci_user_cleanup(&user);
    cJSON_Delete(current);
    cci_clears_cleanup(&clears);
    free(set);
}
END_TEST

START_TEST(a_whole_metadata_column_emptied_clears_keys_an_import_set)
{
    map("uid", "metadata.email", NULL);
    test_record r;
    char *set = recorded_by(RECORD(r, 2, "ana", "a@x.io"));
    cci_mapping_cleanup(&mapping);
    map("uid", "metadata", NULL);
    cci_clears clears;
    ck_assert(cci_clears_find(&clears, &mapping, RECORD(r, 2, "ana", ""), set));
    ck_assert_uint_eq(clears.slots, 1u << CCI_SLOT_METADATA);
    cci_clears_cleanup(&clears);
    free(set);
}
END_TEST

START_TEST(a_damaged_record_of_fields_is_read_as_far_as_it_goes)
{
    map("uid", "name", "avatar", NULL);
    test_record r;
    char *set = recorded_by(RECORD(r, 2, "ana", "Ana", "https://a/x.png"));
    char damaged[128];
    snprintf(damaged, sizeof damaged, "zz,%s,123", set);
    cci_clears clears;
    ck_assert(cci_clears_find(&clears, &mapping, RECORD(r, 2, "ana", "Ana", ""), damaged));
    ck_assert_uint_eq(clears.slots, 1u << CCI_SLOT_AVATAR);
    cci_clears_cleanup(&clears);
    free(set);
}
END_TEST

static Suite *clears_suite(void)
{
    Suite *s = suite_create("clears");
    TCase *tc = tcase_create("clears");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, a_field_never_set_is_never_cleared);
    tcase_add_test(tc, each_field_an_import_set_is_cleared_when_emptied);
    tcase_add_test(tc, what_other_files_set_outside_these_columns_stays_recorded);
    tcase_add_test(tc, an_emptied_metadata_key_is_removed_from_what_the_app_holds);
    tcase_add_test(tc, a_whole_metadata_column_emptied_clears_keys_an_import_set);
    tcase_add_test(tc, a_damaged_record_of_fields_is_read_as_far_as_it_goes);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN(clears_suite)
