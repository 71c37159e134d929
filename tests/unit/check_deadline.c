/* Timed waits on the monotonic clock. */
#include <check.h>
#include <errno.h>

#include "check_main.h"
#include "util/deadline.h"

static long long monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

START_TEST(a_deadline_is_ms_ahead_on_the_monotonic_clock_with_the_nanoseconds_carried)
{
    long long before = monotonic_ms();
    struct timespec at = cci_deadline_in(1999);
    long long after = monotonic_ms();
    long long ms = (long long)at.tv_sec * 1000 + at.tv_nsec / 1000000;
    ck_assert(ms >= before + 1999 - 1 && ms <= after + 1999 + 1);
    ck_assert(at.tv_nsec >= 0 && at.tv_nsec < 1000000000L);
}
END_TEST

START_TEST(a_monotonic_condition_times_out_at_its_deadline)
{
    pthread_cond_t cond;
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    ck_assert_int_eq(cci_cond_init_monotonic(&cond), 0);
    pthread_mutex_lock(&lock);
    struct timespec at = cci_deadline_in(20);
    int waited = 0;
    while (waited != ETIMEDOUT) waited = pthread_cond_timedwait(&cond, &lock, &at); /* nobody signals */
    ck_assert(monotonic_ms() >= (long long)at.tv_sec * 1000 + at.tv_nsec / 1000000); /* not before it */
    pthread_mutex_unlock(&lock);
    pthread_cond_destroy(&cond);
}
END_TEST

static Suite *deadline_suite(void)
{
    Suite *s = suite_create("deadline");
    TCase *tc = tcase_create("deadline");
    tcase_add_test(tc, a_deadline_is_ms_ahead_on_the_monotonic_clock_with_the_nanoseconds_carried);
    tcase_add_test(tc, a_monotonic_condition_times_out_at_its_deadline);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN(deadline_suite)
