/* An output committed as a workbook (report.xlsx, rejects.xlsx): every cell comes back from the
 * workbook exactly as written in the CSV (zeros, long digits, line breaks, a '_' that looks like
 * an escape, a formula-like text, control characters); what a workbook cannot hold leaves the CSV in the partial file
 * and the earlier file as it was. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "output/sheet_commit.h"
#include "read/workbook.h"
#include "test_files.h"

static test_path dir, path, partial;

static void setup(void)
{
    test_dir_new(dir, "sheet-commit");
    test_dir_file(path, dir, "rejects.xlsx");
    test_dir_file(partial, dir, "rejects.xlsx.partial");
}

static void teardown(void)
{
    test_dir_remove(dir);
}

/* Writes csv through an outfile at path and commits it as a workbook. */
static cci_status commit_csv(const char *csv, char *err, size_t errlen)
{
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, errlen), CCI_OK);
    ck_assert(cci_outfile_check(&out, fputs(csv, out.file) >= 0));
    char kept[512];
    return cci_sheet_commit(&out, "Rejects", true, kept, sizeof kept, err, errlen);
}

static const char *const rows[][4] = {
    {"uid", "name", "metadata.note", "error"},
    {"000123", "Ana López", "line one\r\nline two", "=1+1"},
    {"123456789012", "_x0041_ stays", "", "tab\there"},
    {"", "", "", ""}, /* no row in a sheet */
    {"ctrl", "a\x01" "b\x1b[31m", "\rCR alone", "x\xEF\xBF\xBFy"}, /* U+FFFF: no XML character either */
};

START_TEST(every_cell_comes_back_as_written)
{
    char err[512];
    ck_assert_int_eq(commit_csv("uid,name,metadata.note,error\n"
                                "000123,Ana López,\"line one\r\nline two\",=1+1\n"
                                "123456789012,_x0041_ stays,,\"tab\there\"\n"
                                ",,,\n"
                                "ctrl,a\x01" "b\x1b[31m,\"\rCR alone\",x\xEF\xBF\xBFy\n",
                                err, sizeof err),
                     CCI_OK);
    ck_assert_int_eq(access(partial, F_OK), -1);
    int fd = open(path, O_RDONLY);
    cci_workbook *w;
    ck_assert_int_eq(cci_workbook_open(&w, fd, NULL, 100, 1 << 20, err, sizeof err), CCI_OK);
    close(fd);
    char said[256];
    cci_workbook_describe(w, said, sizeof said);
    ck_assert_str_eq(said, "sheet \"Rejects\"");
    for (size_t i = 0; i < 5; i++) {
        if (i == 3) continue;
        cci_record r;
        ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_RECORD);
        ck_assert_uint_eq(r.line, i + 1);
        ck_assert_uint_eq(r.count, 4);
        for (size_t c = 0; c < 4; c++)
            ck_assert_msg(r.cells[c].len == strlen(rows[i][c]) && strcmp(r.cells[c].text, rows[i][c]) == 0,
                          "row %zu, cell %zu: \"%s\", not \"%s\"", i, c, r.cells[c].text, rows[i][c]);
    }
    cci_record r;
    ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_END);
    cci_workbook_free(w);
}
END_TEST

/* A cell past a workbook's 32,767 characters, or bytes that are not UTF-8: the earlier file
 * stays, the rows stay in the partial file as CSV, and err says which row. */
START_TEST(what_a_workbook_cannot_hold_leaves_the_csv)
{
    char err[512];
    test_file_write(path, "earlier");
    size_t long_len = 40000;
    char *csv = malloc(long_len + 64);
    int n = snprintf(csv, 64, "uid,name\nx1,");
    memset(csv + n, 'a', long_len);
    strcpy(csv + n + long_len, "\n");
    ck_assert_int_eq(commit_csv(csv, err, sizeof err), CCI_INVALID);
    ck_assert_msg(strstr(err, "row 2 holds a cell of more than 32767 characters") && strstr(err, "as CSV"), "%s", err);
    ck_assert_str_eq(test_file_text(path), "earlier");
    ck_assert_str_eq(test_file_text(partial), csv);
    free(csv);
    ck_assert_int_eq(commit_csv("uid,name\nx\xC3,y\n", err, sizeof err), CCI_INVALID);
    ck_assert_msg(strstr(err, "row 2 holds bytes that are not UTF-8, which a workbook cannot"), "%s", err);
    ck_assert_str_eq(test_file_text(path), "earlier");
}
END_TEST

/* A disk that fills while libxlsxwriter writes its sheet (it does not check its own writes): the
 * workbook, read back, lacks rows, so the CSV stays in the partial file, whole, and err says so. */
START_TEST(a_workbook_cut_short_by_a_full_disk_is_not_committed)
{
    char err[512], line[64];
    test_file_write(path, "earlier");
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    ck_assert(cci_outfile_check(&out, fputs("uid,name\n", out.file) >= 0));
    for (int i = 0; i < 400; i++) {
        snprintf(line, sizeof line, "user%04d,Name %d\n", i, i);
        ck_assert(cci_outfile_check(&out, fputs(line, out.file) >= 0));
    }
    ck_assert(cci_outfile_flush(&out));
    long csv_bytes = ftell(out.file);
    struct rlimit before, small;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &before), 0);
    small = before;
    small.rlim_cur = (rlim_t)csv_bytes + 1024; /* the CSV fits; the sheet's XML, three times larger, does not */
    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    char kept[512];
    cci_status status = cci_sheet_commit(&out, "Rejects", true, kept, sizeof kept, err, sizeof err);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &before), 0);
    ck_assert_int_ne(status, CCI_OK);
    ck_assert_msg(strstr(err, partial), "%s", err);
    ck_assert_str_eq(test_file_text(path), "earlier");
    ck_assert_int_eq((int)strlen(test_file_text(partial)), (int)csv_bytes); /* the CSV, whole */
}
END_TEST

static Suite *sheet_commit_suite(void)
{
    Suite *suite = suite_create("sheet_commit");
    TCase *tc = tcase_create("sheet_commit");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_cell_comes_back_as_written);
    tcase_add_test(tc, what_a_workbook_cannot_hold_leaves_the_csv);
    tcase_add_test(tc, a_workbook_cut_short_by_a_full_disk_is_not_committed);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(sheet_commit_suite)
