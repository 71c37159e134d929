#include <check.h>
#include <string.h>

#include "cci/rules/mapping.h"
#include "check_main.h"
#include "test_records.h"

static cci_mapping mapping;
static char err[1024];
static test_record header;

static void teardown(void)
{
    cci_mapping_cleanup(&mapping);
}

START_TEST(headers_match_ignoring_case_spaces_underscores_and_dashes)
{
    const cci_record *h = RECORD(header, 1, " UID ", "Name", "Status Message", "AVATAR", "profile-url",
                                 "Tags", "role", "meta_data");
    ck_assert_int_eq(cci_mapping_init(&mapping, h, NULL, 0, true, err, sizeof err), CCI_OK);
    ck_assert_int_eq(mapping.columns[0].field, CCI_FIELD_UID);
    ck_assert_str_eq(mapping.columns[0].header, "UID");
    ck_assert_int_eq(mapping.columns[1].field, CCI_FIELD_NAME);
    ck_assert_int_eq(mapping.columns[2].field, CCI_FIELD_STATUS_MESSAGE);
    ck_assert_int_eq(mapping.columns[3].field, CCI_FIELD_AVATAR);
    ck_assert_int_eq(mapping.columns[4].field, CCI_FIELD_LINK);
    ck_assert_int_eq(mapping.columns[5].field, CCI_FIELD_TAGS);
    ck_assert_int_eq(mapping.columns[6].field, CCI_FIELD_ROLE);
    ck_assert_int_eq(mapping.columns[7].field, CCI_FIELD_METADATA);
    ck_assert_uint_eq(mapping.unknown_count, 0);
}
END_TEST

START_TEST(metadata_key_columns_keep_their_path)
{
    const cci_record *h = RECORD(header, 1, "uid", "name", "metadata.department", "Metadata.@private.email");
    ck_assert_int_eq(cci_mapping_init(&mapping, h, NULL, 0, true, err, sizeof err), CCI_OK);
    ck_assert_int_eq(mapping.columns[2].field, CCI_FIELD_METADATA_KEY);
    ck_assert_str_eq(mapping.columns[2].metadata_path, "department");
    ck_assert_str_eq(mapping.columns[3].metadata_path, "@private.email");
}
END_TEST

START_TEST(unknown_columns_are_listed_with_a_hint)
{
    const cci_record *h = RECORD(header, 1, "uid", "name", "statusMesage", "Favourite colour", "", "error");
    ck_assert_int_eq(cci_mapping_init(&mapping, h, NULL, 0, true, err, sizeof err), CCI_OK);
    ck_assert_uint_eq(mapping.unknown_count, 2);
    ck_assert_str_eq(mapping.unknown[0].header, "statusMesage");
    ck_assert_str_eq(mapping.unknown[0].suggestion, "statusMessage");
    ck_assert_str_eq(mapping.unknown[1].header, "Favourite colour");
    ck_assert_ptr_null(mapping.unknown[1].suggestion);
    ck_assert_int_eq(mapping.columns[2].field, CCI_FIELD_IGNORE);
    ck_assert_int_eq(mapping.columns[4].field, CCI_FIELD_IGNORE); /* unnamed: silent */
    ck_assert_int_eq(mapping.columns[5].field, CCI_FIELD_IGNORE); /* rejects' error column */
}
END_TEST

START_TEST(map_overrides_the_header)
{
    cci_column_map maps[] = {
        {.column = "Login=uid", .column_len = 5, .field = "uid"},
        {.column = "E-mail=metadata.email", .column_len = 6, .field = "metadata.email"},
        {.column = "name=ignore", .column_len = 4, .field = "ignore"},
        {.column = "Display=name", .column_len = 7, .field = "name"},
    };
    const cci_record *h = RECORD(header, 1, "login", "E-mail", "name", "Display");
    ck_assert_msg(cci_mapping_init(&mapping, h, maps, 4, true, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert_int_eq(mapping.columns[0].field, CCI_FIELD_UID);
    ck_assert_int_eq(mapping.columns[1].field, CCI_FIELD_METADATA_KEY);
    ck_assert_str_eq(mapping.columns[1].metadata_path, "email");
    ck_assert_int_eq(mapping.columns[2].field, CCI_FIELD_IGNORE);
    ck_assert_int_eq(mapping.columns[3].field, CCI_FIELD_NAME);
}
END_TEST

START_TEST(a_map_naming_no_column_is_refused)
{
    cci_column_map maps[] = {{.column = "Login=uid", .column_len = 5, .field = "uid"}};
    const cci_record *h = RECORD(header, 1, "uid", "name");
    ck_assert_int_eq(cci_mapping_init(&mapping, h, maps, 1, true, err, sizeof err), CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "no column \"Login\""));
}
END_TEST

START_TEST(missing_uid_or_name_column_is_refused)
{
    ck_assert_int_eq(cci_mapping_init(&mapping, RECORD(header, 1, "name", "tags"), NULL, 0, true, err, sizeof err),
                     CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "no uid column"));
    cci_mapping_cleanup(&mapping);
    ck_assert_int_eq(cci_mapping_init(&mapping, RECORD(header, 1, "uid", "tags"), NULL, 0, true, err, sizeof err),
                     CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "no name column"));
    cci_mapping_cleanup(&mapping);
    /* --mode update needs no name */
    ck_assert_int_eq(cci_mapping_init(&mapping, RECORD(header, 1, "uid", "tags"), NULL, 0, false, err, sizeof err),
                     CCI_OK);
}
END_TEST

/* An export that names its columns its own way: the refusal lists them and the likely --map options. */
START_TEST(a_missing_column_lists_the_header_and_the_likely_maps)
{
    ck_assert_int_eq(cci_mapping_init(&mapping, RECORD(header, 1, "Employee ID", "First Name", "Last Name", "Signed up",
                                                       "E-mail", "Department"),
                                      NULL, 0, true, err, sizeof err), CCI_INVALID);
    const char *expected[] = {"no uid column", "\"Department\"", "--map \"Employee ID=uid\"",
                              "--map \"First Name=name\"", "--map \"Last Name=name\"", "--map \"Signed up=createdAt\"",
                              "--map \"E-mail=metadata.@private.email\"", "--save-config keeps them"};
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        ck_assert_msg(strstr(err, expected[i]), "%s not in: %s", expected[i], err);
    ck_assert_ptr_null(strstr(err, "Department="));
    cci_mapping_cleanup(&mapping);
    /* the suggested maps make the header whole */
    cci_column_map maps[] = {{.column = "Employee ID", .column_len = 11, .field = "uid"},
                             {.column = "First Name", .column_len = 10, .field = "name"},
                             {.column = "Last Name", .column_len = 9, .field = "name"}};
    ck_assert_msg(cci_mapping_init(&mapping, RECORD(header, 1, "Employee ID", "First Name", "Last Name", "Signed up"),
                                   maps, 3, true, err, sizeof err) == CCI_OK, "%s", err);
}
END_TEST

START_TEST(two_columns_for_one_field_are_refused)
{
    ck_assert_int_eq(cci_mapping_init(&mapping, RECORD(header, 1, "uid", "name", "Full Name"), NULL, 0, true,
                                      err, sizeof err), CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "\"name\" and \"Full Name\" both feed name"));
    cci_mapping_cleanup(&mapping);
    ck_assert_int_eq(cci_mapping_init(&mapping, RECORD(header, 1, "uid", "name", "metadata.a", "METADATA.a"),
                                      NULL, 0, true, err, sizeof err), CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "one metadata key"));
}
END_TEST

START_TEST(a_name_in_parts_is_suggested_and_built_when_each_part_is_mapped)
{
    const cci_record *h = RECORD(header, 1, "uid", "First Name", "Last Name");
    ck_assert_int_eq(cci_mapping_init(&mapping, h, NULL, 0, true, err, sizeof err), CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "--map \"First Name=name\" --map \"Last Name=name\""));
    cci_mapping_cleanup(&mapping);
    cci_column_map maps[] = {{.column = "First Name=name", .column_len = 10, .field = "name"},
                             {.column = "Last Name=name", .column_len = 9, .field = "name"}};
    ck_assert_msg(cci_mapping_init(&mapping, h, maps, 2, true, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert_int_eq(mapping.columns[1].field, CCI_FIELD_NAME);
    ck_assert_int_eq(mapping.columns[2].field, CCI_FIELD_NAME);
    cci_mapping_cleanup(&mapping);
    /* two columns named like a name are no parts unless both are mapped */
    ck_assert_int_eq(cci_mapping_init(&mapping, RECORD(header, 1, "uid", "name", "Full Name"), maps, 0, true, err,
                                      sizeof err),
                     CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "build the name from both"));
}
END_TEST

START_TEST(template_lists_every_field)
{
    const char *t = cci_mapping_template();
    const char *fields[] = {"uid", "name", "avatar", "link", "role", "statusMessage", "tags", "metadata"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) ck_assert_ptr_nonnull(strstr(t, fields[i]));
}
END_TEST

START_TEST(a_field_name_is_known_as_a_column_can_be_mapped_to_it)
{
    ck_assert(cci_mapping_field_known("statusMessage"));
    ck_assert(cci_mapping_field_known("metadata.a.b"));
    ck_assert(cci_mapping_field_known("ignore"));
    ck_assert(!cci_mapping_field_known("metadata."));
    ck_assert(!cci_mapping_field_known(".metadata"));
    ck_assert(!cci_mapping_field_known("email"));
}
END_TEST

START_TEST(the_field_list_names_every_field_it_knows)
{
    const char *list = cci_mapping_field_list();
    for (int f = CCI_FIELD_UID; f <= CCI_FIELD_LAST_ACTIVE_AT; f++) { /* the fields a column names alone */
        ck_assert_msg(strstr(list, cci_field_name((cci_field)f)) != NULL, "%s missing", cci_field_name((cci_field)f));
        ck_assert(cci_mapping_field_known(cci_field_name((cci_field)f)));
    }
    ck_assert_ptr_nonnull(strstr(list, "lastActiveAt or ignore"));
    ck_assert_ptr_eq(list, cci_mapping_field_list()); /* built once */
}
END_TEST

static Suite *mapping_suite(void)
{
    Suite *suite = suite_create("mapping");
    TCase *tc = tcase_create("mapping");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, headers_match_ignoring_case_spaces_underscores_and_dashes);
    tcase_add_test(tc, metadata_key_columns_keep_their_path);
    tcase_add_test(tc, unknown_columns_are_listed_with_a_hint);
    tcase_add_test(tc, map_overrides_the_header);
    tcase_add_test(tc, a_map_naming_no_column_is_refused);
    tcase_add_test(tc, missing_uid_or_name_column_is_refused);
    tcase_add_test(tc, a_missing_column_lists_the_header_and_the_likely_maps);
    tcase_add_test(tc, two_columns_for_one_field_are_refused);
    tcase_add_test(tc, a_name_in_parts_is_suggested_and_built_when_each_part_is_mapped);
    tcase_add_test(tc, template_lists_every_field);
    tcase_add_test(tc, a_field_name_is_known_as_a_column_can_be_mapped_to_it);
    tcase_add_test(tc, the_field_list_names_every_field_it_knows);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(mapping_suite)
