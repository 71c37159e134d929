/* A workbook cell as the person typed it, as text for the row pipeline: numbers in full and
 * without an exponent (an integer-valued number as its digits), dates as ISO 8601 where the cell's
 * format is a date, booleans as TRUE and FALSE.
 * Thread-safety: pure. */
#ifndef CCI_WORKBOOK_CELLS_H
#define CCI_WORKBOOK_CELLS_H

#include <stdbool.h>
#include <stddef.h>

enum { CCI_CELL_NUMBER_MAX = 400 }; /* room for any double written out in full */

/* A stored number ("123456789012", "1.23456789012E+11", "0.5") written out in full into out:
 * digits without an exponent, an integer-valued number without a fraction. False when text is
 * no number (then out holds text as it is). */
bool cci_cell_number(const char *text, char *out, size_t len);

/* Whether a number format's code shows a date or a time ("yyyy-mm-dd", "m/d/yy h:mm", "[$-409]d
 * mmm"), and not a number, a percentage or an elapsed duration ("[h]:mm"). */
bool cci_cell_format_is_date(const char *code);

/* Whether a built-in number format (an xlsx numFmtId with no code of its own) is a date's. */
bool cci_cell_builtin_is_date(unsigned id);

/* A date serial (days since the workbook's epoch, the fraction the time of day) as ISO 8601:
 * "2021-03-04" at midnight, "2021-03-04T13:05:00" otherwise. date1904: the Mac epoch. False for a
 * serial outside years 1900..9999. */
bool cci_cell_date(double serial, bool date1904, char *out, size_t len);

/* Office Open XML's escapes in a text ("_x000D_" for a carriage return, "_x005F_" for a '_' that
 * would start one) decoded in place; the new length (text NUL-terminated there when shorter).
 * "_x0000_" and half a surrogate pair stay as written. */
size_t cci_cell_unescape(char *text, size_t len);

/* text with each '_' that would start such an escape written as one ("_x005F_"), and each
 * character XML cannot hold as its escape ("_x0001_", "_x000D_", "_xFFFF_"), so a workbook reader gives it
 * back as it is: into *escaped, malloc'd and NUL-terminated with its length in
 * *escaped_len; *escaped is NULL when text needs none. False when memory ran out. */
bool cci_cell_escaped(const char *text, size_t len, char **escaped, size_t *escaped_len);

/* A sheet's name made safe to say on one line: control characters (a line break, an escape that
 * would steer a terminal) become '?'. In place. */
void cci_sheet_name_clean(char *name);

#endif
