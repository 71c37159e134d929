/* Spreadsheet damage: what Excel or LibreOffice does to cells on the way to a CSV when the column
 * was not formatted as Text, told apart from plain bad input so the message can say what happened
 * and what to do:
 * - a long number shown in scientific notation ("1.23457E+11"): the digits past the sixth are gone;
 * - a date stored as its serial number ("45234" for 2023-11-04), in a column named like a date;
 * - leading zeros dropped from ids the rest of the column pads to a fixed width ("123" among
 *   "000456", "001234"), found over the whole column (cci_padding).
 * Thread-safety: pure functions; a cci_padding is fed by one thread and read-only once sealed. */
#ifndef CCI_DAMAGE_H
#define CCI_DAMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "cci/rules/mapping.h"

/* True, with a sentence in why (the column is the caller's to name), when the trimmed cell of
 * column is damage of the first two kinds. Only uid and metadata.KEY cells are looked at: the
 * other fields hold no numbers. */
bool cci_damage_of_cell(const cci_column *column, const char *text, size_t len, char *why, size_t why_len);

/* The width a column's all-digit ids are zero-padded to, learned from its cells. */
typedef struct cci_padding {
    size_t width;          /* of the padded ids seen; 0: none yet */
    unsigned long padded;  /* all-digit ids starting with 0 */
    bool mixed;            /* padded ids of more than one width: no rule to go by */
} cci_padding;

void cci_padding_note(cci_padding *padding, const char *uid);

/* True when an all-digit id of len digits is shorter than the width at least two other ids are
 * padded to, and no other width was seen: cci_padding_lost's test of its length. */
bool cci_padding_shortens(const cci_padding *padding, size_t len);

/* True when text is one or more ASCII digits. */
bool cci_all_digits(const char *text, size_t len);

/* True, with why, when uid looks like a padded id that lost its zeros: all digits, shorter than
 * the width at least two other ids are padded to, and no other width seen. */
bool cci_padding_lost(const cci_padding *padding, const char *uid, char *why, size_t why_len);

#endif
