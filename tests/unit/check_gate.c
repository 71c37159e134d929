/* The update gate: one probe finds out whether the key may update, and the others follow it. */
#include <check.h>
#include <sched.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "send/gate.h"
#include "check_main.h"

static cci_update_gate gate;
static cci_stop *stop;

static void setup(void)
{
    cci_update_gate_init(&gate);
    stop = cci_stop_new();
    ck_assert_ptr_nonnull(stop);
}

static void teardown(void)
{
    cci_stop_free(stop);
    cci_update_gate_cleanup(&gate);
}

static cci_response answer(long status, const char *code)
{
    cci_response r = {.transport = CCI_TRANSPORT_OK, .status = status};
    snprintf(r.code, sizeof r.code, "%s", code);
    return r;
}

START_TEST(the_first_update_probes_and_an_answer_allows_the_rest)
{
    ck_assert_int_eq(cci_update_gate_enter(&gate, stop), CCI_UPDATES_PROBING);
    cci_response ok = answer(404, "ERR_UID_NOT_FOUND"); /* refused for the row, not for the key */
    cci_update_gate_settle(&gate, &ok);
    ck_assert_int_eq(cci_update_gate_state(&gate), CCI_UPDATES_ALLOWED);
    ck_assert_int_eq(cci_update_gate_enter(&gate, stop), CCI_UPDATES_ALLOWED);
}
END_TEST

START_TEST(no_access_refuses_every_update_after_it)
{
    ck_assert_int_eq(cci_update_gate_enter(&gate, stop), CCI_UPDATES_PROBING);
    cci_response refused = answer(401, "AUTH_ERR_NO_ACCESS");
    cci_update_gate_settle(&gate, &refused);
    ck_assert_int_eq(cci_update_gate_enter(&gate, stop), CCI_UPDATES_REFUSED);
    ck_assert_int_eq(cci_update_gate_enter(&gate, stop), CCI_UPDATES_REFUSED);
}
END_TEST

START_TEST(an_answer_that_is_no_verdict_leaves_it_to_the_next_update)
{
    const cci_response no_verdicts[] = {answer(429, ""), answer(503, ""),
                                        {.transport = CCI_TRANSPORT_TIMEOUT}};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(cci_update_gate_enter(&gate, stop), CCI_UPDATES_PROBING);
        cci_update_gate_settle(&gate, &no_verdicts[i]);
        ck_assert_int_eq(cci_update_gate_state(&gate), CCI_UPDATES_UNKNOWN);
    }
    ck_assert_int_eq(cci_update_gate_enter(&gate, stop), CCI_UPDATES_PROBING);
    cci_update_gate_settle(&gate, NULL); /* no answer at all */
    ck_assert_int_eq(cci_update_gate_state(&gate), CCI_UPDATES_UNKNOWN);
}
END_TEST

typedef struct waiter {
    pthread_t thread;
    atomic_bool entering, returned;
    cci_update_state got;
} waiter;

static void *enter_gate(void *arg)
{
    waiter *w = arg;
    atomic_store(&w->entering, true);
    w->got = cci_update_gate_enter(&gate, stop);
    atomic_store(&w->returned, true);
    return NULL;
}

static void start_waiter(waiter *w)
{
    atomic_init(&w->entering, false);
    atomic_init(&w->returned, false);
    ck_assert_int_eq(pthread_create(&w->thread, NULL, enter_gate, w), 0);
    while (!atomic_load(&w->entering)) sched_yield(); /* it is about to wait on the probe */
}

START_TEST(updates_during_a_probe_wait_for_its_verdict)
{
    ck_assert_int_eq(cci_update_gate_enter(&gate, stop), CCI_UPDATES_PROBING);
    waiter w;
    start_waiter(&w);
    ck_assert(!atomic_load(&w.returned)); /* held until the verdict (a gate that is not would mostly have let it go by now) */
    cci_response ok = answer(200, "");
    cci_update_gate_settle(&gate, &ok);
    pthread_join(w.thread, NULL);
    ck_assert_int_eq(w.got, CCI_UPDATES_ALLOWED); /* never a second probe */
}
END_TEST

START_TEST(a_stop_ends_the_wait_with_no_update)
{
    ck_assert_int_eq(cci_update_gate_enter(&gate, stop), CCI_UPDATES_PROBING);
    waiter w;
    start_waiter(&w);
    cci_stop_request(stop, CCI_STOP_INTERRUPTED, "interrupted");
    pthread_join(w.thread, NULL);
    ck_assert_int_eq(w.got, CCI_UPDATES_REFUSED);
    ck_assert_int_eq(cci_update_gate_state(&gate), CCI_UPDATES_PROBING); /* the probe still settles it */
}
END_TEST

static Suite *gate_suite(void)
{
    Suite *suite = suite_create("gate");
    TCase *tc = tcase_create("gate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_first_update_probes_and_an_answer_allows_the_rest);
    tcase_add_test(tc, no_access_refuses_every_update_after_it);
    tcase_add_test(tc, an_answer_that_is_no_verdict_leaves_it_to_the_next_update);
    tcase_add_test(tc, updates_during_a_probe_wait_for_its_verdict);
    tcase_add_test(tc, a_stop_ends_the_wait_with_no_update);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(gate_suite)
