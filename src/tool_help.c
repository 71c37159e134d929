#include "tool_help.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cci/rules/mapping.h"
#include "tool_options.h"

static const char *const group_titles[TOOL_GROUP_COUNT] = {
    [TOOL_GROUP_TARGET] = "Target (the key: COMETCHAT_API_KEY or --api-key-file; env COMETCHAT_APP_ID, _REGION, _BASE_URL):",
    [TOOL_GROUP_WHAT] = "What to do:",
    [TOOL_GROUP_INPUT] = "Input:",
    [TOOL_GROUP_OUTPUT] = "Output: each run writes report.csv, rejects.csv... into INPUT.runs/TIME/ (-n: nothing):",
    [TOOL_GROUP_OTHER] = NULL, /* the last line: no title needed */
};

static char help_text[4096];
static pthread_once_t help_once = PTHREAD_ONCE_INIT;

/* Appends to help_text, never past its end. */
static void add(size_t *used, const char *fmt, const char *text)
{
    if (*used >= sizeof help_text) return;
    int n = snprintf(help_text + *used, sizeof help_text - *used, fmt, text);
    if (n > 0) *used += (size_t)n;
}

/* "-n, --dry-run (send nothing)", "--workers N (8)", "--keep-runs N (20; 0: all)". */
static void describe(const tool_option *o, char *out, size_t len)
{
    int n = o->short_name ? snprintf(out, len, "-%c, --%s", o->short_name, o->name) : snprintf(out, len, "--%s", o->name);
    size_t used = n > 0 ? (size_t)n : 0;
    if (o->value && used < len) used += (size_t)snprintf(out + used, len - used, " %s", o->value);
    bool shows_default = o->shown_default != TOOL_NO_DEFAULT;
    if ((shows_default || o->hint) && used < len)
        used += (size_t)snprintf(out + used, len - used, " (");
    if (shows_default && used < len)
        used += (size_t)snprintf(out + used, len - used, "%ld%s", o->shown_default, o->hint ? "; " : "");
    if (o->hint && used < len) used += (size_t)snprintf(out + used, len - used, "%s", o->hint);
    if ((shows_default || o->hint) && used < len) snprintf(out + used, len - used, ")");
}

/* The group's options, two spaces apart, a new line before one that would pass the width. */
static void add_group(size_t *used, tool_option_group group)
{
    if (group_titles[group]) add(used, "%s\n", group_titles[group]);
    size_t column = 0;
    for (const tool_option *o = tool_option_table; o->name; o++) {
        if (o->group != group) continue;
        char entry[160];
        describe(o, entry, sizeof entry);
        if (column && column + 2 + strlen(entry) > TOOL_HELP_WIDTH) {
            add(used, "%s", "\n");
            column = 0;
        }
        add(used, column ? "  %s" : "  %s", entry);
        column += 2 + strlen(entry);
    }
    add(used, "%s", "\n");
}

static void build_help(void)
{
    size_t used = 0;
    add(&used, "%s", "Usage: cometchat-import [OPTIONS] INPUT.csv     (INPUT may be - for standard input)\n"
                     "Makes a CometChat app hold exactly the users of a CSV export; reports every row.\n");
    for (int group = 0; group < TOOL_GROUP_COUNT; group++) {
        add_group(&used, (tool_option_group)group);
        if (group == TOOL_GROUP_INPUT) add(&used, "  FIELD: ignore (skip the column) or one of\n    %s\n", cci_mapping_template());
    }
    add(&used, "%s", "Exit 0 ok, 1 rows failed, 2 no start, 3 stopped. More: man cometchat-import\n");
}

const char *tool_help_text(void)
{
    pthread_once(&help_once, build_help);
    return help_text;
}
