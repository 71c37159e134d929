/* The first line of each uid, learned as a file read once goes. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>

#include "state/app_users.h"
#include "state/uid_lines.h"
#include "check_main.h"

START_TEST(the_first_line_of_a_uid_stays_its_first)
{
    cci_uid_lines lines = {0};
    unsigned long first;
    ck_assert_uint_eq(cci_uid_lines_first(&lines, cci_uid_hash("ana")), 0);
    ck_assert(cci_uid_lines_note(&lines, cci_uid_hash("ana"), 3, &first));
    ck_assert_uint_eq(first, 3);
    ck_assert(cci_uid_lines_note(&lines, cci_uid_hash("ANA"), 9, &first)); /* letter case ignored */
    ck_assert_uint_eq(first, 3);
    ck_assert_uint_eq(cci_uid_lines_first(&lines, cci_uid_hash("ana")), 3);
    ck_assert_uint_eq(cci_uid_lines_first(&lines, cci_uid_hash("bob")), 0);
    ck_assert_uint_eq(lines.count, 1);
    cci_uid_lines_cleanup(&lines);
}
END_TEST

/* Past many doublings every uid keeps its line, and a hash of 0 is a key like any other. */
START_TEST(growing_keeps_every_line)
{
    enum { UIDS = 100000 };
    cci_uid_lines lines = {0};
    char uid[32];
    unsigned long first;
    for (unsigned long i = 0; i < UIDS; i++) {
        snprintf(uid, sizeof uid, "user%07lu", i);
        ck_assert(cci_uid_lines_note(&lines, cci_uid_hash(uid), i + 2, &first));
        ck_assert_uint_eq(first, i + 2);
    }
    ck_assert(cci_uid_lines_note(&lines, 0, 7, &first));
    ck_assert_uint_eq(first, 7);
    ck_assert_uint_eq(lines.count, UIDS + 1);
    ck_assert_uint_le(4 * lines.count, 3 * lines.capacity);
    for (unsigned long i = 0; i < UIDS; i++) {
        snprintf(uid, sizeof uid, "USER%07lu", i);
        ck_assert(cci_uid_lines_note(&lines, cci_uid_hash(uid), UIDS + 10, &first));
        ck_assert_uint_eq(first, i + 2);
    }
    ck_assert_uint_eq(cci_uid_lines_first(&lines, 0), 7);
    ck_assert_uint_eq(lines.count, UIDS + 1);
    cci_uid_lines_cleanup(&lines);
    ck_assert_uint_eq(lines.capacity, 0);
}
END_TEST

/* Room made at once holds the uids noted before it and after, without a rebuild until it fills. */
START_TEST(reserving_keeps_what_was_noted)
{
    cci_uid_lines lines = {0};
    unsigned long first;
    ck_assert(cci_uid_lines_note(&lines, cci_uid_hash("ana"), 2, &first));
    ck_assert(cci_uid_lines_reserve(&lines, 10000));
    size_t capacity = lines.capacity;
    ck_assert_uint_ge(3 * capacity, 4 * 10000);
    ck_assert_uint_eq(cci_uid_lines_first(&lines, cci_uid_hash("ana")), 2);
    char uid[32];
    for (unsigned long i = 0; i < 7000; i++) {
        snprintf(uid, sizeof uid, "u%lu", i);
        ck_assert(cci_uid_lines_note(&lines, cci_uid_hash(uid), i + 3, &first));
    }
    ck_assert_uint_eq(lines.capacity, capacity);
    ck_assert(cci_uid_lines_reserve(&lines, 10)); /* never smaller */
    ck_assert_uint_eq(lines.capacity, capacity);
    ck_assert(cci_uid_lines_reserve(&lines, (size_t)1 << 30)); /* bounded */
    ck_assert_uint_le(lines.capacity, (size_t)1 << 21);
    ck_assert_uint_eq(cci_uid_lines_first(&lines, cci_uid_hash("u6999")), 7002);
    cci_uid_lines_cleanup(&lines);
}
END_TEST

/* A prefetch is a hint: on a table not made yet, or before any note, it changes nothing. */
START_TEST(a_prefetch_changes_nothing)
{
    cci_uid_lines lines = {0};
    cci_uid_lines_prefetch(&lines, cci_uid_hash("ana")); /* no table yet */
    ck_assert_uint_eq(lines.capacity, 0);
    unsigned long first;
    for (unsigned long line = 2; line < 5000; line++) {
        char uid[32];
        snprintf(uid, sizeof uid, "user%lu", line % 3000);
        cci_uid_lines_prefetch(&lines, cci_uid_hash(uid));
        ck_assert(cci_uid_lines_note(&lines, cci_uid_hash(uid), line, &first));
        bool seen_before = line >= 3000 + 2; /* user0 and user1 first come at lines 3000 and 3001 */
        ck_assert_uint_eq(first, seen_before ? line - 3000 : line);
    }
    cci_uid_lines_cleanup(&lines);
}
END_TEST

static Suite *uid_lines_suite(void)
{
    Suite *suite = suite_create("uid_lines");
    TCase *tc = tcase_create("uid_lines");
    tcase_add_test(tc, the_first_line_of_a_uid_stays_its_first);
    tcase_add_test(tc, growing_keeps_every_line);
    tcase_add_test(tc, reserving_keeps_what_was_noted);
    tcase_add_test(tc, a_prefetch_changes_nothing);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(uid_lines_suite)
