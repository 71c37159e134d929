/* client.c and send.c against the real sandbox, in-process on loopback. */
#include <check.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "cci/client.h"
#include "cci/send.h"
#include "sandbox.h"
#include "check_main.h"
#include "http_client.h"

static const char KEY[] = "client-test-key-0123456789";
static sbx_config config;
static sbx_server *server;
static cci_client *client;
static char base[128];

/* Starts the sandbox on config and a client of it. */
static void start_server_and_client(void)
{
    char err[256];
    server = sbx_server_start(&config, err, sizeof err);
    ck_assert_msg(server != NULL, "%s", err);
    snprintf(base, sizeof base, "http://127.0.0.1:%u/v3", sbx_server_port(server));
    client = cci_client_new(base, KEY, 5000, err, sizeof err);
    ck_assert_ptr_nonnull(client);
}

static void setup(void)
{
    sbx_config_defaults(&config);
    config.keys = calloc(1, sizeof *config.keys);
    config.keys[0] = (sbx_key){.key = strdup(KEY)};
    config.key_count = 1;
    start_server_and_client();
}

static void teardown(void)
{
    cci_client_free(client);
    sbx_server_stop(server);
    sbx_config_cleanup(&config);
}

/* Sends one row as a worker of a run would, with a fresh shared state. */
static cci_outcome send_as(cci_mode mode, const char *uid, const char *create, const char *update,
                           cci_response *last)
{
    cci_send_shared shared = {.mode = mode, .max_retries = 2};
    shared.limiter = cci_limiter_new((cci_limiter_config){0});
    shared.stop = cci_stop_new();
    cci_retry_budget_init(&shared.retries, 10, 10);
    cci_update_gate_init(&shared.gate);
    cci_strategy_init(&shared.strategy);
    cci_worker worker = {.client = client, .random = 1};
    cci_outcome outcome = {0};
    cci_send_request request = {uid, create, update, "-", false};
    cci_send_row(&shared, &worker, &request, &outcome);
    ck_assert_uint_eq(atomic_load(&shared.requests[CCI_BUDGET_CORE]) +
                          atomic_load(&shared.requests[CCI_BUDGET_STANDARD]),
                      outcome.attempts);
    *last = (cci_response){.status = outcome.http_status};
    snprintf(last->code, sizeof last->code, "%s", outcome.error_code);
    cci_update_gate_cleanup(&shared.gate);
    cci_strategy_cleanup(&shared.strategy);
    cci_stop_free(shared.stop);
    cci_limiter_free(shared.limiter);
    return outcome;
}

static double counter(const char *group, const char *name)
{
    http_client admin;
    http_client_init(&admin, sbx_server_port(server));
    http_answer a = http_call(&admin, "GET", "/admin/counters", NULL, NULL, 5000);
    const cJSON *item = cJSON_GetObjectItem(cJSON_GetObjectItem(a.json, group), name);
    double value = cJSON_IsNumber(item) ? item->valuedouble : -1;
    if (!group) value = cJSON_GetObjectItem(a.json, name)->valuedouble;
    http_answer_cleanup(&a);
    http_client_cleanup(&admin);
    return value;
}

START_TEST(upsert_creates_then_updates)
{
    cci_response last;
    cci_outcome o = send_as(CCI_MODE_UPSERT, "ana", "{\"uid\":\"ana\",\"name\":\"Ana\"}", "{\"name\":\"Ana\"}", &last);
    ck_assert_int_eq(o.action, CCI_ACTION_CREATED);
    ck_assert_int_eq(o.http_status, 200);
    ck_assert_uint_eq(o.attempts, 1);
    o = send_as(CCI_MODE_UPSERT, "ana", "{\"uid\":\"ana\",\"name\":\"Ana B\"}", "{\"name\":\"Ana B\"}", &last);
    ck_assert_int_eq(o.action, CCI_ACTION_UPDATED);
    ck_assert_uint_eq(o.attempts, 2);
    free(o.message);
}
END_TEST

START_TEST(create_mode_leaves_existing_users)
{
    cci_response last;
    send_as(CCI_MODE_CREATE, "bob", "{\"uid\":\"bob\",\"name\":\"Bob\"}", "{}", &last);
    cci_outcome o = send_as(CCI_MODE_CREATE, "bob", "{\"uid\":\"bob\",\"name\":\"Other\"}", "{}", &last);
    ck_assert_int_eq(o.action, CCI_ACTION_EXISTS);
    ck_assert_str_eq(o.error_code, "ERR_UID_ALREADY_EXISTS");
    ck_assert_uint_eq(o.attempts, 1);
    free(o.message);
}
END_TEST

START_TEST(update_mode_never_creates)
{
    cci_response last;
    cci_outcome o = send_as(CCI_MODE_UPDATE, "ghost", "{}", "{\"name\":\"G\"}", &last);
    ck_assert_int_eq(o.action, CCI_ACTION_FAILED);
    ck_assert_int_eq(o.http_status, 404);
    ck_assert_str_eq(o.error_code, "ERR_UID_NOT_FOUND");
    ck_assert_int_eq((int)counter("requests", "create"), 0);
    free(o.message);
}
END_TEST

START_TEST(validation_details_reach_the_message)
{
    cci_response last;
    cci_outcome o = send_as(CCI_MODE_UPSERT, "c", "{\"uid\":\"c\",\"name\":\"C\",\"role\":\"ghost\"}", "{}", &last);
    ck_assert_int_eq(o.action, CCI_ACTION_FAILED);
    ck_assert_str_eq(o.error_code, "ERR_BAD_REQUEST");
    ck_assert_ptr_nonnull(strstr(o.message, "role: The selected role is invalid."));
    free(o.message);
}
END_TEST

/* Restarts the sandbox with other settings, and a client of its new port. */
static void restart(void (*adjust)(sbx_config *))
{
    cci_client_free(client);
    sbx_server_stop(server);
    adjust(&config);
    start_server_and_client();
}

static void legacy_headers_limit_1(sbx_config *c)
{
    c->rate_headers = SBX_HEADERS_LEGACY;
    c->core_limit = 1;
}

START_TEST(rate_limit_headers_are_read_in_both_spellings)
{
    cci_response r;
    cci_client_create(client, "{\"uid\":\"h\",\"name\":\"H\"}", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert(r.documented);
    ck_assert_str_eq(r.data_uid, "h");
    ck_assert_int_eq(r.rate_limit, 10000); /* the current spelling: X-RateLimit-Limit */
    ck_assert_int_eq(r.rate_remaining, 9999);
    ck_assert_int_ge(r.rate_reset, 1700000000);
    ck_assert_int_eq(r.retry_after_s, -1);
    restart(legacy_headers_limit_1); /* the older page's: X-Rate-Limit, and a reset only on 429 */
    cci_client_create(client, "{\"uid\":\"h1\",\"name\":\"H\"}", &r);
    ck_assert_int_eq(r.rate_limit, 1);
    ck_assert_int_eq(r.rate_remaining, 0);
    ck_assert_int_eq(r.rate_reset, -1);
    cci_client_create(client, "{\"uid\":\"h2\",\"name\":\"H\"}", &r);
    ck_assert_int_eq(r.status, 429);
    ck_assert_int_ge(r.rate_reset, 1700000000);
    ck_assert_int_ge(r.retry_after_s, 0);
}
END_TEST

static void html_200(sbx_config *c)
{
    c->hostile = SBX_HOSTILE_HTML_200;
}

static void html_429(sbx_config *c)
{
    c->hostile = SBX_HOSTILE_ALWAYS_429;
    c->html_429 = true;
}

START_TEST(a_2xx_that_is_not_the_documented_json_confirms_nothing)
{
    restart(html_200);
    cci_response r;
    cci_client_create(client, "{\"uid\":\"p\",\"name\":\"P\"}", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert(!r.documented);
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_RETRYABLE);
    /* the message says what came back */
    ck_assert_ptr_nonnull(strstr(r.message, "HTTP 200"));
    ck_assert_ptr_nonnull(strstr(r.message, "text/html"));
    ck_assert_ptr_nonnull(strstr(r.message, "starts with \"<html><head><title>Sign in"));
    /* sent as a row: retried, never counted created */
    cci_response last;
    cci_outcome o = send_as(CCI_MODE_UPSERT, "p", "{\"uid\":\"p\",\"name\":\"P\"}", "{\"name\":\"P\"}", &last);
    ck_assert_int_eq(o.action, CCI_ACTION_FAILED);
    ck_assert_uint_eq(o.attempts, 3); /* the first and --retries 2 */
    ck_assert_ptr_nonnull(strstr(o.message, "text/html"));
    free(o.message);
    ck_assert_int_eq((int)counter(NULL, "users"), 0);
}
END_TEST

START_TEST(an_html_429_is_rate_limited_and_says_what_came)
{
    restart(html_429);
    cci_response r;
    cci_client_create(client, "{\"uid\":\"q\",\"name\":\"Q\"}", &r);
    ck_assert_int_eq(r.status, 429);
    ck_assert_str_eq(r.code, "");
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_RETRYABLE);
    ck_assert_ptr_nonnull(strstr(r.message, "text/html"));
    ck_assert_ptr_nonnull(strstr(r.message, "Too Many Requests"));
}
END_TEST

START_TEST(header_values_that_are_not_whole_numbers_are_absent)
{
    const char *const lines[] = {"X-Rate-Limit: -5\r\n", "X-Rate-Limit-Remaining: 12abc\r\n",
                                 "X-Rate-Limit-Reset: 99999999999999999999999\r\n", "Retry-After: +3\r\n", NULL};
    cci_response r = {.rate_limit = -1, .rate_remaining = -1, .rate_reset = -1, .retry_after_s = -1};
    for (const char *const *line = lines; *line; line++) cci_parse_header(*line, strlen(*line), &r);
    ck_assert_int_eq(r.rate_limit, -1);
    ck_assert_int_eq(r.rate_remaining, -1);
    ck_assert_int_eq(r.rate_reset, -1);
    ck_assert_int_eq(r.retry_after_s, -1);
    const char *big = "X-RateLimit-Reset: 9223372036854775807\r\n";
    cci_parse_header(big, strlen(big), &r);
    ck_assert_int_eq(r.rate_reset, -1); /* 19 digits: more than any time */
    const char *date = "Retry-After: Wed, 21 Oct 2099 07:28:00 GMT\r\n";
    cci_parse_header(date, strlen(date), &r);
    ck_assert_int_gt(r.retry_after_s, 86400LL * 365 * 50); /* an HTTP date, read by libcurl */
    const char *past = "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n";
    cci_parse_header(past, strlen(past), &r);
    ck_assert_int_eq(r.retry_after_s, 0);
}
END_TEST

START_TEST(answers_are_classified_by_code_before_status)
{
    cci_response r = {.transport = CCI_TRANSPORT_OK, .status = 400};
    snprintf(r.code, sizeof r.code, "ERR_UID_ALREADY_EXISTS");
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_EXISTS);
    snprintf(r.code, sizeof r.code, "ERR_BAD_REQUEST");
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_FINAL);
    r.status = 404;
    snprintf(r.code, sizeof r.code, "AUTH_ERR_APIKEY_NOT_FOUND"); /* one mock answers 404 */
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_FATAL);
    r.status = 403;
    snprintf(r.code, sizeof r.code, "ERR_PLAN_QUOTA_RESTRICTION");
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_FATAL);
    snprintf(r.code, sizeof r.code, "AUTH_ERR_NO_ACCESS");
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_FINAL);
    r.status = 429;
    snprintf(r.code, sizeof r.code, "ERR_TOO_MANY_REQUESTS");
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_RETRYABLE);
    r.status = 503;
    r.code[0] = '\0';
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_RETRYABLE);
    r.transport = CCI_TRANSPORT_TIMEOUT;
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_RETRYABLE);
}
END_TEST

START_TEST(a_wrong_key_is_fatal_and_never_echoed)
{
    char err[256];
    cci_client *wrong = cci_client_new(base, "not-the-key-secret", 5000, err, sizeof err);
    cci_response r;
    cci_client_create(wrong, "{\"uid\":\"x\",\"name\":\"X\"}", &r);
    ck_assert_int_eq(r.status, 401);
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_FATAL);
    ck_assert_ptr_null(strstr(r.message, "not-the-key-secret"));
    cci_client_free(wrong);
}
END_TEST

START_TEST(a_closed_port_is_a_dropped_connection)
{
    char err[256];
    cci_client *nowhere = cci_client_new("http://127.0.0.1:1/v3", KEY, 2000, err, sizeof err);
    cci_response r;
    cci_client_create(nowhere, "{}", &r);
    ck_assert_int_eq(r.transport, CCI_TRANSPORT_DROPPED);
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_RETRYABLE);
    ck_assert_ptr_nonnull(strstr(r.message, "network:"));
    cci_client_free(nowhere);
}
END_TEST

START_TEST(one_client_keeps_one_connection)
{
    for (int i = 0; i < 50; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"uid\":\"k%d\",\"name\":\"K\"}", i);
        cci_response r;
        cci_client_create(client, body, &r);
        ck_assert_int_eq(r.status, 200);
    }
    /* the client's one connection, and the admin call's own */
    ck_assert_int_eq((int)counter(NULL, "connections_opened"), 2);
}
END_TEST

START_TEST(the_app_url_follows_the_documented_shape)
{
    char *url = cci_client_base_url(NULL, "12345abc", "eu");
    ck_assert_str_eq(url, "https://12345abc.api-eu.cometchat.io/v3");
    free(url);
}
END_TEST

START_TEST(a_base_url_of_any_length_loses_only_its_trailing_slashes)
{
    char long_url[3000];
    memset(long_url, 'a', sizeof long_url);
    memcpy(long_url, "http://", 7);
    memcpy(long_url + sizeof long_url - 4, "//", 3);
    char *url = cci_client_base_url(long_url, "ignored", "eu");
    ck_assert_uint_eq(strlen(url), sizeof long_url - 4);
    ck_assert_int_eq(strncmp(url, long_url, sizeof long_url - 4), 0);
    free(url);
    url = cci_client_base_url("http://127.0.0.1:80/v3/", NULL, NULL);
    ck_assert_str_eq(url, "http://127.0.0.1:80/v3");
    free(url);
}
END_TEST

static Suite *client_suite(void)
{
    Suite *suite = suite_create("client");
    TCase *tc = tcase_create("against_the_sandbox");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, upsert_creates_then_updates);
    tcase_add_test(tc, create_mode_leaves_existing_users);
    tcase_add_test(tc, update_mode_never_creates);
    tcase_add_test(tc, validation_details_reach_the_message);
    tcase_add_test(tc, rate_limit_headers_are_read_in_both_spellings);
    tcase_add_test(tc, a_2xx_that_is_not_the_documented_json_confirms_nothing);
    tcase_add_test(tc, an_html_429_is_rate_limited_and_says_what_came);
    tcase_add_test(tc, header_values_that_are_not_whole_numbers_are_absent);
    tcase_add_test(tc, answers_are_classified_by_code_before_status);
    tcase_add_test(tc, a_wrong_key_is_fatal_and_never_echoed);
    tcase_add_test(tc, a_closed_port_is_a_dropped_connection);
    tcase_add_test(tc, one_client_keeps_one_connection);
    tcase_add_test(tc, the_app_url_follows_the_documented_shape);
    tcase_add_test(tc, a_base_url_of_any_length_loses_only_its_trailing_slashes);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(client_suite)
