#include "tool_paths.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The length of path without its extension (a dot after the last slash, not leading the name). */
static size_t stem_length(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    return dot && (!slash || dot > slash + 1) ? (size_t)(dot - path) : strlen(path);
}

static char *joined(const char *stem, size_t stem_len, const char *suffix)
{
    size_t len = stem_len + strlen(suffix) + 1;
    char *path = malloc(len);
    if (path) snprintf(path, len, "%.*s%s", (int)stem_len, stem, suffix);
    return path;
}

char *cci_path_beside_input(const char *input, const char *suffix)
{
    const char *base = strcmp(input, "-") == 0 ? "stdin" : input;
    return joined(base, stem_length(base), suffix);
}

char *cci_path_of_state(const char *report_path)
{
    size_t len = strlen(report_path), suffix = strlen(".report.csv");
    bool report_named = len >= suffix && strcmp(report_path + len - suffix, ".report.csv") == 0;
    return joined(report_path, report_named ? len - suffix : stem_length(report_path), ".state");
}
