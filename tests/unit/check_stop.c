/* The run's stop signal: set once, seen by everyone, cutting waits short. */
#include <check.h>
#include <sched.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "cci/util/stop.h"
#include "check_main.h"

START_TEST(the_first_request_wins)
{
    cci_stop *stop = cci_stop_new();
    char reason[64];
    cci_stop_reason(stop, reason, sizeof reason);
    ck_assert_str_eq(reason, "");
    ck_assert(!cci_stop_requested(stop));
    ck_assert_int_eq(cci_stop_kind_of(stop), CCI_STOP_NONE);
    cci_stop_request(stop, CCI_STOP_FATAL, "the API key was refused");
    cci_stop_request(stop, CCI_STOP_INTERRUPTED, "interrupted");
    ck_assert(cci_stop_requested(stop));
    ck_assert_int_eq(cci_stop_kind_of(stop), CCI_STOP_FATAL);
    cci_stop_reason(stop, reason, sizeof reason);
    ck_assert_str_eq(reason, "the API key was refused");
    char small[8];
    cci_stop_reason(stop, small, sizeof small);
    ck_assert_str_eq(small, "the API");
    cci_stop_free(stop);
}
END_TEST

typedef struct sleeper {
    cci_stop *stop;
    atomic_bool sleeping;
    bool slept_through;
} sleeper;

/* A sleep no test outlives: when it returns cut short, the stop cut it, however slow the machine
 * (no clock is read to tell). A stop that woke nobody would hang the test instead, which its
 * time-out reports. */
enum { A_DAY_MS = 24 * 3600 * 1000 };

static void *sleep_a_day(void *arg)
{
    sleeper *s = arg;
    atomic_store(&s->sleeping, true);
    s->slept_through = cci_stop_sleep(s->stop, A_DAY_MS);
    return NULL;
}

START_TEST(a_stop_cuts_a_sleep_short)
{
    sleeper s = {.stop = cci_stop_new()};
    atomic_init(&s.sleeping, false);
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, sleep_a_day, &s), 0);
    while (!atomic_load(&s.sleeping)) sched_yield();
    cci_stop_request(s.stop, CCI_STOP_INTERRUPTED, "interrupted");
    pthread_join(thread, NULL);
    ck_assert(!s.slept_through); /* cut by the stop, not ended by the day */
    ck_assert(!cci_stop_sleep(s.stop, A_DAY_MS)); /* and any sleep after it, at once */
    cci_stop_free(s.stop);
}
END_TEST

START_TEST(a_sleep_nothing_stops_runs_its_course)
{
    cci_stop *stop = cci_stop_new();
    uint64_t started = cci_now_ms();
    ck_assert(cci_stop_sleep(stop, 20));
    ck_assert_uint_ge(cci_now_ms() - started, 20);
    cci_stop_free(stop);
}
END_TEST

START_TEST(the_wall_clock_is_unix_milliseconds)
{
    ck_assert_int_gt(cci_wall_ms(), 1700000000000LL);
    uint64_t a = cci_now_ms(), b = cci_now_ms();
    ck_assert_uint_ge(b, a);
}
END_TEST

static void count_wake(void *context)
{
    atomic_fetch_add((atomic_int *)context, 1);
}

START_TEST(listeners_are_woken_once_at_the_first_request_until_they_leave)
{
    cci_stop *stop = cci_stop_new();
    atomic_int woken = 0, gone = 0, late = 0;
    ck_assert(cci_stop_subscribe(stop, count_wake, &woken));
    ck_assert(cci_stop_subscribe(stop, count_wake, &gone));
    cci_stop_unsubscribe(stop, &gone);
    ck_assert_int_eq(atomic_load(&woken), 0);
    cci_stop_request(stop, CCI_STOP_INTERRUPTED, "interrupted");
    cci_stop_request(stop, CCI_STOP_FATAL, "later");
    ck_assert_int_eq(atomic_load(&woken), 1);
    ck_assert_int_eq(atomic_load(&gone), 0);
    ck_assert(cci_stop_subscribe(stop, count_wake, &late)); /* stopped already: woken at once */
    ck_assert_int_eq(atomic_load(&late), 1);
    atomic_int more[CCI_STOP_LISTENERS] = {0};
    int taken = 0;
    for (int i = 0; i < CCI_STOP_LISTENERS; i++) taken += cci_stop_subscribe(stop, count_wake, &more[i]);
    ck_assert_int_eq(taken, CCI_STOP_LISTENERS - 2); /* woken and late hold two places */
    cci_stop_free(stop);
}
END_TEST

static Suite *stop_suite(void)
{
    Suite *suite = suite_create("stop");
    TCase *tc = tcase_create("stop");
    tcase_add_test(tc, the_first_request_wins);
    tcase_add_test(tc, listeners_are_woken_once_at_the_first_request_until_they_leave);
    tcase_add_test(tc, a_stop_cuts_a_sleep_short);
    tcase_add_test(tc, a_sleep_nothing_stops_runs_its_course);
    tcase_add_test(tc, the_wall_clock_is_unix_milliseconds);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(stop_suite)
