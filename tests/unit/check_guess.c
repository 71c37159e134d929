/* Guessing, without a journal, whether to create or to update first. */
#include <check.h>

#include "send/guess.h"
#include "check_main.h"

static cci_guess guess;

static void setup(void)
{
    cci_guess_init(&guess);
}

static void teardown(void)
{
    cci_guess_cleanup(&guess);
}

/* Notes first attempts of the current guess, a miss every `every`-th (0: none), and returns
 * after how many the guess turned (0: it did not). */
static int note_until_turn(int attempts, int every)
{
    bool start = cci_guess_update_first(&guess);
    for (int i = 1; i <= attempts; i++) {
        cci_guess_note(&guess, start, every && i % every == 0);
        if (cci_guess_update_first(&guess) != start) return i;
    }
    return 0;
}

START_TEST(creates_first_until_most_creates_meet_existing_users)
{
    ck_assert(!cci_guess_update_first(&guess));
    int turned = note_until_turn(20, 1);
    ck_assert_int_gt(turned, 2); /* one miss is no trend */
    ck_assert_int_le(turned, 10);
    ck_assert(cci_guess_update_first(&guess));
    ck_assert_uint_eq(cci_guess_switches(&guess), 1);
}
END_TEST

START_TEST(turns_back_when_updates_meet_missing_users)
{
    ck_assert_int_gt(note_until_turn(20, 1), 0);
    ck_assert_int_gt(note_until_turn(20, 1), 0);
    ck_assert(!cci_guess_update_first(&guess));
    ck_assert_uint_eq(cci_guess_switches(&guess), 2);
}
END_TEST

START_TEST(a_minority_of_misses_keeps_the_guess)
{
    ck_assert_int_eq(note_until_turn(200, 3), 0);
    ck_assert_int_eq(note_until_turn(200, 0), 0);
    ck_assert_uint_eq(cci_guess_switches(&guess), 0);
}
END_TEST

START_TEST(answers_to_the_other_guess_are_stale)
{
    for (int i = 0; i < 50; i++) cci_guess_note(&guess, true, true); /* sent before a turn that never was */
    ck_assert(!cci_guess_update_first(&guess));
    ck_assert_uint_eq(cci_guess_switches(&guess), 0);
}
END_TEST

static Suite *guess_suite(void)
{
    Suite *suite = suite_create("guess");
    TCase *tc = tcase_create("guess");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, creates_first_until_most_creates_meet_existing_users);
    tcase_add_test(tc, turns_back_when_updates_meet_missing_users);
    tcase_add_test(tc, a_minority_of_misses_keeps_the_guess);
    tcase_add_test(tc, answers_to_the_other_guess_are_stale);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(guess_suite)
