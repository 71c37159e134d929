/* The backoff schedule and the run's retry budget. */
#include <check.h>
#include <stdint.h>

#include "send/retry.h"
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

/* Issue 29: giving up early, on a simulated clock: ten unanswered attempts in a row, or nothing
 * heard for the silence allowed; any answer starts both counts again. */
START_TEST(unanswered_attempts_and_silence_make_the_service_unreachable)
{
    cci_retry_budget b;
    cci_retry_budget_init(&b, 100, 1000);
    cci_retry_expect_answers(&b, 1500, 10000);
    ck_assert(!atomic_load(&b.heard_any));
    for (int i = 1; i < CCI_UNANSWERED_IN_A_ROW; i++) ck_assert(!cci_retry_note_unanswered(&b, 10000 + (uint64_t)i));
    cci_retry_note_heard(&b, 10100); /* an answer, even a refusal: the count starts again */
    ck_assert(atomic_load(&b.heard_any));
    for (int i = 1; i < CCI_UNANSWERED_IN_A_ROW; i++) ck_assert(!cci_retry_note_unanswered(&b, 10200));
    ck_assert(cci_retry_note_unanswered(&b, 10200)); /* the tenth in a row */
    /* silence: two attempts, but the last answer was 1.5 s before the second */
    cci_retry_note_heard(&b, 20000);
    ck_assert(!cci_retry_note_unanswered(&b, 21499));
    ck_assert(cci_retry_note_unanswered(&b, 21500));
    /* from the run's start when nothing ever answered */
    cci_retry_expect_answers(&b, 1500, 30000);
    ck_assert(!atomic_load(&b.heard_any));
    ck_assert(!cci_retry_note_unanswered(&b, 31000));
    ck_assert(cci_retry_note_unanswered(&b, 31500));
}
END_TEST

static Suite *retry_suite(void)
{
    Suite *suite = suite_create("retry");
    TCase *tc = tcase_create("retry");
    tcase_add_test(tc, backoff_doubles_with_full_jitter_up_to_the_cap);
    tcase_add_test(tc, retry_budget_runs_out_and_notices_an_unreachable_service);
    tcase_add_test(tc, unanswered_attempts_and_silence_make_the_service_unreachable);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(retry_suite)
