/* The input's bytes as UTF-8 pieces that never cross a line end, each knowing its physical line.
 *
 * Decoding: a byte order mark decides (UTF-8, UTF-16 LE or BE) and is dropped; otherwise the
 * encoding given (default UTF-8). Everything is converted to UTF-8 with iconv, which also refuses
 * bytes that are not valid in the input encoding: the source then reports the line they are on.
 * A piece ends at (and includes) a line terminator: LF, CRLF or a lone CR; a long line comes in
 * several pieces.
 * Thread-safety: a source is used by one thread at a time. */
#ifndef CCI_SOURCE_H
#define CCI_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cci/util/status.h"
#include "cci/util/stop.h"

typedef struct cci_source cci_source;

typedef struct cci_piece {
    const char *text; /* borrowed: valid until the next cci_source_next */
    size_t len;
    unsigned long line; /* physical line, from 1 */
    bool ends_line;     /* the piece ends with its line's terminator */
} cci_piece;

typedef enum { CCI_SOURCE_PIECE, CCI_SOURCE_END, CCI_SOURCE_ERROR } cci_source_status;

typedef enum { CCI_LINE_END_LF, CCI_LINE_END_CRLF, CCI_LINE_END_CR } cci_line_end;

/* What the input turned out to be, for writing a rejects file the same way. */
typedef struct cci_encoding_info {
    char name[64];        /* iconv name of the input encoding: "UTF-8", "UTF-16LE", ... */
    bool bom;             /* the input began with a byte order mark */
    cci_line_end line_end; /* the first line's terminator */
} cci_encoding_info;

/* A source into *made that reads from file (not closed by the source). encoding NULL means UTF-8
 * unless a byte order mark says otherwise. Otherwise *made is NULL, err says why, and the code is
 * CCI_INVALID (an unknown encoding) or CCI_NOMEM. */
cci_status cci_source_new(cci_source **made, FILE *file, const char *encoding, char *err, size_t errlen);
void cci_source_free(cci_source *source);

/* For an input read once (standard input, a FIFO): once stop is requested, the source reads what
 * has come and then takes the input as ended, so a stop never waits on whoever writes into the
 * pipe. Set before the first read; the source reads the file's descriptor from then on
 * (nothing may have read from the FILE before). */
void cci_source_stop_on(cci_source *source, cci_stop *stop);

/* Whether the input was taken as ended because the run stopped, not because it ended: its last
 * line may then be cut short. */
bool cci_source_cut_by_stop(const cci_source *source);

/* The bytes of the first line as far as they are buffered (for dialect detection), without
 * consuming anything. */
void cci_source_peek_first_line(cci_source *source, const char **text, size_t *len);

cci_source_status cci_source_next(cci_source *source, cci_piece *piece);

/* After CCI_SOURCE_ERROR: one line naming the physical line and what is wrong. */
const char *cci_source_error(const cci_source *source);
/* Its code: CCI_IO (the input could not be read), CCI_INVALID (a workbook, or bytes the encoding
 * refuses) or CCI_NOMEM. */
cci_status cci_source_error_status(const cci_source *source);

/* Known once the first piece was read. */
const cci_encoding_info *cci_source_encoding(const cci_source *source);

#endif
