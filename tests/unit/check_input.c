/* The input of a run: opened, its header mapped, and read through once before anything is sent. */
#include <check.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan/input.h"
#include "check_main.h"
#include "test_files.h"
#include "test_records.h"

static test_path dir, path;
static char err[512];

static void setup(void)
{
    test_dir_new(dir, "input");
    test_dir_file(path, dir, "users.csv");
}

static void teardown(void)
{
    test_dir_remove(dir);
}

static void write_input(const char *text)
{
    test_file_write(path, text);
}

static cci_input_spec spec_of(const char *input_path)
{
    return (cci_input_spec){.path = input_path, .name_required = true};
}

static cci_status preflighted; /* the code of the last preflight() */

/* Opens, preflights and closes: the rows counted, or -1 (preflighted says why). */
static long preflight(const cci_input_spec *spec)
{
    cci_input input;
    long rows = -1;
    preflighted = cci_input_open(&input, spec, err, sizeof err);
    if (preflighted == CCI_OK) preflighted = cci_input_preflight(&input, spec, NULL, NULL, &rows, err, sizeof err);
    cci_input_close(&input);
    return rows;
}

START_TEST(the_header_maps_and_the_rows_follow)
{
    write_input("User ID;Full Name\r\nana;Ana\r\nbob;Bob\r\n");
    cci_input_spec spec = spec_of(path);
    cci_input input;
    ck_assert_msg(cci_input_open(&input, &spec, err, sizeof err) == CCI_OK, "%s", err);
    cci_record header;
    cci_mapping mapping;
    ck_assert_msg(cci_input_header(&input, &spec, &header, &mapping, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert_uint_eq(header.count, 2);
    ck_assert_int_eq(cci_csv_reader_delimiter(input.reader), ';');
    cci_record row;
    ck_assert_int_eq(cci_csv_reader_next(input.reader, &row), CCI_READ_RECORD);
    ck_assert_uint_eq(row.line, 2);
    cci_mapping_cleanup(&mapping);
    cci_input_close(&input);
}
END_TEST

START_TEST(the_preflight_counts_the_rows_after_the_header)
{
    write_input("uid,name\nana,Ana\n\"bob\",\"Bob\nSecond line\"\ncy,Cy\n");
    cci_input_spec spec = spec_of(path);
    ck_assert_int_eq(preflight(&spec), 3);
    ck_assert_int_eq(preflighted, CCI_OK);
}
END_TEST

START_TEST(a_file_that_does_not_read_through_is_refused_before_sending)
{
    write_input("uid,name\nana,Ana\nbob,\"Bob\n");
    cci_input_spec spec = spec_of(path);
    ck_assert_int_eq(preflight(&spec), -1);
    ck_assert_int_eq(preflighted, CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "line 3"));
}
END_TEST

START_TEST(a_header_without_a_uid_names_the_file)
{
    write_input("name,email\nAna,a@example.com\n");
    cci_input_spec spec = spec_of(path);
    ck_assert_int_eq(preflight(&spec), -1);
    ck_assert_int_eq(preflighted, CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "users.csv"));
    ck_assert_ptr_nonnull(strstr(err, "uid"));
}
END_TEST

/* After the preflight the import pass reads the same file again from its header. */
START_TEST(the_import_pass_reads_the_same_rows_again)
{
    write_input("uid,name\nana,Ana\nbob,Bob\n");
    cci_input_spec spec = spec_of(path);
    cci_input input;
    ck_assert_int_eq(cci_input_open(&input, &spec, err, sizeof err), CCI_OK);
    ck_assert(cci_input_rereadable(&input));
    long rows;
    ck_assert_int_eq(cci_input_preflight(&input, &spec, NULL, NULL, &rows, err, sizeof err), CCI_OK);
    ck_assert_int_eq(rows, 2);
    cci_record header, row;
    cci_mapping mapping;
    ck_assert_msg(cci_input_header(&input, &spec, &header, &mapping, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert_int_eq(cci_csv_reader_next(input.reader, &row), CCI_READ_RECORD);
    ck_assert_str_eq(row.cells[0].text, "ana");
    ck_assert_int_eq(cci_csv_reader_next(input.reader, &row), CCI_READ_RECORD);
    ck_assert_int_eq(cci_csv_reader_next(input.reader, &row), CCI_READ_END);
    ck_assert(!cci_input_changed(&input, err, sizeof err));
    cci_mapping_cleanup(&mapping);
    cci_input_close(&input);
}
END_TEST

/* A visit that says stop (the run was stopped: a Ctrl-C) ends the preflight at that row. */
static bool stop_at_second(void *context, const cci_mapping *mapping, const cci_record *record)
{
    (void)mapping, (void)record;
    return ++*(int *)context < 2;
}

START_TEST(a_stop_ends_the_preflight_at_its_row)
{
    write_input("uid,name\nana,Ana\nbob,Bob\ncy,Cy\ndee,Dee\n");
    cci_input_spec spec = spec_of(path);
    cci_input input;
    ck_assert_int_eq(cci_input_open(&input, &spec, err, sizeof err), CCI_OK);
    long rows;
    int seen = 0;
    ck_assert_int_eq(cci_input_preflight(&input, &spec, stop_at_second, &seen, &rows, err, sizeof err), CCI_STOPPED);
    ck_assert_int_eq(seen, 2); /* not one row more */
    ck_assert_int_eq(rows, -1);
    ck_assert_msg(strstr(err, "stopped while the file was read first; nothing was sent"), "%s", err);
    cci_input_close(&input);
}
END_TEST

/* Rewritten between the passes, same size: the import pass stops and says how it changed. */
START_TEST(a_file_rewritten_after_the_preflight_stops_the_import_pass)
{
    write_input("uid,name\nana,Ana\nbob,Bob\n");
    cci_input_spec spec = spec_of(path);
    cci_input input;
    ck_assert_int_eq(cci_input_open(&input, &spec, err, sizeof err), CCI_OK);
    long rows;
    ck_assert_int_eq(cci_input_preflight(&input, &spec, NULL, NULL, &rows, err, sizeof err), CCI_OK);
    ck_assert_int_eq(rows, 2);
    FILE *f = fopen(path, "r+");
    ck_assert_ptr_nonnull(f);
    fputs("uid,name\neve,Eve\n", f); /* a shorter text over the start: same size, other content */
    fclose(f);
    cci_record header;
    cci_mapping mapping;
    ck_assert_int_eq(cci_input_header(&input, &spec, &header, &mapping, err, sizeof err), CCI_IO);
    ck_assert_msg(strstr(err, "changed while it was read") && strstr(err, "users.csv"), "%s", err);
    char why[256];
    ck_assert(cci_input_changed(&input, why, sizeof why));
    cci_input_close(&input);
}
END_TEST

/* A FIFO (or a process substitution) is read once: no preflight that would consume it. */
START_TEST(a_fifo_is_not_rereadable)
{
    test_path fifo;
    test_dir_file(fifo, dir, "pipe.csv");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    pid_t writer = fork();
    if (writer == 0) {
        FILE *w = fopen(fifo, "w");
        fputs("uid,name\nana,Ana\n", w);
        fclose(w);
        _exit(0);
    }
    cci_input_spec spec = spec_of(fifo);
    cci_input input;
    ck_assert_msg(cci_input_open(&input, &spec, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert(!cci_input_rereadable(&input));
    cci_record header, row;
    cci_mapping mapping;
    ck_assert_msg(cci_input_header(&input, &spec, &header, &mapping, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert_int_eq(cci_csv_reader_next(input.reader, &row), CCI_READ_RECORD);
    ck_assert_str_eq(row.cells[0].text, "ana");
    cci_mapping_cleanup(&mapping);
    cci_input_close(&input);
    ck_assert_int_eq(waitpid(writer, NULL, 0), writer);
}
END_TEST

/* A file opened again is known to be the one read before: unchanged, grown, or another one put
 * at its path. */
START_TEST(an_input_opened_again_is_known_to_be_the_same_file_or_not)
{
    write_input("uid,name\nana,Ana\n");
    cci_input_spec spec = spec_of(path);
    cci_input input;
    cci_file_identity first;
    char why[256];
    ck_assert_msg(cci_input_open(&input, &spec, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert(cci_input_identity(&input, &first));
    cci_input_close(&input);
    const char *changes[] = {NULL, "its size changed from 17 to 25 bytes", "another file is at its path now"};
    for (size_t i = 0; i < 3; i++) {
        if (i == 1) write_input("uid,name\nana,Ana\nbob,Bob\n"); /* the same file, written again */
        if (i == 2) {
            test_path other;
            test_dir_file(other, dir, "other.csv");
            test_file_write(other, "uid,name\nana,Ana\n");
            ck_assert_int_eq(rename(other, path), 0);
        }
        ck_assert_msg(cci_input_open(&input, &spec, err, sizeof err) == CCI_OK, "%s", err);
        bool same = cci_input_is(&input, &first, why, sizeof why);
        ck_assert_msg(changes[i] ? !same && strstr(why, changes[i]) : same, "%zu: %s", i, same ? "same" : why);
        cci_input_close(&input);
    }
}
END_TEST

START_TEST(a_missing_file_names_itself)
{
    cci_input_spec spec = spec_of("/nonexistent/users.csv");
    cci_input input;
    ck_assert_int_eq(cci_input_open(&input, &spec, err, sizeof err), CCI_IO);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/users.csv"));
    cci_input_close(&input);
}
END_TEST

START_TEST(an_unknown_encoding_or_an_empty_file_is_invalid)
{
    write_input("");
    cci_input_spec spec = spec_of(path);
    spec.encoding = "klingon-8";
    cci_input input;
    ck_assert_int_eq(cci_input_open(&input, &spec, err, sizeof err), CCI_INVALID);
    ck_assert_ptr_nonnull(strstr(err, "unknown encoding"));
    cci_input_close(&input);
    spec.encoding = NULL;
    ck_assert_int_eq(cci_input_open(&input, &spec, err, sizeof err), CCI_OK);
    cci_record header;
    cci_mapping mapping;
    ck_assert_int_eq(cci_input_header(&input, &spec, &header, &mapping, err, sizeof err), CCI_INVALID);
    ck_assert_msg(strstr(err, "empty: it needs a header line") != NULL, "%s", err);
    cci_input_close(&input);
}
END_TEST

START_TEST(a_row_of_blanks_is_empty)
{
    test_record r;
    ck_assert(cci_record_is_empty(RECORD(r, 2, "", " \t", "\r\n")));
    ck_assert(!cci_record_is_empty(RECORD(r, 2, "", " x")));
}
END_TEST

static Suite *input_suite(void)
{
    Suite *suite = suite_create("input");
    TCase *tc = tcase_create("input");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_header_maps_and_the_rows_follow);
    tcase_add_test(tc, the_preflight_counts_the_rows_after_the_header);
    tcase_add_test(tc, a_file_that_does_not_read_through_is_refused_before_sending);
    tcase_add_test(tc, a_header_without_a_uid_names_the_file);
    tcase_add_test(tc, a_missing_file_names_itself);
    tcase_add_test(tc, an_unknown_encoding_or_an_empty_file_is_invalid);
    tcase_add_test(tc, the_import_pass_reads_the_same_rows_again);
    tcase_add_test(tc, a_stop_ends_the_preflight_at_its_row);
    tcase_add_test(tc, a_file_rewritten_after_the_preflight_stops_the_import_pass);
    tcase_add_test(tc, a_fifo_is_not_rereadable);
    tcase_add_test(tc, an_input_opened_again_is_known_to_be_the_same_file_or_not);
    tcase_add_test(tc, a_row_of_blanks_is_empty);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(input_suite)
