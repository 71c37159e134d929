/* An Excel 97-2003 workbook (.xls, BIFF8) through libfreexl: its sheets, and one sheet's rows as
 * records. FreeXL reads the whole workbook when it opens (an .xls holds at most 65,536 rows a
 * sheet), from the file's descriptor. Cells read as typed: text as text, an integer as its digits,
 * a number in full (no exponent), a date-formatted cell as ISO 8601. An .xls protected by a
 * password, or any OLE2 file that is no workbook (an encrypted .xlsx is one), is refused.
 * Thread-safety: a workbook is used by one thread at a time. */
#ifndef CCI_WORKBOOK_XLS_H
#define CCI_WORKBOOK_XLS_H

#include "read/workbook_xlsx.h"

typedef struct cci_xls cci_xls;

cci_status cci_xls_open(cci_xls **made, int fd, char *err, size_t errlen);
void cci_xls_free(cci_xls *xls);
size_t cci_xls_sheet_count(const cci_xls *xls);
const cci_sheet_info *cci_xls_sheet(const cci_xls *xls, size_t index);
cci_status cci_xls_start(cci_xls *xls, size_t index, size_t max_columns, size_t max_record_bytes, char *err,
                         size_t errlen);
cci_read_status cci_xls_next(cci_xls *xls, cci_record *record, cci_status *status, char *err, size_t errlen);

#endif
