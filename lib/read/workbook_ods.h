/* An OpenDocument spreadsheet (.ods): its sheets (tables), and one sheet's rows as records.
 *
 * Everything is in content.xml, read as a stream (SAX) twice at most: once for the sheet names,
 * then up to the chosen sheet and through it, a row at a time. Repeated rows and cells
 * (table:number-rows-repeated, table:number-columns-repeated) are written out, but empty ones cost
 * nothing; a covered (merged) cell is empty; a table whose style says table:display="false" is a
 * hidden sheet. Cells read as typed: text as written (its paragraphs
 * joined by line breaks, text:s as spaces), numbers by office:value in full, dates by
 * office:date-value (ISO 8601 already), booleans as TRUE and FALSE; a note on a cell is no text.
 * Thread-safety: a workbook is used by one thread at a time. */
#ifndef CCI_WORKBOOK_ODS_H
#define CCI_WORKBOOK_ODS_H

#include "read/workbook_xlsx.h"

typedef struct cci_ods cci_ods;

cci_status cci_ods_open(cci_ods **made, cci_zip *zip, char *err, size_t errlen);
void cci_ods_free(cci_ods *ods);
size_t cci_ods_sheet_count(const cci_ods *ods);
const cci_sheet_info *cci_ods_sheet(const cci_ods *ods, size_t index);
cci_status cci_ods_start(cci_ods *ods, size_t index, size_t max_columns, size_t max_record_bytes, char *err,
                         size_t errlen);
cci_read_status cci_ods_next(cci_ods *ods, cci_record *record, cci_status *status, char *err, size_t errlen);

#endif
