#include "workbook_xlsx_parts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/workbook_cells.h"

cci_status cci_xlsx_open(cci_xlsx **made, cci_zip *zip, char *err, size_t errlen)
{
    *made = NULL;
    cci_xlsx *x = calloc(1, sizeof *x);
    if (!x) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    x->zip = zip;
    cci_status status = xlsx_read_parts(x, err, errlen);
    if (status != CCI_OK) {
        cci_xlsx_free(x);
        return status;
    }
    *made = x;
    return CCI_OK;
}

void cci_xlsx_free(cci_xlsx *x)
{
    if (!x) return;
    for (size_t i = 0; i < x->sheet_count; i++) {
        free(x->sheets[i].name);
        free(x->sheets[i].part);
    }
    free(x->sheets);
    free(x->date_styles);
    free(x->strings.text);
    free(x->strings.starts);
    cci_xml_reader_free(x->reader);
    cci_sheet_row_cleanup(&x->row);
    free(x->value);
    free(x);
}

size_t cci_xlsx_sheet_count(const cci_xlsx *x)
{
    return x->sheet_count;
}

const cci_sheet_info *cci_xlsx_sheet(const cci_xlsx *x, size_t index)
{
    return index < x->sheet_count ? &x->sheets[index] : NULL;
}

/* "BC12" → column 54 (0 for A); the letters alone. False when there are none or too many. */
static bool column_of(const char *ref, size_t *column)
{
    size_t n = 0, i = 0;
    for (; ref[i] >= 'A' && ref[i] <= 'Z' && i < 4; i++) n = n * 26 + (size_t)(ref[i] - 'A' + 1);
    if (i == 0 || (ref[i] >= 'A' && ref[i] <= 'Z')) return false;
    *column = n - 1;
    return true;
}

/* The sheet is damaged: said once, and the read ends at this row. */
__attribute__((format(printf, 2, 3))) static void damaged(cci_xlsx *x, const char *fmt, ...)
{
    if (x->row_error != CCI_ROW_OK) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->damage, sizeof x->damage, fmt, ap);
    va_end(ap);
    x->row_error = CCI_ROW_DAMAGED;
}

static void sheet_start(void *context, const char *name, const char **attributes)
{
    cci_xlsx *x = context;
    if (strcmp(name, "row") == 0) {
        const char *r = cci_xml_attribute(attributes, "r");
        char *end = NULL;
        unsigned long number = r ? strtoul(r, &end, 10) : x->next_row;
        if (r && (*end || *r == '-' || number < x->next_row || number > 1048576))
            damaged(x, "row number \"%.20s\" is out of order or out of a sheet's range (after row %lu)", r,
                    x->next_row - 1);
        x->row_number = number;
        x->next_column = 0;
        cci_sheet_row_clear(&x->row);
    } else if (strcmp(name, "c") == 0) {
        const char *r = cci_xml_attribute(attributes, "r"), *t = cci_xml_attribute(attributes, "t");
        const char *s = cci_xml_attribute(attributes, "s");
        if (!r) x->column = x->next_column;
        else if (!column_of(r, &x->column)) damaged(x, "cell reference \"%.12s\" names no cell", r);
        snprintf(x->cell_ref, sizeof x->cell_ref, "%s", r ? r : "");
        snprintf(x->type, sizeof x->type, "%s", t ? t : "n");
        size_t style = s ? strtoul(s, NULL, 10) : 0;
        x->date_style = style < x->style_count && x->date_styles[style];
        x->value_len = 0;
        if (x->value) x->value[0] = '\0';
        x->in_cell = true;
    } else if (x->in_cell && strcmp(name, "v") == 0) {
        x->in_value = true;
    } else if (x->in_cell && strcmp(name, "t") == 0) {
        x->in_inline_text = true; /* <is><t>: an inline string (its phonetic runs are rare enough) */
    }
}

static void sheet_text(void *context, const char *text, int len)
{
    cci_xlsx *x = context;
    if ((x->in_value || x->in_inline_text) &&
        !xlsx_append(&x->value, &x->value_len, &x->value_cap, text, (size_t)len, x->row.max_bytes))
        x->row_error = CCI_ROW_TOO_LARGE;
}

/* The cell's text as the person typed it, into the row. */
static void finish_cell(cci_xlsx *x)
{
    const char *value = x->value ? x->value : "";
    const char *text = value;
    size_t len = x->value_len;
    char shown[CCI_CELL_NUMBER_MAX];
    if (strcmp(x->type, "s") == 0) {
        char *end;
        unsigned long index = strtoul(value, &end, 10);
        text = *value && !*end && *value != '-' ? xlsx_shared_string(&x->strings, index, &len) : NULL;
        if (!text) { /* never read as empty: a field would be cleared by a cell nobody emptied */
            damaged(x, "cell %s names shared string \"%.20s\", which the workbook does not have", x->cell_ref, value);
            return;
        }
    } else if (strcmp(x->type, "b") == 0) {
        text = strcmp(value, "1") == 0 ? "TRUE" : "FALSE";
        len = strlen(text);
    } else if (strcmp(x->type, "n") == 0 && len) {
        if (!x->date_style || !cci_cell_date(strtod(value, NULL), x->date1904, shown, sizeof shown))
            cci_cell_number(value, shown, sizeof shown);
        text = shown;
        len = strlen(shown);
    }
    /* str (a formula's text), inlineStr, e (an error such as #N/A) and d (ISO already): as written,
     * but for the escapes of characters XML cannot hold ("_x000D_": a carriage return) */
    if (x->value && (strcmp(x->type, "inlineStr") == 0 || strcmp(x->type, "str") == 0))
        len = x->value_len = cci_cell_unescape(x->value, len);
    if (len) { /* an empty cell (a style alone) adds no column */
        cci_row_result result = cci_sheet_row_append(&x->row, x->column, text, len);
        if (result != CCI_ROW_OK && x->row_error == CCI_ROW_OK) x->row_error = result;
    }
    x->next_column = x->column + 1;
}

static void sheet_end(void *context, const char *name)
{
    cci_xlsx *x = context;
    if (strcmp(name, "v") == 0) {
        x->in_value = false;
    } else if (strcmp(name, "t") == 0) {
        x->in_inline_text = false;
    } else if (strcmp(name, "c") == 0 && x->in_cell) {
        x->in_cell = false;
        finish_cell(x);
    } else if (strcmp(name, "row") == 0) {
        x->next_row = x->row_number + 1;
        x->row_ready = true;
        cci_xml_reader_pause(x->reader);
    }
}

cci_status cci_xlsx_start(cci_xlsx *x, size_t index, size_t max_columns, size_t max_record_bytes, char *err,
                          size_t errlen)
{
    cci_xml_reader_free(x->reader);
    x->reader = NULL;
    cci_sheet_row_cleanup(&x->row);
    cci_sheet_row_init(&x->row, max_columns, max_record_bytes);
    x->next_row = 1;
    x->sheet = index;
    x->row_ready = x->in_cell = x->in_value = x->in_inline_text = false;
    x->row_error = CCI_ROW_OK;
    return cci_xml_reader_open(&x->reader, x->zip, x->sheets[index].part,
                               (cci_xml_handlers){.start = sheet_start, .end = sheet_end, .text = sheet_text,
                                                  .context = x},
                               err, errlen);
}

static cci_read_status row_failed(cci_xlsx *x, cci_status *status, char *err, size_t errlen)
{
    const char *what = x->row_error == CCI_ROW_TOO_WIDE    ? "more cells than --max-columns allows"
                       : x->row_error == CCI_ROW_TOO_LARGE ? "more text than --max-record-size allows"
                       : x->row_error == CCI_ROW_TWICE     ? "a cell given twice: the workbook is damaged"
                       : x->row_error == CCI_ROW_DAMAGED   ? x->damage
                                                           : "out of memory";
    *status = cci_fail(x->row_error == CCI_ROW_NOMEM ? CCI_NOMEM : CCI_INVALID, err, errlen, "sheet \"%s\", row %lu: %s",
                       x->sheets[x->sheet].name, x->row_number, what);
    return CCI_READ_ERROR;
}

cci_read_status cci_xlsx_next(cci_xlsx *x, cci_record *record, cci_status *status, char *err, size_t errlen)
{
    *status = CCI_OK;
    for (;;) {
        bool ended = false;
        x->row_ready = false;
        char why[300];
        cci_status went = cci_xml_reader_go(x->reader, &ended, why, sizeof why);
        if (went != CCI_OK) {
            const char *sheet = x->sheets[x->sheet].name;
            if (x->next_row > 1) *status = cci_fail(went, err, errlen, "sheet \"%s\", after row %lu: %s", sheet, x->next_row - 1, why);
            else *status = cci_fail(went, err, errlen, "sheet \"%s\": %s", sheet, why);
            return CCI_READ_ERROR;
        }
        if (x->row_error != CCI_ROW_OK) return row_failed(x, status, err, errlen);
        if (ended) return CCI_READ_END;
        if (!x->row_ready || x->row.count == 0) continue; /* a row of no cells (only a height) is none */
        if (cci_sheet_row_record(&x->row, x->row_number, 0, record) != CCI_ROW_OK) {
            x->row_error = CCI_ROW_NOMEM;
            return row_failed(x, status, err, errlen);
        }
        return CCI_READ_RECORD;
    }
}
