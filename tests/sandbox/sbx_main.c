/* cometchat-sandbox: the local CometChat users API, for tests, benchmarks and rehearsals. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox.h"

static const char usage[] =
    "Usage: cometchat-sandbox [OPTIONS]\n"
    "A local emulator of the CometChat users REST API (/v3 and /v3.0), on loopback.\n"
    "  --port N                port to listen on; 0 picks a free one (default 0)\n"
    "  --port-file PATH        write the port there once listening\n"
    "  --bind ADDR             IPv4 address (default 127.0.0.1)\n"
    "  --keys-file PATH        lines 'full KEY' (REST API key) or 'auth KEY' (auth-only key)\n"
    "  --roles LIST            comma-separated roles besides 'default'\n"
    "  --role-error KIND       unknown role answers bad-request (default) or not-found\n"
    "  --auth-error-status N   status for a missing or unknown key (default 401)\n"
    "  --app-id ID             refuse requests whose appid header names another app\n"
    "  --plan-error CODE       answer every API request 403 with this code\n"
    "  --metadata-limit BYTES  largest metadata object (default 5120)\n"
    "  --max-body BYTES        largest request body (default 10240)\n"
    "  --core-limit N          creates+deletes per window (default 10000)\n"
    "  --standard-limit N      other requests per window (default 20000)\n"
    "  --window-ms MS          rate-limit window (default 60000)\n"
    "  --data-import-limit N   POST /data_import/users per window (default 60)\n"
    "  --data-import KIND      the Data Import endpoint is there (present, default) or not (missing: 404)\n"
    "  --import-body KIND      Data Import \"users\" accepted as either (default), object (keyed by uid) or array\n"
    "  --import-answer KIND    Data Import answers per uid in an object (default) or an array\n"
    "  --rate-headers PROFILE  current (X-RateLimit-*, reset on every answer; default),\n"
    "                          legacy (X-Rate-Limit*, reset and Retry-After on 429 only),\n"
    "                          retry-after (Retry-After on 429 only) or none\n"
    "  --429-body KIND         json (default) or html\n"
    "  --hostile MODE          huge-retry-after, far-reset, overflow-reset, always-429, html-200\n"
    "                          endless-listing (every GET /users page full, for ever) or echo-key\n"
    "  --seed N                seed of the fault rolls (default 0)\n"
    "  --latency-ms MS, --jitter-ms MS   added to every answer\n"
    "  --error-rate P          share of requests answered 500 (0..1)\n"
    "  --drop-before-rate P    share of connections dropped before applying\n"
    "  --drop-after-rate P     share of connections dropped after applying\n"
    "  --slow-rate P, --slow-ms MS       share of answers held back MS after applying\n"
    "  --load FILE             users to start with, as GET /admin/users dumps them\n"
    "  --listing-private KIND  listed metadata shows \"@private\" (shown, default) or not (hidden)\n"
    "  --listing-fault KIND    listings misbehave from page 2: short-page, empty-page, shift,\n"
    "                          growing-total or no-pagination  --listing-fault-readings N (0: all)\n"
    "  --listing-total KIND    listed pagination counts the users (counted, default) or says 0 (zero;\n"
    "                          with --hostile endless-listing: announces no size)\n"
    "  --cleared-fields KIND   an update's tags [] and statusMessage \"\" are kept (kept, default) or remove the field (dropped)\n"
    "Admin (no key): GET /admin/users, POST /admin/users, PATCH /admin/users/{uid} (a dashboard\n"
    "edit: fields replace, \"unset\" clears), GET /admin/counters[?uids=false],\n"
    "POST /admin/reset[?keep=users]. Runs until SIGINT or SIGTERM.\n";

enum {
    O_PORT = 256, O_PORT_FILE, O_BIND, O_KEYS, O_ROLES, O_ROLE_ERROR, O_AUTH_STATUS, O_APP_ID,
    O_PLAN_ERROR, O_METADATA_LIMIT, O_MAX_BODY, O_CORE, O_STANDARD, O_WINDOW, O_SEED, O_LATENCY,
    O_JITTER, O_ERROR_RATE, O_RATE_HEADERS, O_429_BODY, O_HOSTILE, O_DROP_BEFORE, O_DROP_AFTER, O_SLOW_RATE, O_SLOW_MS, O_LOAD, O_LISTING_PRIVATE, O_LISTING_TOTAL, O_LISTING_FAULT, O_LISTING_FAULT_READINGS, O_CLEARED_FIELDS, O_IMPORT_LIMIT, O_IMPORT_BODY, O_IMPORT_ANSWER, O_DATA_IMPORT, O_HELP,
};

static const struct option options[] = {
    {"port", required_argument, NULL, O_PORT},
    {"port-file", required_argument, NULL, O_PORT_FILE},
    {"bind", required_argument, NULL, O_BIND},
    {"keys-file", required_argument, NULL, O_KEYS},
    {"roles", required_argument, NULL, O_ROLES},
    {"role-error", required_argument, NULL, O_ROLE_ERROR},
    {"auth-error-status", required_argument, NULL, O_AUTH_STATUS},
    {"app-id", required_argument, NULL, O_APP_ID},
    {"plan-error", required_argument, NULL, O_PLAN_ERROR},
    {"metadata-limit", required_argument, NULL, O_METADATA_LIMIT},
    {"max-body", required_argument, NULL, O_MAX_BODY},
    {"core-limit", required_argument, NULL, O_CORE},
    {"standard-limit", required_argument, NULL, O_STANDARD},
    {"window-ms", required_argument, NULL, O_WINDOW},
    {"rate-headers", required_argument, NULL, O_RATE_HEADERS},
    {"429-body", required_argument, NULL, O_429_BODY},
    {"hostile", required_argument, NULL, O_HOSTILE},
    {"seed", required_argument, NULL, O_SEED},
    {"latency-ms", required_argument, NULL, O_LATENCY},
    {"jitter-ms", required_argument, NULL, O_JITTER},
    {"error-rate", required_argument, NULL, O_ERROR_RATE},
    {"drop-before-rate", required_argument, NULL, O_DROP_BEFORE},
    {"drop-after-rate", required_argument, NULL, O_DROP_AFTER},
    {"slow-rate", required_argument, NULL, O_SLOW_RATE},
    {"slow-ms", required_argument, NULL, O_SLOW_MS},
    {"load", required_argument, NULL, O_LOAD},
    {"listing-private", required_argument, NULL, O_LISTING_PRIVATE},
    {"listing-total", required_argument, NULL, O_LISTING_TOTAL},
    {"listing-fault", required_argument, NULL, O_LISTING_FAULT},
    {"listing-fault-readings", required_argument, NULL, O_LISTING_FAULT_READINGS},
    {"cleared-fields", required_argument, NULL, O_CLEARED_FIELDS},
    {"data-import-limit", required_argument, NULL, O_IMPORT_LIMIT},
    {"import-body", required_argument, NULL, O_IMPORT_BODY},
    {"import-answer", required_argument, NULL, O_IMPORT_ANSWER},
    {"data-import", required_argument, NULL, O_DATA_IMPORT},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *what)
{
    fprintf(stderr, "cometchat-sandbox: %s; see --help\n", what);
    return 2;
}

static bool parse_count(const char *text, unsigned long long max, unsigned long long *out)
{
    char *end;
    if (!*text || *text == '-') return false;
    *out = strtoull(text, &end, 10);
    return !*end && *out <= max;
}

static bool parse_rate(const char *text, double *out)
{
    char *end;
    *out = strtod(text, &end);
    return *text && !*end && *out >= 0 && *out <= 1;
}

static char *read_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    char *text = NULL;
    size_t length = 0;
    if (fseek(file, 0, SEEK_END) == 0) {
        long size = ftell(file);
        if (size >= 0 && fseek(file, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1))) {
            length = fread(text, 1, (size_t)size, file);
            text[length] = '\0';
        }
    }
    fclose(file);
    return text;
}

/* Written whole under a temporary name, then renamed: a reader never sees half a port. */
static bool write_port_file(const char *path, unsigned port)
{
    char temporary[4096];
    snprintf(temporary, sizeof temporary, "%s.tmp", path);
    FILE *file = fopen(temporary, "w");
    if (!file) return false;
    bool ok = fprintf(file, "%u\n", port) > 0;
    ok = (fclose(file) == 0) && ok;
    return ok && rename(temporary, path) == 0;
}

/* Applies one option to config; returns an error text or NULL. */
static const char *apply(sbx_config *config, int code, const char *arg, const char **port_file,
                         const char **load_path)
{
    unsigned long long n;
    double p;
    static char err[512];
    switch (code) {
    case O_PORT: if (!parse_count(arg, 65535, &n)) return "--port must be 0..65535"; config->port = (unsigned)n; break;
    case O_PORT_FILE: *port_file = arg; break;
    case O_BIND: config->bind_address = arg; break;
    case O_KEYS: if (!sbx_config_load_keys(config, arg, err, sizeof err)) return err; break;
    case O_ROLES: if (!sbx_config_set_roles(config, arg)) return "out of memory"; break;
    case O_ROLE_ERROR:
        if (strcmp(arg, "not-found") == 0) config->role_error_not_found = true;
        else if (strcmp(arg, "bad-request") == 0) config->role_error_not_found = false;
        else return "--role-error must be bad-request or not-found";
        break;
    case O_AUTH_STATUS: if (!parse_count(arg, 599, &n) || n < 400) return "--auth-error-status must be 400..599"; config->auth_error_status = (unsigned)n; break;
    case O_APP_ID: config->app_id = arg; break;
    case O_PLAN_ERROR: config->plan_error = arg; break;
    case O_METADATA_LIMIT: if (!parse_count(arg, 1u << 30, &n)) return "--metadata-limit must be a byte count"; config->metadata_limit = (size_t)n; break;
    case O_MAX_BODY: if (!parse_count(arg, 1u << 30, &n) || !n) return "--max-body must be a byte count"; config->max_body = (size_t)n; break;
    case O_CORE: if (!parse_count(arg, 4000000000u, &n)) return "--core-limit must be a count"; config->core_limit = (unsigned)n; break;
    case O_STANDARD: if (!parse_count(arg, 4000000000u, &n)) return "--standard-limit must be a count"; config->standard_limit = (unsigned)n; break;
    case O_WINDOW: if (!parse_count(arg, 86400000, &n) || !n) return "--window-ms must be 1..86400000"; config->window_ms = (unsigned)n; break;
    case O_SEED: if (!parse_count(arg, UINT64_MAX, &n)) return "--seed must be a whole number"; config->faults.seed = n; break;
    case O_LATENCY: if (!parse_count(arg, 600000, &n)) return "--latency-ms must be 0..600000"; config->faults.latency_ms = (unsigned)n; break;
    case O_JITTER: if (!parse_count(arg, 600000, &n)) return "--jitter-ms must be 0..600000"; config->faults.jitter_ms = (unsigned)n; break;
    case O_SLOW_MS: if (!parse_count(arg, 600000, &n)) return "--slow-ms must be 0..600000"; config->faults.slow_ms = (unsigned)n; break;
    case O_ERROR_RATE: if (!parse_rate(arg, &p)) return "--error-rate must be 0..1"; config->faults.error_rate = p; break;
    case O_DROP_BEFORE: if (!parse_rate(arg, &p)) return "--drop-before-rate must be 0..1"; config->faults.drop_before_rate = p; break;
    case O_DROP_AFTER: if (!parse_rate(arg, &p)) return "--drop-after-rate must be 0..1"; config->faults.drop_after_rate = p; break;
    case O_SLOW_RATE: if (!parse_rate(arg, &p)) return "--slow-rate must be 0..1"; config->faults.slow_rate = p; break;
    case O_LOAD: *load_path = arg; break;
    case O_LISTING_PRIVATE:
        if (strcmp(arg, "shown") != 0 && strcmp(arg, "hidden") != 0) return "--listing-private must be shown or hidden";
        config->listing_hides_private = strcmp(arg, "hidden") == 0;
        break;
    case O_LISTING_FAULT:
        for (n = 1; n < SBX_LISTING_FAULT_COUNT && strcmp(arg, sbx_listing_fault_name((sbx_listing_fault)n)) != 0; n++) {
        }
        if (n == SBX_LISTING_FAULT_COUNT)
            return "--listing-fault must be short-page, empty-page, shift, growing-total or no-pagination";
        config->listing_fault = (sbx_listing_fault)n;
        break;
    case O_LISTING_FAULT_READINGS:
        if (!parse_count(arg, 1000000, &n)) return "--listing-fault-readings must be a whole number";
        config->listing_fault_readings = (unsigned)n;
        break;
    case O_LISTING_TOTAL:
        if (strcmp(arg, "counted") != 0 && strcmp(arg, "zero") != 0) return "--listing-total must be counted or zero";
        config->listing_total_zero = strcmp(arg, "zero") == 0;
        break;
    case O_CLEARED_FIELDS:
        if (strcmp(arg, "kept") != 0 && strcmp(arg, "dropped") != 0) return "--cleared-fields must be kept or dropped";
        config->cleared_dropped = strcmp(arg, "dropped") == 0;
        break;
    case O_IMPORT_LIMIT: if (!parse_count(arg, 4000000000u, &n)) return "--data-import-limit must be a count"; config->data_import_limit = (unsigned)n; break;
    case O_DATA_IMPORT:
        if (strcmp(arg, "present") != 0 && strcmp(arg, "missing") != 0) return "--data-import must be present or missing";
        config->import_missing = strcmp(arg, "missing") == 0;
        break;
    case O_IMPORT_ANSWER:
        if (strcmp(arg, "object") != 0 && strcmp(arg, "array") != 0) return "--import-answer must be object or array";
        config->import_answer_array = strcmp(arg, "array") == 0;
        break;
    case O_IMPORT_BODY:
        for (n = 0; n < SBX_IMPORT_BODY_COUNT && strcmp(arg, sbx_import_body_name((sbx_import_body)n)) != 0; n++) {
        }
        if (n == SBX_IMPORT_BODY_COUNT) return "--import-body must be either, object or array";
        config->import_body = (sbx_import_body)n;
        break;
    case O_RATE_HEADERS:
        for (n = 0; n < SBX_HEADERS_COUNT && strcmp(arg, sbx_rate_headers_name((sbx_rate_headers)n)) != 0; n++) {
        }
        if (n == SBX_HEADERS_COUNT) return "--rate-headers must be current, legacy, retry-after or none";
        config->rate_headers = (sbx_rate_headers)n;
        break;
    case O_429_BODY:
        if (strcmp(arg, "json") != 0 && strcmp(arg, "html") != 0) return "--429-body must be json or html";
        config->html_429 = strcmp(arg, "html") == 0;
        break;
    case O_HOSTILE:
        for (n = 1; n < SBX_HOSTILE_COUNT && strcmp(arg, sbx_hostile_name((sbx_hostile)n)) != 0; n++) {
        }
        if (n == SBX_HOSTILE_COUNT) return "--hostile must be huge-retry-after, far-reset, overflow-reset, always-429, html-200, endless-listing or echo-key";
        config->hostile = (sbx_hostile)n;
        break;
    default: return "unknown option";
    }
    return NULL;
}

int main(int argc, char **argv)
{
    sbx_config config;
    sbx_config_defaults(&config);
    const char *port_file = NULL, *load_path = NULL;
    int code, status = 0;
    opterr = 0;
    while ((code = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (code == O_HELP) {
            fputs(usage, stdout);
            sbx_config_cleanup(&config);
            return 0;
        }
        const char *problem = code == '?' ? "unknown option or missing value"
                                          : apply(&config, code, optarg, &port_file, &load_path);
        if (problem) {
            sbx_config_cleanup(&config);
            return usage_error(problem);
        }
    }
    if (optind < argc) {
        sbx_config_cleanup(&config);
        return usage_error("no arguments expected besides options");
    }
    if (config.faults.error_rate + config.faults.drop_before_rate + config.faults.drop_after_rate +
            config.faults.slow_rate > 1) {
        sbx_config_cleanup(&config);
        return usage_error("the fault rates add up to more than 1");
    }
    if (config.key_count == 0)
        fprintf(stderr, "cometchat-sandbox: no --keys-file: every API request will be refused\n");

    /* Block the stop signals before any thread starts, so only sigwait below receives them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    sbx_server *server = sbx_server_start(&config, err, sizeof err);
    if (!server) {
        fprintf(stderr, "cometchat-sandbox: %s\n", err);
        sbx_config_cleanup(&config);
        return 1;
    }
    if (load_path) {
        char *text = read_file(load_path);
        if (!text || !sbx_server_load(server, text, err, sizeof err)) {
            fprintf(stderr, "cometchat-sandbox: --load %s: %s\n", load_path,
                    text ? err : "cannot read the file");
            status = 1;
        }
        free(text);
    }
    if (!status && port_file && !write_port_file(port_file, sbx_server_port(server))) {
        fprintf(stderr, "cometchat-sandbox: cannot write %s\n", port_file);
        status = 1;
    }
    if (!status) {
        fprintf(stderr, "cometchat-sandbox: listening on http://%s:%u/v3\n", config.bind_address,
                sbx_server_port(server));
        int received;
        sigwait(&stop_signals, &received);
    }
    sbx_server_stop(server);
    sbx_config_cleanup(&config);
    return status;
}
