/* Emitting finished rows: counted, reported in the order given, problems to the rejects file,
 * the first problems and a dry run's first rows kept for the summary. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cci/state/journal.h"
#include "run/sink.h"
#include "check_main.h"
#include "test_files.h"
#include "test_records.h"

/* cci_journal_open, the journal or NULL (err says why). */
static cci_journal *journal_opened(const char *path, const char *target, bool read_only, char *why, size_t why_len)
{
    cci_journal *journal;
    return cci_journal_open(&journal, path, target, read_only, why, why_len) == CCI_OK ? journal : NULL;
}


static test_path dir, report_path, rejects_path;
static cci_report *report;
static cci_rejects *rejects;
static cci_stop *stop;
static char kept[256], err[256];

static void setup(void)
{
    test_dir_new(dir, "sink");
    test_dir_file(report_path, dir, "users.report.csv");
    test_dir_file(rejects_path, dir, "users.rejects.csv");
    stop = cci_stop_new();
    ck_assert_ptr_nonnull(stop);
    ck_assert_msg(cci_report_open(&report, report_path, err, sizeof err) == CCI_OK, "%s", err);
    test_record header;
    cci_dialect dialect = {.delimiter = ',', .encoding = {.name = "UTF-8"}};
    ck_assert_msg(cci_rejects_new(&rejects, rejects_path, &dialect, NULL, RECORD(header, 1, "uid", "name"), err,
                                  sizeof err) == CCI_OK,
                  "%s", err);
}

static void teardown(void)
{
    cci_stop_free(stop);
    test_dir_remove(dir);
}

static const char FINGERPRINT[] = "0123456789abcdef0123456789abcdef";

static void emit(cci_sink *sink, unsigned long line, const char *uid, cci_action action, const char *message,
                 bool with_cells)
{
    cci_outcome outcome = {.line = line, .action = action};
    snprintf(outcome.uid, sizeof outcome.uid, "%s", uid);
    cci_outcome_say(&outcome, message);
    test_record r;
    cci_saved_row *saved = with_cells ? cci_saved_row_new(RECORD(r, line, uid, "Some Name")) : NULL;
    bool reported = cci_sink_emit(sink, &outcome, saved, action == CCI_ACTION_CREATED ? FINGERPRINT : NULL);
    ck_assert(reported == !sink->write_failed);
    free(saved);
    free(outcome.message);
}

START_TEST(rows_are_counted_reported_and_problems_go_to_the_rejects)
{
    cci_sink sink;
    cci_sink_init(&sink, report, rejects, stop, 10, false);
    emit(&sink, 2, "ana", CCI_ACTION_CREATED, NULL, true);
    emit(&sink, 3, "bad!", CCI_ACTION_INVALID, "uid holds '!'", true);
    emit(&sink, 4, "cy", CCI_ACTION_FAILED, "HTTP 500 three times", true);
    emit(&sink, 5, "dee", CCI_ACTION_UNCHANGED, NULL, true);
    ck_assert(!sink.write_failed);
    cci_import_result result = {0};
    cci_sink_finish(&sink, &result);
    ck_assert_int_eq(cci_report_close(report, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_int_eq(cci_rejects_close(rejects, kept, sizeof kept, err, sizeof err), CCI_OK);

    ck_assert_uint_eq(result.rows, 4);
    ck_assert_uint_eq(result.counts[CCI_ACTION_CREATED], 1);
    ck_assert_uint_eq(result.counts[CCI_ACTION_INVALID], 1);
    ck_assert_uint_eq(result.counts[CCI_ACTION_FAILED], 1);
    ck_assert_uint_eq(result.counts[CCI_ACTION_UNCHANGED], 1);
    ck_assert_uint_eq(result.problem_count, 2);
    ck_assert_str_eq(result.problems[0], "line 3: uid holds '!'");
    ck_assert_str_eq(result.problems[1], "line 4: HTTP 500 three times");

    const char *text = test_file_text(report_path);
    const char *ana = strstr(text, "2,ana,created"), *bad = strstr(text, "3,bad!,invalid");
    const char *cy = strstr(text, "4,cy,failed"), *dee = strstr(text, "5,dee,unchanged");
    ck_assert(ana && bad && cy && dee);
    ck_assert(ana < bad && bad < cy && cy < dee); /* in the order emitted */
    text = test_file_text(rejects_path);
    ck_assert_ptr_nonnull(strstr(text, "uid,name,error"));
    ck_assert_ptr_nonnull(strstr(text, "bad!,Some Name,uid holds '!'"));
    ck_assert_ptr_nonnull(strstr(text, "cy,Some Name,HTTP 500 three times"));
    ck_assert_ptr_null(strstr(text, "ana"));
    cci_import_result_cleanup(&result);
}
END_TEST

START_TEST(only_the_first_problems_are_kept_but_all_are_counted)
{
    cci_sink sink;
    cci_sink_init(&sink, report, rejects, stop, 2, false);
    for (unsigned long line = 2; line < 7; line++) emit(&sink, line, "x!", CCI_ACTION_INVALID, "wrong", true);
    cci_import_result result = {0};
    cci_sink_finish(&sink, &result);
    ck_assert_uint_eq(result.counts[CCI_ACTION_INVALID], 5);
    ck_assert_uint_eq(result.problem_count, 2);
    ck_assert_str_eq(result.problems[1], "line 3: wrong");
    ck_assert_uint_eq(cci_rejects_count(rejects), 5);
    ck_assert_int_eq(cci_report_close(report, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_int_eq(cci_rejects_close(rejects, kept, sizeof kept, err, sizeof err), CCI_OK);
    cci_import_result_cleanup(&result);
}
END_TEST

START_TEST(a_dry_run_keeps_its_first_rows_as_samples)
{
    cci_sink sink;
    cci_sink_init(&sink, report, rejects, stop, 10, true);
    for (unsigned long line = 2; line < 7; line++)
        emit(&sink, line, "u", CCI_ACTION_SKIPPED, "dry run: would create {}", false);
    cci_import_result result = {0};
    cci_sink_finish(&sink, &result);
    ck_assert_uint_eq(result.sample_count, CCI_DRY_RUN_SAMPLES);
    ck_assert_str_eq(result.samples[0], "line 2: dry run: would create {}");
    ck_assert_uint_eq(result.problem_count, 0);
    ck_assert_int_eq(cci_report_close(report, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_int_eq(cci_rejects_close(rejects, kept, sizeof kept, err, sizeof err), CCI_OK);
    cci_import_result_cleanup(&result);
}
END_TEST

START_TEST(a_problem_without_its_cells_is_reported_and_counted_as_lost_to_the_rejects)
{
    cci_sink sink;
    cci_sink_init(&sink, report, rejects, stop, 10, false);
    emit(&sink, 2, "z", CCI_ACTION_FAILED, "not sent: out of memory while keeping its cells", false);
    ck_assert_uint_eq(sink.rejects_lost, 1);
    ck_assert_uint_eq(cci_rejects_count(rejects), 0);
    cci_import_result result = {0};
    cci_sink_finish(&sink, &result);
    ck_assert_int_eq(cci_report_close(report, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_int_eq(cci_rejects_close(rejects, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_ptr_nonnull(strstr(test_file_text(report_path), "2,z,failed"));
    cci_import_result_cleanup(&result);
}
END_TEST

/* A disk that fills up: past RLIMIT_FSIZE a write fails (EFBIG) like one on a full disk. */
START_TEST(the_first_write_that_fails_stops_the_run_naming_the_file_and_the_reason)
{
    cci_sink sink;
    cci_sink_init(&sink, report, rejects, stop, 10, false);
    test_path journal_path;
    test_dir_file(journal_path, dir, "users.state");
    sink.journal = journal_opened(journal_path, "0123456789abcdef", false, err, sizeof err);
    ck_assert_msg(sink.journal != NULL, "%s", err);
    emit(&sink, 2, "ana", CCI_ACTION_CREATED, NULL, true);
    struct rlimit before, small;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &before), 0);
    small = before;
    small.rlim_cur = 4096;
    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    char uid[64];
    unsigned long last_emitted = 0;
    for (unsigned long line = 3; line < 200 && !sink.write_failed; line++) {
        last_emitted = line;
        snprintf(uid, sizeof uid, "user-with-a-long-enough-uid-%05lu", line);
        emit(&sink, line, uid, CCI_ACTION_CREATED, "a message long enough to fill the file in a few dozen rows", true);
    }
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &before), 0);
    ck_assert(sink.write_failed);
    /* the journal holds the rows whose report lines were written, and not the one that failed */
    unsigned long failed_line = 0;
    for (unsigned long line = 3; line < 200 && !failed_line; line++) {
        snprintf(uid, sizeof uid, "user-with-a-long-enough-uid-%05lu", line);
        char journaled[512];
        snprintf(journaled, sizeof journaled, " %s ", uid);
        if (!strstr(test_file_text(journal_path), journaled)) failed_line = line;
    }
    ck_assert_uint_gt(failed_line, 3);
    ck_assert_uint_eq(failed_line, last_emitted); /* its report line failed: never journaled */
    ck_assert(cci_journal_close(sink.journal));
    ck_assert(cci_stop_requested(stop));
    char reason[512];
    cci_stop_reason(stop, reason, sizeof reason);
    ck_assert_msg(strstr(reason, report_path) && strstr(reason, strerror(EFBIG)), "%s", reason);
    cci_import_result result = {0};
    cci_sink_finish(&sink, &result);
    ck_assert_int_eq(cci_report_close(report, kept, sizeof kept, err, sizeof err), CCI_IO); /* EFBIG: the disk's */
    ck_assert_int_ne(access(report_path, F_OK), 0); /* never renamed into place */
    ck_assert_int_eq(cci_rejects_close(rejects, kept, sizeof kept, err, sizeof err), CCI_OK);
    cci_import_result_cleanup(&result);
}
END_TEST

static Suite *sink_suite(void)
{
    Suite *suite = suite_create("sink");
    TCase *tc = tcase_create("sink");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rows_are_counted_reported_and_problems_go_to_the_rejects);
    tcase_add_test(tc, only_the_first_problems_are_kept_but_all_are_counted);
    tcase_add_test(tc, a_dry_run_keeps_its_first_rows_as_samples);
    tcase_add_test(tc, a_problem_without_its_cells_is_reported_and_counted_as_lost_to_the_rejects);
    tcase_add_test(tc, the_first_write_that_fails_stops_the_run_naming_the_file_and_the_reason);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(sink_suite)
