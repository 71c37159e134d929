/* The per-row report and the rejects file.
 *
 * The report has one line per input record, in input order: line, uid, action, http_status,
 * error_code, message, attempts. Cells starting with = + - @ are neutralised with a leading '
 * so a spreadsheet never runs them as formulas. The rejects file holds the original cells of every
 * row that ended invalid or failed, plus an "error" column, in the input's dialect, ready to fix
 * and feed back. Both are written beside their final names and renamed into place when the run
 * ends (cci/outfile.h): a killed run leaves the earlier files as they were. Neither silently
 * replaces an earlier one: the earlier is kept, numbered.
 * Thread-safety: a writer is used by one thread at a time. */
#ifndef CCI_REPORT_H
#define CCI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cci/read/csv_reader.h"
#include "cci/util/outcome.h"
#include "cci/util/outfile.h"
#include "cci/util/status.h"

/* A record's cells, copied so they outlive the reader. One allocation; free() releases it. */
typedef struct cci_saved_row {
    size_t count;
    cci_cell cells[]; /* texts follow the array */
} cci_saved_row;

cci_saved_row *cci_saved_row_new(const cci_record *record);

/* Formats one CSV cell into dest (size bytes) as cci_write_cell writes it; returns the bytes it
 * takes, at most 2 * len + 3, and writes them only when they fit. */
size_t cci_cell_format(char *dest, size_t size, const char *text, size_t len, char delimiter, bool neutralise);

/* Writes one CSV cell: quoted (by libcsv) when it holds the delimiter, a quote, a line break or
 * edge spaces; neutralised when asked and it starts like a formula. */
bool cci_write_cell(FILE *file, const char *text, size_t len, char delimiter, bool neutralise);

/* Whether an output's path asks for a workbook (report.xlsx, rejects.xlsx): it ends in ".xlsx", in
 * any letter case. Such a report or rejects file is written as CSV while the run goes on and
 * committed as a workbook of one sheet, every cell text (output/sheet_commit.h). */
bool cci_path_is_xlsx(const char *path);

typedef struct cci_report cci_report;

/* Creates PATH.partial, writes the header and puts the report in *opened. Otherwise *opened is
 * NULL, err says why, and the code is cci_outfile_open's (CCI_REFUSED, CCI_IO) or CCI_NOMEM. */
cci_status cci_report_open(cci_report **opened, const char *path, char *err, size_t errlen);

/* The report's header (verify.csv and --plan's report share it), without its line end. */
#define CCI_REPORT_HEADER "line,uid,action,http_status,error_code,message,attempts"

/* The header of the uid lists the tool writes (pruned.csv, plan.absent.csv), without its line end. */
#define CCI_UID_LIST_HEADER "uid,name"

/* Whether a header line (without its line end) is exactly one the tool writes: a report's or a
 * uid list's. Such a file fed back as input is read as the tool wrote it, by its own header: the
 * settings' maps, encoding and delimiter are not applied, and its other columns are no mistake. */
bool cci_report_is_tools_header(const char *line, size_t len);
/* Lines are written together, in batches of whole lines (1 MiB, or one longer line), by a thread
 * of the report's own while the next batch fills, instead of flushed one by one: for a run that
 * keeps no journal (a dry run), which no record waits on. Call before the first line. */
void cci_report_flush_in_batches(cci_report *report);
/* Every line written so far reaches the kernel before this returns (the batches end: lines after
 * are flushed one by one). False when one could not be written: cci_report_error says why, and
 * no line is written after it. So a run can know, before it concludes, that its report is whole. */
bool cci_report_settle(cci_report *report);
/* Writes one line, flushed at once unless in batches; false on a write error (cci_report_error
 * says which). */
bool cci_report_write(cci_report *report, const cci_outcome *outcome);
/* The same line with another word in the action column (--verify's `repaired`, `differs`). */
bool cci_report_write_as(cci_report *report, const cci_outcome *outcome, const char *action);
/* "cannot write PATH: REASON" for the first write error. */
void cci_report_error(const cci_report *report, char *err, size_t errlen);
/* Keeps any earlier report aside (its name in kept) and renames this one into place. When anything
 * could not be written, err says why and the code is CCI_IO (CCI_NOMEM when memory ran out); the
 * earlier report then stays. CCI_OK on NULL. */
cci_status cci_report_close(cci_report *report, char *kept, size_t kept_len, char *err, size_t errlen);
/* For a run that never started: removes this run's file, leaving any earlier report. */
void cci_report_discard(cci_report *report);

typedef struct cci_rejects cci_rejects;

/* Creates PATH.partial now (so an unwritable path is found before anything is sent); the header
 * is written with the first row: header's cells plus "error", in the input's dialect: its
 * delimiter, "sep=" line, line ends, byte order mark and encoding (or `encoding` when not NULL).
 * Into *made; otherwise *made is NULL, err says why, and the code is CCI_INVALID (an encoding
 * iconv cannot write), CCI_NOMEM, or cci_outfile_open's (CCI_REFUSED, CCI_IO). */
cci_status cci_rejects_new(cci_rejects **made, const char *path, const cci_dialect *dialect, const char *encoding,
                           const cci_record *header, char *err, size_t errlen);
bool cci_rejects_write(cci_rejects *rejects, const cci_saved_row *row, const char *error);
/* Rows written so far. */
unsigned long cci_rejects_count(const cci_rejects *rejects);
/* "cannot write PATH: REASON" for the first write error. */
void cci_rejects_error(const cci_rejects *rejects, char *err, size_t errlen);
/* When this one holds rows: keeps any earlier rejects file aside (its name in kept) and renames
 * this one into place. When not: removes it and leaves an earlier rejects file as it is (it may be
 * the one being fixed, or just fed back). Otherwise err says why and the code is CCI_IO (a row or
 * the file could not be written: what could be stays in PATH.partial, named in err) or CCI_NOMEM.
 * CCI_OK on NULL. */
cci_status cci_rejects_close(cci_rejects *rejects, char *kept, size_t kept_len, char *err, size_t errlen);
/* For a run that never started: removes this run's file, leaving any earlier one. */
void cci_rejects_discard(cci_rejects *rejects);

#endif
