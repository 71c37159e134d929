/* The backoff schedule and the run's retry budget. */
#include <check.h>
#include <stdint.h>

#include "cci/retry.h"
#include "check_main.h"

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

static Suite *retry_suite(void)
{
    Suite *suite = suite_create("retry");
    TCase *tc = tcase_create("retry");
    tcase_add_test(tc, backoff_doubles_with_full_jitter_up_to_the_cap);
    tcase_add_test(tc, retry_budget_runs_out_and_notices_an_unreachable_service);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(retry_suite)
