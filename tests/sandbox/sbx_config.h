/* Settings of the CometChat sandbox: what a test or a rehearsing user can turn.
 *
 * A config is filled before sbx_server_start and read-only while the server runs, so every thread
 * may read it without a lock. */
#ifndef SBX_CONFIG_H
#define SBX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbx_listing.h"

typedef struct sbx_key {
    char *key;
    bool auth_only; /* an "Auth Key": may create users and nothing else */
} sbx_key;

typedef struct sbx_faults {
    uint64_t seed;           /* the same seed and the same requests give the same faults */
    unsigned latency_ms;     /* added to every API answer */
    unsigned jitter_ms;      /* plus a uniform 0..jitter_ms */
    double error_rate;       /* share of requests answered 500 ERR_EXCEPTION, nothing applied */
    double drop_before_rate; /* share of connections closed before the change is applied */
    double drop_after_rate;  /* share of connections closed after the change is applied */
    double slow_rate;        /* share of answers held back slow_ms after the change is applied */
    unsigned slow_ms;
} sbx_faults;

/* Which rate-limit headers answers carry: the points where CometChat's pages disagree. */
typedef enum {
    SBX_HEADERS_CURRENT,     /* X-RateLimit-Limit/-Remaining/-Reset on every answer, Retry-After on 429 */
    SBX_HEADERS_LEGACY,      /* X-Rate-Limit, X-Rate-Limit-Remaining on every answer; a 429 adds
                              * Retry-After and X-Rate-Limit-Reset (the older docs page) */
    SBX_HEADERS_RETRY_AFTER, /* only Retry-After, on 429 */
    SBX_HEADERS_NONE,        /* no rate-limit header at all */
    SBX_HEADERS_COUNT,
} sbx_rate_headers;

/* Answers no documented service gives, for tests that the importer survives them. */
typedef enum {
    SBX_HOSTILE_NONE,
    SBX_HOSTILE_HUGE_RETRY_AFTER, /* 429s say Retry-After: 99999999 (three years), and no reset */
    SBX_HOSTILE_FAR_RESET,        /* resets three years ahead, and no Retry-After */
    SBX_HOSTILE_OVERFLOW_RESET,   /* resets of 9223372036854775807, and no Retry-After */
    SBX_HOSTILE_ALWAYS_429,       /* every API request answers 429 */
    SBX_HOSTILE_HTML_200,         /* creates, updates and Data Import answer 200 with an HTML page, apply nothing */
    SBX_HOSTILE_ENDLESS_LISTING,  /* every GET /users page is full of users made up for it, never
                                   * stored; page 1 announces 3 pages (3,000 users at 1,000 a page),
                                   * each later page 2 more pages than it has sent; with
                                   * listing_total_zero, nothing */
    SBX_HOSTILE_ECHO_KEY,         /* every API request with a known key answers 400 echoing the key:
                                   * in error.code (its first character JSON-escaped), the message
                                   * and the details, as a careless service or proxy might */
    SBX_HOSTILE_COUNT,
} sbx_hostile;

/* Which "users" shapes POST /data_import/users accepts: the docs' example keys users by uid, its
 * error text asks for an array. */
typedef enum {
    SBX_IMPORT_BODY_EITHER,
    SBX_IMPORT_BODY_OBJECT,
    SBX_IMPORT_BODY_ARRAY,
    SBX_IMPORT_BODY_COUNT,
} sbx_import_body;

/* Names as the command line spells them; NULL past the end. */
const char *sbx_rate_headers_name(sbx_rate_headers headers);
const char *sbx_hostile_name(sbx_hostile hostile);
const char *sbx_import_body_name(sbx_import_body body);

typedef struct sbx_config {
    const char *bind_address; /* dotted IPv4, or IPv6 (::1); default 127.0.0.1 */
    unsigned port;            /* 0: any free port */
    sbx_key *keys;
    size_t key_count;
    char **roles;
    size_t role_count;
    bool role_error_not_found; /* unknown role: ERR_ROLE_NOT_FOUND instead of ERR_BAD_REQUEST */
    unsigned auth_error_status; /* status of a missing or unknown key: 401, or 404 as one mock does */
    const char *app_id;         /* when set, an appid header naming another app is refused */
    const char *plan_error;     /* when set, every API request answers 403 with this code */
    size_t metadata_limit;      /* bytes of the metadata object serialised */
    size_t max_body;            /* bytes of a request body */
    unsigned core_limit;        /* creates and deletes per window */
    unsigned standard_limit;    /* everything else per window */
    unsigned window_ms;
    sbx_rate_headers rate_headers;
    bool html_429;              /* a 429's body is an HTML page, not the JSON error envelope */
    sbx_hostile hostile;
    bool listing_hides_private; /* listed metadata leaves out "@private" (the docs are silent) */
    bool listing_total_zero;    /* listed pagination says total 0 (the OpenAPI example does); an
                                 * endless listing then announces no size */
    const char *endless_pagination; /* in-process only: an endless listing's meta.pagination, as
                                     * this JSON text on every page (figures that are no figures) */
    sbx_listing_fault listing_fault; /* how listings misbehave (sbx_listing.h) */
    unsigned listing_fault_readings; /* in how many readings, the first ones; 0: all */
    unsigned data_import_limit;  /* POST /data_import/users per window (its own budget) */
    sbx_import_body import_body; /* the Data Import body shapes accepted (the docs disagree) */
    bool import_answer_array;    /* Data Import answers "data" as an array of per-user entries,
                                  * not an object keyed by uid (the docs show only the object) */
    bool import_missing;         /* no Data Import endpoint: 404, as on a service without it */
    bool cleared_dropped;       /* an update's "tags": [] and "statusMessage": "" remove the field
                                 * rather than keep it empty (the docs are silent) */
    sbx_faults faults;
    /* In-process only: called as each API request begins (before it is checked or answered), on
     * that request's connection thread, with how many API requests began since the server started
     * (1, 2, ...; /admin/reset does not restart it). NULL: none. For tests that act after the Kth
     * request (a signal at a counted moment, a user removed mid-run) rather than after a time. */
    void (*on_api_request)(void *arg, unsigned long count);
    void *on_api_request_arg;
} sbx_config;

/* Fills the documented defaults: 10,000 core, 20,000 standard and 60 Data Import requests a minute, 401 for key
 * errors, 5 KB of metadata, 10 KB bodies, roles "default", no faults, no keys. */
void sbx_config_defaults(sbx_config *config);

/* Reads "full KEY" / "auth KEY" lines (# comments allowed) into config->keys.
 * Returns false and a reason in err on failure. */
bool sbx_config_load_keys(sbx_config *config, const char *path, char *err, size_t errlen);

/* Splits a comma-separated role list into config->roles. Returns false when out of memory. */
bool sbx_config_set_roles(sbx_config *config, const char *list);

void sbx_config_cleanup(sbx_config *config);

#endif
