/* strcasestr */
#define _GNU_SOURCE
#include "rules/damage.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char TEXT_FORMAT_HINT[] =
    "in Excel or LibreOffice, format the column as Text before exporting (or export it again from the "
    "system it came from)";

/* "1.23457E+11", "1E5", "-2.5e-3": a number as a spreadsheet shows one too long for its cell. */
static bool scientific(const char *text, size_t len)
{
    size_t i = 0;
    if (i < len && (text[i] == '+' || text[i] == '-')) i++;
    if (i == len || !isdigit((unsigned char)text[i])) return false;
    while (i < len && isdigit((unsigned char)text[i])) i++;
    if (i < len && (text[i] == '.' || text[i] == ',')) { /* a decimal comma in some locales */
        i++;
        size_t digits = i;
        while (i < len && isdigit((unsigned char)text[i])) i++;
        if (i == digits) return false;
    }
    if (i == len || (text[i] != 'E' && text[i] != 'e')) return false;
    i++;
    if (i < len && (text[i] == '+' || text[i] == '-')) i++;
    size_t exponent = i;
    while (i < len && isdigit((unsigned char)text[i])) i++;
    return i == len && i > exponent;
}

/* A column whose name says it holds dates. */
static bool named_like_a_date(const cci_column *column)
{
    static const char *const words[] = {"date", "birth", "dob", "joined", "hired", "since", "day", "_at", "time"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcasestr(column->header, words[i])) return true;
    return false;
}

/* An integer a spreadsheet would show for a date from 1954 to 2099 (days since 1899-12-30). */
static bool date_serial(const char *text, size_t len, long *serial)
{
    if (len != 5) return false;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)text[i])) return false;
    char digits[6];
    memcpy(digits, text, 5);
    digits[5] = '\0';
    *serial = strtol(digits, NULL, 10);
    return *serial >= 20000 && *serial <= 73050;
}

bool cci_damage_of_cell(const cci_column *column, const char *text, size_t len, char *why, size_t why_len)
{
    if (column->field != CCI_FIELD_UID && column->field != CCI_FIELD_METADATA_KEY) return false;
    if (scientific(text, len)) {
        snprintf(why, why_len, "\"%.*s\" is a number in scientific notation: a spreadsheet shortened a long "
                               "number and its last digits are lost in this file; %s",
                 (int)len, text, TEXT_FORMAT_HINT);
        return true;
    }
    long serial;
    /* the cell first: five digits are rare, and the column's name costs a search per word */
    if (column->field == CCI_FIELD_METADATA_KEY && date_serial(text, len, &serial) && named_like_a_date(column)) {
        char date[16];
        if (!cci_serial_day(serial, date)) snprintf(date, sizeof date, "a date");
        snprintf(why, why_len, "\"%.*s\" looks like a date stored as a spreadsheet's serial number (%s); %s, "
                               "or type the date as text (%s)",
                 (int)len, text, date, TEXT_FORMAT_HINT, date);
        return true;
    }
    return false;
}

bool cci_all_digits(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)text[i])) return false;
    return len > 0;
}

void cci_padding_note(cci_padding *padding, const char *uid)
{
    size_t len = strlen(uid);
    if (len < 2 || uid[0] != '0' || !cci_all_digits(uid, len)) return;
    if (padding->padded && len != padding->width) padding->mixed = true;
    padding->width = len;
    padding->padded++;
}

bool cci_padding_shortens(const cci_padding *padding, size_t len)
{
    return !padding->mixed && padding->padded >= 2 && len < padding->width;
}

bool cci_padding_lost(const cci_padding *padding, const char *uid, char *why, size_t why_len)
{
    size_t len = strlen(uid);
    if (!cci_padding_shortens(padding, len) || !cci_all_digits(uid, len)) return false;
    snprintf(why, why_len, "\"%s\" has %zu digits where the column's other numeric ids are zero-padded to %zu "
                           "(\"%0*d%s\"?): a spreadsheet may have dropped its leading zeros; %s",
             uid, len, padding->width, (int)(padding->width - len), 0, uid, TEXT_FORMAT_HINT);
    return true;
}
