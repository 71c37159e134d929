#include "read/workbook_xls.h"

#include <freexl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/workbook_cells.h"
#include "read/workbook_row.h"

struct cci_xls {
    const void *handle;
    cci_sheet_info *sheets;
    size_t sheet_count;
    size_t sheet;
    unsigned rows;
    unsigned short columns;
    unsigned next_row; /* from 0 */
    size_t width;
    cci_sheet_row row;
};

cci_status cci_xls_open(cci_xls **made, int fd, char *err, size_t errlen)
{
    *made = NULL;
    cci_xls *x = calloc(1, sizeof *x);
    if (!x) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd); /* FreeXL opens by name: this file's, whatever moved */
    int opened = freexl_open(path, &x->handle);
    unsigned count = 0, password = 0;
    cci_status status = CCI_OK;
    if (opened != FREEXL_OK)
        status = cci_fail(opened == FREEXL_INSUFFICIENT_MEMORY ? CCI_NOMEM : CCI_INVALID, err, errlen,
                          "not a readable Excel 97-2003 workbook: damaged, or protected by a password (an "
                          "encrypted .xlsx looks like one): save it without a password (FreeXL error %d)", opened);
    else if (freexl_get_info(x->handle, FREEXL_BIFF_PASSWORD, &password) == FREEXL_OK && password == FREEXL_BIFF_OBFUSCATED)
        status = cci_fail(CCI_INVALID, err, errlen, "it is protected by a password: save it without one");
    else if (freexl_get_info(x->handle, FREEXL_BIFF_SHEET_COUNT, &count) != FREEXL_OK || !count)
        status = cci_fail(CCI_INVALID, err, errlen, "it has no sheet");
    if (status == CCI_OK && !(x->sheets = calloc(count, sizeof *x->sheets)))
        status = cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    for (unsigned i = 0; status == CCI_OK && i < count; i++) {
        const char *name = NULL;
        freexl_get_worksheet_name(x->handle, (unsigned short)i, &name);
        if (!(x->sheets[i].name = strdup(name ? name : "?"))) status = cci_fail(CCI_NOMEM, err, errlen, "out of memory");
        x->sheet_count = i + 1;
    }
    if (status != CCI_OK) {
        cci_xls_free(x);
        return status;
    }
    *made = x;
    return CCI_OK;
}

void cci_xls_free(cci_xls *x)
{
    if (!x) return;
    if (x->handle) freexl_close(x->handle);
    for (size_t i = 0; i < x->sheet_count; i++) free(x->sheets[i].name);
    free(x->sheets);
    cci_sheet_row_cleanup(&x->row);
    free(x);
}

size_t cci_xls_sheet_count(const cci_xls *x)
{
    return x->sheet_count;
}

const cci_sheet_info *cci_xls_sheet(const cci_xls *x, size_t index)
{
    return index < x->sheet_count ? &x->sheets[index] : NULL;
}

cci_status cci_xls_start(cci_xls *x, size_t index, size_t max_columns, size_t max_record_bytes, char *err,
                         size_t errlen)
{
    cci_sheet_row_cleanup(&x->row);
    cci_sheet_row_init(&x->row, max_columns, max_record_bytes);
    x->sheet = index;
    x->next_row = 0;
    x->width = 0;
    if (freexl_select_active_worksheet(x->handle, (unsigned short)index) != FREEXL_OK ||
        freexl_worksheet_dimensions(x->handle, &x->rows, &x->columns) != FREEXL_OK)
        return cci_fail(CCI_INVALID, err, errlen, "its sheet \"%s\" cannot be read", x->sheets[index].name);
    return CCI_OK;
}

/* A cell's text as typed, into shown when it is made here. */
static const char *cell_text(const FreeXL_CellValue *cell, char *shown, size_t len)
{
    switch (cell->type) {
    case FREEXL_CELL_INT:
        snprintf(shown, len, "%d", cell->value.int_value);
        return shown;
    case FREEXL_CELL_DOUBLE: {
        char stored[64];
        snprintf(stored, sizeof stored, "%.17g", cell->value.double_value);
        char *end;
        /* the shortest digits that read back as the same double, then in full */
        for (int digits = 1; digits <= 17; digits++) {
            snprintf(stored, sizeof stored, "%.*g", digits, cell->value.double_value);
            if (strtod(stored, &end) == cell->value.double_value) break;
        }
        cci_cell_number(stored, shown, len);
        return shown;
    }
    case FREEXL_CELL_DATETIME: /* "YYYY-MM-DD HH:MM:SS" as ISO 8601 */
        snprintf(shown, len, "%s", cell->value.text_value ? cell->value.text_value : "");
        if (strlen(shown) > 10 && shown[10] == ' ') shown[10] = 'T';
        return shown;
    case FREEXL_CELL_TEXT:
    case FREEXL_CELL_SST_TEXT:
    case FREEXL_CELL_DATE:
    case FREEXL_CELL_TIME:
        return cell->value.text_value ? cell->value.text_value : "";
    default:
        return "";
    }
}

cci_read_status cci_xls_next(cci_xls *x, cci_record *record, cci_status *status, char *err, size_t errlen)
{
    *status = CCI_OK;
    while (x->next_row < x->rows) {
        unsigned row = x->next_row++;
        cci_sheet_row_clear(&x->row);
        for (unsigned short column = 0; column < x->columns; column++) {
            FreeXL_CellValue cell;
            if (freexl_get_cell_value(x->handle, row, column, &cell) != FREEXL_OK) continue;
            char shown[CCI_CELL_NUMBER_MAX];
            const char *text = cell_text(&cell, shown, sizeof shown);
            cci_row_result result = *text ? cci_sheet_row_append(&x->row, column, text, strlen(text)) : CCI_ROW_OK;
            if (result != CCI_ROW_OK) {
                *status = cci_fail(result == CCI_ROW_NOMEM ? CCI_NOMEM : CCI_INVALID, err, errlen,
                                   "sheet \"%s\", row %u: %s", x->sheets[x->sheet].name, row + 1,
                                   result == CCI_ROW_TOO_WIDE ? "more cells than --max-columns allows"
                                                              : "more text than --max-record-size allows");
                return CCI_READ_ERROR;
            }
        }
        if (x->row.count == 0) continue;
        if (cci_sheet_row_record(&x->row, row + 1, x->width, record) != CCI_ROW_OK) {
            *status = cci_fail(CCI_NOMEM, err, errlen, "out of memory");
            return CCI_READ_ERROR;
        }
        if (!x->width) x->width = record->count;
        return CCI_READ_RECORD;
    }
    return CCI_READ_END;
}
