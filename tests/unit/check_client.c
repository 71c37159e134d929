#define _GNU_SOURCE /* strcasestr */
/* The client against the real sandbox, in-process on loopback: requests, answers, headers and
 * what an answer means. */
#include <check.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "send/client.h"
#include "sandbox_fixture.h"
#include "check_main.h"
#include "http_client.h"

static void legacy_headers_limit_1(sbx_config *c)
{
    c->rate_headers = SBX_HEADERS_LEGACY;
    c->core_limit = 1;
}

START_TEST(the_sandboxs_current_and_legacy_rate_headers_reach_the_response)
{
    cci_response r;
    cci_client_create(fixture.client, "{\"uid\":\"h\",\"name\":\"H\"}", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert(r.documented);
    ck_assert_str_eq(r.data_uid, "h");
    ck_assert_int_eq(r.rate_limit, 10000); /* the current spelling: X-RateLimit-Limit */
    ck_assert_int_eq(r.rate_remaining, 9999);
    ck_assert_int_ge(r.rate_reset, 1700000000);
    ck_assert_int_eq(r.retry_after_s, -1);
    fixture_restart(legacy_headers_limit_1); /* the older page's: X-Rate-Limit, and a reset only on 429 */
    cci_client_create(fixture.client, "{\"uid\":\"h1\",\"name\":\"H\"}", &r);
    ck_assert_int_eq(r.rate_limit, 1);
    ck_assert_int_eq(r.rate_remaining, 0);
    ck_assert_int_eq(r.rate_reset, -1);
    cci_client_create(fixture.client, "{\"uid\":\"h2\",\"name\":\"H\"}", &r);
    ck_assert_int_eq(r.status, 429);
    ck_assert_int_ge(r.rate_reset, 1700000000);
    ck_assert_int_ge(r.retry_after_s, 0);
}
END_TEST

static void html_429(sbx_config *c)
{
    c->hostile = SBX_HOSTILE_ALWAYS_429;
    c->html_429 = true;
}

START_TEST(a_2xx_that_is_not_the_documented_json_confirms_nothing)
{
    fixture_restart(fixture_serve_html_200);
    cci_response r;
    cci_client_create(fixture.client, "{\"uid\":\"p\",\"name\":\"P\"}", &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert(!r.documented);
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_RETRYABLE);
    /* the message says what came back */
    ck_assert_ptr_nonnull(strstr(r.message, "HTTP 200"));
    ck_assert_ptr_nonnull(strstr(r.message, "text/html"));
    ck_assert_ptr_nonnull(strstr(r.message, "starts with \"<html><head><title>Sign in"));
}
END_TEST

START_TEST(an_html_429_is_rate_limited_and_says_what_came)
{
    fixture_restart(html_429);
    cci_response r;
    cci_client_create(fixture.client, "{\"uid\":\"q\",\"name\":\"Q\"}", &r);
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
    cci_client *wrong;
    ck_assert_int_eq(cci_client_new(&wrong, fixture.base, "not-the-key-secret", 5000, err, sizeof err), CCI_OK);
    cci_response r;
    cci_client_create(wrong, "{\"uid\":\"x\",\"name\":\"X\"}", &r);
    ck_assert_int_eq(r.status, 401);
    ck_assert_int_eq(cci_classify(&r), CCI_ANSWER_FATAL);
    ck_assert_ptr_null(strstr(r.message, "not-the-key-secret"));
    cci_client_free(wrong);
}
END_TEST

static void echo_the_key(sbx_config *config)
{
    config->hostile = SBX_HOSTILE_ECHO_KEY;
}

/* A service or proxy that echoes the key, raw, JSON-escaped or in other letters, never gets it into what the tool reads. */
START_TEST(a_key_echoed_in_an_answer_is_blanked)
{
    fixture_restart(echo_the_key);
    cci_response r;
    cci_client_create(fixture.client, "{\"uid\":\"x\",\"name\":\"X\"}", &r);
    ck_assert_int_eq(r.status, 400);
    size_t len;
    const char *body = cci_client_answer(fixture.client, &len);
    ck_assert_msg(strstr(body, "The key ****"), "%s", body); /* the sandbox did echo it */
    const char *seen[] = {body, r.code, r.message, r.refused_field};
    for (size_t i = 0; i < sizeof seen / sizeof *seen; i++) /* in no letter case either */
        ck_assert_msg(!strcasestr(seen[i], FIXTURE_KEY), "the key in %zu: %s", i, seen[i]);
    ck_assert_msg(strstr(r.message, "The key ***") && strchr(r.code, '*'), "%s / %s", r.code, r.message);
}
END_TEST

START_TEST(a_closed_port_is_a_dropped_connection)
{
    char err[256];
    cci_client *nowhere;
    ck_assert_int_eq(cci_client_new(&nowhere, "http://127.0.0.1:1/v3", FIXTURE_KEY, 2000, err, sizeof err), CCI_OK);
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
        cci_client_create(fixture.client, body, &r);
        ck_assert_int_eq(r.status, 200);
    }
    /* the fixture.client's one connection, and the admin call's own */
    ck_assert_int_eq((int)fixture_counter(NULL, "connections_opened"), 2);
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

static cci_response parse(const char *const *lines)
{
    cci_response r = {.rate_limit = -1, .rate_remaining = -1, .rate_reset = -1, .retry_after_s = -1};
    for (; *lines; lines++) cci_parse_header(*lines, strlen(*lines), &r);
    return r;
}

START_TEST(rate_headers_are_read_in_either_spelling_and_case)
{
    const char *const documented[] = {"HTTP/1.1 429 Too Many Requests\r\n", "X-Rate-Limit: 500\r\n",
                                      "x-rate-limit-remaining: 0\r\n", "Retry-After: 7\r\n",
                                      "X-Rate-Limit-Reset: 1700000060\r\n", NULL};
    cci_response r = parse(documented);
    ck_assert_int_eq(r.rate_limit, 500);
    ck_assert_int_eq(r.rate_remaining, 0);
    ck_assert_int_eq(r.retry_after_s, 7);
    ck_assert_int_eq(r.rate_reset, 1700000060);
    const char *const newer[] = {"X-RateLimit-Limit: 10000\r\n", "X-RATELIMIT-REMAINING: 9999\r\n",
                                 "X-RateLimit-Reset: 1700000120\r\n", "X-Rate-Limit-Other: 3\r\n",
                                 "Retry-After: soon\r\n", "Content-Type: application/json\r\n", NULL};
    r = parse(newer);
    ck_assert_int_eq(r.rate_limit, 10000);
    ck_assert_int_eq(r.rate_remaining, 9999);
    ck_assert_int_eq(r.rate_reset, 1700000120);
    ck_assert_int_eq(r.retry_after_s, -1); /* not a number: ignored */
}
END_TEST

static Suite *client_suite(void)
{
    Suite *suite = suite_create("client");
    TCase *tc = tcase_create("against_the_sandbox");
    tcase_add_checked_fixture(tc, fixture_setup, fixture_teardown);
    tcase_add_test(tc, the_sandboxs_current_and_legacy_rate_headers_reach_the_response);
    tcase_add_test(tc, a_2xx_that_is_not_the_documented_json_confirms_nothing);
    tcase_add_test(tc, an_html_429_is_rate_limited_and_says_what_came);
    tcase_add_test(tc, header_values_that_are_not_whole_numbers_are_absent);
    tcase_add_test(tc, answers_are_classified_by_code_before_status);
    tcase_add_test(tc, a_wrong_key_is_fatal_and_never_echoed);
    tcase_add_test(tc, a_key_echoed_in_an_answer_is_blanked);
    tcase_add_test(tc, a_closed_port_is_a_dropped_connection);
    tcase_add_test(tc, one_client_keeps_one_connection);
    tcase_add_test(tc, the_app_url_follows_the_documented_shape);
    tcase_add_test(tc, rate_headers_are_read_in_either_spelling_and_case);
    tcase_add_test(tc, a_base_url_of_any_length_loses_only_its_trailing_slashes);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(client_suite)
