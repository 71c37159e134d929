#include <check.h>
#include <csv.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cci/output/report.h"
#include "check_main.h"
#include "test_files.h"
#include "test_records.h"

static test_path dir, path;

static void setup(void)
{
    test_dir_new(dir, "report");
    test_dir_file(path, dir, "users.report.csv");
}

static void teardown(void)
{
    test_dir_remove(dir);
}

START_TEST(report_lines_follow_the_contract)
{
    char kept[512], err[256];
    cci_report *report;
    ck_assert_int_eq(cci_report_open(&report, path, err, sizeof err), CCI_OK);
    ck_assert_ptr_nonnull(report);
    cci_outcome ok = {.line = 2, .uid = "ana", .action = CCI_ACTION_CREATED, .http_status = 200, .attempts = 1};
    cci_outcome bad = {.line = 5, .uid = "bob", .action = CCI_ACTION_FAILED, .http_status = 400,
                       .error_code = "ERR_BAD_REQUEST", .message = "The name, \"x\"\nis bad", .attempts = 2};
    ck_assert(cci_report_write(report, &ok));
    ck_assert(cci_report_write(report, &bad));
    ck_assert_int_eq(cci_report_close(report, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_str_eq(kept, "");
    ck_assert_str_eq(test_file_text(path), "line,uid,action,http_status,error_code,message,attempts\n"
                                  "2,ana,created,200,,,1\n"
                                  "5,bob,failed,400,ERR_BAD_REQUEST,\"The name, \"\"x\"\"\nis bad\",2\n");
}
END_TEST

static long long partial_size(void)
{
    char partial[sizeof path + sizeof ".partial"];
    snprintf(partial, sizeof partial, "%s.partial", path);
    FILE *f = fopen(partial, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long long size = ftell(f);
    if (size > 0) { /* whole lines only, whenever the file is looked at */
        fseek(f, -1, SEEK_END);
        ck_assert_int_eq(fgetc(f), '\n');
    }
    fclose(f);
    return size;
}

/* One by one, each line is in the file once written; in batches, lines wait for a batch to fill
 * (then a thread writes it whole: util/write_behind.h), and all of them are there at the close. */
START_TEST(a_report_in_batches_reaches_the_file_in_whole_lines)
{
    char kept[512], err[256];
    char message[700];
    memset(message, 'm', sizeof message - 1);
    message[sizeof message - 1] = '\0';
    cci_outcome o = {.line = 2, .uid = "ana", .action = CCI_ACTION_SKIPPED, .message = message};
    cci_report *report;
    ck_assert_int_eq(cci_report_open(&report, path, err, sizeof err), CCI_OK);
    ck_assert(cci_report_write(report, &o));
    long long one = partial_size();
    ck_assert_int_gt(one, (long long)strlen(message));
    ck_assert_int_eq(cci_report_close(report, kept, sizeof kept, err, sizeof err), CCI_OK);

    ck_assert_int_eq(cci_report_open(&report, path, err, sizeof err), CCI_OK);
    cci_report_flush_in_batches(report);
    ck_assert(cci_report_write(report, &o));
    ck_assert_int_eq(partial_size(), 0); /* a batch holds about 1,500 such lines */
    size_t lines = 5000; /* three batches and some */
    for (size_t i = 1; i < lines; i++) ck_assert(cci_report_write(report, &o));
    ck_assert_int_eq(cci_report_close(report, kept, sizeof kept, err, sizeof err), CCI_OK);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t count = 0, bytes = 0;
    for (int c; (c = fgetc(f)) != EOF; bytes++) count += c == '\n';
    fclose(f);
    ck_assert_uint_eq(count, lines + 1); /* and the header */
    ck_assert_uint_eq(bytes, strlen(CCI_REPORT_HEADER) + 1 + lines * (size_t)(one - (long long)strlen(CCI_REPORT_HEADER) - 1));
}
END_TEST

/* A cell is quoted exactly as libcsv's csv_write quotes it (the report quotes long cells without
 * it, for speed), and left bare only when nothing in it needs quotes: random texts of every length
 * around the point where the search for what needs quotes changes, rich in quotes, delimiters, line
 * ends and NULs, into room to spare and into room too short. */
START_TEST(cells_are_quoted_as_libcsv_quotes_them)
{
    static const char alphabet[] = "ab \"\",;\n\r\0{}\\";
    unsigned random = 12345;
    for (int round = 0; round < 20000; round++) {
        char text[300];
        random = random * 1103515245u + 12345u;
        size_t len = (random >> 16) % (round < 10000 ? 70 : sizeof text);
        for (size_t i = 0; i < len; i++) {
            random = random * 1103515245u + 12345u;
            text[i] = (random >> 16) % 3 ? (char)('c' + (random >> 20) % 20) : alphabet[(random >> 16) % (sizeof alphabet - 1)];
        }
        bool bare = true;
        for (size_t i = 0; i < len; i++) bare = bare && !memchr("\",\n\r", text[i], 4);
        bare = bare && !(len && (text[0] == ' ' || text[len - 1] == ' '));
        char expected[2 * sizeof text + 3], got[2 * sizeof text + 3];
        size_t want = bare ? len : csv_write(expected, sizeof expected, text, len);
        if (bare) memcpy(expected, text, len);
        ck_assert_uint_eq(cci_cell_format(got, sizeof got, text, len, ',', false), want);
        ck_assert_msg(memcmp(got, expected, want) == 0, "round %d: a cell of %zu bytes quoted otherwise", round, len);
        /* room too short: the size it takes, and nothing written past the room */
        memset(got, 'x', sizeof got);
        size_t short_room = want / 2;
        ck_assert_uint_eq(cci_cell_format(got, short_room, text, len, ',', false), want);
        for (size_t i = short_room; i < sizeof got; i++) ck_assert_int_eq(got[i], 'x');
    }
}
END_TEST

START_TEST(formulas_are_neutralised)
{
    char kept[512], err[256];
    cci_report *report;
    ck_assert_int_eq(cci_report_open(&report, path, err, sizeof err), CCI_OK);
    cci_outcome o = {.line = 2, .uid = "-x", .action = CCI_ACTION_INVALID, .message = "=HYPERLINK(\"evil\")"};
    ck_assert(cci_report_write(report, &o));
    ck_assert_int_eq(cci_report_close(report, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_ptr_nonnull(strstr(test_file_text(path), "2,\"'-x\",invalid,,,\"'=HYPERLINK(\"\"evil\"\")\",0\n"));
}
END_TEST

START_TEST(an_earlier_report_is_kept_numbered)
{
    char kept[512], err[256];
    for (int run = 0; run < 3; run++) {
        cci_report *report;
        ck_assert_int_eq(cci_report_open(&report, path, err, sizeof err), CCI_OK);
        cci_outcome o = {.line = (unsigned long)run + 10, .uid = "a", .action = CCI_ACTION_CREATED};
        cci_report_write(report, &o);
        ck_assert_int_eq(cci_report_close(report, kept, sizeof kept, err, sizeof err), CCI_OK);
        if (run == 0) ck_assert_str_eq(kept, "");
    }
    char expected[600];
    snprintf(expected, sizeof expected, "%s/users.report.2.csv", dir);
    ck_assert_str_eq(kept, expected);
    ck_assert_ptr_nonnull(strstr(test_file_text(expected), "\n11,a,"));
    snprintf(expected, sizeof expected, "%s/users.report.1.csv", dir);
    ck_assert_ptr_nonnull(strstr(test_file_text(expected), "\n10,a,"));
    ck_assert_ptr_nonnull(strstr(test_file_text(path), "\n12,a,"));
}
END_TEST

/* A run killed while writing leaves the earlier report as it was; its rows are in PATH.partial. */
START_TEST(until_it_is_closed_the_earlier_report_stays_in_place)
{
    char kept[512], err[256];
    test_file_write(path, "line,uid,action,http_status,error_code,message,attempts\n7,old,created,200,,,1\n");
    cci_report *report;
    ck_assert_int_eq(cci_report_open(&report, path, err, sizeof err), CCI_OK);
    cci_outcome o = {.line = 2, .uid = "new", .action = CCI_ACTION_CREATED};
    ck_assert(cci_report_write(report, &o));
    ck_assert_ptr_nonnull(strstr(test_file_text(path), "7,old,"));
    char partial[sizeof path + 16];
    snprintf(partial, sizeof partial, "%s.partial", path);
    ck_assert_ptr_nonnull(strstr(test_file_text(partial), "2,new,")); /* written through at once */
    cci_report_discard(report); /* a run that never started */
    ck_assert_ptr_nonnull(strstr(test_file_text(path), "7,old,"));
    ck_assert_int_ne(access(partial, F_OK), 0);
    ck_assert_int_eq(cci_report_open(&report, path, err, sizeof err), CCI_OK);
    ck_assert_int_eq(cci_report_close(report, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_ptr_nonnull(strstr(test_file_text(kept), "7,old,"));
}
END_TEST

/* A symlink at the report's path is refused, never written through nor replaced; one planted at
 * the partial name is refused too. */
START_TEST(a_symlink_at_the_path_is_never_written_through)
{
    char err[256];
    test_path target;
    char partial[sizeof path + 16];
    test_dir_file(target, dir, "precious.txt");
    test_file_write(target, "precious\n");
    ck_assert_int_eq(symlink(target, path), 0);
    cci_report *report;
    ck_assert_int_eq(cci_report_open(&report, path, err, sizeof err), CCI_INVALID);
    ck_assert_ptr_null(report);
    ck_assert_msg(strstr(err, "names a symbolic link"), "%s", err);
    ck_assert_str_eq(test_file_text(target), "precious\n");
    struct stat st;
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISLNK(st.st_mode)); /* left as it was */
    ck_assert_int_eq(unlink(path), 0);
    snprintf(partial, sizeof partial, "%s.partial", path);
    ck_assert_int_eq(symlink(target, partial), 0);
    ck_assert_int_eq(cci_report_open(&report, path, err, sizeof err), CCI_REFUSED);
    ck_assert_ptr_null(report);
    ck_assert_msg(strstr(err, "symbolic link") != NULL, "%s", err);
    ck_assert_str_eq(test_file_text(target), "precious\n");
}
END_TEST

START_TEST(a_kept_name_that_does_not_fit_renames_nothing)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    char kept[16] = "x";
    ck_assert(!cci_keep_previous(path, kept, sizeof kept));
    ck_assert_int_eq(errno, ENAMETOOLONG);
    ck_assert_str_eq(kept, "");
    ck_assert_int_eq(access(path, F_OK), 0); /* still where it was */
}
END_TEST

/* What the tool writes is known when fed back: the report's header and the uid lists' exactly, and
 * no near miss (another case, a column more or less, a line end kept). */
START_TEST(the_tools_own_headers_are_known_exactly)
{
    const char *own[] = {CCI_REPORT_HEADER, CCI_UID_LIST_HEADER, "uid,name"};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++) ck_assert(cci_report_is_tools_header(own[i], strlen(own[i])));
    const char *near[] = {"uid,Name", "uid", "uid,name,email", "line,uid,action,http_status,error_code,message",
                          "uid,name\r", "", CCI_REPORT_HEADER ",extra"};
    for (size_t i = 0; i < sizeof near / sizeof *near; i++)
        ck_assert_msg(!cci_report_is_tools_header(near[i], strlen(near[i])), "%s", near[i]);
    ck_assert(cci_report_is_tools_header("uid,name\r\n", 8)); /* the length decides, not a terminator */
}
END_TEST

START_TEST(only_an_xlsx_path_asks_for_a_workbook)
{
    ck_assert(cci_path_is_xlsx("users.runs/latest/rejects.xlsx"));
    ck_assert(cci_path_is_xlsx("REPORT.XLSX"));
    ck_assert(!cci_path_is_xlsx("rejects.csv"));
    ck_assert(!cci_path_is_xlsx("rejects.xlsx.csv"));
    ck_assert(!cci_path_is_xlsx("xlsx"));
}
END_TEST

static Suite *report_suite(void)
{
    Suite *suite = suite_create("report");
    TCase *tc = tcase_create("report");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, report_lines_follow_the_contract);
    tcase_add_test(tc, formulas_are_neutralised);
    tcase_add_test(tc, cells_are_quoted_as_libcsv_quotes_them);
    tcase_add_test(tc, a_report_in_batches_reaches_the_file_in_whole_lines);
    tcase_add_test(tc, an_earlier_report_is_kept_numbered);
    tcase_add_test(tc, a_kept_name_that_does_not_fit_renames_nothing);
    tcase_add_test(tc, until_it_is_closed_the_earlier_report_stays_in_place);
    tcase_add_test(tc, a_symlink_at_the_path_is_never_written_through);
    tcase_add_test(tc, the_tools_own_headers_are_known_exactly);
    tcase_add_test(tc, only_an_xlsx_path_asks_for_a_workbook);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(report_suite)
