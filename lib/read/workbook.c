#include "read/workbook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read/workbook_ods.h"
#include "read/workbook_xls.h"
#include "read/workbook_xlsx.h"

struct cci_workbook {
    unsigned char *bytes;
    size_t len;
    cci_zip *zip;
    cci_xlsx *xlsx; /* one of the three */
    cci_ods *ods;
    cci_xls *xls;
    size_t sheet;
    size_t max_columns, max_record_bytes;
    unsigned long header_row;  /* rows above it are skipped */
    unsigned long skipped;     /* rows with a cell above the header, this pass */
    size_t width;              /* the header's cells: no row is handed on narrower (0: no header yet) */
    cci_cell *padded;          /* a narrower row's cells, and empty ones after them */
    size_t padded_cap;
    cci_status error_status;
    char error[512];
};

cci_workbook_kind cci_workbook_kind_of(const unsigned char *b, size_t n)
{
    static const unsigned char ole2[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    if (n >= sizeof ole2 && memcmp(b, ole2, sizeof ole2) == 0) return CCI_WORKBOOK_XLS;
    if (n < 4 || memcmp(b, "PK\x03\x04", 4) != 0) return CCI_WORKBOOK_NONE;
    static const char ods[] = "application/vnd.oasis.opendocument.spreadsheet";
    if (n >= 38 + sizeof ods - 1 && memcmp(b + 30, "mimetype", 8) == 0 && memcmp(b + 38, ods, sizeof ods - 1) == 0)
        return CCI_WORKBOOK_ODS;
    return CCI_WORKBOOK_XLSX;
}

cci_workbook_kind cci_workbook_kind_of_file(const char *path)
{
    unsigned char head[128]; /* past an .ods's mimetype */
    struct stat st;
    /* only a regular file is looked into: opening a FIFO would take its one writer's bytes away */
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return CCI_WORKBOOK_NONE;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    ssize_t got = fd >= 0 ? pread(fd, head, sizeof head, 0) : -1;
    if (fd >= 0) close(fd);
    return got > 0 ? cci_workbook_kind_of(head, (size_t)got) : CCI_WORKBOOK_NONE;
}

/* ---- the kinds, told apart once ---- */

static size_t sheet_count(const cci_workbook *w)
{
    if (w->xls) return cci_xls_sheet_count(w->xls);
    return w->xlsx ? cci_xlsx_sheet_count(w->xlsx) : cci_ods_sheet_count(w->ods);
}

static const cci_sheet_info *sheet_at(const cci_workbook *w, size_t index)
{
    if (w->xls) return cci_xls_sheet(w->xls, index);
    return w->xlsx ? cci_xlsx_sheet(w->xlsx, index) : cci_ods_sheet(w->ods, index);
}

/* The whole file, from its start. */
static cci_status read_whole(cci_workbook *w, int fd, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return cci_fail(CCI_IO, err, errlen, "cannot read it: %s", strerror(errno));
    if ((size_t)st.st_size > CCI_WORKBOOK_MAX_FILE_BYTES)
        return cci_fail(CCI_INVALID, err, errlen, "a workbook of more than 1 GiB is not read: save it as CSV");
    if (!(w->bytes = malloc(st.st_size ? (size_t)st.st_size : 1))) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    while (w->len < (size_t)st.st_size) {
        ssize_t got = pread(fd, w->bytes + w->len, (size_t)st.st_size - w->len, (off_t)w->len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return cci_fail(CCI_IO, err, errlen, "cannot read it: %s", strerror(errno));
        if (got == 0) break; /* cut short meanwhile: the archive says so when opened */
        w->len += (size_t)got;
    }
    return CCI_OK;
}

/* The sheet named (or numbered from 1) by choice, a name first; the first visible one (not a chart)
 * when choice is NULL. */
static cci_status choose_sheet(cci_workbook *w, const char *choice, char *err, size_t errlen)
{
    size_t count = sheet_count(w), chosen = count;
    for (size_t i = 0; i < count && chosen == count; i++) {
        const cci_sheet_info *sheet = sheet_at(w, i);
        if (choice ? strcmp(sheet->name, choice) == 0 : !sheet->hidden && !sheet->chart) chosen = i;
    }
    char *end;
    unsigned long number = choice ? strtoul(choice, &end, 10) : 0;
    if (chosen == count && choice && *choice && !*end && number >= 1 && number <= count) chosen = number - 1;
    if (chosen < count && sheet_at(w, chosen)->chart)
        return cci_fail(CCI_INVALID, err, errlen, "its sheet \"%s\" is a chart, with no cells to read: choose another "
                        "with --sheet", sheet_at(w, chosen)->name);
    w->sheet = chosen;
    if (chosen < count) return CCI_OK;
    if (!choice) return cci_fail(CCI_INVALID, err, errlen, "every sheet of it is hidden or a chart: choose one with --sheet");
    char names[256] = "";
    for (size_t i = 0, used = 0; i < count && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s\"%s\"", i ? ", " : "", sheet_at(w, i)->name);
    return cci_fail(CCI_INVALID, err, errlen, "it has no sheet \"%s\" (it has %zu: %s; --sheet NAME or a number)", choice,
                    count, names);
}

cci_status cci_workbook_open(cci_workbook **made, int fd, const char *sheet, size_t max_columns,
                             size_t max_record_bytes, char *err, size_t errlen)
{
    *made = NULL;
    cci_workbook *w = calloc(1, sizeof *w);
    if (!w) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    w->max_columns = max_columns;
    w->max_record_bytes = max_record_bytes;
    unsigned char head[128]; /* past an .ods's mimetype */
    ssize_t got = pread(fd, head, sizeof head, 0);
    cci_workbook_kind kind = got > 0 ? cci_workbook_kind_of(head, (size_t)got) : CCI_WORKBOOK_NONE;
    cci_status status = read_whole(w, fd, err, errlen);
    if (status == CCI_OK && kind == CCI_WORKBOOK_XLS && (status = cci_xls_open(&w->xls, w->bytes, w->len, err, errlen)) ==
                                                            CCI_OK) {
        free(w->bytes); /* the child has its copy: the run keeps only what it says */
        w->bytes = NULL;
    }
    else if (status == CCI_OK) status = cci_zip_open(&w->zip, w->bytes, w->len, err, errlen);
    if (status == CCI_OK && kind == CCI_WORKBOOK_ODS) status = cci_ods_open(&w->ods, w->zip, err, errlen);
    else if (status == CCI_OK && kind != CCI_WORKBOOK_XLS) status = cci_xlsx_open(&w->xlsx, w->zip, err, errlen);
    if (status == CCI_OK) status = choose_sheet(w, sheet, err, errlen);
    if (status == CCI_OK) status = cci_workbook_restart(w, err, errlen);
    if (status != CCI_OK) {
        cci_workbook_free(w);
        return status;
    }
    *made = w;
    return CCI_OK;
}

void cci_workbook_free(cci_workbook *w)
{
    if (!w) return;
    cci_xlsx_free(w->xlsx);
    cci_ods_free(w->ods);
    cci_xls_free(w->xls);
    free(w->padded);
    cci_zip_close(w->zip);
    free(w->bytes);
    free(w);
}

/* A sheet writes no cell after a row's last value, where a CSV line has its empty cells: a row
 * narrower than the header is handed on as wide, empty cells after its own. */
static bool pad_to_header(cci_workbook *w, cci_record *record)
{
    if (!w->width) w->width = record->count; /* this is the header */
    if (record->count >= w->width) return true;
    if (w->padded_cap < w->width) {
        cci_cell *grown = realloc(w->padded, w->width * sizeof *grown);
        if (!grown) return false;
        w->padded = grown;
        w->padded_cap = w->width;
    }
    memcpy(w->padded, record->cells, record->count * sizeof *w->padded);
    for (size_t i = record->count; i < w->width; i++) w->padded[i] = (cci_cell){"", 0};
    *record = (cci_record){.line = record->line, .count = w->width, .cells = w->padded};
    return true;
}

void cci_workbook_header_row(cci_workbook *w, unsigned long row)
{
    w->header_row = row;
}

cci_status cci_workbook_restart(cci_workbook *w, char *err, size_t errlen)
{
    w->skipped = 0;
    w->width = 0;
    w->error_status = CCI_OK;
    w->error[0] = '\0';
    if (w->ods) return cci_ods_start(w->ods, w->sheet, w->max_columns, w->max_record_bytes, err, errlen);
    if (w->xls) return cci_xls_start(w->xls, w->sheet, w->max_columns, w->max_record_bytes, err, errlen);
    return cci_xlsx_start(w->xlsx, w->sheet, w->max_columns, w->max_record_bytes, err, errlen);
}

/* The next row of the sheet, above the header or not. */
static cci_read_status next_row(cci_workbook *w, cci_record *record)
{
    if (w->error_status != CCI_OK) return CCI_READ_ERROR;
    cci_read_status read =
        w->ods   ? cci_ods_next(w->ods, record, &w->error_status, w->error, sizeof w->error)
        : w->xls ? cci_xls_next(w->xls, record, &w->error_status, w->error, sizeof w->error)
                 : cci_xlsx_next(w->xlsx, record, &w->error_status, w->error, sizeof w->error);
    if (read == CCI_READ_ERROR && w->error_status == CCI_OK) w->error_status = CCI_INVALID;
    return read;
}

cci_read_status cci_workbook_next(cci_workbook *w, cci_record *record)
{
    cci_read_status read;
    /* above the header: a title, notes */
    while ((read = next_row(w, record)) == CCI_READ_RECORD && record->line < w->header_row) w->skipped++;
    if (read == CCI_READ_RECORD && !pad_to_header(w, record)) {
        w->error_status = CCI_NOMEM;
        snprintf(w->error, sizeof w->error, "out of memory");
        return CCI_READ_ERROR;
    }
    return read;
}

const char *cci_workbook_error(const cci_workbook *w)
{
    return w->error;
}

cci_status cci_workbook_error_status(const cci_workbook *w)
{
    return w->error_status;
}

void cci_workbook_describe(const cci_workbook *w, char *out, size_t len)
{
    size_t used = (size_t)snprintf(out, len, "sheet \"%s\"", sheet_at(w, w->sheet)->name);
    size_t count = sheet_count(w), others = 0;
    for (size_t i = 0; i < count && used < len; i++) {
        if (i == w->sheet) continue;
        const cci_sheet_info *sheet = sheet_at(w, i);
        used += (size_t)snprintf(out + used, len - used, "%s\"%s\"%s", others++ ? ", " : " (not read: ", sheet->name,
                                 sheet->chart ? " chart" : sheet->hidden ? " hidden" : "");
    }
    if (others && used < len) used += (size_t)snprintf(out + used, len - used, ")");
    if (w->header_row > 1 && used < len)
        snprintf(out + used, len - used, ", header on row %lu (%lu row%s above it skipped)", w->header_row,
                 w->skipped, w->skipped == 1 ? "" : "s");
}
