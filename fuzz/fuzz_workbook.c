/* libFuzzer target over the workbook readers (cci/read/workbook.h), .xlsx and .ods: the ZIP
 * container and the XML of their parts, the two things a hostile workbook can bend; and for .xls,
 * what its reader's child process says (workbook_xls_wire.h), the one thing the run takes from it.
 *
 * Input: one byte choosing what the rest is (0: a whole workbook file; 1: the XML of an .xlsx
 * sheet, 2: an .ods content.xml, each packed here into a minimal workbook, so the fuzzer spends
 * its time in the XML rather than on the archive's checksums; 3: an .xls sheet's cells as its
 * child tells them), then the bytes. Every row is read; nothing may crash,
 * leak or read past a bound, and a failure must say why. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zip.h>

#include "read/workbook.h"
#include "read/workbook_xls.h"

static const char workbook_xml[] =
    "<workbook xmlns:r=\"r\"><sheets><sheet name=\"Users\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels_xml[] =
    "<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/></Relationships>";
static const char styles_xml[] =
    "<styleSheet><numFmts><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd\"/></numFmts>"
    "<cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/></cellXfs></styleSheet>";
static const char strings_xml[] = "<sst><si><t>uid</t></si><si><r><t>na</t></r><r><t>me</t></r></si></sst>";

static void add(zip_t *zip, const char *name, const void *bytes, size_t len)
{
    zip_source_t *source = zip_source_buffer(zip, bytes, len, 0);
    if (source && zip_file_add(zip, name, source, ZIP_FL_OVERWRITE) < 0) zip_source_free(source);
}

/* A minimal .xlsx around sheet (or .ods around content), into *out (malloc'd); its length, or 0. */
static size_t pack_sheet(const uint8_t *sheet, size_t len, bool ods, unsigned char **out)
{
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t *archive = zip_source_buffer_create(NULL, 0, 0, &error);
    zip_t *zip = archive ? zip_open_from_source(archive, ZIP_TRUNCATE, &error) : NULL;
    size_t size = 0;
    if (zip) {
        zip_source_keep(archive);
        if (ods) {
            static const char mimetype[] = "application/vnd.oasis.opendocument.spreadsheet";
            add(zip, "mimetype", mimetype, sizeof mimetype - 1);
            zip_set_file_compression(zip, 0, ZIP_CM_STORE, 0);
            add(zip, "content.xml", sheet, len);
        } else {
            add(zip, "xl/workbook.xml", workbook_xml, sizeof workbook_xml - 1);
            add(zip, "xl/_rels/workbook.xml.rels", rels_xml, sizeof rels_xml - 1);
            add(zip, "xl/styles.xml", styles_xml, sizeof styles_xml - 1);
            add(zip, "xl/sharedStrings.xml", strings_xml, sizeof strings_xml - 1);
            add(zip, "xl/worksheets/sheet1.xml", sheet, len);
        }
        if (zip_close(zip) < 0) zip_discard(zip);
        zip_stat_t st;
        if (zip_source_stat(archive, &st) == 0 && zip_source_open(archive) == 0) {
            *out = malloc(st.size ? st.size : 1);
            if (*out && zip_source_read(archive, *out, st.size) == (zip_int64_t)st.size) size = st.size;
            zip_source_close(archive);
        }
    }
    if (archive) zip_source_free(archive);
    zip_error_fini(&error);
    return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Cells as an .xls child would tell them: taken whole or refused with a reason, then read. */
static void read_xls_cells(const uint8_t *wire, size_t len)
{
    char err[512] = "";
    cci_xls *xls;
    if (cci_xls_take_cells(&xls, "Users", wire, len, err, sizeof err) != CCI_OK) {
        if (!err[0]) abort();
        return;
    }
    if (cci_xls_start(xls, 0, 64, 4096, err, sizeof err) != CCI_OK) abort(); /* taken already */
    cci_record record;
    cci_status status;
    cci_read_status read;
    while ((read = cci_xls_next(xls, &record, &status, err, sizeof err)) == CCI_READ_RECORD)
        for (size_t i = 0; i < record.count; i++)
            if (strlen(record.cells[i].text) != record.cells[i].len) abort(); /* checked: no NUL inside */
    if (read == CCI_READ_ERROR && (status == CCI_OK || !err[0])) abort();
    cci_xls_free(xls);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if ((data[0] & 3) == 3) {
        read_xls_cells(data + 1, size - 1);
        return 0;
    }
    unsigned char *packed = NULL;
    const unsigned char *bytes = data + 1;
    size_t len = size - 1;
    if (data[0] & 3) {
        len = pack_sheet(data + 1, size - 1, data[0] & 2, &packed);
        bytes = packed;
        if (!len) {
            free(packed);
            return 0;
        }
    }
    int fd = memfd_create("workbook", 0);
    if (fd < 0 || write(fd, bytes, len) != (ssize_t)len) abort();
    free(packed);
    char err[512] = "";
    cci_workbook *workbook;
    cci_status status = cci_workbook_open(&workbook, fd, NULL, 64, 4096, err, sizeof err);
    close(fd);
    if (status != CCI_OK) {
        if (!err[0]) abort(); /* every failure says why */
        return 0;
    }
    cci_record record;
    cci_read_status read;
    while ((read = cci_workbook_next(workbook, &record)) == CCI_READ_RECORD)
        for (size_t i = 0; i < record.count; i++)
            if (strlen(record.cells[i].text) > record.cells[i].len) abort(); /* NUL-terminated at len */
    if (read == CCI_READ_ERROR && !cci_workbook_error(workbook)[0]) abort();
    cci_workbook_free(workbook);
    return 0;
}
