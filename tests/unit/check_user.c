#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rules/user.h"
#include "check_main.h"
#include "test_records.h"

static cci_mapping mapping;
static cci_user user;
static char problems[1024], err[256];
static test_record header, row;

static void use_header(const cci_record *h)
{
    ck_assert_msg(cci_mapping_init(&mapping, h, NULL, 0, true, err, sizeof err) == CCI_OK, "%s", err);
}

static void teardown(void)
{
    cci_user_cleanup(&user);
    cci_mapping_cleanup(&mapping);
}

static const char *field(const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(user.fields, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

START_TEST(a_full_row_becomes_a_payload)
{
    use_header(RECORD(header, 1, "uid", "name", "avatar", "link", "role", "statusMessage", "tags",
                      "metadata", "metadata.@private.email"));
    const cci_record *r = RECORD(row, 2, "  Ana_Lopez ", " Ana López ", "https://x/a.png", "https://x",
                                 "admin", "On leave", "sales; emea", "{\"dept\":\"Sales\"}", "ana@example.com");
    ck_assert_msg(cci_user_build(&user, &mapping, r, true, problems, sizeof problems), "%s", problems);
    ck_assert_str_eq(user.uid, "ana_lopez");
    ck_assert_str_eq(field("name"), "Ana López");
    ck_assert_str_eq(field("avatar"), "https://x/a.png");
    ck_assert_str_eq(field("statusMessage"), "On leave");
    char *body = cci_user_body(&user, true);
    /* keys sorted at every depth: the canonical form the fingerprint hashes */
    ck_assert_str_eq(body, "{\"uid\":\"ana_lopez\",\"avatar\":\"https://x/a.png\",\"link\":\"https://x\","
                           "\"metadata\":{\"@private\":{\"email\":\"ana@example.com\"},\"dept\":\"Sales\"},"
                           "\"name\":\"Ana López\",\"role\":\"admin\",\"statusMessage\":\"On leave\","
                           "\"tags\":[\"sales\",\"emea\"]}");
    free(body);
    body = cci_user_body(&user, false);
    ck_assert_ptr_null(strstr(body, "\"uid\""));
    free(body);
}
END_TEST

START_TEST(name_parts_join_in_column_order_and_one_is_enough)
{
    cci_column_map maps[] = {{.column = "Given=name", .column_len = 5, .field = "name"},
                             {.column = "Family=name", .column_len = 6, .field = "name"}};
    ck_assert_int_eq(cci_mapping_init(&mapping, RECORD(header, 1, "uid", "Family", "Given"), maps, 2, true, err,
                                      sizeof err),
                     CCI_OK);
    ck_assert(cci_user_build(&user, &mapping, RECORD(row, 2, "a", " López ", "Ana"), true, problems, sizeof problems));
    ck_assert_str_eq(field("name"), "López Ana"); /* the file's column order */
    cci_user_cleanup(&user);
    ck_assert(cci_user_build(&user, &mapping, RECORD(row, 3, "b", "", "Bola"), true, problems, sizeof problems));
    ck_assert_str_eq(field("name"), "Bola");
    cci_user_cleanup(&user);
    ck_assert(!cci_user_build(&user, &mapping, RECORD(row, 4, "c", "", ""), true, problems, sizeof problems));
    ck_assert_str_eq(problems, "column \"Family\": empty: CometChat requires a name"); /* said once */
    cci_user_cleanup(&user);
    char long_part[80];
    memset(long_part, 'x', sizeof long_part - 1);
    long_part[sizeof long_part - 1] = '\0';
    ck_assert(!cci_user_build(&user, &mapping, RECORD(row, 5, "d", long_part, long_part), true, problems, sizeof problems));
    ck_assert_msg(strstr(problems, "column \"Given\"") && strstr(problems, "159 characters"), "%s", problems);
}
END_TEST

START_TEST(a_refusal_names_the_column_and_the_cell_that_fed_the_field)
{
    use_header(RECORD(header, 1, "User ID", "Name", "Role", "metadata.email"));
    const cci_record *r = RECORD(row, 2, "ana", "Ana", " superuser ", "not-an-email");
    cci_saved_row *saved = cci_saved_row_new(r);
    cci_outcome o = {.action = CCI_ACTION_FAILED};
    snprintf(o.refused_field, sizeof o.refused_field, "role");
    cci_outcome_say(&o, "role: The selected role is invalid.");
    cci_user_explain_refusal(&o, &mapping, saved);
    ck_assert_str_eq(o.message, "column \"Role\": \"superuser\": role: The selected role is invalid. (a role this app "
                                "does not have: create it in the CometChat dashboard, or fix the cell)");
    snprintf(o.refused_field, sizeof o.refused_field, "metadata.email");
    cci_outcome_say(&o, "bad");
    cci_user_explain_refusal(&o, &mapping, saved);
    ck_assert_str_eq(o.message, "column \"metadata.email\": \"not-an-email\": bad");
    snprintf(o.refused_field, sizeof o.refused_field, "avatar"); /* no column feeds it: as it was */
    cci_outcome_say(&o, "bad");
    cci_user_explain_refusal(&o, &mapping, saved);
    ck_assert_str_eq(o.message, "bad");
    free(o.message);
    free(saved);
}
END_TEST

START_TEST(empty_cells_are_not_sent_and_never_null)
{
    use_header(RECORD(header, 1, "uid", "name", "avatar", "tags", "metadata.x"));
    ck_assert(cci_user_build(&user, &mapping, RECORD(row, 2, "bob", "Bob", "  ", "", ""), true,
                             problems, sizeof problems));
    char *body = cci_user_body(&user, true);
    ck_assert_str_eq(body, "{\"uid\":\"bob\",\"name\":\"Bob\"}");
    free(body);
}
END_TEST

START_TEST(every_problem_names_its_column)
{
    use_header(RECORD(header, 1, "User ID", "Full Name", "avatar", "tags", "metadata"));
    ck_assert(!cci_user_build(&user, &mapping,
                              RECORD(row, 7, "ana lopez", "", "not a url", "[1]", "{oops"), true,
                              problems, sizeof problems));
    ck_assert_ptr_nonnull(strstr(problems, "column \"User ID\": \"ana lopez\" holds ' '"));
    ck_assert_ptr_nonnull(strstr(problems, "column \"Full Name\": empty"));
    ck_assert_ptr_nonnull(strstr(problems, "column \"avatar\": \"not a url\" is not an absolute"));
    ck_assert_ptr_nonnull(strstr(problems, "column \"tags\": starts with ["));
    ck_assert_ptr_nonnull(strstr(problems, "column \"metadata\": not a JSON object"));
}
END_TEST

START_TEST(name_is_optional_for_updates)
{
    use_header(RECORD(header, 1, "uid", "name", "role"));
    ck_assert(cci_user_build(&user, &mapping, RECORD(row, 2, "a", "", "admin"), false, problems,
                             sizeof problems));
    ck_assert_ptr_null(field("name"));
}
END_TEST

/* A report fed back: the uid "-p3" it wrote as '-p3 (for spreadsheets) reads as -p3 again; in a
 * file of the person's own, a leading ' is no uid character. */
START_TEST(a_reports_guarded_uid_reads_back_as_it_was)
{
    const cci_record *report = RECORD(header, 1, "line", "uid", "action", "http_status", "error_code", "message", "attempts");
    ck_assert_msg(cci_mapping_init(&mapping, report, NULL, 0, false, err, sizeof err) == CCI_OK, "%s", err); /* --mode update */
    ck_assert_msg(cci_user_build(&user, &mapping, RECORD(row, 2, "2", "'-p3", "created", "200", "", "", "1"), false,
                                 problems, sizeof problems), "%s", problems);
    ck_assert_str_eq(user.uid, "-p3");
    teardown();
    use_header(RECORD(header, 1, "uid", "name", "role"));
    ck_assert(!cci_user_build(&user, &mapping, RECORD(row, 2, "'-p3", "P", ""), true, problems, sizeof problems));
}
END_TEST

START_TEST(ragged_rows_are_invalid_but_trailing_empty_cells_are_not)
{
    use_header(RECORD(header, 1, "uid", "name"));
    ck_assert(!cci_user_build(&user, &mapping, RECORD(row, 3, "a"), true, problems, sizeof problems));
    ck_assert_ptr_nonnull(strstr(problems, "1 cells but the header has 2 columns"));
    cci_user_cleanup(&user);
    ck_assert(!cci_user_build(&user, &mapping, RECORD(row, 3, "a", "A", "extra"), true, problems,
                              sizeof problems));
    ck_assert_ptr_nonnull(strstr(problems, "3 cells but the header has 2 columns"));
    cci_user_cleanup(&user);
    ck_assert(cci_user_build(&user, &mapping, RECORD(row, 3, "a", "A", "", " "), true, problems,
                             sizeof problems));
}
END_TEST

START_TEST(metadata_columns_win_over_the_metadata_cell)
{
    use_header(RECORD(header, 1, "uid", "name", "metadata.dept", "metadata"));
    ck_assert(cci_user_build(&user, &mapping,
                             RECORD(row, 2, "a", "A", "Ops", "{\"dept\":\"Sales\",\"floor\":2}"), true,
                             problems, sizeof problems));
    const cJSON *metadata = cJSON_GetObjectItem(user.fields, "metadata");
    ck_assert_str_eq(cJSON_GetObjectItem(metadata, "dept")->valuestring, "Ops");
    ck_assert_int_eq(cJSON_GetObjectItem(metadata, "floor")->valueint, 2);
}
END_TEST

START_TEST(invalid_utf8_is_caught_per_cell)
{
    use_header(RECORD(header, 1, "uid", "name"));
    ck_assert(!cci_user_build(&user, &mapping, RECORD(row, 2, "a", "Zo\xEB"), true, problems,
                              sizeof problems));
    ck_assert_ptr_nonnull(strstr(problems, "column \"name\": not valid UTF-8"));
}
END_TEST

static Suite *user_suite(void)
{
    Suite *suite = suite_create("user");
    TCase *tc = tcase_create("build");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, a_full_row_becomes_a_payload);
    tcase_add_test(tc, empty_cells_are_not_sent_and_never_null);
    tcase_add_test(tc, name_parts_join_in_column_order_and_one_is_enough);
    tcase_add_test(tc, a_refusal_names_the_column_and_the_cell_that_fed_the_field);
    tcase_add_test(tc, every_problem_names_its_column);
    tcase_add_test(tc, name_is_optional_for_updates);
    tcase_add_test(tc, a_reports_guarded_uid_reads_back_as_it_was);
    tcase_add_test(tc, ragged_rows_are_invalid_but_trailing_empty_cells_are_not);
    tcase_add_test(tc, metadata_columns_win_over_the_metadata_cell);
    tcase_add_test(tc, invalid_utf8_is_caught_per_cell);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(user_suite)
