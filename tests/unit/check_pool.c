/* The worker pool, with the reorder window as a run uses it. Run under ThreadSanitizer too. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "exec/pool.h"
#include "exec/reorder.h"
#include "check_main.h"

/* ---- reorder + pool: rows finished out of order come out in order ---- */

typedef struct ordered {
    size_t next_expected;
    size_t emitted;
    bool in_order;
} ordered;

typedef struct job {
    size_t seq;
    cci_reorder *reorder;
} job;

static void check_order(void *item, void *ctx)
{
    job *j = item;
    ordered *o = ctx;
    if (j->seq != o->next_expected) o->in_order = false;
    o->next_expected++;
    o->emitted++;
    free(j);
}

static void run_job(void *item, void *state)
{
    job *j = item;
    atomic_ulong *per_worker = state;
    atomic_fetch_add(per_worker, 1);
    /* finish out of order: some jobs do a little more work */
    volatile unsigned spin = (unsigned)(j->seq % 7) * 200;
    while (spin) spin--;
    cci_reorder_complete(j->reorder, j->seq, j);
}

START_TEST(pool_and_reorder_emit_every_row_once_in_order)
{
    ordered o = {.in_order = true};
    cci_reorder *reorder = cci_reorder_new(64, check_order, &o);
    enum { WORKERS = 8, JOBS = 30000 };
    atomic_ulong counts[WORKERS];
    void *states[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        atomic_init(&counts[w], 0);
        states[w] = &counts[w];
    }
    cci_pool *pool = cci_pool_start(WORKERS, 16, run_job, states);
    ck_assert_ptr_nonnull(pool);
    for (size_t i = 0; i < JOBS; i++) {
        job *j = malloc(sizeof *j);
        j->reorder = reorder;
        j->seq = cci_reorder_reserve(reorder);
        if (i % 5 == 0) {
            cci_reorder_complete(reorder, j->seq, j); /* finished by the producer, like an invalid row */
        } else {
            ck_assert(cci_pool_submit(pool, j));
        }
    }
    cci_pool_finish(pool);
    cci_reorder_wait_all(reorder);
    ck_assert(o.in_order);
    ck_assert_uint_eq(o.emitted, JOBS);
    unsigned long run_total = 0;
    for (int w = 0; w < WORKERS; w++) run_total += atomic_load(&counts[w]);
    ck_assert_uint_eq(run_total, JOBS - JOBS / 5);
    cci_reorder_free(reorder);
}
END_TEST

static Suite *pool_suite(void)
{
    Suite *suite = suite_create("pool");
    TCase *tc = tcase_create("concurrency");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, pool_and_reorder_emit_every_row_once_in_order);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(pool_suite)
