#include "read/workbook_zip.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

enum { CHUNK_BYTES = 64 * 1024, RATIO_FREE_BYTES = 1024 * 1024 };

struct cci_zip {
    zip_t *archive;
};

struct cci_xml_reader {
    zip_file_t *file;
    XML_Parser parser;
    cci_xml_handlers handlers;
    unsigned depth;
    size_t inflated, compressed;
    bool suspended; /* the parser stopped inside chunk: resume before reading more */
    bool final;     /* the end of the entry was handed to the parser */
    bool refused;
    char why[256];
    char chunk[CHUNK_BYTES];
};

cci_status cci_zip_open(cci_zip **made, const void *bytes, size_t len, char *err, size_t errlen)
{
    *made = NULL;
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t *source = zip_source_buffer_create(bytes, len, 0, &error);
    cci_zip *zip = calloc(1, sizeof *zip);
    if (!source || !zip) {
        zip_source_free(source);
        free(zip);
        zip_error_fini(&error);
        return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    }
    /* ZIP_CHECKCONS: a central directory that disagrees with the entries is refused here */
    if (!(zip->archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error))) {
        cci_status status = zip_error_code_zip(&error) == ZIP_ER_MEMORY ? CCI_NOMEM : CCI_INVALID;
        cci_fail(status, err, errlen, "not a readable workbook: the ZIP archive is damaged or cut short (%s)",
                 zip_error_strerror(&error));
        zip_source_free(source);
        free(zip);
        zip_error_fini(&error);
        return status;
    }
    zip_error_fini(&error);
    *made = zip;
    return CCI_OK;
}

void cci_zip_close(cci_zip *zip)
{
    if (!zip) return;
    zip_discard(zip->archive);
    free(zip);
}

bool cci_zip_has(cci_zip *zip, const char *name)
{
    return zip_name_locate(zip->archive, name, 0) >= 0;
}

/* "x:row" is "row": the parts use prefixes as their writers please. */
static const char *local_name(const char *name)
{
    const char *colon = strrchr(name, ':');
    return colon ? colon + 1 : name;
}

const char *cci_xml_attribute(const char **attributes, const char *name)
{
    for (size_t i = 0; attributes[i]; i += 2)
        if (strcmp(local_name(attributes[i]), name) == 0) return attributes[i + 1];
    return NULL;
}

void cci_xml_reader_refuse(cci_xml_reader *reader, const char *why)
{
    if (!reader->refused) snprintf(reader->why, sizeof reader->why, "%s", why);
    reader->refused = true;
    XML_StopParser(reader->parser, XML_FALSE);
}

void cci_xml_reader_pause(cci_xml_reader *reader)
{
    XML_StopParser(reader->parser, XML_TRUE);
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **attributes)
{
    cci_xml_reader *reader = data;
    if (++reader->depth > CCI_XML_MAX_DEPTH) {
        cci_xml_reader_refuse(reader, "its XML nests deeper than a spreadsheet's does");
        return;
    }
    if (reader->handlers.start) reader->handlers.start(reader->handlers.context, local_name(name), attributes);
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
    cci_xml_reader *reader = data;
    reader->depth--;
    if (reader->handlers.end) reader->handlers.end(reader->handlers.context, local_name(name));
}

static void XMLCALL on_text(void *data, const XML_Char *text, int len)
{
    cci_xml_reader *reader = data;
    if (reader->handlers.text) reader->handlers.text(reader->handlers.context, text, len);
}

/* No spreadsheet declares a document type: where entities are declared, expansions begin. */
static void XMLCALL on_doctype(void *data, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    cci_xml_reader_refuse(data, "its XML declares a DOCTYPE, which no spreadsheet writes (entity expansion is refused)");
}

cci_status cci_xml_reader_open(cci_xml_reader **made, cci_zip *zip, const char *name, cci_xml_handlers handlers,
                               char *err, size_t errlen)
{
    *made = NULL;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(zip->archive, name, 0, &st) != 0) return cci_fail(CCI_INVALID, err, errlen, "it has no %s", name);
    cci_xml_reader *reader = calloc(1, sizeof *reader);
    if (!reader || !(reader->parser = XML_ParserCreate(NULL))) {
        free(reader);
        return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    }
    if (!(reader->file = zip_fopen(zip->archive, name, 0))) {
        zip_error_t *error = zip_get_error(zip->archive);
        bool locked = zip_error_code_zip(error) == ZIP_ER_NOPASSWD || zip_error_code_zip(error) == ZIP_ER_WRONGPASSWD;
        cci_fail(CCI_INVALID, err, errlen, locked ? "it is password-protected: save it without a password" : "%s cannot be read: %s",
                 name, zip_error_strerror(error));
        cci_xml_reader_free(reader);
        return CCI_INVALID;
    }
    reader->handlers = handlers;
    reader->compressed = (st.valid & ZIP_STAT_COMP_SIZE) ? (size_t)st.comp_size : 0;
    XML_SetUserData(reader->parser, reader);
    XML_SetElementHandler(reader->parser, on_start, on_end);
    XML_SetCharacterDataHandler(reader->parser, on_text);
    XML_SetStartDoctypeDeclHandler(reader->parser, on_doctype);
    *made = reader;
    return CCI_OK;
}

void cci_xml_reader_free(cci_xml_reader *reader)
{
    if (!reader) return;
    if (reader->file) zip_fclose(reader->file);
    if (reader->parser) XML_ParserFree(reader->parser);
    free(reader);
}

/* What the parser's last status means; CCI_OK while it goes on. */
static cci_status after_parse(cci_xml_reader *reader, enum XML_Status status, char *err, size_t errlen)
{
    if (status == XML_STATUS_SUSPENDED) reader->suspended = true;
    if (status != XML_STATUS_ERROR) return CCI_OK;
    if (reader->refused) return cci_fail(CCI_INVALID, err, errlen, "%s", reader->why);
    enum XML_Error code = XML_GetErrorCode(reader->parser);
    if (code == XML_ERROR_NO_MEMORY) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    return cci_fail(CCI_INVALID, err, errlen, "its XML is malformed at line %lu: %s",
                    (unsigned long)XML_GetCurrentLineNumber(reader->parser), XML_ErrorString(code));
}

/* The next chunk of the entry, counted against the caps; -1 with err set when refused. */
static zip_int64_t inflate_more(cci_xml_reader *reader, char *err, size_t errlen)
{
    zip_int64_t got = zip_fread(reader->file, reader->chunk, sizeof reader->chunk);
    if (got < 0) {
        cci_fail(CCI_INVALID, err, errlen, "an entry cannot be inflated: %s", zip_file_strerror(reader->file));
        return -1;
    }
    reader->inflated += (size_t)got;
    bool too_large = reader->inflated > CCI_ZIP_MAX_ENTRY_BYTES;
    bool too_dense = reader->inflated > RATIO_FREE_BYTES && reader->inflated / CCI_ZIP_MAX_RATIO > reader->compressed;
    if (too_large || too_dense) {
        cci_fail(CCI_INVALID, err, errlen, "an entry inflates to more than %s: no spreadsheet is built so (a zip bomb?)",
                 too_large ? "2 GiB" : "200 times its compressed size");
        return -1;
    }
    return got;
}

cci_status cci_xml_reader_go(cci_xml_reader *reader, bool *ended, char *err, size_t errlen)
{
    *ended = false;
    if (reader->suspended) {
        reader->suspended = false;
        cci_status status = after_parse(reader, XML_ResumeParser(reader->parser), err, errlen);
        if (status != CCI_OK || reader->suspended) return status;
        if (reader->final) {
            *ended = true;
            return CCI_OK;
        }
    }
    for (;;) {
        zip_int64_t got = inflate_more(reader, err, errlen);
        if (got < 0) return CCI_INVALID;
        reader->final = got == 0;
        cci_status status = after_parse(reader, XML_Parse(reader->parser, reader->chunk, (int)got, got == 0), err, errlen);
        if (status != CCI_OK) return status;
        if (reader->suspended) return CCI_OK;
        if (got == 0) {
            *ended = true;
            return CCI_OK;
        }
    }
}

cci_status cci_xml_read_all(cci_zip *zip, const char *name, cci_xml_handlers handlers, char *err, size_t errlen)
{
    cci_xml_reader *reader;
    cci_status status = cci_xml_reader_open(&reader, zip, name, handlers, err, errlen);
    bool ended = false;
    while (status == CCI_OK && !ended) status = cci_xml_reader_go(reader, &ended, err, errlen);
    cci_xml_reader_free(reader);
    return status;
}
