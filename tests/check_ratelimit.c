/* The rate limiter, the backoff schedule and the rate-limit headers, on an injected clock: no
 * test here sleeps. */
#include <check.h>
#include <pthread.h>
#include <string.h>

#include "cci/client.h"
#include "cci/ratelimit.h"
#include "cci/retry.h"
#include "check_main.h"

/* Monotonic and wall clocks of the tests: wall = WALL0 + monotonic. */
#define WALL0 1700000000000LL

static cci_rate_answer headers(long long limit, long long remaining, long long reset_wall_ms)
{
    return (cci_rate_answer){.limit = limit, .remaining = remaining,
                             .reset_s = reset_wall_ms / 1000, .retry_after_s = -1};
}

START_TEST(without_rate_or_headers_everything_goes)
{
    cci_limiter *l = cci_limiter_new(0);
    for (int i = 0; i < 1000; i++) ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 5), 0);
    cci_limiter_free(l);
}
END_TEST

START_TEST(rate_bucket_paces_to_the_rate)
{
    cci_limiter *l = cci_limiter_new(600); /* 10 a second: a bucket of 10, one every 100 ms */
    uint64_t now = 1000;
    for (int i = 0; i < 10; i++) ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, now), 0);
    uint64_t wait = cci_limiter_try(l, CCI_BUDGET_CORE, now);
    ck_assert_uint_ge(wait, 99);
    ck_assert_uint_le(wait, 101);
    ck_assert_uint_ne(cci_limiter_try(l, CCI_BUDGET_CORE, now + 50), 0);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, now + 101), 0);
    /* over 10 simulated seconds, 10 a second and no more */
    unsigned sent = 0;
    for (uint64_t t = now + 200; t < now + 10200; t++)
        if (cci_limiter_try(l, CCI_BUDGET_CORE, t) == 0) sent++;
    ck_assert_uint_ge(sent, 99);
    ck_assert_uint_le(sent, 101);
    /* the other budget has its own bucket */
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_STANDARD, now + 10200), 0);
    cci_limiter_free(l);
}
END_TEST

START_TEST(learned_limit_stops_at_zero_remaining_until_the_reset)
{
    cci_limiter *l = cci_limiter_new(0);
    uint64_t now = 5500; /* wall 1700000005.5 s; the window ends at 1700000006 s */
    int64_t reset_wall = WALL0 + 6000;
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, now), 0);
    cci_rate_answer a = headers(3, 2, reset_wall);
    cci_limiter_done(l, CCI_BUDGET_CORE, &a, now + 1, WALL0 + (int64_t)now + 1);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, now + 2), 0);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, now + 2), 0);
    /* 3 sent in this window: wait for its end (plus a small margin) */
    uint64_t wait = cci_limiter_try(l, CCI_BUDGET_CORE, now + 3);
    ck_assert_uint_ge(wait, 6000 - (now + 3));
    ck_assert_uint_le(wait, 6000 - (now + 3) + 20);
    /* the answers of the two in flight arrive */
    a = headers(3, 1, reset_wall);
    cci_limiter_done(l, CCI_BUDGET_CORE, &a, now + 4, WALL0 + (int64_t)now + 4);
    a = headers(3, 0, reset_wall);
    cci_limiter_done(l, CCI_BUDGET_CORE, &a, now + 5, WALL0 + (int64_t)now + 5);
    ck_assert_uint_ne(cci_limiter_try(l, CCI_BUDGET_CORE, 5999), 0);
    /* the next window: the whole limit again */
    for (int i = 0; i < 3; i++) ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 6020), 0);
    ck_assert_uint_ne(cci_limiter_try(l, CCI_BUDGET_CORE, 6020), 0);
    /* the standard budget never heard a limit */
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_STANDARD, 6020), 0);
    cci_limiter_free(l);
}
END_TEST

START_TEST(requests_of_others_on_the_same_budget_are_left_to_them)
{
    cci_limiter *l = cci_limiter_new(0);
    for (int i = 0; i < 4; i++) ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 100), 0);
    /* 10 a window; this run sent 4, yet the service counts 5 used: one was someone else's */
    cci_rate_answer a = headers(10, 5, WALL0 + 1000);
    cci_limiter_done(l, CCI_BUDGET_CORE, &a, 101, WALL0 + 101);
    for (int i = 0; i < 5; i++) ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 102), 0);
    ck_assert_uint_ne(cci_limiter_try(l, CCI_BUDGET_CORE, 102), 0);
    cci_limiter_free(l);
}
END_TEST

START_TEST(answers_out_of_order_do_not_shrink_the_window)
{
    cci_limiter *l = cci_limiter_new(0);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 100), 0);
    cci_rate_answer a = headers(20, 19, WALL0 + 1000);
    cci_limiter_done(l, CCI_BUDGET_CORE, &a, 101, WALL0 + 101);
    /* 16 go at once; the answer of the one the service counted last comes back first */
    for (int i = 0; i < 16; i++) ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 102), 0);
    a = headers(20, 3, WALL0 + 1000);
    cci_limiter_done(l, CCI_BUDGET_CORE, &a, 103, WALL0 + 103);
    /* 17 of 20 sent: 3 more, not fewer */
    for (int i = 0; i < 3; i++) ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 104), 0);
    ck_assert_uint_ne(cci_limiter_try(l, CCI_BUDGET_CORE, 104), 0);
    cci_limiter_free(l);
}
END_TEST

START_TEST(a_429_pauses_every_budget_until_the_reset)
{
    cci_limiter *l = cci_limiter_new(0);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 1000), 0);
    cci_rate_answer a = headers(5, 0, WALL0 + 4000);
    a.rate_limited = true;
    a.retry_after_s = 3;
    cci_limiter_done(l, CCI_BUDGET_CORE, &a, 1000, WALL0 + 1000);
    uint64_t wait = cci_limiter_try(l, CCI_BUDGET_STANDARD, 1000);
    ck_assert_uint_ge(wait, 3000);
    ck_assert_uint_le(wait, 3020);
    ck_assert_uint_eq(cci_limiter_stats_of(l).rate_limited, 1);
    ck_assert_uint_ge(cci_limiter_stats_of(l).paused_ms, 3000);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_STANDARD, 4020), 0);
    cci_limiter_free(l);
}
END_TEST

START_TEST(a_429_without_a_reset_waits_retry_after)
{
    cci_limiter *l = cci_limiter_new(0);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 0), 0);
    cci_rate_answer a = {.limit = -1, .remaining = -1, .reset_s = -1, .retry_after_s = 2, .rate_limited = true};
    cci_limiter_done(l, CCI_BUDGET_CORE, &a, 10, WALL0 + 10);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 10), 2000);
    cci_limiter_free(l);
}
END_TEST

START_TEST(backoff_doubles_with_full_jitter_up_to_the_cap)
{
    /* the largest draw shows the ceiling of each attempt */
    uint64_t top = UINT64_MAX - 1;
    ck_assert_uint_le(cci_backoff_ms(1, 250, 15000, top), 250);
    uint64_t expected[] = {250, 500, 1000, 2000, 4000, 8000, 15000, 15000};
    for (unsigned attempt = 1; attempt <= 8; attempt++) {
        uint64_t ceiling = expected[attempt - 1];
        ck_assert_uint_eq(cci_backoff_ms(attempt, 250, 15000, ceiling), ceiling);
        ck_assert_uint_eq(cci_backoff_ms(attempt, 250, 15000, ceiling + 1), 0);
        ck_assert_uint_le(cci_backoff_ms(attempt, 250, 15000, top), ceiling);
    }
    /* the draws spread over the whole range */
    uint64_t state = 42, low = 0, high = 0;
    for (int i = 0; i < 10000; i++) {
        uint64_t d = cci_backoff_ms(3, 250, 15000, cci_random_next(&state));
        ck_assert_uint_le(d, 1000);
        low += d < 250, high += d > 750;
    }
    ck_assert(low > 2000 && high > 2000);
}
END_TEST

START_TEST(retry_budget_runs_out_and_notices_an_unreachable_service)
{
    cci_retry_budget b;
    cci_retry_budget_init(&b, 3, 4);
    ck_assert(cci_retry_budget_take(&b));
    ck_assert(cci_retry_budget_take(&b));
    ck_assert(cci_retry_budget_take(&b));
    ck_assert(!cci_retry_budget_take(&b));
    ck_assert_uint_eq(atomic_load(&b.spent), 3);
    ck_assert(!cci_retry_note_failure(&b));
    ck_assert(!cci_retry_note_failure(&b));
    ck_assert(!cci_retry_note_failure(&b));
    cci_retry_note_answer(&b); /* an answer in between: the count starts again */
    ck_assert(!cci_retry_note_failure(&b));
    ck_assert(!cci_retry_note_failure(&b));
    ck_assert(!cci_retry_note_failure(&b));
    ck_assert(cci_retry_note_failure(&b));
}
END_TEST

/* Many workers asking at once get exactly the budget's limit, no more. */
typedef struct racer {
    cci_limiter *limiter;
    int granted;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    for (int i = 0; i < 5000; i++)
        if (cci_limiter_try(r->limiter, CCI_BUDGET_CORE, 500) == 0) {
            r->granted++;
            cci_limiter_done(r->limiter, CCI_BUDGET_CORE, NULL, 500, WALL0 + 500);
        }
    return NULL;
}

START_TEST(concurrent_workers_share_one_budget_exactly)
{
    cci_limiter *l = cci_limiter_new(0);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 400), 0);
    cci_rate_answer a = headers(100, 99, WALL0 + 60000);
    cci_limiter_done(l, CCI_BUDGET_CORE, &a, 400, WALL0 + 400);
    enum { THREADS = 8 };
    pthread_t threads[THREADS];
    racer racers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        racers[i] = (racer){.limiter = l};
        pthread_create(&threads[i], NULL, race, &racers[i]);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        total += racers[i].granted;
    }
    ck_assert_int_eq(total, 99);
    cci_limiter_free(l);
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

static Suite *ratelimit_suite(void)
{
    Suite *suite = suite_create("ratelimit");
    TCase *limiter = tcase_create("limiter");
    tcase_add_test(limiter, without_rate_or_headers_everything_goes);
    tcase_add_test(limiter, rate_bucket_paces_to_the_rate);
    tcase_add_test(limiter, learned_limit_stops_at_zero_remaining_until_the_reset);
    tcase_add_test(limiter, requests_of_others_on_the_same_budget_are_left_to_them);
    tcase_add_test(limiter, answers_out_of_order_do_not_shrink_the_window);
    tcase_add_test(limiter, a_429_pauses_every_budget_until_the_reset);
    tcase_add_test(limiter, a_429_without_a_reset_waits_retry_after);
    tcase_add_test(limiter, concurrent_workers_share_one_budget_exactly);
    suite_add_tcase(suite, limiter);
    TCase *retry = tcase_create("retry");
    tcase_add_test(retry, backoff_doubles_with_full_jitter_up_to_the_cap);
    tcase_add_test(retry, retry_budget_runs_out_and_notices_an_unreachable_service);
    tcase_add_test(retry, rate_headers_are_read_in_either_spelling_and_case);
    suite_add_tcase(suite, retry);
    return suite;
}

CCI_CHECK_MAIN(ratelimit_suite)
