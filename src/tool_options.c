#include "tool_options.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

const tool_option tool_option_table[] = {
    {"app-id", true, OPT_APP_ID, 0, TOOL_SETTING_TARGET, TOOL_GROUP_TARGET, "ID", TOOL_NO_DEFAULT, NULL},
    {"region", true, OPT_REGION, 0, TOOL_SETTING_TARGET, TOOL_GROUP_TARGET, "us|eu|in", TOOL_NO_DEFAULT, NULL},
    {"base-url", true, OPT_BASE_URL, 0, TOOL_SETTING_TARGET, TOOL_GROUP_TARGET, "URL", TOOL_NO_DEFAULT, "instead of the two"},
    {"api-key-file", true, OPT_API_KEY_FILE, 0, TOOL_SETTING_NO, TOOL_GROUP_TARGET, "PATH", TOOL_NO_DEFAULT, NULL},
    {"insecure-http", false, OPT_INSECURE_HTTP, 0, TOOL_SETTING_NO, TOOL_GROUP_TARGET, NULL, TOOL_NO_DEFAULT, "http:// elsewhere"},
    {"trust-settings", false, OPT_TRUST_SETTINGS, 0, TOOL_SETTING_NO, TOOL_GROUP_TARGET, NULL, TOOL_NO_DEFAULT, "a .conf not yours"},
    {"mode", true, OPT_MODE, 0, TOOL_SETTING_YES, TOOL_GROUP_WHAT, "upsert|create|update", TOOL_NO_DEFAULT, "upsert"},
    {"dry-run", false, OPT_DRY_RUN, 'n', TOOL_SETTING_NO, TOOL_GROUP_WHAT, NULL, TOOL_NO_DEFAULT, "send nothing"},
    {"force", false, OPT_FORCE, 0, TOOL_SETTING_NO, TOOL_GROUP_WHAT, NULL, TOOL_NO_DEFAULT, "unchanged rows too"},
    {"verify", false, OPT_VERIFY, 0, TOOL_SETTING_NO, TOOL_GROUP_WHAT, NULL, TOOL_NO_DEFAULT, "read back, repair"},
    {"trust-journal", false, OPT_TRUST_JOURNAL, 0, TOOL_SETTING_NO, TOOL_GROUP_WHAT, NULL, TOOL_NO_DEFAULT, "read the app only when needed"},
    {"limit", true, OPT_LIMIT, 0, TOOL_SETTING_NO, TOOL_GROUP_WHAT, "N", TOOL_NO_DEFAULT, "a canary run"},
    {"plan", false, OPT_PLAN, 0, TOOL_SETTING_NO, TOOL_GROUP_WHAT, NULL, TOOL_NO_DEFAULT, "say what a run would do"},
    {"reactivate", false, OPT_REACTIVATE, 0, TOOL_SETTING_NO, TOOL_GROUP_WHAT, NULL, TOOL_NO_DEFAULT, "users the file names"},
    {"prune", false, OPT_PRUNE, 0, TOOL_SETTING_NO, TOOL_GROUP_WHAT, NULL, TOOL_NO_DEFAULT, "users it leaves out"},
    {"prune-max", true, OPT_PRUNE_MAX, 0, TOOL_SETTING_NO, TOOL_GROUP_WHAT, "N", TOOL_NO_DEFAULT, "10% of the app"},
    {"workers", true, OPT_WORKERS, 0, TOOL_SETTING_YES, TOOL_GROUP_WHAT, "N", CCI_DEFAULT_WORKERS, NULL},
    {"rate", true, OPT_RATE, 0, TOOL_SETTING_YES, TOOL_GROUP_WHAT, "N/min|N/s", TOOL_NO_DEFAULT, "learned"},
    {"timeout", true, OPT_TIMEOUT, 0, TOOL_SETTING_YES, TOOL_GROUP_WHAT, "SECONDS", CCI_DEFAULT_TIMEOUT_MS / 1000, NULL},
    {"retries", true, OPT_RETRIES, 0, TOOL_SETTING_YES, TOOL_GROUP_WHAT, "N", CCI_DEFAULT_RETRIES, NULL},
    {"max-wait", true, OPT_MAX_WAIT, 0, TOOL_SETTING_YES, TOOL_GROUP_WHAT, "SECONDS", CCI_DEFAULT_MAX_WAIT_MS / 1000, "longest pause"},
    {"data-import", true, OPT_DATA_IMPORT, 0, TOOL_SETTING_YES, TOOL_GROUP_WHAT, "auto|off", TOOL_NO_DEFAULT, "50 new users a request"},
    {"map", true, OPT_MAP, 0, TOOL_SETTING_YES, TOOL_GROUP_INPUT, "COLUMN=FIELD", TOOL_NO_DEFAULT, "repeatable"},
    {"delimiter", true, OPT_DELIMITER, 0, TOOL_SETTING_YES, TOOL_GROUP_INPUT, ", ; TAB |", TOOL_NO_DEFAULT, NULL},
    {"encoding", true, OPT_ENCODING, 0, TOOL_SETTING_YES, TOOL_GROUP_INPUT, "NAME", TOOL_NO_DEFAULT, "windows-1252..."},
    {"sheet", true, OPT_SHEET, 0, TOOL_SETTING_NO, TOOL_GROUP_INPUT, "NAME|N", TOOL_NO_DEFAULT, "a workbook's"},
    {"header-row", true, OPT_HEADER_ROW, 0, TOOL_SETTING_NO, TOOL_GROUP_INPUT, "N", TOOL_NO_DEFAULT, NULL},
    {"template", false, OPT_TEMPLATE, 0, TOOL_SETTING_NO, TOOL_GROUP_INPUT, NULL, TOOL_NO_DEFAULT, NULL},
    {"date-order", true, OPT_DATE_ORDER, 0, TOOL_SETTING_YES, TOOL_GROUP_INPUT, "dmy|mdy", TOOL_NO_DEFAULT, NULL},
    {"timezone", true, OPT_TIMEZONE, 0, TOOL_SETTING_YES, TOOL_GROUP_INPUT, "+HH:MM", TOOL_NO_DEFAULT, "UTC"},
    {"max-columns", true, OPT_MAX_COLUMNS, 0, TOOL_SETTING_NO, TOOL_GROUP_INPUT, "N", CCI_DEFAULT_MAX_COLUMNS, NULL},
    {"max-record-size", true, OPT_MAX_RECORD_SIZE, 0, TOOL_SETTING_NO, TOOL_GROUP_INPUT, "BYTES", CCI_DEFAULT_MAX_RECORD_BYTES, NULL},
    {"runs-dir", true, OPT_RUNS_DIR, 0, TOOL_SETTING_TARGET, TOOL_GROUP_OUTPUT, "DIR", TOOL_NO_DEFAULT, NULL},
    {"keep-runs", true, OPT_KEEP_RUNS, 0, TOOL_SETTING_TARGET, TOOL_GROUP_OUTPUT, "N", CCI_DEFAULT_KEEP_RUNS, "0: all"},
    {"report", true, OPT_REPORT, 0, TOOL_SETTING_NO, TOOL_GROUP_OUTPUT, "PATH", TOOL_NO_DEFAULT, NULL},
    {"rejects", true, OPT_REJECTS, 0, TOOL_SETTING_NO, TOOL_GROUP_OUTPUT, "PATH", TOOL_NO_DEFAULT, NULL},
    {"state", true, OPT_STATE, 0, TOOL_SETTING_NO, TOOL_GROUP_OUTPUT, "PATH", TOOL_NO_DEFAULT, NULL},
    {"rejects-encoding", true, OPT_REJECTS_ENCODING, 0, TOOL_SETTING_YES, TOOL_GROUP_OUTPUT, "NAME", TOOL_NO_DEFAULT, NULL},
    {"summary-json", true, OPT_SUMMARY_JSON, 0, TOOL_SETTING_NO, TOOL_GROUP_OUTPUT, "PATH", TOOL_NO_DEFAULT, NULL},
    {"progress", true, OPT_PROGRESS, 0, TOOL_SETTING_NO, TOOL_GROUP_OUTPUT, "auto|always|never", TOOL_NO_DEFAULT, NULL},
    {"quiet", false, OPT_QUIET, 'q', TOOL_SETTING_NO, TOOL_GROUP_OTHER, NULL, TOOL_NO_DEFAULT, NULL},
    {"verbose", false, OPT_VERBOSE, 'v', TOOL_SETTING_NO, TOOL_GROUP_OTHER, NULL, TOOL_NO_DEFAULT, "every problem"},
    {"config", true, OPT_CONFIG, 0, TOOL_SETTING_NO, TOOL_GROUP_OTHER, "PATH", TOOL_NO_DEFAULT, NULL},
    {"save-config", false, OPT_SAVE_CONFIG, 0, TOOL_SETTING_NO, TOOL_GROUP_OTHER, NULL, TOOL_NO_DEFAULT, NULL},
    {"help", false, OPT_HELP, 'h', TOOL_SETTING_NO, TOOL_GROUP_OTHER, NULL, TOOL_NO_DEFAULT, NULL},
    {"version", false, OPT_VERSION, 'V', TOOL_SETTING_NO, TOOL_GROUP_OTHER, NULL, TOOL_NO_DEFAULT, NULL},
    {NULL, false, 0, 0, TOOL_SETTING_NO, TOOL_GROUP_OTHER, NULL, TOOL_NO_DEFAULT, NULL},
};

const tool_option *tool_option_named(const char *name)
{
    for (const tool_option *o = tool_option_table; o->name; o++)
        if (strcmp(o->name, name) == 0) return o;
    return NULL;
}

int tool_option_short(int letter)
{
    for (const tool_option *o = tool_option_table; o->name; o++)
        if (o->short_name && o->short_name == letter) return o->code;
    return letter;
}

void tool_option_getopt(struct option *out)
{
    size_t n = 0;
    for (const tool_option *o = tool_option_table; o->name && n < TOOL_OPTION_COUNT; o++)
        out[n++] = (struct option){o->name, o->takes_value ? required_argument : no_argument, NULL, o->code};
    out[n] = (struct option){0};
}

static char settings_list[512];
static pthread_once_t settings_list_once = PTHREAD_ONCE_INIT;

static void list_settings(void)
{
    size_t used = 0;
    for (const tool_option *o = tool_option_table; o->name && used < sizeof settings_list; o++)
        if (o->setting != TOOL_SETTING_NO)
            used += (size_t)snprintf(settings_list + used, sizeof settings_list - used, "%s%s", used ? ", " : "", o->name);
}

const char *tool_option_settings_list(void)
{
    pthread_once(&settings_list_once, list_settings);
    return settings_list;
}

static const char *mode_name(cci_mode mode)
{
    return mode == CCI_MODE_CREATE ? "create" : mode == CCI_MODE_UPDATE ? "update" : "upsert";
}

static const char *delimiter_name(char delimiter)
{
    return delimiter == '\t' ? "TAB" : delimiter == ';' ? ";" : delimiter == '|' ? "|" : ",";
}

/* A string setting, when set. */
static bool text(const char *value, char *out, size_t len)
{
    if (!value) return false;
    snprintf(out, len, "%s", value);
    return true;
}

/* A number of milliseconds as seconds, when not the default. */
static bool seconds(unsigned ms, unsigned default_ms, char *out, size_t len)
{
    if (ms == default_ms) return false;
    snprintf(out, len, "%g", ms / 1000.0);
    return true;
}

/* A whole number, when not the default. */
static bool number(unsigned value, unsigned default_value, char *out, size_t len)
{
    if (value == default_value) return false;
    snprintf(out, len, "%u", value);
    return true;
}

bool tool_option_value(const tool_option *option, const tool_options *opts, size_t index, char *out, size_t len)
{
    switch (option->code) {
    case OPT_APP_ID: return text(opts->app_id, out, len);
    case OPT_REGION: return text(opts->region, out, len);
    case OPT_BASE_URL: return text(opts->base_url, out, len);
    case OPT_RUNS_DIR: return text(opts->runs_dir, out, len);
    case OPT_ENCODING: return text(opts->encoding, out, len);
    case OPT_REJECTS_ENCODING: return text(opts->rejects_encoding, out, len);
    case OPT_TIMEZONE: return text(opts->timezone, out, len);
    case OPT_MODE: /* always written: the file says what the runs do */
        snprintf(out, len, "%s", mode_name(opts->mode));
        return true;
    case OPT_WORKERS: return number(opts->workers, CCI_DEFAULT_WORKERS, out, len);
    case OPT_RETRIES: return number(opts->retries, CCI_DEFAULT_RETRIES, out, len);
    case OPT_KEEP_RUNS: return number(opts->keep_runs, CCI_DEFAULT_KEEP_RUNS, out, len);
    case OPT_TIMEOUT: return seconds(opts->timeout_ms, CCI_DEFAULT_TIMEOUT_MS, out, len);
    case OPT_MAX_WAIT: return seconds(opts->max_wait_ms, CCI_DEFAULT_MAX_WAIT_MS, out, len);
    case OPT_RATE:
        if (!opts->rate_per_minute) return false;
        snprintf(out, len, "%u/min", opts->rate_per_minute);
        return true;
    case OPT_DATA_IMPORT:
        if (!opts->data_import_off) return false;
        snprintf(out, len, "off");
        return true;
    case OPT_DATE_ORDER:
        if (!opts->date_order) return false;
        snprintf(out, len, "%s", opts->date_order == CCI_DATE_ORDER_DMY ? "dmy" : "mdy");
        return true;
    case OPT_DELIMITER:
        if (!opts->delimiter) return false;
        snprintf(out, len, "%s", delimiter_name(opts->delimiter));
        return true;
    case OPT_MAP:
        if (index >= opts->map_count) return false;
        snprintf(out, len, "%.*s=%s", (int)opts->maps[index].column_len, opts->maps[index].column,
                 opts->maps[index].field);
        return true;
    default: return false; /* not a setting */
    }
}
