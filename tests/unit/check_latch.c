/* The one-shot latch that ends periodic waits. */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "cci/util/latch.h"
#include "cci/util/stop.h"
#include "check_main.h"

typedef struct waiter {
    cci_latch *latch;
    atomic_bool waiting;
    bool released;
} waiter;

/* A wait no test outlives: when it returns released, the release ended it, however slow the
 * machine (no clock is read to tell). A release that woke nobody would hang the test instead,
 * which its time-out reports. */
enum { A_DAY_MS = 24 * 3600 * 1000 };

static void *wait_a_day(void *arg)
{
    waiter *w = arg;
    atomic_store(&w->waiting, true);
    w->released = cci_latch_wait(w->latch, A_DAY_MS);
    return NULL;
}

START_TEST(a_release_ends_every_wait_now_and_later)
{
    cci_latch *latch = cci_latch_new();
    ck_assert_ptr_nonnull(latch);
    waiter waiters[2];
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        waiters[i] = (waiter){.latch = latch};
        atomic_init(&waiters[i].waiting, false);
        ck_assert_int_eq(pthread_create(&threads[i], NULL, wait_a_day, &waiters[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        while (!atomic_load(&waiters[i].waiting)) sched_yield();
    ck_assert(!cci_latch_released(latch));
    cci_latch_release(latch);
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
        ck_assert(waiters[i].released); /* ended by the release, not by the day */
    }
    ck_assert(cci_latch_wait(latch, A_DAY_MS)); /* a wait after the release returns at once */
    cci_latch_release(latch);                /* and a second release is harmless */
    ck_assert(cci_latch_released(latch));
    cci_latch_free(latch);
}
END_TEST

START_TEST(an_unreleased_wait_runs_its_course)
{
    cci_latch *latch = cci_latch_new();
    uint64_t started = cci_now_ms();
    ck_assert(!cci_latch_wait(latch, 20));
    ck_assert_uint_ge(cci_now_ms() - started, 20);
    ck_assert(!cci_latch_wait(latch, 0));
    cci_latch_free(latch);
}
END_TEST

static Suite *latch_suite(void)
{
    Suite *suite = suite_create("latch");
    TCase *tc = tcase_create("latch");
    tcase_add_test(tc, a_release_ends_every_wait_now_and_later);
    tcase_add_test(tc, an_unreleased_wait_runs_its_course);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(latch_suite)
