/* The per-row report and the rejects file.
 *
 * The report has one line per input record, in input order: line, uid, action, http_status,
 * error_code, message, attempts. Cells starting with = + - @ are neutralised with a leading '
 * so a spreadsheet never runs them as formulas. The rejects file holds the original cells of every
 * row that ended invalid or failed, plus an "error" column, in the input's dialect, ready to fix
 * and feed back. Neither file silently replaces an earlier one: the earlier is kept, numbered.
 * Thread-safety: a writer is used by one thread at a time. */
#ifndef CCI_REPORT_H
#define CCI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cci/csv_reader.h"
#include "cci/outcome.h"

/* A record's cells, copied so they outlive the reader. One allocation; free() releases it. */
typedef struct cci_saved_row {
    size_t count;
    cci_cell cells[]; /* texts follow the array */
} cci_saved_row;

cci_saved_row *cci_saved_row_new(const cci_record *record);

/* If path exists, renames it to the first free "STEM.N.EXT" (users.report.csv ->
 * users.report.1.csv) and writes that name into kept; kept is "" when nothing was there.
 * Returns false, with errno set, when the rename fails. */
bool cci_keep_previous(const char *path, char *kept, size_t kept_len);

/* Writes one CSV cell: quoted (by libcsv) when it holds the delimiter, a quote, a line break or
 * edge spaces; neutralised when asked and it starts like a formula. */
bool cci_write_cell(FILE *file, const char *text, size_t len, char delimiter, bool neutralise);

typedef struct cci_report cci_report;

/* Keeps any earlier file, creates path and writes the header. NULL with a reason in err. */
cci_report *cci_report_open(const char *path, char *kept, size_t kept_len, char *err, size_t errlen);
bool cci_report_write(cci_report *report, const cci_outcome *outcome);
/* Flushes and closes; false when anything could not be written. */
bool cci_report_close(cci_report *report);

typedef struct cci_rejects cci_rejects;

/* Keeps any earlier rejects file now; the new one is created at the first row written, with
 * header's cells plus "error", written in the input's dialect: its delimiter, "sep=" line, line
 * ends, byte order mark and encoding (or `encoding` when not NULL). NULL with a reason in err. */
cci_rejects *cci_rejects_new(const char *path, const cci_dialect *dialect, const char *encoding,
                             const cci_record *header, char *kept, size_t kept_len, char *err,
                             size_t errlen);
bool cci_rejects_write(cci_rejects *rejects, const cci_saved_row *row, const char *error);
/* Rows written so far. */
unsigned long cci_rejects_count(const cci_rejects *rejects);
bool cci_rejects_close(cci_rejects *rejects);

#endif
