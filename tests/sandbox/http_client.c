#include "http_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct buffer {
    char *data;
    size_t length;
} buffer;

static size_t append(char *data, size_t size, size_t count, void *ctx)
{
    buffer *b = ctx;
    size_t n = size * count;
    char *grown = realloc(b->data, b->length + n + 1);
    if (!grown) return 0;
    memcpy(grown + b->length, data, n);
    b->data = grown;
    b->length += n;
    b->data[b->length] = '\0';
    return n;
}

void http_client_init(http_client *client, unsigned port)
{
    client->curl = curl_easy_init();
    client->port = port;
}

void http_client_cleanup(http_client *client)
{
    curl_easy_cleanup(client->curl);
}

http_answer http_call(http_client *client, const char *method, const char *path,
                      const char *apikey, const char *body, long timeout_ms)
{
    CURL *curl = client->curl;
    char url[1024], key_header[600];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", client->port, path);
    buffer received = {0}, headers = {0};
    struct curl_slist *list = curl_slist_append(NULL, "Content-Type: application/json");
    list = curl_slist_append(list, "Accept: application/json");
    if (apikey) {
        snprintf(key_header, sizeof key_header, "apikey: %s", apikey);
        list = curl_slist_append(list, key_header);
    }
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, append);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    if (body) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);

    http_answer answer = {0};
    answer.result = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
    curl_slist_free_all(list);
    answer.body = received.data ? received.data : calloc(1, 1);
    answer.headers = headers.data ? headers.data : calloc(1, 1);
    answer.json = cJSON_Parse(answer.body);
    return answer;
}

const char *http_header(const http_answer *answer, const char *name, char *out, size_t len)
{
    size_t name_len = strlen(name);
    for (const char *line = answer->headers; line && *line;) {
        const char *end = strstr(line, "\r\n");
        if (!end) end = line + strlen(line);
        if ((size_t)(end - line) > name_len && strncasecmp(line, name, name_len) == 0 &&
            line[name_len] == ':') {
            const char *value = line + name_len + 1;
            while (*value == ' ') value++;
            snprintf(out, len, "%.*s", (int)(end - value), value);
            return out;
        }
        line = *end ? end + 2 : end;
    }
    return NULL;
}

const char *http_error_code(const http_answer *answer)
{
    const cJSON *code =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(answer->json, "error"), "code");
    return cJSON_IsString(code) ? code->valuestring : "";
}

void http_answer_cleanup(http_answer *answer)
{
    free(answer->body);
    free(answer->headers);
    cJSON_Delete(answer->json);
    *answer = (http_answer){0};
}

cJSON *http_admin(unsigned port, const char *method, const char *path, const char *body, long *status)
{
    http_client client;
    http_client_init(&client, port);
    http_answer answer = http_call(&client, method, path, NULL, body, 30000);
    *status = answer.status;
    cJSON *json = answer.status == 200 ? answer.json : NULL;
    if (json) answer.json = NULL;
    http_answer_cleanup(&answer);
    http_client_cleanup(&client);
    return json;
}

bool http_counter(const cJSON *counters, const char *group, const char *name, double *value)
{
    const cJSON *in = group ? cJSON_GetObjectItem(counters, group) : counters;
    const cJSON *item = cJSON_GetObjectItem(in, name);
    bool sparse = group && (strcmp(group, "statuses") == 0 || strcmp(group, "codes") == 0);
    *value = cJSON_IsNumber(item) ? item->valuedouble : 0;
    return cJSON_IsObject(in) && (cJSON_IsNumber(item) || (sparse && !item));
}
