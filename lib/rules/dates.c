#define _DEFAULT_SOURCE /* timegm */
#include "cci/rules/dates.h"
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>
#include <time.h>


enum {
    LONGEST_DATE = 48,
    EXCEL_SERIAL_MAX = 2958465, /* 9999-12-31 */
    FEWEST_SECONDS_DIGITS = 9, /* 100000000 is 1973-03-03: fewer digits are no sign-up date */
};

static const char *const MONTHS[] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};

/* A cursor over the cell; every reader moves it only when it matched. */
typedef struct cursor {
    const char *at, *end;
} cursor;

static bool at_end(const cursor *c)
{
    return c->at == c->end;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Between fewest and most digits, as a number. A field of one width may be followed by a digit
 * ("0530": hours, then minutes); one of a variable width may not ("123" is no day). */
static bool take_number(cursor *c, int fewest, int most, int *value)
{
    int n = 0, v = 0;
    while (c->at + n < c->end && n < most && is_digit(c->at[n])) v = v * 10 + (c->at[n++] - '0');
    if (n < fewest || (fewest != most && c->at + n < c->end && is_digit(c->at[n]))) return false;
    c->at += n;
    *value = v;
    return true;
}

/* One character of set; which in *got. */
static bool take_one_of(cursor *c, const char *set, char *got)
{
    if (at_end(c) || !strchr(set, *c->at) || !*c->at) return false;
    *got = *c->at++;
    return true;
}

static bool take(cursor *c, char ch)
{
    char got;
    char set[2] = {ch, '\0'};
    return take_one_of(c, set, &got);
}

/* [+-]HH[[:]MM], Z or UTC, as seconds east of UTC. */
static bool take_offset(cursor *c, int *offset)
{
    if (c->end - c->at >= 3 && memcmp(c->at, "UTC", 3) == 0) {
        c->at += 3;
        *offset = 0;
        return true;
    }
    if (take(c, 'Z')) {
        *offset = 0;
        return true;
    }
    char sign;
    int hours, minutes = 0;
    cursor start = *c;
    if (!take_one_of(c, "+-", &sign) || !take_number(c, 2, 2, &hours) || hours > 14) {
        *c = start;
        return false;
    }
    bool colon = take(c, ':');
    if ((colon || (!at_end(c) && is_digit(*c->at))) && (!take_number(c, 2, 2, &minutes) || minutes > 59)) {
        *c = start;
        return false;
    }
    *offset = (sign == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
    return true;
}

bool cci_date_offset_parse(const char *text, int *offset_seconds)
{
    cursor c = {text, text + strlen(text)};
    return take_offset(&c, offset_seconds) && at_end(&c);
}

/* The parts of a date as written; month and day as the order read them. */
typedef struct written {
    int year, first, second; /* day and month in the order written, for a day-or-month-first date */
    bool year_first;
    int hour, minute, second_of_minute;
    bool has_zone;
    int offset;
} written;

/* HH:MM[:SS[.fraction]] */
static bool take_time(cursor *c, written *w)
{
    if (!take_number(c, 1, 2, &w->hour) || !take(c, ':') || !take_number(c, 2, 2, &w->minute)) return false;
    if (take(c, ':')) {
        if (!take_number(c, 2, 2, &w->second_of_minute)) return false;
        char mark;
        if (take_one_of(c, ".,", &mark)) { /* a fraction: dropped, Unix seconds are whole */
            int digits = 0;
            while (!at_end(c) && is_digit(*c->at)) c->at++, digits++;
            if (!digits) return false;
        }
    }
    return true;
}

/* The date, an optional time after T or a space, and an optional zone. */
static bool read_written(cursor *c, written *w)
{
    *w = (written){0};
    char sep, again;
    cursor start = *c;
    if (take_number(c, 4, 4, &w->year) && take_one_of(c, "-/", &sep)) {
        w->year_first = true;
        if (!take_number(c, 1, 2, &w->first) || !take_one_of(c, "-/", &again) || again != sep ||
            !take_number(c, 1, 2, &w->second))
            return false;
    } else {
        *c = start;
        if (!take_number(c, 1, 2, &w->first) || !take_one_of(c, "/.-", &sep) || !take_number(c, 1, 2, &w->second) ||
            !take_one_of(c, "/.-", &again) || again != sep || !take_number(c, 4, 4, &w->year))
            return false;
    }
    char between;
    if (take_one_of(c, "T ", &between) && !take_time(c, w)) return false;
    take(c, ' ');
    w->has_zone = take_offset(c, &w->offset);
    return at_end(c);
}

static void say_not_a_date(const char *text, char *why, size_t why_len)
{
    snprintf(why, why_len, "\"%s\" is not a date: give Unix seconds, or a date such as 2021-03-04 or "
                           "2021-03-04T05:06:07Z", text);
}

/* Day and month from a day-or-month-first date, by the rules; false with why when ambiguous. */
static bool day_and_month(const char *text, const written *w, cci_date_order order, int *day, int *month, char *why,
                          size_t why_len)
{
    bool could_be_dmy = w->second >= 1 && w->second <= 12, could_be_mdy = w->first >= 1 && w->first <= 12;
    if (order == CCI_DATE_ORDER_UNKNOWN && could_be_dmy && could_be_mdy && w->first != w->second) {
        snprintf(why, why_len, "\"%s\" could be %d %s or %s %d: give --date-order dmy or mdy, or write it as "
                               "%04d-%02d-%02d or %04d-%02d-%02d", text, w->first, MONTHS[w->second - 1],
                 MONTHS[w->first - 1], w->second, w->year, w->second, w->first, w->year, w->first, w->second);
        return false;
    }
    bool dmy = order == CCI_DATE_ORDER_DMY || (order == CCI_DATE_ORDER_UNKNOWN && could_be_dmy);
    *day = dmy ? w->first : w->second;
    *month = dmy ? w->second : w->first;
    return true;
}

/* All digits: Unix seconds, unless it is a spreadsheet serial, milliseconds or too short to be. */
static bool read_seconds(const char *text, size_t len, int64_t *seconds, char *why, size_t why_len)
{
    if (len >= 13) {
        if (len == 13) snprintf(why, why_len, "\"%s\" looks like milliseconds since 1970: give seconds (%.10s)", text, text);
        else snprintf(why, why_len, "\"%s\" is not a date: as Unix seconds it is far in the future", text);
        return false;
    }
    int64_t value = 0; /* at most 12 digits: no overflow */
    for (size_t i = 0; i < len; i++) value = value * 10 + (text[i] - '0');
    if (value <= EXCEL_SERIAL_MAX) {
        char day[16], date[24] = "";
        if (cci_serial_day((long)value, day)) snprintf(date, sizeof date, " (%s)", day);
        snprintf(why, why_len, "\"%s\" looks like a spreadsheet's date serial%s, not Unix seconds: format the column "
                               "as Text, or as a date such as 2021-03-04, before exporting", text, date);
        return false;
    }
    if (len < FEWEST_SECONDS_DIGITS) {
        snprintf(why, why_len, "\"%s\" is not a date: as Unix seconds it would be before 1973; write dates such "
                               "as 2021-03-04", text);
        return false;
    }
    *seconds = value;
    return true;
}

bool cci_date_parse(const char *text, size_t len, const cci_date_rules *rules, int64_t *seconds, char *why,
                    size_t why_len)
{
    char cell[LONGEST_DATE + 1];
    snprintf(cell, sizeof cell, "%.*s", (int)cci_utf8_cut(text, len, LONGEST_DATE), text);
    if (len == 0 || len > LONGEST_DATE) {
        say_not_a_date(cell, why, why_len);
        return false;
    }
    size_t digits = 0;
    while (digits < len && is_digit(text[digits])) digits++;
    if (digits == len) {
        if (!read_seconds(cell, len, seconds, why, why_len)) return false;
    } else {
        cursor c = {text, text + len};
        written w;
        int day, month;
        if (!read_written(&c, &w)) {
            say_not_a_date(cell, why, why_len);
            return false;
        }
        if (w.year_first) day = w.second, month = w.first;
        else if (!day_and_month(cell, &w, rules->order, &day, &month, why, why_len)) return false;
        struct tm tm = {.tm_year = w.year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = w.hour,
                        .tm_min = w.minute, .tm_sec = w.second_of_minute};
        const char *impossible = month < 1 || month > 12                                          ? "such month"
                                 : w.hour > 23 || w.minute > 59 || w.second_of_minute > 59 ? "such time of day"
                                                                                           : NULL;
        time_t utc = 0;
        if (!impossible) {
            utc = timegm(&tm); /* normalises 2021-02-30 to March: told apart here */
            if (tm.tm_mday != day || tm.tm_mon != month - 1) impossible = "such day in that month";
        }
        if (impossible) {
            snprintf(why, why_len, "\"%s\" is not a date: there is no %s", cell, impossible);
            return false;
        }
        *seconds = (int64_t)utc - (w.has_zone ? w.offset : rules->offset_seconds);
    }
    if (*seconds < 0) {
        snprintf(why, why_len, "\"%s\" is before 1970, which CometChat cannot hold", cell);
        return false;
    }
    if (*seconds > rules->now) {
        snprintf(why, why_len, "\"%s\" is in the future", cell);
        return false;
    }
    return true;
}

bool cci_serial_day(long serial, char day[16])
{
    time_t at = (time_t)(serial - 25569) * 86400; /* 25569: 1970-01-01 as a serial */
    struct tm utc;
    return gmtime_r(&at, &utc) && strftime(day, 16, "%Y-%m-%d", &utc) > 0;
}
