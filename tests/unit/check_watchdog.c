/* The run's pulse and the watchdog that names a stall. Run under ThreadSanitizer too. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "util/watchdog.h"
#include "check_main.h"

START_TEST(a_stall_is_time_with_no_beat_and_nothing_busy)
{
    cci_pulse pulse;
    cci_pulse_init(&pulse);
    cci_stall_clock clock;
    cci_stall_clock_start(&clock, &pulse, 1000);
    ck_assert(!cci_stall_clock_stalled(&clock, &pulse, 1999, 1000));
    ck_assert(cci_stall_clock_stalled(&clock, &pulse, 2000, 1000));
    cci_pulse_beat(&pulse); /* a row finished: the clock starts again */
    ck_assert(!cci_stall_clock_stalled(&clock, &pulse, 2500, 1000));
    ck_assert(!cci_stall_clock_stalled(&clock, &pulse, 3400, 1000));
    ck_assert(cci_stall_clock_stalled(&clock, &pulse, 3500, 1000));
}
END_TEST

START_TEST(work_in_flight_is_never_a_stall)
{
    cci_pulse pulse;
    cci_pulse_init(&pulse);
    cci_stall_clock clock;
    cci_stall_clock_start(&clock, &pulse, 0);
    cci_pulse_begin(&pulse); /* a request that takes its whole timeout, or a long announced wait */
    ck_assert(!cci_stall_clock_stalled(&clock, &pulse, 1000000, 1000));
    ck_assert(!cci_stall_clock_stalled(&clock, &pulse, 2000000, 1000));
    cci_pulse_end(&pulse); /* its end is a beat: the stall is counted from here */
    ck_assert(!cci_stall_clock_stalled(&clock, &pulse, 2000001, 1000));
    ck_assert(!cci_stall_clock_stalled(&clock, &pulse, 2000999, 1000));
    ck_assert(cci_stall_clock_stalled(&clock, &pulse, 2001001, 1000));
    cci_pulse_begin(NULL); /* no pulse: nothing, no crash */
    cci_pulse_end(NULL);
    cci_pulse_beat(NULL);
}
END_TEST

static void describe(void *context, char *out, size_t len)
{
    snprintf(out, len, "%s", (const char *)context);
}

START_TEST(the_watchdog_stops_a_stalled_run_and_says_what_holds_what)
{
    cci_stop *stop = cci_stop_new();
    cci_pulse pulse;
    cci_pulse_init(&pulse);
    cci_watchdog *watchdog = cci_watchdog_start(&pulse, 40, stop, describe, "the reader waits for row 7");
    ck_assert_ptr_nonnull(watchdog);
    ck_assert(!cci_stop_sleep(stop, 120000)); /* ended by the watchdog's stop, not by the time */
    ck_assert_int_eq(cci_stop_kind_of(stop), CCI_STOP_FATAL);
    char reason[1024];
    cci_stop_reason(stop, reason, sizeof reason);
    ck_assert_msg(strstr(reason, "stalled") && strstr(reason, "the reader waits for row 7"), "%s", reason);
    ck_assert(cci_watchdog_finish(watchdog));
    cci_stop_free(stop);
}
END_TEST

START_TEST(the_watchdog_never_fires_while_work_is_in_flight)
{
    cci_stop *stop = cci_stop_new();
    cci_pulse pulse;
    cci_pulse_init(&pulse);
    cci_pulse_begin(&pulse);
    cci_watchdog *watchdog = cci_watchdog_start(&pulse, 10, stop, describe, "");
    ck_assert_ptr_nonnull(watchdog);
    ck_assert(cci_stop_sleep(stop, 200)); /* twenty stall periods: not stopped */
    ck_assert(!cci_watchdog_finish(watchdog));
    ck_assert(!cci_stop_requested(stop));
    ck_assert(!cci_watchdog_finish(NULL));
    cci_stop_free(stop);
}
END_TEST

static Suite *watchdog_suite(void)
{
    Suite *suite = suite_create("watchdog");
    TCase *tc = tcase_create("watchdog");
    tcase_add_test(tc, a_stall_is_time_with_no_beat_and_nothing_busy);
    tcase_add_test(tc, work_in_flight_is_never_a_stall);
    tcase_add_test(tc, the_watchdog_stops_a_stalled_run_and_says_what_holds_what);
    tcase_add_test(tc, the_watchdog_never_fires_while_work_is_in_flight);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(watchdog_suite)
