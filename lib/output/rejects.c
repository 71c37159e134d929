/* The rejects file: each invalid or failed row's own cells and why, in the input's dialect
 * (delimiter, encoding, line ends), ready to be fixed and fed back. */
#include "cci/output/report.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output/sheet_commit.h"

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
