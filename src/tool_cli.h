/* The command line contract of cometchat-import (see docs/usage.md).
 *
 * Strings in tool_options are borrowed from argv, the environment or the settings files read
 * (kept in settings_text) and live as long as they do.
 * Thread-safety: tool_cli_parse uses getopt_long's global state and getenv: call it from one thread,
 * before any other thread starts. */
#ifndef CCI_TOOL_CLI_H
#define CCI_TOOL_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "cci/util/defaults.h"
#include "cci/rules/dates.h"
#include "cci/rules/mapping.h"
#include "cci/util/mode.h"
#include "tool_trust.h"

typedef enum { TOOL_PROGRESS_AUTO, TOOL_PROGRESS_ALWAYS, TOOL_PROGRESS_NEVER } tool_progress;

/* The settings files (tool_config.h), lowest precedence first: the working folder's (when no
 * --config), the input's companion, the person's own, --config PATH. The first two travel with the
 * data; the last two are the person's when only they can change them (tool_trust_file_is_own). */
enum { TOOL_SETTINGS_WORKING, TOOL_SETTINGS_COMPANION, TOOL_SETTINGS_OWN, TOOL_SETTINGS_CONFIG, TOOL_SETTINGS_FILES };

typedef struct tool_settings_file {
    char *path;              /* owned; NULL when there is no such file to look for */
    char *text;              /* owned: the values point into it; NULL when not read */
    char untrusted[320];     /* "": it may say where requests and outputs go; else why not, from "is ..." */
    tool_target_source target; /* what it says of the target (borrows path, untrusted and text) */
} tool_settings_file;

typedef struct tool_options {
    const char *input; /* path, or "-" for standard input */
    const char *app_id;
    const char *region;
    const char *base_url;
    const char *api_key_file;
    const char *report_path;  /* NULL: in the run's folder (tool_runs.h); none for a dry run */
    const char *rejects_path; /* NULL: in the run's folder; none for a dry run */
    const char *state_path;   /* NULL: beside the report */
    const char *summary_json; /* NULL: no JSON summary */
    const char *encoding;     /* NULL: UTF-8, or UTF-16 by byte order mark */
    const char *sheet;        /* --sheet: a workbook's, by name or number; NULL: the first visible */
    unsigned header_row;      /* --header-row: the sheet's row with the header; 0: the first */
    const char *rejects_encoding; /* NULL: the input's */
    cci_mode mode;
    bool dry_run;
    unsigned workers;
    unsigned rate_per_minute; /* 0: learn from the service's headers */
    unsigned timeout_ms;      /* per request */
    unsigned max_wait_ms;     /* the longest single pause for a rate limit */
    unsigned retries;         /* per row, after the first attempt */
    unsigned keep_runs;       /* run folders kept beside the input (tool_runs.h); 0: all */
    bool data_import_off;     /* --data-import off */
    cci_date_order date_order;    /* --date-order; unknown refuses ambiguous day/month dates */
    const char *timezone;         /* --timezone as given; NULL: UTC */
    int timezone_offset;          /* its seconds east of UTC */
    char delimiter;           /* 0: detect from the header line */
    bool encoding_from_settings, delimiter_from_settings; /* a settings file, not the command line, gave them */
    bool force;
    bool plan;       /* read the app and say what a run would do */
    bool reactivate;
    bool prune;
    bool verify;     /* read the app back after the run and repair what differs, once */
    bool trust_journal; /* --trust-journal: read the app only when the journal's unknown rows pay for it */
    unsigned limit;     /* --limit N: send at most N rows (a canary run); 0: all */
    long prune_max;  /* -1: a tenth of the app's active users */
    bool insecure_http; /* an http:// --base-url to another machine is allowed */
    bool loopback;      /* the base URL is this machine: never through a proxy */
    bool trust_settings; /* --trust-settings: a travelling settings file may choose the target */
    char target_conflict[768]; /* "" or one line: the target, and what other sources said (tool_trust.h) */
    const char *runs_dir; /* --runs-dir: where INPUT.runs is made; NULL: beside the input */
    char settings_note[1024]; /* "" or one line: settings ignored, and why */
    unsigned max_columns;      /* 0: the library's default */
    unsigned max_record_bytes; /* 0: the library's default */
    bool quiet;
    bool verbose;
    tool_progress progress;
    cci_column_map *maps; /* owned: released by tool_options_cleanup */
    size_t map_count;
    bool show_help;
    bool show_version;
    bool show_template;
    const char *config_path;  /* --config: the settings file; NULL: ./cometchat-import.conf if any */
    bool save_config;         /* --save-config: write the settings worth remembering there */
    tool_settings_file settings[TOOL_SETTINGS_FILES]; /* owned */
} tool_options;

typedef enum {
    TOOL_CLI_RUN,   /* options are complete: go on with the import */
    TOOL_CLI_EXIT,  /* --help, --version or --template was asked for: print it and exit 0 */
    TOOL_CLI_ERROR, /* bad usage: err holds a one-line reason */
} tool_cli_result;


/* Fills opts from argv, which wins, the COMETCHAT_* environment, then the settings files (above).
 * The target is chosen by tool_trust_choose_target: a travelling file that would choose it is an
 * error unless --trust-settings, or nothing is sent (a dry run). On TOOL_CLI_ERROR, err (of errlen
 * bytes) holds one line that never repeats an option's value, so a secret typed by mistake stays
 * out of logs. */
tool_cli_result tool_cli_parse(int argc, char **argv, tool_options *opts, char *err, size_t errlen);

/* One option (an OPT_* code of tool_options.h) and its value over opts; from_settings: it comes
 * from a settings file, not the command line. */
tool_cli_result tool_cli_apply(int code, const char *arg, tool_options *opts, bool from_settings, char *err,
                             size_t errlen);

/* us, eu or in. */
bool tool_cli_region_known(const char *region);

void tool_options_cleanup(tool_options *opts);

/* The --help text: one screen. */
const char *tool_cli_usage(void);

#endif
