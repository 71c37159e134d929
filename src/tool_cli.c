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
#include "tool_help.h"
#include "tool_options.h"
#include "tool_settings.h"

const char *tool_cli_usage(void)
{
    return tool_help_text();
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

static tool_cli_result fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return TOOL_CLI_ERROR;
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

static bool add_map(tool_options *opts, const char *arg, bool optional)
{
    cci_column_map *grown = realloc(opts->maps, (opts->map_count + 1) * sizeof *grown);
    if (!grown) return false;
    opts->maps = grown;
    const char *eq = strrchr(arg, '='); /* a column may hold '=' ("a=b"); no field name does */
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

bool tool_cli_region_known(const char *region)
{
    return strcmp(region, "us") == 0 || strcmp(region, "eu") == 0 || strcmp(region, "in") == 0;
}

tool_cli_result tool_cli_apply(int code, const char *arg, tool_options *opts, bool from_settings, char *err,
                                   size_t errlen)
{
    switch (code) {
    case OPT_APP_ID:
        if (!tool_trust_app_id_is_plain(arg))
            return fail(err, errlen, "--app-id takes the app's ID as the dashboard shows it: letters, digits, - and _");
        opts->app_id = arg;
        break;
    case OPT_REGION:
        if (!tool_cli_region_known(arg)) return fail(err, errlen, "--region must be us, eu or in");
        opts->region = arg;
        break;
    case OPT_BASE_URL: opts->base_url = arg; break;
    case OPT_API_KEY_FILE: opts->api_key_file = arg; break;
    case OPT_REPORT: opts->report_path = arg; break;
    case OPT_REJECTS: opts->rejects_path = arg; break;
    case OPT_STATE: opts->state_path = arg; break;
    case OPT_SUMMARY_JSON: opts->summary_json = arg; break;
    case OPT_HEADER_ROW:
        if (!parse_unsigned(arg, 1, 1048576, &opts->header_row))
            return fail(err, errlen, "--header-row must be a row number from 1 to 1048576");
        break;
    case OPT_SHEET:
        if (!*arg) return fail(err, errlen, "--sheet needs a sheet's name or number");
        opts->sheet = arg;
        break;
    case OPT_ENCODING:
        opts->encoding = arg;
        opts->encoding_from_settings = from_settings;
        break;
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
        opts->delimiter_from_settings = from_settings;
        break;
    case OPT_PROGRESS:
        if (strcmp(arg, "auto") == 0) opts->progress = TOOL_PROGRESS_AUTO;
        else if (strcmp(arg, "always") == 0) opts->progress = TOOL_PROGRESS_ALWAYS;
        else if (strcmp(arg, "never") == 0) opts->progress = TOOL_PROGRESS_NEVER;
        else return fail(err, errlen, "--progress must be auto, always or never");
        break;
    case OPT_MAP: {
        const char *eq = strrchr(arg, '=');
        if (!eq || eq == arg)
            return fail(err, errlen, "--map takes COLUMN=FIELD, for example --map \"E-mail=metadata.email\"");
        if (!cci_mapping_field_known(eq + 1))
            return fail(err, errlen, "--map %.*s=%s: unknown field; use %s", (int)(eq - arg), arg, eq + 1,
                        cci_mapping_field_list());
        if (!add_map(opts, arg, from_settings)) return fail(err, errlen, "out of memory");
        break;
    }
    }
    return TOOL_CLI_RUN;
}

static void set_defaults(tool_options *opts)
{
    *opts = (tool_options){.mode = CCI_MODE_UPSERT, .prune_max = -1, .workers = CCI_DEFAULT_WORKERS,
                            .keep_runs = CCI_DEFAULT_KEEP_RUNS,
                          .timeout_ms = CCI_DEFAULT_TIMEOUT_MS,
                          .max_wait_ms = CCI_DEFAULT_MAX_WAIT_MS, .retries = CCI_DEFAULT_RETRIES};
}

/* The options of argv over what opts holds; the input is left to the caller (optind). */
static tool_cli_result parse_argv(int argc, char **argv, tool_options *opts, char *err, size_t errlen)
{
    opterr = 0; /* getopt would echo "--token=SECRET"; we write our own messages */
    optind = 0; /* glibc: 0 re-initialises getopt, so parsing can run more than once */
    struct option long_options[TOOL_OPTION_COUNT + 1];
    tool_option_getopt(long_options);
    int code;
    while ((code = getopt_long(argc, argv, TOOL_SHORT_OPTIONS, long_options, NULL)) != -1) {
        code = tool_option_short(code);
        const char *spelled = argv[optind - 1];
        if (code == '?' || code == ':') {
            int len = option_name_length(spelled);
            if (code == ':')
                return fail(err, errlen, "%.*s needs a value; see --help", len, spelled);
            return fail(err, errlen, "unknown option %.*s; see --help", len, spelled);
        }
        if (tool_cli_apply(code, optarg, opts, false, err, errlen) != TOOL_CLI_RUN) return TOOL_CLI_ERROR;
    }
    return TOOL_CLI_RUN;
}

tool_cli_result tool_cli_parse(int argc, char **argv, tool_options *opts, char *err, size_t errlen)
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
    if (parse_argv(argc, argv, opts, err, errlen) != TOOL_CLI_RUN) return TOOL_CLI_ERROR;
    if (!opts->show_help && !opts->show_version && !opts->show_template && optind == argc - 1) {
        const char *config_path = opts->config_path, *input = argv[optind];
        bool saving = opts->save_config;
        tool_options_cleanup(opts);
        set_defaults(opts);
        if (tool_settings_read(opts, config_path, saving, input, err, errlen) != TOOL_CLI_RUN ||
            parse_argv(argc, argv, opts, err, errlen) != TOOL_CLI_RUN)
            return TOOL_CLI_ERROR;
    }
    if (opts->show_help || opts->show_version || opts->show_template) return TOOL_CLI_EXIT;
    if (optind == argc) return fail(err, errlen, "no input file given; see --help");
    if (argc - optind > 1)
        return fail(err, errlen, "one input file at a time; found %d arguments", argc - optind);
    opts->input = argv[optind];
    if (!tool_settings_choose_target(opts, err, errlen)) return TOOL_CLI_ERROR;
    tool_settings_spare_the_tools_files(opts);
    if (opts->region && !tool_cli_region_known(opts->region)) return fail(err, errlen, "COMETCHAT_REGION must be us, eu or in");
    if (opts->app_id && !tool_trust_app_id_is_plain(opts->app_id))
        return fail(err, errlen, "COMETCHAT_APP_ID takes the app's ID as the dashboard shows it: letters, digits, - and _");
    if (opts->base_url &&
        !tool_trust_check_base_url(opts->base_url, opts->insecure_http, &opts->loopback, err, errlen))
        return TOOL_CLI_ERROR;
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
    return TOOL_CLI_RUN;
}

void tool_options_cleanup(tool_options *opts)
{
    free(opts->maps);
    opts->maps = NULL;
    opts->map_count = 0;
    for (int i = 0; i < TOOL_SETTINGS_FILES; i++) {
        free(opts->settings[i].path);
        free(opts->settings[i].text);
        opts->settings[i] = (tool_settings_file){0};
    }
}
