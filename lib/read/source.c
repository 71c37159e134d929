#include "cci/read/source.h"

#include <errno.h>
#include <iconv.h>
#include <poll.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/utf8.h"

enum { BUFFER_SIZE = 64 * 1024, RAW_SIZE = 32 * 1024, STOP_CHECK_MS = 100 };

struct cci_source {
    FILE *file;
    cci_stop *stop; /* a read-once input's: read by descriptor, ended by a stop; NULL: stdio */
    iconv_t decoder;
    bool utf8;          /* the input is UTF-8: valid bytes are copied as they are, iconv takes the rest */
    char raw[RAW_SIZE]; /* bytes as read, not yet converted: raw[raw_start, raw_end) */
    size_t raw_start, raw_end;
    bool raw_eof;
    bool cut_by_stop; /* raw_eof because the run stopped, not because the input ended */

    char buffer[BUFFER_SIZE]; /* UTF-8 not yet handed out: buffer[start, end) */
    size_t start, end;
    bool eof;          /* no more UTF-8 will come */
    bool started;      /* the byte order mark check has run */
    bool unstartable;  /* and failed (error says why): nothing is ever decoded */
    bool pending_cr;   /* the last piece ended with CR at the buffer's end: an LF may follow */
    bool line_end_known;
    char decode_error[256]; /* set when conversion stopped; reported once the buffer drains */
    unsigned long line;
    cci_encoding_info info;
    char error[400];
    cci_status error_status; /* error's code: CCI_INVALID unless the input could not be read */
};

static bool is_utf8_name(const char *name)
{
    return strcasecmp(name, "UTF-8") == 0 || strcasecmp(name, "UTF8") == 0;
}

cci_status cci_source_new(cci_source **made, FILE *file, const char *encoding, char *err, size_t errlen)
{
    *made = NULL;
    cci_source *source = calloc(1, sizeof *source);
    if (!source) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    source->file = file;
    source->line = 1;
    source->decoder = (iconv_t)-1;
    source->error_status = CCI_INVALID;
    int name_len = snprintf(source->info.name, sizeof source->info.name, "%s", encoding ? encoding : "UTF-8");
    /* check the name now, so a typo is a usage error before anything is read; a name too long to
     * keep is no encoding's (a cut one might be) */
    iconv_t probe = (size_t)name_len < sizeof source->info.name ? iconv_open("UTF-8", source->info.name) : (iconv_t)-1;
    if (probe == (iconv_t)-1) {
        cci_status status = cci_fail(CCI_INVALID, err, errlen,
                                     "unknown encoding \"%s\" (try UTF-8, UTF-16, windows-1252, ISO-8859-15)",
                                     source->info.name);
        free(source);
        return status;
    }
    iconv_close(probe);
    *made = source;
    return CCI_OK;
}

void cci_source_free(cci_source *source)
{
    if (!source) return;
    if (source->decoder != (iconv_t)-1) iconv_close(source->decoder);
    free(source);
}

bool cci_source_cut_by_stop(const cci_source *source)
{
    return source->cut_by_stop;
}

void cci_source_stop_on(cci_source *source, cci_stop *stop)
{
    source->stop = stop;
}

/* Waits until the input has bytes or has ended; false when it has none and the run stopped. What
 * has come is read even after a stop; the stop is looked at every STOP_CHECK_MS while nothing
 * comes: the writer of a pipe may send nothing for as long as it likes. */
static bool wait_for_input(cci_source *source)
{
    struct pollfd input = {.fd = fileno(source->file), .events = POLLIN};
    for (int timeout = 0;; timeout = STOP_CHECK_MS) {
        int ready = poll(&input, 1, timeout);
        if (ready > 0 || (ready < 0 && errno != EINTR)) return true;
        if (cci_stop_requested(source->stop)) return false;
    }
}

/* Reads what the descriptor has (a read-once input's), as it comes: up to room bytes. */
static bool read_some(cci_source *source, size_t room, size_t *got)
{
    *got = 0;
    for (;;) {
        if (!wait_for_input(source)) {
            source->raw_eof = true; /* the run stopped: what has not come is not read */
            source->cut_by_stop = true;
            return true;
        }
        ssize_t n = read(fileno(source->file), source->raw + source->raw_end, room);
        if (n > 0) {
            *got = (size_t)n;
            return true;
        }
        if (n == 0) {
            source->raw_eof = true;
            return true;
        }
        if (errno != EINTR && errno != EAGAIN) {
            source->error_status = errno == ENOMEM ? CCI_NOMEM : CCI_IO;
            snprintf(source->error, sizeof source->error, "cannot read the input: %s", strerror(errno));
            return false;
        }
    }
}

static bool read_raw(cci_source *source)
{
    if (source->raw_eof) return true;
    if (source->raw_start > 0) {
        memmove(source->raw, source->raw + source->raw_start, source->raw_end - source->raw_start);
        source->raw_end -= source->raw_start;
        source->raw_start = 0;
    }
    size_t room = RAW_SIZE - source->raw_end;
    if (!room) return true; /* full: a read of 0 bytes would look like the end of a pipe */
    if (source->stop) {
        size_t got;
        if (!read_some(source, room, &got)) return false;
        source->raw_end += got;
        return true;
    }
    size_t got = fread(source->raw + source->raw_end, 1, room, source->file);
    source->raw_end += got;
    if (got < room) {
        if (ferror(source->file)) {
            source->error_status = errno == ENOMEM ? CCI_NOMEM : CCI_IO;
            snprintf(source->error, sizeof source->error, "cannot read the input: %s", strerror(errno));
            return false;
        }
        source->raw_eof = true;
    }
    return true;
}

/* Describes the bytes at raw_start, for a message. */
static void describe_bytes(const cci_source *source, char *out, size_t len)
{
    size_t n = source->raw_end - source->raw_start, used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && i < 4 && used + 6 < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s0x%02X", i ? " " : "",
                                 (unsigned char)source->raw[source->raw_start + i]);
}

/* iconv's errno, or 0 when it converted all it was given. */
static int convert(iconv_t decoder, char **in, size_t *in_left, char **out, size_t *out_left)
{
    return iconv(decoder, in, in_left, out, out_left) == (size_t)-1 ? errno : 0;
}

/* UTF-8 to itself: valid characters copied as they are, many bytes a step; from the first bytes
 * that are not plainly valid (or a character cut by the end), iconv goes on, as it always read
 * the whole input: it alone says what it takes and how a bad byte is named. */
static int copy_utf8(iconv_t decoder, char **in, size_t *in_left, char **out, size_t *out_left)
{
    size_t take = *in_left < *out_left ? *in_left : *out_left;
    size_t valid = cci_utf8_valid_prefix(*in, take);
    memcpy(*out, *in, valid);
    *in += valid, *out += valid;
    *in_left -= valid, *out_left -= valid;
    if (valid < take || *in_left) return convert(decoder, in, in_left, out, out_left);
    return 0;
}

/* Converts raw bytes into buffer[end...] until buffer is full or raw runs out. */
static bool decode_more(cci_source *source)
{
    while (source->end < BUFFER_SIZE && !source->decode_error[0]) {
        if (source->raw_start == source->raw_end || !source->raw_eof) {
            if (!read_raw(source)) return false;
        }
        char *in = source->raw + source->raw_start;
        size_t in_left = source->raw_end - source->raw_start;
        char *out = source->buffer + source->end;
        size_t out_left = BUFFER_SIZE - source->end;
        if (in_left == 0) {
            source->eof = source->raw_eof;
            return true;
        }
        int problem = source->utf8 ? copy_utf8(source->decoder, &in, &in_left, &out, &out_left)
                                   : convert(source->decoder, &in, &in_left, &out, &out_left);
        source->raw_start = (size_t)(in - source->raw);
        source->end = (size_t)(out - source->buffer);
        if (problem == EILSEQ) {
            char bytes[40];
            describe_bytes(source, bytes, sizeof bytes);
            bool utf8 = strcmp(source->info.name, "UTF-8") == 0;
            snprintf(source->decode_error, sizeof source->decode_error,
                     "bytes that are not valid %s (%s)%s", source->info.name, bytes,
                     utf8 ? ": is the file in another encoding? Try --encoding windows-1252 (Excel "
                            "on Windows) or --encoding ISO-8859-15"
                          : "");
        } else if (problem == EINVAL) { /* a character cut by the read: read on */
            if (source->raw_eof && source->cut_by_stop) {
                /* the run's stop cut it: its record is not read (csv_reader.c), nor is the rest */
                source->raw_start = source->raw_end;
            } else if (source->raw_eof) {
                snprintf(source->decode_error, sizeof source->decode_error,
                         "the file ends in the middle of a %s character", source->info.name);
            } else if (source->raw_start == 0 && source->raw_end == RAW_SIZE) {
                snprintf(source->decode_error, sizeof source->decode_error, "undecodable bytes");
            } else if (!read_raw(source)) {
                return false;
            }
        } else if (problem == E2BIG) {
            return true;
        }
    }
    return true;
}

/* Moves unread UTF-8 to the front and decodes more. */
static bool refill(cci_source *source)
{
    if (source->start > 0) {
        memmove(source->buffer, source->buffer + source->start, source->end - source->start);
        source->end -= source->start;
        source->start = 0;
    }
    if (source->eof) return true;
    return decode_more(source);
}

/* A spreadsheet saved as a workbook instead of CSV, told by its first bytes: an OLE2 compound file
 * (.xls), or a ZIP whose first entry names the OpenDocument type (.ods) or not (.xlsx). NULL: none. */
static const char *workbook_kind(const unsigned char *b, size_t n)
{
    static const unsigned char ole2[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    if (n >= sizeof ole2 && memcmp(b, ole2, sizeof ole2) == 0) return "an Excel 97-2003 workbook (.xls)";
    if (n < 4 || memcmp(b, "PK\x03\x04", 4) != 0) return NULL;
    static const char ods[] = "application/vnd.oasis.opendocument.spreadsheet";
    if (n >= 38 + sizeof ods - 1 && memcmp(b + 30, "mimetype", 8) == 0 && memcmp(b + 38, ods, sizeof ods - 1) == 0)
        return "an OpenDocument spreadsheet (.ods)";
    return "an Excel workbook (.xlsx), or another ZIP archive";
}

/* Reads the first bytes, honours a byte order mark, opens the decoder. */
static bool start(cci_source *source)
{
    if (source->started) return !source->unstartable;
    source->started = true;
    source->unstartable = true; /* until the decoder is open */
    if (!read_raw(source)) return false;
    const unsigned char *b = (const unsigned char *)source->raw;
    size_t n = source->raw_end;
    const char *workbook = workbook_kind(b, n);
    if (workbook) {
        snprintf(source->error, sizeof source->error,
                 "this is %s, not a CSV file: export it as CSV (Excel: File > Save As > CSV UTF-8 (Comma "
                 "delimited); LibreOffice: File > Save As > Text CSV, UTF-8) and import that file", workbook);
        return false;
    }
    const char *by_bom = NULL;
    size_t bom_len = 0;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) by_bom = "UTF-8", bom_len = 3;
    else if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE) by_bom = "UTF-16LE", bom_len = 2;
    else if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF) by_bom = "UTF-16BE", bom_len = 2;
    if (by_bom) { /* a byte order mark is certain; a name given may be a guess */
        snprintf(source->info.name, sizeof source->info.name, "%s", by_bom);
        source->info.bom = true;
        source->raw_start = bom_len;
    } else if (is_utf8_name(source->info.name)) {
        snprintf(source->info.name, sizeof source->info.name, "UTF-8");
    }
    source->utf8 = strcmp(source->info.name, "UTF-8") == 0;
    source->decoder = iconv_open("UTF-8", source->info.name);
    if (source->decoder == (iconv_t)-1) {
        if (errno == ENOMEM) source->error_status = CCI_NOMEM;
        snprintf(source->error, sizeof source->error, "cannot decode %s", source->info.name);
        return false;
    }
    source->unstartable = false;
    return decode_more(source);
}

/* Where the line at text ends: its first CR or LF, or available when it has none yet (memchr is
 * many bytes a step; a users export is mostly long lines). */
static size_t line_length(const char *text, size_t available)
{
    const char *lf = memchr(text, '\n', available);
    size_t before_lf = lf ? (size_t)(lf - text) : available;
    const char *cr = memchr(text, '\r', before_lf);
    return cr ? (size_t)(cr - text) : before_lf;
}

void cci_source_peek_first_line(cci_source *source, const char **text, size_t *len)
{
    *text = "";
    *len = 0;
    if (!start(source)) return;
    const char *begin = source->buffer + source->start;
    size_t available = source->end - source->start;
    size_t n = line_length(begin, available);
    *text = begin;
    *len = n;
}

static void note_line_end(cci_source *source, const char *terminator, size_t len)
{
    if (source->line_end_known) return;
    source->line_end_known = true;
    source->info.line_end = terminator[0] == '\n' ? CCI_LINE_END_LF
                            : len == 2            ? CCI_LINE_END_CRLF
                                                  : CCI_LINE_END_CR;
}

cci_source_status cci_source_next(cci_source *source, cci_piece *piece)
{
    if (!start(source)) return CCI_SOURCE_ERROR;
    if (source->start == source->end && !refill(source)) return CCI_SOURCE_ERROR;
    if (source->pending_cr) {
        source->pending_cr = false;
        if (source->start < source->end && source->buffer[source->start] == '\n') {
            /* the LF of a CRLF split across reads: it belongs to the line already ended */
            if (source->info.line_end == CCI_LINE_END_CR && source->line == 2)
                source->info.line_end = CCI_LINE_END_CRLF;
            *piece = (cci_piece){.text = source->buffer + source->start, .len = 1,
                                 .line = source->line - 1, .ends_line = true};
            source->start++;
            return CCI_SOURCE_PIECE;
        }
    }
    if (source->start == source->end) {
        if (source->decode_error[0]) {
            snprintf(source->error, sizeof source->error, "line %lu: %s", source->line, source->decode_error);
            return CCI_SOURCE_ERROR;
        }
        return CCI_SOURCE_END;
    }

    char *begin = source->buffer + source->start;
    size_t available = source->end - source->start, n = line_length(begin, available);
    if (n == available && !source->eof && source->start > 0) {
        /* the line goes on past the decoded bytes: make room and look again */
        if (!refill(source)) return CCI_SOURCE_ERROR;
        begin = source->buffer + source->start;
        available = source->end - source->start;
        n += line_length(begin + n, available - n);
    }
    *piece = (cci_piece){.text = begin, .line = source->line};
    if (n < available) { /* a terminator */
        size_t terminator = 1;
        if (begin[n] == '\r') {
            if (n + 1 < available) {
                if (begin[n + 1] == '\n') terminator = 2;
            } else if (!source->eof) {
                source->pending_cr = true;
            }
        }
        note_line_end(source, begin + n, terminator);
        n += terminator;
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

cci_status cci_source_error_status(const cci_source *source)
{
    return source->error_status;
}

const cci_encoding_info *cci_source_encoding(const cci_source *source)
{
    return &source->info;
}
