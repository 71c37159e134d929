/* The one table of the tool's options: getopt's table, --help, the settings a file may hold, what
 * --save-config writes and the man page's option list (checked by a test) all come from it.
 * Thread-safety: the table is constant; tool_option_getopt fills the caller's array. */
#ifndef CCI_TOOL_OPTIONS_H
#define CCI_TOOL_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "tool_cli.h"

enum {
    OPT_APP_ID = 256,
    OPT_REGION,
    OPT_BASE_URL,
    OPT_API_KEY_FILE,
    OPT_REPORT,
    OPT_REJECTS,
    OPT_MODE,
    OPT_DRY_RUN,
    OPT_WORKERS,
    OPT_RATE,
    OPT_MAP,
    OPT_DELIMITER,
    OPT_ENCODING,
    OPT_FORCE,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_PROGRESS,
    OPT_HELP,
    OPT_VERSION,
    OPT_TEMPLATE,
    OPT_TIMEOUT,
    OPT_STATE,
    OPT_SUMMARY_JSON,
    OPT_RETRIES,
    OPT_REJECTS_ENCODING,
    OPT_MAX_WAIT,
    OPT_INSECURE_HTTP,
    OPT_MAX_COLUMNS,
    OPT_MAX_RECORD_SIZE,
    OPT_PLAN,
    OPT_REACTIVATE,
    OPT_PRUNE,
    OPT_PRUNE_MAX,
    OPT_VERIFY,
    OPT_CONFIG,
    OPT_SAVE_CONFIG,
    OPT_KEEP_RUNS,
    OPT_DATA_IMPORT,
    OPT_DATE_ORDER,
    OPT_TIMEZONE,
    OPT_TRUST_SETTINGS,
    OPT_TRUST_JOURNAL,
    OPT_LIMIT,
    OPT_RUNS_DIR,
    OPT_SHEET,
    OPT_HEADER_ROW,
};

typedef enum {
    TOOL_SETTING_NO,     /* the command line only */
    TOOL_SETTING_YES,    /* a settings file may hold it, and --save-config writes it */
    TOOL_SETTING_TARGET, /* the same, but written only into a --config PATH file (where the key goes) */
} tool_setting_kind;

/* Where --help lists an option, in this order. */
typedef enum {
    TOOL_GROUP_TARGET,
    TOOL_GROUP_WHAT,
    TOOL_GROUP_INPUT,
    TOOL_GROUP_OUTPUT,
    TOOL_GROUP_OTHER,
    TOOL_GROUP_COUNT,
} tool_option_group;

enum { TOOL_NO_DEFAULT = -1 };

typedef struct tool_option {
    const char *name;  /* the long option, without "--" */
    bool takes_value;
    int code;          /* OPT_*, or the short letter's */
    char short_name;   /* 0: none */
    tool_setting_kind setting;
    tool_option_group group;
    const char *value; /* what --help calls its value ("N", "PATH"); NULL: takes none */
    long shown_default; /* the default --help says, from cci/util/defaults.h; TOOL_NO_DEFAULT: none */
    const char *hint;   /* a few words for --help; NULL: the name says it */
} tool_option;

/* Every option, in the order the man page lists them; ends with a NULL name. */
extern const tool_option tool_option_table[];

/* The option named name (without "--"); NULL when there is none. */
const tool_option *tool_option_named(const char *name);

/* The short option letter's OPT_* code, or the letter when it has none. */
int tool_option_short(int letter);

/* getopt_long's table from the table, ending with a zeroed entry: out holds at least
 * TOOL_OPTION_COUNT + 1 entries. Its short options string: TOOL_SHORT_OPTIONS. */
enum { TOOL_OPTION_COUNT = OPT_HEADER_ROW - OPT_APP_ID + 1 };
#define TOOL_SHORT_OPTIONS ":hVqvn"
void tool_option_getopt(struct option *out);

/* The settings a file may hold, as "a, b, c" for a message. */
const char *tool_option_settings_list(void);

/* A setting's value in opts as a settings file spells it, for --save-config; false when opts
 * holds the default (nothing to write). --map has one value a map: index picks it. */
bool tool_option_value(const tool_option *option, const tool_options *opts, size_t index, char *out, size_t len);

#endif
