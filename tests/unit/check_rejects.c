/* The rejects file: each bad row's own cells and why, in the input's dialect, encoding and line
 * ends, and a write that fails said by its code. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cci/output/report.h"
#include "check_main.h"
#include "test_files.h"
#include "test_records.h"

static test_path dir, path;

static void setup(void)
{
    test_dir_new(dir, "rejects");
    test_dir_file(path, dir, "users.rejects.csv");
}

static void teardown(void)
{
    test_dir_remove(dir);
}

START_TEST(rejects_keep_the_dialect_and_the_cells)
{
    test_record header, row;
    char kept[512], err[256], rejects_path[600];
    snprintf(rejects_path, sizeof rejects_path, "%s/users.rejects.csv", dir);
    cci_dialect dialect = {.delimiter = ';', .encoding = {.name = "UTF-8"}};
    cci_rejects *rejects;
    ck_assert_int_eq(cci_rejects_new(&rejects, rejects_path, &dialect, NULL,
                                     RECORD(header, 1, "uid", "name", "tags"), err, sizeof err), CCI_OK);
    ck_assert_ptr_nonnull(rejects);
    ck_assert(access(rejects_path, F_OK) != 0); /* nothing in place until it is closed */
    char partial[sizeof rejects_path + 16];
    snprintf(partial, sizeof partial, "%s.partial", rejects_path);
    ck_assert_int_eq(access(partial, W_OK), 0); /* but created: an unwritable path shows at once */
    cci_saved_row *saved = cci_saved_row_new(RECORD(row, 3, " Bad Uid ", "=Bob", "a;b"));
    ck_assert(cci_rejects_write(rejects, saved, "uid: has a space"));
    free(saved);
    saved = cci_saved_row_new(RECORD(row, 4, "short"));
    ck_assert(cci_rejects_write(rejects, saved, "2 cells missing"));
    free(saved);
    ck_assert_uint_eq(cci_rejects_count(rejects), 2);
    ck_assert_int_eq(cci_rejects_close(rejects, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_str_eq(test_file_text(rejects_path), "uid;name;tags;error\n"
                                          "\" Bad Uid \";=Bob;\"a;b\";uid: has a space\n"
                                          "short;;;2 cells missing\n");
}
END_TEST

START_TEST(a_fed_back_rejects_file_reuses_its_error_column)
{
    test_record header, row;
    char kept[512], err[256], rejects_path[600];
    snprintf(rejects_path, sizeof rejects_path, "%s/again.csv", dir);
    cci_dialect dialect = {.delimiter = ',', .encoding = {.name = "UTF-8"}};
    cci_rejects *rejects;
    ck_assert_int_eq(cci_rejects_new(&rejects, rejects_path, &dialect, NULL,
                                     RECORD(header, 1, "uid", "name", "error"), err, sizeof err), CCI_OK);
    cci_saved_row *saved = cci_saved_row_new(RECORD(row, 2, "a", "", "old problem"));
    ck_assert(cci_rejects_write(rejects, saved, "new problem"));
    free(saved);
    ck_assert_int_eq(cci_rejects_close(rejects, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_str_eq(test_file_text(rejects_path), "uid,name,error\na,,new problem\n");
}
END_TEST

/* Reads a whole file (binary) into a static buffer; returns its length. */
static size_t slurp_bytes(const char *file, const char **bytes)
{
    FILE *f = fopen(file, "rb");
    ck_assert_ptr_nonnull(f);
    static char data[8192];
    size_t n = fread(data, 1, sizeof data, f);
    fclose(f);
    *bytes = data;
    return n;
}

START_TEST(rejects_are_written_in_the_inputs_encoding_and_line_ends)
{
    test_record header, row;
    char kept[512], err[256], rejects_path[600];
    snprintf(rejects_path, sizeof rejects_path, "%s/cp1252.csv", dir);
    cci_dialect dialect = {.delimiter = ';', .sep_line = true,
                           .encoding = {.name = "WINDOWS-1252", .line_end = CCI_LINE_END_CRLF}};
    cci_rejects *rejects;
    ck_assert_msg(cci_rejects_new(&rejects, rejects_path, &dialect, NULL, RECORD(header, 1, "uid", "name"), err,
                                  sizeof err) == CCI_OK,
                  "%s", err);
    cci_saved_row *saved = cci_saved_row_new(RECORD(row, 2, "b\xC3\xA9", "Ren\xC3\xA9" "e"));
    ck_assert(cci_rejects_write(rejects, saved, "uid: \xC3\xA9 not allowed"));
    free(saved);
    ck_assert_int_eq(cci_rejects_close(rejects, kept, sizeof kept, err, sizeof err), CCI_OK);
    const char *bytes;
    size_t n = slurp_bytes(rejects_path, &bytes);
    const char expected[] = "sep=;\r\nuid;name;error\r\nb\xE9;Ren\xE9" "e;uid: \xE9 not allowed\r\n";
    ck_assert_uint_eq(n, sizeof expected - 1);
    ck_assert(memcmp(bytes, expected, n) == 0);
}
END_TEST

START_TEST(utf16_rejects_start_with_a_byte_order_mark)
{
    test_record header, row;
    char kept[512], err[256], rejects_path[600];
    snprintf(rejects_path, sizeof rejects_path, "%s/utf16.csv", dir);
    cci_dialect dialect = {.delimiter = '\t', .encoding = {.name = "UTF-16LE", .bom = true}};
    cci_rejects *rejects;
    ck_assert_int_eq(cci_rejects_new(&rejects, rejects_path, &dialect, NULL, RECORD(header, 1, "uid"),
                                     err, sizeof err), CCI_OK);
    cci_saved_row *saved = cci_saved_row_new(RECORD(row, 2, "\xE2\x82\xAC"));
    ck_assert(cci_rejects_write(rejects, saved, "x"));
    free(saved);
    ck_assert_int_eq(cci_rejects_close(rejects, kept, sizeof kept, err, sizeof err), CCI_OK);
    const char *bytes;
    size_t n = slurp_bytes(rejects_path, &bytes);
    const char expected[] = "\xFF\xFE" "u\0i\0d\0\t\0e\0r\0r\0o\0r\0\n\0" "\xAC\x20\t\0x\0\n\0";
    ck_assert_uint_eq(n, sizeof expected - 1);
    ck_assert(memcmp(bytes, expected, n) == 0);
}
END_TEST

/* What cannot be: an encoding iconv cannot write (the input's own is read, so only a setting
 * names one), a folder that is not there. Nothing is created. */
START_TEST(rejects_that_cannot_be_written_say_why_by_their_code)
{
    test_record header;
    char err[256], rejects_path[600];
    snprintf(rejects_path, sizeof rejects_path, "%s/users.rejects.csv", dir);
    cci_dialect dialect = {.delimiter = ',', .encoding = {.name = "UTF-8"}};
    cci_rejects *rejects;
    ck_assert_int_eq(cci_rejects_new(&rejects, rejects_path, &dialect, "klingon-8", RECORD(header, 1, "uid"), err,
                                     sizeof err),
                     CCI_INVALID);
    ck_assert_ptr_null(rejects);
    ck_assert_str_eq(err, "cannot write the rejects file in klingon-8");
    snprintf(rejects_path, sizeof rejects_path, "%s/missing/users.rejects.csv", dir);
    ck_assert_int_eq(cci_rejects_new(&rejects, rejects_path, &dialect, NULL, RECORD(header, 1, "uid"), err, sizeof err),
                     CCI_IO);
    ck_assert_ptr_null(rejects);
    ck_assert_msg(strstr(err, "missing/users.rejects.csv.partial") != NULL, "%s", err);
}
END_TEST

/* A row that cannot be written (a full disk: the file size limit here) fails the close with CCI_IO,
 * nothing is renamed into place, and the partial file keeps what could be written. */
START_TEST(rejects_whose_rows_could_not_be_written_close_with_an_io_error)
{
    test_record header, row;
    char kept[512], err[512], rejects_path[600];
    snprintf(rejects_path, sizeof rejects_path, "%s/users.rejects.csv", dir);
    cci_dialect dialect = {.delimiter = ',', .encoding = {.name = "UTF-8"}};
    cci_rejects *rejects;
    ck_assert_int_eq(cci_rejects_new(&rejects, rejects_path, &dialect, NULL, RECORD(header, 1, "uid"), err, sizeof err),
                     CCI_OK);
    cci_saved_row *saved = cci_saved_row_new(RECORD(row, 2, "a-uid-long-enough-to-fill-the-file"));
    struct rlimit before, small;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &before), 0);
    small = before;
    small.rlim_cur = 100;
    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    for (int i = 0; i < 500; i++) cci_rejects_write(rejects, saved, "bad");
    cci_status closed = cci_rejects_close(rejects, kept, sizeof kept, err, sizeof err);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &before), 0);
    free(saved);
    ck_assert_int_eq(closed, CCI_IO);
    ck_assert_msg(strstr(err, rejects_path) && strstr(err, strerror(EFBIG)), "%s", err);
    ck_assert_int_ne(access(rejects_path, F_OK), 0);
    /* what could be written is kept, and named: a full disk loses no row it took */
    char partial[sizeof rejects_path + 16];
    snprintf(partial, sizeof partial, "%s.partial", rejects_path);
    ck_assert_int_eq(access(partial, F_OK), 0);
    ck_assert_msg(strstr(err, partial), "%s", err);
}
END_TEST

static Suite *rejects_suite(void)
{
    Suite *suite = suite_create("rejects");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rejects_keep_the_dialect_and_the_cells);
    tcase_add_test(tc, a_fed_back_rejects_file_reuses_its_error_column);
    tcase_add_test(tc, rejects_are_written_in_the_inputs_encoding_and_line_ends);
    tcase_add_test(tc, utf16_rejects_start_with_a_byte_order_mark);
    tcase_add_test(tc, rejects_that_cannot_be_written_say_why_by_their_code);
    tcase_add_test(tc, rejects_whose_rows_could_not_be_written_close_with_an_io_error);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(rejects_suite)
