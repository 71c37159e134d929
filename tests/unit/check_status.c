/* Status codes beside their sentences. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "check_main.h"
#include "cci/util/status.h"

START_TEST(an_os_error_has_one_code)
{
    ck_assert_int_eq(cci_status_of_errno(ELOOP), CCI_REFUSED); /* a link where a file belongs */
    ck_assert_int_eq(cci_status_of_errno(EPERM), CCI_REFUSED);
    ck_assert_int_eq(cci_status_of_errno(ENOMEM), CCI_NOMEM);
    ck_assert_int_eq(cci_status_of_errno(ENOSPC), CCI_IO);
}
END_TEST

START_TEST(a_failure_writes_its_sentence_and_returns_its_code)
{
    char err[16];
    ck_assert_int_eq(cci_fail(CCI_LOCKED, err, sizeof err, "held by %d", 42), CCI_LOCKED);
    ck_assert_str_eq(err, "held by 42");
    /* bounded by the buffer, never past it */
    ck_assert_int_eq(cci_fail(CCI_IO, err, sizeof err, "%s", "a sentence longer than the buffer"), CCI_IO);
    ck_assert_uint_eq(strlen(err), sizeof err - 1);
    ck_assert_int_eq(cci_fail(CCI_NOMEM, NULL, 0, "nowhere to write"), CCI_NOMEM);
}
END_TEST

START_TEST(every_code_has_a_name)
{
    for (int s = CCI_OK; s <= CCI_STOPPED; s++) ck_assert_str_ne(cci_status_name((cci_status)s), "CCI_UNKNOWN");
    ck_assert_str_eq(cci_status_name(CCI_LOCKED), "CCI_LOCKED");
    ck_assert_str_eq(cci_status_name((cci_status)99), "CCI_UNKNOWN");
}
END_TEST

static Suite *status_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("status");
    tcase_add_test(tc, a_failure_writes_its_sentence_and_returns_its_code);
    tcase_add_test(tc, an_os_error_has_one_code);
    tcase_add_test(tc, every_code_has_a_name);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN(status_suite)
