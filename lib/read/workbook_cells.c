#include "read/workbook_cells.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool cci_cell_number(const char *text, char *out, size_t len)
{
    char *end;
    double value = strtod(text, &end);
    bool number = *text && !*end && isfinite(value);
    if (!number || !strpbrk(text, "eE")) {
        /* written without an exponent: the writer's digits are the number's, kept as they are */
        snprintf(out, len, "%s", text);
        return number;
    }
    if (value == floor(value) && fabs(value) < 1e300) {
        snprintf(out, len, "%.0f", value);
        return true;
    }
    /* a fraction with an exponent: the shortest digits that read back as the same double */
    for (int digits = 1; digits <= 340; digits++) {
        snprintf(out, len, "%.*f", digits, value);
        if (strtod(out, NULL) == value) break;
    }
    return true;
}

void cci_sheet_name_clean(char *name)
{
    for (unsigned char *p = (unsigned char *)name; p && *p; p++)
        if (*p < 0x20 || *p == 0x7f) *p = '?';
}

bool cci_cell_builtin_is_date(unsigned id)
{
    /* ECMA-376 18.8.30: 14-22 dates and times, 27-36 and 50-58 East Asian dates, 45-47 times */
    return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58);
}

bool cci_cell_format_is_date(const char *code)
{
    bool date = false;
    for (const char *p = code; *p; p++) {
        switch (*p) {
        case '"': /* literal text */
            p = strchr(p + 1, '"');
            if (!p) return date;
            break;
        case '\\':
        case '_':
        case '*':
            if (p[1]) p++; /* the next character is literal (or padding) */
            break;
        case '[': {
            /* [Red], [$-409], [$€-407]: no date part; [h], [mm], [ss]: an elapsed duration */
            const char *close = strchr(p, ']');
            if (!close) return date;
            if (strchr("hHmMsS", p[1])) return false;
            p = close;
            break;
        }
        case ';': /* the positive section decides */
            return date;
        default:
            if (strchr("dDmMyYhHsS", *p)) date = true;
            if (*p == 'G' && strncmp(p, "General", 7) == 0) p += 6;
            break;
        }
    }
    return date;
}

bool cci_cell_date(double serial, bool date1904, char *out, size_t len)
{
    if (!isfinite(serial) || serial < 0 || serial > 2958465.0) return false; /* past 9999-12-31 */
    double day = floor(serial);
    long long seconds = llround((serial - day) * 86400.0);
    if (seconds == 86400) {
        day += 1;
        seconds = 0;
    }
    /* 1900 system: day 1 is 1900-01-01, and Lotus's 1900-02-29 (day 60) never was, so days after it
     * count from 1899-12-30; 1904 system: day 0 is 1904-01-01 */
    long long epoch = date1904 ? 24107 : day < 60 ? 25568 : 25569; /* days from that epoch to 1970-01-01 */
    if (!date1904 && day == 60) return false;
    time_t at = (time_t)(((long long)day - epoch) * 86400 + seconds);
    struct tm utc;
    if (!gmtime_r(&at, &utc)) return false;
    size_t n = strftime(out, len, seconds ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d", &utc);
    return n > 0;
}
