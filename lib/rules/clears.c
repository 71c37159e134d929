#include "rules/clears.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/app_users.h"
#include "cci/util/fingerprint.h"

enum { HASH_DIGITS = 8 };

/* The 32-bit hash a field's name is recorded under: prefix and name hashed as one string. */
static uint32_t name_hash(const char *prefix, const char *name)
{
    unsigned long long hash = cci_fnv1a(prefix, strlen(prefix), CCI_FNV_SEED);
    hash = cci_fnv1a(name, strlen(name), hash);
    return (uint32_t)(hash ^ (hash >> 32));
}

/* The name a column's field is recorded under: "avatar", "metadata.team.floor". */
static uint32_t field_hash(const cci_column *column)
{
    if (column->field == CCI_FIELD_METADATA_KEY) return name_hash("metadata.", column->metadata_path);
    return name_hash("", cci_field_name(column->field));
}

/* Stands for "some metadata key was set by an import": a whole metadata column emptied later
 * clears the object then. */
static uint32_t any_key_hash(void)
{
    return name_hash("", "metadata.*");
}

static uint32_t whole_metadata_hash(void)
{
    return name_hash("", "metadata");
}

typedef struct hash_set {
    uint32_t items[CCI_CLEARS_MOST_FIELDS];
    size_t count;
} hash_set;

static bool holds(const hash_set *set, uint32_t hash)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i] == hash) return true;
    return false;
}

static void add(hash_set *set, uint32_t hash)
{
    if (!holds(set, hash) && set->count < CCI_CLEARS_MOST_FIELDS) set->items[set->count++] = hash;
}

/* Reads "h1,h2,..." as the journal keeps it; what is not a hash is skipped. */
static void parse(hash_set *set, const char *recorded)
{
    set->count = 0;
    while (recorded && *recorded) {
        char *end;
        unsigned long hash = strtoul(recorded, &end, 16);
        if (end - recorded == HASH_DIGITS) add(set, (uint32_t)hash);
        recorded = end + strcspn(end, ",");
        if (*recorded == ',') recorded++;
    }
}

/* Empty as a row's cell is read (cci_trim): not given. */
static bool blank(const cci_cell *cell)
{
    const char *text = cell->text;
    size_t len = cell->len;
    cci_trim(&text, &len);
    return len == 0;
}

static int slot_of(cci_field field)
{
    switch (field) {
    case CCI_FIELD_AVATAR: return CCI_SLOT_AVATAR;
    case CCI_FIELD_LINK: return CCI_SLOT_LINK;
    case CCI_FIELD_ROLE: return CCI_SLOT_ROLE;
    case CCI_FIELD_STATUS_MESSAGE: return CCI_SLOT_STATUS_MESSAGE;
    case CCI_FIELD_METADATA: return CCI_SLOT_METADATA;
    case CCI_FIELD_TAGS: return CCI_SLOT_TAGS;
    default: return -1; /* uid and name are never cleared; ignored columns are no field */
    }
}

/* Whether an import set what the emptied column feeds. */
static bool was_set(const hash_set *earlier, const cci_column *column)
{
    if (holds(earlier, field_hash(column))) return true;
    if (column->field == CCI_FIELD_METADATA) return holds(earlier, any_key_hash());
    if (column->field == CCI_FIELD_METADATA_KEY) return holds(earlier, whole_metadata_hash());
    return false;
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorted: the same fields are always the same record. */
static bool write_fields(cci_clears *clears, hash_set *set)
{
    qsort(set->items, set->count, sizeof *set->items, by_value);
    clears->fields = malloc(set->count * (HASH_DIGITS + 1) + 1);
    if (!clears->fields) return false;
    char *at = clears->fields;
    *at = '\0';
    for (size_t i = 0; i < set->count; i++)
        at += sprintf(at, "%s%08x", i ? "," : "", (unsigned)set->items[i]);
    return true;
}

bool cci_clears_find(cci_clears *clears, const cci_mapping *mapping, const cci_record *record, const char *recorded)
{
    *clears = (cci_clears){0};
    hash_set earlier, after = {0};
    parse(&earlier, recorded);
    bool keys_mapped = false, key_set = false;
    for (size_t i = 0; i < mapping->count; i++) keys_mapped |= mapping->columns[i].field == CCI_FIELD_METADATA_KEY;
    /* what the earlier imports set outside this file's columns stays theirs */
    for (size_t e = 0; e < earlier.count; e++) {
        bool mapped = keys_mapped && earlier.items[e] == any_key_hash();
        for (size_t i = 0; i < mapping->count && !mapped; i++)
            mapped = mapping->columns[i].field != CCI_FIELD_IGNORE && field_hash(&mapping->columns[i]) == earlier.items[e];
        if (!mapped) add(&after, earlier.items[e]);
    }
    for (size_t i = 0; i < mapping->count; i++) {
        const cci_column *column = &mapping->columns[i];
        if (column->field == CCI_FIELD_UID || column->field == CCI_FIELD_IGNORE) continue;
        bool empty = i >= record->count || blank(&record->cells[i]);
        if (!empty) {
            add(&after, field_hash(column));
            key_set |= column->field == CCI_FIELD_METADATA_KEY;
            continue;
        }
        if (!was_set(&earlier, column)) continue;
        int slot = slot_of(column->field);
        if (slot >= 0) clears->slots |= 1u << slot;
        else if (column->field == CCI_FIELD_METADATA_KEY && clears->key_count < CCI_CLEARS_MOST_FIELDS)
            clears->keys[clears->key_count++] = column->metadata_path;
    }
    if (key_set) add(&after, any_key_hash());
    return write_fields(clears, &after);
}

bool cci_clears_any(const cci_clears *clears)
{
    return clears->slots || clears->key_count;
}

/* Removes the value at a dotted path ("team.floor"); true when something was there. */
static bool remove_path(cJSON *object, const char *path)
{
    const char *dot = strchr(path, '.');
    if (!dot) {
        bool there = cJSON_GetObjectItemCaseSensitive(object, path) != NULL;
        cJSON_DeleteItemFromObjectCaseSensitive(object, path);
        return there;
    }
    char head[256];
    snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
    cJSON *inner = cJSON_GetObjectItemCaseSensitive(object, head);
    return cJSON_IsObject(inner) && remove_path(inner, dot + 1);
}

static bool add_unset(cJSON *fields, const char *name)
{
    cJSON *unset = cJSON_GetObjectItemCaseSensitive(fields, "unset");
    if (!unset && !(unset = cJSON_AddArrayToObject(fields, "unset"))) return false;
    cJSON *item = cJSON_CreateString(name);
    if (!item || !cJSON_AddItemToArray(unset, item)) {
        cJSON_Delete(item);
        return false;
    }
    return true;
}

/* Sets fields[name] to value (taken). */
static bool replace(cJSON *fields, const char *name, cJSON *value)
{
    if (!value) return false;
    cJSON_DeleteItemFromObjectCaseSensitive(fields, name);
    if (cJSON_AddItemToObject(fields, name, value)) return true;
    cJSON_Delete(value);
    return false;
}

/* The metadata keys the row empties, taken out of its metadata or the app's. */
static bool remove_keys(const cci_clears *clears, cJSON *fields, const cJSON *current)
{
    cJSON *metadata = cJSON_GetObjectItemCaseSensitive(fields, "metadata");
    bool own = cJSON_IsObject(metadata);
    cJSON *edited = own ? metadata : cJSON_IsObject(current) ? cJSON_Duplicate(current, true) : NULL;
    if (!edited) return !cJSON_IsObject(current); /* no metadata to remove from, or out of memory */
    bool removed = false;
    for (size_t i = 0; i < clears->key_count; i++) removed |= remove_path(edited, clears->keys[i]);
    if (!own && !removed) { /* nothing of it was there: nothing to send */
        cJSON_Delete(edited);
        return true;
    }
    if (!own && !cJSON_AddItemToObject(fields, "metadata", edited)) {
        cJSON_Delete(edited);
        return false;
    }
    if (edited->child) return true;
    /* no key left: the object goes, as an emptied metadata column would */
    cJSON_DeleteItemFromObjectCaseSensitive(fields, "metadata");
    return add_unset(fields, "metadata");
}

bool cci_clears_apply(const cci_clears *clears, cci_user *user, const cJSON *current)
{
    cJSON *fields = user->fields;
    bool ok = true;
    if (clears->slots & (1u << CCI_SLOT_AVATAR)) ok = ok && add_unset(fields, "avatar");
    if (clears->slots & (1u << CCI_SLOT_LINK)) ok = ok && add_unset(fields, "link");
    if (clears->slots & (1u << CCI_SLOT_METADATA)) ok = ok && add_unset(fields, "metadata");
    if (clears->slots & (1u << CCI_SLOT_TAGS)) ok = ok && replace(fields, "tags", cJSON_CreateArray());
    if (clears->slots & (1u << CCI_SLOT_ROLE)) ok = ok && replace(fields, "role", cJSON_CreateString("default"));
    if (clears->slots & (1u << CCI_SLOT_STATUS_MESSAGE))
        ok = ok && replace(fields, "statusMessage", cJSON_CreateString(""));
    if (clears->key_count) ok = ok && remove_keys(clears, fields, current);
    if (!ok) user->out_of_memory = true;
    return ok;
}

void cci_clears_cleanup(cci_clears *clears)
{
    free(clears->fields);
    clears->fields = NULL;
}
