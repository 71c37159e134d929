/* A row's outcome: its action's name and the text a report gives for it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cci/util/outcome.h"
#include "check_main.h"

START_TEST(every_action_has_the_reports_name)
{
    const char *const names[] = {"created", "updated",     "unchanged", "exists", "invalid",   "failed",
                                 "skipped", "deactivated", "reactivated", "superseded", "create", "update", "reactivate"};
    ck_assert_int_eq(CCI_ACTION_COUNT, sizeof names / sizeof *names);
    for (int a = 0; a < CCI_ACTION_COUNT; a++) ck_assert_str_eq(cci_action_name((cci_action)a), names[a]);
    ck_assert_str_eq(cci_action_name(CCI_ACTION_COUNT), "unknown");
}
END_TEST

START_TEST(saying_replaces_the_message_with_a_copy)
{
    cci_outcome o = {.action = CCI_ACTION_FAILED};
    char text[] = "first";
    cci_outcome_say(&o, text);
    text[0] = 'X';
    ck_assert_str_eq(o.message, "first");
    cci_outcome_say(&o, "second");
    ck_assert_str_eq(cci_outcome_text(&o), "second");
    cci_outcome_say(&o, NULL);
    ck_assert_ptr_null(o.message);
}
END_TEST

START_TEST(the_text_falls_back_to_the_code_then_to_saying_it_was_lost)
{
    cci_outcome o = {.action = CCI_ACTION_FAILED};
    snprintf(o.error_code, sizeof o.error_code, "ERR_UID_NOT_FOUND");
    ck_assert_str_eq(cci_outcome_text(&o), "ERR_UID_NOT_FOUND");
    o.error_code[0] = '\0';
    ck_assert_str_eq(cci_outcome_text(&o), "the reason could not be kept (out of memory)");
    o.action = CCI_ACTION_CREATED; /* a success needs no reason */
    ck_assert_str_eq(cci_outcome_text(&o), "");
}
END_TEST

static Suite *outcome_suite(void)
{
    Suite *suite = suite_create("outcome");
    TCase *tc = tcase_create("outcome");
    tcase_add_test(tc, every_action_has_the_reports_name);
    tcase_add_test(tc, saying_replaces_the_message_with_a_copy);
    tcase_add_test(tc, the_text_falls_back_to_the_code_then_to_saying_it_was_lost);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(outcome_suite)
