#include "cci/input.h"

#include <errno.h>
#include <string.h>

bool cci_input_open(cci_input *input, const cci_input_spec *spec, char *err, size_t errlen)
{
    *input = (cci_input){0};
    if (strcmp(spec->path, "-") == 0) {
        input->file = stdin;
    } else if (!(input->file = fopen(spec->path, "rb"))) {
        snprintf(err, errlen, "cannot open %s: %s", spec->path, strerror(errno));
        return false;
    }
    input->reader = cci_csv_reader_new(input->file, spec->delimiter, spec->encoding, err, errlen);
    return input->reader != NULL;
}

void cci_input_close(cci_input *input)
{
    cci_csv_reader_free(input->reader);
    if (input->file && input->file != stdin) fclose(input->file);
    *input = (cci_input){0};
}

bool cci_input_header(cci_input *input, const cci_input_spec *spec, cci_record *header,
                      cci_mapping *mapping, char *err, size_t errlen)
{
    cci_read_status read = cci_csv_reader_next(input->reader, header);
    if (read != CCI_READ_RECORD) {
        snprintf(err, errlen, "%s: %s; nothing was sent", spec->path,
                 read == CCI_READ_ERROR ? cci_csv_reader_error(input->reader)
                                        : "empty: it needs a header line naming the columns");
        return false;
    }
    char why[512];
    if (!cci_mapping_init(mapping, header, spec->maps, spec->map_count, spec->name_required, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", spec->path, why);
        return false;
    }
    return true;
}

long cci_input_preflight(const cci_input_spec *spec, char *err, size_t errlen)
{
    cci_input input;
    if (!cci_input_open(&input, spec, err, errlen)) return -1;
    cci_record record;
    cci_mapping mapping = {0};
    long rows = -1;
    if (cci_input_header(&input, spec, &record, &mapping, err, errlen)) {
        cci_read_status status;
        rows = 0;
        while ((status = cci_csv_reader_next(input.reader, &record)) == CCI_READ_RECORD) rows++;
        if (status == CCI_READ_ERROR) {
            snprintf(err, errlen, "%s: %s; nothing was sent", spec->path, cci_csv_reader_error(input.reader));
            rows = -1;
        }
    }
    cci_mapping_cleanup(&mapping);
    cci_input_close(&input);
    return rows;
}

bool cci_record_is_empty(const cci_record *record)
{
    for (size_t i = 0; i < record->count; i++)
        for (size_t j = 0; j < record->cells[i].len; j++)
            if (!strchr(" \t\r\n", record->cells[i].text[j])) return false;
    return true;
}
