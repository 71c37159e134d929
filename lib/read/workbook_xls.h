/* An Excel 97-2003 workbook (.xls, BIFF8): its sheets, and one sheet's rows as records.
 *
 * FreeXL, the library that reads .xls, can be crashed by a damaged file, so it runs in a child
 * process (workbook_xls_child.c) confined in CPU time and memory, and tells the run the sheet list
 * and then the chosen sheet's cells over a pipe (workbook_xls_wire.h). Everything it says is
 * checked as untrusted input; a child that crashes, stops early or says something malformed makes
 * the workbook unreadable, in one line. The sheet is taken whole before its first row is handed on
 * (an .xls sheet holds at most 65,536 rows), so a damaged one stops the run before any request.
 * Cells read as typed: text as text, an integer as its digits, a number in full (no exponent), a
 * date-formatted cell as ISO 8601. FreeXL does not say which sheets are hidden, nor keep a
 * formula's value: every sheet counts as visible and a formula cell as empty.
 * Thread-safety: a workbook is used by one thread at a time. Opening one forks: the run opens its
 * input before its worker threads start (only the signal watcher, waiting in sigwait with no lock
 * held, runs beside). The child uses malloc and stdio, whose locks glibc's fork resets, and iconv,
 * whose lock is held only while a converter opens, which no other thread does then. (--verify
 * opens the input again later, with the journal's syncer running; it does no iconv.) */
#ifndef CCI_WORKBOOK_XLS_H
#define CCI_WORKBOOK_XLS_H

#include "read/workbook_xlsx.h"

typedef struct cci_xls cci_xls;

/* Most bytes of cells a sheet may be told in: past it the sheet is refused. */
#define CCI_XLS_MAX_SHEET_BYTES ((size_t)256 << 20)

/* Starts the child on the workbook's bytes (borrowed while open) and takes its sheet list. */
cci_status cci_xls_open(cci_xls **made, const unsigned char *bytes, size_t len, char *err, size_t errlen);
void cci_xls_free(cci_xls *xls);
size_t cci_xls_sheet_count(const cci_xls *xls);
const cci_sheet_info *cci_xls_sheet(const cci_xls *xls, size_t index);

/* Starts reading sheet index from its first row; the first start takes the sheet from the child,
 * and a later one with the same index reads it again. */
cci_status cci_xls_start(cci_xls *xls, size_t index, size_t max_columns, size_t max_record_bytes, char *err,
                         size_t errlen);
cci_read_status cci_xls_next(cci_xls *xls, cci_record *record, cci_status *status, char *err, size_t errlen);

/* cci_xls_open with another child (a test's, that crashes or says something malformed): it runs
 * in the forked process, writes the wire to to_parent and reads the sheet's index from from_parent. */
typedef void (*cci_xls_child)(const unsigned char *bytes, size_t len, int to_parent, int from_parent);
cci_status cci_xls_open_with(cci_xls **made, const unsigned char *bytes, size_t len, cci_xls_child child_main,
                             char *err, size_t errlen);

/* The cells of a sheet as the child tells them (the wire's 'R', 'C' and a closing 'Z'), read from
 * memory: for a test and the fuzzer, without a child. */
cci_status cci_xls_take_cells(cci_xls **made, const char *sheet_name, const unsigned char *wire, size_t len,
                              char *err, size_t errlen);

#endif
