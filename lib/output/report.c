/* mempcpy */
#define _GNU_SOURCE
#include "cci/output/report.h"

#include <csv.h>
#include <errno.h>
#include <stdio_ext.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output/sheet_commit.h"

cci_saved_row *cci_saved_row_new(const cci_record *record)
{
    size_t bytes = 0;
    for (size_t i = 0; i < record->count; i++) bytes += record->cells[i].len + 1;
    cci_saved_row *row = malloc(sizeof *row + record->count * sizeof(cci_cell) + bytes);
    if (!row) return NULL;
    row->count = record->count;
    char *text = (char *)(row->cells + record->count);
    for (size_t i = 0; i < record->count; i++) {
        memcpy(text, record->cells[i].text, record->cells[i].len);
        text[record->cells[i].len] = '\0';
        row->cells[i] = (cci_cell){text, record->cells[i].len};
        text += record->cells[i].len + 1;
    }
    return row;
}

size_t cci_cell_format(char *dest, size_t size, const char *text, size_t len, char delimiter, bool neutralise)
{
    bool formula = neutralise && len && strchr("=+-@\t\r", text[0]);
    bool quote = formula || (len && (text[0] == ' ' || text[len - 1] == ' '));
    for (size_t i = 0; i < len && !quote; i++)
        quote = text[i] == delimiter || text[i] == '"' || text[i] == '\n' || text[i] == '\r';
    if (!quote) {
        if (len <= size) memcpy(dest, text, len);
        return len;
    }
    if (!formula) return csv_write(dest, size, text, len);
    /* a leading ' makes a spreadsheet show a formula-like text instead of evaluating it: libcsv
     * quotes the cell one byte on, and its opening quote becomes the ' */
    size_t quoted = size ? csv_write(dest + 1, size - 1, text, len) : 2 * len + 2;
    if (quoted + 1 <= size) {
        dest[0] = '"';
        dest[1] = '\'';
    }
    return quoted + 1;
}

bool cci_write_cell(FILE *file, const char *text, size_t len, char delimiter, bool neutralise)
{
    char small[512];
    size_t need = cci_cell_format(small, sizeof small, text, len, delimiter, neutralise);
    if (need <= sizeof small) return fwrite(small, 1, need, file) == need;
    char *formatted = malloc(need);
    bool ok = formatted && cci_cell_format(formatted, need, text, len, delimiter, neutralise) == need &&
              fwrite(formatted, 1, need, file) == need;
    free(formatted);
    return ok;
}

bool cci_path_is_xlsx(const char *path)
{
    size_t len = strlen(path);
    return len >= 5 && strcasecmp(path + len - 5, ".xlsx") == 0;
}

/* The stdio buffer of a report: lines wait in it whole, and go to the kernel together when the
 * next might not fit (a report flushed in batches). */
enum { REPORT_BUFFER_BYTES = 1 << 20 };

struct cci_report {
    cci_outfile out;
    bool as_sheet; /* committed as a workbook (report.xlsx): no cell needs neutralising there */
    bool batched;  /* lines flushed together, not one by one (cci_report_flush_in_batches) */
    char *line;    /* the line being composed, line_cap bytes */
    size_t line_cap;
    char *buffer;  /* the stream's, REPORT_BUFFER_BYTES (glibc sizes one itself only at 4 KiB); freed
                    * after the stream is closed */
};

cci_status cci_report_open(cci_report **opened, const char *path, char *err, size_t errlen)
{
    *opened = NULL;
    cci_report *report = calloc(1, sizeof *report);
    if (!report) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    report->as_sheet = cci_path_is_xlsx(path);
    cci_status status = cci_outfile_open(&report->out, path, err, errlen);
    if (status != CCI_OK) {
        free(report);
        return status;
    }
    /* before any write, as setvbuf must be; without it, stdio's own buffer */
    report->buffer = malloc(REPORT_BUFFER_BYTES);
    if (report->buffer && setvbuf(report->out.file, report->buffer, _IOFBF, REPORT_BUFFER_BYTES) != 0) {
        free(report->buffer);
        report->buffer = NULL;
    }
    cci_outfile_check(&report->out,
                      fputs(CCI_REPORT_HEADER "\n", report->out.file) >= 0);
    *opened = report;
    return CCI_OK;
}

bool cci_report_is_tools_header(const char *line, size_t len)
{
    static const char *const headers[] = {CCI_UID_LIST_HEADER, CCI_REPORT_HEADER};
    for (size_t i = 0; i < sizeof headers / sizeof *headers; i++)
        if (strlen(headers[i]) == len && memcmp(headers[i], line, len) == 0) return true;
    return false;
}

void cci_report_flush_in_batches(cci_report *report)
{
    report->batched = true;
}

/* The most bytes a line can take: each text cell doubled by quoting, plus a formula's mark, the
 * quotes, the numbers and the commas. */
static size_t line_bound(const cci_outcome *o, const char *action, const char *message)
{
    return 2 * (strlen(o->uid) + strlen(o->error_code) + strlen(message) + strlen(action)) + 128;
}

/* Makes room for the next line in the buffer, flushing the whole lines it holds when the line
 * might not fit: stdio would otherwise write part of it, and a killed run would leave a cut line. */
static bool room_for_line(cci_report *report, size_t bound)
{
    size_t room = report->buffer ? REPORT_BUFFER_BYTES : BUFSIZ;
    if (!report->batched || __fpending(report->out.file) + bound <= room) return true;
    return cci_outfile_flush(&report->out);
}

bool cci_report_write(cci_report *report, const cci_outcome *o)
{
    return cci_report_write_as(report, o, cci_action_name(o->action));
}


/* Appends number in decimal (snprintf's parsing of a format costs more than a line's digits). */
static char *put_decimal(char *at, unsigned long long number)
{
    char digits[24];
    size_t n = 0;
    do digits[n++] = (char)('0' + number % 10);
    while ((number /= 10));
    while (n) *at++ = digits[--n];
    return at;
}

/* Appends a text cell as it goes in the report. */
static char *put_cell(char *at, const char *text, bool neutralise)
{
    size_t len = strlen(text);
    return at + cci_cell_format(at, 2 * len + 3, text, len, ',', neutralise);
}

bool cci_report_write_as(cci_report *report, const cci_outcome *o, const char *action)
{
    const char *message = o->message || o->error_code[0] ? (o->message ? o->message : "") : cci_outcome_text(o);
    size_t bound = line_bound(o, action, message);
    if (!room_for_line(report, bound)) return false;
    if (bound > report->line_cap) {
        char *grown = realloc(report->line, bound);
        if (!grown) return cci_outfile_check(&report->out, false);
        report->line = grown;
        report->line_cap = bound;
    }
    /* composed whole, then written at once: most lines hold a message of hundreds of bytes */
    bool neutralise = !report->as_sheet;
    char *at = put_decimal(report->line, o->line);
    *at++ = ',';
    at = put_cell(at, o->uid, neutralise);
    *at++ = ',';
    at = mempcpy(at, action, strlen(action));
    *at++ = ',';
    if (o->http_status > 0) at = put_decimal(at, (unsigned long long)o->http_status);
    else if (o->http_status) at += sprintf(at, "%ld", o->http_status);
    *at++ = ',';
    at = put_cell(at, o->error_code, neutralise);
    *at++ = ',';
    at = put_cell(at, message, neutralise);
    *at++ = ',';
    at = put_decimal(at, o->attempts);
    *at++ = '\n';
    size_t len = (size_t)(at - report->line);
    bool ok = fwrite(report->line, 1, len, report->out.file) == len;
    /* flushed at once: the journal records a row only once the kernel has its report line */
    return cci_outfile_check(&report->out, ok) && (report->batched || cci_outfile_flush(&report->out));
}

void cci_report_error(const cci_report *report, char *err, size_t errlen)
{
    cci_outfile_describe_error(&report->out, err, errlen);
}

cci_status cci_report_close(cci_report *report, char *kept, size_t kept_len, char *err, size_t errlen)
{
    if (kept_len) kept[0] = '\0';
    if (!report) return CCI_OK;
    cci_status status = report->as_sheet ? cci_sheet_commit(&report->out, "Report", true, kept, kept_len, err, errlen)
                                         : cci_outfile_commit(&report->out, true, kept, kept_len, err, errlen);
    free(report->line);
    free(report->buffer);
    free(report);
    return status;
}

void cci_report_discard(cci_report *report)
{
    if (!report) return;
    cci_outfile_discard(&report->out);
    free(report->line);
    free(report->buffer);
    free(report);
}

struct cci_rejects {
    char *path;
    cci_dialect dialect;
    iconv_t encoder; /* UTF-8 to the file's encoding; (iconv_t)-1 when that is UTF-8 */
    bool utf16;      /* a byte order mark is written first */
    bool as_sheet;   /* committed as a workbook (rejects.xlsx): written as UTF-8 CSV until then */
    cci_saved_row *header;
    size_t error_column; /* where the error goes: an existing "error" column, or a new last one */
    cci_outfile out;     /* created up front, so an unwritable path is found before sending */
    FILE *file;          /* out.file once the header is written */
    unsigned long count;
    bool ok;
};

/* A rejects file fed back already has an "error" column: reuse it rather than add another. */
static size_t find_error_column(const cci_saved_row *header)
{
    for (size_t i = 0; i < header->count; i++) {
        const char *text = header->cells[i].text;
        size_t len = header->cells[i].len;
        while (len && *text == ' ') text++, len--;
        while (len && text[len - 1] == ' ') len--;
        if (len == 5 && strncasecmp(text, "error", 5) == 0) return i;
    }
    return header->count;
}

cci_status cci_rejects_new(cci_rejects **made, const char *path, const cci_dialect *dialect, const char *encoding,
                           const cci_record *header, char *err, size_t errlen)
{
    *made = NULL;
    bool as_sheet = cci_path_is_xlsx(path);
    cci_dialect plain = {.delimiter = ',', .encoding = {.name = "UTF-8", .line_end = CCI_LINE_END_LF}};
    if (as_sheet) dialect = &plain, encoding = NULL; /* a workbook has no encoding, delimiter or line end */
    const char *target = encoding ? encoding : dialect->encoding.name;
    /* plain "UTF-16" would make iconv write a byte order mark of its own on top of ours */
    if (strcasecmp(target, "UTF-16") == 0 || strcasecmp(target, "UTF16") == 0) target = "UTF-16LE";
    bool utf8 = strcasecmp(target, "UTF-8") == 0 || strcasecmp(target, "UTF8") == 0;
    iconv_t encoder = (iconv_t)-1;
    if (!utf8) {
        char name[96];
        /* //TRANSLIT: an error message may hold a character the encoding lacks */
        int len = snprintf(name, sizeof name, "%s//TRANSLIT", target);
        bool fits = (size_t)len < sizeof name;
        if (!fits || (encoder = iconv_open(name, "UTF-8")) == (iconv_t)-1)
            return cci_fail(fits && errno == ENOMEM ? CCI_NOMEM : CCI_INVALID, err, errlen,
                            "cannot write the rejects file in %s", target);
    }
    cci_rejects *rejects = calloc(1, sizeof *rejects);
    if (!rejects) {
        if (encoder != (iconv_t)-1) iconv_close(encoder);
        return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    }
    rejects->encoder = encoder;
    rejects->as_sheet = as_sheet;
    rejects->utf16 = strncasecmp(target, "UTF-16", 6) == 0 || strncasecmp(target, "UTF16", 5) == 0;
    rejects->path = strdup(path);
    rejects->header = cci_saved_row_new(header);
    rejects->dialect = *dialect;
    /* an explicit encoding keeps a byte order mark only where one is the norm */
    if (encoding) rejects->dialect.encoding.bom = rejects->utf16;
    rejects->ok = rejects->path && rejects->header;
    if (rejects->header) rejects->error_column = find_error_column(rejects->header);
    cci_status status = !rejects->ok ? cci_fail(CCI_NOMEM, err, errlen, "out of memory")
                                     : cci_outfile_open(&rejects->out, path, err, errlen);
    if (status != CCI_OK) {
        cci_rejects_discard(rejects);
        return status;
    }
    *made = rejects;
    return CCI_OK;
}

/* Writes UTF-8 text to the file in its encoding. */
static bool put_text(cci_rejects *rejects, const char *text, size_t len)
{
    if (rejects->encoder == (iconv_t)-1) return fwrite(text, 1, len, rejects->file) == len;
    char *in = (char *)text, out[4096];
    size_t in_left = len;
    bool ok = true;
    while (ok && in_left) {
        char *o = out;
        size_t out_left = sizeof out;
        size_t result = iconv(rejects->encoder, &in, &in_left, &o, &out_left);
        if (result == (size_t)-1 && errno != E2BIG) {
            /* cannot be written in this encoding even by transliteration: a '?' stands in */
            in++, in_left--;
            *o++ = '?', out_left--;
        }
        ok = fwrite(out, 1, sizeof out - out_left, rejects->file) == sizeof out - out_left;
    }
    return ok;
}

static const char *line_end(const cci_rejects *rejects)
{
    switch (rejects->dialect.encoding.line_end) {
    case CCI_LINE_END_CRLF: return "\r\n";
    case CCI_LINE_END_CR: return "\r";
    default: return "\n";
    }
}

/* Writes cells with error in the error column, padding short rows to the header's width. */
static bool write_row(cci_rejects *rejects, const cci_saved_row *row, const char *error)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return false;
    char delimiter = rejects->dialect.delimiter;
    size_t width = rejects->header->count;
    size_t count = row->count > width ? row->count : width;
    if (rejects->error_column == width && count == width) count++; /* the added error column */
    bool ok = true;
    for (size_t i = 0; i < count && ok; i++) {
        if (i) ok = fputc(delimiter, f) != EOF;
        if (i == rejects->error_column) ok = ok && cci_write_cell(f, error, strlen(error), delimiter, false);
        else if (i < row->count)
            ok = ok && cci_write_cell(f, row->cells[i].text, row->cells[i].len, delimiter, false);
    }
    ok = ok && fputs(line_end(rejects), f) >= 0;
    ok = (fclose(f) == 0) && ok;
    ok = ok && put_text(rejects, text, len);
    free(text);
    return ok;
}

/* Creates the file: byte order mark, "sep=" line, header. */
static bool begin_file(cci_rejects *rejects)
{
    rejects->file = rejects->out.file;
    bool ok = true;
    if (rejects->dialect.encoding.bom) {
        if (rejects->encoder == (iconv_t)-1) ok = fwrite("\xEF\xBB\xBF", 1, 3, rejects->file) == 3;
        else ok = put_text(rejects, "\xEF\xBB\xBF", 3); /* U+FEFF in the file's own byte order */
    }
    if (rejects->dialect.sep_line) {
        char sep[16];
        snprintf(sep, sizeof sep, "sep=%c%s", rejects->dialect.delimiter, line_end(rejects));
        ok = ok && put_text(rejects, sep, strlen(sep));
    }
    return ok && write_row(rejects, rejects->header, "error");
}

bool cci_rejects_write(cci_rejects *rejects, const cci_saved_row *row, const char *error)
{
    if (!rejects->ok) return false;
    if (!rejects->file && !(rejects->ok = cci_outfile_check(&rejects->out, begin_file(rejects)))) return false;
    bool ok = cci_outfile_check(&rejects->out, write_row(rejects, row, error ? error : ""));
    rejects->count++;
    rejects->ok = rejects->ok && ok;
    return ok;
}

unsigned long cci_rejects_count(const cci_rejects *rejects)
{
    return rejects->count;
}

void cci_rejects_error(const cci_rejects *rejects, char *err, size_t errlen)
{
    if (rejects->out.error) cci_outfile_describe_error(&rejects->out, err, errlen);
    else snprintf(err, errlen, "cannot write %s: out of memory", rejects->path);
}

static void free_rejects(cci_rejects *rejects)
{
    if (rejects->encoder != (iconv_t)-1) iconv_close(rejects->encoder);
    free(rejects->path);
    free(rejects->header);
    free(rejects);
}

cci_status cci_rejects_close(cci_rejects *rejects, char *kept, size_t kept_len, char *err, size_t errlen)
{
    if (kept_len) kept[0] = '\0';
    if (!rejects) return CCI_OK;
    cci_status status = CCI_OK;
    if (!rejects->ok) {
        cci_rejects_error(rejects, err, errlen);
        /* cci_rejects_error says "out of memory" when no write error was kept */
        status = !rejects->out.error || rejects->out.error == ENOMEM ? CCI_NOMEM : CCI_IO;
        if (rejects->out.error) { /* what could be written is kept for a look, as a report's is */
            cci_outfile_flush(&rejects->out);
            size_t used = strlen(err);
            if (used < errlen && rejects->out.partial)
                snprintf(err + used, errlen - used, "; %s was left as it was, and what could be written is in %s",
                         rejects->path, rejects->out.partial);
            cci_outfile_abandon(&rejects->out);
        } else {
            cci_outfile_discard(&rejects->out);
        }
    } else if (rejects->count) {
        status = rejects->as_sheet ? cci_sheet_commit(&rejects->out, "Rejects", true, kept, kept_len, err, errlen)
                                   : cci_outfile_commit(&rejects->out, true, kept, kept_len, err, errlen);
    } else {
        /* no rows to fix: an earlier file of rows to fix is left where it is, since the person may
         * be editing it or have just fed it back (the fix-and-rerun loop renames nothing of theirs) */
        cci_outfile_discard(&rejects->out);
    }
    free_rejects(rejects);
    return status;
}

void cci_rejects_discard(cci_rejects *rejects)
{
    if (!rejects) return;
    cci_outfile_discard(&rejects->out);
    free_rejects(rejects);
}
