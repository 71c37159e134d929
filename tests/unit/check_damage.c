/* Spreadsheet damage told apart from plain bad input: scientific notation, date serials, lost
 * leading zeros. */
#include <check.h>
#include <string.h>

#include "rules/damage.h"
#include "check_main.h"

static bool damaged(cci_field field, const char *header, const char *path, const char *cell, char *why)
{
    cci_column column = {.header = (char *)header, .field = field, .metadata_path = (char *)path};
    return cci_damage_of_cell(&column, cell, strlen(cell), why, 512);
}

START_TEST(scientific_notation_is_named_in_ids_and_metadata_keys)
{
    char why[512];
    const char *numbers[] = {"1.23457E+11", "1E5", "2,5e-3", "-4.2E+07"};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_msg(damaged(CCI_FIELD_UID, "User ID", NULL, numbers[i], why), "%s", numbers[i]);
        ck_assert_ptr_nonnull(strstr(why, "scientific notation"));
        ck_assert_ptr_nonnull(strstr(why, "format the column as Text"));
    }
    ck_assert(damaged(CCI_FIELD_METADATA_KEY, "Phone", "phone", "4.47E+11", why));
    const char *fine[] = {"e5", "1.5", "E+11", "1.E5", "12e", "ana_1e5", "1e+"};
    for (size_t i = 0; i < 7; i++) ck_assert_msg(!damaged(CCI_FIELD_UID, "uid", NULL, fine[i], why), "%s", fine[i]);
    ck_assert(!damaged(CCI_FIELD_NAME, "name", NULL, "1E5", why)); /* names hold no numbers to lose */
}
END_TEST

START_TEST(a_date_serial_is_named_only_in_a_column_named_like_a_date)
{
    char why[512];
    ck_assert(damaged(CCI_FIELD_METADATA_KEY, "Join Date", "joinDate", "45234", why));
    ck_assert_ptr_nonnull(strstr(why, "(2023-11-04)"));
    ck_assert(damaged(CCI_FIELD_METADATA_KEY, "metadata.hired_at", "hired_at", "36526", why)); /* 2000-01-01 */
    ck_assert_ptr_nonnull(strstr(why, "2000-01-01"));
    ck_assert(!damaged(CCI_FIELD_METADATA_KEY, "Employee Number", "number", "45234", why));
    ck_assert(!damaged(CCI_FIELD_METADATA_KEY, "Join Date", "joinDate", "2023-11-04", why));
    ck_assert(!damaged(CCI_FIELD_METADATA_KEY, "Join Date", "joinDate", "12345", why)); /* 1933: no */
}
END_TEST

START_TEST(ids_shorter_than_the_padded_ones_lost_their_zeros)
{
    cci_padding padding = {0};
    char why[512];
    cci_padding_note(&padding, "000456");
    ck_assert(!cci_padding_lost(&padding, "789", why, sizeof why)); /* one padded id is no rule */
    cci_padding_note(&padding, "001234");
    cci_padding_note(&padding, "ana");
    ck_assert(cci_padding_lost(&padding, "789", why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "(\"000789\"?)"));
    ck_assert(!cci_padding_lost(&padding, "123456", why, sizeof why)); /* full width */
    ck_assert(!cci_padding_lost(&padding, "bob", why, sizeof why));
    cci_padding_note(&padding, "00077"); /* two widths: no rule to go by */
    ck_assert(!cci_padding_lost(&padding, "789", why, sizeof why));
}
END_TEST

static Suite *damage_suite(void)
{
    Suite *s = suite_create("damage");
    TCase *tc = tcase_create("damage");
    tcase_add_test(tc, scientific_notation_is_named_in_ids_and_metadata_keys);
    tcase_add_test(tc, a_date_serial_is_named_only_in_a_column_named_like_a_date);
    tcase_add_test(tc, ids_shorter_than_the_padded_ones_lost_their_zeros);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN(damage_suite)
