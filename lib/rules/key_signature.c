/* strtok_r, strndup */
#define _GNU_SOURCE
#include "rules/key_signature.h"

#include <stdlib.h>
#include <string.h>

#include "state/app_users.h"
#include "cci/util/fingerprint.h"
#include "rules/user.h"

bool cci_key_columns_of(const cci_mapping *mapping, cci_key_columns *keys)
{
    *keys = (cci_key_columns){.usable = true};
    for (size_t i = 0; i < mapping->count; i++) {
        const cci_column *column = &mapping->columns[i];
        if (column->field == CCI_FIELD_METADATA) keys->usable = false;
        if (column->field != CCI_FIELD_METADATA_KEY) continue;
        if (keys->count == CCI_KEY_SIGNATURE_MOST) {
            keys->usable = false;
            continue;
        }
        if (!(keys->paths[keys->count] = strdup(column->metadata_path))) {
            keys->usable = false;
            return false;
        }
        keys->columns[keys->count++] = i;
    }
    keys->usable = keys->usable && keys->count > 0;
    return true;
}

void cci_key_columns_cleanup(cci_key_columns *keys)
{
    for (size_t j = 0; j < keys->count; j++) free(keys->paths[j]);
    *keys = (cci_key_columns){0};
}

static unsigned long long combine(unsigned long long hash, size_t key, uint32_t value)
{
    uint32_t pair[2] = {(uint32_t)key, value};
    return cci_fnv1a(pair, sizeof pair, hash);
}

static uint32_t fold(unsigned long long hash)
{
    return (uint32_t)(hash ^ (hash >> 32));
}

/* The cell trimmed as a row's cells are, as the JSON string a metadata key gets; 0 when empty. */
static uint32_t cell_hash(const cci_cell *cell)
{
    const char *text = cell->text;
    size_t len = cell->len;
    cci_trim(&text, &len);
    if (!len) return 0;
    char *copy = strndup(text, len);
    cJSON *value = copy ? cJSON_CreateString(copy) : NULL;
    free(copy);
    uint32_t hash = value ? cci_field_hash(value) : 1; /* out of memory: never equal to a listed value */
    cJSON_Delete(value);
    return hash;
}

static bool cleared(const cci_clears *clears, const char *path)
{
    for (size_t i = 0; clears && i < clears->key_count; i++)
        if (strcmp(clears->keys[i], path) == 0) return true;
    return false;
}

uint32_t cci_key_signature_of_row(const cci_key_columns *keys, const cci_record *record, const cci_clears *clears,
                                  uint32_t *mask)
{
    unsigned long long hash = CCI_FNV_SEED;
    *mask = 0;
    for (size_t j = 0; j < keys->count; j++) {
        size_t column = keys->columns[j];
        uint32_t value = column < record->count ? cell_hash(&record->cells[column]) : 0;
        if (!value && !cleared(clears, keys->paths[j])) continue; /* left as the app holds it */
        *mask |= 1u << j;
        hash = combine(hash, j, value);
    }
    return fold(hash);
}

/* The value at a dotted path ("team.floor"), split as a row's keys are set (cci/user.h), into
 * *value (NULL: none). False when out of memory. */
static bool value_at(const cJSON *metadata, const char *path, const cJSON **value)
{
    char *keys = strdup(path);
    if (!keys) return false;
    const cJSON *node = metadata;
    char *save = NULL;
    for (char *key = strtok_r(keys, ".", &save); key && node; key = strtok_r(NULL, ".", &save))
        node = cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, key) : NULL;
    free(keys);
    *value = node;
    return true;
}

bool cci_key_signature_of_listed(const cci_key_columns *keys, const cJSON *metadata, uint32_t mask,
                                 uint32_t *signature)
{
    unsigned long long hash = CCI_FNV_SEED;
    bool private_listed = cJSON_GetObjectItemCaseSensitive(metadata, "@private") != NULL;
    for (size_t j = 0; j < keys->count; j++) {
        if (!(mask & (1u << j))) continue;
        /* a listing may hide "@private": missing there is unknown, never proven */
        if (!private_listed && strncmp(keys->paths[j], "@private", 8) == 0) return false;
        const cJSON *value = NULL;
        if (cJSON_IsObject(metadata) && !value_at(metadata, keys->paths[j], &value)) return false;
        hash = combine(hash, j, value ? cci_field_hash(value) : 0);
    }
    *signature = fold(hash);
    return true;
}
