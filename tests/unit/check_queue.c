/* The bounded queue between the reader and the workers. Run under ThreadSanitizer too. */
#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "exec/queue.h"
#include "check_main.h"

enum { ITEMS = 20000, PRODUCERS = 4, CONSUMERS = 4 };

static cci_queue *shared_queue;
static atomic_ulong consumed_sum, consumed_count;

static void *produce(void *arg)
{
    uintptr_t base = (uintptr_t)arg;
    for (uintptr_t i = 1; i <= ITEMS; i++) ck_assert(cci_queue_push(shared_queue, (void *)(base * ITEMS + i)));
    return NULL;
}

static void *consume(void *arg)
{
    (void)arg;
    void *item;
    while ((item = cci_queue_pop(shared_queue))) {
        atomic_fetch_add(&consumed_sum, (unsigned long)(uintptr_t)item);
        atomic_fetch_add(&consumed_count, 1);
    }
    return NULL;
}

START_TEST(queue_hands_every_item_to_exactly_one_consumer)
{
    shared_queue = cci_queue_new(8);
    atomic_store(&consumed_sum, 0);
    atomic_store(&consumed_count, 0);
    pthread_t producers[PRODUCERS], consumers[CONSUMERS];
    for (uintptr_t p = 0; p < PRODUCERS; p++) pthread_create(&producers[p], NULL, produce, (void *)p);
    for (int c = 0; c < CONSUMERS; c++) pthread_create(&consumers[c], NULL, consume, NULL);
    for (int p = 0; p < PRODUCERS; p++) pthread_join(producers[p], NULL);
    cci_queue_close(shared_queue);
    for (int c = 0; c < CONSUMERS; c++) pthread_join(consumers[c], NULL);
    unsigned long expected = 0;
    for (unsigned long p = 0; p < PRODUCERS; p++)
        for (unsigned long i = 1; i <= ITEMS; i++) expected += p * ITEMS + i;
    ck_assert_uint_eq(atomic_load(&consumed_count), PRODUCERS * ITEMS);
    ck_assert_uint_eq(atomic_load(&consumed_sum), expected);
    ck_assert(!cci_queue_push(shared_queue, (void *)1)); /* closed */
    cci_queue_free(shared_queue);
}
END_TEST

START_TEST(a_closed_queue_is_drained_before_it_says_empty)
{
    cci_queue *queue = cci_queue_new(4);
    int a = 1, b = 2;
    ck_assert(cci_queue_push(queue, &a));
    ck_assert(cci_queue_push(queue, &b));
    cci_queue_close(queue);
    ck_assert_ptr_eq(cci_queue_pop(queue), &a); /* first in, first out */
    ck_assert_ptr_eq(cci_queue_pop(queue), &b);
    ck_assert_ptr_null(cci_queue_pop(queue));
    cci_queue_free(queue);
}
END_TEST

static bool is_even(const void *item, void *context)
{
    (void)context;
    return (uintptr_t)item % 2 == 0;
}

START_TEST(consumers_take_the_items_they_accept_and_leave_the_others_in_order)
{
    cci_queue *queue = cci_queue_new(8);
    for (uintptr_t i = 1; i <= 6; i++) ck_assert(cci_queue_push(queue, (void *)i));
    ck_assert_uint_eq((uintptr_t)cci_queue_pop_matching(queue, is_even, NULL), 2);
    void *taken[8];
    ck_assert_uint_eq(cci_queue_take_matching(queue, is_even, NULL, taken, 8), 2);
    ck_assert_uint_eq((uintptr_t)taken[0], 4);
    ck_assert_uint_eq((uintptr_t)taken[1], 6);
    ck_assert_uint_eq(cci_queue_take_matching(queue, is_even, NULL, taken, 8), 0); /* never waits */
    cci_queue_close(queue);
    ck_assert(!cci_queue_wait_matching(queue, is_even, NULL, 1)); /* closed, and none it takes */
    ck_assert_ptr_null(cci_queue_pop_matching(queue, is_even, NULL));
    for (uintptr_t odd = 1; odd <= 5; odd += 2) ck_assert_uint_eq((uintptr_t)cci_queue_pop(queue), odd);
    ck_assert_ptr_null(cci_queue_pop(queue));
    cci_queue_free(queue);
}
END_TEST

static cci_queue *batch_queue;

static void *fill_to_full(void *arg)
{
    (void)arg;
    for (uintptr_t i = 1; i <= 4; i++) ck_assert(cci_queue_push(batch_queue, (void *)(i * 2)));
    return NULL;
}

START_TEST(a_batch_waits_for_enough_items_or_a_full_queue)
{
    batch_queue = cci_queue_new(4);
    pthread_t producer;
    ck_assert_int_eq(pthread_create(&producer, NULL, fill_to_full, NULL), 0);
    /* ten wanted, but the queue holds four: once it is full the producer waits, so that is enough */
    ck_assert(cci_queue_wait_matching(batch_queue, is_even, NULL, 10));
    pthread_join(producer, NULL);
    void *taken[10];
    ck_assert_uint_eq(cci_queue_take_matching(batch_queue, is_even, NULL, taken, 10), 4);
    cci_queue_close(batch_queue);
    cci_queue_free(batch_queue);
}
END_TEST

START_TEST(a_timed_wait_ends_early_once_nothing_is_left_to_wait_for)
{
    cci_queue *queue = cci_queue_new(4);
    ck_assert(cci_queue_push(queue, (void *)1));
    ck_assert(cci_queue_wait_for(queue, is_even, NULL, 5)); /* open: the time runs out, more may come */
    cci_queue_close(queue);
    ck_assert(!cci_queue_wait_for(queue, is_even, NULL, 3600000)); /* closed, none it takes: at once */
    ck_assert(cci_queue_push(queue, (void *)2) == false);
    cci_queue_free(queue);
}
END_TEST

/* A batching consumer waiting for ten even items, with one there: it must return once the
 * producer says it waits on the consumers, or once the queue is flushed (the run stopped). */
typedef struct batch_waiter {
    cci_queue *queue;
    atomic_bool returned;
    bool found;
} batch_waiter;

static void *wait_for_ten(void *arg)
{
    batch_waiter *waiter = arg;
    waiter->found = cci_queue_wait_matching(waiter->queue, is_even, NULL, 10);
    atomic_store(&waiter->returned, true);
    return NULL;
}

static void a_batch_wait_ends_when(void (*no_more_comes)(cci_queue *queue))
{
    batch_waiter waiter = {.queue = cci_queue_new(8)};
    atomic_init(&waiter.returned, false);
    ck_assert(cci_queue_push(waiter.queue, (void *)2));
    ck_assert(cci_queue_push(waiter.queue, (void *)3));
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, wait_for_ten, &waiter), 0);
    no_more_comes(waiter.queue);
    pthread_join(thread, NULL); /* a wait that ignored it would never end: the test would hang */
    ck_assert(atomic_load(&waiter.returned));
    ck_assert(waiter.found);
    void *taken[10];
    ck_assert_uint_eq(cci_queue_take_matching(waiter.queue, is_even, NULL, taken, 10), 1);
    cci_queue_close(waiter.queue);
    cci_queue_free(waiter.queue);
}

static void producer_waits(cci_queue *queue)
{
    cci_queue_producer_waiting(queue, true);
}

START_TEST(a_batch_is_not_waited_for_while_the_producer_waits_on_the_consumers)
{
    a_batch_wait_ends_when(producer_waits);
    /* once it goes on again, a batch is worth waiting for again: with nine, only a full queue ends it */
    cci_queue *queue = cci_queue_new(2);
    cci_queue_producer_waiting(queue, true);
    ck_assert(cci_queue_push(queue, (void *)4));
    ck_assert(cci_queue_wait_matching(queue, is_even, NULL, 10)); /* at once: the producer waits */
    cci_queue_producer_waiting(queue, false);
    ck_assert(cci_queue_push(queue, (void *)6));
    ck_assert(cci_queue_wait_matching(queue, is_even, NULL, 10)); /* full */
    cci_queue_close(queue);
    cci_queue_free(queue);
}
END_TEST

START_TEST(a_flushed_queue_ends_batch_waits_and_timed_waits)
{
    a_batch_wait_ends_when(cci_queue_flush);
    cci_queue *queue = cci_queue_new(4);
    cci_queue_flush(queue);
    ck_assert(cci_queue_wait_for(queue, is_even, NULL, 3600000)); /* at once, open: look again */
    cci_queue_census census = cci_queue_count(queue, is_even, NULL);
    ck_assert_uint_eq(census.items, 0);
    ck_assert_uint_eq(census.capacity, 4);
    ck_assert(!census.closed);
    ck_assert(cci_queue_push(queue, (void *)1));
    ck_assert(cci_queue_push(queue, (void *)2));
    census = cci_queue_count(queue, is_even, NULL);
    ck_assert_uint_eq(census.items, 2);
    ck_assert_uint_eq(census.matching, 1);
    cci_queue_close(queue);
    cci_queue_free(queue);
}
END_TEST

typedef struct timed_waiter {
    cci_queue *queue;
    atomic_bool returned;
    bool more;
} timed_waiter;

static void *wait_an_hour(void *arg)
{
    timed_waiter *waiter = arg;
    waiter->more = cci_queue_wait_for(waiter->queue, is_even, NULL, 3600000);
    atomic_store(&waiter->returned, true);
    return NULL;
}

START_TEST(a_timed_wait_ends_at_a_wake)
{
    timed_waiter waiter = {.queue = cci_queue_new(4)};
    atomic_init(&waiter.returned, false);
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, wait_an_hour, &waiter), 0);
    /* a wake that came before the wait began ends nothing: wake until it has ended */
    while (!atomic_load(&waiter.returned)) {
        cci_queue_wake(waiter.queue);
        sched_yield();
    }
    pthread_join(thread, NULL);
    ck_assert(waiter.more); /* open: look again */
    cci_queue_close(waiter.queue);
    cci_queue_free(waiter.queue);
}
END_TEST

static Suite *queue_suite(void)
{
    Suite *suite = suite_create("queue");
    TCase *tc = tcase_create("queue");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, queue_hands_every_item_to_exactly_one_consumer);
    tcase_add_test(tc, a_closed_queue_is_drained_before_it_says_empty);
    tcase_add_test(tc, consumers_take_the_items_they_accept_and_leave_the_others_in_order);
    tcase_add_test(tc, a_batch_waits_for_enough_items_or_a_full_queue);
    tcase_add_test(tc, a_timed_wait_ends_early_once_nothing_is_left_to_wait_for);
    tcase_add_test(tc, a_batch_is_not_waited_for_while_the_producer_waits_on_the_consumers);
    tcase_add_test(tc, a_flushed_queue_ends_batch_waits_and_timed_waits);
    tcase_add_test(tc, a_timed_wait_ends_at_a_wake);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(queue_suite)
