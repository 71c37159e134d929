#include "state/uid_lines.h"

#include <stdlib.h>

enum { FIRST_CAPACITY = 1024, MOST_RESERVED = 1 << 21 };

/* 0 marks an empty slot; 1 stands for a hash of 0 too, which at most merges two uids' lines, as
 * a collision of cci_uid_hash would */
static uint64_t key_of(uint64_t uid_hash)
{
    return uid_hash ? uid_hash : 1;
}

/* The slot of key, or the empty slot where it would go. capacity is a power of two, not full. */
static size_t slot_of(const uint64_t *hashes, size_t capacity, uint64_t key)
{
    /* Fibonacci hashing: the high bits of the product mix every bit of the key, so uids that
     * differ in a digit (user0000001, user0000002) do not crowd together */
    size_t slot = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (capacity - 1);
    while (hashes[slot] && hashes[slot] != key) slot = (slot + 1) & (capacity - 1);
    return slot;
}

unsigned long cci_uid_lines_first(const cci_uid_lines *lines, uint64_t uid_hash)
{
    if (!lines->capacity) return 0;
    size_t slot = slot_of(lines->hashes, lines->capacity, key_of(uid_hash));
    return lines->hashes[slot] ? lines->lines[slot] : 0;
}

/* Rebuilds the table at capacity slots (a power of two that holds every uid noted). */
static bool rebuild(cci_uid_lines *lines, size_t capacity)
{
    uint64_t *hashes = calloc(capacity, sizeof *hashes);
    uint32_t *numbers = malloc(capacity * sizeof *numbers);
    if (!hashes || !numbers) {
        free(hashes);
        free(numbers);
        return false;
    }
    for (size_t i = 0; i < lines->capacity; i++) {
        if (!lines->hashes[i]) continue;
        size_t slot = slot_of(hashes, capacity, lines->hashes[i]);
        hashes[slot] = lines->hashes[i];
        numbers[slot] = lines->lines[i];
    }
    free(lines->hashes);
    free(lines->lines);
    lines->hashes = hashes;
    lines->lines = numbers;
    lines->capacity = capacity;
    return true;
}

static bool grow(cci_uid_lines *lines)
{
    return rebuild(lines, lines->capacity ? lines->capacity * 2 : FIRST_CAPACITY);
}

bool cci_uid_lines_reserve(cci_uid_lines *lines, size_t uids)
{
    size_t capacity = FIRST_CAPACITY;
    while (capacity < MOST_RESERVED && 3 * capacity < 4 * uids) capacity *= 2;
    return capacity <= lines->capacity || rebuild(lines, capacity);
}

bool cci_uid_lines_note(cci_uid_lines *lines, uint64_t uid_hash, unsigned long line, unsigned long *first)
{
    if (4 * (lines->count + 1) > 3 * lines->capacity && !grow(lines)) return false;
    uint64_t key = key_of(uid_hash);
    size_t slot = slot_of(lines->hashes, lines->capacity, key);
    if (!lines->hashes[slot]) {
        lines->hashes[slot] = key;
        lines->lines[slot] = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line; /* 4 billion lines: beyond any file */
        lines->count++;
    }
    *first = lines->lines[slot];
    return true;
}

void cci_uid_lines_cleanup(cci_uid_lines *lines)
{
    free(lines->hashes);
    free(lines->lines);
    *lines = (cci_uid_lines){0};
}
