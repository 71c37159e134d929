/* The limit of local work: how fast libcsv alone parses a file (strict mode, a callback that
 * only counts), against which the tool's dry run is measured. Prints rows/s.
 * Usage: csv_raw FILE [DELIMITER] */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct counts {
    unsigned long cells, records;
    size_t bytes;
} counts;

static void on_cell(void *data, size_t len, void *ctx)
{
    (void)data;
    counts *c = ctx;
    c->cells++;
    c->bytes += len;
}

static void on_record(int terminator, void *ctx)
{
    (void)terminator;
    ((counts *)ctx)->records++;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: csv_raw FILE [DELIMITER]\n");
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) {
        perror(argv[1]);
        return 2;
    }
    struct csv_parser parser;
    csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI);
    if (argc > 2) csv_set_delim(&parser, (unsigned char)argv[2][0]);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    counts c = {0};
    static char buffer[1 << 16];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, file)) > 0)
        if (csv_parse(&parser, buffer, got, on_cell, on_record, &c) != got) {
            fprintf(stderr, "parse error: %s\n", csv_strerror(csv_error(&parser)));
            return 1;
        }
    csv_fini(&parser, on_cell, on_record, &c);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    unsigned long rows = c.records ? c.records - 1 : 0; /* the header is no row */
    printf("%lu rows in %.3f s: %.0f rows/s\n", rows, seconds, (double)rows / seconds);
    csv_free(&parser);
    fclose(file);
    return 0;
}
