/* mempcpy */
#define _GNU_SOURCE
/* Lines written behind, by a thread or when handed over: every line in the file, in order, whole;
 * a failed write stops the lines and the outfile says why. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cci/util/outfile.h"
#include "check_main.h"
#include "test_files.h"
#include "util/write_behind.h"

static test_path dir, path, partial;

static void setup(void)
{
    test_dir_new(dir, "write_behind");
    test_dir_file(path, dir, "report.csv");
    test_dir_file(partial, dir, "report.csv.partial");
}

static void teardown(void)
{
    test_dir_remove(dir);
}

/* Line n: its number and a run of letters whose length varies (now and then past a batch). */
static size_t make_line(char *line, unsigned n, unsigned *random)
{
    *random = *random * 1103515245u + 12345u;
    size_t letters = (*random >> 16) % 97 == 0 ? 9000 : (*random >> 16) % 300;
    size_t len = (size_t)sprintf(line, "%u,", n);
    memset(line + len, 'a' + (char)(n % 26), letters);
    len += letters;
    line[len++] = '\n';
    return len;
}

enum { LINES = 20000, BATCH = 4096 };

/* _i: 0 threaded, 1 written when handed over */
START_TEST(every_line_reaches_the_file_in_order_and_whole)
{
    char err[256], kept[512];
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    fputs("header\n", out.file); /* what the stream holds goes first */
    cci_write_behind *behind = cci_write_behind_start(&out, BATCH, _i == 0);
    ck_assert_ptr_nonnull(behind);
    static char expected[LINES * 400];
    char *at = expected + sprintf(expected, "header\n");
    unsigned random = 7;
    for (unsigned n = 0; n < LINES; n++) {
        char line[10000];
        size_t len = make_line(line, n, &random);
        char *room = cci_write_behind_room(behind, len + 16); /* a bound above the line, as a report's */
        ck_assert_ptr_nonnull(room);
        memcpy(room, line, len);
        cci_write_behind_wrote(behind, len);
        at = mempcpy(at, line, len);
    }
    ck_assert(cci_write_behind_finish(behind));
    ck_assert_int_eq(cci_outfile_commit(&out, false, kept, sizeof kept, err, sizeof err), CCI_OK);
    FILE *file = fopen(path, "rb");
    ck_assert_ptr_nonnull(file);
    static char got[sizeof expected];
    size_t len = fread(got, 1, sizeof got, file);
    fclose(file);
    ck_assert_uint_eq(len, (size_t)(at - expected));
    for (size_t i = 0; i < len; i++)
        if (got[i] != expected[i])
            ck_abort_msg("differs at byte %zu of %zu: got %.20s, expected %.20s", i, len, got + i, expected + i);
}
END_TEST

/* The file may hold at most limit bytes: the lines stop, the outfile says why, and what was
 * written is whole lines. */
START_TEST(a_failed_write_stops_the_lines_and_says_why)
{
    char err[512], kept[512];
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    cci_write_behind *behind = cci_write_behind_start(&out, BATCH, _i == 0);
    ck_assert_ptr_nonnull(behind);
    struct rlimit before, small;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &before), 0);
    small = before;
    small.rlim_cur = 3 * BATCH;
    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    unsigned written = 0;
    char *room;
    /* a failure is seen at a later hand-over, at most two batches on: bounded */
    while (written < 100 * BATCH && (room = cci_write_behind_room(behind, 11))) {
        memcpy(room, "0123456789\n", 11);
        cci_write_behind_wrote(behind, 11);
        written++;
    }
    bool ok = cci_write_behind_finish(behind);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &before), 0);
    ck_assert(!ok);
    ck_assert_uint_lt(written, 100 * BATCH);
    ck_assert_int_eq(out.error, EFBIG);
    ck_assert_int_eq(cci_outfile_commit(&out, false, kept, sizeof kept, err, sizeof err), CCI_IO);
    const char *text = test_file_text(partial);
    size_t len = strlen(text);
    ck_assert_uint_gt(len, 0);
    ck_assert_uint_le(len, 3 * BATCH);
    ck_assert_uint_eq(len % 11, 0);
}
END_TEST

/* Nothing written and nothing handed over: the file is as the stream left it. */
START_TEST(no_lines_leave_the_file_as_it_was)
{
    char err[256], kept[512];
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    fputs("header\n", out.file);
    ck_assert(cci_write_behind_finish(cci_write_behind_start(&out, BATCH, _i == 0)));
    ck_assert_int_eq(cci_outfile_commit(&out, false, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_str_eq(test_file_text(path), "header\n");
}
END_TEST

static Suite *write_behind_suite(void)
{
    Suite *suite = suite_create("write_behind");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, every_line_reaches_the_file_in_order_and_whole, 0, 2);
    tcase_add_loop_test(tc, a_failed_write_stops_the_lines_and_says_why, 0, 2);
    tcase_add_loop_test(tc, no_lines_leave_the_file_as_it_was, 0, 2);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(write_behind_suite)
