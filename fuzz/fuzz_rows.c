/* libFuzzer target over everything a row goes through before the network: decoding, the CSV
 * reader, the header mapping, validation, the payload and its fingerprint, and the CSV writer of
 * the report and rejects; and the create body a dry run writes straight from the cells, held to the
 * payload's text (any row it takes must be valid and print the same).
 *
 * Input: one byte choosing the encoding (as --encoding would), then the file's bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cci/read/csv_reader.h"
#include "cci/util/fingerprint.h"
#include "cci/rules/mapping.h"
#include "cci/output/report.h"
#include "rules/body_text.h"
#include "rules/user.h"

static const char *const encodings[] = {NULL, "windows-1252", "UTF-16LE", "ISO-8859-15"};

/* Writes every cell of record the way the report and rejects do, to a throwaway stream. */
static void write_back(const cci_record *record, char delimiter)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) return;
    for (size_t i = 0; i < record->count; i++) {
        cci_write_cell(out, record->cells[i].text, record->cells[i].len, delimiter, i % 2 == 0);
        fputc(delimiter, out);
    }
    fclose(out);
    free(text);
}

/* The body written from the cells, when the writer takes the row, is the built user's body. */
static void check_written(const cci_body_shape *shape, const cci_record *record, bool valid, const cci_user *user)
{
    static const char before[] = "dry run: ";
    char *written = shape ? malloc(cci_body_bound(shape, record, sizeof before - 1)) : NULL;
    cci_written_row row;
    if (written && cci_body_write(shape, record, before, written, &row)) {
        char *expected = valid ? cci_user_body_after(user, true, before) : NULL;
        if (!valid || (expected && (strcmp(expected, written) != 0 || row.len != strlen(expected))) ||
            strcmp(row.uid, user->uid) != 0 || row.created_at != user->created_at ||
            row.last_active_at != user->last_active_at)
            abort();
        free(expected);
    }
    free(written);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *encoding = encodings[data[0] % (sizeof encodings / sizeof *encodings)];
    FILE *file = fmemopen((void *)(data + 1), size - 1 ? size - 1 : 1, "rb");
    if (!file) return 0;
    if (size == 1) fseek(file, 0, SEEK_END); /* fmemopen needs a buffer: read nothing */
    char err[512] = "";
    cci_csv_reader *reader;
    /* every failure says why beside its code */
    if (cci_csv_reader_new(&reader, file, 0, encoding, err, sizeof err) != CCI_OK && (reader || !err[0])) abort();
    cci_record record;
    cci_mapping mapping = {0};
    bool mapped = false;
    if (reader && cci_csv_reader_next(reader, &record) == CCI_READ_RECORD) {
        err[0] = '\0';
        mapped = cci_mapping_init(&mapping, &record, NULL, 0, data[0] & 4, err, sizeof err) == CCI_OK;
        if (!mapped && !err[0]) abort();
        /* createdAt and lastActiveAt columns: in every day and month order */
        mapping.date_rules = (cci_date_rules){.order = (cci_date_order)((data[0] >> 3) % 3), .now = 1795000000};
        write_back(&record, cci_csv_reader_dialect(reader).delimiter);
    }
    /* the writer is for creates, whose name is required */
    cci_body_shape *shape = mapped && (data[0] & 4) ? cci_body_shape_new(&mapping) : NULL;
    while (mapped && cci_csv_reader_next(reader, &record) == CCI_READ_RECORD) {
        char problems[2048];
        cci_user user;
        bool valid = cci_user_build(&user, &mapping, &record, data[0] & 4, problems, sizeof problems);
        check_written(shape, &record, valid && !user.out_of_memory, &user);
        if (valid) {
            char fingerprint[CCI_FINGERPRINT_LEN + 1];
            cci_fingerprint(user.fields, fingerprint);
            free(cci_user_body(&user, true));
            free(cci_user_body(&user, false));
        }
        cci_user_cleanup(&user);
        write_back(&record, ',');
    }
    cci_body_shape_free(shape);
    if (mapped) cci_mapping_cleanup(&mapping);
    cci_csv_reader_free(reader);
    fclose(file);
    return 0;
}
