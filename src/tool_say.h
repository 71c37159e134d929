/* A line for the person's terminal whose text may come from the data (a cell, a header, a sheet's
 * name): a control character in it is shown escaped (\n, \r, \t, \x1b), so a message stays on
 * one line and no cell can steer the terminal (move the cursor, change colours, rewrite a line).
 * Thread-safety: as safe as the FILE written to. */
#ifndef TOOL_SAY_H
#define TOOL_SAY_H

#include <stdio.h>

/* Writes prefix, text with its control characters escaped, and a line end. Escaped too: the C1
 * controls (U+0080..U+009F, "\u009b" is a terminal's CSI) and the marks that reorder a line
 * (U+202A..U+202E, U+2066..U+2069). */
void tool_say(FILE *out, const char *prefix, const char *text);

/* tool_say of a line formatted as printf does (cut at 4 KiB). */
void tool_sayf(FILE *out, const char *format, ...) __attribute__((format(printf, 2, 3)));

#endif
