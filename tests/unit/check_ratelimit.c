/* The rate limiter, on an injected clock: no test here sleeps. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cci/send/ratelimit.h"
#include "check_main.h"

/* Monotonic and wall clocks of the tests: wall = WALL0 + monotonic. */
#define WALL0 1700000000000LL

static cci_rate_answer headers(long long limit, long long remaining, long long reset_wall_ms)
{
    return (cci_rate_answer){.limit = limit, .remaining = remaining,
                             .reset_s = reset_wall_ms / 1000, .retry_after_s = -1};
}

static const cci_rate_answer nothing_said = {.limit = -1, .remaining = -1, .reset_s = -1, .retry_after_s = -1};

static cci_limiter *limiter(unsigned rate_per_minute)
{
    return cci_limiter_new((cci_limiter_config){.rate_per_minute = rate_per_minute});
}

/* cci_limiter_try with a ticket the test does not need to hand back. */
static cci_limit_ticket last_ticket;
static uint64_t try_at(cci_limiter *l, cci_budget budget, uint64_t now)
{
    return cci_limiter_try(l, budget, now, &last_ticket);
}

/* Hands back a request of the current window (or a probe) with an answer. */
static void answer(cci_limiter *l, cci_budget budget, const cci_limit_ticket *ticket,
                   const cci_rate_answer *a, uint64_t now)
{
    cci_limiter_done(l, budget, ticket, a, now, WALL0 + (int64_t)now);
}

START_TEST(without_rate_or_headers_everything_goes)
{
    cci_limiter *l = limiter(0);
    for (int i = 0; i < 1000; i++) ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 5), 0);
    cci_limiter_free(l);
}
END_TEST

START_TEST(rate_bucket_paces_to_the_rate)
{
    cci_limiter *l = limiter(600); /* 10 a second: a bucket of 10, one every 100 ms */
    uint64_t now = 1000;
    for (int i = 0; i < 10; i++) ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, now), 0);
    uint64_t wait = try_at(l, CCI_BUDGET_CORE, now);
    ck_assert_uint_ge(wait, 99);
    ck_assert_uint_le(wait, 101);
    ck_assert_uint_ne(try_at(l, CCI_BUDGET_CORE, now + 50), 0);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, now + 101), 0);
    /* over 10 simulated seconds, 10 a second and no more */
    unsigned sent = 0;
    for (uint64_t t = now + 200; t < now + 10200; t++)
        if (try_at(l, CCI_BUDGET_CORE, t) == 0) sent++;
    ck_assert_uint_ge(sent, 99);
    ck_assert_uint_le(sent, 101);
    /* the other budget has its own bucket */
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_STANDARD, now + 10200), 0);
    cci_limiter_free(l);
}
END_TEST

START_TEST(learned_limit_stops_at_zero_remaining_until_the_reset)
{
    cci_limiter *l = limiter(0);
    uint64_t now = 5500; /* wall 1700000005.5 s; the window ends at 1700000006 s */
    int64_t reset_wall = WALL0 + 6000;
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, now), 0);
    cci_rate_answer a = headers(3, 2, reset_wall);
    cci_limiter_done(l, CCI_BUDGET_CORE, &last_ticket, &a, now + 1, WALL0 + (int64_t)now + 1);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, now + 2), 0);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, now + 2), 0);
    /* 3 sent in this window: wait for its end (plus a small margin) */
    uint64_t wait = try_at(l, CCI_BUDGET_CORE, now + 3);
    ck_assert_uint_ge(wait, 6000 - (now + 3));
    ck_assert_uint_le(wait, 6000 - (now + 3) + 20);
    /* the answers of the two in flight arrive */
    a = headers(3, 1, reset_wall);
    cci_limiter_done(l, CCI_BUDGET_CORE, &last_ticket, &a, now + 4, WALL0 + (int64_t)now + 4);
    a = headers(3, 0, reset_wall);
    cci_limiter_done(l, CCI_BUDGET_CORE, &last_ticket, &a, now + 5, WALL0 + (int64_t)now + 5);
    ck_assert_uint_ne(try_at(l, CCI_BUDGET_CORE, 5999), 0);
    /* the next window: the whole limit again */
    for (int i = 0; i < 3; i++) ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 6020), 0);
    ck_assert_uint_ne(try_at(l, CCI_BUDGET_CORE, 6020), 0);
    /* the standard budget never heard a limit */
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_STANDARD, 6020), 0);
    cci_limiter_free(l);
}
END_TEST

START_TEST(requests_of_others_on_the_same_budget_are_left_to_them)
{
    cci_limiter *l = limiter(0);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 100), 0);
    cci_limit_ticket first = last_ticket;
    for (int i = 0; i < 3; i++) ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 100), 0);
    /* 10 a window; the first of this run's 4 comes back and the service counts 5 used: the
     * other 4 are someone else's (this run's others, in flight, are counted after it) */
    cci_rate_answer a = headers(10, 5, WALL0 + 1000);
    cci_limiter_done(l, CCI_BUDGET_CORE, &first, &a, 101, WALL0 + 101);
    for (int i = 0; i < 2; i++) ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 102), 0);
    ck_assert_uint_ne(try_at(l, CCI_BUDGET_CORE, 102), 0);
    cci_limiter_free(l);
}
END_TEST

START_TEST(answers_out_of_order_let_exactly_what_remains_through)
{
    cci_limiter *l = limiter(0);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 100), 0);
    cci_rate_answer a = headers(20, 19, WALL0 + 1000);
    cci_limiter_done(l, CCI_BUDGET_CORE, &last_ticket, &a, 101, WALL0 + 101);
    /* 16 go at once; the answer of the one the service counted last comes back first */
    for (int i = 0; i < 16; i++) ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 102), 0);
    a = headers(20, 3, WALL0 + 1000);
    cci_limiter_done(l, CCI_BUDGET_CORE, &last_ticket, &a, 103, WALL0 + 103);
    /* 17 counted, 2 answered: the 15 others may be someone else's, or this run's on their way
     * back. None goes until their answers tell, and that is soon, not at the reset */
    uint64_t wait = try_at(l, CCI_BUDGET_CORE, 104);
    ck_assert_uint_ne(wait, 0);
    ck_assert_uint_lt(wait, 100);
    /* they were this run's: exactly the 3 that remain go, then none until the reset */
    for (int i = 0; i < 15; i++) {
        a = headers(20, 18 - i, WALL0 + 1000);
        cci_limiter_done(l, CCI_BUDGET_CORE, &last_ticket, &a, 105, WALL0 + 105);
    }
    for (int i = 0; i < 3; i++) ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 106), 0);
    wait = try_at(l, CCI_BUDGET_CORE, 106);
    ck_assert_uint_ge(wait, 1000 - 106);
    /* the window did not shrink: the next one is where it was said */
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 1020), 0);
    cci_limiter_free(l);
}
END_TEST

/* A peek says how long a spent budget waits, and takes nothing: the Data Import channel waits so
 * before it takes rows. */
START_TEST(a_peek_says_the_wait_and_takes_nothing)
{
    cci_limiter *l = limiter(0);
    ck_assert_uint_eq(cci_limiter_peek(l, CCI_BUDGET_DATA_IMPORT, 1000), 0);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_DATA_IMPORT, 1000), 0);
    cci_rate_answer a = headers(1, 0, WALL0 + 2000); /* one a window, none left, the window ends in 1 s */
    cci_limiter_done(l, CCI_BUDGET_DATA_IMPORT, &last_ticket, &a, 1000, WALL0 + 1000);
    uint64_t wait = cci_limiter_peek(l, CCI_BUDGET_DATA_IMPORT, 1000);
    ck_assert_uint_ge(wait, 1000);
    ck_assert_uint_le(wait, 1100);
    ck_assert_uint_eq(cci_limiter_peek(l, CCI_BUDGET_DATA_IMPORT, 1000), wait); /* nothing was taken */
    ck_assert_uint_eq(cci_limiter_peek(l, CCI_BUDGET_CORE, 1000), 0);           /* the others' budgets are not */
    ck_assert_uint_eq(cci_limiter_peek(l, CCI_BUDGET_DATA_IMPORT, 1000 + wait), 0);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_DATA_IMPORT, 1000 + wait), 0);
    cci_limiter_free(l);
}
END_TEST

/* The service counts each budget apart: a 429 of creates holds up creates, never updates or Data
 * Import batches. */
START_TEST(a_429_pauses_its_budget_until_the_reset_and_no_other)
{
    cci_limiter *l = limiter(0);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 1000), 0);
    cci_rate_answer a = headers(5, 0, WALL0 + 4000);
    a.rate_limited = true;
    a.retry_after_s = 3;
    cci_limiter_done(l, CCI_BUDGET_CORE, &last_ticket, &a, 1000, WALL0 + 1000);
    uint64_t wait = try_at(l, CCI_BUDGET_CORE, 1000);
    ck_assert_uint_ge(wait, 3000);
    ck_assert_uint_le(wait, 3020);
    ck_assert_uint_eq(cci_limiter_stats_of(l).rate_limited, 1);
    ck_assert_uint_ge(cci_limiter_stats_of(l).paused_ms, 3000);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_STANDARD, 1000), 0);
    cci_limiter_done(l, CCI_BUDGET_STANDARD, &last_ticket, NULL, 1000, WALL0 + 1000);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_DATA_IMPORT, 1000), 0);
    cci_limiter_done(l, CCI_BUDGET_DATA_IMPORT, &last_ticket, NULL, 1000, WALL0 + 1000);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 4020), 0);
    cci_limiter_free(l);
}
END_TEST

/* Issue 29: the pause the summary says is wall-clock time: two budgets paused at once count once. */
START_TEST(pauses_of_two_budgets_at_once_count_once)
{
    cci_limiter *l = limiter(0);
    cci_rate_answer a = nothing_said;
    a.rate_limited = true;
    a.retry_after_s = 3;
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 1000), 0);
    cci_limiter_done(l, CCI_BUDGET_CORE, &last_ticket, &a, 1000, WALL0 + 1000); /* paused 1 s .. 4 s */
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_STANDARD, 2000), 0);
    cci_limiter_done(l, CCI_BUDGET_STANDARD, &last_ticket, &a, 2000, WALL0 + 2000); /* 2 s .. 5 s */
    uint64_t paused = cci_limiter_stats_of(l).paused_ms;
    ck_assert_msg(paused >= 4000 && paused <= 4100, "%llu ms for 1 s .. 5 s", (unsigned long long)paused);
    cci_limiter_free(l);
}
END_TEST

START_TEST(a_429_without_a_reset_waits_retry_after)
{
    cci_limiter *l = limiter(0);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 0), 0);
    cci_rate_answer a = {.limit = -1, .remaining = -1, .reset_s = -1, .retry_after_s = 2, .rate_limited = true};
    cci_limiter_done(l, CCI_BUDGET_CORE, &last_ticket, &a, 10, WALL0 + 10);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 10), 2000);
    cci_limiter_free(l);
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
    cci_limit_ticket ticket; /* each thread its own */
    for (int i = 0; i < 5000; i++)
        if (cci_limiter_try(r->limiter, CCI_BUDGET_CORE, 500, &ticket) == 0) {
            r->granted++;
            cci_limiter_done(r->limiter, CCI_BUDGET_CORE, &ticket, NULL, 500, WALL0 + 500);
        }
    return NULL;
}

START_TEST(concurrent_workers_share_one_budget_exactly)
{
    cci_limiter *l = limiter(0);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, 400), 0);
    cci_rate_answer a = headers(100, 99, WALL0 + 60000);
    cci_limiter_done(l, CCI_BUDGET_CORE, &last_ticket, &a, 400, WALL0 + 400);
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


/* ---- the documented variants: never wait on what may never come ---- */

START_TEST(a_spent_window_with_no_reset_known_sends_one_probe_not_a_wait_for_ever)
{
    /* the older docs: every answer carries the limit and the remaining, only a 429 the reset */
    cci_limiter *l = limiter(0);
    cci_limit_ticket t[3];
    for (int i = 0; i < 3; i++) ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 100, &t[i]), 0);
    cci_rate_answer a = {.limit = 3, .remaining = 0, .reset_s = -1, .retry_after_s = -1};
    for (int i = 0; i < 3; i++) answer(l, CCI_BUDGET_CORE, &t[i], &a, 110);
    /* nothing is in flight and nothing said when the window ends: one probe goes */
    cci_limit_ticket probe;
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 120, &probe), 0);
    ck_assert(probe.probe);
    ck_assert_uint_eq(cci_limiter_stats_of(l).probes, 1);
    /* and only one: the others wait for its answer */
    cci_limit_ticket other;
    ck_assert_uint_ne(cci_limiter_try(l, CCI_BUDGET_CORE, 121, &other), 0);
    /* its 429 tells the reset: everyone waits until then */
    cci_rate_answer limited = {.limit = 3, .remaining = 0, .reset_s = (WALL0 + 5000) / 1000,
                               .retry_after_s = 5, .rate_limited = true};
    answer(l, CCI_BUDGET_CORE, &probe, &limited, 130);
    uint64_t wait = cci_limiter_try(l, CCI_BUDGET_CORE, 130, &other);
    ck_assert_uint_ge(wait, 5000 - 130);
    ck_assert_uint_le(wait, 5000 - 130 + 20);
    ck_assert_uint_ge(cci_limiter_status_of(l, 130).rate_wait_ms, 4800);
    /* the new window: three again, no more */
    for (int i = 0; i < 3; i++) ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 5020, &t[i]), 0);
    ck_assert(!t[0].probe && !t[2].probe);
    /* spent again: the answers on their way come first (a probe now could take their place) */
    ck_assert_uint_ne(cci_limiter_try(l, CCI_BUDGET_CORE, 5020, &other), 0);
    for (int i = 0; i < 3; i++) answer(l, CCI_BUDGET_CORE, &t[i], &a, 5025);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 5025, &other), 0);
    ck_assert(other.probe); /* and they said nothing of when the window ends */
    cci_limiter_free(l);
}
END_TEST

START_TEST(a_probe_that_goes_through_opens_a_new_window)
{
    cci_limiter *l = limiter(0);
    cci_limit_ticket t[2], probe;
    cci_rate_answer a = {.limit = 2, .remaining = 0, .reset_s = -1, .retry_after_s = -1};
    for (int i = 0; i < 2; i++) ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 0, &t[i]), 0);
    for (int i = 0; i < 2; i++) answer(l, CCI_BUDGET_CORE, &t[i], &a, 5);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 70000, &probe), 0);
    ck_assert(probe.probe);
    a.remaining = 1; /* the service is in a new window: the probe was its first */
    answer(l, CCI_BUDGET_CORE, &probe, &a, 70005);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 70006, &t[0]), 0);
    ck_assert(!t[0].probe);
    /* two of two: spent, and once its answer is in, the next request is again a probe */
    a.remaining = 0;
    answer(l, CCI_BUDGET_CORE, &t[0], &a, 70007);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 70008, &t[1]), 0);
    ck_assert(t[1].probe);
    cci_limiter_free(l);
}
END_TEST

START_TEST(without_any_header_the_limit_is_learned_from_what_got_through)
{
    cci_limiter *l = limiter(0);
    cci_limit_ticket t[8];
    for (int i = 0; i < 8; i++) ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 0, &t[i]), 0);
    for (int i = 0; i < 5; i++) answer(l, CCI_BUDGET_CORE, &t[i], &nothing_said, 10);
    cci_rate_answer limited = nothing_said;
    limited.rate_limited = true;
    limited.retry_after_s = 1;
    for (int i = 5; i < 8; i++) answer(l, CCI_BUDGET_CORE, &t[i], &limited, 11);
    ck_assert_uint_eq(cci_limiter_stats_of(l).rate_limited, 3);
    /* Retry-After said when: then five a window, the sixth a probe */
    ck_assert_uint_ge(try_at(l, CCI_BUDGET_CORE, 11), 990);
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 1030, &t[i]), 0);
        ck_assert(!t[i].probe);
    }
    for (int i = 0; i < 5; i++) answer(l, CCI_BUDGET_CORE, &t[i], &nothing_said, 1035);
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 1035, &t[5]), 0);
    ck_assert(t[5].probe);
    cci_limiter_free(l);
}
END_TEST

/* Issue 29 (outsider): a reset the service tells, sane but further ahead than --max-wait, holds the
 * budget no longer than --max-wait: then one request finds out (it held a 2 s --max-wait run for
 * the whole window, 110 s of nothing but 429s). */
START_TEST(a_told_reset_further_than_max_wait_is_waited_only_max_wait)
{
    cci_limiter *l = cci_limiter_new((cci_limiter_config){.max_wait_ms = 2000});
    uint64_t now = 1000;
    cci_limit_ticket t;
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_STANDARD, now, &t), 0);
    cci_rate_answer spent = {.limit = 10, .remaining = 0, .reset_s = (WALL0 + 45000) / 1000, .retry_after_s = -1,
                             .rate_limited = true};
    answer(l, CCI_BUDGET_STANDARD, &t, &spent, now);
    uint64_t waited = 0, wait;
    while ((wait = cci_limiter_try(l, CCI_BUDGET_STANDARD, now, &t)) > 0) {
        ck_assert_uint_le(wait, 2000);
        now += wait;
        waited += wait;
        ck_assert_uint_le(waited, 2000);
    }
    ck_assert_uint_ge(waited, 1000); /* it did wait, and went once --max-wait had passed */
    /* the wait counts as time paused by rate limits, once however often it was told */
    ck_assert_uint_eq(cci_limiter_stats_of(l).paused_ms, waited);
    cci_limiter_free(l);
}
END_TEST

START_TEST(absurd_waits_are_ignored_and_long_ones_capped)
{
    cci_limiter *l = cci_limiter_new((cci_limiter_config){.max_wait_ms = 30000});
    /* Retry-After of three years, a reset three years ahead, one that overflows: not instructions */
    const long long absurd[][2] = {{99999999, -1}, {-1, WALL0 / 1000 + 94608000}, {-1, 9223372036854775807LL}};
    uint64_t now = 1000;
    for (size_t i = 0; i < sizeof absurd / sizeof *absurd; i++) {
        cci_limit_ticket t;
        uint64_t wait, waited = 0;
        for (; (wait = cci_limiter_try(l, CCI_BUDGET_CORE, now, &t)) > 0; now += wait) waited += wait;
        cci_rate_answer a = {.limit = -1, .remaining = -1, .retry_after_s = absurd[i][0],
                             .reset_s = absurd[i][1], .rate_limited = true};
        answer(l, CCI_BUDGET_CORE, &t, &a, now);
        /* the next request goes after a wait of the fallback's length, never the absurd one */
        for (; (wait = cci_limiter_try(l, CCI_BUDGET_CORE, now, &t)) > 0; now += wait) waited += wait;
        ck_assert_msg(waited > 0 && waited <= 60000, "case %zu waits %llu ms", i, (unsigned long long)waited);
        ck_assert(t.probe);
        answer(l, CCI_BUDGET_CORE, &t, &nothing_said, now); /* it went through */
    }
    /* an hour, which a service may mean, is capped at --max-wait */
    cci_limit_ticket t;
    for (uint64_t wait; (wait = cci_limiter_try(l, CCI_BUDGET_CORE, now, &t)) > 0;) now += wait;
    cci_rate_answer hour = {.limit = -1, .remaining = -1, .reset_s = -1, .retry_after_s = 3600, .rate_limited = true};
    answer(l, CCI_BUDGET_CORE, &t, &hour, now);
    ck_assert_uint_eq(try_at(l, CCI_BUDGET_CORE, now), 30000);
    ck_assert_uint_eq(cci_limiter_status_of(l, now).rate_wait_ms, 30000);
    cci_limiter_free(l);
}
END_TEST

START_TEST(nothing_but_429s_for_twice_the_longest_wait_is_starvation)
{
    cci_limiter *l = cci_limiter_new((cci_limiter_config){.max_wait_ms = 1000});
    uint64_t now = 0, starved_for = 0;
    cci_rate_answer limited = {.limit = -1, .remaining = -1, .reset_s = -1, .retry_after_s = 1, .rate_limited = true};
    int probes = 0;
    while (!cci_limiter_starved(l, now, &starved_for)) {
        ck_assert_int_lt(probes, 10);
        cci_limit_ticket t;
        uint64_t wait;
        while ((wait = cci_limiter_try(l, CCI_BUDGET_CORE, now, &t)) > 0) now += wait;
        answer(l, CCI_BUDGET_CORE, &t, &limited, now);
        probes++;
    }
    ck_assert_int_ge(probes, 3);
    ck_assert_uint_ge(starved_for, 2000);
    /* one answer that went through ends it */
    cci_limiter *m = cci_limiter_new((cci_limiter_config){.max_wait_ms = 1000});
    cci_limit_ticket t;
    ck_assert_uint_eq(cci_limiter_try(m, CCI_BUDGET_CORE, 0, &t), 0);
    answer(m, CCI_BUDGET_CORE, &t, &nothing_said, 5000);
    ck_assert(!cci_limiter_starved(m, 5000, NULL));
    cci_limiter_free(m);
    cci_limiter_free(l);
}
END_TEST

START_TEST(status_says_how_long_no_answer_came)
{
    cci_limiter *l = limiter(0);
    cci_limit_ticket t;
    ck_assert_uint_eq(cci_limiter_try(l, CCI_BUDGET_CORE, 1000, &t), 0);
    cci_limiter_status s = cci_limiter_status_of(l, 31000);
    ck_assert_uint_eq(s.in_flight, 1);
    ck_assert_uint_eq(s.quiet_ms, 30000);
    answer(l, CCI_BUDGET_CORE, &t, &nothing_said, 31000);
    s = cci_limiter_status_of(l, 40000);
    ck_assert_uint_eq(s.in_flight, 0);
    ck_assert_uint_eq(s.quiet_ms, 0);
    cci_limiter_free(l);
}
END_TEST

/* ---- a simulated service, in each documented variant ---- */

typedef enum { SIM_CURRENT, SIM_LEGACY, SIM_RETRY_AFTER, SIM_NONE, SIM_PROFILES } sim_profile;
static const char *const sim_names[] = {"current", "legacy", "retry-after", "none"};

typedef struct sim {
    sim_profile profile;
    long long limit;
    uint64_t window_ms;
    long long others; /* requests another client spends at the start of each window */
    unsigned long accepted[64], limited[64];
    long long used_window;
    unsigned long used;
} sim;

/* The service counts a request at time now (ms since WALL0) and answers it. */
static cci_rate_answer sim_answer(sim *s, uint64_t now)
{
    long long window = (long long)(now / s->window_ms);
    if (window != s->used_window) s->used_window = window, s->used = (unsigned long)s->others;
    bool allowed = (long long)s->used < s->limit;
    if (allowed) s->used++;
    if (window < 64) (allowed ? s->accepted : s->limited)[window]++;
    uint64_t reset_ms = (uint64_t)(window + 1) * s->window_ms;
    long long reset_s = (WALL0 + (long long)reset_ms + 999) / 1000;
    long long retry_after = (long long)(reset_ms - now + 999) / 1000;
    cci_rate_answer a = {.limit = -1, .remaining = -1, .reset_s = -1, .retry_after_s = -1, .rate_limited = !allowed};
    if (s->profile == SIM_CURRENT || s->profile == SIM_LEGACY) {
        a.limit = s->limit;
        a.remaining = s->limit - (long long)s->used;
    }
    if (s->profile == SIM_CURRENT || (s->profile == SIM_LEGACY && !allowed)) a.reset_s = reset_s;
    if (!allowed && s->profile != SIM_NONE) a.retry_after_s = retry_after ? retry_after : 1;
    return a;
}

/* Workers that each send, wait latency_ms for the answer and ask again, for windows windows. */
static void simulate(sim *s, unsigned workers, uint64_t latency_ms, unsigned windows)
{
    cci_limiter *l = limiter(0);
    enum { MAX_WORKERS = 32 };
    uint64_t next[MAX_WORKERS] = {0}, answer_at[MAX_WORKERS] = {0};
    cci_limit_ticket tickets[MAX_WORKERS];
    cci_rate_answer answers[MAX_WORKERS];
    uint64_t start = s->window_ms / 3; /* the run starts in the middle of a window */
    for (uint64_t now = start; now < windows * s->window_ms; now++)
        for (unsigned w = 0; w < workers; w++) {
            if (answer_at[w] == now) {
                answer(l, CCI_BUDGET_CORE, &tickets[w], &answers[w], now);
                answer_at[w] = 0;
                next[w] = now;
            }
            if (answer_at[w] || next[w] > now) continue;
            uint64_t wait = cci_limiter_try(l, CCI_BUDGET_CORE, now, &tickets[w]);
            if (wait) {
                next[w] = now + wait;
                continue;
            }
            answers[w] = sim_answer(s, now + latency_ms / 2); /* counted halfway */
            answer_at[w] = now + latency_ms;
        }
    cci_limiter_free(l);
}

/* After the learning windows: at least 95% of what the limit leaves this run, and at most one
 * 429 a window. */
static void expect_the_limit_reached(const sim *s, unsigned first, unsigned last)
{
    unsigned long accepted = 0, worst = 0;
    for (unsigned w = first; w < last; w++) {
        accepted += s->accepted[w];
        if (s->limited[w] > worst) worst = s->limited[w];
    }
    double share = (double)accepted / (double)((last - first) * (unsigned long)(s->limit - s->others));
    if (getenv("CCI_SIM_VERBOSE"))
        for (unsigned w = 0; w < last; w++) fprintf(stderr, "%s w%u: %lu ok %lu 429\n", sim_names[s->profile], w, s->accepted[w], s->limited[w]);
    ck_assert_msg(share >= 0.95, "%s: %.1f%% of the limit", sim_names[s->profile], 100 * share);
    ck_assert_msg(worst <= 1, "%s: %lu 429s in one window", sim_names[s->profile], worst);
}

START_TEST(every_documented_variant_reaches_the_limit_with_at_most_one_429_a_window)
{
    sim s = {.profile = (sim_profile)_i, .limit = 40, .window_ms = 1000, .used_window = -1};
    simulate(&s, 16, 4, 40);
    /* the first window is spent learning; without any header, the second too: two ends must be
     * seen before the length is known */
    expect_the_limit_reached(&s, s.profile == SIM_NONE ? 2 : 1, 40);
}
END_TEST

START_TEST(windows_other_than_a_minute_and_another_client_are_followed)
{
    sim s = {.profile = (sim_profile)_i, .limit = 60, .window_ms = 3000, .others = 15, .used_window = -1};
    simulate(&s, 8, 20, 30);
    expect_the_limit_reached(&s, s.profile == SIM_NONE ? 2 : 1, 30);
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
    tcase_add_test(limiter, answers_out_of_order_let_exactly_what_remains_through);
    tcase_add_test(limiter, a_429_pauses_its_budget_until_the_reset_and_no_other);
    tcase_add_test(limiter, pauses_of_two_budgets_at_once_count_once);
    tcase_add_test(limiter, a_peek_says_the_wait_and_takes_nothing);
    tcase_add_test(limiter, a_429_without_a_reset_waits_retry_after);
    tcase_add_test(limiter, concurrent_workers_share_one_budget_exactly);
    tcase_add_test(limiter, a_spent_window_with_no_reset_known_sends_one_probe_not_a_wait_for_ever);
    tcase_add_test(limiter, a_probe_that_goes_through_opens_a_new_window);
    tcase_add_test(limiter, without_any_header_the_limit_is_learned_from_what_got_through);
    tcase_add_test(limiter, absurd_waits_are_ignored_and_long_ones_capped);
    tcase_add_test(limiter, nothing_but_429s_for_twice_the_longest_wait_is_starvation);
    tcase_add_test(limiter, status_says_how_long_no_answer_came);
    tcase_add_test(limiter, a_told_reset_further_than_max_wait_is_waited_only_max_wait);
    suite_add_tcase(suite, limiter);
    TCase *variants = tcase_create("variants");
    tcase_set_timeout(variants, 120);
    tcase_add_loop_test(variants, every_documented_variant_reaches_the_limit_with_at_most_one_429_a_window, 0, SIM_PROFILES);
    tcase_add_loop_test(variants, windows_other_than_a_minute_and_another_client_are_followed, 0, SIM_PROFILES);
    suite_add_tcase(suite, variants);
    return suite;
}

CCI_CHECK_MAIN(ratelimit_suite)
