/* explicit_bzero: a wipe the compiler may not drop; memmem */
#define _GNU_SOURCE
#include "send/client.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A user answer is a few KB; a listed page of 1,000 users with 5 KB of metadata each, 5 MB. */
enum { MAX_ANSWER = 1024 * 1024, MAX_LIST_ANSWER = 64 * 1024 * 1024 };

/* What a 2xx must hold to be CometChat's answer. */
typedef enum {
    SHAPE_USER, /* {"data": {"uid": ...}} */
    SHAPE_LIST, /* {"data": [...]} */
    SHAPE_BULK, /* {"data": {...}} */
    SHAPE_BATCH, /* any 2xx: the per-uid results are the caller's to read (cci/batch.h) */
} answer_shape;

struct cci_client {
    CURL *curl;
    struct curl_slist *headers; /* holds the apikey header */
    char *base_url;
    long timeout_ms;
    const atomic_bool *abandon; /* set by another thread: end the transfer now; may be NULL */
    bool direct;                /* never through a proxy */
    char *key;                  /* blanked out of every answer (blank_key); wiped when freed */
    /* the answer being received */
    char *body;
    size_t body_len, body_cap, body_max;
    cci_response *response;
};

char *cci_client_base_url(const char *base_url, const char *app_id, const char *region)
{
    if (base_url) {
        size_t len = strlen(base_url);
        while (len && base_url[len - 1] == '/') len--;
        return strndup(base_url, len);
    }
    size_t len = strlen(app_id) + strlen(region) + sizeof "https://.api-.cometchat.io/v3";
    char *url = malloc(len);
    if (url) snprintf(url, len, "https://%s.api-%s.cometchat.io/v3", app_id, region);
    return url;
}

/* Appends line to *list; false, with the list kept whole, when out of memory. */
static bool append_header(struct curl_slist **list, const char *line)
{
    struct curl_slist *longer = curl_slist_append(*list, line);
    if (longer) *list = longer;
    return longer != NULL;
}

cci_status cci_client_new(cci_client **made, const char *base_url, const char *api_key, long timeout_ms, char *err,
                          size_t errlen)
{
    *made = NULL;
    cci_client *client = calloc(1, sizeof *client);
    if (!client) return cci_fail(CCI_NOMEM, err, errlen, "cannot set up an HTTP client (out of memory)");
    client->curl = curl_easy_init();
    client->base_url = strdup(base_url);
    size_t key_len = strlen(api_key) + 16;
    char *key_header = malloc(key_len);
    if (key_header) snprintf(key_header, key_len, "apikey: %s", api_key);
    bool headers = append_header(&client->headers, "Content-Type: application/json") &&
                   append_header(&client->headers, "Accept: application/json") && key_header &&
                   append_header(&client->headers, key_header);
    if (key_header) {
        explicit_bzero(key_header, key_len); /* the slist holds its own copy */
        free(key_header);
    }
    client->timeout_ms = timeout_ms;
    client->key = strdup(api_key);
    if (!client->curl || !client->base_url || !headers || !client->key) {
        cci_client_free(client);
        return cci_fail(CCI_NOMEM, err, errlen, "cannot set up an HTTP client (out of memory)");
    }
    *made = client;
    return CCI_OK;
}

void cci_client_free(cci_client *client)
{
    if (!client) return;
    curl_easy_cleanup(client->curl);
    curl_slist_free_all(client->headers);
    if (client->key) explicit_bzero(client->key, strlen(client->key));
    free(client->key);
    free(client->base_url);
    free(client->body);
    free(client);
}

static size_t on_body(char *data, size_t size, size_t count, void *ctx)
{
    cci_client *client = ctx;
    size_t n = size * count;
    if (client->body_len + n > client->body_max) return 0; /* an answer this big is not CometChat's */
    if (client->body_len + n + 1 > client->body_cap) {
        size_t cap = client->body_cap ? client->body_cap : 4096;
        while (cap < client->body_len + n + 1) cap *= 2;
        char *grown = realloc(client->body, cap);
        if (!grown) return 0;
        client->body = grown;
        client->body_cap = cap;
    }
    memcpy(client->body + client->body_len, data, n);
    client->body_len += n;
    client->body[client->body_len] = '\0';
    return n;
}

/* A whole number of at most 18 digits, with blanks around it; false for anything else. */
static bool header_number(const char *text, long long *out)
{
    text += strspn(text, " \t");
    if (*text < '0' || *text > '9') return false; /* no sign: strtoll would take one */
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno == ERANGE || end - text > 18 || end[strspn(end, " \t\r\n")] != '\0') return false;
    *out = value;
    return true;
}

/* Retry-After: seconds, or an HTTP date (RFC 9110) read by libcurl; -1 when neither. */
static long long retry_after_seconds(const char *text)
{
    long long seconds;
    if (header_number(text, &seconds)) return seconds;
    time_t when = curl_getdate(text, NULL);
    if (when == (time_t)-1) return -1;
    time_t now = time(NULL);
    return when > now ? (long long)(when - now) : 0;
}

void cci_parse_header(const char *line, size_t n, cci_response *r)
{
    const char *colon = memchr(line, ':', n);
    if (!colon) return;
    size_t name_len = (size_t)(colon - line);
    char value[64];
    size_t value_len = n - name_len - 1;
    if (value_len >= sizeof value) return; /* no value of ours is this long */
    memcpy(value, colon + 1, value_len); /* the line is not NUL-terminated */
    value[value_len] = '\0';
    long long number;
#define HEADER_IS(name) (name_len == sizeof(name) - 1 && strncasecmp(line, name, name_len) == 0)
    if (HEADER_IS("Retry-After")) r->retry_after_s = retry_after_seconds(value);
    else if (!header_number(value, &number)) return;
    else if (HEADER_IS("X-Rate-Limit") || HEADER_IS("X-RateLimit-Limit")) r->rate_limit = number;
    else if (HEADER_IS("X-Rate-Limit-Remaining") || HEADER_IS("X-RateLimit-Remaining")) r->rate_remaining = number;
    else if (HEADER_IS("X-Rate-Limit-Reset") || HEADER_IS("X-RateLimit-Reset")) r->rate_reset = number;
#undef HEADER_IS
}

static size_t on_header(char *line, size_t size, size_t count, void *ctx)
{
    cci_client *client = ctx;
    cci_parse_header(line, size * count, client->response);
    return size * count;
}

/* What came back instead of CometChat's JSON: the status, the content type and the first bytes
 * (printable ones only), so a person can tell a proxy's page from a captive portal's. */
static void describe_body(cci_response *r, CURL *curl, const char *body, const char *what)
{
    char *type = NULL;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    char start[61];
    size_t n = 0;
    for (const char *p = body; *p && n < sizeof start - 1; p++)
        start[n++] = isprint((unsigned char)*p) ? *p : ' ';
    start[n] = '\0';
    snprintf(r->message, sizeof r->message, "HTTP %ld %s (Content-Type %s, %s%s%s)", r->status, what,
             type ? type : "not given", n ? "starts with \"" : "empty body", start, n ? "...\"" : "");
}

/* Fills code and message from an error envelope, flattening "details" into the message. */
static void read_error(cci_response *r, CURL *curl, const char *body)
{
    cJSON *root = cJSON_Parse(body);
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(root, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(error, "code");
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(error, "message");
    if (cJSON_IsString(code)) snprintf(r->code, sizeof r->code, "%s", code->valuestring);
    size_t used = 0;
    if (cJSON_IsString(message)) {
        used = (size_t)snprintf(r->message, sizeof r->message, "%s", message->valuestring);
    } else {
        describe_body(r, curl, body, "without CometChat's error JSON");
        used = strlen(r->message);
    }
    const cJSON *field;
    cJSON_ArrayForEach(field, cJSON_GetObjectItemCaseSensitive(error, "details"))
    {
        const cJSON *text;
        cJSON_ArrayForEach(text, field)
        {
            if (!cJSON_IsString(text)) continue;
            if (!r->refused_field[0] && field->string) /* the row's column is named from it */
                snprintf(r->refused_field, sizeof r->refused_field, "%s", field->string);
            if (used >= sizeof r->message) continue;
            used += (size_t)snprintf(r->message + used, sizeof r->message - used, " %s: %s",
                                     field->string, text->valuestring);
        }
    }
    if (!r->refused_field[0] && strcmp(r->code, "ERR_ROLE_NOT_FOUND") == 0)
        snprintf(r->refused_field, sizeof r->refused_field, "role");
    cJSON_Delete(root);
}

/* A success is one only when it says so: {"data": {"uid": "..."}} for a user. A listed page is
 * parsed by its reader, so here only its start is checked. */
static void read_success(cci_response *r, CURL *curl, const char *body, answer_shape shape)
{
    if (shape == SHAPE_LIST || shape == SHAPE_BATCH) {
        const char *start = body + strspn(body, " \t\r\n");
        r->documented = *start == '{' && strstr(body, "\"data\"");
        if (!r->documented) describe_body(r, curl, body, shape == SHAPE_LIST ? "but not the user list CometChat answers with"
                                                                            : "but not the per-user results CometChat answers with");
        /* a batch's body is its reader's to judge: one it cannot read gives the endpoint up, where
         * resending would only bring a proxy's page back */
        if (shape == SHAPE_BATCH) r->documented = true;
        return;
    }
    cJSON *root = cJSON_Parse(body);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(data, "uid");
    if (shape == SHAPE_BULK && cJSON_IsObject(data)) {
        r->documented = true;
    } else if (shape == SHAPE_USER && cJSON_IsObject(data) && cJSON_IsString(uid)) {
        r->documented = true;
        snprintf(r->data_uid, sizeof r->data_uid, "%s", uid->valuestring);
    } else {
        describe_body(r, curl, body, "but not the answer CometChat gives");
    }
    cJSON_Delete(root);
}

void cci_client_abandon_when(cci_client *client, const atomic_bool *flag)
{
    client->abandon = flag;
}

const char *cci_client_base(const cci_client *client)
{
    return client->base_url;
}

void cci_client_go_direct(cci_client *client)
{
    client->direct = true;
}

/* libcurl calls it often during a transfer: non-zero ends the transfer */
static int check_abandon(void *context, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    const cci_client *client = context;
    return client->abandon && atomic_load(client->abandon);
}

/* Overwrites every copy of the key in text[0..len), in any letter case, with '*': a service or a proxy that echoes the
 * key must not put it into a message, a report or a rejects file. A key of a few characters is no
 * real key (and would blank half of every answer). */
static void blank_key(const cci_client *client, char *text, size_t len)
{
    size_t key_len = strlen(client->key);
    if (key_len < 4 || len < key_len) return;
    /* in any letter case: a service may echo it upper- or lower-cased */
    for (size_t at = 0; at + key_len <= len; at++)
        if (strncasecmp(text + at, client->key, key_len) == 0) {
            memset(text + at, '*', key_len);
            at += key_len - 1;
        }
}

static void blank_key_in(const cci_client *client, char *text)
{
    blank_key(client, text, strlen(text));
}

static void perform(cci_client *client, const char *method, const char *url, const char *body,
                    answer_shape shape, cci_response *r)
{
    *r = (cci_response){.retry_after_s = -1, .rate_limit = -1, .rate_remaining = -1, .rate_reset = -1};
    client->response = r;
    client->body_max = shape == SHAPE_LIST || shape == SHAPE_BATCH ? MAX_LIST_ANSWER : MAX_ANSWER;
    client->body_len = 0;
    if (client->body) client->body[0] = '\0';
    CURL *curl = client->curl;
    /* set every time: cheap, and the handle keeps its connection across requests */
    curl_easy_setopt(curl, CURLOPT_URL, url);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    } else {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L); /* no body: else it would be read from stdin */
    }
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, client->headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, client);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, client);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, client->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, client->timeout_ms < 10000 ? client->timeout_ms : 10000L);
    /* HTTP/1.1: libcurl 7.88 mishandles cleartext HTTP/2 on reused connections */
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    if (client->direct) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, check_abandon);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, client);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, client->abandon ? 0L : 1L);

    CURLcode result = curl_easy_perform(curl);
    if (result != CURLE_OK) {
        r->transport = result == CURLE_OPERATION_TIMEDOUT ? CCI_TRANSPORT_TIMEOUT
                       : (result == CURLE_COULDNT_CONNECT || result == CURLE_GOT_NOTHING ||
                          result == CURLE_RECV_ERROR || result == CURLE_SEND_ERROR ||
                          result == CURLE_PARTIAL_FILE)
                           ? CCI_TRANSPORT_DROPPED
                           : CCI_TRANSPORT_OTHER;
        /* curl's text never holds the key: it is in a header, not the URL */
        if (result == CURLE_ABORTED_BY_CALLBACK)
            snprintf(r->message, sizeof r->message, "the request was abandoned when the run was interrupted "
                                                    "again: CometChat may or may not have applied it (a rerun settles it)");
        else snprintf(r->message, sizeof r->message, "network: %s", curl_easy_strerror(result));
        return;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    if (client->body) blank_key(client, client->body, client->body_len);
    const char *answer = client->body ? client->body : "";
    if (r->status >= 200 && r->status < 300) read_success(r, curl, answer, shape);
    else read_error(r, curl, answer);
    /* JSON may spell the key with escapes the blanking above could not see */
    blank_key_in(client, r->code);
    blank_key_in(client, r->message);
    blank_key_in(client, r->refused_field);
    blank_key_in(client, r->data_uid);
}

/* Sends method to base_url + path_and_query (which needs no escaping). */
static void perform_on(cci_client *client, const char *method, const char *path_and_query, const char *body,
                       answer_shape shape, cci_response *response)
{
    size_t len = strlen(client->base_url) + strlen(path_and_query) + 1;
    char *url = malloc(len);
    if (!url) {
        *response = (cci_response){.transport = CCI_TRANSPORT_OTHER};
        snprintf(response->message, sizeof response->message, "out of memory");
        return;
    }
    snprintf(url, len, "%s%s", client->base_url, path_and_query);
    perform(client, method, url, body, shape, response);
    free(url);
}

void cci_client_create(cci_client *client, const char *body, cci_response *response)
{
    perform_on(client, "POST", "/users", body, SHAPE_USER, response);
}

void cci_client_list(cci_client *client, unsigned long page, unsigned per_page, cci_response *response)
{
    char path[128];
    snprintf(path, sizeof path, "/users?perPage=%u&page=%lu&withTags=true&withDeactivated=true", per_page, page);
    perform_on(client, "GET", path, NULL, SHAPE_LIST, response);
}

void cci_client_bulk(cci_client *client, bool deactivate, const char *body, cci_response *response)
{
    perform_on(client, deactivate ? "DELETE" : "PUT", "/users", body, SHAPE_BULK, response);
}

const char *cci_client_answer(const cci_client *client, size_t *len)
{
    *len = client->body ? client->body_len : 0;
    return client->body ? client->body : "";
}

/* method to /users/{uid}, the uid URL-encoded. */
static void perform_on_user(cci_client *client, const char *method, const char *uid, const char *body,
                            cci_response *response)
{
    char *escaped = curl_easy_escape(client->curl, uid, 0);
    size_t len = escaped ? strlen(escaped) + 8 : 0;
    char *path = escaped ? malloc(len) : NULL;
    if (path) {
        snprintf(path, len, "/users/%s", escaped);
        perform_on(client, method, path, body, SHAPE_USER, response);
    } else {
        *response = (cci_response){.transport = CCI_TRANSPORT_OTHER};
        snprintf(response->message, sizeof response->message, "out of memory");
    }
    curl_free(escaped);
    free(path);
}

void cci_client_update(cci_client *client, const char *uid, const char *body,
                       cci_response *response)
{
    perform_on_user(client, "PUT", uid, body, response);
}

void cci_client_get(cci_client *client, const char *uid, cci_response *response)
{
    perform_on_user(client, "GET", uid, NULL, response);
}

void cci_client_data_import(cci_client *client, const char *body, cci_response *response)
{
    perform_on(client, "POST", "/data_import/users", body, SHAPE_BATCH, response);
}

/* ---- what an answer means ---- */

static const char *const fatal_codes[] = {
    "AUTH_ERR_EMPTY_APIKEY",  "AUTH_ERR_APIKEY_NOT_FOUND",  "AUTH_ERR_INVALID_APPID",
    "ERR_PLAN_RESTRICTION",   "ERR_PLAN_QUOTA_RESTRICTION", "ERR_SUBSCRIPTION_EXPIRED",
};

cci_answer_class cci_classify(const cci_response *r)
{
    if (r->transport != CCI_TRANSPORT_OK) return CCI_ANSWER_RETRYABLE;
    /* a 2xx that is not the documented JSON (a proxy's page, a captive portal) confirms nothing */
    if (r->status >= 200 && r->status < 300) return r->documented ? CCI_ANSWER_OK : CCI_ANSWER_RETRYABLE;
    if (strcmp(r->code, "ERR_UID_ALREADY_EXISTS") == 0) return CCI_ANSWER_EXISTS;
    if (strcmp(r->code, "ERR_UID_NOT_FOUND") == 0) return CCI_ANSWER_NOT_FOUND;
    for (size_t i = 0; i < sizeof fatal_codes / sizeof *fatal_codes; i++)
        if (strcmp(r->code, fatal_codes[i]) == 0) return CCI_ANSWER_FATAL;
    if (r->status == 401) return CCI_ANSWER_FATAL; /* an auth refusal without a known code */
    if (r->status == 429 || r->status >= 500) return CCI_ANSWER_RETRYABLE;
    return CCI_ANSWER_FINAL;
}
