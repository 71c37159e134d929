/* One row of a sheet being assembled from its cells, as the CSV reader hands a record on: cells in
 * column order, a gap (a column the sheet skipped) empty, each cell's text NUL-terminated.
 * Thread-safety: a row is used by one thread at a time. */
#ifndef CCI_WORKBOOK_ROW_H
#define CCI_WORKBOOK_ROW_H

#include <stdbool.h>
#include <stddef.h>

#include "cci/read/csv_reader.h"

typedef struct cci_sheet_row {
    char *text;          /* every cell's text, NUL after each */
    size_t text_len, text_cap;
    size_t *starts;      /* where each cell's text begins in text; (size_t)-1: empty */
    size_t *lens;
    size_t count, cap;   /* cells so far (the last given column + 1) */
    cci_cell *cells;     /* the record's view, made by cci_sheet_row_record */
    size_t cells_cap;
    size_t max_columns, max_bytes;
} cci_sheet_row;

void cci_sheet_row_init(cci_sheet_row *row, size_t max_columns, size_t max_bytes);
void cci_sheet_row_cleanup(cci_sheet_row *row);
void cci_sheet_row_clear(cci_sheet_row *row);

typedef enum { CCI_ROW_OK, CCI_ROW_TOO_WIDE, CCI_ROW_TOO_LARGE, CCI_ROW_NOMEM, CCI_ROW_TWICE, CCI_ROW_DAMAGED } cci_row_result;

/* Sets the cell of column (0 for A) to text; the columns before it that were not set are empty.
 * A column already set is CCI_ROW_TWICE: a sheet gives each cell once (a damaged one, twice). */
cci_row_result cci_sheet_row_append(cci_sheet_row *row, size_t column, const char *text, size_t len);

/* The row as a record (borrowed: valid until the row changes), of at least width cells: a sheet
 * writes no cell after a row's last value, where a CSV line has its empty cells. */
cci_row_result cci_sheet_row_record(cci_sheet_row *row, unsigned long line, size_t width, cci_record *record);

#endif
