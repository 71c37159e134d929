/* UTF-8 facts the service cares about.
 *
 * Thread-safety: all functions are pure and may be called from any thread. */
#ifndef CCI_UTF8_H
#define CCI_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Counts the UTF-16 code units of a UTF-8 string (characters outside the BMP count 2), the way
 * CometChat counts lengths. Returns false, leaving *units untouched, when the bytes are not valid
 * UTF-8 (overlong forms, surrogates and code points past U+10FFFF included). */
bool cci_utf8_utf16_units(const char *text, size_t len, size_t *units);

/* True when the bytes are valid UTF-8. */
bool cci_utf8_valid(const char *text, size_t len);

/* The length of the longest start of text made of whole valid characters: where it stops short of
 * len, the bytes are invalid or a character is cut by len (the caller's decoder tells which). */
size_t cci_utf8_valid_prefix(const char *text, size_t len);

/* How much of text to quote in at most `most` bytes: len when it fits, otherwise at most `most`
 * bytes ending before a character cut short (a cell's beginning quoted in a message, then "...",
 * must stay UTF-8: a report of it may be a workbook, which holds nothing else). */
size_t cci_utf8_cut(const char *text, size_t len, size_t most);

#endif
