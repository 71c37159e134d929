#include "sbx_store.h"

#include <ctype.h>
#include <pthread.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

/* What the store knows of one uid. A uid may be known only through requests that named it. */
typedef struct uid_entry {
    char *uid;
    cJSON *user; /* NULL: no user holds this uid */
    bool deactivated;
    long deactivated_at; /* unix seconds, when deactivated */
    unsigned long requests;
    unsigned long rolls;
    unsigned ignored_updates; /* updates still to answer 200 without keeping (an admin's test hook) */
} uid_entry;

/* The entries are found by uid through a search tree (libc's tsearch) and walked in the order
 * they came through an array; the sandbox shares no code with the importer it tests. */
struct sbx_store {
    pthread_mutex_t lock;
    void *by_uid;        /* tsearch tree of uid_entry *; protected by lock */
    uid_entry **entries; /* every entry, in the order they came; protected by lock */
    size_t count, capacity;
    size_t users; /* entries holding a user; protected by lock */
    /* who is listed changes with version; the last sorted listing is kept until it does, so that
     * paging through a million users sorts them once, not once a page; protected by lock */
    unsigned long version;
    struct listing_cache {
        bool valid;
        unsigned long version;
        int which;
        struct uid_entry **items;
        size_t count;
    } cache;
};

static int compare_uids(const void *a, const void *b)
{
    return strcmp(((const uid_entry *)a)->uid, ((const uid_entry *)b)->uid);
}

sbx_store *sbx_store_new(void)
{
    sbx_store *store = calloc(1, sizeof *store);
    if (!store) return NULL;
    pthread_mutex_init(&store->lock, NULL);
    return store;
}

/* Caller holds the lock. Forgets every entry. */
static void forget_entries(sbx_store *store)
{
    for (size_t i = 0; i < store->count; i++) {
        uid_entry *entry = store->entries[i];
        tdelete(entry, &store->by_uid, compare_uids);
        cJSON_Delete(entry->user);
        free(entry->uid);
        free(entry);
    }
    store->count = 0;
    store->users = 0;
    store->version++;
}

void sbx_store_free(sbx_store *store)
{
    if (!store) return;
    forget_entries(store);
    free(store->entries);
    free(store->cache.items);
    pthread_mutex_destroy(&store->lock);
    free(store);
}

/* Caller holds the lock. NULL: the uid is unknown. */
static uid_entry *entry_of(sbx_store *store, const char *uid)
{
    uid_entry key = {.uid = (char *)uid};
    uid_entry **found = tfind(&key, &store->by_uid, compare_uids);
    return found ? *found : NULL;
}

/* Caller holds the lock. The uid's entry, made when it is new; NULL when out of memory. */
static uid_entry *entry_for(sbx_store *store, const char *uid)
{
    uid_entry *entry = entry_of(store, uid);
    if (entry) return entry;
    if (store->count == store->capacity) {
        size_t capacity = store->capacity ? 2 * store->capacity : 64;
        uid_entry **grown = realloc(store->entries, capacity * sizeof *grown);
        if (!grown) return NULL;
        store->entries = grown;
        store->capacity = capacity;
    }
    entry = calloc(1, sizeof *entry);
    if (entry) entry->uid = strdup(uid);
    if (!entry || !entry->uid || !tsearch(entry, &store->by_uid, compare_uids)) {
        if (entry) free(entry->uid);
        free(entry);
        return NULL;
    }
    store->entries[store->count++] = entry;
    store->version++;
    return entry;
}

unsigned long sbx_store_count_request(sbx_store *store, const char *uid)
{
    pthread_mutex_lock(&store->lock);
    uid_entry *entry = entry_for(store, uid);
    unsigned long count = entry ? ++entry->requests : 0;
    pthread_mutex_unlock(&store->lock);
    return count;
}

unsigned long sbx_store_next_roll(sbx_store *store, const char *uid)
{
    pthread_mutex_lock(&store->lock);
    uid_entry *entry = entry_for(store, uid);
    unsigned long roll = entry ? entry->rolls++ : 0;
    pthread_mutex_unlock(&store->lock);
    return roll;
}

static const char *const copied_fields[] = {"name", "avatar", "link", "role",
                                            "statusMessage", "metadata", "tags"};

/* Sets user[field] to a copy of body[field] when body has it. */
static void copy_field(cJSON *user, const cJSON *body, const char *field)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(body, field);
    if (!value) return;
    cJSON *copy = cJSON_Duplicate(value, true);
    if (cJSON_GetObjectItemCaseSensitive(user, field))
        cJSON_ReplaceItemInObjectCaseSensitive(user, field, copy);
    else
        cJSON_AddItemToObject(user, field, copy);
}

static void set_number(cJSON *user, const char *field, long value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(user, field);
    cJSON_AddNumberToObject(user, field, (double)value);
}

/* cJSON allocates with malloc (the sandbox installs no hooks), so callers free() the text. */
static char *print_user(const cJSON *user)
{
    return cJSON_PrintUnformatted(user);
}

sbx_store_result sbx_store_create(sbx_store *store, const cJSON *body, long now, char **user_json)
{
    return sbx_store_import(store, body, now, 0, user_json);
}

sbx_store_result sbx_store_import(sbx_store *store, const cJSON *body, long now, long last_active_at,
                                  char **user_json)
{
    const char *given = cJSON_GetObjectItemCaseSensitive(body, "uid")->valuestring;
    char *uid = strdup(given);
    if (!uid) return SBX_STORE_NO_MEMORY;
    for (char *p = uid; *p; p++) *p = (char)tolower((unsigned char)*p);

    cJSON *user = cJSON_CreateObject();
    cJSON_AddStringToObject(user, "uid", uid);
    for (size_t i = 0; i < sizeof copied_fields / sizeof *copied_fields; i++)
        copy_field(user, body, copied_fields[i]);
    if (!cJSON_GetObjectItemCaseSensitive(user, "role")) cJSON_AddStringToObject(user, "role", "default");
    cJSON_AddStringToObject(user, "status", "offline");
    set_number(user, "createdAt", now);
    if (last_active_at) set_number(user, "lastActiveAt", last_active_at);

    sbx_store_result result = SBX_STORE_OK;
    pthread_mutex_lock(&store->lock);
    uid_entry *entry = entry_for(store, uid);
    if (!entry) {
        result = SBX_STORE_NO_MEMORY;
    } else if (entry->user) {
        result = SBX_STORE_EXISTS;
    } else {
        entry->user = user;
        entry->deactivated = false;
        store->users++;
        store->version++;
        *user_json = print_user(user);
        user = NULL;
    }
    pthread_mutex_unlock(&store->lock);
    cJSON_Delete(user);
    free(uid);
    return result;
}

/* Fields sent replace, the names in "unset" are cleared. */
static void apply_fields(cJSON *user, const cJSON *body, long now)
{
    for (size_t i = 0; i < sizeof copied_fields / sizeof *copied_fields; i++)
        copy_field(user, body, copied_fields[i]);
    const cJSON *unset = cJSON_GetObjectItemCaseSensitive(body, "unset");
    const cJSON *field;
    cJSON_ArrayForEach(field, unset)
        if (cJSON_IsString(field)) cJSON_DeleteItemFromObjectCaseSensitive(user, field->valuestring);
    set_number(user, "updatedAt", now);
}

sbx_store_result sbx_store_update(sbx_store *store, const char *uid, const cJSON *body, long now,
                                  char **user_json)
{
    sbx_store_result result = SBX_STORE_OK;
    pthread_mutex_lock(&store->lock);
    uid_entry *entry = entry_of(store, uid);
    if (!entry || !entry->user || entry->deactivated) {
        result = SBX_STORE_NOT_FOUND;
    } else {
        if (entry->ignored_updates) entry->ignored_updates--;
        else apply_fields(entry->user, body, now);
        *user_json = print_user(entry->user);
    }
    pthread_mutex_unlock(&store->lock);
    return result;
}

sbx_store_result sbx_store_get(sbx_store *store, const char *uid, char **user_json)
{
    sbx_store_result result = SBX_STORE_NOT_FOUND;
    pthread_mutex_lock(&store->lock);
    uid_entry *entry = entry_of(store, uid);
    if (entry && entry->user && !entry->deactivated) {
        *user_json = print_user(entry->user);
        result = SBX_STORE_OK;
    }
    pthread_mutex_unlock(&store->lock);
    return result;
}

sbx_store_result sbx_store_delete(sbx_store *store, const char *uid, bool permanent, long now)
{
    sbx_store_result result = SBX_STORE_NOT_FOUND;
    pthread_mutex_lock(&store->lock);
    uid_entry *entry = entry_of(store, uid);
    /* a deactivated user can still be deleted permanently */
    if (entry && entry->user && (!entry->deactivated || permanent)) {
        if (permanent) {
            cJSON_Delete(entry->user);
            entry->user = NULL;
            entry->deactivated = false;
            store->users--;
        } else {
            entry->deactivated = true;
            entry->deactivated_at = now;
        }
        store->version++;
        result = SBX_STORE_OK;
    }
    pthread_mutex_unlock(&store->lock);
    return result;
}

sbx_store_result sbx_store_reactivate(sbx_store *store, const char *uid)
{
    sbx_store_result result = SBX_STORE_NOT_FOUND;
    pthread_mutex_lock(&store->lock);
    uid_entry *entry = entry_of(store, uid);
    if (entry && entry->user && entry->deactivated) {
        entry->deactivated = false;
        store->version++;
        result = SBX_STORE_OK;
    }
    pthread_mutex_unlock(&store->lock);
    return result;
}

sbx_store_result sbx_store_edit(sbx_store *store, const char *uid, const cJSON *body, long now)
{
    sbx_store_result result = SBX_STORE_NOT_FOUND;
    pthread_mutex_lock(&store->lock);
    uid_entry *entry = entry_of(store, uid);
    if (entry && entry->user) {
        apply_fields(entry->user, body, now);
        result = SBX_STORE_OK;
    }
    pthread_mutex_unlock(&store->lock);
    return result;
}

sbx_store_result sbx_store_ignore_updates(sbx_store *store, const char *uid, unsigned count)
{
    sbx_store_result result = SBX_STORE_NOT_FOUND;
    pthread_mutex_lock(&store->lock);
    uid_entry *entry = entry_of(store, uid);
    if (entry && entry->user) {
        entry->ignored_updates = count;
        result = SBX_STORE_OK;
    }
    pthread_mutex_unlock(&store->lock);
    return result;
}

typedef struct collected {
    const uid_entry **items;
    size_t count;
} collected;

static int by_uid(const void *a, const void *b)
{
    return compare_uids(*(const uid_entry *const *)a, *(const uid_entry *const *)b);
}

static bool listed(const uid_entry *entry, sbx_list_which which)
{
    if (!entry->user) return false;
    if (which == SBX_LIST_ACTIVE) return !entry->deactivated;
    if (which == SBX_LIST_DEACTIVATED) return entry->deactivated;
    return true;
}

/* Caller holds the lock. The users which asks for, in uid order, into the store's cache (valid
 * until the lock is let go); false when out of memory. */
static bool collect_sorted(sbx_store *store, sbx_list_which which, collected *out)
{
    struct listing_cache *cache = &store->cache;
    if (!cache->valid || cache->version != store->version || cache->which != (int)which) {
        uid_entry **items = realloc(cache->items, (store->users + 1) * sizeof *items);
        if (!items) return false;
        cache->items = items;
        cache->count = 0;
        for (size_t i = 0; i < store->count; i++)
            if (listed(store->entries[i], which)) cache->items[cache->count++] = store->entries[i];
        qsort(cache->items, cache->count, sizeof *cache->items, by_uid);
        *cache = (struct listing_cache){.valid = true, .version = store->version, .which = (int)which,
                                        .items = cache->items, .count = cache->count};
    }
    *out = (collected){.items = (const uid_entry **)cache->items, .count = cache->count};
    return true;
}

/* A user as the listing shows it. */
static cJSON *listed_user(const uid_entry *entry, const sbx_list_options *options)
{
    cJSON *copy = cJSON_Duplicate(entry->user, true);
    if (!options->with_tags) cJSON_DeleteItemFromObjectCaseSensitive(copy, "tags");
    cJSON *metadata = cJSON_GetObjectItemCaseSensitive(copy, "metadata");
    if (options->hide_private && cJSON_IsObject(metadata)) {
        cJSON_DeleteItemFromObjectCaseSensitive(metadata, "@private");
        if (!metadata->child) cJSON_DeleteItemFromObjectCaseSensitive(copy, "metadata");
    }
    if (entry->deactivated) set_number(copy, "deactivatedAt", entry->deactivated_at);
    return copy;
}

char *sbx_store_list(sbx_store *store, unsigned page, unsigned per_page, const sbx_list_options *options)
{
    cJSON *answer = cJSON_CreateObject();
    cJSON *data = cJSON_AddArrayToObject(answer, "data");
    collected users;
    pthread_mutex_lock(&store->lock);
    if (collect_sorted(store, options->which, &users)) {
        size_t first = (size_t)(page - 1) * per_page + options->skip;
        for (size_t i = first; i < users.count && i < first + per_page; i++)
            cJSON_AddItemToArray(data, listed_user(users.items[i], options));
        cJSON *pagination = cJSON_AddObjectToObject(cJSON_AddObjectToObject(answer, "meta"),
                                                    "pagination");
        size_t total = options->total_zero ? 0 : users.count;
        cJSON_AddNumberToObject(pagination, "total", (double)total);
        cJSON_AddNumberToObject(pagination, "count", cJSON_GetArraySize(data));
        cJSON_AddNumberToObject(pagination, "per_page", per_page);
        cJSON_AddNumberToObject(pagination, "current_page", page);
        cJSON_AddNumberToObject(pagination, "total_pages", (double)((total + per_page - 1) / per_page));
    }
    pthread_mutex_unlock(&store->lock);
    char *text = cJSON_PrintUnformatted(answer);
    cJSON_Delete(answer);
    return text;
}

char *sbx_store_dump(sbx_store *store)
{
    cJSON *answer = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(answer, "users");
    collected users;
    pthread_mutex_lock(&store->lock);
    if (collect_sorted(store, SBX_LIST_ALL, &users)) {
        for (size_t i = 0; i < users.count; i++) {
            cJSON *copy = cJSON_Duplicate(users.items[i]->user, true);
            if (users.items[i]->deactivated) cJSON_AddTrueToObject(copy, "deactivated");
            cJSON_AddItemToArray(list, copy);
        }
    }
    pthread_mutex_unlock(&store->lock);
    char *text = cJSON_PrintUnformatted(answer);
    cJSON_Delete(answer);
    return text;
}

cJSON *sbx_store_request_counts(sbx_store *store)
{
    cJSON *counts = cJSON_CreateObject();
    pthread_mutex_lock(&store->lock);
    for (size_t i = 0; i < store->count; i++)
        if (store->entries[i]->requests)
            cJSON_AddNumberToObject(counts, store->entries[i]->uid, (double)store->entries[i]->requests);
    pthread_mutex_unlock(&store->lock);
    return counts;
}

size_t sbx_store_user_count(sbx_store *store)
{
    pthread_mutex_lock(&store->lock);
    size_t count = store->users;
    pthread_mutex_unlock(&store->lock);
    return count;
}

void sbx_store_reset(sbx_store *store, bool keep_users)
{
    pthread_mutex_lock(&store->lock);
    if (keep_users) {
        for (size_t i = 0; i < store->count; i++) store->entries[i]->requests = store->entries[i]->rolls = 0;
    } else {
        forget_entries(store);
    }
    pthread_mutex_unlock(&store->lock);
}
