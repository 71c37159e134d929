/* The input's bytes as UTF-8 pieces that never cross a line end, each knowing its physical line.
 *
 * A UTF-8 byte order mark is dropped. A piece ends at (and includes) a line terminator: LF, CRLF
 * or a lone CR; a long line comes in several pieces, only the first with starts_line set.
 * Thread-safety: a source is used by one thread at a time. */
#ifndef CCI_SOURCE_H
#define CCI_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct cci_source cci_source;

typedef struct cci_piece {
    const char *text; /* borrowed: valid until the next cci_source_next */
    size_t len;
    unsigned long line; /* physical line, from 1 */
    bool ends_line;     /* the piece ends with its line's terminator */
} cci_piece;

typedef enum { CCI_SOURCE_PIECE, CCI_SOURCE_END, CCI_SOURCE_ERROR } cci_source_status;

/* Reads from file (not closed by the source). Returns NULL when out of memory. */
cci_source *cci_source_new(FILE *file);
void cci_source_free(cci_source *source);

/* The bytes of the first line as far as they are buffered (for dialect detection), without
 * consuming anything. */
void cci_source_peek_first_line(cci_source *source, const char **text, size_t *len);

cci_source_status cci_source_next(cci_source *source, cci_piece *piece);

/* After CCI_SOURCE_ERROR: what failed. */
const char *cci_source_error(const cci_source *source);

#endif
