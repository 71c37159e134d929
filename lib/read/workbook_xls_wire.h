/* What the .xls reader's child process tells the run, over a pipe (workbook_xls.h): a sheet list,
 * then the chosen sheet's cells. Private to lib/read/workbook_xls*.c.
 *
 * Each message is a tag byte and its fields, integers as 4 bytes in this machine's order (both
 * ends are the same program):
 *   'N' len name     a sheet's name, in workbook order     'E'          the sheet list ends
 *   'X' why          the workbook cannot be read (a cci_xls_refusal)
 *   'R' row          a row (from 1, rising) whose cells follow
 *   'C' column len text   a non-empty cell of that row (column from 0, rising)
 *   'Z'              the sheet ends: without it the child stopped early
 * The parent sends one 4-byte sheet index after the list. Everything the parent reads is checked
 * as untrusted: the child runs a library over a hostile file. */
#ifndef CCI_WORKBOOK_XLS_WIRE_H
#define CCI_WORKBOOK_XLS_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum {
    CCI_XLS_SHEET_NAME = 'N',
    CCI_XLS_SHEETS_END = 'E',
    CCI_XLS_REFUSED = 'X',
    CCI_XLS_ROW = 'R',
    CCI_XLS_CELL = 'C',
    CCI_XLS_SHEET_END = 'Z',
};

typedef enum {
    CCI_XLS_UNREADABLE = 1, /* FreeXL cannot open it: damaged, or an OLE2 file that is no workbook */
    CCI_XLS_PASSWORD = 2,
    CCI_XLS_NO_SHEET = 3,
    CCI_XLS_SHEET_UNREADABLE = 4,
    CCI_XLS_NO_COPY = 5, /* no memory for FreeXL or its copy of the file, or a limit on file sizes */
} cci_xls_refusal;

enum { CCI_XLS_MAX_SHEET_NAME = 1024, CCI_XLS_MAX_SHEETS = 4096 };

/* Runs in the forked child: reads the workbook (len bytes) with FreeXL, writes to to_parent, reads
 * the sheet's index from from_parent. Never returns. */
_Noreturn void cci_xls_child_main(const unsigned char *bytes, size_t len, int to_parent, int from_parent);

#endif
