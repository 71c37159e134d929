#include "read/workbook_ods.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/workbook_cells.h"
#include "read/workbook_row.h"
#include "workbook_xlsx_parts.h"

enum { MOST_SHEET_ROWS = 1048576 }; /* a spreadsheet's; a repeat past it is a writer's filler */
enum { MOST_HIDDEN_STYLES = 1024 };

struct cci_ods {
    cci_zip *zip;
    cci_sheet_info *sheets;
    size_t sheet_count;
    cci_xml_reader *reader;
    char *style;                  /* the table style being read, while the names are */
    char **hidden_styles;         /* the table styles that hide a table (table:display="false") */
    size_t hidden_count;
    cci_sheet_row row;
    size_t sheet, table;          /* the sheet read, and the table the parser is in (from 1; 0: none yet) */
    bool in_target, done;
    unsigned long row_number;     /* the last row handed on, or passed */
    unsigned long repeats_left;   /* copies of the row just handed on still to hand on */
    unsigned long row_repeat;     /* the row being read's table:number-rows-repeated */
    size_t column, cell_repeat;
    bool in_cell, row_ready;
    unsigned annotation;          /* depth inside office:annotation, whose text is a note */
    unsigned nested;              /* depth inside a table within a cell (or within one): not the sheet's */
    unsigned paragraphs;
    char type[16];
    char *attribute_value;        /* office:value, date-value or boolean-value; NULL: the text */
    char *text;
    size_t text_len, text_cap;
    cci_row_result row_error;
};

/* ---- the sheet names ---- */

/* Only a table that is no cell's holds a sheet: a table inside a cell is the cell's content. */
static void names_end(void *context, const char *name)
{
    cci_ods *o = context;
    if (strcmp(name, "table-cell") == 0 || strcmp(name, "covered-table-cell") == 0) o->nested--;
}

/* A table is hidden by its automatic style, which content.xml gives before the tables. */
static void note_style(cci_ods *o, const char *name, const char **attributes)
{
    if (strcmp(name, "style") == 0) {
        const char *family = cci_xml_attribute(attributes, "family"), *style = cci_xml_attribute(attributes, "name");
        free(o->style);
        o->style = family && style && strcmp(family, "table") == 0 ? strdup(style) : NULL;
    } else if (strcmp(name, "table-properties") == 0 && o->style && o->hidden_count < MOST_HIDDEN_STYLES) {
        const char *display = cci_xml_attribute(attributes, "display");
        char **more = display && strcmp(display, "false") == 0
                          ? realloc(o->hidden_styles, (o->hidden_count + 1) * sizeof *more) : NULL;
        if (!more) return;
        o->hidden_styles = more;
        more[o->hidden_count++] = o->style;
        o->style = NULL;
    }
}

static bool hidden_by(const cci_ods *o, const char *style)
{
    for (size_t i = 0; style && i < o->hidden_count; i++)
        if (strcmp(o->hidden_styles[i], style) == 0) return true;
    return false;
}

static void names_start(void *context, const char *name, const char **attributes)
{
    cci_ods *o = context;
    if (strcmp(name, "table-cell") == 0 || strcmp(name, "covered-table-cell") == 0) o->nested++;
    note_style(o, name, attributes);
    if (strcmp(name, "table") != 0 || o->nested) return;
    const char *table = cci_xml_attribute(attributes, "name");
    cci_sheet_info *sheets = realloc(o->sheets, (o->sheet_count + 1) * sizeof *sheets);
    if (!sheets) return;
    o->sheets = sheets;
    sheets[o->sheet_count] = (cci_sheet_info){.name = strdup(table ? table : "?"),
                                              .hidden = hidden_by(o, cci_xml_attribute(attributes, "style-name"))};
    cci_sheet_name_clean(sheets[o->sheet_count].name);
    if (sheets[o->sheet_count].name) o->sheet_count++;
}

cci_status cci_ods_open(cci_ods **made, cci_zip *zip, char *err, size_t errlen)
{
    *made = NULL;
    cci_ods *o = calloc(1, sizeof *o);
    if (!o) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    o->zip = zip;
    cci_status status =
        cci_xml_read_all(zip, "content.xml", (cci_xml_handlers){.start = names_start, .end = names_end, .context = o},
                         err, errlen);
    if (status == CCI_OK && !o->sheet_count) status = cci_fail(CCI_INVALID, err, errlen, "it has no sheet");
    if (status != CCI_OK) {
        cci_ods_free(o);
        return status;
    }
    *made = o;
    return CCI_OK;
}

void cci_ods_free(cci_ods *o)
{
    if (!o) return;
    for (size_t i = 0; i < o->sheet_count; i++) free(o->sheets[i].name);
    free(o->sheets);
    for (size_t i = 0; i < o->hidden_count; i++) free(o->hidden_styles[i]);
    free(o->hidden_styles);
    free(o->style);
    cci_xml_reader_free(o->reader);
    cci_sheet_row_cleanup(&o->row);
    free(o->attribute_value);
    free(o->text);
    free(o);
}

size_t cci_ods_sheet_count(const cci_ods *o)
{
    return o->sheet_count;
}

const cci_sheet_info *cci_ods_sheet(const cci_ods *o, size_t index)
{
    return index < o->sheet_count ? &o->sheets[index] : NULL;
}

/* ---- the chosen sheet's rows ---- */

static unsigned long repeat_of(const char **attributes, const char *name)
{
    const char *text = cci_xml_attribute(attributes, name);
    unsigned long n = text ? strtoul(text, NULL, 10) : 1;
    return n < 1 ? 1 : n > MOST_SHEET_ROWS ? MOST_SHEET_ROWS : n;
}

static void add_text(cci_ods *o, const char *text, size_t len)
{
    if (!xlsx_append(&o->text, &o->text_len, &o->text_cap, text, len, o->row.max_bytes)) o->row_error = CCI_ROW_TOO_LARGE;
}

static void start_cell(cci_ods *o, const char **attributes)
{
    o->in_cell = true;
    o->cell_repeat = repeat_of(attributes, "number-columns-repeated");
    o->text_len = 0;
    o->paragraphs = 0;
    const char *type = cci_xml_attribute(attributes, "value-type");
    snprintf(o->type, sizeof o->type, "%s", type ? type : "");
    const char *value = strcmp(o->type, "date") == 0      ? cci_xml_attribute(attributes, "date-value")
                        : strcmp(o->type, "boolean") == 0 ? cci_xml_attribute(attributes, "boolean-value")
                        : strcmp(o->type, "float") == 0 || strcmp(o->type, "percentage") == 0 ||
                                strcmp(o->type, "currency") == 0
                            ? cci_xml_attribute(attributes, "value")
                            : NULL;
    free(o->attribute_value);
    o->attribute_value = value ? strdup(value) : NULL;
}

static void ods_start(void *context, const char *name, const char **attributes)
{
    cci_ods *o = context;
    if (o->nested || (strcmp(name, "table") == 0 && o->in_cell)) {
        o->nested += strcmp(name, "table") == 0; /* a table inside a cell: its text is not the sheet's */
    } else if (strcmp(name, "table") == 0) {
        o->in_target = ++o->table == o->sheet + 1;
    } else if (!o->in_target) {
        return;
    } else if (strcmp(name, "annotation") == 0) {
        o->annotation++;
    } else if (o->annotation) {
        return;
    } else if (strcmp(name, "table-row") == 0) {
        o->row_repeat = repeat_of(attributes, "number-rows-repeated");
        o->column = 0;
        cci_sheet_row_clear(&o->row);
    } else if (strcmp(name, "table-cell") == 0 || strcmp(name, "covered-table-cell") == 0) {
        start_cell(o, attributes);
    } else if (o->in_cell && strcmp(name, "p") == 0) {
        if (o->paragraphs++) add_text(o, "\n", 1);
    } else if (o->in_cell && strcmp(name, "s") == 0) {
        const char *count = cci_xml_attribute(attributes, "c");
        for (unsigned long n = count ? strtoul(count, NULL, 10) : 1; n && o->row_error == CCI_ROW_OK; n--) add_text(o, " ", 1);
    } else if (o->in_cell && strcmp(name, "tab") == 0) {
        add_text(o, "\t", 1);
    } else if (o->in_cell && strcmp(name, "line-break") == 0) {
        add_text(o, "\n", 1);
    }
}

static void ods_text(void *context, const char *text, int len)
{
    cci_ods *o = context;
    if (o->in_target && o->in_cell && !o->annotation && !o->nested && o->paragraphs) add_text(o, text, (size_t)len);
}

/* The cell's text as typed, into the row, as many times as it repeats; empty cells cost nothing. */
static void finish_cell(cci_ods *o)
{
    o->in_cell = false;
    char shown[CCI_CELL_NUMBER_MAX];
    const char *text = o->text ? o->text : "";
    size_t len = o->text_len;
    if (o->attribute_value && strcmp(o->type, "boolean") == 0) {
        text = strcmp(o->attribute_value, "true") == 0 ? "TRUE" : "FALSE";
        len = strlen(text);
    } else if (o->attribute_value && strcmp(o->type, "date") == 0) {
        text = o->attribute_value;
        len = strlen(text);
    } else if (o->attribute_value) {
        cci_cell_number(o->attribute_value, shown, sizeof shown);
        text = shown;
        len = strlen(shown);
    }
    for (size_t i = 0; len && i < o->cell_repeat && o->row_error == CCI_ROW_OK; i++) {
        cci_row_result result = cci_sheet_row_append(&o->row, o->column + i, text, len);
        if (result != CCI_ROW_OK) o->row_error = result;
    }
    o->column += o->cell_repeat;
}

static void ods_end(void *context, const char *name)
{
    cci_ods *o = context;
    if (o->nested) {
        o->nested -= strcmp(name, "table") == 0;
        return;
    }
    if (!o->in_target) return;
    if (strcmp(name, "annotation") == 0) {
        o->annotation--;
    } else if (o->annotation) {
        return;
    } else if (strcmp(name, "table-cell") == 0 || strcmp(name, "covered-table-cell") == 0) {
        finish_cell(o);
    } else if (strcmp(name, "table-row") == 0) {
        o->row_ready = true;
        cci_xml_reader_pause(o->reader);
    } else if (strcmp(name, "table") == 0) {
        o->in_target = false;
        o->done = true;
        cci_xml_reader_pause(o->reader);
    }
}

cci_status cci_ods_start(cci_ods *o, size_t index, size_t max_columns, size_t max_record_bytes, char *err,
                         size_t errlen)
{
    cci_xml_reader_free(o->reader);
    o->reader = NULL;
    cci_sheet_row_cleanup(&o->row);
    cci_sheet_row_init(&o->row, max_columns, max_record_bytes);
    o->sheet = index;
    o->table = 0;
    o->in_target = o->done = o->in_cell = o->row_ready = false;
    o->row_number = o->repeats_left = 0;
    o->annotation = 0;
    o->nested = 0;
    o->row_error = CCI_ROW_OK;
    return cci_xml_reader_open(&o->reader, o->zip, "content.xml",
                               (cci_xml_handlers){.start = ods_start, .end = ods_end, .text = ods_text, .context = o},
                               err, errlen);
}

static cci_read_status hand_on(cci_ods *o, cci_record *record, cci_status *status, char *err, size_t errlen)
{
    if (cci_sheet_row_record(&o->row, ++o->row_number, 0, record) != CCI_ROW_OK) {
        *status = cci_fail(CCI_NOMEM, err, errlen, "out of memory");
        return CCI_READ_ERROR;
    }
    return CCI_READ_RECORD;
}

cci_read_status cci_ods_next(cci_ods *o, cci_record *record, cci_status *status, char *err, size_t errlen)
{
    *status = CCI_OK;
    if (o->repeats_left) { /* the same row again, a line further */
        o->repeats_left--;
        return hand_on(o, record, status, err, errlen);
    }
    while (!o->done) {
        bool ended = false;
        o->row_ready = false;
        char why[300];
        cci_status went = cci_xml_reader_go(o->reader, &ended, why, sizeof why);
        if (went == CCI_OK && o->row_error != CCI_ROW_OK)
            went = cci_fail(o->row_error == CCI_ROW_NOMEM ? CCI_NOMEM : CCI_INVALID, why, sizeof why, "%s",
                            o->row_error == CCI_ROW_TOO_WIDE ? "more cells than --max-columns allows"
                                                             : "more text than --max-record-size allows");
        if (went != CCI_OK) {
            *status = cci_fail(went, err, errlen, "sheet \"%s\", row %lu: %s", o->sheets[o->sheet].name,
                               o->row_number + 1, why);
            return CCI_READ_ERROR;
        }
        if (ended) break;
        if (!o->row_ready) continue;
        if (o->row.count == 0) { /* rows of nothing (repeated for the sheet's height) are no records */
            o->row_number += o->row_repeat;
            continue;
        }
        o->repeats_left = o->row_repeat - 1;
        return hand_on(o, record, status, err, errlen);
    }
    return CCI_READ_END;
}
