#include <check.h>
#include <string.h>

#include "util/utf8.h"
#include "check_main.h"

static size_t units_of(const char *text)
{
    size_t units = 9999;
    ck_assert(cci_utf8_utf16_units(text, strlen(text), &units));
    return units;
}

START_TEST(ascii_counts_one_per_byte)
{
    ck_assert_uint_eq(units_of(""), 0);
    ck_assert_uint_eq(units_of("Ana Lopez"), 9);
}
END_TEST

START_TEST(bmp_characters_count_one)
{
    ck_assert_uint_eq(units_of("Zoë"), 3);            /* 2-byte sequence */
    ck_assert_uint_eq(units_of("שלום"), 4);           /* Hebrew, right to left */
    ck_assert_uint_eq(units_of("日本語"), 3);          /* 3-byte sequences */
}
END_TEST

START_TEST(characters_outside_the_bmp_count_two)
{
    ck_assert_uint_eq(units_of("\xF0\x9F\x98\x80"), 2); /* U+1F600 */
    ck_assert_uint_eq(units_of("a\xF0\x9F\x98\x80" "b"), 4);
}
END_TEST

START_TEST(invalid_sequences_are_refused)
{
    const char *bad[] = {
        "\xC3",             /* truncated */
        "\xC0\xAF",         /* overlong '/' */
        "\xED\xA0\x80",     /* UTF-16 surrogate */
        "\xF4\x90\x80\x80", /* past U+10FFFF */
        "\xE9t\xE9",        /* windows-1252 'été' */
        "\x80",             /* lone continuation byte */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t units = 7;
        ck_assert_msg(!cci_utf8_utf16_units(bad[i], strlen(bad[i]), &units), "case %zu", i);
        ck_assert_uint_eq(units, 7);
        ck_assert(!cci_utf8_valid(bad[i], strlen(bad[i])));
    }
    ck_assert(cci_utf8_valid("été", strlen("été")));
}
END_TEST

static Suite *utf8_suite(void)
{
    Suite *suite = suite_create("utf8");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, ascii_counts_one_per_byte);
    tcase_add_test(tc, bmp_characters_count_one);
    tcase_add_test(tc, characters_outside_the_bmp_count_two);
    tcase_add_test(tc, invalid_sequences_are_refused);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(utf8_suite)
