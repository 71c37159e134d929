/* An array grown by doubling to hold at least need items of unit bytes: amortised copies for
 * buffers filled an item at a time. Thread-safety: pure, on the caller's array. */
#ifndef CCI_GROW_H
#define CCI_GROW_H

#include <stdbool.h>
#include <stdlib.h>

/* False when memory ran out: the array is then as it was. */
static inline bool cci_grow(void **array, size_t *cap, size_t need, size_t unit)
{
    if (need <= *cap) return true;
    size_t next = *cap ? *cap * 2 : 64;
    while (next < need) next *= 2;
    void *grown = realloc(*array, next * unit);
    if (!grown) return false;
    *array = grown;
    *cap = next;
    return true;
}

#endif
