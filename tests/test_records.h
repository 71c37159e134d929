/* Builds cci_record values from string literals for unit tests. */
#ifndef TEST_RECORDS_H
#define TEST_RECORDS_H

#include <stdarg.h>
#include <string.h>

#include "cci/read/csv_reader.h"

typedef struct test_record {
    cci_record record;
    cci_cell cells[64];
} test_record;

/* The cells are the NULL-terminated list of strings after line. */
static inline test_record *make_record(test_record *r, unsigned long line, ...)
{
    va_list ap;
    va_start(ap, line);
    size_t n = 0;
    for (const char *cell; n < 64 && (cell = va_arg(ap, const char *));) r->cells[n++] = (cci_cell){cell, strlen(cell)};
    va_end(ap);
    r->record = (cci_record){.line = line, .count = n, .cells = r->cells};
    return r;
}

#define RECORD(r, line, ...) (&make_record(&(r), (line), __VA_ARGS__, (const char *)NULL)->record)

#endif
