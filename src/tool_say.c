#include "tool_say.h"

#include <stdarg.h>

/* The length of a character at c that reorders or steers a line (a C1 control, a bidi mark), its
 * code in *code; 0 for any other. */
static int steering(const unsigned char *c, unsigned *code)
{
    if (c[0] == 0xC2 && c[1] >= 0x80 && c[1] <= 0x9F) return *code = c[1], 2;
    if (c[0] == 0xE2 && c[1] == 0x80 && c[2] >= 0xAA && c[2] <= 0xAE) return *code = 0x2000u + c[2] - 0x80, 3;
    if (c[0] == 0xE2 && c[1] == 0x81 && c[2] >= 0xA6 && c[2] <= 0xA9) return *code = 0x2040u + c[2] - 0x80, 3;
    return 0;
}

void tool_say(FILE *out, const char *prefix, const char *text)
{
    fputs(prefix, out);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        unsigned code;
        int len = steering(c, &code);
        if (len) {
            fprintf(out, "\\u%04x", code);
            c += len - 1;
            continue;
        }
        if (*c >= 0x20 && *c != 0x7F) {
            putc(*c, out);
            continue;
        }
        switch (*c) {
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default: fprintf(out, "\\x%02x", *c); break;
        }
    }
    putc('\n', out);
}

void tool_sayf(FILE *out, const char *format, ...)
{
    char line[4096];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    tool_say(out, "", line);
}
