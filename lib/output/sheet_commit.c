#include "output/sheet_commit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "cci/read/csv_reader.h"
#include "read/workbook.h"
#include "read/workbook_cells.h"
#include "util/utf8.h"

enum { MOST_CHARACTERS_A_CELL = 32767, MOST_ROWS = 1048576, MOST_COLUMNS = 16384 };
#define MOST_BYTES_A_ROW ((size_t)64 << 20)

/* A text cell, read back as it is: the characters XML cannot hold written as escapes ("_x0001_",
 * "_x000D_"), and a '_' that would read as starting one escaped too (libxlsxwriter escapes some
 * of the first, none of the second). */
static bool write_text(lxw_worksheet *sheet, lxw_row_t row, lxw_col_t column, const cci_cell *cell)
{
    char *escaped;
    size_t len;
    if (!cci_cell_escaped(cell->text, cell->len, &escaped, &len)) return false;
    bool ok = worksheet_write_string(sheet, row, column, escaped ? escaped : cell->text, NULL) == LXW_NO_ERROR;
    free(escaped);
    return ok;
}

/* The CSV rows of csv into sheet; false with why set at the first that cannot be written. */
static bool write_rows(FILE *csv, lxw_worksheet *sheet, char *why, size_t why_len)
{
    cci_csv_reader *reader;
    if (cci_csv_reader_new(&reader, csv, ',', "UTF-8", why, why_len) != CCI_OK) return false;
    cci_csv_reader_limit(reader, MOST_BYTES_A_ROW, MOST_COLUMNS);
    cci_record record;
    cci_read_status read;
    lxw_row_t row = 0;
    bool ok = true;
    while (ok && (read = cci_csv_reader_next(reader, &record)) == CCI_READ_RECORD) {
        if (row == MOST_ROWS) {
            snprintf(why, why_len, "a workbook's sheet holds %d rows at most", MOST_ROWS);
            ok = false;
        }
        for (size_t i = 0; ok && i < record.count; i++) {
            const cci_cell *cell = &record.cells[i];
            size_t units; /* Excel counts a cell's characters in UTF-16, as CometChat does */
            if (!cci_utf8_valid(cell->text, cell->len))
                snprintf(why, why_len, "row %lu holds bytes that are not UTF-8, which a workbook cannot",
                         (unsigned long)row + 1);
            else if (cci_utf8_utf16_units(cell->text, cell->len, &units) && units > MOST_CHARACTERS_A_CELL)
                snprintf(why, why_len, "row %lu holds a cell of more than %d characters, which a workbook cannot",
                         (unsigned long)row + 1, MOST_CHARACTERS_A_CELL);
            else if (cell->len && !write_text(sheet, row, (lxw_col_t)i, cell))
                snprintf(why, why_len, "row %lu could not be written", (unsigned long)row + 1);
            else
                continue;
            ok = false;
        }
        row++;
    }
    if (ok && read == CCI_READ_ERROR) { /* written by this tool: only bytes that are not UTF-8 stop it */
        snprintf(why, why_len, "row %lu holds bytes that are not UTF-8, which a workbook cannot", (unsigned long)row + 1);
        ok = false;
    }
    cci_csv_reader_free(reader);
    return ok;
}

/* The workbook of csv's rows, into the anonymous file made (read from its start). */
static bool make_workbook(FILE *csv, const char *sheet_name, FILE **made, char *why, size_t why_len)
{
    *made = tmpfile(); /* libxlsxwriter writes by name: this file's own */
    if (!*made) {
        snprintf(why, why_len, "%s", strerror(errno));
        return false;
    }
    char name[64];
    snprintf(name, sizeof name, "/proc/self/fd/%d", fileno(*made));
    lxw_workbook_options options = {.constant_memory = LXW_TRUE}; /* a row in memory at a time */
    lxw_workbook *workbook = workbook_new_opt(name, &options);
    lxw_worksheet *sheet = workbook ? workbook_add_worksheet(workbook, sheet_name) : NULL;
    bool ok = sheet && write_rows(csv, sheet, why, why_len);
    if (!sheet) snprintf(why, why_len, "out of memory");
    lxw_error closed = workbook ? workbook_close(workbook) : LXW_NO_ERROR; /* frees it */
    if (ok && closed != LXW_NO_ERROR) {
        snprintf(why, why_len, "%s", lxw_strerror(closed));
        ok = false;
    }
    ok = ok && fseek(*made, 0, SEEK_SET) == 0;
    return ok;
}

static bool same_cells(const cci_record *a, const cci_record *b)
{
    size_t count = a->count > b->count ? a->count : b->count;
    for (size_t i = 0; i < count; i++) {
        cci_cell x = i < a->count ? a->cells[i] : (cci_cell){"", 0}, y = i < b->count ? b->cells[i] : (cci_cell){"", 0};
        if (x.len != y.len || memcmp(x.text, y.text, x.len) != 0) return false;
    }
    return true;
}

static bool all_empty(const cci_record *record)
{
    for (size_t i = 0; i < record->count; i++)
        if (record->cells[i].len) return false;
    return true;
}

/* Whether the workbook made holds every row of csv, cell for cell, read back as a workbook
 * input is: libxlsxwriter does not check its own writes, so a full disk cuts its sheet short
 * unsaid. A row of empty cells is no row of a sheet. */
static bool holds_every_row(FILE *csv, FILE *workbook, char *why, size_t why_len)
{
    cci_csv_reader *reader = NULL;
    cci_workbook *sheet = NULL;
    rewind(csv);
    if (cci_csv_reader_new(&reader, csv, ',', "UTF-8", why, why_len) != CCI_OK ||
        cci_workbook_open(&sheet, fileno(workbook), NULL, MOST_COLUMNS, MOST_BYTES_A_ROW, why, why_len) != CCI_OK) {
        cci_csv_reader_free(reader);
        return false;
    }
    cci_csv_reader_limit(reader, MOST_BYTES_A_ROW, MOST_COLUMNS);
    cci_record written, read_back;
    unsigned long row = 0;
    bool same = true;
    while (same && cci_csv_reader_next(reader, &written) == CCI_READ_RECORD) {
        row++;
        if (all_empty(&written)) continue;
        same = cci_workbook_next(sheet, &read_back) == CCI_READ_RECORD && read_back.line == row &&
               same_cells(&written, &read_back);
    }
    if (same && cci_workbook_next(sheet, &read_back) != CCI_READ_END) same = false;
    if (!same)
        snprintf(why, why_len, "its row %lu did not read back as written (a full disk?)", row);
    cci_workbook_free(sheet);
    cci_csv_reader_free(reader);
    return same;
}

/* The partial file's CSV replaced by the workbook's bytes. */
static bool replace_with(cci_outfile *out, FILE *workbook)
{
    bool ok = fflush(out->file) == 0 && ftruncate(fileno(out->file), 0) == 0 && fseek(out->file, 0, SEEK_SET) == 0 &&
              fseek(workbook, 0, SEEK_SET) == 0;
    char buffer[1 << 16];
    size_t got;
    while (ok && (got = fread(buffer, 1, sizeof buffer, workbook)) > 0) ok = fwrite(buffer, 1, got, out->file) == got;
    ok = ok && !ferror(workbook);
    out->whole = 0;
    return cci_outfile_check(out, ok);
}

cci_status cci_sheet_commit(cci_outfile *out, const char *sheet_name, bool keep_previous, char *kept, size_t kept_len,
                            char *err, size_t errlen)
{
    if (kept_len) kept[0] = '\0';
    /* a write that failed already is said as for any output */
    if (!cci_outfile_flush(out)) return cci_outfile_commit(out, keep_previous, kept, kept_len, err, errlen);
    char why[512] = "out of memory";
    FILE *csv = fopen(out->partial, "rb"), *workbook = NULL;
    bool made = csv && make_workbook(csv, sheet_name, &workbook, why, sizeof why) &&
                holds_every_row(csv, workbook, why, sizeof why);
    if (!csv) snprintf(why, sizeof why, "%s", strerror(errno));
    if (csv) fclose(csv);
    /* a write that fails half-way through the partial file is kept by it, and said by the commit */
    if (made) replace_with(out, workbook);
    if (workbook) fclose(workbook);
    if (made) return cci_outfile_commit(out, keep_previous, kept, kept_len, err, errlen);
    cci_status status = cci_fail(CCI_INVALID, err, errlen,
                                 "cannot write %s as a workbook: %s; %s was left as it was, and its rows are in %s, as "
                                 "CSV", out->path, why, out->path, out->partial);
    cci_outfile_abandon(out);
    return status;
}
