/* The parts of an .xlsx read whole when it opens (private to lib/read/xlsx*.c): the sheet list,
 * the relationships, the date styles and the shared strings. */
#ifndef CCI_WORKBOOK_XLSX_PARTS_H
#define CCI_WORKBOOK_XLSX_PARTS_H

#include "read/workbook_row.h"
#include "read/workbook_xlsx.h"

typedef struct xlsx_strings {
    char *text;       /* every string, NUL after each */
    size_t len, cap;
    size_t *starts;   /* string i begins at text + starts[i], and runs to the next start - 1 */
    size_t count, starts_cap;
} xlsx_strings;

struct cci_xlsx {
    cci_zip *zip;
    cci_sheet_info *sheets;
    size_t sheet_count;
    bool date1904;
    bool *date_styles;  /* cellXfs index → its number format is a date's */
    size_t style_count;
    xlsx_strings strings;
    /* the sheet being read */
    cci_xml_reader *reader;
    cci_sheet_row row;
    size_t sheet;              /* its index */
    unsigned long row_number;  /* of the row being read */
    unsigned long next_row;    /* a row without r is the one after the last */
    size_t column;             /* of the cell being read */
    size_t next_column;
    char type[16];             /* the cell's t */
    bool date_style;           /* the cell's s is a date's */
    bool in_value, in_inline_text, in_cell, row_ready;
    char *value;               /* the cell's <v> or inline text, as it comes */
    size_t value_len, value_cap;
    cci_row_result row_error;
    char cell_ref[16];
    char damage[160];          /* what is wrong with the sheet (with row_error CCI_ROW_DAMAGED) */
};

cci_status xlsx_read_parts(cci_xlsx *xlsx, char *err, size_t errlen);

/* String index i of the shared strings; NULL when there is none. */
const char *xlsx_shared_string(const xlsx_strings *strings, size_t index, size_t *len);

/* Appends to a growable buffer; false when out of memory or past max. */
bool xlsx_append(char **buffer, size_t *len, size_t *cap, const char *text, size_t n, size_t max);

#endif
