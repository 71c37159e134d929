/* Large zeroed tables for random access (hash tables larger than the caches), mapped so that the
 * kernel may back them with 2 MiB huge pages (transparent huge pages, in madvise mode too). In
 * 4 KiB pages such a table costs a page fault for every 4 KiB on first touch and a TLB miss at
 * nearly every probe; in a virtual machine each fault costs tens of microseconds. A dry run's
 * 24 MiB uid table took 6,000 faults, a quarter of the run's CPU, where it now takes 12.
 * Smaller tables are calloc's. Thread-safety: no state of its own. */
#ifndef CCI_ZEROED_H
#define CCI_ZEROED_H

#include <stddef.h>

/* bytes of zeros, or NULL when out of memory. */
void *cci_zeroed_alloc(size_t bytes);
/* Frees what cci_zeroed_alloc(bytes) gave (NULL: nothing). */
void cci_zeroed_free(void *table, size_t bytes);

#endif
