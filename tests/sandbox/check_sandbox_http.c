/* The sandbox over real HTTP on loopback, driven with libcurl: every status/code pair it
 * implements, both prefixes, both key scopes, rate-limit headers, faults, admin, concurrency. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../check_main.h"
#include "http_client.h"
#include "sandbox.h"

static const char FULL_KEY[] = "test-full-key";
static const char AUTH_KEY[] = "test-auth-key";

static sbx_config config;
static sbx_server *server;
static http_client client;

/* Fills config with two keys and a generous limit; tests adjust it, then call start(). */
static void setup(void)
{
    sbx_config_defaults(&config);
    config.keys = calloc(2, sizeof *config.keys);
    config.keys[0] = (sbx_key){.key = strdup(FULL_KEY)};
    config.keys[1] = (sbx_key){.key = strdup(AUTH_KEY), .auth_only = true};
    config.key_count = 2;
    sbx_config_set_roles(&config, "admin");
    server = NULL;
}

static void start(void)
{
    char err[256];
    server = sbx_server_start(&config, err, sizeof err);
    ck_assert_msg(server != NULL, "%s", err);
    http_client_init(&client, sbx_server_port(server));
}

static void teardown(void)
{
    if (server) {
        http_client_cleanup(&client);
        sbx_server_stop(server);
    }
    sbx_config_cleanup(&config);
}

static http_answer call(const char *method, const char *path, const char *key, const char *body)
{
    return http_call(&client, method, path, key, body, 10000);
}

/* Asserts status and error code of a call, then frees its answer. */
static void expect(const char *method, const char *path, const char *key, const char *body,
                   long status, const char *code)
{
    http_answer a = call(method, path, key, body);
    ck_assert_int_eq(a.result, CURLE_OK);
    ck_assert_msg(a.status == status, "%s %s: status %ld, wanted %ld: %s", method, path, a.status,
                  status, a.body);
    ck_assert_msg(strcmp(http_error_code(&a), code) == 0, "%s %s: code %s, wanted %s", method,
                  path, http_error_code(&a), code);
    http_answer_cleanup(&a);
}

/* The admin counters as JSON (caller deletes). */
static cJSON *counters(void)
{
    http_answer a = call("GET", "/admin/counters", NULL, NULL);
    ck_assert_int_eq(a.status, 200);
    cJSON *json = a.json;
    a.json = NULL;
    http_answer_cleanup(&a);
    return json;
}

static double counter(const cJSON *root, const char *group, const char *name)
{
    const cJSON *item = group ? cJSON_GetObjectItem(cJSON_GetObjectItem(root, group), name)
                              : cJSON_GetObjectItem(root, name);
    return cJSON_IsNumber(item) ? item->valuedouble : 0;
}

/* The user uid as the admin dump holds it, or NULL (caller deletes). */
static cJSON *stored_user(const char *uid)
{
    http_answer a = call("GET", "/admin/users", NULL, NULL);
    cJSON *found = NULL, *user;
    cJSON_ArrayForEach(user, cJSON_GetObjectItem(a.json, "users"))
        if (strcmp(cJSON_GetObjectItem(user, "uid")->valuestring, uid) == 0)
            found = cJSON_Duplicate(user, true);
    http_answer_cleanup(&a);
    return found;
}

START_TEST(create_and_get_under_both_prefixes)
{
    start();
    const char *prefixes[] = {"/v3", "/v3.0"};
    for (int i = 0; i < 2; i++) {
        char path[64], body[256];
        snprintf(path, sizeof path, "%s/users", prefixes[i]);
        snprintf(body, sizeof body,
                 "{\"uid\":\"Ana_%d\",\"name\":\"Ana Lopez\",\"tags\":[\"sales\"],"
                 "\"metadata\":{\"@private\":{\"email\":\"ana@example.com\"}}}", i);
        http_answer a = call("POST", path, FULL_KEY, body);
        ck_assert_int_eq(a.status, 200);
        const cJSON *data = cJSON_GetObjectItem(a.json, "data");
        char uid[16];
        snprintf(uid, sizeof uid, "ana_%d", i);
        ck_assert_str_eq(cJSON_GetObjectItem(data, "uid")->valuestring, uid);
        ck_assert_str_eq(cJSON_GetObjectItem(data, "name")->valuestring, "Ana Lopez");
        ck_assert_str_eq(cJSON_GetObjectItem(data, "status")->valuestring, "offline");
        ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(data, "createdAt")));
        ck_assert_ptr_null(cJSON_GetObjectItem(data, "avatar")); /* absent, not null */
        http_answer_cleanup(&a);

        snprintf(path, sizeof path, "%s/users/ANA_%d", prefixes[i], i);
        a = call("GET", path, FULL_KEY, NULL);
        ck_assert_int_eq(a.status, 200);
        ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(a.json, "data"), "uid")->valuestring, uid);
        http_answer_cleanup(&a);
    }
}
END_TEST

START_TEST(existing_uid_answers_400_uid_already_exists_whatever_the_case)
{
    start();
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"bob\",\"name\":\"Bob\"}", 200, "");
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"BOB\",\"name\":\"Bob 2\"}", 400,
           "ERR_UID_ALREADY_EXISTS");
    cJSON *bob = stored_user("bob");
    ck_assert_str_eq(cJSON_GetObjectItem(bob, "name")->valuestring, "Bob");
    cJSON_Delete(bob);
}
END_TEST

START_TEST(missing_uid_answers_404_uid_not_found)
{
    start();
    expect("PUT", "/v3/users/ghost", FULL_KEY, "{\"name\":\"G\"}", 404, "ERR_UID_NOT_FOUND");
    expect("GET", "/v3.0/users/ghost", FULL_KEY, NULL, 404, "ERR_UID_NOT_FOUND");
    expect("DELETE", "/v3/users/ghost", FULL_KEY, NULL, 404, "ERR_UID_NOT_FOUND");
}
END_TEST

START_TEST(validation_errors_carry_details)
{
    start();
    http_answer a = call("POST", "/v3/users", FULL_KEY, "{\"uid\":\"a b\",\"avatar\":null}");
    ck_assert_int_eq(a.status, 400);
    ck_assert_str_eq(http_error_code(&a), "ERR_BAD_REQUEST");
    const cJSON *error = cJSON_GetObjectItem(a.json, "error");
    ck_assert_str_eq(cJSON_GetObjectItem(error, "source")->valuestring, "chat-api");
    ck_assert(cJSON_IsString(cJSON_GetObjectItem(error, "message")));
    ck_assert(cJSON_IsString(cJSON_GetObjectItem(error, "devMessage")));
    const cJSON *details = cJSON_GetObjectItem(error, "details");
    ck_assert(cJSON_IsArray(cJSON_GetObjectItem(details, "uid")));
    ck_assert(cJSON_IsArray(cJSON_GetObjectItem(details, "name")));
    ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(details, "avatar"), 0)->valuestring,
                     "The avatar must have a value.");
    http_answer_cleanup(&a);
    expect("POST", "/v3/users", FULL_KEY, "{not json", 400, "ERR_BAD_REQUEST");
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"r\",\"name\":\"R\",\"role\":\"ghost\"}", 400,
           "ERR_BAD_REQUEST");
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"r\",\"name\":\"R\",\"role\":\"admin\"}", 200, "");
    cJSON *c = counters();
    ck_assert_int_eq((int)counter(c, NULL, "users"), 1);
    cJSON_Delete(c);
}
END_TEST

START_TEST(unknown_role_can_answer_role_not_found)
{
    config.role_error_not_found = true;
    start();
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"r\",\"name\":\"R\",\"role\":\"ghost\"}", 400,
           "ERR_ROLE_NOT_FOUND");
}
END_TEST

START_TEST(body_past_the_size_limit_is_refused)
{
    config.max_body = 64;
    start();
    expect("POST", "/v3/users", FULL_KEY,
           "{\"uid\":\"big\",\"name\":\"0123456789012345678901234567890123456789012345678901234567890123\"}",
           413, "ERR_PAYLOAD_TOO_LARGE");
}
END_TEST

START_TEST(missing_and_unknown_keys_are_refused_without_echo)
{
    start();
    expect("POST", "/v3/users", NULL, "{\"uid\":\"a\",\"name\":\"A\"}", 401, "AUTH_ERR_EMPTY_APIKEY");
    http_answer a = call("POST", "/v3/users", "wrong-key-0123456789", "{\"uid\":\"a\",\"name\":\"A\"}");
    ck_assert_int_eq(a.status, 401);
    ck_assert_str_eq(http_error_code(&a), "AUTH_ERR_APIKEY_NOT_FOUND");
    ck_assert_ptr_null(strstr(a.body, "wrong-key"));
    http_answer_cleanup(&a);
    cJSON *c = counters();
    ck_assert_int_eq((int)counter(c, NULL, "users"), 0);
    cJSON_Delete(c);
}
END_TEST

START_TEST(key_error_status_is_configurable)
{
    config.auth_error_status = 404;
    start();
    expect("GET", "/v3/users", "nope", NULL, 404, "AUTH_ERR_APIKEY_NOT_FOUND");
}
END_TEST

START_TEST(auth_only_key_may_create_and_nothing_else)
{
    start();
    expect("POST", "/v3/users", AUTH_KEY, "{\"uid\":\"a\",\"name\":\"A\"}", 200, "");
    expect("PUT", "/v3/users/a", AUTH_KEY, "{\"name\":\"B\"}", 403, "AUTH_ERR_NO_ACCESS");
    expect("GET", "/v3/users/a", AUTH_KEY, NULL, 403, "AUTH_ERR_NO_ACCESS");
    expect("DELETE", "/v3/users/a", AUTH_KEY, NULL, 403, "AUTH_ERR_NO_ACCESS");
    expect("PUT", "/v3/users/a", FULL_KEY, "{\"name\":\"B\"}", 200, "");
}
END_TEST

START_TEST(another_app_id_is_refused)
{
    config.app_id = "app-one";
    start();
    /* http_call sends no appid header: accepted */
    expect("GET", "/v3/users", FULL_KEY, NULL, 200, "");
    CURL *curl = client.curl;
    struct curl_slist *list = curl_slist_append(NULL, "appid: app-two");
    char key[64], url[128];
    snprintf(key, sizeof key, "apikey: %s", FULL_KEY);
    list = curl_slist_append(list, key);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/v3/users", sbx_server_port(server));
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fwrite);
    FILE *sink = fopen("/dev/null", "w");
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
    ck_assert_int_eq(curl_easy_perform(curl), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    ck_assert_int_eq(status, 401);
    fclose(sink);
    curl_slist_free_all(list);
    cJSON *c = counters();
    ck_assert_int_eq((int)counter(c, "codes", "AUTH_ERR_INVALID_APPID"), 1);
    cJSON_Delete(c);
}
END_TEST

START_TEST(plan_errors_refuse_everything)
{
    config.plan_error = "ERR_PLAN_QUOTA_RESTRICTION";
    start();
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"a\",\"name\":\"A\"}", 403,
           "ERR_PLAN_QUOTA_RESTRICTION");
}
END_TEST

START_TEST(unknown_routes_and_methods)
{
    start();
    expect("GET", "/v3/groups", FULL_KEY, NULL, 404, "ERR_NOT_FOUND");
    expect("PATCH", "/v3/users/a", FULL_KEY, "{}", 405, "ERR_METHOD_NOT_ALLOWED");
    expect("GET", "/v2/users", FULL_KEY, NULL, 404, "ERR_NOT_FOUND");
}
END_TEST

START_TEST(update_replaces_given_fields_and_unsets)
{
    start();
    expect("POST", "/v3/users", FULL_KEY,
           "{\"uid\":\"u\",\"name\":\"U\",\"avatar\":\"https://a\",\"link\":\"https://l\","
           "\"tags\":[\"a\",\"b\"],\"metadata\":{\"x\":1}}", 200, "");
    http_answer a = call("PUT", "/v3/users/U", FULL_KEY,
                         "{\"tags\":[\"c\"],\"statusMessage\":\"away\",\"unset\":[\"avatar\",\"metadata\"]}");
    ck_assert_int_eq(a.status, 200);
    const cJSON *data = cJSON_GetObjectItem(a.json, "data");
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(data, "updatedAt")));
    http_answer_cleanup(&a);
    cJSON *user = stored_user("u");
    ck_assert_str_eq(cJSON_GetObjectItem(user, "name")->valuestring, "U");
    ck_assert_str_eq(cJSON_GetObjectItem(user, "link")->valuestring, "https://l");
    ck_assert_str_eq(cJSON_GetObjectItem(user, "statusMessage")->valuestring, "away");
    ck_assert_ptr_null(cJSON_GetObjectItem(user, "avatar"));
    ck_assert_ptr_null(cJSON_GetObjectItem(user, "metadata"));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(user, "tags")), 1);
    cJSON_Delete(user);
}
END_TEST

START_TEST(deactivated_users_keep_their_uid)
{
    start();
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"d\",\"name\":\"D\"}", 200, "");
    expect("DELETE", "/v3/users/d", FULL_KEY, NULL, 200, "");
    expect("GET", "/v3/users/d", FULL_KEY, NULL, 404, "ERR_UID_NOT_FOUND");
    expect("PUT", "/v3/users/d", FULL_KEY, "{\"name\":\"E\"}", 404, "ERR_UID_NOT_FOUND");
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"d\",\"name\":\"D\"}", 400, "ERR_UID_ALREADY_EXISTS");
    expect("DELETE", "/v3/users/d", FULL_KEY, "{\"permanent\":true}", 200, "");
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"d\",\"name\":\"D\"}", 200, "");
}
END_TEST

START_TEST(list_paginates)
{
    start();
    for (int i = 0; i < 5; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"uid\":\"u%d\",\"name\":\"U\",\"tags\":[\"t\"]}", i);
        expect("POST", "/v3/users", FULL_KEY, body, 200, "");
    }
    http_answer a = call("GET", "/v3/users?perPage=2&page=3&withTags=true", FULL_KEY, NULL);
    ck_assert_int_eq(a.status, 200);
    const cJSON *data = cJSON_GetObjectItem(a.json, "data");
    ck_assert_int_eq(cJSON_GetArraySize(data), 1);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(data, 0), "uid")->valuestring, "u4");
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(cJSON_GetArrayItem(data, 0), "tags"));
    const cJSON *pagination = cJSON_GetObjectItem(cJSON_GetObjectItem(a.json, "meta"), "pagination");
    ck_assert_int_eq(cJSON_GetObjectItem(pagination, "total")->valueint, 5);
    ck_assert_int_eq(cJSON_GetObjectItem(pagination, "current_page")->valueint, 3);
    http_answer_cleanup(&a);
}
END_TEST

START_TEST(bulk_deactivate_and_reactivate_answer_the_uids_changed)
{
    start();
    for (int i = 0; i < 3; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"uid\":\"b%d\",\"name\":\"B\"}", i);
        expect("POST", "/v3/users", FULL_KEY, body, 200, "");
    }
    http_answer a = call("DELETE", "/v3/users", FULL_KEY, "{\"uidsToDeactivate\":[\"B0\",\"b1\",\"nobody\"]}");
    ck_assert_int_eq(a.status, 200);
    char *done = cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetObjectItem(a.json, "data"), "deactivatedUids"));
    ck_assert_str_eq(done, "[\"b0\",\"b1\"]");
    free(done);
    http_answer_cleanup(&a);
    expect("PUT", "/v3/users/b0", FULL_KEY, "{\"name\":\"E\"}", 404, "ERR_UID_NOT_FOUND");
    a = call("GET", "/v3/users?onlyDeactivated=true", FULL_KEY, NULL);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a.json, "data")), 2);
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(a.json, "data"), 0), "deactivatedAt")));
    http_answer_cleanup(&a);
    a = call("GET", "/v3/users?withDeactivated=true", FULL_KEY, NULL);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a.json, "data")), 3);
    http_answer_cleanup(&a);
    a = call("PUT", "/v3/users", FULL_KEY, "{\"uidsToActivate\":[\"b1\",\"b2\"]}");
    ck_assert_int_eq(a.status, 200);
    done = cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetObjectItem(a.json, "data"), "nonDeactivatedUids"));
    ck_assert_str_eq(done, "[\"b1\"]"); /* b2 was active */
    free(done);
    http_answer_cleanup(&a);
    expect("PUT", "/v3/users/b1", FULL_KEY, "{\"name\":\"E\"}", 200, "");
    expect("DELETE", "/v3/users", FULL_KEY, "{\"uidsToDeactivate\":[]}", 400, "ERR_BAD_REQUEST");
    expect("PUT", "/v3/users", FULL_KEY, "{}", 400, "ERR_BAD_REQUEST");
    expect("DELETE", "/v3/users", AUTH_KEY, "{\"uidsToDeactivate\":[\"b2\"]}", 403, "AUTH_ERR_NO_ACCESS");
    cJSON *counts = counters();
    ck_assert_int_eq((int)counter(counts, "requests", "deactivate_many"), 3);
    ck_assert_int_eq((int)counter(counts, "requests", "reactivate_many"), 2);
    cJSON_Delete(counts);
}
END_TEST

/* The per-uid result of a Data Import answer (object or array "data"). */
static const cJSON *import_result(const http_answer *a, const char *uid)
{
    const cJSON *data = cJSON_GetObjectItem(a->json, "data"), *entry;
    if (cJSON_IsObject(data)) return cJSON_GetObjectItem(data, uid);
    cJSON_ArrayForEach(entry, data)
        if (strcmp(cJSON_GetObjectItem(entry, "uid")->valuestring, uid) == 0) return entry;
    return NULL;
}

START_TEST(data_import_creates_each_user_and_answers_per_uid)
{
    config.data_import_limit = 2;
    config.window_ms = 60000;
    start();
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"taken\",\"name\":\"T\"}", 200, "");
    const char *body = "{\"users\":{\"a1\":{\"uid\":\"a1\",\"name\":\"A\",\"createdAt\":\"1614834367\",\"lastActiveAt\":1641092645},"
                       "\"taken\":{\"uid\":\"taken\",\"name\":\"T\"},\"b2\":{\"uid\":\"b2\"},"
                       "\"c3\":{\"uid\":\"c3\",\"name\":\"C\",\"createdAt\":\"4102444800\"}}}";
    http_answer a = call("POST", "/v3/data_import/users", FULL_KEY, body);
    ck_assert_int_eq(a.status, 200);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(import_result(&a, "a1"), "success")));
    const cJSON *taken = cJSON_GetObjectItem(import_result(&a, "taken"), "error");
    ck_assert_str_eq(cJSON_GetObjectItem(taken, "code")->valuestring, "ERR_UID_ALREADY_EXISTS");
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(import_result(&a, "b2"), "success"))); /* no name */
    const cJSON *future = cJSON_GetObjectItem(import_result(&a, "c3"), "error");
    ck_assert(cJSON_GetObjectItem(cJSON_GetObjectItem(future, "details"), "createdAt") != NULL);
    http_answer_cleanup(&a);
    a = call("GET", "/v3/users/a1", FULL_KEY, NULL);
    const cJSON *user = cJSON_GetObjectItem(a.json, "data");
    ck_assert_int_eq((long long)cJSON_GetObjectItem(user, "createdAt")->valuedouble, 1614834367);
    ck_assert_int_eq((long long)cJSON_GetObjectItem(user, "lastActiveAt")->valuedouble, 1641092645);
    http_answer_cleanup(&a);
    /* an auth-only key may not import; the budget is the endpoint's own */
    expect("POST", "/v3/data_import/users", AUTH_KEY, body, 403, "AUTH_ERR_NO_ACCESS");
    expect("POST", "/v3/data_import/users", FULL_KEY, "{\"users\":[{\"uid\":\"d4\",\"name\":\"D\"}]}", 200, "");
    expect("POST", "/v3/data_import/users", FULL_KEY, "{\"users\":[{\"uid\":\"e5\",\"name\":\"E\"}]}", 429,
           "ERR_TOO_MANY_REQUESTS");
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"f6\",\"name\":\"F\"}", 200, ""); /* core is untouched */
    cJSON *c = counters();
    ck_assert_int_eq((int)counter(c, "requests", "data_import"), 4);
    ck_assert_int_eq((int)counter(c, NULL, "users"), 4); /* taken, a1, d4, f6 */
    cJSON_Delete(c);
}
END_TEST

START_TEST(data_import_shapes_follow_the_switches)
{
    config.import_body = SBX_IMPORT_BODY_OBJECT;
    config.import_answer_array = true;
    start();
    expect("POST", "/v3/data_import/users", FULL_KEY, "{\"users\":[{\"uid\":\"a\",\"name\":\"A\"}]}", 400,
           "ERR_IMPORT_INVALID_USER_FORMAT");
    http_answer a = call("POST", "/v3/data_import/users", FULL_KEY, "{\"users\":{\"b\":{\"name\":\"B\"}}}");
    ck_assert_int_eq(a.status, 200);
    ck_assert(cJSON_IsArray(cJSON_GetObjectItem(a.json, "data")));
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(import_result(&a, "b"), "success"))); /* the key names the uid */
    http_answer_cleanup(&a);
    char many[4096] = "{\"users\":[";
    for (int i = 0; i < 51; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s{\"uid\":\"m%d\",\"name\":\"M\"}", i ? "," : "", i);
    strcat(many, "]}");
    teardown(); /* the config is read-only while the server runs */
    setup();
    start();
    expect("POST", "/v3/data_import/users", FULL_KEY, many, 400, "ERR_BAD_REQUEST");
    teardown();
    setup();
    config.import_missing = true;
    start();
    expect("POST", "/v3/data_import/users", FULL_KEY, "{\"users\":[]}", 404, "ERR_NOT_FOUND");
}
END_TEST

START_TEST(an_error_fault_on_a_batch_writes_half_of_it_first)
{
    config.faults.error_rate = 1.0;
    start();
    expect("POST", "/v3/data_import/users", FULL_KEY,
           "{\"users\":[{\"uid\":\"a\",\"name\":\"A\"},{\"uid\":\"b\",\"name\":\"B\"},{\"uid\":\"c\",\"name\":\"C\"},"
           "{\"uid\":\"d\",\"name\":\"D\"}]}", 500, "ERR_EXCEPTION");
    cJSON *c = counters();
    ck_assert_int_eq((int)counter(c, NULL, "users"), 2);
    cJSON_Delete(c);
}
END_TEST

START_TEST(admin_edits_a_user_without_a_key_or_a_count)
{
    start();
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"e\",\"name\":\"E\",\"avatar\":\"https://a/x.png\"}", 200, "");
    http_answer a = call("PATCH", "/admin/users/E", NULL, "{\"name\":\"Drift\",\"unset\":[\"avatar\"]}");
    ck_assert_int_eq(a.status, 200);
    http_answer_cleanup(&a);
    cJSON *user = stored_user("e");
    ck_assert_str_eq(cJSON_GetObjectItem(user, "name")->valuestring, "Drift");
    ck_assert_ptr_null(cJSON_GetObjectItem(user, "avatar"));
    cJSON_Delete(user);
    expect("PATCH", "/admin/users/nobody", NULL, "{\"name\":\"x\"}", 404, "ERR_UID_NOT_FOUND");
    cJSON *counts = counters();
    ck_assert_int_eq((int)counter(counts, "requests", "total"), 1);
    cJSON_Delete(counts);
}
END_TEST

/* Whether header name is there, and its value as a number (-1 when absent). */
static long long header_value(http_answer *a, const char *name)
{
    char value[64];
    const char *text = http_header(a, name, value, sizeof value);
    return text ? atoll(text) : -1;
}

START_TEST(each_header_profile_sends_what_its_docs_page_shows)
{
    sbx_rate_headers profile = (sbx_rate_headers)_i;
    bool current = profile == SBX_HEADERS_CURRENT, legacy = profile == SBX_HEADERS_LEGACY;
    config.rate_headers = profile;
    config.core_limit = 3;
    config.standard_limit = 100;
    config.window_ms = 60000; /* long enough that the test never crosses a window */
    start();
    /* an error answer carries them too */
    http_answer a = call("POST", "/v3/users", NULL, "{}");
    ck_assert_int_eq(header_value(&a, "x-ratelimit-limit"), current ? 3 : -1);
    ck_assert_int_eq(header_value(&a, "X-Rate-Limit"), legacy ? 3 : -1);
    http_answer_cleanup(&a);
    for (int i = 0; i < 3; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"uid\":\"r%d\",\"name\":\"R\"}", i);
        a = call("POST", "/v3/users", FULL_KEY, body);
        ck_assert_int_eq(a.status, 200);
        ck_assert_int_eq(header_value(&a, "X-Rate-Limit-Remaining"), legacy ? 2 - i : -1);
        ck_assert_int_eq(header_value(&a, "X-RateLimit-Remaining"), current ? 2 - i : -1);
        ck_assert_int_eq(header_value(&a, "X-RateLimit-Reset") > 0, current);
        ck_assert_int_eq(header_value(&a, "X-Rate-Limit-Reset"), -1);
        ck_assert_int_eq(header_value(&a, "Retry-After"), -1);
        http_answer_cleanup(&a);
    }
    a = call("POST", "/v3/users", FULL_KEY, "{\"uid\":\"r9\",\"name\":\"R\"}");
    ck_assert_int_eq(a.status, 429);
    ck_assert_str_eq(http_error_code(&a), "ERR_TOO_MANY_REQUESTS");
    long long retry_after = header_value(&a, "Retry-After");
    if (profile == SBX_HEADERS_NONE) ck_assert_int_eq(retry_after, -1);
    else ck_assert(retry_after >= 1 && retry_after <= 60);
    long long reset = header_value(&a, legacy ? "X-Rate-Limit-Reset" : "X-RateLimit-Reset");
    if (current || legacy) ck_assert(reset >= (long long)time(NULL) && reset <= (long long)time(NULL) + 61);
    else ck_assert_int_eq(reset, -1);
    http_answer_cleanup(&a);
    /* not processed */
    cJSON *user = stored_user("r9");
    ck_assert_ptr_null(user);
    /* the standard budget is separate */
    expect("PUT", "/v3/users/r0", FULL_KEY, "{\"name\":\"S\"}", 200, "");
    cJSON *c = counters();
    ck_assert_int_eq((int)counter(c, NULL, "rate_limited"), 1);
    ck_assert_int_eq((int)counter(c, "statuses", "429"), 1);
    cJSON_Delete(c);
}
END_TEST

START_TEST(hostile_modes_answer_what_no_service_should)
{
    sbx_hostile mode = (sbx_hostile)_i;
    config.hostile = mode;
    config.core_limit = 1;
    config.html_429 = mode == SBX_HOSTILE_ALWAYS_429;
    start();
    http_answer first = call("POST", "/v3/users", FULL_KEY, "{\"uid\":\"h0\",\"name\":\"H\"}");
    http_answer second = call("POST", "/v3/users", FULL_KEY, "{\"uid\":\"h1\",\"name\":\"H\"}");
    char value[64];
    switch (mode) {
    case SBX_HOSTILE_HUGE_RETRY_AFTER:
        ck_assert_int_eq(second.status, 429);
        ck_assert_int_eq(header_value(&second, "Retry-After"), 99999999);
        ck_assert_int_eq(header_value(&second, "X-RateLimit-Reset"), -1);
        break;
    case SBX_HOSTILE_FAR_RESET:
        ck_assert_int_gt(header_value(&first, "X-RateLimit-Reset"), (long long)time(NULL) + 3LL * 360 * 86400);
        ck_assert_int_eq(header_value(&second, "Retry-After"), -1);
        break;
    case SBX_HOSTILE_OVERFLOW_RESET:
        ck_assert_str_eq(http_header(&second, "X-RateLimit-Reset", value, sizeof value), "9223372036854775807");
        break;
    case SBX_HOSTILE_ALWAYS_429:
        ck_assert_int_eq(first.status, 429);
        ck_assert_ptr_nonnull(strstr(first.body, "<html>"));
        ck_assert_ptr_null(stored_user("h0"));
        break;
    case SBX_HOSTILE_HTML_200:
        ck_assert_int_eq(first.status, 200);
        ck_assert_ptr_nonnull(strstr(first.body, "<html>"));
        ck_assert_ptr_null(stored_user("h0")); /* nothing applied */
        break;
    case SBX_HOSTILE_ENDLESS_LISTING: {
        ck_assert_int_eq(first.status, 200); /* only the listing is hostile */
        for (unsigned page = 1; page <= 7; page += 6) {
            char path[64];
            snprintf(path, sizeof path, "/v3/users?perPage=1000&page=%u", page);
            http_answer listed = call("GET", path, FULL_KEY, NULL);
            ck_assert_int_eq(listed.status, 200);
            const cJSON *data = cJSON_GetObjectItem(listed.json, "data");
            ck_assert_int_eq(cJSON_GetArraySize(data), 1000);
            snprintf(path, sizeof path, "endless_%u_999", page); /* fresh uids, none of them stored */
            ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(data, 999), "uid")->valuestring, path);
            const cJSON *pagination = cJSON_GetObjectItem(cJSON_GetObjectItem(listed.json, "meta"), "pagination");
            ck_assert_int_eq(cJSON_GetObjectItem(pagination, "total_pages")->valueint, (int)page + 2);
            ck_assert_int_eq(cJSON_GetObjectItem(pagination, "total")->valueint, ((int)page + 2) * 1000);
            http_answer_cleanup(&listed);
        }
        break;
    }
    case SBX_HOSTILE_ECHO_KEY:
        ck_assert_int_eq(first.status, 400);
        snprintf(value, sizeof value, "The key %s may not", FULL_KEY);
        ck_assert_ptr_nonnull(strstr(first.body, value));
        snprintf(value, sizeof value, "\"code\":\"\\u%04x%s\"", FULL_KEY[0], FULL_KEY + 1);
        ck_assert_msg(strstr(first.body, value), "%s", first.body);
        ck_assert_str_eq(http_error_code(&first), FULL_KEY); /* escaped in the body, the key once read */
        ck_assert_ptr_null(stored_user("h0"));
        break;
    default:
        ck_abort_msg("no such mode");
    }
    http_answer_cleanup(&first);
    http_answer_cleanup(&second);
}
END_TEST

START_TEST(error_fault_answers_500_and_applies_nothing)
{
    config.faults.error_rate = 1;
    start();
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"f\",\"name\":\"F\"}", 500, "ERR_EXCEPTION");
    ck_assert_ptr_null(stored_user("f"));
}
END_TEST

START_TEST(drop_before_closes_the_connection_and_applies_nothing)
{
    config.faults.drop_before_rate = 1;
    start();
    http_answer a = call("POST", "/v3/users", FULL_KEY, "{\"uid\":\"f\",\"name\":\"F\"}");
    ck_assert_int_eq(a.result, CURLE_GOT_NOTHING);
    http_answer_cleanup(&a);
    ck_assert_ptr_null(stored_user("f"));
    cJSON *c = counters();
    ck_assert_int_eq((int)counter(c, "faults", "drop_before"), 1);
    cJSON_Delete(c);
}
END_TEST

START_TEST(drop_after_closes_the_connection_but_applies)
{
    config.faults.drop_after_rate = 1;
    start();
    http_answer a = call("POST", "/v3/users", FULL_KEY, "{\"uid\":\"f\",\"name\":\"F\"}");
    ck_assert_int_eq(a.result, CURLE_GOT_NOTHING);
    http_answer_cleanup(&a);
    cJSON *user = stored_user("f");
    ck_assert_ptr_nonnull(user);
    cJSON_Delete(user);
}
END_TEST

START_TEST(slow_answers_time_the_client_out_but_apply)
{
    config.faults.slow_rate = 1;
    config.faults.slow_ms = 1500;
    start();
    http_answer a = http_call(&client, "POST", "/v3/users", FULL_KEY, "{\"uid\":\"f\",\"name\":\"F\"}", 200);
    ck_assert_int_eq(a.result, CURLE_OPERATION_TIMEDOUT);
    http_answer_cleanup(&a);
    cJSON *user = stored_user("f");
    ck_assert_ptr_nonnull(user);
    cJSON_Delete(user);
}
END_TEST

START_TEST(latency_is_added)
{
    config.faults.latency_ms = 120;
    start();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect("GET", "/v3/users", FULL_KEY, NULL, 200, "");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double elapsed_ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    ck_assert_msg(elapsed_ms >= 120, "answered after %.1f ms", elapsed_ms);
}
END_TEST

/* Sends 300 creates and returns which ones failed, as a string of '0'/'1'. */
static void fault_pattern(char *pattern)
{
    for (int i = 0; i < 300; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"uid\":\"p%d\",\"name\":\"P\"}", i);
        http_answer a = call("POST", "/v3/users", FULL_KEY, body);
        pattern[i] = a.status == 500 ? '1' : '0';
        http_answer_cleanup(&a);
    }
    pattern[300] = '\0';
}

START_TEST(faults_repeat_with_the_same_seed)
{
    config.faults.error_rate = 0.3;
    config.faults.seed = 7;
    start();
    char first[301], second[301];
    fault_pattern(first);
    http_answer a = call("POST", "/admin/reset", NULL, NULL);
    ck_assert_int_eq(a.status, 200);
    http_answer_cleanup(&a);
    fault_pattern(second);
    ck_assert_str_eq(first, second);
    int failures = 0;
    for (int i = 0; i < 300; i++) failures += first[i] == '1';
    ck_assert(failures > 50 && failures < 130); /* about 30% */
}
END_TEST

START_TEST(admin_counts_dumps_loads_and_resets)
{
    start();
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"a\",\"name\":\"A\"}", 200, "");
    expect("POST", "/v3/users", FULL_KEY, "{\"uid\":\"a\",\"name\":\"A\"}", 400, "ERR_UID_ALREADY_EXISTS");
    expect("PUT", "/v3/users/a", FULL_KEY, "{\"name\":\"B\"}", 200, "");
    expect("GET", "/v3/users/a", FULL_KEY, NULL, 200, "");
    cJSON *c = counters();
    ck_assert_int_eq((int)counter(c, "requests", "create"), 2);
    ck_assert_int_eq((int)counter(c, "requests", "update"), 1);
    ck_assert_int_eq((int)counter(c, "requests", "get"), 1);
    ck_assert_int_eq((int)counter(c, "requests", "total"), 4);
    ck_assert_int_eq((int)counter(c, "statuses", "200"), 3);
    ck_assert_int_eq((int)counter(c, "statuses", "400"), 1);
    ck_assert_int_eq((int)counter(c, "codes", "ERR_UID_ALREADY_EXISTS"), 1);
    ck_assert_int_eq((int)counter(c, "uids", "a"), 4);
    ck_assert_int_eq((int)counter(c, NULL, "connections_opened"), 1); /* keep-alive */
    ck_assert_int_eq((int)counter(c, NULL, "max_in_flight"), 1);
    cJSON_Delete(c);

    http_answer a = call("POST", "/admin/users", NULL,
                         "{\"users\":[{\"uid\":\"Loaded\",\"name\":\"L\",\"tags\":[\"x\"]},"
                         "{\"uid\":\"gone\",\"name\":\"G\",\"deactivated\":true}]}");
    ck_assert_int_eq(a.status, 200);
    http_answer_cleanup(&a);
    expect("GET", "/v3/users/loaded", FULL_KEY, NULL, 200, "");
    expect("GET", "/v3/users/gone", FULL_KEY, NULL, 404, "ERR_UID_NOT_FOUND");
    a = call("POST", "/admin/users", NULL, "{\"users\":[{\"uid\":\"bad uid\",\"name\":\"L\"}]}");
    ck_assert_int_eq(a.status, 400);
    http_answer_cleanup(&a);

    a = call("POST", "/admin/reset?keep=users", NULL, NULL);
    http_answer_cleanup(&a);
    c = counters();
    ck_assert_int_eq((int)counter(c, "requests", "total"), 0);
    ck_assert_int_eq((int)counter(c, NULL, "users"), 3);
    cJSON_Delete(c);
    a = call("POST", "/admin/reset", NULL, NULL);
    http_answer_cleanup(&a);
    c = counters();
    ck_assert_int_eq((int)counter(c, NULL, "users"), 0);
    cJSON_Delete(c);
}
END_TEST

/* ---- concurrency ---- */

enum { THREADS = 8, OWN_CREATES = 5000, SHARED_UIDS = 500 };

typedef struct worker_args {
    unsigned port;
    int index;
    int ok, exists, other;
} worker_args;

static void *create_many(void *arg)
{
    worker_args *w = arg;
    http_client own;
    http_client_init(&own, w->port);
    for (int i = 0; i < OWN_CREATES + SHARED_UIDS; i++) {
        char body[96];
        if (i < OWN_CREATES)
            snprintf(body, sizeof body, "{\"uid\":\"t%d-u%d\",\"name\":\"T\"}", w->index, i);
        else /* every thread creates these: exactly one wins each */
            snprintf(body, sizeof body, "{\"uid\":\"shared-%d\",\"name\":\"S\"}", i - OWN_CREATES);
        http_answer a = http_call(&own, "POST", "/v3/users", FULL_KEY, body, 30000);
        if (a.status == 200) w->ok++;
        else if (strcmp(http_error_code(&a), "ERR_UID_ALREADY_EXISTS") == 0) w->exists++;
        else w->other++;
        http_answer_cleanup(&a);
    }
    http_client_cleanup(&own);
    return NULL;
}

START_TEST(concurrent_creates_leave_exactly_the_expected_users)
{
    config.core_limit = 1000000;
    start();
    pthread_t threads[THREADS];
    worker_args args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t] = (worker_args){.port = sbx_server_port(server), .index = t};
        pthread_create(&threads[t], NULL, create_many, &args[t]);
    }
    int ok = 0, exists = 0, other = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        ok += args[t].ok, exists += args[t].exists, other += args[t].other;
    }
    ck_assert_int_eq(other, 0);
    ck_assert_int_eq(ok, THREADS * OWN_CREATES + SHARED_UIDS);
    ck_assert_int_eq(exists, (THREADS - 1) * SHARED_UIDS);
    /* every answer is read; the server ends each request just after sending it */
    ck_assert(sbx_server_wait_idle(server, 30000));
    cJSON *c = counters();
    ck_assert_int_eq((int)counter(c, NULL, "users"), THREADS * OWN_CREATES + SHARED_UIDS);
    ck_assert_int_eq((int)counter(c, "requests", "create"), THREADS * (OWN_CREATES + SHARED_UIDS));
    ck_assert_int_eq((int)counter(c, "statuses", "200"), ok);
    ck_assert_int_eq((int)counter(c, "codes", "ERR_UID_ALREADY_EXISTS"), exists);
    ck_assert_int_eq((int)counter(c, "uids", "shared-0"), THREADS);
    /* one keep-alive connection per thread, plus this test's own for the admin call */
    ck_assert_int_eq((int)counter(c, NULL, "connections_opened"), THREADS + 1);
    ck_assert_int_le((int)counter(c, NULL, "max_in_flight"), THREADS);
    ck_assert_int_ge((int)counter(c, NULL, "max_in_flight"), 1);
    ck_assert_int_eq((int)counter(c, NULL, "in_flight"), 0); /* admin requests are not counted */
    cJSON_Delete(c);
}
END_TEST

static Suite *http_suite(void)
{
    Suite *suite = suite_create("sandbox_http");
    TCase *api = tcase_create("api");
    tcase_add_checked_fixture(api, setup, teardown);
    tcase_set_timeout(api, 60);
    tcase_add_test(api, bulk_deactivate_and_reactivate_answer_the_uids_changed);
    tcase_add_test(api, admin_edits_a_user_without_a_key_or_a_count);
    tcase_add_test(api, data_import_creates_each_user_and_answers_per_uid);
    tcase_add_test(api, data_import_shapes_follow_the_switches);
    tcase_add_test(api, an_error_fault_on_a_batch_writes_half_of_it_first);
    tcase_add_test(api, create_and_get_under_both_prefixes);
    tcase_add_test(api, existing_uid_answers_400_uid_already_exists_whatever_the_case);
    tcase_add_test(api, missing_uid_answers_404_uid_not_found);
    tcase_add_test(api, validation_errors_carry_details);
    tcase_add_test(api, unknown_role_can_answer_role_not_found);
    tcase_add_test(api, body_past_the_size_limit_is_refused);
    tcase_add_test(api, missing_and_unknown_keys_are_refused_without_echo);
    tcase_add_test(api, key_error_status_is_configurable);
    tcase_add_test(api, auth_only_key_may_create_and_nothing_else);
    tcase_add_test(api, another_app_id_is_refused);
    tcase_add_test(api, plan_errors_refuse_everything);
    tcase_add_test(api, unknown_routes_and_methods);
    tcase_add_test(api, update_replaces_given_fields_and_unsets);
    tcase_add_test(api, deactivated_users_keep_their_uid);
    tcase_add_test(api, list_paginates);
    tcase_add_test(api, admin_counts_dumps_loads_and_resets);
    suite_add_tcase(suite, api);

    TCase *limits = tcase_create("limits_and_faults");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 60);
    tcase_add_loop_test(limits, each_header_profile_sends_what_its_docs_page_shows, 0, SBX_HEADERS_COUNT);
    tcase_add_loop_test(limits, hostile_modes_answer_what_no_service_should, 1, SBX_HOSTILE_COUNT);
    tcase_add_test(limits, error_fault_answers_500_and_applies_nothing);
    tcase_add_test(limits, drop_before_closes_the_connection_and_applies_nothing);
    tcase_add_test(limits, drop_after_closes_the_connection_but_applies);
    tcase_add_test(limits, slow_answers_time_the_client_out_but_apply);
    tcase_add_test(limits, latency_is_added);
    tcase_add_test(limits, faults_repeat_with_the_same_seed);
    suite_add_tcase(suite, limits);

    TCase *concurrency = tcase_create("concurrency");
    tcase_add_checked_fixture(concurrency, setup, teardown);
    tcase_set_timeout(concurrency, 280);
    tcase_add_test(concurrency, concurrent_creates_leave_exactly_the_expected_users);
    suite_add_tcase(suite, concurrency);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(http_suite)
