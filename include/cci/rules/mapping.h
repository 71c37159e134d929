/* From a header line to the CometChat field each column feeds.
 *
 * Header names match fields ignoring case, spaces, '_' and '-' ("Status Message" is
 * statusMessage); "metadata.KEY[.KEY]" columns build the metadata object; --map overrides; an
 * "error" column (a rejects file fed back) and unnamed columns are ignored; other columns are
 * ignored and listed in `unknown`, with the closest field name as a hint.
 * Thread-safety: a built mapping is read-only, so any number of threads may read it. */
#ifndef CCI_MAPPING_H
#define CCI_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

#include "cci/read/csv_reader.h"
#include "cci/rules/dates.h"
#include "cci/util/status.h"

/* --map COLUMN=FIELD: the caller's text, borrowed. */
typedef struct cci_column_map {
    const char *column; /* header name as written in the file */
    const char *field;  /* uid, name, ..., metadata.KEY[.KEY], or ignore */
    size_t column_len;  /* the column name is the text up to '=' */
    bool optional;      /* from a settings file: a header without the column skips it (said in
                         * cci_mapping.skipped) rather than refusing, so a file the tool wrote
                         * (pruned.csv, uid,name) is read as it is */
} cci_column_map;

typedef enum {
    CCI_FIELD_UID,
    CCI_FIELD_NAME,
    CCI_FIELD_AVATAR,
    CCI_FIELD_LINK,
    CCI_FIELD_ROLE,
    CCI_FIELD_STATUS_MESSAGE,
    CCI_FIELD_METADATA,     /* a cell holding a JSON object */
    CCI_FIELD_TAGS,         /* split on , or ; or a JSON array */
    CCI_FIELD_CREATED_AT,   /* a date (cci/dates.h): kept only by a Data Import create */
    CCI_FIELD_LAST_ACTIVE_AT,
    CCI_FIELD_METADATA_KEY, /* one key of metadata, at metadata_path */
    CCI_FIELD_IGNORE,
} cci_field;

typedef struct cci_column {
    char *header; /* as written in the file, trimmed */
    cci_field field;
    char *metadata_path; /* CCI_FIELD_METADATA_KEY only: "KEY[.KEY]" */
    bool mapped;         /* given by --map: several --map'd name columns build the name */
    bool neutralised;    /* a file the tool wrote: a leading ' before = + - @ was added for spreadsheets */
} cci_column;

typedef struct cci_unknown_column {
    char *header;
    const char *suggestion; /* the closest field name, or NULL when none is close */
} cci_unknown_column;

typedef struct cci_mapping {
    cci_column *columns; /* one per header cell, in file order */
    size_t count;
    cci_unknown_column *unknown;
    size_t unknown_count;
    size_t skipped; /* optional maps whose column the header does not have */
    const cci_column_map *first_skipped; /* the first of them (borrowed from the caller's maps) */
    bool tools_shape; /* the header is one the tool writes (uid,name; a report's): settings' maps not applied */
    cci_date_rules date_rules; /* how date cells read: set by the caller after init */
} cci_mapping;

/* Builds the mapping of header. name_required is false for --mode update. Returns CCI_INVALID,
 * with one line in err and nothing left to clean up, when the header cannot be imported: no uid
 * column, no name column when required, two columns for one field, or a --map naming no column;
 * CCI_NOMEM when memory ran out. cci_mapping_cleanup may be called on a mapping either way. */
cci_status cci_mapping_init(cci_mapping *mapping, const cci_record *header, const cci_column_map *maps,
                            size_t map_count, bool name_required, char *err, size_t errlen);
void cci_mapping_cleanup(cci_mapping *mapping);

/* The field's name as CometChat spells it ("statusMessage"). */
const char *cci_field_name(cci_field field);

/* Every supported column, as a header line a template can start from. */
const char *cci_mapping_template(void);

/* True when a column can be mapped to name: a field as CometChat spells it, metadata.KEY[.KEY]
 * or ignore. */
bool cci_mapping_field_known(const char *name);

/* Every name a column can be mapped to, in words: "uid, name, ..., metadata.KEY or ignore". */
const char *cci_mapping_field_list(void);

#endif
