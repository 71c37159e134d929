/* CometChat's users API over libcurl: one client per worker, its easy handle reused so the
 * connection stays open (keep-alive) for every request the worker sends.
 *
 * The API key lives only in the client's header list: never in a URL, a log or a message.
 * Thread-safety: a client is used by one thread at a time; curl_global_init must have run before
 * any client is made. */
#ifndef CCI_CLIENT_H
#define CCI_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "cci/util/status.h"

typedef struct cci_client cci_client;

typedef enum {
    CCI_TRANSPORT_OK,      /* an HTTP answer came */
    CCI_TRANSPORT_TIMEOUT, /* no answer within the timeout */
    CCI_TRANSPORT_DROPPED, /* connection refused, reset, or closed without an answer */
    CCI_TRANSPORT_OTHER,   /* TLS, DNS, out of memory... */
} cci_transport;

typedef struct cci_response {
    cci_transport transport;
    long status;        /* HTTP status, 0 without an answer */
    char code[64];      /* error.code of the answer, "" on success */
    char message[512];  /* error.message (+ details), what came back instead, or what went
                         * wrong on the wire */
    char data_uid[128]; /* data.uid of a 2xx answer; "" when it had none */
    char refused_field[64]; /* the first field an error's "details" names ("role", "tags.3"), or the
                             * field its code implies (ERR_ROLE_NOT_FOUND: "role"); "" for none */
    bool documented;    /* a 2xx whose body is the documented {"data": {"uid": ...}}; only such
                         * an answer confirms that a user was written */
    long long retry_after_s; /* Retry-After in seconds, -1 when absent or unreadable */
    long long rate_limit, rate_remaining, rate_reset; /* X-Rate-Limit* headers, -1 likewise */
} cci_response;

/* Once *flag is true, a transfer in progress ends at once (a hurried stop). */
void cci_client_abandon_when(cci_client *client, const atomic_bool *flag);

/* The base URL the client sends to, for messages. */
const char *cci_client_base(const cci_client *client);

/* Requests go straight to the target, never through a proxy the environment names (http_proxy,
 * all_proxy): for plain http:// to this machine, which a proxy would carry, key and all, elsewhere. */
void cci_client_go_direct(cci_client *client);

/* A client into *made: base_url ends before "/users" (".../v3"); timeout_ms bounds each request.
 * Otherwise *made is NULL, err says why, and the code is CCI_NOMEM (the only way it fails). */
cci_status cci_client_new(cci_client **made, const char *base_url, const char *api_key, long timeout_ms, char *err,
                          size_t errlen);
void cci_client_free(cci_client *client);

/* POST /users with body. */
void cci_client_create(cci_client *client, const char *body, cci_response *response);

/* PUT /users/{uid} with body; uid is URL-encoded. */
void cci_client_update(cci_client *client, const char *uid, const char *body,
                       cci_response *response);

/* GET /users/{uid}; uid is URL-encoded. The user is in cci_client_answer. */
void cci_client_get(cci_client *client, const char *uid, cci_response *response);

/* POST /data_import/users with body (cci/batch.h). Any 2xx counts as documented: the per-uid
 * answers are read from cci_client_answer, and a body that cannot be read is the caller's to judge
 * (retrying a proxy's page would only bring it back). */
void cci_client_data_import(cci_client *client, const char *body, cci_response *response);

/* GET /users?perPage=per_page&page=page&withTags=true&withDeactivated=true. A 2xx is documented
 * when it looks like JSON with "data"; the page itself is cci_client_answer's to read. */
void cci_client_list(cci_client *client, unsigned long page, unsigned per_page, cci_response *response);

/* DELETE /users (deactivate) or PUT /users (reactivate) with body ({"uidsToDeactivate": [...]}
 * or {"uidsToActivate": [...]}). A 2xx is documented when its data is an object. */
void cci_client_bulk(cci_client *client, bool deactivate, const char *body, cci_response *response);

/* The body of the last answer (NUL-terminated, len bytes), valid until the next request. */
const char *cci_client_answer(const cci_client *client, size_t *len);

/* Reads one header line ("Name: value\r\n", not NUL-terminated) into r's rate-limit and
 * Retry-After fields: X-Rate-Limit, X-Rate-Limit-Remaining, X-Rate-Limit-Reset and the
 * X-RateLimit-* spellings, names in any case. A value must be a whole number of at most 18
 * digits (Retry-After may also be an HTTP date): anything else, negative or signed included,
 * leaves the field absent (-1). Other lines are ignored. */
void cci_parse_header(const char *line, size_t len, cci_response *r);

typedef enum {
    CCI_ANSWER_OK,        /* 2xx */
    CCI_ANSWER_EXISTS,    /* ERR_UID_ALREADY_EXISTS */
    CCI_ANSWER_NOT_FOUND, /* ERR_UID_NOT_FOUND */
    CCI_ANSWER_FATAL,     /* key, app or plan refused: every row would fail the same way */
    CCI_ANSWER_RETRYABLE, /* 429, 5xx, timeouts, dropped connections */
    CCI_ANSWER_FINAL,     /* any other refusal of this row */
} cci_answer_class;

/* What an answer means for a row: by error code first, then by status. */
cci_answer_class cci_classify(const cci_response *response);

/* The URL requests go to: base_url without trailing slashes when given, otherwise the app's
 * https://APP.api-REGION.cometchat.io/v3. malloc'd; NULL when out of memory. */
char *cci_client_base_url(const char *base_url, const char *app_id, const char *region);

#endif
