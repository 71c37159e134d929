/* The progress text: what the run has done, and what it is waiting for. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "tool_progress.h"

/* 100 of 1000 rows created in 10 s: 10 rows a second. */
static void format(char *out, size_t len, const cci_limiter_status *limits)
{
    unsigned long counts[CCI_ACTION_COUNT] = {0};
    counts[CCI_ACTION_CREATED] = 100;
    cci_progress_format(out, len, counts, 1000, 10.0, limits);
}

START_TEST(without_a_wait_the_line_says_only_the_counts_and_the_eta)
{
    char text[512];
    format(text, sizeof text, &(cci_limiter_status){0});
    ck_assert_msg(strstr(text, "100/1000 rows (10.0%), 10 rows/s, ETA 1:30 | created 100"), "%s", text);
    ck_assert_ptr_null(strstr(text, "rate limited"));
    ck_assert_ptr_null(strstr(text, "waiting for an answer"));
}
END_TEST

START_TEST(a_rate_limit_wait_is_said_and_counted_in_the_eta)
{
    char text[512];
    format(text, sizeof text, &(cci_limiter_status){.rate_wait_ms = 41000});
    ck_assert_msg(strstr(text, " | rate limited: next window in 41 s"), "%s", text);
    ck_assert_msg(strstr(text, "ETA 2:11"), "%s", text); /* 90 s of rows after the 41 s wait */
}
END_TEST

START_TEST(the_pace_the_limits_allow_bounds_the_eta_when_slower)
{
    char text[512];
    /* 10 rows a second so far, but the limits allow 2: 900 rows take 450 s */
    format(text, sizeof text, &(cci_limiter_status){.pace_per_s = {[CCI_BUDGET_CORE] = 2.0}});
    ck_assert_msg(strstr(text, "ETA 7:30"), "%s", text);
    /* a pace faster than the rate so far changes nothing */
    format(text, sizeof text, &(cci_limiter_status){.pace_per_s = {[CCI_BUDGET_CORE] = 50.0}});
    ck_assert_msg(strstr(text, "ETA 1:30"), "%s", text);
    /* issue 29: Data Import takes fifty rows a request: one batch a second beside 2 creates allows
     * 52 rows a second, more than the 10 so far, so the rate so far stands (not 900 / 2 s) */
    format(text, sizeof text, &(cci_limiter_status){.pace_per_s = {[CCI_BUDGET_CORE] = 2.0,
                                                                    [CCI_BUDGET_DATA_IMPORT] = 1.0}});
    ck_assert_msg(strstr(text, "ETA 1:30"), "%s", text);
}
END_TEST

START_TEST(a_long_silence_with_requests_out_is_said)
{
    char text[512];
    format(text, sizeof text, &(cci_limiter_status){.in_flight = 3, .quiet_ms = 30500});
    ck_assert_msg(strstr(text, " | waiting for an answer from CometChat for 30 s"), "%s", text);
    /* a short one is not, and nor is a silence with nothing out */
    format(text, sizeof text, &(cci_limiter_status){.in_flight = 3, .quiet_ms = CCI_QUIET_ANSWER_MS - 1});
    ck_assert_ptr_null(strstr(text, "waiting for an answer"));
    format(text, sizeof text, &(cci_limiter_status){.in_flight = 0, .quiet_ms = 30500});
    ck_assert_ptr_null(strstr(text, "waiting for an answer"));
}
END_TEST

START_TEST(a_short_buffer_is_cut_never_overrun)
{
    char text[24];
    memset(text, 'x', sizeof text);
    format(text, 16, &(cci_limiter_status){.rate_wait_ms = 41000});
    ck_assert_uint_eq(strlen(text), 15);
    ck_assert_int_eq(text[16], 'x');
}
END_TEST

static Suite *progress_suite(void)
{
    Suite *s = suite_create("progress");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, without_a_wait_the_line_says_only_the_counts_and_the_eta);
    tcase_add_test(tc, a_rate_limit_wait_is_said_and_counted_in_the_eta);
    tcase_add_test(tc, the_pace_the_limits_allow_bounds_the_eta_when_slower);
    tcase_add_test(tc, a_long_silence_with_requests_out_is_said);
    tcase_add_test(tc, a_short_buffer_is_cut_never_overrun);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN(progress_suite)
