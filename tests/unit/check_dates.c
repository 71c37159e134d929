/* createdAt and lastActiveAt cells: every accepted form to the right Unix seconds, and every
 * refusal saying what to do. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "cci/rules/dates.h"

#include "check_main.h"
#include "util/utf8.h"

enum { MARCH_4_2021 = 1614816000, MARCH_4_2021_050607 = 1614834367 };

static const cci_date_rules UTC_NOW = {.order = CCI_DATE_ORDER_UNKNOWN, .offset_seconds = 0, .now = 1800000000};

static int64_t parsed_by(const char *text, const cci_date_rules *rules)
{
    int64_t seconds = -1;
    char why[512] = "";
    ck_assert_msg(cci_date_parse(text, strlen(text), rules, &seconds, why, sizeof why), "%s: %s", text, why);
    return seconds;
}

static int64_t parsed(const char *text)
{
    return parsed_by(text, &UTC_NOW);
}

/* Refused, with a reason that holds each of the words given (up to two). */
static void expect_refused_by(const char *text, const cci_date_rules *rules, const char *word, const char *other)
{
    int64_t seconds;
    char why[512] = "";
    ck_assert_msg(!cci_date_parse(text, strlen(text), rules, &seconds, why, sizeof why), "%s was read", text);
    ck_assert_msg(strstr(why, word) && (!other || strstr(why, other)), "%s: %s", text, why);
}

static void expect_refused(const char *text, const char *word, const char *other)
{
    expect_refused_by(text, &UTC_NOW, word, other);
}

START_TEST(unix_seconds_are_taken_as_they_are)
{
    ck_assert_int_eq(parsed("1614834367"), MARCH_4_2021_050607);
    ck_assert_int_eq(parsed("946684800"), 946684800); /* 2000-01-01: nine digits */
}
END_TEST

START_TEST(iso_dates_and_date_times_in_every_spelling)
{
    ck_assert_int_eq(parsed("2021-03-04"), MARCH_4_2021);
    ck_assert_int_eq(parsed("2021-3-4"), MARCH_4_2021);
    ck_assert_int_eq(parsed("2021/03/04"), MARCH_4_2021);
    ck_assert_int_eq(parsed("2021-03-04T05:06:07Z"), MARCH_4_2021_050607);
    ck_assert_int_eq(parsed("2021-03-04T05:06:07"), MARCH_4_2021_050607); /* no zone: UTC */
    ck_assert_int_eq(parsed("2021-03-04 05:06:07"), MARCH_4_2021_050607); /* the spreadsheet form */
    ck_assert_int_eq(parsed("2021-03-04 5:06"), MARCH_4_2021_050607 - 7);
    ck_assert_int_eq(parsed("2021-03-04T05:06:07.250Z"), MARCH_4_2021_050607); /* fractions dropped */
    ck_assert_int_eq(parsed("2021-03-04T05:06:07+01:00"), MARCH_4_2021_050607 - 3600);
    ck_assert_int_eq(parsed("2021-03-04T05:06:07-0530"), MARCH_4_2021_050607 + 19800);
    ck_assert_int_eq(parsed("2021-03-04 05:06:07 UTC"), MARCH_4_2021_050607);
    ck_assert_int_eq(parsed("2021/03/04 05:06:07 +02"), MARCH_4_2021_050607 - 7200);
}
END_TEST

START_TEST(a_value_with_no_zone_is_in_the_zone_given)
{
    cci_date_rules paris_winter = UTC_NOW;
    paris_winter.offset_seconds = 3600;
    ck_assert_int_eq(parsed_by("2021-03-04 05:06:07", &paris_winter), MARCH_4_2021_050607 - 3600);
    ck_assert_int_eq(parsed_by("2021-03-04T05:06:07Z", &paris_winter), MARCH_4_2021_050607); /* its own wins */
    ck_assert_int_eq(parsed_by("1614834367", &paris_winter), MARCH_4_2021_050607);         /* seconds have none */
}
END_TEST

START_TEST(day_and_month_first_dates_are_read_only_when_one_order_fits)
{
    ck_assert_int_eq(parsed("13/04/2021"), 1618272000);  /* only day first fits */
    ck_assert_int_eq(parsed("04/13/2021"), 1618272000);  /* only month first fits */
    ck_assert_int_eq(parsed("03/03/2021"), 1614729600);  /* both orders agree */
    ck_assert_int_eq(parsed("13.04.2021 05:06"), 1618272000 + 5 * 3600 + 6 * 60);
    expect_refused("03/04/2021", "could be 3 April or March 4", "--date-order dmy or mdy");
    expect_refused("03-04-2021", "2021-04-03 or 2021-03-04", NULL);
}
END_TEST

START_TEST(the_order_given_settles_and_is_kept_to)
{
    cci_date_rules dmy = UTC_NOW, mdy = UTC_NOW;
    dmy.order = CCI_DATE_ORDER_DMY;
    mdy.order = CCI_DATE_ORDER_MDY;
    ck_assert_int_eq(parsed_by("03/04/2021", &dmy), 1617408000);
    ck_assert_int_eq(parsed_by("03/04/2021", &mdy), MARCH_4_2021);
    ck_assert_int_eq(parsed_by("04.03.2021", &dmy), MARCH_4_2021);
    expect_refused_by("13/04/2021", &mdy, "no such month", NULL); /* not silently read the other way */
    ck_assert_int_eq(parsed_by("2021-03-04", &mdy), MARCH_4_2021); /* year first has one order */
}
END_TEST

START_TEST(impossible_dates_say_what_is_impossible)
{
    expect_refused("2021-02-30", "no such day", NULL);
    expect_refused("2021-02-00", "no such day", NULL);
    expect_refused("2021-13-01", "no such month", NULL);
    expect_refused("2021-03-04T24:00", "no such time of day", NULL);
    expect_refused("2021-03-04T05:60", "no such time of day", NULL);
    ck_assert_int_eq(parsed("2020-02-29"), 1582934400); /* a leap day is a day */
}
END_TEST

START_TEST(dates_outside_what_an_account_can_have_are_refused)
{
    cci_date_rules now_2023 = UTC_NOW;
    now_2023.now = 1700000000; /* 2023-11-14 */
    expect_refused_by("2030-01-01", &now_2023, "in the future", NULL);
    expect_refused_by("1900000000", &now_2023, "in the future", NULL);
    expect_refused("1969-12-31", "before 1970", NULL);
}
END_TEST

START_TEST(spreadsheet_damage_and_other_units_are_named)
{
    expect_refused("44259", "spreadsheet's date serial (2021-03-04)", "format the column as Text");
    expect_refused("1614834367000", "milliseconds", "(1614834367)");
    expect_refused("20210304", "is not a date", "before 1973");
    expect_refused("16148343670000000000000", "far in the future", NULL); /* no overflow */
}
END_TEST

START_TEST(anything_else_is_not_a_date)
{
    const char *others[] = {"yesterday", "2021-03-04T05", "21-03-04", "2021-03/04", "2021-03-04T05:06:07+25:00",
                            "2021-03-04 05:06:07 CET", "-1614834367", "1614834367.5", " 2021-03-04", "4 March 2021"};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) expect_refused(others[i], "is not a date", NULL);
    int64_t seconds;
    char why[512];
    ck_assert(!cci_date_parse("", 0, &UTC_NOW, &seconds, why, sizeof why));
    ck_assert(!cci_date_parse("2021-03-04\0", 11, &UTC_NOW, &seconds, why, sizeof why)); /* a NUL is no end */
}
END_TEST

START_TEST(zone_offsets_for_the_option)
{
    int offset = 1;
    ck_assert(cci_date_offset_parse("+01:00", &offset) && offset == 3600);
    ck_assert(cci_date_offset_parse("-0530", &offset) && offset == -19800);
    ck_assert(cci_date_offset_parse("+02", &offset) && offset == 7200);
    ck_assert(cci_date_offset_parse("UTC", &offset) && offset == 0);
    ck_assert(cci_date_offset_parse("Z", &offset) && offset == 0);
    const char *not_offsets[] = {"Europe/Paris", "+15:00", "+01:60", "01:00", "+1", "", "+01:00x"};
    for (size_t i = 0; i < sizeof not_offsets / sizeof *not_offsets; i++)
        ck_assert_msg(!cci_date_offset_parse(not_offsets[i], &offset), "%s", not_offsets[i]);
}
END_TEST

/* A long cell quoted in the reason is cut before a character, never inside one: the reason stays
 * UTF-8 whichever byte the cut falls on. */
START_TEST(a_long_cell_is_quoted_in_whole_characters)
{
    for (int shift = 0; shift < 3; shift++) {
        char text[200] = "xx";
        text[shift] = '\0';
        for (int i = 0; i < 40; i++) strcat(text, "\xc3\xa9");
        int64_t seconds;
        char why[512] = "";
        ck_assert(!cci_date_parse(text, strlen(text), &UTC_NOW, &seconds, why, sizeof why));
        ck_assert_msg(cci_utf8_valid(why, strlen(why)), "not UTF-8: %s", why);
    }
}
END_TEST

static Suite *dates_suite(void)
{
    Suite *suite = suite_create("dates");
    TCase *tc = tcase_create("dates");
    tcase_add_test(tc, unix_seconds_are_taken_as_they_are);
    tcase_add_test(tc, iso_dates_and_date_times_in_every_spelling);
    tcase_add_test(tc, a_value_with_no_zone_is_in_the_zone_given);
    tcase_add_test(tc, day_and_month_first_dates_are_read_only_when_one_order_fits);
    tcase_add_test(tc, the_order_given_settles_and_is_kept_to);
    tcase_add_test(tc, impossible_dates_say_what_is_impossible);
    tcase_add_test(tc, dates_outside_what_an_account_can_have_are_refused);
    tcase_add_test(tc, spreadsheet_damage_and_other_units_are_named);
    tcase_add_test(tc, anything_else_is_not_a_date);
    tcase_add_test(tc, zone_offsets_for_the_option);
    tcase_add_test(tc, a_long_cell_is_quoted_in_whole_characters);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(dates_suite)
