#include <check.h>
#include <stdio.h>
#include <string.h>

#include "rules/validate.h"
#include "util/utf8.h"
#include "check_main.h"

static char why[512];
#define S(text) text, strlen(text), why, sizeof why

START_TEST(uids)
{
    ck_assert(cci_validate_uid(S("ana_lopez-1")));
    ck_assert(!cci_validate_uid(S("")));
    ck_assert_ptr_nonnull(strstr(why, "empty"));
    ck_assert(!cci_validate_uid(S("ana lopez")));
    ck_assert_ptr_nonnull(strstr(why, "' '"));
    ck_assert(!cci_validate_uid(S("ana@x.com")));
    ck_assert_ptr_nonnull(strstr(why, "'@'"));
    ck_assert(!cci_validate_uid(S("zoë")));
    ck_assert_ptr_nonnull(strstr(why, "letters a-z"));
    char long_uid[102];
    memset(long_uid, 'a', 101);
    long_uid[101] = '\0';
    ck_assert(!cci_validate_uid(S(long_uid)));
    ck_assert_ptr_nonnull(strstr(why, "101 characters"));
    long_uid[100] = '\0';
    ck_assert(cci_validate_uid(S(long_uid)));
    /* every byte, NUL included: allowed exactly when it is a letter a-z or A-Z, a digit, _ or - */
    static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    for (int c = 0; c < 256; c++) {
        char uid[3] = {'a', (char)c, 'b'};
        bool expected = c && memchr(allowed, c, sizeof allowed - 1);
        ck_assert_msg(cci_validate_uid(uid, 3, why, sizeof why) == expected, "byte %d", c);
    }
}
END_TEST

START_TEST(names_count_utf16_units)
{
    ck_assert(cci_validate_name(S("Zoë Ünal")));
    ck_assert(!cci_validate_name(S("")));
    char name[512] = "";
    for (int i = 0; i < 50; i++) strcat(name, "\xF0\x9F\x98\x80"); /* 50 emoji = 100 units */
    ck_assert(cci_validate_name(S(name)));
    strcat(name, "a");
    ck_assert(!cci_validate_name(S(name)));
    ck_assert_ptr_nonnull(strstr(why, "101 characters"));
}
END_TEST

START_TEST(text_must_be_utf8_without_nul)
{
    ck_assert(cci_validate_text(S("Zoë")));
    ck_assert(!cci_validate_text(S("Zo\xEB")));
    ck_assert_ptr_nonnull(strstr(why, "--encoding"));
    ck_assert(!cci_validate_text("a\0b", 3, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "NUL"));
}
END_TEST

START_TEST(urls_must_be_absolute_http)
{
    ck_assert_int_eq(cci_validate_url(S("https://cdn.example.com/a.png")), CCI_OK);
    ck_assert_int_eq(cci_validate_url(S("http://example.com")), CCI_OK);
    ck_assert_int_eq(cci_validate_url(S("example.com/a.png")), CCI_INVALID);
    ck_assert_int_eq(cci_validate_url(S("ftp://example.com/a.png")), CCI_INVALID);
    ck_assert_int_eq(cci_validate_url(S("javascript:alert(1)")), CCI_INVALID);
    ck_assert_int_eq(cci_validate_url(S("/relative/path")), CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(why, "absolute http"));
    static char url[3100];
    strcpy(url, "https://example.com/");
    memset(url + 20, 'x', 2990);
    url[3010] = '\0';
    ck_assert_int_eq(cci_validate_url(S(url)), CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(why, "3010 characters"));
    /* the cell quoted in the message is cut before a character, never inside one: UTF-8 still,
     * whichever byte the cut falls on */
    for (int at = 0; at < 2; at++) {
        char accented[400] = "x"; /* 100 characters of 2 or 3 bytes */
        for (int i = 0; i < 100; i++) strcat(accented, at ? "\xc3\xa9" : "\xe2\x82\xac");
        ck_assert_int_eq(cci_validate_url(S(accented)), CCI_INVALID);
        ck_assert_msg(cci_utf8_valid(why, strlen(why)), "not UTF-8: %s", why);
        ck_assert_ptr_nonnull(strstr(why, "...\" is not"));
    }
}
END_TEST

static int tag_count(cJSON *tags)
{
    int n = cJSON_GetArraySize(tags);
    cJSON_Delete(tags);
    return n;
}

/* A cell and what it parses into (the status beside it). */
#define P(text) text, strlen(text), &parsed, why, sizeof why

START_TEST(tags_split_or_parse)
{
    cJSON *parsed;
    ck_assert_int_eq(cci_parse_tags(P(" sales, emea ;;vip ")), CCI_OK);
    ck_assert_int_eq(cJSON_GetArraySize(parsed), 3);
    ck_assert_str_eq(cJSON_GetArrayItem(parsed, 0)->valuestring, "sales");
    ck_assert_str_eq(cJSON_GetArrayItem(parsed, 1)->valuestring, "emea");
    ck_assert_str_eq(cJSON_GetArrayItem(parsed, 2)->valuestring, "vip");
    cJSON_Delete(parsed);
    ck_assert_int_eq(cci_parse_tags(P("[\"a,b\",\"c\"]")), CCI_OK);
    ck_assert_str_eq(cJSON_GetArrayItem(parsed, 0)->valuestring, "a,b");
    ck_assert_int_eq(tag_count(parsed), 2);
    ck_assert_int_eq(cci_parse_tags(P("[1,2]")), CCI_INVALID);
    ck_assert_ptr_null(parsed);
    ck_assert_ptr_nonnull(strstr(why, "JSON array of strings"));
    char many[256] = "";
    for (int i = 0; i < 26; i++) strcat(many, "t,");
    ck_assert_int_eq(cci_parse_tags(P(many)), CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(why, "26 tags"));
    char long_tag[128];
    memset(long_tag, 'x', 101);
    long_tag[101] = '\0';
    ck_assert_int_eq(cci_parse_tags(P(long_tag)), CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(why, "101 characters"));
}
END_TEST

START_TEST(metadata_is_an_object_within_the_limit)
{
    cJSON *parsed;
    ck_assert_int_eq(cci_parse_metadata(P("{\"dept\":\"Sales\",\"n\":3}")), CCI_OK);
    ck_assert(cJSON_IsObject(parsed));
    ck_assert_int_eq(cci_validate_metadata_size(parsed, why, sizeof why), CCI_OK);
    cJSON_Delete(parsed);
    ck_assert_int_eq(cci_parse_metadata(P("[1]")), CCI_INVALID);
    ck_assert_int_eq(cci_parse_metadata(P("{broken")), CCI_INVALID);
    ck_assert_ptr_null(parsed);
    ck_assert_ptr_nonnull(strstr(why, "JSON object"));
    cJSON *big = cJSON_CreateObject();
    static char value[6000];
    memset(value, 'v', 5200);
    value[5200] = '\0';
    cJSON_AddStringToObject(big, "k", value);
    ck_assert_int_eq(cci_validate_metadata_size(big, why, sizeof why), CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(why, "5120"));
    cJSON_Delete(big);
}
END_TEST

static Suite *validate_suite(void)
{
    Suite *suite = suite_create("validate");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, uids);
    tcase_add_test(tc, names_count_utf16_units);
    tcase_add_test(tc, text_must_be_utf8_without_nul);
    tcase_add_test(tc, urls_must_be_absolute_http);
    tcase_add_test(tc, tags_split_or_parse);
    tcase_add_test(tc, metadata_is_an_object_within_the_limit);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(validate_suite)
