/* Separate chaining; the bucket array doubles when the load factor passes 1. */
#include "util/strmap.h"

#include "cci/util/fingerprint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *next;
    uint64_t hash;
    void *value;
    char key[]; /* owned copy */
} entry;

struct cci_strmap {
    entry **buckets;
    size_t bucket_count; /* a power of two */
    size_t count;
    cci_strmap_free_fn free_value;
};

enum { INITIAL_BUCKETS = 64 };

/* FNV-1a: short keys, good enough spread. */
static uint64_t hash_key(const char *key)
{
    return cci_fnv1a(key, strlen(key), CCI_FNV_SEED);
}

cci_strmap *cci_strmap_new(cci_strmap_free_fn free_value)
{
    cci_strmap *map = calloc(1, sizeof *map);
    if (!map) return NULL;
    map->buckets = calloc(INITIAL_BUCKETS, sizeof *map->buckets);
    if (!map->buckets) {
        free(map);
        return NULL;
    }
    map->bucket_count = INITIAL_BUCKETS;
    map->free_value = free_value;
    return map;
}

static void destroy_entry(cci_strmap *map, entry *e)
{
    if (map->free_value && e->value) map->free_value(e->value);
    free(e);
}

void cci_strmap_clear(cci_strmap *map)
{
    for (size_t i = 0; i < map->bucket_count; i++) {
        entry *e = map->buckets[i];
        while (e) {
            entry *next = e->next;
            destroy_entry(map, e);
            e = next;
        }
        map->buckets[i] = NULL;
    }
    map->count = 0;
}

void cci_strmap_free(cci_strmap *map)
{
    if (!map) return;
    cci_strmap_clear(map);
    free(map->buckets);
    free(map);
}

static entry *find(const cci_strmap *map, const char *key, uint64_t hash)
{
    for (entry *e = map->buckets[hash & (map->bucket_count - 1)]; e; e = e->next)
        if (e->hash == hash && strcmp(e->key, key) == 0) return e;
    return NULL;
}

void *cci_strmap_get(const cci_strmap *map, const char *key)
{
    entry *e = find(map, key, hash_key(key));
    return e ? e->value : NULL;
}

bool cci_strmap_contains(const cci_strmap *map, const char *key)
{
    return find(map, key, hash_key(key)) != NULL;
}

static void grow(cci_strmap *map)
{
    size_t new_count = map->bucket_count * 2;
    entry **fresh = calloc(new_count, sizeof *fresh);
    if (!fresh) return; /* keep working with longer chains */
    for (size_t i = 0; i < map->bucket_count; i++) {
        entry *e = map->buckets[i];
        while (e) {
            entry *next = e->next;
            size_t slot = e->hash & (new_count - 1);
            e->next = fresh[slot];
            fresh[slot] = e;
            e = next;
        }
    }
    free(map->buckets);
    map->buckets = fresh;
    map->bucket_count = new_count;
}

bool cci_strmap_put(cci_strmap *map, const char *key, void *value)
{
    uint64_t hash = hash_key(key);
    entry *e = find(map, key, hash);
    if (e) {
        if (map->free_value && e->value && e->value != value) map->free_value(e->value);
        e->value = value;
        return true;
    }
    size_t len = strlen(key);
    e = malloc(sizeof *e + len + 1);
    if (!e) return false;
    memcpy(e->key, key, len + 1);
    e->hash = hash;
    e->value = value;
    size_t slot = hash & (map->bucket_count - 1);
    e->next = map->buckets[slot];
    map->buckets[slot] = e;
    if (++map->count > map->bucket_count) grow(map);
    return true;
}

bool cci_strmap_remove(cci_strmap *map, const char *key)
{
    uint64_t hash = hash_key(key);
    entry **link = &map->buckets[hash & (map->bucket_count - 1)];
    for (; *link; link = &(*link)->next) {
        entry *e = *link;
        if (e->hash == hash && strcmp(e->key, key) == 0) {
            *link = e->next;
            destroy_entry(map, e);
            map->count--;
            return true;
        }
    }
    return false;
}

size_t cci_strmap_count(const cci_strmap *map)
{
    return map->count;
}

void cci_strmap_foreach(const cci_strmap *map, cci_strmap_visit_fn visit, void *ctx)
{
    for (size_t i = 0; i < map->bucket_count; i++)
        for (entry *e = map->buckets[i]; e; e = e->next)
            if (!visit(e->key, e->value, ctx)) return;
}
