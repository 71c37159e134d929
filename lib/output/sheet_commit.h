/* An output written as CSV and committed as an Excel workbook (.xlsx) when its name asks for one.
 *
 * The rows go to PATH.partial as CSV while the run writes them (each line whole, so a run killed
 * or stopped leaves what it wrote readable there, as a CSV output does); committing turns them
 * into a workbook of one sheet with libxlsxwriter and renames it into place. Every cell is a text
 * cell: an id keeps its zeros and a long number its digits, and no text is ever run as a formula.
 * Who waits: nothing; it runs on the thread that closes the output.
 * Thread-safety: an output is used by one thread at a time. */
#ifndef CCI_SHEET_COMMIT_H
#define CCI_SHEET_COMMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "cci/util/outfile.h"
#include "cci/util/status.h"

/* cci_outfile_commit for an output whose partial file holds CSV (comma-separated, UTF-8): its
 * rows become the sheet sheet_name of a workbook at the output's path. When they cannot (a row
 * past 1,048,576, a cell past 32,767 characters, bytes that are not UTF-8, which a workbook cannot
 * hold), nothing is renamed, the partial file keeps the CSV and err says so: CCI_INVALID; else
 * cci_outfile_commit's codes. */
cci_status cci_sheet_commit(cci_outfile *out, const char *sheet_name, bool keep_previous, char *kept, size_t kept_len,
                            char *err, size_t errlen);

#endif
