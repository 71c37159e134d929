/* The parts of a workbook: XML files inside a ZIP archive, read as untrusted input.
 *
 * The archive is read from memory (the whole file, read once: both passes of a run read the same
 * bytes). An entry is inflated as a stream and handed to expat in chunks, never whole, with caps
 * that a hostile file meets before it costs anything: an entry may inflate to at most
 * CCI_ZIP_MAX_ENTRY_BYTES and to at most CCI_ZIP_MAX_RATIO times its compressed size (a zip
 * bomb), the XML may nest at most CCI_XML_MAX_DEPTH elements, and a DOCTYPE (where entities,
 * and so a "billion laughs", are declared) is refused outright.
 *
 * Element handlers get local names (the namespace prefix dropped: "x:row" is "row").
 * Thread-safety: an archive and its readers are used by one thread at a time. */
#ifndef CCI_WORKBOOK_ZIP_H
#define CCI_WORKBOOK_ZIP_H

#include <stdbool.h>
#include <stddef.h>

#include "cci/util/status.h"

enum {
    CCI_ZIP_MAX_RATIO = 200,
    CCI_XML_MAX_DEPTH = 64,
};
#define CCI_ZIP_MAX_ENTRY_BYTES ((size_t)2 << 30) /* 2 GiB of XML: a million rows of a wide sheet */

typedef struct cci_zip cci_zip;

/* Opens the archive in bytes (borrowed: kept alive by the caller). Otherwise err says why and the
 * code is CCI_INVALID (not a ZIP archive, or a damaged one) or CCI_NOMEM. */
cci_status cci_zip_open(cci_zip **made, const void *bytes, size_t len, char *err, size_t errlen);
void cci_zip_close(cci_zip *zip);

/* Whether the archive holds an entry of that name. */
bool cci_zip_has(cci_zip *zip, const char *name);

typedef struct cci_xml_handlers {
    void (*start)(void *context, const char *name, const char **attributes); /* attributes: name, value, ..., NULL */
    void (*end)(void *context, const char *name);
    void (*text)(void *context, const char *text, int len);
    void *context;
} cci_xml_handlers;

typedef struct cci_xml_reader cci_xml_reader;

/* Starts reading the entry name through the handlers. Otherwise err says why: CCI_INVALID (no
 * such entry, or an entry that cannot be inflated: encrypted, an unknown method) or CCI_NOMEM. */
cci_status cci_xml_reader_open(cci_xml_reader **made, cci_zip *zip, const char *name, cci_xml_handlers handlers,
                               char *err, size_t errlen);
void cci_xml_reader_free(cci_xml_reader *reader);

/* Feeds the parser until the entry ends or a handler suspends it (cci_xml_reader_pause). Returns
 * CCI_OK with *ended set when the entry is read through; otherwise err says why (CCI_INVALID: the
 * XML is malformed or past a cap, the entry inflates wrong; CCI_NOMEM). */
cci_status cci_xml_reader_go(cci_xml_reader *reader, bool *ended, char *err, size_t errlen);

/* From a handler: cci_xml_reader_go returns once this event is handled (a row is complete). */
void cci_xml_reader_pause(cci_xml_reader *reader);

/* From a handler: the entry is refused with this reason (a cap of the caller's). */
void cci_xml_reader_refuse(cci_xml_reader *reader, const char *why);

/* Reads the whole entry through the handlers. */
cci_status cci_xml_read_all(cci_zip *zip, const char *name, cci_xml_handlers handlers, char *err, size_t errlen);

/* The value of attribute name (a local name) in attributes; NULL when absent. */
const char *cci_xml_attribute(const char **attributes, const char *name);

#endif
