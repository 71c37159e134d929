/* An Excel workbook (.xlsx, Office Open XML): its sheets, and one sheet's rows as records.
 *
 * Opening reads the workbook's parts whole but small: the sheet list (names, hidden ones, where
 * each lives, by the relationships), the styles (which cell formats are dates) and the shared
 * strings (every distinct text, once; capped). The sheet itself is read as a stream of rows (SAX),
 * never whole: a row is handed on as soon as it ends. A record's line is the sheet's row number;
 * a column the sheet skipped is an empty cell. Cells read as the person typed them
 * (cci/read/workbook_cells.h): shared and inline strings as text, numbers in full, booleans, a
 * formula by its cached value, a date-formatted number as ISO 8601.
 * Thread-safety: a workbook is used by one thread at a time. */
#ifndef CCI_WORKBOOK_XLSX_H
#define CCI_WORKBOOK_XLSX_H

#include <stdbool.h>
#include <stddef.h>

#include "cci/read/csv_reader.h"
#include "read/workbook_zip.h"

enum { CCI_XLSX_MAX_SHARED_STRINGS = 16 * 1024 * 1024 };
#define CCI_XLSX_MAX_SHARED_BYTES ((size_t)512 << 20)

typedef struct cci_sheet_info {
    char *name;
    char *part;  /* the sheet's entry in the archive */
    bool hidden; /* hidden or very hidden */
    bool chart;  /* a chart sheet: no cells to read */
} cci_sheet_info;

typedef struct cci_xlsx cci_xlsx;

/* Reads the workbook's parts from zip (borrowed). Otherwise err says why (CCI_INVALID: a part is
 * missing, malformed or past a cap; CCI_NOMEM). */
cci_status cci_xlsx_open(cci_xlsx **made, cci_zip *zip, char *err, size_t errlen);
void cci_xlsx_free(cci_xlsx *xlsx);

size_t cci_xlsx_sheet_count(const cci_xlsx *xlsx);
const cci_sheet_info *cci_xlsx_sheet(const cci_xlsx *xlsx, size_t index);

/* Starts reading sheet index from its first row, with the bounds on one record. */
cci_status cci_xlsx_start(cci_xlsx *xlsx, size_t index, size_t max_columns, size_t max_record_bytes, char *err,
                          size_t errlen);

/* The next row that has a cell; CCI_READ_ERROR with err set (naming the row) when it cannot be read. */
cci_read_status cci_xlsx_next(cci_xlsx *xlsx, cci_record *record, cci_status *status, char *err, size_t errlen);

#endif
