/* The .xls reader's child process and what it says, taken as untrusted: LibreOffice's .xls reads
 * as its CSV (check_workbook.c), and here a child that crashes, stops early, refuses or says
 * something malformed makes the workbook unreadable in one line, never a row read wrong. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "read/workbook.h"
#include "read/workbook_xls.h"
#include "read/workbook_xls_wire.h"

/* ---- the wire, written as a child would ---- */

typedef struct {
    unsigned char bytes[512];
    size_t len;
} wire;

static void put_tag(wire *w, char tag)
{
    w->bytes[w->len++] = (unsigned char)tag;
}

static void put_u32(wire *w, uint32_t value)
{
    memcpy(w->bytes + w->len, &value, sizeof value);
    w->len += sizeof value;
}

static void put_cell(wire *w, uint32_t column, const char *text)
{
    put_tag(w, CCI_XLS_CELL);
    put_u32(w, column);
    put_u32(w, (uint32_t)strlen(text));
    memcpy(w->bytes + w->len, text, strlen(text));
    w->len += strlen(text);
}

static void send_list(int to_parent, int from_parent)
{
    wire w = {.len = 0};
    put_tag(&w, CCI_XLS_SHEET_NAME);
    put_u32(&w, 5);
    memcpy(w.bytes + w.len, "Users", 5);
    w.len += 5;
    put_tag(&w, CCI_XLS_SHEETS_END);
    uint32_t index;
    if (write(to_parent, w.bytes, w.len) != (ssize_t)w.len || read(from_parent, &index, sizeof index) != 4) _exit(1);
}

static void send_row_one(int to_parent)
{
    wire w = {.len = 0};
    put_tag(&w, CCI_XLS_ROW);
    put_u32(&w, 1);
    put_cell(&w, 0, "uid");
    if (write(to_parent, w.bytes, w.len) != (ssize_t)w.len) _exit(1);
}

/* The signal itself, not a sanitizer's report of it (which ends in SIGABRT). */
static void end_by(int signal_number)
{
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

static void crash(void)
{
    end_by(SIGSEGV);
}

static void is_interrupted(const unsigned char *b, size_t n, int to_parent, int from_parent)
{
    (void)b, (void)n;
    send_list(to_parent, from_parent);
    end_by(SIGINT); /* Ctrl-C reaches the whole process group */
}

static void fails_to_start(const unsigned char *b, size_t n, int to_parent, int from_parent)
{
    (void)b, (void)n, (void)to_parent, (void)from_parent;
    _exit(1);
}

static void crashes_at_once(const unsigned char *b, size_t n, int to_parent, int from_parent)
{
    (void)b, (void)n, (void)to_parent, (void)from_parent;
    crash();
}

static void crashes_after_a_row(const unsigned char *b, size_t n, int to_parent, int from_parent)
{
    (void)b, (void)n;
    send_list(to_parent, from_parent);
    send_row_one(to_parent);
    crash();
}

static void ends_without_its_last_word(const unsigned char *b, size_t n, int to_parent, int from_parent)
{
    (void)b, (void)n;
    send_list(to_parent, from_parent);
    send_row_one(to_parent);
    _exit(0);
}

static void says_a_password_guards_it(const unsigned char *b, size_t n, int to_parent, int from_parent)
{
    (void)b, (void)n, (void)from_parent;
    wire w = {.len = 0};
    put_tag(&w, CCI_XLS_REFUSED);
    put_u32(&w, CCI_XLS_PASSWORD);
    if (write(to_parent, w.bytes, w.len) != (ssize_t)w.len) _exit(1);
    _exit(0);
}

static void reads_well(const unsigned char *b, size_t n, int to_parent, int from_parent)
{
    (void)b, (void)n;
    send_list(to_parent, from_parent);
    send_row_one(to_parent);
    if (write(to_parent, "Z", 1) != 1) _exit(1);
    _exit(0);
}

/* Opens with the child given and starts on its sheet; the status of the first that fails. */
static cci_status open_with(cci_xls_child child, cci_xls **xls, char *err, size_t errlen)
{
    static const unsigned char nothing[1];
    cci_status status = cci_xls_open_with(xls, nothing, 0, child, err, errlen);
    if (status != CCI_OK) return status;
    status = cci_xls_start(*xls, 0, 100, 1 << 20, err, errlen);
    if (status != CCI_OK) cci_xls_free(*xls), *xls = NULL;
    return status;
}

START_TEST(a_child_that_crashes_makes_the_workbook_unreadable_in_one_line)
{
    char err[512];
    cci_xls *xls;
    ck_assert_int_eq(open_with(crashes_at_once, &xls, err, sizeof err), CCI_INVALID);
    ck_assert_msg(strstr(err, "crashed on it (Segmentation fault) while listing the sheets; the file is damaged") &&
                      !strchr(err, '\n'), "%s", err);
    ck_assert_int_eq(open_with(crashes_after_a_row, &xls, err, sizeof err), CCI_INVALID);
    ck_assert_msg(strstr(err, "crashed on it (Segmentation fault) in sheet \"Users\" after row 1"), "%s", err);
    ck_assert_int_eq(open_with(ends_without_its_last_word, &xls, err, sizeof err), CCI_INVALID);
    ck_assert_msg(strstr(err, "said in sheet \"Users\" after row 1 was malformed"), "%s", err);
    /* the file is blamed only when it is to blame */
    ck_assert_int_eq(open_with(is_interrupted, &xls, err, sizeof err), CCI_STOPPED);
    ck_assert_str_eq(err, "reading it was interrupted (Interrupt)");
    ck_assert_int_eq(open_with(fails_to_start, &xls, err, sizeof err), CCI_IO);
    ck_assert_msg(strstr(err, "failed while listing the sheets (out of memory") && !strstr(err, "damaged"), "%s", err);
    ck_assert_int_eq(open_with(says_a_password_guards_it, &xls, err, sizeof err), CCI_INVALID);
    ck_assert_msg(strstr(err, "protected by a password"), "%s", err);
}
END_TEST

START_TEST(a_child_that_reads_well_gives_its_rows_on_every_pass)
{
    char err[512];
    cci_xls *xls;
    ck_assert_int_eq(open_with(reads_well, &xls, err, sizeof err), CCI_OK);
    ck_assert_str_eq(cci_xls_sheet(xls, 0)->name, "Users");
    for (int pass = 0; pass < 2; pass++) {
        cci_record r;
        cci_status status;
        ck_assert_int_eq(cci_xls_next(xls, &r, &status, err, sizeof err), CCI_READ_RECORD);
        ck_assert_uint_eq(r.line, 1);
        ck_assert_uint_eq(r.count, 1);
        ck_assert_str_eq(r.cells[0].text, "uid");
        ck_assert_int_eq(cci_xls_next(xls, &r, &status, err, sizeof err), CCI_READ_END);
        ck_assert_int_eq(cci_xls_start(xls, 0, 100, 1 << 20, err, sizeof err), CCI_OK); /* no second child */
    }
    cci_xls_free(xls);
}
END_TEST

/* What a child says is checked whole before a row is handed on. */
START_TEST(malformed_cells_are_refused_whole)
{
    wire cases[9] = {{.len = 0}};
    put_tag(&cases[0], CCI_XLS_ROW), put_u32(&cases[0], 2), put_cell(&cases[0], 0, "a"); /* no end */
    put_tag(&cases[1], CCI_XLS_ROW), put_u32(&cases[1], 2), put_cell(&cases[1], 1, "a"), put_cell(&cases[1], 1, "b");
    put_tag(&cases[2], CCI_XLS_ROW), put_u32(&cases[2], 2), put_cell(&cases[2], 0, "a"), put_tag(&cases[2], CCI_XLS_ROW),
        put_u32(&cases[2], 2), put_cell(&cases[2], 0, "b"); /* a row twice */
    put_tag(&cases[3], CCI_XLS_ROW), put_u32(&cases[3], 2), put_cell(&cases[3], 0, "\xC3"); /* not UTF-8 */
    put_tag(&cases[4], CCI_XLS_ROW), put_u32(&cases[4], 2), put_cell(&cases[4], 0, ""); /* an empty cell told */
    put_tag(&cases[5], CCI_XLS_CELL), put_u32(&cases[5], 0), put_u32(&cases[5], 0); /* a cell before a row */
    put_tag(&cases[6], CCI_XLS_ROW), put_u32(&cases[6], 2), put_tag(&cases[6], CCI_XLS_SHEET_END); /* no cell */
    put_tag(&cases[7], CCI_XLS_ROW), put_u32(&cases[7], 2), put_tag(&cases[7], CCI_XLS_CELL), put_u32(&cases[7], 0),
        put_u32(&cases[7], 1000); /* longer than what follows */
    put_tag(&cases[8], CCI_XLS_ROW), put_u32(&cases[8], 2), put_cell(&cases[8], 0, "a"),
        put_tag(&cases[8], CCI_XLS_SHEET_END), put_tag(&cases[8], 'x'); /* past the end */
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[128];
        cci_xls *xls = NULL;
        ck_assert_msg(cci_xls_take_cells(&xls, "Users", cases[i].bytes, cases[i].len, err, sizeof err) == CCI_INVALID,
                      "case %zu was taken", i);
        ck_assert_ptr_null(xls);
    }
    wire good = {.len = 0};
    put_tag(&good, CCI_XLS_ROW), put_u32(&good, 3), put_cell(&good, 0, "a"), put_cell(&good, 150, "b");
    put_tag(&good, CCI_XLS_SHEET_END);
    char err[512];
    cci_xls *xls;
    ck_assert_int_eq(cci_xls_take_cells(&xls, "Users", good.bytes, good.len, err, sizeof err), CCI_OK);
    ck_assert_int_eq(cci_xls_start(xls, 0, 100, 1 << 20, err, sizeof err), CCI_OK);
    cci_record r;
    cci_status status;
    ck_assert_int_eq(cci_xls_next(xls, &r, &status, err, sizeof err), CCI_READ_ERROR); /* column 151 of 100 */
    ck_assert_int_eq(status, CCI_INVALID);
    ck_assert_str_eq(err, "sheet \"Users\", row 3: more cells than --max-columns allows");
    cci_xls_free(xls);
}
END_TEST

/* LibreOffice's users.xls, read by FreeXL in its child, twice as the preflight and the import do. */
START_TEST(libreoffices_xls_reads_the_same_on_both_passes)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/workbooks/users.xls", CCI_TEST_DATA_DIR);
    int fd = open(path, O_RDONLY);
    cci_workbook *w;
    ck_assert_int_eq(cci_workbook_open(&w, fd, NULL, 100, 1 << 20, err, sizeof err), CCI_OK);
    close(fd);
    size_t rows[2] = {0, 0};
    char first_uid[2][64];
    for (int pass = 0; pass < 2; pass++) {
        cci_record r;
        while (cci_workbook_next(w, &r) == CCI_READ_RECORD)
            if (++rows[pass] == 2) snprintf(first_uid[pass], sizeof first_uid[pass], "%s", r.cells[0].text);
        ck_assert_int_eq(cci_workbook_restart(w, err, sizeof err), CCI_OK);
    }
    ck_assert_uint_eq(rows[0], 28); /* the header and 27 users */
    ck_assert_uint_eq(rows[1], rows[0]);
    ck_assert_str_eq(first_uid[0], "ana_lopez");
    ck_assert_str_eq(first_uid[1], first_uid[0]);
    cci_workbook_free(w);
}
END_TEST

static Suite *workbook_xls_suite(void)
{
    Suite *suite = suite_create("workbook_xls");
    TCase *tc = tcase_create("xls");
    tcase_add_test(tc, a_child_that_crashes_makes_the_workbook_unreadable_in_one_line);
    tcase_add_test(tc, a_child_that_reads_well_gives_its_rows_on_every_pass);
    tcase_add_test(tc, malformed_cells_are_refused_whole);
    tcase_add_test(tc, libreoffices_xls_reads_the_same_on_both_passes);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(workbook_xls_suite)
