/* The state journal's records, its recovery from a torn end, its targets and compaction. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cci/state/journal.h"
#include "check_main.h"
#include "test_files.h"

/* cci_journal_open, the journal or NULL (err says why). */
static cci_journal *journal_opened(const char *path, const char *target, bool read_only, char *why, size_t why_len)
{
    cci_journal *journal;
    return cci_journal_open(&journal, path, target, read_only, why, why_len) == CCI_OK ? journal : NULL;
}


static test_path dir, path;
static char err[512];

static void setup(void)
{
    test_dir_new(dir, "journal");
    test_dir_file(path, dir, "users.state");
}

static void teardown(void)
{
    test_dir_remove(dir);
}

static const char FP_A[] = "0123456789abcdef0123456789abcdef";
static const char FP_B[] = "fedcba9876543210fedcba9876543210";

START_TEST(records_survive_a_reopen_and_later_ones_win)
{
    cci_journal *j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    ck_assert_msg(j != NULL, "%s", err);
    ck_assert_ptr_null(cci_journal_lookup(j, "ana"));
    ck_assert(cci_journal_append(j, "ana", FP_A));
    ck_assert(cci_journal_append(j, "bob", "-"));
    ck_assert(cci_journal_append(j, "ana", FP_B));
    ck_assert(cci_journal_close(j));

    j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    ck_assert_str_eq(cci_journal_lookup(j, "ana"), FP_B);
    ck_assert_str_eq(cci_journal_lookup(j, "bob"), "-");
    ck_assert_uint_eq(cci_journal_stats_of(j).records, 3);
    ck_assert_uint_eq(cci_journal_stats_of(j).known, 2);
    ck_assert(cci_journal_close(j));
}
END_TEST

START_TEST(the_fields_an_import_set_are_recorded_beside_the_fingerprint)
{
    cci_journal *j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    char record[64];
    snprintf(record, sizeof record, "%s/0000000a,bd5e6047", FP_A);
    ck_assert(cci_journal_append(j, "ana", record));
    ck_assert(cci_journal_append(j, "bob", FP_B)); /* as an earlier version wrote it */
    snprintf(record, sizeof record, "%s/0000000a,NOTHEX!", FP_A);
    ck_assert(cci_journal_append(j, "cy", record)); /* damaged: ignored at the next open */
    ck_assert(cci_journal_close(j));
    j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    ck_assert_str_eq(cci_journal_lookup(j, "ana"), FP_A);
    ck_assert_str_eq(cci_journal_fields(j, "ana"), "0000000a,bd5e6047");
    ck_assert_str_eq(cci_journal_fields(j, "bob"), "");
    ck_assert_ptr_null(cci_journal_lookup(j, "cy"));
    ck_assert_ptr_null(cci_journal_fields(j, "cy"));
    ck_assert_uint_eq(cci_journal_stats_of(j).ignored, 1);
    ck_assert(cci_journal_close(j));
}
END_TEST

START_TEST(the_record_format_is_a_checked_line)
{
    cci_journal *j = journal_opened(path, "bbbbbbbbbbbbbbbb", false, err, sizeof err);
    cci_journal_append(j, "zoe-1", FP_A);
    cci_journal_close(j);
    FILE *file = fopen(path, "r");
    char header[128], line[256];
    ck_assert_ptr_nonnull(fgets(header, sizeof header, file));
    ck_assert(header[0] == '#');
    ck_assert_ptr_nonnull(fgets(line, sizeof line, file));
    fclose(file);
    char expected[128];
    snprintf(expected, sizeof expected, "U bbbbbbbbbbbbbbbb zoe-1 %s ", FP_A);
    ck_assert(strncmp(line, expected, strlen(expected)) == 0);
    ck_assert_uint_eq(strlen(line), strlen(expected) + 16 + 1); /* 16 hex digits and a newline */
}
END_TEST

START_TEST(a_torn_or_damaged_record_is_ignored_never_fatal)
{
    cci_journal *j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    cci_journal_append(j, "ana", FP_A);
    cci_journal_append(j, "bob", FP_A);
    cci_journal_close(j);
    /* a crash in the middle of the last write, and a bit flipped in another line */
    FILE *file = fopen(path, "a");
    fputs("U aaaaaaaaaaaaaaaa carol 0123456789abcdef01", file);
    fclose(file);
    file = fopen(path, "r+");
    char text[1024];
    size_t n = fread(text, 1, sizeof text - 1, file);
    text[n] = '\0';
    char *bob = strstr(text, " bob ");
    bob[2] = 'X'; /* "bXb": the check no longer matches */
    rewind(file);
    fwrite(text, 1, n, file);
    fclose(file);

    j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(cci_journal_lookup(j, "ana"), FP_A);
    ck_assert_ptr_null(cci_journal_lookup(j, "bob"));
    ck_assert_ptr_null(cci_journal_lookup(j, "bXb"));
    ck_assert_ptr_null(cci_journal_lookup(j, "carol"));
    ck_assert_uint_eq(cci_journal_stats_of(j).ignored, 2);
    /* appending after a torn end still gives whole lines */
    ck_assert(cci_journal_append(j, "dave", FP_B));
    cci_journal_close(j);
    j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    ck_assert_str_eq(cci_journal_lookup(j, "dave"), FP_B);
    cci_journal_close(j);
}
END_TEST

START_TEST(another_target_is_never_used)
{
    char a[17], b[17], a_again[17], app[17];
    cci_journal_target("http://127.0.0.1:8001/v3", NULL, NULL, a);
    cci_journal_target("http://127.0.0.1:8002/v3", NULL, NULL, b);
    cci_journal_target("http://127.0.0.1:8001/v3/", NULL, NULL, a_again);
    cci_journal_target(NULL, "app1", "eu", app);
    ck_assert_str_ne(a, b);
    ck_assert_str_eq(a, a_again);
    ck_assert_str_ne(a, app);
    cci_journal *j = journal_opened(path, a, false, err, sizeof err);
    cci_journal_append(j, "ana", FP_A);
    cci_journal_close(j);
    j = journal_opened(path, b, false, err, sizeof err);
    ck_assert_ptr_null(cci_journal_lookup(j, "ana"));
    cci_journal_close(j);
}
END_TEST

static unsigned long count_lines(void)
{
    FILE *file = fopen(path, "r");
    char line[256];
    unsigned long n = 0;
    while (fgets(line, sizeof line, file)) n++;
    fclose(file);
    return n;
}

START_TEST(superseded_records_are_compacted_at_open)
{
    cci_journal *j = journal_opened(path, "bbbbbbbbbbbbbbbb", false, err, sizeof err);
    cci_journal_append(j, "other-target-user", FP_A);
    cci_journal_close(j);
    j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    char with_fields[64];
    snprintf(with_fields, sizeof with_fields, "%s/0000000a,bd5e6047", FP_A);
    for (int i = 0; i < 1500; i++) {
        cci_journal_append(j, "ana", i % 2 ? FP_A : FP_B);
        cci_journal_append(j, "bob", with_fields);
    }
    cci_journal_close(j);
    ck_assert_uint_eq(count_lines(), 1 + 1 + 3000);
    j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    ck_assert(cci_journal_stats_of(j).compacted);
    ck_assert_str_eq(cci_journal_lookup(j, "ana"), FP_A);
    cci_journal_close(j);
    ck_assert_uint_eq(count_lines(), 1 + 1 + 2); /* header, the other target's, ana, bob */
    j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    ck_assert(!cci_journal_stats_of(j).compacted);
    ck_assert_str_eq(cci_journal_lookup(j, "ana"), FP_A);
    ck_assert_str_eq(cci_journal_lookup(j, "bob"), FP_A);
    ck_assert_str_eq(cci_journal_fields(j, "bob"), "0000000a,bd5e6047"); /* compaction keeps the fields */
    ck_assert_str_eq(cci_journal_fields(j, "ana"), "");
    cci_journal_close(j);
    j = journal_opened(path, "bbbbbbbbbbbbbbbb", false, err, sizeof err);
    ck_assert_str_eq(cci_journal_lookup(j, "other-target-user"), FP_A);
    cci_journal_close(j);
}
END_TEST

START_TEST(a_read_only_journal_writes_nothing)
{
    cci_journal *j = journal_opened(path, "aaaaaaaaaaaaaaaa", true, err, sizeof err);
    ck_assert(cci_journal_append(j, "ana", FP_A));
    ck_assert(cci_journal_close(j));
    ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

/* A journal kept beside a report before the journal belonged to the app: read for the uids the
 * app's journal does not know, never written. */
START_TEST(an_earlier_journal_is_adopted_for_unknown_uids_only)
{
    test_path earlier;
    test_dir_file(earlier, dir, "beside-the-report.state");
    cci_journal *old = journal_opened(earlier, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    ck_assert(cci_journal_append(old, "ana", FP_A));
    ck_assert(cci_journal_append(old, "bob", FP_A));
    ck_assert(cci_journal_close(old));
    const char *before = test_file_text(earlier);
    char *copy = strdup(before);

    cci_journal *j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    ck_assert(cci_journal_append(j, "ana", FP_B)); /* the app's own record is the newer */
    ck_assert(cci_journal_close(j));
    j = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    unsigned long adopted;
    ck_assert_msg(cci_journal_adopt(j, earlier, &adopted, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert_uint_eq(adopted, 1);
    ck_assert_str_eq(cci_journal_lookup(j, "ana"), FP_B);
    ck_assert_str_eq(cci_journal_lookup(j, "bob"), FP_A);
    ck_assert_uint_eq(cci_journal_stats_of(j).known, 2);
    test_path missing;
    test_dir_file(missing, dir, "none.state");
    ck_assert_int_eq(cci_journal_adopt(j, missing, &adopted, err, sizeof err), CCI_OK);
    ck_assert_uint_eq(adopted, 0);
    /* one that cannot be read (a folder: opened, but no line reads) is the disk's failure */
    ck_assert_int_eq(cci_journal_adopt(j, dir, &adopted, err, sizeof err), CCI_IO);
    ck_assert_msg(strstr(err, "cannot adopt the earlier state journal") && strstr(err, strerror(EISDIR)), "%s", err);
    ck_assert_uint_eq(adopted, 0);
    ck_assert(cci_journal_close(j));
    ck_assert_str_eq(test_file_text(earlier), copy); /* never written */
    free(copy);
    j = journal_opened(path, "aaaaaaaaaaaaaaaa", true, err, sizeof err); /* the app's alone knows bob now */
    ck_assert_str_eq(cci_journal_lookup(j, "bob"), FP_A);
    ck_assert_str_eq(cci_journal_lookup(j, "ana"), FP_B);
    ck_assert(cci_journal_close(j));
}
END_TEST

/* One run per journal: a second writer is refused with the holder named; a reader is not. */
START_TEST(a_second_run_on_the_same_journal_is_refused_naming_the_first)
{
    cci_journal *first = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    ck_assert_msg(first != NULL, "%s", err);
    cci_journal *refused;
    ck_assert_int_eq(cci_journal_open(&refused, path, "aaaaaaaaaaaaaaaa", false, err, sizeof err), CCI_LOCKED);
    ck_assert_ptr_null(refused);
    char pid[32];
    snprintf(pid, sizeof pid, "process %ld", (long)getpid());
    ck_assert_msg(strstr(err, "in use by another run") && strstr(err, pid) && strstr(err, "--state"), "%s", err);
    cci_journal *reader = journal_opened(path, "aaaaaaaaaaaaaaaa", true, err, sizeof err); /* a dry run */
    ck_assert_msg(reader != NULL, "%s", err);
    ck_assert(cci_journal_close(reader));
    ck_assert(cci_journal_close(first));
    cci_journal *second = journal_opened(path, "aaaaaaaaaaaaaaaa", false, err, sizeof err);
    ck_assert_msg(second != NULL, "%s", err);
    ck_assert(cci_journal_close(second));
}
END_TEST

START_TEST(a_symlinked_journal_is_never_written_through)
{
    test_path target;
    test_dir_file(target, dir, "elsewhere");
    test_file_write(target, "precious\n");
    ck_assert_int_eq(symlink(target, path), 0);
    cci_journal *refused;
    ck_assert_int_eq(cci_journal_open(&refused, path, "aaaaaaaaaaaaaaaa", false, err, sizeof err), CCI_REFUSED);
    ck_assert_msg(strstr(err, "symbolic link") != NULL, "%s", err);
    ck_assert_str_eq(test_file_text(target), "precious\n");
}
END_TEST

static Suite *journal_suite(void)
{
    Suite *suite = suite_create("journal");
    TCase *tc = tcase_create("journal");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, records_survive_a_reopen_and_later_ones_win);
    tcase_add_test(tc, the_record_format_is_a_checked_line);
    tcase_add_test(tc, a_torn_or_damaged_record_is_ignored_never_fatal);
    tcase_add_test(tc, another_target_is_never_used);
    tcase_add_test(tc, a_read_only_journal_writes_nothing);
    tcase_add_test(tc, superseded_records_are_compacted_at_open);
    tcase_add_test(tc, a_second_run_on_the_same_journal_is_refused_naming_the_first);
    tcase_add_test(tc, an_earlier_journal_is_adopted_for_unknown_uids_only);
    tcase_add_test(tc, a_symlinked_journal_is_never_written_through);
    tcase_add_test(tc, the_fields_an_import_set_are_recorded_beside_the_fingerprint);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(journal_suite)
