/* Workbooks read as the person typed them: the hand-made .xlsx (inline and shared strings, gaps,
 * dates by format, a 12-digit id stored as a number and with an exponent), LibreOffice's export
 * of the same master the CSV tests read, and hostile archives (a zip bomb, a billion laughs, a
 * cut-short file), each refused in one line. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "read/workbook.h"
#include "read/workbook_cells.h"
#include "read/workbook_row.h"

static cci_workbook *open_at(const char *name, const char *sheet, cci_status expected, char *err, size_t errlen)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", CCI_TEST_DATA_DIR, name);
    int fd = open(path, O_RDONLY);
    ck_assert_msg(fd >= 0, "%s", path);
    cci_workbook *workbook;
    cci_status status = cci_workbook_open(&workbook, fd, sheet, 100, 1 << 20, err, errlen);
    close(fd);
    ck_assert_msg(status == expected, "%s: %s (%s)", name, cci_status_name(status), err);
    return workbook;
}

static void expect_cells(const cci_record *record, unsigned long line, const char *const *cells, size_t count)
{
    ck_assert_uint_eq(record->line, line);
    ck_assert_uint_eq(record->count, count);
    for (size_t i = 0; i < count; i++)
        ck_assert_msg(record->cells[i].len == strlen(cells[i]) && memcmp(record->cells[i].text, cells[i], record->cells[i].len) == 0,
                      "line %lu, cell %zu: \"%s\", not \"%s\"", line, i, record->cells[i].text, cells[i]);
}

START_TEST(the_handmade_workbook_reads_as_typed)
{
    char err[512], said[512];
    cci_workbook *w = open_at("workbooks/handmade.xlsx", NULL, CCI_OK, err, sizeof err);
    cci_workbook_describe(w, said, sizeof said);
    ck_assert_str_eq(said, "sheet \"Users\" (not read: \"Lookup\" hidden)"); /* the first visible one */
    cci_record r;
    const char *header[] = {"uid", "name", "createdAt", "", "metadata.active", "metadata.note"};
    const char *zeros[] = {"000123", "Ana López", "2021-03-04", "", "TRUE", "ab"}; /* the phonetic run is no text */
    const char *digits[] = {"123456789012", "Twelve Digits", "2021-03-04T12:00:00", "", "", ""};
    const char *exponent[] = {"123456789012", "Exponent", "", "", "", "gap before"};
    const char *no_refs[] = {"no_refs", "No Refs", "", "", "", ""};
    const char *const *rows[] = {header, zeros, digits, exponent, no_refs};
    unsigned long lines[] = {1, 2, 3, 6, 7}; /* row 4 is not there, row 5 has styles and no value */
    for (int pass = 0; pass < 2; pass++) { /* the preflight, then the import pass */
        for (int i = 0; i < 5; i++) {
            ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_RECORD);
            expect_cells(&r, lines[i], rows[i], 6);
        }
        ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_END);
        ck_assert_int_eq(cci_workbook_restart(w, err, sizeof err), CCI_OK);
    }
    cci_workbook_free(w);
}
END_TEST

START_TEST(a_sheet_is_chosen_by_name_or_number_and_a_missing_one_is_said)
{
    char err[512];
    cci_record r;
    const char *lookup[] = {"lookup"};
    for (int i = 0; i < 2; i++) {
        cci_workbook *w = open_at("workbooks/handmade.xlsx", i ? "1" : "Lookup", CCI_OK, err, sizeof err);
        ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_RECORD);
        expect_cells(&r, 1, lookup, 1);
        cci_workbook_free(w);
    }
    ck_assert_ptr_null(open_at("workbooks/handmade.xlsx", "Nope", CCI_INVALID, err, sizeof err));
    ck_assert_str_eq(err, "it has no sheet \"Nope\" (it has 2: \"Lookup\", \"Users\"; --sheet NAME or a number)");
    ck_assert_ptr_null(open_at("workbooks/handmade.xlsx", "3", CCI_INVALID, err, sizeof err));
    /* a chart sheet is no sheet of cells: passed over by default, refused when chosen */
    cci_workbook *w = open_at("workbooks/chart.xlsx", NULL, CCI_OK, err, sizeof err);
    char said[256];
    cci_workbook_describe(w, said, sizeof said);
    ck_assert_str_eq(said, "sheet \"Users\" (not read: \"Chart1\" chart)");
    cci_workbook_free(w);
    ck_assert_ptr_null(open_at("workbooks/chart.xlsx", "1", CCI_INVALID, err, sizeof err));
    ck_assert_str_eq(err, "its sheet \"Chart1\" is a chart, with no cells to read: choose another with --sheet");
}
END_TEST

/* LibreOffice's .xlsx and .ods of the master the CSV tests read hold the same cells, row for
 * row (a record's line is its row: the CSV's quoted line break makes its later lines one more). */
static void expect_what_the_csv_holds(const char *workbook)
{
    char err[512], path[512];
    cci_workbook *w = open_at(workbook, NULL, CCI_OK, err, sizeof err);
    snprintf(path, sizeof path, "%s/exports/master.csv", CCI_TEST_DATA_DIR);
    FILE *file = fopen(path, "rb");
    cci_csv_reader *csv;
    ck_assert_int_eq(cci_csv_reader_new(&csv, file, ',', NULL, err, sizeof err), CCI_OK);
    cci_record from_sheet, from_csv;
    int rows = 0;
    while (cci_csv_reader_next(csv, &from_csv) == CCI_READ_RECORD) {
        ck_assert_int_eq(cci_workbook_next(w, &from_sheet), CCI_READ_RECORD);
        ck_assert_uint_eq(from_sheet.line, (unsigned long)++rows);
        ck_assert_uint_eq(from_sheet.count, from_csv.count);
        for (size_t i = 0; i < from_csv.count; i++)
            ck_assert_msg(from_sheet.cells[i].len == from_csv.cells[i].len &&
                              memcmp(from_sheet.cells[i].text, from_csv.cells[i].text, from_csv.cells[i].len) == 0,
                          "row %d, cell %zu: \"%s\" against \"%s\"", rows, i, from_sheet.cells[i].text, from_csv.cells[i].text);
    }
    ck_assert_int_eq(cci_workbook_next(w, &from_sheet), CCI_READ_END);
    ck_assert_int_gt(rows, 10);
    cci_csv_reader_free(csv);
    fclose(file);
    cci_workbook_free(w);
}

START_TEST(libreoffices_workbooks_hold_what_its_csv_holds)
{
    expect_what_the_csv_holds("exports/master.xlsx");
    expect_what_the_csv_holds("exports/master.ods");
    expect_what_the_csv_holds("exports/master.xls");
}
END_TEST

START_TEST(the_handmade_ods_reads_as_typed)
{
    char err[512], said[512];
    cci_workbook *w = open_at("workbooks/handmade.ods", "Users", CCI_OK, err, sizeof err);
    cci_workbook_describe(w, said, sizeof said);
    ck_assert_str_eq(said, "sheet \"Users\" (not read: \"Secret\" hidden, \"Notes\")");
    cci_record r;
    const char *header[] = {"uid", "name", "createdAt", "metadata.active", "metadata.note"};
    const char *zeros[] = {"000123", "Ana López", "2021-03-04", "TRUE", "one\ntwo   spaced"}; /* the note is not */
    const char *digits[] = {"123456789012", "Twelve Digits", "", "", ""}; /* by office:value, not as shown */
    const char *twin[] = {"twin", "Twin", "", "", ""};
    const char *const *rows[] = {header, zeros, digits, twin, twin};
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 5; i++) {
            ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_RECORD);
            expect_cells(&r, (unsigned long)i + 1, rows[i], 5);
        }
        ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_END); /* a million empty rows are none */
        ck_assert_int_eq(cci_workbook_restart(w, err, sizeof err), CCI_OK);
    }
    cci_workbook_free(w);
    w = open_at("workbooks/handmade.ods", NULL, CCI_OK, err, sizeof err); /* the first sheet by default */
    cci_workbook_describe(w, said, sizeof said);
    ck_assert_str_eq(said, "sheet \"Notes\" (not read: \"Secret\" hidden, \"Users\")"); /* the first visible */
    cci_workbook_free(w);
}
END_TEST

/* A hostile or damaged sheet is refused by its first rows, within the caps, in one line. */
static void expect_refused_sheet(const char *name, const char *why)
{
    char err[512];
    cci_workbook *w = open_at(name, NULL, CCI_OK, err, sizeof err);
    cci_record r;
    cci_read_status read;
    while ((read = cci_workbook_next(w, &r)) == CCI_READ_RECORD) ck_assert_uint_le(r.line, 3); /* the rows before it */
    ck_assert_int_eq(read, CCI_READ_ERROR);
    ck_assert_int_eq(cci_workbook_error_status(w), CCI_INVALID);
    ck_assert_msg(strstr(cci_workbook_error(w), why) && !strchr(cci_workbook_error(w), '\n'), "%s: %s", name,
                  cci_workbook_error(w));
    cci_workbook_free(w);
}

/* A damaged sheet is refused at the row where it is damaged, never read as something else (an
 * empty cell would clear the user's field; two cells would run together into one uid). */
START_TEST(a_damaged_sheet_is_refused_at_its_row)
{
    expect_refused_sheet("workbooks/damaged-string.xlsx", "row 2: cell B2 names shared string \"7\"");
    expect_refused_sheet("workbooks/damaged-twice.xlsx", "row 2: a cell given twice");
    expect_refused_sheet("workbooks/damaged-ref.xlsx", "cell reference \"ZZZZZ2\" names no cell");
    expect_refused_sheet("workbooks/damaged-order.xlsx", "row number \"2\" is out of order");
}
END_TEST

START_TEST(a_zip_bomb_and_a_billion_laughs_are_refused)
{
    expect_refused_sheet("workbooks/bomb.xlsx", "200 times its compressed size");
    expect_refused_sheet("workbooks/laughs.xlsx", "DOCTYPE");
}
END_TEST

/* An OLE2 file (an .xls, or an encrypted .xlsx) is refused in one line, saying what to save it as. */
START_TEST(an_ole2_file_that_is_no_workbook_is_refused)
{
    static const unsigned char ole2[512] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    char cut[] = "/tmp/cci-ole2-XXXXXX", err[512];
    int fd = mkstemp(cut);
    ck_assert_int_eq(write(fd, ole2, sizeof ole2), (ssize_t)sizeof ole2);
    cci_workbook *w;
    ck_assert_int_eq(cci_workbook_open(&w, fd, NULL, 100, 1 << 20, err, sizeof err), CCI_INVALID);
    ck_assert_msg(strstr(err, "password") && !strchr(err, '\n'), "%s", err);
    close(fd);
    unlink(cut);
}
END_TEST

START_TEST(a_cut_short_workbook_is_refused_when_it_opens)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/workbooks/handmade.xlsx", CCI_TEST_DATA_DIR);
    FILE *whole = fopen(path, "rb");
    char bytes[8192];
    size_t len = fread(bytes, 1, sizeof bytes, whole);
    fclose(whole);
    char cut[] = "/tmp/cci-cut-XXXXXX";
    int fd = mkstemp(cut);
    ck_assert_int_eq(write(fd, bytes, len / 2), (ssize_t)(len / 2));
    cci_workbook *w;
    ck_assert_int_eq(cci_workbook_open(&w, fd, NULL, 100, 1 << 20, err, sizeof err), CCI_INVALID);
    ck_assert_msg(strstr(err, "damaged or cut short"), "%s", err);
    close(fd);
    unlink(cut);
}
END_TEST

START_TEST(numbers_read_in_full_and_dates_by_their_format)
{
    char out[CCI_CELL_NUMBER_MAX];
    const char *numbers[][2] = {{"1.23456789012E+11", "123456789012"}, {"123456789012", "123456789012"},
                                {"1E-3", "0.001"}, {"0.5", "0.5"}, {"-2.5E+2", "-250"}, {"1.5E-1", "0.15"}};
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++) {
        ck_assert(cci_cell_number(numbers[i][0], out, sizeof out));
        ck_assert_str_eq(out, numbers[i][1]);
    }
    ck_assert(!cci_cell_number("12abc", out, sizeof out));
    ck_assert_str_eq(out, "12abc");
    const struct { double serial; bool mac; const char *iso; } dates[] = {
        {44259, false, "2021-03-04"}, {44259.5, false, "2021-03-04T12:00:00"}, {1, false, "1900-01-01"},
        {59, false, "1900-02-28"},    {61, false, "1900-03-01"},               {0, true, "1904-01-01"},
        {25569.999999999, false, "1970-01-02"}};
    for (size_t i = 0; i < sizeof dates / sizeof *dates; i++) {
        ck_assert_msg(cci_cell_date(dates[i].serial, dates[i].mac, out, sizeof out), "%f", dates[i].serial);
        ck_assert_str_eq(out, dates[i].iso);
    }
    ck_assert(!cci_cell_date(60, false, out, sizeof out)); /* Lotus's 1900-02-29 never was */
    ck_assert(!cci_cell_date(-1, false, out, sizeof out));
    const char *date_codes[] = {"yyyy-mm-dd", "m/d/yy h:mm", "[$-409]d mmm yyyy", "dd.mm.yyyy;@", "hh:mm:ss"};
    const char *number_codes[] = {"0.00", "#,##0;[Red]-#,##0", "[h]:mm", "\"id \"0", "General", "0%", "@"};
    for (size_t i = 0; i < sizeof date_codes / sizeof *date_codes; i++)
        ck_assert_msg(cci_cell_format_is_date(date_codes[i]), "%s", date_codes[i]);
    for (size_t i = 0; i < sizeof number_codes / sizeof *number_codes; i++)
        ck_assert_msg(!cci_cell_format_is_date(number_codes[i]), "%s", number_codes[i]);
    ck_assert(cci_cell_builtin_is_date(14) && cci_cell_builtin_is_date(22) && !cci_cell_builtin_is_date(1));
    char name[] = "Users\n\x1b[2Jcometchat-import: fake";
    cci_sheet_name_clean(name);
    ck_assert_str_eq(name, "Users??[2Jcometchat-import: fake"); /* one line, no terminal escape */
}
END_TEST

START_TEST(a_row_fills_gaps_and_keeps_to_its_bounds)
{
    cci_sheet_row row;
    cci_sheet_row_init(&row, 4, 32);
    ck_assert_int_eq(cci_sheet_row_append(&row, 2, "cd", 2), CCI_ROW_OK);
    ck_assert_int_eq(cci_sheet_row_append(&row, 2, "x", 1), CCI_ROW_TWICE); /* a damaged sheet's */
    cci_record r;
    ck_assert_int_eq(cci_sheet_row_record(&row, 9, 4, &r), CCI_ROW_OK);
    const char *cells[] = {"", "", "cd", ""};
    expect_cells(&r, 9, cells, 4);
    ck_assert_int_eq(cci_sheet_row_append(&row, 4, "e", 1), CCI_ROW_TOO_WIDE);
    ck_assert_int_eq(cci_sheet_row_append(&row, 3, "a long text past the row's bytes", 32), CCI_ROW_TOO_LARGE);
    cci_sheet_row_cleanup(&row);
}
END_TEST

/* A table inside an .ods cell is the cell's content, neither the sheet's rows nor a sheet. */
START_TEST(a_table_inside_an_ods_cell_is_not_the_sheets)
{
    char err[512], said[512];
    cci_workbook *w = open_at("workbooks/nested.ods", NULL, CCI_OK, err, sizeof err);
    cci_workbook_describe(w, said, sizeof said);
    ck_assert_str_eq(said, "sheet \"Users\"");
    cci_record r;
    const char *header[] = {"uid", "name"}, *a[] = {"a", "outer"}, *b[] = {"b", "Bee"};
    const char *const *rows[] = {header, a, b};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_RECORD);
        expect_cells(&r, (unsigned long)i + 1, rows[i], 2);
    }
    ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_END);
    cci_workbook_free(w);
}
END_TEST

/* --header-row: the rows above the header (a title, notes) are skipped, and the run says so. */
START_TEST(a_header_below_a_title_is_found_by_its_row)
{
    char err[512], said[512];
    cci_workbook *w = open_at("workbooks/handmade.xlsx", NULL, CCI_OK, err, sizeof err);
    cci_workbook_header_row(w, 3);
    cci_record r;
    ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_RECORD);
    ck_assert_uint_eq(r.line, 3); /* rows 1 and 2 were above it */
    cci_workbook_describe(w, said, sizeof said);
    ck_assert_str_eq(said, "sheet \"Users\" (not read: \"Lookup\" hidden), header on row 3 (2 rows above it skipped)");
    ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_RECORD);
    ck_assert_uint_eq(r.line, 6);
    ck_assert_int_eq(cci_workbook_next(w, &r), CCI_READ_RECORD);
    ck_assert_uint_eq(r.line, 7);
    ck_assert_uint_eq(r.count, 3); /* padded to its header's width, not the title's */
    cci_workbook_free(w);
}
END_TEST

/* Excel writes a carriage return as "_x000D_" and a '_' that would start such an escape as
 * "_x005F_": read back as the characters; what is no escape stays as written. */
START_TEST(office_escapes_read_as_their_characters)
{
    const char *cases[][2] = {
        {"a_x000D_\nb", "a\r\nb"},      {"_x005F_x0041_", "_x0041_"},   {"_x00e9_t_x00E9_", "\xC3\xA9t\xC3\xA9"},
        {"_xD83D__xDE00_", "\xF0\x9F\x98\x80"}, {"_xFFFF_", "\xEF\xBF\xBF"}, {"_xD83D_ alone", "_xD83D_ alone"}, {"_x0000_", "_x0000_"},
        {"_x12_ _xZZZZ_ _x0041", "_x12_ _xZZZZ_ _x0041"}, {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[64];
        snprintf(text, sizeof text, "%s", cases[i][0]);
        size_t len = cci_cell_unescape(text, strlen(text));
        ck_assert_uint_eq(len, strlen(cases[i][1]));
        ck_assert_msg(memcmp(text, cases[i][1], len) == 0 && text[len] == '\0', "case %zu: \"%s\"", i, text);
        char *escaped;
        size_t escaped_len;
        ck_assert(cci_cell_escaped(text, len, &escaped, &escaped_len)); /* and back, through a writer */
        if (escaped) len = cci_cell_unescape(escaped, escaped_len);
        ck_assert_msg(len == strlen(cases[i][1]) && memcmp(escaped ? escaped : text, cases[i][1], len) == 0, "case %zu", i);
        free(escaped);
    }
}
END_TEST

static Suite *workbook_suite(void)
{
    Suite *suite = suite_create("workbook");
    TCase *tc = tcase_create("workbook");
    tcase_add_test(tc, the_handmade_workbook_reads_as_typed);
    tcase_add_test(tc, a_sheet_is_chosen_by_name_or_number_and_a_missing_one_is_said);
    tcase_add_test(tc, libreoffices_workbooks_hold_what_its_csv_holds);
    tcase_add_test(tc, the_handmade_ods_reads_as_typed);
    tcase_add_test(tc, a_zip_bomb_and_a_billion_laughs_are_refused);
    tcase_add_test(tc, a_damaged_sheet_is_refused_at_its_row);
    tcase_add_test(tc, a_table_inside_an_ods_cell_is_not_the_sheets);
    tcase_add_test(tc, a_cut_short_workbook_is_refused_when_it_opens);
    tcase_add_test(tc, an_ole2_file_that_is_no_workbook_is_refused);
    tcase_add_test(tc, a_header_below_a_title_is_found_by_its_row);
    tcase_add_test(tc, numbers_read_in_full_and_dates_by_their_format);
    tcase_add_test(tc, a_row_fills_gaps_and_keeps_to_its_bounds);
    tcase_add_test(tc, office_escapes_read_as_their_characters);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(workbook_suite)
