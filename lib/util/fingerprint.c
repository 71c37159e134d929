#include "cci/util/fingerprint.h"

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

static uint64_t rotate(uint64_t x, int bits)
{
    return (x << bits) | (x >> (64 - bits));
}

/* splitmix64's finaliser: every input bit reaches every output bit */
static uint64_t finish(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

void cci_fingerprint_of_text(const char *text, size_t len, char out[CCI_FINGERPRINT_LEN + 1])
{
    /* two 64-bit lanes over 8-byte words, each with its own multiplier and rotation: a change
     * that slips past both is not a practical concern, and words go eight times faster than
     * bytes */
    uint64_t a = 0x9E3779B97F4A7C15ULL ^ len, b = 0xC2B2AE3D27D4EB4FULL + len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t word;
        memcpy(&word, text + i, 8);
        a = rotate((a ^ word) * 0x87C37B91114253D5ULL, 31);
        b = rotate((b ^ word) * 0x4CF5AD432745937FULL, 29) + a;
    }
    uint64_t tail = 0;
    memcpy(&tail, text + i, len - i);
    a = finish(a ^ tail ^ 0x1D);
    b = finish(b ^ rotate(tail, 17) ^ a);
    snprintf(out, CCI_FINGERPRINT_LEN + 1, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

bool cci_fingerprint(const cJSON *fields, char out[CCI_FINGERPRINT_LEN + 1])
{
    char *text = cci_canonical_json(fields);
    if (!text) return false;
    cci_fingerprint_of_text(text, strlen(text), out);
    free(text);
    return true;
}

bool cci_json_sort_keys(cJSON *item)
{
    if (!cJSON_IsObject(item) && !cJSON_IsArray(item)) return true;
    int count = 0;
    bool sorted = true;
    for (cJSON *child = item->child; child; child = child->next) {
        sorted = cci_json_sort_keys(child) && sorted;
        count++;
    }
    if (!cJSON_IsObject(item) || count < 2) return sorted;
    cJSON **members = malloc((size_t)count * sizeof *members);
    if (!members) return false;
    int n = 0;
    for (cJSON *child = item->child; child; child = child->next) members[n++] = child;
    qsort(members, (size_t)n, sizeof *members, by_key);
    /* relink as cJSON keeps lists: the first's prev points at the last */
    for (int i = 0; i < n; i++) {
        members[i]->next = i + 1 < n ? members[i + 1] : NULL;
        members[i]->prev = i > 0 ? members[i - 1] : members[n - 1];
    }
    item->child = members[0];
    free(members);
    return sorted;
}
