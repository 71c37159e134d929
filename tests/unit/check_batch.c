/* One Data Import request: the body in both shapes, and answers read without trusting them. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "send/batch.h"
#include "check_main.h"

static const cci_batch_user users[] = {
    {.uid = "ana", .create_body = "{\"name\":\"Ana\",\"uid\":\"ana\"}", .created_at = 1614834367},
    {.uid = "bo", .create_body = "{\"name\":\"Bo\",\"tags\":[\"x\"],\"uid\":\"bo\"}", .last_active_at = 1641092645},
    {.uid = "cy", .create_body = "{\"name\":\"Cy\",\"uid\":\"cy\"}"},
};
enum { USERS = 3 };

START_TEST(the_body_keys_users_by_uid_as_the_example_does)
{
    char *body = cci_batch_body(users, USERS, CCI_BATCH_OBJECT);
    ck_assert_ptr_nonnull(body);
    cJSON *root = cJSON_Parse(body);
    const cJSON *all = cJSON_GetObjectItem(root, "users");
    ck_assert(cJSON_IsObject(all));
    ck_assert_int_eq(cJSON_GetArraySize(all), USERS);
    const cJSON *ana = cJSON_GetObjectItem(all, "ana");
    ck_assert_str_eq(cJSON_GetObjectItem(ana, "name")->valuestring, "Ana");
    ck_assert_str_eq(cJSON_GetObjectItem(ana, "createdAt")->valuestring, "1614834367"); /* a string, as shown */
    ck_assert_ptr_null(cJSON_GetObjectItem(ana, "lastActiveAt"));
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(all, "bo"), "lastActiveAt")->valuestring, "1641092645");
    ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(all, "cy"), "createdAt"));
    cJSON_Delete(root);
    free(body);
}
END_TEST

START_TEST(the_array_body_holds_the_same_users_in_order)
{
    char *body = cci_batch_body(users, USERS, CCI_BATCH_ARRAY);
    cJSON *root = cJSON_Parse(body);
    const cJSON *all = cJSON_GetObjectItem(root, "users");
    ck_assert(cJSON_IsArray(all));
    ck_assert_int_eq(cJSON_GetArraySize(all), USERS);
    for (int i = 0; i < USERS; i++)
        ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(all, i), "uid")->valuestring, users[i].uid);
    cJSON_Delete(root);
    free(body);
    const cci_batch_user broken = {.uid = "x", .create_body = "[1]"};
    ck_assert_ptr_null(cci_batch_body(&broken, 1, CCI_BATCH_OBJECT)); /* never half a batch */
}
END_TEST

static void read_answer(const char *body, cci_batch_answer *answers, bool readable)
{
    ck_assert_int_eq(cci_batch_read_answer(body, strlen(body), users, USERS, answers), readable);
}

START_TEST(answers_are_read_per_uid_in_either_shape)
{
    const char *object = "{\"data\":{\"ANA\":{\"success\":true,\"data\":{\"uid\":\"ana\"}},"
                         "\"bo\":{\"success\":false,\"error\":{\"code\":\"ERR_UID_ALREADY_EXISTS\",\"message\":\"taken\"}},"
                         "\"cy\":{\"success\":false,\"error\":{\"code\":\"ERR_BAD_REQUEST\",\"message\":\"bad\","
                         "\"details\":{\"name\":[\"too long\"]}}}}}";
    const char *array = "{\"data\":[{\"uid\":\"cy\",\"success\":false,\"error\":{\"code\":\"ERR_BAD_REQUEST\","
                        "\"message\":\"bad\",\"details\":{\"name\":[\"too long\"]}}},{\"uid\":\"Ana\",\"success\":true},"
                        "{\"uid\":\"bo\",\"success\":false,\"error\":{\"code\":\"ERR_UID_ALREADY_EXISTS\"}}]}";
    const char *bodies[] = {object, array};
    for (int b = 0; b < 2; b++) {
        cci_batch_answer answers[USERS];
        read_answer(bodies[b], answers, true);
        ck_assert_int_eq(answers[0].result, CCI_BATCH_CREATED);
        ck_assert_int_eq(answers[1].result, CCI_BATCH_EXISTS);
        ck_assert_int_eq(answers[2].result, CCI_BATCH_REFUSED);
        ck_assert_str_eq(answers[2].code, "ERR_BAD_REQUEST");
        ck_assert_str_eq(answers[2].message, "bad name: too long");
        ck_assert_str_eq(answers[2].refused_field, "name");
    }
}
END_TEST

START_TEST(an_answer_that_does_not_say_leaves_the_uid_unanswered)
{
    cci_batch_answer answers[USERS];
    /* a success about another uid, a uid left out, and an entry that says neither */
    read_answer("{\"data\":{\"ana\":{\"success\":true,\"data\":{\"uid\":\"zed\"}},\"bo\":{\"success\":\"yes\"}}}",
                answers, true);
    for (int i = 0; i < USERS; i++) ck_assert_int_eq(answers[i].result, CCI_BATCH_UNANSWERED);
    ck_assert_str_eq(answers[0].message, "the answer said success about another uid");
    ck_assert_str_eq(answers[2].message, "the answer did not name this uid");
    /* no per-uid results at all: the shape cannot be read */
    const char *unreadable[] = {"{\"data\":\"done\"}", "{\"success\":true}", "<html>", ""};
    for (size_t u = 0; u < sizeof unreadable / sizeof *unreadable; u++) {
        read_answer(unreadable[u], answers, false);
        for (int i = 0; i < USERS; i++) ck_assert_int_eq(answers[i].result, CCI_BATCH_UNANSWERED);
    }
}
END_TEST

START_TEST(a_user_read_back_is_held_only_when_every_field_sent_is)
{
    const char *same = "{\"data\":{\"uid\":\"bo\",\"name\":\"Bo\",\"tags\":[\"x\"],\"role\":\"default\",\"lastActiveAt\":1641092645}}";
    ck_assert(cci_batch_user_held(&users[1], same, strlen(same)));
    const char *renamed = "{\"data\":{\"uid\":\"bo\",\"name\":\"Other\",\"tags\":[\"x\"],\"lastActiveAt\":1641092645}}";
    ck_assert(!cci_batch_user_held(&users[1], renamed, strlen(renamed)));
    const char *undated = "{\"data\":{\"uid\":\"bo\",\"name\":\"Bo\",\"tags\":[\"x\"]}}";
    ck_assert(!cci_batch_user_held(&users[1], undated, strlen(undated)));
    const char *created_as_string = "{\"data\":{\"uid\":\"ana\",\"name\":\"Ana\",\"createdAt\":\"1614834367\"}}";
    ck_assert(cci_batch_user_held(&users[0], created_as_string, strlen(created_as_string)));
    ck_assert(!cci_batch_user_held(&users[0], "{}", 2));
    /* a number no date is (the fuzzer's): not held, and no undefined conversion on the way */
    const char *huge = "{\"data\":{\"uid\":\"bo\",\"name\":\"Bo\",\"tags\":[\"x\"],\"lastActiveAt\":164e092645}}";
    ck_assert(!cci_batch_user_held(&users[1], huge, strlen(huge)));
}
END_TEST

static Suite *batch_suite(void)
{
    Suite *suite = suite_create("batch");
    TCase *tc = tcase_create("batch");
    tcase_add_test(tc, the_body_keys_users_by_uid_as_the_example_does);
    tcase_add_test(tc, the_array_body_holds_the_same_users_in_order);
    tcase_add_test(tc, answers_are_read_per_uid_in_either_shape);
    tcase_add_test(tc, an_answer_that_does_not_say_leaves_the_uid_unanswered);
    tcase_add_test(tc, a_user_read_back_is_held_only_when_every_field_sent_is);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(batch_suite)
