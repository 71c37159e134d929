/* What a file's first bytes say it is: a workbook of a kind the tool reads (cci/read/workbook.h
 * reads it), or no workbook (a CSV file, read as text).
 * Thread-safety: pure, but for the file read. */
#ifndef CCI_WORKBOOK_KIND_H
#define CCI_WORKBOOK_KIND_H

#include <stddef.h>

typedef enum { CCI_WORKBOOK_NONE, CCI_WORKBOOK_XLSX, CCI_WORKBOOK_ODS, CCI_WORKBOOK_XLS } cci_workbook_kind;

/* What the file's first bytes say it is. */
cci_workbook_kind cci_workbook_kind_of(const unsigned char *bytes, size_t n);

/* The same of the file at path; CCI_WORKBOOK_NONE when it cannot be read or is no regular file (a
 * FIFO is never opened here: its writer would lose its reader). */
cci_workbook_kind cci_workbook_kind_of_file(const char *path);

#endif
