#include "cci/fingerprint.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned long long cci_fnv1a(const void *data, size_t len, unsigned long long seed)
{
    const unsigned char *bytes = data;
    uint64_t h = seed;
    for (size_t i = 0; i < len; i++) h = (h ^ bytes[i]) * 1099511628211ULL;
    return h;
}

static int by_key(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

/* A deep copy of item with every object's members in key order. */
static cJSON *sorted_copy(const cJSON *item)
{
    if (!cJSON_IsObject(item) && !cJSON_IsArray(item)) return cJSON_Duplicate(item, true);
    cJSON *copy = cJSON_IsObject(item) ? cJSON_CreateObject() : cJSON_CreateArray();
    int count = cJSON_GetArraySize(item);
    const cJSON **members = malloc((size_t)(count ? count : 1) * sizeof *members);
    if (!copy || !members) {
        free(members);
        cJSON_Delete(copy);
        return NULL;
    }
    int n = 0;
    for (const cJSON *child = item->child; child; child = child->next) members[n++] = child;
    if (cJSON_IsObject(item)) qsort(members, (size_t)n, sizeof *members, by_key);
    for (int i = 0; i < n; i++) {
        cJSON *child = sorted_copy(members[i]);
        if (cJSON_IsObject(item)) cJSON_AddItemToObject(copy, members[i]->string, child);
        else cJSON_AddItemToArray(copy, child);
    }
    free(members);
    return copy;
}

char *cci_canonical_json(const cJSON *fields)
{
    cJSON *sorted = sorted_copy(fields);
    char *text = sorted ? cJSON_PrintUnformatted(sorted) : NULL;
    cJSON_Delete(sorted);
    return text;
}

bool cci_fingerprint(const cJSON *fields, char out[CCI_FINGERPRINT_LEN + 1])
{
    char *text = cci_canonical_json(fields);
    if (!text) return false;
    size_t len = strlen(text);
    /* two independent 64-bit hashes: a change slipping past both is not a practical concern */
    unsigned long long a = cci_fnv1a(text, len, CCI_FNV_SEED);
    unsigned long long b = cci_fnv1a(text, len, a ^ 0x9E3779B97F4A7C15ULL);
    snprintf(out, CCI_FINGERPRINT_LEN + 1, "%016llx%016llx", a, b);
    free(text);
    return true;
}
