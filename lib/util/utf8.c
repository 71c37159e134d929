#include "util/utf8.h"

#include <stdint.h>
#include <string.h>

/* Decodes one code point at text[*pos]; returns -1 for an invalid sequence. */
static int32_t decode(const unsigned char *text, size_t len, size_t *pos)
{
    unsigned char lead = text[*pos];
    size_t extra;
    uint32_t cp, min;
    if (lead < 0x80) {
        (*pos)++;
        return lead;
    } else if ((lead & 0xE0) == 0xC0) {
        extra = 1, cp = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        extra = 2, cp = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        extra = 3, cp = lead & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (len - *pos <= extra) return -1;
    for (size_t i = 1; i <= extra; i++) {
        unsigned char c = text[*pos + i];
        if ((c & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    *pos += extra + 1;
    return (int32_t)cp;
}

bool cci_utf8_utf16_units(const char *text, size_t len, size_t *units)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t count = 0;
    for (size_t pos = 0; pos < len;) {
        int32_t cp = decode(bytes, len, &pos);
        if (cp < 0) return false;
        count += cp >= 0x10000 ? 2 : 1;
    }
    *units = count;
    return true;
}

bool cci_utf8_valid(const char *text, size_t len)
{
    size_t ignored;
    return cci_utf8_utf16_units(text, len, &ignored);
}

size_t cci_utf8_valid_prefix(const char *text, size_t len)
{
    const unsigned char *bytes = (const unsigned char *)text;
    size_t pos = 0;
    while (pos < len) {
        /* ASCII eight bytes at a time: most of a users export */
        uint64_t eight;
        while (pos + 8 <= len && (memcpy(&eight, bytes + pos, 8), !(eight & 0x8080808080808080ULL))) pos += 8;
        if (pos == len) break;
        size_t at = pos;
        if (decode(bytes, len, &pos) < 0) return at;
    }
    return len;
}

size_t cci_utf8_cut(const char *text, size_t len, size_t most)
{
    if (len <= most) return len;
    size_t cut = most;
    /* a continuation byte at the cut: the character it belongs to goes, whole */
    while (cut && ((unsigned char)text[cut] & 0xC0) == 0x80) cut--;
    return cut;
}
