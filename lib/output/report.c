/* mempcpy */
#define _GNU_SOURCE
#include "cci/output/report.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output/sheet_commit.h"
#include "util/write_behind.h"

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

/* Whether text must be quoted to stay one cell. Long texts (a dry run's messages: JSON bodies of
 * hundreds of bytes) are searched by memchr, which takes many bytes a step. */
static bool needs_quotes(const char *text, size_t len, char delimiter)
{
    if (len > 32)
        return memchr(text, '"', len) || memchr(text, delimiter, len) || memchr(text, '\n', len) ||
               memchr(text, '\r', len);
    for (size_t i = 0; i < len; i++)
        if (text[i] == delimiter || text[i] == '"' || text[i] == '\n' || text[i] == '\r') return true;
    return false;
}

/* text quoted into dest as libcsv's csv_write quotes it (each '"' doubled), given 2 * len + 2
 * bytes of room. Why not csv_write itself: it copies a byte at a time with a bounds check and a
 * branch on each, 13% of a dry run's time (its messages are JSON bodies with a quote every few
 * bytes); this writes each byte and a spare quote without a branch, and steps past the spare after
 * a quote. check_report holds its bytes to csv_write's. */
static size_t quote_cell(char *dest, const char *text, size_t len)
{
    char *at = dest;
    *at++ = '"';
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        at[0] = c;
        at[1] = '"';
        at += 1 + (c == '"');
    }
    *at++ = '"';
    return (size_t)(at - dest);
}

/* libcsv's csv_write where room may be short (it writes only what fits), quote_cell otherwise. */
static size_t quote_into(char *dest, size_t size, const char *text, size_t len)
{
    return size >= 2 * len + 2 ? quote_cell(dest, text, len) : csv_write(dest, size, text, len);
}

size_t cci_cell_format(char *dest, size_t size, const char *text, size_t len, char delimiter, bool neutralise)
{
    bool formula = neutralise && len && strchr("=+-@\t\r", text[0]);
    bool quote = formula || (len && (text[0] == ' ' || text[len - 1] == ' ')) || needs_quotes(text, len, delimiter);
    if (!quote) {
        if (len <= size) memcpy(dest, text, len);
        return len;
    }
    if (!formula) return quote_into(dest, size, text, len);
    /* a leading ' makes a spreadsheet show a formula-like text instead of evaluating it: the cell
     * is quoted one byte on, and its opening quote becomes the ' */
    size_t quoted = size ? quote_into(dest + 1, size - 1, text, len) : 2 * len + 2;
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

/* The stdio buffer of a report written line by line, and a batch of lines flushed together. */
enum { REPORT_BUFFER_BYTES = 1 << 20 };

struct cci_report {
    cci_outfile out;
    bool as_sheet; /* committed as a workbook (report.xlsx): no cell needs neutralising there */
    cci_write_behind *behind; /* lines flushed in batches by a thread (cci_report_flush_in_batches);
                               * NULL: each line flushed as written */
    bool behind_failed;       /* its write failed: the outfile, the report's again, says why */
    char *line;    /* the line being composed, line_cap bytes, when not in batches */
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
    if (report->behind || report->behind_failed) return;
    report->behind = cci_write_behind_start(&report->out, REPORT_BUFFER_BYTES, true);
    /* no thread to be had: written when handed over; no memory: line by line, as ever */
    if (!report->behind) report->behind = cci_write_behind_start(&report->out, REPORT_BUFFER_BYTES, false);
}

/* Where the next line is composed: the batch's room, or the report's own line. NULL when a batch
 * could not be written (the outfile, the report's again, then says why) or memory ran out. */
static char *room_for_line(cci_report *report, size_t bound)
{
    if (report->behind) {
        char *room = cci_write_behind_room(report->behind, bound);
        if (room) return room;
        cci_write_behind_finish(report->behind); /* the writer lets go of the outfile */
        report->behind = NULL;
        report->behind_failed = true;
        return NULL;
    }
    if (report->behind_failed) return NULL;
    if (bound > report->line_cap) {
        char *grown = realloc(report->line, bound);
        if (!grown) {
            cci_outfile_check(&report->out, false);
            return NULL;
        }
        report->line = grown;
        report->line_cap = bound;
    }
    return report->line;
}

/* Ends the batches: true when every line reached the kernel. */
static bool end_batches(cci_report *report)
{
    bool ok = cci_write_behind_finish(report->behind) && !report->behind_failed;
    report->behind = NULL;
    return ok;
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
static char *put_cell(char *at, const char *text, size_t len, bool neutralise)
{
    return at + cci_cell_format(at, 2 * len + 3, text, len, ',', neutralise);
}

bool cci_report_write_as(cci_report *report, const cci_outcome *o, const char *action)
{
    const char *message = o->message || o->error_code[0] ? (o->message ? o->message : "") : cci_outcome_text(o);
    size_t uid_len = strlen(o->uid), action_len = strlen(action), code_len = strlen(o->error_code),
           message_len = strlen(message);
    /* the most a line takes: each text cell doubled by quoting, plus a formula's mark, the quotes,
     * the numbers and the commas */
    char *line = room_for_line(report, 2 * (uid_len + action_len + code_len + message_len) + 128);
    if (!line) return false;
    /* composed whole, then written at once: most lines hold a message of hundreds of bytes */
    bool neutralise = !report->as_sheet;
    char *at = put_decimal(line, o->line);
    *at++ = ',';
    at = put_cell(at, o->uid, uid_len, neutralise);
    *at++ = ',';
    at = mempcpy(at, action, action_len);
    *at++ = ',';
    if (o->http_status > 0) at = put_decimal(at, (unsigned long long)o->http_status);
    else if (o->http_status) at += sprintf(at, "%ld", o->http_status);
    *at++ = ',';
    at = put_cell(at, o->error_code, code_len, neutralise);
    *at++ = ',';
    at = put_cell(at, message, message_len, neutralise);
    *at++ = ',';
    at = put_decimal(at, o->attempts);
    *at++ = '\n';
    size_t len = (size_t)(at - line);
    if (report->behind) {
        cci_write_behind_wrote(report->behind, len);
        return true;
    }
    bool ok = fwrite(line, 1, len, report->out.file) == len;
    /* flushed at once: the journal records a row only once the kernel has its report line */
    return cci_outfile_check(&report->out, ok) && cci_outfile_flush(&report->out);
}

void cci_report_error(const cci_report *report, char *err, size_t errlen)
{
    cci_outfile_describe_error(&report->out, err, errlen);
}

bool cci_report_settle(cci_report *report)
{
    if (!report->behind) return !report->behind_failed && cci_outfile_flush(&report->out);
    bool ok = end_batches(report);
    if (!ok) report->behind_failed = true; /* no line is written after a failed one */
    return ok;
}

cci_status cci_report_close(cci_report *report, char *kept, size_t kept_len, char *err, size_t errlen)
{
    if (kept_len) kept[0] = '\0';
    if (!report) return CCI_OK;
    if (!end_batches(report)) cci_outfile_check(&report->out, false); /* the error is kept already */
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
    end_batches(report);
    cci_outfile_discard(&report->out);
    free(report->line);
    free(report->buffer);
    free(report);
}
