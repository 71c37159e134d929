/* MAP_ANONYMOUS, madvise, MADV_HUGEPAGE */
#define _DEFAULT_SOURCE
#include "util/zeroed.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

/* A huge page; tables from four of them are mapped (below that calloc's share of a page fault a
 * 4 KiB is small, and a huge page's rounding would waste more). */
enum { HUGE_PAGE = 2 << 20, LEAST_MAPPED = 4 * HUGE_PAGE };

static size_t mapped_length(size_t bytes)
{
    return (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
}

void *cci_zeroed_alloc(size_t bytes)
{
    if (bytes < LEAST_MAPPED) return calloc(1, bytes ? bytes : 1);
    size_t length = mapped_length(bytes);
    if (length > SIZE_MAX - HUGE_PAGE) return NULL;
    /* a huge page's worth more than wanted, so the table can start on a huge page's boundary;
     * what lies before and after it is given back */
    char *mapped = mmap(NULL, length + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) return NULL;
    uintptr_t start = ((uintptr_t)mapped + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    char *table = (char *)start;
    if (table > mapped) munmap(mapped, (size_t)(table - mapped));
    size_t after = (size_t)(mapped + length + HUGE_PAGE - (table + length));
    if (after) munmap(table + length, after);
    (void)madvise(table, length, MADV_HUGEPAGE); /* a wish: 4 KiB pages still work */
    return table;
}

void cci_zeroed_free(void *table, size_t bytes)
{
    if (!table) return;
    if (bytes < LEAST_MAPPED) {
        free(table);
        return;
    }
    munmap(table, mapped_length(bytes));
}
