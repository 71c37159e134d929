/* The input file of a run: opened, its header read into a mapping, and, before anything is sent,
 * read through once (the preflight) so that nothing is sent unless the whole of it reads and
 * decodes.
 * Thread-safety: an input is used by one thread at a time. */
#ifndef CCI_INPUT_H
#define CCI_INPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "cci/csv_reader.h"
#include "cci/mapping.h"

typedef struct cci_input_spec {
    const char *path;           /* "-" for standard input */
    char delimiter;             /* 0: detect */
    const char *encoding;       /* NULL: UTF-8, or UTF-16 by byte order mark */
    const cci_column_map *maps; /* --map overrides */
    size_t map_count;
    bool name_required;         /* false for --mode update */
} cci_input_spec;

typedef struct cci_input {
    FILE *file;
    cci_csv_reader *reader;
} cci_input;

/* Opens the file (or takes standard input) and starts its reader. False with a reason in err. */
bool cci_input_open(cci_input *input, const cci_input_spec *spec, char *err, size_t errlen);
/* Safe on an input that never opened. */
void cci_input_close(cci_input *input);

/* Reads the header line into header (valid until the next read) and builds mapping from it.
 * False with a reason naming the file in err; mapping then needs no cleanup. */
bool cci_input_header(cci_input *input, const cci_input_spec *spec, cci_record *header,
                      cci_mapping *mapping, char *err, size_t errlen);

/* Reads the whole file once: the header maps and every line parses and decodes. Returns the
 * number of records after the header, or -1 with a reason in err. */
long cci_input_preflight(const cci_input_spec *spec, char *err, size_t errlen);

/* True when every cell holds only spaces, tabs and line ends: such a row is no user. */
bool cci_record_is_empty(const cci_record *record);

#endif
