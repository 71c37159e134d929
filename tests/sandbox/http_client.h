/* A small libcurl client for driving the sandbox in tests.
 *
 * Thread-safety: one client per thread; curl_global_init must have run before any thread starts. */
#ifndef HTTP_CLIENT_H
#define HTTP_CLIENT_H

#include <cjson/cJSON.h>
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

#endif
