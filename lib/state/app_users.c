#include "state/app_users.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cci/util/fingerprint.h"

/* A sorted array, searched by uid hash: no load factor, no pointers, no per-user allocation. */
struct cci_app_users {
    cci_app_user *users;
    size_t count, capacity;
    size_t malformed;
    bool private_shown;
};

static const char *const slot_names[CCI_SLOT_COUNT] = {
    [CCI_SLOT_NAME] = "name", [CCI_SLOT_AVATAR] = "avatar", [CCI_SLOT_LINK] = "link",
    [CCI_SLOT_ROLE] = "role", [CCI_SLOT_STATUS_MESSAGE] = "statusMessage",
    [CCI_SLOT_METADATA] = "metadata", [CCI_SLOT_TAGS] = "tags",
};

const char *cci_slot_name(cci_slot slot)
{
    return slot < CCI_SLOT_COUNT ? slot_names[slot] : NULL;
}

/* The listing's hint is untrusted: a lie costs at most this much memory up front. */
enum { MOST_RESERVED = 1 << 22 };

cci_app_users *cci_app_users_new(size_t expected)
{
    cci_app_users *app = calloc(1, sizeof *app);
    if (!app) return NULL;
    app->capacity = expected < 1024 ? 1024 : expected > MOST_RESERVED ? MOST_RESERVED : expected;
    app->users = malloc(app->capacity * sizeof *app->users);
    if (!app->users) {
        free(app);
        return NULL;
    }
    return app;
}

void cci_app_users_free(cci_app_users *app)
{
    if (!app) return;
    free(app->users);
    free(app);
}

void cci_uid_lowercase(const char *uid, char *out, size_t len)
{
    size_t n = 0;
    for (; uid[n] && n + 1 < len; n++) out[n] = (char)tolower((unsigned char)uid[n]);
    if (len) out[n] = '\0';
}

uint64_t cci_uid_hash(const char *uid)
{
    char lowered[256]; /* a uid is at most 100 characters; a longer one is hashed cut */
    cci_uid_lowercase(uid, lowered, sizeof lowered);
    return cci_fnv1a(lowered, strlen(lowered), CCI_FNV_SEED);
}

uint32_t cci_field_hash(const cJSON *value)
{
    char *text = cci_canonical_json(value);
    if (!text) return 1; /* out of memory: a hash no value has, so nothing is proven equal */
    uint64_t hash = cci_fnv1a(text, strlen(text), CCI_FNV_SEED);
    free(text);
    uint32_t folded = (uint32_t)(hash ^ (hash >> 32));
    return folded > 1 ? folded : folded + 2; /* 0 means "none", 1 "unknown" */
}

bool cci_listed_deactivated(const cJSON *listed)
{
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(listed, "deactivatedAt");
    return at && !cJSON_IsNull(at) && !cJSON_IsFalse(at);
}

bool cci_app_users_add(cci_app_users *app, const cJSON *listed)
{
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(listed, "uid");
    if (!cJSON_IsString(uid) || !uid->valuestring[0]) {
        app->malformed++;
        return true;
    }
    if (app->count == app->capacity) {
        size_t capacity = app->capacity * 2;
        cci_app_user *grown = realloc(app->users, capacity * sizeof *grown);
        if (!grown) return false;
        app->users = grown;
        app->capacity = capacity;
    }
    cci_app_user user = {.uid_hash = cci_uid_hash(uid->valuestring)};
    for (int slot = 0; slot < CCI_SLOT_COUNT; slot++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(listed, slot_names[slot]);
        if (value && !cJSON_IsNull(value)) user.field[slot] = cci_field_hash(value);
    }
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(listed, "metadata");
    if (cJSON_GetObjectItemCaseSensitive(metadata, "@private")) app->private_shown = true;
    else user.flags |= CCI_APP_USER_NO_PRIVATE;
    if (cci_listed_deactivated(listed)) user.flags |= CCI_APP_USER_DEACTIVATED;
    const cJSON *created = cJSON_GetObjectItemCaseSensitive(listed, "createdAt");
    if (cJSON_IsNumber(created) && created->valuedouble > 0 && created->valuedouble < 4294967296.0)
        user.created = (uint32_t)created->valuedouble;
    app->users[app->count++] = user;
    return true;
}

void cci_app_users_mark_last(cci_app_users *app, uint8_t flags)
{
    if (app->count) app->users[app->count - 1].flags |= flags;
}

static int by_hash(const void *a, const void *b)
{
    uint64_t x = ((const cci_app_user *)a)->uid_hash, y = ((const cci_app_user *)b)->uid_hash;
    return x < y ? -1 : x > y;
}

void cci_app_users_seal(cci_app_users *app)
{
    qsort(app->users, app->count, sizeof *app->users, by_hash);
    size_t kept = 0;
    for (size_t i = 0; i < app->count; i++) {
        if (kept && app->users[kept - 1].uid_hash == app->users[i].uid_hash) app->users[kept - 1] = app->users[i];
        else app->users[kept++] = app->users[i];
    }
    app->count = kept;
}

cci_app_user *cci_app_users_find(const cci_app_users *app, const char *uid)
{
    cci_app_user key = {.uid_hash = cci_uid_hash(uid)};
    return bsearch(&key, app->users, app->count, sizeof *app->users, by_hash);
}

bool cci_app_users_private_shown(const cci_app_users *app)
{
    return app->private_shown;
}

cci_app_counts cci_app_users_counts(const cci_app_users *app)
{
    cci_app_counts counts = {.malformed = app->malformed, .private_shown = app->private_shown};
    for (size_t i = 0; i < app->count; i++) {
        if (app->users[i].flags & CCI_APP_USER_DEACTIVATED) counts.deactivated++;
        else counts.active++;
    }
    return counts;
}

/* ---- the uids of a file ---- */

struct cci_uid_line {
    uint64_t hash;
    unsigned long line;
    uint32_t keys_signature; /* the row's metadata keys (cci/key_signature.h); mask 0: none */
    uint32_t keys_mask;
};

bool cci_uid_set_add(cci_uid_set *set, const char *uid, unsigned long line)
{
    if (set->count == set->capacity) {
        size_t capacity = set->capacity ? set->capacity * 2 : 1024;
        struct cci_uid_line *grown = realloc(set->items, capacity * sizeof *grown);
        if (!grown) return false;
        set->items = grown;
        set->capacity = capacity;
    }
    set->items[set->count++] = (struct cci_uid_line){.hash = cci_uid_hash(uid), .line = line};
    return true;
}

void cci_uid_set_note_keys(cci_uid_set *set, uint32_t signature, uint32_t mask)
{
    if (!set->count) return;
    set->items[set->count - 1].keys_signature = signature;
    set->items[set->count - 1].keys_mask = mask;
}

static int by_hash_then_line(const void *a, const void *b)
{
    const struct cci_uid_line *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

void cci_uid_set_seal(cci_uid_set *set)
{
    if (set->count) qsort(set->items, set->count, sizeof *set->items, by_hash_then_line); /* items may be NULL */
    set->sealed = true;
}

/* The first row with uid_hash, or NULL. */
static const struct cci_uid_line *first_of(const cci_uid_set *set, uint64_t uid_hash)
{
    size_t lo = 0, hi = set->count;
    while (lo < hi) { /* the first item whose hash is not below uid_hash */
        size_t mid = lo + (hi - lo) / 2;
        if (set->items[mid].hash < uid_hash) lo = mid + 1;
        else hi = mid;
    }
    return lo < set->count && set->items[lo].hash == uid_hash ? &set->items[lo] : NULL;
}

unsigned long cci_uid_set_first_line(const cci_uid_set *set, uint64_t uid_hash)
{
    const struct cci_uid_line *first = first_of(set, uid_hash);
    return first ? first->line : 0;
}

bool cci_uid_set_keys(const cci_uid_set *set, uint64_t uid_hash, uint32_t *signature, uint32_t *mask)
{
    const struct cci_uid_line *first = first_of(set, uid_hash);
    if (!first) return false;
    *signature = first->keys_signature;
    *mask = first->keys_mask;
    return true;
}

void cci_uid_set_cleanup(cci_uid_set *set)
{
    free(set->items);
    *set = (cci_uid_set){0};
}
