#include <check.h>
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cci/read/csv_reader.h"
#include "check_main.h"

/* A reader over text held in memory. */
typedef struct fixture {
    FILE *file;
    cci_csv_reader *reader;
} fixture;

static fixture open_text(const char *text, size_t len, char delimiter)
{
    fixture f;
    f.file = fmemopen((void *)text, len, "rb");
    ck_assert_ptr_nonnull(f.file);
    char err[256];
    ck_assert_msg(cci_csv_reader_new(&f.reader, f.file, delimiter, NULL, err, sizeof err) == CCI_OK, "%s", err);
    return f;
}

static void close_fixture(fixture *f)
{
    cci_csv_reader_free(f->reader);
    fclose(f->file);
}

/* Asserts the next record starts at line and holds the given cells (NULL-terminated). */
static void expect_record(fixture *f, unsigned long line, const char *first, ...)
{
    cci_record r;
    ck_assert_int_eq(cci_csv_reader_next(f->reader, &r), CCI_READ_RECORD);
    ck_assert_uint_eq(r.line, line);
    va_list ap;
    va_start(ap, first);
    size_t i = 0;
    for (const char *cell = first; cell; cell = va_arg(ap, const char *), i++) {
        ck_assert_msg(i < r.count, "line %lu: only %zu cells", line, r.count);
        ck_assert_uint_eq(r.cells[i].len, strlen(cell));
        ck_assert_str_eq(r.cells[i].text, cell);
    }
    va_end(ap);
    ck_assert_uint_eq(r.count, i);
}

static void expect_end(fixture *f)
{
    cci_record r;
    ck_assert_int_eq(cci_csv_reader_next(f->reader, &r), CCI_READ_END);
}

#define TEXT(s) s, sizeof(s) - 1

START_TEST(detects_each_delimiter_from_the_header)
{
    ck_assert_int_eq(cci_detect_delimiter(TEXT("uid,name,tags")), ',');
    ck_assert_int_eq(cci_detect_delimiter(TEXT("uid;name;tags")), ';');
    ck_assert_int_eq(cci_detect_delimiter(TEXT("uid\tname\ttags")), '\t');
    ck_assert_int_eq(cci_detect_delimiter(TEXT("uid|name|tags")), '|');
    /* quoted delimiters do not count */
    ck_assert_int_eq(cci_detect_delimiter(TEXT("\"a,b,c,d\";name;x")), ';');
    ck_assert_int_eq(cci_detect_delimiter(TEXT("uid")), ',');
}
END_TEST

START_TEST(reads_records_with_their_physical_lines)
{
    fixture f = open_text(TEXT("uid;name\n\nana;\"Ana\nLopez\"\r\n  \nbob;Bob\n"), 0);
    expect_record(&f, 1, "uid", "name", NULL);
    expect_record(&f, 3, "ana", "Ana\nLopez", NULL);
    expect_record(&f, 6, "bob", "Bob", NULL);
    expect_end(&f);
    ck_assert_int_eq(cci_csv_reader_delimiter(f.reader), ';');
    ck_assert_uint_eq(cci_csv_reader_blank_lines(f.reader), 2);
    close_fixture(&f);
}
END_TEST

START_TEST(lone_cr_and_missing_final_newline)
{
    fixture f = open_text(TEXT("a,b\rc,d\r\re,f"), 0);
    expect_record(&f, 1, "a", "b", NULL);
    expect_record(&f, 2, "c", "d", NULL);
    expect_record(&f, 4, "e", "f", NULL);
    expect_end(&f);
    close_fixture(&f);
}
END_TEST

START_TEST(utf8_bom_is_dropped)
{
    fixture f = open_text(TEXT("\xEF\xBB\xBFuid,name\r\nzoe,Zo\xC3\xAB\r\n"), 0);
    expect_record(&f, 1, "uid", "name", NULL);
    expect_record(&f, 2, "zoe", "Zo\xC3\xAB", NULL);
    expect_end(&f);
    close_fixture(&f);
}
END_TEST

START_TEST(excel_sep_line_sets_the_delimiter)
{
    fixture f = open_text(TEXT("sep=|\nuid|name,x\na|b,c\n"), 0);
    expect_record(&f, 2, "uid", "name,x", NULL);
    expect_record(&f, 3, "a", "b,c", NULL);
    expect_end(&f);
    close_fixture(&f);
}
END_TEST

START_TEST(tab_delimited_keeps_empty_leading_cells)
{
    fixture f = open_text(TEXT("uid\tname\n\tAna\n"), 0);
    expect_record(&f, 1, "uid", "name", NULL);
    expect_record(&f, 2, "", "Ana", NULL);
    expect_end(&f);
    close_fixture(&f);
}
END_TEST

START_TEST(ragged_rows_come_through_as_they_are)
{
    fixture f = open_text(TEXT("a,b,c\n1,2\n1,2,3,4\n"), 0);
    expect_record(&f, 1, "a", "b", "c", NULL);
    expect_record(&f, 2, "1", "2", NULL);
    expect_record(&f, 3, "1", "2", "3", "4", NULL);
    expect_end(&f);
    close_fixture(&f);
}
END_TEST

/* A header of 5,000 columns, a row of 20 KB: refused at their line, within the bounds given. */
START_TEST(a_record_past_the_bounds_is_refused_with_its_line)
{
    size_t columns = 5000, len = 0;
    char *text = malloc(columns * 8 + 64);
    for (size_t i = 0; i < columns; i++) len += (size_t)sprintf(text + len, "%sc%zu", i ? "," : "", i);
    len += (size_t)sprintf(text + len, "\n");
    fixture f = open_text(text, len, 0);
    cci_record record;
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &record), CCI_READ_ERROR);
    ck_assert_str_eq(cci_csv_reader_error(f.reader), "line 1: more than 1000 columns (--max-columns raises the limit)");
    close_fixture(&f);

    f = open_text(text, len, 0);
    cci_csv_reader_limit(f.reader, 0, 6000);
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &record), CCI_READ_RECORD);
    ck_assert_uint_eq(record.count, columns);
    close_fixture(&f);
    free(text);

    char row[2 * 20000 + 64];
    len = (size_t)sprintf(row, "uid,name\nana,");
    memset(row + len, 'x', 20000);
    len += 20000;
    len += (size_t)sprintf(row + len, "\n");
    f = open_text(row, len, 0);
    cci_csv_reader_limit(f.reader, 10000, 0);
    expect_record(&f, 1, "uid", "name", NULL);
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &record), CCI_READ_ERROR);
    ck_assert_msg(strstr(cci_csv_reader_error(f.reader), "line 2: the record holds more than 10000 bytes"), "%s",
                  cci_csv_reader_error(f.reader));
    close_fixture(&f);
}
END_TEST

START_TEST(nul_bytes_stay_inside_their_cell)
{
    fixture f = open_text("a,b\nx\0y,z\n", 10, 0);
    cci_record r;
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_RECORD);
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_RECORD);
    ck_assert_uint_eq(r.cells[0].len, 3);
    ck_assert(memcmp(r.cells[0].text, "x\0y", 3) == 0);
    close_fixture(&f);
}
END_TEST

START_TEST(unterminated_quote_names_its_line)
{
    /* 1,000 lines; the quote opened on line 5 is never closed */
    size_t cap = 64 * 1024, len = 0;
    char *text = malloc(cap);
    len += (size_t)sprintf(text + len, "uid,name\n");
    for (int line = 2; line <= 1000; line++)
        len += (size_t)sprintf(text + len, line == 5 ? "u%d,\"Broken\n" : "u%d,Name %d\n", line, line);
    fixture f = open_text(text, len, 0);
    cci_record r;
    cci_read_status status;
    int records = 0;
    while ((status = cci_csv_reader_next(f.reader, &r)) == CCI_READ_RECORD) records++;
    ck_assert_int_eq(status, CCI_READ_ERROR);
    ck_assert_int_eq(records, 4); /* header and lines 2-4 */
    ck_assert_msg(strncmp(cci_csv_reader_error(f.reader), "line 5:", 7) == 0, "%s",
                  cci_csv_reader_error(f.reader));
    close_fixture(&f);
    free(text);
}
END_TEST

START_TEST(malformed_quoting_names_its_line)
{
    fixture f = open_text(TEXT("uid,name\nana,Ana\nbob,Bo\"b\"\n"), 0);
    cci_record r;
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_RECORD);
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_RECORD);
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_ERROR);
    ck_assert_msg(strstr(cci_csv_reader_error(f.reader), "line 3: malformed quoting"), "%s",
                  cci_csv_reader_error(f.reader));
    ck_assert_int_eq(cci_csv_reader_error_status(f.reader), CCI_INVALID);
    close_fixture(&f);

    f = open_text(TEXT("uid,name\n\"ana\"x,Ana\n"), 0);
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_RECORD);
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_ERROR);
    ck_assert_ptr_nonnull(strstr(cci_csv_reader_error(f.reader), "line 2:"));
    close_fixture(&f);
}
END_TEST

START_TEST(an_open_quote_cannot_grow_without_bound)
{
    /* a cell of more than 1 MiB, as an unterminated quote near the top of a big file makes */
    size_t len = CCI_MAX_CELL_BYTES + 100000;
    char *text = malloc(len);
    memcpy(text, "uid,name\nana,\"", 14);
    for (size_t i = 14; i < len; i++) text[i] = (i % 50) ? 'x' : '\n';
    fixture f = open_text(text, len, 0);
    cci_record r;
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_RECORD);
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_ERROR);
    ck_assert_msg(strstr(cci_csv_reader_error(f.reader), "line 2:"), "%s", cci_csv_reader_error(f.reader));
    ck_assert_ptr_nonnull(strstr(cci_csv_reader_error(f.reader), "1 MiB"));
    close_fixture(&f);
    free(text);
}
END_TEST

START_TEST(long_lines_cross_buffer_boundaries)
{
    /* a 200 KB quoted cell with a CRLF falling on every read boundary size */
    size_t cell = 200000;
    char *text = malloc(cell + 64);
    size_t len = (size_t)sprintf(text, "a,b\r\n1,\"");
    memset(text + len, 'y', cell);
    len += cell;
    len += (size_t)sprintf(text + len, "\"\r\n2,z\r\n");
    fixture f = open_text(text, len, 0);
    cci_record r;
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_RECORD);
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_RECORD);
    ck_assert_uint_eq(r.line, 2);
    ck_assert_uint_eq(r.cells[1].len, cell);
    expect_record(&f, 3, "2", "z", NULL);
    expect_end(&f);
    close_fixture(&f);
    free(text);
}
END_TEST

/* ---- csv-spectrum: every case parses to its JSON ---- */

static char *slurp(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    ck_assert_msg(file != NULL, "cannot open %s", path);
    char *text = malloc(1 << 16);
    *len = fread(text, 1, (1 << 16) - 1, file);
    text[*len] = '\0';
    fclose(file);
    return text;
}

static const char *const spectrum[] = {
    "comma_in_quotes", "empty", "empty_crlf", "escaped_quotes", "json",
    "newlines", "newlines_crlf", "quotes_and_newlines", "simple", "simple_crlf", "utf8",
};

START_TEST(csv_spectrum_case)
{
    const char *name = spectrum[_i];
    char path[512];
    size_t csv_len, json_len;
    snprintf(path, sizeof path, "%s/csv-spectrum/%s.csv", CCI_TEST_DATA_DIR, name);
    char *csv = slurp(path, &csv_len);
    snprintf(path, sizeof path, "%s/csv-spectrum/%s.json", CCI_TEST_DATA_DIR, name);
    char *json_text = slurp(path, &json_len);
    cJSON *expected = cJSON_Parse(json_text);
    ck_assert_ptr_nonnull(expected);

    fixture f = open_text(csv, csv_len, ',');
    cci_record header;
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &header), CCI_READ_RECORD);
    size_t columns = header.count;
    char **names = calloc(columns, sizeof *names);
    for (size_t c = 0; c < columns; c++) names[c] = strdup(header.cells[c].text);
    const cJSON *row;
    cJSON_ArrayForEach(row, expected)
    {
        cci_record r;
        ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_RECORD);
        ck_assert_uint_eq(r.count, columns);
        for (size_t c = 0; c < columns; c++) {
            const cJSON *want = cJSON_GetObjectItemCaseSensitive(row, names[c]);
            ck_assert_msg(cJSON_IsString(want), "%s: no %s", name, names[c]);
            ck_assert_msg(strcmp(r.cells[c].text, want->valuestring) == 0, "%s: [%s] != [%s]",
                          name, r.cells[c].text, want->valuestring);
        }
    }
    expect_end(&f);
    for (size_t c = 0; c < columns; c++) free(names[c]);
    free(names);
    close_fixture(&f);
    cJSON_Delete(expected);
    free(csv);
    free(json_text);
}
END_TEST

/* csv-spectrum's location_coordinates has a bare " inside an unquoted cell (37°36'37.8"N), which
 * no spreadsheet writes: strict mode refuses it with its line rather than guess. */
START_TEST(csv_spectrum_bare_quote_is_refused)
{
    char path[512];
    size_t len;
    snprintf(path, sizeof path, "%s/csv-spectrum/location_coordinates.csv", CCI_TEST_DATA_DIR);
    char *csv = slurp(path, &len);
    fixture f = open_text(csv, len, 0);
    cci_record r;
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_RECORD);
    ck_assert_int_eq(cci_csv_reader_next(f.reader, &r), CCI_READ_ERROR);
    ck_assert_ptr_nonnull(strstr(cci_csv_reader_error(f.reader), "line 2: malformed quoting"));
    close_fixture(&f);
    free(csv);
}
END_TEST

static Suite *reader_suite(void)
{
    Suite *suite = suite_create("csv_reader");
    TCase *tc = tcase_create("reader");
    tcase_set_timeout(tc, 60); /* megabyte-sized cells under the sanitizers */
    tcase_add_test(tc, detects_each_delimiter_from_the_header);
    tcase_add_test(tc, reads_records_with_their_physical_lines);
    tcase_add_test(tc, lone_cr_and_missing_final_newline);
    tcase_add_test(tc, utf8_bom_is_dropped);
    tcase_add_test(tc, excel_sep_line_sets_the_delimiter);
    tcase_add_test(tc, tab_delimited_keeps_empty_leading_cells);
    tcase_add_test(tc, ragged_rows_come_through_as_they_are);
    tcase_add_test(tc, nul_bytes_stay_inside_their_cell);
    tcase_add_test(tc, a_record_past_the_bounds_is_refused_with_its_line);
    tcase_add_test(tc, unterminated_quote_names_its_line);
    tcase_add_test(tc, malformed_quoting_names_its_line);
    tcase_add_test(tc, an_open_quote_cannot_grow_without_bound);
    tcase_add_test(tc, long_lines_cross_buffer_boundaries);
    suite_add_tcase(suite, tc);
    TCase *spectrum_case = tcase_create("csv_spectrum");
    tcase_add_test(spectrum_case, csv_spectrum_bare_quote_is_refused);
    tcase_add_loop_test(spectrum_case, csv_spectrum_case, 0,
                        (int)(sizeof spectrum / sizeof *spectrum));
    suite_add_tcase(suite, spectrum_case);
    return suite;
}

CCI_CHECK_MAIN(reader_suite)
