/* The sandbox's users, and the per-uid request counts that make faults reproducible.
 *
 * Thread-safety: every function may be called from any thread; one mutex inside the store
 * protects the users and the counts. Returned strings are the caller's to free(). */
#ifndef SBX_STORE_H
#define SBX_STORE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct sbx_store sbx_store;

typedef enum {
    SBX_STORE_OK,
    SBX_STORE_EXISTS,    /* create: the uid is taken, by an active or a deactivated user */
    SBX_STORE_NOT_FOUND, /* no active user with that uid */
    SBX_STORE_NO_MEMORY,
} sbx_store_result;

sbx_store *sbx_store_new(void);
void sbx_store_free(sbx_store *store);

/* Counts one request naming uid ("" for requests that name none) and returns the new count. */
unsigned long sbx_store_count_request(sbx_store *store, const char *uid);

/* Returns 0, 1, 2... for successive calls with the same uid: the index of this fault roll. */
unsigned long sbx_store_next_roll(sbx_store *store, const char *uid);

/* body has passed sbx_rules_check_create; its uid is stored lowercased. On success *user_json
 * holds the new user as the service answers it. now is unix seconds. */
sbx_store_result sbx_store_create(sbx_store *store, const cJSON *body, long now, char **user_json);

/* A Data Import create: as sbx_store_create, created at created_at, and last active at
 * last_active_at when it is not 0. */
sbx_store_result sbx_store_import(sbx_store *store, const cJSON *body, long created_at, long last_active_at,
                                  char **user_json);

/* body has passed sbx_rules_check_update; fields sent replace, "unset" clears. */
sbx_store_result sbx_store_update(sbx_store *store, const char *uid, const cJSON *body, long now,
                                  char **user_json);

sbx_store_result sbx_store_get(sbx_store *store, const char *uid, char **user_json);

/* Deactivates at now (the uid stays taken), or with permanent frees the uid. */
sbx_store_result sbx_store_delete(sbx_store *store, const char *uid, bool permanent, long now);

/* Makes a deactivated user active again; NOT_FOUND for any other uid. */
sbx_store_result sbx_store_reactivate(sbx_store *store, const char *uid);

/* What an administrator does in the dashboard, behind the importer's back: like an update, with
 * no rules checked, and to a deactivated user too. */
sbx_store_result sbx_store_edit(sbx_store *store, const char *uid, const cJSON *body, long now);
/* The user's next count updates answer 200 with the user as it was: a service that accepts an
 * update and does not keep it (a moderation rule, another writer racing), for --verify's tests. */
sbx_store_result sbx_store_ignore_updates(sbx_store *store, const char *uid, unsigned count);

typedef enum {
    SBX_LIST_ACTIVE,      /* the default */
    SBX_LIST_ALL,         /* withDeactivated=true */
    SBX_LIST_DEACTIVATED, /* onlyDeactivated=true */
} sbx_list_which;

typedef struct sbx_list_options {
    sbx_list_which which;
    bool with_tags;    /* tags are listed only when asked */
    bool hide_private; /* metadata["@private"] is left out (the docs are silent) */
    bool total_zero;   /* pagination says total 0, as the OpenAPI example does */
    unsigned skip;     /* users passed over before the page's offset (a listing that shifts) */
} sbx_list_options;

/* The body of GET /users: the users asked for in uid order, paginated (page counts from 1);
 * deactivated ones carry deactivatedAt. */
char *sbx_store_list(sbx_store *store, unsigned page, unsigned per_page, const sbx_list_options *options);

/* {"users":[...]} with every user, deactivated ones marked "deactivated": true, in uid order.
 * The same shape is accepted by the sandbox's --load. */
char *sbx_store_dump(sbx_store *store);

/* {"uid": count, ...} of sbx_store_count_request. */
cJSON *sbx_store_request_counts(sbx_store *store);

size_t sbx_store_user_count(sbx_store *store);

/* Forgets the request counts and fault rolls; with keep_users false, the users too. */
void sbx_store_reset(sbx_store *store, bool keep_users);

#endif
