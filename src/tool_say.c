#include "tool_say.h"

void tool_say(FILE *out, const char *prefix, const char *text)
{
    fputs(prefix, out);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
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
