#include "state/uid_lines.h"

#include <stdint.h>
#include <stdlib.h>

#include "util/zeroed.h"

enum { FIRST_CAPACITY = 1024, MOST_RESERVED = 1 << 21 };

/* 0 marks an empty slot; 1 stands for a hash of 0 too, which at most merges two uids' lines, as
 * a collision of cci_uid_hash would */
static uint64_t key_of(uint64_t uid_hash)
{
    return uid_hash ? uid_hash : 1;
}

/* Where key's probe starts. Fibonacci hashing: the high bits of the product mix every bit of the
 * key, so uids that differ in a digit (user0000001, user0000002) do not crowd together. */
static size_t home_of(size_t capacity, uint64_t key)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (capacity - 1);
}

/* The slot of key, or the empty slot where it would go. capacity is a power of two, not full. */
static size_t slot_of(const cci_uid_slot *slots, size_t capacity, uint64_t key)
{
    size_t slot = home_of(capacity, key);
    while (slots[slot].hash && slots[slot].hash != key) slot = (slot + 1) & (capacity - 1);
    return slot;
}

unsigned long cci_uid_lines_first(const cci_uid_lines *lines, uint64_t uid_hash)
{
    if (!lines->capacity) return 0;
    const cci_uid_slot *slot = &lines->slots[slot_of(lines->slots, lines->capacity, key_of(uid_hash))];
    return slot->hash ? slot->line : 0;
}

void cci_uid_lines_prefetch(const cci_uid_lines *lines, uint64_t uid_hash)
{
    if (lines->capacity) __builtin_prefetch(&lines->slots[home_of(lines->capacity, key_of(uid_hash))], 1);
}

/* Rebuilds the table at capacity slots (a power of two that holds every uid noted). */
static bool rebuild(cci_uid_lines *lines, size_t capacity)
{
    if (capacity > SIZE_MAX / sizeof(cci_uid_slot)) return false;
    cci_uid_slot *slots = cci_zeroed_alloc(capacity * sizeof *slots); /* in huge pages when large */
    if (!slots) return false;
    for (size_t i = 0; i < lines->capacity; i++)
        if (lines->slots[i].hash) slots[slot_of(slots, capacity, lines->slots[i].hash)] = lines->slots[i];
    cci_zeroed_free(lines->slots, lines->capacity * sizeof *lines->slots);
    lines->slots = slots;
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
    cci_uid_slot *slot = &lines->slots[slot_of(lines->slots, lines->capacity, key)];
    if (!slot->hash) {
        /* 4 billion lines: beyond any file */
        *slot = (cci_uid_slot){.hash = key, .line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line};
        lines->count++;
    }
    *first = slot->line;
    return true;
}

void cci_uid_lines_cleanup(cci_uid_lines *lines)
{
    cci_zeroed_free(lines->slots, lines->capacity * sizeof *lines->slots);
    *lines = (cci_uid_lines){0};
}
