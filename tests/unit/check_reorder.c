/* The reorder window: rows finished in any order come out in input order, once each. */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "exec/reorder.h"
#include "check_main.h"

typedef struct emitted {
    size_t order[16];
    size_t count;
} emitted;

static void record_emit(void *item, void *ctx)
{
    emitted *e = ctx;
    e->order[e->count++] = *(size_t *)item;
}

START_TEST(rows_finished_backwards_come_out_in_order_once_the_first_is_in)
{
    emitted e = {0};
    cci_reorder *reorder = cci_reorder_new(8, record_emit, &e);
    size_t seqs[5];
    for (int i = 0; i < 5; i++) seqs[i] = cci_reorder_reserve(reorder);
    for (int i = 4; i >= 1; i--) cci_reorder_complete(reorder, seqs[i], &seqs[i]);
    ck_assert_uint_eq(e.count, 0); /* held back: the first is not finished */
    cci_reorder_complete(reorder, seqs[0], &seqs[0]);
    cci_reorder_wait_all(reorder);
    ck_assert_uint_eq(e.count, 5);
    for (size_t i = 0; i < 5; i++) ck_assert_uint_eq(e.order[i], seqs[i]);
    for (size_t i = 1; i < 5; i++) ck_assert_uint_eq(seqs[i], seqs[i - 1] + 1);
    cci_reorder_free(reorder);
}
END_TEST

START_TEST(a_row_finished_in_order_is_emitted_at_once)
{
    emitted e = {0};
    cci_reorder *reorder = cci_reorder_new(2, record_emit, &e);
    for (size_t i = 0; i < 6; i++) { /* more rows than the window: each frees its place */
        size_t *seq = malloc(sizeof *seq);
        *seq = cci_reorder_reserve(reorder);
        cci_reorder_complete(reorder, *seq, seq);
        ck_assert_uint_eq(e.count, i + 1);
        free(seq);
    }
    cci_reorder_wait_all(reorder);
    cci_reorder_free(reorder);
}
END_TEST

START_TEST(a_full_window_is_told_without_waiting)
{
    emitted e = {0};
    cci_reorder *reorder = cci_reorder_new(2, record_emit, &e);
    size_t a, b, c;
    ck_assert(cci_reorder_try_reserve(reorder, &a));
    ck_assert(cci_reorder_try_reserve(reorder, &b));
    ck_assert(!cci_reorder_try_reserve(reorder, &c)); /* full: reserve would wait */
    cci_reorder_complete(reorder, b, &b);
    cci_reorder_census census = cci_reorder_count(reorder);
    ck_assert_uint_eq(census.oldest, a);
    ck_assert_uint_eq(census.unemitted, 2);
    ck_assert_uint_eq(census.finished, 1); /* b, waiting for a */
    ck_assert_uint_eq(census.window, 2);
    ck_assert(!cci_reorder_try_reserve(reorder, &c));
    cci_reorder_complete(reorder, a, &a);
    ck_assert(cci_reorder_try_reserve(reorder, &c));
    ck_assert_uint_eq(c, b + 1);
    cci_reorder_complete(reorder, c, &c);
    cci_reorder_wait_all(reorder);
    ck_assert_uint_eq(e.count, 3);
    cci_reorder_free(reorder);
}
END_TEST

/* Emitted behind: by the reorder's own thread, never the producer's, in order, each once. */
typedef struct behind_log {
    pthread_t producer;
    size_t next; /* the seq expected next */
    bool out_of_order, on_producer;
} behind_log;

static void check_behind(void *item, void *ctx)
{
    behind_log *log = ctx;
    size_t seq = *(size_t *)item;
    log->out_of_order = log->out_of_order || seq != log->next;
    log->on_producer = log->on_producer || pthread_equal(pthread_self(), log->producer);
    log->next = seq + 1;
    free(item);
}

static const size_t behind_windows[] = {1, 2, 7, 64, 2048};

/* _i: the window. Rows finished in blocks, each block backwards: held back, then let go at once. */
START_TEST(rows_emitted_behind_come_out_in_order_from_their_own_thread)
{
    behind_log log = {.producer = pthread_self()};
    size_t window = behind_windows[_i];
    cci_reorder *reorder = cci_reorder_new(window, check_behind, &log);
    ck_assert(cci_reorder_emit_behind(reorder));
    enum { ROWS = 20000 };
    unsigned random = 11;
    for (size_t done = 0; done < ROWS;) {
        random = random * 1103515245u + 12345u;
        size_t block = 1 + (random >> 16) % window, *seqs[2048];
        if (block > ROWS - done) block = ROWS - done;
        for (size_t i = 0; i < block; i++) {
            seqs[i] = malloc(sizeof *seqs[i]);
            *seqs[i] = cci_reorder_reserve(reorder);
        }
        for (size_t i = block; i-- > 0;) cci_reorder_complete(reorder, *seqs[i], seqs[i]);
        done += block;
    }
    cci_reorder_wait_all(reorder);
    ck_assert_uint_eq(log.next, ROWS); /* wait_all saw every one emitted */
    ck_assert(!log.out_of_order);
    ck_assert(!log.on_producer);
    cci_reorder_free(reorder);
}
END_TEST

/* A run that ends with rows never finished (out of memory, say) frees the reorder: its thread
 * ends, and the rows after the unfinished one are not emitted. */
START_TEST(freeing_ends_the_emitting_thread_with_rows_unfinished)
{
    behind_log log = {.producer = pthread_self()};
    cci_reorder *reorder = cci_reorder_new(8, check_behind, &log);
    ck_assert(cci_reorder_emit_behind(reorder));
    size_t first = cci_reorder_reserve(reorder);
    (void)first;
    size_t *second = malloc(sizeof *second);
    *second = cci_reorder_reserve(reorder);
    cci_reorder_complete(reorder, *second, second);
    cci_reorder_free(reorder);
    ck_assert_uint_eq(log.next, 0);
    free(second); /* never emitted: still the producer's */
}
END_TEST

/* A run of places is at most what the window has room for; places given back are reserved again. */
START_TEST(a_run_of_places_is_bounded_by_the_window_and_can_be_given_back)
{
    emitted e = {0};
    cci_reorder *reorder = cci_reorder_new(8, record_emit, &e);
    size_t first, again, seqs[8];
    ck_assert_uint_eq(cci_reorder_try_reserve_run(reorder, 5, &first), 5);
    ck_assert_uint_eq(cci_reorder_try_reserve_run(reorder, 5, &again), 3); /* the room left */
    ck_assert_uint_eq(again, first + 5);
    ck_assert_uint_eq(cci_reorder_try_reserve_run(reorder, 5, &again), 0);
    cci_reorder_unreserve(reorder, first + 5, 3); /* the last three, unused */
    ck_assert_uint_eq(cci_reorder_count(reorder).unemitted, 5);
    for (size_t i = 0; i < 5; i++) seqs[i] = first + i;
    void *items[5] = {&seqs[0], &seqs[1], &seqs[2], &seqs[3], &seqs[4]};
    cci_reorder_complete_run(reorder, first, 5, items);
    cci_reorder_wait_all(reorder); /* ends: nothing is owed for the places given back */
    ck_assert_uint_eq(e.count, 5);
    for (size_t i = 0; i < 5; i++) ck_assert_uint_eq(e.order[i], first + i);
    ck_assert_uint_eq(cci_reorder_try_reserve_run(reorder, 1, &again), 1);
    ck_assert_uint_eq(again, first + 5); /* the numbers go on from the last one used */
    seqs[5] = again;
    cci_reorder_complete(reorder, again, &seqs[5]);
    cci_reorder_wait_all(reorder);
    ck_assert_uint_eq(e.count, 6);
    cci_reorder_free(reorder);
}
END_TEST

/* _i: the window. Runs reserved and handed in whole, emitted behind: in order, each once, from
 * the reorder's own thread; a run's unused tail given back. */
START_TEST(runs_handed_in_come_out_in_order)
{
    behind_log log = {.producer = pthread_self()};
    size_t window = behind_windows[_i];
    cci_reorder *reorder = cci_reorder_new(window, check_behind, &log);
    ck_assert(cci_reorder_emit_behind(reorder));
    enum { ROWS = 20000, RUN = 64 };
    unsigned random = 7;
    for (size_t done = 0; done < ROWS;) {
        size_t first, reserved = cci_reorder_try_reserve_run(reorder, RUN, &first);
        if (!reserved) {
            first = cci_reorder_reserve(reorder); /* waits for room */
            reserved = 1;
        }
        random = random * 1103515245u + 12345u;
        size_t used = 1 + (random >> 16) % reserved;
        if (used > ROWS - done) used = ROWS - done;
        void *items[RUN];
        for (size_t i = 0; i < used; i++) {
            size_t *seq = malloc(sizeof *seq);
            *seq = first + i;
            items[i] = seq;
        }
        cci_reorder_unreserve(reorder, first + used, reserved - used);
        cci_reorder_complete_run(reorder, first, used, items);
        done += used;
    }
    cci_reorder_wait_all(reorder);
    ck_assert_uint_eq(log.next, ROWS);
    ck_assert(!log.out_of_order);
    ck_assert(!log.on_producer);
    cci_reorder_free(reorder);
}
END_TEST

static Suite *reorder_suite(void)
{
    Suite *suite = suite_create("reorder");
    TCase *tc = tcase_create("reorder");
    tcase_add_test(tc, rows_finished_backwards_come_out_in_order_once_the_first_is_in);
    tcase_add_test(tc, a_row_finished_in_order_is_emitted_at_once);
    tcase_add_test(tc, a_full_window_is_told_without_waiting);
    tcase_add_loop_test(tc, rows_emitted_behind_come_out_in_order_from_their_own_thread, 0,
                        (int)(sizeof behind_windows / sizeof *behind_windows));
    tcase_add_test(tc, freeing_ends_the_emitting_thread_with_rows_unfinished);
    tcase_add_test(tc, a_run_of_places_is_bounded_by_the_window_and_can_be_given_back);
    tcase_add_loop_test(tc, runs_handed_in_come_out_in_order, 0,
                        (int)(sizeof behind_windows / sizeof *behind_windows));
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(reorder_suite)
