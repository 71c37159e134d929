/* A small libcurl client for driving the sandbox in tests.
 *
 * Thread-safety: one client per thread; curl_global_init must have run before any thread starts. */
#ifndef HTTP_CLIENT_H
#define HTTP_CLIENT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <curl/curl.h>

typedef struct http_client {
    CURL *curl;
    unsigned port;
} http_client;

typedef struct http_answer {
    CURLcode result; /* CURLE_OK, or what went wrong on the wire */
    long status;
    char *body;    /* NUL-terminated, owned */
    cJSON *json;   /* parsed body or NULL, owned */
    char *headers; /* raw header block, owned */
} http_answer;

void http_client_init(http_client *client, unsigned port);
void http_client_cleanup(http_client *client);

/* Sends method path (path starts with '/'), with the apikey header when apikey is non-NULL and a
 * JSON body when body is non-NULL. timeout_ms 0 means no timeout. */
http_answer http_call(http_client *client, const char *method, const char *path,
                      const char *apikey, const char *body, long timeout_ms);

/* The value of a response header (case-insensitive name), copied into out; NULL when absent. */
const char *http_header(const http_answer *answer, const char *name, char *out, size_t len);

/* The string at answer.json's "error"."code", or "" when absent. */
const char *http_error_code(const http_answer *answer);

void http_answer_cleanup(http_answer *answer);

/* One call to the sandbox's /admin/ API on port: its JSON answer (owned by the caller), or NULL
 * when the call did not answer 200 with JSON; status gets the HTTP status (0: no answer). */
cJSON *http_admin(unsigned port, const char *method, const char *path, const char *body, long *status);

/* The counter group.name (group NULL: a top-level one) of an /admin/counters answer, into *value.
 * False when the sandbox has no such counter: a renamed counter must not read as 0. "statuses"
 * and "codes" list only what was seen, so an absent one of theirs is 0. */
bool http_counter(const cJSON *counters, const char *group, const char *name, double *value);

#endif
