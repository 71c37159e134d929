/* A workbook as the run's input: one of its sheets read as records, as the CSV reader hands them
 * on (the same mapping, validation and report follow), each record's line the sheet's row number.
 *
 * The file is read into memory once, whole (a workbook is compressed: a 100,000-row .xlsx is a few
 * megabytes), so the preflight and the import pass read the same bytes however the file changes.
 * The sheet read is the first visible one unless one is chosen by name or by number (from 1).
 * .xlsx (workbook_xlsx.h), .ods (workbook_ods.h) and .xls (workbook_xls.h, read by a child process).
 * Thread-safety: a workbook is used by one thread at a time. */
#ifndef CCI_WORKBOOK_H
#define CCI_WORKBOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "cci/read/csv_reader.h"
#include "cci/read/workbook_kind.h"


/* Most bytes a workbook file may have: past it, it is refused before it is read. */
#define CCI_WORKBOOK_MAX_FILE_BYTES ((size_t)1 << 30)

typedef struct cci_workbook cci_workbook;

/* Reads the workbook on fd (not closed) and starts on the sheet chosen (NULL: the first visible).
 * Otherwise err says why in one line: CCI_INVALID (damaged, password-protected, past a cap, no
 * such sheet), CCI_IO (the file cannot be read) or CCI_NOMEM. */
cci_status cci_workbook_open(cci_workbook **made, int fd, const char *sheet, size_t max_columns,
                             size_t max_record_bytes, char *err, size_t errlen);
void cci_workbook_free(cci_workbook *workbook);

/* The header is on the sheet's row (from 1) and the rows above it (a title, notes) are skipped;
 * 0 or 1: the first row with a cell. Call before reading. */
void cci_workbook_header_row(cci_workbook *workbook, unsigned long row);

/* The sheet read again from its first row (the import pass after the preflight). */
cci_status cci_workbook_restart(cci_workbook *workbook, char *err, size_t errlen);

cci_read_status cci_workbook_next(cci_workbook *workbook, cci_record *record);

/* After CCI_READ_ERROR: one line naming the row; and its code. */
const char *cci_workbook_error(const cci_workbook *workbook);
cci_status cci_workbook_error_status(const cci_workbook *workbook);

/* Which sheet was read, and the others that were not: `sheet "Users" (not read: "Notes", "Lookup"
 * hidden)`, and with a header row, where it was: `, header on row 3 (2 rows above it skipped)`. */
void cci_workbook_describe(const cci_workbook *workbook, char *out, size_t len);

#endif
