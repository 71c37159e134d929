#include <check.h>
#include <stdio.h>
#include <string.h>

#include "../check_main.h"
#include "sbx_rules.h"

static sbx_config config;

static void setup(void)
{
    sbx_config_defaults(&config);
    sbx_config_set_roles(&config, "admin,moderator");
}

static void teardown(void)
{
    sbx_config_cleanup(&config);
}

/* Checks body; returns the verdict (cleaned by the caller). */
static sbx_verdict create(const char *json)
{
    cJSON *body = cJSON_Parse(json);
    sbx_verdict v = sbx_rules_check_create(body, &config);
    cJSON_Delete(body);
    return v;
}

static sbx_verdict update(const char *json)
{
    cJSON *body = cJSON_Parse(json);
    sbx_verdict v = sbx_rules_check_update(body, &config);
    cJSON_Delete(body);
    return v;
}

/* The first message about field, or "" when there is none. */
static const char *detail(const sbx_verdict *v, const char *field)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(v->details, field);
    const cJSON *first = cJSON_GetArrayItem(list, 0);
    return cJSON_IsString(first) ? first->valuestring : "";
}

START_TEST(a_full_valid_user_passes)
{
    sbx_verdict v = create("{\"uid\":\"Ana_1\",\"name\":\"Ana\",\"avatar\":\"https://x/a.png\","
                           "\"link\":\"https://x\",\"role\":\"admin\",\"statusMessage\":\"hi\","
                           "\"metadata\":{\"@private\":{\"email\":\"a@x\"}},\"tags\":[\"a\",\"b\"],"
                           "\"withAuthToken\":false}");
    ck_assert(v.ok);
    ck_assert_ptr_null(v.details);
}
END_TEST

START_TEST(uid_and_name_are_required_on_create)
{
    sbx_verdict v = create("{}");
    ck_assert(!v.ok);
    ck_assert_int_eq(v.status, 400);
    ck_assert_str_eq(v.code, "ERR_BAD_REQUEST");
    ck_assert_str_eq(detail(&v, "uid"), "The uid field is required.");
    ck_assert_str_eq(detail(&v, "name"), "The name field is required.");
    sbx_verdict_cleanup(&v);
    v = create("{\"uid\":\"a\",\"name\":\"   \"}");
    ck_assert_str_eq(detail(&v, "name"), "The name field is required.");
    sbx_verdict_cleanup(&v);
}
END_TEST

START_TEST(uid_charset_and_length)
{
    ck_assert(sbx_rules_uid_valid("a-B_9"));
    ck_assert(!sbx_rules_uid_valid("a b"));
    ck_assert(!sbx_rules_uid_valid("ana@x"));
    ck_assert(!sbx_rules_uid_valid("zoë"));
    ck_assert(!sbx_rules_uid_valid(""));
    char uid[102];
    memset(uid, 'u', 101);
    uid[101] = '\0';
    ck_assert(!sbx_rules_uid_valid(uid));
    uid[100] = '\0';
    ck_assert(sbx_rules_uid_valid(uid));

    sbx_verdict v = create("{\"uid\":\"a.b\",\"name\":\"A\"}");
    ck_assert_str_eq(detail(&v, "uid"), "The uid may only contain letters, numbers, dashes and underscores.");
    sbx_verdict_cleanup(&v);
    v = create("{\"uid\":5,\"name\":\"A\"}");
    ck_assert_str_eq(detail(&v, "uid"), "The uid must be a string.");
    sbx_verdict_cleanup(&v);
}
END_TEST

START_TEST(name_length_counts_utf16_units)
{
    char body[1024];
    /* 50 emoji = 100 UTF-16 units: allowed; 51 are 102: refused */
    char emoji[51 * 4 + 1] = "";
    for (int i = 0; i < 50; i++) strcat(emoji, "\xF0\x9F\x98\x80");
    snprintf(body, sizeof body, "{\"uid\":\"a\",\"name\":\"%s\"}", emoji);
    sbx_verdict v = create(body);
    ck_assert(v.ok);
    strcat(emoji, "\xF0\x9F\x98\x80");
    snprintf(body, sizeof body, "{\"uid\":\"a\",\"name\":\"%s\"}", emoji);
    v = create(body);
    ck_assert(!v.ok);
    ck_assert_str_eq(detail(&v, "name"), "The name may not be greater than 100 characters.");
    sbx_verdict_cleanup(&v);
}
END_TEST

START_TEST(null_optional_fields_must_have_a_value)
{
    sbx_verdict v = create("{\"uid\":\"a\",\"name\":\"A\",\"avatar\":null,\"link\":3}");
    ck_assert_str_eq(detail(&v, "avatar"), "The avatar must have a value.");
    ck_assert_str_eq(detail(&v, "link"), "The link must be a string.");
    sbx_verdict_cleanup(&v);
}
END_TEST

START_TEST(url_fields_are_capped_at_3000)
{
    static char body[4000];
    char url[3002];
    memset(url, 'x', 3001);
    url[3001] = '\0';
    snprintf(body, sizeof body, "{\"uid\":\"a\",\"name\":\"A\",\"link\":\"%s\"}", url);
    sbx_verdict v = create(body);
    ck_assert_str_eq(detail(&v, "link"), "The link may not be greater than 3000 characters.");
    sbx_verdict_cleanup(&v);
}
END_TEST

START_TEST(unknown_role_by_default_is_a_validation_error)
{
    sbx_verdict v = create("{\"uid\":\"a\",\"name\":\"A\",\"role\":\"ghost\"}");
    ck_assert_str_eq(v.code, "ERR_BAD_REQUEST");
    ck_assert_str_eq(detail(&v, "role"), "The selected role is invalid.");
    sbx_verdict_cleanup(&v);
    v = create("{\"uid\":\"a\",\"name\":\"A\",\"role\":\"default\"}");
    ck_assert(v.ok);
}
END_TEST

START_TEST(unknown_role_can_answer_role_not_found)
{
    config.role_error_not_found = true;
    sbx_verdict v = create("{\"uid\":\"a\",\"name\":\"A\",\"role\":\"ghost\"}");
    ck_assert(!v.ok);
    ck_assert_str_eq(v.code, "ERR_ROLE_NOT_FOUND");
    ck_assert_ptr_null(v.details);
}
END_TEST

START_TEST(metadata_must_be_an_object_within_the_limit)
{
    sbx_verdict v = create("{\"uid\":\"a\",\"name\":\"A\",\"metadata\":[1]}");
    ck_assert_str_eq(detail(&v, "metadata"), "The metadata must be an object.");
    sbx_verdict_cleanup(&v);
    config.metadata_limit = 10;
    v = create("{\"uid\":\"a\",\"name\":\"A\",\"metadata\":{\"k\":\"0123456789\"}}");
    ck_assert_str_eq(detail(&v, "metadata"), "The metadata may not be greater than 10 bytes.");
    sbx_verdict_cleanup(&v);
}
END_TEST

START_TEST(tags_count_and_length)
{
    char body[4096] = "{\"uid\":\"a\",\"name\":\"A\",\"tags\":[";
    for (int i = 0; i < 26; i++) strcat(body, i ? ",\"t\"" : "\"t\"");
    strcat(body, "]}");
    sbx_verdict v = create(body);
    ck_assert_str_eq(detail(&v, "tags"), "The tags may not have more than 25 items.");
    sbx_verdict_cleanup(&v);
    v = create("{\"uid\":\"a\",\"name\":\"A\",\"tags\":[\"ok\",7]}");
    ck_assert_str_eq(detail(&v, "tags.1"), "The tags.1 must be a string.");
    sbx_verdict_cleanup(&v);
    v = create("{\"uid\":\"a\",\"name\":\"A\",\"tags\":\"a,b\"}");
    ck_assert_str_eq(detail(&v, "tags"), "The tags must be an array.");
    sbx_verdict_cleanup(&v);
}
END_TEST

START_TEST(update_fields_are_optional_and_unset_is_checked)
{
    sbx_verdict v = update("{}");
    ck_assert(v.ok);
    v = update("{\"unset\":[\"avatar\",\"metadata\",\"link\"]}");
    ck_assert(v.ok);
    v = update("{\"unset\":[\"name\"]}");
    ck_assert_str_eq(detail(&v, "unset"), "The selected unset is invalid.");
    sbx_verdict_cleanup(&v);
    v = update("{\"name\":\"\"}");
    ck_assert_str_eq(detail(&v, "name"), "The name field is required.");
    sbx_verdict_cleanup(&v);
}
END_TEST

START_TEST(a_body_that_is_not_an_object_is_refused)
{
    sbx_verdict v = create("[1,2]");
    ck_assert(!v.ok);
    ck_assert_str_eq(v.code, "ERR_BAD_REQUEST");
}
END_TEST

static Suite *rules_suite(void)
{
    Suite *suite = suite_create("sandbox_rules");
    TCase *tc = tcase_create("rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_full_valid_user_passes);
    tcase_add_test(tc, uid_and_name_are_required_on_create);
    tcase_add_test(tc, uid_charset_and_length);
    tcase_add_test(tc, name_length_counts_utf16_units);
    tcase_add_test(tc, null_optional_fields_must_have_a_value);
    tcase_add_test(tc, url_fields_are_capped_at_3000);
    tcase_add_test(tc, unknown_role_by_default_is_a_validation_error);
    tcase_add_test(tc, unknown_role_can_answer_role_not_found);
    tcase_add_test(tc, metadata_must_be_an_object_within_the_limit);
    tcase_add_test(tc, tags_count_and_length);
    tcase_add_test(tc, update_fields_are_optional_and_unset_is_checked);
    tcase_add_test(tc, a_body_that_is_not_an_object_is_refused);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(rules_suite)
