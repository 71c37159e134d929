/* The send loop against the real sandbox, in-process on loopback: what --mode sends, how an
 * answer settles the row, and that a row's requests are all counted. */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "send/send.h"
#include "check_main.h"
#include "sandbox_fixture.h"

/* The state a run's workers share, as a run sets it up: --retries 2, no journal. */
static cci_outcome send_with(cci_send_shared *shared, const char *uid, const char *create, const char *update)
{
    cci_worker worker = {.client = fixture.client, .random = 1};
    cci_outcome outcome = {0};
    cci_send_request request = {.uid = uid, .create_body = create, .update_body = update, .fingerprint = "-"};
    cci_send_row(shared, &worker, &request, &outcome);
    ck_assert_uint_eq(atomic_load(&shared->requests[CCI_BUDGET_CORE]) +
                          atomic_load(&shared->requests[CCI_BUDGET_STANDARD]),
                      outcome.attempts);
    return outcome;
}

/* One row with a fresh shared state. */
static cci_outcome send_as(cci_mode mode, const char *uid, const char *create, const char *update)
{
    cci_send_shared shared;
    fixture_shared_init(&shared, mode);
    cci_outcome outcome = send_with(&shared, uid, create, update);
    fixture_shared_cleanup(&shared);
    return outcome;
}

START_TEST(upsert_creates_then_updates)
{
    cci_outcome o = send_as(CCI_MODE_UPSERT, "ana", "{\"uid\":\"ana\",\"name\":\"Ana\"}", "{\"name\":\"Ana\"}");
    ck_assert_int_eq(o.action, CCI_ACTION_CREATED);
    ck_assert_int_eq(o.http_status, 200);
    ck_assert_uint_eq(o.attempts, 1);
    free(o.message);
    o = send_as(CCI_MODE_UPSERT, "ana", "{\"uid\":\"ana\",\"name\":\"Ana B\"}", "{\"name\":\"Ana B\"}");
    ck_assert_int_eq(o.action, CCI_ACTION_UPDATED);
    ck_assert_uint_eq(o.attempts, 2);
    free(o.message);
    ck_assert_int_eq((int)fixture_counter("requests", "create"), 2);
    ck_assert_int_eq((int)fixture_counter("requests", "update"), 1);
}
END_TEST

START_TEST(create_mode_leaves_existing_users)
{
    cci_outcome o = send_as(CCI_MODE_CREATE, "bob", "{\"uid\":\"bob\",\"name\":\"Bob\"}", "{}");
    ck_assert_int_eq(o.action, CCI_ACTION_CREATED);
    free(o.message);
    o = send_as(CCI_MODE_CREATE, "bob", "{\"uid\":\"bob\",\"name\":\"Other\"}", "{}");
    ck_assert_int_eq(o.action, CCI_ACTION_EXISTS);
    ck_assert_str_eq(o.error_code, "ERR_UID_ALREADY_EXISTS");
    ck_assert_uint_eq(o.attempts, 1);
    free(o.message);
    ck_assert_int_eq((int)fixture_counter("requests", "update"), 0);
}
END_TEST

START_TEST(update_mode_never_creates)
{
    cci_outcome o = send_as(CCI_MODE_UPDATE, "ghost", "{}", "{\"name\":\"G\"}");
    ck_assert_int_eq(o.action, CCI_ACTION_FAILED);
    ck_assert_int_eq(o.http_status, 404);
    ck_assert_str_eq(o.error_code, "ERR_UID_NOT_FOUND");
    ck_assert_int_eq((int)fixture_counter("requests", "create"), 0);
    free(o.message);
}
END_TEST

START_TEST(validation_details_reach_the_message)
{
    cci_outcome o = send_as(CCI_MODE_UPSERT, "c", "{\"uid\":\"c\",\"name\":\"C\",\"role\":\"ghost\"}", "{}");
    ck_assert_int_eq(o.action, CCI_ACTION_FAILED);
    ck_assert_str_eq(o.error_code, "ERR_BAD_REQUEST");
    ck_assert_ptr_nonnull(strstr(o.message, "role: The selected role is invalid."));
    free(o.message);
}
END_TEST

START_TEST(a_2xx_that_is_not_the_documented_json_is_retried_and_never_counted)
{
    fixture_restart(fixture_serve_html_200);
    cci_outcome o = send_as(CCI_MODE_UPSERT, "p", "{\"uid\":\"p\",\"name\":\"P\"}", "{\"name\":\"P\"}");
    ck_assert_int_eq(o.action, CCI_ACTION_FAILED);
    ck_assert_uint_eq(o.attempts, 3); /* the first and --retries 2 */
    ck_assert_ptr_nonnull(strstr(o.message, "text/html"));
    free(o.message);
    ck_assert_int_eq((int)fixture_counter(NULL, "users"), 0);
}
END_TEST

START_TEST(a_stopped_run_sends_nothing_and_skips_the_row)
{
    cci_send_shared shared;
    fixture_shared_init(&shared, CCI_MODE_UPSERT);
    cci_stop_request(shared.stop, CCI_STOP_INTERRUPTED, "interrupted");
    cci_outcome o = send_with(&shared, "s", "{\"uid\":\"s\",\"name\":\"S\"}", "{\"name\":\"S\"}");
    ck_assert_int_eq(o.action, CCI_ACTION_SKIPPED);
    ck_assert_uint_eq(o.attempts, 0);
    free(o.message);
    ck_assert_int_eq((int)fixture_counter("requests", "create"), 0);
    fixture_shared_cleanup(&shared);
}
END_TEST

/* The refusal is the run's, not the row's: the row is skipped (no rejects line to "fix"). */
START_TEST(a_refused_key_skips_the_row_and_stops_the_run)
{
    fixture_restart(fixture_know_another_key);
    cci_send_shared shared;
    fixture_shared_init(&shared, CCI_MODE_UPSERT);
    cci_outcome o = send_with(&shared, "k", "{\"uid\":\"k\",\"name\":\"K\"}", "{\"name\":\"K\"}");
    ck_assert_int_eq(o.action, CCI_ACTION_SKIPPED);
    ck_assert_uint_eq(o.attempts, 1); /* a fatal answer is not retried */
    ck_assert_int_eq(o.http_status, 401);
    ck_assert_str_eq(o.message, "not done: the run stopped (the summary says why) after 1 attempt");
    ck_assert_int_eq(cci_stop_kind_of(shared.stop), CCI_STOP_FATAL);
    ck_assert_ptr_null(strstr(o.message, FIXTURE_KEY));
    free(o.message);
    fixture_shared_cleanup(&shared);
}
END_TEST

static void short_windows(sbx_config *config)
{
    config->window_ms = 20;
}

/* A budget of nothing: every request is answered 429, with headers that say so consistently. */
static void always_429(sbx_config *config)
{
    config->core_limit = config->standard_limit = 0;
    config->window_ms = 20; /* each 429 then says the next request may go in a second */
}

static void list_one(cci_client *client, void *context, cci_response *response)
{
    (void)context;
    cci_client_list(client, 1, 1, response);
}

/* The one retry policy: a request of any kind (here a listing's) that meets only 429s, in a run
 * that has had nothing else, stops the run when its tries are spent, saying so. */
START_TEST(a_run_that_has_had_nothing_but_429s_stops_when_a_request_spends_its_tries)
{
    fixture_restart(always_429);
    cci_send_shared shared;
    fixture_shared_init(&shared, CCI_MODE_UPSERT);
    shared.rate_limited_tries = 1;
    cci_worker worker = {.client = fixture.client, .random = 1};
    cci_response last;
    cci_answer_class answer = cci_send_call(&shared, &worker, CCI_BUDGET_STANDARD, list_one, NULL, &last);
    ck_assert_int_ne(answer, CCI_ANSWER_OK);
    ck_assert_int_eq(last.status, 429);
    ck_assert_int_eq(cci_stop_kind_of(shared.stop), CCI_STOP_FATAL);
    char reason[512];
    cci_stop_reason(shared.stop, reason, sizeof reason);
    ck_assert_msg(strstr(reason, "every request with 429 (rate limited) since the run began, 2 of them"), "%s", reason);
    ck_assert_int_eq((int)fixture_counter("requests", "total"), 2); /* its one try, and the 429 past it */
    fixture_shared_cleanup(&shared);
}
END_TEST

/* After an answer that was not a 429, a request that spends its tries fails alone: the row says
 * so, and the run goes on. */
START_TEST(a_request_that_spends_its_tries_after_other_answers_fails_alone)
{
    fixture_restart(short_windows); /* the window the limiter learns here is over by the next request */
    cci_send_shared shared;
    fixture_shared_init(&shared, CCI_MODE_UPSERT);
    shared.rate_limited_tries = 1;
    cci_outcome first = send_with(&shared, "a", "{\"uid\":\"a\",\"name\":\"A\"}", "{\"name\":\"A\"}");
    ck_assert_int_eq(first.action, CCI_ACTION_CREATED);
    free(first.message);
    fixture_restart(always_429);
    cci_worker worker = {.client = fixture.client, .random = 1};
    cci_outcome o = {0};
    cci_send_request request = {.uid = "b", .create_body = "{\"uid\":\"b\",\"name\":\"B\"}",
                                .update_body = "{\"name\":\"B\"}", .fingerprint = "-"};
    cci_send_row(&shared, &worker, &request, &o);
    ck_assert_int_eq(o.action, CCI_ACTION_FAILED);
    ck_assert_int_eq(o.http_status, 429);
    ck_assert_msg(strstr(o.message, "still rate limited after 1 tries"), "%s", o.message);
    ck_assert(!cci_stop_requested(shared.stop));
    free(o.message);
    fixture_shared_cleanup(&shared);
}
END_TEST

static Suite *send_suite(void)
{
    Suite *suite = suite_create("send");
    TCase *tc = tcase_create("against_the_sandbox");
    tcase_add_checked_fixture(tc, fixture_setup, fixture_teardown);
    tcase_add_test(tc, upsert_creates_then_updates);
    tcase_add_test(tc, create_mode_leaves_existing_users);
    tcase_add_test(tc, update_mode_never_creates);
    tcase_add_test(tc, validation_details_reach_the_message);
    tcase_add_test(tc, a_2xx_that_is_not_the_documented_json_is_retried_and_never_counted);
    tcase_add_test(tc, a_run_that_has_had_nothing_but_429s_stops_when_a_request_spends_its_tries);
    tcase_add_test(tc, a_request_that_spends_its_tries_after_other_answers_fails_alone);
    tcase_add_test(tc, a_stopped_run_sends_nothing_and_skips_the_row);
    tcase_add_test(tc, a_refused_key_skips_the_row_and_stops_the_run);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(send_suite)
