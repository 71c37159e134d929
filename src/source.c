#include "cci/source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { BUFFER_SIZE = 64 * 1024 };

struct cci_source {
    FILE *file;
    char buffer[BUFFER_SIZE];
    size_t start, end; /* unread bytes are buffer[start, end) */
    bool eof;
    bool started;      /* the BOM check has run */
    bool pending_cr;   /* the last piece ended with CR at the buffer's end: an LF may follow */
    unsigned long line;
    char error[256];
};

cci_source *cci_source_new(FILE *file)
{
    cci_source *source = calloc(1, sizeof *source);
    if (!source) return NULL;
    source->file = file;
    source->line = 1;
    return source;
}

void cci_source_free(cci_source *source)
{
    free(source);
}

/* Moves unread bytes to the front and reads more. Returns false on a read error. */
static bool refill(cci_source *source)
{
    if (source->eof) return true;
    if (source->start > 0) {
        memmove(source->buffer, source->buffer + source->start, source->end - source->start);
        source->end -= source->start;
        source->start = 0;
    }
    size_t room = BUFFER_SIZE - source->end;
    if (room == 0) return true;
    size_t got = fread(source->buffer + source->end, 1, room, source->file);
    source->end += got;
    if (got < room) {
        if (ferror(source->file)) {
            snprintf(source->error, sizeof source->error, "cannot read the input: %s", strerror(errno));
            return false;
        }
        source->eof = true;
    }
    return true;
}

static bool start(cci_source *source)
{
    if (source->started) return true;
    source->started = true;
    if (!refill(source)) return false;
    if (source->end >= 3 && memcmp(source->buffer, "\xEF\xBB\xBF", 3) == 0) source->start = 3;
    return true;
}

void cci_source_peek_first_line(cci_source *source, const char **text, size_t *len)
{
    start(source);
    const char *begin = source->buffer + source->start;
    size_t available = source->end - source->start;
    size_t n = 0;
    while (n < available && begin[n] != '\n' && begin[n] != '\r') n++;
    *text = begin;
    *len = n;
}

cci_source_status cci_source_next(cci_source *source, cci_piece *piece)
{
    if (!start(source)) return CCI_SOURCE_ERROR;
    if (source->start == source->end && !refill(source)) return CCI_SOURCE_ERROR;
    if (source->pending_cr) {
        source->pending_cr = false;
        if (source->start < source->end && source->buffer[source->start] == '\n') {
            /* the LF of a CRLF split across reads: it belongs to the line already ended */
            *piece = (cci_piece){.text = source->buffer + source->start, .len = 1,
                                 .line = source->line - 1, .ends_line = true};
            source->start++;
            return CCI_SOURCE_PIECE;
        }
    }
    if (source->start == source->end) return CCI_SOURCE_END;

    char *begin = source->buffer + source->start;
    size_t available = source->end - source->start, n = 0;
    while (n < available && begin[n] != '\n' && begin[n] != '\r') n++;
    if (n == available && !source->eof && source->start > 0) {
        /* the line goes on past the buffered bytes: make room and look again */
        if (!refill(source)) return CCI_SOURCE_ERROR;
        begin = source->buffer + source->start;
        available = source->end - source->start;
        while (n < available && begin[n] != '\n' && begin[n] != '\r') n++;
    }
    *piece = (cci_piece){.text = begin, .line = source->line};
    if (n < available) { /* a terminator */
        if (begin[n] == '\r') {
            if (n + 1 < available) {
                if (begin[n + 1] == '\n') n++;
            } else if (!source->eof) {
                source->pending_cr = true;
            }
        }
        n++;
        piece->ends_line = true;
        source->line++;
    }
    piece->len = n;
    source->start += n;
    return CCI_SOURCE_PIECE;
}

const char *cci_source_error(const cci_source *source)
{
    return source->error;
}
