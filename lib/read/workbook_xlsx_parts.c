#include "workbook_xlsx_parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read/workbook_cells.h"

bool xlsx_append(char **buffer, size_t *len, size_t *cap, const char *text, size_t n, size_t max)
{
    if (*len + n + 1 > max) return false;
    if (*len + n + 1 > *cap) {
        size_t bigger = *cap ? *cap : 256;
        while (bigger < *len + n + 1) bigger *= 2;
        char *grown = realloc(*buffer, bigger);
        if (!grown) return false;
        *buffer = grown;
        *cap = bigger;
    }
    memcpy(*buffer + *len, text, n);
    *len += n;
    (*buffer)[*len] = '\0';
    return true;
}

/* ---- the workbook: its sheets, in tab order ---- */

typedef struct sheet_ref {
    char *id; /* the relationship that says where the sheet lives */
} sheet_ref;

typedef struct workbook_walk {
    cci_xlsx *xlsx;
    sheet_ref *refs;
    bool failed;
} workbook_walk;

static void workbook_start(void *context, const char *name, const char **attributes)
{
    workbook_walk *walk = context;
    cci_xlsx *x = walk->xlsx;
    if (strcmp(name, "workbookPr") == 0) {
        const char *epoch = cci_xml_attribute(attributes, "date1904");
        x->date1904 = epoch && (strcmp(epoch, "1") == 0 || strcmp(epoch, "true") == 0);
    } else if (strcmp(name, "sheet") == 0 && !walk->failed) {
        const char *sheet_name = cci_xml_attribute(attributes, "name"), *id = cci_xml_attribute(attributes, "id");
        const char *state = cci_xml_attribute(attributes, "state");
        cci_sheet_info *sheets = realloc(x->sheets, (x->sheet_count + 1) * sizeof *sheets);
        sheet_ref *refs = sheets ? realloc(walk->refs, (x->sheet_count + 1) * sizeof *refs) : NULL;
        if (sheets) x->sheets = sheets;
        if (refs) walk->refs = refs;
        if (!sheets || !refs) {
            walk->failed = true;
            return;
        }
        cci_sheet_info *sheet = &x->sheets[x->sheet_count];
        *sheet = (cci_sheet_info){.name = strdup(sheet_name ? sheet_name : "?"),
                                  .hidden = state && strcmp(state, "visible") != 0};
        cci_sheet_name_clean(sheet->name);
        refs[x->sheet_count] = (sheet_ref){.id = strdup(id ? id : "")};
        x->sheet_count++;
        walk->failed = !sheet->name || !refs[x->sheet_count - 1].id;
    }
}

/* A relationship's target as an entry of the archive: relative to xl/, or absolute. */
static char *entry_of(const char *target)
{
    size_t len = strlen(target) + 4;
    char *entry = malloc(len);
    if (entry) snprintf(entry, len, "%s%s", target[0] == '/' ? "" : "xl/", target[0] == '/' ? target + 1 : target);
    return entry;
}

static void relationship_start(void *context, const char *name, const char **attributes)
{
    workbook_walk *walk = context;
    if (strcmp(name, "Relationship") != 0) return;
    const char *id = cci_xml_attribute(attributes, "Id"), *target = cci_xml_attribute(attributes, "Target");
    const char *type = cci_xml_attribute(attributes, "Type");
    if (!id || !target) return;
    size_t type_len = type ? strlen(type) : 0;
    for (size_t i = 0; i < walk->xlsx->sheet_count; i++) {
        if (strcmp(walk->refs[i].id, id) != 0 || walk->xlsx->sheets[i].part) continue;
        if (!(walk->xlsx->sheets[i].part = entry_of(target))) walk->failed = true;
        /* a chart sheet (a chart where the cells would be) is listed among the sheets */
        walk->xlsx->sheets[i].chart = type_len >= 11 && strcmp(type + type_len - 11, "/chartsheet") == 0;
    }
}

static cci_status read_sheet_list(cci_xlsx *x, char *err, size_t errlen)
{
    workbook_walk walk = {.xlsx = x};
    cci_status status = cci_xml_read_all(x->zip, "xl/workbook.xml",
                                         (cci_xml_handlers){.start = workbook_start, .context = &walk}, err, errlen);
    if (status == CCI_OK && !walk.failed)
        status = cci_xml_read_all(x->zip, "xl/_rels/workbook.xml.rels",
                                  (cci_xml_handlers){.start = relationship_start, .context = &walk}, err, errlen);
    if (status == CCI_OK && walk.failed) status = cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    for (size_t i = 0; status == CCI_OK && i < x->sheet_count; i++)
        if (!x->sheets[i].part || !cci_zip_has(x->zip, x->sheets[i].part))
            status = cci_fail(CCI_INVALID, err, errlen, "its sheet \"%s\" is missing from the archive", x->sheets[i].name);
    if (status == CCI_OK && !x->sheet_count) status = cci_fail(CCI_INVALID, err, errlen, "it has no sheet");
    for (size_t i = 0; i < x->sheet_count && walk.refs; i++) free(walk.refs[i].id);
    free(walk.refs);
    return status;
}

/* ---- the styles: which cell formats show dates ---- */

enum { MOST_CUSTOM_FORMATS = 4096 };

typedef struct styles_walk {
    cci_xlsx *xlsx;
    unsigned custom_ids[MOST_CUSTOM_FORMATS];
    bool custom_date[MOST_CUSTOM_FORMATS];
    size_t custom_count;
    bool in_cell_xfs, failed;
} styles_walk;

static bool format_is_date(const styles_walk *walk, unsigned id)
{
    for (size_t i = 0; i < walk->custom_count; i++)
        if (walk->custom_ids[i] == id) return walk->custom_date[i];
    return cci_cell_builtin_is_date(id);
}

static void styles_start(void *context, const char *name, const char **attributes)
{
    styles_walk *walk = context;
    if (strcmp(name, "numFmt") == 0 && walk->custom_count < MOST_CUSTOM_FORMATS) {
        const char *id = cci_xml_attribute(attributes, "numFmtId"), *code = cci_xml_attribute(attributes, "formatCode");
        if (!id || !code) return;
        walk->custom_ids[walk->custom_count] = (unsigned)strtoul(id, NULL, 10);
        walk->custom_date[walk->custom_count++] = cci_cell_format_is_date(code);
    } else if (strcmp(name, "cellXfs") == 0) {
        walk->in_cell_xfs = true;
    } else if (strcmp(name, "xf") == 0 && walk->in_cell_xfs && !walk->failed) {
        cci_xlsx *x = walk->xlsx;
        bool *grown = realloc(x->date_styles, (x->style_count + 1) * sizeof *grown);
        if (!grown) {
            walk->failed = true;
            return;
        }
        x->date_styles = grown;
        const char *id = cci_xml_attribute(attributes, "numFmtId");
        x->date_styles[x->style_count++] = id && format_is_date(walk, (unsigned)strtoul(id, NULL, 10));
    }
}

static void styles_end(void *context, const char *name)
{
    styles_walk *walk = context;
    if (strcmp(name, "cellXfs") == 0) walk->in_cell_xfs = false;
}

static cci_status read_styles(cci_xlsx *x, char *err, size_t errlen)
{
    if (!cci_zip_has(x->zip, "xl/styles.xml")) return CCI_OK; /* no styles: no dates, every number a number */
    styles_walk *walk = calloc(1, sizeof *walk);
    if (!walk) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    walk->xlsx = x;
    cci_status status = cci_xml_read_all(
        x->zip, "xl/styles.xml", (cci_xml_handlers){.start = styles_start, .end = styles_end, .context = walk}, err,
        errlen);
    if (status == CCI_OK && walk->failed) status = cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    free(walk);
    return status;
}

/* ---- the shared strings ---- */

typedef struct strings_walk {
    xlsx_strings *strings;
    cci_xml_reader *reader;
    bool in_text, in_phonetic, in_item;
} strings_walk;

static void strings_start(void *context, const char *name, const char **attributes)
{
    (void)attributes;
    strings_walk *walk = context;
    xlsx_strings *s = walk->strings;
    if (strcmp(name, "si") == 0) {
        if (s->count >= CCI_XLSX_MAX_SHARED_STRINGS) {
            cci_xml_reader_refuse(walk->reader, "it holds more shared strings than a spreadsheet can");
            return;
        }
        if (s->count == s->starts_cap) {
            size_t cap = s->starts_cap ? s->starts_cap * 2 : 1024;
            size_t *grown = realloc(s->starts, cap * sizeof *grown);
            if (!grown) {
                cci_xml_reader_refuse(walk->reader, "out of memory");
                return;
            }
            s->starts = grown;
            s->starts_cap = cap;
        }
        s->starts[s->count] = s->len;
        walk->in_item = true;
    } else if (strcmp(name, "rPh") == 0) {
        walk->in_phonetic = true; /* a reading aid, not the text */
    } else if (strcmp(name, "t") == 0) {
        walk->in_text = walk->in_item && !walk->in_phonetic;
    }
}

static void strings_end(void *context, const char *name)
{
    strings_walk *walk = context;
    xlsx_strings *s = walk->strings;
    if (strcmp(name, "t") == 0) {
        walk->in_text = false;
    } else if (strcmp(name, "rPh") == 0) {
        walk->in_phonetic = false;
    } else if (strcmp(name, "si") == 0 && walk->in_item) {
        walk->in_item = false;
        size_t start = s->starts[s->count];
        if (s->len > start) s->len = start + cci_cell_unescape(s->text + start, s->len - start); /* "_x000D_": CR */
        if (!xlsx_append(&s->text, &s->len, &s->cap, "", 1, CCI_XLSX_MAX_SHARED_BYTES))
            cci_xml_reader_refuse(walk->reader, "its shared strings are larger than the tool takes (512 MiB)");
        else
            s->count++;
    }
}

static void strings_text(void *context, const char *text, int len)
{
    strings_walk *walk = context;
    xlsx_strings *s = walk->strings;
    if (walk->in_text && !xlsx_append(&s->text, &s->len, &s->cap, text, (size_t)len, CCI_XLSX_MAX_SHARED_BYTES))
        cci_xml_reader_refuse(walk->reader, "its shared strings are larger than the tool takes (512 MiB)");
}

static cci_status read_shared_strings(cci_xlsx *x, char *err, size_t errlen)
{
    if (!cci_zip_has(x->zip, "xl/sharedStrings.xml")) return CCI_OK;
    strings_walk walk = {.strings = &x->strings};
    cci_status status = cci_xml_reader_open(
        &walk.reader, x->zip, "xl/sharedStrings.xml",
        (cci_xml_handlers){.start = strings_start, .end = strings_end, .text = strings_text, .context = &walk}, err,
        errlen);
    bool ended = false;
    while (status == CCI_OK && !ended) status = cci_xml_reader_go(walk.reader, &ended, err, errlen);
    cci_xml_reader_free(walk.reader);
    return status;
}

const char *xlsx_shared_string(const xlsx_strings *strings, size_t index, size_t *len)
{
    if (index >= strings->count) return NULL;
    size_t start = strings->starts[index];
    size_t end = index + 1 < strings->count ? strings->starts[index + 1] : strings->len;
    *len = end - start - 1; /* its NUL */
    return strings->text + start;
}

cci_status xlsx_read_parts(cci_xlsx *x, char *err, size_t errlen)
{
    cci_status status = read_sheet_list(x, err, errlen);
    if (status == CCI_OK) status = read_styles(x, err, errlen);
    if (status == CCI_OK) status = read_shared_strings(x, err, errlen);
    return status;
}
