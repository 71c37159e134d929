/* Decoding and line splitting of the input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cci/read/csv_reader.h"
#include "cci/read/source.h"
#include "check_main.h"

static FILE *memory(const char *bytes, size_t len)
{
    FILE *file = fmemopen((void *)bytes, len, "rb");
    ck_assert_ptr_nonnull(file);
    return file;
}

/* Reads the whole source into out (UTF-8, pieces joined); returns the final status. */
static cci_source_status drain(cci_source *source, char *out, size_t cap, unsigned long *lines)
{
    cci_piece piece;
    cci_source_status status;
    size_t used = 0;
    *lines = 0;
    while ((status = cci_source_next(source, &piece)) == CCI_SOURCE_PIECE) {
        ck_assert(used + piece.len < cap);
        memcpy(out + used, piece.text, piece.len);
        used += piece.len;
        if (piece.ends_line) *lines = piece.line;
    }
    out[used] = '\0';
    return status;
}

#define BYTES(s) s, sizeof(s) - 1

START_TEST(utf16_le_and_be_are_recognised_by_their_bom)
{
    const char le[] = "\xFF\xFE" "u\0i\0d\0\t\0n\0\n\0" "\xE9\0\t\0\x3D\xD8\x00\xDE\n\0";
    const char be[] = "\xFE\xFF" "\0u\0i\0d\0\t\0n\0\n" "\0\xE9\0\t\xD8\x3D\xDE\x00\0\n";
    const char *inputs[] = {le, be};
    const char *names[] = {"UTF-16LE", "UTF-16BE"};
    for (int i = 0; i < 2; i++) {
        char err[256], out[256];
        FILE *file = memory(inputs[i], sizeof le - 1);
        cci_source *source;
        ck_assert_int_eq(cci_source_new(&source, file, NULL, err, sizeof err), CCI_OK);
        unsigned long lines;
        ck_assert_int_eq(drain(source, out, sizeof out, &lines), CCI_SOURCE_END);
        ck_assert_str_eq(out, "uid\tn\n\xC3\xA9\t\xF0\x9F\x98\x80\n"); /* é and U+1F600 */
        ck_assert_uint_eq(lines, 2);
        ck_assert_str_eq(cci_source_encoding(source)->name, names[i]);
        ck_assert(cci_source_encoding(source)->bom);
        cci_source_free(source);
        fclose(file);
    }
}
END_TEST

START_TEST(a_bom_wins_over_a_named_encoding)
{
    char err[256], out[64];
    FILE *file = memory(BYTES("\xEF\xBB\xBFuid\n"));
    cci_source *source;
    ck_assert_int_eq(cci_source_new(&source, file, "windows-1252", err, sizeof err), CCI_OK);
    unsigned long lines;
    ck_assert_int_eq(drain(source, out, sizeof out, &lines), CCI_SOURCE_END);
    ck_assert_str_eq(out, "uid\n");
    ck_assert_str_eq(cci_source_encoding(source)->name, "UTF-8");
    cci_source_free(source);
    fclose(file);
}
END_TEST

START_TEST(windows_1252_is_transcoded_when_named)
{
    char err[256], out[64];
    FILE *file = memory(BYTES("uid;name\r\nrenee;Ren\xE9" "e \x80\r\n"));
    cci_source *source;
    ck_assert_int_eq(cci_source_new(&source, file, "windows-1252", err, sizeof err), CCI_OK);
    ck_assert_ptr_nonnull(source);
    unsigned long lines;
    ck_assert_int_eq(drain(source, out, sizeof out, &lines), CCI_SOURCE_END);
    ck_assert_str_eq(out, "uid;name\r\nrenee;Ren\xC3\xA9" "e \xE2\x82\xAC\r\n"); /* é and € */
    ck_assert_int_eq(cci_source_encoding(source)->line_end, CCI_LINE_END_CRLF);
    ck_assert(!cci_source_encoding(source)->bom);
    cci_source_free(source);
    fclose(file);
}
END_TEST

START_TEST(invalid_utf8_names_its_line_and_gives_a_hint)
{
    char err[256], out[256];
    FILE *file = memory(BYTES("uid,name\na,Ana\nb,Ren\xE9" "e\nc,C\n"));
    cci_source *source;
    ck_assert_int_eq(cci_source_new(&source, file, NULL, err, sizeof err), CCI_OK);
    unsigned long lines;
    ck_assert_int_eq(drain(source, out, sizeof out, &lines), CCI_SOURCE_ERROR);
    ck_assert_msg(strstr(cci_source_error(source), "line 3: bytes that are not valid UTF-8 (0xE9"),
                  "%s", cci_source_error(source));
    ck_assert_ptr_nonnull(strstr(cci_source_error(source), "--encoding windows-1252"));
    ck_assert_int_eq(cci_source_error_status(source), CCI_INVALID);
    ck_assert_str_eq(out, "uid,name\na,Ana\nb,Ren"); /* everything before the bad bytes */
    cci_source_free(source);
    fclose(file);
}
END_TEST

/* A workbook saved instead of a CSV is named by its first bytes, with the way out, and stays
 * refused however often it is read (an early bug read on for ever). */
START_TEST(a_workbook_is_named_by_its_first_bytes)
{
    static const char xls[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest";
    static const char xlsx[] = "PK\x03\x04\x14\x00\x06\x00[Content_Types].xml";
    /* a ZIP's first local header is 30 bytes; OpenDocument puts its "mimetype" entry first, stored */
    static const char type[] = "mimetypeapplication/vnd.oasis.opendocument.spreadsheet";
    char ods[30 + sizeof type - 1] = "PK\x03\x04";
    memcpy(ods + 30, type, sizeof type - 1);
    const char *inputs[] = {xls, xlsx, ods};
    const size_t lens[] = {sizeof xls - 1, sizeof xlsx - 1, sizeof ods};
    const char *kinds[] = {"(.xls)", "(.xlsx)", "(.ods)"};
    for (int i = 0; i < 3; i++) {
        char err[256], out[64];
        FILE *file = memory(inputs[i], lens[i]);
        cci_source *source;
        ck_assert_int_eq(cci_source_new(&source, file, NULL, err, sizeof err), CCI_OK);
        unsigned long lines;
        ck_assert_int_eq(drain(source, out, sizeof out, &lines), CCI_SOURCE_ERROR);
        ck_assert_int_eq(drain(source, out, sizeof out, &lines), CCI_SOURCE_ERROR);
        ck_assert_msg(strstr(cci_source_error(source), kinds[i]), "%s", cci_source_error(source));
        ck_assert_ptr_nonnull(strstr(cci_source_error(source), "CSV UTF-8 (Comma delimited)"));
        cci_source_free(source);
        fclose(file);
    }
}
END_TEST

START_TEST(an_unknown_encoding_is_refused_at_once)
{
    char err[256];
    FILE *file = memory(BYTES("uid\n"));
    cci_source *source;
    ck_assert_int_eq(cci_source_new(&source, file, "klingon-8", err, sizeof err), CCI_INVALID);
    ck_assert_ptr_null(source);
    ck_assert_ptr_nonnull(strstr(err, "unknown encoding \"klingon-8\""));
    fclose(file);
}
END_TEST

START_TEST(lines_are_counted_across_cr_lf_and_crlf)
{
    char err[256], out[64];
    FILE *file = memory(BYTES("a\rb\r\nc\nd\r\r\ne"));
    cci_source *source;
    ck_assert_int_eq(cci_source_new(&source, file, NULL, err, sizeof err), CCI_OK);
    cci_piece piece;
    unsigned long expected_lines[] = {1, 2, 3, 4, 5, 6};
    const char *expected_text[] = {"a\r", "b\r\n", "c\n", "d\r", "\r\n", "e"};
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(cci_source_next(source, &piece), CCI_SOURCE_PIECE);
        ck_assert_uint_eq(piece.line, expected_lines[i]);
        snprintf(out, sizeof out, "%.*s", (int)piece.len, piece.text);
        ck_assert_str_eq(out, expected_text[i]);
    }
    ck_assert_int_eq(cci_source_next(source, &piece), CCI_SOURCE_END);
    ck_assert_int_eq(cci_source_encoding(source)->line_end, CCI_LINE_END_CR);
    cci_source_free(source);
    fclose(file);
}
END_TEST

START_TEST(a_crlf_split_by_the_buffer_counts_once)
{
    /* fill the 64 KiB buffer so the CR is its last byte and the LF comes with the next read */
    size_t len = 64 * 1024 + 16;
    char *text = malloc(len);
    memset(text, 'x', len);
    text[64 * 1024 - 1] = '\r';
    text[64 * 1024] = '\n';
    text[len - 1] = '\n';
    char err[256];
    FILE *file = memory(text, len);
    cci_source *source;
    ck_assert_int_eq(cci_source_new(&source, file, NULL, err, sizeof err), CCI_OK);
    cci_piece piece;
    unsigned long last_line = 0, line_ends = 0;
    while (cci_source_next(source, &piece) == CCI_SOURCE_PIECE) {
        if (piece.ends_line && piece.line != last_line) line_ends++;
        if (piece.ends_line) last_line = piece.line;
    }
    ck_assert_uint_eq(line_ends, 2);
    ck_assert_uint_eq(last_line, 2);
    cci_source_free(source);
    fclose(file);
    free(text);
}
END_TEST

START_TEST(utf16_files_read_as_tab_separated_records)
{
    /* Excel's "Unicode Text": UTF-16LE with BOM, TAB-separated, CRLF */
    const char bytes[] = "\xFF\xFE" "u\0i\0d\0\t\0n\0a\0m\0e\0\r\0\n\0" "z\0\t\0\"\0a\0\n\0b\0\"\0\r\0\n\0";
    FILE *file = memory(bytes, sizeof bytes - 1);
    char err[256];
    cci_csv_reader *reader;
    ck_assert_int_eq(cci_csv_reader_new(&reader, file, 0, NULL, err, sizeof err), CCI_OK);
    cci_record r;
    ck_assert_int_eq(cci_csv_reader_next(reader, &r), CCI_READ_RECORD);
    ck_assert_uint_eq(r.count, 2);
    ck_assert_int_eq(cci_csv_reader_next(reader, &r), CCI_READ_RECORD);
    ck_assert_str_eq(r.cells[1].text, "a\nb");
    ck_assert_int_eq(cci_csv_reader_next(reader, &r), CCI_READ_END);
    cci_dialect dialect = cci_csv_reader_dialect(reader);
    ck_assert_int_eq(dialect.delimiter, '\t');
    ck_assert_str_eq(dialect.encoding.name, "UTF-16LE");
    ck_assert_int_eq(dialect.encoding.line_end, CCI_LINE_END_CRLF);
    cci_csv_reader_free(reader);
    fclose(file);
}
END_TEST

/* A pipe whose writer keeps it open and silent (a stalled export, a terminal left open): once the
 * run stops, what came is read and the input ends, instead of a wait for the writer. */
START_TEST(a_pipe_held_open_ends_at_the_runs_stop)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    const char *rows = "uid,name\nu1,One\n";
    ck_assert_int_eq(write(fds[1], rows, strlen(rows)), (ssize_t)strlen(rows));
    FILE *file = fdopen(fds[0], "rb");
    char err[256];
    cci_source *source;
    ck_assert_int_eq(cci_source_new(&source, file, NULL, err, sizeof err), CCI_OK);
    ck_assert_ptr_nonnull(source);
    cci_stop *stop = cci_stop_new();
    cci_source_stop_on(source, stop);
    cci_stop_request(stop, CCI_STOP_INTERRUPTED, "interrupted");
    char text[64];
    unsigned long lines;
    /* stdio would wait for 32 KiB or the end, which the writer never sends: the test would hang */
    ck_assert_int_eq(drain(source, text, sizeof text, &lines), CCI_SOURCE_END);
    ck_assert_str_eq(text, rows);
    ck_assert_uint_eq(lines, 2);
    cci_source_free(source);
    cci_stop_free(stop);
    fclose(file);
    close(fds[1]);
}
END_TEST

/* A reader of rows written into a pipe whose writer stays open, the run stopped already. */
typedef struct stopped_pipe {
    int fds[2];
    FILE *file;
    cci_stop *stop;
    cci_csv_reader *reader;
} stopped_pipe;

static void stopped_pipe_open(stopped_pipe *pipe_in, const char *rows)
{
    ck_assert_int_eq(pipe(pipe_in->fds), 0);
    ck_assert_int_eq(write(pipe_in->fds[1], rows, strlen(rows)), (ssize_t)strlen(rows));
    pipe_in->file = fdopen(pipe_in->fds[0], "rb");
    char err[256];
    ck_assert_int_eq(cci_csv_reader_new(&pipe_in->reader, pipe_in->file, ',', NULL, err, sizeof err), CCI_OK);
    pipe_in->stop = cci_stop_new();
    cci_csv_reader_stop_on(pipe_in->reader, pipe_in->stop);
    cci_stop_request(pipe_in->stop, CCI_STOP_INTERRUPTED, "interrupted");
}

static void stopped_pipe_close(stopped_pipe *pipe_in)
{
    cci_csv_reader_free(pipe_in->reader);
    cci_stop_free(pipe_in->stop);
    fclose(pipe_in->file);
    close(pipe_in->fds[1]);
}

/* The run stops while a record comes through a pipe: the record cut short is not read (its cells
 * would say the row is broken, its uid may be cut); the whole records before it are. */
START_TEST(a_record_cut_short_by_the_runs_stop_is_not_read)
{
    stopped_pipe in;
    stopped_pipe_open(&in, "uid,name,role\nu1,One,admin\nu2,Tw");
    cci_record record;
    ck_assert_int_eq(cci_csv_reader_next(in.reader, &record), CCI_READ_RECORD); /* the header */
    ck_assert_int_eq(cci_csv_reader_next(in.reader, &record), CCI_READ_RECORD);
    ck_assert_uint_eq(record.count, 3);
    ck_assert_str_eq(record.cells[0].text, "u1");
    ck_assert_int_eq(cci_csv_reader_next(in.reader, &record), CCI_READ_END);
    stopped_pipe_close(&in);
}
END_TEST

/* Nor is one the stop cut inside a character: no "the file ends in the middle of a character". */
START_TEST(a_character_cut_by_the_runs_stop_is_no_error)
{
    stopped_pipe in;
    stopped_pipe_open(&in, "uid,name\nu1,One\nu2,Ch\xc3");
    cci_record record;
    ck_assert_int_eq(cci_csv_reader_next(in.reader, &record), CCI_READ_RECORD); /* the header */
    ck_assert_int_eq(cci_csv_reader_next(in.reader, &record), CCI_READ_RECORD);
    ck_assert_str_eq(record.cells[0].text, "u1");
    ck_assert_int_eq(cci_csv_reader_next(in.reader, &record), CCI_READ_END);
    stopped_pipe_close(&in);
}
END_TEST

/* A read-once input (standard input, a FIFO) longer than the read buffer is read to its end: a
 * full buffer once made a read of 0 bytes, taken for the end, and the rest was silently lost. */
START_TEST(a_read_once_input_is_read_past_the_buffer)
{
    enum { LINES = 20000 };
    FILE *file = tmpfile();
    ck_assert_ptr_nonnull(file);
    for (int i = 0; i < LINES; i++) fprintf(file, "s%07d,Name %d with some text to make it longer\n", i, i);
    long size = ftell(file);
    rewind(file);
    char err[256];
    cci_source *source;
    ck_assert_int_eq(cci_source_new(&source, file, NULL, err, sizeof err), CCI_OK);
    cci_stop *stop = cci_stop_new();
    cci_source_stop_on(source, stop); /* read by descriptor, as standard input is */
    char *text = malloc((size_t)size + 1);
    unsigned long lines;
    ck_assert_int_eq(drain(source, text, (size_t)size + 1, &lines), CCI_SOURCE_END);
    ck_assert_uint_eq(strlen(text), (size_t)size);
    ck_assert_uint_eq(lines, LINES);
    free(text);
    cci_source_free(source);
    cci_stop_free(stop);
    fclose(file);
}
END_TEST

static Suite *source_suite(void)
{
    Suite *suite = suite_create("source");
    TCase *tc = tcase_create("decoding");
    tcase_add_test(tc, utf16_le_and_be_are_recognised_by_their_bom);
    tcase_add_test(tc, a_pipe_held_open_ends_at_the_runs_stop);
    tcase_add_test(tc, a_record_cut_short_by_the_runs_stop_is_not_read);
    tcase_add_test(tc, a_character_cut_by_the_runs_stop_is_no_error);
    tcase_add_test(tc, a_read_once_input_is_read_past_the_buffer);
    tcase_add_test(tc, a_bom_wins_over_a_named_encoding);
    tcase_add_test(tc, windows_1252_is_transcoded_when_named);
    tcase_add_test(tc, invalid_utf8_names_its_line_and_gives_a_hint);
    tcase_add_test(tc, an_unknown_encoding_is_refused_at_once);
    tcase_add_test(tc, a_workbook_is_named_by_its_first_bytes);
    tcase_add_test(tc, lines_are_counted_across_cr_lf_and_crlf);
    tcase_add_test(tc, a_crlf_split_by_the_buffer_counts_once);
    tcase_add_test(tc, utf16_files_read_as_tab_separated_records);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(source_suite)
