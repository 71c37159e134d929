/* An allocator that fails the Nth allocation, for the allocation-failure sweep. The library is
 * built a second time (cci_core_failing) with malloc, calloc, realloc, strdup and strndup renamed
 * to these; libcurl, cJSON and libcsv are given them as their allocators by the sweep. Disarmed,
 * they are the C library's. With CCI_ALLOC_TRACE set in the environment, the failing allocation
 * prints its backtrace to standard error (symbolise it with addr2line).
 *
 * Thread-safety: every function may be called from any thread (one atomic countdown). */
#ifndef FAILING_ALLOC_H
#define FAILING_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

void *cci_failing_malloc(size_t size);
void *cci_failing_calloc(size_t count, size_t size);
void *cci_failing_realloc(void *memory, size_t size);
char *cci_failing_strdup(const char *text);
char *cci_failing_strndup(const char *text, size_t len);

/* From now on, the nth allocation (1: the next) fails, once. */
void failing_alloc_arm(unsigned long nth);
/* Back to never failing; true when the armed allocation came (and failed). */
bool failing_alloc_disarm(void);

#endif
