#include "cci/read/csv_reader.h"

#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cci/read/source.h"
#include "util/grow.h"

struct cci_csv_reader {
    cci_source *source;
    struct csv_parser parser;
    char delimiter;
    bool started;
    bool finished;

    /* the record being assembled: cell texts back to back in text, NUL after each */
    char *text;
    size_t text_len, text_cap;
    struct span { size_t offset, len; } *spans;
    size_t cell_count, cell_cap;
    cci_cell *cells; /* handed out with the record; cell_cap entries */

    bool sep_line;        /* the input began with "sep=X" */
    bool between_records; /* the parser has not begun a record */
    bool record_done;     /* the callbacks completed a record */
    bool oom;
    size_t max_record_bytes, max_columns; /* what one record may cost */
    bool too_wide, too_big;               /* the record being read passed them */
    unsigned long record_line;
    unsigned long blank_lines;
    unsigned long last_ended_line; /* a CRLF split across reads ends its line twice */
    char error[256];
    cci_status error_status; /* error's code */
};

/* libcsv grows a cell's buffer with its realloc function: refusing past the cap turns an
 * unterminated quote that swallows the file into an error instead of unbounded memory. */
static void *capped_realloc(void *ptr, size_t size)
{
    if (size > CCI_MAX_CELL_BYTES + 1024) return NULL;
    return realloc(ptr, size);
}

char cci_detect_delimiter(const char *line, size_t len)
{
    static const char candidates[] = {',', ';', '\t', '|'};
    size_t counts[4] = {0};
    bool quoted = false;
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '"') quoted = !quoted;
        if (quoted) continue;
        for (int c = 0; c < 4; c++) counts[c] += line[i] == candidates[c];
    }
    int best = 0;
    for (int c = 1; c < 4; c++)
        if (counts[c] > counts[best]) best = c;
    return candidates[best];
}

cci_status cci_csv_reader_new(cci_csv_reader **made, FILE *file, char delimiter, const char *encoding, char *err,
                              size_t errlen)
{
    *made = NULL;
    cci_csv_reader *reader = calloc(1, sizeof *reader);
    if (!reader) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    cci_status status = cci_source_new(&reader->source, file, encoding, err, errlen);
    /* libcsv's init fails on no parser of ours; were it to, memory is what it could lack */
    if (status == CCI_OK && csv_init(&reader->parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
        status = cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    if (status != CCI_OK) {
        cci_source_free(reader->source);
        free(reader);
        return status;
    }
    csv_set_realloc_func(&reader->parser, capped_realloc);
    /* libcsv grows a cell's buffer by this much at a time: small steps make a large cell cost
     * quadratic copying */
    csv_set_blk_size(&reader->parser, 64 * 1024);
    reader->delimiter = delimiter;
    reader->between_records = true;
    reader->max_record_bytes = CCI_DEFAULT_MAX_RECORD_BYTES;
    reader->max_columns = CCI_DEFAULT_MAX_COLUMNS;
    *made = reader;
    return CCI_OK;
}

void cci_csv_reader_free(cci_csv_reader *reader)
{
    if (!reader) return;
    csv_free(&reader->parser);
    cci_source_free(reader->source);
    free(reader->text);
    free(reader->spans);
    free(reader->cells);
    free(reader);
}

void cci_csv_reader_stop_on(cci_csv_reader *reader, cci_stop *stop)
{
    cci_source_stop_on(reader->source, stop);
}

void cci_csv_reader_limit(cci_csv_reader *reader, size_t max_record_bytes, size_t max_columns)
{
    if (max_record_bytes) reader->max_record_bytes = max_record_bytes;
    if (max_columns) reader->max_columns = max_columns;
}

/* libcsv: a cell ended. Its bytes are valid only here: copy them. */
static void on_cell(void *data, size_t len, void *ctx)
{
    cci_csv_reader *reader = ctx;
    /* past a bound the rest of the record is not kept: a 50 MB header costs no more than the cap */
    if (reader->too_wide || reader->too_big) return;
    if (reader->cell_count >= reader->max_columns) {
        reader->too_wide = true;
        return;
    }
    if (reader->text_len + len > reader->max_record_bytes) {
        reader->too_big = true;
        return;
    }
    if (reader->cell_count == reader->cell_cap) {
        size_t cap = reader->cell_cap ? reader->cell_cap * 2 : 32;
        struct span *spans = realloc(reader->spans, cap * sizeof *spans);
        cci_cell *cells = spans ? realloc(reader->cells, cap * sizeof *cells) : NULL;
        if (spans) reader->spans = spans;
        if (cells) reader->cells = cells;
        if (!spans || !cells) {
            reader->oom = true;
            return;
        }
        reader->cell_cap = cap;
    }
    if (!cci_grow((void **)&reader->text, &reader->text_cap, reader->text_len + len + 1, 1)) {
        reader->oom = true;
        return;
    }
    if (len) memcpy(reader->text + reader->text_len, data, len);
    reader->spans[reader->cell_count] = (struct span){reader->text_len, len};
    reader->text_len += len;
    reader->text[reader->text_len++] = '\0';
    reader->cell_count++;
}

/* libcsv: a record ended. */
static void on_record(int terminator, void *ctx)
{
    (void)terminator;
    cci_csv_reader *reader = ctx;
    reader->record_done = true;
    reader->between_records = true;
}

/* True when libcsv skips this piece as part of a blank line: between records it passes over
 * spaces and tabs (unless the tab is the delimiter) and line terminators. */
static bool blank(const cci_piece *piece, char delimiter)
{
    for (size_t i = 0; i < piece->len; i++) {
        char c = piece->text[i];
        if (c != '\r' && c != '\n' && c != ' ' && !(c == '\t' && delimiter != '\t')) return false;
    }
    return true;
}

/* Chooses the delimiter and consumes an Excel "sep=X" line. */
static bool begin(cci_csv_reader *reader)
{
    reader->started = true;
    const char *first;
    size_t len;
    cci_source_peek_first_line(reader->source, &first, &len);
    if (len == 5 && strncmp(first, "sep=", 4) == 0) {
        reader->sep_line = true;
        if (!reader->delimiter) reader->delimiter = first[4];
        cci_piece piece;
        do {
            if (cci_source_next(reader->source, &piece) != CCI_SOURCE_PIECE) break;
        } while (!piece.ends_line);
    }
    if (!reader->delimiter) reader->delimiter = cci_detect_delimiter(first, len);
    csv_set_delim(&reader->parser, (unsigned char)reader->delimiter);
    return true;
}

/* After libcsv's callbacks: an error when the record passed a bound. */
static bool over_bounds(cci_csv_reader *reader)
{
    if (reader->too_wide)
        snprintf(reader->error, sizeof reader->error,
                 "line %lu: more than %zu columns (--max-columns raises the limit)", reader->record_line,
                 reader->max_columns);
    else if (reader->too_big)
        snprintf(reader->error, sizeof reader->error,
                 "line %lu: the record holds more than %zu bytes (--max-record-size raises the limit)",
                 reader->record_line, reader->max_record_bytes);
    else return false;
    reader->error_status = CCI_INVALID;
    reader->finished = true;
    return true;
}

static void hand_out(cci_csv_reader *reader, cci_record *record)
{
    /* text may have moved while the record grew: point the cells at it only now */
    for (size_t i = 0; i < reader->cell_count; i++)
        reader->cells[i] = (cci_cell){reader->text + reader->spans[i].offset, reader->spans[i].len};
    *record = (cci_record){.line = reader->record_line, .count = reader->cell_count,
                           .cells = reader->cells};
}

__attribute__((format(printf, 3, 4))) static cci_read_status fail(cci_csv_reader *reader, cci_status status,
                                                                  const char *fmt, ...)
{
    reader->error_status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reader->error, sizeof reader->error, fmt, ap);
    va_end(ap);
    reader->finished = true;
    return CCI_READ_ERROR;
}

cci_read_status cci_csv_reader_next(cci_csv_reader *reader, cci_record *record)
{
    if (reader->finished) return CCI_READ_END;
    if (!reader->started) begin(reader);
    reader->cell_count = 0;
    reader->text_len = 0;
    reader->record_done = false;
    cci_piece piece;
    while (!reader->record_done) {
        cci_source_status status = cci_source_next(reader->source, &piece);
        if (status == CCI_SOURCE_ERROR) {
            snprintf(reader->error, sizeof reader->error, "%s", cci_source_error(reader->source));
            reader->error_status = cci_source_error_status(reader->source);
            reader->finished = true;
            return CCI_READ_ERROR;
        }
        if (status == CCI_SOURCE_END) {
            reader->finished = true;
            /* the run stopped while the record came: cut short, it is not read, as those after it
             * are not (its cells would say the row is broken, its uid may be cut) */
            if (cci_source_cut_by_stop(reader->source)) return CCI_READ_END;
            if (csv_fini(&reader->parser, on_cell, on_record, reader) != 0)
                return fail(reader, CCI_INVALID,
                            "line %lu: a quoted cell in the record starting here is never closed "
                            "(a \" is missing)",
                            reader->record_line);
            if (reader->oom) return fail(reader, CCI_NOMEM, "out of memory at line %lu", reader->record_line);
            if (over_bounds(reader)) return CCI_READ_ERROR;
            if (!reader->record_done) return CCI_READ_END;
            break;
        }
        if (reader->between_records) {
            if (blank(&piece, reader->delimiter)) {
                if (piece.ends_line && piece.line != reader->last_ended_line) reader->blank_lines++;
            } else {
                reader->between_records = false;
                reader->record_line = piece.line;
            }
        }
        if (piece.ends_line) reader->last_ended_line = piece.line;
        size_t parsed = csv_parse(&reader->parser, piece.text, piece.len, on_cell, on_record, reader);
        if (reader->oom) return fail(reader, CCI_NOMEM, "out of memory at line %lu", piece.line);
        if (over_bounds(reader)) return CCI_READ_ERROR;
        if (parsed != piece.len) {
            if (csv_error(&reader->parser) == CSV_EPARSE)
                return fail(reader, CCI_INVALID,
                            "line %lu: malformed quoting: a \" inside a cell that does not start "
                            "with one, or text after a closing \" (double a \" inside a quoted cell)",
                            piece.line);
            return fail(reader, CCI_INVALID,
                        "line %lu: a cell in the record starting here grows past 1 MiB: a quote "
                        "left open?",
                        reader->record_line);
        }
    }
    hand_out(reader, record);
    return CCI_READ_RECORD;
}

const char *cci_csv_reader_error(const cci_csv_reader *reader)
{
    return reader->error;
}

cci_status cci_csv_reader_error_status(const cci_csv_reader *reader)
{
    return reader->error_status;
}

char cci_csv_reader_delimiter(const cci_csv_reader *reader)
{
    return reader->delimiter;
}

cci_dialect cci_csv_reader_dialect(const cci_csv_reader *reader)
{
    return (cci_dialect){.delimiter = reader->delimiter,
                         .sep_line = reader->sep_line,
                         .encoding = *cci_source_encoding(reader->source)};
}

unsigned long cci_csv_reader_blank_lines(const cci_csv_reader *reader)
{
    return reader->blank_lines;
}
