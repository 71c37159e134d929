/* The input file of a run: opened once, its header read into a mapping, and, when it is a regular
 * file, read through once (the preflight) before anything is sent, so that nothing is sent unless
 * the whole of it reads and decodes; the import pass then reads the same open file again as one
 * snapshot (cci/snapshot.h): any change stops it. Standard input, FIFOs, devices and process
 * substitutions are read once, with no preflight.
 * Thread-safety: an input is used by one thread at a time. */
#ifndef CCI_INPUT_H
#define CCI_INPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "cci/read/csv_reader.h"
#include "cci/rules/mapping.h"
#include "cci/util/status.h"
#include "read/snapshot.h"
#include "read/workbook.h"

typedef struct cci_input_spec {
    const char *path;           /* "-" for standard input */
    char delimiter;             /* 0: detect */
    const char *encoding;       /* NULL: UTF-8, or UTF-16 by byte order mark */
    const cci_column_map *maps; /* --map overrides */
    size_t map_count;
    bool name_required;         /* false for --mode update */
    size_t max_record_bytes;    /* 0: CCI_DEFAULT_MAX_RECORD_BYTES */
    size_t max_columns;         /* 0: CCI_DEFAULT_MAX_COLUMNS */
    cci_date_rules date_rules;  /* how date cells read (the mapping carries them) */
    cci_stop *stop;             /* ends an input read once (a pipe) when requested; may be NULL */
    const char *sheet;          /* a workbook's sheet, by name or number; NULL: the first visible */
    unsigned long header_row;   /* a workbook's header row (rows above it skipped); 0: the first */
} cci_input_spec;

typedef struct cci_input {
    FILE *file;             /* the open file, or stdin */
    cci_snapshot *snapshot; /* a regular file's; NULL for one read once */
    FILE *stream;           /* what this pass reads: file, or a snapshot's stream */
    cci_csv_reader *reader;  /* a CSV file's; NULL for a workbook */
    cci_workbook *workbook;  /* a workbook's (read whole, so rereadable); NULL for a CSV file */
} cci_input;

/* The next record of this pass, from the CSV reader or the workbook. */
cci_read_status cci_input_next(cci_input *input, cci_record *record);

/* How the input is written (a workbook's: which sheet), known once the header was read. */
cci_dialect cci_input_dialect(const cci_input *input);

/* Opens the file (or takes standard input) and starts the reader of its first pass. Otherwise err
 * says why and the code is CCI_IO (the file cannot be opened or read: missing, not allowed),
 * CCI_INVALID (an unknown encoding) or CCI_NOMEM. */
cci_status cci_input_open(cci_input *input, const cci_input_spec *spec, char *err, size_t errlen);
/* Safe on an input that never opened. */
void cci_input_close(cci_input *input);

/* True for a regular file: it can be preflighted and read again. */
bool cci_input_rereadable(const cci_input *input);

/* True, with a sentence in why, when the reader stopped because the file changed. */
bool cci_input_changed(const cci_input *input, char *why, size_t len);

/* Which file an input is, and as it was: so that a file opened again by its name (a dry run's
 * second reading) is known to be the one read the first time. */
typedef struct cci_file_identity {
    unsigned long long device, inode, size;
    long long modified_s, modified_ns;
} cci_file_identity;

/* The open input's identity; false for standard input, or when it cannot be examined. */
bool cci_input_identity(const cci_input *input, cci_file_identity *identity);
/* True when the open input is the file was describes, unchanged; else false, with a sentence in
 * why ("another file is at its path now", "its size changed ..."). */
bool cci_input_is(const cci_input *input, const cci_file_identity *was, char *why, size_t len);

/* After CCI_READ_ERROR: "PATH: what" (the reader's error, or how the file changed). */
cci_status cci_input_describe_error(const cci_input *input, const cci_input_spec *spec, char *err, size_t errlen);

/* Reads the header line into header (valid until the next read) and builds mapping from it.
 * Otherwise err says why, naming the file, and mapping needs no cleanup; the code is CCI_INVALID
 * (no header, malformed, or one that cannot be imported), CCI_IO (unreadable, or changed while
 * read) or CCI_NOMEM. */
cci_status cci_input_header(cci_input *input, const cci_input_spec *spec, cci_record *header,
                            cci_mapping *mapping, char *err, size_t errlen);

/* Sees each record of the preflight, with the header's mapping; both valid during the call. */
/* Sees one record of the preflight; false stops the reading there (the run was stopped). */
typedef bool (*cci_preflight_fn)(void *context, const cci_mapping *mapping, const cci_record *record);

/* On a rereadable input just opened: reads the whole file once (the header maps, every line
 * parses and decodes), showing each record to visit (may be NULL), then starts the import pass
 * from the start, checked against this one. The number of records after the header goes into
 * *rows; otherwise *rows is -1, err says why and the code is cci_input_header's, or CCI_STOPPED
 * when visit stopped the reading. */
cci_status cci_input_preflight(cci_input *input, const cci_input_spec *spec, cci_preflight_fn visit, void *context,
                               long *rows, char *err, size_t errlen);

/* True when every cell holds only spaces, tabs and line ends: such a row is no user. */
bool cci_record_is_empty(const cci_record *record);

#endif
