#include "tool_cli.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "tool_config.h"

static const char usage_format[] =
    "Usage: cometchat-import [OPTIONS] INPUT.csv     (INPUT may be - for standard input)\n"
    "Makes a CometChat app hold exactly the users of a CSV export; reports every row.\n"
    "Target (the key: COMETCHAT_API_KEY or --api-key-file PATH, never the command line):\n"
    "  --app-id ID --region us|eu|in   or --base-url URL (env COMETCHAT_APP_ID, _REGION, _BASE_URL)\n"
    "  --insecure-http  allow http:// to another machine  --trust-settings  a .conf not yours may name it\n"
    "What to do:\n"
    "  --mode upsert|create|update     create or update (default), create only, update only\n"
    "  -n, --dry-run  send nothing  --force  send rows said unchanged  --verify  read back, repair\n"
    "  --trust-journal  no reading of the app when the journal knows every row  --limit N  canary run\n"
    "  --plan  --reactivate  --prune [--prune-max N]   say what a run would do, sending nothing;\n"
    "        bring back deactivated users the file names; deactivate the ones it leaves out (10%%)\n"
    "  --workers N (8)  --rate N/min|N/s (learned)  --timeout SECONDS (30)  --retries N (5)\n"
    "  --max-wait SECONDS (300)  longest rate-limit pause  --data-import auto|off  new users in 50s too\n"
    "Input:\n"
    "  --map COLUMN=FIELD (repeatable), FIELD one of (or ignore, to skip the column)\n    %s\n"
    "  --delimiter , ; TAB |  --encoding NAME (windows-1252...)  --template (all columns)\n"
    "  --date-order dmy|mdy  --timezone +HH:MM (UTC)   how date cells read\n"
    "  --max-columns N (1000)  --max-record-size BYTES (4194304)   bounds on one line\n"
    "Output: each run writes report.csv, rejects.csv... into INPUT.runs/TIME/, and INPUT.runs/latest\n"
    "  is the last (-n writes nothing)  --runs-dir DIR  --keep-runs N (20; 0: all)  --report PATH\n"
    "  --rejects PATH  --state PATH  --rejects-encoding NAME  --summary-json PATH  --progress=auto|...\n"
    "  -q, --quiet  -v, --verbose (every problem, not the first 10)  -h, --help  -V, --version\n"
    "Exit 0 ok, 1 rows failed, 2 no start, 3 stopped. --config PATH --save-config. man cometchat-import\n";

/* The help names the fields as the mapping lists them, so they are written in one place. */
static char usage_text[sizeof usage_format + 200];
static pthread_once_t usage_once = PTHREAD_ONCE_INIT;

static void build_usage(void)
{
    snprintf(usage_text, sizeof usage_text, usage_format, cci_mapping_template());
}

const char *cci_cli_usage(void)
{
    pthread_once(&usage_once, build_usage);
    return usage_text;
}

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
};

static const struct option long_options[] = {
    {"app-id", required_argument, NULL, OPT_APP_ID},
    {"region", required_argument, NULL, OPT_REGION},
    {"base-url", required_argument, NULL, OPT_BASE_URL},
    {"api-key-file", required_argument, NULL, OPT_API_KEY_FILE},
    {"report", required_argument, NULL, OPT_REPORT},
    {"rejects", required_argument, NULL, OPT_REJECTS},
    {"mode", required_argument, NULL, OPT_MODE},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"rate", required_argument, NULL, OPT_RATE},
    {"map", required_argument, NULL, OPT_MAP},
    {"delimiter", required_argument, NULL, OPT_DELIMITER},
    {"encoding", required_argument, NULL, OPT_ENCODING},
    {"force", no_argument, NULL, OPT_FORCE},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"progress", required_argument, NULL, OPT_PROGRESS},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {"template", no_argument, NULL, OPT_TEMPLATE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"state", required_argument, NULL, OPT_STATE},
    {"summary-json", required_argument, NULL, OPT_SUMMARY_JSON},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"rejects-encoding", required_argument, NULL, OPT_REJECTS_ENCODING},
    {"max-wait", required_argument, NULL, OPT_MAX_WAIT},
    {"insecure-http", no_argument, NULL, OPT_INSECURE_HTTP},
    {"max-columns", required_argument, NULL, OPT_MAX_COLUMNS},
    {"max-record-size", required_argument, NULL, OPT_MAX_RECORD_SIZE},
    {"plan", no_argument, NULL, OPT_PLAN},
    {"reactivate", no_argument, NULL, OPT_REACTIVATE},
    {"prune", no_argument, NULL, OPT_PRUNE},
    {"prune-max", required_argument, NULL, OPT_PRUNE_MAX},
    {"verify", no_argument, NULL, OPT_VERIFY},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"save-config", no_argument, NULL, OPT_SAVE_CONFIG},
    {"keep-runs", required_argument, NULL, OPT_KEEP_RUNS},
    {"data-import", required_argument, NULL, OPT_DATA_IMPORT},
    {"date-order", required_argument, NULL, OPT_DATE_ORDER},
    {"timezone", required_argument, NULL, OPT_TIMEZONE},
    {"trust-settings", no_argument, NULL, OPT_TRUST_SETTINGS},
    {"trust-journal", no_argument, NULL, OPT_TRUST_JOURNAL},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"runs-dir", required_argument, NULL, OPT_RUNS_DIR},
    {NULL, 0, NULL, 0},
};

/* The short options GNU tools and curl users reach for: -h -V -q -v -n. */
static int short_option(int code)
{
    switch (code) {
    case 'h': return OPT_HELP;
    case 'V': return OPT_VERSION;
    case 'q': return OPT_QUIET;
    case 'v': return OPT_VERBOSE;
    case 'n': return OPT_DRY_RUN;
    default: return code;
    }
}

/* "N", "N/min" or "N/s" (and "N/m", "N/sec"), as requests a minute. */
static bool parse_rate(const char *text, unsigned *per_minute)
{
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(text, &end, 10);
    if (errno || end == text || text[0] == '-' || n < 1) return false;
    unsigned long factor = 1;
    if (*end == '/') {
        const char *unit = end + 1;
        if (strcmp(unit, "min") == 0 || strcmp(unit, "m") == 0) factor = 1;
        else if (strcmp(unit, "s") == 0 || strcmp(unit, "sec") == 0) factor = 60;
        else return false;
    } else if (*end) {
        return false;
    }
    if (n > 10000000 / factor) return false;
    *per_minute = (unsigned)(n * factor);
    return true;
}

static cci_cli_result fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return CCI_CLI_ERROR;
}

/* A number of seconds in [min, max], as milliseconds. */
static bool parse_seconds(const char *text, double min, double max, unsigned *out_ms)
{
    char *end;
    double seconds = strtod(text, &end);
    if (*text == '\0' || *end || !(seconds >= min && seconds <= max)) return false;
    *out_ms = (unsigned)(seconds * 1000);
    return true;
}

static bool parse_unsigned(const char *text, unsigned long min, unsigned long max, unsigned *out)
{
    char *end;
    errno = 0;
    if (*text == '-' || *text == '+' || *text == '\0') return false;
    unsigned long value = strtoul(text, &end, 10);
    if (errno || *end || value < min || value > max) return false;
    *out = (unsigned)value;
    return true;
}

static bool parse_delimiter(const char *text, char *out)
{
    if (strcmp(text, "TAB") == 0 || strcmp(text, "tab") == 0 || strcmp(text, "\\t") == 0 ||
        strcmp(text, "\t") == 0) {
        *out = '\t';
        return true;
    }
    if (strlen(text) == 1 && strchr(",;|", text[0])) {
        *out = text[0];
        return true;
    }
    return false;
}

static bool add_map(cci_options *opts, const char *arg, bool optional)
{
    cci_column_map *grown = realloc(opts->maps, (opts->map_count + 1) * sizeof *grown);
    if (!grown) return false;
    opts->maps = grown;
    const char *eq = strchr(arg, '=');
    opts->maps[opts->map_count++] = (cci_column_map){
        .column = arg, .column_len = (size_t)(eq - arg), .field = eq + 1, .optional = optional};
    return true;
}

/* The name of the option argv[index] spelled, without any "=value" part. */
static int option_name_length(const char *arg)
{
    const char *eq = strchr(arg, '=');
    return eq ? (int)(eq - arg) : (int)strlen(arg);
}

static bool region_known(const char *region)
{
    return strcmp(region, "us") == 0 || strcmp(region, "eu") == 0 || strcmp(region, "in") == 0;
}

/* from_settings: the option comes from a settings file, not the command line */
static cci_cli_result apply_option(int code, const char *arg, cci_options *opts, bool from_settings, char *err,
                                   size_t errlen)
{
    switch (code) {
    case OPT_APP_ID:
        if (!cci_trust_app_id_is_plain(arg))
            return fail(err, errlen, "--app-id takes the app's ID as the dashboard shows it: letters, digits, - and _");
        opts->app_id = arg;
        break;
    case OPT_REGION:
        if (!region_known(arg)) return fail(err, errlen, "--region must be us, eu or in");
        opts->region = arg;
        break;
    case OPT_BASE_URL: opts->base_url = arg; break;
    case OPT_API_KEY_FILE: opts->api_key_file = arg; break;
    case OPT_REPORT: opts->report_path = arg; break;
    case OPT_REJECTS: opts->rejects_path = arg; break;
    case OPT_STATE: opts->state_path = arg; break;
    case OPT_SUMMARY_JSON: opts->summary_json = arg; break;
    case OPT_ENCODING: opts->encoding = arg; break;
    case OPT_DRY_RUN: opts->dry_run = true; break;
    case OPT_FORCE: opts->force = true; break;
    case OPT_PLAN: opts->plan = true; break;
    case OPT_REACTIVATE: opts->reactivate = true; break;
    case OPT_PRUNE: opts->prune = true; break;
    case OPT_VERIFY: opts->verify = true; break;
    case OPT_CONFIG: opts->config_path = arg; break;
    case OPT_SAVE_CONFIG: opts->save_config = true; break;
    case OPT_PRUNE_MAX: {
        unsigned most;
        if (!parse_unsigned(arg, 0, 100000000, &most))
            return fail(err, errlen, "--prune-max must be a whole number of users, 0 or more");
        opts->prune_max = (long)most;
        break;
    }
    case OPT_INSECURE_HTTP: opts->insecure_http = true; break;
    case OPT_TRUST_SETTINGS: opts->trust_settings = true; break;
    case OPT_TRUST_JOURNAL: opts->trust_journal = true; break;
    case OPT_LIMIT:
        if (!parse_unsigned(arg, 1, 100000000, &opts->limit))
            return fail(err, errlen, "--limit must be a whole number of rows from 1 to 100000000");
        break;
    case OPT_RUNS_DIR:
        if (!*arg) return fail(err, errlen, "--runs-dir needs a folder");
        opts->runs_dir = arg;
        break;
    case OPT_QUIET: opts->quiet = true; break;
    case OPT_VERBOSE: opts->verbose = true; break;
    case OPT_HELP: opts->show_help = true; break;
    case OPT_VERSION: opts->show_version = true; break;
    case OPT_TEMPLATE: opts->show_template = true; break;
    case OPT_REJECTS_ENCODING: opts->rejects_encoding = arg; break;
    case OPT_MODE:
        if (strcmp(arg, "upsert") == 0) opts->mode = CCI_MODE_UPSERT;
        else if (strcmp(arg, "create") == 0) opts->mode = CCI_MODE_CREATE;
        else if (strcmp(arg, "update") == 0) opts->mode = CCI_MODE_UPDATE;
        else return fail(err, errlen, "--mode must be upsert, create or update");
        break;
    case OPT_WORKERS:
        if (!parse_unsigned(arg, 1, CCI_MAX_WORKERS, &opts->workers))
            return fail(err, errlen, "--workers must be a whole number from 1 to %d",
                        CCI_MAX_WORKERS);
        break;
    case OPT_RATE:
        if (!parse_rate(arg, &opts->rate_per_minute))
            return fail(err, errlen, "--rate takes requests a minute or a second: 100, 100/min or 5/s (at least 1)");
        break;
    case OPT_TIMEOUT:
        if (!parse_seconds(arg, 0.05, 3600, &opts->timeout_ms))
            return fail(err, errlen, "--timeout must be a number of seconds from 0.05 to 3600");
        break;
    case OPT_MAX_WAIT:
        if (!parse_seconds(arg, 0.1, 86400, &opts->max_wait_ms))
            return fail(err, errlen, "--max-wait must be a number of seconds from 0.1 to 86400");
        break;
    case OPT_DATA_IMPORT:
        if (strcmp(arg, "auto") != 0 && strcmp(arg, "off") != 0)
            return fail(err, errlen, "--data-import must be auto (new users in batches of 50 as well) or off");
        opts->data_import_off = strcmp(arg, "off") == 0;
        break;
    case OPT_DATE_ORDER:
        if (strcasecmp(arg, "dmy") == 0) opts->date_order = CCI_DATE_ORDER_DMY;
        else if (strcasecmp(arg, "mdy") == 0) opts->date_order = CCI_DATE_ORDER_MDY;
        else return fail(err, errlen, "--date-order must be dmy (04/03/2021 is 4 March) or mdy (April 3)");
        break;
    case OPT_TIMEZONE:
        if (!cci_date_offset_parse(arg, &opts->timezone_offset))
            return fail(err, errlen, "--timezone takes an offset from UTC, such as +01:00, -0530 or UTC "
                                     "(not a zone's name: its offset changes with the date)");
        opts->timezone = arg;
        break;
    case OPT_KEEP_RUNS:
        if (!parse_unsigned(arg, 0, 1000000, &opts->keep_runs))
            return fail(err, errlen, "--keep-runs must be a whole number of runs, or 0 to keep them all");
        break;
    case OPT_RETRIES:
        if (!parse_unsigned(arg, 0, 100, &opts->retries))
            return fail(err, errlen, "--retries must be a whole number from 0 to 100");
        break;
    case OPT_MAX_COLUMNS:
        if (!parse_unsigned(arg, 2, 1000000, &opts->max_columns))
            return fail(err, errlen, "--max-columns must be a whole number from 2 to 1000000");
        break;
    case OPT_MAX_RECORD_SIZE:
        if (!parse_unsigned(arg, 1024, 1024UL * 1024 * 1024, &opts->max_record_bytes))
            return fail(err, errlen, "--max-record-size must be a number of bytes from 1024 to 1073741824");
        break;
    case OPT_DELIMITER:
        if (!parse_delimiter(arg, &opts->delimiter))
            return fail(err, errlen, "--delimiter must be one of , ; | or TAB");
        break;
    case OPT_PROGRESS:
        if (strcmp(arg, "auto") == 0) opts->progress = CCI_PROGRESS_AUTO;
        else if (strcmp(arg, "always") == 0) opts->progress = CCI_PROGRESS_ALWAYS;
        else if (strcmp(arg, "never") == 0) opts->progress = CCI_PROGRESS_NEVER;
        else return fail(err, errlen, "--progress must be auto, always or never");
        break;
    case OPT_MAP: {
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg)
            return fail(err, errlen, "--map takes COLUMN=FIELD, for example --map \"E-mail=metadata.email\"");
        if (!cci_mapping_field_known(eq + 1))
            return fail(err, errlen, "--map %.*s=%s: unknown field; use %s", (int)(eq - arg), arg, eq + 1,
                        cci_mapping_field_list());
        if (!add_map(opts, arg, from_settings)) return fail(err, errlen, "out of memory");
        break;
    }
    }
    return CCI_CLI_RUN;
}

/* The options a settings file may hold: the target, how the input reads, how the rows go. */
static const char *const remembered[] = {"app-id", "region",  "base-url", "map",     "mode",
                                         "workers", "rate",   "delimiter", "encoding", "rejects-encoding",
                                         "timeout", "retries", "max-wait", "keep-runs", "data-import",
                                         "date-order", "timezone", "runs-dir"};

/* What a settings file's lines are applied to. */
typedef struct settings_reading {
    cci_options *opts;
    cci_settings_file *file;
} settings_reading;

/* The target's parts are kept aside with their lines (cci_trust_choose_target weighs them);
 * runs-dir and keep-runs, where personal data is written and which runs are removed, are taken
 * only from a file of the person's own. */
static bool keep_aside(settings_reading *reading, const char *name, const char *value, unsigned line)
{
    cci_target_source *target = &reading->file->target;
    if (strcmp(name, "base-url") == 0) {
        target->base_url = value;
        target->base_url_line = line;
    } else if (strcmp(name, "app-id") == 0) {
        target->app_id = value;
        target->app_id_line = line;
    } else if (strcmp(name, "region") == 0) {
        target->region = value;
        target->region_line = line;
    } else if ((strcmp(name, "runs-dir") == 0 || strcmp(name, "keep-runs") == 0) && reading->file->untrusted[0]) {
        char *note = reading->opts->settings_note;
        size_t used = strlen(note), len = sizeof reading->opts->settings_note;
        snprintf(note + used, len - used, "%s%s = %.100s (%s line %u) is ignored: %s %s, and only your own settings or "
                                          "the command line say where the runs are written and which are removed",
                 used ? "; " : "", name, value, reading->file->path, line, reading->file->path, reading->file->untrusted);
    } else {
        return false;
    }
    return true;
}

/* A cci_setting_fn over a settings_reading: the setting as its command-line option. */
static bool apply_setting(void *context, const char *name, const char *value, unsigned line, char *err,
                          size_t errlen)
{
    settings_reading *reading = context;
    bool allowed = false;
    for (size_t i = 0; i < sizeof remembered / sizeof *remembered; i++) allowed |= strcmp(name, remembered[i]) == 0;
    const struct option *option = NULL;
    for (const struct option *o = long_options; allowed && o->name && !option; o++)
        if (strcmp(o->name, name) == 0) option = o;
    if (!option) {
        snprintf(err, errlen, "\"%s\" is not a setting; a settings file may hold app-id, region, base-url, map, "
                              "mode, workers, rate, delimiter, encoding, rejects-encoding, timeout, retries, max-wait, "
                              "keep-runs, data-import, date-order, timezone, runs-dir",
                 name);
        return false;
    }
    if (strcmp(name, "region") == 0 && !region_known(value)) {
        snprintf(err, errlen, "region must be us, eu or in");
        return false;
    }
    if (strcmp(name, "app-id") == 0 && !cci_trust_app_id_is_plain(value)) {
        snprintf(err, errlen, "app-id takes the app's ID as the dashboard shows it: letters, digits, - and _");
        return false;
    }
    if (keep_aside(reading, name, value, line)) return true;
    return apply_option(option->val, value, reading->opts, true, err, errlen) == CCI_CLI_RUN;
}

/* Where each settings file is looked for, and why a travelling one may not choose the target. */
static bool locate_settings(cci_options *opts, const char *config_path, const char *input)
{
    cci_settings_file *files = opts->settings;
    files[CCI_SETTINGS_WORKING].path = config_path ? NULL : strdup(CCI_CONFIG_DEFAULT_PATH);
    snprintf(files[CCI_SETTINGS_WORKING].untrusted, sizeof files->untrusted,
             "is a settings file of the working folder (it may have come with the data)");
    files[CCI_SETTINGS_COMPANION].path = cci_config_companion(input); /* NULL for standard input */
    snprintf(files[CCI_SETTINGS_COMPANION].untrusted, sizeof files->untrusted,
             "travels with %s (it may have come with the data)", input);
    files[CCI_SETTINGS_OWN].path = cci_config_own_path(); /* NULL without a home */
    files[CCI_SETTINGS_CONFIG].path = config_path ? strdup(config_path) : NULL;
    return (config_path || files[CCI_SETTINGS_WORKING].path) && (!config_path || files[CCI_SETTINGS_CONFIG].path) &&
           (strcmp(input, "-") == 0 || files[CCI_SETTINGS_COMPANION].path);
}

/* The settings files, lowest first, each applied over the one before. */
static cci_cli_result read_settings(cci_options *opts, const char *config_path, bool config_may_be_new,
                                    const char *input, char *err, size_t errlen)
{
    if (!locate_settings(opts, config_path, input)) return fail(err, errlen, "out of memory");
    for (int i = 0; i < CCI_SETTINGS_FILES; i++) {
        cci_settings_file *file = &opts->settings[i];
        if (!file->path) continue;
        struct stat st;
        char why[256];
        bool must_exist = i == CCI_SETTINGS_CONFIG && !config_may_be_new; /* --save-config makes it */
        if (!cci_config_load(file->path, must_exist, i == CCI_SETTINGS_COMPANION, &file->text, &st, err, errlen))
            return CCI_CLI_ERROR;
        if (!file->text) continue;
        bool own = i == CCI_SETTINGS_OWN || i == CCI_SETTINGS_CONFIG;
        if (own && !cci_trust_file_is_own(&st, file->path, why, sizeof why))
            snprintf(file->untrusted, sizeof file->untrusted, "is not only yours: %s", why);
        file->target = (cci_target_source){.kind = CCI_SOURCE_FILE, .path = file->path,
                                           .untrusted = file->untrusted[0] ? file->untrusted : NULL};
        settings_reading reading = {.opts = opts, .file = file};
        if (!cci_config_apply(file->path, file->text, apply_setting, &reading, err, errlen)) return CCI_CLI_ERROR;
    }
    return CCI_CLI_RUN;
}

/* A COMETCHAT_* variable; an empty one is unset. */
static const char *environment(const char *name)
{
    const char *value = getenv(name);
    return value && *value ? value : NULL;
}

/* The target, from the command line (in opts now: the files' parts were kept aside), the
 * environment and the settings files, by precedence; false with the refusal in err when a file
 * that may not choose it would, and the run would send. */
static bool choose_target(cci_options *opts, char *err, size_t errlen)
{
    cci_target_source sources[2 + CCI_SETTINGS_FILES] = {
        {.kind = CCI_SOURCE_COMMAND_LINE, .base_url = opts->base_url, .app_id = opts->app_id, .region = opts->region},
        {.kind = CCI_SOURCE_ENVIRONMENT, .base_url = environment("COMETCHAT_BASE_URL"),
         .app_id = environment("COMETCHAT_APP_ID"), .region = environment("COMETCHAT_REGION")}};
    size_t count = 2;
    for (int i = CCI_SETTINGS_FILES - 1; i >= 0; i--)
        if (opts->settings[i].text) sources[count++] = opts->settings[i].target;
    cci_target_choice choice;
    cci_trust_choose_target(sources, count, opts->trust_settings, &choice);
    opts->base_url = choice.base_url;
    opts->app_id = choice.app_id;
    opts->region = choice.region;
    bool sends = !opts->dry_run || opts->plan;
    if (choice.refusal[0] && sends) snprintf(err, errlen, "%s", choice.refusal);
    else if (choice.refusal[0]) /* a dry run sends nothing: it goes on, and says what a real run would do */
        snprintf(opts->target_conflict, sizeof opts->target_conflict, "a run that sends would stop here: %.700s",
                 choice.refusal);
    else
        snprintf(opts->target_conflict, sizeof opts->target_conflict, "%s", choice.conflict);
    return !(choice.refusal[0] && sends);
}

static void set_defaults(cci_options *opts)
{
    *opts = (cci_options){.mode = CCI_MODE_UPSERT, .prune_max = -1, .workers = CCI_DEFAULT_WORKERS,
                            .keep_runs = CCI_DEFAULT_KEEP_RUNS,
                          .timeout_ms = CCI_DEFAULT_TIMEOUT_MS,
                          .max_wait_ms = CCI_DEFAULT_MAX_WAIT_S * 1000, .retries = CCI_DEFAULT_RETRIES};
}

/* The options of argv over what opts holds; the input is left to the caller (optind). */
static cci_cli_result parse_argv(int argc, char **argv, cci_options *opts, char *err, size_t errlen)
{
    opterr = 0; /* getopt would echo "--token=SECRET"; we write our own messages */
    optind = 0; /* glibc: 0 re-initialises getopt, so parsing can run more than once */
    int code;
    while ((code = getopt_long(argc, argv, ":hVqvn", long_options, NULL)) != -1) {
        code = short_option(code);
        const char *spelled = argv[optind - 1];
        if (code == '?' || code == ':') {
            int len = option_name_length(spelled);
            if (code == ':')
                return fail(err, errlen, "%.*s needs a value; see --help", len, spelled);
            return fail(err, errlen, "unknown option %.*s; see --help", len, spelled);
        }
        if (apply_option(code, optarg, opts, false, err, errlen) != CCI_CLI_RUN) return CCI_CLI_ERROR;
    }
    return CCI_CLI_RUN;
}

cci_cli_result cci_cli_parse(int argc, char **argv, cci_options *opts, char *err, size_t errlen)
{
    set_defaults(opts);
    err[0] = '\0';
    /* Before getopt: it would take "--api-key=SECRET" as an abbreviation of --api-key-file. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--api-key") == 0 || strncmp(argv[i], "--api-key=", 10) == 0)
            return fail(err, errlen,
                        "the API key is not accepted on the command line (it would show in the "
                        "process list): set COMETCHAT_API_KEY or use --api-key-file PATH");
    /* once to find --config and the input, then again over the settings they bring, so that the
     * command line wins */
    if (parse_argv(argc, argv, opts, err, errlen) != CCI_CLI_RUN) return CCI_CLI_ERROR;
    if (!opts->show_help && !opts->show_version && !opts->show_template && optind == argc - 1) {
        const char *config_path = opts->config_path, *input = argv[optind];
        bool saving = opts->save_config;
        cci_options_cleanup(opts);
        set_defaults(opts);
        if (read_settings(opts, config_path, saving, input, err, errlen) != CCI_CLI_RUN ||
            parse_argv(argc, argv, opts, err, errlen) != CCI_CLI_RUN)
            return CCI_CLI_ERROR;
    }
    if (opts->show_help || opts->show_version || opts->show_template) return CCI_CLI_EXIT;
    if (optind == argc) return fail(err, errlen, "no input file given; see --help");
    if (argc - optind > 1)
        return fail(err, errlen, "one input file at a time; found %d arguments", argc - optind);
    opts->input = argv[optind];
    if (!choose_target(opts, err, errlen)) return CCI_CLI_ERROR;
    if (opts->region && !region_known(opts->region)) return fail(err, errlen, "COMETCHAT_REGION must be us, eu or in");
    if (opts->app_id && !cci_trust_app_id_is_plain(opts->app_id))
        return fail(err, errlen, "COMETCHAT_APP_ID takes the app's ID as the dashboard shows it: letters, digits, - and _");
    if (opts->base_url &&
        !cci_trust_check_base_url(opts->base_url, opts->insecure_http, &opts->loopback, err, errlen))
        return CCI_CLI_ERROR;
    if (opts->prune_max >= 0 && !opts->prune) return fail(err, errlen, "--prune-max goes with --prune");
    if (opts->dry_run && (opts->plan || opts->prune || opts->reactivate))
        return fail(err, errlen, "--dry-run reads nothing from the app: use --plan to see what --prune or "
                                 "--reactivate would do");
    if (opts->limit && (opts->dry_run || opts->plan))
        return fail(err, errlen, "--limit sends only the first rows, and a dry run or --plan sends none: they show "
                                 "every row; drop --limit to see them all");
    if (opts->limit && (opts->prune || opts->verify))
        return fail(err, errlen, "--limit sends only the first rows: it goes with neither --prune nor --verify, which "
                                 "need every row sent");
    if (opts->verify && (opts->dry_run || opts->plan))
        return fail(err, errlen, "--verify reads the app back after a run that sends: it goes with neither --dry-run "
                                 "nor --plan");
    if ((!opts->dry_run || opts->plan) && !opts->base_url && !(opts->app_id && opts->region))
        return fail(err, errlen,
                    "no target: give --app-id and --region (or --base-url), or set "
                    "COMETCHAT_APP_ID and COMETCHAT_REGION");
    return CCI_CLI_RUN;
}

void cci_options_cleanup(cci_options *opts)
{
    free(opts->maps);
    opts->maps = NULL;
    opts->map_count = 0;
    for (int i = 0; i < CCI_SETTINGS_FILES; i++) {
        free(opts->settings[i].path);
        free(opts->settings[i].text);
        opts->settings[i] = (cci_settings_file){0};
    }
}
