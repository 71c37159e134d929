/* HTTP wiring of the sandbox: routing, the order of checks, headers and error envelopes.
 * The rules, the store, the limits, the faults and the counts live in their own modules. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sandbox.h"
#include "sbx_faults.h"
#include "sbx_limits.h"
#include "sbx_rules.h"
#include "sbx_stats.h"
#include "sbx_store.h"

struct sbx_server {
    const sbx_config *config; /* read-only while serving */
    struct MHD_Daemon *daemon;
    unsigned port;
    sbx_store *store;   /* thread-safe inside */
    sbx_limits limits;  /* thread-safe inside */
    sbx_stats stats;    /* thread-safe inside */
    atomic_ulong api_requests; /* begun since the start, for config->on_api_request */
    atomic_ulong listings;     /* readings of the user listing begun (requests of page 1) */
};

/* One request being received; owned by its connection's thread. */
typedef struct request {
    char *body;
    size_t length;
    bool too_large;
    bool counted_in_flight;
} request;

enum { MAX_PER_PAGE = 1000, DEFAULT_PER_PAGE = 100 };

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
    if (!ms) return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* text lowercased, as the service stores uids, into out (cut to len - 1 bytes). */
static void lowercase_uid(const char *text, char *out, size_t len)
{
    snprintf(out, len, "%s", text);
    for (char *p = out; *p; p++) *p = (char)tolower((unsigned char)*p);
}

/* ---- answers ---- */

/* The service's error object: {"message", "devMessage", "source", "code"[, "details"]}. */
static cJSON *error_object(const char *code, const char *message, const cJSON *details)
{
    cJSON *error = cJSON_CreateObject();
    cJSON_AddStringToObject(error, "message", message);
    cJSON_AddStringToObject(error, "devMessage", message);
    cJSON_AddStringToObject(error, "source", "chat-api");
    cJSON_AddStringToObject(error, "code", code);
    if (details) cJSON_AddItemToObject(error, "details", cJSON_Duplicate(details, true));
    return error;
}

static char *error_body(const char *code, const char *message, cJSON *details)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "error", error_object(code, message, details));
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

static char *wrap_data(char *user_json)
{
    size_t len = strlen(user_json);
    char *text = malloc(len + 10);
    if (text) snprintf(text, len + 10, "{\"data\":%s}", user_json);
    free(user_json);
    return text;
}

static void add_header_number(struct MHD_Response *response, const char *name, uint64_t value)
{
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)value);
    MHD_add_response_header(response, name, text);
}

enum { THREE_YEARS_S = 3 * 365 * 86400 };

/* The rate-limit headers of an answer, as the configured profile (and hostile mode) has them. */
static void add_limit_headers(const sbx_config *config, struct MHD_Response *response,
                              const sbx_limit_state *limit)
{
    sbx_rate_headers profile = config->rate_headers;
    bool legacy = profile == SBX_HEADERS_LEGACY;
    bool limited = !limit->allowed;
    if (profile == SBX_HEADERS_CURRENT || legacy) {
        add_header_number(response, legacy ? "X-Rate-Limit" : "X-RateLimit-Limit", limit->limit);
        add_header_number(response, legacy ? "X-Rate-Limit-Remaining" : "X-RateLimit-Remaining", limit->remaining);
    }
    const char *reset_name = legacy ? "X-Rate-Limit-Reset" : "X-RateLimit-Reset";
    uint64_t now = now_ms();
    switch (config->hostile) {
    case SBX_HOSTILE_HUGE_RETRY_AFTER:
        if (limited) MHD_add_response_header(response, "Retry-After", "99999999");
        return;
    case SBX_HOSTILE_FAR_RESET:
        if (limited || profile == SBX_HEADERS_CURRENT) add_header_number(response, reset_name, now / 1000 + THREE_YEARS_S);
        return;
    case SBX_HOSTILE_OVERFLOW_RESET:
        if (limited || profile == SBX_HEADERS_CURRENT) MHD_add_response_header(response, reset_name, "9223372036854775807");
        return;
    default:
        break;
    }
    uint64_t reset_s = (limit->reset_ms + 999) / 1000;
    if (profile == SBX_HEADERS_CURRENT || (legacy && limited)) add_header_number(response, reset_name, reset_s);
    if (limited && profile != SBX_HEADERS_NONE) {
        uint64_t wait_ms = limit->reset_ms > now ? limit->reset_ms - now : 0;
        add_header_number(response, "Retry-After", (wait_ms + 999) / 1000 ? (wait_ms + 999) / 1000 : 1);
    }
}

static const char html_page_429[] =
    "<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1></body></html>";
static const char html_page_200[] =
    "<html><head><title>Sign in to the network</title></head><body>Accept the terms to continue.</body></html>";

/* Sends body (malloc'd, taken) with status; limit may be NULL (admin answers). */
static enum MHD_Result send_answer(sbx_server *server, struct MHD_Connection *connection,
                                   unsigned status, char *body, const char *code,
                                   const sbx_limit_state *limit)
{
    if (!body) {
        status = 500;
        body = strdup("{\"error\":{\"code\":\"ERR_EXCEPTION\",\"message\":\"out of memory\"}}");
        if (!body) return MHD_NO;
    }
    const sbx_config *config = server->config;
    const char *page = status == 429 && config->html_429                            ? html_page_429
                       : status == 200 && code && strcmp(code, "HTML_200") == 0 ? html_page_200
                                                                                  : NULL;
    if (page) { /* what a proxy or a captive portal sends instead of the service's JSON */
        free(body);
        body = strdup(page);
        if (!body) return MHD_NO;
    }
    struct MHD_Response *response =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(response, "Content-Type", page ? "text/html; charset=utf-8" : "application/json");
    if (limit) add_limit_headers(config, response, limit);
    enum MHD_Result queued = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    if (limit) sbx_stats_answered(&server->stats, status, code);
    return queued;
}

static enum MHD_Result send_error(sbx_server *server, struct MHD_Connection *connection,
                                  unsigned status, const char *code, const char *message,
                                  cJSON *details, const sbx_limit_state *limit)
{
    return send_answer(server, connection, status, error_body(code, message, details), code, limit);
}

/* The error a careless service gives that echoes the key: raw in the message and the details, and
 * in error.code with its first character as a JSON escape (\u00XX), which only a JSON reader
 * turns back into the key. */
static char *echo_key_body(const char *key)
{
    char message[512], lower[160], upper[160];
    size_t n = 0;
    for (; key[n] && n + 1 < sizeof lower; n++) lower[n] = (char)tolower((unsigned char)key[n]), upper[n] = (char)toupper((unsigned char)key[n]);
    lower[n] = upper[n] = '\0';
    /* as given, and in other letter cases: a blanking that matches bytes only would miss these */
    snprintf(message, sizeof message, "The key %s may not do this (%s, %s).", key, lower, upper);
    cJSON *details = cJSON_CreateObject();
    cJSON *names = cJSON_AddArrayToObject(details, "name");
    if (names) cJSON_AddItemToArray(names, cJSON_CreateString(key));
    char *body = error_body(key, message, details);
    cJSON_Delete(details); /* error_body copies it */
    char quoted[300];
    snprintf(quoted, sizeof quoted, "\"code\":\"%s\"", key);
    char *at = body ? strstr(body, quoted) : NULL;
    char *escaped = at ? malloc(strlen(body) + 6) : NULL;
    if (!escaped) return body;
    size_t head = (size_t)(at - body) + strlen("\"code\":\"");
    snprintf(escaped, strlen(body) + 6, "%.*s\\u%04x%s", (int)head, body, (unsigned char)key[0], body + head + 1);
    free(body);
    return escaped;
}

/* ---- routing ---- */

typedef struct route {
    sbx_op op;
    char uid[128]; /* lowercased; empty for collection routes */
    bool uid_too_long;
    bool known_path; /* /users or /users/{uid}, whatever the method */
} route;

static bool strip_prefix(const char **path, const char *prefix)
{
    size_t len = strlen(prefix);
    if (strncmp(*path, prefix, len) != 0) return false;
    *path += len;
    return true;
}

/* Recognises /v3/users[/{uid}] and /v3/data_import/users (or /v3.0/...); false for anything
 * else. Without the Data Import endpoint (import_missing) its path is unknown. */
static bool parse_route(const char *url, const char *method, bool import_missing, route *out)
{
    const char *path = url;
    *out = (route){.op = SBX_OP_OTHER};
    if (!strip_prefix(&path, "/v3.0/") && !strip_prefix(&path, "/v3/")) return false;
    if (!import_missing && (strcmp(path, "data_import/users") == 0 || strcmp(path, "data_import/users/") == 0)) {
        out->known_path = true;
        if (strcmp(method, "POST") == 0) out->op = SBX_OP_DATA_IMPORT;
        return true;
    }
    if (!strip_prefix(&path, "users")) return true;
    if (*path == '\0' || strcmp(path, "/") == 0) {
        out->known_path = true;
        if (strcmp(method, "POST") == 0) out->op = SBX_OP_CREATE;
        else if (strcmp(method, "GET") == 0) out->op = SBX_OP_LIST;
        else if (strcmp(method, "DELETE") == 0) out->op = SBX_OP_DEACTIVATE_MANY;
        else if (strcmp(method, "PUT") == 0) out->op = SBX_OP_REACTIVATE_MANY;
        return true;
    }
    if (*path != '/') return true;
    path++;
    out->known_path = true;
    size_t len = strlen(path);
    if (len >= sizeof out->uid) {
        out->uid_too_long = true;
        len = sizeof out->uid - 1;
    }
    for (size_t i = 0; i < len; i++) out->uid[i] = (char)tolower((unsigned char)path[i]);
    out->uid[len] = '\0';
    if (strcmp(method, "GET") == 0) out->op = SBX_OP_GET;
    else if (strcmp(method, "PUT") == 0) out->op = SBX_OP_UPDATE;
    else if (strcmp(method, "DELETE") == 0) out->op = SBX_OP_DELETE;
    return true;
}

static sbx_budget budget_of(sbx_op op)
{
    if (op == SBX_OP_DATA_IMPORT) return SBX_BUDGET_DATA_IMPORT;
    /* deleting users is a core operation, one at a time or many */
    return op == SBX_OP_CREATE || op == SBX_OP_DELETE || op == SBX_OP_DEACTIVATE_MANY ? SBX_BUDGET_CORE
                                                                                      : SBX_BUDGET_STANDARD;
}

/* ---- the API ---- */

static const sbx_key *find_key(const sbx_config *config, const char *given)
{
    for (size_t i = 0; i < config->key_count; i++)
        if (strcmp(config->keys[i].key, given) == 0) return &config->keys[i];
    return NULL;
}

static unsigned query_number(struct MHD_Connection *connection, const char *name, unsigned fallback)
{
    const char *text = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, name);
    if (!text || !*text) return fallback;
    char *end;
    unsigned long value = strtoul(text, &end, 10);
    return *end || value == 0 || value > 1000000 ? fallback : (unsigned)value;
}

static bool query_true(struct MHD_Connection *connection, const char *name)
{
    const char *text = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, name);
    return text && (strcmp(text, "true") == 0 || strcmp(text, "1") == 0);
}

static void store_outcome_message(char *out, size_t len, sbx_store_result result, const char *uid)
{
    if (result == SBX_STORE_EXISTS)
        snprintf(out, len, "The UID %s already exists. Please use a different UID.", uid);
    else if (result == SBX_STORE_NOT_FOUND)
        snprintf(out, len, "The UID %s does not exist, please make sure you have created a user with that UID.", uid);
    else
        snprintf(out, len, "Something went wrong. Please try again.");
}

enum { MAX_UIDS_PER_BULK = 1000, MAX_USERS_PER_IMPORT = 50 };

/* DELETE /users {"uidsToDeactivate": [...]} or PUT /users {"uidsToActivate": [...]}: applies what
 * it can and answers the uids it changed. */
static unsigned apply_bulk(sbx_server *server, const route *r, const cJSON *body, char **answer,
                           const char **code)
{
    bool deactivate = r->op == SBX_OP_DEACTIVATE_MANY;
    const cJSON *uids = cJSON_GetObjectItemCaseSensitive(body, deactivate ? "uidsToDeactivate" : "uidsToActivate");
    int count = cJSON_GetArraySize(uids);
    if (!cJSON_IsArray(uids) || count == 0 || count > MAX_UIDS_PER_BULK) {
        *code = "ERR_BAD_REQUEST";
        cJSON *details = cJSON_CreateObject();
        cJSON *messages = cJSON_AddArrayToObject(details, deactivate ? "uidsToDeactivate" : "uidsToActivate");
        cJSON_AddItemToArray(messages, cJSON_CreateString("must be an array of 1 to 1000 uids"));
        *answer = error_body(*code, "The request is not valid.", details);
        cJSON_Delete(details);
        return 400;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *done = cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "data"),
                                         deactivate ? "deactivatedUids" : "nonDeactivatedUids");
    const cJSON *uid;
    cJSON_ArrayForEach(uid, uids)
    {
        if (!cJSON_IsString(uid) || strlen(uid->valuestring) >= 128) continue;
        char lowered[128];
        lowercase_uid(uid->valuestring, lowered, sizeof lowered);
        sbx_store_result result = deactivate ? sbx_store_delete(server->store, lowered, false, (long)(now_ms() / 1000))
                                             : sbx_store_reactivate(server->store, lowered);
        if (result == SBX_STORE_OK) cJSON_AddItemToArray(done, cJSON_CreateString(lowered));
    }
    *answer = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return 200;
}

/* ---- Data Import ---- */

static unsigned import_refusal(const char *code, const char *message, char **answer, const char **out_code)
{
    *out_code = code;
    *answer = error_body(code, message, NULL);
    return 400;
}

/* A date of a Data Import user: absent (0), or whole seconds as a number or a string of digits,
 * after 1970 and not in the future. False for anything else. */
static bool import_date(const cJSON *value, long now, long *seconds)
{
    *seconds = 0;
    if (!value) return true;
    char *end = NULL;
    double number = cJSON_IsNumber(value) ? value->valuedouble
                    : cJSON_IsString(value) && *value->valuestring ? strtod(value->valuestring, &end) : -1;
    if (end && *end) return false;
    if (number < 1 || number > (double)now || number != (double)(long)number) return false;
    *seconds = (long)number;
    return true;
}

/* One user of a batch: what the service says about it, as {"success": ..., "data"|"error": ...}. */
static cJSON *import_one(sbx_server *server, const cJSON *given, const char *key)
{
    cJSON *result = cJSON_CreateObject();
    cJSON *user = cJSON_Duplicate(given, true);
    if (cJSON_IsObject(user) && key && !cJSON_GetObjectItemCaseSensitive(user, "uid"))
        cJSON_AddStringToObject(user, "uid", key); /* keyed by uid: the key names it */
    long now = (long)(now_ms() / 1000), created = 0, last_active = 0;
    const char *problem_field = NULL;
    sbx_verdict verdict = cJSON_IsObject(user) ? sbx_rules_check_create(user, server->config)
                                                : (sbx_verdict){.code = "ERR_IMPORT_INVALID_USER_FORMAT"};
    if (verdict.ok && !import_date(cJSON_GetObjectItemCaseSensitive(user, "createdAt"), now, &created))
        problem_field = "createdAt";
    if (verdict.ok && !problem_field && !import_date(cJSON_GetObjectItemCaseSensitive(user, "lastActiveAt"), now, &last_active))
        problem_field = "lastActiveAt";
    if (problem_field) {
        verdict = (sbx_verdict){.code = "ERR_BAD_REQUEST", .details = cJSON_CreateObject()};
        snprintf(verdict.message, sizeof verdict.message, "The request is not valid.");
        cJSON_AddItemToArray(cJSON_AddArrayToObject(verdict.details, problem_field),
                             cJSON_CreateString("must be a Unix timestamp in seconds, not in the future"));
    }
    char *json = NULL;
    sbx_store_result stored = SBX_STORE_OK;
    if (verdict.ok) stored = sbx_store_import(server->store, user, created ? created : now, last_active, &json);
    if (verdict.ok && stored == SBX_STORE_OK) {
        cJSON_AddTrueToObject(result, "success");
        cJSON_AddItemToObject(result, "data", cJSON_Parse(json));
    } else {
        cJSON_AddFalseToObject(result, "success");
        const char *uid = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(user, "uid"))
                              ? cJSON_GetObjectItemCaseSensitive(user, "uid")->valuestring : "";
        char message[256];
        store_outcome_message(message, sizeof message, stored, uid);
        const char *code = !verdict.ok ? verdict.code : stored == SBX_STORE_EXISTS ? "ERR_UID_ALREADY_EXISTS" : "ERR_EXCEPTION";
        if (!verdict.ok && !verdict.message[0]) snprintf(verdict.message, sizeof verdict.message, "The user should be an object.");
        cJSON_AddItemToObject(result, "error", error_object(code, !verdict.ok ? verdict.message : message, verdict.details));
    }
    free(json);
    sbx_verdict_cleanup(&verdict);
    cJSON_Delete(user);
    return result;
}

/* POST /data_import/users: up to 50 users, each answered on its own. With partial, only the first
 * half is applied and the request answers 500 (a failure after some users were written). */
static unsigned apply_import(sbx_server *server, const cJSON *body, bool partial, char **answer, const char **code)
{
    const sbx_config *config = server->config;
    const cJSON *users = cJSON_GetObjectItemCaseSensitive(body, "users");
    bool shape_ok = (cJSON_IsObject(users) && config->import_body != SBX_IMPORT_BODY_ARRAY) ||
                    (cJSON_IsArray(users) && config->import_body != SBX_IMPORT_BODY_OBJECT);
    if (!shape_ok)
        return import_refusal("ERR_IMPORT_INVALID_USER_FORMAT", config->import_body == SBX_IMPORT_BODY_OBJECT
                                  ? "The users should be an object of user objects keyed by uid."
                                  : "The users should be an array of user objects.", answer, code);
    int count = cJSON_GetArraySize(users);
    if (count < 1 || count > MAX_USERS_PER_IMPORT)
        return import_refusal("ERR_BAD_REQUEST", "Between 1 and 50 users can be imported in one request.", answer, code);
    cJSON *root = cJSON_CreateObject();
    cJSON *data = config->import_answer_array ? cJSON_AddArrayToObject(root, "data") : cJSON_AddObjectToObject(root, "data");
    const cJSON *user;
    int index = 0;
    cJSON_ArrayForEach(user, users)
    {
        if (partial && index++ >= count / 2) break;
        const char *key = cJSON_IsObject(users) ? user->string : NULL;
        cJSON *result = import_one(server, user, key);
        const cJSON *uid = cJSON_GetObjectItemCaseSensitive(user, "uid");
        const char *name = key ? key : cJSON_IsString(uid) ? uid->valuestring : "";
        if (config->import_answer_array) {
            cJSON_AddStringToObject(result, "uid", name);
            cJSON_AddItemToArray(data, result);
        } else {
            cJSON_AddItemToObject(data, name, result);
        }
    }
    *answer = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (partial) {
        free(*answer);
        *code = "ERR_EXCEPTION";
        *answer = error_body(*code, "Something went wrong. Please try again.", NULL);
        return 500;
    }
    return 200;
}

/* Applies a request that passed every gate; returns the answer to send (status, body, code). */
/* --cleared-fields dropped: an update's empty tags and status message remove the field, as a
 * service that stores no empty values would. NULL: the body as it is (or out of memory). */
static cJSON *drop_cleared(const cJSON *body)
{
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(body, "tags");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(body, "statusMessage");
    bool tags_empty = cJSON_IsArray(tags) && !tags->child;
    bool status_empty = cJSON_IsString(status) && !status->valuestring[0];
    if (!tags_empty && !status_empty) return NULL;
    cJSON *copy = cJSON_Duplicate(body, true);
    cJSON *unset = cJSON_GetObjectItemCaseSensitive(copy, "unset");
    if (copy && !unset) unset = cJSON_AddArrayToObject(copy, "unset");
    if (!unset) {
        cJSON_Delete(copy);
        return NULL;
    }
    const char *names[] = {tags_empty ? "tags" : NULL, status_empty ? "statusMessage" : NULL};
    for (size_t i = 0; i < 2; i++) {
        if (!names[i]) continue;
        cJSON_DeleteItemFromObjectCaseSensitive(copy, names[i]);
        cJSON_AddItemToArray(unset, cJSON_CreateString(names[i]));
    }
    return copy;
}

/* --hostile endless-listing: whatever page is asked, per_page users made up from the page and
 * their index (never stored, so memory stays flat however long it is read). Page 1 announces 3
 * pages, each later page 2 more than it has sent: a total that moves and never comes. With
 * listing_total_zero it announces 0; with endless_pagination, what that text says. */
static char *endless_page(const sbx_config *config, unsigned page, unsigned per_page)
{
    cJSON *answer = cJSON_CreateObject();
    cJSON *data = cJSON_AddArrayToObject(answer, "data");
    for (unsigned i = 0; i < per_page; i++) {
        char uid[48];
        snprintf(uid, sizeof uid, "endless_%u_%u", page, i);
        cJSON *user = cJSON_CreateObject();
        cJSON_AddStringToObject(user, "uid", uid);
        cJSON_AddStringToObject(user, "name", "Endless");
        cJSON_AddStringToObject(user, "role", "default");
        cJSON_AddStringToObject(user, "status", "offline");
        cJSON_AddNumberToObject(user, "createdAt", 1638354015);
        cJSON_AddItemToArray(data, user);
    }
    cJSON *meta = cJSON_AddObjectToObject(answer, "meta");
    if (config->endless_pagination) {
        cJSON_AddItemToObject(meta, "pagination", cJSON_Parse(config->endless_pagination));
    } else {
        double pages = config->listing_total_zero ? 0 : (double)page + 2;
        cJSON *pagination = cJSON_AddObjectToObject(meta, "pagination");
        cJSON_AddNumberToObject(pagination, "total", pages * per_page);
        cJSON_AddNumberToObject(pagination, "count", per_page);
        cJSON_AddNumberToObject(pagination, "per_page", per_page);
        cJSON_AddNumberToObject(pagination, "current_page", page);
        cJSON_AddNumberToObject(pagination, "total_pages", pages);
    }
    char *text = cJSON_PrintUnformatted(answer);
    cJSON_Delete(answer);
    return text;
}

static unsigned apply(sbx_server *server, struct MHD_Connection *connection, const route *r,
                      const cJSON *body, char **answer, const char **code)
{
    const sbx_config *config = server->config;
    char message[256];
    sbx_store_result result = SBX_STORE_OK;
    char *user_json = NULL;
    sbx_verdict verdict = {.ok = true};
    *code = NULL;

    switch (r->op) {
    case SBX_OP_CREATE:
        verdict = sbx_rules_check_create(body, config);
        if (verdict.ok) result = sbx_store_create(server->store, body, (long)(now_ms() / 1000), &user_json);
        break;
    case SBX_OP_UPDATE:
        verdict = sbx_rules_check_update(body, config);
        if (verdict.ok) {
            cJSON *as_kept = config->cleared_dropped ? drop_cleared(body) : NULL;
            result = sbx_store_update(server->store, r->uid, as_kept ? as_kept : body, (long)(now_ms() / 1000),
                                      &user_json);
            cJSON_Delete(as_kept);
        }
        break;
    case SBX_OP_GET:
        result = sbx_store_get(server->store, r->uid, &user_json);
        break;
    case SBX_OP_DELETE: {
        const cJSON *permanent = cJSON_GetObjectItemCaseSensitive(body, "permanent");
        result = sbx_store_delete(server->store, r->uid, cJSON_IsTrue(permanent), (long)(now_ms() / 1000));
        if (result == SBX_STORE_OK) {
            *answer = strdup("{\"data\":{\"success\":true,\"message\":\"The user has been deleted.\"}}");
            return 200;
        }
        break;
    }
    case SBX_OP_LIST: {
        unsigned per_page = query_number(connection, "perPage", DEFAULT_PER_PAGE);
        if (per_page > MAX_PER_PAGE) per_page = MAX_PER_PAGE;
        sbx_list_options options = {
            .which = query_true(connection, "onlyDeactivated")   ? SBX_LIST_DEACTIVATED
                     : query_true(connection, "withDeactivated") ? SBX_LIST_ALL
                                                                 : SBX_LIST_ACTIVE,
            .with_tags = query_true(connection, "withTags"),
            .hide_private = config->listing_hides_private,
            .total_zero = config->listing_total_zero,
        };
        unsigned page = query_number(connection, "page", 1);
        unsigned long reading = page == 1 ? atomic_fetch_add(&server->listings, 1) + 1 : atomic_load(&server->listings);
        sbx_listing_fault fault = !config->listing_fault_readings || reading <= config->listing_fault_readings
                                      ? config->listing_fault : SBX_LISTING_FAULT_NONE;
        options.skip = sbx_listing_skip(fault, page);
        *answer = config->hostile == SBX_HOSTILE_ENDLESS_LISTING
                      ? endless_page(config, page, per_page)
                      : sbx_store_list(server->store, page, per_page, &options);
        if (fault && *answer) *answer = sbx_listing_misbehave(fault, page, *answer);
        return 200;
    }
    case SBX_OP_DEACTIVATE_MANY:
    case SBX_OP_REACTIVATE_MANY:
        return apply_bulk(server, r, body, answer, code);
    case SBX_OP_DATA_IMPORT:
        return apply_import(server, body, false, answer, code);
    default:
        break;
    }
    if (!verdict.ok) {
        *code = verdict.code;
        *answer = error_body(verdict.code, verdict.message, verdict.details);
        sbx_verdict_cleanup(&verdict);
        return (unsigned)verdict.status;
    }
    const char *uid = r->op == SBX_OP_CREATE
                          ? cJSON_GetObjectItemCaseSensitive(body, "uid")->valuestring
                          : r->uid;
    store_outcome_message(message, sizeof message, result, uid);
    switch (result) {
    case SBX_STORE_OK: *answer = wrap_data(user_json); return 200;
    case SBX_STORE_EXISTS: *code = "ERR_UID_ALREADY_EXISTS"; *answer = error_body(*code, message, NULL); return 400;
    case SBX_STORE_NOT_FOUND: *code = "ERR_UID_NOT_FOUND"; *answer = error_body(*code, message, NULL); return 404;
    default: *code = "ERR_EXCEPTION"; *answer = error_body(*code, message, NULL); return 500;
    }
}

/* The uid a request is about, for counting and fault rolls: the path's, or the body's. */
static void request_uid(const route *r, const cJSON *body, char *out, size_t len)
{
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(body, "uid");
    if (r->op == SBX_OP_CREATE && cJSON_IsString(uid)) {
        lowercase_uid(uid->valuestring, out, len);
    } else {
        snprintf(out, len, "%s", r->uid);
    }
}

static enum MHD_Result handle_api(sbx_server *server, struct MHD_Connection *connection,
                                  const route *r, request *rq)
{
    const sbx_config *config = server->config;
    sbx_budget budget = budget_of(r->op);
    sbx_limit_state limit = sbx_limits_peek(&server->limits, budget, now_ms());
    cJSON *body = rq->length ? cJSON_ParseWithLength(rq->body, rq->length) : NULL;
    char uid[128];
    request_uid(r, body, uid, sizeof uid);
    sbx_store_count_request(server->store, uid);
    enum MHD_Result result;

    const char *given_key = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "apikey");
    const char *app_id = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "appid");
    const sbx_key *key = given_key ? find_key(config, given_key) : NULL;

    if (r->op == SBX_OP_OTHER) {
        result = r->known_path
                     ? send_error(server, connection, 405, "ERR_METHOD_NOT_ALLOWED",
                                  "This method is not allowed here.", NULL, &limit)
                     : send_error(server, connection, 404, "ERR_NOT_FOUND",
                                  "The requested resource does not exist.", NULL, &limit);
    } else if (config->plan_error) {
        result = send_error(server, connection, 403, config->plan_error,
                            "Your plan does not allow this request.", NULL, &limit);
    } else if (!given_key || !*given_key) {
        result = send_error(server, connection, config->auth_error_status, "AUTH_ERR_EMPTY_APIKEY",
                            "The apikey header is missing from the request.", NULL, &limit);
    } else if (!key) {
        /* never echo the key */
        result = send_error(server, connection, config->auth_error_status,
                            "AUTH_ERR_APIKEY_NOT_FOUND", "The API key provided does not exist.", NULL,
                            &limit);
    } else if (config->hostile == SBX_HOSTILE_ECHO_KEY) {
        result = send_answer(server, connection, 400, echo_key_body(given_key), "ERR_ECHO", &limit);
    } else if (config->app_id && app_id && strcmp(app_id, config->app_id) != 0) {
        result = send_error(server, connection, 401, "AUTH_ERR_INVALID_APPID",
                            "The appId provided does not exist.", NULL, &limit);
    } else if (key->auth_only && r->op != SBX_OP_CREATE) {
        result = send_error(server, connection, 403, "AUTH_ERR_NO_ACCESS",
                            "This API key may only create users and auth tokens.", NULL, &limit);
    } else if (rq->too_large) {
        result = send_error(server, connection, 413, "ERR_PAYLOAD_TOO_LARGE",
                            "The request body is too large.", NULL, &limit);
    } else if (rq->length && !body) {
        result = send_error(server, connection, 400, "ERR_BAD_REQUEST",
                            "The request body is not valid JSON.", NULL, &limit);
    } else if (r->uid_too_long) {
        char message[256];
        store_outcome_message(message, sizeof message, SBX_STORE_NOT_FOUND, "(too long)");
        result = send_error(server, connection, 404, "ERR_UID_NOT_FOUND", message, NULL, &limit);
    } else if (config->hostile == SBX_HOSTILE_ALWAYS_429 ||
               !(limit = sbx_limits_take(&server->limits, budget, now_ms())).allowed) {
        limit.allowed = false;
        char message[128];
        snprintf(message, sizeof message, "Too many requests. The limit is %u per window.", limit.limit);
        result = send_error(server, connection, 429, "ERR_TOO_MANY_REQUESTS", message, NULL, &limit);
    } else {
        sbx_fault fault = sbx_faults_roll(&config->faults, uid, sbx_store_next_roll(server->store, uid));
        sleep_ms(fault.delay_ms);
        if (fault.kind != SBX_FAULT_NONE) sbx_stats_fault(&server->stats, fault.kind);
        if (fault.kind == SBX_FAULT_ERROR && r->op == SBX_OP_DATA_IMPORT) {
            char *answer = NULL; /* as reported of the service: some users written, then a 500 */
            const char *code = NULL;
            unsigned status = apply_import(server, body, true, &answer, &code);
            result = send_answer(server, connection, status, answer, code, &limit);
        } else if (fault.kind == SBX_FAULT_ERROR) {
            result = send_error(server, connection, 500, "ERR_EXCEPTION",
                                "Something went wrong. Please try again.", NULL, &limit);
        } else if (fault.kind == SBX_FAULT_DROP_BEFORE) {
            result = MHD_NO; /* closes the connection without an answer */
        } else if (config->hostile == SBX_HOSTILE_HTML_200 &&
                   (r->op == SBX_OP_CREATE || r->op == SBX_OP_UPDATE || r->op == SBX_OP_DATA_IMPORT)) {
            result = send_answer(server, connection, 200, strdup(""), "HTML_200", &limit);
        } else {
            char *answer = NULL;
            const char *code;
            unsigned status = apply(server, connection, r, body, &answer, &code);
            if (fault.kind == SBX_FAULT_DROP_AFTER) {
                free(answer);
                result = MHD_NO;
            } else {
                if (fault.kind == SBX_FAULT_SLOW) sleep_ms(config->faults.slow_ms);
                result = send_answer(server, connection, status, answer, code, &limit);
            }
        }
    }
    cJSON_Delete(body);
    return result;
}

/* ---- admin: outside /v3, no key, not counted ---- */

static bool load_users(sbx_server *server, const cJSON *root, char *err, size_t errlen)
{
    const cJSON *users = cJSON_IsArray(root) ? root : cJSON_GetObjectItemCaseSensitive(root, "users");
    if (!cJSON_IsArray(users)) {
        snprintf(err, errlen, "expected {\"users\": [...]} or an array of users");
        return false;
    }
    int index = 0;
    const cJSON *user;
    cJSON_ArrayForEach(user, users)
    {
        sbx_verdict verdict = sbx_rules_check_create(user, server->config);
        if (!verdict.ok) {
            char *details = verdict.details ? cJSON_PrintUnformatted(verdict.details) : NULL;
            snprintf(err, errlen, "user %d: %s %s", index, verdict.message, details ? details : "");
            free(details);
            sbx_verdict_cleanup(&verdict);
            return false;
        }
        char *json = NULL;
        long created = (long)(now_ms() / 1000);
        const cJSON *created_at = cJSON_GetObjectItemCaseSensitive(user, "createdAt");
        if (cJSON_IsNumber(created_at)) created = (long)created_at->valuedouble;
        sbx_store_result result = sbx_store_create(server->store, user, created, &json);
        free(json);
        if (result != SBX_STORE_OK) {
            snprintf(err, errlen, "user %d: uid %s %s", index,
                     cJSON_GetObjectItemCaseSensitive(user, "uid")->valuestring,
                     result == SBX_STORE_EXISTS ? "appears twice" : "could not be stored");
            return false;
        }
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(user, "deactivated"))) {
            char lowered[128];
            lowercase_uid(cJSON_GetObjectItemCaseSensitive(user, "uid")->valuestring, lowered, sizeof lowered);
            const cJSON *at = cJSON_GetObjectItemCaseSensitive(user, "deactivatedAt");
            sbx_store_delete(server->store, lowered, false, cJSON_IsNumber(at) ? (long)at->valuedouble : created);
        }
        index++;
    }
    return true;
}

bool sbx_server_load(sbx_server *server, const char *json_text, char *err, size_t errlen)
{
    cJSON *root = cJSON_Parse(json_text);
    if (!root) {
        snprintf(err, errlen, "not valid JSON");
        return false;
    }
    bool ok = load_users(server, root, err, errlen);
    cJSON_Delete(root);
    return ok;
}

/* PATCH /admin/users/{uid}: a dashboard edit, behind the importer's back. */
static enum MHD_Result edit_user(sbx_server *server, struct MHD_Connection *connection, const char *uid,
                                 const request *rq)
{
    cJSON *body = rq->length ? cJSON_ParseWithLength(rq->body, rq->length) : NULL;
    char lowered[128];
    lowercase_uid(uid, lowered, sizeof lowered);
    enum MHD_Result result;
    if (!cJSON_IsObject(body))
        result = send_error(server, connection, 400, "ERR_BAD_REQUEST", "expected a JSON object of fields", NULL, NULL);
    else if (sbx_store_edit(server->store, lowered, body, (long)(now_ms() / 1000)) != SBX_STORE_OK)
        result = send_error(server, connection, 404, "ERR_UID_NOT_FOUND", "no such user", NULL, NULL);
    else
        result = send_answer(server, connection, 200, strdup("{\"edited\":true}"), NULL, NULL);
    cJSON_Delete(body);
    return result;
}

/* POST /admin/users/{uid}/ignore-updates?count=N: the next N updates are answered and not kept. */
static enum MHD_Result ignore_updates(sbx_server *server, struct MHD_Connection *connection, const char *uid_and_rest)
{
    const char *count_text = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "count");
    char *end = NULL;
    unsigned long count = count_text ? strtoul(count_text, &end, 10) : 1;
    if (count_text && (*end || count > 1000000))
        return send_error(server, connection, 400, "ERR_BAD_REQUEST", "count: a number of updates", NULL, NULL);
    char uid[128], lowered[128];
    snprintf(uid, sizeof uid, "%.*s", (int)(strchr(uid_and_rest, '/') - uid_and_rest), uid_and_rest);
    lowercase_uid(uid, lowered, sizeof lowered);
    if (sbx_store_ignore_updates(server->store, lowered, (unsigned)count) != SBX_STORE_OK)
        return send_error(server, connection, 404, "ERR_UID_NOT_FOUND", "no such user", NULL, NULL);
    return send_answer(server, connection, 200, strdup("{\"ignoring\":true}"), NULL, NULL);
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t len = strlen(text), suffix_len = strlen(suffix);
    return len > suffix_len && strcmp(text + len - suffix_len, suffix) == 0;
}

static enum MHD_Result handle_admin(sbx_server *server, struct MHD_Connection *connection,
                                    const char *url, const char *method, request *rq)
{
    if (strcmp(url, "/admin/users") == 0 && strcmp(method, "GET") == 0)
        return send_answer(server, connection, 200, sbx_store_dump(server->store), NULL, NULL);
    if (strcmp(url, "/admin/users") == 0 && strcmp(method, "POST") == 0) {
        char err[512];
        char *text = strndup(rq->body ? rq->body : "", rq->length);
        bool ok = text && sbx_server_load(server, text, err, sizeof err);
        free(text);
        if (!ok) return send_error(server, connection, 400, "ERR_BAD_REQUEST", err, NULL, NULL);
        return send_answer(server, connection, 200, strdup("{\"loaded\":true}"), NULL, NULL);
    }
    if (strncmp(url, "/admin/users/", 13) == 0 && ends_with(url, "/ignore-updates") && strcmp(method, "POST") == 0)
        return ignore_updates(server, connection, url + 13);
    if (strncmp(url, "/admin/users/", 13) == 0 && strcmp(method, "PATCH") == 0)
        return edit_user(server, connection, url + 13, rq);
    if (strcmp(url, "/admin/counters") == 0 && strcmp(method, "GET") == 0) {
        cJSON *root = cJSON_CreateObject();
        sbx_stats_to_json(&server->stats, root);
        cJSON_AddNumberToObject(root, "users", (double)sbx_store_user_count(server->store));
        cJSON_AddNumberToObject(root, "most_429_in_a_window_after_the_first",
                                (double)sbx_limits_most_limited(&server->limits, 1));
        cJSON_AddNumberToObject(root, "most_429_in_a_window_after_the_second",
                                (double)sbx_limits_most_limited(&server->limits, 2));
        sbx_limits_windows_to_json(&server->limits, root);
        const char *uids = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "uids");
        if (!uids || strcmp(uids, "false") != 0)
            cJSON_AddItemToObject(root, "uids", sbx_store_request_counts(server->store));
        char *text = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
        return send_answer(server, connection, 200, text, NULL, NULL);
    }
    if (strcmp(url, "/admin/reset") == 0 && strcmp(method, "POST") == 0) {
        const char *keep = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "keep");
        bool keep_users = keep && strcmp(keep, "users") == 0;
        sbx_store_reset(server->store, keep_users);
        sbx_stats_reset(&server->stats);
        sbx_limits_reset(&server->limits);
        return send_answer(server, connection, 200, strdup("{\"reset\":true}"), NULL, NULL);
    }
    return send_error(server, connection, 404, "ERR_NOT_FOUND", "No such admin endpoint.", NULL, NULL);
}

/* ---- libmicrohttpd callbacks ---- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)version;
    sbx_server *server = cls;
    request *rq = *req_cls;
    route r;
    bool api = parse_route(url, method, server->config->import_missing, &r);
    if (!rq) { /* first call: headers only */
        rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        *req_cls = rq;
        if (api) {
            sbx_stats_request_begins(&server->stats, r.op);
            rq->counted_in_flight = true;
            unsigned long count = atomic_fetch_add(&server->api_requests, 1) + 1;
            if (server->config->on_api_request) server->config->on_api_request(server->config->on_api_request_arg, count);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* a batch carries up to 50 users */
        size_t max = server->config->max_body * (r.op == SBX_OP_DATA_IMPORT ? MAX_USERS_PER_IMPORT : 1);
        if (rq->too_large || rq->length + *upload_data_size > max) {
            rq->too_large = true;
        } else {
            char *grown = realloc(rq->body, rq->length + *upload_data_size + 1);
            if (!grown) return MHD_NO;
            memcpy(grown + rq->length, upload_data, *upload_data_size);
            rq->body = grown;
            rq->length += *upload_data_size;
            rq->body[rq->length] = '\0';
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (api) return handle_api(server, connection, &r, rq);
    if (strncmp(url, "/admin/", 7) == 0) return handle_admin(server, connection, url, method, rq);
    return send_error(server, connection, 404, "ERR_NOT_FOUND", "The requested resource does not exist.", NULL, NULL);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)connection, (void)code;
    sbx_server *server = cls;
    request *rq = *req_cls;
    if (!rq) return;
    if (rq->counted_in_flight) sbx_stats_request_ends(&server->stats);
    free(rq->body);
    free(rq);
    *req_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)connection, (void)socket_context;
    sbx_server *server = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) sbx_stats_connection_opened(&server->stats);
}

sbx_server *sbx_server_start(const sbx_config *config, char *err, size_t errlen)
{
    sbx_server *server = calloc(1, sizeof *server);
    if (!server) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    server->config = config;
    server->store = sbx_store_new();
    sbx_limits_init(&server->limits, config->core_limit, config->standard_limit, config->data_import_limit,
                    config->window_ms);
    sbx_stats_init(&server->stats);

    /* IPv4, or IPv6 for an address with a colon (::1: the importer's loopback check is tested on both) */
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)config->port)};
    struct sockaddr_in6 address6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)config->port)};
    bool v6 = strchr(config->bind_address, ':') != NULL;
    if (v6 ? inet_pton(AF_INET6, config->bind_address, &address6.sin6_addr) != 1
           : inet_pton(AF_INET, config->bind_address, &address.sin_addr) != 1) {
        snprintf(err, errlen, "bad bind address %s", config->bind_address);
        sbx_server_stop(server);
        return NULL;
    }
    /* A thread per connection: injected latency sleeps in that thread without holding up others,
     * and keep-alive connections (the importer's) keep their thread. */
    server->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | (v6 ? MHD_USE_IPv6 : 0), 0,
        NULL, NULL, on_request, server, MHD_OPTION_SOCK_ADDR,
        v6 ? (struct sockaddr *)&address6 : (struct sockaddr *)&address,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, server, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, server, MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_CONNECTION_TIMEOUT,
        120u, MHD_OPTION_END);
    if (!server->store || !server->daemon) {
        snprintf(err, errlen, "cannot listen on %s:%u", config->bind_address, config->port);
        sbx_server_stop(server);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info ? info->port : config->port;
    return server;
}

bool sbx_server_remove_user(sbx_server *server, const char *uid, bool permanent)
{
    char lowered[128];
    lowercase_uid(uid, lowered, sizeof lowered);
    return sbx_store_delete(server->store, lowered, permanent, (long)(now_ms() / 1000)) == SBX_STORE_OK;
}

unsigned long sbx_server_requests_total(sbx_server *server)
{
    return sbx_stats_requests_total(&server->stats);
}

bool sbx_server_wait_idle(sbx_server *server, unsigned timeout_ms)
{
    return sbx_stats_wait_idle(&server->stats, timeout_ms);
}

unsigned sbx_server_port(const sbx_server *server)
{
    return server->port;
}

void sbx_server_stop(sbx_server *server)
{
    if (!server) return;
    if (server->daemon) MHD_stop_daemon(server->daemon);
    sbx_store_free(server->store);
    sbx_limits_cleanup(&server->limits);
    sbx_stats_cleanup(&server->stats);
    free(server);
}
