#include "read/workbook_row.h"

#include <stdlib.h>
#include <string.h>

static const size_t EMPTY = (size_t)-1;

void cci_sheet_row_init(cci_sheet_row *row, size_t max_columns, size_t max_bytes)
{
    *row = (cci_sheet_row){.max_columns = max_columns, .max_bytes = max_bytes};
}

void cci_sheet_row_cleanup(cci_sheet_row *row)
{
    free(row->text);
    free(row->starts);
    free(row->lens);
    free(row->cells);
    *row = (cci_sheet_row){0};
}

void cci_sheet_row_clear(cci_sheet_row *row)
{
    row->text_len = 0;
    row->count = 0;
}

static bool grow(void **array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return true;
    size_t cap_now = *cap ? *cap : 16;
    while (cap_now < need) cap_now *= 2;
    void *bigger = realloc(*array, cap_now * size);
    if (!bigger) return false;
    *array = bigger;
    *cap = cap_now;
    return true;
}

cci_row_result cci_sheet_row_append(cci_sheet_row *row, size_t column, const char *text, size_t len)
{
    if (column >= row->max_columns) return CCI_ROW_TOO_WIDE;
    if (row->text_len + len + 1 > row->max_bytes) return CCI_ROW_TOO_LARGE;
    size_t cap = row->cap;
    if (column >= row->cap) {
        if (!grow((void **)&row->starts, &cap, column + 1, sizeof *row->starts)) return CCI_ROW_NOMEM;
        cap = row->cap;
        if (!grow((void **)&row->lens, &cap, column + 1, sizeof *row->lens)) return CCI_ROW_NOMEM;
        row->cap = cap;
    }
    while (row->count <= column) row->starts[row->count++] = EMPTY;
    if (!grow((void **)&row->text, &row->text_cap, row->text_len + len + 1, 1)) return CCI_ROW_NOMEM;
    if (row->starts[column] != EMPTY) return CCI_ROW_TWICE;
    row->starts[column] = row->text_len;
    row->lens[column] = 0;
    memcpy(row->text + row->text_len, text, len);
    row->text_len += len;
    row->text[row->text_len++] = '\0';
    row->lens[column] += len;
    return CCI_ROW_OK;
}

cci_row_result cci_sheet_row_record(cci_sheet_row *row, unsigned long line, size_t width, cci_record *record)
{
    size_t count = row->count > width ? row->count : width;
    if (count && !grow((void **)&row->cells, &row->cells_cap, count, sizeof *row->cells)) return CCI_ROW_NOMEM;
    for (size_t i = 0; i < count; i++)
        row->cells[i] = i >= row->count || row->starts[i] == EMPTY
                            ? (cci_cell){"", 0}
                            : (cci_cell){row->text + row->starts[i], row->lens[i]};
    *record = (cci_record){.line = line, .count = count, .cells = row->cells};
    return CCI_ROW_OK;
}
