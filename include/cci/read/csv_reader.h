/* Streams CSV records with libcsv in strict mode.
 *
 * Knows the physical line where each record starts (the header is line 1), detects the delimiter
 * from the header line (, ; TAB |) unless told, honours Excel's "sep=X" first line, caps the size
 * of a cell, and refuses malformed quoting with its line number. Blank lines are skipped.
 * Thread-safety: a reader is used by one thread at a time. */
#ifndef CCI_CSV_READER_H
#define CCI_CSV_READER_H

#include "cci/util/defaults.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cci/read/source.h"

/* Past this a cell is refused: only an unterminated quote makes cells this large. */
#define CCI_MAX_CELL_BYTES (1024 * 1024)

/* What one record (the header too) may cost unless told otherwise: past either, reading stops
 * with an error naming the line, before the record is kept whole. */
/* (CCI_DEFAULT_MAX_RECORD_BYTES and CCI_DEFAULT_MAX_COLUMNS, in cci/util/defaults.h) */

typedef struct cci_cell {
    const char *text; /* NUL-terminated, but may hold NUL bytes: use len */
    size_t len;
} cci_cell;

typedef struct cci_record {
    unsigned long line; /* physical line where the record starts */
    size_t count;
    const cci_cell *cells; /* borrowed: valid until the next cci_csv_reader_next */
} cci_record;

typedef enum {
    CCI_READ_RECORD,
    CCI_READ_END,
    CCI_READ_ERROR, /* structural: the message names the line; the reader is done */
} cci_read_status;

typedef struct cci_csv_reader cci_csv_reader;

/* A reader into *made. delimiter 0 detects it; encoding NULL means UTF-8 unless a byte order mark
 * says otherwise. The file is read, not closed. Otherwise *made is NULL, err says why, and the code
 * is CCI_INVALID (an unknown encoding) or CCI_NOMEM. */
cci_status cci_csv_reader_new(cci_csv_reader **made, FILE *file, char delimiter, const char *encoding, char *err,
                              size_t errlen);
void cci_csv_reader_free(cci_csv_reader *reader);

/* Bounds on a record's total bytes and its cells; 0 keeps the default. Call before reading. */
void cci_csv_reader_limit(cci_csv_reader *reader, size_t max_record_bytes, size_t max_columns);

/* An input read once ends at the run's stop instead of waiting for more (cci_source_stop_on). */
void cci_csv_reader_stop_on(cci_csv_reader *reader, cci_stop *stop);

cci_read_status cci_csv_reader_next(cci_csv_reader *reader, cci_record *record);

/* After CCI_READ_ERROR: one line naming the physical line and what is wrong. */
const char *cci_csv_reader_error(const cci_csv_reader *reader);
/* Its code: CCI_INVALID (malformed CSV, past a bound, bytes the encoding refuses, a workbook),
 * CCI_IO (the input could not be read) or CCI_NOMEM. */
cci_status cci_csv_reader_error_status(const cci_csv_reader *reader);

/* The delimiter in use (known once the first record was asked for). */
char cci_csv_reader_delimiter(const cci_csv_reader *reader);

/* How the input is written, for a rejects file in the same dialect. */
typedef struct cci_dialect {
    char delimiter;
    bool sep_line; /* began with Excel's "sep=X" line */
    char sheet[400]; /* a workbook's: which sheet was read, and the others (cci/workbook.h); "": a CSV file */
    cci_encoding_info encoding;
} cci_dialect;

/* Known once the first record was asked for. */
cci_dialect cci_csv_reader_dialect(const cci_csv_reader *reader);

/* Lines that held nothing and were skipped, so far. */
unsigned long cci_csv_reader_blank_lines(const cci_csv_reader *reader);

/* Picks the delimiter of a header line: the most frequent of , ; TAB | outside quotes (',' when
 * none appears). */
char cci_detect_delimiter(const char *line, size_t len);

#endif
