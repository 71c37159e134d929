/* The first line of each uid of a file, learned as its rows come: what a file read once (a dry
 * run's) knows of its repeated uids. Keyed by cci_uid_hash, as the preflight's cci_uid_set is, in
 * 12 bytes a slot (an open-addressed table, at most three quarters full, doubled as it fills).
 * Thread-safety: used by one thread (the reader). */
#ifndef CCI_UID_LINES_H
#define CCI_UID_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A uid's hash and its first line side by side: a probe costs one cache miss, not two. */
typedef struct __attribute__((packed)) cci_uid_slot {
    uint64_t hash; /* 0: an empty slot (a hash of 0 is stored as 1) */
    uint32_t line;
} cci_uid_slot;

typedef struct cci_uid_lines {
    cci_uid_slot *slots;
    size_t count, capacity; /* capacity: a power of two, or 0 */
} cci_uid_lines;

/* The line that gave uid_hash first, or 0 when none has. */
unsigned long cci_uid_lines_first(const cci_uid_lines *lines, uint64_t uid_hash);

/* Notes line for uid_hash unless an earlier line has it, and puts the first line that has it (line,
 * or the earlier one) in first. False when out of memory. */
bool cci_uid_lines_note(cci_uid_lines *lines, uint64_t uid_hash, unsigned long line, unsigned long *first);

/* Asks the processor to fetch the slot uid_hash starts at, so that noting it a little later does not
 * wait for memory (the table is larger than the caches). */
void cci_uid_lines_prefetch(const cci_uid_lines *lines, uint64_t uid_hash);

/* Makes room for about uids uids at once, so that a large file's table is not rebuilt at every
 * doubling (at most 2^21 slots, 24 MiB: past that it doubles as it fills). False when out of
 * memory; the table is then as it was. */
bool cci_uid_lines_reserve(cci_uid_lines *lines, size_t uids);

void cci_uid_lines_cleanup(cci_uid_lines *lines);

#endif
