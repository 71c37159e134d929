/* The dates of createdAt and lastActiveAt cells, read as Unix seconds (what CometChat's Data
 * Import takes), from the forms exports hold:
 * - Unix seconds: "1614834367";
 * - ISO 8601 dates and date-times, T or a space between: "2021-03-04", "2021-03-04T05:06:07Z",
 *   "2021-03-04 05:06", "2021-03-04T05:06:07.250+01:00" (fractions of a second are dropped);
 * - year first with slashes: "2021/03/04 05:06:07";
 * - day and month first, with '/', '.' or '-': "04/03/2021", "04.03.2021 05:06". When both could
 *   be the month ("03/04/2021") the cell is refused unless the order is given (--date-order);
 *   a value that fits only one order ("13/04/2021") is read in it, unless the order given says
 *   otherwise.
 * A value with no zone is in the rules' zone (UTC unless --timezone). Refused, each with what to
 * do: dates in the future, dates before 1970, impossible dates (2021-02-30), a spreadsheet's date
 * serial ("44259"), milliseconds ("1614834367000") and anything else.
 * Thread-safety: pure functions. */
#ifndef CCI_DATES_H
#define CCI_DATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { CCI_DATE_ORDER_UNKNOWN, CCI_DATE_ORDER_DMY, CCI_DATE_ORDER_MDY } cci_date_order;

typedef struct cci_date_rules {
    cci_date_order order; /* for "03/04/2021": unknown refuses it */
    int offset_seconds;   /* the zone of values that name none: east of UTC, so +01:00 is 3600 */
    int64_t now;          /* Unix seconds: later is the future, refused */
} cci_date_rules;

/* The trimmed cell text[0..len) as Unix seconds; false with a sentence in why (the column is the
 * caller's to name) when it is not a date of the forms above. */
bool cci_date_parse(const char *text, size_t len, const cci_date_rules *rules, int64_t *seconds, char *why,
                    size_t why_len);

/* "+01:00", "-0530", "+02", "UTC" or "Z" as seconds east of UTC; false when it is none of them.
 * (A zone's name, "Europe/Paris", is not an offset: its offset changes with the date.) */
bool cci_date_offset_parse(const char *text, int *offset_seconds);

/* The day a spreadsheet's date serial stands for (days since 1899-12-30: 44259 is 2021-03-04), as
 * YYYY-MM-DD into day (16 bytes); false when it has none. */
bool cci_serial_day(long serial, char day[16]);

#endif
