#include "read/workbook_cells.h"

#include <ctype.h>
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

/* Whether text begins with an escape "_xHHHH_"; its code in *code. */
static bool escape_at(const char *text, size_t len, unsigned *code)
{
    if (len < 7 || text[0] != '_' || text[1] != 'x' || text[6] != '_') return false;
    *code = 0;
    for (int i = 2; i < 6; i++) {
        if (!isxdigit((unsigned char)text[i])) return false;
        *code = *code * 16 + (unsigned)(isdigit((unsigned char)text[i]) ? text[i] - '0' : (text[i] | 0x20) - 'a' + 10);
    }
    return true;
}

static size_t utf8_of(unsigned code, char *out)
{
    if (code < 0x80) return out[0] = (char)code, 1;
    if (code < 0x800) return out[0] = (char)(0xC0 | code >> 6), out[1] = (char)(0x80 | (code & 0x3F)), 2;
    if (code < 0x10000) {
        out[0] = (char)(0xE0 | code >> 12), out[1] = (char)(0x80 | ((code >> 6) & 0x3F));
        out[2] = (char)(0x80 | (code & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | code >> 18), out[1] = (char)(0x80 | ((code >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((code >> 6) & 0x3F)), out[3] = (char)(0x80 | (code & 0x3F));
    return 4;
}

size_t cci_cell_unescape(char *text, size_t len)
{
    size_t out = 0;
    for (size_t i = 0; i < len;) {
        unsigned code, low;
        if (!escape_at(text + i, len - i, &code) || code == 0) {
            text[out++] = text[i++];
            continue;
        }
        size_t taken = 7;
        if (code >= 0xD800 && code <= 0xDBFF && escape_at(text + i + 7, len - i - 7, &low) && low >= 0xDC00 &&
            low <= 0xDFFF) {
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00); /* a pair, as UTF-16 writes it */
            taken = 14;
        } else if (code >= 0xD800 && code <= 0xDFFF) { /* half a pair is no character: kept as written */
            memmove(text + out, text + i, 7);
            out += 7, i += 7;
            continue;
        }
        out += utf8_of(code, text + out); /* never longer than the escape it replaces */
        i += taken;
    }
    if (out < len) text[out] = '\0';
    return out;
}

/* The length of a character at text XML 1.0 cannot hold (a control character but TAB and LF; CR,
 * which XML reads as LF; U+FFFE and U+FFFF), written as its escape; 0 for any other. Its code in
 * *code. */
static size_t needs_escape(const char *text, size_t len, unsigned *code)
{
    const unsigned char *c = (const unsigned char *)text;
    if (c[0] < 0x20 && c[0] != '\t' && c[0] != '\n') return *code = c[0], 1;
    if (len >= 3 && c[0] == 0xEF && c[1] == 0xBF && (c[2] == 0xBE || c[2] == 0xBF))
        return *code = c[2] == 0xBE ? 0xFFFE : 0xFFFF, 3;
    return 0;
}

bool cci_cell_escaped(const char *text, size_t len, char **escaped, size_t *escaped_len)
{
    size_t found = 0;
    unsigned code;
    *escaped = NULL;
    for (size_t i = 0; i < len; i++) found += escape_at(text + i, len - i, &code) || needs_escape(text + i, len - i, &code);
    if (!found) return true;
    char *out = malloc(len + found * 6 + 1);
    if (!out) return false;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        size_t taken = needs_escape(text + i, len - i, &code);
        if (taken) {
            n += (size_t)sprintf(out + n, "_x%04X_", code);
            i += taken - 1;
            continue;
        }
        if (escape_at(text + i, len - i, &code)) n += (size_t)sprintf(out + n, "_x005F"); /* the '_' itself */
        out[n++] = text[i];
    }
    out[n] = '\0';
    *escaped = out;
    *escaped_len = n;
    return true;
}
