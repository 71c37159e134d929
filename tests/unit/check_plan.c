/* Deciding a row before anything is sent: invalid, repeated, unchanged, a dry run's, or to send. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan/plan.h"
#include "check_main.h"
#include "test_files.h"
#include "test_records.h"

/* cci_journal_open, the journal or NULL (err says why). */
static cci_journal *journal_opened(const char *path, const char *target, bool read_only, char *why, size_t why_len)
{
    cci_journal *journal;
    return cci_journal_open(&journal, path, target, read_only, why, why_len) == CCI_OK ? journal : NULL;
}


static test_path dir, journal_path;
static cci_mapping mapping;

static void setup(void)
{
    test_dir_new(dir, "plan");
    test_dir_file(journal_path, dir, "users.state");
    test_record header;
    char err[256];
    ck_assert_msg(cci_mapping_init(&mapping, RECORD(header, 1, "uid", "name", "tags"), NULL, 0, true, err,
                                   sizeof err) == CCI_OK,
                  "%s", err);
}

static void teardown(void)
{
    cci_mapping_cleanup(&mapping);
    test_dir_remove(dir);
}

static cci_journal *open_journal(void)
{
    char err[256];
    cci_journal *journal = journal_opened(journal_path, "0123456789abcdef", false, err, sizeof err);
    ck_assert_msg(journal != NULL, "%s", err);
    return journal;
}

/* A journal that knows uid by fingerprint, as a later run reads it (lookups see what was there
 * at open). */
static cci_journal *journal_knowing(const char *uid, const char *fingerprint)
{
    cci_journal *journal = open_journal();
    ck_assert(cci_journal_append(journal, uid, fingerprint));
    ck_assert(cci_journal_close(journal));
    return open_journal();
}

START_TEST(a_valid_row_is_sent_with_both_bodies_and_its_fingerprint)
{
    cci_planner planner;
    ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_UPSERT, false, false, NULL));
    test_record r;
    cci_planned_row row;
    ck_assert(cci_plan_row(&planner, RECORD(r, 2, "ana", "Ana", "a;b"), NULL, &row));
    ck_assert_uint_eq(row.outcome.line, 2);
    ck_assert_str_eq(row.outcome.uid, "ana");
    ck_assert_ptr_nonnull(strstr(row.create_body, "\"uid\":\"ana\""));
    ck_assert_ptr_null(strstr(row.update_body, "\"uid\""));
    ck_assert_ptr_nonnull(strstr(row.update_body, "\"name\":\"Ana\""));
    ck_assert_uint_eq(strlen(row.fingerprint), CCI_FINGERPRINT_LEN);
    ck_assert_ptr_nonnull(row.saved); /* a sent row may fail and reach the rejects file */
    ck_assert(!row.known);
    cci_planned_row_cleanup(&row);
    cci_planner_cleanup(&planner);
}
END_TEST

START_TEST(an_invalid_row_is_settled_with_what_is_wrong)
{
    cci_planner planner;
    ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_UPSERT, false, false, NULL));
    test_record r;
    cci_planned_row row;
    ck_assert(!cci_plan_row(&planner, RECORD(r, 7, "bad uid!", "Bad", ""), NULL, &row));
    ck_assert_int_eq(row.outcome.action, CCI_ACTION_INVALID);
    ck_assert_ptr_nonnull(strstr(row.outcome.message, "uid"));
    ck_assert_ptr_nonnull(row.saved);
    ck_assert_ptr_null(row.create_body);
    cci_planned_row_cleanup(&row);
    /* an invalid row's uid is not remembered: a later valid row with it is sent */
    ck_assert(!cci_plan_row(&planner, RECORD(r, 8, "cy", "", ""), NULL, &row)); /* no name */
    ck_assert_int_eq(row.outcome.action, CCI_ACTION_INVALID);
    cci_planned_row_cleanup(&row);
    ck_assert(cci_plan_row(&planner, RECORD(r, 9, "cy", "Cy", ""), NULL, &row));
    cci_planned_row_cleanup(&row);
    cci_planner_cleanup(&planner);
}
END_TEST

START_TEST(a_repeated_uid_is_invalid_and_names_the_first_line)
{
    cci_planner planner;
    ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_UPSERT, false, false, NULL));
    test_record r;
    cci_planned_row row;
    ck_assert(cci_plan_row(&planner, RECORD(r, 3, "ana", "Ana", ""), NULL, &row));
    cci_planned_row_cleanup(&row);
    ck_assert(!cci_plan_row(&planner, RECORD(r, 5, "ANA", "Ana Again", ""), NULL, &row));
    ck_assert_int_eq(row.outcome.action, CCI_ACTION_INVALID);
    ck_assert_ptr_nonnull(strstr(row.outcome.message, "already given on line 3"));
    ck_assert_ptr_nonnull(row.saved);
    cci_planned_row_cleanup(&row);
    cci_planner_cleanup(&planner);
}
END_TEST

START_TEST(a_row_the_journal_holds_as_it_is_is_unchanged_unless_forced)
{
    test_record r;
    cci_planned_row row;
    cci_planner planner;
    ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_UPSERT, false, false, NULL));
    ck_assert(cci_plan_row(&planner, RECORD(r, 2, "ana", "Ana", "x"), NULL, &row));
    cci_journal *journal = journal_knowing("ana", row.fingerprint);
    cci_planned_row_cleanup(&row);
    cci_planner_cleanup(&planner);

    ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_UPSERT, false, false, journal));
    ck_assert(!cci_plan_row(&planner, RECORD(r, 2, "ana", "Ana", "x"), NULL, &row));
    ck_assert_int_eq(row.outcome.action, CCI_ACTION_UNCHANGED);
    cci_planned_row_cleanup(&row);
    cci_planner_cleanup(&planner);
    /* a changed row of a known uid is sent, as an update first */
    ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_UPSERT, false, false, journal));
    ck_assert(cci_plan_row(&planner, RECORD(r, 2, "ana", "Ana B", "x"), NULL, &row));
    ck_assert(row.known);
    cci_planned_row_cleanup(&row);
    cci_planner_cleanup(&planner);

    ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_UPSERT, false, true, journal)); /* --force */
    ck_assert(cci_plan_row(&planner, RECORD(r, 2, "ana", "Ana", "x"), NULL, &row));
    ck_assert(row.known);
    cci_planned_row_cleanup(&row);
    cci_planner_cleanup(&planner);
    ck_assert(cci_journal_close(journal));
}
END_TEST

START_TEST(a_dry_run_sends_nothing_and_says_what_it_would_send)
{
    cci_journal *journal = journal_knowing("bob", "-");
    cci_planner planner;
    ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_UPSERT, true, false, journal));
    test_record r;
    cci_planned_row row;
    ck_assert(!cci_plan_row(&planner, RECORD(r, 2, "ana", "Ana", ""), NULL, &row));
    ck_assert_int_eq(row.outcome.action, CCI_ACTION_SKIPPED);
    ck_assert_ptr_nonnull(strstr(row.outcome.message, "dry run: would create (or update if the uid exists) {"));
    ck_assert_ptr_null(row.saved); /* a dry run's good row cannot reach the rejects file */
    cci_planned_row_cleanup(&row);
    /* a uid the journal knows would be updated, with the body without the uid */
    ck_assert(!cci_plan_row(&planner, RECORD(r, 3, "bob", "Bob", ""), NULL, &row));
    ck_assert_ptr_nonnull(strstr(row.outcome.message, "dry run: would update {\"name\":\"Bob\""));
    cci_planned_row_cleanup(&row);
    cci_planner_cleanup(&planner);

    ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_CREATE, true, false, NULL));
    ck_assert(!cci_plan_row(&planner, RECORD(r, 2, "cy", "Cy", ""), NULL, &row));
    ck_assert_ptr_nonnull(strstr(row.outcome.message, "dry run: would create {\"uid\":\"cy\""));
    cci_planned_row_cleanup(&row);
    cci_planner_cleanup(&planner);
    ck_assert(cci_journal_close(journal));
}
END_TEST

START_TEST(update_mode_needs_no_name)
{
    cci_planner planner;
    ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_UPDATE, false, false, NULL));
    test_record r;
    cci_planned_row row;
    ck_assert(cci_plan_row(&planner, RECORD(r, 2, "ana", "", "t"), NULL, &row));
    ck_assert_ptr_null(strstr(row.update_body, "\"name\""));
    cci_planned_row_cleanup(&row);
    cci_planner_cleanup(&planner);
}
END_TEST

/* Read once, a dry run learns the uids as they come: a repeat names the first line, even when
 * that row was invalid (as the preflight's census counts every readable uid). */
START_TEST(one_pass_finds_repeats_as_the_preflight_does)
{
    cci_one_pass pass = {0};
    cci_planner planner;
    ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_UPSERT, true, false, NULL));
    planner.one_pass = &pass;
    test_record r;
    cci_planned_row row;
    ck_assert(!cci_plan_row(&planner, RECORD(r, 2, "ana", "", ""), NULL, &row)); /* no name: invalid */
    ck_assert_int_eq(row.outcome.action, CCI_ACTION_INVALID);
    cci_planned_row_cleanup(&row);
    ck_assert(!cci_plan_row(&planner, RECORD(r, 3, "Ana", "Ana", ""), NULL, &row));
    ck_assert_int_eq(row.outcome.action, CCI_ACTION_INVALID);
    ck_assert_ptr_nonnull(strstr(row.outcome.message, "already given on line 2"));
    cci_planned_row_cleanup(&row);
    ck_assert(!cci_plan_row(&planner, RECORD(r, 4, "bob", "Bob", ""), NULL, &row));
    ck_assert_int_eq(row.outcome.action, CCI_ACTION_SKIPPED);
    cci_planned_row_cleanup(&row);
    ck_assert(!cci_one_pass_unsettled(&pass));
    ck_assert_uint_eq(cci_uid_lines_first(&pass.first_lines, cci_uid_hash("bob")), 4);
    cci_planner_cleanup(&planner);
    cci_one_pass_cleanup(&pass);
}
END_TEST

/* The padding is known only at the end: a valid id shorter than the width two others are padded
 * to makes the one pass unsettled, wherever it stands; mixed widths, or no short id, do not. */
START_TEST(one_pass_is_unsettled_only_when_the_padding_would_flag_a_row)
{
    static const char *const files[][4] = {
        {"789", "000123", "004567", "yes"},  /* the short id first: planned before the padding showed */
        {"000123", "004567", "789", "yes"},
        {"000123", "04567", "789", "no"},    /* two widths: no rule */
        {"000123", "004567", "123456", "no"}, /* nothing shorter */
        {"000123", "ana", "789", "no"},      /* one padded id is no rule */
    };
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        cci_one_pass pass = {0};
        cci_planner planner;
        ck_assert(cci_planner_init(&planner, &mapping, CCI_MODE_UPSERT, true, false, NULL));
        planner.one_pass = &pass;
        for (size_t i = 0; i < 3; i++) {
            test_record r;
            cci_planned_row row;
            ck_assert(!cci_plan_row(&planner, RECORD(r, 2 + i, files[f][i], "A", ""), NULL, &row));
            ck_assert_int_eq(row.outcome.action, CCI_ACTION_SKIPPED); /* planned without the padding */
            cci_planned_row_cleanup(&row);
        }
        ck_assert_msg(cci_one_pass_unsettled(&pass) == (strcmp(files[f][3], "yes") == 0), "file %zu", f);
        cci_planner_cleanup(&planner);
        cci_one_pass_cleanup(&pass);
    }
}
END_TEST

/* A row whose body was written ahead (cci_plan_prepare, in the read-ahead's thread) is planned
 * as the same row written here: valid, repeated, invalid, declined by the writer, shorter than the
 * padding, each alike, row for row. */
START_TEST(a_row_prepared_ahead_is_planned_as_one_written_here)
{
    static const char *const rows[][3] = {
        {"ana", "Ana", "a;b"},    {"bob", "Bob \"B\"", ""}, {"ANA", "Ana again", ""}, {"bad uid!", "Bad", ""},
        {"cy", "", "x"},          {"[\"t\"]", "T", ""},    {"dee", "Dee", "[\"json\"]"}, {"000123", "P", ""},
        {"004567", "Q", ""},      {"789", "R", ""},         {"  eve ", " Eve ", " t ; u "}, {"bob", "Bob", ""},
    };
    cci_one_pass passes[2];
    memset(passes, 0, sizeof passes);
    cci_planner planners[2];
    for (int p = 0; p < 2; p++) {
        ck_assert(cci_planner_init(&planners[p], &mapping, CCI_MODE_UPSERT, true, false, NULL));
        cci_planner_read_once(&planners[p], &passes[p]);
        ck_assert_ptr_nonnull(planners[p].shape);
    }
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        test_record r;
        const cci_record *record = RECORD(r, 2 + i, rows[i][0], rows[i][1], rows[i][2]);
        void *prepared = malloc(cci_plan_prepare_bound(&planners[1], record));
        ck_assert_ptr_nonnull(prepared);
        cci_plan_prepare(&planners[1], record, prepared);
        cci_planned_row here, ahead;
        ck_assert(!cci_plan_row(&planners[0], record, NULL, &here));
        ck_assert(!cci_plan_row(&planners[1], record, prepared, &ahead));
        ck_assert_int_eq(here.outcome.action, ahead.outcome.action);
        ck_assert_str_eq(here.outcome.uid, ahead.outcome.uid);
        ck_assert_uint_eq(here.outcome.line, ahead.outcome.line);
        ck_assert_str_eq(cci_outcome_text(&here.outcome), cci_outcome_text(&ahead.outcome));
        ck_assert((here.saved == NULL) == (ahead.saved == NULL));
        cci_planned_row_cleanup(&here);
        cci_planned_row_cleanup(&ahead);
        free(prepared);
    }
    ck_assert(cci_one_pass_unsettled(&passes[0])); /* 789, beside 000123 and 004567 */
    ck_assert(cci_one_pass_unsettled(&passes[1]));
    for (int p = 0; p < 2; p++) {
        cci_planner_cleanup(&planners[p]);
        cci_one_pass_cleanup(&passes[p]);
    }
}
END_TEST

static Suite *plan_suite(void)
{
    Suite *suite = suite_create("plan");
    TCase *tc = tcase_create("plan");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_valid_row_is_sent_with_both_bodies_and_its_fingerprint);
    tcase_add_test(tc, an_invalid_row_is_settled_with_what_is_wrong);
    tcase_add_test(tc, a_repeated_uid_is_invalid_and_names_the_first_line);
    tcase_add_test(tc, a_row_the_journal_holds_as_it_is_is_unchanged_unless_forced);
    tcase_add_test(tc, a_dry_run_sends_nothing_and_says_what_it_would_send);
    tcase_add_test(tc, update_mode_needs_no_name);
    tcase_add_test(tc, one_pass_finds_repeats_as_the_preflight_does);
    tcase_add_test(tc, one_pass_is_unsettled_only_when_the_padding_would_flag_a_row);
    tcase_add_test(tc, a_row_prepared_ahead_is_planned_as_one_written_here);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(plan_suite)
