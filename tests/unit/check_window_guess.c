/* Learning where untold rate-limit windows begin, from sightings alone. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"
#include "send/window_guess.h"

START_TEST(one_sighting_says_nothing_of_the_next)
{
    cci_window_guess g = {0};
    uint64_t after, by;
    cci_window_guess_seen(&g, 1, 1000, 1200);
    ck_assert(!cci_window_guess_start(&g, 2, &after, &by));
    ck_assert(!cci_window_guess_length(&g, &after, &by));
}
END_TEST

START_TEST(two_sightings_bound_the_length_and_the_next_start)
{
    cci_window_guess g = {0};
    cci_window_guess_seen(&g, 1, 1000, 1200); /* began in (1000, 1200] */
    cci_window_guess_seen(&g, 2, 6100, 6150); /* and the next in (6100, 6150] */
    uint64_t shortest, longest, after, by;
    ck_assert(cci_window_guess_length(&g, &shortest, &longest));
    ck_assert_uint_eq(shortest, 4900); /* 6100 - 1200 */
    ck_assert_uint_eq(longest, 5150);  /* 6150 - 1000 */
    ck_assert(cci_window_guess_start(&g, 3, &after, &by));
    /* from the first: (1000 + 2 * 4900, 1200 + 2 * 5150]; from the second: (11000, 11300] */
    ck_assert_uint_eq(after, 11000);
    ck_assert_uint_eq(by, 11300);
    /* further ahead the doubt about the length adds up */
    ck_assert(cci_window_guess_start(&g, 5, &after, &by));
    ck_assert_uint_eq(after, 6100 + 3 * 4900);
    ck_assert_uint_eq(by, 6150 + 3 * 5150);
}
END_TEST

/* A service whose windows are `length` long, the first beginning at `phase`; a probe at `at`
 * meets a window that has begun when at >= its start. */
static uint64_t start_of(uint64_t phase, uint64_t length, unsigned long window)
{
    return phase + window * length;
}

START_TEST(probing_halfway_each_window_pins_the_start_down)
{
    const uint64_t phase = 12345, length = 60000;
    cci_window_guess g = {0};
    /* found the way the limiter does at first: by waits that double, so roughly */
    cci_window_guess_seen(&g, 1, start_of(phase, length, 1) - 20000, start_of(phase, length, 1) + 11000);
    cci_window_guess_seen(&g, 2, start_of(phase, length, 2) - 9000, start_of(phase, length, 2) + 25000);
    uint64_t width_at[25] = {0};
    for (unsigned long window = 3; window < 25; window++) {
        uint64_t after, by;
        ck_assert(cci_window_guess_start(&g, window, &after, &by));
        uint64_t truth = start_of(phase, length, window);
        ck_assert_msg(after < truth && truth <= by, "window %lu: (%llu, %llu] misses %llu", window,
                      (unsigned long long)after, (unsigned long long)by, (unsigned long long)truth);
        width_at[window] = by - after;
        if (getenv("CCI_GUESS_VERBOSE")) fprintf(stderr, "window %lu: %llu wide\n", window, (unsigned long long)(by - after));
        /* one probe halfway: a 429 if the window has not begun, then a sure one at `by` */
        uint64_t halfway = after + (by - after) / 2;
        if (halfway >= truth) cci_window_guess_seen(&g, window, after, halfway);
        else cci_window_guess_seen(&g, window, halfway, by);
    }
    ck_assert_msg(width_at[12] <= length / 8, "%llu wide at window 12", (unsigned long long)width_at[12]);
    ck_assert_msg(width_at[24] <= length / 32, "%llu wide at window 24", (unsigned long long)width_at[24]);
}
END_TEST

START_TEST(a_sighting_that_does_not_fit_starts_the_learning_afresh)
{
    cci_window_guess g = {0};
    cci_window_guess_seen(&g, 1, 1000, 1100);
    cci_window_guess_seen(&g, 2, 2000, 2100); /* about 1000 long */
    cci_window_guess_seen(&g, 3, 9000, 9100); /* not where a window of that length begins */
    uint64_t after, by;
    ck_assert(!cci_window_guess_start(&g, 4, &after, &by)); /* only the last sighting is kept */
    cci_window_guess_seen(&g, 4, 14000, 14100);
    ck_assert(cci_window_guess_start(&g, 5, &after, &by));
    ck_assert_uint_ge(after, 14000 + 4900);
    ck_assert_uint_le(by, 14100 + 5100);
}
END_TEST

START_TEST(forget_drops_every_sighting)
{
    cci_window_guess g = {0};
    cci_window_guess_seen(&g, 1, 1000, 1100);
    cci_window_guess_seen(&g, 2, 2000, 2100);
    uint64_t after, by;
    ck_assert(cci_window_guess_start(&g, 3, &after, &by));
    cci_window_guess_forget(&g);
    ck_assert(!cci_window_guess_start(&g, 3, &after, &by));
}
END_TEST

START_TEST(the_oldest_sightings_make_room_and_the_guess_still_holds)
{
    const uint64_t phase = 700, length = 1000;
    cci_window_guess g = {0};
    for (unsigned long w = 1; w <= 3 * CCI_WINDOW_GUESS_SEEN; w++)
        cci_window_guess_seen(&g, w, start_of(phase, length, w) - 30, start_of(phase, length, w) + 10);
    ck_assert_uint_eq(g.count, CCI_WINDOW_GUESS_SEEN);
    uint64_t after, by;
    unsigned long next = 3 * CCI_WINDOW_GUESS_SEEN + 1;
    ck_assert(cci_window_guess_start(&g, next, &after, &by));
    ck_assert_uint_lt(after, start_of(phase, length, next));
    ck_assert_uint_ge(by, start_of(phase, length, next));
    ck_assert_uint_le(by - after, 45);
}
END_TEST

static Suite *window_guess_suite(void)
{
    Suite *s = suite_create("window_guess");
    TCase *tc = tcase_create("sightings");
    tcase_add_test(tc, one_sighting_says_nothing_of_the_next);
    tcase_add_test(tc, two_sightings_bound_the_length_and_the_next_start);
    tcase_add_test(tc, probing_halfway_each_window_pins_the_start_down);
    tcase_add_test(tc, a_sighting_that_does_not_fit_starts_the_learning_afresh);
    tcase_add_test(tc, forget_drops_every_sighting);
    tcase_add_test(tc, the_oldest_sightings_make_room_and_the_guess_still_holds);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN(window_guess_suite)
