/* The time left, driven by a simulated clock: what the progress line's ETA says against what the
 * simulated run then takes. */
#include <check.h>
#include <math.h>

#include "check_main.h"
#include "tool_eta.h"

/* A run's counts at one moment, as the display samples them. */
static void sample(tool_eta *eta, uint64_t at_ms, unsigned long rows, unsigned long creates,
                   unsigned long updates, unsigned long batches)
{
    cci_limiter_status s = {.let_go = {[CCI_BUDGET_CORE] = creates, [CCI_BUDGET_STANDARD] = updates,
                                       [CCI_BUDGET_DATA_IMPORT] = batches}};
    tool_eta_add(eta, at_ms, rows, &s);
}

START_TEST(nothing_is_guessed_before_a_row_and_a_second)
{
    tool_eta eta;
    tool_eta_init(&eta);
    ck_assert_int_eq(tool_eta_estimate_of(&eta, 100, NULL).seconds_left, -1);
    sample(&eta, 1000, 0, 0, 0, 0);
    sample(&eta, 5000, 0, 3, 0, 0); /* requests out, no row back yet */
    ck_assert_int_eq(tool_eta_estimate_of(&eta, 100, NULL).seconds_left, -1);
    sample(&eta, 5500, 5, 5, 0, 0); /* rows, but half a second of them */
    ck_assert_int_eq(tool_eta_estimate_of(&eta, 100, NULL).seconds_left, -1);
    sample(&eta, 6000, 10, 10, 0, 0); /* ten rows in a second: not a pace yet */
    ck_assert_int_eq(tool_eta_estimate_of(&eta, 100, NULL).seconds_left, -1);
    sample(&eta, 7000, 20, 20, 0, 0);
    tool_eta_estimate e = tool_eta_estimate_of(&eta, 100, NULL);
    ck_assert_double_eq_tol(e.rows_per_s, 10.0, 1e-9);
    ck_assert_int_eq(e.seconds_left, 8);
    /* a slow run: three rows, but in six seconds */
    tool_eta_init(&eta);
    sample(&eta, 0, 0, 0, 0, 0);
    sample(&eta, 6000, 3, 3, 0, 0);
    ck_assert_int_eq(tool_eta_estimate_of(&eta, 100, NULL).seconds_left, 194);
}
END_TEST

START_TEST(a_steady_pace_gives_the_rows_left_at_that_pace)
{
    tool_eta eta;
    tool_eta_init(&eta);
    for (uint64_t t = 0; t <= 10000; t += 200) sample(&eta, t, t / 100, t / 100, 0, 0); /* 10 rows/s */
    ck_assert_int_eq(tool_eta_estimate_of(&eta, 1000, NULL).seconds_left, 90);
    /* the pace already counts the waits between windows: a wait under way only bounds it below */
    cci_limiter_status waiting = {.rate_wait_ms = 41000, .let_go = {[CCI_BUDGET_CORE] = 100}};
    ck_assert_int_eq(tool_eta_estimate_of(&eta, 1000, &waiting).seconds_left, 90);
    waiting.rate_wait_ms = 120000;
    ck_assert_int_eq(tool_eta_estimate_of(&eta, 1000, &waiting).seconds_left, 120);
    /* every row done: nothing left, whatever the wait */
    ck_assert_int_eq(tool_eta_estimate_of(&eta, 100, &waiting).seconds_left, 0);
}
END_TEST

START_TEST(a_slow_start_is_forgotten_once_the_recent_pace_is_known)
{
    tool_eta eta;
    tool_eta_init(&eta);
    /* 10 s reading the app with nothing finished, 10 s at 2 rows/s, then 20 s at 20 rows/s */
    uint64_t t = 0;
    unsigned long rows = 0;
    for (; t < 10000; t += 500) sample(&eta, t, 0, 0, 0, 0);
    for (; t < 20000; t += 500, rows += 1) sample(&eta, t, rows + 1, rows + 1, 0, 0);
    for (; t <= 40000; t += 500, rows += 10) sample(&eta, t, rows + 10, rows + 10, 0, 0);
    tool_eta_estimate e = tool_eta_estimate_of(&eta, (long)rows + 2000, NULL);
    ck_assert_double_eq_tol(e.rows_per_s, 20.0, 1e-9);
    ck_assert_int_eq(e.seconds_left, 100);
}
END_TEST

START_TEST(a_burst_above_the_limits_is_held_to_the_pace_they_allow)
{
    /* The first window's allowance spent at once: 400 rows in 2 s through 8 Data Import batches,
     * but the budget allows one batch a second: the 2,000 rows left take 40 s, not 10. */
    tool_eta eta;
    tool_eta_init(&eta);
    sample(&eta, 0, 0, 0, 0, 0);
    sample(&eta, 2000, 400, 0, 0, 8);
    cci_limiter_status limits = {.pace_per_s = {[CCI_BUDGET_CORE] = 2, [CCI_BUDGET_STANDARD] = 10,
                                                [CCI_BUDGET_DATA_IMPORT] = 1},
                                 .let_go = {[CCI_BUDGET_DATA_IMPORT] = 8}};
    tool_eta_estimate e = tool_eta_estimate_of(&eta, 2400, &limits);
    ck_assert_int_eq(e.seconds_left, 40);
    /* a budget the run does not use limits nothing: the creates' 2 a second is not the pace */
    limits.pace_per_s[CCI_BUDGET_DATA_IMPORT] = 0;
    ck_assert_int_eq(tool_eta_estimate_of(&eta, 2400, &limits).seconds_left, 10);
}
END_TEST

START_TEST(a_long_window_without_rows_falls_back_on_the_longer_span)
{
    /* CometChat's minute windows: 60 rows at the start of each minute, nothing between. Half a
     * minute after a burst the last 15 s saw nothing: the pace is that of the span kept. */
    tool_eta eta;
    tool_eta_init(&eta);
    unsigned long rows = 0;
    for (uint64_t t = 0; t <= 90000; t += 500) {
        if (t % 60000 == 500) rows += 60;
        sample(&eta, t, rows, rows, 0, 0);
    }
    tool_eta_estimate e = tool_eta_estimate_of(&eta, (long)rows + 600, NULL);
    ck_assert_int_ne(e.seconds_left, -1);
    /* 600 rows at a row a second is about 10 minutes: the span kept sees 60 rows in 63.5 s of the
     * simulated clock, so exactly 600 x 63.5 / 60 s (no wall clock is read) */
    ck_assert_msg(e.seconds_left == 635, "%ld", e.seconds_left);
}
END_TEST

/* A Data Import run on a simulated clock: single creates at `creates_per_s`, one Data Import batch
 * of 50 rows a second; rows finish in file order, so the creates' rows wait for the batch before
 * them (a burst every second). Returns how far the ETA at each quarter strays from the truth. */
static double worst_error_of_a_simulated_run(double creates_per_s, unsigned long total)
{
    tool_eta eta;
    tool_eta_init(&eta);
    cci_limiter_status limits = {.pace_per_s = {[CCI_BUDGET_CORE] = creates_per_s, [CCI_BUDGET_STANDARD] = 10,
                                                [CCI_BUDGET_DATA_IMPORT] = 1}};
    double rows_a_second = 50 + creates_per_s;
    double end_s = 3.0 + (double)total / rows_a_second; /* 3 s before the first row comes back */
    double worst = 0;
    int quarter = 1;
    for (uint64_t t = 0; t <= (uint64_t)(end_s * 1000); t += 200) {
        double s = (double)t / 1000.0 - 3.0;
        unsigned long rows = s < 0 ? 0 : (unsigned long)(floor(s) * rows_a_second);
        if (rows > total) rows = total;
        limits.let_go[CCI_BUDGET_CORE] = s < 0 ? 0 : (unsigned long)((s + 1) * creates_per_s);
        limits.let_go[CCI_BUDGET_DATA_IMPORT] = s < 0 ? 0 : (unsigned long)(s + 1);
        tool_eta_add(&eta, t, rows, &limits);
        if (quarter < 4 && rows >= total * (unsigned long)quarter / 4) {
            long said = tool_eta_estimate_of(&eta, (long)total, &limits).seconds_left;
            double truth = end_s - (double)t / 1000.0;
            double error = fabs((double)said - truth) / truth;
            if (error > worst) worst = error;
            quarter++;
        }
    }
    ck_assert_int_eq(quarter, 4);
    return worst;
}

START_TEST(a_simulated_data_import_run_is_estimated_within_a_tenth)
{
    double free_plan = worst_error_of_a_simulated_run(2, 3000);
    ck_assert_msg(free_plan <= 0.10, "the ETA strayed %.0f%%", 100 * free_plan);
    double paid_plan = worst_error_of_a_simulated_run(100, 9000);
    ck_assert_msg(paid_plan <= 0.10, "the ETA strayed %.0f%%", 100 * paid_plan);
}
END_TEST

START_TEST(the_ring_keeps_the_newest_samples)
{
    tool_eta eta;
    tool_eta_init(&eta);
    /* far more samples than kept, ever faster: the pace is that of the end */
    unsigned long rows = 0;
    for (uint64_t t = 0; t < 600000; t += 100) {
        rows += t < 500000 ? 1 : 5;
        sample(&eta, t, rows, rows, 0, 0);
    }
    ck_assert_uint_eq(eta.count, TOOL_ETA_SAMPLES);
    ck_assert_double_eq_tol(tool_eta_estimate_of(&eta, -1, NULL).rows_per_s, 50.0, 0.5);
}
END_TEST

static Suite *eta_suite(void)
{
    Suite *s = suite_create("eta");
    TCase *tc = tcase_create("estimate");
    tcase_add_test(tc, nothing_is_guessed_before_a_row_and_a_second);
    tcase_add_test(tc, a_steady_pace_gives_the_rows_left_at_that_pace);
    tcase_add_test(tc, a_slow_start_is_forgotten_once_the_recent_pace_is_known);
    tcase_add_test(tc, a_burst_above_the_limits_is_held_to_the_pace_they_allow);
    tcase_add_test(tc, a_long_window_without_rows_falls_back_on_the_longer_span);
    tcase_add_test(tc, a_simulated_data_import_run_is_estimated_within_a_tenth);
    tcase_add_test(tc, the_ring_keeps_the_newest_samples);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN(eta_suite)
