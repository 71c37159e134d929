#include <check.h>
#include <stdlib.h>
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

/* The valid start of a text: whole characters only; it stops at invalid bytes and at a character
 * cut by the end. */
START_TEST(the_valid_prefix_stops_at_the_first_bad_or_cut_character)
{
    static const struct {
        const char *text;
        size_t prefix;
    } cases[] = {
        {"plain ascii, longer than eight bytes", 36},
        {"Ana L\xC3\xB3pez \xE9\x99\x88\xE4\xBC\x9F", 17},
        {"abcdefgh\xC3", 8},             /* a two-byte character cut */
        {"abc\xE9\x99", 3},              /* a three-byte one */
        {"abc\xF0\x9F\x98", 3},          /* a four-byte one */
        {"abcdefghij\xE9t\xE9", 10},  /* windows-1252 */
        {"ab\xC0\xAF", 2},              /* overlong */
        {"ab\xED\xA0\x80", 2},          /* a surrogate */
        {"ab\xED\xA0", 2},              /* the start of a surrogate is no character */
        {"ab\xF4\x90\x80\x80", 2},      /* past U+10FFFF */
        {"ab\x80" "cdefghijkl", 2},       /* a lone continuation byte */
        {"abc\xC3" "x", 3},              /* a lead byte without its continuation */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ck_assert_msg(cci_utf8_valid_prefix(cases[i].text, strlen(cases[i].text)) == cases[i].prefix, "case %zu", i);
    }
}
END_TEST

/* Any bytes: the prefix is valid, and the byte after it starts no valid character. */
START_TEST(the_valid_prefix_agrees_with_the_validator_on_random_bytes)
{
    unsigned seed = 12345;
    char text[64];
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rand_r(&seed) % sizeof text);
        for (size_t i = 0; i < len; i++) {
            int kind = rand_r(&seed) % 4; /* mostly ASCII, as a file is */
            text[i] = (char)(kind < 2 ? 'a' + rand_r(&seed) % 26 : 0x80 + rand_r(&seed) % 0x80);
        }
        size_t prefix = cci_utf8_valid_prefix(text, len);
        ck_assert(cci_utf8_valid(text, prefix));
        if (prefix == len) continue;
        for (size_t end = prefix + 1; end <= len && end <= prefix + 4; end++)
            ck_assert_msg(!cci_utf8_valid(text + prefix, end - prefix), "round %d", round);
    }
}
END_TEST

/* A cut never falls inside a character: what it keeps of valid text is valid, as long as it can
 * be, and all of text when it fits. */
START_TEST(a_cut_keeps_whole_characters)
{
    const char *text = "ab\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z"; /* a b é € 😀 z */
    size_t len = strlen(text);
    ck_assert_uint_eq(cci_utf8_cut(text, len, 100), len);
    ck_assert_uint_eq(cci_utf8_cut(text, len, len), len);
    const size_t expected[] = {0, 1, 2, 2, 4, 4, 4, 7, 7, 7, 7, 11};
    for (size_t most = 0; most < len; most++) {
        size_t cut = cci_utf8_cut(text, len, most);
        ck_assert_msg(cut == expected[most], "at most %zu bytes: %zu kept", most, cut);
        ck_assert(cci_utf8_valid(text, cut));
    }
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
    tcase_add_test(tc, the_valid_prefix_stops_at_the_first_bad_or_cut_character);
    tcase_add_test(tc, the_valid_prefix_agrees_with_the_validator_on_random_bytes);
    tcase_add_test(tc, a_cut_keeps_whole_characters);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(utf8_suite)
