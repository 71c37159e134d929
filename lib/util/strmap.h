/* A hash map from NUL-terminated strings to pointers.
 *
 * Keys are copied on insert; values are owned by the caller unless a value destructor is given to
 * cci_strmap_new, in which case the map frees them on removal and on cci_strmap_free.
 *
 * Thread-safety: none. A map is used by one thread at a time; callers that share one lock around it. */
#ifndef CCI_STRMAP_H
#define CCI_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cci_strmap cci_strmap;
typedef void (*cci_strmap_free_fn)(void *value);
/* Return false to stop the iteration early. */
typedef bool (*cci_strmap_visit_fn)(const char *key, void *value, void *ctx);

/* Returns NULL when out of memory. free_value may be NULL. */
cci_strmap *cci_strmap_new(cci_strmap_free_fn free_value);
void cci_strmap_free(cci_strmap *map);

/* The value for key, or NULL when absent. */
void *cci_strmap_get(const cci_strmap *map, const char *key);
bool cci_strmap_contains(const cci_strmap *map, const char *key);

/* Inserts or replaces (the old value is destroyed as for removal). Returns false when out of memory. */
bool cci_strmap_put(cci_strmap *map, const char *key, void *value);

/* Removes key; returns true when it was present. */
bool cci_strmap_remove(cci_strmap *map, const char *key);

/* Removes every entry. */
void cci_strmap_clear(cci_strmap *map);

size_t cci_strmap_count(const cci_strmap *map);

/* Visits every entry in an unspecified order. The map must not be changed during the visit. */
void cci_strmap_foreach(const cci_strmap *map, cci_strmap_visit_fn visit, void *ctx);

#endif
