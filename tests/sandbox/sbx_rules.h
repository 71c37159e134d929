/* The sandbox's validation of user bodies, as cometchat-api.md describes the service's.
 *
 * Thread-safety: pure functions over their arguments; the config is read-only. */
#ifndef SBX_RULES_H
#define SBX_RULES_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "sbx_config.h"

/* The outcome of a check: ok, or the error to answer with. */
typedef struct sbx_verdict {
    bool ok;
    int status;         /* HTTP status of the error */
    const char *code;   /* ERR_... */
    char message[256];  /* error.message */
    cJSON *details;     /* owned: {"field": ["message", ...]} or NULL */
} sbx_verdict;

/* Checks the body of POST /users. */
sbx_verdict sbx_rules_check_create(const cJSON *body, const sbx_config *config);

/* Checks the body of PUT /users/{uid}: every field optional, plus "unset". */
sbx_verdict sbx_rules_check_update(const cJSON *body, const sbx_config *config);

/* True when uid has 1-100 characters of a-z A-Z 0-9 _ -. */
bool sbx_rules_uid_valid(const char *uid);

void sbx_verdict_cleanup(sbx_verdict *verdict);

#endif
