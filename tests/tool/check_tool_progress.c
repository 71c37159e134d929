/* The progress text: what the run has done, and what it is waiting for. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "tool_progress.h"

/* 100 of 1000 rows created, at 10 rows a second with 90 s left. */
static void format(char *out, size_t len, const cci_limiter_status *limits)
{
    unsigned long counts[CCI_ACTION_COUNT] = {0};
    counts[CCI_ACTION_CREATED] = 100;
    tool_progress_format(out, len, counts, 1000, &(tool_eta_estimate){.rows_per_s = 10, .seconds_left = 90},
                        limits);
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

START_TEST(a_rate_limit_wait_is_said)
{
    char text[512];
    format(text, sizeof text, &(cci_limiter_status){.rate_wait_ms = 41000});
    ck_assert_msg(strstr(text, " | rate limited: next window in 41 s"), "%s", text);
}
END_TEST

START_TEST(an_unknown_time_left_or_total_is_not_guessed)
{
    char text[512];
    unsigned long counts[CCI_ACTION_COUNT] = {[CCI_ACTION_UPDATED] = 7};
    tool_progress_format(text, sizeof text, counts, 1000, &(tool_eta_estimate){.seconds_left = -1}, NULL);
    ck_assert_msg(strstr(text, "7/1000 rows (0.7%), 0 rows/s | created 0, updated 7"), "%s", text);
    tool_progress_format(text, sizeof text, counts, -1, &(tool_eta_estimate){.rows_per_s = 3, .seconds_left = -1},
                        NULL);
    ck_assert_msg(strstr(text, "7 rows, 3 rows/s | created 0"), "%s", text);
}
END_TEST

START_TEST(a_long_silence_with_requests_out_is_said)
{
    char text[512];
    format(text, sizeof text, &(cci_limiter_status){.in_flight = 3, .quiet_ms = 30500});
    ck_assert_msg(strstr(text, " | waiting for an answer from CometChat for 30 s"), "%s", text);
    /* a short one is not, and nor is a silence with nothing out */
    format(text, sizeof text, &(cci_limiter_status){.in_flight = 3, .quiet_ms = TOOL_QUIET_ANSWER_MS - 1});
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
    tcase_add_test(tc, a_rate_limit_wait_is_said);
    tcase_add_test(tc, an_unknown_time_left_or_total_is_not_guessed);
    tcase_add_test(tc, a_long_silence_with_requests_out_is_said);
    tcase_add_test(tc, a_short_buffer_is_cut_never_overrun);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN(progress_suite)
